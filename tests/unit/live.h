/*
 * live.h - a running hub for the unit tests of core/hub, core/session and
 * core/writer: the test world in a file of its own, sign-in tokens for some
 * of its people, the hub's hooks as counters, and the loop's part (waiting
 * for wake, draining) played by the test's thread.
 */
#ifndef INDGANG_TEST_LIVE_H
#define INDGANG_TEST_LIVE_H

#include <stdbool.h>

#include "core/auth/auth.h"
#include "core/hub/hub.h"
#include "core/session/session.h"
#include "world.h"

/* A fake transport: how often the hub asked it to write. */
struct live_transport {
	int want_writes;
};

struct live {
	struct world w; /* ids only: its store is closed once built */
	char db_path[64];
	char tok_anna[AUTH_TOKEN_LEN + 1], tok_mette[AUTH_TOKEN_LEN + 1];
	char tok_jonas[AUTH_TOKEN_LEN + 1], tok_dora[AUTH_TOKEN_LEN + 1];
};

/* A hub on a fresh world (cfg's db_path is set here; other fields as
 * given, zero for the defaults); NULL on failure (a check has failed). */
struct hub *live_start(struct live *l, struct hub_config cfg);
/* Destroys the hub and removes the database files. */
void live_stop(struct live *l, struct hub *h);
/* The loop: applies the threads' results until none is in flight. */
void live_drain(struct hub *h);
/* The next frame that can be written, as a string (caller frees), taken
 * from the outbox; NULL when none can. */
char *live_take(struct session *s);
/* Drops every frame that can be written; returns how many. */
int live_take_all(struct session *s);
/* The frame is of this type ("welcome", "error", ...). */
bool live_is(const char *frame, const char *type);
/* One text message from the client. */
void live_input(struct session *s, const char *json);

#endif
