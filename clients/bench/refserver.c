/*
 * refserver.c - indgang-bench-ref, the bare-transport reference.
 *
 *   indgang-bench-ref --listen ADDR:PORT --cert CERT.pem --key KEY.pem [--rx-buffer N]
 * [--idle-policy lws]
 *
 * The least a WSS server must do for Indgang's job: the same TLS set-up, the
 * same libwebsockets options, one loop thread - and nothing else.  Frames
 * are bare text (see proto.c): "J <id>" joins as id; "M <a> <b> <tag> ..."
 * is acked to its sender ("A <tag>") and the frame itself is fanned out to
 * the connections joined as a and b, one buffer shared by both outboxes;
 * "S <n>" is answered with an n-byte page.  No storage, no JSON, no rules,
 * so indgang-bench can show Indgang's figures as a ratio of this server's.
 * Prints "listening on ADDR:PORT" when ready; SIGTERM/SIGINT stop it.
 * By default it runs as the gateway does: rx_buffer_size 4096, lws' own
 * keep-alive off, a libuv (epoll) loop.  (The gateway keeps connections alive
 * in its hub instead; the reference keeps none.)  --rx-buffer sets the
 * protocol's rx_buffer_size, --idle-policy lws pings after 30 s and hangs up
 * after 75 s the lws 4.1 way (a timer per connection in one sorted list,
 * re-armed on every frame received), --loop poll
 * serves on lws's own poll() loop and --writes N writes up to N queued
 * frames per writable callback instead of one, to show what each changes.
 */
#ifdef REF_WITH_UV
#include <uv.h>
#endif
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBOX_MAX 4096
#define RX_MAX     (64 * 1024)

struct rframe {
	unsigned refs;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes of headroom, then the payload */
};

struct rpss {
	struct lws *wsi;
	int id; /* -1 until joined */
	struct rframe **q;
	unsigned head, count, cap;
	char *rx;
	size_t rx_len;
};

static int writes_per_callback = 1;

/* The joined connections by id (the reference has no other state). */
static struct rpss **joined;
static int joined_cap;
static volatile sig_atomic_t interrupted;
static struct lws_context *context;

static struct rframe *rframe_new(const char *payload, size_t len)
{
	struct rframe *f = malloc(sizeof *f + LWS_PRE + len);
	if (f == NULL)
		return NULL;
	f->refs = 1;
	f->len = len;
	memcpy(f->data + LWS_PRE, payload, len);
	return f;
}

static void rframe_unref(struct rframe *f)
{
	if (f && --f->refs == 0)
		free(f);
}

static void outbox_clear(struct rpss *p)
{
	for (; p->count > 0; p->count--, p->head = (p->head + 1) % p->cap)
		rframe_unref(p->q[p->head]);
	free(p->q);
	p->q = NULL;
	p->cap = 0;
}

static int outbox_push(struct rpss *p, struct rframe *f)
{
	if (f == NULL || p->count >= OUTBOX_MAX)
		return -1;
	if (p->count == p->cap) {
		unsigned cap = p->cap ? p->cap * 2 : 8;
		struct rframe **q = malloc(cap * sizeof *q);
		if (q == NULL)
			return -1;
		for (unsigned i = 0; i < p->count; i++)
			q[i] = p->q[(p->head + i) % p->cap];
		free(p->q);
		p->q = q;
		p->cap = cap;
		p->head = 0;
	}
	f->refs++;
	p->q[(p->head + p->count++) % p->cap] = f;
	if (p->count == 1)
		lws_callback_on_writable(p->wsi);
	return 0;
}

static void send_text(struct rpss *p, const char *text, size_t len)
{
	struct rframe *f = rframe_new(text, len);
	outbox_push(p, f);
	rframe_unref(f);
}

static void join(struct rpss *p, const char *msg)
{
	int id = atoi(msg + 2);
	if (id < 0 || id > 1000000)
		return;
	if (id >= joined_cap) {
		int cap = id * 2 + 64;
		struct rpss **grown = realloc(joined, (size_t)cap * sizeof *grown);
		if (grown == NULL)
			return;
		memset(grown + joined_cap, 0, (size_t)(cap - joined_cap) * sizeof *grown);
		joined = grown;
		joined_cap = cap;
	}
	p->id = id;
	joined[id] = p;
	char reply[32];
	send_text(p, reply, (size_t)snprintf(reply, sizeof reply, "W %d", id));
}

