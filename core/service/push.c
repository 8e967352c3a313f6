/*
 * push.c - Web Push subscriptions of a sign-in (issue 12).
 *
 * A subscription belongs to the sign-in that registered it (a staff
 * browser's session, or an enrolled phone and its device) and ends with it:
 * logout.c, device.c and staff.c drop it.  Its endpoint is a URL the gateway
 * will POST to, so it must pass the endpoint rule (core/push/endpoint.h).
 */
#include "service_int.h"

#include "../push/endpoint.h"

int svc_push_subscribe(struct store *s, const struct svc_policy *p, const struct store_user *user,
                       const struct store_token *tok, const char *endpoint, const char *p256dh,
                       const char *auth, int64_t now, int64_t *id, const char **why)
{
	int err = push_endpoint_check(endpoint, p->push_hosts, p->push_allow_private, why);
	if (err)
		return err;
	struct store_push_sub sub = {.user_id = user->ref.id,
	                             .token_id = tok->id,
	                             .device_id = tok->device_id,
	                             .endpoint = endpoint,
	                             .p256dh = p256dh,
	                             .auth = auth};
	return store_push_sub_put(s, &sub, now, id);
}

/* Someone else's subscription is answered like one that does not exist. */
int svc_push_unsubscribe(struct store *s, const struct store_user *user, int64_t id)
{
	return store_push_sub_delete(s, id, user->ref.id);
}
