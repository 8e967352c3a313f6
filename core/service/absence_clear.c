/*
 * absence_clear.c - back before the absence's end (issue 15): it goes, and
 * the families of the adviser's pair have it in their contact log.
 */
#include "service_int.h"

int svc_absence_clear(struct store *s, const struct store_user *user, int64_t now)
{
	bool cleared;
	if (!perm_can_be_away(user->ref.role, user->active))
		return ERR_FORBIDDEN;
	int err = store_absence_clear(s, user->ref.id, &cleared);
	if (err == ERR_OK && cleared)
		err = store_log_pair_families(s, now, "absence", user->ref.id, "back");
	return err;
}
