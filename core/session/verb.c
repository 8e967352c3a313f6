/*
 * verb.c - what a session asks for, and what comes back: the verbs of the
 * contract (auth, send, read, sync, history, ping) as a table of {type,
 * handler}, and the results of the jobs they queue, applied on the loop.
 *
 * Reads bounded by their limit (sync, history) run here on the loop's own
 * connection; a staff member's page goes out only once the writer has
 * committed its `access` rows (writer_reply_after_access_log).  Writes
 * (send, read) become jobs for the writer; the welcome, which grows with
 * the conversations a user may see, a job for the reader.  verb_apply()
 * acks, answers and fans out (registry_fan_out) once they come back.
 */
#include "session_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/text.h"
#include "../kannel/kannel.h"
#include "../notify/notify.h"
#include "../scan/scan.h"
#include "../service/service.h"
#include "../writer/writer_int.h"

/* ---- The verbs ------------------------------------------------------------------- */

static const char *ref_of(const struct frame *f)
{
	return f->has_ref ? f->ref : NULL;
}

static void verb_auth(struct session *s, struct frame *f)
{
	if (s->state == SESSION_AUTHED) {
		outbox_send_error(s, ref_of(f), ERR_BAD_REQUEST, "Already authenticated.");
		return;
	}
	/* Over a connection limit it is refused already (4429). */
	if (session_auth_token(s, f->u.auth.token) != ERR_OK && s->state == SESSION_NEW)
		session_refuse_unauthenticated(s, ref_of(f), "The token is not valid.");
}

/* A write job for the writer, or NULL (answered) during shutdown, when no
 * new writes are taken, or when out of memory. */
static struct job *write_job(struct session *s, const struct frame *f, enum job_type type)
{
	if (s->hub->shutting_down) {
		outbox_send_error(s, ref_of(f), ERR_UNAVAILABLE,
		                  "The server is restarting; retry.");
		return NULL;
	}
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		outbox_send_error(s, ref_of(f), ERR_INTERNAL, NULL);
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
	j->no_sms = f->u.send.no_sms;
	memcpy(j->attach, f->u.send.attach, sizeof j->attach);
	j->n_attach = f->u.send.n_attach;
	memcpy(j->client_id, f->u.send.client_id, sizeof j->client_id);
	writer_submit(s->hub, j);
	metrics_inc(s->hub->metrics, MC_MSG_RECEIVED);
}

static void verb_read(struct session *s, struct frame *f)
{
	struct job *j = write_job(s, f, JOB_READ);
	if (j == NULL)
		return;
	j->conv = f->u.pos.conv;
	j->upto = f->u.pos.upto;
	writer_submit(s->hub, j);
}

/* The client got conv's messages up to upto: staff see it under theirs. */
static void verb_delivered(struct session *s, struct frame *f)
{
	struct job *j = write_job(s, f, JOB_DELIVERED);
	if (j == NULL)
		return;
	j->conv = f->u.pos.conv;
	j->upto = f->u.pos.upto;
	j->device_id = s->token.device_id;
	writer_submit(s->hub, j);
}

/* "No answer needed" up to a message (issue 15). */
static void verb_handled(struct session *s, struct frame *f)
{
	struct job *j = write_job(s, f, JOB_HANDLED);
	if (j == NULL)
		return;
	j->conv = f->u.pos.conv;
	j->upto = f->u.pos.upto;
	writer_submit(s->hub, j);
}

/* One's own message corrected or withdrawn (issue 15). */
static void verb_change(struct session *s, struct frame *f)
{
	struct job *j = write_job(s, f, JOB_CHANGE);
	if (j == NULL)
		return;
	j->message = f->u.change.id;
	j->body = f->u.change.body; /* the job takes it; NULL: withdraw */
	f->u.change.body = NULL;
	writer_submit(s->hub, j);
}

/* "I'm answering" (or no longer): to the partner and the team at once,
 * nothing stored; the caller hears it back with its ref. */
