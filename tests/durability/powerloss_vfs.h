/*
 * powerloss_vfs.h - an SQLite VFS for tests that simulates a power cut.
 *
 * It wraps the default VFS and keeps every write to a database, WAL or
 * rollback journal in this process's memory until the file is synced
 * (xSync), the way an operating system keeps dirty pages in its page cache
 * until fsync.  Killing the process then loses exactly what was never
 * synced, as a power cut loses what never reached the disk; a plain
 * `kill -9` cannot show a missing fsync, because the kernel still holds the
 * dead process's writes.  (The idea of SQLite's own crash-test VFS, test6.c.)
 *
 * The unsynced state is kept per file path and shared by every connection
 * of the process, like a page cache; a sync through any handle writes out
 * all of it, like fsync.  Truncations are deferred the same way.  Locks,
 * shared memory and deletes go straight to the real VFS (a power cut also
 * wipes the -shm file, and SQLite rebuilds it from the WAL on the next open).
 *
 * Test use only: never linked into indgang.
 */
#ifndef INDGANG_POWERLOSS_VFS_H
#define INDGANG_POWERLOSS_VFS_H

#include <stdint.h>

#define POWERLOSS_VFS_NAME "powerloss"

/* Registers the VFS as the process's default.  lie_about_sync: xSync
 * reports success but writes nothing (a disk that ignores flushes), the
 * control experiment that must lose acknowledged data.  SQLITE_OK or an
 * SQLite error code. */
int powerloss_vfs_register(int lie_about_sync);

/* Makes each later xSync fail with probability percent/100 (0 turns it
 * off), the way Linux reports a failed writeback: the unsynced writes of
 * that file are dropped (the kernel drops the dirty pages and a retried
 * fsync would succeed on what is left) and SQLITE_IOERR_FSYNC is returned.
 * seed makes the choice repeatable. */
void powerloss_vfs_fail_syncs(double percent, unsigned seed);

/* Totals since registration, for the report. */
struct powerloss_stats {
	uint64_t syncs;        /* xSync calls on overlaid files */
	uint64_t bytes_synced; /* bytes written out by those syncs */
	uint64_t writes;       /* xWrite calls on overlaid files */
	uint64_t failed_syncs; /* xSync calls made to fail (powerloss_vfs_fail_syncs) */
};
void powerloss_vfs_stats(struct powerloss_stats *out);

#endif
