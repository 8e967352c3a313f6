/*
 * loop.c - the event loop under libwebsockets.
 *
 * By default lws runs on a libuv loop of ours (epoll): lws's own loop calls
 * poll() over every descriptor on each turn, which at thousands of
 * connections costs more than the traffic itself.  "event_loop = poll"
 * keeps lws's own loop (no libuv, and no libwebsockets-evlib-uv plugin); it
 * is also the fallback when the plugin cannot be loaded.
 *
 * lws 4.1 on a foreign loop frees its context in two steps: the first
 * lws_context_destroy() starts closing its handles on the loop, a second
 * one after they are closed frees the context (info.pcontext then reads
 * NULL).  gw_loop_destroy() turns the loop through both.
 */
#include "loop.h"

#include <string.h>
#include <uv.h>

static uv_loop_t uv_loop;
static bool uv_in_use;
static struct lws_context *context; /* lws clears it once freed (pcontext) */

bool gw_loop_prepare(struct lws_context_creation_info *info, bool libuv, void **foreign)
{
	uv_in_use = false;
	info->pcontext = &context;
	if (!libuv || uv_loop_init(&uv_loop) != 0)
		return false;
	foreign[0] = &uv_loop;
	info->foreign_loops = foreign;
	info->options |= LWS_SERVER_OPTION_LIBUV;
	uv_in_use = true;
	return true;
}

void gw_loop_unprepare(struct lws_context_creation_info *info)
{
	if (uv_in_use)
		uv_loop_close(&uv_loop);
	uv_in_use = false;
	info->foreign_loops = NULL;
	info->options &= ~(uint64_t)LWS_SERVER_OPTION_LIBUV;
}

bool gw_loop_is_libuv(void)
{
	return uv_in_use;
}

int gw_loop_run_once(struct lws_context *ctx)
{
	if (!uv_in_use)
		return lws_service(ctx, 0) < 0 ? -1 : 0;
	uv_run(&uv_loop, UV_RUN_ONCE);
	return 0;
}

static int teardown_ticks, teardown_limit;

static void teardown_tick(uv_timer_t *t)
{
	if (context == NULL || ++teardown_ticks > teardown_limit)
		uv_stop(t->loop);
}

/* Turns the loop until lws has freed the context, limit x 10 ms at most. */
static void run_until_freed(int limit)
{
	uv_timer_t timer;
	teardown_ticks = 0;
	teardown_limit = limit;
	uv_timer_init(&uv_loop, &timer);
	uv_timer_start(&timer, teardown_tick, 10, 10);
	uv_run(&uv_loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(&uv_loop, UV_RUN_NOWAIT);
}

void gw_loop_destroy(struct lws_context *ctx)
{
	if (ctx == NULL)
		return;
	lws_context_destroy(ctx);
	if (!uv_in_use)
		return;
	run_until_freed(20);
	if (context != NULL) {
		lws_context_destroy(context);
		run_until_freed(300);
	}
	for (int i = 0; i < 100 && uv_loop_alive(&uv_loop); i++)
		uv_run(&uv_loop, UV_RUN_NOWAIT);
	uv_loop_close(&uv_loop);
	uv_in_use = false;
}
