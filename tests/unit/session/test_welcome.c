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
#include <pthread.h>
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

/* The wake hook, as a semaphore the loop (this thread) waits on. */
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static int wakes;

static void hook_wake(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&wake_mu);
	wakes++;
	pthread_cond_signal(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

static void hook_want_write(void *transport)
{
	(void)transport;
}

/* The loop: waits for the threads and applies their results until none is
 * in flight. */
static void drain_all(struct hub *h)
{
	hub_drain(h);
	while (h->inflight > 0) {
		pthread_mutex_lock(&wake_mu);
		while (wakes == 0)
			pthread_cond_wait(&wake_cv, &wake_mu);
		wakes = 0;
		pthread_mutex_unlock(&wake_mu);
		hub_drain(h);
	}
}

static char db_path[64];
static char tok_mette[AUTH_TOKEN_LEN + 1], tok_anna[AUTH_TOKEN_LEN + 1];
static struct world w;

static void token_for(int64_t user, char *token)
{
	uint8_t hash[32];
	int64_t tid, now = text_now_ms();
	CHECK_EQ(auth_token_new(token, hash), ERR_OK);
	CHECK_EQ(store_token_insert(w.s, hash, user, 0, now, now + 3600 * 1000, &tid), ERR_OK);
}

static struct hub *hub_new(void)
{
	snprintf(db_path, sizeof db_path, "/tmp/indgang-welcome-%d.db", (int)getpid());
	unlink(db_path);
	CHECK_EQ(world_build(&w, db_path), 0);
	token_for(w.mette, tok_mette);
	token_for(w.anna, tok_anna);
	world_free(&w);
	struct hub_config cfg = {.db_path = db_path};
	struct hub_hooks hooks = {.wake = hook_wake, .want_write = hook_want_write};
	struct hub *h = NULL;
	CHECK_EQ(hub_create(&cfg, &hooks, &h), ERR_OK);
	return h;
}

static void hub_done(struct hub *h)
{
	hub_destroy(h);
	char p[80];
	unlink(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
}

/* The next frame's text (a copy, caller frees), taken from the outbox; NULL
 * when nothing can be written. */
static char *take_frame(struct session *s)
{
	size_t len;
	const unsigned char *f = outbox_next_frame(s, &len);
	if (f == NULL)
		return NULL;
	char *out = strndup((const char *)f, len);
	outbox_frame_done(s);
	return out;
}

static bool frame_is(const char *frame, const char *type)
{
	char want[64];
	snprintf(want, sizeof want, "\"type\":\"%s\"", type);
	return frame != NULL && strstr(frame, want) != NULL;
}

static void input(struct session *s, const char *json)
{
	session_input(s, json, strlen(json));
}

/* Signing in returns at once; the welcome comes from hub_drain(), first,
 * and a reply to a frame sent right after the auth follows it. */
static void test_welcome_after_drain(void)
{
	struct hub *h = hub_new();
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, tok_mette), ERR_OK);
	CHECK_EQ(s->state, SESSION_AUTHED);
	/* Not built on this thread: nothing to write until the hub drains. */
	char *f = take_frame(s);
	CHECK(f == NULL);
	free(f);
	input(s, "{\"type\":\"ping\",\"ref\":\"right-after-auth\"}");
	f = take_frame(s);
	CHECK(f == NULL); /* the pong waits behind the welcome */
	free(f);

	drain_all(h);
	f = take_frame(s);
	CHECK(frame_is(f, "welcome"));
	free(f);
	f = take_frame(s);
	CHECK(frame_is(f, "pong") && strstr(f, "right-after-auth") != NULL);
	free(f);
	CHECK(take_frame(s) == NULL);
	session_closed(s);
	hub_done(h);
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
	CHECK_EQ(session_auth_token(anna, tok_anna), ERR_OK);
	drain_all(h);
	char *f = take_frame(anna);
	CHECK(frame_is(f, "welcome"));
	free(f);

	struct session *mette = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(mette, tok_mette), ERR_OK);
	char send[128];
	snprintf(send, sizeof send,
	         "{\"type\":\"send\",\"conv\":%lld,\"client_id\":\"w1\",\"body\":\"Hej Mette\"}",
	         (long long)w.conv_a);
	input(anna, send);
	drain_all(h);

	f = take_frame(anna);
	CHECK(frame_is(f, "ack"));
	free(f);
	f = take_frame(mette);
	CHECK(frame_is(f, "welcome"));
	free(f);
	f = take_frame(mette);
	CHECK(frame_is(f, "message") && strstr(f, "Hej Mette") != NULL);
	free(f);
	CHECK(take_frame(mette) == NULL);
	session_closed(anna);
	session_closed(mette);
	hub_done(h);
}

/* Gone before its welcome was built: the result finds no session. */
static void test_closed_while_building(void)
{
	struct hub *h = hub_new();
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, tok_mette), ERR_OK);
	session_closed(s);
	drain_all(h);
	CHECK_EQ(idmap_count(h->sessions), 0);
	hub_done(h);
}

/* Cut off (its outbox dropped, e.g. revoked) while the welcome is built:
 * the close goes out, and no welcome after it. */
static void test_cut_off_while_building(void)
{
	struct hub *h = hub_new();
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, tok_mette), ERR_OK);
	session_fail(s, CLOSE_REVOKED, "revoked");
	int code;
	const char *reason;
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_REVOKED);
	drain_all(h);
	char *f = take_frame(s);
	CHECK(f == NULL);
	free(f);
	CHECK(session_close_pending(s, &code, &reason));
	session_closed(s);
	hub_done(h);
}

int main(void)
{
	test_welcome_after_drain();
	test_message_while_welcome_builds();
	test_closed_while_building();
	test_cut_off_while_building();
	return check_report("welcome");
}
