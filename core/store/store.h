/*
 * store.h - Indgang's storage on SQLite: the only place that speaks SQL.
 *
 * One struct store is one SQLite connection with its prepared statements; it
 * is used by one thread at a time.  The gateway keeps one for the event loop
 * (reads), one for the writer thread (group commits) and one per HTTP worker.
 * The file is in WAL mode with synchronous=FULL and foreign keys on; the
 * schema is migrated with PRAGMA user_version when opened.
 *
 * All functions return ERR_OK or an ERR_* (core/common/err.h).  A full disk or
 * failing I/O is ERR_UNAVAILABLE; a constraint hit is ERR_CONFLICT.
 * Times are milliseconds since the Unix epoch.
 */
#ifndef INDGANG_STORE_H
#define INDGANG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../domain/domain.h"
#include "../perm/perm.h"

struct store;

#define STORE_SCHEMA_VERSION 26

/* Open (creating and migrating) the database at path (":memory:" works). */
int store_open(const char *path, struct store **out);
void store_close(struct store *s);
/* The last SQLite error message of this connection, for logs. */
const char *store_errmsg(struct store *s);
/* PRAGMA user_version of the open database. */
int store_schema_version(struct store *s);

/* Transactions.  store_begin takes the write lock at once (BEGIN IMMEDIATE). */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* True when the last failed store_begin/store_commit (else the connection's
 * last statement) failed on an I/O error or corruption: after a failed fsync
 * the file's state is unknown and a retry can lie, so the caller must stop
 * acknowledging writes. */
bool store_failed_io(struct store *s);
/* True when it failed because the disk (or the file's size limit) is full:
 * nothing was committed, and the same write can succeed once there is room. */
bool store_disk_full(struct store *s);
/* False once SQLite has rolled the open transaction back by itself (it may,
 * after SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM inside a statement). */
bool store_in_transaction(struct store *s);
/* Rows changed on this connection since it opened (a batch that changed
 * none proves nothing about the disk). */
int64_t store_total_changes(struct store *s);

/* Checkpoints (copying the WAL into the database file, with an fsync) no
 * longer run by themselves inside this connection's commits but when the
 * caller runs store_checkpoint(), which reports their errors;
 * store_wal_pages() tells how many pages the WAL held after the last commit
 * here. */
void store_defer_checkpoints(struct store *s);
int store_wal_pages(const struct store *s);
/* A PASSIVE checkpoint: copies what it can without waiting for readers.
 * ERR_OK, or an error with *io_error set when the disk failed. */
int store_checkpoint(struct store *s, bool *io_error);
/* A TRUNCATE checkpoint that waits for nobody: ERR_OK when the WAL was
 * copied and cut to 0 bytes; an error (a reader is in it) otherwise. */
int store_checkpoint_truncate(struct store *s, bool *io_error);
/* Gives up to pages free pages back to the file system (a database made
 * with auto_vacuum INCREMENTAL; others keep them for reuse); *left: the
 * free pages still in the file. */
int store_vacuum_step(struct store *s, int pages, int64_t *left);

/* Savepoints inside a transaction: one per job of a group commit, so one
 * job's failure does not undo the others. */
int store_savepoint(struct store *s);
int store_release(struct store *s);
void store_rollback_to(struct store *s);
/* A write probe for /healthz: one small committed write (and fsync); ERR_OK
 * when the database and its disk take writes. */
int store_health(struct store *s);

/* ---- Accounts ---------------------------------------------------------- */

struct store_user {
	struct user_ref ref; /* id, name, role */
	int64_t family_id;   /* role family: the family; else 0 */
	bool active;
	char username[DOMAIN_NAME_MAX + 1]; /* staff and admins; "" for members */
};

int store_user_get(struct store *s, int64_t id, struct store_user *out);
/* Looks up a staff/admin account; pw_hash receives the stored PHC string. */
int store_user_by_username(struct store *s, const char *username, struct store_user *out,
                           char *pw_hash, size_t pw_cap);
/* Creates a staff (adviser) or admin account. ERR_CONFLICT if the username is taken. */
int store_staff_create(struct store *s, enum role role, const char *username, const char *name,
                       const char *pw_hash, int64_t *id);
int store_staff_set_password(struct store *s, int64_t user_id, const char *pw_hash);
int store_user_set_active(struct store *s, int64_t user_id, bool active);

/* ---- Tokens, devices, invites ------------------------------------------ */

