/*
 * test_service.c - the permission matrix on a real store: every kind of
 * user x every action x own family / other family / restricted conversation,
 * through the same service functions the frames and endpoints use.  Each
 * refusal must also leave a "denied" row in the contact log.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/service/service_int.h"

enum rel_expect { NONE, ADMIN, OUT, IN, PAIR, TEAM };

/* The relation each user has to each conversation, stated by hand. */
struct row {
	const char *who;
	int64_t *user;
	enum rel_expect a, r, b; /* conv_a, conv_r (restricted, Jonas), conv_b */
};

static struct world w;

static bool ok(int err)
{
	return err == ERR_OK;
}

static void check_actions(int64_t user_id, int64_t conv, enum rel_expect rel, int *case_no)
{
	struct store_user u = world_user(&w, user_id);
	int64_t now = text_now_ms();
	bool sees = rel == IN || rel == PAIR || rel == TEAM;
	bool text = rel == IN || rel == PAIR;
	bool note = rel == PAIR || rel == TEAM;
	char cid[32];
	struct svc_sent m;
	int denied = world_log_count(&w, "denied");

	/* send text */
	snprintf(cid, sizeof cid, "case-%d-text", ++*case_no);
	memset(&m, 0, sizeof m);
	int err = svc_send(w.s, &u, conv, KIND_TEXT, 0, "hej", cid, now, &m);
	CHECK_EQ(ok(err), text);
	if (!text) {
		CHECK(err == ERR_FORBIDDEN || err == ERR_NOT_FOUND);
		CHECK_EQ(world_log_count(&w, "denied"), ++denied);
	}
	svc_sent_clear(&m);

	/* send note */
	snprintf(cid, sizeof cid, "case-%d-note", *case_no);
	memset(&m, 0, sizeof m);
	err = svc_send(w.s, &u, conv, KIND_NOTE, 0, "note", cid, now, &m);
	CHECK_EQ(ok(err), note);
	if (!note)
		CHECK_EQ(world_log_count(&w, "denied"), ++denied);
	svc_sent_clear(&m);

	/* history: visible or refused; notes only for staff */
	struct msg_list l = {0};
	bool more;
	int64_t family;
	err = svc_history(w.s, &u, conv, 0, 500, &l, &more, &family);
	CHECK_EQ(ok(err), sees);
	for (size_t i = 0; i < l.n; i++)
		CHECK(l.v[i].kind != KIND_NOTE || note);
	msg_list_free(&l);

	/* read receipts */
	struct svc_receipt rc;
	err = svc_read(w.s, &u, conv, 1, now, &rc);
	CHECK_EQ(ok(err), sees);
	svc_receipt_clear(&rc);
}

static void test_matrix(int first_case)
{
	struct row rows[] = {
	    {"admin", &w.admin, ADMIN, ADMIN, ADMIN}, {"anna", &w.anna, PAIR, PAIR, NONE},
	    {"bo", &w.bo, PAIR, PAIR, NONE},          {"carl", &w.carl, TEAM, TEAM, NONE},
	    {"dora", &w.dora, NONE, NONE, PAIR},      {"frida", &w.frida, NONE, NONE, TEAM},
	    {"mette", &w.mette, IN, OUT, NONE},       {"jonas", &w.jonas, IN, IN, NONE},
	    {"amina", &w.amina, NONE, NONE, IN},
	};
	int case_no = first_case;
	/* Twice: the second round sees the first round's notes in history. */
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
			check_actions(*rows[i].user, w.conv_a, rows[i].a, &case_no);
			check_actions(*rows[i].user, w.conv_r, rows[i].r, &case_no);
			check_actions(*rows[i].user, w.conv_b, rows[i].b, &case_no);
		}
	}
	CHECK_EQ(case_no - first_case, 54);
}

/* The same client_id from the same sender returns the original message. */
static void test_idempotent_send(void)
{
	struct store_user mette = world_user(&w, w.mette), jonas = world_user(&w, w.jonas);
	struct svc_sent m1, m2, m3;
	int64_t now = text_now_ms();
	CHECK_EQ(svc_send(w.s, &mette, w.conv_a, KIND_TEXT, 0, "først", "same", now, &m1), ERR_OK);
	CHECK(!m1.duplicate);
	CHECK_EQ(svc_send(w.s, &mette, w.conv_a, KIND_TEXT, 0, "igen", "same", now, &m2), ERR_OK);
	CHECK(m2.duplicate);
	CHECK_EQ(m2.msg.id, m1.msg.id);
	CHECK_STR(m2.msg.body, "først");
	CHECK_EQ(m2.rcpt.n, 0);
	/* Another sender's identical client_id is a different message. */
	CHECK_EQ(svc_send(w.s, &jonas, w.conv_a, KIND_TEXT, 0, "hej", "same", now, &m3), ERR_OK);
	CHECK(!m3.duplicate);
	CHECK(m3.msg.id > m1.msg.id);
	svc_sent_clear(&m1);
	svc_sent_clear(&m2);
	svc_sent_clear(&m3);
}

