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
#include "core/route/route.h"
#include "world.h"
#include "core/api/access_log.h"
#include "core/auth/auth.h"
#include "core/codec/csv.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"
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
	CHECK_EQ(sqlite3_exec(store_db(s),
	                      "DROP INDEX push_queue_message; DROP INDEX scheduled_message;"
	                      "DROP TABLE data_requests;"
	                      "DROP TABLE case_records; DROP TABLE files_gone;"
	                      "DROP TABLE conv_state; DROP TABLE absences;"
	                      "DROP TABLE message_versions; DROP TABLE templates;"
	                      "ALTER TABLE families DROP COLUMN met_at;"
	                      "ALTER TABLE messages DROP COLUMN edited_at;"
	                      "ALTER TABLE messages DROP COLUMN withdrawn;"
	                      "ALTER TABLE teams DROP COLUMN answer_minutes;"
	                      "ALTER TABLE teams DROP COLUMN work_week;"
	                      "ALTER TABLE team_staff DROP COLUMN leader;"
	                      "DROP TABLE attachments; ALTER TABLE messages DROP COLUMN n_attach;"
	                      "DROP TABLE sms_outbox; ALTER TABLE messages DROP COLUMN no_sms;"
	                      "ALTER TABLE messages DROP COLUMN via;"
	                      "DROP INDEX users_phone; ALTER TABLE users DROP COLUMN phone;"
	                      "ALTER TABLE users DROP COLUMN sms_channel;"
	                      "ALTER TABLE users DROP COLUMN sms_consent_at;"
	                      "ALTER TABLE users DROP COLUMN sms_consent_by;"
	                      "ALTER TABLE users DROP COLUMN sms_stopped_at;"
	                      "ALTER TABLE tokens DROP COLUMN warned_at;"
	                      "ALTER TABLE tokens DROP COLUMN idle_ms;"
	                      "ALTER TABLE tokens DROP COLUMN last_used_at;"
	                      "DROP TABLE health;"
	                      "CREATE INDEX messages_family ON messages(family_id, id);"
	                      "ALTER TABLE invites RENAME COLUMN code_hash TO code;"
	                      "DROP TABLE deliveries; DROP TABLE scheduled;"
	                      "DROP TRIGGER push_subscriptions_gone; DROP TABLE push_queue;"
	                      "ALTER TABLE users DROP COLUMN push_content;"
	                      "DROP TABLE push_subscriptions;"
	                      "ALTER TABLE families DROP COLUMN quiet_start;"
	                      "ALTER TABLE families DROP COLUMN quiet_end;"
	                      "DROP INDEX contact_log_staff; DROP INDEX contact_log_family;"
	                      "CREATE INDEX contact_log_family ON contact_log(family_id, at);"
	                      "PRAGMA user_version = 1",
	                      NULL, NULL, NULL),
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
	CHECK_EQ(store_user_conversations(reader, &anna, 0, &convs), ERR_OK);
	conv_list_free(&convs);
	int64_t before;
	CHECK_EQ(store_last_visible_id(reader, &anna, &before), ERR_OK);
	struct msg m = {0};
	struct store_user mette = world_user(w, w->mette);
	CHECK_EQ(store_message_insert(w->s, w->conv_a, w->fam_a, &mette.ref, KIND_TEXT, "hej",
	                              "r-1", text_now_ms(), &m),
	         ERR_OK);
	CHECK_EQ(m.family, w->fam_a);
	CHECK_STR(m.sender.name, mette.ref.name);
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
	int64_t now = text_now_ms(), member, by;
	CHECK_EQ(store_invite_insert(w->s, "hash-of-good", w->mette, w->anna, now, now + 1000),
	         ERR_OK);
	CHECK_EQ(store_invite_insert(w->s, "hash-of-old", w->mette, w->anna, now - 5000, now - 1),
	         ERR_OK);
	CHECK_EQ(store_invite_consume(w->s, "hash-of-none", now, &member, &by), ERR_UNAUTHORIZED);
	CHECK_EQ(store_invite_consume(w->s, "hash-of-old", now, &member, &by), ERR_GONE);
	CHECK_EQ(store_invite_consume(w->s, "hash-of-good", now, &member, &by), ERR_OK);
	CHECK_EQ(member, w->mette);
	CHECK_EQ(by, w->anna);
	CHECK_EQ(store_invite_consume(w->s, "hash-of-good", now, &member, &by), ERR_GONE);

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

/* A phone that is used stays signed in: each use moves its end to a full
 * lifetime from then (a staff sign-in keeps its fixed end, test_token_idle). */
static void test_phone_sign_in_slides(struct world *w)
{
	int64_t now = text_now_ms(), day = 24 * 3600 * 1000LL, life = 180 * day, dev, tid;
	uint8_t hash[32];
	struct store_token t;
	memset(hash, 0x6b, sizeof hash);
	CHECK_EQ(store_device_insert(w->s, w->mette, "Mettes telefon", now, &dev), ERR_OK);
	CHECK_EQ(store_token_issue(w->s, hash, w->mette, dev, now, now + life, 90 * day, &tid),
	         ERR_OK);
	CHECK_EQ(store_token_touch(w->s, tid, now + 170 * day, life), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now + life + day, &t),
	         ERR_OK); /* past its first end */
	CHECK_EQ(t.expires_at, now + 170 * day + life);
	CHECK_EQ(store_token_touch(w->s, tid, now + 171 * day, 0), ERR_OK); /* no sliding asked */
	CHECK_EQ(store_token_lookup(w->s, hash, now + 171 * day, &t), ERR_OK);
	CHECK_EQ(t.expires_at, now + 170 * day + life);
	/* Unused past its idle limit it still ends. */
	CHECK_EQ(store_token_lookup(w->s, hash, now + 171 * day + 90 * day, &t), ERR_UNAUTHORIZED);
}

