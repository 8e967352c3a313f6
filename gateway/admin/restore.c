/*
 * restore.c - indgang-admin restore BACKUP [--age-identity FILE] [--replace]:
 * a backup put in place of the database, its push key and its files folder.
 *
 * The backup is first made whole in a private staging folder beside the
 * database (on its volume, so installing it is a rename): a NAME.tar.age is
 * decrypted by age and unpacked by tar there; a NAME.db is copied there
 * with SQLite's backup API, its files from NAME.db.files (each hashed as it
 * is copied) and its NAME.db.vapid.pem.  The staged copy must pass verify's
 * checks.  Only then is the target touched: refused while a gateway (or any
 * program) has the database open, refused when something is there unless
 * --replace, which moves the old database, -wal, -shm, key and files folder
 * aside to DB.before-restore-TIMESTAMP (with -wal, -shm, .vapid.pem and
 * .files after that name, so that verify and SQLite find them together).
 * A failure before the install changes nothing at the target; one during it
 * puts back what was moved.  The staging folder goes whatever happens.
 */
#define _GNU_SOURCE
#include "admin.h"
#include "gateway/pushkey.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common/err.h"
#include "core/store/store_admin.h"

#define RESTORE_EXT   ".tar.age"
#define RESTORE_PARTS 6 /* database, -wal, -shm, -journal, key, files folder */

/* SQLite's lock bytes (sqlite3.c, os_unix.c): PENDING, RESERVED and the 510
 * SHARED bytes of the database file; the WAL index's 8 locks and its DMS. */
#define RESTORE_DB_LOCKS    0x40000000L
#define RESTORE_DB_LOCKS_N  512
#define RESTORE_SHM_LOCKS   120
#define RESTORE_SHM_LOCKS_N 9

struct restore {
	const char *backup;
	bool sealed;
	char staging[4200];
	char db[4800];    /* the staged database */
	char files[4200]; /* the target's files folder */
	char stamp[20];   /* of the .before-restore- names */
	char from[RESTORE_PARTS][4300], to[RESTORE_PARTS][4500];
	int n_moved, n_installed;
	char installed[3][4300];
};

/* ---- Is the target free? -------------------------------------------------------- */

/*
 * Who holds a lock on [start, start + len) of path: its pid, 0 when nobody.
 * A program that has a WAL database open (the gateway always runs its
 * database in WAL mode) holds a shared lock on the database file's SHARED
 * bytes and a read lock on the -shm's DMS byte from its first read until it
 * closes the file, idle or not; SQLite never lets go of them meanwhile.
 * F_GETLK asks the kernel whether a write lock there would conflict, and
 * takes none, so it can neither disturb a gateway nor be fooled by an idle
 * one.  (BEGIN EXCLUSIVE would: in WAL mode it takes only the writer's
 * lock and succeeds beside an idle gateway.)
 */
static long restore_lock_holder(const char *path, off_t start, off_t len)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	int fd = open(path, O_RDONLY | O_CLOEXEC); /* we hold no lock a close could drop */
	if (fd < 0)
		return 0;
	int rc = fcntl(fd, F_GETLK, &fl);
	close(fd);
	if (rc != 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid > 0 ? (long)fl.l_pid : -1;
}

static int restore_not_in_use(struct admin *a)
{
	char shm[4200];
	snprintf(shm, sizeof shm, "%s-shm", a->db);
	long pid = restore_lock_holder(a->db, RESTORE_DB_LOCKS, RESTORE_DB_LOCKS_N);
	if (pid == 0)
		pid = restore_lock_holder(shm, RESTORE_SHM_LOCKS, RESTORE_SHM_LOCKS_N);
	if (pid == 0)
		return ERR_OK;
	return admin_fail(a, ERR_CONFLICT,
	                  "%s is in use (process %ld has it open: a running gateway?); stop it "
	                  "first (systemctl stop indgang); nothing was changed",
	                  a->db, pid);
}

