/*
 * store_absence.c - advisers away (issue 15).  Whether an absence counts
 * at a moment, and what follows from it, is core/service's.
 */
#include <string.h>

#include "store_int.h"

#include "../common/err.h"

/* Up to max rows of (user id, name, role, from, to, note) from st, reset. */
static int read_absences(sqlite3_stmt *st, struct absence *v, int max, int *n)
{
	*n = 0;
	while (*n < max && sqlite3_step(st) == SQLITE_ROW) {
		struct absence *a = &v[(*n)++];
		store_col_user(st, 0, &a->user);
		a->from = sqlite3_column_int64(st, 3);
		a->to = sqlite3_column_int64(st, 4);
		store_col_text(st, 5, a->note, sizeof a->note);
	}
	sqlite3_reset(st);
	return ERR_OK;
}

int store_family_away(struct store *s, int64_t family, int64_t now, struct absence *v, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_AWAY);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, family, now);
	return read_absences(st, v, 2, n);
}

int store_absence_get(struct store *s, int64_t user, int64_t now, struct absence *out)
{
	int n;
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_ABSENCE_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, user, now);
	return read_absences(st, out, 1, &n);
}

int store_absence_set(struct store *s, const struct absence *a, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_ABSENCE_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, a->user.id, a->from);
	sqlite3_bind_int64(st, 3, a->to);
	sqlite3_bind_text(st, 4, a->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return store_exec_stmt(st);
}

int store_absence_clear(struct store *s, int64_t user, bool *cleared)
{
	int err = store_exec_ids(s, ST_ABSENCE_CLEAR, user, 0);
	*cleared = err == ERR_OK && sqlite3_changes(store_db(s)) > 0;
	return err;
}

int store_log_pair_families(struct store *s, int64_t at, const char *kind, int64_t actor,
                            const char *detail)
{
	sqlite3_stmt *st = store_stmt(s, ST_LOG_PAIR_FAMILIES);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, actor);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	return store_exec_stmt(st);
}
