/*
 * store_records.c - a family's case record and the deletions the retention
 * rules call for (issue 16).  What is due and allowed is decided by
 * core/records/retention.c and core/service/; here is only SQL, each
 * deletion bounded by the caller's batch so the writer never stalls.
 */
#include <sqlite3.h>
#include <string.h>

#include "store_int.h"

#include "../common/err.h"

int store_record_get(struct store *s, int64_t family, struct case_record *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_RECORD_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family);
	int err = store_step_row(st);
	if (err == ERR_NOT_FOUND)
		return ERR_OK; /* never closed, never filed */
	if (err)
		return err;
	int c = 0;
	out->closed_at = sqlite3_column_int64(st, c++);
	store_col_user(st, c, &out->closed_by), c += 3;
	store_col_text(st, c++, out->close_reason, sizeof out->close_reason);
	out->filed_upto = sqlite3_column_int64(st, c++);
	out->filed_at = sqlite3_column_int64(st, c++);
	store_col_user(st, c, &out->filed_by), c += 3;
	store_col_text(st, c++, out->hold_reason, sizeof out->hold_reason);
	out->hold_at = sqlite3_column_int64(st, c++);
	store_col_user(st, c, &out->hold_by), c += 3;
	int64_t *v[] = {&out->phones_at, &out->content_upto, &out->log_upto, &out->access_upto,
	                &out->names_at,  &out->cursor,       &out->n_texts,  &out->n_notes,
	                &out->n_system,  &out->n_files,      &out->n_other,  &out->next_at};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		*v[i] = sqlite3_column_int64(st, c++);
	sqlite3_reset(st);
	return ERR_OK;
}

int store_record_ensure(struct store *s, int64_t family)
{
	return store_exec_ids(s, ST_RECORD_ENSURE, family, 0);
}

/* Statement id with ?1 family, ?2 and ?3 numbers, ?4 a text or an id. */
static int record_write(struct store *s, enum stmt_id id, int64_t family, int64_t a, int64_t b,
                        const char *text, int64_t by)
{
	sqlite3_stmt *st = store_stmt(s, id);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family);
	sqlite3_bind_int64(st, 2, a);
	sqlite3_bind_int64(st, 3, b);
	if (text)
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 4, by);
	return store_exec_stmt(st);
}

int store_record_close(struct store *s, int64_t family, int64_t at, int64_t by, const char *reason)
{
	return record_write(s, ST_RECORD_CLOSE, family, at, by, reason, 0);
}

int store_record_reopen(struct store *s, int64_t family)
{
	return store_exec_ids(s, ST_RECORD_REOPEN, family, 0);
}

int store_record_filed(struct store *s, int64_t family, int64_t upto, int64_t at, int64_t by)
{
	return record_write(s, ST_RECORD_FILED, family, upto, at, NULL, by);
}

int store_record_hold(struct store *s, int64_t family, const char *reason, int64_t at, int64_t by)
{
	sqlite3_stmt *st = store_stmt(s, ST_RECORD_HOLD);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int64(st, 4, by);
	return store_exec_stmt(st);
}

int store_record_progress(struct store *s, int64_t family, const struct case_record *r)
{
	sqlite3_stmt *st = store_stmt(s, ST_RECORD_PROGRESS);
	if (st == NULL)
		return ERR_INTERNAL;
	const int64_t v[] = {family,         r->phones_at, r->content_upto, r->log_upto,
	                     r->access_upto, r->names_at,  r->cursor,       r->n_texts,
	                     r->n_notes,     r->n_system,  r->n_files,      r->n_other,
	                     r->next_at};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		sqlite3_bind_int64(st, (int)i + 1, v[i]);
	return store_exec_stmt(st);
}

int store_record_next(struct store *s, int64_t *at)
{
	return store_int64(s, ST_RECORD_NEXT, 0, 0, at);
}

int store_record_due(struct store *s, int64_t now, int64_t *family)
{
	return store_int64(s, ST_RECORD_DUE, now, 0, family);
}

int store_record_closed_at(struct store *s, int64_t family, int64_t *closed_at)
{
	int err = store_int64(s, ST_RECORD_CLOSED, family, 0, closed_at);
	if (err == ERR_NOT_FOUND) {
		*closed_at = 0;
		return ERR_OK;
	}
	return err;
}

