/*
 * idle.c - the scenario "idle": N authenticated connections that then say
 * nothing, and what each costs the server in resident memory.
 *
 * The server's VmRSS is sampled just before the first connection opens and
 * again after all are ready and `settle` seconds have passed; the difference
 * divided by N is the cost of one connection (TLS state, lws, the session,
 * its share of the welcome's work).  Every connection is a different family
 * member with its own enrolled device, as on a Monday morning.  The same N
 * connections then join the reference server.
 */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_BATCH 500

struct idle_run {
	int n, ready;
	double connect_s;
	struct proc_sample srv0, srv1, me0, me1;
	struct bench_errs err;
};

static const struct conn_events idle_events = {0};

static double per_conn_kib(const struct idle_run *r, bool server)
{
	const struct proc_sample *a = server ? &r->srv0 : &r->me0, *b = server ? &r->srv1 : &r->me1;
	return r->ready > 0 ? (double)(b->rss_kib - a->rss_kib) / r->ready : 0;
}

/* CPU to open and authenticate one connection (server or generator). */
static double per_conn_ms(const struct idle_run *r, bool server, bool kernel_only)
{
	const struct proc_sample *a = server ? &r->srv0 : &r->me0, *b = server ? &r->srv1 : &r->me1;
	double cpu = kernel_only ? b->sys_s - a->sys_s : proc_cpu_between(a, b);
	return r->ready > 0 ? 1000.0 * cpu / r->ready : 0;
}

static void idle_target(struct bench *b, const struct world *w, const struct target *t,
                        struct idle_run *r)
{
	int n = w->n_fam;
	struct conn *conns = calloc((size_t)n, sizeof *conns);
	memset(&b->err, 0, sizeof b->err);
	r->n = n;
	if (conns == NULL)
		return;
	for (int i = 0; i < n; i++) {
		conns[i] = (struct conn){.b = b, .ev = &idle_events, .t = t, .id = i};
		conns[i].token = w->fam[i].token;
		conns[i].conv = w->fam[i].conv;
	}
	proc_sample(t->pid, &r->srv0);
	self_sample(&r->me0);
	int64_t t0 = now_us();
	r->ready = conns_open_all(b, conns, n, OPEN_BATCH, 120 + n / 25.0);
	r->connect_s = (double)(now_us() - t0) / 1e6;
	fprintf(stderr, "indgang-bench: %s: %d of %d idle connections ready in %.1f s\n", t->name,
	        r->ready, n, r->connect_s);
	bench_sleep(b, b->o.settle);
	proc_sample(t->pid, &r->srv1);
	self_sample(&r->me1);
	r->ready = conns_count_ready(conns, n); /* any that closed while settling */
	conns_drop_all(b, conns, n);
	bench_sleep(b, 1.0); /* let the server see them go before the next target */
	r->err = b->err;
	for (int i = 0; i < n; i++)
		conn_free(&conns[i]);
	free(conns);
}

static json_t *idle_json(const struct idle_run *r)
{
	return json_pack("{s:i, s:i, s:f, s:f, s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:o}",
	                 "connections", r->n, "ready", r->ready, "connect_s", r->connect_s,
	                 "server_kib_per_conn", per_conn_kib(r, true), "server_rss_before_kib",
	                 (json_int_t)r->srv0.rss_kib, "server_rss_after_kib",
	                 (json_int_t)r->srv1.rss_kib, "bench_kib_per_conn", per_conn_kib(r, false),
	                 "server_cpu_ms_per_conn", per_conn_ms(r, true, false),
	                 "server_sys_ms_per_conn", per_conn_ms(r, true, true),
	                 "bench_cpu_ms_per_conn", per_conn_ms(r, false, false), "server_threads",
	                 (json_int_t)r->srv1.threads, "errors", report_errs_json(&r->err));
}

static void idle_report(struct bench *b, const struct idle_run *g, const struct idle_run *ref,
                        bool with_ref)
{
	char title[160];
	snprintf(title, sizeof title,
	         "idle: %d authenticated idle connections, sampled %.1f s "
	         "after the last was ready",
	         g->n, b->o.settle);
	report_header(title, with_ref);
	report_row("connections ready", "", g->ready, ref->ready, with_ref, false);
	report_row("time to open and authenticate all", "(s)", g->connect_s, ref->connect_s,
	           with_ref, true);
	report_row("server RSS before", "(MiB)", (double)g->srv0.rss_kib / 1024,
	           (double)ref->srv0.rss_kib / 1024, with_ref, false);
	report_row("server RSS with all connected", "(MiB)", (double)g->srv1.rss_kib / 1024,
	           (double)ref->srv1.rss_kib / 1024, with_ref, false);
	report_row("server RSS per connection", "(KiB)", per_conn_kib(g, true),
	           per_conn_kib(ref, true), with_ref, true);
	report_row("server CPU per connection", "(ms)", per_conn_ms(g, true, false),
	           per_conn_ms(ref, true, false), with_ref, true);
	report_row("  of which kernel", "(ms)", per_conn_ms(g, true, true),
	           per_conn_ms(ref, true, true), with_ref, true);
	report_row("load generator CPU per connection", "(ms)", per_conn_ms(g, false, false),
	           per_conn_ms(ref, false, false), with_ref, true);
	report_row("load generator RSS per connection", "(KiB)", per_conn_kib(g, false),
	           per_conn_kib(ref, false), with_ref, false);
	report_errs_row(&g->err, with_ref ? &ref->err : NULL, with_ref);
	json_t *root = json_pack("{s:s, s:i, s:f, s:o}", "scenario", "idle", "connections", g->n,
	                         "settle_s", b->o.settle, "indgang", idle_json(g));
	if (with_ref) {
		json_object_set_new(root, "reference", idle_json(ref));
		json_object_set_new(root, "ratio_kib_per_conn",
		                    json_real(per_conn_kib(ref, true) > 0
		                                  ? per_conn_kib(g, true) / per_conn_kib(ref, true)
		                                  : 0));
	}
	report_emit(b, root);
}

int scenario_idle(struct bench *b)
{
	struct world w;
	const struct bench_opts *o = &b->o;
	if (world_create(b, &w, o->conns, 2) != 0)
		return 1;
	int rc = world_enrol_members(b, &w, 0, w.n_fam);
	struct target tg = {"indgang", o->port, false, o->server_pid};
	struct target tr = {"reference", o->ref_port, true, o->ref_pid};
	struct idle_run g = {0}, ref = {0};
	bool with_ref = o->ref_port > 0;
	if (rc == 0) {
		idle_target(b, &w, &tg, &g);
		if (with_ref)
			idle_target(b, &w, &tr, &ref);
		idle_report(b, &g, &ref, with_ref);
		if (g.ready != g.n || bench_err_total(&g.err) ||
		    (with_ref && (ref.ready != ref.n || bench_err_total(&ref.err))))
			rc = -1;
	}
	world_free(&w);
	return rc == 0 ? 0 : 1;
}
