/*
 * config.h - the gateway's settings: defaults, /etc/indgang/indgang.conf,
 * and command-line flags that override both (documented in indgang.conf(5)).
 *
 * The file is "key = value" lines; blank lines and lines starting with '#'
 * are ignored; list keys (allow_origin, metrics_allow) take several values
 * separated by spaces and may be repeated.  An unknown key, a bad value or
 * a scalar key given twice stops the start with "FILE:LINE: why".  Every
 * key is also a flag: metrics_allow is --metrics-allow.  A flag replaces
 * the file's value (for a list: the file's whole list).
 *
 * Used by indgang and by indgang-admin (which reads db and listen from the
 * same file); no libwebsockets here.
 */
#ifndef INDGANG_CONFIG_H
#define INDGANG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/service/service.h"

#define CONFIG_DEFAULT_PATH "/etc/indgang/indgang.conf"
#define CONFIG_LIST_MAX     16

struct config_list {
	char *v[CONFIG_LIST_MAX + 1]; /* NULL-terminated */
	int n;
};

/* event_loop: libuv (epoll, the default) or lws's own poll() loop. */
enum gw_event_loop { GW_LOOP_LIBUV = 0, GW_LOOP_POLL };

struct gw_config {
	char *file; /* the config file read, or NULL */
	char *db, *cert, *key, *web;
	char *push_contact;    /* the VAPID "sub" (mailto: or https:), NULL: HUB_PUSH_CONTACT */
	char *push_ca_file;    /* CAs to trust for push services (tests), NULL: the system's */
	char *sms_secret_file; /* the secret Kannel's get-url carries (issue 13); NULL: no SMS */
	/* SMS out through Kannel's sendsms (NULL: none), its sendsms-user, the
	 * "from" of every SMS, how Kannel reaches the gateway's delivery
	 * reports, the family app's address in notices */
	char *kannel_sendsms_url, *kannel_username, *kannel_password_file, *sms_sender;
	char *sms_dlr_url, *sms_link;
	bool sms_full_text;          /* the municipality lets full text go by SMS (with consent) */
	double sms_fallback_minutes; /* a fallback notice waits this long for the app */
	int sms_unsure_s; /* an SMS a crash cut short in hand-over goes again after this */
	int sms_rate;     /* SMS handed to Kannel a second; 0: no pace */
	double push_renotify_minutes; /* a newer message's notification waits this long */
	char *files;           /* photos and documents; NULL: the database's path + ".files" */
	int attachment_max_mb; /* the largest upload */
	char *clamd_socket;    /* clamd's LocalSocket */
	int scan_unavailable;  /* clamd away: 0 wait, 1 reject the upload */
	char *image_helper;    /* indgang-image; NULL: the one beside the gateway */
	char listen_addr[64];
	int port;
	struct config_list allow_origin, metrics_allow, push_hosts, sms_allow;
	int http_workers;
	double ws_rate;
	long outbox_frames;
	int connections_per_address; /* connections from one address not (yet) signed in */
	int http_request_s;          /* a request's body must arrive within this of its headers */
	int connections_per_account; /* signed-in WebSockets of one account */
	int connections_per_device;  /* signed-in WebSockets of one device or staff sign-in */
	int log_level;               /* enum log_level */
	int event_loop;              /* enum gw_event_loop */
	int idle_ping_s, idle_drop_s;
	double staff_session_hours, staff_idle_minutes, device_idle_days;
	int device_session_days, invite_hours;
	bool backup_before_upgrade;
	/* age recipients (public keys) that indgang-admin backup encrypts to when
	 * given none on its command line; NULL: plain backups.  The gateway
	 * itself does not use it. */
	char *backup_age_recipients;
	bool push_allow_private; /* push endpoints may be addresses (tests only) */
	/* Records (issue 16): the phones of a closed case signed out after
	 * close_grace_days; its content, contact log and access log deleted
	 * their months after the closing; finished SMS after retention_sms_days;
	 * at most retention_batch rows deleted in one turn of the writer. */
	int close_grace_days, retention_content_months, retention_log_months;
	int retention_access_months, retention_sms_days, retention_batch;
	bool access_view_names; /* GET /api/me/access shows names, not only roles */
};

/* The built-in defaults (no file read yet). */
void config_defaults(struct gw_config *c);
void config_free(struct gw_config *c);

/* Reads path into c.  0, or -1 with why = "PATH:LINE: reason". */
int config_load_file(struct gw_config *c, const char *path, char *why, size_t cap);

/*
 * Sets one key (as in the file, "http_workers") to value.  from_cli: a
 * list flag's first use empties the file's list.  0, or -1 with the reason
 * (without location) in why.
 */
int config_set(struct gw_config *c, const char *key, const char *value, bool from_cli, char *why,
               size_t cap);
/* True when key exists; *is_list tells whether it takes several values. */
bool config_key_known(const char *key, bool *is_list);
/* The keys, for --help and the flag table: NULL-terminated. */
const char *const *config_keys(void);

/* Checks what only the whole can tell (db, cert and key given, idle
 * timeouts in order).  0, or -1 with why. */
int config_check(const struct gw_config *c, char *why, size_t cap);

/* The lifetimes of sign-ins, devices and invites in milliseconds, for the
 * services (NIST SP 800-63B reasoning: docs/trust.md, "Sessions"). */
void config_lifetimes(const struct gw_config *c, struct svc_policy *out);

/* Settings that differ between a and b and only take effect at a restart,
 * as "key1 key2" (empty when none). */
void config_restart_only_changes(const struct gw_config *a, const struct gw_config *b, char *out,
                                 size_t cap);

#endif
