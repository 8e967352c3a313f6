/*
 * handover.c - a family handed over to a new pair.  The family's whole
 * history stays with it and is open to the new pair at once; the
 * "handover" row tells the team who took over from whom, and when.
 */
#include "service_int.h"

#include <stdio.h>

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

int svc_pair_set(struct store *s, const struct store_user *actor, int64_t family, int64_t primary,
                 int64_t secondary, int64_t now, bool *changed, const char **why)
{
	enum perm_rel rel;
	int64_t team, was[2];
	*changed = false;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_hand_over(rel), rel, family, 0, now,
		                        "handover");
	if (err == ERR_OK)
		err = store_family_pair(s, family, &team, &was[0], &was[1]);
	if (err == ERR_OK)
		err = svc_check_pair(s, team, primary, secondary, why);
	if (err || (was[0] == primary && was[1] == secondary))
		return err;
	*changed = true;
	if ((err = store_family_set_pair(s, family, primary, secondary)) != ERR_OK)
		return err;
	return log_handover(s, actor, family, was, (const int64_t[2]){primary, secondary}, now);
}
