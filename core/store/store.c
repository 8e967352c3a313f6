/*
 * store.c - opening the database, schema migrations, and the statement table.
 *
 * The database is one SQLite file in WAL mode.  synchronous=FULL makes every
 * COMMIT fsync the WAL: measured with a power-loss simulation, NORMAL loses
 * acknowledged rows and FULL loses none, and group commit in the gateway
 * pays the fsync once per batch rather than once per message.
 *
 * Every SQL text of Indgang is in this directory; the statements the server
 * runs again and again are in stmt_sql[] below, prepared once and reused.
 */
#include "store_int.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/text.h"

/* ---- Schema -------------------------------------------------------------- */

/*
 * migrations[i] takes the schema from user_version i to i + 1.  Append only:
 * a released step is never edited, a change is a new step.
 */
static const char *const migrations[] = {
    /* 0 -> 1: the first schema */
    "CREATE TABLE teams("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE"
    ") STRICT;"
    "CREATE TABLE users("
    "  id INTEGER PRIMARY KEY,"
    "  role TEXT NOT NULL CHECK (role IN ('family','adviser','admin')),"
    "  username TEXT UNIQUE,"
    "  name TEXT NOT NULL,"
    "  pw_hash TEXT,"
    "  family_id INTEGER REFERENCES families(id),"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL,"
    "  CHECK ((role = 'family') = (family_id IS NOT NULL)),"
    "  CHECK ((role = 'family') = (username IS NULL))"
    ") STRICT;"
    "CREATE INDEX users_family ON users(family_id);"
    "CREATE TABLE team_staff("
    "  team_id INTEGER NOT NULL REFERENCES teams(id),"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  PRIMARY KEY (team_id, user_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX team_staff_user ON team_staff(user_id);"
    "CREATE TABLE families("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  team_id INTEGER NOT NULL REFERENCES teams(id),"
    "  primary_id INTEGER NOT NULL REFERENCES users(id),"
    "  secondary_id INTEGER NOT NULL REFERENCES users(id),"
    "  default_conv INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  CHECK (primary_id <> secondary_id)"
    ") STRICT;"
    "CREATE INDEX families_team ON families(team_id);"
    "CREATE INDEX families_primary ON families(primary_id);"
    "CREATE INDEX families_secondary ON families(secondary_id);"
    "CREATE TABLE conversations("
    "  id INTEGER PRIMARY KEY,"
    "  family_id INTEGER NOT NULL REFERENCES families(id),"
    "  title TEXT NOT NULL,"
    "  restricted INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX conversations_family ON conversations(family_id);"
    "CREATE TABLE conv_members("
    "  conv_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  PRIMARY KEY (conv_id, user_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX conv_members_user ON conv_members(user_id);"
    "CREATE TABLE messages("
    "  id INTEGER PRIMARY KEY,"
    "  conv_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  family_id INTEGER NOT NULL REFERENCES families(id),"
    "  sender_id INTEGER NOT NULL REFERENCES users(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('text','note','system')),"
    "  body TEXT NOT NULL,"
    "  client_id TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (sender_id, client_id)"
    ") STRICT;"
    "CREATE INDEX messages_conv ON messages(conv_id, id);"
    "CREATE INDEX messages_family ON messages(family_id, id);"
    "CREATE TABLE read_positions("
    "  conv_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  upto INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (conv_id, user_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE devices("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  name TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"
    ") STRICT;"
    "CREATE INDEX devices_user ON devices(user_id);"
    "CREATE TABLE tokens("
    "  id INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  device_id INTEGER REFERENCES devices(id),"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"
    ") STRICT;"
    "CREATE INDEX tokens_device ON tokens(device_id);"
    "CREATE TABLE invites("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  member_id INTEGER NOT NULL REFERENCES users(id),"
    "  created_by INTEGER REFERENCES users(id),"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  used_at INTEGER"
    ") STRICT;"
    "CREATE TABLE contact_log("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  actor_id INTEGER REFERENCES users(id),"
    "  family_id INTEGER REFERENCES families(id),"
    "  conv_id INTEGER,"
    "  message_id INTEGER,"
    "  detail TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX contact_log_family ON contact_log(family_id, at);",

    /* 1 -> 2: a row that /healthz rewrites, to prove the disk takes writes */
    "CREATE TABLE health("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  at INTEGER NOT NULL"
    ") STRICT;",

    /* 2 -> 3: idle timeouts: when a token was last used, and its idle limit
     * (0: none, as for every token issued before) */
    "ALTER TABLE tokens ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN idle_ms INTEGER NOT NULL DEFAULT 0;"
    "UPDATE tokens SET last_used_at = created_at;",

    /* 3 -> 4: the same rule on messages.kind, written as comparisons: for a
     * constant IN list of three SQLite builds a temporary index on every
     * INSERT, a fifth of the cost of storing a message (callgrind, see
     * docs/performance.md).  A CHECK constraint does not change what is on
     * disk, so the table's text is rewritten in place, as SQLite's
     * documentation allows for such changes ("Making Other Kinds Of Table
     * Schema Changes"); RESET makes this connection read it again. */
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, "
    "  'CHECK (kind IN (''text'',''note'',''system''))', "
    "  'CHECK (kind = ''text'' OR kind = ''note'' OR kind = ''system'')') "
    "WHERE type = 'table' AND name = 'messages';"
    "PRAGMA writable_schema = RESET;",

    /* 4 -> 5: no index on messages(family_id, id).  Each message landed in a
     * family's range of it, a page apart from the last message of another
     * family: one more page written per message by every group commit and
     * copied again by every checkpoint (18,000 -> 20,900 msg/s, 58 -> 48 us
     * of server CPU per message; docs/performance.md).  The staff's sync and
     * last id find the messages through their families' conversations and
     * messages(conv_id, id) instead. */
    "DROP INDEX messages_family;",

    /* 5 -> 6: invite codes are kept only as hashes, as tokens are: whoever
     * reads the file (a backup, an administrator) cannot enrol with a code
     * that is still open.  indgang_sha256() is registered by configure(),
     * the same lower-case hex SHA-256 as auth_invite_hash(). */
    "UPDATE invites SET code = indgang_sha256(code);"
    "ALTER TABLE invites RENAME COLUMN code TO code_hash;",

    /* 6 -> 7: the contact log is read a page at a time in id order (GET
     * .../log?after=, a streamed CSV export, the access log), so a page must
     * start at its cursor rather than sort the family's whole log each time:
     * the family's rows by id (with "at" in the index, so a period is
     * filtered without reading the rows), and the staff's rows that belong
     * to no family (sign-ins) by actor and id.  It replaces the index by
     * (family_id, at): as many indexes to update per message as before. */
    "DROP INDEX contact_log_family;"
    "CREATE INDEX contact_log_family ON contact_log(family_id, id, at);"
    "CREATE INDEX contact_log_staff ON contact_log(actor_id, id) WHERE family_id IS NULL;",

    /* 7 -> 8: Web Push subscriptions, and quiet hours.  One belongs to the sign-in that made it
     * (a staff browser's session or an enrolled phone's token) and dies with
     * it: logout, revocation, deactivation and a password reset delete it.
     * p256dh and auth are kept as the client sent them (base64url). */
    "CREATE TABLE push_subscriptions("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  token_id INTEGER NOT NULL REFERENCES tokens(id),"
    "  device_id INTEGER REFERENCES devices(id),"
    "  endpoint TEXT NOT NULL UNIQUE,"
    "  p256dh TEXT NOT NULL,"
    "  auth TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);"
    "CREATE INDEX push_subscriptions_token ON push_subscriptions(token_id);"
    "CREATE INDEX push_subscriptions_device ON push_subscriptions(device_id);"
    /* and each family's quiet hours, minutes after midnight in Danish time
     * (core/push/quiet.h: 21:00-07:00 by default) */
    "ALTER TABLE families ADD COLUMN quiet_start INTEGER NOT NULL DEFAULT 1260;"
    "ALTER TABLE families ADD COLUMN quiet_end INTEGER NOT NULL DEFAULT 420;",

    /* 8 -> 9: the notifications waiting to be sent, one per subscription and
     * conversation (a newer message replaces the older one's: the push
     * service's Topic does the same on the phone), with the moment they may
     * go (quiet hours, a retry's back-off).  Kept in the database so a
     * restart loses none; a subscription's rows go with it.  The language a
     * subscription's notifications are written in, and what each user lets
     * a notification show (nothing, the sender, a preview). */
    "CREATE TABLE push_queue("
    "  id INTEGER PRIMARY KEY,"
    "  sub_id INTEGER NOT NULL REFERENCES push_subscriptions(id),"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  conv_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  message_id INTEGER NOT NULL REFERENCES messages(id),"
    "  not_before INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (sub_id, conv_id)"
    ") STRICT;"
    "CREATE INDEX push_queue_due ON push_queue(not_before);"
    "CREATE INDEX push_queue_user ON push_queue(user_id, conv_id);"
    "CREATE TRIGGER push_subscriptions_gone AFTER DELETE ON push_subscriptions "
    "BEGIN DELETE FROM push_queue WHERE sub_id = old.id; END;"
    "ALTER TABLE push_subscriptions ADD COLUMN lang TEXT NOT NULL DEFAULT 'da';"
    "ALTER TABLE users ADD COLUMN push_content TEXT NOT NULL DEFAULT 'none' "
    "  CHECK (push_content = 'none' OR push_content = 'sender' OR push_content = 'preview');",

    /* 9 -> 10: messages written to be sent later.  One becomes a message in
     * the transaction that marks it sent (client_id "sched-ID"), so it is
     * sent exactly once whatever stops the gateway. */
    "CREATE TABLE scheduled("
    "  id INTEGER PRIMARY KEY,"
    "  conv_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  family_id INTEGER NOT NULL REFERENCES families(id),"
    "  sender_id INTEGER NOT NULL REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  client_id TEXT NOT NULL,"
    "  send_at INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'waiting' CHECK (state = 'waiting' OR state = 'sent' OR "
    "    state = 'cancelled' OR state = 'failed'),"
    "  message_id INTEGER REFERENCES messages(id),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (sender_id, client_id)"
    ") STRICT;"
    "CREATE INDEX scheduled_due ON scheduled(send_at) WHERE state = 'waiting';"
    "CREATE INDEX scheduled_conv ON scheduled(conv_id, send_at) WHERE state = 'waiting';",

    /* 10 -> 11: how far each member's messages reached them: delivered to a
     * device (its client confirmed it), notified (a push service took the
     * notification).  Read positions are read_positions. */
    "CREATE TABLE deliveries("
    "  conv_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  delivered_upto INTEGER NOT NULL DEFAULT 0,"
    "  delivered_at INTEGER NOT NULL DEFAULT 0,"
    "  device_id INTEGER REFERENCES devices(id),"
    "  notified_upto INTEGER NOT NULL DEFAULT 0,"
    "  notified_at INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (conv_id, user_id)"
    ") STRICT, WITHOUT ROWID;",

    /* 11 -> 12: one notification per conversation until it is read: a sent
     * row stays with the message it told of (notified_id), and a newer
     * message waits in it until not_before (push_renotify_minutes). */
    "ALTER TABLE push_queue ADD COLUMN notified_id INTEGER NOT NULL DEFAULT 0;",

    /* 12 -> 13: a phone about to be signed out for disuse says so in time
     * (a Web Push notice); when it last did, so that it says so once per
     * stretch of disuse. */
    "ALTER TABLE tokens ADD COLUMN warned_at INTEGER NOT NULL DEFAULT 0;",

    /* 13 -> 14: a family member's phone number for SMS (E.164; one member
     * per number, so that an SMS from it has one sender), how the member is
     * reached, whose record says they agreed to full text by SMS, and when
     * the number sent STOP (issue 13). */
    "ALTER TABLE users ADD COLUMN phone TEXT;"
    "ALTER TABLE users ADD COLUMN sms_channel TEXT NOT NULL DEFAULT 'app' "
    "  CHECK (sms_channel IN ('app','fallback','sms'));"
    "ALTER TABLE users ADD COLUMN sms_consent_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN sms_consent_by INTEGER REFERENCES users(id);"
    "ALTER TABLE users ADD COLUMN sms_stopped_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX users_phone ON users(phone) WHERE phone IS NOT NULL;"
    /* and a message that came by SMS says so */
    "ALTER TABLE messages ADD COLUMN via TEXT NOT NULL DEFAULT 'app' "
    "  CHECK (via IN ('app','sms'));",

    /* 14 -> 15: the SMS to send, each committed with what made it (a
     * message, an invitation, ...), so an acknowledged message's SMS
     * survives a crash; its state as the SMS gateway reports it.  A
     * message's text is not copied: it is read when the SMS is made.  A
     * message an adviser marked "not by SMS" goes by SMS as a notice only
     * (issue 13). */
    "CREATE TABLE sms_outbox("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('message','fallback','invite','reply','stopped')),"
    "  user_id INTEGER REFERENCES users(id),"
    "  conv_id INTEGER REFERENCES conversations(id),"
    "  message_id INTEGER REFERENCES messages(id),"
    "  phone TEXT NOT NULL,"
    "  body TEXT NOT NULL DEFAULT '',"
    "  state TEXT NOT NULL DEFAULT 'queued' "
    "    CHECK (state IN ('queued','sending','accepted','delivered','failed','cancelled')),"
    "  full_text INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  not_before INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX sms_outbox_order ON sms_outbox(id, not_before) "
    "  WHERE state IN ('queued','sending');"
    "CREATE INDEX sms_outbox_due ON sms_outbox(not_before) WHERE state IN ('queued','sending');"
    "CREATE INDEX sms_outbox_conv ON sms_outbox(conv_id, id) WHERE conv_id IS NOT NULL;"
    "ALTER TABLE messages ADD COLUMN no_sms INTEGER NOT NULL DEFAULT 0;",

    /* 15 -> 16: photos and documents (issue 14).  An upload is a row from
     * its first byte ('receiving', its bytes in the spool folder as
     * spool/<id>.part), owned by its sender until a message takes it
     * (message_id, position); then checked (clamd, and the image pipeline)
     * and stored content-addressed (sha256, the file under the files
     * folder; thumb_sha256 for an image's thumbnail), or rejected with a
     * reason.  kind, mime and name are the server's, from the bytes; size
     * is what was received, then what is stored.  tries and next_at pace
     * the retries while clamd is away.  A message says how many it carries
     * (n_attach), so a history without any costs no lookup. */
    "CREATE TABLE attachments("
    "  id INTEGER PRIMARY KEY,"
    "  owner_id INTEGER NOT NULL REFERENCES users(id),"
    "  message_id INTEGER REFERENCES messages(id),"
    "  position INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'receiving' "
    "    CHECK (state IN ('receiving','checking','ready','rejected')),"
    "  kind TEXT NOT NULL DEFAULT '' CHECK (kind IN ('','image','pdf')),"
    "  mime TEXT NOT NULL DEFAULT '',"
    "  name TEXT NOT NULL DEFAULT '',"
    "  size INTEGER NOT NULL,"
    "  sha256 TEXT,"
    "  thumb_sha256 TEXT,"
    "  width INTEGER NOT NULL DEFAULT 0,"
    "  height INTEGER NOT NULL DEFAULT 0,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  tries INTEGER NOT NULL DEFAULT 0,"
    "  next_at INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  checked_at INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX attachments_message ON attachments(message_id, position) "
    "  WHERE message_id IS NOT NULL;"
    "CREATE INDEX attachments_pending ON attachments(next_at) "
    "  WHERE state IN ('receiving','checking');"
    "CREATE INDEX attachments_unsent ON attachments(owner_id, created_at) "
    "  WHERE message_id IS NULL;"
    "CREATE INDEX attachments_file ON attachments(sha256) WHERE sha256 IS NOT NULL;"
    "CREATE INDEX attachments_thumb ON attachments(thumb_sha256) "
    "  WHERE thumb_sha256 IS NOT NULL;"
    "ALTER TABLE messages ADD COLUMN n_attach INTEGER NOT NULL DEFAULT 0;",

    /* 16 -> 17: who must answer (issue 15).  Per conversation, waiting_from
     * is the first text a family member wrote that no pair adviser has
     * answered (0: none), waiting_since its time; answered_* the last time
     * it stopped waiting: by a reply or a "handled" mark, by whom, when, up
     * to which message.  Kept by core/service/waiting.c in each message's
     * transaction, so the caseload reads it without scanning messages; a
     * table of its own, not columns of conversations, because writing
     * those makes the writer forget who may see what (store_cache.c).
     * Existing conversations get it from their history here. */
    "CREATE TABLE conv_state("
    "  conv_id INTEGER PRIMARY KEY REFERENCES conversations(id),"
    "  waiting_from INTEGER NOT NULL DEFAULT 0,"
    "  waiting_since INTEGER NOT NULL DEFAULT 0,"
    "  answered_how TEXT NOT NULL DEFAULT '' CHECK (answered_how IN ('','reply','handled')),"
    "  answered_by INTEGER REFERENCES users(id),"
    "  answered_at INTEGER NOT NULL DEFAULT 0,"
    "  answered_upto INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "INSERT INTO conv_state(conv_id, answered_how, answered_by, answered_at, answered_upto) "
    "  SELECT m.conv_id, 'reply', m.sender_id, m.created_at, m.id FROM messages m "
    "  WHERE m.id IN (SELECT max(a.id) FROM messages a JOIN users u ON u.id = a.sender_id "
    "    WHERE a.kind = 'text' AND u.role <> 'family' GROUP BY a.conv_id);"
    "INSERT INTO conv_state(conv_id, waiting_from, waiting_since) "
    "  SELECT m.conv_id, m.id, m.created_at FROM messages m WHERE m.id IN ("
    "    SELECT min(a.id) FROM messages a JOIN users u ON u.id = a.sender_id "
    "    WHERE a.kind = 'text' AND u.role = 'family' AND a.id > ifnull((SELECT answered_upto "
    "      FROM conv_state WHERE conv_id = a.conv_id), 0) GROUP BY a.conv_id) "
    "  ON CONFLICT(conv_id) DO UPDATE SET waiting_from = excluded.waiting_from, "
    "    waiting_since = excluded.waiting_since;",

    /* 17 -> 18: answer times (issue 15).  A team's response target in
     * working minutes (answer_minutes, 0: none; 450 is one working day of
     * the default week) and its working week (work_week, workdays_parse()
     * text; '' the default); its leaders (team_staff.leader), who hear of
     * a family still unanswered at the target.  conv_state.escalated is how
     * far a wait has been told on (1 the partner, 2 the leaders), and
     * escalate_at when to look again (0: never), a lower bound that the
     * writer's check makes exact; waits older than this get looked at. */
    "ALTER TABLE teams ADD COLUMN answer_minutes INTEGER NOT NULL DEFAULT 450 "
    "  CHECK (answer_minutes BETWEEN 0 AND 100000);"
    "ALTER TABLE teams ADD COLUMN work_week TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE team_staff ADD COLUMN leader INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE conv_state ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE conv_state ADD COLUMN escalate_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX conv_state_escalate ON conv_state(escalate_at) WHERE escalate_at > 0;"
    "UPDATE conv_state SET escalate_at = waiting_since WHERE waiting_from <> 0;",

    /* 18 -> 19: out of office (issue 15).  One absence per adviser, the
     * coming or current one (a new one replaces it): from when to when,
     * and what the families of their pair are told.  Over once ends_at is
     * past; nothing removes it then, the next replaces it. */
    "CREATE TABLE absences("
    "  user_id INTEGER PRIMARY KEY REFERENCES users(id),"
    "  starts_at INTEGER NOT NULL,"
    "  ends_at INTEGER NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '',"
    "  set_at INTEGER NOT NULL,"
    "  CHECK (ends_at > starts_at)"
    ") STRICT;",

    /* 19 -> 20: a message sent by mistake, corrected or withdrawn by its
     * author within minutes (issue 15).  The message shows what it says
     * now (edited_at: when it was last corrected; withdrawn: no longer
     * meant); message_versions keeps every text it had before each change,
     * for the case file, which allows no silent edit. */
    "ALTER TABLE messages ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE message_versions("
    "  id INTEGER PRIMARY KEY,"
    "  message_id INTEGER NOT NULL REFERENCES messages(id),"
    "  body TEXT NOT NULL,"
    "  changed_at INTEGER NOT NULL,"
    "  change TEXT NOT NULL CHECK (change IN ('edit','withdraw'))"
    ") STRICT;"
    "CREATE INDEX message_versions_message ON message_versions(message_id, id);",

    /* 20 -> 21: a team's reply templates (issue 15), in several languages. */
    "CREATE TABLE templates("
    "  id INTEGER PRIMARY KEY,"
    "  team_id INTEGER NOT NULL REFERENCES teams(id),"
    "  title TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  updated_by INTEGER NOT NULL REFERENCES users(id),"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX templates_team ON templates(team_id, title, lang);",

    /* 21 -> 22: when the team last held its meeting about the family
     * (issue 15): "since the last meeting" starts there. */
    "ALTER TABLE families ADD COLUMN met_at INTEGER NOT NULL DEFAULT 0;",

    /* 22 -> 23: an SMS that tells a member reached by SMS that a message
     * that went to their phone with its text was corrected or withdrawn
     * since (issue 15).  SQLite cannot widen a CHECK: the table is made
     * anew with the same rows and indexes. */
    "CREATE TABLE sms_outbox_23("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL "
    "    CHECK (kind IN ('message','fallback','invite','reply','stopped','change')),"
    "  user_id INTEGER REFERENCES users(id),"
    "  conv_id INTEGER REFERENCES conversations(id),"
    "  message_id INTEGER REFERENCES messages(id),"
    "  phone TEXT NOT NULL,"
    "  body TEXT NOT NULL DEFAULT '',"
    "  state TEXT NOT NULL DEFAULT 'queued' "
    "    CHECK (state IN ('queued','sending','accepted','delivered','failed','cancelled')),"
    "  full_text INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  not_before INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  detail TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "INSERT INTO sms_outbox_23 SELECT id, kind, user_id, conv_id, message_id, phone, body, state, "
    "  full_text, attempts, not_before, created_at, updated_at, detail FROM sms_outbox;"
    "DROP TABLE sms_outbox;"
    "ALTER TABLE sms_outbox_23 RENAME TO sms_outbox;"
    "CREATE INDEX sms_outbox_order ON sms_outbox(id, not_before) "
    "  WHERE state IN ('queued','sending');"
    "CREATE INDEX sms_outbox_due ON sms_outbox(not_before) WHERE state IN ('queued','sending');"
    "CREATE INDEX sms_outbox_conv ON sms_outbox(conv_id, id) WHERE conv_id IS NOT NULL;"
    "CREATE INDEX sms_outbox_message ON sms_outbox(message_id) WHERE message_id IS NOT NULL;",
    /* 23 -> 24: records (issue 16).  A family's case is open until closed;
     * from the closing, core/records/retention.c decides when its phones,
     * content, contact log, access log and names go.  One row per family
     * ever closed: when and by whom (closed_at 0: open again), how far the
     * case-file export was filed (filed_upto), a legal hold and its reason,
     * how far each step has deleted, and when to look again (next_at).
     * n_* count what the step under way has deleted, for its tombstone.
     * A table apart from families, whose writes make the writer forget who
     * may see what (store_cache.c).  files_gone: content-addressed files no
     * longer named by a row, removed from the disk after the commit that
     * deleted their rows (by the checker thread, core/scan/). */
    "CREATE TABLE case_records("
    "  family_id INTEGER PRIMARY KEY REFERENCES families(id),"
    "  closed_at INTEGER NOT NULL DEFAULT 0,"
    "  closed_by INTEGER REFERENCES users(id),"
    "  close_reason TEXT NOT NULL DEFAULT '',"
    "  filed_upto INTEGER NOT NULL DEFAULT 0,"
    "  filed_at INTEGER NOT NULL DEFAULT 0,"
    "  filed_by INTEGER REFERENCES users(id),"
    "  hold_reason TEXT NOT NULL DEFAULT '',"
    "  hold_at INTEGER NOT NULL DEFAULT 0,"
    "  hold_by INTEGER REFERENCES users(id),"
    "  phones_at INTEGER NOT NULL DEFAULT 0,"
    "  content_upto INTEGER NOT NULL DEFAULT 0,"
    "  log_upto INTEGER NOT NULL DEFAULT 0,"
    "  access_upto INTEGER NOT NULL DEFAULT 0,"
    "  names_at INTEGER NOT NULL DEFAULT 0,"
    "  cursor INTEGER NOT NULL DEFAULT 0,"
    "  n_texts INTEGER NOT NULL DEFAULT 0,"
    "  n_notes INTEGER NOT NULL DEFAULT 0,"
    "  n_system INTEGER NOT NULL DEFAULT 0,"
    "  n_files INTEGER NOT NULL DEFAULT 0,"
    "  n_other INTEGER NOT NULL DEFAULT 0,"
    "  next_at INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX case_records_due ON case_records(next_at) WHERE next_at > 0;"
    "CREATE TABLE files_gone("
    "  sha256 TEXT PRIMARY KEY"
    ") STRICT, WITHOUT ROWID;",

    /* 24 -> 25: a family member's request to have their data erased (GDPR
     * art. 17) or its processing restricted (art. 18), recorded by staff
     * with what was asked, answered with a decision and its reasons (issue
     * 16).  A granted erasure deletes the member's own messages up to
     * erase_upto (what the case file has: Arkivloven) through the retention
     * machinery, a batch at a time (cursor_conv, cursor_id; n_* for its
     * tombstone), done_at when it is carried out; a granted restriction is
     * a legal hold on the family. */
    "CREATE TABLE data_requests("
    "  id INTEGER PRIMARY KEY,"
    "  family_id INTEGER NOT NULL REFERENCES families(id),"
    "  member_id INTEGER NOT NULL REFERENCES users(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('erasure','restriction')),"
    "  received_at INTEGER NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '',"
    "  recorded_by INTEGER NOT NULL REFERENCES users(id),"
    "  recorded_at INTEGER NOT NULL,"
    "  decision TEXT NOT NULL DEFAULT '' "
    "    CHECK (decision IN ('','granted','partly','refused')),"
    "  answer TEXT NOT NULL DEFAULT '',"
    "  answered_by INTEGER REFERENCES users(id),"
    "  answered_at INTEGER NOT NULL DEFAULT 0,"
    "  erase_upto INTEGER NOT NULL DEFAULT 0,"
    "  cursor_conv INTEGER NOT NULL DEFAULT 0,"
    "  cursor_id INTEGER NOT NULL DEFAULT 0,"
    "  n_texts INTEGER NOT NULL DEFAULT 0,"
    "  n_files INTEGER NOT NULL DEFAULT 0,"
    "  done_at INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX data_requests_family ON data_requests(family_id, id);"
    "CREATE INDEX data_requests_erasing ON data_requests(family_id) "
    "  WHERE erase_upto > 0 AND done_at = 0;",

    /* 26: every message deleted (retention, erasure) has its foreign keys
     * checked in the tables that name it: without these, a scan of the
     * notification queue and of the scheduled messages per message. */
    "CREATE INDEX push_queue_message ON push_queue(message_id);"
    "CREATE INDEX scheduled_message ON scheduled(message_id);",
};

