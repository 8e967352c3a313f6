/*
 * session.c - one WebSocket connection: its lifecycle and its verbs.
 *
 *   session_open()          session_auth_token() / "auth" frame
 *        |                           |
 *        v                           v
 *   SESSION_NEW --------------> SESSION_AUTHED --(welcome, then verbs)--+
 *        |  other frame, bad token,    |  logout/revoke (4403),          |
 *        |  10 s deadline (4401)       |  lagging (4408), abuse (1008),  |
 *        v                             v  shutdown (1001)                |
 *   SESSION_CLOSING <------------------+---------------------------------+
 *        |  outbox written, gateway closes
 *        v
 *   session_closed() frees it
 *
 * Verbs are a table of {type, handler}.  Reads bounded by their limit (sync,
 * history) run here on the loop's own connection; the welcome, which grows
 * with the conversations a user may see, is built on the reader thread
 * (reader.c) while its place in the outbox is held; writes (send, read)
 * become jobs for the writer.  Both are applied by session_apply_job().
 */
#include "hub_int.h"

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

void session_closed(struct session *s)
{
	if (s == NULL)
		return;
	auth_list_remove(s->hub, s);
	hub_unregister(s->hub, s);
	idmap_del(s->hub->sessions, (int64_t)s->id);
	metrics_gauge_add(s->hub->metrics, s->conn_gauge, -1);
	outbox_clear(s);
	free(s->q);
	free(s);
}

void session_fail(struct session *s, int code, const char *reason)
{
	outbox_clear(s);
	s->state = SESSION_CLOSING;
	session_close(s, code, reason);
}

void session_refuse(struct session *s, int err, int code, const char *why)
{
	session_send_error(s, NULL, err, why);
	s->state = SESSION_CLOSING;
	session_close(s, code, err_code(err));
}

static void refuse_unauthenticated(struct session *s, const char *ref, const char *why)
{
	session_send_error(s, ref, ERR_UNAUTHORIZED, why);
	s->state = SESSION_CLOSING;
	session_close(s, CLOSE_UNAUTHORIZED, "unauthorized");
}

void hub_expire_unauthenticated(struct hub *h)
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
	refuse_unauthenticated(s, NULL, "Authenticate within 10 seconds.");
}

/* The welcome is built on the reader thread; its place is held first, so
 * whatever is queued for the session meanwhile follows it. */
static void request_welcome(struct session *s)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		session_fail(s, CLOSE_INTERNAL, "out of memory");
		return;
	}
	j->type = JOB_WELCOME;
	j->session_id = s->id;
	j->user = s->user;
	session_hold_welcome(s);
	hub_submit_read(s->hub, j);
}

/* The welcome (or why not) into its held place; a session gone, or whose
 * outbox was dropped since (revoked, cut off), gets nothing. */
static void apply_welcome(struct session *s, struct job *j)
{
	if (s == NULL)
		return;
	if (j->err) {
		metrics_error(s->hub->metrics, MT_WS, j->err);
		session_fill_welcome(s, codec_encode_error(NULL, j->err, err_message(j->err)));
		return;
	}
	session_fill_welcome(s, j->reply);
	j->reply = NULL;
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
	for (const struct session *t = hub_user_sessions(s->hub, s->user.ref.id); t;
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
	s->state = SESSION_AUTHED;
	(void)session_activity(s, FRAME_AUTH, text_now_ms());
	hub_register_user(s->hub, s); /* from here on it is fanned out to */
	if (s->hub->hooks.signed_in)
		s->hub->hooks.signed_in(s->transport);
	request_welcome(s);
	return ERR_OK;
}

/* ---- Verbs ---------------------------------------------------------------- */

static const char *ref_of(const struct frame *f)
{
	return f->has_ref ? f->ref : NULL;
}

static void verb_auth(struct session *s, struct frame *f)
{
	if (s->state == SESSION_AUTHED) {
		session_send_error(s, ref_of(f), ERR_BAD_REQUEST, "Already authenticated.");
		return;
	}
	/* Over a connection limit it is refused already (4429). */
	if (session_auth_token(s, f->u.auth.token) != ERR_OK && s->state == SESSION_NEW)
		refuse_unauthenticated(s, ref_of(f), "The token is not valid.");
}

/* A write job for the writer, or NULL (answered) during shutdown, when no
 * new writes are taken, or when out of memory. */
static struct job *write_job(struct session *s, const struct frame *f, enum job_type type)
{
	if (s->hub->shutting_down) {
		session_send_error(s, ref_of(f), ERR_UNAVAILABLE,
		                   "The server is restarting; retry.");
		return NULL;
	}
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		session_send_error(s, ref_of(f), ERR_INTERNAL, NULL);
		return NULL;
	}
	j->type = type;
	j->session_id = s->id;
	j->user = s->user;
	j->has_ref = f->has_ref;
	memcpy(j->ref, f->ref, sizeof j->ref);
	return j;
}

