/*
 * push.c - Web Push in the families scenario (--push-port): every adviser's
 * browser subscribed to the local push service (tests/pushsvc, started by
 * run.sh --push), the push service's counts, and the gateway's own
 * commit-to-answer histogram from /metrics, both read at the edges of the
 * measured window so that only the window counts.
 */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dump_body(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

/* One request, tried again when no answer came: some of lws's connections
 * to Node's TLS server fail before an answer.  Its status. */
static int once(struct bench *b, struct http_req *r, const char *body)
{
	for (int tries = 0; tries < 10; tries++) {
		if (tries > 0)
			bench_sleep(b, 0.1 * tries);
		free(r->resp);
		r->resp = NULL;
		r->resp_len = r->resp_cap = 0;
		r->status = 0;
		r->done = r->sent = false;
		r->body = strdup(body);
		http_run(b, r, 1, 1, 10);
		if (r->status != 0)
			break;
	}
	return r->status;
}

int push_subscribe_advisers(struct bench *b, const struct world *w, int64_t *ids)
{
	int n = w->n_adv, ok = 0;
	for (int i = 0; i < n; i++) {
		struct http_req made = {.path = "/control/subscribe", .port = b->o.push_port};
		struct http_req reg = {.path = "/api/push/subscriptions", .token = w->adv[i].token};
		int st = once(b, &made, "{}");
		json_t *sub = st == 200 ? json_loads(made.resp, 0, NULL) : NULL;
		json_object_del(sub, "id");
		char *body = dump_body(sub);
		json_t *got = NULL;
		if (body && (st = once(b, &reg, body)) == 201 &&
		    (got = json_loads(reg.resp, 0, NULL)) != NULL)
			ok++;
		else
			bench_note(b, "subscribing adviser %d: status %d %s", i, st,
			           reg.resp    ? reg.resp
			           : made.resp ? made.resp
			                       : "");
		ids[i] = (int64_t)json_integer_value(json_object_get(got, "id"));
		json_decref(got);
		free(body);
		free(made.resp);
		free(reg.resp);
	}
	fprintf(stderr, "indgang-bench: %d of %d advisers subscribed to the push service\n", ok, n);
	return ok == n ? 0 : -1;
}

int push_unsubscribe_advisers(struct bench *b, const struct world *w, const int64_t *ids)
{
	int n = w->n_adv, ok = 0;
	for (int i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof path, "/api/push/subscriptions/%lld", (long long)ids[i]);
		struct http_req del = {.path = path, .method = "DELETE", .token = w->adv[i].token};
		int st = once(b, &del, "");
		ok += st == 204 || st == 200;
		if (st != 204 && st != 200)
			bench_note(b, "unsubscribing adviser %d: status %d", i, st);
		free(del.resp);
	}
	fprintf(stderr, "indgang-bench: %d of %d advisers unsubscribed\n", ok, n);
	return ok == n ? 0 : -1;
}

/* One GET; the answer (malloc'd) or NULL. */
static char *get(struct bench *b, const char *path, int port)
{
	struct http_req r = {.path = path, .method = "GET", .port = port};
	http_run(b, &r, 1, 1, 10);
	if (r.status != 200) {
		free(r.resp);
		return NULL;
	}
	return r.resp;
}

int push_snapshot(struct bench *b, struct push_snap *out)
{
	memset(out, 0, sizeof *out);
	char *stats = get(b, "/control/stats", b->o.push_port);
	json_t *j = stats ? json_loads(stats, 0, NULL) : NULL;
	free(stats);
	out->accepted = (uint64_t)json_integer_value(json_object_get(j, "accepted"));
	out->refused = (uint64_t)json_integer_value(json_object_get(j, "refused"));
	json_decref(j);
	char *m = get(b, "/metrics", 0);
	if (m == NULL)
		return -1;
	/* indgang_push_latency_seconds_bucket{le="0.05"} N, cumulative, in order */
	static const char key[] = "indgang_push_latency_seconds_bucket{le=\"";
	for (const char *p = strstr(m, key); p && out->n < PUSH_BUCKETS; p = strstr(p + 1, key)) {
		const char *le = p + sizeof key - 1;
		double bound = strncmp(le, "+Inf", 4) == 0 ? -1 : strtod(le, NULL);
		const char *v = strstr(le, "} ");
		if (v == NULL)
			break;
		out->le_ms[out->n] = bound < 0 ? -1 : bound * 1000;
		out->cum[out->n++] = strtoull(v + 2, NULL, 10);
	}
	free(m);
	return out->n > 0 ? 0 : -1;
}

/* The q-quantile of what the histogram counted between a and b, by linear
 * interpolation inside its bucket (ms); -1 without any. */
double push_quantile(const struct push_snap *a, const struct push_snap *b, double q)
{
	if (a->n != b->n || b->n == 0)
		return -1;
	uint64_t total = b->cum[b->n - 1] - a->cum[a->n - 1];
	if (total == 0)
		return -1;
	double want = q * (double)total, lo = 0;
	uint64_t below = 0;
	for (int i = 0; i < b->n; i++) {
		uint64_t c = b->cum[i] - a->cum[i];
		double hi = b->le_ms[i];
		if ((double)c >= want) {
			if (hi < 0)
				return lo; /* beyond the last bound: at least that */
			double in = (double)(c - below);
			return in > 0 ? lo + (hi - lo) * (want - (double)below) / in : hi;
		}
		below = c;
		lo = hi;
	}
	return lo;
}

uint64_t push_count(const struct push_snap *a, const struct push_snap *b)
{
	return b->n > 0 && a->n == b->n ? b->cum[b->n - 1] - a->cum[a->n - 1] : 0;
}
