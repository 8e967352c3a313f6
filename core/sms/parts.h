/*
 * parts.h - what an SMS costs (issue 13): the adviser sees before sending
 * how many SMS parts a message to an SMS-only member takes.
 *
 * A text whose every character is in the GSM 03.38 alphabet (Danish is)
 * goes as 7-bit septets: 160 in one part, 153 in each of several (the rest
 * is the concatenation header); the extension characters (€ [ ] { } \ ^ ~ |
 * and form feed) take two, never split across parts.  Any other character
 * (Arabic, Cyrillic, an emoji) makes the whole text UCS-2: 70 UTF-16 units
 * in one part, 67 in each of several, a surrogate pair never split.  Kannel
 * splits the same way.  Pure: no I/O.
 */
#ifndef INDGANG_SMS_PARTS_H
#define INDGANG_SMS_PARTS_H

#include <stddef.h>

enum sms_coding {
	SMS_GSM7, /* GSM 03.38 default alphabet (data_coding 0) */
	SMS_UCS2, /* UTF-16 (data_coding 8) */
};

struct sms_cost {
	enum sms_coding coding;
	size_t units; /* septets (GSM7) or UTF-16 code units (UCS2) */
	size_t parts; /* SMS parts (0 for an empty text) */
};

/* The cost of the UTF-8 text s; ERR_BAD_REQUEST when it is not UTF-8. */
int sms_cost(const char *s, size_t len, struct sms_cost *out);

#endif
