/*
 * test_workdays.c - working time in Danish local time (core/common/workdays.c):
 * the Danish holidays from Easter, a response target that skips evenings,
 * weekends and Easter, both summer-time changes, and add() as the inverse of
 * between() for many pairs.  Every value here was counted by hand on a
 * calendar.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/common/text.h"
#include "core/common/workdays.h"

#define MIN_MS  ((int64_t)60 * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS  (24 * HOUR_MS)

static int64_t ts(const char *rfc3339)
{
	int64_t ms = 0;
	CHECK_EQ(text_parse_ts(rfc3339, &ms), 0);
	return ms;
}

/* A week open from start to end (minutes) every day. */
static struct workdays_week every_day(int start, int end)
{
	struct workdays_week w;
	for (int d = 0; d < 7; d++) {
		w.day[d].start_min = start;
		w.day[d].end_min = end;
	}
	return w;
}

static void test_easter(void)
{
	static const struct {
		int year, month, day;
	} known[] = {{2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5},  {2027, 3, 28},
	             {2023, 4, 9},  {2000, 4, 23}, {2019, 4, 21}, {2022, 4, 17},
	             {1818, 3, 22}, {2285, 3, 22}, {1943, 4, 25}, {2038, 4, 25}};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		int m = 0, d = 0;
		CHECK(workdays_easter(known[i].year, &m, &d));
		CHECK_EQ(m, known[i].month);
		CHECK_EQ(d, known[i].day);
	}
	int m = 0, d = 0;
	CHECK(!workdays_easter(1582, &m, &d)); /* before the Gregorian calendar */
}

/* 2026: Easter Sunday is 5 April. */
static void test_holidays_2026(void)
{
	static const struct {
		int month, day;
		const char *name;
	} days[] = {
	    {1, 1, "Nytårsdag"},    {4, 2, "Skærtorsdag"},  {4, 3, "Langfredag"},
	    {4, 5, "Påskedag"},     {4, 6, "2. påskedag"},  {5, 14, "Kristi himmelfartsdag"},
	    {5, 24, "Pinsedag"},    {5, 25, "2. pinsedag"}, {6, 5, "Grundlovsdag"},
	    {12, 24, "Juleaften"},  {12, 25, "Juledag"},    {12, 26, "2. juledag"},
	    {12, 31, "Nytårsaften"}};
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		CHECK(workdays_is_holiday(2026, days[i].month, days[i].day));
		const char *name = workdays_holiday_name(2026, days[i].month, days[i].day);
		CHECK(name != NULL && strcmp(name, days[i].name) == 0);
	}
	/* Easter Saturday, the Tuesday after, 1 May, 2 January: ordinary days */
	CHECK(!workdays_is_holiday(2026, 4, 4));
	CHECK(!workdays_is_holiday(2026, 4, 7));
	CHECK(!workdays_is_holiday(2026, 5, 1));
	CHECK(!workdays_is_holiday(2026, 1, 2));
	CHECK(!workdays_is_holiday(2026, 12, 23));
	CHECK(!workdays_is_holiday(2026, 12, 27)); /* a Sunday, but no holiday */
	CHECK(workdays_holiday_name(2026, 4, 7) == NULL);
	/* no such dates */
	CHECK(!workdays_is_holiday(2026, 2, 30));
	CHECK(!workdays_is_holiday(2026, 13, 1));
	CHECK(!workdays_is_holiday(2026, 0, 1));
	CHECK(!workdays_is_holiday(2026, 12, 0));
	CHECK(!workdays_is_holiday(2026, 12, 32));
}

/* Store bededag (Easter + 26) was abolished from 2024. */
static void test_store_bededag(void)
{
	const char *name = workdays_holiday_name(2023, 5, 5);
	CHECK(name != NULL && strcmp(name, "Store bededag") == 0);
	CHECK(workdays_is_holiday(2023, 5, 5));
	CHECK(workdays_is_holiday(2022, 5, 13));
	CHECK(!workdays_is_holiday(2024, 4, 26));
	CHECK(!workdays_is_holiday(2025, 5, 16));
	CHECK(!workdays_is_holiday(2026, 5, 1));
}

