/*
 * families.c - the scenario "families": F families, each with its member's
 * connection and its two advisers' connections (an adviser serves about
 * 2F/A families).  Members send ~200-byte messages; a message counts when
 * it is acked to its sender AND has arrived at both advisers of its family.
 *
 * Closed loop: every member keeps W messages in flight, sending the next as
 * soon as one is complete.  Open loop: messages are due at a fixed total
 * rate R, message n at t0 + n/R for family n % F; latency is measured from
 * that intended time, so a server (or load generator) that falls behind
 * shows it instead of hiding it (no coordinated omission).  The time from
 * the intended send to the actual write is reported too ("send lag"): that
 * part is the load generator's own (it wakes once a millisecond at most).
 *
 * Each run: connect everything, warm up, measure for the duration, stop
 * sending, drain (messages still incomplete after DRAIN_S are lost).  The
 * same run is made against Indgang and then the reference.
 *
 * With --push-port (run.sh families --push), two more runs against Indgang
 * after every adviser subscribed to the local push service: "notifications
 * on" (advisers connected but not reading: every message is also a Web Push
 * to each adviser), and "advisers away" (only the members are connected; a
 * message counts once acked, and its notifications are what is measured).
 */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAIN_S           10.0
#define OPEN_LOOP_CAP     256 /* messages in flight per family before sends are skipped */
#define OPEN_LOOP_TICK_US 1000
#define GOT_ALL           7 /* ack | first adviser | second adviser */
#define GOT_ACK           1

struct slot {
	int64_t t0, t_ack, t_adv;
	uint32_t seq; /* 0: free */
	uint8_t got;
};

struct fam {
	struct slot *ring; /* cap slots, seq & (cap - 1) */
	uint32_t next_seq;
	unsigned inflight;
};

struct run {
	struct bench *b;
	const struct target *t;
	const struct world *w;
	int F, A, X;
	struct conn *conns; /* F members, A advisers, X idle members */
	struct fam *fams;
	unsigned cap;
	bool sending;
	int64_t m0, m1; /* the measured window */
	lws_sorted_usec_list_t sul;
	uint64_t n_due;
	int64_t ol_start;
	double interval_us;
	uint64_t sent, completed, completed_window, inflight;
	struct hist ack, all, lag;
	struct usage use;
	struct bench_errs err;
	int ready;
	uint8_t got_all;    /* what completes a message: GOT_ALL, or GOT_ACK with advisers away */
	bool advisers_away; /* the advisers are not connected */
	bool push;          /* count notifications in the window (push.c) */
	struct push_snap p0, p1;
	int64_t tp0, tp1;
	struct proc_sample svc0, svc1; /* the local push service */
};

static void fam_send(struct run *r, uint32_t f, int64_t t0)
{
	struct fam *fam = &r->fams[f];
	if (fam->inflight >= r->cap) {
		r->b->err.overrun++;
		return;
	}
	uint32_t seq = ++fam->next_seq;
	struct slot *s = &fam->ring[seq & (r->cap - 1)];
	if (s->seq != 0) { /* an old message that never completed */
		r->b->err.lost++;
		fam->inflight--;
		r->inflight--;
	}
	*s = (struct slot){.t0 = t0, .seq = seq};
	fam->inflight++;
	r->inflight++;
	r->sent++;
	struct op op = {.type = OP_SEND, .fam = f, .seq = seq};
	conn_push(&r->conns[f], &op);
}

static bool in_window(const struct run *r, int64_t t)
{
	return t >= r->m0 && t < r->m1;
}

static void slot_complete(struct run *r, uint32_t f, struct slot *s)
{
	int64_t done = s->t_ack > s->t_adv ? s->t_ack : s->t_adv;
	if (in_window(r, s->t0)) {
		hist_record(&r->ack, s->t_ack - s->t0);
		hist_record(&r->all, s->t_adv - s->t0);
	}
	if (in_window(r, done))
		r->completed_window++;
	r->completed++;
	s->seq = 0;
	r->fams[f].inflight--;
	r->inflight--;
	if (r->sending && r->b->o.rate <= 0)
		fam_send(r, f, now_us());
}

