/*
 * gendb.c - indgang-bench-gendb: a large database for the history scenario,
 * in a minute or two instead of hours.
 *
 *   indgang-bench-gendb --db PATH --admin indgang-admin [--messages 10000000]
 *                       [--families 1000] [--advisers 100] [--body 200]
 *                       [--log] [--days-ago 0]
 *
 * The schema and the world come through the contract: `indgang-admin init`,
 * then an import document (worlddoc.c), whose ids are kept in PATH.world.json
 * for indgang-bench history --world.  Only the bulk of the messages is
 * written directly, and only here, for generation: journal off,
 * synchronous=OFF, one transaction per 250,000 rows, the two secondary
 * message indexes dropped first and rebuilt at the end with the migration's
 * own definitions (a sorted build is many times faster than 10 million
 * scattered inserts).  The file is then switched back to WAL, as the gateway
 * keeps it.
 *
 * Message n goes to a random family; the member writes half of them, the
 * primary adviser 30 %, the secondary 20 %; one adviser message in five is
 * an internal note.  Bodies are ~200 bytes of ordinary text, client_ids are
 * unique per sender, created_at spreads over the last two years.  Read
 * positions of members and advisers are set ten messages before the end of
 * each conversation.  The contact log is not filled (no measured path reads
 * it) unless --log asks for it: then each message gets the row the gateway
 * writes with it ('message', or 'note' for a note; the retention benchmark,
 * clients/bench/retention.py, deletes a family's history as it is on file).
 * --days-ago D ends the two years of messages D days ago instead of now (a
 * case closed since).
 */
#include "worlddoc.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BATCH_ROWS 250000
#define YEARS2_MS  (2LL * 365 * 24 * 3600 * 1000)

static const char text[] =
    "Hej Anna, tak for moedet i gaar. Kan vi flytte samtalen med skolen til torsdag kl. 10? "
    "Jonas har det bedre nu, men han var hjemme mandag og tirsdag. Jeg har faaet brevet fra "
    "jobcentret og vil gerne tale om praktikken i Brugsen. Sundhedsplejersken kommer paa "
    "fredag. Husk at Emma skal have nye briller, og at vi mangler svar fra kommunen om "
    "boligstoetten. Vi ses paa mandag til det faelles moede med teamet. Mvh Mette og Jonas. ";

struct gen {
	const char *db, *admin;
	long long messages;
	int families, advisers, body, days_ago;
	bool log;
	sqlite3 *sql;
	struct world w;
	uint64_t rnd;
};

