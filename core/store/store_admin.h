/*
 * store_admin.h - the administrator's queries: listings for indgang-admin
 * and the few checks and bulk updates that only provisioning needs.
 *
 * These are one-shot statements (prepared per call, not cached) because the
 * command-line tool runs each of them once.  Listings hand every row to a
 * callback; the strings in a row are valid only during that call.  A
 * callback returns ERR_OK to go on, anything else to stop (and that value is
 * returned).
 */
#ifndef INDGANG_STORE_ADMIN_H
#define INDGANG_STORE_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct store_admin_team {
	int64_t id;
	const char *name;
	int64_t n_staff;
	int64_t n_families;
};

struct store_admin_staff {
	int64_t id;
	const char *username;
	const char *name;
	enum role role; /* ROLE_ADVISER or ROLE_ADMIN */
	bool active;
	const char *teams; /* team names joined by ", "; "" when none */
};

struct store_admin_family {
	int64_t id;
	const char *name;
	int64_t team_id;
	const char *team;
	int64_t primary_id;
	const char *primary; /* username */
	int64_t secondary_id;
	const char *secondary; /* username */
	int64_t conv_id;       /* the default conversation */
	int64_t n_members;
};

struct store_admin_member {
	int64_t id;
	const char *name;
	int64_t family_id;
	const char *family;
	bool active;
	int64_t n_devices; /* devices not revoked */
};

struct store_admin_device {
	int64_t id;
	const char *name;
	int64_t user_id;
	const char *user;   /* the owner's display name */
	int64_t family_id;  /* 0 when the owner is not a family member */
	const char *family; /* "" when family_id is 0 */
	int64_t created_at;
	int64_t revoked_at; /* 0: active */
};

/* One row of a family's access log: staff (or the console) reading the
 * family's data, or refused when trying (GDPR art. 15 "who saw what"). */
struct store_admin_access {
	int64_t id;
	int64_t at;
	const char *kind;     /* "access" or "denied" */
	int64_t actor_id;     /* 0: the actor row is gone */
	const char *actor;    /* display name */
	const char *username; /* "" for family members */
	const char *role;     /* "adviser", "admin", "family" */
	int64_t conv_id;      /* 0 when the read was not of one conversation */
	const char *conv;     /* its title, "" */
	const char *what;     /* "history", "sync", "log", "log export csv", "devices", ... */
};

typedef int (*store_admin_team_fn)(void *ctx, const struct store_admin_team *row);
typedef int (*store_admin_access_fn)(void *ctx, const struct store_admin_access *row);
typedef int (*store_admin_staff_fn)(void *ctx, const struct store_admin_staff *row);
typedef int (*store_admin_family_fn)(void *ctx, const struct store_admin_family *row);
typedef int (*store_admin_member_fn)(void *ctx, const struct store_admin_member *row);
typedef int (*store_admin_device_fn)(void *ctx, const struct store_admin_device *row);

/* Every team, by id. */
int store_admin_teams(struct store *s, store_admin_team_fn fn, void *ctx);
/* Every staff and admin account, by id. */
int store_admin_staff(struct store *s, store_admin_staff_fn fn, void *ctx);
/* Families by id; family_id > 0 restricts to that one (no call: not found). */
int store_admin_families(struct store *s, int64_t family_id, store_admin_family_fn fn, void *ctx);
/* Family members by family and id; family_id > 0 restricts to one family. */
int store_admin_members(struct store *s, int64_t family_id, store_admin_member_fn fn, void *ctx);
/* Devices by id; family_id > 0 restricts to the members of one family. */
int store_admin_devices(struct store *s, int64_t family_id, store_admin_device_fn fn, void *ctx);

/* A page of the family's "access" and "denied" rows (the range as for
 * store_log_page: period, cursor, end and limit), oldest first. */
int store_admin_access_log(struct store *s, const struct store_log_range *r,
                           store_admin_access_fn fn, void *ctx);

/* *yes when user_id is on the staff of team_id. */
int store_admin_in_team(struct store *s, int64_t team_id, int64_t user_id, bool *yes);
/* Revokes every live token of a user (signed out everywhere); *n how many. */
int store_admin_revoke_user_tokens(struct store *s, int64_t user_id, int64_t now, int64_t *n);

