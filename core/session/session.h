/*
 * session.h - WebSocket sessions without sockets: one per connection, from
 * its opening through sign-in and its verbs to its close (session.c, with
 * the state diagram), the bounded outbox of encoded frames the gateway
 * writes from (outbox.c), and keep-alive (keepalive.c).  The verbs
 * themselves (verb.c), sign-in lifetimes (lifetime.c) and the registry of
 * sessions per user (registry.c) are internal: session_int.h.
 *
 * Threads: every function here is called on the event-loop thread.
 */
#ifndef INDGANG_SESSION_H
#define INDGANG_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct hub;
struct session;

/* ---- Lifecycle (session.c) ---------------------------------------------------- */

/* A new connection; NULL when out of memory. */
struct session *session_open(struct hub *h, void *transport, const char *peer_addr);
/* Authenticate at the upgrade (session cookie; the gateway checked Origin).
 * ERR_OK queues the welcome: it is built on the hub's reader thread and
 * written after a later hub_drain(), as the first frame after the auth;
 * frames queued for the session meanwhile wait behind it.  ERR_RATE_LIMITED
 * means the account or device is at its limit of connections and the
 * session is being closed (4429). */
int session_auth_token(struct session *s, const char *token);
/* One complete text message from the client. */
void session_input(struct session *s, const char *data, size_t len);
/* Refuse the connection at once: an error frame, then close with code. */
void session_refuse(struct session *s, int err, int code, const char *why);
/* The authentication deadline passed (10 s after opening). */
void session_auth_deadline(struct session *s);
/* The transport is gone; the session is freed. */
void session_closed(struct session *s);
/* Frames are queued, a ping is wanted, or a close is waiting to be sent. */
bool session_wants_write(const struct session *s);
/* When the outbox is empty and the session should close: true with code. */
bool session_close_pending(struct session *s, int *code, const char **reason);

/* ---- Writing: the outbox (outbox.c) ---------------------------------------------- */

/* The next frame (headroom bytes precede *data), or NULL. */
const unsigned char *outbox_next_frame(struct session *s, size_t *len);
/* The frame returned by outbox_next_frame() was written.  The transport
 * keeps writing while it can; when it stops with frames left, or with a
 * close pending, it comes back by itself (session_wants_write()): hooks.
 * want_write is only called when a frame arrives in an empty outbox. */
void outbox_frame_done(struct session *s);

/* ---- Keep-alive (keepalive.c) ------------------------------------------------------ */

/* Bytes (any part of a frame) or a pong arrived from the peer: it is alive.
 * The hub keeps connections alive itself, where lws 4.1 would re-insert a
 * timer per connection into one sorted list on every frame received: with
 * 10,000 connections that walk cost more than the TLS handshakes of a
 * reconnect storm.  Accepts NULL. */
void keepalive_heard(struct session *s);
/* The transport should write a WebSocket ping now (once per true). */
bool keepalive_take_ping(struct session *s);

#endif
