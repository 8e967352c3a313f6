/*
 * test_codec.c - unit tests of the wire codec (core/codec) against
 * PROTOCOL.md: every client frame and HTTP body, each bad input the contract
 * names, and every encoder, whose output is parsed back with jansson.
 */
#define _GNU_SOURCE
#include "core/codec/codec.h"
#include "core/codec/csv.h"
#include "core/codec/jsonw.h"
#include "core/codec/jsonflat.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "check.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* U+00E6 (2 bytes), U+0628 ARABIC LETTER BEH (2 bytes), U+20AC (3), U+1F600 (4). */
#define AE    "\xc3\xa6"
#define BEH   "\xd8\xa8"
#define EURO  "\xe2\x82\xac"
#define SMILE "\xf0\x9f\x98\x80"
#define NBSP  "\xc2\xa0"

/* ---- Helpers -------------------------------------------------------------- */

static int dec(const char *text, struct frame *f, const char **why)
{
	return codec_decode_frame(text, strlen(text), f, why);
}

/* Decodes text expecting err; checks *why is set on failure; frees the frame. */
static void expect_frame(const char *text, int err)
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

/* n copies of unit, malloc'd. */
static char *repeat(const char *unit, size_t n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

/* printf into a malloc'd string. */
__attribute__((format(printf, 1, 2))) static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *j = text ? json_loads(text, 0, &jerr) : NULL;
	CHECK(j != NULL);
	return j;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "<missing>";
}

static int64_t jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	CHECK(json_is_integer(v));
	return json_integer_value(v);
}

static void check_user(const json_t *u, int64_t id, const char *name, const char *role)
{
	CHECK(json_is_object(u));
	CHECK_EQ(jint(u, "id"), id);
	CHECK_STR(jstr(u, "name"), name);
	CHECK_STR(jstr(u, "role"), role);
	CHECK_EQ(json_object_size(u), 3);
}

/* ---- Framing, type and ref ----------------------------------------------- */

static void test_framing(void)
{
	struct frame f;
	const char *why;

	expect_frame("{", ERR_BAD_REQUEST);
	expect_frame("not json", ERR_BAD_REQUEST);
	expect_frame("", ERR_BAD_REQUEST);
	expect_frame("[]", ERR_BAD_REQUEST);
	expect_frame("[{\"type\":\"ping\"}]", ERR_BAD_REQUEST);
	expect_frame("5", ERR_BAD_REQUEST);
	expect_frame("\"ping\"", ERR_BAD_REQUEST);
	expect_frame("null", ERR_BAD_REQUEST);
	expect_frame("{}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":5}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":null}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":true}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":[\"ping\"]}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"Ping\"}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"welcome\"}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"nope\"}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"ping\"} x", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"ping\",\"type\":\"ping\"}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"p\xffng\"}", ERR_BAD_REQUEST);     /* invalid UTF-8 */
	expect_frame("{\"type\":\"ping\\u0000\"}", ERR_BAD_REQUEST); /* NUL in a string */
	expect_frame("{\"type\":\"ping\"}", ERR_OK);
	expect_frame(" \n{\"type\":\"ping\",\"extra\":{\"a\":[1,2]},\"z\":null}\n", ERR_OK);

	/* NULL why is allowed; a length shorter than the text is honoured. */
	CHECK_EQ(dec("{\"type\":\"ping\"}", &f, NULL), ERR_OK);
	codec_frame_free(&f);
	CHECK_EQ(codec_decode_frame("{\"type\":\"ping\"}xyz", 15, &f, &why), ERR_OK);
	CHECK_EQ(f.type, FRAME_PING);
	CHECK(!f.has_ref);
	codec_frame_free(&f);
	CHECK_EQ(codec_decode_frame(NULL, 0, &f, &why), ERR_BAD_REQUEST);
	codec_frame_free(&f);
}

static void test_ref(void)
{
	struct frame f;
	const char *why;
	char *ref64 = repeat(AE, 64), *ref65 = repeat(AE, 65), *text;

	CHECK_EQ(dec("{\"type\":\"ping\",\"ref\":\"r-1\"}", &f, &why), ERR_OK);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, "r-1");
	codec_frame_free(&f);

	CHECK_EQ(dec("{\"type\":\"ping\",\"ref\":\"\"}", &f, &why), ERR_OK);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, "");
	codec_frame_free(&f);

	/* 64 two-byte characters (128 bytes) are fine, 65 are not. */
	text = fmt("{\"type\":\"ping\",\"ref\":\"%s\"}", ref64);
	CHECK_EQ(dec(text, &f, &why), ERR_OK);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, ref64);
	codec_frame_free(&f);
	free(text);

	text = fmt("{\"type\":\"ping\",\"ref\":\"%s\"}", ref65);
	CHECK_EQ(dec(text, &f, &why), ERR_BAD_REQUEST);
	CHECK(!f.has_ref);
	CHECK(strstr(why, "ref") != NULL);
	codec_frame_free(&f);
	free(text);

	/* 4-byte characters: 64 fill the buffer exactly. */
	char *smiles = repeat(SMILE, 64);
	text = fmt("{\"type\":\"ping\",\"ref\":\"%s\"}", smiles);
	CHECK_EQ(dec(text, &f, &why), ERR_OK);
	CHECK_STR(f.ref, smiles);
	CHECK_EQ(strlen(f.ref), 256);
	codec_frame_free(&f);
	free(text);
	free(smiles);

	char *ascii65 = repeat("r", 65);
	text = fmt("{\"type\":\"ping\",\"ref\":\"%s\"}", ascii65);
	expect_frame(text, ERR_BAD_REQUEST);
	free(text);
	free(ascii65);

	expect_frame("{\"type\":\"ping\",\"ref\":5}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"ping\",\"ref\":null}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"ping\",\"ref\":true}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"ping\",\"ref\":[\"a\"]}", ERR_BAD_REQUEST);

	/* A valid ref survives a failure later on, for the error reply. */
	CHECK_EQ(dec("{\"type\":\"send\",\"ref\":\"r9\",\"conv\":\"5\"}", &f, &why),
	         ERR_BAD_REQUEST);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, "r9");
	CHECK(strstr(why, "conv") != NULL);
	codec_frame_free(&f);

	CHECK_EQ(dec("{\"ref\":\"r10\"}", &f, &why), ERR_BAD_REQUEST);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, "r10");
	codec_frame_free(&f);

	CHECK_EQ(dec("{\"ref\":\"r11\",\"type\":\"fly\"}", &f, &why), ERR_BAD_REQUEST);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, "r11");
	codec_frame_free(&f);

	free(ref64);
	free(ref65);
}

/* ---- auth, ping ------------------------------------------------------------ */

static void test_auth(void)
{
	struct frame f;
	const char *why;
	char *tok256 = repeat("t", 256), *tok257 = repeat("t", 257), *text;

	CHECK_EQ(dec("{\"type\":\"auth\",\"token\":\"abc.def\"}", &f, &why), ERR_OK);
	CHECK_EQ(f.type, FRAME_AUTH);
	CHECK_STR(f.u.auth.token, "abc.def");
	CHECK(!f.has_ref);
	codec_frame_free(&f);
	CHECK(f.u.auth.token == NULL);
	codec_frame_free(&f); /* twice is harmless */

	text = fmt("{\"type\":\"auth\",\"token\":\"%s\"}", tok256);
	CHECK_EQ(dec(text, &f, &why), ERR_OK);
	CHECK_EQ(strlen(f.u.auth.token), 256);
	codec_frame_free(&f);
	free(text);
	text = fmt("{\"type\":\"auth\",\"token\":\"%s\"}", tok257);
	expect_frame(text, ERR_BAD_REQUEST);
	free(text);

	expect_frame("{\"type\":\"auth\"}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"auth\",\"token\":\"\"}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"auth\",\"token\":123}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"auth\",\"token\":null}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"auth\",\"token\":false}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"auth\",\"token\":{\"t\":\"x\"}}", ERR_BAD_REQUEST);
	free(tok256);
	free(tok257);
}

static void test_ping(void)
{
	struct frame f;
	const char *why = "unset";

	CHECK_EQ(dec("{\"ref\":\"p\",\"type\":\"ping\"}", &f, &why), ERR_OK);
	CHECK_EQ(f.type, FRAME_PING);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, "p");
	CHECK(why == NULL);
	codec_frame_free(&f);
}

/* ---- send ------------------------------------------------------------------ */

