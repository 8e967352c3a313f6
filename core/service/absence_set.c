/*
 * absence_set.c - "I'm away" (issue 15): an adviser says from when to when
 * they are away and what their families are told; the families see it and
 * the partner answers meanwhile (escalate.c tells the partner, or the
 * primary when the partner is the one away).  It ends by itself at its
 * end; a new one replaces it.  Each family of the adviser's pair gets a
 * row in its contact log, for the team's meeting.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

#include "../common/dktime.h"

#define DAY_MS (24 * 3600 * 1000LL)

int svc_absence_set(struct store *s, const struct store_user *user, const struct absence *in,
                    int64_t now, struct absence *out)
{
	if (!perm_can_be_away(user->ref.role, user->active))
		return ERR_FORBIDDEN;
	/* Not over already, not longer than a year, not set far in the past. */
	if (in->to <= in->from || in->to <= now || in->to - in->from > DOMAIN_ABSENCE_MAX_MS ||
	    in->from < now - DAY_MS)
		return ERR_BAD_REQUEST;
	*out = *in;
	out->user = user->ref;
	char from[32], to[32], detail[80];
	dktime_short(out->from, from);
	dktime_short(out->to, to);
	snprintf(detail, sizeof detail, "away %s - %s", from, to);
	int err = store_absence_set(s, out, now);
	return err ? err : store_log_pair_families(s, now, "absence", user->ref.id, detail);
}
