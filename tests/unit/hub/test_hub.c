/*
 * test_hub.c - the hub itself (core/hub): the job queues between the loop
 * and its threads, the defaults it fills in, creating it on a database it
 * cannot open, the origin rule, results drained back onto the loop (a send
 * acked and fanned out once committed), and shutdown: writes refused,
 * what is queued finished and acked, every session closed with 1001, quiet
 * once they are gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/common/close.h"
#include "core/common/err.h"
#include "core/session/session_int.h"
#include "live.h"

static struct live l;

static struct job *job_of(enum job_type type, uint64_t id)
{
	struct job *j = calloc(1, sizeof *j);
	j->type = type;
	j->session_id = id;
	return j;
}

/* FIFO, at most max at a time, NULL when empty (without waiting) and once
 * closed and empty; what is left at destroy is freed. */
static void test_job_queue(void)
{
	struct job_queue q;
	job_queue_init(&q);
	CHECK(job_queue_take(&q, 10, false) == NULL);
	for (uint64_t i = 1; i <= 5; i++)
		job_queue_push(&q, job_of(JOB_SEND, i));
	struct job *batch = job_queue_take(&q, 3, false);
	uint64_t want = 1;
	size_t n = 0;
	for (struct job *j = batch; j; j = j->next, n++)
		CHECK_EQ(j->session_id, want++);
	CHECK_EQ(n, 3);
	while (batch) {
		struct job *next = batch->next;
		job_free(batch);
		batch = next;
	}
	job_queue_push(&q, job_of(JOB_READ, 6));
	job_queue_close(&q);
	/* Closed: what is queued still comes out, waiting or not. */
	struct job *j = job_queue_take(&q, 1, true);
	CHECK(j != NULL && j->session_id == 4 && j->next == NULL);
	job_free(j);
	j = job_queue_take(&q, 10, true);
	CHECK(j != NULL && j->session_id == 5 && j->next != NULL && j->next->session_id == 6);
	while (j) {
		struct job *next = j->next;
		job_free(j);
		j = next;
	}
	CHECK(job_queue_take(&q, 10, true) == NULL); /* closed and empty: no wait */
	job_queue_push(&q, job_of(JOB_LOG, 7));
	job_queue_destroy(&q); /* frees job 7 (LeakSanitizer checks) */
	job_free(NULL);
}

static void test_defaults_and_origin(void)
{
	struct hub *h = live_start(&l, (struct hub_config){0});
	if (h == NULL)
		return;
	CHECK_EQ(h->cfg.outbox_max_frames, HUB_OUTBOX_FRAMES);
	CHECK_EQ(h->cfg.outbox_max_bytes, HUB_OUTBOX_BYTES);
	CHECK_EQ(h->cfg.http_workers, HUB_HTTP_WORKERS);
	CHECK_EQ(h->n_workers, HUB_HTTP_WORKERS);
	CHECK(h->cfg.ws_rate == HUB_WS_RATE);
	CHECK_EQ(h->cfg.per_account, HUB_PER_ACCOUNT);
	CHECK_EQ(h->cfg.per_device, HUB_PER_DEVICE);
	CHECK_EQ(h->cfg.idle_ping_ms, HUB_IDLE_PING_S * 1000);
	CHECK_EQ(h->cfg.idle_drop_ms, HUB_IDLE_DROP_S * 1000);
	CHECK(h->cfg.policy.staff_session_ms > 0);
	CHECK(hub_metrics(h) != NULL);
	CHECK(!hub_failed(h));
	CHECK(hub_origin_allowed(h, "https://gw.example", "gw.example"));
	CHECK(!hub_origin_allowed(h, "http://gw.example", "gw.example"));
	CHECK(!hub_origin_allowed(h, "https://evil.example", "gw.example"));
	CHECK(!hub_origin_allowed(h, NULL, "gw.example"));
	live_stop(&l, h);

	/* A drop time not after the ping time is moved after it. */
	static const char *const allowed[] = {"https://staff.example", NULL};
	h = live_start(&l, (struct hub_config){.idle_ping_ms = 5000,
	                                       .idle_drop_ms = 1000,
	                                       .allowed_origins = allowed,
	                                       .http_workers = 3});
	if (h == NULL)
		return;
	CHECK_EQ(h->cfg.idle_drop_ms, 5000 + (HUB_IDLE_DROP_S - HUB_IDLE_PING_S) * 1000);
	CHECK_EQ(h->n_workers, 3);
	CHECK(hub_origin_allowed(h, "https://staff.example", "gw.example"));
	CHECK(!hub_origin_allowed(h, "https://staff.example.evil", "gw.example"));
	live_stop(&l, h);
}

