/*
 * workers.c - HTTP workers: each request of the HTTP API runs whole on a
 * worker thread with the worker's own store connection, so password hashing
 * and the writes of enrolment or revocation never stall the event loop.
 * What travels between the loop and a worker is a call (http_call.c).
 *
 * A streamed answer (an export) comes back a chunk at a time: the first with
 * the response, each further one as a job of its own once the transport has
 * written the one before (http_call_more), on whichever worker is free.
 * Between chunks no worker is held, so a slow reader costs one chunk of
 * memory and nothing else.
 */
#include "workers_int.h"

#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../api/upload.h"
#include "../writer/writer_int.h"

/* The error code behind an HTTP status (0 for success). */
static int err_of_status(int status)
{
	for (int e = ERR_OK + 1; e < ERR__COUNT; e++)
		if (err_http_status(e) == status)
			return e;
	return status >= 400 ? ERR_INTERNAL : ERR_OK;
}

/* Counts one answered request, and logs it at debug level (method, path and
 * status only: never the query, a header or the body). */
static void count_request(struct hub *h, const struct api_request *req,
                          const struct api_response *resp, int64_t started_ms)
{
	struct metrics *m = h->metrics;
	int err = err_of_status(resp->status);
	metrics_inc(m, MC_HTTP_REQUESTS);
	metrics_error(m, MT_HTTP, err);
	if (err == ERR_RATE_LIMITED)
		metrics_inc(m, MC_RATE_LIMITED_HTTP);
	if (err == ERR_UNAUTHORIZED) {
		bool login = strcmp(req->path, "/api/login") == 0;
		bool enrol = strcmp(req->path, "/api/enrol") == 0;
		metrics_inc(m, login   ? MC_AUTH_FAIL_LOGIN
		               : enrol ? MC_AUTH_FAIL_INVITE
		                       : MC_AUTH_FAIL_TOKEN);
	}
	char path[160], peer[80];
	/* Failed sign-ins and invite codes, for fail2ban and the like: the
	 * address only, never the username tried or the code. */
	if ((err == ERR_UNAUTHORIZED || err == ERR_RATE_LIMITED) &&
	    (strcmp(req->path, "/api/login") == 0 || strcmp(req->path, "/api/enrol") == 0))
		hub_log(h, HUB_LOG_INFO, "auth_failed", "kind=%s status=%d peer=%s",
		        req->path[5] == 'l' ? "login" : "invite", resp->status,
		        hub_log_quote(peer, sizeof peer, req->peer_addr));
	hub_log(h, HUB_LOG_DEBUG, "http", "method=%s path=%s status=%d ms=%lld peer=%s",
	        req->method, hub_log_quote(path, sizeof path, req->path), resp->status,
	        (long long)(text_now_ms() - started_ms),
	        hub_log_quote(peer, sizeof peer, req->peer_addr));
}

/* api_ctx.grouped: the op in the writer's group commit. */
static int grouped(void *hub, int (*op)(struct store *s, void *arg), void *arg)
{
	return writer_run(hub, op, arg);
}

/* An I/O error on a worker's commit (a sign-in, an enrolment, a revocation)
 * leaves the database file as unknown as one on the writer's: nothing more
 * is acknowledged and the gateway shuts down (hub_failed()). */
static void stop_after_io_error(struct hub *h, struct store *s)
{
	char why[256];
	hub_log(h, HUB_LOG_ERROR, "http_commit_failed", "error=%s io_error=yes action=shutdown",
	        hub_log_quote(why, sizeof why, store_errmsg(s)));
	atomic_store(&h->writable, false);
	atomic_store(&h->failed, true);
}

static void *worker_main(void *arg)
{
	struct hub *h = arg;
	prctl(PR_SET_NAME, "indgang-http"); /* its name in top -H, ps -L, /proc */
	struct store *s = NULL;
	int err = store_open(h->cfg.db_path, &s);
	if (err) {
		char path[512];
		hub_log(h, HUB_LOG_ERROR, "worker_open_failed", "db=%s",
		        hub_log_quote(path, sizeof path, h->cfg.db_path));
	}
	struct api_ctx ctx = {
	    .store = s,
	    .throttle = h->throttle,
	    .policy = h->cfg.policy,
	    .allowed_origins = h->cfg.allowed_origins,
	    .writable_flag = &h->writable,
	    .metrics = h->metrics,
	    .metrics_allow = h->cfg.metrics_allow,
	    .push_public_key = h->cfg.push_public_key,
	    .retention = h->cfg.retention,
	    .access_names = h->cfg.access_view_names,
	    .grouped = grouped,
	    .hub = h,
	    .sms_secret = h->cfg.sms_secret,
	    .sms_allow = h->cfg.sms_allow,
	    .files = h->files,
	    .upload_max = h->cfg.upload_max,
	    .request_seconds = h->cfg.http_request_s,
	};
	struct job *j;
	while ((j = job_queue_take(&h->http_q, 1, true)) != NULL) {
		struct http_call *c = j->call;
		if (c->resp.stream != NULL) { /* the next chunk of a streamed answer */
			api_stream_next(s, &c->resp);
			job_queue_push(&h->done_q, j);
			h->hooks.wake(h->hooks.ctx);
			continue;
		}
		int64_t started = text_now_ms();
		if (c->resp.upload_accepted) { /* an upload's body is all written */
			api_upload_finish(&ctx, c->req.upload, &c->resp);
			count_request(h, &c->req, &c->resp, started);
			job_queue_push(&h->done_q, j);
			h->hooks.wake(h->hooks.ctx);
			continue;
		}
		metrics_gauge_add(h->metrics, MG_HTTP_QUEUE, -1);
		if (s == NULL) {
			c->resp.status = 503;
			c->resp.content_type = "application/json; charset=utf-8";
			c->resp.body = codec_encode_http_error(ERR_UNAVAILABLE, NULL);
		} else {
			api_handle(&ctx, &c->req, started, &c->resp);
			if (c->resp.status == 503 && store_failed_io(s))
				stop_after_io_error(h, s);
		}
		if (!c->resp.upload_accepted) /* else counted once finished */
			count_request(h, &c->req, &c->resp, started);
		job_queue_push(&h->done_q, j);
		h->hooks.wake(h->hooks.ctx);
	}
	store_close(s);
	return NULL;
}

int workers_start(struct hub *h)
{
	h->workers = calloc((size_t)h->cfg.http_workers, sizeof *h->workers);
	if (h->workers == NULL)
		return ERR_INTERNAL;
	for (int i = 0; i < h->cfg.http_workers; i++) {
		if (pthread_create(&h->workers[i], NULL, worker_main, h) != 0)
			return ERR_INTERNAL;
		h->n_workers++;
	}
	return ERR_OK;
}

void workers_stop(struct hub *h)
{
	job_queue_close(&h->http_q);
	for (int i = 0; i < h->n_workers; i++)
		pthread_join(h->workers[i], NULL);
	free(h->workers);
	h->workers = NULL;
	h->n_workers = 0;
}
