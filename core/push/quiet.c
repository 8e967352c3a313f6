/*
 * quiet.c - quiet hours in Danish time (see quiet.h).
 */
#include "quiet.h"

#include <stdio.h>
#include <string.h>

#include "../common/dktime.h"

#define MINUTE_MS ((int64_t)60 * 1000)
#define DAY_MS    (24 * 60 * MINUTE_MS)

bool quiet_contains(int start_min, int end_min, int m)
{
	if (start_min == end_min)
		return false;
	if (start_min < end_min)
		return m >= start_min && m < end_min;
	return m >= start_min || m < end_min; /* past midnight */
}

/* Floor division for negative times too. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t quiet_release_at(int64_t now, int start_min, int end_min)
{
	int64_t local = now + dktime_offset_min(now) * MINUTE_MS;
	int64_t day = floor_div(local, DAY_MS) * DAY_MS;
	int m = (int)((local - day) / MINUTE_MS);
	if (!quiet_contains(start_min, end_min, m))
		return now;
	/* The end is later today, or tomorrow when the hours wrap and it is
	 * still evening. */
	int64_t end_local = day + end_min * MINUTE_MS;
	if (m >= end_min)
		end_local += DAY_MS;
	/* Local to UTC with the offset in force then: summer time changes at
	 * 02:00-03:00 local, never at a quiet hour's end of a whole minute
	 * twice, so one correction settles it. */
	int64_t utc = end_local - dktime_offset_min(now) * MINUTE_MS;
	return end_local - dktime_offset_min(utc) * MINUTE_MS;
}

int quiet_parse(const char *text)
{
	int h, m;
	char tail;
	if (text == NULL || strlen(text) != 5 || sscanf(text, "%2d:%2d%c", &h, &m, &tail) != 2 ||
	    text[2] != ':' || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

void quiet_format(int min, char out[6])
{
	unsigned m = (unsigned)min % (24 * 60);
	snprintf(out, 6, "%02u:%02u", m / 60, m % 60);
}
