/*
 * sniff.h - what an uploaded file is, decided from its bytes, and the name
 * it is offered under (issue 14).  The client's Content-Type and file name
 * are claims: the type comes from the file's first bytes, and the name is
 * cleaned and given the extension of that type, so a file lying about what
 * it is never reaches anyone as what it claims.  Pure: no store, no I/O.
 */
#ifndef INDGANG_ATTACH_SNIFF_H
#define INDGANG_ATTACH_SNIFF_H

#include <stddef.h>

#include "../domain/domain.h"

/* Enough of a file's start to decide its type (HEIC's compatible brands). */
#define ATTACH_SNIFF_BYTES 64
/* The longest name kept, in bytes of UTF-8, without the terminator. */
#define ATTACH_NAME_MAX DOMAIN_FILE_NAME_MAX

enum attach_kind { ATTACH_IMAGE = 1, ATTACH_PDF };

struct attach_type {
	enum attach_kind kind;
	const char
	    *mime; /* "image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf" */
	const char *ext; /* ".jpg", ... */
};

/* The type of the file that begins with head (n bytes: ATTACH_SNIFF_BYTES,
 * or all of a shorter file).  ERR_UNSUPPORTED, with *why for the sender,
 * for anything but JPEG, PNG, WebP, HEIC and PDF. */
int attach_sniff(const unsigned char *head, size_t n, struct attach_type *out, const char **why);

/* The name to offer a file of type t under, from what the client called it
 * (raw, may be NULL): its last path component, valid UTF-8 without control
 * characters, quotes or backslashes, at most ATTACH_NAME_MAX bytes, ending
 * in t's extension ("brev.exe" -> "brev.exe.pdf"); "bilag" + extension when
 * nothing is left.  out holds ATTACH_NAME_MAX + 1 bytes. */
void attach_name(const char *raw, const struct attach_type *t, char out[ATTACH_NAME_MAX + 1]);

/* name (from attach_name) for a file of type from that became type to (a
 * HEIC written anew as JPEG): "IMG_1.heic" -> "IMG_1.jpg". */
void attach_retype(char name[ATTACH_NAME_MAX + 1], const char *from, const char *to);

#endif
