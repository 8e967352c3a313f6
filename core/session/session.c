/*
 * session.c - one WebSocket connection: its lifecycle, and its input up to
 * the verb (verb.c).
 *
 *   session_open()               session_auth_token(): the cookie at the
 *        |                       upgrade, or verb.c's "auth" frame
 *        v                                 |
 *   SESSION_NEW ----------------------> SESSION_AUTHED --(welcome, then verbs)--+
 *        |  a frame before the auth or       |  revoked, signed out (4403),       |
 *        |  a bad token (4401), the 10 s     |  expired or idle (4401), silent    |
 *        |  deadline (4401), too many        |  (1001), abuse (1008), too big     |
 *        |  connections (4429), abuse        |  (1009), shutdown (1001)           |
 *        |  (1008), too big (1009),          |                                    |
 *        v  shutdown (1001)                  v                                    |
 *   SESSION_CLOSING <------------------------+------------------------------------+
 *        |  outbox written (session_close_pending()), the gateway closes
 *        v
 *   session_closed() frees it
 *
 * Behind the arrows: session_refuse_unauthenticated() (a frame before the
 * auth, a bad token, and the deadline through session_auth_deadline() from
 * session_expire_unauthenticated() on each tick), session_refuse() (4429
 * here, a foreign Origin in the gateway), session_fail() (abuse here, silent
 * and too big in keepalive.c), lifetime.c (a frame that finds its sign-in
 * expired or idle, and the sweep: revoked, expired, idle; an idle staff
 * sign-in is locked, not ended, but its sockets close all the same: see
 * core/service/unlock.c), core/workers/http_call.c (a sign-out or
 * revocation over HTTP) and core/hub/hub.c (shutdown).  A session only ever
 * moves down the picture.  session_close() alone (lagging 4408 in outbox.c,
 * an internal error) sets the close code but not the state: the outbox
 * takes no more frames, and input still arriving is handled until the
 * gateway has closed.
 *
 * Input arrives here (session_input): a frame is decoded, rate-limited and
 * checked against the state, then handed to its verb (verb.c).  Reads
 * bounded by their limit (sync, history) run on the loop's own connection;
 * the welcome, which grows with the conversations a user may see, is built
 * on the reader thread (core/hub/reader.c) while its place in the outbox is
 * held; writes (send, read) become jobs for the writer (core/writer).
 */
#include "session_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../service/service.h"

/* Rate limit: a bucket of 2 x ws_rate frames refilled at ws_rate per second.
 * Abuse is sending on while refused: RATE_STRIKES refusals with no pause of
 * RATE_PAUSE_MS between frames close the connection (1008).  A client that
 * backs off after rate_limited (a second refills half the bucket) starts
 * afresh, however often it bursts; a refusal costs the server little. */
#define RATE_STRIKES  200
#define RATE_PAUSE_MS 1000

/* Sessions waiting for their auth deadline, in opening order: appended at
 * the tail, taken from the head; one that signs in simply stays until its
 * deadline passes unnoticed. */
static void auth_list_append(struct hub *h, struct session *s, int64_t deadline_ms)
{
	s->auth_deadline_ms = deadline_ms;
	s->auth_prev = h->auth_tail;
	s->auth_next = NULL;
	if (h->auth_tail)
		h->auth_tail->auth_next = s;
	else
		h->auth_head = s;
	h->auth_tail = s;
	s->auth_listed = true;
}

static void auth_list_remove(struct hub *h, struct session *s)
{
	if (!s->auth_listed)
		return;
	if (s->auth_prev)
		s->auth_prev->auth_next = s->auth_next;
	else
		h->auth_head = s->auth_next;
	if (s->auth_next)
		s->auth_next->auth_prev = s->auth_prev;
	else
		h->auth_tail = s->auth_prev;
	s->auth_prev = s->auth_next = NULL;
	s->auth_listed = false;
}