static void test_create_fails(void)
{
	struct hub_config cfg = {.db_path = "/nonexistent-dir/indgang.db"};
	struct hub_hooks hooks = {0};
	struct hub *h = (struct hub *)&cfg; /* set to NULL on failure */
	CHECK(hub_create(&cfg, &hooks, &h) != ERR_OK);
	CHECK(h == NULL);
	hub_destroy(NULL);
}

/* A send goes to the writer; only hub_drain() acks it and fans it out. */
static void test_drain_applies_results(void)
{
	struct hub *h = live_start(&l, (struct hub_config){0});
	if (h == NULL)
		return;
	struct session *mette = session_open(h, NULL, "127.0.0.1");
	struct session *anna = session_open(h, NULL, "127.0.0.1");
	struct session *dora = session_open(h, NULL, "127.0.0.1");
	CHECK_EQ(session_auth_token(mette, l.tok_mette), ERR_OK);
	CHECK_EQ(session_auth_token(anna, l.tok_anna), ERR_OK);
	CHECK_EQ(session_auth_token(dora, l.tok_dora), ERR_OK);
	live_drain(h);
	live_take_all(mette);
	live_take_all(anna);
	live_take_all(dora);
	char send[128];
	snprintf(send, sizeof send,
	         "{\"type\":\"send\",\"conv\":%lld,\"client_id\":\"h1\",\"body\":\"Hej\"}",
	         (long long)l.w.conv_a);
	live_input(mette, send);
	CHECK_EQ(h->inflight, 1);
	CHECK(live_take(mette) == NULL); /* not acked before the commit */
	live_drain(h);
	CHECK_EQ(h->inflight, 0);
	char *f = live_take(mette);
	CHECK(live_is(f, "ack") && strstr(f, "\"client_id\":\"h1\""));
	free(f);
	CHECK(live_take(mette) == NULL); /* the sender's own is in the ack */
	f = live_take(anna);
	CHECK(live_is(f, "message") && strstr(f, "Hej"));
	free(f);
	CHECK(live_take(dora) == NULL); /* another family's adviser */
	session_closed(mette);
	session_closed(anna);
	session_closed(dora);
	live_stop(&l, h);
}

/* Shutdown: a queued send is still committed and acked, a new one is
 * refused, then every session gets 1001; quiet once all are closed. */
static void test_shutdown(void)
{
	struct hub *h = live_start(&l, (struct hub_config){0});
	if (h == NULL)
		return;
	struct session *s = session_open(h, NULL, "127.0.0.1");
	struct session *waiting = session_open(h, NULL, "127.0.0.1"); /* not signed in */
	CHECK_EQ(session_auth_token(s, l.tok_anna), ERR_OK);
	live_drain(h);
	live_take_all(s);
	char send[128];
	snprintf(send, sizeof send,
	         "{\"type\":\"send\",\"conv\":%lld,\"client_id\":\"q1\",\"body\":\"Sidste\"}",
	         (long long)l.w.conv_a);
	live_input(s, send);
	hub_shutdown(h);
	CHECK(!hub_quiet(h));
	snprintf(send, sizeof send,
	         "{\"type\":\"send\",\"conv\":%lld,\"client_id\":\"q2\",\"body\":\"For sent\"}",
	         (long long)l.w.conv_a);
	live_input(s, send);
	live_drain(h);
	char *f = live_take(s);
	CHECK(live_is(f, "error") && strstr(f, "unavailable")); /* q2, refused at once */
	free(f);
	f = live_take(s);
	CHECK(live_is(f, "ack") && strstr(f, "q1"));
	free(f);
	int code = 0;
	const char *reason = NULL;
	CHECK(session_close_pending(s, &code, &reason));
	CHECK_EQ(code, CLOSE_GOING_AWAY);
	CHECK(session_close_pending(waiting, &code, &reason));
	CHECK_EQ(code, CLOSE_GOING_AWAY);
	CHECK(!hub_quiet(h));
	session_closed(s);
	CHECK(!hub_quiet(h));
	session_closed(waiting);
	CHECK(hub_quiet(h));
	live_stop(&l, h);
}

int main(void)
{
	test_job_queue();
	test_defaults_and_origin();
	test_create_fails();
	test_drain_applies_results();
	test_shutdown();
	return check_report("hub");
}
