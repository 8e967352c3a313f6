/*
 * log.c - logfmt lines on standard error, journald-aware, and sd_notify
 * without libsystemd (see log.h).
 */
#include "log.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/common/text.h"

#define LINE_MAX_BYTES 1024

static atomic_int current_level = LOGL_INFO;
static bool to_journal; /* set once by log_init(), before any thread starts */

static const char *const level_names[] = {"error", "warning", "info", "debug"};
/* syslog priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
static const int level_priority[] = {3, 4, 6, 7};

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream journald gave us; it
 * counts only while stderr still is that stream (not redirected since). */
void log_init(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	to_journal = js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	             fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	             (unsigned long long)st.st_ino == ino;
}

void log_set_level(enum log_level level)
{
	atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&current_level);
}

int log_level_parse(const char *name)
{
	for (int i = 0; i <= LOGL_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return level <= LOGL_DEBUG ? level_names[level] : "info";
}

const char *log_quote(char *buf, size_t cap, const char *value)
{
	return text_logfmt_quote(buf, cap, value);
}

static void write_line(enum log_level level, const char *event, const char *fields)
{
	char line[LINE_MAX_BYTES];
	int n;
	if (to_journal) {
		n = snprintf(line, sizeof line - 1, "<%d>level=%s event=%s%s%s",
		             level_priority[level], level_names[level], event, fields[0] ? " " : "",
		             fields);
	} else {
		char ts[32];
		text_format_ts(text_now_ms(), ts);
		n = snprintf(line, sizeof line - 1, "ts=%s level=%s event=%s%s%s", ts,
		             level_names[level], event, fields[0] ? " " : "", fields);
	}
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w; /* nowhere to report a failing stderr */
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	char fields[LINE_MAX_BYTES] = "";
	if ((int)level > atomic_load(&current_level))
		return;
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(fields, sizeof fields, fmt, ap);
		va_end(ap);
	}
	write_line(level, event, fields);
}

void log_lws(int lws_level, const char *line)
{
	char msg[512], q[600];
	enum log_level level = (lws_level & LLL_ERR)    ? LOGL_ERROR
	                       : (lws_level & LLL_WARN) ? LOGL_WARNING
	                                                : LOGL_DEBUG;
	/* lws lines start with its own timestamp "[date] W: " and end in '\n'. */
	const char *p = strstr(line, ": ");
	text_copy(msg, sizeof msg, p != NULL && p - line < 40 ? p + 2 : line);
	msg[strcspn(msg, "\r\n")] = '\0';
	log_event(level, "lws", "msg=%s", log_quote(q, sizeof q, msg));
}

bool log_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n;
	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof sa.sun_path)
		return false;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* an abstract socket */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	bool ok = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) >= 0;
	close(fd);
	return ok;
}
