/*
 * api.c - the HTTP endpoints of contract v1.
 *
 * One table maps method and path to a handler.  A handler authenticates
 * through api_auth(), decodes the request, runs one operation of
 * core/service in one transaction (svc_in_tx) and encodes its result with
 * respond() or fail(): the rules are the operation's, never the endpoint's.
 * "No such id" and "not yours" get the same answer (perm_refusal()).
 */
#define _GNU_SOURCE
#include "api.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../auth/auth.h"
#include "../codec/codec.h"
#include "../common/err.h"
#include "../common/text.h"
#include "../metrics/metrics.h"
#include "../service/service.h"
#include "../store/store_admin.h"
#include "access_log.h"
#include "export.h"
#include "mine.h"
#include "download.h"
#include "upload.h"

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

/* The request's token: the bearer token, else the session cookie under the
 * Origin rule (a cookie rides along with cross-site requests, a bearer token
 * does not); NULL after a 403. */
static const char *request_token(struct call *c, bool *refused)
{
	const struct api_request *r = c->req;
	*refused = false;
	if (r->bearer != NULL || r->cookie_token == NULL)
		return r->bearer;
	bool safe = strcmp(r->method, "GET") == 0;
	if (r->origin == NULL ? !safe
	                      : !api_origin_allowed(r->origin, r->host, c->ctx->allowed_origins)) {
		fail(c, ERR_FORBIDDEN, "The request's Origin is not allowed.");
		*refused = true;
		return NULL;
	}
	return r->cookie_token;
}

/* A live sign-in, whose use keeps it from going idle. */
static int api_auth(struct call *c)
{
	bool refused;
	const char *token = request_token(c, &refused);
	if (refused)
		return ERR_FORBIDDEN;
	int err = svc_authenticate(c->ctx->store, token, c->now, &c->user, &c->token);
	if (err) {
		fail(c, err, err != ERR_UNAUTHORIZED ? NULL : session_end_message(&c->token));
		return err;
	}
	(void)svc_session_used(c->ctx->store, &c->ctx->policy, &c->token, c->now);
	c->resp->proven = true;
	return ERR_OK;
}

/* A live sign-in or a locked staff one (unlock.c), for the three things a
 * locked page may do; no activity: a page that only counts its unread
 * messages still goes idle. */
static int api_auth_locked(struct call *c)
{
	bool refused, locked;
	const char *token = request_token(c, &refused);
	if (refused)
		return ERR_FORBIDDEN;
	int err =
	    svc_authenticate_locked(c->ctx->store, token, c->now, &c->user, &c->token, &locked);
	if (err)
		fail(c, err, err != ERR_UNAUTHORIZED ? NULL : session_end_message(&c->token));
	else
		c->resp->proven = true;
	return err;
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

/* ---- Endpoints ------------------------------------------------------------------ */

/* Healthy when a real write commits now; that also clears an earlier
 * failure of the writer (the disk has room again). */
static void ep_health(struct call *c)
{
	bool ok = svc_health(c->ctx->store) == ERR_OK;
	if (c->ctx->writable_flag)
		atomic_store(c->ctx->writable_flag, ok);
	respond(c, ok ? 200 : 503, codec_encode_health(ok ? "ok" : "unavailable"));
}

/* Sign-in bodies come from Indgang's own clients: JSON, and from the
 * gateway's (or an allowed) Origin when a browser sends one.  A form or a
 * text/plain body posted by another site (login CSRF: signing the victim's
 * browser in as the attacker) is refused before anything is read. */
static bool sign_in_allowed(struct call *c)
{
	const struct api_request *r = c->req;
	const char *ct = r->content_type;
	size_t n = strlen("application/json");
	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')) {
		fail(c, ERR_BAD_REQUEST, "Send the body as application/json.");
		return false;
	}
	if (r->origin != NULL && !api_origin_allowed(r->origin, r->host, c->ctx->allowed_origins)) {
		fail(c, ERR_FORBIDDEN, "The request's Origin is not allowed.");
		return false;
	}
	return true;
}

/* Each operation below runs in one transaction (svc_in_tx) through a small
 * adapter that unpacks its arguments: the handler decodes, calls, encodes. */

struct login_op {
	struct call *c;
	struct req_login in;
	struct svc_session out;
	const char *why;
};

static int login_op(struct store *s, void *arg)
{
	struct login_op *o = arg;
	struct call *c = o->c;
	return svc_login(s, &c->ctx->policy, c->ctx->throttle, o->in.username, o->in.password,
	                 c->req->peer_addr, c->now, &o->out, &o->why);
}

static void ep_login(struct call *c)
{
	struct login_op o = {.c = c};
	if (!sign_in_allowed(c))
		return;
	int err = codec_decode_login(c->req->body, c->req->body_len, &o.in, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, login_op, &o);
	if (err) {
		fail(c, err, o.why);
	} else {
		set_cookie(c, o.out.token, c->ctx->policy.staff_session_ms / 1000);
		respond(c, 200, codec_encode_login(o.out.token, o.out.expires_at, &o.out.user.ref));
	}
	codec_login_free(&o.in);
}

struct enrol_op {
	struct call *c;
	struct req_enrol in;
	struct svc_session out;
	struct msg notice;
	const char *why;
};

static int enrol_op(struct store *s, void *arg)
{
	struct enrol_op *o = arg;
	struct call *c = o->c;
	return svc_enrol(s, &c->ctx->policy, c->ctx->throttle, o->in.code, o->in.device,
	                 c->req->peer_addr, c->now, &o->out, &o->notice, &c->resp->notice_to,
	                 &o->why);
}

/* The new phone's system message, for the loop to fan out. */
static void notice_out(struct call *c, const struct msg *m)
{
	if (m->id == 0)
		return;
	c->resp->notice = codec_encode_message(m);
}

static void ep_enrol(struct call *c)
{
	struct enrol_op o = {.c = c};
	if (!sign_in_allowed(c))
		return;
	int err = codec_decode_enrol(c->req->body, c->req->body_len, &o.in, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, enrol_op, &o);
	if (err) {
		fail(c, err, o.why);
	} else {
		notice_out(c, &o.notice);
		set_cookie(c, o.out.token, c->ctx->policy.device_session_ms / 1000);
		respond(
		    c, 200,
		    codec_encode_enrol(o.out.token, &o.out.user.ref, o.out.device_id, o.in.device));
	}
	msg_clear(&o.notice);
	codec_enrol_free(&o.in);
}

