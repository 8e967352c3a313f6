/*
 * lifetime.c - sign-in lifetimes on open sessions: the sweep over them that
 * ends those whose sign-in was revoked, expired or went idle (NIST SP
 * 800-63B, see core/auth/auth.h and docs/trust.md, "Sessions").  The same
 * sweep runs keep-alive (keepalive.c) and watches announced input.
 *
 * Activity (person_acts(): what a person does, not what a client sends by
 * itself) costs no write per frame: a frame only stamps session->active_at
 * in memory.  The sweep (every HUB_RECHECK_MS) reads each token again, and
 * where the memory stamp is auth_session_touch_interval() newer than the
 * stored last use, it queues the new value; all of them go to the writer
 * as one JOB_TOUCH, committed with whatever else is in that batch.
 */
#include "session_int.h"

#include <stdlib.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../writer/writer_int.h"

/* The last use known on the loop: the stored one or a later frame. */
static int64_t last_use(const struct session *s)
{
	return s->active_at > s->token.last_used_at ? s->active_at : s->token.last_used_at;
}

/*
 * What a person does, as against what a client sends by itself: only the
 * first keeps a sign-in from going idle, so that a staff tab left open on a
 * shared PC locks however busy its caseload is (issue 12).
 *   send     a person wrote it (an outbox resending after a reconnect sends
 *            what a person wrote, and only once)
 *   read     a person was shown the conversation: the web clients send it
 *            for the conversation on a visible page.  (The staff client also
 *            marks the conversation on screen read when a message arrives
 *            there, so a visible tab left on one busy conversation counts as
 *            used; the caseload's other traffic does not.)
 *   history  a person opened a conversation or scrolled back in it
 * Not activity:
 *   auth       a client reconnects by itself after every drop
 *   sync       its catch-up after each reconnect
 *   ping       every 25 s from the web clients, to keep the link alive
 *   delivered  sent whenever messages arrive (shared/delivery.js)
 *   viewing    sent on visibility changes and again at each reconnect
 * No default: a new frame type must be decided here (-Wswitch).
 */
static bool person_acts(enum frame_type type)
{
	switch (type) {
	case FRAME_SEND:
	case FRAME_READ:
	case FRAME_HISTORY:
	case FRAME_HANDLED:
	case FRAME_ANSWERING: /* said while writing a reply */
	case FRAME_CORRECT:
	case FRAME_WITHDRAW:
		return true;
	case FRAME_AUTH:
	case FRAME_SYNC:
	case FRAME_PING:
	case FRAME_DELIVERED:
	case FRAME_VIEWING:
		return false;
	}
	return false;
}

/* Token ids and last-use times to write back, gathered by one sweep. */
struct sweep {
	struct hub *h;
	uint64_t slice, slices; /* this tick's sessions: id % slices == slice */
	int64_t now;
	int64_t *touch;
	size_t n, cap;
};

static void sweep_touch(struct sweep *w, const struct session *s, int64_t at)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 32;
		int64_t *t = realloc(w->touch, 2 * cap * sizeof *t);
		if (t == NULL)
			return; /* written at the next sweep */
		w->touch = t;
		w->cap = cap;
	}
	w->touch[2 * w->n] = s->token.id;
	w->touch[2 * w->n + 1] = at;
	w->n++;
}

/* The sign-in ended for time: an `unauthorized` error (with the ref of the
 * frame that found it, if one did), then 4401 with the reason that tells a
 * client which, e.g. for the staff client's lock screen. */
static void end_session(struct hub *h, struct session *s, const char *ref,
                        enum auth_session_end why)
{
	char peer[80];
	bool idle = why == AUTH_SESSION_IDLE;
	hub_log(h, HUB_LOG_INFO, "session_ended", "reason=%s session=%llu user=%lld peer=%s",
	        idle ? "idle" : "expired", (unsigned long long)s->id, (long long)s->user.ref.id,
	        hub_log_quote(peer, sizeof peer, s->peer));
	outbox_clear(s); /* nothing more is disclosed on an ended sign-in */
	outbox_send_error(s, ref, ERR_UNAUTHORIZED,
	                  idle ? "Signed out after a time without activity; sign in again."
	                       : "The sign-in has expired; sign in again.");
	s->state = SESSION_CLOSING;
	session_close(s, CLOSE_UNAUTHORIZED, idle ? "idle" : "expired");
}

