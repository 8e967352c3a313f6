/*
 * service.h - every domain operation of Indgang, one file each in
 * core/service/, and the only callers of perm for them.
 *
 * An operation checks (the rules of DOMAIN.md through perm, on facts from the
 * store), then proceeds, and writes its own contact-log rows, returning their
 * errors.  It never opens a transaction: the caller provides one (the writer
 * thread's group commit, or svc_in_tx() on an HTTP worker or in
 * indgang-admin), so an operation is all or nothing.  An operation refuses
 * in its check, before it writes anything but its "denied" row, so that a
 * caller may keep the writes of a refusal.  A refusal is logged as
 * "denied" and answered with the error of perm_refusal(): a caller keeps the
 * writes of a refused operation (svc_keeps_writes()), so the denied row
 * stays, and undoes those of a failed one.  Read-only operations (history,
 * sync, the listings) may run on any connection; the access they disclose
 * is logged with svc_log_access() in the same transaction or, on the event
 * loop, by the writer before the answer goes out.
 *
 * The endpoints (core/api, the WebSocket verbs in core/session, indgang-admin)
 * only decode, call one operation and encode its result.  "Where does a new
 * operation go": docs/architecture.md.
 *
 * All functions return ERR_OK or an ERR_* (core/common/err.h); where an
 * operation has a sentence for the person refused, *why (may be NULL) is set
 * to a static string.
 */
#ifndef INDGANG_SERVICE_H
#define INDGANG_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "../auth/auth.h"
#include "../domain/domain.h"
#include "../records/retention.h"
#include "../route/route.h"
#include "../store/store.h"
#include "../store/store_admin.h"

/* ---- Lifetimes: the defaults live here and nowhere else ------------------ */

#define SVC_HOUR_MS             (3600 * (int64_t)1000)
#define SVC_STAFF_SESSION_HOURS 12  /* a staff sign-in, at most */
#define SVC_STAFF_IDLE_MINUTES  30  /* ... or this long unused (NIST SP 800-63B) */
#define SVC_DEVICE_SESSION_DAYS 180 /* an enrolled phone, at most */
#define SVC_DEVICE_IDLE_DAYS    90  /* ... or this long unused */
#define SVC_INVITE_HOURS        72  /* an invite code */
#define SVC_INVITE_HOURS_MAX    720

struct svc_policy {
	int64_t staff_session_ms;
	int64_t staff_idle_ms; /* 0: no idle limit */
	int64_t device_session_ms;
	int64_t device_idle_ms; /* 0: no idle limit */
	int64_t invite_ms;
	/* Web Push: the hosts an endpoint may name (NULL: the big four), and
	 * whether an address or localhost may be one (tests). */
	const char *const *push_hosts;
	bool push_allow_private;
	bool sms_full_text;   /* the municipality lets full text go by SMS (with consent) */
	bool sms_out;         /* SMS go out (through Kannel) */
	const char *sms_link; /* the family app's address, in SMS */
};

/* The defaults above, in milliseconds. */
void svc_policy_defaults(struct svc_policy *p);

/* ---- Transactions ---------------------------------------------------------- */

/* True when an operation's writes are kept: it succeeded, or it was refused
 * (not found, forbidden, bad input, conflict, gone) and its "denied" row
 * must stay. */
bool svc_keeps_writes(int err);
/* Runs op(s, arg) in one transaction (BEGIN IMMEDIATE): committed when
 * svc_keeps_writes(its result), rolled back otherwise.  Returns op's result,
 * or the commit's error (ERR_UNAVAILABLE when the disk failed; see
 * store_failed_io()). */
int svc_in_tx(struct store *s, int (*op)(struct store *s, void *arg), void *arg);

/* The account indgang-admin acts as ("Console (indgang-admin)"), as an
 * administrator.  It is inactive in the database only so that nobody can
 * sign in with it; whoever runs indgang-admin on the server holds the file. */
int svc_console(struct store *s, struct store_user *out);

/* ---- Signing in and out (authenticate.c, login.c, enrol.c, logout.c) ------ */

/* Token text -> its user and token row.  ERR_UNAUTHORIZED for anything
 * wrong; for a token ended by time, tok->ended says why. */
int svc_authenticate(struct store *s, const char *token, int64_t now, struct store_user *user,
                     struct store_token *tok);
/* An authenticated request is activity: writes the token's last use when
 * the stored one is auth_session_touch_interval() old. */
int svc_session_used(struct store *s, const struct svc_policy *p, const struct store_token *tok,
                     int64_t now);

/* A new session: its token (shown once, stored only as a hash). */
struct svc_session {
	char token[AUTH_TOKEN_LEN + 1];
	int64_t token_id;
	int64_t expires_at;
	struct store_user user;
	int64_t device_id; /* enrolment: the new device */
};

/* A staff member signs in with a password, throttled per address and
 * account before any hashing; unknown users cost the same hash.  Writes the
 * token and a "login" row. */
int svc_login(struct store *s, const struct svc_policy *p, struct auth_throttle *t,
              const char *username, const char *password, const char *addr, int64_t now,
              struct svc_session *out, const char **why);

/* A family member enrols a phone with an invite code (throttled per
 * address): the code is used up, the device and its token are made, the
 * "enrol" row names who created the invite, and a system message in the
 * family's conversation tells the member's other phones and the pair at
 * once (*notice, for the caller to fan out to *notice_to once committed). */
int svc_enrol(struct store *s, const struct svc_policy *p, struct auth_throttle *t,
              const char *code, const char *device, const char *addr, int64_t now,
              struct svc_session *out, struct msg *notice, struct route_set *notice_to,
              const char **why);

