/*
 * test_session.c - the lifecycle of a WebSocket session
 * (core/session/session.c, its state diagram) on a running hub: each
 * transition with its close code, the deadline list, the limits of
 * connections per account and per sign-in, the rate limit and the close
 * of an abuser, and the registry of signed-in sessions per user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/common/close.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/session/session_int.h"
#include "core/store/store_int.h"
#include "live.h"

static struct live l;

static int close_code(struct session *s)
{
	int code = 0;
	const char *reason;
	live_take_all(s);
	return session_close_pending(s, &code, &reason) ? code : 0;
}

/* NEW -> CLOSING: a frame before the auth, a bad token, the deadline. */
static void test_refused_before_auth(void)
{
	struct hub *h = live_start(&l, (struct hub_config){0});
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(s->state, SESSION_NEW);
	live_input(s, "{\"type\":\"ping\",\"ref\":\"p\"}");
	CHECK_EQ(s->state, SESSION_CLOSING);
	char *f = live_take(s);
	CHECK(live_is(f, "error") && strstr(f, "unauthorized") && strstr(f, "\"ref\":\"p\""));
	free(f);
	CHECK_EQ(close_code(s), CLOSE_UNAUTHORIZED);
	/* Closing: what still arrives is not handled. */
	live_input(s, "{\"type\":\"ping\"}");
	CHECK(live_take(s) == NULL);
	session_closed(s);

	s = session_open(h, NULL, "127.0.0.1");
	live_input(s, "{\"type\":\"auth\",\"token\":\"not-a-token\"}");
	CHECK_EQ(s->state, SESSION_CLOSING);
	CHECK_EQ(close_code(s), CLOSE_UNAUTHORIZED);
	CHECK(registry_sessions_of(h, l.w.anna) == NULL);
	session_closed(s);

	/* The deadline: only the sessions past it, in opening order; one that
	 * signed in meanwhile is left alone. */
	struct session *a = session_open(h, NULL, "127.0.0.1");
	struct session *b = session_open(h, NULL, "127.0.0.1");
	struct session *c = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(b, l.tok_anna), ERR_OK);
	a->auth_deadline_ms = b->auth_deadline_ms = text_now_ms() - 1;
	session_expire_unauthenticated(h);
	CHECK_EQ(a->state, SESSION_CLOSING);
	CHECK_EQ(close_code(a), CLOSE_UNAUTHORIZED);
	CHECK_EQ(b->state, SESSION_AUTHED);
	CHECK_EQ(b->close_code, 0);
	CHECK_EQ(c->state, SESSION_NEW); /* its deadline is 10 s away */
	CHECK(h->auth_head == c);
	session_auth_deadline(c);
	CHECK_EQ(close_code(c), CLOSE_UNAUTHORIZED);
	session_closed(a);
	session_closed(b);
	session_closed(c);
	CHECK(h->auth_head == NULL && h->auth_tail == NULL);
	live_stop(&l, h);
}

/* NEW -> AUTHED, by the cookie or the auth frame; then in the registry;
 * session_closed() takes it out again. */
static void test_sign_in_and_registry(void)
{
	struct hub *h = live_start(&l, (struct hub_config){0});
	if (h == NULL)
		return;
	struct session *s1 = session_open(h, NULL, "127.0.0.1");
	struct session *s2 = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s1, l.tok_mette), ERR_OK);
	char auth[160];
	snprintf(auth, sizeof auth, "{\"type\":\"auth\",\"token\":\"%s\"}", l.tok_mette);
	live_input(s2, auth);
	CHECK_EQ(s1->state, SESSION_AUTHED);
	CHECK_EQ(s2->state, SESSION_AUTHED);
	live_drain(h);
	char *f = live_take(s2);
	CHECK(live_is(f, "welcome"));
	free(f);
	live_take_all(s1);
	/* A second auth is refused, and changes nothing. */
	live_input(s2, auth);
	f = live_take(s2);
	CHECK(live_is(f, "error") && strstr(f, "bad_request"));
	free(f);
	CHECK_EQ(s2->state, SESSION_AUTHED);

	int n = 0;
	for (struct session *t = registry_sessions_of(h, l.w.mette); t; t = t->next_of_user)
		n += t == s1 || t == s2;
	CHECK_EQ(n, 2);
	session_closed(s1);
	CHECK(registry_sessions_of(h, l.w.mette) == s2);
	CHECK(s2->next_of_user == NULL);
	session_closed(s2);
	CHECK(registry_sessions_of(h, l.w.mette) == NULL);
	live_stop(&l, h);
}

