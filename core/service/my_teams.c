/*
 * my_teams.c - the teams an adviser is on, and which they lead (issue 15):
 * the staff client offers a leader the handover, and keeps the templates
 * by team.
 */
#include "service_int.h"

int svc_my_teams(struct store *s, const struct store_user *user, struct team_ref *v, int *n)
{
	*n = 0;
	if (!perm_can_keep_templates(user->ref.role, user->active, true))
		return ERR_FORBIDDEN;
	return store_user_teams(s, user->ref.id, v, n);
}
