/*
 * ws.c - WebSocket client connections of the benchmark.
 *
 *   conn_open()                 welcome / "W" (proto.c)
 *   CS_CONNECTING --ESTABLISHED--> CS_AUTH ----------------> CS_READY
 *        |                           |   (auth or join written first)  |
 *        +---- error, close, conn_drop() -------------------------------+--> CS_CLOSED
 *
 * Frames to send wait in a ring of ops and are encoded only when lws says
 * the socket is writable, one lws_write per callback.  Received frames are
 * reassembled (a history page can come in fragments) and handed to
 * proto_dispatch().  struct bench counts connections opening and ready, so
 * waiting for thousands of them costs nothing per loop turn.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static unsigned char wbuf[LWS_PRE + 65536];

static int conn_grow(struct conn *c)
{
	unsigned cap = c->qcap ? c->qcap * 2 : 8;
	struct op *q = malloc(cap * sizeof *q);
	if (q == NULL)
		return -1;
	for (unsigned i = 0; i < c->qcount; i++)
		q[i] = c->q[(c->qhead + i) % c->qcap];
	free(c->q);
	c->q = q;
	c->qcap = cap;
	c->qhead = 0;
	return 0;
}

int conn_push(struct conn *c, const struct op *op)
{
	if (c->qcount == c->qcap && conn_grow(c) != 0)
		return -1;
	c->q[(c->qhead + c->qcount) % c->qcap] = *op;
	c->qcount++;
	if (c->qcount == 1 && c->state == CS_READY && c->wsi)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/*
 * TLS session resumption, as a phone's browser does it: a connection keeps
 * the session (by TLS 1.3, the last ticket the server sent) when it goes,
 * and offers it when it reconnects.  lws 4.1's client has no session cache,
 * and its LWS_CALLBACK_SSL_INFO crashes on client connections (it looks for
 * its context in the client SSL_CTX, where it never put it).  So the client
 * SSL_CTX gets an info callback of ours, which sets the session on the SSL
 * object at the start of the handshake, before the ClientHello is written.
 * It finds the connection by its socket: lws 4.1 opens the socket within
 * lws_client_connect_via_info() (to a numeric address), and conn_open()
 * notes it there.
 */
static struct conn **conn_by_fd; /* the benchmark has one client context */
static int n_conn_by_fd;

static void tls_info(const SSL *ssl, int where, int ret)
{
	(void)ret;
	int fd = SSL_get_fd(ssl);
	if (!(where & SSL_CB_HANDSHAKE_START) || fd < 0 || fd >= n_conn_by_fd)
		return;
	struct conn *c = conn_by_fd[fd];
	if (c != NULL && c->tls != NULL)
		SSL_set_session((SSL *)ssl, c->tls);
}

/* A copy: the connection is about to go without a close_notify, and OpenSSL
 * then marks its own session object as not resumable (a TLS 1.2 rule that
 * phones' TLS 1.3 stacks do not follow). */
static void conn_keep_session(struct conn *c, struct lws *wsi)
{
	SSL *ssl = lws_get_ssl(wsi);
	if (ssl == NULL || c->b->o.full_handshakes)
		return;
	SSL_SESSION *s = SSL_get_session(ssl);
	if (s == NULL || !SSL_SESSION_is_resumable(s) || (s = SSL_SESSION_dup(s)) == NULL)
		return;
	SSL_SESSION_free(c->tls);
	c->tls = s;
}

static void conn_note_socket(struct conn *c, struct lws *wsi)
{
	c->fd = lws_get_socket_fd(wsi);
	if (c->fd >= 0 && c->fd < n_conn_by_fd)
		conn_by_fd[c->fd] = c;
}

static void conn_forget_socket(struct conn *c)
{
	if (c->fd >= 0 && c->fd < n_conn_by_fd && conn_by_fd[c->fd] == c)
		conn_by_fd[c->fd] = NULL;
	c->fd = -1;
}

