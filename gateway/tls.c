/*
 * tls.c - the TLS policy of the served SSL_CTX, and loading a certificate
 * chain and key and swapping them into it (see tls.h).
 */
#include "tls.h"

#include "log.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static SSL_CTX *server_ctx;

struct cert_set {
	X509 *leaf;
	STACK_OF(X509) * chain;
	EVP_PKEY *key;
};

/*
 * Mozilla's "intermediate" configuration (version 5.7), without the DHE
 * suites: TLS 1.2 and 1.3 only, ECDHE key exchange with AEAD ciphers only,
 * the server's order, no renegotiation, no compression.
 */
#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define TLS_GROUPS   "X25519:P-256:P-384"

static const char *apply_policy(SSL_CTX *ctx)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		return "minimum version TLS 1.2";
	if (SSL_CTX_set_max_proto_version(ctx, 0) != 1)
		return "maximum version";
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1)
		return "TLS 1.2 cipher list";
	if (SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) != 1)
		return "TLS 1.3 cipher suites";
	if (SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1)
		return "key exchange groups";
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
	                             SSL_OP_NO_COMPRESSION);
	return NULL;
}

void tls_capture(void *ssl_ctx)
{
	server_ctx = ssl_ctx;
	const char *failed = apply_policy(server_ctx);
	if (failed != NULL) {
		char ssl[160] = "";
		ERR_error_string_n(ERR_get_error(), ssl, sizeof ssl);
		ERR_clear_error();
		log_event(LOGL_ERROR, "tls_policy_failed", "step=\"%s\" error=\"%s\"", failed, ssl);
	}
}

int tls_captured(void)
{
	return server_ctx != NULL;
}

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	char ssl[160] = "";
	va_start(ap, fmt);
	int n = vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	unsigned long e = ERR_get_error();
	if (e != 0 && n >= 0 && (size_t)n < cap) {
		ERR_error_string_n(e, ssl, sizeof ssl);
		snprintf(why + n, cap - (size_t)n, " (%s)", ssl);
	}
	ERR_clear_error();
	return -1;
}

static void set_free(struct cert_set *s)
{
	X509_free(s->leaf);
	sk_X509_pop_free(s->chain, X509_free);
	EVP_PKEY_free(s->key);
}

static int64_t not_after_of(const X509 *x)
{
	struct tm tm;
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		return -1;
	return (int64_t)timegm(&tm);
}

/* The leaf and the rest of the chain from one PEM file. */
static int load_chain(const char *path, struct cert_set *s, char *why, size_t cap)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	if (b == NULL)
		return refuse(why, cap, "cannot read certificate %s", path);
	s->leaf = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL);
	s->chain = sk_X509_new_null();
	while (s->leaf != NULL && s->chain != NULL &&
	       (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(s->chain, x);
	BIO_free(b);
	ERR_clear_error(); /* the end of the file reads as an error */
	if (s->leaf == NULL || s->chain == NULL)
		return refuse(why, cap, "no PEM certificate in %s", path);
	return 0;
}

static int load_key(const char *path, struct cert_set *s, char *why, size_t cap)
{
	BIO *b = BIO_new_file(path, "r");
	if (b == NULL)
		return refuse(why, cap, "cannot read key %s", path);
	s->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (s->key == NULL)
		return refuse(why, cap, "no PEM private key in %s", path);
	if (X509_check_private_key(s->leaf, s->key) != 1)
		return refuse(why, cap, "the key in %s does not belong to the certificate", path);
	return 0;
}

/* Everything was checked before: this only fails when out of memory. */
static int install(SSL_CTX *ctx, const struct cert_set *s, char *why, size_t cap)
{
	if (SSL_CTX_use_certificate(ctx, s->leaf) != 1 || SSL_CTX_clear_chain_certs(ctx) != 1)
		return refuse(why, cap, "installing the certificate failed");
	for (int i = 0; i < sk_X509_num(s->chain); i++)
		if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(s->chain, i)) != 1)
			return refuse(why, cap, "installing the chain failed");
	if (SSL_CTX_use_PrivateKey(ctx, s->key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		return refuse(why, cap, "installing the key failed");
	return 0;
}

int tls_reload(const char *cert, const char *key, int64_t *not_after, char *why, size_t cap)
{
	struct cert_set s = {0};
	int rc = -1;
	if (server_ctx == NULL)
		return refuse(why, cap, "the TLS context is not known");
	if (load_chain(cert, &s, why, cap) == 0 && load_key(key, &s, why, cap) == 0)
		rc = install(server_ctx, &s, why, cap);
	if (rc == 0)
		*not_after = not_after_of(s.leaf);
	set_free(&s);
	return rc;
}

int64_t tls_file_not_after(const char *cert)
{
	struct cert_set s = {0};
	char why[16];
	int64_t t = load_chain(cert, &s, why, sizeof why) == 0 ? not_after_of(s.leaf) : -1;
	set_free(&s);
	return t;
}
