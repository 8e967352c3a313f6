/*
 * test_sms_out.c - SMS to family members on a real store (issue 13): who
 * gets one, what it may hold (the sensitivity guard), the claim the sender
 * makes, its outcomes and Kannel's delivery reports, and who may list them.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

/* 2026-12-04 12:00 in Denmark: outside the default quiet hours. */
#define NOON 1796382000000LL

static struct world w;
static const struct svc_sms_policy policy = {.link = "https://indgang.example.dk/",
                                             .full_text = true,
                                             .unsure_ms = 60000,
                                             .ttl_ms = 2 * 24 * 3600 * 1000LL};

static void set_sms(int64_t member, const char *phone, enum sms_channel ch, int consent)
{
	struct store_user anna = world_user(&w, w.anna);
	struct svc_sms_change chg = {.phone = phone, .channel = ch, .consent = consent};
	struct member_sms out;
	const char *why = NULL;
	CHECK_EQ(svc_member_sms_set(w.s, &anna, member, &chg, NOON, &out, &why), ERR_OK);
}

static size_t send_as(int64_t who, enum msg_kind kind, unsigned flags, const char *body,
                      const char *cid, int64_t at)
{
	struct store_user u = world_user(&w, who);
	struct svc_sent sent;
	CHECK_EQ(svc_send(w.s, &u, w.conv_a, kind, flags, body, cid, at, &sent), ERR_OK);
	size_t n = sent.sms;
	svc_sent_clear(&sent);
	return n;
}

/* Claims what is due at `at`; the caller clears it. */
static void claim(int64_t at, const struct svc_sms_policy *p, struct svc_sms_batch *b)
{
	CHECK_EQ(svc_sms_claim(w.s, p, at, 32, b), ERR_OK);
}

/* Only a member reached by SMS gets an SMS (with SMS as fallback: a
 * notice, test_fallback), and only of a staff text. */
static void test_who_gets_one(void)
{
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Hej Mette", "w-1", NOON), 0); /* the app */
	set_sms(w.mette, "22345678", SMS_CHANNEL_SMS, -1);
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Nu som SMS", "w-3", NOON), 1);
	CHECK_EQ(send_as(w.anna, KIND_NOTE, 0, "Intern note", "w-4", NOON), 0);
	CHECK_EQ(send_as(w.mette, KIND_TEXT, 0, "Fra Mette", "w-5", NOON), 0);
	struct svc_sms_batch b;
	claim(NOON, &policy, &b);
	CHECK_EQ(b.n, 1);
	CHECK_STR(b.v[0].phone, "+4522345678");
	CHECK_EQ(b.v[0].st.state, SMS_SENDING);
	svc_sms_batch_clear(&b);
}

/* Without consent, an SMS is a notice with the app's address; with it, the
 * text; "not by SMS" and the municipality's switch make it a notice again. */
static void test_guard(void)
{
	struct svc_sms_batch b;
	claim(NOON + 120000, &policy, &b); /* the one above, unsure now: not this test's */
	svc_sms_batch_clear(&b);
	send_as(w.anna, KIND_TEXT, 0, "Husk mødet torsdag", "g-1", NOON);
	claim(NOON, &policy, &b);
	CHECK_EQ(b.n, 1);
	CHECK(!b.v[0].st.full_text);
	CHECK_STR(b.v[0].text, "Du har en ny besked fra din rådgiver: https://indgang.example.dk/");
	CHECK(strstr(b.v[0].text, "torsdag") == NULL);
	svc_sms_batch_clear(&b);

	set_sms(w.mette, NULL, 0, 1); /* consent recorded */
	send_as(w.anna, KIND_TEXT, 0, "Husk mødet fredag", "g-2", NOON);
	send_as(w.anna, KIND_TEXT, SVC_SEND_NO_SMS, "Dit CPR-nummer", "g-3", NOON);
	claim(NOON, &policy, &b);
	CHECK_EQ(b.n, 2);
	CHECK(b.v[0].st.full_text);
	CHECK_STR(b.v[0].text, "Anna Jensen: Husk mødet fredag");
	CHECK(!b.v[1].st.full_text);
	CHECK(strstr(b.v[1].text, "CPR") == NULL);
	svc_sms_batch_clear(&b);

	struct svc_sms_policy off = policy;
	off.full_text = false;
	send_as(w.anna, KIND_TEXT, 0, "Husk mødet lørdag", "g-4", NOON);
	claim(NOON, &off, &b);
	CHECK_EQ(b.n, 1);
	CHECK(!b.v[0].st.full_text);
	CHECK(strstr(b.v[0].text, "lørdag") == NULL);
	svc_sms_batch_clear(&b);
}

