/*
 * out.c - everything indgang-cli prints.
 *
 * stdout carries results: human text, or with --json one compact JSON object
 * a line (the server's own MSG and CONV objects), flushed line by line so a
 * pipe sees each message as it arrives.  stderr carries errors, always one
 * human line starting with "indgang-cli: ".  Text from the server never
 * reaches a terminal raw: control characters are shown as \xNN or \uNNNN,
 * so a message cannot move the cursor, retitle the window or fake output.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/common/text.h"

void out_error(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs(CLI_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void out_wire_error(const char *code, const char *message)
{
	fflush(stdout);
	fprintf(stderr, CLI_NAME ": %s: ", code ? code : "error");
	out_text(stderr, message && *message ? message : "(no message)");
	fputc('\n', stderr);
}

void out_error_frame(json_t *frame)
{
	out_wire_error(json_string_value(json_object_get(frame, "code")),
	               json_string_value(json_object_get(frame, "message")));
}

void out_net_error(const struct target *t, const char *why)
{
	out_error("cannot reach %s: %s", t->url, why);
	if (strstr(why, "cert") != NULL || strstr(why, "verif") != NULL)
		fprintf(stderr, "  (is it the right server?  If its CA is a private one, name "
		                "the CA's certificate with --ca FILE)\n");
}

void out_json(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);
	if (s != NULL)
		puts(s);
	free(s);
	fflush(stdout);
}

/* The length of the UTF-8 sequence at s, or 0 when malformed. */
static size_t seq_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
	if (s[0] >= 0xF5)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

void out_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s != '\0') {
		if (*s == '\t' || (*s >= 0x20 && *s < 0x7F)) {
			fputc(*s++, f);
			continue;
		}
		size_t n = *s < 0x80 ? 0 : seq_len(s);
		if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0) { /* C1 controls */
			fprintf(f, "\\u%04x", s[1]);
		} else if (n > 0) {
			fwrite(s, 1, n, f);
		} else {
			fprintf(f, "\\x%02x", *s);
			n = 1;
		}
		s += n;
	}
}

/* Code points, for lining up columns. */
static size_t width(const char *s)
{
	return text_utf8_count(s, strlen(s));
}

static void pad(FILE *f, const char *s, size_t w)
{
	out_text(f, s);
	for (size_t n = width(s); n < w; n++)
		fputc(' ', f);
}

static bool use_colour(void)
{
	static int c = -1;
	if (c < 0) {
		const char *no = getenv("NO_COLOR");
		c = isatty(STDOUT_FILENO) && (no == NULL || *no == '\0');
	}
	return c;
}

/* "2026-11-23 11:15" in local time, or the raw text when it does not parse. */
static void local_time(const char *ts, char *buf, size_t cap)
{
	int64_t ms;
	struct tm tm;
	if (ts == NULL || text_parse_ts(ts, &ms) != 0) {
		snprintf(buf, cap, "%s", ts ? ts : "?");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	localtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%d %H:%M", &tm);
}

/* The body, each line indented by four spaces. */
static void body_lines(const char *body)
{
	const char *p = body;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		fputs("    ", stdout);
		out_text(stdout, line ? line : "");
		fputc('\n', stdout);
		free(line);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static void kind_label(const char *kind)
{
	bool c = use_colour();
	if (strcmp(kind, "note") == 0)
		printf("  %s[INTERNAL NOTE - staff only]%s", c ? "\033[1;33m" : "",
		       c ? "\033[0m" : "");
	else if (strcmp(kind, "system") == 0)
		printf("  [system]");
	else if (strcmp(kind, "text") != 0)
		printf("  [%s]", kind);
}

void out_message(const struct cli *cli, json_t *msg)
{
	if (cli->json) {
		out_json(msg);
		return;
	}
	json_t *sender = json_object_get(msg, "sender");
	const char *name = json_string_value(json_object_get(sender, "name"));
	const char *role = json_string_value(json_object_get(sender, "role"));
	const char *kind = json_string_value(json_object_get(msg, "kind"));
	const char *body = json_string_value(json_object_get(msg, "body"));
	char when[64];
	local_time(json_string_value(json_object_get(msg, "created_at")), when, sizeof when);
	bool c = use_colour();
	printf("%s#%" JSON_INTEGER_FORMAT "  %s  ", c ? "\033[1m" : "",
	       json_integer_value(json_object_get(msg, "id")), when);
	out_text(stdout, name ? name : "?");
	printf(" (%s)%s", role ? role : "?", c ? "\033[0m" : "");
	kind_label(kind ? kind : "text");
	fputc('\n', stdout);
	body_lines(body ? body : "");
	fflush(stdout);
}

/* Column widths for the conversation table. */
static void conv_widths(json_t *convs, size_t w[2])
{
	size_t i;
	json_t *c;
	w[0] = strlen("FAMILY");
	w[1] = strlen("TITLE");
	json_array_foreach(convs, i, c)
	{
		const char *fam =
		    json_string_value(json_object_get(json_object_get(c, "family"), "name"));
		const char *title = json_string_value(json_object_get(c, "title"));
		if (fam && width(fam) > w[0])
			w[0] = width(fam);
		if (title && width(title) > w[1])
			w[1] = width(title);
	}
}

void out_conversations(const struct cli *cli, json_t *convs)
{
	size_t i, w[2];
	json_t *c;
	if (cli->json) {
		json_array_foreach(convs, i, c) out_json(c);
		return;
	}
	if (json_array_size(convs) == 0) {
		printf("no conversations\n");
		fflush(stdout);
		return;
	}
	conv_widths(convs, w);
	printf("%-6s  ", "CONV");
	pad(stdout, "FAMILY", w[0] + 2);
	pad(stdout, "TITLE", w[1] + 2);
	printf("UNREAD\n");
	json_array_foreach(convs, i, c)
	{
		const char *fam =
		    json_string_value(json_object_get(json_object_get(c, "family"), "name"));
		const char *title = json_string_value(json_object_get(c, "title"));
		printf("%-6" JSON_INTEGER_FORMAT "  ",
		       json_integer_value(json_object_get(c, "id")));
		pad(stdout, fam ? fam : "?", w[0] + 2);
		pad(stdout, title ? title : "", w[1] + 2);
		printf("%" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(c, "unread")));
	}
	fflush(stdout);
}
