/*
 * b64url.h - base64url without padding (RFC 4648 section 5), as Web Push
 * writes keys, salts, JWTs and the VAPID public key.
 *
 * Decoding is strict, because every input here is a key or a signature that
 * must mean exactly one byte string: no padding, no whitespace, no characters
 * of the standard alphabet ('+', '/'), no length that leaves a lone character
 * (len % 4 == 1), and the unused low bits of the last character must be zero.
 */
#ifndef INDGANG_PUSH_B64URL_H
#define INDGANG_PUSH_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Characters of the encoding of n bytes, without the terminating NUL. */
size_t b64url_encoded_len(size_t n);

/* Encode n bytes into out, NUL-terminated. out_size must be at least
 * b64url_encoded_len(n) + 1. ERR_OK, or ERR_INTERNAL when out is too small. */
int b64url_encode(const uint8_t *in, size_t n, char *out, size_t out_size);

/* Decode len characters of text (no NUL needed) into out. *out_len is the
 * number of bytes written. ERR_OK; ERR_BAD_REQUEST when the text is not
 * strict base64url; ERR_TOO_LARGE when out_size is too small. */
int b64url_decode(const char *text, size_t len, uint8_t *out, size_t out_size, size_t *out_len);

#endif
