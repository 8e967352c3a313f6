/*
 * store_delivery.c - how far each member's messages reached them: the
 * deliveries table, beside read_positions.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

void store_read_delivery(sqlite3_stmt *st, struct delivery_pos *d)
{
	memset(d, 0, sizeof *d);
	d->user.id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, d->user.name, sizeof d->user.name);
	const char *role = (const char *)sqlite3_column_text(st, 2);
	if (role == NULL || role_parse(role, &d->user.role) != 0)
		d->user.role = ROLE_FAMILY;
	d->delivered_upto = sqlite3_column_int64(st, 3);
	d->delivered_at = sqlite3_column_int64(st, 4);
	store_col_text(st, 5, d->device, sizeof d->device);
	d->notified_upto = sqlite3_column_int64(st, 6);
	d->notified_at = sqlite3_column_int64(st, 7);
}

int store_delivered_set(struct store *s, int64_t conv_id, int64_t user_id, int64_t upto,
                        int64_t device_id, int64_t now, bool *moved)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERED_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, conv_id, user_id);
	sqlite3_bind_int64(st, 3, upto);
	sqlite3_bind_int64(st, 4, now);
	store_bind_id_or_null(st, 5, device_id);
	int err = store_exec_stmt(st);
	*moved = err == ERR_OK && sqlite3_changes(store_db(s)) > 0;
	return err;
}

int store_notified_set(struct store *s, int64_t conv_id, int64_t user_id, int64_t upto, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_NOTIFIED_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, conv_id, user_id);
	sqlite3_bind_int64(st, 3, upto);
	sqlite3_bind_int64(st, 4, now);
	return store_exec_stmt(st);
}

int store_delivery_get(struct store *s, int64_t conv_id, int64_t user_id, struct delivery_pos *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_DELIVERY_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, conv_id, user_id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		store_read_delivery(st, out);
		sqlite3_reset(st);
	}
	return err;
}
