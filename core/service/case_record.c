/*
 * case_record.c - a family's case record (issue 16): open or closed, how far
 * the case file has the export, a legal hold, and when the retention rules
 * (core/records/retention.c) delete what.  It holds no content: the pair,
 * the team and an administrator see it.
 */
#include "service_int.h"

#include <string.h>

/* The rules' view of a record. */
void svc_retention_facts(const struct case_record *r, struct retention_facts *f)
{
	*f = (struct retention_facts){
	    .closed_at = r->closed_at,
	    .filed_upto = r->filed_upto,
	    .hold = r->hold_reason[0] != '\0',
	    .phones_at = r->phones_at,
	    .content_upto = r->content_upto,
	    .log_upto = r->log_upto,
	    .access_upto = r->access_upto,
	    .names_at = r->names_at,
	};
}

int svc_record_get(struct store *s, const struct store_user *actor, int64_t family,
                   const struct retention_policy *policy, int64_t now, struct svc_record *out)
{
	memset(out, 0, sizeof *out);
	enum perm_rel rel;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_see_record(rel), rel, family, 0, now,
		                        "case record");
	if (err == ERR_OK)
		err = store_record_get(s, family, &out->r);
	if (err)
		return err;
	struct retention_facts f;
	svc_retention_facts(&out->r, &f);
	retention_plan(policy, &f, now, &out->plan);
	for (int st = RETAIN_PHONES; out->r.closed_at && st < RETAIN__COUNT; st++)
		out->due[st] = retention_due(policy, (enum retention_step)st, out->r.closed_at);
	return ERR_OK;
}
