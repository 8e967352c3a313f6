/*
 * template_delete.c - a team's reply template removed by one of its staff
 * (issue 15).
 */
#include "service_int.h"

#include <stdlib.h>

int svc_template_delete(struct store *s, const struct store_user *user, int64_t id)
{
	struct template t;
	int err = store_template_get(s, id, &t);
	if (err)
		return err;
	free(t.body);
	if ((err = svc_template_team_check(s, user, t.team_id)) != ERR_OK)
		return err;
	return store_template_delete(s, id);
}
