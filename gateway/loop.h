/*
 * loop.h - the event loop under libwebsockets: libuv (epoll) or lws's own
 * poll() loop.  Used by main.c only; one loop per process.
 */
#ifndef INDGANG_GW_LOOP_H
#define INDGANG_GW_LOOP_H

#include <libwebsockets.h>
#include <stdbool.h>

/* Sets info up for a libuv loop when libuv is asked for (foreign must have
 * room for one pointer and outlive lws_create_context()); false when lws's
 * own loop is used. */
bool gw_loop_prepare(struct lws_context_creation_info *info, bool libuv, void **foreign);
/* Undoes gw_loop_prepare() after lws_create_context() failed, so that a
 * second try can use lws's own loop. */
void gw_loop_unprepare(struct lws_context_creation_info *info);
bool gw_loop_is_libuv(void);
/* One turn: waits for events (or lws_cancel_service()) and serves them. */
int gw_loop_run_once(struct lws_context *ctx);
/* Destroys the context and, for libuv, closes the loop. */
void gw_loop_destroy(struct lws_context *ctx);

#endif
