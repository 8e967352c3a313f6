/*
 * test_auth.c - unit tests for core/auth: password hashes, tokens, invite
 * codes, generated passwords and the login throttle.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/auth/auth.h"
#include "core/common/err.h"
#include "check.h"

#define ALPHABET "ABCDEFGHJKMNPQRTUVWXY346789"

static bool all_in_alphabet(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(ALPHABET, s[i]) == NULL)
			return false;
	return true;
}

static void test_password_hash(void)
{
	char phc[AUTH_HASH_MAX], phc2[AUTH_HASH_MAX];

	CHECK_EQ(auth_password_hash("correct horse battery", phc), ERR_OK);
	CHECK(strncmp(phc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	CHECK(auth_password_verify(phc, "correct horse battery"));
	CHECK(!auth_password_verify(phc, "correct horse batterY"));
	CHECK(!auth_password_verify(phc, ""));
	/* Same password, fresh salt: a different string that still verifies. */
	CHECK_EQ(auth_password_hash("correct horse battery", phc2), ERR_OK);
	CHECK(strcmp(phc, phc2) != 0);
	CHECK(auth_password_verify(phc2, "correct horse battery"));
	/* Garbage or foreign hashes never match. */
	CHECK(!auth_password_verify("", "x"));
	CHECK(!auth_password_verify("$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", "x"));
	CHECK(!auth_password_verify("$argon2id$nonsense", "x"));
	auth_password_burn("anything");
}

static void test_password_too_long(void)
{
	static char big[AUTH_PASSWORD_MAX + 2];
	char phc[AUTH_HASH_MAX];

	memset(big, 'a', sizeof big - 1);
	CHECK_EQ(auth_password_hash(big, phc), ERR_TOO_LARGE);
	big[AUTH_PASSWORD_MAX] = '\0';
	CHECK_EQ(auth_password_hash(big, phc), ERR_OK);
	CHECK(auth_password_verify(phc, big));
}

static bool is_lower_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void test_tokens(void)
{
	char t1[AUTH_TOKEN_LEN + 1], t2[AUTH_TOKEN_LEN + 1];
	uint8_t h1[32], h2[32], again[32];

	CHECK_EQ(auth_token_new(t1, h1), ERR_OK);
	CHECK_EQ(auth_token_new(t2, h2), ERR_OK);
	CHECK_EQ(strlen(t1), 64);
	CHECK(is_lower_hex(t1));
	CHECK(strcmp(t1, t2) != 0);
	CHECK_EQ(auth_token_hash(t1, again), 0);
	CHECK(memcmp(h1, again, 32) == 0);
	CHECK(memcmp(h1, h2, 32) != 0);
	/* SHA-256 of 64 '0' characters, a fixed known answer. */
	static const uint8_t zeros_sha[4] = {0x60, 0xe0, 0x5b, 0xd1};
	char zeros[65];
	memset(zeros, '0', 64);
	zeros[64] = '\0';
	CHECK_EQ(auth_token_hash(zeros, again), 0);
	CHECK(memcmp(again, zeros_sha, 4) == 0);
	/* Not a token: wrong length, uppercase, non-hex. */
	CHECK_EQ(auth_token_hash("", again), -1);
	CHECK_EQ(auth_token_hash("abc", again), -1);
	t2[10] = 'g';
	CHECK_EQ(auth_token_hash(t2, again), -1);
	t2[10] = 'A';
	CHECK_EQ(auth_token_hash(t2, again), -1);
	char longer[80];
	snprintf(longer, sizeof longer, "%s0", t1);
	CHECK_EQ(auth_token_hash(longer, again), -1);
}

static void test_invite_new(void)
{
	char code[AUTH_INVITE_LEN + 1], other[AUTH_INVITE_LEN + 1];
	int seen[128] = {0};

	for (int i = 0; i < 200; i++) {
		CHECK_EQ(auth_invite_new(code), ERR_OK);
		CHECK_EQ(strlen(code), 11);
		CHECK(code[5] == '-');
		CHECK(all_in_alphabet(code, 5) && all_in_alphabet(code + 6, 5));
		for (int j = 0; j < 11; j++)
			seen[(unsigned char)code[j] & 127]++;
	}
	/* 2000 draws from 27 symbols: each one shows up. */
	for (const char *p = ALPHABET; *p; p++)
		CHECK(seen[(unsigned char)*p] > 0);
	for (const char *p = "0O1IL5S2Z"; *p; p++)
		CHECK_EQ(seen[(unsigned char)*p], 0);
	CHECK_EQ(auth_invite_new(other), ERR_OK);
	CHECK(strcmp(code, other) != 0);
}

