/*
 * check.h - a tiny assertion harness for the core unit tests.
 *
 * CHECK(cond) records a failure with file and line and goes on; a test
 * program ends with check_report(), which prints "N passed, N failed" and
 * returns the exit status.
 */
#ifndef INDGANG_CHECK_H
#define INDGANG_CHECK_H

#include <stdint.h>

extern int check_passed, check_failed;
void check_fail(const char *file, int line, const char *what);
int check_report(const char *suite);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond)                                                                          \
			check_passed++;                                                            \
		else                                                                               \
			check_fail(__FILE__, __LINE__, #cond);                                     \
	} while (0)

#define CHECK_EQ(a, b)  CHECK((int64_t)(a) == (int64_t)(b))
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

#endif
