/*
 * store_cache.c - the audience of recently used conversations, kept in
 * memory on a connection that asks for it (the writer thread's).
 *
 * Routing a message needs everyone who could see its conversation, with the
 * facts the permission rules decide on.  The query behind it costs more than
 * storing the message, and its answer changes only when users, families,
 * teams or conversations change.  So a connection may keep the answers, and
 * forgets all of them whenever such a change could have happened:
 *   - another connection (an HTTP worker, indgang-admin in another process)
 *     committed anything: PRAGMA data_version changes;
 *   - this connection compiled a statement that writes one of those tables,
 *     or changes the schema: the authorizer sees it at prepare time, and a
 *     prepared statement so marked forgets the cache each time it is used.
 * Forgetting too often only costs a query; remembering too long would send
 * a message to someone who lost the right to see it, so every doubt forgets.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/idmap.h"

#define CACHE_MAX_CONVS 8192 /* then it starts over: bounded memory */

struct audience_cache {
	struct idmap *convs; /* conv id -> struct kept_audience */
	int64_t data_version;
	bool stale;
};

/* The tables whose rows decide who may see a conversation. */
static bool decides_audience(const char *table)
{
	static const char *const tables[] = {"users",         "families",      "teams",
	                                     "team_staff",    "conversations", "conv_members",
	                                     "sqlite_master", "sqlite_schema"};
	for (size_t i = 0; table && i < sizeof tables / sizeof tables[0]; i++)
		if (strcmp(table, tables[i]) == 0)
			return true;
	return table == NULL;
}

static bool changes_schema(int action)
{
	switch (action) {
	case SQLITE_ALTER_TABLE:
	case SQLITE_CREATE_INDEX:
	case SQLITE_CREATE_TABLE:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_VIEW:
	case SQLITE_DROP_INDEX:
	case SQLITE_DROP_TABLE:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_VIEW:
		return true;
	default:
		return false;
	}
}

/* Called by SQLite while it compiles a statement on this connection. */
static int authorize(void *arg, int action, const char *a, const char *b, const char *db,
                     const char *trigger)
{
	(void)b, (void)db, (void)trigger;
	struct store *s = arg;
	bool writes = action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE;
	if ((writes && decides_audience(a)) || changes_schema(action)) {
		s->compiling_mutation = true;
		store_cache_forget(s);
	}
	return SQLITE_OK;
}

void store_cache_watch(struct store *s)
{
	sqlite3_set_authorizer(s->db, authorize, s);
}

static void free_entry(int64_t key, void *val, void *arg)
{
	(void)key, (void)arg;
	free(val);
}

static void drop_all(struct audience_cache *c)
{
	if (c->convs != NULL) {
		idmap_each(c->convs, free_entry, NULL);
		idmap_destroy(c->convs);
	}
	c->convs = NULL;
}

/* Empty again; convs stays NULL when out of memory (then nothing is kept). */
static void clear(struct audience_cache *c)
{
	drop_all(c);
	c->convs = idmap_create();
}

void store_cache_forget(struct store *s)
{
	if (s->audience != NULL)
		s->audience->stale = true;
}

int store_cache_enable(struct store *s)
{
	if (s->audience != NULL)
		return ERR_OK;
	struct audience_cache *c = calloc(1, sizeof *c);
	if (c == NULL || (c->convs = idmap_create()) == NULL) {
		free(c);
		return ERR_INTERNAL;
	}
	c->stale = true;
	s->audience = c;
	return ERR_OK;
}

void store_cache_destroy(struct store *s)
{
	if (s->audience == NULL)
		return;
	drop_all(s->audience);
	free(s->audience);
	s->audience = NULL;
}

/* Starts over when anything could have changed since the answers were kept. */
static int revalidate(struct store *s, struct audience_cache *c)
{
	sqlite3_stmt *st = store_stmt(s, ST_DATA_VERSION);
	if (st == NULL)
		return ERR_INTERNAL;
	int err = store_step_row(st);
	int64_t version = err == ERR_OK ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (err)
		return err;
	if (c->stale || version != c->data_version || idmap_count(c->convs) >= CACHE_MAX_CONVS) {
		clear(c);
		c->data_version = version;
		c->stale = false;
	}
	return c->convs ? ERR_OK : ERR_INTERNAL;
}

const struct kept_audience *store_cache_get(struct store *s, int64_t conv_id, int *err)
{
	struct audience_cache *c = s->audience;
	*err = ERR_OK;
	if (c == NULL || (*err = revalidate(s, c)) != ERR_OK)
		return NULL;
	return idmap_get(c->convs, conv_id);
}

void store_cache_put(struct store *s, int64_t conv_id, int64_t family,
                     const struct audience_member *v, size_t n)
{
	struct audience_cache *c = s->audience;
	if (c == NULL || c->stale || c->convs == NULL)
		return;
	struct kept_audience *a = malloc(sizeof *a + n * sizeof *v);
	if (a == NULL)
		return; /* not kept: asked again next time */
	a->family = family;
	a->n = n;
	if (n > 0)
		memcpy(a->v, v, n * sizeof *v);
	free(idmap_del(c->convs, conv_id));
	if (idmap_put(c->convs, conv_id, a) != 0)
		free(a);
}