/* The account that actions taken with indgang-admin are logged under
 * ("Console (indgang-admin)"), created on first use.  It has no password and
 * is inactive: it can never sign in.  Its username cannot be given to a
 * person (usernames start with a letter or digit). */
#define STORE_CONSOLE_USERNAME "#console"
int store_admin_console_actor(struct store *s, int64_t *id);

/* ---- Files: size, backup, verification, upgrades -------------------------
 *
 * These work on a database path, not on an open struct store: they never
 * migrate (store_open would), so they work on a file of any schema version
 * and on the live file while the gateway writes to it.
 */

/* The open database's pages in bytes, and the size of its WAL file (0
 * when there is none); -1 where unknown. */
int store_admin_size(struct store *s, int64_t *db_bytes, int64_t *wal_bytes);

/* PRAGMA user_version of the file at path, opened read-only; ERR_NOT_FOUND
 * when there is no file (or it is empty: a new database). */
int store_admin_peek_version(const char *path, int *version);

/*
 * A consistent online copy of the database at src into dest, with SQLite's
 * backup API in one step: one read transaction, so it is the state of one
 * commit, and in WAL mode writers go on meanwhile.  The copy is written to
 * dest + ".tmp", put in rollback-journal mode (one self-contained file),
 * fsynced and renamed to dest, so dest is either complete or absent.  dest
 * must not exist.  On failure why says what went wrong.
 */
int store_admin_backup(const char *src, const char *dest, char *why, size_t why_cap);

/* What store_admin_verify() found. */
struct store_admin_report {
	bool ok;            /* integrity, foreign keys and schema version all fine */
	char problem[256];  /* the first problem, when !ok */
	int schema_version; /* PRAGMA user_version */
	int64_t bytes;      /* page_count * page_size */
	char journal_mode[16];
	int64_t users, staff, members, families, conversations, messages, devices;
	int64_t log_rows;
	int64_t last_message_id, last_message_at; /* 0 when no message */
};

/* Opens path read-only and reads its schema version, size and the counts
 * of the main tables; with check also runs PRAGMA integrity_check and a
 * foreign key check (these read every page: slow on a big file).  ERR_OK
 * means it ran (see report->ok); an error means it could not (no such
 * file, not a database). */
int store_admin_verify(const char *path, bool check, struct store_admin_report *report);

/* ---- Attachment files (schema 16 on) ------------------------------------------
 *
 * One file the attachments rows name, for backup and verify: a checked file
 * by its content (sha256 set: <files>/<ab>/<rest>, reported once however
 * many rows name it), or the upload of a row still being checked (spool_id
 * set: <files>/spool/<id>.part).
 */
struct store_admin_file {
	const char *sha256;    /* as the row has it (lower-case hex), or NULL */
	int64_t spool_id;      /* the upload's id, or 0 */
	int64_t attachment_id; /* the first row that names it */
	int64_t n_rows;        /* how many rows name it (sha256 or thumb_sha256) */
};

typedef int (*store_admin_file_fn)(void *ctx, const struct store_admin_file *f);

/* Every file the attachments rows of the database at path name, the
 * database opened read-only and read in one transaction: first the spool
 * files of the rows in state 'checking' (by id), then the files the
 * 'ready' rows name in sha256 and thumb_sha256 (NULLs skipped), each once,
 * by name.  Rows are streamed from a statement, so memory stays bounded
 * however many there are.  A database older than schema 16 has no
 * attachments: no call, ERR_OK.  ERR_NOT_FOUND: no file at path. */
int store_admin_files(const char *path, store_admin_file_fn fn, void *ctx);

/*
 * Before store_open() migrates an existing database of an older schema,
 * copy it aside with store_admin_backup() to
 *     PATH.schema-V.YYYYMMDDTHHMMSSZ.bak
 * and return ERR_OK with that name in backup (backup[0] == '\0' when nothing
 * had to be done: a new, or current, database).  A database of a newer
 * schema than this build is ERR_CONFLICT and is left alone.
 */
int store_admin_backup_before_migrate(const char *path, int64_t now_ms, char *backup,
                                      size_t backup_cap, char *why, size_t why_cap);

#endif