/* Idle limits: a token ends idle_ms after its last use; use moves that on
 * (never back), and the absolute expiry holds whatever the use. */
static void test_token_idle(struct world *w)
{
	int64_t now = text_now_ms(), tid, idle = 30 * 60 * 1000, life = 12 * 3600 * 1000LL;
	uint8_t hash[32];
	struct store_token t;
	memset(hash, 0x51, sizeof hash);
	CHECK_EQ(store_token_issue(w->s, hash, w->bo, 0, now, now + life, idle, &tid), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now + idle - 1, &t), ERR_OK);
	CHECK_EQ(t.idle_ms, idle);
	CHECK_EQ(t.last_used_at, now);
	CHECK_EQ(t.ended, AUTH_SESSION_LIVE);
	CHECK_EQ(store_token_lookup(w->s, hash, now + idle, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_IDLE);
	CHECK_EQ(t.id, tid);
	CHECK_EQ(store_token_recheck(w->s, tid, now + idle, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_IDLE);
	/* Used 20 minutes in: live until 50 minutes. */
	CHECK_EQ(store_token_touch(w->s, tid, now + 20 * 60 * 1000, life), ERR_OK);
	CHECK_EQ(store_token_touch(w->s, tid, now + 60 * 1000, life), ERR_OK); /* older: ignored */
	CHECK_EQ(store_token_lookup(w->s, hash, now + idle + 60 * 1000, &t), ERR_OK);
	CHECK_EQ(t.last_used_at, now + 20 * 60 * 1000);
	CHECK_EQ(store_token_lookup(w->s, hash, now + 50 * 60 * 1000, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_IDLE);
	/* Busy to the end: the absolute lifetime still ends it. */
	CHECK_EQ(store_token_touch(w->s, tid, now + life - 1000, life), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now + life - 1, &t), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now + life, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_EXPIRED);
	/* Revoked: refused and not "ended" for time (the sweep closes it 4403). */
	CHECK_EQ(store_token_revoke(w->s, tid, now + 1), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now + 2, &t), ERR_UNAUTHORIZED);
	CHECK_EQ(t.ended, AUTH_SESSION_LIVE);
	/* store_token_insert: no idle limit, as tokens made before schema 3. */
	memset(hash, 0x52, sizeof hash);
	CHECK_EQ(store_token_insert(w->s, hash, w->bo, 0, now, now + life, &tid), ERR_OK);
	CHECK_EQ(store_token_lookup(w->s, hash, now + life - 1, &t), ERR_OK);
	printf("token idle: limit %lld ms, live at +%lld ms, idle at +%lld ms, touched at 20 min "
	       "-> idle at 50 min, absolute end at %lld ms\n",
	       (long long)idle, (long long)(idle - 1), (long long)idle, (long long)life);
}

