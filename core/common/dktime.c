/*
 * dktime.c - Danish time by the EU rule (see dktime.h); gmtime_r() only.
 */
#include "dktime.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* H. Hinnant's days_from_civil. */
int64_t dktime_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* 01:00 UTC on the last Sunday of a 31-day month, in ms. */
static int64_t last_sunday_0100(int64_t year, int64_t month)
{
	int64_t d31 = dktime_days_from_civil(year, month, 31);
	int64_t weekday = ((d31 + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; Sunday 0 */
	return ((d31 - weekday) * 86400 + 3600) * 1000;
}

/* Floor division, so that moments before 1970 land in the right second. */
static time_t seconds_of(int64_t ms)
{
	return (time_t)(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
}

int dktime_offset_min(int64_t utc_ms)
{
	time_t t = seconds_of(utc_ms);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL)
		return 60;
	int64_t year = (int64_t)tm.tm_year + 1900;
	bool summer = utc_ms >= last_sunday_0100(year, 3) && utc_ms < last_sunday_0100(year, 10);
	return summer ? 120 : 60;
}

/* The local wall clock as "YYYY-MM-DD", sep, "HH:MM:SS"; the offset used. */
static int local_clock(int64_t utc_ms, char sep, char out[32])
{
	int off = dktime_offset_min(utc_ms);
	time_t t = seconds_of(utc_ms + (int64_t)off * 60 * 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, 32, "?");
		return off;
	}
	/* The fields are in range (gmtime_r), so this fits; the casts tell the
	 * compiler so. */
	snprintf(out, 32, "%04u-%02u-%02u%c%02u:%02u:%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	         (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, sep,
	         (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
	         (unsigned)tm.tm_sec % 100u);
	return off;
}

void dktime_iso(int64_t utc_ms, char out[32])
{
	char clock[32];
	int off = local_clock(utc_ms, 'T', clock);
	snprintf(out, 32, "%.19s%s", clock, off == 120 ? "+02:00" : "+01:00");
}

void dktime_sheet(int64_t utc_ms, char out[32])
{
	local_clock(utc_ms, ' ', out);
}

void dktime_short(int64_t utc_ms, char out[32])
{
	char c[32];
	local_clock(utc_ms, ' ', c); /* YYYY-MM-DD HH:MM:SS */
	snprintf(out, 32, "%d.%d. kl. %.2s.%.2s", atoi(c + 8), atoi(c + 5), c + 11, c + 14);
}
