/*
 * files.c - the folder of photos and documents: the spool of uploads as
 * they arrive (files.h).
 */
#define _GNU_SOURCE
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"

struct attach_files {
	char *root;
	int root_fd, spool_fd, quarantine_fd;
};

/* Opens dir (made if missing) under parent_fd. */
static int open_dir(int parent_fd, const char *dir)
{
	if (mkdirat(parent_fd, dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return openat(parent_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int attach_files_open(const char *root, struct attach_files **out)
{
	struct attach_files *f = calloc(1, sizeof *f);
	if (f == NULL)
		return ERR_INTERNAL;
	f->root_fd = f->spool_fd = f->quarantine_fd = -1;
	f->root = strdup(root);
	if (f->root != NULL)
		f->root_fd = open_dir(AT_FDCWD, root);
	if (f->root_fd >= 0) {
		f->spool_fd = open_dir(f->root_fd, "spool");
		f->quarantine_fd = open_dir(f->root_fd, "quarantine");
	}
	if (f->spool_fd < 0 || f->quarantine_fd < 0) {
		attach_files_close(f);
		return ERR_UNAVAILABLE;
	}
	*out = f;
	return ERR_OK;
}

void attach_files_close(struct attach_files *f)
{
	if (f == NULL)
		return;
	int fds[] = {f->root_fd, f->spool_fd, f->quarantine_fd};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(f->root);
	free(f);
}

const char *attach_files_root(const struct attach_files *f)
{
	return f->root;
}

static void spool_name(int64_t id, char out[32])
{
	snprintf(out, 32, "%" PRId64 ".part", id);
}

int attach_spool_begin(struct attach_files *f, int *fd, char name[ATTACH_TEMP_NAME])
{
	uint64_t r;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		return ERR_INTERNAL;
	snprintf(name, ATTACH_TEMP_NAME, "new-%016" PRIx64 ".part", r);
	*fd = openat(f->spool_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	return *fd >= 0 ? ERR_OK : ERR_UNAVAILABLE;
}

int attach_spool_claim(struct attach_files *f, const char *name, int64_t id)
{
	char to[32];
	spool_name(id, to);
	return renameat(f->spool_fd, name, f->spool_fd, to) == 0 ? ERR_OK : ERR_UNAVAILABLE;
}

void attach_spool_discard(struct attach_files *f, const char *name)
{
	(void)unlinkat(f->spool_fd, name, 0);
}

int attach_spool_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ERR_UNAVAILABLE;
		p += w;
		n -= (size_t)w;
	}
	return ERR_OK;
}

int attach_spool_seal(struct attach_files *f, int fd, int64_t *size,
                      unsigned char head[ATTACH_SNIFF_BYTES], size_t *head_n)
{
	struct stat st;
	if (fsync(fd) != 0 || fsync(f->spool_fd) != 0 || fstat(fd, &st) != 0)
		return ERR_UNAVAILABLE;
	*size = st.st_size;
	ssize_t n = pread(fd, head, ATTACH_SNIFF_BYTES, 0);
	if (n < 0)
		return ERR_UNAVAILABLE;
	*head_n = (size_t)n;
	return ERR_OK;
}

int attach_spool_open(struct attach_files *f, int64_t id, int *fd)
{
	char name[32];
	spool_name(id, name);
	*fd = openat(f->spool_fd, name, O_RDONLY | O_CLOEXEC);
	return *fd >= 0 ? ERR_OK : (errno == ENOENT ? ERR_NOT_FOUND : ERR_UNAVAILABLE);
}

void attach_spool_remove(struct attach_files *f, int64_t id)
{
	char name[32];
	spool_name(id, name);
	(void)unlinkat(f->spool_fd, name, 0);
}
