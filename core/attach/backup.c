/*
 * backup.c - one attachment file copied into a backup, or checked in place
 * (backup.h).
 *
 * A copy is written under a temporary name beside its final one, hashed
 * while it is written, fsynced, and renamed in place only when its content
 * is what its name says; then its folder is fsynced.  A backup cut short
 * leaves at most a *.tmp file, which the next one into the same place
 * overwrites.  The checked files are immutable (content-addressed), so a
 * file already in the backup under its name, with the right hash, is the
 * file: it is left alone.
 */
#define _GNU_SOURCE
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define PIECE    65536
#define PATH_CAP 4200

bool attach_backup_valid_name(const char *sha)
{
	return sha != NULL && strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64;
}

/* Records what failed on path (with errno) and returns FAILED. */
static enum attach_backup_outcome failed(struct attach_backup_result *r, const char *what,
                                         const char *path)
{
	int e = errno;
	int n = snprintf(r->why, sizeof r->why, "%s %s: %s", what, path, strerror(e));
	if (n < 0 || (size_t)n >= sizeof r->why) /* a long path: its end says most */
		snprintf(r->why, sizeof r->why, "%s ...%s: %s", what,
		         path + strlen(path) - (strlen(path) < 80 ? strlen(path) : 80),
		         strerror(e));
	return r->outcome = ATTACH_BACKUP_FAILED;
}

static enum attach_backup_outcome too_long(struct attach_backup_result *r)
{
	snprintf(r->why, sizeof r->why, "the path is too long");
	return r->outcome = ATTACH_BACKUP_FAILED;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Makes dir (0700) when missing, and then flushes the folder holding it. */
static int make_dir(const char *dir, struct attach_backup_result *r)
{
	char parent[PATH_CAP];
	if (mkdir(dir, 0700) != 0) {
		if (errno == EEXIST)
			return 0;
		failed(r, "cannot make", dir);
		return -1;
	}
	snprintf(parent, sizeof parent, "%s", dir);
	if (sync_dir(dirname(parent)) != 0) {
		failed(r, "cannot flush the folder of", dir);
		return -1;
	}
	return 0;
}

/*
 * Reads fd to its end in 64 KiB pieces, hashing them (SHA-256, hex into
 * hex) and writing each to out unless out is -1.  0, or -1 with r->why.
 */
static int pump(int fd, const char *from, int out, const char *to, char hex[65],
                struct attach_backup_result *r)
{
	unsigned char buf[PIECE], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = 0;
	r->bytes = 0;
	if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		snprintf(r->why, sizeof r->why, "cannot start SHA-256 (OpenSSL)");
		EVP_MD_CTX_free(ctx);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			failed(r, "cannot read", from);
			rc = -1;
		}
		if (n <= 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		r->bytes += n;
		for (ssize_t off = 0; out >= 0 && off < n && rc == 0;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				failed(r, "cannot write", to);
				rc = -1;
			} else {
				off += w;
			}
		}
		if (rc != 0)
			break;
	}
	if (rc == 0 && !EVP_DigestFinal_ex(ctx, md, &md_len)) {
		snprintf(r->why, sizeof r->why, "SHA-256 failed (OpenSSL)");
		rc = -1;
	}
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; rc == 0 && i < md_len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return rc;
}

/* Opens path for reading: fd, or -1 with MISSING or FAILED in r. */
static int open_source(const char *path, struct attach_backup_result *r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENOTDIR)
		r->outcome = ATTACH_BACKUP_MISSING;
	else
		failed(r, "cannot open", path);
	return -1;
}

/*
 * Copies the file open at in (named from, for messages) into folder dir
 * as name: written as name.tmp, fsynced, renamed when its hash is sha (or
 * always when sha is NULL), the folder fsynced.
 */
static enum attach_backup_outcome copy_into(int in, const char *from, const char *dir,
                                            const char *name, const char *sha,
                                            struct attach_backup_result *r)
{
	char tmp[PATH_CAP], final[PATH_CAP];
	if (snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name) >= (int)sizeof tmp ||
	    snprintf(final, sizeof final, "%s/%s", dir, name) >= (int)sizeof final)
		return too_long(r);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		return failed(r, "cannot create", tmp);
	int rc = pump(in, from, out, tmp, r->actual, r);
	if (rc == 0 && fsync(out) != 0)
		rc = (failed(r, "cannot flush", tmp), -1);
	if (close(out) != 0 && rc == 0)
		rc = (failed(r, "cannot close", tmp), -1);
	if (rc == 0 && sha != NULL && strcmp(r->actual, sha) != 0) {
		unlink(tmp);
		return r->outcome = ATTACH_BACKUP_CORRUPT;
	}
	if (rc == 0 && rename(tmp, final) != 0)
		rc = (failed(r, "cannot rename", tmp), -1);
	if (rc == 0 && sync_dir(dir) != 0)
		rc = (failed(r, "cannot flush the folder", dir), -1);
	if (rc != 0) {
		unlink(tmp);
		return r->outcome = ATTACH_BACKUP_FAILED;
	}
	return r->outcome = ATTACH_BACKUP_COPIED;
}

