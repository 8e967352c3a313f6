/*
 * access.c - indgang-admin access-log: one family's access log, what a
 * municipality's data protection officer runs to answer a subject access
 * request (GDPR art. 15).  The rows and their formats come from
 * core/api/access_log.c, shared with GET /api/families/{id}/access-log.
 *
 * The CSV is written a page at a time after the commit, from the rows up to
 * the newest when the command started, so a long log is never held whole
 * (and the write lock is not held while it is written); the text and JSON
 * forms are built whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "core/api/access_log.h"
#include "core/codec/csv.h"
#include "core/common/dktime.h"
#include "core/common/err.h"
#include "core/common/text.h"
#include "core/store/store_admin.h"

/* --since: an RFC 3339 time, or a date taken from midnight Danish time. */
static int parse_since(const char *text, int64_t *ms)
{
	int y, m, d;
	char tail;
	if (text_parse_ts(text, ms) == 0)
		return 0;
	if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || strlen(text) != 10)
		return -1;
	char ts[40];
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT00:00:00.000Z", y, m, d);
	if (text_parse_ts(ts, ms) != 0)
		return -1;
	/* Midnight in Copenhagen is an hour or two before midnight UTC. */
	*ms -= (int64_t)dktime_offset_min(*ms - 2 * 3600 * 1000) * 60 * 1000;
	return 0;
}

#define PAGE_ROWS 500

/* The whole log as a JSON array, a page at a time. */
static int collect(struct admin *a, struct store_log_range *r, json_t **entries)
{
	size_t n;
	int err;
	*entries = json_array();
	if (*entries == NULL)
		return ERR_INTERNAL;
	do {
		err = access_log_page_json(a->s, &a->console, r, *entries, &n, &r->after);
	} while (err == ERR_OK && n == (size_t)r->limit);
	if (err != ERR_OK) {
		json_decref(*entries);
		*entries = NULL;
	}
	return err;
}

int admin_access_log_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	const char *format = args->format ? args->format : (a->json ? "json" : "text");
	char name[DOMAIN_NAME_MAX + 1];
	int64_t family, since = 0;
	json_t *entries = NULL;
	int err;

	if (!admin_parse_id(args->family, &family))
		return admin_usage(a, "\"%s\" is not a family id", args->family);
	if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 &&
	    strcmp(format, "json") != 0)
		return admin_usage(a, "--format takes text, csv or json, not \"%s\"", format);
	if (a->json && strcmp(format, "json") != 0)
		return admin_usage(a, "--json and --format %s do not go together", format);
	if (args->since != NULL && parse_since(args->since, &since) != 0)
		return admin_usage(a,
		                   "--since wants a date (2026-11-01) or an RFC 3339 time, not "
		                   "\"%s\"",
		                   args->since);
	a->json = strcmp(format, "json") == 0;
	if ((err = admin_begin(a)) != ERR_OK)
		return err;
	if ((err = store_family_name(a->s, family, name)) == ERR_NOT_FOUND)
		return admin_fail(a, err, "no family %lld", (long long)family);
	struct store_log_range r = {.family = family, .from = since, .limit = PAGE_ROWS};
	bool csv = strcmp(format, "csv") == 0;
	/* Reading the access log is an access too, and shows in the next one. */
	if (err == ERR_OK)
		err = svc_log_end(a->s, &r.upto);
	if (err == ERR_OK)
		err = svc_log_open(a->s, &a->console, family, true, "access log (indgang-admin)",
		                   a->now);
	if (err == ERR_OK && !csv && r.upto > 0)
		err = collect(a, &r, &entries);
	if (err == ERR_OK && !csv && entries == NULL && (entries = json_array()) == NULL)
		err = ERR_INTERNAL;
	if (err != ERR_OK)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	if (csv) /* show() writes the rows up to the newest now, after the commit */
		*out = json_pack("{s:{s:I, s:s}, s:I, s:I}", "family", "id", (json_int_t)family,
		                 "name", name, "since", (json_int_t)since, "csv_upto",
		                 (json_int_t)r.upto);
	else
		*out =
		    json_pack("{s:{s:I, s:s}, s:o, s:s, s:o}", "family", "id", (json_int_t)family,
		              "name", name, "since", since > 0 ? admin_json_ts(since) : json_null(),
		              "times", "at: UTC; local: Europe/Copenhagen", "entries", entries);
	if (*out == NULL)
		return admin_fail(a, ERR_INTERNAL, "out of memory");
	return ERR_OK;
}

