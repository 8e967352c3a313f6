/*
 * history.c - the scenario "history": 50-message `history` pages on a large
 * database (made by indgang-bench-gendb, whose world file names its
 * families and advisers).
 *
 * K family members get fresh invite codes (indgang-admin invite), enrol and
 * connect one after the other; the time from connecting to the welcome is
 * recorded (TLS, upgrade, authentication, and the welcome, which counts
 * unread messages and finds the last id on the big database).  Then
 * `concurrency` of them scroll back through their conversation, one request
 * in flight each: the newest page, then `before` the oldest id of the page
 * they got, and from the newest again when the start is reached.  The same
 * is done by advisers, whose every history read is written to the contact
 * log (the reply waits for that commit).  The reference answers pages of
 * the same size as Indgang's.
 */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pages {
	struct bench *b;
	const struct target *t;
	struct conn *conns;
	int n, active;
	int64_t *before, *t_sent;
	bool paging;
	int64_t m0, m1;
	int ask_bytes;
	struct hist welcome, page, sync0;
	bool syncing, synced;
	uint64_t pages, msgs, bytes;
	struct usage use;
	struct bench_errs err;
};

static void page_ask(struct pages *p, struct conn *c)
{
	struct op op = {.type = p->t->ref ? OP_PAGE : OP_HISTORY};
	op.arg = p->t->ref ? p->ask_bytes : p->before[c->id];
	p->t_sent[c->id] = now_us();
	conn_push(c, &op);
}

static void on_ready(struct conn *c)
{
	struct pages *p = c->owner;
	hist_record(&p->welcome, c->t_ready - c->t_start);
}

static void on_page(struct conn *c, const struct page *pg, int64_t at)
{
	struct pages *p = c->owner;
	int64_t sent = p->t_sent[c->id];
	if (p->syncing) {
		hist_record(&p->sync0, at - sent);
		p->synced = true;
		return;
	}
	if (sent >= p->m0 && at < p->m1) {
		hist_record(&p->page, at - sent);
		p->pages++;
		p->msgs += (uint64_t)pg->n;
		p->bytes += pg->bytes;
	}
	p->before[c->id] = pg->more ? pg->min_id : 0;
	if (p->paging)
		page_ask(p, c);
}

static void on_error(struct conn *c, const char *code)
{
	struct pages *p = c->owner;
	(void)code;
	p->synced = true;
	p->before[c->id] = 0;
	if (p->paging)
		page_ask(p, c);
}

static const struct conn_events page_events = {
    .ready = on_ready,
    .page = on_page,
    .error = on_error,
};

static bool reached(void *arg)
{
	return now_us() >= *(int64_t *)arg;
}

static void pages_measure(struct pages *p)
{
	struct bench *b = p->b;
	int64_t start = now_us();
	p->m0 = start + (int64_t)(b->o.warmup * 1e6);
	p->m1 = p->m0 + (int64_t)(b->o.duration * 1e6);
	p->paging = true;
	for (int i = 0; i < p->active; i++)
		page_ask(p, &p->conns[i]);
	bench_wait(b, reached, &p->m0, b->o.warmup + 1);
	usage_begin(&p->use, p->t->pid);
	bench_wait(b, reached, &p->m1, b->o.duration + 1);
	usage_end(&p->use, p->t->pid);
	p->paging = false;
	bench_sleep(b, 0.5); /* the last answers */
}

static bool synced(void *arg)
{
	return ((struct pages *)arg)->synced;
}

/* A new device's first sync: every connection in turn asks for the first
 * page of everything it may see (sync after 0), alone on the server. */
static void pages_sync_from_start(struct pages *p)
{
	p->syncing = true;
	for (int i = 0; i < p->n; i++) {
		struct op op = {.type = OP_SYNC, .arg = 0};
		p->synced = false;
		p->t_sent[i] = now_us();
		conn_push(&p->conns[i], &op);
		if (!bench_wait(p->b, synced, p, 30)) {
			p->b->err.timeout++;
			break;
		}
	}
	p->syncing = false;
}

/* Connects n connections (tokens and conversations given) and pages. */
static int pages_run(struct bench *b, const struct target *t, struct conn *proto, int n,
                     int ask_bytes, struct pages *p)
{
	memset(p, 0, sizeof *p);
	*p = (struct pages){.b = b, .t = t, .n = n, .ask_bytes = ask_bytes};
	p->active = b->o.concurrency < n ? b->o.concurrency : n;
	p->conns = calloc((size_t)n, sizeof *p->conns);
	p->before = calloc((size_t)n, sizeof *p->before);
	p->t_sent = calloc((size_t)n, sizeof *p->t_sent);
	hist_init(&p->welcome);
	hist_init(&p->page);
	hist_init(&p->sync0);
	memset(&b->err, 0, sizeof b->err);
	int rc = p->conns && p->before && p->t_sent ? 0 : -1;
	for (int i = 0; rc == 0 && i < n; i++) {
		p->conns[i] =
		    (struct conn){.b = b, .ev = &page_events, .owner = p, .t = t, .id = i};
		p->conns[i].token = proto[i].token;
		p->conns[i].conv = proto[i].conv;
	}
	if (rc == 0 && conns_open_all(b, p->conns, n, 1, 120) == n) {
		pages_measure(p);
		if (!t->ref)
			pages_sync_from_start(p);
	} else
		rc = -1;
	conns_drop_all(b, p->conns, n);
	for (int i = 0; p->conns && i < n; i++)
		conn_free(&p->conns[i]);
	free(p->conns);
	free(p->before);
	free(p->t_sent);
	p->conns = NULL;
	p->err = b->err;
	return rc;
}

