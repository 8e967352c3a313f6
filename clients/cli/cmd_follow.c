/*
 * cmd_follow.c - follow CONV: the conversation's recent messages, then new
 * ones as they arrive, until Ctrl-C; reconnects by itself.
 *
 * One number carries the state: `cursor`, the id up to which every message
 * the user may see has been dealt with (printed when it is in CONV, passed
 * over when not).  Messages are taken in id order and only when their id is
 * above the cursor, so nothing is printed twice:
 *
 *   welcome (first) --history CONV--> messages: print, cursor = max(ids, welcome.last_id)
 *   welcome (after a drop, or --after N) --sync after cursor--> messages: take,
 *                                            more? sync again after the last id
 *   live: message pushes are taken at once; while a history/sync is under
 *   way they wait in `held` and are taken when it is done
 *   drop: reconnect after the backoff (0.5 s doubling to 30 s, with jitter);
 *   held pushes are dropped, the sync after the cursor brings them back
 *
 * Ids are unique and increase in commit order, and one connection gets its
 * pushes in that order (PROTOCOL.md), which is what makes one cursor enough.
 */
#include "cli.h"
#include "net.h"

#include <string.h>

#define SYNC_LIMIT 500

struct follower {
	struct wscmd c; /* first: the events get a struct follower * */
	int64_t conv;
	int64_t cursor;
	bool history_done; /* the opening history was printed (or not wanted) */
	bool catching_up;  /* a history or sync is under way */
	bool dropped;      /* a drop was announced: say when it works again */
	json_t *held;      /* pushes that came while catching up */
	char ref[32];
	unsigned seq;
};

static int64_t int_of(json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* One message in id order: print it when new and in CONV. */
static void take(struct follower *f, json_t *msg)
{
	int64_t id = int_of(msg, "id");
	if (id <= f->cursor)
		return;
	f->cursor = id;
	if (int_of(msg, "conv") == f->conv)
		out_message(f->c.cli, msg);
}

static void request(struct follower *f, json_t *frame)
{
	snprintf(f->ref, sizeof f->ref, "follow-%u", ++f->seq);
	json_object_set_new(frame, "ref", json_string(f->ref));
	if (ws_send(f->c.ws, frame) != 0) {
		out_error("out of memory");
		wscmd_finish(&f->c, CLI_FAIL);
	}
	json_decref(frame);
	f->catching_up = true;
}

static void sync_after(struct follower *f, int64_t after)
{
	request(f, json_pack("{s:s, s:I, s:i}", "type", "sync", "after", (json_int_t)after, "limit",
	                     SYNC_LIMIT));
}

static bool sees_conv(const struct follower *f, json_t *welcome)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(welcome, "conversations"), i, c)
	{
		if (int_of(c, "id") == f->conv)
			return true;
	}
	return false;
}

static void on_welcome(struct follower *f, json_t *welcome)
{
	if (!sees_conv(f, welcome)) {
		char why[128];
		snprintf(why, sizeof why, "conversation %lld does not exist, or you may not see it",
		         (long long)f->conv);
		out_wire_error("not_found", why);
		wscmd_finish(&f->c, CLI_FAIL);
		return;
	}
	f->c.welcomed = true;
	ws_retry_reset(f->c.ws);
	if (f->dropped)
		out_error("connected again; catching up");
	f->dropped = false;
	json_array_clear(f->held);
	if (f->history_done) {
		sync_after(f, f->cursor);
	} else if (f->c.cli->last > 0) {
		f->cursor = int_of(welcome, "last_id"); /* the history covers the rest */
		request(f, json_pack("{s:s, s:I, s:i}", "type", "history", "conv",
		                     (json_int_t)f->conv, "limit", f->c.cli->last));
	} else {
		f->cursor = int_of(welcome, "last_id");
		f->history_done = true;
	}
}

/* The answer to our history or sync. */
static void on_messages(struct follower *f, json_t *frame)
{
	size_t i;
	json_t *m, *msgs = json_object_get(frame, "messages");
	bool history = !f->history_done;
	int64_t floor = f->cursor;
	if (history)
		f->cursor = 0; /* print the whole window, then stand at the higher mark */
	json_array_foreach(msgs, i, m) take(f, m);
	if (history && f->cursor < floor)
		f->cursor = floor;
	f->history_done = true;
	if (!history && json_is_true(json_object_get(frame, "more")) && json_array_size(msgs) > 0) {
		sync_after(f, f->cursor);
		return;
	}
	f->catching_up = false;
	json_array_foreach(f->held, i, m) take(f, m);
	json_array_clear(f->held);
}

static void follow_frame(void *arg, json_t *frame)
{
	struct follower *f = arg;
	const char *type = json_string_value(json_object_get(frame, "type"));
	const char *ref = json_string_value(json_object_get(frame, "ref"));
	if (f->c.stopping || type == NULL)
		return;
	bool mine = ref != NULL && strcmp(ref, f->ref) == 0;
	if (strcmp(type, "welcome") == 0) {
		on_welcome(f, frame);
	} else if (strcmp(type, "message") == 0) {
		json_t *msg = json_object_get(frame, "message");
		if (f->catching_up)
			json_array_append(f->held, msg);
		else
			take(f, msg);
	} else if (strcmp(type, "messages") == 0 && mine) {
		on_messages(f, frame);
	} else if (strcmp(type, "error") == 0 && mine) {
		out_error_frame(frame);
		wscmd_finish(&f->c, CLI_FAIL);
	}
}

static void follow_down(void *arg, const struct ws_down *down)
{
	struct follower *f = arg;
	f->catching_up = false;
	json_array_clear(f->held);
	if (wscmd_down(&f->c, down))
		return;
	char why[320];
	wscmd_describe(down, why, sizeof why);
	if (!f->c.welcomed) { /* never worked: a wrong URL, the server is down */
		out_net_error(&f->c.t, why);
		f->c.status = CLI_FAIL;
		f->c.stopping = f->c.done = true;
		return;
	}
	int ms = ws_retry_later(f->c.ws);
	out_error("%s; connecting again in %.1f s", why, ms / 1000.0);
	f->dropped = true;
}

static const struct ws_events follow_events = {follow_frame, follow_down};

int cmd_follow(struct cli *cli)
{
	struct follower f;
	memset(&f, 0, sizeof f);
	int rc = cli_parse_conv(cli->argv[0], &f.conv);
	if (rc != CLI_OK)
		return rc;
	if (cli->given & OPT_AFTER) {
		f.cursor = cli->after;
		f.history_done = true;
	}
	if ((f.held = json_array()) == NULL)
		return CLI_FAIL;
	rc = wscmd_open(&f.c, cli, &follow_events, &f, 0);
	if (rc == CLI_OK) {
		rc = wscmd_run(&f.c, 0, CLI_OK); /* Ctrl-C is the normal end */
		wscmd_close(&f.c);
	}
	json_decref(f.held);
	return rc;
}
