/*
 * test_csv.c - the one CSV writer (core/codec/csv.c) and Danish time
 * (core/common/dktime.c): quoting, the formula guard at the start of a field
 * and after every separator inside one, the byte order mark, chunked
 * output, and the switches to and from summer time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/codec/csv.h"
#include "core/common/dktime.h"
#include "core/common/text.h"

/* One row of text fields, taken as a string (caller frees). */
static char *row_of(const char *const *fields)
{
	struct csv w;
	char *out = NULL;
	size_t len = 0;
	csv_init(&w, ';');
	for (size_t i = 0; fields[i] != NULL; i++)
		csv_text(&w, fields[i]);
	csv_end_row(&w);
	CHECK(csv_take(&w, &out, &len));
	CHECK(out != NULL && strlen(out) == len);
	return out;
}

static char *field_of(const char *s)
{
	const char *fields[] = {s, NULL};
	return row_of(fields);
}

/* True when no cell of text, split naively on any of seps (quotes not
 * honoured), begins - after spaces and quotes - with a formula character. */
static bool no_formula_cell(const char *text, const char *seps)
{
	const char *p = text;
	for (;;) {
		const char *q = p + strspn(p, " \"");
		if (*q != '\0' && strchr("=+-@\t\r", *q) != NULL)
			return false;
		p += strcspn(p, seps);
		if (*p == '\0')
			return true;
		p++;
	}
}

static void test_quoting(void)
{
	char *out = field_of("Anna Jensen");
	CHECK_STR(out, "\"Anna Jensen\"\r\n");
	free(out);
	out = field_of("Sagde \"hej\"; gik");
	CHECK_STR(out, "\"Sagde \"\"hej\"\"; gik\"\r\n");
	free(out);
	out = field_of("linje et\r\nlinje to");
	CHECK_STR(out, "\"linje et\r\nlinje to\"\r\n");
	free(out);
	out = field_of("");
	CHECK_STR(out, "\"\"\r\n");
	free(out);
	out = field_of("Søren Ærø Åby");
	CHECK_STR(out, "\"Søren Ærø Åby\"\r\n");
	free(out);

	/* Numbers bare, nulls empty, the separator between fields only. */
	struct csv w;
	char *text;
	size_t len;
	csv_init(&w, ';');
	csv_number(&w, 42);
	csv_empty(&w);
	csv_text(&w, "x");
	csv_number(&w, -7);
	csv_end_row(&w);
	csv_number(&w, 1);
	csv_end_row(&w);
	CHECK(csv_take(&w, &text, &len));
	CHECK_STR(text, "42;;\"x\";-7\r\n1\r\n");
	CHECK_EQ(len, strlen(text));
	free(text);
	csv_free(&w);

	/* A comma writer for those who ask for one. */
	csv_init(&w, ',');
	csv_text(&w, "a");
	csv_text(&w, "b,c");
	csv_end_row(&w);
	CHECK(csv_take(&w, &text, &len));
	CHECK_STR(text, "\"a\",\"b,c\"\r\n");
	free(text);
	csv_free(&w);
}

static void test_formula_guard(void)
{
	/* At the start of a field. */
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"=1+1", "\"'=1+1\"\r\n"},
	    {"+45 1234", "\"'+45 1234\"\r\n"},
	    {"-Bo", "\"'-Bo\"\r\n"},
	    {"@SUM(1)", "\"'@SUM(1)\"\r\n"},
	    {"\tx", "\"'\tx\"\r\n"},
	    {"\rx", "\"'\rx\"\r\n"},
	    {" =x", "\"' =x\"\r\n"},
	    {"\"=x", "\"'\"\"=x\"\r\n"},
	    /* After a separator inside the field: ';' (Danish Excel), ',',
	     * tab and line ends. */
	    {"Phone;=cmd|' /C calc'!A0", "\"Phone;'=cmd|' /C calc'!A0\"\r\n"},
	    {"a,=b", "\"a,'=b\"\r\n"},
	    {"a; -b", "\"a;' -b\"\r\n"},
	    {"a;\"=b", "\"a;'\"\"=b\"\r\n"},
	    {"a\t+b", "\"a\t'+b\"\r\n"},
	    {"a\n@b", "\"a\n'@b\"\r\n"},
	    {"a;;=b", "\"a;;'=b\"\r\n"},
	    /* Harmless text is left alone. */
	    {"a;b, c-d = e", "\"a;b, c-d = e\"\r\n"},
	    {"x=1", "\"x=1\"\r\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = field_of(cases[i].in);
		if (strcmp(out, cases[i].out) != 0)
			printf("guard: %s -> %s (want %s)\n", cases[i].in, out, cases[i].out);
		CHECK_STR(out, cases[i].out);
		free(out);
	}

	/* Whatever the text, no naive split of the row starts a formula. */
	const char *hostile[] = {"Plan,=1+1;-2+3;+4;@HYPERLINK(\"http://x\";\"klik\");\"=2\"",
	                         "=cmd",
	                         "x;\t=y",
	                         "a,\r\n=b;\"\"@c",
	                         "\"\";=;+;-;@",
	                         NULL};
	char *row = row_of(hostile);
	CHECK(no_formula_cell(row, ";,\t\r\n"));
	printf("hostile row: %s", row);
	free(row);
}

