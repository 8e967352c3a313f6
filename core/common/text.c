/*
 * text.c - UTF-8, trimming and timestamps.
 */
#define _GNU_SOURCE
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Decode one code point; returns its length or 0 when malformed. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t n;
	uint32_t c, min;
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2, c = s[0] & 0x1Fu, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3, c = s[0] & 0x0Fu, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4, c = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

bool text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	while (len > 0) {
		uint32_t cp;
		size_t n = utf8_decode(p, len, &cp);
		if (n == 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

size_t text_utf8_count(const char *s, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

static bool is_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000;
}

/* Looks only at the ends: a message body is trimmed per frame, and most of
 * it is neither leading nor trailing space.  An invalid sequence counts as
 * U+FFFD, which is not space. */
void text_trim(const char *s, size_t len, size_t *start, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp = 0;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0 || !is_space(cp))
			break;
		i += n;
	}
	size_t end = len;
	while (end > i) {
		size_t b = end - 1; /* back to the lead byte of the last code point */
		while (b > i && end - b < 4 && (p[b] & 0xC0) == 0x80)
			b--;
		uint32_t cp = 0;
		if (utf8_decode(p + b, end - b, &cp) != end - b || !is_space(cp))
			break;
		end = b;
	}
	*start = i < len ? i : 0;
	*out_len = end - i;
}

int64_t text_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Digits into p, most significant first. */
static char *put_digits(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * civil_from_days): every message carries a timestamp, and gmtime_r plus
 * strftime cost more than the rest of its encoding. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void text_format_ts(int64_t ms, char buf[32])
{
	int64_t secs = ms / 1000, frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	int64_t days = secs / 86400, sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days -= 1;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) { /* not four digits: as the C library writes it */
		time_t t = (time_t)secs;
		struct tm tm;
		gmtime_r(&t, &tm);
		size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + n, 32 - n, ".%03uZ", (unsigned)frac);
		return;
	}
	char *p = put_digits(buf, (unsigned)y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned)(sod / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(sod / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(sod % 60), 2);
	*p++ = '.';
	p = put_digits(p, (unsigned)frac, 3);
	*p++ = 'Z';
	*p = '\0';
}

static int parse_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int text_parse_ts(const char *s, int64_t *ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, frac_ms = 0;
	if (parse_digits(&p, 4, &y) || expect(&p, '-') || parse_digits(&p, 2, &mo) ||
	    expect(&p, '-') || parse_digits(&p, 2, &d))
		return -1;
	h = mi = sec = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (parse_digits(&p, 2, &h) || expect(&p, ':') || parse_digits(&p, 2, &mi) ||
		    expect(&p, ':') || parse_digits(&p, 2, &sec))
			return -1;
		if (*p == '.') {
			p++;
			int scale = 100, digits = 0;
			while (*p >= '0' && *p <= '9') {
				frac_ms += (*p - '0') * scale;
				scale /= 10;
				p++;
				digits++;
			}
			if (digits == 0)
				return -1;
		}
	}
	int off_min = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (parse_digits(&p, 2, &oh) || expect(&p, ':') || parse_digits(&p, 2, &om))
			return -1;
		off_min = sign * (oh * 60 + om);
	} else if (*p != '\0') {
		return -1;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	struct tm tm = {.tm_year = y - 1900,
	                .tm_mon = mo - 1,
	                .tm_mday = d,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_sec = sec};
	time_t t = timegm(&tm);
	*ms = ((int64_t)t - (int64_t)off_min * 60) * 1000 + frac_ms;
	return 0;
}

bool text_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	bool fits = n < cap;
	if (!fits)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return fits;
}

const char *text_logfmt_quote(char *buf, size_t cap, const char *value)
{
	size_t o = 0;
	bool plain = value[0] != '\0';
	for (const char *p = value; *p && plain; p++)
		plain = (unsigned char)*p > ' ' && *p != '"' && *p != '=' && *p != '\\';
	if (plain && text_copy(buf, cap, value))
		return buf;
	buf[o++] = '"';
	for (const char *p = value; *p && o + 3 < cap; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			continue;
		if (*p == '"' || *p == '\\')
			buf[o++] = '\\';
		buf[o++] = *p;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