#define MIGRATION_COUNT (int)(sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION must equal the number of migrations");

/* ---- Statements ------------------------------------------------------------ */

#define CONV_HEAD "c.id, c.family_id, f.name, c.title, t.answer_minutes, f.met_at"
/* A log page's kinds: ?8 a comma-separated list, "" for all. */
#define LOG_KINDS "AND (?8 = '' OR instr(',' || ?8 || ',', ',' || kind || ',') > 0) "

#define MSG_COLS                                                                                   \
	"m.id, m.conv_id, m.family_id, m.sender_id, u.name, u.role, m.kind, m.body, "              \
	"m.client_id, m.created_at, m.via = 'sms', m.no_sms, m.n_attach, m.edited_at, "            \
	"m.withdrawn "
#define MSG_FROM " FROM messages m JOIN users u ON u.id = m.sender_id "
#define ATT_COLS                                                                                   \
	"id, owner_id, ifnull(message_id, 0), position, state, kind, mime, name, size, "           \
	"ifnull(sha256, ''), ifnull(thumb_sha256, ''), width, height, reason, created_at"
#define DELIVERY_COLS                                                                              \
	"SELECT u.id, u.name, u.role, d.delivered_upto, d.delivered_at, ifnull(dv.name, ''), "     \
	"d.notified_upto, d.notified_at FROM deliveries d JOIN users u ON u.id = d.user_id "       \
	"LEFT JOIN devices dv ON dv.id = d.device_id "
