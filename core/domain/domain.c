/*
 * domain.c - role and kind names, and the growable lists (messages,
 * conversations, log entries, devices) that the store fills and the codec
 * reads.
 *
 * The lists grow geometrically so that filling one of n elements costs
 * O(n) copies in total; each push hands back a zeroed slot so that a
 * half-filled element can always be freed safely.
 */
#include "domain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LIST_FIRST_CAP 8

static const char *const role_names[] = {
    [ROLE_FAMILY] = "family",
    [ROLE_ADVISER] = "adviser",
    [ROLE_ADMIN] = "admin",
};

static const char *const kind_names[] = {
    [KIND_TEXT] = "text",
    [KIND_NOTE] = "note",
    [KIND_SYSTEM] = "system",
};

static const char *const content_names[] = {
    [PUSH_CONTENT_NONE] = "none",
    [PUSH_CONTENT_SENDER] = "sender",
    [PUSH_CONTENT_PREVIEW] = "preview",
};

static const char *const channel_names[] = {
    [SMS_CHANNEL_APP] = "app",
    [SMS_CHANNEL_FALLBACK] = "fallback",
    [SMS_CHANNEL_SMS] = "sms",
};

static const char *const sms_state_names[] = {
    [SMS_QUEUED] = "queued",       [SMS_SENDING] = "sending", [SMS_ACCEPTED] = "accepted",
    [SMS_DELIVERED] = "delivered", [SMS_FAILED] = "failed",   [SMS_CANCELLED] = "cancelled",
};
static const char *const sms_kind_names[] = {
    [SMS_KIND_MESSAGE] = "message", [SMS_KIND_FALLBACK] = "fallback", [SMS_KIND_INVITE] = "invite",
    [SMS_KIND_REPLY] = "reply",     [SMS_KIND_STOPPED] = "stopped",   [SMS_KIND_CHANGE] = "change",
};
static const char *const attach_state_names[] = {
    [ATTACH_RECEIVING] = "receiving",
    [ATTACH_CHECKING] = "checking",
    [ATTACH_READY] = "ready",
    [ATTACH_REJECTED] = "rejected",
};

/* Exact, case-sensitive match against a NULL-holed name table. */
static int name_lookup(const char *const *names, size_t n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/*
 * NAME_OF() never returns NULL, so that a caller may print it; an
 * out-of-range value is a bug upstream and shows as "unknown" rather than
 * crashing the encoder.  PARSE() is 0 for a known name, -1 otherwise.
 */
#define NAME_OF(fn, type, table)                                                                   \
	const char *fn(type v)                                                                     \
	{                                                                                          \
		size_t n = sizeof(table) / sizeof(table[0]);                                       \
		return (size_t)v < n && table[v] ? table[v] : "unknown";                           \
	}
#define PARSE(fn, type, table)                                                                     \
	int fn(const char *name, type *out)                                                        \
	{                                                                                          \
		int i = name_lookup(table, sizeof(table) / sizeof(table[0]), name);                \
		if (i < 0)                                                                         \
			return -1;                                                                 \
		*out = (type)i;                                                                    \
		return 0;                                                                          \
	}

NAME_OF(role_name, enum role, role_names)
PARSE(role_parse, enum role, role_names)
NAME_OF(msg_kind_name, enum msg_kind, kind_names)
PARSE(msg_kind_parse, enum msg_kind, kind_names)
NAME_OF(push_content_name, enum push_content, content_names)
PARSE(push_content_parse, enum push_content, content_names)
NAME_OF(sms_channel_name, enum sms_channel, channel_names)
PARSE(sms_channel_parse, enum sms_channel, channel_names)
NAME_OF(sms_state_name, enum sms_state, sms_state_names)
PARSE(sms_state_parse, enum sms_state, sms_state_names)
NAME_OF(sms_kind_name, enum sms_kind, sms_kind_names)
PARSE(sms_kind_parse, enum sms_kind, sms_kind_names)
NAME_OF(attach_state_name, enum attach_state, attach_state_names)
PARSE(attach_state_parse, enum attach_state, attach_state_names)

/*
 * Makes room for element n of an array v of capacity *cap.  Returns the
 * (possibly moved) array, or NULL on overflow or out of memory, in which case
 * v and *cap are left as they were so the caller still owns a valid list.
 */
static void *list_grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t want = *cap ? *cap * 2 : LIST_FIRST_CAP;
	if (want < *cap || want > SIZE_MAX / size)
		return NULL;
	void *p = realloc(v, want * size);
	if (!p)
		return NULL;
	*cap = want;
	return p;
}

static const char *const sched_state_names[] = {
    [SCHED_WAITING] = "waiting",
    [SCHED_SENT] = "sent",
    [SCHED_CANCELLED] = "cancelled",
    [SCHED_FAILED] = "failed",
};
#define N_SCHED_STATES (sizeof(sched_state_names) / sizeof(sched_state_names[0]))

const char *sched_state_name(enum sched_state st)
{
	if ((size_t)st >= N_SCHED_STATES || !sched_state_names[st])
		return "unknown";
	return sched_state_names[st];
}

int sched_state_parse(const char *name, enum sched_state *out)
{
	int i = name_lookup(sched_state_names, N_SCHED_STATES, name);
	if (i < 0)
		return -1;
	*out = (enum sched_state)i;
	return 0;
}

void sched_clear(struct sched *s)
{
	if (!s)
		return;
	free(s->body);
	memset(s, 0, sizeof(*s));
}

void sched_list_free(struct sched_list *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		sched_clear(&l->v[i]);
	if (l) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}

void msg_clear(struct msg *m)
{
	if (!m)
		return;
	free(m->body);
	free(m->att);
	memset(m, 0, sizeof(*m));
}

void msg_list_free(struct msg_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		msg_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct msg *msg_list_push(struct msg_list *l)
{
	struct msg *v = list_grow(l->v, l->n, &l->cap, sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	memset(&v[l->n], 0, sizeof(*v));
	return &v[l->n++];
}

void conv_clear(struct conv *c)
{
	if (!c)
		return;
	free(c->members);
	free(c->reads);
	free(c->deliveries);
	memset(c, 0, sizeof(*c));
}

void conv_list_free(struct conv_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		conv_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct conv *conv_list_push(struct conv_list *l)
{
	struct conv *v = list_grow(l->v, l->n, &l->cap, sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	memset(&v[l->n], 0, sizeof(*v));
	return &v[l->n++];
}

void template_list_free(struct template_list *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		free(l->v[i].body);
	if (l) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}

void log_list_free(struct log_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].detail);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct log_entry *log_list_push(struct log_list *l)
{
	struct log_entry *v = list_grow(l->v, l->n, &l->cap, sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	memset(&v[l->n], 0, sizeof(*v));
	return &v[l->n++];
}

struct device_entry *device_list_push(struct device_list *l)
{
	struct device_entry *v = list_grow(l->v, l->n, &l->cap, sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	memset(&v[l->n], 0, sizeof(*v));
	return &v[l->n++];
}

void device_list_free(struct device_list *l)
{
	if (!l)
		return;
	free(l->v);
	memset(l, 0, sizeof(*l));
}
