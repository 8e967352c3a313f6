/*
 * hub.h - the running gateway's core: WebSocket sessions, the registry of
 * open connections per user, the writer thread that group-commits, the
 * reader thread that builds welcomes, and the HTTP workers.  No
 * libwebsockets here: the gateway translates between lws and these calls,
 * and writes what the hub queues.
 *
 * Threads: every function here is called on the event-loop thread, except
 * the hooks, which the hub calls from any thread (wake) or the loop (the rest).
 * Slow work (COMMIT with its fsync, password hashing, HTTP requests, the
 * welcome) runs on the hub's own threads; its results come back through
 * hooks.wake and are applied by hub_drain() on the loop.
 */
#ifndef INDGANG_HUB_H
#define INDGANG_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../api/api.h"
#include "../service/service.h"

struct hub;
struct session;
struct api_call;

/* Close codes (CLOSE_*) of the contract and of this implementation. */
#include "../common/close.h"

struct hub_hooks {
	/* Any thread: results are waiting; call hub_drain() on the loop soon. */
	void (*wake)(void *ctx);
	/* Loop thread: the transport has something to write (or to close). */
	void (*want_write)(void *transport);
	/* Any thread, may be NULL: one log event.  fields is "key=value ..."
	 * in logfmt, already quoted; never a message body or a token. */
	void (*log)(void *ctx, int level, const char *event, const char *fields);
	/* Loop thread, may be NULL: the bytes of the message now arriving on
	 * transport that its frame headers announce (reassembled so far plus the
	 * rest of the current frame).  A header can announce 2^40 bytes and send
	 * none; lws 4.1 calls the application only when payload arrives, so the
	 * hub asks every tick (session_watch_input). */
	size_t (*input_announced)(void *transport);
	/* Loop thread, may be NULL: the session on transport signed in.  From
	 * now on it counts against its account and device, no longer against
	 * its address (gateway/admit.h). */
	void (*signed_in)(void *transport);
	void *ctx;
};

/* The defaults of the settings below (and of indgang.conf's). */
#define HUB_OUTBOX_FRAMES 4096
#define HUB_OUTBOX_BYTES  (8u << 20)
#define HUB_HTTP_WORKERS  2
#define HUB_WS_RATE       100
#define HUB_PER_ACCOUNT   30 /* signed-in WebSockets of one account */
#define HUB_PER_DEVICE    10 /* ... and of one sign-in */
#define HUB_IDLE_PING_S   30
#define HUB_IDLE_DROP_S   75

/* The contract's limit on a client message (PROTOCOL.md): 64 KiB. */
#define HUB_MESSAGE_MAX (64 * 1024)

/* Levels of hooks.log, most severe first (syslog's order). */
enum hub_log_level { HUB_LOG_ERROR = 0, HUB_LOG_WARNING, HUB_LOG_INFO, HUB_LOG_DEBUG };

struct hub_config {
	const char *db_path;
	size_t frame_headroom;    /* bytes reserved before each frame (LWS_PRE) */
	size_t outbox_max_frames; /* per session */
	size_t outbox_max_bytes;  /* per session */
	/* Lifetimes of sessions and invites; all zero: svc_policy_defaults() */
	struct svc_policy policy;
	int http_workers;
	double ws_rate;                     /* frames per second per connection; burst 2x */
	int per_account, per_device;        /* signed-in WebSockets per account and per sign-in */
	int64_t idle_ping_ms;               /* a silent WebSocket is pinged after this */
	int64_t idle_drop_ms;               /* and closed after this without a word */
	const char *const *allowed_origins; /* NULL-terminated, may be NULL */
	/* GET /metrics without a token: peer addresses or IPv4 CIDR blocks,
	 * NULL-terminated; NULL or empty allows only an admin's bearer token. */
	const char *const *metrics_allow;
	const char *version;         /* for indgang_build_info */
	const char *server_software; /* e.g. "libwebsockets 4.1.6" */
};

int hub_create(const struct hub_config *cfg, const struct hub_hooks *hooks, struct hub **out);
/* Stops the threads (after finishing queued commits) and frees everything. */
void hub_destroy(struct hub *h);
/* Applies results handed back by the writer and the HTTP workers. */
void hub_drain(struct hub *h);
/* The hub's counters (core/metrics), for the gateway to add its own. */
struct metrics *hub_metrics(struct hub *h);

