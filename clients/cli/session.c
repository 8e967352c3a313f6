/*
 * session.c - the saved sign-in: one small JSON file, mode 600.
 *
 *   {"url":"https://host:port","ca":"/abs/ca.pem","token":"...","user":USER}
 *
 * The token is only ever sent to the URL it was issued by: a command for
 * another --url is refused until one signs in there.  The URL and CA are
 * remembered so that later commands need neither option.  The file is
 * written to a temporary name in the same directory and renamed over the
 * old one, so a crash never leaves half a token behind.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SESSION_MAX_FILE (64 * 1024)

enum { SESSION_FOUND = 0, SESSION_NONE = 1, SESSION_BAD = -1 };

int session_default_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, cap, "%s/indgang/token", xdg);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, cap, "%s/.config/indgang/token", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Read the whole file; SESSION_NONE when it does not exist. */
static int read_all(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return SESSION_NONE;
		out_error("cannot read the sign-in %s: %s", path, strerror(errno));
		return SESSION_BAD;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		out_error("warning: %s is readable by others: chmod 600 %s", path, path);
	char *buf = malloc(SESSION_MAX_FILE + 1);
	ssize_t n = buf ? read(fd, buf, SESSION_MAX_FILE) : -1;
	close(fd);
	if (n < 0) {
		out_error("cannot read the sign-in %s: %s", path, strerror(errno));
		free(buf);
		return SESSION_BAD;
	}
	buf[n] = '\0';
	*text = buf;
	*len = (size_t)n;
	return SESSION_FOUND;
}

static int load(const char *path, json_t **out)
{
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = read_all(path, &text, &len);
	if (rc != SESSION_FOUND)
		return rc;
	json_t *s = json_loadb(text, len, 0, NULL);
	explicit_bzero(text, len);
	free(text);
	if (!json_is_object(s) || !json_is_string(json_object_get(s, "token")) ||
	    !json_is_string(json_object_get(s, "url"))) {
		json_decref(s);
		out_error("the sign-in %s is damaged: run %s login again", path, CLI_NAME);
		return SESSION_BAD;
	}
	*out = s;
	return SESSION_FOUND;
}

/* "https://host:port/prefix" for any spelling of the same server. */
static int canonical(const char *url, char *buf, size_t cap)
{
	struct url u;
	char why[200];
	if (url_parse(url, &u, why, sizeof why) != 0) {
		out_error("bad --url %s: %s", url, why);
		return -1;
	}
	snprintf(buf, cap, "%s%s", u.origin, u.prefix);
	return 0;
}

/*
 * URL and CA: the command line, else the saved sign-in, else the defaults.
 * The saved CA goes with the saved URL only.
 */
static int fill_target(const struct cli *cli, json_t *saved, struct target *t)
{
	const char *saved_url = saved ? json_string_value(json_object_get(saved, "url")) : NULL;
	const char *url = cli->url ? cli->url : saved_url ? saved_url : CLI_DEFAULT_URL;
	if (canonical(url, t->url, sizeof t->url) != 0)
		return CLI_USAGE;
	const char *ca = cli->ca;
	char mine[sizeof t->url];
	if (ca == NULL && saved_url != NULL && canonical(saved_url, mine, sizeof mine) == 0 &&
	    strcmp(mine, t->url) == 0)
		ca = json_string_value(json_object_get(saved, "ca"));
	snprintf(t->ca, sizeof t->ca, "%s", ca ? ca : "");
	return CLI_OK;
}

int session_target_anonymous(const struct cli *cli, struct target *t)
{
	json_t *saved = NULL;
	memset(t, 0, sizeof *t);
	if (load(cli->token_file, &saved) == SESSION_BAD)
		saved = NULL; /* signing in anew mends it */
	int rc = fill_target(cli, saved, t);
	json_decref(saved);
	return rc;
}

int session_target(const struct cli *cli, struct target *t)
{
	json_t *saved = NULL;
	memset(t, 0, sizeof *t);
	if (cli->url != NULL && canonical(cli->url, t->url, sizeof t->url) != 0)
		return CLI_USAGE; /* a bad command line comes before a missing sign-in */
	int rc = load(cli->token_file, &saved);
	if (rc == SESSION_BAD)
		return CLI_FAIL;
	if (rc == SESSION_NONE) {
		out_error("not signed in: run %s login USERNAME (staff) or %s enrol CODE", CLI_NAME,
		          CLI_NAME);
		return CLI_FAIL;
	}
	rc = fill_target(cli, saved, t);
	char mine[sizeof t->url];
	if (rc == CLI_OK &&
	    canonical(json_string_value(json_object_get(saved, "url")), mine, sizeof mine) == 0 &&
	    strcmp(mine, t->url) != 0) {
		out_error("the saved sign-in is for %s, not %s: run %s --url %s login USERNAME",
		          mine, t->url, CLI_NAME, t->url);
		rc = CLI_FAIL;
	}
	if (rc == CLI_OK)
		t->token = strdup(json_string_value(json_object_get(saved, "token")));
	if (rc == CLI_OK && t->token == NULL)
		rc = CLI_FAIL;
	json_decref(saved);
	return rc;
}

void target_clear(struct target *t)
{
	if (t->token != NULL) {
		explicit_bzero(t->token, strlen(t->token));
		free(t->token);
	}
	t->token = NULL;
}

/* ---- writing ---------------------------------------------------------------- */

/* mkdir -p the directory part of path, new directories mode 700. */
static int make_parents(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (make_parents(path) != 0)
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int session_save(const struct cli *cli, const struct target *t, const char *token, json_t *user)
{
	char ca[PATH_MAX] = "";
	if (t->ca[0] != '\0' && realpath(t->ca, ca) == NULL)
		snprintf(ca, sizeof ca, "%s", t->ca);
	json_t *s = json_pack("{s:s, s:s, s:s*, s:O*}", "url", t->url, "token", token, "ca",
	                      ca[0] ? ca : NULL, "user", user);
	char *text = s ? json_dumps(s, JSON_INDENT(1)) : NULL;
	json_decref(s);
	if (text == NULL) {
		out_error("out of memory");
		return CLI_FAIL;
	}
	int rc = write_file(cli->token_file, text);
	int e = errno;
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc != 0) {
		out_error("cannot save the sign-in to %s: %s", cli->token_file, strerror(e));
		return CLI_FAIL;
	}
	return CLI_OK;
}

int session_remove(const struct cli *cli)
{
	if (unlink(cli->token_file) != 0 && errno != ENOENT) {
		out_error("cannot delete %s: %s", cli->token_file, strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}

int target_open(const struct cli *cli, const struct target *t, struct net **out)
{
	struct url u;
	char why[512];
	if (url_parse(t->url, &u, why, sizeof why) != 0) {
		out_error("bad URL %s: %s", t->url, why);
		return CLI_FAIL;
	}
	if (net_open(&u, t->ca[0] ? t->ca : NULL, cli->verbose, out, why, sizeof why) != 0) {
		out_error("%s", why);
		return CLI_FAIL;
	}
	return CLI_OK;
}