/* The access log lists "access" and "denied" rows of one family only, with
 * who, their role, the conversation's title and what was read. */
static int count_access(void *ctx, const struct store_admin_access *r)
{
	int *n = ctx;
	if (*n == 0) {
		CHECK(strcmp(r->kind, "access") == 0);
		CHECK(strcmp(r->actor, "Carl Sundhed") == 0);
		CHECK(strcmp(r->username, "carl") == 0);
		CHECK(strcmp(r->role, "adviser") == 0);
		CHECK(strcmp(r->what, "history") == 0);
		CHECK(r->conv[0] != '\0');
	}
	if (*n == 1) {
		CHECK(strcmp(r->kind, "denied") == 0);
		CHECK(r->conv_id == 0 && r->conv[0] == '\0');
	}
	(*n)++;
	return ERR_OK;
}

static void test_access_log(struct world *w)
{
	int64_t now = text_now_ms() + 1000000, conv;
	CHECK_EQ(store_conv_create(w->s, w->fam_a, "Jonas og parret", &w->jonas, 1, now, &conv),
	         ERR_OK);
	CHECK_EQ(store_log_append(w->s, now, "access", w->carl, w->fam_a, conv, 0, "history"),
	         ERR_OK);
	CHECK_EQ(store_log_append(w->s, now + 1, "message", w->anna, w->fam_a, conv, 1, ""),
	         ERR_OK);
	CHECK_EQ(store_log_append(w->s, now + 2, "denied", w->dora, w->fam_a, 0, 0, "log"), ERR_OK);
	CHECK_EQ(store_log_append(w->s, now + 3, "access", w->dora, w->fam_b, 0, 0, "log"), ERR_OK);
	int n = 0;
	struct store_log_range r = {.family = w->fam_a, .from = now, .limit = 100};
	CHECK_EQ(store_admin_access_log(w->s, &r, count_access, &n), ERR_OK);
	CHECK_EQ(n, 2);
	n = 0;
	r.to = now + 1;
	CHECK_EQ(store_admin_access_log(w->s, &r, count_access, &n), ERR_OK);
	CHECK_EQ(n, 1);
	json_t *entries = json_array();
	size_t rows;
	int64_t last = 0;
	r.to = 0;
	struct store_user anna = world_user(w, w->anna), dora = world_user(w, w->dora);
	CHECK_EQ(access_log_page_json(w->s, &dora, &r, entries, &rows, &last), ERR_NOT_FOUND);
	CHECK_EQ(access_log_page_json(w->s, &anna, &r, entries, &rows, &last), ERR_OK);
	CHECK_EQ(rows, 2);
	CHECK_EQ(json_array_size(entries), 2);
	struct csv out;
	char *csv;
	size_t len;
	csv_init(&out, CSV_SEPARATOR);
	access_log_csv_header(&out);
	CHECK_EQ(access_log_page_csv(w->s, &anna, &r, &out, &rows, &last), ERR_OK);
	CHECK(csv_take(&out, &csv, &len));
	CHECK(csv != NULL && strstr(csv, ";\"Jonas og parret\";\"history\"\r\n") != NULL);
	printf("access log of family A from the test's start: %zu rows\n%s", rows, csv ? csv : "");
	free(csv);
	json_decref(entries);
}

/* The contact log a page at a time: family A's own rows and the sign-ins
 * (no family) of its pair and team, never another family's or another
 * team's; pages of 7 put together are the whole log, in id order, exactly
 * once each; the period, the end id and the limit hold. */
