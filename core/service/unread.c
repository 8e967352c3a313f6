/*
 * unread.c - how many messages wait unread for a user: the number in the
 * title of a locked staff page (GET /api/me/unread), which may show nothing
 * else.  It is the sum of CONV.unread over what the user may see, so it
 * agrees with the count the page showed before it locked.  A count
 * discloses no content of any family, so, like the counters of the welcome,
 * it writes no access row; and it is no activity (core/api).
 */
#include "service_int.h"

int svc_unread(struct store *s, const struct store_user *user, int64_t *n)
{
	return store_user_unread(s, user, n);
}
