/*
 * dktime.h - Danish time (Europe/Copenhagen) without the C library's time
 * zone machinery: localtime_r() reads TZ and the zone files, and setting TZ
 * with setenv() is not thread safe, while these run on any thread.
 *
 * The rule is the EU's (Directive 2000/84/EC, the same since 1996): CET,
 * UTC+1, except CEST, UTC+2, from 01:00 UTC on the last Sunday of March to
 * 01:00 UTC on the last Sunday of October.  Times before 1996 follow the
 * same rule here, though Denmark then ended summer time in September.
 */
#ifndef INDGANG_DKTIME_H
#define INDGANG_DKTIME_H

#include <stdint.h>

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t dktime_days_from_civil(int64_t y, int64_t m, int64_t d);
/* Minutes east of UTC in Denmark at a moment: 60 (CET) or 120 (CEST). */
int dktime_offset_min(int64_t utc_ms);
/* ISO 8601 with the offset: "2026-11-23T11:15:30+01:00". */
void dktime_iso(int64_t utc_ms, char out[32]);
/* For a spreadsheet cell, which reads it as a date and time:
 * "2026-11-23 11:15:30" (the hour from 02:00 to 03:00 on the last Sunday
 * of October comes twice; the UTC beside it tells which). */
void dktime_sheet(int64_t utc_ms, char out[32]);
/* As Danes write it in a text: "23.11. kl. 11.15". */
void dktime_short(int64_t utc_ms, char out[32]);

#endif
