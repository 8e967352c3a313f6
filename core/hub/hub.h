/*
 * hub.h - the running gateway without sockets: creating and stopping it,
 * applying what its threads hand back, the periodic tick and shutdown.
 * What runs inside has its own part and header: the WebSocket sessions and
 * their outboxes (core/session/session.h), the writer thread that
 * group-commits (core/writer), the HTTP workers (core/workers/workers.h),
 * and the reader thread that builds welcomes (reader.c here).  No
 * libwebsockets here: the gateway translates between lws and these calls,
 * and writes what the sessions queue.
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

#include "../service/service.h"

struct hub;
struct vapid;

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
	 * hub asks every tick (keepalive_watch_input). */
	size_t (*input_announced)(void *transport);
	/* Loop thread, may be NULL: the session on transport signed in.  From
	 * now on it counts against its account and device, no longer against
	 * its address (gateway/admit.h). */
	void (*signed_in)(void *transport);
	void *ctx;
};

/* The defaults of the settings below (and of indgang.conf's). */
#define HUB_OUTBOX_FRAMES     4096
#define HUB_OUTBOX_BYTES      (8u << 20)
#define HUB_HTTP_WORKERS      2
#define HUB_WS_RATE           100
#define HUB_PER_ACCOUNT       30 /* signed-in WebSockets of one account */
#define HUB_PER_DEVICE        10 /* ... and of one sign-in */
#define HUB_IDLE_PING_S       30
#define HUB_IDLE_DROP_S       75
#define HUB_PUSH_CONTACT      "mailto:postmaster@localhost" /* set push_contact in production */
#define HUB_PUSH_RENOTIFY_MIN 10 /* one notification per conversation until read, or this long */
#define HUB_UPLOAD_MAX        (10 * 1024 * 1024)          /* a photo or document, at most */
#define HUB_CLAMD_SOCKET      "/var/run/clamav/clamd.ctl" /* Debian's clamav-daemon */
#define HUB_HTTP_REQUEST_S    20  /* a request's body whole within this (and uploads more) */
#define HUB_RETENTION_BATCH   500 /* rows the retention rules delete in one turn (issue 16) */
#define HUB_SWEEP_MS          (10 * 60 * 1000) /* dead sign-ins and invitations looked for */

/* The contract's limit on a client message (PROTOCOL.md): 64 KiB. */
#define HUB_MESSAGE_MAX (64 * 1024)

/* Levels of hooks.log, most severe first (syslog's order). */
enum hub_log_level { HUB_LOG_ERROR = 0, HUB_LOG_WARNING, HUB_LOG_INFO, HUB_LOG_DEBUG };

struct hub_config {
	const char *db_path;
	/* Photos and documents (issue 14): their folder (NULL: the database's
	 * path + ".files"), the largest upload (0: HUB_UPLOAD_MAX), and the
	 * gateway's http_request_seconds, which an upload's deadline starts
	 * from (0: HUB_HTTP_REQUEST_S). */
	const char *files_dir;
	int64_t upload_max;
	int http_request_s;
	/* The checks of every upload (core/scan): clamd's socket (NULL:
	 * HUB_CLAMD_SOCKET), the image helper (indgang-image), and whether
	 * an upload clamd cannot scan is refused rather than kept waiting. */
	const char *clamd_socket;
	const char *image_helper;
	bool reject_unscanned;
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
	/* The Web Push public key browsers subscribe with (base64url), or NULL
	 * when the database has no push key (GET /api/push/key: 404). */
	const char *push_public_key;
	/* SMS through Kannel (issue 13): the secret its get-url carries (NULL:
	 * the SMS endpoint answers 404) and the addresses it may come from */
	const char *sms_secret;
	const char *const *sms_allow;
	/* SMS out: smsbox's sendsms (NULL: none) and the rest of struct
	 * kannel_config, whose secret is sms_secret */
	const char *kannel_sendsms_url;
	const char *kannel_username;
	const char *kannel_password;
	const char *sms_sender;
	const char *sms_dlr_url;
	const char *sms_link;
	bool sms_full_text;
	int64_t sms_unsure_ms;   /* 0: KANNEL_UNSURE_MS */
	int64_t sms_fallback_ms; /* a fallback notice waits this long for the app */
	int sms_rate;            /* SMS handed to Kannel a second (0: as fast as it takes them) */
	/* The key's private half, which signs the requests to the push
	 * services; NULL: no notifications are sent (the caller keeps it). */
	const struct vapid *push_key;
	const char *push_contact; /* the JWT's "sub": mailto: or https: */
	const char *push_ca_file; /* CAs for push services; NULL: the system's */
	int64_t push_renotify_ms; /* see struct notify_config (0: every message) */
	/* Records (issue 16): the retention periods, and the rows deleted in
	 * one turn of the writer at most (0: HUB_RETENTION_BATCH) */
	struct retention_policy retention;
	int retention_batch;
	bool access_view_names;      /* a family sees who read its data by name, not only role */
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
/* The folder of photos and documents (core/attach/files.h). */
struct attach_files *hub_files(struct hub *h);

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

#endif
