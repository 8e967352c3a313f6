/*
 * admin.h - what the files of indgang-admin share: the run context, the
 * parsed command line, the command table, and small helpers for checking
 * input, making passwords and invites, and printing results.
 *
 * Every command works the same way: it checks its input and does the slow
 * work (reading a document, hashing passwords) first, then calls
 * admin_begin() and writes; main.c commits when it returns ERR_OK and rolls
 * back otherwise, so a command is all or nothing.  The command builds its
 * result as JSON; main.c prints it as JSON with --json, or hands it to the
 * command's human printer, only after the commit.
 */
#ifndef INDGANG_ADMIN_H
#define INDGANG_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/auth/auth.h"
#include "core/service/service.h"
#include "gateway/config.h"

#define ADMIN_EXIT_FAIL    1
#define ADMIN_EXIT_USAGE   2
#define ADMIN_USERNAME_MAX 64
#define ADMIN_MAX_POS      4
#define ADMIN_MAX_AGE_RCPT 16 /* --age-recipient may be given this often */

/* Options a command may take (bits of struct admin_args.seen). */
enum admin_opt {
	OPT_PASSWORD = 1 << 0,
	OPT_TEAM = 1 << 1,
	OPT_PRIMARY = 1 << 2,
	OPT_SECONDARY = 1 << 3,
	OPT_HOURS = 1 << 4,
	OPT_QR = 1 << 5,
	OPT_FAMILY = 1 << 6,
	OPT_URL = 1 << 7,
	OPT_FORMAT = 1 << 8,
	OPT_SINCE = 1 << 9,
	OPT_AGE_RECIPIENT = 1 << 10, /* the one option that may be repeated */
	OPT_AGE_RECIPIENTS_FILE = 1 << 11,
	OPT_AGE_IDENTITY = 1 << 12,
	OPT_REPLACE = 1 << 13,
};

struct admin_args {
	const char *pos[ADMIN_MAX_POS];
	int n_pos;
	unsigned seen; /* enum admin_opt bits */
	const char *password, *team, *primary, *secondary, *hours, *family, *url;
	const char *format, *since;
	const char *age_recipients[ADMIN_MAX_AGE_RCPT]; /* --age-recipient, in order */
	int n_age_recipients;
	const char *age_recipients_file, *age_identity;
};

struct admin {
	struct store *s;
	const char *db;
	const char *cmd; /* the command's name, for messages */
	bool json;
	bool in_tx;
	bool usage; /* the failure is bad usage: exit status 2 */
	int64_t now;
	struct store_user console;    /* who acts, once admin_begin() ran */
	const struct gw_config *conf; /* the gateway's config file, or NULL */
	int exit_code;                /* a command's own non-zero status (status: 3) */
	char msg[1024];               /* why the command failed */
};

struct admin_command {
	const char *name;
	const char *synopsis; /* arguments after the name */
	const char *summary;  /* one line for the list of commands */
	const char *help;     /* more, for COMMAND --help; may be "" */
	int min_pos, max_pos;
	unsigned opts;     /* allowed enum admin_opt bits */
	unsigned required; /* of those, the ones that must be given */
	int (*run)(struct admin *a, const struct admin_args *args, json_t **out);
	/* Human output of a successful run; NULL: print the JSON anyway. */
	void (*show)(const struct admin *a, const json_t *out);
	/* Works on the file itself: main.c neither opens (so migrates) the
	 * database nor starts a transaction (a.s is NULL). */
	bool on_file;
};

/* The command table (commands.c), ended by an entry with name NULL. */
extern const struct admin_command admin_commands[];

/* ---- import.c -------------------------------------------------------------- */

int admin_import_run(struct admin *a, const struct admin_args *args, json_t **out);
/* Creates everything in doc (the import format) in one transaction. */
int admin_import_doc(struct admin *a, json_t *doc, json_t **out);
/* The output document on stdout, a summary on stderr. */
void admin_import_show(const struct admin *a, const json_t *out);

/* ---- ops.c: status, backup, verify ---------------------------------------- */

int admin_status_run(struct admin *a, const struct admin_args *args, json_t **out);
void admin_status_show(const struct admin *a, const json_t *out);
int admin_backup_run(struct admin *a, const struct admin_args *args, json_t **out);
void admin_backup_show(const struct admin *a, const json_t *out);
int admin_verify_run(struct admin *a, const struct admin_args *args, json_t **out);
void admin_verify_show(const struct admin *a, const json_t *out);

/* The plain backup at dest (which must not exist): the database copy, the
 * files it names in dest.files, the check of the copy, the push key.  Adds
 * source, backup, the files' counts, verify and push_key to out. */
int admin_backup_plain(struct admin *a, const char *dest, json_t *out);
/* The backup's name for the PATH|DIRECTORY given: a directory gets
 * indgang-YYYYMMDDTHHMMSSZ<ext> in it (true), anything else is the name. */
bool admin_backup_name(const struct admin *a, const char *given, const char *ext, char *out,
                       size_t cap);
/* verify's checks of the database db and its files folder: the report, and
 * a->exit_code 1 when it is not sound. */
int admin_verify_path(struct admin *a, const char *db, const char *files, json_t **out);
/* "YYYYMMDDTHHMMSSZ" of a->now. */
void admin_stamp(const struct admin *a, char out[20]);

/* ---- sealed.c: a backup encrypted with age ---------------------------------- */

