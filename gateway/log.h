/*
 * log.h - the gateway's log and its word with the service manager.
 *
 * One line per event on standard error, in logfmt:
 *
 *     level=info event=listening addr=127.0.0.1:8443 msg="listening on 127.0.0.1:8443"
 *
 * Under systemd (JOURNAL_STREAM names our stderr) each line starts with the
 * syslog priority, "<6>", so journald records the level, and carries no
 * timestamp (the journal has its own); elsewhere it starts with ts=RFC 3339.
 * Every line is written with one write(2), so lines from several threads
 * never interleave.  Callers log counts, ids, addresses and paths: never a
 * message body, a token, a password or an invite code.
 *
 * The service manager: log_notify() sends sd_notify(3) states (READY=1,
 * RELOADING=1, STOPPING=1) to $NOTIFY_SOCKET when there is one, without
 * linking libsystemd.
 */
#ifndef INDGANG_LOG_H
#define INDGANG_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOGL_ERROR = 0, LOGL_WARNING, LOGL_INFO, LOGL_DEBUG };

/* Looks at JOURNAL_STREAM once; call before the first log line. */
void log_init(void);
/* Events above this level are dropped (any thread may log meanwhile). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warning", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level level);

/* One event; fmt makes the fields after "event=NAME" (may be NULL). */
__attribute__((format(printf, 3, 4))) void log_event(enum log_level level, const char *event,
                                                     const char *fmt, ...);
/* A value for a logfmt field: bare when it is one plain word, else quoted. */
const char *log_quote(char *buf, size_t cap, const char *value);
/* libwebsockets' own lines (lws_set_log_level's emit function). */
void log_lws(int lws_level, const char *line);

/* sd_notify: state such as "READY=1"; false when there is no manager. */
bool log_notify(const char *state);

#endif
