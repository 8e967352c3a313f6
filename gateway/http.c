/*
 * http.c - the HTTP side of the one TLS port: every request becomes an
 * http_call that runs on a hub worker; the response is written from
 * HTTP_WRITEABLE, headers first and then the body in chunks, one lws_write
 * per callback.  Request bodies are capped at 64 KiB (413) and must arrive
 * whole within http_request_seconds of the headers (408, then closed).
 *
 * A streamed answer (an export, api_response.stream) goes out with
 * Transfer-Encoding: chunked: each chunk the worker made is written as
 * lws lets us, and only then is the next one asked for (http_call_more), so
 * a slow reader holds one chunk here and nothing on the workers.  A chunk
 * that could not be made ends the connection without the closing empty
 * chunk, so the client knows its file is incomplete; a reader that takes
 * nothing for GW_STREAM_STALL_S is cut off.
 *
 * An upload (POST /api/uploads, core/api/upload.h) starts its call at the
 * headers, and each piece of its body goes straight to its spool file as it
 * arrives; accepted, the call is finished once the body is whole, refused,
 * the answer goes out at once and the rest is dropped.  (Not lws's rx flow
 * control: lws 4.1 spins on a paused connection with bytes buffered.)  An
 * upload needs a Content-Length (411) and has http_request_seconds plus
 * its size at API_UPLOAD_MIN_RATE to arrive.
 *
 * Protocol 0 also sees every accepted socket first: the per-address limit
 * of connections not signed in (gateway/admit) is applied there, before TLS
 * (a WebSocket gives its place back when it signs in), and the
 * security headers every answer carries are the vhost's (gw_http_vhost_headers).
 */
#include "gateway.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "log.h"
#include "web.h"
#include "core/api/api.h"
#include "core/api/upload.h"
#include "core/codec/codec.h"
#include "core/common/err.h"

#define CHUNK 16384
/* A streamed answer whose reader took nothing for this long is dropped. */
#define GW_STREAM_STALL_S 60
/* A body this far over the limit is not read to its end. */
#define HTTP_BODY_DROP (256 * API_BODY_MAX) /* 16 MiB */

struct pss_http {
	struct http_call *call;
	struct api_request req; /* being filled until the call starts */
	bool started;
	bool too_large;            /* over API_BODY_MAX: answered with 413 */
	size_t received;           /* body bytes seen, kept or not */
	lws_usec_t deadline;       /* the body must be whole by then */
	struct api_response local; /* an answer the gateway gives itself */
	bool use_local;
	bool headers_sent;
	size_t sent;
	/* An upload (core/api/upload.h): its body goes into the request's
	 * api_upload (owned by the call) as it arrives. */
	bool streaming;
	struct api_upload *upload;
	bool body_done;    /* all of the body has arrived */
	bool accepted;     /* a worker accepted it from its headers ... */
	bool refused;      /* ... or refused it: the rest of the body is dropped */
	bool finishing;    /* all written: a worker makes the answer */
	size_t answer_len; /* a refusal's answer, to know when it is out */
	char peer[64];     /* for the log, once the request is the call's */
	int64_t length;    /* its Content-Length (-1: none) */
	int local_status;  /* the local answer's status, when not its error's */
};

size_t gw_http_pss_size(void)
{
	return sizeof(struct pss_http);
}

/* ---- Security headers ---------------------------------------------------------- */

/*
 * Added by lws to every answer of the vhost (lws_add_http_header_status):
 * the API's, the web clients' files, redirects and the error pages lws
 * writes itself.  One Content-Security-Policy for the whole origin, the web
 * clients' (no inline script or style, no framing); JSON answers need no
 * other.  No browser feature is used, so none is granted.
 */
#define PERMISSIONS_POLICY                                                                         \
	"accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "             \
	"microphone=(), payment=(), usb=()"

