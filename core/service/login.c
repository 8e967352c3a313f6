/*
 * login.c - a staff member signs in with username and password.
 *
 * The attempt is counted before the hash is computed (auth_throttle_attempt),
 * so that parallel guesses cannot all pass the check; an unknown or inactive
 * account costs the same hash as a known one, so that timing tells nothing.
 * The same check opens a locked sign-in again (unlock.c), on the same
 * throttle: a password guessed there costs what one guessed here does.
 */
#include "service_int.h"

#include <string.h>

static const char refused[] = "Wrong username or password.";

/* The account behind username, when it may sign in with a password. */
static int verify(struct store *s, const char *username, const char *password,
                  struct store_user *user)
{
	char phc[AUTH_HASH_MAX] = "";
	int err = store_user_by_username(s, username, user, phc, sizeof phc);
	if (err && err != ERR_NOT_FOUND)
		return err;
	bool known = err == ERR_OK && user->active && user->ref.role != ROLE_FAMILY;
	if (!known) {
		auth_password_burn(password);
		return ERR_UNAUTHORIZED;
	}
	return auth_password_verify(phc, password) ? ERR_OK : ERR_UNAUTHORIZED;
}

int svc_password_check(struct store *s, struct auth_throttle *t, const char *username,
                       const char *password, const char *addr, int64_t now, struct store_user *user,
                       const char **why)
{
	if (!auth_throttle_attempt(t, username, addr, now)) {
		*why = "Too many failed sign-ins; wait a few minutes.";
		return ERR_RATE_LIMITED;
	}
	int err = verify(s, username, password, user);
	if (err == ERR_UNAUTHORIZED)
		*why = refused;
	if (err)
		return err;
	auth_throttle_success(t, username, addr);
	return ERR_OK;
}

int svc_login(struct store *s, const struct svc_policy *p, struct auth_throttle *t,
              const char *username, const char *password, const char *addr, int64_t now,
              struct svc_session *out, const char **why)
{
	uint8_t hash[32];
	memset(out, 0, sizeof *out);
	int err = svc_password_check(s, t, username, password, addr, now, &out->user, why);
	if (err)
		return err;
	out->expires_at = now + p->staff_session_ms;
	if (auth_token_new(out->token, hash) != 0)
		return ERR_INTERNAL;
	err = store_token_issue(s, hash, out->user.ref.id, 0, now, out->expires_at,
	                        p->staff_idle_ms, &out->token_id);
	if (err == ERR_OK)
		err = store_log_append(s, now, "login", out->user.ref.id, 0, 0, 0, addr);
	return err;
}
