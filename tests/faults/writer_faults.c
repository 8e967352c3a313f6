/*
 * writer_faults.c - the writer thread on a disk that fills up and on an
 * fsync that fails, deterministically (CTest faults.writer).
 *
 * A small SQLite VFS over the default one fails on command: every xWrite
 * with SQLITE_FULL (what the unix VFS returns on ENOSPC), or every xSync with
 * SQLITE_IOERR_FSYNC after the write went through (a commit record may be
 * in the WAL although its fsync failed).  The real hub and writer run on it,
 * fed through session_input() as the gateway's ws.c does:
 *
 *   1. a send is acknowledged;
 *   2. disk full: sends are answered `unavailable`, nothing is stored, the
 *      hub has not failed and keeps answering;
 *   3. room again: the same client_ids are acknowledged, each stored once;
 *   4. failed fsync (in a child process that then dies without closing the
 *      database): the send is answered `unavailable`, the hub has failed
 *      and refuses every later write even with the disk healthy again;
 *   5. a new hub on the same file (what a restart does): the message whose
 *      fsync failed is in the WAL (SQLite's recovery finds its commit
 *      record), so its resend is acknowledged with the stored message's id
 *      (the idempotency path), never stored twice.
 *
 * Prints each step's figures; exit status 0 when all hold.
 */
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/common/err.h"
#include "core/hub/hub.h"
#include "core/session/session.h"
#include "core/store/store.h"
#include "tests/fuzz/fuzz_world.h"

/* ---- The fault VFS ----------------------------------------------------------- */

static sqlite3_vfs *real_vfs;
static volatile int fail_writes; /* xWrite -> SQLITE_FULL */
static volatile int fail_syncs;  /* xSync -> SQLITE_IOERR_FSYNC */
static int n_failed_writes, n_failed_syncs;
static pthread_mutex_t vfs_mu = PTHREAD_MUTEX_INITIALIZER;

struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* follows this struct */
};

static int f_close(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xClose(ff->real);
}

static int f_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xRead(ff->real, buf, amt, off);
}

static int f_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct fault_file *ff = (struct fault_file *)f;
	if (fail_writes) {
		pthread_mutex_lock(&vfs_mu);
		n_failed_writes++;
		pthread_mutex_unlock(&vfs_mu);
		return SQLITE_FULL;
	}
	return ff->real->pMethods->xWrite(ff->real, buf, amt, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xTruncate(ff->real, size);
}

static int f_sync(sqlite3_file *f, int flags)
{
	struct fault_file *ff = (struct fault_file *)f;
	if (fail_syncs) {
		pthread_mutex_lock(&vfs_mu);
		n_failed_syncs++;
		pthread_mutex_unlock(&vfs_mu);
		return SQLITE_IOERR_FSYNC;
	}
	return ff->real->pMethods->xSync(ff->real, flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xFileSize(ff->real, size);
}

static int f_lock(sqlite3_file *f, int l)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xLock(ff->real, l);
}

static int f_unlock(sqlite3_file *f, int l)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xUnlock(ff->real, l);
}

static int f_check(sqlite3_file *f, int *out)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xCheckReservedLock(ff->real, out);
}

static int f_fcntl(sqlite3_file *f, int op, void *arg)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xFileControl(ff->real, op, arg);
}

static int f_sector(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xSectorSize(ff->real);
}

static int f_devchar(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xDeviceCharacteristics(ff->real);
}

static int f_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xShmMap(ff->real, pg, pgsz, extend, pp);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xShmLock(ff->real, offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;
	ff->real->pMethods->xShmBarrier(ff->real);
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
	struct fault_file *ff = (struct fault_file *)f;
	return ff->real->pMethods->xShmUnmap(ff->real, del);
}

