/*
 * auth.h - secrets: staff password hashes, bearer tokens and invite codes.
 *
 * Passwords: argon2id (libargon2) in PHC string format, parameters from
 * OWASP's Password Storage Cheat Sheet (m=19 MiB, t=2, p=1); a hash costs
 * ~18 ms of CPU, so callers run it off the event loop.
 * Tokens: 256 random bits from OpenSSL's RAND_bytes, given to the client as
 * 64 hex characters and stored only as their SHA-256.
 * Invite codes: 10 characters from an alphabet without look-alikes
 * (no 0/O, 1/I/L, 5/S, 2/Z), shown in two groups of five "ABCDE-FGHJK"; about
 * 47 bits, single-use and short-lived, so guessing is hopeless under the
 * login throttle.  Parsing forgives case, spaces and dashes.
 */
#ifndef INDGANG_AUTH_H
#define INDGANG_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_HASH_MAX     128  /* PHC string capacity */
#define AUTH_TOKEN_LEN    64   /* hex characters */
#define AUTH_INVITE_LEN   11   /* "ABCDE-FGHJK" */
#define AUTH_PASSWORD_MIN 10   /* bytes, for staff passwords we set */
#define AUTH_PASSWORD_MAX 1024 /* bytes; longer input is refused before hashing */

/* Hash a password into a PHC string "$argon2id$v=19$m=19456,t=2,p=1$...". */
int auth_password_hash(const char *password, char out[AUTH_HASH_MAX]);
/* true when password matches the PHC string. Constant-time compare inside. */
bool auth_password_verify(const char *phc, const char *password);
/* Verify against a fixed dummy hash: same cost for unknown users. */
void auth_password_burn(const char *password);

/* A fresh token: hex text for the client, SHA-256 of the text for the store. */
int auth_token_new(char text[AUTH_TOKEN_LEN + 1], uint8_t hash[32]);
/* SHA-256 of a token text as presented by a client.  -1 if it is not 64 hex. */
int auth_token_hash(const char *text, uint8_t hash[32]);

/* A fresh invite code "ABCDE-FGHJK". */
int auth_invite_new(char code[AUTH_INVITE_LEN + 1]);
/* Normalise what a person typed ("abcde fghjk", "ABCDEFGHJK") to the canonical
 * form.  -1 when it cannot be a code. */
int auth_invite_normalise(const char *typed, char code[AUTH_INVITE_LEN + 1]);
/* What the store keeps of a canonical code: its SHA-256 in lower-case hex
 * (the same as migration 6 computes for codes stored before). */
#define AUTH_INVITE_HASH_LEN 64
int auth_invite_hash(const char code[AUTH_INVITE_LEN + 1], char hex[AUTH_INVITE_HASH_LEN + 1]);

/* A random password for generated staff accounts: 16 characters from the
 * invite alphabet in groups of four, e.g. "ABCD-EFGH-JKMN-PQRT". */
int auth_password_generate(char out[24]);

/*
 * Login throttle: counts failures per account name and per client address
 * in fixed windows, and is asked before any hash is computed.  Thread-safe.
 * A user who is attacked from elsewhere can still log in from an address
 * with no failures: the per-account limit only applies beyond a larger
 * budget, while the per-address one is strict.
 */
struct auth_throttle;
struct auth_throttle *auth_throttle_create(void);
void auth_throttle_destroy(struct auth_throttle *t);
/* true when a login for username from addr may proceed to hashing now. */
bool auth_throttle_allow(struct auth_throttle *t, const char *username, const char *addr,
                         int64_t now_ms);
void auth_throttle_fail(struct auth_throttle *t, const char *username, const char *addr,
                        int64_t now_ms);
void auth_throttle_success(struct auth_throttle *t, const char *username, const char *addr);
/* allow + fail at once: the attempt counts as a failure until
 * auth_throttle_success() forgives it.  The endpoints use this, so that
 * concurrent guesses cannot all pass the check before any is counted. */
bool auth_throttle_attempt(struct auth_throttle *t, const char *username, const char *addr,
                           int64_t now_ms);
/*
 * Invite codes have counters of their own: wrong codes from an address do
 * not use up its sign-in budget, nor failed sign-ins its enrolment budget
 * (an office behind one NAT address must not lose enrolment for 15 minutes
 * because someone there mistyped a password ten times).  The same limits:
 * 10 wrong codes per address in 15 minutes; after 20 from anywhere, one try
 * per address that has not failed yet.  Atomic like auth_throttle_attempt.
 */
bool auth_throttle_invite_attempt(struct auth_throttle *t, const char *addr, int64_t now_ms);
void auth_throttle_invite_success(struct auth_throttle *t, const char *addr);

/*
 * Session lifetimes (NIST SP 800-63B rev. 3, 4.2.3 and 7.2).  A sign-in
 * ends at its absolute expiry, or idle_ms after it was last used when it
 * has an idle limit (idle_ms > 0), whichever comes first.  Last use is kept
 * coarsely, so that a busy session is not a database write per request:
 * it is written again only once it is auth_session_touch_interval() old.
 * The stored value then lags by at most that interval, which can only end
 * an idle session early by as much, never late.
 */
enum auth_session_end {
	AUTH_SESSION_LIVE = 0,
	AUTH_SESSION_EXPIRED, /* the absolute lifetime is over */
	AUTH_SESSION_IDLE,    /* unused for longer than the idle limit */
};

enum auth_session_end auth_session_check(int64_t expires_at, int64_t last_used_at, int64_t idle_ms,
                                         int64_t now_ms);
/* When the session ends if it is not used again. */
int64_t auth_session_deadline(int64_t expires_at, int64_t last_used_at, int64_t idle_ms);
/* A tenth of the idle limit, between 1 s and 60 s (60 s without a limit). */
int64_t auth_session_touch_interval(int64_t idle_ms);
/* True when use at used_at should be written over the stored last use. */
bool auth_session_touch_due(int64_t stored_last_used, int64_t used_at, int64_t idle_ms);

#endif
