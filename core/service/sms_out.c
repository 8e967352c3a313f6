/*
 * sms_out.c - SMS to family members, handed to the SMS gateway (Kannel) by
 * the sender thread (core/kannel) (issue 13).
 *
 * An adviser's text to a member reached by SMS only is queued in
 * sms_outbox in the transaction of the message, so an acknowledged message
 * is never without its SMS; so is a fallback notice for a member reached by
 * the app with SMS as fallback, which goes only if the app has not got the
 * message within fallback_ms (fallback_due).  What the SMS says is decided when it goes, on
 * the member's settings as they are then (perm_sms_full_text): the text
 * itself, or a notice without content and the app's address.  The sender
 * claims a batch (svc_sms_claim), hands it over, and records what became
 * of each (svc_sms_record); Kannel's delivery reports move it on
 * (svc_sms_report).  A claimed SMS whose outcome never got written (the
 * gateway was killed while handing it over) is due again after unsure_ms,
 * unless a delivery report showed meanwhile that Kannel has it.
 */
#define _GNU_SOURCE /* asprintf */
#include "service_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/dktime.h"
#include "../push/quiet.h"
#include "../sms/phone.h"

#define SMS_NOTICE         "Du har en ny besked fra din rådgiver: "
#define SMS_CORRECTED      "Rettelse fra %s: %s"
#define SMS_WITHDRAWN      "%s har trukket sin besked fra %s tilbage."
#define SMS_CHANGED_MAX    32   /* members told of one change: more than a family has */
#define SMS_CHANGE_WAIT_MS 1000 /* while the message's own SMS is being handed over */

/* A member reached by the app with SMS as fallback gets one notice per
 * conversation until they read it; whether it is needed is decided when it
 * is due (fallback_due). */
static bool wants_fallback(struct store *s, int64_t member, int64_t conv, int *err)
{
	bool open;
	*err = store_sms_fallback_open(s, member, conv, &open);
	return *err == ERR_OK && !open;
}

int svc_sms_message(struct store *s, const struct route_set *to, const struct msg *m, int64_t after,
                    size_t *queued)
{
	int err = ERR_OK;
	for (size_t i = 0; err == ERR_OK && i < to->n; i++) {
		struct member_sms ms;
		if ((err = store_member_sms_get(s, to->users[i], &ms)) != ERR_OK)
			break;
		if (ms.channel == SMS_CHANNEL_APP || ms.phone[0] == '\0' || ms.stopped_at != 0)
			continue;
		bool fallback = ms.channel == SMS_CHANNEL_FALLBACK;
		if (fallback && !wants_fallback(s, to->users[i], m->conv, &err))
			continue;
		struct store_sms_new n = {.kind = fallback ? SMS_KIND_FALLBACK : SMS_KIND_MESSAGE,
		                          .user_id = to->users[i],
		                          .conv_id = m->conv,
		                          .message_id = m->id,
		                          .phone = ms.phone,
		                          .not_before = after};
		if ((err = store_sms_queue(s, &n, m->created_at, NULL)) == ERR_OK)
			(*queued)++;
	}
	return err;
}

/* A member reached by SMS has no app that shows a correction: what went to
 * their phone with its text is followed by an SMS with the new text, or
 * saying it was taken back (without its text).  Whether the first went with
 * its text is known once it is handed over, so that is looked at when the
 * change's SMS is due (change_due).  What has not gone yet goes as the
 * message is when it goes (text_of), or not at all once withdrawn
 * (claim_one). */
int svc_sms_changed(struct store *s, const struct msg *m, int64_t now, size_t *queued)
{
	struct store_sms_went went[SMS_CHANGED_MAX];
	size_t n = 0;
	char *body = NULL, when[32];
	int err = store_sms_went(s, m->id, went, SMS_CHANGED_MAX, &n);
	if (err || n == 0)
		return err;
	dktime_short(m->created_at, when);
	if ((m->withdrawn ? asprintf(&body, SMS_WITHDRAWN, m->sender.name, when)
	                  : asprintf(&body, SMS_CORRECTED, m->sender.name, m->body)) < 0)
		return ERR_INTERNAL;
	for (size_t i = 0; err == ERR_OK && i < n; i++) {
		struct store_sms_new q = {.kind = SMS_KIND_CHANGE,
		                          .user_id = went[i].user_id,
		                          .conv_id = went[i].conv_id,
		                          .message_id = m->id,
		                          .phone = went[i].phone,
		                          .body = body,
		                          .not_before = now};
		if ((err = store_sms_queue(s, &q, now, NULL)) == ERR_OK)
			(*queued)++;
	}
	free(body);
	return err;
}

