/*
 * my_access.c - who has read the family's data, as a family member sees it
 * (issue 16; GDPR art. 15).  The family's access log (reads, and refused
 * attempts) without the reads of conversations the member takes no part
 * in: a child's own thread with the pair is not the parent's to know of.
 * A reader is shown by role, and by name only where the municipality chose
 * so (access_view_names): the Court of Justice (C-579/21) gives the person
 * the dates and purposes, not necessarily the employees' names.
 */
#include "service_int.h"

#include <string.h>

/* What a read was of, in words the app translates. */
static const char *seen_of(const char *what)
{
	static const struct {
		const char *prefix, *seen;
	} map[] = {{"history", "conversation"},   {"sync", "conversation"},
	           {"scheduled", "conversation"}, {"attachment", "conversation"},
	           {"access log", "access_log"},  {"log", "log"},
	           {"devices", "phones"},         {"list devices", "phones"},
	           {"member sms", "phone_number"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strncmp(what, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].seen;
	return "other";
}

struct seen_ctx {
	struct store *s;
	const struct store_user *member;
	bool names;
	svc_seen_fn fn;
	void *ctx;
	int64_t last;
	size_t read;
};

static int one_row(void *arg, const struct store_admin_access *r)
{
	struct seen_ctx *c = arg;
	c->last = r->id;
	c->read++;
	if (r->conv_id != 0) {
		enum perm_rel rel;
		int64_t family;
		int err = svc_conv_relation(c->s, c->member, r->conv_id, &rel, &family);
		if (err || rel != REL_FAMILY_IN)
			return err; /* not theirs to know of */
	}
	enum role role = ROLE_ADMIN;
	if (r->role[0] != '\0' && role_parse(r->role, &role) != 0)
		role = ROLE_ADMIN;
	bool console = r->username[0] == '#';
	struct svc_seen row = {
	    .id = r->id,
	    .at = r->at,
	    .kind = r->kind,
	    .role = role,
	    .name = c->names && !console ? r->actor : NULL,
	    .seen = seen_of(r->what),
	};
	return c->fn(c->ctx, &row);
}

int svc_my_access_page(struct store *s, const struct store_user *member, int64_t after, int limit,
                       bool names, svc_seen_fn fn, void *ctx, int64_t *last_read, bool *more)
{
	*more = false;
	if (member->ref.role != ROLE_FAMILY || !member->active || member->family_id <= 0)
		return ERR_FORBIDDEN;
	struct store_log_range r = {.family = member->family_id, .after = after, .limit = limit};
	struct seen_ctx c = {
	    .s = s, .member = member, .names = names, .fn = fn, .ctx = ctx, .last = after};
	int err = store_admin_access_log(s, &r, one_row, &c);
	*last_read = c.last;
	*more = c.read == (size_t)limit;
	return err;
}
