/*
 * upload.h - POST /api/uploads?name=: a photo or document streamed to disk
 * (issue 14), memory one piece of the body whatever its size.
 *
 *   - At the headers, on the loop, the transport opens the upload
 *     (api_upload_begin: a spool file under a temporary name) and starts
 *     the call; each piece of the body is written to it as it arrives
 *     (api_upload_write).
 *   - Meanwhile a worker checks the request from its headers
 *     (api_upload_open: the sender authenticated, svc_upload_open: who,
 *     Content-Length against the limit, how many at once).  Refused, the
 *     file goes and the answer goes out at once, the rest of the body
 *     unread; accepted (api_response.upload_accepted), the file becomes
 *     the upload's.
 *   - Once the body is whole, a worker ends it (api_upload_finish): flushed
 *     to disk with its folder, typed from its bytes, recorded as waiting
 *     to be checked: 201 {"id":N,"state":"checking",...}.
 *
 * So a refused upload costs the few bytes that arrive while a worker looks
 * at its headers, and an accepted one is not held up waiting for it.
 */
#ifndef INDGANG_API_UPLOAD_H
#define INDGANG_API_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

struct api_ctx;
struct api_request;
struct api_response;
struct attach_files;
struct store_user;
struct api_upload;

/* The slowest an upload may arrive after http_request_seconds: a phone on
 * 2G still sends 10 MB within its deadline (about 21 minutes). */
#define API_UPLOAD_MIN_RATE 8192 /* bytes per second */

#define API_UPLOAD_LENGTH_CAP (1LL << 40)

/* How long an upload of size bytes may take to arrive, in milliseconds
 * (sizes above API_UPLOAD_LENGTH_CAP count as that). */
int64_t api_upload_allowed_ms(int64_t size, int request_seconds);

/* Loop thread, at the headers: an upload of length bytes into files; NULL
 * when no spool file can be made (the disk). */
struct api_upload *api_upload_begin(struct attach_files *files, int64_t length);
/* Loop thread: the next n bytes of the body.  A failure (a full disk, more
 * than announced) is kept and answered by api_upload_finish. */
void api_upload_write(struct api_upload *u, const void *buf, size_t n);
/* On a worker, for an authenticated user: accepts req->upload
 * (resp->upload_accepted) or fills resp with the refusal.  raw_name: what
 * the client calls the file (may be NULL). */
void api_upload_open(struct api_ctx *ctx, const struct store_user *user,
                     const struct api_request *req, const char *raw_name, int64_t now,
                     struct api_response *resp);
/* On a worker, the body whole: answers the accepted upload u. */
void api_upload_finish(struct api_ctx *ctx, struct api_upload *u, struct api_response *resp);
/* Closes the upload; its spool file goes unless it was received whole. */
void api_upload_destroy(struct api_upload *u);

#endif
