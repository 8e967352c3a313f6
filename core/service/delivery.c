/*
 * delivery.c - how far a message reached a family member: delivered to one
 * of their devices (its client confirmed it with a `delivered` frame),
 * notified (a push service took the notification: core/notify), read
 * (read.c).  Staff see it under their messages ("Leveret til Mettes
 * telefon 20.11 · læst 20.15"); it is transport, not contact, so it writes
 * no contact-log row.
 */
#include "service_int.h"

#include <string.h>

static bool allow_confirm(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_mark_read(rel);
}

/* The staff who see a member's positions in conv. */
static int tell_staff(struct store *s, int64_t conv, struct svc_delivery *out)
{
	struct route_set family;
	int err = route_receipt_split(s, conv, &out->staff, &family);
	route_set_free(&family);
	return err;
}

int svc_delivered(struct store *s, const struct store_user *user, int64_t device_id, int64_t conv,
                  int64_t upto, int64_t now, struct svc_delivery *out)
{
	int64_t family, last;
	memset(out, 0, sizeof *out);
	int err = svc_check_conv(s, user, conv, now, allow_confirm, 0, "delivered", &family);
	if (err == ERR_OK)
		err = store_conv_last_id(s, conv, user->ref.role != ROLE_FAMILY, &last);
	if (err)
		return err;
	if (upto > last) /* nobody got what does not exist */
		upto = last;
	if (upto > 0 &&
	    (err = store_delivered_set(s, conv, user->ref.id, upto, device_id, now, &out->moved)))
		return err;
	if ((err = store_delivery_get(s, conv, user->ref.id, &out->pos)) == ERR_NOT_FOUND) {
		out->pos.user = user->ref; /* nothing confirmed yet */
		err = ERR_OK;
	}
	if (err)
		return err;
	return out->moved && user->ref.role == ROLE_FAMILY ? tell_staff(s, conv, out) : ERR_OK;
}

int svc_delivery_state(struct store *s, int64_t conv, int64_t user, struct svc_delivery *out)
{
	memset(out, 0, sizeof *out);
	out->moved = true;
	int err = store_delivery_get(s, conv, user, &out->pos);
	return err ? err : tell_staff(s, conv, out);
}

void svc_delivery_clear(struct svc_delivery *d)
{
	route_set_free(&d->staff);
	memset(d, 0, sizeof *d);
}