static void verb_answering(struct session *s, struct frame *f)
{
	struct route_set staff;
	int64_t family, conv = f->u.answering.conv;
	int err = svc_answering(s->hub->store, &s->user, conv, &staff, &family);
	if (err) {
		if (family > 0 && (err == ERR_FORBIDDEN || err == ERR_NOT_FOUND))
			writer_log_later(s->hub, &s->user, "denied", family, conv, "answering");
		outbox_send_error(s, ref_of(f), err, NULL);
		return;
	}
	int64_t until = f->u.answering.stop ? 0 : text_now_ms() + SVC_ANSWERING_MS;
	struct out_frame *out =
	    outbox_frame_new(s->hub, codec_encode_answering(NULL, conv, &s->user.ref, until));
	registry_fan_out(s->hub, &staff, out, s);
	outbox_frame_unref(out);
	route_set_free(&staff);
	outbox_send_json(s, codec_encode_answering(ref_of(f), conv, &s->user.ref, until));
}

static void verb_sync(struct session *s, struct frame *f)
{
	struct svc_page p = {0};
	int err = svc_sync(s->hub->store, &s->user, f->u.sync.after, f->u.sync.limit, &p);
	if (err)
		outbox_send_error(s, ref_of(f), err, NULL);
	else
		writer_reply_after_access_log(s, ref_of(f), p.families, p.n_families, 0, "sync",
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
			writer_log_later(s->hub, &s->user, "denied", family, conv, "history");
		outbox_send_error(s, ref_of(f), err, NULL);
	} else {
		size_t n = s->user.ref.role == ROLE_FAMILY ? 0 : 1;
		writer_reply_after_access_log(s, ref_of(f), &family, n, conv, "history",
		                              codec_encode_messages(ref_of(f), &l, more));
	}
	msg_list_free(&l);
}

/* The conversation now on the user's screen (0: none, the app hidden): no
 * notification of it buzzes them meanwhile.  Nothing is disclosed, so it is
 * taken as said, and answered only when asked (a ref). */
static void verb_viewing(struct session *s, struct frame *f)
{
	presence_move(s->hub->presence, s->user.ref.id, s->viewing, f->u.viewing.conv);
	s->viewing = f->u.viewing.conv;
	if (f->has_ref)
		outbox_send_json(s, codec_encode_pong(ref_of(f)));
}

static void verb_ping(struct session *s, struct frame *f)
{
	outbox_send_json(s, codec_encode_pong(ref_of(f)));
}

struct verb {
	enum frame_type type;
	void (*handler)(struct session *s, struct frame *f);
};

static const struct verb verbs[] = {
    {FRAME_AUTH, verb_auth},       {FRAME_SEND, verb_send},
    {FRAME_SYNC, verb_sync},       {FRAME_HISTORY, verb_history},
    {FRAME_READ, verb_read},       {FRAME_PING, verb_ping},
    {FRAME_VIEWING, verb_viewing}, {FRAME_DELIVERED, verb_delivered},
    {FRAME_HANDLED, verb_handled}, {FRAME_ANSWERING, verb_answering},
    {FRAME_CORRECT, verb_change},  {FRAME_WITHDRAW, verb_change},
};

void verb_dispatch(struct session *s, struct frame *f)
{
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (verbs[i].type == f->type)
			verbs[i].handler(s, f);
}

/* ---- The welcome ------------------------------------------------------------------ */

/* The welcome is built on the reader thread; its place is held first, so
 * whatever is queued for the session meanwhile follows it. */
void verb_welcome(struct session *s)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		session_fail(s, CLOSE_INTERNAL, "out of memory");
		return;
	}
	j->type = JOB_WELCOME;
	j->session_id = s->id;
	j->user = s->user;
	outbox_hold_welcome(s);
	reader_submit(s->hub, j);
}

/* The welcome (or why not) into its held place; a session gone, or whose
 * outbox was dropped since (revoked, cut off), gets nothing. */
static void apply_welcome(struct session *s, struct job *j)
{
	if (s == NULL)
		return;
	if (j->err) {
		metrics_error(s->hub->metrics, MT_WS, j->err);
		outbox_fill_welcome(s, codec_encode_error(NULL, j->err, err_message(j->err)));
		return;
	}
	outbox_fill_welcome(s, j->reply);
	j->reply = NULL;
}

/* ---- Results from the writer and the reader -------------------------------------- */

