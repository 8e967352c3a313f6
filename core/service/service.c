/*
 * service.c - permission-checked domain operations shared by all endpoints.
 */
#include "service.h"

#include <stdio.h>
#include <string.h>

#include "../auth/auth.h"
#include "../common/err.h"
#include "../perm/perm.h"

int svc_authenticate(struct store *s, const char *token, int64_t now, struct store_user *user,
                     struct store_token *tok)
{
	uint8_t hash[32];
	if (token == NULL || auth_token_hash(token, hash) != 0)
		return ERR_UNAUTHORIZED;
	int err = store_token_lookup(s, hash, now, tok);
	if (err)
		return err;
	err = store_user_get(s, tok->user_id, user);
	if (err == ERR_NOT_FOUND || (err == ERR_OK && !user->active))
		return ERR_UNAUTHORIZED;
	return err;
}

int svc_conv_relation(struct store *s, const struct store_user *user, int64_t conv,
                      enum perm_rel *rel, int64_t *family)
{
	*rel = REL_NONE;
	struct perm_facts facts;
	bool found;
	int err = store_conv_user_facts(s, user->ref.id, conv, family, &facts, &found);
	if (err == ERR_OK && found)
		*rel = perm_relation(&facts);
	return err;
}

int svc_log_denied(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what)
{
	return store_log_append(s, now, "denied", user->ref.id, family, conv, 0, what);
}

int svc_log_access(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what)
{
	if (user->ref.role == ROLE_FAMILY)
		return ERR_OK;
	return store_log_append(s, now, "access", user->ref.id, family, conv, 0, what);
}

/* Permission for an action on conv; refusals are logged and mapped to the
 * contract's answer.  A conversation that does not exist is not_found. */
static int check_conv(struct store *s, const struct store_user *user, int64_t conv, int64_t now,
                      bool (*allowed)(enum perm_rel, int), int arg, const char *what,
                      int64_t *family)
{
	enum perm_rel rel;
	int err = svc_conv_relation(s, user, conv, &rel, family);
	if (err)
		return err;
	if (allowed(rel, arg))
		return ERR_OK;
	svc_log_denied(s, user, *family, conv, now, what);
	return perm_refusal(rel);
}

static bool allow_send(enum perm_rel rel, int kind)
{
	return perm_can_send(rel, (enum msg_kind)kind);
}

static bool allow_read(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_mark_read(rel);
}

static bool allow_history(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_see_conv(rel);
}

int svc_send(struct store *s, const struct store_user *user, int64_t conv, enum msg_kind kind,
             const char *body, const char *client_id, int64_t now, struct msg *out, bool *duplicate,
             struct route_set *recipients)
{
	*duplicate = false;
	recipients->users = NULL;
	recipients->n = 0;
	/* A resend after a lost ack (or a COMMIT that reported an error yet
	 * stored the row) must return the original, never store a second one. */
	int err = store_message_by_client_id(s, user->ref.id, client_id, out);
	if (err == ERR_OK) {
		*duplicate = true;
		return ERR_OK;
	}
	if (err != ERR_NOT_FOUND)
		return err;
	int64_t family;
	const char *what = kind == KIND_NOTE ? "send note" : "send text";
	if ((err = check_conv(s, user, conv, now, allow_send, (int)kind, what, &family)) != ERR_OK)
		return err;
	if ((err = store_message_insert(s, conv, family, &user->ref, kind, body, client_id, now,
	                                out)))
		return err;
	const char *log_kind = kind == KIND_NOTE ? "note" : "message";
	err = store_log_append(s, now, log_kind, user->ref.id, family, conv, out->id, "");
	if (err == ERR_OK)
		err = route_message(s, conv, kind, recipients);
	if (err)
		msg_clear(out);
	return err;
}

int svc_read(struct store *s, const struct store_user *user, int64_t conv, int64_t upto,
             int64_t now, int64_t *stored, int64_t *at, struct route_set *recipients)
{
	recipients->users = NULL;
	recipients->n = 0;
	int64_t family;
	int err = check_conv(s, user, conv, now, allow_read, 0, "read", &family);
	if (err)
		return err;
	/* Nobody can have read past the last message they may see: a stale or
	 * buggy client must not hide later messages or claim them read. */
	int64_t last;
	err = store_conv_last_id(s, conv, user->ref.role != ROLE_FAMILY, &last);
	if (err)
		return err;
	if (upto > last)
		upto = last;
	if ((err = store_read_set(s, conv, user->ref.id, upto, now, stored, at)) != ERR_OK)
		return err;
	char detail[48];
	snprintf(detail, sizeof detail, "read up to %lld", (long long)*stored);
	if ((err = store_log_append(s, now, "receipt", user->ref.id, family, conv, *stored,
	                            detail)) != ERR_OK)
		return err;
	return route_receipt(s, conv, recipients);
}

int svc_history(struct store *s, const struct store_user *user, int64_t conv, int64_t before,
                int limit, struct msg_list *out, bool *more, int64_t *family)
{
	enum perm_rel rel;
	int err = svc_conv_relation(s, user, conv, &rel, family);
	if (err)
		return err;
	if (!allow_history(rel, 0))
		return perm_refusal(rel);
	bool notes = perm_can_see_kind(rel, KIND_NOTE);
	return store_history(s, conv, notes, before, limit, out, more);
}
