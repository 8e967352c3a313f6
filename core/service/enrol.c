/*
 * enrol.c - a family member's phone joins with an invite code.
 *
 * The code is used up, the device and its token are made, and nobody can
 * enrol unseen: the "enrol" row names who created the invite, and a system
 * message in the family's conversation tells the member's other phones and
 * the pair at once ("a new phone was added"), so an administrator or adviser
 * who redeemed a code themselves would be noticed by the family.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

/* "Enrolled Mettes telefon (invite by Anna Jensen)". */
static int log_enrol(struct store *s, const struct store_user *member, const char *device,
                     int64_t created_by, int64_t now)
{
	struct store_user creator;
	char detail[2 * DOMAIN_NAME_MAX + 64];
	const char *by = "an unknown account";
	if (created_by > 0 && store_user_get(s, created_by, &creator) == ERR_OK)
		by = creator.ref.name;
	snprintf(detail, sizeof detail, "%s (invite by %s)", device, by);
	return store_log_append(s, now, "enrol", member->ref.id, member->family_id, 0, 0, detail);
}

/* The system message: in Danish, the family's and the advisers' language. */
static int announce(struct store *s, const struct store_user *member, const char *device,
                    int64_t device_id, int64_t now, struct msg *notice, struct route_set *to)
{
	char body[2 * DOMAIN_NAME_MAX + 64], client_id[32];
	snprintf(body, sizeof body, "En ny telefon er tilføjet for %s: %s", member->ref.name,
	         device);
	snprintf(client_id, sizeof client_id, "enrol-%lld", (long long)device_id);
	int err = svc_system_message(s, member->family_id, member, client_id, body, now, notice);
	return err ? err : route_message(s, notice->conv, notice->kind, to);
}

static int redeem(struct store *s, const char *code, int64_t now, struct store_user *member,
                  int64_t *created_by)
{
	char hash[AUTH_INVITE_HASH_LEN + 1];
	int64_t id;
	if (auth_invite_hash(code, hash) != 0)
		return ERR_UNAUTHORIZED;
	int err = store_invite_consume(s, hash, now, &id, created_by);
	if (err == ERR_OK)
		err = store_user_get(s, id, member);
	if (err == ERR_OK && !member->active)
		err = ERR_GONE;
	return err;
}

int svc_enrol(struct store *s, const struct svc_policy *p, struct auth_throttle *t,
              const char *typed, const char *device, const char *addr, int64_t now,
              struct svc_session *out, struct msg *notice, struct route_set *notice_to,
              const char **why)
{
	char code[AUTH_INVITE_LEN + 1];
	uint8_t hash[32];
	int64_t created_by = 0;
	memset(out, 0, sizeof *out);
	memset(notice, 0, sizeof *notice);
	memset(notice_to, 0, sizeof *notice_to);
	/* Guessing codes is throttled like guessing passwords, with counters
	 * of its own (auth_throttle_invite_attempt). */
	if (!auth_throttle_invite_attempt(t, addr, now)) {
		*why = "Too many wrong codes; wait a few minutes.";
		return ERR_RATE_LIMITED;
	}
	int err = auth_invite_normalise(typed, code) != 0
	              ? ERR_UNAUTHORIZED
	              : redeem(s, code, now, &out->user, &created_by);
	if (err == ERR_UNAUTHORIZED)
		*why = "Unknown invite code.";
	else if (err == ERR_GONE)
		*why = "This invite code has been used or has expired; ask your adviser for a new "
		       "one.";
	if (err)
		return err;
	auth_throttle_invite_success(t, addr);
	const struct store_user *m = &out->user;
	out->expires_at = now + p->device_session_ms;
	if ((err = store_device_insert(s, m->ref.id, device, now, &out->device_id)) != ERR_OK)
		return err;
	if (auth_token_new(out->token, hash) != 0)
		return ERR_INTERNAL;
	err = store_token_issue(s, hash, m->ref.id, out->device_id, now, out->expires_at,
	                        p->device_idle_ms, &out->token_id);
	if (err == ERR_OK)
		err = log_enrol(s, m, device, created_by, now);
	if (err == ERR_OK)
		err = announce(s, m, device, out->device_id, now, notice, notice_to);
	return err;
}