enum attach_backup_outcome attach_backup_check_stored(const char *root, const char *sha,
                                                      struct attach_backup_result *r)
{
	char path[PATH_CAP];
	memset(r, 0, sizeof *r);
	if (!attach_backup_valid_name(sha)) {
		snprintf(r->why, sizeof r->why, "the row's hash is not a SHA-256 in hex");
		return r->outcome = ATTACH_BACKUP_FAILED;
	}
	if (snprintf(path, sizeof path, "%s/%.2s/%s", root, sha, sha + 2) >= (int)sizeof path)
		return too_long(r);
	int fd = open_source(path, r);
	if (fd < 0)
		return r->outcome;
	int rc = pump(fd, path, -1, NULL, r->actual, r);
	close(fd);
	if (rc != 0)
		return r->outcome = ATTACH_BACKUP_FAILED;
	return r->outcome = strcmp(r->actual, sha) == 0 ? ATTACH_BACKUP_OK : ATTACH_BACKUP_CORRUPT;
}

enum attach_backup_outcome attach_backup_stored(const char *src, const char *dst, const char *sha,
                                                struct attach_backup_result *r)
{
	char from[PATH_CAP], dir[PATH_CAP];
	/* Already in the backup, whole: immutable files need no second copy.
	 * (An invalid name fails here, and says why.) */
	enum attach_backup_outcome o = attach_backup_check_stored(dst, sha, r);
	if (o == ATTACH_BACKUP_OK)
		return r->outcome = ATTACH_BACKUP_PRESENT;
	if (!attach_backup_valid_name(sha))
		return o;
	memset(r, 0, sizeof *r);
	if (snprintf(from, sizeof from, "%s/%.2s/%s", src, sha, sha + 2) >= (int)sizeof from ||
	    snprintf(dir, sizeof dir, "%s/%.2s", dst, sha) >= (int)sizeof dir)
		return too_long(r);
	int in = open_source(from, r);
	if (in < 0)
		return r->outcome;
	o = ATTACH_BACKUP_FAILED;
	if (make_dir(dst, r) == 0 && make_dir(dir, r) == 0)
		o = copy_into(in, from, dir, sha + 2, sha, r);
	close(in);
	return r->outcome = o;
}

enum attach_backup_outcome attach_backup_spool(const char *src, const char *dst, int64_t id,
                                               struct attach_backup_result *r)
{
	char from[PATH_CAP], dir[PATH_CAP], name[32];
	memset(r, 0, sizeof *r);
	snprintf(name, sizeof name, "%" PRId64 ".part", id);
	if (snprintf(from, sizeof from, "%s/spool/%s", src, name) >= (int)sizeof from ||
	    snprintf(dir, sizeof dir, "%s/spool", dst) >= (int)sizeof dir)
		return too_long(r);
	int in = open_source(from, r);
	if (in < 0)
		return r->outcome;
	enum attach_backup_outcome o = ATTACH_BACKUP_FAILED;
	if (make_dir(dst, r) == 0 && make_dir(dir, r) == 0)
		o = copy_into(in, from, dir, name, NULL, r);
	close(in);
	return r->outcome = o;
}

enum attach_backup_outcome attach_backup_check_spool(const char *root, int64_t id,
                                                     struct attach_backup_result *r)
{
	char path[PATH_CAP];
	struct stat st;
	memset(r, 0, sizeof *r);
	if (snprintf(path, sizeof path, "%s/spool/%" PRId64 ".part", root, id) >= (int)sizeof path)
		return too_long(r);
	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? (r->outcome = ATTACH_BACKUP_MISSING)
		                                           : failed(r, "cannot read", path);
	if (!S_ISREG(st.st_mode)) {
		snprintf(r->why, sizeof r->why, "%.150s is not a file", path);
		return r->outcome = ATTACH_BACKUP_FAILED;
	}
	r->bytes = st.st_size;
	return r->outcome = ATTACH_BACKUP_OK;
}
