/*
 * store_domain.c - teams, families, conversations, and the facts that the
 * permission rules and routing are decided on.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/text.h"

int store_team_create(struct store *s, const char *name, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int err = store_exec_stmt(st);
	if (err == ERR_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int store_team_by_name(struct store *s, const char *name, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_BY_NAME);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int err = store_step_row(st);
	if (err == ERR_OK)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return err;
}

int store_team_add_staff(struct store *s, int64_t team_id, int64_t user_id)
{
	struct store_user u;
	int err = store_user_get(s, user_id, &u);
	if (err)
		return err;
	if (u.ref.role != ROLE_ADVISER)
		return ERR_BAD_REQUEST;
	sqlite3_stmt *st = store_stmt(s, ST_TEAM_ADD_STAFF);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, team_id);
	sqlite3_bind_int64(st, 2, user_id);
	return store_exec_stmt(st);
}

/* Both advisers of a pair must be staff (role adviser) and distinct. */
static int check_pair(struct store *s, int64_t primary_id, int64_t secondary_id)
{
	struct store_user a, b;
	if (primary_id == secondary_id)
		return ERR_BAD_REQUEST;
	int err = store_user_get(s, primary_id, &a);
	if (err == ERR_OK)
		err = store_user_get(s, secondary_id, &b);
	if (err)
		return err == ERR_NOT_FOUND ? ERR_BAD_REQUEST : err;
	if (a.ref.role != ROLE_ADVISER || b.ref.role != ROLE_ADVISER)
		return ERR_BAD_REQUEST;
	return ERR_OK;
}

static int insert_conv(struct store *s, int64_t family_id, const char *title, bool restricted,
                       int64_t now, int64_t *conv_id)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONV_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, restricted ? 1 : 0);
	sqlite3_bind_int64(st, 4, now);
	int err = store_exec_stmt(st);
	if (err == ERR_OK)
		*conv_id = sqlite3_last_insert_rowid(s->db);
	return err;
}

static int add_conv_member(struct store *s, int64_t conv_id, int64_t user_id)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONV_ADD_MEMBER);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_int64(st, 2, user_id);
	return store_exec_stmt(st);
}

int store_family_create(struct store *s, const char *name, int64_t team_id, int64_t primary_id,
                        int64_t secondary_id, int64_t now, int64_t *id, int64_t *conv_id)
{
	int err = check_pair(s, primary_id, secondary_id);
	if (err)
		return err;
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, team_id);
	sqlite3_bind_int64(st, 3, primary_id);
	sqlite3_bind_int64(st, 4, secondary_id);
	sqlite3_bind_int64(st, 5, now);
	if ((err = store_exec_stmt(st)) != ERR_OK)
		return err;
	*id = sqlite3_last_insert_rowid(s->db);
	if ((err = insert_conv(s, *id, name, false, now, conv_id)) != ERR_OK)
		return err;
	if ((st = store_stmt(s, ST_FAMILY_SET_DEFAULT_CONV)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_int64(st, 2, *conv_id);
	return store_exec_stmt(st);
}

int store_family_default_conv(struct store *s, int64_t family_id, int64_t *conv_id)
{
	return store_int64(s, ST_FAMILY_DEFAULT_CONV, family_id, 0, conv_id);
}

int store_family_add_member(struct store *s, int64_t family_id, const char *name, int64_t *id)
{
	int64_t conv_id;
	int err = store_family_default_conv(s, family_id, &conv_id);
	if (err)
		return err;
	if ((err = store_member_insert(s, family_id, name, id)) != ERR_OK)
		return err;
	return add_conv_member(s, conv_id, *id);
}

int store_family_pair(struct store *s, int64_t family_id, int64_t *team_id, int64_t *primary_id,
                      int64_t *secondary_id)
{
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_PAIR);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family_id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*team_id = sqlite3_column_int64(st, 0);
		*primary_id = sqlite3_column_int64(st, 1);
		*secondary_id = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return err;
}

int store_family_set_pair(struct store *s, int64_t family_id, int64_t primary_id,
                          int64_t secondary_id)
{
	int err = check_pair(s, primary_id, secondary_id);
	if (err)
		return err;
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_SET_PAIR);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family_id);
	sqlite3_bind_int64(st, 2, primary_id);
	sqlite3_bind_int64(st, 3, secondary_id);
	err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(s->db) == 0)
		return ERR_NOT_FOUND;
	return err;
}

int store_family_name(struct store *s, int64_t family_id, char name[DOMAIN_NAME_MAX + 1])
{
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_NAME);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family_id);
	int err = store_step_row(st);
	if (err == ERR_OK)
		store_col_text(st, 0, name, DOMAIN_NAME_MAX + 1);
	sqlite3_reset(st);
	return err;
}