int store_record_poke(struct store *s, int64_t family, int64_t at)
{
	int err = store_record_ensure(s, family);
	return err ? err : store_exec_ids(s, ST_RECORD_POKE, family, at);
}

int store_record_clear_waits(struct store *s, int64_t family)
{
	return store_exec_ids(s, ST_RECORD_CLEAR_WAITS, family, 0);
}

int store_record_sign_out(struct store *s, int64_t family, int64_t now, int64_t *phones)
{
	int err = store_exec_ids(s, ST_RECORD_REVOKE_DEVICES, family, now);
	*phones = err == ERR_OK ? sqlite3_changes64(store_db(s)) : 0;
	if (err == ERR_OK)
		err = store_exec_ids(s, ST_RECORD_REVOKE_TOKENS, family, now);
	if (err == ERR_OK)
		err = store_exec_ids(s, ST_RECORD_DROP_SUBS, family, 0);
	if (err == ERR_OK)
		err = store_exec_ids(s, ST_RECORD_DROP_INVITES, family, 0);
	return err;
}

/* ---- Data requests -------------------------------------------------------------- */

static void read_request(sqlite3_stmt *st, struct data_request *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->family = sqlite3_column_int64(st, 1);
	store_col_user(st, 2, &r->member);
	store_col_text(st, 5, r->kind, sizeof r->kind);
	r->received_at = sqlite3_column_int64(st, 6);
	store_col_text(st, 7, r->note, sizeof r->note);
	store_col_user(st, 8, &r->recorded_by);
	r->recorded_at = sqlite3_column_int64(st, 11);
	store_col_text(st, 12, r->decision, sizeof r->decision);
	store_col_text(st, 13, r->answer, sizeof r->answer);
	store_col_user(st, 14, &r->answered_by);
	int64_t *v[] = {&r->answered_at, &r->erase_upto, &r->done_at, &r->cursor_conv,
	                &r->cursor_id,   &r->n_texts,    &r->n_files};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		*v[i] = sqlite3_column_int64(st, 17 + (int)i);
}

int store_request_insert(struct store *s, const struct data_request *r, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_REQ_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, r->family, r->member.id);
	sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->received_at);
	sqlite3_bind_text(st, 5, r->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->recorded_by.id);
	sqlite3_bind_int64(st, 7, r->recorded_at);
	int err = store_exec_stmt(st);
	*id = err == ERR_OK ? sqlite3_last_insert_rowid(store_db(s)) : 0;
	return err;
}

/* One request of statement st (bound), or ERR_NOT_FOUND. */
static int one_request(sqlite3_stmt *st, struct data_request *out)
{
	int err = store_step_row(st);
	if (err == ERR_OK) {
		read_request(st, out);
		sqlite3_reset(st);
	}
	return err;
}

int store_request_get(struct store *s, int64_t id, struct data_request *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_REQ_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	return one_request(st, out);
}

int store_request_erasing(struct store *s, int64_t family, struct data_request *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_REQ_ERASING);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family);
	return one_request(st, out);
}

int store_requests(struct store *s, int64_t family, struct data_request *v, size_t max, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_REQ_LIST);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, family, (int64_t)max);
	while (*n < max && sqlite3_step(st) == SQLITE_ROW)
		read_request(st, &v[(*n)++]);
	sqlite3_reset(st);
	return ERR_OK;
}

int store_request_answer(struct store *s, const struct data_request *r)
{
	sqlite3_stmt *st = store_stmt(s, ST_REQ_ANSWER);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, r->decision, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->answer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->answered_by.id);
	sqlite3_bind_int64(st, 5, r->answered_at);
	sqlite3_bind_int64(st, 6, r->erase_upto);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(store_db(s)) == 0)
		return ERR_CONFLICT;
	return err;
}

int store_request_progress(struct store *s, const struct data_request *r)
{
	sqlite3_stmt *st = store_stmt(s, ST_REQ_PROGRESS);
	if (st == NULL)
		return ERR_INTERNAL;
	const int64_t v[] = {r->id,      r->cursor_conv, r->cursor_id,
	                     r->n_texts, r->n_files,     r->done_at};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		sqlite3_bind_int64(st, (int)i + 1, v[i]);
	return store_exec_stmt(st);
}

