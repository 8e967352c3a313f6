/*
 * my_teams.c - the teams an adviser is on, which they lead, and who is on
 * them (issue 15): the staff client offers a leader the handover among the
 * team's advisers, names colleagues in notes by their usernames (@bo), and
 * keeps the templates by team.  Usernames are the staff's to know, never a
 * family's.
 */
#include "service_int.h"

#include <stdlib.h>

void svc_teams_clear(struct team_ref *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].staff);
		v[i].staff = NULL;
	}
}

int svc_my_teams(struct store *s, const struct store_user *user, struct team_ref *v, int *n)
{
	*n = 0;
	if (!perm_can_keep_templates(user->ref.role, user->active, true))
		return ERR_FORBIDDEN;
	int err = store_user_teams(s, user->ref.id, v, n);
	for (int i = 0; err == ERR_OK && i < *n; i++)
		err = store_team_staff(s, &v[i]);
	return err;
}