static int logout_op(struct store *s, void *arg)
{
	struct call *c = arg;
	return svc_logout(s, &c->user, &c->token, c->now);
}

static void ep_logout(struct call *c)
{
	if (api_auth_locked(c))
		return;
	int err = svc_in_tx(c->ctx->store, logout_op, c);
	if (err) {
		fail(c, err, NULL);
		return;
	}
	c->resp->close_token_id = c->token.id;
	snprintf(c->resp->set_cookie, sizeof c->resp->set_cookie,
	         "%s=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict", API_COOKIE_NAME);
	respond(c, 204, NULL);
}

struct unlock_op {
	struct call *c;
	struct req_unlock in;
	const char *why;
};

static int unlock_op(struct store *s, void *arg)
{
	struct unlock_op *o = arg;
	struct call *c = o->c;
	return svc_unlock(s, &c->ctx->policy, c->ctx->throttle, &c->user, &c->token, o->in.password,
	                  c->req->peer_addr, c->now, &o->why);
}

/* The lock screen's password (unlock.c): JSON only and the Origin rule, as
 * at the sign-in form. */
static void ep_unlock(struct call *c)
{
	struct unlock_op o = {.c = c};
	if (!sign_in_allowed(c) || api_auth_locked(c))
		return;
	int err = codec_decode_unlock(c->req->body, c->req->body_len, &o.in, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, unlock_op, &o);
	if (err)
		fail(c, err, o.why);
	else
		respond(c, 200,
		        codec_encode_unlock(&c->user.ref, c->token.expires_at,
		                            c->token.idle_ms > 0 ? c->now + c->token.idle_ms : 0));
	codec_unlock_free(&o.in);
}

struct unread_op {
	struct call *c;
	int64_t n;
};

static int unread_op(struct store *s, void *arg)
{
	struct unread_op *o = arg;
	return svc_unread(s, &o->c->user, &o->n);
}

/* A number for a locked page's title, and nothing else. */
static void ep_unread(struct call *c)
{
	struct unread_op o = {.c = c};
	if (api_auth_locked(c))
		return;
	int err = svc_in_tx(c->ctx->store, unread_op, &o);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_unread(o.n));
}

static void ep_me(struct call *c)
{
	if (api_auth(c))
		return;
	struct conv_list convs = {0};
	int err = svc_conversations(c->ctx->store, &c->user, c->now, &convs);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200,
		        codec_encode_me(
		            &c->user.ref, &convs, c->token.expires_at,
		            c->token.idle_ms > 0 ? c->token.last_used_at + c->token.idle_ms : 0));
	conv_list_free(&convs);
}

struct history_op {
	struct call *c;
	int64_t before, limit, family;
	struct msg_list msgs;
	bool more;
};

/* A staff member's read is in the access log before the page goes out. */
static int history_op(struct store *s, void *arg)
{
	struct history_op *o = arg;
	struct call *c = o->c;
	int err = svc_history(s, &c->user, c->path_id, o->before, (int)o->limit, &o->msgs, &o->more,
	                      &o->family);
	if (err == ERR_FORBIDDEN || (err == ERR_NOT_FOUND && o->family > 0)) {
		int logged = svc_log_denied(s, &c->user, o->family, c->path_id, c->now, "history");
		return logged ? logged : err;
	}
	if (err == ERR_OK)
		err = svc_log_access(s, &c->user, o->family, c->path_id, c->now, "history");
	return err;
}

static void ep_messages(struct call *c)
{
	if (api_auth(c))
		return;
	struct history_op o = {.c = c, .limit = 50};
	if (query_int(c->req->query, "before", 1, &o.before) ||
	    query_int(c->req->query, "limit", 1, &o.limit)) {
		fail(c, ERR_BAD_REQUEST, "before and limit must be positive integers.");
		return;
	}
	if (o.limit > CODEC_SYNC_LIMIT_MAX)
		o.limit = CODEC_SYNC_LIMIT_MAX;
	int err = svc_in_tx(c->ctx->store, history_op, &o);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_http_messages(&o.msgs, o.more));
	msg_list_free(&o.msgs);
}

struct log_open_op {
	struct call *c;
	bool access_log;
	const char *what;
};

static int log_open_op(struct store *s, void *arg)
{
	struct log_open_op *o = arg;
	return svc_log_open(s, &o->c->user, o->c->path_id, o->access_log, o->what, o->c->now);
}

/* The read, checked and in the log before anything is shown; answered
 * when refused.  *upto is the newest row before it: what is shown ends
 * there, so a read never shows the row that records it. */
static bool log_opened(struct call *c, bool access_log, const char *what, int64_t *upto)
{
	struct log_open_op o = {.c = c, .access_log = access_log, .what = what};
	int err = svc_log_end(c->ctx->store, upto);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, log_open_op, &o);
	if (err)
		fail(c, err, NULL);
	return err == ERR_OK;
}

struct conv_op {
	struct call *c;
	struct req_conv_create in;
	struct conv out;
	const char *why;
};

static int conv_op(struct store *s, void *arg)
{
	struct conv_op *o = arg;
	struct call *c = o->c;
	return svc_conv_create(s, &c->user, o->in.family, o->in.title, o->in.members,
	                       o->in.n_members, c->now, &o->out, &o->why);
}

static void ep_conv_create(struct call *c)
{
	if (api_auth(c))
		return;
	struct conv_op o = {.c = c};
	int err = codec_decode_conv_create(c->req->body, c->req->body_len, &o.in, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, conv_op, &o);
	if (err) {
		fail(c, err, o.why);
	} else {
		c->resp->created_conv = o.out.id;
		respond(c, 201, codec_encode_conv(&o.out));
	}
	conv_clear(&o.out);
	codec_conv_create_free(&o.in);
}

struct invite_op {
	struct call *c;
	struct req_invite in;
	char code[AUTH_INVITE_LEN + 1];
	char masked[48];
	int64_t expires_at;
	struct store_user member;
	const char *why;
};

static int invite_op(struct store *s, void *arg)
{
	struct invite_op *o = arg;
	struct call *c = o->c;
	if (o->in.by_sms)
		return svc_invite_by_sms(s, &c->ctx->policy, &c->user, o->in.member, c->now,
		                         &o->expires_at, o->masked, &o->why);
	return svc_invite(s, &c->ctx->policy, &c->user, o->in.member, 0, c->now, o->code,
	                  &o->expires_at, &o->member, &o->why);
}

