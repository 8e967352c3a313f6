/*
 * waiting.c - which conversations need an answer (issue 15).
 *
 * The rule is one for everyone who sees the conversation, so both advisers
 * of a pair see the same queue: a family member's text starts the wait
 * (the first one counts: the family has waited since then), and it ends
 * when a pair adviser writes to the family there (only the pair may send
 * a text to a family: perm_can_send) or marks it handled (handled.c).
 * Kept in the message's own transaction, so the caseload reads it without
 * scanning any history.
 */
#include "service_int.h"

#include <string.h>

void svc_waiting_clear(struct svc_waiting *w)
{
	route_set_free(&w->staff);
	memset(w, 0, sizeof *w);
}

/* The state now, and the staff to tell it: those who see notes. */
int svc_waiting_tell(struct store *s, int64_t conv, struct svc_waiting *out)
{
	out->changed = true;
	out->conv = conv;
	int err = store_waiting_get(s, conv, &out->state);
	if (err == ERR_OK)
		err = route_message(s, conv, KIND_NOTE, &out->staff);
	return err;
}

int svc_waiting_after(struct store *s, const struct msg *m, struct svc_waiting *out)
{
	memset(out, 0, sizeof *out);
	if (m->kind != KIND_TEXT)
		return ERR_OK;
	if (m->sender.role == ROLE_FAMILY) {
		bool started;
		int err = store_waiting_start(s, m->conv, m->id, m->created_at, &started);
		return err || !started ? err : svc_waiting_tell(s, m->conv, out);
	}
	struct conv_waiting w;
	int err = store_waiting_get(s, m->conv, &w);
	if (err || w.from == 0)
		return err; /* nothing waited: nothing stops */
	w = (struct conv_waiting){
	    .how = ANSWER_REPLY, .by = m->sender, .at = m->created_at, .upto = m->id};
	if ((err = store_waiting_answer(s, m->conv, &w)) != ERR_OK)
		return err;
	return svc_waiting_tell(s, m->conv, out);
}