/* 2022: Pinsedag fell on Grundlovsdag; the church holiday names it. */
static void test_pinse_on_grundlovsdag(void)
{
	const char *name = workdays_holiday_name(2022, 6, 5);
	CHECK(name != NULL && strcmp(name, "Pinsedag") == 0);
	name = workdays_holiday_name(2022, 6, 6);
	CHECK(name != NULL && strcmp(name, "2. pinsedag") == 0);
}

static void test_default_week(void)
{
	struct workdays_week w;
	memset(&w, 0x55, sizeof w);
	workdays_default(&w);
	for (int d = 0; d < 4; d++) {
		CHECK_EQ(w.day[d].start_min, 8 * 60);
		CHECK_EQ(w.day[d].end_min, 15 * 60 + 30);
	}
	CHECK_EQ(w.day[4].start_min, 8 * 60);
	CHECK_EQ(w.day[4].end_min, 13 * 60);
	CHECK(w.day[5].start_min >= w.day[5].end_min);
	CHECK(w.day[6].start_min >= w.day[6].end_min);
}

/* 08:00 Danish time is 07:00Z in winter and 06:00Z in summer, also on the
 * Monday right after the change (Sunday 29 March 2026). */
static void test_open_local_clock(void)
{
	struct workdays_week w;
	workdays_default(&w);
	/* Monday 23 March 2026, winter */
	CHECK(!workdays_open(&w, ts("2026-03-23T06:59:59.999Z")));
	CHECK(workdays_open(&w, ts("2026-03-23T07:00:00.000Z")));
	CHECK(workdays_open(&w, ts("2026-03-23T14:29:59.999Z")));
	CHECK(!workdays_open(&w, ts("2026-03-23T14:30:00.000Z")));
	/* Friday 27 March: until 13:00 CET */
	CHECK(workdays_open(&w, ts("2026-03-27T11:59:59.999Z")));
	CHECK(!workdays_open(&w, ts("2026-03-27T12:00:00.000Z")));
	/* Saturday */
	CHECK(!workdays_open(&w, ts("2026-03-28T10:00:00.000Z")));
	/* Monday 30 March 2026, the first weekday of summer time */
	CHECK(!workdays_open(&w, ts("2026-03-30T05:59:59.999Z")));
	CHECK(workdays_open(&w, ts("2026-03-30T06:00:00.000Z")));
	CHECK(workdays_open(&w, ts("2026-03-30T13:29:59.999Z")));
	CHECK(!workdays_open(&w, ts("2026-03-30T13:30:00.000Z")));
	/* Monday 26 October 2026, the first weekday of winter time */
	CHECK(!workdays_open(&w, ts("2026-10-26T06:59:59.999Z")));
	CHECK(workdays_open(&w, ts("2026-10-26T07:00:00.000Z")));
	/* Maundy Thursday 2 April 2026, 10:00 CEST: closed */
	CHECK(!workdays_open(&w, ts("2026-04-02T08:00:00.000Z")));
	/* before 1970 too: Monday 29 December 1969 */
	CHECK(!workdays_open(&w, ts("1969-12-29T06:59:59.999Z")));
	CHECK(workdays_open(&w, ts("1969-12-29T07:00:00.000Z")));
	/* Monday to Wednesday, Wednesday being Nytårsaften */
	CHECK_EQ(
	    workdays_between(&w, ts("1969-12-28T23:00:00.000Z"), ts("1969-12-31T23:00:00.000Z")),
	    15 * HOUR_MS);
}

