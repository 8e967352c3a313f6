/*
 * store_admin.c - listings and provisioning checks for indgang-admin
 * (see store_admin.h).  Each call prepares its statement with
 * sqlite3_prepare_v2 and finalizes it: the tool is one-shot, so caching
 * them in struct store would only cost the gateway memory.
 */
#include "store_admin.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/text.h"
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

	if (role_parse(col_str(st, 3), &r.role) != 0)
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

/* ---- Access log (GDPR art. 15) ------------------------------------------------ */

struct access_cb {
	store_admin_access_fn fn;
	void *ctx;
};

static int access_row(sqlite3_stmt *st, void *arg)
{
	const struct access_cb *cb = arg;
	struct store_admin_access r = {
	    .id = sqlite3_column_int64(st, 0),
	    .at = sqlite3_column_int64(st, 1),
	    .kind = col_str(st, 2),
	    .actor_id = sqlite3_column_int64(st, 3),
	    .actor = col_str(st, 4),
	    .username = col_str(st, 5),
	    .role = col_str(st, 6),
	    .conv_id = sqlite3_column_int64(st, 7),
	    .conv = col_str(st, 8),
	    .what = col_str(st, 9),
	};

	return cb->fn(cb->ctx, &r);
}

int store_admin_access_log(struct store *s, const struct store_log_range *r,
                           store_admin_access_fn fn, void *ctx)
{
	struct access_cb cb = {fn, ctx};
	sqlite3_stmt *st;
	int err = ERR_OK,
	    rc = sqlite3_prepare_v2(
	        store_db(s),
	        "SELECT l.id, l.at, l.kind, ifnull(l.actor_id, 0), ifnull(u.name, ''), "
	        "ifnull(u.username, ''), ifnull(u.role, ''), ifnull(l.conv_id, 0), "
	        "ifnull(c.title, ''), l.detail FROM contact_log l "
	        "LEFT JOIN users u ON u.id = l.actor_id "
	        "LEFT JOIN conversations c ON c.id = l.conv_id "
	        "WHERE l.family_id = ?1 AND l.id > ?4 AND l.id <= ?5 "
	        "AND l.kind IN ('access', 'denied') AND l.at >= ?2 AND l.at < ?3 "
	        "ORDER BY l.id LIMIT ?6",
	        -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_err(rc);
	store_bind_range(st, r);
	while (err == ERR_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = access_row(st, &cb);
	if (err == ERR_OK && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_finalize(st);
	return err;
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

/* ---- Files: size, backup, verification, upgrades -------------------------------- */

/* The first column of the first row of sql, as an integer (0 without one). */
static int64_t query_int(sqlite3 *db, const char *sql, int *err)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		*err = store_err(rc);
		return 0;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		*err = store_err(rc);
	sqlite3_finalize(st);
	return v;
}

static int64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

int store_admin_size(struct store *s, int64_t *db_bytes, int64_t *wal_bytes)
{
	int err = ERR_OK;
	sqlite3 *db = store_db(s);
	int64_t pages = query_int(db, "PRAGMA page_count", &err);
	int64_t size = query_int(db, "PRAGMA page_size", &err);
	*db_bytes = err ? -1 : pages * size;
	*wal_bytes = -1;
	const char *name = sqlite3_db_filename(db, "main");
	if (name != NULL && name[0] != '\0') {
		char wal[4096];
		snprintf(wal, sizeof wal, "%s-wal", name);
		int64_t n = file_size(wal);
		*wal_bytes = n < 0 ? 0 : n;
	}
	return err;
}

static int open_readonly(const char *path, sqlite3 **db)
{
	int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(*db, 5000);
	return store_err(rc);
}

int store_admin_peek_version(const char *path, int *version)
{
	*version = 0;
	if (file_size(path) <= 0)
		return ERR_NOT_FOUND;
	sqlite3 *db = NULL;
	int err = open_readonly(path, &db);
	if (err == ERR_OK)
		*version = (int)query_int(db, "PRAGMA user_version", &err);
	sqlite3_close(db);
	return err;
}

__attribute__((format(printf, 3, 4))) static int say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return ERR_UNAVAILABLE;
}

/* fsync a file, then the directory holding it, so a rename survives a crash. */
static int sync_file_and_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	char copy[4096];
	text_copy(copy, sizeof copy, path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Copies every page of src into dst in one step (one read transaction). */
static int backup_pages(sqlite3 *src, sqlite3 *dst, char *why, size_t cap)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL)
		return say(why, cap, "cannot start the backup: %s", sqlite3_errmsg(dst));
	int rc;
	for (int tries = 0; tries < 100; tries++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_sleep(50);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return say(why, cap, "copying failed: %s", sqlite3_errstr(rc));
	/* One self-contained file: no -wal or -shm beside the copy. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
		return say(why, cap, "finishing the copy failed: %s", sqlite3_errmsg(dst));
	return ERR_OK;
}

int store_admin_backup(const char *src, const char *dest, char *why, size_t why_cap)
{
	char tmp[4096];
	sqlite3 *in = NULL, *out = NULL;
	int err;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", dest) >= (int)sizeof tmp)
		return say(why, why_cap, "the path is too long");
	if (access(dest, F_OK) == 0)
		return say(why, why_cap, "%s exists already; give a new name", dest);
	if (file_size(src) <= 0)
		return say(why, why_cap, "no database at %s", src);
	unlink(tmp);
	if (sqlite3_open_v2(src, &in, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err = say(why, why_cap, "cannot open %s: %s", src, sqlite3_errmsg(in));
		goto done;
	}
	sqlite3_busy_timeout(in, 5000);
	if (sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		err = say(why, why_cap, "cannot create %s: %s", tmp, strerror(errno));
		goto done;
	}
	err = backup_pages(in, out, why, why_cap);
	if (sqlite3_close(out) != SQLITE_OK && err == ERR_OK)
		err = say(why, why_cap, "closing %s failed", tmp);
	out = NULL;
	if (err == ERR_OK && sync_file_and_dir(tmp) != 0)
		err = say(why, why_cap, "cannot sync %s: %s", tmp, strerror(errno));
	if (err == ERR_OK && rename(tmp, dest) != 0)
		err = say(why, why_cap, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
	if (err == ERR_OK && sync_file_and_dir(dest) != 0)
		err = say(why, why_cap, "cannot sync %s: %s", dest, strerror(errno));
done:
	sqlite3_close(out);
	sqlite3_close(in);
	if (err != ERR_OK)
		unlink(tmp);
	return err;
}

/* The first row of PRAGMA integrity_check: "ok" or the first problem. */
static void integrity(sqlite3 *db, struct store_admin_report *r)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, NULL) != SQLITE_OK) {
		snprintf(r->problem, sizeof r->problem, "integrity check: %s", sqlite3_errmsg(db));
		return;
	}
	if (sqlite3_step(st) != SQLITE_ROW)
		snprintf(r->problem, sizeof r->problem, "integrity check: %s", sqlite3_errmsg(db));
	else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		snprintf(r->problem, sizeof r->problem, "integrity check: %s",
		         (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void counts(sqlite3 *db, struct store_admin_report *r, int *err)
{
	r->users =
	    query_int(db, "SELECT count(*) FROM users WHERE username IS NOT '#console'", err);
	r->staff = query_int(db,
	                     "SELECT count(*) FROM users WHERE role <> 'family' "
	                     "AND username IS NOT '#console'",
	                     err);
	r->members = query_int(db, "SELECT count(*) FROM users WHERE role = 'family'", err);
	r->families = query_int(db, "SELECT count(*) FROM families", err);
	r->conversations = query_int(db, "SELECT count(*) FROM conversations", err);
	r->messages = query_int(db, "SELECT count(*) FROM messages", err);
	r->devices = query_int(db, "SELECT count(*) FROM devices WHERE revoked_at IS NULL", err);
	r->log_rows = query_int(db, "SELECT count(*) FROM contact_log", err);
	r->last_message_id = query_int(db, "SELECT ifnull(max(id), 0) FROM messages", err);
	r->last_message_at = query_int(db, "SELECT ifnull(max(created_at), 0) FROM messages", err);
}

static void journal_mode(sqlite3 *db, struct store_admin_report *r)
{
	sqlite3_stmt *st;
	text_copy(r->journal_mode, sizeof r->journal_mode, "unknown");
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		text_copy(r->journal_mode, sizeof r->journal_mode,
		          (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

int store_admin_verify(const char *path, bool check, struct store_admin_report *r)
{
	sqlite3 *db = NULL;
	int err = ERR_OK;
	memset(r, 0, sizeof *r);
	if (file_size(path) <= 0)
		return ERR_NOT_FOUND;
	if ((err = open_readonly(path, &db)) != ERR_OK)
		goto done;
	r->schema_version = (int)query_int(db, "PRAGMA user_version", &err);
	if (err != ERR_OK)
		goto done; /* not a database at all */
	r->bytes =
	    query_int(db, "PRAGMA page_count", &err) * query_int(db, "PRAGMA page_size", &err);
	journal_mode(db, r);
	if (check)
		integrity(db, r);
	if (check && r->problem[0] == '\0' &&
	    query_int(db, "SELECT count(*) FROM pragma_foreign_key_check", &err) != 0)
		text_copy(r->problem, sizeof r->problem, "foreign key check: dangling references");
	if (r->problem[0] == '\0' &&
	    (r->schema_version < 1 || r->schema_version > STORE_SCHEMA_VERSION))
		snprintf(r->problem, sizeof r->problem,
		         "schema version %d is not one this build knows (1 to %d)",
		         r->schema_version, STORE_SCHEMA_VERSION);
	if (r->problem[0] == '\0')
		counts(db, r, &err);
	if (r->problem[0] == '\0' && err != ERR_OK)
		snprintf(r->problem, sizeof r->problem, "reading the tables: %s",
		         sqlite3_errmsg(db));
	r->ok = r->problem[0] == '\0';
	err = ERR_OK;
done:
	sqlite3_close(db);
	return err;
}

/* Hands every row of sql to fn as a struct store_admin_file: columns
 * sha256 (or NULL), spool id (or 0), first attachment id, rows. */
static int each_file(sqlite3 *db, const char *sql, store_admin_file_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int err = ERR_OK, rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	while (err == ERR_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_admin_file f = {
		    .sha256 = (const char *)sqlite3_column_text(st, 0),
		    .spool_id = sqlite3_column_int64(st, 1),
		    .attachment_id = sqlite3_column_int64(st, 2),
		    .n_rows = sqlite3_column_int64(st, 3),
		};
		err = fn(ctx, &f);
	}
	if (err == ERR_OK && rc != SQLITE_DONE)
		err = store_err(rc);
	sqlite3_finalize(st);
	return err;
}

int store_admin_files(const char *path, store_admin_file_fn fn, void *ctx)
{
	sqlite3 *db = NULL;
	int err = ERR_OK;
	if (file_size(path) <= 0)
		return ERR_NOT_FOUND;
	if ((err = open_readonly(path, &db)) != ERR_OK)
		goto done;
	/* One read transaction: the spool files and the stored ones of one commit. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		err = store_err(sqlite3_errcode(db));
		goto done;
	}
	if (query_int(db,
	              "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
	              "AND name = 'attachments'",
	              &err) == 0)
		goto done; /* older than schema 16, or not readable (err says) */
	err = each_file(db,
	                "SELECT NULL, id, id, 1 FROM attachments WHERE state = 'checking' "
	                "ORDER BY id",
	                fn, ctx);
	/* A file may be shared by several rows (the same content sent twice, a
	 * photo and its thumbnail alike): grouped, it is copied and hashed once.
	 * The grouping sorts in SQLite's temporary storage, not in our memory. */
	if (err == ERR_OK)
		err = each_file(db,
		                "SELECT sha, 0, min(id), count(*) FROM ("
		                "  SELECT sha256 AS sha, id FROM attachments "
		                "  WHERE state = 'ready' AND sha256 IS NOT NULL "
		                "  UNION ALL "
		                "  SELECT thumb_sha256, id FROM attachments "
		                "  WHERE state = 'ready' AND thumb_sha256 IS NOT NULL) "
		                "GROUP BY sha ORDER BY sha",
		                fn, ctx);
done:
	sqlite3_close(db); /* ends the read transaction */
	return err;
}

int store_admin_backup_before_migrate(const char *path, int64_t now_ms, char *backup,
                                      size_t backup_cap, char *why, size_t why_cap)
{
	int version;
	backup[0] = '\0';
	if (strcmp(path, ":memory:") == 0)
		return ERR_OK;
	int err = store_admin_peek_version(path, &version);
	if (err == ERR_NOT_FOUND ||
	    (err == ERR_OK && (version == 0 || version == STORE_SCHEMA_VERSION)))
		return ERR_OK;
	if (err != ERR_OK)
		return say(why, why_cap, "cannot read the schema version of %s", path);
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(why, why_cap,
		         "%s has schema version %d, made by a newer Indgang (this one knows up to "
		         "%d); restore a backup or install the newer version",
		         path, version, STORE_SCHEMA_VERSION);
		return ERR_CONFLICT;
	}
	char ts[32], stamp[32];
	text_format_ts(now_ms, ts); /* 2026-11-23T10:15:30.123Z -> 20261123T101530Z */
	size_t o = 0;
	for (const char *p = ts; *p && *p != '.' && o + 2 < sizeof stamp; p++)
		if (*p != '-' && *p != ':')
			stamp[o++] = *p;
	stamp[o++] = 'Z';
	stamp[o] = '\0';
	if (snprintf(backup, backup_cap, "%s.schema-%d.%s.bak", path, version, stamp) >=
	    (int)backup_cap)
		return say(why, why_cap, "the path is too long");
	err = store_admin_backup(path, backup, why, why_cap);
	if (err != ERR_OK)
		backup[0] = '\0';
	return err;
}
