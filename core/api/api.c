/*
 * api.c - the HTTP endpoints of contract v1.
 *
 * One table maps method and path to a handler; every handler authenticates
 * through api_auth(), decides through perm (via service.c or directly), and
 * answers through respond() or fail(), so no endpoint can skip a rule.
 */
#define _GNU_SOURCE
#include "api.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/auth.h"
#include "../codec/codec.h"
#include "../common/err.h"
#include "../common/text.h"
#include "../metrics/metrics.h"
#include "../perm/perm.h"
#include "../service/service.h"
#include "../store/store.h"
#include "../store/store_admin.h"
#include "access_log.h"
#include "export.h"

struct call {
	struct api_ctx *ctx;
	const struct api_request *req;
	struct api_response *resp;
	int64_t now;
	int64_t path_id; /* the {id} in the path, when the route has one */
	struct store_user user;
	struct store_token token;
};

/* ---- Responses ---------------------------------------------------------- */

static void respond(struct call *c, int status, char *body)
{
	c->resp->status = status;
	c->resp->content_type = "application/json; charset=utf-8";
	c->resp->body = body;
	c->resp->body_len = body ? strlen(body) : 0;
	if (body == NULL && status != 204) {
		c->resp->status = 500;
		c->resp->body = codec_encode_http_error(ERR_INTERNAL, err_message(ERR_INTERNAL));
		c->resp->body_len = c->resp->body ? strlen(c->resp->body) : 0;
	}
}

static void fail(struct call *c, int err, const char *message)
{
	respond(c, err_http_status(err),
	        codec_encode_http_error(err, message ? message : err_message(err)));
}

static void set_cookie(struct call *c, const char *token, int64_t max_age_s)
{
	snprintf(c->resp->set_cookie, sizeof c->resp->set_cookie,
	         "%s=%s; Path=/; Max-Age=%lld; HttpOnly; Secure; SameSite=Strict", API_COOKIE_NAME,
	         token, (long long)max_age_s);
}

/* ---- Request helpers --------------------------------------------------------- */

bool api_origin_allowed(const char *origin, const char *host, const char *const *allowed)
{
	if (origin == NULL)
		return false;
	if (host != NULL && strncmp(origin, "https://", 8) == 0 && strcmp(origin + 8, host) == 0)
		return true;
	for (size_t i = 0; allowed && allowed[i]; i++)
		if (strcmp(origin, allowed[i]) == 0)
			return true;
	return false;
}

/* Why a token was refused, for the 401's message. */
static const char *session_end_message(const struct store_token *t)
{
	switch ((enum auth_session_end)t->ended) {
	case AUTH_SESSION_IDLE:
		return "Signed out after a time without activity; sign in again.";
	case AUTH_SESSION_EXPIRED:
		return "The sign-in has expired; sign in again.";
	default:
		return "Sign in first.";
	}
}

/* An authenticated request is activity: the token's last use is written
 * when the stored one is older than auth_session_touch_interval(), so a
 * busy session costs a write a minute at most.  A failed write only makes
 * the idle limit count from the previous one. */
static void session_used(struct call *c)
{
	if (auth_session_touch_due(c->token.last_used_at, c->now, c->token.idle_ms))
		(void)store_token_touch(c->ctx->store, c->token.id, c->now);
}

/* Authenticates by bearer token, else by session cookie under the Origin rule:
 * a cookie rides along with cross-site requests, a bearer token does not. */
static int api_auth(struct call *c)
{
	const struct api_request *r = c->req;
	const char *token = r->bearer;
	if (token == NULL && r->cookie_token != NULL) {
		bool safe = strcmp(r->method, "GET") == 0;
		if (r->origin == NULL
		        ? !safe
		        : !api_origin_allowed(r->origin, r->host, c->ctx->allowed_origins)) {
			fail(c, ERR_FORBIDDEN, "The request's Origin is not allowed.");
			return ERR_FORBIDDEN;
		}
		token = r->cookie_token;
	}
	int err = svc_authenticate(c->ctx->store, token, c->now, &c->user, &c->token);
	if (err) {
		fail(c, err, err != ERR_UNAUTHORIZED ? NULL : session_end_message(&c->token));
		return err;
	}
	session_used(c);
	return ERR_OK;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Finds name in the query string and URL-decodes its value into out. */
static bool query_get(const char *query, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, name, nlen) != 0 || p[nlen] != '=')
			continue;
		const char *v = p + nlen + 1;
		size_t o = 0;
		while (*v && *v != '&' && o + 1 < cap) {
			if (*v == '%' && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
				out[o++] = (char)(hexval(v[1]) * 16 + hexval(v[2]));
				v += 3;
			} else {
				out[o++] = *v == '+' ? ' ' : *v;
				v++;
			}
		}
		out[o] = '\0';
		return true;
	}
	return false;
}

