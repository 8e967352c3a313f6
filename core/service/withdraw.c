/*
 * withdraw.c - a message sent by mistake, taken back by its author within
 * minutes (issue 15): everyone who may see it sees that it was withdrawn
 * (the family app says "trukket tilbage"), the text it had stays in
 * message_versions with a "withdrawn" row in the contact log.  An SMS not
 * yet sent does not go; one that went with its text is followed by an SMS
 * saying it was taken back (sms_out.c).  A notification is not called back.
 */
#include "service_int.h"

#include <string.h>

int svc_withdraw(struct store *s, const struct store_user *user, int64_t id, int64_t now,
                 struct svc_changed *out)
{
	memset(out, 0, sizeof *out);
	int err = svc_check_own_message(s, user, id, now, "withdraw", &out->msg);
	if (err == ERR_OK)
		err = store_message_change(s, id, DOMAIN_WITHDRAWN_BODY, true, now);
	if (err == ERR_OK)
		err = store_log_append(s, now, "withdrawn", user->ref.id, out->msg.family,
		                       out->msg.conv, id, "");
	if (err == ERR_OK)
		err = svc_changed_tell(s, id, out);
	if (err == ERR_OK)
		err = svc_sms_changed(s, &out->msg, now, &out->sms);
	return err;
}
