/*
 * ws.c - the WebSocket of indgang-cli: wss://HOST:PORT/ws, indgang.v1.
 *
 *            ws_connect()                 CLIENT_ESTABLISHED
 *   DOWN ---------------> CONNECTING -----------------------> OPEN
 *     ^    (sul, next       |                                  |
 *     |     loop turn)      | CONNECTION_ERROR                 | CLIENT_CLOSED
 *     |                     v                                  v
 *     +------- on_down() <--+----------------------------------+
 *     ws_retry_later(): the sul fires ws_connect() after the backoff
 *
 * On ESTABLISHED the auth frame is queued first.  CLIENT_WRITEABLE writes
 * one queued frame (one lws_write per callback) and asks again while more
 * wait; after ws_close() an empty queue ends in a Close 1000.  CLIENT_RECEIVE
 * reassembles fragments (up to 16 MiB) and hands each message over as JSON.
 * WS_PEER_INITIATED_CLOSE keeps the server's close code for on_down().
 */
#define _GNU_SOURCE
#include "net_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_MAX_MESSAGE (16u * 1024 * 1024)

enum ws_state { WS_DOWN, WS_CONNECTING, WS_OPEN };

struct ws_frame {
	struct ws_frame *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE headroom, then len bytes */
};

struct ws {
	struct net *net;
	char *token;
	const struct ws_events *ev;
	void *arg;
	enum ws_state state;
	struct lws *wsi;
	struct ws_frame *head, *tail; /* to write */
	char *rx;                     /* the message being reassembled */
	size_t rx_len;
	bool closing;
	int close_code;
	char close_why[128];
	lws_sorted_usec_list_t sul; /* connect: now or after the backoff */
	lws_retry_bo_t retry;
	uint16_t tries;
	unsigned max_tries;
};

/* 0.5 s doubling to 30 s; lws adds up to jitter_percent on top. */
static const uint32_t backoff_ms[] = {500, 1000, 2000, 4000, 8000, 16000, 30000};

/* Pings after 30 s of silence, gives up after 70 s without an answer. */
#define WS_PING_SECS   30
#define WS_HANGUP_SECS 70

/* ---- the write queue -------------------------------------------------------- */

static void queue_clear(struct ws *w)
{
	while (w->head != NULL) {
		struct ws_frame *f = w->head;
		w->head = f->next;
		explicit_bzero(f->buf, LWS_PRE + f->len); /* the auth frame holds the token */
		free(f);
	}
	w->tail = NULL;
}

static int queue_text(struct ws *w, const char *text)
{
	size_t len = strlen(text);
	struct ws_frame *f = malloc(sizeof *f + LWS_PRE + len);
	if (f == NULL)
		return -1;
	f->next = NULL;
	f->len = len;
	memcpy(f->buf + LWS_PRE, text, len);
	if (w->tail != NULL)
		w->tail->next = f;
	else
		w->head = f;
	w->tail = f;
	if (w->state == WS_OPEN)
		lws_callback_on_writable(w->wsi);
	return 0;
}

