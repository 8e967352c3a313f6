/*
 * schedule.c - "send at 08:00": a pair adviser's message written now and
 * sent later.  It waits in the scheduled table, seen by the pair and the
 * team (never the family), may be changed or cancelled by the pair until
 * its time, and is then sent by svc_schedule_release() on the writer, in
 * the transaction that marks it sent: exactly once, across restarts.  At
 * that moment its author must still be allowed to send to the family (a
 * handover may have come between); if not, it is marked failed, and the
 * refusal is in the log like any other.
 */
#include "service_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"

static bool allow_schedule(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_schedule(rel);
}

static bool allow_see(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_see_scheduled(rel);
}

static bool allow_send_text(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_send(rel, KIND_TEXT);
}

/* The staff who see what waits in conv: those who may see its notes. */
static int staff_of(struct store *s, int64_t conv, struct route_set *staff)
{
	struct route_set family;
	int err = route_receipt_split(s, conv, staff, &family);
	route_set_free(&family);
	return err;
}

static int log_row(struct store *s, const struct store_user *user, const struct sched *d,
                   const char *what, int64_t now)
{
	char at[32], detail[64];
	text_format_ts(d->send_at, at);
	snprintf(detail, sizeof detail, "%s %lld, send at %s", what, (long long)d->id, at);
	return store_log_append(s, now, "scheduled", user->ref.id, d->family, d->conv, 0, detail);
}

static int check_time(int64_t send_at, int64_t now)
{
	return send_at > now && send_at - now <= DOMAIN_SCHEDULE_AHEAD_MS ? ERR_OK
	                                                                  : ERR_BAD_REQUEST;
}

int svc_schedule(struct store *s, const struct store_user *user, int64_t conv, const char *body,
                 const char *client_id, int64_t send_at, int64_t now, struct sched *out,
                 struct route_set *staff)
{
	int64_t family, waiting, id;
	memset(staff, 0, sizeof *staff);
	/* The same client_id again (a retry after a lost answer) is the same one. */
	int err = store_sched_by_client(s, user->ref.id, client_id, out);
	if (err != ERR_NOT_FOUND)
		return err;
	if ((err = check_time(send_at, now)) ||
	    (err = svc_check_conv(s, user, conv, now, allow_schedule, 0, "schedule", &family)) ||
	    (err = svc_case_takes(s, family, KIND_TEXT)) ||
	    (err = store_sched_count(s, conv, &waiting)))
		return err;
	if (waiting >= DOMAIN_SCHEDULED_MAX)
		return ERR_CONFLICT;
	struct sched d = {.conv = conv, .family = family, .sender = user->ref, .send_at = send_at};
	d.body = (char *)body;
	text_copy(d.client_id, sizeof d.client_id, client_id);
	if ((err = store_sched_insert(s, &d, now, &id)) || (err = store_sched_get(s, id, out)) ||
	    (err = log_row(s, user, out, "scheduled", now)))
		return err;
	return staff_of(s, conv, staff);
}

int svc_scheduled_list(struct store *s, const struct store_user *user, int64_t conv, int64_t now,
                       struct sched_list *out)
{
	int64_t family;
	memset(out, 0, sizeof *out);
	int err = svc_check_conv(s, user, conv, now, allow_see, 0, "scheduled", &family);
	if (err == ERR_OK)
		err = store_sched_list(s, conv, DOMAIN_SCHEDULED_MAX, out);
	if (err == ERR_OK)
		err = svc_log_access(s, user, family, conv, now, "scheduled");
	return err;
}

/* The one with id, if user may change it: the pair of its conversation. */
static int checked(struct store *s, const struct store_user *user, int64_t id, int64_t now,
                   const char *what, struct sched *out)
{
	int64_t family;
	int err = store_sched_get(s, id, out);
	if (err == ERR_OK)
		err = svc_check_conv(s, user, out->conv, now, allow_schedule, 0, what, &family);
	if (err == ERR_OK && out->state != SCHED_WAITING)
		err = ERR_CONFLICT; /* sent or cancelled already */
	if (err)
		sched_clear(out);
	return err;
}

