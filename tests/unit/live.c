/*
 * live.c - a running hub on the test world (live.h).
 */
#define _GNU_SOURCE
#include "live.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/hub/hub_int.h"
#include "core/session/session.h"

/* The wake hook, as a semaphore the loop (the test's thread) waits on. */
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static int wakes;

static void hook_wake(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&wake_mu);
	wakes++;
	pthread_cond_signal(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

static void hook_want_write(void *transport)
{
	if (transport != NULL)
		((struct live_transport *)transport)->want_writes++;
}

static void token_for(struct live *l, int64_t user, char *token)
{
	uint8_t hash[32];
	int64_t tid, now = text_now_ms();
	CHECK_EQ(auth_token_new(token, hash), ERR_OK);
	CHECK_EQ(store_token_insert(l->w.s, hash, user, 0, now, now + 3600 * 1000, &tid), ERR_OK);
}

struct hub *live_start(struct live *l, struct hub_config cfg)
{
	static int n;
	snprintf(l->db_path, sizeof l->db_path, "/tmp/indgang-live-%d-%d.db", (int)getpid(), ++n);
	unlink(l->db_path);
	if (world_build(&l->w, l->db_path) != 0) {
		CHECK(!"the world is built");
		return NULL;
	}
	token_for(l, l->w.anna, l->tok_anna);
	token_for(l, l->w.mette, l->tok_mette);
	token_for(l, l->w.jonas, l->tok_jonas);
	token_for(l, l->w.dora, l->tok_dora);
	world_free(&l->w);
	cfg.db_path = l->db_path;
	struct hub_hooks hooks = {.wake = hook_wake, .want_write = hook_want_write};
	struct hub *h = NULL;
	CHECK_EQ(hub_create(&cfg, &hooks, &h), ERR_OK);
	return h;
}

void live_stop(struct live *l, struct hub *h)
{
	char p[80];
	hub_destroy(h);
	unlink(l->db_path);
	snprintf(p, sizeof p, "%s-wal", l->db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", l->db_path);
	unlink(p);
}

void live_drain(struct hub *h)
{
	hub_drain(h);
	while (h->inflight > 0) {
		pthread_mutex_lock(&wake_mu);
		while (wakes == 0)
			pthread_cond_wait(&wake_cv, &wake_mu);
		wakes = 0;
		pthread_mutex_unlock(&wake_mu);
		hub_drain(h);
	}
}

char *live_take(struct session *s)
{
	size_t len;
	const unsigned char *f = outbox_next_frame(s, &len);
	if (f == NULL)
		return NULL;
	char *out = strndup((const char *)f, len);
	outbox_frame_done(s);
	return out;
}

int live_take_all(struct session *s)
{
	int n = 0;
	char *f;
	while ((f = live_take(s)) != NULL) {
		free(f);
		n++;
	}
	return n;
}

bool live_is(const char *frame, const char *type)
{
	char want[64];
	snprintf(want, sizeof want, "\"type\":\"%s\"", type);
	return frame != NULL && strstr(frame, want) != NULL;
}

void live_input(struct session *s, const char *json)
{
	session_input(s, json, strlen(json));
}
