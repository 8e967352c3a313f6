/*
 * auth.c - secrets: argon2id password hashes, bearer tokens, invite codes
 * and the login throttle (see auth.h for the contract).
 *
 * Randomness comes from OpenSSL's RAND_bytes only; hashing of tokens from
 * OpenSSL's EVP SHA-256; passwords from libargon2.  Nothing here keeps
 * state between calls except the throttle, which the caller owns.
 */
#include "auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../common/err.h"

/* OWASP Password Storage Cheat Sheet, argon2id first option. */
#define PW_T_COST   2
#define PW_M_COST   19456 /* KiB */
#define PW_PARALLEL 1
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32

/*
 * The invite alphabet: A-Z and 2-9 without the look-alikes 0/O, 1/I/L,
 * 5/S and 2/Z.  27 symbols, so a 10-character code carries 47.5 bits.
 */
static const char invite_alphabet[] = "ABCDEFGHJKMNPQRTUVWXY346789";
#define INVITE_SYMBOLS (sizeof(invite_alphabet) - 1)
#define INVITE_CHARS   10

/*
 * A PHC string of a password nobody knows, with the same parameters as real
 * hashes, so that verifying against it costs what a real verify costs.
 */
static const char burn_phc[] = "$argon2id$v=19$m=19456,t=2,p=1$aW5kZ2FuZy1idXJuLXNsdA$"
                               "CEk+LjNY2aiIlq5x98GfKvbJxgYefOQSA18UNl1RwVg";

/* ---- Passwords ----------------------------------------------------------- */

int auth_password_hash(const char *password, char out[AUTH_HASH_MAX])
{
	uint8_t salt[PW_SALT_LEN];
	size_t len = strlen(password);

	if (len > AUTH_PASSWORD_MAX)
		return ERR_TOO_LARGE;
	if (RAND_bytes(salt, sizeof salt) != 1)
		return ERR_INTERNAL;
	if (argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_PARALLEL, password, len, salt,
	                          sizeof salt, PW_HASH_LEN, out, AUTH_HASH_MAX) != ARGON2_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

bool auth_password_verify(const char *phc, const char *password)
{
	size_t len = strlen(password);

	/* Refuse before hashing: a megabyte "password" must not cost a megabyte of work. */
	if (len > AUTH_PASSWORD_MAX || phc == NULL)
		return false;
	/* Only our own algorithm: a stored hash of another kind is an error, not a match. */
	if (strncmp(phc, "$argon2id$", 10) != 0)
		return false;
	/* argon2id_verify recomputes and compares in constant time. */
	return argon2id_verify(phc, password, len) == ARGON2_OK;
}

void auth_password_burn(const char *password)
{
	(void)auth_password_verify(burn_phc, password);
}

/* ---- Tokens -------------------------------------------------------------- */

static int sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return ERR_INTERNAL;
	return ERR_OK;
}

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int auth_token_new(char text[AUTH_TOKEN_LEN + 1], uint8_t hash[32])
{
	uint8_t raw[AUTH_TOKEN_LEN / 2];
	int rc;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return ERR_INTERNAL;
	hex_encode(raw, sizeof raw, text);
	rc = sha256(text, AUTH_TOKEN_LEN, hash);
	OPENSSL_cleanse(raw, sizeof raw);
	return rc;
}

int auth_token_hash(const char *text, uint8_t hash[32])
{
	size_t i;

	/* Only what we issue: lowercase hex, exactly 64 characters. */
	for (i = 0; text[i] != '\0'; i++) {
		if (i >= AUTH_TOKEN_LEN)
			return -1;
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return -1;
	}
	if (i != AUTH_TOKEN_LEN)
		return -1;
	return sha256(text, AUTH_TOKEN_LEN, hash) == ERR_OK ? 0 : -1;
}

/* ---- Invite codes and generated passwords -------------------------------- */

/*
 * Fill out[0..n) with uniformly drawn alphabet symbols.  Bytes at or above
 * the largest multiple of 27 are thrown away, so `% 27` has no bias.
 */
