/*
 * api.h - the HTTP endpoints of contract v1, as one pure dispatch: a parsed
 * request in, a response out.  It runs on an HTTP worker thread with that
 * worker's own store connection; it never touches sockets.
 */
#ifndef INDGANG_API_H
#define INDGANG_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../service/service.h"

struct metrics;

#define API_COOKIE_NAME "indgang_session"
#define API_BODY_MAX    (64 * 1024)

struct api_request {
	char method[8];
	char *path;  /* without the query */
	char *query; /* after '?', or "" */
	char *body;
	size_t body_len;
	char *bearer;              /* Authorization: Bearer value, or NULL */
	char *cookie_token;        /* the session cookie's value, or NULL */
	char *origin;              /* Origin header, or NULL */
	char *host;                /* Host header */
	char *content_type;        /* Content-Type header, or NULL */
	int64_t content_length;    /* Content-Length, -1 without one */
	struct api_upload *upload; /* POST /api/uploads: its body's file (owned) */
	char peer_addr[64];
};

/*
 * A body made a chunk at a time, for answers that grow with the data (the
 * CSV exports of the logs).  Each chunk is made on an HTTP worker with that
 * worker's store connection, and the next one only once the transport has
 * written the one before (http_call_more, core/workers/workers.h): an export holds
 * one chunk in memory whatever its size and however slowly it is read, and
 * no worker waits on a reader between chunks.
 */
struct api_stream {
	/* The next chunk: *out malloc'd (*len bytes, may be 0), *last after
	 * the final one.  Runs on any worker, one call at a time. */
	int (*next)(struct api_stream *st, struct store *s, char **out, size_t *len, bool *last);
	void (*destroy)(struct api_stream *st);
};

struct api_response {
	int status;
	const char *content_type;
	char *body; /* malloc'd; with a stream, the current chunk */
	size_t body_len;
	struct api_stream *stream; /* owned; NULL: body is the whole answer */
	bool stream_done;          /* body is the stream's last chunk */
	bool stream_failed;        /* a chunk could not be made: abort the answer */
	char set_cookie[256];
	char disposition[640]; /* Content-Disposition, or "" (a name of 120 bytes fits) */
	/* A file to serve from disk instead of body (download.h), its type. */
	char *file;
	char file_type[32];
	/* Sessions to close at once (logout, revocation). */
	int64_t close_token_id;
	int64_t close_device_id;
	/* A conversation created: announced to everyone who may see it. */
	int64_t created_conv;
	/* A system message to fan out (a "message" frame, malloc'd) and to whom. */
	char *notice;
	struct route_set notice_to;
	/* After it, the conversation's "needs an answer" to its staff (a
	 * "waiting" frame, malloc'd), when the message changed it. */
	char *waiting;
	struct route_set waiting_to;
	/* notifications queued (the sender is woken) */
	size_t pushes;
	size_t sms; /* SMS queued: the sender is to look */
	/* The request's upload (upload.h) may be stored: the transport has a
	 * worker finish it once its body is whole (http_call_finish). */
	bool upload_accepted;
	bool uploaded; /* an upload waits to be checked: the checker is to look */
	/* The caller proved who it is (a sign-in, Kannel's secret): its
	 * connection no longer counts against its address's limit, so Kannel's
	 * pool of delivery-report connections or a town hall's NAT does not
	 * crowd out the rest of its address. */
	bool proven;
};
struct api_ctx {
	struct store *store;
	struct auth_throttle *throttle;
	struct svc_policy policy; /* lifetimes of sessions and invites */
	const char *const *allowed_origins;
	/* the hub's "the database takes writes" flag, shared with the writer */
	atomic_bool *writable_flag;
	/* GET /metrics: what it shows, and who may see it without an admin's
	 * bearer token (addresses or IPv4 CIDR blocks, NULL-terminated) */
	struct metrics *metrics;
	const char *const *metrics_allow;
	/* the Web Push public key (base64url), or NULL without a push key */
	const char *push_public_key;
	/* the retention periods, for what a case record says is due (issue 16) */
	struct retention_policy retention;
	/* a family member sees the names of who read its data, not only roles */
	bool access_names;
	/* Runs op in the writer's group commit (writer_run) for the machine
	 * endpoints that write often (Kannel's); NULL: in a transaction of the
	 * worker's own (svc_in_tx). */
	int (*grouped)(void *hub, int (*op)(struct store *s, void *arg), void *arg);
	void *hub;
	const char *sms_secret;       /* Kannel's get-url secret; NULL: no SMS endpoint */
	const char *const *sms_allow; /* where Kannel may call from */
	/* Photos and documents: their folder (NULL: none can be stored), the
	 * largest upload, and http_request_seconds for an upload's deadline. */
	struct attach_files *files;
	int64_t upload_max;
	int request_seconds;
};

/* True when the route takes its body as a stream (an upload: upload.h);
 * the transport then starts the call at the headers. */
bool api_streams_body(const char *method, const char *path);
/* Handles one request; fills resp (resp->body malloc'd, caller frees). */
void api_handle(struct api_ctx *ctx, const struct api_request *req, int64_t now,
                struct api_response *resp);
/* Replaces resp->body with the next chunk of resp->stream; sets
 * stream_done after the last, stream_failed (and done) on an error. */
void api_stream_next(struct store *s, struct api_response *resp);
void api_request_free(struct api_request *req);
void api_response_free(struct api_response *resp);

/* The origin rule shared with the WebSocket upgrade: "https://" + host, or
 * one of allowed (NULL-terminated, may be NULL). */
bool api_origin_allowed(const char *origin, const char *host, const char *const *allowed);

/* True when peer (a numeric address) equals an entry of allow or falls in
 * one of its IPv4 CIDR blocks ("10.0.0.0/8").  allow may be NULL. */
bool api_addr_allowed(const char *peer, const char *const *allow);

#endif
