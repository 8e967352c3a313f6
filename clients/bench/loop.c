/*
 * loop.c - the benchmark's one libwebsockets client context, its clock and
 * bench_wait(), which services the loop until a condition holds or a
 * deadline passes.  A 5 ms tick keeps the loop waking up so conditions are
 * re-checked even when no socket has anything to say.
 *
 * The loop is libuv (epoll) when built with it, unless --poll is given:
 * lws's own poll() loop costs O(connections) per turn, and with thousands
 * of connections the load generator would mostly measure itself.  The uv
 * loop is ours (a "foreign loop" to lws); bench_wait() runs it one turn at
 * a time.
 */
#ifdef BENCH_WITH_UV
#include <uv.h>
#endif
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TICK_US 5000

#ifdef BENCH_WITH_UV
static uv_loop_t uv_loop;
static bool uv_used;

#endif

int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
	struct bench *b = lws_container_of(sul, struct bench, tick);
	lws_sul_schedule(b->ctx, 0, &b->tick, on_tick, TICK_US);
}

int bench_init(struct bench *b)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ws_protocols();
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
#ifdef BENCH_WITH_UV
	void *loops[1] = {&uv_loop};
	if (!b->o.poll && uv_loop_init(&uv_loop) == 0) {
		info.options |= LWS_SERVER_OPTION_LIBUV;
		info.foreign_loops = loops;
		uv_used = true;
	}
#endif
	info.client_ssl_ca_filepath = b->o.ca;
	info.timeout_secs = 60; /* a storm queues handshakes for a while */
	info.connect_timeout_secs = 60;
	info.pcontext = &b->ctx; /* lws clears it once the context is gone */
	lws_set_log_level(LLL_ERR, NULL);
	b->ctx = lws_create_context(&info);
	if (b->ctx == NULL)
		return -1;
	lws_sul_schedule(b->ctx, 0, &b->tick, on_tick, TICK_US);
	return 0;
}

#ifdef BENCH_WITH_UV
struct teardown {
	struct bench *b;
	int ticks, limit;
};

/* Keeps the foreign loop turning until lws has freed the context (it sets
 * b->ctx to NULL through info.pcontext), or the limit in 10 ms ticks. */
static void teardown_tick(uv_timer_t *t)
{
	struct teardown *td = t->data;
	if (td->b->ctx == NULL || ++td->ticks > td->limit)
		uv_stop(t->loop);
}

static void uv_run_until_freed(struct bench *b, int limit)
{
	struct teardown td = {.b = b, .limit = limit};
	uv_timer_t timer;
	uv_timer_init(&uv_loop, &timer);
	timer.data = &td;
	uv_timer_start(&timer, teardown_tick, 10, 10);
	uv_run(&uv_loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(&uv_loop, UV_RUN_NOWAIT);
}

/* lws 4.1 on a foreign loop closes its handles from the loop and frees the
 * context on a second lws_context_destroy() once they are closed. */
static void uv_teardown(struct bench *b)
{
	uv_run_until_freed(b, 20);
	if (b->ctx != NULL) {
		lws_context_destroy(b->ctx);
		uv_run_until_freed(b, 300);
	}
	for (int i = 0; i < 100 && uv_loop_alive(&uv_loop); i++)
		uv_run(&uv_loop, UV_RUN_NOWAIT);
	uv_loop_close(&uv_loop);
	uv_used = false;
}
#endif

void bench_fini(struct bench *b)
{
	if (b->ctx == NULL)
		return;
	lws_sul_cancel(&b->tick);
	lws_context_destroy(b->ctx);
	conns_tls_fini();
#ifdef BENCH_WITH_UV
	if (uv_used) {
		uv_teardown(b);
		return;
	}
#endif
	b->ctx = NULL;
}

/* One turn of the event loop. */
static int bench_turn(struct bench *b)
{
#ifdef BENCH_WITH_UV
	if (uv_used) {
		uv_run(&uv_loop, UV_RUN_ONCE);
		return 0;
	}
#endif
	(void)b;
	return lws_service(b->ctx, 0);
}

bool bench_wait(struct bench *b, bool (*done)(void *arg), void *arg, double timeout_s)
{
	int64_t deadline = now_us() + (int64_t)(timeout_s * 1e6);
	while (!done(arg)) {
		if (now_us() > deadline)
			return false;
		if (bench_turn(b) < 0)
			return false;
	}
	return true;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

void bench_sleep(struct bench *b, double seconds)
{
	bench_wait(b, never, NULL, seconds);
}

void bench_note(struct bench *b, const char *fmt, ...)
{
	if (b->last_error[0] != '\0')
		return; /* the first reason is the useful one */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->last_error, sizeof b->last_error, fmt, ap);
	va_end(ap);
}

uint64_t bench_err_total(const struct bench_errs *e)
{
	return e->connect + e->closed + e->frames + e->rate_limited + e->unexpected + e->lost +
	       e->overrun + e->timeout;
}