/* Whether a conversation needs an answer, to its staff when it changed;
 * the session that asked (caller, may be NULL) hears in any case, with
 * its ref.  After a message's own frame, so a client sees the message
 * before the state it makes. */
static void fan_out_waiting(struct hub *h, struct session *caller, const char *ref,
                            const struct svc_waiting *w)
{
	if (caller)
		outbox_send_json(caller, codec_encode_waiting(ref, w->conv, &w->state));
	if (!w->changed || w->staff.n == 0)
		return;
	struct out_frame *f = outbox_frame_new(h, codec_encode_waiting(NULL, w->conv, &w->state));
	registry_fan_out(h, &w->staff, f, caller);
	outbox_frame_unref(f);
}

/* The message as it is now, to everyone who sees it; the author's asking
 * connection with its ref. */
static void apply_change(struct hub *h, struct session *s, struct job *j)
{
	const char *ref = j->has_ref ? j->ref : NULL;
	if (j->err) {
		if (s)
			outbox_send_error(s, ref, j->err, NULL);
		return;
	}
	if (s)
		outbox_send_json(s, codec_encode_changed(ref, &j->changed.msg));
	struct out_frame *f = outbox_frame_new(h, codec_encode_changed(NULL, &j->changed.msg));
	registry_fan_out(h, &j->changed.rcpt, f, s);
	outbox_frame_unref(f);
	if (j->changed.sms > 0)
		kannel_wake(h->kannel);
}

static void apply_handled(struct hub *h, struct session *s, struct job *j)
{
	const char *ref = j->has_ref ? j->ref : NULL;
	if (j->err) {
		if (s)
			outbox_send_error(s, ref, j->err, NULL);
		return;
	}
	fan_out_waiting(h, s, ref, &j->waiting);
}

static void apply_send(struct hub *h, struct session *s, struct job *j)
{
	const char *ref = j->has_ref ? j->ref : NULL;
	if (j->err) {
		if (s)
			outbox_send_error(s, ref, j->err, NULL);
		return;
	}
	char *msg = codec_encode_msg(&j->sent.msg); /* once, for the ack and the fan-out */
	if (msg == NULL) {
		if (s)
			session_close(s, CLOSE_INTERNAL, "internal error");
		return;
	}
	if (s) {
		outbox_send_json(s, codec_encode_ack_with(ref, j->client_id, msg));
		metrics_inc(h->metrics, MC_MSG_ACKED);
	}
	if (j->sent.duplicate) {
		metrics_inc(h->metrics, MC_MSG_DUPLICATE);
	} else {
		metrics_inc(h->metrics, MC_MSG_STORED);
		struct out_frame *f = outbox_frame_new(h, codec_encode_message_with(msg));
		metrics_add(h->metrics, MC_MSG_DELIVERED, registry_fan_out(h, &j->sent.rcpt, f, s));
		outbox_frame_unref(f);
		if (j->sent.pushes > 0)
			notify_wake(h->notify);
		if (j->sent.sms > 0)
			kannel_wake(h->kannel);
		fan_out_waiting(h, NULL, NULL, &j->sent.wait);
	}
	free(msg);
}

/* The reader learns the stored position whether or not it moved; a move
 * goes to staff as stored and to the family clamped (svc_read). */
/* One receipt frame, encoded only when someone is to get it. */
static void fan_out_receipt(struct hub *h, const struct session *s, const struct job *j,
                            const struct route_set *to, int64_t upto)
{
	if (to->n == 0)
		return;
	struct out_frame *f = outbox_frame_new(
	    h, codec_encode_receipt(NULL, j->conv, &j->user.ref, upto, j->receipt.at));
	registry_fan_out(h, to, f, s);
	outbox_frame_unref(f);
}

static void apply_read(struct hub *h, struct session *s, struct job *j)
{
	const char *ref = j->has_ref ? j->ref : NULL;
	const struct svc_receipt *r = &j->receipt;
	if (j->err) {
		if (s)
			outbox_send_error(s, ref, j->err, NULL);
		return;
	}
	if (s)
		outbox_send_json(
		    s, codec_encode_receipt(ref, j->conv, &j->user.ref, r->stored, r->at));
	if (r->staff_rcpt.n == 0 && r->family_rcpt.n == 0)
		return;
	metrics_inc(h->metrics, MC_RECEIPTS);
	fan_out_receipt(h, s, j, &r->staff_rcpt, r->stored);
	fan_out_receipt(h, s, j, &r->family_rcpt, r->family_upto);
}