/* Ends the session of tok ("logout" row). */
int svc_logout(struct store *s, const struct store_user *user, const struct store_token *tok,
               int64_t now);

/* ---- A locked staff sign-in (authenticate.c, unlock.c, unread.c) ------------
 *
 * A staff sign-in that goes idle is locked, not ended (unlock.c): refused by
 * svc_authenticate() as before, it may still be unlocked, give its unread
 * count and be signed out. */

/* As svc_authenticate(), but a sign-in that is only idle passes when it
 * locks (a staff or admin account's, not a phone's): then *locked.  Expired,
 * revoked, of an inactive account, unknown: ERR_UNAUTHORIZED. */
int svc_authenticate_locked(struct store *s, const char *token, int64_t now,
                            struct store_user *user, struct store_token *tok, bool *locked);
/* Opens the sign-in tok of user (from svc_authenticate_locked) again with
 * the user's own password, checked as svc_login checks one (the same
 * throttle, the same refusal); its last use becomes now, and an "unlock"
 * row is logged like a "login" (no family, the address).  A phone's sign-in:
 * ERR_FORBIDDEN. */
int svc_unlock(struct store *s, const struct svc_policy *p, struct auth_throttle *t,
               const struct store_user *user, const struct store_token *tok, const char *password,
               const char *addr, int64_t now, const char **why);
/* The user's unread messages over every conversation they may see (the sum
 * of CONV.unread): a number, no content, no access row. */
int svc_unread(struct store *s, const struct store_user *user, int64_t *n);

/* ---- Invites and devices (invite.c, device.c) ----------------------------- */

/* An invite code for family member `member`, valid for p->invite_ms (or
 * valid_ms when > 0).  The code is shown once and stored only as a hash.
 * The pair may invite; an administrator only for a member without a phone
 * (a second phone is the pair's decision, so that no administrator can
 * enrol as a member unseen). */
/* The same, sent by SMS to the member's own number (invite_sms.c): the
 * code is never shown; *masked is the number as "+45••••5678".  The
 * member needs a number that did not send STOP (ERR_BAD_REQUEST,
 * ERR_CONFLICT); ERR_UNAVAILABLE when the gateway sends no SMS. */
int svc_invite_by_sms(struct store *s, const struct svc_policy *p, const struct store_user *actor,
                      int64_t member, int64_t now, int64_t *expires_at, char masked[48],
                      const char **why);
int svc_invite(struct store *s, const struct svc_policy *p, const struct store_user *actor,
               int64_t member, int64_t valid_ms, int64_t now, char code[AUTH_INVITE_LEN + 1],
               int64_t *expires_at, struct store_user *member_out, const char **why);

/* The family's phones, for its pair, an administrator, or (only their own)
 * a member of the family; staff reads are access-logged. */
int svc_devices(struct store *s, const struct store_user *actor, int64_t family, int64_t now,
                struct device_list *out);
/* Revokes a device and every token issued to it, and logs it: by its owner,
 * the pair of the owner's family, or an administrator.  *owner receives the
 * device's owner; *already_revoked when there was nothing to do. */
int svc_device_revoke(struct store *s, const struct store_user *actor, int64_t device, int64_t now,
                      struct store_device *dev, struct store_user *owner, bool *already_revoked);
/* Gives a phone the name its people know it by ("Mettes Samsung"), by the
 * same people as svc_device_revoke(); a revoked one is ERR_GONE.  Logged
 * with the old name and the new. */
int svc_device_rename(struct store *s, const struct store_user *actor, int64_t device,
                      const char *name, int64_t now);

/* ---- Conversations and messages (conversation.c, send.c, read.c, ...) ---- */

/* The relation of user to conversation conv, and its family.  ERR_NOT_FOUND
 * when the conversation does not exist. */
int svc_conv_relation(struct store *s, const struct store_user *user, int64_t conv,
                      enum perm_rel *rel, int64_t *family);

/* Every conversation the user may see. */
int svc_conversations(struct store *s, const struct store_user *user, int64_t now,
                      struct conv_list *out);

/* A restricted conversation of the family (the pair), at most
 * DOMAIN_RESTRICTED_CONVS_MAX of them; filled as the actor sees it. */
int svc_conv_create(struct store *s, const struct store_user *actor, int64_t family,
                    const char *title, const int64_t *members, size_t n_members, int64_t now,
                    struct conv *out, const char **why);

/* Whether a conversation needs an answer, when that changed, and the staff
 * who are to hear (waiting.c). */
struct svc_waiting {
	bool changed;
	int64_t conv;
	struct conv_waiting state;
	struct route_set staff; /* the conversation's pair and team */
};
void svc_waiting_clear(struct svc_waiting *w);
/* After a message m is stored, in its transaction: a family member's text
 * starts the wait unless one waits already, a pair adviser's text ends
 * it (how ANSWER_REPLY).  Notes and system messages change nothing. */
int svc_waiting_after(struct store *s, const struct msg *m, struct svc_waiting *out);
/* A pair adviser marks conv as needing no answer up to message upto (the
 * newest they saw): what the family wrote up to there stops waiting, a
 * later family text waits from itself; logged as "handled".  Nothing
 * waiting up to upto: out says the state, unchanged and unlogged. */
int svc_handled(struct store *s, const struct store_user *user, int64_t conv, int64_t upto,
                int64_t now, struct svc_waiting *out);

