/*
 * session_int.h - internals shared by the files of core/session/ and the
 * other parts of the running gateway that reach sessions (the writer, the
 * HTTP workers, the hub's drain).
 *
 * Ownership at a glance:
 *   - struct session is owned by the hub from session_open() until
 *     session_closed().
 *   - struct out_frame is refcounted: one encoded message is shared by every
 *     outbox it is fanned out to.  Only the loop thread touches refcounts.
 */
#ifndef INDGANG_SESSION_INT_H
#define INDGANG_SESSION_INT_H

#include "session.h"
#include "../hub/hub_int.h"

struct out_frame {
	unsigned refs;
	size_t len; /* payload bytes, after the headroom */
	unsigned char data[];
};

enum session_state { SESSION_NEW = 0, SESSION_AUTHED, SESSION_CLOSING };

struct session {
	struct hub *hub;
	uint64_t id;
	void *transport;
	char peer[64];
	enum session_state state;
	struct store_user user;
	struct store_token token;
	int64_t active_at;            /* the last frame (memory only; see lifetime.c) */
	int64_t heard_at;             /* the last bytes or pong from the peer (keepalive.c) */
	bool pinged;                  /* a ping went out since heard_at */
	bool ping_wanted;             /* the transport should write a ping */
	struct session *next_of_user; /* registry: the user's other sessions */
	int64_t viewing;              /* the conversation on screen (presence.c), 0: none */
	/* outbox: a ring of frames */
	struct out_frame **q;
	size_t head, count, cap, bytes;
	/* The welcome's place in q while the reader builds it (an empty frame):
	 * nothing from there on is written until it is filled; NULL otherwise. */
	struct out_frame *welcome_slot;
	int close_code;
	const char *close_reason;
	enum metric_gauge conn_gauge; /* which connections gauge counts it */
	/* waiting to authenticate: the hub's list in opening order */
	struct session *auth_prev, *auth_next;
	int64_t auth_deadline_ms;
	bool auth_listed;
	/* rate limit: a token bucket of frames (session.c, rate_allow) */
	double bucket;
	int64_t bucket_at; /* the last frame: the bucket is filled up to here */
	unsigned strikes;  /* refusals since the client last paused */
};

/* ---- session.c: the lifecycle ------------------------------------------------------ */

/* Requests a close once what is queued has been written. */
void session_close(struct session *s, int code, const char *reason);
/* Drops what is queued and closes with code. */
void session_fail(struct session *s, int code, const char *reason);
/* An `unauthorized` error (with ref), then close with 4401. */
void session_refuse_unauthenticated(struct session *s, const char *ref, const char *why);
/* Closes the sessions whose authentication deadline has passed (4401):
 * they wait in opening order, so this costs O(expired).  From hub_tick(). */
void session_expire_unauthenticated(struct hub *h);
/* Frees a session's memory without the bookkeeping of session_closed():
 * for hub_destroy(), when the registry goes with the hub. */
void session_free(struct session *s);

/* ---- verb.c: what a signed-in session asks for ------------------------------------ */

/* Runs the verb of a decoded, rate-allowed frame from s (in any state
 * session_input() lets through). */
void verb_dispatch(struct session *s, struct frame *f);
/* Queues the welcome for s, just signed in (built on the reader thread,
 * its place held in the outbox). */
void verb_welcome(struct session *s);
/* Loop thread: applies a job of a session (send, read, log with a reply,
 * welcome) that came back from the writer or the reader. */
void verb_apply(struct hub *h, struct job *j);

/* ---- outbox.c: the bounded queue of encoded frames -------------------------------- */

struct out_frame *outbox_frame_new(struct hub *h, char *json); /* takes json */
void outbox_frame_unref(struct out_frame *f);
/* Queues f (adding a reference); a full outbox closes the session as lagging. */
void outbox_push(struct session *s, struct out_frame *f);
/* Encodes and queues a single-use frame (takes json). */
void outbox_send_json(struct session *s, char *json);
void outbox_send_error(struct session *s, const char *ref, int err, const char *message);
/* Holds the welcome's place: frames queued after it wait until it is filled
 * (takes json, the welcome or an error frame); a session whose outbox was
 * dropped meanwhile (closing) gets nothing. */
void outbox_hold_welcome(struct session *s);
void outbox_fill_welcome(struct session *s, char *json);
/* The frame at the head may be written (it is not the welcome's held place). */
bool outbox_ready(const struct session *s);
/* Drops every queued frame (and a held welcome). */
void outbox_clear(struct session *s);

/* ---- keepalive.c ----------------------------------------------------------------- */

/* Pings a signed-in session silent for idle_ping_ms and closes it once
 * silent for idle_drop_ms; part of the sweep, so every session is looked at
 * every HUB_RECHECK_MS.  False when it closed the session. */
bool keepalive_check(struct session *s, int64_t now);
/* Closes (1009) a session whose announced message is over HUB_MESSAGE_MAX
 * (hooks.input_announced); the sweep asks for every session on every tick,
 * so within HUB_TICK_MS.  False when it closed the session. */
bool keepalive_watch_input(struct session *s);

/* ---- lifetime.c: sign-in lifetimes on open sessions -------------------------------- */

/* A frame of type (with ref, or NULL) arrived on s at now.  False when the
 * sign-in had already ended, expired or idle: then the frame is refused and
 * s closed (4401, reason `expired` or `idle`).  Else true, and the frame is
 * use of the sign-in when a person sent it (send, read, history), not when
 * a client does by itself (auth, sync, ping, delivered, viewing). */
bool lifetime_activity(struct session *s, enum frame_type type, const char *ref, int64_t now);
/* The periodic sweep behind hub_tick(): every session's announced input
 * (1009), then one slice of the sessions: silent (1001), revoked (4403),
 * expired or idle (4401), and the last use of busy sessions written back in
 * one job. */
void lifetime_sweep(struct hub *h);
/* Writer thread: runs a JOB_TOUCH. */
int lifetime_touch_run(struct store *s, struct job *j);

/* ---- registry.c: open sessions per user, and fan-out ------------------------------ */

/* s has signed in: from now on it is fanned out to. */
void registry_add(struct hub *h, struct session *s);
void registry_remove(struct hub *h, struct session *s);
/* The first open session of a user (then next_of_user), or NULL. */
struct session *registry_sessions_of(struct hub *h, int64_t user_id);
/* Pushes frame f to every signed-in session of the users in r, but skip
 * (may be NULL); returns how many. */
size_t registry_fan_out(struct hub *h, const struct route_set *r, struct out_frame *f,
                        const struct session *skip);

#endif