/* A send frame around an already-JSON-encoded body. */
static int dec_send_body(const char *body_json, struct frame *f, const char **why)
{
	char *text =
	    fmt("{\"type\":\"send\",\"conv\":3,\"client_id\":\"c1\",\"body\":%s}", body_json);
	int rc = dec(text, f, why);
	free(text);
	return rc;
}

static void test_send_ok(void)
{
	struct frame f;
	const char *why;

	CHECK_EQ(dec("{\"type\":\"send\",\"ref\":\"s1\",\"conv\":7,\"client_id\":\"k-1\","
	             "\"body\":\"Hej " AE "ble\"}",
	             &f, &why),
	         ERR_OK);
	CHECK_EQ(f.type, FRAME_SEND);
	CHECK_EQ(f.u.send.conv, 7);
	CHECK_STR(f.u.send.client_id, "k-1");
	CHECK_STR(f.u.send.body, "Hej " AE "ble");
	CHECK_EQ(f.u.send.kind, KIND_TEXT);
	CHECK_STR(f.ref, "s1");
	codec_frame_free(&f);

	CHECK_EQ(dec("{\"type\":\"send\",\"conv\":9223372036854775807,\"client_id\":\"k\","
	             "\"body\":\"x\",\"kind\":\"note\",\"future\":[1]}",
	             &f, &why),
	         ERR_OK);
	CHECK_EQ(f.u.send.conv, INT64_MAX);
	CHECK_EQ(f.u.send.kind, KIND_NOTE);
	codec_frame_free(&f);

	CHECK_EQ(dec("{\"type\":\"send\",\"conv\":1,\"client_id\":\"k\",\"body\":\"x\","
	             "\"kind\":\"text\"}",
	             &f, &why),
	         ERR_OK);
	CHECK_EQ(f.u.send.kind, KIND_TEXT);
	codec_frame_free(&f);

	/* Unicode white space at both ends is trimmed; inside it is kept. */
	CHECK_EQ(dec_send_body("\" \\t\\n" NBSP "hello\\n  world\\r\\n" NBSP " \"", &f, &why),
	         ERR_OK);
	CHECK_STR(f.u.send.body, "hello\n  world");
	codec_frame_free(&f);
	CHECK_EQ(dec_send_body("\"\\u3000\\u2003x\\u2028\"", &f, &why), ERR_OK);
	CHECK_STR(f.u.send.body, "x");
	codec_frame_free(&f);
}

static void test_send_client_id(void)
{
	struct frame f;
	const char *why;
	char *id64 = repeat(AE, 64), *id65 = repeat(AE, 65), *a64 = repeat("k", 64),
	     *a65 = repeat("k", 65), *text;

	text = fmt("{\"type\":\"send\",\"conv\":1,\"client_id\":\"%s\",\"body\":\"b\"}", id64);
	CHECK_EQ(dec(text, &f, &why), ERR_OK);
	CHECK_STR(f.u.send.client_id, id64);
	codec_frame_free(&f);
	free(text);
	text = fmt("{\"type\":\"send\",\"conv\":1,\"client_id\":\"%s\",\"body\":\"b\"}", a64);
	expect_frame(text, ERR_OK);
	free(text);
	text = fmt("{\"type\":\"send\",\"conv\":1,\"client_id\":\"%s\",\"body\":\"b\"}", id65);
	CHECK_EQ(dec(text, &f, &why), ERR_BAD_REQUEST);
	CHECK(strstr(why, "client_id") != NULL);
	codec_frame_free(&f);
	free(text);
	text = fmt("{\"type\":\"send\",\"conv\":1,\"client_id\":\"%s\",\"body\":\"b\"}", a65);
	expect_frame(text, ERR_BAD_REQUEST);
	free(text);

	expect_frame("{\"type\":\"send\",\"conv\":1,\"client_id\":\"\",\"body\":\"b\"}",
	             ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"send\",\"conv\":1,\"body\":\"b\"}", ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"send\",\"conv\":1,\"client_id\":0,\"body\":\"b\"}",
	             ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"send\",\"conv\":1,\"client_id\":12,\"body\":\"b\"}",
	             ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"send\",\"conv\":1,\"client_id\":null,\"body\":\"b\"}",
	             ERR_BAD_REQUEST);
	expect_frame("{\"type\":\"send\",\"conv\":1,\"client_id\":true,\"body\":\"b\"}",
	             ERR_BAD_REQUEST);
	free(id64);
	free(id65);
	free(a64);
	free(a65);
}

static void test_send_fields(void)
{
	static const char *const bad_convs[] = {"0",
	                                        "-1",
	                                        "\"5\"",
	                                        "5.0",
	                                        "5e0",
	                                        "true",
	                                        "false",
	                                        "null",
	                                        "[5]",
	                                        "{}",
	                                        "9223372036854775808",
	                                        "1.5"};
	for (size_t i = 0; i < sizeof(bad_convs) / sizeof(bad_convs[0]); i++) {
		char *text = fmt("{\"type\":\"send\",\"conv\":%s,\"client_id\":\"k\","
		                 "\"body\":\"b\"}",
		                 bad_convs[i]);
		expect_frame(text, ERR_BAD_REQUEST);
		free(text);
	}
	expect_frame("{\"type\":\"send\",\"client_id\":\"k\",\"body\":\"b\"}", ERR_BAD_REQUEST);

	static const char *const bad_kinds[] = {"\"system\"", "\"TEXT\"", "\"\"", "\"notes\"",
	                                        "1",          "null",     "true", "[\"text\"]"};
	for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++) {
		struct frame f;
		const char *why;
		char *text = fmt("{\"type\":\"send\",\"conv\":1,\"client_id\":\"k\","
		                 "\"body\":\"b\",\"kind\":%s}",
		                 bad_kinds[i]);
		CHECK_EQ(dec(text, &f, &why), ERR_BAD_REQUEST);
		CHECK(strstr(why, "kind") != NULL);
		codec_frame_free(&f);
		free(text);
	}

	static const char *const bad_bodies[] = {"5", "null", "true", "[\"b\"]", "{}"};
	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		struct frame f;
		const char *why;
		CHECK_EQ(dec_send_body(bad_bodies[i], &f, &why), ERR_BAD_REQUEST);
		CHECK(f.u.send.body == NULL);
		codec_frame_free(&f);
	}
	expect_frame("{\"type\":\"send\",\"conv\":1,\"client_id\":\"k\"}", ERR_BAD_REQUEST);
}

static void test_send_body_limits(void)
{
	struct frame f;
	const char *why;
	char *body, *text;

	/* Empty and white-space-only bodies are bad requests. */
	CHECK_EQ(dec_send_body("\"\"", &f, &why), ERR_BAD_REQUEST);
	CHECK(strstr(why, "body") != NULL);
	codec_frame_free(&f);
	CHECK_EQ(dec_send_body("\"   \\n\\t \\r\\n" NBSP "\\u3000\"", &f, &why), ERR_BAD_REQUEST);
	codec_frame_free(&f);

	/* 4000 two-byte characters (8000 bytes) are fine; 4001 are too large. */
	static const char *const units[] = {AE, BEH, EURO, SMILE, "a"};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		body = repeat(units[i], 4000);
		text = fmt("\"%s\"", body);
		CHECK_EQ(dec_send_body(text, &f, &why), ERR_OK);
		CHECK(f.u.send.body && strcmp(f.u.send.body, body) == 0);
		codec_frame_free(&f);
		free(text);
		free(body);

		body = repeat(units[i], 4001);
		text = fmt("\"%s\"", body);
		CHECK_EQ(dec_send_body(text, &f, &why), ERR_TOO_LARGE);
		CHECK(f.u.send.body == NULL);
		codec_frame_free(&f);
		free(text);
		free(body);
	}

	/* The limit applies after trimming: padding does not count. */
	body = repeat(BEH, 4000);
	text = fmt("\"  \\n" NBSP "%s" NBSP "\\t  \"", body);
	CHECK_EQ(dec_send_body(text, &f, &why), ERR_OK);
	CHECK(f.u.send.body && strcmp(f.u.send.body, body) == 0);
	codec_frame_free(&f);
	free(text);
	free(body);

	/* A too-large body still echoes the ref. */
	body = repeat(AE, 4001);
	text = fmt("{\"type\":\"send\",\"ref\":\"big\",\"conv\":1,\"client_id\":\"k\","
	           "\"body\":\"%s\"}",
	           body);
	CHECK_EQ(dec(text, &f, &why), ERR_TOO_LARGE);
	CHECK(f.has_ref);
	CHECK_STR(f.ref, "big");
	codec_frame_free(&f);
	free(text);
	free(body);

	/* A malformed frame is bad_request even when its body is also too large. */
	body = repeat("x", 5000);
	text = fmt("{\"type\":\"send\",\"conv\":1,\"client_id\":\"k\",\"kind\":\"system\","
	           "\"body\":\"%s\"}",
	           body);
	expect_frame(text, ERR_BAD_REQUEST);
	free(text);
	free(body);

	/* A 1 MB body is refused (its cost is the benchmark's business, not a test's). */
	body = repeat("x", 1 << 20);
	text = fmt("\"%s\"", body);
	CHECK_EQ(dec_send_body(text, &f, &why), ERR_TOO_LARGE);
	codec_frame_free(&f);
	free(text);
	free(body);

	/* A 1 MB body of white space is empty after trimming. */
	body = repeat(" ", 1 << 20);
	text = fmt("\"%s\"", body);
	CHECK_EQ(dec_send_body(text, &f, &why), ERR_BAD_REQUEST);
	codec_frame_free(&f);
	free(text);
	free(body);
}