static void ep_invite(struct call *c)
{
	if (api_auth(c))
		return;
	struct invite_op o = {.c = c};
	int err = codec_decode_invite(c->req->body, c->req->body_len, &o.in, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, invite_op, &o);
	if (err) {
		fail(c, err, o.why);
	} else if (o.in.by_sms) {
		c->resp->sms = 1;
		respond(c, 201, codec_encode_invite_sms(o.masked, o.expires_at));
	} else {
		respond(c, 201, codec_encode_invite(o.code, o.expires_at));
	}
}

/* The log endpoints' JSON pages: without a limit, 500 entries; at most 1000. */
#define LOG_PAGE_DEFAULT 500
#define LOG_PAGE_MAX     1000

struct log_q {
	int64_t from, to; /* 0: unbounded */
	int64_t after;    /* the cursor: entries with a higher id */
	int64_t limit;    /* of a JSON page */
	bool csv;
	bool family_only; /* scope=family: without the staff's sign-ins */
	char kinds[160];  /* kind=message,note ("": all) */
};

/* kind=: kind names (a-z) separated by commas. */
static bool kinds_ok(const char *k)
{
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || *k == ',' || *k == '_')) /* hold_lifted */
			return false;
	return true;
}

/* The query of the log endpoints: from, to, format, after and limit; false
 * (answered bad_request) when one is wrong. */