static void test_between(void)
{
	struct workdays_week w;
	workdays_default(&w);
	/* a winter week, local midnight to local midnight: 4 x 7.5 h + 5 h */
	CHECK_EQ(
	    workdays_between(&w, ts("2026-01-11T23:00:00.000Z"), ts("2026-01-18T23:00:00.000Z")),
	    35 * HOUR_MS);
	/* Easter week 2026 (Monday 30 March - Sunday 5 April): Monday to
	 * Wednesday only */
	CHECK_EQ(
	    workdays_between(&w, ts("2026-03-29T22:00:00.000Z"), ts("2026-04-05T22:00:00.000Z")),
	    3 * 15 * HOUR_MS / 2);
	/* the summer-time Monday alone */
	CHECK_EQ(
	    workdays_between(&w, ts("2026-03-29T22:00:00.000Z"), ts("2026-03-30T22:00:00.000Z")),
	    15 * HOUR_MS / 2);
	/* Friday 12:00 to Monday 14:30 CET */
	CHECK_EQ(
	    workdays_between(&w, ts("2026-01-09T11:00:00.000Z"), ts("2026-01-12T13:30:00.000Z")),
	    15 * HOUR_MS / 2);
	/* inside one day, and an empty or reversed span */
	CHECK_EQ(
	    workdays_between(&w, ts("2026-01-12T08:00:00.000Z"), ts("2026-01-12T08:00:00.123Z")),
	    123);
	CHECK_EQ(
	    workdays_between(&w, ts("2026-01-12T09:00:00.000Z"), ts("2026-01-12T09:00:00.000Z")),
	    0);
	CHECK_EQ(
	    workdays_between(&w, ts("2026-01-12T10:00:00.000Z"), ts("2026-01-12T09:00:00.000Z")),
	    0);
}

/* Friday 12:00 with a 7.5-hour target: 1 h until 13:00, then Monday 08:00 +
 * 6.5 h = 14:30. */
static void test_add_over_weekend(void)
{
	struct workdays_week w;
	workdays_default(&w);
	/* winter: Friday 9 January 2026 12:00 CET -> Monday 12 January 14:30 CET */
	CHECK_EQ(workdays_add(&w, ts("2026-01-09T11:00:00.000Z"), 15 * HOUR_MS / 2),
	         ts("2026-01-12T13:30:00.000Z"));
	/* across the change: Friday 27 March 12:00 CET -> Monday 30 March 14:30 CEST */
	CHECK_EQ(workdays_add(&w, ts("2026-03-27T11:00:00.000Z"), 15 * HOUR_MS / 2),
	         ts("2026-03-30T12:30:00.000Z"));
	/* exactly the rest of Friday: Friday 13:00, not Monday 08:00 */
	CHECK_EQ(workdays_add(&w, ts("2026-01-09T11:00:00.000Z"), HOUR_MS),
	         ts("2026-01-09T12:00:00.000Z"));
	/* one millisecond more: Monday 08:00:00.001 */
	CHECK_EQ(workdays_add(&w, ts("2026-01-09T11:00:00.000Z"), HOUR_MS + 1),
	         ts("2026-01-12T07:00:00.001Z"));
	/* before opening: Monday 06:00 + 1 h -> 09:00 */
	CHECK_EQ(workdays_add(&w, ts("2026-01-12T05:00:00.000Z"), HOUR_MS),
	         ts("2026-01-12T08:00:00.000Z"));
	/* no work: the start itself, even on a Sunday */
	CHECK_EQ(workdays_add(&w, ts("2026-01-11T10:00:00.000Z"), 0),
	         ts("2026-01-11T10:00:00.000Z"));
	CHECK_EQ(workdays_add(&w, ts("2026-01-11T10:00:00.000Z"), -5),
	         ts("2026-01-11T10:00:00.000Z"));
}

/* Easter 2026: Thursday 2 April to Monday 6 April are closed. */
static void test_add_over_easter(void)
{
	struct workdays_week w;
	workdays_default(&w);
	/* Wednesday 1 April 15:00 CEST + 7.5 h: 30 min, then Tuesday 7 April
	 * 08:00 + 7 h = 15:00 CEST */
	CHECK_EQ(workdays_add(&w, ts("2026-04-01T13:00:00.000Z"), 15 * HOUR_MS / 2),
	         ts("2026-04-07T13:00:00.000Z"));
	/* a message on Maundy Thursday 10:00 + 1 h: Tuesday 09:00 CEST */
	CHECK_EQ(workdays_add(&w, ts("2026-04-02T08:00:00.000Z"), HOUR_MS),
	         ts("2026-04-07T07:00:00.000Z"));
	/* Christmas: Wednesday 23 December 15:00 CET + 1 h: 30 min, then
	 * Monday 28 December 08:30 CET */
	CHECK_EQ(workdays_add(&w, ts("2026-12-23T14:00:00.000Z"), HOUR_MS),
	         ts("2026-12-28T07:30:00.000Z"));
	/* New Year: Wednesday 30 December 2026 15:30 CET + 1 h: Nytårsaften and
	 * Nytårsdag closed, then the weekend: Monday 4 January 2027 09:00 */
	CHECK_EQ(workdays_add(&w, ts("2026-12-30T14:30:00.000Z"), HOUR_MS),
	         ts("2027-01-04T08:00:00.000Z"));
}