struct store_token {
	int64_t id;
	int64_t user_id;
	int64_t device_id; /* 0 for staff sessions */
	int64_t expires_at;
	int64_t last_used_at; /* kept coarsely: see auth_session_touch_due() */
	int64_t idle_ms;      /* 0: no idle limit */
	int ended;            /* enum auth_session_end when a lookup refused it for time */
};

/* A token without an idle limit. */
int store_token_insert(struct store *s, const uint8_t hash[32], int64_t user_id, int64_t device_id,
                       int64_t now, int64_t expires_at, int64_t *id);
/* A token that also ends idle_ms after its last use (0: never for idleness). */
int store_token_issue(struct store *s, const uint8_t hash[32], int64_t user_id, int64_t device_id,
                      int64_t now, int64_t expires_at, int64_t idle_ms, int64_t *id);
/* ERR_UNAUTHORIZED when unknown, revoked, expired, idle too long, or its user
 * is inactive; for expired and idle, out is filled and out->ended says which. */
int store_token_lookup(struct store *s, const uint8_t hash[32], int64_t now,
                       struct store_token *out);
/* The same checks as store_token_lookup, by the token's id. */
int store_token_recheck(struct store *s, int64_t token_id, int64_t now, struct store_token *out);
/* Records use of the token at `at` (never moves last use backwards). */
/* The sign-in was used at at; a phone's (device) sign-in then lives at
 * least slide_ms from at (0: no sliding). */
int store_token_touch(struct store *s, int64_t token_id, int64_t at, int64_t slide_ms);
int store_token_revoke(struct store *s, int64_t token_id, int64_t now);

struct store_device {
	int64_t id;
	int64_t user_id;
	char name[DOMAIN_NAME_MAX + 1];
	int64_t created_at;
	int64_t revoked_at; /* 0: active */
};

int store_device_insert(struct store *s, int64_t user_id, const char *name, int64_t now,
                        int64_t *id);
int store_device_get(struct store *s, int64_t id, struct store_device *out);
/* Every device enrolled by a member of the family, revoked ones included. */
int store_family_devices(struct store *s, int64_t family_id, struct device_list *out);
/* Revokes the device and every token issued to it. */
int store_device_revoke(struct store *s, int64_t id, int64_t now);
int store_device_rename(struct store *s, int64_t id, const char *name);

/* Invites are found by the hash of their code (auth_invite_hash()). */
int store_invite_insert(struct store *s, const char *code_hash, int64_t member_id,
                        int64_t created_by, int64_t now, int64_t expires_at);
/* Marks the code used; *created_by is who made it (0: unknown).  Unknown:
 * ERR_UNAUTHORIZED; used or expired: ERR_GONE. */
int store_invite_consume(struct store *s, const char *code_hash, int64_t now, int64_t *member_id,
                         int64_t *created_by);
/* How many devices of the member are not revoked. */
int store_member_live_devices(struct store *s, int64_t member_id, int64_t *n);

/* ---- Teams, families, conversations ------------------------------------ */

int store_team_create(struct store *s, const char *name, int64_t *id);
int store_team_by_name(struct store *s, const char *name, int64_t *id);
int store_team_add_staff(struct store *s, int64_t team_id, int64_t user_id);

/* Creates the family and its default conversation (all members). */
int store_family_create(struct store *s, const char *name, int64_t team_id, int64_t primary_id,
                        int64_t secondary_id, int64_t now, int64_t *id, int64_t *conv_id);
/* Adds a member (a user of role family) and puts them in the default conversation. */
int store_family_add_member(struct store *s, int64_t family_id, const char *name, int64_t *id);
/* Hands the family over to a new pair; history stays with the family. */
/* The family's team and pair; ERR_NOT_FOUND without such a family. */
int store_family_pair(struct store *s, int64_t family_id, int64_t *team_id, int64_t *primary_id,
                      int64_t *secondary_id);
int store_family_set_pair(struct store *s, int64_t family_id, int64_t primary_id,
                          int64_t secondary_id);
/* The family's default conversation (every member takes part). */
int store_family_default_conv(struct store *s, int64_t family_id, int64_t *conv_id);
int store_family_name(struct store *s, int64_t family_id, char name[DOMAIN_NAME_MAX + 1]);

/* A restricted conversation of the family with the given members (role family). */
int store_conv_create(struct store *s, int64_t family_id, const char *title, const int64_t *members,
                      size_t n_members, int64_t now, int64_t *conv_id);
/* How many restricted conversations the family has (its default one not
 * counted); see svc_conv_cap_check(). */
int store_conv_count_restricted(struct store *s, int64_t family_id, int64_t *n);
/* The family a conversation belongs to; ERR_NOT_FOUND if none. */
int store_conv_family(struct store *s, int64_t conv_id, int64_t *family_id);

