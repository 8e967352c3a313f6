/*
 * notify.c - the sender thread: take what is due from push_queue, send it,
 * write back what became of it (notify.h says what each answer means).
 *
 * One turn: start requests for what is due (up to NOTIFY_INFLIGHT under
 * way), let curl move them, write the outcomes of those that finished in
 * one transaction, and sleep until a socket, a wake or the next due time.
 * The sender only reads the database; its outcomes are the writer's to
 * write (JOB_PUSHED).  A crash before they are written can only make it
 * send a notification again, which the Topic header then replaces on the
 * phone.
 */
#include "notify_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../hub/hub_int.h"
#include "../push/quiet.h"
#include "../writer/writer_int.h"

#define NOTIFY_IDLE_MS  30000 /* the longest sleep: nothing due */
#define NOTIFY_GAUGE_MS 1000  /* how often the waiting rows are counted */
/* A phone about to be signed out for disuse is told this long before (or,
 * with a shorter idle limit, half of it before), and the sign-ins are
 * looked at every minute (or a quarter of that). */
#define NOTIFY_WARN_BEFORE_MS (7 * 24 * 3600 * 1000LL)
#define NOTIFY_WARN_EVERY_MS  60000

/* In n->inflight: a row whose outcome is decided but not yet written. */
static char decided;

static const enum svc_push_result recorded_as[] = {
    [NR_SENT] = PUSH_SENT,     [NR_GONE] = PUSH_GONE,    [NR_RETRY] = PUSH_RETRY,
    [NR_REJECTED] = PUSH_DROP, [NR_EXPIRED] = PUSH_DROP, [NR_SUPPRESSED] = PUSH_DROP,
    [NR_SETTLED] = PUSH_DROP,
};

static void outcome(struct notify *n, enum notify_result res, int64_t id, int64_t message_id,
                    int64_t sub_id, int64_t retry_at, const struct notify_req *r)
{
	int64_t renotify_at = 0;
	if (res == NR_SENT && n->cfg.renotify_ms > 0)
		renotify_at = text_now_ms() + n->cfg.renotify_ms;
	if (n->n_out == n->cap_out) {
		size_t cap = n->cap_out ? n->cap_out * 2 : 64;
		struct svc_push_outcome *o = realloc(n->out, cap * sizeof *o);
		if (o == NULL) {
			idmap_del(n->inflight, id); /* it stays queued and is tried again */
			return;
		}
		n->out = o;
		n->cap_out = cap;
	}
	n->out[n->n_out++] =
	    (struct svc_push_outcome){.result = recorded_as[res],
	                              .id = id,
	                              .message_id = message_id,
	                              .sub_id = sub_id,
	                              .retry_at = retry_at,
	                              .conv_id = r ? r->conv_id : 0,
	                              .user_id = r ? r->user_id : 0,
	                              .family_id = r ? r->family_id : 0,
	                              .renotify_at = r && r->warning ? 0 : renotify_at,
	                              .warning = r && r->warning};
}

/* The outcomes so far go to the writer, one job; their rows stay marked
 * until it has recorded them (notify_recorded), so none is sent twice. */
static void flush(struct notify *n)
{
	if (n->n_out == 0)
		return;
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return; /* kept for the next turn */
	j->type = JOB_PUSHED;
	j->pushed = n->out;
	j->n_pushed = n->n_out;
	n->out = NULL;
	n->n_out = n->cap_out = 0;
	writer_submit_any(n->hub, j);
}

void notify_recorded(struct notify *n, const struct svc_push_outcome *v, size_t k, bool left)
{
	if (n == NULL || k == 0)
		return;
	/* A newer message took a sent one's place (due again), or a retry or a
	 * kept row has its time: look, and learn when the next one is due. */
	bool look = left;
	for (size_t i = 0; i < k && !look; i++)
		look = v[i].result == PUSH_RETRY || v[i].renotify_at > 0;
	if (look)
		atomic_store(&n->look, true);
	pthread_mutex_lock(&n->mu);
	if (n->n_recorded + k > n->cap_recorded) {
		size_t cap = (n->n_recorded + k) * 2;
		int64_t *g = realloc(n->recorded, cap * sizeof *g);
		if (g != NULL) {
			n->recorded = g;
			n->cap_recorded = cap;
		}
	}
	for (size_t i = 0; i < k && n->n_recorded < n->cap_recorded; i++)
		n->recorded[n->n_recorded++] = v[i].warning ? -v[i].id : v[i].id;
	pthread_mutex_unlock(&n->mu);
	curl_multi_wakeup(n->multi);
}

