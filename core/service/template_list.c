/*
 * template_list.c - the reply templates of every team the adviser is on
 * (issue 15).
 */
#include "service_int.h"

int svc_templates(struct store *s, const struct store_user *user, struct template_list *out)
{
	if (!perm_can_keep_templates(user->ref.role, user->active, true))
		return ERR_FORBIDDEN;
	return store_templates_of(s, user->ref.id, out);
}