/* "I'm answering" (answering.c): ERR_OK and the staff who see conv
 * (partner, team, the user's own other connections) when user may write
 * to the family there; a refusal otherwise (*family set when conv
 * exists, for the caller to log). Writes nothing. */
#define SVC_ANSWERING_MS (60 * 1000) /* it lapses unless said again */
int svc_answering(struct store *s, const struct store_user *user, int64_t conv,
                  struct route_set *staff, int64_t *family);

/* A family left without an answer, told on (escalate.c, issue 15): at
 * half the team's response target in working time to the partner (level
 * 1), at the target to the team's leaders (2). */
struct svc_escalation {
	int64_t conv;
	int level;
	int answer_minutes;
	struct conv_waiting state; /* since when, from which message */
	struct route_set to;       /* who is told */
	size_t pushes;
};
struct svc_escalated {
	struct svc_escalation *v;
	size_t n;
	size_t pushes; /* notifications queued, all together */
};
/* When the next wait is to be looked at (0: none). */
int svc_escalate_next(struct store *s, int64_t *at);
/* Looks at up to max waits due at now (the writer, in its transaction). */
int svc_escalate(struct store *s, int64_t now, int max, struct svc_escalated *out);
void svc_escalated_clear(struct svc_escalated *e);

/* An adviser's absence (issue 15): set (replacing any; from before to,
 * to after now, at most a year, from at most a day ago: else
 * ERR_BAD_REQUEST; out as stored), cleared (nothing there: ERR_OK), or
 * read (out->user.id 0: none not over at now).  Advisers only. */
int svc_absence_set(struct store *s, const struct store_user *user, const struct absence *in,
                    int64_t now, struct absence *out);
int svc_absence_clear(struct store *s, const struct store_user *user, int64_t now);
int svc_absence_get(struct store *s, const struct store_user *user, int64_t now,
                    struct absence *out);

/* A message its author corrects or withdraws within minutes (issue 15;
 * perm_can_change_message): the message as it is now and who sees it.
 * Another's message, or one of a conversation they may no longer write
 * in, is refused like any other (logged); too late, or withdrawn already,
 * ERR_CONFLICT.  body: 1..4000 characters, trimmed (the codec's). */
struct svc_changed {
	struct msg msg;
	struct route_set rcpt;
	size_t sms; /* SMS queued to tell members reached by SMS: the sender is to look */
};
void svc_changed_clear(struct svc_changed *c);
int svc_correct(struct store *s, const struct store_user *user, int64_t id, const char *body,
                int64_t now, struct svc_changed *out);
int svc_withdraw(struct store *s, const struct store_user *user, int64_t id, int64_t now,
                 struct svc_changed *out);

/* A team's reply templates (issue 15; perm_can_keep_templates): those of
 * every team the adviser is on; one added (t->id 0, to t->team_id) or
 * changed (its team kept; t then as stored), t->title/lang/body given (lang one of the
 * family app's: else ERR_BAD_REQUEST; DOMAIN_TEMPLATES_MAX a team: then
 * ERR_CONFLICT); one removed.  Another team's is ERR_NOT_FOUND. */
int svc_templates(struct store *s, const struct store_user *user, struct template_list *out);
/* The teams an adviser is on (v: DOMAIN_TEAMS_MAX), which they lead, and
 * their active staff with usernames; svc_teams_clear() frees the lists. */
int svc_my_teams(struct store *s, const struct store_user *user, struct team_ref *v, int *n);
void svc_teams_clear(struct team_ref *v, int n);
int svc_template_save(struct store *s, const struct store_user *user, struct template *t,
                      int64_t now);
int svc_template_delete(struct store *s, const struct store_user *user, int64_t id);

/* What a send stored and who is to hear of it. */
struct svc_sent {
	struct msg msg;
	bool duplicate;          /* found under its client_id: nothing was written */
	struct route_set rcpt;   /* who receives it live (a new message only) */
	size_t pushes;           /* notifications queued for those away (push.c) */
	size_t sms;              /* SMS queued for members reached by SMS (sms_out.c) */
	struct svc_waiting wait; /* the conversation's "needs an answer", if it changed */
};
void svc_sent_clear(struct svc_sent *r);

/* svc_send's flags */
#define SVC_SEND_NO_SMS 1u /* the adviser marked it "not by SMS": an SMS tells of it only */

/* Stores a message (or finds the one already stored under client_id: then
 * out->duplicate is set and nothing is written), and queues the
 * notifications and SMS of those to be told (svc_tell_away()). */
int svc_send(struct store *s, const struct store_user *user, int64_t conv, enum msg_kind kind,
             unsigned flags, const char *body, const char *client_id, int64_t now,
             struct svc_sent *out);
/* The uploads a message carries (issue 14), in order. */
struct svc_files {
	const int64_t *ids;
	size_t n;
};
/* svc_send with files: each must be the sender's own upload, not yet in a
 * message, received whole (ERR_NOT_FOUND for another's or none;
 * ERR_CONFLICT when a message has it; ERR_BAD_REQUEST while it is still
 * arriving).  A message may go while its files are being checked, and with
 * one rejected: it shows as rejected, and nobody can fetch it.  An
 * empty body is given the files' names, so a client that shows only text
 * still shows something. */
int svc_send_with(struct store *s, const struct store_user *user, int64_t conv, enum msg_kind kind,
                  unsigned flags, const char *body, const struct svc_files *files,
                  const char *client_id, int64_t now, struct svc_sent *out);

/* ---- Messages to be sent later (schedule.c) ------------------------------------- */

