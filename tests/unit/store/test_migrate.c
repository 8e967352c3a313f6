/*
 * test_migrate.c - a database of every released schema version
 * (fixtures/schema-N.sql) opens with this build: it is copied aside first
 * (store_admin_backup_before_migrate), migrated in place, keeps every row,
 * and passes store_admin_verify; a newer schema is refused untouched.  Also
 * the metrics' bookkeeping and the /metrics address rule.
 */
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/api/api.h"
#include "core/auth/auth.h"
#include "core/common/err.h"
#include "core/metrics/metrics.h"
#include "core/store/store_admin.h"

static char dir[] = "/tmp/indgang-test-migrate-XXXXXX";

/* tests/unit/fixtures/, beside this source file's folder. */
static void fixture_path(int version, char *out, size_t cap)
{
	char src[1024];
	snprintf(src, sizeof src, "%s", __FILE__);
	snprintf(out, cap, "%s/../fixtures/schema-%d.sql", dirname(src), version);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Builds a database file from a fixture's SQL; 0 on success. */
static int load_fixture(int version, const char *db)
{
	char path[1200];
	sqlite3 *h;
	fixture_path(version, path, sizeof path);
	char *sql = read_file(path);
	if (sql == NULL) {
		fprintf(stderr, "no fixture %s\n", path);
		return -1;
	}
	unlink(db);
	int rc = sqlite3_open(db, &h);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	free(sql);
	return rc == SQLITE_OK ? 0 : -1;
}

static int64_t count(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

static void test_released_version(int version)
{
	char db[300], backup[400], why[256];
	snprintf(db, sizeof db, "%s/v%d.db", dir, version);
	CHECK_EQ(load_fixture(version, db), 0);
	int64_t messages = count(db, "SELECT count(*) FROM messages");
	int64_t users = count(db, "SELECT count(*) FROM users");
	CHECK(messages > 0 && users > 0);
	CHECK_EQ(count(db, "PRAGMA user_version"), version);

	CHECK_EQ(store_admin_backup_before_migrate(db, 1795400000000, backup, sizeof backup, why,
	                                           sizeof why),
	         ERR_OK);
	if (version < STORE_SCHEMA_VERSION) {
		char want[400];
		snprintf(want, sizeof want, "%s.schema-%d.20261123T021320Z.bak", db, version);
		CHECK_STR(backup, want);
		CHECK_EQ(count(backup, "PRAGMA user_version"), version);
		CHECK_EQ(count(backup, "SELECT count(*) FROM messages"), messages);
		struct store_admin_report r;
		CHECK_EQ(store_admin_verify(backup, true, &r), ERR_OK);
		CHECK(r.ok);
	} else {
		CHECK_STR(backup, ""); /* nothing to do for the current schema */
	}

	struct store *s;
	CHECK_EQ(store_open(db, &s), ERR_OK);
	CHECK_EQ(store_schema_version(s), STORE_SCHEMA_VERSION);
	CHECK_EQ(store_health(s), ERR_OK); /* the table migration 2 added works */
	struct store_user u;
	char pw[256];
	CHECK_EQ(store_user_by_username(s, "anna", &u, pw, sizeof pw), ERR_OK);
	CHECK(strncmp(pw, "$argon2id$", 10) == 0);
	store_close(s);
	CHECK_EQ(count(db, "SELECT count(*) FROM messages"), messages);
	CHECK_EQ(count(db, "SELECT count(*) FROM users"), users);
	struct store_admin_report r;
	CHECK_EQ(store_admin_verify(db, true, &r), ERR_OK);
	CHECK(r.ok);
	CHECK_EQ(r.schema_version, STORE_SCHEMA_VERSION);
	CHECK_EQ(r.messages, messages);
}

/* Migration 17 finds which conversations need an answer from their
 * history: in schema 16's, Mette wrote three times and Anna answered (5),
 * then Anna wrote a note; Amina's one message (8) is unanswered. */
static void test_waiting_backfilled(void)
{
	char db[300];
	snprintf(db, sizeof db, "%s/w16.db", dir);
	CHECK_EQ(load_fixture(16, db), 0);
	struct store *s;
	CHECK_EQ(store_open(db, &s), ERR_OK);
	store_close(s);
	CHECK_EQ(
	    count(db, "SELECT ifnull((SELECT waiting_from FROM conv_state WHERE conv_id = 1), -1)"),
	    0);
	CHECK_EQ(count(db, "SELECT answered_upto FROM conv_state WHERE conv_id = 1"), 5);
	CHECK_EQ(count(db, "SELECT answered_by FROM conv_state WHERE conv_id = 1"), 3);
	CHECK_EQ(count(db, "SELECT answered_how = 'reply' FROM conv_state WHERE conv_id = 1"), 1);
	CHECK_EQ(count(db, "SELECT waiting_from FROM conv_state WHERE conv_id = 2"), 8);
	CHECK_EQ(count(db, "SELECT waiting_since FROM conv_state WHERE conv_id = 2"),
	         1796494473153);
	CHECK_EQ(count(db, "SELECT answered_how = '' FROM conv_state WHERE conv_id = 2"), 1);
	/* 18: the wait found is looked at for escalation at once */
	CHECK_EQ(count(db, "SELECT escalate_at FROM conv_state WHERE conv_id = 2"), 1796494473153);
	CHECK_EQ(count(db, "SELECT escalate_at FROM conv_state WHERE conv_id = 1"), 0);
	CHECK_EQ(count(db, "SELECT answer_minutes FROM teams WHERE id = 1"), 450);
}

/* Migration 6 keeps invite codes only as hashes: a code still open in a
 * schema-5 database enrols after the upgrade, and its text is gone. */
static void test_invites_hashed(void)
{
	char db[300], backup[400], why[256], hash[AUTH_INVITE_HASH_LEN + 1];
	snprintf(db, sizeof db, "%s/invites.db", dir);
	CHECK_EQ(load_fixture(5, db), 0);
	CHECK_EQ(count(db, "SELECT count(*) FROM invites WHERE code = 'MVD4T-M4TB9'"), 1);
	CHECK_EQ(store_admin_backup_before_migrate(db, 1795400000000, backup, sizeof backup, why,
	                                           sizeof why),
	         ERR_OK);
	struct store *s;
	int64_t member, by;
	CHECK_EQ(store_open(db, &s), ERR_OK);
	CHECK_EQ(auth_invite_hash("MVD4T-M4TB9", hash), 0);
	CHECK_EQ(store_invite_consume(s, hash, 1795500000000, &member, &by), ERR_OK);
	CHECK_EQ(member, 10);
	CHECK_EQ(store_invite_consume(s, "MVD4T-M4TB9", 1795500000000, &member, &by),
	         ERR_UNAUTHORIZED);
	store_close(s);
	CHECK_EQ(count(db, "SELECT count(*) FROM invites WHERE code_hash LIKE '%-%'"), 0);
}

static void test_newer_refused(void)
{
	char db[300], backup[400], why[256];
	snprintf(db, sizeof db, "%s/newer.db", dir);
	CHECK_EQ(load_fixture(STORE_SCHEMA_VERSION, db), 0);
	sqlite3 *h;
	sqlite3_open(db, &h);
	sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(h);
	CHECK_EQ(store_admin_backup_before_migrate(db, 1795400000000, backup, sizeof backup, why,
	                                           sizeof why),
	         ERR_CONFLICT);
	CHECK(strstr(why, "newer") != NULL);
	struct store *s = NULL;
	CHECK(store_open(db, &s) != ERR_OK);
	CHECK_EQ(count(db, "PRAGMA user_version"), 99);
}

static void test_backup_refuses_existing(void)
{
	char db[300], dest[400], why[256];
	snprintf(db, sizeof db, "%s/v2.db", dir);
	snprintf(dest, sizeof dest, "%s/copy.db", dir);
	CHECK_EQ(store_admin_backup(db, dest, why, sizeof why), ERR_OK);
	CHECK_EQ(access(dest, F_OK), 0);
	CHECK(store_admin_backup(db, dest, why, sizeof why) != ERR_OK);
	CHECK(strstr(why, "exists") != NULL);
	CHECK(store_admin_backup("/nonexistent/x.db", dest, why, sizeof why) != ERR_OK);
}

struct seen_files {
	int n;
	char what[8][80];
};

static int seen_file(void *ctx, const struct store_admin_file *f)
{
	struct seen_files *s = ctx;
	if (s->n < 8)
		snprintf(s->what[s->n], sizeof s->what[0], "%.4s %lld %lld %lld",
		         f->sha256 ? f->sha256 : "-", (long long)f->spool_id,
		         (long long)f->attachment_id, (long long)f->n_rows);
	s->n++;
	return ERR_OK;
}

/* store_admin_files: the spool files of uploads being checked, then each
 * file the ready rows name, once, by name; nothing for an older schema. */
static void test_files(void)
{
	char db[300];
	struct seen_files s = {0};
	snprintf(db, sizeof db, "%s/v15.db", dir);
	CHECK_EQ(load_fixture(15, db), 0);
	CHECK_EQ(store_admin_files(db, seen_file, &s), ERR_OK);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(store_admin_files("/nonexistent/x.db", seen_file, &s), ERR_NOT_FOUND);

	snprintf(db, sizeof db, "%s/v%d.db", dir, STORE_SCHEMA_VERSION); /* migrated above */
	sqlite3 *h;
	CHECK_EQ(sqlite3_open(db, &h), SQLITE_OK);
	CHECK_EQ(sqlite3_exec(h,
	                      "DELETE FROM attachments;"
	                      "INSERT INTO attachments(id, owner_id, state, size, sha256, "
	                      "thumb_sha256, created_at) VALUES "
	                      "(7, (SELECT min(id) FROM users), 'ready', 1, 'bbbb', 'aaaa', 1),"
	                      "(8, (SELECT min(id) FROM users), 'ready', 1, 'bbbb', 'aaaa', 1),"
	                      "(9, (SELECT min(id) FROM users), 'ready', 1, 'cccc', NULL, 1),"
	                      "(10, (SELECT min(id) FROM users), 'checking', 1, NULL, NULL, 1),"
	                      "(11, (SELECT min(id) FROM users), 'rejected', 1, NULL, NULL, 1),"
	                      "(12, (SELECT min(id) FROM users), 'receiving', 1, NULL, NULL, 1),"
	                      "(13, (SELECT min(id) FROM users), 'checking', 1, NULL, NULL, 1);",
	                      NULL, NULL, NULL),
	         SQLITE_OK);
	sqlite3_close(h);
	CHECK_EQ(store_admin_files(db, seen_file, &s), ERR_OK);
	CHECK_EQ(s.n, 5);
	CHECK_STR(s.what[0], "- 10 10 1");
	CHECK_STR(s.what[1], "- 13 13 1");
	CHECK_STR(s.what[2], "aaaa 0 7 2");
	CHECK_STR(s.what[3], "bbbb 0 7 2");
	CHECK_STR(s.what[4], "cccc 0 9 1");
}

static void test_metrics(void)
{
	struct metrics *m = metrics_create("9.9.9", "test");
	metrics_inc(m, MC_MSG_STORED);
	metrics_add(m, MC_MSG_STORED, 2);
	metrics_gauge_add(m, MG_CONN_FAMILY, 2);
	metrics_gauge_add(m, MG_CONN_FAMILY, -1);
	metrics_error(m, MT_WS, ERR_FORBIDDEN);
	metrics_error(m, MT_WS, ERR_OK); /* not an error: ignored */
	metrics_commit(m, 1500, 3);
	metrics_commit(m, 3000000, 2000);
	struct metrics_extra x = {
	    .db_bytes = 4096, .wal_bytes = 0, .schema_version = 2, .now_ms = 0};
	char *text = metrics_render(m, &x);
	CHECK(text != NULL);
	if (text != NULL) {
		CHECK(strstr(text, "indgang_messages_stored_total 3\n") != NULL);
		CHECK(strstr(text, "indgang_connections{role=\"family\"} 1\n") != NULL);
		CHECK(
		    strstr(text, "indgang_errors_total{transport=\"ws\",code=\"forbidden\"} 1\n"));
		CHECK(strstr(text, "indgang_commit_duration_seconds_bucket{le=\"0.0025\"} 1\n"));
		CHECK(strstr(text, "indgang_commit_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
		CHECK(strstr(text, "indgang_commit_duration_seconds_count 2\n"));
		CHECK(strstr(text, "indgang_commit_batch_jobs_bucket{le=\"4\"} 1\n"));
		CHECK(strstr(text, "indgang_database_bytes{file=\"db\"} 4096\n"));
		CHECK(strstr(text, "indgang_build_info{version=\"9.9.9\",schema=\"2\"") != NULL);
	}
	free(text);
	metrics_destroy(m);
	metrics_inc(NULL, MC_MSG_STORED); /* NULL counts nothing, safely */
}

static void test_addr_allowed(void)
{
	const char *const allow[] = {"127.0.0.1", "10.20.0.0/16", "192.0.2.7/32", NULL};
	CHECK(api_addr_allowed("127.0.0.1", allow));
	CHECK(api_addr_allowed("10.20.255.1", allow));
	CHECK(!api_addr_allowed("10.21.0.1", allow));
	CHECK(api_addr_allowed("192.0.2.7", allow));
	CHECK(!api_addr_allowed("192.0.2.8", allow));
	CHECK(!api_addr_allowed("127.0.0.2", allow));
	CHECK(!api_addr_allowed("", allow));
	CHECK(!api_addr_allowed("127.0.0.1", NULL));
	const char *const all[] = {"0.0.0.0/0", NULL};
	CHECK(api_addr_allowed("203.0.113.9", all));
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	for (int v = 1; v <= STORE_SCHEMA_VERSION; v++)
		test_released_version(v);
	test_newer_refused();
	test_invites_hashed();
	test_waiting_backfilled();
	test_backup_refuses_existing();
	test_files();
	test_metrics();
	test_addr_allowed();
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("test_migrate");
}
