/*
 * cmd_convs.c - convs: open the WebSocket, print the welcome's
 * conversations (id, family, title, unread), close cleanly.
 */
#include "cli.h"
#include "net.h"

#include <string.h>

#define CONVS_TIMEOUT_MS 20000

static void convs_frame(void *arg, json_t *frame)
{
	struct wscmd *c = arg;
	const char *type = json_string_value(json_object_get(frame, "type"));
	if (c->stopping || type == NULL)
		return;
	if (strcmp(type, "welcome") == 0) {
		out_conversations(c->cli, json_object_get(frame, "conversations"));
		wscmd_finish(c, CLI_OK);
	} else if (strcmp(type, "error") == 0 &&
	           strcmp(json_string_value(json_object_get(frame, "code")) ?: "",
	                  "unauthorized")) {
		out_error_frame(frame); /* unauthorized: the close that follows says it */
		wscmd_finish(c, CLI_FAIL);
	}
}

static void convs_down(void *arg, const struct ws_down *down)
{
	struct wscmd *c = arg;
	if (wscmd_down(c, down))
		return;
	char why[320];
	wscmd_describe(down, why, sizeof why);
	out_net_error(&c->t, why);
	c->status = CLI_FAIL;
	c->stopping = c->done = true;
}

static const struct ws_events convs_events = {convs_frame, convs_down};

int cmd_convs(struct cli *cli)
{
	struct wscmd c;
	int rc = wscmd_open(&c, cli, &convs_events, &c, 1);
	if (rc != CLI_OK)
		return rc;
	rc = wscmd_run(&c, CONVS_TIMEOUT_MS, CLI_FAIL);
	wscmd_close(&c);
	return rc;
}