/* A pair adviser's text to conv, to be sent at send_at (after now, at most
 * DOMAIN_SCHEDULE_AHEAD_MS ahead; at most DOMAIN_SCHEDULED_MAX waiting in
 * a conversation: ERR_CONFLICT).  The same client_id again returns the one
 * stored.  *staff: who sees it waiting (the `scheduled` frame). */
int svc_schedule(struct store *s, const struct store_user *user, int64_t conv, const char *body,
                 const char *client_id, int64_t send_at, int64_t now, struct sched *out,
                 struct route_set *staff);
/* Those waiting in conv, for its pair and team (an `access` row). */
int svc_scheduled_list(struct store *s, const struct store_user *user, int64_t conv, int64_t now,
                       struct sched_list *out);
/* Changes the text (body, or NULL to keep it) or the time (send_at, or 0)
 * of a waiting one; ERR_CONFLICT once sent or cancelled, or when seen_at
 * (the updated_at its writer saw; 0: not said) is not the stored one: the
 * partner changed it meanwhile, and a change is never made over another
 * unseen.  *why says which. */
int svc_schedule_edit(struct store *s, const struct store_user *user, int64_t id, const char *body,
                      int64_t send_at, int64_t seen_at, int64_t now, struct sched *out,
                      struct route_set *staff, const char **why);
int svc_schedule_cancel(struct store *s, const struct store_user *user, int64_t id, int64_t now,
                        struct sched *out, struct route_set *staff);

/* One that came due: the message it became (sent.msg.id 0 when it could
 * not go: sched.state failed), and the staff to tell. */
struct svc_release_item {
	struct svc_sent sent;
	struct sched sched;
	struct route_set staff;
};
struct svc_released {
	struct svc_release_item *v;
	size_t n;
};
/* When the next one waiting is due (0: none). */
int svc_schedule_next(struct store *s, int64_t *at);
/* Sends up to max of those due at now (the writer, in its transaction). */
int svc_schedule_release(struct store *s, int64_t now, size_t max, struct svc_released *out);
void svc_released_clear(struct svc_released *r);

/* Where a read receipt goes: the position as stored, to those who may see
 * every message (staff), and clamped to the last message a family may see,
 * to the family's members; *_rcpt empty when nothing moved for them. */
struct svc_receipt {
	int64_t stored, at;
	struct route_set staff_rcpt;
	int64_t family_upto;
	struct route_set family_rcpt;
};
/* Raises the read position.  A read that moves nothing writes nothing and
 * tells nobody (the reader still learns the stored position). */
int svc_read(struct store *s, const struct store_user *user, int64_t conv, int64_t upto,
             int64_t now, struct svc_receipt *out);
void svc_receipt_clear(struct svc_receipt *r);

/* ---- How far messages reached the family (delivery.c) ------------------------ */

struct svc_delivery {
	bool moved;              /* the position rose */
	struct delivery_pos pos; /* a family member's positions now, when moved */
	struct route_set staff;  /* who sees them (the `delivery` frame) */
};
/* A client confirms it got conv's messages up to upto (clamped to the last
 * one the user may see); device_id is the phone's (0: a staff browser).
 * Only a family member's rise is told to staff. */
int svc_delivered(struct store *s, const struct store_user *user, int64_t device_id, int64_t conv,
                  int64_t upto, int64_t now, struct svc_delivery *out);
/* A family member's positions in conv as stored, and the staff to tell
 * (after the sender recorded a notification). */
int svc_delivery_state(struct store *s, int64_t conv, int64_t user, struct svc_delivery *out);
void svc_delivery_clear(struct svc_delivery *d);

/* A page of messages, and the families whose data it discloses (staff
 * only; for svc_log_access before the page goes out). */
struct svc_page {
	struct msg_list msgs;
	bool more;
	int64_t *families;
	size_t n_families;
};
void svc_page_clear(struct svc_page *p);

/* Messages the user may see with id > after, ascending, at most limit. */
int svc_sync(struct store *s, const struct store_user *user, int64_t after, int limit,
             struct svc_page *out);

/* History of a conversation as the user may see it.  *family is set for the
 * access log (staff reads are logged by the caller with svc_log_access). */
int svc_history(struct store *s, const struct store_user *user, int64_t conv, int64_t before,
                int limit, struct msg_list *out, bool *more, int64_t *family);

/* ---- Provisioning (staff.c, team.c, family.c, handover.c) --------------------
 *
 * Administrators only (perm_can_administer); indgang-admin acts as the
 * console.  Passwords arrive hashed: hashing is slow and happens before
 * the transaction.  Names arrive checked (1..DOMAIN_NAME_MAX bytes).
 */

/* A staff (ROLE_ADVISER) or admin account; ERR_CONFLICT when the username
 * is taken. */
int svc_staff_create(struct store *s, const struct store_user *actor, enum role role,
                     const char *username, const char *name, const char *pw_hash, int64_t *id);
/* A new password, and every session of the account ended (*signed_out). */
int svc_staff_password(struct store *s, const struct store_user *actor, int64_t user,
                       const char *pw_hash, int64_t now, int64_t *signed_out);
/* Deactivating signs the account out everywhere (*signed_out). */
int svc_staff_set_active(struct store *s, const struct store_user *actor, int64_t user, bool active,
                         int64_t now, int64_t *signed_out);
int svc_team_create(struct store *s, const struct store_user *actor, const char *name, int64_t *id);
/* A team's response target in working minutes (0: none; at most
 * DOMAIN_ANSWER_MINUTES_MAX) and working week (workdays_parse() text, ""
 * or NULL: the default); ERR_BAD_REQUEST for either out of shape.  Its
 * waits are looked at again at once (team_answer.c). */
