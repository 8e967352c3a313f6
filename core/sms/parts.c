/*
 * parts.c - what an SMS costs (parts.h).
 */
#include "parts.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../common/err.h"
#include "../common/text.h"

#define GSM_ONE   160 /* septets in a single part */
#define GSM_MANY  153 /* ... in each part of several (a 6-byte UDH) */
#define UCS2_ONE  70  /* UTF-16 units in a single part */
#define UCS2_MANY 67

/* The GSM 03.38 default alphabet, as Unicode code points (ESC left out). */
static const uint32_t gsm_basic[] = {
    '@',   0xA3, '$',  0xA5,  0xE8, 0xE9,  0xF9,  0xEC,  0xF2,  0xC7,  '\n',  0xD8,  0xF8,
    '\r',  0xC5, 0xE5, 0x394, '_',  0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398,
    0x39E, 0xC6, 0xE6, 0xDF,  0xC9, ' ',   '!',   '"',   '#',   0xA4,  '%',   '&',   '\'',
    '(',   ')',  '*',  '+',   ',',  '-',   '.',   '/',   ':',   ';',   '<',   '=',   '>',
    '?',   0xA1, 0xC4, 0xD6,  0xD1, 0xDC,  0xA7,  0xBF,  0xE4,  0xF6,  0xF1,  0xFC,  0xE0,
};
/* ... and its extension table: an escape and the character, two septets. */
static const uint32_t gsm_ext[] = {'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

static bool in(const uint32_t *set, size_t n, uint32_t c)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == c)
			return true;
	return false;
}

/* Septets of c in GSM 03.38: 1, 2 (extension), or 0 when it has none. */
static size_t septets(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	if (in(gsm_basic, sizeof gsm_basic / sizeof *gsm_basic, c))
		return 1;
	return in(gsm_ext, sizeof gsm_ext / sizeof *gsm_ext, c) ? 2 : 0;
}

/* The next code point of valid UTF-8 at *p. */
static uint32_t next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c;
	size_t n;
	if (s[0] < 0x80) {
		c = s[0];
		n = 1;
	} else if (s[0] < 0xE0) {
		c = s[0] & 0x1Fu;
		n = 2;
	} else if (s[0] < 0xF0) {
		c = s[0] & 0x0Fu;
		n = 3;
	} else {
		c = s[0] & 0x07u;
		n = 4;
	}
	for (size_t i = 1; i < n; i++)
		c = (c << 6) | (s[i] & 0x3Fu);
	*p = s + n;
	return c;
}

/* Parts for a text of these unit sizes: one part up to `one` units in all,
 * else parts of `many`, an item that does not fit what is left of a part
 * opening the next. */
struct tally {
	size_t units, parts_of_many, room;
};

static void add(struct tally *t, size_t size, size_t many)
{
	t->units += size;
	if (size > t->room) {
		t->parts_of_many++;
		t->room = many;
	}
	t->room -= size;
}

int sms_cost(const char *s, size_t len, struct sms_cost *out)
{
	memset(out, 0, sizeof *out);
	if (!text_utf8_valid(s, len))
		return ERR_BAD_REQUEST;
	const unsigned char *end = (const unsigned char *)s + len;
	bool gsm = true;
	for (const unsigned char *p = (const unsigned char *)s; gsm && p < end;)
		gsm = septets(next(&p)) > 0;
	struct tally t = {0};
	size_t many = gsm ? GSM_MANY : UCS2_MANY, one = gsm ? GSM_ONE : UCS2_ONE;
	for (const unsigned char *p = (const unsigned char *)s; p < end;) {
		uint32_t c = next(&p);
		add(&t, gsm ? septets(c) : (c > 0xFFFF ? 2 : 1), many);
	}
	out->coding = gsm ? SMS_GSM7 : SMS_UCS2;
	out->units = t.units;
	out->parts = t.units == 0 ? 0 : t.units <= one ? 1 : t.parts_of_many;
	return ERR_OK;
}
