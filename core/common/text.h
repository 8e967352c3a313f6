/*
 * text.h - small text helpers: UTF-8 validation and counting, trimming,
 * RFC 3339 timestamps and the wall clock in milliseconds.
 */
#ifndef INDGANG_TEXT_H
#define INDGANG_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool text_utf8_valid(const char *s, size_t len);

/* Number of code points in valid UTF-8 s[0..len). */
size_t text_utf8_count(const char *s, size_t len);

/*
 * Trim Unicode white space (ASCII space, tab, CR, LF, VT, FF, NBSP and the
 * other White_Space code points) from both ends of valid UTF-8.  Sets
 * *start and *len to the trimmed span inside s.
 */
void text_trim(const char *s, size_t len, size_t *start, size_t *out_len);

/* Milliseconds since the Unix epoch, wall clock. */
int64_t text_now_ms(void);

/* Format ms since epoch as "2026-11-23T10:15:30.123Z" into buf (>= 25 bytes). */
void text_format_ts(int64_t ms, char buf[32]);

/* Parse RFC 3339 ("...Z" or "+hh:mm", optional fraction). 0 on success. */
int text_parse_ts(const char *s, int64_t *ms);

/* Copy at most cap-1 bytes and terminate; returns false when truncated. */
bool text_copy(char *dst, size_t cap, const char *src);

/* A logfmt value: bare when it is one plain word, else in double quotes with
 * \ and " escaped and control characters dropped.  Returns buf. */
const char *text_logfmt_quote(char *buf, size_t cap, const char *value);

#endif