/* ---- sync, history, read ---------------------------------------------------- */

static void check_sync(const char *text, int64_t after, int limit)
{
	struct frame f;
	const char *why;
	CHECK_EQ(dec(text, &f, &why), ERR_OK);
	CHECK_EQ(f.type, FRAME_SYNC);
	CHECK_EQ(f.u.sync.after, after);
	CHECK_EQ(f.u.sync.limit, limit);
	codec_frame_free(&f);
}

static void test_sync(void)
{
	check_sync("{\"type\":\"sync\"}", 0, 100);
	check_sync("{\"type\":\"sync\",\"after\":0}", 0, 100);
	check_sync("{\"type\":\"sync\",\"after\":42,\"limit\":10}", 42, 10);
	check_sync("{\"type\":\"sync\",\"limit\":1}", 0, 1);
	check_sync("{\"type\":\"sync\",\"limit\":500}", 0, 500);
	check_sync("{\"type\":\"sync\",\"limit\":501}", 0, 500);
	check_sync("{\"type\":\"sync\",\"limit\":9223372036854775807}", 0, 500);
	check_sync("{\"type\":\"sync\",\"limit\":4294967396}", 0, 500);

	static const char *const bad[] = {
	    "{\"type\":\"sync\",\"after\":-1}",    "{\"type\":\"sync\",\"after\":\"0\"}",
	    "{\"type\":\"sync\",\"after\":1.0}",   "{\"type\":\"sync\",\"after\":null}",
	    "{\"type\":\"sync\",\"after\":false}", "{\"type\":\"sync\",\"limit\":0}",
	    "{\"type\":\"sync\",\"limit\":-5}",    "{\"type\":\"sync\",\"limit\":\"10\"}",
	    "{\"type\":\"sync\",\"limit\":10.0}",  "{\"type\":\"sync\",\"limit\":null}",
	    "{\"type\":\"sync\",\"limit\":true}",  "{\"type\":\"sync\",\"limit\":[10]}",
	    "{\"type\":\"sync\",\"after\":1e3}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_frame(bad[i], ERR_BAD_REQUEST);
}

static void check_history(const char *text, int64_t conv, int64_t before, int limit)
{
	struct frame f;
	const char *why;
	CHECK_EQ(dec(text, &f, &why), ERR_OK);
	CHECK_EQ(f.type, FRAME_HISTORY);
	CHECK_EQ(f.u.history.conv, conv);
	CHECK_EQ(f.u.history.before, before);
	CHECK_EQ(f.u.history.limit, limit);
	codec_frame_free(&f);
}

static void test_history(void)
{
	check_history("{\"type\":\"history\",\"conv\":4}", 4, 0, 50);
	check_history("{\"type\":\"history\",\"conv\":4,\"before\":99,\"limit\":20}", 4, 99, 20);
	check_history("{\"type\":\"history\",\"conv\":4,\"limit\":1000}", 4, 0, 500);
	check_history("{\"type\":\"history\",\"conv\":4,\"before\":1}", 4, 1, 50);

	static const char *const bad[] = {
	    "{\"type\":\"history\"}",
	    "{\"type\":\"history\",\"conv\":0}",
	    "{\"type\":\"history\",\"conv\":\"4\"}",
	    "{\"type\":\"history\",\"conv\":4.0}",
	    "{\"type\":\"history\",\"conv\":null}",
	    "{\"type\":\"history\",\"conv\":4,\"before\":0}",
	    "{\"type\":\"history\",\"conv\":4,\"before\":-3}",
	    "{\"type\":\"history\",\"conv\":4,\"before\":\"9\"}",
	    "{\"type\":\"history\",\"conv\":4,\"before\":null}",
	    "{\"type\":\"history\",\"conv\":4,\"limit\":0}",
	    "{\"type\":\"history\",\"conv\":4,\"limit\":2.5}",
	    "{\"type\":\"history\",\"conv\":4,\"limit\":true}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_frame(bad[i], ERR_BAD_REQUEST);
}

static void test_read(void)
{
	struct frame f;
	const char *why;

	CHECK_EQ(dec("{\"type\":\"read\",\"conv\":2,\"upto\":17,\"ref\":\"rd\"}", &f, &why),
	         ERR_OK);
	CHECK_EQ(f.type, FRAME_READ);
	CHECK_EQ(f.u.read.conv, 2);
	CHECK_EQ(f.u.read.upto, 17);
	CHECK_STR(f.ref, "rd");
	codec_frame_free(&f);

	CHECK_EQ(dec("{\"type\":\"read\",\"conv\":2,\"upto\":0}", &f, &why), ERR_OK);
	CHECK_EQ(f.u.read.upto, 0);
	codec_frame_free(&f);

	static const char *const bad[] = {
	    "{\"type\":\"read\",\"conv\":2}",
	    "{\"type\":\"read\",\"upto\":2}",
	    "{\"type\":\"read\",\"conv\":0,\"upto\":2}",
	    "{\"type\":\"read\",\"conv\":2,\"upto\":-1}",
	    "{\"type\":\"read\",\"conv\":2,\"upto\":\"3\"}",
	    "{\"type\":\"read\",\"conv\":2,\"upto\":3.0}",
	    "{\"type\":\"read\",\"conv\":2,\"upto\":null}",
	    "{\"type\":\"read\",\"conv\":true,\"upto\":3}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_frame(bad[i], ERR_BAD_REQUEST);
}

/* ---- HTTP request bodies ---------------------------------------------------- */

static int login(const char *text, struct req_login *r)
{
	const char *why = "unset";
	int rc = codec_decode_login(text, strlen(text), r, &why);
	CHECK(rc == ERR_OK ? why == NULL : why != NULL);
	return rc;
}

static void test_login(void)
{
	struct req_login r;
	char *u200 = repeat("u", 200), *u201 = repeat("u", 201), *p1024 = repeat("p", 1024),
	     *p1025 = repeat("p", 1025), *text;

	CHECK_EQ(login("{\"username\":\"anna\",\"password\":\"s3cret " AE "\"}", &r), ERR_OK);
	CHECK_STR(r.username, "anna");
	CHECK_STR(r.password, "s3cret " AE);
	codec_login_free(&r);
	CHECK(r.username == NULL && r.password == NULL);
	codec_login_free(&r);

	text = fmt("{\"username\":\"%s\",\"password\":\"%s\"}", u200, p1024);
	CHECK_EQ(login(text, &r), ERR_OK);
	codec_login_free(&r);
	free(text);
	text = fmt("{\"username\":\"%s\",\"password\":\"x\"}", u201);
	CHECK_EQ(login(text, &r), ERR_BAD_REQUEST);
	CHECK(r.username == NULL);
	codec_login_free(&r);
	free(text);
	text = fmt("{\"username\":\"a\",\"password\":\"%s\"}", p1025);
	CHECK_EQ(login(text, &r), ERR_BAD_REQUEST);
	CHECK(r.username == NULL && r.password == NULL);
	codec_login_free(&r);
	free(text);

	static const char *const bad[] = {
	    "",
	    "[]",
	    "{",
	    "{}",
	    "{\"username\":\"a\"}",
	    "{\"password\":\"a\"}",
	    "{\"username\":\"\",\"password\":\"a\"}",
	    "{\"username\":\"a\",\"password\":\"\"}",
	    "{\"username\":1,\"password\":\"a\"}",
	    "{\"username\":\"a\",\"password\":1234}",
	    "{\"username\":null,\"password\":\"a\"}",
	    "{\"username\":\"a\",\"password\":true}",
	    "{\"username\":\"a\",\"username\":\"b\",\"password\":\"a\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(login(bad[i], &r), ERR_BAD_REQUEST);
		codec_login_free(&r);
	}
	free(u200);
	free(u201);
	free(p1024);
	free(p1025);
}

static int enrol(const char *text, struct req_enrol *r)
{
	const char *why = "unset";
	int rc = codec_decode_enrol(text, strlen(text), r, &why);
	CHECK(rc == ERR_OK ? why == NULL : why != NULL);
	return rc;
}

static void test_enrol(void)
{
	struct req_enrol r;
	char *d200 = repeat(AE, 100), *d201 = repeat("d", 201), *c64 = repeat("C", 64),
	     *c65 = repeat("C", 65), *text;

	CHECK_EQ(enrol("{\"code\":\"ABCD-1234\",\"device\":\"  Mettes iPhone " AE "\\n\"}", &r),
	         ERR_OK);
	CHECK_STR(r.code, "ABCD-1234");
	CHECK_STR(r.device, "Mettes iPhone " AE);
	codec_enrol_free(&r);
	CHECK(r.code == NULL && r.device == NULL);

	/* 100 two-byte characters are 200 bytes: fine; 201 bytes are not. */
	text = fmt("{\"code\":\"%s\",\"device\":\"" NBSP "%s \"}", c64, d200);
	CHECK_EQ(enrol(text, &r), ERR_OK);
	CHECK_STR(r.device, d200);
	codec_enrol_free(&r);
	free(text);
	text = fmt("{\"code\":\"c\",\"device\":\"%s\"}", d201);
	CHECK_EQ(enrol(text, &r), ERR_BAD_REQUEST);
	CHECK(r.code == NULL && r.device == NULL);
	codec_enrol_free(&r);
	free(text);
	text = fmt("{\"code\":\"%s\",\"device\":\"d\"}", c65);
	CHECK_EQ(enrol(text, &r), ERR_BAD_REQUEST);
	codec_enrol_free(&r);
	free(text);

	static const char *const bad[] = {
	    "{\"code\":\"\",\"device\":\"d\"}",
	    "{\"code\":\"c\",\"device\":\"\"}",
	    "{\"code\":\"c\",\"device\":\" \\t \"}",
	    "{\"code\":\"c\"}",
	    "{\"device\":\"d\"}",
	    "{\"code\":1234,\"device\":\"d\"}",
	    "{\"code\":\"c\",\"device\":5}",
	    "{\"code\":null,\"device\":\"d\"}",
	    "[\"c\",\"d\"]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(enrol(bad[i], &r), ERR_BAD_REQUEST);
		codec_enrol_free(&r);
	}
	free(d200);
	free(d201);
	free(c64);
	free(c65);
}

static int conv_create(const char *text, struct req_conv_create *r)
{
	const char *why = "unset";
	int rc = codec_decode_conv_create(text, strlen(text), r, &why);
	CHECK(rc == ERR_OK ? why == NULL : why != NULL);
	return rc;
}

/* A members array [first, first+1, ...] of n ids. */
static char *id_array(size_t n, int first)
{
	char *s = strdup("[");
	for (size_t i = 0; i < n; i++) {
		char *t = fmt("%s%s%d", s, i ? "," : "", first + (int)i);
		free(s);
		s = t;
	}
	char *t = fmt("%s]", s);
	free(s);
	return t;
}

static void test_conv_create(void)
{
	struct req_conv_create r;
	char *text, *ids;

	CHECK_EQ(
	    conv_create("{\"family\":3,\"title\":\"  Jonas' tr" AE "d \",\"members\":[5,7]}", &r),
	    ERR_OK);
	CHECK_EQ(r.family, 3);
	CHECK_STR(r.title, "Jonas' tr" AE "d");
	CHECK_EQ(r.n_members, 2);
	CHECK_EQ(r.members[0], 5);
	CHECK_EQ(r.members[1], 7);
	codec_conv_create_free(&r);
	CHECK(r.title == NULL && r.members == NULL && r.n_members == 0);

	ids = id_array(100, 1);
	text = fmt("{\"family\":1,\"title\":\"t\",\"members\":%s}", ids);
	CHECK_EQ(conv_create(text, &r), ERR_OK);
	CHECK_EQ(r.n_members, 100);
	CHECK_EQ(r.members[99], 100);
	codec_conv_create_free(&r);
	free(text);
	free(ids);

	ids = id_array(101, 1);
	text = fmt("{\"family\":1,\"title\":\"t\",\"members\":%s}", ids);
	CHECK_EQ(conv_create(text, &r), ERR_BAD_REQUEST);
	CHECK(r.members == NULL && r.title == NULL);
	codec_conv_create_free(&r);
	free(text);
	free(ids);

	char *t201 = repeat("t", 201);
	text = fmt("{\"family\":1,\"title\":\"%s\",\"members\":[1]}", t201);
	CHECK_EQ(conv_create(text, &r), ERR_BAD_REQUEST);
	codec_conv_create_free(&r);
	free(text);
	free(t201);

	static const char *const bad[] = {
	    "{\"family\":1,\"title\":\"t\",\"members\":[]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":[1,2,1]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":[0]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":[-2]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":[\"3\"]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":[3.0]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":[null]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":[true]}",
	    "{\"family\":1,\"title\":\"t\",\"members\":5}",
	    "{\"family\":1,\"title\":\"t\",\"members\":{\"a\":1}}",
	    "{\"family\":1,\"title\":\"t\",\"members\":null}",
	    "{\"family\":1,\"title\":\"t\"}",
	    "{\"family\":1,\"title\":\" \\n \",\"members\":[1]}",
	    "{\"family\":1,\"title\":\"\",\"members\":[1]}",
	    "{\"family\":1,\"title\":7,\"members\":[1]}",
	    "{\"family\":1,\"members\":[1]}",
	    "{\"family\":0,\"title\":\"t\",\"members\":[1]}",
	    "{\"family\":\"1\",\"title\":\"t\",\"members\":[1]}",
	    "{\"title\":\"t\",\"members\":[1]}",
	    "[1]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(conv_create(bad[i], &r), ERR_BAD_REQUEST);
		CHECK(r.members == NULL && r.title == NULL);
		codec_conv_create_free(&r);
	}
}

static void test_invite(void)
{
	struct req_invite r;
	const char *why = "unset";

	CHECK_EQ(codec_decode_invite("{\"member\":12}", 13, &r, &why), ERR_OK);
	CHECK_EQ(r.member, 12);
	CHECK(why == NULL);

	static const char *const bad[] = {
	    "{}",
	    "{\"member\":0}",
	    "{\"member\":-1}",
	    "{\"member\":\"12\"}",
	    "{\"member\":12.0}",
	    "{\"member\":null}",
	    "{\"member\":true}",
	    "[12]",
	    "12",
	    "nope",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_EQ(codec_decode_invite(bad[i], strlen(bad[i]), &r, &why), ERR_BAD_REQUEST);
		CHECK(why != NULL);
	}
}

/* ---- Names and lists ----------------------------------------------------------- */

static void test_names(void)
{
	enum role role;
	enum msg_kind kind;

	CHECK_STR(role_name(ROLE_FAMILY), "family");
	CHECK_STR(role_name(ROLE_ADVISER), "adviser");
	CHECK_STR(role_name(ROLE_ADMIN), "admin");
	CHECK_STR(msg_kind_name(KIND_TEXT), "text");
	CHECK_STR(msg_kind_name(KIND_NOTE), "note");
	CHECK_STR(msg_kind_name(KIND_SYSTEM), "system");
	CHECK(role_name((enum role)0) != NULL);
	CHECK(msg_kind_name((enum msg_kind)99) != NULL);

	CHECK_EQ(role_parse("adviser", &role), 0);
	CHECK_EQ(role, ROLE_ADVISER);
	CHECK_EQ(role_parse("admin", &role), 0);
	CHECK_EQ(role, ROLE_ADMIN);
	CHECK_EQ(role_parse("family", &role), 0);
	CHECK_EQ(role, ROLE_FAMILY);
	CHECK_EQ(role_parse("Admin", &role), -1);
	CHECK_EQ(role_parse("", &role), -1);
	CHECK_EQ(role_parse(NULL, &role), -1);
	CHECK_EQ(msg_kind_parse("note", &kind), 0);
	CHECK_EQ(kind, KIND_NOTE);
	CHECK_EQ(msg_kind_parse("system", &kind), 0);
	CHECK_EQ(kind, KIND_SYSTEM);
	CHECK_EQ(msg_kind_parse("text", &kind), 0);
	CHECK_EQ(kind, KIND_TEXT);
	CHECK_EQ(msg_kind_parse("texts", &kind), -1);
}

static void test_lists(void)
{
	struct msg_list ml = {0};
	struct conv_list cl = {0};
	struct log_list ll = {0};
	bool zeroed = true;

	for (int i = 0; i < 1000; i++) {
		struct msg *m = msg_list_push(&ml);
		CHECK(m != NULL);
		zeroed = zeroed && m->id == 0 && m->body == NULL && m->client_id[0] == '\0';
		m->id = i + 1;
		m->body = strdup("b");
	}
	CHECK(zeroed);
	CHECK_EQ(ml.n, 1000);
	CHECK(ml.cap >= 1000 && ml.cap < 4000);
	CHECK_EQ(ml.v[999].id, 1000);
	msg_clear(&ml.v[3]);
	CHECK(ml.v[3].body == NULL);
	msg_list_free(&ml);
	CHECK(ml.v == NULL && ml.n == 0 && ml.cap == 0);
	msg_list_free(&ml);

	for (int i = 0; i < 20; i++) {
		struct conv *c = conv_list_push(&cl);
		CHECK(c != NULL && c->members == NULL && c->n_members == 0);
		c->members = calloc(3, sizeof(*c->members));
		c->n_members = 3;
	}
	CHECK_EQ(cl.n, 20);
	conv_list_free(&cl);
	CHECK(cl.v == NULL && cl.n == 0);

	for (int i = 0; i < 20; i++) {
		struct log_entry *e = log_list_push(&ll);
		CHECK(e != NULL && e->detail == NULL);
		e->detail = strdup("d");
	}
	CHECK_EQ(ll.n, 20);
	log_list_free(&ll);
	CHECK(ll.v == NULL && ll.n == 0);
}

/* ---- Encoders ---------------------------------------------------------------- */

#define TS_MS  1795428930123LL /* 2026-11-23T10:15:30.123Z */
#define TS_TXT "2026-11-23T10:15:30.123Z"

static void fill_msg(struct msg *m, int64_t id, enum msg_kind kind, const char *body)
{
	m->id = id;
	m->conv = 4;
	m->family = 2;
	m->sender = (struct user_ref){.id = 9, .role = ROLE_ADVISER};
	strcpy(m->sender.name, "Anna J" AE "nsen");
	m->kind = kind;
	m->body = strdup(body);
	strcpy(m->client_id, "cid-" AE);
	m->created_at = TS_MS;
}

static void check_msg(const json_t *j, int64_t id, const char *kind, const char *body)
{
	CHECK(json_is_object(j));
	CHECK_EQ(json_object_size(j), 8);
	CHECK_EQ(jint(j, "id"), id);
	CHECK_EQ(jint(j, "conv"), 4);
	CHECK_EQ(jint(j, "family"), 2);
	check_user(json_object_get(j, "sender"), 9, "Anna J" AE "nsen", "adviser");
	CHECK_STR(jstr(j, "kind"), kind);
	CHECK_STR(jstr(j, "body"), body);
	CHECK_STR(jstr(j, "client_id"), "cid-" AE);
	CHECK_STR(jstr(j, "created_at"), TS_TXT);
}

static void fill_conv(struct conv *c)
{
	c->id = 4;
	c->family_id = 2;
	strcpy(c->family_name, "Familien Hansen");
	strcpy(c->title, "Familien Hansen " AE);
	c->members = calloc(2, sizeof(*c->members));
	c->n_members = 2;
	c->members[0] = (struct user_ref){.id = 5, .name = "Mette Hansen", .role = ROLE_FAMILY};
	c->members[1] = (struct user_ref){.id = 9, .name = "Anna", .role = ROLE_ADVISER};
	c->primary_id = 9;
	c->secondary_id = 10;
	c->reads = calloc(1, sizeof(*c->reads));
	c->n_reads = 1;
	c->reads[0] = (struct read_pos){.user = c->members[1], .upto = 70, .at = 1795428930123};
	c->last_id = 77;
	c->read_upto = 70;
	c->unread = 7;
}

static void check_conv(const json_t *j)
{
	const json_t *fam = json_object_get(j, "family"), *mem = json_object_get(j, "members");
	CHECK(json_is_object(j));
	CHECK_EQ(json_object_size(j), 10);
	CHECK_EQ(jint(j, "id"), 4);
	CHECK_EQ(jint(fam, "id"), 2);
	CHECK_STR(jstr(fam, "name"), "Familien Hansen");
	CHECK_STR(jstr(j, "title"), "Familien Hansen " AE);
	CHECK(json_is_array(mem) && json_array_size(mem) == 2);
	check_user(json_array_get(mem, 0), 5, "Mette Hansen", "family");
	check_user(json_array_get(mem, 1), 9, "Anna", "adviser");
	CHECK_EQ(jint(j, "primary"), 9);
	CHECK_EQ(jint(j, "secondary"), 10);
	const json_t *reads = json_object_get(j, "reads");
	CHECK(json_is_array(reads) && json_array_size(reads) == 1);
	const json_t *r0 = json_array_get(reads, 0);
	check_user(json_object_get(r0, "user"), 9, "Anna", "adviser");
	CHECK_EQ(jint(r0, "upto"), 70);
	CHECK_STR(jstr(r0, "at"), "2026-11-23T10:15:30.123Z");
	CHECK_EQ(jint(j, "last_id"), 77);
	CHECK_EQ(jint(j, "read_upto"), 70);
	CHECK_EQ(jint(j, "unread"), 7);
}

/* Compact output keeps UTF-8 raw and has no insignificant white space. */
static void check_compact(const char *out)
{
	CHECK(out != NULL);
	if (!out)
		return;
	CHECK(strstr(out, "\\u") == NULL);
	CHECK(strstr(out, "\": ") == NULL);
	CHECK(strstr(out, ", \"") == NULL);
	CHECK(strchr(out, '\n') == NULL);
}

static const struct user_ref mette = {.id = 5, .name = "Mette " AE, .role = ROLE_FAMILY};

static void test_encode_welcome(void)
{
	struct conv_list cl = {0};
	char *out;
	json_t *j;

	fill_conv(conv_list_push(&cl));
	out = codec_encode_welcome(&mette, TS_MS, 77, &cl);
	check_compact(out);
	CHECK(strstr(out, "Mette " AE) != NULL);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "welcome");
	CHECK(json_object_get(j, "ref") == NULL);
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	CHECK_STR(jstr(j, "server_time"), TS_TXT);
	CHECK_EQ(jint(j, "last_id"), 77);
	CHECK_EQ(json_array_size(json_object_get(j, "conversations")), 1);
	check_conv(json_array_get(json_object_get(j, "conversations"), 0));
	json_decref(j);
	free(out);

	/* An admin sees no conversations: an empty array, not a missing one. */
	out = codec_encode_welcome(&mette, 0, 0, NULL);
	j = parse(out);
	CHECK(json_is_array(json_object_get(j, "conversations")));
	CHECK_EQ(json_array_size(json_object_get(j, "conversations")), 0);
	CHECK_STR(jstr(j, "server_time"), "1970-01-01T00:00:00.000Z");
	json_decref(j);
	free(out);

	out = codec_encode_me(&mette, &cl);
	check_compact(out);
	j = parse(out);
	CHECK_EQ(json_object_size(j), 2);
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	check_conv(json_array_get(json_object_get(j, "conversations"), 0));
	json_decref(j);
	free(out);

	out = codec_encode_conv(&cl.v[0]);
	check_compact(out);
	j = parse(out);
	check_conv(j);
	json_decref(j);
	free(out);
	conv_list_free(&cl);
}

static void test_encode_messages(void)
{
	struct msg_list ml = {0};
	char *out;
	json_t *j, *a;

	fill_msg(msg_list_push(&ml), 10, KIND_TEXT, "Hej \"du\"\n" BEH);
	fill_msg(msg_list_push(&ml), 11, KIND_NOTE, "intern note");
	fill_msg(msg_list_push(&ml), 12, KIND_SYSTEM, "joined");

	out = codec_encode_ack("r1", "cid-" AE, &ml.v[0]);
	check_compact(out);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "ack");
	CHECK_STR(jstr(j, "ref"), "r1");
	CHECK_STR(jstr(j, "client_id"), "cid-" AE);
	check_msg(json_object_get(j, "message"), 10, "text", "Hej \"du\"\n" BEH);
	json_decref(j);
	free(out);

	out = codec_encode_ack(NULL, "cid-" AE, &ml.v[1]);
	j = parse(out);
	CHECK(json_object_get(j, "ref") == NULL);
	CHECK_EQ(json_object_size(j), 3);
	check_msg(json_object_get(j, "message"), 11, "note", "intern note");
	json_decref(j);
	free(out);

	out = codec_encode_messages("sy", &ml, true);
	check_compact(out);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "messages");
	CHECK_STR(jstr(j, "ref"), "sy");
	CHECK(json_is_true(json_object_get(j, "more")));
	a = json_object_get(j, "messages");
	CHECK_EQ(json_array_size(a), 3);
	check_msg(json_array_get(a, 1), 11, "note", "intern note");
	check_msg(json_array_get(a, 2), 12, "system", "joined");
	json_decref(j);
	free(out);

	out = codec_encode_messages(NULL, NULL, false);
	CHECK_STR(out, "{\"type\":\"messages\",\"messages\":[],\"more\":false}");
	free(out);

	out = codec_encode_message(&ml.v[0]);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "message");
	CHECK_EQ(json_object_size(j), 2);
	check_msg(json_object_get(j, "message"), 10, "text", "Hej \"du\"\n" BEH);
	json_decref(j);
	free(out);

	out = codec_encode_http_messages(&ml, false);
	j = parse(out);
	CHECK_EQ(json_object_size(j), 2);
	CHECK(json_is_false(json_object_get(j, "more")));
	check_msg(json_array_get(json_object_get(j, "messages"), 0), 10, "text",
	          "Hej \"du\"\n" BEH);
	json_decref(j);
	free(out);
	msg_list_free(&ml);
}

