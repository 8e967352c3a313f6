/*
 * store_sms.c - the SMS to send (sms_outbox): queued with what made them,
 * claimed by the sender while it hands them to the SMS gateway, and moved
 * on by what the gateway answers and reports.  The states only move
 * forward: a delivery report that overtakes the sender's own outcome
 * keeps its place.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

int store_sms_queue(struct store *s, const struct store_sms_new *n, int64_t now, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_QUEUE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, sms_kind_name(n->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n->user_id);
	sqlite3_bind_int64(st, 3, n->conv_id);
	sqlite3_bind_int64(st, 4, n->message_id);
	sqlite3_bind_text(st, 5, n->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, n->body ? n->body : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, n->not_before);
	sqlite3_bind_int64(st, 8, now);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && id)
		*id = sqlite3_last_insert_rowid(store_db(s));
	return err;
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	return strdup(t ? t : "");
}

static void read_state(sqlite3_stmt *st, int col, enum sms_state *out)
{
	if (sms_state_parse((const char *)sqlite3_column_text(st, col), out) != 0)
		*out = SMS_FAILED;
}

static void read_kind(sqlite3_stmt *st, int col, enum sms_kind *out)
{
	if (sms_kind_parse((const char *)sqlite3_column_text(st, col), out) != 0)
		*out = SMS_KIND_MESSAGE;
}

static int read_due(sqlite3_stmt *st, struct store_sms_due *d)
{
	memset(d, 0, sizeof *d);
	d->st.id = sqlite3_column_int64(st, 0);
	read_kind(st, 1, &d->st.kind);
	d->st.user_id = sqlite3_column_int64(st, 2);
	d->st.conv_id = sqlite3_column_int64(st, 3);
	d->st.message_id = sqlite3_column_int64(st, 4);
	read_state(st, 7, &d->st.state);
	d->attempts = sqlite3_column_int(st, 8);
	d->created_at = sqlite3_column_int64(st, 9);
	d->own = col_dup(st, 6);
	d->text = col_dup(st, 10);
	store_col_text(st, 11, d->sender, sizeof d->sender);
	d->no_sms = sqlite3_column_int(st, 12) != 0;
	if (msg_kind_parse((const char *)sqlite3_column_text(st, 13), &d->msg_kind) != 0)
		d->msg_kind = KIND_NOTE; /* unknown: never by SMS */
	if (sms_channel_parse((const char *)sqlite3_column_text(st, 14), &d->settings.channel))
		d->settings.channel = SMS_CHANNEL_APP;
	d->settings.consent_at = sqlite3_column_int64(st, 15);
	d->settings.stopped_at = sqlite3_column_int64(st, 16);
	store_col_text(st, 17, d->phone, sizeof d->phone);
	memcpy(d->settings.phone, d->phone, sizeof d->phone);
	store_col_text(st, 18, d->member, sizeof d->member);
	d->withdrawn = sqlite3_column_int(st, 19) != 0;
	return d->own && d->text ? ERR_OK : ERR_INTERNAL;
}

void store_sms_due_clear(struct store_sms_due *d)
{
	free(d->own);
	free(d->text);
	d->own = d->text = NULL;
}

int store_sms_due(struct store *s, int64_t now, size_t max, struct store_sms_due *out, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_SMS_DUE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	int rc, err = ERR_OK;
	while (err == ERR_OK && *n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = read_due(st, &out[*n])) == ERR_OK)
			(*n)++;
		else
			store_sms_due_clear(&out[*n]);
	if (err == ERR_OK && *n < max && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_reset(st);
	if (err)
		while (*n > 0)
			store_sms_due_clear(&out[--*n]);
	return err;
}

int store_sms_next(struct store *s, int64_t now, int64_t *at)
{
	return store_int64(s, ST_SMS_NEXT, now, 0, at);
}

int store_sms_claim(struct store *s, int64_t id, int64_t until, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_CLAIM);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int64(st, 3, now);
	return store_exec_stmt(st);
}

