/*
 * scan.c - the checker's thread (scan.h).  Reads and writes go through the
 * writer (writer_run): the checker holds no database connection.
 */
#define _GNU_SOURCE
#include "scan.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../attach/files.h"
#include "../common/err.h"
#include "../common/text.h"
#include "../hub/hub_int.h"
#include "../metrics/metrics.h"
#include "../service/service.h"
#include "../writer/writer_int.h"
#include "clamd.h"
#include "image.h"

#define SCAN_IDLE_MS 60000 /* looks anyway this often, and clears expired uploads */

struct scan {
	struct hub *hub;
	struct scan_config cfg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool look;
	atomic_bool stop;
	int64_t next_at;    /* the earliest upload due, as last seen (0: none) */
	int64_t swept_at;   /* expired uploads last cleared */
	bool sweep_now;     /* scan_sweep_soon(): whatever swept_at says (under mu) */
	int64_t backoff_ms; /* while clamd is away */
	bool clamd_away;    /* logged once per outage */
};

/* ---- The writer's parts ------------------------------------------------------------ */

struct claim_op {
	int64_t now;
	struct attachment a;
	int64_t next_at;
};

static int claim_op(struct store *s, void *arg)
{
	struct claim_op *o = arg;
	int err = svc_attach_claim(s, o->now, SCAN_LEASE_MS, &o->a);
	if (err == ERR_NOT_FOUND)
		(void)svc_attach_next(s, &o->next_at);
	return err;
}

struct retry_op {
	int64_t id, now, wait_ms;
};

static int retry_op(struct store *s, void *arg)
{
	struct retry_op *o = arg;
	return svc_attach_retry(s, o->id, o->now, o->wait_ms);
}

struct checked_op {
	const struct attachment *a;
	const char *malware;
	struct svc_attach_told told;
};

static int checked_op(struct store *s, void *arg)
{
	struct checked_op *o = arg;
	return svc_attach_checked(s, o->a, o->malware, text_now_ms(), &o->told);
}

struct expire_op {
	int64_t now;
	struct svc_expired x;
};

static int expire_op(struct store *s, void *arg)
{
	struct expire_op *o = arg;
	return svc_attach_expire(s, o->now, &o->x);
}

static int files_gone_op(struct store *s, void *arg)
{
	return svc_files_gone(s, arg);
}

static int files_gone_done_op(struct store *s, void *arg)
{
	return svc_files_gone_done(s, arg);
}

/* The files of messages the retention rules deleted (issue 16): off the
 * disk first, then off the list (service/files_gone.c). */
static void remove_gone(struct scan *k)
{
	struct svc_files_gone *g = malloc(sizeof *g);
	if (g == NULL || writer_run(k->hub, files_gone_op, g) != ERR_OK || g->n_noted == 0) {
		free(g);
		return;
	}
	for (size_t i = 0; i < g->n_unused; i++)
		attach_unstore(k->hub->files, g->unused[i]);
	if (writer_run(k->hub, files_gone_done_op, g) == ERR_OK)
		hub_log(k->hub, HUB_LOG_INFO, "files_removed", "count=%zu reason=retention",
		        g->n_unused);
	if (g->n_noted == SVC_EXPIRE_BATCH)
		k->swept_at = 0; /* more at once */
	free(g);
}

/* ---- One upload ------------------------------------------------------------------ */

/* What remains of the pipeline's work once the outcome is recorded. */
static void tidy(struct scan *k, int64_t id)
{
	attach_spool_remove_made(k->hub->files, id, ".img");
	attach_spool_remove_made(k->hub->files, id, ".thumb");
	attach_spool_remove(k->hub->files, id);
}

/* Records the outcome and tells who is to know; false when it could not
 * be recorded (the upload is due again when its lease ends). */
static bool record(struct scan *k, struct attachment *a, const char *malware)
{
	struct checked_op o = {.a = a, .malware = malware};
	int err = writer_run(k->hub, checked_op, &o);
	if (err == ERR_OK || err == ERR_CONFLICT)
		tidy(k, a->id); /* recorded: the spool's part is done, before anyone hears */
	if (err == ERR_OK)
		hub_notice(k->hub, o.told.frame, &o.told.to);
	else if (err != ERR_CONFLICT)
		hub_log(k->hub, HUB_LOG_WARNING, "attachment_not_recorded",
		        "attachment=%lld error=%s", (long long)a->id, err_code(err));
	return err == ERR_OK || err == ERR_CONFLICT;
}

static void reject(struct scan *k, struct attachment *a, const char *reason, const char *malware)
{
	metrics_inc(k->hub->metrics, malware ? MC_ATTACH_MALWARE : MC_ATTACH_REFUSED);
	a->state = ATTACH_REJECTED;
	snprintf(a->reason, sizeof a->reason, "%s", reason);
	(void)record(k, a, malware);
	hub_log(k->hub, malware ? HUB_LOG_WARNING : HUB_LOG_INFO, "attachment_rejected",
	        "attachment=%lld reason=%s%s%s", (long long)a->id, reason,
	        malware ? " signature=" : "", malware ? malware : "");
}