static void test_encode_small_frames(void)
{
	char *out;
	json_t *j;

	out = codec_encode_receipt("rr", 4, &mette, 17, TS_MS);
	check_compact(out);
	j = parse(out);
	CHECK_STR(jstr(j, "type"), "receipt");
	CHECK_STR(jstr(j, "ref"), "rr");
	CHECK_EQ(jint(j, "conv"), 4);
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	CHECK_EQ(jint(j, "upto"), 17);
	CHECK_STR(jstr(j, "at"), TS_TXT);
	json_decref(j);
	free(out);
	out = codec_encode_receipt(NULL, 4, &mette, 17, TS_MS);
	j = parse(out);
	CHECK(json_object_get(j, "ref") == NULL);
	json_decref(j);
	free(out);

	out = codec_encode_error("e1", ERR_TOO_LARGE, "too long");
	CHECK_STR(
	    out,
	    "{\"type\":\"error\",\"ref\":\"e1\",\"code\":\"too_large\",\"message\":\"too long\"}");
	free(out);
	out = codec_encode_error(NULL, ERR_BAD_REQUEST, NULL);
	j = parse(out);
	CHECK(json_object_get(j, "ref") == NULL);
	CHECK_STR(jstr(j, "code"), "bad_request");
	CHECK_STR(jstr(j, "message"), err_message(ERR_BAD_REQUEST));
	json_decref(j);
	free(out);

	out = codec_encode_pong("p1");
	CHECK_STR(out, "{\"type\":\"pong\",\"ref\":\"p1\"}");
	free(out);
	out = codec_encode_pong(NULL);
	CHECK_STR(out, "{\"type\":\"pong\"}");
	free(out);
	/* A ref with characters that need escaping round-trips. */
	out = codec_encode_pong("a\"b\\c" AE);
	j = parse(out);
	CHECK_STR(jstr(j, "ref"), "a\"b\\c" AE);
	json_decref(j);
	free(out);
}

