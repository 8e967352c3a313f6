/*
 * storm.c - the scenario "storm": N family members are connected, the
 * network drops them all at once, their advisers write to them meanwhile
 * (`missed` messages per family), and then all N reconnect at the same
 * moment, authenticate and `sync` from the last id they had seen - the
 * Monday-morning case.  Measured: the time from the first reconnect until
 * the last client has caught up (its sync answered with "more": false),
 * and each client's own catch-up time.
 *
 * Against the reference the same N clients reconnect at once, join, and ask
 * for a page as large as Indgang's average sync answer.
 */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_BATCH 500

struct storm {
	struct bench *b;
	const struct world *w;
	const struct target *t;
	int N, A;
	struct conn *conns; /* N members, then A advisers */
	int64_t *last_seen;
	int *got;
	bool *done;
	bool storming;
	int64_t t0, t_all_ready, t_all_done;
	int n_ready, n_done, n_failed;
	int next; /* the next member to reconnect */
	uint64_t acks, pages, page_bytes;
	uint64_t resumed; /* reconnects that resumed their TLS session */
	int ask_bytes;    /* the reference: the page size to ask for */
	struct hist welcome, catchup;
	struct usage use;
	struct bench_errs err;
};

static void member_finish(struct storm *s, int i, int64_t at, bool ok)
{
	if (s->done[i])
		return;
	s->done[i] = true;
	if (!ok) {
		s->n_failed++;
		return;
	}
	s->n_done++;
	hist_record(&s->catchup, at - s->t0);
	if (at > s->t_all_done)
		s->t_all_done = at;
	if (!s->t->ref && s->got[i] < s->b->o.missed) {
		s->b->err.lost += (uint64_t)(s->b->o.missed - s->got[i]);
		bench_note(s->b, "member %d caught up with %d of %d missed messages", i, s->got[i],
		           s->b->o.missed);
	}
}

static void on_ready(struct conn *c)
{
	struct storm *s = c->owner;
	int i = c->id;
	if (i >= s->N)
		return;
	if (!s->storming) {
		s->last_seen[i] = c->last_id;
		return;
	}
	int64_t at = now_us();
	hist_record(&s->welcome, at - s->t0);
	if (++s->n_ready == s->N)
		s->t_all_ready = at;
	struct op op = {.type = s->t->ref ? OP_PAGE : OP_SYNC};
	op.arg = s->t->ref ? s->ask_bytes : s->last_seen[i];
	conn_push(c, &op);
}

static void on_page(struct conn *c, const struct page *pg, int64_t at)
{
	struct storm *s = c->owner;
	int i = c->id;
	if (i >= s->N || !s->storming || s->done[i])
		return;
	s->got[i] += pg->n;
	s->pages++;
	s->page_bytes += pg->bytes;
	if (pg->more && !s->t->ref) {
		struct op op = {.type = OP_SYNC, .arg = pg->max_id};
		conn_push(c, &op);
		return;
	}
	member_finish(s, i, at, true);
}

static void on_error(struct conn *c, const char *code)
{
	struct storm *s = c->owner;
	(void)code;
	if (c->id < s->N && s->storming)
		member_finish(s, c->id, now_us(), false);
}

static void on_closed(struct conn *c)
{
	struct storm *s = c->owner;
	if (c->id < s->N && s->storming && !c->dropping)
		member_finish(s, c->id, now_us(), false);
}

static void on_ack(struct conn *c, uint32_t fam, uint32_t seq, int64_t at)
{
	struct storm *s = c->owner;
	(void)fam;
	(void)seq;
	(void)at;
	s->acks++;
}

static const struct conn_events storm_events = {
    .ready = on_ready,
    .ack = on_ack,
    .page = on_page,
    .error = on_error,
    .closed = on_closed,
};

static int storm_alloc(struct storm *s)
{
	int n = s->N + s->A;
	s->conns = calloc((size_t)n, sizeof *s->conns);
	s->last_seen = calloc((size_t)s->N, sizeof *s->last_seen);
	s->got = calloc((size_t)s->N, sizeof *s->got);
	s->done = calloc((size_t)s->N, sizeof *s->done);
	if (!s->conns || !s->last_seen || !s->got || !s->done)
		return -1;
	for (int i = 0; i < n; i++) {
		struct conn *c = &s->conns[i];
		*c = (struct conn){.b = s->b, .ev = &storm_events, .owner = s, .t = s->t, .id = i};
		c->token = i < s->N ? s->w->fam[i].token : s->w->adv[i - s->N].token;
		c->conv = i < s->N ? s->w->fam[i].conv : 0;
	}
	hist_init(&s->welcome);
	hist_init(&s->catchup);
	return 0;
}

