/*
 * presence.c - which conversation each signed-in user has on screen, as
 * their clients say with `viewing` frames: a person reading a conversation
 * is not buzzed about it (core/notify).  The loop writes it, the sender
 * thread reads it, so it has a lock of its own; a user's entry lists one
 * conversation per session that shows one.
 */
#include "session_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct seen {
	size_t n, cap;
	int64_t conv[];
};

struct presence {
	pthread_mutex_t mu;
	struct idmap *by_user; /* user id -> struct seen */
};

struct presence *presence_create(void)
{
	struct presence *p = calloc(1, sizeof *p);
	if (p == NULL || (p->by_user = idmap_create()) == NULL) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

static void free_seen(int64_t key, void *val, void *arg)
{
	(void)key;
	(void)arg;
	free(val);
}

void presence_destroy(struct presence *p)
{
	if (p == NULL)
		return;
	idmap_each(p->by_user, free_seen, NULL);
	idmap_destroy(p->by_user);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void drop_one(struct presence *p, int64_t user, struct seen *e, int64_t conv)
{
	for (size_t i = 0; e && i < e->n; i++) {
		if (e->conv[i] != conv)
			continue;
		e->conv[i] = e->conv[--e->n];
		if (e->n == 0)
			free(idmap_del(p->by_user, user));
		return;
	}
}

/* Out of memory: the session simply counts as not viewing (a buzz too many). */
static void add_one(struct presence *p, int64_t user, struct seen *e, int64_t conv)
{
	if (e == NULL || e->n == e->cap) {
		size_t cap = e ? e->cap * 2 : 2;
		struct seen *g = realloc(e, sizeof *g + cap * sizeof g->conv[0]);
		if (g == NULL)
			return;
		if (e == NULL)
			g->n = 0;
		g->cap = cap;
		if (idmap_put(p->by_user, user, g) != 0) {
			if (e == NULL)
				free(g);
			return;
		}
		e = g;
	}
	e->conv[e->n++] = conv;
}

void presence_move(struct presence *p, int64_t user, int64_t from, int64_t to)
{
	if (p == NULL || from == to)
		return;
	pthread_mutex_lock(&p->mu);
	if (from > 0)
		drop_one(p, user, idmap_get(p->by_user, user), from);
	if (to > 0)
		add_one(p, user, idmap_get(p->by_user, user), to);
	pthread_mutex_unlock(&p->mu);
}

bool presence_viewing(struct presence *p, int64_t user, int64_t conv)
{
	if (p == NULL)
		return false;
	pthread_mutex_lock(&p->mu);
	const struct seen *e = idmap_get(p->by_user, user);
	bool yes = false;
	for (size_t i = 0; e && i < e->n && !yes; i++)
		yes = e->conv[i] == conv;
	pthread_mutex_unlock(&p->mu);
	return yes;
}
