/*
 * sms_in.c - an SMS from a phone, handed over by Kannel (issue 13).
 *
 * A family member without data or without the app writes by SMS to the
 * municipality's number; the message lands in the family's default
 * conversation as theirs, with the same rules, live fan-out, notifications
 * and contact log as one from the app (svc_send).  Kannel may deliver the
 * same SMS again (its store survives a restart; a failed hand-over is
 * retried): its id makes the client_id, so it is stored once.  A number
 * nobody has is never stored as family content: the log says an SMS came
 * from it, masked.  STOP ends SMS to the number until the member or the
 * pair turns it on again.
 */
#include "service_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../sms/phone.h"

/* STOP and its Danish forms, alone (case and spaces aside). */
static bool is_stop(const char *text)
{
	static const char *const words[] = {"STOP", "STOPP", "AFMELD"};
	char w[16];
	size_t n = 0;
	for (const char *p = text; *p; p++) {
		if (isspace((unsigned char)*p) || *p == '.' || *p == '!')
			continue;
		if (n + 1 >= sizeof w)
			return false;
		w[n++] = *p;
	}
	w[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasecmp(w, words[i]) == 0)
			return true;
	return false;
}

/* The operator's form of a number as E.164: "4522345678" (no "+", an
 * international number) too. */
static int number_of(const char *from, char e164[SMS_PHONE_MAX + 1])
{
	const char *why;
	char plus[SMS_PHONE_MAX + 2];
	if (from[0] >= '1' && from[0] <= '9' && strlen(from) > 8 && strlen(from) <= SMS_PHONE_MAX) {
		snprintf(plus, sizeof plus, "+%s", from);
		from = plus;
	}
	return sms_phone_parse(from, e164, &why);
}

static int unknown_sender(struct store *s, const char *e164, int64_t now)
{
	char masked[48], detail[96];
	sms_phone_mask(e164, masked, sizeof masked);
	snprintf(detail, sizeof detail, "sms from an unknown number %s, not stored", masked);
	return store_log_append(s, now, "sms", 0, 0, 0, 0, detail);
}

static int stop(struct store *s, const struct store_user *m, int64_t now)
{
	char detail[DOMAIN_NAME_MAX + 64];
	int err = store_member_sms_stop(s, m->ref.id, now);
	snprintf(detail, sizeof detail, "sms of %s: STOP from the phone; no more SMS", m->ref.name);
	return err ? err
	           : store_log_append(s, now, "settings", m->ref.id, m->family_id, 0, 0, detail);
}

int svc_sms_received(struct store *s, const char *from, const char *text, const char *sms_id,
                     int64_t now, struct svc_sent *out)
{
	char e164[SMS_PHONE_MAX + 1], client_id[DOMAIN_CLIENT_ID_MAX + 1];
	int64_t member, conv;
	struct store_user m;
	memset(out, 0, sizeof *out);
	if (number_of(from, e164) != ERR_OK)
		return ERR_BAD_REQUEST;
	int err = store_member_by_phone(s, e164, &member);
	if (err == ERR_NOT_FOUND)
		return unknown_sender(s, e164, now);
	if (err == ERR_OK)
		err = store_user_get(s, member, &m);
	if (err)
		return err;
	if (is_stop(text))
		return stop(s, &m, now);
	if ((err = store_family_default_conv(s, m.family_id, &conv)) != ERR_OK)
		return err;
	snprintf(client_id, sizeof client_id, "sms-%.56s", sms_id);
	if ((err = svc_send(s, &m, conv, KIND_TEXT, 0, text, client_id, now, out)) != ERR_OK ||
	    out->duplicate)
		return err;
	out->msg.sms = true;
	return store_message_via_sms(s, out->msg.id);
}
