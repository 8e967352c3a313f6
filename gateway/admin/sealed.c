/*
 * sealed.c - indgang-admin backup encrypted to age recipients: one file
 * NAME.tar.age that only the holders of the matching identities (private
 * keys, kept off the server) can read.
 *
 * Why: a backup goes to another host or a mounted share that may not be
 * encrypted, and outlives the server's own disk; a deleted message stays in
 * every backup taken before.  Encrypted to a public key, a backup needs no
 * secret on the server, so the server can make it unattended and a thief
 * of the server or of the backup host cannot read it.
 *
 * How: the ordinary backup (database copy, push key, files, verified) is
 * made in a private staging folder beside the live database, on its volume,
 * which holds the same data already; never in the destination, which may be
 * the unencrypted share.  Then tar streams it through age into a temporary
 * name in the destination, which is fsynced and renamed in place (never over
 * an existing file), its folder fsynced.  The staging folder goes whatever
 * happens; a failure leaves no .tar.age behind.
 */
#define _GNU_SOURCE
#include "admin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common/err.h"

#define SEALED_EXT     ".tar.age"
#define SEALED_PARTIAL ".partial"
#define SEALED_ARGV    (2 * ADMIN_MAX_AGE_RCPT + 6)

struct sealed {
	char dest[4096];    /* NAME.tar.age */
	char inner[512];    /* NAME.db, the backup's name inside the archive */
	char staging[4200]; /* the private folder beside the database */
	const char *age[SEALED_ARGV];
	int recipients; /* how many keys, from the options and the file */
};

bool admin_sealed_wanted(const struct admin *a, const struct admin_args *args)
{
	return args->n_age_recipients > 0 || args->age_recipients_file != NULL ||
	       (a->conf != NULL && a->conf->backup_age_recipients != NULL);
}

/* The recipients in an age recipients file: one a line, # starts a comment
 * (as age reads it).  -1 when it cannot be read. */
static int sealed_count_file(const char *path)
{
	char line[4096];
	int n = 0;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		const char *p = line + strspn(line, " \t");
		n += *p != '#' && *p != '\n' && *p != '\r' && *p != '\0';
	}
	fclose(f);
	return n;
}

/* age --encrypt -r R ... -R FILE.  Options first; the config's file only
 * when the command line names no recipient. */
static int sealed_recipients(struct admin *a, const struct admin_args *args, struct sealed *s)
{
	const char *file = args->age_recipients_file;
	int n = 0;
	s->age[n++] = "age";
	s->age[n++] = "--encrypt";
	for (int i = 0; i < args->n_age_recipients; i++) {
		s->age[n++] = "-r";
		s->age[n++] = args->age_recipients[i];
	}
	s->recipients = args->n_age_recipients;
	if (file == NULL && args->n_age_recipients == 0)
		file = a->conf->backup_age_recipients;
	if (file != NULL) {
		int k = sealed_count_file(file);
		if (k < 0)
			return admin_fail(a, ERR_NOT_FOUND,
			                  "cannot read the age recipients file %s: %s", file,
			                  strerror(errno));
		if (k == 0)
			return admin_fail(a, ERR_BAD_REQUEST,
			                  "the age recipients file %s names no key", file);
		s->age[n++] = "-R";
		s->age[n++] = file;
		s->recipients += k;
	}
	s->age[n] = NULL;
	return ERR_OK;
}

/* NAME.tar.age in a directory, or the PATH given with that ending; the
 * backup inside is NAME.db, so that unpacked by hand it is a plain backup. */
static int sealed_names(struct admin *a, const char *given, struct sealed *s)
{
	size_t e = strlen(SEALED_EXT), n;
	bool dir = admin_backup_name(a, given, SEALED_EXT, s->dest, sizeof s->dest);
	n = strlen(s->dest);
	if (!dir && (n <= e || strcmp(s->dest + n - e, SEALED_EXT) != 0))
		return admin_usage(a,
		                   "an encrypted backup is one file: give a DIRECTORY or a PATH "
		                   "ending in " SEALED_EXT ", not %s",
		                   given);
	const char *base = strrchr(s->dest, '/') != NULL ? strrchr(s->dest, '/') + 1 : s->dest;
	if (strlen(base) == e)
		return admin_usage(a, "%s has no name before " SEALED_EXT, given);
	snprintf(s->inner, sizeof s->inner, "%.*s.db", (int)(strlen(base) - e), base);
	if (access(s->dest, F_OK) == 0)
		return admin_fail(a, ERR_CONFLICT, "%s exists already; give a new name", s->dest);
	return ERR_OK;
}

/* age refuses a malformed recipient or a missing file at once, and a
 * missing age cannot start: ask it on an empty input before the slow part. */
static int sealed_preflight(struct admin *a, struct sealed *s)
{
	char why[700];
	if (admin_proc_pipe((char *const *)s->age, NULL, -1, -1, why, sizeof why) != 0)
		return admin_fail(a, ERR_BAD_REQUEST,
		                  "cannot encrypt to the age recipients given: %s; no backup made",
		                  why);
	return ERR_OK;
}