static uint64_t next_rand(struct gen *g)
{
	g->rnd ^= g->rnd << 13;
	g->rnd ^= g->rnd >> 7;
	g->rnd ^= g->rnd << 17;
	return g->rnd;
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec(struct gen *g, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(g->sql, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	fprintf(stderr, "indgang-bench-gendb: %s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	return -1;
}

/* The schema and the families, advisers and members, through indgang-admin. */
static int provision(struct gen *g)
{
	char *out, err[256], path[4096];
	char *argv[] = {(char *)g->admin, "--db", (char *)g->db, "init", NULL};
	int rc = run_capture(argv, &out);
	free(out);
	if (rc != 0) {
		fprintf(stderr, "indgang-bench-gendb: %s init failed\n", g->admin);
		return -1;
	}
	if (worlddoc_import(g->admin, g->db, g->families, g->advisers, &g->w, err, sizeof err)) {
		fprintf(stderr, "indgang-bench-gendb: %s\n", err);
		return -1;
	}
	snprintf(path, sizeof path, "%s.world.json", g->db);
	if (worlddoc_save(&g->w, path) != 0) {
		fprintf(stderr, "indgang-bench-gendb: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

/* Message n's row into st; its contact-log row into lg when there is one. */
static void bind_row(struct gen *g, sqlite3_stmt *st, sqlite3_stmt *lg, long long n, long long t0)
{
	const struct world_fam *f = &g->w.fam[next_rand(g) % (uint64_t)g->w.n_fam];
	uint64_t r = next_rand(g) % 100;
	int64_t sender = r < 50 ? f->member : g->w.adv[f->adv[r < 80 ? 0 : 1]].id;
	bool note = r >= 50 && r % 5 == 0;
	char client_id[24];
	size_t off = next_rand(g) % (sizeof text - 1 - (size_t)g->body);
	snprintf(client_id, sizeof client_id, "g%012lld", n);
	sqlite3_bind_int64(st, 1, n);
	sqlite3_bind_int64(st, 2, f->conv);
	sqlite3_bind_int64(st, 3, f->id);
	sqlite3_bind_int64(st, 4, sender);
	sqlite3_bind_text(st, 5, note ? "note" : "text", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, text + off, g->body, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, client_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, t0 + n * (YEARS2_MS / g->messages));
	if (lg == NULL)
		return;
	sqlite3_bind_int64(lg, 1, t0 + n * (YEARS2_MS / g->messages));
	sqlite3_bind_text(lg, 2, note ? "note" : "message", -1, SQLITE_STATIC);
	sqlite3_bind_int64(lg, 3, sender);
	sqlite3_bind_int64(lg, 4, f->id);
	sqlite3_bind_int64(lg, 5, f->conv);
	sqlite3_bind_int64(lg, 6, n);
}

static int insert_messages(struct gen *g)
{
	sqlite3_stmt *st, *lg = NULL;
	const char *sql = "INSERT INTO messages(id, conv_id, family_id, sender_id, kind, body, "
	                  "client_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	/* As the gateway logs a message (core/service/send.c). */
	const char *log_sql = "INSERT INTO contact_log(at, kind, actor_id, family_id, conv_id, "
	                      "message_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, '')";
	if (sqlite3_prepare_v2(g->sql, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (g->log && sqlite3_prepare_v2(g->sql, log_sql, -1, &lg, NULL) != SQLITE_OK) {
		fprintf(stderr, "indgang-bench-gendb: %s\n", sqlite3_errmsg(g->sql));
		sqlite3_finalize(st);
		return -1;
	}
	long long t0 = (long long)time(NULL) * 1000 - YEARS2_MS - 3600000 -
	               (long long)g->days_ago * 24 * 3600 * 1000;
	double start = seconds();
	int rc = exec(g, "BEGIN");
	for (long long n = 1; rc == 0 && n <= g->messages; n++) {
		bind_row(g, st, lg, n, t0);
		if (sqlite3_step(st) != SQLITE_DONE || (lg && sqlite3_step(lg) != SQLITE_DONE)) {
			fprintf(stderr, "indgang-bench-gendb: insert %lld: %s\n", n,
			        sqlite3_errmsg(g->sql));
			rc = -1;
		}
		sqlite3_reset(st);
		if (lg)
			sqlite3_reset(lg);
		if (rc == 0 && n % BATCH_ROWS == 0) {
			rc = exec(g, "COMMIT; BEGIN");
			fprintf(stderr, "\r%lld messages, %.0f/s ", n,
			        (double)n / (seconds() - start));
		}
	}
	if (rc == 0)
		rc = exec(g, "COMMIT");
	fprintf(stderr, "\n");
	sqlite3_finalize(st);
	sqlite3_finalize(lg);
	return rc;
}

static int bulk_load(struct gen *g)
{
	if (sqlite3_open(g->db, &g->sql) != SQLITE_OK)
		return -1;
	double t = seconds();
	int rc = exec(g, "PRAGMA journal_mode = DELETE; PRAGMA journal_mode = OFF;"
	                 "PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576;"
	                 "PRAGMA temp_store = MEMORY; PRAGMA locking_mode = EXCLUSIVE;"
	                 "DROP INDEX messages_conv;");
	if (rc == 0)
		rc = insert_messages(g);
	fprintf(stderr, "indgang-bench-gendb: rows in %.0f s; building indexes\n", seconds() - t);
	/* The migration's definitions, verbatim (core/store/store.c). */
	if (rc == 0)
		rc = exec(g, "CREATE INDEX messages_conv ON messages(conv_id, id);");
	if (rc == 0)
		rc = exec(g, "INSERT INTO read_positions(conv_id, user_id, upto, at) "
		             "SELECT u.cid, u.uid, ifnull((SELECT id FROM messages WHERE conv_id = "
		             "u.cid ORDER BY id DESC LIMIT 1 OFFSET 10), 0), 0 FROM "
		             "(SELECT conv_id AS cid, user_id AS uid FROM conv_members "
		             " UNION SELECT default_conv, primary_id FROM families "
		             " UNION SELECT default_conv, secondary_id FROM families) u WHERE 1 "
		             "ON CONFLICT (conv_id, user_id) DO UPDATE SET upto = excluded.upto;");
	if (rc == 0)
		rc = exec(g, "PRAGMA locking_mode = NORMAL; PRAGMA journal_mode = WAL;");
	sqlite3_close(g->sql);
	fprintf(stderr, "indgang-bench-gendb: done in %.0f s\n", seconds() - t);
	return rc;
}

/* --name VALUE pairs; 0 when every one is known and the values make sense. */
static int parse(int argc, char **argv, struct gen *g)
{
	*g = (struct gen){.messages = 10000000, .families = 1000, .advisers = 100, .body = 200};
	for (int i = 1; i < argc; i += 2) {
		const char *name = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(name, "--log") == 0) { /* the one flag without a value */
			g->log = true;
			i--;
			continue;
		}
		if (v == NULL)
			return -1;
		if (strcmp(name, "--db") == 0)
			g->db = v;
		else if (strcmp(name, "--admin") == 0)
			g->admin = v;
		else if (strcmp(name, "--messages") == 0)
			g->messages = atoll(v);
		else if (strcmp(name, "--families") == 0)
			g->families = atoi(v);
		else if (strcmp(name, "--advisers") == 0)
			g->advisers = atoi(v);
		else if (strcmp(name, "--body") == 0)
			g->body = atoi(v);
		else if (strcmp(name, "--days-ago") == 0)
			g->days_ago = atoi(v);
		else
			return -1;
	}
	bool ok = g->db && g->admin && g->messages > 0 && g->families > 0 && g->advisers >= 2 &&
	          g->advisers % 2 == 0 && g->body > 0 && (size_t)g->body < sizeof text / 2 &&
	          g->days_ago >= 0;
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct gen g;
	struct stat sb;
	if (parse(argc, argv, &g) != 0) {
		fprintf(stderr, "usage: indgang-bench-gendb --db PATH --admin indgang-admin "
		                "[--messages N] [--families F] [--advisers A] [--body BYTES] "
		                "[--log] [--days-ago D]\n");
		return 2;
	}
	if (stat(g.db, &sb) == 0) {
		fprintf(stderr, "indgang-bench-gendb: %s exists; remove it first\n", g.db);
		return 1;
	}
	g.rnd = 0x9E3779B97F4A7C15ull;
	int rc = provision(&g) == 0 && bulk_load(&g) == 0 ? 0 : 1;
	if (rc == 0 && stat(g.db, &sb) == 0)
		printf("%s: %lld messages in %d families, %.1f GiB; world in %s.world.json\n", g.db,
		       g.messages, g.families, (double)sb.st_size / (1 << 30), g.db);
	world_free(&g.w);
	return rc;
}
