/*
 * codec_decode.c - strict decoding of client frames and HTTP request bodies.
 *
 * Every byte a client sends passes through here before anything else looks at
 * it, so the rules are those of PROTOCOL.md to the letter:
 *
 *  - the text is exactly one JSON object (duplicate keys are refused, since
 *    two parsers could otherwise disagree on which one counts);
 *  - each member has exactly the JSON type the contract names: "5", 5.0 and
 *    true are not integers, null is not an absent member;
 *  - unknown members are ignored, so clients may evolve additively.
 *
 * Failures return ERR_BAD_REQUEST (ERR_TOO_LARGE for a long message body) and
 * point *why at a static sentence naming the frame and the member.
 *
 * A WebSocket frame is first offered to jsonflat.c, which takes the common
 * flat frames without building a jansson tree and leaves everything else to
 * jansson; the members are then read the same way from either (struct obj).  Decoded
 * structs own their strings; on failure nothing is left allocated.
 */
#include "codec.h"

#include "../push/quiet.h"
#include "jsonflat.h"
#include "../common/err.h"
#include "../common/text.h"

#include <jansson.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_LIMIT_DEFAULT 50
#define TOKEN_MAX             256  /* bytes */
#define PASSWORD_MAX          1024 /* bytes */
#define INVITE_CODE_MAX       64   /* code points */
#define CONV_MEMBERS_MAX      100

/* Records the explanation and hands back err, for `return fail(...)`. */
static int fail(const char **why, int err, const char *msg)
{
	if (why)
		*why = msg;
	return err;
}

static int bad(const char **why, const char *msg)
{
	return fail(why, ERR_BAD_REQUEST, msg);
}

static int out_of_memory(const char **why)
{
	return fail(why, ERR_INTERNAL, "out of memory");
}

static int ok(const char **why)
{
	if (why)
		*why = NULL;
	return ERR_OK;
}

