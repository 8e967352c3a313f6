/*
 * mention.c - "@bo, kan du ringe til skolen?": a note that names a
 * colleague by their username notifies them (issue 15), as a message to
 * them would (Web Push, push.c), when they may read the note there: a
 * mention never shows a note to someone the rules keep it from.  The
 * staff client marks the notes that name its user.
 */
#include "service_int.h"

#include <string.h>

#define MENTIONS_MAX 10 /* names looked up per note */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* The next "@name" in *p (after a space or at the start), into name;
 * false at the end of the text. */
static bool next_mention(const char **p, const char *start, char *name, size_t cap)
{
	for (const char *at; (at = strchr(*p, '@')) != NULL;) {
		*p = at + 1;
		if (at > start && name_char(at[-1]))
			continue; /* an e-mail address, not a mention */
		size_t n = 0;
		while (name_char(at[1 + n]) && n + 1 < cap)
			n++;
		while (n > 0 && (at[n] == '.' || at[n] == '-')) /* "@bo." ends a sentence */
			n--;
		if (n == 0)
			continue;
		memcpy(name, at + 1, n);
		name[n] = '\0';
		return true;
	}
	return false;
}

/* Adds username to to when it is an active colleague, not the sender, who
 * may read notes in the note's conversation. */
static int add_if_reader(struct store *s, const struct msg *m, const char *username,
                         struct route_set *to)
{
	struct store_user u;
	char pw[8];
	enum perm_rel rel;
	int64_t family;
	int err = store_user_by_username(s, username, &u, pw, sizeof pw);
	if (err == ERR_NOT_FOUND || (err == ERR_OK && (!u.active || u.ref.id == m->sender.id)))
		return ERR_OK;
	if (err == ERR_OK)
		err = svc_conv_relation(s, &u, m->conv, &rel, &family);
	if (err == ERR_OK && perm_can_see_kind(rel, KIND_NOTE))
		err = route_set_add(to, u.ref.id);
	return err;
}

int svc_mentions_notify(struct store *s, const struct msg *m, int64_t now, size_t *queued)
{
	if (m->kind != KIND_NOTE)
		return ERR_OK;
	struct route_set to = {0};
	char name[DOMAIN_NAME_MAX + 1];
	const char *p = m->body;
	int err = ERR_OK;
	for (int n = 0;
	     err == ERR_OK && n < MENTIONS_MAX && next_mention(&p, m->body, name, sizeof name); n++)
		err = add_if_reader(s, m, name, &to);
	if (err == ERR_OK && to.n > 0)
		err = svc_push_queue(s, &to, m, now, queued);
	route_set_free(&to);
	return err;
}
