/*
 * team_leader.c - a team's leaders (issue 15): staff of the team who hear
 * of a family still unanswered at the team's response target.  An
 * administrator's decision, like who is on the team.
 */
#include "service_int.h"

int svc_team_leader_set(struct store *s, const struct store_user *actor, int64_t team, int64_t user,
                        bool leader)
{
	bool in_team = false;
	int err = svc_check_admin(actor);
	if (err == ERR_OK)
		err = store_admin_in_team(s, team, user, &in_team);
	if (err == ERR_OK && !in_team)
		err = ERR_NOT_FOUND;
	return err ? err : store_team_leader_set(s, team, user, leader);
}
