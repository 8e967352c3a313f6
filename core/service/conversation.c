/*
 * conversation.c - the conversations a user may see, and the pair making a
 * restricted one for some of the family's members.
 *
 * A family has at most DOMAIN_RESTRICTED_CONVS_MAX restricted conversations
 * (conv_cap.c): every welcome lists all of a user's conversations, so their
 * number is part of what one sign-in costs.
 */
#include "service_int.h"

int svc_conversations(struct store *s, const struct store_user *user, int64_t now,
                      struct conv_list *out)
{
	return store_user_conversations(s, user, now, out);
}

int svc_conv_create(struct store *s, const struct store_user *actor, int64_t family,
                    const char *title, const int64_t *members, size_t n_members, int64_t now,
                    struct conv *out, const char **why)
{
	enum perm_rel rel;
	int64_t conv;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_create_conv(rel), rel, family, 0, now,
		                        "create conversation");
	if (err)
		return err;
	if ((err = svc_conv_cap_check(s, family, why)) == ERR_CONFLICT) {
		int logged = svc_log_denied(s, actor, family, 0, now, "create conversation: limit");
		return logged ? logged : err;
	}
	if (err)
		return err;
	err = store_conv_create(s, family, title, members, n_members, now, &conv);
	if (err == ERR_BAD_REQUEST)
		*why = "Every member must belong to the family.";
	if (err == ERR_OK)
		err =
		    store_log_append(s, now, "conversation", actor->ref.id, family, conv, 0, title);
	if (err == ERR_OK)
		err = store_conversation(s, actor, conv, now, out);
	return err;
}