static int conn_by_fd_init(void)
{
	struct rlimit rl;
	if (conn_by_fd != NULL)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	n_conn_by_fd = rl.rlim_cur > 1 << 20 ? 1 << 20 : (int)rl.rlim_cur;
	conn_by_fd = calloc((size_t)n_conn_by_fd, sizeof *conn_by_fd);
	return conn_by_fd ? 0 : -1;
}

void conns_tls_fini(void)
{
	free(conn_by_fd);
	conn_by_fd = NULL;
	n_conn_by_fd = 0;
}

/* Leaves CS_CONNECTING/CS_AUTH/CS_READY for good; counts what was unexpected. */
static void conn_gone(struct conn *c, const char *why)
{
	struct bench *b = c->b;
	enum conn_state was = c->state;
	if (was == CS_CLOSED || was == CS_IDLE)
		return;
	c->state = CS_CLOSED;
	c->wsi = NULL;
	conn_forget_socket(c);
	if (was == CS_READY)
		b->ready--;
	else
		b->pending--;
	if (!c->dropping) {
		if (was == CS_READY)
			b->err.closed++;
		else
			b->err.connect++;
		bench_note(b, "%s connection %d %s (close code %d)", c->t->name, c->id,
		           why ? why : "closed", c->close_code);
	}
	if (c->ev->closed)
		c->ev->closed(c);
}

void conn_set_ready(struct conn *c)
{
	if (c->state != CS_AUTH)
		return;
	c->state = CS_READY;
	c->t_ready = now_us();
	c->b->pending--;
	c->b->ready++;
	if (c->ev->ready)
		c->ev->ready(c);
	if (c->qcount > 0 && c->wsi)
		lws_callback_on_writable(c->wsi);
}

/*
 * No keep-alive checks on the client side.  lws 4.1 keeps every timer of a
 * context in one sorted linked list and, by default, re-arms a connection's
 * 300 s validity timer on every frame it receives: with thousands of
 * connections that insertion walks the whole list each time and the load
 * generator would measure itself.  A hang-up time of 0 turns it off.
 */
static const lws_retry_bo_t no_validity = {.secs_since_valid_ping = 0,
                                           .secs_since_valid_hangup = 0};

int conn_open(struct conn *c)
{
	struct lws_client_connect_info i;
	memset(&i, 0, sizeof i);
	i.context = c->b->ctx;
	i.address = c->b->o.host;
	i.port = c->t->port;
	i.ssl_connection = LCCSCF_USE_SSL;
	i.path = c->t->ref ? "/" : "/ws";
	i.host = "localhost"; /* the name in the development certificate */
	i.protocol = c->t->ref ? "bench-ref" : "indgang.v1";
	i.local_protocol_name = "bench-ws";
	i.alpn = "http/1.1";
	i.opaque_user_data = c;
	i.retry_and_idle_policy = &no_validity;
	c->state = CS_CONNECTING;
	c->t_start = now_us();
	c->t_ready = 0;
	c->close_code = 0;
	c->dropping = false;
	c->auth_sent = false;
	c->qhead = c->qcount = 0;
	c->rx_len = 0;
	c->b->pending++;
	/* No pwsi: lws would write to it whenever the wsi goes, even after the
	 * scenario freed its connections. */
	struct lws *wsi = lws_client_connect_via_info(&i);
	if (c->state != CS_CONNECTING)
		return c->state == CS_CLOSED ? -1 : 0; /* already failed, or further on */
	if (wsi == NULL) {
		conn_gone(c, "could not start connecting");
		return -1;
	}
	c->wsi = wsi;
	conn_note_socket(c, wsi);
	return 0;
}

void conn_drop(struct conn *c)
{
	struct lws *wsi = c->wsi;
	if (wsi == NULL || c->state == CS_CLOSED || c->state == CS_IDLE)
		return;
	conn_keep_session(c, wsi);
	c->dropping = true;
	lws_set_opaque_user_data(wsi, NULL); /* what lws calls back now is not ours */
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
	conn_gone(c, NULL);
}