static bool has_user(const struct route_set *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->users[i] == id)
			return true;
	return false;
}

/* Messages reach the pair, the team and the participants, and no one else;
 * notes never reach the family. */
static void test_routing(void)
{
	struct route_set r;
	CHECK_EQ(route_message(w.s, w.conv_a, KIND_TEXT, &r), ERR_OK);
	CHECK_EQ(r.n, 5);
	CHECK(has_user(&r, w.anna) && has_user(&r, w.bo) && has_user(&r, w.carl));
	CHECK(has_user(&r, w.mette) && has_user(&r, w.jonas));
	CHECK(!has_user(&r, w.dora) && !has_user(&r, w.amina) && !has_user(&r, w.admin));
	route_set_free(&r);

	CHECK_EQ(route_message(w.s, w.conv_a, KIND_NOTE, &r), ERR_OK);
	CHECK_EQ(r.n, 3);
	CHECK(!has_user(&r, w.mette) && !has_user(&r, w.jonas));
	route_set_free(&r);

	CHECK_EQ(route_message(w.s, w.conv_r, KIND_TEXT, &r), ERR_OK);
	CHECK(has_user(&r, w.jonas) && !has_user(&r, w.mette));
	route_set_free(&r);

	CHECK_EQ(route_receipt(w.s, w.conv_b, &r), ERR_OK);
	CHECK(has_user(&r, w.dora) && has_user(&r, w.frida) && has_user(&r, w.amina));
	CHECK(!has_user(&r, w.anna));
	route_set_free(&r);
}

/* A read position only ever rises. */
static void test_read_positions(void)
{
	struct store_user u = world_user(&w, w.anna), mette = world_user(&w, w.mette);
	int64_t last;
	struct svc_receipt r;
	int64_t now = text_now_ms();
	CHECK_EQ(svc_read(w.s, &u, w.conv_a, 5, now, &r), ERR_OK);
	CHECK_EQ(r.stored, 5);
	svc_receipt_clear(&r);
	CHECK_EQ(svc_read(w.s, &u, w.conv_a, 3, now + 10, &r), ERR_OK);
	CHECK_EQ(r.stored, 5);
	CHECK_EQ(r.at, now);
	svc_receipt_clear(&r);
	/* Nobody reads past the last message they may see (a family member's
	 * last is the last non-note). */
	CHECK_EQ(store_conv_last_id(w.s, w.conv_a, false, &last), ERR_OK);
	CHECK_EQ(svc_read(w.s, &mette, w.conv_a, 1000000000000, now, &r), ERR_OK);
	CHECK_EQ(r.stored, last);
	svc_receipt_clear(&r);
}

static bool has(const struct route_set *r, int64_t user)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->users[i] == user)
			return true;
	return false;
}

/* A read that moves nothing tells nobody; a read across notes reaches
 * staff as stored and the family only clamped, or not at all. */
static void test_receipts_quiet_and_clamped(void)
{
	struct store_user mette = world_user(&w, w.mette), carl = world_user(&w, w.carl),
	                  anna = world_user(&w, w.anna);
	int64_t now = text_now_ms();
	struct svc_sent sent;
	CHECK_EQ(svc_send(w.s, &mette, w.conv_a, KIND_TEXT, 0, "hej", "rq-1", now, &sent), ERR_OK);
	struct msg text = sent.msg;
	sent.msg.body = NULL;
	svc_sent_clear(&sent);
	CHECK_EQ(svc_send(w.s, &carl, w.conv_a, KIND_NOTE, 0, "intern", "rq-2", now, &sent),
	         ERR_OK);
	struct msg note = sent.msg;
	sent.msg.body = NULL;
	svc_sent_clear(&sent);
	struct svc_receipt rc;
	int rows = world_log_count(&w, "receipt");
	CHECK_EQ(svc_read(w.s, &anna, w.conv_a, text.id, now, &rc), ERR_OK);
	CHECK(has(&rc.staff_rcpt, w.bo) && has(&rc.family_rcpt, w.mette));
	CHECK(!has(&rc.staff_rcpt, w.mette));
	CHECK_EQ(rc.family_upto, text.id);
	svc_receipt_clear(&rc);
	CHECK_EQ(world_log_count(&w, "receipt"), rows + 1);
	/* the same position again: nothing stored, nobody told */
	CHECK_EQ(svc_read(w.s, &anna, w.conv_a, text.id, now + 1, &rc), ERR_OK);
	CHECK_EQ(rc.stored, text.id);
	CHECK_EQ(rc.staff_rcpt.n + rc.family_rcpt.n, 0);
	svc_receipt_clear(&rc);
	CHECK_EQ(world_log_count(&w, "receipt"), rows + 1);
	/* across the note: staff see it, the family's view did not move */
	CHECK_EQ(svc_read(w.s, &anna, w.conv_a, note.id, now + 2, &rc), ERR_OK);
	CHECK_EQ(rc.stored, note.id);
	CHECK(has(&rc.staff_rcpt, w.bo));
	CHECK_EQ(rc.family_rcpt.n, 0);
	svc_receipt_clear(&rc);
	msg_clear(&text);
	msg_clear(&note);
}