/* A positive integer query parameter; absent leaves *val. */
static int query_int(const char *query, const char *name, int64_t min, int64_t *val)
{
	char buf[32];
	if (!query_get(query, name, buf, sizeof buf))
		return ERR_OK;
	char *end;
	long long v = strtoll(buf, &end, 10);
	if (*buf == '\0' || *end != '\0' || v < min)
		return ERR_BAD_REQUEST;
	*val = v;
	return ERR_OK;
}

static int query_ts(const char *query, const char *name, int64_t *val)
{
	char buf[64];
	if (!query_get(query, name, buf, sizeof buf))
		return ERR_OK;
	return text_parse_ts(buf, val) == 0 ? ERR_OK : ERR_BAD_REQUEST;
}

/* Runs fn inside one transaction; rolls back on error. */
static int in_tx(struct call *c, int (*fn)(struct call *, void *), void *arg)
{
	int err = store_begin(c->ctx->store);
	if (err)
		return err;
	if ((err = fn(c, arg)) != ERR_OK) {
		store_rollback(c->ctx->store);
		return err;
	}
	return store_commit(c->ctx->store);
}

/* ---- Endpoints ------------------------------------------------------------------ */

/* Healthy when a real write commits now; that also clears an earlier
 * failure of the writer (the disk has room again). */
static void ep_health(struct call *c)
{
	bool ok = store_health(c->ctx->store) == ERR_OK;
	if (c->ctx->writable_flag)
		atomic_store(c->ctx->writable_flag, ok);
	respond(c, ok ? 200 : 503, codec_encode_health(ok ? "ok" : "unavailable"));
}

static const char login_refused[] = "Wrong username or password.";

static void ep_login(struct call *c)
{
	struct req_login in;
	const char *why;
	int err = codec_decode_login(c->req->body, c->req->body_len, &in, &why);
	if (err) {
		fail(c, err, why);
		return;
	}
	struct auth_throttle *t = c->ctx->throttle;
	const char *addr = c->req->peer_addr;
	/* The attempt counts as a failure from here on, until it succeeds. */
	if (!auth_throttle_attempt(t, in.username, addr, c->now)) {
		fail(c, ERR_RATE_LIMITED, "Too many failed sign-ins; wait a few minutes.");
		codec_login_free(&in);
		return;
	}
	char phc[AUTH_HASH_MAX] = "";
	err = store_user_by_username(c->ctx->store, in.username, &c->user, phc, sizeof phc);
	bool known = err == ERR_OK && c->user.active && c->user.ref.role != ROLE_FAMILY;
	bool ok = false;
	if (known)
		ok = auth_password_verify(phc, in.password);
	else
		auth_password_burn(in.password); /* same cost: no user enumeration */
	if (err && err != ERR_NOT_FOUND) {
		fail(c, err, NULL);
	} else if (!ok) {
		fail(c, ERR_UNAUTHORIZED, login_refused);
	} else {
		auth_throttle_success(t, in.username, addr);
		char token[AUTH_TOKEN_LEN + 1];
		uint8_t hash[32];
		int64_t expires = c->now + c->ctx->staff_token_ttl_ms, tid;
		err = auth_token_new(token, hash)
		          ? ERR_INTERNAL
		          : store_token_issue(c->ctx->store, hash, c->user.ref.id, 0, c->now,
		                              expires, c->ctx->staff_idle_ms, &tid);
		if (err == ERR_OK)
			store_log_append(c->ctx->store, c->now, "login", c->user.ref.id, 0, 0, 0,
			                 addr);
		if (err) {
			fail(c, err, NULL);
		} else {
			set_cookie(c, token, c->ctx->staff_token_ttl_ms / 1000);
			respond(c, 200, codec_encode_login(token, expires, &c->user.ref));
		}
	}
	codec_login_free(&in);
}

