/*
 * test_store.c - the store on real files: schema migrations, WAL and
 * foreign keys, invites, tokens, and that a reader connection always sees
 * what another connection committed (no statement may pin a snapshot).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_int.h"

static char dir[] = "/tmp/indgang-test-store-XXXXXX";
static char path[256];

static int pragma_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_open_and_migrate(void)
{
	struct store *s;
	CHECK_EQ(store_open(path, &s), ERR_OK);
	CHECK_EQ(store_schema_version(s), STORE_SCHEMA_VERSION);
	CHECK_EQ(pragma_int(s, "PRAGMA foreign_keys"), 1);
	CHECK_EQ(pragma_int(s, "PRAGMA synchronous"), 2); /* FULL */
	sqlite3_stmt *st;
	sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &st, NULL);
	CHECK(sqlite3_step(st) == SQLITE_ROW &&
	      strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0);
	sqlite3_finalize(st);
	store_close(s);
	/* Reopening an up-to-date file changes nothing. */
	CHECK_EQ(store_open(path, &s), ERR_OK);
	CHECK_EQ(store_schema_version(s), STORE_SCHEMA_VERSION);
	/* A file from a newer Indgang is refused, not damaged. */
	sqlite3_exec(store_db(s), "PRAGMA user_version = 99", NULL, NULL, NULL);
	store_close(s);
	CHECK_EQ(store_open(path, &s), ERR_CONFLICT);
	sqlite3 *db;
	sqlite3_open(path, &db);
	char restore[64];
	snprintf(restore, sizeof restore, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	sqlite3_exec(db, restore, NULL, NULL, NULL);
	sqlite3_close(db);
}

/* A file at schema 1 (before the health table) is migrated to the current
 * schema, keeping its data. */
static void test_migrate_from_v1(void)
{
	char p[300];
	snprintf(p, sizeof p, "%s/v1.db", dir);
	struct store *s;
	int64_t team;
	CHECK_EQ(store_open(p, &s), ERR_OK);
	CHECK_EQ(store_team_create(s, "Team Nord", &team), ERR_OK);
	CHECK_EQ(sqlite3_exec(store_db(s), "DROP TABLE health; PRAGMA user_version = 1", NULL, NULL,
	                      NULL),
	         SQLITE_OK);
	store_close(s);
	CHECK_EQ(store_open(p, &s), ERR_OK);
	CHECK_EQ(store_schema_version(s), STORE_SCHEMA_VERSION);
	CHECK_EQ(store_health(s), ERR_OK);
	CHECK_EQ(pragma_int(s, "SELECT count(*) FROM health"), 1);
	int64_t found = 0;
	CHECK_EQ(store_team_by_name(s, "Team Nord", &found), ERR_OK);
	CHECK_EQ(found, team);
	store_close(s);
}

/* An empty file at user_version 0 is an old schema: it is migrated. */
static void test_migrate_empty(void)
{
	char p[300];
	snprintf(p, sizeof p, "%s/old.db", dir);
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_exec(db, "CREATE TABLE unrelated(x); PRAGMA user_version = 0", NULL, NULL, NULL);
	sqlite3_close(db);
	struct store *s;
	CHECK_EQ(store_open(p, &s), ERR_OK);
	CHECK_EQ(store_schema_version(s), STORE_SCHEMA_VERSION);
	CHECK_EQ(pragma_int(s, "SELECT count(*) FROM unrelated"), 0);
	store_close(s);
}

static void test_reader_sees_commits(struct world *w)
{
	struct store *reader;
	CHECK_EQ(store_open(path, &reader), ERR_OK);
	struct store_user anna = world_user(w, w->anna);
	struct conv_list convs = {0};
	CHECK_EQ(store_user_conversations(reader, &anna, &convs), ERR_OK);
	conv_list_free(&convs);
	int64_t before;
	CHECK_EQ(store_last_visible_id(reader, &anna, &before), ERR_OK);
	struct msg m = {0};
	CHECK_EQ(store_message_insert(w->s, w->conv_a, w->mette, KIND_TEXT, "hej", "r-1",
	                              text_now_ms(), &m),
	         ERR_OK);
	int64_t after;
	CHECK_EQ(store_last_visible_id(reader, &anna, &after), ERR_OK);
	CHECK_EQ(after, m.id);
	CHECK(after > before);
	struct msg_list l = {0};
	bool more;
	CHECK_EQ(store_sync(reader, &anna, before, 10, &l, &more), ERR_OK);
	CHECK_EQ(l.n, 1);
	msg_list_free(&l);
	msg_clear(&m);
	store_close(reader);
}

