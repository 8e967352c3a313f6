/*
 * access_log.h - one family's access log for a subject access request
 * (GDPR art. 15): who read the family's data, when, and what; and who
 * tried and was refused.  Used by GET /api/families/{id}/access-log and by
 * `indgang-admin access-log`.
 *
 * Times are given twice: "at" in RFC 3339 UTC (as everywhere in the
 * contract) and "local" in Danish time, Europe/Copenhagen, as ISO 8601 with
 * its offset ("2026-11-23T11:15:30+01:00"), so that a letter to a family can
 * quote them as they are.  Danish time is computed with the EU rule (CEST
 * from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
 * Sunday of October), not from the system's time zone files.
 */
#ifndef INDGANG_ACCESS_LOG_H
#define INDGANG_ACCESS_LOG_H

#include <stdint.h>

#include <jansson.h>

struct store;

/* The entries of family with from <= at < to (0: unbounded), oldest first,
 * as a new JSON array: {"id","at","local","kind","actor":USER,"username",
 * "conv","conversation","what"}. */
int access_log_collect(struct store *s, int64_t family, int64_t from, int64_t to, json_t **entries);
/* The same as CSV (header row, CRLF, formula-guarded text fields); NULL when
 * out of memory. */
char *access_log_csv(const json_t *entries);

/* Minutes east of UTC in Copenhagen at a moment: 60 (CET) or 120 (CEST). */
int access_log_cph_offset(int64_t utc_ms);
/* "2026-11-23T11:15:30+01:00" */
void access_log_local_ts(int64_t utc_ms, char out[32]);

#endif
