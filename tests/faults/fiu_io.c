/*
 * fiu_io.c - libindgang-fiu-io.so: libfiu failure points in the two calls
 * Debian's SQLite makes to write and to sync (`nm -D libsqlite3.so.0`:
 * pwrite64 and fdatasync), for an unmodified gateway under LD_PRELOAD,
 * next to libfiu's own fiu_run_preload.so (which starts libfiu and its
 * remote control, so that fiu-ctrl can enable the points at run time):
 *
 *   LD_PRELOAD="/usr/lib/fiu/fiu_run_preload.so libindgang-fiu-io.so" \
 *   FIU_CTRL_FIFO=/tmp/fiu-ctrl indgang ...
 *   fiu-ctrl -f /tmp/fiu-ctrl -c 'enable_random name=posix/io/rw/pwrite,probability=0.02' PID
 *
 * The points keep the names of libfiu's POSIX preload library
 * (posix/io/rw/pwrite, posix/io/sync/fdatasync), and like it a failing call
 * returns -1 with the errno given as failinfo, else one picked at random
 * from the errors the call can return; each failure is reported on
 * standard error ("fiu-io: injected pwrite64 errno=5") for the test to
 * count.  Why not `fiu-run -x` itself: its
 * library also wraps malloc(), and libfiu 1.1 deadlocks inside fiu_fail()
 * when a thread's first malloc() happens while it updates its cache
 * (strdup -> malloc -> fiu_fail -> the same lock), which hung the gateway
 * at start-up three times in about 450 starts.
 *
 * Test use only: never linked into indgang.
 */
#define _GNU_SOURCE
#define FIU_ENABLE 1 /* fiu.h: the real fiu_fail(), not the no-op macro */
#include <dlfcn.h>
#include <errno.h>
#include <fiu.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static __thread unsigned int seed;

static int pick(const int *errs, unsigned int n)
{
	void *info = fiu_failinfo();
	if (info != NULL)
		return (int)(intptr_t)info;
	if (seed == 0)
		seed = (unsigned int)getpid() ^ (unsigned int)(uintptr_t)&seed;
	return errs[(unsigned int)rand_r(&seed) % n];
}

/* One line on standard error per injected failure, for the test to count. */
static void report(const char *call, int err)
{
	char line[80];
	int n = snprintf(line, sizeof line, "fiu-io: injected %s errno=%d\n", call, err);
	if (n > 0 && write(2, line, (size_t)n) < 0)
		return;
}

/* What pwrite(2) and fdatasync(2) may fail with (their manual pages). */
static const int pwrite_errs[] = {EIO, ENOSPC, EINTR, EAGAIN, EFBIG, EBADF, EINVAL, EDQUOT};
static const int sync_errs[] = {EIO, ENOSPC, EBADF, EINVAL, EROFS, EDQUOT};

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (fiu_fail("posix/io/rw/pwrite")) {
		int err = pick(pwrite_errs, sizeof pwrite_errs / sizeof pwrite_errs[0]);
		report("pwrite64", err);
		errno = err;
		return -1;
	}
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "pwrite64");
	return real(fd, buf, n, off);
}

int fdatasync(int fd);
int fdatasync(int fd)
{
	static int (*real)(int);
	if (fiu_fail("posix/io/sync/fdatasync")) {
		int err = pick(sync_errs, sizeof sync_errs / sizeof sync_errs[0]);
		report("fdatasync", err);
		errno = err;
		return -1;
	}
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}
