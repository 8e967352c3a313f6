/*
 * vapid.c - VAPID (RFC 8292): the server's key pair, its PEM and public key,
 * and the ES256-signed JWT of the Authorization header; see vapid.h.
 *
 * OpenSSL signs ECDSA as a DER SEQUENCE of two INTEGERs; JWS (RFC 7518
 * section 3.4) wants r and s as two 32-byte big-endian numbers side by side,
 * so the signature is converted here.
 *
 * The JSON of the JWT is written by hand rather than by the codec: the
 * audience is an origin we built ourselves and the subject is checked to
 * need no escaping, so nothing in it can break out of its string.
 */
#include "core/push/vapid.h"
#include "core/push/b64url.h"
#include "core/common/err.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vapid {
	EVP_PKEY *pkey;
};

/* {"typ":"JWT","alg":"ES256"}, the same for every token. */
static const char jwt_header[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";

int vapid_keygen(struct vapid **out)
{
	struct vapid *v = calloc(1, sizeof *v);
	if (!v)
		return ERR_INTERNAL;
	v->pkey = EVP_EC_gen("P-256");
	if (!v->pkey) {
		free(v);
		return ERR_INTERNAL;
	}
	*out = v;
	return ERR_OK;
}

/* A PEM with a passphrase is refused rather than prompting on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int vapid_from_pem(const char *pem, size_t len, struct vapid **out)
{
	if (len > INT32_MAX)
		return ERR_BAD_REQUEST;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return ERR_INTERNAL;
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	char group[32] = "";
	if (!pkey || !EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
	                                    NULL) ||
	    strcmp(group, "prime256v1") != 0)
		goto bad;
	/* A SEC 1 key may carry a compressed point; clients need it whole. */
	if (!EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	                                    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED))
		goto bad;
	struct vapid *v = calloc(1, sizeof *v);
	if (!v) {
		EVP_PKEY_free(pkey);
		return ERR_INTERNAL;
	}
	v->pkey = pkey;
	*out = v;
	return ERR_OK;
bad:
	EVP_PKEY_free(pkey);
	return ERR_BAD_REQUEST;
}

int vapid_to_pem(const struct vapid *v, char **pem, size_t *len)
{
	int rc = ERR_INTERNAL;
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data = NULL;
	if (!bio || !PEM_write_bio_PrivateKey(bio, v->pkey, NULL, NULL, 0, NULL, NULL))
		goto err;
	long n = BIO_get_mem_data(bio, &data);
	if (n <= 0)
		goto err;
	char *text = malloc((size_t)n + 1);
	if (!text)
		goto err;
	memcpy(text, data, (size_t)n);
	text[n] = '\0';
	*pem = text;
	*len = (size_t)n;
	rc = ERR_OK;
err:
	BIO_free(bio); /* a secure-memory BIO wipes what it held */
	return rc;
}

void vapid_pem_free(char *pem, size_t len)
{
	if (!pem)
		return;
	OPENSSL_cleanse(pem, len);
	free(pem);
}

int vapid_public_key(const struct vapid *v, char out[VAPID_PUBLIC_B64_LEN + 1])
{
	uint8_t point[65];
	size_t len = 0;
	if (!EVP_PKEY_get_octet_string_param(v->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
	                                     sizeof point, &len) ||
	    len != sizeof point || point[0] != 0x04)
		return ERR_INTERNAL;
	return b64url_encode(point, sizeof point, out, VAPID_PUBLIC_B64_LEN + 1);
}

void vapid_free(struct vapid *v)
{
	if (!v)
		return;
	EVP_PKEY_free(v->pkey);
	free(v);
}

/* A port of 1 to 5 digits, 1..65535, no sign and no leading zero. */
static int parse_port(const char *s, size_t n, unsigned *port)
{
	if (n == 0 || n > 5 || s[0] == '0')
		return ERR_BAD_REQUEST;
	unsigned p = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return ERR_BAD_REQUEST;
		p = p * 10 + (unsigned)(s[i] - '0');
	}
	if (p > 65535)
		return ERR_BAD_REQUEST;
	*port = p;
	return ERR_OK;
}

