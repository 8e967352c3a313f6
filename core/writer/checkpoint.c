/*
 * checkpoint.c - copying the WAL into the database file, done by the writer
 * between batches, with its errors seen.
 *
 * SQLite's automatic checkpoint does the same work in the commit that
 * crosses wal_autocheckpoint, but ignores its errors.  Here the writer's
 * connection only notes the WAL's size (store_defer_checkpoints) and the
 * writer checkpoints after a commit that leaves CHECKPOINT_PAGES or more.
 * Between transactions nothing else appends to the WAL, so the checkpoint
 * can catch up and the next write restarts the WAL from its start: the file
 * stays small.  (A checkpoint on another thread, tried first, never caught
 * up under a steady load: the WAL grew to its limit and the writer ended up
 * checkpointing anyway, in longer stalls.)
 *
 * After the retention rules deleted a family's content (issue 16), the
 * writer also truncates the WAL (hub.scrub_wal): secure_delete zeroes the
 * deleted rows in the pages written since, but older frames in the WAL
 * still hold the text until the file is cut.  That needs a moment with no
 * reader in the WAL; the writer tries without waiting, after every commit,
 * until it gets one (the tick sends it a turn meanwhile).
 *
 * An I/O error in a checkpoint is treated as in a commit: the database file
 * may have lost pages that the WAL is about to stop holding, so the gateway
 * stops acknowledging and shuts down.
 */
#include "writer_int.h"

#include "../common/err.h"

/* The WAL cut to nothing, if no reader is in it now. */
static void scrub_wal(struct hub *h, struct store *writer)
{
	bool io = false;
	if (store_checkpoint_truncate(writer, &io) != ERR_OK) {
		if (io)
			hub_log(h, HUB_LOG_ERROR, "wal_truncate_failed", "io_error=yes");
		return; /* a reader: the next commit tries again */
	}
	atomic_store(&h->scrub_wal, false);
	metrics_inc(h->metrics, MC_CHECKPOINTS);
	hub_log(h, HUB_LOG_INFO, "wal_truncated", "reason=retention");
}

void checkpoint_after_commit(struct hub *h, struct store *writer)
{
	if (atomic_load(&h->scrub_wal)) {
		scrub_wal(h, writer);
		return;
	}
	if (store_wal_pages(writer) < CHECKPOINT_PAGES)
		return;
	bool io = false;
	int err = store_checkpoint(writer, &io);
	if (err == ERR_OK) {
		metrics_inc(h->metrics, MC_CHECKPOINTS);
		return;
	}
	char why[256];
	metrics_inc(h->metrics, MC_CHECKPOINT_FAILURES);
	hub_log(h, HUB_LOG_ERROR, "checkpoint_failed", "error=%s io_error=%s%s",
	        hub_log_quote(why, sizeof why, store_errmsg(writer)), io ? "yes" : "no",
	        io ? " action=shutdown" : "");
	if (io) {
		atomic_store(&h->writable, false);
		atomic_store(&h->failed, true);
	}
}
