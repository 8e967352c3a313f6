/*
 * csv.c - the one CSV writer (see csv.h): quoting, the formula guard, the
 * byte order mark, rows taken in chunks.
 */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void csv_init(struct csv *w, char sep)
{
	memset(w, 0, sizeof *w);
	w->sep = sep;
}

static void put(struct csv *w, const char *s, size_t len)
{
	if (w->oom || len == 0)
		return;
	if (len >= w->cap - w->n) { /* room for len bytes and the NUL */
		size_t need = w->n + len + 1, cap = w->cap ? w->cap : 4096;
		while (cap < need && cap <= SIZE_MAX / 2)
			cap *= 2;
		char *p = cap >= need ? realloc(w->p, cap) : NULL;
		if (p == NULL) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->n, s, len);
	w->n += len;
	w->p[w->n] = '\0';
}

static void next_field(struct csv *w)
{
	if (w->field++ > 0)
		put(w, &w->sep, 1);
}

void csv_bom(struct csv *w)
{
	put(w, "\xEF\xBB\xBF", 3);
}

/* Where a spreadsheet may see a cell begin: at the start of the field, and
 * after each character that some reader takes as a separator or row end. */
static bool splits_after(char c)
{
	return c == ',' || c == ';' || c == '\t' || c == '\r' || c == '\n';
}

/* A cell beginning at s would start a formula: after any spaces and quotes
 * comes = + - @ tab or CR. */
static bool formula_at(const char *s)
{
	s += strspn(s, " \"");
	return *s != '\0' && strchr("=+-@\t\r", *s) != NULL;
}

void csv_text(struct csv *w, const char *s)
{
	next_field(w);
	put(w, "\"", 1);
	if (s != NULL && formula_at(s))
		put(w, "'", 1);
	for (const char *p = s; p != NULL && *p != '\0'; p++) {
		put(w, p, 1);
		if (*p == '"')
			put(w, "\"", 1);
		else if (splits_after(*p) && formula_at(p + 1))
			put(w, "'", 1);
	}
	put(w, "\"", 1);
}

void csv_number(struct csv *w, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
	next_field(w);
	put(w, buf, (size_t)n);
}

void csv_empty(struct csv *w)
{
	next_field(w);
}

void csv_end_row(struct csv *w)
{
	put(w, "\r\n", 2);
	w->field = 0;
}

bool csv_take(struct csv *w, char **out, size_t *len)
{
	bool ok = !w->oom;
	*out = ok ? w->p : NULL;
	*len = ok ? w->n : 0;
	if (!ok)
		free(w->p);
	w->p = NULL;
	w->n = w->cap = 0;
	w->oom = false;
	w->field = 0;
	return ok;
}

void csv_free(struct csv *w)
{
	free(w->p);
	w->p = NULL;
	w->n = w->cap = 0;
	w->field = 0;
}

void csv_header(struct csv *w, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		csv_text(w, names[i]);
	csv_end_row(w);
}