/* A day is 23 hours on the last Sunday of March and 25 on the last Sunday of
 * October; hours across 02:00-03:00 count the time that passes. */
static void test_summer_time_days(void)
{
	struct workdays_week all = every_day(0, 24 * 60);
	/* Sunday 29 March 2026 from local midnight (23:00Z) to local midnight
	 * (22:00Z) */
	CHECK_EQ(
	    workdays_between(&all, ts("2026-03-28T23:00:00.000Z"), ts("2026-03-29T22:00:00.000Z")),
	    23 * HOUR_MS);
	/* Sunday 25 October 2026 from 22:00Z to 23:00Z */
	CHECK_EQ(
	    workdays_between(&all, ts("2026-10-24T22:00:00.000Z"), ts("2026-10-25T23:00:00.000Z")),
	    25 * HOUR_MS);
	/* an ordinary day */
	CHECK_EQ(
	    workdays_between(&all, ts("2026-03-27T23:00:00.000Z"), ts("2026-03-28T23:00:00.000Z")),
	    24 * HOUR_MS);
	/* Easter Sunday is a holiday even in an every-day week */
	CHECK(!workdays_open(&all, ts("2026-04-05T10:00:00.000Z")));

	/* 01:00-04:00: in March 01:00 CET (00:00Z) to 04:00 CEST (02:00Z), 2 h;
	 * in October 01:00 CEST (23:00Z) to 04:00 CET (03:00Z), 4 h */
	struct workdays_week night = every_day(60, 4 * 60);
	CHECK_EQ(workdays_between(&night, ts("2026-03-28T23:00:00.000Z"),
	                          ts("2026-03-29T22:00:00.000Z")),
	         2 * HOUR_MS);
	CHECK_EQ(workdays_between(&night, ts("2026-10-24T22:00:00.000Z"),
	                          ts("2026-10-25T23:00:00.000Z")),
	         4 * HOUR_MS);
	CHECK(workdays_open(&night, ts("2026-03-29T00:59:59.999Z"))); /* 01:59 CET */
	CHECK(workdays_open(&night, ts("2026-03-29T01:00:00.000Z"))); /* 03:00 CEST */
	CHECK(!workdays_open(&night, ts("2026-03-29T02:00:00.000Z")));
	/* 00:30Z (01:30 CET) + 1 h -> 01:30Z (03:30 CEST) */
	CHECK_EQ(workdays_add(&night, ts("2026-03-29T00:30:00.000Z"), HOUR_MS),
	         ts("2026-03-29T01:30:00.000Z"));
	/* October: 3.5 h from 01:00 CEST -> 02:30Z (03:30 CET) */
	CHECK_EQ(workdays_add(&night, ts("2026-10-24T23:00:00.000Z"), 7 * HOUR_MS / 2),
	         ts("2026-10-25T02:30:00.000Z"));

	/* 02:30-04:00: in March 02:30 does not exist and the day starts at
	 * 03:00 CEST (01:00Z): 1 h; in October from the first 02:30 (CEST,
	 * 00:30Z) to 04:00 CET (03:00Z): 2.5 h */
	struct workdays_week gap = every_day(150, 4 * 60);
	CHECK_EQ(
	    workdays_between(&gap, ts("2026-03-28T23:00:00.000Z"), ts("2026-03-29T22:00:00.000Z")),
	    HOUR_MS);
	CHECK(!workdays_open(&gap, ts("2026-03-29T00:59:59.999Z")));
	CHECK(workdays_open(&gap, ts("2026-03-29T01:00:00.000Z")));
	CHECK_EQ(
	    workdays_between(&gap, ts("2026-10-24T22:00:00.000Z"), ts("2026-10-25T23:00:00.000Z")),
	    5 * HOUR_MS / 2);
	CHECK(workdays_open(&gap, ts("2026-10-25T00:30:00.000Z")));
	CHECK(workdays_open(&gap, ts("2026-10-25T01:15:00.000Z"))); /* 02:15 CET */
}