/* Rows the writer recorded may be looked at again. */
static void unmark(struct notify *n)
{
	pthread_mutex_lock(&n->mu);
	for (size_t i = 0; i < n->n_recorded; i++)
		idmap_del(n->inflight, n->recorded[i]);
	n->n_recorded = 0;
	pthread_mutex_unlock(&n->mu);
}

static int64_t backoff_ms(int attempts)
{
	int64_t ms = NOTIFY_BACKOFF_MS;
	for (int i = 0; i < attempts && ms < NOTIFY_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < NOTIFY_BACKOFF_MAX_MS ? ms : NOTIFY_BACKOFF_MAX_MS;
}

static void count(struct notify *n, enum notify_result res)
{
	static const enum metric_counter c[] = {
	    [NR_SENT] = MC_PUSH_SENT,       [NR_GONE] = MC_PUSH_GONE,
	    [NR_RETRY] = MC_PUSH_RETRIED,   [NR_REJECTED] = MC_PUSH_REJECTED,
	    [NR_EXPIRED] = MC_PUSH_EXPIRED, [NR_SUPPRESSED] = MC_PUSH_SUPPRESSED,
	};
	if (res != NR_SETTLED)
		metrics_inc(n->hub->metrics, c[res]);
}

/* A finished transfer: its outcome, counted and logged. */
static void finished(struct notify *n, struct notify_req *r, CURLcode rc, int64_t now)
{
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	enum notify_result res = request_result(rc, status);
	int64_t retry_at = 0;
	if (res == NR_RETRY && r->attempts + 1 >= NOTIFY_ATTEMPTS)
		res = NR_EXPIRED;
	if (res == NR_RETRY) /* the push service's Retry-After, else a doubling back-off */
		retry_at =
		    now + (r->retry_after_ms > 0 ? r->retry_after_ms : backoff_ms(r->attempts));
	if (res == NR_SENT && !r->warning)
		metrics_push_latency(n->hub->metrics, now - r->due_at);
	if (res != NR_SENT)
		hub_log(n->hub, res == NR_RETRY ? HUB_LOG_INFO : HUB_LOG_WARNING, "push_not_sent",
		        "%s=%lld status=%ld curl=%d result=%s attempts=%d",
		        r->warning ? "warned_token" : "queue_id", (long long)r->id, status, (int)rc,
		        res == NR_GONE      ? "gone"
		        : res == NR_RETRY   ? "retry"
		        : res == NR_EXPIRED ? "expired"
		                            : "rejected",
		        r->attempts + 1);
	count(n, res);
	outcome(n, res, r->id, r->message_id, r->sub_id, retry_at, r);
}

static void collect(struct notify *n, int64_t now)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(n->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct notify_req *r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		CURLcode rc = m->data.result;
		curl_multi_remove_handle(n->multi, m->easy_handle);
		finished(n, r, rc, now);
		/* The row stays marked until its outcome is written. */
		idmap_put(n->inflight, r->warning ? -r->id : r->id, &decided);
		n->n_inflight--;
		request_free(r);
	}
}

/* Marks row id as under way (r) or decided (NULL) until its outcome is written. */
static bool hold(struct notify *n, int64_t id, struct notify_req *r)
{
	return idmap_put(n->inflight, id, r ? (void *)r : &decided) == 0;
}

/* What to do with a due row without a request: 0 when it is to be sent. */
static enum notify_result settle(const struct notify *n, const struct store_push_due *d,
                                 int64_t now)
{
	if (d->message_id == 0)
		return NR_SETTLED; /* told already, nothing newer came */
	if (d->attempts >= NOTIFY_ATTEMPTS || now - d->message_at > NOTIFY_TTL_S * 1000LL)
		return NR_EXPIRED;
	if (presence_viewing(n->hub->presence, d->user_id, d->conv_id))
		return NR_SUPPRESSED;
	return 0;
}

