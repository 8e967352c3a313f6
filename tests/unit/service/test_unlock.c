/*
 * test_unlock.c - the idle lock of a staff sign-in (issue 12, "The
 * clients"), on a real store: which sign-ins lock instead of ending
 * (svc_authenticate_locked), opening one again with its own user's password
 * through the login throttle (svc_unlock), and the content-free unread count
 * a locked page may still ask for (svc_unread).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/service/service_int.h"

#define MIN_MS  (60 * (int64_t)1000)
#define IDLE_MS (30 * MIN_MS)
#define LIFE_MS (12 * 60 * MIN_MS)

static struct world w;
static struct svc_policy policy;

/* A real argon2id hash for a staff member of the world (built with "x"). */
static void set_password(int64_t user, const char *password)
{
	char phc[AUTH_HASH_MAX];
	CHECK_EQ(auth_password_hash(password, phc), ERR_OK);
	CHECK_EQ(store_staff_set_password(w.s, user, phc), ERR_OK);
}

/* A sign-in of user at t0 (device 0: a staff browser), as its token text. */
static void sign_in(int64_t user, int64_t device, int64_t t0, int64_t idle_ms,
                    char text[AUTH_TOKEN_LEN + 1])
{
	uint8_t hash[32];
	CHECK_EQ(auth_token_new(text, hash), ERR_OK);
	CHECK_EQ(store_token_issue(w.s, hash, user, device, t0, t0 + LIFE_MS, idle_ms, NULL),
	         ERR_OK);
}

/* Which sign-ins lock: a staff browser's that is only idle.  Expired,
 * revoked, deactivated and a phone's idle sign-in stay ended. */
