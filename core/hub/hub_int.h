/*
 * hub_int.h - internals shared by the files of core/hub/.
 *
 * Ownership at a glance:
 *   - struct hub owns the loop's store, the registry maps, the threads and
 *     their queues.
 *   - struct session is owned by the hub from session_open() until
 *     session_closed(); jobs refer to it only by id, so a session that goes
 *     away while its send is being committed is simply not found later.
 *   - struct out_frame is refcounted: one encoded message is shared by every
 *     outbox it is fanned out to.  Only the loop thread touches refcounts.
 *   - struct job moves between threads through struct jobq; whoever holds it
 *     owns it.
 */
#ifndef INDGANG_HUB_INT_H
#define INDGANG_HUB_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "hub.h"
#include "../auth/auth.h"
#include "../codec/codec.h"
#include "../common/idmap.h"
#include "../metrics/metrics.h"
#include "../route/route.h"
#include "../service/service.h"
#include "../store/store.h"

struct out_frame {
	unsigned refs;
	size_t len; /* payload bytes, after the headroom */
	unsigned char data[];
};

enum job_type { JOB_SEND = 1, JOB_READ, JOB_LOG, JOB_HTTP, JOB_TOUCH, JOB_WELCOME };

struct job {
	enum job_type type;
	struct job *next;
	uint64_t session_id;
	struct store_user user;
	bool has_ref;
	char ref[CODEC_REF_MAX * 4 + 1];
	int64_t conv;
	/* JOB_SEND */
	enum msg_kind kind;
	char *body;
	char client_id[DOMAIN_CLIENT_ID_MAX * 4 + 1];
	/* JOB_READ */
	int64_t upto;
	/* JOB_LOG: one row per family; reply (if any) goes out once committed.
	 * JOB_WELCOME: reply is the welcome (or err), built on the reader. */
	char log_kind[16];
	int64_t *families;
	size_t n_families;
	char detail[64];
	char *reply;
	/* JOB_HTTP */
	struct api_call *call;
	/* JOB_TOUCH: pairs (token id, last used at), see jobs.c */
	int64_t *touch;
	size_t n_touch;
	/* results */
	int err;
	struct msg msg;
	bool duplicate;
	struct route_set rcpt;
	struct svc_receipt receipt; /* JOB_READ */
};

struct jobq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	bool closed;
};

void jobq_init(struct jobq *q);
void jobq_destroy(struct jobq *q);
void jobq_push(struct jobq *q, struct job *j);
/* Takes up to max jobs as a list, waiting while empty; NULL once closed and empty. */
struct job *jobq_take(struct jobq *q, size_t max, bool wait);
void jobq_close(struct jobq *q);
void job_free(struct job *j);

struct api_call {
	struct hub *hub;
	void *transport;
	struct api_request req;
	struct api_response resp;
	bool done;      /* the worker finished (loop thread view); with a
	                 * stream, the current chunk is ready */
	bool applied;   /* api_call_apply has acted on the response once */
	bool abandoned; /* the transport went away first */
};

enum session_state { SESSION_NEW = 0, SESSION_AUTHED, SESSION_CLOSING };

struct session {
	struct hub *hub;
	uint64_t id;
	void *transport;
	char peer[64];
	enum session_state state;
	struct store_user user;
	struct store_token token;
	int64_t active_at;            /* the last frame (memory only; see jobs.c) */
	int64_t heard_at;             /* the last bytes or pong from the peer (keepalive.c) */
	bool pinged;                  /* a ping went out since heard_at */
	bool ping_wanted;             /* the transport should write a ping */
	struct session *next_of_user; /* registry: the user's other sessions */
	/* outbox: a ring of frames */
	struct out_frame **q;
	size_t head, count, cap, bytes;
	/* The welcome's place in q while the reader builds it (an empty frame):
	 * nothing from there on is written until it is filled; NULL otherwise. */
	struct out_frame *welcome_slot;
	int close_code;
	const char *close_reason;
	enum metric_gauge conn_gauge; /* which connections gauge counts it */
	/* waiting to authenticate: the hub's list in opening order */
	struct session *auth_prev, *auth_next;
	int64_t auth_deadline_ms;
	bool auth_listed;
	/* rate limit: a token bucket of frames (session.c, rate_allow) */
	double bucket;
	int64_t bucket_at; /* the last frame: the bucket is filled up to here */
	unsigned strikes;  /* refusals since the client last paused */
};

struct hub {
	struct hub_config cfg;
	struct hub_hooks hooks;
	struct store *store;                   /* the loop's connection: reads only */
	struct idmap *sessions;                /* id -> session */
	struct idmap *by_user;                 /* user id -> first session of the user */
	struct session *auth_head, *auth_tail; /* opened, in order (hub_expire_unauthenticated) */
	uint64_t sweep_slice;                  /* jobs.c: the slice the next tick re-checks */
	uint64_t next_session_id;
	size_t inflight; /* jobs handed to threads and not yet drained */
	bool shutting_down;
	bool farewell_sent;
	atomic_bool writable;
	atomic_bool failed; /* an I/O error on commit: no more acks, shut down */
	struct auth_throttle *throttle;
	struct metrics *metrics; /* counted from every thread, see metrics.h */
	/* threads */
	struct jobq write_q, http_q, read_q, done_q;
	/* writer.c, writer thread only: refusals of a full disk not yet logged */
	int64_t refusal_logged_at;
	uint64_t refusals_unlogged;
	pthread_t writer;
	bool writer_started;
	pthread_t *workers;
	int n_workers;
	pthread_t reader; /* reader.c */
	bool reader_started;
};

