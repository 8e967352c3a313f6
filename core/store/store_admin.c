/*
 * store_admin.c - listings and provisioning checks for indgang-admin
 * (see store_admin.h).  Each call prepares its statement with
 * sqlite3_prepare_v2 and finalizes it: the tool is one-shot, so caching
 * them in struct store would only cost the gateway memory.
 */
#include "store_admin.h"

#include <sqlite3.h>

#include "../common/err.h"
#include "store_int.h"

/* Reads the current row of st and hands it to the caller's callback in arg. */
typedef int (*row_fn)(sqlite3_stmt *st, void *arg);

static const char *col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t != NULL ? (const char *)t : "";
}

/* Prepares sql, binds ?1 = arg when the statement has a parameter, and feeds each row to row. */
static int each_row(struct store *s, const char *sql, int64_t arg, row_fn row, void *cb)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL);
	int err = ERR_OK;

	if (rc != SQLITE_OK)
		return store_err(rc);
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	while (err == ERR_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = row(st, cb);
	if (err == ERR_OK && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_finalize(st);
	return err;
}

/* ---- Teams ----------------------------------------------------------------- */

struct team_cb {
	store_admin_team_fn fn;
	void *ctx;
};

static int team_row(sqlite3_stmt *st, void *arg)
{
	const struct team_cb *cb = arg;
	struct store_admin_team r = {
	    .id = sqlite3_column_int64(st, 0),
	    .name = col_str(st, 1),
	    .n_staff = sqlite3_column_int64(st, 2),
	    .n_families = sqlite3_column_int64(st, 3),
	};

	return cb->fn(cb->ctx, &r);
}

int store_admin_teams(struct store *s, store_admin_team_fn fn, void *ctx)
{
	struct team_cb cb = {fn, ctx};

	return each_row(s,
	                "SELECT t.id, t.name, "
	                "(SELECT count(*) FROM team_staff ts WHERE ts.team_id = t.id), "
	                "(SELECT count(*) FROM families f WHERE f.team_id = t.id) "
	                "FROM teams t ORDER BY t.id",
	                0, team_row, &cb);
}

/* ---- Staff ------------------------------------------------------------------- */

struct staff_cb {
	store_admin_staff_fn fn;
	void *ctx;
};

static int staff_row(sqlite3_stmt *st, void *arg)
{
	const struct staff_cb *cb = arg;
	struct store_admin_staff r = {
	    .id = sqlite3_column_int64(st, 0),
	    .username = col_str(st, 1),
	    .name = col_str(st, 2),
	    .active = sqlite3_column_int(st, 4) != 0,
	    .teams = col_str(st, 5),
	};

	if (codec_role_parse(col_str(st, 3), &r.role) != 0)
		return ERR_INTERNAL;
	return cb->fn(cb->ctx, &r);
}

int store_admin_staff(struct store *s, store_admin_staff_fn fn, void *ctx)
{
	struct staff_cb cb = {fn, ctx};

	return each_row(s,
	                "SELECT u.id, u.username, u.name, u.role, u.active, "
	                "ifnull((SELECT group_concat(name, ', ') FROM "
	                "  (SELECT t.name FROM team_staff ts JOIN teams t ON t.id = ts.team_id "
	                "   WHERE ts.user_id = u.id ORDER BY t.id)), '') "
	                "FROM users u WHERE u.role <> 'family' ORDER BY u.id",
	                0, staff_row, &cb);
}

/* ---- Families ---------------------------------------------------------------- */

struct family_cb {
	store_admin_family_fn fn;
	void *ctx;
};

static int family_row(sqlite3_stmt *st, void *arg)
{
	const struct family_cb *cb = arg;
	struct store_admin_family r = {
	    .id = sqlite3_column_int64(st, 0),
	    .name = col_str(st, 1),
	    .team_id = sqlite3_column_int64(st, 2),
	    .team = col_str(st, 3),
	    .primary_id = sqlite3_column_int64(st, 4),
	    .primary = col_str(st, 5),
	    .secondary_id = sqlite3_column_int64(st, 6),
	    .secondary = col_str(st, 7),
	    .conv_id = sqlite3_column_int64(st, 8),
	    .n_members = sqlite3_column_int64(st, 9),
	};

	return cb->fn(cb->ctx, &r);
}

int store_admin_families(struct store *s, int64_t family_id, store_admin_family_fn fn, void *ctx)
{
	struct family_cb cb = {fn, ctx};

	return each_row(s,
	                "SELECT f.id, f.name, f.team_id, t.name, f.primary_id, p.username, "
	                "f.secondary_id, q.username, ifnull(f.default_conv, 0), "
	                "(SELECT count(*) FROM users m WHERE m.family_id = f.id) "
	                "FROM families f JOIN teams t ON t.id = f.team_id "
	                "JOIN users p ON p.id = f.primary_id JOIN users q ON q.id = f.secondary_id "
	                "WHERE ?1 = 0 OR f.id = ?1 ORDER BY f.id",
	                family_id, family_row, &cb);
}

/* ---- Members ----------------------------------------------------------------- */

struct member_cb {
	store_admin_member_fn fn;
	void *ctx;
};

static int member_row(sqlite3_stmt *st, void *arg)
{
	const struct member_cb *cb = arg;
	struct store_admin_member r = {
	    .id = sqlite3_column_int64(st, 0),
	    .name = col_str(st, 1),
	    .family_id = sqlite3_column_int64(st, 2),
	    .family = col_str(st, 3),
	    .active = sqlite3_column_int(st, 4) != 0,
	    .n_devices = sqlite3_column_int64(st, 5),
	};

	return cb->fn(cb->ctx, &r);
}

int store_admin_members(struct store *s, int64_t family_id, store_admin_member_fn fn, void *ctx)
{
	struct member_cb cb = {fn, ctx};

	return each_row(s,
	                "SELECT u.id, u.name, u.family_id, f.name, u.active, "
	                "(SELECT count(*) FROM devices d WHERE d.user_id = u.id "
	                " AND d.revoked_at IS NULL) "
	                "FROM users u JOIN families f ON f.id = u.family_id "
	                "WHERE u.role = 'family' AND (?1 = 0 OR u.family_id = ?1) "
	                "ORDER BY u.family_id, u.id",
	                family_id, member_row, &cb);
}

/* ---- Devices ----------------------------------------------------------------- */

struct device_cb {
	store_admin_device_fn fn;
	void *ctx;
};

static int device_row(sqlite3_stmt *st, void *arg)
{
	const struct device_cb *cb = arg;
	struct store_admin_device r = {
	    .id = sqlite3_column_int64(st, 0),
	    .name = col_str(st, 1),
	    .user_id = sqlite3_column_int64(st, 2),
	    .user = col_str(st, 3),
	    .family_id = sqlite3_column_int64(st, 4),
	    .family = col_str(st, 5),
	    .created_at = sqlite3_column_int64(st, 6),
	    .revoked_at = sqlite3_column_int64(st, 7),
	};

	return cb->fn(cb->ctx, &r);
}

int store_admin_devices(struct store *s, int64_t family_id, store_admin_device_fn fn, void *ctx)
{
	struct device_cb cb = {fn, ctx};

	return each_row(s,
	                "SELECT d.id, d.name, d.user_id, u.name, ifnull(u.family_id, 0), "
	                "ifnull(f.name, ''), d.created_at, ifnull(d.revoked_at, 0) "
	                "FROM devices d JOIN users u ON u.id = d.user_id "
	                "LEFT JOIN families f ON f.id = u.family_id "
	                "WHERE ?1 = 0 OR u.family_id = ?1 ORDER BY d.id",
	                family_id, device_row, &cb);
}

/* ---- Checks and bulk updates -------------------------------------------------- */

int store_admin_in_team(struct store *s, int64_t team_id, int64_t user_id, bool *yes)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(store_db(s),
	                            "SELECT EXISTS (SELECT 1 FROM team_staff "
	                            "WHERE team_id = ?1 AND user_id = ?2)",
	                            -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_err(rc);
	sqlite3_bind_int64(st, 1, team_id);
	sqlite3_bind_int64(st, 2, user_id);
	rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ERR_OK : store_err(rc);
}

int store_admin_revoke_user_tokens(struct store *s, int64_t user_id, int64_t now, int64_t *n)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(store_db(s),
	                            "UPDATE tokens SET revoked_at = ?2 "
	                            "WHERE user_id = ?1 AND revoked_at IS NULL",
	                            -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_err(rc);
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (n != NULL)
		*n = sqlite3_changes(store_db(s));
	return ERR_OK;
}

int store_admin_console_actor(struct store *s, int64_t *id)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(
	    store_db(s), "SELECT id FROM users WHERE username = '" STORE_CONSOLE_USERNAME "'", -1,
	    &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return ERR_OK;
	if (rc != SQLITE_DONE)
		return store_err(rc);
	/* No password and inactive: the console account can never sign in. */
	int err = store_staff_create(s, ROLE_ADMIN, STORE_CONSOLE_USERNAME,
	                             "Console (indgang-admin)", NULL, id);
	return err ? err : store_user_set_active(s, *id, false);
}
