/*
 * config.c - reading indgang.conf and checking every value (see config.h).
 *
 * One table lists the keys, their type and their limits; the file parser
 * and the command line both go through config_set(), so a value is checked
 * the same way wherever it comes from.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hub/hub.h"
#include "core/kannel/kannel.h"
#include "core/push/endpoint.h"
#include "core/push/vapid.h"

enum key_type {
	K_PATH,
	K_URL,  /* http:// or https://, no spaces or quotes */
	K_WORD, /* a name without spaces or quotes */
	K_CONTACT,
	K_LISTEN,
	K_INT,
	K_LONG,
	K_DOUBLE,
	K_ORIGINS,
	K_ADDRS,
	K_HOSTS,
	K_CHOICE,
	K_BOOL
};

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	double min, max;
	bool reloadable; /* takes effect on SIGHUP */
};

static const char *const level_names[] = {"error", "warning", "info", "debug", NULL};
static const char *const loop_names[] = {"libuv", "poll", NULL};
static const char *const scan_names[] = {"wait", "reject", NULL};

#define OFF(f) offsetof(struct gw_config, f)

static const struct key keys[] = {
    {"db", K_PATH, OFF(db), 0, 0, false},
    {"listen", K_LISTEN, 0, 0, 0, false},
    {"cert", K_PATH, OFF(cert), 0, 0, true},
    {"key", K_PATH, OFF(key), 0, 0, true},
    {"web", K_PATH, OFF(web), 0, 0, false},
    {"allow_origin", K_ORIGINS, OFF(allow_origin), 0, 0, false},
    {"metrics_allow", K_ADDRS, OFF(metrics_allow), 0, 0, false},
    {"http_workers", K_INT, OFF(http_workers), 1, 64, false},
    {"ws_rate", K_DOUBLE, OFF(ws_rate), 1, 1e6, false},
    {"outbox_frames", K_LONG, OFF(outbox_frames), 16, 1e6, false},
    {"connections_per_address", K_INT, OFF(connections_per_address), 1, 65535, false},
    {"http_request_seconds", K_INT, OFF(http_request_s), 1, 3600, false},
    {"connections_per_account", K_INT, OFF(connections_per_account), 1, 65535, false},
    {"connections_per_device", K_INT, OFF(connections_per_device), 1, 65535, false},
    {"log_level", K_CHOICE, OFF(log_level), 0, 0, true},
    {"event_loop", K_CHOICE, OFF(event_loop), 0, 0, false},
    {"idle_ping_seconds", K_INT, OFF(idle_ping_s), 5, 3600, false},
    {"idle_drop_seconds", K_INT, OFF(idle_drop_s), 10, 7200, false},
    /* Fractions are allowed so that tests can use lifetimes of seconds. */
    {"staff_session_hours", K_DOUBLE, OFF(staff_session_hours), 0.001, 168, false},
    {"staff_idle_minutes", K_DOUBLE, OFF(staff_idle_minutes), 0.05, 720, false},
    {"device_session_days", K_INT, OFF(device_session_days), 1, 3650, false},
    {"device_idle_days", K_DOUBLE, OFF(device_idle_days), 0, 3650, false},
    {"invite_hours", K_INT, OFF(invite_hours), 1, 720, false},
    {"backup_before_upgrade", K_BOOL, OFF(backup_before_upgrade), 0, 0, false},
    /* Read by indgang-admin backup only: a change needs no restart. */
    {"backup_age_recipients", K_PATH, OFF(backup_age_recipients), 0, 0, true},
    {"push_hosts", K_HOSTS, OFF(push_hosts), 0, 0, false},
    {"push_allow_private", K_BOOL, OFF(push_allow_private), 0, 0, false},
    {"push_contact", K_CONTACT, OFF(push_contact), 0, 0, false},
    {"push_ca_file", K_PATH, OFF(push_ca_file), 0, 0, false},
    {"sms_secret_file", K_PATH, OFF(sms_secret_file), 0, 0, false},
    {"sms_allow", K_ADDRS, OFF(sms_allow), 0, 0, false},
    {"kannel_sendsms_url", K_URL, OFF(kannel_sendsms_url), 0, 0, false},
    {"kannel_username", K_WORD, OFF(kannel_username), 0, 0, false},
    {"kannel_password_file", K_PATH, OFF(kannel_password_file), 0, 0, false},
    {"sms_sender", K_WORD, OFF(sms_sender), 0, 0, false},
    {"sms_dlr_url", K_URL, OFF(sms_dlr_url), 0, 0, false},
    {"sms_link", K_URL, OFF(sms_link), 0, 0, false},
    {"sms_full_text", K_BOOL, OFF(sms_full_text), 0, 0, false},
    {"sms_unsure_seconds", K_INT, OFF(sms_unsure_s), 5, 3600, false},
    {"sms_rate", K_INT, OFF(sms_rate), 0, 10000, false},
    {"files", K_PATH, OFF(files), 0, 0, false},
    {"attachment_max_mb", K_INT, OFF(attachment_max_mb), 1, 100, false},
    {"clamd_socket", K_PATH, OFF(clamd_socket), 0, 0, false},
    {"scan_unavailable", K_CHOICE, OFF(scan_unavailable), 0, 0, false},
    {"image_helper", K_PATH, OFF(image_helper), 0, 0, false},
    {"sms_fallback_minutes", K_DOUBLE, OFF(sms_fallback_minutes), 0, 1440, false},
    {"push_renotify_minutes", K_DOUBLE, OFF(push_renotify_minutes), 0, 1440, false},
    {"close_grace_days", K_INT, OFF(close_grace_days), 0, 365, false},
    {"retention_content_months", K_INT, OFF(retention_content_months), 1, 1200, false},
    {"retention_log_months", K_INT, OFF(retention_log_months), 1, 1200, false},
    {"retention_access_months", K_INT, OFF(retention_access_months), 1, 1200, false},
    {"retention_sms_days", K_INT, OFF(retention_sms_days), 1, 3650, false},
    {"retention_batch", K_INT, OFF(retention_batch), 10, 100000, false},
    {"access_view_names", K_BOOL, OFF(access_view_names), 0, 0, false},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

/* K_CHOICE: the names of the values 0, 1, ... */
static const char *const *choices_of(const struct key *k)
{
	return k->offset == OFF(event_loop)         ? loop_names
	       : k->offset == OFF(scan_unavailable) ? scan_names
	                                            : level_names;
}

void config_defaults(struct gw_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen_addr, sizeof c->listen_addr, "127.0.0.1");
	c->port = 8443;
	c->metrics_allow.v[c->metrics_allow.n++] = strdup("127.0.0.1");
	c->sms_allow.v[c->sms_allow.n++] = strdup("127.0.0.1"); /* Kannel beside the gateway */
	for (size_t i = 0; push_default_hosts[i] != NULL; i++)
		c->push_hosts.v[c->push_hosts.n++] = strdup(push_default_hosts[i]);
	c->http_workers = HUB_HTTP_WORKERS;
	c->ws_rate = HUB_WS_RATE;
	c->outbox_frames = HUB_OUTBOX_FRAMES;
	c->connections_per_address = 200;
	c->http_request_s = HUB_HTTP_REQUEST_S;
	c->attachment_max_mb = HUB_UPLOAD_MAX / (1024 * 1024);
	c->clamd_socket = strdup(HUB_CLAMD_SOCKET);
	c->connections_per_account = HUB_PER_ACCOUNT;
	c->connections_per_device = HUB_PER_DEVICE;
	c->log_level = 2; /* info */
	c->idle_ping_s = HUB_IDLE_PING_S;
	c->idle_drop_s = HUB_IDLE_DROP_S;
	c->staff_session_hours = SVC_STAFF_SESSION_HOURS;
	c->staff_idle_minutes = SVC_STAFF_IDLE_MINUTES;
	c->device_session_days = SVC_DEVICE_SESSION_DAYS;
	c->device_idle_days = SVC_DEVICE_IDLE_DAYS;
	c->invite_hours = SVC_INVITE_HOURS;
	c->backup_before_upgrade = true;
	c->push_renotify_minutes = HUB_PUSH_RENOTIFY_MIN;
	c->sms_full_text = true;
	c->sms_unsure_s = KANNEL_UNSURE_MS / 1000;
	c->sms_fallback_minutes = 15;
	c->close_grace_days = RETENTION_GRACE_DAYS;
	c->retention_content_months = RETENTION_CONTENT_MONTHS;
	c->retention_log_months = RETENTION_LOG_MONTHS;
	c->retention_access_months = RETENTION_ACCESS_MONTHS;
	c->retention_sms_days = RETENTION_SMS_DAYS;
	c->retention_batch = HUB_RETENTION_BATCH;
}