struct enrol_tx {
	const char *code;
	const char *device;
	int64_t device_id;
	char token[AUTH_TOKEN_LEN + 1];
};

static int enrol_tx(struct call *c, void *arg)
{
	struct enrol_tx *e = arg;
	struct store *s = c->ctx->store;
	int64_t member, tid;
	uint8_t hash[32];
	int err = store_invite_consume(s, e->code, c->now, &member);
	if (err == ERR_OK)
		err = store_user_get(s, member, &c->user);
	if (err == ERR_OK && !c->user.active)
		err = ERR_GONE;
	if (err == ERR_OK)
		err = store_device_insert(s, member, e->device, c->now, &e->device_id);
	if (err == ERR_OK && auth_token_new(e->token, hash) != 0)
		err = ERR_INTERNAL;
	if (err == ERR_OK)
		err = store_token_issue(s, hash, member, e->device_id, c->now,
		                        c->now + c->ctx->device_token_ttl_ms,
		                        c->ctx->device_idle_ms, &tid);
	if (err == ERR_OK)
		err = store_log_append(s, c->now, "enrol", member, c->user.family_id, 0, 0,
		                       e->device);
	return err;
}

static void ep_enrol(struct call *c)
{
	struct req_enrol in;
	const char *why;
	int err = codec_decode_enrol(c->req->body, c->req->body_len, &in, &why);
	if (err) {
		fail(c, err, why);
		return;
	}
	/* Guessing invite codes is throttled like guessing passwords, with
	 * counters of its own (auth_throttle_invite_attempt). */
	const char *addr = c->req->peer_addr;
	char code[AUTH_INVITE_LEN + 1];
	struct enrol_tx e = {.code = code, .device = in.device};
	if (!auth_throttle_invite_attempt(c->ctx->throttle, addr, c->now)) {
		fail(c, ERR_RATE_LIMITED, "Too many wrong codes; wait a few minutes.");
	} else if (auth_invite_normalise(in.code, code) != 0 ||
	           (err = in_tx(c, enrol_tx, &e)) == ERR_UNAUTHORIZED) {
		fail(c, ERR_UNAUTHORIZED, "Unknown invite code.");
	} else if (err == ERR_GONE) {
		fail(c, ERR_GONE,
		     "This invite code has been used or has expired; ask your "
		     "adviser for a new one.");
	} else if (err) {
		fail(c, err, NULL);
	} else {
		auth_throttle_invite_success(c->ctx->throttle, addr);
		set_cookie(c, e.token, c->ctx->device_token_ttl_ms / 1000);
		respond(c, 200, codec_encode_enrol(e.token, &c->user.ref, e.device_id, in.device));
	}
	codec_enrol_free(&in);
}

static void ep_logout(struct call *c)
{
	if (api_auth(c))
		return;
	struct store *s = c->ctx->store;
	int err = store_token_revoke(s, c->token.id, c->now);
	if (err) {
		fail(c, err, NULL);
		return;
	}
	store_log_append(s, c->now, "logout", c->user.ref.id, c->user.family_id, 0, 0, "");
	c->resp->close_token_id = c->token.id;
	snprintf(c->resp->set_cookie, sizeof c->resp->set_cookie,
	         "%s=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict", API_COOKIE_NAME);
	respond(c, 204, NULL);
}

static void ep_me(struct call *c)
{
	if (api_auth(c))
		return;
	struct conv_list convs = {0};
	int err = store_user_conversations(c->ctx->store, &c->user, &convs);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_me(&c->user.ref, &convs));
	conv_list_free(&convs);
}

static void ep_messages(struct call *c)
{
	if (api_auth(c))
		return;
	int64_t before = 0, limit = 50, family = 0;
	if (query_int(c->req->query, "before", 1, &before) ||
	    query_int(c->req->query, "limit", 1, &limit)) {
		fail(c, ERR_BAD_REQUEST, "before and limit must be positive integers.");
		return;
	}
	if (limit > CODEC_SYNC_LIMIT_MAX)
		limit = CODEC_SYNC_LIMIT_MAX;
	struct msg_list msgs = {0};
	bool more = false;
	int err = svc_history(c->ctx->store, &c->user, c->path_id, before, (int)limit, &msgs, &more,
	                      &family);
	if (err) {
		if (err == ERR_FORBIDDEN || (err == ERR_NOT_FOUND && family > 0))
			svc_log_denied(c->ctx->store, &c->user, family, c->path_id, c->now,
			               "history");
		fail(c, err, NULL);
	} else if ((err = svc_log_access(c->ctx->store, &c->user, family, c->path_id, c->now,
	                                 "history")) != ERR_OK) {
		fail(c, err, "The access could not be logged, so nothing is shown.");
	} else {
		respond(c, 200, codec_encode_http_messages(&msgs, more));
	}
	msg_list_free(&msgs);
}

