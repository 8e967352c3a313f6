/*
 * upload.c - POST /api/uploads: a photo or document streamed to disk in two
 * steps (upload.h).
 */
#include "upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../attach/files.h"
#include "../attach/sniff.h"
#include "../codec/codec.h"
#include "../common/err.h"
#include "api.h"

struct api_upload {
	struct attach_files *files;
	int fd;
	char temp[ATTACH_TEMP_NAME]; /* its name until accepted */
	int64_t expected, received;  /* loop thread */
	int err;                     /* the first write's failure (loop thread) */
	/* Set by the worker that accepts it, read after the body is whole. */
	bool accepted;
	struct store_user owner;
	int64_t id;
	char *raw_name; /* what the client called it */
	bool kept;      /* received whole: its spool file waits to be checked */
	bool gone;      /* refused: its file is removed already */
};

int64_t api_upload_allowed_ms(int64_t size, int request_seconds)
{
	/* Any Content-Length may be announced; beyond a terabyte it is refused
	 * anyway, and the arithmetic stays in range. */
	if (size > API_UPLOAD_LENGTH_CAP)
		size = API_UPLOAD_LENGTH_CAP;
	return (int64_t)request_seconds * 1000 + (size < 0 ? 0 : size) * 1000 / API_UPLOAD_MIN_RATE;
}

struct api_upload *api_upload_begin(struct attach_files *files, int64_t length)
{
	struct api_upload *u = calloc(1, sizeof *u);
	if (u == NULL)
		return NULL;
	u->files = files;
	u->expected = length;
	if (files == NULL || attach_spool_begin(files, &u->fd, u->temp) != ERR_OK) {
		free(u);
		return NULL;
	}
	return u;
}

static void answer(struct api_response *resp, int status, char *body)
{
	resp->status = body ? status : 500;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = body ? body : codec_encode_http_error(ERR_INTERNAL, NULL);
	resp->body_len = resp->body ? strlen(resp->body) : 0;
}

static void refuse(struct api_response *resp, int err, const char *why)
{
	answer(resp, err_http_status(err),
	       codec_encode_http_error(err, why ? why : err_message(err)));
}

struct open_op {
	const struct store_user *user;
	int64_t size, max, deadline, now, id;
	const char *why;
};

static int open_op(struct store *s, void *arg)
{
	struct open_op *o = arg;
	return svc_upload_open(s, o->user, o->size, o->max, o->deadline, o->now, &o->id, &o->why);
}

struct drop_op {
	const struct store_user *user;
	int64_t id;
};

static int drop_op(struct store *s, void *arg)
{
	struct drop_op *o = arg;
	return svc_upload_drop(s, o->user, o->id);
}

/* A refused upload's file goes at once, before the answer: a client that
 * reads the refusal finds nothing of it left (the loop may still be writing
 * the rest of the body into the open, unlinked file). */
static void discard(struct api_upload *u)
{
	if (u->temp[0])
		attach_spool_discard(u->files, u->temp);
	else if (u->accepted)
		attach_spool_remove(u->files, u->id);
	u->temp[0] = '\0';
	u->gone = true;
}

/* The accepted upload's row goes (refused after its bytes). */
static void drop(struct api_ctx *ctx, struct api_upload *u)
{
	struct drop_op o = {.user = &u->owner, .id = u->id};
	(void)svc_in_tx(ctx->store, drop_op, &o);
}

void api_upload_open(struct api_ctx *ctx, const struct store_user *user,
                     const struct api_request *req, const char *raw_name, int64_t now,
                     struct api_response *resp)
{
	struct api_upload *u = req->upload;
	struct open_op o = {
	    .user = user,
	    .size = req->content_length,
	    .max = ctx->upload_max,
	    .deadline = now + api_upload_allowed_ms(req->content_length, ctx->request_seconds),
	    .now = now,
	};
	if (u == NULL) {
		refuse(resp, ERR_BAD_REQUEST,
		       "An upload's body goes to /api/uploads as it is sent.");
		return;
	}
	int err = svc_in_tx(ctx->store, open_op, &o);
	if (err) {
		discard(u);
		refuse(resp, err, o.why);
		return;
	}
	u->owner = *user;
	u->id = o.id;
	u->accepted = true;
	if ((u->raw_name = strdup(raw_name ? raw_name : "")) == NULL ||
	    attach_spool_claim(u->files, u->temp, u->id) != ERR_OK) {
		drop(ctx, u);
		discard(u);
		refuse(resp, ERR_UNAVAILABLE, "Files cannot be stored right now.");
		return;
	}
	u->temp[0] = '\0';
	resp->upload_accepted = true;
}

void api_upload_write(struct api_upload *u, const void *buf, size_t n)
{
	if (u->err)
		return;
	if (u->received + (int64_t)n > u->expected)
		u->err = ERR_BAD_REQUEST;
	else
		u->err = attach_spool_write(u->fd, buf, n);
	u->received += (int64_t)n;
}

struct received_op {
	const struct store_user *user;
	struct attachment *a;
};

static int received_op(struct store *s, void *arg)
{
	struct received_op *o = arg;
	return svc_upload_received(s, o->user, o->a);
}

/* Flushes, types and records u; *why for a refusal. */
static int receive(struct api_ctx *ctx, struct api_upload *u, struct attachment *a,
                   const char **why)
{
	unsigned char head[ATTACH_SNIFF_BYTES];
	size_t head_n = 0;
	struct attach_type t;
	int err = u->err;
	if (err == ERR_UNAVAILABLE)
		*why = "The file could not be stored (the server's disk is full or failing).";
	if (err == ERR_OK && u->received != u->expected)
		err = ERR_BAD_REQUEST;
	if (err == ERR_OK &&
	    (err = attach_spool_seal(u->files, u->fd, &a->size, head, &head_n)) != ERR_OK)
		*why = "The file could not be stored (the server's disk is full or failing).";
	if (err == ERR_OK && a->size != u->expected)
		err = ERR_BAD_REQUEST;
	if (err == ERR_BAD_REQUEST && *why == NULL)
		*why = "The file did not arrive as announced (Content-Length).";
	if (err == ERR_OK)
		err = attach_sniff(head, head_n, &t, why);
	if (err)
		return err;
	a->id = u->id;
	a->owner_id = u->owner.ref.id;
	snprintf(a->kind, sizeof a->kind, "%s", t.kind == ATTACH_IMAGE ? "image" : "pdf");
	snprintf(a->mime, sizeof a->mime, "%s", t.mime);
	attach_name(u->raw_name, &t, a->name);
	struct received_op o = {.user = &u->owner, .a = a};
	return svc_in_tx(ctx->store, received_op, &o);
}

void api_upload_finish(struct api_ctx *ctx, struct api_upload *u, struct api_response *resp)
{
	struct attachment a = {0};
	const char *why = NULL;
	resp->upload_accepted = false;
	int err = u && u->accepted ? receive(ctx, u, &a, &why) : ERR_INTERNAL;
	if (err == ERR_OK) {
		u->kept = true;
		resp->uploaded = true;
		answer(resp, 201, codec_encode_attachment(&a));
		return;
	}
	if (u && u->accepted) {
		drop(ctx, u);
		discard(u);
	}
	refuse(resp, err, why);
}

void api_upload_destroy(struct api_upload *u)
{
	if (u == NULL)
		return;
	close(u->fd);
	if (!u->kept && !u->gone)
		discard(u); /* cut off: the connection went away */
	free(u->raw_name);
	free(u);
}
