/*
 * hist.h - a small log-linear latency histogram (HdrHistogram-like).
 *
 * Values are microseconds.  Below 128 every value has its own bucket; above,
 * each power of two is split into 64 buckets, so a recorded value is known
 * to within 1/64 (1.6 %).  Percentiles report the highest value of their
 * bucket (never flattering); the maximum is kept exactly.  No allocation
 * after hist_init(), so recording is cheap enough for the hot path.
 */
#ifndef INDGANG_BENCH_HIST_H
#define INDGANG_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB     64 /* buckets per power of two above the linear part */
#define HIST_BUCKETS (2 * HIST_SUB + 58 * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint64_t b[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, int64_t us);
/* Adds every value of src to dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/* The value at quantile q (0..1) in microseconds; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

#endif
