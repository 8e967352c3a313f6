/*
 * test_absence.c - advisers away (issue 15), on a real store with a clock
 * the test sets: who may say it, what is refused, what the family's
 * conversations show and when it stops showing, the contact-log rows of
 * the adviser's families, and that the partner's absence sends an
 * escalation to the primary instead.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

#define T0   1796382000000LL /* Friday 4 December 2026, 12:00 in Denmark */
#define HOUR (3600 * 1000LL)
#define DAY  (24 * HOUR)

static struct world w;

static struct absence make(int64_t from, int64_t to, const char *note)
{
	struct absence a = {.from = from, .to = to};
	snprintf(a.note, sizeof a.note, "%s", note);
	return a;
}

static void test_who_and_what(void)
{
	struct store_user bo = world_user(&w, w.bo), mette = world_user(&w, w.mette),
	                  admin = world_user(&w, w.admin);
	struct absence in = make(T0, T0 + 3 * DAY, "På kursus"), out;
	CHECK_EQ(svc_absence_set(w.s, &mette, &in, T0, &out), ERR_FORBIDDEN);
	CHECK_EQ(svc_absence_set(w.s, &admin, &in, T0, &out), ERR_FORBIDDEN);
	struct absence bad[] = {
	    make(T0 + DAY, T0 + DAY, ""),         /* no length */
	    make(T0 - 3 * DAY, T0 - DAY, ""),     /* over already */
	    make(T0, T0 + 400 * DAY, ""),         /* over a year */
	    make(T0 - 2 * DAY, T0 + 2 * DAY, ""), /* set far back */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ(svc_absence_set(w.s, &bo, &bad[i], T0, &out), ERR_BAD_REQUEST);
	int logged = world_log_count(&w, "absence");
	CHECK_EQ(svc_absence_set(w.s, &bo, &in, T0, &out), ERR_OK);
	CHECK_EQ(out.user.id, w.bo);
	CHECK_EQ(world_log_count(&w, "absence"), logged + 1); /* Bo is in one family's pair */
	struct absence got;
	CHECK_EQ(svc_absence_get(w.s, &bo, T0 + DAY, &got), ERR_OK);
	CHECK_EQ(got.to, T0 + 3 * DAY);
	CHECK_STR(got.note, "På kursus");
	CHECK_EQ(svc_absence_get(w.s, &bo, T0 + 3 * DAY, &got), ERR_OK);
	CHECK_EQ(got.user.id, 0); /* over by itself */
}

/* The family sees it in its conversations while it is not over. */
static void test_family_sees_it(void)
{
	struct store_user mette = world_user(&w, w.mette), amina = world_user(&w, w.amina);
	struct conv c;
	CHECK_EQ(store_conversation(w.s, &mette, w.conv_a, T0 + HOUR, &c), ERR_OK);
	CHECK_EQ(c.n_away, 1);
	CHECK_EQ(c.away[0].user.id, w.bo);
	CHECK_STR(c.away[0].note, "På kursus");
	conv_clear(&c);
	CHECK_EQ(store_conversation(w.s, &mette, w.conv_a, T0 + 4 * DAY, &c), ERR_OK);
	CHECK_EQ(c.n_away, 0);
	conv_clear(&c);
	CHECK_EQ(store_conversation(w.s, &amina, w.conv_b, T0 + HOUR, &c), ERR_OK);
	CHECK_EQ(c.n_away, 0); /* another family's pair */
	conv_clear(&c);
}

/* Bo, the partner, is away: half the target reaches Anna, the primary. */
static void test_escalation_skips_the_away(void)
{
	struct store_user mette = world_user(&w, w.mette);
	struct svc_sent sent;
	CHECK_EQ(svc_send(w.s, &mette, w.conv_a, KIND_TEXT, 0, "Hej?", "ab-1", T0, &sent), ERR_OK);
	svc_sent_clear(&sent);
	struct svc_escalated out;
	CHECK_EQ(svc_escalate(w.s, T0 + 3 * DAY - HOUR, 64, &out), ERR_OK); /* Monday 11:00 */
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.v[0].level, 1);
	CHECK_EQ(out.v[0].to.n, 1);
	CHECK_EQ(out.v[0].to.users[0], w.anna);
	svc_escalated_clear(&out);
}

static void test_clear(void)
{
	struct store_user bo = world_user(&w, w.bo);
	int logged = world_log_count(&w, "absence");
	CHECK_EQ(svc_absence_clear(w.s, &bo, T0 + DAY), ERR_OK);
	CHECK_EQ(world_log_count(&w, "absence"), logged + 1);
	CHECK_EQ(svc_absence_clear(w.s, &bo, T0 + DAY), ERR_OK); /* nothing there: no row */
	CHECK_EQ(world_log_count(&w, "absence"), logged + 1);
	struct absence got;
	CHECK_EQ(svc_absence_get(w.s, &bo, T0 + DAY, &got), ERR_OK);
	CHECK_EQ(got.user.id, 0);
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_who_and_what();
	test_family_sees_it();
	test_escalation_skips_the_away();
	test_clear();
	world_free(&w);
	return check_report("test_absence");
}