static bool log_query(struct call *c, struct log_q *q)
{
	char format[8] = "json", scope[8] = "all";
	*q = (struct log_q){.limit = LOG_PAGE_DEFAULT};
	query_get(c->req->query, "format", format, sizeof format);
	query_get(c->req->query, "scope", scope, sizeof scope);
	q->csv = strcmp(format, "csv") == 0;
	q->family_only = strcmp(scope, "family") == 0;
	bool kinds_fit = !query_get(c->req->query, "kind", q->kinds, sizeof q->kinds) ||
	                 strlen(q->kinds) < sizeof q->kinds - 1;
	if (query_ts(c->req->query, "from", &q->from) || query_ts(c->req->query, "to", &q->to) ||
	    query_int(c->req->query, "after", 0, &q->after) ||
	    query_int(c->req->query, "limit", 1, &q->limit) ||
	    (!q->csv && strcmp(format, "json") != 0) ||
	    (!q->family_only && strcmp(scope, "all") != 0) || !kinds_fit || !kinds_ok(q->kinds)) {
		fail(c, ERR_BAD_REQUEST,
		     "from/to must be RFC 3339 times, after and limit integers; format json or "
		     "csv; scope all or family; kind names joined by commas.");
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
	int64_t upto;
	if (!log_opened(c, false, q.csv ? "log export csv" : "log", &upto))
		return;
	struct store *s = c->ctx->store;
	struct api_stream *st = NULL;
	struct log_list entries = {0};
	struct store_log_range r = {.family = c->path_id,
	                            .from = q.from,
	                            .to = q.to,
	                            .after = q.after,
	                            .upto = upto,
	                            .limit = (int)q.limit + 1, /* one more: is there a next? */
	                            .family_only = q.family_only};
	memcpy(r.kinds, q.kinds, sizeof r.kinds);
	int err = q.csv      ? export_log_csv(&c->user, c->path_id, q.from, q.to, upto, &st)
	          : upto > 0 ? svc_log_page(s, &c->user, &r, &entries)
	                     : ERR_OK; /* the log was empty */
	if (err) {
		fail(c, err, NULL);
	} else if (q.csv) {
		respond_csv(c, st, "log");
		st = NULL;
	} else {
		int64_t next = 0;
		if (entries.n > (size_t)q.limit) {
			entries.n--;
			free(entries.v[entries.n].detail);
			free(entries.v[entries.n].text);
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
	int64_t upto;
	if (!log_opened(c, true, q.csv ? "access log csv" : "access log", &upto))
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
	                            .upto = upto,
	                            .limit = (int)q.limit + 1};
	int err = entries == NULL ? ERR_INTERNAL
	          : q.csv     ? export_access_log_csv(&c->user, c->path_id, q.from, q.to, upto, &st)
	          : upto == 0 ? ERR_OK /* the log was empty */
	                      : access_log_page_json(s, &c->user, &r, entries, &n, &last);
	if (err == ERR_OK && n > (size_t)q.limit) {
		json_array_remove(entries, n - 1);
		next = json_integer_value(json_object_get(json_array_get(entries, n - 2), "id"));
	}
	if (err) {
		fail(c, err, NULL);
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

struct devices_op {
	struct call *c;
	struct device_list list;
};

static int devices_op(struct store *s, void *arg)
{
	struct devices_op *o = arg;
	return svc_devices(s, &o->c->user, o->c->path_id, o->c->now, &o->list);
}

/* The family's enrolled phones: all of them for the pair or an admin, a
 * member's own for a member. */
static void ep_devices(struct call *c)
{
	if (api_auth(c))
		return;
	struct devices_op o = {.c = c};
	int err = svc_in_tx(c->ctx->store, devices_op, &o);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_devices(&o.list));
	device_list_free(&o.list);
}

struct revoke_op {
	struct call *c;
	struct store_device dev;
	struct store_user owner;
	bool already;
};

static int revoke_op(struct store *s, void *arg)
{
	struct revoke_op *o = arg;
	return svc_device_revoke(s, &o->c->user, o->c->path_id, o->c->now, &o->dev, &o->owner,
	                         &o->already);
}

static void ep_device_delete(struct call *c)
{
	if (api_auth(c))
		return;
	struct revoke_op o = {.c = c};
	int err = svc_in_tx(c->ctx->store, revoke_op, &o);
	if (err) {
		fail(c, err, NULL);
		return;
	}
	c->resp->close_device_id = o.dev.id;
	respond(c, 204, NULL);
}

struct rename_op {
	struct call *c;
	char *name;
	const char *why;
};

static int rename_op(struct store *s, void *arg)
{
	struct rename_op *o = arg;
	return svc_device_rename(s, &o->c->user, o->c->path_id, o->name, o->c->now);
}

static void ep_device_rename(struct call *c)
{
	if (api_auth(c))
		return;
	struct rename_op o = {.c = c};
	int err = codec_decode_device_name(c->req->body, c->req->body_len, &o.name, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, rename_op, &o);
	if (err)
		fail(c, err, o.why);
	else
		respond(c, 204, NULL);
	free(o.name);
}

struct push_op {
	struct call *c;
	struct req_push_sub in;
	int64_t id;
	const char *why;
};

static int push_subscribe_op(struct store *s, void *arg)
{
	struct push_op *o = arg;
	struct call *c = o->c;
	return svc_push_subscribe(s, &c->ctx->policy, &c->user, &c->token, o->in.endpoint,
	                          o->in.p256dh, o->in.auth, o->in.lang, c->now, &o->id, &o->why);
}

/* Web Push for this sign-in (issue 12): the browser's PushSubscription. */
static void ep_push_subscribe(struct call *c)
{
	if (api_auth(c))
		return;
	struct push_op o = {.c = c};
	int err = codec_decode_push_sub(c->req->body, c->req->body_len, &o.in, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, push_subscribe_op, &o);
	if (err)
		fail(c, err, o.why);
	else
		respond(c, 201, codec_encode_id(o.id));
	codec_push_sub_free(&o.in);
}

static int push_unsubscribe_op(struct store *s, void *arg)
{
	struct call *c = arg;
	return svc_push_unsubscribe(s, &c->user, c->path_id);
}

static void ep_push_unsubscribe(struct call *c)
{
	if (api_auth(c))
		return;
	int err = svc_in_tx(c->ctx->store, push_unsubscribe_op, c);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 204, NULL);
}

/* ---- SMS from Kannel (issue 13) -------------------------------------------------- */

#define SMS_TEXT_MAX 8192 /* bytes of UTF-8: ten concatenated parts and to spare */

struct sms_in_op {
	char from[64], id[80];
	char *text;
	int64_t now;
	struct svc_sent out;
};

static int sms_in_op(struct store *s, void *arg)
{
	struct sms_in_op *o = arg;
	return svc_sms_received(s, o->from, o->text, o->id, o->now, &o->out);
}

/* Kannel calls often (an SMS in, two delivery reports per SMS out): their
 * writes join the writer's group commit instead of an fsync each. */
static int in_tx_grouped(struct call *c, int (*op)(struct store *s, void *arg), void *arg)
{
	if (c->ctx->grouped == NULL)
		return svc_in_tx(c->ctx->store, op, arg);
	return c->ctx->grouped(c->ctx->hub, op, arg);
}

/* The same length whatever differs: the secret is not guessed a byte at a time. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = (unsigned char)(la != lb);
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return d == 0;
}

/* Kannel's text in UTF-8: as it is (mo-recode makes UCS-2 UTF-8), or from
 * ISO-8859-1; anything else is refused. */
static char *sms_text_utf8(const char *raw, const char *charset)
{
	if (charset[0] == '\0' || strcasecmp(charset, "UTF-8") == 0)
		return text_utf8_valid(raw, strlen(raw)) ? strdup(raw) : NULL;
	if (strcasecmp(charset, "ISO-8859-1") != 0 && strcasecmp(charset, "WINDOWS-1252") != 0)
		return NULL;
	char *out = malloc(2 * strlen(raw) + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)raw; out && *p; p++) {
		if (*p < 0x80) {
			*o++ = (char)*p;
		} else {
			*o++ = (char)(0xC0 | (*p >> 6));
			*o++ = (char)(0x80 | (*p & 0x3F));
		}
	}
	if (out)
		*o = '\0';
	return out;
}

/* GET /sms/kannel?secret=S&from=%p&text=%b&charset=%C&id=%I: an SMS from a
 * phone, handed over by Kannel's get-url.  Only from sms_allow, only with
 * the secret; answered 200 only once its message is committed, so Kannel
 * keeps and retries an SMS that was not. */
/* Only Kannel calls the /sms/ endpoints: from sms_allow, with the secret;
 * false (answered) for anyone else. */
static bool from_sms_gateway(struct call *c)
{
	char secret[256] = "";
	if (c->ctx->sms_secret == NULL) {
		fail(c, ERR_NOT_FOUND, NULL);
		return false;
	}
	if (!api_addr_allowed(c->req->peer_addr, c->ctx->sms_allow)) {
		fail(c, ERR_FORBIDDEN, "Not from the SMS gateway's address.");
		return false;
	}
	query_get(c->req->query, "secret", secret, sizeof secret);
	if (!same_secret(secret, c->ctx->sms_secret)) {
		fail(c, ERR_UNAUTHORIZED, "The SMS gateway's secret is wrong.");
		return false;
	}
	c->resp->proven = true;
	return true;
}

static void ep_sms_in(struct call *c)
{
	const char *q = c->req->query;
	char charset[32] = "";
	struct sms_in_op o = {.now = c->now};
	if (!from_sms_gateway(c))
		return;
	char *raw = malloc(SMS_TEXT_MAX);
	if (raw == NULL || !query_get(q, "from", o.from, sizeof o.from) ||
	    !query_get(q, "id", o.id, sizeof o.id) || !query_get(q, "text", raw, SMS_TEXT_MAX)) {
		free(raw);
		fail(c, ERR_BAD_REQUEST, "from, text and id are required.");
		return;
	}
	query_get(q, "charset", charset, sizeof charset);
	o.text = sms_text_utf8(raw, charset);
	free(raw);
	int err = o.text ? in_tx_grouped(c, sms_in_op, &o) : ERR_BAD_REQUEST;
	if (err) {
		fail(c, err, o.text ? NULL : "The text is not UTF-8 or ISO-8859-1.");
	} else {
		c->resp->sms = o.out.sms;
		if (o.out.msg.id && !o.out.duplicate) {
			c->resp->notice = codec_encode_message(&o.out.msg);
			c->resp->notice_to = o.out.rcpt;
			o.out.rcpt = (struct route_set){0};
			if (o.out.wait.changed) {
				c->resp->waiting =
				    codec_encode_waiting(NULL, o.out.wait.conv, &o.out.wait.state);
				c->resp->waiting_to = o.out.wait.staff;
				o.out.wait.staff = (struct route_set){0};
			}
			c->resp->pushes = o.out.pushes;
		}
		respond(c, 200, codec_encode_id(o.out.msg.id));
	}
	svc_sent_clear(&o.out);
	free(o.text);
}

struct sms_report_op {
	int64_t id, type, now;
	char answer[96];
	struct sms_status st;
	bool moved;
	struct route_set staff;
};

static int sms_report_op(struct store *s, void *arg)
{
	struct sms_report_op *o = arg;
	return svc_sms_report(s, o->id, (int)o->type, o->answer, o->now, &o->st, &o->moved,
	                      &o->staff);
}

/* GET /sms/kannel/dlr?secret=S&id=N&type=%d&answer=%A: a delivery report
 * for SMS N (the dlr-url core/kannel gives each SMS).  Its staff see the
 * new state at once. */
static void ep_sms_dlr(struct call *c)
{
	struct sms_report_op o = {.now = c->now};
	if (!from_sms_gateway(c))
		return;
	if (query_int(c->req->query, "id", 1, &o.id) || o.id == 0 ||
	    query_int(c->req->query, "type", 0, &o.type)) {
		fail(c, ERR_BAD_REQUEST, "id and type are required.");
		return;
	}
	query_get(c->req->query, "answer", o.answer, sizeof o.answer);
	int err = in_tx_grouped(c, sms_report_op, &o);
	if (err) {
		fail(c, err, NULL);
		return;
	}
	if (o.moved && o.staff.n > 0) {
		c->resp->notice = codec_encode_sms(&o.st);
		c->resp->notice_to = o.staff;
		o.staff = (struct route_set){0};
	}
	route_set_free(&o.staff);
	respond(c, 200, codec_encode_id(o.id));
}

struct sms_list_op {
	struct call *c;
	int64_t before;
	struct sms_view view;
};

static int sms_list_op(struct store *s, void *arg)
{
	struct sms_list_op *o = arg;
	struct call *c = o->c;
	return svc_sms_list(s, &c->user, c->path_id, o->before, c->ctx->policy.sms_full_text,
	                    c->now, &o->view);
}

/* The SMS of a conversation, the newest first (staff show them under the
 * messages they were made of). */
static void ep_conv_sms(struct call *c)
{
	if (api_auth(c))
		return;
	struct sms_list_op *o = calloc(1, sizeof *o);
	if (o == NULL) {
		fail(c, ERR_INTERNAL, NULL);
		return;
	}
	o->c = c;
	int err = query_int(c->req->query, "before", 1, &o->before)
	              ? ERR_BAD_REQUEST
	              : svc_in_tx(c->ctx->store, sms_list_op, o);
	if (err)
		fail(c, err, err == ERR_BAD_REQUEST ? "before must be a positive integer." : NULL);
	else
		respond(c, 200, codec_encode_sms_view(&o->view));
	free(o);
}

struct member_sms_op {
	struct call *c;
	struct svc_sms_change chg;
	struct member_sms out;
	const char *why;
};

static int member_sms_op(struct store *s, void *arg)
{
	struct member_sms_op *o = arg;
	struct call *c = o->c;
	if (strcmp(c->req->method, "GET") == 0)
		return svc_member_sms(s, &c->user, c->path_id, c->now, &o->out);
	return svc_member_sms_set(s, &c->user, c->path_id, &o->chg, c->now, &o->out, &o->why);
}

/* A family member's phone number and SMS channel: read (GET) or set (PUT). */
static void ep_member_sms(struct call *c)
{
	if (api_auth(c))
		return;
	struct member_sms_op o = {.c = c};
	struct req_member_sms in = {.consent = -1};
	int err = ERR_OK;
	if (strcmp(c->req->method, "PUT") == 0)
		err = codec_decode_member_sms(c->req->body, c->req->body_len, &in, &o.why);
	o.chg = (struct svc_sms_change){
	    .phone = in.phone, .channel = in.channel, .consent = in.consent, .resume = in.resume};
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, member_sms_op, &o);
	if (err)
		fail(c, err, o.why);
	else
		respond(c, 200, codec_encode_member_sms(&o.out));
	free(in.phone);
}