#define SCHED_COLS                                                                                 \
	"SELECT s.id, s.conv_id, s.family_id, s.sender_id, u.name, u.role, s.body, s.client_id, "  \
	"s.send_at, s.state, ifnull(s.message_id, 0), s.created_at, s.updated_at FROM scheduled "  \
	"s "                                                                                       \
	"JOIN users u ON u.id = s.sender_id "
/* The newest message of queue row Q's conversation after AFTER that tells
 * Q's user something (perm_push_wanted(): a text, from the family to staff
 * or from staff to the family); read backwards from the conversation's end,
 * so it stops at the first. */
#define PUSH_NEWEST(Q, AFTER)                                                                      \
	"SELECT pm.id FROM messages pm JOIN users pu ON pu.id = pm.sender_id WHERE pm.conv_id "    \
	"= " Q ".conv_id AND pm.id > " AFTER " AND pm.kind = 'text' AND (pu.role = 'family') <> "  \
	"((SELECT role FROM users WHERE id = " Q ".user_id) = 'family') ORDER BY pm.id DESC "      \
	"LIMIT 1"
/* The families a staff member (?1) is related to, by pair or team. */
#define STAFF_FAMILIES                                                                             \
	"(SELECT id FROM families WHERE primary_id = ?1 OR secondary_id = ?1 "                     \
	" UNION SELECT f.id FROM families f JOIN team_staff ts ON ts.team_id = f.team_id "         \
	" WHERE ts.user_id = ?1)"

/* Records (issue 16): the messages of a purge batch, ?1 conv, ?2..?3 the
 * batch's ids, ?4 the filed export's end, ?5 their sender (0: anyone's). */
#define PURGE_BATCH                                                                                \
	"(SELECT id FROM messages WHERE conv_id = ?1 AND id BETWEEN ?2 AND ?3 AND created_at <= "  \
	"?4 AND (?5 = 0 OR sender_id = ?5))"
/* A data request with the names of its member and its staff. */
#define REQ_COLS                                                                                   \
	"r.id, r.family_id, m.id, m.name, m.role, r.kind, r.received_at, r.note, a.id, a.name, "   \
	"a.role, r.recorded_at, r.decision, r.answer, ifnull(b.id, 0), ifnull(b.name, ''), "       \
	"ifnull(b.role, ''), r.answered_at, r.erase_upto, r.done_at, r.cursor_conv, r.cursor_id, " \
	"r.n_texts, r.n_files FROM data_requests r JOIN users m ON m.id = r.member_id JOIN users " \
	"a ON a.id = r.recorded_by LEFT JOIN users b ON b.id = r.answered_by"
#define FAMILY_MEMBERS "(SELECT id FROM users WHERE family_id = ?1)"
/* A sign-in dead at ?1: revoked, expired, or idle past its limit. */
#define TOKEN_DEAD                                                                                 \
	"(revoked_at IS NOT NULL AND revoked_at <= ?1) OR expires_at <= ?1 OR (idle_ms > 0 AND "   \
	"last_used_at + idle_ms <= ?1)"

