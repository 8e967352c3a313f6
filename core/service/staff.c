/*
 * staff.c - staff and admin accounts: creating one, a new password, and
 * (de)activation, each of which signs the account out where it must.
 */
#include "service_int.h"

/* Only an active administrator manages accounts. */
int svc_check_admin(const struct store_user *actor)
{
	return perm_can_administer(actor->ref.role, actor->active) ? ERR_OK : ERR_FORBIDDEN;
}

int svc_staff_create(struct store *s, const struct store_user *actor, enum role role,
                     const char *username, const char *name, const char *pw_hash, int64_t *id)
{
	int err = svc_check_admin(actor);
	if (err == ERR_OK && role != ROLE_ADVISER && role != ROLE_ADMIN)
		err = ERR_BAD_REQUEST;
	return err ? err : store_staff_create(s, role, username, name, pw_hash, id);
}

/* A reset is often made because the old password leaked: every session
 * ends with it. */
int svc_staff_password(struct store *s, const struct store_user *actor, int64_t user,
                       const char *pw_hash, int64_t now, int64_t *signed_out)
{
	int err = svc_check_admin(actor);
	if (err == ERR_OK)
		err = store_staff_set_password(s, user, pw_hash);
	if (err == ERR_OK)
		err = store_admin_revoke_user_tokens(s, user, now, signed_out);
	if (err == ERR_OK)
		err = store_push_subs_drop_user(s, user);
	return err;
}

/* The gateway closes a deactivated account's open connections within a
 * few seconds (its session sweep re-reads every token). */
int svc_staff_set_active(struct store *s, const struct store_user *actor, int64_t user, bool active,
                         int64_t now, int64_t *signed_out)
{
	*signed_out = 0;
	int err = svc_check_admin(actor);
	if (err == ERR_OK)
		err = store_user_set_active(s, user, active);
	if (err == ERR_OK && !active)
		err = store_admin_revoke_user_tokens(s, user, now, signed_out);
	if (err == ERR_OK && !active)
		err = store_push_subs_drop_user(s, user);
	return err;
}