static void test_encode_http(void)
{
	char *out;
	json_t *j;

	out = codec_encode_http_error(ERR_UNAUTHORIZED, "Wrong user name or password.");
	CHECK_STR(out, "{\"error\":{\"code\":\"unauthorized\","
	               "\"message\":\"Wrong user name or password.\"}}");
	free(out);
	out = codec_encode_http_error(ERR_RATE_LIMITED, NULL);
	j = parse(out);
	CHECK_STR(jstr(json_object_get(j, "error"), "code"), "rate_limited");
	CHECK_STR(jstr(json_object_get(j, "error"), "message"), err_message(ERR_RATE_LIMITED));
	json_decref(j);
	free(out);

	out = codec_encode_login("tok", TS_MS, &mette);
	check_compact(out);
	j = parse(out);
	CHECK_EQ(json_object_size(j), 3);
	CHECK_STR(jstr(j, "token"), "tok");
	CHECK_STR(jstr(j, "expires_at"), TS_TXT);
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	json_decref(j);
	free(out);

	out = codec_encode_enrol("tok2", &mette, 31, "Mettes iPhone " AE);
	j = parse(out);
	CHECK_EQ(json_object_size(j), 3);
	CHECK_STR(jstr(j, "token"), "tok2");
	check_user(json_object_get(j, "user"), 5, "Mette " AE, "family");
	CHECK_EQ(jint(json_object_get(j, "device"), "id"), 31);
	CHECK_STR(jstr(json_object_get(j, "device"), "name"), "Mettes iPhone " AE);
	json_decref(j);
	free(out);

	out = codec_encode_invite("K7Q2-ZZ", TS_MS);
	CHECK_STR(out, "{\"code\":\"K7Q2-ZZ\",\"expires_at\":\"" TS_TXT "\"}");
	free(out);

	out = codec_encode_health(NULL);
	CHECK_STR(out, "{\"status\":\"ok\"}");
	free(out);
	out = codec_encode_health("degraded");
	CHECK_STR(out, "{\"status\":\"degraded\"}");
	free(out);
}