int svc_schedule_edit(struct store *s, const struct store_user *user, int64_t id, const char *body,
                      int64_t send_at, int64_t seen_at, int64_t now, struct sched *out,
                      struct route_set *staff, const char **why)
{
	memset(staff, 0, sizeof *staff);
	int err = checked(s, user, id, now, "change scheduled", out);
	if (err == ERR_CONFLICT)
		*why = "The scheduled message was sent or cancelled already.";
	if (err)
		return err;
	if (seen_at != 0 && seen_at != out->updated_at) {
		*why = "The scheduled message was changed meanwhile; see the new version.";
		sched_clear(out);
		return ERR_CONFLICT;
	}
	if (send_at == 0)
		send_at = out->send_at;
	if ((err = check_time(send_at, now)) == ERR_OK)
		err = store_sched_update(s, id, body ? body : out->body, send_at, now);
	sched_clear(out);
	if (err == ERR_OK)
		err = store_sched_get(s, id, out);
	if (err == ERR_OK)
		err = log_row(s, user, out, body ? "changed" : "moved", now);
	return err ? err : staff_of(s, out->conv, staff);
}

int svc_schedule_cancel(struct store *s, const struct store_user *user, int64_t id, int64_t now,
                        struct sched *out, struct route_set *staff)
{
	memset(staff, 0, sizeof *staff);
	int err = checked(s, user, id, now, "cancel scheduled", out);
	if (err == ERR_OK)
		err = store_sched_set_state(s, id, SCHED_CANCELLED, 0, now);
	if (err == ERR_OK)
		err = log_row(s, user, out, "cancelled", now);
	if (err == ERR_OK)
		out->state = SCHED_CANCELLED;
	return err ? err : staff_of(s, out->conv, staff);
}

int svc_schedule_next(struct store *s, int64_t *at)
{
	return store_sched_next(s, at);
}

/* Sends one that is due, as its author, if they still may. */
static int release_one(struct store *s, struct svc_release_item *it, int64_t now)
{
	struct store_user author;
	struct sched *d = &it->sched;
	int64_t family;
	int err = store_user_get(s, d->sender.id, &author);
	if (err)
		return err;
	int allowed =
	    svc_check_conv(s, &author, d->conv, now, allow_send_text, 0, "send scheduled", &family);
	if (allowed == ERR_OK)
		allowed = svc_case_takes(s, family, KIND_TEXT); /* closed since (issue 16) */
	if (allowed == ERR_FORBIDDEN || allowed == ERR_NOT_FOUND || allowed == ERR_CLOSED) {
		d->state = SCHED_FAILED;
		return store_sched_set_state(s, d->id, SCHED_FAILED, 0, now);
	}
	if (allowed)
		return allowed;
	char client_id[32], detail[48];
	snprintf(client_id, sizeof client_id, "sched-%lld", (long long)d->id);
	snprintf(detail, sizeof detail, "scheduled %lld", (long long)d->id);
	struct svc_sent *sent = &it->sent;
	if ((err = store_message_insert(s, d->conv, family, &author.ref, KIND_TEXT, d->body,
	                                client_id, now, &sent->msg)) ||
	    (err = store_log_append(s, now, "message", author.ref.id, family, d->conv, sent->msg.id,
	                            detail)) ||
	    (err = route_message(s, d->conv, KIND_TEXT, &sent->rcpt)) ||
	    (err = svc_tell_away(s, &author.ref, sent, now)) ||
	    (err = svc_waiting_after(s, &sent->msg, &sent->wait)) ||
	    (err = store_sched_set_state(s, d->id, SCHED_SENT, sent->msg.id, now)))
		return err;
	d->state = SCHED_SENT;
	d->message_id = sent->msg.id;
	return ERR_OK;
}

int svc_schedule_release(struct store *s, int64_t now, size_t max, struct svc_released *out)
{
	struct sched_list due;
	memset(out, 0, sizeof *out);
	int err = store_sched_due(s, now, max, &due);
	if (err || due.n == 0) {
		sched_list_free(&due);
		return err;
	}
	out->v = calloc(due.n, sizeof *out->v);
	if (out->v == NULL) {
		sched_list_free(&due);
		return ERR_INTERNAL;
	}
	for (size_t i = 0; err == ERR_OK && i < due.n; i++) {
		struct svc_release_item *it = &out->v[out->n++];
		it->sched = due.v[i];
		memset(&due.v[i], 0, sizeof due.v[i]); /* the item owns the body now */
		err = release_one(s, it, now);
		if (err == ERR_OK)
			err = staff_of(s, it->sched.conv, &it->staff);
	}
	sched_list_free(&due);
	if (err)
		svc_released_clear(out);
	return err;
}

void svc_released_clear(struct svc_released *r)
{
	for (size_t i = 0; i < r->n; i++) {
		svc_sent_clear(&r->v[i].sent);
		sched_clear(&r->v[i].sched);
		route_set_free(&r->v[i].staff);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