/* ---- Permission facts and routing -------------------------------------- */

/* Facts about user against family (and conv, when conv_id > 0). */
int store_facts(struct store *s, int64_t user_id, int64_t family_id, int64_t conv_id,
                struct perm_facts *out);

/* One user who could receive messages of a conversation, with the facts perm needs. */
struct audience_member {
	int64_t user_id;
	struct perm_facts facts;
};

/* Everyone who could receive a message in conv: its participants, the
 * family's pair and its team.  The route module filters by perm.
 * Caller frees *out with free(). */
int store_conv_audience(struct store *s, int64_t conv_id, struct audience_member **out, size_t *n);
/* The facts of user about conv (*found false when the store has none: no
 * relation) and the conversation's family; ERR_NOT_FOUND without such a
 * conversation.  Served from the kept audiences when the user is in one. */
int store_conv_user_facts(struct store *s, int64_t user_id, int64_t conv_id, int64_t *family,
                          struct perm_facts *facts, bool *found);
/* Keeps audiences in memory on this connection (store_cache.c says when
 * they are forgotten).  For a connection that changes users, families,
 * teams and conversations only through the statement table or one-off
 * statements, as everything in core/store does. */
int store_cache_enable(struct store *s);

/* ---- Messages ------------------------------------------------------------ */

/* The message a sender already stored under client_id; ERR_NOT_FOUND if none. */
int store_message_get(struct store *s, int64_t id, struct msg *out);
int store_message_by_client_id(struct store *s, int64_t sender_id, const char *client_id,
                               struct msg *out);
/* Inserts the message into conv (of family_id: the foreign keys refuse a
 * conversation that does not exist); fills out as stored. */
int store_message_insert(struct store *s, int64_t conv_id, int64_t family_id,
                         const struct user_ref *sender, enum msg_kind kind, const char *body,
                         const char *client_id, int64_t now, struct msg *out);
/* Messages the user may see with id > after, ascending, at most limit. */
int store_sync(struct store *s, const struct store_user *u, int64_t after, int limit,
               struct msg_list *out, bool *more);
/* The newest limit messages of conv with id < before (0: none), ascending,
 * filtered to what the user may see.  The caller has checked the relation. */
int store_history(struct store *s, int64_t conv_id, bool include_notes, int64_t before, int limit,
                  struct msg_list *out, bool *more);
/* Highest message id the user may see (0 when none). */
int store_last_visible_id(struct store *s, const struct store_user *u, int64_t *id);
/* Every conversation the user may see, with members and counters. */
int store_user_conversations(struct store *s, const struct store_user *u, int64_t now,
                             struct conv_list *out);
/* store_waiting.c: the conversation's newest message (out->id 0: none),
 * notes too when notes; and its "needs an answer" columns, kept by
 * core/service/waiting.c: started (waiting_from 0 before) or not, and
 * answered (all of w written). */
int store_conv_last_msg(struct store *s, int64_t conv_id, bool notes, struct conv_last *out);
int store_waiting_get(struct store *s, int64_t conv_id, struct conv_waiting *out);
int store_waiting_start(struct store *s, int64_t conv_id, int64_t from, int64_t since,
                        bool *started);
int store_waiting_answer(struct store *s, int64_t conv_id, const struct conv_waiting *w);
/* Waits to look at for escalation (issue 15): when the next is due (0:
 * none), those due at now (oldest first, at most max), and what the look
 * decided (its level, when to look again: 0 never). */
struct escalate_row {
	int64_t conv, family, team, from, since;
	int escalated;      /* 0 none yet, 1 the partner told, 2 the leaders */
	int answer_minutes; /* the team's target in working minutes; 0: none */
	char week[160];     /* the team's working week (workdays_parse); "": default */
	int64_t primary, secondary;
};
int store_escalate_next(struct store *s, int64_t *at);
int store_escalate_due(struct store *s, int64_t now, int max, struct escalate_row *v, int *n);
int store_escalate_set(struct store *s, int64_t conv_id, int level, int64_t next_at);
/* A team's response target and week (NULL week: kept), its leaders, and
 * every wait of its families due for a look at now. */
int store_team_answer_set(struct store *s, int64_t team, int minutes, const char *week);
int store_team_leader_set(struct store *s, int64_t team, int64_t user, bool leader);
int store_team_escalate_again(struct store *s, int64_t team, int64_t now);
/* store_absence.c: the absences of a family's pair not over at now (at
 * most 2, the primary's first); an adviser's absence set (replacing any)
 * or cleared. */
