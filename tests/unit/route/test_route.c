/*
 * test_route.c - who receives what (core/route) on the test world, one
 * relation at a time: a family's pair and its team members get every
 * message and note of each of its conversations, a family member the
 * messages of the conversations they take part in and never a note, staff
 * of another team and the administrator nothing.  Receipts go to everyone
 * who sees the conversation, split into those who see notes and those whose
 * receipts are clamped (route_receipt_split).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/common/err.h"
#include "core/route/route.h"
#include "world.h"

static struct world w;

/* The set holds exactly the users in want (a 0-terminated list), each once. */
static bool set_is(const struct route_set *r, const int64_t *want)
{
	size_t n = 0;
	for (; want[n] != 0; n++) {
		size_t seen = 0;
		for (size_t i = 0; i < r->n; i++)
			seen += r->users[i] == want[n];
		if (seen != 1)
			return false;
	}
	return r->n == n;
}

static void expect_message(int64_t conv, enum msg_kind kind, const int64_t *want)
{
	struct route_set r;
	CHECK_EQ(route_message(w.s, conv, kind, &r), ERR_OK);
	CHECK(set_is(&r, want));
	route_set_free(&r);
	CHECK(r.users == NULL && r.n == 0);
}

static void test_messages(void)
{
	/* The default conversation: the pair, the team member, both members. */
	const int64_t a_text[] = {w.anna, w.bo, w.carl, w.mette, w.jonas, 0};
	expect_message(w.conv_a, KIND_TEXT, a_text);
	expect_message(w.conv_a, KIND_SYSTEM, a_text);
	/* A note: staff of the family only. */
	const int64_t a_note[] = {w.anna, w.bo, w.carl, 0};
	expect_message(w.conv_a, KIND_NOTE, a_note);
	/* The restricted conversation: Jonas takes part, Mette does not. */
	const int64_t r_text[] = {w.anna, w.bo, w.carl, w.jonas, 0};
	expect_message(w.conv_r, KIND_TEXT, r_text);
	expect_message(w.conv_r, KIND_NOTE, a_note);
	/* The other family's: its own pair and team, none of team Øst. */
	const int64_t b_text[] = {w.dora, w.erik, w.frida, w.amina, 0};
	expect_message(w.conv_b, KIND_TEXT, b_text);
	const int64_t b_note[] = {w.dora, w.erik, w.frida, 0};
	expect_message(w.conv_b, KIND_NOTE, b_note);
	/* No such conversation: nobody. */
	const int64_t none[] = {0};
	expect_message(999999, KIND_TEXT, none);
}

static void test_receipts(void)
{
	struct route_set all, notes, no_notes;
	const int64_t a_all[] = {w.anna, w.bo, w.carl, w.mette, w.jonas, 0};
	const int64_t staff_a[] = {w.anna, w.bo, w.carl, 0};
	const int64_t members_a[] = {w.mette, w.jonas, 0};
	const int64_t jonas[] = {w.jonas, 0};

	CHECK_EQ(route_receipt(w.s, w.conv_a, &all), ERR_OK);
	CHECK(set_is(&all, a_all));
	route_set_free(&all);

	CHECK_EQ(route_receipt_split(w.s, w.conv_a, &notes, &no_notes), ERR_OK);
	CHECK(set_is(&notes, staff_a));
	CHECK(set_is(&no_notes, members_a));
	route_set_free(&notes);
	route_set_free(&no_notes);

	CHECK_EQ(route_receipt_split(w.s, w.conv_r, &notes, &no_notes), ERR_OK);
	CHECK(set_is(&notes, staff_a));
	CHECK(set_is(&no_notes, jonas));
	route_set_free(&notes);
	route_set_free(&no_notes);

	const int64_t staff_b[] = {w.dora, w.erik, w.frida, 0};
	const int64_t amina[] = {w.amina, 0};
	CHECK_EQ(route_receipt_split(w.s, w.conv_b, &notes, &no_notes), ERR_OK);
	CHECK(set_is(&notes, staff_b));
	CHECK(set_is(&no_notes, amina));
	route_set_free(&notes);
	route_set_free(&no_notes);
}

/* The administrator and staff of another team are in no set. */
static void test_outsiders(void)
{
	const int64_t convs[] = {w.conv_a, w.conv_r, w.conv_b};
	for (size_t c = 0; c < 3; c++) {
		struct route_set r;
		CHECK_EQ(route_receipt(w.s, convs[c], &r), ERR_OK);
		for (size_t i = 0; i < r.n; i++) {
			CHECK(r.users[i] != w.admin);
			if (convs[c] == w.conv_b)
				CHECK(r.users[i] != w.anna && r.users[i] != w.carl);
			else
				CHECK(r.users[i] != w.dora && r.users[i] != w.amina);
		}
		route_set_free(&r);
	}
}

int main(void)
{
	if (world_build(&w, ":memory:") != 0) {
		fprintf(stderr, "test_route: cannot build the world\n");
		return 1;
	}
	test_messages();
	test_receipts();
	test_outsiders();
	world_free(&w);
	return check_report("route");
}