/* The target's parts, where they are now; "" for a part the index skips. */
static void restore_part(const struct admin *a, const struct restore *r, int i, char *out,
                         size_t cap)
{
	static const char *const suffix[RESTORE_PARTS] = {"",         "-wal",       "-shm",
	                                                  "-journal", ".vapid.pem", NULL};
	if (suffix[i] != NULL)
		snprintf(out, cap, "%s%s", a->db, suffix[i]);
	else
		snprintf(out, cap, "%s", r->files);
}

/* Where a part goes aside: DB.before-restore-STAMP, its companions after. */
static void restore_aside(const struct admin *a, const struct restore *r, int i, char *out,
                          size_t cap)
{
	static const char *const suffix[RESTORE_PARTS] = {"",         "-wal",       "-shm",
	                                                  "-journal", ".vapid.pem", ".files"};
	char files[4300];
	snprintf(files, sizeof files, "%s.files", a->db);
	if (i == RESTORE_PARTS - 1 && strcmp(r->files, files) != 0) /* files set in the config */
		snprintf(out, cap, "%s.before-restore-%s", r->files, r->stamp);
	else
		snprintf(out, cap, "%s.before-restore-%s%s", a->db, r->stamp, suffix[i]);
}

static int restore_target_free(struct admin *a, const struct restore *r, bool replace)
{
	char part[4300];
	int err = restore_not_in_use(a);
	for (int i = 0; err == ERR_OK && !replace && i < RESTORE_PARTS; i++) {
		restore_part(a, r, i, part, sizeof part);
		if (access(part, F_OK) == 0)
			err = admin_fail(a, ERR_CONFLICT,
			                 "%s exists: give --replace to move the old database aside "
			                 "(to %s.before-restore-%s); nothing was changed",
			                 part, a->db, r->stamp);
	}
	return err;
}

/* Installing is a rename from the staging folder: the files folder must be on
 * the database's filesystem (with files in the config file it may not be). */
static int restore_same_volume(struct admin *a, const struct restore *r)
{
	char parent[4200];
	struct stat here, there;
	const char *slash = strrchr(r->files, '/');
	snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - r->files) : 1,
	         slash ? r->files : ".");
	if (parent[0] == '\0')
		snprintf(parent, sizeof parent, "/");
	if (stat(r->staging, &here) != 0 || stat(parent, &there) != 0)
		return admin_fail(a, ERR_NOT_FOUND, "cannot reach the folder of %s: %s", r->files,
		                  strerror(errno));
	if (here.st_dev != there.st_dev)
		return admin_fail(a, ERR_UNSUPPORTED,
		                  "the files folder %s is on another filesystem than the database; "
		                  "restore by hand (operator's guide, section 8)",
		                  r->files);
	return ERR_OK;
}

/* ---- The backup, staged ----------------------------------------------------------- */

struct restore_scan {
	const char *root;
	char name[512]; /* the one NAME.db at the top */
	int bad;        /* a symlink, device, hard link or stray entry */
	char what[600];
};

static struct restore_scan *restore_scanning; /* nftw takes no context */

/* Only regular files and folders, each file once: an archive of ours has
 * nothing else, and tar may have made anything an attacker put in one. */
static int restore_scan_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct restore_scan *sc = restore_scanning;
	bool file = flag == FTW_F && S_ISREG(st->st_mode) && st->st_nlink == 1;
	bool dir = flag == FTW_D && S_ISDIR(st->st_mode);
	if (!file && !dir && sc->bad++ == 0)
		snprintf(sc->what, sizeof sc->what, "%s is not a plain file or folder",
		         path + strlen(sc->root));
	if (ftw->level == 1 && file && strlen(path + ftw->base) > 3 &&
	    strcmp(path + strlen(path) - 3, ".db") == 0) {
		if (sc->name[0] != '\0' && sc->bad++ == 0)
			snprintf(sc->what, sizeof sc->what, "it holds more than one database");
		snprintf(sc->name, sizeof sc->name, "%s", path + ftw->base);
	}
	return 0;
}

