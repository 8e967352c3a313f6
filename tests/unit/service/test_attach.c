/*
 * test_attach.c - photos and documents on a real store (issue 14): who may
 * upload, the limits checked from the headers, a message taking its files
 * once, who may fetch them, the checker's lease and outcomes, and uploads
 * never sent going with the files nothing else names.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"

#define T0   1796382000000LL
#define MAX  (10 * 1024 * 1024)
#define HOUR (3600 * 1000LL)

static struct world w;

/* An upload of who's, received whole as kind/mime. */
static int64_t upload(int64_t who, const char *kind, const char *mime, int64_t at)
{
	struct store_user u = world_user(&w, who);
	const char *why = NULL;
	int64_t id = 0;
	CHECK_EQ(svc_upload_open(w.s, &u, 1000, MAX, at + 60000, at, &id, &why), ERR_OK);
	struct attachment a = {.id = id, .size = 1000};
	snprintf(a.kind, sizeof a.kind, "%s", kind);
	snprintf(a.mime, sizeof a.mime, "%s", mime);
	snprintf(a.name, sizeof a.name, "bilag");
	CHECK_EQ(svc_upload_received(w.s, &u, &a), ERR_OK);
	CHECK_EQ(a.state, ATTACH_CHECKING);
	return id;
}

/* The checker's outcome for id: ready, stored under sha. */
static void make_ready(int64_t id, const char *sha)
{
	struct attachment a;
	struct svc_attach_told told;
	CHECK_EQ(store_attach_get(w.s, id, &a), ERR_OK);
	a.state = ATTACH_READY;
	snprintf(a.sha256, sizeof a.sha256, "%s", sha);
	CHECK_EQ(svc_attach_checked(w.s, &a, NULL, T0, &told), ERR_OK);
	svc_attach_told_clear(&told);
}

static int send_with(int64_t who, int64_t conv, enum msg_kind kind, const int64_t *ids, size_t n,
                     const char *cid, struct svc_sent *sent)
{
	struct store_user u = world_user(&w, who);
	struct svc_files files = {ids, n};
	return svc_send_with(w.s, &u, conv, kind, 0, "", &files, cid, T0, sent);
}

static void test_open(void)
{
	struct store_user admin = world_user(&w, w.admin), mette = world_user(&w, w.mette);
	const char *why = NULL;
	int64_t id;
	CHECK_EQ(svc_upload_open(w.s, &admin, 10, MAX, T0 + 1, T0, &id, &why), ERR_FORBIDDEN);
	CHECK_EQ(svc_upload_open(w.s, &mette, MAX + 1, MAX, T0 + 1, T0, &id, &why), ERR_TOO_LARGE);
	CHECK_EQ(svc_upload_open(w.s, &mette, 0, MAX, T0 + 1, T0, &id, &why), ERR_BAD_REQUEST);
	for (int i = 0; i < SVC_UPLOADS_AT_ONCE; i++)
		CHECK_EQ(svc_upload_open(w.s, &mette, 10, MAX, T0 + 1000, T0, &id, &why), ERR_OK);
	CHECK_EQ(svc_upload_open(w.s, &mette, 10, MAX, T0 + 1000, T0, &id, &why), ERR_RATE_LIMITED);
	/* Past their deadline they count no more. */
	CHECK_EQ(svc_upload_open(w.s, &mette, 10, MAX, T0 + 5000, T0 + 1000, &id, &why), ERR_OK);
	/* ... and the sweep takes them, with nothing stored to remove. */
	struct svc_expired x;
	CHECK_EQ(svc_attach_expire(w.s, T0 + 2000, &x), ERR_OK);
	CHECK_EQ(x.n, SVC_UPLOADS_AT_ONCE);
	CHECK_EQ(x.n_unused, 0);
	CHECK_EQ(svc_attach_expire(w.s, T0 + 6000, &x), ERR_OK);
	CHECK_EQ(x.n, 1);
	/* No more than SVC_UPLOADS_UNSENT waiting to be sent (cut off ones too,
	 * until the sweep takes them). */
	struct store_user jonas = world_user(&w, w.jonas);
	int64_t n = 0;
	for (; n < SVC_UPLOADS_UNSENT + 1; n++)
		if (svc_upload_open(w.s, &jonas, 10, MAX, T0 + 7000, T0 + 7000, &id, &why) !=
		    ERR_OK)
			break;
	CHECK_EQ(n, SVC_UPLOADS_UNSENT);
	CHECK_EQ(svc_upload_open(w.s, &jonas, 10, MAX, T0 + 9000, T0 + 8000, &id, &why),
	         ERR_RATE_LIMITED);
	CHECK_EQ(svc_attach_expire(w.s, T0 + 8000, &x), ERR_OK);
	CHECK_EQ(x.n, SVC_UPLOADS_UNSENT);
}

