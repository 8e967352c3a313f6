/*
 * test_ece.c - Web Push message encryption (core/push/ece.c): RFC 8291's
 * Appendix A byte for byte, every step of the key schedule on the way, then
 * round trips, tampering and the size limit.
 */
#include "core/push/ece.h"
#include "core/push/ece_int.h"
#include "core/push/b64url.h"
#include "core/common/err.h"
#include "check.h"

#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 8291 Appendix A, base64url as printed there (line breaks removed). */
static const char rfc_plaintext[] = "When I grow up, I want to be a watermelon";
static const char rfc_plaintext_b64[] = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24";
static const char rfc_as_public[] =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS"
    "6TlzAC8wEqKK6PBru3jl7A8";
static const char rfc_as_private[] = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
static const char rfc_ua_public[] =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyP"
    "js7Vd8pZGH6SRpkNtoIAiw4";
static const char rfc_ua_private[] = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
static const char rfc_salt[] = "DGv6ra1nlYgDCS1FRnbzlw";
static const char rfc_auth[] = "BTBZMqHH6r4Tts7J_aSIgg";
static const char rfc_ecdh_secret[] = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs";
static const char rfc_key_info[] =
    "V2ViUHVzaDogaW5mbwAEJXGyvs3942BVGq8e0PTNNmwRzr5VX4m8t7GGpTM5FzFo"
    "7OLr4BhZe9MEebhuPI-OztV3ylkYfpJGmQ22ggCLDgT-M_SrDepxkU21WCP3O1SU"
    "j0EwbZIHMtu5pZpTKGSCIA5Zent7wmC6HCJ5mFgJkuk5cwAvMBKiiujwa7t45ewP";
static const char rfc_prk_key[] = "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k";
static const char rfc_ikm[] = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg";
static const char rfc_prk[] = "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc";
static const char rfc_cek[] = "oIhVW04MRdy2XN9CiKLxTg";
static const char rfc_nonce[] = "4h_95klXJ5E_qnoN";
static const char rfc_header[] = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
                                 "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
static const char rfc_ciphertext[] =
    "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrdirN6GcG7sFz1y1sqLgVi1VhjVkHsUo"
    "EsbI_0LpXMuGvnzQ";
static const char rfc_body[] = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
                               "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
                               "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

/* Decode a vector, failing the test (and returning 0 bytes) when it does not. */
static size_t dec(const char *text, uint8_t *out, size_t size)
{
	size_t n = 0;
	int rc = b64url_decode(text, strlen(text), out, size, &n);
	CHECK_EQ(rc, ERR_OK);
	return rc == ERR_OK ? n : 0;
}

/* true when the n bytes at got are exactly the vector want; prints both when
 * not, so a failure names the step. */
static int same(const char *what, const uint8_t *got, size_t n, const char *want)
{
	uint8_t buf[512];
	size_t wn = dec(want, buf, sizeof buf);
	if (wn == n && memcmp(got, buf, n) == 0)
		return 1;
	char text[1024];
	b64url_encode(got, n, text, sizeof text);
	fprintf(stderr, "%s: got %s (%zu bytes)\n%*swant %s (%zu bytes)\n", what, text, n,
	        (int)strlen(what), "", want, wn);
	return 0;
}

static struct ece_key *key_of(const char *private_b64)
{
	uint8_t d[ECE_PRIVATE_LEN];
	struct ece_key *key = NULL;
	CHECK_EQ(dec(private_b64, d, sizeof d), ECE_PRIVATE_LEN);
	CHECK_EQ(ece_key_from_private(d, &key), ERR_OK);
	return key;
}

/* The inputs themselves: the plaintext's base64url and the two key pairs,
 * whose public points are computed from the private scalars. */
static void test_rfc8291_inputs(void)
{
	uint8_t buf[128];
	size_t n = dec(rfc_plaintext_b64, buf, sizeof buf);
	CHECK(n == strlen(rfc_plaintext) && memcmp(buf, rfc_plaintext, n) == 0);

	struct ece_key *as = key_of(rfc_as_private), *ua = key_of(rfc_ua_private);
	uint8_t pub[ECE_PUBLIC_LEN];
	CHECK(as && ece_key_public(as, pub) == ERR_OK &&
	      same("as_public", pub, sizeof pub, rfc_as_public));
	CHECK(ua && ece_key_public(ua, pub) == ERR_OK &&
	      same("ua_public", pub, sizeof pub, rfc_ua_public));
	ece_key_free(as);
	ece_key_free(ua);
}

