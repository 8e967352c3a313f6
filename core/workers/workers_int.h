/*
 * workers_int.h - internals of the HTTP workers (workers.c) and of the
 * calls they run (http_call.c).
 */
#ifndef INDGANG_WORKERS_INT_H
#define INDGANG_WORKERS_INT_H

#include "workers.h"
#include "../hub/hub_int.h"

struct http_call {
	struct hub *hub;
	void *transport;
	struct api_request req;
	struct api_response resp;
	bool done;      /* the worker finished (loop thread view); with a
	                 * stream, the current chunk is ready */
	bool applied;   /* http_call_apply has acted on the response once */
	bool abandoned; /* the transport went away first */
};

/* ---- workers.c ----------------------------------------------------------------------- */

int workers_start(struct hub *h);
/* Finishes what is queued, then joins the threads. */
void workers_stop(struct hub *h);

/* ---- http_call.c --------------------------------------------------------------------- */

/* Loop thread: the worker finished c (or made its next chunk): closes the
 * sessions a sign-out or revocation ended, announces a new conversation,
 * fans a notice out, then wakes the transport (or frees c, abandoned). */
void http_call_apply(struct hub *h, struct http_call *c);

#endif
