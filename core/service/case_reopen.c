/*
 * case_reopen.c - a closed case opened again by those who may close it
 * (issue 16): it takes messages again and the retention clock stops.  What
 * the rules deleted meanwhile stays deleted; phones signed out are enrolled
 * again with a new invitation.
 */
#include "service_int.h"

static bool may_reopen(enum perm_rel rel, bool leads, bool coordinator)
{
	(void)coordinator;
	return perm_can_close_case(rel, leads);
}

int svc_case_reopen(struct store *s, const struct store_user *actor, int64_t family, int64_t now)
{
	struct case_record r;
	int err = svc_record_check(s, actor, family, now, may_reopen, "reopen case");
	if (err == ERR_OK)
		err = store_record_get(s, family, &r);
	if (err == ERR_OK && r.closed_at == 0)
		err = ERR_CONFLICT;
	if (err == ERR_OK)
		err = store_record_reopen(s, family);
	return err ? err : store_log_append(s, now, "reopened", actor->ref.id, family, 0, 0, "");
}
