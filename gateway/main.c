/*
 * main.c - indgang: the TLS HTTP + WebSocket gateway.
 *
 *   indgang [--config FILE] [--db PATH] [--listen ADDR:PORT] [--cert CERT.pem]
 *           [--key KEY.pem] [--allow-origin ORIGIN]... [--OTHER-SETTING VALUE]...
 *   indgang --check-config [--config FILE] ...
 *
 * Settings come from the built-in defaults, then the config file (--config,
 * or /etc/indgang/indgang.conf when it exists), then the flags; every key of
 * indgang.conf(5) is also a flag (metrics_allow is --metrics-allow).  The
 * old contract "--db --listen --cert --key" works without any file.
 *
 * Creates or migrates the database (copying an older one aside first),
 * serves HTTPS and WSS on one port, logs "listening on ADDR:PORT" when
 * ready (and tells systemd READY=1).  SIGHUP re-reads the config file and
 * reloads the certificate, the key and log_level without dropping a
 * connection.  SIGTERM/SIGINT stop taking writes, let queued commits finish
 * and be acked, close every WebSocket with 1001 and exit 0.
 */
#include "gateway.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atrest.h"
#include "config.h"
#include "pushkey.h"
#include "log.h"
#include "loop.h"
#include "tls.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/metrics/metrics.h"
#include "core/store/store_admin.h"

#ifndef INDGANG_VERSION
#define INDGANG_VERSION "unknown"
#endif

#define SHUTDOWN_GRACE_US (5 * LWS_USEC_PER_SEC)
#define CLI_MAX           64
#define EXIT_CONFIG       2

struct gw gw;
static volatile sig_atomic_t stop_requested, reload_requested;

/* The command line: the config file to read and the flags that override it,
 * kept to be applied again on every SIGHUP. */
struct cli {
	const char *config;
	bool check, version;
	int n;
	const char *key[CLI_MAX];
	const char *value[CLI_MAX];
};

/* The running gateway's settings and what is derived from them. */
static struct gw_config settings;
static struct cli cli;
/* lws' own keep-alive off (both 0): lws 4.1 re-inserts a timer per
 * connection into one sorted list on every frame received, O(connections)
 * each time; the hub pings and drops silent connections instead. */
static const lws_retry_bo_t idle_policy = {.secs_since_valid_ping = 0,
                                           .secs_since_valid_hangup = 0};

/* ---- Command line --------------------------------------------------------------- */

enum { OPT_CONFIG = 1000, OPT_CHECK, OPT_VERSION, OPT_HELP, OPT_KEY = 2000 };

static void usage(FILE *f)
{
	fprintf(f, "usage: indgang [--config FILE] --db PATH --listen ADDR:PORT --cert CERT.pem "
	           "--key KEY.pem\n"
	           "               [--allow-origin https://host:port]... [--SETTING VALUE]...\n"
	           "       indgang --check-config [--config FILE] [...]\n"
	           "       indgang --version\n\n"
	           "Settings (indgang.conf(5); each is a flag with - for _):\n ");
	for (const char *const *k = config_keys(); *k; k++)
		fprintf(f, " %s", *k);
	fprintf(f, "\nDefault config file: %s (read when it exists).\n", CONFIG_DEFAULT_PATH);
}