/* "M <a> <b> <tag> <body>": ack the sender, fan the frame out to a and b. */
static void fan_out(struct rpss *p, const char *msg, size_t len)
{
	char *end;
	long to[2];
	to[0] = strtol(msg + 2, &end, 10);
	to[1] = strtol(end, &end, 10);
	const char *tag = end + (*end == ' ');
	size_t tlen = strcspn(tag, " ");
	char ack[96];
	if (tlen > 64)
		return;
	send_text(p, ack, (size_t)snprintf(ack, sizeof ack, "A %.*s", (int)tlen, tag));
	struct rframe *f = rframe_new(msg, len);
	for (int i = 0; i < 2; i++)
		if (to[i] >= 0 && to[i] < joined_cap && joined[to[i]] && joined[to[i]] != p)
			outbox_push(joined[to[i]], f);
	rframe_unref(f);
}

static void page(struct rpss *p, const char *msg)
{
	long n = atol(msg + 2);
	if (n < 1 || n > RX_MAX)
		n = 1;
	struct rframe *f = malloc(sizeof *f + LWS_PRE + (size_t)n);
	if (f == NULL)
		return;
	f->refs = 1;
	f->len = (size_t)n;
	memset(f->data + LWS_PRE, 'x', (size_t)n);
	f->data[LWS_PRE] = 'P';
	outbox_push(p, f);
	rframe_unref(f);
}

static void handle(struct rpss *p, const char *msg, size_t len)
{
	if (len < 2)
		return;
	if (msg[0] == 'J')
		join(p, msg);
	else if (msg[0] == 'M')
		fan_out(p, msg, len);
	else if (msg[0] == 'S')
		page(p, msg);
}

static int receive(struct lws *wsi, struct rpss *p, const char *in, size_t len)
{
	if (p->rx_len + len > RX_MAX)
		return -1;
	char *grown = realloc(p->rx, p->rx_len + len + 1);
	if (grown == NULL)
		return -1;
	p->rx = grown;
	memcpy(p->rx + p->rx_len, in, len);
	p->rx_len += len;
	if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
		p->rx[p->rx_len] = '\0';
		handle(p, p->rx, p->rx_len);
		free(p->rx);
		p->rx = NULL;
		p->rx_len = 0;
	}
	return 0;
}

/* One queued frame per callback, as the gateway does; with --writes N up
 * to N while the socket takes them (lws_send_pipe_choked() is false). */
static int writeable(struct lws *wsi, struct rpss *p)
{
	for (int n = 0; p->count > 0 && n < writes_per_callback; n++) {
		if (n > 0 && lws_send_pipe_choked(wsi))
			break;
		struct rframe *f = p->q[p->head];
		if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
			return -1;
		p->head = (p->head + 1) % p->cap;
		p->count--;
		rframe_unref(f);
	}
	if (p->count > 0)
		lws_callback_on_writable(wsi);
	return 0;
}

static int ref_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
	struct rpss *p = user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(p, 0, sizeof *p);
		p->wsi = wsi;
		p->id = -1;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return receive(wsi, p, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return writeable(wsi, p);
	case LWS_CALLBACK_CLOSED:
		if (p->id >= 0 && p->id < joined_cap && joined[p->id] == p)
			joined[p->id] = NULL;
		outbox_clear(p);
		free(p->rx);
		p->rx = NULL;
		return 0;
	default:
		return 0;
	}
}

