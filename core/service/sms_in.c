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

#define SMS_STOPPED_TEXT                                                                           \
	"Du får ikke flere SMS fra os. Skriv START til dette nummer, hvis du vil have dem igen."
#define SMS_STARTED_TEXT "Du får SMS fra os igen. Skriv STOP, hvis du vil stoppe dem."
#define SMS_UNKNOWN_TEXT                                                                            \
	"Dette nummer bruges af kommunens rådgivere til at skrive med de familier, de arbejder "   \
	"med. Vi kender ikke dit nummer, så din besked er ikke gemt. Kontakt din rådgiver eller " \
	"kommunen."
#define SMS_CLOSED_TEXT                                                                            \
	"Jeres forløb hos kommunen er afsluttet, så beskeder her bliver ikke læst. Ring til "   \
	"kommunen, hvis I har brug for hjælp."
#define SMS_REPLY_EVERY_MS (24 * 3600 * 1000LL) /* an unknown number is answered once a day */

static const char *const stop_words[] = {"STOP", "STOPP", "AFMELD", NULL};
static const char *const start_words[] = {"START", "TILMELD", NULL};

/* One of words, alone (case, spaces and a full stop or exclamation aside). */
static bool is_word(const char *text, const char *const *words)
{
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
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcasecmp(w, words[i]) == 0)
			return true;
	return false;
}

/* An SMS of the gateway's own to a number, due now. */
static int reply(struct store *s, enum sms_kind kind, int64_t user, const char *e164,
                 const char *text, int64_t now, struct svc_sent *out)
{
	struct store_sms_new n = {
	    .kind = kind, .user_id = user, .phone = e164, .body = text, .not_before = now};
	int err = store_sms_queue(s, &n, now, NULL);
	if (err == ERR_OK)
		out->sms++;
	return err;
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

/* Logged, masked, and told what this number is for: once a day at most. */
static int unknown_sender(struct store *s, const char *e164, int64_t now, struct svc_sent *out)
{
	char masked[48], detail[96];
	int64_t replied;
	sms_phone_mask(e164, masked, sizeof masked);
	snprintf(detail, sizeof detail, "sms from an unknown number %s, not stored", masked);
	int err = store_log_append(s, now, "sms", 0, 0, 0, 0, detail);
	if (err == ERR_OK)
		err =
		    store_sms_sent_to(s, SMS_KIND_REPLY, e164, now - SMS_REPLY_EVERY_MS, &replied);
	return err || replied > 0 ? err
	                          : reply(s, SMS_KIND_REPLY, 0, e164, SMS_UNKNOWN_TEXT, now, out);
}

/* A member of a closed case (issue 16) is told kindly that nobody reads
 * here now, once a day at most; the text is not stored (the case takes no
 * messages), the family's log says an SMS came. */
static int case_closed(struct store *s, const struct store_user *m, const char *e164, int64_t now,
                       struct svc_sent *out)
{
	int64_t replied;
	memset(out, 0, sizeof *out);
	int err = store_log_append(s, now, "sms", m->ref.id, m->family_id, 0, 0,
	                           "sms to a closed case, not stored");
	if (err == ERR_OK)
		err =
		    store_sms_sent_to(s, SMS_KIND_REPLY, e164, now - SMS_REPLY_EVERY_MS, &replied);
	return err || replied > 0
	           ? err
	           : reply(s, SMS_KIND_REPLY, m->ref.id, e164, SMS_CLOSED_TEXT, now, out);
}

/* STOP ends SMS to the number (START brings them back); the phone is told
 * either way, and the family's log says it. */
static int stop_or_start(struct store *s, const struct store_user *m, const char *e164, bool stop,
                         int64_t now, struct svc_sent *out)
{
	char detail[DOMAIN_NAME_MAX + 64];
	int err = store_member_sms_stop(s, m->ref.id, stop ? now : 0);
	snprintf(detail, sizeof detail, "sms of %s: %s", m->ref.name,
	         stop ? "STOP from the phone; no more SMS" : "START from the phone; SMS on again");
	if (err == ERR_OK)
		err = store_log_append(s, now, "settings", m->ref.id, m->family_id, 0, 0, detail);
	return err ? err
	           : reply(s, SMS_KIND_STOPPED, m->ref.id, e164,
	                   stop ? SMS_STOPPED_TEXT : SMS_STARTED_TEXT, now, out);
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
		return unknown_sender(s, e164, now, out);
	if (err == ERR_OK)
		err = store_user_get(s, member, &m);
	if (err)
		return err;
	if (is_word(text, stop_words) || is_word(text, start_words))
		return stop_or_start(s, &m, e164, is_word(text, stop_words), now, out);
	if ((err = store_family_default_conv(s, m.family_id, &conv)) != ERR_OK)
		return err;
	snprintf(client_id, sizeof client_id, "sms-%.56s", sms_id);
	err = svc_send(s, &m, conv, KIND_TEXT, 0, text, client_id, now, out);
	if (err == ERR_CLOSED)
		return case_closed(s, &m, e164, now, out);
	if (err != ERR_OK || out->duplicate)
		return err;
	out->msg.sms = true;
	return store_message_via_sms(s, out->msg.id);
}
