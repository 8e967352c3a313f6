/*
 * history.c - a page of a conversation's history, as the user may see it.
 * Read-only: the caller logs a staff member's read (svc_log_access), on the
 * loop through the writer, before the page goes out.
 */
#include "service_int.h"

int svc_history(struct store *s, const struct store_user *user, int64_t conv, int64_t before,
                int limit, struct msg_list *out, bool *more, int64_t *family)
{
	enum perm_rel rel;
	*family = 0;
	int err = svc_conv_relation(s, user, conv, &rel, family);
	if (err)
		return err;
	if (!perm_can_see_conv(rel))
		return perm_refusal(rel);
	bool notes = perm_can_see_kind(rel, KIND_NOTE);
	return store_history(s, conv, notes, before, limit, out, more);
}
