/*
 * answering.c - "I'm answering": a pair adviser who starts a reply shows
 * it to the partner and the team live, so two do not answer the same
 * message (issue 15).
 *
 * Nothing is stored: it is said on the loop, lapses by itself after
 * SVC_ANSWERING_MS unless said again (a client says it again while its
 * author writes), and ends when withdrawn or when a reply makes the
 * conversation stop waiting.  Read-only, so it runs on the loop's
 * connection; a refusal is logged later by the caller (writer_log_later).
 */
#include "service_int.h"

#include <string.h>

int svc_answering(struct store *s, const struct store_user *user, int64_t conv,
                  struct route_set *staff, int64_t *family)
{
	enum perm_rel rel;
	memset(staff, 0, sizeof *staff);
	*family = 0;
	int err = svc_conv_relation(s, user, conv, &rel, family);
	if (err)
		return err;
	/* Only who may write to the family may be writing to it. */
	if (user->ref.role == ROLE_FAMILY || !perm_can_send(rel, KIND_TEXT))
		return perm_refusal(rel);
	return route_message(s, conv, KIND_NOTE, staff);
}
