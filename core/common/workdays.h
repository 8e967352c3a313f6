/*
 * workdays.h - working time in Danish local time, for an adviser's response
 * target ("answer within one working day"): how much working time lies
 * between two instants, and when a given amount of it has passed.
 *
 * Working time is a weekly timetable in Danish time (core/common/dktime.h,
 * so summer time is right on any thread), less the Danish public holidays
 * and the days municipalities close by agreement.  Every function takes its
 * instants as arguments (ms since the Unix epoch, UTC) and reads no clock,
 * no time zone and no global state.
 *
 * A day's hours run from the first moment the wall clock shows the start
 * until the first moment it shows the end, so they count the time that
 * passes: 01:00-04:00 is 2 hours on the last Sunday of March and 4 on the
 * last Sunday of October, and a start in the hour that does not exist is
 * the end of that hour.  Instants before 1900 or from the year 10000 are
 * never working time.
 */
#ifndef INDGANG_WORKDAYS_H
#define INDGANG_WORKDAYS_H

#include <stdbool.h>
#include <stdint.h>

/* What workdays_add() returns when the time is not reached within
 * WORKDAYS_MAX_DAYS (a week with no hours, a corrupt target). */
#define WORKDAYS_NEVER INT64_MAX
/* The longest span looked at, in days of 24 hours (about ten years), so that
 * no instant or target can keep a thread busy. */
#define WORKDAYS_MAX_DAYS 3700
/* Room for workdays_format()'s text with its terminator. */
#define WORKDAYS_FORMAT_SIZE 160

/* One weekday's hours in minutes after local midnight, 0..1440 (values
 * outside are taken as the nearest end of the day); closed when start_min
 * >= end_min. */
struct workdays_hours {
	int start_min;
	int end_min;
};

/* day[0] is Monday, day[6] Sunday. */
struct workdays_week {
	struct workdays_hours day[7];
};

/* Typical Danish municipal hours: Monday-Thursday 08:00-15:30, Friday
 * 08:00-13:00, closed Saturday and Sunday. */
void workdays_default(struct workdays_week *w);

/* Easter Sunday of a Gregorian year (1583 or later); false before. */
bool workdays_easter(int year, int *month, int *day);
/* Whether a date is closed whatever the week: a public holiday or a day
 * municipalities close by agreement (Grundlovsdag, Juleaften, Nytårsaften).
 * False for a date that does not exist or is before 1583. */
bool workdays_is_holiday(int year, int month, int day);
/* The Danish name of the date's holiday, e.g. "Skærtorsdag" (UTF-8, static
 * storage), or NULL when it is none.  When two fall on one date, as Pinsedag
 * and Grundlovsdag in 2022, the church holiday's. */
const char *workdays_holiday_name(int year, int month, int day);

/* Whether the instant at is working time. */
bool workdays_open(const struct workdays_week *w, int64_t at_ms);
/* Working milliseconds in [from, to); 0 when to <= from.  Only the first
 * WORKDAYS_MAX_DAYS days after from are counted. */
int64_t workdays_between(const struct workdays_week *w, int64_t from_ms, int64_t to_ms);
/* The earliest instant t >= from with workdays_between(w, from, t) ==
 * work_ms: the deadline of a target of work_ms working milliseconds.  from
 * itself when work_ms <= 0; WORKDAYS_NEVER when t would be more than
 * WORKDAYS_MAX_DAYS days after from. */
int64_t workdays_add(const struct workdays_week *w, int64_t from_ms, int64_t work_ms);

/* A week from text such as "mon-thu 08:00-15:30, fri 08:00-13:00": day or
 * day range (mon tue wed thu fri sat sun, in that order), a space, the hours
 * "HH:MM-HH:MM" (24:00 as an end); items separated by commas; days not
 * named are closed; "" is a week with no hours.  0 on success, else -1 and
 * *w untouched. */
int workdays_parse(const char *text, struct workdays_week *w);
/* The week as workdays_parse() reads it, consecutive days with the same
 * hours as one range. */
void workdays_format(const struct workdays_week *w, char out[WORKDAYS_FORMAT_SIZE]);

#endif
