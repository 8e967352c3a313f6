/*
 * workdays.c - working time in Danish local time (see workdays.h): a local
 * day's hours become one UTC interval, and between() and add() walk the
 * local days, at most WORKDAYS_MAX_DAYS of them.
 */
#include "workdays.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dktime.h"

#define MINUTE_MS ((int64_t)60 * 1000)
#define DAY_MS    (24 * 60 * MINUTE_MS)
#define DAY_MIN   (24 * 60)
#define SPAN_MS   (WORKDAYS_MAX_DAYS * DAY_MS)
/* Instants before 1900-01-01 or from 10000-01-01 (UTC) are closed: the
 * calendar arithmetic stays far from overflow whatever an instant is. */
#define TIME_LO ((int64_t)-2208988800000)
#define TIME_HI ((int64_t)253402300800000)

static const char workdays_day_names[7][4] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* ---- The calendar ---------------------------------------------------------- */

/* Floor division, for days before 1970. */
static int64_t workdays_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t workdays_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t workdays_max(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The civil date of a day since 1970-01-01 (H. Hinnant's civil_from_days);
 * the day is within years 1899..10000, so the fields fit an int. */
static void workdays_civil_from_days(int64_t z, int *year, int *month, int *day)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	*year = (int)(yoe + era * 400 + (m <= 2));
	*month = (int)m;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
}

static bool workdays_date_exists(int year, int month, int day)
{
	static const int length[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12 || day < 1)
		return false;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return day <= length[month - 1] + (month == 2 && leap);
}

bool workdays_easter(int year, int *month, int *day)
{
	if (year < 1583)
		return false;
	/* The anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	*month = (h + l - 7 * m + 114) / 31;
	*day = (h + l - 7 * m + 114) % 31 + 1;
	return true;
}

/* The holiday of an existing date from 1583 on.  The days tied to Easter
 * come first, so that Pinsedag names 5 June 2022, not Grundlovsdag. */
static const char *workdays_holiday_of(int year, int month, int day)
{
	static const struct {
		int after_easter;
		const char *name;
	} movable[] = {{-3, "Skærtorsdag"}, {-2, "Langfredag"},    {0, "Påskedag"},
	               {1, "2. påskedag"},  {26, "Store bededag"}, {39, "Kristi himmelfartsdag"},
	               {49, "Pinsedag"},    {50, "2. pinsedag"}};
	static const struct {
		int month, day;
		const char *name;
	} fixed[] = {{1, 1, "Nytårsdag"}, {6, 5, "Grundlovsdag"}, {12, 24, "Juleaften"},
	             {12, 25, "Juledag"}, {12, 26, "2. juledag"}, {12, 31, "Nytårsaften"}};
	int em = 0, ed = 0;
	workdays_easter(year, &em, &ed);
	int64_t after =
	    dktime_days_from_civil(year, month, day) - dktime_days_from_civil(year, em, ed);
	for (size_t i = 0; i < sizeof movable / sizeof movable[0]; i++) {
		/* Store bededag is a working day from 2024 (a law of 2023). */
		if (movable[i].after_easter == 26 && year > 2023)
			continue;
		if (after == movable[i].after_easter)
			return movable[i].name;
	}
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (month == fixed[i].month && day == fixed[i].day)
			return fixed[i].name;
	return NULL;
}

const char *workdays_holiday_name(int year, int month, int day)
{
	if (year < 1583 || !workdays_date_exists(year, month, day))
		return NULL;
	return workdays_holiday_of(year, month, day);
}

bool workdays_is_holiday(int year, int month, int day)
{
	return workdays_holiday_name(year, month, day) != NULL;
}

/* ---- Local days -------------------------------------------------------------- */

/* The wall clock in Denmark at an instant, as ms since 1970-01-01 00:00. */
static int64_t workdays_wall(int64_t utc_ms)
{
	return utc_ms + dktime_offset_min(utc_ms) * MINUTE_MS;
}

/* The local day (days since 1970-01-01) an instant belongs to. */
static int64_t workdays_day_of(int64_t utc_ms)
{
	return workdays_floor_div(workdays_wall(utc_ms), DAY_MS);
}

/* The first instant at which the wall clock shows local time `wall` or
 * later.  The offset is one or two hours (dktime.h): a wall time read as
 * summer time or as winter time is an instant when dktime agrees, the
 * summer reading being the earlier when the autumn hour comes twice.  When
 * neither agrees the time is in the hour skipped in spring, and the answer
 * is the end of that hour, found by bisection (the clock only moves forward
 * there). */
static int64_t workdays_first_at(int64_t wall)
{
	int64_t summer = wall - 120 * MINUTE_MS, winter = wall - 60 * MINUTE_MS;
	if (workdays_wall(summer) == wall)
		return summer;
	if (workdays_wall(winter) == wall)
		return winter;
	int64_t lo = summer, hi = winter; /* wall(lo) < wall <= wall(hi) */
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (workdays_wall(mid) >= wall)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

static int workdays_clamp_min(int minute)
{
	return minute < 0 ? 0 : minute > DAY_MIN ? DAY_MIN : minute;
}

/* The working time of local day n as the UTC interval [*start, *end);
 * false when the day is closed. */
static bool workdays_window(const struct workdays_week *w, int64_t n, int64_t *start, int64_t *end)
{
	const struct workdays_hours *h = &w->day[(n % 7 + 7 + 3) % 7]; /* 1970-01-01: Thursday */
	int s = workdays_clamp_min(h->start_min), e = workdays_clamp_min(h->end_min);
	if (s >= e)
		return false;
	int year, month, day;
	workdays_civil_from_days(n, &year, &month, &day);
	if (workdays_holiday_of(year, month, day) != NULL)
		return false;
	*start = workdays_first_at(n * DAY_MS + s * MINUTE_MS);
	*end = workdays_first_at(n * DAY_MS + e * MINUTE_MS);
	return true;
}

/* ---- Working time ------------------------------------------------------------ */

bool workdays_open(const struct workdays_week *w, int64_t at_ms)
{
	if (at_ms < TIME_LO || at_ms >= TIME_HI)
		return false;
	int64_t s, e;
	return workdays_window(w, workdays_day_of(at_ms), &s, &e) && at_ms >= s && at_ms < e;
}

int64_t workdays_between(const struct workdays_week *w, int64_t from_ms, int64_t to_ms)
{
	int64_t from = workdays_min(workdays_max(from_ms, TIME_LO), TIME_HI);
	int64_t to = workdays_min(workdays_min(to_ms, TIME_HI), from + SPAN_MS);
	if (to <= from)
		return 0;
	int64_t sum = 0;
	for (int64_t n = workdays_day_of(from), last = workdays_day_of(to - 1); n <= last; n++) {
		int64_t s, e;
		if (workdays_window(w, n, &s, &e))
			sum += workdays_max(0, workdays_min(e, to) - workdays_max(s, from));
	}
	return sum;
}

int64_t workdays_add(const struct workdays_week *w, int64_t from_ms, int64_t work_ms)
{
	if (work_ms <= 0)
		return from_ms;
	/* The same bounds as workdays_between(), so that it counts what this
	 * found. */
	int64_t from = workdays_max(from_ms, TIME_LO);
	if (from >= TIME_HI)
		return WORKDAYS_NEVER;
	int64_t limit = workdays_min(from + SPAN_MS, TIME_HI);
	int64_t left = work_ms;
	for (int64_t n = workdays_day_of(from), last = workdays_day_of(limit - 1); n <= last; n++) {
		int64_t s, e;
		if (!workdays_window(w, n, &s, &e))
			continue;
		s = workdays_max(s, from);
		e = workdays_min(e, limit);
		if (e <= s)
			continue;
		if (left <= e - s)
			return s + left;
		left -= e - s;
	}
	return WORKDAYS_NEVER;
}

void workdays_default(struct workdays_week *w)
{
	for (int d = 0; d < 4; d++)
		w->day[d] = (struct workdays_hours){8 * 60, 15 * 60 + 30};
	w->day[4] = (struct workdays_hours){8 * 60, 13 * 60};
	w->day[5] = w->day[6] = (struct workdays_hours){0, 0};
}

/* ---- The week as text -------------------------------------------------------- */

static const char *workdays_skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* A day's three letters at *p: its index (Monday 0), else -1. */
static int workdays_parse_day(const char **p)
{
	for (int d = 0; d < 7; d++) {
		if (strncmp(*p, workdays_day_names[d], 3) == 0) {
			*p += 3;
			return d;
		}
	}
	return -1;
}

static bool workdays_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "HH:MM" at *p, up to 24:00: minutes after midnight, else -1. */
static int workdays_parse_clock(const char **p)
{
	const char *s = *p;
	if (!workdays_digit(s[0]) || !workdays_digit(s[1]) || s[2] != ':' ||
	    !workdays_digit(s[3]) || !workdays_digit(s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h * 60 + m > DAY_MIN)
		return -1;
	*p += 5;
	return h * 60 + m;
}

/* One item, "mon-thu 08:00-15:30", into w; seen[] marks the days named so
 * far, each only once.  The text after it, else NULL. */
static const char *workdays_parse_item(const char *p, struct workdays_week *w, bool seen[7])
{
	int first = workdays_parse_day(&p), last = first;
	if (first >= 0 && *p == '-') {
		p++;
		last = workdays_parse_day(&p);
	}
	if (first < 0 || last < first || *p != ' ')
		return NULL;
	p = workdays_skip_spaces(p);
	int start = workdays_parse_clock(&p);
	if (start < 0 || *p++ != '-')
		return NULL;
	int end = workdays_parse_clock(&p);
	if (end <= start)
		return NULL;
	for (int d = first; d <= last; d++) {
		if (seen[d])
			return NULL;
		seen[d] = true;
		w->day[d].start_min = start;
		w->day[d].end_min = end;
	}
	return workdays_skip_spaces(p);
}

int workdays_parse(const char *text, struct workdays_week *w)
{
	if (text == NULL)
		return -1;
	struct workdays_week week;
	bool seen[7] = {false};
	memset(&week, 0, sizeof week); /* closed: 00:00-00:00 */
	const char *p = workdays_skip_spaces(text);
	while (*p != '\0') {
		p = workdays_parse_item(p, &week, seen);
		if (p == NULL || (*p != ',' && *p != '\0'))
			return -1;
		if (*p == ',') {
			p = workdays_skip_spaces(p + 1);
			if (*p == '\0')
				return -1; /* an item must follow a comma */
		}
	}
	*w = week;
	return 0;
}

static bool workdays_same(const struct workdays_week *w, int a, int b)
{
	return workdays_clamp_min(w->day[a].start_min) == workdays_clamp_min(w->day[b].start_min) &&
	       workdays_clamp_min(w->day[a].end_min) == workdays_clamp_min(w->day[b].end_min);
}

void workdays_format(const struct workdays_week *w, char out[WORKDAYS_FORMAT_SIZE])
{
	size_t len = 0;
	out[0] = '\0';
	for (int d = 0; d < 7; d++) {
		unsigned s = (unsigned)workdays_clamp_min(w->day[d].start_min);
		unsigned e = (unsigned)workdays_clamp_min(w->day[d].end_min);
		if (s >= e)
			continue;
		int last = d;
		while (last < 6 && workdays_same(w, d, last + 1))
			last++;
		char days[8];
		snprintf(days, sizeof days, "%s%s%s", workdays_day_names[d], last > d ? "-" : "",
		         last > d ? workdays_day_names[last] : "");
		/* At most seven items of 21 bytes: it fits. */
		int n = snprintf(out + len, WORKDAYS_FORMAT_SIZE - len, "%s%s %02u:%02u-%02u:%02u",
		                 len > 0 ? ", " : "", days, s / 60, s % 60, e / 60, e % 60);
		len += n > 0 ? (size_t)n : 0;
		d = last;
	}
}