/* Accepted by Kannel, then its reports: states move forward only, and a
 * failure to a member reached only by SMS is written for the pair. */
static void test_outcomes_and_reports(void)
{
	struct svc_sms_batch b;
	send_as(w.anna, KIND_TEXT, 0, "Ring til mig", "o-1", NOON);
	send_as(w.anna, KIND_TEXT, 0, "Eller skriv", "o-2", NOON);
	claim(NOON, &policy, &b);
	CHECK_EQ(b.n, 2);
	int64_t first = b.v[0].st.id, second = b.v[1].st.id;
	b.v[0].result = SMS_ACCEPTED;
	b.v[1].result = SMS_QUEUED; /* Kannel was down */
	b.v[1].retry_at = NOON + 5000;
	CHECK_EQ(svc_sms_record(w.s, &b, NOON), ERR_OK);
	CHECK(b.v[0].told);
	CHECK(!b.v[1].told); /* a retry is no news to staff */
	svc_sms_batch_clear(&b);

	claim(NOON + 1000, &policy, &b);
	CHECK_EQ(b.n, 0); /* the retry waits its turn */
	CHECK_EQ(b.next_at, NOON + 5000);
	svc_sms_batch_clear(&b);
	claim(NOON + 5000, &policy, &b);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.v[0].st.id, second);
	svc_sms_batch_clear(&b);

	struct sms_status st;
	struct route_set staff;
	bool moved;
	CHECK_EQ(svc_sms_report(w.s, first, 1, "DELIVRD", NOON, &st, &moved, &staff), ERR_OK);
	CHECK(moved);
	CHECK_EQ(st.state, SMS_DELIVERED);
	CHECK(staff.n >= 2); /* the pair (and the team) */
	route_set_free(&staff);
	CHECK_EQ(svc_sms_report(w.s, first, 8, "ACK", NOON, &st, &moved, &staff), ERR_OK);
	CHECK(!moved); /* an earlier report arriving late */
	route_set_free(&staff);
	CHECK_EQ(svc_sms_report(w.s, first, 99, "", NOON, &st, &moved, &staff), ERR_BAD_REQUEST);
	CHECK_EQ(svc_sms_report(w.s, 999999, 1, "", NOON, &st, &moved, &staff), ERR_NOT_FOUND);

	int before = world_log_count(&w, "sms");
	CHECK_EQ(svc_sms_report(w.s, second, 16, "REJECTD", NOON, &st, &moved, &staff), ERR_OK);
	CHECK(moved);
	CHECK_EQ(st.state, SMS_FAILED);
	route_set_free(&staff);
	CHECK_EQ(world_log_count(&w, "sms"), before + 1);
}

/* STOP since it was queued: not sent, and the pair learns of it. */
static void test_stop_since(void)
{
	struct svc_sms_batch b;
	send_as(w.anna, KIND_TEXT, 0, "Er du der?", "s-1", NOON);
	CHECK_EQ(store_member_sms_stop(w.s, w.mette, NOON), ERR_OK);
	claim(NOON, &policy, &b);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.v[0].st.state, SMS_FAILED);
	CHECK(b.v[0].text == NULL);
	b.v[0].result = SMS_FAILED;
	int before = world_log_count(&w, "sms");
	CHECK_EQ(svc_sms_record(w.s, &b, NOON), ERR_OK);
	CHECK_EQ(world_log_count(&w, "sms"), before + 1);
	svc_sms_batch_clear(&b);
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Og nu?", "s-2", NOON), 0);
	CHECK_EQ(store_member_sms_stop(w.s, w.mette, 0), ERR_OK);
}

/* Pieces of the texts of what is due now, in order, joined by "|". */
static void due_texts(int64_t at, char *out, size_t cap)
{
	struct svc_sms_batch b;
	claim(at, &policy, &b);
	out[0] = '\0';
	for (size_t i = 0; i < b.n; i++) {
		b.v[i].result = SMS_ACCEPTED;
		snprintf(out + strlen(out), cap - strlen(out), "%s%s:%s", i ? "|" : "",
		         b.v[i].phone, b.v[i].text ? b.v[i].text : "-");
	}
	CHECK_EQ(svc_sms_record(w.s, &b, at), ERR_OK);
	svc_sms_batch_clear(&b);
}

/* STOP from the phone is confirmed (that one SMS still goes), START too; an
 * unknown number is told what this number is for, once a day. */