int vapid_audience(const char *endpoint, char *out, size_t out_size)
{
	static const char scheme[] = "https://";
	const size_t scheme_len = sizeof scheme - 1;
	if (strncasecmp(endpoint, scheme, scheme_len) != 0)
		return ERR_BAD_REQUEST;
	/* Nothing in an endpoint is a control character or a space. */
	for (const char *c = endpoint; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return ERR_BAD_REQUEST;
	const char *auth = endpoint + scheme_len;
	size_t auth_len = strcspn(auth, "/?#");
	const char *host = auth, *port_at = NULL;
	size_t host_len;
	if (auth_len > 0 && auth[0] == '[') {
		/* An IPv6 literal: hex digits, colons and dots between brackets. */
		const char *close = memchr(auth, ']', auth_len);
		if (!close || close == auth + 1)
			return ERR_BAD_REQUEST;
		for (const char *c = auth + 1; c < close; c++)
			if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
				return ERR_BAD_REQUEST;
		host_len = (size_t)(close - auth) + 1;
		if (host_len < auth_len) {
			if (auth[host_len] != ':')
				return ERR_BAD_REQUEST;
			port_at = auth + host_len + 1;
		}
	} else {
		/* A name or IPv4 address; '@' (user info), '%' and the rest are refused. */
		const char *colon = memchr(auth, ':', auth_len);
		host_len = colon ? (size_t)(colon - auth) : auth_len;
		for (size_t i = 0; i < host_len; i++)
			if (!isalnum((unsigned char)host[i]) && host[i] != '.' && host[i] != '-')
				return ERR_BAD_REQUEST;
		if (host_len == 0 || host[0] == '.' || host[0] == '-')
			return ERR_BAD_REQUEST;
		if (colon)
			port_at = colon + 1;
	}
	unsigned port = 443;
	if (port_at && parse_port(port_at, (size_t)(auth + auth_len - port_at), &port) != ERR_OK)
		return ERR_BAD_REQUEST;
	char port_text[8] = "";
	if (port != 443)
		snprintf(port_text, sizeof port_text, ":%u", port);
	if (scheme_len + host_len + strlen(port_text) + 1 > out_size)
		return ERR_TOO_LARGE;
	/* The origin is the serialised, lower-cased form (RFC 6454 section 6). */
	memcpy(out, scheme, scheme_len);
	for (size_t i = 0; i < host_len; i++)
		out[scheme_len + i] = (char)tolower((unsigned char)host[i]);
	strcpy(out + scheme_len + host_len, port_text);
	return ERR_OK;
}

/* A contact the push service's operator can use (RFC 8292 section 2.1), and
 * one that can go into a JSON string as it is. */
static int check_subject(const char *subject)
{
	size_t n = strlen(subject);
	int mailto = n > 7 && strncmp(subject, "mailto:", 7) == 0;
	int https = n > 6 && strncmp(subject, "https:", 6) == 0;
	if (n > VAPID_SUBJECT_MAX || (!mailto && !https))
		return ERR_BAD_REQUEST;
	for (size_t i = 0; i < n; i++)
		if (subject[i] <= 0x20 || subject[i] >= 0x7f || subject[i] == '"' ||
		    subject[i] == '\\')
			return ERR_BAD_REQUEST;
	return ERR_OK;
}

/* ES256 over input: r || s, 32 bytes each, from OpenSSL's DER. */
static int sign_es256(EVP_PKEY *pkey, const char *input, size_t len, uint8_t sig[64])
{
	int rc = ERR_INTERNAL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80]; /* a P-256 ECDSA-Sig-Value is at most 72 bytes */
	size_t der_len = sizeof der;
	ECDSA_SIG *es = NULL;
	if (!md || EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, pkey, NULL) <= 0 ||
	    EVP_DigestSign(md, der, &der_len, (const uint8_t *)input, len) <= 0)
		goto err;
	const uint8_t *p = der;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
		goto err;
	rc = ERR_OK;
err:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

int vapid_authorization(const struct vapid *v, const char *endpoint, const char *subject,
                        time_t now, char **out)
{
	char aud[VAPID_AUD_MAX];
	int rc = vapid_audience(endpoint, aud, sizeof aud);
	if (rc != ERR_OK)
		return rc == ERR_TOO_LARGE ? ERR_BAD_REQUEST : rc;
	if (check_subject(subject) != ERR_OK)
		return ERR_BAD_REQUEST;
	char claims[VAPID_AUD_MAX + VAPID_SUBJECT_MAX + 64];
	int claims_len =
	    snprintf(claims, sizeof claims, "{\"aud\":\"%s\",\"exp\":%lld,\"sub\":\"%s\"}", aud,
	             (long long)now + VAPID_EXPIRY, subject);
	if (claims_len < 0 || (size_t)claims_len >= sizeof claims)
		return ERR_INTERNAL;

	/* "vapid t=" header "." claims "." signature ", k=" public key */
	size_t h_len = b64url_encoded_len(sizeof jwt_header - 1);
	size_t c_len = b64url_encoded_len((size_t)claims_len);
	size_t s_len = b64url_encoded_len(64);
	size_t total = 8 + h_len + 1 + c_len + 1 + s_len + 4 + VAPID_PUBLIC_B64_LEN + 1;
	char *text = malloc(total);
	if (!text)
		return ERR_INTERNAL;
	char *p = text;
	memcpy(p, "vapid t=", 8);
	p += 8;
	const char *signed_part = p;
	uint8_t sig[64];
	if (b64url_encode((const uint8_t *)jwt_header, sizeof jwt_header - 1, p, h_len + 1))
		goto err;
	p += h_len;
	*p++ = '.';
	if (b64url_encode((const uint8_t *)claims, (size_t)claims_len, p, c_len + 1))
		goto err;
	p += c_len;
	if (sign_es256(v->pkey, signed_part, (size_t)(p - signed_part), sig) != ERR_OK)
		goto err;
	*p++ = '.';
	if (b64url_encode(sig, sizeof sig, p, s_len + 1))
		goto err;
	p += s_len;
	memcpy(p, ", k=", 4);
	p += 4;
	if (vapid_public_key(v, p) != ERR_OK)
		goto err;
	*out = text;
	return ERR_OK;
err:
	free(text);
	return ERR_INTERNAL;
}