/* The relation of the caller to a family, through the store's facts. */
static int family_relation(struct call *c, int64_t family, enum perm_rel *rel)
{
	struct perm_facts facts;
	int err = store_facts(c->ctx->store, c->user.ref.id, family, 0, &facts);
	*rel = err == ERR_OK ? perm_relation(&facts) : REL_NONE;
	return err == ERR_NOT_FOUND ? ERR_OK : err;
}

/* Refuses (and logs) unless allowed; true when the caller may go on. */
static bool family_allowed(struct call *c, int64_t family, bool (*allowed)(enum perm_rel),
                           const char *what)
{
	enum perm_rel rel;
	int err = family_relation(c, family, &rel);
	if (err) {
		fail(c, err, NULL);
		return false;
	}
	if (allowed(rel))
		return true;
	svc_log_denied(c->ctx->store, &c->user, family, 0, c->now, what);
	/* At family level a member of the family knows it exists: forbidden. */
	fail(c, rel == REL_NONE ? ERR_NOT_FOUND : ERR_FORBIDDEN, NULL);
	return false;
}

static void ep_conv_create(struct call *c)
{
	if (api_auth(c))
		return;
	struct req_conv_create in;
	const char *why;
	int err = codec_decode_conv_create(c->req->body, c->req->body_len, &in, &why);
	if (err) {
		fail(c, err, why);
		return;
	}
	int64_t conv;
	struct conv out = {0};
	if (!family_allowed(c, in.family, perm_can_create_conv, "create conversation")) {
		codec_conv_create_free(&in);
		return;
	}
	struct store *s = c->ctx->store;
	err = store_begin(s);
	if (err == ERR_OK)
		err = store_conv_create(s, in.family, in.title, in.members, in.n_members, c->now,
		                        &conv);
	if (err == ERR_OK)
		err = store_log_append(s, c->now, "conversation", c->user.ref.id, in.family, conv,
		                       0, in.title);
	if (err == ERR_OK)
		err = store_commit(s);
	else
		store_rollback(s);
	if (err == ERR_OK)
		err = store_conversation(s, &c->user, conv, &out);
	if (err == ERR_BAD_REQUEST)
		fail(c, err, "Every member must belong to the family.");
	else if (err)
		fail(c, err, NULL);
	else {
		c->resp->created_conv = conv;
		respond(c, 201, codec_encode_conv(&out));
	}
	conv_clear(&out);
	codec_conv_create_free(&in);
}

static void ep_invite(struct call *c)
{
	if (api_auth(c))
		return;
	struct req_invite in;
	const char *why;
	int err = codec_decode_invite(c->req->body, c->req->body_len, &in, &why);
	if (err) {
		fail(c, err, why);
		return;
	}
	struct store_user member;
	err = store_user_get(c->ctx->store, in.member, &member);
	if (err == ERR_OK && member.ref.role != ROLE_FAMILY)
		err = ERR_NOT_FOUND;
	if (err) {
		fail(c, err, err == ERR_NOT_FOUND ? "No such family member." : NULL);
		return;
	}
	if (!family_allowed(c, member.family_id, perm_can_invite, "invite"))
		return;
	char code[AUTH_INVITE_LEN + 1];
	int64_t expires = c->now + c->ctx->invite_ttl_ms;
	struct store *s = c->ctx->store;
	err = auth_invite_new(code)
	          ? ERR_INTERNAL
	          : store_invite_insert(s, code, member.ref.id, c->user.ref.id, c->now, expires);
	if (err) {
		fail(c, err, NULL);
		return;
	}
	store_log_append(s, c->now, "invite", c->user.ref.id, member.family_id, 0, 0,
	                 member.ref.name);
	respond(c, 201, codec_encode_invite(code, expires));
}