struct quiet_op {
	struct call *c;
	int start, end;
};

static int quiet_set_op(struct store *s, void *arg)
{
	struct quiet_op *o = arg;
	return svc_quiet_hours_set(s, &o->c->user, o->c->path_id, o->start, o->end, o->c->now);
}

/* The family's quiet hours: read (GET) or set (PUT). */
static void ep_quiet_hours(struct call *c)
{
	if (api_auth(c))
		return;
	struct quiet_op o = {.c = c};
	const char *why = NULL;
	int err = ERR_OK;
	if (strcmp(c->req->method, "PUT") == 0 &&
	    ((err = codec_decode_quiet_hours(c->req->body, c->req->body_len, &o.start, &o.end,
	                                     &why)) != ERR_OK ||
	     (err = svc_in_tx(c->ctx->store, quiet_set_op, &o)) != ERR_OK)) {
		fail(c, err, why);
		return;
	}
	if ((err = svc_quiet_hours(c->ctx->store, &c->user, c->path_id, &o.start, &o.end)) !=
	    ERR_OK)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_quiet_hours(o.start, o.end));
}

struct content_op {
	struct call *c;
	enum push_content content;
};

static int content_set_op(struct store *s, void *arg)
{
	struct content_op *o = arg;
	return svc_push_content_set(s, &o->c->user, o->content, o->c->now);
}

/* What the caller's own notifications show: read (GET) or set (PUT). */
static void ep_push_content(struct call *c)
{
	if (api_auth(c))
		return;
	struct content_op o = {.c = c};
	const char *why = NULL;
	int err = ERR_OK;
	if (strcmp(c->req->method, "PUT") == 0 &&
	    ((err = codec_decode_push_content(c->req->body, c->req->body_len, &o.content, &why)) !=
	         ERR_OK ||
	     (err = svc_in_tx(c->ctx->store, content_set_op, &o)) != ERR_OK)) {
		fail(c, err, why);
		return;
	}
	if ((err = svc_push_content(c->ctx->store, &c->user, &o.content)) != ERR_OK)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_push_content(o.content));
}

/* An adviser's own absence (issue 15): read, set, or ended early. */
struct absence_op {
	struct call *c;
	struct absence in, out;
};

static int absence_op(struct store *s, void *arg)
{
	struct absence_op *o = arg;
	struct call *c = o->c;
	if (strcmp(c->req->method, "DELETE") == 0)
		return svc_absence_clear(s, &c->user, c->now);
	return svc_absence_set(s, &c->user, &o->in, c->now, &o->out);
}

