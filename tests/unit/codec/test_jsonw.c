/*
 * test_jsonw.c - the direct JSON writer (core/codec/jsonw.c) against
 * jansson: the same bytes for every string.
 */
#define _GNU_SOURCE
#include "codec_test.h"
#include "core/codec/jsonw.h"

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

int main(void)
{
	test_jsonw_matches_jansson();
	return check_report("codec: jsonw");
}
