/*
 * invite.c - an invite code for a family member's phone: the one place
 * codes are made, for the HTTP API and indgang-admin alike.
 *
 * The code is shown once and kept only as a hash.  The pair may invite a
 * member at any time (a new phone, a lost one); an administrator only a
 * member who has no phone yet, so that nobody who manages the system can
 * enrol as a member whose family already uses the app.  The log names who
 * got a code and until when, never the code.
 */
#include "service_int.h"

#include <stdio.h>

#include "../common/text.h"

static int check(struct store *s, const struct store_user *actor, const struct store_user *member,
                 int64_t now, const char **why)
{
	enum perm_rel rel;
	int err = svc_family_relation(s, actor, member->family_id, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_invite(rel), rel, member->family_id, 0,
		                        now, "invite");
	if (err || rel != REL_ADMIN)
		return err;
	int64_t phones;
	if ((err = store_member_live_devices(s, member->ref.id, &phones)) != ERR_OK)
		return err;
	if (phones == 0)
		return ERR_OK;
	*why = "This member already has a phone; another one is invited by the family's "
	       "pair.";
	err = svc_log_denied(s, actor, member->family_id, 0, now, "invite: member has a phone");
	return err ? err : ERR_CONFLICT;
}

/* A fresh code stored by its hash; a clash of two 47-bit codes is all but
 * impossible, but costs nothing to survive. */
static int store_code(struct store *s, const struct store_user *actor, int64_t member, int64_t now,
                      int64_t expires_at, char code[AUTH_INVITE_LEN + 1])
{
	char hash[AUTH_INVITE_HASH_LEN + 1];
	int err = ERR_CONFLICT;
	for (int tries = 0; err == ERR_CONFLICT && tries < 3; tries++) {
		if (auth_invite_new(code) != 0 || auth_invite_hash(code, hash) != 0)
			return ERR_INTERNAL;
		err = store_invite_insert(s, hash, member, actor->ref.id, now, expires_at);
	}
	return err;
}

int svc_invite(struct store *s, const struct svc_policy *p, const struct store_user *actor,
               int64_t member, int64_t valid_ms, int64_t now, char code[AUTH_INVITE_LEN + 1],
               int64_t *expires_at, struct store_user *m, const char **why)
{
	char detail[DOMAIN_NAME_MAX + 128], ts[32];
	int err = store_user_get(s, member, m);
	if (err == ERR_OK && m->ref.role != ROLE_FAMILY)
		err = ERR_NOT_FOUND;
	if (err == ERR_NOT_FOUND)
		return svc_refuse_unless(s, actor, false, REL_NONE, 0, 0, now, "invite");
	if (err || (err = check(s, actor, m, now, why)) != ERR_OK)
		return err;
	if (!m->active) {
		*why = "This family member is deactivated.";
		return ERR_GONE;
	}
	*expires_at = now + (valid_ms > 0 ? valid_ms : p->invite_ms);
	if ((err = store_code(s, actor, member, now, *expires_at, code)) != ERR_OK)
		return err;
	text_format_ts(*expires_at, ts);
	snprintf(detail, sizeof detail, "invite code for %s (member %lld), valid until %s",
	         m->ref.name, (long long)member, ts);
	return store_log_append(s, now, "invite", actor->ref.id, m->family_id, 0, 0, detail);
}
