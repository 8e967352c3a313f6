/*
 * image.h - runs indgang-image (gateway/image/image.c) on one upload: a
 * process of its own with its own limits and a wall-clock deadline, so a
 * decoder bug or a decompression bomb can kill only it.
 */
#ifndef INDGANG_SCAN_IMAGE_H
#define INDGANG_SCAN_IMAGE_H

#include <stdint.h>

#define IMAGE_DEADLINE_MS 60000    /* the whole run, then SIGKILL */
#define IMAGE_MAX_PIXELS  50000000 /* width x height, from the header */

struct image_result {
	char type[32];     /* of the clean copy: image/jpeg for a HEIC */
	int width, height; /* after orientation */
	/* refused: why, for the sender ("too_many_pixels", "not_an_image") */
	const char *reason;
};

/* Cleans the image at in (mime as sniffed) into out and its thumbnail into
 * thumb.  ERR_OK with *r; ERR_BAD_REQUEST when the image is refused
 * (r->reason); ERR_UNAVAILABLE when it could not be written (the disk);
 * ERR_INTERNAL when the helper is missing. */
int image_run(const char *helper, const char *mime, const char *in, const char *out,
              const char *thumb, struct image_result *r);

#endif