int svc_team_answer_set(struct store *s, const struct store_user *actor, int64_t team, int minutes,
                        const char *week, int64_t now);
/* Makes a staff member of the team one of its leaders, or no longer;
 * ERR_NOT_FOUND when they are not on its staff (team_leader.c). */
int svc_team_leader_set(struct store *s, const struct store_user *actor, int64_t team, int64_t user,
                        bool leader);
/* Puts an adviser on a team's staff; *added false when already there. */
int svc_team_add_staff(struct store *s, const struct store_user *actor, int64_t team, int64_t user,
                       bool *added);
/* A family with its pair (two active advisers on the team's staff) and its
 * default conversation. */
int svc_family_create(struct store *s, const struct store_user *actor, const char *name,
                      int64_t team, int64_t primary, int64_t secondary, int64_t now, int64_t *id,
                      int64_t *conv, const char **why);
/* A member of the family, in its default conversation. */
int svc_member_add(struct store *s, const struct store_user *actor, int64_t family,
                   const char *name, int64_t *id);
/* Hands the family over to a new pair (the same rule as at creation); the
 * history stays with the family and the "handover" row says who took over
 * from whom.  *changed false when the pair was already this one. */
/* An administrator or a leader of the family's team (issue 15); *notice the
 * system message telling the family its new adviser (id 0: none: the same
 * two swapped), for the caller to fan out and clear. */
int svc_pair_set(struct store *s, const struct store_user *actor, int64_t family, int64_t primary,
                 int64_t secondary, int64_t now, bool *changed, struct msg *notice,
                 const char **why);
/* The team's meeting about family held now (issue 15): the pair and the
 * team (those who read its log); CONV.met_at for staff. */
int svc_meeting_held(struct store *s, const struct store_user *actor, int64_t family, int64_t now);
/* Who sees message m as it is stored (for a system message's fan-out). */
int svc_audience(struct store *s, const struct msg *m, struct route_set *to);
/* A family member chooses its coordinator ("tovholder") among the pair
 * (issue 15; perm_can_choose_coordinator): adviser becomes the primary
 * (the other the secondary, the partner told first when the family waits,
 * escalate.c); a "coordinator" log row and a system message (*notice, id
 * 0 when adviser already was) tell the staff.  ERR_BAD_REQUEST when the
 * adviser is not one of the pair. */
int svc_coordinator_choose(struct store *s, const struct store_user *member, int64_t family,
                           int64_t adviser, int64_t now, struct msg *notice);

/* ---- The database itself (status.c) ----------------------------------------- */

/* A real write committed now (and fsynced): ERR_OK when the database and its
 * disk take writes (/healthz). */
int svc_health(struct store *s);
/* Figures for /metrics: the file's bytes, its WAL's, and its schema. */
void svc_db_figures(struct store *s, int64_t *db_bytes, int64_t *wal_bytes, int *schema_version);

/* ---- Web Push subscriptions (push.c) ---------------------------------------------- */

/* Registers a subscription for the sign-in tok (and its device): the
 * endpoint must be a push service's (core/push/endpoint.h); the same
 * endpoint again moves to this sign-in.  *id is its id. */
int svc_push_subscribe(struct store *s, const struct svc_policy *p, const struct store_user *user,
                       const struct store_token *tok, const char *endpoint, const char *p256dh,
                       const char *auth, const char *lang, int64_t now, int64_t *id,
                       const char **why);
/* Removes one of the user's subscriptions (ERR_NOT_FOUND: none of theirs). */
int svc_push_unsubscribe(struct store *s, const struct store_user *user, int64_t id);
/* What the user's own notifications may show; a family member's choice is
 * a "settings" row in the family's log. */
int svc_push_content(struct store *s, const struct store_user *user, enum push_content *out);
int svc_push_content_set(struct store *s, const struct store_user *user, enum push_content c,
                         int64_t now);

/* What became of one notification (core/notify), to be written by the writer. */
enum svc_push_result {
	PUSH_SENT = 1, /* the push service took it: the member's notified position rises, and
	                * the row goes, or waits until renotify_at for a newer message */
	PUSH_GONE,     /* 404/410: the subscription goes, and what waited for it */
	PUSH_RETRY,    /* try again at retry_at */
	PUSH_DROP,     /* given up, refused, or not needed (the person was reading) */
};
struct svc_push_outcome {
	enum svc_push_result result;
	int64_t id, message_id, sub_id, retry_at;
	int64_t conv_id, user_id; /* PUSH_SENT */
	int64_t family_id;        /* PUSH_SENT to a member of this family (0: staff); staff are
	                           * told, and its quiet hours hold for the next one */
	int64_t renotify_at;      /* PUSH_SENT: a newer message is told of no sooner (0: at once) */
	bool warning; /* a phone told its sign-in ends soon (id: the token's): PUSH_SENT marks it
	               * warned, PUSH_GONE drops the subscription, the rest leave it for the
	               * next look */
};
/* Writes them; *left counts the rows that stay due, because a message newer
 * than the one told of (or given up on) came meanwhile. */
int svc_push_record(struct store *s, const struct svc_push_outcome *v, size_t n, int64_t now,
                    size_t *left);

/* ---- Photos and documents on their way in (upload.c) ------------------------------ */

/* At most this many uploads of one person arriving at once, and waiting
 * to be sent (they go after a day: SVC_UNSENT_KEEP_MS), so one account
 * cannot fill the files' disk. */
#define SVC_UPLOADS_AT_ONCE 4
#define SVC_UPLOADS_UNSENT  50

