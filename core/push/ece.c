/*
 * ece.c - Web Push message encryption (RFC 8291, aes128gcm of RFC 8188) on
 * OpenSSL 3's EVP interfaces; see ece.h for what goes over the wire.
 *
 * The key schedule (RFC 8291 section 3.4, RFC 8188 section 2.2):
 *
 *   ecdh_secret = ECDH(as_private, ua_public)      (or ua_private, as_public)
 *   PRK_key     = HKDF-Extract(salt = auth, ecdh_secret)
 *   IKM         = HKDF-Expand(PRK_key, "WebPush: info\0" | ua_public | as_public, 32)
 *   PRK         = HKDF-Extract(salt, IKM)
 *   CEK         = HKDF-Expand(PRK, "Content-Encoding: aes128gcm\0", 16)
 *   NONCE       = HKDF-Expand(PRK, "Content-Encoding: nonce\0", 12)
 *
 * Extract and expand are run as separate HKDF calls, not one, so that the
 * unit test can hold every value to the RFC's Appendix A. The record's
 * sequence number is 0 (one record), so its nonce is NONCE itself.
 *
 * Every secret on the stack is wiped with OPENSSL_cleanse before return.
 */
#include "core/push/ece.h"
#include "core/push/ece_int.h"
#include "core/common/err.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

struct ece_key {
	EVP_PKEY *pkey;
};

static const char key_info_label[] = "WebPush: info";         /* with its NUL */
static const char cek_info[] = "Content-Encoding: aes128gcm"; /* with its NUL */
static const char nonce_info[] = "Content-Encoding: nonce";   /* with its NUL */

int ece_key_new(struct ece_key **out)
{
	struct ece_key *key = calloc(1, sizeof *key);
	if (!key)
		return ERR_INTERNAL;
	key->pkey = EVP_EC_gen("P-256");
	if (!key->pkey) {
		free(key);
		return ERR_INTERNAL;
	}
	*out = key;
	return ERR_OK;
}

/* An EC key of P-256 from OpenSSL parameters: the public point alone
 * (selection EVP_PKEY_PUBLIC_KEY) or with the private scalar. */
static int pkey_from_params(OSSL_PARAM_BLD *bld, int selection, EVP_PKEY **out)
{
	int rc = ERR_INTERNAL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0))
		goto err;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0)
		goto err;
	/* A point that is not on the curve is refused here (the decoding of
	 * the point checks it): the peer's key is attacker-controlled input. */
	rc = EVP_PKEY_fromdata(ctx, out, selection, params) > 0 ? ERR_OK : ERR_BAD_REQUEST;
err:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return rc;
}

/* The peer's public key from its uncompressed point, checked to be on P-256
 * and not the point at infinity. */
static int public_from_point(const uint8_t point[ECE_PUBLIC_LEN], EVP_PKEY **out)
{
	if (point[0] != 0x04)
		return ERR_BAD_REQUEST;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (!bld)
		return ERR_INTERNAL;
	int rc = ERR_INTERNAL;
	if (OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, ECE_PUBLIC_LEN))
		rc = pkey_from_params(bld, EVP_PKEY_PUBLIC_KEY, out);
	OSSL_PARAM_BLD_free(bld);
	if (rc != ERR_OK)
		return rc;
	/* On the curve and not infinity: P-256's cofactor is 1, so that is the
	 * whole group check.  The full check (EVP_PKEY_public_check) also
	 * multiplies the point by the group's order, a scalar multiplication as
	 * dear as the ECDH itself, for nothing on this curve. */
	EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
	if (!check || EVP_PKEY_public_check_quick(check) <= 0) {
		EVP_PKEY_CTX_free(check);
		EVP_PKEY_free(*out);
		*out = NULL;
		return ERR_BAD_REQUEST;
	}
	EVP_PKEY_CTX_free(check);
	return ERR_OK;
}

int ece_key_from_private(const uint8_t d[ECE_PRIVATE_LEN], struct ece_key **out)
{
	int rc = ERR_INTERNAL;
	struct ece_key *key = calloc(1, sizeof *key);
	BIGNUM *priv = BN_secure_new();
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *pub = group ? EC_POINT_new(group) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t point[ECE_PUBLIC_LEN];
	if (!key || !priv || !pub || !bld || !BN_bin2bn(d, ECE_PRIVATE_LEN, priv))
		goto err;
	/* The scalar must lie in [1, n-1]; anything else is no key at all. */
	if (BN_is_zero(priv) || BN_cmp(priv, EC_GROUP_get0_order(group)) >= 0) {
		rc = ERR_BAD_REQUEST;
		goto err;
	}
	/* OpenSSL wants the public point beside the scalar; compute it. */
	if (!EC_POINT_mul(group, pub, priv, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point,
	                       NULL) != sizeof point)
		goto err;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
		goto err;
	rc = pkey_from_params(bld, EVP_PKEY_KEYPAIR, &key->pkey);
	if (rc != ERR_OK)
		goto err;
	*out = key;
	key = NULL;
err:
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(pub);
	EC_GROUP_free(group);
	BN_clear_free(priv);
	free(key);
	return rc;
}

