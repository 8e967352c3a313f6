/*
 * kannel.h - the SMS sender: a thread of its own that hands the SMS waiting
 * in the database (sms_outbox, queued with each message by
 * core/service/sms_out.c) to the SMS gateway, Kannel's smsbox, through its
 * sendsms HTTP interface (issue 13).
 *
 * The event loop and the writer never wait for Kannel.  One turn: the
 * writer claims a batch (JOB_SMS_CLAIM: svc_sms_claim() marks them as being
 * handed over and writes their texts), the sender hands them over one by
 * one, in order, and the writer records what became of them
 * (JOB_SMS_SENT):
 *
 *   202         accepted by Kannel: its delivery reports move it on
 *   400 (and other 4xx but 401/403)   failed: a request Kannel will never take
 *   401/403, 5xx, no answer   Kannel is down, busy or misconfigured: this SMS
 *               and the rest of the batch wait, and the sender backs off
 *               (doubling, up to KANNEL_BACKOFF_MAX_MS) before trying again
 *
 * Every request asks for delivery reports (dlr-mask) at dlr_url, which
 * names the SMS, so Kannel's reports reach svc_sms_report().  A gateway
 * killed between Kannel's 202 and the writer's record leaves the SMS
 * claimed: it is due again after KANNEL_UNSURE_MS, unless a delivery report
 * came meanwhile (Kannel had it).  That is the one window in which an SMS
 * can go twice (docs/kannel.md).
 */
#ifndef INDGANG_KANNEL_H
#define INDGANG_KANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hub;
struct job;
struct kannel;

#define KANNEL_BATCH          32                       /* SMS claimed at once */
#define KANNEL_UNSURE_MS      60000                    /* a claimed SMS not heard of is due again */
#define KANNEL_TTL_MS         (2 * 24 * 3600 * 1000LL) /* an SMS not handed over by then fails */
#define KANNEL_BACKOFF_MS     1000  /* the first wait after a failure, doubling */
#define KANNEL_BACKOFF_MAX_MS 30000 /* the longest */
#define KANNEL_TIMEOUT_MS     10000 /* one request to Kannel */

struct kannel_config {
	const char *sendsms_url; /* smsbox's sendsms, e.g. http://127.0.0.1:13013/cgi-bin/sendsms */
	const char *username;    /* its sendsms-user */
	const char *password;
	const char *sender;  /* the "from" of every SMS; NULL: Kannel's global-sender */
	const char *dlr_url; /* how Kannel reaches the gateway's /sms/kannel/dlr */
	const char *secret;  /* the secret the gateway's SMS endpoints want (sms_secret_file) */
	const char *link;    /* the family app's address, in notices */
	bool full_text;      /* the municipality lets full text go by SMS */
	int64_t unsure_ms;   /* 0: KANNEL_UNSURE_MS */
	int64_t fallback_ms; /* a fallback notice waits this long for the app (push) */
	int rate;            /* SMS handed over a second, evenly spaced (0: no pace) */
};

/* Starts the sender; *out is NULL when cfg->sendsms_url is NULL (no SMS out). */
int kannel_start(struct hub *h, const struct kannel_config *cfg, struct kannel **out);
/* Any thread: something was queued; look now. */
void kannel_wake(struct kannel *k);
/* The loop: the writer claimed a batch (JOB_SMS_CLAIM came back); the
 * sender takes it from j. */
void kannel_claimed(struct kannel *k, struct job *j);
/* Stops the thread; a batch claimed and not handed over is put back. */
void kannel_stop(struct kannel *k);

#endif