/* An upload of size bytes begins (before a byte of it is read): family
 * members and staff, never an administrator (ERR_FORBIDDEN, logged);
 * ERR_TOO_LARGE over max; ERR_RATE_LIMITED with SVC_UPLOADS_AT_ONCE
 * arriving or SVC_UPLOADS_UNSENT not yet sent.  *id is its row, receiving until deadline. */
int svc_upload_open(struct store *s, const struct store_user *actor, int64_t size, int64_t max,
                    int64_t deadline, int64_t now, int64_t *id, const char **why);
/* All of upload id is stored: *a (its id, kind, mime, name and size set by
 * the caller from the bytes) is to be checked.  Only its owner's, while
 * receiving. */
int svc_upload_received(struct store *s, const struct store_user *actor, struct attachment *a);
/* Upload id is abandoned (refused after its bytes, or its sender went
 * away): its row goes. */
int svc_upload_drop(struct store *s, const struct store_user *actor, int64_t id);

/* ---- Checking uploads (attach_check.c, for core/scan) ----------------------------- */

/* The next upload due to be checked (ERR_NOT_FOUND: none), leased for
 * lease_ms: a checker killed half way leaves it due again after that. */
int svc_attach_claim(struct store *s, int64_t now, int64_t lease_ms, struct attachment *out);
/* When the earliest upload waiting to be checked is due (0: none). */
int svc_attach_next(struct store *s, int64_t *at);
/* The checks could not run (clamd away): try upload id again after wait_ms. */
int svc_attach_retry(struct store *s, int64_t id, int64_t now, int64_t wait_ms);

/* Uploads never sent go: those cut off while arriving, once past their
 * deadline, and those kept SVC_UNSENT_KEEP_MS.  Their spool files and the
 * stored files no other row names are for the caller to remove once
 * committed. */
#define SVC_UNSENT_KEEP_MS (24 * SVC_HOUR_MS)
#define SVC_EXPIRE_BATCH   64
struct svc_expired {
	int64_t ids[SVC_EXPIRE_BATCH];
	size_t n;
	char unused[2 * SVC_EXPIRE_BATCH][65]; /* stored files no row names now */
	size_t n_unused;
};
int svc_attach_expire(struct store *s, int64_t now, struct svc_expired *out);
/* Files of deleted messages (issue 16; files_gone.c): those noted, and of
 * them those no row names any more (to remove from the disk); then the
 * notes dropped once the files are gone. */
struct svc_files_gone {
	char noted[SVC_EXPIRE_BATCH][65], unused[SVC_EXPIRE_BATCH][65];
	size_t n_noted, n_unused;
};
int svc_files_gone(struct store *s, struct svc_files_gone *out);
int svc_files_gone_done(struct store *s, const struct svc_files_gone *done);

/* Who learns what became of an upload, and the frame that tells them. */
struct svc_attach_told {
	struct route_set to;
	char *frame; /* {"type":"attachment",...}, malloc'd */
};
void svc_attach_told_clear(struct svc_attach_told *t);
/* Records a->state (ready or rejected, with what the checks made of it).
 * A rejection for malware (malware: the signature, for the log) is logged
 * in the family's contact log.  *told: the sender's devices always, and
 * everyone who may see the message it is in; for malware sent by a family
 * member, the family's pair too. */
int svc_attach_checked(struct store *s, const struct attachment *a, const char *malware,
                       int64_t now, struct svc_attach_told *told);

/* ---- Fetching photos and documents (attach_fetch.c) ------------------------------ */

/* Upload id for actor to fetch: its sender's always, otherwise whoever may
 * see the message it is in (access-logged for staff); ERR_NOT_FOUND for
 * anyone else (logged).  ERR_CONFLICT while it is being checked, ERR_GONE
 * when it was rejected. */
int svc_attach_fetch(struct store *s, const struct store_user *actor, int64_t id, int64_t now,
                     struct attachment *out);

/* ---- A family member's SMS settings (member_sms.c) --------------------------------- */

/* Member's number, channel and consent: for the member, the family's pair
 * and team (access-logged) and an administrator; others ERR_NOT_FOUND. */
int svc_member_sms(struct store *s, const struct store_user *actor, int64_t member, int64_t now,
                   struct member_sms *out);
/* What to change; each part left as it is when not given. */
struct svc_sms_change {
	const char *phone;        /* as typed (core/sms/phone.h); "" removes it; NULL keeps it */
	enum sms_channel channel; /* 0 keeps it */
	int consent; /* 1: full text by SMS agreed now, recorded as by actor; 0: withdrawn; -1 */
	bool resume; /* SMS on again after the number sent STOP */
};
/* Changes them: the pair or an administrator anything, the member the
 * channel and the consent (ERR_FORBIDDEN for the number).  A new number
 * drops the consent (it was given for the old one); SMS needs a number and
 * consent needs one (ERR_BAD_REQUEST); ERR_CONFLICT when another member has
 * the number.  A "settings" row in the family's log says what changed, the
 * number masked.  *out: the settings after. */
int svc_member_sms_set(struct store *s, const struct store_user *actor, int64_t member,
                       const struct svc_sms_change *chg, int64_t now, struct member_sms *out,
                       const char **why);

/* An SMS that reached the SMS gateway (Kannel) from `from` (as the operator
 * gives it: "+4522345678", "4522345678"), its text in UTF-8, and Kannel's id
 * for it.  From a family member's number it becomes a message from them in
 * the family's default conversation (client_id "sms-ID": the same SMS
 * delivered again is stored once) and *out is as svc_send()'s; STOP (or
 * STOPP, AFMELD) ends SMS to the number (sms_stopped_at) instead.  From an
 * unknown number nothing is stored but an "sms" row in the log, the number
 * masked (out->msg.id 0).  ERR_BAD_REQUEST for a sender that is no number. */
