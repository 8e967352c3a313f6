/*
 * test_perm.c - the permission rules of DOMAIN.md, exhaustively over every
 * combination of facts a user can have against a family and conversation.
 *
 * The expected answers are written from the domain's sentences, not copied
 * from perm.c's table, so a change to either shows up here.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/common/err.h"
#include "core/perm/perm.h"

/* What DOMAIN.md says, one rule at a time. */
struct expect {
	bool see_text, see_note, send_text, send_note, read_log, read_access_log, create_conv,
	    invite, revoke, see_quiet, set_quiet, administer, hand_over, schedule, see_scheduled,
	    buzzed_by_family, buzzed_by_pair, mark_handled, be_away, hand_over_as_leader,
	    choose_coordinator, close_case, close_case_as_leader, confirm_filed_as_coordinator,
	    confirm_filed_as_leader, hold, see_record;
};

static struct expect domain_rules(const struct perm_facts *f)
{
	struct expect e = {0};
	if (!f->active)
		return e; /* a deactivated account can do nothing */
	bool family_in = f->role == ROLE_FAMILY && f->family_member && f->conv_participant;
	bool pair = f->role == ROLE_ADVISER && f->in_pair;
	bool team = f->role == ROLE_ADVISER && !f->in_pair && f->in_team;
	bool admin = f->role == ROLE_ADMIN;
	bool member = f->role == ROLE_FAMILY && f->family_member; /* in the conversation or not */
	/* "A family member sees only the conversations of their own family in
	 * which they take part" and "never sees internal notes". */
	e.see_text = family_in || pair || team;
	e.see_note = pair || team;
	/* "Only the pair writes to the family"; the family writes to its pair. */
	e.send_text = family_in || pair;
	/* "The pair ... write notes"; team members "write notes". */
	e.send_note = pair || team;
	e.read_log = pair || team;
	/* GDPR art. 15: who read the family's data, for the administrator who
	 * answers the request and the pair (the family's contact). */
	e.read_access_log = pair || admin;
	e.create_conv = pair;
	/* "An administrator manages accounts, teams, pairs and invitations." */
	e.invite = pair || admin;
	e.revoke = pair || admin;
	/* Quiet hours: the family decides when its phones may buzz, or its pair
	 * for it; the team sees when a member will be told. */
	e.see_quiet = member || pair || team;
	e.set_quiet = member || pair;
	e.administer = admin;
	e.hand_over = admin;
	/* "Send at 08:00": the pair writes to the family, so the pair schedules;
	 * until sent it is the staff's, like a note. */
	e.schedule = pair;
	e.see_scheduled = pair || team;
	/* Web Push: a family's text buzzes its pair, the pair's text the family
	 * members in the conversation; the team reads at its meetings. */
	e.buzzed_by_family = pair;
	e.buzzed_by_pair = family_in;
	/* Issue 15: "no answer needed" is the pair's call, whose answer it
	 * would have been; the team sees the queue but does not clear it. */
	e.mark_handled = pair;
	/* Out of office: an adviser, whose partner answers meanwhile. */
	e.be_away = f->role == ROLE_ADVISER;
	/* Handover (issue 15): "the team leader ... hands over cases": a leader
	 * of the family's team, in its pair or on it; the family chooses whom it
	 * trusts as coordinator. */
	e.hand_over_as_leader = admin || pair || team;
	e.choose_coordinator = member;
	/* Records (issue 16): the pair closes its family's case, or a leader
	 * of its team; the family's coordinator (its primary adviser) or a
	 * leader confirms the case file has the export; a legal hold is the
	 * administrator's, who sees the record but no content. */
	e.close_case = pair;
	e.close_case_as_leader = pair || team;
	e.confirm_filed_as_coordinator = pair;
	e.confirm_filed_as_leader = pair || team;
	e.hold = admin;
	e.see_record = pair || team || admin;
	return e;
}

