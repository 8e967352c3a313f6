/*
 * attach_fetch.c - who may fetch a photo or document (issue 14): its sender,
 * always; once it is in a message, whoever may see that message (an
 * internal note's files never reach a family; an administrator reads no
 * content).  Staff fetches are access-logged like any read.  Nobody but
 * its sender learns an upload exists: everyone else gets "no such thing",
 * logged as a refusal.  Only a checked file is served.
 */
#include "service_int.h"

#include <string.h>

static bool allow_see(enum perm_rel rel, int kind)
{
	return perm_can_see_kind(rel, (enum msg_kind)kind);
}

/* Someone else's upload: only through the message it is in. */
static int through_message(struct store *s, const struct store_user *actor,
                           const struct attachment *a, int64_t now)
{
	struct msg m = {0};
	int64_t family;
	int err = a->message_id ? store_message_get(s, a->message_id, &m) : ERR_NOT_FOUND;
	if (err == ERR_NOT_FOUND)
		return svc_refuse_unless(s, actor, false, REL_NONE, 0, 0, now, "attachment");
	if (err == ERR_OK)
		err = svc_check_conv(s, actor, m.conv, now, allow_see, (int)m.kind, "attachment",
		                     &family);
	if (err == ERR_FORBIDDEN)
		err = ERR_NOT_FOUND; /* a member knows the conversation, not a note's file in it */
	if (err == ERR_OK)
		err = svc_log_access(s, actor, family, m.conv, now, "attachment");
	msg_clear(&m);
	return err;
}

int svc_attach_fetch(struct store *s, const struct store_user *actor, int64_t id, int64_t now,
                     struct attachment *out)
{
	int err = store_attach_get(s, id, out);
	if (err == ERR_NOT_FOUND)
		return svc_refuse_unless(s, actor, false, REL_NONE, 0, 0, now, "attachment");
	if (err == ERR_OK && out->owner_id != actor->ref.id)
		err = through_message(s, actor, out, now);
	if (err)
		return err;
	if (out->state == ATTACH_REJECTED)
		return ERR_GONE;
	return out->state == ATTACH_READY ? ERR_OK : ERR_CONFLICT;
}
