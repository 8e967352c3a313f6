/*
 * wsframe.c - the WebSocket frame headers the gateway writes itself, and the
 * coalescing of small frames into one write (see wsframe.h).
 */
#include "wsframe.h"

#include <string.h>

/* RFC 6455 5.2: byte 0 is FIN, RSV1-3 (0: no extension) and the opcode;
 * byte 1 is MASK (0: server frames are never masked) and a 7-bit length,
 * where 126 announces a 16-bit length and 127 a 64-bit one, in network byte
 * order, and the shortest form that holds the length must be used. */
size_t wsframe_header(uint8_t out[WSFRAME_HEADER_MAX], uint64_t payload_len, bool fin,
                      enum wsframe_opcode opcode)
{
	out[0] = (uint8_t)((fin ? 0x80 : 0x00) | ((unsigned)opcode & 0x0f));
	if (payload_len < 126) {
		out[1] = (uint8_t)payload_len;
		return 2;
	}
	if (payload_len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(payload_len >> 8);
		out[3] = (uint8_t)payload_len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++) /* the most significant bit must be 0 */
		out[2 + i] = (uint8_t)((payload_len & 0x7fffffffffffffffull) >> (56 - 8 * i));
	return 10;
}

/* Frames are framed by hand (wsframe_coalesce), which would bypass an
 * extension's transform of each frame: none is ever negotiated. */
bool wsframe_extension_ok(const char *name)
{
	(void)name;
	return false;
}

size_t wsframe_coalesce(uint8_t *out, size_t cap, unsigned active_extensions,
                        const struct wsframe_source *src)
{
	if (active_extensions > 0)
		return 0;
	size_t used = 0, len;
	const uint8_t *frame;
	while ((frame = src->next(src->ctx, &len)) != NULL) {
		uint8_t head[WSFRAME_HEADER_MAX];
		size_t n = wsframe_header(head, len, true, WSFRAME_TEXT);
		if (n + len > cap - used)
			break;
		memcpy(out + used, head, n);
		memcpy(out + used + n, frame, len);
		used += n + len;
		src->done(src->ctx);
	}
	return used;
}