/* "allow_origin" -> "allow-origin", for getopt. */
static struct option *make_longopts(char names[][40])
{
	static struct option opts[64];
	int n = 0;
	for (const char *const *k = config_keys(); *k && n < 56; k++, n++) {
		snprintf(names[n], 40, "%s", *k);
		for (char *p = names[n]; *p; p++)
			*p = *p == '_' ? '-' : *p;
		opts[n] = (struct option){names[n], required_argument, NULL, OPT_KEY + n};
	}
	opts[n++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
	opts[n++] = (struct option){"check-config", no_argument, NULL, OPT_CHECK};
	opts[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
	opts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	opts[n] = (struct option){NULL, 0, NULL, 0};
	return opts;
}

static int parse_cli(int argc, char **argv, struct cli *c)
{
	static char names[64][40];
	const struct option *opts = make_longopts(names);
	const char *const *keys = config_keys();
	int o;
	memset(c, 0, sizeof *c);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == OPT_CONFIG) {
			c->config = optarg;
		} else if (o == OPT_CHECK) {
			c->check = true;
		} else if (o == OPT_VERSION) {
			c->version = true;
		} else if (o == OPT_HELP) {
			usage(stdout);
			exit(0);
		} else if (o >= OPT_KEY && c->n < CLI_MAX) {
			c->key[c->n] = keys[o - OPT_KEY];
			c->value[c->n++] = optarg;
		} else {
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "indgang: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_CONFIG;
	}
	return 0;
}

/* Defaults, then the file, then the flags.  0, or -1 with why. */
static int load_settings(const struct cli *c, struct gw_config *out, char *why, size_t cap)
{
	char reason[512];
	const char *file = c->config;
	config_defaults(out);
	if (file == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		file = CONFIG_DEFAULT_PATH;
	if (file != NULL && config_load_file(out, file, why, cap) != 0)
		return -1;
	for (int i = 0; i < c->n; i++) {
		bool first = true; /* a list flag's first use replaces the file's list */
		for (int k = 0; k < i; k++)
			first = first && strcmp(c->key[k], c->key[i]) != 0;
		if (config_set(out, c->key[i], c->value[i], first, reason, sizeof reason) != 0) {
			snprintf(why, cap, "--%s: %s", c->key[i], reason);
			for (char *p = why + 2; *p && *p != ':'; p++)
				*p = *p == '_' ? '-' : *p;
			return -1;
		}
	}
	return config_check(out, why, cap);
}

/* ---- Signals and hub hooks --------------------------------------------------------- */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
	if (gw.context)
		lws_cancel_service(gw.context);
}

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

static void hook_log(void *ctx, int level, const char *event, const char *fields)
{
	(void)ctx;
	log_event((enum log_level)level, event, "%s", fields);
}

/* ---- libwebsockets ------------------------------------------------------------------ */

/* Protocol 0 is http.c's, seen first by lws' TLS set-up: catch the vhost's
 * SSL_CTX there for certificate reloads, hand everything else on. */
static int callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
	if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS) {
		tls_capture(user);
		return 0;
	}
	return gw_callback_http(wsi, reason, user, in, len);
}