static void test_stop_start_unknown(void)
{
	char texts[2048];
	struct svc_sent out;
	due_texts(NOON, texts, sizeof texts); /* what earlier tests left */
	CHECK_EQ(svc_sms_received(w.s, "+4522345678", "Stop", "k-1", NOON, &out), ERR_OK);
	CHECK_EQ(out.sms, 1);
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Hallo?", "u-1", NOON), 0);
	due_texts(NOON, texts, sizeof texts);
	CHECK(strstr(texts, "+4522345678:Du får ikke flere SMS fra os") == texts);
	CHECK_EQ(svc_sms_received(w.s, "4522345678", "start", "k-2", NOON, &out), ERR_OK);
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Velkommen tilbage", "u-2", NOON), 1);
	due_texts(NOON, texts, sizeof texts);
	CHECK(strstr(texts, "Du får SMS fra os igen") != NULL);
	CHECK(strstr(texts, "Anna Jensen: Velkommen tilbage") != NULL);

	CHECK_EQ(svc_sms_received(w.s, "+4531223344", "Hvem er I?", "k-3", NOON, &out), ERR_OK);
	CHECK_EQ(out.msg.id, 0); /* not stored */
	CHECK_EQ(out.sms, 1);
	CHECK_EQ(svc_sms_received(w.s, "+4531223344", "Hallo?", "k-4", NOON + 3600000, &out),
	         ERR_OK);
	CHECK_EQ(out.sms, 0); /* answered once a day */
	due_texts(NOON + 3600000, texts, sizeof texts);
	/* (what the earlier tests claimed and never recorded is due again too) */
	const char *r = strstr(texts, "+4531223344:Dette nummer bruges af kommunens rådgivere");
	CHECK(r != NULL);
	CHECK(r && strstr(r + 1, "+4531223344:") == NULL); /* once */
	CHECK_EQ(svc_sms_received(w.s, "+4531223344", "Nu?", "k-5", NOON + 25 * 3600000LL, &out),
	         ERR_OK);
	CHECK_EQ(out.sms, 1);
}

/* After STOP, the pair (or the member) turns SMS on again. */
static void test_resume(void)
{
	struct svc_sent out;
	CHECK_EQ(svc_sms_received(w.s, "+4522345678", "AFMELD", "k-6", NOON, &out), ERR_OK);
	struct member_sms ms;
	CHECK_EQ(store_member_sms_get(w.s, w.mette, &ms), ERR_OK);
	CHECK(ms.stopped_at != 0);
	struct store_user mette = world_user(&w, w.mette);
	struct svc_sms_change chg = {.consent = -1, .resume = true};
	const char *why = NULL;
	int before = world_log_count(&w, "settings");
	CHECK_EQ(svc_member_sms_set(w.s, &mette, w.mette, &chg, NOON, &ms, &why), ERR_OK);
	CHECK_EQ(ms.stopped_at, 0);
	CHECK_EQ(world_log_count(&w, "settings"), before + 1);
	CHECK_EQ(store_member_sms_get(w.s, w.mette, &ms), ERR_OK);
	CHECK_EQ(ms.stopped_at, 0);
}

/* With SMS as fallback: a notice when the app does not reach her, one per
 * conversation until she reads it; none when the app got it first; with
 * push, only after fallback_ms (and not in quiet hours). */
