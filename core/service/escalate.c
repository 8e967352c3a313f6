/*
 * escalate.c - a family left without an answer is told on (issue 15).
 *
 * Each team has a response target in working time (teams.answer_minutes,
 * over its working week and Danish public holidays: core/common/workdays).
 * A conversation still waiting at half the target is told to the partner
 * (the pair adviser who is not the family's primary; the primary when the
 * partner is away, absence_set.c), at the target to the
 * team's leaders (without any, to both of the pair).  Told means: a
 * notification of the family's message (Web Push, as a message is), an
 * `escalation` frame to their open clients, and a contact-log row.
 *
 * The writer runs this when a wait's escalate_at comes (hub.c looks each
 * tick): that instant is only a lower bound (a new wait is looked at at
 * once, the message path knowing no target), so the level is decided here
 * from the working time actually passed, and the next look set exactly.
 */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/workdays.h"

#define LEADERS_MAX 16

void svc_escalated_clear(struct svc_escalated *e)
{
	for (size_t i = 0; i < e->n; i++)
		route_set_free(&e->v[i].to);
	free(e->v);
	memset(e, 0, sizeof *e);
}

/* How far a wait of worked milliseconds has come against target. */
static int level_of(int64_t worked, int64_t target)
{
	return worked >= target ? 2 : worked * 2 >= target ? 1 : 0;
}

/* Whether user is away at now, by the pair's absences a[]. */
static bool away(const struct absence *a, int n, int64_t user, int64_t now)
{
	for (int i = 0; i < n; i++)
		if (a[i].user.id == user && a[i].from <= now && now < a[i].to)
			return true;
	return false;
}

/* The pair's partner, the adviser who is not primary; the primary when
 * the partner is away (both away: both, someone must know). */
static int add_partner(struct store *s, const struct escalate_row *r, int64_t now,
                       struct route_set *to)
{
	struct absence a[2];
	int n;
	int err = store_family_away(s, r->family, now, a, &n);
	bool partner_away = err == ERR_OK && away(a, n, r->secondary, now);
	if (err == ERR_OK && (!partner_away || away(a, n, r->primary, now)))
		err = route_set_add(to, r->secondary);
	if (err == ERR_OK && partner_away)
		err = route_set_add(to, r->primary);
	return err;
}

/* Who hears of a wait that reached level from below it. */
static int audience(struct store *s, const struct escalate_row *r, int level, int64_t now,
                    struct route_set *to)
{
	int err = ERR_OK;
	if (r->escalated < 1) /* the partner: straight to 2 (a weekend), both are told */
		err = add_partner(s, r, now, to);
	if (err || level < 2)
		return err;
	int64_t leaders[LEADERS_MAX];
	int n;
	if ((err = store_team_leaders(s, r->team, leaders, LEADERS_MAX, &n)) != ERR_OK)
		return err;
	for (int i = 0; err == ERR_OK && i < n; i++)
		err = route_set_add(to, leaders[i]);
	if (err == ERR_OK && n == 0) /* no leader: the pair itself */
		err = route_set_add(to, r->primary);
	if (err == ERR_OK && n == 0)
		err = route_set_add(to, r->secondary);
	return err;
}

/* Tells the wait of row r, now at level, to those it reaches. */
static int tell(struct store *s, const struct escalate_row *r, int level, int64_t now,
                struct svc_escalation *out)
{
	out->conv = r->conv;
	out->level = level;
	out->answer_minutes = r->answer_minutes;
	out->state = (struct conv_waiting){.from = r->from, .since = r->since};
	struct msg m = {.id = r->from, .conv = r->conv, .created_at = r->since};
	int err = audience(s, r, level, now, &out->to);
	if (err == ERR_OK)
		err = svc_push_queue(s, &out->to, &m, now, &out->pushes);
	if (err == ERR_OK)
		err = store_log_append(s, now, "escalated", 0, r->family, r->conv, r->from,
		                       level == 2 ? "leaders" : "partner");
	return err;
}

/* Decides one row: its level now, whom to tell, when to look again. */
static int look(struct store *s, const struct escalate_row *r, int64_t now,
                struct svc_escalated *out)
{
	struct workdays_week week;
	if (r->week[0] == '\0' || workdays_parse(r->week, &week) != 0)
		workdays_default(&week);
	int64_t target = (int64_t)r->answer_minutes * 60 * 1000;
	if (target <= 0 || r->from == 0) /* no target, or no longer waiting */
		return store_escalate_set(s, r->conv, r->escalated, 0);
	int level = level_of(workdays_between(&week, r->since, now), target);
	int64_t next =
	    level >= 2 ? 0 : workdays_add(&week, r->since, level == 0 ? target / 2 : target);
	if (next == WORKDAYS_NEVER)
		next = 0;
	int err = ERR_OK;
	if (level > r->escalated) {
		struct svc_escalation *e = &out->v[out->n++];
		err = tell(s, r, level, now, e);
		out->pushes += e->pushes;
	}
	if (err == ERR_OK)
		err = store_escalate_set(s, r->conv, level > r->escalated ? level : r->escalated,
		                         next);
	return err;
}

int svc_escalate(struct store *s, int64_t now, int max, struct svc_escalated *out)
{
	memset(out, 0, sizeof *out);
	struct escalate_row *rows = calloc((size_t)max, sizeof *rows);
	int n = 0;
	int err = rows ? store_escalate_due(s, now, max, rows, &n) : ERR_INTERNAL;
	if (err == ERR_OK && n > 0 && (out->v = calloc((size_t)n, sizeof *out->v)) == NULL)
		err = ERR_INTERNAL;
	for (int i = 0; err == ERR_OK && i < n; i++)
		err = look(s, &rows[i], now, out);
	free(rows);
	if (err)
		svc_escalated_clear(out);
	return err;
}

int svc_escalate_next(struct store *s, int64_t *at)
{
	return store_escalate_next(s, at);
}