/* Why an SMS due now must not go (NULL: it may). */
static const char *refused(const struct svc_sms_policy *p, const struct store_sms_due *d,
                           int64_t now)
{
	if (d->phone[0] == '\0')
		return "not sent: the member has no number";
	if (d->settings.stopped_at != 0 && d->st.kind != SMS_KIND_STOPPED)
		return "not sent: the number sent STOP";
	if (p->ttl_ms > 0 && now - d->created_at > p->ttl_ms)
		return "not sent: too old";
	if (d->st.kind == SMS_KIND_MESSAGE &&
	    (d->msg_kind != KIND_TEXT || d->settings.channel != SMS_CHANNEL_SMS))
		return "not sent: the member is no longer reached by SMS";
	if (d->st.kind == SMS_KIND_FALLBACK && d->settings.channel != SMS_CHANNEL_FALLBACK)
		return "not sent: the member no longer wants SMS when the app does not reach them";
	if (d->st.kind == SMS_KIND_CHANGE && d->settings.channel != SMS_CHANNEL_SMS)
		return "not sent: the member is no longer reached by SMS";
	return NULL;
}

/* A fallback notice goes only when the app did not reach the member: not
 * when the message was delivered to one of their devices or read
 * (SMS_CANCELLED), and not before fallback_ms have passed for a member push
 * can reach (postponed: *later, after the family's quiet hours). */
static int fallback_due(struct store *s, const struct svc_sms_policy *p,
                        const struct store_sms_due *d, int64_t now, enum sms_state *st,
                        int64_t *later)
{
	int64_t upto;
	bool push;
	*later = 0;
	int err = store_sms_reached(s, d->st.user_id, d->st.conv_id, &upto, &push);
	if (err)
		return err;
	if (upto >= d->st.message_id) {
		*st = SMS_CANCELLED;
		return ERR_OK;
	}
	int64_t at = d->created_at + p->fallback_ms;
	if (!push || now >= at)
		return ERR_OK;
	struct store_user m;
	int start, end;
	if ((err = store_user_get(s, d->st.user_id, &m)) == ERR_OK &&
	    (err = store_family_quiet_get(s, m.family_id, &start, &end)) == ERR_OK)
		*later = quiet_release_at(at, start, end);
	return err;
}

/* What the phone gets. */
static char *text_of(const struct svc_sms_policy *p, const struct store_sms_due *d, bool *full)
{
	char *t = NULL;
	*full = false;
	if (d->st.kind == SMS_KIND_MESSAGE &&
	    perm_sms_full_text(d->msg_kind, &d->settings, d->no_sms, p->full_text)) {
		*full = true;
		if (asprintf(&t, "%s: %s", d->sender, d->text) < 0)
			t = NULL;
	} else if (d->st.kind == SMS_KIND_MESSAGE || d->st.kind == SMS_KIND_FALLBACK) {
		if (asprintf(&t, SMS_NOTICE "%s", p->link ? p->link : "") < 0)
			t = NULL;
	} else {
		t = strdup(d->own);
	}
	return t;
}

/* A change's SMS goes once the message's own went with its text: it waits
 * while that is being handed over, and is needless if it went as a notice
 * or not at all (SMS_CANCELLED). */
static int change_due(struct store *s, const struct store_sms_due *d, enum sms_state *st,
                      bool *wait)
{
	enum sms_state first;
	bool full = false;
	*wait = false;
	int err = store_sms_original(s, d->st.message_id, d->st.user_id, &first, &full);
	if (err == ERR_NOT_FOUND) {
		*st = SMS_CANCELLED;
		return ERR_OK;
	}
	if (err == ERR_OK && first == SMS_SENDING)
		*wait = true;
	else if (err == ERR_OK && (!full || (first != SMS_ACCEPTED && first != SMS_DELIVERED)))
		*st = SMS_CANCELLED;
	return err;
}

