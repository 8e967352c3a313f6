/*
 * store_messages.c - messages, what a user may see of them, read positions
 * and the contact log.
 *
 * Visibility in SQL mirrors perm.c: a family member sees the non-note
 * messages of the conversations they take part in; a staff member sees every
 * message of the families they are pair or team for; an admin sees none.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

/* Reads the MSG_COLS columns of the current row into m (body malloc'd). */
static int read_msg(struct store *s, sqlite3_stmt *st, struct msg *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(st, 0);
	m->conv = sqlite3_column_int64(st, 1);
	m->family = sqlite3_column_int64(st, 2);
	m->sender.id = sqlite3_column_int64(st, 3);
	store_col_text(st, 4, m->sender.name, sizeof m->sender.name);
	const char *role = (const char *)sqlite3_column_text(st, 5);
	if (role == NULL || role_parse(role, &m->sender.role) != 0)
		m->sender.role = ROLE_FAMILY;
	const char *kind = (const char *)sqlite3_column_text(st, 6);
	if (kind == NULL || msg_kind_parse(kind, &m->kind) != 0)
		m->kind = KIND_TEXT;
	const char *body = (const char *)sqlite3_column_text(st, 7);
	m->body = strdup(body ? body : "");
	store_col_text(st, 8, m->client_id, sizeof m->client_id);
	m->created_at = sqlite3_column_int64(st, 9);
	m->sms = sqlite3_column_int(st, 10) != 0;
	m->no_sms = sqlite3_column_int(st, 11) != 0;
	m->edited_at = sqlite3_column_int64(st, 13);
	m->withdrawn = sqlite3_column_int(st, 14) != 0;
	if (m->body == NULL)
		return ERR_INTERNAL;
	/* Only a message with files costs a lookup (n_attach). */
	return sqlite3_column_int(st, 12) > 0
	           ? store_attach_of_message(s, m->id, &m->att, &m->n_att)
	           : ERR_OK;
}

/* Steps st to the end, appending each row to out; at most limit rows are
 * kept and *more tells whether another row followed. */
static int read_msgs(struct store *s, sqlite3_stmt *st, int limit, struct msg_list *out, bool *more)
{
	int rc, err = ERR_OK;
	*more = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((int)out->n >= limit) {
			*more = true;
			break;
		}
		struct msg *m = msg_list_push(out);
		if (m == NULL || (err = read_msg(s, st, m)) != ERR_OK) {
			err = ERR_INTERNAL;
			break;
		}
	}
	if (err == ERR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_reset(st);
	return err;
}

int store_message_by_client_id(struct store *s, int64_t sender_id, const char *client_id,
                               struct msg *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_MSG_BY_CLIENT_ID);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, sender_id);
	sqlite3_bind_text(st, 2, client_id, -1, SQLITE_STATIC);
	int err = store_step_row(st);
	if (err == ERR_OK)
		err = read_msg(s, st, out);
	sqlite3_reset(st);
	return err;
}

int store_message_get(struct store *s, int64_t id, struct msg *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_MSG_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	int err = store_step_row(st);
	if (err == ERR_OK)
		err = read_msg(s, st, out);
	sqlite3_reset(st);
	return err;
}

int store_message_insert(struct store *s, int64_t conv_id, int64_t family_id,
                         const struct user_ref *sender, enum msg_kind kind, const char *body,
                         const char *client_id, int64_t now, struct msg *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_MSG_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_int64(st, 2, sender->id);
	sqlite3_bind_text(st, 3, msg_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, family_id);
	int err = store_exec_stmt(st);
	if (err)
		return err;
	/* The row is what we bound; only the id is the store's choice. */
	memset(out, 0, sizeof *out);
	out->id = sqlite3_last_insert_rowid(s->db);
	out->conv = conv_id;
	out->family = family_id;
	out->sender = *sender;
	out->kind = kind;
	snprintf(out->client_id, sizeof out->client_id, "%s", client_id ? client_id : "");
	out->created_at = now;
	out->body = strdup(body ? body : "");
	return out->body ? ERR_OK : ERR_INTERNAL;
}

