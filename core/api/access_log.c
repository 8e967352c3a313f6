/*
 * access_log.c - a family's access log as JSON and CSV (see access_log.h).
 */
#define _GNU_SOURCE
#include "access_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../codec/codec.h"
#include "../common/err.h"
#include "../common/text.h"
#include "../store/store_admin.h"

/* ---- Danish time -------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* 01:00 UTC on the last Sunday of a 31-day month, in ms. */
static int64_t last_sunday_0100(int64_t year, int64_t month)
{
	int64_t d31 = days_from_civil(year, month, 31);
	int64_t weekday = ((d31 + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; Sunday 0 */
	return ((d31 - weekday) * 86400 + 3600) * 1000;
}

int access_log_cph_offset(int64_t utc_ms)
{
	time_t t = (time_t)(utc_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	int64_t year = tm.tm_year + 1900;
	bool summer = utc_ms >= last_sunday_0100(year, 3) && utc_ms < last_sunday_0100(year, 10);
	return summer ? 120 : 60;
}

void access_log_local_ts(int64_t utc_ms, char out[32])
{
	int off = access_log_cph_offset(utc_ms);
	time_t t = (time_t)(utc_ms / 1000 + off * 60);
	struct tm tm;
	gmtime_r(&t, &tm);
	char date[24];
	if (strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		date[0] = '\0';
	snprintf(out, 32, "%.19s%s", date, off == 120 ? "+02:00" : "+01:00");
}

/* ---- Collecting ------------------------------------------------------------------ */

static json_t *id_or_null(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

static int add_entry(void *ctx, const struct store_admin_access *r)
{
	json_t *arr = ctx;
	char at[32], local[32];
	text_format_ts(r->at, at);
	access_log_local_ts(r->at, local);
	json_t *e = json_pack(
	    "{s:I, s:s, s:s, s:s, s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:s}", "id", (json_int_t)r->id,
	    "at", at, "local", local, "kind", r->kind, "actor", "id", (json_int_t)r->actor_id,
	    "name", r->actor, "role", r->role[0] ? r->role : "admin", "username",
	    str_or_null(r->username[0] == '#' ? "" : r->username), "conv", id_or_null(r->conv_id),
	    "conversation", str_or_null(r->conv), "what", r->what);
	if (e == NULL || json_array_append_new(arr, e) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

int access_log_collect(struct store *s, int64_t family, int64_t from, int64_t to, json_t **entries)
{
	json_t *arr = json_array();
	*entries = NULL;
	if (arr == NULL)
		return ERR_INTERNAL;
	int err = store_admin_access_log(s, family, from, to, add_entry, arr);
	if (err) {
		json_decref(arr);
		return err;
	}
	*entries = arr;
	return ERR_OK;
}

/* ---- CSV ------------------------------------------------------------------------- */

/* A text field: quoted when it holds a comma, quote or line end; a leading
 * = + - @ tab or CR gets an apostrophe so a spreadsheet shows it as text. */
static void csv_text(FILE *f, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', f);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static const char *jtext(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

char *access_log_csv(const json_t *entries)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	fputs("id,at,local,kind,actor_id,actor_name,actor_role,username,conv,conversation,what\r\n",
	      f);
	size_t i;
	const json_t *e;
	json_array_foreach(entries, i, e)
	{
		const json_t *actor = json_object_get(e, "actor");
		json_int_t conv = json_integer_value(json_object_get(e, "conv"));
		fprintf(f, "%lld,%s,%s,%s,%lld,",
		        (long long)json_integer_value(json_object_get(e, "id")), jtext(e, "at"),
		        jtext(e, "local"), jtext(e, "kind"),
		        (long long)json_integer_value(json_object_get(actor, "id")));
		csv_text(f, jtext(actor, "name"));
		fprintf(f, ",%s,", jtext(actor, "role"));
		csv_text(f, jtext(e, "username"));
		if (conv > 0)
			fprintf(f, ",%lld,", (long long)conv);
		else
			fputs(",,", f);
		csv_text(f, jtext(e, "conversation"));
		fputc(',', f);
		csv_text(f, jtext(e, "what"));
		fputs("\r\n", f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
