/*
 * ece.h - Web Push message encryption: RFC 8291 on the "aes128gcm" content
 * coding of RFC 8188.
 *
 * A push service relays a message it must not read. The gateway encrypts each
 * payload to the browser's subscription keys (p256dh: its P-256 public key;
 * auth: a 16-byte secret) with an ephemeral P-256 key pair and a random salt
 * of its own, both fresh per message. The body posted to the push service is
 *
 *   salt (16) | rs (uint32 BE, 4096) | idlen (1, 65) | keyid (65: our ephemeral
 *   public key) | one record: AES-128-GCM(plaintext | 0x02), tag included
 *
 * Only single-record messages are made or read: a notification is far below
 * one record, and push services cap payloads at 4 KiB anyway.
 *
 * ece_decrypt() is the browser's side, for the tests and the local push
 * service that stands in for the real ones.
 */
#ifndef INDGANG_PUSH_ECE_H
#define INDGANG_PUSH_ECE_H

#include <stddef.h>
#include <stdint.h>

#define ECE_PUBLIC_LEN  65 /* uncompressed P-256 point: 0x04 | x | y */
#define ECE_PRIVATE_LEN 32 /* P-256 scalar */
#define ECE_AUTH_LEN    16
#define ECE_SALT_LEN    16
#define ECE_TAG_LEN     16
#define ECE_RS          4096
#define ECE_HEADER_LEN  (ECE_SALT_LEN + 4 + 1 + ECE_PUBLIC_LEN)
/* What fits one record: the record less the tag and the 0x02 delimiter. */
#define ECE_PLAINTEXT_MAX (ECE_RS - ECE_TAG_LEN - 1)
#define ECE_BODY_LEN(n)   (ECE_HEADER_LEN + (n) + 1 + ECE_TAG_LEN)

/* A P-256 key pair: the application server's ephemeral key, or (in tests and
 * the local push service) a subscription's key. Opaque. */
struct ece_key;

/* A fresh key pair. ERR_OK or ERR_INTERNAL. Free with ece_key_free(). */
int ece_key_new(struct ece_key **out);
/* The key pair of a known private scalar (big-endian, as RFC 8291's examples
 * and JWKs' "d" give it); the public point is computed from it.
 * ERR_BAD_REQUEST when d is not a valid scalar. */
int ece_key_from_private(const uint8_t d[ECE_PRIVATE_LEN], struct ece_key **out);
/* The public point, uncompressed. */
int ece_key_public(const struct ece_key *key, uint8_t out[ECE_PUBLIC_LEN]);
/* Accepts NULL. */
void ece_key_free(struct ece_key *key);

/* Encrypt plain for the subscription (ua_public, auth) with a fresh ephemeral
 * key and a random salt: what the gateway does for every push.
 * *out is malloc'd, ECE_BODY_LEN(plain_len) bytes; caller frees.
 * ERR_OK; ERR_TOO_LARGE when plain_len > ECE_PLAINTEXT_MAX; ERR_BAD_REQUEST
 * when ua_public is not a point on P-256; ERR_INTERNAL when OpenSSL fails. */
int ece_encrypt(const uint8_t ua_public[ECE_PUBLIC_LEN], const uint8_t auth[ECE_AUTH_LEN],
                const uint8_t *plain, size_t plain_len, uint8_t **out, size_t *out_len);

/* The same with the ephemeral key and the salt given: for known-answer tests
 * only. Reusing a key and salt for two messages would reuse the GCM nonce. */
int ece_encrypt_with(const uint8_t ua_public[ECE_PUBLIC_LEN], const uint8_t auth[ECE_AUTH_LEN],
                     const struct ece_key *as_key, const uint8_t salt[ECE_SALT_LEN],
                     const uint8_t *plain, size_t plain_len, uint8_t **out, size_t *out_len);

/* The user agent's side: decrypt a single-record aes128gcm body with the
 * subscription's key pair and auth secret. *plain is malloc'd (at least one
 * byte, so an empty message is not NULL); caller frees.
 * ERR_OK; ERR_BAD_REQUEST when the body is malformed, has more than one
 * record, or does not authenticate (wrong keys, altered bytes);
 * ERR_INTERNAL when OpenSSL fails. */
int ece_decrypt(const struct ece_key *ua_key, const uint8_t auth[ECE_AUTH_LEN], const uint8_t *body,
                size_t body_len, uint8_t **plain, size_t *plain_len);

#endif