/* The log endpoints' JSON pages: without a limit, 500 entries; at most 1000. */
#define LOG_PAGE_DEFAULT 500
#define LOG_PAGE_MAX     1000

struct log_q {
	int64_t from, to; /* 0: unbounded */
	int64_t after;    /* the cursor: entries with a higher id */
	int64_t limit;    /* of a JSON page */
	bool csv;
};

/* The query of the log endpoints: from, to, format, after and limit; false
 * (answered bad_request) when one is wrong. */
static bool log_query(struct call *c, struct log_q *q)
{
	char format[8] = "json";
	*q = (struct log_q){.limit = LOG_PAGE_DEFAULT};
	query_get(c->req->query, "format", format, sizeof format);
	q->csv = strcmp(format, "csv") == 0;
	if (query_ts(c->req->query, "from", &q->from) || query_ts(c->req->query, "to", &q->to) ||
	    query_int(c->req->query, "after", 0, &q->after) ||
	    query_int(c->req->query, "limit", 1, &q->limit) ||
	    (!q->csv && strcmp(format, "json") != 0)) {
		fail(c, ERR_BAD_REQUEST,
		     "from/to must be RFC 3339 times, after and limit integers; format json or "
		     "csv.");
		return false;
	}
	if (q->limit > LOG_PAGE_MAX)
		q->limit = LOG_PAGE_MAX;
	return true;
}

/* A CSV export: the first chunk now, the rest as the transport asks. */
static void respond_csv(struct call *c, struct api_stream *st, const char *what)
{
	c->resp->stream = st;
	api_stream_next(c->ctx->store, c->resp);
	if (c->resp->stream_failed) {
		api_response_free(c->resp);
		fail(c, ERR_INTERNAL, NULL);
		return;
	}
	c->resp->status = 200;
	c->resp->content_type = "text/csv; charset=utf-8";
	snprintf(c->resp->disposition, sizeof c->resp->disposition,
	         "attachment; filename=\"indgang-family-%lld-%s.csv\"", (long long)c->path_id,
	         what);
}

/* Reading is logged before anything is shown; a CSV export is one read. */
static void ep_log(struct call *c)
{
	struct log_q q;
	if (api_auth(c) || !log_query(c, &q))
		return;
	if (!family_allowed(c, c->path_id, perm_can_read_log, "log"))
		return;
	struct store *s = c->ctx->store;
	struct api_stream *st = NULL;
	struct log_list entries = {0};
	struct store_log_range r = {.family = c->path_id,
	                            .from = q.from,
	                            .to = q.to,
	                            .after = q.after,
	                            .limit = (int)q.limit + 1}; /* one more: is there a next? */
	int err = q.csv ? export_log_csv(s, c->path_id, q.from, q.to, &st)
	                : store_log_page(s, &r, &entries);
	if (err) {
		fail(c, err, NULL);
	} else if ((err = svc_log_access(s, &c->user, c->path_id, 0, c->now,
	                                 q.csv ? "log export csv" : "log")) != ERR_OK) {
		fail(c, err, "The access could not be logged, so nothing is shown.");
	} else if (q.csv) {
		respond_csv(c, st, "log");
		st = NULL;
	} else {
		int64_t next = 0;
		if (entries.n > (size_t)q.limit) {
			entries.n--;
			free(entries.v[entries.n].detail);
			next = entries.v[entries.n - 1].id;
		}
		respond(c, 200, codec_encode_log_page(&entries, next));
	}
	if (st != NULL)
		st->destroy(st);
	log_list_free(&entries);
}

