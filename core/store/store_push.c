/*
 * store_push.c - Web Push subscriptions, kept per sign-in and deleted with
 * it; the notifications waiting to be sent (push_queue); what each user's
 * notifications may show, and the families' quiet hours.
 */
#include "store_int.h"

#include <stdlib.h>

#include "../common/err.h"

int store_push_sub_put(struct store *s, const struct store_push_sub *sub, int64_t now, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_SUB_UPSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, sub->user_id);
	sqlite3_bind_int64(st, 2, sub->token_id);
	store_bind_id_or_null(st, 3, sub->device_id);
	sqlite3_bind_text(st, 4, sub->endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, sub->p256dh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, sub->auth, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_text(st, 8, sub->lang ? sub->lang : "da", -1, SQLITE_STATIC);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return err;
}

/* A DELETE by one id; ERR_NOT_FOUND when it deleted nothing (delete_one). */
static int delete_by(struct store *s, enum stmt_id id, int64_t a, int64_t b, bool delete_one)
{
	sqlite3_stmt *st = store_stmt(s, id);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, a, b);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && delete_one && sqlite3_changes(store_db(s)) == 0)
		err = ERR_NOT_FOUND;
	return err;
}

int store_push_sub_delete(struct store *s, int64_t id, int64_t user_id)
{
	return delete_by(s, ST_PUSH_SUB_DELETE, id, user_id, true);
}

int store_push_subs_drop_token(struct store *s, int64_t token_id)
{
	return delete_by(s, ST_PUSH_SUB_DELETE_TOKEN, token_id, 0, false);
}

int store_push_subs_drop_device(struct store *s, int64_t device_id)
{
	return delete_by(s, ST_PUSH_SUB_DELETE_DEVICE, device_id, 0, false);
}

int store_push_subs_drop_user(struct store *s, int64_t user_id)
{
	return delete_by(s, ST_PUSH_SUB_DELETE_USER, user_id, 0, false);
}

int store_family_quiet_get(struct store *s, int64_t family_id, int *start, int *end)
{
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_QUIET_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family_id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*start = sqlite3_column_int(st, 0);
		*end = sqlite3_column_int(st, 1);
		sqlite3_reset(st);
	}
	return err;
}

int store_family_quiet_set(struct store *s, int64_t family_id, int start, int end)
{
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_QUIET_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family_id);
	sqlite3_bind_int(st, 2, start);
	sqlite3_bind_int(st, 3, end);
	return store_exec_stmt(st);
}

int store_push_sub_gone(struct store *s, int64_t id)
{
	return delete_by(s, ST_PUSH_SUB_GONE, id, 0, false);
}

int store_push_content_get(struct store *s, int64_t user_id, enum push_content *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_USER_PUSH_CONTENT_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		if (c == NULL || push_content_parse(c, out) != 0)
			*out = PUSH_CONTENT_NONE;
		sqlite3_reset(st);
	}
	return err;
}

int store_push_content_set(struct store *s, int64_t user_id, enum push_content c)
{
	sqlite3_stmt *st = store_stmt(s, ST_USER_PUSH_CONTENT_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, push_content_name(c), -1, SQLITE_STATIC);
	return store_exec_stmt(st);
}

int store_push_enqueue(struct store *s, int64_t user_id, int64_t conv_id, int64_t message_id,
                       int64_t not_before, int64_t now, size_t *queued)
{
	int64_t missing;
	int err = store_int64(s, ST_PUSH_UNQUEUED, user_id, conv_id, &missing);
	if (err || missing == 0)
		return err;
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_ENQUEUE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, conv_id);
	sqlite3_bind_int64(st, 3, message_id);
	sqlite3_bind_int64(st, 4, not_before);
	sqlite3_bind_int64(st, 5, now);
	if ((err = store_exec_stmt(st)) == ERR_OK)
		*queued += (size_t)sqlite3_changes(store_db(s));
	return err;
}

int store_push_seen(struct store *s, int64_t user_id, int64_t conv_id, int64_t upto)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_SEEN);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, conv_id);
	sqlite3_bind_int64(st, 3, upto);
	return store_exec_stmt(st);
}

static enum role col_role(sqlite3_stmt *st, int col)
{
	enum role r;
	const char *t = (const char *)sqlite3_column_text(st, col);
	return t && role_parse(t, &r) == 0 ? r : ROLE_FAMILY;
}