/* The slot of (f, seq), or NULL (and counted) when it is not in flight. */
static struct slot *slot_of(struct run *r, uint32_t f, uint32_t seq)
{
	if (f >= (uint32_t)r->F) {
		r->b->err.unexpected++;
		return NULL;
	}
	struct slot *s = &r->fams[f].ring[seq & (r->cap - 1)];
	if (s->seq != seq) {
		r->b->err.unexpected++;
		return NULL;
	}
	return s;
}

static void on_ack(struct conn *c, uint32_t f, uint32_t seq, int64_t at)
{
	struct run *r = c->owner;
	struct slot *s = slot_of(r, f, seq);
	if (s == NULL || c->id != (int)f || (s->got & 1)) {
		r->b->err.unexpected += s != NULL;
		return;
	}
	s->got |= 1;
	s->t_ack = at;
	if (s->got == r->got_all)
		slot_complete(r, f, s);
}

static void on_message(struct conn *c, uint32_t f, uint32_t seq, int64_t at)
{
	struct run *r = c->owner;
	struct slot *s = slot_of(r, f, seq);
	if (s == NULL)
		return;
	int k = c->id - r->F;
	const struct world_fam *wf = &r->w->fam[f];
	uint8_t bit = k == wf->adv[0] ? 2 : k == wf->adv[1] ? 4 : 0;
	if (bit == 0 || (s->got & bit)) {
		r->b->err.unexpected++;
		return;
	}
	s->got |= bit;
	if (at > s->t_adv)
		s->t_adv = at;
	if (s->got == r->got_all)
		slot_complete(r, f, s);
}

static void on_sent(struct conn *c, const struct op *op, int64_t at)
{
	struct run *r = c->owner;
	if (op->type != OP_SEND)
		return;
	const struct slot *s = &r->fams[op->fam].ring[op->seq & (r->cap - 1)];
	if (s->seq == op->seq && in_window(r, s->t0))
		hist_record(&r->lag, at - s->t0);
}

static const struct conn_events events = {
    .ack = on_ack,
    .message = on_message,
    .sent = on_sent,
};

/* ---- Open loop ---------------------------------------------------------------- */

static void open_loop_fire(lws_sorted_usec_list_t *sul)
{
	struct run *r = lws_container_of(sul, struct run, sul);
	int64_t now = now_us();
	while (r->sending) {
		int64_t due = r->ol_start + (int64_t)((double)r->n_due * r->interval_us);
		if (due > now) {
			/* lws's timers have millisecond resolution (libuv's too):
			 * wake at most once a millisecond and send whatever is due
			 * then, rather than spin.  The wait shows as "send lag". */
			int64_t wait = due - now + OPEN_LOOP_TICK_US - 1;
			lws_sul_schedule(r->b->ctx, 0, &r->sul, open_loop_fire,
			                 wait - wait % OPEN_LOOP_TICK_US);
			return;
		}
		fam_send(r, (uint32_t)(r->n_due % (uint64_t)r->F), due);
		r->n_due++;
	}
}

/* ---- One run against one target ------------------------------------------------- */

