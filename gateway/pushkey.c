/*
 * pushkey.c - the VAPID key file beside the database (see pushkey.h).
 */
#define _GNU_SOURCE
#include "pushkey.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PUSHKEY_MAX (16 * 1024)

static int refuse(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -1;
}

int pushkey_path(const char *db, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s.vapid.pem", db);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The folder's entry is durable too (a new file after a power cut). */
static void sync_folder(const char *path)
{
	char copy[4096];
	snprintf(copy, sizeof copy, "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Writes len bytes to a new file at path (0600, never over an existing one). */
static int write_new(const char *path, const char *data, size_t len, char *why, size_t cap)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return refuse(why, cap, "cannot create %s: %s", path, strerror(errno));
	bool ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!ok) {
		unlink(path);
		return refuse(why, cap, "cannot write %s: %s", path, strerror(saved));
	}
	sync_folder(path);
	return 0;
}

/* The whole file (at most PUSHKEY_MAX); 1 when it does not exist. */
static int read_key_file(const char *path, char **out, size_t *len, char *why, size_t cap)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		return refuse(why, cap, "cannot read %s: %s", path, strerror(saved));
	}
	if ((st.st_mode & 077) != 0 || st.st_size <= 0 || st.st_size > PUSHKEY_MAX) {
		close(fd);
		return refuse(why, cap, "%s must be a small file only its owner reads (0600)",
		              path);
	}
	*out = malloc((size_t)st.st_size);
	ssize_t n = *out ? read(fd, *out, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(*out);
		return refuse(why, cap, "cannot read %s", path);
	}
	*len = (size_t)n;
	return 0;
}

int pushkey_load(const char *db, struct vapid **out, char *why, size_t cap)
{
	char path[4096], *pem = NULL;
	size_t len = 0;
	*out = NULL;
	if (pushkey_path(db, path, sizeof path) != 0)
		return refuse(why, cap, "the database path is too long");
	int rc = read_key_file(path, &pem, &len, why, cap);
	if (rc != 0)
		return rc;
	rc = vapid_from_pem(pem, len, out) == 0 ? 0
	                                        : refuse(why, cap, "%s is not a P-256 key", path);
	vapid_pem_free(pem, len);
	return rc;
}

int pushkey_ensure(const char *db, char pub[VAPID_PUBLIC_B64_LEN + 1], bool *created, char *why,
                   size_t cap)
{
	char path[4096];
	struct vapid *v = NULL;
	*created = false;
	int rc = pushkey_load(db, &v, why, cap);
	if (rc == 1) {
		char *pem = NULL;
		size_t len = 0;
		if (pushkey_path(db, path, sizeof path) != 0 || vapid_keygen(&v) != 0 ||
		    vapid_to_pem(v, &pem, &len) != 0)
			rc = refuse(why, cap, "cannot make a key pair");
		else
			rc = write_new(path, pem, len, why, cap);
		if (pem != NULL)
			vapid_pem_free(pem, len);
		*created = rc == 0;
	}
	if (rc == 0 && vapid_public_key(v, pub) != 0)
		rc = refuse(why, cap, "cannot export the public key");
	vapid_free(v);
	return rc;
}

int pushkey_copy(const char *db, const char *dest, bool *copied, char *why, size_t cap)
{
	char from[4096], to[4096], *pem = NULL;
	size_t len = 0;
	*copied = false;
	if (pushkey_path(db, from, sizeof from) != 0 || pushkey_path(dest, to, sizeof to) != 0)
		return refuse(why, cap, "a path is too long");
	int rc = read_key_file(from, &pem, &len, why, cap);
	if (rc == 1)
		return 0;
	if (rc == 0)
		rc = write_new(to, pem, len, why, cap);
	if (pem != NULL)
		vapid_pem_free(pem, len);
	*copied = rc == 0;
	return rc;
}
