/*
 * notify.h - the Web Push sender: a thread of its own that sends the
 * notifications queued in the database (push_queue, written with each
 * message by core/service/push.c) to the browsers' push services.
 *
 * The event loop and the writer never wait for a push service: the loop
 * only wakes the sender when a commit queued something (notify_wake), and
 * the sender talks HTTPS through libcurl's multi interface (HTTP/2 where the
 * push service offers it, many requests on one connection).  It reads the
 * queue on a connection of its own; what became of each notification goes
 * to the writer as a job (JOB_PUSHED), a batch per turn, so that the
 * database keeps one writer:
 *
 *   2xx      sent: the row goes (unless a newer message took its place)
 *   404/410  the subscription is gone: it and its rows go
 *   429/5xx  and no answer at all: tried again after Retry-After or a
 *            doubling back-off, until NOTIFY_ATTEMPTS or the time to live
 *   other    dropped and logged (a request the push service will never take)
 *
 * A notification for someone whose client shows that conversation right now
 * (presence.c) is not sent.  Every outcome is counted (/metrics).
 */
#ifndef INDGANG_NOTIFY_H
#define INDGANG_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hub;
struct notify;
struct vapid;

#define NOTIFY_INFLIGHT       64              /* requests under way at once */
#define NOTIFY_ATTEMPTS       8               /* tries before giving up */
#define NOTIFY_TTL_S          (2 * 24 * 3600) /* the push service keeps it this long */
#define NOTIFY_BACKOFF_MS     5000            /* the first retry's wait, doubling */
#define NOTIFY_BACKOFF_MAX_MS (3600 * 1000LL) /* the longest wait between tries */

struct notify_config {
	const char *db_path;
	const struct vapid *key; /* signs the requests (RFC 8292); the caller keeps it */
	const char *contact;     /* the JWT's "sub": mailto: or https: */
	const char *ca_file;     /* CAs to trust for push services; NULL: the system's */
	int64_t renotify_ms;     /* after a notification, a newer message in the same
	                          * conversation waits this long unless read (0: none) */
	int64_t device_idle_ms;  /* a phone unused this long is signed out: it is told before */
};

/* Starts the sender thread; *out is NULL when cfg->key is NULL (no push). */
int notify_start(struct hub *h, const struct notify_config *cfg, struct notify **out);
/* Any thread: something was queued; look now. */
void notify_wake(struct notify *n);
/* The loop: the writer recorded these outcomes (JOB_PUSHED came back); their
 * rows may be looked at again, and left says some are due again (a newer
 * message took the place of one that was sent). */
struct svc_push_outcome;
void notify_recorded(struct notify *n, const struct svc_push_outcome *v, size_t k, bool left);
/* Stops the thread; what was not sent stays queued for the next start. */
void notify_stop(struct notify *n);

#endif