/* One more signed-in connection than the sign-in or the account allows is
 * refused with 4429 and never registered. */
static void test_connection_limits(void)
{
	struct hub *h = live_start(&l, (struct hub_config){.per_device = 2, .per_account = 3});
	if (h == NULL)
		return;
	struct session *s[4];
	for (int i = 0; i < 3; i++)
		s[i] = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s[0], l.tok_anna), ERR_OK);
	CHECK_EQ(session_auth_token(s[1], l.tok_anna), ERR_OK);
	CHECK_EQ(session_auth_token(s[2], l.tok_anna), ERR_RATE_LIMITED);
	CHECK_EQ(s[2]->state, SESSION_CLOSING);
	CHECK_EQ(close_code(s[2]), CLOSE_TOO_MANY);
	int n = 0;
	for (struct session *t = registry_sessions_of(h, l.w.anna); t; t = t->next_of_user)
		n++;
	CHECK_EQ(n, 2);
	session_closed(s[2]);
	session_closed(s[1]);
	/* A closed one gives its place back. */
	s[1] = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s[1], l.tok_anna), ERR_OK);
	session_closed(s[0]);
	session_closed(s[1]);
	(void)s[3];
	live_stop(&l, h);
}

/* The rate limit: a bucket of twice ws_rate; refusals while sending on
 * close with 1008 at the 200th; a pause of a second starts afresh. */
static void test_rate_limit(void)
{
	struct hub *h = live_start(&l, (struct hub_config){.ws_rate = 1});
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, l.tok_mette), ERR_OK);
	live_drain(h);
	live_take_all(s);
	live_input(s, "{\"type\":\"ping\"}");
	live_input(s, "{\"type\":\"ping\"}");
	char *f = live_take(s);
	CHECK(live_is(f, "pong"));
	free(f);
	live_take_all(s);
	live_input(s, "{\"type\":\"ping\"}"); /* the bucket is empty */
	f = live_take(s);
	CHECK(live_is(f, "error") && strstr(f, "rate_limited"));
	free(f);
	CHECK_EQ(s->strikes, 1);
	for (int i = 0; i < 150; i++)
		live_input(s, "{\"type\":\"ping\"}");
	CHECK_EQ(s->strikes, 151);
	CHECK_EQ(s->state, SESSION_AUTHED);
	/* It paused: earlier refusals were heeded. */
	s->bucket_at -= 1000;
	live_input(s, "{\"type\":\"ping\"}");
	CHECK_EQ(s->strikes, 0);
	live_take_all(s);
	for (int i = 0; i < 199 && s->state == SESSION_AUTHED; i++)
		live_input(s, "{\"type\":\"ping\"}");
	CHECK_EQ(s->state, SESSION_AUTHED);
	live_input(s, "{\"type\":\"ping\"}"); /* the 200th refusal in a row */
	CHECK_EQ(s->state, SESSION_CLOSING);
	CHECK_EQ(close_code(s), CLOSE_POLICY);
	session_closed(s);
	live_stop(&l, h);
}

/* AUTHED -> CLOSING by session_fail(): the outbox is dropped first. */
static void test_fail_drops_outbox(void)
{
	struct hub *h = live_start(&l, (struct hub_config){0});
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, l.tok_anna), ERR_OK);
	live_drain(h);
	live_input(s, "{\"type\":\"ping\"}");
	CHECK(s->count > 0);
	session_fail(s, CLOSE_INTERNAL, "test");
	CHECK_EQ(s->count, 0);
	CHECK_EQ(s->state, SESSION_CLOSING);
	CHECK_EQ(close_code(s), CLOSE_INTERNAL);
	/* A session that was refused (4403 at the upgrade) likewise. */
	struct session *t = session_open(h, NULL, "127.0.0.1");
	session_refuse(t, ERR_FORBIDDEN, CLOSE_REVOKED, "origin");
	char *f = live_take(t);
	CHECK(live_is(f, "error") && strstr(f, "forbidden"));
	free(f);
	CHECK_EQ(close_code(t), CLOSE_REVOKED);
	session_closed(t);
	session_closed(s);
	live_stop(&l, h);
}

