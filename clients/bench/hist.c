/*
 * hist.c - the log-linear latency histogram of hist.h.
 *
 * Bucket index of v: v itself below 2 * HIST_SUB; above, with s the shift
 * that brings v into [HIST_SUB, 2 * HIST_SUB), index = s * HIST_SUB + (v >> s).
 * The indices are contiguous, and a bucket covers [m << s, (m + 1) << s).
 */
#include "hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
}

static int bucket_of(uint64_t v)
{
	if (v < 2 * HIST_SUB)
		return (int)v;
	int msb = 63 - __builtin_clzll(v);
	int shift = msb - 6; /* v >> shift is in [HIST_SUB, 2 * HIST_SUB) */
	int i = shift * HIST_SUB + (int)(v >> shift);
	return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

/* The highest value that falls into bucket i. */
static uint64_t bucket_top(int i)
{
	if (i < 2 * HIST_SUB)
		return (uint64_t)i;
	int shift = i / HIST_SUB - 1;
	uint64_t m = (uint64_t)(i - shift * HIST_SUB);
	return ((m + 1) << shift) - 1;
}

void hist_record(struct hist *h, int64_t us)
{
	uint64_t v = us < 0 ? 0 : (uint64_t)us;
	h->b[bucket_of(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (int i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			uint64_t top = bucket_top(i);
			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