static void ep_absence(struct call *c)
{
	if (api_auth(c))
		return;
	struct absence_op o = {.c = c};
	const char *why = NULL;
	int err = ERR_OK;
	bool get = strcmp(c->req->method, "GET") == 0, put = strcmp(c->req->method, "PUT") == 0;
	if (put)
		err = codec_decode_absence(c->req->body, c->req->body_len, &o.in, &why);
	if (err == ERR_OK)
		err = get ? svc_absence_get(c->ctx->store, &c->user, c->now, &o.out)
		          : svc_in_tx(c->ctx->store, absence_op, &o);
	if (err == ERR_BAD_REQUEST && why == NULL)
		why = "An absence ends after it starts, later than now, within a year.";
	if (err)
		fail(c, err, why);
	else if (put || get)
		respond(c, 200, codec_encode_absence(&o.out));
	else
		respond(c, 204, NULL);
}

/* A family handed over to a new pair (an admin or a leader of its team), or
 * its coordinator chosen (a member; issue 15): the system message that
 * tells it goes out, and the conversation's new pair to everyone in it. */
struct pair_op {
	struct call *c;
	int64_t ids[2];
	bool changed;
	struct msg notice;
	const char *why;
};

static int pair_op(struct store *s, void *arg)
{
	struct pair_op *o = arg;
	struct call *c = o->c;
	if (strstr(c->req->path, "/coordinator"))
		return svc_coordinator_choose(s, &c->user, c->path_id, o->ids[0], c->now,
		                              &o->notice);
	return svc_pair_set(s, &c->user, c->path_id, o->ids[0], o->ids[1], c->now, &o->changed,
	                    &o->notice, &o->why);
}

static void ep_pair(struct call *c)
{
	static const char *const pair_keys[] = {"primary", "secondary"}, *const chosen_keys[] = {
	                                                                     "adviser"};
	if (api_auth(c))
		return;
	bool chosen = strstr(c->req->path, "/coordinator") != NULL;
	struct pair_op o = {.c = c};
	int err = codec_decode_ids(c->req->body, c->req->body_len, chosen ? chosen_keys : pair_keys,
	                           o.ids, chosen ? 1 : 2, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, pair_op, &o);
	if (err) {
		fail(c, err,
		     err == ERR_BAD_REQUEST && o.why == NULL ? "Not one of the family's pair."
		                                             : o.why);
	} else {
		if (o.notice.id > 0) {
			notice_out(c, &o.notice);
			if (svc_audience(c->ctx->store, &o.notice, &c->resp->notice_to) != ERR_OK) {
				free(c->resp->notice); /* no fan-out: clients see it at their next
				                          sync */
				c->resp->notice = NULL;
			}
			c->resp->created_conv = o.notice.conv; /* CONV.primary/secondary anew */
		}
		respond(c, 204, NULL);
	}
	msg_clear(&o.notice);
}

/* The team's meeting about the family held (issue 15). */
static int meeting_op(struct store *s, void *arg)
{
	struct call *c = arg;
	return svc_meeting_held(s, &c->user, c->path_id, c->now);
}

static void ep_meeting(struct call *c)
{
	if (api_auth(c))
		return;
	int err = svc_in_tx(c->ctx->store, meeting_op, c);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_met(c->now));
}

/* A family's case record (issue 16): read; closed, reopened; the case
 * file's export confirmed filed; a legal hold set and lifted.  Each change
 * answers with the record as it is now. */
struct record_op {
	struct call *c;
	struct req_record in;
	enum { REC_CLOSE, REC_REOPEN, REC_FILED, REC_HOLD, REC_UNHOLD } what;
};

static int record_op(struct store *s, void *arg)
{
	struct record_op *o = arg;
	struct call *c = o->c;
	int64_t f = c->path_id;
	switch (o->what) {
	case REC_CLOSE:
		return svc_case_close(s, &c->user, f, o->in.reason, c->now);
	case REC_REOPEN:
		return svc_case_reopen(s, &c->user, f, c->now);
	case REC_FILED:
		return svc_case_filed(s, &c->user, f, o->in.upto, c->now);
	case REC_HOLD:
		return svc_hold_set(s, &c->user, f, o->in.reason, c->now);
	default:
		return svc_hold_lift(s, &c->user, f, o->in.reason, c->now);
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Which change the method and path ask for; -1 for a read. */
static int record_change(const struct api_request *req)
{
	bool del = strcmp(req->method, "DELETE") == 0;
	if (strcmp(req->method, "GET") == 0)
		return -1;
	if (ends_with(req->path, "/close"))
		return REC_CLOSE;
	if (ends_with(req->path, "/reopen"))
		return REC_REOPEN;
	if (ends_with(req->path, "/filed"))
		return REC_FILED;
	return del ? REC_UNHOLD : REC_HOLD;
}

static void ep_record(struct call *c)
{
	if (api_auth(c))
		return;
	struct record_op o = {.c = c};
	struct svc_record r;
	const char *why = NULL;
	int what = record_change(c->req), err = ERR_OK;
	if (what >= 0) {
		o.what = what;
		err = codec_decode_record_change(c->req->body, c->req->body_len,
		                                 what == REC_HOLD || what == REC_UNHOLD,
		                                 what == REC_FILED, &o.in, &why);
		if (err == ERR_OK)
			err = svc_in_tx(c->ctx->store, record_op, &o);
		if (err == ERR_BAD_REQUEST && why == NULL)
			why = "The export can be confirmed filed up to now, not later.";
	}
	if (err == ERR_OK)
		err = svc_record_get(c->ctx->store, &c->user, c->path_id, &c->ctx->retention,
		                     c->now, &r);
	if (err)
		fail(c, err, why);
	else
		respond(c, 200, codec_encode_record(c->path_id, &r.r, &r.plan, r.due));
}

/* A member's requests for erasure or restriction (issue 16): listed and
 * recorded on the family, answered by id. */
struct request_op {
	struct call *c;
	struct data_request r;
};

static int request_record_op(struct store *s, void *arg)
{
	struct request_op *o = arg;
	return svc_request_record(s, &o->c->user, &o->r, o->c->now);
}

static int request_answer_op(struct store *s, void *arg)
{
	struct request_op *o = arg;
	return svc_request_answer(s, &o->c->user, &o->r, o->c->now);
}

static void ep_requests(struct call *c)
{
	if (api_auth(c))
		return;
	const char *why = NULL;
	if (strcmp(c->req->method, "GET") == 0) {
		struct data_request *v = calloc(REQUESTS_LISTED, sizeof *v);
		size_t n = 0;
		int err = v ? svc_requests(c->ctx->store, &c->user, c->path_id, c->now, v, &n)
		            : ERR_INTERNAL;
		if (err)
			fail(c, err, NULL);
		else
			respond(c, 200, codec_encode_requests(v, n));
		free(v);
		return;
	}
	struct request_op *o = calloc(1, sizeof *o);
	int err =
	    o ? codec_decode_request(c->req->body, c->req->body_len, &o->r, &why) : ERR_INTERNAL;
	if (err == ERR_OK) {
		o->c = c;
		o->r.family = c->path_id;
		err = svc_in_tx(c->ctx->store, request_record_op, o);
	}
	if (err == ERR_BAD_REQUEST && why == NULL)
		why = "The member must be of the family; kind erasure or restriction; received_at "
		      "not in the future.";
	if (err)
		fail(c, err, why);
	else
		respond(c, 201, codec_encode_request(&o->r));
	free(o);
}

static void ep_request_answer(struct call *c)
{
	if (api_auth(c))
		return;
	const char *why = NULL;
	struct request_op *o = calloc(1, sizeof *o);
	int err = ERR_INTERNAL;
	if (o) {
		o->c = c;
		o->r.id = c->path_id;
		err = codec_decode_request_answer(c->req->body, c->req->body_len, &o->r, &why);
	}
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, request_answer_op, o);
	if (err == ERR_CONFLICT && why == NULL)
		why =
		    "Answered already, or an erasure before the case file has the journal export: "
		    "confirm it filed first.";
	if (err)
		fail(c, err, why);
	else
		respond(c, 200, codec_encode_request(&o->r));
	free(o);
}

/* A family member's own view (issue 16): who has read the family's data,
 * and their own data to download. */
static void ep_my_access(struct call *c)
{
	int64_t after = 0, limit = MINE_PAGE_ROWS;
	if (api_auth(c))
		return;
	if (query_int(c->req->query, "after", 0, &after) ||
	    query_int(c->req->query, "limit", 1, &limit)) {
		fail(c, ERR_BAD_REQUEST, "after and limit must be integers.");
		return;
	}
	char *body;
	int err = mine_access_page(c->ctx->store, &c->user, after,
	                           (int)(limit < MINE_PAGE_ROWS ? limit : MINE_PAGE_ROWS),
	                           c->ctx->access_names, &body);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, body);
}

