/*
 * clamd.c - a small blocking client for clamd's INSTREAM and PING over its
 * Unix socket (clamd.h says what the calls return).
 *
 * The exchange, in clamd's "z" form (each command and answer ends in NUL):
 *
 *   -> "zINSTREAM\0"
 *   -> <length, 4 bytes, network order><that many bytes of the file>  ...
 *   -> 0000                                     (a chunk of length zero: the end)
 *   <- "stream: OK\0" | "stream: <signature> FOUND\0" | "<why> ERROR\0"
 *
 * clamd may answer before the end: past StreamMaxLength it sends "INSTREAM
 * size limit exceeded. ERROR" and hangs up while we are still sending.  So a
 * send that fails because the peer is gone is not yet a failure: we read
 * what clamd said first, and only with no answer is it ERR_UNAVAILABLE.
 *
 * The socket is non-blocking and every wait is a poll() against one deadline
 * for the whole exchange, so a clamd that hangs costs timeout_ms, never more.
 */
#include "core/scan/clamd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/common/err.h"

#define CLAMD_REPLY_MAX 512 /* clamd's answers are a line; a longer one is not an answer */

struct clamd_conn {
	int fd;
	int64_t deadline; /* CLOCK_MONOTONIC, ms */
	char *detail;     /* why, for the caller's log; may be NULL */
	size_t cap;
};

static int64_t clamd_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Says why into the caller's detail and returns rc, for `return clamd_why(...)`. */
__attribute__((format(printf, 3, 4))) static int clamd_why(struct clamd_conn *c, int rc,
                                                           const char *fmt, ...)
{
	if (c->detail && c->cap > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->detail, c->cap, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Waits until the socket is ready for events, or the deadline. */
static int clamd_wait(struct clamd_conn *c, short events)
{
	for (;;) {
		int64_t left = c->deadline - clamd_now_ms();
		if (left <= 0)
			return ERR_UNAVAILABLE;
		struct pollfd p = {.fd = c->fd, .events = events};
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return ERR_OK; /* ready, or an error the next call will report */
		if (n < 0 && errno != EINTR)
			return ERR_INTERNAL;
	}
}

static int clamd_connect(struct clamd_conn *c, const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a.sun_path)
		return clamd_why(c, ERR_INTERNAL, "clamd socket path too long: %s", path);
	memcpy(a.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return clamd_why(c, ERR_INTERNAL, "socket: %s", strerror(errno));
	/* A Unix socket connects at once or not at all: EAGAIN is a full backlog,
	 * a clamd too busy to take us now. */
	if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
		return clamd_why(c, ERR_UNAVAILABLE, "clamd at %s: %s", path, strerror(errno));
	return ERR_OK;
}

/* Sends all n bytes.  ERR_GONE when clamd hung up: it may have said why. */
static int clamd_send(struct clamd_conn *c, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w >= 0) {
			p += w, n -= (size_t)w;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			return ERR_GONE;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (clamd_wait(c, POLLOUT) != ERR_OK)
				return clamd_why(c, ERR_UNAVAILABLE,
				                 "clamd took nothing more in time");
		} else {
			return clamd_why(c, ERR_UNAVAILABLE, "sending to clamd: %s",
			                 strerror(errno));
		}
	}
	return ERR_OK;
}

/* Reads clamd's answer up to its NUL into reply[CLAMD_REPLY_MAX]. */
static int clamd_recv(struct clamd_conn *c, char *reply)
{
	size_t got = 0;
	for (;;) {
		ssize_t r = recv(c->fd, reply + got, CLAMD_REPLY_MAX - got, 0);
		if (r > 0) {
			got += (size_t)r;
			if (memchr(reply, '\0', got))
				return ERR_OK;
			if (got == CLAMD_REPLY_MAX)
				return clamd_why(c, ERR_INTERNAL, "clamd's answer is too long");
		} else if (r == 0 || errno == ECONNRESET) {
			return clamd_why(c, ERR_UNAVAILABLE,
			                 got ? "clamd hung up mid-answer"
			                     : "clamd hung up without an answer");
		} else if (errno == EAGAIN || errno == EINTR) {
			if (clamd_wait(c, POLLIN) != ERR_OK)
				return clamd_why(c, ERR_UNAVAILABLE,
				                 "clamd did not answer in time");
		} else {
			return clamd_why(c, ERR_UNAVAILABLE, "reading from clamd: %s",
			                 strerror(errno));
		}
	}
}