static void test_invite_normalise(void)
{
	char code[AUTH_INVITE_LEN + 1];

	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJK", code), 0);
	CHECK_STR(code, "ABCDE-FGHJK");
	CHECK_EQ(auth_invite_normalise("abcde-fghjk", code), 0);
	CHECK_STR(code, "ABCDE-FGHJK");
	CHECK_EQ(auth_invite_normalise("abcdefghjk", code), 0);
	CHECK_STR(code, "ABCDE-FGHJK");
	CHECK_EQ(auth_invite_normalise(" ab cde  fg-hj k \n", code), 0);
	CHECK_STR(code, "ABCDE-FGHJK");
	CHECK_EQ(auth_invite_normalise("34678-9XYWV", code), 0);
	CHECK_STR(code, "34678-9XYWV");
	/* Wrong length. */
	CHECK_EQ(auth_invite_normalise("", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJ", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJKM", code), -1);
	CHECK_EQ(auth_invite_normalise("-----", code), -1);
	/* Look-alikes and other characters are refused, not guessed. */
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJ0", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJO", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJ1", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJi", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJl", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJ5", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJs", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJ2", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJz", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE_FGHJK", code), -1);
	CHECK_EQ(auth_invite_normalise("ABCDE-FGHJ\xc3\x86", code), -1);
	/* A fresh code survives normalisation unchanged. */
	char fresh[AUTH_INVITE_LEN + 1];
	CHECK_EQ(auth_invite_new(fresh), ERR_OK);
	CHECK_EQ(auth_invite_normalise(fresh, code), 0);
	CHECK_STR(code, fresh);
}

static void test_password_generate(void)
{
	char a[24], b[24];

	CHECK_EQ(auth_password_generate(a), ERR_OK);
	CHECK_EQ(auth_password_generate(b), ERR_OK);
	CHECK_EQ(strlen(a), 19);
	CHECK(a[4] == '-' && a[9] == '-' && a[14] == '-');
	CHECK(all_in_alphabet(a, 4) && all_in_alphabet(a + 5, 4) && all_in_alphabet(a + 10, 4) &&
	      all_in_alphabet(a + 15, 4));
	CHECK(strlen(a) >= AUTH_PASSWORD_MIN);
	CHECK(strcmp(a, b) != 0);
}

#define MIN_MS (60 * 1000)

static void test_throttle_address(void)
{
	struct auth_throttle *t = auth_throttle_create();
	int64_t now = 1000000;

	CHECK(t != NULL);
	for (int i = 0; i < 10; i++) {
		CHECK(auth_throttle_allow(t, "anna", "10.0.0.1", now));
		auth_throttle_fail(t, "anna", "10.0.0.1", now);
	}
	/* The 11th attempt from that address is refused, for any account. */
	CHECK(!auth_throttle_allow(t, "anna", "10.0.0.1", now));
	CHECK(!auth_throttle_allow(t, "bo", "10.0.0.1", now));
	/* The real user elsewhere still gets in. */
	CHECK(auth_throttle_allow(t, "anna", "192.0.2.7", now));
	CHECK(auth_throttle_allow(t, "ANNA", "192.0.2.7", now));
	/* The window ends after 15 minutes. */
	CHECK(!auth_throttle_allow(t, "anna", "10.0.0.1", now + 15 * MIN_MS - 1));
	CHECK(auth_throttle_allow(t, "anna", "10.0.0.1", now + 15 * MIN_MS));
	auth_throttle_destroy(t);
}

static void test_throttle_account(void)
{
	struct auth_throttle *t = auth_throttle_create();
	char addr[32];
	int64_t now = 5000000;

	/* 25 failures against anna, spread over five addresses. */
	for (int i = 0; i < 25; i++) {
		snprintf(addr, sizeof addr, "10.0.1.%d", i % 5);
		auth_throttle_fail(t, "anna", addr, now);
	}
	/* Those addresses are blocked for anna (over the account budget)... */
	CHECK(!auth_throttle_allow(t, "anna", "10.0.1.0", now));
	/* ...but not for other accounts (each has only 5 failures). */
	CHECK(auth_throttle_allow(t, "bo", "10.0.1.0", now));
	/* An address with no failures against anna may still try. */
	CHECK(auth_throttle_allow(t, "anna", "198.51.100.1", now));
	/* Case does not dodge the account counter. */
	CHECK(!auth_throttle_allow(t, "Anna", "10.0.1.1", now));
	auth_throttle_destroy(t);
}