static int draw_symbols(char *out, size_t n)
{
	const unsigned limit = 256 - 256 % INVITE_SYMBOLS;
	uint8_t buf[32];
	size_t got = 0;

	while (got < n) {
		if (RAND_bytes(buf, sizeof buf) != 1)
			return ERR_INTERNAL;
		for (size_t i = 0; i < sizeof buf && got < n; i++)
			if (buf[i] < limit)
				out[got++] = invite_alphabet[buf[i] % INVITE_SYMBOLS];
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return ERR_OK;
}

/* Copy n symbols into out in groups of `group`, separated by dashes. */
static void group_symbols(const char *sym, size_t n, size_t group, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && i % group == 0)
			out[o++] = '-';
		out[o++] = sym[i];
	}
	out[o] = '\0';
}

int auth_invite_new(char code[AUTH_INVITE_LEN + 1])
{
	char sym[INVITE_CHARS];
	int rc = draw_symbols(sym, sizeof sym);

	if (rc != ERR_OK)
		return rc;
	group_symbols(sym, sizeof sym, 5, code);
	return ERR_OK;
}

int auth_invite_normalise(const char *typed, char code[AUTH_INVITE_LEN + 1])
{
	char sym[INVITE_CHARS];
	size_t n = 0;

	for (const char *p = typed; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		/* People copy codes with spaces, tabs, line ends or the dash in other places. */
		if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		/* A look-alike is refused rather than guessed: "0" could be an O or a mistake. */
		if (strchr(invite_alphabet, c) == NULL || n == INVITE_CHARS)
			return -1;
		sym[n++] = (char)c;
	}
	if (n != INVITE_CHARS)
		return -1;
	group_symbols(sym, n, 5, code);
	return 0;
}