int store_family_away(struct store *s, int64_t family, int64_t now, struct absence *v, int *n);
int store_absence_set(struct store *s, const struct absence *a, int64_t now);
int store_absence_clear(struct store *s, int64_t user, bool *cleared);
/* The user's absence not over at now (out->user.id 0: none). */
int store_absence_get(struct store *s, int64_t user, int64_t now, struct absence *out);
/* A contact-log row of kind for each family whose pair actor is in. */
int store_log_pair_families(struct store *s, int64_t at, const char *kind, int64_t actor,
                            const char *detail);
/* A message's text changed (withdrawn: no longer meant), the text before
 * kept in message_versions (change "edit" or "withdraw"). */
int store_message_change(struct store *s, int64_t id, const char *body, bool withdrawn, int64_t at);
/* store_templates.c: the templates of the teams user is on (at most
 * DOMAIN_TEMPLATES_MAX * 4), one by id, how many a team has; one written
 * (t->id 0: added, its id set), one removed. */
int store_templates_of(struct store *s, int64_t user, struct template_list *out);
int store_template_get(struct store *s, int64_t id, struct template *out);
int store_template_count(struct store *s, int64_t team, int64_t *n);
int store_template_put(struct store *s, struct template *t);
int store_template_delete(struct store *s, int64_t id);
/* The teams user is on (at most DOMAIN_TEAMS_MAX), by name. */
int store_user_teams(struct store *s, int64_t user, struct team_ref *v, int *n);
/* A team's active staff into t->staff (malloc'd, at most
 * DOMAIN_TEAM_STAFF_MAX), by name. */
int store_team_staff(struct store *s, struct team_ref *t);
/* The team held its meeting about family at `at` (issue 15). */
int store_family_met(struct store *s, int64_t family, int64_t at);
/* Whether user leads the team of family (team_staff.leader). */
int store_leads_family(struct store *s, int64_t user, int64_t family, bool *yes);
/* The active leaders of a team (at most max). */
int store_team_leaders(struct store *s, int64_t team_id, int64_t *ids, int max, int *n);
/* The first text a family member wrote in conv_id after message after
 * (*id 0: none). */
int store_waiting_next(struct store *s, int64_t conv_id, int64_t after, int64_t *id, int64_t *at);
/* The user's unread messages over every conversation they may see: the
 * sum of CONV.unread (0 for an administrator). */
int store_user_unread(struct store *s, const struct store_user *u, int64_t *n);
/* One conversation as the user sees it. */
int store_conversation(struct store *s, const struct store_user *u, int64_t conv_id, int64_t now,
                       struct conv *out);

/* The highest message id of conv, notes included or not (0 when empty). */
int store_conv_last_id(struct store *s, int64_t conv_id, bool include_notes, int64_t *last);

/* ---- Read positions -------------------------------------------------------- */

/* Raises the user's read position in conv to upto (never lowers it);
 * *stored is the resulting position, *at when it was set, *moved whether
 * this call raised it. */
int store_read_set(struct store *s, int64_t conv_id, int64_t user_id, int64_t upto, int64_t now,
                   int64_t *stored, int64_t *at, bool *moved);
/* The user's read position in conv (0 when none). */
int store_read_position(struct store *s, int64_t conv_id, int64_t user_id, int64_t *upto);
/* The last message of conv at or below upto that a family may see (no
 * notes); 0 when none. */
int store_conv_visible_upto(struct store *s, int64_t conv_id, int64_t upto, int64_t *out);

/* ---- Contact log ----------------------------------------------------------- */

int store_log_append(struct store *s, int64_t at, const char *kind, int64_t actor_id,
                     int64_t family_id, int64_t conv_id, int64_t message_id, const char *detail);
/* Which rows of a family's log a page holds: from <= at < to (0:
 * unbounded), after < id and, when upto > 0, id <= upto; at most limit of
 * them, oldest (lowest id) first.  A reader pages on with after = the last
 * id it got; an export sets upto to store_log_last_id() at its start, so it
 * is the log of one moment however long it takes. */
struct store_log_range {
	int64_t family;
	int64_t from, to;
	int64_t after, upto;
	int limit;
	bool family_only; /* without the staff's sign-ins (issue 15) */
	char kinds[160];  /* "message,note": only these kinds; "": all */
};
/* A page of the family's log, appended to out.  Staff sign-ins and
 * sign-outs are stored once, without a family, and appear in the log of
 * every family the staff member is pair or team for. */
int store_log_page(struct store *s, const struct store_log_range *r, struct log_list *out);
/* A family member's own rows of their family's log after after (at most
 * limit), with the text of their own messages (issue 16). */
