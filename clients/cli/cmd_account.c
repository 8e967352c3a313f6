/*
 * cmd_account.c - login, enrol and logout: the three HTTPS commands.
 *
 * login and enrol save the token they get (session.c); logout revokes it at
 * the server and then deletes it.  The password is read from the terminal
 * with echo off, or from the first line of standard input, and wiped from
 * every buffer this program owns as soon as it is sent.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "net.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define HTTP_TIMEOUT_MS 30000
#define PASSWORD_MAX    1024

enum endpoint { EP_LOGIN, EP_ENROL, EP_LOGOUT };

/* What to tell a person for a refusal, where the bare code says too little. */
static const struct {
	enum endpoint ep;
	int status;
	const char *text;
} refusals[] = {
    {EP_LOGIN, 401, "wrong username or password"},
    {EP_LOGIN, 429, "too many failed sign-ins: wait a few minutes and try again"},
    {EP_ENROL, 401, "unknown invite code: check it and try again"},
    {EP_ENROL, 410,
     "this invite code was used already or has expired: ask your adviser "
     "for a new one"},
    {EP_ENROL, 429, "too many wrong invite codes: wait a few minutes and try again"},
};

static int refused(enum endpoint ep, const struct http_reply *r)
{
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		if (refusals[i].ep == ep && refusals[i].status == r->status) {
			out_error("%s", refusals[i].text);
			return CLI_FAIL;
		}
	}
	json_t *err = json_object_get(r->body, "error");
	if (json_is_object(err))
		out_error_frame(err);
	else
		out_error("the server answered HTTP %d", r->status);
	return CLI_FAIL;
}

/* POST and wait for the answer; prints why there is none. */
static int post(const struct cli *cli, const struct target *t, const char *path, const char *body,
                struct http_reply *r)
{
	struct net *n;
	if (target_open(cli, t, &n) != CLI_OK)
		return CLI_FAIL;
	int rc = http_post(n, path, t->token, body, HTTP_TIMEOUT_MS, r);
	net_close(n);
	if (rc == 0)
		return CLI_OK;
	if (net_interrupted())
		out_error("interrupted");
	else
		out_net_error(t, r->why);
	return CLI_FAIL;
}

/* ---- the password ------------------------------------------------------------ */

/* One line from fd, without its line end. */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	int rc = -1;
	for (;;) {
		char c;
		ssize_t n = net_read(fd, &c, 1);
		if (n < 0 || (n > 0 && c != '\n' && len + 1 >= cap))
			break;
		if (n == 0 || c == '\n') {
			rc = 0;
			break;
		}
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return rc;
}

static int ask_terminal(const char *username, char *buf, size_t cap)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		out_error("no terminal to ask for the password on: use --password-stdin");
		return CLI_USAGE;
	}
	struct termios old, quiet;
	bool tty = tcgetattr(fd, &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	dprintf(fd, "Password for %s: ", username);
	int rc = read_line(fd, buf, cap);
	if (tty)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (rc != 0 && net_interrupted())
		dprintf(fd, "\n");
	close(fd);
	return rc == 0 ? CLI_OK : CLI_FAIL;
}

static int read_password(const struct cli *cli, const char *username, char *buf, size_t cap)
{
	int rc = cli->password_stdin ? (read_line(STDIN_FILENO, buf, cap) == 0 ? CLI_OK : CLI_FAIL)
	                             : ask_terminal(username, buf, cap);
	if (rc == CLI_FAIL)
		out_error(net_interrupted() ? "interrupted" : "cannot read the password");
	if (rc == CLI_OK && buf[0] == '\0') {
		out_error("no password given");
		rc = CLI_FAIL;
	}
	return rc;
}

/* ---- login, enrol ------------------------------------------------------------ */

/* Save the token of a 200 answer and say who we are now. */
static int signed_in(const struct cli *cli, const struct target *t, json_t *body, const char *how)
{
	const char *token = json_string_value(json_object_get(body, "token"));
	json_t *user = json_object_get(body, "user");
	if (token == NULL || !json_is_object(user)) {
		out_error("the server's answer has no token: is %s an Indgang gateway?", t->url);
		return CLI_FAIL;
	}
	if (session_save(cli, t, token, user) != CLI_OK)
		return CLI_FAIL;
	if (cli->json) {
		json_t *o = json_pack("{s:O, s:O*, s:O*}", "user", user, "expires_at",
		                      json_object_get(body, "expires_at"), "device",
		                      json_object_get(body, "device"));
		out_json(o);
		json_decref(o);
		return CLI_OK;
	}
	printf("%s ", how);
	out_text(stdout, json_string_value(json_object_get(user, "name")) ?: "?");
	printf(" (%s) at %s\n", json_string_value(json_object_get(user, "role")) ?: "?", t->url);
	fflush(stdout);
	return CLI_OK;
}

static int exchange(const struct cli *cli, enum endpoint ep, const char *path, json_t *req,
                    const char *how)
{
	struct target t;
	struct http_reply r;
	int rc = session_target_anonymous(cli, &t);
	char *body = rc == CLI_OK ? json_dumps(req, JSON_COMPACT) : NULL;
	if (rc != CLI_OK || body == NULL)
		return rc != CLI_OK ? rc : CLI_FAIL;
	rc = post(cli, &t, path, body, &r);
	explicit_bzero(body, strlen(body));
	free(body);
	if (rc == CLI_OK)
		rc = r.status == 200 ? signed_in(cli, &t, r.body, how) : refused(ep, &r);
	http_reply_clear(&r);
	return rc;
}

int cmd_login(struct cli *cli)
{
	const char *username = cli->argv[0];
	char password[PASSWORD_MAX];
	int rc = read_password(cli, username, password, sizeof password);
	if (rc != CLI_OK)
		return rc;
	json_t *req = json_pack("{s:s, s:s}", "username", username, "password", password);
	explicit_bzero(password, sizeof password);
	if (req == NULL) {
		out_error("the username and password must be UTF-8 text");
		return CLI_USAGE;
	}
	rc = exchange(cli, EP_LOGIN, "/api/login", req, "signed in as");
	json_decref(req);
	return rc;
}

int cmd_enrol(struct cli *cli)
{
	char device[256], host[128] = "";
	if (cli->device != NULL) {
		snprintf(device, sizeof device, "%s", cli->device);
	} else {
		gethostname(host, sizeof host - 1);
		snprintf(device, sizeof device, "indgang-cli on %s", host[0] ? host : "a computer");
	}
	json_t *req = json_pack("{s:s, s:s}", "code", cli->argv[0], "device", device);
	if (req == NULL) {
		out_error("the code and device name must be UTF-8 text");
		return CLI_USAGE;
	}
	int rc = exchange(cli, EP_ENROL, "/api/enrol", req, "this device is enrolled for");
	json_decref(req);
	return rc;
}

/* ---- logout -------------------------------------------------------------------- */

int cmd_logout(struct cli *cli)
{
	struct target t;
	struct http_reply r;
	int rc = session_target(cli, &t);
	if (rc != CLI_OK)
		return rc;
	rc = post(cli, &t, "/api/logout", NULL, &r);
	target_clear(&t);
	if (rc != CLI_OK) {
		out_error("still signed in: the token works until logout reaches the server");
		return rc;
	}
	if (r.status == 204 || r.status == 200 || r.status == 401) {
		rc = session_remove(cli);
		if (rc == CLI_OK && !cli->json)
			printf(r.status == 401
			           ? "the sign-in had already ended; forgotten here too\n"
			           : "signed out\n");
	} else {
		rc = refused(EP_LOGOUT, &r);
	}
	http_reply_clear(&r);
	return rc;
}
