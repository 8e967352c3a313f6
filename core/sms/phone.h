/*
 * phone.h - a family member's phone number for SMS (issue 13), as E.164.
 *
 * What a pair adviser or a member types ("12 34 56 78", "+45 1234 5678",
 * "0046 70 123 45 67") becomes "+4512345678": Danish numbers are understood
 * without the country code, others need theirs.  Pure: no I/O.
 */
#ifndef INDGANG_SMS_PHONE_H
#define INDGANG_SMS_PHONE_H

#include <stddef.h>

#define SMS_PHONE_MAX 16 /* "+" and at most 15 digits (E.164) */

/* The number typed, as E.164 in out; ERR_BAD_REQUEST with *why when it is
 * none.  Spaces, hyphens, dots and brackets are ignored; "00" is "+". */
int sms_phone_parse(const char *typed, char out[SMS_PHONE_MAX + 1], const char **why);

/* The number for a log: its country code and last four digits
 * ("+45••••5678"). */
void sms_phone_mask(const char *e164, char *out, size_t cap);

#endif