static uint64_t next_random(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 17;
}

/* add() is the inverse of between(): between(from, add(from, n)) == n, the
 * instant is the earliest such (its last millisecond is working time), and
 * add(from, between(from, to)) is to itself when to ends working time. */
static int inverse_errors(const struct workdays_week *w, uint64_t seed, int rounds)
{
	const int64_t lo = ts("2022-12-20T00:00:00.000Z");
	const int64_t span = 5 * 366 * DAY_MS;
	int wrong = 0;
	for (int i = 0; i < rounds; i++) {
		int64_t from = lo + (int64_t)(next_random(&seed) % (uint64_t)span);
		int64_t work = (int64_t)(next_random(&seed) % (uint64_t)(60 * HOUR_MS));
		if (i % 4 == 0) /* whole minutes, to land on the edges */
			from -= from % MIN_MS;
		int64_t t = workdays_add(w, from, work);
		wrong += t < from || workdays_between(w, from, t) != work;
		if (work > 0)
			wrong += workdays_between(w, from, t - 1) != work - 1 ||
			         !workdays_open(w, t - 1);
		int64_t to = from + (int64_t)(next_random(&seed) % (uint64_t)(20 * DAY_MS));
		int64_t n = workdays_between(w, from, to);
		int64_t back = workdays_add(w, from, n);
		wrong += back > to || workdays_between(w, from, back) != n;
		if (n > 0 && workdays_open(w, to - 1))
			wrong += back != to;
		/* open() is between() of one millisecond */
		wrong += workdays_open(w, to) != (workdays_between(w, to, to + 1) == 1);
	}
	return wrong;
}

static void test_inverse(void)
{
	struct workdays_week w;
	workdays_default(&w);
	CHECK_EQ(inverse_errors(&w, 1, 3000), 0);
	struct workdays_week night = every_day(60, 4 * 60);
	CHECK_EQ(inverse_errors(&night, 2, 1000), 0);
	struct workdays_week all = every_day(0, 24 * 60);
	CHECK_EQ(inverse_errors(&all, 3, 1000), 0);
}

/* No working time at all: add() gives up with WORKDAYS_NEVER; extreme
 * instants neither overflow nor hang. */
static void test_bounds(void)
{
	struct workdays_week closed = every_day(0, 0);
	int64_t t = ts("2026-01-12T10:00:00.000Z");
	CHECK_EQ(workdays_add(&closed, t, 1), WORKDAYS_NEVER);
	CHECK_EQ(workdays_add(&closed, t, 0), t);
	CHECK_EQ(workdays_between(&closed, t, t + 30 * DAY_MS), 0);
	CHECK(!workdays_open(&closed, t));

	/* hours out of range are clamped to the day */
	struct workdays_week wide = every_day(-100, 5000);
	CHECK_EQ(
	    workdays_between(&wide, ts("2026-03-27T23:00:00.000Z"), ts("2026-03-28T23:00:00.000Z")),
	    24 * HOUR_MS);

	struct workdays_week w;
	workdays_default(&w);
	CHECK_EQ(workdays_add(&w, INT64_MAX - 5, HOUR_MS), WORKDAYS_NEVER);
	CHECK_EQ(workdays_add(&w, t, INT64_MAX), WORKDAYS_NEVER);
	CHECK(!workdays_open(&w, INT64_MIN));
	CHECK(!workdays_open(&w, INT64_MAX));
	CHECK(workdays_between(&w, INT64_MIN, INT64_MAX) >= 0);
	CHECK(workdays_add(&w, INT64_MIN, HOUR_MS) > INT64_MIN);
	/* a span longer than WORKDAYS_MAX_DAYS counts its first days only */
	CHECK_EQ(workdays_between(&w, t, t + 20 * 366 * DAY_MS),
	         workdays_between(&w, t, t + WORKDAYS_MAX_DAYS * DAY_MS));
}

