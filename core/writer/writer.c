/*
 * writer.c - the writer thread: group commit.
 *
 * Every write of the WebSocket side (messages, read positions, access log
 * rows) is a job on write_q.  The writer takes all jobs waiting (up to
 * WRITER_BATCH), runs them in one transaction, one savepoint each, and
 * commits once: one fsync for the whole batch.  Only after the COMMIT
 * returns are the jobs handed back to the loop (done_q + hooks.wake), which
 * acks and fans out.  While a commit is in progress new jobs queue up and
 * form the next batch, so the batch grows with the load.
 *
 * When COMMIT fails, no job of the batch is acknowledged (ERR_UNAVAILABLE);
 * the rows may still be on disk, which is why a resend looks up client_id
 * first and answers with the original message.
 *
 * The loop's ways in are writer_submit() and two helpers that make a job of
 * contact-log rows: writer_log_later() (a refusal nobody waits for) and
 * writer_reply_after_access_log() (a staff read whose reply waits for its
 * `access` rows).  Checkpoints between batches: checkpoint.c.
 */
#include "writer_int.h"

#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../kannel/kannel.h"
#include "../service/service.h"
#include "../session/session_int.h"

#define WRITER_BATCH        1024
#define WRITER_RELEASE_MAX  64 /* scheduled messages sent per job; the next tick takes more */
#define WRITER_ESCALATE_MAX 64 /* waits looked at per job, likewise */
#define WRITER_VACUUM_PAGES 64 /* free pages given back per retention turn (256 KiB) */

/*
 * The retention rules' turn (JOB_RETAIN, issue 16) is the writer's idle
 * work.  It is held aside when it arrives and done RETAIN_CHUNK rows at a
 * time while no other job waits; what arrives meanwhile joins the same
 * transaction, so a message waits for one chunk of 16 rows instead of a
 * whole turn of retention_batch rows, and shares its fsync.
 * Only when the queue has not been empty for RETAIN_STARVED_MS does a chunk
 * join a busy batch, so that a saturated writer still deletes.  The turn
 * goes back to the loop once done, and the tick hands over the next.
 */
#define RETAIN_CHUNK      16
#define RETAIN_STARVED_MS 1000

struct idle_work {
	struct job *retain; /* the turn held, or NULL */
	int64_t since_ms;   /* when it last did a chunk (or arrived) */
	bool over;          /* it is done: back to the loop */
};

static void run_job(struct store *s, struct job *j, int64_t now)
{
	switch (j->type) {
	case JOB_SEND:
		j->err = svc_send_with(
		    s, &j->user, j->conv, j->kind, j->no_sms ? SVC_SEND_NO_SMS : 0, j->body,
		    &(struct svc_files){j->attach, j->n_attach}, j->client_id, now, &j->sent);
		break;
	case JOB_READ:
		j->err = svc_read(s, &j->user, j->conv, j->upto, now, &j->receipt);
		break;
	case JOB_LOG:
		j->err = ERR_OK;
		for (size_t i = 0; i < j->n_families && j->err == ERR_OK; i++)
			j->err = strcmp(j->log_kind, "denied") == 0
			             ? svc_log_denied(s, &j->user, j->families[i], j->conv, now,
			                              j->detail)
			             : svc_log_access(s, &j->user, j->families[i], j->conv, now,
			                              j->detail);
		break;
	case JOB_HTTP:
	case JOB_WELCOME:
	case JOB_NOTICE: /* not the writer's */
		j->err = ERR_INTERNAL;
		break;
	case JOB_TOUCH:
		j->err = lifetime_touch_run(s, j);
		break;
	case JOB_RELEASE:
		j->err = svc_schedule_release(s, now, WRITER_RELEASE_MAX, &j->released);
		break;
	case JOB_PUSHED:
		j->err = svc_push_record(s, j->pushed, j->n_pushed, now, &j->pushed_left);
		break;
	case JOB_SMS_CLAIM:
		j->err = svc_sms_claim(s, j->sms_policy, now, KANNEL_BATCH, &j->sms);
		break;
	case JOB_SMS_SENT:
		j->err = svc_sms_record(s, &j->sms, now);
		break;
	case JOB_OP:
		j->err = j->op(s, j->op_arg);
		break;
	case JOB_DELIVERED:
		j->err =
		    svc_delivered(s, &j->user, j->device_id, j->conv, j->upto, now, &j->delivery);
		break;
	case JOB_HANDLED:
		j->err = svc_handled(s, &j->user, j->conv, j->upto, now, &j->waiting);
		break;
	case JOB_CHANGE:
		j->err = j->body ? svc_correct(s, &j->user, j->message, j->body, now, &j->changed)
		                 : svc_withdraw(s, &j->user, j->message, now, &j->changed);
		break;
	case JOB_ESCALATE:
		j->err = svc_escalate(s, now, WRITER_ESCALATE_MAX, &j->escalated);
		break;
	case JOB_RETAIN: /* the writer's idle work: retain_chunk() */
		j->err = ERR_INTERNAL;
		break;
	}
}