static void read_due(sqlite3_stmt *st, struct store_push_due *d)
{
	d->id = sqlite3_column_int64(st, 0);
	d->sub_id = sqlite3_column_int64(st, 1);
	d->user_id = sqlite3_column_int64(st, 2);
	d->conv_id = sqlite3_column_int64(st, 3);
	d->message_id = sqlite3_column_int64(st, 4);
	d->attempts = sqlite3_column_int(st, 5);
	d->created_at = sqlite3_column_int64(st, 6);
	store_col_text(st, 7, d->endpoint, sizeof d->endpoint);
	store_col_text(st, 8, d->p256dh, sizeof d->p256dh);
	store_col_text(st, 9, d->auth, sizeof d->auth);
	store_col_text(st, 10, d->lang, sizeof d->lang);
	const char *c = (const char *)sqlite3_column_text(st, 11);
	if (c == NULL || push_content_parse(c, &d->content) != 0)
		d->content = PUSH_CONTENT_NONE;
	d->rcpt_role = col_role(st, 12);
	d->family_id = sqlite3_column_int64(st, 13);
	const char *k = (const char *)sqlite3_column_text(st, 14);
	if (k == NULL || msg_kind_parse(k, &d->kind) != 0)
		d->kind = KIND_TEXT;
	store_col_text(st, 15, d->sender, sizeof d->sender);
	d->sender_role = col_role(st, 16);
	store_col_text(st, 17, d->preview, sizeof d->preview);
	d->truncated = sqlite3_column_int(st, 18) != 0;
	d->message_at = sqlite3_column_int64(st, 19);
	d->not_before = sqlite3_column_int64(st, 20);
	d->notified_id = sqlite3_column_int64(st, 21);
}

int store_push_due_ids(struct store *s, int64_t now, size_t max, int64_t *ids, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_DUE_IDS);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, now, (int64_t)max);
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	int err = *n < max && rc != SQLITE_DONE ? store_err(rc) : ERR_OK;
	sqlite3_reset(st);
	return err;
}

int store_push_due_one(struct store *s, int64_t id, struct store_push_due *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_DUE_ONE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, STORE_PREVIEW_MAX);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		read_due(st, out);
		sqlite3_reset(st);
	}
	return err;
}

int store_push_next(struct store *s, int64_t now, int64_t *at)
{
	return store_int64(s, ST_PUSH_NEXT, now, 0, at);
}

int store_push_waiting(struct store *s, int64_t now, int64_t *n)
{
	return store_int64(s, ST_PUSH_WAITING, now, 0, n);
}

int store_push_done(struct store *s, int64_t id, int64_t message_id, bool *gone)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_DONE);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, id, message_id);
	int err = store_exec_stmt(st);
	*gone = err == ERR_OK && sqlite3_changes(store_db(s)) > 0;
	return err;
}

int store_push_retry(struct store *s, int64_t id, int64_t not_before)
{
	return store_exec_ids(s, ST_PUSH_RETRY, id, not_before);
}

int store_push_notified(struct store *s, int64_t id, int64_t message_id, int64_t not_before)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_NOTIFIED);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, id, message_id);
	sqlite3_bind_int64(st, 3, not_before);
	return store_exec_stmt(st);
}

int store_push_expiring(struct store *s, int64_t now, int64_t window, size_t max,
                        struct store_push_expiring *out, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_PUSH_EXPIRING);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, now, window);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_push_expiring *e = &out[(*n)++];
		e->token_id = sqlite3_column_int64(st, 0);
		e->sub_id = sqlite3_column_int64(st, 1);
		store_col_text(st, 2, e->endpoint, sizeof e->endpoint);
		store_col_text(st, 3, e->p256dh, sizeof e->p256dh);
		store_col_text(st, 4, e->auth, sizeof e->auth);
		store_col_text(st, 5, e->lang, sizeof e->lang);
		e->user_id = sqlite3_column_int64(st, 6);
		e->family_id = sqlite3_column_int64(st, 7);
		e->quiet_start = sqlite3_column_int(st, 8);
		e->quiet_end = sqlite3_column_int(st, 9);
		e->ends_at = sqlite3_column_int64(st, 10);
	}
	int err = *n < max && rc != SQLITE_DONE ? store_err(rc) : ERR_OK;
	sqlite3_reset(st);
	return err;
}

int store_token_warned(struct store *s, int64_t token_id, int64_t at)
{
	return store_exec_ids(s, ST_TOKEN_WARNED, token_id, at);
}