static void fill_log(struct log_list *l)
{
	struct log_entry *e = log_list_push(l);
	e->id = 1;
	e->at = TS_MS;
	strcpy(e->kind, "message");
	e->actor = (struct user_ref){.id = 9, .name = "Anna J" AE "nsen", .role = ROLE_ADVISER};
	e->conv = 4;
	e->message = 10;
	e->detail = strdup("Sent \"hej\", then left");

	e = log_list_push(l);
	e->id = 2;
	e->at = 0;
	strcpy(e->kind, "login");
	e->actor = (struct user_ref){.id = 5, .name = "=cmd|' /C calc'!A0", .role = ROLE_FAMILY};
	e->detail = strdup("@SUM(1,2)");

	e = log_list_push(l);
	e->id = 3;
	e->at = TS_MS;
	strcpy(e->kind, "access");
	e->actor = (struct user_ref){.id = 6, .name = "-Bo", .role = ROLE_ADVISER};
	e->conv = 4;
	e->detail = strdup("line one\nline two");

	e = log_list_push(l);
	e->id = 4;
	e->at = TS_MS;
	strcpy(e->kind, "denied");
	e->actor = (struct user_ref){.id = 7, .name = "+45 1234", .role = ROLE_ADVISER};
	e->detail = strdup("\tx");

	e = log_list_push(l);
	e->id = 5;
	e->at = TS_MS;
	strcpy(e->kind, "enrol");
	e->actor = (struct user_ref){.id = 5, .name = "Mette", .role = ROLE_FAMILY};
	e->detail = NULL;
}

static void test_encode_log_json(void)
{
	struct log_list l = {0};
	char *out;
	json_t *j, *a, *e;

	fill_log(&l);
	out = codec_encode_log_json(&l);
	check_compact(out);
	j = parse(out);
	a = json_object_get(j, "entries");
	CHECK_EQ(json_array_size(a), 5);
	e = json_array_get(a, 0);
	CHECK_EQ(json_object_size(e), 7);
	CHECK_EQ(jint(e, "id"), 1);
	CHECK_STR(jstr(e, "at"), TS_TXT);
	CHECK_STR(jstr(e, "kind"), "message");
	check_user(json_object_get(e, "actor"), 9, "Anna J" AE "nsen", "adviser");
	CHECK_EQ(jint(e, "conv"), 4);
	CHECK_EQ(jint(e, "message"), 10);
	CHECK_STR(jstr(e, "detail"), "Sent \"hej\", then left");
	e = json_array_get(a, 1);
	CHECK(json_is_null(json_object_get(e, "conv")));
	CHECK(json_is_null(json_object_get(e, "message")));
	/* JSON needs no spreadsheet guard: the text is kept exactly. */
	CHECK_STR(jstr(json_object_get(e, "actor"), "name"), "=cmd|' /C calc'!A0");
	e = json_array_get(a, 2);
	CHECK_EQ(jint(e, "conv"), 4);
	CHECK(json_is_null(json_object_get(e, "message")));
	CHECK_STR(jstr(json_array_get(a, 4), "detail"), "");
	json_decref(j);
	free(out);

	out = codec_encode_log_json(NULL);
	CHECK_STR(out, "{\"entries\":[]}");
	free(out);
	log_list_free(&l);
}

