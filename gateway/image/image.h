/*
 * image.h - the work of indgang-image (image.c) as a function, for callers
 * in the same process: the fuzz target tests/fuzz/fuzz_image.c.  The
 * program itself (built without IMAGE_NO_MAIN) lowers its resource limits
 * and starts libvips first; a caller of image_process() has started libvips
 * itself (vips_init, concurrency 1, no operation cache) and sets no limits,
 * so it is only for a process that may die with a decoder: never the
 * gateway's.
 */
#ifndef INDGANG_IMAGE_H
#define INDGANG_IMAGE_H

enum image_exit { IMAGE_OK = 0, IMAGE_USAGE = 2, IMAGE_REFUSED = 3, IMAGE_FAILED = 4 };

/* What was written (IMAGE_OK only): the types are static strings. */
struct image_result {
	const char *type, *thumb_type;
	int width, height, thumb_width, thumb_height;
};

/* Decodes in, a file of type ("image/jpeg", "image/png", "image/webp",
 * "image/heic"), refused when it has more than max_pixels, and writes its
 * clean copy to out and a thumbnail fitting thumb_size x thumb_size to
 * thumb (both new files).  Returns the program's exit status: IMAGE_OK
 * with *r filled; IMAGE_USAGE for an unknown type; IMAGE_REFUSED or
 * IMAGE_FAILED with one line on stderr and no file of this call left. */
int image_process(const char *type, const char *in, const char *out, const char *thumb,
                  long long max_pixels, long long thumb_size, struct image_result *r);

#endif
