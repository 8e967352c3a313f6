/*
 * backup.h - the files folder's part of a backup (issue 14): one file
 * copied from a files folder into a backup's, its SHA-256 checked as it
 * is read; and one file of a folder checked in place, for verify.
 *
 * These work on paths, know nothing of the database, and keep the layout
 * of files.h: the checked files as <root>/<ab>/<rest> (the SHA-256 of their
 * content in lower-case hex), an upload being checked as
 * <root>/spool/<id>.part.  indgang-admin walks the rows the database names
 * (store_admin_files()) and calls these for each file.  Blocking, and
 * reentrant: no state is kept between calls.
 */
#ifndef INDGANG_ATTACH_BACKUP_H
#define INDGANG_ATTACH_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

/* What became of one file. */
enum attach_backup_outcome {
	ATTACH_BACKUP_COPIED,  /* copied (and, for a checked file, its hash is right) */
	ATTACH_BACKUP_PRESENT, /* in the backup already with the right hash: left alone */
	ATTACH_BACKUP_OK,      /* (a check) there, and its hash is right */
	ATTACH_BACKUP_MISSING, /* not in the folder read from */
	ATTACH_BACKUP_CORRUPT, /* its content does not hash to its name: not copied */
	ATTACH_BACKUP_FAILED,  /* reading or writing failed, or not a SHA-256 name */
};

struct attach_backup_result {
	enum attach_backup_outcome outcome;
	int64_t bytes;   /* its length, when read whole */
	char actual[65]; /* CORRUPT: what its content hashes to */
	char why[200];   /* FAILED: what failed, with strerror */
};

/*
 * Copies the checked file named sha from the files folder src to
 * <dst>/<ab>/<rest>, making dst and <dst>/<ab> (0700) as needed.  A file
 * already there that hashes to its name is left alone (PRESENT); anything
 * else is copied anew: read in 64 KiB pieces, hashed as it is written to a
 * temporary name, fsynced, renamed in place only when its hash is right,
 * and its folder (and a new folder's parent) fsynced.  Never a hard link:
 * the backup must outlive the disk the files are on.
 */
enum attach_backup_outcome attach_backup_stored(const char *src, const char *dst, const char *sha,
                                                struct attach_backup_result *r);

/* Copies <src>/spool/<id>.part to <dst>/spool/<id>.part the same way,
 * always (an upload has no name to check it by; they are few and short-
 * lived). */
enum attach_backup_outcome attach_backup_spool(const char *src, const char *dst, int64_t id,
                                               struct attach_backup_result *r);

/* Hashes <root>/<ab>/<rest> against sha: OK, MISSING, CORRUPT or FAILED. */
enum attach_backup_outcome attach_backup_check_stored(const char *root, const char *sha,
                                                      struct attach_backup_result *r);

/* Whether <root>/spool/<id>.part is there (OK, with its length) or not. */
enum attach_backup_outcome attach_backup_check_spool(const char *root, int64_t id,
                                                     struct attach_backup_result *r);

/* True when sha is a SHA-256 in lower-case hex: a name safe to join to a
 * path. */
bool attach_backup_valid_name(const char *sha);

#endif
