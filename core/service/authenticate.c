/*
 * authenticate.c - a bearer token or session cookie to its user, and the
 * activity that keeps a session from going idle.
 */
#include "service_int.h"

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

/* A busy session costs a write a minute at most.  A failed write only makes
 * the idle limit count from the previous one, so the caller may ignore it. */
int svc_session_used(struct store *s, const struct svc_policy *p, const struct store_token *tok,
                     int64_t now)
{
	if (!auth_session_touch_due(tok->last_used_at, now, tok->idle_ms))
		return ERR_OK;
	return store_token_touch(s, tok->id, now, p->device_session_ms);
}
