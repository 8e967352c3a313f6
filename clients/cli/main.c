/*
 * main.c - indgang-cli: the terminal client of Indgang.
 *
 *   indgang-cli [--url URL] [--ca FILE] [--token-file FILE] [--json] COMMAND ...
 *
 * Parses the command line (options may come before or after the command),
 * checks each option belongs to the command, and runs it.  Exit status:
 * 0 done, 1 refused by the server or the network failed, 2 bad usage.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "net.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CLI_VERSION "1.0"

static const char help_text[] =
    "usage: indgang-cli [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "The terminal client of Indgang, for advisers, team members and scripts.\n"
    "\n"
    "Commands:\n"
    "  login USERNAME [--password-stdin]\n"
    "        Sign in as staff.  The password is asked for on the terminal (not\n"
    "        echoed), or read as the first line of standard input.\n"
    "  enrol CODE [--device NAME]\n"
    "        Sign this device in with a family member's invite code.\n"
    "  logout\n"
    "        Sign out at the server and delete the saved sign-in.\n"
    "  convs\n"
    "        List the conversations you may see: id, family, title, unread.\n"
    "  follow CONV [--after ID | --last N]\n"
    "        Print the conversation's recent messages, then new ones as they\n"
    "        arrive, until Ctrl-C.  --after ID starts after message ID; --last N\n"
    "        shows the N newest first (default 20, 0 for none).  Reconnects by\n"
    "        itself and catches up, so nothing is missed or printed twice.\n"
    "  send CONV [--note] [--lines] [--client-id K]\n"
    "        Send standard input as one message (--lines: each non-empty line\n"
    "        as its own message) and wait until the server has stored it.\n"
    "        --note writes an internal note, never shown to the family.\n"
    "        --client-id K makes a retry safe: the same K is stored only once\n"
    "        (with --lines, line n gets K-n).\n"
    "\n"
    "Options:\n"
    "  --url URL          the gateway, https://HOST[:PORT] (default: the one you\n"
    "                     signed in to, else " CLI_DEFAULT_URL ")\n"
    "  --ca FILE          trust the CA certificates in FILE (PEM) instead of the\n"
    "                     system's; remembered at sign-in.  TLS is always verified.\n"
    "  --token-file FILE  where the sign-in is kept (default:\n"
    "                     $XDG_CONFIG_HOME/indgang/token or ~/.config/indgang/token;\n"
    "                     written with mode 600)\n"
    "  --json             machine output: one JSON object per line on stdout\n"
    "                     (convs: CONV objects; follow: MSG objects; send: the\n"
    "                     stored MSG; login/enrol: the user)\n"
    "  -v, --verbose      let libwebsockets report its warnings\n"
    "  -h, --help         this text;  --version  the version\n"
    "\n"
    "Exit status: 0 done, 1 refused by the server or the network failed\n"
    "(the reason is on stderr, with the server's error code), 2 bad usage.\n"
    "\n"
    "Examples:\n"
    "  indgang-cli --url https://indgang.example.dk login anna\n"
    "  indgang-cli convs\n"
    "  indgang-cli follow 1\n"
    "  echo 'Vi ses torsdag kl. 10' | indgang-cli send 1\n"
    "  indgang-cli send 1 --note < referat.txt\n";

struct command {
	const char *name;
	int (*run)(struct cli *cli);
	unsigned opts; /* accepted beyond OPT_GLOBAL */
	int nargs;
	const char *args;
};

static const struct command commands[] = {
    {"login", cmd_login, OPT_PASSWORD_STDIN, 1, "USERNAME"},
    {"enrol", cmd_enrol, OPT_DEVICE, 1, "CODE"},
    {"enroll", cmd_enrol, OPT_DEVICE, 1, "CODE"},
    {"logout", cmd_logout, 0, 0, ""},
    {"convs", cmd_convs, 0, 0, ""},
    {"follow", cmd_follow, OPT_AFTER | OPT_LAST, 1, "CONV"},
    {"send", cmd_send, OPT_NOTE | OPT_CLIENT_ID | OPT_LINES, 1, "CONV"},
};

