/*
 * net.c - the URL, the lws context and the service loop of indgang-cli.
 *
 * TLS is always verified: against --ca when given, else against the
 * system's trust store (which lws 4.1 as Debian builds it does not load by
 * itself, so net_callback loads it), with the host name or address checked
 * by lws and TLS 1.2 as the minimum.  There is no way to turn that off.
 */
#define _GNU_SOURCE
#include "net_int.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

struct net {
	struct lws_context *context;
	struct url url;
	bool system_ca;    /* no --ca: trust the system's store */
	char tls_why[200]; /* why the last server certificate was refused */
	lws_sorted_usec_list_t wake;
};

static volatile sig_atomic_t interrupted;
static struct lws_context *volatile signal_context;

/* ---- URL ------------------------------------------------------------------ */

static int parse_port(const char *s, size_t len, int *port)
{
	if (len == 0 || len > 5)
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* The authority "host[:port]": no user info, no IPv6 literal. */
static int parse_authority(const char *s, size_t len, struct url *u, char *why, size_t cap)
{
	if (memchr(s, '@', len) != NULL || memchr(s, '[', len) != NULL) {
		snprintf(why, cap, "give a host name or IPv4 address (no user@, no [IPv6])");
		return -1;
	}
	const char *colon = memchr(s, ':', len);
	size_t hlen = colon ? (size_t)(colon - s) : len;
	if (hlen == 0 || hlen >= sizeof u->host) {
		snprintf(why, cap, "the host name is missing or too long");
		return -1;
	}
	memcpy(u->host, s, hlen);
	u->host[hlen] = '\0';
	u->port = 443;
	if (colon && parse_port(colon + 1, len - hlen - 1, &u->port) != 0) {
		snprintf(why, cap, "the port must be a number from 1 to 65535");
		return -1;
	}
	return 0;
}

int url_parse(const char *s, struct url *u, char *why, size_t cap)
{
	memset(u, 0, sizeof *u);
	if (strncasecmp(s, "https://", 8) != 0) {
		snprintf(why, cap, "the URL must start with https:// (TLS is always on)");
		return -1;
	}
	s += 8;
	if (strpbrk(s, "?# \t\r\n") != NULL) {
		snprintf(why, cap, "the URL may not have a query, fragment or spaces");
		return -1;
	}
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (parse_authority(s, alen, u, why, cap) != 0)
		return -1;
	if (slash) {
		size_t plen = strlen(slash);
		while (plen > 0 && slash[plen - 1] == '/')
			plen--;
		if (plen >= sizeof u->prefix) {
			snprintf(why, cap, "the URL's path is too long");
			return -1;
		}
		memcpy(u->prefix, slash, plen);
		u->prefix[plen] = '\0';
	}
	snprintf(u->origin, sizeof u->origin, "https://%s:%d", u->host, u->port);
	return 0;
}

/* ---- context --------------------------------------------------------------- */

/* OpenSSL's verdict on the server's certificate: keep the reason of a
 * refusal for the error message (lws itself only says "SSL err 1"). */
static void cert_verdict(struct net *n, X509_STORE_CTX *x509, size_t preverify_ok)
{
	if (preverify_ok || n == NULL)
		return;
	int err = X509_STORE_CTX_get_error(x509);
	snprintf(n->tls_why, sizeof n->tls_why, "the server's certificate is not trusted (%s)",
	         X509_verify_cert_error_string(err));
}

/* protocols[0]: sets up the client TLS context and hears its verdicts. */
static int net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
	struct net *n = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;
	if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
		SSL_CTX *ctx = user;
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		if (n != NULL && n->system_ca)
			SSL_CTX_set_default_verify_paths(ctx);
		return 0;
	}
	if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION) {
		cert_verdict(n, user, len);
		return 0; /* no overruling: a refused certificate stays refused */
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"indgang-cli-tls", net_callback, 0, 0, 0, NULL, 0},
    {NET_PROTO_HTTP, http_callback, 0, 0, 0, NULL, 0},
    {NET_PROTO_WS, ws_callback, 0, 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (signal_context != NULL)
		lws_cancel_service(signal_context);
}

