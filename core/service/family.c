/*
 * family.c - a family with its pair, and its members; the pair rule shared
 * with handover.c: two different active advisers on the family's team.
 */
#include "service_int.h"

/* The pair works inside the family's team: the team sees what the pair does. */
int svc_check_pair(struct store *s, int64_t team, int64_t primary, int64_t secondary,
                   const char **why)
{
	int64_t ids[2] = {primary, secondary};
	if (primary == secondary) {
		*why = "A pair is two different advisers.";
		return ERR_BAD_REQUEST;
	}
	for (int i = 0; i < 2; i++) {
		struct store_user u;
		bool in_team = false;
		int err = store_user_get(s, ids[i], &u);
		if (err == ERR_OK)
			err = store_admin_in_team(s, team, ids[i], &in_team);
		if (err == ERR_NOT_FOUND ||
		    (err == ERR_OK && (u.ref.role != ROLE_ADVISER || !u.active || !in_team))) {
			*why = "Both of the pair must be active advisers on the family's team.";
			return ERR_BAD_REQUEST;
		}
		if (err)
			return err;
	}
	return ERR_OK;
}

int svc_family_create(struct store *s, const struct store_user *actor, const char *name,
                      int64_t team, int64_t primary, int64_t secondary, int64_t now, int64_t *id,
                      int64_t *conv, const char **why)
{
	int err = svc_check_admin(actor);
	if (err == ERR_OK)
		err = svc_check_pair(s, team, primary, secondary, why);
	if (err == ERR_OK)
		err = store_family_create(s, name, team, primary, secondary, now, id, conv);
	return err;
}

int svc_member_add(struct store *s, const struct store_user *actor, int64_t family,
                   const char *name, int64_t *id)
{
	int err = svc_check_admin(actor);
	return err ? err : store_family_add_member(s, family, name, id);
}