static const char *const stmt_sql[ST__COUNT] = {
    [ST_RECORD_GET] =
        "SELECT r.closed_at, ifnull(a.id, 0), ifnull(a.name, ''), ifnull(a.role, ''), "
        "r.close_reason, r.filed_upto, r.filed_at, ifnull(b.id, 0), ifnull(b.name, ''), "
        "ifnull(b.role, ''), r.hold_reason, r.hold_at, ifnull(c.id, 0), ifnull(c.name, ''), "
        "ifnull(c.role, ''), r.phones_at, r.content_upto, r.log_upto, r.access_upto, "
        "r.names_at, r.cursor, r.n_texts, r.n_notes, r.n_system, r.n_files, r.n_other, "
        "r.next_at FROM case_records r LEFT JOIN users a ON a.id = r.closed_by LEFT JOIN "
        "users b ON b.id = r.filed_by LEFT JOIN users c ON c.id = r.hold_by "
        "WHERE r.family_id = ?1",
    [ST_RECORD_ENSURE] = "INSERT OR IGNORE INTO case_records(family_id) VALUES (?1)",
    [ST_RECORD_CLOSE] = "UPDATE case_records SET closed_at = ?2, closed_by = ?3, close_reason = "
                        "?4, phones_at = 0, names_at = 0, cursor = 0, n_texts = 0, n_notes = 0, "
                        "n_system = 0, n_files = 0, n_other = 0, next_at = ?2 WHERE family_id = ?1",
    [ST_RECORD_REOPEN] = "UPDATE case_records SET closed_at = 0, phones_at = 0, names_at = 0, "
                         "cursor = 0, n_texts = 0, n_notes = 0, n_system = 0, n_files = 0, "
                         "n_other = 0, next_at = 0 WHERE family_id = ?1",
    [ST_RECORD_FILED] = "UPDATE case_records SET filed_upto = ?2, filed_at = ?3, filed_by = ?4, "
                        "next_at = iif(closed_at > 0, ?3, next_at) WHERE family_id = ?1",
    [ST_RECORD_HOLD] =
        "UPDATE case_records SET hold_reason = ?2, hold_at = ?3, hold_by = "
        "nullif(?4, 0), next_at = iif(closed_at > 0, ?3, next_at) WHERE family_id = ?1",
    [ST_RECORD_PROGRESS] = "UPDATE case_records SET phones_at = ?2, content_upto = ?3, log_upto = "
                           "?4, access_upto = ?5, names_at = ?6, cursor = ?7, n_texts = ?8, "
                           "n_notes = ?9, n_system = ?10, n_files = ?11, n_other = ?12, next_at "
                           "= ?13 WHERE family_id = ?1",
    [ST_RECORD_NEXT] = "SELECT ifnull(min(next_at), 0) FROM case_records WHERE next_at > 0",
    [ST_RECORD_DUE] = "SELECT family_id FROM case_records WHERE next_at > 0 AND next_at <= ?1 "
                      "ORDER BY next_at LIMIT 1",
    [ST_RECORD_CLOSED] = "SELECT closed_at FROM case_records WHERE family_id = ?1",
    /* A closed case waits for no answer: out of the work queue and the
     * escalations. */
    [ST_RECORD_CLEAR_WAITS] = "UPDATE conv_state SET waiting_from = 0, waiting_since = 0, "
                              "escalate_at = 0 WHERE conv_id IN (SELECT id FROM conversations "
                              "WHERE family_id = ?1) AND (waiting_from <> 0 OR escalate_at <> 0)",
    [ST_RECORD_POKE] = "UPDATE case_records SET next_at = ?2 WHERE family_id = ?1",
    [ST_RECORD_REVOKE_DEVICES] = "UPDATE devices SET revoked_at = ?2 WHERE revoked_at IS NULL "
                                 "AND user_id IN " FAMILY_MEMBERS,
    [ST_RECORD_REVOKE_TOKENS] = "UPDATE tokens SET revoked_at = ?2 WHERE revoked_at IS NULL AND "
                                "user_id IN " FAMILY_MEMBERS,
    [ST_RECORD_DROP_SUBS] = "DELETE FROM push_subscriptions WHERE user_id IN " FAMILY_MEMBERS,
    [ST_RECORD_DROP_INVITES] =
        "DELETE FROM invites WHERE used_at IS NULL AND member_id IN " FAMILY_MEMBERS,
    [ST_PURGE_CONVS] = "SELECT id FROM conversations WHERE family_id = ?1 AND id >= ?2 "
                       "ORDER BY id",
    [ST_PURGE_MSG_BATCH] = "SELECT id, kind, sender_id FROM messages WHERE conv_id = ?1 AND id > "
                           "?2 AND created_at <= ?3 ORDER BY id LIMIT ?4",
    [ST_PURGE_FILES_GONE] =
        "INSERT OR IGNORE INTO files_gone(sha256) SELECT sha256 FROM "
        "attachments WHERE message_id IN " PURGE_BATCH " AND sha256 IS NOT "
        "NULL UNION SELECT thumb_sha256 FROM attachments WHERE message_id IN " PURGE_BATCH
        " AND thumb_sha256 IS NOT NULL",
    [ST_PURGE_ATTACH] = "DELETE FROM attachments WHERE message_id IN " PURGE_BATCH,
    [ST_PURGE_VERSIONS] = "DELETE FROM message_versions WHERE message_id IN " PURGE_BATCH,
    [ST_PURGE_SMS_MSG] = "DELETE FROM sms_outbox WHERE message_id IN " PURGE_BATCH,
    [ST_PURGE_SCHED_MSG] = "DELETE FROM scheduled WHERE message_id IN " PURGE_BATCH,
    [ST_PURGE_PUSH_MSG] = "DELETE FROM push_queue WHERE message_id IN " PURGE_BATCH,
    [ST_PURGE_MESSAGES] = "DELETE FROM messages WHERE id IN " PURGE_BATCH,
    [ST_PURGE_CONV_SCHED] = "DELETE FROM scheduled WHERE conv_id = ?1",
    [ST_PURGE_CONV_PUSH] = "DELETE FROM push_queue WHERE conv_id = ?1",
    [ST_PURGE_CONV_SMS] = "DELETE FROM sms_outbox WHERE conv_id = ?1",
    [ST_PURGE_CONV_DELIVERIES] = "DELETE FROM deliveries WHERE conv_id = ?1",
    [ST_PURGE_CONV_READS] = "DELETE FROM read_positions WHERE conv_id = ?1",
    [ST_PURGE_CONV_STATE] = "DELETE FROM conv_state WHERE conv_id = ?1",
    [ST_PURGE_MEMBER_SMS] = "DELETE FROM sms_outbox WHERE user_id IN " FAMILY_MEMBERS,
    [ST_PURGE_MEMBER_PHONES] = "UPDATE users SET phone = NULL WHERE family_id = ?1 AND phone "
                               "IS NOT NULL",
    [ST_PURGE_MEMBER_FILES_GONE] = "INSERT OR IGNORE INTO files_gone(sha256) SELECT sha256 FROM "
                                   "attachments WHERE message_id IS NULL AND sha256 IS NOT NULL "
                                   "AND owner_id IN " FAMILY_MEMBERS " UNION SELECT thumb_sha256 "
                                   "FROM attachments WHERE message_id IS NULL AND thumb_sha256 IS "
                                   "NOT NULL AND owner_id IN " FAMILY_MEMBERS,
    [ST_PURGE_MEMBER_UPLOADS] =
        "DELETE FROM attachments WHERE message_id IS NULL AND owner_id IN " FAMILY_MEMBERS,
    /* The last id of the next ?3 log rows of family ?1 after ?2 (NULL: none). */
    [ST_PURGE_LOG_SCAN] = "SELECT max(id) FROM (SELECT id FROM contact_log WHERE family_id = ?1 "
                          "AND id > ?2 ORDER BY id LIMIT ?3)",
    [ST_PURGE_LOG] = "DELETE FROM contact_log WHERE family_id = ?1 AND id > ?2 AND id <= ?3 AND "
                     "at <= ?4 AND kind <> 'access' AND kind <> 'denied' AND kind <> 'deleted'",
    [ST_PURGE_ACCESS] = "DELETE FROM contact_log WHERE family_id = ?1 AND id > ?2 AND id <= ?3 "
                        "AND at <= ?4 AND (kind = 'access' OR kind = 'denied')",
    [ST_PURGE_NAME_FAMILY] = "UPDATE families SET name = 'Familie ' || id WHERE id = ?1",
    [ST_PURGE_NAME_MEMBERS] = "UPDATE users SET name = 'Familiemedlem ' || id, phone = NULL "
                              "WHERE family_id = ?1",
    [ST_PURGE_NAME_CONVS] = "UPDATE conversations SET title = '' WHERE family_id = ?1",
    [ST_PURGE_NAME_DEVICES] = "UPDATE devices SET name = '' WHERE user_id IN " FAMILY_MEMBERS,
    [ST_SWEEP_PUSH_SUBS] = "DELETE FROM push_subscriptions WHERE token_id IN (SELECT id FROM "
                           "tokens WHERE " TOKEN_DEAD " LIMIT ?2)",
    [ST_SWEEP_TOKENS] =
        "DELETE FROM tokens WHERE id IN (SELECT id FROM tokens WHERE " TOKEN_DEAD " LIMIT ?2)",
    [ST_SWEEP_INVITES] = "DELETE FROM invites WHERE id IN (SELECT id FROM invites WHERE (used_at "
                         "IS NOT NULL AND used_at <= ?1) OR expires_at <= ?1 LIMIT ?2)",
    [ST_SWEEP_SMS] = "DELETE FROM sms_outbox WHERE id IN (SELECT id FROM sms_outbox WHERE state "
                     "IN ('accepted','delivered','failed','cancelled') AND updated_at <= ?1 "
                     "LIMIT ?2)",
    /* staff rows without a family (sign-ins, administrators' actions); the
     * tombstones of what went stay */
    [ST_SWEEP_STAFF_LOG] = "DELETE FROM contact_log WHERE id IN (SELECT id FROM contact_log "
                           "WHERE family_id IS NULL AND at < ?1 AND kind <> 'deleted' ORDER BY "
                           "id LIMIT ?2)",
    /* A family member's own rows (issue 16: their data, GDPR art. 15/20),
     * with the text of their own messages only. */
    [ST_LOG_OF_MEMBER] = "SELECT l.id, l.at, l.kind, ifnull(l.actor_id, 0), u.name, u.role, "
                         "ifnull(l.conv_id, 0), ifnull(l.message_id, 0), l.detail, m.body FROM "
                         "contact_log l JOIN users u ON u.id = l.actor_id LEFT JOIN messages m ON "
                         "m.id = l.message_id AND m.sender_id = l.actor_id WHERE l.family_id = ?1 "
                         "AND l.actor_id = ?2 AND l.id > ?3 ORDER BY l.id LIMIT ?4",
    [ST_REQ_INSERT] = "INSERT INTO data_requests(family_id, member_id, kind, received_at, note, "
                      "recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_REQ_GET] = "SELECT " REQ_COLS " WHERE r.id = ?1",
    [ST_REQ_LIST] = "SELECT " REQ_COLS " WHERE r.family_id = ?1 ORDER BY r.id DESC LIMIT ?2",
    [ST_REQ_ANSWER] = "UPDATE data_requests SET decision = ?2, answer = ?3, answered_by = ?4, "
                      "answered_at = ?5, erase_upto = ?6 WHERE id = ?1 AND decision = ''",
    [ST_REQ_ERASING] = "SELECT " REQ_COLS " WHERE r.family_id = ?1 AND r.erase_upto > 0 AND "
                       "r.done_at = 0 ORDER BY r.id LIMIT 1",
    [ST_REQ_PROGRESS] = "UPDATE data_requests SET cursor_conv = ?2, cursor_id = ?3, n_texts = "
                        "?4, n_files = ?5, done_at = ?6 WHERE id = ?1",
    [ST_REQ_MEMBER_PHONE] = "UPDATE users SET phone = NULL WHERE id = ?1 AND phone IS NOT NULL",
    /* An invitation's code is kept only as a hash (invites.code_hash); the
     * SMS that carried it keeps it no longer than its hand-over. */
    [ST_SWEEP_INVITE_TEXTS] = "UPDATE sms_outbox SET body = '' WHERE kind = 'invite' AND body "
                              "<> '' AND state IN ('accepted','delivered','failed','cancelled')",
    [ST_FILES_GONE_LIST] = "SELECT sha256 FROM files_gone ORDER BY sha256 LIMIT ?1",
    [ST_FILES_GONE_DROP] = "DELETE FROM files_gone WHERE sha256 = ?1",
    [ST_USER_GET] = "SELECT id, name, role, family_id, active, username FROM users "
                    "WHERE id = ?1",
    [ST_USER_BY_USERNAME] = "SELECT id, name, role, family_id, active, username, pw_hash "
                            "FROM users WHERE username = ?1",
    [ST_USER_INSERT] = "INSERT INTO users(role, username, name, pw_hash, family_id, "
                       "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_USER_SET_PASSWORD] = "UPDATE users SET pw_hash = ?2 WHERE id = ?1 AND role <> "
                             "'family'",
    [ST_USER_SET_ACTIVE] = "UPDATE users SET active = ?2 WHERE id = ?1",
    [ST_TOKEN_INSERT] = "INSERT INTO tokens(hash, user_id, device_id, created_at, "
                        "expires_at, last_used_at, idle_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6)",
    /* Expiry and idleness are decided in C (auth_session_check), so that a
     * refusal can say which. */
    [ST_TOKEN_LOOKUP] = "SELECT t.id, t.user_id, ifnull(t.device_id, 0), t.expires_at, "
                        "t.last_used_at, t.idle_ms "
                        "FROM tokens t JOIN users u ON u.id = t.user_id "
                        "WHERE t.hash = ?1 AND t.revoked_at IS NULL AND u.active = 1",
    [ST_TOKEN_RECHECK] = "SELECT t.id, t.user_id, ifnull(t.device_id, 0), t.expires_at, "
                         "t.last_used_at, t.idle_ms "
                         "FROM tokens t JOIN users u ON u.id = t.user_id "
                         "WHERE t.id = ?1 AND t.revoked_at IS NULL AND u.active = 1",
    [ST_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at "
                        "IS NULL",
    /* A phone's sign-in slides: used, it lives ?3 from its use (a staff
     * sign-in keeps its fixed end). */
    [ST_TOKEN_TOUCH] = "UPDATE tokens SET last_used_at = ?2, expires_at = CASE WHEN "
                       "device_id IS NOT NULL AND ?3 > 0 THEN max(expires_at, ?2 + ?3) ELSE "
                       "expires_at END WHERE id = ?1 AND last_used_at < ?2",
    [ST_DEVICE_INSERT] = "INSERT INTO devices(user_id, name, created_at) VALUES (?1, ?2, "
                         "?3)",
    [ST_DEVICE_GET] = "SELECT id, user_id, name, created_at, ifnull(revoked_at, 0) FROM "
                      "devices WHERE id = ?1",
    [ST_DEVICE_REVOKE] = "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at "
                         "IS NULL",
    [ST_DEVICE_RENAME] = "UPDATE devices SET name = ?2 WHERE id = ?1",
    [ST_DEVICE_REVOKE_TOKENS] = "UPDATE tokens SET revoked_at = ?2 WHERE device_id = ?1 "
                                "AND revoked_at IS NULL",
    [ST_INVITE_INSERT] = "INSERT INTO invites(code_hash, member_id, created_by, created_at, "
                         "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_INVITE_GET] = "SELECT id, member_id, expires_at, ifnull(used_at, 0), "
                      "ifnull(created_by, 0) FROM invites WHERE code_hash = ?1",
    [ST_MEMBER_LIVE_DEVICES] = "SELECT count(*) FROM devices WHERE user_id = ?1 AND "
                               "revoked_at IS NULL",
    [ST_INVITE_USE] = "UPDATE invites SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
    [ST_TEAM_INSERT] = "INSERT INTO teams(name) VALUES (?1)",
    [ST_TEAM_BY_NAME] = "SELECT id FROM teams WHERE name = ?1",
    [ST_TEAM_ADD_STAFF] = "INSERT OR IGNORE INTO team_staff(team_id, user_id) VALUES (?1, "
                          "?2)",
    [ST_FAMILY_INSERT] = "INSERT INTO families(name, team_id, primary_id, secondary_id, "
                         "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_FAMILY_SET_DEFAULT_CONV] = "UPDATE families SET default_conv = ?2 WHERE id = ?1",
    [ST_FAMILY_SET_PAIR] = "UPDATE families SET primary_id = ?2, secondary_id = ?3 WHERE "
                           "id = ?1",
    [ST_FAMILY_NAME] = "SELECT name FROM families WHERE id = ?1",
    [ST_FAMILY_DEFAULT_CONV] = "SELECT default_conv FROM families WHERE id = ?1",
    [ST_CONV_INSERT] = "INSERT INTO conversations(family_id, title, restricted, "
                       "created_at) VALUES (?1, ?2, ?3, ?4)",
    [ST_CONV_ADD_MEMBER] = "INSERT INTO conv_members(conv_id, user_id) VALUES (?1, ?2)",
    [ST_CONV_FAMILY] = "SELECT family_id FROM conversations WHERE id = ?1",
    [ST_CONV_COUNT_RESTRICTED] = "SELECT count(*) FROM conversations WHERE family_id = ?1 AND "
                                 "restricted = 1",
    [ST_FACTS] = "SELECT u.role, u.active, u.family_id IS f.id, "
                 "u.id IN (f.primary_id, f.secondary_id), "
                 "EXISTS (SELECT 1 FROM team_staff WHERE team_id = f.team_id AND "
                 "user_id = u.id), "
                 "EXISTS (SELECT 1 FROM conv_members WHERE conv_id = ?3 AND user_id = u.id) "
                 "FROM users u, families f WHERE u.id = ?1 AND f.id = ?2",
    [ST_AUDIENCE] =
        "WITH c AS (SELECT f.id AS fam, f.team_id, f.primary_id, f.secondary_id "
        "  FROM conversations c JOIN families f ON f.id = c.family_id WHERE c.id = ?1), "
        "cand(uid) AS (SELECT user_id FROM conv_members WHERE conv_id = ?1 "
        "  UNION SELECT primary_id FROM c UNION SELECT secondary_id FROM c "
        "  UNION SELECT ts.user_id FROM team_staff ts, c WHERE ts.team_id = c.team_id) "
        "SELECT u.id, u.role, u.active, u.family_id IS c.fam, "
        "u.id IN (c.primary_id, c.secondary_id), "
        "EXISTS (SELECT 1 FROM team_staff WHERE team_id = c.team_id AND user_id = u.id), "
        "EXISTS (SELECT 1 FROM conv_members WHERE conv_id = ?1 AND user_id = u.id) "
        "FROM cand JOIN users u ON u.id = cand.uid, c",
    [ST_MSG_BY_CLIENT_ID] =
        "SELECT " MSG_COLS MSG_FROM "WHERE m.sender_id = ?1 AND m.client_id = ?2",
    [ST_MSG_INSERT] = "INSERT INTO messages(conv_id, family_id, sender_id, kind, body, "
                      "client_id, created_at) VALUES (?1, ?7, ?2, ?3, ?4, ?5, ?6)",
    [ST_MSG_GET] = "SELECT " MSG_COLS MSG_FROM "WHERE m.id = ?1",
    /* The same bound as the staff's below, over the member's conversations
     * and without notes: a phone away for months asks for a page, not for
     * every message since (56,946 -> a few hundred VM steps for a page of 10
     * after 5,000 messages, test_store). */
    [ST_SYNC_FAMILY] =
        "SELECT " MSG_COLS MSG_FROM "WHERE m.id IN (SELECT m2.id FROM conv_members cm "
        "JOIN messages m2 ON m2.conv_id = cm.conv_id AND m2.id > ?2 AND m2.kind <> 'note' "
        "AND m2.id <= ifnull((SELECT x.id FROM messages x WHERE x.conv_id = cm.conv_id AND "
        "x.id > ?2 AND x.kind <> 'note' ORDER BY x.id LIMIT 1 OFFSET ?3 - 1), "
        "9223372036854775807) WHERE cm.user_id = ?1) ORDER BY m.id LIMIT ?3",
    /* Each conversation's first ?3 messages after ?2 (an index range bounded
     * by one seek), then the first ?3 of those: O(conversations x limit).  A
     * plain filter sorted every message of the staff's families after ?2:
     * 0.35-15 s for a first sync of 200,000 messages on a 10M database. */
    [ST_SYNC_STAFF] =
        "SELECT " MSG_COLS MSG_FROM "WHERE m.id IN (SELECT m2.id FROM conversations c "
        "JOIN messages m2 ON m2.conv_id = c.id AND m2.id > ?2 AND m2.id <= ifnull("
        "(SELECT x.id FROM messages x WHERE x.conv_id = c.id AND x.id > ?2 ORDER BY x.id "
        "LIMIT 1 OFFSET ?3 - 1), 9223372036854775807) WHERE c.family_id IN " STAFF_FAMILIES
        ") ORDER BY m.id LIMIT ?3",
    [ST_HISTORY] = "SELECT " MSG_COLS MSG_FROM
                   "WHERE m.conv_id = ?1 AND m.id < ?2 AND (?3 OR m.kind <> 'note') "
                   "ORDER BY m.id DESC LIMIT ?4",
    [ST_LAST_FAMILY] = "SELECT ifnull(max(m.id), 0) FROM messages m WHERE m.kind <> "
                       "'note' AND m.conv_id IN (SELECT conv_id FROM conv_members WHERE "
                       "user_id = ?1)",
    /* One seek per conversation for its last message, not a scan of all. */
    [ST_LAST_STAFF] = "SELECT ifnull(max((SELECT max(m.id) FROM messages m WHERE m.conv_id = "
                      "c.id)), 0) FROM conversations c WHERE c.family_id IN " STAFF_FAMILIES,
    /* CONV_HEAD: a conversation's head, its team's response target. */
    [ST_CONVS_FAMILY] = "SELECT " CONV_HEAD " FROM conv_members cm "
                        "JOIN conversations c ON c.id = cm.conv_id "
                        "JOIN families f ON f.id = c.family_id JOIN teams t ON t.id = f.team_id "
                        "WHERE cm.user_id = ?1 ORDER BY c.id",
    [ST_CONVS_STAFF] = "SELECT " CONV_HEAD " FROM conversations c "
                       "JOIN families f ON f.id = c.family_id JOIN teams t ON t.id = f.team_id "
                       "WHERE c.family_id IN " STAFF_FAMILIES " ORDER BY c.id",
    [ST_CONV_ONE] = "SELECT " CONV_HEAD " FROM conversations c "
                    "JOIN families f ON f.id = c.family_id JOIN teams t ON t.id = f.team_id "
                    "WHERE c.id = ?1",
    [ST_CONV_MEMBERS] = "SELECT u.id, u.name, u.role FROM users u WHERE u.id IN "
                        "(SELECT user_id FROM conv_members WHERE conv_id = ?1) "
                        "OR u.id IN (SELECT primary_id FROM families WHERE id = ?2) "
                        "OR u.id IN (SELECT secondary_id FROM families WHERE id = ?2) "
                        "ORDER BY u.role = 'family', u.id",
    [ST_FAMILY_PAIR] = "SELECT team_id, primary_id, secondary_id FROM families WHERE id = ?1",
    [ST_CONV_PAIR] = "SELECT primary_id, secondary_id FROM families WHERE id = ?1",
    /* ?3 false (a family member looks): each position clamped to the last
     * message the family may see, so that no note shows through. */
    [ST_CONV_READS] = "SELECT u.id, u.name, u.role, CASE WHEN ?3 THEN r.upto ELSE "
                      "ifnull((SELECT max(m.id) FROM messages m WHERE m.conv_id = ?1 AND "
                      "m.id <= r.upto AND m.kind <> 'note'), 0) END, r.at FROM read_positions r "
                      "JOIN users u ON u.id = r.user_id WHERE r.conv_id = ?1 AND "
                      "(r.user_id IN (SELECT user_id FROM conv_members WHERE conv_id = ?1) "
                      "OR r.user_id IN (SELECT primary_id FROM families WHERE id = ?2) "
                      "OR r.user_id IN (SELECT secondary_id FROM families WHERE id = ?2)) "
                      "ORDER BY u.id",
    [ST_FAMILY_DEVICES] = "SELECT d.id, d.name, u.id, u.name, u.role, d.created_at, "
                          "ifnull(d.revoked_at, 0) FROM devices d JOIN users u ON u.id = d.user_id "
                          "WHERE u.family_id = ?1 ORDER BY d.id",
    /* The same endpoint registered again (a browser that signed in again)
     * moves to the new sign-in. */
    [ST_PUSH_SUB_UPSERT] = "INSERT INTO push_subscriptions(user_id, token_id, device_id, "
                           "endpoint, p256dh, auth, created_at, lang) VALUES (?1, ?2, ?3, ?4, "
                           "?5, ?6, ?7, ?8) ON CONFLICT (endpoint) DO UPDATE SET user_id = "
                           "excluded.user_id, token_id = excluded.token_id, device_id = "
                           "excluded.device_id, p256dh = excluded.p256dh, auth = excluded.auth, "
                           "lang = excluded.lang RETURNING id",
    [ST_PUSH_SUB_DELETE] = "DELETE FROM push_subscriptions WHERE id = ?1 AND user_id = ?2",
    [ST_PUSH_SUB_DELETE_TOKEN] = "DELETE FROM push_subscriptions WHERE token_id = ?1",
    [ST_PUSH_SUB_DELETE_DEVICE] = "DELETE FROM push_subscriptions WHERE device_id = ?1",
    [ST_PUSH_SUB_DELETE_USER] = "DELETE FROM push_subscriptions WHERE user_id = ?1",
    /* One row per subscription of ?1 and conversation says "something to
     * tell"; a message that finds one already there writes nothing (the
     * newest is looked up when the notification is made: PUSH_NEWEST). */
    /* Read first: most messages find every row there, and a read costs the
     * writer less than an INSERT that does nothing (its statement journal). */
    [ST_PUSH_UNQUEUED] = "SELECT count(*) FROM push_subscriptions s WHERE s.user_id = ?1 AND "
                         "NOT EXISTS (SELECT 1 FROM push_queue q WHERE q.sub_id = s.id AND "
                         "q.conv_id = ?2)",
    [ST_PUSH_ENQUEUE] = "INSERT INTO push_queue(sub_id, user_id, conv_id, message_id, "
                        "not_before, created_at) SELECT id, user_id, ?2, ?3, ?4, ?5 FROM "
                        "push_subscriptions WHERE user_id = ?1 ON CONFLICT (sub_id, conv_id) "
                        "DO NOTHING",
    /* Without a message newer than what was told (m.id NULL) the row settles. */
    [ST_PUSH_DUE_ONE] = "SELECT q.id, q.sub_id, q.user_id, q.conv_id, ifnull(m.id, 0), "
                        "q.attempts, q.created_at, s.endpoint, s.p256dh, s.auth, s.lang, "
                        "r.push_content, r.role, m.family_id, m.kind, u.name, u.role, "
                        "substr(m.body, 1, ?2), length(m.body) > ?2, m.created_at, q.not_before, "
                        "q.notified_id FROM push_queue q JOIN push_subscriptions s ON s.id = "
                        "q.sub_id JOIN users r ON r.id = q.user_id LEFT JOIN messages m ON m.id = "
                        "(" PUSH_NEWEST("q", "q.notified_id") ") LEFT JOIN users u ON u.id = "
                                                              "m.sender_id WHERE q.id = ?1",
    /* From the index alone: most of what is due is already under way. */
    [ST_PUSH_DUE_IDS] = "SELECT id FROM push_queue WHERE not_before <= ?1 ORDER BY not_before "
                        "LIMIT ?2",
    [ST_PUSH_NEXT] = "SELECT ifnull(min(not_before), 0) FROM push_queue WHERE not_before > ?1",
    /* Told of ?2 (or given up): gone, unless a newer message came meanwhile. */
    [ST_PUSH_DONE] =
        "DELETE FROM push_queue WHERE id = ?1 AND NOT EXISTS (" PUSH_NEWEST("push_queue", "?2") ")",
    /* Sent, and a newer message is told of no sooner than ?3. */
    [ST_PUSH_NOTIFIED] = "UPDATE push_queue SET notified_id = ?2, not_before = ?3, attempts = 0 "
                         "WHERE id = ?1",
    [ST_PUSH_RETRY] = "UPDATE push_queue SET not_before = ?2, attempts = attempts + 1 "
                      "WHERE id = ?1",
    [ST_PUSH_SUB_GONE] = "DELETE FROM push_subscriptions WHERE id = ?1",
    /* Read up to ?3: nothing left to tell unless a newer message is unread. */
    [ST_PUSH_SEEN] = "DELETE FROM push_queue WHERE user_id = ?1 AND conv_id = ?2 AND NOT "
                     "EXISTS (" PUSH_NEWEST("push_queue", "?3") ")",
    /* Not yet told, or due (a renewal's newer messages are not counted
     * before its time: that would be a lookup per row). */
    /* A phone's sign-in that ends (by disuse or at its end) between ?1 and
     * ?1 + ?2 and has not been warned since it was last used, with each of
     * its subscriptions and its family's quiet hours. */
    [ST_PUSH_EXPIRING] = "SELECT t.id, s.id, s.endpoint, s.p256dh, s.auth, s.lang, t.user_id, "
                         "u.family_id, f.quiet_start, f.quiet_end, min(t.expires_at, "
                         "t.last_used_at + t.idle_ms) AS ends FROM tokens t JOIN "
                         "push_subscriptions s ON s.token_id = t.id JOIN users u ON u.id = "
                         "t.user_id JOIN families f ON f.id = u.family_id WHERE t.device_id IS "
                         "NOT NULL AND t.revoked_at IS NULL AND u.active = 1 AND t.warned_at < "
                         "t.last_used_at AND ends > ?1 AND ends <= ?1 + ?2 ORDER BY ends LIMIT ?3",
    [ST_MEMBER_SMS_GET] = "SELECT ifnull(m.phone, ''), m.sms_channel, m.sms_consent_at, "
                          "ifnull(c.id, 0), ifnull(c.name, ''), ifnull(c.role, 'adviser'), "
                          "m.sms_stopped_at FROM users m LEFT JOIN users c ON c.id = "
                          "m.sms_consent_by WHERE m.id = ?1",
    [ST_MEMBER_SMS_SET] = "UPDATE users SET phone = nullif(?2, ''), sms_channel = ?3, "
                          "sms_consent_at = ?4, sms_consent_by = nullif(?5, 0) WHERE id = ?1",
    [ST_MEMBER_BY_PHONE] = "SELECT id FROM users WHERE phone = ?1 AND role = 'family' AND "
                           "active = 1",
    [ST_MESSAGE_VIA_SMS] = "UPDATE messages SET via = 'sms' WHERE id = ?1",
    [ST_MESSAGE_NO_SMS] = "UPDATE messages SET no_sms = 1 WHERE id = ?1",
    [ST_SMS_QUEUE] = "INSERT INTO sms_outbox(kind, user_id, conv_id, message_id, phone, body, "
                     "not_before, created_at, updated_at) VALUES (?1, nullif(?2, 0), "
                     "nullif(?3, 0), nullif(?4, 0), ?5, ?6, ?7, ?8, ?8)",
    /* In order, the oldest first, with what makes the text: the message
     * and its sender, and the member's settings as they are now. */
    [ST_SMS_DUE] = "SELECT o.id, o.kind, ifnull(o.user_id, 0), ifnull(o.conv_id, 0), "
                   "ifnull(o.message_id, 0), o.phone, o.body, o.state, o.attempts, "
                   "o.created_at, ifnull(m.body, ''), ifnull(su.name, ''), ifnull(m.no_sms, 0), "
                   "ifnull(m.kind, 'text'), ifnull(u.sms_channel, 'sms'), "
                   "ifnull(u.sms_consent_at, 0), ifnull(u.sms_stopped_at, 0), "
                   "ifnull(u.phone, o.phone), ifnull(u.name, ''), ifnull(m.withdrawn, 0) "
                   "FROM sms_outbox o "
                   "LEFT JOIN messages m ON m.id = o.message_id LEFT JOIN users su ON su.id = "
                   "m.sender_id LEFT JOIN users u ON u.id = o.user_id WHERE o.state IN "
                   "('queued','sending') AND o.not_before <= ?1 ORDER BY o.id LIMIT ?2",
    [ST_SMS_NEXT] = "SELECT ifnull(min(not_before), 0) FROM sms_outbox WHERE state IN "
                    "('queued','sending') AND not_before > ?1",
    [ST_SMS_CLAIM] = "UPDATE sms_outbox SET state = 'sending', attempts = attempts + 1, "
                     "not_before = ?2, updated_at = ?3 WHERE id = ?1",
    /* What the sender learnt; a delivery report may have come first. An
     * invitation's code is not kept once it went (or could not). */
    [ST_SMS_SENT] = "UPDATE sms_outbox SET state = ?2, not_before = ?3, updated_at = ?4, "
                    "detail = ?5, full_text = ?6, body = CASE WHEN kind = 'invite' AND ?2 <> "
                    "'queued' THEN '' ELSE body END WHERE id = ?1 AND state IN "
                    "('queued','sending')",
    /* A delivery report: never back from delivered or failed. */
    [ST_SMS_REPORT] =
        "UPDATE sms_outbox SET state = ?2, updated_at = ?3, detail = ?4, "
        "body = CASE WHEN kind = 'invite' THEN '' ELSE body END WHERE id = ?1 "
        "AND state NOT IN ('delivered','failed','cancelled') AND (?2 <> 'accepted' OR "
        "state <> 'accepted')",
    [ST_SMS_GET] = "SELECT id, kind, ifnull(user_id, 0), ifnull(conv_id, 0), "
                   "ifnull(message_id, 0), state, full_text, updated_at FROM sms_outbox "
                   "WHERE id = ?1",
    [ST_SMS_CONV] = "SELECT id, kind, ifnull(user_id, 0), ifnull(conv_id, 0), "
                    "ifnull(message_id, 0), state, full_text, updated_at FROM sms_outbox "
                    "WHERE conv_id = ?1 AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3",
    [ST_SMS_SENT_TO] = "SELECT count(*) FROM sms_outbox WHERE kind = ?1 AND phone = ?2 AND "
                       "created_at > ?3",
    /* How far the member was reached in the app (delivered to a device or
     * read), and whether push can reach them at all. */
    [ST_SMS_REACHED] = "SELECT max(ifnull((SELECT delivered_upto FROM deliveries WHERE "
                       "conv_id = ?2 AND user_id = ?1), 0), ifnull((SELECT upto FROM "
                       "read_positions WHERE conv_id = ?2 AND user_id = ?1), 0)), (SELECT "
                       "count(*) FROM push_subscriptions WHERE user_id = ?1)",
    /* A fallback notice told of conv after the member last read it. */
    [ST_SMS_FALLBACK_OPEN] = "SELECT count(*) FROM sms_outbox WHERE kind = 'fallback' AND "
                             "user_id = ?1 AND conv_id = ?2 AND state <> 'failed' AND state "
                             "<> 'cancelled' AND message_id > ifnull((SELECT upto FROM "
                             "read_positions WHERE conv_id = ?2 AND user_id = ?1), 0)",
    [ST_SMS_POSTPONE] = "UPDATE sms_outbox SET not_before = ?2, updated_at = ?3 WHERE id = ?1",
    /* Where a message went by SMS, or is going: to whom, on which number. */
    [ST_SMS_WENT] = "SELECT DISTINCT user_id, conv_id, phone FROM sms_outbox WHERE "
                    "message_id = ?1 AND kind = 'message' AND state IN "
                    "('sending','accepted','delivered') AND user_id IS NOT NULL LIMIT ?2",
    /* How the message's own SMS to the member went. */
    [ST_SMS_ORIGINAL] = "SELECT state, full_text FROM sms_outbox WHERE message_id = ?1 AND "
                        "user_id = ?2 AND kind = 'message' ORDER BY id DESC LIMIT 1",
    [ST_SMS_WAITING] = "SELECT count(*) FROM sms_outbox WHERE state IN ('queued','sending')",
    [ST_MEMBER_SMS_STOP] = "UPDATE users SET sms_stopped_at = ?2 WHERE id = ?1",
    [ST_TOKEN_WARNED] = "UPDATE tokens SET warned_at = ?2 WHERE id = ?1",
    [ST_PUSH_WAITING] = "SELECT count(*) FROM push_queue WHERE notified_id < message_id OR "
                        "not_before <= ?1",
    [ST_USER_PUSH_CONTENT_GET] = "SELECT push_content FROM users WHERE id = ?1",
    [ST_USER_PUSH_CONTENT_SET] = "UPDATE users SET push_content = ?2 WHERE id = ?1",
    [ST_SCHED_INSERT] = "INSERT INTO scheduled(conv_id, family_id, sender_id, body, client_id, "
                        "send_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                        "?7) RETURNING id",
    [ST_SCHED_GET] = SCHED_COLS "WHERE s.id = ?1",
    [ST_SCHED_BY_CLIENT] = SCHED_COLS "WHERE s.sender_id = ?1 AND s.client_id = ?2",
    [ST_SCHED_LIST] = SCHED_COLS "WHERE s.conv_id = ?1 AND s.state = 'waiting' "
                                 "ORDER BY s.send_at, s.id LIMIT ?2",
    [ST_SCHED_DUE] = SCHED_COLS "WHERE s.state = 'waiting' AND s.send_at <= ?1 "
                                "ORDER BY s.send_at, s.id LIMIT ?2",
    [ST_SCHED_COUNT] = "SELECT count(*) FROM scheduled WHERE conv_id = ?1 AND state = 'waiting'",
    [ST_SCHED_NEXT] = "SELECT ifnull(min(send_at), 0) FROM scheduled WHERE state = 'waiting'",
    [ST_SCHED_UPDATE] = "UPDATE scheduled SET body = ?2, send_at = ?3, updated_at = ?4 "
                        "WHERE id = ?1 AND state = 'waiting'",
    [ST_SCHED_STATE] = "UPDATE scheduled SET state = ?2, message_id = ?3, updated_at = ?4 "
                       "WHERE id = ?1 AND state = 'waiting'",
    /* Positions only move forward: an older confirmation changes nothing. */
    [ST_DELIVERED_SET] = "INSERT INTO deliveries(conv_id, user_id, delivered_upto, delivered_at, "
                         "device_id) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (conv_id, user_id) "
                         "DO UPDATE SET delivered_upto = excluded.delivered_upto, delivered_at = "
                         "excluded.delivered_at, device_id = excluded.device_id "
                         "WHERE excluded.delivered_upto > deliveries.delivered_upto",
    [ST_NOTIFIED_SET] = "INSERT INTO deliveries(conv_id, user_id, notified_upto, notified_at) "
                        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (conv_id, user_id) DO UPDATE SET "
                        "notified_upto = excluded.notified_upto, notified_at = "
                        "excluded.notified_at WHERE excluded.notified_upto > "
                        "deliveries.notified_upto",
    [ST_DELIVERY_GET] = DELIVERY_COLS "WHERE d.conv_id = ?1 AND d.user_id = ?2",
    /* The family members' positions in conv (for its staff). */
    [ST_CONV_DELIVERIES] = DELIVERY_COLS "WHERE d.conv_id = ?1 AND u.family_id = ?2 ORDER BY u.id",
    [ST_FAMILY_QUIET_GET] = "SELECT quiet_start, quiet_end FROM families WHERE id = ?1",
    [ST_FAMILY_QUIET_SET] = "UPDATE families SET quiet_start = ?2, quiet_end = ?3 WHERE id = ?1",
    [ST_CONV_VISIBLE_UPTO] = "SELECT ifnull(max(id), 0) FROM messages WHERE conv_id = ?1 AND "
                             "id <= ?2 AND kind <> 'note'",
    /* The newest message the caller may see (?2: notes too), for the
     * caseload: its body's start on one line. */
    [ST_CONV_LAST_MSG] = "SELECT m.id, m.sender_id, u.name, u.role, m.kind, "
                         "replace(replace(replace(substr(m.body, 1, 120), char(13), ' '), "
                         "char(10), ' '), char(9), ' '), m.created_at FROM messages m "
                         "JOIN users u ON u.id = m.sender_id WHERE m.conv_id = ?1 AND "
                         "(?2 OR m.kind <> 'note') ORDER BY m.id DESC LIMIT 1",
    /* No row: never waited, never answered. */
    [ST_WAITING_GET] = "SELECT c.waiting_from, c.waiting_since, c.answered_how, "
                       "ifnull(c.answered_by, 0), ifnull(u.name, ''), ifnull(u.role, 'adviser'), "
                       "c.answered_at, c.answered_upto FROM conv_state c "
                       "LEFT JOIN users u ON u.id = c.answered_by WHERE c.conv_id = ?1",
    /* A new wait is looked at by the escalation check at once: it knows
     * the team's target and week, the message path does not. */
    [ST_WAITING_START] =
        "INSERT INTO conv_state(conv_id, waiting_from, waiting_since, escalate_at) "
        "VALUES (?1, ?2, ?3, ?3) ON CONFLICT(conv_id) DO UPDATE SET "
        "waiting_from = ?2, waiting_since = ?3, escalated = 0, escalate_at = ?3 "
        "WHERE waiting_from = 0",
    [ST_WAITING_ANSWER] =
        "INSERT INTO conv_state(conv_id, answered_how, answered_by, answered_at, "
        "answered_upto, waiting_from, waiting_since, escalate_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT(conv_id) DO UPDATE SET "
        "answered_how = ?2, answered_by = ?3, answered_at = ?4, "
        "answered_upto = ?5, waiting_from = ?6, waiting_since = ?7, "
        "escalated = 0, escalate_at = ?7",
    [ST_ESCALATE_NEXT] = "SELECT ifnull(min(escalate_at), 0) FROM conv_state WHERE escalate_at > 0",
    [ST_ESCALATE_DUE] =
        "SELECT s.conv_id, c.family_id, f.team_id, s.waiting_from, s.waiting_since, "
        "s.escalated, t.answer_minutes, t.work_week, f.primary_id, f.secondary_id "
        "FROM conv_state s JOIN conversations c ON c.id = s.conv_id "
        "JOIN families f ON f.id = c.family_id JOIN teams t ON t.id = f.team_id "
        "WHERE s.escalate_at > 0 AND s.escalate_at <= ?1 ORDER BY s.escalate_at "
        "LIMIT ?2",
    [ST_ESCALATE_SET] = "UPDATE conv_state SET escalated = ?2, escalate_at = ?3 WHERE conv_id = ?1",
    [ST_TEAM_ANSWER_SET] = "UPDATE teams SET answer_minutes = ?2, "
                           "work_week = ifnull(?3, work_week) WHERE id = ?1",
    [ST_TEAM_LEADER_SET] = "UPDATE team_staff SET leader = ?3 WHERE team_id = ?1 AND user_id = ?2",
    [ST_TEAM_ESCALATE_AGAIN] = "UPDATE conv_state SET escalate_at = ?2 WHERE waiting_from <> 0 "
                               "AND conv_id IN (SELECT c.id FROM conversations c JOIN families f "
                               "ON f.id = c.family_id WHERE f.team_id = ?1)",
    /* The pair's absences not over at ?2, the primary first. */
    [ST_FAMILY_AWAY] =
        "SELECT u.id, u.name, u.role, a.starts_at, a.ends_at, a.note FROM families f "
        "JOIN absences a ON a.user_id IN (f.primary_id, f.secondary_id) "
        "JOIN users u ON u.id = a.user_id WHERE f.id = ?1 AND a.ends_at > ?2 "
        "ORDER BY a.user_id <> f.primary_id",
    [ST_ABSENCE_SET] = "INSERT INTO absences(user_id, starts_at, ends_at, note, set_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(user_id) DO UPDATE SET "
                       "starts_at = ?2, ends_at = ?3, note = ?4, set_at = ?5",
    /* The text before a change, kept; then the message as it is now. */
    [ST_MSG_VERSION_ADD] = "INSERT INTO message_versions(message_id, body, changed_at, change) "
                           "SELECT id, body, ?2, ?3 FROM messages WHERE id = ?1",
    [ST_MSG_CHANGE] = "UPDATE messages SET body = ?2, edited_at = ?3, withdrawn = ?4 WHERE id = ?1",
#define TEMPLATE_COLS                                                                              \
	"SELECT t.id, t.team_id, tm.name, t.title, t.lang, t.body, u.id, u.name, u.role, "         \
	"t.updated_at FROM templates t JOIN teams tm ON tm.id = t.team_id "                        \
	"JOIN users u ON u.id = t.updated_by "
    /* The templates of every team ?1 is on, at most ?2. */
    [ST_TEMPLATES_OF] =
        TEMPLATE_COLS "WHERE t.team_id IN (SELECT team_id FROM team_staff "
                      "WHERE user_id = ?1) ORDER BY tm.name, t.title, t.lang LIMIT ?2",
    [ST_TEMPLATE_GET] = TEMPLATE_COLS "WHERE t.id = ?1",
    [ST_TEMPLATE_COUNT] = "SELECT count(*) FROM templates WHERE team_id = ?1",
    [ST_TEMPLATE_ADD] = "INSERT INTO templates(team_id, title, lang, body, updated_by, updated_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_TEMPLATE_SET] = "UPDATE templates SET title = ?2, lang = ?3, body = ?4, updated_by = ?5, "
                        "updated_at = ?6 WHERE id = ?1",
    [ST_TEMPLATE_DELETE] = "DELETE FROM templates WHERE id = ?1",
    [ST_ABSENCE_CLEAR] = "DELETE FROM absences WHERE user_id = ?1",
    [ST_ABSENCE_GET] =
        "SELECT u.id, u.name, u.role, a.starts_at, a.ends_at, a.note FROM absences a "
        "JOIN users u ON u.id = a.user_id WHERE a.user_id = ?1 AND a.ends_at > ?2",
    /* One contact-log row for each family whose pair ?3 is in. */
    [ST_LOG_PAIR_FAMILIES] = "INSERT INTO contact_log(at, kind, actor_id, family_id, conv_id, "
                             "message_id, detail) SELECT ?1, ?2, ?3, id, NULL, NULL, ?4 "
                             "FROM families WHERE primary_id = ?3 OR secondary_id = ?3",
    [ST_LEADS_FAMILY] = "SELECT EXISTS (SELECT 1 FROM team_staff ts JOIN families f ON "
                        "f.team_id = ts.team_id WHERE f.id = ?2 AND ts.user_id = ?1 AND ts.leader)",
    [ST_USER_TEAMS] = "SELECT t.id, t.name, ts.leader FROM team_staff ts JOIN teams t ON "
                      "t.id = ts.team_id WHERE ts.user_id = ?1 ORDER BY t.name LIMIT ?2",
    [ST_TEAM_STAFF] = "SELECT u.id, u.name, u.role, u.username, ts.leader FROM team_staff ts "
                      "JOIN users u ON u.id = ts.user_id WHERE ts.team_id = ?1 AND u.active "
                      "ORDER BY u.name LIMIT ?2",
    [ST_FAMILY_MET] = "UPDATE families SET met_at = ?2 WHERE id = ?1",
    [ST_TEAM_LEADERS] = "SELECT ts.user_id FROM team_staff ts JOIN users u ON u.id = ts.user_id "
                        "WHERE ts.team_id = ?1 AND ts.leader AND u.active ORDER BY ts.user_id",
    /* The first text a family member wrote in ?1 after message ?2. */
    [ST_WAITING_NEXT] = "SELECT m.id, m.created_at FROM messages m JOIN users u ON "
                        "u.id = m.sender_id WHERE m.conv_id = ?1 AND m.id > ?2 AND "
                        "m.kind = 'text' AND u.role = 'family' ORDER BY m.id LIMIT 1",
    [ST_CONV_LAST] = "SELECT ifnull(max(id), 0) FROM messages WHERE conv_id = ?1 AND "
                     "(?2 OR kind <> 'note')",
    [ST_CONV_UNREAD] = "SELECT count(*) FROM messages WHERE conv_id = ?1 AND id > ?2 AND "
                       "sender_id <> ?3 AND (?4 OR kind <> 'note')",
    /* The sum of ST_CONV_UNREAD over every conversation the user (?1) may
     * see: what a locked staff page's title counts (GET /api/me/unread). */
    [ST_UNREAD_STAFF] = "SELECT count(*) FROM conversations c JOIN messages m ON m.conv_id = "
                        "c.id AND m.id > ifnull((SELECT upto FROM read_positions WHERE "
                        "conv_id = c.id AND user_id = ?1), 0) WHERE c.family_id IN " STAFF_FAMILIES
                        " AND m.sender_id <> ?1",
    [ST_UNREAD_FAMILY] = "SELECT count(*) FROM conv_members cm JOIN messages m ON m.conv_id = "
                         "cm.conv_id AND m.id > ifnull((SELECT upto FROM read_positions "
                         "WHERE conv_id = cm.conv_id AND user_id = ?1), 0) WHERE cm.user_id = "
                         "?1 AND m.sender_id <> ?1 AND m.kind <> 'note'",
    [ST_READ_GET] = "SELECT upto, at FROM read_positions WHERE conv_id = ?1 AND user_id = "
                    "?2",
    [ST_READ_UPSERT] = "INSERT INTO read_positions(conv_id, user_id, upto, at) VALUES "
                       "(?1, ?2, ?3, ?4) ON CONFLICT (conv_id, user_id) DO UPDATE SET "
                       "upto = excluded.upto, at = excluded.at WHERE excluded.upto > upto",
    /* Attachments: an upload's row from its first byte (store_attach.c). */
    [ST_ATT_INSERT] = "INSERT INTO attachments(owner_id, size, next_at, created_at) "
                      "VALUES (?1, ?2, ?3, ?4)",
    [ST_ATT_GET] = "SELECT " ATT_COLS " FROM attachments WHERE id = ?1",
    [ST_ATT_OF_MSG] = "SELECT " ATT_COLS " FROM attachments WHERE message_id = ?1 "
                      "ORDER BY position",
    /* A message takes its sender's uploads, once. */
    [ST_ATT_TAKE] = "UPDATE attachments SET message_id = ?2, position = ?3 "
                    "WHERE id = ?1 AND message_id IS NULL",
    [ST_MSG_SET_N_ATTACH] = "UPDATE messages SET n_attach = ?2 WHERE id = ?1",
    /* The owner's uploads still arriving, within their deadline (next_at). */
    [ST_ATT_RECEIVING] = "SELECT count(*) FROM attachments WHERE owner_id = ?1 "
                         "AND message_id IS NULL AND state = 'receiving' AND next_at > ?2",
    [ST_ATT_UNSENT] = "SELECT count(*) FROM attachments WHERE owner_id = ?1 "
                      "AND message_id IS NULL",
    [ST_ATT_RECEIVED] = "UPDATE attachments SET state = 'checking', kind = ?2, mime = ?3, "
                        "name = ?4, size = ?5, next_at = 0 WHERE id = ?1 AND state = 'receiving'",
    [ST_ATT_DELETE] = "DELETE FROM attachments WHERE id = ?1",
    /* The checker's: the next upload due to be checked, its lease or
     * retry (next_at), the earliest due, and the outcome. */
    [ST_ATT_DUE] = "SELECT id FROM attachments WHERE state = 'checking' AND next_at <= ?1 "
                   "ORDER BY next_at, id LIMIT 1",
    [ST_ATT_SET_NEXT] = "UPDATE attachments SET next_at = ?2, tries = tries + ?3 WHERE id = ?1",
    [ST_ATT_NEXT] = "SELECT ifnull(min(next_at), 0) FROM attachments WHERE state = 'checking'",
    /* Uploads never sent: cut off while arriving, or kept past their time. */
    [ST_ATT_EXPIRED] = "SELECT id FROM attachments WHERE message_id IS NULL AND "
                       "((state = 'receiving' AND next_at <= ?1) OR created_at <= ?2) "
                       "LIMIT ?3",
    [ST_ATT_FILE_USED] = "SELECT (SELECT count(*) FROM attachments WHERE sha256 = ?1) + "
                         "(SELECT count(*) FROM attachments WHERE thumb_sha256 = ?1)",
    [ST_ATT_CHECKED] = "UPDATE attachments SET state = ?2, mime = ?3, name = ?4, size = ?5, "
                       "sha256 = nullif(?6, ''), thumb_sha256 = nullif(?7, ''), width = ?8, "
                       "height = ?9, reason = ?10, checked_at = ?11, next_at = 0 "
                       "WHERE id = ?1 AND state = 'checking'",
    [ST_LOG_INSERT] = "INSERT INTO contact_log(at, kind, actor_id, family_id, conv_id, "
                      "message_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* One page of a family's log in id order: its own rows, and the rows
     * without a family of its pair and team (staff sign-ins), each branch
     * read from its index from the cursor on and merged. */
    [ST_LOG_PAGE] =
        "SELECT l.id, l.at, l.kind, ifnull(l.actor_id, 0), "
        "ifnull(u.name, 'indgang-admin'), ifnull(u.role, 'admin'), "
        "ifnull(l.conv_id, 0), ifnull(l.message_id, 0), l.detail, m.body "
        "FROM (SELECT id FROM (SELECT id FROM contact_log "
        "  WHERE family_id = ?1 AND id > ?4 AND id <= ?5 AND at >= ?2 AND at < ?3 " LOG_KINDS
        "  ORDER BY id LIMIT ?6) "
        " UNION ALL SELECT id FROM (SELECT id FROM contact_log INDEXED BY contact_log_staff "
        "  WHERE NOT ?7 " LOG_KINDS " AND family_id IS NULL AND actor_id IN "
        "  (SELECT primary_id FROM families WHERE id = ?1 UNION "
        "   SELECT secondary_id FROM families WHERE id = ?1 UNION "
        "   SELECT ts.user_id FROM team_staff ts JOIN families f "
        "   ON f.team_id = ts.team_id WHERE f.id = ?1) "
        "  AND id > ?4 AND id <= ?5 AND at >= ?2 AND at < ?3 "
        "  ORDER BY id LIMIT ?6) "
        " ORDER BY id LIMIT ?6) p "
        "JOIN contact_log l ON l.id = p.id "
        "LEFT JOIN users u ON u.id = l.actor_id "
        "LEFT JOIN messages m ON m.id = l.message_id AND l.kind IN "
        "  ('message', 'note', 'edited', 'withdrawn') ORDER BY l.id",
    [ST_LOG_LAST_ID] = "SELECT ifnull(max(id), 0) FROM contact_log",
    [ST_HEALTH] = "INSERT INTO health(id, at) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET "
                  "at = excluded.at",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_SAVEPOINT] = "SAVEPOINT job",
    [ST_RELEASE] = "RELEASE job",
    [ST_DATA_VERSION] = "PRAGMA data_version",
};