/* A family member's sync and welcome never include notes or other threads. */
static void test_sync_visibility(void)
{
	struct store_user mette = world_user(&w, w.mette), anna = world_user(&w, w.anna);
	struct msg_list l = {0};
	bool more;
	CHECK_EQ(store_sync(w.s, &mette, 0, 500, &l, &more), ERR_OK);
	CHECK(l.n > 0);
	for (size_t i = 0; i < l.n; i++) {
		CHECK(l.v[i].kind != KIND_NOTE);
		CHECK_EQ(l.v[i].conv, w.conv_a);
	}
	msg_list_free(&l);
	/* Paging: ascending, limit respected, more set. */
	CHECK_EQ(store_sync(w.s, &anna, 0, 3, &l, &more), ERR_OK);
	CHECK_EQ(l.n, 3);
	CHECK(more);
	CHECK(l.v[0].id < l.v[1].id && l.v[1].id < l.v[2].id);
	msg_list_free(&l);

	struct conv_list convs = {0};
	CHECK_EQ(store_user_conversations(w.s, &mette, 0, &convs), ERR_OK);
	CHECK_EQ(convs.n, 1);
	CHECK_EQ(convs.v[0].id, w.conv_a);
	conv_list_free(&convs);
	CHECK_EQ(store_user_conversations(w.s, &anna, 0, &convs), ERR_OK);
	CHECK_EQ(convs.n, 2);
	conv_list_free(&convs);
	struct store_user admin = world_user(&w, w.admin);
	CHECK_EQ(store_user_conversations(w.s, &admin, 0, &convs), ERR_OK);
	CHECK_EQ(convs.n, 0);
	conv_list_free(&convs);
}

/* The cap on restricted conversations: counted per family, the default one
 * aside; family A (one restricted already) fills up, family B is not touched. */
static void test_conv_cap(void)
{
	int64_t n = -1, conv;
	const char *why = NULL;
	CHECK_EQ(store_conv_count_restricted(w.s, w.fam_a, &n), ERR_OK);
	CHECK_EQ(n, 1);
	CHECK_EQ(store_conv_count_restricted(w.s, w.fam_b, &n), ERR_OK);
	CHECK_EQ(n, 0);
	for (int i = 1; i < DOMAIN_RESTRICTED_CONVS_MAX; i++) {
		CHECK_EQ(svc_conv_cap_check(w.s, w.fam_a, &why), ERR_OK);
		CHECK_EQ(store_conv_create(w.s, w.fam_a, "tråd", &w.jonas, 1, 1, &conv), ERR_OK);
	}
	CHECK_EQ(store_conv_count_restricted(w.s, w.fam_a, &n), ERR_OK);
	CHECK_EQ(n, DOMAIN_RESTRICTED_CONVS_MAX);
	CHECK_EQ(svc_conv_cap_check(w.s, w.fam_a, &why), ERR_CONFLICT);
	CHECK(why != NULL && strstr(why, "100") != NULL);
	CHECK_EQ(svc_conv_cap_check(w.s, w.fam_b, &why), ERR_OK);
}

int main(void)
{
	if (world_build(&w, ":memory:") != ERR_OK) {
		fprintf(stderr, "cannot build the test world\n");
		return 1;
	}
	test_matrix(0);
	/* Again with the audiences kept in memory, as the writer keeps them. */
	CHECK_EQ(store_cache_enable(w.s), ERR_OK);
	test_matrix(1000);
	test_idempotent_send();
	test_routing();
	test_read_positions();
	test_receipts_quiet_and_clamped();
	test_sync_visibility();
	test_conv_cap(); /* last: it adds 99 conversations to family A */
	world_free(&w);
	return check_report("service");
}
