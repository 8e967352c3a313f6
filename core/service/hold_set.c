/*
 * hold_set.c - a legal hold on a family's data (issue 16): a complaint, a
 * case before the courts or the Ombudsman, an art. 18 restriction granted.
 * Nothing of the family is deleted while it lasts.  An administrator sets
 * it, who reads no content; the reason is logged for the family's team.
 */
#include "service_int.h"

#include <string.h>

/* An administrator's act on the family's record with a reason. */
int svc_hold_check(struct store *s, const struct store_user *actor, int64_t family,
                   const char *reason, int64_t now, const char *what)
{
	enum perm_rel rel;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_hold(rel), rel, family, 0, now, what);
	if (err == ERR_OK && (reason[0] == '\0' || strlen(reason) > RECORD_REASON_MAX))
		err = ERR_BAD_REQUEST;
	return err;
}

int svc_hold_set(struct store *s, const struct store_user *actor, int64_t family,
                 const char *reason, int64_t now)
{
	int err = svc_hold_check(s, actor, family, reason, now, "legal hold");
	if (err == ERR_OK)
		err = store_record_ensure(s, family);
	if (err == ERR_OK)
		err = store_record_hold(s, family, reason, now, actor->ref.id);
	return err ? err : store_log_append(s, now, "hold", actor->ref.id, family, 0, 0, reason);
}