/* An SMS that does not go: its end and why, for the record. */
static int settle(struct svc_sms *out, enum sms_state st, const char *why)
{
	out->st.state = out->result = st;
	snprintf(out->detail, sizeof out->detail, "%s", why);
	return ERR_OK;
}

static int claim_one(struct store *s, const struct svc_sms_policy *p, struct store_sms_due *d,
                     int64_t now, struct svc_sms *out, bool *postponed)
{
	memset(out, 0, sizeof *out);
	*postponed = false;
	out->st = d->st;
	out->unsure = d->st.state == SMS_SENDING;
	memcpy(out->phone, d->phone, sizeof out->phone);
	const char *why = refused(p, d, now);
	if (why != NULL)
		return settle(out, SMS_FAILED, why);
	if (d->withdrawn && d->st.kind != SMS_KIND_CHANGE)
		return settle(out, SMS_CANCELLED, "withdrawn by its author before it went");
	if (d->st.kind == SMS_KIND_CHANGE) {
		enum sms_state st = SMS_SENDING;
		bool wait;
		int err = change_due(s, d, &st, &wait);
		if (err || wait) {
			*postponed = true;
			return err ? err
			           : store_sms_postpone(s, d->st.id, now + SMS_CHANGE_WAIT_MS, now);
		}
		if (st == SMS_CANCELLED)
			return settle(
			    out, SMS_CANCELLED,
			    "the message went without its text: the app shows the change");
	}
	if (d->st.kind == SMS_KIND_FALLBACK) {
		enum sms_state st = SMS_SENDING;
		int64_t later;
		int err = fallback_due(s, p, d, now, &st, &later);
		if (err || later > 0) {
			*postponed = true;
			return err ? err : store_sms_postpone(s, d->st.id, later, now);
		}
		if (st == SMS_CANCELLED)
			return settle(out, SMS_CANCELLED, "the app reached the member first");
	}
	if ((out->text = text_of(p, d, &out->st.full_text)) == NULL)
		return ERR_INTERNAL;
	out->st.state = SMS_SENDING;
	return store_sms_claim(s, d->st.id, now + p->unsure_ms, now);
}

int svc_sms_claim(struct store *s, const struct svc_sms_policy *p, int64_t now, size_t max,
                  struct svc_sms_batch *out)
{
	memset(out, 0, sizeof *out);
	struct store_sms_due *due = calloc(max ? max : 1, sizeof *due);
	out->v = calloc(max ? max : 1, sizeof *out->v);
	size_t k = 0;
	int err = due && out->v ? store_sms_due(s, now, max, due, &k) : ERR_INTERNAL;
	for (size_t i = 0; i < k; i++) {
		bool postponed = false;
		if (err == ERR_OK &&
		    (err = claim_one(s, p, &due[i], now, &out->v[out->n], &postponed)) == ERR_OK &&
		    !postponed)
			out->n++;
		store_sms_due_clear(&due[i]);
	}
	free(due);
	if (err == ERR_OK && k < max)
		err = store_sms_next(s, now, &out->next_at);
	if (err == ERR_OK)
		err = store_sms_waiting(s, &out->waiting);
	if (err)
		svc_sms_batch_clear(out);
	return err;
}

void svc_sms_batch_clear(struct svc_sms_batch *b)
{
	for (size_t i = 0; b->v && i < b->n; i++)
		free(b->v[i].text);
	free(b->v);
	memset(b, 0, sizeof *b);
}

/* A member reached only by SMS did not get it: the pair must know. */
static int log_failure(struct store *s, const struct sms_status *st, const char *why, int64_t now)
{
	struct store_user m;
	struct member_sms ms;
	if (st->user_id == 0)
		return ERR_OK; /* an unknown number's reply */
	int err = store_user_get(s, st->user_id, &m);
	if (err == ERR_OK)
		err = store_member_sms_get(s, st->user_id, &ms);
	if (err || ms.channel != SMS_CHANNEL_SMS)
		return err == ERR_NOT_FOUND ? ERR_OK : err;
	char masked[48], detail[DOMAIN_NAME_MAX + 200];
	sms_phone_mask(ms.phone, masked, sizeof masked);
	snprintf(detail, sizeof detail, "sms to %s (%s) failed: %s", m.ref.name, masked, why);
	return store_log_append(s, now, "sms", 0, m.family_id, st->conv_id, st->message_id, detail);
}