/* ---- Helpers ----------------------------------------------------------------- */

int store_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return ERR_OK;
	case SQLITE_CONSTRAINT:
		return ERR_CONFLICT;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_NOMEM:
	case SQLITE_PROTOCOL:
		return ERR_UNAVAILABLE;
	default:
		return ERR_INTERNAL;
	}
}

sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = s->stmt[id];
	if (st == NULL) {
		s->compiling_mutation = false;
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st,
		                       NULL) != SQLITE_OK)
			return NULL;
		s->stmt[id] = st;
		s->stmt_mutates[id] = s->compiling_mutation;
	}
	if (s->stmt_mutates[id])
		store_cache_forget(s);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

int store_exec_ids(struct store *s, enum stmt_id id, int64_t a, int64_t b)
{
	sqlite3_stmt *st = store_stmt(s, id);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, a, b);
	return store_exec_stmt(st);
}

int store_exec_stmt(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? ERR_OK : store_err(rc);
}

int store_step_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return ERR_OK;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_NOT_FOUND : store_err(rc);
}

int store_int64(struct store *s, enum stmt_id id, int64_t a, int64_t b, int64_t *out)
{
	sqlite3_stmt *st = store_stmt(s, id);
	if (st == NULL)
		return ERR_INTERNAL;
	store_bind_ids(st, a, b);
	int err = store_step_row(st);
	if (err == ERR_OK)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return err;
}

