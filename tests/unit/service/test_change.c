/*
 * test_change.c - a message sent by mistake (issue 15), on a real store with
 * a clock the test sets: its author corrects or withdraws it within five
 * minutes, everyone who sees it is to hear, the text before is kept and the
 * change logged; another's message, a system message, a late change or a
 * second change after withdrawing are refused.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

#define T0  1796382000000LL
#define MIN (60 * 1000LL)

static struct world w;

static int64_t send_as(int64_t who, enum msg_kind kind, const char *body, int64_t at)
{
	return world_send(&w, who, w.conv_a, kind, body, at);
}

static bool has(const struct route_set *r, int64_t user)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->users[i] == user)
			return true;
	return false;
}

static void test_correct(void)
{
	struct store_user anna = world_user(&w, w.anna), mette = world_user(&w, w.mette),
	                  dora = world_user(&w, w.dora);
	struct svc_changed out;
	int64_t id = send_as(w.anna, KIND_TEXT, "Mødet er tirsdag", T0);
	int edited = world_log_count(&w, "edited"), denied = world_log_count(&w, "denied");
	CHECK_EQ(svc_correct(w.s, &anna, id, "Mødet er onsdag", T0 + 2 * MIN, &out), ERR_OK);
	CHECK_STR(out.msg.body, "Mødet er onsdag");
	CHECK_EQ(out.msg.edited_at, T0 + 2 * MIN);
	CHECK(!out.msg.withdrawn);
	CHECK(has(&out.rcpt, w.mette) && has(&out.rcpt, w.bo) && has(&out.rcpt, w.carl));
	svc_changed_clear(&out);
	CHECK_EQ(world_log_count(&w, "edited"), edited + 1);
	CHECK_EQ(world_scalar(
	             &w, "SELECT count(*) FROM message_versions WHERE body = 'Mødet er tirsdag' "
	                 "AND change = 'edit'"),
	         1);
	/* Not the author: the family member, another team; both logged. */
	CHECK_EQ(svc_correct(w.s, &mette, id, "x", T0 + 3 * MIN, &out), ERR_FORBIDDEN);
	svc_changed_clear(&out);
	CHECK_EQ(svc_correct(w.s, &dora, id, "x", T0 + 3 * MIN, &out), ERR_NOT_FOUND);
	svc_changed_clear(&out);
	CHECK_EQ(world_log_count(&w, "denied"), denied + 2);
	/* Too late: the case file keeps it as it is. */
	CHECK_EQ(svc_correct(w.s, &anna, id, "Mødet er torsdag", T0 + 6 * MIN, &out), ERR_CONFLICT);
	svc_changed_clear(&out);
	CHECK_EQ(svc_correct(w.s, &anna, 999999, "x", T0, &out), ERR_NOT_FOUND);
	svc_changed_clear(&out);
}

static void test_withdraw(void)
{
	struct store_user mette = world_user(&w, w.mette), carl = world_user(&w, w.carl);
	struct svc_changed out;
	int64_t id = send_as(w.mette, KIND_TEXT, "Forkert familie, undskyld", T0 + 10 * MIN);
	CHECK_EQ(svc_withdraw(w.s, &mette, id, T0 + 11 * MIN, &out), ERR_OK);
	CHECK(out.msg.withdrawn);
	CHECK_STR(out.msg.body, DOMAIN_WITHDRAWN_BODY);
	svc_changed_clear(&out);
	CHECK_EQ(world_log_count(&w, "withdrawn"), 1);
	CHECK_EQ(
	    world_scalar(&w, "SELECT count(*) FROM message_versions WHERE body = 'Forkert familie, "
	                     "undskyld' AND change = 'withdraw'"),
	    1);
	CHECK_EQ(svc_withdraw(w.s, &mette, id, T0 + 12 * MIN, &out), ERR_CONFLICT); /* once */
	svc_changed_clear(&out);
	CHECK_EQ(svc_correct(w.s, &mette, id, "igen", T0 + 12 * MIN, &out), ERR_CONFLICT);
	svc_changed_clear(&out);

	/* A note goes on to the staff only. */
	int64_t note = send_as(w.carl, KIND_NOTE, "Ring til skolen", T0 + 20 * MIN);
	CHECK_EQ(svc_correct(w.s, &carl, note, "Ring til sundhedsplejen", T0 + 21 * MIN, &out),
	         ERR_OK);
	CHECK(!has(&out.rcpt, w.mette) && has(&out.rcpt, w.anna));
	svc_changed_clear(&out);
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_correct();
	test_withdraw();
	world_free(&w);
	return check_report("test_change");
}
