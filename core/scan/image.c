/*
 * image.c - one run of indgang-image (image.h).  Its exit status says what
 * happened (0 clean, 3 refused, 4 could not write); its one line of JSON
 * what it made, or of "refused: ..." why (stdout and stderr are one pipe).  Killed by its own
 * limits or the deadline, the image is refused: a file that costs that much to decode is not one to
 * show.
 */
#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/text.h"

extern char **environ;

/* Reads the child's stdout (at most cap - 1 bytes kept) until it closes or
 * the deadline; false at the deadline. */
static bool read_until_exit(int fd, char *buf, size_t cap, int64_t deadline)
{
	size_t n = 0;
	for (;;) {
		int64_t left = deadline - text_now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? false : true;
		char tmp[512];
		ssize_t got = read(fd, tmp, sizeof tmp);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		size_t keep = (size_t)got < cap - 1 - n ? (size_t)got : cap - 1 - n;
		memcpy(buf + n, tmp, keep);
		n += keep;
	}
	buf[n] = '\0';
	return true;
}

static int spawn(const char *helper, const char *const argv[], int out_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO); /* a refusal's reason */
	int rc = posix_spawn(pid, helper, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? ERR_OK : ERR_INTERNAL;
}

/* What the helper's line of JSON says it made. */
static int parse(const char *line, struct image_result *r)
{
	json_t *o = json_loads(line, 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));
	json_int_t w = json_integer_value(json_object_get(o, "width"));
	json_int_t h = json_integer_value(json_object_get(o, "height"));
	int err = type && w > 0 && h > 0 && w < 1000000 && h < 1000000 ? ERR_OK : ERR_INTERNAL;
	if (err == ERR_OK) {
		snprintf(r->type, sizeof r->type, "%s", type);
		r->width = (int)w;
		r->height = (int)h;
	}
	json_decref(o);
	return err;
}

int image_run(const char *helper, const char *mime, const char *in, const char *out,
              const char *thumb, struct image_result *r)
{
	char pixels[24];
	snprintf(pixels, sizeof pixels, "%d", IMAGE_MAX_PIXELS);
	const char *argv[] = {helper, "--type",  mime,  "--in",         in,     "--out",
	                      out,    "--thumb", thumb, "--max-pixels", pixels, NULL};
	memset(r, 0, sizeof *r);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return ERR_INTERNAL;
	pid_t pid;
	int err = spawn(helper, argv, fds[1], &pid);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		return err;
	}
	char line[512];
	bool in_time =
	    read_until_exit(fds[0], line, sizeof line, text_now_ms() + IMAGE_DEADLINE_MS);
	close(fds[0]);
	if (!in_time)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (in_time && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return parse(line, r);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		return ERR_UNAVAILABLE;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return ERR_INTERNAL; /* a usage error: the helper is not the one we know */
	/* refused, or killed by its limits or the deadline */
	r->reason = in_time && strstr(line, "pixels is over the limit") ? "too_many_pixels"
	                                                                : "not_an_image";
	return ERR_BAD_REQUEST;
}
