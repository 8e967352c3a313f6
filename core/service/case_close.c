/*
 * case_close.c - the pair or a leader of the team closes a family's case
 * (issue 16).  From then on the case is read-only (perm_case_takes: the
 * family hears so, kindly, in its own language, from its app), nobody
 * waits for an answer in it, the family's phones are signed out after the
 * grace period and the retention clock runs (core/records/retention.c).
 */
#include "service_int.h"

#include <string.h>

int svc_record_check(struct store *s, const struct store_user *actor, int64_t family, int64_t now,
                     bool (*allowed)(enum perm_rel rel, bool leads, bool coordinator),
                     const char *what)
{
	enum perm_rel rel;
	bool leads = false;
	int64_t team, primary = 0, secondary;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK && rel != REL_NONE && rel != REL_ADMIN)
		err = store_leads_family(s, actor->ref.id, family, &leads);
	if (err == ERR_OK && rel == REL_PAIR)
		err = store_family_pair(s, family, &team, &primary, &secondary);
	if (err)
		return err;
	bool coordinator = primary == actor->ref.id;
	return svc_refuse_unless(s, actor, allowed(rel, leads && actor->active, coordinator), rel,
	                         family, 0, now, what);
}

static bool may_close(enum perm_rel rel, bool leads, bool coordinator)
{
	(void)coordinator;
	return perm_can_close_case(rel, leads);
}

int svc_case_close(struct store *s, const struct store_user *actor, int64_t family,
                   const char *reason, int64_t now)
{
	struct case_record r;
	int err = svc_record_check(s, actor, family, now, may_close, "close case");
	if (err == ERR_OK && strlen(reason) > RECORD_REASON_MAX)
		err = ERR_BAD_REQUEST;
	if (err == ERR_OK)
		err = store_record_get(s, family, &r);
	if (err == ERR_OK && r.closed_at != 0)
		err = ERR_CONFLICT;
	if (err == ERR_OK)
		err = store_record_ensure(s, family);
	if (err == ERR_OK)
		err = store_record_close(s, family, now, actor->ref.id, reason);
	if (err == ERR_OK)
		err = store_record_clear_waits(s, family);
	return err ? err : store_log_append(s, now, "closed", actor->ref.id, family, 0, 0, reason);
}
