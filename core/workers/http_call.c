/*
 * http_call.c - one HTTP request on its way through the hub: started on the
 * loop (http_call_start), run whole on an HTTP worker (workers.c), handed
 * back through done_q and applied on the loop (http_call_apply), which
 * closes the WebSockets a sign-out or revocation ended, announces a new
 * conversation and fans a notice out before the transport writes the
 * response.  A streamed answer asks for each further chunk (http_call_more).
 *
 * The call belongs to the transport from start to release; a transport
 * that goes away while a worker holds the call abandons it, and the loop
 * frees it when the worker hands it back.
 */
#include "workers_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../kannel/kannel.h"
#include "../notify/notify.h"
#include "../scan/scan.h"
#include "../session/session_int.h"

struct http_call *http_call_start(struct hub *h, void *transport, struct api_request *req)
{
	struct http_call *c = calloc(1, sizeof *c);
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
	job_queue_push(&h->http_q, j);
	return c;
}

const struct api_response *http_call_response(struct http_call *c)
{
	return c->done ? &c->resp : NULL;
}

/* Hands c back to a worker for its next step. */
static bool requeue(struct http_call *c)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return false;
	c->done = false;
	j->type = JOB_HTTP;
	j->call = c;
	c->hub->inflight++;
	job_queue_push(&c->hub->http_q, j);
	return true;
}

bool http_call_more(struct http_call *c)
{
	return c->resp.stream != NULL && !c->resp.stream_done && requeue(c);
}

bool http_call_finish(struct http_call *c)
{
	return c->resp.upload_accepted && c->done && requeue(c);
}

static void http_call_free(struct http_call *c)
{
	api_request_free(&c->req);
	api_response_free(&c->resp);
	free(c);
}

void http_call_release(struct http_call *c)
{
	if (c == NULL)
		return;
	if (c->done) {
		http_call_free(c);
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
		struct session *first = registry_sessions_of(h, r.users[i]);
		struct conv c;
		if (first == NULL)
			continue;
		if (store_conversation(h->store, &first->user, conv_id, text_now_ms(), &c) ==
		    ERR_OK) {
			struct out_frame *f = outbox_frame_new(h, codec_encode_conversation(&c));
			for (struct session *s = first; s; s = s->next_of_user)
				if (s->state == SESSION_AUTHED)
					outbox_push(s, f);
			outbox_frame_unref(f);
		}
		conv_clear(&c);
	}
	route_set_free(&r);
}

/* A frame the call made (*frame, taken) to the connections of *to. */
static void fan_out(struct hub *h, char **frame, const struct route_set *to)
{
	if (*frame == NULL)
		return;
	struct out_frame *f = outbox_frame_new(h, *frame);
	*frame = NULL; /* the frame owns it now */
	registry_fan_out(h, to, f, NULL);
	outbox_frame_unref(f);
}

/* Loop thread: the worker finished c. */
void http_call_apply(struct hub *h, struct http_call *c)
{
	c->done = true;
	if (!c->applied && (c->resp.close_token_id || c->resp.close_device_id))
		idmap_each(h->sessions, close_matching, &c->resp);
	if (!c->applied && c->resp.created_conv)
		announce_conversation(h, c->resp.created_conv);
	if (c->resp.proven && h->hooks.signed_in && c->transport)
		h->hooks.signed_in(c->transport);
	if (c->resp.pushes > 0)
		notify_wake(h->notify);
	if (c->resp.sms > 0)
		kannel_wake(h->kannel);
	if (c->resp.uploaded) { /* once: only the upload's last step sets it */
		metrics_inc(h->metrics, MC_UPLOADS);
		scan_wake(h->scan);
	}
	fan_out(h, &c->resp.notice, &c->resp.notice_to);
	fan_out(h, &c->resp.waiting, &c->resp.waiting_to);
	c->applied = true;
	if (c->abandoned)
		http_call_free(c);
	else
		h->hooks.want_write(c->transport);
}
