/*
 * clamd.h - a small blocking client for ClamAV's clamd over its Unix socket
 * (issue 14): INSTREAM scans an upload before anyone else may fetch it,
 * PING asks whether clamd is there.
 *
 * One call is one connection and one exchange, bounded by timeout_ms as a
 * whole (connect, send and the answer).  The file is sent in chunks of
 * CLAMD_CHUNK bytes; the memory used is one chunk, whatever the file's size.
 * The calls never raise SIGPIPE (a clamd that dies mid-stream is an error
 * returned, not a signal).  They block: call them from a worker thread.
 */
#ifndef INDGANG_CLAMD_H
#define INDGANG_CLAMD_H

#include <stddef.h>

#define CLAMD_CHUNK 65536 /* bytes of the file per INSTREAM chunk */

enum clamd_verdict {
	CLAMD_CLEAN, /* "stream: OK" */
	CLAMD_FOUND, /* "stream: <signature> FOUND" */
};

/*
 * Scans the whole of the file open at fd (read from offset 0 with pread; the
 * file position is left alone) with the clamd listening at socket_path.
 *
 * ERR_OK with *verdict; when CLAMD_FOUND, detail holds the signature's name
 * as clamd gave it (e.g. "Win.Test.EICAR_HDB-1"), cut to cap - 1 bytes.
 * Otherwise an error, and detail says why in a short sentence for the log:
 *   ERR_UNAVAILABLE  clamd is not there, refused, closed without an answer or
 *                    did not answer within timeout_ms: try again later
 *   ERR_TOO_LARGE    clamd refused the stream as longer than its
 *                    StreamMaxLength ("INSTREAM size limit exceeded")
 *   ERR_INTERNAL     clamd answered another ERROR or something unexpected,
 *                    fd could not be read, or the arguments are wrong
 * detail may be NULL when cap is 0.
 */
int clamd_scan_fd(const char *socket_path, int fd, int timeout_ms, enum clamd_verdict *verdict,
                  char *detail, size_t cap);

/* ERR_OK when the clamd at socket_path answers PING with PONG within
 * timeout_ms, else ERR_UNAVAILABLE. */
int clamd_ping(const char *socket_path, int timeout_ms);

#endif