int store_log_of_member(struct store *s, int64_t family, int64_t member, int64_t after, int limit,
                        struct log_list *out);
/* The highest id in the contact log, 0 when it is empty. */
int store_log_last_id(struct store *s, int64_t *id);

/* The family's quiet hours (minutes after midnight, Danish time). */
int store_family_quiet_get(struct store *s, int64_t family_id, int *start, int *end);
int store_family_quiet_set(struct store *s, int64_t family_id, int start, int end);

/* ---- Web Push subscriptions ------------------------------------------------- */

#define STORE_LANG_MAX 8 /* a language tag as the app names it: "da", "fa" */

struct store_push_sub {
	int64_t user_id, token_id, device_id; /* device_id 0 for a staff browser */
	const char *endpoint, *p256dh, *auth;
	const char *lang;
};

/* Stores the subscription (the same endpoint again moves to this sign-in);
 * *id is its id. */
int store_push_sub_put(struct store *s, const struct store_push_sub *sub, int64_t now, int64_t *id);
/* Deletes the user's subscription id; ERR_NOT_FOUND when there is none. */
int store_push_sub_delete(struct store *s, int64_t id, int64_t user_id);
/* Deletes every subscription of a sign-in, a device, or a user. */
int store_push_subs_drop_token(struct store *s, int64_t token_id);
int store_push_subs_drop_device(struct store *s, int64_t device_id);
int store_push_subs_drop_user(struct store *s, int64_t user_id);
/* A subscription the push service says is gone (404, 410). */
int store_push_sub_gone(struct store *s, int64_t id);

/* What user's notifications may show. */
int store_push_content_get(struct store *s, int64_t user_id, enum push_content *out);
int store_push_content_set(struct store *s, int64_t user_id, enum push_content c);

/* ---- Notifications waiting to be sent ---------------------------------------- */

/* Queues a notification of message in conv to every subscription of user,
 * due at not_before; one row per subscription and conversation, and one
 * already there is left as it is (the newest message is looked up when the
 * notification is made).  Adds how many rows were made to *queued. */
int store_push_enqueue(struct store *s, int64_t user_id, int64_t conv_id, int64_t message_id,
                       int64_t not_before, int64_t now, size_t *queued);
/* The user has seen conv up to message upto: its rows go, unless a newer
 * message for the user is still unread. */
int store_push_seen(struct store *s, int64_t user_id, int64_t conv_id, int64_t upto);

#define STORE_ENDPOINT_MAX 1024
#define STORE_PREVIEW_MAX  120 /* code points of a message's text a notification may show */

/* A notification due now, with what it needs to be written and sent. */
struct store_push_due {
	int64_t id, sub_id, user_id, conv_id, family_id, created_at;
	int64_t message_id; /* the newest after notified_id to tell of (0: none) */
	int attempts;
	enum role rcpt_role, sender_role;
	enum push_content content;
	enum msg_kind kind;
	char endpoint[STORE_ENDPOINT_MAX + 1];
	char p256dh[128], auth[64];
	char lang[STORE_LANG_MAX + 1];
	char sender[DOMAIN_NAME_MAX + 1];
	char preview[STORE_PREVIEW_MAX * 4 + 1];
	bool truncated;      /* the text goes on after preview */
	int64_t message_at;  /* when the message was stored */
	int64_t not_before;  /* when it became due */
	int64_t notified_id; /* the message last told of (0: none yet) */
};

/* The ids of up to max notifications due at now, the longest waiting first
 * (from the index alone), and one of them with what it needs. */
int store_push_due_ids(struct store *s, int64_t now, size_t max, int64_t *ids, size_t *n);
int store_push_due_one(struct store *s, int64_t id, struct store_push_due *out);
/* When the next one not yet due at now will be (0: none waits). */
int store_push_next(struct store *s, int64_t now, int64_t *at);
/* How many wait, due or not. */
int store_push_waiting(struct store *s, int64_t now, int64_t *n);
/* Told of message_id, or given up on it: removed (*gone), unless a newer
 * message for the user came meanwhile. */
int store_push_done(struct store *s, int64_t id, int64_t message_id, bool *gone);
/* To be tried again at not_before. */
int store_push_retry(struct store *s, int64_t id, int64_t not_before);
/* Sent, and kept: a newer message in its place is told of at not_before,
 * and if none came by then the row goes (store_push_done). */
int store_push_notified(struct store *s, int64_t id, int64_t message_id, int64_t not_before);

