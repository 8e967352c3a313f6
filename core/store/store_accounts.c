/*
 * store_accounts.c - users, tokens, devices and invite codes.
 */
#include "store_int.h"

#include <string.h>

#include "../auth/auth.h"
#include "../common/err.h"
#include "../common/text.h"

static void read_user(sqlite3_stmt *st, struct store_user *out)
{
	memset(out, 0, sizeof *out);
	out->ref.id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, out->ref.name, sizeof out->ref.name);
	const char *role = (const char *)sqlite3_column_text(st, 2);
	if (role == NULL || role_parse(role, &out->ref.role) != 0)
		out->ref.role = ROLE_FAMILY;
	out->family_id = sqlite3_column_int64(st, 3);
	out->active = sqlite3_column_int(st, 4) != 0;
	store_col_text(st, 5, out->username, sizeof out->username);
}

int store_user_get(struct store *s, int64_t id, struct store_user *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_USER_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	int err = store_step_row(st);
	if (err == ERR_OK)
		read_user(st, out);
	sqlite3_reset(st);
	return err;
}

int store_user_by_username(struct store *s, const char *username, struct store_user *out,
                           char *pw_hash, size_t pw_cap)
{
	sqlite3_stmt *st = store_stmt(s, ST_USER_BY_USERNAME);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		read_user(st, out);
		store_col_text(st, 6, pw_hash, pw_cap);
	}
	sqlite3_reset(st);
	return err;
}

static int insert_user(struct store *s, enum role role, const char *username, const char *name,
                       const char *pw_hash, int64_t family_id, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_USER_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, role_name(role), -1, SQLITE_STATIC);
	if (username)
		sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	if (pw_hash)
		sqlite3_bind_text(st, 4, pw_hash, -1, SQLITE_STATIC);
	store_bind_id_or_null(st, 5, family_id);
	sqlite3_bind_int64(st, 6, text_now_ms());
	int err = store_exec_stmt(st);
	if (err == ERR_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int store_staff_create(struct store *s, enum role role, const char *username, const char *name,
                       const char *pw_hash, int64_t *id)
{
	if (role == ROLE_FAMILY || username == NULL || *username == '\0')
		return ERR_BAD_REQUEST;
	return insert_user(s, role, username, name, pw_hash, 0, id);
}

int store_member_insert(struct store *s, int64_t family_id, const char *name, int64_t *id)
{
	return insert_user(s, ROLE_FAMILY, NULL, name, NULL, family_id, id);
}

static int update_changed(struct store *s, sqlite3_stmt *st)
{
	int err = store_exec_stmt(st);
	if (err == ERR_OK && sqlite3_changes(s->db) == 0)
		return ERR_NOT_FOUND;
	return err;
}

int store_staff_set_password(struct store *s, int64_t user_id, const char *pw_hash)
{
	sqlite3_stmt *st = store_stmt(s, ST_USER_SET_PASSWORD);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, pw_hash, -1, SQLITE_STATIC);
	return update_changed(s, st);
}

int store_user_set_active(struct store *s, int64_t user_id, bool active)
{
	sqlite3_stmt *st = store_stmt(s, ST_USER_SET_ACTIVE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, active ? 1 : 0);
	return update_changed(s, st);
}

/* ---- Tokens ---------------------------------------------------------------- */

int store_token_issue(struct store *s, const uint8_t hash[32], int64_t user_id, int64_t device_id,
                      int64_t now, int64_t expires_at, int64_t idle_ms, int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_TOKEN_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	store_bind_id_or_null(st, 3, device_id);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, expires_at);
	sqlite3_bind_int64(st, 6, idle_ms > 0 ? idle_ms : 0);
	int err = store_exec_stmt(st);
	if (err == ERR_OK && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int store_token_insert(struct store *s, const uint8_t hash[32], int64_t user_id, int64_t device_id,
                       int64_t now, int64_t expires_at, int64_t *id)
{
	return store_token_issue(s, hash, user_id, device_id, now, expires_at, 0, id);
}

/* A row of a live token (not revoked, its user active); then the decision
 * on time: expired or idle is ERR_UNAUTHORIZED with out->ended saying which. */
static int read_token(sqlite3_stmt *st, int64_t now, struct store_token *out)
{
	memset(out, 0, sizeof *out);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		out->id = sqlite3_column_int64(st, 0);
		out->user_id = sqlite3_column_int64(st, 1);
		out->device_id = sqlite3_column_int64(st, 2);
		out->expires_at = sqlite3_column_int64(st, 3);
		out->last_used_at = sqlite3_column_int64(st, 4);
		out->idle_ms = sqlite3_column_int64(st, 5);
		out->ended =
		    (int)auth_session_check(out->expires_at, out->last_used_at, out->idle_ms, now);
		if (out->ended != AUTH_SESSION_LIVE)
			err = ERR_UNAUTHORIZED;
	} else if (err == ERR_NOT_FOUND) {
		err = ERR_UNAUTHORIZED;
	}
	sqlite3_reset(st);
	return err;
}

int store_token_lookup(struct store *s, const uint8_t hash[32], int64_t now,
                       struct store_token *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_TOKEN_LOOKUP);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	return read_token(st, now, out);
}

int store_token_recheck(struct store *s, int64_t token_id, int64_t now, struct store_token *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_TOKEN_RECHECK);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, token_id);
	return read_token(st, now, out);
}

int store_token_touch(struct store *s, int64_t token_id, int64_t at, int64_t slide_ms)
{
	sqlite3_stmt *st = store_stmt(s, ST_TOKEN_TOUCH);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int64(st, 3, slide_ms);
	return store_exec_stmt(st);
}

