/*
 * web.h - which file answers a GET for the web clients, and with which
 * Content-Type and Content-Security-Policy.  Pure: no I/O but stat(2).
 */
#ifndef INDGANG_WEB_H
#define INDGANG_WEB_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_PATH_MAX 1024

/* The policy for the clients' pages: only this origin, no inline script or
 * style, no framing; connect-src 'self' covers wss:// to the same host;
 * img-src blob: for the photos the clients fetch and show as object URLs. */
#define WEB_CSP                                                                                    \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "    \
	"connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "          \
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

struct web_file {
	char path[WEB_PATH_MAX]; /* the file on disk */
	const char *mime;
	bool redirect; /* a directory asked for without its '/': redirect there */
};

/*
 * Maps a request path under the web root to a file: "/" and directories
 * mean their index.html; dot segments, hidden files, backslashes and NUL are
 * refused; only regular files with a known type are served.  Returns true
 * with *out filled (or out->redirect set), false for "not found".
 */
bool web_resolve(const char *root, const char *url_path, struct web_file *out);

#endif
