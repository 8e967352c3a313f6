/*
 * template_save.c - a team's reply template added or changed by one of its
 * staff (issue 15): a title, the language it is written in, the text.
 * Another team's templates are not theirs to see or change.
 */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const langs[] = {"da", "en", "ar", "fa", "tr", "uk", "so"};

static bool lang_known(const char *lang)
{
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
		if (strcmp(lang, langs[i]) == 0)
			return true;
	return false;
}

/* user on the staff of team (else refused as "no such team"). */
int svc_template_team_check(struct store *s, const struct store_user *user, int64_t team)
{
	bool on_team = false;
	int err = store_admin_in_team(s, team, user->ref.id, &on_team);
	if (err)
		return err;
	return perm_can_keep_templates(user->ref.role, user->active, on_team) ? ERR_OK
	                                                                      : ERR_NOT_FOUND;
}

int svc_template_save(struct store *s, const struct store_user *user, struct template *t,
                      int64_t now)
{
	int64_t n;
	int err = ERR_OK;
	if (!lang_known(t->lang))
		return ERR_BAD_REQUEST;
	if (t->id) { /* a change: the team is the template's */
		struct template old;
		if ((err = store_template_get(s, t->id, &old)) != ERR_OK)
			return err;
		t->team_id = old.team_id;
		free(old.body);
	}
	if ((err = svc_template_team_check(s, user, t->team_id)) != ERR_OK)
		return err;
	if (t->id == 0 && (err = store_template_count(s, t->team_id, &n)) == ERR_OK &&
	    n >= DOMAIN_TEMPLATES_MAX)
		return ERR_CONFLICT;
	t->updated_by = user->ref;
	t->updated_at = now;
	if (err == ERR_OK)
		err = store_template_put(s, t);
	if (err == ERR_OK) { /* as stored, with its team's name */
		free(t->body);
		t->body = NULL;
		err = store_template_get(s, t->id, t);
	}
	return err;
}
