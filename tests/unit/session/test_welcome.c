/*
 * test_welcome.c - the welcome is built off the event loop (core/hub) and
 * still comes first: session_auth_token() returns without it, it arrives
 * through hub_drain() like every result of the hub's threads, and whatever
 * is queued for the session meanwhile (a reply, a message fanned out) waits
 * behind it; a session that closes or is cut off while its welcome is being
 * built loses nothing else and leaks nothing.
 *
 * Not timed: the test waits for the hub's wake hook, as the gateway does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/session/session_int.h"
#include "live.h"

/* The hub on the test world, with the loop played by this thread (live.c). */
static struct live l;

static struct hub *hub_new(void)
{
	return live_start(&l, (struct hub_config){0});
}

/* Signing in returns at once; the welcome comes from hub_drain(), first,
 * and a reply to a frame sent right after the auth follows it. */
static void test_welcome_after_drain(void)
{
	struct hub *h = hub_new();
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, l.tok_mette), ERR_OK);
	CHECK_EQ(s->state, SESSION_AUTHED);
	/* Not built on this thread: nothing to write until the hub drains. */
	char *f = live_take(s);
	CHECK(f == NULL);
	free(f);
	live_input(s, "{\"type\":\"ping\",\"ref\":\"right-after-auth\"}");
	f = live_take(s);
	CHECK(f == NULL); /* the pong waits behind the welcome */
	free(f);

	live_drain(h);
	f = live_take(s);
	CHECK(live_is(f, "welcome"));
	free(f);
	f = live_take(s);
	CHECK(live_is(f, "pong") && strstr(f, "right-after-auth") != NULL);
	free(f);
	CHECK(live_take(s) == NULL);
	session_closed(s);
	live_stop(&l, h);
}

/* A message committed while Mette's welcome is being built is either in
 * the welcome (id <= last_id) or delivered after it; never before it, never
 * lost. */
static void test_message_while_welcome_builds(void)
{
	struct hub *h = hub_new();
	if (h == NULL)
		return;
	struct session *anna = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(anna, l.tok_anna), ERR_OK);
	live_drain(h);
	char *f = live_take(anna);
	CHECK(live_is(f, "welcome"));
	free(f);

	struct session *mette = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(mette, l.tok_mette), ERR_OK);
	char send[128];
	snprintf(send, sizeof send,
	         "{\"type\":\"send\",\"conv\":%lld,\"client_id\":\"w1\",\"body\":\"Hej Mette\"}",
	         (long long)l.w.conv_a);
	live_input(anna, send);
	live_drain(h);

	f = live_take(anna);
	CHECK(live_is(f, "ack"));
	free(f);
	f = live_take(mette);
	CHECK(live_is(f, "welcome"));
	free(f);
	f = live_take(mette);
	CHECK(live_is(f, "message") && strstr(f, "Hej Mette") != NULL);
	free(f);
	CHECK(live_take(mette) == NULL);
	session_closed(anna);
	session_closed(mette);
	live_stop(&l, h);
}

/* Gone before its welcome was built: the result finds no session. */
static void test_closed_while_building(void)
{
	struct hub *h = hub_new();
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, l.tok_mette), ERR_OK);
	session_closed(s);
	live_drain(h);
	CHECK_EQ(idmap_count(h->sessions), 0);
	live_stop(&l, h);
}

/* Cut off (its outbox dropped, e.g. revoked) while the welcome is built:
 * the close goes out, and no welcome after it. */
static void test_cut_off_while_building(void)
{
	struct hub *h = hub_new();
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, l.tok_mette), ERR_OK);
	session_fail(s, CLOSE_REVOKED, "revoked");
	int code;
	const char *reason;
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_REVOKED);
	live_drain(h);
	char *f = live_take(s);
	CHECK(f == NULL);
	free(f);
	CHECK(session_close_pending(s, &code, &reason));
	session_closed(s);
	live_stop(&l, h);
}

int main(void)
{
	test_welcome_after_drain();
	test_message_while_welcome_builds();
	test_closed_while_building();
	test_cut_off_while_building();
	return check_report("welcome");
}
