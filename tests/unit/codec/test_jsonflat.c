/*
 * test_jsonflat.c - the flat scanner (core/codec/jsonflat.c), the decoder's
 * fast path for frames without nesting, against jansson: on random frames
 * both decode to the same frame, or both refuse.
 */
#define _GNU_SOURCE
#include "codec_test.h"
#include "core/codec/jsonflat.h"

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

int main(void)
{
	test_flat_scan_agrees();
	return check_report("codec: jsonflat");
}