static void test_fallback(void)
{
	struct svc_sms_policy p = policy;
	p.fallback_ms = 15 * 60000;
	struct svc_sms_batch b;
	claim(NOON + 3 * 3600000LL, &p, &b); /* what earlier tests left */
	for (size_t i = 0; i < b.n; i++)
		b.v[i].result = SMS_ACCEPTED;
	CHECK_EQ(svc_sms_record(w.s, &b, NOON), ERR_OK);
	svc_sms_batch_clear(&b);
	set_sms(w.mette, NULL, SMS_CHANNEL_FALLBACK, -1);

	/* No push: at once, a notice even with consent. */
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Første", "f-1", NOON), 1);
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Anden", "f-2", NOON), 0); /* one until read */
	claim(NOON, &p, &b);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.v[0].st.kind, SMS_KIND_FALLBACK);
	CHECK(strstr(b.v[0].text, "Du har en ny besked") == b.v[0].text);
	b.v[0].result = SMS_ACCEPTED;
	CHECK_EQ(svc_sms_record(w.s, &b, NOON), ERR_OK);
	svc_sms_batch_clear(&b);

	/* She reads; the next message may have a notice again, but her phone
	 * gets it first: not needed. */
	struct store_user mette = world_user(&w, w.mette);
	struct svc_receipt rc;
	int64_t last;
	CHECK_EQ(store_conv_last_id(w.s, w.conv_a, false, &last), ERR_OK);
	CHECK_EQ(svc_read(w.s, &mette, w.conv_a, last, NOON, &rc), ERR_OK);
	svc_receipt_clear(&rc);
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Tredje", "f-3", NOON), 1);
	struct svc_delivery dv;
	CHECK_EQ(svc_delivered(w.s, &mette, 0, w.conv_a, last + 1000, NOON, &dv), ERR_OK);
	svc_delivery_clear(&dv);
	claim(NOON, &p, &b);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.v[0].st.state, SMS_CANCELLED);
	CHECK_EQ(svc_sms_record(w.s, &b, NOON), ERR_OK);
	CHECK(b.v[0].told);
	svc_sms_batch_clear(&b);

	/* With push: it waits fallback_ms for the app. */
	CHECK_EQ(
	    sqlite3_exec(store_db(w.s),
	                 "INSERT INTO tokens(user_id, hash, created_at, expires_at) SELECT id, "
	                 "X'0fa11bac', 0, 9000000000000000 FROM users WHERE name = 'Mette Hansen';"
	                 "INSERT INTO push_subscriptions(user_id, token_id, endpoint, p256dh, "
	                 "auth, created_at) SELECT user_id, id, 'https://push.example/x', 'k', "
	                 "'a', 0 FROM tokens WHERE hash = X'0fa11bac'",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	CHECK_EQ(svc_read(w.s, &mette, w.conv_a, last + 1000, NOON, &rc), ERR_OK);
	svc_receipt_clear(&rc);
	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Fjerde", "f-4", NOON), 1);
	claim(NOON, &p, &b);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(b.next_at, NOON + 15 * 60000);
	svc_sms_batch_clear(&b);
	claim(NOON + 15 * 60000, &p, &b);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.v[0].st.state, SMS_SENDING);
	svc_sms_batch_clear(&b);
	set_sms(w.mette, NULL, SMS_CHANNEL_SMS, -1);
}

/* The list is the pair's and the team's; a family member or another
 * team's adviser is refused (and logged). */
static void test_list(void)
{
	static struct sms_view v;
	struct store_user carl = world_user(&w, w.carl), mette = world_user(&w, w.mette),
	                  dora = world_user(&w, w.dora);
	CHECK_EQ(svc_sms_list(w.s, &carl, w.conv_a, 0, true, NOON, &v), ERR_OK);
	CHECK(v.n >= 5);
	CHECK(v.v[0].id > v.v[1].id); /* the newest first */
	CHECK_EQ(v.n_to, 1);          /* Mette, by SMS only, with consent: the text */
	CHECK_EQ(v.to[0].user.id, w.mette);
	CHECK(v.to[0].full_text);
	CHECK_EQ(svc_sms_list(w.s, &carl, w.conv_a, 0, false, NOON, &v), ERR_OK);
	CHECK(!v.to[0].full_text); /* the municipality's switch */
	CHECK_EQ(svc_sms_list(w.s, &mette, w.conv_a, 0, true, NOON, &v), ERR_FORBIDDEN);
	CHECK(svc_sms_list(w.s, &dora, w.conv_a, 0, true, NOON, &v) != ERR_OK);
	int before = world_log_count(&w, "denied");
	CHECK(svc_sms_list(w.s, &dora, w.conv_a, 0, true, NOON, &v) != ERR_OK);
	CHECK_EQ(world_log_count(&w, "denied"), before + 1);
}

/* Everything due at `at` handed over and accepted; how many. */
static size_t hand_over(int64_t at, char *first_text, size_t cap)
{
	struct svc_sms_batch b;
	claim(at, &policy, &b);
	size_t n = b.n;
	for (size_t i = 0; i < b.n; i++)
		if (b.v[i].st.state == SMS_SENDING)
			b.v[i].result = SMS_ACCEPTED;
	if (first_text)
		snprintf(first_text, cap, "%s", n > 0 && b.v[0].text ? b.v[0].text : "");
	CHECK_EQ(svc_sms_record(w.s, &b, at), ERR_OK);
	svc_sms_batch_clear(&b);
	return n;
}

static size_t change(int64_t id, const char *body, int64_t at)
{
	struct store_user anna = world_user(&w, w.anna);
	struct svc_changed out;
	CHECK_EQ(body ? svc_correct(w.s, &anna, id, body, at, &out)
	              : svc_withdraw(w.s, &anna, id, at, &out),
	         ERR_OK);
	size_t n = out.sms;
	svc_changed_clear(&out);
	return n;
}

