/*
 * writer_int.h - the writer thread (writer.c), which group-commits every
 * write of the WebSocket side, and its checkpoints (checkpoint.c).  Internal
 * to the running gateway: the hub starts and stops it, sessions submit jobs.
 */
#ifndef INDGANG_WRITER_INT_H
#define INDGANG_WRITER_INT_H

#include "../hub/hub_int.h"

/* ---- writer.c ----------------------------------------------------------------------- */

int writer_start(struct hub *h);
/* Commits what is queued (nothing acked is lost), then joins the thread. */
void writer_stop(struct hub *h);
/* Hands j to the writer (takes it); it comes back through done_q once its
 * batch is committed or refused. */
void writer_submit(struct hub *h, struct job *j);
/* The same from any thread (the Web Push sender): not one of the loop's own
 * jobs (hub.inflight), its result comes back through done_q all the same. */
void writer_submit_any(struct hub *h, struct job *j);
/* Any thread but the writer's: runs op(s, arg) in the writer's next group
 * commit and waits for it (svc_in_tx's keep-or-undo rule, one fsync shared
 * with the batch).  ERR_UNAVAILABLE when the writer has stopped. */
int writer_run(struct hub *h, int (*op)(struct store *s, void *arg), void *arg);
/* A contact-log row of kind for u (e.g. "denied"), written with the next
 * batch; nobody waits for it. */
void writer_log_later(struct hub *h, const struct store_user *u, const char *kind, int64_t family,
                      int64_t conv, const char *detail);
/* Staff reads: the reply (taken over) is sent to s only once the "access"
 * rows for these families are committed; at once when there are none. */
void writer_reply_after_access_log(struct session *s, const char *ref, const int64_t *families,
                                   size_t n, int64_t conv, const char *what, char *reply);

/* ---- checkpoint.c ------------------------------------------------------------------- */

/* The writer copies the WAL into the database after a commit that leaves
 * CHECKPOINT_PAGES or more (1 MiB; SQLite's default is 1,000).  While it
 * does, new sends wait; the pages a message dirties are scattered, so the
 * copy costs per page and 1,000 pages took 1-6 ms (more as the database
 * grew), 250 take about 1.3 ms: the same work in shorter stalls. */
#define CHECKPOINT_PAGES 250
void checkpoint_after_commit(struct hub *h, struct store *writer);

#endif