static void test_throttle_success(void)
{
	struct auth_throttle *t = auth_throttle_create();
	int64_t now = 9000000;

	for (int i = 0; i < 10; i++)
		auth_throttle_fail(t, "anna", "10.0.2.1", now);
	CHECK(!auth_throttle_allow(t, "anna", "10.0.2.1", now));
	auth_throttle_success(t, "anna", "10.0.2.1");
	CHECK(auth_throttle_allow(t, "anna", "10.0.2.1", now));
	/* The counter starts over: nine more failures are still allowed. */
	for (int i = 0; i < 9; i++)
		auth_throttle_fail(t, "anna", "10.0.2.1", now);
	CHECK(auth_throttle_allow(t, "anna", "10.0.2.1", now));
	auth_throttle_destroy(t);
}

static void test_throttle_success_is_per_account(void)
{
	struct auth_throttle *t = auth_throttle_create();
	int64_t now = 9000000;

	/* Guesses at carl, then a login to one's own account: carl's guesses still count. */
	for (int i = 0; i < 9; i++)
		auth_throttle_fail(t, "carl", "10.0.3.1", now);
	auth_throttle_fail(t, "mallory", "10.0.3.1", now);
	CHECK(!auth_throttle_allow(t, "carl", "10.0.3.1", now));
	auth_throttle_success(t, "mallory", "10.0.3.1");
	CHECK(auth_throttle_allow(t, "carl", "10.0.3.1", now));
	auth_throttle_fail(t, "carl", "10.0.3.1", now);
	CHECK(!auth_throttle_allow(t, "carl", "10.0.3.1", now));
	auth_throttle_destroy(t);
}

static void test_throttle_bounded(void)
{
	struct auth_throttle *t = auth_throttle_create();
	char user[32], addr[32];
	int64_t now = 1;

	/* Far more keys than slots: old entries are evicted, nothing grows or crashes. */
	for (int i = 0; i < 40000; i++) {
		snprintf(user, sizeof user, "u%d", i);
		snprintf(addr, sizeof addr, "a%d", i);
		auth_throttle_fail(t, user, addr, now + i);
	}
	for (int i = 0; i < 10; i++)
		auth_throttle_fail(t, "x", "fresh", now + 50000);
	CHECK(!auth_throttle_allow(t, "x", "fresh", now + 50000));
	auth_throttle_destroy(t);
}

/* Many guesses at once from one address, on several threads (the HTTP
 * workers): exactly 10 reach the hash, no matter how they interleave. */
struct attempt_race {
	struct auth_throttle *t;
	atomic_int passed;
};

static void *attempt_many(void *arg)
{
	struct attempt_race *r = arg;
	for (int i = 0; i < 200; i++)
		if (auth_throttle_attempt(r->t, "anna", "10.0.9.9", 1000))
			atomic_fetch_add(&r->passed, 1);
	return NULL;
}

static void test_throttle_attempt_concurrent(void)
{
	struct attempt_race r = {.t = auth_throttle_create()};
	pthread_t th[8];
	atomic_init(&r.passed, 0);
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, attempt_many, &r);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(atomic_load(&r.passed), 10);
	/* A success forgives the pair's attempts: the owner may go on. */
	auth_throttle_success(r.t, "anna", "10.0.9.9");
	CHECK(auth_throttle_attempt(r.t, "anna", "10.0.9.9", 1000));
	auth_throttle_destroy(r.t);
}

/* Passwords and invite codes count apart per address: ten wrong passwords
 * from an office NAT leave its enrolments alone, and the reverse; each
 * still stops at 10. */
