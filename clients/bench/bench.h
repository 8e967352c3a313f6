/*
 * bench.h - indgang-bench, the load generator of Indgang, and what its files
 * share.
 *
 * One process, one thread, one libwebsockets client context.  A scenario
 * builds its own world through the contract (world.c: an import document,
 * enrolments and logins over HTTPS), opens WebSocket connections (ws.c) to a
 * *target* - the Indgang gateway, or the bare-transport reference server
 * indgang-bench-ref - and drives them through phases, each bounded in time
 * (bench_wait).  The same client code drives both targets in the same run;
 * only the frames differ (proto.c), so the ratio between the two is the cost
 * of Indgang's own work: storage, JSON, rules.
 *
 *   main.c      options, dispatch to a scenario
 *   loop.c      the lws context, clocks, bench_wait()
 *   http.c      concurrent HTTPS POSTs (enrol, login)
 *   world.c     provisioning: import, enrolment, logins
 *   worlddoc.c  the import document and its output (shared with the generator)
 *   ws.c        WebSocket client connections and their outgoing queues
 *   proto.c     frames: Indgang's JSON and the reference's bare text
 *   report.c    /proc samples, the human table and the JSON line
 *   push.c      Web Push: subscriptions, the push service's and the gateway's counts
 *   families.c, idle.c, storm.c, history.c   the scenarios
 */
#ifndef INDGANG_BENCH_H
#define INDGANG_BENCH_H

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "worlddoc.h"

/* ---- Options ------------------------------------------------------------- */

struct bench_opts {
	const char *scenario; /* families | idle | storm | history */
	const char *host;     /* 127.0.0.1 */
	int port;             /* the gateway */
	int ref_port;         /* the reference server; 0: not measured */
	int server_pid;       /* for CPU and RSS from /proc; 0: not sampled */
	int ref_pid;
	const char *ca;    /* the development CA */
	const char *admin; /* indgang-admin */
	const char *db;    /* the gateway's database */
	const char *world; /* history: the generator's world file */
	/* families */
	int families;
	int advisers; /* even: teams of two, each the pair of its families */
	int window;   /* closed loop: messages in flight per sender */
	double rate;  /* open loop: messages per second in all; 0: closed loop */
	double warmup, duration;
	int body;       /* bytes per message body */
	int idle_extra; /* more family members connected, idle */
	int push_port;  /* the local push service (tests/pushsvc); 0: no Web Push runs */
	int push_pid;   /* its process, for its CPU (it shares the machine) */
	/* idle, storm, history */
	int conns;
	int missed;      /* storm: messages per family sent while it is away */
	int storm_batch; /* storm: handshakes in progress at most; 0: all at once */
	int concurrency; /* history: requests in flight (one per connection) */
	double settle;   /* idle: seconds to wait before sampling RSS */
	bool smoke;
	bool poll;            /* lws's poll() loop even when built with libuv */
	bool full_handshakes; /* reconnect without resuming the TLS session */
	const char *json_out; /* also append the JSON line to this file */
};

/* ---- The loop --------------------------------------------------------------- */

/* What went wrong in one run; every counter is reported. */
struct bench_errs {
	uint64_t connect;      /* a connection that failed to open or authenticate */
	uint64_t closed;       /* a connection closed by the server */
	uint64_t frames;       /* error frames, rate_limited excepted */
	uint64_t rate_limited; /* error frames rate_limited */
	uint64_t unexpected;   /* frames the scenario did not expect */
	uint64_t lost;         /* messages never completed */
	uint64_t overrun;      /* open loop: sends skipped, the sender was too far behind */
	uint64_t timeout;      /* a phase that did not finish in time */
};

struct bench {
	struct bench_opts o;
	struct lws_context *ctx;
	lws_sorted_usec_list_t tick;
	struct bench_errs err; /* of the current run */
	char last_error[200];
	int pending;      /* connections opening or authenticating */
	int ready;        /* connections ready */
	uint64_t resumed; /* connections whose TLS session was resumed */
};

