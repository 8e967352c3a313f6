/*
 * wsframe.h - the gateway's own WebSocket framing, in one place.
 *
 * lws writes each frame as its own TLS record and send(); ws.c instead
 * frames the small frames of a burst itself and writes them as one record
 * (a measured gain, docs/performance.md).  Everything that writes a frame
 * header by hand goes through wsframe_header(), checked against RFC 6455
 * section 5.2 by tests/unit/gateway/test_wsframe.c.
 *
 * Framing by hand bypasses what an extension (permessage-deflate) would do
 * to each frame, so it is only valid on a connection without one: the
 * gateway registers no extension, refuses every one offered
 * (wsframe_extension_ok), and wsframe_coalesce() does nothing when a
 * connection counts an active extension, so lws frames each one instead.
 * No libwebsockets here: this file is pure C, tested without sockets.
 */
#ifndef INDGANG_WSFRAME_H
#define INDGANG_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest header of a server frame: 2 bytes, 8 of extended length, no mask. */
#define WSFRAME_HEADER_MAX 10

/* Opcodes (RFC 6455 5.2). */
enum wsframe_opcode {
	WSFRAME_CONTINUATION = 0x0,
	WSFRAME_TEXT = 0x1,
	WSFRAME_BINARY = 0x2,
	WSFRAME_CLOSE = 0x8,
	WSFRAME_PING = 0x9,
	WSFRAME_PONG = 0xa,
};

/* Writes the header of an unmasked server frame (a server never masks,
 * RFC 6455 5.1) carrying payload_len bytes into out; returns its length:
 * 2 (up to 125 bytes), 4 (up to 65535) or 10. */
size_t wsframe_header(uint8_t out[WSFRAME_HEADER_MAX], uint64_t payload_len, bool fin,
                      enum wsframe_opcode opcode);

/* Whether the gateway accepts an extension a client offers: never, see above. */
bool wsframe_extension_ok(const char *name);

/* Where wsframe_coalesce() takes its frames from: the payload of the next
 * text frame (NULL when none is left), and "that one is taken". */
struct wsframe_source {
	const uint8_t *(*next)(void *ctx, size_t *len);
	void (*done)(void *ctx);
	void *ctx;
};

/* Frames the next text frames of src, whole, into out (cap bytes) while
 * they fit, taking each one it frames; returns the bytes written.  0 when
 * the next frame alone does not fit, when none is left, or when the
 * connection has an active extension (active_extensions > 0): then the
 * caller lets lws frame the next one. */
size_t wsframe_coalesce(uint8_t *out, size_t cap, unsigned active_extensions,
                        const struct wsframe_source *src);

#endif
