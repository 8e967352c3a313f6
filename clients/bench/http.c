/*
 * http.c - HTTPS requests with JSON to the gateway, many at a time (enrolment
 * and login while provisioning a world, push subscriptions), or to another
 * local server (the local push service of tests/pushsvc).  Each request is its own connection,
 * closed as soon as the answer is complete, so thousands of enrolments do
 * not leave thousands of idle keep-alive sockets behind.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_batch {
	struct bench *b;
	struct http_req *reqs;
	int n, next, active, concurrency;
};

/* The request is over (answered or not); later callbacks of its wsi see none. */
static void http_finish(struct lws *wsi, struct http_req *r)
{
	struct http_batch *batch = r->batch;
	lws_set_opaque_user_data(wsi, NULL);
	r->wsi = NULL;
	if (r->done)
		return;
	r->done = true;
	batch->active--;
}

static int http_append(struct http_req *r, const char *in, size_t len)
{
	if (r->resp_len + len + 1 > r->resp_cap) {
		size_t cap = (r->resp_len + len + 1) * 2;
		char *grown = realloc(r->resp, cap);
		if (grown == NULL)
			return -1;
		r->resp = grown;
		r->resp_cap = cap;
	}
	memcpy(r->resp + r->resp_len, in, len);
	r->resp_len += len;
	r->resp[r->resp_len] = '\0';
	return 0;
}

static int http_headers(struct lws *wsi, struct http_req *r, void *in, size_t len)
{
	unsigned char **p = in, *end = *p + len;
	static const char type[] = "application/json";
	char auth[600];
	static const char close_[] = "close"; /* one request per connection */
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)close_,
	                                 (int)strlen(close_), p, end))
		return -1;
	if (r->token) {
		int n = snprintf(auth, sizeof auth, "Bearer %s", r->token);
		if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
		                                 (const unsigned char *)auth, n, p, end))
			return -1;
	}
	if (r->body == NULL)
		return 0;
	if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
	                                 (const unsigned char *)type, (int)strlen(type), p, end) ||
	    lws_add_http_header_content_length(wsi, strlen(r->body), p, end))
		return -1;
	lws_client_http_body_pending(wsi, 1);
	lws_callback_on_writable(wsi);
	return 0;
}

static int http_write_body(struct lws *wsi, struct http_req *r)
{
	unsigned char buf[LWS_PRE + 4096];
	if (r->body == NULL)
		return 0;
	size_t n = strlen(r->body);
	if (r->sent || n > sizeof buf - LWS_PRE)
		return r->sent ? 0 : -1;
	memcpy(buf + LWS_PRE, r->body, n);
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP_FINAL) < (int)n)
		return -1;
	r->sent = true;
	lws_client_http_body_pending(wsi, 0);
	return 0;
}

static int http_read(struct lws *wsi)
{
	char buf[LWS_PRE + 4096];
	char *px = buf + LWS_PRE;
	int lenx = (int)(sizeof buf - LWS_PRE);
	return lws_http_client_read(wsi, &px, &lenx) < 0 ? -1 : 0;
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
	struct http_req *r = lws_get_opaque_user_data(wsi);
	(void)user;
	if (r == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return http_headers(wsi, r, in, len);
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		return http_write_body(wsi, r);
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		r->status = (int)lws_http_client_http_response(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		return http_read(wsi);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		return http_append(r, in, len);
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		http_finish(wsi, r);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		bench_note(((struct http_batch *)r->batch)->b, "HTTP %s: %s", r->path,
		           in ? (const char *)in : "error");
		r->status = 0;
		http_finish(wsi, r);
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		http_finish(wsi, r);
		return 0;
	default:
		return 0;
	}
}

static void http_start(struct http_batch *batch, struct http_req *r)
{
	struct lws_client_connect_info i;
	memset(&i, 0, sizeof i);
	i.context = batch->b->ctx;
	i.address = batch->b->o.host;
	i.port = r->port ? r->port : batch->b->o.port;
	i.ssl_connection = LCCSCF_USE_SSL;
	i.path = r->path;
	i.host = "localhost";
	i.method = r->method ? r->method : "POST";
	i.protocol = "bench-http";
	i.local_protocol_name = "bench-http";
	i.alpn = "http/1.1";
	i.opaque_user_data = r;
	r->batch = batch;
	batch->active++;
	struct lws *wsi = lws_client_connect_via_info(&i); /* no pwsi: see ws.c */
	if (r->done)
		return;
	if (wsi == NULL) {
		r->done = true;
		batch->active--;
		return;
	}
	r->wsi = wsi;
}

static bool http_step(void *arg)
{
	struct http_batch *batch = arg;
	while (batch->next < batch->n && batch->active < batch->concurrency)
		http_start(batch, &batch->reqs[batch->next++]);
	return batch->next == batch->n && batch->active == 0;
}

int http_run(struct bench *b, struct http_req *reqs, int n, int concurrency, double timeout_s)
{
	struct http_batch batch = {.b = b, .reqs = reqs, .n = n, .concurrency = concurrency};
	if (!bench_wait(b, http_step, &batch, timeout_s)) {
		b->err.timeout++;
		bench_note(b, "HTTP requests did not finish in %.0f s", timeout_s);
		for (int i = 0; i < n; i++) {
			if (reqs[i].wsi != NULL && !reqs[i].done) {
				struct lws *wsi = reqs[i].wsi;
				http_finish(wsi, &reqs[i]);
				lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
			}
		}
	}
	int ok = 0;
	for (int i = 0; i < n; i++) {
		free(reqs[i].body);
		reqs[i].body = NULL;
		ok += reqs[i].status >= 200 && reqs[i].status < 300;
	}
	return ok;
}

void http_reqs_free(struct http_req *reqs, int n)
{
	for (int i = 0; reqs && i < n; i++) {
		free(reqs[i].body);
		free(reqs[i].resp);
	}
	free(reqs);
}