int svc_sms_received(struct store *s, const char *from, const char *text, const char *sms_id,
                     int64_t now, struct svc_sent *out);

/* ---- SMS out, through the SMS gateway (sms_out.c) ------------------------------- */

/* How SMS are written: the address in a notice (the family app), and
 * whether the municipality lets full text go by SMS at all. */
struct svc_sms_policy {
	const char *link;
	bool full_text;
	int64_t unsure_ms;   /* a claimed SMS nothing was heard of is due again after this */
	int64_t ttl_ms;      /* an SMS not handed over within this fails */
	int64_t fallback_ms; /* a member push reaches gets a fallback notice this long after */
};

/* One SMS being sent: claimed for the sender, then what became of it. */
struct svc_sms {
	struct sms_status st; /* st.state: what the sender found (SMS_FAILED: not to be sent) */
	char phone[17];
	char *text;  /* owned: what the phone gets */
	bool unsure; /* it was being handed over when the gateway stopped */
	/* the sender's outcome: SMS_ACCEPTED, SMS_QUEUED (again at retry_at), SMS_FAILED or
	 * SMS_CANCELLED (a fallback notice not needed) */
	enum sms_state result;
	int64_t retry_at;
	char detail[96];
	bool told; /* recorded: the staff are to see its new state */
};
struct svc_sms_batch {
	struct svc_sms *v;
	size_t n;
	int64_t next_at; /* when the next one not yet due is (0: none) */
	int64_t waiting; /* how many wait to be handed over, these too */
};
/* Up to max SMS due at now, each marked as being handed over (due again
 * after p->unsure_ms unless recorded), with its text made now: the rule of
 * perm_sms_full_text() on the member's settings as they are.  One that must
 * not go (a STOP since, no number, too old) comes with st.state SMS_FAILED
 * and is not to be handed over.  The writer runs it. */
int svc_sms_claim(struct store *s, const struct svc_sms_policy *p, int64_t now, size_t max,
                  struct svc_sms_batch *out);
/* Records the sender's outcomes; a failed SMS to a member reached only by
 * SMS writes an "sms" row for the pair. */
int svc_sms_record(struct store *s, struct svc_sms_batch *b, int64_t now);
void svc_sms_batch_clear(struct svc_sms_batch *b);

/* A delivery report from the SMS gateway for SMS id: Kannel's type (1
 * delivered, 2 failed, 4 buffered, 8 accepted by the operator, 16 refused
 * by it).  *st is the SMS's state after it, *moved whether it changed, and
 * *staff who see it (the conversation's staff). */
int svc_sms_report(struct store *s, int64_t id, int type, const char *answer, int64_t now,
                   struct sms_status *st, bool *moved, struct route_set *staff);
/* The staff who see an SMS of conv. */
int svc_sms_staff(struct store *s, int64_t conv, struct route_set *staff);
/* conv's SMS before `before` (0: the newest), for its pair and team;
 * ERR_NOT_FOUND/ERR_FORBIDDEN (logged) for anyone else.  full_text_allowed:
 * the municipality's switch. */
int svc_sms_list(struct store *s, const struct store_user *actor, int64_t conv, int64_t before,
                 bool full_text_allowed, int64_t now, struct sms_view *out);

/* ---- Quiet hours (quiet.c) -------------------------------------------------------- */

/* The family's quiet hours, minutes after midnight in Danish time: for the
 * family, its pair and its team. */
int svc_quiet_hours(struct store *s, const struct store_user *actor, int64_t family, int *start,
                    int *end);
/* Sets them (the family and its pair; a "settings" row says who and what);
 * start == end means none. */
int svc_quiet_hours_set(struct store *s, const struct store_user *actor, int64_t family, int start,
                        int end, int64_t now);

/* ---- Reading the logs (log.c) ------------------------------------------------- */

/* The read of a family's contact log (or its access log) as the log records
 * it: checked (a refusal is logged "denied") and one "access" row with
 * `what`, before anything is shown. */
int svc_log_open(struct store *s, const struct store_user *actor, int64_t family, bool access_log,
                 const char *what, int64_t now);
/* A page of the contact log (r->family, period, cursor, end, limit); checked
 * again, without a row. */
int svc_log_page(struct store *s, const struct store_user *actor, const struct store_log_range *r,
                 struct log_list *out);
/* A page of the access log, row by row to fn (store_admin.h); checked
 * again, without a row. */
int svc_access_log_page(struct store *s, const struct store_user *actor,
                        const struct store_log_range *r, store_admin_access_fn fn, void *ctx);
/* The newest row of the contact log now: where an export ends, so that it
 * is the log of one moment (0 when the log is empty). */
int svc_log_end(struct store *s, int64_t *last_id);

/* ---- The contact log (check.c) --------------------------------------------- */

/* Logs that staff opened a family's data ("access"); family members' own
 * reads are not logged.  what: "history", "sync", "log", ... */
int svc_log_access(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what);
/* Logs a refused attempt ("denied"). */
int svc_log_denied(struct store *s, const struct store_user *user, int64_t family, int64_t conv,
                   int64_t now, const char *what);

/* ---- Records (issue 16) ------------------------------------------------------------ */

/* A family's case record as the pair, the team or an administrator sees it
 * (perm_can_see_record): the record, and what the retention rules make of
 * it under policy at now (what waits, why, and when each step is due). */
