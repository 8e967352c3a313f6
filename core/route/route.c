/*
 * route.c - recipients of messages and receipts: the conversation's
 * audience from the store, filtered by the permission rules.
 */
#include "route.h"

#include <stdlib.h>

#include "../common/err.h"
#include "../perm/perm.h"

/* kind 0 means "a receipt": anyone who can see the conversation.  With
 * no_notes, those who may not see notes go there instead of into out. */
static int route_filter(struct store *s, int64_t conv_id, int kind, struct route_set *out,
                        struct route_set *no_notes)
{
	out->users = NULL;
	out->n = 0;
	if (no_notes) {
		no_notes->users = NULL;
		no_notes->n = 0;
	}
	struct audience_member *aud;
	size_t n;
	int err = store_conv_audience(s, conv_id, &aud, &n);
	if (err)
		return err;
	if (n > 0 && ((out->users = malloc(n * sizeof *out->users)) == NULL ||
	              (no_notes && (no_notes->users = malloc(n * sizeof *out->users)) == NULL))) {
		free(aud);
		route_set_free(out);
		return ERR_INTERNAL;
	}
	for (size_t i = 0; i < n; i++) {
		enum perm_rel rel = perm_relation(&aud[i].facts);
		bool sees = kind == 0 ? perm_can_see_conv(rel)
		                      : perm_can_see_kind(rel, (enum msg_kind)kind);
		if (!sees)
			continue;
		if (no_notes && !perm_can_see_kind(rel, KIND_NOTE))
			no_notes->users[no_notes->n++] = aud[i].user_id;
		else
			out->users[out->n++] = aud[i].user_id;
	}
	free(aud);
	return ERR_OK;
}

int route_push(struct store *s, int64_t conv_id, enum role sender_role, enum msg_kind kind,
               struct route_set *out)
{
	out->users = NULL;
	out->n = 0;
	struct audience_member *aud;
	size_t n;
	int err = store_conv_audience(s, conv_id, &aud, &n);
	if (err || n == 0)
		return err;
	if ((out->users = malloc(n * sizeof *out->users)) == NULL)
		err = ERR_INTERNAL;
	for (size_t i = 0; err == ERR_OK && i < n; i++)
		if (perm_push_wanted(sender_role, kind, perm_relation(&aud[i].facts)))
			out->users[out->n++] = aud[i].user_id;
	free(aud);
	return err;
}

int route_message(struct store *s, int64_t conv_id, enum msg_kind kind, struct route_set *out)
{
	return route_filter(s, conv_id, (int)kind, out, NULL);
}

int route_receipt(struct store *s, int64_t conv_id, struct route_set *out)
{
	return route_filter(s, conv_id, 0, out, NULL);
}

int route_receipt_split(struct store *s, int64_t conv_id, struct route_set *notes,
                        struct route_set *no_notes)
{
	return route_filter(s, conv_id, 0, notes, no_notes);
}

int route_set_add(struct route_set *r, int64_t user)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->users[i] == user)
			return ERR_OK;
	int64_t *grown = realloc(r->users, (r->n + 1) * sizeof *grown);
	if (grown == NULL)
		return ERR_INTERNAL;
	grown[r->n++] = user;
	r->users = grown;
	return ERR_OK;
}

void route_set_free(struct route_set *r)
{
	free(r->users);
	r->users = NULL;
	r->n = 0;
}
