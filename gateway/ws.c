/*
 * ws.c - the WebSocket protocol "indgang.v1" on /ws.
 *
 * Each reason makes one core call: CONFIRM_EXTENSION_OKAY refuses every
 * extension (small frames are framed here, gateway/wsframe.h), ESTABLISHED
 * opens a session, RECEIVE reassembles fragments (capped at 64 KiB across
 * fragments, which lws 4.1 does not do) and hands over complete messages,
 * SERVER_WRITEABLE writes the queued frames while the socket takes them,
 * CLOSED closes the session, and EVENT_WAIT_CANCELLED drains what the hub's
 * threads handed back.
 */
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

#include "core/common/err.h"
#include "wsframe.h"

struct pss_ws {
	struct session *session;
	char *msg; /* the message being reassembled */
	size_t len;
	char cookie_token[80];
	bool bad_origin;     /* refused once established, with a reason the client can read */
	bool close_sent;     /* our Close frame is out; waiting for the peer's */
	unsigned extensions; /* negotiated on this connection: then no coalescing */
};

size_t gw_ws_pss_size(void)
{
	return sizeof(struct pss_ws);
}

/* Upgrade filter: only /ws, and a cookie only counts from an allowed Origin.
 * A wrong Origin (cross-site WebSocket hijacking) is refused as soon as the
 * connection is up: an error frame and close 4403, never a session. */
static int ws_filter(struct lws *wsi, struct pss_ws *pss)
{
	char uri[64], origin[256], host[256];
	if (!gw_header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) || strcmp(uri, GW_WS_PATH) != 0)
		return 1;
	bool has_origin = gw_header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin);
	if (!gw_header(wsi, WSI_TOKEN_HOST, host, sizeof host))
		host[0] = '\0';
	bool allowed = has_origin && hub_origin_allowed(gw.hub, origin, host);
	pss->bad_origin = has_origin && !allowed;
	pss->cookie_token[0] = '\0';
	if (allowed)
		gw_cookie_token(wsi, pss->cookie_token, sizeof pss->cookie_token);
	return 0;
}

/* lws asks for each extension a client offers that the vhost supports (the
 * gateway's vhost lists none): nonzero refuses it.  Frames are coalesced by
 * hand (wsframe.c), past any extension's transform, so none is accepted;
 * should that policy change, the count turns coalescing off. */
static int ws_confirm_extension(struct pss_ws *pss, const char *name)
{
	if (!wsframe_extension_ok(name))
		return 1;
	pss->extensions++;
	return 0;
}

static void ws_established(struct lws *wsi, struct pss_ws *pss)
{
	char peer[64] = "";
	lws_get_peer_simple(wsi, peer, sizeof peer);
	pss->session = session_open(gw.hub, wsi, peer);
	if (pss->session == NULL) {
		lws_close_reason(wsi, (enum lws_close_status)CLOSE_INTERNAL, NULL, 0);
		lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
		return;
	}
	if (pss->bad_origin) {
		session_refuse(pss->session, ERR_FORBIDDEN, CLOSE_REVOKED,
		               "This page's origin may not open the gateway.");
		return;
	}
	/* Without a cookie the hub closes it unless it authenticates within
	 * HUB_AUTH_DEADLINE_MS (session_expire_unauthenticated). */
	if (pss->cookie_token[0] != '\0')
		session_auth_token(pss->session, pss->cookie_token);
}

size_t gw_ws_input_announced(void *transport)
{
	struct lws *wsi = transport;
	const struct pss_ws *pss = lws_wsi_user(wsi);
	return (pss ? pss->len : 0) + lws_remaining_packet_payload(wsi);
}

/* Appends a chunk; returns a close code when the message must be refused. */
static int ws_receive(struct lws *wsi, struct pss_ws *pss, const char *in, size_t len)
{
	if (lws_frame_is_binary(wsi))
		return CLOSE_INVALID_DATA;
	/* Count what is announced, not only what arrived: a frame claiming
	 * 2^40 bytes is refused at once instead of waited for. */
	size_t remaining = lws_remaining_packet_payload(wsi);
	if (pss->len + len + remaining > GW_MESSAGE_MAX)
		return CLOSE_TOO_BIG;
	char *grown = realloc(pss->msg, pss->len + len + 1);
	if (grown == NULL)
		return CLOSE_INTERNAL;
	pss->msg = grown;
	memcpy(pss->msg + pss->len, in, len);
	pss->len += len;
	if (lws_is_final_fragment(wsi) && remaining == 0) {
		pss->msg[pss->len] = '\0';
		session_input(pss->session, pss->msg, pss->len);
		free(pss->msg);
		pss->msg = NULL;
		pss->len = 0;
	}
	return 0;
}

/*
 * Our side of the closing handshake.  We send the Close frame ourselves and
 * keep reading until the peer answers with its own (or 3 s pass): closing
 * the socket while the peer is still sending would make the kernel answer
 * with RST, and the peer would lose the last acks it had not read yet.
 */
/* lws 4.1 writes a Close frame for protocol 4; its header keeps the name
 * private because it wants lws_close_reason(), which closes without waiting. */
#define GW_WRITE_CLOSE ((enum lws_write_protocol)4)

