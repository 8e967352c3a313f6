/*
 * test_admit.c - the per-address connection limit: the decision, the
 * counters, release, many addresses, and the throttled refusal report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/common/err.h"
#include "gateway/admit.h"

static void ipv4(unsigned char out[4], unsigned a, unsigned b, unsigned c, unsigned d)
{
	out[0] = (unsigned char)a;
	out[1] = (unsigned char)b;
	out[2] = (unsigned char)c;
	out[3] = (unsigned char)d;
}

static void test_decision(void)
{
	CHECK(admit_allows(0, 1));
	CHECK(!admit_allows(1, 1));
	CHECK(admit_allows(199, 200));
	CHECK(!admit_allows(200, 200));
	CHECK(!admit_allows(201, 200));
	CHECK(!admit_allows(0, 0));
}

static void test_create(void)
{
	struct admit *a = (struct admit *)1;
	CHECK_EQ(admit_create(0, &a), ERR_BAD_REQUEST);
	CHECK(a == NULL);
	CHECK_EQ(admit_create(3, &a), ERR_OK);
	CHECK(a != NULL);
	unsigned char x[4];
	ipv4(x, 10, 0, 0, 1);
	struct admit_ticket *t = (struct admit_ticket *)1;
	CHECK_EQ(admit_enter(a, x, 0, &t), ERR_BAD_REQUEST);
	CHECK(t == NULL);
	CHECK_EQ(admit_enter(a, NULL, 4, &t), ERR_BAD_REQUEST);
	unsigned char big[ADMIT_ADDR_MAX + 1] = {0};
	CHECK_EQ(admit_enter(a, big, sizeof big, &t), ERR_BAD_REQUEST);
	CHECK_EQ(admit_total(a), 0);
	admit_leave(a, NULL); /* ignored */
	admit_destroy(a);
	admit_destroy(NULL);
}

/* limit 3: the fourth from one address is refused, another address is not;
 * leaving frees a slot; the last leave forgets the address. */
static void test_limit_and_release(void)
{
	struct admit *a;
	CHECK_EQ(admit_create(3, &a), ERR_OK);
	unsigned char x[4], y[4];
	ipv4(x, 192, 168, 1, 10);
	ipv4(y, 192, 168, 1, 11);
	struct admit_ticket *t[5] = {0}, *u = NULL, *r = (struct admit_ticket *)1;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(admit_enter(a, x, 4, &t[i]), ERR_OK);
	CHECK(t[0] == t[1] && t[1] == t[2]); /* one entry per address */
	CHECK_EQ(admit_open(a, x, 4), 3);
	CHECK_EQ(admit_enter(a, x, 4, &r), ERR_RATE_LIMITED);
	CHECK(r == NULL);
	CHECK_EQ(admit_refused(a), 1);
	CHECK_EQ(admit_enter(a, y, 4, &u), ERR_OK);
	CHECK_EQ(admit_open(a, y, 4), 1);
	CHECK_EQ(admit_total(a), 4);
	CHECK_EQ(admit_addresses(a), 2);
	admit_leave(a, t[0]);
	CHECK_EQ(admit_open(a, x, 4), 2);
	CHECK_EQ(admit_enter(a, x, 4, &t[3]), ERR_OK);
	CHECK_EQ(admit_enter(a, x, 4, &t[4]), ERR_RATE_LIMITED);
	CHECK_EQ(admit_refused(a), 2);
	admit_leave(a, t[1]);
	admit_leave(a, t[2]);
	admit_leave(a, t[3]);
	CHECK_EQ(admit_open(a, x, 4), 0);
	CHECK_EQ(admit_addresses(a), 1);
	admit_leave(a, u);
	CHECK_EQ(admit_total(a), 0);
	CHECK_EQ(admit_addresses(a), 0);
	/* Back to a full allowance after everything left. */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(admit_enter(a, x, 4, &t[i]), ERR_OK);
	CHECK_EQ(admit_enter(a, x, 4, &r), ERR_RATE_LIMITED);
	admit_destroy(a); /* with tickets held: frees them */
}

