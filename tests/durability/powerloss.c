/*
 * powerloss.c - indgang-powerloss: the real hub and writer thread on a
 * database whose unsynced writes die with the process (powerloss_vfs.c),
 * driven the way the gateway drives it, for powerloss.py to kill.
 *
 *   indgang-powerloss --db PATH --init            make the world (real VFS, synced)
 *   indgang-powerloss --db PATH [--lie] [--fail-sync PERCENT] [--window W] < commands
 *   indgang-powerloss --db PATH --check < commands
 *
 * Commands on standard input, one per line, all read before anything runs:
 *   A CLIENT CLIENT_ID ID   acknowledged earlier as message ID: verify it is stored
 *   S CLIENT CLIENT_ID      send it (again, if it was sent before and not acked)
 * Client k (0..) is a WebSocket session of user k % 9 of the world (family
 * members and pair advisers send text to their conversation, the two team
 * members send notes); its messages have the body "kNN message CLIENT_ID".
 *
 * Output, one line each, flushed at once (a line the controller has read
 * is an acknowledgement the client has received):
 *   VERIFY checked=N lost=M             after checking every A line
 *   LOST CLIENT CLIENT_ID ID why        an acknowledged message that is gone
 *   PRESTORED n                         S lines already stored (committed, ack lost)
 *   ACK CLIENT CLIENT_ID ID             written to the client after the commit
 *   DIFF CLIENT CLIENT_ID OLD NEW       a resend acked with another id than the stored one
 *   ERROR CLIENT CLIENT_ID CODE         a send refused (it is sent again)
 *   DONE acks=N syncs=N                 everything sent was acknowledged
 *   FAILED io ...                       a commit failed with an I/O error (e.g. a
 *                                       failed fsync): like the gateway, stop and exit 5
 *   ROWS n / INTEGRITY text             (--check) messages stored, PRAGMA integrity_check
 *
 * The sessions are opened with session_open() on fake transports and fed
 * with session_input(), exactly the calls the gateway's ws.c makes; acks are
 * taken from the outboxes with outbox_next_frame(), as ws.c writes them.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/common/err.h"
#include "core/hub/hub.h"
#include "core/session/session.h"
#include "core/store/store_int.h"
#include "powerloss_vfs.h"
#include "tests/fuzz/fuzz_world.h"

#define MAX_CLIENTS 64
#define SENDERS     9

/* Who client k is: user and the conversation and kind it writes. */
static const struct {
	enum fuzz_user user;
	enum fuzz_conv conv;
	const char *kind;
} senders[SENDERS] = {
    {FU_ANNA, FC_A, "text"},  {FU_METTE, FC_A, "text"}, {FU_BO, FC_A, "text"},
    {FU_JONAS, FC_R, "text"}, {FU_DORA, FC_B, "text"},  {FU_AMINA, FC_B, "text"},
    {FU_ERIK, FC_B, "text"},  {FU_CARL, FC_A, "note"},  {FU_FRIDA, FC_B, "note"},
};

struct item {
	int client;
	char cid[32];
	int64_t id;       /* A: the acked id; S: the id found stored before the run, or 0 */
	bool acked;       /* S: acked in this run */
	bool outstanding; /* S: sent, no answer yet */
};

struct client {
	struct session *s;
	int tp; /* transport token */
	struct item **todo;
	size_t n_todo, next, outstanding;
};

static struct item *items;
static size_t n_items, cap_items;
static struct client clients[MAX_CLIENTS];
static int n_clients;
static struct hub *hub;
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static bool woken;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0 && write(1, line, (size_t)n) != n)
		_exit(3);
}

static void hook_wake(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&wake_mu);
	woken = true;
	pthread_cond_signal(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

static void hook_want_write(void *transport)
{
	(void)transport;
}

static void wait_wake(int ms)
{
	pthread_mutex_lock(&wake_mu);
	if (!woken) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)ms * 1000000L;
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wake_cv, &wake_mu, &ts);
	}
	woken = false;
	pthread_mutex_unlock(&wake_mu);
}

static void body_of(const struct item *it, char *out, size_t cap)
{
	snprintf(out, cap, "k%02d message %s", it->client, it->cid);
}

/* ---- Reading the commands ------------------------------------------------------ */