static int ws_send_close(struct lws *wsi, struct pss_ws *pss, int code, const char *reason)
{
	unsigned char buf[LWS_PRE + 125];
	size_t n = strlen(reason);
	if (n > sizeof buf - LWS_PRE - 2)
		n = sizeof buf - LWS_PRE - 2;
	buf[LWS_PRE] = (unsigned char)(code >> 8);
	buf[LWS_PRE + 1] = (unsigned char)(code & 0xff);
	memcpy(buf + LWS_PRE + 2, reason, n);
	if (lws_write(wsi, buf + LWS_PRE, n + 2, GW_WRITE_CLOSE) < 0)
		return -1;
	pss->close_sent = true;
	lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_ACK, 3);
	return 0;
}

/* Writes per writable callback while the socket takes them: an adviser's
 * fan-out arrives in bursts (one per group commit), and each turn of the loop
 * costs two epoll_ctl calls. */
#define GW_WRITES_PER_CALLBACK 16
/* Small frames of a burst are framed here (wsframe.c) and go out together,
 * one TLS record and one send() for up to this many bytes, where lws would
 * write each frame as its own record and syscall; larger frames are left to
 * lws, and so is every frame of a connection with an extension. */
#define GW_COALESCE_BYTES 16384

static unsigned char coalesced[LWS_PRE + GW_COALESCE_BYTES]; /* the loop thread's */

static const uint8_t *ws_source_next(void *session, size_t *len)
{
	return outbox_next_frame(session, len);
}

static void ws_source_done(void *session)
{
	outbox_frame_done(session);
}

/* Frames from the front of the outbox, framed into coalesced[] while they
 * fit; the bytes gathered (0: the next frame is too big, none is left, or
 * the connection has an extension). */
static size_t ws_gather(struct pss_ws *pss)
{
	const struct wsframe_source src = {ws_source_next, ws_source_done, pss->session};
	return wsframe_coalesce(coalesced + LWS_PRE, GW_COALESCE_BYTES, pss->extensions, &src);
}

/* One write: the frames that fit in a record, or else the next frame alone;
 * 0 when nothing was left, 1 when something was written, -1 on error. */
static int ws_write_some(struct lws *wsi, struct pss_ws *pss)
{
	struct session *s = pss->session;
	size_t used = ws_gather(pss), len;
	if (used > 0)
		return lws_write(wsi, coalesced + LWS_PRE, used, LWS_WRITE_RAW) < (int)used ? -1
		                                                                            : 1;
	const unsigned char *frame = outbox_next_frame(s, &len);
	if (frame == NULL)
		return 0;
	if (lws_write(wsi, (unsigned char *)frame, len, LWS_WRITE_TEXT) < (int)len)
		return -1;
	outbox_frame_done(s);
	return 1;
}

static int ws_writeable(struct lws *wsi, struct pss_ws *pss)
{
	size_t len;
	if (pss->close_sent)
		return 0;
	if (keepalive_take_ping(pss->session)) {
		/* With a payload: lws 4.1 does not report an empty pong. */
		unsigned char ping[LWS_PRE + 2] = {[LWS_PRE] = 'k', [LWS_PRE + 1] = 'a'};
		if (lws_write(wsi, ping + LWS_PRE, 2, LWS_WRITE_PING) < 0)
			return -1;
	}
	if (outbox_next_frame(pss->session, &len) != NULL) {
		for (int n = 0; n < GW_WRITES_PER_CALLBACK; n++) {
			if (n > 0 && lws_send_pipe_choked(wsi))
				break;
			int rc = ws_write_some(wsi, pss);
			if (rc <= 0) {
				if (rc < 0)
					return -1;
				break;
			}
		}
		if (session_wants_write(pss->session)) /* more frames, or the close */
			lws_callback_on_writable(wsi);
		return 0;
	}
	int code;
	const char *reason;
	if (!session_close_pending(pss->session, &code, &reason))
		return 0;
	return ws_send_close(wsi, pss, code, reason);
}

int gw_callback_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
	struct pss_ws *pss = user;
	int code;
	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_filter(wsi, pss);
	case LWS_CALLBACK_CONFIRM_EXTENSION_OKAY:
		return ws_confirm_extension(pss, in);
	case LWS_CALLBACK_ESTABLISHED:
		ws_established(wsi, pss);
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* After our Close this is the answer: close without echoing. */
		return pss->close_sent ? -1 : 0;
	case LWS_CALLBACK_RECEIVE:
		if (pss->session == NULL)
			return -1;
		keepalive_heard(pss->session);
		if (pss->close_sent)
			return 0; /* read and drop until the peer's Close */
		if ((code = ws_receive(wsi, pss, in, len)) != 0) {
			const char *why = code == CLOSE_TOO_BIG
			                      ? "message too large"
			                      : "binary frames are not part of the protocol";
			/* With the rest of the frame still arriving: our Close, then
			 * read and drop until the peer's (closing at once would
			 * reset the connection before the peer read why). */
			return ws_send_close(wsi, pss, code, why);
		}
		return 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		keepalive_heard(pss->session);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->session ? ws_writeable(wsi, pss) : -1;
	case LWS_CALLBACK_CLOSED:
		if (pss == NULL)
			return 0;
		session_closed(pss->session);
		pss->session = NULL;
		free(pss->msg);
		pss->msg = NULL;
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (gw.hub)
			hub_drain(gw.hub);
		return 0;
	default:
		return 0;
	}
}
