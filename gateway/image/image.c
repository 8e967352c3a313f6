/*
 * image.c - indgang-image: decodes one uploaded image and writes a clean copy
 * and a thumbnail of it (issue 14, attachments).
 *
 * The gateway runs it as a process of its own on every image a family or an
 * adviser uploads, so that a bug in an image decoder, or a file built to
 * decompress into gigabytes, can only kill this process and never the
 * gateway.  It
 *
 *   1. lowers its own limits (address space, CPU time, file size, open files,
 *      no core dumps) before any decoder runs;
 *   2. opens the file with the one libvips loader for the type the gateway
 *      sniffed from its bytes (a file sniffed as a JPEG is never handed to
 *      another decoder) and refuses it, from the header alone, when it has
 *      more pixels than --max-pixels;
 *   3. decodes it, once, turns it upright by its EXIF orientation, converts
 *      it to sRGB and drops all of its metadata (EXIF with GPS positions,
 *      XMP, IPTC, ICC profiles, comments): an upright JPEG a strip at a time
 *      as it is written again, anything else into memory first;
 *   4. writes it again (JPEG, PNG, WebP; HEIC as JPEG, which browsers show)
 *      and a thumbnail, each to a new file, fsynced;
 *   5. prints one line of JSON on stdout describing both.
 *
 *   indgang-image --type TYPE --in PATH --out PATH --thumb PATH
 *                 [--max-pixels N] [--thumb-size N] [--memory-mb N] [--cpu-seconds N]
 *
 * Exit 0 with the JSON; 2 for a usage error; 3 when the image is refused (too
 * many pixels, not decodable as TYPE, truncated); 4 when writing failed.  On 3
 * and 4 stderr has one line beginning "refused: " or "failed: " and no output
 * file this run created is left behind.  Death by a signal (a limit hit) is
 * the caller's to handle.
 *
 * Steps 2 to 4 are image_process() (image.h); built with -DIMAGE_NO_MAIN the
 * file is that function alone, without main() and the limits, for the fuzz
 * target tests/fuzz/fuzz_image.c.
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>
#include <webp/encode.h>

#include "image.h"

enum image_codec { CODEC_JPEG, CODEC_PNG, CODEC_WEBP, CODEC_HEIF };

/* A type the gateway may name: the only loader it is opened with, and what
 * it is written back as. */
struct image_format {
	const char *type;
	enum image_codec load;
	enum image_codec save;
	const char *save_type;
};

static const struct image_format formats[] = {
    {"image/jpeg", CODEC_JPEG, CODEC_JPEG, "image/jpeg"},
    {"image/png", CODEC_PNG, CODEC_PNG, "image/png"},
    {"image/webp", CODEC_WEBP, CODEC_WEBP, "image/webp"},
    {"image/heic", CODEC_HEIF, CODEC_JPEG, "image/jpeg"},
};

/* Quality of the re-encoded image and of the thumbnail. */
#define IMAGE_Q 85
#define THUMB_Q 75
/* Files written are capped: a clean copy of an upload is never near this. */
#define IMAGE_FSIZE_MAX (64LL << 20)
/* Libvips, glib and the loaders need a handful of descriptors, nothing more. */
#define IMAGE_NOFILE_MAX 32

struct image_opts {
	const struct image_format *format;
	const char *in, *out, *thumb;
	long long max_pixels, thumb_size, memory_mb, cpu_seconds;
};

/* The files this run created, to be removed again when it fails. */
struct image_files {
	const char *out, *thumb;
	int out_made, thumb_made;
};

/* One line on stderr: the caller logs it and may show it, so libvips'
 * multi-line error buffer is folded onto the line and then cleared. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	fprintf(stderr, "%s\n", line);
}

/* Libvips' last error, for say(); cleared so it is not reported twice. */
static const char *vips_why(void)
{
	static char why[512];
	snprintf(why, sizeof why, "%s", vips_error_buffer());
	vips_error_clear();
	return why[0] ? why : "unknown error";
}

static const struct image_format *format_named(const char *type)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i].type, type) == 0)
			return &formats[i];
	return NULL;
}

#ifndef IMAGE_NO_MAIN
/* The program's own: its arguments and its limits. */

static void usage(void)
{
	fputs("usage: indgang-image --type TYPE --in PATH --out PATH --thumb PATH\n"
	      "                     [--max-pixels N] [--thumb-size N] [--memory-mb N]"
	      " [--cpu-seconds N]\n"
	      "TYPE: image/jpeg, image/png, image/webp or image/heic\n",
	      stderr);
}