/* Scheduled messages that went: each to its audience like a send (no one
 * to ack), and its new state to the staff who saw it waiting. */
static void apply_release(struct hub *h, struct job *j)
{
	h->release_pending = false;
	for (size_t i = 0; j->err == ERR_OK && i < j->released.n; i++) {
		struct svc_release_item *it = &j->released.v[i];
		if (it->sent.msg.id > 0) {
			metrics_inc(h->metrics, MC_MSG_STORED);
			struct out_frame *f =
			    outbox_frame_new(h, codec_encode_message(&it->sent.msg));
			metrics_add(h->metrics, MC_MSG_DELIVERED,
			            registry_fan_out(h, &it->sent.rcpt, f, NULL));
			outbox_frame_unref(f);
			if (it->sent.pushes > 0)
				notify_wake(h->notify);
			if (it->sent.sms > 0)
				kannel_wake(h->kannel);
			fan_out_waiting(h, NULL, NULL, &it->sent.wait);
		}
		struct out_frame *f = outbox_frame_new(h, codec_encode_scheduled(&it->sched));
		registry_fan_out(h, &it->staff, f, NULL);
		outbox_frame_unref(f);
	}
}

/* Waits told on (issue 15): an escalation frame to each one's audience. */
static void apply_escalate(struct hub *h, struct job *j)
{
	h->escalate_pending = false;
	for (size_t i = 0; j->err == ERR_OK && i < j->escalated.n; i++) {
		const struct svc_escalation *e = &j->escalated.v[i];
		struct out_frame *f = outbox_frame_new(
		    h, codec_encode_escalation(e->conv, e->level, &e->state, e->answer_minutes));
		registry_fan_out(h, &e->to, f, NULL);
		outbox_frame_unref(f);
	}
	if (j->err == ERR_OK && j->escalated.pushes > 0)
		notify_wake(h->notify);
}

/* The retention rules' turn (issue 16): logged when it did something; a
 * family's content gone asks the writer to truncate the WAL and the
 * checker to remove the files nothing names any more. */
static void apply_retain(struct hub *h, struct job *j)
{
	h->retain_pending = false;
	h->vacuum_left = j->err == ERR_OK && j->vacuum_left > 0;
	const struct svc_retained *r = &j->retained;
	if (j->err != ERR_OK) {
		hub_log(h, HUB_LOG_ERROR, "retention_failed", "error=%s", err_code(j->err));
		return;
	}
	if (r->family != 0 && r->finished && r->request == 0)
		hub_log(h, HUB_LOG_INFO, "retention_step", "family=%lld step=%s",
		        (long long)r->family, retention_step_name(r->step));
	if (r->request != 0 && r->finished)
		hub_log(h, HUB_LOG_INFO, "retention_erasure", "family=%lld request=%lld",
		        (long long)r->family, (long long)r->request);
	if (r->family != 0 && r->finished && (r->step == RETAIN_CONTENT || r->request != 0)) {
		atomic_store(&h->scrub_wal, true);
		scan_sweep_soon(h->scan);
	}
	const struct sweep_count *c = &j->swept;
	if (c->tokens + c->invites + c->push_subscriptions + c->sms + c->staff_log > 0)
		hub_log(h, HUB_LOG_INFO, "retention_sweep",
		        "tokens=%lld invites=%lld push_subscriptions=%lld sms=%lld staff_log=%lld",
		        (long long)c->tokens, (long long)c->invites,
		        (long long)c->push_subscriptions, (long long)c->sms,
		        (long long)c->staff_log);
}

/* A family member's new positions to the staff who see them; the caller
 * hears back only when it asked (a ref). */
