/*
 * cli.h - indgang-cli, the terminal client: what the commands share.
 *
 * The parts, each in its own file:
 *   main.c         options, help, the command table
 *   session.c      the saved sign-in (token file, mode 600)
 *   out.c          everything printed: human text or one JSON object a line
 *   cmd_account.c  login, enrol, logout (HTTPS)
 *   cmd_convs.c    convs  (WebSocket: the welcome)
 *   cmd_follow.c   follow (WebSocket: history, live messages, reconnect + sync)
 *   cmd_send.c     send   (WebSocket: send, wait for the ack)
 *   net.c, http.c, ws.c  libwebsockets underneath (net.h)
 *
 * Errors are values: every function returns 0 or an exit status below and
 * prints its human message once, where the context is known.
 */
#ifndef INDGANG_CLI_H
#define INDGANG_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define CLI_NAME        "indgang-cli"
#define CLI_DEFAULT_URL "https://localhost:8443"

/* Exit statuses. */
enum cli_exit {
	CLI_OK = 0,    /* done */
	CLI_FAIL = 1,  /* the server said no, or the network failed */
	CLI_USAGE = 2, /* bad command line */
};

/* Options, as bits: which ones were given, and which a command accepts. */
enum cli_opt {
	OPT_URL = 1u << 0,
	OPT_CA = 1u << 1,
	OPT_TOKEN_FILE = 1u << 2,
	OPT_JSON = 1u << 3,
	OPT_VERBOSE = 1u << 4,
	OPT_PASSWORD_STDIN = 1u << 5,
	OPT_DEVICE = 1u << 6,
	OPT_AFTER = 1u << 7,
	OPT_LAST = 1u << 8,
	OPT_NOTE = 1u << 9,
	OPT_CLIENT_ID = 1u << 10,
	OPT_LINES = 1u << 11,
};
#define OPT_GLOBAL (OPT_URL | OPT_CA | OPT_TOKEN_FILE | OPT_JSON | OPT_VERBOSE)

/* The parsed command line. */
struct cli {
	unsigned given;         /* enum cli_opt bits seen */
	const char *url;        /* --url, or NULL */
	const char *ca;         /* --ca, or NULL */
	const char *token_file; /* --token-file, or the default path */
	bool json;
	bool verbose;
	bool password_stdin;
	const char *device;    /* enrol --device */
	int64_t after;         /* follow --after */
	int last;              /* follow --last */
	bool note;             /* send --note */
	const char *client_id; /* send --client-id */
	bool lines;            /* send --lines */
	int argc;              /* operands after the command name */
	char **argv;
};

/* The server, CA and token a command talks with. */
struct target {
	char url[600]; /* "https://host:port/prefix" */
	char ca[4096]; /* empty: the system's trust store */
	char *token;   /* NULL before sign-in; owned */
};

/* Commands: each returns an enum cli_exit. */
int cmd_login(struct cli *cli);
int cmd_enrol(struct cli *cli);
int cmd_logout(struct cli *cli);
int cmd_convs(struct cli *cli);
int cmd_follow(struct cli *cli);
int cmd_send(struct cli *cli);

/* Parse a positive conversation id operand; prints a usage error. */
int cli_parse_conv(const char *arg, int64_t *out);

/* ---- session.c: the saved sign-in --------------------------------------- */

/* The default token file: $XDG_CONFIG_HOME/indgang/token or
 * ~/.config/indgang/token.  0, or -1 when neither variable is set. */
int session_default_path(char *buf, size_t cap);

/*
 * Fill t for a command that needs a sign-in: the URL and CA come from the
 * command line, else from the saved sign-in, else the defaults; the token
 * from the saved sign-in, which must belong to that URL.  Prints "not signed
 * in" and returns CLI_FAIL when there is none.  Caller frees t->token with
 * target_clear().
 */
int session_target(const struct cli *cli, struct target *t);

/* Like session_target() but a missing sign-in is fine (for login, enrol). */
int session_target_anonymous(const struct cli *cli, struct target *t);

/* Save token (and the user, for display) for t's URL and CA, mode 600. */
int session_save(const struct cli *cli, const struct target *t, const char *token, json_t *user);

/* Delete the token file; a missing one is fine. */
int session_remove(const struct cli *cli);

/* Wipe and free t->token. */
void target_clear(struct target *t);

struct net;

/* The network for t (its URL, its CA).  Prints why not and returns CLI_FAIL. */
int target_open(const struct cli *cli, const struct target *t, struct net **out);

/* ---- wscmd.c: what convs, follow and send share ---------------------------- */

struct ws;
struct ws_events;
struct ws_down;

/* A WebSocket command in progress. */
struct wscmd {
	struct cli *cli;
	struct target t;
	struct net *net;
	struct ws *ws;
	bool welcomed; /* a welcome came on some connection */
	bool stopping; /* wscmd_finish() was called: the close is under way */
	bool done;     /* the loop may end */
	int status;    /* the exit status, once stopping */
};

/* Sign-in, network and WebSocket for cli; connects.  max_tries: see
 * ws_create().  On failure everything is undone and the status returned. */
int wscmd_open(struct wscmd *c, struct cli *cli, const struct ws_events *ev, void *arg,
               unsigned max_tries);

/* Serve until done, at most timeout_ms (<= 0: no limit).  A timeout or a
 * signal ends the command with status CLI_FAIL ("interrupted", said here),
 * or on_signal for a signal when that is CLI_OK.  Returns the exit status. */
int wscmd_run(struct wscmd *c, int timeout_ms, int on_signal);

/* End with status: close the connection cleanly, then the loop ends. */
void wscmd_finish(struct wscmd *c, int status);

/*
 * What every command does with a lost connection: when stopping, that is
 * the end; a close 4401/4403 (signed out, revoked, expired) or a refused
 * certificate ends with CLI_FAIL and a human message.  Returns true when it
 * dealt with it, false when the command may reconnect.
 */
bool wscmd_down(struct wscmd *c, const struct ws_down *down);

/* Why a connection ended, in words: "closed by the server (1001 ...)". */
void wscmd_describe(const struct ws_down *down, char *buf, size_t cap);

/* Free everything. */
void wscmd_close(struct wscmd *c);

/* ---- out.c: everything printed ------------------------------------------- */

/* "indgang-cli: ..." on stderr. */
void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A refusal by the server: "indgang-cli: CODE: MESSAGE" on stderr. */
void out_wire_error(const char *code, const char *message);

/* The error frame {"type":"error","code":C,"message":M} as out_wire_error. */
void out_error_frame(json_t *frame);

/* "cannot reach URL: WHY", with a hint when the certificate was refused. */
void out_net_error(const struct target *t, const char *why);

/* One compact JSON object and a newline on stdout, flushed. */
void out_json(json_t *obj);

/* Text for a terminal: control characters shown as \xNN, never executed. */
void out_text(FILE *f, const char *s);

/* A MSG: header line (id, local time, sender, kind) and the body indented;
 * with --json the MSG object itself. */
void out_message(const struct cli *cli, json_t *msg);

/* The welcome's conversations: a table, or one CONV object per line. */
void out_conversations(const struct cli *cli, json_t *convs);

#endif