static const struct lws_protocol_vhost_options vh_headers[] = {
    {&vh_headers[1], NULL, "strict-transport-security:", "max-age=63072000; includeSubDomains"},
    {&vh_headers[2], NULL, "x-content-type-options:", "nosniff"},
    {&vh_headers[3], NULL, "x-frame-options:", "DENY"},
    {&vh_headers[4], NULL, "referrer-policy:", "no-referrer"},
    {&vh_headers[5], NULL, "permissions-policy:", PERMISSIONS_POLICY},
    {&vh_headers[6], NULL, "cross-origin-opener-policy:", "same-origin"},
    {NULL, NULL, "content-security-policy:", WEB_CSP},
};

const struct lws_protocol_vhost_options *gw_http_vhost_headers(void)
{
	return vh_headers;
}

/* ---- Admission: connections per client address ------------------------------- */

/*
 * The ticket of an accepted socket travels with its wsi as the wsi's opaque
 * user data.  lws' accept loop calls, in this order and in one go:
 * FILTER_NETWORK_CONNECTION (the peer's address: admit or refuse),
 * WSI_CREATE (the new wsi), then - after it clears the opaque user data and
 * starts TLS - SERVER_NEW_CLIENT_INSTANTIATED, where the ticket is attached.
 * If the wsi dies in between (TLS set-up failed), WSI_DESTROY of that very
 * wsi returns the ticket; if its adoption failed before WSI_CREATE, the next
 * accept does.
 */
static struct admit *admit;
static struct admit_ticket *admit_pending;
static const struct lws *admit_pending_wsi;

static int admit_peer(const struct lws_filter_network_conn_args *c, const void **addr, size_t *len)
{
	if (c->cli_addr.ss_family == AF_INET) {
		*addr = &((const struct sockaddr_in *)&c->cli_addr)->sin_addr;
		*len = 4;
	} else if (c->cli_addr.ss_family == AF_INET6) {
		*addr = &((const struct sockaddr_in6 *)&c->cli_addr)->sin6_addr;
		*len = 16;
	} else {
		return -1;
	}
	return 0;
}

/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION: 0 to take the socket, 1 to close it. */
static int admit_filter(const struct lws_filter_network_conn_args *c)
{
	const void *addr;
	size_t len;
	if (admit == NULL) {
		unsigned limit = gw.connections_per_address > 0
		                     ? (unsigned)gw.connections_per_address
		                     : ADMIT_DEFAULT_PER_ADDRESS;
		if (admit_create(limit, &admit) != ERR_OK)
			return 1;
	}
	admit_leave(admit, admit_pending); /* its adoption failed: the fd is gone */
	admit_pending = NULL;
	admit_pending_wsi = NULL;
	if (c == NULL || admit_peer(c, &addr, &len) != 0)
		return 0; /* not an IP socket: nothing to count */
	int err = admit_enter(admit, addr, len, &admit_pending);
	if (err == ERR_OK)
		return 0;
	uint64_t n = admit_refusals_to_report(admit, lws_now_usecs() / LWS_US_PER_MS);
	if (n > 0) {
		char text[INET6_ADDRSTRLEN] = "?";
		inet_ntop(c->cli_addr.ss_family, addr, text, sizeof text);
		log_event(LOGL_WARNING, "connections_refused",
		          "addr=%s limit=%d refused=%llu reason=%s", text,
		          gw.connections_per_address, (unsigned long long)n, err_code(err));
	}
	return 1;
}

/* A signed-in connection counts against its account and device instead (the
 * hub's limits), so a NAT's many users do not crowd out each other. */
void gw_admit_release(void *transport)
{
	struct lws *wsi = transport;
	admit_leave(admit, lws_get_opaque_user_data(wsi));
	lws_set_opaque_user_data(wsi, NULL);
}