/* Refusals (not found, forbidden, bad input) keep their "denied" log row;
 * anything else undoes the job's partial work. */
static bool job_keeps_writes(int err)
{
	return err == ERR_OK || err == ERR_FORBIDDEN || err == ERR_NOT_FOUND ||
	       err == ERR_BAD_REQUEST;
}

static void fail_batch(struct job *batch, int err)
{
	for (struct job *j = batch; j; j = j->next) {
		j->err = err;
		svc_sent_clear(&j->sent);
		svc_receipt_clear(&j->receipt);
		svc_released_clear(&j->released);
		svc_delivery_clear(&j->delivery);
		svc_waiting_clear(&j->waiting);
		svc_escalated_clear(&j->escalated);
		svc_changed_clear(&j->changed);
		if (j->type == JOB_SMS_CLAIM)
			svc_sms_batch_clear(&j->sms);
	}
}

static int64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t batch_length(const struct job *batch)
{
	size_t n = 0;
	for (const struct job *j = batch; j; j = j->next)
		n++;
	return n;
}

/* A full disk refuses batch after batch until there is room: one log line
 * per REFUSAL_LOG_MS with the count since the last one (refused=), not one
 * per batch, which would fill the journal as fast as the disk was filled. */
#define REFUSAL_LOG_MS 10000

/*
 * The batch was not committed: nobody is acknowledged (ERR_UNAVAILABLE).  A
 * full disk rolls back cleanly and the next batch may commit once there is
 * room, so the writer goes on; after an I/O error (a failed fsync) the
 * file's state is unknown and a retried fsync can lie, so the hub stops
 * acknowledging for good and the gateway shuts down.
 */
static void refuse_batch(struct hub *h, struct store *s, struct job *batch, const char *event)
{
	bool io = store_failed_io(s), full = !io && store_disk_full(s);
	int64_t now = text_now_ms();
	char why[256];
	metrics_inc(h->metrics, MC_COMMIT_FAILURES);
	h->refusals_unlogged++;
	if (!full || now - h->refusal_logged_at >= REFUSAL_LOG_MS) {
		hub_log(h, HUB_LOG_ERROR, event, "jobs=%zu refused=%llu error=%s io_error=%s%s",
		        batch_length(batch), (unsigned long long)h->refusals_unlogged,
		        hub_log_quote(why, sizeof why, store_errmsg(s)), io ? "yes" : "no",
		        io     ? " action=shutdown"
		        : full ? " disk_full=yes action=refuse_until_room"
		               : "");
		h->refusal_logged_at = now;
		h->refusals_unlogged = 0;
	}
	store_rollback(s);
	fail_batch(batch, ERR_UNAVAILABLE);
	atomic_store(&h->writable, false);
	if (io)
		atomic_store(&h->failed, true);
}

/* One chunk of the held retention turn in its own savepoint: sweeps first
 * when the turn was asked to, then deletes; gives free pages back once a
 * turn deleted nothing (while deleting, new messages reuse them, and moving
 * pages meanwhile doubled the writes: docs/performance.md).  Sets w->over. */
static void retain_chunk(struct store *s, struct idle_work *w, int64_t now)
{
	struct job *j = w->retain;
	if (store_savepoint(s) != ERR_OK) {
		j->err = ERR_UNAVAILABLE;
		w->over = true;
		return;
	}
	int err = ERR_OK;
	if (j->sweep) {
		err = svc_retention_sweep(s, &j->retention, now, j->retain_max, &j->swept);
		j->sweep = false;
	}
	struct svc_retained c = {0};
	int64_t left = j->retain_max - j->retained.rows;
	if (err == ERR_OK)
		err = svc_retention_run(s, &j->retention, now,
		                        (int)(left < RETAIN_CHUNK ? left : RETAIN_CHUNK), &c);
	if (err == ERR_OK && c.family != 0) {
		int64_t rows = j->retained.rows + c.rows;
		j->retained = c;
		j->retained.rows = rows;
	}
	w->over = err != ERR_OK || c.finished || c.rows == 0 || j->retained.rows >= j->retain_max;
	if (err == ERR_OK && w->over && j->retained.rows == 0)
		err = store_vacuum_step(s, WRITER_VACUUM_PAGES, &j->vacuum_left);
	else if (w->over)
		j->vacuum_left = 1; /* look again after it */
	j->err = err;
	if (job_keeps_writes(err))
		store_release(s);
	else
		store_rollback_to(s);
}

