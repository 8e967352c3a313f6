/*
 * request_answer.c - a request for erasure or restriction answered (issue
 * 16), with the decision and its reasons as the family was told them.
 *
 * Within what Arkivloven allows: an erasure granted deletes the member's own
 * messages only as far as the case file has the journal export (a public
 * authority deletes only what the case file holds), so the coordinator
 * confirms the export filed first; it is carried out by the retention
 * machinery, a batch at a time, never under a legal hold, and leaves a
 * tombstone.  A restriction granted keeps everything: it is a legal hold
 * on the family, which an administrator lifts when the restriction ends.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

static bool may_handle(enum perm_rel rel, bool leads, bool coordinator)
{
	(void)coordinator;
	return perm_can_handle_request(rel, leads);
}

static bool decision_ok(const char *d)
{
	return strcmp(d, "granted") == 0 || strcmp(d, "partly") == 0 || strcmp(d, "refused") == 0;
}

/* What a decision sets in motion. */
static int carry_out(struct store *s, const struct store_user *actor, struct data_request *r,
                     int64_t now)
{
	if (strcmp(r->decision, "refused") == 0)
		return ERR_OK;
	struct case_record rec;
	int err = store_record_get(s, r->family, &rec);
	if (err == ERR_OK && strcmp(r->kind, "restriction") == 0) {
		char reason[96];
		snprintf(reason, sizeof reason, "GDPR art. 18: restriction, request %lld",
		         (long long)r->id);
		err = store_record_ensure(s, r->family);
		if (err == ERR_OK)
			err = store_record_hold(s, r->family, reason, now, actor->ref.id);
		return err ? err
		           : store_log_append(s, now, "hold", actor->ref.id, r->family, 0, 0,
		                              reason);
	}
	if (err == ERR_OK && rec.filed_upto == 0)
		return ERR_CONFLICT; /* the case file has nothing yet: file the export first */
	r->erase_upto = rec.filed_upto;
	return err ? err : store_record_poke(s, r->family, now);
}

int svc_request_answer(struct store *s, const struct store_user *actor, struct data_request *in,
                       int64_t now)
{
	struct data_request r;
	int err = store_request_get(s, in->id, &r);
	if (err == ERR_NOT_FOUND)
		return svc_refuse_unless(s, actor, false, REL_NONE, 0, 0, now, "answer request");
	if (err == ERR_OK)
		err = svc_record_check(s, actor, r.family, now, may_handle, "answer request");
	if (err == ERR_OK && (!decision_ok(in->decision) || in->answer[0] == '\0'))
		err = ERR_BAD_REQUEST;
	if (err == ERR_OK && r.decision[0] != '\0')
		err = ERR_CONFLICT;
	if (err)
		return err;
	memcpy(r.decision, in->decision, sizeof r.decision);
	memcpy(r.answer, in->answer, sizeof r.answer);
	r.answered_by = actor->ref;
	r.answered_at = now;
	if ((err = carry_out(s, actor, &r, now)) != ERR_OK ||
	    (err = store_request_answer(s, &r)) != ERR_OK)
		return err;
	*in = r;
	char detail[96];
	snprintf(detail, sizeof detail, "request=%lld kind=%s decision=%s", (long long)r.id, r.kind,
	         r.decision);
	return store_log_append(s, now, "request_answered", actor->ref.id, r.family, 0, 0, detail);
}