/* A malloc'd, NUL-terminated copy of s[0..len), or NULL. */
static char *dup_span(const char *s, size_t len)
{
	char *p = malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/*
 * Parses text as one JSON object.  JSON_DECODE_ANY lets a bare scalar parse
 * so that it can be told apart from broken JSON in the explanation.  jansson
 * itself refuses invalid UTF-8, "\u0000" inside strings and integers outside
 * int64, which is what the contract wants.
 */
static json_t *load_object(const char *text, size_t len, const char **why)
{
	json_error_t jerr;
	json_t *root;

	if (!text || len == 0) {
		bad(why, "the request is empty");
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root) {
		bad(why, "invalid JSON");
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		bad(why, "the request must be a JSON object");
		return NULL;
	}
	return root;
}

/* ---- Members ------------------------------------------------------------- */

/* The request object: the flat scan of jsonflat.c or a jansson tree. */
struct obj {
	const struct flat *flat;
	const json_t *tree;
};

/* An optional integer member, at least min; when absent *out keeps its default. */
static bool opt_int(const struct obj *o, const char *key, int64_t min, int64_t *out)
{
	if (o->flat) {
		const struct flat_member *m = flat_get(o->flat, key);
		if (!m)
			return true;
		if (m->type != FLAT_INT || m->i < min)
			return false;
		*out = m->i;
		return true;
	}
	const json_t *v = json_object_get(o->tree, key);
	if (!v)
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* An optional boolean member; when absent *out keeps its default. */
static bool opt_bool(const struct obj *o, const char *key, bool *out)
{
	if (o->flat) {
		const struct flat_member *m = flat_get(o->flat, key);
		if (m && m->type != FLAT_TRUE && m->type != FLAT_FALSE)
			return false;
		if (m)
			*out = m->type == FLAT_TRUE;
		return true;
	}
	const json_t *v = json_object_get(o->tree, key);
	if (v && !json_is_boolean(v))
		return false;
	if (v)
		*out = json_is_true(v);
	return true;
}

static bool has(const struct obj *o, const char *key)
{
	return o->flat ? flat_get(o->flat, key) != NULL : json_object_get(o->tree, key) != NULL;
}

static bool req_int(const struct obj *o, const char *key, int64_t min, int64_t *out)
{
	return has(o, key) && opt_int(o, key, min, out);
}

/* An optional string member; when absent *s is NULL. */
static bool opt_str(const struct obj *o, const char *key, const char **s, size_t *len)
{
	*s = NULL;
	*len = 0;
	if (o->flat) {
		const struct flat_member *m = flat_get(o->flat, key);
		if (!m)
			return true;
		if (m->type != FLAT_STRING)
			return false;
		*s = m->s;
		*len = m->len;
		return true;
	}
	const json_t *v = json_object_get(o->tree, key);
	if (!v)
		return true;
	if (!json_is_string(v))
		return false;
	*s = json_string_value(v);
	*len = json_string_length(v);
	return true;
}

static bool req_str(const struct obj *o, const char *key, const char **s, size_t *len)
{
	return opt_str(o, key, s, len) && *s;
}

/*
 * True when s[0..len) holds min..max code points.  A code point takes one to
 * four bytes, so the byte length rules out most bad cases before counting.
 */
static bool chars_within(const char *s, size_t len, size_t min, size_t max)
{
	if (len < min || len > max * 4)
		return false;
	size_t n = text_utf8_count(s, len);
	return n >= min && n <= max;
}

/* A required string, trimmed of white space, of 1..max bytes; copied. */
static int take_trimmed(const struct obj *o, const char *key, size_t max, char **out,
                        const char **why, const char *msg)
{
	const char *s;
	size_t len, start, n;

	if (!req_str(o, key, &s, &len))
		return bad(why, msg);
	text_trim(s, len, &start, &n);
	if (n == 0 || n > max)
		return bad(why, msg);
	*out = dup_span(s + start, n);
	return *out ? ERR_OK : out_of_memory(why);
}

/* ---- Client frames ------------------------------------------------------- */

/*
 * "ref" is read before anything else so that, once known good, it is in the
 * frame even when a later member is wrong and the error reply can echo it.
 */
static int decode_ref(const struct obj *o, struct frame *f, const char **why)
{
	const char *s;
	size_t len;

	if (!opt_str(o, "ref", &s, &len) || (s && !chars_within(s, len, 0, CODEC_REF_MAX)))
		return bad(why, "\"ref\" must be a string of at most 64 characters");
	if (s) {
		memcpy(f->ref, s, len);
		f->ref[len] = '\0';
		f->has_ref = true;
	}
	return ERR_OK;
}

static int decode_auth(const struct obj *o, struct frame *f, const char **why)
{
	const char *s;
	size_t len;

	if (!req_str(o, "token", &s, &len) || len == 0 || len > TOKEN_MAX)
		return bad(why, "auth: \"token\" must be a non-empty string of at most 256 bytes");
	f->u.auth.token = dup_span(s, len);
	return f->u.auth.token ? ERR_OK : out_of_memory(why);
}

/*
 * The body is trimmed first (the limits are on the trimmed text), then its
 * byte length bounds the code-point count so that an oversized body is
 * refused without counting or copying it.
 */
static int take_body(const char *s, size_t len, char **out, const char **why)
{
	size_t start, n;

	text_trim(s, len, &start, &n);
	if (n == 0)
		return bad(why, "send: \"body\" must not be empty");
	if (n > (size_t)DOMAIN_BODY_MAX * 4 || text_utf8_count(s + start, n) > DOMAIN_BODY_MAX)
		return fail(why, ERR_TOO_LARGE, "send: \"body\" is longer than 4000 characters");
	*out = dup_span(s + start, n);
	return *out ? ERR_OK : out_of_memory(why);
}

/* "kind" is optional; only text and note may be sent ("system" is the server's). */
static int take_send_kind(const struct obj *o, enum msg_kind *kind, const char **why)
{
	const char *s;
	size_t len;

	*kind = KIND_TEXT;
	if (!opt_str(o, "kind", &s, &len))
		return bad(why, "send: \"kind\" must be \"text\" or \"note\"");
	if (s && (msg_kind_parse(s, kind) != 0 || *kind == KIND_SYSTEM))
		return bad(why, "send: \"kind\" must be \"text\" or \"note\"");
	return ERR_OK;
}

/* attachments: up to DOMAIN_ATTACH_MAX distinct upload ids (an array, so
 * never in a flat frame). */
static int take_attachments(const struct obj *o, struct frame *f, const char **why)
{
	static const char msg[] = "send: \"attachments\" must be an array of at most 10 distinct "
	                          "upload ids";
	const json_t *a = o->tree ? json_object_get(o->tree, "attachments") : NULL;
	size_t n = json_array_size(a);
	f->u.send.n_attach = 0;
	if (a == NULL || json_is_null(a))
		return ERR_OK;
	if (!json_is_array(a) || n > DOMAIN_ATTACH_MAX)
		return bad(why, msg);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return bad(why, msg);
		f->u.send.attach[i] = json_integer_value(v);
		for (size_t j = 0; j < i; j++)
			if (f->u.send.attach[j] == f->u.send.attach[i])
				return bad(why, msg);
	}
	f->u.send.n_attach = n;
	return ERR_OK;
}

/* Shape first, body last: a malformed frame is bad_request even if its body is huge. */
static int decode_send(const struct obj *o, struct frame *f, const char **why)
{
	const char *id, *body;
	size_t id_len, body_len;
	int rc;

	if (!req_int(o, "conv", 1, &f->u.send.conv))
		return bad(why, "send: \"conv\" must be a positive integer");
	if (!req_str(o, "client_id", &id, &id_len) ||
	    !chars_within(id, id_len, 1, DOMAIN_CLIENT_ID_MAX))
		return bad(why, "send: \"client_id\" must be a string of 1 to 64 characters");
	memcpy(f->u.send.client_id, id, id_len);
	f->u.send.client_id[id_len] = '\0';
	rc = take_send_kind(o, &f->u.send.kind, why);
	if (rc != ERR_OK)
		return rc;
	f->u.send.no_sms = false;
	if (!opt_bool(o, "no_sms", &f->u.send.no_sms))
		return bad(why, "send: \"no_sms\" must be true or false");
	if ((rc = take_attachments(o, f, why)) != ERR_OK)
		return rc;
	if (!req_str(o, "body", &body, &body_len))
		return bad(why, "send: \"body\" must be a string");
	if (f->u.send.n_attach > 0 && body_len == 0) /* the files say it all */
		return (f->u.send.body = strdup("")) ? ERR_OK : out_of_memory(why);
	return take_body(body, body_len, &f->u.send.body, why);
}

/* Limits were checked positive; larger ones are served as the maximum. */
static int clamp_limit(int64_t limit)
{
	return (int)(limit > CODEC_SYNC_LIMIT_MAX ? CODEC_SYNC_LIMIT_MAX : limit);
}

static int decode_sync(const struct obj *o, struct frame *f, const char **why)
{
	int64_t limit = CODEC_SYNC_LIMIT_DEFAULT;

	f->u.sync.after = 0;
	if (!opt_int(o, "after", 0, &f->u.sync.after))
		return bad(why, "sync: \"after\" must be a non-negative integer");
	if (!opt_int(o, "limit", 1, &limit))
		return bad(why, "sync: \"limit\" must be a positive integer");
	f->u.sync.limit = clamp_limit(limit);
	return ERR_OK;
}

static int decode_history(const struct obj *o, struct frame *f, const char **why)
{
	int64_t limit = HISTORY_LIMIT_DEFAULT;

	if (!req_int(o, "conv", 1, &f->u.history.conv))
		return bad(why, "history: \"conv\" must be a positive integer");
	f->u.history.before = 0;
	if (!opt_int(o, "before", 1, &f->u.history.before))
		return bad(why, "history: \"before\" must be a positive integer");
	if (!opt_int(o, "limit", 1, &limit))
		return bad(why, "history: \"limit\" must be a positive integer");
	f->u.history.limit = clamp_limit(limit);
	return ERR_OK;
}

/* {"conv":C,"upto":N}: the frames that name a position in a conversation
 * (read, delivered, handled) share it as u.pos. */
static int decode_position(const struct obj *o, struct frame *f, const char **why)
{
	if (!req_int(o, "conv", 1, &f->u.pos.conv))
		return bad(why, "\"conv\" must be a positive integer");
	if (!req_int(o, "upto", 0, &f->u.pos.upto))
		return bad(why, "\"upto\" must be a non-negative integer");
	return ERR_OK;
}

static int decode_viewing(const struct obj *o, struct frame *f, const char **why)
{
	f->u.viewing.conv = 0;
	if (!opt_int(o, "conv", 0, &f->u.viewing.conv))
		return bad(why, "viewing: \"conv\" must be a conversation id, or 0 for none");
	return ERR_OK;
}

/* {"id":M,"body":B} (correct) or {"id":M} (withdraw): one's own message
 * sent by mistake (issue 15). */
static int decode_change(const struct obj *o, struct frame *f, const char **why)
{
	const char *body;
	size_t len;
	f->u.change.body = NULL;
	if (!req_int(o, "id", 1, &f->u.change.id))
		return bad(why, "\"id\" must be a message id");
	if (f->type == FRAME_WITHDRAW)
		return ERR_OK;
	if (!req_str(o, "body", &body, &len))
		return bad(why, "correct: \"body\" must be a string");
	return take_body(body, len, &f->u.change.body, why);
}

static int decode_answering(const struct obj *o, struct frame *f, const char **why)
{
	f->u.answering.stop = false;
	if (!req_int(o, "conv", 1, &f->u.answering.conv))
		return bad(why, "answering: \"conv\" must be a positive integer");
	if (!opt_bool(o, "stop", &f->u.answering.stop))
		return bad(why, "answering: \"stop\" must be true or false");
	return ERR_OK;
}

static int decode_ping(const struct obj *o, struct frame *f, const char **why)
{
	(void)o;
	(void)f;
	(void)why;
	return ERR_OK;
}

static const struct frame_decoder {
	const char *name;
	enum frame_type type;
	int (*decode)(const struct obj *o, struct frame *f, const char **why);
} frame_decoders[] = {
    {"auth", FRAME_AUTH, decode_auth},           {"send", FRAME_SEND, decode_send},
    {"sync", FRAME_SYNC, decode_sync},           {"history", FRAME_HISTORY, decode_history},
    {"read", FRAME_READ, decode_position},       {"ping", FRAME_PING, decode_ping},
    {"viewing", FRAME_VIEWING, decode_viewing},  {"delivered", FRAME_DELIVERED, decode_position},
    {"handled", FRAME_HANDLED, decode_position}, {"answering", FRAME_ANSWERING, decode_answering},
    {"correct", FRAME_CORRECT, decode_change},   {"withdraw", FRAME_WITHDRAW, decode_change},
};

static int decode_typed(const struct obj *o, struct frame *f, const char **why)
{
	const char *type;
	size_t len;

	if (!req_str(o, "type", &type, &len))
		return bad(why, "the frame needs a string \"type\"");
	for (size_t i = 0; i < sizeof(frame_decoders) / sizeof(frame_decoders[0]); i++) {
		const struct frame_decoder *d = &frame_decoders[i];
		if (strcmp(d->name, type) != 0)
			continue;
		/* Set before decoding so codec_frame_free() knows what to free. */
		f->type = d->type;
		return d->decode(o, f, why);
	}
	return bad(why, "unknown frame type");
}

static int decode_frame_members(const struct obj *o, struct frame *out, const char **why)
{
	int rc = decode_ref(o, out, why);
	if (rc == ERR_OK)
		rc = decode_typed(o, out, why);
	if (rc != ERR_OK) {
		codec_frame_free(out); /* keeps ref for the error reply */
		return rc;
	}
	return ok(why);
}

int codec_decode_frame(const char *text, size_t len, struct frame *out, const char **why)
{
	struct flat flat;
	if (flat_parse(text, len, &flat) != 0)
		return codec_decode_frame_tree(text, len, out, why);
	memset(out, 0, sizeof(*out));
	struct obj o = {.flat = &flat};
	int rc = decode_frame_members(&o, out, why);
	flat_free(&flat);
	return rc;
}

int codec_decode_frame_tree(const char *text, size_t len, struct frame *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	json_t *root = load_object(text, len, why);
	if (!root)
		return ERR_BAD_REQUEST;
	struct obj o = {.tree = root};
	int rc = decode_frame_members(&o, out, why);
	json_decref(root);
	return rc;
}

void codec_frame_free(struct frame *f)
{
	if (!f)
		return;
	switch (f->type) {
	case FRAME_AUTH:
		free(f->u.auth.token);
		f->u.auth.token = NULL;
		break;
	case FRAME_SEND:
		free(f->u.send.body);
		f->u.send.body = NULL;
		break;
	case FRAME_CORRECT:
		free(f->u.change.body);
		f->u.change.body = NULL;
		break;
	default:
		break;
	}
}

/* ---- HTTP request bodies ------------------------------------------------- */

static int decode_login(const struct obj *o, struct req_login *r, const char **why)
{
	const char *s;
	size_t len;

	if (!req_str(o, "username", &s, &len) || len == 0 || len > DOMAIN_NAME_MAX)
		return bad(why, "login: \"username\" must be a string of 1 to 200 bytes");
	if (!(r->username = dup_span(s, len)))
		return out_of_memory(why);
	if (!req_str(o, "password", &s, &len) || len == 0 || len > PASSWORD_MAX)
		return bad(why, "login: \"password\" must be a string of 1 to 1024 bytes");
	if (!(r->password = dup_span(s, len)))
		return out_of_memory(why);
	return ERR_OK;
}

int codec_decode_login(const char *text, size_t len, struct req_login *out, const char **why)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	rc = decode_login(&(struct obj){.tree = o}, out, why);
	json_decref(o);
	if (rc != ERR_OK) {
		codec_login_free(out);
		return rc;
	}
	return ok(why);
}

