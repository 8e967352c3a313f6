/*
 * test_parts.c - what an SMS costs (core/sms/parts.c): GSM 03.38 when every
 * character is in its alphabet (Danish is), 160 septets in one part, 153 in
 * each of several, the extension characters two septets and never split
 * across parts; UCS-2 otherwise (Arabic, Ukrainian, an emoji), 70 UTF-16
 * units in one part, 67 in each of several.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/common/err.h"
#include "core/sms/parts.h"

static struct sms_cost cost(const char *s)
{
	struct sms_cost c;
	CHECK_EQ(sms_cost(s, strlen(s), &c), ERR_OK);
	return c;
}

static void repeat(char *out, const char *unit, int n)
{
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		strcat(out, unit);
}

static void test_gsm(void)
{
	struct sms_cost c = cost("Hej Mette, vi ses på torsdag kl. 10 i Familiehuset. Mvh Anna");
	CHECK_EQ(c.coding, SMS_GSM7);
	CHECK_EQ(c.parts, 1);
	c = cost("Æbler, øl og Århus: ÆØÅ æøå é É ü ß ¿¡ § @£$¥ Δ");
	CHECK_EQ(c.coding, SMS_GSM7);
	char buf[4000];
	repeat(buf, "a", 160);
	c = cost(buf);
	CHECK_EQ(c.units, 160);
	CHECK_EQ(c.parts, 1);
	repeat(buf, "a", 161);
	CHECK_EQ(cost(buf).parts, 2);
	repeat(buf, "å", 306); /* 2 x 153 */
	CHECK_EQ(cost(buf).parts, 2);
	repeat(buf, "å", 307);
	CHECK_EQ(cost(buf).parts, 3);
}

static void test_extension(void)
{
	struct sms_cost c = cost("Pris: 50 € [inkl.]");
	CHECK_EQ(c.coding, SMS_GSM7);
	CHECK_EQ(c.units, 21); /* 15 plain + 3 extension characters of two septets */
	char buf[4000];
	repeat(buf, "€", 80); /* 160 septets: one part */
	CHECK_EQ(cost(buf).parts, 1);
	/* 152 septets, then a two-septet character that does not fit the first
	 * part's 153: it opens the second rather than being split, so 306
	 * septets take three parts, not two. */
	repeat(buf, "a", 152);
	strcat(buf, "€");
	repeat(buf + strlen(buf), "b", 152);
	c = cost(buf);
	CHECK_EQ(c.units, 306);
	CHECK_EQ(c.parts, 3);
	repeat(buf, "a", 151);
	strcat(buf, "€"); /* 153 exactly: fits */
	repeat(buf + strlen(buf), "b", 153);
	CHECK_EQ(cost(buf).parts, 2);
}

static void test_ucs2(void)
{
	struct sms_cost c = cost("مرحبا، سأتصل بك غدًا");
	CHECK_EQ(c.coding, SMS_UCS2);
	CHECK_EQ(c.parts, 1);
	c = cost("Привіт! Побачимось у четвер.");
	CHECK_EQ(c.coding, SMS_UCS2);
	c = cost("Tak 🙂"); /* one emoji makes the whole message UCS-2, and counts 2 */
	CHECK_EQ(c.coding, SMS_UCS2);
	CHECK_EQ(c.units, 6);
	char buf[4000];
	repeat(buf, "ж", 70);
	CHECK_EQ(cost(buf).parts, 1);
	repeat(buf, "ж", 71);
	CHECK_EQ(cost(buf).parts, 2);
	repeat(buf, "ж", 134);
	CHECK_EQ(cost(buf).parts, 2);
	repeat(buf, "ж", 135);
	CHECK_EQ(cost(buf).parts, 3);
	/* A surrogate pair is not split across parts either: 134 units, three. */
	repeat(buf, "ж", 66);
	strcat(buf, "🙂");
	repeat(buf + strlen(buf), "ж", 66);
	c = cost(buf);
	CHECK_EQ(c.units, 134);
	CHECK_EQ(c.parts, 3);
}

/* The corpus the web client's counter (clients/web/shared/smsparts.js) is
 * tested on too: both must say what Kannel will send. */
static void test_corpus(void)
{
	const char *path = getenv("SMS_CORPUS");
	CHECK(path != NULL);
	json_error_t jerr;
	json_t *doc = path ? json_load_file(path, 0, &jerr) : NULL;
	CHECK(doc != NULL);
	json_t *cases = json_object_get(doc, "cases"), *c;
	size_t i;
	CHECK(json_array_size(cases) > 20);
	json_array_foreach(cases, i, c)
	{
		static char text[8192];
		text[0] = '\0';
		json_t *piece;
		size_t k;
		json_array_foreach(json_object_get(c, "pieces"), k, piece)
		{
			repeat(text + strlen(text), json_string_value(json_array_get(piece, 0)),
			       (int)json_integer_value(json_array_get(piece, 1)));
		}
		struct sms_cost got = cost(text);
		const char *coding = json_string_value(json_object_get(c, "coding"));
		CHECK_STR(got.coding == SMS_GSM7 ? "gsm7" : "ucs2", coding);
		CHECK_EQ(got.units, json_integer_value(json_object_get(c, "units")));
		CHECK_EQ(got.parts, json_integer_value(json_object_get(c, "parts")));
	}
	json_decref(doc);
}

static void test_bad(void)
{
	struct sms_cost c;
	CHECK_EQ(sms_cost("\xff\xfe", 2, &c), ERR_BAD_REQUEST);
	CHECK_EQ(sms_cost("", 0, &c), ERR_OK);
	CHECK_EQ(c.parts, 0);
}

int main(void)
{
	test_gsm();
	test_extension();
	test_ucs2();
	test_corpus();
	test_bad();
	return check_report("sms parts");
}
