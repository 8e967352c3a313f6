/*
 * send.c - a message or an internal note into a conversation, and the
 * system messages that operations post to a family.
 */
#include "service_int.h"

#include <stdio.h>
#include <stdlib.h>
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
	svc_waiting_clear(&r->wait);
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

int svc_case_takes(struct store *s, int64_t family, enum msg_kind kind)
{
	int64_t closed_at;
	int err = store_record_closed_at(s, family, &closed_at);
	if (err == ERR_OK && !perm_case_takes(kind, closed_at != 0))
		return ERR_CLOSED;
	return err;
}

/* The uploads files names, each the sender's own, not yet in a message and
 * received whole; a[] gets their rows. */
static int check_files(struct store *s, const struct store_user *user,
                       const struct svc_files *files, int64_t family, int64_t conv, int64_t now,
                       struct attachment *a)
{
	for (size_t i = 0; i < files->n; i++) {
		int err = store_attach_get(s, files->ids[i], &a[i]);
		if (err == ERR_OK && a[i].owner_id != user->ref.id)
			err = ERR_NOT_FOUND; /* another's is no upload of yours */
		if (err == ERR_NOT_FOUND)
			return svc_refuse_unless(s, user, false, REL_NONE, family, conv, now,
			                         "send attachment");
		if (err)
			return err;
		if (a[i].message_id)
			return ERR_CONFLICT;
		/* A rejected one goes as what it is: its refusal is shown where
		 * it was sent (a client that sent at once may learn of it late). */
		if (a[i].state == ATTACH_RECEIVING)
			return ERR_BAD_REQUEST;
	}
	return ERR_OK;
}

/* "📎 brev.jpg, kort.pdf": the body of a message that is only files. */
static char *names_of(const struct attachment *a, size_t n)
{
	size_t cap = 8 + n * (DOMAIN_FILE_NAME_MAX + 2), o = 0;
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	o += (size_t)snprintf(out, cap, "\xf0\x9f\x93\x8e ");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? ", " : "", a[i].name);
	return out;
}

/* The message takes its files; out->att lists them for its frame. */
static int take_files(struct store *s, const struct svc_files *files, struct attachment *a,
                      struct msg *out)
{
	int err = ERR_OK;
	for (size_t i = 0; err == ERR_OK && i < files->n; i++) {
		a[i].message_id = out->id;
		a[i].position = (int)i;
		err = store_attach_take(s, files->ids[i], out->id, (int)i);
	}
	if (err == ERR_OK)
		err = store_message_set_attachments(s, out->id, files->n);
	if (err == ERR_OK && (out->att = malloc(files->n * sizeof *a)) == NULL)
		err = ERR_INTERNAL;
	if (err == ERR_OK) {
		memcpy(out->att, a, files->n * sizeof *a);
		out->n_att = files->n;
	}
	return err;
}

int svc_send(struct store *s, const struct store_user *user, int64_t conv, enum msg_kind kind,
             unsigned flags, const char *body, const char *client_id, int64_t now,
             struct svc_sent *sent)
{
	return svc_send_with(s, user, conv, kind, flags, body, NULL, client_id, now, sent);
}

int svc_send_with(struct store *s, const struct store_user *user, int64_t conv, enum msg_kind kind,
                  unsigned flags, const char *body, const struct svc_files *files,
                  const char *client_id, int64_t now, struct svc_sent *sent)
{
	static const struct svc_files none = {NULL, 0};
	struct attachment a[DOMAIN_ATTACH_MAX];
	char *named = NULL;
	memset(sent, 0, sizeof *sent);
	struct msg *out = &sent->msg;
	if (files == NULL)
		files = &none;
	if (files->n > DOMAIN_ATTACH_MAX)
		return ERR_BAD_REQUEST;
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
	        ERR_OK ||
	    (err = svc_case_takes(s, family, kind)) != ERR_OK ||
	    (err = check_files(s, user, files, family, conv, now, a)) != ERR_OK)
		return err;
	if (files->n > 0 && (body == NULL || body[0] == '\0') &&
	    (body = named = names_of(a, files->n)) == NULL)
		return ERR_INTERNAL;
	err = store_message_insert(s, conv, family, &user->ref, kind, body, client_id, now, out);
	free(named);
	if (err == ERR_OK && files->n > 0)
		err = take_files(s, files, a, out);
	if (err)
		goto done;
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
	if (err == ERR_OK)
		err = svc_waiting_after(s, out, &sent->wait);
	if (err == ERR_OK)
		err = svc_mentions_notify(s, out, now, &sent->pushes);
done:
	if (err)
		svc_sent_clear(sent);
	return err;
}

int svc_audience(struct store *s, const struct msg *m, struct route_set *to)
{
	return route_message(s, m->conv, m->kind, to);
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
