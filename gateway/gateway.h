/*
 * gateway.h - what the gateway's files share: the per-vhost state (vhd) and
 * the two protocol callbacks.  The gateway only translates between
 * libwebsockets and the running core (core/hub, core/session,
 * core/workers); decisions live in core/.
 */
#ifndef INDGANG_GATEWAY_H
#define INDGANG_GATEWAY_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "core/hub/hub.h"
#include "core/session/session.h"
#include "core/workers/workers.h"

#define GW_SUBPROTOCOL "indgang.v1"
#define GW_WS_PATH     "/ws"
#define GW_MESSAGE_MAX HUB_MESSAGE_MAX /* the contract's frame limit */

struct gw {
	struct lws_context *context;
	struct hub *hub;
	const char *web_root;        /* the web clients' files, or NULL */
	int connections_per_address; /* connections from one address not (yet) signed in */
	int http_request_s;          /* deadline of a request's body, from its headers */
};

/* The gateway of the running process (one per process: the signal handler
 * and the hub's wake hook need to reach it). */
extern struct gw gw;

int gw_callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);
int gw_callback_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len);
size_t gw_http_pss_size(void);
size_t gw_ws_pss_size(void);
/* hub_hooks.input_announced: the message arriving on a WebSocket, in bytes
 * its frame headers announce (lws_remaining_packet_payload is readable at
 * any time, not only while lws calls back with payload). */
size_t gw_ws_input_announced(void *transport);
/* hub_hooks.signed_in: the WebSocket on transport (a wsi) signed in and no
 * longer counts against its address's connections_per_address. */
void gw_admit_release(void *transport);
/* The security headers lws adds to every HTTP answer (info.headers). */
const struct lws_protocol_vhost_options *gw_http_vhost_headers(void);

/* Copies a header into buf (NUL-terminated); false when absent or too long. */
bool gw_header(struct lws *wsi, enum lws_token_indexes h, char *buf, size_t cap);
/* The session cookie's value from the Cookie header into buf. */
bool gw_cookie_token(struct lws *wsi, char *buf, size_t cap);

#endif
