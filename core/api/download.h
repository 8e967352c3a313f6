/*
 * download.h - GET /api/attachments/{id} and /api/attachments/{id}/thumb: a
 * checked photo or document for those who may see it (issue 14).  The
 * worker decides (svc_attach_fetch) and names the file; the transport
 * serves it from disk (api_response.file), never through memory.
 */
#ifndef INDGANG_API_DOWNLOAD_H
#define INDGANG_API_DOWNLOAD_H

#include <stdbool.h>
#include <stdint.h>

struct api_ctx;
struct api_response;
struct store_user;

/* Fills resp with the file to serve (or the refusal): the stored file, or
 * with thumb an image's thumbnail (a PDF has none: 404). */
void api_download(struct api_ctx *ctx, const struct store_user *user, int64_t id, bool thumb,
                  int64_t now, struct api_response *resp);

#endif
