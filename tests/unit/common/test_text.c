/*
 * test_text.c - text helpers (core/common/text.c): trimming looks only at
 * the ends, and timestamps are written as gmtime_r and strftime write them.
 */
#define _GNU_SOURCE
#include "core/common/text.h"
#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Trimming looks only at the ends: strings made of known pieces (spaces of
 * one to three bytes, letters of one to four) keep exactly the span from
 * the first to the last piece that is not space. */
static void test_trim_pieces(void)
{
	static const struct {
		const char *s;
		bool space;
	} pieces[] = {{" ", true},
	              {"\t", true},
	              {"\n", true},
	              {"\xc2\xa0", true},
	              {"\xe3\x80\x80", true},
	              {"\xe2\x80\xa8", true},
	              {"a", false},
	              {"\xc3\xa6", false},
	              {"\xf0\x9f\x99\x82", false},
	              {"\xe2\x82\xac", false}};
	const size_t n_pieces = sizeof pieces / sizeof pieces[0];
	unsigned seed = 7;
	int wrong = 0;
	for (int round = 0; round < 5000; round++) {
		char buf[256];
		size_t len = 0, first = SIZE_MAX, last_end = 0;
		int n = (int)(seed % 12);
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t k = (seed >> 16) % n_pieces;
			size_t pl = strlen(pieces[k].s);
			if (!pieces[k].space) {
				if (first == SIZE_MAX)
					first = len;
				last_end = len + pl;
			}
			memcpy(buf + len, pieces[k].s, pl);
			len += pl;
		}
		seed = seed * 1103515245u + 12345u;
		size_t start = 99, out_len = 99;
		text_trim(buf, len, &start, &out_len);
		size_t want_start = first == SIZE_MAX ? 0 : first;
		size_t want_len = first == SIZE_MAX ? 0 : last_end - first;
		wrong += start != want_start || out_len != want_len;
	}
	CHECK_EQ(wrong, 0);
}

/* Timestamps are written without gmtime_r: the same text as gmtime_r and
 * strftime for every kind of instant (leap days, centuries, before 1970). */
static void test_format_ts_matches_libc(void)
{
	int wrong = 0;
	unsigned seed = 99;
	for (int i = 0; i < 200000; i++) {
		int64_t ms;
		if (i < 4) {
			static const int64_t fixed[] = {0, -1, 951782400000LL, 4107542399999LL};
			ms = fixed[i];
		} else {
			seed = seed * 1103515245u + 12345u;
			uint64_t r = ((uint64_t)seed << 20) ^ (uint64_t)(seed >> 3) * 7919u;
			ms = (int64_t)(r % 32503680000000ULL) - 2208988800000LL; /* 1900..2999 */
		}
		char ours[32], want[32];
		text_format_ts(ms, ours);
		int64_t secs = ms / 1000, frac = ms % 1000;
		if (frac < 0) {
			frac += 1000;
			secs -= 1;
		}
		time_t t = (time_t)secs;
		struct tm tm;
		gmtime_r(&t, &tm);
		size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof want - n, ".%03dZ", (int)frac);
		if (strcmp(ours, want) != 0 && wrong++ < 3)
			fprintf(stderr, "ts %lld: %s, want %s\n", (long long)ms, ours, want);
	}
	CHECK_EQ(wrong, 0);
}

int main(void)
{
	test_trim_pieces();
	test_format_ts_matches_libc();
	return check_report("text");
}
