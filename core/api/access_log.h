/*
 * access_log.h - one family's access log for a subject access request
 * (GDPR art. 15): who read the family's data, when, and what; and who
 * tried and was refused.  Used by GET /api/families/{id}/access-log and by
 * `indgang-admin access-log`.
 *
 * Times are given twice: "at" in RFC 3339 UTC (as everywhere in the
 * contract) and "local" in Danish time, Europe/Copenhagen, as ISO 8601 with
 * its offset ("2026-11-23T11:15:30+01:00"), so that a letter to a family can
 * quote them as they are (core/common/dktime.h).
 *
 * The log is read a page at a time (struct store_log_range), so neither an
 * answer nor an export holds more than a page of it, through
 * svc_access_log_page(), which checks that actor may read it.
 */
#ifndef INDGANG_ACCESS_LOG_H
#define INDGANG_ACCESS_LOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;
struct store_log_range;
struct store_user;
struct csv;

/* One page appended to entries (a JSON array) as {"id","at","local","kind",
 * "actor":USER,"username","conv","conversation","what"}; *n how many rows,
 * *last the id of the last (unchanged when none). */
int access_log_page_json(struct store *s, const struct store_user *actor,
                         const struct store_log_range *r, json_t *entries, size_t *n,
                         int64_t *last);
/* The CSV header row: Id, Tidspunkt (dansk tid), Tidspunkt (UTC), Type,
 * Aktør-id, Aktør, Rolle, Brugernavn, Samtale-id, Samtale, Hvad. */
void access_log_csv_header(struct csv *w);
/* One page as CSV rows; *n and *last as for access_log_page_json. */
int access_log_page_csv(struct store *s, const struct store_user *actor,
                        const struct store_log_range *r, struct csv *w, size_t *n, int64_t *last);

#endif
