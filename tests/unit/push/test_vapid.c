/*
 * test_vapid.c - VAPID (core/push/vapid.c): the Authorization header is
 * taken apart and its JWT verified with OpenSSL from the public key alone, as
 * a push service would; the claims, the audience of many endpoints, the
 * refusals, and the PEM round trip.
 */
#include "core/push/vapid.h"
#include "core/push/b64url.h"
#include "core/common/err.h"
#include "check.h"

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const time_t now = 1767225600; /* 2026-01-01T00:00:00Z */

/* The verifier's key: the 65-byte point of "k=", as a push service gets it. */
static EVP_PKEY *public_from_b64(const char *k, size_t len)
{
	uint8_t point[65];
	size_t n = 0;
	if (b64url_decode(k, len, point, sizeof point, &n) != ERR_OK || n != 65)
		return NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, n);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

/* JWS r || s back to DER, and ECDSA-SHA256 verification of signed. */
static int verify_es256(EVP_PKEY *pkey, const char *signed_part, size_t len, const char *sig_b64,
                        size_t sig_len)
{
	uint8_t raw[64];
	size_t n = 0;
	if (b64url_decode(sig_b64, sig_len, raw, sizeof raw, &n) != ERR_OK || n != 64)
		return 0;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
	ECDSA_SIG_set0(es, r, s);
	uint8_t *der = NULL;
	int der_len = i2d_ECDSA_SIG(es, &der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = der_len > 0 &&
	         EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pkey, NULL) > 0 &&
	         EVP_DigestVerify(md, der, (size_t)der_len, (const uint8_t *)signed_part, len) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return ok;
}

/* A JSON part of the JWT, decoded. */
static json_t *json_part(const char *b64, size_t len)
{
	char text[1024];
	size_t n = 0;
	if (b64url_decode(b64, len, (uint8_t *)text, sizeof text - 1, &n) != ERR_OK)
		return NULL;
	text[n] = '\0';
	return json_loads(text, 0, NULL);
}

struct header {
	const char *jwt, *dot1, *dot2, *k; /* into the header text */
	size_t jwt_len;
};

/* "vapid t=<a>.<b>.<c>, k=<key>" taken apart; 0 when it is not that shape. */
static int split(const char *value, struct header *h)
{
	if (strncmp(value, "vapid t=", 8) != 0)
		return 0;
	h->jwt = value + 8;
	const char *comma = strstr(h->jwt, ", k=");
	if (!comma)
		return 0;
	h->jwt_len = (size_t)(comma - h->jwt);
	h->k = comma + 4;
	h->dot1 = memchr(h->jwt, '.', h->jwt_len);
	h->dot2 = h->dot1 ? memchr(h->dot1 + 1, '.', (size_t)(comma - h->dot1 - 1)) : NULL;
	return h->dot1 && h->dot2 && !memchr(h->dot2 + 1, '.', (size_t)(comma - h->dot2 - 1));
}

/* Verify one header as a push service would, and check its claims. */
static int check_header(const char *value, const char *want_k, const char *want_aud,
                        const char *want_sub)
{
	struct header h;
	if (!split(value, &h)) {
		fprintf(stderr, "not a vapid header: %s\n", value);
		return 0;
	}
	int ok = 1;
	ok &= strcmp(h.k, want_k) == 0;
	/* No padding anywhere: the only '=' are those of "t=" and "k=". */
	ok &= !memchr(h.jwt, '=', h.jwt_len) && !strchr(h.k, '=');
	EVP_PKEY *pub = public_from_b64(h.k, strlen(h.k));
	const char *end = h.jwt + h.jwt_len;
	ok &= pub && verify_es256(pub, h.jwt, (size_t)(h.dot2 - h.jwt), h.dot2 + 1,
	                          (size_t)(end - h.dot2 - 1));
	json_t *hdr = json_part(h.jwt, (size_t)(h.dot1 - h.jwt));
	json_t *claims = json_part(h.dot1 + 1, (size_t)(h.dot2 - h.dot1 - 1));
	ok &= hdr && json_object_size(hdr) == 2 &&
	      strcmp(json_string_value(json_object_get(hdr, "typ")) ?: "", "JWT") == 0 &&
	      strcmp(json_string_value(json_object_get(hdr, "alg")) ?: "", "ES256") == 0;
	json_int_t exp = json_integer_value(json_object_get(claims, "exp"));
	ok &= claims && json_object_size(claims) == 3 &&
	      strcmp(json_string_value(json_object_get(claims, "aud")) ?: "", want_aud) == 0 &&
	      strcmp(json_string_value(json_object_get(claims, "sub")) ?: "", want_sub) == 0;
	/* RFC 8292 section 2: no more than 24 hours ahead; we say 12. */
	ok &= exp > now && exp <= now + 24 * 3600 && exp == now + VAPID_EXPIRY;
	json_decref(hdr);
	json_decref(claims);
	EVP_PKEY_free(pub);
	if (!ok)
		fprintf(stderr, "header did not check: %s\n", value);
	return ok;
}

