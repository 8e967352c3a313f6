/*
 * ops.c - the operator's commands of indgang-admin: status (the database
 * and the running gateway's /metrics at a glance), backup (a consistent
 * online copy) and verify (is this file a sound Indgang database?).
 *
 * They work on the database file, not through store_open(): nothing is
 * migrated, so they also work on a file of an older schema, and they may
 * run while the gateway writes.
 */
#define _GNU_SOURCE
#include "admin.h"
#include "gateway/atrest.h"
#include "gateway/pushkey.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"

#define EXIT_NOT_RUNNING 3 /* as `systemctl status` for a stopped unit */
#define FETCH_MAX        (1 << 20)
/* The operator's guide's section on encrypted volumes (docs/operators-guide.md). */
#define ADMIN_GUIDE_AT_REST "5a"

/* ---- The database ------------------------------------------------------------ */

static json_t *report_json(const char *path, const struct store_admin_report *r)
{
	json_t *o = json_pack(
	    "{s:s, s:b, s:i, s:I, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I}", "path",
	    path, "ok", r->ok, "schema_version", r->schema_version, "bytes", (json_int_t)r->bytes,
	    "journal_mode", r->journal_mode, "counts", "users", (json_int_t)r->users, "staff",
	    (json_int_t)r->staff, "members", (json_int_t)r->members, "families",
	    (json_int_t)r->families, "conversations", (json_int_t)r->conversations, "messages",
	    (json_int_t)r->messages, "devices", (json_int_t)r->devices, "log_rows",
	    (json_int_t)r->log_rows, "last_message_id", (json_int_t)r->last_message_id);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "last_message_at",
	                    r->last_message_at ? admin_json_ts(r->last_message_at) : json_null());
	json_object_set_new(o, "problem", r->ok ? json_null() : json_string(r->problem));
	return o;
}

