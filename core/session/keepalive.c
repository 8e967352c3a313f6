/*
 * keepalive.c - WebSocket keep-alive: a signed-in connection that has sent
 * nothing for idle_ping_ms is pinged, and one that has sent nothing, not
 * even the pong, for idle_drop_ms is closed.  A phone that lost its network
 * without a FIN is found this way, and its slot and its outbox freed.
 *
 * The sweep (lifetime.c) calls keepalive_check() for every session once per
 * HUB_RECHECK_MS, so the ping goes out up to that much later than
 * idle_ping_ms and the close likewise: seconds on a policy of a minute.
 * What it costs per received frame is one clock read (keepalive_heard()).
 *
 * The same file watches what connections announce: a frame header that
 * claims more than HUB_MESSAGE_MAX bytes closes the connection with 1009
 * within a tick, whether or not any of those bytes ever come.
 */
#include "session_int.h"

#include "../common/text.h"

void keepalive_heard(struct session *s)
{
	if (s == NULL)
		return;
	s->heard_at = text_now_ms();
	s->pinged = false;
}

bool keepalive_take_ping(struct session *s)
{
	if (!s->ping_wanted)
		return false;
	s->ping_wanted = false;
	return true;
}

bool keepalive_check(struct session *s, int64_t now)
{
	const struct hub_config *cfg = &s->hub->cfg;
	int64_t silent = now - s->heard_at;
	if (silent >= cfg->idle_drop_ms) {
		char peer[80];
		hub_log(s->hub, HUB_LOG_INFO, "ws_closed_silent",
		        "session=%llu user=%lld peer=%s silent_ms=%lld", (unsigned long long)s->id,
		        (long long)s->user.ref.id, hub_log_quote(peer, sizeof peer, s->peer),
		        (long long)silent);
		session_fail(s, CLOSE_GOING_AWAY, "no answer to ping");
		return false;
	}
	if (silent >= cfg->idle_ping_ms && !s->pinged) {
		s->pinged = true;
		s->ping_wanted = true;
		s->hub->hooks.want_write(s->transport);
	}
	return true;
}

bool keepalive_watch_input(struct session *s)
{
	struct hub *h = s->hub;
	if (h->hooks.input_announced == NULL || s->close_code != 0 ||
	    h->hooks.input_announced(s->transport) <= HUB_MESSAGE_MAX)
		return true;
	char peer[80];
	hub_log(h, HUB_LOG_WARNING, "ws_closed_too_big", "session=%llu user=%lld peer=%s",
	        (unsigned long long)s->id, (long long)s->user.ref.id,
	        hub_log_quote(peer, sizeof peer, s->peer));
	session_fail(s, CLOSE_TOO_BIG, "message too large");
	return false;
}