static unsigned pow2_at_least(unsigned n)
{
	unsigned p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

static int run_alloc(struct run *r)
{
	const struct bench_opts *o = &r->b->o;
	r->cap = pow2_at_least(o->rate > 0 ? OPEN_LOOP_CAP : (unsigned)o->window);
	r->conns = calloc((size_t)(r->F + r->A + r->X), sizeof *r->conns);
	r->fams = calloc((size_t)r->F, sizeof *r->fams);
	if (r->conns == NULL || r->fams == NULL)
		return -1;
	/* Every run of the process sends client_ids of its own: the same id
	 * again would be answered as a resend, and never delivered. */
	static uint32_t runs_made;
	uint32_t base = (runs_made++ & 31u) << 27;
	for (int f = 0; f < r->F; f++) {
		if ((r->fams[f].ring = calloc(r->cap, sizeof(struct slot))) == NULL)
			return -1;
		r->fams[f].next_seq = base;
	}
	for (int i = 0; i < r->F + r->A + r->X; i++) {
		struct conn *c = &r->conns[i];
		c->b = r->b;
		c->ev = &events;
		c->owner = r;
		c->t = r->t;
		c->id = i;
		if (i < r->F || i >= r->F + r->A) {
			const struct world_fam *wf = &r->w->fam[i < r->F ? i : i - r->A];
			c->token = wf->token;
			c->conv = wf->conv;
			c->peer[0] = r->F + wf->adv[0];
			c->peer[1] = r->F + wf->adv[1];
		} else {
			c->token = r->w->adv[i - r->F].token;
		}
	}
	return 0;
}

static void run_free(struct run *r)
{
	for (int i = 0; r->conns && i < r->F + r->A + r->X; i++)
		conn_free(&r->conns[i]);
	for (int f = 0; r->fams && f < r->F; f++)
		free(r->fams[f].ring);
	free(r->conns);
	free(r->fams);
}

static bool reached(void *arg)
{
	return now_us() >= *(int64_t *)arg;
}

static bool drained(void *arg)
{
	return ((struct run *)arg)->inflight == 0;
}

static void run_traffic(struct run *r)
{
	struct bench *b = r->b;
	int64_t start = now_us();
	r->m0 = start + (int64_t)(b->o.warmup * 1e6);
	r->m1 = r->m0 + (int64_t)(b->o.duration * 1e6);
	r->sending = true;
	if (b->o.rate > 0) {
		r->ol_start = start;
		r->interval_us = 1e6 / b->o.rate;
		open_loop_fire(&r->sul);
	} else {
		for (int f = 0; f < r->F; f++)
			for (int k = 0; k < b->o.window; k++)
				fam_send(r, (uint32_t)f, start);
	}
	bench_wait(b, reached, &r->m0, b->o.warmup + 1);
	if (r->push) {
		push_snapshot(b, &r->p0);
		r->tp0 = now_us();
		proc_sample(b->o.push_pid, &r->svc0);
	}
	usage_begin(&r->use, r->t->pid);
	bench_wait(b, reached, &r->m1, b->o.duration + 1);
	usage_end(&r->use, r->t->pid);
	if (r->push) {
		push_snapshot(b, &r->p1);
		r->tp1 = now_us();
		proc_sample(b->o.push_pid, &r->svc1);
	}
	r->sending = false;
	lws_sul_cancel(&r->sul);
	if (!bench_wait(b, drained, r, DRAIN_S)) {
		b->err.lost += r->inflight;
		bench_note(b, "%s: %llu messages incomplete %.0f s after the end", r->t->name,
		           (unsigned long long)r->inflight, DRAIN_S);
	}
}

/* Opens the connections the run uses (the advisers' only when they are
 * present); the number ready. */
static int open_conns(struct run *r)
{
	struct bench *b = r->b;
	int n = r->F + r->A + r->X;
	if (!r->advisers_away)
		return conns_open_all(b, r->conns, n, 200, 60 + n / 100.0);
	return conns_open_all(b, r->conns, r->F, 200, 60 + r->F / 100.0) +
	       conns_open_all(b, r->conns + r->F + r->A, r->X, 200, 60 + r->X / 100.0);
}

static int run_target(struct bench *b, const struct world *w, const struct target *t, struct run *r,
                      bool push, bool advisers_away)
{
	memset(r, 0, sizeof *r);
	r->b = b;
	r->t = t;
	r->w = w;
	r->push = push;
	r->advisers_away = advisers_away;
	r->got_all = advisers_away ? GOT_ACK : GOT_ALL;
	r->F = b->o.families;
	r->A = w->n_adv;
	r->X = w->n_fam - b->o.families;
	hist_init(&r->ack);
	hist_init(&r->all);
	hist_init(&r->lag);
	memset(&b->err, 0, sizeof b->err);
	int rc = run_alloc(r);
	int n = r->F + r->A + r->X, want = advisers_away ? n - r->A : n;
	if (rc == 0)
		r->ready = open_conns(r);
	fprintf(stderr, "indgang-bench: %s: %d of %d connections ready\n", t->name, r->ready, want);
	if (rc == 0 && r->ready == want)
		run_traffic(r);
	else
		rc = -1;
	conns_drop_all(b, r->conns, n);
	r->err = b->err;
	run_free(r);
	return rc;
}

/* ---- Report ----------------------------------------------------------------------- */

static double rate_of(const struct run *r)
{
	return r->b && r->b->o.duration > 0 ? (double)r->completed_window / r->b->o.duration : 0;
}

/* CPU microseconds per completed message in the measured window. */
static double us_per_msg(const struct run *r, bool server)
{
	const struct usage *u = &r->use;
	double cpu =
	    server ? proc_cpu_between(&u->srv0, &u->srv1) : proc_cpu_between(&u->me0, &u->me1);
	return r->completed_window ? 1e6 * cpu / (double)r->completed_window : 0;
}

static json_t *run_json(const struct run *r)
{
	return json_pack("{s:f, s:I, s:I, s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "msgs_per_s",
	                 rate_of(r), "sent", (json_int_t)r->sent, "completed",
	                 (json_int_t)r->completed, "server_cpu_us_per_msg", us_per_msg(r, true),
	                 "bench_cpu_us_per_msg", us_per_msg(r, false), "ack_ms",
	                 report_lat_json(&r->ack), "all_ms", report_lat_json(&r->all),
	                 "send_lag_ms", report_lat_json(&r->lag), "usage",
	                 report_usage_json(&r->use), "errors", report_errs_json(&r->err));
}

static void report(struct bench *b, const struct run *g, const struct run *ref, bool with_ref)
{
	const struct bench_opts *o = &b->o;
	char title[320], extra[64] = "";
	if (o->idle_extra > 0)
		snprintf(extra, sizeof extra, ", %d more idle members connected", o->idle_extra);
	if (o->rate > 0)
		snprintf(title, sizeof title,
		         "families, open loop: %d families, %d advisers, %.0f msg/s offered, "
		         "%d-byte bodies, %.0f s measured%s",
		         o->families, o->advisers, o->rate, o->body, o->duration, extra);
	else
		snprintf(title, sizeof title,
		         "families, closed loop: %d families, %d advisers, %d in flight per "
		         "sender, %d-byte bodies, %.0f s measured%s",
		         o->families, o->advisers, o->window, o->body, o->duration, extra);
	report_header(title, with_ref);
	report_row("acked + delivered", "msgs/s", rate_of(g), rate_of(ref), with_ref, true);
	report_lat_rows("send->ack", &g->ack, &ref->ack, with_ref);
	report_lat_rows("send->both advisers", &g->all, &ref->all, with_ref);
	report_lat_rows("send lag (generator)", &g->lag, &ref->lag, with_ref);
	report_usage_rows(&g->use, with_ref ? &ref->use : NULL, with_ref);
	report_row("server CPU per message", "(us)", us_per_msg(g, true), us_per_msg(ref, true),
	           with_ref, true);
	report_row("load generator CPU per message", "(us)", us_per_msg(g, false),
	           us_per_msg(ref, false), with_ref, true);
	report_errs_row(&g->err, with_ref ? &ref->err : NULL, with_ref);
	struct hist fs;
	fsync_probe(o->db, o->smoke ? 20 : 300, &fs);
	report_lat_brief("disk: 4 KiB write + fsync", &fs);
	json_t *root =
	    json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:i, s:f, s:f, s:o}", "scenario", "families",
	              "mode", o->rate > 0 ? "open" : "closed", "families", o->families, "advisers",
	              o->advisers, "window", o->window, "rate", o->rate, "body_bytes", o->body,
	              "warmup_s", o->warmup, "duration_s", o->duration, "indgang", run_json(g));
	json_object_set_new(root, "idle_extra", json_integer(o->idle_extra));
	json_object_set_new(root, "fsync_ms", report_lat_json(&fs));
	if (with_ref) {
		json_object_set_new(root, "reference", run_json(ref));
		json_object_set_new(root, "ratio_msgs_per_s",
		                    json_real(rate_of(ref) > 0 ? rate_of(g) / rate_of(ref) : 0));
	}
	report_emit(b, root);
}

