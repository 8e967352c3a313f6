/*
 * idmap.c - chained hash map from int64 ids to pointers.
 */
#include "idmap.h"

#include <stdlib.h>

struct idmap_node {
	int64_t key;
	void *val;
	struct idmap_node *next;
};

struct idmap {
	struct idmap_node **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
};

static size_t slot(const struct idmap *m, int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 32) & (m->nbuckets - 1);
}

struct idmap *idmap_create(void)
{
	struct idmap *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->nbuckets = 64;
	m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
	if (m->buckets == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void idmap_destroy(struct idmap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct idmap_node *n = m->buckets[i];
		while (n) {
			struct idmap_node *next = n->next;
			free(n);
			n = next;
		}
	}
	free(m->buckets);
	free(m);
}

static void grow(struct idmap *m)
{
	size_t nb = m->nbuckets * 2;
	struct idmap_node **b = calloc(nb, sizeof *b);
	if (b == NULL)
		return; /* keep working with longer chains */
	struct idmap_node **old = m->buckets;
	size_t old_n = m->nbuckets;
	m->buckets = b;
	m->nbuckets = nb;
	for (size_t i = 0; i < old_n; i++) {
		struct idmap_node *n = old[i];
		while (n) {
			struct idmap_node *next = n->next;
			size_t s = slot(m, n->key);
			n->next = b[s];
			b[s] = n;
			n = next;
		}
	}
	free(old);
}

int idmap_put(struct idmap *m, int64_t key, void *val)
{
	for (struct idmap_node *n = m->buckets[slot(m, key)]; n; n = n->next) {
		if (n->key == key) {
			n->val = val;
			return 0;
		}
	}
	struct idmap_node *n = malloc(sizeof *n);
	if (n == NULL)
		return -1;
	if (m->count + 1 > m->nbuckets)
		grow(m);
	size_t s = slot(m, key);
	n->key = key;
	n->val = val;
	n->next = m->buckets[s];
	m->buckets[s] = n;
	m->count++;
	return 0;
}

void *idmap_get(const struct idmap *m, int64_t key)
{
	for (struct idmap_node *n = m->buckets[slot(m, key)]; n; n = n->next)
		if (n->key == key)
			return n->val;
	return NULL;
}

void *idmap_del(struct idmap *m, int64_t key)
{
	struct idmap_node **pp = &m->buckets[slot(m, key)];
	for (; *pp; pp = &(*pp)->next) {
		struct idmap_node *n = *pp;
		if (n->key == key) {
			void *val = n->val;
			*pp = n->next;
			free(n);
			m->count--;
			return val;
		}
	}
	return NULL;
}

size_t idmap_count(const struct idmap *m)
{
	return m->count;
}

void idmap_each(const struct idmap *m, void (*fn)(int64_t key, void *val, void *arg), void *arg)
{
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct idmap_node *n = m->buckets[i]; n; n = n->next)
			fn(n->key, n->val, arg);
}
