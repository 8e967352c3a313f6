/*
 * jsonw.c - the JSON text writer of the hot frames (see jsonw.h).
 */
#include "jsonw.h"

#include <inttypes.h>
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

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

void jw_str(struct jw *w, const char *s)
{
	jw_lit(w, "\"");
	const char *run = s ? s : "";
	for (const char *p = run;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c != '\0' && !needs_escape(c))
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
	int n = snprintf(num, sizeof num, "%" PRId64, v);
	jw_raw(w, num, (size_t)n);
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