/* Every intermediate value of Appendix A, from either side of the ECDH. */
static void test_rfc8291_schedule(void)
{
	uint8_t ua_public[ECE_PUBLIC_LEN], as_public[ECE_PUBLIC_LEN];
	uint8_t auth[ECE_AUTH_LEN], salt[ECE_SALT_LEN];
	CHECK_EQ(dec(rfc_ua_public, ua_public, sizeof ua_public), ECE_PUBLIC_LEN);
	CHECK_EQ(dec(rfc_as_public, as_public, sizeof as_public), ECE_PUBLIC_LEN);
	CHECK_EQ(dec(rfc_auth, auth, sizeof auth), ECE_AUTH_LEN);
	CHECK_EQ(dec(rfc_salt, salt, sizeof salt), ECE_SALT_LEN);
	struct ece_key *as = key_of(rfc_as_private), *ua = key_of(rfc_ua_private);
	for (int side = 0; side < 2; side++) {
		struct ece_schedule s;
		memset(&s, 0, sizeof s);
		int rc = side == 0
		             ? ece_schedule(as, ua_public, ua_public, as_public, auth, salt, &s)
		             : ece_schedule(ua, as_public, ua_public, as_public, auth, salt, &s);
		CHECK_EQ(rc, ERR_OK);
		CHECK(same("ecdh_secret", s.ecdh_secret, sizeof s.ecdh_secret, rfc_ecdh_secret));
		CHECK(same("key_info", s.key_info, sizeof s.key_info, rfc_key_info));
		CHECK(same("PRK_key", s.prk_key, sizeof s.prk_key, rfc_prk_key));
		CHECK(same("IKM", s.ikm, sizeof s.ikm, rfc_ikm));
		CHECK(same("PRK", s.prk, sizeof s.prk, rfc_prk));
		CHECK(same("CEK", s.cek, sizeof s.cek, rfc_cek));
		CHECK(same("NONCE", s.nonce, sizeof s.nonce, rfc_nonce));
	}
	ece_key_free(as);
	ece_key_free(ua);
}

/* The whole body, byte for byte, and the browser's side reading it back. */
static void test_rfc8291_body(void)
{
	uint8_t ua_public[ECE_PUBLIC_LEN], auth[ECE_AUTH_LEN], salt[ECE_SALT_LEN];
	CHECK_EQ(dec(rfc_ua_public, ua_public, sizeof ua_public), ECE_PUBLIC_LEN);
	CHECK_EQ(dec(rfc_auth, auth, sizeof auth), ECE_AUTH_LEN);
	CHECK_EQ(dec(rfc_salt, salt, sizeof salt), ECE_SALT_LEN);
	struct ece_key *as = key_of(rfc_as_private), *ua = key_of(rfc_ua_private);

	uint8_t *body = NULL;
	size_t len = 0;
	size_t plain_len = strlen(rfc_plaintext);
	CHECK_EQ(ece_encrypt_with(ua_public, auth, as, salt, (const uint8_t *)rfc_plaintext,
	                          plain_len, &body, &len),
	         ERR_OK);
	CHECK_EQ(len, ECE_BODY_LEN(plain_len));
	CHECK_EQ(len, 144);
	if (body) {
		CHECK(same("header", body, ECE_HEADER_LEN, rfc_header));
		CHECK(same("ciphertext", body + ECE_HEADER_LEN, len - ECE_HEADER_LEN,
		           rfc_ciphertext));
		CHECK(same("body", body, len, rfc_body));
		/* And as text, as it appears in the RFC. */
		char text[256];
		CHECK_EQ(b64url_encode(body, len, text, sizeof text), ERR_OK);
		CHECK_STR(text, rfc_body);
	}
	free(body);

	uint8_t rfc[256];
	size_t rfc_len = dec(rfc_body, rfc, sizeof rfc);
	uint8_t *plain = NULL;
	CHECK_EQ(ece_decrypt(ua, auth, rfc, rfc_len, &plain, &plain_len), ERR_OK);
	CHECK(plain && plain_len == strlen(rfc_plaintext) &&
	      memcmp(plain, rfc_plaintext, plain_len) == 0);
	free(plain);
	ece_key_free(as);
	ece_key_free(ua);
}

