/*
 * correct.c - a message sent by mistake, corrected by its author within
 * minutes (issue 15): everyone who may see it sees the new text, marked
 * as corrected, and the text before stays in message_versions with an
 * "edited" row in the contact log; the case file allows no silent edit.
 * A member reached by SMS whose phone got the old text gets the new one
 * by SMS (sms_out.c); a notification that showed the old text is not
 * called back.
 */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>

void svc_changed_clear(struct svc_changed *c)
{
	msg_clear(&c->msg);
	route_set_free(&c->rcpt);
}

/* After the change: the message as it is now, and who sees it. */
int svc_changed_tell(struct store *s, int64_t id, struct svc_changed *out)
{
	msg_clear(&out->msg);
	int err = store_message_get(s, id, &out->msg);
	return err ? err : route_message(s, out->msg.conv, out->msg.kind, &out->rcpt);
}

int svc_correct(struct store *s, const struct store_user *user, int64_t id, const char *body,
                int64_t now, struct svc_changed *out)
{
	memset(out, 0, sizeof *out);
	int err = svc_check_own_message(s, user, id, now, "correct", &out->msg);
	if (err == ERR_OK && strcmp(out->msg.body, body) == 0)
		return svc_changed_tell(s, id, out); /* the same text: nothing changes */
	if (err == ERR_OK)
		err = store_message_change(s, id, body, false, now);
	if (err == ERR_OK)
		err = store_log_append(s, now, "edited", user->ref.id, out->msg.family,
		                       out->msg.conv, id, "");
	if (err == ERR_OK)
		err = svc_changed_tell(s, id, out);
	if (err == ERR_OK)
		err = svc_sms_changed(s, &out->msg, now, &out->sms);
	return err;
}
