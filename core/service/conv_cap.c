/*
 * conv_cap.c - the cap on restricted conversations per family.
 *
 * Every conversation a user may see goes into their welcome and GET
 * /api/me, so an unbounded number of them (15,000 made one welcome 5 MB)
 * costs every sign-in.  A family gets at most DOMAIN_RESTRICTED_CONVS_MAX
 * restricted conversations besides its default one.
 */
#include "service_int.h"

#include "../common/err.h"

#define STR2(x) #x
#define STR(x)  STR2(x)

int svc_conv_cap_check(struct store *s, int64_t family, const char **why)
{
	int64_t n = 0;
	int err = store_conv_count_restricted(s, family, &n);
	if (err)
		return err;
	if (n < DOMAIN_RESTRICTED_CONVS_MAX)
		return ERR_OK;
	*why = "A family can have at most " STR(
	    DOMAIN_RESTRICTED_CONVS_MAX) " restricted conversations.";
	return ERR_CONFLICT;
}
