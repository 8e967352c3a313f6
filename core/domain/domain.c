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

#define N_ROLES    (sizeof(role_names) / sizeof(role_names[0]))
#define N_KINDS    (sizeof(kind_names) / sizeof(kind_names[0]))
#define N_CONTENTS (sizeof(content_names) / sizeof(content_names[0]))

static const char *const channel_names[] = {
    [SMS_CHANNEL_APP] = "app",
    [SMS_CHANNEL_FALLBACK] = "fallback",
    [SMS_CHANNEL_SMS] = "sms",
};
#define N_CHANNELS (sizeof(channel_names) / sizeof(channel_names[0]))

/*
 * Never NULL, so that a caller may print it; an out-of-range value is a bug
 * upstream and shows as "unknown" rather than crashing the encoder.
 */
const char *role_name(enum role role)
{
	if ((size_t)role >= N_ROLES || !role_names[role])
		return "unknown";
	return role_names[role];
}

const char *msg_kind_name(enum msg_kind kind)
{
	if ((size_t)kind >= N_KINDS || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

const char *push_content_name(enum push_content c)
{
	if ((size_t)c >= N_CONTENTS || !content_names[c])
		return "unknown";
	return content_names[c];
}

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

int role_parse(const char *name, enum role *out)
{
	int i = name_lookup(role_names, N_ROLES, name);
	if (i < 0)
		return -1;
	*out = (enum role)i;
	return 0;
}

int msg_kind_parse(const char *name, enum msg_kind *out)
{
	int i = name_lookup(kind_names, N_KINDS, name);
	if (i < 0)
		return -1;
	*out = (enum msg_kind)i;
	return 0;
}

const char *sms_channel_name(enum sms_channel c)
{
	if ((size_t)c >= N_CHANNELS || !channel_names[c])
		return "unknown";
	return channel_names[c];
}

int sms_channel_parse(const char *name, enum sms_channel *out)
{
	int i = name_lookup(channel_names, N_CHANNELS, name);
	if (i < 0)
		return -1;
	*out = (enum sms_channel)i;
	return 0;
}

int push_content_parse(const char *name, enum push_content *out)
{
	int i = name_lookup(content_names, N_CONTENTS, name);
	if (i < 0)
		return -1;
	*out = (enum push_content)i;
	return 0;
}

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

void log_list_free(struct log_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].detail);
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
