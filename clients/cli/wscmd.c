/*
 * wscmd.c - what the WebSocket commands (convs, follow, send) share: the
 * set-up from the saved sign-in, the loop with its time limit and Ctrl-C,
 * the clean close at the end, and the endings that no retry can mend
 * (signed out, token expired, certificate refused, upgrade refused).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "net.h"

#include <stdio.h>
#include <string.h>

#define CLOSE_GRACE_MS 2000

int wscmd_open(struct wscmd *c, struct cli *cli, const struct ws_events *ev, void *arg,
               unsigned max_tries)
{
	memset(c, 0, sizeof *c);
	c->cli = cli;
	int rc = session_target(cli, &c->t);
	if (rc != CLI_OK)
		return rc;
	if (target_open(cli, &c->t, &c->net) != CLI_OK) {
		wscmd_close(c);
		return CLI_FAIL;
	}
	if (ws_create(c->net, c->t.token, ev, arg, max_tries, &c->ws) != 0) {
		out_error("out of memory");
		wscmd_close(c);
		return CLI_FAIL;
	}
	ws_connect(c->ws);
	return CLI_OK;
}

void wscmd_finish(struct wscmd *c, int status)
{
	if (c->stopping)
		return;
	c->stopping = true;
	c->status = status;
	if (ws_is_open(c->ws))
		ws_close(c->ws);
	else
		c->done = true;
}

int wscmd_run(struct wscmd *c, int timeout_ms, int on_signal)
{
	enum net_result r = net_run(c->net, &c->done, timeout_ms);
	if (r == NET_DONE)
		return c->status;
	if (r == NET_INTERRUPTED) {
		net_interrupt_ack(); /* a second Ctrl-C cuts the close short */
		if (on_signal != CLI_OK)
			out_error("interrupted");
		wscmd_finish(c, on_signal);
	} else {
		if (!c->stopping)
			out_error(r == NET_TIMEOUT ? "no answer from %s in time"
			                           : "the network loop failed (%s)",
			          c->t.url);
		wscmd_finish(c, CLI_FAIL);
	}
	if (!c->done)
		net_run(c->net, &c->done, CLOSE_GRACE_MS);
	return c->status;
}

static bool is_permanent(const char *why)
{
	/* lws: certificate verification failures, and a refused upgrade ("HS: ...") */
	return strstr(why, "cert") != NULL || strstr(why, "verif") != NULL ||
	       strncmp(why, "HS:", 3) == 0 || strstr(why, "upgrade") != NULL;
}

static void end(struct wscmd *c)
{
	c->status = CLI_FAIL;
	c->stopping = true;
	c->done = true;
}

bool wscmd_down(struct wscmd *c, const struct ws_down *d)
{
	if (c->stopping) {
		c->done = true;
		return true;
	}
	if (d->close_code == 4401) {
		out_wire_error("unauthorized", "the sign-in is not valid any more (expired or "
		                               "unknown to the server): run " CLI_NAME " login");
		end(c);
		return true;
	}
	if (d->close_code == 4403) {
		out_wire_error("unauthorized",
		               "signed out: this sign-in was ended (logout, device "
		               "revoked or account closed): run " CLI_NAME " login");
		end(c);
		return true;
	}
	if (!d->was_open && is_permanent(d->why)) {
		out_net_error(&c->t, d->why);
		end(c);
		return true;
	}
	return false;
}

void wscmd_describe(const struct ws_down *d, char *buf, size_t cap)
{
	static const struct {
		int code;
		const char *text;
	} codes[] = {
	    {1000, "closed by the server"},
	    {1001, "the server is restarting or shutting down"},
	    {1006, "the connection was lost"},
	    {1008, "the server cut the connection (too many frames too fast)"},
	    {1011, "the server had an internal error"},
	    {4408, "the connection fell too far behind"},
	};
	if (!d->was_open) {
		snprintf(buf, cap, "%s", d->why[0] ? d->why : "cannot connect");
		return;
	}
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (codes[i].code == d->close_code) {
			snprintf(buf, cap, "%s", codes[i].text);
			return;
		}
	}
	if (d->close_code != 0)
		snprintf(buf, cap, "closed by the server (code %d%s%s)", d->close_code,
		         d->why[0] ? ": " : "", d->why);
	else
		snprintf(buf, cap, "the connection was lost");
}

void wscmd_close(struct wscmd *c)
{
	ws_destroy(c->ws);
	c->ws = NULL;
	net_close(c->net);
	c->net = NULL;
	target_clear(&c->t);
}
