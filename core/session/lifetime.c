/*
 * lifetime.c - sign-in lifetimes on open sessions: the sweep over them that
 * ends those whose sign-in was revoked, expired or went idle (NIST SP
 * 800-63B, see core/auth/auth.h and docs/trust.md, "Sessions").  The same
 * sweep runs keep-alive (keepalive.c) and watches announced input.
 *
 * Activity costs no write per frame: a frame only stamps session->active_at
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

/* Only what a person does counts: the staff web client pings every 25 s
 * on its own, and a tab left open must still go idle. */
bool lifetime_activity(struct session *s, enum frame_type type, int64_t now)
{
	if (auth_session_check(s->token.expires_at, last_use(s), s->token.idle_ms, now) !=
	    AUTH_SESSION_LIVE)
		return false;
	if (type != FRAME_PING)
		s->active_at = now;
	return true;
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

static void end_session(struct hub *h, struct session *s, enum auth_session_end why)
{
	char peer[80];
	bool idle = why == AUTH_SESSION_IDLE;
	hub_log(h, HUB_LOG_INFO, "session_ended", "reason=%s session=%llu user=%lld peer=%s",
	        idle ? "idle" : "expired", (unsigned long long)s->id, (long long)s->user.ref.id,
	        hub_log_quote(peer, sizeof peer, s->peer));
	outbox_clear(s); /* nothing more is disclosed on an ended sign-in */
	outbox_send_error(s, NULL, ERR_UNAUTHORIZED,
	                  idle ? "Signed out after a time without activity; sign in again."
	                       : "The sign-in has expired; sign in again.");
	s->state = SESSION_CLOSING;
	/* The close reason tells a client which, e.g. for its sign-in form. */
	session_close(s, CLOSE_UNAUTHORIZED, idle ? "idle" : "expired");
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
		end_session(w->h, s, end);
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