void codec_login_free(struct req_login *r)
{
	if (!r)
		return;
	/* The password must not linger in freed heap memory. */
	if (r->password)
		explicit_bzero(r->password, strlen(r->password));
	free(r->username);
	free(r->password);
	r->username = r->password = NULL;
}

int codec_decode_unlock(const char *text, size_t len, struct req_unlock *out, const char **why)
{
	json_t *o;
	const char *s;
	size_t n;
	int rc = ERR_OK;

	memset(out, 0, sizeof(*out));
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj obj = {.tree = o};
	if (!req_str(&obj, "password", &s, &n) || n == 0 || n > PASSWORD_MAX)
		rc = bad(why, "unlock: \"password\" must be a string of 1 to 1024 bytes");
	else if (!(out->password = dup_span(s, n)))
		rc = out_of_memory(why);
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

void codec_unlock_free(struct req_unlock *r)
{
	if (!r || !r->password)
		return;
	explicit_bzero(r->password, strlen(r->password)); /* not left in freed memory */
	free(r->password);
	r->password = NULL;
}

static int decode_enrol(const struct obj *o, struct req_enrol *r, const char **why)
{
	const char *s;
	size_t len;

	if (!req_str(o, "code", &s, &len) || !chars_within(s, len, 1, INVITE_CODE_MAX))
		return bad(why, "enrol: \"code\" must be a string of 1 to 64 characters");
	if (!(r->code = dup_span(s, len)))
		return out_of_memory(why);
	return take_trimmed(o, "device", DOMAIN_NAME_MAX, &r->device, why,
	                    "enrol: \"device\" must be a non-blank string of at most 200 bytes");
}

int codec_decode_enrol(const char *text, size_t len, struct req_enrol *out, const char **why)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	rc = decode_enrol(&(struct obj){.tree = o}, out, why);
	json_decref(o);
	if (rc != ERR_OK) {
		codec_enrol_free(out);
		return rc;
	}
	return ok(why);
}

