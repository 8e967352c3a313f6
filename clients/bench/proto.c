/*
 * proto.c - the frames of the two targets.
 *
 * Indgang: contract v1 JSON.  Received frames are not parsed as JSON: the
 * server writes compact JSON with "type" first and the benchmark controls
 * every client_id and body, so finding a few keys by substring is exact here
 * and keeps the load generator's own CPU per frame low.
 *
 * The reference (indgang-bench-ref) speaks bare text, one letter first:
 *   client: "J <id>" join as id, "M <a> <b> <tag> <body>" a message for the
 *           connections joined as a and b, "S <bytes>" ask for a page;
 *   server: "W <id>" joined, "A <tag>" ack, the "M" frame itself fanned out,
 *           "P..." a page of the bytes asked for.
 * A tag, like Indgang's client_id here, is "<family>.<seq>".
 */
#define _GNU_SOURCE
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_LIMIT    100
#define HISTORY_LIMIT 50
#define BODY_MAX      4000

static char body[BODY_MAX + 1];

/* A body of about `bytes` ASCII characters of everyday text. */
void proto_set_body(int bytes)
{
	static const char text[] =
	    "Hej Anna, tak for moedet i gaar. Kan vi flytte samtalen med skolen til "
	    "torsdag kl. 10? Jonas har det bedre nu, men han var hjemme mandag. Jeg har "
	    "faaet brevet fra jobcentret og vil gerne tale om praktikken. Mvh Mette. ";
	if (bytes < 1)
		bytes = 1;
	if (bytes > BODY_MAX)
		bytes = BODY_MAX;
	for (int i = 0; i < bytes; i++)
		body[i] = text[(size_t)i % (sizeof text - 1)];
	body[bytes] = '\0';
	if (body[bytes - 1] == ' ')
		body[bytes - 1] = '.';
}

static size_t fit(int n, size_t cap)
{
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static size_t encode_indgang(const struct conn *c, const struct op *op, char *buf, size_t cap)
{
	switch (op->type) {
	case OP_AUTH:
		return fit(snprintf(buf, cap, "{\"type\":\"auth\",\"token\":\"%s\"}", c->token),
		           cap);
	case OP_SEND:
		return fit(snprintf(buf, cap,
		                    "{\"type\":\"send\",\"conv\":%lld,\"client_id\":\"%u.%u\","
		                    "\"body\":\"%s\"}",
		                    (long long)(op->arg > 0 ? op->arg : c->conv), op->fam, op->seq,
		                    body),
		           cap);
	case OP_SYNC:
		return fit(snprintf(buf, cap, "{\"type\":\"sync\",\"after\":%lld,\"limit\":%d}",
		                    (long long)op->arg, SYNC_LIMIT),
		           cap);
	case OP_HISTORY:
		if (op->arg <= 0)
			return fit(snprintf(buf, cap,
			                    "{\"type\":\"history\",\"conv\":%lld,\"limit\":%d}",
			                    (long long)c->conv, HISTORY_LIMIT),
			           cap);
		return fit(snprintf(buf, cap,
		                    "{\"type\":\"history\",\"conv\":%lld,\"before\":%lld,"
		                    "\"limit\":%d}",
		                    (long long)c->conv, (long long)op->arg, HISTORY_LIMIT),
		           cap);
	default:
		return 0;
	}
}

static size_t encode_ref(const struct conn *c, const struct op *op, char *buf, size_t cap)
{
	switch (op->type) {
	case OP_AUTH:
		return fit(snprintf(buf, cap, "J %d", c->id), cap);
	case OP_SEND:
		return fit(snprintf(buf, cap, "M %d %d %u.%u %s", c->peer[0], c->peer[1], op->fam,
		                    op->seq, body),
		           cap);
	case OP_PAGE:
	case OP_SYNC:
	case OP_HISTORY:
		return fit(snprintf(buf, cap, "S %lld", (long long)op->arg), cap);
	default:
		return 0;
	}
}

size_t proto_encode(const struct conn *c, const struct op *op, char *buf, size_t cap)
{
	return c->t->ref ? encode_ref(c, op, buf, cap) : encode_indgang(c, op, buf, cap);
}

/* ---- Reading ---------------------------------------------------------------- */

/* The text after key in s[0..len), or NULL. */
static const char *after(const char *s, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p = memmem(s, len, key, klen);
	return p ? p + klen : NULL;
}

/* Reads digits at p (before end) into *v; the first byte after them. */
static const char *read_num(const char *p, const char *end, int64_t *v)
{
	int64_t n = 0;
	const char *start = p;
	while (p < end && *p >= '0' && *p <= '9')
		n = n * 10 + (*p++ - '0');
	*v = n;
	return p > start ? p : NULL;
}

/* "<fam>.<seq>" at p: true when both numbers are there. */
static bool read_tag(const char *p, const char *end, uint32_t *fam, uint32_t *seq)
{
	int64_t f, s;
	if (p == NULL || (p = read_num(p, end, &f)) == NULL || p >= end || *p != '.' ||
	    read_num(p + 1, end, &s) == NULL)
		return false;
	*fam = (uint32_t)f;
	*seq = (uint32_t)s;
	return true;
}

static void read_page(const char *s, size_t len, struct page *pg)
{
	const char *end = s + len, *p = s;
	static const char key[] = "{\"id\":", conv[] = ",\"conv\":";
	memset(pg, 0, sizeof *pg);
	pg->bytes = len;
	pg->more = memmem(s, len, "\"more\":true", 11) != NULL;
	while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
		int64_t id;
		const char *q = read_num(p + sizeof key - 1, end, &id);
		p += sizeof key - 1;
		if (q == NULL || (size_t)(end - q) < sizeof conv - 1 ||
		    memcmp(q, conv, sizeof conv - 1) != 0)
			continue; /* a sender, not a message */
		pg->n++;
		if (pg->min_id == 0 || id < pg->min_id)
			pg->min_id = id;
		if (id > pg->max_id)
			pg->max_id = id;
	}
}

