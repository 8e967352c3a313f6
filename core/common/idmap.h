/*
 * idmap.h - a hash map from positive 64-bit ids to pointers (chained,
 * growing).  Used for the registry of sessions by id and by user.
 */
#ifndef INDGANG_IDMAP_H
#define INDGANG_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap *idmap_create(void);
void idmap_destroy(struct idmap *m);
/* Sets key to val (replacing). 0 on success, -1 when out of memory. */
int idmap_put(struct idmap *m, int64_t key, void *val);
void *idmap_get(const struct idmap *m, int64_t key);
/* Removes key; returns its value or NULL. */
void *idmap_del(struct idmap *m, int64_t key);
size_t idmap_count(const struct idmap *m);
/* Calls fn for each entry; fn must not change the map. */
void idmap_each(const struct idmap *m, void (*fn)(int64_t key, void *val, void *arg), void *arg);

#endif
