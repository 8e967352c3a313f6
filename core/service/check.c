/*
 * check.c - the checks every operation starts with: the actor's relation to
 * a family or conversation, refusals logged as "denied", and the reads
 * disclosed to the contact log as "access".
 */
#include "service_int.h"

#include <string.h>

/* indgang-admin acts as the console account (svc_console()), which is
 * inactive only so that nobody can sign in with it. */
static void console_acts(const struct store_user *actor, struct perm_facts *f)
{
	if (actor->active && strcmp(actor->username, STORE_CONSOLE_USERNAME) == 0)
		f->active = true;
}

int svc_family_relation(struct store *s, const struct store_user *actor, int64_t family,
                        int64_t conv, enum perm_rel *rel)
{
	struct perm_facts facts;
	*rel = REL_NONE;
	int err = store_facts(s, actor->ref.id, family, conv, &facts);
	if (err == ERR_NOT_FOUND)
		return ERR_OK;
	if (err)
		return err;
	console_acts(actor, &facts);
	*rel = perm_relation(&facts);
	return ERR_OK;
}

int svc_conv_relation(struct store *s, const struct store_user *user, int64_t conv,
                      enum perm_rel *rel, int64_t *family)
{
	*rel = REL_NONE;
	struct perm_facts facts;
	bool found;
	int err = store_conv_user_facts(s, user->ref.id, conv, family, &facts, &found);
	if (err == ERR_OK && found) {
		console_acts(user, &facts);
		*rel = perm_relation(&facts);
	}
	return err;
}

int svc_refuse_unless(struct store *s, const struct store_user *actor, bool allowed,
                      enum perm_rel rel, int64_t family, int64_t conv, int64_t now,
                      const char *what)
{
	if (allowed)
		return ERR_OK;
	int err = svc_log_denied(s, actor, family, conv, now, what);
	if (err)
		return err;
	return conv == 0 ? svc_family_refusal(rel) : perm_refusal(rel);
}

int svc_check_conv(struct store *s, const struct store_user *actor, int64_t conv, int64_t now,
                   bool (*allowed)(enum perm_rel, int), int arg, const char *what, int64_t *family)
{
	enum perm_rel rel;
	*family = 0;
	int err = svc_conv_relation(s, actor, conv, &rel, family);
	if (err)
		return err;
	return svc_refuse_unless(s, actor, allowed(rel, arg), rel, *family, conv, now, what);
}

int svc_check_own_message(struct store *s, const struct store_user *user, int64_t id, int64_t now,
                          const char *what, struct msg *out)
{
	enum perm_rel rel;
	int64_t family;
	int err = store_message_get(s, id, out);
	if (err == ERR_OK)
		err = svc_conv_relation(s, user, out->conv, &rel, &family);
	if (err)
		return err;
	bool author = out->sender.id == user->ref.id;
	if (!perm_can_see_kind(rel, out->kind) || !author || !perm_can_send(rel, out->kind))
		return svc_refuse_unless(s, user, false, rel, family, out->conv, now, what);
	/* One's own, but too late or taken back already: said plainly. */
	if (!perm_can_change_message(author, out->kind, now - out->created_at) || out->withdrawn)
		return ERR_CONFLICT;
	return svc_case_takes(s, family, out->kind); /* a closed case changes no more (issue 16) */
}

/* A refusal for an id that names no family is logged without one (the
 * row's family must exist). */
/* About the family itself, its members know it exists. */
int svc_family_refusal(enum perm_rel rel)
{
	return rel == REL_NONE ? ERR_NOT_FOUND : ERR_FORBIDDEN;
}

int svc_log_denied(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what)
{
	char name[DOMAIN_NAME_MAX + 1];
	if (family > 0 && store_family_name(s, family, name) == ERR_NOT_FOUND)
		family = 0;
	return store_log_append(s, now, "denied", user->ref.id, family, conv, 0, what);
}

int svc_log_access(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what)
{
	if (user->ref.role == ROLE_FAMILY)
		return ERR_OK;
	return store_log_append(s, now, "access", user->ref.id, family, conv, 0, what);
}