/* Every top-level entry must be NAME.db, NAME.db.vapid.pem or NAME.db.files. */
static void restore_scan_top(struct restore_scan *sc)
{
	char expect[3][600];
	DIR *d = opendir(sc->root);
	snprintf(expect[0], 600, "%s", sc->name);
	snprintf(expect[1], 600, "%s.vapid.pem", sc->name);
	snprintf(expect[2], 600, "%s.files", sc->name);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		bool known = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
		for (int i = 0; i < 3; i++)
			known = known || strcmp(e->d_name, expect[i]) == 0;
		if (!known && sc->bad++ == 0)
			snprintf(sc->what, sizeof sc->what, "it holds %s, not part of a backup",
			         e->d_name);
	}
	if (d != NULL)
		closedir(d);
}

static int restore_check_tree(struct admin *a, struct restore *r)
{
	struct restore_scan sc = {.root = r->staging};
	restore_scanning = &sc;
	nftw(r->staging, restore_scan_one, 16, FTW_PHYS);
	restore_scanning = NULL;
	if (sc.name[0] == '\0' && sc.bad == 0)
		return admin_fail(a, ERR_BAD_REQUEST, "%s holds no NAME.db; nothing was changed",
		                  r->backup);
	restore_scan_top(&sc);
	if (sc.bad > 0)
		return admin_fail(a, ERR_BAD_REQUEST,
		                  "%s is not a backup of indgang-admin: %s; nothing was changed",
		                  r->backup, sc.what);
	snprintf(r->db, sizeof r->db, "%s/%s", r->staging, sc.name);
	return ERR_OK;
}

/*
 * age --decrypt | tar --extract into the staging folder.  The backup goes to
 * age on its standard input (a name beginning with '-' stays a name).  GNU
 * tar's defaults are the safe ones: it strips a leading '/', refuses members
 * with '..' (and fails), and extracts a symlink pointing outside only at the
 * end, as a placeholder till then; --no-same-owner keeps the files the
 * restoring user's.  restore_check_tree() then looks at what came out.
 */