static int collect_access_ids(void *ctx, const struct store_admin_access *r)
{
	struct log_list *l = ctx;
	struct log_entry *e = log_list_push(l);
	if (e == NULL)
		return ERR_INTERNAL;
	e->id = r->id;
	return ERR_OK;
}

static void test_log_pages(struct world *w)
{
	const int64_t t0 = 1577836800000; /* 2020-01-01, before anything else */
	int64_t want[200], want_access[200], id, last;
	size_t n_want = 0, n_access = 0;
	CHECK_EQ(store_begin(w->s), ERR_OK);
	for (int i = 0; i < 150; i++) {
		int64_t actor = w->mette, family = w->fam_a;
		const char *kind = "message";
		if (i % 5 == 0) /* another family */
			actor = w->amina, family = w->fam_b;
		else if (i % 7 == 0) /* A's pair signs in: in A's log */
			actor = w->anna, family = 0, kind = "login";
		else if (i % 11 == 0) /* A's team signs out: in A's log */
			actor = w->carl, family = 0, kind = "logout";
		else if (i % 13 == 0) /* another team's sign-in: not in A's */
			actor = w->dora, family = 0, kind = "login";
		else if (i % 3 == 0)
			actor = w->carl, kind = "access";
		CHECK_EQ(store_log_append(w->s, t0 + i, kind, actor, family, 0, 0, "x"), ERR_OK);
		id = sqlite3_last_insert_rowid(store_db(w->s));
		bool in_a = family == w->fam_a || (family == 0 && actor != w->dora);
		if (in_a)
			want[n_want++] = id;
		if (family == w->fam_a && strcmp(kind, "access") == 0)
			want_access[n_access++] = id;
	}
	CHECK_EQ(store_commit(w->s), ERR_OK);
	CHECK_EQ(store_log_last_id(w->s, &last), ERR_OK);
	CHECK_EQ(last, id);

	struct store_log_range r = {.family = w->fam_a, .from = t0, .to = t0 + 150, .limit = 7};
	struct log_list all = {0};
	size_t pages = 0;
	for (;;) {
		struct log_list page = {0};
		CHECK_EQ(store_log_page(w->s, &r, &page), ERR_OK);
		CHECK(page.n <= 7);
		for (size_t i = 0; i < page.n; i++) {
			struct log_entry *e = log_list_push(&all);
			*e = page.v[i];
			page.v[i].detail = NULL; /* moved */
		}
		pages++;
		bool more = page.n == 7;
		if (page.n > 0)
			r.after = page.v[page.n - 1].id;
		log_list_free(&page);
		if (!more || pages > 100)
			break;
	}
	CHECK_EQ(all.n, n_want);
	bool same = all.n == n_want;
	for (size_t i = 0; same && i < all.n; i++)
		same = all.v[i].id == want[i];
	CHECK(same);
	printf("log pages: %zu rows of family A in %zu pages of 7 (of 150 rows)\n", all.n, pages);
	log_list_free(&all);

	/* An end id: nothing after it, even when more would fit. */
	r = (struct store_log_range){
	    .family = w->fam_a, .from = t0, .to = t0 + 150, .upto = want[4], .limit = 100};
	CHECK_EQ(store_log_page(w->s, &r, &all), ERR_OK);
	CHECK_EQ(all.n, 5);
	CHECK(all.n == 5 && all.v[4].id == want[4] && strcmp(all.v[4].detail, "x") == 0);
	log_list_free(&all);
	/* A period: [t0 + 10, t0 + 20) holds rows 10..19 that are A's. */
	r = (struct store_log_range){
	    .family = w->fam_a, .from = t0 + 10, .to = t0 + 20, .limit = 100};
	CHECK_EQ(store_log_page(w->s, &r, &all), ERR_OK);
	size_t in_period = 0;
	for (size_t i = 0; i < n_want; i++)
		in_period += want[i] >= want[0] + 10 && want[i] < want[0] + 20;
	CHECK_EQ(all.n, in_period);
	log_list_free(&all);

	/* The access log pages the same way. */
	r = (struct store_log_range){.family = w->fam_a, .from = t0, .to = t0 + 150, .limit = 4};
	for (size_t got = 0, pages_left = 50; pages_left-- > 0;) {
		struct log_list page = {0};
		CHECK_EQ(store_admin_access_log(w->s, &r, collect_access_ids, &page), ERR_OK);
		for (size_t i = 0; i < page.n; i++, got++)
			CHECK(got < n_access && page.v[i].id == want_access[got]);
		if (page.n > 0)
			r.after = page.v[page.n - 1].id;
		bool done = page.n < 4;
		log_list_free(&page);
		if (done) {
			CHECK_EQ(got, n_access);
			break;
		}
	}
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

static bool routes_to(struct store *s, int64_t conv, int64_t user)
{
	struct route_set r;
	bool found = false;
	CHECK_EQ(route_message(s, conv, KIND_TEXT, &r), ERR_OK);
	for (size_t i = 0; i < r.n; i++)
		found = found || r.users[i] == user;
	route_set_free(&r);
	return found;
}

/* A connection that keeps audiences in memory (the writer's) must route by
 * the current pair, team and active flags, whoever changed them: another
 * connection (data_version) or itself (the authorizer's marks). */
static void test_audience_cache_follows_changes(struct world *w)
{
	struct store *writer;
	CHECK_EQ(store_open(path, &writer), ERR_OK);
	CHECK_EQ(store_cache_enable(writer), ERR_OK);
	for (int i = 0; i < 3; i++) /* the second and third answers come from memory */
		CHECK(routes_to(writer, w->conv_a, w->carl) &&
		      !routes_to(writer, w->conv_a, w->dora));

	CHECK_EQ(store_family_set_pair(w->s, w->fam_a, w->dora, w->bo), ERR_OK);
	CHECK(routes_to(writer, w->conv_a, w->dora));

	CHECK_EQ(store_family_set_pair(writer, w->fam_a, w->anna, w->bo), ERR_OK);
	CHECK(!routes_to(writer, w->conv_a, w->dora));
	CHECK(routes_to(writer, w->conv_a, w->anna));

	CHECK_EQ(store_user_set_active(w->s, w->carl, false), ERR_OK);
	CHECK(!routes_to(writer, w->conv_a, w->carl));
	CHECK_EQ(store_user_set_active(writer, w->carl, true), ERR_OK);
	CHECK(routes_to(writer, w->conv_a, w->carl));
	CHECK_EQ(store_user_set_active(writer, w->carl, false), ERR_OK);
	CHECK(!routes_to(writer, w->conv_a, w->carl));
	CHECK_EQ(store_user_set_active(w->s, w->carl, true), ERR_OK);
	CHECK(routes_to(writer, w->conv_a, w->carl));
	store_close(writer);
}

/* Migration 4 keeps the rule on messages.kind and drops the temporary index
 * SQLite built for it on every insert. */
static void test_kind_check_without_temporary_index(struct world *w)
{
	sqlite3 *db = store_db(w->s);
	char *err = NULL;
	int rc = sqlite3_exec(db,
	                      "INSERT INTO messages(conv_id, family_id, sender_id, kind, body, "
	                      "client_id, created_at) VALUES (1, 1, 1, 'bogus', '', 'k-1', 0)",
	                      NULL, NULL, &err);
	CHECK_EQ(rc, SQLITE_CONSTRAINT_CHECK);
	CHECK(err != NULL && strstr(err, "CHECK constraint failed") != NULL);
	sqlite3_free(err);
	sqlite3_stmt *st;
	CHECK_EQ(
	    sqlite3_prepare_v2(db,
	                       "EXPLAIN INSERT INTO messages(conv_id, family_id, sender_id, "
	                       "kind, body, client_id, created_at) VALUES (1, 1, 1, 'text', '', "
	                       "'k-2', 0)",
	                       -1, &st, NULL),
	    SQLITE_OK);
	int ephemeral = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		ephemeral += strcmp((const char *)sqlite3_column_text(st, 1), "OpenEphemeral") == 0;
	sqlite3_finalize(st);
	CHECK_EQ(ephemeral, 0);
}

/* A staff sync in small pages over conversations written to in runs returns
 * every message once, in id order, with `more` on every page but the last:
 * each page is cut from every conversation's first messages after `after`. */
static void test_staff_sync_pages(struct world *w)
{
	struct store_user anna = world_user(w, w->anna), carl = world_user(w, w->carl);
	const int64_t convs[3] = {w->conv_a, w->conv_r, w->conv_b};
	const int64_t fams[3] = {w->fam_a, w->fam_a, w->fam_b};
	struct msg m = {0};
	char cid[32];
	for (int i = 0; i < 30; i++) {
		snprintf(cid, sizeof cid, "pages-%d", i);
		int k = (i / 7) % 3; /* runs of 7: longer than a page */
		CHECK_EQ(store_message_insert(w->s, convs[k], fams[k], &anna.ref, KIND_TEXT,
		                              "side om side", cid, 1000 + i, &m),
		         ERR_OK);
		msg_clear(&m);
	}
	struct msg_list all = {0}, page = {0};
	bool more;
	CHECK_EQ(store_sync(w->s, &carl, 0, 100000, &all, &more), ERR_OK);
	CHECK(!more);
	CHECK(all.n >= 20); /* carl's team has at least two of the three */
	size_t seen = 0;
	int64_t after = 0;
	for (int pages = 0; pages < 100; pages++) {
		CHECK_EQ(store_sync(w->s, &carl, after, 4, &page, &more), ERR_OK);
		CHECK(page.n <= 4);
		for (size_t i = 0; i < page.n && seen < all.n; i++, seen++)
			CHECK_EQ(page.v[i].id, all.v[seen].id);
		CHECK_EQ(more, seen < all.n);
		after = page.n ? page.v[page.n - 1].id : after;
		bool last = !more || page.n == 0;
		msg_list_free(&page);
		if (last)
			break;
	}
	CHECK_EQ(seen, all.n);
	msg_list_free(&all);
}

/* VM steps since the last call of the store's prepared statement whose SQL
 * contains both a and b (every statement's count starts again); -1: none. */
static int64_t steps_of(struct store *s, const char *a, const char *b)
{
	int64_t steps = -1;
	for (sqlite3_stmt *st = sqlite3_next_stmt(store_db(s), NULL); st != NULL;
	     st = sqlite3_next_stmt(store_db(s), st)) {
		int n = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
		if (strstr(sqlite3_sql(st), a) != NULL && strstr(sqlite3_sql(st), b) != NULL)
			steps = n;
	}
	return steps;
}

/* A family member's sync reads what one page needs, not every message after
 * the cursor: a phone that was away for months asks for a page of 10 on the
 * event loop.  Counted in SQLite's VM steps, which do not depend on timing. */
static void test_family_sync_bounded(struct world *w)
{
	struct store_user mette = world_user(w, w->mette);
	struct msg m = {0};
	char cid[32];
	CHECK_EQ(store_begin(w->s), ERR_OK);
	for (int i = 0; i < 5000; i++) {
		snprintf(cid, sizeof cid, "long-%d", i);
		CHECK_EQ(store_message_insert(w->s, w->conv_a, w->fam_a, &mette.ref,
		                              i % 10 ? KIND_TEXT : KIND_NOTE, "lang historik", cid,
		                              5000 + i, &m),
		         ERR_OK);
		msg_clear(&m);
	}
	CHECK_EQ(store_commit(w->s), ERR_OK);
	struct msg_list page = {0};
	bool more;
	(void)steps_of(w->s, "", ""); /* every count starts again */
	CHECK_EQ(store_sync(w->s, &mette, 0, 10, &page, &more), ERR_OK);
	CHECK_EQ(page.n, 10);
	CHECK(more);
	for (size_t i = 0; i < page.n; i++)
		CHECK(page.v[i].kind != KIND_NOTE);
	int64_t steps = steps_of(w->s, "conv_members", "ORDER BY m.id LIMIT ?3");
	printf("family sync, a page of 10 after 5,000 messages: %lld VM steps\n", (long long)steps);
	CHECK(steps > 0 && steps < 5000);
	msg_list_free(&page);
}

static int64_t post(struct world *w, int64_t sender, const char *body, int64_t at)
{
	struct store_user u = world_user(w, sender);
	struct msg m = {0};
	char client_id[32];
	snprintf(client_id, sizeof client_id, "q-%lld", (long long)at);
	CHECK_EQ(store_message_insert(w->s, w->conv_a, w->fam_a, &u.ref, KIND_TEXT, body, client_id,
	                              at, &m),
	         ERR_OK);
	int64_t id = m.id;
	msg_clear(&m);
	return id;
}

/* One row per subscription and conversation: a later message writes
 * nothing, the notification tells of the newest message for the user (not
 * the user's own side's), and the row goes only when nothing newer than
 * what was told or read is left. */
static void test_push_queue_row(struct world *w)
{
	int64_t now = text_now_ms(), sub, due[4], newest, tid;
	size_t queued = 0, n;
	bool gone;
	uint8_t hash[32];
	memset(hash, 11, sizeof hash);
	CHECK_EQ(store_token_insert(w->s, hash, w->anna, 0, now, now + 60000, &tid), ERR_OK);
	struct store_push_sub ps = {.user_id = w->anna,
	                            .token_id = tid,
	                            .endpoint = "https://push.example/anna",
	                            .p256dh = "k",
	                            .auth = "a",
	                            .lang = "da"};
	CHECK_EQ(store_push_sub_put(w->s, &ps, now, &sub), ERR_OK);
	int64_t m1 = post(w, w->mette, "første", now);
	CHECK_EQ(store_push_enqueue(w->s, w->anna, w->conv_a, m1, now, now, &queued), ERR_OK);
	CHECK_EQ(queued, 1);
	int64_t m2 = post(w, w->mette, "anden", now + 1);
	post(w, w->bo, "fra Bo til familien", now + 2);
	CHECK_EQ(store_push_enqueue(w->s, w->anna, w->conv_a, m2, now, now, &queued), ERR_OK);
	CHECK_EQ(queued, 1); /* already there: nothing written, nothing to wake for */
	CHECK_EQ(store_push_due_ids(w->s, now, 4, due, &n), ERR_OK);
	CHECK_EQ(n, 1);
	struct store_push_due d;
	CHECK_EQ(store_push_due_one(w->s, due[0], &d), ERR_OK);
	CHECK_EQ(d.message_id, m2); /* the newest from the family, not Bo's */
	CHECK_STR(d.preview, "anden");
	CHECK_EQ(store_push_done(w->s, d.id, m1, &gone), ERR_OK);
	CHECK(!gone); /* m2 is newer than what this outcome told of */
	CHECK_EQ(store_push_notified(w->s, d.id, m2, now + 600000), ERR_OK);
	CHECK_EQ(store_push_due_one(w->s, d.id, &d), ERR_OK);
	CHECK_EQ(d.message_id, 0); /* nothing newer than what was told */
	newest = post(w, w->mette, "tredje", now + 3);
	CHECK_EQ(store_push_seen(w->s, w->anna, w->conv_a, m2), ERR_OK);
	CHECK_EQ(store_push_due_one(w->s, d.id, &d), ERR_OK);
	CHECK_EQ(d.message_id, newest); /* read up to m2: the third still to tell */
	CHECK_EQ(store_push_seen(w->s, w->anna, w->conv_a, newest), ERR_OK);
	CHECK_EQ(store_push_due_one(w->s, d.id, &d), ERR_NOT_FOUND);
	CHECK_EQ(store_push_sub_delete(w->s, sub, w->anna), ERR_OK);
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
	test_audience_cache_follows_changes(&w);
	test_kind_check_without_temporary_index(&w);
	test_invites_and_tokens(&w);
	test_token_idle(&w);
	test_phone_sign_in_slides(&w);
	test_access_log(&w);
	test_constraints(&w);
	test_staff_sync_pages(&w);
	test_family_sync_bounded(&w);
	test_log_pages(&w);
	test_push_queue_row(&w);
	world_free(&w);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("store");
}