/* Handles the admission reasons; true when reason was one of them. */
static bool admit_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, int *rc)
{
	*rc = 0;
	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		*rc = admit_filter(user);
		return true;
	case LWS_CALLBACK_WSI_CREATE:
		if (admit_pending != NULL && admit_pending_wsi == NULL)
			admit_pending_wsi = wsi;
		return true;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		if (admit_pending != NULL && wsi == admit_pending_wsi) {
			lws_set_opaque_user_data(wsi, admit_pending);
			admit_pending = NULL;
			admit_pending_wsi = NULL;
		}
		return true;
	case LWS_CALLBACK_WSI_DESTROY:
		/* user is whichever protocol's state the wsi had: not ours */
		if (wsi == admit_pending_wsi) {
			admit_leave(admit, admit_pending);
			admit_pending = NULL;
			admit_pending_wsi = NULL;
		} else if (admit != NULL) {
			admit_leave(admit, lws_get_opaque_user_data(wsi));
		}
		lws_set_opaque_user_data(wsi, NULL);
		return true;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		admit_destroy(admit);
		admit = NULL;
		admit_pending = NULL;
		admit_pending_wsi = NULL;
		return false; /* lws' own handling goes on */
	default:
		return false;
	}
}

bool gw_header(struct lws *wsi, enum lws_token_indexes h, char *buf, size_t cap)
{
	int n = lws_hdr_total_length(wsi, h);
	if (n <= 0 || (size_t)n >= cap)
		return false;
	return lws_hdr_copy(wsi, buf, (int)cap, h) >= 0;
}

