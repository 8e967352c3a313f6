/*
 * export.c - the logs' CSV exports, a page per chunk (see export.h).
 */
#include "export.h"

#include <stdbool.h>
#include <stdlib.h>

#include "api.h"
#include "access_log.h"
#include "../codec/codec.h"
#include "../codec/csv.h"
#include "../common/err.h"
#include "../service/service.h"

struct export
{
	struct api_stream base; /* first: the stream is the export */
	bool access_log;        /* else the contact log */
	bool started;           /* the header went out */
	bool empty;             /* the log was empty at the start */
	struct store_log_range range;
	struct store_user actor; /* every page is read as this reader */
};

/* One page of rows after the cursor, as CSV; moves the cursor on. */
static int page_rows(struct export *x, struct store *s, struct csv *w, size_t *n)
{
	if (x->empty)
		return ERR_OK;
	if (x->access_log)
		return access_log_page_csv(s, &x->actor, &x->range, w, n, &x->range.after);
	struct log_list page = {0};
	int err = svc_log_page(s, &x->actor, &x->range, &page);
	if (err == ERR_OK) {
		codec_log_csv_rows(w, &page);
		*n = page.n;
		if (page.n > 0)
			x->range.after = page.v[page.n - 1].id;
	}
	log_list_free(&page);
	return err;
}

static int export_next(struct api_stream *st, struct store *s, char **out, size_t *len, bool *last)
{
	struct export *x = (struct export *)st;
	struct csv w;
	size_t n = 0;
	csv_init(&w, CSV_SEPARATOR);
	if (!x->started) {
		csv_bom(&w);
		if (x->access_log)
			access_log_csv_header(&w);
		else
			codec_log_csv_header(&w);
		x->started = true;
	}
	int err = page_rows(x, s, &w, &n);
	*last = n < (size_t)x->range.limit;
	if (err != ERR_OK) {
		csv_free(&w);
		return err;
	}
	return csv_take(&w, out, len) ? ERR_OK : ERR_INTERNAL;
}

static void export_destroy(struct api_stream *st)
{
	free(st);
}

static int export_new(const struct store_user *actor, bool access_log, int64_t family, int64_t from,
                      int64_t to, int64_t upto, struct api_stream **out)
{
	*out = NULL;
	struct export *x = calloc(1, sizeof *x);
	if (x == NULL)
		return ERR_INTERNAL;
	x->base.next = export_next;
	x->base.destroy = export_destroy;
	x->access_log = access_log;
	x->actor = *actor;
	x->range = (struct store_log_range){
	    .family = family, .from = from, .to = to, .upto = upto, .limit = EXPORT_PAGE_ROWS};
	x->empty = upto == 0; /* upto 0 would read "unbounded" */
	*out = &x->base;
	return ERR_OK;
}

int export_log_csv(const struct store_user *actor, int64_t family, int64_t from, int64_t to,
                   int64_t upto, struct api_stream **out)
{
	return export_new(actor, false, family, from, to, upto, out);
}

int export_access_log_csv(const struct store_user *actor, int64_t family, int64_t from, int64_t to,
                          int64_t upto, struct api_stream **out)
{
	return export_new(actor, true, family, from, to, upto, out);
}
