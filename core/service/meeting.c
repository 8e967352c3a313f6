/*
 * meeting.c - the team marks its meeting about a family held (issue 15):
 * every 14 days the cross-disciplinary team reviews each family, and
 * "since the last meeting" (CONV.met_at, then the family's log from then)
 * is what it looks at next time.  The pair and the team; logged.
 */
#include "service_int.h"

int svc_meeting_held(struct store *s, const struct store_user *actor, int64_t family, int64_t now)
{
	enum perm_rel rel;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_read_log(rel), rel, family, 0, now,
		                        "meeting held");
	if (err == ERR_OK)
		err = store_family_met(s, family, now);
	return err ? err : store_log_append(s, now, "meeting", actor->ref.id, family, 0, 0, "");
}