int store_request_member_phone(struct store *s, int64_t member)
{
	return store_exec_ids(s, ST_REQ_MEMBER_PHONE, member, 0);
}

/* ---- Deleting ------------------------------------------------------------------ */

int store_purge_convs(struct store *s, int64_t family, int64_t from, int64_t *ids, size_t max,
                      size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_PURGE_CONVS);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, family, from);
	int rc;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ERR_OK;
}

/* A batch: its conversation, id range, the filed export's end, whose. */
struct batch {
	int64_t conv, lo, hi, upto, sender;
	int64_t read; /* messages read for it, the sender's or not */
};

/* Runs statement id on batch b; adds the rows it changed to *rows. */
static int batch_exec(struct store *s, enum stmt_id id, const struct batch *b, int64_t *rows)
{
	sqlite3_stmt *st = store_stmt(s, id);
	if (st == NULL)
		return ERR_INTERNAL;
	const int64_t v[] = {b->conv, b->lo, b->hi, b->upto, b->sender};
	for (int i = 0; i < 5; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && rows)
		*rows += sqlite3_changes64(store_db(s));
	return err;
}

/* The next batch's id range after after (every sender's messages, so the
 * range is bounded by max) and how many of each kind it deletes. */
static int batch_range(struct store *s, int64_t after, int max, struct batch *b,
                       struct purge_count *c)
{
	sqlite3_stmt *st = store_stmt(s, ST_PURGE_MSG_BATCH);
	if (st == NULL)
		return ERR_INTERNAL;
	const int64_t v[] = {b->conv, after, b->upto, max};
	for (int i = 0; i < 4; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
	b->lo = b->hi = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		if (b->lo == 0)
			b->lo = id;
		b->hi = id;
		b->read++;
		if (b->sender != 0 && sqlite3_column_int64(st, 2) != b->sender)
			continue;
		int64_t *n = kind && strcmp(kind, "note") == 0     ? &c->notes
		             : kind && strcmp(kind, "system") == 0 ? &c->system
		                                                   : &c->texts;
		(*n)++;
	}
	sqlite3_reset(st);
	return ERR_OK;
}

int store_purge_messages(struct store *s, int64_t conv, int64_t upto, int64_t sender,
                         int64_t *after, int max, struct purge_count *c)
{
	struct batch b = {.conv = conv, .upto = upto, .sender = sender};
	int err = batch_range(s, *after, max, &b, c);
	if (err || b.lo == 0)
		return err;
	/* What hangs on the messages goes first: the foreign keys hold. */
	int64_t files = 0;
	const enum stmt_id others[] = {ST_PURGE_VERSIONS, ST_PURGE_SMS_MSG, ST_PURGE_SCHED_MSG,
	                               ST_PURGE_PUSH_MSG};
	err = batch_exec(s, ST_PURGE_FILES_GONE, &b, NULL);
	if (err == ERR_OK)
		err = batch_exec(s, ST_PURGE_ATTACH, &b, &files);
	for (size_t i = 0; err == ERR_OK && i < sizeof others / sizeof others[0]; i++)
		err = batch_exec(s, others[i], &b, &c->other);
	if (err == ERR_OK)
		err = batch_exec(s, ST_PURGE_MESSAGES, &b, NULL);
	c->files += files;
	c->rows += files + b.read; /* what was read bounds the batch, deleted or not */
	*after = b.hi;
	return err;
}

/* Runs statement id with ?1 = a; adds the rows it changed to *rows. */
static int exec_counted(struct store *s, enum stmt_id id, int64_t a, int64_t *rows)
{
	int err = store_exec_ids(s, id, a, 0);
	if (err == ERR_OK && rows)
		*rows += sqlite3_changes64(store_db(s));
	return err;
}

int store_purge_conv_rest(struct store *s, int64_t conv, struct purge_count *c)
{
	const enum stmt_id ids[] = {ST_PURGE_CONV_SCHED, ST_PURGE_CONV_PUSH,
	                            ST_PURGE_CONV_SMS,   ST_PURGE_CONV_DELIVERIES,
	                            ST_PURGE_CONV_READS, ST_PURGE_CONV_STATE};
	int err = ERR_OK;
	for (size_t i = 0; err == ERR_OK && i < sizeof ids / sizeof ids[0]; i++)
		err = exec_counted(s, ids[i], conv, &c->other);
	return err;
}

