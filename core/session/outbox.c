/*
 * outbox.c - per-session bounded queues of encoded frames.
 *
 * The core never writes sockets: it fills outboxes and asks the gateway
 * (hooks.want_write) to come and write, one frame per writable callback.  An
 * outbox has a cap in frames and in bytes; a consumer that falls that far
 * behind is cut off with CLOSE_LAGGING and its queue freed, so the server's
 * memory stays bounded.  It resyncs from its last id when it reconnects.
 *
 * The welcome, built on the reader thread, has its place held by an empty
 * frame (welcome_slot) from the auth on: what is queued behind it is not
 * written until the welcome fills the place, so it is still the first
 * frame after the auth, whatever was fanned out meanwhile.
 */
#include "session_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

struct out_frame *outbox_frame_new(struct hub *h, char *json)
{
	if (json == NULL)
		return NULL;
	size_t len = strlen(json);
	struct out_frame *f = malloc(sizeof *f + h->cfg.frame_headroom + len);
	if (f != NULL) {
		f->refs = 1;
		f->len = len;
		memcpy(f->data + h->cfg.frame_headroom, json, len);
	}
	free(json);
	return f;
}

void outbox_frame_unref(struct out_frame *f)
{
	if (f != NULL && --f->refs == 0)
		free(f);
}

void outbox_clear(struct session *s)
{
	metrics_gauge_add(s->hub->metrics, MG_OUTBOX_FRAMES, -(int64_t)s->count);
	metrics_gauge_add(s->hub->metrics, MG_OUTBOX_BYTES, -(int64_t)s->bytes);
	while (s->count > 0) {
		outbox_frame_unref(s->q[s->head]);
		s->head = (s->head + 1) % s->cap;
		s->count--;
	}
	s->bytes = 0;
	s->welcome_slot = NULL; /* dropped with the rest: the welcome is not sent */
}

static bool outbox_grow(struct session *s)
{
	size_t cap = s->cap ? s->cap * 2 : 16;
	struct out_frame **q = malloc(cap * sizeof *q);
	if (q == NULL)
		return false;
	for (size_t i = 0; i < s->count; i++)
		q[i] = s->q[(s->head + i) % s->cap];
	free(s->q);
	s->q = q;
	s->cap = cap;
	s->head = 0;
	return true;
}

/* Cuts off a session whose outbox would pass its caps with len more bytes
 * in one more frame (frames: 0 when the frame takes a place already held);
 * true when it did. */
static bool outbox_lagging(struct session *s, size_t frames, size_t len)
{
	const struct hub_config *cfg = &s->hub->cfg;
	if (s->count + frames <= cfg->outbox_max_frames && s->bytes + len <= cfg->outbox_max_bytes)
		return false;
	metrics_inc(s->hub->metrics, MC_WS_LAGGING);
	hub_log(s->hub, HUB_LOG_WARNING, "ws_closed_lagging",
	        "session=%llu user=%lld frames=%zu bytes=%zu", (unsigned long long)s->id,
	        (long long)s->user.ref.id, s->count, s->bytes);
	outbox_clear(s);
	session_close(s, CLOSE_LAGGING, "too far behind; reconnect and sync");
	return true;
}

bool outbox_ready(const struct session *s)
{
	return s->count > 0 && s->q[s->head] != s->welcome_slot;
}

void outbox_push(struct session *s, struct out_frame *f)
{
	if (f == NULL || s->close_code != 0)
		return;
	if (outbox_lagging(s, 1, f->len))
		return;
	if (s->count == s->cap && !outbox_grow(s)) {
		outbox_clear(s);
		session_close(s, CLOSE_LAGGING, "out of memory; reconnect and sync");
		return;
	}
	f->refs++;
	s->q[(s->head + s->count) % s->cap] = f;
	s->count++;
	s->bytes += f->len;
	metrics_gauge_add(s->hub->metrics, MG_OUTBOX_FRAMES, 1);
	metrics_gauge_add(s->hub->metrics, MG_OUTBOX_BYTES, (int64_t)f->len);
	if (s->count == 1 && outbox_ready(s))
		s->hub->hooks.want_write(s->transport);
}

void outbox_hold_welcome(struct session *s)
{
	struct out_frame *f = malloc(sizeof *f + s->hub->cfg.frame_headroom);
	if (f == NULL) {
		session_fail(s, CLOSE_INTERNAL, "out of memory");
		return;
	}
	f->refs = 1;
	f->len = 0;
	s->welcome_slot = f;
	outbox_push(s, f);
	if (f->refs == 1) /* refused: the session is closing */
		s->welcome_slot = NULL;
	outbox_frame_unref(f);
}

void outbox_fill_welcome(struct session *s, char *json)
{
	struct out_frame *slot = s->welcome_slot, *f = outbox_frame_new(s->hub, json);
	if (slot == NULL || (f != NULL && outbox_lagging(s, 0, f->len))) {
		outbox_frame_unref(f);
		return;
	}
	if (f == NULL) {
		session_fail(s, CLOSE_INTERNAL, "internal error");
		return;
	}
	size_t i = 0;
	while (s->q[(s->head + i) % s->cap] != slot) /* held, so it is there */
		i++;
	s->q[(s->head + i) % s->cap] = f; /* the queue takes outbox_frame_new's reference */
	s->bytes += f->len;
	metrics_gauge_add(s->hub->metrics, MG_OUTBOX_BYTES, (int64_t)f->len);
	s->welcome_slot = NULL;
	outbox_frame_unref(slot);
	if (i == 0)
		s->hub->hooks.want_write(s->transport);
}

void outbox_send_json(struct session *s, char *json)
{
	struct out_frame *f = outbox_frame_new(s->hub, json);
	if (f == NULL) {
		session_close(s, CLOSE_INTERNAL, "internal error");
		return;
	}
	outbox_push(s, f);
	outbox_frame_unref(f);
}

void outbox_send_error(struct session *s, const char *ref, int err, const char *message)
{
	metrics_error(s->hub->metrics, MT_WS, err);
	outbox_send_json(s, codec_encode_error(ref, err, message ? message : err_message(err)));
}

const unsigned char *outbox_next_frame(struct session *s, size_t *len)
{
	if (!outbox_ready(s))
		return NULL;
	struct out_frame *f = s->q[s->head];
	*len = f->len;
	return f->data + s->hub->cfg.frame_headroom;
}

void outbox_frame_done(struct session *s)
{
	if (!outbox_ready(s))
		return;
	struct out_frame *f = s->q[s->head];
	s->bytes -= f->len;
	s->head = (s->head + 1) % s->cap;
	s->count--;
	metrics_gauge_add(s->hub->metrics, MG_OUTBOX_FRAMES, -1);
	metrics_gauge_add(s->hub->metrics, MG_OUTBOX_BYTES, -(int64_t)f->len);
	metrics_inc(s->hub->metrics, MC_WS_FRAMES_OUT);
	outbox_frame_unref(f);
}
