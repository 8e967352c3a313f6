/*
 * workers.h - HTTP calls: each request of the HTTP API runs whole on one of
 * the hub's HTTP workers (workers.c); a call (http_call.c) is the request
 * and its response as they travel between the loop and a worker.
 *
 * Threads: every function here is called on the event-loop thread.
 */
#ifndef INDGANG_WORKERS_H
#define INDGANG_WORKERS_H

#include <stdbool.h>

#include "../api/api.h"

struct hub;
struct http_call;

/* Starts an HTTP call; takes ownership of req's strings (they must be
 * malloc'd).  The hook want_write(transport) fires when the response is
 * ready. NULL when out of memory. */
struct http_call *http_call_start(struct hub *h, void *transport, struct api_request *req);
/* The response, or NULL while the call is still running. */
const struct api_response *http_call_response(struct http_call *c);
/* A streamed response (resp->stream): the transport wrote the current chunk
 * and wants the next; http_call_response() is NULL until a worker has made
 * it, then want_write(transport) fires.  False when out of memory (the
 * transport then aborts the answer). */
bool http_call_more(struct http_call *c);
/* An accepted upload's body (api_response.upload_accepted, core/api/upload.h)
 * is all written: a worker finishes it, then want_write(transport) fires
 * with the answer.  False when out of memory. */
bool http_call_finish(struct http_call *c);
/* The transport is done with the call (written or closed). */
void http_call_release(struct http_call *c);

#endif
