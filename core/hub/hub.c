/*
 * hub.c - creating and stopping the hub and its threads (the writer, the
 * HTTP workers, the reader), draining the results they hand back, the
 * periodic tick, logging, and shutdown.
 */
#include "hub_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api/api.h"
#include "../attach/files.h"
#include "../scan/scan.h"
#include "../common/err.h"
#include "../common/text.h"
#include "../kannel/kannel.h"
#include "../notify/notify.h"
#include "../session/session_int.h"
#include "../workers/workers_int.h"
#include "../writer/writer_int.h"

#define HOUR_MS (3600LL * 1000)

static void config_defaults(struct hub_config *c)
{
	if (c->outbox_max_frames == 0)
		c->outbox_max_frames = HUB_OUTBOX_FRAMES;
	if (c->outbox_max_bytes == 0)
		c->outbox_max_bytes = HUB_OUTBOX_BYTES;
	if (c->policy.staff_session_ms == 0)
		svc_policy_defaults(&c->policy);
	if (c->http_workers <= 0)
		c->http_workers = HUB_HTTP_WORKERS;
	if (c->ws_rate <= 0)
		c->ws_rate = HUB_WS_RATE;
	if (c->per_account <= 0)
		c->per_account = HUB_PER_ACCOUNT;
	if (c->per_device <= 0)
		c->per_device = HUB_PER_DEVICE;
	if (c->idle_ping_ms <= 0)
		c->idle_ping_ms = HUB_IDLE_PING_S * 1000;
	if (c->push_contact == NULL)
		c->push_contact = HUB_PUSH_CONTACT;
	if (c->clamd_socket == NULL)
		c->clamd_socket = HUB_CLAMD_SOCKET;
	if (c->image_helper == NULL)
		c->image_helper = "indgang-image";
	if (c->upload_max <= 0)
		c->upload_max = HUB_UPLOAD_MAX;
	if (c->retention.content_months <= 0) /* unset: the documented periods */
		c->retention = (struct retention_policy){
		    RETENTION_GRACE_DAYS, RETENTION_CONTENT_MONTHS, RETENTION_LOG_MONTHS,
		    RETENTION_ACCESS_MONTHS, RETENTION_SMS_DAYS};
	if (c->retention_batch <= 0)
		c->retention_batch = HUB_RETENTION_BATCH;
	if (c->http_request_s <= 0)
		c->http_request_s = HUB_HTTP_REQUEST_S;
	if (c->idle_drop_ms <= c->idle_ping_ms)
		c->idle_drop_ms = c->idle_ping_ms + (HUB_IDLE_DROP_S - HUB_IDLE_PING_S) * 1000;
}

/* The folder of photos and documents: the configured one, or the
 * database's path + ".files", so each database has its own. */
static int open_files(struct hub *h)
{
	char dflt[4096];
	const char *dir = h->cfg.files_dir;
	if (dir == NULL) {
		if ((size_t)snprintf(dflt, sizeof dflt, "%s.files", h->cfg.db_path) >= sizeof dflt)
			return ERR_INTERNAL;
		dir = dflt;
	}
	int err = attach_files_open(dir, &h->files);
	if (err) {
		char q[512];
		hub_log(h, HUB_LOG_ERROR, "files_open_failed", "dir=%s",
		        hub_log_quote(q, sizeof q, dir));
	}
	return err;
}

