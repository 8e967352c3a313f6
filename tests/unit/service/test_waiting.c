/*
 * test_waiting.c - which conversations need an answer (issue 15), on a real
 * store: a family member's text starts the wait and the first one counts,
 * a pair adviser's text or "handled" mark ends it for both advisers, a
 * family message after the mark keeps it waiting, notes and system
 * messages change nothing, and only the pair may mark it.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

#define T0 1796382000000LL /* 2026-12-04 12:00 in Denmark */

static struct world w;

/* Sends as who; returns the message id and whether the wait changed. */
static int64_t send_as(int64_t who, enum msg_kind kind, const char *body, int64_t at, bool *changed)
{
	static int n;
	char cid[32];
	snprintf(cid, sizeof cid, "wt-%d", ++n);
	struct store_user u = world_user(&w, who);
	struct svc_sent sent;
	CHECK_EQ(svc_send(w.s, &u, w.conv_a, kind, 0, body, cid, at, &sent), ERR_OK);
	int64_t id = sent.msg.id;
	if (changed)
		*changed = sent.wait.changed;
	if (sent.wait.changed) { /* told to the staff who see it, never the family */
		CHECK_EQ(sent.wait.conv, w.conv_a);
		CHECK(sent.wait.staff.n >= 3); /* Anna, Bo and Carl of the team */
		for (size_t i = 0; i < sent.wait.staff.n; i++)
			CHECK(sent.wait.staff.users[i] != w.mette &&
			      sent.wait.staff.users[i] != w.jonas);
	}
	svc_sent_clear(&sent);
	return id;
}

static struct conv_waiting state(void)
{
	struct conv_waiting st;
	CHECK_EQ(store_waiting_get(w.s, w.conv_a, &st), ERR_OK);
	return st;
}

/* The caseload both advisers get shows the same. */
static void check_caseload(int64_t who, int64_t from)
{
	struct store_user u = world_user(&w, who);
	struct conv c;
	CHECK_EQ(store_conversation(w.s, &u, w.conv_a, 0, &c), ERR_OK);
	CHECK(c.staff_view);
	CHECK_EQ(c.waiting.from, from);
	CHECK_EQ(c.last.id, c.last_id);
	conv_clear(&c);
}

static void test_family_text_waits_and_reply_ends(void)
{
	bool changed;
	CHECK_EQ(state().from, 0);
	int64_t first = send_as(w.mette, KIND_TEXT, "Jeg har fået et brev", T0, &changed);
	CHECK(changed);
	CHECK_EQ(state().from, first);
	CHECK_EQ(state().since, T0);
	send_as(w.mette, KIND_TEXT, "Kan I ringe?", T0 + 60000, &changed);
	CHECK(!changed); /* it waits since the first */
	CHECK_EQ(state().from, first);
	check_caseload(w.anna, first);
	check_caseload(w.bo, first);
	check_caseload(w.carl, first); /* the team sees it too */

	send_as(w.anna, KIND_NOTE, "Jeg tager den", T0 + 120000, &changed);
	CHECK(!changed); /* a note answers no one */
	CHECK_EQ(state().from, first);

	int64_t reply = send_as(w.bo, KIND_TEXT, "Jeg ringer kl. 14", T0 + 180000, &changed);
	CHECK(changed);
	struct conv_waiting st = state();
	CHECK_EQ(st.from, 0);
	CHECK_EQ(st.how, ANSWER_REPLY);
	CHECK_EQ(st.by.id, w.bo);
	CHECK_EQ(st.upto, reply);
	CHECK_EQ(st.at, T0 + 180000);
	check_caseload(w.anna, 0); /* gone from Anna's queue as well */

	send_as(w.anna, KIND_TEXT, "Og jeg kommer med", T0 + 200000, &changed);
	CHECK(!changed); /* nothing waited */
	CHECK_EQ(state().by.id, w.bo);
}

