/*
 * cmd_send.c - send: standard input as one message (or one per line with
 * --lines), each with a client_id, acknowledged before the next goes.
 *
 *   read stdin -> connect -> welcome -> send #i -> ack -> send #i+1 ... -> close, exit 0
 *                               ^                 \-> error: exit 1 (rate_limited: again in 1 s)
 *                               \-- connection lost: reconnect (at most SEND_TRIES), the
 *                                   same client_id again, so nothing is stored twice
 *
 * The body is trimmed as the server would and checked against the 4,000
 * character limit here, so an oversized input never turns into a frame the
 * server has to cut off.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "net.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "core/codec/codec.h"
#include "core/common/text.h"

#define SEND_TRIES      4
#define STDIN_MAX       (8u * 1024 * 1024)
#define CLIENT_ID_MAX   64
#define RATE_RETRY_US   (1000 * LWS_US_PER_MS)
#define SEND_TIMEOUT_MS 30000
#define PER_MESSAGE_MS  1000

struct item {
	char *body; /* trimmed */
	char client_id[CLIENT_ID_MAX + 1];
};

struct sender {
	struct wscmd c; /* first: the events get a struct sender * */
	int64_t conv;
	struct item *items;
	size_t n;
	size_t next;    /* the one in flight or to send */
	bool in_flight; /* sent on this connection, no answer yet */
	bool attempted; /* items[next] went out at least once: it may be stored */
	bool refused;   /* items[next] was refused: it is not stored */
	char ref[32];
	unsigned seq;
	lws_sorted_usec_list_t again; /* after rate_limited */
};

/* ---- the input ---------------------------------------------------------------- */