int store_sync(struct store *s, const struct store_user *u, int64_t after, int limit,
               struct msg_list *out, bool *more)
{
	*more = false;
	if (u->ref.role == ROLE_ADMIN)
		return ERR_OK;
	sqlite3_stmt *st =
	    store_stmt(s, u->ref.role == ROLE_FAMILY ? ST_SYNC_FAMILY : ST_SYNC_STAFF);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, u->ref.id);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, limit + 1);
	return read_msgs(s, st, limit, out, more);
}

int store_history(struct store *s, int64_t conv_id, bool include_notes, int64_t before, int limit,
                  struct msg_list *out, bool *more)
{
	sqlite3_stmt *st = store_stmt(s, ST_HISTORY);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(st, 3, include_notes ? 1 : 0);
	sqlite3_bind_int(st, 4, limit + 1);
	size_t first = out->n;
	int err = read_msgs(s, st, limit, out, more);
	/* Newest first from SQL; the contract wants them ascending. */
	for (size_t i = first, j = out->n; err == ERR_OK && j > 0 && i < j - 1; i++, j--) {
		struct msg tmp = out->v[i];
		out->v[i] = out->v[j - 1];
		out->v[j - 1] = tmp;
	}
	return err;
}

static int scalar_for_user(struct store *s, enum stmt_id id, int64_t user_id, int64_t *val)
{
	return store_int64(s, id, user_id, 0, val);
}

int store_last_visible_id(struct store *s, const struct store_user *u, int64_t *id)
{
	*id = 0;
	if (u->ref.role == ROLE_ADMIN)
		return ERR_OK;
	return scalar_for_user(s, u->ref.role == ROLE_FAMILY ? ST_LAST_FAMILY : ST_LAST_STAFF,
	                       u->ref.id, id);
}

/* ---- Conversations as a user sees them ------------------------------------- */

/* The family members' delivery positions, for staff. */
static int conv_deliveries(struct store *s, struct conv *c)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONV_DELIVERIES);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, c->id, c->family_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct delivery_pos *grown =
		    realloc(c->deliveries, (c->n_deliveries + 1) * sizeof *grown);
		if (grown == NULL) {
			sqlite3_reset(st);
			return ERR_INTERNAL;
		}
		c->deliveries = grown;
		store_read_delivery(st, &c->deliveries[c->n_deliveries++]);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : store_err(rc);
}

/* The pair's ids and the members' read positions (clamped to what a
 * family may see unless notes), and for staff (notes) the family members'
 * delivery positions. */
static int conv_pair_and_reads(struct store *s, struct conv *c, bool notes)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONV_PAIR);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, c->family_id);
	int err = store_step_row(st);
	if (err)
		return err;
	c->primary_id = sqlite3_column_int64(st, 0);
	c->secondary_id = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if ((st = store_stmt(s, ST_CONV_READS)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, c->family_id);
	sqlite3_bind_int(st, 3, notes);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct read_pos *grown = realloc(c->reads, (c->n_reads + 1) * sizeof *grown);
		if (grown == NULL) {
			sqlite3_reset(st);
			return ERR_INTERNAL;
		}
		c->reads = grown;
		struct read_pos *r = &c->reads[c->n_reads++];
		r->user.id = sqlite3_column_int64(st, 0);
		store_col_text(st, 1, r->user.name, sizeof r->user.name);
		const char *role = (const char *)sqlite3_column_text(st, 2);
		if (role == NULL || role_parse(role, &r->user.role) != 0)
			r->user.role = ROLE_FAMILY;
		r->upto = sqlite3_column_int64(st, 3);
		r->at = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	return notes ? conv_deliveries(s, c) : ERR_OK;
}

static int conv_members(struct store *s, struct conv *c)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONV_MEMBERS);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, c->family_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c->n_members == cap) {
			cap = cap ? cap * 2 : 4;
			struct user_ref *grown = realloc(c->members, cap * sizeof *grown);
			if (grown == NULL) {
				sqlite3_reset(st);
				return ERR_INTERNAL;
			}
			c->members = grown;
		}
		struct user_ref *m = &c->members[c->n_members++];
		m->id = sqlite3_column_int64(st, 0);
		store_col_text(st, 1, m->name, sizeof m->name);
		const char *role = (const char *)sqlite3_column_text(st, 2);
		if (role == NULL || role_parse(role, &m->role) != 0)
			m->role = ROLE_FAMILY;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : store_err(rc);
}

