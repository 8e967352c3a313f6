/*
 * metrics.c - atomic counters, gauges and two histograms, rendered in the
 * Prometheus text format 0.0.4 (see metrics.h).
 *
 * Counting is one relaxed atomic add: the numbers are read by a scraper
 * every few seconds, never used to make decisions, so no ordering between
 * them is promised.  A histogram keeps one count per bucket (not
 * cumulative; the renderer sums them), a total count and a sum.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../common/err.h"
#include "../common/text.h"

#define HIST_MAX 16

struct histogram {
	const double *bounds; /* upper bounds, ascending; +Inf is implied */
	size_t n_bounds;
	atomic_uint_fast64_t buckets[HIST_MAX + 1];
	atomic_uint_fast64_t count;
	atomic_uint_fast64_t sum; /* in the unit the values arrive in */
};

struct metrics {
	atomic_uint_fast64_t counter[MC__COUNT];
	atomic_int_fast64_t gauge[MG__COUNT];
	atomic_uint_fast64_t errors[MT__COUNT][ERR__COUNT];
	struct histogram commit_us;  /* observed in microseconds */
	struct histogram batch_jobs; /* observed in jobs */
	struct histogram push_ms;    /* observed in milliseconds */
	int64_t started_ms;
	char version[32];
	char server[64];
};

/* Seconds, as Prometheus wants them; observed in microseconds. */
static const double commit_bounds_us[] = {250,   500,    1000,   2500,   5000,    10000,  25000,
                                          50000, 100000, 250000, 500000, 1000000, 2500000};
static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
/* Fine around the target (50 ms from commit to the push service), so the
 * benchmark can read a p99 from it. */
static const double push_bounds_ms[] = {2,  5,  10,  15,  20,   25,   30,    40,
                                        50, 75, 100, 250, 1000, 5000, 30000, 60000};

struct metrics *metrics_create(const char *version, const char *server_software)
{
	struct metrics *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->commit_us.bounds = commit_bounds_us;
	m->commit_us.n_bounds = sizeof commit_bounds_us / sizeof commit_bounds_us[0];
	m->batch_jobs.bounds = batch_bounds;
	m->batch_jobs.n_bounds = sizeof batch_bounds / sizeof batch_bounds[0];
	m->push_ms.bounds = push_bounds_ms;
	m->push_ms.n_bounds = sizeof push_bounds_ms / sizeof push_bounds_ms[0];
	m->started_ms = text_now_ms();
	text_copy(m->version, sizeof m->version, version ? version : "unknown");
	text_copy(m->server, sizeof m->server, server_software ? server_software : "");
	return m;
}

void metrics_destroy(struct metrics *m)
{
	free(m);
}

void metrics_add(struct metrics *m, enum metric_counter c, uint64_t n)
{
	if (m != NULL && c < MC__COUNT)
		atomic_fetch_add_explicit(&m->counter[c], n, memory_order_relaxed);
}

void metrics_inc(struct metrics *m, enum metric_counter c)
{
	metrics_add(m, c, 1);
}

void metrics_gauge_add(struct metrics *m, enum metric_gauge g, int64_t delta)
{
	if (m != NULL && g < MG__COUNT)
		atomic_fetch_add_explicit(&m->gauge[g], delta, memory_order_relaxed);
}

void metrics_gauge_set(struct metrics *m, enum metric_gauge g, int64_t value)
{
	if (m != NULL && g < MG__COUNT)
		atomic_store_explicit(&m->gauge[g], value, memory_order_relaxed);
}

int64_t metrics_gauge_get(const struct metrics *m, enum metric_gauge g)
{
	if (m == NULL || g >= MG__COUNT)
		return 0;
	return atomic_load_explicit(&((struct metrics *)m)->gauge[g], memory_order_relaxed);
}

uint64_t metrics_counter_get(const struct metrics *m, enum metric_counter c)
{
	if (m == NULL || c >= MC__COUNT)
		return 0;
	return atomic_load_explicit(&((struct metrics *)m)->counter[c], memory_order_relaxed);
}

void metrics_error(struct metrics *m, enum metric_transport t, int err)
{
	if (m == NULL || t >= MT__COUNT || err <= ERR_OK || err >= ERR__COUNT)
		return;
	atomic_fetch_add_explicit(&m->errors[t][err], 1, memory_order_relaxed);
}

static void hist_observe(struct histogram *h, uint64_t v)
{
	size_t i = 0;
	while (i < h->n_bounds && (double)v > h->bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum, v, memory_order_relaxed);
}

