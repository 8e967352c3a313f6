/*
 * fuzz_image.c - libFuzzer target "image": the image pipeline of
 * indgang-image (gateway/image/image.c, built here with -DIMAGE_NO_MAIN) in
 * process, on libvips and libwebp as the program runs them: one thread, no
 * operation cache, untrusted loaders blocked, the loader chosen by the
 * type.  The program's resource limits are not set (the sanitizers need the
 * address space); a small pixel limit makes bombs be refused from their
 * header as they would be.
 *
 * Input: byte 0 the type the gateway sniffed (mod 4: image/jpeg, image/png,
 * image/webp, image/heic), the rest the file, written to $FUZZ_TMPDIR
 * (default /dev/shm).
 *
 * Checks, besides the sanitizers: image_process() returns 0, 3 or 4.  On 0
 * the clean copy and the thumbnail exist, are not empty, are of the type
 * said (a HEIC becomes a JPEG; a thumbnail is a JPEG or, with alpha, a
 * PNG) and start with its magic bytes, are read back by libvips at the
 * sizes said (the copy within the pixel limit, the thumbnail within its
 * box and the copy), and carry no metadata: no APPn segment but JFIF's
 * APP0 and no comment in a JPEG before its scan, no chunk in a PNG but
 * the picture's and how to show it (IHDR, PLTE, tRNS, IDAT, IEND, pHYs,
 * sRGB, gAMA, cHRM, bKGD, sBIT: no text, eXIf, iCCP or tIME), none in a
 * WebP but VP8/VP8L/VP8X/ALPH,
 * and nowhere the bytes of an XMP packet, an ICC profile or a GPS datum.
 * On 3 or 4 neither file is left.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "gateway/image/image.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* As fuzz_world.c's, without linking the core: says what went wrong and
 * aborts, so libFuzzer keeps the input. */
__attribute__((format(printf, 1, 2), noreturn)) static void fuzz_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("\n*** ORACLE VIOLATION: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	abort();
}

#define MAX_PIXELS 4000000LL /* 4 megapixels: bombs are refused quickly */
#define THUMB_SIZE 320

static const char *const types[] = {"image/jpeg", "image/png", "image/webp", "image/heic"};
static const char *const save_types[] = {"image/jpeg", "image/png", "image/webp", "image/jpeg"};

static char dir[512], in_path[600], out_path[600], thumb_path[600];