static void list_clear(struct config_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	memset(l, 0, sizeof *l);
}

void config_free(struct gw_config *c)
{
	free(c->file);
	free(c->db);
	free(c->cert);
	free(c->key);
	free(c->web);
	free(c->push_contact);
	free(c->push_ca_file);
	list_clear(&c->allow_origin);
	list_clear(&c->metrics_allow);
	list_clear(&c->sms_allow);
	free(c->sms_secret_file);
	free(c->kannel_sendsms_url);
	free(c->kannel_username);
	free(c->kannel_password_file);
	free(c->sms_sender);
	free(c->sms_dlr_url);
	free(c->sms_link);
	free(c->files);
	free(c->backup_age_recipients);
	free(c->clamd_socket);
	free(c->image_helper);
	list_clear(&c->push_hosts);
	memset(c, 0, sizeof *c);
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

bool config_key_known(const char *key, bool *is_list)
{
	const struct key *k = find_key(key);
	if (k != NULL && is_list != NULL)
		*is_list = k->type == K_ORIGINS || k->type == K_ADDRS;
	return k != NULL;
}

const char *const *config_keys(void)
{
	static const char *names[N_KEYS + 1];
	for (size_t i = 0; i < N_KEYS; i++)
		names[i] = keys[i].name;
	return names;
}

/* ---- Values ------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -1;
}

static int set_number(struct gw_config *c, const struct key *k, const char *v, char *why,
                      size_t cap)
{
	char *end;
	errno = 0;
	double d = k->type == K_DOUBLE ? strtod(v, &end) : (double)strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0)
		return refuse(why, cap, "%s wants a number, got \"%s\"", k->name, v);
	if (d < k->min || d > k->max)
		return refuse(why, cap, "%s must be between %g and %g, got %s", k->name, k->min,
		              k->max, v);
	void *p = (char *)c + k->offset;
	if (k->type == K_INT)
		*(int *)p = (int)d;
	else if (k->type == K_LONG)
		*(long *)p = (long)d;
	else
		*(double *)p = d;
	return 0;
}

static int set_listen(struct gw_config *c, const char *v, char *why, size_t cap)
{
	const char *colon = strrchr(v, ':');
	struct in_addr a;
	char addr[64], *end;
	if (colon == NULL || (size_t)(colon - v) >= sizeof addr)
		return refuse(why, cap, "listen wants ADDRESS:PORT, got \"%s\"", v);
	memcpy(addr, v, (size_t)(colon - v));
	addr[colon - v] = '\0';
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return refuse(why, cap, "listen: \"%s\" is not a port (1-65535)", colon + 1);
	if (inet_pton(AF_INET, addr, &a) != 1)
		return refuse(why, cap, "listen: \"%s\" is not an IPv4 address (0.0.0.0: all)",
		              addr);
	snprintf(c->listen_addr, sizeof c->listen_addr, "%s", addr);
	c->port = (int)port;
	return 0;
}

/* https://host[:port] or http://host[:port], as browsers send Origin. */
static bool origin_ok(const char *v)
{
	const char *host = strncmp(v, "https://", 8) == 0  ? v + 8
	                   : strncmp(v, "http://", 7) == 0 ? v + 7
	                                                   : NULL;
	return host != NULL && host[0] != '\0' && strpbrk(host, "/?#@ ") == NULL;
}

static bool addr_ok(const char *v)
{
	char net[INET_ADDRSTRLEN];
	struct in_addr a;
	const char *slash = strchr(v, '/');
	if (slash == NULL)
		return inet_pton(AF_INET, v, &a) == 1;
	if ((size_t)(slash - v) >= sizeof net)
		return false;
	memcpy(net, v, (size_t)(slash - v));
	net[slash - v] = '\0';
	char *end;
	long bits = strtol(slash + 1, &end, 10);
	return slash[1] != '\0' && *end == '\0' && bits >= 0 && bits <= 32 &&
	       inet_pton(AF_INET, net, &a) == 1;
}

/* A push service's host: a name, "*." and a name, or an IPv4 address. */
static bool host_ok(const char *v)
{
	const char *name = strncmp(v, "*.", 2) == 0 ? v + 2 : v;
	if (*name == '\0' || strlen(name) > 253)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

/* Appends each space-separated word of v to the list. */
static int set_list(struct gw_config *c, const struct key *k, const char *v, bool replace,
                    char *why, size_t cap)
{
	struct config_list *l = (struct config_list *)((char *)c + k->offset);
	char copy[1024], *save = NULL;
	if (replace)
		list_clear(l);
	snprintf(copy, sizeof copy, "%s", v);
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (k->type == K_ORIGINS && !origin_ok(w))
			return refuse(
			    why, cap,
			    "allow_origin wants https://host[:port] (no path), got \"%s\"", w);
		if (k->type == K_HOSTS && !host_ok(w))
			return refuse(
			    why, cap,
			    "push_hosts wants host names (*.name for its subdomains), got "
			    "\"%s\"",
			    w);
		if (k->type == K_ADDRS && !addr_ok(w))
			return refuse(why, cap,
			              "%s wants IPv4 addresses or CIDR blocks, got \"%s\"", k->name,
			              w);
		if (l->n == CONFIG_LIST_MAX)
			return refuse(why, cap, "%s takes at most %d values", k->name,
			              CONFIG_LIST_MAX);
		l->v[l->n++] = strdup(w);
	}
	return 0;
}

static int set_choice(int *out, const char *const *names, const struct key *k, const char *v,
                      char *why, size_t cap)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], v) == 0) {
			*out = i;
			return 0;
		}
	return refuse(why, cap, "%s: \"%s\" is not one of the allowed values", k->name, v);
}

