/*
 * service_int.h - what the operations of core/service/ share: finding the
 * actor's relation to a family or conversation, and refusing in one way.
 */
#ifndef INDGANG_SERVICE_INT_H
#define INDGANG_SERVICE_INT_H

#include "service.h"

#include "../common/err.h"
#include "../perm/perm.h"
#include "../store/store_admin.h"

/* The relation of actor to family (and conv when > 0); REL_NONE when the
 * family does not exist. */
int svc_family_relation(struct store *s, const struct store_user *actor, int64_t family,
                        int64_t conv, enum perm_rel *rel);

/* ERR_OK when allowed; else logs "denied" (what) and returns
 * perm_refusal(rel), which answers "no such thing" and "not yours" alike
 * (with conv 0, a refusal about the family: forbidden to anyone related to
 * it, who knows it exists). */
int svc_refuse_unless(struct store *s, const struct store_user *actor, bool allowed,
                      enum perm_rel rel, int64_t family, int64_t conv, int64_t now,
                      const char *what);

/* The error for a refused action on the family itself: not_found to those
 * who may not know it exists, forbidden to anyone related to it. */
int svc_family_refusal(enum perm_rel rel);

/* An administrator may act on the family's legal hold with a reason
 * (non-empty, RECORD_REASON_MAX at most) (hold_set.c). */
int svc_hold_check(struct store *s, const struct store_user *actor, int64_t family,
                   const char *reason, int64_t now, const char *what);
/* ERR_OK when the family's case takes a message of kind now, ERR_CLOSED
 * when it is closed (issue 16: perm_case_takes; send.c). */
int svc_case_takes(struct store *s, int64_t family, enum msg_kind kind);
/* The retention rules' view of a family's record (case_record.c). */
void svc_retention_facts(const struct case_record *r, struct retention_facts *f);
/* The actor's relation to family, refused (and logged as what) unless
 * allowed(rel, leads: the actor leads the family's team, coordinator: is
 * its primary adviser) (case_close.c). */
int svc_record_check(struct store *s, const struct store_user *actor, int64_t family, int64_t now,
                     bool (*allowed)(enum perm_rel rel, bool leads, bool coordinator),
                     const char *what);

/* A conversation action: the relation to conv, checked with allowed(rel,
 * arg); *family is set for the log.  A conversation that does not exist is
 * ERR_NOT_FOUND, like one the actor may not know of. */
/* waiting.c: out becomes the conversation's waiting state now, changed,
 * to be told to its staff. */
int svc_waiting_tell(struct store *s, int64_t conv, struct svc_waiting *out);
/* The user's own message id (*out, its body the caller's to clear), still
 * theirs to correct or withdraw at now: another's, or one they may no
 * longer send, is refused and logged as what; too late or withdrawn
 * already, ERR_CONFLICT. */
int svc_check_own_message(struct store *s, const struct store_user *user, int64_t id, int64_t now,
                          const char *what, struct msg *out);
/* template_save.c: ERR_OK when user keeps team's templates, else
 * ERR_NOT_FOUND (another team's are not theirs to know of). */
int svc_template_team_check(struct store *s, const struct store_user *user, int64_t team);
/* mention.c: the colleagues a note names ("@bo") who may read it there
 * are notified (notifications queued added to *queued). */
int svc_mentions_notify(struct store *s, const struct msg *m, int64_t now, size_t *queued);
/* correct.c: out becomes message id as it is now, and who sees it. */
int svc_changed_tell(struct store *s, int64_t id, struct svc_changed *out);
int svc_check_conv(struct store *s, const struct store_user *actor, int64_t conv, int64_t now,
                   bool (*allowed)(enum perm_rel, int), int arg, const char *what, int64_t *family);

/* The password check of a sign-in (login.c), for svc_login and svc_unlock:
 * counts the attempt on the login throttle first (ERR_RATE_LIMITED), then
 * ERR_OK and *user when username is an active staff or admin account and
 * password is its own, else ERR_UNAUTHORIZED at the cost of one hash, with
 * the one refusal every wrong password gets in *why. */
int svc_password_check(struct store *s, struct auth_throttle *t, const char *username,
                       const char *password, const char *addr, int64_t now, struct store_user *user,
                       const char **why);
/* A sign-in that locks when it goes idle, rather than ending (unlock.c): a
 * password's (a staff or admin account in a browser), never a phone's. */
bool svc_lockable(const struct store_user *user, const struct store_token *tok);

/* ERR_OK when actor may administer (staff.c). */
int svc_check_admin(const struct store_user *actor);
/* The pair rule (family.c): *why says what is wrong. */
int svc_check_pair(struct store *s, int64_t team, int64_t primary, int64_t secondary,
                   const char **why);

/* Whether the family may have one more restricted conversation (conv_cap.c):
 * ERR_CONFLICT (with *why, a sentence for the caller) once it has
 * DOMAIN_RESTRICTED_CONVS_MAX.  Called inside the transaction that creates
 * the conversation, so two creations at once cannot both pass. */
int svc_conv_cap_check(struct store *s, int64_t family, const char **why);

/* A system message in the family's default conversation, from `about` (the
 * member or adviser it concerns), under a client_id that makes it once only. */
/* Tells everyone to be told of the new message sent->msg (route_push()),
 * after the family's quiet hours for its members: a notification per
 * subscription, and an SMS to a member reached by SMS; counts them in
 * sent->pushes and sent->sms (send.c). */
int svc_tell_away(struct store *s, const struct user_ref *sender, struct svc_sent *sent,
                  int64_t now);
/* A notification of m for each subscription of the users `to`, due at
 * `after` (push.c). */
int svc_push_queue(struct store *s, const struct route_set *to, const struct msg *m, int64_t after,
                   size_t *queued);
/* An SMS of m for those of `to` who are reached by SMS only (sms_out.c). */
int svc_sms_message(struct store *s, const struct route_set *to, const struct msg *m, int64_t after,
                    size_t *queued);
/* m (as it is now) was corrected or withdrawn: every member it reached by
 * SMS with its text gets an SMS saying so (the new text, or that it was
 * taken back), each counted in *queued. */
int svc_sms_changed(struct store *s, const struct msg *m, int64_t now, size_t *queued);
int svc_system_message(struct store *s, int64_t family, const struct store_user *about,
                       const char *client_id, const char *body, int64_t now, struct msg *out);

/* The device and its owner, if actor may manage it (its owner, the pair of
 * the owner's family, an administrator; perm_can_revoke_device()); else the
 * refusal, logged as what. */
int svc_device_check(struct store *s, const struct store_user *actor, int64_t device, int64_t now,
                     const char *what, struct store_device *dev, struct store_user *owner);

#endif
