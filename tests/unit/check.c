/*
 * check.c - counters and the closing line of the unit-test harness.
 */
#include "check.h"

#include <stdio.h>

int check_passed, check_failed;

void check_fail(const char *file, int line, const char *what)
{
	check_failed++;
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

int check_report(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed == 0 ? 0 : 1;
}