int config_set(struct gw_config *c, const char *name, const char *value, bool from_cli, char *why,
               size_t cap)
{
	static const char *const bools[] = {"no", "yes", NULL};
	const struct key *k = find_key(name);
	if (k == NULL)
		return refuse(why, cap, "unknown setting \"%s\"", name);
	switch (k->type) {
	case K_PATH:
		if (value[0] == '\0')
			return refuse(why, cap, "%s wants a path", name);
		free(*(char **)((char *)c + k->offset));
		*(char **)((char *)c + k->offset) = strdup(value);
		return 0;
	case K_URL:
		if ((strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) ||
		    strpbrk(value, "\"\\ ?#") != NULL || strlen(value) > 512)
			return refuse(why, cap,
			              "%s wants an http:// or https:// URL without a query", name);
		free(*(char **)((char *)c + k->offset));
		*(char **)((char *)c + k->offset) = strdup(value);
		return 0;
	case K_WORD:
		if (value[0] == '\0' || strpbrk(value, "\"\\ &=%") != NULL || strlen(value) > 64)
			return refuse(why, cap, "%s wants a word of at most 64 characters", name);
		free(*(char **)((char *)c + k->offset));
		*(char **)((char *)c + k->offset) = strdup(value);
		return 0;
	case K_CONTACT: /* RFC 8292's "sub": how a push service reaches the operator */
		if ((strncmp(value, "mailto:", 7) != 0 && strncmp(value, "https://", 8) != 0) ||
		    strpbrk(value, "\"\\ ") != NULL || strlen(value) > VAPID_SUBJECT_MAX)
			return refuse(why, cap, "%s wants mailto:address or an https:// URL", name);
		free(*(char **)((char *)c + k->offset));
		*(char **)((char *)c + k->offset) = strdup(value);
		return 0;
	case K_LISTEN:
		return set_listen(c, value, why, cap);
	case K_INT:
	case K_LONG:
	case K_DOUBLE:
		return set_number(c, k, value, why, cap);
	case K_ORIGINS:
	case K_ADDRS:
	case K_HOSTS:
		return set_list(c, k, value, from_cli, why, cap);
	case K_CHOICE:
		return set_choice((int *)((char *)c + k->offset), choices_of(k), k, value, why,
		                  cap);
	case K_BOOL: {
		int b = 0;
		if (set_choice(&b, bools, k, value, why, cap) != 0)
			return refuse(why, cap, "%s wants yes or no, got \"%s\"", name, value);
		*(bool *)((char *)c + k->offset) = b == 1;
		return 0;
	}
	}
	return refuse(why, cap, "unknown setting \"%s\"", name);
}

