/*
 * scan.h - the checker: a thread of its own that checks every upload before
 * anyone but its sender may fetch it (issue 14).  One upload at a time, the
 * oldest due first:
 *
 *   1. An image is decoded and written anew by indgang-image (image.h): no
 *      metadata, orientation applied, a thumbnail; refused when it cannot be
 *      decoded within its limits (a decompression bomb from its header, in
 *      milliseconds, before clamd would spend seconds inflating it).  A PDF
 *      is kept as sent.
 *   2. clamd scans the bytes as received (INSTREAM, clamd.h).  Malware: the
 *      file goes to quarantine/, the upload is rejected ("malware"), the
 *      contact log says so and the sender and the family's pair are told.
 *      clamd away: the upload waits, retried with a growing pause, unless
 *      the municipality chose to refuse what cannot be scanned (reject).
 *   3. The result is stored by its content (attach/files.h), flushed to
 *      disk, and only then recorded as ready; the spool file goes last.  A
 *      checker killed at any point leaves the upload due again (its lease
 *      ends), and checking it again gives the same files.
 *
 * Every outcome is told at once (hub_notice) to the sender and to those who
 * see the message it is in.
 */
#ifndef INDGANG_SCAN_H
#define INDGANG_SCAN_H

#include <stdbool.h>
#include <stdint.h>

struct hub;
struct scan;

#define SCAN_LEASE_MS       (5 * 60 * 1000) /* an upload being checked, at most */
#define SCAN_CLAMD_MS       60000           /* one INSTREAM exchange */
#define SCAN_BACKOFF_MS     1000            /* the first pause while clamd is away, doubling */
#define SCAN_BACKOFF_MAX_MS (5 * 60 * 1000)

struct scan_config {
	const char *clamd_socket; /* clamd's LocalSocket */
	const char *image_helper; /* the indgang-image program */
	bool reject_unscanned;    /* clamd away: refuse instead of waiting */
};

int scan_start(struct hub *h, const struct scan_config *cfg, struct scan **out);
/* Any thread: an upload is waiting; look now. */
void scan_wake(struct scan *k);
/* Any thread: files may have lost their last row (issue 16); sweep now. */
void scan_sweep_soon(struct scan *k);
/* Finishes the upload in hand, then joins the thread. */
void scan_stop(struct scan *k);

#endif