/* A whole decimal number in [min, max]. */
static int parse_num(const char *text, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The number options: name, bounds, and where each goes.  The bounds keep
 * the products below (megabytes to bytes, pixels) far from overflowing. */
static int parse_number_opt(int opt, const char *arg, struct image_opts *o)
{
	switch (opt) {
	case 'p':
		return parse_num(arg, 1, 1000000000000LL, &o->max_pixels);
	case 's':
		return parse_num(arg, 1, 10000, &o->thumb_size);
	case 'm': /* libvips and its libraries map about 150 MiB before any image */
		return parse_num(arg, 256, 1 << 20, &o->memory_mb);
	case 'c':
		return parse_num(arg, 1, 86400, &o->cpu_seconds);
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct image_opts *o)
{
	static const struct option longopts[] = {
	    {"type", required_argument, NULL, 't'},
	    {"in", required_argument, NULL, 'i'},
	    {"out", required_argument, NULL, 'o'},
	    {"thumb", required_argument, NULL, 'T'},
	    {"max-pixels", required_argument, NULL, 'p'},
	    {"thumb-size", required_argument, NULL, 's'},
	    {"memory-mb", required_argument, NULL, 'm'},
	    {"cpu-seconds", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	*o = (struct image_opts){
	    .max_pixels = 50000000, .thumb_size = 320, .memory_mb = 1024, .cpu_seconds = 30};
	const char *type = NULL;
	int opt;
	opterr = 0; /* one usage message of our own, not getopt's as well */
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			type = optarg;
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'T':
			o->thumb = optarg;
			break;
		case 'p':
		case 's':
		case 'm':
		case 'c':
			if (parse_number_opt(opt, optarg, o) != 0) {
				fprintf(stderr, "indgang-image: bad number: %s\n", optarg);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || !type || !o->in || !o->out || !o->thumb)
		return -1;
	if (!(o->format = format_named(type))) {
		fprintf(stderr, "indgang-image: unknown type: %s\n", type);
		return -1;
	}
	return 0;
}

/* Lowers one limit, soft and hard, so that code taken over by a hostile file
 * cannot raise it again.  Never raises one the caller has set lower. */
static int lower_limit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit now;
	if (getrlimit(resource, &now) != 0)
		return -1;
	struct rlimit want = {soft, hard};
	if (now.rlim_max != RLIM_INFINITY && want.rlim_max > now.rlim_max)
		want.rlim_max = now.rlim_max;
	if (now.rlim_cur != RLIM_INFINITY && want.rlim_cur > now.rlim_cur)
		want.rlim_cur = now.rlim_cur;
	if (want.rlim_cur > want.rlim_max)
		want.rlim_cur = want.rlim_max;
	if (setrlimit(resource, &want) == 0)
		return 0;
	/* Lowering a limit is always allowed, except under valgrind, which keeps
	 * the hard limit on descriptors for itself: then the soft limit alone. */
	if (errno != EPERM)
		return -1;
	want.rlim_max = now.rlim_max;
	return setrlimit(resource, &want);
}

/* AddressSanitizer maps terabytes of shadow memory at start, so an address
 * space limit would make every allocation fail in the sanitizer build. */
#if defined(__SANITIZE_ADDRESS__)
#define IMAGE_LIMIT_AS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMAGE_LIMIT_AS 0
#endif
#endif
#ifndef IMAGE_LIMIT_AS
#define IMAGE_LIMIT_AS 1
#endif

/* The limits, set before libvips (and with it any decoder) is started.  CPU:
 * SIGXCPU at the limit, SIGKILL a second later if it is caught.  File size:
 * SIGXFSZ is ignored so that a write past the cap fails with EFBIG and is
 * reported (exit 4, partial files removed) instead of killing us silently. */
static int set_limits(const struct image_opts *o)
{
	rlim_t mem = (rlim_t)o->memory_mb << 20;
	rlim_t cpu = (rlim_t)o->cpu_seconds;
	signal(SIGXFSZ, SIG_IGN);
	if ((IMAGE_LIMIT_AS && lower_limit(RLIMIT_AS, mem, mem) != 0) ||
	    lower_limit(RLIMIT_CPU, cpu, cpu + 1) != 0 ||
	    lower_limit(RLIMIT_FSIZE, IMAGE_FSIZE_MAX, IMAGE_FSIZE_MAX) != 0 ||
	    lower_limit(RLIMIT_NOFILE, IMAGE_NOFILE_MAX, IMAGE_NOFILE_MAX) != 0 ||
	    lower_limit(RLIMIT_CORE, 0, 0) != 0) {
		say("failed: cannot set resource limits: %s", strerror(errno));
		return -1;
	}
	return 0;
}

#endif /* IMAGE_NO_MAIN */

/* Opens the header only: libvips decodes no pixels until they are asked for.
 * Sequential access decodes top to bottom without a temporary copy; the one
 * full decode is decode()'s.  fail_on truncated: a cut-off upload is refused
 * rather than completed with grey.  HEIC and WebP load one page (frame) by
 * default: the primary image for HEIC (not necessarily page 0, so no "page"
 * is given), the first frame of an animated WebP.  HEIC needs no EXIF
 * orientation: libheif applies the file's own rotation (irot/imir) and
 * libvips drops the EXIF tag, which would otherwise turn it twice. */
static int open_header(const struct image_format *f, const char *path, VipsImage **out)
{
	const VipsAccess seq = VIPS_ACCESS_SEQUENTIAL;
	const VipsFailOn fail = VIPS_FAIL_ON_TRUNCATED;
	switch (f->load) {
	case CODEC_JPEG:
		return vips_jpegload(path, out, "access", seq, "fail_on", fail, NULL);
	case CODEC_PNG:
		return vips_pngload(path, out, "access", seq, "fail_on", fail, NULL);
	case CODEC_WEBP:
		return vips_webpload(path, out, "access", seq, "fail_on", fail, NULL);
	case CODEC_HEIF:
		return vips_heifload(path, out, "access", seq, "fail_on", fail, NULL);
	}
	return -1;
}

/* The decompression bomb check, from the header's size alone. */
static int check_pixels(VipsImage *img, long long max_pixels)
{
	int64_t w = vips_image_get_width(img), h = vips_image_get_height(img);
	if (w * h > max_pixels) {
		say("refused: %" PRId64 "x%" PRId64 " pixels is over the limit of %lld", w, h,
		    max_pixels);
		return -1;
	}
	return 0;
}

/* Every pixel of an image that does not stream (streams()), decoded once
 * into memory: the clean copy and the thumbnail are both made from it, and
 * any decoder error surfaces here, before a file is created. */
static VipsImage *decode(VipsImage *header, const char *type)
{
	VipsImage *mem = vips_image_copy_memory(header);
	if (!mem)
		say("refused: cannot decode as %s: %s", type, vips_why());
	return mem;
}

/* The colours as the sender saw them, in sRGB: the copy keeps no ICC profile,
 * so an embedded one (a phone's Display P3, a CMYK print profile) is applied
 * now rather than dropped with the metadata.  A broken profile is ignored. */
static int to_srgb(VipsImage *in, VipsImage **out)
{
	if (vips_image_get_typeof(in, VIPS_META_ICC_NAME)) {
		if (vips_icc_transform(in, out, "srgb", "embedded", TRUE, NULL) == 0)
			return 0;
		vips_error_clear();
	}
	VipsInterpretation i = vips_image_guess_interpretation(in);
	if (in->BandFmt == VIPS_FORMAT_UCHAR &&
	    (i == VIPS_INTERPRETATION_sRGB || i == VIPS_INTERPRETATION_B_W)) {
		*out = in;
		g_object_ref(in);
		return 0;
	}
	return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

/* JPEG has no alpha: a transparent HEIC goes onto white, as a page shows it. */
static int flatten_for(enum image_codec save, VipsImage *in, VipsImage **out)
{
	if (save != CODEC_JPEG || !vips_image_hasalpha(in)) {
		*out = in;
		g_object_ref(in);
		return 0;
	}
	VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
	int rc = vips_flatten(in, out, "background", white, NULL);
	vips_area_unref(VIPS_AREA(white));
	return rc;
}

/* Every metadata field is dropped from the image as well as left out by
 * strip when saving, so that no saver can write one back whatever its
 * defaults (libvips 8.14.1's WebP saver does, see encode_webp()).  What is
 * left is pixels and their size. */
static void drop_metadata(VipsImage *img)
{
	gchar **names = vips_image_get_fields(img);
	for (gchar **name = names; *name; name++)
		vips_image_remove(img, *name); /* FALSE for width, bands, ...: not metadata */
	g_strfreev(names);
}

/* From the decoded image to what is written: upright, sRGB, without alpha
 * when the output is a JPEG, without metadata.  Each step hands its result on
 * and drops its input; a new reference is returned in *out. */
static int clean(VipsImage *mem, enum image_codec save, VipsImage **out)
{
	VipsImage *upright = NULL, *srgb = NULL, *flat = NULL;
	int rc = -1;
	if (vips_autorot(mem, &upright, NULL) || to_srgb(upright, &srgb) ||
	    flatten_for(save, srgb, &flat))
		goto out;
	/* A new image whose fields are ours to change: an operation's output is
	 * not. */
	if (vips_copy(flat, out, NULL))
		goto out;
	drop_metadata(*out);
	rc = 0;
out:
	if (rc)
		say("failed: cannot process the image: %s", vips_why());
	if (upright)
		g_object_unref(upright);
	if (srgb)
		g_object_unref(srgb);
	if (flat)
		g_object_unref(flat);
	return rc;
}

/* WebP through libwebp's simple encoder rather than vips_webpsave: the saver
 * of libvips 8.14.1 (Debian 12) ignores strip and always writes an EXIF
 * chunk, rebuilt from whatever fields are left (libvips issue 3340).  The
 * simple encoder writes the picture and nothing else: lossy at q, with the
 * alpha plane when there is one. */
static int encode_webp(VipsImage *img, VipsTarget *target, int q)
{
	VipsImage *rgb = NULL;
	void *px = NULL;
	uint8_t *webp = NULL;
	size_t n = 0, size;
	int rc = -1;
	if (img->Xsize > WEBP_MAX_DIMENSION || img->Ysize > WEBP_MAX_DIMENSION) {
		vips_error("indgang-image", "too large for WebP");
		return -1;
	}
	/* libwebp takes 8-bit RGB or RGBA; a grey image gets its three bands. */
	if (img->Bands < 3 ? vips_colourspace(img, &rgb, VIPS_INTERPRETATION_sRGB, NULL)
	                   : vips_copy(img, &rgb, NULL))
		return -1;
	if (rgb->BandFmt != VIPS_FORMAT_UCHAR || (rgb->Bands != 3 && rgb->Bands != 4)) {
		vips_error("indgang-image", "not 8-bit RGB or RGBA");
		goto out;
	}
	if (!(px = vips_image_write_to_memory(rgb, &size)))
		goto out;
	int w = rgb->Xsize, h = rgb->Ysize, stride = w * rgb->Bands;
	float quality = (float)q;
	n = rgb->Bands == 4 ? WebPEncodeRGBA(px, w, h, stride, quality, &webp)
	                    : WebPEncodeRGB(px, w, h, stride, quality, &webp);
	if (n == 0) {
		vips_error("indgang-image", "WebP encoding failed");
		goto out;
	}
	if (vips_target_write(target, webp, n) == 0 && vips_target_end(target) == 0)
		rc = 0;
out:
	WebPFree(webp);
	g_free(px);
	g_object_unref(rgb);
	return rc;
}

static int encode(VipsImage *img, VipsTarget *target, enum image_codec codec, int q)
{
	switch (codec) {
	case CODEC_JPEG:
		return vips_jpegsave_target(img, target, "Q", q, "strip", TRUE, NULL);
	case CODEC_PNG:
		return vips_pngsave_target(img, target, "strip", TRUE, NULL);
	case CODEC_WEBP:
		return encode_webp(img, target, q);
	case CODEC_HEIF:
		break; /* never written: HEIC goes out as JPEG */
	}
	vips_error("indgang-image", "no encoder");
	return -1;
}

/* What save() did: the encoder's failure is the caller's to name, since a
 * streamed image is decoded while it is encoded (run()). */
enum saved { SAVED, SAVE_FAILED, ENCODE_FAILED };

/* Writes img to a new file at path: O_EXCL, so a file that is there already
 * (the caller's, or a link planted in its folder) is never overwritten or
 * followed; fsynced before it counts as written.  *made is set as soon as the
 * file exists, so that a failure after that removes it.  Says why on
 * SAVE_FAILED; on ENCODE_FAILED libvips' error is left for the caller. */
static enum saved save(VipsImage *img, enum image_codec codec, int q, const char *path, int *made)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		say("failed: cannot create %s: %s", path, strerror(errno));
		return SAVE_FAILED;
	}
	*made = 1;
	VipsTarget *target = vips_target_new_to_descriptor(fd);
	int rc = target ? encode(img, target, codec, q) : -1;
	if (target)
		g_object_unref(target);
	if (rc != 0) {
		close(fd);
		return ENCODE_FAILED;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		say("failed: cannot write %s: %s", path, strerror(errno));
		return SAVE_FAILED;
	}
	return SAVED;
}

/* The thumbnail fits size x size and is never larger than the image; PNG
 * keeps a transparent image's transparency, anything else is a JPEG.  Made
 * from the decoded image when there is one (img), else from the clean copy
 * just written (a JPEG loads at an eighth of its size for it). */
static int save_thumb(VipsImage *img, const struct image_opts *o, struct image_files *files,
                      struct image_result *r)
{
	VipsImage *thumb = NULL;
	int size = (int)o->thumb_size;
	if (img ? vips_thumbnail_image(img, &thumb, size, "height", size, "size", VIPS_SIZE_DOWN,
	                               NULL)
	        : vips_thumbnail(o->out, &thumb, size, "height", size, "size", VIPS_SIZE_DOWN,
	                         NULL)) {
		say("failed: cannot make the thumbnail: %s", vips_why());
		return -1;
	}
	int alpha = vips_image_hasalpha(thumb);
	enum saved rc =
	    save(thumb, alpha ? CODEC_PNG : CODEC_JPEG, THUMB_Q, o->thumb, &files->thumb_made);
	if (rc == ENCODE_FAILED)
		say("failed: cannot write %s: %s", o->thumb, vips_why());
	r->thumb_type = alpha ? "image/png" : "image/jpeg";
	r->thumb_width = vips_image_get_width(thumb);
	r->thumb_height = vips_image_get_height(thumb);
	g_object_unref(thumb);
	return rc == SAVED ? 0 : -1;
}

/* Whether a photo goes from its file to the clean copy in one pass, top to
 * bottom, a strip of pixels at a time: a 12-megapixel photo is then never 36
 * MB in memory, which the caches of a two-core server share with the
 * message path, and its thumbnail is made from the clean JPEG at an eighth
 * of its size.  A camera's JPEG, unless it must be turned (a turn reads the
 * pixels in another order); PNG, WebP and HEIC are decoded into memory
 * (libwebp encodes from memory, libheif decodes the whole image anyway, and
 * a PNG would be decoded twice). */
static bool streams(const struct image_format *f, VipsImage *header)
{
	return f->load == CODEC_JPEG && vips_image_get_orientation(header) <= 1;
}

/* Whether every pixel of the file decodes: asked only when a streamed
 * encode failed, to tell a broken upload (refused) from a failed write. */
static bool decodes(const struct image_format *f, const char *path)
{
	VipsImage *again = NULL;
	double avg;
	bool ok = open_header(f, path, &again) == 0 && vips_avg(again, &avg, NULL) == 0;
	if (again)
		g_object_unref(again);
	return ok;
}

/* The clean copy written; the exit code. */
static int save_clean(VipsImage *img, const struct image_opts *o, bool streamed,
                      struct image_files *files)
{
	const struct image_format *f = o->format;
	enum saved rc = save(img, f->save, IMAGE_Q, o->out, &files->out_made);
	if (rc != ENCODE_FAILED)
		return rc == SAVED ? IMAGE_OK : IMAGE_FAILED;
	char why[512];
	snprintf(why, sizeof why, "%s", vips_why());
	if (streamed && !decodes(f, o->in)) {
		vips_error_clear();
		say("refused: not a readable %s: %s", f->type, why);
		return IMAGE_REFUSED;
	}
	say("failed: cannot write %s: %s", o->out, why);
	return IMAGE_FAILED;
}

/* Everything after the limits and libvips are set up; returns the exit code. */
static int run(const struct image_opts *o, struct image_files *files, struct image_result *r)
{
	const struct image_format *f = o->format;
	VipsImage *header = NULL, *mem = NULL, *img = NULL;
	int code = IMAGE_REFUSED;
	struct stat st;
	/* libvips 8.14.1's WebP loader aborts on an empty file (an assertion in
	 * vips_source_map), found by tests/fuzz/fuzz_image.c: no loader sees one. */
	if (stat(o->in, &st) == 0 && st.st_size == 0) {
		say("refused: not a readable %s: the file is empty", f->type);
		goto out;
	}
	if (open_header(f, o->in, &header)) {
		say("refused: not a readable %s: %s", f->type, vips_why());
		goto out;
	}
	if (check_pixels(header, o->max_pixels))
		goto out;
	bool streamed = streams(f, header);
	if (!streamed) {
		if (!(mem = decode(header, f->type)))
			goto out;
		/* The loader and its open file are not needed once the pixels are in. */
		g_object_unref(header);
		header = NULL;
	}
	code = IMAGE_FAILED;
	if (clean(streamed ? header : mem, f->save, &img))
		goto out;
	if ((code = save_clean(img, o, streamed, files)) != IMAGE_OK)
		goto out;
	code = IMAGE_FAILED;
	if (save_thumb(streamed ? NULL : img, o, files, r))
		goto out;
	r->type = f->save_type;
	r->width = vips_image_get_width(img);
	r->height = vips_image_get_height(img);
	code = IMAGE_OK;
out:
	if (header)
		g_object_unref(header);
	if (mem)
		g_object_unref(mem);
	if (img)
		g_object_unref(img);
	return code;
}

int image_process(const char *type, const char *in, const char *out, const char *thumb,
                  long long max_pixels, long long thumb_size, struct image_result *r)
{
	struct image_opts o = {.format = format_named(type),
	                       .in = in,
	                       .out = out,
	                       .thumb = thumb,
	                       .max_pixels = max_pixels,
	                       .thumb_size = thumb_size};
	struct image_files files = {.out = out, .thumb = thumb};
	if (o.format == NULL)
		return IMAGE_USAGE;
	*r = (struct image_result){0};
	int code = run(&o, &files, r);
	if (code != IMAGE_OK) {
		if (files.out_made)
			unlink(files.out);
		if (files.thumb_made)
			unlink(files.thumb);
	}
	return code;
}

#ifndef IMAGE_NO_MAIN
/* Libvips reports a decoder's warnings (a corrupt but readable JPEG) through
 * g_warning; the caller wants stderr to be the one line of say(), and the
 * warnings that matter become errors through fail_on. */
static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)level;
	(void)msg;
	(void)data;
}

