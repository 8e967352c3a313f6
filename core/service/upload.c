/*
 * upload.c - a photo or document on its way in (issue 14).
 *
 * An upload is checked before its body is read: who may send files
 * (family members and staff; an administrator reads and sends no content),
 * how large (the municipality's limit, from Content-Length), and how many
 * one person has arriving at once, so one account cannot fill the spool.
 * Its row exists from then on, so an upload cut off half way is found and
 * cleared by its deadline.  Once its bytes are stored, the server's type
 * and name for it are recorded and it waits to be checked; it belongs to
 * its sender until a message takes it.
 */
#include "service_int.h"

int svc_upload_open(struct store *s, const struct store_user *actor, int64_t size, int64_t max,
                    int64_t deadline, int64_t now, int64_t *id, const char **why)
{
	int err = svc_refuse_unless(s, actor, perm_can_upload(actor->ref.role), REL_ADMIN, 0, 0,
	                            now, "upload");
	if (err)
		return err;
	if (size <= 0) {
		*why = "The file is empty.";
		return ERR_BAD_REQUEST;
	}
	if (size > max) {
		*why = "The file is too large.";
		return ERR_TOO_LARGE;
	}
	int64_t arriving = 0;
	if ((err = store_attach_receiving(s, actor->ref.id, now, &arriving)) != ERR_OK)
		return err;
	if (arriving >= SVC_UPLOADS_AT_ONCE) {
		*why = "Too many files on their way at once; wait for one to finish.";
		return ERR_RATE_LIMITED;
	}
	int64_t unsent = 0;
	if ((err = store_attach_unsent(s, actor->ref.id, &unsent)) != ERR_OK)
		return err;
	if (unsent >= SVC_UPLOADS_UNSENT) {
		*why = "Too many files waiting to be sent; send or wait for them to expire.";
		return ERR_RATE_LIMITED;
	}
	return store_attach_insert(s, actor->ref.id, size, deadline, now, id);
}

/* The actor's own upload, still arriving; anything else is "no such thing". */
static int own_receiving(struct store *s, const struct store_user *actor, int64_t id)
{
	struct attachment cur;
	int err = store_attach_get(s, id, &cur);
	if (err == ERR_OK && (cur.owner_id != actor->ref.id || cur.state != ATTACH_RECEIVING))
		err = ERR_NOT_FOUND;
	return err;
}

int svc_upload_received(struct store *s, const struct store_user *actor, struct attachment *a)
{
	int err = own_receiving(s, actor, a->id);
	if (err == ERR_OK)
		err = store_attach_received(s, a);
	if (err == ERR_OK)
		a->state = ATTACH_CHECKING;
	return err;
}

int svc_upload_drop(struct store *s, const struct store_user *actor, int64_t id)
{
	int err = own_receiving(s, actor, id);
	return err == ERR_OK ? store_attach_delete(s, id) : err;
}
