/*
 * test_keepalive.c - unit tests for the hub's WebSocket keep-alive
 * (core/session/keepalive.c) on a real hub and store: a signed-in session that
 * stays silent is pinged once after idle_ping_ms, anything it sends (or its
 * pong) counts as alive again, and silence until idle_drop_ms closes it with
 * 1001; the sweep that runs every tick reaches every session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/session/session_int.h"
#include "world.h"

#define PING_MS 30000
#define DROP_MS 75000

struct transport {
	int want_writes;
};

static void hook_wake(void *ctx)
{
	(void)ctx;
}

static void hook_want_write(void *transport)
{
	((struct transport *)transport)->want_writes++;
}

static char db_path[64];

/* A hub on a fresh world, and a session signed in as Mette (a parent). */
static struct hub *hub_with_session(struct transport *tp, struct session **out)
{
	struct world w;
	char token[AUTH_TOKEN_LEN + 1];
	uint8_t hash[32];
	int64_t tid, now = text_now_ms();
	snprintf(db_path, sizeof db_path, "/tmp/indgang-keepalive-%d.db", (int)getpid());
	unlink(db_path);
	CHECK_EQ(world_build(&w, db_path), 0);
	CHECK_EQ(auth_token_new(token, hash), ERR_OK);
	CHECK_EQ(store_token_insert(w.s, hash, w.mette, 0, now, now + 3600 * 1000, &tid), ERR_OK);
	world_free(&w);

	struct hub_config cfg = {
	    .db_path = db_path, .idle_ping_ms = PING_MS, .idle_drop_ms = DROP_MS};
	struct hub_hooks hooks = {.wake = hook_wake, .want_write = hook_want_write};
	struct hub *h = NULL;
	CHECK_EQ(hub_create(&cfg, &hooks, &h), ERR_OK);
	if (h == NULL)
		return NULL;
	struct session *s = session_open(h, tp, "127.0.0.1");
	CHECK(s != NULL);
	CHECK_EQ(session_auth_token(s, token), ERR_OK);
	CHECK_EQ(s->state, SESSION_AUTHED);
	/* What is written (the welcome is built on the hub's reader thread and
	 * not waited for here: keep-alive does not depend on it). */
	size_t len;
	while (outbox_next_frame(s, &len) != NULL)
		outbox_frame_done(s);
	*out = s;
	return h;
}

static void done(struct hub *h, struct session *s)
{
	session_closed(s);
	hub_destroy(h);
	char p[80];
	unlink(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
}

static void test_ping_then_drop(void)
{
	struct transport tp = {0};
	struct session *s = NULL;
	struct hub *h = hub_with_session(&tp, &s);
	if (h == NULL)
		return;
	int64_t t0 = s->heard_at;
	int code;
	const char *reason;

	/* Quiet, but not for long enough: nothing to write. */
	tp.want_writes = 0;
	CHECK(keepalive_check(s, t0 + PING_MS - 1));
	CHECK(!session_wants_write(s));
	CHECK(!keepalive_take_ping(s));
	CHECK_EQ(tp.want_writes, 0);

	/* Silent for idle_ping_ms: one ping, and the transport is told. */
	CHECK(keepalive_check(s, t0 + PING_MS));
	CHECK_EQ(tp.want_writes, 1);
	CHECK(session_wants_write(s));
	CHECK(keepalive_take_ping(s));
	CHECK(!keepalive_take_ping(s));
	CHECK(!session_wants_write(s));

	/* Still silent: no second ping, and still open. */
	CHECK(keepalive_check(s, t0 + PING_MS + 5000));
	CHECK(!keepalive_take_ping(s));
	CHECK(!session_close_pending(s, &code, &reason));

	/* Silent until idle_drop_ms: closed with 1001 and a reason. */
	CHECK(!keepalive_check(s, t0 + DROP_MS));
	CHECK_EQ(s->state, SESSION_CLOSING);
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_GOING_AWAY);
	CHECK_STR(reason, "no answer to ping");
	done(h, s);
}

static void test_heard_keeps_alive(void)
{
	struct transport tp = {0};
	struct session *s = NULL;
	struct hub *h = hub_with_session(&tp, &s);
	if (h == NULL)
		return;
	int code;
	const char *reason;

	/* Pinged, then the pong comes: alive, and the next silence pings again. */
	s->heard_at = text_now_ms() - PING_MS;
	CHECK(keepalive_check(s, text_now_ms()));
	CHECK(keepalive_take_ping(s));
	keepalive_heard(s);
	int64_t now = text_now_ms();
	CHECK(now - s->heard_at < 1000);
	CHECK(keepalive_check(s, now + DROP_MS - 1));
	CHECK(keepalive_take_ping(s));
	CHECK(!session_close_pending(s, &code, &reason));

	/* A frame counts as much as a pong: a ping frame of the protocol. */
	s->heard_at = text_now_ms() - DROP_MS + 1000;
	const char ping[] = "{\"type\":\"ping\",\"ref\":\"k\"}";
	keepalive_heard(s); /* the transport calls it for every chunk received */
	session_input(s, ping, strlen(ping));
	CHECK(keepalive_check(s, text_now_ms() + 1000));
	CHECK(!session_close_pending(s, &code, &reason));
	CHECK_EQ(s->state, SESSION_AUTHED);
	done(h, s);
}

/* hub_tick() reaches every session within HUB_RECHECK_MS worth of ticks. */
static void test_sweep_reaches_it(void)
{
	struct transport tp = {0};
	struct session *s = NULL;
	struct hub *h = hub_with_session(&tp, &s);
	if (h == NULL)
		return;
	int code;
	const char *reason;
	s->heard_at = text_now_ms() - DROP_MS - 1;
	for (int i = 0; i < HUB_RECHECK_MS / HUB_TICK_MS; i++)
		hub_tick(h);
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_GOING_AWAY);
	done(h, s);
}

int main(void)
{
	test_ping_then_drop();
	test_heard_keeps_alive();
	test_sweep_reaches_it();
	return check_report("keepalive");
}