/* A phone's sign-in about to end for disuse, with one of its subscriptions. */
struct store_push_expiring {
	int64_t token_id, sub_id, user_id, family_id, ends_at;
	int quiet_start, quiet_end; /* the family's quiet hours (minutes, Danish time) */
	char endpoint[STORE_ENDPOINT_MAX + 1];
	char p256dh[128], auth[64];
	char lang[STORE_LANG_MAX + 1];
};
/* Up to max of those ending in (now, now + window] not warned since their
 * last use, the soonest first. */
int store_push_expiring(struct store *s, int64_t now, int64_t window, size_t max,
                        struct store_push_expiring *out, size_t *n);
/* The sign-in was warned at `at`. */
int store_token_warned(struct store *s, int64_t token_id, int64_t at);

/* ---- A family member's SMS settings (store_accounts.c) ------------------------ */

int store_member_sms_get(struct store *s, int64_t user_id, struct member_sms *out);
/* ERR_CONFLICT when another member has the number. */
int store_member_sms_set(struct store *s, int64_t user_id, const struct member_sms *in);
/* The active family member with this E.164 number (ERR_NOT_FOUND: none). */
int store_member_by_phone(struct store *s, const char *e164, int64_t *user_id);
/* The message came by SMS. */
int store_message_via_sms(struct store *s, int64_t id);
/* The number sent STOP at `at` (0: SMS on again). */
int store_member_sms_stop(struct store *s, int64_t user_id, int64_t at);
/* The message's adviser marked it "not by SMS". */
int store_message_no_sms(struct store *s, int64_t id);

/* ---- SMS to send (store_sms.c) ------------------------------------------------- */

struct store_sms_new {
	enum sms_kind kind;
	int64_t user_id, conv_id, message_id; /* 0: none */
	const char *phone;                    /* E.164 */
	const char *body;                     /* its own text (an invitation's code), or "" */
	int64_t not_before;
};
int store_sms_queue(struct store *s, const struct store_sms_new *n, int64_t now, int64_t *id);

/* One due, with what its text is made of, as things are now. */
struct store_sms_due {
	struct sms_status st;
	int attempts;
	int64_t created_at;
	char phone[17]; /* the member's number now (the row's for an unknown number) */
	char member[DOMAIN_NAME_MAX + 1];
	char *own;  /* owned: the row's own text */
	char *text; /* owned: the message's text ("" without one) */
	char sender[DOMAIN_NAME_MAX + 1];
	enum msg_kind msg_kind;
	bool no_sms;
	bool withdrawn;             /* the message was withdrawn by its author */
	struct member_sms settings; /* channel, consent_at, stopped_at */
};
/* Up to max due at now, the oldest first. */
int store_sms_due(struct store *s, int64_t now, size_t max, struct store_sms_due *out, size_t *n);
void store_sms_due_clear(struct store_sms_due *d);
/* When the next one waiting falls due after now (0: none). */
int store_sms_next(struct store *s, int64_t now, int64_t *at);
/* Being handed over now; due again at `until` if nothing is heard of it. */
int store_sms_claim(struct store *s, int64_t id, int64_t until, int64_t now);
/* What the hand-over came to (*changed false: a delivery report came first). */
int store_sms_sent(struct store *s, int64_t id, enum sms_state st, int64_t not_before,
                   bool full_text, const char *detail, int64_t now, bool *changed);
/* A delivery report (*changed false: it moves nothing, e.g. after delivered). */
int store_sms_report(struct store *s, int64_t id, enum sms_state st, const char *detail,
                     int64_t now, bool *changed);
int store_sms_get(struct store *s, int64_t id, struct sms_status *out);
/* Up to max of conv's SMS before id `before` (0: the newest), the newest first. */
int store_sms_conv(struct store *s, int64_t conv, int64_t before, size_t max,
                   struct sms_status *out, size_t *n);
/* How many SMS of kind went (or wait to go) to phone since `since`. */
int store_sms_sent_to(struct store *s, enum sms_kind kind, const char *phone, int64_t since,
                      int64_t *n);
/* How far member was reached in conv in the app (the last message delivered
 * to one of their devices or read), and whether they have a push
 * subscription. */
int store_sms_reached(struct store *s, int64_t member, int64_t conv, int64_t *upto, bool *push);
/* Is a fallback notice of conv on its way to member, or sent since they last read it? */
int store_sms_fallback_open(struct store *s, int64_t member, int64_t conv, bool *open);
/* Not before `at` (a fallback waiting for the app to be opened). */
int store_sms_postpone(struct store *s, int64_t id, int64_t at, int64_t now);
/* The members a message went to by SMS or is going to (being handed
 * over), and the number: up to max in v. */