/* The stored last use, when it is newer than the one the loop knows: an HTTP
 * request of the same sign-in is use too, and the sweep reads it only every
 * HUB_RECHECK_MS. */
static void last_use_reread(struct session *s)
{
	struct store_token t;
	int err = store_token_recheck(s->hub->store, s->token.id, text_now_ms(), &t);
	if ((err == ERR_OK || err == ERR_UNAUTHORIZED) && t.last_used_at > s->token.last_used_at)
		s->token.last_used_at = t.last_used_at;
}

bool lifetime_activity(struct session *s, enum frame_type type, const char *ref, int64_t now)
{
	enum auth_session_end end =
	    auth_session_check(s->token.expires_at, last_use(s), s->token.idle_ms, now);
	if (end == AUTH_SESSION_IDLE) {
		last_use_reread(s); /* idle by what the loop knows; maybe not by the store */
		end = auth_session_check(s->token.expires_at, last_use(s), s->token.idle_ms, now);
	}
	if (end != AUTH_SESSION_LIVE) {
		end_session(s->hub, s, ref, end);
		return false;
	}
	if (person_acts(type))
		s->active_at = now;
	return true;
}

static void sweep_session(int64_t key, void *val, void *arg)
{
	(void)key;
	struct sweep *w = arg;
	struct session *s = val;
	struct store_token t;
	if (!keepalive_watch_input(s)) /* every session, every tick */
		return;
	if (s->state != SESSION_AUTHED || s->id % w->slices != w->slice)
		return;
	if (!keepalive_check(s, w->now))
		return;
	int err = store_token_recheck(w->h->store, s->token.id, w->now, &t);
	if (err == ERR_UNAUTHORIZED && t.ended == AUTH_SESSION_LIVE) {
		/* revoked, signed out or deactivated elsewhere */
		outbox_clear(s);
		s->state = SESSION_CLOSING;
		session_close(s, CLOSE_REVOKED, "signed out, revoked or deactivated");
		return;
	}
	if (err != ERR_OK && err != ERR_UNAUTHORIZED)
		return; /* the database is busy: look again next time */
	/* Expired or idle by the stored last use: a frame since may still count. */
	if (t.last_used_at > s->token.last_used_at)
		s->token.last_used_at = t.last_used_at;
	enum auth_session_end end =
	    auth_session_check(t.expires_at, last_use(s), t.idle_ms, w->now);
	if (end != AUTH_SESSION_LIVE) {
		end_session(w->h, s, NULL, end);
		return;
	}
	if (s->active_at > 0 && auth_session_touch_due(t.last_used_at, s->active_at, t.idle_ms)) {
		sweep_touch(w, s, s->active_at);
		s->token.last_used_at = s->active_at;
	}
}

void lifetime_sweep(struct hub *h)
{
	struct sweep w = {.h = h, .now = text_now_ms()};
	w.slices = HUB_RECHECK_MS / HUB_TICK_MS;
	w.slice = h->sweep_slice++ % w.slices;
	idmap_each(h->sessions, sweep_session, &w);
	if (w.n == 0 || h->shutting_down) {
		free(w.touch);
		return;
	}
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		free(w.touch);
		return;
	}
	j->type = JOB_TOUCH;
	j->slide_ms = h->cfg.policy.device_session_ms;
	j->touch = w.touch;
	j->n_touch = w.n;
	writer_submit(h, j);
}

int lifetime_touch_run(struct store *s, struct job *j)
{
	int err = ERR_OK;
	for (size_t i = 0; i < j->n_touch && err == ERR_OK; i++)
		err = store_token_touch(s, j->touch[2 * i], j->touch[2 * i + 1], j->slide_ms);
	return err;
}
