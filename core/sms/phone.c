/*
 * phone.c - phone numbers as E.164 (phone.h).
 */
#include "phone.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"

#define E164_MIN  8  /* digits, country code included: shorter is nobody's mobile */
#define E164_MAX  15 /* digits (ITU-T E.164) */
#define DK_DIGITS 8  /* a Danish subscriber number */

static const char refused[] = "A phone number is 8 digits (Danish), or + and the country code "
                              "and number (at most 15 digits).";

static bool separator(char c)
{
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

/* The digits of typed (and whether it began with + or 00); false when it
 * holds anything else or too many. */
static bool digits_of(const char *typed, char *digits, size_t cap, bool *international)
{
	size_t n = 0;
	*international = false;
	const char *p = typed;
	while (separator(*p))
		p++;
	if (*p == '+') {
		*international = true;
		p++;
	} else if (p[0] == '0' && p[1] == '0') {
		*international = true;
		p += 2;
	}
	for (; *p; p++) {
		if (separator(*p))
			continue;
		if (*p < '0' || *p > '9' || n + 1 >= cap)
			return false;
		digits[n++] = *p;
	}
	digits[n] = '\0';
	return n > 0;
}

int sms_phone_parse(const char *typed, char out[SMS_PHONE_MAX + 1], const char **why)
{
	char d[E164_MAX + 2];
	bool international;
	out[0] = '\0';
	*why = refused;
	if (typed == NULL || !digits_of(typed, d, sizeof d, &international))
		return ERR_BAD_REQUEST;
	size_t n = strlen(d);
	if (!international) {
		/* Danish without +45: eight digits, the first 2-9. */
		if (n != DK_DIGITS || d[0] < '2')
			return ERR_BAD_REQUEST;
		memcpy(out, "+45", 3);
		memcpy(out + 3, d, n + 1);
	} else {
		if (n < E164_MIN || n > E164_MAX || d[0] == '0')
			return ERR_BAD_REQUEST;
		if (strncmp(d, "45", 2) == 0 && (n != 2 + DK_DIGITS || d[2] < '2'))
			return ERR_BAD_REQUEST;
		out[0] = '+';
		memcpy(out + 1, d, n + 1); /* n <= E164_MAX: fits SMS_PHONE_MAX + 1 */
	}
	*why = NULL;
	return ERR_OK;
}

/* The country code's length: 1 to 3 digits.  Without a table of them, the
 * ones a Danish municipality meets most are known; others show three. */
static size_t code_len(const char *digits)
{
	static const char *const two[] = {"45", "46", "47", "44", "49", "90", "31",
	                                  "33", "48", "98", "93", "92", "95", "62",
	                                  "63", "66", "84", "86", "20", "27"};
	if (digits[0] == '1' || digits[0] == '7')
		return 1;
	for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
		if (strncmp(digits, two[i], 2) == 0)
			return 2;
	return 3;
}

void sms_phone_mask(const char *e164, char *out, size_t cap)
{
	const char *d = e164[0] == '+' ? e164 + 1 : e164;
	size_t n = strlen(d), cc = code_len(d);
	if (cap == 0)
		return;
	if (n <= cc + 4) {
		snprintf(out, cap, "+%.*s••••", (int)cc, d);
		return;
	}
	size_t len = (size_t)snprintf(out, cap, "+%.*s", (int)cc, d);
	for (size_t i = cc; i < n - 4 && len + 4 < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "•");
	snprintf(out + len, cap > len ? cap - len : 0, "%s", d + n - 4);
}