void conn_free(struct conn *c)
{
	free(c->q);
	free(c->rx);
	SSL_SESSION_free(c->tls);
	c->tls = NULL;
	c->q = NULL;
	c->rx = NULL;
	c->qcap = 0;
	c->rx_cap = 0;
}

static int ws_receive(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
	bool last = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
	if (c->rx_len == 0 && last) {
		proto_dispatch(c, in, len);
		return 0;
	}
	if (c->rx_len + len + 1 > c->rx_cap) {
		size_t cap = (c->rx_len + len + 1) * 2;
		char *grown = realloc(c->rx, cap);
		if (grown == NULL)
			return -1;
		c->rx = grown;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (last) {
		c->rx[c->rx_len] = '\0';
		proto_dispatch(c, c->rx, c->rx_len);
		c->rx_len = 0;
	}
	return 0;
}

/* The next op to write: the authentication first, then the ring. */
static bool next_op(struct conn *c, struct op *op)
{
	if (c->state == CS_AUTH && !c->auth_sent) {
		memset(op, 0, sizeof *op);
		op->type = OP_AUTH;
		c->auth_sent = true;
		return true;
	}
	if (c->state != CS_READY || c->qcount == 0)
		return false;
	*op = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qcount--;
	return true;
}

static int ws_writeable(struct conn *c, struct lws *wsi)
{
	struct op op;
	if (c->dropping)
		return -1;
	if (!next_op(c, &op))
		return 0;
	size_t n = proto_encode(c, &op, (char *)wbuf + LWS_PRE, sizeof wbuf - LWS_PRE);
	if (n == 0)
		return -1;
	int64_t at = now_us();
	if (lws_write(wsi, wbuf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
		return -1;
	if (c->ev->sent)
		c->ev->sent(c, &op, at);
	if (c->qcount > 0 && c->state == CS_READY)
		lws_callback_on_writable(wsi);
	return 0;
}

/* protocols[0]: lws calls it for what concerns the whole context. */
static int loop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
	(void)wsi;
	(void)in;
	(void)len;
	if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
		SSL_CTX_set_info_callback(user, tls_info);
		return conn_by_fd_init();
	}
	return 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
	struct conn *c = lws_get_opaque_user_data(wsi);
	(void)user;
	if (c == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		conn_gone(c, in ? (const char *)in : "failed to connect");
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (lws_get_ssl(wsi) != NULL && SSL_session_reused(lws_get_ssl(wsi)))
			c->b->resumed++;
		c->wsi = wsi;
		c->state = CS_AUTH;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return ws_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return ws_writeable(c, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			c->close_code =
			    ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		conn_gone(c, "closed by the server");
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
    {"bench-loop", loop_callback, 0, 0, 0, NULL, 0},
    {"bench-http", http_callback, 0, 0, 0, NULL, 0},
    {"bench-ws", ws_callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

const struct lws_protocols *ws_protocols(void)
{
	return protocols;
}

/* ---- Many connections at once ------------------------------------------------- */

struct opening {
	struct bench *b;
	struct conn *conns;
	int n, next, batch;
};

static bool opened(void *arg)
{
	struct opening *o = arg;
	while (o->next < o->n && o->b->pending < o->batch)
		conn_open(&o->conns[o->next++]);
	return o->next == o->n && o->b->pending == 0;
}

int conns_open_all(struct bench *b, struct conn *conns, int n, int batch, double timeout_s)
{
	struct opening o = {.b = b, .conns = conns, .n = n, .batch = batch};
	if (!bench_wait(b, opened, &o, timeout_s)) {
		b->err.timeout++;
		bench_note(b, "only %d of %d connections ready in %.0f s", b->ready, n, timeout_s);
	}
	return conns_count_ready(conns, n);
}

int conns_count_ready(const struct conn *conns, int n)
{
	int ready = 0;
	for (int i = 0; i < n; i++)
		ready += conns[i].state == CS_READY;
	return ready;
}

void conns_drop_all(struct bench *b, struct conn *conns, int n)
{
	for (int i = 0; i < n; i++)
		conn_drop(&conns[i]);
	bench_sleep(b, 0.05); /* let lws finish what it started */
}