/* True when backup is to encrypt: --age-recipient, --age-recipients-file,
 * or backup_age_recipients in the config file. */
bool admin_sealed_wanted(const struct admin *a, const struct admin_args *args);
/* The backup made in a staging folder beside the database, verified, and
 * streamed through tar and age into one file NAME.tar.age. */
int admin_sealed_backup(struct admin *a, const struct admin_args *args, json_t **out);

/* ---- restore.c ------------------------------------------------------------------ */

int admin_restore_run(struct admin *a, const struct admin_args *args, json_t **out);
void admin_restore_show(const struct admin *a, const json_t *out);

/* ---- proc.c: tar and age as processes -------------------------------------------- */

/*
 * Runs first, or first | second when second is not NULL, each found on
 * PATH: first reads in_fd, the last writes out_fd (-1: /dev/null for
 * either).  0 when each exited 0; else -1 and why names the program that
 * failed, with its exit status and the first line it wrote to stderr (a
 * program killed by SIGPIPE because the other ended is not the cause).
 */
int admin_proc_pipe(char *const first[], char *const second[], int in_fd, int out_fd, char *why,
                    size_t cap);
/* Makes a private folder (0700) beside the file path: <dir>/.indgang-<what>-XXXXXX. */
int admin_proc_staging(const char *path, const char *what, char *out, size_t cap);
/* Removes a folder and everything in it; never follows a symlink. */
void admin_proc_remove(const char *dir);
/* fsyncs the folder holding path. */
int admin_proc_sync_dir_of(const char *path);

/* ---- files.c: the attachment files of backup and verify ------------------- */

/* The files folder of the database at db: files in the config file when db
 * is the config's database, else db + ".files". */
void admin_files_dir(const struct admin *a, const char *db, char *out, size_t cap);
/* Copies every file the backup at dest names from the folder src into
 * dest + ".files", and adds files_source, files_dir, files, files_copied,
 * files_present, file_bytes, file_errors and file_problems (the first 20
 * lines) to out.  A missing or damaged file is a line there and exit status
 * 1; the others are copied all the same. */
int admin_files_backup(struct admin *a, const char *src, const char *dest, json_t *out);
/* Checks every file the database at db names in the folder dir, and adds
 * files_dir, files, file_bytes, file_errors and file_problems to report;
 * a problem makes it not ok and the exit status 1. */
int admin_files_verify(struct admin *a, const char *db, const char *dir, json_t *report);
/* The problem lines of out, then "... and N more". */
void admin_files_show_problems(const json_t *out, const char *indent);

/* ---- access.c: a family's access log (GDPR art. 15) ------------------------ */

int admin_access_log_run(struct admin *a, const struct admin_args *args, json_t **out);
/* records.c: a family's case record; a legal hold set and lifted (issue 16) */
int admin_record_run(struct admin *a, const struct admin_args *args, json_t **out);
int admin_hold_run(struct admin *a, const struct admin_args *args, json_t **out);
int admin_release_run(struct admin *a, const struct admin_args *args, json_t **out);
void admin_record_show(const struct admin *a, const json_t *out);
void admin_access_log_show(const struct admin *a, const json_t *out);

/* ---- demo.c ---------------------------------------------------------------- */

int admin_demo_run(struct admin *a, const struct admin_args *args, json_t **out);
void admin_demo_show(const struct admin *a, const json_t *out);
/* Prints text as a QR code of UTF-8 half blocks. */
void admin_print_qr(FILE *f, const char *text);

/* ---- util.c ---------------------------------------------------------------- */

/* Records why the command failed (printed by main.c) and returns err. */
int admin_fail(struct admin *a, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like admin_fail, for arguments that make no sense: exit status 2. */
int admin_usage(struct admin *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes the write lock; from here on main.c commits or rolls back. */
int admin_begin(struct admin *a);

/* NULL when username is acceptable, else why not. */
const char *admin_check_username(const char *username);
/* Trims name into out; NULL when acceptable, else why not. */
const char *admin_clean_name(const char *name, char out[DOMAIN_NAME_MAX + 1]);
/* A positive id from the command line; false when it is not one. */
bool admin_parse_id(const char *text, int64_t *id);

/*
 * A staff password: checks a given one, or generates one when given is NULL
 * (then *generated is set and plain holds it), and hashes it.  "-" reads one
 * line from standard input.  On failure *why says why.
 */
int admin_password(const char *given, char plain[AUTH_PASSWORD_MAX + 2], bool *generated,
                   char hash[AUTH_HASH_MAX], const char **why);

/*
 * Looks up the adviser `username` for the pair of a family in team_id;
 * fails with a message naming what ("primary") when the user is unknown,
 * not an adviser, inactive or not on the team's staff.
 */
int admin_pair_member(struct admin *a, int64_t team_id, const char *team, const char *what,
                      const char *username, int64_t *id);

/* A fresh invite for member, valid for hours (svc_invite as the console). */
int admin_invite_make(struct admin *a, int64_t member_id, int64_t hours,
                      char code[AUTH_INVITE_LEN + 1], int64_t *expires_at,
                      struct store_user *member);

/* An RFC 3339 timestamp as a JSON string. */
json_t *admin_json_ts(int64_t ms);
/* Prints an array of objects as a table with the given keys and headers. */
void admin_print_table(const json_t *rows, const char *const *keys, const char *const *heads);
/* Prints a generated password with the warning that it is shown once. */
void admin_show_password(const char *who, const char *password);

#endif