int main(void)
{
	const enum role roles[] = {ROLE_FAMILY, ROLE_ADVISER, ROLE_ADMIN};
	int combos = 0;
	for (size_t r = 0; r < 3; r++) {
		for (unsigned bits = 0; bits < 32; bits++) {
			struct perm_facts f = {
			    .role = roles[r],
			    .family_member = bits & 1,
			    .conv_participant = bits & 2,
			    .in_pair = bits & 4,
			    .in_team = bits & 8,
			    .active = bits & 16,
			};
			struct expect e = domain_rules(&f);
			enum perm_rel rel = perm_relation(&f);
			CHECK_EQ(perm_can_see_conv(rel), e.see_text);
			CHECK_EQ(perm_can_see_kind(rel, KIND_TEXT), e.see_text);
			CHECK_EQ(perm_can_see_kind(rel, KIND_SYSTEM), e.see_text);
			CHECK_EQ(perm_can_see_kind(rel, KIND_NOTE), e.see_note);
			CHECK_EQ(perm_can_send(rel, KIND_TEXT), e.send_text);
			CHECK_EQ(perm_can_send(rel, KIND_NOTE), e.send_note);
			CHECK_EQ(perm_can_send(rel, KIND_SYSTEM), false);
			CHECK_EQ(perm_can_mark_read(rel), e.see_text);
			CHECK_EQ(perm_can_read_log(rel), e.read_log);
			CHECK_EQ(perm_can_read_access_log(rel), e.read_access_log);
			CHECK_EQ(perm_can_create_conv(rel), e.create_conv);
			CHECK_EQ(perm_can_invite(rel), e.invite);
			CHECK_EQ(perm_can_revoke_device(rel, false), e.revoke);
			CHECK_EQ(perm_can_see_quiet_hours(rel), e.see_quiet);
			CHECK_EQ(perm_can_set_quiet_hours(rel), e.set_quiet);
			CHECK_EQ(perm_can_administer(f.role, f.active), e.administer);
			CHECK_EQ(perm_can_hand_over(rel, false), e.hand_over);
			CHECK_EQ(perm_can_hand_over(rel, true), e.hand_over_as_leader);
			CHECK_EQ(perm_can_choose_coordinator(rel), e.choose_coordinator);
			CHECK_EQ(perm_can_close_case(rel, false), e.close_case);
			CHECK_EQ(perm_can_close_case(rel, true), e.close_case_as_leader);
			CHECK_EQ(perm_can_confirm_filed(rel, false, false), false);
			CHECK_EQ(perm_can_confirm_filed(rel, true, false),
			         e.confirm_filed_as_coordinator);
			CHECK_EQ(perm_can_confirm_filed(rel, false, true),
			         e.confirm_filed_as_leader);
			CHECK_EQ(perm_can_hold(rel), e.hold);
			CHECK_EQ(perm_can_see_record(rel), e.see_record);
			CHECK_EQ(perm_can_handle_request(rel, false), e.close_case);
			CHECK_EQ(perm_can_handle_request(rel, true), e.close_case_as_leader);
			CHECK_EQ(perm_can_schedule(rel), e.schedule);
			CHECK_EQ(perm_can_see_scheduled(rel), e.see_scheduled);
			CHECK_EQ(perm_can_mark_handled(rel), e.mark_handled);
			CHECK_EQ(perm_can_be_away(f.role, f.active), e.be_away);
			CHECK_EQ(perm_push_wanted(ROLE_FAMILY, KIND_TEXT, rel), e.buzzed_by_family);
			CHECK_EQ(perm_push_wanted(ROLE_ADVISER, KIND_TEXT, rel), e.buzzed_by_pair);
			CHECK_EQ(perm_push_wanted(ROLE_ADVISER, KIND_NOTE, rel), false);
			CHECK_EQ(perm_push_wanted(ROLE_FAMILY, KIND_SYSTEM, rel), false);
			/* Owners may always revoke their own devices. */
			CHECK_EQ(perm_can_revoke_device(rel, true), true);
			/* Refusals never say more than the user may know. */
			int refusal = perm_refusal(rel);
			CHECK(refusal == ERR_FORBIDDEN || refusal == ERR_NOT_FOUND);
			if (!e.see_text && rel != REL_ADMIN && f.role == ROLE_FAMILY)
				CHECK_EQ(refusal, ERR_NOT_FOUND);
			combos++;
		}
	}
	CHECK_EQ(combos, 96);
	/* A closed case is read-only: no text, no note; an operation's system
	 * message still goes (a handover tells the family its new adviser). */
	CHECK(perm_case_takes(KIND_TEXT, false) && perm_case_takes(KIND_NOTE, false));
	CHECK(!perm_case_takes(KIND_TEXT, true) && !perm_case_takes(KIND_NOTE, true));
	CHECK(perm_case_takes(KIND_SYSTEM, true));
	CHECK_STR(perm_rel_name(REL_PAIR), "pair");
	CHECK_STR(perm_rel_name((enum perm_rel)99), "none");
	/* A message sent by mistake: its author, within five minutes, never a
	 * system message (issue 15). */
	CHECK(perm_can_change_message(true, KIND_TEXT, 0));
	CHECK(perm_can_change_message(true, KIND_NOTE, PERM_CHANGE_WINDOW_MS));
	CHECK(!perm_can_change_message(true, KIND_TEXT, PERM_CHANGE_WINDOW_MS + 1));
	CHECK(!perm_can_change_message(false, KIND_TEXT, 1000));
	CHECK(!perm_can_change_message(true, KIND_SYSTEM, 1000));
	CHECK(!perm_can_change_message(true, KIND_TEXT, -1));
	/* A team's reply templates: its active advisers (issue 15). */
	CHECK(perm_can_keep_templates(ROLE_ADVISER, true, true));
	CHECK(!perm_can_keep_templates(ROLE_ADVISER, true, false));
	CHECK(!perm_can_keep_templates(ROLE_ADVISER, false, true));
	CHECK(!perm_can_keep_templates(ROLE_FAMILY, true, true));
	CHECK(!perm_can_keep_templates(ROLE_ADMIN, true, true));
	return check_report("perm");
}