/* ---- The file ---------------------------------------------------------------- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One line; 0, or -1 with why (no location). seen[] marks scalar keys set. */
static int parse_line(struct gw_config *c, char *line, int lineno, int *seen, char *why, size_t cap)
{
	char *s = trim(line);
	if (*s == '\0' || *s == '#')
		return 0;
	char *eq = strchr(s, '=');
	if (eq == NULL)
		return refuse(why, cap, "expected \"key = value\", got \"%.60s\"", s);
	*eq = '\0';
	char *name = trim(s), *value = trim(eq + 1);
	const struct key *k = find_key(name);
	if (k == NULL)
		return refuse(why, cap, "unknown setting \"%.60s\"", name);
	bool list = k->type == K_ORIGINS || k->type == K_ADDRS;
	int *first = &seen[k - keys];
	if (!list && *first)
		return refuse(why, cap, "%s is set twice (first on line %d)", name, *first);
	/* A list in the file replaces the default on its first line. */
	int rc = config_set(c, name, value, list && *first == 0, why, cap);
	if (*first == 0)
		*first = lineno;
	return rc;
}

int config_load_file(struct gw_config *c, const char *path, char *why, size_t cap)
{
	FILE *f = fopen(path, "r");
	char line[1024], reason[512];
	int seen[N_KEYS] = {0}, lineno = 0;
	if (f == NULL)
		return refuse(why, cap, "%s: %s", path, strerror(errno));
	free(c->file);
	c->file = strdup(path);
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fclose(f);
			return refuse(why, cap, "%s:%d: the line is longer than %zu bytes", path,
			              lineno, sizeof line - 2);
		}
		if (parse_line(c, line, lineno, seen, reason, sizeof reason) != 0) {
			fclose(f);
			return refuse(why, cap, "%s:%d: %s", path, lineno, reason);
		}
	}
	fclose(f);
	return 0;
}

