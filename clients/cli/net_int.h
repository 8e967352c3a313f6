/*
 * net_int.h - what net.c, http.c and ws.c share: the protocol callbacks the
 * context is created with, and the common connect settings.
 */
#ifndef INDGANG_CLI_NET_INT_H
#define INDGANG_CLI_NET_INT_H

#include <libwebsockets.h>

#include "net.h"

#define NET_PROTO_HTTP "indgang-cli-http"
#define NET_PROTO_WS   "indgang.v1"

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len);
int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                size_t len);

/* Fill the parts of a connect info every connection shares: context,
 * address, port, Host "host:port", TLS with verification, HTTP/1.1. */
void net_connect_info(const struct net *n, struct lws_client_connect_info *i, char *host_hdr,
                      size_t cap);

/* Why a connection failed: a refused certificate's reason when there is
 * one, else the lws reason `in` (may be NULL), else dflt. */
void net_reason(struct net *n, char *why, size_t cap, const void *in, const char *dflt);

#endif