struct store_sms_went {
	int64_t user_id, conv_id;
	char phone[17];
};
int store_sms_went(struct store *s, int64_t message, struct store_sms_went *v, size_t max,
                   size_t *n);
/* The state of the message's own SMS to user, and whether its text was in
 * it (ERR_NOT_FOUND: none). */
int store_sms_original(struct store *s, int64_t message, int64_t user, enum sms_state *state,
                       bool *full_text);
/* How many wait to be handed over. */
int store_sms_waiting(struct store *s, int64_t *n);

/* ---- Messages to be sent later (store_sched.c) -------------------------------- */

int store_sched_insert(struct store *s, const struct sched *in, int64_t now, int64_t *id);
int store_sched_get(struct store *s, int64_t id, struct sched *out);
/* The sender's one under client_id; ERR_NOT_FOUND when there is none. */
int store_sched_by_client(struct store *s, int64_t sender_id, const char *client_id,
                          struct sched *out);
/* Those waiting in conv, soonest first, at most max. */
int store_sched_list(struct store *s, int64_t conv_id, size_t max, struct sched_list *out);
/* Those waiting whose time has come at now, soonest first, at most max. */
int store_sched_due(struct store *s, int64_t now, size_t max, struct sched_list *out);
int store_sched_count(struct store *s, int64_t conv_id, int64_t *n);
/* When the next one waiting is due (0: none waits). */
int store_sched_next(struct store *s, int64_t *at);
/* Changes a waiting one; ERR_CONFLICT when it is no longer waiting. */
int store_sched_update(struct store *s, int64_t id, const char *body, int64_t send_at, int64_t now);
int store_sched_set_state(struct store *s, int64_t id, enum sched_state st, int64_t message_id,
                          int64_t now);

/* ---- How far messages reached each member (store_delivery.c) ------------------- */

/* Raises user's delivered position in conv to upto (device: which one
 * confirmed, 0 for a staff browser); *moved tells whether it rose. */
int store_delivered_set(struct store *s, int64_t conv_id, int64_t user_id, int64_t upto,
                        int64_t device_id, int64_t now, bool *moved);
/* Raises the notified position (a push service took a notification of upto). */
int store_notified_set(struct store *s, int64_t conv_id, int64_t user_id, int64_t upto,
                       int64_t now);
int store_delivery_get(struct store *s, int64_t conv_id, int64_t user_id, struct delivery_pos *out);

/* ---- Photos and documents (store_attach.c) ------------------------------------- */

/* A new upload of size bytes by owner, receiving until deadline. */
int store_attach_insert(struct store *s, int64_t owner, int64_t size, int64_t deadline, int64_t now,
                        int64_t *id);
int store_attach_get(struct store *s, int64_t id, struct attachment *out);
/* How many of owner's uploads are still arriving at now. */
int store_attach_receiving(struct store *s, int64_t owner, int64_t now, int64_t *n);
/* How many of owner's uploads are in no message yet. */
int store_attach_unsent(struct store *s, int64_t owner, int64_t *n);
/* Its bytes are all here: to be checked, with the type and name the server
 * gave it.  ERR_CONFLICT when it was not receiving. */
int store_attach_received(struct store *s, const struct attachment *a);
int store_attach_delete(struct store *s, int64_t id);
/* Upload id goes with message_id, at position; ERR_CONFLICT when a
 * message has it already. */
int store_attach_take(struct store *s, int64_t id, int64_t message_id, int position);
/* How many the message carries (messages.n_attach). */
int store_message_set_attachments(struct store *s, int64_t message_id, size_t n);
/* The next upload waiting to be checked at now (ERR_NOT_FOUND: none). */
int store_attach_due(struct store *s, int64_t now, int64_t *id);
/* Not before at; tries grows by add_tries. */
int store_attach_set_next(struct store *s, int64_t id, int64_t at, int add_tries);
/* When the earliest upload waiting to be checked is due (0: none waits). */
int store_attach_next(struct store *s, int64_t *at);
/* Up to max uploads never sent that are past their time at now: still
 * arriving after their deadline, or made at or before old. */
int store_attach_expired(struct store *s, int64_t now, int64_t old, size_t max, int64_t *ids,
                         size_t *n);
/* How many rows name the stored file sha (as file or thumbnail). */
int store_attach_file_used(struct store *s, const char *sha, int64_t *n);
/* The checks' outcome: a->state (ready or rejected) with what they made of
 * it.  ERR_CONFLICT when it was no longer waiting. */
int store_attach_checked(struct store *s, const struct attachment *a, int64_t now);

/* ---- Records (store_records.c, issue 16) ----------------------------------------- */

