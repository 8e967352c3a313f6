/*
 * admit.h - connection admission: at most N concurrent connections that have
 * not signed in from one client address, decided when the TCP connection is
 * accepted, before TLS.
 *
 * What it stops is one machine holding thousands of sockets open (half-open
 * TCP, TLS that never finishes, WebSockets that never authenticate) until
 * the gateway runs out of descriptors for everyone else.  A carrier's or an
 * office's NAT shows many users under one address, so a WebSocket that signs
 * in gives its place back (admit_leave at sign-in); signed-in connections
 * are limited per account and device instead (core/session/session.c).
 * Each connection still has its own deadlines (the TLS handshake, the HTTP
 * request, the 10 s auth deadline); the limit caps how many such slots one
 * address can hold at the same time.
 *
 * The gateway calls admit_enter() for every accepted socket with the peer's
 * address bytes (4 for IPv4, 16 for IPv6) and keeps the ticket with the
 * connection; admit_leave() when the connection is gone.  Refused sockets
 * are closed at once.  Loop thread only; no libwebsockets here.
 */
#ifndef INDGANG_ADMIT_H
#define INDGANG_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADMIT_DEFAULT_PER_ADDRESS 200
#define ADMIT_ADDR_MAX            16    /* bytes of an address key (IPv6) */
#define ADMIT_REPORT_MS           10000 /* refusals are logged at most this often */

struct admit;
struct admit_ticket; /* one admitted connection's hold on its address */

/* The decision: may one more connection come from an address that already
 * has `open` connections, with at most `limit` per address?  Pure. */
bool admit_allows(unsigned open, unsigned limit);

/* A table with per_address as the limit (1 or more).  ERR_OK, or
 * ERR_BAD_REQUEST for a limit of 0, ERR_INTERNAL when out of memory. */
int admit_create(unsigned per_address, struct admit **out);
/* Frees the table; tickets still held become invalid. */
void admit_destroy(struct admit *a);

/*
 * One more connection from addr (len 1..ADMIT_ADDR_MAX bytes).  ERR_OK with
 * *ticket; ERR_RATE_LIMITED when the address is at its limit (counted as a
 * refusal); ERR_BAD_REQUEST for a bad address; ERR_INTERNAL when out of
 * memory.
 */
int admit_enter(struct admit *a, const void *addr, size_t len, struct admit_ticket **ticket);
/* The connection holding ticket is gone.  NULL is ignored. */
void admit_leave(struct admit *a, struct admit_ticket *ticket);

/* Open connections from addr. */
unsigned admit_open(const struct admit *a, const void *addr, size_t len);
/* Open connections in all, and distinct addresses with at least one. */
size_t admit_total(const struct admit *a);
size_t admit_addresses(const struct admit *a);
/* Refusals since the table was made. */
uint64_t admit_refused(const struct admit *a);

/*
 * Refusals to log now: the number refused since the last report when at
 * least ADMIT_REPORT_MS have passed since it (or none was made yet), else 0.
 * A returned count is considered reported.  now_ms: any monotonic clock.
 */
uint64_t admit_refusals_to_report(struct admit *a, int64_t now_ms);

#endif
