/*
 * ece_int.h - inside core/push/ece.c, open to its unit test: the key
 * schedule of RFC 8291 section 3.4 with every intermediate value, so a test
 * against the RFC's Appendix A says which step went wrong.
 */
#ifndef INDGANG_PUSH_ECE_INT_H
#define INDGANG_PUSH_ECE_INT_H

#include "core/push/ece.h"

#define ECE_KEY_INFO_LEN (14 + 2 * ECE_PUBLIC_LEN) /* "WebPush: info\0" | ua | as */

struct ece_schedule {
	uint8_t ecdh_secret[32];
	uint8_t key_info[ECE_KEY_INFO_LEN];
	uint8_t prk_key[32]; /* HKDF-Extract(auth, ecdh_secret) */
	uint8_t ikm[32];
	uint8_t prk[32]; /* HKDF-Extract(salt, ikm) */
	uint8_t cek[16];
	uint8_t nonce[12];
};

/* Derive the whole schedule from our key pair, the peer's public point, the
 * auth secret and the salt. ua_public and as_public are the two points as they
 * go into key_info (the receiver's first), whichever side we are; own is the
 * private half that matches one of them, peer the other point.
 * ERR_OK; ERR_BAD_REQUEST when peer is not a point on P-256. */
int ece_schedule(const struct ece_key *own, const uint8_t peer[ECE_PUBLIC_LEN],
                 const uint8_t ua_public[ECE_PUBLIC_LEN], const uint8_t as_public[ECE_PUBLIC_LEN],
                 const uint8_t auth[ECE_AUTH_LEN], const uint8_t salt[ECE_SALT_LEN],
                 struct ece_schedule *out);

#endif
