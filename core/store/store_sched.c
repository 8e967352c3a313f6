/*
 * store_sched.c - messages written to be sent later (the scheduled table).
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

/* Reads the SCHED_COLS columns of the current row (body malloc'd). */
static int read_sched(sqlite3_stmt *st, struct sched *d)
{
	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(st, 0);
	d->conv = sqlite3_column_int64(st, 1);
	d->family = sqlite3_column_int64(st, 2);
	d->sender.id = sqlite3_column_int64(st, 3);
	store_col_text(st, 4, d->sender.name, sizeof d->sender.name);
	const char *t = (const char *)sqlite3_column_text(st, 5);
	if (t == NULL || role_parse(t, &d->sender.role) != 0)
		d->sender.role = ROLE_ADVISER;
	t = (const char *)sqlite3_column_text(st, 6);
	d->body = strdup(t ? t : "");
	store_col_text(st, 7, d->client_id, sizeof d->client_id);
	d->send_at = sqlite3_column_int64(st, 8);
	t = (const char *)sqlite3_column_text(st, 9);
	if (t == NULL || sched_state_parse(t, &d->state) != 0)
		d->state = SCHED_FAILED;
	d->message_id = sqlite3_column_int64(st, 10);
	d->created_at = sqlite3_column_int64(st, 11);
	d->updated_at = sqlite3_column_int64(st, 12);
	return d->body ? ERR_OK : ERR_INTERNAL;
}

static int one(sqlite3_stmt *st, struct sched *out)
{
	int err = store_step_row(st);
	if (err == ERR_OK) {
		err = read_sched(st, out);
		sqlite3_reset(st);
	}
	return err;
}

static int many(sqlite3_stmt *st, size_t max, struct sched_list *out)
{
	out->v = calloc(max ? max : 1, sizeof *out->v);
	out->n = 0;
	if (out->v == NULL) {
		sqlite3_reset(st);
		return ERR_INTERNAL;
	}
	int rc = SQLITE_DONE, err = ERR_OK;
	while (err == ERR_OK && out->n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = read_sched(st, &out->v[out->n])) == ERR_OK)
			out->n++;
	if (err == ERR_OK && out->n < max && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_reset(st);
	if (err)
		sched_list_free(out);
	return err;
}

int store_sched_insert(struct store *s, const struct sched *in, int64_t now, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_SCHED_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, in->conv);
	sqlite3_bind_int64(st, 2, in->family);
	sqlite3_bind_int64(st, 3, in->sender.id);
	sqlite3_bind_text(st, 4, in->body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, in->send_at);
	sqlite3_bind_int64(st, 7, now);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return err;
}

int store_sched_get(struct store *s, int64_t id, struct sched *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_SCHED_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	return one(st, out);
}

int store_sched_by_client(struct store *s, int64_t sender_id, const char *client_id,
                          struct sched *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_SCHED_BY_CLIENT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, sender_id);
	sqlite3_bind_text(st, 2, client_id, -1, SQLITE_STATIC);
	return one(st, out);
}

int store_sched_list(struct store *s, int64_t conv_id, size_t max, struct sched_list *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_SCHED_LIST);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, conv_id, (int64_t)max);
	return many(st, max, out);
}

int store_sched_due(struct store *s, int64_t now, size_t max, struct sched_list *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_SCHED_DUE);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, now, (int64_t)max);
	return many(st, max, out);
}

int store_sched_count(struct store *s, int64_t conv_id, int64_t *n)
{
	return store_int64(s, ST_SCHED_COUNT, conv_id, 0, n);
}

int store_sched_next(struct store *s, int64_t *at)
{
	return store_int64(s, ST_SCHED_NEXT, 0, 0, at);
}

int store_sched_update(struct store *s, int64_t id, const char *body, int64_t send_at, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SCHED_UPDATE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, send_at);
	sqlite3_bind_int64(st, 4, now);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(store_db(s)) == 0)
		err = ERR_CONFLICT;
	return err;
}

int store_sched_set_state(struct store *s, int64_t id, enum sched_state state, int64_t message_id,
                          int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SCHED_STATE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, sched_state_name(state), -1, SQLITE_STATIC);
	store_bind_id_or_null(st, 3, message_id);
	sqlite3_bind_int64(st, 4, now);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(store_db(s)) == 0)
		err = ERR_CONFLICT;
	return err;
}