static void storm_free(struct storm *s)
{
	for (int i = 0; s->conns && i < s->N + s->A; i++)
		conn_free(&s->conns[i]);
	free(s->conns);
	free(s->last_seen);
	free(s->got);
	free(s->done);
}

static bool all_acked(void *arg)
{
	struct storm *s = arg;
	return s->acks >= (uint64_t)s->N * (uint64_t)s->b->o.missed;
}

static bool all_over(void *arg)
{
	struct storm *s = arg;
	return s->n_done + s->n_failed >= s->N;
}

/* Reconnecting: keeps at most storm_batch handshakes in progress (all of
 * them at once when 0) until everyone has caught up or failed. */
static bool reconnected(void *arg)
{
	struct storm *s = arg;
	int batch = s->b->o.storm_batch > 0 ? s->b->o.storm_batch : s->N;
	while (s->next < s->N && s->b->pending < batch)
		conn_open(&s->conns[s->next++]);
	return all_over(s);
}

/* While the members are away, each family's primary adviser writes to it. */
static int advisers_write(struct storm *s)
{
	struct bench *b = s->b;
	for (int i = 0; i < s->N; i++) {
		struct conn *adv = &s->conns[s->N + s->w->fam[i].adv[0]];
		for (int k = 1; k <= b->o.missed; k++) {
			struct op op = {.type = OP_SEND, .fam = (uint32_t)i, .seq = (uint32_t)k};
			op.arg = s->w->fam[i].conv;
			conn_push(adv, &op);
		}
	}
	double timeout = 60 + (double)s->N * b->o.missed / 1000.0;
	if (!bench_wait(b, all_acked, s, timeout)) {
		b->err.timeout++;
		bench_note(b, "advisers' messages: %llu acked in %.0f s",
		           (unsigned long long)s->acks, timeout);
		return -1;
	}
	return 0;
}

static double secs(int64_t a, int64_t b)
{
	return b > a ? (double)(b - a) / 1e6 : 0;
}

/* Connect, go away, (advisers write), come back all at once. */
static int storm_phases(struct storm *s)
{
	struct bench *b = s->b;
	int n = s->t->ref ? s->N : s->N + s->A;
	int ready = conns_open_all(b, s->conns, n, OPEN_BATCH, 120 + n / 100.0);
	fprintf(stderr, "indgang-bench: %s: %d of %d connections ready\n", s->t->name, ready, n);
	if (ready != n)
		return -1;
	conns_drop_all(b, s->conns, s->N);
	bench_sleep(b, 1.0);
	if (!s->t->ref && b->o.missed > 0 && advisers_write(s) != 0)
		return -1;
	bench_sleep(b, 0.5);
	s->storming = true;
	b->resumed = 0;
	usage_begin(&s->use, s->t->pid);
	s->t0 = now_us();
	if (!bench_wait(b, reconnected, s, 120)) {
		b->err.timeout++;
		bench_note(b, "%s: %d of %d caught up in 120 s", s->t->name, s->n_done, s->N);
	}
	usage_end(&s->use, s->t->pid);
	s->resumed = b->resumed;
	fprintf(stderr, "indgang-bench: %s: %d of %d caught up in %.2f s\n", s->t->name, s->n_done,
	        s->N, secs(s->t0, s->t_all_done));
	return s->n_done == s->N ? 0 : -1;
}

static int storm_target(struct bench *b, const struct world *w, const struct target *t,
                        struct storm *s, int ask_bytes)
{
	memset(s, 0, sizeof *s);
	*s = (struct storm){.b = b, .w = w, .t = t, .N = w->n_fam, .A = w->n_adv};
	s->ask_bytes = ask_bytes;
	memset(&b->err, 0, sizeof b->err);
	int rc = storm_alloc(s) == 0 ? storm_phases(s) : -1;
	conns_drop_all(b, s->conns, s->N + s->A);
	s->err = b->err;
	storm_free(s);
	return rc;
}