int bench_init(struct bench *b);
void bench_fini(struct bench *b);
/* Services the loop until done(arg) is true (true) or timeout_s passed (false). */
bool bench_wait(struct bench *b, bool (*done)(void *arg), void *arg, double timeout_s);
/* Services the loop for a while, whatever happens. */
void bench_sleep(struct bench *b, double seconds);
/* Monotonic microseconds. */
int64_t now_us(void);
/* Records a human-readable reason with the first errors (printed at the end). */
void bench_note(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t bench_err_total(const struct bench_errs *e);

/* ---- Targets and connections --------------------------------------------------- */

struct target {
	const char *name; /* "indgang" or "reference" */
	int port;
	bool ref; /* speaks the reference's bare text protocol */
	int pid;
};

enum op_type { OP_AUTH = 1, OP_SEND, OP_SYNC, OP_HISTORY, OP_PAGE };

/* One frame waiting to be written; encoded only when the socket is writable. */
struct op {
	uint8_t type;
	uint32_t fam, seq; /* OP_SEND: the client_id "fam.seq" */
	int64_t arg;       /* OP_SEND conv (0: c->conv), OP_SYNC after, OP_HISTORY before,
	                      OP_PAGE bytes */
};

/* A messages frame (Indgang) or a page (reference). */
struct page {
	int n;
	bool more;
	int64_t min_id, max_id;
	size_t bytes;
};

struct conn;
struct conn_events {
	void (*ready)(struct conn *c); /* welcome (Indgang) or joined (reference) */
	void (*ack)(struct conn *c, uint32_t fam, uint32_t seq, int64_t at);
	void (*message)(struct conn *c, uint32_t fam, uint32_t seq, int64_t at);
	void (*page)(struct conn *c, const struct page *p, int64_t at);
	void (*error)(struct conn *c, const char *code);
	void (*closed)(struct conn *c); /* failed to connect, or closed */
	/* optional: op was just written to the socket */
	void (*sent)(struct conn *c, const struct op *op, int64_t at);
};

enum conn_state { CS_IDLE = 0, CS_CONNECTING, CS_AUTH, CS_READY, CS_CLOSED };

struct conn {
	struct bench *b;
	const struct conn_events *ev;
	void *owner; /* the scenario's state */
	const struct target *t;
	struct lws *wsi;
	int id;            /* reference: the id it joins as */
	int64_t conv;      /* Indgang: the conversation it sends to */
	int peer[2];       /* reference: the ids a message is fanned out to */
	const char *token; /* Indgang: the bearer token */
	enum conn_state state;
	int64_t t_start, t_ready;
	int64_t last_id; /* from the welcome */
	int close_code;
	SSL_SESSION *tls; /* the session to resume when it reconnects */
	int fd;           /* its socket while connected, else -1 */
	bool dropping;    /* we are closing it ourselves */
	bool auth_sent;   /* the auth (or join) frame is out */
	/* outgoing frames: a ring of ops */
	struct op *q;
	unsigned qhead, qcount, qcap;
	/* the message being reassembled */
	char *rx;
	size_t rx_len, rx_cap;
};

int conn_open(struct conn *c);
/* The welcome (or the reference's "W") arrived: ready for ops. */
void conn_set_ready(struct conn *c);
int conn_push(struct conn *c, const struct op *op);
/* Closes at once, without a closing handshake (a dropped network). */
void conn_drop(struct conn *c);
void conn_free(struct conn *c);
/* Frees what TLS session resumption keeps for the whole benchmark. */
void conns_tls_fini(void);
const struct lws_protocols *ws_protocols(void);
/* Connects every conns[i] keeping at most batch handshakes in progress, and
 * waits until all are ready; the number ready. */
int conns_open_all(struct bench *b, struct conn *conns, int n, int batch, double timeout_s);
int conns_count_ready(const struct conn *conns, int n);
void conns_drop_all(struct bench *b, struct conn *conns, int n);

/* ---- Frames (proto.c) ---------------------------------------------------------- */

void proto_set_body(int bytes);
/* Encodes op for c's target into buf; its length, 0 when it does not fit. */
size_t proto_encode(const struct conn *c, const struct op *op, char *buf, size_t cap);
/* Dispatches one complete frame received on c to c->ev. */
void proto_dispatch(struct conn *c, const char *frame, size_t len);

/* ---- HTTP (http.c) and the world (world.c) ---------------------------------------- */

struct http_req {
	const char *path;
	const char *method; /* NULL: POST */
	int port;           /* 0: the gateway's */
	const char *token;  /* a bearer token, or NULL */
	char *body;         /* malloc'd, freed by http_run; NULL: none (GET) */
	int status;         /* 0 when no answer came */
	char *resp;         /* malloc'd answer body, freed by the caller */
	size_t resp_len;
	bool done;
	/* internal */
	void *batch;
	struct lws *wsi;
	size_t resp_cap;
	bool sent;
};

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len);
/* Runs every request, at most concurrency at a time; the number answered 2xx. */
int http_run(struct bench *b, struct http_req *reqs, int n, int concurrency, double timeout_s);
void http_reqs_free(struct http_req *reqs, int n);