struct svc_record {
	struct case_record r;
	struct retention_plan plan;
	int64_t due[RETAIN__COUNT]; /* 0 while open */
};
int svc_record_get(struct store *s, const struct store_user *actor, int64_t family,
                   const struct retention_policy *policy, int64_t now, struct svc_record *out);
/* The pair or a leader of the family's team closes its case (reason may
 * be ""): it takes no new message (perm_case_takes), waits for no answer,
 * and the retention clock starts; a "closed" row.  ERR_CONFLICT when
 * closed already. */
int svc_case_close(struct store *s, const struct store_user *actor, int64_t family,
                   const char *reason, int64_t now);
/* Likewise reopened: the clock stops, what was deleted stays deleted; a
 * "reopened" row.  ERR_CONFLICT when open. */
int svc_case_reopen(struct store *s, const struct store_user *actor, int64_t family, int64_t now);
/* The family's coordinator (its primary adviser) or a leader of its team
 * confirms that the case file has the export of the family's log and
 * messages up to upto (the journal document); a "filed" row.  Deletion
 * never reaches past it.  ERR_BAD_REQUEST for a time in the future,
 * ERR_CONFLICT for one before what was confirmed already. */
int svc_case_filed(struct store *s, const struct store_user *actor, int64_t family, int64_t upto,
                   int64_t now);
/* An administrator puts the family's data under a legal hold (nothing is
 * deleted while it lasts) or lifts it, each with a reason; "hold" and
 * "hold_lifted" rows.  Lifting a hold that is not there: ERR_CONFLICT. */
int svc_hold_set(struct store *s, const struct store_user *actor, int64_t family,
                 const char *reason, int64_t now);
int svc_hold_lift(struct store *s, const struct store_user *actor, int64_t family,
                  const char *reason, int64_t now);

/* A member's request for erasure (art. 17) or restriction (art. 18), as
 * the pair or a team leader records it (request_record.c): r->family,
 * r->member, r->kind, r->received_at (not in the future), r->note; sets
 * r->id.  ERR_BAD_REQUEST for someone not a member of the family. */
int svc_request_record(struct store *s, const struct store_user *actor, struct data_request *r,
                       int64_t now);
/* Answered (request_answer.c): in->id, in->decision ("granted", "partly",
 * "refused"), in->answer (the reasons, required); *in becomes the request
 * as answered.  A granted erasure reaches as far as the case file has the
 * export (ERR_CONFLICT when nothing is filed yet); a granted restriction is
 * a legal hold.  ERR_CONFLICT when answered already. */
int svc_request_answer(struct store *s, const struct store_user *actor, struct data_request *in,
                       int64_t now);
/* The family's newest requests (requests.c), at most REQUESTS_LISTED in v. */
int svc_requests(struct store *s, const struct store_user *actor, int64_t family, int64_t now,
                 struct data_request *v, size_t *n);

/* One turn of the retention rules, on the writer: the first family whose
 * record is due gets its next step, at most max rows of it (a batch in the
 * writer's rhythm; the family stays due until the step is done).  A step
 * done leaves its tombstone, a "deleted" row with what and how many under
 * which rule, never the content. */
struct svc_retained {
	int64_t family;  /* 0: none was due */
	int64_t request; /* a granted erasure worked on instead of a step (0: none) */
	enum retention_step step;
	bool finished; /* the step (or the erasure) is done */
	int64_t rows;
};
int svc_retention_run(struct store *s, const struct retention_policy *policy, int64_t now, int max,
                      struct svc_retained *out);
/* When the next record is due (0: none). */
int svc_retention_next(struct store *s, int64_t *at);
/* Dead sign-ins, used or expired invitations and SMS long handed over go
 * (at most max of each a turn), with one tombstone for what went. */
int svc_retention_sweep(struct store *s, const struct retention_policy *policy, int64_t now,
                        int max, struct sweep_count *out);

/* ---- A family member's own view (issue 16) ---------------------------------------- */

/* One read of the family's data as the member sees it (my_access.c): who
 * (role; name only when the municipality shows names), when, of what
 * ("conversation", "log", "access_log", "phones", "phone_number", "other"). */
struct svc_seen {
	int64_t id, at;
	const char *kind; /* "access", or "denied": a refused attempt */
	enum role role;
	const char *name; /* NULL: role only */
	const char *seen;
};
typedef int (*svc_seen_fn)(void *ctx, const struct svc_seen *row);
/* Up to limit rows of the access log after after, less those of
 * conversations the member is not in; *last_read the last row read (the
 * next page's after), *more when there may be more.  Members only. */
int svc_my_access_page(struct store *s, const struct store_user *member, int64_t after, int limit,
                       bool names, svc_seen_fn fn, void *ctx, int64_t *last_read, bool *more);

/* A member's own data (my_data.c): opened (an "export" row in the log) with
 * who they are, how they are reached, their phones and conversations;
 * then their messages a page at a time (svc_sync) and their own log rows. */
struct svc_my_profile {
	struct store_user me;
	char family[DOMAIN_NAME_MAX + 1];
	struct member_sms sms;
	int quiet_start, quiet_end;
	struct device_list phones;
	struct conv_list convs;
};
int svc_my_data_open(struct store *s, const struct store_user *member, int64_t now,
                     struct svc_my_profile *out);
void svc_my_profile_clear(struct svc_my_profile *p);
int svc_my_log_page(struct store *s, const struct store_user *member, int64_t after, int limit,
                    struct log_list *out);

#endif