static void ep_my_data(struct call *c)
{
	struct api_stream *st;
	if (api_auth(c))
		return;
	int err = mine_data_stream(c->ctx->store, &c->user, c->now, &st);
	if (err) {
		fail(c, err, NULL);
		return;
	}
	c->resp->stream = st;
	api_stream_next(c->ctx->store, c->resp);
	if (c->resp->stream_failed) {
		api_response_free(c->resp);
		fail(c, ERR_INTERNAL, NULL);
		return;
	}
	char day[32];
	text_format_ts(c->now, day);
	day[10] = '\0';
	c->resp->status = 200;
	c->resp->content_type = "application/json; charset=utf-8";
	snprintf(c->resp->disposition, sizeof c->resp->disposition,
	         "attachment; filename=\"indgang-mine-data-%s.json\"", day);
}

/* A team's reply templates (issue 15): listed, added, changed, removed. */
struct template_op {
	struct call *c;
	struct template t;
};

static int template_op(struct store *s, void *arg)
{
	struct template_op *o = arg;
	struct call *c = o->c;
	if (strcmp(c->req->method, "DELETE") == 0)
		return svc_template_delete(s, &c->user, c->path_id);
	return svc_template_save(s, &c->user, &o->t, c->now);
}

static void ep_templates(struct call *c)
{
	struct template_list l = {0};
	if (api_auth(c))
		return;
	int err = svc_templates(c->ctx->store, &c->user, &l);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_templates(&l));
	template_list_free(&l);
}

static void ep_my_teams(struct call *c)
{
	struct team_ref v[DOMAIN_TEAMS_MAX];
	int n;
	if (api_auth(c))
		return;
	int err = svc_my_teams(c->ctx->store, &c->user, v, &n);
	if (err)
		fail(c, err, NULL);
	else
		respond(c, 200, codec_encode_teams(v, n));
	svc_teams_clear(v, n);
}

static void ep_template_write(struct call *c)
{
	if (api_auth(c))
		return;
	struct template_op o = {.c = c};
	const char *why = NULL;
	bool del = strcmp(c->req->method, "DELETE") == 0, add = strcmp(c->req->method, "POST") == 0;
	int err = del ? ERR_OK : codec_decode_template(c->req->body, c->req->body_len, &o.t, &why);
	if (add)
		o.t.team_id = c->path_id;
	else
		o.t.id = c->path_id;
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, template_op, &o);
	if (err == ERR_BAD_REQUEST && why == NULL)
		why = "The language is one of da, en, ar, fa, tr, uk, so.";
	if (err)
		fail(c, err, err == ERR_CONFLICT ? "A team keeps at most 200 templates." : why);
	else if (del)
		respond(c, 204, NULL);
	else
		respond(c, add ? 201 : 200, codec_encode_template(&o.t));
	free(o.t.body);
}

enum sched_what { SCHED_CREATE, SCHED_EDIT, SCHED_CANCEL, SCHED_LIST };

struct sched_op {
	struct call *c;
	enum sched_what what;
	struct req_schedule in;
	struct sched out;
	struct sched_list list;
	const char *why;
};

static int sched_op(struct store *s, void *arg)
{
	struct sched_op *o = arg;
	struct call *c = o->c;
	struct route_set *staff = &c->resp->notice_to;
	switch (o->what) {
	case SCHED_CREATE:
		return svc_schedule(s, &c->user, c->path_id, o->in.body, o->in.client_id,
		                    o->in.send_at, c->now, &o->out, staff);
	case SCHED_EDIT:
		return svc_schedule_edit(s, &c->user, c->path_id, o->in.body, o->in.send_at,
		                         o->in.seen_at, c->now, &o->out, staff, &o->why);
	case SCHED_CANCEL:
		return svc_schedule_cancel(s, &c->user, c->path_id, c->now, &o->out, staff);
	case SCHED_LIST:
		return svc_scheduled_list(s, &c->user, c->path_id, c->now, &o->list);
	}
	return ERR_INTERNAL;
}

/* Messages to be sent later: written, changed or cancelled by the pair,
 * listed for the pair and team; every change reaches the staff's open
 * clients as a `scheduled` frame. */
