/*
 * export.h - the CSV exports of a family's contact log and access log as
 * streams (struct api_stream, api.h): the store is read a page at a time by
 * id, each page written as one chunk through the one CSV writer
 * (core/codec/csv.h), the first chunk starting with the byte order mark and
 * the header row.
 *
 * An export ends at the newest row before its read was logged
 * (svc_log_end), so it is the log of one moment however slowly it is read,
 * and it never lists the "access" row that records it.
 */
#ifndef INDGANG_EXPORT_H
#define INDGANG_EXPORT_H

#include <stdint.h>

struct store;
struct store_user;
struct api_stream;

/* Rows of a page, so of a chunk (a few hundred bytes each). */
#define EXPORT_PAGE_ROWS 500

/* The family's contact log with from <= at < to (0: unbounded) up to the
 * row upto (svc_log_end() before the read was logged; 0: the log was
 * empty), every page read as actor (svc_log_page: checked each time). */
int export_log_csv(const struct store_user *actor, int64_t family, int64_t from, int64_t to,
                   int64_t upto, struct api_stream **out);
/* The family's access log, the same way. */
int export_access_log_csv(const struct store_user *actor, int64_t family, int64_t from, int64_t to,
                          int64_t upto, struct api_stream **out);

#endif