/* ---- Web Push ---------------------------------------------------------------------- */

static double push_rate(const struct run *r)
{
	double s = (double)(r->tp1 - r->tp0) / 1e6;
	return s > 0 ? (double)push_count(&r->p0, &r->p1) / s : 0;
}

/* Server CPU microseconds per notification answered in the window. */
static double us_per_push(const struct run *r)
{
	uint64_t n = push_count(&r->p0, &r->p1);
	return n ? 1e6 * proc_cpu_between(&r->use.srv0, &r->use.srv1) / (double)n : 0;
}

/* The local push service's CPU over the window, % of one core: it shares
 * the machine with what is measured (a real push service does not). */
static double push_service_pct(const struct run *r)
{
	double s = (double)(r->tp1 - r->tp0) / 1e6;
	return r->svc0.ok && r->svc1.ok && s > 0 ? 100 * proc_cpu_between(&r->svc0, &r->svc1) / s
	                                         : 0;
}

static json_t *push_json(const struct run *r)
{
	return json_pack("{s:f, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:o}", "msgs_per_s", rate_of(r),
	                 "notifications", (json_int_t)push_count(&r->p0, &r->p1), "refused",
	                 (json_int_t)(r->p1.refused - r->p0.refused), "notifications_per_s",
	                 push_rate(r), "server_cpu_us_per_notification", us_per_push(r),
	                 "commit_to_push_p50_ms", push_quantile(&r->p0, &r->p1, 0.5),
	                 "commit_to_push_p99_ms", push_quantile(&r->p0, &r->p1, 0.99),
	                 "push_service_cpu_pct", push_service_pct(r), "errors",
	                 report_errs_json(&r->err));
}

