/*
 * metrics.h - the gateway's counters, gauges and histograms, and their
 * rendering in the Prometheus text exposition format (version 0.0.4).
 *
 * One struct metrics belongs to the hub (no globals: whoever counts is
 * handed the pointer).  Every value is an atomic, so any thread may count
 * without a lock: the loop counts sessions and frames, the writer counts
 * commits, the HTTP workers count requests and render /metrics.  A NULL
 * struct metrics is accepted everywhere and counts nothing, so code under
 * test needs no stub.
 *
 * Nothing here ever sees a message body, a token or a password: only
 * counts, durations and sizes.
 */
#ifndef INDGANG_METRICS_H
#define INDGANG_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics;

/* Monotonic counters (Prometheus "counter"). */
enum metric_counter {
	MC_MSG_RECEIVED = 0,  /* send frames handed to the writer */
	MC_MSG_STORED,        /* new messages committed */
	MC_MSG_ACKED,         /* acks sent (duplicates included) */
	MC_MSG_DUPLICATE,     /* resends answered with the original message */
	MC_MSG_DELIVERED,     /* message frames queued to other connections */
	MC_RECEIPTS,          /* read positions committed */
	MC_WS_FRAMES_IN,      /* complete client frames */
	MC_WS_FRAMES_OUT,     /* frames written to sockets */
	MC_WS_OPENED,         /* WebSocket connections opened */
	MC_WS_LAGGING,        /* connections closed 4408 */
	MC_WS_ABUSE,          /* connections closed 1008 */
	MC_RATE_LIMITED_WS,   /* frames refused for rate */
	MC_RATE_LIMITED_HTTP, /* HTTP 429 answers */
	MC_AUTH_FAIL_WS,      /* bad token or no auth on a WebSocket */
	MC_AUTH_FAIL_LOGIN,   /* failed sign-ins */
	MC_AUTH_FAIL_INVITE,  /* unknown invite codes */
	MC_AUTH_FAIL_TOKEN,   /* HTTP requests with a bad or missing token */
	MC_HTTP_REQUESTS,     /* HTTP API requests answered */
	MC_COMMITS,           /* group commits that succeeded */
	MC_COMMIT_FAILURES,   /* group commits that failed */
	MC_CHECKPOINTS,       /* WAL checkpoints by the writer (checkpoint.c) */
	MC_CHECKPOINT_FAILURES,
	MC_TLS_RELOAD_OK,   /* certificate reloads that took effect */
	MC_TLS_RELOAD_FAIL, /* certificate reloads refused (the old one stays) */
	/* Web Push (core/notify): what became of each notification */
	MC_PUSH_SENT,       /* accepted by the push service (2xx) */
	MC_PUSH_RETRIED,    /* 429, 5xx or no answer: tried again later */
	MC_PUSH_GONE,       /* 404/410: the subscription was removed */
	MC_PUSH_REJECTED,   /* another 4xx: dropped (logged) */
	MC_PUSH_EXPIRED,    /* given up after its retries or its time to live */
	MC_PUSH_SUPPRESSED, /* not sent: the person was reading the conversation */
	/* SMS (core/kannel): what became of each hand-over to Kannel */
	MC_SMS_ACCEPTED, /* Kannel took it (202) */
	MC_SMS_RETRIED,  /* Kannel down, busy or refusing the account: tried again later */
	MC_SMS_FAILED,   /* refused for good, or not to be sent (STOP, too old) */
	MC_SMS_UNSURE,   /* claimed before a crash with no word since: sent again */
	/* Photos and documents (core/api/upload.c, core/scan): uploads, and checks by outcome */
	MC_UPLOADS,             /* uploads received whole (201) */
	MC_ATTACH_READY,        /* checked and stored */
	MC_ATTACH_MALWARE,      /* clamd found malware: quarantined */
	MC_ATTACH_REFUSED,      /* rejected otherwise (not an image, too many pixels, ...) */
	MC_ATTACH_SCAN_RETRIED, /* clamd could not be reached: tried again later */
	MC__COUNT
};

/* Gauges: values that go up and down, or are set. */
enum metric_gauge {
	MG_CONN_UNAUTH = 0, /* connections not yet authenticated */
	MG_CONN_FAMILY,     /* authenticated connections by role */
	MG_CONN_ADVISER,
	MG_CONN_ADMIN,
	MG_WRITE_QUEUE,   /* jobs waiting for the writer */
	MG_HTTP_QUEUE,    /* HTTP requests waiting for or on a worker */
	MG_OUTBOX_FRAMES, /* frames waiting in all outboxes */
	MG_OUTBOX_BYTES,  /* their bytes */
	MG_TLS_NOT_AFTER, /* the certificate's expiry, Unix seconds */
	MG_TLS_LOADED_AT, /* when it was (re)loaded, Unix seconds */
	MG_PUSH_WAITING,  /* notifications queued, due or waiting (quiet hours, back-off) */
	MG_PUSH_INFLIGHT, /* requests to push services under way */
	MG_SMS_WAITING,   /* SMS not yet handed to Kannel (quiet hours, back-off) */
	MG_CLAMD_UP,      /* 1 when clamd answered the last scan, 0 when it could not be reached */
	MG__COUNT
};

/* Errors sent to clients, by transport; the code is an enum err value. */
enum metric_transport { MT_WS = 0, MT_HTTP, MT__COUNT };

/* Returns NULL when out of memory. */
struct metrics *metrics_create(const char *version, const char *server_software);
void metrics_destroy(struct metrics *m);

void metrics_add(struct metrics *m, enum metric_counter c, uint64_t n);
void metrics_inc(struct metrics *m, enum metric_counter c);
void metrics_gauge_add(struct metrics *m, enum metric_gauge g, int64_t delta);
void metrics_gauge_set(struct metrics *m, enum metric_gauge g, int64_t value);
int64_t metrics_gauge_get(const struct metrics *m, enum metric_gauge g);
uint64_t metrics_counter_get(const struct metrics *m, enum metric_counter c);
/* One error of code err (ERR_*) answered on a transport. */
void metrics_error(struct metrics *m, enum metric_transport t, int err);
/* One group commit: its duration (microseconds) and number of jobs. */
void metrics_commit(struct metrics *m, int64_t duration_us, size_t batch);

/* One notification answered by its push service: milliseconds from the
 * message's commit (its timestamp) to the answer. */
void metrics_push_latency(struct metrics *m, int64_t ms);
/* What the renderer adds that the hub does not count itself. */
struct metrics_extra {
	int64_t db_bytes;  /* the database file's pages, -1 when unknown */
	int64_t wal_bytes; /* the write-ahead log, -1 when unknown */
	int schema_version;
	int64_t now_ms;
};

/* The whole exposition as text (malloc'd, caller frees); NULL when out
 * of memory. */
char *metrics_render(const struct metrics *m, const struct metrics_extra *extra);

/* The content type of metrics_render()'s text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