/* Called every HUB_TICK_MS on the loop.  It re-checks the tokens of open
 * sessions against the database, so revocations and deactivations made by
 * indgang-admin (another process) close live sockets (4403) within
 * HUB_RECHECK_MS, and sockets whose sign-in went idle or reached its
 * absolute lifetime close with 4401 (an `unauthorized` error first).  Each
 * tick re-checks one slice of the sessions (HUB_RECHECK_MS / HUB_TICK_MS
 * slices), so that 15,000 sessions are not 15,000 queries in one turn of the
 * loop while messages wait.  It also closes the sessions that have not
 * authenticated within HUB_AUTH_DEADLINE_MS of opening (4401): they wait in
 * opening order, so that costs O(expired), where a timer per connection in
 * lws' sorted timer list cost O(connections) per connection. */
#define HUB_TICK_MS          250
#define HUB_RECHECK_MS       5000
#define HUB_AUTH_DEADLINE_MS 10000
void hub_tick(struct hub *h);
void hub_expire_unauthenticated(struct hub *h);

/* Shutdown: stop taking new work, let queued commits finish and be acked,
 * then close every session with 1001.  hub_quiet() is true when that is done
 * and every outbox has been written. */
void hub_shutdown(struct hub *h);
/* True after an I/O error on commit (e.g. a failed fsync): the database
 * file's state is unknown, nothing more is acknowledged, and the gateway
 * must shut down and exit non-zero; on restart SQLite recovers the WAL. */
bool hub_failed(struct hub *h);
bool hub_quiet(struct hub *h);

/* Origin policy: the gateway's own origin ("https://" + Host) or one of the
 * configured ones.  NULL origin is never allowed here. */
bool hub_origin_allowed(const struct hub *h, const char *origin, const char *host);

/* ---- WebSocket sessions --------------------------------------------------- */

/* A new connection; NULL when out of memory. */
struct session *session_open(struct hub *h, void *transport, const char *peer_addr);
/* Authenticate at the upgrade (session cookie; the gateway checked Origin).
 * ERR_OK queues the welcome: it is built on the hub's reader thread and
 * written after a later hub_drain(), as the first frame after the auth;
 * frames queued for the session meanwhile wait behind it.  ERR_RATE_LIMITED
 * means the account or device is at its limit of connections and the
 * session is being closed (4429). */
int session_auth_token(struct session *s, const char *token);
/* One complete text message from the client. */
void session_input(struct session *s, const char *data, size_t len);
/* Refuse the connection at once: an error frame, then close with code. */
void session_refuse(struct session *s, int err, int code, const char *why);
/* The authentication deadline passed (10 s after opening). */
void session_auth_deadline(struct session *s);
/* The transport is gone; the session is freed. */
void session_closed(struct session *s);
/* Bytes (any part of a frame) or a pong arrived from the peer: it is alive.
 * The hub keeps connections alive itself, where lws 4.1 would re-insert a
 * timer per connection into one sorted list on every frame received: with
 * 10,000 connections that walk cost more than the TLS handshakes of a
 * reconnect storm. */
void session_heard(struct session *s);
/* The transport should write a WebSocket ping now (once per true). */
bool session_take_ping(struct session *s);

/* Writing: the next frame (headroom bytes precede *data), or NULL. */
const unsigned char *session_next_frame(struct session *s, size_t *len);
/* The frame returned by session_next_frame() was written.  The transport
 * keeps writing while it can; when it stops with frames left, or with a
 * close pending, it comes back by itself (session_wants_write()): hooks.
 * want_write is only called when a frame arrives in an empty outbox. */
void session_frame_done(struct session *s);
/* Frames are queued, or a close is waiting to be sent. */
bool session_wants_write(const struct session *s);
/* When the outbox is empty and the session should close: true with code. */
bool session_close_pending(struct session *s, int *code, const char **reason);

/* ---- HTTP calls ------------------------------------------------------------- */

/* Starts an HTTP call; takes ownership of req's strings (they must be
 * malloc'd).  The hook want_write(transport) fires when the response is
 * ready. NULL when out of memory. */
struct api_call *api_call_start(struct hub *h, void *transport, struct api_request *req);
/* The response, or NULL while the call is still running. */
const struct api_response *api_call_response(struct api_call *c);
/* A streamed response (resp->stream): the transport wrote the current chunk
 * and wants the next; api_call_response() is NULL until a worker has made
 * it, then want_write(transport) fires.  False when out of memory (the
 * transport then aborts the answer). */
bool api_call_more(struct api_call *c);
/* The transport is done with the call (written or closed). */
void api_call_release(struct api_call *c);

#endif
