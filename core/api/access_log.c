/*
 * access_log.c - a family's access log as JSON and CSV (see access_log.h).
 */
#include "access_log.h"

#include <stdbool.h>
#include <string.h>

#include "../codec/csv.h"
#include "../common/dktime.h"
#include "../common/err.h"
#include "../common/text.h"
#include "../service/service.h"

static const char *role_or_admin(const struct store_admin_access *r)
{
	return r->role[0] ? r->role : "admin";
}

/* The console's username ("#console") is no one's to show. */
static const char *username_of(const struct store_admin_access *r)
{
	return r->username[0] == '#' ? "" : r->username;
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *id_or_null(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

struct page {
	json_t *arr;
	struct csv *w;
	size_t n;
	int64_t last;
};

static int add_entry(void *ctx, const struct store_admin_access *r)
{
	struct page *p = ctx;
	char at[32], local[32];
	text_format_ts(r->at, at);
	dktime_iso(r->at, local);
	json_t *e = json_pack(
	    "{s:I, s:s, s:s, s:s, s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:s}", "id", (json_int_t)r->id,
	    "at", at, "local", local, "kind", r->kind, "actor", "id", (json_int_t)r->actor_id,
	    "name", r->actor, "role", role_or_admin(r), "username", str_or_null(username_of(r)),
	    "conv", id_or_null(r->conv_id), "conversation", str_or_null(r->conv), "what", r->what);
	if (e == NULL || json_array_append_new(p->arr, e) != 0)
		return ERR_INTERNAL;
	p->n++;
	p->last = r->id;
	return ERR_OK;
}

int access_log_page_json(struct store *s, const struct store_user *actor,
                         const struct store_log_range *r, json_t *entries, size_t *n, int64_t *last)
{
	struct page p = {.arr = entries, .last = *last};
	int err = svc_access_log_page(s, actor, r, add_entry, &p);
	*n = p.n;
	*last = p.last;
	return err;
}

/* ---- CSV ------------------------------------------------------------------------- */

void access_log_csv_header(struct csv *w)
{
	static const char *const head[] = {"Id",
	                                   "Tidspunkt (dansk tid)",
	                                   "Tidspunkt (UTC)",
	                                   "Type",
	                                   "Aktør-id",
	                                   "Aktør",
	                                   "Rolle",
	                                   "Brugernavn",
	                                   "Samtale-id",
	                                   "Samtale",
	                                   "Hvad"};
	csv_header(w, head, sizeof head / sizeof head[0]);
}

static int add_row(void *ctx, const struct store_admin_access *r)
{
	struct page *p = ctx;
	char at[32], local[32];
	text_format_ts(r->at, at);
	dktime_sheet(r->at, local);
	csv_number(p->w, r->id);
	csv_text(p->w, local);
	csv_text(p->w, at);
	csv_text(p->w, r->kind);
	csv_number(p->w, r->actor_id);
	csv_text(p->w, r->actor);
	csv_text(p->w, role_or_admin(r));
	csv_text(p->w, username_of(r));
	if (r->conv_id > 0)
		csv_number(p->w, r->conv_id);
	else
		csv_empty(p->w);
	csv_text(p->w, r->conv);
	csv_text(p->w, r->what);
	csv_end_row(p->w);
	p->n++;
	p->last = r->id;
	return ERR_OK;
}

int access_log_page_csv(struct store *s, const struct store_user *actor,
                        const struct store_log_range *r, struct csv *w, size_t *n, int64_t *last)
{
	struct page p = {.w = w, .last = *last};
	int err = svc_access_log_page(s, actor, r, add_row, &p);
	*n = p.n;
	*last = p.last;
	return err;
}