static void test_send_rules(void)
{
	struct svc_sent sent;
	int64_t mine = upload(w.mette, "image", "image/jpeg", T0);
	int64_t other = upload(w.jonas, "pdf", "application/pdf", T0);
	CHECK_EQ(send_with(w.mette, w.conv_a, KIND_TEXT, &other, 1, "a1", &sent), ERR_NOT_FOUND);
	CHECK_EQ(send_with(w.mette, w.conv_a, KIND_TEXT, &mine, 1, "a2", &sent), ERR_OK);
	CHECK_EQ(sent.msg.n_att, 1);
	CHECK_EQ(sent.msg.att[0].id, mine);
	CHECK_STR(sent.msg.body, "\xf0\x9f\x93\x8e bilag");
	svc_sent_clear(&sent);
	CHECK_EQ(send_with(w.mette, w.conv_a, KIND_TEXT, &mine, 1, "a3", &sent), ERR_CONFLICT);
	/* The same client_id again: the same message, files and all. */
	CHECK_EQ(send_with(w.mette, w.conv_a, KIND_TEXT, &mine, 1, "a2", &sent), ERR_OK);
	CHECK(sent.duplicate);
	CHECK_EQ(sent.msg.n_att, 1);
	svc_sent_clear(&sent);
	CHECK(world_log_count(&w, "denied") > 0);
	/* Still arriving: not yet; rejected: it goes as rejected. */
	struct store_user mette = world_user(&w, w.mette);
	const char *why = NULL;
	int64_t arriving = 0, bad = upload(w.mette, "image", "image/png", T0);
	CHECK_EQ(svc_upload_open(w.s, &mette, 10, MAX, T0 + 60000, T0, &arriving, &why), ERR_OK);
	CHECK_EQ(send_with(w.mette, w.conv_a, KIND_TEXT, &arriving, 1, "a4", &sent),
	         ERR_BAD_REQUEST);
	struct attachment a;
	struct svc_attach_told told;
	CHECK_EQ(store_attach_get(w.s, bad, &a), ERR_OK);
	a.state = ATTACH_REJECTED;
	snprintf(a.reason, sizeof a.reason, "malware");
	CHECK_EQ(svc_attach_checked(w.s, &a, "Indgang.Test", T0, &told), ERR_OK);
	svc_attach_told_clear(&told);
	CHECK_EQ(send_with(w.mette, w.conv_a, KIND_TEXT, &bad, 1, "a5", &sent), ERR_OK);
	CHECK_EQ(sent.msg.att[0].state, ATTACH_REJECTED);
	svc_sent_clear(&sent);
	CHECK_EQ(svc_upload_drop(w.s, &mette, arriving), ERR_OK);
}

static void test_fetch(void)
{
	static const char sha[] =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	struct svc_sent sent;
	struct attachment a;
	int64_t note = upload(w.anna, "pdf", "application/pdf", T0);
	struct store_user mette = world_user(&w, w.mette), bo = world_user(&w, w.bo),
	                  anna = world_user(&w, w.anna), admin = world_user(&w, w.admin),
	                  dora = world_user(&w, w.dora);
	CHECK_EQ(svc_attach_fetch(w.s, &anna, note, T0, &a), ERR_CONFLICT); /* being checked */
	make_ready(note, sha);
	CHECK_EQ(svc_attach_fetch(w.s, &anna, note, T0, &a), ERR_OK);
	CHECK_EQ(svc_attach_fetch(w.s, &bo, note, T0, &a), ERR_NOT_FOUND); /* not sent yet */
	CHECK_EQ(send_with(w.anna, w.conv_a, KIND_NOTE, &note, 1, "n1", &sent), ERR_OK);
	svc_sent_clear(&sent);
	int before = world_log_count(&w, "access");
	CHECK_EQ(svc_attach_fetch(w.s, &bo, note, T0, &a), ERR_OK);
	CHECK_EQ(world_log_count(&w, "access"), before + 1);
	CHECK_EQ(svc_attach_fetch(w.s, &mette, note, T0, &a), ERR_NOT_FOUND); /* a note's */
	CHECK_EQ(svc_attach_fetch(w.s, &admin, note, T0, &a), ERR_NOT_FOUND);
	CHECK_EQ(svc_attach_fetch(w.s, &dora, note, T0, &a), ERR_NOT_FOUND);
	CHECK_EQ(svc_attach_fetch(w.s, &anna, 999999, T0, &a), ERR_NOT_FOUND);
}