/* The CSV on stdout, a page at a time.  A failure here comes after the
 * commit, so it ends the program with the failure status itself. */
static void write_csv(const struct admin *a, const json_t *out)
{
	const json_t *fam = json_object_get(out, "family");
	struct store_log_range r = {
	    .family = json_integer_value(json_object_get(fam, "id")),
	    .from = json_integer_value(json_object_get(out, "since")),
	    .upto = json_integer_value(json_object_get(out, "csv_upto")),
	    .limit = PAGE_ROWS,
	};
	struct csv w;
	size_t n = 0, len;
	char *chunk;
	int err = ERR_OK;
	csv_init(&w, CSV_SEPARATOR);
	csv_bom(&w);
	access_log_csv_header(&w);
	do {
		if (r.upto > 0) /* 0: the log was empty */
			err = access_log_page_csv(a->s, &a->console, &r, &w, &n, &r.after);
		if (!csv_take(&w, &chunk, &len))
			err = ERR_INTERNAL;
		if (err == ERR_OK && len > 0 && fwrite(chunk, 1, len, stdout) != len)
			err = ERR_INTERNAL;
		free(chunk);
	} while (err == ERR_OK && r.upto > 0 && n == PAGE_ROWS);
	csv_free(&w);
	if (err == ERR_OK && fflush(stdout) != 0)
		err = ERR_INTERNAL;
	if (err != ERR_OK) {
		fprintf(stderr, "%s: writing the CSV failed: %s\n", a->cmd,
		        ferror(stdout) ? "cannot write to standard output" : store_errmsg(a->s));
		exit(ADMIN_EXIT_FAIL);
	}
}

/* "2026-11-23T11:15:30+01:00" -> "2026-11-23 11:15:30 CET" */
static void local_label(const char *iso, char out[40])
{
	size_t n = strlen(iso);
	const char *zone = n >= 6 && strcmp(iso + n - 6, "+02:00") == 0 ? "CEST" : "CET";
	snprintf(out, 40, "%.10s %.8s %s", iso, n >= 19 ? iso + 11 : "", zone);
}

static const char *text_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

void admin_access_log_show(const struct admin *a, const json_t *out)
{
	static const char *const keys[] = {"time", "kind",         "who", "role",
	                                   "what", "conversation", NULL};
	static const char *const heads[] = {"TIME (DANISH)", "KIND",         "WHO", "ROLE",
	                                    "WHAT",          "CONVERSATION", NULL};
	const json_t *fam = json_object_get(out, "family"), *e;
	const json_t *entries = json_object_get(out, "entries");
	json_t *rows = json_array();
	size_t i, reads = 0, refused = 0;

	if (json_object_get(out, "csv_upto") != NULL) {
		json_decref(rows);
		write_csv(a, out);
		return;
	}
	json_array_foreach(entries, i, e)
	{
		const json_t *actor = json_object_get(e, "actor");
		char when[40], who[2 * DOMAIN_NAME_MAX + 8];
		const char *user = text_of(e, "username");
		bool denied = strcmp(text_of(e, "kind"), "denied") == 0;
		local_label(text_of(e, "local"), when);
		if (user[0] != '\0')
			snprintf(who, sizeof who, "%s (%s)", text_of(actor, "name"), user);
		else
			snprintf(who, sizeof who, "%s", text_of(actor, "name"));
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "time",
		                                      when, "kind", denied ? "refused" : "read",
		                                      "who", who, "role", text_of(actor, "role"),
		                                      "what", text_of(e, "what"), "conversation",
		                                      text_of(e, "conversation")));
		if (denied)
			refused++;
		else
			reads++;
	}
	printf("Access log of %s (family %lld)%s%s\n", text_of(fam, "name"),
	       (long long)json_integer_value(json_object_get(fam, "id")),
	       json_is_string(json_object_get(out, "since")) ? " since " : "",
	       text_of(out, "since"));
	printf("Times are Danish time (Europe/Copenhagen). %zu reads, %zu refused attempts.\n\n",
	       reads, refused);
	admin_print_table(rows, keys, heads);
	json_decref(rows);
}
