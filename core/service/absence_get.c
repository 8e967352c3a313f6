/*
 * absence_get.c - an adviser's own absence, if one is not over (issue 15).
 */
#include "service_int.h"

#include <string.h>

int svc_absence_get(struct store *s, const struct store_user *user, int64_t now,
                    struct absence *out)
{
	memset(out, 0, sizeof *out);
	if (!perm_can_be_away(user->ref.role, user->active))
		return ERR_FORBIDDEN;
	return store_absence_get(s, user->ref.id, now, out);
}