static void fan_out_delivery(struct hub *h, struct session *s, struct job *j)
{
	const struct svc_delivery *d = &j->delivery;
	if (s && j->has_ref)
		outbox_send_json(s, codec_encode_delivery(j->ref, j->conv, &d->pos));
	if (!d->moved || d->staff.n == 0)
		return;
	struct out_frame *f = outbox_frame_new(h, codec_encode_delivery(NULL, j->conv, &d->pos));
	registry_fan_out(h, &d->staff, f, NULL);
	outbox_frame_unref(f);
}

static void apply_delivered(struct hub *h, struct session *s, struct job *j)
{
	if (j->err) {
		if (s)
			outbox_send_error(s, j->has_ref ? j->ref : NULL, j->err, NULL);
		return;
	}
	fan_out_delivery(h, s, j);
}

/* The writer recorded what became of notifications: the sender may look at
 * their rows again, and the staff learn which family members were told. */
static void apply_pushed(struct hub *h, struct job *j)
{
	notify_recorded(h->notify, j->pushed, j->n_pushed, j->err || j->pushed_left > 0);
	for (size_t i = 0; j->err == ERR_OK && i < j->n_pushed; i++) {
		const struct svc_push_outcome *o = &j->pushed[i];
		if (o->result != PUSH_SENT || o->family_id == 0)
			continue;
		j->conv = o->conv_id;
		if (svc_delivery_state(h->store, o->conv_id, o->user_id, &j->delivery) == ERR_OK)
			fan_out_delivery(h, NULL, j);
		svc_delivery_clear(&j->delivery);
	}
}

/* The writer recorded what became of SMS: the staff who see them learn
 * their new states. */
static void apply_sms_sent(struct hub *h, struct job *j)
{
	for (size_t i = 0; j->err == ERR_OK && i < j->sms.n; i++) {
		const struct svc_sms *o = &j->sms.v[i];
		struct route_set staff;
		if (!o->told || o->st.conv_id == 0 ||
		    svc_sms_staff(h->store, o->st.conv_id, &staff) != ERR_OK)
			continue;
		struct out_frame *f = outbox_frame_new(h, codec_encode_sms(&o->st));
		registry_fan_out(h, &staff, f, NULL);
		outbox_frame_unref(f);
		route_set_free(&staff);
	}
}

/* A frame from another thread (hub_notice): to its users' connections. */
static void apply_notice(struct hub *h, struct job *j)
{
	struct out_frame *f = outbox_frame_new(h, j->notice);
	j->notice = NULL; /* the frame owns it now */
	registry_fan_out(h, &j->notice_to, f, NULL);
	outbox_frame_unref(f);
}

/* A staff read whose access rows are now committed: disclose it. */
static void apply_reply(struct session *s, struct job *j)
{
	if (j->err) {
		outbox_send_error(s, j->has_ref ? j->ref : NULL, ERR_UNAVAILABLE, NULL);
		return;
	}
	outbox_send_json(s, j->reply);
	j->reply = NULL;
}

void verb_apply(struct hub *h, struct job *j)
{
	struct session *s = idmap_get(h->sessions, (int64_t)j->session_id);
	if (j->type == JOB_WELCOME) { /* its held place is filled in any state */
		apply_welcome(s, j);
		return;
	}
	if (s && s->state != SESSION_AUTHED)
		s = NULL;
	if (j->type == JOB_RELEASE)
		apply_release(h, j);
	else if (j->type == JOB_ESCALATE)
		apply_escalate(h, j);
	else if (j->type == JOB_RETAIN)
		apply_retain(h, j);
	else if (j->type == JOB_DELIVERED)
		apply_delivered(h, s, j);
	else if (j->type == JOB_PUSHED)
		apply_pushed(h, j);
	else if (j->type == JOB_SMS_SENT)
		apply_sms_sent(h, j);
	else if (j->type == JOB_NOTICE)
		apply_notice(h, j);
	else if (j->type == JOB_SEND)
		apply_send(h, s, j);
	else if (j->type == JOB_READ)
		apply_read(h, s, j);
	else if (j->type == JOB_HANDLED)
		apply_handled(h, s, j);
	else if (j->type == JOB_CHANGE)
		apply_change(h, s, j);
	else if (j->type == JOB_LOG && j->reply != NULL && s != NULL)
		apply_reply(s, j);
}
