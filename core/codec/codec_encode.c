/*
 * codec_encode.c - the server's JSON text: WebSocket frames, HTTP response
 * bodies and the contact log (JSON and CSV).
 *
 * Values are built as jansson trees and dumped compactly, with UTF-8 kept as
 * it is.  The frames every message makes (message, ack, messages, receipt,
 * error, pong) are written directly with jsonw.h instead: the same text,
 * without a tree of allocations per message.  Out-of-memory handling is folded into put():
 * jansson's *_set_new() and *_append_new() accept a NULL value (and a NULL container) and simply
 * fail, so a builder ORs the results together and finish() discards the
 * whole tree on any failure; each encoder then returns NULL.
 */
#include "codec.h"

#include "../push/quiet.h"
#include "csv.h"
#include "jsonw.h"
#include "../common/dktime.h"
#include "../common/err.h"
#include "../common/text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Building blocks ----------------------------------------------------- */

/* Sets o[key] = v, taking v; fails (freeing v) when o or v is NULL. */
static int put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) ? -1 : 0;
}

/* Returns j, or frees it and returns NULL when building it failed. */
static json_t *finish(json_t *j, int rc)
{
	if (rc == 0 && j)
		return j;
	json_decref(j);
	return NULL;
}

/* Dumps and frees the tree; the caller frees the text. */
static char *dump(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

static json_t *ts_json(int64_t ms)
{
	char buf[32];
	text_format_ts(ms, buf);
	return json_string(buf);
}

static json_t *str_json(const char *s)
{
	return json_string(s ? s : "");
}

/* The contract's "N|null": ids are positive, so 0 stands for null. */
static json_t *id_or_null(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

static json_t *user_json(const struct user_ref *u)
{
	json_t *o = json_object();
	int rc = put(o, "id", json_integer(u->id));
	rc |= put(o, "name", json_string(u->name));
	rc |= put(o, "role", json_string(role_name(u->role)));
	return finish(o, rc);
}

static json_t *members_json(const struct conv *c)
{
	json_t *a = json_array();
	int rc = 0;
	for (size_t i = 0; i < c->n_members && rc == 0; i++)
		rc = json_array_append_new(a, user_json(&c->members[i]));
	return finish(a, rc);
}

static json_t *reads_json(const struct conv *c)
{
	json_t *a = json_array();
	int rc = 0;
	for (size_t i = 0; i < c->n_reads && rc == 0; i++) {
		json_t *o = json_object();
		int orc = put(o, "user", user_json(&c->reads[i].user));
		orc |= put(o, "upto", json_integer(c->reads[i].upto));
		orc |= put(o, "at", ts_json(c->reads[i].at));
		rc = json_array_append_new(a, finish(o, orc));
	}
	return finish(a, rc);
}

/* {"user":USER,"delivered":{"upto":N,"at":T,"device":S}|null,
 *  "notified":{"upto":N,"at":T}|null} */
static json_t *delivery_json(const struct delivery_pos *d)
{
	json_t *o = json_object();
	int rc = put(o, "user", user_json(&d->user));
	if (d->delivered_upto > 0) {
		json_t *v = json_object();
		int vrc = put(v, "upto", json_integer(d->delivered_upto));
		vrc |= put(v, "at", ts_json(d->delivered_at));
		vrc |= put(v, "device", d->device[0] ? json_string(d->device) : json_null());
		rc |= put(o, "delivered", finish(v, vrc));
	} else {
		rc |= put(o, "delivered", json_null());
	}
	if (d->notified_upto > 0) {
		json_t *v = json_object();
		int vrc = put(v, "upto", json_integer(d->notified_upto));
		vrc |= put(v, "at", ts_json(d->notified_at));
		rc |= put(o, "notified", finish(v, vrc));
	} else {
		rc |= put(o, "notified", json_null());
	}
	return finish(o, rc);
}

static json_t *deliveries_json(const struct conv *c)
{
	json_t *a = json_array();
	int rc = 0;
	for (size_t i = 0; i < c->n_deliveries && rc == 0; i++)
		rc = json_array_append_new(a, delivery_json(&c->deliveries[i]));
	return finish(a, rc);
}

/* {"from":N,"since":TS} or null: what the family wrote first, unanswered. */
static json_t *waiting_json(const struct conv_waiting *w)
{
	if (w->from == 0)
		return json_null();
	json_t *o = json_object();
	int rc = put(o, "from", json_integer(w->from));
	rc |= put(o, "since", ts_json(w->since));
	return finish(o, rc);
}

/* {"by":USER,"at":TS,"how":"reply"|"handled","upto":N} or null. */
static json_t *answered_json(const struct conv_waiting *w)
{
	if (w->how == ANSWER_NONE)
		return json_null();
	json_t *o = json_object();
	int rc = put(o, "by", user_json(&w->by));
	rc |= put(o, "at", ts_json(w->at));
	rc |= put(o, "how", json_string(w->how == ANSWER_HANDLED ? "handled" : "reply"));
	rc |= put(o, "upto", json_integer(w->upto));
	return finish(o, rc);
}

/* {"user":USER,"from":TS,"to":TS,"note":S} */
static json_t *absence_json(const struct absence *a)
{
	json_t *o = json_object();
	int rc = put(o, "user", user_json(&a->user));
	rc |= put(o, "from", ts_json(a->from));
	rc |= put(o, "to", ts_json(a->to));
	rc |= put(o, "note", json_string(a->note));
	return finish(o, rc);
}

static json_t *away_json(const struct conv *c)
{
	json_t *a = json_array();
	int rc = 0;
	for (int i = 0; i < c->n_away && rc == 0; i++)
		rc = json_array_append_new(a, absence_json(&c->away[i]));
	return finish(a, rc);
}

/* {"id":N,"sender":USER,"kind":K,"preview":S,"at":TS} or null. */
static json_t *last_json(const struct conv_last *l)
{
	if (l->id == 0)
		return json_null();
	json_t *o = json_object();
	int rc = put(o, "id", json_integer(l->id));
	rc |= put(o, "sender", user_json(&l->sender));
	rc |= put(o, "kind", json_string(msg_kind_name(l->kind)));
	rc |= put(o, "preview", json_string(l->preview));
	rc |= put(o, "at", ts_json(l->at));
	return finish(o, rc);
}

static json_t *conv_json(const struct conv *c)
{
	json_t *o = json_object(), *fam = json_object();
	int rc = put(fam, "id", json_integer(c->family_id));
	rc |= put(fam, "name", json_string(c->family_name));
	rc |= put(o, "id", json_integer(c->id));
	rc |= put(o, "family", finish(fam, rc));
	rc |= put(o, "title", json_string(c->title));
	rc |= put(o, "members", members_json(c));
	rc |= put(o, "primary", id_or_null(c->primary_id));
	rc |= put(o, "secondary", id_or_null(c->secondary_id));
	rc |= put(o, "reads", reads_json(c));
	rc |= put(o, "deliveries", deliveries_json(c));
	rc |= put(o, "last_id", json_integer(c->last_id));
	rc |= put(o, "read_upto", json_integer(c->read_upto));
	rc |= put(o, "unread", json_integer(c->unread));
	rc |= put(o, "last", last_json(&c->last));
	rc |= put(o, "answer_minutes", json_integer(c->answer_minutes));
	rc |= put(o, "away", away_json(c));
	if (c->staff_view) {
		rc |= put(o, "met_at", c->met_at > 0 ? ts_json(c->met_at) : json_null());
		rc |= put(o, "waiting", waiting_json(&c->waiting));
		rc |= put(o, "answered", answered_json(&c->waiting));
	}
	return finish(o, rc);
}

static json_t *convs_json(const struct conv_list *l)
{
	json_t *a = json_array();
	int rc = 0;
	for (size_t i = 0; l && i < l->n && rc == 0; i++)
		rc = json_array_append_new(a, conv_json(&l->v[i]));
	return finish(a, rc);
}

/* A server frame: {"type":T} plus "ref" only when the client sent one. */
static json_t *frame_new(const char *type, const char *ref)
{
	json_t *o = json_object();
	int rc = put(o, "type", json_string(type));
	if (ref)
		rc |= put(o, "ref", json_string(ref));
	return finish(o, rc);
}

/* ---- Written directly (jsonw.h): the frames of every message ------------ */

static void jw_ts(struct jw *w, int64_t ms)
{
	char buf[32];
	text_format_ts(ms, buf);
	jw_str(w, buf);
}

static void jw_user(struct jw *w, const struct user_ref *u)
{
	jw_lit(w, "{\"id\":");
	jw_int(w, u->id);
	jw_lit(w, ",\"name\":");
	jw_str(w, u->name);
	jw_lit(w, ",\"role\":");
	jw_str(w, role_name(u->role));
	jw_lit(w, "}");
}

static json_t *attachment_json(const struct attachment *a);

/* ,"attachments":[...] (issue 14): only a message with files has it. */
static void jw_attachments(struct jw *w, const struct msg *m)
{
	jw_lit(w, ",\"attachments\":[");
	for (size_t i = 0; i < m->n_att; i++) {
		char *one = dump(attachment_json(&m->att[i]));
		if (i > 0)
			jw_lit(w, ",");
		jw_raw(w, one ? one : "null", one ? strlen(one) : 4);
		free(one);
	}
	jw_lit(w, "]");
}

static void jw_msg(struct jw *w, const struct msg *m)
{
	jw_lit(w, "{\"id\":");
	jw_int(w, m->id);
	jw_lit(w, ",\"conv\":");
	jw_int(w, m->conv);
	jw_lit(w, ",\"family\":");
	jw_int(w, m->family);
	jw_lit(w, ",\"sender\":");
	jw_user(w, &m->sender);
	jw_lit(w, ",\"kind\":");
	jw_str(w, msg_kind_name(m->kind));
	jw_lit(w, ",\"body\":");
	jw_str(w, m->body);
	jw_lit(w, ",\"client_id\":");
	jw_str(w, m->client_id);
	jw_lit(w, ",\"created_at\":");
	jw_ts(w, m->created_at);
	if (m->sms)
		jw_lit(w, ",\"via\":\"sms\""); /* absent: the app */
	if (m->no_sms)
		jw_lit(w, ",\"no_sms\":true"); /* absent: may go by SMS */
	if (m->n_att > 0)
		jw_attachments(w, m);
	if (m->edited_at > 0) {
		jw_lit(w, ",\"edited_at\":"); /* absent: as first sent */
		jw_ts(w, m->edited_at);
	}
	if (m->withdrawn)
		jw_lit(w, ",\"withdrawn\":true");
	jw_lit(w, "}");
}

/* "messages":[...],"more":B} closing the object. */
static void jw_msgs_more(struct jw *w, const struct msg_list *l, bool more)
{
	jw_lit(w, "\"messages\":[");
	for (size_t i = 0; l && i < l->n; i++) {
		if (i > 0)
			jw_lit(w, ",");
		jw_msg(w, &l->v[i]);
	}
	if (more)
		jw_lit(w, "],\"more\":true}");
	else
		jw_lit(w, "],\"more\":false}");
}

/* {"type":T and "ref" only when the client sent one; the caller closes it. */
static void jw_frame_start(struct jw *w, const char *type, const char *ref)
{
	jw_lit(w, "{\"type\":");
	jw_str(w, type);
	if (ref) {
		jw_lit(w, ",\"ref\":");
		jw_str(w, ref);
	}
}

/* ---- Server frames (WebSocket) ------------------------------------------- */

char *codec_encode_welcome(const struct user_ref *user, int64_t server_time, int64_t last_id,
                           const struct conv_list *convs)
{
	json_t *o = frame_new("welcome", NULL);
	int rc = put(o, "user", user_json(user));
	rc |= put(o, "server_time", ts_json(server_time));
	rc |= put(o, "last_id", json_integer(last_id));
	rc |= put(o, "conversations", convs_json(convs));
	return dump(finish(o, rc));
}

char *codec_encode_ack(const char *ref, const char *client_id, const struct msg *m)
{
	char *msg = codec_encode_msg(m);
	char *frame = msg ? codec_encode_ack_with(ref, client_id, msg) : NULL;
	free(msg);
	return frame;
}

char *codec_encode_messages(const char *ref, const struct msg_list *l, bool more)
{
	struct jw w;
	jw_init(&w, 128 + (l ? l->n * 400 : 0));
	jw_frame_start(&w, "messages", ref);
	jw_lit(&w, ",");
	jw_msgs_more(&w, l, more);
	return jw_finish(&w);
}

char *codec_encode_message(const struct msg *m)
{
	char *msg = codec_encode_msg(m);
	char *frame = msg ? codec_encode_message_with(msg) : NULL;
	free(msg);
	return frame;
}

static void jw_sched(struct jw *w, const struct sched *d)
{
	jw_lit(w, "{\"id\":");
	jw_int(w, d->id);
	jw_lit(w, ",\"conv\":");
	jw_int(w, d->conv);
	jw_lit(w, ",\"family\":");
	jw_int(w, d->family);
	jw_lit(w, ",\"sender\":");
	jw_user(w, &d->sender);
	jw_lit(w, ",\"body\":");
	jw_str(w, d->body ? d->body : "");
	jw_lit(w, ",\"client_id\":");
	jw_str(w, d->client_id);
	jw_lit(w, ",\"send_at\":");
	jw_ts(w, d->send_at);
	jw_lit(w, ",\"state\":");
	jw_str(w, sched_state_name(d->state));
	if (d->message_id > 0) {
		jw_lit(w, ",\"message_id\":");
		jw_int(w, d->message_id);
	}
	jw_lit(w, ",\"created_at\":");
	jw_ts(w, d->created_at);
	jw_lit(w, ",\"updated_at\":");
	jw_ts(w, d->updated_at);
	jw_lit(w, "}");
}

char *codec_encode_sched(const struct sched *d)
{
	struct jw w;
	jw_init(&w, 384);
	jw_sched(&w, d);
	return jw_finish(&w);
}

char *codec_encode_scheduled(const struct sched *d)
{
	struct jw w;
	jw_init(&w, 400);
	jw_frame_start(&w, "scheduled", NULL);
	jw_lit(&w, ",\"scheduled\":");
	jw_sched(&w, d);
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_sched_list(const struct sched_list *l)
{
	struct jw w;
	jw_init(&w, 64 + 384 * l->n);
	jw_lit(&w, "{\"scheduled\":[");
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			jw_lit(&w, ",");
		jw_sched(&w, &l->v[i]);
	}
	jw_lit(&w, "]}");
	return jw_finish(&w);
}

/* {"id":N,"message":M,"user":U,"kind":K,"state":S,"full_text":B,"at":T} */
static void jw_sms(struct jw *w, const struct sms_status *st)
{
	jw_lit(w, "{\"id\":");
	jw_int(w, st->id);
	jw_lit(w, ",\"message\":");
	jw_int(w, st->message_id);
	jw_lit(w, ",\"user\":");
	jw_int(w, st->user_id);
	jw_lit(w, ",\"kind\":");
	jw_str(w, sms_kind_name(st->kind));
	jw_lit(w, ",\"state\":");
	jw_str(w, sms_state_name(st->state));
	if (st->full_text)
		jw_lit(w, ",\"full_text\":true,\"at\":");
	else
		jw_lit(w, ",\"full_text\":false,\"at\":");
	jw_ts(w, st->at);
	jw_lit(w, "}");
}

char *codec_encode_sms(const struct sms_status *st)
{
	struct jw w;
	jw_init(&w, 192);
	jw_frame_start(&w, "sms", NULL);
	jw_lit(&w, ",\"conv\":");
	jw_int(&w, st->conv_id);
	jw_lit(&w, ",\"sms\":");
	jw_sms(&w, st);
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_sms_view(const struct sms_view *v)
{
	struct jw w;
	jw_init(&w, 64 + 160 * v->n);
	jw_lit(&w, "{\"sms\":[");
	for (size_t i = 0; i < v->n; i++) {
		if (i > 0)
			jw_lit(&w, ",");
		jw_sms(&w, &v->v[i]);
	}
	jw_lit(&w, "],\"to\":[");
	for (size_t i = 0; i < v->n_to; i++) {
		if (i > 0)
			jw_lit(&w, ",");
		jw_lit(&w, "{\"user\":");
		jw_user(&w, &v->to[i].user);
		if (v->to[i].full_text)
			jw_lit(&w, ",\"full_text\":true}");
		else
			jw_lit(&w, ",\"full_text\":false}");
	}
	jw_lit(&w, "]}");
	return jw_finish(&w);
}

char *codec_encode_msg(const struct msg *m)
{
	struct jw w;
	jw_init(&w, 384);
	jw_msg(&w, m);
	return jw_finish(&w);
}

char *codec_encode_ack_with(const char *ref, const char *client_id, const char *msg_json)
{
	struct jw w;
	jw_init(&w, 128 + strlen(msg_json));
	jw_frame_start(&w, "ack", ref);
	jw_lit(&w, ",\"client_id\":");
	jw_str(&w, client_id);
	jw_lit(&w, ",\"message\":");
	jw_raw(&w, msg_json, strlen(msg_json));
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_changed(const char *ref, const struct msg *m)
{
	struct jw w;
	jw_init(&w, 256 + strlen(m->body));
	jw_frame_start(&w, "changed", ref);
	jw_lit(&w, ",\"message\":");
	jw_msg(&w, m);
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_message_with(const char *msg_json)
{
	struct jw w;
	jw_init(&w, 32 + strlen(msg_json));
	jw_frame_start(&w, "message", NULL);
	jw_lit(&w, ",\"message\":");
	jw_raw(&w, msg_json, strlen(msg_json));
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_receipt(const char *ref, int64_t conv, const struct user_ref *user, int64_t upto,
                           int64_t at)
{
	struct jw w;
	jw_init(&w, 256);
	jw_frame_start(&w, "receipt", ref);
	jw_lit(&w, ",\"conv\":");
	jw_int(&w, conv);
	jw_lit(&w, ",\"user\":");
	jw_user(&w, user);
	jw_lit(&w, ",\"upto\":");
	jw_int(&w, upto);
	jw_lit(&w, ",\"at\":");
	jw_ts(&w, at);
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_error(const char *ref, int err, const char *message)
{
	struct jw w;
	jw_init(&w, 256);
	jw_frame_start(&w, "error", ref);
	jw_lit(&w, ",\"code\":");
	jw_str(&w, err_code(err));
	jw_lit(&w, ",\"message\":");
	jw_str(&w, message ? message : err_message(err));
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_pong(const char *ref)
{
	struct jw w;
	jw_init(&w, 64);
	jw_frame_start(&w, "pong", ref);
	jw_lit(&w, "}");
	return jw_finish(&w);
}

char *codec_encode_waiting(const char *ref, int64_t conv, const struct conv_waiting *w)
{
	json_t *o = frame_new("waiting", ref);
	int rc = o ? 0 : -1;
	rc |= put(o, "conv", json_integer(conv));
	rc |= put(o, "waiting", waiting_json(w));
	rc |= put(o, "answered", answered_json(w));
	return dump(finish(o, rc));
}

static json_t *template_json(const struct template *t)
{
	json_t *o = json_object(), *team = json_object();
	int rc = put(team, "id", json_integer(t->team_id));
	rc |= put(team, "name", json_string(t->team));
	rc |= put(o, "id", json_integer(t->id));
	rc |= put(o, "team", finish(team, rc));
	rc |= put(o, "title", json_string(t->title));
	rc |= put(o, "lang", json_string(t->lang));
	rc |= put(o, "body", str_json(t->body));
	rc |= put(o, "updated_by", user_json(&t->updated_by));
	rc |= put(o, "updated_at", ts_json(t->updated_at));
	return finish(o, rc);
}

char *codec_encode_template(const struct template *t)
{
	return dump(template_json(t));
}

char *codec_encode_templates(const struct template_list *l)
{
	json_t *o = json_object(), *a = json_array();
	int rc = 0;
	for (size_t i = 0; i < l->n && rc == 0; i++)
		rc = json_array_append_new(a, template_json(&l->v[i]));
	rc |= put(o, "templates", finish(a, rc));
	return dump(finish(o, rc));
}

char *codec_encode_teams(const struct team_ref *v, int n)
{
	json_t *o = json_object(), *a = json_array();
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		json_t *t = json_object();
		int trc = put(t, "id", json_integer(v[i].id));
		trc |= put(t, "name", json_string(v[i].name));
		trc |= put(t, "leader", json_boolean(v[i].leader));
		json_t *staff = json_array();
		for (int k = 0; k < v[i].n_staff && trc == 0; k++) {
			json_t *m = user_json(&v[i].staff[k].user);
			trc |= put(m, "username", json_string(v[i].staff[k].username));
			trc |= put(m, "leader", json_boolean(v[i].staff[k].leader));
			trc |= json_array_append_new(staff, m);
		}
		trc |= put(t, "staff", staff);
		rc = json_array_append_new(a, finish(t, trc));
	}
	rc |= put(o, "teams", finish(a, rc));
	return dump(finish(o, rc));
}

char *codec_encode_met(int64_t at)
{
	json_t *o = json_object();
	int rc = o ? put(o, "met_at", ts_json(at)) : -1;
	return dump(finish(o, rc));
}

char *codec_encode_absence(const struct absence *a)
{
	json_t *o = json_object();
	int rc = o ? put(o, "absence", a && a->user.id ? absence_json(a) : json_null()) : -1;
	return dump(finish(o, rc));
}

static json_t *when_json(int64_t ms)
{
	return ms > 0 ? ts_json(ms) : json_null();
}

static json_t *by_json(const struct user_ref *u)
{
	return u->id > 0 ? user_json(u) : json_null();
}

static json_t *hold_json(const struct case_record *r)
{
	if (r->hold_reason[0] == '\0')
		return json_null();
	json_t *o = json_object();
	int rc = o ? 0 : -1;
	rc |= put(o, "reason", json_string(r->hold_reason));
	rc |= put(o, "at", ts_json(r->hold_at));
	rc |= put(o, "by", by_json(&r->hold_by));
	return finish(o, rc);
}

/* Each step: when it is due, and how far it is done. */
static json_t *steps_json(const struct case_record *r, const int64_t *due)
{
	const int64_t done[RETAIN__COUNT] = {0,           r->phones_at,   r->content_upto,
	                                     r->log_upto, r->access_upto, r->names_at};
	json_t *o = json_object();
	int rc = o ? 0 : -1;
	for (int st = RETAIN_PHONES; st < RETAIN__COUNT; st++) {
		json_t *s = json_object();
		bool upto = st == RETAIN_CONTENT || st == RETAIN_LOG || st == RETAIN_ACCESS;
		int src = s ? 0 : -1;
		src |= put(s, "due_at", when_json(due[st]));
		src |= put(s, upto ? "deleted_upto" : "done_at", when_json(done[st]));
		rc |= put(o, retention_step_name((enum retention_step)st), finish(s, src));
	}
	return finish(o, rc);
}

static json_t *retention_json(const struct case_record *r, const struct retention_plan *p,
                              const int64_t *due)
{
	json_t *o = json_object();
	int rc = o ? 0 : -1;
	rc |=
	    put(o, "next", p->waiting ? json_string(retention_step_name(p->waiting)) : json_null());
	rc |=
	    put(o, "blocked", p->block ? json_string(retention_block_name(p->block)) : json_null());
	rc |= put(o, "due_at", when_json(p->due_at));
	rc |= put(o, "steps", steps_json(r, due));
	return finish(o, rc);
}

char *codec_encode_record(int64_t family, const struct case_record *r,
                          const struct retention_plan *plan, const int64_t *due)
{
	json_t *o = json_object();
	int rc = o ? 0 : -1;
	rc |= put(o, "family", json_integer(family));
	rc |= put(o, "state", json_string(r->closed_at ? "closed" : "open"));
	rc |= put(o, "closed_at", when_json(r->closed_at));
	rc |= put(o, "closed_by", r->closed_at ? by_json(&r->closed_by) : json_null());
	rc |= put(o, "close_reason", json_string(r->closed_at ? r->close_reason : ""));
	rc |= put(o, "filed_upto", when_json(r->filed_upto));
	rc |= put(o, "filed_at", when_json(r->filed_at));
	rc |= put(o, "filed_by", by_json(&r->filed_by));
	rc |= put(o, "hold", hold_json(r));
	rc |= put(o, "retention", retention_json(r, plan, due));
	return dump(finish(o, rc));
}

static json_t *request_json(const struct data_request *r)
{
	json_t *o = json_object(), *erasure = json_null();
	int rc = o ? 0 : -1;
	if (r->erase_upto > 0)
		erasure = json_pack("{s:o, s:o, s:I, s:I}", "upto", ts_json(r->erase_upto),
		                    "done_at", when_json(r->done_at), "texts",
		                    (json_int_t)r->n_texts, "files", (json_int_t)r->n_files);
	rc |= put(o, "id", json_integer(r->id));
	rc |= put(o, "family", json_integer(r->family));
	rc |= put(o, "member", user_json(&r->member));
	rc |= put(o, "kind", json_string(r->kind));
	rc |= put(o, "received_at", ts_json(r->received_at));
	rc |= put(o, "note", json_string(r->note));
	rc |= put(o, "recorded_by", user_json(&r->recorded_by));
	rc |= put(o, "recorded_at", ts_json(r->recorded_at));
	rc |= put(o, "decision", r->decision[0] ? json_string(r->decision) : json_null());
	rc |= put(o, "answer", json_string(r->answer));
	rc |= put(o, "answered_by", by_json(&r->answered_by));
	rc |= put(o, "answered_at", when_json(r->answered_at));
	rc |= put(o, "erasure", erasure);
	return finish(o, rc);
}

char *codec_encode_request(const struct data_request *r)
{
	return dump(request_json(r));
}

char *codec_encode_requests(const struct data_request *v, size_t n)
{
	json_t *o = json_object(), *a = json_array();
	int rc = o && a ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = json_array_append_new(a, request_json(&v[i]));
	rc |= put(o, "requests", finish(a, rc));
	return dump(finish(o, rc));
}

char *codec_encode_escalation(int64_t conv, int level, const struct conv_waiting *w,
                              int answer_minutes)
{
	json_t *o = frame_new("escalation", NULL);
	int rc = o ? 0 : -1;
	rc |= put(o, "conv", json_integer(conv));
	rc |= put(o, "level", json_integer(level));
	rc |= put(o, "waiting", waiting_json(w));
	rc |= put(o, "answer_minutes", json_integer(answer_minutes));
	return dump(finish(o, rc));
}

char *codec_encode_answering(const char *ref, int64_t conv, const struct user_ref *user,
                             int64_t until)
{
	json_t *o = frame_new("answering", ref);
	int rc = o ? 0 : -1;
	rc |= put(o, "conv", json_integer(conv));
	rc |= put(o, "user", user_json(user));
	rc |= put(o, "until", until > 0 ? ts_json(until) : json_null());
	return dump(finish(o, rc));
}

char *codec_encode_conversation(const struct conv *c)
{
	json_t *o = frame_new("conversation", NULL);
	int rc = o ? put(o, "conversation", conv_json(c)) : -1;
	return dump(finish(o, rc));
}

/* ---- HTTP response bodies ------------------------------------------------ */

char *codec_encode_http_error(int err, const char *message)
{
	json_t *o = json_object(), *e = json_object();
	int rc = put(e, "code", json_string(err_code(err)));
	rc |= put(e, "message", json_string(message ? message : err_message(err)));
	rc |= put(o, "error", finish(e, rc));
	return dump(finish(o, rc));
}

char *codec_encode_login(const char *token, int64_t expires_at, const struct user_ref *user)
{
	json_t *o = json_object();
	int rc = put(o, "token", str_json(token));
	rc |= put(o, "expires_at", ts_json(expires_at));
	rc |= put(o, "user", user_json(user));
	return dump(finish(o, rc));
}

char *codec_encode_enrol(const char *token, const struct user_ref *user, int64_t device_id,
                         const char *device_name)
{
	json_t *o = json_object(), *dev = json_object();
	int rc = put(dev, "id", json_integer(device_id));
	rc |= put(dev, "name", str_json(device_name));
	rc |= put(o, "token", str_json(token));
	rc |= put(o, "user", user_json(user));
	rc |= put(o, "device", finish(dev, rc));
	return dump(finish(o, rc));
}

/* {"expires_at":TS,"idle_until":TS|null}: when a sign-in ends, when it locks */
static json_t *session_json(int64_t expires_at, int64_t idle_until)
{
	json_t *o = json_object();
	int rc = put(o, "expires_at", ts_json(expires_at));
	rc |= put(o, "idle_until", idle_until > 0 ? ts_json(idle_until) : json_null());
	return finish(o, rc);
}

char *codec_encode_me(const struct user_ref *user, const struct conv_list *convs,
                      int64_t expires_at, int64_t idle_until)
{
	json_t *o = json_object();
	int rc = put(o, "user", user_json(user));
	rc |= put(o, "conversations", convs_json(convs));
	rc |= put(o, "session", session_json(expires_at, idle_until));
	return dump(finish(o, rc));
}

char *codec_encode_unlock(const struct user_ref *user, int64_t expires_at, int64_t idle_until)
{
	json_t *o = json_object();
	int rc = put(o, "user", user_json(user));
	rc |= put(o, "session", session_json(expires_at, idle_until));
	return dump(finish(o, rc));
}

char *codec_encode_member_sms(const struct member_sms *v)
{
	json_t *o = json_object(), *consent = json_null();
	if (v->consent_at) {
		consent = json_object();
		int crc = put(consent, "at", ts_json(v->consent_at));
		crc |= put(consent, "by", user_json(&v->consent_by));
		consent = finish(consent, crc);
	}
	int rc = put(o, "phone", v->phone[0] ? json_string(v->phone) : json_null());
	rc |= put(o, "channel", json_string(sms_channel_name(v->channel)));
	rc |= put(o, "consent", consent);
	rc |= put(o, "stopped_at", v->stopped_at ? ts_json(v->stopped_at) : json_null());
	return dump(finish(o, rc));
}

static json_t *attachment_json(const struct attachment *a)
{
	json_t *o = json_object();
	int rc = put(o, "id", json_integer(a->id));
	rc |= put(o, "state", json_string(attach_state_name(a->state)));
	rc |= put(o, "kind", json_string(a->kind));
	rc |= put(o, "type", json_string(a->mime));
	rc |= put(o, "name", json_string(a->name));
	rc |= put(o, "size", json_integer(a->size));
	if (a->state == ATTACH_READY && a->width > 0) {
		rc |= put(o, "width", json_integer(a->width));
		rc |= put(o, "height", json_integer(a->height));
	}
	if (a->state == ATTACH_REJECTED)
		rc |= put(o, "reason", json_string(a->reason));
	return finish(o, rc);
}

char *codec_encode_attachment(const struct attachment *a)
{
	return dump(attachment_json(a));
}

char *codec_encode_attachment_frame(const struct attachment *a, int64_t conv)
{
	json_t *o = frame_new("attachment", NULL);
	int rc = put(o, "conv", conv ? json_integer(conv) : json_null());
	rc |= put(o, "message", a->message_id ? json_integer(a->message_id) : json_null());
	rc |= put(o, "attachment", attachment_json(a));
	return dump(finish(o, rc));
}

char *codec_encode_unread(int64_t n)
{
	json_t *o = json_object();
	int rc = put(o, "unread", json_integer(n));
	return dump(finish(o, rc));
}

char *codec_encode_conv(const struct conv *c)
{
	return dump(conv_json(c));
}

static json_t *device_json(const struct device_entry *d)
{
	json_t *o = json_object();
	int rc = put(o, "id", json_integer(d->id));
	rc |= put(o, "name", json_string(d->name));
	rc |= put(o, "user", user_json(&d->user));
	rc |= put(o, "created_at", ts_json(d->created_at));
	rc |= put(o, "revoked_at", d->revoked_at > 0 ? ts_json(d->revoked_at) : json_null());
	return finish(o, rc);
}

char *codec_encode_devices(const struct device_list *l)
{
	json_t *o = json_object(), *a = json_array();
	int rc = 0;
	for (size_t i = 0; l && i < l->n && rc == 0; i++)
		rc = json_array_append_new(a, device_json(&l->v[i]));
	rc |= put(o, "devices", finish(a, rc));
	return dump(finish(o, rc));
}

char *codec_encode_http_messages(const struct msg_list *l, bool more)
{
	struct jw w;
	jw_init(&w, 128 + (l ? l->n * 400 : 0));
	jw_lit(&w, "{");
	jw_msgs_more(&w, l, more);
	return jw_finish(&w);
}

char *codec_encode_invite(const char *code, int64_t expires_at)
{
	json_t *o = json_object();
	int rc = put(o, "code", str_json(code));
	rc |= put(o, "expires_at", ts_json(expires_at));
	return dump(finish(o, rc));
}

char *codec_encode_invite_sms(const char *masked, int64_t expires_at)
{
	json_t *o = json_object();
	int rc = put(o, "sent_to", str_json(masked));
	rc |= put(o, "expires_at", ts_json(expires_at));
	return dump(finish(o, rc));
}

char *codec_encode_health(const char *status)
{
	json_t *o = json_object();
	int rc = put(o, "status", json_string(status ? status : "ok"));
	return dump(finish(o, rc));
}

char *codec_encode_quiet_hours(int start, int end)
{
	char from[6], to[6];
	quiet_format(start, from);
	quiet_format(end, to);
	json_t *o = json_object();
	int rc = put(o, "from", json_string(from));
	rc |= put(o, "to", json_string(to));
	rc |= put(o, "timezone", json_string("Europe/Copenhagen"));
	return dump(finish(o, rc));
}

char *codec_encode_push_content(enum push_content c)
{
	json_t *o = json_object();
	int rc = put(o, "content", json_string(push_content_name(c)));
	return dump(finish(o, rc));
}

char *codec_encode_push_notice(int64_t conv, int64_t family, const char *title, const char *body,
                               const char *lang, bool rtl)
{
	char tag[32] = "indgang"; /* about no conversation: the app itself */
	if (conv > 0)
		snprintf(tag, sizeof tag, "conv-%lld", (long long)conv);
	json_t *o = json_object();
	int rc = put(o, "v", json_integer(1));
	rc |= put(o, "conv", json_integer(conv));
	rc |= put(o, "family", json_integer(family));
	rc |= put(o, "title", json_string(title));
	rc |= put(o, "body", json_string(body));
	rc |= put(o, "tag", json_string(tag));
	rc |= put(o, "lang", json_string(lang));
	rc |= put(o, "dir", json_string(rtl ? "rtl" : "ltr"));
	return dump(finish(o, rc));
}

char *codec_encode_push_key(const char *public_key)
{
	json_t *o = json_object();
	int rc = put(o, "public_key", json_string(public_key));
	return dump(finish(o, rc));
}

char *codec_encode_id(int64_t id)
{
	json_t *o = json_object();
	int rc = put(o, "id", json_integer(id));
	return dump(finish(o, rc));
}

/* ---- Contact log: JSON --------------------------------------------------- */

static json_t *log_entry_json(const struct log_entry *e)
{
	json_t *o = json_object();
	int rc = put(o, "id", json_integer(e->id));
	rc |= put(o, "at", ts_json(e->at));
	rc |= put(o, "kind", json_string(e->kind));
	rc |= put(o, "actor", user_json(&e->actor));
	rc |= put(o, "conv", id_or_null(e->conv));
	rc |= put(o, "message", id_or_null(e->message));
	rc |= put(o, "detail", str_json(e->detail));
	if (e->text) /* staff reading their family's log (issue 15) */
		rc |= put(o, "text", json_string(e->text));
	return finish(o, rc);
}

char *codec_encode_log_json(const struct log_list *l)
{
	json_t *o = json_object(), *a = json_array();
	int rc = 0;
	for (size_t i = 0; l && i < l->n && rc == 0; i++)
		rc = json_array_append_new(a, log_entry_json(&l->v[i]));
	rc |= put(o, "entries", finish(a, rc));
	return dump(finish(o, rc));
}

char *codec_encode_log_page(const struct log_list *l, int64_t next)
{
	json_t *o = json_object(), *a = json_array();
	int rc = 0;
	for (size_t i = 0; l && i < l->n && rc == 0; i++)
		rc = json_array_append_new(a, log_entry_json(&l->v[i]));
	rc |= put(o, "entries", finish(a, rc));
	rc |= put(o, "next", id_or_null(next));
	return dump(finish(o, rc));
}

/* ---- Contact log: CSV ---------------------------------------------------- */

/*
 * For a case record, opened in a spreadsheet: the writer (csv.h) quotes
 * every text field and guards it against formulas.  Danish time comes first
 * (what staff read), UTC beside it (exact, and telling the two 02:00-03:00
 * hours of the autumn night apart).
 */

void codec_log_csv_header(struct csv *w)
{
	static const char *const head[] = {"Id",
	                                   "Tidspunkt (dansk tid)",
	                                   "Tidspunkt (UTC)",
	                                   "Hændelse",
	                                   "Aktør-id",
	                                   "Aktør",
	                                   "Samtale",
	                                   "Besked",
	                                   "Detaljer"};
	csv_header(w, head, sizeof head / sizeof head[0]);
}

/* An id column where 0 means null: an empty field. */
static void csv_id(struct csv *w, int64_t v)
{
	if (v > 0)
		csv_number(w, v);
	else
		csv_empty(w);
}

void codec_log_csv_rows(struct csv *w, const struct log_list *l)
{
	for (size_t i = 0; l && i < l->n; i++) {
		const struct log_entry *e = &l->v[i];
		char utc[32], local[32];
		text_format_ts(e->at, utc);
		dktime_sheet(e->at, local);
		csv_number(w, e->id);
		csv_text(w, local);
		csv_text(w, utc);
		csv_text(w, e->kind);
		csv_number(w, e->actor.id);
		csv_text(w, e->actor.name);
		csv_id(w, e->conv);
		csv_id(w, e->message);
		csv_text(w, e->detail);
		csv_end_row(w);
	}
}

char *codec_encode_delivery(const char *ref, int64_t conv, const struct delivery_pos *d)
{
	json_t *o = frame_new("delivery", ref);
	int rc = o ? 0 : -1;
	rc |= put(o, "conv", json_integer(conv));
	json_t *pos = delivery_json(d);
	const char *key;
	json_t *v;
	json_object_foreach(pos, key, v) rc |= json_object_set(o, key, v);
	json_decref(pos);
	return dump(finish(o, rc));
}

/* ---- A family member's own data (issue 16) -------------------------------------- */

/* The member_sms object as a tree (codec_encode_member_sms's). */
static json_t *member_sms_json(const struct member_sms *v)
{
	char *text = codec_encode_member_sms(v);
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return o;
}

static json_t *quiet_json(int start, int end)
{
	char a[6], b[6];
	if (start == end)
		return json_null();
	quiet_format(start, a);
	quiet_format(end, b);
	return json_pack("{s:s, s:s}", "start", a, "end", b);
}

char *codec_my_data_head(int64_t generated_at, const struct user_ref *me, const char *family,
                         const struct member_sms *sms, int quiet_start, int quiet_end,
                         const struct device_list *phones, const struct conv_list *convs)
{
	json_t *o = json_object(), *a = json_array(), *c = json_array();
	int rc = o && a && c ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < phones->n; i++)
		rc = json_array_append_new(a, device_json(&phones->v[i]));
	for (size_t i = 0; rc == 0 && i < convs->n; i++)
		rc = json_array_append_new(c,
		                           json_pack("{s:I, s:s}", "id", (json_int_t)convs->v[i].id,
		                                     "title", convs->v[i].title));
	rc |= put(o, "generated_at", ts_json(generated_at));
	rc |= put(o, "member", user_json(me));
	rc |= put(o, "family", json_string(family));
	rc |= put(o, "sms", member_sms_json(sms));
	rc |= put(o, "quiet_hours", quiet_json(quiet_start, quiet_end));
	rc |= put(o, "phones", finish(a, rc));
	rc |= put(o, "conversations", finish(c, rc));
	char *head = dump(finish(o, rc));
	if (head == NULL)
		return NULL;
	/* The document goes on: drop the closing brace, open "messages". */
	struct jw w;
	size_t n = strlen(head);
	jw_init(&w, n + 16);
	jw_raw(&w, head, n - 1);
	jw_lit(&w, ",\"messages\":[");
	free(head);
	return jw_finish(&w);
}

char *codec_my_data_messages(const struct msg_list *l, bool first)
{
	struct jw w;
	jw_init(&w, 256 * (l->n + 1));
	for (size_t i = 0; i < l->n; i++) {
		if (!first || i > 0)
			jw_lit(&w, ",");
		jw_msg(&w, &l->v[i]);
	}
	return jw_finish(&w);
}

char *codec_my_data_log(const struct log_list *l, bool first)
{
	struct jw w;
	jw_init(&w, 256 * (l->n + 1));
	for (size_t i = 0; i < l->n; i++) {
		json_t *j = log_entry_json(&l->v[i]);
		char *e = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (!first || i > 0)
			jw_lit(&w, ",");
		if (e)
			jw_raw(&w, e, strlen(e));
		free(e);
	}
	return jw_finish(&w);
}
