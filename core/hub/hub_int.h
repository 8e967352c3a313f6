/*
 * hub_int.h - internals shared by the parts of the running gateway
 * (core/hub, core/session, core/writer, core/workers): the hub itself, the
 * jobs that carry work between the loop and the threads, and logging.
 * Each part adds its own internals: session_int.h, writer_int.h,
 * workers_int.h.
 *
 * Ownership at a glance:
 *   - struct hub owns the loop's store, the registry maps, the threads and
 *     their queues.
 *   - struct session (session_int.h) is owned by the hub from
 *     session_open() until session_closed(); jobs refer to it only by id,
 *     so a session that goes away while its send is being committed is
 *     simply not found later.
 *   - struct job moves between threads through struct job_queue; whoever
 *     holds it owns it.
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

struct session;
struct http_call;

/* ---- Jobs and their queues (job.c) ------------------------------------------------ */

enum job_type {
	JOB_SEND = 1,
	JOB_READ,
	JOB_LOG,
	JOB_HTTP,
	JOB_TOUCH,
	JOB_WELCOME,
	JOB_RELEASE,
	JOB_DELIVERED, /* a client confirms what it got (the writer) */
	JOB_PUSHED,    /* what became of notifications (core/notify -> the writer) */
	JOB_SMS_CLAIM, /* SMS to hand to Kannel (core/kannel -> the writer -> core/kannel) */
	JOB_SMS_SENT,  /* what became of them (core/kannel -> the writer -> the loop) */
	JOB_OP,        /* an HTTP worker's operation, in the writer's group commit */
	JOB_NOTICE,    /* a frame for some users' connections, from any thread (uncounted) */
	JOB_HANDLED,   /* "no answer needed" (issue 15) */
	JOB_ESCALATE,  /* waits to tell on (issue 15), from the tick */
	JOB_CHANGE,    /* a message corrected (body) or withdrawn (no body) by its author */
	JOB_RETAIN,    /* the retention rules' turn (issue 16), from the tick */
};

struct job {
	enum job_type type;
	struct job *next;
	uint64_t session_id;
	struct store_user user;
	bool has_ref;
	char ref[CODEC_REF_MAX * 4 + 1];
	int64_t conv;
	/* Called by the writer once the job's batch is committed (or refused),
	 * on its thread, instead of handing the job back to the loop; takes it. */
	void (*done)(struct job *j);
	void *done_arg;
	/* JOB_SEND */
	enum msg_kind kind;
	bool no_sms;                       /* marked "not by SMS" */
	int64_t attach[DOMAIN_ATTACH_MAX]; /* the uploads it carries */
	size_t n_attach;
	char *body;
	char client_id[DOMAIN_CLIENT_ID_MAX * 4 + 1];
	int64_t message; /* JOB_CHANGE: which */
	/* JOB_READ, JOB_DELIVERED, JOB_NOTIFIED, JOB_HANDLED */
	int64_t upto;
	int64_t device_id; /* JOB_DELIVERED: the phone's, 0 for a staff browser */
	bool uncounted;    /* made off the loop (JOB_PUSHED): not in hub.inflight */
	/* JOB_LOG: one row per family; reply (if any) goes out once committed.
	 * JOB_WELCOME: reply is the welcome (or err), built on the reader. */
	char log_kind[16];
	int64_t *families;
	size_t n_families;
	char detail[64];
	char *reply;
	/* JOB_HTTP */
	struct http_call *call;
	/* JOB_TOUCH: pairs (token id, last used at), see core/session/lifetime.c,
	 * and how far a phone's sign-in slides with use */
	int64_t slide_ms;
	int64_t *touch;
	size_t n_touch;
	/* results */
	int err;
	struct svc_sent sent;              /* JOB_SEND */
	struct svc_receipt receipt;        /* JOB_READ */
	struct svc_released released;      /* JOB_RELEASE: scheduled messages sent */
	struct svc_delivery delivery;      /* JOB_DELIVERED */
	struct svc_waiting waiting;        /* JOB_HANDLED */
	struct svc_escalated escalated;    /* JOB_ESCALATE */
	struct svc_changed changed;        /* JOB_CHANGE */
	struct retention_policy retention; /* JOB_RETAIN: the periods, */
	int retain_max;                    /* rows at most, */
	bool sweep;                        /* and dead sign-ins too */
	struct svc_retained retained;      /* what it did */
	struct sweep_count swept;
	int64_t vacuum_left;             /* free pages still in the file */
	struct svc_push_outcome *pushed; /* JOB_PUSHED */
	size_t n_pushed, pushed_left;
	int (*op)(struct store *s, void *arg); /* JOB_OP */
	void *op_arg;
	const struct svc_sms_policy *sms_policy; /* JOB_SMS_CLAIM */
	struct svc_sms_batch sms;                /* JOB_SMS_CLAIM, JOB_SMS_SENT */
	char *notice;                            /* JOB_NOTICE: the frame ... */
	struct route_set notice_to;              /* ... and whose connections get it */
};