void metrics_push_latency(struct metrics *m, int64_t ms)
{
	if (m)
		hist_observe(&m->push_ms, ms > 0 ? (uint64_t)ms : 0);
}

void metrics_commit(struct metrics *m, int64_t duration_us, size_t batch)
{
	if (m == NULL)
		return;
	hist_observe(&m->commit_us, duration_us > 0 ? (uint64_t)duration_us : 0);
	hist_observe(&m->batch_jobs, batch);
}

/* ---- Rendering ------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		if (b->oom)
			return;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap * 2 + (size_t)n;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static uint64_t load(const atomic_uint_fast64_t *v)
{
	return atomic_load_explicit((atomic_uint_fast64_t *)v, memory_order_relaxed);
}

static void head(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(struct buf *b, const struct metrics *m, const char *name, enum metric_counter c,
                    const char *help)
{
	head(b, name, "counter", help);
	put(b, "%s %llu\n", name, (unsigned long long)load(&m->counter[c]));
}

static void gauge(struct buf *b, const struct metrics *m, const char *name, enum metric_gauge g,
                  const char *help)
{
	head(b, name, "gauge", help);
	put(b, "%s %lld\n", name, (long long)metrics_gauge_get(m, g));
}

/* A histogram; scale divides the observed unit into the exposed one. */
static void histogram(struct buf *b, const struct histogram *h, const char *name, double scale,
                      const char *help)
{
	uint64_t cum = 0;
	head(b, name, "histogram", help);
	for (size_t i = 0; i < h->n_bounds; i++) {
		cum += load(&h->buckets[i]);
		put(b, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i] / scale,
		    (unsigned long long)cum);
	}
	cum += load(&h->buckets[h->n_bounds]);
	put(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
	put(b, "%s_sum %.6f\n", name, (double)load(&h->sum) / scale);
	put(b, "%s_count %llu\n", name, (unsigned long long)load(&h->count));
}

static void render_connections(struct buf *b, const struct metrics *m)
{
	static const char *const roles[] = {"none", "family", "adviser", "admin"};
	head(b, "indgang_connections", "gauge",
	     "Open WebSocket connections by role (none: not yet authenticated).");
	for (int i = 0; i < 4; i++)
		put(b, "indgang_connections{role=\"%s\"} %lld\n", roles[i],
		    (long long)metrics_gauge_get(m, (enum metric_gauge)(MG_CONN_UNAUTH + i)));
	counter(b, m, "indgang_ws_connections_opened_total", MC_WS_OPENED,
	        "WebSocket connections opened since start.");
	counter(b, m, "indgang_ws_closed_lagging_total", MC_WS_LAGGING,
	        "Connections closed with 4408 because they fell too far behind.");
	counter(b, m, "indgang_ws_closed_abuse_total", MC_WS_ABUSE,
	        "Connections closed with 1008 after too many frames refused for rate.");
}

static void render_messages(struct buf *b, const struct metrics *m)
{
	counter(b, m, "indgang_messages_received_total", MC_MSG_RECEIVED,
	        "send frames accepted for the writer.");
	counter(b, m, "indgang_messages_stored_total", MC_MSG_STORED,
	        "New messages committed to the database.");
	counter(b, m, "indgang_messages_acked_total", MC_MSG_ACKED,
	        "Acks sent after commit (resends included).");
	counter(b, m, "indgang_messages_duplicate_total", MC_MSG_DUPLICATE,
	        "Resends answered with the original message.");
	counter(b, m, "indgang_messages_delivered_total", MC_MSG_DELIVERED,
	        "Message frames queued to recipients' connections.");
	counter(b, m, "indgang_receipts_total", MC_RECEIPTS, "Read positions committed.");
	counter(b, m, "indgang_ws_frames_received_total", MC_WS_FRAMES_IN,
	        "Complete frames received from clients.");
	counter(b, m, "indgang_ws_frames_sent_total", MC_WS_FRAMES_OUT,
	        "Frames written to WebSocket connections.");
}