int store_record_get(struct store *s, int64_t family, struct case_record *out);
/* The family's row, made when missing. */
int store_record_ensure(struct store *s, int64_t family);
int store_record_close(struct store *s, int64_t family, int64_t at, int64_t by, const char *reason);
int store_record_reopen(struct store *s, int64_t family);
int store_record_filed(struct store *s, int64_t family, int64_t upto, int64_t at, int64_t by);
/* reason "" (and by 0) lifts the hold. */
int store_record_hold(struct store *s, int64_t family, const char *reason, int64_t at, int64_t by);
/* Writes r's progress fields and next_at. */
int store_record_progress(struct store *s, int64_t family, const struct case_record *r);
/* The earliest next_at of any record (0: none). */
int store_record_next(struct store *s, int64_t *at);
/* A family whose record is due at now (ERR_NOT_FOUND: none). */
int store_record_due(struct store *s, int64_t now, int64_t *family);
/* When the family's case was closed (0: open). */
int store_record_closed_at(struct store *s, int64_t family, int64_t *closed_at);

/* The retention rules look at the family's record at at (made if missing). */
int store_record_poke(struct store *s, int64_t family, int64_t at);
/* The family's conversations wait for no answer any more. */
int store_record_clear_waits(struct store *s, int64_t family);
/* Every phone and sign-in of the family's members ends at now, with their
 * push subscriptions and open invitations; *phones: how many phones. */
int store_record_sign_out(struct store *s, int64_t family, int64_t now, int64_t *phones);

/* Data requests (store_records.c). */
int store_request_insert(struct store *s, const struct data_request *r, int64_t *id);
int store_request_get(struct store *s, int64_t id, struct data_request *out);
/* The family's newest requests, at most max. */
int store_requests(struct store *s, int64_t family, struct data_request *v, size_t max, size_t *n);
/* ERR_CONFLICT when it was answered already. */
int store_request_answer(struct store *s, const struct data_request *r);
/* The family's granted erasure not yet carried out (ERR_NOT_FOUND: none). */
int store_request_erasing(struct store *s, int64_t family, struct data_request *out);
int store_request_progress(struct store *s, const struct data_request *r);
int store_request_member_phone(struct store *s, int64_t member);

/* What a purge batch deleted. */
struct purge_count {
	int64_t texts, notes, system, files, other;
	int64_t rows; /* every row, for the batch's bound */
};
/* The family's conversations from id from on (at most max). */
int store_purge_convs(struct store *s, int64_t family, int64_t from, int64_t *ids, size_t max,
                      size_t *n);
/* Reads up to max messages of conv after *after dated up to upto and
 * deletes those of sender (0: all of them), with everything that hangs on
 * them; their stored files are noted in files_gone.  *after moves to the
 * last message read (unchanged: none was left). */
int store_purge_messages(struct store *s, int64_t conv, int64_t upto, int64_t sender,
                         int64_t *after, int max, struct purge_count *c);
/* What is left of a conversation without messages: what was waiting to be
 * sent, delivery and read positions, its waiting state. */
int store_purge_conv_rest(struct store *s, int64_t conv, struct purge_count *c);
/* The members' phone numbers, their SMS and their uploads never sent. */
int store_purge_members(struct store *s, int64_t family, struct purge_count *c);
/* The next max contact-log rows of family after *cursor: deletes those
 * dated up to upto of the access log (access true) or of the rest (but
 * never a tombstone); *cursor moves on, *more false at the end. */
int store_purge_log(struct store *s, int64_t family, bool access, int64_t upto, int max,
                    int64_t *cursor, bool *more, struct purge_count *c);
/* The family, its members, their phones and conversations lose their names. */
int store_purge_names(struct store *s, int64_t family);
/* Dead sign-ins (dead at cutoff) and their push subscriptions, invites used
 * or expired at cutoff, SMS finished at sms_cutoff: up to max of each; and
 * the text of every invitation SMS handed over (its code) blanked. */
struct sweep_count {
	int64_t tokens, push_subscriptions, invites, sms, staff_log;
};
/* Dead credentials before cutoff, SMS handed over before sms_cutoff, staff
 * log rows without a family before log_cutoff: at most max of each. */
int store_sweep_dead(struct store *s, int64_t cutoff, int64_t sms_cutoff, int64_t log_cutoff,
                     int max, struct sweep_count *c);
/* Stored files no row names any more (up to max), and one of them done. */
int store_files_gone(struct store *s, char (*sha)[65], size_t max, size_t *n);
int store_files_gone_drop(struct store *s, const char *sha);

#endif
