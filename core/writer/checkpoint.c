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
 * An I/O error in a checkpoint is treated as in a commit: the database file
 * may have lost pages that the WAL is about to stop holding, so the gateway
 * stops acknowledging and shuts down.
 */
#include "writer_int.h"

#include "../common/err.h"

void checkpoint_after_commit(struct hub *h, struct store *writer)
{
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