/* Sends the file as INSTREAM chunks, each with its length in front in the
 * same buffer (one send each), then the empty chunk. */
static int clamd_stream(struct clamd_conn *c, int fd)
{
	unsigned char *buf = malloc(4 + CLAMD_CHUNK);
	if (!buf)
		return clamd_why(c, ERR_INTERNAL, "out of memory");
	int rc = ERR_OK;
	for (off_t at = 0;;) {
		ssize_t n = pread(fd, buf + 4, CLAMD_CHUNK, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = clamd_why(c, ERR_INTERNAL, "reading the file: %s", strerror(errno));
			break;
		}
		uint32_t len = htonl((uint32_t)n);
		memcpy(buf, &len, 4);
		rc = clamd_send(c, buf, 4 + (size_t)n);
		if (rc != ERR_OK || n == 0)
			break;
		at += n;
	}
	free(buf);
	return rc;
}

/* clamd's answer to INSTREAM -> the verdict, or the error it means. */
static int clamd_parse(struct clamd_conn *c, const char *reply, enum clamd_verdict *verdict)
{
	static const char stream[] = "stream: ", found[] = " FOUND", error[] = " ERROR";
	size_t n = strlen(reply);
	if (strcmp(reply, "stream: OK") == 0) {
		*verdict = CLAMD_CLEAN;
		return ERR_OK;
	}
	if (n > strlen(stream) + strlen(found) && strncmp(reply, stream, strlen(stream)) == 0 &&
	    strcmp(reply + n - strlen(found), found) == 0 && reply[strlen(stream)] != ' ') {
		*verdict = CLAMD_FOUND;
		int len = (int)(n - strlen(stream) - strlen(found));
		clamd_why(c, ERR_OK, "%.*s", len, reply + strlen(stream));
		return ERR_OK;
	}
	if (n >= strlen(error) && strcmp(reply + n - strlen(error), error) == 0 &&
	    strstr(reply, "size limit exceeded"))
		return clamd_why(c, ERR_TOO_LARGE, "clamd: %s", reply);
	return clamd_why(c, ERR_INTERNAL, "clamd: %s", reply);
}

/* One exchange: connect, send the command (and the file, if fd >= 0), read
 * the answer.  The caller closes c->fd. */
static int clamd_exchange(struct clamd_conn *c, const char *path, const char *cmd, size_t len,
                          int fd, char *reply)
{
	int rc = clamd_connect(c, path);
	if (rc == ERR_OK)
		rc = clamd_send(c, cmd, len);
	if (rc == ERR_OK && fd >= 0)
		rc = clamd_stream(c, fd);
	if (rc == ERR_OK || rc == ERR_GONE)
		rc = clamd_recv(c, reply);
	return rc;
}

int clamd_scan_fd(const char *socket_path, int fd, int timeout_ms, enum clamd_verdict *verdict,
                  char *detail, size_t cap)
{
	struct clamd_conn c = {-1, clamd_now_ms() + timeout_ms, detail, cap};
	if (detail && cap > 0)
		detail[0] = '\0';
	if (!socket_path || fd < 0 || timeout_ms <= 0 || !verdict)
		return clamd_why(&c, ERR_INTERNAL, "clamd_scan_fd: bad arguments");
	char reply[CLAMD_REPLY_MAX];
	static const char cmd[] = "zINSTREAM"; /* sent with its NUL */
	int rc = clamd_exchange(&c, socket_path, cmd, sizeof cmd, fd, reply);
	if (c.fd >= 0)
		close(c.fd);
	return rc == ERR_OK ? clamd_parse(&c, reply, verdict) : rc;
}

int clamd_ping(const char *socket_path, int timeout_ms)
{
	struct clamd_conn c = {-1, clamd_now_ms() + timeout_ms, NULL, 0};
	if (!socket_path || timeout_ms <= 0)
		return ERR_UNAVAILABLE;
	char reply[CLAMD_REPLY_MAX];
	static const char cmd[] = "zPING";
	int rc = clamd_exchange(&c, socket_path, cmd, sizeof cmd, -1, reply);
	if (c.fd >= 0)
		close(c.fd);
	return rc == ERR_OK && strcmp(reply, "PONG") == 0 ? ERR_OK : ERR_UNAVAILABLE;
}