static void test_throttle_invite_apart(void)
{
	struct auth_throttle *t = auth_throttle_create();
	int64_t now = 2000000;
	int pw = 0, inv = 0;

	for (int i = 0; i < 30; i++)
		pw += auth_throttle_attempt(t, i % 2 ? "anna" : "bo", "10.0.4.1", now);
	CHECK_EQ(pw, 10);
	for (int i = 0; i < 30; i++)
		inv += auth_throttle_invite_attempt(t, "10.0.4.1", now);
	CHECK_EQ(inv, 10);
	printf("one address: %d of 30 wrong passwords reach the hash, then %d of 30 wrong "
	       "invite codes\n",
	       pw, inv);
	/* The other way round at a fresh address. */
	inv = pw = 0;
	for (int i = 0; i < 30; i++)
		inv += auth_throttle_invite_attempt(t, "10.0.4.2", now);
	for (int i = 0; i < 30; i++)
		pw += auth_throttle_attempt(t, "carl", "10.0.4.2", now);
	CHECK_EQ(inv, 10);
	CHECK_EQ(pw, 10);
	/* A good code forgives that address's wrong codes only. */
	auth_throttle_invite_success(t, "10.0.4.2");
	CHECK(auth_throttle_invite_attempt(t, "10.0.4.2", now));
	CHECK(!auth_throttle_attempt(t, "carl", "10.0.4.2", now));
	/* The per-account limit of passwords is untouched by invite codes:
	 * 20 failures against dora from 20 addresses, then only fresh ones. */
	char addr[32];
	for (int i = 0; i < 20; i++) {
		snprintf(addr, sizeof addr, "10.0.5.%d", i);
		CHECK(auth_throttle_attempt(t, "dora", addr, now));
		CHECK(auth_throttle_invite_attempt(t, addr, now));
	}
	CHECK(!auth_throttle_attempt(t, "dora", "10.0.5.0", now));
	CHECK(auth_throttle_attempt(t, "dora", "10.0.5.99", now));
	/* Wrong codes from anywhere: after 20 in all (spent by now), only
	 * addresses that have not failed yet get a try. */
	CHECK(!auth_throttle_invite_attempt(t, "10.0.5.0", now));
	for (int i = 0; i < 20; i++) {
		snprintf(addr, sizeof addr, "10.0.6.%d", i);
		(void)auth_throttle_invite_attempt(t, addr, now);
	}
	CHECK(!auth_throttle_invite_attempt(t, "10.0.6.0", now));
	CHECK(auth_throttle_invite_attempt(t, "10.0.6.77", now));
	auth_throttle_destroy(t);
}

/* NIST SP 800-63B lifetimes: absolute expiry, idle limit, coarse last use. */
static void test_session_lifetimes(void)
{
	const int64_t min = MIN_MS, hour = 60 * MIN_MS, t0 = 1000000;
	int64_t expires = t0 + 12 * hour, idle = 30 * min;

	CHECK_EQ(auth_session_check(expires, t0, idle, t0), AUTH_SESSION_LIVE);
	CHECK_EQ(auth_session_check(expires, t0, idle, t0 + idle - 1), AUTH_SESSION_LIVE);
	CHECK_EQ(auth_session_check(expires, t0, idle, t0 + idle), AUTH_SESSION_IDLE);
	/* Use moves the idle deadline on, but never past the absolute one. */
	CHECK_EQ(auth_session_check(expires, t0 + 11 * hour + 50 * min, idle, t0 + 12 * hour),
	         AUTH_SESSION_EXPIRED);
	CHECK_EQ(auth_session_deadline(expires, t0 + 11 * hour + 50 * min, idle), expires);
	CHECK_EQ(auth_session_deadline(expires, t0, idle), t0 + idle);
	/* No idle limit (0): only the absolute lifetime. */
	CHECK_EQ(auth_session_check(expires, t0, 0, t0 + 11 * hour), AUTH_SESSION_LIVE);
	CHECK_EQ(auth_session_deadline(expires, t0, 0), expires);
	/* Last use is written at most once a minute; with short limits a tenth of it. */
	CHECK_EQ(auth_session_touch_interval(idle), 60000);
	CHECK_EQ(auth_session_touch_interval(0), 60000);
	CHECK_EQ(auth_session_touch_interval(6000), 1000);
	CHECK_EQ(auth_session_touch_interval(20000), 2000);
	CHECK(!auth_session_touch_due(t0, t0 + 59999, idle));
	CHECK(auth_session_touch_due(t0, t0 + 60000, idle));
	/* A stale stored value can only end a session early, by at most one interval. */
	int writes = 0;
	int64_t stored = t0;
	for (int64_t at = t0; at < t0 + hour; at += 1000)
		if (auth_session_touch_due(stored, at, idle)) {
			stored = at;
			writes++;
		}
	CHECK_EQ(writes, 59);
	printf("a session busy every second for an hour writes its last use %d times; staff "
	       "idle limit %lld min, absolute %lld h\n",
	       writes, (long long)(idle / min), (long long)((expires - t0) / hour));
}

int main(void)
{
	test_password_hash();
	test_password_too_long();
	test_tokens();
	test_invite_new();
	test_invite_normalise();
	test_password_generate();
	test_throttle_address();
	test_throttle_account();
	test_throttle_success();
	test_throttle_success_is_per_account();
	test_throttle_bounded();
	test_throttle_attempt_concurrent();
	test_throttle_invite_apart();
	test_session_lifetimes();
	return check_report("auth");
}