/* Random messages of every size class, each with its own subscription, come
 * back as they went, in a body of the documented shape. */
static void test_round_trip(void)
{
	static uint8_t msg[ECE_PLAINTEXT_MAX];
	const size_t sizes[] = {
	    0, 1, 15, 16, 17, 41, 100, 1000, 4000, ECE_PLAINTEXT_MAX - 1, ECE_PLAINTEXT_MAX};
	int wrong = 0;
	for (size_t round = 0; round < 60; round++) {
		size_t n;
		if (round < sizeof sizes / sizeof sizes[0]) {
			n = sizes[round];
		} else {
			uint16_t r;
			RAND_bytes((uint8_t *)&r, sizeof r);
			n = r % (ECE_PLAINTEXT_MAX + 1);
		}
		RAND_bytes(msg, (int)(n > 0 ? n : 1));
		struct ece_key *ua = NULL;
		uint8_t ua_public[ECE_PUBLIC_LEN], auth[ECE_AUTH_LEN];
		CHECK_EQ(ece_key_new(&ua), ERR_OK);
		CHECK_EQ(ece_key_public(ua, ua_public), ERR_OK);
		RAND_bytes(auth, sizeof auth);
		uint8_t *body = NULL, *plain = NULL;
		size_t len = 0, plain_len = 0;
		wrong += ece_encrypt(ua_public, auth, msg, n, &body, &len) != ERR_OK;
		wrong += len != ECE_BODY_LEN(n);
		if (body) {
			/* rs 4096 big-endian, idlen 65, keyid an uncompressed point */
			wrong +=
			    body[16] != 0 || body[17] != 0 || body[18] != 0x10 || body[19] != 0;
			wrong += body[20] != 65 || body[21] != 0x04;
			wrong += ece_decrypt(ua, auth, body, len, &plain, &plain_len) != ERR_OK;
			wrong += !plain || plain_len != n || memcmp(plain, msg, n) != 0;
		}
		if (wrong && round < 3)
			fprintf(stderr, "round trip of %zu bytes failed\n", n);
		free(body);
		free(plain);
		ece_key_free(ua);
	}
	CHECK_EQ(wrong, 0);
}

/* One altered bit anywhere the record's keys depend on (salt, idlen, keyid,
 * ciphertext, tag) and the body no longer opens; nor with the wrong auth
 * secret or the wrong key, nor cut short, nor with rs below the record. rs
 * itself is not authenticated by RFC 8188 (a larger one still reads as one
 * record), so its bytes are not in the loop. */
