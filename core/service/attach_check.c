/*
 * attach_check.c - what the checker (core/scan) records of an upload:
 * which one is due, a retry while clamd is away, and the outcome (issue 14).
 *
 * The outcome is told at once to the sender's devices, to everyone who may
 * see the message it is in (a message may go before its files are
 * checked), and - for malware a family member sent - to the family's pair,
 * who are asked to act on it.  Malware is logged in the family's contact
 * log like any other contact.
 */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>

#include "../codec/codec.h"

int svc_attach_claim(struct store *s, int64_t now, int64_t lease_ms, struct attachment *out)
{
	int64_t id;
	int err = store_attach_due(s, now, &id);
	if (err == ERR_OK)
		err = store_attach_get(s, id, out);
	if (err == ERR_OK)
		err = store_attach_set_next(s, id, now + lease_ms, 0);
	return err;
}

int svc_attach_next(struct store *s, int64_t *at)
{
	return store_attach_next(s, at);
}

int svc_attach_retry(struct store *s, int64_t id, int64_t now, int64_t wait_ms)
{
	return store_attach_set_next(s, id, now + wait_ms, 1);
}

void svc_attach_told_clear(struct svc_attach_told *t)
{
	route_set_free(&t->to);
	free(t->frame);
	t->frame = NULL;
}

/* The family the upload concerns: its message's, else its sender's. */
static int64_t family_of(const struct store_user *owner, const struct msg *m)
{
	return m->id ? m->family : owner->family_id;
}

/* Malware: a contact-log row, and the family's pair are to be told. */
static int malware_found(struct store *s, const struct store_user *owner, const struct msg *m,
                         const char *signature, int64_t now, struct route_set *to)
{
	int64_t family = family_of(owner, m), team, primary, secondary;
	int err =
	    store_log_append(s, now, "malware", owner->ref.id, family, m->conv, m->id, signature);
	if (err || owner->ref.role != ROLE_FAMILY || family == 0)
		return err;
	if ((err = store_family_pair(s, family, &team, &primary, &secondary)) != ERR_OK)
		return err;
	if ((err = route_set_add(to, primary)) == ERR_OK && secondary)
		err = route_set_add(to, secondary);
	return err;
}

int svc_attach_checked(struct store *s, const struct attachment *checked, const char *malware,
                       int64_t now, struct svc_attach_told *told)
{
	struct store_user owner;
	struct msg m = {0};
	struct attachment now_row, *a = &now_row;
	memset(told, 0, sizeof *told);
	int err = store_attach_checked(s, checked, now);
	/* As it is now: a message may have taken it while it was being checked. */
	if (err == ERR_OK)
		err = store_attach_get(s, checked->id, a);
	if (err == ERR_OK)
		err = store_user_get(s, a->owner_id, &owner);
	if (err == ERR_OK && a->message_id)
		err = store_message_get(s, a->message_id, &m);
	if (err == ERR_OK && m.id)
		err = route_message(s, m.conv, m.kind, &told->to);
	if (err == ERR_OK)
		err = route_set_add(&told->to, owner.ref.id);
	if (err == ERR_OK && malware != NULL)
		err = malware_found(s, &owner, &m, malware, now, &told->to);
	if (err == ERR_OK && (told->frame = codec_encode_attachment_frame(a, m.conv)) == NULL)
		err = ERR_INTERNAL;
	msg_clear(&m);
	if (err)
		svc_attach_told_clear(told);
	return err;
}

/* sha's file is no longer named by any row: the caller removes it. */
static int note_unused(struct store *s, const char *sha, struct svc_expired *out)
{
	int64_t used = 0;
	int err = sha[0] ? store_attach_file_used(s, sha, &used) : ERR_OK;
	if (err == ERR_OK && sha[0] && used == 0)
		memcpy(out->unused[out->n_unused++], sha, 65);
	return err;
}

int svc_attach_expire(struct store *s, int64_t now, struct svc_expired *out)
{
	memset(out, 0, sizeof *out);
	int err = store_attach_expired(s, now, now - SVC_UNSENT_KEEP_MS, SVC_EXPIRE_BATCH, out->ids,
	                               &out->n);
	for (size_t i = 0; err == ERR_OK && i < out->n; i++) {
		struct attachment a;
		if ((err = store_attach_get(s, out->ids[i], &a)) != ERR_OK ||
		    (err = store_attach_delete(s, a.id)) != ERR_OK)
			break;
		if ((err = note_unused(s, a.sha256, out)) == ERR_OK)
			err = note_unused(s, a.thumb_sha256, out);
	}
	return err;
}