static void start_one(struct notify *n, const struct store_push_due *d, int64_t now)
{
	struct notify_req *r;
	enum notify_result res = settle(n, d, now);
	if (res != 0) {
		/* Settled: gone unless something newer than what was told came. */
		int64_t told = res == NR_SETTLED ? d->notified_id : d->message_id;
		if (hold(n, d->id, NULL)) {
			count(n, res);
			outcome(n, res, d->id, told, d->sub_id, 0, NULL);
		}
	} else if (request_new(n, d, now, &r) != ERR_OK) {
		if (hold(n, d->id, NULL)) {
			count(n, NR_REJECTED);
			outcome(n, NR_REJECTED, d->id, d->message_id, d->sub_id, 0, NULL);
		}
	} else if (!hold(n, d->id, r) || curl_multi_add_handle(n->multi, r->easy) != CURLM_OK) {
		idmap_del(n->inflight, d->id);
		request_free(r);
	} else {
		n->n_inflight++;
	}
}

/* Starts what is due, skipping what is already under way (their ids come
 * from the index alone); *backlog when more is due than was started. */
static void fill(struct notify *n, int64_t now)
{
	size_t k, held = idmap_count(n->inflight), max = NOTIFY_INFLIGHT + held;
	int64_t *ids = malloc(max * sizeof *ids);
	n->backlog = false;
	if (ids == NULL || store_push_due_ids(n->store, now, max, ids, &k) != ERR_OK) {
		free(ids);
		n->backlog = true; /* look again next turn */
		return;
	}
	for (size_t i = 0; i < k; i++) {
		struct store_push_due d;
		if (idmap_get(n->inflight, ids[i]) != NULL)
			continue;
		if (n->n_inflight >= NOTIFY_INFLIGHT) {
			n->backlog = true;
			break;
		}
		if (store_push_due_one(n->store, ids[i], &d) == ERR_OK)
			start_one(n, &d, now);
	}
	n->backlog |= k == max;
	free(ids);
	if (store_push_next(n->store, now, &n->next_at) != ERR_OK)
		n->next_at = now + NOTIFY_IDLE_MS;
}

/* Phones about to be signed out for disuse, with a subscription and not
 * told since their last use: told now, unless their family's quiet hours
 * hold (then at a later look).  A warning's outcome marks the sign-in
 * (svc_push_record), so each stretch of disuse is told of once. */
static void warn(struct notify *n, int64_t now)
{
	if (now < n->warn_at || n->cfg.device_idle_ms <= 0)
		return;
	int64_t before = n->cfg.device_idle_ms / 2 < NOTIFY_WARN_BEFORE_MS
	                     ? n->cfg.device_idle_ms / 2
	                     : NOTIFY_WARN_BEFORE_MS;
	n->warn_at = now + (before / 4 < NOTIFY_WARN_EVERY_MS ? before / 4 : NOTIFY_WARN_EVERY_MS);
	struct store_push_expiring e[16];
	size_t k;
	if (store_push_expiring(n->store, now, before, 16, e, &k) != ERR_OK)
		return;
	for (size_t i = 0; i < k && n->n_inflight < NOTIFY_INFLIGHT; i++) {
		struct notify_req *r;
		if (idmap_get(n->inflight, -e[i].token_id) != NULL ||
		    quiet_release_at(now, e[i].quiet_start, e[i].quiet_end) > now)
			continue;
		if (request_new_warning(n, &e[i], now, &r) != ERR_OK)
			continue; /* a subscription that cannot be written to: the next look */
		if (!hold(n, -e[i].token_id, r) ||
		    curl_multi_add_handle(n->multi, r->easy) != CURLM_OK) {
			idmap_del(n->inflight, -e[i].token_id);
			request_free(r);
			continue;
		}
		n->n_inflight++;
		hub_log(n->hub, HUB_LOG_INFO, "push_expiry_warning", "token=%lld user=%lld",
		        (long long)e[i].token_id, (long long)e[i].user_id);
	}
}

/* Is there anything to look for: new rows (the loop said so), rows left
 * over for want of room, or a notification whose time has come. */