static int sealed_stage(struct admin *a, struct sealed *s, json_t *out)
{
	char db[4800];
	if (admin_proc_staging(a->db, "backup", s->staging, sizeof s->staging) != 0) {
		s->staging[0] = '\0';
		return admin_fail(a, ERR_INTERNAL, "cannot make a staging folder beside %s: %s",
		                  a->db, strerror(errno));
	}
	snprintf(db, sizeof db, "%s/%s", s->staging, s->inner);
	return admin_backup_plain(a, db, out);
}

/* tar --create of the staged backup: the database, and its key and files
 * folder when it has them, named ./NAME.db... (relative, never absolute). */
static void sealed_tar_argv(const struct sealed *s, char member[3][600], const char *argv[10])
{
	static const char *const ext[3] = {"", ".vapid.pem", ".files"};
	char path[4800];
	int n = 0;
	argv[n++] = "tar";
	argv[n++] = "--create";
	argv[n++] = "--file=-";
	argv[n++] = "--directory";
	argv[n++] = s->staging;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s%s", s->staging, s->inner, ext[i]);
		snprintf(member[i], 600, "./%s%s", s->inner, ext[i]);
		if (i == 0 || access(path, F_OK) == 0)
			argv[n++] = member[i];
	}
	argv[n] = NULL;
}

/* Renames tmp to dest, never over an existing dest: RENAME_NOREPLACE, or a
 * hard link and unlink on a filesystem without it (some network shares). */
static int sealed_place(const char *tmp, const char *dest)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	if (link(tmp, dest) != 0)
		return -1;
	unlink(tmp);
	return 0;
}

/* tar | age into DEST.XXXXXX.partial, then fsync, rename, fsync the folder.
 * The temporary name does not end in .tar.age: a cut-short one is no backup. */
static int sealed_write(struct admin *a, struct sealed *s)
{
	char tmp[4200], why[700] = "", member[3][600];
	const char *tar[10];
	snprintf(tmp, sizeof tmp, "%s.XXXXXX" SEALED_PARTIAL, s->dest);
	int fd = mkostemps(tmp, (int)strlen(SEALED_PARTIAL), O_CLOEXEC);
	if (fd < 0)
		return admin_fail(a, ERR_INTERNAL, "cannot write in the folder of %s: %s", s->dest,
		                  strerror(errno));
	sealed_tar_argv(s, member, tar);
	int rc =
	    admin_proc_pipe((char *const *)tar, (char *const *)s->age, -1, fd, why, sizeof why);
	if (rc == 0 && fsync(fd) != 0)
		snprintf(why, sizeof why, "cannot flush the temporary file: %s", strerror(errno));
	rc = close(fd) != 0 || rc != 0 || why[0] != '\0' ? -1 : 0;
	if (rc == 0 && sealed_place(tmp, s->dest) != 0)
		snprintf(why, sizeof why, "cannot rename the temporary file into place: %s",
		         strerror(errno));
	if (rc != 0 || why[0] != '\0') {
		unlink(tmp);
		return admin_fail(a, ERR_INTERNAL,
		                  "encrypting the backup failed: %s; no %s written",
		                  why[0] ? why : strerror(errno), s->dest);
	}
	admin_proc_sync_dir_of(s->dest);
	return ERR_OK;
}

/* The JSON of the plain backup, retold for the archive: where it went, to
 * how many keys, and the staged names as they are inside it. */
static void sealed_report(const struct sealed *s, json_t *out)
{
	char files[600];
	struct stat st;
	snprintf(files, sizeof files, "%s.files in the archive", s->inner);
	json_object_set_new(out, "backup", json_string(s->dest));
	json_object_set_new(out, "encrypted", json_true());
	json_object_set_new(out, "recipients", json_integer(s->recipients));
	json_object_set_new(out, "bytes", json_integer(stat(s->dest, &st) == 0 ? st.st_size : 0));
	json_object_set_new(out, "inner", json_string(s->inner));
	json_object_set_new(out, "files_dir", json_string(files));
	json_object_set_new(json_object_get(out, "verify"), "path", json_string(s->inner));
}

int admin_sealed_backup(struct admin *a, const struct admin_args *args, json_t **out)
{
	struct sealed s = {0};
	int err;
	if ((err = sealed_names(a, args->pos[0], &s)) != ERR_OK ||
	    (err = sealed_recipients(a, args, &s)) != ERR_OK ||
	    (err = sealed_preflight(a, &s)) != ERR_OK)
		return err;
	if ((*out = json_object()) == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	if ((err = sealed_stage(a, &s, *out)) == ERR_OK)
		err = sealed_write(a, &s);
	admin_proc_remove(s.staging); /* whatever happened: no plain copy stays */
	if (err == ERR_OK) {
		sealed_report(&s, *out);
		return ERR_OK;
	}
	json_decref(*out);
	*out = NULL;
	return err;
}