void codec_enrol_free(struct req_enrol *r)
{
	if (!r)
		return;
	free(r->code);
	free(r->device);
	r->code = r->device = NULL;
}

int codec_decode_device_name(const char *text, size_t len, char **name, const char **why)
{
	json_t *o;
	*name = NULL;
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	int rc = take_trimmed(&(struct obj){.tree = o}, "name", DOMAIN_NAME_MAX, name, why,
	                      "device: \"name\" must be a non-blank string of at most 200 bytes");
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

/* members: 1..100 distinct positive integers. */
static int take_members(const struct obj *o, struct req_conv_create *r, const char **why)
{
	static const char msg[] = "conv_create: \"members\" must be an array of 1 to 100 "
	                          "distinct positive integers";
	const json_t *a = json_object_get(o->tree, "members");
	size_t n = json_array_size(a);

	if (!json_is_array(a) || n == 0 || n > CONV_MEMBERS_MAX)
		return bad(why, msg);
	if (!(r->members = calloc(n, sizeof(*r->members))))
		return out_of_memory(why);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return bad(why, msg);
		r->members[i] = json_integer_value(v);
		for (size_t j = 0; j < i; j++) /* n <= 100: quadratic is fine */
			if (r->members[j] == r->members[i])
				return bad(why, msg);
		r->n_members = i + 1;
	}
	return ERR_OK;
}