static int restore_unseal(struct admin *a, const struct admin_args *args, struct restore *r)
{
	char why[700];
	const char *age[] = {"age", "--decrypt", "--identity", args->age_identity, NULL};
	const char *tar[] = {"tar",      "--extract",       "--file=-", "--directory",
	                     r->staging, "--no-same-owner", NULL};
	int in = open(r->backup, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return admin_fail(a, ERR_NOT_FOUND, "cannot read %s: %s", r->backup,
		                  strerror(errno));
	int rc = admin_proc_pipe((char *const *)age, (char *const *)tar, in, -1, why, sizeof why);
	close(in);
	if (rc != 0)
		return admin_fail(a, ERR_BAD_REQUEST,
		                  "cannot decrypt and unpack %s: %s; nothing was changed",
		                  r->backup, why);
	return restore_check_tree(a, r);
}

/* A plain NAME.db: copied as store_admin_backup() copies the live one, its
 * files copied and hashed from NAME.db.files, its key beside it. */
static int restore_copy(struct admin *a, struct restore *r)
{
	char why[600], files[4300];
	const char *base = strrchr(r->backup, '/') ? strrchr(r->backup, '/') + 1 : r->backup;
	bool key;
	snprintf(r->db, sizeof r->db, "%s/%s", r->staging, base);
	int err = store_admin_backup(r->backup, r->db, why, sizeof why);
	if (err != ERR_OK)
		return admin_fail(a, err, "cannot copy %s: %s; nothing was changed", r->backup,
		                  why);
	snprintf(files, sizeof files, "%s.files", r->backup);
	json_t *copied = json_object();
	err = admin_files_backup(a, files, r->db, copied);
	json_decref(copied); /* verify reports on the staged files below */
	if (err == ERR_OK && pushkey_copy(r->backup, r->db, &key, why, sizeof why) != 0)
		err = admin_fail(a, ERR_INTERNAL, "cannot copy the push key: %s", why);
	return err;
}

static int restore_verify(struct admin *a, struct restore *r, json_t *out)
{
	char files[4900];
	json_t *report = NULL;
	snprintf(files, sizeof files, "%s.files", r->db);
	int err = admin_verify_path(a, r->db, files, &report);
	if (err != ERR_OK)
		return err;
	json_object_set_new(out, "verify", report);
	if (json_is_true(json_object_get(report, "ok")))
		return ERR_OK;
	return admin_fail(a, ERR_BAD_REQUEST, "the backup does not verify: %s; nothing was changed",
	                  json_string_value(json_object_get(report, "problem")));
}

/* ---- Installing ------------------------------------------------------------------ */

static void restore_undo(struct restore *r)
{
	for (int i = r->n_installed - 1; i >= 0; i--)
		admin_proc_remove(r->installed[i]);
	for (int i = r->n_moved - 1; i >= 0; i--)
		rename(r->to[i], r->from[i]);
}

static int restore_move_aside(struct admin *a, struct restore *r, json_t *moved)
{
	for (int i = 0; i < RESTORE_PARTS; i++) {
		char *from = r->from[r->n_moved], *to = r->to[r->n_moved];
		restore_part(a, r, i, from, sizeof r->from[0]);
		restore_aside(a, r, i, to, sizeof r->to[0]);
		if (access(from, F_OK) != 0)
			continue;
		if (access(to, F_OK) == 0)
			return admin_fail(a, ERR_CONFLICT, "cannot move %s aside: %s exists", from,
			                  to);
		if (rename(from, to) != 0)
			return admin_fail(a, ERR_INTERNAL, "cannot move %s aside to %s: %s", from,
			                  to, strerror(errno));
		r->n_moved++;
		json_array_append_new(moved, json_string(to));
	}
	return ERR_OK;
}

/* Run as root, the restored files get the owner of the database's folder
 * (the indgang user's /var/lib/indgang), or the gateway could not open them. */
static uid_t restore_uid;
static gid_t restore_gid;

static int restore_chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return lchown(path, restore_uid, restore_gid) == 0 ? 0 : -1;
}

static void restore_own(const char *staging)
{
	struct stat st;
	char parent[4300];
	snprintf(parent, sizeof parent, "%s/..", staging);
	if (geteuid() != 0 || stat(parent, &st) != 0)
		return;
	restore_uid = st.st_uid;
	restore_gid = st.st_gid;
	nftw(staging, restore_chown_one, 16, FTW_PHYS);
}

/* One staged part renamed into place, with its mode. */
static int restore_put(struct admin *a, struct restore *r, const char *suffix, const char *to,
                       mode_t mode)
{
	char from[4900];
	snprintf(from, sizeof from, "%s%s", r->db, suffix);
	if (access(from, F_OK) != 0 && suffix[0] != '\0')
		return ERR_OK; /* no key or no files in the backup */
	if (chmod(from, mode) != 0 || rename(from, to) != 0)
		return admin_fail(a, ERR_INTERNAL, "cannot put %s in place as %s: %s", from, to,
		                  strerror(errno));
	snprintf(r->installed[r->n_installed++], sizeof r->installed[0], "%s", to);
	return ERR_OK;
}

static int restore_install(struct admin *a, struct restore *r, json_t *out)
{
	char key[4300];
	json_t *moved = json_array();
	snprintf(key, sizeof key, "%s.vapid.pem", a->db);
	restore_own(r->staging);
	int err = restore_move_aside(a, r, moved);
	if (err == ERR_OK)
		err = restore_put(a, r, ".files", r->files, 0700);
	if (err == ERR_OK)
		err = restore_put(a, r, ".vapid.pem", key, 0600);
	if (err == ERR_OK) /* the database last: with it, the rest is there */
		err = restore_put(a, r, "", a->db, 0600);
	if (err != ERR_OK)
		restore_undo(r);
	admin_proc_sync_dir_of(a->db);
	admin_proc_sync_dir_of(r->files);
	json_object_set_new(out, "moved_aside", moved);
	json_object_set_new(out, "push_key", json_boolean(access(key, F_OK) == 0));
	return err;
}