int ece_key_public(const struct ece_key *key, uint8_t out[ECE_PUBLIC_LEN])
{
	size_t len = 0;
	/* OpenSSL's default conversion form for EC keys is uncompressed. */
	if (!EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out,
	                                     ECE_PUBLIC_LEN, &len) ||
	    len != ECE_PUBLIC_LEN || out[0] != 0x04)
		return ERR_INTERNAL;
	return ERR_OK;
}

void ece_key_free(struct ece_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

/* One HKDF-SHA256 step: extract (salt, ikm -> 32 bytes of PRK) or expand
 * (prk, info -> out_len bytes). */
static int hkdf(int mode, const uint8_t *salt, size_t salt_len, const uint8_t *key, size_t key_len,
                const void *info, size_t info_len, uint8_t *out, size_t out_len)
{
	int rc = ERR_INTERNAL;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
		*p++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	else
		*p++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if (ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0)
		rc = ERR_OK;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

static int extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                   uint8_t prk[32])
{
	return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm, ikm_len, NULL, 0, prk, 32);
}

static int expand(const uint8_t prk[32], const void *info, size_t info_len, uint8_t *out,
                  size_t out_len)
{
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, 32, info, info_len, out, out_len);
}

/* ECDH on P-256: the 32-byte x coordinate of own * peer. */
static int ecdh(const struct ece_key *own, const uint8_t peer_point[ECE_PUBLIC_LEN],
                uint8_t secret[32])
{
	EVP_PKEY *peer = NULL;
	int rc = public_from_point(peer_point, &peer);
	if (rc != ERR_OK)
		return rc;
	rc = ERR_INTERNAL;
	size_t len = 32;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own->pkey, NULL);
	/* public_from_point() checked the peer's point; EVP_PKEY_derive_set_peer()
	 * would check it again the full way (a third of an encryption's cost). */
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) > 0 &&
	    EVP_PKEY_derive(ctx, secret, &len) > 0 && len == 32)
		rc = ERR_OK;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return rc;
}

int ece_schedule(const struct ece_key *own, const uint8_t peer[ECE_PUBLIC_LEN],
                 const uint8_t ua_public[ECE_PUBLIC_LEN], const uint8_t as_public[ECE_PUBLIC_LEN],
                 const uint8_t auth[ECE_AUTH_LEN], const uint8_t salt[ECE_SALT_LEN],
                 struct ece_schedule *s)
{
	int rc = ecdh(own, peer, s->ecdh_secret);
	if (rc != ERR_OK)
		return rc;
	memcpy(s->key_info, key_info_label, sizeof key_info_label);
	memcpy(s->key_info + sizeof key_info_label, ua_public, ECE_PUBLIC_LEN);
	memcpy(s->key_info + sizeof key_info_label + ECE_PUBLIC_LEN, as_public, ECE_PUBLIC_LEN);
	if (extract(auth, ECE_AUTH_LEN, s->ecdh_secret, 32, s->prk_key) != ERR_OK ||
	    expand(s->prk_key, s->key_info, sizeof s->key_info, s->ikm, 32) != ERR_OK ||
	    extract(salt, ECE_SALT_LEN, s->ikm, 32, s->prk) != ERR_OK ||
	    expand(s->prk, cek_info, sizeof cek_info, s->cek, sizeof s->cek) != ERR_OK ||
	    expand(s->prk, nonce_info, sizeof nonce_info, s->nonce, sizeof s->nonce) != ERR_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

/* AES-128-GCM of plain | 0x02 into out (plain_len + 1 + ECE_TAG_LEN bytes).
 * No padding beyond the delimiter: a notification's length says little, and
 * padding would only eat into the push service's 4 KiB. */
static int seal_record(const struct ece_schedule *s, const uint8_t *plain, size_t plain_len,
                       uint8_t *out)
{
	static const uint8_t delimiter = 0x02; /* last (and only) record */
	int rc = ERR_INTERNAL, n = 0, total = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, s->cek, s->nonce))
		goto err;
	if (plain_len > 0) {
		if (!EVP_EncryptUpdate(ctx, out, &n, plain, (int)plain_len))
			goto err;
		total += n;
	}
	if (!EVP_EncryptUpdate(ctx, out + total, &n, &delimiter, 1))
		goto err;
	total += n;
	if (!EVP_EncryptFinal_ex(ctx, out + total, &n))
		goto err;
	total += n;
	if ((size_t)total != plain_len + 1 ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, ECE_TAG_LEN, out + total))
		goto err;
	rc = ERR_OK;
err:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int ece_encrypt_with(const uint8_t ua_public[ECE_PUBLIC_LEN], const uint8_t auth[ECE_AUTH_LEN],
                     const struct ece_key *as_key, const uint8_t salt[ECE_SALT_LEN],
                     const uint8_t *plain, size_t plain_len, uint8_t **out, size_t *out_len)
{
	if (plain_len > ECE_PLAINTEXT_MAX)
		return ERR_TOO_LARGE;
	uint8_t as_public[ECE_PUBLIC_LEN];
	int rc = ece_key_public(as_key, as_public);
	if (rc != ERR_OK)
		return rc;
	struct ece_schedule s;
	rc = ece_schedule(as_key, ua_public, ua_public, as_public, auth, salt, &s);
	if (rc != ERR_OK)
		goto done;
	size_t len = ECE_BODY_LEN(plain_len);
	uint8_t *body = malloc(len);
	if (!body) {
		rc = ERR_INTERNAL;
		goto done;
	}
	memcpy(body, salt, ECE_SALT_LEN);
	body[16] = (uint8_t)(ECE_RS >> 24);
	body[17] = (uint8_t)(ECE_RS >> 16);
	body[18] = (uint8_t)(ECE_RS >> 8);
	body[19] = (uint8_t)ECE_RS;
	body[20] = ECE_PUBLIC_LEN;
	memcpy(body + 21, as_public, ECE_PUBLIC_LEN);
	rc = seal_record(&s, plain, plain_len, body + ECE_HEADER_LEN);
	if (rc != ERR_OK) {
		free(body);
		goto done;
	}
	*out = body;
	*out_len = len;
done:
	OPENSSL_cleanse(&s, sizeof s);
	return rc;
}

int ece_encrypt(const uint8_t ua_public[ECE_PUBLIC_LEN], const uint8_t auth[ECE_AUTH_LEN],
                const uint8_t *plain, size_t plain_len, uint8_t **out, size_t *out_len)
{
	if (plain_len > ECE_PLAINTEXT_MAX)
		return ERR_TOO_LARGE;
	uint8_t salt[ECE_SALT_LEN];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return ERR_INTERNAL;
	struct ece_key *as_key = NULL;
	int rc = ece_key_new(&as_key);
	if (rc != ERR_OK)
		return rc;
	rc = ece_encrypt_with(ua_public, auth, as_key, salt, plain, plain_len, out, out_len);
	ece_key_free(as_key);
	return rc;
}

/* AES-128-GCM open of one record into out (record_len - ECE_TAG_LEN bytes);
 * ERR_BAD_REQUEST when the tag does not match. */
static int open_record(const struct ece_schedule *s, const uint8_t *record, size_t record_len,
                       uint8_t *out)
{
	int rc = ERR_INTERNAL, n = 0;
	size_t ct_len = record_len - ECE_TAG_LEN;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, s->cek, s->nonce) ||
	    !EVP_DecryptUpdate(ctx, out, &n, record, (int)ct_len) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, ECE_TAG_LEN, (void *)(record + ct_len)))
		goto err;
	rc = EVP_DecryptFinal_ex(ctx, out + n, &n) > 0 ? ERR_OK : ERR_BAD_REQUEST;
err:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int ece_decrypt(const struct ece_key *ua_key, const uint8_t auth[ECE_AUTH_LEN], const uint8_t *body,
                size_t body_len, uint8_t **plain, size_t *plain_len)
{
	if (body_len < ECE_HEADER_LEN + 1 + ECE_TAG_LEN)
		return ERR_BAD_REQUEST;
	uint32_t rs = (uint32_t)body[16] << 24 | (uint32_t)body[17] << 16 |
	              (uint32_t)body[18] << 8 | body[19];
	size_t record_len = body_len - ECE_HEADER_LEN;
	/* RFC 8188: rs is at least 18; RFC 8291: the keyid is the sender's
	 * public point. A record longer than rs means a second record: refused. */
	if (rs < 18 || body[20] != ECE_PUBLIC_LEN || record_len > rs)
		return ERR_BAD_REQUEST;
	const uint8_t *salt = body, *as_public = body + 21;
	uint8_t ua_public[ECE_PUBLIC_LEN];
	int rc = ece_key_public(ua_key, ua_public);
	if (rc != ERR_OK)
		return rc;
	struct ece_schedule s;
	uint8_t *out = NULL;
	rc = ece_schedule(ua_key, as_public, ua_public, as_public, auth, salt, &s);
	if (rc != ERR_OK)
		goto done;
	out = malloc(record_len - ECE_TAG_LEN);
	if (!out) {
		rc = ERR_INTERNAL;
		goto done;
	}
	rc = open_record(&s, body + ECE_HEADER_LEN, record_len, out);
	if (rc != ERR_OK)
		goto done;
	/* Padding is zeros after the delimiter; the delimiter of the last
	 * record is 0x02, and anything else is a malformed record. */
	size_t end = record_len - ECE_TAG_LEN;
	while (end > 0 && out[end - 1] == 0)
		end--;
	if (end == 0 || out[end - 1] != 0x02) {
		rc = ERR_BAD_REQUEST;
		goto done;
	}
	*plain = out;
	*plain_len = end - 1;
	out = NULL;
done:
	if (out) {
		OPENSSL_cleanse(out, record_len - ECE_TAG_LEN);
		free(out);
	}
	OPENSSL_cleanse(&s, sizeof s);
	return rc;
}