static int decode_conv_create(const struct obj *o, struct req_conv_create *r, const char **why)
{
	int rc;

	if (!req_int(o, "family", 1, &r->family))
		return bad(why, "conv_create: \"family\" must be a positive integer");
	rc = take_trimmed(o, "title", DOMAIN_NAME_MAX, &r->title, why,
	                  "conv_create: \"title\" must be a non-blank string of at most 200 bytes");
	if (rc != ERR_OK)
		return rc;
	return take_members(o, r, why);
}

int codec_decode_conv_create(const char *text, size_t len, struct req_conv_create *out,
                             const char **why)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	rc = decode_conv_create(&(struct obj){.tree = o}, out, why);
	json_decref(o);
	if (rc != ERR_OK) {
		codec_conv_create_free(out);
		return rc;
	}
	return ok(why);
}

void codec_conv_create_free(struct req_conv_create *r)
{
	if (!r)
		return;
	free(r->title);
	free(r->members);
	r->title = NULL;
	r->members = NULL;
	r->n_members = 0;
}

int codec_decode_invite(const char *text, size_t len, struct req_invite *out, const char **why)
{
	json_t *o;
	bool good;

	memset(out, 0, sizeof(*out));
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	good = req_int(&ob, "member", 1, &out->member);
	bool sms_ok = opt_bool(&ob, "by_sms", &out->by_sms);
	json_decref(o);
	if (!good || !sms_ok) {
		out->member = 0;
		return bad(why, "invite: \"member\" must be a positive integer, \"by_sms\" true "
		                "or false");
	}
	return ok(why);
}