static void test_bom_and_chunks(void)
{
	struct csv w;
	char *a, *b;
	size_t alen, blen;
	csv_init(&w, CSV_SEPARATOR);
	csv_bom(&w);
	csv_text(&w, "Id");
	csv_end_row(&w);
	CHECK(csv_take(&w, &a, &alen));
	CHECK_STR(a, "\xEF\xBB\xBF\"Id\"\r\n");
	/* After a take the writer starts over, at the start of a row. */
	for (int i = 0; i < 5000; i++) {
		csv_number(&w, i);
		csv_text(&w, "en tekst der fylder lidt");
		csv_end_row(&w);
	}
	CHECK(csv_take(&w, &b, &blen));
	CHECK(b != NULL && strncmp(b, "0;\"en tekst", 11) == 0);
	CHECK_EQ(blen, strlen(b));
	size_t rows = 0;
	for (const char *p = b; (p = strstr(p, "\r\n")) != NULL; p += 2)
		rows++;
	CHECK_EQ(rows, 5000);
	free(a);
	free(b);
	/* Nothing written: nothing to take. */
	CHECK(csv_take(&w, &a, &alen));
	CHECK(a == NULL && alen == 0);
	csv_text(&w, "left over");
	csv_free(&w);
	csv_free(&w); /* twice is harmless */
}

/* CEST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
 * Sunday of October (2026: 29 March and 25 October). */
static void test_danish_time(void)
{
	static const struct {
		const char *utc;
		int offset;
		const char *iso, *sheet;
	} cases[] = {
	    {"2026-03-29T00:59:59.999Z", 60, "2026-03-29T01:59:59+01:00", "2026-03-29 01:59:59"},
	    {"2026-03-29T01:00:00.000Z", 120, "2026-03-29T03:00:00+02:00", "2026-03-29 03:00:00"},
	    {"2026-10-25T00:59:59.999Z", 120, "2026-10-25T02:59:59+02:00", "2026-10-25 02:59:59"},
	    {"2026-10-25T01:00:00.000Z", 60, "2026-10-25T02:00:00+01:00", "2026-10-25 02:00:00"},
	    {"2026-11-23T10:15:30.123Z", 60, "2026-11-23T11:15:30+01:00", "2026-11-23 11:15:30"},
	    {"2026-07-01T22:30:00.000Z", 120, "2026-07-02T00:30:00+02:00", "2026-07-02 00:30:00"},
	    {"2026-12-31T23:30:00.000Z", 60, "2027-01-01T00:30:00+01:00", "2027-01-01 00:30:00"},
	    /* a leap year whose last Sunday of March is the 31st */
	    {"2024-03-31T00:59:59.999Z", 60, "2024-03-31T01:59:59+01:00", "2024-03-31 01:59:59"},
	    {"2024-03-31T01:00:00.000Z", 120, "2024-03-31T03:00:00+02:00", "2024-03-31 03:00:00"},
	    /* last Sunday of October on the 31st, and on the 25th (earliest) */
	    {"2027-10-31T00:59:59.000Z", 120, "2027-10-31T02:59:59+02:00", "2027-10-31 02:59:59"},
	    {"2027-10-31T01:00:00.000Z", 60, "2027-10-31T02:00:00+01:00", "2027-10-31 02:00:00"},
	    {"2020-10-25T01:00:00.000Z", 60, "2020-10-25T02:00:00+01:00", "2020-10-25 02:00:00"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t t;
		char iso[32], sheet[32];
		CHECK_EQ(text_parse_ts(cases[i].utc, &t), 0);
		CHECK_EQ(dktime_offset_min(t), cases[i].offset);
		dktime_iso(t, iso);
		dktime_sheet(t, sheet);
		if (strcmp(iso, cases[i].iso) != 0 || strcmp(sheet, cases[i].sheet) != 0)
			printf("dktime: %s -> %s / %s\n", cases[i].utc, iso, sheet);
		CHECK_STR(iso, cases[i].iso);
		CHECK_STR(sheet, cases[i].sheet);
	}
}

int main(void)
{
	test_quoting();
	test_formula_guard();
	test_bom_and_chunks();
	test_danish_time();
	return check_report("test_csv");
}