static const sqlite3_io_methods fault_io = {
    .iVersion = 2,
    .xClose = f_close,
    .xRead = f_read,
    .xWrite = f_write,
    .xTruncate = f_truncate,
    .xSync = f_sync,
    .xFileSize = f_size,
    .xLock = f_lock,
    .xUnlock = f_unlock,
    .xCheckReservedLock = f_check,
    .xFileControl = f_fcntl,
    .xSectorSize = f_sector,
    .xDeviceCharacteristics = f_devchar,
    .xShmMap = f_shm_map,
    .xShmLock = f_shm_lock,
    .xShmBarrier = f_shm_barrier,
    .xShmUnmap = f_shm_unmap,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	struct fault_file *ff = (struct fault_file *)f;
	ff->real = (sqlite3_file *)(ff + 1);
	int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
	ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
	return rc;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int v_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int v_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_err(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int v_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs fault_vfs = {
    .iVersion = 2,
    .zName = "faults",
    .xOpen = v_open,
    .xDelete = v_delete,
    .xAccess = v_access,
    .xFullPathname = v_full,
    .xRandomness = v_random,
    .xSleep = v_sleep,
    .xCurrentTime = v_time,
    .xGetLastError = v_err,
    .xCurrentTimeInt64 = v_time64,
};

static int fault_vfs_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (real_vfs == NULL)
		return SQLITE_ERROR;
	fault_vfs.szOsFile = (int)sizeof(struct fault_file) + real_vfs->szOsFile;
	fault_vfs.mxPathname = real_vfs->mxPathname;
	return sqlite3_vfs_register(&fault_vfs, 1);
}

/* ---- Driving the hub ------------------------------------------------------------ */

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static bool woken;
static int failures;
static char last_event[64];
static int n_full_lines, n_io_lines, n_resumed_lines;

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

static void hook_log(void *ctx, int level, const char *event, const char *fields)
{
	(void)ctx;
	(void)level;
	pthread_mutex_lock(&wake_mu);
	snprintf(last_event, sizeof last_event, "%s", event);
	if (strcmp(event, "commit_failed") == 0 && strstr(fields, "disk_full=yes"))
		n_full_lines++;
	if (strcmp(event, "commit_failed") == 0 && strstr(fields, "action=shutdown"))
		n_io_lines++;
	if (strcmp(event, "writes_resumed") == 0)
		n_resumed_lines++;
	pthread_mutex_unlock(&wake_mu);
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

static void expect(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expect(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("  %s ", ok ? "ok  " : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		failures++;
}

struct answer {
	char type[16]; /* "ack", "error", "" (none within the time) */
	char code[32];
	long long id;
};

/* Sends one message as the session and waits (up to 10 s, polling, never a
 * fixed sleep) for the frame answering it. */
static struct answer send_and_wait(struct hub *h, struct session *s, int64_t conv, const char *cid)
{
	struct answer a = {0};
	char body[64];
	snprintf(body, sizeof body, "faults %s", cid);
	json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s}", "type", "send", "ref", cid, "conv",
	                      (json_int_t)conv, "client_id", cid, "body", body);
	char *text = json_dumps(o, JSON_COMPACT);
	session_input(s, text, strlen(text));
	free(text);
	json_decref(o);
	for (int waited = 0; waited < 10000 && a.type[0] == 0; waited += 20) {
		wait_wake(20);
		hub_drain(h);
		const unsigned char *data;
		size_t len;
		while ((data = outbox_next_frame(s, &len)) != NULL) {
			json_t *f = json_loadb((const char *)data, len, 0, NULL);
			const char *type = json_string_value(json_object_get(f, "type"));
			const char *ref = json_string_value(json_object_get(f, "ref"));
			if (type && ref && strcmp(ref, cid) == 0) {
				snprintf(a.type, sizeof a.type, "%s", type);
				const char *code = json_string_value(json_object_get(f, "code"));
				snprintf(a.code, sizeof a.code, "%s", code ? code : "");
				json_t *m = json_object_get(f, "message");
				a.id = (long long)json_integer_value(json_object_get(m, "id"));
			}
			json_decref(f);
			outbox_frame_done(s);
		}
	}
	return a;
}

static struct hub *start_hub(const char *db)
{
	struct hub_config cfg = {.db_path = db,
	                         .frame_headroom = 16,
	                         .http_workers = 1,
	                         .ws_rate = 1e9,
	                         .outbox_max_frames = 4096,
	                         .outbox_max_bytes = 8u << 20};
	struct hub_hooks hooks = {
	    .wake = hook_wake, .want_write = hook_want_write, .log = hook_log};
	struct hub *h = NULL;
	if (hub_create(&cfg, &hooks, &h) != ERR_OK) {
		fprintf(stderr, "writer_faults: hub_create failed on %s\n", db);
		exit(1);
	}
	return h;
}

static void stop_hub(struct hub *h, struct session *s)
{
	hub_shutdown(h);
	session_closed(s);
	hub_destroy(h);
}

/* One figure about the sender's messages under client_id, read with a
 * connection of its own: what (a count, or the highest id; -1 on error). */
static long long stored(const char *db, int64_t sender, const char *cid, const char *what)
{
	sqlite3 *c;
	sqlite3_stmt *st;
	long long n = -1;
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT %s FROM messages WHERE sender_id = ?1 AND client_id = ?2",
	         what);
	if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, sender);
		sqlite3_bind_text(st, 2, cid, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(c);
	return n;
}

static int stored_count(const char *db, int64_t sender, const char *cid)
{
	return (int)stored(db, sender, cid, "count(*)");
}

static bool integrity_ok(const char *db)
{
	sqlite3 *c;
	sqlite3_stmt *st;
	bool ok = false;
	if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
		ok = sqlite3_step(st) == SQLITE_ROW &&
		     strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
		sqlite3_finalize(st);
	}
	sqlite3_close(c);
	return ok;
}