static void verb_send(struct session *s, struct frame *f)
{
	struct job *j = write_job(s, f, JOB_SEND);
	if (j == NULL)
		return;
	j->conv = f->u.send.conv;
	j->kind = f->u.send.kind;
	j->body = f->u.send.body; /* the job takes the body */
	f->u.send.body = NULL;
	memcpy(j->client_id, f->u.send.client_id, sizeof j->client_id);
	hub_submit_write(s->hub, j);
	metrics_inc(s->hub->metrics, MC_MSG_RECEIVED);
}

static void verb_read(struct session *s, struct frame *f)
{
	struct job *j = write_job(s, f, JOB_READ);
	if (j == NULL)
		return;
	j->conv = f->u.read.conv;
	j->upto = f->u.read.upto;
	hub_submit_write(s->hub, j);
}

static void verb_sync(struct session *s, struct frame *f)
{
	struct svc_page p = {0};
	int err = svc_sync(s->hub->store, &s->user, f->u.sync.after, f->u.sync.limit, &p);
	if (err)
		session_send_error(s, ref_of(f), err, NULL);
	else
		hub_reply_after_access_log(s, ref_of(f), p.families, p.n_families, 0, "sync",
		                           codec_encode_messages(ref_of(f), &p.msgs, p.more));
	svc_page_clear(&p);
}

static void verb_history(struct session *s, struct frame *f)
{
	struct msg_list l = {0};
	bool more = false;
	int64_t family = 0, conv = f->u.history.conv;
	int err = svc_history(s->hub->store, &s->user, conv, f->u.history.before,
	                      f->u.history.limit, &l, &more, &family);
	if (err) {
		if (family > 0 && (err == ERR_FORBIDDEN || err == ERR_NOT_FOUND))
			hub_log_later(s->hub, &s->user, "denied", family, conv, "history");
		session_send_error(s, ref_of(f), err, NULL);
	} else {
		size_t n = s->user.ref.role == ROLE_FAMILY ? 0 : 1;
		hub_reply_after_access_log(s, ref_of(f), &family, n, conv, "history",
		                           codec_encode_messages(ref_of(f), &l, more));
	}
	msg_list_free(&l);
}

static void verb_ping(struct session *s, struct frame *f)
{
	session_send_json(s, codec_encode_pong(ref_of(f)));
}

struct verb {
	enum frame_type type;
	void (*handler)(struct session *s, struct frame *f);
};

static const struct verb verbs[] = {
    {FRAME_AUTH, verb_auth},       {FRAME_SEND, verb_send}, {FRAME_SYNC, verb_sync},
    {FRAME_HISTORY, verb_history}, {FRAME_READ, verb_read}, {FRAME_PING, verb_ping},
};

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
			session_send_error(s, ref, ERR_RATE_LIMITED, "Too many frames; slow down.");
	} else if (s->state == SESSION_NEW && (err || f.type != FRAME_AUTH)) {
		refuse_unauthenticated(s, ref, "Authenticate first.");
	} else if (err) {
		session_send_error(s, ref, err, why);
	} else if (f.type != FRAME_AUTH && !session_activity(s, f.type, text_now_ms())) {
		refuse_unauthenticated(s, ref, "The sign-in has expired.");
	} else {
		for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
			if (verbs[i].type == f.type)
				verbs[i].handler(s, &f);
	}
	codec_frame_free(&f);
}

