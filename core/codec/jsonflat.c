/*
 * jsonflat.c - the fast scan of flat client frames (see jsonflat.h).
 */
#include "jsonflat.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../common/text.h"

struct scan {
	const char *p, *end;
	char *out; /* next free byte of the arena */
};

static void skip_space(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* The simple escapes; \u and anything else are not ours. */
static int unescape(char c)
{
	switch (c) {
	case '"':
	case '\\':
	case '/':
		return c;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:
		return -1;
	}
}

/* A string at s->p (the opening quote), copied unescaped into the arena. */
static bool scan_string(struct scan *s, const char **str, size_t *len)
{
	if (s->p >= s->end || *s->p != '"')
		return false;
	s->p++;
	char *start = s->out;
	for (;;) {
		if (s->p >= s->end)
			return false;
		unsigned char c = (unsigned char)*s->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return false;
		if (c == '\\') {
			int e = s->p < s->end ? unescape(*s->p++) : -1;
			if (e < 0)
				return false;
			c = (unsigned char)e;
		}
		*s->out++ = (char)c;
	}
	*len = (size_t)(s->out - start);
	*s->out++ = '\0';
	*str = start;
	return true;
}

/* 0 or 1..18 digits without a leading zero, then no fraction or exponent. */
static bool scan_int(struct scan *s, int64_t *v)
{
	const char *start = s->p;
	int64_t n = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		if (s->p - start == 18)
			return false; /* a 19th digit: jansson decides about the range */
		n = n * 10 + (*s->p++ - '0');
	}
	size_t digits = (size_t)(s->p - start);
	if (digits == 0 || (digits > 1 && *start == '0'))
		return false;
	if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
		return false;
	*v = n;
	return true;
}

static bool scan_word(struct scan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return true;
}

static bool scan_value(struct scan *s, struct flat_member *m)
{
	if (s->p >= s->end)
		return false;
	switch (*s->p) {
	case '"':
		m->type = FLAT_STRING;
		return scan_string(s, &m->s, &m->len);
	case 't':
		m->type = FLAT_TRUE;
		return scan_word(s, "true");
	case 'f':
		m->type = FLAT_FALSE;
		return scan_word(s, "false");
	case 'n':
		m->type = FLAT_NULL;
		return scan_word(s, "null");
	default:
		m->type = FLAT_INT;
		return scan_int(s, &m->i);
	}
}

static bool scan_member(struct scan *s, struct flat *f)
{
	if (f->n == FLAT_MAX)
		return false;
	struct flat_member *m = &f->m[f->n];
	memset(m, 0, sizeof *m);
	skip_space(s);
	if (!scan_string(s, &m->key, &m->key_len))
		return false;
	for (size_t i = 0; i < f->n; i++) /* duplicates: jansson refuses them */
		if (f->m[i].key_len == m->key_len && memcmp(f->m[i].key, m->key, m->key_len) == 0)
			return false;
	skip_space(s);
	if (s->p >= s->end || *s->p++ != ':')
		return false;
	skip_space(s);
	if (!scan_value(s, m))
		return false;
	f->n++;
	skip_space(s);
	return true;
}

static bool scan_object(struct scan *s, struct flat *f)
{
	skip_space(s);
	if (s->p >= s->end || *s->p++ != '{')
		return false;
	skip_space(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
	} else {
		for (;;) {
			if (!scan_member(s, f) || s->p >= s->end)
				return false;
			char c = *s->p++;
			if (c == '}')
				break;
			if (c != ',')
				return false;
		}
	}
	skip_space(s);
	return s->p == s->end;
}

int flat_parse(const char *text, size_t len, struct flat *out)
{
	memset(out, 0, sizeof *out);
	if (text == NULL || len == 0 || !text_utf8_valid(text, len))
		return -1;
	/* Unescaped strings are never longer than their text, plus a NUL each. */
	out->arena = malloc(len + 2 * FLAT_MAX + 1);
	if (out->arena == NULL)
		return -1;
	struct scan s = {.p = text, .end = text + len, .out = out->arena};
	if (!scan_object(&s, out)) {
		flat_free(out);
		return -1;
	}
	return 0;
}

void flat_free(struct flat *f)
{
	free(f->arena);
	f->arena = NULL;
	f->n = 0;
}

const struct flat_member *flat_get(const struct flat *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->m[i].key, key) == 0)
			return &f->m[i];
	return NULL;
}