struct session *session_open(struct hub *h, void *transport, const char *peer_addr)
{
	struct session *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->hub = h;
	s->id = ++h->next_session_id;
	s->transport = transport;
	text_copy(s->peer, sizeof s->peer, peer_addr ? peer_addr : "");
	s->bucket = 2 * h->cfg.ws_rate;
	s->bucket_at = text_now_ms();
	s->heard_at = s->bucket_at;
	if (idmap_put(h->sessions, (int64_t)s->id, s) != 0) {
		free(s);
		return NULL;
	}
	s->conn_gauge = MG_CONN_UNAUTH;
	metrics_gauge_add(h->metrics, MG_CONN_UNAUTH, 1);
	metrics_inc(h->metrics, MC_WS_OPENED);
	auth_list_append(h, s, text_now_ms() + HUB_AUTH_DEADLINE_MS);
	return s;
}

void session_free(struct session *s)
{
	outbox_clear(s);
	free(s->q);
	free(s);
}

void session_closed(struct session *s)
{
	if (s == NULL)
		return;
	auth_list_remove(s->hub, s);
	registry_remove(s->hub, s);
	presence_move(s->hub->presence, s->user.ref.id, s->viewing, 0);
	idmap_del(s->hub->sessions, (int64_t)s->id);
	metrics_gauge_add(s->hub->metrics, s->conn_gauge, -1);
	session_free(s);
}

void session_close(struct session *s, int code, const char *reason)
{
	if (s->close_code != 0)
		return;
	s->close_code = code;
	s->close_reason = reason;
	s->hub->hooks.want_write(s->transport);
}

void session_fail(struct session *s, int code, const char *reason)
{
	outbox_clear(s);
	s->state = SESSION_CLOSING;
	session_close(s, code, reason);
}

void session_refuse(struct session *s, int err, int code, const char *why)
{
	outbox_send_error(s, NULL, err, why);
	s->state = SESSION_CLOSING;
	session_close(s, code, err_code(err));
}

void session_refuse_unauthenticated(struct session *s, const char *ref, const char *why)
{
	outbox_send_error(s, ref, ERR_UNAUTHORIZED, why);
	s->state = SESSION_CLOSING;
	session_close(s, CLOSE_UNAUTHORIZED, "unauthorized");
}

void session_expire_unauthenticated(struct hub *h)
{
	int64_t now = text_now_ms();
	struct session *s;
	while ((s = h->auth_head) != NULL && s->auth_deadline_ms <= now) {
		auth_list_remove(h, s);
		session_auth_deadline(s); /* nothing for a session that signed in */
	}
}

void session_auth_deadline(struct session *s)
{
	if (s->state != SESSION_NEW)
		return;
	metrics_inc(s->hub->metrics, MC_AUTH_FAIL_WS);
	session_refuse_unauthenticated(s, NULL, "Authenticate within 10 seconds.");
}

/*
 * Signed-in connections are limited per account and per sign-in (an
 * enrolled phone, or one browser's staff sign-in), not per address: a
 * carrier's or an office's NAT shows many people under one address.  True
 * when s, just authenticated, is within both limits.
 */
static bool session_within_limits(const struct session *s)
{
	int account = 0, device = 0;
	for (const struct session *t = registry_sessions_of(s->hub, s->user.ref.id); t;
	     t = t->next_of_user)
		if (t->state == SESSION_AUTHED) {
			account++;
			device += t->token.id == s->token.id;
		}
	return account < s->hub->cfg.per_account && device < s->hub->cfg.per_device;
}