int store_token_revoke(struct store *s, int64_t token_id, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_TOKEN_REVOKE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_int64(st, 2, now);
	return store_exec_stmt(st);
}

/* ---- Devices ---------------------------------------------------------------- */

int store_device_insert(struct store *s, int64_t user_id, const char *name, int64_t now,
                        int64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_DEVICE_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	int err = store_exec_stmt(st);
	if (err == ERR_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int store_device_get(struct store *s, int64_t id, struct store_device *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_DEVICE_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		out->id = sqlite3_column_int64(st, 0);
		out->user_id = sqlite3_column_int64(st, 1);
		store_col_text(st, 2, out->name, sizeof out->name);
		out->created_at = sqlite3_column_int64(st, 3);
		out->revoked_at = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return err;
}

int store_device_rename(struct store *s, int64_t id, const char *name)
{
	sqlite3_stmt *st = store_stmt(s, ST_DEVICE_RENAME);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return store_exec_stmt(st);
}

int store_device_revoke(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_DEVICE_REVOKE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	int err = store_exec_stmt(st);
	if (err)
		return err;
	if ((st = store_stmt(s, ST_DEVICE_REVOKE_TOKENS)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return store_exec_stmt(st);
}

/* ---- Invites ---------------------------------------------------------------- */

int store_invite_insert(struct store *s, const char *code_hash, int64_t member_id,
                        int64_t created_by, int64_t now, int64_t expires_at)
{
	sqlite3_stmt *st = store_stmt(s, ST_INVITE_INSERT);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, code_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, member_id);
	store_bind_id_or_null(st, 3, created_by);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, expires_at);
	return store_exec_stmt(st);
}

int store_invite_consume(struct store *s, const char *code_hash, int64_t now, int64_t *member_id,
                         int64_t *created_by)
{
	sqlite3_stmt *st = store_stmt(s, ST_INVITE_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, code_hash, -1, SQLITE_STATIC);
	int err = store_step_row(st);
	if (err == ERR_NOT_FOUND)
		return ERR_UNAUTHORIZED;
	if (err)
		return err;
	int64_t id = sqlite3_column_int64(st, 0);
	*member_id = sqlite3_column_int64(st, 1);
	int64_t expires_at = sqlite3_column_int64(st, 2);
	int64_t used_at = sqlite3_column_int64(st, 3);
	*created_by = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	if (used_at != 0 || expires_at <= now)
		return ERR_GONE;
	if ((st = store_stmt(s, ST_INVITE_USE)) == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	err = update_changed(s, st);
	/* Another enrolment used it between our read and write. */
	return err == ERR_NOT_FOUND ? ERR_GONE : err;
}

int store_family_devices(struct store *s, int64_t family_id, struct device_list *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_FAMILY_DEVICES);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, family_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct device_entry *d = device_list_push(out);
		if (d == NULL) {
			sqlite3_reset(st);
			return ERR_INTERNAL;
		}
		d->id = sqlite3_column_int64(st, 0);
		store_col_text(st, 1, d->name, sizeof d->name);
		d->user.id = sqlite3_column_int64(st, 2);
		store_col_text(st, 3, d->user.name, sizeof d->user.name);
		d->user.role = ROLE_FAMILY;
		d->created_at = sqlite3_column_int64(st, 5);
		d->revoked_at = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : store_err(rc);
}

int store_member_live_devices(struct store *s, int64_t member_id, int64_t *n)
{
	return store_int64(s, ST_MEMBER_LIVE_DEVICES, member_id, 0, n);
}

int store_member_sms_get(struct store *s, int64_t user_id, struct member_sms *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, ST_MEMBER_SMS_GET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	int err = store_step_row(st);
	if (err)
		return err;
	store_col_text(st, 0, out->phone, sizeof out->phone);
	const char *c = (const char *)sqlite3_column_text(st, 1);
	if (c == NULL || sms_channel_parse(c, &out->channel) != 0)
		out->channel = SMS_CHANNEL_APP;
	out->consent_at = sqlite3_column_int64(st, 2);
	out->consent_by.id = sqlite3_column_int64(st, 3);
	store_col_text(st, 4, out->consent_by.name, sizeof out->consent_by.name);
	const char *r = (const char *)sqlite3_column_text(st, 5);
	if (r == NULL || role_parse(r, &out->consent_by.role) != 0)
		out->consent_by.role = ROLE_ADVISER;
	out->stopped_at = sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	return ERR_OK;
}

int store_member_sms_set(struct store *s, int64_t user_id, const struct member_sms *in)
{
	sqlite3_stmt *st = store_stmt(s, ST_MEMBER_SMS_SET);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, in->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sms_channel_name(in->channel), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, in->consent_at);
	sqlite3_bind_int64(st, 5, in->consent_at ? in->consent_by.id : 0);
	return store_exec_stmt(st);
}

int store_member_by_phone(struct store *s, const char *e164, int64_t *user_id)
{
	sqlite3_stmt *st = store_stmt(s, ST_MEMBER_BY_PHONE);
	if (st == NULL)
		return ERR_INTERNAL;
	sqlite3_bind_text(st, 1, e164, -1, SQLITE_STATIC);
	int err = store_step_row(st);
	if (err == ERR_OK) {
		*user_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return err;
}

int store_member_sms_stop(struct store *s, int64_t user_id, int64_t at)
{
	return store_exec_ids(s, ST_MEMBER_SMS_STOP, user_id, at);
}

int store_message_via_sms(struct store *s, int64_t id)
{
	return store_exec_ids(s, ST_MESSAGE_VIA_SMS, id, 0);
}

int store_message_no_sms(struct store *s, int64_t id)
{
	return store_exec_ids(s, ST_MESSAGE_NO_SMS, id, 0);
}