/* What is due at `at` is one SMS, and it does not go. */
static void only_cancelled(int64_t at)
{
	struct svc_sms_batch b;
	claim(at, &policy, &b);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.v[0].st.state, SMS_CANCELLED);
	CHECK(b.v[0].text == NULL);
	CHECK_EQ(svc_sms_record(w.s, &b, at), ERR_OK);
	svc_sms_batch_clear(&b);
}

static int64_t last_message(void)
{
	return world_scalar(&w, "SELECT max(id) FROM messages");
}

/* A member reached by SMS has no app to show a correction (issue 15): a
 * message that went to her phone with its text is followed by an SMS with
 * the new text, or saying it was taken back (without its text); one that
 * has not gone yet goes corrected, or not at all once withdrawn; one that
 * went as a notice needs nothing. */
static void test_changed(void)
{
	const int64_t t = NOON + 10 * 24 * 3600 * 1000LL;
	char text[400];
	set_sms(w.mette, "22345678", SMS_CHANNEL_SMS, 1);
	hand_over(t, NULL, 0); /* what earlier tests left */

	CHECK_EQ(send_as(w.anna, KIND_TEXT, 0, "Mødet er tirsdag kl. 10", "c-1", t), 1);
	int64_t id = last_message();
	CHECK_EQ(hand_over(t, text, sizeof text), 1);
	CHECK_STR(text, "Anna Jensen: Mødet er tirsdag kl. 10");
	CHECK_EQ(change(id, "Mødet er onsdag kl. 10", t + 60000), 1);
	CHECK_EQ(hand_over(t + 60000, text, sizeof text), 1);
	CHECK_STR(text, "Rettelse fra Anna Jensen: Mødet er onsdag kl. 10");
	CHECK_EQ(change(id, NULL, t + 120000), 1);
	CHECK_EQ(hand_over(t + 120000, text, sizeof text), 1);
	CHECK(strstr(text, "Anna Jensen har trukket sin besked fra ") == text);
	CHECK(strstr(text, "tilbage.") != NULL && strstr(text, "onsdag") == NULL);

	/* Not gone yet: corrected, it goes as it is; withdrawn, it does not. */
	send_as(w.anna, KIND_TEXT, 0, "Ring i morgen", "c-2", t + 200000);
	id = last_message();
	CHECK_EQ(change(id, "Ring på fredag", t + 210000), 0);
	CHECK_EQ(hand_over(t + 220000, text, sizeof text), 1);
	CHECK_STR(text, "Anna Jensen: Ring på fredag");
	send_as(w.anna, KIND_TEXT, 0, "Forkert familie", "c-3", t + 230000);
	id = last_message();
	CHECK_EQ(change(id, NULL, t + 240000), 0);
	only_cancelled(t + 250000);

	/* Went as a notice (no consent to the text): the app shows the change. */
	set_sms(w.mette, "22345678", SMS_CHANNEL_SMS, 0);
	send_as(w.anna, KIND_TEXT, 0, "Husk papirerne", "c-4", t + 300000);
	id = last_message();
	CHECK_EQ(hand_over(t + 300000, text, sizeof text), 1);
	CHECK(strstr(text, "papirerne") == NULL);
	CHECK_EQ(change(id, "Husk alle papirerne", t + 310000), 1);
	only_cancelled(t + 320000); /* nothing with the text went to correct */

	/* Corrected while its own SMS is being handed over: the correction
	 * waits until that is done, then goes if the text was in it. */
	set_sms(w.mette, "22345678", SMS_CHANNEL_SMS, 1);
	send_as(w.anna, KIND_TEXT, 0, "Kl. 9", "c-5", t + 400000);
	id = last_message();
	struct svc_sms_batch b;
	claim(t + 400000, &policy, &b); /* handing over */
	CHECK_EQ(b.n, 1);
	CHECK_EQ(change(id, "Kl. 10", t + 400100), 1);
	struct svc_sms_batch later;
	claim(t + 400200, &policy, &later);
	CHECK_EQ(later.n, 0); /* waits */
	svc_sms_batch_clear(&later);
	b.v[0].result = SMS_ACCEPTED;
	CHECK_EQ(svc_sms_record(w.s, &b, t + 400300), ERR_OK);
	svc_sms_batch_clear(&b);
	CHECK_EQ(hand_over(t + 401200, text, sizeof text), 1);
	CHECK_STR(text, "Rettelse fra Anna Jensen: Kl. 10");
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_who_gets_one();
	test_guard();
	test_outcomes_and_reports();
	test_stop_since();
	test_list();
	test_stop_start_unknown();
	test_resume();
	test_fallback();
	test_changed();
	world_free(&w);
	return check_report("test_sms_out");
}