/* CLIENT_WRITEABLE: one frame, or the Close once the queue is empty. */
static int write_one(struct lws *wsi, struct ws *w)
{
	struct ws_frame *f = w->head;
	if (f == NULL) {
		if (!w->closing)
			return 0;
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
		return -1;
	}
	int n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
	if (n < (int)f->len)
		return -1;
	w->head = f->next;
	if (w->head == NULL)
		w->tail = NULL;
	explicit_bzero(f->buf, LWS_PRE + f->len);
	free(f);
	if (w->head != NULL || w->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

/* ---- receiving --------------------------------------------------------------- */

static int receive(struct lws *wsi, struct ws *w, const void *in, size_t len)
{
	if (w->rx_len + len > WS_MAX_MESSAGE)
		return -1;
	char *nrx = realloc(w->rx, w->rx_len + len + 1);
	if (nrx == NULL)
		return -1;
	w->rx = nrx;
	memcpy(w->rx + w->rx_len, in, len);
	w->rx_len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
		return 0;
	json_t *frame = json_loadb(w->rx, w->rx_len, 0, NULL);
	w->rx_len = 0;
	if (json_is_object(frame) && w->ev->on_frame != NULL)
		w->ev->on_frame(w->arg, frame);
	json_decref(frame);
	return 0;
}

static void peer_close(struct ws *w, const unsigned char *in, size_t len)
{
	if (len >= 2)
		w->close_code = (in[0] << 8) | in[1];
	size_t n = len > 2 ? len - 2 : 0;
	if (n >= sizeof w->close_why)
		n = sizeof w->close_why - 1;
	for (size_t i = 0; i < n; i++) /* shown to a person: printable ASCII only */
		w->close_why[i] = in[i + 2] >= 0x20 && in[i + 2] < 0x7F ? (char)in[i + 2] : '?';
	w->close_why[n] = '\0';
}

/* The connection is gone: report once. */
static void went_down(struct ws *w, const char *reason)
{
	if (w->state == WS_DOWN)
		return;
	struct ws_down d;
	memset(&d, 0, sizeof d);
	d.was_open = w->state == WS_OPEN;
	d.close_code = w->close_code;
	snprintf(d.why, sizeof d.why, "%s", w->close_why[0] ? w->close_why : reason);
	w->state = WS_DOWN;
	w->wsi = NULL;
	w->rx_len = 0;
	queue_clear(w);
	if (w->ev->on_down != NULL)
		w->ev->on_down(w->arg, &d);
}

static int established(struct lws *wsi, struct ws *w)
{
	w->state = WS_OPEN;
	w->wsi = wsi;
	json_t *auth = json_pack("{s:s, s:s}", "type", "auth", "token", w->token);
	char *text = auth ? json_dumps(auth, JSON_COMPACT) : NULL;
	json_decref(auth);
	if (text == NULL)
		return -1;
	/* the auth frame goes before anything queued meanwhile */
	struct ws_frame *rest = w->head, *rest_tail = w->tail;
	w->head = w->tail = NULL;
	int rc = queue_text(w, text);
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc == 0 && rest != NULL) {
		w->tail->next = rest;
		w->tail = rest_tail;
	}
	return rc;
}

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct ws *w = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	if (w == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		return established(wsi, w);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return write_one(wsi, w);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return receive(wsi, w, in, len);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		peer_close(w, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		char why[256];
		net_reason(w->net, why, sizeof why, in, "cannot connect");
		lws_set_opaque_user_data(wsi, NULL);
		went_down(w, why);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		lws_set_opaque_user_data(wsi, NULL);
		went_down(w, "the connection closed");
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* ---- connecting ------------------------------------------------------------ */

static void do_connect(lws_sorted_usec_list_t *sul)
{
	struct ws *w = lws_container_of(sul, struct ws, sul);
	static const lws_retry_bo_t idle = {.secs_since_valid_ping = WS_PING_SECS,
	                                    .secs_since_valid_hangup = WS_HANGUP_SECS};
	struct lws_client_connect_info i;
	char host[300], path[300];
	net_connect_info(w->net, &i, host, sizeof host);
	snprintf(path, sizeof path, "%s/ws", net_url(w->net)->prefix);
	i.path = path;
	i.protocol = NET_PROTO_WS;
	i.local_protocol_name = NET_PROTO_WS;
	i.opaque_user_data = w;
	i.retry_and_idle_policy = &idle;
	w->state = WS_CONNECTING;
	w->closing = false;
	w->close_code = 0;
	w->close_why[0] = '\0';
	struct lws *wsi = lws_client_connect_via_info(&i);
	if (w->state != WS_CONNECTING)
		return; /* it failed already, and said so */
	if (wsi == NULL)
		went_down(w, "cannot connect");
	else
		w->wsi = wsi;
}

void ws_connect(struct ws *w)
{
	lws_sul_schedule(net_context(w->net), 0, &w->sul, do_connect, 1);
}

int ws_retry_later(struct ws *w)
{
	char conceal = 0;
	unsigned ms = lws_retry_get_delay_ms(net_context(w->net), &w->retry, &w->tries, &conceal);
	if (w->max_tries > 0 && w->tries > w->max_tries)
		return -1;
	lws_sul_schedule(net_context(w->net), 0, &w->sul, do_connect,
	                 (lws_usec_t)ms * LWS_US_PER_MS);
	return (int)ms;
}

void ws_retry_reset(struct ws *w)
{
	w->tries = 0;
}

int ws_create(struct net *n, const char *token, const struct ws_events *ev, void *arg,
              unsigned max_tries, struct ws **out)
{
	struct ws *w = calloc(1, sizeof *w);
	if (w == NULL || (w->token = strdup(token)) == NULL) {
		free(w);
		return -1;
	}
	w->net = n;
	w->ev = ev;
	w->arg = arg;
	w->max_tries = max_tries;
	w->retry.retry_ms_table = backoff_ms;
	w->retry.retry_ms_table_count = LWS_ARRAY_SIZE(backoff_ms);
	w->retry.conceal_count = LWS_RETRY_CONCEAL_ALWAYS;
	w->retry.jitter_percent = 30;
	*out = w;
	return 0;
}

void ws_destroy(struct ws *w)
{
	if (w == NULL)
		return;
	lws_sul_cancel(&w->sul);
	if (w->wsi != NULL)
		lws_set_opaque_user_data(w->wsi, NULL);
	queue_clear(w);
	free(w->rx);
	explicit_bzero(w->token, strlen(w->token));
	free(w->token);
	free(w);
}

int ws_send(struct ws *w, json_t *frame)
{
	char *text = json_dumps(frame, JSON_COMPACT);
	if (text == NULL)
		return -1;
	int rc = queue_text(w, text);
	free(text);
	return rc;
}

void ws_close(struct ws *w)
{
	w->closing = true;
	if (w->state == WS_OPEN)
		lws_callback_on_writable(w->wsi);
}

bool ws_is_open(const struct ws *w)
{
	return w->state == WS_OPEN;
}
