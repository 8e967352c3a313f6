/*
 * test_phone.c - the phone numbers a pair adviser or a member types, as
 * E.164 (core/sms/phone.c): Danish numbers with or without +45, other
 * countries with their code, and what is no number; masked for the log.
 */
#include <string.h>

#include "check.h"
#include "core/common/err.h"
#include "core/sms/phone.h"

static void ok(const char *typed, const char *want)
{
	char out[SMS_PHONE_MAX + 1];
	const char *why = NULL;
	CHECK_EQ(sms_phone_parse(typed, out, &why), ERR_OK);
	CHECK_STR(out, want);
}

static void bad(const char *typed)
{
	char out[SMS_PHONE_MAX + 1];
	const char *why = NULL;
	CHECK_EQ(sms_phone_parse(typed, out, &why), ERR_BAD_REQUEST);
	CHECK(why != NULL && why[0] != '\0');
}

static void test_danish(void)
{
	ok("22345678", "+4522345678");
	ok("22 34 56 78", "+4522345678");
	ok("+45 22 34 56 78", "+4522345678");
	ok("0045 2234 5678", "+4522345678");
	ok("+45-22-34-56-78", "+4522345678");
	ok("(+45) 20304050", "+4520304050");
	bad("02345678");    /* no Danish number begins with 0 */
	bad("12345678");    /* nor with 1 (service numbers) */
	bad("2234567");     /* seven digits */
	bad("223456789");   /* nine, and no country code */
	bad("+45 2234567"); /* +45 and seven */
	bad("+4522345678 9");
}

static void test_other_countries(void)
{
	ok("+46 70 123 45 67", "+46701234567");   /* Sweden */
	ok("+90 532 123 45 67", "+905321234567"); /* Turkey */
	ok("0044 7700 900123", "+447700900123");
	bad("+0123456789");       /* no country code begins with 0 */
	bad("+1234567890123456"); /* sixteen digits: longer than E.164 */
	bad("+123");              /* too short to be anyone's */
}

static void test_not_numbers(void)
{
	bad("");
	bad("   ");
	bad("22a45678");
	bad("+45 22 34 56 78 ext 9");
	bad("++4522345678");
	bad("45+22345678");
	bad("١٢٣٤٥٦٧٨"); /* Arabic-Indic digits: typed on a phone, but not accepted silently */
}

static void test_mask(void)
{
	char out[32];
	sms_phone_mask("+4512345678", out, sizeof out);
	CHECK_STR(out, "+45••••5678");
	sms_phone_mask("+447700900123", out, sizeof out);
	CHECK_STR(out, "+44••••••0123");
}

int main(void)
{
	test_danish();
	test_other_countries();
	test_not_numbers();
	test_mask();
	return check_report("sms phone");
}