static void test_what_locks(void)
{
	char anna[AUTH_TOKEN_LEN + 1], mette[AUTH_TOKEN_LEN + 1], bo[AUTH_TOKEN_LEN + 1];
	struct store_user u;
	struct store_token t;
	bool locked = true;
	int64_t t0 = text_now_ms(), dev;

	sign_in(w.anna, 0, t0, IDLE_MS, anna);
	CHECK_EQ(svc_authenticate_locked(w.s, anna, t0 + IDLE_MS - 1, &u, &t, &locked), ERR_OK);
	CHECK(!locked);
	CHECK_EQ(u.ref.id, w.anna);
	/* Idle: refused as before by svc_authenticate, locked here. */
	CHECK_EQ(svc_authenticate(w.s, anna, t0 + IDLE_MS, &u, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_IDLE);
	CHECK_EQ(svc_authenticate_locked(w.s, anna, t0 + IDLE_MS, &u, &t, &locked), ERR_OK);
	CHECK(locked);
	CHECK_EQ(u.ref.id, w.anna);
	CHECK_EQ(t.ended, AUTH_SESSION_IDLE);
	/* Its absolute lifetime still ends it. */
	CHECK_EQ(svc_authenticate_locked(w.s, anna, t0 + LIFE_MS, &u, &t, &locked),
	         ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_EXPIRED);
	/* A phone's idle sign-in has no password to unlock it with: ended. */
	CHECK_EQ(store_device_insert(w.s, w.mette, "Mettes telefon", t0, &dev), ERR_OK);
	sign_in(w.mette, dev, t0, IDLE_MS, mette);
	CHECK_EQ(svc_authenticate_locked(w.s, mette, t0 + 1, &u, &t, &locked), ERR_OK);
	CHECK(!locked);
	CHECK_EQ(svc_authenticate_locked(w.s, mette, t0 + IDLE_MS, &u, &t, &locked),
	         ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_IDLE);
	/* Signed out, or the account deactivated: ended. */
	sign_in(w.bo, 0, t0, IDLE_MS, bo);
	CHECK_EQ(svc_authenticate_locked(w.s, bo, t0 + IDLE_MS, &u, &t, &locked), ERR_OK);
	CHECK_EQ(store_token_revoke(w.s, t.id, t0 + IDLE_MS), ERR_OK);
	CHECK_EQ(svc_authenticate_locked(w.s, bo, t0 + IDLE_MS, &u, &t, &locked), ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_LIVE); /* not for time: revoked */
	sign_in(w.frida, 0, t0, IDLE_MS, bo);
	CHECK_EQ(store_user_set_active(w.s, w.frida, false), ERR_OK);
	CHECK_EQ(svc_authenticate_locked(w.s, bo, t0 + IDLE_MS, &u, &t, &locked), ERR_UNAUTHORIZED);
	CHECK_EQ(store_user_set_active(w.s, w.frida, true), ERR_OK);
	CHECK_EQ(svc_authenticate_locked(w.s, "not a token", t0, &u, &t, &locked),
	         ERR_UNAUTHORIZED);
}

/* The password of the sign-in's own user opens it again, with the same
 * answer as a wrong sign-in otherwise; an "unlock" row like a login's. */
static void test_unlock(void)
{
	char anna[AUTH_TOKEN_LEN + 1], mette[AUTH_TOKEN_LEN + 1];
	struct store_user u;
	struct store_token t;
	struct svc_session login;
	const char *why = NULL, *login_why = NULL;
	bool locked;
	int64_t t0 = text_now_ms(), at = t0 + IDLE_MS + 5 * MIN_MS, dev;
	struct auth_throttle *thr = auth_throttle_create();
	CHECK(thr != NULL);
	if (thr == NULL)
		return;
	set_password(w.anna, "anna-kodeord-1");
	set_password(w.bo, "bo-kodeord-12");

	/* What a wrong password at the sign-in form answers. */
	int login_err =
	    svc_login(w.s, &policy, thr, "anna", "forkert", "10.0.0.1", t0, &login, &login_why);
	CHECK_EQ(login_err, ERR_UNAUTHORIZED);

	sign_in(w.anna, 0, t0, IDLE_MS, anna);
	CHECK_EQ(svc_authenticate_locked(w.s, anna, at, &u, &t, &locked), ERR_OK);
	CHECK(locked);
	int unlocks = world_log_count(&w, "unlock");
	/* A wrong password, or another person's (bo's), is the same refusal. */
	CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "forkert", "10.0.0.1", at, &why), login_err);
	CHECK(why != NULL && login_why != NULL && strcmp(why, login_why) == 0);
	why = NULL;
	CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "bo-kodeord-12", "10.0.0.1", at, &why),
	         login_err);
	CHECK(why != NULL && strcmp(why, login_why) == 0);
	CHECK_EQ(svc_authenticate(w.s, anna, at, &u, &t), ERR_UNAUTHORIZED); /* still locked */
	CHECK_EQ(world_log_count(&w, "unlock"), unlocks);

	/* The right one: last use is now, so the sign-in is live again. */
	CHECK_EQ(svc_authenticate_locked(w.s, anna, at, &u, &t, &locked), ERR_OK);
	CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "anna-kodeord-1", "10.0.0.1", at, &why),
	         ERR_OK);
	CHECK_EQ(svc_authenticate(w.s, anna, at, &u, &t), ERR_OK);
	CHECK_EQ(t.last_used_at, at);
	CHECK_EQ(svc_authenticate(w.s, anna, at + IDLE_MS - 1, &u, &t), ERR_OK);
	CHECK_EQ(svc_authenticate(w.s, anna, at + IDLE_MS, &u, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(world_log_count(&w, "unlock"), unlocks + 1);

	/* A family member's sign-in has no password: refused, nothing written. */
	CHECK_EQ(store_device_insert(w.s, w.mette, "Mettes anden telefon", t0, &dev), ERR_OK);
	sign_in(w.mette, dev, t0, IDLE_MS, mette);
	CHECK_EQ(svc_authenticate_locked(w.s, mette, t0 + 1, &u, &t, &locked), ERR_OK);
	CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "anna-kodeord-1", "10.0.0.1", t0 + 1, &why),
	         ERR_FORBIDDEN);
	CHECK_EQ(world_log_count(&w, "unlock"), unlocks + 1);
	auth_throttle_destroy(thr);
}

/* The login throttle counts unlocks: ten failures from an address, of
 * either kind, turn both away there before any hash; elsewhere the owner
 * still gets in. */
