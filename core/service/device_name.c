/*
 * device_name.c - renaming an enrolled phone.
 *
 * A phone is named at enrolment from what the browser says of itself
 * ("Android-telefon", a model if it tells one); a family with two Android
 * phones needs names a person recognises in "Dine telefoner", in the staff
 * client's phone list and in the contact log.  The owner, the pair and an
 * administrator may rename it, like revoking it; the log keeps both names.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

int svc_device_rename(struct store *s, const struct store_user *actor, int64_t device,
                      const char *name, int64_t now)
{
	struct store_device dev;
	struct store_user owner;
	int err = svc_device_check(s, actor, device, now, "rename device", &dev, &owner);
	if (err)
		return err;
	if (dev.revoked_at != 0)
		return ERR_GONE;
	if (strcmp(dev.name, name) == 0)
		return ERR_OK; /* nothing to store or log */
	char detail[3 * DOMAIN_NAME_MAX + 64];
	snprintf(detail, sizeof detail, "device %lld \"%s\" of %s renamed \"%s\"",
	         (long long)device, dev.name, owner.ref.name, name);
	if ((err = store_device_rename(s, device, name)) != ERR_OK)
		return err;
	return store_log_append(s, now, "device", actor->ref.id, owner.family_id, 0, 0, detail);
}
