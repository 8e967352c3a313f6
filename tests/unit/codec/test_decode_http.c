/*
 * test_decode_http.c - the codec's decoding of HTTP request bodies
 * (core/codec, codec_decode.c) against PROTOCOL.md: login, enrolment, a new
 * conversation and an invite, with each bad input the contract names.
 */
#define _GNU_SOURCE
#include "codec_test.h"

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

int main(void)
{
	test_login();
	test_enrol();
	test_conv_create();
	test_invite();
	return check_report("codec: decode HTTP bodies");
}