/* The batch's jobs, one savepoint each; false when SQLite rolled the whole
 * transaction back (full disk or I/O error inside a statement): running on
 * would commit job by job. */
static bool run_batch(struct store *s, struct job *batch, int64_t now)
{
	for (struct job *j = batch; j; j = j->next) {
		if (store_savepoint(s) != ERR_OK) {
			j->err = ERR_UNAVAILABLE;
			continue;
		}
		run_job(s, j, now);
		if (!store_in_transaction(s))
			return false;
		if (j->type == JOB_OP ? svc_keeps_writes(j->err) : job_keeps_writes(j->err))
			store_release(s);
		else
			store_rollback_to(s);
	}
	return true;
}

/* The held retention turn's share of this transaction: chunks while nobody
 * waits (then whatever arrived joins *batch), one chunk in a busy batch
 * once it has starved.  False as run_batch. */
static bool run_idle_work(struct hub *h, struct store *s, struct job **batch, struct idle_work *w,
                          int64_t now)
{
	bool alone = *batch == NULL;
	if (w->retain == NULL ||
	    (!alone && monotonic_us() / 1000 - w->since_ms < RETAIN_STARVED_MS))
		return true;
	do {
		retain_chunk(s, w, now);
		if (!store_in_transaction(s))
			return false;
	} while (alone && !w->over && !job_queue_waiting(&h->write_q));
	w->since_ms = monotonic_us() / 1000;
	if (!alone || w->over)
		return true;
	*batch = job_queue_take(&h->write_q, WRITER_BATCH, false);
	metrics_gauge_add(h->metrics, MG_WRITE_QUEUE, -(int64_t)batch_length(*batch));
	return run_batch(s, *batch, text_now_ms());
}

/* False when refused (refuse_batch). */
static bool commit_batch(struct hub *h, struct store *s, struct job **batch, struct idle_work *w)
{
	int64_t now = text_now_ms(), t0 = monotonic_us(), changes = store_total_changes(s);
	if (store_begin(s) != ERR_OK) {
		refuse_batch(h, s, *batch, "begin_failed");
		return false;
	}
	if (!run_batch(s, *batch, now) || !run_idle_work(h, s, batch, w, now) ||
	    store_commit(s) != ERR_OK) {
		refuse_batch(h, s, *batch, "commit_failed");
		return false;
	}
	metrics_inc(h->metrics, MC_COMMITS);
	metrics_commit(h->metrics, monotonic_us() - t0, batch_length(*batch));
	checkpoint_after_commit(h, s);
	/* Only a commit that wrote something shows the disk takes writes again:
	 * a batch of jobs that changed nothing commits on a full disk too. */
	if (store_total_changes(s) != changes && !atomic_exchange(&h->writable, true)) {
		hub_log(h, HUB_LOG_INFO, "writes_resumed", "jobs=%zu refused_unlogged=%llu",
		        batch_length(*batch), (unsigned long long)h->refusals_unlogged);
		h->refusals_unlogged = 0;
		h->refusal_logged_at = 0; /* the next full disk is logged at once */
	}
	return true;
}

/* Jobs back to whoever waits for them: their thread, or the loop. */
static void hand_back(struct hub *h, struct job *j)
{
	while (j) {
		struct job *next = j->next;
		if (j->done != NULL)
			j->done(j);
		else
			job_queue_push(&h->done_q, j);
		j = next;
	}
	h->hooks.wake(h->hooks.ctx);
}

/* The retention turn out of a batch, to be held as idle work. */
static struct job *take_retain(struct job **batch)
{
	for (struct job **p = batch; *p; p = &(*p)->next)
		if ((*p)->type == JOB_RETAIN) {
			struct job *j = *p;
			*p = j->next;
			j->next = NULL;
			return j;
		}
	return NULL;
}

/* One round: a batch (or, with a turn held and nothing queued, idle work)
 * committed or refused, and what is done handed back. */
static void writer_round(struct hub *h, struct store *s, struct job *batch, struct idle_work *w)
{
	metrics_gauge_add(h->metrics, MG_WRITE_QUEUE, -(int64_t)batch_length(batch));
	if (w->retain == NULL && (w->retain = take_retain(&batch)) != NULL) {
		w->since_ms = monotonic_us() / 1000;
		w->over = false;
	}
	bool committed = false;
	if (s && !atomic_load(&h->failed))
		committed = commit_batch(h, s, &batch, w);
	else
		fail_batch(batch, ERR_UNAVAILABLE);
	if (w->retain && (w->over || !committed)) {
		if (!committed)
			w->retain->err =
			    ERR_UNAVAILABLE; /* this transaction's chunks were undone */
		w->retain->next = batch;
		batch = w->retain;
		w->retain = NULL;
	}
	if (batch)
		hand_back(h, batch);
}