static int inspect(struct admin *a, const char *path, bool check, json_t **out)
{
	struct store_admin_report r;
	int err = store_admin_verify(path, check, &r);
	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no database at %s", path);
	if (err != ERR_OK)
		return admin_fail(a, err, "%s is not a readable SQLite database", path);
	if ((*out = report_json(path, &r)) == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	if (!r.ok)
		a->exit_code = ADMIN_EXIT_FAIL;
	return ERR_OK;
}

static void show_report(const json_t *r)
{
	const json_t *c = json_object_get(r, "counts");
	const char *last = json_string_value(json_object_get(r, "last_message_at"));
	printf("  file            %s\n", json_string_value(json_object_get(r, "path")));
	printf("  schema version  %lld (this indgang-admin knows up to %d)\n",
	       (long long)json_integer_value(json_object_get(r, "schema_version")),
	       STORE_SCHEMA_VERSION);
	printf("  size            %.1f MiB (journal mode %s)\n",
	       (double)json_integer_value(json_object_get(r, "bytes")) / 1048576.0,
	       json_string_value(json_object_get(r, "journal_mode")));
	printf("  accounts        %lld staff and admins, %lld family members, %lld devices\n",
	       (long long)json_integer_value(json_object_get(c, "staff")),
	       (long long)json_integer_value(json_object_get(c, "members")),
	       (long long)json_integer_value(json_object_get(c, "devices")));
	printf("  families        %lld, %lld conversations\n",
	       (long long)json_integer_value(json_object_get(c, "families")),
	       (long long)json_integer_value(json_object_get(c, "conversations")));
	printf("  messages        %lld (last id %lld, %s)\n",
	       (long long)json_integer_value(json_object_get(c, "messages")),
	       (long long)json_integer_value(json_object_get(r, "last_message_id")),
	       last ? last : "none yet");
	printf("  contact log     %lld rows\n",
	       (long long)json_integer_value(json_object_get(c, "log_rows")));
	if (json_object_get(r, "files") == NULL)
		return; /* status reads no files */
	long long errors = (long long)json_integer_value(json_object_get(r, "file_errors"));
	if (json_integer_value(json_object_get(r, "files")) == 0 && errors == 0) {
		printf("  attachments     no files named\n");
		return;
	}
	printf("  attachments     %lld files, %.1f MiB, in %s%s\n",
	       (long long)json_integer_value(json_object_get(r, "files")),
	       (double)json_integer_value(json_object_get(r, "file_bytes")) / 1048576.0,
	       json_string_value(json_object_get(r, "files_dir")),
	       errors ? "; missing or damaged:" : "");
	admin_files_show_problems(r, "    ");
}

/* ---- verify ----------------------------------------------------------------------- */

int admin_verify_path(struct admin *a, const char *db, const char *files, json_t **out)
{
	int err = inspect(a, db, true, out);
	if (err != ERR_OK)
		return err;
	if ((err = admin_files_verify(a, db, files, *out)) != ERR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

int admin_verify_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	const char *path = args->n_pos > 0 ? args->pos[0] : a->db;
	char dir[4200];
	admin_files_dir(a, path, dir, sizeof dir);
	return admin_verify_path(a, path, dir, out);
}

void admin_verify_show(const struct admin *a, const json_t *out)
{
	(void)a;
	bool ok = json_is_true(json_object_get(out, "ok"));
	if (ok)
		printf("OK: a sound Indgang database\n");
	else
		printf("NOT OK: %s\n", json_string_value(json_object_get(out, "problem")));
	show_report(out);
}

/* ---- backup ----------------------------------------------------------------------- */

void admin_stamp(const struct admin *a, char out[20])
{
	char ts[32];
	size_t o = 0;
	text_format_ts(a->now, ts);
	for (const char *p = ts; *p && *p != '.' && o + 2 < 20; p++)
		if (*p != '-' && *p != ':')
			out[o++] = *p;
	out[o++] = 'Z';
	out[o] = '\0';
}

/* A directory gets a file named after the moment: indgang-YYYYMMDDTHHMMSSZ.db. */
bool admin_backup_name(const struct admin *a, const char *given, const char *ext, char *out,
                       size_t cap)
{
	struct stat st;
	char stamp[20];
	if (stat(given, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(out, cap, "%s", given);
		return false;
	}
	admin_stamp(a, stamp);
	size_t n = strlen(given);
	snprintf(out, cap, "%s%sindgang-%s%s", given, n && given[n - 1] == '/' ? "" : "/", stamp,
	         ext);
	return true;
}

int admin_backup_plain(struct admin *a, const char *dest, json_t *out)
{
	char why[512], files[4200];
	json_t *report = NULL;
	bool key_copied;
	int err = store_admin_backup(a->db, dest, why, sizeof why);
	if (err != ERR_OK)
		return admin_fail(a, err, "backup of %s failed: %s", a->db, why);
	json_object_set_new(out, "source", json_string(a->db));
	json_object_set_new(out, "backup", json_string(dest));
	/* The attachment files the copy names, right after it (files.c says
	 * why that makes a consistent pair), before the slow check of the copy. */
	admin_files_dir(a, a->db, files, sizeof files);
	if ((err = admin_files_backup(a, files, dest, out)) != ERR_OK ||
	    (err = inspect(a, dest, true, &report)) != ERR_OK)
		return err;
	json_object_set_new(out, "verify", report);
	/* The push key goes along: without it a restored gateway could not send
	 * to the subscriptions in the copy. */
	if (pushkey_copy(a->db, dest, &key_copied, why, sizeof why) != 0)
		return admin_fail(a, ERR_INTERNAL, "copying the push key failed: %s", why);
	json_object_set_new(out, "push_key", json_boolean(key_copied));
	return ERR_OK;
}

int admin_backup_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	char dest[4096];
	if (admin_sealed_wanted(a, args))
		return admin_sealed_backup(a, args, out);
	admin_backup_name(a, args->pos[0], ".db", dest, sizeof dest);
	if ((*out = json_object()) == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	int err = admin_backup_plain(a, dest, *out);
	json_object_set_new(*out, "encrypted", json_false());
	if (err != ERR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

/* What became of the attachment files, under the copy's report. */
static void show_backup_files(const json_t *out)
{
	long long errors = (long long)json_integer_value(json_object_get(out, "file_errors"));
	if (json_integer_value(json_object_get(out, "files")) == 0 && errors == 0) {
		printf("  attachments     no files to copy\n");
		return;
	}
	printf("  attachments     %lld files, %.1f MiB, in %s: %lld copied, %lld already there%s\n",
	       (long long)json_integer_value(json_object_get(out, "files")),
	       (double)json_integer_value(json_object_get(out, "file_bytes")) / 1048576.0,
	       json_string_value(json_object_get(out, "files_dir")),
	       (long long)json_integer_value(json_object_get(out, "files_copied")),
	       (long long)json_integer_value(json_object_get(out, "files_present")),
	       errors ? "; not copied:" : "");
	admin_files_show_problems(out, "    ");
	if (errors)
		printf("NOT OK: %lld attachment file%s could not be copied from %s; the backup "
		       "lacks %s\n",
		       errors, errors == 1 ? "" : "s",
		       json_string_value(json_object_get(out, "files_source")),
		       errors == 1 ? "it" : "them");
}

void admin_backup_show(const struct admin *a, const json_t *out)
{
	const json_t *r = json_object_get(out, "verify");
	long long n = (long long)json_integer_value(json_object_get(out, "recipients"));
	bool sealed = json_is_true(json_object_get(out, "encrypted"));
	printf("backed up %s\n       to %s\n", json_string_value(json_object_get(out, "source")),
	       json_string_value(json_object_get(out, "backup")));
	if (sealed)
		printf("  encrypted with age to %lld recipient%s: only their identities read it\n",
		       n, n == 1 ? "" : "s");
	if (json_is_true(json_object_get(out, "push_key")) && sealed)
		printf("  with its push key, in the archive\n");
	else if (json_is_true(json_object_get(out, "push_key")))
		printf("  with its push key: %s.vapid.pem (0600)\n",
		       json_string_value(json_object_get(out, "backup")));
	admin_verify_show(a, r);
	show_backup_files(out);
}

/* ---- status: the gateway's /metrics -------------------------------------------------- */

/* host:port of the running gateway: --url, or the config's listen. */
static void gateway_target(const struct admin *a, const char *url, char *host, size_t cap,
                           int *port)
{
	*port = 8443;
	snprintf(host, cap, "127.0.0.1");
	if (url == NULL && a->conf != NULL) {
		*port = a->conf->port;
		if (strcmp(a->conf->listen_addr, "0.0.0.0") != 0)
			snprintf(host, cap, "%s", a->conf->listen_addr);
		return;
	}
	if (url == NULL)
		return;
	const char *p = strncmp(url, "https://", 8) == 0 ? url + 8 : url;
	size_t n = strcspn(p, ":/");
	if (n > 0 && n < cap)
		snprintf(host, cap, "%.*s", (int)n, p);
	if (p[n] == ':')
		*port = atoi(p + n + 1);
}

/* Reads the whole answer; the gateway closes after "Connection: close". */
static char *read_all(BIO *b, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	int r;
	while (buf != NULL && (r = BIO_read(b, buf + n, (int)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap && cap < FETCH_MAX) {
			char *grown = realloc(buf, cap * 2 + 1);
			if (grown == NULL)
				break;
			buf = grown;
			cap *= 2;
		} else if (n == cap) {
			break;
		}
	}
	if (buf != NULL)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * GET /metrics over TLS.  The certificate is not verified: status talks to
 * the gateway on this machine (loopback by default), sends no credential,
 * and only reads counters.  Returns the HTTP status, 0 when unreachable.
 */
static int fetch_metrics(const char *host, int port, char **body, char *why, size_t cap)
{
	char target[300], req[512];
	int status = 0;
	size_t len = 0;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	BIO *b = ctx ? BIO_new_ssl_connect(ctx) : NULL;
	SSL *ssl = NULL;
	*body = NULL;
	snprintf(target, sizeof target, "%s:%d", host, port);
	if (b == NULL || BIO_set_conn_hostname(b, target) != 1) {
		snprintf(why, cap, "out of memory");
		goto done;
	}
	BIO_get_ssl(b, &ssl);
	SSL_set_mode(ssl, SSL_MODE_AUTO_RETRY);
	if (BIO_do_connect(b) != 1 || BIO_do_handshake(b) != 1) {
		snprintf(why, cap, "nothing answers TLS at %s", target);
		goto done;
	}
	struct timeval tv = {.tv_sec = 10};
	setsockopt(SSL_get_fd(ssl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	snprintf(req, sizeof req,
	         "GET /metrics HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
	         "User-Agent: indgang-admin\r\n\r\n",
	         target);
	if (BIO_puts(b, req) <= 0) {
		snprintf(why, cap, "cannot send to %s", target);
		goto done;
	}
	char *resp = read_all(b, &len);
	if (resp != NULL && sscanf(resp, "HTTP/1.%*d %d", &status) == 1) {
		char *start = strstr(resp, "\r\n\r\n");
		*body = strdup(start ? start + 4 : "");
	} else {
		snprintf(why, cap, "no HTTP answer from %s", target);
	}
	free(resp);
done:
	BIO_free_all(b);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return status;
}

/* Prometheus text into {"name{labels}": value}. */
static json_t *parse_metrics(const char *text)
{
	json_t *o = json_object();
	char *copy = strdup(text), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line && o;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');
		if (line[0] == '#' || sp == NULL)
			continue;
		*sp = '\0';
		json_object_set_new(o, line, json_real(strtod(sp + 1, NULL)));
	}
	free(copy);
	return o;
}

static json_t *gateway_json(struct admin *a, const struct admin_args *args)
{
	char host[256], why[400] = "", url[320], *body = NULL;
	int port;
	gateway_target(a, args->url, host, sizeof host, &port);
	snprintf(url, sizeof url, "https://%s:%d/metrics", host, port);
	int status = fetch_metrics(host, port, &body, why, sizeof why);
	json_t *g =
	    json_pack("{s:s, s:b, s:i}", "url", url, "running", status != 0, "status", status);
	if (status == 200 && body != NULL)
		json_object_set_new(g, "metrics", parse_metrics(body));
	else if (status != 0)
		json_object_set_new(
		    g, "problem",
		    json_sprintf("it answers, but GET /metrics gave HTTP %d (is this "
		                 "host's address in metrics_allow?)",
		                 status));
	else
		json_object_set_new(g, "problem", json_string(why));
	if (status == 0)
		a->exit_code = EXIT_NOT_RUNNING;
	free(body);
	return g;
}

/* Is the data on an encrypted volume (gateway/atrest.h)?  A warning, not
 * a failure: status's exit status stays about the database and gateway. */
static json_t *at_rest_json(const struct admin *a)
{
	char files[4200], path[4096];
	struct atrest_result r;
	admin_files_dir(a, a->db, files, sizeof files);
	atrest_data(ATREST_SYSFS, a->db, files, &r, path, sizeof path);
	return json_pack("{s:s, s:b, s:s, s:s, s:s}", "state", atrest_state_name(r.state),
	                 "encrypted", r.state == ATREST_ENCRYPTED, "how", r.how, "device", r.device,
	                 "path", path);
}

int admin_status_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	json_t *db = NULL;
	int err = inspect(a, a->db, false, &db);
	if (err != ERR_OK)
		return err;
	*out = json_pack("{s:o, s:o, s:o}", "database", db, "at_rest", at_rest_json(a), "gateway",
	                 gateway_json(a, args));
	return *out ? ERR_OK : admin_fail(a, ERR_INTERNAL, "out of memory");
}

static void show_at_rest(const json_t *r)
{
	const char *state = json_string_value(json_object_get(r, "state"));
	const char *how = json_string_value(json_object_get(r, "how"));
	const char *path = json_string_value(json_object_get(r, "path"));
	if (state != NULL && strcmp(state, "encrypted") == 0)
		printf("Data at rest: encrypted (%s)\n", how);
	else if (state != NULL && strcmp(state, "not_encrypted") == 0)
		printf("Data at rest: NOT on an encrypted volume — see the operator's guide, "
		       "section %s\n  %s is on %s (device %s)\n",
		       ADMIN_GUIDE_AT_REST, path, how,
		       json_string_value(json_object_get(r, "device")));
	else if (state != NULL)
		printf("Data at rest: unknown (%s: %s) — see the operator's guide, section %s\n",
		       path, how, ADMIN_GUIDE_AT_REST);
}

static double metric(const json_t *m, const char *key)
{
	return json_real_value(json_object_get(m, key));
}

static void show_gateway(const json_t *m, int64_t now_ms)
{
	double n = metric(m, "indgang_commit_duration_seconds_count");
	double not_after = metric(m, "indgang_tls_certificate_not_after_seconds");
	printf("  up              %.0f s\n", metric(m, "indgang_uptime_seconds"));
	printf("  connections     %.0f family, %.0f adviser, %.0f admin, %.0f signing in\n",
	       metric(m, "indgang_connections{role=\"family\"}"),
	       metric(m, "indgang_connections{role=\"adviser\"}"),
	       metric(m, "indgang_connections{role=\"admin\"}"),
	       metric(m, "indgang_connections{role=\"none\"}"));
	printf("  messages        %.0f stored, %.0f acked, %.0f delivered since start\n",
	       metric(m, "indgang_messages_stored_total"),
	       metric(m, "indgang_messages_acked_total"),
	       metric(m, "indgang_messages_delivered_total"));
	printf("  commits         %.0f (%.0f failed), mean %.2f ms, mean batch %.1f jobs\n",
	       metric(m, "indgang_commits_total"), metric(m, "indgang_commit_failures_total"),
	       n > 0 ? 1000 * metric(m, "indgang_commit_duration_seconds_sum") / n : 0,
	       n > 0 ? metric(m, "indgang_commit_batch_jobs_sum") / n : 0);
	printf("  queues          writer %.0f, http %.0f, outboxes %.0f frames\n",
	       metric(m, "indgang_write_queue_jobs"), metric(m, "indgang_http_queue_requests"),
	       metric(m, "indgang_outbox_frames"));
	printf("  refused         %.0f rate-limited, %.0f failed sign-ins, %.0f bad tokens\n",
	       metric(m, "indgang_rate_limited_total{transport=\"ws\"}") +
	           metric(m, "indgang_rate_limited_total{transport=\"http\"}"),
	       metric(m, "indgang_auth_failures_total{kind=\"login\"}"),
	       metric(m, "indgang_auth_failures_total{kind=\"token\"}") +
	           metric(m, "indgang_auth_failures_total{kind=\"websocket\"}"));
	if (not_after > 0)
		printf("  certificate     expires in %.0f days\n",
		       (not_after - (double)now_ms / 1000) / 86400);
}

void admin_status_show(const struct admin *a, const json_t *out)
{
	const json_t *g = json_object_get(out, "gateway");
	const json_t *m = json_object_get(g, "metrics");
	printf("Database\n");
	show_report(json_object_get(out, "database"));
	show_at_rest(json_object_get(out, "at_rest"));
	printf("Gateway %s\n", json_string_value(json_object_get(g, "url")));
	if (m != NULL)
		show_gateway(m, a->now);
	else
		printf("  %s: %s\n",
		       json_is_true(json_object_get(g, "running")) ? "running" : "not running",
		       json_string_value(json_object_get(g, "problem")));
}
