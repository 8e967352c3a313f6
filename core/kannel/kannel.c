/*
 * kannel.c - the SMS sender thread: claim what is due, hand it to Kannel in
 * order, have the writer record what became of it (kannel.h says what each
 * answer means).
 *
 * The claim goes through the writer like every write, and comes back to
 * this thread directly (job.done), not through the loop: the sender waits
 * for it, and must be able to while the gateway stops.
 */
#include "kannel_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../hub/hub_int.h"
#include "../writer/writer_int.h"

#define KANNEL_IDLE_MS 30000 /* the longest sleep: nothing due */

/* The writer's thread: the claim is committed (or refused). */
static void claimed(struct job *j)
{
	struct kannel *k = j->done_arg;
	pthread_mutex_lock(&k->mu);
	k->claim = j;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

/* Has the writer mark up to KANNEL_BATCH due SMS as being handed over. */
static int claim(struct kannel *k, struct svc_sms_batch *out)
{
	memset(out, 0, sizeof *out);
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return ERR_INTERNAL;
	j->type = JOB_SMS_CLAIM;
	j->sms_policy = &k->policy;
	j->done = claimed;
	j->done_arg = k;
	writer_submit_any(k->hub, j);
	pthread_mutex_lock(&k->mu);
	while (k->claim == NULL) /* the writer answers every job, even while stopping */
		pthread_cond_wait(&k->cv, &k->mu);
	j = k->claim;
	k->claim = NULL;
	pthread_mutex_unlock(&k->mu);
	int err = j->err;
	if (err == ERR_OK)
		metrics_gauge_set(k->hub->metrics, MG_SMS_WAITING, j->sms.waiting);
	*out = j->sms;
	j->sms = (struct svc_sms_batch){0};
	job_free(j);
	return err;
}

/* The outcomes go to the writer; the loop then tells the staff. */
static void record(struct kannel *k, struct svc_sms_batch *b)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		svc_sms_batch_clear(b); /* claimed: due again after KANNEL_UNSURE_MS */
		return;
	}
	j->type = JOB_SMS_SENT;
	j->sms = *b;
	*b = (struct svc_sms_batch){0};
	writer_submit_any(k->hub, j);
}

static int64_t backoff(struct kannel *k)
{
	k->backoff_ms = k->backoff_ms ? k->backoff_ms * 2 : KANNEL_BACKOFF_MS;
	if (k->backoff_ms > KANNEL_BACKOFF_MAX_MS)
		k->backoff_ms = KANNEL_BACKOFF_MAX_MS;
	return k->backoff_ms;
}

/* Put back: due again at `at`, in its place. */
static void put_back(struct svc_sms *o, int64_t at, const char *why)
{
	o->result = SMS_QUEUED;
	o->retry_at = at;
	text_copy(o->detail, sizeof o->detail, why);
}

static void count(struct kannel *k, const struct svc_sms *o)
{
	static const enum metric_counter c[] = {
	    [SMS_ACCEPTED] = MC_SMS_ACCEPTED,
	    [SMS_FAILED] = MC_SMS_FAILED,
	    [SMS_QUEUED] = MC_SMS_RETRIED,
	};
	if ((size_t)o->result < sizeof c / sizeof *c && c[o->result] != 0)
		metrics_inc(k->hub->metrics, c[o->result]);
	if (o->unsure)
		metrics_inc(k->hub->metrics, MC_SMS_UNSURE);
}

static void wait_until(struct kannel *k, int64_t at_ms)
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

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* With a rate (sms_rate: the SMSC contract's, as Kannel's throughput), waits
 * for the next even slot, so that a burst stays in the outbox, in order and
 * still cancellable, rather than in Kannel's queue, and costs the machine the
 * same each second; false when the sender is to stop. */
static bool pace(struct kannel *k)
{
	if (k->cfg.rate <= 0)
		return !atomic_load(&k->stop);
	int64_t now = now_us();
	if (k->slot_us < now)
		k->slot_us = now; /* no credit for idle time: never a burst */
	pthread_mutex_lock(&k->mu);
	while (!atomic_load(&k->stop) && (now = now_us()) < k->slot_us)
		wait_until(k, text_now_ms() + (k->slot_us - now + 999) / 1000);
	pthread_mutex_unlock(&k->mu);
	k->slot_us += 1000000 / k->cfg.rate;
	return !atomic_load(&k->stop);
}