/* clamd could not scan it: wait (or refuse, as the municipality chose). */
static void unscanned(struct scan *k, struct attachment *a, const char *why)
{
	if (!k->clamd_away)
		hub_log(k->hub, HUB_LOG_WARNING, "clamd_unavailable", "socket=%s detail=\"%s\"",
		        k->cfg.clamd_socket, why);
	k->clamd_away = true;
	metrics_gauge_set(k->hub->metrics, MG_CLAMD_UP, 0);
	if (k->cfg.reject_unscanned) {
		reject(k, a, "not_scanned", NULL);
		return;
	}
	k->backoff_ms = k->backoff_ms ? k->backoff_ms * 2 : SCAN_BACKOFF_MS;
	if (k->backoff_ms > SCAN_BACKOFF_MAX_MS)
		k->backoff_ms = SCAN_BACKOFF_MAX_MS;
	metrics_inc(k->hub->metrics, MC_ATTACH_SCAN_RETRIED);
	struct retry_op o = {.id = a->id, .now = text_now_ms(), .wait_ms = k->backoff_ms};
	(void)writer_run(k->hub, retry_op, &o);
}

/*
 * An image is decoded and written anew first (image.h), before clamd sees
 * it: a decompression bomb is refused from its header in milliseconds,
 * while clamd (which decodes images too, for its fuzzy hashes) would spend
 * seconds inflating it.  ERR_BAD_REQUEST: refused, *reason says why.
 */
static int clean_image(struct scan *k, struct attachment *a, struct image_result *r,
                       const char **reason)
{
	struct attach_files *f = k->hub->files;
	char in[4200], out[4200], thumb[4200];
	int err = attach_spool_path(f, a->id, "", in, sizeof in);
	if (err == ERR_OK)
		err = attach_spool_path(f, a->id, ".img", out, sizeof out);
	if (err == ERR_OK)
		err = attach_spool_path(f, a->id, ".thumb", thumb, sizeof thumb);
	attach_spool_remove_made(f, a->id, ".img"); /* from a run cut short */
	attach_spool_remove_made(f, a->id, ".thumb");
	if (err == ERR_OK)
		err = image_run(k->cfg.image_helper, a->mime, in, out, thumb, r);
	if (err == ERR_BAD_REQUEST)
		*reason = r->reason;
	return err;
}

/* Stores what is to be served: the clean image and its thumbnail, or the
 * document as sent. */
static int store(struct scan *k, struct attachment *a, const struct image_result *r)
{
	struct attach_files *f = k->hub->files;
	int64_t thumb_size;
	if (strcmp(a->kind, "image") != 0)
		return attach_store(f, a->id, "", a->sha256, &a->size);
	int err = attach_store(f, a->id, ".img", a->sha256, &a->size);
	if (err == ERR_OK)
		err = attach_store(f, a->id, ".thumb", a->thumb_sha256, &thumb_size);
	if (err == ERR_OK && strcmp(a->mime, r->type) != 0) {
		attach_retype(a->name, a->mime, r->type);
		snprintf(a->mime, sizeof a->mime, "%s", r->type);
	}
	a->width = r->width;
	a->height = r->height;
	return err;
}

/* Scanned clean: stored, then recorded as ready. */
static void make_ready(struct scan *k, struct attachment *a, const struct image_result *r)
{
	int err = store(k, a, r);
	if (err) { /* the disk: it stays due, after its lease */
		hub_log(k->hub, HUB_LOG_ERROR, "attachment_not_stored", "attachment=%lld error=%s",
		        (long long)a->id, err_code(err));
		return;
	}
	a->state = ATTACH_READY;
	if (record(k, a, NULL))
		metrics_inc(k->hub->metrics, MC_ATTACH_READY);
}

/* Uploads never sent go, and with them the files nothing names any more
 * (a batch at a time; the next turn takes the rest). */
static void sweep(struct scan *k)
{
	struct expire_op o = {.now = text_now_ms()};
	k->swept_at = o.now;
	if (writer_run(k->hub, expire_op, &o) != ERR_OK)
		return;
	for (size_t i = 0; i < o.x.n; i++)
		tidy(k, o.x.ids[i]);
	for (size_t i = 0; i < o.x.n_unused; i++)
		attach_unstore(k->hub->files, o.x.unused[i]);
	if (o.x.n > 0)
		hub_log(k->hub, HUB_LOG_INFO, "uploads_expired", "count=%zu files=%zu", o.x.n,
		        o.x.n_unused);
	if (o.x.n == SVC_EXPIRE_BATCH)
		k->swept_at = 0; /* more at once */
	remove_gone(k);
}