static void on_error_frame(struct conn *c, const char *s, size_t len)
{
	const char *code = after(s, len, "\"code\":\"");
	char name[32] = "?";
	if (code) {
		size_t n = 0;
		while (n < sizeof name - 1 && code + n < s + len && code[n] != '"')
			n++;
		memcpy(name, code, n);
		name[n] = '\0';
	}
	if (strcmp(name, "rate_limited") == 0)
		c->b->err.rate_limited++;
	else
		c->b->err.frames++;
	bench_note(c->b, "%s connection %d: error frame %.*s", c->t->name, c->id,
	           (int)(len > 160 ? 160 : len), s);
	if (c->ev->error)
		c->ev->error(c, name);
}

static void dispatch_indgang(struct conn *c, const char *s, size_t len, int64_t at)
{
	const char *end = s + len, *type = after(s, len, "\"type\":\"");
	uint32_t fam, seq;
	struct page pg;
	if (type == NULL) {
		c->b->err.unexpected++;
	} else if (strncmp(type, "ack\"", 4) == 0 || strncmp(type, "message\"", 8) == 0) {
		bool ack = type[0] == 'a';
		if (!read_tag(after(s, len, "\"client_id\":\""), end, &fam, &seq))
			c->b->err.unexpected++;
		else if (ack && c->ev->ack)
			c->ev->ack(c, fam, seq, at);
		else if (!ack && c->ev->message)
			c->ev->message(c, fam, seq, at);
	} else if (strncmp(type, "messages\"", 9) == 0) {
		read_page(s, len, &pg);
		if (c->ev->page)
			c->ev->page(c, &pg, at);
	} else if (strncmp(type, "welcome\"", 8) == 0) {
		const char *p = after(s, len, "\"last_id\":");
		if (p)
			read_num(p, end, &c->last_id);
		conn_set_ready(c);
	} else if (strncmp(type, "error\"", 6) == 0) {
		on_error_frame(c, s, len);
	} else if (strncmp(type, "receipt\"", 8) != 0 && strncmp(type, "pong\"", 5) != 0 &&
	           strncmp(type, "waiting\"", 8) != 0) { /* a family's first message, to staff */
		c->b->err.unexpected++;
	}
}

static void dispatch_ref(struct conn *c, const char *s, size_t len, int64_t at)
{
	const char *end = s + len, *p = s + 2;
	uint32_t fam, seq;
	struct page pg = {.bytes = len};
	if (len < 2) {
		c->b->err.unexpected++;
		return;
	}
	switch (s[0]) {
	case 'W':
		conn_set_ready(c);
		return;
	case 'A':
		if (!read_tag(p, end, &fam, &seq))
			c->b->err.unexpected++;
		else if (c->ev->ack)
			c->ev->ack(c, fam, seq, at);
		return;
	case 'M': /* "M <a> <b> <tag> ..." */
		for (int spaces = 0; p < end && spaces < 2; p++)
			spaces += *p == ' ';
		if (!read_tag(p, end, &fam, &seq))
			c->b->err.unexpected++;
		else if (c->ev->message)
			c->ev->message(c, fam, seq, at);
		return;
	case 'P':
		if (c->ev->page)
			c->ev->page(c, &pg, at);
		return;
	default:
		c->b->err.unexpected++;
	}
}

void proto_dispatch(struct conn *c, const char *frame, size_t len)
{
	int64_t at = now_us();
	if (c->t->ref)
		dispatch_ref(c, frame, len, at);
	else
		dispatch_indgang(c, frame, len, at);
}