/* outbox.c */
struct out_frame *frame_new(struct hub *h, char *json); /* takes json */
void frame_unref(struct out_frame *f);
/* Queues f (adding a reference); a full outbox closes the session as lagging. */
void session_push(struct session *s, struct out_frame *f);
/* Encodes and queues a single-use frame (takes json). */
void session_send_json(struct session *s, char *json);
void session_send_error(struct session *s, const char *ref, int err, const char *message);
/* Holds the welcome's place: frames queued after it wait until it is filled
 * (takes json, the welcome or an error frame); a session whose outbox was
 * dropped meanwhile (closing) gets nothing. */
void session_hold_welcome(struct session *s);
void session_fill_welcome(struct session *s, char *json);
/* Requests a close once what is queued has been written. */
void session_close(struct session *s, int code, const char *reason);
void outbox_clear(struct session *s);

/* jobs.c: session lifetimes.  A frame of type from s (or its sign-in) is
 * activity, except `ping`, which clients send by themselves to keep the link
 * alive; false when the sign-in had already ended (expired or idle). */
bool session_activity(struct session *s, enum frame_type type, int64_t now);
/* The periodic sweep behind hub_tick(): every session's announced input
 * (1009), then one slice of the sessions: silent (1001), revoked (4403),
 * expired or idle (4401), and the last use of busy sessions written back in
 * one job. */
void hub_sweep_sessions(struct hub *h);
/* Writer thread: runs a JOB_TOUCH. */
int job_touch_run(struct store *s, struct job *j);

/* keepalive.c: pings a signed-in session silent for idle_ping_ms and closes
 * it once silent for idle_drop_ms; part of the sweep, so every session is
 * looked at every HUB_RECHECK_MS.  False when it closed the session. */
bool session_keepalive(struct session *s, int64_t now);
/* keepalive.c: closes (1009) a session whose announced message is over
 * HUB_MESSAGE_MAX (hooks.input_announced); the sweep asks for every session
 * on every tick, so within HUB_TICK_MS.  False when it closed the session. */
bool session_watch_input(struct session *s);

/* session.c */
/* Drops what is queued and closes with code. */
void session_fail(struct session *s, int code, const char *reason);
void session_apply_job(struct hub *h, struct job *j);

/* checkpoint.c: the writer copies the WAL into the database after a commit
 * that leaves CHECKPOINT_PAGES or more (1 MiB; SQLite's default is 1,000).
 * While it does, new sends wait; the pages a message dirties are scattered,
 * so the copy costs per page and 1,000 pages took 1-6 ms (more as the
 * database grew), 250 take about 1.3 ms: the same work in shorter stalls. */
#define CHECKPOINT_PAGES 250
void checkpoint_after_commit(struct hub *h, struct store *writer);

/* reader.c: the reader thread, which builds welcomes (JOB_WELCOME). */
int reader_start(struct hub *h);
void reader_stop(struct hub *h);
void hub_submit_read(struct hub *h, struct job *j);

/* writer.c, workers.c */
int writer_start(struct hub *h);
void writer_stop(struct hub *h);
void hub_submit_write(struct hub *h, struct job *j);
/* Pushes frame f to every open session of the users in r, but skip (may be NULL). */
size_t hub_fan_out(struct hub *h, const struct route_set *r, struct out_frame *f,
                   const struct session *skip);
void hub_log_later(struct hub *h, const struct store_user *u, const char *kind, int64_t family,
                   int64_t conv, const char *detail);
/* Staff reads: the reply (taken over) is sent only once the "access" rows
 * for these families are committed; at once when there are none. */
void hub_reply_after_access_log(struct session *s, const char *ref, const int64_t *families,
                                size_t n, int64_t conv, const char *what, char *reply);
int workers_start(struct hub *h);
void workers_stop(struct hub *h);
void api_call_apply(struct hub *h, struct api_call *c);

/* hub.c: logging through hooks.log (a no-op without one); fmt makes the
 * logfmt fields.  hub_log_quote() quotes a value that may hold spaces. */
__attribute__((format(printf, 4, 5))) void hub_log(struct hub *h, int level, const char *event,
                                                   const char *fmt, ...);
const char *hub_log_quote(char *buf, size_t cap, const char *value);
/* The gauge of connections for a role. */
enum metric_gauge hub_conn_gauge(enum role role);

/* hub.c: registry */
void hub_register_user(struct hub *h, struct session *s);
void hub_unregister(struct hub *h, struct session *s);
struct session *hub_user_sessions(struct hub *h, int64_t user_id);

#endif