static void sched_call(struct call *c, enum sched_what what)
{
	if (api_auth(c))
		return;
	struct sched_op o = {.c = c, .what = what};
	int err = ERR_OK;
	if (what == SCHED_CREATE || what == SCHED_EDIT)
		err = codec_decode_schedule(c->req->body, c->req->body_len, what == SCHED_EDIT,
		                            &o.in, &o.why);
	if (err == ERR_OK)
		err = svc_in_tx(c->ctx->store, sched_op, &o);
	if (err) {
		fail(c, err, o.why);
	} else if (what == SCHED_LIST) {
		respond(c, 200, codec_encode_sched_list(&o.list));
	} else {
		c->resp->notice = codec_encode_scheduled(&o.out);
		respond(c, what == SCHED_CREATE ? 201 : 200, codec_encode_sched(&o.out));
	}
	sched_clear(&o.out);
	sched_list_free(&o.list);
	codec_schedule_free(&o.in);
}

static void ep_sched_create(struct call *c)
{
	sched_call(c, SCHED_CREATE);
}

static void ep_sched_list(struct call *c)
{
	sched_call(c, SCHED_LIST);
}

static void ep_sched_edit(struct call *c)
{
	sched_call(c, SCHED_EDIT);
}

static void ep_sched_cancel(struct call *c)
{
	sched_call(c, SCHED_CANCEL);
}

/* The key browsers subscribe with: public, so no sign-in is needed. */
static void ep_push_key(struct call *c)
{
	if (c->ctx->push_public_key == NULL) {
		fail(c, ERR_NOT_FOUND, "This gateway has no push key (indgang-admin push-key).");
		return;
	}
	respond(c, 200, codec_encode_push_key(c->ctx->push_public_key));
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
	svc_db_figures(c->ctx->store, &x.db_bytes, &x.wal_bytes, &x.schema_version);
	char *text = metrics_render(c->ctx->metrics, &x);
	respond(c, 200, text);
	if (text != NULL)
		c->resp->content_type = METRICS_CONTENT_TYPE;
}

/* ---- Photos and documents (upload.h) ----------------------------------------- */

static void ep_upload(struct call *c)
{
	char name[4 * DOMAIN_FILE_NAME_MAX];
	if (api_auth(c))
		return;
	if (!query_get(c->req->query, "name", name, sizeof name))
		name[0] = '\0';
	api_upload_open(c->ctx, &c->user, c->req, name, c->now, c->resp);
}

static void ep_attachment(struct call *c)
{
	if (api_auth(c) == ERR_OK)
		api_download(c->ctx, &c->user, c->path_id, false, c->now, c->resp);
}

static void ep_attachment_thumb(struct call *c)
{
	if (api_auth(c) == ERR_OK)
		api_download(c->ctx, &c->user, c->path_id, true, c->now, c->resp);
}

bool api_streams_body(const char *method, const char *path)
{
	return strcmp(method, "POST") == 0 && strcmp(path, "/api/uploads") == 0;
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
    {"POST", "/api/unlock", NULL, ep_unlock},
    {"GET", "/sms/kannel", NULL, ep_sms_in},
    {"GET", "/sms/kannel/dlr", NULL, ep_sms_dlr},
    {"GET", "/api/conversations/", "/sms", ep_conv_sms},
    {"GET", "/api/members/", "/sms", ep_member_sms},
    {"PUT", "/api/members/", "/sms", ep_member_sms},
    {"GET", "/api/me/unread", NULL, ep_unread},
    {"PUT", "/api/devices/", "", ep_device_rename},
    {"GET", "/api/push/key", NULL, ep_push_key},
    {"POST", "/api/push/subscriptions", NULL, ep_push_subscribe},
    {"GET", "/api/families/", "/quiet-hours", ep_quiet_hours},
    {"PUT", "/api/families/", "/quiet-hours", ep_quiet_hours},
    {"DELETE", "/api/push/subscriptions/", "", ep_push_unsubscribe},
    {"GET", "/api/me/notifications", NULL, ep_push_content},
    {"PUT", "/api/me/notifications", NULL, ep_push_content},
    {"GET", "/api/me/absence", NULL, ep_absence},
    {"PUT", "/api/me/absence", NULL, ep_absence},
    {"DELETE", "/api/me/absence", NULL, ep_absence},
    {"GET", "/api/me/templates", NULL, ep_templates},
    {"GET", "/api/me/teams", NULL, ep_my_teams},
    {"PUT", "/api/families/", "/pair", ep_pair},
    {"PUT", "/api/families/", "/coordinator", ep_pair},
    {"POST", "/api/families/", "/meeting", ep_meeting},
    {"POST", "/api/teams/", "/templates", ep_template_write},
    {"PUT", "/api/templates/", "", ep_template_write},
    {"DELETE", "/api/templates/", "", ep_template_write},
    {"GET", "/api/conversations/", "/scheduled", ep_sched_list},
    {"POST", "/api/conversations/", "/scheduled", ep_sched_create},
    {"PUT", "/api/scheduled/", "", ep_sched_edit},
    {"DELETE", "/api/scheduled/", "", ep_sched_cancel},
    {"POST", "/api/uploads", NULL, ep_upload},
    {"GET", "/api/attachments/", "", ep_attachment},
    {"GET", "/api/attachments/", "/thumb", ep_attachment_thumb},
    {"GET", "/api/families/", "/record", ep_record},
    {"GET", "/api/families/", "/requests", ep_requests},
    {"POST", "/api/families/", "/requests", ep_requests},
    {"PUT", "/api/requests/", "", ep_request_answer},
    {"GET", "/api/me/access", NULL, ep_my_access},
    {"GET", "/api/me/data", NULL, ep_my_data},
    {"POST", "/api/families/", "/close", ep_record},
    {"POST", "/api/families/", "/reopen", ep_record},
    {"PUT", "/api/families/", "/filed", ep_record},
    {"PUT", "/api/families/", "/hold", ep_record},
    {"DELETE", "/api/families/", "/hold", ep_record},
};

/* Matches path against a route; sets *id for routes with {id}. */
static bool path_match(const struct route *r, const char *path, int64_t *id)
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
		if (!path_match(&routes[i], req->path, &id))
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
	free(req->content_type);
	api_upload_destroy(req->upload);
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
	free(resp->notice);
	resp->notice = NULL;
	free(resp->file);
	resp->file = NULL;
	route_set_free(&resp->notice_to);
	free(resp->waiting);
	resp->waiting = NULL;
	route_set_free(&resp->waiting_to);
	resp->body_len = 0;
	if (resp->stream != NULL)
		resp->stream->destroy(resp->stream);
	resp->stream = NULL;
}