static void test_claim_and_expiry(void)
{
	static const char shared[] =
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	struct attachment a;
	struct svc_expired x;
	/* Everything before is checked or sent; one more waits. */
	int64_t t = T0 + 10 * HOUR;
	CHECK_EQ(svc_attach_expire(w.s, t, &x), ERR_OK); /* the unsent ones of the tests before */
	while (svc_attach_claim(w.s, t, 60000, &a) == ERR_OK) /* checked, all of them */
		make_ready(a.id,
		           "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	int64_t id = upload(w.amina, "image", "image/png", t);
	CHECK_EQ(svc_attach_claim(w.s, t, 60000, &a), ERR_OK);
	CHECK_EQ(a.id, id);
	CHECK_EQ(svc_attach_claim(w.s, t + 1000, 60000, &a), ERR_NOT_FOUND); /* leased */
	int64_t next = 0;
	CHECK_EQ(svc_attach_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, t + 60000);
	CHECK_EQ(svc_attach_claim(w.s, t + 60000, 60000, &a), ERR_OK); /* the lease ended */
	CHECK_EQ(a.id, id);
	make_ready(id, shared);
	/* A second upload of the same content shares the file. */
	int64_t twin = upload(w.amina, "image", "image/png", t);
	make_ready(twin, shared);
	struct svc_sent sent;
	CHECK_EQ(send_with(w.amina, w.conv_b, KIND_TEXT, &twin, 1, "t1", &sent), ERR_OK);
	svc_sent_clear(&sent);
	/* A day later the unsent ones go (this and Jonas's of test_send_rules);
	 * their files stay: sent messages name them. */
	CHECK_EQ(svc_attach_expire(w.s, t + SVC_UNSENT_KEEP_MS, &x), ERR_OK);
	CHECK_EQ(x.n, 2);
	CHECK(x.ids[0] == id || x.ids[1] == id);
	CHECK_EQ(x.n_unused, 0);
	CHECK_EQ(store_attach_get(w.s, id, &a), ERR_NOT_FOUND);
	CHECK_EQ(store_attach_get(w.s, twin, &a), ERR_OK);
	/* An unsent one alone with its file: both go. */
	int64_t lone = upload(w.amina, "pdf", "application/pdf", t);
	make_ready(lone, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
	CHECK_EQ(svc_attach_expire(w.s, t + SVC_UNSENT_KEEP_MS, &x), ERR_OK);
	CHECK_EQ(x.n, 1);
	CHECK_EQ(x.n_unused, 1);
	CHECK_STR(x.unused[0], "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
}

/* Sent while being checked: the outcome reaches those who see the message,
 * though the checker's copy was taken before the message. */
static void test_sent_during_check(void)
{
	struct attachment a;
	struct svc_sent sent;
	struct svc_attach_told told;
	int64_t t = T0 + 100 * HOUR;
	while (svc_attach_claim(w.s, t, 60000, &a) == ERR_OK) /* whatever waits */
		make_ready(a.id,
		           "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	int64_t id = upload(w.mette, "pdf", "application/pdf", t);
	CHECK_EQ(svc_attach_claim(w.s, t, 60000, &a), ERR_OK);
	CHECK_EQ(a.id, id);
	CHECK_EQ(send_with(w.mette, w.conv_a, KIND_TEXT, &id, 1, "during", &sent), ERR_OK);
	int64_t msg = sent.msg.id;
	svc_sent_clear(&sent);
	CHECK_EQ(a.message_id, 0); /* the checker's copy */
	a.state = ATTACH_READY;
	snprintf(a.sha256, sizeof a.sha256, "%064d", 7);
	CHECK_EQ(svc_attach_checked(w.s, &a, NULL, t, &told), ERR_OK);
	bool anna = false;
	for (size_t i = 0; i < told.to.n; i++)
		anna |= told.to.users[i] == w.anna;
	CHECK(anna);
	char want[64];
	snprintf(want, sizeof want, "\"message\":%lld", (long long)msg);
	CHECK(strstr(told.frame, want) != NULL);
	svc_attach_told_clear(&told);
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_open();
	test_send_rules();
	test_fetch();
	test_claim_and_expiry();
	test_sent_during_check();
	world_free(&w);
	return check_report("test_attach");
}
