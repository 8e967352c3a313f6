/*
 * coordinator.c - the family chooses its coordinator ("tovholder") among
 * its pair (issue 15; DOMAIN.md: "the family chooses whom it trusts").
 * The chosen one becomes the primary; the staff see the choice in the
 * conversation (a system message) and the contact log.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

int svc_coordinator_choose(struct store *s, const struct store_user *member, int64_t family,
                           int64_t adviser, int64_t now, struct msg *notice)
{
	enum perm_rel rel;
	int64_t team, primary, secondary;
	struct store_user chosen;
	memset(notice, 0, sizeof *notice);
	int err = svc_family_relation(s, member, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, member, perm_can_choose_coordinator(rel), rel, family, 0,
		                        now, "choose coordinator");
	if (err == ERR_OK)
		err = store_family_pair(s, family, &team, &primary, &secondary);
	if (err)
		return err;
	if (adviser != primary && adviser != secondary)
		return ERR_BAD_REQUEST;
	if (adviser == primary)
		return ERR_OK; /* already so */
	if ((err = store_family_set_pair(s, family, secondary, primary)) != ERR_OK ||
	    (err = store_user_get(s, adviser, &chosen)) != ERR_OK ||
	    (err = store_log_append(s, now, "coordinator", member->ref.id, family, 0, 0,
	                            chosen.ref.name)) != ERR_OK)
		return err;
	char body[2 * DOMAIN_NAME_MAX + 48], client_id[48];
	snprintf(body, sizeof body, "%s har valgt %s som tovholder.", member->ref.name,
	         chosen.ref.name);
	snprintf(client_id, sizeof client_id, "coordinator-%lld", (long long)now);
	return svc_system_message(s, family, member, client_id, body, now, notice);
}
