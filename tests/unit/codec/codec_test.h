/*
 * codec_test.h - what the codec's unit tests share: decoding a text into a
 * frame and expecting an error, building long inputs, parsing an encoder's
 * output back with jansson, and the characters of every UTF-8 length.
 */
#ifndef INDGANG_CODEC_TEST_H
#define INDGANG_CODEC_TEST_H

#include "core/codec/codec.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "check.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* U+00E6 (2 bytes), U+0628 ARABIC LETTER BEH (2 bytes), U+20AC (3), U+1F600 (4). */
#define AE    "\xc3\xa6"
#define BEH   "\xd8\xa8"
#define EURO  "\xe2\x82\xac"
#define SMILE "\xf0\x9f\x98\x80"
#define NBSP  "\xc2\xa0"

static inline int dec(const char *text, struct frame *f, const char **why)
{
	return codec_decode_frame(text, strlen(text), f, why);
}

/* Decodes text expecting err; checks *why is set on failure; frees the frame. */
static inline void expect_frame(const char *text, int err)
{
	struct frame f;
	const char *why = "unset";
	int rc = dec(text, &f, &why);
	if (rc != err)
		fprintf(stderr, "  frame %.120s: got %s, want %s (%s)\n", text, err_code(rc),
		        err_code(err), why ? why : "-");
	CHECK_EQ(rc, err);
	if (err != ERR_OK)
		CHECK(why != NULL && why[0] != '\0');
	else
		CHECK(why == NULL);
	codec_frame_free(&f);
}

/* printf into a malloc'd string. */
__attribute__((format(printf, 1, 2))) static inline char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* n copies of unit, malloc'd. */
static inline char *repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

static inline json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *j = text ? json_loads(text, 0, &jerr) : NULL;
	CHECK(j != NULL);
	return j;
}

static inline const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "<missing>";
}

static inline int64_t jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	CHECK(json_is_integer(v));
	return json_integer_value(v);
}

static inline void check_user(const json_t *u, int64_t id, const char *name, const char *role)
{
	CHECK(json_is_object(u));
	CHECK_EQ(jint(u, "id"), id);
	CHECK_STR(jstr(u, "name"), name);
	CHECK_STR(jstr(u, "role"), role);
	CHECK_EQ(json_object_size(u), 3);
}

/* ---- Encoders ---------------------------------------------------------------- */

#define TS_MS  1795428930123LL /* 2026-11-23T10:15:30.123Z */
#define TS_TXT "2026-11-23T10:15:30.123Z"

/* Compact output keeps UTF-8 raw and has no insignificant white space. */
static inline void check_compact(const char *out)
{
	CHECK(out != NULL);
	if (!out)
		return;
	CHECK(strstr(out, "\\u") == NULL);
	CHECK(strstr(out, "\": ") == NULL);
	CHECK(strstr(out, ", \"") == NULL);
	CHECK(strchr(out, '\n') == NULL);
}

#endif