static void render_writer(struct buf *b, const struct metrics *m)
{
	counter(b, m, "indgang_commits_total", MC_COMMITS, "Group commits that succeeded.");
	counter(b, m, "indgang_commit_failures_total", MC_COMMIT_FAILURES,
	        "Group commits that failed (nothing of the batch was acknowledged).");
	counter(b, m, "indgang_checkpoints_total", MC_CHECKPOINTS,
	        "WAL checkpoints (copies of the WAL into the database file) by the writer.");
	counter(b, m, "indgang_checkpoint_failures_total", MC_CHECKPOINT_FAILURES,
	        "WAL checkpoints that failed (an I/O error shuts the gateway down).");
	histogram(b, &m->commit_us, "indgang_commit_duration_seconds", 1e6,
	          "Time to run and commit one batch, fsync included.");
	histogram(b, &m->batch_jobs, "indgang_commit_batch_jobs", 1,
	          "Jobs (sends, reads, log rows) per group commit.");
	gauge(b, m, "indgang_write_queue_jobs", MG_WRITE_QUEUE, "Jobs waiting for the writer.");
	gauge(b, m, "indgang_http_queue_requests", MG_HTTP_QUEUE,
	      "HTTP requests queued for or running on a worker.");
	gauge(b, m, "indgang_outbox_frames", MG_OUTBOX_FRAMES,
	      "Frames waiting in the outboxes of all connections.");
	gauge(b, m, "indgang_outbox_bytes", MG_OUTBOX_BYTES, "Bytes of those frames.");
}

/* A counter by result, one line per result (name{result="..."}). */
struct outcome {
	const char *result;
	enum metric_counter c;
};