int main(void)
{
	char dir[] = "/tmp/indgang-faults-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return 1;
	char db[128];
	snprintf(db, sizeof db, "%s/indgang.db", dir);
	struct fuzz_world fw;
	if (fuzz_world_build(&fw, db) != ERR_OK) {
		fprintf(stderr, "writer_faults: cannot build the world\n");
		return 1;
	}
	world_free(&fw.w);
	if (fault_vfs_register() != SQLITE_OK)
		return 1;
	int64_t conv = fw.conv[FC_A], anna = fw.uid[FU_ANNA];
	const char *token = fw.token[FU_ANNA];
	int tp = 0;

	printf("writer_faults: the real hub and writer on a VFS that fails on command (%s)\n", db);
	struct hub *h = start_hub(db);
	struct session *s = session_open(h, &tp, "127.0.0.1");
	if (s == NULL || session_auth_token(s, token) != ERR_OK)
		return 1;

	/* 1. healthy */
	struct answer a = send_and_wait(h, s, conv, "f-1");
	expect(strcmp(a.type, "ack") == 0, "healthy disk: f-1 answered %s", a.type);

	/* 2. disk full */
	fail_writes = 1;
	int refused = 0, acked_full = 0;
	for (int i = 0; i < 5; i++) {
		char cid[16];
		snprintf(cid, sizeof cid, "f-full-%d", i);
		a = send_and_wait(h, s, conv, cid);
		refused += strcmp(a.type, "error") == 0 && strcmp(a.code, "unavailable") == 0;
		acked_full += strcmp(a.type, "ack") == 0;
	}
	expect(refused == 5 && acked_full == 0,
	       "disk full: 5 sends, %d answered `unavailable`, %d acked (failed writes: %d)",
	       refused, acked_full, n_failed_writes);
	expect(!hub_failed(h), "disk full: the hub has not failed (it keeps taking writes)");
	expect(n_full_lines >= 1 && n_io_lines == 0,
	       "disk full: %d commit_failed lines with disk_full=yes, %d with action=shutdown",
	       n_full_lines, n_io_lines);
	int stored_full = 0;
	for (int i = 0; i < 5; i++) {
		char cid[16];
		snprintf(cid, sizeof cid, "f-full-%d", i);
		stored_full += stored_count(db, anna, cid);
	}
	expect(stored_full == 0, "disk full: refused messages stored: %d", stored_full);

	/* 3. room again: the same client_ids are acknowledged, stored once */
	fail_writes = 0;
	int acked_again = 0, once = 0;
	for (int i = 0; i < 5; i++) {
		char cid[16];
		snprintf(cid, sizeof cid, "f-full-%d", i);
		a = send_and_wait(h, s, conv, cid);
		acked_again += strcmp(a.type, "ack") == 0;
		once += stored_count(db, anna, cid) == 1;
	}
	expect(acked_again == 5 && once == 5,
	       "room again: resent 5, acked %d, stored exactly once %d; writes_resumed lines %d",
	       acked_again, once, n_resumed_lines);
	expect(n_resumed_lines == 1, "room again: one writes_resumed line (got %d)",
	       n_resumed_lines);

	stop_hub(h, s);
	/* after the last connection closed: -shm kept (a restart on a full disk
	 * needs no new space to read), the WAL checkpointed and truncated */
	char side[160];
	struct stat st;
	snprintf(side, sizeof side, "%s-wal", db);
	long long wal_size = stat(side, &st) == 0 ? (long long)st.st_size : -1;
	snprintf(side, sizeof side, "%s-shm", db);
	bool shm_kept = stat(side, &st) == 0;
	expect(wal_size <= 0 && shm_kept,
	       "after the clean close: -wal %lld bytes (-1: none), -shm %s", wal_size,
	       shm_kept ? "kept" : "gone");

	/* 4. a failed fsync: refused, and the hub stops acknowledging for good.
	 * In a child process that then dies without closing the database, like
	 * the gateway killed or dying during its shutdown: the next open runs
	 * SQLite's recovery over the WAL, where the commit record was written
	 * before the fsync failed. */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		h = start_hub(db);
		s = session_open(h, &tp, "127.0.0.1");
		if (s == NULL || session_auth_token(s, token) != ERR_OK)
			_exit(100);
		/* one commit first, so that the WAL has a synced header and the
		 * failing fsync is the one after the frames of f-sync */
		a = send_and_wait(h, s, conv, "f-pre");
		expect(strcmp(a.type, "ack") == 0, "before the failure: f-pre answered %s", a.type);
		fail_syncs = 1;
		a = send_and_wait(h, s, conv, "f-sync");
		expect(strcmp(a.type, "error") == 0 && strcmp(a.code, "unavailable") == 0,
		       "failed fsync: f-sync answered %s %s (failed syncs: %d)", a.type, a.code,
		       n_failed_syncs);
		expect(hub_failed(h), "failed fsync: the hub has failed (the gateway shuts down)");
		expect(n_io_lines == 1, "failed fsync: %d commit_failed lines with action=shutdown",
		       n_io_lines);
		fail_syncs = 0;
		a = send_and_wait(h, s, conv, "f-after");
		expect(strcmp(a.type, "error") == 0 && strcmp(a.code, "unavailable") == 0,
		       "after the failed fsync, with a healthy disk again: f-after answered %s %s",
		       a.type, a.code);
		fflush(stdout);
		_exit(failures); /* no hub_destroy, no sqlite3_close: the process dies */
	}
	int status = 0;
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
		expect(false, "the child with the failed fsync did not run to its end");
	} else if (WEXITSTATUS(status) != 0) {
		failures += WEXITSTATUS(status);
	}
	int sync_rows = stored_count(db, anna, "f-sync");
	long long sync_id = stored(db, anna, "f-sync", "ifnull(max(id), 0)");
	int after_rows = stored_count(db, anna, "f-after");
	expect(after_rows == 0, "nothing written after the failure: f-after stored %d times",
	       after_rows);

	/* 5. restart: the message whose fsync failed may be stored (its commit
	 * record reached the WAL); its resend must return it, not a second one */
	h = start_hub(db);
	s = session_open(h, &tp, "127.0.0.1");
	if (s == NULL || session_auth_token(s, token) != ERR_OK)
		return 1;
	a = send_and_wait(h, s, conv, "f-sync");
	int sync_rows_after = stored_count(db, anna, "f-sync");
	expect(strcmp(a.type, "ack") == 0 && sync_rows_after == 1,
	       "restart: f-sync (stored before the resend: %d, id %lld) resent, answered %s "
	       "with id %lld, stored %d time(s)",
	       sync_rows, sync_id, a.type, a.id, sync_rows_after);
	expect(sync_rows == 1 && a.id == sync_id,
	       "restart: the message committed despite the failed fsync is answered with its "
	       "original id");
	a = send_and_wait(h, s, conv, "f-after");
	expect(strcmp(a.type, "ack") == 0, "restart: f-after answered %s", a.type);
	stop_hub(h, s);
	expect(integrity_ok(db), "PRAGMA integrity_check ok");

	char path[160];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", db, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
	printf("%s: writer_faults (%d writes failed with SQLITE_FULL; the failed fsync was "
	       "injected in the child)\n",
	       failures ? "FAIL" : "PASS", n_failed_writes);
	return failures ? 1 : 0;
}
