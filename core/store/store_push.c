/*
 * store_push.c - Web Push subscriptions, kept per sign-in and deleted with
 * it, and the families' quiet hours.
 */
#include "store_int.h"

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