static char *read_stdin(size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf != NULL) {
		if (n == cap) {
			char *nb = cap < STDIN_MAX ? realloc(buf, cap * 2 + 1) : NULL;
			if (nb == NULL) {
				out_error("standard input is too large");
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = net_read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0) {
			out_error(net_interrupted() ? "interrupted" : "cannot read standard input");
			break;
		}
		if (r == 0) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	return NULL;
}

/* Trim and check one message; *out is NULL for an empty one. */
static int take_body(const char *s, size_t len, char **out, size_t line)
{
	size_t start, n;
	*out = NULL;
	if (!text_utf8_valid(s, len) || memchr(s, '\0', len) != NULL) {
		out_error("the message%s is not UTF-8 text", line ? " on this line" : "");
		return CLI_FAIL;
	}
	text_trim(s, len, &start, &n);
	size_t chars = text_utf8_count(s + start, n);
	if (chars > DOMAIN_BODY_MAX) {
		char why[128];
		snprintf(why, sizeof why, "the message has %zu characters; at most %d are allowed",
		         chars, DOMAIN_BODY_MAX);
		out_wire_error("too_large", why);
		return CLI_FAIL;
	}
	if (n > 0 && (*out = strndup(s + start, n)) == NULL)
		return CLI_FAIL;
	return CLI_OK;
}

static int add_item(struct sender *s, char *body)
{
	struct item *ni = realloc(s->items, (s->n + 1) * sizeof *ni);
	if (ni == NULL) {
		free(body);
		return CLI_FAIL;
	}
	s->items = ni;
	s->items[s->n++].body = body;
	return CLI_OK;
}

static int split_input(struct sender *s, const char *in, size_t len, bool lines)
{
	const char *p = in, *end = in + len;
	while (p < end || (!lines && p == in)) {
		const char *nl = lines ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *body;
		if (take_body(p, n, &body, lines ? s->n + 1 : 0) != CLI_OK)
			return CLI_FAIL;
		if (body != NULL && add_item(s, body) != CLI_OK)
			return CLI_FAIL;
		p += n + (nl != NULL);
		if (!lines)
			break;
	}
	if (s->n == 0) {
		out_error("nothing to send: standard input is empty");
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* K, or K-1, K-2 ... with --lines; a random base when none was given. */
static int name_items(struct sender *s, const struct cli *cli)
{
	char base[CLIENT_ID_MAX + 1];
	if (cli->client_id != NULL) {
		size_t len = strlen(cli->client_id);
		if (len == 0 || len > CLIENT_ID_MAX - (cli->lines ? 8 : 0)) {
			out_error("--client-id wants 1 to %d characters",
			          CLIENT_ID_MAX - (cli->lines ? 8 : 0));
			return CLI_USAGE;
		}
		snprintf(base, sizeof base, "%s", cli->client_id);
	} else {
		unsigned char r[12];
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return CLI_FAIL;
		int off = snprintf(base, sizeof base, "cli-");
		for (size_t i = 0; i < sizeof r; i++)
			off += snprintf(base + off, sizeof base - (size_t)off, "%02x", r[i]);
	}
	for (size_t i = 0; i < s->n; i++) {
		char id[CLIENT_ID_MAX + 32];
		int w = cli->lines ? snprintf(id, sizeof id, "%s-%zu", base, i + 1)
		                   : snprintf(id, sizeof id, "%s", base);
		if (w < 0 || w > CLIENT_ID_MAX) {
			out_error("--client-id is too long for %zu lines", s->n);
			return CLI_USAGE;
		}
		memcpy(s->items[i].client_id, id, (size_t)w + 1);
	}
	return CLI_OK;
}

/* ---- on the wire -------------------------------------------------------------- */

static void send_next(struct sender *s)
{
	struct item *it = &s->items[s->next];
	snprintf(s->ref, sizeof s->ref, "send-%u", ++s->seq);
	json_t *f = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "type", "send", "ref", s->ref,
	                      "conv", (json_int_t)s->conv, "client_id", it->client_id, "body",
	                      it->body, "kind", s->c.cli->note ? "note" : "text");
	if (f == NULL || ws_send(s->c.ws, f) != 0) {
		out_error("out of memory");
		wscmd_finish(&s->c, CLI_FAIL);
	}
	json_decref(f);
	s->in_flight = s->attempted = true;
}

static void send_again(lws_sorted_usec_list_t *sul)
{
	struct sender *s = lws_container_of(sul, struct sender, again);
	if (!s->c.stopping && ws_is_open(s->c.ws))
		send_next(s);
}

static void on_ack(struct sender *s, json_t *frame)
{
	json_t *msg = json_object_get(frame, "message");
	s->in_flight = false;
	if (s->c.cli->json) {
		out_json(msg);
	} else {
		printf("sent #%" JSON_INTEGER_FORMAT "%s\n",
		       json_integer_value(json_object_get(msg, "id")),
		       s->c.cli->note ? " (internal note)" : "");
		fflush(stdout);
	}
	s->attempted = false;
	if (++s->next == s->n)
		wscmd_finish(&s->c, CLI_OK);
	else
		send_next(s);
}

static void on_refusal(struct sender *s, json_t *frame)
{
	const char *code = json_string_value(json_object_get(frame, "code"));
	s->in_flight = false;
	if (code != NULL && strcmp(code, "rate_limited") == 0) {
		lws_sul_schedule(net_context(s->c.net), 0, &s->again, send_again, RATE_RETRY_US);
		return;
	}
	s->refused = true;
	out_error_frame(frame);
	wscmd_finish(&s->c, CLI_FAIL);
}

static void send_frame(void *arg, json_t *frame)
{
	struct sender *s = arg;
	const char *type = json_string_value(json_object_get(frame, "type"));
	const char *ref = json_string_value(json_object_get(frame, "ref"));
	if (s->c.stopping || type == NULL)
		return;
	if (strcmp(type, "welcome") == 0) {
		s->c.welcomed = true;
		ws_retry_reset(s->c.ws);
		send_next(s); /* the first, or again the one a lost connection left unanswered */
	} else if (ref != NULL && strcmp(ref, s->ref) == 0 && s->in_flight) {
		if (strcmp(type, "ack") == 0)
			on_ack(s, frame);
		else if (strcmp(type, "error") == 0)
			on_refusal(s, frame);
	}
}

static void send_down(void *arg, const struct ws_down *down)
{
	struct sender *s = arg;
	lws_sul_cancel(&s->again);
	s->in_flight = false;
	if (wscmd_down(&s->c, down))
		return;
	char why[320];
	wscmd_describe(down, why, sizeof why);
	int ms = ws_retry_later(s->c.ws);
	if (ms < 0) {
		out_net_error(&s->c.t, why);
		s->c.status = CLI_FAIL;
		s->c.stopping = s->c.done = true;
		return;
	}
	out_error("%s; trying again in %.1f s", why, ms / 1000.0);
}

static const struct ws_events send_events = {send_frame, send_down};

/* After a failure: what is known about what was stored. */
static void explain(const struct sender *s)
{
	if (s->next < s->n && s->attempted && !s->refused)
		out_error("message %zu may or may not be stored: to be sure, send it again with "
		          "--client-id %s (it is stored only once)",
		          s->next + 1, s->items[s->next].client_id);
	else if (s->n > 1)
		out_error("%zu of %zu messages were sent; message %zu was not", s->next, s->n,
		          s->next + 1);
}

static void free_items(struct sender *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].body);
	free(s->items);
}

int cmd_send(struct cli *cli)
{
	struct sender s;
	memset(&s, 0, sizeof s);
	int rc = cli_parse_conv(cli->argv[0], &s.conv);
	size_t len = 0;
	if (rc == CLI_OK && isatty(STDIN_FILENO))
		fprintf(stderr, "Type the message%s, then Ctrl-D on a line of its own:\n",
		        cli->lines ? "s, one per line" : "");
	char *in = rc == CLI_OK ? read_stdin(&len) : NULL;
	if (rc == CLI_OK)
		rc = in == NULL ? CLI_FAIL : split_input(&s, in, len, cli->lines);
	free(in);
	if (rc == CLI_OK)
		rc = name_items(&s, cli);
	if (rc == CLI_OK)
		rc = wscmd_open(&s.c, cli, &send_events, &s, SEND_TRIES);
	if (rc != CLI_OK) {
		free_items(&s);
		return rc;
	}
	rc = wscmd_run(&s.c, SEND_TIMEOUT_MS + (int)(s.n < 3600 ? s.n : 3600) * PER_MESSAGE_MS,
	               CLI_FAIL);
	if (rc != CLI_OK)
		explain(&s);
	lws_sul_cancel(&s.again);
	wscmd_close(&s.c);
	free_items(&s);
	return rc;
}