int svc_sms_record(struct store *s, struct svc_sms_batch *b, int64_t now)
{
	int err = ERR_OK;
	for (size_t i = 0; err == ERR_OK && i < b->n; i++) {
		struct svc_sms *o = &b->v[i];
		int64_t retry = o->result == SMS_QUEUED ? o->retry_at : 0;
		err = store_sms_sent(s, o->st.id, o->result, retry, o->st.full_text, o->detail, now,
		                     &o->told);
		if (err == ERR_OK && o->told) {
			o->st.state = o->result;
			o->st.at = now;
			o->told = o->result != SMS_QUEUED; /* a retry is no news */
		}
		if (err == ERR_OK && o->told && o->result == SMS_FAILED)
			err = log_failure(s, &o->st, o->detail, now);
	}
	return err;
}

/* Kannel's delivery report types (its dlr-mask bits). */
static int report_state(int type, enum sms_state *st)
{
	switch (type) {
	case 1:
		*st = SMS_DELIVERED;
		return ERR_OK;
	case 2:
	case 16:
		*st = SMS_FAILED;
		return ERR_OK;
	case 4:
	case 8:
		*st = SMS_ACCEPTED;
		return ERR_OK;
	}
	return ERR_BAD_REQUEST;
}

int svc_sms_staff(struct store *s, int64_t conv, struct route_set *staff)
{
	struct route_set family;
	int err = route_receipt_split(s, conv, staff, &family);
	route_set_free(&family);
	return err;
}

int svc_sms_report(struct store *s, int64_t id, int type, const char *answer, int64_t now,
                   struct sms_status *st, bool *moved, struct route_set *staff)
{
	enum sms_state to;
	char detail[96];
	*moved = false;
	*staff = (struct route_set){0};
	int err = report_state(type, &to);
	if (err == ERR_OK)
		err = store_sms_get(s, id, st);
	if (err)
		return err;
	snprintf(detail, sizeof detail, "%s", answer ? answer : "");
	if ((err = store_sms_report(s, id, to, detail, now, moved)) != ERR_OK || !*moved)
		return err;
	st->state = to;
	st->at = now;
	if (to == SMS_FAILED) {
		char why[160];
		snprintf(why, sizeof why, "the operator reports it failed (%s)", detail);
		err = log_failure(s, st, why, now);
	}
	return err == ERR_OK && st->conv_id != 0 ? svc_sms_staff(s, st->conv_id, staff) : err;
}

static bool allow_staff(enum perm_rel rel, int unused)
{
	(void)unused;
	return rel == REL_PAIR || rel == REL_TEAM;
}

/* Who of conv's family gets a pair adviser's text by SMS. */
static int reach(struct store *s, int64_t conv, bool full_text_allowed, struct sms_view *out)
{
	struct route_set to;
	int err = route_push(s, conv, ROLE_ADVISER, KIND_TEXT, &to);
	for (size_t i = 0; err == ERR_OK && i < to.n && out->n_to < SMS_REACH_MAX; i++) {
		struct member_sms ms;
		struct store_user u;
		if ((err = store_member_sms_get(s, to.users[i], &ms)) != ERR_OK ||
		    ms.channel != SMS_CHANNEL_SMS || ms.phone[0] == '\0' || ms.stopped_at != 0)
			continue;
		if ((err = store_user_get(s, to.users[i], &u)) != ERR_OK)
			break;
		out->to[out->n_to].user = u.ref;
		out->to[out->n_to++].full_text =
		    perm_sms_full_text(KIND_TEXT, &ms, false, full_text_allowed);
	}
	route_set_free(&to);
	return err;
}

int svc_sms_list(struct store *s, const struct store_user *actor, int64_t conv, int64_t before,
                 bool full_text_allowed, int64_t now, struct sms_view *out)
{
	int64_t family;
	out->n = out->n_to = 0;
	int err = svc_check_conv(s, actor, conv, now, allow_staff, 0, "sms states", &family);
	if (err == ERR_OK)
		err = store_sms_conv(s, conv, before, SMS_VIEW_MAX, out->v, &out->n);
	return err ? err : reach(s, conv, full_text_allowed, out);
}