int session_auth_token(struct session *s, const char *token)
{
	struct metrics *m = s->hub->metrics;
	int err = svc_authenticate(s->hub->store, token, text_now_ms(), &s->user, &s->token);
	if (err) {
		char peer[80];
		metrics_inc(m, MC_AUTH_FAIL_WS);
		hub_log(s->hub, HUB_LOG_INFO, "auth_failed", "kind=websocket peer=%s",
		        hub_log_quote(peer, sizeof peer, s->peer));
		return err;
	}
	if (!session_within_limits(s)) {
		hub_log(s->hub, HUB_LOG_WARNING, "ws_refused_connections",
		        "user=%lld token=%lld per_account=%d per_device=%d",
		        (long long)s->user.ref.id, (long long)s->token.id, s->hub->cfg.per_account,
		        s->hub->cfg.per_device);
		session_refuse(s, ERR_RATE_LIMITED, CLOSE_TOO_MANY,
		               "Too many open connections for this account or device; close one.");
		return ERR_RATE_LIMITED;
	}
	metrics_gauge_add(m, s->conn_gauge, -1);
	s->conn_gauge = hub_conn_gauge(s->user.ref.role);
	metrics_gauge_add(m, s->conn_gauge, 1);
	s->state = SESSION_AUTHED; /* opening a connection is no use of the sign-in (lifetime.c) */
	registry_add(s->hub, s);   /* from here on it is fanned out to */
	if (s->hub->hooks.signed_in)
		s->hub->hooks.signed_in(s->transport);
	verb_welcome(s);
	return ERR_OK;
}

/* Token bucket: true when the frame may be handled now. */
static bool rate_allow(struct session *s)
{
	int64_t now = text_now_ms();
	double rate = s->hub->cfg.ws_rate;
	if (now - s->bucket_at >= RATE_PAUSE_MS)
		s->strikes = 0; /* it paused: earlier refusals were heeded */
	s->bucket += (double)(now - s->bucket_at) * rate / 1000.0;
	if (s->bucket > 2 * rate)
		s->bucket = 2 * rate;
	s->bucket_at = now;
	if (s->bucket >= 1.0) {
		s->bucket -= 1.0;
		return true;
	}
	return false;
}

/* Too many frames refused for rate: close with 1008. */
static void session_abuse(struct session *s)
{
	char peer[80];
	metrics_inc(s->hub->metrics, MC_WS_ABUSE);
	hub_log(s->hub, HUB_LOG_WARNING, "ws_closed_abuse", "session=%llu user=%lld peer=%s",
	        (unsigned long long)s->id, (long long)s->user.ref.id,
	        hub_log_quote(peer, sizeof peer, s->peer));
	session_fail(s, CLOSE_POLICY, "too many frames");
}

void session_input(struct session *s, const char *data, size_t len)
{
	if (s->state == SESSION_CLOSING)
		return;
	struct frame f;
	memset(&f, 0, sizeof f);
	const char *why = NULL;
	int err = codec_decode_frame(data, len, &f, &why);
	const char *ref = f.has_ref ? f.ref : NULL;
	metrics_inc(s->hub->metrics, MC_WS_FRAMES_IN);
	if (!rate_allow(s)) {
		metrics_inc(s->hub->metrics, MC_RATE_LIMITED_WS);
		if (++s->strikes >= RATE_STRIKES)
			session_abuse(s);
		else
			outbox_send_error(s, ref, ERR_RATE_LIMITED, "Too many frames; slow down.");
	} else if (s->state == SESSION_NEW && (err || f.type != FRAME_AUTH)) {
		session_refuse_unauthenticated(s, ref, "Authenticate first.");
	} else if (err) {
		outbox_send_error(s, ref, err, why);
	} else if (f.type != FRAME_AUTH && !lifetime_activity(s, f.type, ref, text_now_ms())) {
		/* ended for time: refused and closed (4401 `idle` or `expired`) */
	} else {
		verb_dispatch(s, &f);
	}
	codec_frame_free(&f);
}

/* ---- What the transport should do -------------------------------------------- */

bool session_wants_write(const struct session *s)
{
	return outbox_ready(s) || s->close_code != 0 || s->ping_wanted;
}

bool session_close_pending(struct session *s, int *code, const char **reason)
{
	if (s->close_code == 0 || s->count > 0)
		return false;
	*code = s->close_code;
	*reason = s->close_reason;
	return true;
}