static void test_handled(void)
{
	struct store_user anna = world_user(&w, w.anna), carl = world_user(&w, w.carl),
	                  mette = world_user(&w, w.mette), dora = world_user(&w, w.dora);
	struct svc_waiting out;
	int64_t a = send_as(w.mette, KIND_TEXT, "Tak!", T0 + 300000, NULL);
	int64_t b = send_as(w.mette, KIND_TEXT, "Hav en god dag", T0 + 310000, NULL);

	/* Only the pair: a team member is forbidden, a family member and
	 * another team's adviser are refused, each refusal logged. */
	int denied = world_log_count(&w, "denied");
	CHECK_EQ(svc_handled(w.s, &carl, w.conv_a, b, T0 + 320000, &out), ERR_FORBIDDEN);
	CHECK(svc_handled(w.s, &mette, w.conv_a, b, T0 + 320000, &out) != ERR_OK);
	CHECK(svc_handled(w.s, &dora, w.conv_a, b, T0 + 320000, &out) != ERR_OK);
	CHECK_EQ(world_log_count(&w, "denied"), denied + 3);
	CHECK_EQ(state().from, a);

	/* Marked up to a: b came after, so it waits from b. */
	int handled = world_log_count(&w, "handled");
	CHECK_EQ(svc_handled(w.s, &anna, w.conv_a, a, T0 + 330000, &out), ERR_OK);
	CHECK(out.changed);
	CHECK_EQ(out.state.from, b);
	CHECK_EQ(out.state.since, T0 + 310000);
	CHECK_EQ(out.state.how, ANSWER_HANDLED);
	CHECK_EQ(out.state.by.id, w.anna);
	CHECK_EQ(out.state.upto, a);
	CHECK(out.staff.n >= 3);
	svc_waiting_clear(&out);
	CHECK_EQ(world_log_count(&w, "handled"), handled + 1);

	/* Then past the end: clamped to the newest message, nothing waits. */
	CHECK_EQ(svc_handled(w.s, &anna, w.conv_a, b + 1000, T0 + 340000, &out), ERR_OK);
	CHECK(out.changed);
	CHECK_EQ(out.state.from, 0);
	CHECK_EQ(out.state.upto, b);
	svc_waiting_clear(&out);

	/* Again: nothing waits, nothing is written or logged, the state told. */
	CHECK_EQ(svc_handled(w.s, &anna, w.conv_a, b, T0 + 350000, &out), ERR_OK);
	CHECK(!out.changed);
	CHECK_EQ(out.state.how, ANSWER_HANDLED);
	CHECK_EQ(out.state.at, T0 + 340000);
	svc_waiting_clear(&out);
	CHECK_EQ(world_log_count(&w, "handled"), handled + 2);
}

/* A family member's own caseload holds no waiting state: it is staff's. */
static void test_family_view(void)
{
	send_as(w.mette, KIND_TEXT, "En sidste ting", T0 + 400000, NULL);
	struct store_user mette = world_user(&w, w.mette);
	struct conv c;
	CHECK_EQ(store_conversation(w.s, &mette, w.conv_a, 0, &c), ERR_OK);
	CHECK(!c.staff_view);
	CHECK_STR(c.last.preview, "En sidste ting");
	CHECK_EQ(c.last.sender.id, w.mette);
	conv_clear(&c);
}

/* The preview is the body's start on one line, notes only for staff. */
static void test_preview(void)
{
	char body[400];
	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	memcpy(body, "Første linje\nanden", 19);
	send_as(w.anna, KIND_NOTE, body, T0 + 500000, NULL);
	struct store_user anna = world_user(&w, w.anna), mette = world_user(&w, w.mette);
	struct conv c;
	CHECK_EQ(store_conversation(w.s, &anna, w.conv_a, 0, &c), ERR_OK);
	CHECK_EQ(c.last.kind, KIND_NOTE);
	CHECK(strncmp(c.last.preview, "Første linje anden", 19) == 0);
	CHECK_EQ(strlen(c.last.preview), 121); /* 120 characters, one of them two bytes */
	conv_clear(&c);
	CHECK_EQ(store_conversation(w.s, &mette, w.conv_a, 0, &c), ERR_OK);
	CHECK_EQ(c.last.kind, KIND_TEXT); /* the note does not show through */
	CHECK_STR(c.last.preview, "En sidste ting");
	conv_clear(&c);
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_family_text_waits_and_reply_ends();
	test_handled();
	test_family_view();
	test_preview();
	world_free(&w);
	return check_report("test_waiting");
}
