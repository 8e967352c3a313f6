/*
 * invite_sms.c - an invite code sent straight to the family member's own
 * number by SMS (issue 13), so that no staff member needs to see it.
 *
 * The code is made as any other (svc_invite) and goes in the SMS as a link
 * that fills it in (the family app reads #code=); the outbox holds the text
 * only until Kannel has taken it or it failed.  The answer names the number,
 * masked, never the code.  The log says who sent it to which number.
 */
#define _GNU_SOURCE /* asprintf */
#include "service_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "../common/dktime.h"
#include "../sms/phone.h"

/* The member's number, if SMS can reach it. */
static int number_of(struct store *s, int64_t member, struct member_sms *ms, const char **why)
{
	int err = store_member_sms_get(s, member, ms);
	if (err)
		return err;
	if (ms->phone[0] == '\0') {
		*why = "This family member has no phone number: add it under SMS first.";
		return ERR_BAD_REQUEST;
	}
	if (ms->stopped_at != 0) {
		*why = "This number sent STOP: no SMS go to it until SMS is turned on again.";
		return ERR_CONFLICT;
	}
	return ERR_OK;
}

static char *invite_text(const struct svc_policy *p, const char *code, int64_t expires_at)
{
	char until[32], *t = NULL;
	dktime_short(expires_at, until);
	if (asprintf(&t,
	             "Din rådgiver har inviteret dig til Indgang. Åbn %sfamily/#code=%s på din "
	             "telefon. Linket virker én gang, indtil %s.",
	             p->sms_link ? p->sms_link : "", code, until) < 0)
		return NULL;
	return t;
}

int svc_invite_by_sms(struct store *s, const struct svc_policy *p, const struct store_user *actor,
                      int64_t member, int64_t now, int64_t *expires_at, char masked[48],
                      const char **why)
{
	char code[AUTH_INVITE_LEN + 1], detail[DOMAIN_NAME_MAX + 96];
	struct store_user m;
	struct member_sms ms;
	if (!p->sms_out) {
		*why = "This gateway sends no SMS (kannel_sendsms_url).";
		return ERR_UNAVAILABLE;
	}
	int err = svc_invite(s, p, actor, member, 0, now, code, expires_at, &m, why);
	if (err == ERR_OK)
		err = number_of(s, member, &ms, why);
	if (err)
		return err;
	char *text = invite_text(p, code, *expires_at);
	struct store_sms_new n = {.kind = SMS_KIND_INVITE,
	                          .user_id = member,
	                          .phone = ms.phone,
	                          .body = text,
	                          .not_before = now};
	err = text ? store_sms_queue(s, &n, now, NULL) : ERR_INTERNAL;
	free(text);
	sms_phone_mask(ms.phone, masked, 48);
	snprintf(detail, sizeof detail, "invite code for %s sent by SMS to %s", m.ref.name, masked);
	return err ? err
	           : store_log_append(s, now, "invite", actor->ref.id, m.family_id, 0, 0, detail);
}
