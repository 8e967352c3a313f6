/*
 * world.h - a small world in a real store for the core tests: two teams, two
 * families, a restricted conversation, and every kind of user.
 */
#ifndef INDGANG_TEST_WORLD_H
#define INDGANG_TEST_WORLD_H

#include "core/store/store.h"

struct world {
	struct store *s;
	int64_t admin, anna, bo, carl, dora, erik, frida;
	int64_t mette, jonas, amina;
	int64_t fam_a, fam_b;
	int64_t conv_a, conv_r, conv_b; /* A's default, A's restricted (Jonas), B's default */
};

/* Builds the world in the store at path (":memory:" or a file). 0 on success. */
int world_build(struct world *w, const char *path);
void world_free(struct world *w);
/* The store_user of id. */
struct store_user world_user(struct world *w, int64_t id);
/* Sends as user who into conv (a client id of its own each time): the new
 * message's id, 0 when refused. */
int64_t world_send(struct world *w, int64_t who, int64_t conv, enum msg_kind kind, const char *body,
                   int64_t at);
/* The first column of the first row of sql, -1 without one. */
int64_t world_scalar(struct world *w, const char *sql);
/* Rows of the contact log of a kind (any family). */
int world_log_count(struct world *w, const char *kind);

#endif
