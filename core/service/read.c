/*
 * read.c - a read position raised, and the receipt it makes.
 *
 * Only a real move is stored, logged and told: a client that repeats "read"
 * costs nothing and floods nobody.  What reaches a family is clamped to the
 * messages a family may see, so that a team member reading an internal note
 * neither shows the note's id nor sends the family a receipt at all.
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

static bool allow_read(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_mark_read(rel);
}

/* The family's view of the move from `before` to r->stored: a receipt only
 * when the clamped position moved too. */
static int family_view(struct store *s, int64_t conv, int64_t before, struct svc_receipt *r)
{
	int64_t was;
	int err = store_conv_visible_upto(s, conv, r->stored, &r->family_upto);
	if (err == ERR_OK)
		err = store_conv_visible_upto(s, conv, before, &was);
	if (err == ERR_OK && r->family_upto == was)
		route_set_free(&r->family_rcpt);
	return err;
}

int svc_read(struct store *s, const struct store_user *user, int64_t conv, int64_t upto,
             int64_t now, struct svc_receipt *r)
{
	memset(r, 0, sizeof *r);
	int64_t family, last, before = 0;
	bool moved;
	int err = svc_check_conv(s, user, conv, now, allow_read, 0, "read", &family);
	if (err)
		return err;
	/* Nobody can have read past the last message they may see: a stale or
	 * buggy client must not hide later messages or claim them read. */
	if ((err = store_conv_last_id(s, conv, user->ref.role != ROLE_FAMILY, &last)) != ERR_OK)
		return err;
	if (upto > last)
		upto = last;
	if ((err = store_read_position(s, conv, user->ref.id, &before)) != ERR_OK ||
	    (err = store_read_set(s, conv, user->ref.id, upto, now, &r->stored, &r->at, &moved)) !=
	        ERR_OK)
		return err;
	if (!moved)
		return ERR_OK; /* nothing to store, log or tell */
	if ((err = store_push_seen(s, user->ref.id, conv, r->stored)) != ERR_OK)
		return err; /* read here: no buzz for it elsewhere */
	char detail[48];
	snprintf(detail, sizeof detail, "read up to %lld", (long long)r->stored);
	if ((err = store_log_append(s, now, "receipt", user->ref.id, family, conv, r->stored,
	                            detail)) != ERR_OK ||
	    (err = route_receipt_split(s, conv, &r->staff_rcpt, &r->family_rcpt)) != ERR_OK)
		return err;
	return r->family_rcpt.n > 0 ? family_view(s, conv, before, r) : ERR_OK;
}

void svc_receipt_clear(struct svc_receipt *r)
{
	route_set_free(&r->staff_rcpt);
	route_set_free(&r->family_rcpt);
}
