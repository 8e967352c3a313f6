/*
 * workers.c - HTTP workers: each request of the HTTP API runs whole on a
 * worker thread with the worker's own store connection, so password hashing
 * and the writes of enrolment or revocation never stall the event loop.
 *
 * A streamed answer (an export) comes back a chunk at a time: the first with
 * the response, each further one as a job of its own once the transport has
 * written the one before (api_call_more), on whichever worker is free.
 * Between chunks no worker is held, so a slow reader costs one chunk of
 * memory and nothing else.
 */
#include "hub_int.h"

#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/text.h"

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
	};
	struct job *j;
	while ((j = jobq_take(&h->http_q, 1, true)) != NULL) {
		struct api_call *c = j->call;
		if (c->resp.stream != NULL) { /* the next chunk of a streamed answer */
			api_stream_next(s, &c->resp);
			jobq_push(&h->done_q, j);
			h->hooks.wake(h->hooks.ctx);
			continue;
		}
		int64_t started = text_now_ms();
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
		count_request(h, &c->req, &c->resp, started);
		jobq_push(&h->done_q, j);
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
	jobq_close(&h->http_q);
	for (int i = 0; i < h->n_workers; i++)
		pthread_join(h->workers[i], NULL);
	free(h->workers);
	h->workers = NULL;
	h->n_workers = 0;
}

struct api_call *api_call_start(struct hub *h, void *transport, struct api_request *req)
{
	struct api_call *c = calloc(1, sizeof *c);
	struct job *j = calloc(1, sizeof *j);
	if (c == NULL || j == NULL) {
		free(c);
		free(j);
		api_request_free(req);
		return NULL;
	}
	c->hub = h;
	c->transport = transport;
	c->req = *req;
	memset(req, 0, sizeof *req);
	j->type = JOB_HTTP;
	j->call = c;
	h->inflight++;
	metrics_gauge_add(h->metrics, MG_HTTP_QUEUE, 1);
	jobq_push(&h->http_q, j);
	return c;
}

const struct api_response *api_call_response(struct api_call *c)
{
	return c->done ? &c->resp : NULL;
}

bool api_call_more(struct api_call *c)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL || c->resp.stream == NULL || c->resp.stream_done) {
		free(j);
		return false;
	}
	c->done = false;
	j->type = JOB_HTTP;
	j->call = c;
	c->hub->inflight++;
	jobq_push(&c->hub->http_q, j);
	return true;
}

static void api_call_free(struct api_call *c)
{
	api_request_free(&c->req);
	api_response_free(&c->resp);
	free(c);
}

void api_call_release(struct api_call *c)
{
	if (c == NULL)
		return;
	if (c->done) {
		api_call_free(c);
	} else {
		c->abandoned = true; /* freed when the worker hands it back */
		c->transport = NULL;
	}
}

static void close_matching(int64_t key, void *val, void *arg)
{
	(void)key;
	struct session *s = val;
	const struct api_response *r = arg;
	if (s->state != SESSION_AUTHED)
		return;
	if ((r->close_token_id && s->token.id == r->close_token_id) ||
	    (r->close_device_id && s->token.device_id == r->close_device_id)) {
		outbox_clear(s);
		s->state = SESSION_CLOSING; /* frames already buffered are not acted on */
		session_close(s, CLOSE_REVOKED, "signed out or device revoked");
	}
}

/* A new conversation: a "conversation" frame to every open connection of
 * everyone who may see it, each with their own counters. */
static void announce_conversation(struct hub *h, int64_t conv_id)
{
	struct route_set r;
	if (route_receipt(h->store, conv_id, &r) != ERR_OK)
		return;
	for (size_t i = 0; i < r.n; i++) {
		struct session *first = hub_user_sessions(h, r.users[i]);
		struct conv c;
		if (first == NULL)
			continue;
		if (store_conversation(h->store, &first->user, conv_id, &c) == ERR_OK) {
			struct out_frame *f = frame_new(h, codec_encode_conversation(&c));
			for (struct session *s = first; s; s = s->next_of_user)
				if (s->state == SESSION_AUTHED)
					session_push(s, f);
			frame_unref(f);
		}
		conv_clear(&c);
	}
	route_set_free(&r);
}

/* Loop thread: the worker finished c. */
void api_call_apply(struct hub *h, struct api_call *c)
{
	c->done = true;
	if (!c->applied && (c->resp.close_token_id || c->resp.close_device_id))
		idmap_each(h->sessions, close_matching, &c->resp);
	if (!c->applied && c->resp.created_conv)
		announce_conversation(h, c->resp.created_conv);
	if (c->resp.notice) {
		struct out_frame *f = frame_new(h, c->resp.notice);
		c->resp.notice = NULL; /* the frame owns it now */
		hub_fan_out(h, &c->resp.notice_to, f, NULL);
		frame_unref(f);
	}
	c->applied = true;
	if (c->abandoned)
		api_call_free(c);
	else
		h->hooks.want_write(c->transport);
}
