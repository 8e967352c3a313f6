/*
 * files.c - the folder of photos and documents: the spool of uploads as
 * they arrive (files.h).
 */
#define _GNU_SOURCE
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <stdbool.h>

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

/* Uploads a stop cut off before a worker took them (spool/new-*.part). */
static void clear_temporary(struct attach_files *f)
{
	int fd = dup(f->spool_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strncmp(e->d_name, "new-", 4) == 0)
			(void)unlinkat(f->spool_fd, e->d_name, 0);
	closedir(d);
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
	clear_temporary(f);
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

/* spool/<id>.part, or what is made of it: <id>.part<suffix>. */
static int made_name(int64_t id, const char *suffix, char out[48])
{
	int n = snprintf(out, 48, "%" PRId64 ".part%s", id, suffix);
	return n > 0 && n < 48 ? ERR_OK : ERR_INTERNAL;
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

int attach_spool_path(const struct attach_files *f, int64_t id, const char *suffix, char *out,
                      size_t cap)
{
	char name[48];
	if (made_name(id, suffix, name) != ERR_OK)
		return ERR_INTERNAL;
	int n = snprintf(out, cap, "%s/spool/%s", f->root, name);
	return n > 0 && (size_t)n < cap ? ERR_OK : ERR_INTERNAL;
}

void attach_spool_remove_made(struct attach_files *f, int64_t id, const char *suffix)
{
	char name[48];
	if (made_name(id, suffix, name) == ERR_OK)
		(void)unlinkat(f->spool_fd, name, 0);
}

/* The SHA-256 of the file open at fd, in hex; *size its length. */
static int hash_file(int fd, char sha[65], int64_t *size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int err = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? ERR_OK : ERR_INTERNAL;
	*size = 0;
	for (off_t off = 0; err == ERR_OK;) {
		ssize_t n = pread(fd, buf, sizeof buf, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = ERR_UNAVAILABLE;
		if (n <= 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			err = ERR_INTERNAL;
		off += n;
		*size += n;
	}
	if (err == ERR_OK && !EVP_DigestFinal_ex(ctx, md, &md_len))
		err = ERR_INTERNAL;
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; err == ERR_OK && i < md_len && i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", md[i]);
	return err;
}

/* Links spool/name as <ab>/<rest>; the folder (and a new one's parent)
 * flushed. */
static int link_stored(struct attach_files *f, const char *name, const char *sha)
{
	char dir[3] = {sha[0], sha[1], '\0'};
	bool made = mkdirat(f->root_fd, dir, 0700) == 0;
	if (!made && errno != EEXIST)
		return ERR_UNAVAILABLE;
	int dfd = openat(f->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ERR_UNAVAILABLE;
	int err = ERR_OK;
	if (linkat(f->spool_fd, name, dfd, sha + 2, 0) != 0 && errno != EEXIST)
		err = ERR_UNAVAILABLE;
	if (err == ERR_OK && (fsync(dfd) != 0 || (made && fsync(f->root_fd) != 0)))
		err = ERR_UNAVAILABLE;
	close(dfd);
	return err;
}

int attach_store(struct attach_files *f, int64_t id, const char *suffix, char sha[65],
                 int64_t *size)
{
	char name[48];
	if (made_name(id, suffix, name) != ERR_OK)
		return ERR_INTERNAL;
	int fd = openat(f->spool_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? ERR_NOT_FOUND : ERR_UNAVAILABLE;
	int err = hash_file(fd, sha, size);
	if (err == ERR_OK && fsync(fd) != 0)
		err = ERR_UNAVAILABLE;
	close(fd);
	return err == ERR_OK ? link_stored(f, name, sha) : err;
}

void attach_unstore(struct attach_files *f, const char *sha)
{
	char path[70];
	if (strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64) {
		snprintf(path, sizeof path, "%.2s/%s", sha, sha + 2);
		(void)unlinkat(f->root_fd, path, 0);
	}
}

int attach_quarantine(struct attach_files *f, int64_t id)
{
	char name[32];
	spool_name(id, name);
	if (renameat(f->spool_fd, name, f->quarantine_fd, name) != 0 ||
	    fsync(f->quarantine_fd) != 0 || fsync(f->spool_fd) != 0)
		return ERR_UNAVAILABLE;
	return ERR_OK;
}

int attach_stored_path(const struct attach_files *f, const char *sha, char *out, size_t cap)
{
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
		return ERR_NOT_FOUND;
	int n = snprintf(out, cap, "%s/%.2s/%s", f->root, sha, sha + 2);
	return n > 0 && (size_t)n < cap ? ERR_OK : ERR_INTERNAL;
}
