/*
 * jsonw.h - a small JSON text writer for the frames that every message
 * makes: "message", "ack", "messages" and "receipt".
 *
 * jansson builds a tree of allocated nodes and then walks it; for a message
 * frame that costs more than the rest of routing it (measured with callgrind
 * in docs/performance.md).  This writer appends straight into one growing
 * buffer.  It writes what jansson's JSON_COMPACT writes for the same values:
 * strings as UTF-8, with '"', '\\' and control characters escaped.  Strings
 * must already be valid UTF-8 (everything a client sends is validated by the
 * decoder; the rest comes from the store, which only holds such text).
 *
 * Errors: an allocation failure sets a flag and later calls do nothing;
 * jw_finish() then returns NULL.
 */
#ifndef INDGANG_JSONW_H
#define INDGANG_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t len, cap;
	bool failed;
};

/* Starts an empty text with room for about hint bytes. */
void jw_init(struct jw *w, size_t hint);
/* Appends bytes as they are (JSON punctuation and keys). */
void jw_raw(struct jw *w, const char *s, size_t n);
#define jw_lit(w, literal) jw_raw((w), (literal), sizeof(literal) - 1)
/* Appends s as a quoted, escaped JSON string ("" for NULL). */
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, int64_t v);
/* Returns the NUL-terminated text (the caller frees it), or NULL after a
 * failure (the buffer is freed). */
char *jw_finish(struct jw *w);

#endif