/* Creates families with one member each and advisers in teams of two (the
 * import document, indgang-admin import). */
int world_create(struct bench *b, struct world *w, int families, int advisers);
/* Logs the advisers in and enrols the members (tokens into w). */
int world_login_advisers(struct bench *b, struct world *w, int first, int n);
int world_enrol_members(struct bench *b, struct world *w, int first, int n);
/* New invite codes for members [first, first + n) with indgang-admin invite. */
int world_invite_members(struct bench *b, struct world *w, int first, int n);

/* ---- Web Push (push.c) ---------------------------------------------------------- */

#define PUSH_BUCKETS 24

/* The push service's counts and the gateway's push latency histogram at one
 * moment (cumulative since start; two snapshots bound a window). */
struct push_snap {
	uint64_t accepted, refused;
	int n;
	double le_ms[PUSH_BUCKETS]; /* upper bounds; -1: +Inf */
	uint64_t cum[PUSH_BUCKETS];
};

/* Subscribes every adviser's sign-in to the local push service (ids[i]:
 * adviser i's subscription), and deletes those subscriptions again. */
int push_subscribe_advisers(struct bench *b, const struct world *w, int64_t *ids);
int push_unsubscribe_advisers(struct bench *b, const struct world *w, const int64_t *ids);
int push_snapshot(struct bench *b, struct push_snap *out);
/* Notifications answered between a and b, and a quantile of their latency
 * (ms from the message's commit to the push service's answer; -1: none). */
uint64_t push_count(const struct push_snap *a, const struct push_snap *b);
double push_quantile(const struct push_snap *a, const struct push_snap *b, double q);

/* ---- Reports (report.c) -------------------------------------------------------- */

struct proc_sample {
	bool ok;
	double user_s, sys_s;
	long rss_kib, hwm_kib;
	int threads;
};

bool proc_sample(int pid, struct proc_sample *out);
void self_sample(struct proc_sample *out);
/* write + fsync latency of this disk, beside path (the database). */
void fsync_probe(const char *path, int rounds, struct hist *h);
double proc_cpu_between(const struct proc_sample *a, const struct proc_sample *b);

/* The resources one target and the bench used in a measured window. */
struct usage {
	struct proc_sample srv0, srv1; /* the target server */
	struct proc_sample me0, me1;   /* the bench itself */
	double window_s;
};

void usage_begin(struct usage *u, int pid);
void usage_end(struct usage *u, int pid);

/* A two-column table: Indgang and the reference, and their ratio. */
void report_header(const char *title, bool with_ref);
void report_row(const char *label, const char *unit, double a, double b, bool with_ref, bool ratio);
void report_lat_rows(const char *label, const struct hist *a, const struct hist *b, bool with_ref);
/* One line: p50, p99 and max of h, for small samples. */
void report_lat_brief(const char *label, const struct hist *h);
void report_usage_rows(const struct usage *a, const struct usage *b, bool with_ref);
void report_errs_row(const struct bench_errs *a, const struct bench_errs *b, bool with_ref);

struct json_t;
/* JSON helpers (jansson); report_emit() prints the line and frees root. */
struct json_t *report_lat_json(const struct hist *h);
struct json_t *report_usage_json(const struct usage *u);
struct json_t *report_errs_json(const struct bench_errs *e);
void report_emit(struct bench *b, struct json_t *root);

/* ---- Scenarios --------------------------------------------------------------- */

int scenario_families(struct bench *b);
int scenario_idle(struct bench *b);
int scenario_storm(struct bench *b);
int scenario_history(struct bench *b);

#endif
