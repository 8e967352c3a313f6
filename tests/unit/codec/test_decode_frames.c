/*
 * test_decode_frames.c - the codec's decoding of client frames (core/codec,
 * codec_decode.c) against PROTOCOL.md: framing, type and ref, and every
 * verb (auth, ping, send, sync, history, read) with each bad input the
 * contract names.
 */
#define _GNU_SOURCE
#include "codec_test.h"

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
	CHECK_EQ(f.u.pos.conv, 2);
	CHECK_EQ(f.u.pos.upto, 17);
	CHECK_STR(f.ref, "rd");
	codec_frame_free(&f);

	CHECK_EQ(dec("{\"type\":\"read\",\"conv\":2,\"upto\":0}", &f, &why), ERR_OK);
	CHECK_EQ(f.u.pos.upto, 0);
	codec_frame_free(&f);

	/* "handled" (issue 15) names a position the same way. */
	CHECK_EQ(dec("{\"type\":\"handled\",\"conv\":3,\"upto\":9}", &f, &why), ERR_OK);
	CHECK_EQ(f.type, FRAME_HANDLED);
	CHECK_EQ(f.u.pos.conv, 3);
	CHECK_EQ(f.u.pos.upto, 9);
	codec_frame_free(&f);
	CHECK_EQ(dec("{\"type\":\"handled\",\"conv\":3}", &f, &why), ERR_BAD_REQUEST);

	CHECK_EQ(dec("{\"type\":\"answering\",\"conv\":3}", &f, &why), ERR_OK);
	CHECK_EQ(f.type, FRAME_ANSWERING);
	CHECK_EQ(f.u.answering.conv, 3);
	CHECK(!f.u.answering.stop);
	codec_frame_free(&f);
	CHECK_EQ(dec("{\"type\":\"answering\",\"conv\":3,\"stop\":true}", &f, &why), ERR_OK);
	CHECK(f.u.answering.stop);
	codec_frame_free(&f);
	CHECK_EQ(dec("{\"type\":\"answering\",\"conv\":3,\"stop\":1}", &f, &why), ERR_BAD_REQUEST);

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
	return check_report("codec: decode frames");
}
