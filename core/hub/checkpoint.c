/*
 * checkpoint.c - the checkpointer thread: copies the WAL into the database
 * file beside the writer instead of inside its commits.
 *
 * SQLite's own checkpoints run in the commit that crosses the WAL's size
 * limit, copying every page the batch touched and syncing the database file:
 * the sends of that batch then wait for it, which is what a send->ack p99
 * shows.  Here the writer only notes the WAL's size after each commit
 * (store_defer_checkpoints) and wakes this thread past CHECKPOINT_PAGES; it
 * runs a PASSIVE checkpoint on a connection of its own, which never waits for
 * the writer.  Under a load that never pauses the WAL can still outgrow the
 * copies (it restarts only when a checkpoint has caught up at the start of a
 * write), so past CHECKPOINT_HARD_PAGES the writer checkpoints itself, once,
 * between batches.
 *
 * A failed checkpoint is reported, and an I/O error in one is treated as
 * in a commit: the database file may have lost pages that the WAL is about
 * to stop holding, so the gateway stops acknowledging and shuts down.
 */
#include "hub_int.h"

#include <stdio.h>

#include "../common/err.h"

static void checkpoint_once(struct hub *h, struct store *s, const char *who)
{
	bool io = false;
	int err = store_checkpoint(s, &io);
	if (err == ERR_OK) {
		metrics_inc(h->metrics, MC_CHECKPOINTS);
		return;
	}
	char why[256];
	metrics_inc(h->metrics, MC_CHECKPOINT_FAILURES);
	hub_log(h, HUB_LOG_ERROR, "checkpoint_failed", "by=%s error=%s io_error=%s%s", who,
	        hub_log_quote(why, sizeof why, store_errmsg(s)), io ? "yes" : "no",
	        io ? " action=shutdown" : "");
	if (io) {
		atomic_store(&h->writable, false);
		atomic_store(&h->failed, true);
		h->hooks.wake(h->hooks.ctx);
	}
}

static void *checkpointer_main(void *arg)
{
	struct hub *h = arg;
	struct store *s;
	if (store_open(h->cfg.db_path, &s) != ERR_OK) {
		hub_log(h, HUB_LOG_ERROR, "checkpointer_open_failed", "action=%s",
		        "writer_checkpoints_itself");
		pthread_mutex_lock(&h->ckpt_mu);
		h->ckpt_unavailable = true;
		pthread_mutex_unlock(&h->ckpt_mu);
		return NULL;
	}
	pthread_mutex_lock(&h->ckpt_mu);
	while (!h->ckpt_stop) {
		if (!h->ckpt_wanted) {
			pthread_cond_wait(&h->ckpt_cv, &h->ckpt_mu);
			continue;
		}
		h->ckpt_wanted = false;
		pthread_mutex_unlock(&h->ckpt_mu);
		checkpoint_once(h, s, "checkpointer");
		pthread_mutex_lock(&h->ckpt_mu);
	}
	pthread_mutex_unlock(&h->ckpt_mu);
	store_close(s);
	return NULL;
}

void checkpoint_after_commit(struct hub *h, struct store *writer)
{
	int pages = store_wal_pages(writer);
	if (pages < CHECKPOINT_PAGES)
		return;
	pthread_mutex_lock(&h->ckpt_mu);
	bool alone = h->ckpt_unavailable || !h->ckpt_started;
	if (!alone) {
		h->ckpt_wanted = true;
		pthread_cond_signal(&h->ckpt_cv);
	}
	pthread_mutex_unlock(&h->ckpt_mu);
	if (alone || pages >= CHECKPOINT_HARD_PAGES)
		checkpoint_once(h, writer, "writer");
}

int checkpointer_start(struct hub *h)
{
	pthread_mutex_init(&h->ckpt_mu, NULL);
	pthread_cond_init(&h->ckpt_cv, NULL);
	h->ckpt_inited = true;
	if (pthread_create(&h->ckpt_thread, NULL, checkpointer_main, h) != 0)
		return ERR_INTERNAL;
	h->ckpt_started = true;
	return ERR_OK;
}

void checkpointer_stop(struct hub *h)
{
	if (!h->ckpt_inited)
		return;
	pthread_mutex_lock(&h->ckpt_mu);
	h->ckpt_stop = true;
	pthread_cond_signal(&h->ckpt_cv);
	bool started = h->ckpt_started;
	h->ckpt_started = false;
	pthread_mutex_unlock(&h->ckpt_mu);
	if (started)
		pthread_join(h->ckpt_thread, NULL);
	pthread_cond_destroy(&h->ckpt_cv);
	pthread_mutex_destroy(&h->ckpt_mu);
	h->ckpt_inited = false;
}