/* Only what a person does keeps a sign-in from going idle (lifetime.c):
 * send, read and history; not what the clients send on their own (auth at
 * a reconnect, ping, delivered, viewing, sync). */
static void test_activity_by_frame(void)
{
	struct hub *h = live_start(&l, (struct hub_config){0});
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(s, l.tok_anna), ERR_OK);
	CHECK_EQ(s->active_at, 0); /* opening a connection is no activity */
	live_drain(h);
	live_take_all(s);
	char frame[200];
	/* Each frame is the text before and after the conversation's id. */
	const char *automatic[][2] = {
	    {"{\"type\":\"ping\",\"n\":", "}"},
	    {"{\"type\":\"delivered\",\"conv\":", ",\"upto\":1}"},
	    {"{\"type\":\"viewing\",\"conv\":", "}"},
	    {"{\"type\":\"sync\",\"after\":", "}"},
	};
	for (size_t i = 0; i < sizeof automatic / sizeof *automatic; i++) {
		snprintf(frame, sizeof frame, "%s%lld%s", automatic[i][0], (long long)l.w.conv_a,
		         automatic[i][1]);
		live_input(s, frame);
		live_drain(h);
		CHECK_EQ(s->active_at, 0);
		CHECK_EQ(s->state, SESSION_AUTHED);
	}
	const char *person[][2] = {
	    {"{\"type\":\"read\",\"upto\":0,\"conv\":", "}"},
	    {"{\"type\":\"history\",\"conv\":", "}"},
	    {"{\"type\":\"send\",\"client_id\":\"act\",\"body\":\"hej\",\"conv\":", "}"},
	};
	for (size_t i = 0; i < sizeof person / sizeof *person; i++) {
		s->active_at = 0;
		snprintf(frame, sizeof frame, "%s%lld%s", person[i][0], (long long)l.w.conv_a,
		         person[i][1]);
		int64_t before = text_now_ms();
		live_input(s, frame);
		live_drain(h);
		CHECK(s->active_at >= before);
	}
	live_take_all(s);
	/* Idle by the loop's memory only: the store has a newer use (an HTTP
	 * request of the same sign-in), so the frame is answered. */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE tokens SET last_used_at = %lld WHERE id = %lld",
	         (long long)text_now_ms(), (long long)s->token.id);
	CHECK_EQ(sqlite3_exec(store_db(h->store), sql, NULL, NULL, NULL), SQLITE_OK);
	s->token.idle_ms = 1000;
	s->token.last_used_at = s->active_at = text_now_ms() - 2000;
	live_input(s, "{\"type\":\"ping\",\"ref\":\"p\"}");
	live_drain(h);
	CHECK_EQ(s->state, SESSION_AUTHED);
	CHECK(s->token.last_used_at > text_now_ms() - 2000);
	live_take_all(s);
	/* Past the idle limit, by the loop's memory and by the store (an HTTP
	 * request of the same sign-in would have moved the stored last use), a
	 * frame is refused and the close says why. */
	s->token.idle_ms = 1000;
	s->token.last_used_at = s->active_at = text_now_ms() - 2000;
	snprintf(sql, sizeof sql, "UPDATE tokens SET last_used_at = %lld WHERE id = %lld",
	         (long long)s->token.last_used_at, (long long)s->token.id);
	CHECK_EQ(sqlite3_exec(store_db(h->store), sql, NULL, NULL, NULL), SQLITE_OK);
	live_input(s, "{\"type\":\"delivered\",\"conv\":1,\"upto\":1,\"ref\":\"d\"}");
	CHECK_EQ(s->state, SESSION_CLOSING);
	char *f = live_take(s);
	CHECK(live_is(f, "error") && strstr(f, "unauthorized") && strstr(f, "\"ref\":\"d\""));
	free(f);
	int code = 0;
	const char *reason = NULL;
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_UNAUTHORIZED);
	CHECK(reason != NULL && strcmp(reason, "idle") == 0);
	session_closed(s);
	live_stop(&l, h);
}

int main(void)
{
	test_refused_before_auth();
	test_sign_in_and_registry();
	test_connection_limits();
	test_rate_limit();
	test_fail_drops_outbox();
	test_activity_by_frame();
	return check_report("session");
}