static void test_sign_and_verify(void)
{
	struct vapid *v = NULL;
	CHECK_EQ(vapid_keygen(&v), ERR_OK);
	char k[VAPID_PUBLIC_B64_LEN + 1];
	CHECK_EQ(vapid_public_key(v, k), ERR_OK);
	CHECK_EQ(strlen(k), VAPID_PUBLIC_B64_LEN);
	CHECK(strchr(k, '=') == NULL && strchr(k, '+') == NULL && strchr(k, '/') == NULL);
	uint8_t point[65];
	size_t n = 0;
	CHECK(b64url_decode(k, strlen(k), point, sizeof point, &n) == ERR_OK && n == 65 &&
	      point[0] == 0x04);

	/* Many signatures, so that r or s with leading zero bytes (1 in 128
	 * each) are met and must still be 32 bytes each. */
	int bad = 0;
	for (int i = 0; i < 200; i++) {
		char *value = NULL;
		CHECK_EQ(vapid_authorization(v, "https://fcm.googleapis.com/fcm/send/abc:DEF-123",
		                             "mailto:drift@indgang.example", now, &value),
		         ERR_OK);
		bad += !value || !check_header(value, k, "https://fcm.googleapis.com",
		                               "mailto:drift@indgang.example");
		free(value);
	}
	CHECK_EQ(bad, 0);

	/* A push service must refuse a token whose claims were changed after
	 * signing: flip one character of the claims part. */
	char *value = NULL;
	CHECK_EQ(vapid_authorization(v, "https://updates.push.services.mozilla.com/wpush/v2/x",
	                             "https://indgang.example/kontakt", now, &value),
	         ERR_OK);
	CHECK(check_header(value, k, "https://updates.push.services.mozilla.com",
	                   "https://indgang.example/kontakt"));
	struct header h;
	CHECK(split(value, &h));
	char *c = (char *)h.dot1 + 5;
	*c = *c == 'A' ? 'B' : 'A';
	EVP_PKEY *pub = public_from_b64(h.k, strlen(h.k));
	const char *end = h.jwt + h.jwt_len;
	CHECK(!verify_es256(pub, h.jwt, (size_t)(h.dot2 - h.jwt), h.dot2 + 1,
	                    (size_t)(end - h.dot2 - 1)));
	EVP_PKEY_free(pub);
	free(value);
	vapid_free(v);
	vapid_free(NULL);
}

static void test_audience(void)
{
	static const struct {
		const char *endpoint, *aud;
	} good[] = {
	    {"https://fcm.googleapis.com/fcm/send/x", "https://fcm.googleapis.com"},
	    {"https://Push.Example.COM:8443/a?b#c", "https://push.example.com:8443"},
	    {"HTTPS://push.example.com:443/x", "https://push.example.com"},
	    {"https://push.example.com", "https://push.example.com"},
	    {"https://push.example.com?x", "https://push.example.com"},
	    {"https://127.0.0.1:9443/push/1", "https://127.0.0.1:9443"},
	    {"https://[::1]:9443/push/1", "https://[::1]:9443"},
	    {"https://[2001:DB8::1]/p", "https://[2001:db8::1]"},
	    {"https://web.push.apple.com/QGuQyavXutnMH", "https://web.push.apple.com"},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char aud[VAPID_AUD_MAX];
		int rc = vapid_audience(good[i].endpoint, aud, sizeof aud);
		CHECK_EQ(rc, ERR_OK);
		if (rc == ERR_OK && strcmp(aud, good[i].aud) != 0)
			fprintf(stderr, "%s -> %s, want %s\n", good[i].endpoint, aud, good[i].aud);
		CHECK(rc == ERR_OK && strcmp(aud, good[i].aud) == 0);
	}
	static const char *const bad[] = {"http://push.example.com/x",
	                                  "https://",
	                                  "https:///x",
	                                  "https://:443/x",
	                                  "https://user@push.example.com/x",
	                                  "https://user:pw@push.example.com/x",
	                                  "https://push.example.com:/x",
	                                  "https://push.example.com:0/x",
	                                  "https://push.example.com:65536/x",
	                                  "https://push.example.com:0443/x",
	                                  "https://push.example.com:44a/x",
	                                  "https://push example.com/x",
	                                  "https://push.example.com/x y",
	                                  "https://push.example.com/\n",
	                                  "https://[::1/x",
	                                  "https://[]/x",
	                                  "https://[::1]x/",
	                                  "https://[fe80::1%25eth0]/x",
	                                  "https://.example.com/",
	                                  "https://-example.com/",
	                                  "https://pu_sh.example.com/",
	                                  "ftp://push.example.com/",
	                                  "push.example.com/x",
	                                  "",
	                                  "https://bücher.example/x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char aud[VAPID_AUD_MAX] = "";
		int rc = vapid_audience(bad[i], aud, sizeof aud);
		if (rc != ERR_BAD_REQUEST)
			fprintf(stderr, "accepted %s -> %s\n", bad[i], aud);
		CHECK_EQ(rc, ERR_BAD_REQUEST);
	}
	char small[10];
	CHECK_EQ(vapid_audience("https://push.example.com/x", small, sizeof small), ERR_TOO_LARGE);
}