int hub_create(const struct hub_config *cfg, const struct hub_hooks *hooks, struct hub **out)
{
	*out = NULL;
	struct hub *h = calloc(1, sizeof *h);
	if (h == NULL)
		return ERR_INTERNAL;
	h->cfg = *cfg;
	config_defaults(&h->cfg);
	h->hooks = *hooks;
	atomic_init(&h->writable, true);
	atomic_init(&h->failed, false);
	job_queue_init(&h->write_q);
	job_queue_init(&h->http_q);
	job_queue_init(&h->read_q);
	job_queue_init(&h->done_q);
	/* The loop's connection reads with pread(), not through a memory map:
	 * SQLite unmaps the whole file at the first read after any other
	 * connection's commit, and that munmap() waits (state D) for the
	 * writer's writeback of the same file; every page read is faulted in
	 * again after it.  See docs/performance.md, "The event loop and the
	 * disk". */
	int err = store_open(cfg->db_path, &h->store);
	if (err == ERR_OK) {
		h->sessions = idmap_create();
		h->by_user = idmap_create();
		h->throttle = auth_throttle_create();
		h->metrics = metrics_create(cfg->version, cfg->server_software);
		h->presence = presence_create();
		if (!h->sessions || !h->by_user || !h->throttle || !h->metrics || !h->presence)
			err = ERR_INTERNAL;
	}
	if (err == ERR_OK)
		err = open_files(h);
	if (err == ERR_OK)
		err = writer_start(h);
	if (err == ERR_OK)
		err = workers_start(h);
	if (err == ERR_OK)
		err = reader_start(h);
	if (err == ERR_OK) {
		struct notify_config nc = {.db_path = h->cfg.db_path,
		                           .key = h->cfg.push_key,
		                           .contact = h->cfg.push_contact,
		                           .ca_file = h->cfg.push_ca_file,
		                           .renotify_ms = h->cfg.push_renotify_ms,
		                           .device_idle_ms = h->cfg.policy.device_idle_ms};
		err = notify_start(h, &nc, &h->notify);
	}
	if (err == ERR_OK) {
		struct kannel_config kc = {.sendsms_url = h->cfg.kannel_sendsms_url,
		                           .username = h->cfg.kannel_username,
		                           .password = h->cfg.kannel_password,
		                           .sender = h->cfg.sms_sender,
		                           .dlr_url = h->cfg.sms_dlr_url,
		                           .secret = h->cfg.sms_secret,
		                           .link = h->cfg.sms_link,
		                           .full_text = h->cfg.sms_full_text,
		                           .unsure_ms = h->cfg.sms_unsure_ms,
		                           .fallback_ms = h->cfg.sms_fallback_ms,
		                           .rate = h->cfg.sms_rate};
		err = kannel_start(h, &kc, &h->kannel);
	}
	if (err == ERR_OK) {
		struct scan_config sc = {.clamd_socket = h->cfg.clamd_socket,
		                         .image_helper = h->cfg.image_helper,
		                         .reject_unscanned = h->cfg.reject_unscanned};
		err = scan_start(h, &sc, &h->scan);
	}
	if (err) {
		hub_destroy(h);
		return err;
	}
	*out = h;
	return ERR_OK;
}

static void free_session(int64_t key, void *val, void *arg)
{
	(void)key;
	(void)arg;
	session_free(val);
}

void hub_destroy(struct hub *h)
{
	if (h == NULL)
		return;
	notify_stop(h->notify); /* its last outcomes go to the writer */
	kannel_stop(h->kannel); /* and so do the SMS sender's */
	scan_stop(h->scan);     /* and the checker's */
	writer_stop(h);         /* finishes what is queued: nothing acked is lost */
	workers_stop(h);
	reader_stop(h);
	struct job *j;
	while ((j = job_queue_take(&h->done_q, 1, false)) != NULL) {
		if (j->type == JOB_HTTP) {
			j->call->abandoned = true; /* its transport is gone with the loop */
			http_call_apply(h, j->call);
		}
		job_free(j);
	}
	if (h->sessions)
		idmap_each(h->sessions, free_session, NULL);
	idmap_destroy(h->sessions);
	idmap_destroy(h->by_user);
	auth_throttle_destroy(h->throttle);
	presence_destroy(h->presence);
	metrics_destroy(h->metrics);
	store_close(h->store);
	attach_files_close(h->files);
	job_queue_destroy(&h->write_q);
	job_queue_destroy(&h->http_q);
	job_queue_destroy(&h->read_q);
	job_queue_destroy(&h->done_q);
	free(h);
}

struct metrics *hub_metrics(struct hub *h)
{
	return h->metrics;
}

void hub_notice(struct hub *h, char *frame, struct route_set *to)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL) {
		free(frame);
		route_set_free(to);
		return;
	}
	j->type = JOB_NOTICE;
	j->uncounted = true;
	j->notice = frame;
	j->notice_to = *to;
	memset(to, 0, sizeof *to);
	job_queue_push(&h->done_q, j);
	h->hooks.wake(h->hooks.ctx);
}

struct attach_files *hub_files(struct hub *h)
{
	return h->files;
}

/* ---- Logging ------------------------------------------------------------------ */

