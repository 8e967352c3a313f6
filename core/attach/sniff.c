/*
 * sniff.c - an upload's type from its bytes and the name it is offered
 * under (sniff.h says why neither is taken from the client).
 */
#include "sniff.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "../common/err.h"

static const struct attach_type JPEG = {ATTACH_IMAGE, "image/jpeg", ".jpg"};
static const struct attach_type PNG = {ATTACH_IMAGE, "image/png", ".png"};
static const struct attach_type WEBP = {ATTACH_IMAGE, "image/webp", ".webp"};
static const struct attach_type HEIC = {ATTACH_IMAGE, "image/heic", ".heic"};
static const struct attach_type PDF = {ATTACH_PDF, "application/pdf", ".pdf"};

static bool at(const unsigned char *head, size_t n, size_t off, const char *sig, size_t len)
{
	return n >= off + len && memcmp(head + off, sig, len) == 0;
}

static bool heic_brand(const unsigned char *b)
{
	static const char *const brands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx"};
	for (size_t i = 0; i < sizeof brands / sizeof *brands; i++)
		if (memcmp(b, brands[i], 4) == 0)
			return true;
	return false;
}

/* An ISO-BMFF file whose ftyp box names HEIC as its brand or, for the
 * generic HEIF brands (mif1, msf1, which AVIF uses too), among its
 * compatible ones. */
static bool is_heic(const unsigned char *head, size_t n)
{
	if (!at(head, n, 4, "ftyp", 4) || n < 16)
		return false;
	if (heic_brand(head + 8))
		return true;
	if (!at(head, n, 8, "mif1", 4) && !at(head, n, 8, "msf1", 4))
		return false;
	size_t box = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
	for (size_t off = 16; off + 4 <= box && off + 4 <= n; off += 4)
		if (heic_brand(head + off))
			return true;
	return false;
}

int attach_sniff(const unsigned char *head, size_t n, struct attach_type *out, const char **why)
{
	if (at(head, n, 0, "\xff\xd8\xff", 3))
		*out = JPEG;
	else if (at(head, n, 0, "\x89PNG\r\n\x1a\n", 8))
		*out = PNG;
	else if (at(head, n, 0, "RIFF", 4) && at(head, n, 8, "WEBP", 4))
		*out = WEBP;
	else if (is_heic(head, n))
		*out = HEIC;
	else if (at(head, n, 0, "%PDF-", 5))
		*out = PDF;
	else {
		*why = "Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be sent.";
		return ERR_UNSUPPORTED;
	}
	return ERR_OK;
}

/* The length of the UTF-8 sequence at s (at most left bytes), 0 when it is
 * not one (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t len = s[0] < 0x80                    ? 1
	             : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
	             : s[0] >= 0xe0 && s[0] <= 0xef ? 3
	             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
	                                            : 0;
	if (len == 0 || len > left)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/* Characters a name never keeps: controls (C0, DEL, C1 as UTF-8) and what
 * would end or escape a quoted header value. */
static bool dropped(const unsigned char *c, size_t len)
{
	if (len == 1)
		return c[0] < 0x20 || c[0] == 0x7f || c[0] == '"' || c[0] == '\\';
	return len == 2 && c[0] == 0xc2 && c[1] < 0xa0;
}

static bool has_ext(const char *name, size_t len, const char *ext)
{
	size_t e = strlen(ext);
	if (len > e && strcasecmp(name + len - e, ext) == 0)
		return true;
	/* The usual other spellings of the same type. */
	return strcmp(ext, ".jpg") == 0 && len > 5 && strcasecmp(name + len - 5, ".jpeg") == 0;
}

void attach_name(const char *raw, const struct attach_type *t, char out[ATTACH_NAME_MAX + 1])
{
	const char *base = raw ? raw : "";
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	size_t room = ATTACH_NAME_MAX - strlen(t->ext), o = 0;
	const unsigned char *s = (const unsigned char *)base;
	for (size_t left = strlen(base); left > 0;) {
		size_t len = utf8_len(s, left);
		if (len == 0) { /* not UTF-8: that byte goes */
			s++;
			left--;
			continue;
		}
		if (!dropped(s, len)) {
			if (o + len > room)
				break;
			memcpy(out + o, s, len);
			o += len;
		}
		s += len;
		left -= len;
	}
	/* No leading or trailing dots or spaces ("..", " .pdf "). */
	size_t start = 0;
	while (start < o && (out[start] == '.' || out[start] == ' '))
		start++;
	while (o > start && (out[o - 1] == '.' || out[o - 1] == ' '))
		o--;
	memmove(out, out + start, o - start);
	o -= start;
	if (o == 0) {
		strcpy(out, "bilag");
		o = 5;
	}
	out[o] = '\0';
	if (!has_ext(out, o, t->ext))
		strcpy(out + o, t->ext);
}

void attach_retype(char name[ATTACH_NAME_MAX + 1], const char *from, const char *to)
{
	static const struct attach_type *const types[] = {&JPEG, &PNG, &WEBP, &HEIC, &PDF};
	const struct attach_type *was = NULL, *now = NULL;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (strcmp(types[i]->mime, from) == 0)
			was = types[i];
		if (strcmp(types[i]->mime, to) == 0)
			now = types[i];
	}
	if (was == NULL || now == NULL)
		return;
	size_t len = strlen(name);
	if (has_ext(name, len, was->ext))
		name[len - strlen(was->ext)] = '\0';
	char raw[ATTACH_NAME_MAX + 1];
	memcpy(raw, name, sizeof raw);
	attach_name(raw, now, name);
}