void store_bind_ids(sqlite3_stmt *st, int64_t a, int64_t b)
{
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, b);
}

void store_bind_range(sqlite3_stmt *st, const struct store_log_range *r)
{
	sqlite3_bind_int64(st, 1, r->family);
	sqlite3_bind_int64(st, 2, r->from > 0 ? r->from : INT64_MIN);
	sqlite3_bind_int64(st, 3, r->to > 0 ? r->to : INT64_MAX);
	sqlite3_bind_int64(st, 4, r->after > 0 ? r->after : 0);
	sqlite3_bind_int64(st, 5, r->upto > 0 ? r->upto : INT64_MAX);
	sqlite3_bind_int(st, 6, r->limit > 0 ? r->limit : 0);
}

void store_bind_id_or_null(sqlite3_stmt *st, int idx, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, idx, id);
	else
		sqlite3_bind_null(st, idx);
}

void store_col_text(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	text_copy(dst, cap, t ? (const char *)t : "");
}

void store_col_user(sqlite3_stmt *st, int col, struct user_ref *u)
{
	u->id = sqlite3_column_int64(st, col);
	store_col_text(st, col + 1, u->name, sizeof u->name);
	const char *role = (const char *)sqlite3_column_text(st, col + 2);
	if (role == NULL || role_parse(role, &u->role) != 0)
		u->role = ROLE_FAMILY;
}