int config_check(const struct gw_config *c, char *why, size_t cap)
{
	if (c->db == NULL)
		return refuse(why, cap, "no database: set db in the config file or give --db");
	if (c->cert == NULL || c->key == NULL)
		return refuse(why, cap,
		              "no certificate: set cert and key, or give --cert and --key");
	if (c->staff_idle_minutes * 60 > c->staff_session_hours * 3600)
		return refuse(why, cap,
		              "staff_idle_minutes (%g) must not be above staff_session_hours (%g)",
		              c->staff_idle_minutes, c->staff_session_hours);
	if (c->device_idle_days > c->device_session_days)
		return refuse(why, cap,
		              "device_idle_days (%g) must not be above device_session_days (%d)",
		              c->device_idle_days, c->device_session_days);
	/* The logs record the contacts the content was: they outlive it. */
	if (c->retention_log_months < c->retention_content_months ||
	    c->retention_access_months < c->retention_content_months)
		return refuse(why, cap,
		              "retention_log_months (%d) and retention_access_months (%d) must not "
		              "be below retention_content_months (%d)",
		              c->retention_log_months, c->retention_access_months,
		              c->retention_content_months);
	if (c->idle_drop_s <= c->idle_ping_s)
		return refuse(why, cap,
		              "idle_drop_seconds (%d) must be above idle_ping_seconds (%d)",
		              c->idle_drop_s, c->idle_ping_s);
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_list(const struct config_list *a, const struct config_list *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool same_value(const struct key *k, const struct gw_config *a, const struct gw_config *b)
{
	const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;
	switch (k->type) {
	case K_PATH:
	case K_URL:
	case K_WORD:
	case K_CONTACT:
		return same_str(*(char *const *)pa, *(char *const *)pb);
	case K_LISTEN:
		return a->port == b->port && strcmp(a->listen_addr, b->listen_addr) == 0;
	case K_INT:
	case K_CHOICE:
		return *(const int *)pa == *(const int *)pb;
	case K_LONG:
		return *(const long *)pa == *(const long *)pb;
	case K_DOUBLE:
		return *(const double *)pa == *(const double *)pb;
	case K_BOOL:
		return *(const bool *)pa == *(const bool *)pb;
	case K_ORIGINS:
	case K_ADDRS:
	case K_HOSTS:
		return same_list((const struct config_list *)pa, (const struct config_list *)pb);
	}
	return true;
}

void config_restart_only_changes(const struct gw_config *a, const struct gw_config *b, char *out,
                                 size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < N_KEYS; i++) {
		if (keys[i].reloadable || same_value(&keys[i], a, b))
			continue;
		int n = snprintf(out + o, cap - o, "%s%s", o ? " " : "", keys[i].name);
		if (n < 0 || (size_t)n >= cap - o)
			break;
		o += (size_t)n;
	}
}

void config_lifetimes(const struct gw_config *c, struct svc_policy *out)
{
	const double hour = 3600.0 * 1000, day = 24 * hour;
	out->staff_session_ms = (int64_t)(c->staff_session_hours * hour);
	out->staff_idle_ms = (int64_t)(c->staff_idle_minutes * 60 * 1000);
	out->device_session_ms = (int64_t)c->device_session_days * (int64_t)day;
	/* 0 days: no idle limit, as long as the session lives */
	out->device_idle_ms = c->device_idle_days > 0 ? (int64_t)(c->device_idle_days * (double)day)
	                                              : out->device_session_ms;
	out->invite_ms = (int64_t)c->invite_hours * (int64_t)hour;
	out->push_hosts = (const char *const *)c->push_hosts.v;
	out->push_allow_private = c->push_allow_private;
	out->sms_full_text = c->sms_full_text;
	out->sms_out = c->kannel_sendsms_url != NULL;
}