/* last_id, read_upto and unread of c for user u. */
static int conv_counters(struct store *s, const struct store_user *u, int64_t now, struct conv *c)
{
	int notes = u->ref.role != ROLE_FAMILY;
	int err = store_conv_last_msg(s, c->id, notes, &c->last);
	if (err == ERR_OK)
		err = store_family_away(s, c->family_id, now, c->away, &c->n_away);
	if (err == ERR_OK && (c->staff_view = notes))
		err = store_waiting_get(s, c->id, &c->waiting);
	if (err)
		return err;
	c->last_id = c->last.id;
	sqlite3_stmt *st = store_stmt(s, ST_READ_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, u->ref.id);
	err = store_step_row(st);
	c->read_upto = err == ERR_OK ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (err && err != ERR_NOT_FOUND)
		return err;
	if ((st = store_stmt(s, ST_CONV_UNREAD)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, c->read_upto);
	sqlite3_bind_int64(st, 3, u->ref.id);
	sqlite3_bind_int(st, 4, notes);
	if ((err = store_step_row(st)) != ERR_OK)
		return err;
	c->unread = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ERR_OK;
}

static void read_conv_head(sqlite3_stmt *st, struct conv *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->family_id = sqlite3_column_int64(st, 1);
	store_col_text(st, 2, c->family_name, sizeof c->family_name);
	store_col_text(st, 3, c->title, sizeof c->title);
	c->answer_minutes = sqlite3_column_int(st, 4);
	c->met_at = sqlite3_column_int64(st, 5);
}

int store_user_conversations(struct store *s, const struct store_user *u, int64_t now,
                             struct conv_list *out)
{
	if (u->ref.role == ROLE_ADMIN)
		return ERR_OK;
	sqlite3_stmt *st =
	    store_stmt(s, u->ref.role == ROLE_FAMILY ? ST_CONVS_FAMILY : ST_CONVS_STAFF);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, u->ref.id);
	int rc;
	/* Collect the heads first: the per-conversation queries reuse statements. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct conv *c = conv_list_push(out);
		if (c == NULL) {
			sqlite3_reset(st);
			return ERR_INTERNAL;
		}
		read_conv_head(st, c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	for (size_t i = 0; i < out->n; i++) {
		int err = conv_members(s, &out->v[i]);
		if (err == ERR_OK)
			err = conv_pair_and_reads(s, &out->v[i], u->ref.role != ROLE_FAMILY);
		if (err == ERR_OK)
			err = conv_counters(s, u, now, &out->v[i]);
		if (err)
			return err;
	}
	return ERR_OK;
}

int store_user_unread(struct store *s, const struct store_user *u, int64_t *n)
{
	*n = 0;
	if (u->ref.role == ROLE_ADMIN)
		return ERR_OK;
	return scalar_for_user(s, u->ref.role == ROLE_FAMILY ? ST_UNREAD_FAMILY : ST_UNREAD_STAFF,
	                       u->ref.id, n);
}

int store_conversation(struct store *s, const struct store_user *u, int64_t conv_id, int64_t now,
                       struct conv *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_CONV_ONE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	int err = store_step_row(st);
	if (err)
		return err;
	read_conv_head(st, out);
	sqlite3_reset(st);
	if ((err = conv_members(s, out)) == ERR_OK &&
	    (err = conv_pair_and_reads(s, out, u->ref.role != ROLE_FAMILY)) == ERR_OK)
		err = conv_counters(s, u, now, out);
	return err;
}

int store_conv_last_id(struct store *s, int64_t conv_id, bool include_notes, int64_t *last)
{
	return store_int64(s, ST_CONV_LAST, conv_id, include_notes ? 1 : 0, last);
}

/* ---- Read positions ---------------------------------------------------------- */

int store_conv_visible_upto(struct store *s, int64_t conv_id, int64_t upto, int64_t *out)
{
	return store_int64(s, ST_CONV_VISIBLE_UPTO, conv_id, upto, out);
}

int store_read_position(struct store *s, int64_t conv_id, int64_t user_id, int64_t *upto)
{
	*upto = 0;
	int err = store_int64(s, ST_READ_GET, conv_id, user_id, upto);
	return err == ERR_NOT_FOUND ? ERR_OK : err;
}

int store_read_set(struct store *s, int64_t conv_id, int64_t user_id, int64_t upto, int64_t now,
                   int64_t *stored, int64_t *at, bool *moved)
{
	sqlite3_stmt *st = store_stmt(s, ST_READ_UPSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int64(st, 3, upto);
	sqlite3_bind_int64(st, 4, now);
	int err = store_exec_stmt(st);
	if (err)
		return err;
	*moved = sqlite3_changes(s->db) > 0;
	if ((st = store_stmt(s, ST_READ_GET)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv_id);
	sqlite3_bind_int64(st, 2, user_id);
	if ((err = store_step_row(st)) == ERR_OK) {
		*stored = sqlite3_column_int64(st, 0);
		*at = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return err;
}

/* ---- Contact log --------------------------------------------------------------- */

int store_log_append(struct store *s, int64_t at, const char *kind, int64_t actor_id,
                     int64_t family_id, int64_t conv_id, int64_t message_id, const char *detail)
{
	sqlite3_stmt *st = store_stmt(s, ST_LOG_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	store_bind_id_or_null(st, 3, actor_id);
	store_bind_id_or_null(st, 4, family_id);
	store_bind_id_or_null(st, 5, conv_id);
	store_bind_id_or_null(st, 6, message_id);
	sqlite3_bind_text(st, 7, detail ? detail : "", -1, SQLITE_STATIC);
	return store_exec_stmt(st);
}

/* Rows of a log statement (ST_LOG_PAGE's columns) into out; resets st. */
static int read_log_rows(sqlite3_stmt *st, struct log_list *out)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct log_entry *e = log_list_push(out);
		if (e == NULL) {
			sqlite3_reset(st);
			return ERR_INTERNAL;
		}
		e->id = sqlite3_column_int64(st, 0);
		e->at = sqlite3_column_int64(st, 1);
		store_col_text(st, 2, e->kind, sizeof e->kind);
		e->actor.id = sqlite3_column_int64(st, 3);
		store_col_text(st, 4, e->actor.name, sizeof e->actor.name);
		const char *role = (const char *)sqlite3_column_text(st, 5);
		if (role == NULL || role_parse(role, &e->actor.role) != 0)
			e->actor.role = ROLE_ADMIN;
		e->conv = sqlite3_column_int64(st, 6);
		e->message = sqlite3_column_int64(st, 7);
		const char *detail = (const char *)sqlite3_column_text(st, 8);
		e->detail = strdup(detail ? detail : "");
		const char *text = (const char *)sqlite3_column_text(st, 9);
		if (text != NULL && (e->text = strdup(text)) == NULL) {
			sqlite3_reset(st);
			return ERR_INTERNAL;
		}
		if (e->detail == NULL) {
			sqlite3_reset(st);
			return ERR_INTERNAL;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : store_err(rc);
}

int store_log_page(struct store *s, const struct store_log_range *r, struct log_list *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_LOG_PAGE);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_range(st, r);
	sqlite3_bind_int(st, 7, r->family_only);
	sqlite3_bind_text(st, 8, r->kinds, -1, SQLITE_STATIC);
	return read_log_rows(st, out);
}

int store_log_of_member(struct store *s, int64_t family, int64_t member, int64_t after, int limit,
                        struct log_list *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_LOG_OF_MEMBER);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, family, member);
	sqlite3_bind_int64(st, 3, after);
	sqlite3_bind_int(st, 4, limit);
	return read_log_rows(st, out);
}

int store_log_last_id(struct store *s, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_LOG_LAST_ID);
	*id = 0;
	if (st == NULL)
		return ERR_INTERNAL;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ERR_OK : store_err(rc);
}

int store_message_change(struct store *s, int64_t id, const char *body, bool withdrawn, int64_t at)
{
	sqlite3_stmt *st = store_stmt(s, ST_MSG_VERSION_ADD);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, withdrawn ? "withdraw" : "edit", -1, SQLITE_STATIC);
	int err = store_exec_stmt(st);
	if (err || (st = store_stmt(s, ST_MSG_CHANGE)) == NULL)
		return err ? err : ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int(st, 4, withdrawn);
	return store_exec_stmt(st);
}
