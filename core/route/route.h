/*
 * route.h - who receives what: for a committed message or read receipt, the
 * set of users to deliver it to.  The gateway then finds each user's open
 * connections; route decides only *who*, from the store's facts and perm.
 */
#ifndef INDGANG_ROUTE_H
#define INDGANG_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "../domain/domain.h"
#include "../store/store.h"

struct route_set {
	int64_t *users;
	size_t n;
};

/* Users who may see a message of kind in conv (the sender included when
 * they may see it: their other devices need it too).  Caller frees with
 * route_set_free(). */
int route_message(struct store *s, int64_t conv_id, enum msg_kind kind, struct route_set *out);
/* Users to notify (Web Push) of a message of kind in conv from a user of
 * sender_role: perm_push_wanted(). */
int route_push(struct store *s, int64_t conv_id, enum role sender_role, enum msg_kind kind,
               struct route_set *out);
/* Users who may see the read receipts of conv. */
int route_receipt(struct store *s, int64_t conv_id, struct route_set *out);
/* The same, split into those who may see internal notes (staff) and those
 * who may not (the family's members), whose receipts are clamped. */
int route_receipt_split(struct store *s, int64_t conv_id, struct route_set *notes,
                        struct route_set *no_notes);
/* Adds user unless r has them already; ERR_INTERNAL out of memory. */
int route_set_add(struct route_set *r, int64_t user);
void route_set_free(struct route_set *r);

#endif