/* An IPv4 address and a 16-byte key that starts with the same bytes are
 * different addresses. */
static void test_key_length(void)
{
	struct admit *a;
	CHECK_EQ(admit_create(1, &a), ERR_OK);
	unsigned char v6[16] = {10, 0, 0, 1};
	struct admit_ticket *t1, *t2;
	CHECK_EQ(admit_enter(a, v6, 4, &t1), ERR_OK);
	CHECK_EQ(admit_enter(a, v6, 16, &t2), ERR_OK);
	CHECK(t1 != t2);
	CHECK_EQ(admit_addresses(a), 2);
	admit_leave(a, t1);
	admit_leave(a, t2);
	CHECK_EQ(admit_total(a), 0);
	admit_destroy(a);
}

/* 20,000 addresses (hash collisions in every bucket) x 2 connections, then
 * release in another order: the counters come back to zero exactly. */
static void test_many_addresses(void)
{
	enum { N = 20000 };
	struct admit *a;
	CHECK_EQ(admit_create(2, &a), ERR_OK);
	struct admit_ticket **t = calloc(2 * N, sizeof *t);
	unsigned char x[4];
	int ok = 0, refused = 0;
	for (int i = 0; i < N; i++) {
		ipv4(x, 10, (unsigned)(i >> 16) & 255, (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		for (int k = 0; k < 3; k++) {
			struct admit_ticket *tk;
			int e = admit_enter(a, x, 4, &tk);
			if (e == ERR_OK)
				t[ok++] = tk;
			else
				refused += e == ERR_RATE_LIMITED;
		}
	}
	CHECK_EQ(ok, 2 * N);
	CHECK_EQ(refused, N);
	CHECK_EQ(admit_addresses(a), N);
	CHECK_EQ(admit_total(a), 2 * N);
	for (int i = 2 * N - 1; i >= 0; i -= 2)
		admit_leave(a, t[i]);
	CHECK_EQ(admit_addresses(a), N);
	for (int i = 0; i < 2 * N; i += 2)
		admit_leave(a, t[i]);
	CHECK_EQ(admit_addresses(a), 0);
	CHECK_EQ(admit_total(a), 0);
	printf("many addresses: %d admitted, %d refused over %d addresses; all released\n", ok,
	       refused, N);
	free(t);
	admit_destroy(a);
}

/* Refusals are reported at most every ADMIT_REPORT_MS, with the count since
 * the last report; nothing to report means 0. */
static void test_report(void)
{
	struct admit *a;
	CHECK_EQ(admit_create(1, &a), ERR_OK);
	unsigned char x[4];
	ipv4(x, 127, 0, 0, 1);
	struct admit_ticket *t, *r;
	CHECK_EQ(admit_refusals_to_report(a, 0), 0);
	CHECK_EQ(admit_enter(a, x, 4, &t), ERR_OK);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(admit_enter(a, x, 4, &r), ERR_RATE_LIMITED);
	CHECK_EQ(admit_refusals_to_report(a, 1000), 5);
	CHECK_EQ(admit_refusals_to_report(a, 1001), 0);
	CHECK_EQ(admit_enter(a, x, 4, &r), ERR_RATE_LIMITED);
	CHECK_EQ(admit_refusals_to_report(a, 1000 + ADMIT_REPORT_MS - 1), 0);
	CHECK_EQ(admit_enter(a, x, 4, &r), ERR_RATE_LIMITED);
	CHECK_EQ(admit_refusals_to_report(a, 1000 + ADMIT_REPORT_MS), 2);
	CHECK_EQ(admit_refusals_to_report(a, 1000 + 5 * ADMIT_REPORT_MS), 0);
	CHECK_EQ(admit_refused(a), 7);
	admit_leave(a, t);
	admit_destroy(a);
}

int main(void)
{
	test_decision();
	test_create();
	test_limit_and_release();
	test_key_length();
	test_many_addresses();
	test_report();
	return check_report("admit");
}