/* ---- The command -------------------------------------------------------------------- */

static int restore_args(struct admin *a, const struct admin_args *args, struct restore *r)
{
	size_t n = strlen(args->pos[0]), e = strlen(RESTORE_EXT);
	r->backup = args->pos[0];
	r->sealed = n > e && strcmp(r->backup + n - e, RESTORE_EXT) == 0;
	admin_files_dir(a, a->db, r->files, sizeof r->files);
	admin_stamp(a, r->stamp);
	if (r->sealed && args->age_identity == NULL)
		return admin_usage(a,
		                   "%s is encrypted: give --age-identity FILE (the key made with "
		                   "age-keygen, kept off the server)",
		                   r->backup);
	if (!r->sealed && args->age_identity != NULL)
		return admin_usage(a, "--age-identity is for a backup ending in " RESTORE_EXT);
	if (access(r->backup, R_OK) != 0)
		return admin_fail(a, ERR_NOT_FOUND, "cannot read %s: %s", r->backup,
		                  strerror(errno));
	return ERR_OK;
}

static int restore_stage(struct admin *a, const struct admin_args *args, struct restore *r,
                         json_t *out)
{
	if (admin_proc_staging(a->db, "restore", r->staging, sizeof r->staging) != 0) {
		r->staging[0] = '\0';
		return admin_fail(a, ERR_INTERNAL, "cannot make a staging folder beside %s: %s",
		                  a->db, strerror(errno));
	}
	int err = restore_same_volume(a, r);
	if (err == ERR_OK)
		err = r->sealed ? restore_unseal(a, args, r) : restore_copy(a, r);
	return err == ERR_OK ? restore_verify(a, r, out) : err;
}

int admin_restore_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	bool replace = (args->seen & OPT_REPLACE) != 0;
	struct restore *r = calloc(1, sizeof *r);
	int err = r != NULL ? restore_args(a, args, r) : admin_fail(a, ERR_INTERNAL, "no memory");
	/* Asked before the slow part, and again right before the install. */
	if (err == ERR_OK && (err = restore_target_free(a, r, replace)) == ERR_OK) {
		*out = json_pack("{s:s, s:s, s:b, s:s}", "backup", r->backup, "db", a->db,
		                 "encrypted", r->sealed, "files_dir", r->files);
		err = restore_stage(a, args, r, *out);
		if (err == ERR_OK && (err = restore_target_free(a, r, replace)) == ERR_OK)
			err = restore_install(a, r, *out);
	}
	if (r != NULL)
		admin_proc_remove(r->staging);
	if (err == ERR_OK) { /* the file verified is the database now */
		json_t *v = json_object_get(*out, "verify");
		json_object_set_new(v, "path", json_string(a->db));
		json_object_set_new(v, "files_dir", json_string(r->files));
	}
	free(r);
	if (err != ERR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

void admin_restore_show(const struct admin *a, const json_t *out)
{
	const json_t *moved = json_object_get(out, "moved_aside"), *m;
	size_t i;
	printf("restored %s\n    into %s\n", json_string_value(json_object_get(out, "backup")),
	       a->db);
	printf("  files folder    %s\n", json_string_value(json_object_get(out, "files_dir")));
	if (!json_is_true(json_object_get(out, "push_key")))
		printf("  push key        none in the backup: the gateway runs without Web Push\n");
	json_array_foreach(moved, i, m)
	{
		printf("  moved aside     %s\n", json_string_value(m));
	}
	admin_verify_show(a, json_object_get(out, "verify"));
	printf("Start the gateway: systemctl start indgang\n");
}
