/*
 * test_backup.c - core/attach/backup.c: a checked file copied into a
 * backup's folder only when its content matches its name, left alone when
 * it is there already, a damaged copy there replaced; an upload's spool
 * file copied; checks in place; names that are no SHA-256 refused before
 * they reach a path.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/attach/backup.h"

static char dir[] = "/tmp/indgang-test-backup-XXXXXX";
static char src[300], dst[300];

static void sha_hex(const unsigned char *data, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void write_file(const char *path, const unsigned char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_EQ(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* Writes data as a checked file of root; its name into hex. */
static void put(const char *root, const unsigned char *data, size_t n, char hex[65])
{
	char path[600];
	sha_hex(data, n, hex);
	snprintf(path, sizeof path, "%s/%.2s", root, hex);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/%.2s/%s", root, hex, hex + 2);
	write_file(path, data, n);
}

static int same_file(const char *a, const char *b)
{
	char cmd[1400];
	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

static void test_stored(void)
{
	enum { N = 200000 }; /* several 64 KiB pieces and a short one */
	unsigned char *data = malloc(N);
	char hex[65], from[600], to[600], tmp[700];
	struct attach_backup_result r;
	for (size_t i = 0; i < N; i++)
		data[i] = (unsigned char)(i * 7 + i / 300);
	put(src, data, N, hex);
	snprintf(from, sizeof from, "%s/%.2s/%s", src, hex, hex + 2);
	snprintf(to, sizeof to, "%s/%.2s/%s", dst, hex, hex + 2);

	CHECK_EQ(attach_backup_check_stored(src, hex, &r), ATTACH_BACKUP_OK);
	CHECK_EQ(r.bytes, N);
	CHECK_EQ(attach_backup_check_stored(dst, hex, &r), ATTACH_BACKUP_MISSING);
	CHECK_EQ(attach_backup_stored(src, dst, hex, &r), ATTACH_BACKUP_COPIED);
	CHECK_EQ(r.bytes, N);
	CHECK(same_file(from, to));
	struct stat a, b;
	CHECK(stat(from, &a) == 0 && stat(to, &b) == 0 && a.st_ino != b.st_ino);
	CHECK_EQ(b.st_mode & 0777, 0600);

	/* There already: left alone. */
	CHECK_EQ(attach_backup_stored(src, dst, hex, &r), ATTACH_BACKUP_PRESENT);
	CHECK_EQ(r.bytes, N);
	struct stat c;
	CHECK(stat(to, &c) == 0 && c.st_ino == b.st_ino);

	/* A damaged copy in the backup is replaced. */
	data[5] ^= 1;
	write_file(to, data, N);
	CHECK_EQ(attach_backup_check_stored(dst, hex, &r), ATTACH_BACKUP_CORRUPT);
	CHECK_EQ(attach_backup_stored(src, dst, hex, &r), ATTACH_BACKUP_COPIED);
	CHECK(same_file(from, to));

	/* A damaged source is not copied under its name, and leaves no temporary. */
	write_file(from, data, N);
	unlink(to);
	CHECK_EQ(attach_backup_stored(src, dst, hex, &r), ATTACH_BACKUP_CORRUPT);
	char want[65];
	sha_hex(data, N, want);
	CHECK_STR(r.actual, want);
	CHECK(access(to, F_OK) != 0);
	snprintf(tmp, sizeof tmp, "%s.tmp", to);
	CHECK(access(tmp, F_OK) != 0);

	/* Missing from the source. */
	unlink(from);
	CHECK_EQ(attach_backup_stored(src, dst, hex, &r), ATTACH_BACKUP_MISSING);
	CHECK_EQ(attach_backup_check_stored(src, hex, &r), ATTACH_BACKUP_MISSING);
	free(data);
}

static void test_names(void)
{
	struct attach_backup_result r;
	const char *bad[] = {
	    "../../../../etc/passwd",
	    "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678",
	    "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(!attach_backup_valid_name(bad[i]));
		CHECK_EQ(attach_backup_stored(src, dst, bad[i], &r), ATTACH_BACKUP_FAILED);
		CHECK(r.why[0] != '\0');
		CHECK_EQ(attach_backup_check_stored(src, bad[i], &r), ATTACH_BACKUP_FAILED);
	}
	CHECK(attach_backup_valid_name(
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"));
}

static void test_spool(void)
{
	char path[600], copy[600];
	struct attach_backup_result r;
	const unsigned char upload[] = "%PDF-1.7 an upload being checked";
	snprintf(path, sizeof path, "%s/spool", src);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/spool/42.part", src);
	write_file(path, upload, sizeof upload);
	snprintf(copy, sizeof copy, "%s/spool/42.part", dst);

	CHECK_EQ(attach_backup_check_spool(src, 42, &r), ATTACH_BACKUP_OK);
	CHECK_EQ(r.bytes, sizeof upload);
	CHECK_EQ(attach_backup_check_spool(dst, 42, &r), ATTACH_BACKUP_MISSING);
	CHECK_EQ(attach_backup_spool(src, dst, 42, &r), ATTACH_BACKUP_COPIED);
	CHECK(same_file(path, copy));
	CHECK_EQ(attach_backup_spool(src, dst, 42, &r), ATTACH_BACKUP_COPIED); /* always */
	CHECK_EQ(attach_backup_spool(src, dst, 43, &r), ATTACH_BACKUP_MISSING);
	CHECK_EQ(attach_backup_check_spool(dst, 42, &r), ATTACH_BACKUP_OK);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(src, sizeof src, "%s/db.files", dir);
	snprintf(dst, sizeof dst, "%s/backup.db.files", dir); /* made by the first copy */
	mkdir(src, 0700);
	umask(077);
	test_stored();
	test_names();
	test_spool();
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("test_backup");
}
