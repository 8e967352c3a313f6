/*
 * mine.c - a family member's own view: the access log as they may see it
 * and their own data as a stream (see mine.h).
 */
#include "mine.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../codec/codec.h"
#include "../common/err.h"
#include "../common/text.h"
#include "../service/service.h"

/* ---- Who has read the family's data -------------------------------------------------- */

static int add_seen(void *ctx, const struct svc_seen *r)
{
	char at[32];
	text_format_ts(r->at, at);
	json_t *e = json_pack("{s:I, s:s, s:s, s:{s:s, s:o}, s:s}", "id", (json_int_t)r->id, "at",
	                      at, "kind", r->kind, "who", "role", role_name(r->role), "name",
	                      r->name ? json_string(r->name) : json_null(), "seen", r->seen);
	return e && json_array_append_new(ctx, e) == 0 ? ERR_OK : ERR_INTERNAL;
}

int mine_access_page(struct store *s, const struct store_user *member, int64_t after, int limit,
                     bool names, char **out)
{
	*out = NULL;
	json_t *entries = json_array();
	int64_t last = after;
	bool more = false;
	int err = entries ? svc_my_access_page(s, member, after, limit, names, add_seen, entries,
	                                       &last, &more)
	                  : ERR_INTERNAL;
	json_t *o = err ? NULL
	                : json_pack("{s:O, s:o}", "entries", entries, "next",
	                            more ? json_integer(last) : json_null());
	json_decref(entries); /* "O" took a reference of its own */
	if (o == NULL)
		return err ? err : ERR_INTERNAL;
	*out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return *out ? ERR_OK : ERR_INTERNAL;
}

/* ---- The member's own data -------------------------------------------------------------- */

enum part { PART_HEAD, PART_MESSAGES, PART_LOG, PART_DONE };

struct mine {
	struct api_stream base; /* first: the stream is this */
	struct store_user member;
	enum part part;
	char *head;    /* the first chunk, made when opened */
	int64_t after; /* the page cursor of the part under way */
	bool first;    /* no item of the part written yet */
};

/* The next page of messages; moves on to the log after the last. */
static int messages_page(struct mine *m, struct store *s, char **out)
{
	struct svc_page p = {0};
	int err = svc_sync(s, &m->member, m->after, MINE_PAGE_ROWS, &p);
	if (err == ERR_OK && (*out = codec_my_data_messages(&p.msgs, m->first)) == NULL)
		err = ERR_INTERNAL;
	if (err == ERR_OK && p.msgs.n > 0) {
		m->after = p.msgs.v[p.msgs.n - 1].id;
		m->first = false;
	}
	if (err == ERR_OK && !p.more) {
		m->part = PART_LOG;
		m->after = 0;
		m->first = true;
	}
	svc_page_clear(&p);
	return err;
}

static int log_page(struct mine *m, struct store *s, char **out)
{
	struct log_list l = {0};
	int err = svc_my_log_page(s, &m->member, m->after, MINE_PAGE_ROWS, &l);
	if (err == ERR_OK && (*out = codec_my_data_log(&l, m->first)) == NULL)
		err = ERR_INTERNAL;
	if (err == ERR_OK && l.n > 0) {
		m->after = l.v[l.n - 1].id;
		m->first = false;
	}
	if (err == ERR_OK && l.n < MINE_PAGE_ROWS)
		m->part = PART_DONE;
	log_list_free(&l);
	return err;
}

/* Glues what a part made to the literal that ends it. */
static int append(char **out, const char *tail)
{
	size_t a = *out ? strlen(*out) : 0, b = strlen(tail);
	char *joined = realloc(*out, a + b + 1);
	if (joined == NULL)
		return ERR_INTERNAL;
	memcpy(joined + a, tail, b + 1);
	*out = joined;
	return ERR_OK;
}

static int mine_next(struct api_stream *st, struct store *s, char **out, size_t *len, bool *last)
{
	struct mine *m = (struct mine *)st;
	int err = ERR_OK;
	*out = NULL;
	if (m->part == PART_HEAD) {
		*out = m->head;
		m->head = NULL;
		m->part = PART_MESSAGES;
		m->first = true;
	} else if (m->part == PART_MESSAGES) {
		err = messages_page(m, s, out);
		if (err == ERR_OK && m->part == PART_LOG)
			err = append(out, CODEC_MY_DATA_LOG);
	} else if (m->part == PART_LOG) {
		err = log_page(m, s, out);
		if (err == ERR_OK && m->part == PART_DONE)
			err = append(out, CODEC_MY_DATA_END);
	}
	*last = m->part == PART_DONE;
	*len = *out ? strlen(*out) : 0;
	return err;
}

static void mine_destroy(struct api_stream *st)
{
	struct mine *m = (struct mine *)st;
	free(m->head);
	free(m);
}

struct open_op {
	const struct store_user *member;
	int64_t now;
	struct svc_my_profile *p;
};

static int open_op(struct store *s, void *arg)
{
	struct open_op *o = arg;
	return svc_my_data_open(s, o->member, o->now, o->p);
}

int mine_data_stream(struct store *s, const struct store_user *member, int64_t now,
                     struct api_stream **out)
{
	*out = NULL;
	struct svc_my_profile p;
	int err = svc_in_tx(s, open_op, &(struct open_op){member, now, &p});
	struct mine *m = err ? NULL : calloc(1, sizeof *m);
	if (err == ERR_OK && m == NULL)
		err = ERR_INTERNAL;
	if (err == ERR_OK &&
	    (m->head = codec_my_data_head(now, &p.me.ref, p.family, &p.sms, p.quiet_start,
	                                  p.quiet_end, &p.phones, &p.convs)) == NULL)
		err = ERR_INTERNAL;
	svc_my_profile_clear(&p);
	if (err) {
		free(m);
		return err;
	}
	m->base.next = mine_next;
	m->base.destroy = mine_destroy;
	m->member = *member;
	*out = &m->base;
	return ERR_OK;
}
