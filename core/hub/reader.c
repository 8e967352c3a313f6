/*
 * reader.c - the reader thread: reads whose cost grows with the data run
 * here, on a connection of their own, so the event loop never waits for
 * them.  Today that is the welcome: every conversation a user may see, with
 * members, read positions and counters (a staff member's grows with their
 * families).  sync and history stay on the loop: each is bounded by its
 * limit (at most 500 messages).
 *
 * The session holds the welcome's place in its outbox meanwhile
 * (outbox_hold_welcome), so it is still the first frame after the auth;
 * the result comes back through done_q and hooks.wake like the writer's,
 * and hub_drain() puts it in that place (outbox_fill_welcome).
 */
#include "hub_int.h"

#include <sys/prctl.h>
#include <stdlib.h>

#include "../common/err.h"
#include "../common/text.h"

/* The welcome for j->user into j->reply, or j->err.  Nothing is lost
 * between the auth and this read: the session was registered for fan-out
 * before the job was queued, so a message committed before this read is in
 * last_id and one committed after it is delivered live, behind the welcome. */
static void welcome_build(struct store *s, struct job *j)
{
	struct conv_list convs = {0};
	int64_t last_id = 0;
	int err =
	    s ? store_user_conversations(s, &j->user, text_now_ms(), &convs) : ERR_UNAVAILABLE;
	if (err == ERR_OK)
		err = store_last_visible_id(s, &j->user, &last_id);
	if (err == ERR_OK) {
		j->reply = codec_encode_welcome(&j->user.ref, text_now_ms(), last_id, &convs);
		if (j->reply == NULL)
			err = ERR_INTERNAL;
	}
	j->err = err;
	conv_list_free(&convs);
}

static void *reader_main(void *arg)
{
	struct hub *h = arg;
	prctl(PR_SET_NAME, "indgang-reader"); /* its name in top -H, ps -L, /proc */
	struct store *s = NULL;
	if (store_open(h->cfg.db_path, &s) != ERR_OK) {
		char path[512];
		hub_log(h, HUB_LOG_ERROR, "reader_open_failed", "db=%s",
		        hub_log_quote(path, sizeof path, h->cfg.db_path));
	}
	struct job *j;
	while ((j = job_queue_take(&h->read_q, 1, true)) != NULL) {
		if (j->type == JOB_WELCOME)
			welcome_build(s, j);
		job_queue_push(&h->done_q, j);
		h->hooks.wake(h->hooks.ctx);
	}
	store_close(s);
	return NULL;
}

int reader_start(struct hub *h)
{
	if (pthread_create(&h->reader, NULL, reader_main, h) != 0)
		return ERR_INTERNAL;
	h->reader_started = true;
	return ERR_OK;
}

void reader_stop(struct hub *h)
{
	job_queue_close(&h->read_q); /* what is queued is still built, then it exits */
	if (h->reader_started)
		pthread_join(h->reader, NULL);
	h->reader_started = false;
}

void reader_submit(struct hub *h, struct job *j)
{
	h->inflight++;
	job_queue_push(&h->read_q, j);
}
