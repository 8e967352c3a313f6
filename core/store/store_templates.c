/*
 * store_templates.c - a team's reply templates (issue 15).  Who may read
 * and write them is core/service's.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#include "../common/err.h"

#define TEMPLATES_READ_MAX (DOMAIN_TEMPLATES_MAX * 4) /* over every team one is on */

static int read_template(sqlite3_stmt *st, struct template *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(st, 0);
	t->team_id = sqlite3_column_int64(st, 1);
	store_col_text(st, 2, t->team, sizeof t->team);
	store_col_text(st, 3, t->title, sizeof t->title);
	store_col_text(st, 4, t->lang, sizeof t->lang);
	const char *body = (const char *)sqlite3_column_text(st, 5);
	store_col_user(st, 6, &t->updated_by);
	t->updated_at = sqlite3_column_int64(st, 9);
	return (t->body = strdup(body ? body : "")) ? ERR_OK : ERR_INTERNAL;
}

int store_templates_of(struct store *s, int64_t user, struct template_list *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_TEMPLATES_OF);
	if (st == NULL || (out->v = calloc(TEMPLATES_READ_MAX, sizeof *out->v)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user);
	sqlite3_bind_int(st, 2, TEMPLATES_READ_MAX);
	int rc, err = ERR_OK;
	while (err == ERR_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = read_template(st, &out->v[out->n])) == ERR_OK)
			out->n++;
	sqlite3_reset(st);
	return err;
}

int store_template_get(struct store *s, int64_t id, struct template *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_TEMPLATE_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	int err = store_step_row(st);
	if (err == ERR_OK)
		err = read_template(st, out);
	sqlite3_reset(st);
	return err;
}

int store_template_count(struct store *s, int64_t team, int64_t *n)
{
	return store_int64(s, ST_TEMPLATE_COUNT, team, 0, n);
}

int store_template_put(struct store *s, struct template *t)
{
	sqlite3_stmt *st = store_stmt(s, t->id ? ST_TEMPLATE_SET : ST_TEMPLATE_ADD);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, t->id ? t->id : t->team_id);
	sqlite3_bind_text(st, 2, t->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, t->updated_by.id);
	sqlite3_bind_int64(st, 6, t->updated_at);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && t->id == 0)
		t->id = sqlite3_last_insert_rowid(store_db(s));
	return err;
}

int store_template_delete(struct store *s, int64_t id)
{
	return store_exec_ids(s, ST_TEMPLATE_DELETE, id, 0);
}

int store_user_teams(struct store *s, int64_t user, struct team_ref *v, int *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_USER_TEAMS);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user);
	sqlite3_bind_int(st, 2, DOMAIN_TEAMS_MAX);
	while (*n < DOMAIN_TEAMS_MAX && sqlite3_step(st) == SQLITE_ROW) {
		struct team_ref *t = &v[(*n)++];
		memset(t, 0, sizeof *t);
		t->id = sqlite3_column_int64(st, 0);
		store_col_text(st, 1, t->name, sizeof t->name);
		t->leader = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_reset(st);
	return ERR_OK;
}

int store_team_staff(struct store *s, struct team_ref *t)
{
	t->n_staff = 0;
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_STAFF);
	if (st == NULL || (t->staff = calloc(DOMAIN_TEAM_STAFF_MAX, sizeof *t->staff)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_int(st, 2, DOMAIN_TEAM_STAFF_MAX);
	while (t->n_staff < DOMAIN_TEAM_STAFF_MAX && sqlite3_step(st) == SQLITE_ROW) {
		struct team_member *m = &t->staff[t->n_staff++];
		store_col_user(st, 0, &m->user);
		store_col_text(st, 3, m->username, sizeof m->username);
		m->leader = sqlite3_column_int(st, 4) != 0;
	}
	sqlite3_reset(st);
	return ERR_OK;
}
