/*
 * http.c - one HTTPS POST with a JSON body, on the lws 4.1 client API.
 *
 * The flow lws drives (as in its minimal-http-client-post example):
 *   APPEND_HANDSHAKE_HEADER   add Content-Type, Content-Length, Authorization;
 *                             announce a body and ask for a write slot
 *   CLIENT_HTTP_WRITEABLE     write the whole body, LWS_WRITE_HTTP_FINAL
 *   ESTABLISHED_CLIENT_HTTP   the status line is in
 *   RECEIVE_CLIENT_HTTP       drain with lws_http_client_read() ...
 *   RECEIVE_CLIENT_HTTP_READ  ... which hands over the body in pieces
 *   COMPLETED_CLIENT_HTTP     done (also CLOSED / CONNECTION_ERROR: done)
 */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_MAX_BODY (1024 * 1024)

struct http_req {
	struct net *net;
	char path[512];
	const char *bearer;
	const char *body;
	size_t body_len;
	char *rx; /* the answer's body */
	size_t rx_len;
	int status;
	bool done;
	bool failed;
	char why[256];
};

static void req_finish(struct http_req *q, bool failed, const char *why)
{
	if (q->done)
		return;
	q->done = true;
	q->failed = failed;
	if (why != NULL)
		snprintf(q->why, sizeof q->why, "%s", why);
}

static int add_header(struct lws *wsi, enum lws_token_indexes tok, const char *value,
                      unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_token(wsi, tok, (const unsigned char *)value,
	                                    (int)strlen(value), p, end);
}

static int append_headers(struct lws *wsi, struct http_req *q, void *in, size_t len)
{
	unsigned char **p = in, *end = *p + len;
	char n[32];
	snprintf(n, sizeof n, "%zu", q->body_len);
	if (add_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, "application/json", p, end) ||
	    add_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, n, p, end) ||
	    add_header(wsi, WSI_TOKEN_HTTP_ACCEPT, "application/json", p, end))
		return -1;
	if (q->bearer != NULL) {
		char auth[600];
		snprintf(auth, sizeof auth, "Bearer %s", q->bearer);
		int rc = add_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, p, end);
		explicit_bzero(auth, sizeof auth);
		if (rc)
			return -1;
	}
	if (q->body_len > 0) {
		lws_client_http_body_pending(wsi, 1);
		lws_callback_on_writable(wsi);
	}
	return 0;
}

static int write_body(struct lws *wsi, struct http_req *q)
{
	if (q->body_len == 0)
		return 0;
	unsigned char *buf = malloc(LWS_PRE + q->body_len);
	if (buf == NULL)
		return -1;
	memcpy(buf + LWS_PRE, q->body, q->body_len);
	lws_client_http_body_pending(wsi, 0);
	int n = lws_write(wsi, buf + LWS_PRE, q->body_len, LWS_WRITE_HTTP_FINAL);
	explicit_bzero(buf, LWS_PRE + q->body_len);
	free(buf);
	q->body_len = 0; /* once */
	return n < 0 ? -1 : 0;
}

static int read_piece(struct http_req *q, const void *in, size_t len)
{
	if (q->rx_len + len > HTTP_MAX_BODY)
		return -1;
	char *nrx = realloc(q->rx, q->rx_len + len + 1);
	if (nrx == NULL)
		return -1;
	q->rx = nrx;
	memcpy(q->rx + q->rx_len, in, len);
	q->rx_len += len;
	q->rx[q->rx_len] = '\0';
	return 0;
}

static int drain(struct lws *wsi)
{
	char buf[LWS_PRE + 4096], *p = buf + LWS_PRE;
	int n = (int)sizeof buf - LWS_PRE;
	return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
	struct http_req *q = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	if (q == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_headers(wsi, q, in, len);
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		return write_body(wsi, q);
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		q->status = (int)lws_http_client_http_response(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		return drain(wsi);
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (read_piece(q, in, len) == 0)
			return 0;
		req_finish(q, true, "the answer is too large");
		return -1;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		req_finish(q, false, NULL);
		lws_set_opaque_user_data(wsi, NULL);
		return -1; /* one request per connection */
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		char why[256];
		net_reason(q->net, why, sizeof why, in, "cannot connect");
		req_finish(q, true, why);
		lws_set_opaque_user_data(wsi, NULL);
		return 0;
	}
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		req_finish(q, q->status == 0, "the connection closed before an answer came");
		lws_set_opaque_user_data(wsi, NULL);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static int start(struct net *n, struct http_req *q, struct lws **wsi)
{
	struct lws_client_connect_info i;
	char host[300];
	net_connect_info(n, &i, host, sizeof host);
	i.path = q->path;
	i.method = "POST";
	i.protocol = NET_PROTO_HTTP;
	i.local_protocol_name = NET_PROTO_HTTP;
	i.opaque_user_data = q;
	i.pwsi = wsi;
	if (lws_client_connect_via_info(&i) == NULL && !q->done)
		req_finish(q, true, "cannot connect");
	return 0;
}

static void parse_answer(struct http_req *q, struct http_reply *r)
{
	r->status = q->status;
	if (q->rx_len > 0)
		r->body = json_loadb(q->rx, q->rx_len, 0, NULL);
}

int http_post(struct net *n, const char *path, const char *bearer, const char *body, int timeout_ms,
              struct http_reply *r)
{
	struct http_req q;
	struct lws *wsi = NULL;
	memset(&q, 0, sizeof q);
	memset(r, 0, sizeof *r);
	q.net = n;
	snprintf(q.path, sizeof q.path, "%s%s", net_url(n)->prefix, path);
	q.bearer = bearer;
	q.body = body;
	q.body_len = body ? strlen(body) : 0;
	start(n, &q, &wsi);
	enum net_result res = net_run(n, &q.done, timeout_ms);
	if (!q.done) {
		/* the context's end will close it; it must not find q then */
		if (wsi != NULL)
			lws_set_opaque_user_data(wsi, NULL);
		snprintf(q.why, sizeof q.why, "%s",
		         res == NET_INTERRUPTED ? "interrupted"
		         : res == NET_TIMEOUT   ? "no answer in time"
		                                : "the network loop failed");
		q.failed = true;
	}
	int rc = 0;
	if (q.failed || q.status == 0) {
		snprintf(r->why, sizeof r->why, "%s", q.why[0] ? q.why : "no answer");
		rc = -1;
	} else {
		parse_answer(&q, r);
	}
	if (q.rx != NULL)
		explicit_bzero(q.rx, q.rx_len);
	free(q.rx);
	return rc;
}

void http_reply_clear(struct http_reply *r)
{
	json_decref(r->body);
	r->body = NULL;
}
