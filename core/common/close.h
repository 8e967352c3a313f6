/*
 * close.h - the WebSocket close codes Indgang sends, named in this one place.
 *
 * 1000-1015 are RFC 6455's (7.4.1); 4401, 4403 and 4408 are Indgang's own,
 * after the HTTP statuses they echo (PROTOCOL.md, gateway/PROTOCOL-NOTES.md).
 * No other file of core/ or gateway/ spells one as a number, and the gateway
 * uses these rather than libwebsockets' names (CTest lint.close_codes).
 */
#ifndef INDGANG_CLOSE_H
#define INDGANG_CLOSE_H

#define CLOSE_NORMAL       1000
#define CLOSE_GOING_AWAY   1001 /* shutdown, or a peer silent past its pings */
#define CLOSE_INVALID_DATA 1007 /* a binary frame, or text that is not UTF-8 */
#define CLOSE_POLICY       1008 /* persistent abuse of the rate limit */
#define CLOSE_TOO_BIG      1009 /* a message over 64 KiB */
#define CLOSE_INTERNAL     1011 /* out of memory, or an encoding that failed */
#define CLOSE_UNAUTHORIZED 4401 /* not signed in, or the sign-in ended */
#define CLOSE_REVOKED      4403 /* signed out, revoked, deactivated, foreign Origin */
#define CLOSE_LAGGING      4408 /* fell too far behind: reconnect and sync */
#define CLOSE_TOO_MANY     4429 /* over connections_per_account or _per_device */

#endif
