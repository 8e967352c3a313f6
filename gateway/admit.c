/*
 * admit.c - counters of open connections per client address (see admit.h).
 *
 * A chained hash table keyed by the address bytes; an entry lives while its
 * address has at least one open connection, and the entry itself is the
 * ticket every connection from that address holds.
 */
#include "admit.h"

#include <stdlib.h>
#include <string.h>

#include "core/common/err.h"

#define BUCKETS 4096 /* a power of two */

struct admit_ticket {
	struct admit_ticket *next; /* in its bucket */
	unsigned open;
	size_t len;
	unsigned char addr[ADMIT_ADDR_MAX];
};

struct admit {
	unsigned limit;
	size_t total, addresses;
	uint64_t refused, reported;
	int64_t last_report_ms;
	bool reported_once;
	struct admit_ticket *bucket[BUCKETS];
};

bool admit_allows(unsigned open, unsigned limit)
{
	return open < limit;
}

int admit_create(unsigned per_address, struct admit **out)
{
	*out = NULL;
	if (per_address == 0)
		return ERR_BAD_REQUEST;
	struct admit *a = calloc(1, sizeof *a);
	if (a == NULL)
		return ERR_INTERNAL;
	a->limit = per_address;
	*out = a;
	return ERR_OK;
}

void admit_destroy(struct admit *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		while (a->bucket[i] != NULL) {
			struct admit_ticket *t = a->bucket[i];
			a->bucket[i] = t->next;
			free(t);
		}
	free(a);
}

/* FNV-1a over the address bytes. */
static size_t bucket_of(const void *addr, size_t len)
{
	const unsigned char *p = addr;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (BUCKETS - 1);
}

static struct admit_ticket **find(const struct admit *a, const void *addr, size_t len)
{
	struct admit_ticket *const *p = &a->bucket[bucket_of(addr, len)];
	while (*p != NULL && ((*p)->len != len || memcmp((*p)->addr, addr, len) != 0))
		p = &(*p)->next;
	return (struct admit_ticket **)p;
}

int admit_enter(struct admit *a, const void *addr, size_t len, struct admit_ticket **ticket)
{
	*ticket = NULL;
	if (addr == NULL || len == 0 || len > ADMIT_ADDR_MAX)
		return ERR_BAD_REQUEST;
	struct admit_ticket **slot = find(a, addr, len);
	struct admit_ticket *t = *slot;
	if (!admit_allows(t ? t->open : 0, a->limit)) {
		a->refused++;
		return ERR_RATE_LIMITED;
	}
	if (t == NULL) {
		t = calloc(1, sizeof *t);
		if (t == NULL)
			return ERR_INTERNAL;
		t->len = len;
		memcpy(t->addr, addr, len);
		*slot = t;
		a->addresses++;
	}
	t->open++;
	a->total++;
	*ticket = t;
	return ERR_OK;
}

void admit_leave(struct admit *a, struct admit_ticket *ticket)
{
	if (a == NULL || ticket == NULL || ticket->open == 0)
		return;
	ticket->open--;
	a->total--;
	if (ticket->open > 0)
		return;
	struct admit_ticket **slot = find(a, ticket->addr, ticket->len);
	if (*slot == ticket)
		*slot = ticket->next;
	a->addresses--;
	free(ticket);
}

unsigned admit_open(const struct admit *a, const void *addr, size_t len)
{
	if (addr == NULL || len == 0 || len > ADMIT_ADDR_MAX)
		return 0;
	const struct admit_ticket *t = *find(a, addr, len);
	return t ? t->open : 0;
}

size_t admit_total(const struct admit *a)
{
	return a->total;
}

size_t admit_addresses(const struct admit *a)
{
	return a->addresses;
}

uint64_t admit_refused(const struct admit *a)
{
	return a->refused;
}

uint64_t admit_refusals_to_report(struct admit *a, int64_t now_ms)
{
	uint64_t n = a->refused - a->reported;
	if (n == 0 || (a->reported_once && now_ms - a->last_report_ms < ADMIT_REPORT_MS))
		return 0;
	a->reported = a->refused;
	a->last_report_ms = now_ms;
	a->reported_once = true;
	return n;
}
