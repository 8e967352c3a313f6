/*
 * mine.h - a family member's own view (issue 16; GDPR art. 15 and 20): who
 * has read the family's data (GET /api/me/access) and the member's own
 * data as one JSON document (GET /api/me/data), both a page at a time so
 * that neither holds more than a page in memory however long the history.
 */
#ifndef INDGANG_MINE_H
#define INDGANG_MINE_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct store_user;
struct api_stream;

/* Rows read for one page of either. */
#define MINE_PAGE_ROWS 200

/* {"entries":[{"id","at","kind","who":{"role","name"|null},"seen"}],
 * "next":ID|null}: up to limit rows of the access log after after as the
 * member may see them (svc_my_access_page); *out malloc'd. */
int mine_access_page(struct store *s, const struct store_user *member, int64_t after, int limit,
                     bool names, char **out);
/* The member's data, opened (svc_my_data_open: checked and logged) on s
 * now, then streamed: its messages and log rows read a page at a time on
 * whichever worker makes the next chunk. */
int mine_data_stream(struct store *s, const struct store_user *member, int64_t now,
                     struct api_stream **out);

#endif
