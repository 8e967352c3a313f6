/*
 * perm.h - the permission rules of DOMAIN.md, and nothing else.
 *
 * Every endpoint and frame asks these functions; nothing else decides access.
 * They are pure: the store gathers the facts about a user and a family or
 * conversation (struct perm_facts), and perm_relation() reduces them to the
 * one relation the rules are written in.
 */
#ifndef INDGANG_PERM_H
#define INDGANG_PERM_H

#include <stdbool.h>

#include "../domain/domain.h"

/* What the store knows about one user against one family (and conversation). */
struct perm_facts {
	enum role role;
	bool family_member;    /* a member of this family (role family) */
	bool conv_participant; /* takes part in the conversation in question */
	bool in_pair;          /* primary or secondary adviser of the family */
	bool in_team;          /* staff in the family's team */
	bool active;           /* the account is active */
};

enum perm_rel {
	REL_NONE = 0,   /* no relation: other family, other team, inactive, admin */
	REL_ADMIN,      /* administrator: manages, reads no content */
	REL_FAMILY_OUT, /* member of the family, not in this conversation */
	REL_FAMILY_IN,  /* member of the family taking part in the conversation */
	REL_PAIR,       /* pair adviser of the family */
	REL_TEAM,       /* team member of the family, not in its pair */
	REL__COUNT
};

enum perm_rel perm_relation(const struct perm_facts *f);
const char *perm_rel_name(enum perm_rel rel);

/* May see the conversation (its text messages and read receipts). */
bool perm_can_see_conv(enum perm_rel rel);
/* May see a message of this kind in a conversation they can see. */
bool perm_can_see_kind(enum perm_rel rel, enum msg_kind kind);
/* May send a message of this kind (system messages are never sent by users). */
bool perm_can_send(enum perm_rel rel, enum msg_kind kind);
/* May mark the conversation read (anyone who can see it). */
bool perm_can_mark_read(enum perm_rel rel);
/* May read the family's contact log (pair and team). */
bool perm_can_read_log(enum perm_rel rel);
/* Mark a conversation as needing no answer (issue 15): the pair, whose
 * answer it would have been. */
bool perm_can_mark_handled(enum perm_rel rel);
/* Correct or withdraw a message sent by mistake (issue 15): its author,
 * within minutes of sending it (and still allowed to send its kind there,
 * perm_can_send), never a system message.  Later it stays as it was: the
 * case file allows no silent edit, and the change is logged. */
#define PERM_CHANGE_WINDOW_MS (5 * 60 * 1000)
bool perm_can_change_message(bool author, enum msg_kind kind, int64_t age_ms);
/* Say one is away (issue 15): an adviser, whose partner answers meanwhile;
 * not a family member, not an administrator. */
bool perm_can_be_away(enum role role, bool active);
/* Read and write a team's reply templates (issue 15): its staff, pair
 * advisers and team members alike; no family member, no administrator. */
bool perm_can_keep_templates(enum role role, bool active, bool on_team);
/* May extract who read the family's data (GDPR art. 15): the administrator
 * who answers a subject access request, and the pair, whose coordinator is
 * the family's contact.  Team members read the contact log, which already
 * lists every access. */
bool perm_can_read_access_log(enum perm_rel rel);
/* May create a restricted conversation in the family (pair). */
bool perm_can_create_conv(enum perm_rel rel);
/* May upload a photo or document to send (family members and staff who
 * write; an administrator reads and sends no content). */
bool perm_can_upload(enum role role);
/* May make an invite code for a member of the family (pair, admin). */
bool perm_can_invite(enum perm_rel rel);
/* May revoke a device: own (is_owner), the pair of the owner's family, admin. */
bool perm_can_revoke_device(enum perm_rel rel, bool is_owner);

/* May manage accounts, teams, families and pairs: an active administrator
 * (the console of indgang-admin acts as one). */
bool perm_can_administer(enum role role, bool active);
/* May read the family's quiet hours (the family, its pair and team: staff
 * see when a member will be told), and set them (the family and its pair). */
bool perm_can_see_quiet_hours(enum perm_rel rel);
bool perm_can_set_quiet_hours(enum perm_rel rel);
/* A family member's phone number and SMS channel (issue 13): seen by the
 * family's pair and team and an administrator, set by the pair and an
 * administrator; the member sees theirs and chooses the channel. */
bool perm_can_see_member_sms(enum perm_rel rel);
bool perm_can_set_member_sms(enum perm_rel rel);
/* Is told of a new message by a notification when away (Web Push): a
 * family's text goes to its pair, a pair's text to the family's members
 * in the conversation.  Team members read the history at their meetings
 * and are not buzzed; notes and system messages buzz nobody. */
bool perm_push_wanted(enum role sender_role, enum msg_kind kind, enum perm_rel rcpt);
/* SMS is not an encrypted channel: an SMS to a family member holds a
 * message's text only when the member chose SMS, their informed consent to
 * full text by SMS is recorded, the adviser did not mark the message "not
 * by SMS" and the municipality allows full text by SMS at all.  Otherwise
 * it is a notice without content.  Only texts go: notes never leave. */
bool perm_sms_full_text(enum msg_kind kind, const struct member_sms *to, bool marked_no_sms,
                        bool full_text_allowed);
/* May write a message to be sent later, and change or cancel one (the
 * pair: they answer the family); may see those waiting (pair and team:
 * like notes, they are the staff's until sent). */
bool perm_can_schedule(enum perm_rel rel);
bool perm_can_see_scheduled(enum perm_rel rel);
/* May hand a family over to a new pair: an administrator, or a leader of
 * the family's team (team_leader: team_staff.leader; issue 15). */
bool perm_can_hand_over(enum perm_rel rel, bool team_leader);
/* May choose the family's coordinator ("tovholder") among its pair: the
 * family, whom it must trust (issue 15). */
bool perm_can_choose_coordinator(enum perm_rel rel);

/* Records (issue 16).  A family's case is closed and reopened by its pair
 * or a leader of its team; the case-file export is confirmed filed by the
 * family's coordinator (its primary adviser) or a leader of its team; a
 * legal hold is set and lifted by an administrator, who reads no content;
 * the record (closed, filed, held, what is due) is seen by the pair, the
 * team and an administrator.  A closed case takes no new message, text
 * or note: it is read-only until reopened (system messages of operations
 * excepted). */
bool perm_can_close_case(enum perm_rel rel, bool team_leader);
bool perm_can_confirm_filed(enum perm_rel rel, bool coordinator, bool team_leader);
bool perm_can_hold(enum perm_rel rel);
bool perm_can_see_record(enum perm_rel rel);
bool perm_case_takes(enum msg_kind kind, bool closed);
/* A family member's request for erasure or restriction (GDPR art. 17/18)
 * is recorded and answered by the family's pair or a leader of its team,
 * who know the case and answer the family; seen by them, the team and an
 * administrator (the data protection officer's view). */
bool perm_can_handle_request(enum perm_rel rel, bool team_leader);

/* The error to answer a refused action with: not_found for those who may not
 * even know the thing exists (other families, a family member outside a
 * restricted conversation), forbidden for the rest. */
int perm_refusal(enum perm_rel rel);

#endif
