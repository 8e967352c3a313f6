/*
 * test_quiet.c - quiet hours in Danish time: a notification in them waits
 * for their end, across midnight and across both summer-time changes
 * (core/push/quiet.c).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/common/text.h"
#include "core/push/quiet.h"

static int64_t ts(const char *rfc3339)
{
	int64_t ms = 0;
	CHECK_EQ(text_parse_ts(rfc3339, &ms), 0);
	return ms;
}

static void test_contains(void)
{
	CHECK(quiet_contains(21 * 60, 7 * 60, 23 * 60));
	CHECK(quiet_contains(21 * 60, 7 * 60, 0));
	CHECK(quiet_contains(21 * 60, 7 * 60, 6 * 60 + 59));
	CHECK(!quiet_contains(21 * 60, 7 * 60, 7 * 60));
	CHECK(!quiet_contains(21 * 60, 7 * 60, 12 * 60));
	CHECK(quiet_contains(13 * 60, 14 * 60, 13 * 60 + 30)); /* a nap, not wrapping */
	CHECK(!quiet_contains(8 * 60, 8 * 60, 8 * 60));        /* none */
}

/* Winter (UTC+1) and summer (UTC+2), in the evening and after midnight. */
static void test_release(void)
{
	int s = QUIET_DEFAULT_START, e = QUIET_DEFAULT_END;
	/* 14:00 Danish time in winter: at once */
	int64_t noon = ts("2026-12-04T13:00:00.000Z");
	CHECK_EQ(quiet_release_at(noon, s, e), noon);
	/* 23:00 Danish (22:00Z) -> 07:00 Danish next day (06:00Z) */
	CHECK_EQ(quiet_release_at(ts("2026-12-04T22:00:00.000Z"), s, e),
	         ts("2026-12-05T06:00:00.000Z"));
	/* 02:30 Danish (01:30Z) -> 07:00 the same day */
	CHECK_EQ(quiet_release_at(ts("2026-12-05T01:30:00.000Z"), s, e),
	         ts("2026-12-05T06:00:00.000Z"));
	/* summer: 22:15 Danish (20:15Z) -> 07:00 Danish (05:00Z) */
	CHECK_EQ(quiet_release_at(ts("2026-07-01T20:15:00.000Z"), s, e),
	         ts("2026-07-02T05:00:00.000Z"));
	/* exactly at the end: at once */
	int64_t seven = ts("2026-07-02T05:00:00.000Z");
	CHECK_EQ(quiet_release_at(seven, s, e), seven);
	/* no quiet hours */
	CHECK_EQ(quiet_release_at(ts("2026-12-04T22:00:00.000Z"), 0, 0),
	         ts("2026-12-04T22:00:00.000Z"));
}

/* The nights summer time begins and ends: 07:00 Danish is 05:00Z after
 * the change in March (CEST) and 06:00Z after the one in October (CET). */
static void test_summer_time_nights(void)
{
	int s = QUIET_DEFAULT_START, e = QUIET_DEFAULT_END;
	/* Saturday 28 March 2026, 23:00 CET (22:00Z); summer time from 01:00Z */
	CHECK_EQ(quiet_release_at(ts("2026-03-28T22:00:00.000Z"), s, e),
	         ts("2026-03-29T05:00:00.000Z"));
	/* Saturday 24 October 2026, 23:00 CEST (21:00Z); winter time from 01:00Z */
	CHECK_EQ(quiet_release_at(ts("2026-10-24T21:00:00.000Z"), s, e),
	         ts("2026-10-25T06:00:00.000Z"));
}

static void test_parse_format(void)
{
	char out[6];
	CHECK_EQ(quiet_parse("21:00"), 21 * 60);
	CHECK_EQ(quiet_parse("07:05"), 7 * 60 + 5);
	CHECK_EQ(quiet_parse("24:00"), -1);
	CHECK_EQ(quiet_parse("7:00"), -1);
	CHECK_EQ(quiet_parse("07:60"), -1);
	CHECK_EQ(quiet_parse("07:00x"), -1);
	CHECK_EQ(quiet_parse(NULL), -1);
	quiet_format(7 * 60 + 5, out);
	CHECK(strcmp(out, "07:05") == 0);
}

int main(void)
{
	test_contains();
	test_release();
	test_summer_time_nights();
	test_parse_format();
	return check_report("push quiet hours");
}
