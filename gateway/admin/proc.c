/*
 * proc.c - tar and age as processes for the encrypted backup and its
 * restore (sealed.c, restore.c), and the private staging folders they use.
 *
 * We write no tar or age of our own: Debian's GNU tar and age do the work,
 * connected by a pipe, so a backup is never whole and unencrypted outside
 * the staging folder.  Each program's standard error goes to an unnamed
 * temporary file rather than a pipe: a program that writes much there can
 * never block on it while we wait for the other.
 */
#define _GNU_SOURCE
#include "admin.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct proc_stage {
	char *const *argv;
	pid_t pid;  /* 0: not started */
	int status; /* waitpid()'s */
	FILE *err;  /* what it wrote to stderr */
};

/* posix_spawnp with stdin, stdout and stderr given; 0 or an errno. */
static int proc_spawn(struct proc_stage *s, int in, int out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t dflt;
	int rc;
	if ((s->err = tmpfile()) == NULL)
		return errno;
	fcntl(fileno(s->err), F_SETFD, FD_CLOEXEC); /* the other program's is not its business */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(s->err), 2);
	/* SIGPIPE as default: the writer of a pipe whose reader died must stop. */
	posix_spawnattr_init(&at);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&s->pid, s->argv[0], &fa, &at, s->argv, environ);
	if (rc != 0)
		s->pid = 0;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc;
}

static void proc_wait(struct proc_stage *s)
{
	while (s->pid > 0 && waitpid(s->pid, &s->status, 0) < 0 && errno == EINTR)
		;
}

static bool proc_ok(const struct proc_stage *s)
{
	return WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0;
}

static bool proc_broken_pipe(const struct proc_stage *s)
{
	return WIFSIGNALED(s->status) && WTERMSIG(s->status) == SIGPIPE;
}

/* "age failed (exit status 1): age: error: ..." with its first line of stderr. */
static void proc_describe(const struct proc_stage *s, char *why, size_t cap)
{
	char line[300] = "";
	rewind(s->err);
	if (fgets(line, sizeof line, s->err) != NULL)
		line[strcspn(line, "\r\n")] = '\0';
	if (WIFSIGNALED(s->status))
		snprintf(why, cap, "%s was killed by signal %d%s%s", s->argv[0],
		         WTERMSIG(s->status), line[0] ? ": " : "", line);
	else
		snprintf(why, cap, "%s failed (exit status %d)%s%s", s->argv[0],
		         WEXITSTATUS(s->status), line[0] ? ": " : "", line);
}

static void proc_cannot_run(const struct proc_stage *s, int rc, char *why, size_t cap)
{
	snprintf(why, cap, "cannot run %s: %s%s%s%s", s->argv[0], strerror(rc),
	         rc == ENOENT ? " (not on PATH: is Debian's package " : "",
	         rc == ENOENT ? s->argv[0] : "", rc == ENOENT ? " installed?)" : "");
}

/*
 * Which failure to name, the cause rather than its consequence: the
 * producer's (age that cannot decrypt leaves tar no archive to read),
 * unless it only died of the broken pipe a failed consumer left (age
 * refusing a recipient, or tar finding the disk full); then the consumer's.
 */
static int proc_verdict(struct proc_stage st[2], int n, char *why, size_t cap)
{
	if (!proc_ok(&st[0]) && !(n == 2 && proc_broken_pipe(&st[0]) && !proc_ok(&st[1]))) {
		proc_describe(&st[0], why, cap);
		return -1;
	}
	if (n == 2 && !proc_ok(&st[1])) {
		proc_describe(&st[1], why, cap);
		return -1;
	}
	return 0;
}

int admin_proc_pipe(char *const first[], char *const second[], int in_fd, int out_fd, char *why,
                    size_t cap)
{
	struct proc_stage st[2] = {{.argv = first}, {.argv = second}};
	int n = second != NULL ? 2 : 1, p[2] = {-1, -1}, rc = 0, done = -1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || (n == 2 && pipe2(p, O_CLOEXEC) != 0)) {
		snprintf(why, cap, "cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	if ((rc = proc_spawn(&st[0], in_fd >= 0 ? in_fd : null,
	                     n == 2 ? p[1] : (out_fd >= 0 ? out_fd : null))) != 0)
		proc_cannot_run(&st[0], rc, why, cap);
	else if (n == 2 && (rc = proc_spawn(&st[1], p[0], out_fd >= 0 ? out_fd : null)) != 0)
		proc_cannot_run(&st[1], rc, why, cap);
	/* Our copies of the pipe go before the wait: the reader sees the end of
	 * it only when no writer is left, and a dead reader is a broken pipe. */
	close(p[0]);
	close(p[1]);
	p[0] = p[1] = -1;
	for (int i = 0; i < n; i++)
		proc_wait(&st[i]);
	if (rc == 0)
		done = proc_verdict(st, n, why, cap);
out:
	for (int i = 0; i < 2; i++)
		if (st[i].err != NULL)
			fclose(st[i].err);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (null >= 0)
		close(null);
	return done;
}

/* ---- Staging folders ------------------------------------------------------------ */

/*
 * Beside the database, on its volume: the data there is the same data, so
 * a plain copy of it adds nothing an intruder on that disk could not read
 * already, and renaming out of it into place is atomic.  Hidden, and named
 * so that the operator knows what a leftover one is.
 */
int admin_proc_staging(const char *path, const char *what, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	int n = slash == NULL ? snprintf(out, cap, ".indgang-%s-XXXXXX", what)
	                      : snprintf(out, cap, "%.*s/.indgang-%s-XXXXXX", (int)(slash - path),
	                                 path, what);
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(out) != NULL ? 0 : -1; /* mode 0700 */
}

static int proc_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void admin_proc_remove(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, proc_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int admin_proc_sync_dir_of(const char *path)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}
