/*
 * handover.c - a family handed over to a new pair, by an administrator or
 * a leader of the family's team (issue 15).  The family's whole history
 * stays with it and is open to the new pair at once; the "handover" row
 * tells the team who took over from whom, and when; a system message
 * tells the family who its new adviser is.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

/* "pair changed from Anna Jensen (primary) / Bo Nielsen (secondary) to ..." */
static int log_handover(struct store *s, const struct store_user *actor, int64_t family,
                        const int64_t was[2], const int64_t now_pair[2], int64_t now)
{
	char names[4][DOMAIN_NAME_MAX + 1], detail[4 * DOMAIN_NAME_MAX + 96];
	const int64_t ids[4] = {was[0], was[1], now_pair[0], now_pair[1]};
	for (int i = 0; i < 4; i++) {
		struct store_user u;
		int err = store_user_get(s, ids[i], &u);
		if (err)
			return err;
		snprintf(names[i], sizeof names[i], "%s", u.username[0] ? u.username : u.ref.name);
	}
	snprintf(detail, sizeof detail,
	         "pair changed from %s (primary) / %s (secondary) to %s / %s", names[0], names[1],
	         names[2], names[3]);
	return store_log_append(s, now, "handover", actor->ref.id, family, 0, 0, detail);
}

/* "Din nye rådgiver er Carl Berg." (or both, "Dine nye rådgivere er ...
 * og ..."), from the first new one, in Danish like every system message. */
static int tell_family(struct store *s, int64_t family, const int64_t was[2], const int64_t pair[2],
                       int64_t now, struct msg *notice)
{
	struct store_user fresh[2];
	int n = 0, err = ERR_OK;
	for (int i = 0; err == ERR_OK && i < 2; i++)
		if (pair[i] != was[0] && pair[i] != was[1])
			err = store_user_get(s, pair[i], &fresh[n++]);
	if (err || n == 0)
		return err; /* the same two, primary and secondary swapped */
	char body[2 * DOMAIN_NAME_MAX + 64], client_id[48];
	if (n == 1)
		snprintf(body, sizeof body, "Din nye rådgiver er %s.", fresh[0].ref.name);
	else
		snprintf(body, sizeof body, "Dine nye rådgivere er %s og %s.", fresh[0].ref.name,
		         fresh[1].ref.name);
	snprintf(client_id, sizeof client_id, "handover-%lld-%lld", (long long)family,
	         (long long)now);
	return svc_system_message(s, family, &fresh[0], client_id, body, now, notice);
}

int svc_pair_set(struct store *s, const struct store_user *actor, int64_t family, int64_t primary,
                 int64_t secondary, int64_t now, bool *changed, struct msg *notice,
                 const char **why)
{
	enum perm_rel rel;
	int64_t team, was[2];
	bool leads = false;
	*changed = false;
	memset(notice, 0, sizeof *notice);
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = store_leads_family(s, actor->ref.id, family, &leads);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_hand_over(rel, leads && actor->active),
		                        rel, family, 0, now, "handover");
	if (err == ERR_OK)
		err = store_family_pair(s, family, &team, &was[0], &was[1]);
	if (err == ERR_OK)
		err = svc_check_pair(s, team, primary, secondary, why);
	if (err || (was[0] == primary && was[1] == secondary))
		return err;
	*changed = true;
	const int64_t pair[2] = {primary, secondary};
	if ((err = store_family_set_pair(s, family, primary, secondary)) != ERR_OK ||
	    (err = log_handover(s, actor, family, was, pair, now)) != ERR_OK)
		return err;
	return tell_family(s, family, was, pair, now, notice);
}