const char *store_errmsg(struct store *s)
{
	if (s && s->db && s->tx_failure && sqlite3_errcode(s->db) == SQLITE_OK)
		return sqlite3_errstr(s->tx_failure); /* the ROLLBACK after it reset errmsg */
	return s && s->db ? sqlite3_errmsg(s->db) : "no database";
}

/* ---- Opening and migrating ---------------------------------------------------- */

static int exec_sql(sqlite3 *db, const char *sql)
{
	return store_err(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

static int read_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ERR_OK : store_err(rc);
}

/* Applies every missing migration in one transaction: a database is either
 * at its old version or at the new one, never in between. */
static int migrate(sqlite3 *db)
{
	int version = 0, err = read_user_version(db, &version);
	if (err)
		return err;
	if (version > MIGRATION_COUNT)
		return ERR_CONFLICT; /* a newer Indgang made this file */
	if (version == MIGRATION_COUNT)
		return ERR_OK;
	if ((err = exec_sql(db, "BEGIN IMMEDIATE")) != ERR_OK)
		return err;
	for (int v = version; v < MIGRATION_COUNT && err == ERR_OK; v++)
		err = exec_sql(db, migrations[v]);
	char bump[64];
	snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", MIGRATION_COUNT);
	if (err == ERR_OK)
		err = exec_sql(db, bump);
	if (err) {
		exec_sql(db, "ROLLBACK");
		return err;
	}
	return exec_sql(db, "COMMIT");
}

/*
 * A full disk must not keep the gateway from starting: opening a WAL database
 * needs its -shm file (32 KiB), and creating that on a full disk fails with
 * SQLITE_IOERR_SHMSIZE, so the last connection to close leaves both files in
 * place (SQLITE_FCNTL_PERSIST_WAL).  Then a restart on a full disk reads, and
 * answers writes with SQLITE_FULL (`unavailable`) until there is room.  A
 * journal_size_limit makes that last close truncate the checkpointed WAL to
 * 0 bytes, so no stale frames stay beside the database (a restored backup
 * next to an old -wal); 64 MiB is far above what the WAL reaches between
 * checkpoints, so it does not shrink the WAL while the gateway runs.
 */
static int keep_wal_index(sqlite3 *db)
{
	int persist = 1;
	int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	if (rc != SQLITE_OK && rc != SQLITE_NOTFOUND)
		return store_err(rc);
	return exec_sql(db, "PRAGMA journal_size_limit = 67108864");
}

/*
 * A new database gives back the space of what the retention rules delete
 * (issue 16: store_vacuum_step).  SQLite lets this be chosen only while the
 * file is empty, before even the switch to WAL writes its first page; an
 * older file keeps reusing its free pages at the same size.
 */
static int give_space_back(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t pages = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL) != SQLITE_OK)
		return store_err(sqlite3_errcode(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		pages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return pages == 0 ? exec_sql(db, "PRAGMA auto_vacuum = INCREMENTAL") : ERR_OK;
}

/* indgang_sha256(text): lower-case hex SHA-256, for migration 6. */
static void sql_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *text = sqlite3_value_text(argv[0]);
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	if (text == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	SHA256(text, (size_t)sqlite3_value_bytes(argv[0]), md);
	for (size_t i = 0; i < sizeof md; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	sqlite3_result_text(ctx, hex, -1, SQLITE_TRANSIENT);
}

static int configure(sqlite3 *db, bool memory)
{
	int err;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_create_function(db, "indgang_sha256", 1,
	                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
	                            sql_sha256, NULL, NULL) != SQLITE_OK)
		return ERR_INTERNAL;
	sqlite3_extended_result_codes(db, 1);
	if (!memory && (err = give_space_back(db)) != ERR_OK)
		return err;
	if (!memory && (err = exec_sql(db, "PRAGMA journal_mode = WAL")) != ERR_OK)
		return err;
	if (!memory && (err = keep_wal_index(db)) != ERR_OK)
		return err;
	/* 32 MiB of page cache, allocated as pages are used: a group commit of
	 * 1,024 messages dirties about 5,000 pages spread over the indexes, and
	 * with the default 2 MiB SQLite spills them to the WAL mid-transaction. */
	/* secure_delete: a deleted row's bytes are overwritten in the page, so
	 * a message the retention rules deleted is not left readable in the
	 * file's free space (issue 16; docs/records.md). */
	return exec_sql(db, "PRAGMA synchronous = FULL;"
	                    "PRAGMA secure_delete = ON;"
	                    "PRAGMA foreign_keys = ON;"
	                    "PRAGMA trusted_schema = OFF;"
	                    "PRAGMA cache_size = -32768;");
}

int store_open(const char *path, struct store **out)
{
	*out = NULL;
	struct store *s = calloc(1, sizeof *s);
	if (s == NULL)
		return ERR_INTERNAL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	int err = store_err(rc);
	if (err)
		goto fail;
	if ((err = configure(s->db, strcmp(path, ":memory:") == 0)) != ERR_OK)
		goto fail;
	if ((err = migrate(s->db)) != ERR_OK)
		goto fail;
	store_cache_watch(s);
	*out = s;
	return ERR_OK;
fail:
	store_close(s);
	return err ? err : ERR_INTERNAL;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	store_cache_destroy(s);
	sqlite3_close(s->db);
	free(s);
}

int store_schema_version(struct store *s)
{
	int v = 0;
	read_user_version(s->db, &v);
	return v;
}

/* The transaction statements run for every message: prepared once too. */
static int exec_prepared(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = store_stmt(s, id);
	return st ? store_exec_stmt(st) : store_err(sqlite3_errcode(s->db));
}

int store_begin(struct store *s)
{
	int err = exec_prepared(s, ST_BEGIN);
	s->tx_failure = err ? sqlite3_extended_errcode(s->db) : 0;
	return err;
}

int store_commit(struct store *s)
{
	int err = exec_prepared(s, ST_COMMIT);
	if (err) {
		/* SQLite has usually rolled back already (a failed COMMIT ends the
		 * transaction); remember why before a ROLLBACK clears the code. */
		s->tx_failure = sqlite3_extended_errcode(s->db);
		store_rollback(s);
	}
	return err;
}

int64_t store_total_changes(struct store *s)
{
	return s && s->db ? sqlite3_total_changes64(s->db) : 0;
}

bool store_in_transaction(struct store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Why the last BEGIN or COMMIT failed, else the connection's last error. */
static int last_failure(struct store *s)
{
	return (s->tx_failure ? s->tx_failure : sqlite3_extended_errcode(s->db)) & 0xff;
}

bool store_failed_io(struct store *s)
{
	int rc = last_failure(s);
	return rc == SQLITE_IOERR || rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

bool store_disk_full(struct store *s)
{
	return last_failure(s) == SQLITE_FULL;
}

static int note_wal_size(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db, (void)name;
	((struct store *)arg)->wal_pages = pages;
	return SQLITE_OK;
}

void store_defer_checkpoints(struct store *s)
{
	sqlite3_wal_hook(s->db, note_wal_size, s); /* replaces wal_autocheckpoint */
}

int store_wal_pages(const struct store *s)
{
	return s->wal_pages;
}

int store_checkpoint(struct store *s, bool *io_error)
{
	int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	*io_error = (rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CORRUPT;
	return rc == SQLITE_OK ? ERR_OK : store_err(rc);
}

int store_checkpoint_truncate(struct store *s, bool *io_error)
{
	sqlite3_busy_timeout(s->db, 0); /* never wait for a reader: the caller tries again */
	int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(s->db, 5000);
	*io_error = (rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CORRUPT;
	return rc == SQLITE_OK ? ERR_OK : store_err(rc);
}

int store_vacuum_step(struct store *s, int pages, int64_t *left)
{
	int64_t mode = 0;
	*left = 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA auto_vacuum", -1, &st, NULL) != SQLITE_OK)
		return store_err(sqlite3_errcode(s->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		mode = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (mode != 2) /* not INCREMENTAL: freed pages are reused, the file keeps its size */
		return ERR_OK;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%d)", pages);
	int err = exec_sql(s->db, sql);
	if (err == ERR_OK &&
	    sqlite3_prepare_v2(s->db, "PRAGMA freelist_count", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			*left = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return err;
}

int store_savepoint(struct store *s)
{
	return exec_prepared(s, ST_SAVEPOINT);
}

int store_release(struct store *s)
{
	return exec_prepared(s, ST_RELEASE);
}

void store_rollback_to(struct store *s)
{
	sqlite3_exec(s->db, "ROLLBACK TO job; RELEASE job", NULL, NULL, NULL);
}

int store_health(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_HEALTH);
	if (st == NULL)
		return ERR_UNAVAILABLE;
	sqlite3_bind_int64(st, 1, text_now_ms());
	return store_exec_stmt(st); /* its own transaction: a real write and fsync */
}