int store_purge_members(struct store *s, int64_t family, struct purge_count *c)
{
	int err = exec_counted(s, ST_PURGE_MEMBER_SMS, family, &c->other);
	if (err == ERR_OK)
		err = exec_counted(s, ST_PURGE_MEMBER_PHONES, family, &c->other);
	if (err == ERR_OK)
		err = exec_counted(s, ST_PURGE_MEMBER_FILES_GONE, family, NULL);
	if (err == ERR_OK)
		err = exec_counted(s, ST_PURGE_MEMBER_UPLOADS, family, &c->files);
	return err;
}

int store_purge_log(struct store *s, int64_t family, bool access, int64_t upto, int max,
                    int64_t *cursor, bool *more, struct purge_count *c)
{
	sqlite3_stmt *st = store_stmt(s, ST_PURGE_LOG_SCAN);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family);
	sqlite3_bind_int64(st, 2, *cursor);
	sqlite3_bind_int64(st, 3, max);
	int err = store_step_row(st);
	bool none = err == ERR_OK && sqlite3_column_type(st, 0) == SQLITE_NULL;
	int64_t hi = err == ERR_OK ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	*more = false;
	if (err || none)
		return err;
	if ((st = store_stmt(s, access ? ST_PURGE_ACCESS : ST_PURGE_LOG)) == NULL)
		return ERR_INTERNAL;
	const int64_t v[] = {family, *cursor, hi, upto};
	for (int i = 0; i < 4; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
	if ((err = store_exec_stmt(st)) != ERR_OK)
		return err;
	int64_t n = sqlite3_changes64(store_db(s));
	c->other += n;
	c->rows += max; /* the rows read bound the batch, deleted or kept */
	*cursor = hi;
	*more = true;
	return ERR_OK;
}

int store_purge_names(struct store *s, int64_t family)
{
	const enum stmt_id ids[] = {ST_PURGE_NAME_FAMILY, ST_PURGE_NAME_MEMBERS,
	                            ST_PURGE_NAME_CONVS, ST_PURGE_NAME_DEVICES};
	int err = ERR_OK;
	for (size_t i = 0; err == ERR_OK && i < sizeof ids / sizeof ids[0]; i++)
		err = store_exec_ids(s, ids[i], family, 0);
	return err;
}

int store_sweep_dead(struct store *s, int64_t cutoff, int64_t sms_cutoff, int64_t log_cutoff,
                     int max, struct sweep_count *c)
{
	struct {
		enum stmt_id id;
		int64_t at, *n;
	} steps[] = {{ST_SWEEP_PUSH_SUBS, cutoff, &c->push_subscriptions},
	             {ST_SWEEP_TOKENS, cutoff, &c->tokens},
	             {ST_SWEEP_INVITES, cutoff, &c->invites},
	             {ST_SWEEP_SMS, sms_cutoff, &c->sms},
	             {ST_SWEEP_STAFF_LOG, log_cutoff, &c->staff_log}};
	int err = store_exec_ids(s, ST_SWEEP_INVITE_TEXTS, 0, 0);
	for (size_t i = 0; err == ERR_OK && i < sizeof steps / sizeof steps[0]; i++) {
		err = store_exec_ids(s, steps[i].id, steps[i].at, max);
		if (err == ERR_OK)
			*steps[i].n += sqlite3_changes64(store_db(s));
	}
	return err;
}

int store_files_gone(struct store *s, char (*sha)[65], size_t max, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, ST_FILES_GONE_LIST);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, (int64_t)max);
	while (*n < max && sqlite3_step(st) == SQLITE_ROW)
		store_col_text(st, 0, sha[(*n)++], 65);
	sqlite3_reset(st);
	return ERR_OK;
}

int store_files_gone_drop(struct store *s, const char *sha)
{
	sqlite3_stmt *st = store_stmt(s, ST_FILES_GONE_DROP);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
	return store_exec_stmt(st);
}
