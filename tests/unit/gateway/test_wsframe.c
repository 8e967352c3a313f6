/*
 * test_wsframe.c - the gateway's own WebSocket framing (gateway/wsframe.c)
 * against RFC 6455: headers compared byte for byte with ones computed by
 * hand from section 5.2 and the examples of section 5.7, at every boundary
 * of the three length forms; the coalescing of a burst into one buffer; and
 * that no extension is ever accepted and an active one turns coalescing off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gateway/wsframe.h"

/* The header for (len, fin, opcode) equals want (n bytes). */
static void check_header(uint64_t len, bool fin, enum wsframe_opcode op, const uint8_t *want,
                         size_t n)
{
	uint8_t out[WSFRAME_HEADER_MAX + 1];
	memset(out, 0xee, sizeof out);
	size_t got = wsframe_header(out, len, fin, op);
	CHECK_EQ(got, n);
	CHECK(got == n && memcmp(out, want, n) == 0);
	CHECK_EQ(out[WSFRAME_HEADER_MAX], 0xee); /* nothing written past the header */
	if (got != n || memcmp(out, want, n) != 0)
		fprintf(stderr, "  header of len=%llu fin=%d op=%d differs\n",
		        (unsigned long long)len, fin, (int)op);
}

/* RFC 6455 5.7: the unmasked examples, as a server sends them. */
static void test_rfc_examples(void)
{
	/* "A single-frame unmasked text message": 0x81 0x05 "Hello". */
	uint8_t buf[16];
	size_t n = wsframe_header(buf, 5, true, WSFRAME_TEXT);
	memcpy(buf + n, "Hello", 5);
	const uint8_t hello[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
	CHECK_EQ(n + 5, sizeof hello);
	CHECK(memcmp(buf, hello, sizeof hello) == 0);

	/* "A fragmented unmasked text message": 0x01 0x03 "Hel", 0x80 0x02 "lo". */
	check_header(3, false, WSFRAME_TEXT, (const uint8_t[]){0x01, 0x03}, 2);
	check_header(2, true, WSFRAME_CONTINUATION, (const uint8_t[]){0x80, 0x02}, 2);

	/* "Unmasked Ping request" 0x89 0x05, and its pong 0x8a 0x05. */
	check_header(5, true, WSFRAME_PING, (const uint8_t[]){0x89, 0x05}, 2);
	check_header(5, true, WSFRAME_PONG, (const uint8_t[]){0x8a, 0x05}, 2);

	/* "256 bytes binary message in a single unmasked frame": 0x82 0x7E 0x0100. */
	check_header(256, true, WSFRAME_BINARY, (const uint8_t[]){0x82, 0x7e, 0x01, 0x00}, 4);

	/* "64KiB binary message in a single unmasked frame":
	 * 0x82 0x7F 0x0000000000010000. */
	check_header(65536, true, WSFRAME_BINARY,
	             (const uint8_t[]){0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0, 0}, 10);
}

/* Section 5.2: 0-125 in 7 bits, 126 then 16 bits up to 65535, 127 then 64
 * bits (most significant bit 0) beyond; the shortest form is required. */
static void test_length_boundaries(void)
{
	check_header(0, true, WSFRAME_TEXT, (const uint8_t[]){0x81, 0x00}, 2);
	check_header(125, true, WSFRAME_TEXT, (const uint8_t[]){0x81, 0x7d}, 2);
	check_header(126, true, WSFRAME_TEXT, (const uint8_t[]){0x81, 0x7e, 0x00, 0x7e}, 4);
	check_header(65535, true, WSFRAME_TEXT, (const uint8_t[]){0x81, 0x7e, 0xff, 0xff}, 4);
	check_header(65536, true, WSFRAME_TEXT,
	             (const uint8_t[]){0x81, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}, 10);
	check_header(0x100000001ull, true, WSFRAME_TEXT,
	             (const uint8_t[]){0x81, 0x7f, 0, 0, 0, 0x01, 0, 0, 0, 0x01}, 10);
	check_header(0x7fffffffffffffffull, true, WSFRAME_TEXT,
	             (const uint8_t[]){0x81, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	             10);
}

/* FIN is bit 7 of the first byte, the opcode its low nibble, RSV1-3 are 0
 * (no extension), and a server's MASK bit (bit 7 of the second) is 0. */
static void test_fin_opcode_mask(void)
{
	const enum wsframe_opcode ops[] = {WSFRAME_CONTINUATION, WSFRAME_TEXT, WSFRAME_BINARY,
	                                   WSFRAME_CLOSE,        WSFRAME_PING, WSFRAME_PONG};
	const uint64_t lens[] = {0, 125, 126, 65535, 65536};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		for (int fin = 0; fin <= 1; fin++)
			for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
				uint8_t out[WSFRAME_HEADER_MAX];
				wsframe_header(out, lens[k], fin, ops[i]);
				CHECK_EQ(out[0], (fin ? 0x80 : 0x00) | (uint8_t)ops[i]);
				CHECK_EQ(out[1] & 0x80, 0);
			}
	check_header(2, true, WSFRAME_CLOSE, (const uint8_t[]){0x88, 0x02}, 2);
}

/* ---- Coalescing ------------------------------------------------------------ */

/* A queue of frames, as a session's outbox hands them out. */
struct fake_queue {
	const char *frames[8];
	size_t n, head;
};

static const uint8_t *fake_next(void *ctx, size_t *len)
{
	struct fake_queue *q = ctx;
	if (q->head == q->n)
		return NULL;
	*len = strlen(q->frames[q->head]);
	return (const uint8_t *)q->frames[q->head];
}

static void fake_done(void *ctx)
{
	((struct fake_queue *)ctx)->head++;
}

static void test_coalesce_burst(void)
{
	struct fake_queue q = {.frames = {"a", "bb", "ccc"}, .n = 3};
	struct wsframe_source src = {fake_next, fake_done, &q};
	uint8_t out[64];
	const uint8_t want[] = {0x81, 1, 'a', 0x81, 2, 'b', 'b', 0x81, 3, 'c', 'c', 'c'};
	size_t used = wsframe_coalesce(out, sizeof out, 0, &src);
	CHECK_EQ(used, sizeof want);
	CHECK(used == sizeof want && memcmp(out, want, used) == 0);
	CHECK_EQ(q.head, 3);
	CHECK_EQ(wsframe_coalesce(out, sizeof out, 0, &src), 0); /* none left */
}

/* A frame that does not fit stays queued, whole, for the next write. */
static void test_coalesce_stops_at_cap(void)
{
	struct fake_queue q = {.frames = {"aaaa", "bbbb", "cccc"}, .n = 3};
	struct wsframe_source src = {fake_next, fake_done, &q};
	uint8_t out[13];
	CHECK_EQ(wsframe_coalesce(out, 12, 0, &src), 12); /* two of 6 bytes */
	CHECK_EQ(q.head, 2);
	CHECK_EQ(wsframe_coalesce(out, 5, 0, &src), 0); /* 6 bytes do not fit in 5 */
	CHECK_EQ(q.head, 2);
}

/* Frames of 126 bytes and more get the 16-bit length form. */
static void test_coalesce_medium_frame(void)
{
	char *big = malloc(300);
	memset(big, 'x', 299);
	big[299] = '\0';
	struct fake_queue q = {.frames = {"hi", big}, .n = 2};
	struct wsframe_source src = {fake_next, fake_done, &q};
	uint8_t out[512];
	size_t used = wsframe_coalesce(out, sizeof out, 0, &src);
	CHECK_EQ(used, 2 + 2 + 4 + 299);
	CHECK_EQ(out[4], 0x81);
	CHECK_EQ(out[5], 126);
	CHECK_EQ(out[6], 299 >> 8);
	CHECK_EQ(out[7], 299 & 0xff);
	CHECK_EQ(q.head, 2);
	free(big);
}

/* With an extension on the connection nothing is framed here: lws must
 * frame each one, through the extension. */
static void test_no_coalescing_with_extension(void)
{
	struct fake_queue q = {.frames = {"a", "bb"}, .n = 2};
	struct wsframe_source src = {fake_next, fake_done, &q};
	uint8_t out[64];
	CHECK_EQ(wsframe_coalesce(out, sizeof out, 1, &src), 0);
	CHECK_EQ(q.head, 0);
}

/* No extension is ever accepted, whatever a client offers. */
static void test_extensions_refused(void)
{
	CHECK(!wsframe_extension_ok("permessage-deflate"));
	CHECK(!wsframe_extension_ok("x-webkit-deflate-frame"));
	CHECK(!wsframe_extension_ok("deflate-frame"));
	CHECK(!wsframe_extension_ok(""));
}

int main(void)
{
	test_rfc_examples();
	test_length_boundaries();
	test_fin_opcode_mask();
	test_coalesce_burst();
	test_coalesce_stops_at_cap();
	test_coalesce_medium_frame();
	test_no_coalescing_with_extension();
	test_extensions_refused();
	return check_report("wsframe");
}