static struct lws_protocols protocols[] = {
    {"http", lws_callback_http_dummy, 0, 0, 0, NULL, 0},
    {"bench-ref", ref_callback, sizeof(struct rpss), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* lws' keep-alive: none (0, 0) as the gateway, or --idle-policy lws. */
static const lws_retry_bo_t no_idle_policy = {.secs_since_valid_ping = 0,
                                              .secs_since_valid_hangup = 0};
static const lws_retry_bo_t lws_idle_policy = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 75,
};

static bool idle_policy_on = false;
static bool use_libuv = true;

#ifdef REF_WITH_UV
static uv_loop_t uv_loop;
static uv_signal_t uv_sigterm, uv_sigint;

static void on_uv_signal(uv_signal_t *h, int sig)
{
	(void)sig;
	interrupted = 1;
	uv_stop(h->loop);
}

/* --libuv: lws on our own uv (epoll) loop instead of its poll() loop. */
static void *uv_setup(struct lws_context_creation_info *info, void **loops)
{
	if (uv_loop_init(&uv_loop) != 0)
		return NULL;
	uv_signal_init(&uv_loop, &uv_sigterm);
	uv_signal_init(&uv_loop, &uv_sigint);
	uv_signal_start(&uv_sigterm, on_uv_signal, SIGTERM);
	uv_signal_start(&uv_sigint, on_uv_signal, SIGINT);
	loops[0] = &uv_loop;
	info->foreign_loops = loops;
	info->options |= LWS_SERVER_OPTION_LIBUV;
	return &uv_loop;
}

static int teardown_ticks;

/* Turns the loop until lws has freed the context (info.pcontext), 3 s at most. */
static void teardown_tick(uv_timer_t *t)
{
	if (context == NULL || ++teardown_ticks > 300)
		uv_stop(t->loop);
}

static void uv_run_until_freed(void)
{
	uv_timer_t timer;
	uv_timer_init(&uv_loop, &timer);
	uv_timer_start(&timer, teardown_tick, 10, 10);
	uv_run(&uv_loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(&uv_loop, UV_RUN_NOWAIT);
}

/* Serves until SIGTERM/SIGINT; lws 4.1 on a foreign loop then closes its
 * handles from the loop and frees the context on a second destroy. */
static void uv_serve_and_close(void)
{
	while (!interrupted)
		uv_run(&uv_loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&uv_sigterm, NULL);
	uv_close((uv_handle_t *)&uv_sigint, NULL);
	lws_context_destroy(context);
	uv_run_until_freed();
	if (context != NULL) {
		lws_context_destroy(context);
		teardown_ticks = 0;
		uv_run_until_freed();
	}
	for (int i = 0; i < 100 && uv_loop_alive(&uv_loop); i++)
		uv_run(&uv_loop, UV_RUN_NOWAIT);
	uv_loop_close(&uv_loop);
}
#endif

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (context)
		lws_cancel_service(context);
}

/* The gateway's TLS and lws options (gateway/main.c), nothing more. */
static struct lws_context *create(const char *addr, int port, const char *cert, const char *key)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = port;
	info.iface = addr;
	info.protocols = protocols;
	info.vhost_name = "reference";
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8 |
	               LWS_SERVER_OPTION_DISABLE_IPV6;
	info.ssl_cert_filepath = cert;
	info.ssl_private_key_filepath = key;
	info.ssl_options_set = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
	                       SSL_OP_NO_TLSv1_1 | SSL_OP_CIPHER_SERVER_PREFERENCE;
	info.ssl_cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	                       "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	                       "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
	info.alpn = "http/1.1";
	info.timeout_secs = 20;
	info.keepalive_timeout = 30;
	info.retry_and_idle_policy = idle_policy_on ? &lws_idle_policy : &no_idle_policy;
	info.pcontext = &context; /* lws clears it once the context is gone */
#ifdef REF_WITH_UV
	void *loops[1];
	if (use_libuv && uv_setup(&info, loops) == NULL)
		return NULL;
#endif
	return lws_create_context(&info);
}

int main(int argc, char **argv)
{
	const char *listen = NULL, *cert = NULL, *key = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--rx-buffer") == 0)
			protocols[1].rx_buffer_size = (size_t)atol(argv[i + 1]);
		else if (strcmp(argv[i], "--idle-policy") == 0)
			idle_policy_on = strcmp(argv[i + 1], "lws") == 0;
		else if (strcmp(argv[i], "--loop") == 0)
			use_libuv = strcmp(argv[i + 1], "poll") != 0;
		else if (strcmp(argv[i], "--writes") == 0)
			writes_per_callback = atoi(argv[i + 1]) > 0 ? atoi(argv[i + 1]) : 1;
		else if (strcmp(argv[i], "--cert") == 0)
			cert = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			key = argv[i + 1];
	}
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	if (colon == NULL || cert == NULL || key == NULL || argc % 2 == 0) {
		fprintf(stderr,
		        "usage: indgang-bench-ref --listen ADDR:PORT --cert CERT.pem "
		        "--key KEY.pem [--rx-buffer BYTES] [--idle-policy lws] [--loop poll] "
		        "[--writes N]\n");
		return 2;
	}
	char addr[64];
	snprintf(addr, sizeof addr, "%.*s", (int)(colon - listen), listen);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);
	context = create(addr, atoi(colon + 1), cert, key);
	if (context == NULL) {
		fprintf(stderr, "indgang-bench-ref: cannot listen on %s\n", listen);
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "indgang-bench-ref: listening on %s\n", listen);
#ifdef REF_WITH_UV
	if (use_libuv) {
		uv_serve_and_close();
		free(joined);
		return 0;
	}
#endif
	while (!interrupted && lws_service(context, 0) >= 0)
		;
	lws_context_destroy(context);
	free(joined);
	return 0;
}
