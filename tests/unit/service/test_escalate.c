/*
 * test_escalate.c - a family left without an answer is told on (issue 15),
 * on a real store with a clock the test sets: at half the team's target in
 * working time the partner, at the target the team's leaders (or the pair
 * without any), over a weekend; nothing once answered, nothing without a
 * target; each step in the contact log.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

/* Friday 4 December 2026, 12:00 in Denmark (11:00 UTC); the default week
 * closes at 13:00 on Fridays and opens at 08:00 on Mondays. */
#define FRI_NOON 1796382000000LL
#define HOUR     (3600 * 1000LL)
#define MON_1045 (FRI_NOON + 72 * HOUR - 75 * 60 * 1000LL)  /* 1 h + 2 h 45 = 3 h 45 */
#define MON_1430 (FRI_NOON + 72 * HOUR + 150 * 60 * 1000LL) /* 1 h + 6 h 30 = 7 h 30 */

static struct world w;

static int64_t send_as(int64_t who, const char *body, int64_t at)
{
	return world_send(&w, who, w.conv_a, KIND_TEXT, body, at);
}

static void exec(const char *sql)
{
	CHECK_EQ(sqlite3_exec(store_db(w.s), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Runs the check at now; returns how many waits it told on, and the
 * first one's level and audience in *first (cleared by the caller). */
static size_t run_at(int64_t now, struct svc_escalated *out)
{
	CHECK_EQ(svc_escalate(w.s, now, 64, out), ERR_OK);
	return out->n;
}

static bool told(const struct svc_escalation *e, int64_t user)
{
	for (size_t i = 0; i < e->to.n; i++)
		if (e->to.users[i] == user)
			return true;
	return false;
}

static void test_partner_then_leaders(void)
{
	struct svc_escalated out;
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE team_staff SET leader = 1 WHERE user_id = %lld",
	         (long long)w.carl);
	exec(sql);
	int64_t m = send_as(w.mette, "Jeg har fået et brev", FRI_NOON);
	int64_t next;
	CHECK_EQ(svc_escalate_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, FRI_NOON); /* a new wait is looked at at once */
	CHECK_EQ(run_at(FRI_NOON, &out), 0);
	svc_escalated_clear(&out);
	CHECK_EQ(svc_escalate_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, MON_1045); /* half of 7 h 30 of working time, over the weekend */

	CHECK_EQ(run_at(MON_1045 - 1, &out), 0); /* not yet due */
	svc_escalated_clear(&out);
	int logged = world_log_count(&w, "escalated");
	CHECK_EQ(run_at(MON_1045, &out), 1);
	CHECK_EQ(out.v[0].conv, w.conv_a);
	CHECK_EQ(out.v[0].level, 1);
	CHECK_EQ(out.v[0].state.from, m);
	CHECK_EQ(out.v[0].state.since, FRI_NOON);
	CHECK_EQ(out.v[0].answer_minutes, 450);
	CHECK_EQ(out.v[0].to.n, 1);
	CHECK(told(&out.v[0], w.bo)); /* the partner of Anna, the primary */
	svc_escalated_clear(&out);
	CHECK_EQ(world_log_count(&w, "escalated"), logged + 1);
	CHECK_EQ(svc_escalate_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, MON_1430);

	CHECK_EQ(run_at(MON_1430, &out), 1);
	CHECK_EQ(out.v[0].level, 2);
	CHECK_EQ(out.v[0].to.n, 1);
	CHECK(told(&out.v[0], w.carl)); /* the team's leader */
	svc_escalated_clear(&out);
	CHECK_EQ(svc_escalate_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, 0); /* nothing more to tell */
	CHECK_EQ(run_at(MON_1430 + 100 * HOUR, &out), 0);
	svc_escalated_clear(&out);
	CHECK_EQ(world_log_count(&w, "escalated"), logged + 2);

	/* Answered: the next wait starts from nothing. */
	send_as(w.anna, "Jeg ringer i morgen", MON_1430 + HOUR);
	CHECK_EQ(world_scalar(&w, "SELECT escalated FROM conv_state WHERE conv_id = 1"), 0);
	CHECK_EQ(svc_escalate_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, 0);
	exec("UPDATE team_staff SET leader = 0");
}

/* A wait found late (a weekend's catch-up, or a gateway that was down)
 * goes to the partner and the pair at once; without a leader the pair. */
static void test_late_and_no_leader(void)
{
	struct svc_escalated out;
	send_as(w.mette, "Hallo?", FRI_NOON + 7 * 24 * HOUR);
	CHECK_EQ(run_at(MON_1430 + 7 * 24 * HOUR, &out), 1);
	CHECK_EQ(out.v[0].level, 2);
	CHECK(told(&out.v[0], w.anna) && told(&out.v[0], w.bo));
	CHECK_EQ(out.v[0].to.n, 2);
	svc_escalated_clear(&out);
	send_as(w.bo, "Undskyld, jeg ringer nu", MON_1430 + 7 * 24 * HOUR + HOUR);
}

/* The partner away: half the target goes to the primary instead, so
 * someone who is at work hears of it; both away: both. */
static void test_partner_away(void)
{
	struct svc_escalated out;
	int64_t jan1 = FRI_NOON + 28 * 24 * HOUR; /* Friday 1 January 2027, 12:00 */
	int64_t jan8 = jan1 + 7 * 24 * HOUR;      /* the Friday after, 12:00 */
	char sql[240];
	for (int i = 0; i < 2; i++) {
		snprintf(sql, sizeof sql,
		         "INSERT INTO absences(user_id, starts_at, ends_at, set_at) "
		         "VALUES(%lld, %lld, %lld, 0)",
		         (long long)(i == 0 ? w.bo : w.anna), (long long)jan1,
		         (long long)(jan1 + 30 * 24 * HOUR));
		exec(sql);
		send_as(w.mette, "Er der nogen?", jan8);
		/* Monday 10:45, 14:30: half the target, all of it */
		CHECK_EQ(run_at(jan8 + 72 * HOUR - 75 * 60 * 1000LL, &out), 1);
		CHECK_EQ(out.v[0].level, 1);
		if (i == 0) { /* Bo, the partner, is away: Anna, the primary */
			CHECK_EQ(out.v[0].to.n, 1);
			CHECK(told(&out.v[0], w.anna));
		} else { /* both away: both */
			CHECK_EQ(out.v[0].to.n, 2);
			CHECK(told(&out.v[0], w.anna) && told(&out.v[0], w.bo));
		}
		svc_escalated_clear(&out);
		send_as(w.anna, "Jeg er her", jan8 + 73 * HOUR);
	}
	exec("DELETE FROM absences");
}

/* A team without a target is never told on; a holiday is no working day. */
static void test_no_target_and_holidays(void)
{
	struct svc_escalated out;
	exec("UPDATE teams SET answer_minutes = 0");
	send_as(w.mette, "Ingen hast", FRI_NOON + 14 * 24 * HOUR);
	CHECK_EQ(run_at(FRI_NOON + 30 * 24 * HOUR, &out), 0);
	svc_escalated_clear(&out);
	int64_t next;
	CHECK_EQ(svc_escalate_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, 0);
	send_as(w.anna, "Tak", FRI_NOON + 30 * 24 * HOUR);
	exec("UPDATE teams SET answer_minutes = 450");

	/* Wednesday 23 December 2026, 15:00: half an hour of the day left,
	 * then 24-27 December closed (Christmas, a weekend); half the target
	 * (3 h 45) comes on Monday 28 December at 11:15 (10:15 UTC). */
	int64_t wed = FRI_NOON + 19 * 24 * HOUR + 3 * HOUR;
	send_as(w.mette, "Glædelig jul", wed);
	CHECK_EQ(run_at(wed, &out), 0);
	svc_escalated_clear(&out);
	CHECK_EQ(svc_escalate_next(w.s, &next), ERR_OK);
	CHECK_EQ(next, wed + 5 * 24 * HOUR - 225 * 60 * 1000LL); /* Monday 15:00 less 3 h 45 */
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_partner_then_leaders();
	test_late_and_no_leader();
	test_partner_away();
	test_no_target_and_holidays();
	world_free(&w);
	return check_report("test_escalate");
}