static void outcomes(struct buf *b, const struct metrics *m, const char *name, const char *help,
                     const struct outcome *v, size_t n)
{
	head(b, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		put(b, "%s{result=\"%s\"} %llu\n", name, v[i].result,
		    (unsigned long long)load(&m->counter[v[i].c]));
}

static void render_push(struct buf *b, const struct metrics *m)
{
	static const struct outcome v[] = {
	    {"sent", MC_PUSH_SENT},       {"retried", MC_PUSH_RETRIED},
	    {"gone", MC_PUSH_GONE},       {"rejected", MC_PUSH_REJECTED},
	    {"expired", MC_PUSH_EXPIRED}, {"suppressed", MC_PUSH_SUPPRESSED}};
	outcomes(b, m, "indgang_push_notifications_total",
	         "Web Push notifications by outcome: sent (accepted by the push service), retried "
	         "(429, 5xx, no answer), gone (404/410: subscription removed), rejected (other "
	         "4xx), expired (given up), suppressed (the person was reading).",
	         v, sizeof v / sizeof v[0]);
	gauge(b, m, "indgang_push_waiting", MG_PUSH_WAITING,
	      "Notifications queued: due, in quiet hours or backing off.");
	gauge(b, m, "indgang_push_inflight", MG_PUSH_INFLIGHT,
	      "Requests to push services under way.");
	histogram(b, &m->push_ms, "indgang_push_latency_seconds", 1e3,
	          "From a message's commit to its push service's answer.");
}

static void render_sms(struct buf *b, const struct metrics *m)
{
	static const struct outcome v[] = {{"accepted", MC_SMS_ACCEPTED},
	                                   {"retried", MC_SMS_RETRIED},
	                                   {"failed", MC_SMS_FAILED},
	                                   {"unsure", MC_SMS_UNSURE}};
	outcomes(
	    b, m, "indgang_sms_out_total",
	    "SMS handed to Kannel by outcome: accepted (202), retried (Kannel down, busy or "
	    "refusing the account), failed (refused for good, or not to be sent), unsure (sent "
	    "again after a crash left it claimed: a possible duplicate).",
	    v, sizeof v / sizeof v[0]);
	gauge(b, m, "indgang_sms_waiting", MG_SMS_WAITING,
	      "SMS not yet handed to Kannel: due, in quiet hours or backing off.");
}

static void render_attachments(struct buf *b, const struct metrics *m)
{
	static const struct outcome v[] = {{"ready", MC_ATTACH_READY},
	                                   {"malware", MC_ATTACH_MALWARE},
	                                   {"refused", MC_ATTACH_REFUSED},
	                                   {"retried", MC_ATTACH_SCAN_RETRIED}};
	head(b, "indgang_uploads_total", "counter", "Photos and documents received whole.");
	put(b, "indgang_uploads_total %llu\n", (unsigned long long)load(&m->counter[MC_UPLOADS]));
	outcomes(b, m, "indgang_attachment_checks_total",
	         "Checks of uploads by outcome: ready (scanned, stored), malware (quarantined), "
	         "refused (not an image, too many pixels, too large), retried (clamd could not "
	         "be reached).",
	         v, sizeof v / sizeof v[0]);
	gauge(b, m, "indgang_clamd_up", MG_CLAMD_UP,
	      "1 when clamd answered the last scan, 0 when it could not be reached.");
}

static void render_refusals(struct buf *b, const struct metrics *m)
{
	head(b, "indgang_rate_limited_total", "counter", "Requests refused for rate.");
	put(b, "indgang_rate_limited_total{transport=\"ws\"} %llu\n",
	    (unsigned long long)load(&m->counter[MC_RATE_LIMITED_WS]));
	put(b, "indgang_rate_limited_total{transport=\"http\"} %llu\n",
	    (unsigned long long)load(&m->counter[MC_RATE_LIMITED_HTTP]));
	static const struct {
		const char *kind;
		enum metric_counter c;
	} auth[] = {{"websocket", MC_AUTH_FAIL_WS},
	            {"login", MC_AUTH_FAIL_LOGIN},
	            {"invite", MC_AUTH_FAIL_INVITE},
	            {"token", MC_AUTH_FAIL_TOKEN}};
	head(b, "indgang_auth_failures_total", "counter",
	     "Failed authentications: bad WebSocket auth, sign-ins, invite codes, HTTP tokens.");
	for (size_t i = 0; i < sizeof auth / sizeof auth[0]; i++)
		put(b, "indgang_auth_failures_total{kind=\"%s\"} %llu\n", auth[i].kind,
		    (unsigned long long)load(&m->counter[auth[i].c]));
	static const char *const transports[MT__COUNT] = {"ws", "http"};
	head(b, "indgang_errors_total", "counter", "Errors answered to clients, by code.");
	for (int t = 0; t < MT__COUNT; t++)
		for (int e = ERR_OK + 1; e < ERR__COUNT; e++)
			put(b, "indgang_errors_total{transport=\"%s\",code=\"%s\"} %llu\n",
			    transports[t], err_code(e), (unsigned long long)load(&m->errors[t][e]));
	counter(b, m, "indgang_http_requests_total", MC_HTTP_REQUESTS,
	        "HTTP API requests answered.");
}

static void render_process(struct buf *b, const struct metrics *m, const struct metrics_extra *x)
{
	head(b, "indgang_database_bytes", "gauge", "Size of the database file and its WAL.");
	if (x->db_bytes >= 0)
		put(b, "indgang_database_bytes{file=\"db\"} %lld\n", (long long)x->db_bytes);
	if (x->wal_bytes >= 0)
		put(b, "indgang_database_bytes{file=\"wal\"} %lld\n", (long long)x->wal_bytes);
	head(b, "indgang_uptime_seconds", "gauge", "Seconds since the gateway started.");
	put(b, "indgang_uptime_seconds %.3f\n", (double)(x->now_ms - m->started_ms) / 1000.0);
	head(b, "indgang_start_time_seconds", "gauge", "When the gateway started, Unix time.");
	put(b, "indgang_start_time_seconds %.3f\n", (double)m->started_ms / 1000.0);
	gauge(b, m, "indgang_tls_certificate_not_after_seconds", MG_TLS_NOT_AFTER,
	      "Expiry of the served certificate, Unix time.");
	gauge(b, m, "indgang_tls_certificate_loaded_seconds", MG_TLS_LOADED_AT,
	      "When the served certificate was loaded, Unix time.");
	head(b, "indgang_tls_reloads_total", "counter", "Certificate reloads on SIGHUP.");
	put(b, "indgang_tls_reloads_total{result=\"ok\"} %llu\n",
	    (unsigned long long)load(&m->counter[MC_TLS_RELOAD_OK]));
	put(b, "indgang_tls_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)load(&m->counter[MC_TLS_RELOAD_FAIL]));
	head(b, "indgang_build_info", "gauge", "Versions of this build; the value is always 1.");
	put(b, "indgang_build_info{version=\"%s\",schema=\"%d\",sqlite=\"%s\",server=\"%s\"} 1\n",
	    m->version, x->schema_version, sqlite3_libversion(), m->server);
}

char *metrics_render(const struct metrics *m, const struct metrics_extra *extra)
{
	struct buf b = {.p = malloc(8192), .cap = 8192};
	if (b.p == NULL || m == NULL) {
		free(b.p);
		return NULL;
	}
	b.p[0] = '\0';
	render_connections(&b, m);
	render_messages(&b, m);
	render_writer(&b, m);
	render_refusals(&b, m);
	render_push(&b, m);
	render_sms(&b, m);
	render_attachments(&b, m);
	render_process(&b, m, extra);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
