/*
 * csv.h - the one CSV writer: every CSV file Indgang produces (the contact
 * log, the access log, indgang-admin) is written through it.
 *
 * The files are meant for Danish staff who open them in a spreadsheet, so by
 * default they are what Danish Excel opens without an import dialogue: a
 * UTF-8 byte order mark, ';' between fields, CRLF after each row.
 *
 * Text fields are always quoted (RFC 4180, a quote doubled), and no cell can
 * start a formula, however the file is read: an apostrophe goes in front of
 * the field, and in front of every part of it that follows a ',' ';' tab or
 * line end, when that part begins (after spaces and quotes) with = + - @
 * tab or CR.  A spreadsheet that splits on the other separator, or ignores
 * the quotes, then still sees text.  Numbers are written bare.
 *
 * The writer appends to a buffer it grows; csv_take() hands over what is
 * written so far, so a long file can be produced in chunks.  Running out of
 * memory is sticky and reported by csv_take().
 */
#ifndef INDGANG_CSV_H
#define INDGANG_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSV_SEPARATOR ';'

struct csv {
	char *p;
	size_t n, cap;
	bool oom;       /* sticky: once set, further output is dropped */
	char sep;       /* between fields */
	unsigned field; /* fields written in the current row */
};

/* An empty writer with sep between fields. */
void csv_init(struct csv *w, char sep);
/* The UTF-8 byte order mark, at the start of a file. */
void csv_bom(struct csv *w);
/* A text field, quoted and guarded; NULL is written as an empty field. */
void csv_text(struct csv *w, const char *s);
/* A header row: n text fields, then the end of the row. */
void csv_header(struct csv *w, const char *const *names, size_t n);
/* A number, bare. */
void csv_number(struct csv *w, int64_t v);
/* An empty field (a null). */
void csv_empty(struct csv *w);
/* Ends the row (CRLF). */
void csv_end_row(struct csv *w);
/* Everything written since the last take, NUL-terminated (caller frees;
 * may be NULL when nothing was written); NULL with *len 0 and false
 * returned when memory ran out.  The writer is empty afterwards. */
bool csv_take(struct csv *w, char **out, size_t *len);
/* Frees what was not taken. */
void csv_free(struct csv *w);

#endif