static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	if (VIPS_INIT((*argv)[0]))
		fuzz_die("cannot start libvips: %s", vips_error_buffer());
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, quiet, NULL);
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_block_untrusted_set(TRUE);
	const char *base = getenv("FUZZ_TMPDIR");
	snprintf(dir, sizeof dir, "%s/indgang-image-XXXXXX",
	         base ? base : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"));
	if (mkdtemp(dir) == NULL)
		fuzz_die("mkdtemp %s failed", dir);
	snprintf(in_path, sizeof in_path, "%s/in", dir);
	snprintf(out_path, sizeof out_path, "%s/out", dir);
	snprintf(thumb_path, sizeof thumb_path, "%s/thumb", dir);
	return 0;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fuzz_die("cannot create %s", path);
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			fuzz_die("cannot write %s", path);
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

/* The whole file (malloc'd, *n bytes); NULL when it is not there. */
static uint8_t *read_file(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		fuzz_die("fstat %s", path);
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	ssize_t r = pread(fd, buf, (size_t)st.st_size, 0);
	close(fd);
	if (r != st.st_size)
		fuzz_die("cannot read %s", path);
	*n = (size_t)st.st_size;
	return buf;
}

static bool has(const uint8_t *b, size_t n, const char *what, size_t len)
{
	return memmem(b, n, what, len) != NULL;
}

/* JPEG: between SOI and the first scan only JFIF's APP0 and the tables. */
static void check_jpeg(const char *what, const uint8_t *b, size_t n)
{
	if (n < 4 || memcmp(b, "\xff\xd8\xff", 3) != 0 || memcmp(b + n - 2, "\xff\xd9", 2) != 0)
		fuzz_die("%s is not a whole JPEG", what);
	for (size_t i = 2; i + 4 <= n;) {
		if (b[i] != 0xff)
			fuzz_die("%s: no marker at %zu", what, i);
		uint8_t m = b[i + 1];
		if (m == 0xff) { /* fill byte */
			i++;
			continue;
		}
		if (m == 0xda) /* start of scan: no metadata after it */
			return;
		size_t len = (size_t)b[i + 2] << 8 | b[i + 3];
		if ((m >= 0xe1 && m <= 0xef) || m == 0xfe ||
		    (m == 0xe0 && !(len >= 7 && i + 9 <= n && memcmp(b + i + 4, "JFIF", 5) == 0)))
			fuzz_die("%s keeps segment 0xFF%02X (%zu bytes)%s", what, m, len,
			         i + 10 <= n && memcmp(b + i + 4, "Exif", 4) == 0 ? ": Exif" : "");
		i += 2 + len;
	}
	fuzz_die("%s has no scan", what);
}

static void check_png(const char *what, const uint8_t *b, size_t n)
{
	/* The picture, and how to show it (resolution, colour space, gamma). */
	static const char *const kept[] = {"IHDR", "PLTE", "tRNS", "IDAT", "IEND", "pHYs",
	                                   "sRGB", "gAMA", "cHRM", "bKGD", "sBIT"};
	if (n < 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0)
		fuzz_die("%s is not a PNG", what);
	for (size_t i = 8; i + 12 <= n;) {
		size_t len =
		    (size_t)b[i] << 24 | (size_t)b[i + 1] << 16 | (size_t)b[i + 2] << 8 | b[i + 3];
		bool ok = false;
		for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
			ok |= memcmp(b + i + 4, kept[k], 4) == 0;
		if (!ok)
			fuzz_die("%s keeps chunk %.4s", what, (const char *)b + i + 4);
		if (memcmp(b + i + 4, "IEND", 4) == 0)
			return;
		if (len > n - i - 12)
			fuzz_die("%s: chunk past the end", what);
		i += 12 + len;
	}
	fuzz_die("%s has no IEND", what);
}

static void check_webp(const char *what, const uint8_t *b, size_t n)
{
	static const char *const kept[] = {"VP8 ", "VP8L", "VP8X", "ALPH"};
	if (n < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WEBP", 4) != 0)
		fuzz_die("%s is not a WebP", what);
	for (size_t i = 12; i + 8 <= n;) {
		size_t len = b[i + 4] | (size_t)b[i + 5] << 8 | (size_t)b[i + 6] << 16 |
		             (size_t)b[i + 7] << 24;
		bool ok = false;
		for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
			ok |= memcmp(b + i, kept[k], 4) == 0;
		if (!ok)
			fuzz_die("%s keeps chunk %.4s", what, (const char *)b + i);
		if (len > n - i - 8)
			fuzz_die("%s: chunk past the end", what);
		i += 8 + len + (len & 1);
	}
}

/* One file written on success: there, of its type, without metadata, and
 * read back by libvips at the size said. */
static void check_output(const char *what, const char *path, const char *type, int w, int h)
{
	size_t n = 0;
	uint8_t *b = read_file(path, &n);
	if (b == NULL || n == 0)
		fuzz_die("image_process returned 0 without a %s", what);
	if (strcmp(type, "image/jpeg") == 0)
		check_jpeg(what, b, n);
	else if (strcmp(type, "image/png") == 0)
		check_png(what, b, n);
	else if (strcmp(type, "image/webp") == 0)
		check_webp(what, b, n);
	else
		fuzz_die("%s of type %s", what, type);
	static const char *const marks[] = {"http://ns.adobe.com/xap", "<x:xmpmeta", "ICC_PROFILE",
	                                    "WGS-84", "Photoshop 3.0"};
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
		if (has(b, n, marks[k], strlen(marks[k])))
			fuzz_die("%s holds \"%s\"", what, marks[k]);
	free(b);
	VipsImage *back = vips_image_new_from_file(path, NULL);
	if (back == NULL)
		fuzz_die("%s cannot be read back: %s", what, vips_error_buffer());
	if (vips_image_get_width(back) != w || vips_image_get_height(back) != h)
		fuzz_die("%s is %dx%d, said %dx%d", what, vips_image_get_width(back),
		         vips_image_get_height(back), w, h);
	g_object_unref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int t = data[0] % 4;
	write_file(in_path, data + 1, size - 1);
	unlink(out_path);
	unlink(thumb_path);
	struct image_result r;
	int rc = image_process(types[t], in_path, out_path, thumb_path, MAX_PIXELS, THUMB_SIZE, &r);
	if (rc != IMAGE_OK && rc != IMAGE_REFUSED && rc != IMAGE_FAILED)
		fuzz_die("image_process(%s) returned %d", types[t], rc);
	if (rc == IMAGE_OK) {
		if (strcmp(r.type, save_types[t]) != 0)
			fuzz_die("a %s written as %s", types[t], r.type);
		if (r.width <= 0 || r.height <= 0 || (long long)r.width * r.height > MAX_PIXELS)
			fuzz_die("a %s of %dx%d pixels let through", types[t], r.width, r.height);
		if (strcmp(r.thumb_type, "image/jpeg") != 0 &&
		    strcmp(r.thumb_type, "image/png") != 0)
			fuzz_die("a thumbnail of type %s", r.thumb_type);
		if (r.thumb_width <= 0 || r.thumb_height <= 0 || r.thumb_width > THUMB_SIZE ||
		    r.thumb_height > THUMB_SIZE || r.thumb_width > r.width ||
		    r.thumb_height > r.height)
			fuzz_die("a thumbnail of %dx%d for %dx%d", r.thumb_width, r.thumb_height,
			         r.width, r.height);
		check_output("the clean copy", out_path, r.type, r.width, r.height);
		check_output("the thumbnail", thumb_path, r.thumb_type, r.thumb_width,
		             r.thumb_height);
	} else if (access(out_path, F_OK) == 0 || access(thumb_path, F_OK) == 0) {
		fuzz_die("image_process returned %d and left %s", rc,
		         access(out_path, F_OK) == 0 ? "the clean copy" : "the thumbnail");
	}
	unlink(out_path);
	unlink(thumb_path);
	vips_error_clear();
	return 0;
}