static void test_unlock_throttled(void)
{
	char carl[AUTH_TOKEN_LEN + 1];
	struct store_user u;
	struct store_token t;
	struct svc_session login;
	const char *why = NULL;
	bool locked;
	int64_t t0 = text_now_ms(), at = t0 + IDLE_MS;
	struct auth_throttle *thr = auth_throttle_create();
	CHECK(thr != NULL);
	if (thr == NULL)
		return;
	set_password(w.carl, "carl-kodeord-1");
	sign_in(w.carl, 0, t0, IDLE_MS, carl);
	CHECK_EQ(svc_authenticate_locked(w.s, carl, at, &u, &t, &locked), ERR_OK);
	CHECK(locked);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "forkert", "10.0.0.7", at, &why),
		         ERR_UNAUTHORIZED);
	CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "carl-kodeord-1", "10.0.0.7", at, &why),
	         ERR_RATE_LIMITED);
	CHECK(why != NULL && strstr(why, "Too many") != NULL);
	CHECK_EQ(
	    svc_login(w.s, &policy, thr, "carl", "carl-kodeord-1", "10.0.0.7", at, &login, &why),
	    ERR_RATE_LIMITED);
	/* Failed sign-ins count against unlocking too. */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(
		    svc_login(w.s, &policy, thr, "nobody", "forkert", "10.0.0.9", at, &login, &why),
		    ERR_UNAUTHORIZED);
	CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "carl-kodeord-1", "10.0.0.9", at, &why),
	         ERR_RATE_LIMITED);
	CHECK_EQ(svc_authenticate(w.s, carl, at, &u, &t), ERR_UNAUTHORIZED); /* still locked */
	CHECK_EQ(svc_authenticate_locked(w.s, carl, at, &u, &t, &locked), ERR_OK);
	CHECK_EQ(svc_unlock(w.s, &policy, thr, &u, &t, "carl-kodeord-1", "10.0.0.8", at, &why),
	         ERR_OK);
	auth_throttle_destroy(thr);
}

/* The sum of CONV.unread over what the user may see. */
static int64_t unread_of_convs(int64_t id)
{
	struct store_user u = world_user(&w, id);
	struct conv_list l = {0};
	int64_t n = 0;
	CHECK_EQ(svc_conversations(w.s, &u, 0, &l), ERR_OK);
	for (size_t i = 0; i < l.n; i++)
		n += l.v[i].unread;
	conv_list_free(&l);
	return n;
}

static int64_t unread(int64_t id)
{
	struct store_user u = world_user(&w, id);
	int64_t n = -1;
	CHECK_EQ(svc_unread(w.s, &u, &n), ERR_OK);
	return n;
}

static void send(int64_t from, int64_t conv, enum msg_kind kind, const char *cid)
{
	struct store_user u = world_user(&w, from);
	struct svc_sent m;
	memset(&m, 0, sizeof m);
	CHECK_EQ(svc_send(w.s, &u, conv, kind, 0, "hej", cid, text_now_ms(), &m), ERR_OK);
	svc_sent_clear(&m);
}

/* The unread count: what the title of a locked page shows. Each user's own
 * messages are read; a family member never counts a note, nor another
 * member's restricted conversation. */
static void test_unread(void)
{
	int64_t *everyone[] = {&w.admin, &w.anna,  &w.bo,    &w.carl,  &w.dora,
	                       &w.erik,  &w.frida, &w.mette, &w.jonas, &w.amina};
	int64_t before[10];
	for (size_t i = 0; i < 10; i++)
		before[i] = unread(*everyone[i]);
	send(w.mette, w.conv_a, KIND_TEXT, "u1");
	send(w.mette, w.conv_a, KIND_TEXT, "u2");
	send(w.jonas, w.conv_r, KIND_TEXT, "u3");
	send(w.anna, w.conv_a, KIND_TEXT, "u4");
	send(w.bo, w.conv_a, KIND_NOTE, "u5");
	int64_t grew[10] = {0, 4, 4, 5, 0, 0, 0, 1, 3, 0}; /* as everyone[] */
	for (size_t i = 0; i < 10; i++) {
		CHECK_EQ(unread(*everyone[i]) - before[i], grew[i]);
		CHECK_EQ(unread(*everyone[i]), unread_of_convs(*everyone[i]));
	}
	/* Reading lowers it. */
	struct store_user anna = world_user(&w, w.anna);
	struct svc_receipt r;
	int64_t last;
	CHECK_EQ(store_conv_last_id(w.s, w.conv_a, true, &last), ERR_OK);
	CHECK_EQ(svc_read(w.s, &anna, w.conv_a, last, text_now_ms(), &r), ERR_OK);
	svc_receipt_clear(&r);
	CHECK_EQ(unread(w.anna), unread_of_convs(w.anna));
	CHECK(unread(w.anna) >= 1); /* Jonas's in the restricted conversation */
	CHECK(unread(w.anna) < before[1] + 4);
}

int main(void)
{
	if (world_build(&w, ":memory:") != ERR_OK) {
		fprintf(stderr, "cannot build the test world\n");
		return 1;
	}
	svc_policy_defaults(&policy);
	test_what_locks();
	test_unlock();
	test_unlock_throttled();
	test_unread();
	world_free(&w);
	return check_report("unlock");
}