/* The contact log's rows through the one CSV writer (core/codec/csv.h):
 * Danish headings, Danish time beside UTC, every text field quoted and
 * guarded; and a page of the JSON with its cursor. */
static char *log_csv(const struct log_list *l)
{
	struct csv w;
	char *out;
	size_t len;
	csv_init(&w, CSV_SEPARATOR);
	codec_log_csv_header(&w);
	codec_log_csv_rows(&w, l);
	CHECK(csv_take(&w, &out, &len));
	return out;
}

static void test_encode_log_csv(void)
{
	struct log_list l = {0};
	char *out;

	fill_log(&l);
	out = log_csv(&l);
	CHECK(out != NULL);
	CHECK_STR(
	    out,
	    "\"Id\";\"Tidspunkt (dansk tid)\";\"Tidspunkt (UTC)\";\"H" AE "ndelse\";"
	    "\"Akt\xc3\xb8r-id\";\"Akt\xc3\xb8r\";\"Samtale\";\"Besked\";\"Detaljer\"\r\n"
	    "1;\"2026-11-23 11:15:30\";\"" TS_TXT "\";\"message\";9;\"Anna J" AE "nsen\";4;10;"
	    "\"Sent \"\"hej\"\", then left\"\r\n"
	    "2;\"1970-01-01 01:00:00\";\"1970-01-01T00:00:00.000Z\";\"login\";5;"
	    "\"'=cmd|' /C calc'!A0\";;;\"'@SUM(1,2)\"\r\n"
	    "3;\"2026-11-23 11:15:30\";\"" TS_TXT "\";\"access\";6;\"'-Bo\";4;;"
	    "\"line one\nline two\"\r\n"
	    "4;\"2026-11-23 11:15:30\";\"" TS_TXT "\";\"denied\";7;\"'+45 1234\";;;\"'\tx\"\r\n"
	    "5;\"2026-11-23 11:15:30\";\"" TS_TXT "\";\"enrol\";5;\"Mette\";;;\"\"\r\n");
	free(out);
	log_list_free(&l);

	/* A formula after a separator inside a field is guarded too. */
	struct log_entry *e = log_list_push(&l);
	e->id = 8;
	strcpy(e->kind, "enrol");
	e->actor = (struct user_ref){.id = 1, .name = "A", .role = ROLE_FAMILY};
	e->detail = strdup("Phone;=cmd|' /C calc'!A0,@x");
	out = log_csv(&l);
	CHECK(out && strstr(out, ";\"Phone;'=cmd|' /C calc'!A0,'@x\"\r\n") != NULL);
	free(out);

	/* A page of the JSON: the cursor, or null at the end. */
	out = codec_encode_log_page(&l, 8);
	CHECK(out && strstr(out, "\"next\":8") != NULL && strstr(out, "\"entries\":[{") == out + 1);
	free(out);
	out = codec_encode_log_page(NULL, 0);
	CHECK_STR(out, "{\"entries\":[],\"next\":null}");
	free(out);
	log_list_free(&l);
}

/* The additions: a "conversation" frame and the family's device list. */
static void test_encode_additions(void)
{
	struct conv c = {0};
	fill_conv(&c);
	char *out = codec_encode_conversation(&c);
	json_t *j = parse(out);
	CHECK_STR(jstr(j, "type"), "conversation");
	CHECK(json_object_get(j, "ref") == NULL);
	check_conv(json_object_get(j, "conversation"));
	json_decref(j);
	free(out);
	conv_clear(&c);

	struct device_list l = {0};
	struct device_entry *d = device_list_push(&l);
	CHECK(d != NULL);
	d->id = 3;
	strcpy(d->name, "Mettes telefon");
	d->user = (struct user_ref){.id = 5, .name = "Mette Hansen", .role = ROLE_FAMILY};
	d->created_at = 1795428930123;
	d = device_list_push(&l);
	d->id = 4;
	strcpy(d->name, "gammel");
	d->user = l.v[0].user;
	d->created_at = 1795428930123;
	d->revoked_at = 1795428930124;
	out = codec_encode_devices(&l);
	j = parse(out);
	const json_t *a = json_object_get(j, "devices");
	CHECK(json_is_array(a) && json_array_size(a) == 2);
	CHECK_EQ(jint(json_array_get(a, 0), "id"), 3);
	CHECK(json_is_null(json_object_get(json_array_get(a, 0), "revoked_at")));
	CHECK_STR(jstr(json_array_get(a, 1), "revoked_at"), "2026-11-23T10:15:30.124Z");
	check_user(json_object_get(json_array_get(a, 1), "user"), 5, "Mette Hansen", "family");
	json_decref(j);
	free(out);
	device_list_free(&l);
}

/* The direct writer must write exactly what jansson writes for the same
 * string: every ASCII byte (control characters, quote, backslash, DEL),
 * two-, three- and four-byte UTF-8, and random mixes of them. */
static void test_jsonw_matches_jansson(void)
{
	static const char *const pieces[] = {
	    "a", "\"", "\\", "/",  "\x7f", "\xc3\xa6", "\xe2\x80\xa8", "\xf0\x9f\x99\x82",
	    " ", "\n", "\r", "\t", "\b",   "\f",       "\x01",         "\x1f"};
	const size_t n_pieces = sizeof pieces / sizeof pieces[0];
	unsigned seed = 12345;
	int mismatches = 0;
	for (int round = 0; round < 2000; round++) {
		char s[512] = "";
		size_t len = 0;
		if (round < 128) { /* every single ASCII byte first */
			s[0] = (char)(round == 0 ? ' ' : round);
			s[1] = '\0';
		} else {
			int n = (int)(seed % 40);
			for (int i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				const char *p = pieces[(seed >> 16) % n_pieces];
				memcpy(s + len, p, strlen(p) + 1);
				len += strlen(p);
			}
		}
		seed = seed * 1103515245u + 12345u;
		struct jw w;
		jw_init(&w, 8); /* small: growth is exercised too */
		jw_str(&w, s);
		char *ours = jw_finish(&w);
		json_t *j = json_string(s);
		char *theirs = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		if (ours == NULL || theirs == NULL || strcmp(ours, theirs) != 0)
			mismatches++;
		json_decref(j);
		free(ours);
		free(theirs);
	}
	CHECK_EQ(mismatches, 0);
	struct jw w;
	jw_init(&w, 0);
	jw_str(&w, NULL);
	jw_lit(&w, ",");
	jw_int(&w, -9007199254740993LL);
	char *text = jw_finish(&w);
	CHECK_STR(text, "\"\",-9007199254740993");
	free(text);
}

/* Trimming looks only at the ends: strings made of known pieces (spaces of
 * one to three bytes, letters of one to four) keep exactly the span from
 * the first to the last piece that is not space. */
static void test_trim_pieces(void)
{
	static const struct {
		const char *s;
		bool space;
	} pieces[] = {{" ", true},
	              {"\t", true},
	              {"\n", true},
	              {"\xc2\xa0", true},
	              {"\xe3\x80\x80", true},
	              {"\xe2\x80\xa8", true},
	              {"a", false},
	              {"\xc3\xa6", false},
	              {"\xf0\x9f\x99\x82", false},
	              {"\xe2\x82\xac", false}};
	const size_t n_pieces = sizeof pieces / sizeof pieces[0];
	unsigned seed = 7;
	int wrong = 0;
	for (int round = 0; round < 5000; round++) {
		char buf[256];
		size_t len = 0, first = SIZE_MAX, last_end = 0;
		int n = (int)(seed % 12);
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t k = (seed >> 16) % n_pieces;
			size_t pl = strlen(pieces[k].s);
			if (!pieces[k].space) {
				if (first == SIZE_MAX)
					first = len;
				last_end = len + pl;
			}
			memcpy(buf + len, pieces[k].s, pl);
			len += pl;
		}
		seed = seed * 1103515245u + 12345u;
		size_t start = 99, out_len = 99;
		text_trim(buf, len, &start, &out_len);
		size_t want_start = first == SIZE_MAX ? 0 : first;
		size_t want_len = first == SIZE_MAX ? 0 : last_end - first;
		wrong += start != want_start || out_len != want_len;
	}
	CHECK_EQ(wrong, 0);
}

