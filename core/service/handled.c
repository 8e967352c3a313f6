/*
 * handled.c - "no answer needed": a pair adviser takes a conversation out
 * of both advisers' queue without writing to the family (issue 15).
 *
 * The mark names the newest message the adviser saw, so a family message
 * that arrived meanwhile is not swept away with it: it keeps the
 * conversation waiting, from itself.
 */
#include "service_int.h"

#include <string.h>

static bool allow_handled(enum perm_rel rel, int unused)
{
	(void)unused;
	return perm_can_mark_handled(rel);
}

int svc_handled(struct store *s, const struct store_user *user, int64_t conv, int64_t upto,
                int64_t now, struct svc_waiting *out)
{
	memset(out, 0, sizeof *out);
	int64_t family, last;
	struct conv_waiting w;
	int err = svc_check_conv(s, user, conv, now, allow_handled, 0, "handled", &family);
	if (err == ERR_OK)
		err = store_conv_last_id(s, conv, true, &last);
	if (err == ERR_OK)
		err = store_waiting_get(s, conv, &w);
	if (err)
		return err;
	if (upto > last)
		upto = last; /* a position past the end marks nothing yet to come */
	if (w.from == 0 || w.from > upto) {
		out->conv = conv; /* as it is: nothing of it is handled */
		out->state = w;
		return ERR_OK;
	}
	w.how = ANSWER_HANDLED;
	w.by = user->ref;
	w.at = now;
	w.upto = upto;
	if ((err = store_waiting_next(s, conv, upto, &w.from, &w.since)) == ERR_OK &&
	    (err = store_waiting_answer(s, conv, &w)) == ERR_OK &&
	    (err = store_log_append(s, now, "handled", user->ref.id, family, conv, upto, "")) ==
	        ERR_OK)
		err = svc_waiting_tell(s, conv, out);
	return err;
}