static struct item *add_item(void)
{
	if (n_items == cap_items) {
		cap_items = cap_items ? cap_items * 2 : 1024;
		items = realloc(items, cap_items * sizeof *items);
		if (items == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	memset(&items[n_items], 0, sizeof items[0]);
	return &items[n_items++];
}

static void read_commands(size_t *n_acked, size_t *n_send)
{
	char line[256];
	*n_acked = *n_send = 0;
	while (fgets(line, sizeof line, stdin) != NULL) {
		char kind;
		int client;
		char cid[32];
		long long id = 0;
		int n = sscanf(line, "%c %d %31s %lld", &kind, &client, cid, &id);
		if (n < 3 || client < 0 || client >= MAX_CLIENTS || (kind != 'A' && kind != 'S')) {
			fprintf(stderr, "indgang-powerloss: bad command: %s", line);
			exit(2);
		}
		struct item *it = add_item();
		it->client = client;
		snprintf(it->cid, sizeof it->cid, "%s", cid);
		if (kind == 'A') {
			it->id = id;
			it->acked = true;
			(*n_acked)++;
		} else {
			(*n_send)++;
		}
		if (client + 1 > n_clients)
			n_clients = client + 1;
	}
}

/* ---- Before the hub: what survived -------------------------------------------------- */

static void verify(struct store *s, struct fuzz_world *fw)
{
	size_t checked = 0, lost = 0, prestored = 0;
	for (size_t i = 0; i < n_items; i++) {
		struct item *it = &items[i];
		int64_t uid = fw->uid[senders[it->client % SENDERS].user];
		struct msg m;
		memset(&m, 0, sizeof m);
		int err = store_message_by_client_id(s, uid, it->cid, &m);
		char body[96];
		body_of(it, body, sizeof body);
		if (it->acked) {
			checked++;
			const char *why = err == ERR_NOT_FOUND        ? "missing"
			                  : err != ERR_OK             ? "read error"
			                  : m.id != it->id            ? "another id"
			                  : strcmp(m.body, body) != 0 ? "another body"
			                                              : NULL;
			if (why) {
				lost++;
				say("LOST %d %s %lld %s\n", it->client, it->cid, (long long)it->id,
				    why);
			}
		} else if (err == ERR_OK) {
			it->id = m.id; /* committed before the kill, its ack never arrived */
			prestored++;
		}
		msg_clear(&m);
	}
	say("VERIFY checked=%zu lost=%zu\n", checked, lost);
	say("PRESTORED %zu\n", prestored);
}

static void check_final(struct store *s)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		say("ROWS %lld\n", (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			say("INTEGRITY %s\n", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
}

/* ---- The run ------------------------------------------------------------------- */

static void send_one(struct client *c, struct item *it, const struct fuzz_world *fw)
{
	char body[96];
	body_of(it, body, sizeof body);
	const char *kind = senders[it->client % SENDERS].kind;
	int64_t conv = fw->conv[senders[it->client % SENDERS].conv];
	json_t *o =
	    json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "type", "send", "ref", it->cid, "conv",
	              (json_int_t)conv, "client_id", it->cid, "body", body, "kind", kind);
	char *text = json_dumps(o, JSON_COMPACT);
	session_input(c->s, text, strlen(text));
	free(text);
	json_decref(o);
	it->outstanding = true;
	c->outstanding++;
}

static struct item *find_outstanding(struct client *c, const char *cid)
{
	for (size_t i = 0; i < c->n_todo; i++)
		if (c->todo[i]->outstanding && strcmp(c->todo[i]->cid, cid) == 0)
			return c->todo[i];
	return NULL;
}

/* Takes what the hub queued for client k; returns acks seen. */
static size_t read_outbox(int k, size_t *acks)
{
	struct client *c = &clients[k];
	const unsigned char *data;
	size_t len, n = 0;
	while ((data = outbox_next_frame(c->s, &len)) != NULL) {
		json_t *o = json_loadb((const char *)data, len, 0, NULL);
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *ref = json_string_value(json_object_get(o, "ref"));
		struct item *it = ref ? find_outstanding(c, ref) : NULL;
		if (type && it && strcmp(type, "ack") == 0) {
			json_int_t id = json_integer_value(
			    json_object_get(json_object_get(o, "message"), "id"));
			say("ACK %d %s %lld\n", k, it->cid, (long long)id);
			if (it->id != 0 && it->id != id)
				say("DIFF %d %s %lld %lld\n", k, it->cid, (long long)it->id,
				    (long long)id);
			it->outstanding = false;
			it->acked = true;
			c->outstanding--;
			(*acks)++;
			n++;
		} else if (type && it && strcmp(type, "error") == 0) {
			say("ERROR %d %s %s\n", k, it->cid,
			    json_string_value(json_object_get(o, "code")));
			it->outstanding = false;
			c->outstanding--;
			c->next = 0; /* sent again on the next round */
		}
		json_decref(o);
		outbox_frame_done(c->s);
	}
	int code;
	const char *reason;
	if (session_close_pending(c->s, &code, &reason)) {
		fprintf(stderr, "indgang-powerloss: client %d closed with %d (%s)\n", k, code,
		        reason);
		exit(4);
	}
	return n;
}

static int run(const char *db, struct fuzz_world *fw, size_t window)
{
	struct hub_config cfg = {.db_path = db,
	                         .frame_headroom = 16,
	                         .http_workers = 1,
	                         .ws_rate = 1e9,
	                         .outbox_max_frames = 1u << 20,
	                         .outbox_max_bytes = 256u << 20};
	struct hub_hooks hooks = {.wake = hook_wake, .want_write = hook_want_write};
	if (hub_create(&cfg, &hooks, &hub) != ERR_OK) {
		fprintf(stderr, "indgang-powerloss: hub_create failed on %s\n", db);
		return 1;
	}
	size_t total = 0;
	for (int k = 0; k < n_clients; k++) {
		struct client *c = &clients[k];
		c->tp = k;
		c->s = session_open(hub, &c->tp, "127.0.0.1");
		if (c->s == NULL || session_auth_token(c->s, fw->token[senders[k % SENDERS].user]))
			return 1;
		c->todo = calloc(n_items + 1, sizeof *c->todo);
	}
	for (size_t i = 0; i < n_items; i++) {
		struct item *it = &items[i];
		if (it->acked)
			continue;
		struct client *c = &clients[it->client];
		c->todo[c->n_todo++] = it;
		total++;
	}
	size_t acks = 0;
	while (acks < total) {
		for (int k = 0; k < n_clients; k++) {
			struct client *c = &clients[k];
			while (c->outstanding < window && c->next < c->n_todo) {
				struct item *it = c->todo[c->next++];
				if (!it->acked && !it->outstanding)
					send_one(c, it, fw);
			}
		}
		wait_wake(20);
		hub_drain(hub);
		for (int k = 0; k < n_clients; k++)
			read_outbox(k, &acks);
		if (hub_failed(hub)) {
			/* what the gateway does after an I/O error on commit: stop
			 * acknowledging, shut down, exit non-zero; SQLite recovers on
			 * the next start */
			struct powerloss_stats st;
			powerloss_vfs_stats(&st);
			say("FAILED io failed_syncs=%llu acks=%zu\n",
			    (unsigned long long)st.failed_syncs, acks);
			hub_shutdown(hub);
			for (int k = 0; k < n_clients; k++)
				session_closed(clients[k].s);
			hub_destroy(hub);
			return 5;
		}
	}
	struct powerloss_stats st;
	powerloss_vfs_stats(&st);
	say("DONE acks=%zu syncs=%llu failed_syncs=%llu\n", acks, (unsigned long long)st.syncs,
	    (unsigned long long)st.failed_syncs);
	for (int k = 0; k < n_clients; k++) {
		session_closed(clients[k].s);
		free(clients[k].todo);
	}
	hub_destroy(hub);
	return 0;
}

int main(int argc, char **argv)
{
	const char *db = NULL;
	bool init = false, check = false, lie = false, shim = true;
	double fail_sync = 0;
	size_t window = 16;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--init") == 0)
			init = true;
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (strcmp(argv[i], "--lie") == 0)
			lie = true;
		else if (strcmp(argv[i], "--no-shim") == 0)
			shim = false;
		else if (strcmp(argv[i], "--fail-sync") == 0 && i + 1 < argc)
			fail_sync = atof(argv[++i]);
		else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
			window = (size_t)atoi(argv[++i]);
		else {
			fprintf(stderr,
			        "usage: indgang-powerloss --db PATH [--init|--check] [--lie] "
			        "[--no-shim] [--fail-sync PERCENT] [--window W] < commands\n");
			return 2;
		}
	}
	if (db == NULL)
		return 2;
	struct fuzz_world fw;
	if (init) {
		/* the world itself is made with the real VFS: it is there before the test */
		if (fuzz_world_build(&fw, db) != ERR_OK) {
			fprintf(stderr, "indgang-powerloss: cannot build the world in %s\n", db);
			return 1;
		}
		world_free(&fw.w);
		say("INIT ok\n");
		return 0;
	}
	if (shim && powerloss_vfs_register(lie) != SQLITE_OK) {
		fprintf(stderr, "indgang-powerloss: cannot register the VFS\n");
		return 1;
	}
	size_t n_acked, n_send;
	read_commands(&n_acked, &n_send);
	if (fail_sync > 0)
		powerloss_vfs_fail_syncs(fail_sync, (unsigned)getpid());
	/* The world's ids and tokens are fixed by how it was built; rebuild the
	 * table in memory only to learn them. */
	if (fuzz_world_build(&fw, ":memory:") != ERR_OK)
		return 1;
	world_free(&fw.w);
	struct store *s;
	if (store_open(db, &s) != ERR_OK) {
		fprintf(stderr, "indgang-powerloss: cannot open %s\n", db);
		return 1;
	}
	verify(s, &fw);
	if (check)
		check_final(s);
	store_close(s);
	if (check || n_send == 0)
		return 0;
	return run(db, &fw, window);
}
