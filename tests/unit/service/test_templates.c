/*
 * test_templates.c - a team's reply templates (issue 15), on a real store:
 * its staff add, change, list and remove them in the languages the family
 * app speaks; another team's adviser, a family member and an administrator
 * get nothing; a team keeps at most DOMAIN_TEMPLATES_MAX.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

#define T0 1796382000000LL

static struct world w;
static int64_t team_east;

static struct template make(int64_t team, const char *title, const char *lang, const char *body)
{
	struct template t = {.team_id = team};
	snprintf(t.title, sizeof t.title, "%s", title);
	snprintf(t.lang, sizeof t.lang, "%s", lang);
	t.body = strdup(body);
	return t;
}

static void test_keep(void)
{
	struct store_user carl = world_user(&w, w.carl), anna = world_user(&w, w.anna),
	                  dora = world_user(&w, w.dora), mette = world_user(&w, w.mette),
	                  admin = world_user(&w, w.admin);
	CHECK_EQ(store_team_by_name(w.s, "Team Øst", &team_east), ERR_OK);
	struct template t = make(team_east, "Mødetid", "da", "Vi ses torsdag kl. 10.");
	CHECK_EQ(svc_template_save(w.s, &carl, &t, T0), ERR_OK); /* a team member too */
	CHECK(t.id > 0);
	CHECK_STR(t.team, "Team Øst");
	CHECK_EQ(t.updated_by.id, w.carl);
	int64_t id = t.id;
	free(t.body);
	t = make(team_east, "Meeting time", "en", "See you Thursday at 10.");
	CHECK_EQ(svc_template_save(w.s, &anna, &t, T0), ERR_OK);
	free(t.body);

	t = make(team_east, "x", "de", "Bis Donnerstag");
	CHECK_EQ(svc_template_save(w.s, &anna, &t, T0),
	         ERR_BAD_REQUEST); /* a language not spoken */
	free(t.body);
	t = make(team_east, "x", "da", "y");
	CHECK_EQ(svc_template_save(w.s, &dora, &t, T0), ERR_NOT_FOUND); /* another team's */
	CHECK_EQ(svc_template_save(w.s, &mette, &t, T0), ERR_NOT_FOUND);
	CHECK_EQ(svc_template_save(w.s, &admin, &t, T0), ERR_NOT_FOUND);
	free(t.body);

	struct template_list l;
	CHECK_EQ(svc_templates(w.s, &anna, &l), ERR_OK);
	CHECK_EQ(l.n, 2);
	CHECK_STR(l.v[0].title, "Meeting time"); /* by title */
	template_list_free(&l);
	CHECK_EQ(svc_templates(w.s, &dora, &l), ERR_OK);
	CHECK_EQ(l.n, 0);
	template_list_free(&l);
	CHECK_EQ(svc_templates(w.s, &mette, &l), ERR_FORBIDDEN);
	template_list_free(&l);

	t = make(0, "Mødetid", "da", "Vi ses onsdag kl. 10.");
	t.id = id;
	CHECK_EQ(svc_template_save(w.s, &dora, &t, T0 + 1), ERR_NOT_FOUND);
	CHECK_EQ(svc_template_save(w.s, &anna, &t, T0 + 1), ERR_OK);
	CHECK_STR(t.body, "Vi ses onsdag kl. 10.");
	CHECK_EQ(t.team_id, team_east);
	CHECK_EQ(t.updated_by.id, w.anna);
	free(t.body);
	CHECK_EQ(svc_template_delete(w.s, &dora, id), ERR_NOT_FOUND);
	CHECK_EQ(svc_template_delete(w.s, &carl, id), ERR_OK);
	CHECK_EQ(svc_template_delete(w.s, &carl, id), ERR_NOT_FOUND);
}

/* A team keeps at most DOMAIN_TEMPLATES_MAX. */
static void test_cap(void)
{
	struct store_user bo = world_user(&w, w.bo);
	for (int i = 1; i < DOMAIN_TEMPLATES_MAX; i++) { /* one is there already */
		struct template t = make(team_east, "Svar", "da", "Tak for beskeden.");
		CHECK_EQ(svc_template_save(w.s, &bo, &t, T0), ERR_OK);
		free(t.body);
	}
	struct template t = make(team_east, "En for meget", "da", "Nej.");
	CHECK_EQ(svc_template_save(w.s, &bo, &t, T0), ERR_CONFLICT);
	free(t.body);
}

int main(void)
{
	CHECK_EQ(world_build(&w, ":memory:"), 0);
	test_keep();
	test_cap();
	world_free(&w);
	return check_report("test_templates");
}
