/*
 * store_attach.c - photos and documents (issue 14): an upload's row from
 * its first byte, its type and name once all of it is here, and what the
 * checks made of it.  The files themselves are core/attach's.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

int store_attach_insert(struct store *s, int64_t owner, int64_t size, int64_t deadline, int64_t now,
                        int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, owner);
	sqlite3_bind_int64(st, 2, size);
	sqlite3_bind_int64(st, 3, deadline);
	sqlite3_bind_int64(st, 4, now);
	int err = store_exec_stmt(st);
	if (err == ERR_OK)
		*id = sqlite3_last_insert_rowid(store_db(s));
	return err;
}

static void read_attachment(sqlite3_stmt *st, struct attachment *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(st, 0);
	a->owner_id = sqlite3_column_int64(st, 1);
	a->message_id = sqlite3_column_int64(st, 2);
	a->position = sqlite3_column_int(st, 3);
	if (attach_state_parse((const char *)sqlite3_column_text(st, 4), &a->state) != 0)
		a->state = ATTACH_REJECTED;
	store_col_text(st, 5, a->kind, sizeof a->kind);
	store_col_text(st, 6, a->mime, sizeof a->mime);
	store_col_text(st, 7, a->name, sizeof a->name);
	a->size = sqlite3_column_int64(st, 8);
	store_col_text(st, 9, a->sha256, sizeof a->sha256);
	store_col_text(st, 10, a->thumb_sha256, sizeof a->thumb_sha256);
	a->width = sqlite3_column_int(st, 11);
	a->height = sqlite3_column_int(st, 12);
	store_col_text(st, 13, a->reason, sizeof a->reason);
	a->created_at = sqlite3_column_int64(st, 14);
}

int store_attach_get(struct store *s, int64_t id, struct attachment *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		read_attachment(st, out);
		sqlite3_reset(st);
	}
	return err;
}

int store_attach_of_message(struct store *s, int64_t message_id, struct attachment **v, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_OF_MSG);
	if (st == NULL)
		return ERR_INTERNAL;
	*v = NULL;
	*n = 0;
	sqlite3_bind_int64(st, 1, message_id);
	int rc, err = ERR_OK;
	while (err == ERR_OK && (rc = sqlite3_step(st)) == SQLITE_ROW && *n < DOMAIN_ATTACH_MAX) {
		struct attachment *grown = realloc(*v, (*n + 1) * sizeof **v);
		if (grown == NULL)
			err = ERR_INTERNAL;
		else
			read_attachment(st, &(*v = grown)[(*n)++]);
	}
	sqlite3_reset(st);
	return err;
}

int store_attach_take(struct store *s, int64_t id, int64_t message_id, int position)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_TAKE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, message_id);
	sqlite3_bind_int(st, 3, position);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(store_db(s)) == 0)
		err = ERR_CONFLICT;
	return err;
}

int store_message_set_attachments(struct store *s, int64_t message_id, size_t n)
{
	return store_exec_ids(s, ST_MSG_SET_N_ATTACH, message_id, (int64_t)n);
}

int store_attach_receiving(struct store *s, int64_t owner, int64_t now, int64_t *n)
{
	return store_int64(s, ST_ATT_RECEIVING, owner, now, n);
}

int store_attach_unsent(struct store *s, int64_t owner, int64_t *n)
{
	return store_int64(s, ST_ATT_UNSENT, owner, 0, n);
}

int store_attach_received(struct store *s, const struct attachment *a)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_RECEIVED);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, a->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->mime, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, a->size);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(store_db(s)) == 0)
		err = ERR_CONFLICT;
	return err;
}

int store_attach_delete(struct store *s, int64_t id)
{
	return store_exec_ids(s, ST_ATT_DELETE, id, 0);
}

int store_attach_due(struct store *s, int64_t now, int64_t *id)
{
	return store_int64(s, ST_ATT_DUE, now, 0, id);
}

int store_attach_set_next(struct store *s, int64_t id, int64_t at, int add_tries)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_SET_NEXT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int(st, 3, add_tries);
	return store_exec_stmt(st);
}

int store_attach_next(struct store *s, int64_t *at)
{
	return store_int64(s, ST_ATT_NEXT, 0, 0, at);
}

int store_attach_checked(struct store *s, const struct attachment *a, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_CHECKED);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, attach_state_name(a->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->mime, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, a->size);
	sqlite3_bind_text(st, 6, a->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->thumb_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, a->width);
	sqlite3_bind_int(st, 9, a->height);
	sqlite3_bind_text(st, 10, a->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, now);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(store_db(s)) == 0)
		err = ERR_CONFLICT;
	return err;
}

int store_attach_expired(struct store *s, int64_t now, int64_t old, size_t max, int64_t *ids,
                         size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_EXPIRED);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, old);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ERR_OK : store_err(rc);
}

int store_attach_file_used(struct store *s, const char *sha, int64_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_ATT_FILE_USED);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
	int err = store_step_row(st);
	if (err == ERR_OK)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return err;
}