static const struct option longopts[] = {
    {"url", required_argument, NULL, 'u'},
    {"ca", required_argument, NULL, 'C'},
    {"token-file", required_argument, NULL, 'T'},
    {"json", no_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"password-stdin", no_argument, NULL, 'P'},
    {"device", required_argument, NULL, 'd'},
    {"after", required_argument, NULL, 'a'},
    {"last", required_argument, NULL, 'l'},
    {"note", no_argument, NULL, 'n'},
    {"client-id", required_argument, NULL, 'k'},
    {"lines", no_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs(CLI_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" CLI_NAME " --help'.\n");
	return CLI_USAGE;
}

/* A whole decimal number in [min, max]. */
static int parse_number(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_conv(const char *arg, int64_t *out)
{
	if (parse_number(arg, 1, INT64_MAX, out) != 0)
		return usage_error("CONV must be a conversation id (a positive number), not '%s'",
		                   arg);
	return CLI_OK;
}

/* One option into cli; CLI_USAGE on a bad value. */
static int take_option(struct cli *cli, int c, const char *arg)
{
	int64_t v;
	switch (c) {
	case 'u':
		cli->url = arg;
		cli->given |= OPT_URL;
		break;
	case 'C':
		cli->ca = arg;
		cli->given |= OPT_CA;
		break;
	case 'T':
		cli->token_file = arg;
		cli->given |= OPT_TOKEN_FILE;
		break;
	case 'j':
		cli->json = true;
		cli->given |= OPT_JSON;
		break;
	case 'v':
		cli->verbose = true;
		cli->given |= OPT_VERBOSE;
		break;
	case 'P':
		cli->password_stdin = true;
		cli->given |= OPT_PASSWORD_STDIN;
		break;
	case 'd':
		cli->device = arg;
		cli->given |= OPT_DEVICE;
		break;
	case 'n':
		cli->note = true;
		cli->given |= OPT_NOTE;
		break;
	case 'k':
		cli->client_id = arg;
		cli->given |= OPT_CLIENT_ID;
		break;
	case 'L':
		cli->lines = true;
		cli->given |= OPT_LINES;
		break;
	case 'a':
		if (parse_number(arg, 0, INT64_MAX, &v) != 0)
			return usage_error("--after wants a message id (0 or more), not '%s'", arg);
		cli->after = v;
		cli->given |= OPT_AFTER;
		break;
	case 'l':
		if (parse_number(arg, 0, 500, &v) != 0)
			return usage_error("--last wants a number from 0 to 500, not '%s'", arg);
		cli->last = (int)v;
		cli->given |= OPT_LAST;
		break;
	default:
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* Returns -1 to go on, or an exit status (help, version, bad option). */
static int parse_options(int argc, char **argv, struct cli *cli)
{
	int c, rc;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help_text, stdout);
			return CLI_OK;
		}
		if (c == 'V') {
			printf(CLI_NAME " " CLI_VERSION "\n");
			return CLI_OK;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			return usage_error(optopt ? "option '%s' is unknown or wants a value"
			                          : "unknown option '%s'",
			                   bad);
		}
		if ((rc = take_option(cli, c, optarg)) != CLI_OK)
			return rc;
	}
	cli->argc = argc - optind;
	cli->argv = argv + optind;
	return -1;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The option given that cmd does not take, or NULL. */
static const char *stray_option(const struct cli *cli, const struct command *cmd)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {OPT_PASSWORD_STDIN, "--password-stdin"},
	    {OPT_DEVICE, "--device"},
	    {OPT_AFTER, "--after"},
	    {OPT_LAST, "--last"},
	    {OPT_NOTE, "--note"},
	    {OPT_CLIENT_ID, "--client-id"},
	    {OPT_LINES, "--lines"},
	};
	unsigned stray = cli->given & ~(OPT_GLOBAL | cmd->opts);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (stray & names[i].bit)
			return names[i].name;
	return NULL;
}

static int check_command(struct cli *cli, const struct command *cmd)
{
	const char *stray = stray_option(cli, cmd);
	if (stray != NULL) {
		fflush(stdout);
		fprintf(stderr,
		        CLI_NAME ": %s does not apply to '%s'\nTry '" CLI_NAME " --help'.\n", stray,
		        cmd->name);
		return CLI_USAGE;
	}
	if (cli->argc - 1 != cmd->nargs) {
		fflush(stdout);
		fprintf(stderr,
		        CLI_NAME ": usage: " CLI_NAME " %s%s%s\nTry '" CLI_NAME " --help'.\n",
		        cmd->name, cmd->nargs ? " " : "", cmd->args);
		return CLI_USAGE;
	}
	if ((cli->given & OPT_AFTER) && (cli->given & OPT_LAST))
		return usage_error("%s", "--after and --last do not go together");
	return CLI_OK;
}

int main(int argc, char **argv)
{
	static char token_path[PATH_MAX];
	struct cli cli = {.last = 20};
	int rc = parse_options(argc, argv, &cli);
	if (rc >= 0)
		return rc;
	if (cli.argc == 0)
		return usage_error("%s", "no command given (login, enrol, logout, convs, follow, "
		                         "send)");
	if (strcmp(cli.argv[0], "help") == 0) {
		fputs(help_text, stdout);
		return CLI_OK;
	}
	const struct command *cmd = find_command(cli.argv[0]);
	if (cmd == NULL)
		return usage_error("unknown command '%s'", cli.argv[0]);
	if ((rc = check_command(&cli, cmd)) != CLI_OK)
		return rc;
	if (cli.token_file == NULL) {
		if (session_default_path(token_path, sizeof token_path) != 0)
			return usage_error("%s", "neither XDG_CONFIG_HOME nor HOME is set: give "
			                         "--token-file FILE");
		cli.token_file = token_path;
	}
	cli.argc--;
	cli.argv++;
	net_signals_install();
	return cmd->run(&cli);
}
