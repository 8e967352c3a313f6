/*
 * quiet.c - a family's quiet hours: notifications wait for their end, the
 * messages do not (core/push/quiet.h).  The family sets them, or its pair
 * for it; the team sees them, so staff can say when a member will be told.
 */
#include "service_int.h"

#include <stdio.h>

#include "../push/quiet.h"

int svc_quiet_hours(struct store *s, const struct store_user *actor, int64_t family, int *start,
                    int *end)
{
	enum perm_rel rel;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK && !perm_can_see_quiet_hours(rel))
		err = svc_family_refusal(rel);
	return err ? err : store_family_quiet_get(s, family, start, end);
}

int svc_quiet_hours_set(struct store *s, const struct store_user *actor, int64_t family, int start,
                        int end, int64_t now)
{
	enum perm_rel rel;
	char from[6], to[6], detail[48];
	if (start < 0 || start >= 24 * 60 || end < 0 || end >= 24 * 60)
		return ERR_BAD_REQUEST;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_set_quiet_hours(rel), rel, family, 0,
		                        now, "quiet hours");
	if (err == ERR_OK)
		err = store_family_quiet_set(s, family, start, end);
	if (err)
		return err;
	quiet_format(start, from);
	quiet_format(end, to);
	snprintf(detail, sizeof detail, start == end ? "quiet hours off" : "quiet hours %s-%s",
	         from, to);
	return store_log_append(s, now, "settings", actor->ref.id, family, 0, 0, detail);
}
