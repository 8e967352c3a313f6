/*
 * team_answer.c - a team's response target and working week (issue 15):
 * how long, in working time, a family may wait for an answer before the
 * partner and then the team's leaders hear of it (escalate.c), and what
 * the family is told to expect.  An administrator's decision.
 */
#include "service_int.h"

#include "../common/workdays.h"

int svc_team_answer_set(struct store *s, const struct store_user *actor, int64_t team, int minutes,
                        const char *week, int64_t now)
{
	struct workdays_week parsed;
	int err = svc_check_admin(actor);
	if (err)
		return err;
	if (minutes < 0 || minutes > DOMAIN_ANSWER_MINUTES_MAX ||
	    (week && week[0] && workdays_parse(week, &parsed) != 0))
		return ERR_BAD_REQUEST;
	if ((err = store_team_answer_set(s, team, minutes, week)) != ERR_OK)
		return err;
	/* Every wait of the team is looked at again under the new target. */
	return store_team_escalate_again(s, team, now);
}