bool gw_cookie_token(struct lws *wsi, char *buf, size_t cap)
{
	char cookies[1024];
	if (!gw_header(wsi, WSI_TOKEN_HTTP_COOKIE, cookies, sizeof cookies))
		return false;
	const char *name = API_COOKIE_NAME "=";
	for (char *p = cookies; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (strncmp(p, name, strlen(name)) == 0) {
			size_t vlen = n - strlen(name);
			if (vlen == 0 || vlen >= cap)
				return false;
			memcpy(buf, p + strlen(name), vlen);
			buf[vlen] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

static char *header_dup(struct lws *wsi, enum lws_token_indexes h)
{
	char buf[1024];
	return gw_header(wsi, h, buf, sizeof buf) ? strdup(buf) : NULL;
}

/*
 * lws hands over the query string as fragments, already URL-decoded.  Join
 * them with '&' again, escaping what would be read as syntax, so core sees
 * an ordinary query string.
 */
static char *query_rebuild(struct lws *wsi)
{
	char out[2048], frag[1024];
	size_t o = 0;
	for (int i = 0; o < sizeof out - 1; i++) {
		int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n <= 0)
			break;
		if (i > 0)
			out[o++] = '&';
		for (int k = 0; k < n && o + 4 < sizeof out; k++) {
			char ch = frag[k];
			if (ch == '&' || ch == '%' || ch == '+' ||
			    (ch == '=' && memchr(frag, '=', (size_t)k)))
				o += (size_t)snprintf(out + o, 4, "%%%02X", (unsigned char)ch);
			else
				out[o++] = ch;
		}
	}
	out[o] = '\0';
	return strdup(out);
}

/* Fills req from the request line and headers. */
static void http_read_request(struct lws *wsi, struct pss_http *pss, const char *path)
{
	struct api_request *r = &pss->req;
	static const struct {
		enum lws_token_indexes tok;
		const char *name;
	} methods[] = {
	    {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
	    {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_PUT_URI, "PUT"},
	    {WSI_TOKEN_PATCH_URI, "PATCH"},   {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
	    {WSI_TOKEN_HEAD_URI, "HEAD"},
	};
	snprintf(r->method, sizeof r->method, "OTHER");
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (lws_hdr_total_length(wsi, methods[i].tok) > 0)
			snprintf(r->method, sizeof r->method, "%s", methods[i].name);
	r->path = strdup(path);
	r->query = query_rebuild(wsi);
	char auth[256];
	if (gw_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, sizeof auth) &&
	    strncasecmp(auth, "Bearer ", 7) == 0)
		r->bearer = strdup(auth + 7);
	char cookie[128];
	if (gw_cookie_token(wsi, cookie, sizeof cookie))
		r->cookie_token = strdup(cookie);
	r->origin = header_dup(wsi, WSI_TOKEN_ORIGIN);
	r->host = header_dup(wsi, WSI_TOKEN_HOST);
	r->content_type = header_dup(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
	lws_get_peer_simple(wsi, r->peer_addr, sizeof r->peer_addr);
}

static bool http_has_body(struct lws *wsi)
{
	char len[24];
	if (gw_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, len, sizeof len))
		return strtoll(len, NULL, 10) > 0;
	char te[32];
	return gw_header(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, te, sizeof te);
}

static void http_answer_locally(struct lws *wsi, struct pss_http *pss, int err, const char *msg)
{
	pss->use_local = true;
	pss->local.status = pss->local_status ? pss->local_status : err_http_status(err);
	pss->local.content_type = "application/json; charset=utf-8";
	pss->local.body = codec_encode_http_error(err, msg);
	pss->local.body_len = pss->local.body ? strlen(pss->local.body) : 0;
	lws_callback_on_writable(wsi);
}

static bool is_api_path(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
	       strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0 ||
	       strcmp(path, "/sms/kannel") == 0 || strcmp(path, "/sms/kannel/dlr") == 0 ||
	       strcmp(path, GW_WS_PATH) == 0;
}

/* The web clients' files: served by lws from the web root, with the
 * clients' Content-Security-Policy.  Returns lws's verdict for the callback. */
static int http_static(struct lws *wsi, struct pss_http *pss)
{
	struct web_file f;
	if (!web_resolve(gw.web_root, pss->req.path, &f)) {
		http_answer_locally(wsi, pss, ERR_NOT_FOUND, "No such page.");
		return 0;
	}
	if (f.redirect) {
		char to[WEB_PATH_MAX + 2];
		unsigned char buf[LWS_PRE + 1024], *p = buf + LWS_PRE, *end = buf + sizeof buf - 1;
		snprintf(to, sizeof to, "%s/", pss->req.path);
		if (lws_http_redirect(wsi, HTTP_STATUS_MOVED_PERMANENTLY, (const unsigned char *)to,
		                      (int)strlen(to), &p, end) < 0)
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	/* The security headers are the vhost's; the files may be kept if revalidated. */
	static const char headers[] = "cache-control: no-cache\r\n";
	int n = lws_serve_http_file(wsi, f.path, f.mime, headers, (int)strlen(headers));
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0;
}

static void http_start(struct lws *wsi, struct pss_http *pss)
{
	pss->started = true;
	if (pss->too_large) {
		http_answer_locally(wsi, pss, ERR_TOO_LARGE, "The request body is over 64 KiB.");
		return;
	}
	pss->call = http_call_start(gw.hub, wsi, &pss->req);
	if (pss->call == NULL)
		http_answer_locally(wsi, pss, ERR_INTERNAL, NULL);
}

/*
 * The body missed its deadline: answer 408 and hang up.  lws times out only
 * silence (20 s without a byte), so a body trickled a byte at a time would
 * otherwise hold the connection and its worker slot for ever.  Checked as
 * each piece arrives: a trickler is cut off at its first byte past the
 * deadline, a silent client by lws 20 s after its last one.
 */
static int http_timed_out(struct lws *wsi, struct pss_http *pss)
{
	char path[300];
	/* An upload's request went to its call at the headers. */
	log_event(LOGL_WARNING, "http_request_timeout", "peer=%s path=%s received=%zu seconds=%d",
	          pss->streaming ? pss->peer : pss->req.peer_addr,
	          log_quote(path, sizeof path, pss->streaming ? "/api/uploads" : pss->req.path),
	          pss->received, gw.http_request_s);
	char *body = codec_encode_http_error(ERR_BAD_REQUEST,
	                                     "The request did not arrive in time; send it again.");
	size_t n = body ? strlen(body) : 0;
	unsigned char buf[LWS_PRE + 2048];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
	if (body &&
	    !lws_add_http_common_headers(wsi, HTTP_STATUS_REQUEST_TIMEOUT,
	                                 "application/json; charset=utf-8", n, &p, end) &&
	    !lws_finalize_http_header(wsi, &p, end) && (size_t)(end - p) >= n) {
		memcpy(p, body, n);
		p += n;
		lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS);
	}
	free(body);
	return -1;
}

static int http_body(struct lws *wsi, struct pss_http *pss, const char *in, size_t len)
{
	struct api_request *r = &pss->req;
	if (len == 0)
		return 0;
	if (lws_now_usecs() > pss->deadline)
		return http_timed_out(wsi, pss);
	pss->received += len;
	if (pss->received > HTTP_BODY_DROP)
		return -1; /* not a client that will read a 413: hang up */
	if (pss->too_large || r->body_len + len > API_BODY_MAX) {
		pss->too_large = true;
		return 0;
	}
	char *grown = realloc(r->body, r->body_len + len + 1);
	if (grown == NULL)
		return -1;
	r->body = grown;
	memcpy(r->body + r->body_len, in, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

/* ---- Uploads ------------------------------------------------------------------- */

/* The headers of an upload: its length, its spool file, then the call at
 * once; the body is written as it comes while a worker looks at them. */
static void upload_begin(struct lws *wsi, struct pss_http *pss)
{
	char len[24], te[32], *end = NULL;
	long long n = -1;
	pss->streaming = true;
	pss->started = true;
	if (gw_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, len, sizeof len))
		n = strtoll(len, &end, 10);
	if (n < 0 || end == len || *end != '\0' ||
	    gw_header(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, te, sizeof te)) {
		pss->length = -1; /* nothing to read: hang up after the answer */
		pss->local_status = HTTP_STATUS_LENGTH_REQUIRED;
		http_answer_locally(wsi, pss, ERR_BAD_REQUEST,
		                    "An upload needs a Content-Length (no chunked body).");
		return;
	}
	pss->req.content_length = pss->length = n;
	memcpy(pss->peer, pss->req.peer_addr, sizeof pss->peer);
	pss->deadline += api_upload_allowed_ms(n, 0) * LWS_US_PER_MS;
	pss->upload = pss->req.upload = api_upload_begin(hub_files(gw.hub), n);
	if (pss->upload == NULL) {
		http_answer_locally(wsi, pss, ERR_UNAVAILABLE, "Files cannot be stored right now.");
		pss->refused = true;
		pss->answer_len = pss->local.body_len;
		return;
	}
	http_start(wsi, pss);
	if (pss->call == NULL)
		pss->upload = NULL; /* freed with the request */
}

/* The worker finishes the upload now that all of it is written. */
static int upload_finish(struct pss_http *pss)
{
	pss->finishing = true;
	return http_call_finish(pss->call) ? 0 : -1;
}

static int upload_body(struct lws *wsi, struct pss_http *pss, const char *in, size_t len)
{
	if (len == 0)
		return 0;
	if (lws_now_usecs() > pss->deadline)
		return http_timed_out(wsi, pss);
	pss->received += len;
	if (pss->upload != NULL && !pss->refused)
		api_upload_write(pss->upload, in, len);
	return 0;
}

static int upload_complete(struct lws *wsi, struct pss_http *pss)
{
	pss->body_done = true;
	if (pss->refused && pss->headers_sent && pss->sent >= pss->answer_len)
		return lws_http_transaction_completed(wsi) ? -1 : 0; /* answered */
	return pss->accepted ? upload_finish(pss) : 0;
}

/*
 * The worker has looked at the upload's headers (resp): accepted, the
 * body goes on into its file and is finished once whole; refused, its
 * answer goes out (true: write resp) and the rest of the body is dropped.
 */
static bool upload_decided(struct pss_http *pss, const struct api_response *resp)
{
	if (!resp->upload_accepted) {
		pss->refused = true;
		pss->answer_len = resp->body_len;
		return true;
	}
	pss->accepted = true;
	if (pss->body_done && upload_finish(pss) != 0)
		pss->refused = true; /* out of memory: answered with what the call has */
	return pss->refused;
}

/*
 * The answer is out.  An upload refused before all of its body came: a
 * body small enough is read and dropped so the client, which may be sending
 * it before it reads, sees the answer (closing with unread bytes resets the
 * connection); a larger one is cut off.
 */
static int http_answered(struct lws *wsi, struct pss_http *pss)
{
	if (!pss->streaming || pss->body_done || pss->length == 0)
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	if (pss->length < 0 || pss->length > HTTP_BODY_DROP)
		return -1;
	return 0; /* upload_complete ends it */
}

/* The API's answers are never stored by a cache; the security headers
 * come with the status line (vh_headers). */
static int add_headers(struct lws *wsi, const struct api_response *resp, unsigned char **p,
                       unsigned char *end)
{
	static const char no_store[] = "no-store";
	if (lws_add_http_header_by_name(
	        wsi, (const unsigned char *)"cache-control:", (const unsigned char *)no_store,
	        (int)strlen(no_store), p, end))
		return -1;
	if (resp->set_cookie[0] &&
	    lws_add_http_header_by_name(
	        wsi, (const unsigned char *)"set-cookie:", (const unsigned char *)resp->set_cookie,
	        (int)strlen(resp->set_cookie), p, end))
		return -1;
	if (resp->disposition[0] &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"content-disposition:",
	                                (const unsigned char *)resp->disposition,
	                                (int)strlen(resp->disposition), p, end))
		return -1;
	return 0;
}

/* The status line and headers of a streamed answer: no length, chunked. */
static int stream_headers(struct lws *wsi, const struct api_response *resp, unsigned char **p,
                          unsigned char *end)
{
	static const char chunked[] = "chunked";
	if (lws_add_http_header_status(wsi, (unsigned int)resp->status, p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
	                                 (const unsigned char *)resp->content_type,
	                                 (int)strlen(resp->content_type), p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING,
	                                 (const unsigned char *)chunked, (int)strlen(chunked), p,
	                                 end))
		return -1;
	return 0;
}

/*
 * A photo or document (core/api/download.c) straight from disk: its type
 * and name as the worker decided them, never stored by a shared cache, and
 * sandboxed should a browser ever open it as a page (this policy adds to
 * the vhost's; a browser keeps to both).
 */
static int http_serve_file(struct lws *wsi, struct pss_http *pss, const struct api_response *resp)
{
	char headers[1024];
	int n = snprintf(headers, sizeof headers,
	                 "content-disposition: %s\r\n"
	                 "cache-control: private, no-store\r\n"
	                 "content-security-policy: sandbox; default-src 'none'; "
	                 "img-src 'self'; style-src 'unsafe-inline'\r\n",
	                 resp->disposition);
	if (n < 0 || (size_t)n >= sizeof headers)
		return -1;
	pss->headers_sent = true;
	n = lws_serve_http_file(wsi, resp->file, resp->file_type, headers, n);
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0; /* HTTP_FILE_COMPLETION ends the transaction */
}

static int http_write_headers(struct lws *wsi, struct pss_http *pss,
                              const struct api_response *resp)
{
	if (resp->file != NULL)
		return http_serve_file(wsi, pss, resp);
	unsigned char buf[LWS_PRE + 2048];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
	if ((resp->stream != NULL
	         ? stream_headers(wsi, resp, &p, end)
	         : lws_add_http_common_headers(wsi, (unsigned int)resp->status, resp->content_type,
	                                       (lws_filepos_t)resp->body_len, &p, end)) ||
	    add_headers(wsi, resp, &p, end) || lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	pss->headers_sent = true;
	if (resp->body_len == 0 && resp->stream == NULL)
		return http_answered(wsi, pss);
	lws_callback_on_writable(wsi);
	return 0;
}

/*
 * One piece of a streamed answer as an HTTP/1.1 chunk (the gateway speaks
 * only http/1.1, see main.c's ALPN): size in hex, CRLF, the bytes, CRLF; the
 * closing empty chunk follows the answer's last bytes in the same write.
 */
static int http_write_stream(struct lws *wsi, struct pss_http *pss, const struct api_response *resp)
{
	unsigned char buf[LWS_PRE + CHUNK + 32];
	unsigned char *start = buf + LWS_PRE;
	size_t n = resp->body_len - pss->sent, o = 0;
	if (resp->stream_failed)
		return -1; /* no closing chunk: the reader sees the file is cut short */
	if (n > CHUNK)
		n = CHUNK;
	bool end_of_chunk = pss->sent + n == resp->body_len;
	bool end_of_answer = end_of_chunk && resp->stream_done;
	if (n > 0) {
		o = (size_t)snprintf((char *)start, 16, "%zx\r\n", n);
		memcpy(start + o, resp->body + pss->sent, n);
		o += n;
		memcpy(start + o, "\r\n", 2);
		o += 2;
	}
	if (end_of_answer) {
		memcpy(start + o, "0\r\n\r\n", 5);
		o += 5;
	}
	if (o > 0 && lws_write(wsi, start, o,
	                       end_of_answer ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)o)
		return -1;
	pss->sent += n;
	if (end_of_answer) {
		lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, GW_STREAM_STALL_S);
	if (!end_of_chunk) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	/* This chunk is out: a worker makes the next, want_write brings us back. */
	pss->sent = 0;
	return http_call_more(pss->call) ? 0 : -1;
}

static int http_write_body(struct lws *wsi, struct pss_http *pss, const struct api_response *resp)
{
	unsigned char buf[LWS_PRE + CHUNK];
	size_t n = resp->body_len - pss->sent;
	if (n > CHUNK)
		n = CHUNK;
	memcpy(buf + LWS_PRE, resp->body + pss->sent, n);
	bool last = pss->sent + n == resp->body_len;
	if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
		return -1;
	pss->sent += n;
	if (last)
		return http_answered(wsi, pss);
	lws_callback_on_writable(wsi);
	return 0;
}

static int http_writeable(struct lws *wsi, struct pss_http *pss)
{
	if (pss->streaming && !pss->refused && !pss->use_local) {
		const struct api_response *r = pss->call ? http_call_response(pss->call) : NULL;
		if (r == NULL || (pss->finishing ? r->upload_accepted : !upload_decided(pss, r)))
			return 0; /* still with a worker, or the body is still arriving */
	}
	const struct api_response *resp =
	    pss->use_local ? &pss->local : (pss->call ? http_call_response(pss->call) : NULL);
	if (resp == NULL)
		return 0; /* still running on a worker */
	if (!pss->headers_sent)
		return http_write_headers(wsi, pss, resp);
	if (resp->stream != NULL)
		return http_write_stream(wsi, pss, resp);
	return http_write_body(wsi, pss, resp);
}

static void http_reset(struct pss_http *pss)
{
	if (pss == NULL)
		return; /* the connection closed before lws gave it any state */
	http_call_release(pss->call);
	api_request_free(&pss->req);
	api_response_free(&pss->local);
	memset(pss, 0, sizeof *pss);
}

int gw_callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
	struct pss_http *pss = user;
	int rc;
	if (admit_callback(wsi, reason, user, &rc))
		return rc;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		http_reset(pss);
		http_read_request(wsi, pss, in ? (const char *)in : "/");
		pss->deadline = lws_now_usecs() + (lws_usec_t)gw.http_request_s * LWS_US_PER_SEC;
		if (!is_api_path(pss->req.path) &&
		    (strcmp(pss->req.method, "GET") == 0 || strcmp(pss->req.method, "HEAD") == 0))
			return http_static(wsi, pss);
		if (api_streams_body(pss->req.method, pss->req.path)) {
			upload_begin(wsi, pss);
			return 0;
		}
		/* Bodies arrive in HTTP_BODY callbacks; without one, start now. */
		if (!http_has_body(wsi))
			http_start(wsi, pss);
		return 0;
	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	case LWS_CALLBACK_HTTP_BODY:
		if (pss->streaming)
			return upload_body(wsi, pss, in, len);
		return http_body(wsi, pss, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (pss->streaming)
			return upload_complete(wsi, pss);
		if (!pss->started)
			http_start(wsi, pss);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_writeable(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		http_reset(pss);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return 1; /* WebSockets only with subprotocol indgang.v1 */
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