static json_t *storm_json(const struct storm *s)
{
	return json_pack("{s:i, s:i, s:I, s:f, s:f, s:I, s:I, s:o, s:o, s:o, s:o}", "caught_up",
	                 s->n_done, "failed", s->n_failed, "tls_resumed", (json_int_t)s->resumed,
	                 "all_caught_up_s", secs(s->t0, s->t_all_done), "all_welcomed_s",
	                 secs(s->t0, s->t_all_ready), "pages", (json_int_t)s->pages, "page_bytes",
	                 (json_int_t)s->page_bytes, "welcome_ms", report_lat_json(&s->welcome),
	                 "caught_up_ms", report_lat_json(&s->catchup), "usage",
	                 report_usage_json(&s->use), "errors", report_errs_json(&s->err));
}

static void storm_report(struct bench *b, const struct storm *g, const struct storm *ref,
                         bool with_ref)
{
	char title[200];
	char paced[64] = "all at once";
	if (b->o.storm_batch > 0 && b->o.storm_batch < g->N)
		snprintf(paced, sizeof paced, "at most %d handshakes at a time", b->o.storm_batch);
	snprintf(title, sizeof title,
	         "storm: %d members reconnect (%s, %s), %d missed message(s) each, %d advisers",
	         g->N, paced, b->o.full_handshakes ? "full TLS handshakes" : "TLS sessions resumed",
	         b->o.missed, g->A);
	report_header(title, with_ref);
	report_row("caught up", "", g->n_done, ref->n_done, with_ref, false);
	report_row("TLS sessions resumed", "", (double)g->resumed, (double)ref->resumed, with_ref,
	           false);
	report_row("time until all caught up", "(s)", secs(g->t0, g->t_all_done),
	           secs(ref->t0, ref->t_all_done), with_ref, true);
	report_row("time until all welcomed", "(s)", secs(g->t0, g->t_all_ready),
	           secs(ref->t0, ref->t_all_ready), with_ref, true);
	report_lat_rows("reconnect->welcome", &g->welcome, &ref->welcome, with_ref);
	report_lat_rows("reconnect->caught up", &g->catchup, &ref->catchup, with_ref);
	report_usage_rows(&g->use, with_ref ? &ref->use : NULL, with_ref);
	report_errs_row(&g->err, with_ref ? &ref->err : NULL, with_ref);
	json_t *root =
	    json_pack("{s:s, s:i, s:i, s:i, s:i, s:b, s:o}", "scenario", "storm", "clients", g->N,
	              "missed", b->o.missed, "advisers", g->A, "storm_batch", b->o.storm_batch,
	              "full_handshakes", b->o.full_handshakes, "indgang", storm_json(g));
	if (with_ref) {
		json_object_set_new(root, "reference", storm_json(ref));
		double a = secs(g->t0, g->t_all_done), r = secs(ref->t0, ref->t_all_done);
		json_object_set_new(root, "ratio_all_caught_up", json_real(r > 0 ? a / r : 0));
	}
	report_emit(b, root);
}

int scenario_storm(struct bench *b)
{
	struct world w;
	const struct bench_opts *o = &b->o;
	int advisers = o->advisers < o->conns ? o->advisers : o->conns;
	advisers = advisers < 2 ? 2 : advisers & ~1;
	if (world_create(b, &w, o->conns, advisers) != 0)
		return 1;
	int rc = world_login_advisers(b, &w, 0, w.n_adv);
	if (rc == 0)
		rc = world_enrol_members(b, &w, 0, w.n_fam);
	struct target tg = {"indgang", o->port, false, o->server_pid};
	struct target tr = {"reference", o->ref_port, true, o->ref_pid};
	struct storm *g = calloc(2, sizeof *g), *ref = g + 1;
	bool with_ref = o->ref_port > 0;
	if (rc == 0 && g != NULL) {
		rc = storm_target(b, &w, &tg, g, 0);
		int ask = g->pages ? (int)(g->page_bytes / g->pages) : 512;
		if (with_ref && storm_target(b, &w, &tr, ref, ask) != 0)
			rc = -1;
		storm_report(b, g, ref, with_ref);
		if (bench_err_total(&g->err) || (with_ref && bench_err_total(&ref->err)))
			rc = -1;
	}
	free(g);
	world_free(&w);
	return rc == 0 ? 0 : 1;
}
