/*
 * perm.c - the permission rules, as a table of relation x action.
 */
#include "perm.h"
#include "../common/err.h"

enum perm_rel perm_relation(const struct perm_facts *f)
{
	if (!f->active)
		return REL_NONE;
	switch (f->role) {
	case ROLE_ADMIN:
		return REL_ADMIN;
	case ROLE_FAMILY:
		if (!f->family_member)
			return REL_NONE;
		return f->conv_participant ? REL_FAMILY_IN : REL_FAMILY_OUT;
	case ROLE_ADVISER:
		if (f->in_pair)
			return REL_PAIR;
		return f->in_team ? REL_TEAM : REL_NONE;
	}
	return REL_NONE;
}

const char *perm_rel_name(enum perm_rel rel)
{
	static const char *names[REL__COUNT] = {
	    [REL_NONE] = "none",        [REL_ADMIN] = "admin", [REL_FAMILY_OUT] = "family-out",
	    [REL_FAMILY_IN] = "family", [REL_PAIR] = "pair",   [REL_TEAM] = "team",
	};
	return (rel >= 0 && rel < REL__COUNT) ? names[rel] : "none";
}

bool perm_can_see_conv(enum perm_rel rel)
{
	return rel == REL_FAMILY_IN || rel == REL_PAIR || rel == REL_TEAM;
}

bool perm_can_see_kind(enum perm_rel rel, enum msg_kind kind)
{
	if (!perm_can_see_conv(rel))
		return false;
	/* Internal notes never reach a family member. */
	return kind != KIND_NOTE || rel == REL_PAIR || rel == REL_TEAM;
}

bool perm_can_send(enum perm_rel rel, enum msg_kind kind)
{
	switch (kind) {
	case KIND_TEXT:
		/* Only the family and its pair write to the family. */
		return rel == REL_FAMILY_IN || rel == REL_PAIR;
	case KIND_NOTE:
		return rel == REL_PAIR || rel == REL_TEAM;
	case KIND_SYSTEM:
		return false;
	}
	return false;
}

bool perm_can_mark_read(enum perm_rel rel)
{
	return perm_can_see_conv(rel);
}

bool perm_can_change_message(bool author, enum msg_kind kind, int64_t age_ms)
{
	return author && kind != KIND_SYSTEM && age_ms >= 0 && age_ms <= PERM_CHANGE_WINDOW_MS;
}

bool perm_can_keep_templates(enum role role, bool active, bool on_team)
{
	return role == ROLE_ADVISER && active && on_team;
}

bool perm_can_be_away(enum role role, bool active)
{
	return role == ROLE_ADVISER && active;
}

bool perm_can_mark_handled(enum perm_rel rel)
{
	return rel == REL_PAIR;
}

bool perm_can_read_log(enum perm_rel rel)
{
	return rel == REL_PAIR || rel == REL_TEAM;
}

bool perm_can_read_access_log(enum perm_rel rel)
{
	return rel == REL_ADMIN || rel == REL_PAIR;
}

bool perm_can_create_conv(enum perm_rel rel)
{
	return rel == REL_PAIR;
}

bool perm_can_upload(enum role role)
{
	return role == ROLE_FAMILY || role == ROLE_ADVISER;
}

bool perm_can_invite(enum perm_rel rel)
{
	return rel == REL_PAIR || rel == REL_ADMIN;
}

bool perm_can_revoke_device(enum perm_rel rel, bool is_owner)
{
	return is_owner || rel == REL_PAIR || rel == REL_ADMIN;
}

bool perm_can_administer(enum role role, bool active)
{
	return active && role == ROLE_ADMIN;
}

bool perm_can_see_quiet_hours(enum perm_rel rel)
{
	return rel == REL_FAMILY_IN || rel == REL_FAMILY_OUT || rel == REL_PAIR || rel == REL_TEAM;
}

bool perm_can_see_member_sms(enum perm_rel rel)
{
	return rel == REL_PAIR || rel == REL_TEAM || rel == REL_ADMIN;
}

bool perm_can_set_member_sms(enum perm_rel rel)
{
	return rel == REL_PAIR || rel == REL_ADMIN;
}

bool perm_can_set_quiet_hours(enum perm_rel rel)
{
	return rel == REL_FAMILY_IN || rel == REL_FAMILY_OUT || rel == REL_PAIR;
}

bool perm_push_wanted(enum role sender_role, enum msg_kind kind, enum perm_rel rcpt)
{
	if (kind != KIND_TEXT)
		return false;
	return sender_role == ROLE_FAMILY ? rcpt == REL_PAIR : rcpt == REL_FAMILY_IN;
}

bool perm_sms_full_text(enum msg_kind kind, const struct member_sms *to, bool marked_no_sms,
                        bool full_text_allowed)
{
	return kind == KIND_TEXT && to->channel == SMS_CHANNEL_SMS && to->consent_at > 0 &&
	       !marked_no_sms && full_text_allowed;
}

bool perm_can_schedule(enum perm_rel rel)
{
	return rel == REL_PAIR;
}

bool perm_can_see_scheduled(enum perm_rel rel)
{
	return rel == REL_PAIR || rel == REL_TEAM;
}

bool perm_can_hand_over(enum perm_rel rel, bool team_leader)
{
	return rel == REL_ADMIN || (team_leader && (rel == REL_PAIR || rel == REL_TEAM));
}

bool perm_can_choose_coordinator(enum perm_rel rel)
{
	return rel == REL_FAMILY_IN || rel == REL_FAMILY_OUT;
}

bool perm_can_close_case(enum perm_rel rel, bool team_leader)
{
	return rel == REL_PAIR || (team_leader && rel == REL_TEAM);
}

bool perm_can_confirm_filed(enum perm_rel rel, bool coordinator, bool team_leader)
{
	return (rel == REL_PAIR && coordinator) ||
	       (team_leader && (rel == REL_PAIR || rel == REL_TEAM));
}

bool perm_can_hold(enum perm_rel rel)
{
	return rel == REL_ADMIN;
}

bool perm_can_see_record(enum perm_rel rel)
{
	return rel == REL_PAIR || rel == REL_TEAM || rel == REL_ADMIN;
}

bool perm_case_takes(enum msg_kind kind, bool closed)
{
	return !closed || kind == KIND_SYSTEM;
}

bool perm_can_handle_request(enum perm_rel rel, bool team_leader)
{
	return perm_can_close_case(rel, team_leader);
}

int perm_refusal(enum perm_rel rel)
{
	return (rel == REL_NONE || rel == REL_FAMILY_OUT) ? ERR_NOT_FOUND : ERR_FORBIDDEN;
}
