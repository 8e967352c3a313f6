/*
 * hold_lift.c - a legal hold lifted by an administrator, with the reason
 * (issue 16): the retention rules take up where they stopped.
 */
#include "service_int.h"

int svc_hold_lift(struct store *s, const struct store_user *actor, int64_t family,
                  const char *reason, int64_t now)
{
	struct case_record r;
	int err = svc_hold_check(s, actor, family, reason, now, "lift legal hold");
	if (err == ERR_OK)
		err = store_record_get(s, family, &r);
	if (err == ERR_OK && r.hold_reason[0] == '\0')
		err = ERR_CONFLICT;
	if (err == ERR_OK)
		err = store_record_hold(s, family, "", now, 0);
	return err ? err
	           : store_log_append(s, now, "hold_lifted", actor->ref.id, family, 0, 0, reason);
}