static struct lws_protocols protocols[] = {
    {"http", callback_http, 0, 0, 0, NULL, 0},
    {GW_SUBPROTOCOL, gw_callback_ws, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static struct lws_context *create_context(const struct gw_config *c)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	protocols[0].per_session_data_size = gw_http_pss_size();
	protocols[1].per_session_data_size = gw_ws_pss_size();
	info.port = c->port;
	info.iface = c->listen_addr;
	info.protocols = protocols;
	info.vhost_name = "indgang";
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8 |
	               LWS_SERVER_OPTION_DISABLE_IPV6;
	info.ssl_cert_filepath = c->cert;
	info.ssl_private_key_filepath = c->key;
	/* TLS 1.2 minimum, 1.3 preferred (OpenSSL picks the highest both speak). */
	info.ssl_options_set = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
	                       SSL_OP_NO_TLSv1_1 | SSL_OP_CIPHER_SERVER_PREFERENCE;
	info.ssl_cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	                       "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	                       "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
	info.alpn = "http/1.1";
	info.timeout_secs = 20;
	/*
	 * Each read takes a whole TLS record (16 KiB of plaintext at most), so
	 * nothing is left decrypted inside OpenSSL between reads.  With lws
	 * 4.1's libuv loop, what is left there is read only by an idle handler
	 * that stops after one forced service: a body arriving in many records
	 * (an upload) could stall half way until lws's timeout.  The buffer is
	 * one per service thread.
	 */
	info.pt_serv_buf_size = 32768;
	info.keepalive_timeout = 30;
	info.retry_and_idle_policy = &idle_policy;
	info.headers = gw_http_vhost_headers(); /* security headers on every answer */
	/* No WebSocket extension, ever: ws.c frames small frames itself (wsframe.h). */
	info.extensions = NULL;
	void *foreign[1];
	if (gw_loop_prepare(&info, c->event_loop == GW_LOOP_LIBUV, foreign)) {
		struct lws_context *ctx = lws_create_context(&info);
		if (ctx != NULL)
			return ctx;
		/* Without the libwebsockets-evlib-uv plugin lws cannot use libuv. */
		log_event(LOGL_WARNING, "event_loop_fallback", "wanted=libuv using=poll");
		gw_loop_unprepare(&info);
	}
	return lws_create_context(&info);
}

static void note_certificate(const char *cert, int64_t not_after)
{
	struct metrics *m = hub_metrics(gw.hub);
	char q[512];
	metrics_gauge_set(m, MG_TLS_NOT_AFTER, not_after);
	metrics_gauge_set(m, MG_TLS_LOADED_AT, text_now_ms() / 1000);
	if (not_after >= 0 && not_after < text_now_ms() / 1000)
		log_event(LOGL_WARNING, "certificate_expired", "cert=%s",
		          log_quote(q, sizeof q, cert));
	else if (not_after >= 0 && not_after < text_now_ms() / 1000 + 14 * 86400)
		log_event(LOGL_WARNING, "certificate_expires_soon", "cert=%s not_after=%lld",
		          log_quote(q, sizeof q, cert), (long long)not_after);
}

/* ---- SIGHUP ---------------------------------------------------------------------------- */

/* Re-reads the settings; applies log_level, cert and key; keeps the old
 * certificate (and says so) when the new one cannot be used. */
static void reload(void)
{
	struct gw_config next;
	char why[600], q[600], changed[256];
	log_notify("RELOADING=1");
	if (load_settings(&cli, &next, why, sizeof why) != 0) {
		log_event(LOGL_ERROR, "reload_failed", "error=%s action=kept_running_settings",
		          log_quote(q, sizeof q, why));
		config_free(&next);
		log_notify("READY=1");
		return;
	}
	log_set_level((enum log_level)next.log_level);
	config_restart_only_changes(&settings, &next, changed, sizeof changed);
	if (changed[0])
		log_event(LOGL_WARNING, "reload_needs_restart", "settings=%s",
		          log_quote(q, sizeof q, changed));
	int64_t not_after = -1;
	struct metrics *m = hub_metrics(gw.hub);
	if (tls_reload(next.cert, next.key, &not_after, why, sizeof why) != 0) {
		metrics_inc(m, MC_TLS_RELOAD_FAIL);
		log_event(LOGL_ERROR, "certificate_reload_failed",
		          "error=%s action=kept_old_certificate", log_quote(q, sizeof q, why));
	} else {
		metrics_inc(m, MC_TLS_RELOAD_OK);
		note_certificate(next.cert, not_after);
		log_event(LOGL_INFO, "certificate_reloaded", "cert=%s not_after=%lld",
		          log_quote(q, sizeof q, next.cert), (long long)not_after);
		/* What is in service now is the new pair; the rest waits for a restart. */
		free(settings.cert);
		free(settings.key);
		settings.cert = strdup(next.cert);
		settings.key = strdup(next.key);
	}
	settings.log_level = next.log_level;
	config_free(&next);
	log_notify("READY=1");
}

/* ---- The loop -------------------------------------------------------------------------- */

static lws_sorted_usec_list_t tick_sul;

static void on_tick(lws_sorted_usec_list_t *sul)
{
	hub_tick(gw.hub);
	lws_sul_schedule(gw.context, 0, sul, on_tick, HUB_TICK_MS * LWS_US_PER_MS);
}

/*
 * Serve until SIGTERM/SIGINT, then: the hub stops taking writes, finishes and
 * acks what is queued, and closes every WebSocket with 1001 once its outbox
 * is written.  A session ends only when its closing handshake is complete
 * (ws.c), so when the hub is quiet no peer is still reading acks; idle HTTP
 * connections are simply closed with the context.
 */
static void run_loop(void)
{
	lws_usec_t deadline = 0;
	lws_sul_schedule(gw.context, 0, &tick_sul, on_tick, HUB_TICK_MS * LWS_US_PER_MS);
	for (;;) {
		if (gw_loop_run_once(gw.context) < 0)
			break;
		if (reload_requested && deadline == 0) {
			reload_requested = 0;
			reload();
		}
		if ((stop_requested || hub_failed(gw.hub)) && deadline == 0) {
			log_notify("STOPPING=1");
			log_event(LOGL_INFO, "stopping", "reason=%s",
			          stop_requested ? "signal" : "io_error");
			hub_shutdown(gw.hub);
			deadline = lws_now_usecs() + SHUTDOWN_GRACE_US;
		}
		if (deadline == 0)
			continue;
		hub_drain(gw.hub);
		if (hub_quiet(gw.hub) || lws_now_usecs() > deadline)
			break;
	}
}

/* ---- Start ----------------------------------------------------------------------------- */

/* An older database is copied aside before it is migrated; a newer one is
 * refused.  0, or -1 (logged). */
static int prepare_database(const struct gw_config *c)
{
	char backup[4200], why[600], q1[600], q2[4300];
	if (!c->backup_before_upgrade)
		return 0;
	int err = store_admin_backup_before_migrate(c->db, text_now_ms(), backup, sizeof backup,
	                                            why, sizeof why);
	if (err != ERR_OK) {
		log_event(LOGL_ERROR, "upgrade_refused", "db=%s error=%s",
		          log_quote(q2, sizeof q2, c->db), log_quote(q1, sizeof q1, why));
		return -1;
	}
	if (backup[0] != '\0')
		log_event(LOGL_INFO, "backup_before_upgrade", "db=%s backup=%s to_schema=%d",
		          log_quote(q1, sizeof q1, c->db), log_quote(q2, sizeof q2, backup),
		          STORE_SCHEMA_VERSION);
	return 0;
}

/*
 * Case records belong on an encrypted volume (operator's guide, "Data at
 * rest"): a deleted message stays in the disk's blocks until they are
 * overwritten, and only encryption underneath keeps a stolen disk
 * unreadable.  The gateway starts all the same (the volume is the
 * operator's choice); it says so once, as a warning in the journal.
 */
static void note_at_rest(const struct gw_config *c)
{
	char path[4096], q1[4200], q2[300];
	struct atrest_result r;
	atrest_data(ATREST_SYSFS, c->db, c->files, &r, path, sizeof path);
	if (r.state == ATREST_NOT_ENCRYPTED)
		log_event(LOGL_WARNING, "at_rest_unencrypted",
		          "path=%s device=%s how=%s see=\"operator's guide, Data at rest\"",
		          log_quote(q1, sizeof q1, path), r.device,
		          log_quote(q2, sizeof q2, r.how));
	else
		log_event(LOGL_INFO,
		          r.state == ATREST_ENCRYPTED ? "at_rest_encrypted" : "at_rest_unknown",
		          "path=%s device=%s how=%s", log_quote(q1, sizeof q1, path),
		          r.device[0] ? r.device : "none", log_quote(q2, sizeof q2, r.how));
}

/* The push key beside the database (indgang-admin init or push-key makes
 * it); without one the gateway runs without Web Push and says so.  The
 * key stays loaded while the gateway runs: the sender signs with it. */
static struct vapid *push_key;

static const char *load_push_key(const struct gw_config *c)
{
	static char pub[VAPID_PUBLIC_B64_LEN + 1];
	char why[600], q[700];
	struct vapid *v = NULL;
	int rc = pushkey_load(c->db, &v, why, sizeof why);
	if (rc == 0 && vapid_public_key(v, pub) == 0) {
		push_key = v;
		return pub;
	}
	vapid_free(v);
	if (rc == 1)
		log_event(LOGL_WARNING, "push_key_missing", "action=%s",
		          "no_web_push (indgang-admin push-key makes one)");
	else
		log_event(LOGL_ERROR, "push_key_unusable", "error=%s action=no_web_push",
		          log_quote(q, sizeof q, why));
	return NULL;
}

/* The first line of path into out; false when it cannot be read or is empty. */
static bool first_line(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	bool got = f && fgets(out, (int)cap, f) != NULL;
	if (f)
		fclose(f);
	out[got ? strcspn(out, "\r\n") : 0] = '\0';
	return out[0] != '\0';
}

#define SMS_SECRET_MIN 16 /* bytes: a guess must be hopeless */

/* The secret Kannel's get-url carries (sms_secret_file: its first line),
 * or NULL without one; *bad when the file is given but unusable. */
static const char *load_sms_secret(const struct gw_config *c, bool *bad)
{
	static char secret[256];
	char q[600];
	*bad = false;
	if (c->sms_secret_file == NULL)
		return NULL;
	if (first_line(c->sms_secret_file, secret, sizeof secret) &&
	    strlen(secret) >= SMS_SECRET_MIN)
		return secret;
	log_event(LOGL_ERROR, "sms_secret_unusable", "file=%s need=%d_bytes_or_more",
	          log_quote(q, sizeof q, c->sms_secret_file), SMS_SECRET_MIN);
	*bad = true;
	return NULL;
}

/* SMS out (issue 13): Kannel's sendsms password, and where Kannel and the
 * family find the gateway unless set.  -1 when it cannot work. */
static int sms_out_settings(const struct gw_config *c, const char *secret, struct hub_config *hc)
{
	static char password[256], dlr[600], link[600];
	char q[600];
	if (c->kannel_sendsms_url == NULL)
		return 0;
	if (secret == NULL) {
		log_event(
		    LOGL_ERROR, "sms_out_needs_secret", "msg=%s",
		    "\"kannel_sendsms_url wants sms_secret_file: delivery reports carry it\"");
		return -1;
	}
	if (c->kannel_password_file != NULL &&
	    !first_line(c->kannel_password_file, password, sizeof password)) {
		log_event(LOGL_ERROR, "kannel_password_unusable", "file=%s",
		          log_quote(q, sizeof q, c->kannel_password_file));
		return -1;
	}
	const char *host = strcmp(c->listen_addr, "0.0.0.0") == 0 ? "127.0.0.1" : c->listen_addr;
	snprintf(dlr, sizeof dlr, "https://%s:%d/sms/kannel/dlr", host, c->port);
	snprintf(link, sizeof link, "https://%s:%d/", host, c->port);
	hc->kannel_sendsms_url = c->kannel_sendsms_url;
	hc->kannel_username = c->kannel_username;
	hc->kannel_password = c->kannel_password_file ? password : NULL;
	hc->sms_sender = c->sms_sender;
	hc->sms_dlr_url = c->sms_dlr_url ? c->sms_dlr_url : dlr;
	hc->sms_link = c->sms_link ? c->sms_link : link;
	hc->sms_full_text = c->sms_full_text;
	hc->policy.sms_link = hc->sms_link;
	hc->sms_unsure_ms = (int64_t)c->sms_unsure_s * 1000;
	hc->sms_rate = c->sms_rate;
	hc->sms_fallback_ms = (int64_t)(c->sms_fallback_minutes * 60000);
	log_event(LOGL_INFO, "sms_out", "sendsms=%s dlr_url=%s link=%s full_text=%s",
	          c->kannel_sendsms_url, hc->sms_dlr_url, hc->sms_link,
	          c->sms_full_text ? "yes" : "no");
	return 0;
}

/* indgang-image: the configured one, else the one installed beside this
 * program (build/ or /usr/bin), wherever that is. */
static const char *image_helper(const struct gw_config *c, char *buf, size_t cap)
{
	if (c->image_helper != NULL)
		return c->image_helper;
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
	if (n <= 0)
		return "/usr/bin/indgang-image";
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	size_t dir = slash ? (size_t)(slash - buf) : 0;
	if (dir + sizeof "/indgang-image" > cap)
		return "/usr/bin/indgang-image";
	memcpy(buf + dir, "/indgang-image", sizeof "/indgang-image");
	return buf;
}

static int start_hub(const struct gw_config *c)
{
	static char helper[4096]; /* the hub keeps the pointer */
	char q[600];
	bool bad_secret;
	const char *sms_secret = load_sms_secret(c, &bad_secret);
	if (bad_secret)
		return -1;
	const char *push_public = load_push_key(c);
	struct hub_config hc = {
	    .db_path = c->db,
	    .files_dir = c->files,
	    .upload_max = (int64_t)c->attachment_max_mb * 1024 * 1024,
	    .http_request_s = c->http_request_s,
	    .clamd_socket = c->clamd_socket,
	    .image_helper = image_helper(c, helper, sizeof helper),
	    .reject_unscanned = c->scan_unavailable == 1,
	    .frame_headroom = LWS_PRE,
	    .http_workers = c->http_workers,
	    .ws_rate = c->ws_rate,
	    .per_account = c->connections_per_account,
	    .per_device = c->connections_per_device,
	    .idle_ping_ms = (int64_t)c->idle_ping_s * 1000,
	    .idle_drop_ms = (int64_t)c->idle_drop_s * 1000,
	    .outbox_max_frames = (size_t)c->outbox_frames,
	    .allowed_origins = (const char *const *)c->allow_origin.v,
	    .metrics_allow = (const char *const *)c->metrics_allow.v,
	    .push_public_key = push_public,
	    .push_key = push_key,
	    .push_contact = c->push_contact,
	    .push_ca_file = c->push_ca_file,
	    .push_renotify_ms = (int64_t)(c->push_renotify_minutes * 60000),
	    .sms_secret = sms_secret,
	    .sms_allow = (const char *const *)c->sms_allow.v,
	    .retention = {c->close_grace_days, c->retention_content_months, c->retention_log_months,
	                  c->retention_access_months, c->retention_sms_days},
	    .retention_batch = c->retention_batch,
	    .access_view_names = c->access_view_names,
	    .version = INDGANG_VERSION,
	    .server_software = "libwebsockets " LWS_LIBRARY_VERSION,
	};
	config_lifetimes(c, &hc.policy);
	if (sms_out_settings(c, sms_secret, &hc) != 0)
		return -1;
	struct hub_hooks hooks = {.wake = hook_wake,
	                          .want_write = hook_want_write,
	                          .signed_in = gw_admit_release,
	                          .log = hook_log,
	                          .input_announced = gw_ws_input_announced};
	int err = hub_create(&hc, &hooks, &gw.hub);
	if (err)
		log_event(LOGL_ERROR, "database_open_failed", "db=%s error=%s",
		          log_quote(q, sizeof q, c->db), err_code(err));
	return err ? -1 : 0;
}

static int start_server(const struct gw_config *c)
{
	char q1[600], q2[600];
	gw.web_root = c->web;
	gw.connections_per_address = c->connections_per_address;
	gw.http_request_s = c->http_request_s;
	gw.context = create_context(c);
	if (gw.context == NULL) {
		log_event(LOGL_ERROR, "listen_failed", "addr=%s:%d cert=%s key=%s", c->listen_addr,
		          c->port, log_quote(q1, sizeof q1, c->cert),
		          log_quote(q2, sizeof q2, c->key));
		return -1;
	}
	if (!tls_captured())
		log_event(LOGL_WARNING, "certificate_reload_unavailable", NULL);
	note_certificate(c->cert, tls_file_not_after(c->cert));
	return 0;
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	char why[1024], q[1100];
	int rc = parse_cli(argc, argv, &cli);
	if (rc)
		return rc;
	if (cli.version) {
		printf("indgang %s (schema %d, libwebsockets %s)\n", INDGANG_VERSION,
		       STORE_SCHEMA_VERSION, LWS_LIBRARY_VERSION);
		return 0;
	}
	log_init();
	if (load_settings(&cli, &settings, why, sizeof why) != 0) {
		fprintf(stderr, "indgang: %s\n", why);
		config_free(&settings);
		return EXIT_CONFIG;
	}
	if (cli.check) {
		printf("indgang: configuration OK (%s)\n",
		       settings.file ? settings.file : "no config file; flags and defaults");
		config_free(&settings);
		return 0;
	}
	umask(umask(077) | 077); /* the database and its backups: ours alone */
	log_set_level((enum log_level)settings.log_level);
	lws_set_log_level(LLL_ERR | LLL_WARN, log_lws);
	install_signals();
	log_event(LOGL_INFO, "starting", "version=%s config=%s db=%s", INDGANG_VERSION,
	          settings.file ? settings.file : "none", log_quote(q, sizeof q, settings.db));
	if (prepare_database(&settings) != 0 || start_hub(&settings) != 0) {
		config_free(&settings);
		return 1;
	}
	note_at_rest(&settings);
	if (start_server(&settings) != 0) {
		hub_destroy(gw.hub);
		vapid_free(push_key);
		config_free(&settings);
		return 1;
	}
	log_event(LOGL_INFO, "listening", "addr=%s:%d event_loop=%s msg=\"listening on %s:%d\"",
	          settings.listen_addr, settings.port, gw_loop_is_libuv() ? "libuv" : "poll",
	          settings.listen_addr, settings.port);
	log_notify("READY=1");

	run_loop();
	bool failed = hub_failed(gw.hub);

	gw_loop_destroy(gw.context);
	gw.context = NULL;
	hub_destroy(gw.hub);
	vapid_free(push_key);
	log_event(failed ? LOGL_ERROR : LOGL_INFO, "stopped", "reason=%s",
	          failed ? "io_error" : "signal");
	config_free(&settings);
	return failed ? 1 : 0;
}