int auth_invite_hash(const char code[AUTH_INVITE_LEN + 1], char hex[AUTH_INVITE_HASH_LEN + 1])
{
	uint8_t md[32];
	if (strlen(code) != AUTH_INVITE_LEN || sha256(code, AUTH_INVITE_LEN, md) != ERR_OK)
		return -1;
	for (size_t i = 0; i < sizeof md; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int auth_password_generate(char out[24])
{
	char sym[16];
	int rc = draw_symbols(sym, sizeof sym);

	if (rc != ERR_OK)
		return rc;
	group_symbols(sym, sizeof sym, 4, out);
	OPENSSL_cleanse(sym, sizeof sym);
	return ERR_OK;
}

/* ---- Login throttle ------------------------------------------------------- */

/*
 * Three kinds of counters live in one table, all in fixed 15-minute windows
 * that start at a key's first failure:
 *   ADDR  failures from a client address, whatever the account: strict, 10.
 *   USER  failures against an account, from anywhere: 20.
 *   PAIR  failures against an account from one address.
 * A login may proceed when its address is under 10 and either the account
 * is under 20 or this address has not failed against this account in the
 * window.  So the real user, from their own phone or office, still gets in
 * while an attacker elsewhere hammers the account; a distributed attacker
 * gets at most one guess per address per window once the account budget is
 * spent, and 10 per address over all accounts.  Invite codes are guessed
 * against the pseudo-account "#invite" with an address counter of their
 * own (ADDR_INVITE), so sign-ins and enrolments never use up each other's
 * budget at a shared address.
 *
 * Keys are 64-bit SipHash-like mixes of (kind, username, address) under a
 * random per-table key, so no names or addresses are kept in memory and
 * nobody can choose inputs that collide.  Memory is fixed: THR_SLOTS
 * entries, each key probing THR_PROBE slots; a new key takes an empty or
 * expired slot there, else evicts the least recently touched one.
 */
#define THR_WINDOW_MS (15 * 60 * 1000)
#define THR_ADDR_MAX  10
#define THR_USER_MAX  20
#define THR_SLOTS     8192 /* power of two */
#define THR_PROBE     8

/* THR_ADDR_INVITE: wrong invite codes from an address, apart from THR_ADDR. */
enum thr_kind { THR_ADDR = 1, THR_USER, THR_PAIR, THR_ADDR_INVITE };

/* Invite guesses count against this pseudo-account: no username can start
 * with '#', so it is never a real account's counter. */
static const char invite_account[] = "#invite";

struct thr_entry {
	uint64_t key; /* 0: empty */
	int64_t window_start;
	int64_t touched;
	uint32_t fails;
};

struct auth_throttle {
	pthread_mutex_t lock;
	uint64_t seed[2];
	struct thr_entry slots[THR_SLOTS];
};

struct auth_throttle *auth_throttle_create(void)
{
	struct auth_throttle *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	if (RAND_bytes((unsigned char *)t->seed, sizeof t->seed) != 1 ||
	    pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void auth_throttle_destroy(struct auth_throttle *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static uint64_t mix64(uint64_t h)
{
	/* The splitmix64 finaliser: every input bit reaches every output bit. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Feed a string; usernames fold ASCII case so "Anna" and "anna" count together. */
static uint64_t hash_str(uint64_t h, const char *s, bool fold)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = mix64(h ^ c);
	}
	/* A terminator keeps ("ab","c") apart from ("a","bc"). */
	return mix64(h ^ 0x100);
}

static uint64_t thr_key(const struct auth_throttle *t, enum thr_kind kind, const char *username,
                        const char *addr)
{
	uint64_t h = mix64(t->seed[0] ^ (uint64_t)kind);

	if (kind != THR_ADDR && kind != THR_ADDR_INVITE)
		h = hash_str(h, username, true);
	if (kind != THR_USER)
		h = hash_str(h, addr, false);
	h = mix64(h ^ t->seed[1]);
	return h == 0 ? 1 : h;
}

static bool thr_expired(const struct thr_entry *e, int64_t now)
{
	return e->key == 0 || now - e->window_start >= THR_WINDOW_MS;
}

/* The entry for key, or NULL when it is absent. */
static struct thr_entry *thr_find(struct auth_throttle *t, uint64_t key)
{
	for (size_t i = 0; i < THR_PROBE; i++) {
		struct thr_entry *e = &t->slots[(key + i) & (THR_SLOTS - 1)];

		if (e->key == key)
			return e;
	}
	return NULL;
}

/* The entry for key, made (possibly by eviction) when absent. */
static struct thr_entry *thr_slot(struct auth_throttle *t, uint64_t key, int64_t now)
{
	struct thr_entry *victim = NULL;
	struct thr_entry *e = thr_find(t, key);

	if (e != NULL)
		return e;
	for (size_t i = 0; i < THR_PROBE; i++) {
		e = &t->slots[(key + i) & (THR_SLOTS - 1)];
		if (thr_expired(e, now)) {
			victim = e;
			break;
		}
		if (victim == NULL || e->touched < victim->touched)
			victim = e;
	}
	*victim = (struct thr_entry){.key = key, .window_start = now, .touched = now};
	return victim;
}

/* Failures counted for key in the current window. */
static uint32_t thr_count(struct auth_throttle *t, uint64_t key, int64_t now)
{
	struct thr_entry *e = thr_find(t, key);

	return e == NULL || thr_expired(e, now) ? 0 : e->fails;
}

static void thr_add(struct auth_throttle *t, uint64_t key, int64_t now)
{
	struct thr_entry *e = thr_slot(t, key, now);

	if (thr_expired(e, now)) {
		e->window_start = now;
		e->fails = 0;
	}
	e->fails++;
	e->touched = now;
}

/*
 * Take the pair's failures off key's counter, when they fell in key's
 * current window (a counter that started afresh since never saw them).
 */
static void thr_forgive(struct auth_throttle *t, uint64_t key, const struct thr_entry *pair)
{
	struct thr_entry *e = thr_find(t, key);

	if (e != NULL && pair->touched >= e->window_start)
		e->fails = e->fails > pair->fails ? e->fails - pair->fails : 0;
}

bool auth_throttle_allow(struct auth_throttle *t, const char *username, const char *addr,
                         int64_t now_ms)
{
	bool ok;

	pthread_mutex_lock(&t->lock);
	ok = thr_count(t, thr_key(t, THR_ADDR, username, addr), now_ms) < THR_ADDR_MAX &&
	     (thr_count(t, thr_key(t, THR_USER, username, addr), now_ms) < THR_USER_MAX ||
	      thr_count(t, thr_key(t, THR_PAIR, username, addr), now_ms) == 0);
	pthread_mutex_unlock(&t->lock);
	return ok;
}

/*
 * Check and count in one step: concurrent requests on several HTTP workers
 * must not all pass the check before any of them has counted its failure.
 */
static bool thr_attempt(struct auth_throttle *t, enum thr_kind addr_kind, const char *username,
                        const char *addr, int64_t now_ms)
{
	uint64_t a, u, p;
	bool ok;

	pthread_mutex_lock(&t->lock);
	a = thr_key(t, addr_kind, username, addr);
	u = thr_key(t, THR_USER, username, addr);
	p = thr_key(t, THR_PAIR, username, addr);
	ok = thr_count(t, a, now_ms) < THR_ADDR_MAX &&
	     (thr_count(t, u, now_ms) < THR_USER_MAX || thr_count(t, p, now_ms) == 0);
	if (ok) {
		thr_add(t, a, now_ms);
		thr_add(t, u, now_ms);
		thr_add(t, p, now_ms);
	}
	pthread_mutex_unlock(&t->lock);
	return ok;
}

bool auth_throttle_attempt(struct auth_throttle *t, const char *username, const char *addr,
                           int64_t now_ms)
{
	return thr_attempt(t, THR_ADDR, username, addr, now_ms);
}

bool auth_throttle_invite_attempt(struct auth_throttle *t, const char *addr, int64_t now_ms)
{
	return thr_attempt(t, THR_ADDR_INVITE, invite_account, addr, now_ms);
}

void auth_throttle_fail(struct auth_throttle *t, const char *username, const char *addr,
                        int64_t now_ms)
{
	pthread_mutex_lock(&t->lock);
	thr_add(t, thr_key(t, THR_ADDR, username, addr), now_ms);
	thr_add(t, thr_key(t, THR_USER, username, addr), now_ms);
	thr_add(t, thr_key(t, THR_PAIR, username, addr), now_ms);
	pthread_mutex_unlock(&t->lock);
}

/*
 * A success forgives only the failures this account made from this address:
 * the typing mistakes of the person who just proved who they are.  Wiping the
 * whole address counter instead would let someone with one valid account
 * interleave logins with guesses at other accounts forever.
 */
static void thr_success(struct auth_throttle *t, enum thr_kind addr_kind, const char *username,
                        const char *addr)
{
	uint64_t pair;
	struct thr_entry *e;

	pthread_mutex_lock(&t->lock);
	pair = thr_key(t, THR_PAIR, username, addr);
	e = thr_find(t, pair);
	if (e != NULL) {
		thr_forgive(t, thr_key(t, addr_kind, username, addr), e);
		thr_forgive(t, thr_key(t, THR_USER, username, addr), e);
		*e = (struct thr_entry){0};
	}
	pthread_mutex_unlock(&t->lock);
}

void auth_throttle_success(struct auth_throttle *t, const char *username, const char *addr)
{
	thr_success(t, THR_ADDR, username, addr);
}

void auth_throttle_invite_success(struct auth_throttle *t, const char *addr)
{
	thr_success(t, THR_ADDR_INVITE, invite_account, addr);
}

/* ---- Session lifetimes ------------------------------------------------------ */

#define TOUCH_MIN_MS 1000
#define TOUCH_MAX_MS 60000

enum auth_session_end auth_session_check(int64_t expires_at, int64_t last_used_at, int64_t idle_ms,
                                         int64_t now_ms)
{
	if (now_ms >= expires_at)
		return AUTH_SESSION_EXPIRED;
	if (idle_ms > 0 && now_ms >= last_used_at + idle_ms)
		return AUTH_SESSION_IDLE;
	return AUTH_SESSION_LIVE;
}

int64_t auth_session_deadline(int64_t expires_at, int64_t last_used_at, int64_t idle_ms)
{
	if (idle_ms > 0 && last_used_at + idle_ms < expires_at)
		return last_used_at + idle_ms;
	return expires_at;
}

int64_t auth_session_touch_interval(int64_t idle_ms)
{
	int64_t i = idle_ms > 0 ? idle_ms / 10 : TOUCH_MAX_MS;

	return i < TOUCH_MIN_MS ? TOUCH_MIN_MS : i > TOUCH_MAX_MS ? TOUCH_MAX_MS : i;
}

bool auth_session_touch_due(int64_t stored_last_used, int64_t used_at, int64_t idle_ms)
{
	return used_at - stored_last_used >= auth_session_touch_interval(idle_ms);
}