/* ---- Report --------------------------------------------------------------------- */

static double per_s(const struct pages *p)
{
	return p->b && p->b->o.duration > 0 ? (double)p->pages / p->b->o.duration : 0;
}

static double avg(uint64_t sum, uint64_t n)
{
	return n ? (double)sum / (double)n : 0;
}

static json_t *pages_json(const struct pages *p)
{
	return json_pack("{s:i, s:i, s:f, s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "connections", p->n,
	                 "concurrency", p->active, "pages_per_s", per_s(p), "msgs_per_page",
	                 avg(p->msgs, p->pages), "bytes_per_page", avg(p->bytes, p->pages),
	                 "welcome_ms", report_lat_json(&p->welcome), "page_ms",
	                 report_lat_json(&p->page), "sync_from_start_ms",
	                 report_lat_json(&p->sync0), "usage", report_usage_json(&p->use), "errors",
	                 report_errs_json(&p->err));
}

static void history_report(struct bench *b, const struct pages *m, const struct pages *a,
                           const struct pages *ref, bool with_ref)
{
	char title[200];
	snprintf(title, sizeof title,
	         "history: 50-message pages, %d requests in flight, %.0f s measured; "
	         "reference column: pages of the same size",
	         m->active, b->o.duration);
	report_header(title, with_ref);
	report_row("member pages", "/s", per_s(m), per_s(ref), with_ref, true);
	report_row("messages per page", "", avg(m->msgs, m->pages), 0, with_ref, false);
	report_row("bytes per page", "", avg(m->bytes, m->pages), avg(ref->bytes, ref->pages),
	           with_ref, false);
	report_lat_rows("member page", &m->page, &ref->page, with_ref);
	report_usage_rows(&m->use, with_ref ? &ref->use : NULL, with_ref);
	report_lat_brief("member connect->welcome", &m->welcome);
	report_lat_brief("reference connect->joined", &ref->welcome);
	report_lat_brief("member sync after 0 (new device)", &m->sync0);
	report_row("adviser pages (access-logged)", "/s", per_s(a), 0, false, false);
	report_lat_rows("adviser page", &a->page, NULL, false);
	report_lat_brief("adviser connect->welcome", &a->welcome);
	report_lat_brief("adviser sync after 0 (new device)", &a->sync0);
	struct bench_errs all = m->err;
	all.connect += a->err.connect;
	all.closed += a->err.closed;
	all.frames += a->err.frames;
	all.timeout += a->err.timeout;
	report_errs_row(&all, with_ref ? &ref->err : NULL, with_ref);
	json_t *root = json_pack("{s:s, s:o, s:o}", "scenario", "history", "indgang_members",
	                         pages_json(m), "indgang_advisers", pages_json(a));
	if (with_ref) {
		json_object_set_new(root, "reference", pages_json(ref));
		json_object_set_new(root, "ratio_page_p99",
		                    json_real(hist_quantile(&ref->page, 0.99)
		                                  ? (double)hist_quantile(&m->page, 0.99) /
		                                        (double)hist_quantile(&ref->page, 0.99)
		                                  : 0));
	}
	report_emit(b, root);
}

/* ---- The scenario ------------------------------------------------------------------ */

/* Tokens for the first k members and the advisers of their families. */
static int history_world(struct bench *b, struct world *w, int k, int *n_adv)
{
	char err[256];
	if (worlddoc_load(w, b->o.world, err, sizeof err) != 0) {
		fprintf(stderr, "indgang-bench: %s\n", err);
		return -1;
	}
	if (k > w->n_fam)
		k = w->n_fam;
	*n_adv = 2 * k < w->n_adv ? 2 * k : w->n_adv;
	if (world_invite_members(b, w, 0, k) != 0 || world_enrol_members(b, w, 0, k) != 0 ||
	    world_login_advisers(b, w, 0, *n_adv) != 0)
		return -1;
	return k;
}

int scenario_history(struct bench *b)
{
	struct world w;
	int n_adv = 0, k = history_world(b, &w, b->o.conns, &n_adv);
	struct conn *members = calloc((size_t)(k > 0 ? k : 1), sizeof *members);
	struct conn *advs = calloc((size_t)(n_adv > 0 ? n_adv : 1), sizeof *advs);
	struct pages *res = calloc(3, sizeof *res);
	int rc = k > 0 && members && advs && res ? 0 : -1;
	for (int i = 0; rc == 0 && i < k; i++) {
		members[i].token = w.fam[i].token;
		members[i].conv = w.fam[i].conv;
	}
	/* Adviser j is in team j / 2, which has family j / 2 among its families. */
	for (int j = 0; rc == 0 && j < n_adv; j++) {
		advs[j].token = w.adv[j].token;
		advs[j].conv = w.fam[j / 2].conv;
	}
	struct target tg = {"indgang", b->o.port, false, b->o.server_pid};
	struct target tr = {"reference", b->o.ref_port, true, b->o.ref_pid};
	bool with_ref = b->o.ref_port > 0;
	if (rc == 0) {
		rc |= pages_run(b, &tg, members, k, 0, &res[0]);
		rc |= pages_run(b, &tg, advs, n_adv, 0, &res[1]);
		int ask = res[0].pages ? (int)(res[0].bytes / res[0].pages) : 16384;
		if (with_ref)
			rc |= pages_run(b, &tr, members, k, ask, &res[2]);
		history_report(b, &res[0], &res[1], &res[2], with_ref);
		for (int i = 0; i < 3; i++)
			rc |= bench_err_total(&res[i].err) ? -1 : 0;
	}
	free(members);
	free(advs);
	free(res);
	world_free(&w);
	return rc == 0 ? 0 : 1;
}
