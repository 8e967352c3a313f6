/*
 * net.h - the network under indgang-cli, on the libwebsockets 4.1 client API.
 *
 *   net.c   the URL, one lws context (TLS always verified), the service loop,
 *           SIGINT/SIGTERM
 *   http.c  one HTTPS POST with a JSON body, answered by status + JSON
 *   ws.c    one WebSocket on /ws (subprotocol indgang.v1): sends the auth
 *           frame, queues frames (one lws_write per WRITEABLE), reassembles
 *           fragments, reports every server frame and the end of the
 *           connection, and reconnects after a backoff with jitter
 *
 * Nothing here prints: failures come back as values with a reason string.
 */
#ifndef INDGANG_CLI_NET_H
#define INDGANG_CLI_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/* ---- net.c --------------------------------------------------------------- */

struct url {
	char host[256];   /* name or address, without brackets */
	int port;         /* 443 when not given */
	char prefix[256]; /* path before /api and /ws, "" or "/x" (no trailing /) */
	char origin[300]; /* normalised "https://host:port" */
};

/* Parse "https://HOST[:PORT][/PREFIX]".  0, or -1 with why[] filled. */
int url_parse(const char *s, struct url *u, char *why, size_t cap);

struct net;

/* One lws context for url; ca may be NULL (the system's trust store).
 * verbose lets lws log its warnings.  0, or -1 with why[] filled. */
int net_open(const struct url *u, const char *ca, bool verbose, struct net **out, char *why,
             size_t cap);
void net_close(struct net *n); /* accepts NULL */

const struct url *net_url(const struct net *n);
struct lws_context *net_context(const struct net *n);

/* Catch SIGINT and SIGTERM (no SA_RESTART: blocking reads see EINTR). */
void net_signals_install(void);

/* True once SIGINT or SIGTERM arrived. */
bool net_interrupted(void);

/* The signal is dealt with (e.g. a clean close begins): a second one
 * interrupts again. */
void net_interrupt_ack(void);

/* read(2) that a SIGINT or SIGTERM ends at any moment, also one that came
 * just before the call: -1 with errno EINTR then. */
ssize_t net_read(int fd, void *buf, size_t cap);

enum net_result {
	NET_DONE,        /* *done became true */
	NET_TIMEOUT,     /* timeout_ms passed */
	NET_INTERRUPTED, /* a signal arrived */
	NET_BROKEN,      /* the lws loop failed */
};

/* Serve the loop until *done, the timeout (<= 0: none) or a signal. */
enum net_result net_run(struct net *n, const bool *done, int timeout_ms);

/* ---- http.c -------------------------------------------------------------- */

struct http_reply {
	int status;    /* HTTP status; 0 when no answer came */
	json_t *body;  /* the answer as JSON, or NULL (empty or not JSON) */
	char why[256]; /* when status is 0: why not */
};

/*
 * POST body (JSON text, may be NULL) to the URL's prefix + path, with
 * "Authorization: Bearer TOKEN" when bearer is not NULL, and wait at most
 * timeout_ms.  0 when the server answered (any status), -1 otherwise (why
 * filled; NET_INTERRUPTED shows as "interrupted").  Caller frees r with
 * http_reply_clear().
 */
int http_post(struct net *n, const char *path, const char *bearer, const char *body, int timeout_ms,
              struct http_reply *r);
void http_reply_clear(struct http_reply *r);

/* ---- ws.c ---------------------------------------------------------------- */

/* How a connection ended. */
struct ws_down {
	bool was_open;  /* the upgrade had succeeded */
	int close_code; /* the server's close code, 0 when none came */
	char why[256];  /* the connection error or close reason, may be "" */
};

struct ws_events {
	/* Every server frame, the welcome included.  The frame is freed after
	 * the call: json_incref() it to keep it. */
	void (*on_frame)(void *arg, json_t *frame);
	/* The connection failed or closed.  Call ws_retry_later() or stop. */
	void (*on_down)(void *arg, const struct ws_down *down);
};

struct ws;

/* A WebSocket to wss://host:port/PREFIX/ws that authenticates with token
 * (copied).  max_tries bounds ws_retry_later(); 0 means no bound. */
int ws_create(struct net *n, const char *token, const struct ws_events *ev, void *arg,
              unsigned max_tries, struct ws **out);

/* Detaches from any live connection (the lws context closes it).  Accepts NULL. */
void ws_destroy(struct ws *w);

/* Connect now (from the loop, on the next turn).  Events follow. */
void ws_connect(struct ws *w);

/* Reconnect after the next delay of the backoff table (0.5 s doubling to
 * 30 s, plus up to 30 % jitter).  Returns the delay in ms, or -1 when
 * max_tries are used up. */
int ws_retry_later(struct ws *w);

/* The connection works (a welcome came): the backoff starts over. */
void ws_retry_reset(struct ws *w);

/* Queue one frame (encoded now; the caller keeps frame).  0, or -1. */
int ws_send(struct ws *w, json_t *frame);

/* Close with 1000 once the queue is written; on_down follows. */
void ws_close(struct ws *w);

bool ws_is_open(const struct ws *w);

#endif
