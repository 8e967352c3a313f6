/*
 * request_record.c - a family member asks to have their data erased (GDPR
 * art. 17) or its processing restricted (art. 18) (issue 16).  The request
 * reaches the family's pair however it was made (in a meeting, by phone, by
 * letter); they record it here with when it was received and what was
 * asked, so that its one-month answer deadline (art. 12(3)) and the answer
 * are on record.  A "request" row in the family's log.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

static bool may_handle(enum perm_rel rel, bool leads, bool coordinator)
{
	(void)coordinator;
	return perm_can_handle_request(rel, leads);
}

/* member is a member of family. */
static int check_member(struct store *s, int64_t family, int64_t member)
{
	struct store_user u;
	int err = store_user_get(s, member, &u);
	if (err == ERR_NOT_FOUND ||
	    (err == ERR_OK && (u.ref.role != ROLE_FAMILY || u.family_id != family)))
		return ERR_BAD_REQUEST;
	return err;
}

int svc_request_record(struct store *s, const struct store_user *actor, struct data_request *r,
                       int64_t now)
{
	int err = svc_record_check(s, actor, r->family, now, may_handle, "record request");
	bool kind_ok = strcmp(r->kind, "erasure") == 0 || strcmp(r->kind, "restriction") == 0;
	if (err == ERR_OK && (!kind_ok || r->received_at <= 0 || r->received_at > now))
		err = ERR_BAD_REQUEST;
	if (err == ERR_OK)
		err = check_member(s, r->family, r->member.id);
	r->recorded_by = actor->ref;
	r->recorded_at = now;
	if (err == ERR_OK)
		err = store_request_insert(s, r, &r->id);
	if (err)
		return err;
	char detail[96];
	snprintf(detail, sizeof detail, "request=%lld kind=%s member=%lld", (long long)r->id,
	         r->kind, (long long)r->member.id);
	return store_log_append(s, now, "request", actor->ref.id, r->family, 0, 0, detail);
}