/* Hands b over in order; the first that must wait stops the rest too, so
 * that they go in order when Kannel is back. */
static void hand_over(struct kannel *k, struct svc_sms_batch *b)
{
	size_t i = 0;
	for (; i < b->n && !atomic_load(&k->stop); i++) {
		struct svc_sms *o = &b->v[i];
		if (o->st.state != SMS_SENDING) { /* decided by the claim */
			count(k, o);
			continue;
		}
		if (!pace(k))
			break;
		sendsms_hand_over(k, o);
		count(k, o);
		if (o->result == SMS_QUEUED) {
			int64_t at = text_now_ms() + backoff(k);
			k->pause_until = at;
			o->retry_at = at;
			hub_log(k->hub, HUB_LOG_WARNING, "sms_not_handed_over",
			        "sms=%lld detail=\"%s\" retry_in_ms=%lld", (long long)o->st.id,
			        o->detail, (long long)k->backoff_ms);
			i++;
			break;
		}
		k->backoff_ms = 0;
		if (o->result == SMS_FAILED)
			hub_log(k->hub, HUB_LOG_WARNING, "sms_refused", "sms=%lld detail=\"%s\"",
			        (long long)o->st.id, o->detail);
	}
	for (; i < b->n; i++)
		if (b->v[i].st.state == SMS_SENDING)
			put_back(&b->v[i], k->pause_until > 0 ? k->pause_until : text_now_ms(),
			         "waiting for the SMS gateway");
}

/* Sleeps until woken, the next due time or the idle limit, and not before a
 * pause ends; false when the sender is to stop. */
static bool wait_for_work(struct kannel *k)
{
	pthread_mutex_lock(&k->mu);
	int64_t idle_end = text_now_ms() + KANNEL_IDLE_MS;
	while (!atomic_load(&k->stop)) {
		int64_t now = text_now_ms();
		if (now < k->pause_until) {
			wait_until(k, k->pause_until);
			continue;
		}
		if (k->look || (k->next_at > 0 && now >= k->next_at) || now >= idle_end)
			break;
		wait_until(k, k->next_at > 0 && k->next_at < idle_end ? k->next_at : idle_end);
	}
	k->look = false;
	pthread_mutex_unlock(&k->mu);
	return !atomic_load(&k->stop);
}

static void *kannel_main(void *arg)
{
	struct kannel *k = arg;
	prctl(PR_SET_NAME, "indgang-sms");
	while (wait_for_work(k)) {
		struct svc_sms_batch b;
		if (claim(k, &b) != ERR_OK) {
			k->pause_until = text_now_ms() + backoff(k);
			continue;
		}
		k->next_at = b.next_at;
		if (b.n == KANNEL_BATCH)
			kannel_wake(k); /* more may be due */
		if (b.n > 0) {
			hand_over(k, &b);
			record(k, &b);
		} else {
			svc_sms_batch_clear(&b);
		}
	}
	return NULL;
}

int kannel_start(struct hub *h, const struct kannel_config *cfg, struct kannel **out)
{
	*out = NULL;
	if (cfg->sendsms_url == NULL)
		return ERR_OK;
	struct kannel *k = calloc(1, sizeof *k);
	if (k == NULL)
		return ERR_INTERNAL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(k);
		return ERR_INTERNAL;
	}
	k->hub = h;
	k->cfg = *cfg;
	k->policy = (struct svc_sms_policy){.link = cfg->link,
	                                    .full_text = cfg->full_text,
	                                    .unsure_ms = cfg->unsure_ms > 0 ? cfg->unsure_ms
	                                                                    : KANNEL_UNSURE_MS,
	                                    .ttl_ms = KANNEL_TTL_MS,
	                                    .fallback_ms = cfg->fallback_ms};
	k->look = true; /* what waited while the gateway was stopped */
	atomic_init(&k->stop, false);
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if ((k->easy = curl_easy_init()) == NULL ||
	    pthread_create(&k->thread, NULL, kannel_main, k) != 0) {
		if (k->easy)
			curl_easy_cleanup(k->easy);
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		free(k);
		curl_global_cleanup();
		return ERR_INTERNAL;
	}
	*out = k;
	return ERR_OK;
}

void kannel_wake(struct kannel *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	k->look = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void kannel_stop(struct kannel *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	atomic_store(&k->stop, true);
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	curl_easy_cleanup(k->easy);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	free(k);
	curl_global_cleanup();
}