static void *writer_main(void *arg)
{
	struct hub *h = arg;
	prctl(PR_SET_NAME, "indgang-writer"); /* its name in top -H, ps -L, /proc */
	struct store *s;
	if (store_open(h->cfg.db_path, &s) != ERR_OK) {
		char path[512];
		hub_log(h, HUB_LOG_ERROR, "writer_open_failed", "db=%s",
		        hub_log_quote(path, sizeof path, h->cfg.db_path));
		atomic_store(&h->writable, false);
		s = NULL;
	} else {
		store_defer_checkpoints(s); /* checkpoint.c: after commits, errors seen */
		if (store_cache_enable(s) != ERR_OK)
			hub_log(h, HUB_LOG_WARNING, "audience_cache_unavailable", "action=%s",
			        "query_every_time");
	}
	struct idle_work w = {0};
	for (;;) {
		/* with a turn held the writer does not sleep: it works on it */
		struct job *batch = job_queue_take(&h->write_q, WRITER_BATCH, w.retain == NULL);
		if (batch == NULL && (w.retain == NULL || job_queue_closed(&h->write_q)))
			break;
		writer_round(h, s, batch, &w);
	}
	if (w.retain)
		hand_back(h, w.retain); /* stopping: what its chunks did is committed */
	store_close(s);
	return NULL;
}

int writer_start(struct hub *h)
{
	if (pthread_create(&h->writer, NULL, writer_main, h) != 0)
		return ERR_INTERNAL;
	h->writer_started = true;
	return ERR_OK;
}

void writer_stop(struct hub *h)
{
	job_queue_close(&h->write_q);
	if (h->writer_started)
		pthread_join(h->writer, NULL);
	h->writer_started = false;
}

void writer_submit_any(struct hub *h, struct job *j)
{
	j->uncounted = true;
	metrics_gauge_add(h->metrics, MG_WRITE_QUEUE, 1);
	job_queue_push(&h->write_q, j);
}

void writer_submit(struct hub *h, struct job *j)
{
	h->inflight++;
	metrics_gauge_add(h->metrics, MG_WRITE_QUEUE, 1);
	job_queue_push(&h->write_q, j);
}

static struct job *log_job(const struct store_user *u, const char *kind, const int64_t *families,
                           size_t n, int64_t conv, const char *detail)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL || (j->families = malloc(n * sizeof *j->families)) == NULL) {
		free(j);
		return NULL;
	}
	j->type = JOB_LOG;
	j->user = *u;
	text_copy(j->log_kind, sizeof j->log_kind, kind);
	memcpy(j->families, families, n * sizeof *families);
	j->n_families = n;
	j->conv = conv;
	text_copy(j->detail, sizeof j->detail, detail);
	return j;
}

void writer_log_later(struct hub *h, const struct store_user *u, const char *kind, int64_t family,
                      int64_t conv, const char *detail)
{
	struct job *j = log_job(u, kind, &family, 1, conv, detail);
	if (j != NULL)
		writer_submit(h, j);
}

void writer_reply_after_access_log(struct session *s, const char *ref, const int64_t *families,
                                   size_t n, int64_t conv, const char *what, char *reply)
{
	if (n == 0 || reply == NULL) {
		outbox_send_json(s, reply);
		return;
	}
	struct job *j = log_job(&s->user, "access", families, n, conv, what);
	if (j == NULL) {
		free(reply);
		outbox_send_error(s, ref, ERR_INTERNAL, NULL);
		return;
	}
	j->session_id = s->id;
	j->has_ref = ref != NULL;
	if (ref)
		text_copy(j->ref, sizeof j->ref, ref);
	j->reply = reply;
	writer_submit(s->hub, j);
}

/* writer_run: the caller waits on this until the writer has done its job. */
struct waited {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int err;
};

static void waited_done(struct job *j)
{
	struct waited *w = j->done_arg;
	pthread_mutex_lock(&w->mu);
	w->err = j->err;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	job_free(j);
}

int writer_run(struct hub *h, int (*op)(struct store *s, void *arg), void *arg)
{
	struct waited w = {.done = false};
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return ERR_INTERNAL;
	j->type = JOB_OP;
	j->op = op;
	j->op_arg = arg;
	j->done = waited_done;
	j->done_arg = &w;
	j->uncounted = true;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	metrics_gauge_add(h->metrics, MG_WRITE_QUEUE, 1);
	if (!job_queue_push_open(&h->write_q, j)) {
		metrics_gauge_add(h->metrics, MG_WRITE_QUEUE, -1);
		free(j);
		w.done = true;
		w.err = ERR_UNAVAILABLE;
	}
	pthread_mutex_lock(&w.mu);
	while (!w.done)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return w.err;
}