int store_sms_sent(struct store *s, int64_t id, enum sms_state state, int64_t not_before,
                   bool full_text, const char *detail, int64_t now, bool *changed)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_SENT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, sms_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, not_before);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, full_text);
	int err = store_exec_stmt(st);
	*changed = err == ERR_OK && sqlite3_changes(store_db(s)) > 0;
	return err;
}

int store_sms_report(struct store *s, int64_t id, enum sms_state state, const char *detail,
                     int64_t now, bool *changed)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_REPORT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, sms_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, detail ? detail : "", -1, SQLITE_STATIC);
	int err = store_exec_stmt(st);
	*changed = err == ERR_OK && sqlite3_changes(store_db(s)) > 0;
	return err;
}

static void read_status(sqlite3_stmt *st, struct sms_status *o)
{
	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(st, 0);
	read_kind(st, 1, &o->kind);
	o->user_id = sqlite3_column_int64(st, 2);
	o->conv_id = sqlite3_column_int64(st, 3);
	o->message_id = sqlite3_column_int64(st, 4);
	read_state(st, 5, &o->state);
	o->full_text = sqlite3_column_int(st, 6) != 0;
	o->at = sqlite3_column_int64(st, 7);
}

int store_sms_get(struct store *s, int64_t id, struct sms_status *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		read_status(st, out);
		sqlite3_reset(st);
	}
	return err;
}

int store_sms_conv(struct store *s, int64_t conv, int64_t before, size_t max,
                   struct sms_status *out, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_SMS_CONV);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	int rc;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		read_status(st, &out[(*n)++]);
	int err = *n < max && rc != SQLITE_DONE ? store_err(rc) : ERR_OK;
	sqlite3_reset(st);
	return err;
}

int store_sms_waiting(struct store *s, int64_t *n)
{
	return store_int64(s, ST_SMS_WAITING, 0, 0, n);
}

int store_sms_sent_to(struct store *s, enum sms_kind kind, const char *phone, int64_t since,
                      int64_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_SENT_TO);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, sms_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return err;
}

int store_sms_reached(struct store *s, int64_t member, int64_t conv, int64_t *upto, bool *push)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_REACHED);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, member, conv);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*upto = sqlite3_column_int64(st, 0);
		*push = sqlite3_column_int64(st, 1) > 0;
		sqlite3_reset(st);
	}
	return err;
}

int store_sms_fallback_open(struct store *s, int64_t member, int64_t conv, bool *open)
{
	int64_t n;
	int err = store_int64(s, ST_SMS_FALLBACK_OPEN, member, conv, &n);
	*open = err == ERR_OK && n > 0;
	return err;
}

int store_sms_postpone(struct store *s, int64_t id, int64_t at, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_POSTPONE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int64(st, 3, now);
	return store_exec_stmt(st);
}

int store_sms_went(struct store *s, int64_t message, struct store_sms_went *v, size_t max,
                   size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_SMS_WENT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, message);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		v[*n].user_id = sqlite3_column_int64(st, 0);
		v[*n].conv_id = sqlite3_column_int64(st, 1);
		store_col_text(st, 2, v[*n].phone, sizeof v[*n].phone);
		(*n)++;
	}
	int err = *n < max && rc != SQLITE_DONE ? store_err(rc) : ERR_OK;
	sqlite3_reset(st);
	return err;
}

int store_sms_original(struct store *s, int64_t message, int64_t user, enum sms_state *state,
                       bool *full_text)
{
	sqlite3_stmt *st = store_stmt(s, ST_SMS_ORIGINAL);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, message);
	sqlite3_bind_int64(st, 2, user);
	int rc = sqlite3_step(st), err = ERR_OK;
	if (rc == SQLITE_ROW) {
		read_state(st, 0, state);
		*full_text = sqlite3_column_int(st, 1) != 0;
	} else {
		err = rc == SQLITE_DONE ? ERR_NOT_FOUND : store_err(rc);
	}
	sqlite3_reset(st);
	return err;
}
