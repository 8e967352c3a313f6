/*
 * b64url.c - base64url without padding, strict on decode (see b64url.h).
 */
#include "core/push/b64url.h"
#include "core/common/err.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64url_encoded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

int b64url_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
	if (out_size < b64url_encoded_len(n) + 1)
		return ERR_INTERNAL;
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
	return ERR_OK;
}

/* The value of one character, or -1 for anything outside the URL-safe
 * alphabet (padding and whitespace included). */
static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int b64url_decode(const char *text, size_t len, uint8_t *out, size_t out_size, size_t *out_len)
{
	/* One character alone carries only 6 bits: no byte ends there. */
	if (len % 4 == 1)
		return ERR_BAD_REQUEST;
	size_t need = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	if (need > out_size)
		return ERR_TOO_LARGE;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = value_of(text[i]);
		if (v < 0)
			return ERR_BAD_REQUEST;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* The bits left over must be zero, or two texts would decode alike. */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return ERR_BAD_REQUEST;
	*out_len = o;
	return ERR_OK;
}