void hub_log(struct hub *h, int level, const char *event, const char *fmt, ...)
{
	char fields[512];
	va_list ap;
	if (h->hooks.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(fields, sizeof fields, fmt, ap);
	va_end(ap);
	h->hooks.log(h->hooks.ctx, level, event, fields);
}

const char *hub_log_quote(char *buf, size_t cap, const char *value)
{
	return text_logfmt_quote(buf, cap, value);
}

enum metric_gauge hub_conn_gauge(enum role role)
{
	switch (role) {
	case ROLE_FAMILY:
		return MG_CONN_FAMILY;
	case ROLE_ADVISER:
		return MG_CONN_ADVISER;
	case ROLE_ADMIN:
		return MG_CONN_ADMIN;
	default:
		return MG_CONN_UNAUTH;
	}
}

/* ---- Origins ------------------------------------------------------------------- */

bool hub_origin_allowed(const struct hub *h, const char *origin, const char *host)
{
	return api_origin_allowed(origin, host, h->cfg.allowed_origins);
}

/* ---- Periodic checks -------------------------------------------------------------- */

/* Scheduled messages whose time has come go to the writer, one job at a
 * time; a tick is 250 ms, so one goes at most that late. */
static void release_due(struct hub *h)
{
	int64_t at = 0;
	if (h->release_pending || h->shutting_down || !atomic_load(&h->writable) ||
	    svc_schedule_next(h->store, &at) != ERR_OK || at == 0 || at > text_now_ms())
		return;
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return;
	j->type = JOB_RELEASE;
	h->release_pending = true;
	writer_submit(h, j);
}

/* Waits whose time to be looked at has come (issue 15), likewise. */
static void escalate_due(struct hub *h)
{
	int64_t at = 0;
	if (h->escalate_pending || h->shutting_down || !atomic_load(&h->writable) ||
	    svc_escalate_next(h->store, &at) != ERR_OK || at == 0 || at > text_now_ms())
		return;
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return;
	j->type = JOB_ESCALATE;
	h->escalate_pending = true;
	writer_submit(h, j);
}

/* The retention rules (issue 16): a turn when a family's record is due,
 * when the sweep of dead sign-ins is, or to let the writer truncate the WAL
 * after a deletion.  One turn at a time, each bounded (retention_batch). */
static void retain_due(struct hub *h)
{
	int64_t at = 0, now = text_now_ms();
	if (h->retain_pending || h->shutting_down || !atomic_load(&h->writable))
		return;
	bool sweep = now - h->swept_at >= HUB_SWEEP_MS;
	if (!sweep && !atomic_load(&h->scrub_wal) && !h->vacuum_left &&
	    (svc_retention_next(h->store, &at) != ERR_OK || at == 0 || at > now))
		return;
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return;
	j->type = JOB_RETAIN;
	j->retention = h->cfg.retention;
	j->retain_max = h->cfg.retention_batch;
	j->sweep = sweep;
	if (sweep)
		h->swept_at = now;
	h->retain_pending = true;
	writer_submit(h, j);
}

void hub_tick(struct hub *h)
{
	session_expire_unauthenticated(h); /* core/session/session.c */
	lifetime_sweep(h);                 /* core/session/lifetime.c: one slice */
	release_due(h);
	escalate_due(h);
	retain_due(h);
}

/* ---- Results and shutdown ------------------------------------------------------- */

static void say_farewell(int64_t key, void *val, void *arg)
{
	(void)key;
	(void)arg;
	struct session *s = val;
	s->state = SESSION_CLOSING;
	session_close(s, CLOSE_GOING_AWAY, "server shutting down");
}

void hub_drain(struct hub *h)
{
	struct job *j;
	while ((j = job_queue_take(&h->done_q, 64, false)) != NULL) {
		while (j) {
			struct job *next = j->next;
			if (!j->uncounted)
				h->inflight--;
			if (j->type == JOB_HTTP)
				http_call_apply(h, j->call);
			else
				verb_apply(h, j);
			job_free(j);
			j = next;
		}
	}
	if (h->shutting_down && h->inflight == 0 && !h->farewell_sent) {
		h->farewell_sent = true;
		idmap_each(h->sessions, say_farewell, NULL);
	}
}

void hub_shutdown(struct hub *h)
{
	h->shutting_down = true;
	hub_drain(h);
}

bool hub_failed(struct hub *h)
{
	return atomic_load(&h->failed);
}

bool hub_quiet(struct hub *h)
{
	return h->farewell_sent && idmap_count(h->sessions) == 0;
}
