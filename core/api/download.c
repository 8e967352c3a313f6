/*
 * download.c - a checked photo or document served from disk (download.h).
 *
 * What the browser is told: the type the server decided from the bytes
 * (never the sender's claim), Content-Disposition "inline" only for images
 * and "attachment" for anything else, the name in RFC 6266/5987 form, and
 * (beside the vhost's nosniff) a Content-Security-Policy that sandboxes
 * the file should a browser ever render it as a page.
 */
#include "download.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../attach/files.h"
#include "../attach/sniff.h"
#include "../codec/codec.h"
#include "../common/err.h"
#include "api.h"

struct fetch_op {
	const struct store_user *user;
	int64_t id, now;
	struct attachment a;
};

static int fetch_op(struct store *s, void *arg)
{
	struct fetch_op *o = arg;
	return svc_attach_fetch(s, o->user, o->id, o->now, &o->a);
}

/* inline|attachment; filename="ascii"; filename*=UTF-8''percent-encoded */
static void disposition(const char *how, const char *name, char *out, size_t cap)
{
	char ascii[DOMAIN_FILE_NAME_MAX + 1], utf8[3 * DOMAIN_FILE_NAME_MAX + 1];
	size_t a = 0, u = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		             (*p >= '0' && *p <= '9') || strchr(".-_~", *p);
		if (a < sizeof ascii - 1)
			ascii[a++] =
			    *p < 0x80 && *p != '"' && *p != '\\' && *p >= 0x20 ? (char)*p : '_';
		if (plain)
			utf8[u++] = (char)*p;
		else
			u += (size_t)snprintf(utf8 + u, 4, "%%%02X", *p);
		if (u > sizeof utf8 - 4)
			break;
	}
	ascii[a] = '\0';
	utf8[u] = '\0';
	int n = snprintf(out, cap, "%s; filename=\"%s\"; filename*=UTF-8''%s", how, ascii, utf8);
	if (n < 0 || (size_t)n >= cap) /* cannot be, at 640 bytes: then no name at all */
		snprintf(out, cap, "%s", how);
}

/* A thumbnail's type (JPEG, or PNG for an image with transparency), from
 * its bytes. */
static int type_of(const char *path, char *out, size_t cap)
{
	unsigned char head[ATTACH_SNIFF_BYTES];
	struct attach_type t;
	const char *why;
	FILE *f = fopen(path, "rbe");
	size_t n = f ? fread(head, 1, sizeof head, f) : 0;
	if (f)
		fclose(f);
	if (n == 0 || attach_sniff(head, n, &t, &why) != ERR_OK)
		return ERR_NOT_FOUND;
	snprintf(out, cap, "%s", t.mime);
	return ERR_OK;
}

static void refuse(struct api_response *resp, int err, const char *why)
{
	resp->status = err_http_status(err);
	resp->content_type = "application/json; charset=utf-8";
	resp->body = codec_encode_http_error(err, why ? why : err_message(err));
	resp->body_len = resp->body ? strlen(resp->body) : 0;
}

void api_download(struct api_ctx *ctx, const struct store_user *user, int64_t id, bool thumb,
                  int64_t now, struct api_response *resp)
{
	struct fetch_op o = {.user = user, .id = id, .now = now};
	char path[4200];
	int err = svc_in_tx(ctx->store, fetch_op, &o);
	const char *sha = thumb ? o.a.thumb_sha256 : o.a.sha256;
	if (err == ERR_CONFLICT) {
		refuse(resp, err, "The file is still being checked.");
		return;
	}
	if (err == ERR_GONE) {
		refuse(resp, err, "The file was refused when it was checked.");
		return;
	}
	if (err == ERR_OK && (ctx->files == NULL || sha[0] == '\0'))
		err = ERR_NOT_FOUND;
	if (err == ERR_OK)
		err = attach_stored_path(ctx->files, sha, path, sizeof path);
	if (err == ERR_OK && (resp->file = strdup(path)) == NULL)
		err = ERR_INTERNAL;
	if (err) {
		refuse(resp, err, NULL);
		return;
	}
	bool image = strcmp(o.a.kind, "image") == 0;
	resp->status = 200;
	snprintf(resp->file_type, sizeof resp->file_type, "%s", o.a.mime);
	if (thumb && type_of(path, resp->file_type, sizeof resp->file_type) != ERR_OK) {
		free(resp->file);
		resp->file = NULL;
		refuse(resp, ERR_NOT_FOUND, NULL);
		return;
	}
	disposition(image ? "inline" : "attachment", o.a.name, resp->disposition,
	            sizeof resp->disposition);
}
