/*
 * jsonflat.h - a fast scan of the common client frame: one JSON object whose
 * members are strings, small non-negative integers, true, false or null.
 *
 * It is a shortcut, never a second opinion: it returns the members only for
 * text that jansson would parse to exactly the same object, and otherwise
 * says "not mine" (-1), and the caller parses with jansson, which then
 * accepts or refuses with its own rules.  Not mine: nesting, numbers that are
 * negative, fractional, exponential or longer than 18 digits, \u escapes,
 * control characters, invalid UTF-8, duplicate keys, more than FLAT_MAX
 * members, anything after the object.  tests/unit/codec/test_jsonflat.c compares the
 * decoded frames of both paths on thousands of generated frames and the
 * frame fuzzer does the same on everything it tries.
 */
#ifndef INDGANG_JSONFLAT_H
#define INDGANG_JSONFLAT_H

#include <stddef.h>
#include <stdint.h>

#define FLAT_MAX 16

enum flat_type { FLAT_STRING, FLAT_INT, FLAT_TRUE, FLAT_FALSE, FLAT_NULL };

struct flat_member {
	const char *key; /* NUL-terminated, in the arena */
	size_t key_len;
	enum flat_type type;
	const char *s; /* FLAT_STRING: unescaped, NUL-terminated, in the arena */
	size_t len;
	int64_t i; /* FLAT_INT */
};

struct flat {
	size_t n;
	struct flat_member m[FLAT_MAX];
	char *arena; /* owns the keys and strings */
};

/* 0 with out filled (free it with flat_free), or -1: let jansson decide. */
int flat_parse(const char *text, size_t len, struct flat *out);
void flat_free(struct flat *f);
/* The member called key, or NULL. */
const struct flat_member *flat_get(const struct flat *f, const char *key);

#endif
