/*
 * test_outbox.c - the outbox of a session (core/session/outbox.c) on a
 * running hub: frames go out in order, after the headroom the gateway
 * reserves; one encoded frame is shared by every outbox it is pushed to and
 * freed with the last; the gateway is asked to write only when a frame
 * arrives in an empty outbox; an outbox past its cap in frames or in bytes
 * is dropped and its session closed with 4408; the welcome's held place
 * keeps whatever is queued behind it until it is filled; a close waits
 * until the outbox is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/common/close.h"
#include "core/common/err.h"
#include "core/session/session_int.h"
#include "live.h"

#define HEADROOM 16

static struct live l;

static struct hub *start(size_t max_frames, size_t max_bytes)
{
	struct hub_config cfg = {.frame_headroom = HEADROOM,
	                         .outbox_max_frames = max_frames,
	                         .outbox_max_bytes = max_bytes};
	return live_start(&l, cfg);
}

/* Order, headroom, and the want_write hook. */
static void test_order_and_headroom(void)
{
	struct live_transport tp = {0};
	struct hub *h = start(0, 0);
	if (h == NULL)
		return;
	struct session *s = session_open(h, &tp, "127.0.0.1");
	CHECK(!session_wants_write(s));
	outbox_send_json(s, strdup("{\"n\":1}"));
	CHECK_EQ(tp.want_writes, 1); /* an empty outbox got a frame */
	outbox_send_json(s, strdup("{\"n\":2}"));
	outbox_send_json(s, strdup("{\"n\":3}"));
	CHECK_EQ(tp.want_writes, 1); /* the gateway keeps writing by itself */
	CHECK(session_wants_write(s));
	CHECK_EQ(s->count, 3);
	CHECK_EQ(s->bytes, 21);

	size_t len = 0;
	const unsigned char *f = outbox_next_frame(s, &len);
	CHECK(f != NULL && len == 7 && memcmp(f, "{\"n\":1}", 7) == 0);
	/* The headroom precedes the payload, inside the frame's own memory. */
	CHECK(f == s->q[s->head]->data + HEADROOM);
	CHECK(outbox_next_frame(s, &len) == f); /* not taken until done */
	outbox_frame_done(s);
	char *t = live_take(s);
	CHECK(t != NULL && strcmp(t, "{\"n\":2}") == 0);
	free(t);
	t = live_take(s);
	CHECK(t != NULL && strcmp(t, "{\"n\":3}") == 0);
	free(t);
	CHECK(outbox_next_frame(s, &len) == NULL);
	CHECK(!session_wants_write(s));
	CHECK_EQ(s->bytes, 0);
	outbox_frame_done(s); /* nothing to take: no harm */
	CHECK_EQ(s->count, 0);
	outbox_send_json(s, strdup("{\"n\":4}"));
	CHECK_EQ(tp.want_writes, 2); /* empty again, then a frame */
	session_closed(s);
	live_stop(&l, h);
}

/* One frame, three outboxes: one reference each, freed with the last. */
static void test_shared_frame(void)
{
	struct hub *h = start(0, 0);
	if (h == NULL)
		return;
	struct session *s[3];
	for (int i = 0; i < 3; i++)
		s[i] = session_open(h, NULL, "127.0.0.1");
	struct out_frame *f = outbox_frame_new(h, strdup("{\"type\":\"message\"}"));
	CHECK(f != NULL && f->refs == 1);
	for (int i = 0; i < 3; i++)
		outbox_push(s[i], f);
	CHECK_EQ(f->refs, 4);
	outbox_frame_unref(f); /* the pusher's reference */
	CHECK_EQ(f->refs, 3);
	CHECK_EQ(live_take_all(s[0]), 1);
	CHECK_EQ(f->refs, 2);
	outbox_clear(s[1]);
	CHECK_EQ(f->refs, 1);
	CHECK_EQ(s[1]->count, 0);
	/* The last one frees it (AddressSanitizer reports a leak otherwise). */
	for (int i = 0; i < 3; i++)
		session_closed(s[i]);
	live_stop(&l, h);
}

/* A cap in frames: the frame over it drops the outbox and closes (4408);
 * nothing more is queued, and the close goes out at once. */
