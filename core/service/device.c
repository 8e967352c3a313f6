/*
 * device.c - a family's enrolled phones: listing them and revoking one.
 *
 * A member sees and revokes their own phones (to notice one they did not
 * add); the pair and an administrator see and revoke all of the family's.
 * The same people may rename one (device_name.c).
 * Revocation is one transaction: the device and every token issued to it
 * end together with the "revoke" row, so no crash can leave a revoked
 * device whose token still works.
 */
#include "service_int.h"

#include <stdio.h>

static bool may_manage(enum perm_rel rel)
{
	return perm_can_revoke_device(rel, false);
}

/* Keeps only the member's own devices. */
static void keep_own(struct device_list *l, int64_t user_id)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].user.id == user_id)
			l->v[n++] = l->v[i];
	l->n = n;
}

int svc_devices(struct store *s, const struct store_user *actor, int64_t family, int64_t now,
                struct device_list *out)
{
	enum perm_rel rel;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err)
		return err;
	bool own = rel == REL_FAMILY_OUT || rel == REL_FAMILY_IN;
	if ((err = svc_refuse_unless(s, actor, own || may_manage(rel), rel, family, 0, now,
	                             "list devices")) != ERR_OK)
		return err;
	if ((err = store_family_devices(s, family, out)) != ERR_OK)
		return err;
	if (own)
		keep_own(out, actor->ref.id);
	return svc_log_access(s, actor, family, 0, now, "devices");
}

int svc_device_check(struct store *s, const struct store_user *actor, int64_t device, int64_t now,
                     const char *what, struct store_device *dev, struct store_user *owner)
{
	int err = store_device_get(s, device, dev);
	if (err == ERR_OK)
		err = store_user_get(s, dev->user_id, owner);
	if (err == ERR_NOT_FOUND)
		return svc_refuse_unless(s, actor, false, REL_NONE, 0, 0, now, what);
	if (err)
		return err;
	bool is_owner = owner->ref.id == actor->ref.id;
	enum perm_rel rel = REL_NONE;
	if (!is_owner && owner->family_id > 0 &&
	    (err = svc_family_relation(s, actor, owner->family_id, 0, &rel)) != ERR_OK)
		return err;
	return svc_refuse_unless(s, actor, perm_can_revoke_device(rel, is_owner), rel,
	                         owner->family_id, 0, now, what);
}

int svc_device_revoke(struct store *s, const struct store_user *actor, int64_t device, int64_t now,
                      struct store_device *dev, struct store_user *owner, bool *already_revoked)
{
	*already_revoked = false;
	int err = svc_device_check(s, actor, device, now, "revoke device", dev, owner);
	if (err)
		return err;
	if (dev->revoked_at != 0) {
		*already_revoked = true;
		return ERR_OK;
	}
	char detail[2 * DOMAIN_NAME_MAX + 64];
	snprintf(detail, sizeof detail, "device %lld \"%s\" of %s revoked", (long long)device,
	         dev->name, owner->ref.name);
	if ((err = store_device_revoke(s, device, now)) != ERR_OK ||
	    (err = store_push_subs_drop_device(s, device)) != ERR_OK)
		return err;
	return store_log_append(s, now, "revoke", actor->ref.id, owner->family_id, 0, 0, detail);
}
