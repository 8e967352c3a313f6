/*
 * logout.c - ends one session: its token stops working at once, and every
 * open connection made with it is closed by the caller.
 */
#include "service_int.h"

int svc_logout(struct store *s, const struct store_user *user, const struct store_token *tok,
               int64_t now)
{
	int err = store_token_revoke(s, tok->id, now);
	if (err == ERR_OK)
		err = store_push_subs_drop_token(s, tok->id); /* its notifications end too */
	if (err == ERR_OK)
		err = store_log_append(s, now, "logout", user->ref.id, user->family_id, 0, 0, "");
	return err;
}