/* ---- The fast scan and jansson decode every frame alike ------------------ */

static unsigned rnd_state = 2026;
static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

static void put_piece(char *buf, size_t *len, const char *piece)
{
	size_t n = strlen(piece);
	if (*len + n < 4000) {
		memcpy(buf + *len, piece, n);
		*len += n;
	}
}

static const char *random_value(void)
{
	static const char *const values[] = {"\"send\"",
	                                     "\"sync\"",
	                                     "\"history\"",
	                                     "\"read\"",
	                                     "\"ping\"",
	                                     "\"auth\"",
	                                     "\"text\"",
	                                     "\"note\"",
	                                     "\"system\"",
	                                     "\"c-1\"",
	                                     "\"r\\u00e6\"",
	                                     "\"h\\u0000j\"",
	                                     "\"hej \\\"du\\\"\\n\"",
	                                     "\"  tr\\tim  \"",
	                                     "\"\xc3\xa6\xf0\x9f\x99\x82\"",
	                                     "\"\\/ok\\\\\"",
	                                     "\"bad \\x\"",
	                                     "\"ctl \x01\"",
	                                     "\"\"",
	                                     "\"   \"",
	                                     "\"\xc3\"",
	                                     "\"\xed\xa0\x80\"",
	                                     "0",
	                                     "1",
	                                     "7",
	                                     "-1",
	                                     "01",
	                                     "1.0",
	                                     "1e3",
	                                     "123456789012345678",
	                                     "1234567890123456789",
	                                     "99999999999999999999",
	                                     "true",
	                                     "false",
	                                     "null",
	                                     "{}",
	                                     "[]",
	                                     "[1,2]",
	                                     "{\"a\":1}",
	                                     "tru",
	                                     "nul",
	                                     "\"x\"x"};
	return values[rnd(sizeof values / sizeof values[0])];
}

static const char *random_key(void)
{
	static const char *const keys[] = {"type",  "ref",   "conv",  "client_id",  "body",
	                                   "kind",  "after", "limit", "before",     "upto",
	                                   "token", "extra", "",      "ty\\u0070e", "b\\\"dy"};
	return keys[rnd(sizeof keys / sizeof keys[0])];
}

static const char *random_space(void)
{
	static const char *const spaces[] = {"", "", "", "", " ", "\n", "\t ", "\r\n"};
	if (rnd(300) == 0)
		return rnd(2) ? "\f" : "\v"; /* not JSON white space */
	return spaces[rnd(sizeof spaces / sizeof spaces[0])];
}

/* A frame: mostly well-formed send frames, with every kind of deviation. */
static size_t random_frame(char *buf)
{
	size_t len = 0;
	put_piece(buf, &len, random_space());
	put_piece(buf, &len, rnd(40) == 0 ? "[" : "{");
	int n = (int)rnd(8);
	bool typical = rnd(3) != 0;
	if (typical)
		n = 5 + (int)rnd(2);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			put_piece(buf, &len, rnd(50) == 0 ? ";" : ",");
		put_piece(buf, &len, random_space());
		static const char *const send[] = {"type", "ref", "conv", "client_id", "body"};
		static const char *const send_values[] = {"\"send\"", "\"r1\"", "3", "\"cid-7\"",
		                                          "\"Hej med dig\""};
		put_piece(buf, &len, "\"");
		put_piece(buf, &len, typical && i < 5 ? send[i] : random_key());
		put_piece(buf, &len, "\"");
		put_piece(buf, &len, random_space());
		put_piece(buf, &len, rnd(60) == 0 ? "=" : ":");
		put_piece(buf, &len, random_space());
		put_piece(buf, &len, typical && i < 5 && rnd(12) ? send_values[i] : random_value());
		put_piece(buf, &len, random_space());
	}
	put_piece(buf, &len, rnd(80) == 0 ? "" : "}");
	put_piece(buf, &len, rnd(80) == 0 ? "x" : random_space());
	if (rnd(80) == 0 && len > 0)
		len = rnd((unsigned)len); /* cut short */
	buf[len] = '\0';
	return len;
}

static bool same_frame(const struct frame *a, const struct frame *b)
{
	if (a->type != b->type || a->has_ref != b->has_ref || strcmp(a->ref, b->ref) != 0)
		return false;
	switch (a->type) {
	case FRAME_AUTH:
		return (a->u.auth.token == NULL) == (b->u.auth.token == NULL) &&
		       (a->u.auth.token == NULL || strcmp(a->u.auth.token, b->u.auth.token) == 0);
	case FRAME_SEND:
		return a->u.send.conv == b->u.send.conv && a->u.send.kind == b->u.send.kind &&
		       strcmp(a->u.send.client_id, b->u.send.client_id) == 0 &&
		       (a->u.send.body == NULL) == (b->u.send.body == NULL) &&
		       (a->u.send.body == NULL || strcmp(a->u.send.body, b->u.send.body) == 0);
	default:
		return memcmp(&a->u, &b->u, sizeof a->u) == 0;
	}
}

static void test_flat_scan_agrees(void)
{
	int differ = 0, fast = 0, accepted = 0;
	const int rounds = 20000;
	for (int round = 0; round < rounds; round++) {
		char text[4100];
		size_t len = random_frame(text);
		struct frame a, b;
		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		const char *why_a = NULL, *why_b = NULL;
		int rc_a = codec_decode_frame(text, len, &a, &why_a);
		int rc_b = codec_decode_frame_tree(text, len, &b, &why_b);
		struct flat flat;
		if (flat_parse(text, len, &flat) == 0) {
			fast++;
			flat_free(&flat);
		}
		accepted += rc_b == ERR_OK;
		bool same = rc_a == rc_b &&
		            (why_a == why_b || (why_a && why_b && !strcmp(why_a, why_b))) &&
		            same_frame(&a, &b);
		if (!same && differ++ < 5)
			fprintf(stderr, "decoders differ on: %s\n", text);
		codec_frame_free(&a);
		codec_frame_free(&b);
	}
	printf("flat scan: %d of %d generated frames taken by the fast scan, %d valid, %d differ\n",
	       fast, rounds, accepted, differ);
	CHECK_EQ(differ, 0);
	CHECK(fast > rounds / 10);
	CHECK(accepted > rounds / 20);
}

/* Timestamps are written without gmtime_r: the same text as gmtime_r and
 * strftime for every kind of instant (leap days, centuries, before 1970). */
static void test_format_ts_matches_libc(void)
{
	int wrong = 0;
	unsigned seed = 99;
	for (int i = 0; i < 200000; i++) {
		int64_t ms;
		if (i < 4) {
			static const int64_t fixed[] = {0, -1, 951782400000LL, 4107542399999LL};
			ms = fixed[i];
		} else {
			seed = seed * 1103515245u + 12345u;
			uint64_t r = ((uint64_t)seed << 20) ^ (uint64_t)(seed >> 3) * 7919u;
			ms = (int64_t)(r % 32503680000000ULL) - 2208988800000LL; /* 1900..2999 */
		}
		char ours[32], want[32];
		text_format_ts(ms, ours);
		int64_t secs = ms / 1000, frac = ms % 1000;
		if (frac < 0) {
			frac += 1000;
			secs -= 1;
		}
		time_t t = (time_t)secs;
		struct tm tm;
		gmtime_r(&t, &tm);
		size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof want - n, ".%03dZ", (int)frac);
		if (strcmp(ours, want) != 0 && wrong++ < 3)
			fprintf(stderr, "ts %lld: %s, want %s\n", (long long)ms, ours, want);
	}
	CHECK_EQ(wrong, 0);
}

int main(void)
{
	test_framing();
	test_ref();
	test_auth();
	test_ping();
	test_send_ok();
	test_send_client_id();
	test_send_fields();
	test_send_body_limits();
	test_sync();
	test_history();
	test_read();
	test_login();
	test_enrol();
	test_conv_create();
	test_invite();
	test_names();
	test_lists();
	test_encode_welcome();
	test_encode_messages();
	test_jsonw_matches_jansson();
	test_trim_pieces();
	test_format_ts_matches_libc();
	test_flat_scan_agrees();
	test_encode_small_frames();
	test_encode_http();
	test_encode_log_json();
	test_encode_log_csv();
	test_encode_additions();
	return check_report("codec");
}