static void push_rows(const char *label, const struct run *r)
{
	char name[80];
	snprintf(name, sizeof name, "%s: local push service CPU", label);
	report_row(name, "(% of one core)", push_service_pct(r), 0, false, false);
	snprintf(name, sizeof name, "%s: notifications", label);
	report_row(name, "/s", push_rate(r), 0, false, false);
	snprintf(name, sizeof name, "%s: server CPU per notification", label);
	report_row(name, "(us)", us_per_push(r), 0, false, false);
	printf("%-40s p50 %.1f, p99 %.1f ms (%llu answered, %llu refused)\n",
	       "  commit -> push service's answer", push_quantile(&r->p0, &r->p1, 0.5),
	       push_quantile(&r->p0, &r->p1, 0.99), (unsigned long long)push_count(&r->p0, &r->p1),
	       (unsigned long long)(r->p1.refused - r->p0.refused));
}

/* Server CPU microseconds a notification adds: the CPU per message with
 * every adviser away, notifications on less off, over the notifications per
 * message. */
static double us_per_push_added(const struct run *off, const struct run *on)
{
	uint64_t n = push_count(&on->p0, &on->p1);
	double per_msg = us_per_msg(on, true) - us_per_msg(off, true);
	return n ? per_msg * (double)on->completed_window / (double)n : 0;
}

/* Notifications on (advisers connected, not reading) against off, the runs
 * just before and after it, so that what the database grew by between them
 * weighs on both alike; and every adviser away, off and on.  g: the
 * scenario's own first run, for comparison. */
static void push_report(struct bench *b, const struct run *g, const struct run *off_before,
                        const struct run *on, const struct run *off_after,
                        const struct run *away_off, const struct run *away)
{
	double off = (rate_of(off_before) + rate_of(off_after)) / 2;
	double ratio = off > 0 ? rate_of(on) / off : 0;
	report_header("Web Push: every adviser subscribed to the local push service", false);
	report_row("acked + delivered, first run (fresh database)", "msgs/s", rate_of(g), 0, false,
	           false);
	report_row("acked + delivered, notifications off", "msgs/s", rate_of(off_before), 0, false,
	           false);
	report_row("acked + delivered, notifications on", "msgs/s", rate_of(on), 0, false, false);
	report_row("acked + delivered, off again after", "msgs/s", rate_of(off_after), 0, false,
	           false);
	printf("%-40s %14.2f\n", "  on / off (mean of before and after)", ratio);
	report_lat_rows("send->both advisers, notifications on", &on->all, NULL, false);
	push_rows("advisers online", on);
	report_row("advisers away: acked", "msgs/s", rate_of(away), 0, false, false);
	push_rows("advisers away", away);
	report_row("  server CPU per message, off", "(us)", us_per_msg(away_off, true), 0, false,
	           false);
	report_row("  server CPU per message, on", "(us)", us_per_msg(away, true), 0, false, false);
	report_row("  server CPU a notification adds", "(us)", us_per_push_added(away_off, away), 0,
	           false, false);
	report_errs_row(&on->err, NULL, false);
	report_errs_row(&away->err, NULL, false);
	json_t *root = json_pack(
	    "{s:s, s:s, s:i, s:i, s:f, s:f, s:f, s:o, s:o}", "scenario", "families-push", "mode",
	    b->o.rate > 0 ? "open" : "closed", "families", b->o.families, "advisers", b->o.advisers,
	    "rate", b->o.rate, "msgs_per_s_notifications_off", rate_of(off_before), "on_off_ratio",
	    ratio, "notifications_on", push_json(on), "advisers_away", push_json(away));
	json_object_set_new(root, "msgs_per_s_notifications_off_after",
	                    json_real(rate_of(off_after)));
	json_object_set_new(root, "msgs_per_s_first_run", json_real(rate_of(g)));
	json_object_set_new(root, "advisers_away_off_server_cpu_us_per_msg",
	                    json_real(us_per_msg(away_off, true)));
	json_object_set_new(root, "server_cpu_us_added_per_notification",
	                    json_real(us_per_push_added(away_off, away)));
	report_emit(b, root);
}