int store_conv_create(struct store *s, int64_t family_id, const char *title, const int64_t *members,
                      size_t n_members, int64_t now, int64_t *conv_id)
{
	/* Only members of this family may take part in its conversations. */
	for (size_t i = 0; i < n_members; i++) {
		struct store_user u;
		int err = store_user_get(s, members[i], &u);
		if (err)
			return err == ERR_NOT_FOUND ? ERR_BAD_REQUEST : err;
		if (u.ref.role != ROLE_FAMILY || u.family_id != family_id)
			return ERR_BAD_REQUEST;
	}
	int err = insert_conv(s, family_id, title, true, now, conv_id);
	for (size_t i = 0; err == ERR_OK && i < n_members; i++)
		err = add_conv_member(s, *conv_id, members[i]);
	return err;
}

int store_conv_count_restricted(struct store *s, int64_t family_id, int64_t *n)
{
	return store_int64(s, ST_CONV_COUNT_RESTRICTED, family_id, 0, n);
}

int store_conv_family(struct store *s, int64_t conv_id, int64_t *family_id)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONV_FAMILY);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	int err = store_step_row(st);
	if (err == ERR_OK)
		*family_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return err;
}

/* Reads columns col.. as role, active, family_member, in_pair, in_team, participant. */
static void read_facts(sqlite3_stmt *st, int col, struct perm_facts *f)
{
	memset(f, 0, sizeof *f);
	const char *role = (const char *)sqlite3_column_text(st, col);
	if (role == NULL || role_parse(role, &f->role) != 0)
		f->role = ROLE_FAMILY;
	f->active = sqlite3_column_int(st, col + 1) != 0;
	f->family_member = sqlite3_column_int(st, col + 2) != 0;
	f->in_pair = sqlite3_column_int(st, col + 3) != 0;
	f->in_team = sqlite3_column_int(st, col + 4) != 0;
	f->conv_participant = sqlite3_column_int(st, col + 5) != 0;
}

int store_facts(struct store *s, int64_t user_id, int64_t family_id, int64_t conv_id,
                struct perm_facts *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_FACTS);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, family_id);
	sqlite3_bind_int64(st, 3, conv_id);
	int err = store_step_row(st);
	if (err == ERR_OK)
		read_facts(st, 0, out);
	sqlite3_reset(st);
	return err;
}

static int audience_query(struct store *s, int64_t conv_id, struct audience_member **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_AUDIENCE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct audience_member *grown = realloc(*out, cap * sizeof **out);
			if (grown == NULL) {
				sqlite3_reset(st);
				free(*out);
				*out = NULL;
				*n = 0;
				return ERR_INTERNAL;
			}
			*out = grown;
		}
		struct audience_member *a = &(*out)[(*n)++];
		a->user_id = sqlite3_column_int64(st, 0);
		read_facts(st, 1, &a->facts);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return store_err(rc);
	}
	return ERR_OK;
}

/* The kept audience of conv, read and kept first when missing; NULL without
 * a cache, or for a conversation that does not exist (*err ERR_NOT_FOUND). */
static const struct kept_audience *kept(struct store *s, int64_t conv_id, int *err)
{
	const struct kept_audience *k = store_cache_get(s, conv_id, err);
	if (k != NULL || *err != ERR_OK || s->audience == NULL)
		return k;
	int64_t family;
	struct audience_member *v = NULL;
	size_t n = 0;
	if ((*err = store_conv_family(s, conv_id, &family)) != ERR_OK)
		return NULL;
	if ((*err = audience_query(s, conv_id, &v, &n)) != ERR_OK)
		return NULL;
	store_cache_put(s, conv_id, family, v, n);
	free(v);
	return store_cache_get(s, conv_id, err); /* NULL when it could not be kept */
}

int store_conv_audience(struct store *s, int64_t conv_id, struct audience_member **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int err;
	const struct kept_audience *k = kept(s, conv_id, &err);
	if (err == ERR_NOT_FOUND)
		return ERR_OK; /* no such conversation: nobody */
	if (err)
		return err;
	if (k == NULL)
		return audience_query(s, conv_id, out, n);
	if (k->n > 0 && (*out = malloc(k->n * sizeof **out)) == NULL)
		return ERR_INTERNAL;
	if (k->n > 0)
		memcpy(*out, k->v, k->n * sizeof **out);
	*n = k->n;
	return ERR_OK;
}

int store_conv_user_facts(struct store *s, int64_t user_id, int64_t conv_id, int64_t *family,
                          struct perm_facts *facts, bool *found)
{
	*found = false;
	int err;
	const struct kept_audience *k = kept(s, conv_id, &err);
	if (err)
		return err;
	if (k != NULL) {
		*family = k->family;
		for (size_t i = 0; i < k->n; i++) {
			if (k->v[i].user_id == user_id) {
				*facts = k->v[i].facts;
				*found = true;
				return ERR_OK;
			}
		}
	} else if ((err = store_conv_family(s, conv_id, family)) != ERR_OK) {
		return err;
	}
	/* Not in the audience (a family member outside a restricted
	 * conversation, a stranger): ask the store. */
	err = store_facts(s, user_id, *family, conv_id, facts);
	*found = err == ERR_OK;
	return err == ERR_NOT_FOUND ? ERR_OK : err;
}
