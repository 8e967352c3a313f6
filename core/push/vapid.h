/*
 * vapid.h - the application server's identity towards push services:
 * Voluntary Application Server Identification, RFC 8292.
 *
 * The gateway has one P-256 key pair, made once by indgang-admin and kept
 * (PEM, 0600) beside the database. Browsers subscribe with its public key as
 * the applicationServerKey (65-byte point, base64url); the push service then
 * accepts a push for that subscription only with an Authorization header
 *
 *   vapid t=<JWT>, k=<public key, base64url>
 *
 * whose JWT is ES256-signed over {"aud": the endpoint's origin, "exp": at
 * most 24 h ahead, "sub": a mailto: or https: contact}. We sign for 12 h, so
 * a header may be cached and reused for a while without ever expiring in
 * flight.
 */
#ifndef INDGANG_PUSH_VAPID_H
#define INDGANG_PUSH_VAPID_H

#include <stddef.h>
#include <time.h>

#define VAPID_PUBLIC_B64_LEN 87  /* base64url of the 65-byte point */
#define VAPID_AUD_MAX        300 /* "https://" + a 253-byte host + ":65535" */
#define VAPID_SUBJECT_MAX    256
#define VAPID_EXPIRY         (12 * 60 * 60) /* seconds; RFC 8292 allows 24 h */

/* The application server's key pair. Opaque. */
struct vapid;

/* A fresh key pair. ERR_OK or ERR_INTERNAL. Free with vapid_free(). */
int vapid_keygen(struct vapid **out);

/* The private key from PEM text (PKCS #8 "PRIVATE KEY" or SEC 1 "EC PRIVATE
 * KEY", unencrypted) of len bytes. ERR_BAD_REQUEST when it is not a P-256
 * private key. */
int vapid_from_pem(const char *pem, size_t len, struct vapid **out);

/* The private key as PKCS #8 PEM, NUL-terminated, *len without the NUL.
 * It is a secret: the caller releases it with vapid_pem_free(). */
int vapid_to_pem(const struct vapid *v, char **pem, size_t *len);
/* Wipe and free a PEM from vapid_to_pem(). Accepts NULL. */
void vapid_pem_free(char *pem, size_t len);

/* The public key as clients take it: base64url of the uncompressed point,
 * no padding, NUL-terminated. */
int vapid_public_key(const struct vapid *v, char out[VAPID_PUBLIC_B64_LEN + 1]);

/* The JWT's audience for a push endpoint: its origin, "https://host[:port]",
 * host in lower case, port only when it is not 443. Only https endpoints
 * are accepted; no user info, an IPv6 literal only in brackets.
 * ERR_BAD_REQUEST for anything else; ERR_TOO_LARGE when out_size is short. */
int vapid_audience(const char *endpoint, char *out, size_t out_size);

/* The Authorization header value for a push to endpoint, signed now (the
 * caller's clock, so tests can set it) and valid for VAPID_EXPIRY seconds.
 * subject is "mailto:..." or "https:..." of printable ASCII without quotes or
 * backslashes. *out is malloc'd and NUL-terminated; caller frees.
 * ERR_OK; ERR_BAD_REQUEST for a malformed endpoint or subject;
 * ERR_INTERNAL when OpenSSL fails. */
int vapid_authorization(const struct vapid *v, const char *endpoint, const char *subject,
                        time_t now, char **out);

/* Accepts NULL. */
void vapid_free(struct vapid *v);

#endif