/* The Web Push runs after g, in this order: advisers away and off; off;
 * subscribed and on; off again without the subscriptions; subscribed again
 * and away.  "On" sits between its two "off" runs: the database grows with
 * every run, and the first run on a fresh one (g) is the fastest by far.
 * Their errors count like g's. */
static int push_runs(struct bench *b, const struct world *w, const struct target *tg,
                     const struct run *g)
{
	enum { AWAY_OFF, OFF_BEFORE, ON, OFF_AFTER, AWAY, RUNS };
	struct run *v = calloc(RUNS, sizeof *v);
	int64_t *subs = calloc((size_t)w->n_adv + 1, sizeof *subs);
	int rc = v && subs ? run_target(b, w, tg, &v[AWAY_OFF], true, true) : -1;
	if (rc == 0)
		rc = run_target(b, w, tg, &v[OFF_BEFORE], true, false);
	if (rc == 0)
		rc = push_subscribe_advisers(b, w, subs);
	if (rc == 0)
		rc = run_target(b, w, tg, &v[ON], true, false);
	if (rc == 0)
		rc = push_unsubscribe_advisers(b, w, subs);
	if (rc == 0)
		rc = run_target(b, w, tg, &v[OFF_AFTER], true, false);
	if (rc == 0)
		rc = push_subscribe_advisers(b, w, subs);
	if (rc == 0)
		rc = run_target(b, w, tg, &v[AWAY], true, true);
	if (rc == 0) {
		push_report(b, g, v + OFF_BEFORE, v + ON, v + OFF_AFTER, v + AWAY_OFF, v + AWAY);
		for (int i = 0; i < RUNS; i++)
			if (bench_err_total(&v[i].err))
				rc = -1;
	}
	free(subs);
	free(v);
	return rc;
}

int scenario_families(struct bench *b)
{
	struct world w;
	const struct bench_opts *o = &b->o;
	if (world_create(b, &w, o->families + o->idle_extra, o->advisers) != 0)
		return 1;
	int rc = world_login_advisers(b, &w, 0, w.n_adv);
	if (rc == 0)
		rc = world_enrol_members(b, &w, 0, w.n_fam);
	struct target tg = {"indgang", o->port, false, o->server_pid};
	struct target tr = {"reference", o->ref_port, true, o->ref_pid};
	struct run *g = calloc(2, sizeof *g), *ref = g + 1;
	bool with_ref = o->ref_port > 0;
	if (rc == 0 && g != NULL) {
		rc = run_target(b, &w, &tg, g, false, false);
		if (with_ref && run_target(b, &w, &tr, ref, false, false) != 0)
			rc = -1;
		report(b, g, ref, with_ref);
		if (bench_err_total(&g->err) || (with_ref && bench_err_total(&ref->err)))
			rc = -1;
		if (rc == 0 && o->push_port > 0 && push_runs(b, &w, &tg, g) != 0)
			rc = -1;
	}
	free(g);
	world_free(&w);
	return rc == 0 ? 0 : 1;
}
