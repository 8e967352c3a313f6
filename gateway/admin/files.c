/*
 * files.c - the attachment files of backup and verify (issue 14): every
 * file a database's attachments rows name (store_admin_files()) copied
 * into a backup, or checked in place (core/attach/backup.h).
 *
 * Why a backup of the files taken after the database copy is consistent
 * with it: a checked file is written and fsynced, with its folder, before
 * the row naming it is committed, and it is never changed afterwards
 * (it is named by its content); it is removed only once no row names it.
 * So every file the finished copy names was whole on the disk before the
 * copy's moment, and is still there when we read it unless a later commit
 * stopped naming it and the gateway removed it since.  The files are
 * therefore read from the rows of the COPY, once it is complete, never
 * from the live database.  The same holds for the spool file of an upload
 * being checked, except that it goes once the upload is checked: those are
 * copied first, right after the database, to keep that window short (one
 * that went meanwhile is reported missing; back up again).
 *
 * quarantine/ is not copied: what clamd found is evidence kept on the
 * server only.  Neither are the spool's uploads still arriving: no message
 * names them yet.
 */
#include "admin.h"

#include <string.h>

#include "core/attach/backup.h"
#include "core/common/err.h"
#include "core/store/store_admin.h"

#define PROBLEMS_LISTED 20

struct walk {
	const char *src; /* the folder read */
	const char *dst; /* the backup's folder; NULL: only check src */
	int64_t files, copied, present, bytes, errors;
	json_t *problems; /* the first PROBLEMS_LISTED */
};

void admin_files_dir(const struct admin *a, const char *db, char *out, size_t cap)
{
	const struct gw_config *c = a->conf;
	if (c != NULL && c->files != NULL && c->db != NULL && strcmp(c->db, db) == 0)
		snprintf(out, cap, "%s", c->files);
	else
		snprintf(out, cap, "%s.files", db);
}

static void problem(struct walk *w, json_t *line)
{
	w->errors++;
	if (line != NULL && json_array_size(w->problems) < PROBLEMS_LISTED)
		json_array_append(w->problems, line);
	json_decref(line);
}

/* One line: which attachment, which file, what is wrong with it. */
static void file_problem(struct walk *w, const struct store_admin_file *f,
                         const struct attach_backup_result *r)
{
	char who[64], name[80], what[320];
	if (f->n_rows > 1)
		snprintf(who, sizeof who, "attachment %lld (and %lld more)",
		         (long long)f->attachment_id, (long long)(f->n_rows - 1));
	else
		snprintf(who, sizeof who, "attachment %lld", (long long)f->attachment_id);
	if (f->sha256 == NULL)
		snprintf(name, sizeof name, "spool/%lld.part", (long long)f->spool_id);
	else
		snprintf(name, sizeof name, "%.2s/%.64s", f->sha256, f->sha256 + 2);
	if (r->outcome == ATTACH_BACKUP_MISSING && f->sha256 == NULL && w->dst != NULL)
		snprintf(what, sizeof what,
		         "is missing (if the upload was checked since the copy was taken, back "
		         "up again)");
	else if (r->outcome == ATTACH_BACKUP_MISSING)
		snprintf(what, sizeof what, "is missing");
	else if (r->outcome == ATTACH_BACKUP_CORRUPT)
		snprintf(what, sizeof what, "does not match its name: its content hashes to %s%s",
		         r->actual, w->dst != NULL ? "; not copied" : "");
	else
		snprintf(what, sizeof what, "cannot be %s: %s", w->dst ? "copied" : "checked",
		         r->why);
	problem(w, json_sprintf("%s: %s %s", who, name, what));
}

static int each_file(void *ctx, const struct store_admin_file *f)
{
	struct walk *w = ctx;
	struct attach_backup_result r;
	if (f->sha256 == NULL && w->dst != NULL)
		attach_backup_spool(w->src, w->dst, f->spool_id, &r);
	else if (f->sha256 == NULL)
		attach_backup_check_spool(w->src, f->spool_id, &r);
	else if (w->dst != NULL)
		attach_backup_stored(w->src, w->dst, f->sha256, &r);
	else
		attach_backup_check_stored(w->src, f->sha256, &r);
	w->files++;
	switch (r.outcome) {
	case ATTACH_BACKUP_COPIED:
		w->copied++;
		w->bytes += r.bytes;
		break;
	case ATTACH_BACKUP_PRESENT:
		w->present++;
		w->bytes += r.bytes;
		break;
	case ATTACH_BACKUP_OK:
		w->bytes += r.bytes;
		break;
	default:
		file_problem(w, f, &r);
	}
	return ERR_OK;
}

/* Walks the files db names; rows that cannot be read are one problem. */
static void walk_files(struct walk *w, const char *db)
{
	int err = store_admin_files(db, each_file, w);
	if (err != ERR_OK)
		problem(
		    w, json_sprintf("cannot read the attachments of %s: %s", db, err_message(err)));
}

static void add_counts(json_t *out, const struct walk *w)
{
	json_object_set_new(out, "files", json_integer(w->files));
	json_object_set_new(out, "file_bytes", json_integer(w->bytes));
	json_object_set_new(out, "file_errors", json_integer(w->errors));
	json_object_set(out, "file_problems", w->problems);
}

int admin_files_backup(struct admin *a, const char *src, const char *dest, json_t *out)
{
	char dst[4200];
	snprintf(dst, sizeof dst, "%s.files", dest);
	struct walk w = {.src = src, .dst = dst, .problems = json_array()};
	if (w.problems == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	walk_files(&w, dest);
	json_object_set_new(out, "files_source", json_string(src));
	json_object_set_new(out, "files_dir", json_string(dst));
	json_object_set_new(out, "files_copied", json_integer(w.copied));
	json_object_set_new(out, "files_present", json_integer(w.present));
	add_counts(out, &w);
	json_decref(w.problems);
	if (w.errors > 0)
		a->exit_code = ADMIN_EXIT_FAIL;
	return ERR_OK;
}

int admin_files_verify(struct admin *a, const char *db, const char *dir, json_t *report)
{
	struct walk w = {.src = dir, .problems = json_array()};
	if (w.problems == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	walk_files(&w, db);
	json_object_set_new(report, "files_dir", json_string(dir));
	add_counts(report, &w);
	json_decref(w.problems);
	if (w.errors > 0 && json_is_true(json_object_get(report, "ok"))) {
		json_object_set_new(report, "ok", json_false());
		json_object_set_new(
		    report, "problem",
		    json_sprintf("%lld attachment file%s missing, damaged or unreadable",
		                 (long long)w.errors, w.errors == 1 ? " is" : "s are"));
	}
	if (w.errors > 0)
		a->exit_code = ADMIN_EXIT_FAIL;
	return ERR_OK;
}

void admin_files_show_problems(const json_t *out, const char *indent)
{
	const json_t *p = json_object_get(out, "file_problems"), *line;
	size_t i;
	json_array_foreach(p, i, line)
	{
		printf("%s%s\n", indent, json_string_value(line));
	}
	long long more = (long long)json_integer_value(json_object_get(out, "file_errors")) -
	                 (long long)json_array_size(p);
	if (more > 0)
		printf("%s... and %lld more\n", indent, more);
}