static void test_frame_cap(void)
{
	struct live_transport tp = {0};
	struct hub *h = start(4, 0);
	if (h == NULL)
		return;
	struct session *s = session_open(h, &tp, "127.0.0.1");
	for (int i = 0; i < 4; i++)
		outbox_send_json(s, strdup("{}"));
	int code = 0;
	const char *reason = NULL;
	CHECK_EQ(s->count, 4);
	CHECK_EQ(s->close_code, 0);
	outbox_send_json(s, strdup("{}"));
	CHECK_EQ(s->count, 0);
	CHECK_EQ(s->bytes, 0);
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_LAGGING);
	CHECK(reason != NULL && strstr(reason, "sync") != NULL);
	outbox_send_json(s, strdup("{}"));
	CHECK_EQ(s->count, 0); /* closing: nothing more is taken */
	session_closed(s);
	live_stop(&l, h);
}

/* A cap in bytes works the same way. */
static void test_byte_cap(void)
{
	struct hub *h = start(0, 100);
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	char body[64];
	memset(body, 'x', 49);
	body[49] = '\0';
	outbox_send_json(s, strdup(body));
	outbox_send_json(s, strdup(body));
	CHECK_EQ(s->count, 2);
	CHECK_EQ(s->bytes, 98);
	CHECK_EQ(s->close_code, 0);
	outbox_send_json(s, strdup("{}")); /* 100: still within */
	CHECK_EQ(s->count, 3);
	CHECK_EQ(s->close_code, 0);
	outbox_send_json(s, strdup("1")); /* 101 */
	CHECK_EQ(s->count, 0);
	CHECK_EQ(s->close_code, CLOSE_LAGGING);
	session_closed(s);
	live_stop(&l, h);
}

/* The welcome's held place: what is queued behind it waits; filled, it
 * goes first; the gateway is asked to write when the place is filled at
 * the head. */
static void test_welcome_place(void)
{
	struct live_transport tp = {0};
	struct hub *h = start(0, 0);
	if (h == NULL)
		return;
	struct session *s = session_open(h, &tp, "127.0.0.1");
	outbox_hold_welcome(s);
	CHECK(s->welcome_slot != NULL);
	CHECK_EQ(tp.want_writes, 0); /* nothing can be written yet */
	outbox_send_json(s, strdup("{\"type\":\"pong\"}"));
	CHECK_EQ(s->count, 2);
	CHECK(live_take(s) == NULL);
	CHECK(!session_wants_write(s));
	outbox_fill_welcome(s, strdup("{\"type\":\"welcome\"}"));
	CHECK(s->welcome_slot == NULL);
	CHECK_EQ(tp.want_writes, 1);
	char *f = live_take(s);
	CHECK(live_is(f, "welcome"));
	free(f);
	f = live_take(s);
	CHECK(live_is(f, "pong"));
	free(f);
	CHECK(live_take(s) == NULL);

	/* Dropped meanwhile (cut off): the welcome is not sent after all. */
	outbox_hold_welcome(s);
	outbox_clear(s);
	CHECK(s->welcome_slot == NULL);
	outbox_fill_welcome(s, strdup("{\"type\":\"welcome\"}"));
	CHECK_EQ(s->count, 0);
	session_closed(s);
	live_stop(&l, h);
}

/* A close requested with frames queued waits until they are written. */
static void test_close_after_frames(void)
{
	struct hub *h = start(0, 0);
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	int code = 0;
	const char *reason = NULL;
	outbox_send_error(s, "r1", ERR_BAD_REQUEST, NULL);
	session_close(s, CLOSE_GOING_AWAY, "bye");
	session_close(s, CLOSE_POLICY, "second"); /* the first close stands */
	CHECK(!session_close_pending(s, &code, &reason));
	char *f = live_take(s);
	CHECK(live_is(f, "error") && strstr(f, "bad_request") != NULL && strstr(f, "r1"));
	free(f);
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_GOING_AWAY);
	CHECK_STR(reason, "bye");
	session_closed(s);
	live_stop(&l, h);
}

int main(void)
{
	test_order_and_headroom();
	test_shared_frame();
	test_frame_cap();
	test_byte_cap();
	test_welcome_place();
	test_close_after_frames();
	return check_report("outbox");
}
