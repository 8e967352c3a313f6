/*
 * main.c - indgang: the TLS HTTP + WebSocket gateway.
 *
 *   indgang --db PATH --listen ADDR:PORT --cert CERT.pem --key KEY.pem
 *           [--allow-origin ORIGIN]... [--http-workers N] [--ws-rate N]
 *           [--web DIR]   (the web clients' files, served at /)
 *
 * Creates or migrates the database, serves HTTPS and WSS on one port, logs
 * "listening on ADDR:PORT" to stderr when ready, and on SIGTERM/SIGINT stops
 * taking writes, lets queued commits finish and be acked, closes every
 * WebSocket with 1001 and exits 0.
 */
#include "gateway.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/err.h"

#define SHUTDOWN_GRACE_US (5 * LWS_USEC_PER_SEC)
#define MAX_ORIGINS       16

struct gw gw;
static volatile sig_atomic_t stop_requested;

struct options {
	const char *db;
	char addr[64];
	int port;
	const char *cert;
	const char *key;
	const char *origins[MAX_ORIGINS + 1];
	int n_origins;
	int http_workers;
	double ws_rate;
	long outbox_frames;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: indgang --db PATH --listen ADDR:PORT --cert CERT.pem --key KEY.pem\n"
	           "               [--allow-origin https://host:port]... [--http-workers N]\n"
	           "               [--ws-rate FRAMES_PER_SECOND] [--web DIR]\n"
	           "               [--outbox-frames N]\n");
}

static int parse_listen(const char *arg, struct options *o)
{
	const char *colon = strrchr(arg, ':');
	if (colon == NULL || (size_t)(colon - arg) >= sizeof o->addr)
		return -1;
	memcpy(o->addr, arg, (size_t)(colon - arg));
	o->addr[colon - arg] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return -1;
	o->port = (int)port;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"listen", required_argument, NULL, 'l'},
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"allow-origin", required_argument, NULL, 'o'},
	    {"http-workers", required_argument, NULL, 'w'},
	    {"ws-rate", required_argument, NULL, 'r'},
	    {"web", required_argument, NULL, 'W'},
	    {"outbox-frames", required_argument, NULL, 'O'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	memset(o, 0, sizeof *o);
	snprintf(o->addr, sizeof o->addr, "127.0.0.1");
	o->port = 8443;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db = optarg;
			break;
		case 'l':
			if (parse_listen(optarg, o) != 0) {
				fprintf(stderr, "indgang: --listen wants ADDR:PORT, got %s\n",
				        optarg);
				return 2;
			}
			break;
		case 'c':
			o->cert = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'o':
			if (o->n_origins == MAX_ORIGINS) {
				fprintf(stderr, "indgang: at most %d --allow-origin\n",
				        MAX_ORIGINS);
				return 2;
			}
			o->origins[o->n_origins++] = optarg;
			break;
		case 'w':
			o->http_workers = atoi(optarg);
			break;
		case 'r':
			o->ws_rate = atof(optarg);
			break;
		case 'W':
			gw.web_root = optarg;
			break;
		case 'O':
			o->outbox_frames = strtol(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o->db == NULL || o->cert == NULL || o->key == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (gw.context)
		lws_cancel_service(gw.context);
}

/* Hub hooks: wake the loop from another thread; ask lws for a write slot. */
static void hook_wake(void *ctx)
{
	(void)ctx;
	if (gw.context)
		lws_cancel_service(gw.context);
}

static void hook_want_write(void *transport)
{
	lws_callback_on_writable((struct lws *)transport);
}

static struct lws_protocols protocols[] = {
    {"http", gw_callback_http, 0, 0, 0, NULL, 0},
    {GW_SUBPROTOCOL, gw_callback_ws, 0, 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Pings after 30 s without traffic, hangs up after 75 s without an answer. */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 75,
};

static struct lws_context *create_context(const struct options *o)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	protocols[0].per_session_data_size = gw_http_pss_size();
	protocols[1].per_session_data_size = gw_ws_pss_size();
	info.port = o->port;
	info.iface = o->addr;
	info.protocols = protocols;
	info.vhost_name = "indgang";
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8 |
	               LWS_SERVER_OPTION_DISABLE_IPV6;
	info.ssl_cert_filepath = o->cert;
	info.ssl_private_key_filepath = o->key;
	/* TLS 1.2 minimum, 1.3 preferred (OpenSSL picks the highest both speak). */
	info.ssl_options_set = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
	                       SSL_OP_NO_TLSv1_1 | SSL_OP_CIPHER_SERVER_PREFERENCE;
	info.ssl_cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	                       "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	                       "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
	info.alpn = "http/1.1";
	info.timeout_secs = 20;
	info.keepalive_timeout = 30;
	info.retry_and_idle_policy = &idle_policy;
	return lws_create_context(&info);
}

static lws_sorted_usec_list_t tick_sul;

static void on_tick(lws_sorted_usec_list_t *sul)
{
	hub_tick(gw.hub);
	lws_sul_schedule(gw.context, 0, sul, on_tick, HUB_RECHECK_MS * LWS_US_PER_MS);
}

/*
 * Serve until SIGTERM/SIGINT, then: the hub stops taking writes, finishes and
 * acks what is queued, and closes every WebSocket with 1001 once its outbox
 * is written.  The loop goes on until lws has finished those closing
 * handshakes too: closing a socket that still has unread input makes the
 * kernel send RST, and the peer then loses the acks it has not read yet.
 */
static void run_loop(void)
{
	lws_usec_t deadline = 0;
	int idle_wsi = gw.live_wsi; /* the listening socket and lws' own */
	lws_sul_schedule(gw.context, 0, &tick_sul, on_tick, HUB_RECHECK_MS * LWS_US_PER_MS);
	for (;;) {
		if (lws_service(gw.context, 0) < 0)
			break;
		if ((stop_requested || hub_failed(gw.hub)) && deadline == 0) {
			hub_shutdown(gw.hub);
			deadline = lws_now_usecs() + SHUTDOWN_GRACE_US;
		}
		if (deadline == 0)
			continue;
		hub_drain(gw.hub);
		if ((hub_quiet(gw.hub) && gw.live_wsi <= idle_wsi) || lws_now_usecs() > deadline)
			break;
	}
}

int main(int argc, char **argv)
{
	struct options o;
	int rc = parse_options(argc, argv, &o);
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	struct hub_config cfg = {
	    .db_path = o.db,
	    .frame_headroom = LWS_PRE,
	    .http_workers = o.http_workers,
	    .ws_rate = o.ws_rate,
	    .outbox_max_frames = o.outbox_frames > 0 ? (size_t)o.outbox_frames : 0,
	    .allowed_origins = o.origins,
	};
	struct hub_hooks hooks = {.wake = hook_wake, .want_write = hook_want_write};
	int err = hub_create(&cfg, &hooks, &gw.hub);
	if (err) {
		fprintf(stderr, "indgang: cannot open database %s: %s\n", o.db, err_message(err));
		return 1;
	}
	gw.context = create_context(&o);
	if (gw.context == NULL) {
		fprintf(stderr, "indgang: cannot listen on %s:%d with %s / %s\n", o.addr, o.port,
		        o.cert, o.key);
		hub_destroy(gw.hub);
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "indgang: listening on %s:%d\n", o.addr, o.port);

	run_loop();
	bool failed = hub_failed(gw.hub);

	lws_context_destroy(gw.context);
	gw.context = NULL;
	hub_destroy(gw.hub);
	fprintf(stderr, "indgang: stopped%s\n", failed ? " after an I/O error" : "");
	return failed ? 1 : 0;
}
