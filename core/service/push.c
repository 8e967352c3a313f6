/*
 * push.c - Web Push subscriptions of a sign-in (issue 12).
 *
 * A subscription belongs to the sign-in that registered it (a staff
 * browser's session, or an enrolled phone and its device) and ends with it:
 * logout.c, device.c and staff.c drop it.  Its endpoint is a URL the gateway
 * will POST to, so it must pass the endpoint rule (core/push/endpoint.h).
 *
 * A new message queues a notification per subscription of each person to
 * be told (route_push()), in the same transaction as the message: one that
 * was acknowledged is never lost to a crash.  The sender thread
 * (core/notify) sends them; reading the conversation takes them back.
 */
#include "service_int.h"

#include <stdio.h>

#include "../push/endpoint.h"
#include "../push/quiet.h"

int svc_push_subscribe(struct store *s, const struct svc_policy *p, const struct store_user *user,
                       const struct store_token *tok, const char *endpoint, const char *p256dh,
                       const char *auth, const char *lang, int64_t now, int64_t *id,
                       const char **why)
{
	int err = push_endpoint_check(endpoint, p->push_hosts, p->push_allow_private, why);
	if (err)
		return err;
	struct store_push_sub sub = {.user_id = user->ref.id,
	                             .token_id = tok->id,
	                             .device_id = tok->device_id,
	                             .endpoint = endpoint,
	                             .p256dh = p256dh,
	                             .auth = auth,
	                             .lang = lang};
	return store_push_sub_put(s, &sub, now, id);
}

/* Someone else's subscription is answered like one that does not exist. */
int svc_push_unsubscribe(struct store *s, const struct store_user *user, int64_t id)
{
	return store_push_sub_delete(s, id, user->ref.id);
}

int svc_push_content(struct store *s, const struct store_user *user, enum push_content *out)
{
	return store_push_content_get(s, user->ref.id, out);
}

int svc_push_content_set(struct store *s, const struct store_user *user, enum push_content c,
                         int64_t now)
{
	int err = store_push_content_set(s, user->ref.id, c);
	if (err || user->ref.role != ROLE_FAMILY)
		return err;
	char detail[48];
	snprintf(detail, sizeof detail, "notifications show %s", push_content_name(c));
	return store_log_append(s, now, "settings", user->ref.id, user->family_id, 0, 0, detail);
}

int svc_push_queue(struct store *s, const struct route_set *to, const struct msg *m, int64_t after,
                   size_t *queued)
{
	int err = ERR_OK;
	for (size_t i = 0; err == ERR_OK && i < to->n; i++)
		err = store_push_enqueue(s, to->users[i], m->conv, m->id, after, m->created_at,
		                         queued);
	return err;
}

/* One notification per conversation until it is read: the sent row stays,
 * and a newer message waits in it until renotify_at, or after the family's
 * quiet hours if that falls in them.  Reading the conversation removes it
 * (svc_read), so the next message after a read is told of at once. */
static int keep_sent(struct store *s, const struct svc_push_outcome *o)
{
	int64_t at = o->renotify_at;
	int start, end;
	if (o->family_id != 0) {
		int err = store_family_quiet_get(s, o->family_id, &start, &end);
		if (err)
			return err;
		at = quiet_release_at(at, start, end);
	}
	return store_push_notified(s, o->id, o->message_id, at);
}

/* Without renotify_at, a sent notification leaves the queue unless a newer
 * message took its place meanwhile (store_push_done checks the message). */
static int record_sent(struct store *s, const struct svc_push_outcome *o, int64_t now, size_t *left)
{
	bool gone;
	int err = store_notified_set(s, o->conv_id, o->user_id, o->message_id, now);
	if (err == ERR_OK && o->renotify_at > 0)
		return keep_sent(s, o);
	if (err == ERR_OK && (err = store_push_done(s, o->id, o->message_id, &gone)) == ERR_OK)
		*left += !gone;
	return err;
}

/* A sign-in's warning: once per stretch of disuse (store_push_expiring). */
static int record_warning(struct store *s, const struct svc_push_outcome *o, int64_t now)
{
	switch (o->result) {
	case PUSH_SENT:
		return store_token_warned(s, o->id, now);
	case PUSH_GONE:
		return store_push_sub_gone(s, o->sub_id);
	case PUSH_RETRY:
	case PUSH_DROP:
		return ERR_OK;
	}
	return ERR_INTERNAL;
}

static int record_one(struct store *s, const struct svc_push_outcome *o, int64_t now, size_t *left)
{
	bool gone;
	if (o->warning)
		return record_warning(s, o, now);
	switch (o->result) {
	case PUSH_SENT:
		return record_sent(s, o, now, left);
	case PUSH_GONE:
		return store_push_sub_gone(s, o->sub_id);
	case PUSH_RETRY:
		return store_push_retry(s, o->id, o->retry_at);
	case PUSH_DROP: {
		int err = store_push_done(s, o->id, o->message_id, &gone);
		*left += err == ERR_OK && !gone;
		return err;
	}
	}
	return ERR_INTERNAL;
}

int svc_push_record(struct store *s, const struct svc_push_outcome *v, size_t n, int64_t now,
                    size_t *left)
{
	int err = ERR_OK;
	*left = 0;
	for (size_t i = 0; err == ERR_OK && i < n; i++)
		err = record_one(s, &v[i], now, left);
	return err;
}