/* clamd's verdict on the bytes as received: ERR_OK with *verdict. */
static int scan_bytes(struct scan *k, struct attachment *a, enum clamd_verdict *verdict,
                      char *detail, size_t cap)
{
	int fd;
	int err = attach_spool_open(k->hub->files, a->id, &fd);
	if (err == ERR_OK) {
		err = clamd_scan_fd(k->cfg.clamd_socket, fd, SCAN_CLAMD_MS, verdict, detail, cap);
		close(fd);
	}
	if (err == ERR_OK || err == ERR_TOO_LARGE) {
		if (k->clamd_away)
			hub_log(k->hub, HUB_LOG_INFO, "clamd_available", "socket=%s",
			        k->cfg.clamd_socket);
		k->clamd_away = false;
		k->backoff_ms = 0;
		metrics_gauge_set(k->hub->metrics, MG_CLAMD_UP, 1);
	}
	return err;
}

static void check(struct scan *k, struct attachment *a)
{
	enum clamd_verdict verdict;
	char detail[160] = "";
	struct image_result r = {0};
	const char *reason = NULL;
	int err = strcmp(a->kind, "image") == 0 ? clean_image(k, a, &r, &reason) : ERR_OK;
	if (err == ERR_BAD_REQUEST) {
		reject(k, a, reason, NULL);
		return;
	}
	if (err) { /* the disk, or no image helper: due again after its lease */
		hub_log(k->hub, HUB_LOG_ERROR, "attachment_not_checked", "attachment=%lld error=%s",
		        (long long)a->id, err_code(err));
		return;
	}
	err = scan_bytes(k, a, &verdict, detail, sizeof detail);
	if (err == ERR_NOT_FOUND)
		reject(k, a, "lost", NULL);
	else if (err == ERR_TOO_LARGE)
		reject(k, a, "too_large", NULL);
	else if (err) {
		/* what the image pipeline made is made again: no room taken meanwhile */
		attach_spool_remove_made(k->hub->files, a->id, ".img");
		attach_spool_remove_made(k->hub->files, a->id, ".thumb");
		unscanned(k, a, detail);
	} else if (verdict == CLAMD_CLEAN)
		make_ready(k, a, &r);
	else if (attach_quarantine(k->hub->files, a->id) == ERR_OK)
		reject(k, a, "malware", detail);
}

/* ---- The thread -------------------------------------------------------------------- */

static void wait_until(struct scan *k, int64_t at_ms)
{
	struct timespec ts;
	int64_t ms = at_ms - text_now_ms();
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&k->cv, &k->mu, &ts);
}

/* Sleeps until woken, the next due time or the idle limit; false when the
 * checker is to stop. */
static bool wait_for_work(struct scan *k)
{
	pthread_mutex_lock(&k->mu);
	int64_t idle_end = text_now_ms() + SCAN_IDLE_MS;
	while (!atomic_load(&k->stop)) {
		int64_t now = text_now_ms();
		if (k->look || (k->next_at > 0 && now >= k->next_at) || now >= idle_end)
			break;
		wait_until(k, k->next_at > 0 && k->next_at < idle_end ? k->next_at : idle_end);
	}
	k->look = false;
	pthread_mutex_unlock(&k->mu);
	return !atomic_load(&k->stop);
}

static void *scan_main(void *arg)
{
	struct scan *k = arg;
	prctl(PR_SET_NAME, "indgang-scan");
	/* Behind the message path, like indgang-image: hashing a photo and
	 * streaming it to clamd waits for a core nothing else wants (it holds
	 * no lock the loop or the writer takes).  Refused: normal priority. */
	struct sched_param idle = {0};
	(void)sched_setscheduler(0, SCHED_IDLE, &idle);
	while (wait_for_work(k)) {
		pthread_mutex_lock(&k->mu);
		bool now = k->sweep_now;
		k->sweep_now = false;
		pthread_mutex_unlock(&k->mu);
		if (now || text_now_ms() - k->swept_at >= SCAN_IDLE_MS)
			sweep(k);
		struct claim_op o = {.now = text_now_ms()};
		int err = writer_run(k->hub, claim_op, &o);
		k->next_at = err == ERR_NOT_FOUND ? o.next_at : 0;
		if (err == ERR_OK) {
			check(k, &o.a);
			scan_wake(k); /* more may be due */
		}
	}
	return NULL;
}

int scan_start(struct hub *h, const struct scan_config *cfg, struct scan **out)
{
	struct scan *k = calloc(1, sizeof *k);
	if (k == NULL)
		return ERR_INTERNAL;
	k->hub = h;
	k->cfg = *cfg;
	k->look = true; /* what waited while the gateway was stopped */
	atomic_init(&k->stop, false);
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->thread, NULL, scan_main, k) != 0) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		free(k);
		return ERR_INTERNAL;
	}
	*out = k;
	return ERR_OK;
}

void scan_wake(struct scan *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	k->look = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void scan_sweep_soon(struct scan *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	k->sweep_now = true;
	k->look = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void scan_stop(struct scan *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	atomic_store(&k->stop, true);
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	free(k);
}