/* ---- Push subscriptions ------------------------------------------------------ */

/* Copies a base64url key of exactly want characters (padding '=' dropped). */
static bool take_b64url(const json_t *keys, const char *name, char *out, size_t want)
{
	const json_t *v = json_object_get(keys, name);
	const char *s = json_string_value(v);
	if (s == NULL)
		return false;
	size_t n = json_string_length(v);
	while (n > 0 && s[n - 1] == '=')
		n--;
	if (n != want)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* "lang": absent is Danish; else 2 or 3 letters a-z (the app's own codes). */
static bool take_lang(const json_t *o, char out[CODEC_LANG_MAX + 1])
{
	const json_t *v = json_object_get(o, "lang");
	strcpy(out, "da");
	if (v == NULL)
		return true;
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > CODEC_LANG_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	memcpy(out, s, n + 1);
	return true;
}

int codec_decode_push_sub(const char *text, size_t len, struct req_push_sub *out, const char **why)
{
	json_t *o;
	const char *endpoint;
	size_t elen;
	memset(out, 0, sizeof(*out));
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	const json_t *keys = json_object_get(o, "keys");
	bool good = req_str(&(struct obj){.tree = o}, "endpoint", &endpoint, &elen) && elen > 0 &&
	            elen <= 1024 && memchr(endpoint, '\0', elen) == NULL && json_is_object(keys);
	if (good && (!take_b64url(keys, "p256dh", out->p256dh, CODEC_P256DH_LEN) ||
	             !take_b64url(keys, "auth", out->auth, CODEC_AUTH_LEN))) {
		json_decref(o);
		return bad(why,
		           "push: keys.p256dh and keys.auth must be base64url of 65 and 16 bytes");
	}
	if (good && !take_lang(o, out->lang)) {
		json_decref(o);
		return bad(why, "push: \"lang\" must be a language code of 2 or 3 small letters");
	}
	if (good)
		out->endpoint = dup_span(endpoint, elen);
	json_decref(o);
	if (!good)
		return bad(why, "push: \"endpoint\" (a URL) and \"keys\" are required");
	return out->endpoint ? ok(why) : ERR_INTERNAL;
}

int codec_decode_push_content(const char *text, size_t len, enum push_content *out,
                              const char **why)
{
	json_t *o;
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	const char *c = json_string_value(json_object_get(o, "content"));
	int rc = c && push_content_parse(c, out) == 0 ? ERR_OK : ERR_BAD_REQUEST;
	json_decref(o);
	if (rc)
		return bad(why, "notifications: \"content\" must be \"none\", \"sender\" or "
		                "\"preview\"");
	return ok(why);
}

void codec_push_sub_free(struct req_push_sub *r)
{
	free(r->endpoint);
	r->endpoint = NULL;
}

/* ---- Messages to be sent later --------------------------------------------------- */

int codec_decode_schedule(const char *text, size_t len, bool edit, struct req_schedule *out,
                          const char **why)
{
	json_t *o;
	memset(out, 0, sizeof *out);
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	const char *body = NULL, *at = NULL, *id = NULL, *seen = NULL;
	size_t body_len = 0, at_len, id_len, seen_len;
	int rc = ERR_OK;
	if (!opt_str(&ob, "body", &body, &body_len) || !opt_str(&ob, "send_at", &at, &at_len) ||
	    (at && text_parse_ts(at, &out->send_at) != 0))
		rc = bad(why, "schedule: \"send_at\" must be a time (RFC 3339), \"body\" a string");
	else if (edit && (!opt_str(&ob, "updated_at", &seen, &seen_len) ||
	                  (seen && text_parse_ts(seen, &out->seen_at) != 0)))
		rc = bad(
		    why,
		    "schedule: \"updated_at\" must be the time (RFC 3339) of the version changed");
	else if (!edit && (!body || !at))
		rc = bad(why, "schedule: \"body\", \"send_at\" and \"client_id\" are required");
	else if (edit && !body && !at)
		rc = bad(why, "schedule: give a new \"body\" or \"send_at\"");
	else if (!edit && (!req_str(&ob, "client_id", &id, &id_len) ||
	                   !chars_within(id, id_len, 1, DOMAIN_CLIENT_ID_MAX)))
		rc = bad(why, "schedule: \"client_id\" must be a string of 1 to 64 characters");
	if (rc == ERR_OK && id) {
		memcpy(out->client_id, id, id_len);
		out->client_id[id_len] = '\0';
	}
	if (rc == ERR_OK && body)
		rc = take_body(body, body_len, &out->body, why);
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

void codec_schedule_free(struct req_schedule *r)
{
	free(r->body);
	r->body = NULL;
}

/* ---- Objects of ids (issue 15: a new pair, a coordinator) ------------------------- */

int codec_decode_ids(const char *text, size_t len, const char *const *keys, int64_t *out, size_t n,
                     const char **why)
{
	json_t *o;
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	int rc = ERR_OK;
	for (size_t i = 0; rc == ERR_OK && i < n; i++)
		if (!req_int(&ob, keys[i], 1, &out[i]))
			rc = bad(why, "every field must be a positive integer id");
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

/* ---- A team's reply template (issue 15) --------------------------------------------- */

int codec_decode_template(const char *text, size_t len, struct template *out, const char **why)
{
	json_t *o;
	memset(out, 0, sizeof *out);
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	const char *title, *lang, *body;
	size_t title_len, lang_len, body_len;
	int rc = ERR_OK;
	if (!req_str(&ob, "title", &title, &title_len) ||
	    !chars_within(title, title_len, 1, DOMAIN_TEMPLATE_TITLE_MAX))
		rc = bad(why, "template: \"title\" must be 1 to 80 characters");
	else if (!req_str(&ob, "lang", &lang, &lang_len) || lang_len == 0 ||
	         lang_len >= sizeof out->lang)
		rc = bad(why, "template: \"lang\" must be a language code such as \"da\"");
	else if (!req_str(&ob, "body", &body, &body_len) ||
	         !chars_within(body, body_len, 1, DOMAIN_TEMPLATE_BODY_MAX))
		rc = bad(why, "template: \"body\" must be 1 to 1000 characters");
	if (rc == ERR_OK) {
		memcpy(out->title, title, title_len);
		memcpy(out->lang, lang, lang_len);
		if ((out->body = dup_span(body, body_len)) == NULL)
			rc = out_of_memory(why);
	}
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

/* ---- An adviser's absence (issue 15) ------------------------------------------------ */

int codec_decode_absence(const char *text, size_t len, struct absence *out, const char **why)
{
	json_t *o;
	memset(out, 0, sizeof *out);
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	const char *from, *to, *note = "";
	size_t from_len, to_len, note_len = 0;
	int rc = ERR_OK;
	if (!req_str(&ob, "from", &from, &from_len) || text_parse_ts(from, &out->from) != 0 ||
	    !req_str(&ob, "to", &to, &to_len) || text_parse_ts(to, &out->to) != 0)
		rc = bad(why, "absence: \"from\" and \"to\" must be times (RFC 3339)");
	else if (!opt_str(&ob, "note", &note, &note_len) ||
	         (note && !chars_within(note, note_len, 0, DOMAIN_ABSENCE_NOTE_MAX)))
		rc = bad(why, "absence: \"note\" must be a string of at most 160 characters");
	if (rc == ERR_OK && note) {
		memcpy(out->note, note, note_len);
		out->note[note_len] = '\0';
	}
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

/* ---- A family's case record (issue 16) ------------------------------------------------ */

int codec_decode_record_change(const char *text, size_t len, bool need_reason, bool need_upto,
                               struct req_record *out, const char **why)
{
	json_t *o;
	memset(out, 0, sizeof *out);
	if (len == 0 && !need_reason && !need_upto)
		return ok(why); /* closing or reopening needs no body */
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	const char *reason = NULL, *upto;
	size_t reason_len = 0, upto_len;
	int rc = ERR_OK;
	if (!opt_str(&ob, "reason", &reason, &reason_len) ||
	    (reason &&
	     !chars_within(reason, reason_len, need_reason ? 1 : 0, RECORD_REASON_MAX / 4)) ||
	    (need_reason && reason == NULL))
		rc =
		    bad(why, need_reason ? "give a \"reason\": a string of 1 to 125 characters"
		                         : "\"reason\" must be a string of at most 125 characters");
	else if (need_upto &&
	         (!req_str(&ob, "upto", &upto, &upto_len) || text_parse_ts(upto, &out->upto) != 0))
		rc = bad(why, "\"upto\" must be a time (RFC 3339)");
	if (rc == ERR_OK && reason) {
		memcpy(out->reason, reason, reason_len);
		out->reason[reason_len] = '\0';
	}
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

/* Copies a checked string of at most cap - 1 bytes. */
static void copy_str(char *dst, size_t cap, const char *s, size_t len)
{
	len = len < cap ? len : cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

int codec_decode_request(const char *text, size_t len, struct data_request *out, const char **why)
{
	json_t *o;
	memset(out, 0, sizeof *out);
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	const char *kind, *received, *note = NULL;
	size_t kind_len, received_len, note_len = 0;
	int rc = ERR_OK;
	if (!req_int(&ob, "member", 1, &out->member.id) ||
	    !req_str(&ob, "kind", &kind, &kind_len) || kind_len >= sizeof out->kind ||
	    !req_str(&ob, "received_at", &received, &received_len) ||
	    text_parse_ts(received, &out->received_at) != 0)
		rc = bad(why, "request: give \"member\" (an id), \"kind\" (\"erasure\" or "
		              "\"restriction\") and \"received_at\" (a time)");
	else if (!opt_str(&ob, "note", &note, &note_len) || note_len > REQUEST_TEXT_MAX)
		rc = bad(why, "request: \"note\" must be a string of at most 1000 bytes");
	if (rc == ERR_OK) {
		copy_str(out->kind, sizeof out->kind, kind, kind_len);
		if (note)
			copy_str(out->note, sizeof out->note, note, note_len);
	}
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

int codec_decode_request_answer(const char *text, size_t len, struct data_request *out,
                                const char **why)
{
	json_t *o;
	int64_t id = out->id;
	memset(out, 0, sizeof *out);
	out->id = id;
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	struct obj ob = {.tree = o};
	const char *decision, *answer;
	size_t decision_len, answer_len;
	int rc = ERR_OK;
	if (!req_str(&ob, "decision", &decision, &decision_len) ||
	    decision_len >= sizeof out->decision || !req_str(&ob, "answer", &answer, &answer_len) ||
	    answer_len == 0 || answer_len > REQUEST_TEXT_MAX)
		rc = bad(why, "answer: give \"decision\" (\"granted\", \"partly\" or \"refused\") "
		              "and \"answer\" (the reasons, 1 to 1000 bytes)");
	if (rc == ERR_OK) {
		copy_str(out->decision, sizeof out->decision, decision, decision_len);
		copy_str(out->answer, sizeof out->answer, answer, answer_len);
	}
	json_decref(o);
	return rc == ERR_OK ? ok(why) : rc;
}

/* ---- A member's SMS settings ------------------------------------------------------- */

int codec_decode_member_sms(const char *text, size_t len, struct req_member_sms *out,
                            const char **why)
{
	static const char msg[] =
	    "member sms: give \"phone\" (a string or null), \"channel\" "
	    "(\"app\", \"fallback\" or \"sms\"), \"consent\" (true or false) or "
	    "\"stopped\": false";
	json_t *o;
	*out = (struct req_member_sms){.consent = -1};
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	json_t *p = json_object_get(o, "phone"), *c = json_object_get(o, "channel"),
	       *k = json_object_get(o, "consent"), *st = json_object_get(o, "stopped");
	int rc = ERR_OK;
	if ((!p && !c && !k && !st) || (p && !json_is_string(p) && !json_is_null(p)) ||
	    (c && (!json_is_string(c) || sms_channel_parse(json_string_value(c), &out->channel))) ||
	    (k && !json_is_boolean(k)) || (st && !json_is_false(st)) ||
	    (p && json_is_string(p) && json_string_length(p) > 64))
		rc = bad(why, msg);
	else if (p && !(out->phone = strdup(json_is_null(p) ? "" : json_string_value(p))))
		rc = out_of_memory(why);
	if (rc == ERR_OK && k)
		out->consent = json_is_true(k) ? 1 : 0;
	out->resume = st != NULL;
	json_decref(o);
	if (rc != ERR_OK) {
		free(out->phone);
		out->phone = NULL;
		return rc;
	}
	return ok(why);
}

/* ---- Quiet hours ---------------------------------------------------------------- */

int codec_decode_quiet_hours(const char *text, size_t len, int *start, int *end, const char **why)
{
	json_t *o;
	if (!(o = load_object(text, len, why)))
		return ERR_BAD_REQUEST;
	*start = quiet_parse(json_string_value(json_object_get(o, "from")));
	*end = quiet_parse(json_string_value(json_object_get(o, "to")));
	json_decref(o);
	if (*start < 0 || *end < 0)
		return bad(why, "quiet hours: \"from\" and \"to\" must be times \"HH:MM\"");
	return ok(why);
}
