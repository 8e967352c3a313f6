/*
 * test_sniff.c - an upload's type from its bytes, never from its claim, and
 * the name it is offered under (core/attach/sniff.c).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/attach/sniff.h"
#include "core/common/err.h"

static const char *sniff(const void *head, size_t n)
{
	struct attach_type t;
	const char *why = NULL;
	if (attach_sniff(head, n, &t, &why) != ERR_OK) {
		CHECK(why != NULL && why[0] != '\0');
		return "refused";
	}
	return t.mime;
}

static void test_types_from_bytes(void)
{
	CHECK_STR(sniff("\xff\xd8\xff\xe0\0\x10JFIF", 10), "image/jpeg");
	CHECK_STR(sniff("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "image/png");
	CHECK_STR(sniff("RIFF\x24\0\0\0WEBPVP8 ", 16), "image/webp");
	CHECK_STR(sniff("%PDF-1.7\n%\xe2\xe3\xcf\xd3", 14), "application/pdf");
	/* An iPhone's photo: ftyp heic. */
	CHECK_STR(sniff("\0\0\0\x18"
	                "ftypheic\0\0\0\0mif1heic",
	                24),
	          "image/heic");
	/* Generic HEIF naming heic among its compatible brands. */
	CHECK_STR(sniff("\0\0\0\x1c"
	                "ftypmif1\0\0\0\0mif1heicmiaf",
	                28),
	          "image/heic");
}

static void test_lies_and_strangers(void)
{
	CHECK_STR(sniff("MZ\x90\0\3\0\0\0", 8), "refused"); /* a program */
	CHECK_STR(sniff("PK\3\4\x14\0\6\0", 8), "refused"); /* a .docx, a zip */
	CHECK_STR(sniff("<svg xmlns=", 11), "refused");     /* SVG carries script */
	CHECK_STR(sniff("<html><script>", 14), "refused");
	CHECK_STR(sniff("\0\0\0\x1c"
	                "ftypavif\0\0\0\0avifmif1miaf",
	                28),
	          "refused");
	/* mif1 without heic: AVIF or something else libheif is not asked to read */
	CHECK_STR(sniff("\0\0\0\x18"
	                "ftypmif1\0\0\0\0mif1avif",
	                24),
	          "refused");
	/* A compatible brand past the ftyp box's own size is not its brand. */
	CHECK_STR(sniff("\0\0\0\x10"
	                "ftypmif1\0\0\0\0heic",
	                20),
	          "refused");
	CHECK_STR(sniff("RIFF\x24\0\0\0WAVEfmt ", 16), "refused"); /* sound, not WebP */
	CHECK_STR(sniff(" %PDF-1.7", 9), "refused");
	CHECK_STR(sniff("\xff\xd8", 2), "refused"); /* too short to be anything */
	CHECK_STR(sniff("", 0), "refused");
}

static void name(const char *raw, const char *mime_head, size_t n, const char *want)
{
	struct attach_type t;
	const char *why;
	char out[ATTACH_NAME_MAX + 1];
	CHECK_EQ(attach_sniff((const unsigned char *)mime_head, n, &t, &why), ERR_OK);
	attach_name(raw, &t, out);
	CHECK_STR(out, want);
}

#define PDF_HEAD  "%PDF-1.4", 8
#define JPEG_HEAD "\xff\xd8\xff\xe1", 4

static void test_names(void)
{
	name("Brev fra kommunen.pdf", PDF_HEAD, "Brev fra kommunen.pdf");
	name("IMG_2041.JPG", JPEG_HEAD, "IMG_2041.JPG");
	name("foto.jpeg", JPEG_HEAD, "foto.jpeg");
	name("brev.pdf.exe", PDF_HEAD, "brev.pdf.exe.pdf"); /* the type decides the ending */
	name("billede.png", JPEG_HEAD, "billede.png.jpg");
	name("C:\\Users\\mette\\Desktop\\rykker.pdf", PDF_HEAD, "rykker.pdf");
	name("../../etc/passwd", PDF_HEAD, "passwd.pdf");
	name("a\"b\r\nSet-Cookie: x.pdf", PDF_HEAD, "abSet-Cookie: x.pdf");
	name("  ..  ", PDF_HEAD, "bilag.pdf");
	name(NULL, JPEG_HEAD, "bilag.jpg");
	name("", JPEG_HEAD, "bilag.jpg");
	name("Ærø\xc2\x85\xff-kort.jpg", JPEG_HEAD, "Ærø-kort.jpg"); /* C1 control, stray byte */
	name("\xed\xa0\x80x.pdf", PDF_HEAD, "x.pdf");                /* a surrogate is no UTF-8 */
	name("مرحبا.pdf", PDF_HEAD, "مرحبا.pdf");

	/* Long names are cut at a character, with room for the ending. */
	char longname[400], out[ATTACH_NAME_MAX + 1];
	for (size_t i = 0; i < 150; i++)
		memcpy(longname + 2 * i, "ø", 2);
	strcpy(longname + 300, ".pdf");
	struct attach_type t;
	const char *why;
	attach_sniff((const unsigned char *)"%PDF-", 5, &t, &why);
	attach_name(longname, &t, out);
	CHECK(strlen(out) <= ATTACH_NAME_MAX);
	CHECK_STR(out + strlen(out) - 4, ".pdf");
	CHECK_EQ(strlen(out), 116 + 4); /* 58 whole "ø"s, then the ending */
}

/* A HEIC written anew as JPEG is offered as a .jpg. */
static void test_retype(void)
{
	static const struct {
		const char *name, *from, *to, *want;
	} cases[] = {
	    {"IMG_0001.heic", "image/heic", "image/jpeg", "IMG_0001.jpg"},
	    {"IMG_0001.HEIC", "image/heic", "image/jpeg", "IMG_0001.jpg"},
	    {"brev.pdf", "application/pdf", "application/pdf", "brev.pdf"},
	    {"kort.jpg", "image/jpeg", "image/jpeg", "kort.jpg"},
	    {"x.heic", "image/heic", "text/plain", "x.heic"}, /* not a type we take */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[ATTACH_NAME_MAX + 1];
		snprintf(name, sizeof name, "%s", cases[i].name);
		attach_retype(name, cases[i].from, cases[i].to);
		CHECK_STR(name, cases[i].want);
	}
}

int main(void)
{
	test_types_from_bytes();
	test_lies_and_strangers();
	test_names();
	test_retype();
	return check_report("attach_sniff");
}
