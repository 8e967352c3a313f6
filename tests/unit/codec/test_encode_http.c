/*
 * test_encode_http.c - the codec's HTTP response bodies (core/codec,
 * codec_encode.c): errors, sign-in answers and listings, and the contact log
 * as JSON and as CSV, each parsed back.
 */
#define _GNU_SOURCE
#include "codec_test.h"
#include "core/codec/csv.h"

static const struct user_ref mette = {.id = 5, .name = "Mette " AE, .role = ROLE_FAMILY};

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

int main(void)
{
	test_encode_http();
	test_encode_log_json();
	test_encode_log_csv();
	return check_report("codec: encode HTTP bodies");
}
