/*
 * store_waiting.c - a conversation's "needs an answer" columns and its
 * newest message (issue 15).  What they mean and when they change is
 * core/service/waiting.c's.
 */
#include <string.h>

#include "store_int.h"

#include "../common/err.h"

static const char *const how_names[] = {
    [ANSWER_NONE] = "", [ANSWER_REPLY] = "reply", [ANSWER_HANDLED] = "handled"};

static enum answer_how how_parse(const char *t)
{
	for (int i = ANSWER_REPLY; t && i <= ANSWER_HANDLED; i++)
		if (strcmp(t, how_names[i]) == 0)
			return (enum answer_how)i;
	return ANSWER_NONE;
}

int store_waiting_get(struct store *s, int64_t conv_id, struct conv_waiting *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_WAITING_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		out->from = sqlite3_column_int64(st, 0);
		out->since = sqlite3_column_int64(st, 1);
		out->how = how_parse((const char *)sqlite3_column_text(st, 2));
		store_col_user(st, 3, &out->by);
		out->at = sqlite3_column_int64(st, 6);
		out->upto = sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	return err == ERR_NOT_FOUND ? ERR_OK : err; /* no row: never waited */
}

int store_waiting_start(struct store *s, int64_t conv_id, int64_t from, int64_t since,
                        bool *started)
{
	sqlite3_stmt *st = store_stmt(s, ST_WAITING_START);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, conv_id, from);
	sqlite3_bind_int64(st, 3, since);
	int err = store_exec_stmt(st);
	*started = err == ERR_OK && sqlite3_changes(store_db(s)) > 0;
	return err;
}

int store_waiting_answer(struct store *s, int64_t conv_id, const struct conv_waiting *w)
{
	sqlite3_stmt *st = store_stmt(s, ST_WAITING_ANSWER);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_text(st, 2, how_names[w->how], -1, SQLITE_STATIC);
	store_bind_id_or_null(st, 3, w->by.id);
	sqlite3_bind_int64(st, 4, w->at);
	sqlite3_bind_int64(st, 5, w->upto);
	sqlite3_bind_int64(st, 6, w->from);
	sqlite3_bind_int64(st, 7, w->since);
	return store_exec_stmt(st);
}

int store_waiting_next(struct store *s, int64_t conv_id, int64_t after, int64_t *id, int64_t *at)
{
	*id = *at = 0;
	sqlite3_stmt *st = store_stmt(s, ST_WAITING_NEXT);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, conv_id, after);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*id = sqlite3_column_int64(st, 0);
		*at = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return err == ERR_NOT_FOUND ? ERR_OK : err;
}

int store_conv_last_msg(struct store *s, int64_t conv_id, bool notes, struct conv_last *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_CONV_LAST_MSG);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_int(st, 2, notes);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		out->id = sqlite3_column_int64(st, 0);
		store_col_user(st, 1, &out->sender);
		const char *kind = (const char *)sqlite3_column_text(st, 4);
		if (kind == NULL || msg_kind_parse(kind, &out->kind) != 0)
			out->kind = KIND_TEXT;
		store_col_text(st, 5, out->preview, sizeof out->preview);
		out->at = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	return err == ERR_NOT_FOUND ? ERR_OK : err;
}

int store_escalate_next(struct store *s, int64_t *at)
{
	return store_int64(s, ST_ESCALATE_NEXT, 0, 0, at);
}

int store_escalate_due(struct store *s, int64_t now, int max, struct escalate_row *v, int *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_ESCALATE_DUE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	int rc;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct escalate_row *r = &v[(*n)++];
		r->conv = sqlite3_column_int64(st, 0);
		r->family = sqlite3_column_int64(st, 1);
		r->team = sqlite3_column_int64(st, 2);
		r->from = sqlite3_column_int64(st, 3);
		r->since = sqlite3_column_int64(st, 4);
		r->escalated = sqlite3_column_int(st, 5);
		r->answer_minutes = sqlite3_column_int(st, 6);
		store_col_text(st, 7, r->week, sizeof r->week);
		r->primary = sqlite3_column_int64(st, 8);
		r->secondary = sqlite3_column_int64(st, 9);
	}
	sqlite3_reset(st);
	return ERR_OK;
}

int store_escalate_set(struct store *s, int64_t conv_id, int level, int64_t next_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_ESCALATE_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_int(st, 2, level);
	sqlite3_bind_int64(st, 3, next_at);
	return store_exec_stmt(st);
}

int store_team_leaders(struct store *s, int64_t team_id, int64_t *ids, int max, int *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_LEADERS);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, team_id);
	while (*n < max && sqlite3_step(st) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ERR_OK;
}

int store_team_answer_set(struct store *s, int64_t team, int minutes, const char *week)
{
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_ANSWER_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, team);
	sqlite3_bind_int(st, 2, minutes);
	if (week)
		sqlite3_bind_text(st, 3, week, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	int err = store_exec_stmt(st);
	return err == ERR_OK && sqlite3_changes(store_db(s)) == 0 ? ERR_NOT_FOUND : err;
}

int store_team_leader_set(struct store *s, int64_t team, int64_t user, bool leader)
{
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_LEADER_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, team, user);
	sqlite3_bind_int(st, 3, leader);
	return store_exec_stmt(st);
}

int store_team_escalate_again(struct store *s, int64_t team, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_ESCALATE_AGAIN);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, team, now);
	return store_exec_stmt(st);
}

int store_leads_family(struct store *s, int64_t user, int64_t family, bool *yes)
{
	int64_t v = 0;
	int err = store_int64(s, ST_LEADS_FAMILY, user, family, &v);
	*yes = err == ERR_OK && v != 0;
	return err;
}

int store_family_met(struct store *s, int64_t family, int64_t at)
{
	return store_exec_ids(s, ST_FAMILY_MET, family, at);
}
