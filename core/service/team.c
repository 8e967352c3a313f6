/*
 * team.c - teams and their staff.  A team reads the contact log and notes of
 * every family it has; who is on it is an administrator's decision.
 */
#include "service_int.h"

int svc_team_create(struct store *s, const struct store_user *actor, const char *name, int64_t *id)
{
	int err = svc_check_admin(actor);
	return err ? err : store_team_create(s, name, id);
}

int svc_team_add_staff(struct store *s, const struct store_user *actor, int64_t team, int64_t user,
                       bool *added)
{
	bool in_team = false;
	int err = svc_check_admin(actor);
	if (err == ERR_OK)
		err = store_admin_in_team(s, team, user, &in_team);
	*added = err == ERR_OK && !in_team;
	if (*added)
		err = store_team_add_staff(s, team, user);
	return err;
}