static void test_invites_and_tokens(struct world *w)
{
	int64_t now = text_now_ms(), member;
	CHECK_EQ(store_invite_insert(w->s, "ABCDE-FGHJK", w->mette, w->anna, now, now + 1000),
	         ERR_OK);
	CHECK_EQ(store_invite_insert(w->s, "OLDOL-DOLDO", w->mette, w->anna, now - 5000, now - 1),
	         ERR_OK);
	CHECK_EQ(store_invite_consume(w->s, "NOPE0-NOPE0", now, &member), ERR_UNAUTHORIZED);
	CHECK_EQ(store_invite_consume(w->s, "OLDOL-DOLDO", now, &member), ERR_GONE);
	CHECK_EQ(store_invite_consume(w->s, "ABCDE-FGHJK", now, &member), ERR_OK);
	CHECK_EQ(member, w->mette);
	CHECK_EQ(store_invite_consume(w->s, "ABCDE-FGHJK", now, &member), ERR_GONE);

	uint8_t hash[32];
	memset(hash, 7, sizeof hash);
	int64_t dev, tid;
	struct store_token t;
	CHECK_EQ(store_device_insert(w->s, w->mette, "phone", now, &dev), ERR_OK);
	CHECK_EQ(store_token_insert(w->s, hash, w->mette, dev, now, now + 60000, &tid), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now, &t), ERR_OK);
	CHECK_EQ(t.device_id, dev);
	CHECK_EQ(store_token_lookup(w->s, hash, now + 60000, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(store_device_revoke(w->s, dev, now), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now, &t), ERR_UNAUTHORIZED);
	/* A deactivated user's tokens stop working. */
	memset(hash, 9, sizeof hash);
	CHECK_EQ(store_token_insert(w->s, hash, w->anna, 0, now, now + 60000, &tid), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now, &t), ERR_OK);
	CHECK_EQ(store_user_set_active(w->s, w->anna, false), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(store_user_set_active(w->s, w->anna, true), ERR_OK);
}

/* Strict tables and foreign keys refuse nonsense. */
static void test_constraints(struct world *w)
{
	int64_t id, conv;
	CHECK_EQ(store_staff_create(w->s, ROLE_ADVISER, "anna", "Another Anna", "x", &id),
	         ERR_CONFLICT);
	CHECK_EQ(store_family_create(w->s, "X", 999, w->anna, w->bo, 0, &id, &conv), ERR_CONFLICT);
	CHECK_EQ(store_family_create(w->s, "X", 1, w->anna, w->anna, 0, &id, &conv),
	         ERR_BAD_REQUEST);
	CHECK_EQ(store_family_create(w->s, "X", 1, w->anna, w->mette, 0, &id, &conv),
	         ERR_BAD_REQUEST);
	/* A restricted conversation only takes members of its own family. */
	CHECK_EQ(store_conv_create(w->s, w->fam_a, "x", &w->amina, 1, 0, &conv), ERR_BAD_REQUEST);
	/* Handover keeps the history with the family. */
	CHECK_EQ(store_family_set_pair(w->s, w->fam_a, w->carl, w->bo), ERR_OK);
	struct store_user carl = world_user(w, w->carl);
	struct msg_list l = {0};
	bool more;
	CHECK_EQ(store_sync(w->s, &carl, 0, 500, &l, &more), ERR_OK);
	CHECK(l.n > 0);
	msg_list_free(&l);
	CHECK_EQ(store_family_set_pair(w->s, w->fam_a, w->anna, w->bo), ERR_OK);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/indgang.db", dir);
	struct world w;
	if (world_build(&w, path) != ERR_OK) {
		fprintf(stderr, "cannot build the world\n");
		return 1;
	}
	test_open_and_migrate();
	test_migrate_empty();
	test_migrate_from_v1();
	test_reader_sees_commits(&w);
	test_invites_and_tokens(&w);
	test_constraints(&w);
	world_free(&w);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("store");
}