static void ep_access_log(struct call *c)
{
	struct log_q q;
	if (api_auth(c) || !log_query(c, &q))
		return;
	if (!family_allowed(c, c->path_id, perm_can_read_access_log, "access log"))
		return;
	struct store *s = c->ctx->store;
	struct api_stream *st = NULL;
	json_t *entries = json_array();
	size_t n = 0;
	int64_t last = 0, next = 0;
	struct store_log_range r = {.family = c->path_id,
	                            .from = q.from,
	                            .to = q.to,
	                            .after = q.after,
	                            .limit = (int)q.limit + 1};
	int err = entries == NULL ? ERR_INTERNAL
	          : q.csv         ? export_access_log_csv(s, c->path_id, q.from, q.to, &st)
	                          : access_log_page_json(s, &r, entries, &n, &last);
	if (err == ERR_OK && n > (size_t)q.limit) {
		json_array_remove(entries, n - 1);
		next = json_integer_value(json_object_get(json_array_get(entries, n - 2), "id"));
	}
	if (err) {
		fail(c, err, NULL);
	} else if ((err = svc_log_access(s, &c->user, c->path_id, 0, c->now,
	                                 q.csv ? "access log csv" : "access log")) != ERR_OK) {
		fail(c, err, "The access could not be logged, so nothing is shown.");
	} else if (q.csv) {
		respond_csv(c, st, "access-log");
		st = NULL;
	} else {
		json_t *doc = json_pack("{s:O, s:o}", "entries", entries, "next",
		                        next > 0 ? json_integer(next) : json_null());
		respond(c, 200, doc ? json_dumps(doc, JSON_COMPACT) : NULL);
		json_decref(doc);
	}
	if (st != NULL)
		st->destroy(st);
	json_decref(entries);
}

static bool may_manage_devices(enum perm_rel rel)
{
	return perm_can_revoke_device(rel, false);
}

/* The family's enrolled phones, so the pair (or an admin) can revoke one. */
static void ep_devices(struct call *c)
{
	if (api_auth(c))
		return;
	if (!family_allowed(c, c->path_id, may_manage_devices, "list devices"))
		return;
	struct device_list devices = {0};
	int err = store_family_devices(c->ctx->store, c->path_id, &devices);
	if (err)
		fail(c, err, NULL);
	else if ((err = svc_log_access(c->ctx->store, &c->user, c->path_id, 0, c->now,
	                               "devices")) != ERR_OK)
		fail(c, err, "The access could not be logged, so nothing is shown.");
	else
		respond(c, 200, codec_encode_devices(&devices));
	device_list_free(&devices);
}

static void ep_device_delete(struct call *c)
{
	if (api_auth(c))
		return;
	struct store *s = c->ctx->store;
	struct store_device dev;
	struct store_user owner;
	int err = store_device_get(s, c->path_id, &dev);
	if (err == ERR_OK)
		err = store_user_get(s, dev.user_id, &owner);
	if (err) {
		fail(c, err, err == ERR_NOT_FOUND ? "No such device." : NULL);
		return;
	}
	bool is_owner = owner.ref.id == c->user.ref.id;
	enum perm_rel rel = REL_NONE;
	if (!is_owner && (err = family_relation(c, owner.family_id, &rel)) != ERR_OK) {
		fail(c, err, NULL);
		return;
	}
	if (!perm_can_revoke_device(rel, is_owner)) {
		svc_log_denied(s, &c->user, owner.family_id, 0, c->now, "revoke device");
		fail(c, perm_refusal(rel), NULL);
		return;
	}
	if ((err = store_device_revoke(s, dev.id, c->now)) != ERR_OK) {
		fail(c, err, NULL);
		return;
	}
	store_log_append(s, c->now, "revoke", c->user.ref.id, owner.family_id, 0, 0, dev.name);
	c->resp->close_device_id = dev.id;
	respond(c, 204, NULL);
}

/* ---- Metrics ------------------------------------------------------------------ */

/* An IPv4 address in a CIDR block "a.b.c.d/n". */
static bool in_cidr(const char *peer, const char *block)
{
	char net[INET_ADDRSTRLEN];
	const char *slash = strchr(block, '/');
	struct in_addr a, b;
	char *end;
	if (slash == NULL || (size_t)(slash - block) >= sizeof net)
		return false;
	memcpy(net, block, (size_t)(slash - block));
	net[slash - block] = '\0';
	long bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > 32 || inet_pton(AF_INET, net, &b) != 1 ||
	    inet_pton(AF_INET, peer, &a) != 1)
		return false;
	uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	return (ntohl(a.s_addr) & mask) == (ntohl(b.s_addr) & mask);
}

bool api_addr_allowed(const char *peer, const char *const *allow)
{
	if (peer == NULL || peer[0] == '\0')
		return false;
	for (size_t i = 0; allow && allow[i]; i++)
		if (strcmp(peer, allow[i]) == 0 || in_cidr(peer, allow[i]))
			return true;
	return false;
}

/* Prometheus scrapes: from an allowed address, or with an admin's bearer
 * token.  Anyone else learns nothing, not even that the numbers exist. */