struct job_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	bool closed;
};

void job_free(struct job *j);
void job_queue_init(struct job_queue *q);
/* Frees what is still queued. */
void job_queue_destroy(struct job_queue *q);
void job_queue_push(struct job_queue *q, struct job *j);
/* The same, unless the queue is closed (its thread is gone): then false, and
 * the caller keeps j. */
bool job_queue_push_open(struct job_queue *q, struct job *j);
/* Takes up to max jobs as a list, waiting while empty; NULL once closed and empty. */
struct job *job_queue_take(struct job_queue *q, size_t max, bool wait);
/* A job is queued (the writer's idle work yields to it). */
bool job_queue_waiting(struct job_queue *q);
bool job_queue_closed(struct job_queue *q);
void job_queue_close(struct job_queue *q);

/* ---- The hub (hub.c) ---------------------------------------------------------------- */

struct hub {
	struct hub_config cfg;
	struct hub_hooks hooks;
	struct store *store;                   /* the loop's connection: reads only */
	struct idmap *sessions;                /* id -> session */
	struct idmap *by_user;                 /* user id -> first session of the user */
	struct session *auth_head, *auth_tail; /* opened, in order (session.c) */
	uint64_t sweep_slice;                  /* lifetime.c: the slice the next tick re-checks */
	uint64_t next_session_id;
	size_t inflight; /* jobs handed to threads and not yet drained */
	bool shutting_down;
	bool release_pending;  /* a JOB_RELEASE is with the writer (hub.c) */
	bool escalate_pending; /* a JOB_ESCALATE is (hub.c) */
	bool retain_pending;   /* a JOB_RETAIN is (hub.c) */
	int64_t swept_at;      /* the last sweep of dead sign-ins (hub.c) */
	bool vacuum_left;      /* the file has free pages to give back (hub.c) */
	/* A family's content was deleted: the writer truncates the WAL once it
	 * can, so the deleted text leaves the disk's WAL too (checkpoint.c). */
	atomic_bool scrub_wal;
	bool farewell_sent;
	atomic_bool writable;
	atomic_bool failed; /* an I/O error on commit: no more acks, shut down */
	struct auth_throttle *throttle;
	struct metrics *metrics;    /* counted from every thread, see metrics.h */
	struct presence *presence;  /* who is reading what (presence.c) */
	struct notify *notify;      /* the Web Push sender (core/notify), NULL without a key */
	struct attach_files *files; /* photos and documents (core/attach) */
	struct kannel *kannel;      /* the SMS sender (core/kannel), NULL without Kannel */
	struct scan *scan;          /* the checker of uploads (core/scan) */
	/* threads */
	struct job_queue write_q, http_q, read_q, done_q;
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

/* Logging through hooks.log (a no-op without one); fmt makes the logfmt
 * fields.  hub_log_quote() quotes a value that may hold spaces. */
__attribute__((format(printf, 4, 5))) void hub_log(struct hub *h, int level, const char *event,
                                                   const char *fmt, ...);
const char *hub_log_quote(char *buf, size_t cap, const char *value);
/* Any thread: frame (taken) goes to the open connections of the users in
 * to (taken too), on the loop. */
void hub_notice(struct hub *h, char *frame, struct route_set *to);
/* The gauge of connections for a role. */
enum metric_gauge hub_conn_gauge(enum role role);

/* ---- Who is reading what (core/session/presence.c) -------------------------------- */

/* The conversation each user has on screen, by their clients' `viewing`
 * frames; safe from any thread (the loop writes, the sender reads). */
struct presence *presence_create(void);
void presence_destroy(struct presence *p);
/* One session of user moved its screen from conversation from to to (0: none). */
void presence_move(struct presence *p, int64_t user, int64_t from, int64_t to);
bool presence_viewing(struct presence *p, int64_t user, int64_t conv);

/* ---- The reader thread (reader.c) ------------------------------------------------ */

/* Builds welcomes (JOB_WELCOME) off the loop, on a connection of its own. */
int reader_start(struct hub *h);
/* Builds what is queued, then joins the thread. */
void reader_stop(struct hub *h);
/* Hands j to the reader (takes it); its result comes back through done_q. */
void reader_submit(struct hub *h, struct job *j);

#endif
