/*
 * authenticate.c - a bearer token or session cookie to its user, and the
 * activity that keeps a session from going idle.  A staff sign-in that went
 * idle is locked (unlock.c): svc_authenticate() refuses it as ended, as
 * every endpoint but three must; svc_authenticate_locked() lets those three
 * (unlock, the unread count, sign-out) see it.
 */
#include "service_int.h"

#include <string.h>

int svc_authenticate(struct store *s, const char *token, int64_t now, struct store_user *user,
                     struct store_token *tok)
{
	uint8_t hash[32];
	if (token == NULL || auth_token_hash(token, hash) != 0)
		return ERR_UNAUTHORIZED;
	int err = store_token_lookup(s, hash, now, tok);
	if (err)
		return err;
	err = store_user_get(s, tok->user_id, user);
	if (err == ERR_NOT_FOUND || (err == ERR_OK && !user->active))
		return ERR_UNAUTHORIZED;
	return err;
}

int svc_authenticate_locked(struct store *s, const char *token, int64_t now,
                            struct store_user *user, struct store_token *tok, bool *locked)
{
	*locked = false;
	memset(tok, 0, sizeof *tok);
	int err = svc_authenticate(s, token, now, user, tok);
	if (err != ERR_UNAUTHORIZED || tok->ended != AUTH_SESSION_IDLE)
		return err;
	/* Idle, and so not revoked and of an active account (the lookup's own
	 * conditions); whose, for the rule of what locks. */
	err = store_user_get(s, tok->user_id, user);
	if (err == ERR_NOT_FOUND || (err == ERR_OK && !user->active))
		return ERR_UNAUTHORIZED;
	if (err)
		return err;
	if (!svc_lockable(user, tok))
		return ERR_UNAUTHORIZED;
	*locked = true;
	return ERR_OK;
}

/* A busy session costs a write a minute at most.  A failed write only makes
 * the idle limit count from the previous one, so the caller may ignore it. */
int svc_session_used(struct store *s, const struct svc_policy *p, const struct store_token *tok,
                     int64_t now)
{
	if (!auth_session_touch_due(tok->last_used_at, now, tok->idle_ms))
		return ERR_OK;
	return store_token_touch(s, tok->id, now, p->device_session_ms);
}
