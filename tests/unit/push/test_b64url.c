/*
 * test_b64url.c - base64url without padding (core/push/b64url.c): RFC 4648's
 * test vectors, a random round trip, and the strict decoder's refusals.
 */
#include "core/push/b64url.h"
#include "core/common/err.h"
#include "check.h"

#include <openssl/rand.h>

#include <string.h>

/* RFC 4648 section 10, with the padding taken off. */
static void test_rfc4648_vectors(void)
{
	static const struct {
		const char *plain, *coded;
	} v[] = {{"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
	         {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char text[16];
		uint8_t bytes[16];
		size_t n = 99;
		size_t len = strlen(v[i].plain);
		CHECK_EQ(b64url_encoded_len(len), strlen(v[i].coded));
		CHECK_EQ(b64url_encode((const uint8_t *)v[i].plain, len, text, sizeof text),
		         ERR_OK);
		CHECK_STR(text, v[i].coded);
		CHECK_EQ(b64url_decode(v[i].coded, strlen(v[i].coded), bytes, sizeof bytes, &n),
		         ERR_OK);
		CHECK(n == len && memcmp(bytes, v[i].plain, n) == 0);
	}
	/* The URL-safe characters stand where '+' and '/' would. */
	const uint8_t hi[] = {0xfb, 0xff, 0xbf};
	char text[8];
	CHECK_EQ(b64url_encode(hi, sizeof hi, text, sizeof text), ERR_OK);
	CHECK_STR(text, "-_-_");
}

static void test_round_trip(void)
{
	int wrong = 0;
	for (size_t n = 0; n < 300; n++) {
		uint8_t in[300], back[300];
		char text[401];
		size_t m = 0;
		RAND_bytes(in, (int)(n > 0 ? n : 1));
		wrong += b64url_encode(in, n, text, sizeof text) != ERR_OK;
		wrong += strlen(text) != b64url_encoded_len(n);
		wrong += strchr(text, '=') != NULL || strchr(text, '+') || strchr(text, '/');
		wrong += b64url_decode(text, strlen(text), back, sizeof back, &m) != ERR_OK;
		wrong += m != n || memcmp(in, back, n) != 0;
	}
	CHECK_EQ(wrong, 0);
}

static void test_strict(void)
{
	uint8_t out[16];
	size_t n;
	const char *bad[] = {"Zg==", "Zm8=", "Zm9v\n", " Zm9v", "Zm+v",
	                     "Zm/v", "Z",    "Zm9vY",  "Zh", /* low bits set: 'h' leaves 0b0001 */
	                     "Zm9"}; /* low bits of '9' (0b111101) leave 0b01 */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ(b64url_decode(bad[i], strlen(bad[i]), out, sizeof out, &n),
		         ERR_BAD_REQUEST);
	/* Too small an output is its own error, and nothing is written past it. */
	CHECK_EQ(b64url_decode("Zm9vYmFy", 8, out, 5, &n), ERR_TOO_LARGE);
	char small[4];
	CHECK_EQ(b64url_encode((const uint8_t *)"foo", 3, small, sizeof small), ERR_INTERNAL);
}

int main(void)
{
	test_rfc4648_vectors();
	test_round_trip();
	test_strict();
	return check_report("b64url");
}
