/*
 * pushkey.h - the gateway's Web Push (VAPID, RFC 8292) key pair in a file
 * beside the database: PATH.vapid.pem, mode 0600, made once by
 * indgang-admin (init, push-key), copied by its backup, read by the gateway
 * at start.  The public key is what browsers subscribe with
 * (applicationServerKey, GET /api/push/key); the private key signs the
 * gateway's requests to the push services, which tie a subscription to it:
 * a new key would end every subscription, so it is never replaced.
 */
#ifndef INDGANG_PUSHKEY_H
#define INDGANG_PUSHKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/push/vapid.h"

/* db + ".vapid.pem" into out; -1 when it does not fit. */
int pushkey_path(const char *db, char *out, size_t cap);
/* Makes the key file when there is none (0600, fsynced with its folder);
 * *created says whether it did.  pub receives the public key (base64url).
 * 0, or -1 with why. */
int pushkey_ensure(const char *db, char pub[VAPID_PUBLIC_B64_LEN + 1], bool *created, char *why,
                   size_t cap);
/* Reads the key; 0, 1 when there is no file, -1 with why when it is unusable
 * (unreadable, not a P-256 key, readable by others). */
int pushkey_load(const char *db, struct vapid **out, char *why, size_t cap);
/* Copies db's key file beside the backup dest (dest + ".vapid.pem", 0600);
 * *copied false when db has none.  0, or -1 with why. */
int pushkey_copy(const char *db, const char *dest, bool *copied, char *why, size_t cap);

#endif
