/*
 * send.c - a message or an internal note into a conversation, and the
 * system messages that operations post to a family.
 */
#include "service_int.h"

#include <string.h>

#include "../push/quiet.h"

static bool allow_send(enum perm_rel rel, int kind)
{
	return perm_can_send(rel, (enum msg_kind)kind);
}

void svc_sent_clear(struct svc_sent *r)
{
	msg_clear(&r->msg);
	route_set_free(&r->rcpt);
	r->duplicate = false;
	r->pushes = r->sms = 0;
}

int svc_tell_away(struct store *s, const struct user_ref *sender, struct svc_sent *sent,
                  int64_t now)
{
	const struct msg *m = &sent->msg;
	struct route_set to;
	int err = route_push(s, m->conv, sender->role, m->kind, &to);
	if (err || to.n == 0) {
		route_set_free(&to);
		return err;
	}
	int start, end;
	int64_t after = now;
	bool to_family = sender->role != ROLE_FAMILY; /* then its quiet hours hold */
	if (to_family && (err = store_family_quiet_get(s, m->family, &start, &end)) == ERR_OK)
		after = quiet_release_at(now, start, end);
	if (err == ERR_OK)
		err = svc_push_queue(s, &to, m, after, &sent->pushes);
	if (err == ERR_OK && to_family)
		err = svc_sms_message(s, &to, m, after, &sent->sms);
	route_set_free(&to);
	return err;
}

int svc_send(struct store *s, const struct store_user *user, int64_t conv, enum msg_kind kind,
             unsigned flags, const char *body, const char *client_id, int64_t now,
             struct svc_sent *sent)
{
	memset(sent, 0, sizeof *sent);
	struct msg *out = &sent->msg;
	/* A resend after a lost ack (or a COMMIT that reported an error yet
	 * stored the row) must return the original, never store a second one. */
	int err = store_message_by_client_id(s, user->ref.id, client_id, out);
	if (err == ERR_OK) {
		sent->duplicate = true;
		return ERR_OK;
	}
	if (err != ERR_NOT_FOUND)
		return err;
	int64_t family;
	const char *what = kind == KIND_NOTE ? "send note" : "send text";
	if ((err = svc_check_conv(s, user, conv, now, allow_send, (int)kind, what, &family)) !=
	    ERR_OK)
		return err;
	if ((err = store_message_insert(s, conv, family, &user->ref, kind, body, client_id, now,
	                                out)))
		return err;
	const char *log_kind = kind == KIND_NOTE ? "note" : "message";
	err = store_log_append(s, now, log_kind, user->ref.id, family, conv, out->id, "");
	if (err == ERR_OK && (flags & SVC_SEND_NO_SMS) && user->ref.role != ROLE_FAMILY) {
		out->no_sms = true;
		err = store_message_no_sms(s, out->id);
	}
	if (err == ERR_OK)
		err = route_message(s, conv, kind, &sent->rcpt);
	if (err == ERR_OK)
		err = svc_tell_away(s, &user->ref, sent, now);
	if (err)
		svc_sent_clear(sent);
	return err;
}

int svc_system_message(struct store *s, int64_t family, const struct store_user *about,
                       const char *client_id, const char *body, int64_t now, struct msg *out)
{
	int64_t conv;
	int err = store_family_default_conv(s, family, &conv);
	if (err == ERR_OK)
		err = store_message_insert(s, conv, family, &about->ref, KIND_SYSTEM, body,
		                           client_id, now, out);
	return err;
}
