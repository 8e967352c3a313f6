/*
 * quiet.h - quiet hours: when a notification may buzz a family's phones.
 *
 * A family's quiet hours are two times of day in Danish time (by default
 * 21:00-07:00): a message arrives at once, but its notification waits until
 * the quiet hours end.  The hours may wrap past midnight; equal start and
 * end mean no quiet hours.  Danish time comes from core/common/dktime.h, so
 * summer time is right on any thread.
 */
#ifndef INDGANG_PUSH_QUIET_H
#define INDGANG_PUSH_QUIET_H

#include <stdbool.h>
#include <stdint.h>

#define QUIET_DEFAULT_START (21 * 60) /* minutes after local midnight */
#define QUIET_DEFAULT_END   (7 * 60)

/* True when minute-of-day m (0..1439) lies in [start, end), wrapping. */
bool quiet_contains(int start_min, int end_min, int m);
/* When a notification due at now (UTC ms) may be shown: now itself outside
 * the quiet hours, else the moment they end (UTC ms). */
int64_t quiet_release_at(int64_t now, int start_min, int end_min);
/* "HH:MM" -> minutes after midnight; -1 when it is not such a time. */
int quiet_parse(const char *text);
/* Minutes after midnight -> "HH:MM". */
void quiet_format(int min, char out[6]);

#endif