static void test_tampering(void)
{
	struct ece_key *ua = NULL, *other = NULL;
	uint8_t ua_public[ECE_PUBLIC_LEN], auth[ECE_AUTH_LEN];
	CHECK_EQ(ece_key_new(&ua), ERR_OK);
	CHECK_EQ(ece_key_new(&other), ERR_OK);
	CHECK_EQ(ece_key_public(ua, ua_public), ERR_OK);
	RAND_bytes(auth, sizeof auth);
	const char msg[] = "Ny besked fra dine rådgivere";
	uint8_t *body = NULL, *plain = NULL;
	size_t len = 0, plain_len = 0;
	CHECK_EQ(ece_encrypt(ua_public, auth, (const uint8_t *)msg, strlen(msg), &body, &len),
	         ERR_OK);
	if (!body)
		return;
	int opened = 0;
	for (size_t i = 0; i < len; i++) {
		if (i >= 16 && i < 20)
			continue;
		for (int bit = 0; bit < 8; bit += 7) {
			body[i] ^= (uint8_t)(1u << bit);
			if (ece_decrypt(ua, auth, body, len, &plain, &plain_len) == ERR_OK) {
				opened++;
				fprintf(stderr, "opened with byte %zu bit %d flipped\n", i, bit);
				free(plain);
			}
			body[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK_EQ(opened, 0);

	uint8_t wrong_auth[ECE_AUTH_LEN];
	memcpy(wrong_auth, auth, sizeof auth);
	wrong_auth[0] ^= 1;
	CHECK_EQ(ece_decrypt(ua, wrong_auth, body, len, &plain, &plain_len), ERR_BAD_REQUEST);
	CHECK_EQ(ece_decrypt(other, auth, body, len, &plain, &plain_len), ERR_BAD_REQUEST);
	CHECK_EQ(ece_decrypt(ua, auth, body, len - 1, &plain, &plain_len), ERR_BAD_REQUEST);
	CHECK_EQ(ece_decrypt(ua, auth, body, ECE_HEADER_LEN + ECE_TAG_LEN, &plain, &plain_len),
	         ERR_BAD_REQUEST);
	body[18] = 0; /* rs = 0: below the RFC's minimum and the record */
	CHECK_EQ(ece_decrypt(ua, auth, body, len, &plain, &plain_len), ERR_BAD_REQUEST);
	body[19] = 20; /* rs = 20: legal, but the record is longer */
	CHECK_EQ(ece_decrypt(ua, auth, body, len, &plain, &plain_len), ERR_BAD_REQUEST);
	body[18] = 0x10;
	body[19] = 0;
	CHECK_EQ(ece_decrypt(ua, auth, body, len, &plain, &plain_len), ERR_OK);
	CHECK(plain_len == strlen(msg) && memcmp(plain, msg, plain_len) == 0);
	free(plain);
	free(body);
	ece_key_free(ua);
	ece_key_free(other);
}

/* More than one record's worth is refused before any work; so are keys that
 * are not keys. */
static void test_refusals(void)
{
	static uint8_t msg[ECE_PLAINTEXT_MAX + 1];
	struct ece_key *ua = NULL;
	uint8_t ua_public[ECE_PUBLIC_LEN], auth[ECE_AUTH_LEN] = {0}, salt[ECE_SALT_LEN] = {0};
	CHECK_EQ(ece_key_new(&ua), ERR_OK);
	CHECK_EQ(ece_key_public(ua, ua_public), ERR_OK);
	uint8_t *body = NULL;
	size_t len = 0;
	CHECK_EQ(ece_encrypt(ua_public, auth, msg, sizeof msg, &body, &len), ERR_TOO_LARGE);
	CHECK_EQ(ece_encrypt_with(ua_public, auth, ua, salt, msg, sizeof msg, &body, &len),
	         ERR_TOO_LARGE);
	CHECK(body == NULL);
	CHECK_EQ(ece_encrypt(ua_public, auth, msg, sizeof msg - 1, &body, &len), ERR_OK);
	CHECK_EQ(len, ECE_HEADER_LEN + ECE_RS);
	free(body);
	body = NULL;

	uint8_t bad[ECE_PUBLIC_LEN];
	memcpy(bad, ua_public, sizeof bad);
	bad[64] ^= 1; /* off the curve */
	CHECK_EQ(ece_encrypt(bad, auth, msg, 10, &body, &len), ERR_BAD_REQUEST);
	memcpy(bad, ua_public, sizeof bad);
	bad[0] = 0x02; /* compressed form: not what a subscription gives */
	CHECK_EQ(ece_encrypt(bad, auth, msg, 10, &body, &len), ERR_BAD_REQUEST);
	memset(bad, 0, sizeof bad);
	bad[0] = 0x04; /* (0, 0) */
	CHECK_EQ(ece_encrypt(bad, auth, msg, 10, &body, &len), ERR_BAD_REQUEST);
	CHECK(body == NULL);

	uint8_t d[ECE_PRIVATE_LEN] = {0};
	struct ece_key *key = NULL;
	CHECK_EQ(ece_key_from_private(d, &key), ERR_BAD_REQUEST);
	memset(d, 0xff, sizeof d); /* above the group order */
	CHECK_EQ(ece_key_from_private(d, &key), ERR_BAD_REQUEST);
	CHECK(key == NULL);
	ece_key_free(NULL);
	ece_key_free(ua);
}

int main(void)
{
	test_rfc8291_inputs();
	test_rfc8291_schedule();
	test_rfc8291_body();
	test_round_trip();
	test_tampering();
	test_refusals();
	return check_report("ece");
}
