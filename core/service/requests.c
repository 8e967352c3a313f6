/*
 * requests.c - a family's requests for erasure and restriction, newest
 * first (issue 16): the pair, the team and an administrator see them, with
 * the decisions and whether an erasure was carried out.
 */
#include "service_int.h"

int svc_requests(struct store *s, const struct store_user *actor, int64_t family, int64_t now,
                 struct data_request *v, size_t *n)
{
	enum perm_rel rel;
	*n = 0;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK)
		err = svc_refuse_unless(s, actor, perm_can_see_record(rel), rel, family, 0, now,
		                        "requests");
	return err ? err : store_requests(s, family, v, REQUESTS_LISTED, n);
}