/* The whole of 2026, which begins on a Thursday: 209 Monday-to-Thursdays of
 * 7.5 h and 52 Fridays of 5 h, less seven holidays on a Monday-to-Thursday
 * and three on a Friday: 1827.5 h - 67.5 h. */
static void test_year_2026(void)
{
	struct workdays_week w;
	workdays_default(&w);
	CHECK_EQ(
	    workdays_between(&w, ts("2025-12-31T23:00:00.000Z"), ts("2026-12-31T23:00:00.000Z")),
	    1760 * HOUR_MS);
}

static void test_parse_format(void)
{
	struct workdays_week w, d;
	workdays_default(&d);
	char out[WORKDAYS_FORMAT_SIZE];
	workdays_format(&d, out);
	CHECK_STR(out, "mon-thu 08:00-15:30, fri 08:00-13:00");
	CHECK_EQ(workdays_parse("mon-thu 08:00-15:30, fri 08:00-13:00", &w), 0);
	CHECK(memcmp(&w, &d, sizeof w) == 0);
	CHECK_EQ(workdays_parse("  fri 08:00-13:00 ,mon-thu 08:00-15:30 ", &w), 0);
	CHECK(memcmp(&w, &d, sizeof w) == 0);

	CHECK_EQ(workdays_parse("mon 07:00-12:00, wed 07:00-12:00, sat-sun 00:00-24:00", &w), 0);
	CHECK_EQ(w.day[0].start_min, 7 * 60);
	CHECK_EQ(w.day[2].end_min, 12 * 60);
	CHECK(w.day[1].start_min >= w.day[1].end_min);
	CHECK_EQ(w.day[6].end_min, 24 * 60);
	workdays_format(&w, out);
	CHECK_STR(out, "mon 07:00-12:00, wed 07:00-12:00, sat-sun 00:00-24:00");

	/* every day on its own hours: the longest text fits */
	CHECK_EQ(workdays_parse("mon 00:01-23:59, tue 00:02-23:59, wed 00:03-23:59, thu "
	                        "00:04-23:59, fri 00:05-23:59, sat 00:06-23:59, sun 00:07-23:59",
	                        &w),
	         0);
	workdays_format(&w, out);
	CHECK_STR(out, "mon 00:01-23:59, tue 00:02-23:59, wed 00:03-23:59, thu 00:04-23:59, fri "
	               "00:05-23:59, sat 00:06-23:59, sun 00:07-23:59");

	/* an empty text is a closed week */
	CHECK_EQ(workdays_parse("", &w), 0);
	for (int i = 0; i < 7; i++)
		CHECK(w.day[i].start_min >= w.day[i].end_min);
	workdays_format(&w, out);
	CHECK_STR(out, "");

	static const char *const bad[] = {"mon",
	                                  "mon 08:00",
	                                  "mon 08:00-",
	                                  "xyz 08:00-09:00",
	                                  "fri-mon 08:00-09:00",
	                                  "mon 09:00-08:00",
	                                  "mon 09:00-09:00",
	                                  "mon 24:00-24:00",
	                                  "mon 08:00-24:01",
	                                  "mon 8:00-09:00",
	                                  "mon 08:60-09:00",
	                                  "mon 08:00-09:00,",
	                                  "mon 08:00-09:00, mon 10:00-11:00",
	                                  "mon-wed 08:00-09:00, tue 10:00-11:00",
	                                  "mon 08:00-09:00 tue 10:00-11:00",
	                                  "mon08:00-09:00",
	                                  "Mon 08:00-09:00"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct workdays_week before = every_day(1, 2), after = before;
		CHECK_EQ(workdays_parse(bad[i], &after), -1);
		CHECK(memcmp(&before, &after, sizeof before) == 0); /* untouched */
	}
	CHECK_EQ(workdays_parse(NULL, &w), -1);
}

int main(void)
{
	test_easter();
	test_holidays_2026();
	test_store_bededag();
	test_pinse_on_grundlovsdag();
	test_default_week();
	test_open_local_clock();
	test_between();
	test_add_over_weekend();
	test_add_over_easter();
	test_summer_time_days();
	test_inverse();
	test_bounds();
	test_year_2026();
	test_parse_format();
	return check_report("common workdays");
}