/* A malformed endpoint or subject gives no header at all. */
static void test_refusals(void)
{
	struct vapid *v = NULL;
	CHECK_EQ(vapid_keygen(&v), ERR_OK);
	char *value = NULL;
	CHECK_EQ(
	    vapid_authorization(v, "http://push.example.com/x", "mailto:a@b.example", now, &value),
	    ERR_BAD_REQUEST);
	CHECK_EQ(vapid_authorization(v, "https://user@push.example.com/x", "mailto:a@b.example",
	                             now, &value),
	         ERR_BAD_REQUEST);
	const char *subjects[] = {"a@b.example",
	                          "mailto:",
	                          "https:",
	                          "mailto:a\"b@c.example",
	                          "mailto:a\\b@c.example",
	                          "mailto:a b@c.example",
	                          "http://indgang.example",
	                          "mailto:æ@c.example"};
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
		CHECK_EQ(
		    vapid_authorization(v, "https://push.example.com/x", subjects[i], now, &value),
		    ERR_BAD_REQUEST);
	char long_subject[VAPID_SUBJECT_MAX + 2];
	memset(long_subject, 'a', sizeof long_subject - 1);
	memcpy(long_subject, "mailto:", 7);
	long_subject[sizeof long_subject - 1] = '\0';
	CHECK_EQ(vapid_authorization(v, "https://push.example.com/x", long_subject, now, &value),
	         ERR_BAD_REQUEST);
	CHECK(value == NULL);
	vapid_free(v);
}

static void test_pem_round_trip(void)
{
	struct vapid *v = NULL, *back = NULL;
	CHECK_EQ(vapid_keygen(&v), ERR_OK);
	char *pem = NULL;
	size_t len = 0;
	CHECK_EQ(vapid_to_pem(v, &pem, &len), ERR_OK);
	CHECK(pem && strlen(pem) == len && strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	CHECK_EQ(vapid_from_pem(pem, len, &back), ERR_OK);
	char k1[VAPID_PUBLIC_B64_LEN + 1], k2[VAPID_PUBLIC_B64_LEN + 1];
	CHECK_EQ(vapid_public_key(v, k1), ERR_OK);
	CHECK(back && vapid_public_key(back, k2) == ERR_OK && strcmp(k1, k2) == 0);
	/* The reloaded key signs what the original public key verifies. */
	char *value = NULL;
	CHECK(back && vapid_authorization(back, "https://push.example.com/x",
	                                  "mailto:drift@indgang.example", now, &value) == ERR_OK);
	CHECK(value &&
	      check_header(value, k1, "https://push.example.com", "mailto:drift@indgang.example"));
	free(value);
	vapid_free(back);
	back = NULL;

	/* Not a key, half a key, a key of another kind or curve: refused. */
	CHECK_EQ(vapid_from_pem("hello", 5, &back), ERR_BAD_REQUEST);
	CHECK_EQ(vapid_from_pem(pem, len / 2, &back), ERR_BAD_REQUEST);
	vapid_pem_free(pem, len);
	vapid_pem_free(NULL, 0);
	const char *others[] = {"ED25519", "P-384"};
	for (int i = 0; i < 2; i++) {
		EVP_PKEY *other = i == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, others[i])
		                         : EVP_PKEY_Q_keygen(NULL, NULL, "EC", others[i]);
		BIO *bio = BIO_new(BIO_s_mem());
		char *data = NULL;
		CHECK(other && PEM_write_bio_PrivateKey(bio, other, NULL, NULL, 0, NULL, NULL));
		long n = BIO_get_mem_data(bio, &data);
		CHECK_EQ(vapid_from_pem(data, (size_t)n, &back), ERR_BAD_REQUEST);
		BIO_free(bio);
		EVP_PKEY_free(other);
	}
	CHECK(back == NULL);
	vapid_free(v);
}

int main(void)
{
	test_sign_and_verify();
	test_audience();
	test_refusals();
	test_pem_round_trip();
	return check_report("vapid");
}
