/*
 * jsonw.c - the JSON text writer of the hot frames (see jsonw.h).
 */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(struct jw *w, size_t hint)
{
	w->cap = hint < 64 ? 64 : hint;
	w->len = 0;
	w->buf = malloc(w->cap);
	w->failed = w->buf == NULL;
}

/* Makes room for n more bytes and the final NUL. */
static bool reserve(struct jw *w, size_t n)
{
	if (w->failed)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	size_t cap = w->cap * 2;
	while (cap < w->len + n + 1)
		cap *= 2;
	char *grown = realloc(w->buf, cap);
	if (grown == NULL) {
		w->failed = true;
		return false;
	}
	w->buf = grown;
	w->cap = cap;
	return true;
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* The escape of a byte that needs one, as jansson writes it. */
static size_t escape(unsigned char c, char out[8])
{
	switch (c) {
	case '"':
		return (size_t)snprintf(out, 8, "\\\"");
	case '\\':
		return (size_t)snprintf(out, 8, "\\\\");
	case '\b':
		return (size_t)snprintf(out, 8, "\\b");
	case '\f':
		return (size_t)snprintf(out, 8, "\\f");
	case '\n':
		return (size_t)snprintf(out, 8, "\\n");
	case '\r':
		return (size_t)snprintf(out, 8, "\\r");
	case '\t':
		return (size_t)snprintf(out, 8, "\\t");
	default:
		return (size_t)snprintf(out, 8, "\\u%04X", c);
	}
}

/* Bytes that end a plain run: NUL (the end), control characters, '"' and
 * '\\'.  A table keeps the scan of a message body to one load per byte. */
static const bool stops_run[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1};

void jw_str(struct jw *w, const char *s)
{
	jw_lit(w, "\"");
	const char *run = s ? s : "";
	for (const char *p = run;; p++) {
		unsigned char c = (unsigned char)*p;
		if (!stops_run[c])
			continue;
		jw_raw(w, run, (size_t)(p - run)); /* the plain bytes before p */
		if (c == '\0')
			break;
		char esc[8];
		jw_raw(w, esc, escape(c, esc));
		run = p + 1;
	}
	jw_lit(w, "\"");
}

void jw_int(struct jw *w, int64_t v)
{
	char num[24];
	char *p = num + sizeof num;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	jw_raw(w, p, (size_t)(num + sizeof num - p));
}

char *jw_finish(struct jw *w)
{
	if (w->failed) {
		free(w->buf);
		w->buf = NULL;
		return NULL;
	}
	w->buf[w->len] = '\0';
	char *text = w->buf;
	w->buf = NULL;
	return text;
}