/* ---- Results from the writer ------------------------------------------------ */

/* Pushes one shared frame to every session of every recipient but skip. */
size_t hub_fan_out(struct hub *h, const struct route_set *r, struct out_frame *f,
                   const struct session *skip)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		for (struct session *t = hub_user_sessions(h, r->users[i]); t; t = t->next_of_user)
			if (t != skip && t->state == SESSION_AUTHED) {
				session_push(t, f);
				n++;
			}
	return n;
}

static void apply_send(struct hub *h, struct session *s, struct job *j)
{
	const char *ref = j->has_ref ? j->ref : NULL;
	if (j->err) {
		if (s)
			session_send_error(s, ref, j->err, NULL);
		return;
	}
	char *msg = codec_encode_msg(&j->msg); /* once, for the ack and the fan-out */
	if (msg == NULL) {
		if (s)
			session_close(s, CLOSE_INTERNAL, "internal error");
		return;
	}
	if (s) {
		session_send_json(s, codec_encode_ack_with(ref, j->client_id, msg));
		metrics_inc(h->metrics, MC_MSG_ACKED);
	}
	if (j->duplicate) {
		metrics_inc(h->metrics, MC_MSG_DUPLICATE);
	} else {
		metrics_inc(h->metrics, MC_MSG_STORED);
		struct out_frame *f = frame_new(h, codec_encode_message_with(msg));
		metrics_add(h->metrics, MC_MSG_DELIVERED, hub_fan_out(h, &j->rcpt, f, s));
		frame_unref(f);
	}
	free(msg);
}

/* The reader learns the stored position whether or not it moved; a move
 * goes to staff as stored and to the family clamped (svc_read). */
static void apply_read(struct hub *h, struct session *s, struct job *j)
{
	const char *ref = j->has_ref ? j->ref : NULL;
	const struct svc_receipt *r = &j->receipt;
	if (j->err) {
		if (s)
			session_send_error(s, ref, j->err, NULL);
		return;
	}
	if (s)
		session_send_json(
		    s, codec_encode_receipt(ref, j->conv, &j->user.ref, r->stored, r->at));
	if (r->staff_rcpt.n == 0 && r->family_rcpt.n == 0)
		return;
	metrics_inc(h->metrics, MC_RECEIPTS);
	struct out_frame *f =
	    frame_new(h, codec_encode_receipt(NULL, j->conv, &j->user.ref, r->stored, r->at));
	hub_fan_out(h, &r->staff_rcpt, f, s);
	frame_unref(f);
	f = frame_new(h, codec_encode_receipt(NULL, j->conv, &j->user.ref, r->family_upto, r->at));
	hub_fan_out(h, &r->family_rcpt, f, s);
	frame_unref(f);
}

/* A staff read whose access rows are now committed: disclose it. */
static void apply_reply(struct session *s, struct job *j)
{
	if (j->err) {
		session_send_error(s, j->has_ref ? j->ref : NULL, ERR_UNAVAILABLE, NULL);
		return;
	}
	session_send_json(s, j->reply);
	j->reply = NULL;
}

void session_apply_job(struct hub *h, struct job *j)
{
	struct session *s = idmap_get(h->sessions, (int64_t)j->session_id);
	if (j->type == JOB_WELCOME) { /* its held place is filled in any state */
		apply_welcome(s, j);
		return;
	}
	if (s && s->state != SESSION_AUTHED)
		s = NULL;
	if (j->type == JOB_SEND)
		apply_send(h, s, j);
	else if (j->type == JOB_READ)
		apply_read(h, s, j);
	else if (j->type == JOB_LOG && j->reply != NULL && s != NULL)
		apply_reply(s, j);
}