static void ep_metrics(struct call *c)
{
	const struct api_request *r = c->req;
	if (!api_addr_allowed(r->peer_addr, c->ctx->metrics_allow)) {
		int err = svc_authenticate(c->ctx->store, r->bearer, c->now, &c->user, &c->token);
		if (err) {
			fail(c, err, err == ERR_UNAUTHORIZED ? "Sign in first." : NULL);
			return;
		}
		if (c->user.ref.role != ROLE_ADMIN) {
			fail(c, ERR_FORBIDDEN, "Only admins may read the metrics.");
			return;
		}
	}
	struct metrics_extra x = {.db_bytes = -1, .wal_bytes = -1, .now_ms = c->now};
	store_admin_size(c->ctx->store, &x.db_bytes, &x.wal_bytes);
	x.schema_version = store_schema_version(c->ctx->store);
	char *text = metrics_render(c->ctx->metrics, &x);
	respond(c, 200, text);
	if (text != NULL)
		c->resp->content_type = METRICS_CONTENT_TYPE;
}

/* ---- Dispatch ----------------------------------------------------------------- */

struct route {
	const char *method;
	const char *prefix; /* the path, or the part before {id} */
	const char *suffix; /* after {id}; NULL for paths without an id */
	void (*handler)(struct call *c);
};

static const struct route routes[] = {
    {"GET", "/healthz", NULL, ep_health},
    {"GET", "/metrics", NULL, ep_metrics},
    {"POST", "/api/login", NULL, ep_login},
    {"POST", "/api/enrol", NULL, ep_enrol},
    {"POST", "/api/logout", NULL, ep_logout},
    {"GET", "/api/me", NULL, ep_me},
    {"GET", "/api/conversations/", "/messages", ep_messages},
    {"POST", "/api/conversations", NULL, ep_conv_create},
    {"POST", "/api/invites", NULL, ep_invite},
    {"GET", "/api/families/", "/log", ep_log},
    {"GET", "/api/families/", "/devices", ep_devices},
    {"GET", "/api/families/", "/access-log", ep_access_log},
    {"DELETE", "/api/devices/", "", ep_device_delete},
};

/* Matches path against a route; sets *id for routes with {id}. */
static bool route_match(const struct route *r, const char *path, int64_t *id)
{
	size_t plen = strlen(r->prefix);
	if (r->suffix == NULL)
		return strcmp(path, r->prefix) == 0;
	if (strncmp(path, r->prefix, plen) != 0)
		return false;
	char *end;
	const char *digits = path + plen;
	if (*digits < '1' || *digits > '9')
		return false;
	long long v = strtoll(digits, &end, 10);
	if (strcmp(end, r->suffix) != 0 || v <= 0)
		return false;
	*id = v;
	return true;
}

void api_handle(struct api_ctx *ctx, const struct api_request *req, int64_t now,
                struct api_response *resp)
{
	memset(resp, 0, sizeof *resp);
	struct call c = {.ctx = ctx, .req = req, .resp = resp, .now = now};
	bool path_known = false;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		int64_t id = 0;
		if (!route_match(&routes[i], req->path, &id))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, req->method) != 0)
			continue;
		c.path_id = id;
		routes[i].handler(&c);
		return;
	}
	if (path_known)
		fail(&c, ERR_BAD_REQUEST, "Method not allowed on this path.");
	else
		fail(&c, ERR_NOT_FOUND, "No such endpoint.");
}

void api_request_free(struct api_request *req)
{
	free(req->path);
	free(req->query);
	free(req->body);
	free(req->bearer);
	free(req->cookie_token);
	free(req->origin);
	free(req->host);
	memset(req, 0, sizeof *req);
}

void api_stream_next(struct store *s, struct api_response *resp)
{
	char *chunk = NULL;
	size_t len = 0;
	bool last = false;
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	if (resp->stream == NULL || resp->stream_done || resp->stream_failed || s == NULL ||
	    resp->stream->next(resp->stream, s, &chunk, &len, &last) != ERR_OK) {
		free(chunk);
		resp->stream_failed = true;
		resp->stream_done = true;
		return;
	}
	resp->body = chunk;
	resp->body_len = len;
	resp->stream_done = last;
}

void api_response_free(struct api_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	if (resp->stream != NULL)
		resp->stream->destroy(resp->stream);
	resp->stream = NULL;
}
