/*
 * unlock.c - a locked staff sign-in opened again with its user's password.
 *
 * A staff member's sign-in that goes unused for the idle limit (NIST SP
 * 800-63B, SVC_STAFF_IDLE_MINUTES) is locked rather than ended: the staff
 * client removes every name and message from the page and asks for the
 * password, while the tab's title goes on counting unread messages
 * (unread.c) and the sign-in's Web Push subscriptions go on buzzing.  A
 * locked sign-in can do three things (core/api: svc_authenticate_locked):
 * be unlocked here, give its unread count, and be signed out.  Its absolute
 * lifetime, a sign-out, a revocation or a deactivated account still end it.
 *
 *   live --(idle limit without a person's activity)--> locked
 *   locked --(svc_unlock: the user's own password)--> live
 *   live, locked --(expiry, logout, revocation, deactivation)--> ended
 *
 * The password is checked exactly as at the sign-in form (login.c), on the
 * same throttle and with the same refusal, so unlocking is no easier a
 * place to guess a password than signing in.  A phone's sign-in has no
 * password and never locks: an idle one ends, as before.
 */
#include "service_int.h"

bool svc_lockable(const struct store_user *user, const struct store_token *tok)
{
	return tok->device_id == 0 && user->ref.role != ROLE_FAMILY && user->username[0] != '\0';
}

int svc_unlock(struct store *s, const struct svc_policy *p, struct auth_throttle *t,
               const struct store_user *user, const struct store_token *tok, const char *password,
               const char *addr, int64_t now, const char **why)
{
	struct store_user again;
	if (!svc_lockable(user, tok)) {
		*why = "Only a staff sign-in is unlocked, with its own password.";
		return ERR_FORBIDDEN;
	}
	int err = svc_password_check(s, t, user->username, password, addr, now, &again, why);
	if (err == ERR_OK && again.ref.id != user->ref.id)
		err = ERR_INTERNAL; /* usernames are unique: cannot happen */
	if (err)
		return err;
	/* Used now: live again for the idle limit (a staff sign-in's end stays). */
	err = store_token_touch(s, tok->id, now, p->device_session_ms);
	if (err == ERR_OK)
		err = store_log_append(s, now, "unlock", user->ref.id, 0, 0, 0, addr);
	return err;
}
