/*
 * member_sms.c - a family member's phone number and how they are reached
 * (issue 13): the app, the app with SMS when push does not reach them, or
 * SMS only; and whether full text may go by SMS.
 *
 * SMS is not an encrypted channel, so the full text of a message goes by
 * SMS only to a member whose informed consent is recorded: who recorded it
 * and when are kept and shown in the log.  The number is the pair's to set
 * (a family member could otherwise point SMS about a sibling at another
 * phone); the member chooses the channel and may give or withdraw consent.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

#include "../sms/phone.h"

/* The member, if actor may see their settings (*rel: actor's relation). */
static int member_of(struct store *s, const struct store_user *actor, int64_t member, int64_t now,
                     const char *what, struct store_user *m, enum perm_rel *rel)
{
	int err = store_user_get(s, member, m);
	if (err == ERR_OK && m->ref.role != ROLE_FAMILY)
		err = ERR_NOT_FOUND;
	if (err == ERR_NOT_FOUND)
		return svc_refuse_unless(s, actor, false, REL_NONE, 0, 0, now, what);
	if (err)
		return err;
	*rel = REL_NONE;
	if (actor->ref.id == m->ref.id)
		return ERR_OK;
	if ((err = svc_family_relation(s, actor, m->family_id, 0, rel)) != ERR_OK)
		return err;
	return svc_refuse_unless(s, actor, perm_can_see_member_sms(*rel), *rel, m->family_id, 0,
	                         now, what);
}

int svc_member_sms(struct store *s, const struct store_user *actor, int64_t member, int64_t now,
                   struct member_sms *out)
{
	struct store_user m;
	enum perm_rel rel;
	int err = member_of(s, actor, member, now, "member sms", &m, &rel);
	if (err == ERR_OK)
		err = store_member_sms_get(s, member, out);
	if (err == ERR_OK && actor->ref.id != member && actor->ref.role != ROLE_ADMIN)
		err = svc_log_access(s, actor, m.family_id, 0, now, "member sms");
	return err;
}

/* Applies chg to *v; *why on a refusal. */
static int apply(struct member_sms *v, const struct svc_sms_change *chg,
                 const struct store_user *actor, int64_t now, const char **why)
{
	if (chg->phone != NULL) {
		char e164[SMS_PHONE_MAX + 1] = "";
		if (chg->phone[0] != '\0' && sms_phone_parse(chg->phone, e164, why) != ERR_OK)
			return ERR_BAD_REQUEST;
		if (strcmp(e164, v->phone) != 0) {
			memcpy(v->phone, e164, sizeof e164);
			v->consent_at = 0; /* given for the old number */
		}
	}
	if (chg->channel != 0)
		v->channel = chg->channel;
	if (chg->resume)
		v->stopped_at = 0;
	if (chg->consent == 1) {
		v->consent_at = now;
		v->consent_by = actor->ref;
	} else if (chg->consent == 0) {
		v->consent_at = 0;
	}
	if (v->phone[0] == '\0' && (v->channel != SMS_CHANNEL_APP || v->consent_at != 0)) {
		*why = "SMS needs the member's phone number first.";
		v->channel = SMS_CHANNEL_APP;
		return ERR_BAD_REQUEST;
	}
	return ERR_OK;
}

/* The log row: what changed, the number masked. */
static int log_change(struct store *s, const struct store_user *actor, const struct store_user *m,
                      const struct member_sms *was, const struct member_sms *now_v, int64_t now)
{
	char detail[256], masked[48] = "none";
	int n = snprintf(detail, sizeof detail, "sms of %s:", m->ref.name);
	if (strcmp(was->phone, now_v->phone) != 0) {
		if (now_v->phone[0])
			sms_phone_mask(now_v->phone, masked, sizeof masked);
		n += snprintf(detail + n, sizeof detail - (size_t)n, " number %s;", masked);
	}
	if (was->channel != now_v->channel)
		n += snprintf(detail + n, sizeof detail - (size_t)n, " channel %s;",
		              sms_channel_name(now_v->channel));
	if (was->consent_at != now_v->consent_at)
		n += snprintf(detail + n, sizeof detail - (size_t)n, " full text %s;",
		              now_v->consent_at ? "agreed" : "not agreed");
	if (was->stopped_at != now_v->stopped_at)
		snprintf(detail + n, sizeof detail - (size_t)n, " SMS on again after STOP;");
	return store_log_append(s, now, "settings", actor->ref.id, m->family_id, 0, 0, detail);
}

int svc_member_sms_set(struct store *s, const struct store_user *actor, int64_t member,
                       const struct svc_sms_change *chg, int64_t now, struct member_sms *out,
                       const char **why)
{
	struct store_user m;
	struct member_sms was;
	enum perm_rel rel;
	bool self = actor->ref.id == member;
	int err = member_of(s, actor, member, now, "set member sms", &m, &rel);
	if (err == ERR_OK && !self)
		err = svc_refuse_unless(s, actor, perm_can_set_member_sms(rel), rel, m.family_id, 0,
		                        now, "set member sms");
	if (err == ERR_OK && self && chg->phone != NULL) {
		*why = "Your adviser changes your phone number.";
		err = ERR_FORBIDDEN;
	}
	if (err == ERR_OK)
		err = store_member_sms_get(s, member, &was);
	if (err)
		return err;
	*out = was;
	if ((err = apply(out, chg, actor, now, why)) != ERR_OK)
		return err;
	if (strcmp(was.phone, out->phone) == 0 && was.channel == out->channel &&
	    was.consent_at == out->consent_at && was.stopped_at == out->stopped_at)
		return ERR_OK; /* nothing changed: nothing to store or log */
	if ((err = store_member_sms_set(s, member, out)) == ERR_CONFLICT)
		*why = "Another family member has this phone number.";
	if (err == ERR_OK && was.stopped_at != out->stopped_at)
		err = store_member_sms_stop(s, member, 0);
	return err ? err : log_change(s, actor, &m, &was, out, now);
}