static int start_vips(const char *argv0)
{
	/* One malloc arena for every thread: glibc reserves 64 MiB of address
	 * space for each extra arena, which would count against RLIMIT_AS
	 * without a byte of it in use. */
	mallopt(M_ARENA_MAX, 1);
	if (VIPS_INIT(argv0)) {
		say("failed: cannot start libvips: %s", vips_why());
		return -1;
	}
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, quiet, NULL);
	/* One image, one thread: nothing to gain from a pool, and a smaller
	 * surface under the memory limit.  No operation cache: nothing is ever
	 * computed twice, and cached results would only hold memory. */
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	/* Loaders libvips itself marks as unfit for untrusted input (ImageMagick,
	 * PDF, ...) cannot run even if something asked for them. */
	vips_block_untrusted_set(TRUE);
	return 0;
}

int main(int argc, char **argv)
{
	struct image_opts o;
	if (parse_args(argc, argv, &o) != 0) {
		usage();
		return IMAGE_USAGE;
	}
	/* Behind the messages: decoding a photo takes a core for half a second,
	 * and on a busy gateway the message path comes first.  SCHED_IDLE runs
	 * only on a core nothing else wants (a nice 19 process still holds a
	 * core for a scheduler slice when the loop wakes: e2e latency p99 1.9x,
	 * docs/performance.md); nice 19 where that is refused; where a sandbox
	 * forbids both, the gateway's own priority. */
	struct sched_param idle = {0};
	(void)setpriority(PRIO_PROCESS, 0, 19);
	(void)sched_setscheduler(0, SCHED_IDLE, &idle);
	if (set_limits(&o) != 0 || start_vips(argv[0]) != 0)
		return IMAGE_FAILED;
	struct image_result r;
	int code =
	    image_process(o.format->type, o.in, o.out, o.thumb, o.max_pixels, o.thumb_size, &r);
	if (code == IMAGE_OK) {
		printf("{\"type\":\"%s\",\"width\":%d,\"height\":%d,\"thumb_type\":\"%s\","
		       "\"thumb_width\":%d,\"thumb_height\":%d}\n",
		       r.type, r.width, r.height, r.thumb_type, r.thumb_width, r.thumb_height);
		if (fflush(stdout) != 0) {
			say("failed: cannot write the result: %s", strerror(errno));
			unlink(o.out); /* both made by this run */
			unlink(o.thumb);
			code = IMAGE_FAILED;
		}
	}
	vips_shutdown();
	return code;
}
#endif