void net_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: a password prompt sees EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool net_interrupted(void)
{
	return interrupted != 0;
}

void net_interrupt_ack(void)
{
	interrupted = 0;
}

/*
 * SIGINT and SIGTERM stay blocked except inside ppoll(), so a signal that
 * arrives just before the wait still ends it; a plain read() would sleep
 * through it until the next keystroke.
 */
ssize_t net_read(int fd, void *buf, size_t cap)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	ssize_t r = -1;
	for (;;) {
		if (interrupted) {
			errno = EINTR;
			break;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = ppoll(&p, 1, NULL, &old);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		r = read(fd, buf, cap);
		if (r >= 0 || (errno != EINTR && errno != EAGAIN))
			break;
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

int net_open(const struct url *u, const char *ca, bool verbose, struct net **out, char *why,
             size_t cap)
{
	*out = NULL;
	if (ca != NULL && access(ca, R_OK) != 0) {
		snprintf(why, cap, "cannot read the CA bundle %s: %s", ca, strerror(errno));
		return -1;
	}
	struct net *n = calloc(1, sizeof *n);
	if (n == NULL) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	n->url = *u;
	n->system_ca = ca == NULL;
	lws_set_log_level(verbose ? LLL_ERR | LLL_WARN : 0, NULL);

	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = ca;
	info.timeout_secs = 15; /* connect, TLS handshake, upgrade */
	info.fd_limit_per_thread = 8;
	info.user = n;
	n->context = lws_create_context(&info);
	if (n->context == NULL) {
		snprintf(why, cap, "cannot set up TLS%s%s", ca ? " with " : "", ca ? ca : "");
		free(n);
		return -1;
	}
	signal_context = n->context;
	*out = n;
	return 0;
}

void net_close(struct net *n)
{
	if (n == NULL)
		return;
	signal_context = NULL;
	lws_context_destroy(n->context);
	free(n);
}

const struct url *net_url(const struct net *n)
{
	return &n->url;
}

struct lws_context *net_context(const struct net *n)
{
	return n->context;
}

void net_connect_info(const struct net *n, struct lws_client_connect_info *i, char *host_hdr,
                      size_t cap)
{
	memset(i, 0, sizeof *i);
	snprintf(host_hdr, cap, "%s:%d", n->url.host, n->url.port);
	i->context = n->context;
	i->address = n->url.host;
	i->port = n->url.port;
	i->host = host_hdr; /* lws drops the :port for SNI and the name check */
	i->ssl_connection = LCCSCF_USE_SSL;
	i->alpn = "http/1.1";
}

void net_reason(struct net *n, char *why, size_t cap, const void *in, const char *dflt)
{
	const char *s = in;
	if (n->tls_why[0] != '\0')
		snprintf(why, cap, "%s", n->tls_why);
	else
		snprintf(why, cap, "%s", s != NULL && *s != '\0' ? s : dflt);
	n->tls_why[0] = '\0';
}

/* ---- the loop -------------------------------------------------------------- */

static void net_wake(lws_sorted_usec_list_t *sul)
{
	(void)sul; /* only here to end the poll wait at the deadline */
}

enum net_result net_run(struct net *n, const bool *done, int timeout_ms)
{
	lws_usec_t deadline = 0;
	enum net_result r = NET_DONE;
	if (timeout_ms > 0) {
		deadline = lws_now_usecs() + (lws_usec_t)timeout_ms * LWS_US_PER_MS;
		lws_sul_schedule(n->context, 0, &n->wake, net_wake,
		                 (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	}
	while (!*done) {
		if (interrupted) {
			r = NET_INTERRUPTED;
			break;
		}
		if (deadline && lws_now_usecs() >= deadline) {
			r = NET_TIMEOUT;
			break;
		}
		if (lws_service(n->context, 0) < 0) {
			r = NET_BROKEN;
			break;
		}
	}
	if (deadline)
		lws_sul_cancel(&n->wake);
	return r;
}