static bool want_fill(struct notify *n, int64_t now)
{
	bool told = atomic_exchange(&n->look, false);
	return told || (n->backlog && n->n_inflight < NOTIFY_INFLIGHT) ||
	       (n->next_at > 0 && now >= n->next_at);
}

/* How long to sleep: until the next notification not yet due. */
static int sleep_ms(const struct notify *n, int64_t now)
{
	int64_t at = n->next_at;
	if (n->warn_at > 0 && (at == 0 || n->warn_at < at))
		at = n->warn_at;
	if (at == 0 || at - now > NOTIFY_IDLE_MS)
		return NOTIFY_IDLE_MS;
	return at > now ? (int)(at - now) : 0;
}

static void gauges(struct notify *n, int64_t now)
{
	int64_t waiting;
	metrics_gauge_set(n->hub->metrics, MG_PUSH_INFLIGHT, (int64_t)n->n_inflight);
	if (now - n->gauge_at < NOTIFY_GAUGE_MS)
		return;
	n->gauge_at = now;
	if (store_push_waiting(n->store, now, &waiting) == ERR_OK)
		metrics_gauge_set(n->hub->metrics, MG_PUSH_WAITING, waiting);
}

static void *notify_main(void *arg)
{
	struct notify *n = arg;
	prctl(PR_SET_NAME, "indgang-push");
	while (!atomic_load(&n->stop)) {
		int running;
		int64_t now = text_now_ms();
		if (want_fill(n, now))
			fill(n, now);
		warn(n, now);
		curl_multi_perform(n->multi, &running);
		collect(n, text_now_ms());
		flush(n);
		unmark(n);
		gauges(n, now);
		curl_multi_poll(n->multi, NULL, 0, sleep_ms(n, now), NULL);
	}
	return NULL;
}

int notify_start(struct hub *h, const struct notify_config *cfg, struct notify **out)
{
	*out = NULL;
	if (cfg->key == NULL)
		return ERR_OK;
	struct notify *n = calloc(1, sizeof *n);
	if (n == NULL)
		return ERR_INTERNAL;
	/* Thread-safe since curl 7.84, and counted: notify_stop() undoes it. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(n);
		return ERR_INTERNAL;
	}
	n->hub = h;
	n->cfg = *cfg;
	atomic_init(&n->stop, false);
	atomic_init(&n->look, true);
	pthread_mutex_init(&n->mu, NULL);
	int err = store_open(cfg->db_path, &n->store);
	if (err == ERR_OK &&
	    ((n->multi = curl_multi_init()) == NULL || (n->inflight = idmap_create()) == NULL))
		err = ERR_INTERNAL;
	if (err == ERR_OK) {
		/* HTTP/2: the requests to one push service share a connection. */
		curl_multi_setopt(n->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
		curl_multi_setopt(n->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
		if (pthread_create(&n->thread, NULL, notify_main, n) != 0)
			err = ERR_INTERNAL;
	}
	if (err) {
		idmap_destroy(n->inflight);
		if (n->multi)
			curl_multi_cleanup(n->multi);
		store_close(n->store);
		free(n);
		curl_global_cleanup();
		return err;
	}
	*out = n;
	return ERR_OK;
}

void notify_wake(struct notify *n)
{
	if (n == NULL)
		return;
	atomic_store(&n->look, true);
	curl_multi_wakeup(n->multi);
}

static void drop_request(int64_t key, void *val, void *arg)
{
	(void)key;
	struct notify *n = arg;
	if (val == &decided)
		return;
	struct notify_req *r = val;
	curl_multi_remove_handle(n->multi, r->easy);
	request_free(r);
}

void notify_stop(struct notify *n)
{
	if (n == NULL)
		return;
	atomic_store(&n->stop, true);
	curl_multi_wakeup(n->multi);
	pthread_join(n->thread, NULL);
	flush(n);
	idmap_each(n->inflight, drop_request, n);
	idmap_destroy(n->inflight);
	curl_multi_cleanup(n->multi);
	for (size_t i = 0; i < NOTIFY_JWT_SLOTS; i++)
		free(n->jwt[i].header);
	free(n->out);
	free(n->recorded);
	pthread_mutex_destroy(&n->mu);
	store_close(n->store);
	free(n);
	curl_global_cleanup();
}
