/*
 * tls.h - the served certificate: renewing it without a restart.
 *
 * lws hands the vhost's SSL_CTX to protocol 0 at
 * LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS; main.c passes it to
 * tls_capture().  On SIGHUP tls_reload() reads the certificate chain and
 * the key, checks that they belong together, and only then installs them
 * on that SSL_CTX.  OpenSSL copies the certificate into each connection
 * when the connection is accepted (SSL_new), so open connections keep the
 * one they were made with and every new handshake gets the new one.  A
 * reload that fails changes nothing: the old certificate stays in service.
 *
 * Loop thread only.
 */
#ifndef INDGANG_TLS_H
#define INDGANG_TLS_H

#include <stddef.h>
#include <stdint.h>

/* Remembers the vhost's SSL_CTX (an SSL_CTX *) and applies the TLS policy
 * to it: TLS 1.2 and 1.3 only, ECDHE with AEAD ciphers in the server's order
 * (Mozilla "intermediate" without DHE), groups X25519, P-256, P-384, no
 * renegotiation or compression.  lws calls this after its own set-up and
 * before the first handshake; a failure is logged (tls_policy_failed). */
void tls_capture(void *ssl_ctx);
/* True once tls_capture() has been called. */
int tls_captured(void);

/* Installs cert (PEM chain, leaf first) and key (PEM) on the captured
 * SSL_CTX.  0, or -1 with why; *not_after: the leaf's expiry, Unix time. */
int tls_reload(const char *cert, const char *key, int64_t *not_after, char *why, size_t cap);

/* The expiry of the first certificate in a PEM file, Unix time; -1 on error. */
int64_t tls_file_not_after(const char *cert);

#endif
