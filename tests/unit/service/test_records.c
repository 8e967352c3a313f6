/*
 * test_records.c - a family's case closed, filed, held and its data deleted
 * by the retention rules (issue 16), on a real store with a clock the test
 * moves: who may do what, a closed case read-only, the phones signed out
 * after the grace period, nothing deleted before the months, without the
 * filed export or under a hold, then content, access log, contact log and
 * names in batches with a tombstone each, the other family untouched, and
 * dead sign-ins and invitations swept.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "world.h"
#include "core/common/err.h"
#include "core/service/service_int.h"
#include "core/store/store_int.h"

#define T0    1796382000000LL /* 2026-12-04 */
#define DAY   (24LL * 60 * 60 * 1000)
#define MONTH (31 * DAY)

static struct world w;
static const struct retention_policy policy = {14, 12, 60, 36, 90};

static int64_t count(const char *sql)
{
	return world_scalar(&w, sql);
}

static void test_who_may(void)
{
	struct store_user anna = world_user(&w, w.anna), bo = world_user(&w, w.bo),
	                  carl = world_user(&w, w.carl), dora = world_user(&w, w.dora),
	                  mette = world_user(&w, w.mette), admin = world_user(&w, w.admin);
	CHECK_EQ(svc_case_close(w.s, &mette, w.fam_a, "", T0), ERR_FORBIDDEN);
	CHECK_EQ(svc_case_close(w.s, &carl, w.fam_a, "", T0), ERR_FORBIDDEN); /* not a leader */
	CHECK_EQ(svc_case_close(w.s, &dora, w.fam_a, "", T0), ERR_NOT_FOUND);
	CHECK_EQ(svc_case_close(w.s, &admin, w.fam_a, "", T0), ERR_FORBIDDEN);
	CHECK_EQ(svc_case_filed(w.s, &bo, w.fam_a, T0, T0), ERR_FORBIDDEN); /* not coordinator */
	CHECK_EQ(svc_hold_set(w.s, &anna, w.fam_a, "klage", T0), ERR_FORBIDDEN);
	CHECK_EQ(svc_hold_set(w.s, &admin, w.fam_a, "", T0), ERR_BAD_REQUEST);
	CHECK_EQ(svc_hold_lift(w.s, &admin, w.fam_a, "ingen", T0), ERR_CONFLICT);
	struct svc_record rec;
	CHECK_EQ(svc_record_get(w.s, &mette, w.fam_a, &policy, T0, &rec), ERR_FORBIDDEN);
	CHECK_EQ(svc_record_get(w.s, &admin, w.fam_a, &policy, T0, &rec), ERR_OK);
	CHECK_EQ(rec.plan.block, RETAIN_OPEN);
	/* a leader of the team may close and file, not being in the pair */
	int64_t east;
	CHECK_EQ(store_team_by_name(w.s, "Team Øst", &east), ERR_OK);
	CHECK_EQ(store_team_leader_set(w.s, east, w.carl, true), ERR_OK);
	CHECK_EQ(svc_case_close(w.s, &carl, w.fam_a, "afsluttet efter plan", T0), ERR_OK);
	CHECK_EQ(svc_case_close(w.s, &anna, w.fam_a, "", T0), ERR_CONFLICT);
	CHECK_EQ(svc_case_reopen(w.s, &bo, w.fam_a, T0 + 1), ERR_OK);
	CHECK_EQ(svc_case_reopen(w.s, &bo, w.fam_a, T0 + 1), ERR_CONFLICT);
	CHECK_EQ(store_team_leader_set(w.s, east, w.carl, false), ERR_OK);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind IN ('closed','reopened')"), 2);
}

static void test_closed_is_read_only(void)
{
	struct store_user anna = world_user(&w, w.anna), mette = world_user(&w, w.mette);
	int64_t just_before = world_send(&w, w.mette, w.conv_a, KIND_TEXT, "Hej Anna", T0);
	CHECK(just_before > 0);
	CHECK_EQ(count("SELECT count(*) FROM conv_state WHERE waiting_from <> 0"), 1);
	struct sched later;
	struct route_set staff;
	CHECK_EQ(svc_schedule(w.s, &anna, w.conv_a, "Vi ses i morgen", "sched-before", T0 + DAY, T0,
	                      &later, &staff),
	         ERR_OK);
	route_set_free(&staff);
	sched_clear(&later);
	CHECK_EQ(svc_case_close(w.s, &anna, w.fam_a, "", T0 + 10), ERR_OK);
	/* nobody waits for an answer in a closed case */
	CHECK_EQ(count("SELECT count(*) FROM conv_state WHERE waiting_from <> 0"), 0);
	struct svc_sent sent;
	CHECK_EQ(svc_send(w.s, &mette, w.conv_a, KIND_TEXT, 0, "Er der nogen?", "closed-1", T0 + 20,
	                  &sent),
	         ERR_CLOSED);
	CHECK_EQ(svc_send(w.s, &anna, w.conv_a, KIND_TEXT, 0, "Hej", "closed-2", T0 + 20, &sent),
	         ERR_CLOSED);
	CHECK_EQ(svc_send(w.s, &anna, w.conv_a, KIND_NOTE, 0, "note", "closed-3", T0 + 20, &sent),
	         ERR_CLOSED);
	/* a message sent just before stays as it was: no correction, no withdrawal */
	struct svc_changed ch;
	CHECK_EQ(svc_correct(w.s, &mette, just_before, "Hej Anna!", T0 + 30, &ch), ERR_CLOSED);
	svc_changed_clear(&ch);
	CHECK_EQ(svc_withdraw(w.s, &mette, just_before, T0 + 30, &ch), ERR_CLOSED);
	svc_changed_clear(&ch);
	/* nor is anything scheduled sent: refused now, failed when its time comes */
	struct sched d;
	struct svc_released rel;
	CHECK_EQ(svc_schedule_release(w.s, T0 + DAY, 10, &rel), ERR_OK);
	svc_released_clear(&rel);
	CHECK_EQ(
	    count("SELECT count(*) FROM scheduled WHERE client_id = 'sched-before' AND state = "
	          "'failed' AND message_id IS NULL"),
	    1);
	CHECK_EQ(svc_schedule(w.s, &anna, w.conv_a, "I morgen kl. 9", "sched-closed", T0 + DAY,
	                      T0 + 20, &d, &staff),
	         ERR_CLOSED);
	route_set_free(&staff);
	/* the other family's case is open */
	CHECK(world_send(&w, w.amina, w.conv_b, KIND_TEXT, "Hej Dora", T0 + 20) > 0);
}

/* Runs the rules at now until nothing is due; the number of turns. */
static int run_until_idle(int64_t now, int max)
{
	int turns = 0;
	struct svc_retained r;
	do {
		CHECK_EQ(svc_retention_run(w.s, &policy, now, max, &r), ERR_OK);
		turns++;
	} while (r.family != 0 && (r.step != RETAIN_NOTHING || r.request != 0) && turns < 1000);
	return turns;
}

static int64_t family_a_messages(void)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE family_id = %lld",
	         (long long)w.fam_a);
	return count(sql);
}

static void test_deletion(void)
{
	struct store_user anna = world_user(&w, w.anna), admin = world_user(&w, w.admin);
	int64_t closed = T0 + 10;
	char sql[200], b_sql[120];
	snprintf(b_sql, sizeof b_sql, "SELECT count(*) FROM messages WHERE family_id = %lld",
	         (long long)w.fam_b);
	int64_t b_before = count(b_sql);
	/* a history to delete, written before the closing: reopen, write, close */
	CHECK_EQ(svc_case_reopen(w.s, &anna, w.fam_a, T0 + 5), ERR_OK);
	for (int i = 0; i < 7; i++)
		CHECK(world_send(&w, w.anna, w.conv_a, i % 3 ? KIND_TEXT : KIND_NOTE, "indhold",
		                 T0 + 6) > 0);
	CHECK(world_send(&w, w.jonas, w.conv_r, KIND_TEXT, "kun til jer", T0 + 6) > 0);
	CHECK_EQ(svc_case_close(w.s, &anna, w.fam_a, "", closed), ERR_OK);
	int64_t msgs = family_a_messages();
	CHECK(msgs >= 9);
	snprintf(
	    sql, sizeof sql,
	    "INSERT INTO tokens(hash, user_id, created_at, expires_at) VALUES (x'01', %lld, 0, "
	    "99999999999999)",
	    (long long)w.mette);
	CHECK_EQ(sqlite3_exec(store_db(w.s), sql, NULL, NULL, NULL), SQLITE_OK);

	/* the grace period, then the phones */
	CHECK_EQ(run_until_idle(closed + 13 * DAY, 100), 1);
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM tokens WHERE revoked_at IS NULL AND user_id = %lld",
	         (long long)w.mette);
	CHECK_EQ(count(sql), 1);
	run_until_idle(closed + 14 * DAY, 100);
	CHECK_EQ(count(sql), 0);
	CHECK_EQ(
	    count("SELECT count(*) FROM contact_log WHERE kind = 'revoke' AND actor_id IS NULL"),
	    1);

	/* the content's months pass: not filed, nothing goes */
	int64_t due = closed + 12 * MONTH;
	run_until_idle(due, 100);
	CHECK_EQ(family_a_messages(), msgs);
	/* filed, but under a hold: nothing goes */
	CHECK_EQ(svc_hold_set(w.s, &admin, w.fam_a, "sag ved Ankestyrelsen", due), ERR_OK);
	CHECK_EQ(svc_case_filed(w.s, &anna, w.fam_a, closed, due), ERR_OK);
	CHECK_EQ(svc_case_filed(w.s, &anna, w.fam_a, closed - 1, due), ERR_CONFLICT);
	CHECK_EQ(svc_case_filed(w.s, &anna, w.fam_a, due + DAY, due), ERR_BAD_REQUEST);
	run_until_idle(due, 100);
	CHECK_EQ(family_a_messages(), msgs);
	/* lifted: it goes, three rows a turn, the other family's stays */
	CHECK_EQ(svc_hold_lift(w.s, &admin, w.fam_a, "afgjort", due), ERR_OK);
	int turns = run_until_idle(due + 1, 3);
	CHECK(turns >= 4);
	CHECK_EQ(family_a_messages(), 0);
	CHECK_EQ(count(b_sql), b_before);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind = 'deleted' AND detail LIKE "
	               "'step=content texts=% notes=3 %'"),
	         1);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind = 'message'") > 0, 1);

	/* the access log's months, then the contact log's, then the names */
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM contact_log WHERE family_id = %lld AND kind <> 'deleted'",
	         (long long)w.fam_a);
	int64_t log_rows = count(sql);
	char access_sql[160];
	snprintf(access_sql, sizeof access_sql,
	         "SELECT count(*) FROM contact_log WHERE family_id = %lld AND kind IN "
	         "('access','denied')",
	         (long long)w.fam_a);
	int64_t access_rows = count(access_sql);
	CHECK(log_rows > 5 && access_rows > 0);
	run_until_idle(closed + 37 * MONTH, 2);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind = 'deleted' AND detail LIKE "
	               "'step=access %'"),
	         1);
	CHECK_EQ(count(access_sql), 0);
	CHECK_EQ(count(sql), log_rows - access_rows);
	/* the log goes up to the filed export, and what came after the
	 * closing (signed out, filed, held) once older than its 60 months */
	int64_t end = closed + 61 * MONTH;
	run_until_idle(end, 2);
	snprintf(
	    sql, sizeof sql,
	    "SELECT count(*) FROM contact_log WHERE family_id = %lld AND kind <> 'deleted' AND at "
	    "<= %lld",
	    (long long)w.fam_a, (long long)retention_add_months(end, -60));
	CHECK_EQ(count(sql), 0);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind = 'hold_lifted'"), 1);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind = 'deleted'"), 4);
	CHECK_EQ(count("SELECT count(*) FROM families WHERE name = 'Familien Hansen'"), 0);
	CHECK_EQ(count("SELECT count(*) FROM users WHERE name LIKE 'Mette%'"), 0);
	CHECK_EQ(count("SELECT count(*) FROM families WHERE name = 'Familien Ali'"), 1);
	struct svc_record rec;
	CHECK_EQ(svc_record_get(w.s, &admin, w.fam_a, &policy, closed + 62 * MONTH, &rec), ERR_OK);
	CHECK_EQ(rec.plan.block, RETAIN_ALL_DONE);
	CHECK_EQ(rec.r.next_at, 0);
}

static void test_sweep(void)
{
	sqlite3_exec(store_db(w.s),
	             "INSERT INTO tokens(hash, user_id, created_at, expires_at) VALUES "
	             "(x'02', 1, 0, 1000), (x'03', 1, 0, 99999999999999);"
	             "INSERT INTO invites(code_hash, member_id, created_at, expires_at) VALUES "
	             "('a', 1, 0, 1000), ('b', 1, 0, 99999999999999)",
	             NULL, NULL, NULL);
	sqlite3_exec(store_db(w.s),
	             "INSERT INTO sms_outbox(kind, phone, body, state, not_before, created_at, "
	             "updated_at) VALUES ('invite', '+4522345678', 'Din kode: ABCDE-FGHJK', "
	             "'delivered', 0, 0, 0), ('invite', '+4522345679', 'Din kode: KLMNP-QRSTU', "
	             "'queued', 0, 0, 0)",
	             NULL, NULL, NULL);
	int64_t tokens = count("SELECT count(*) FROM tokens");
	struct sweep_count c;
	CHECK_EQ(svc_retention_sweep(w.s, &policy, T0, 100, &c), ERR_OK);
	CHECK(c.tokens >= 1);
	CHECK(c.invites >= 1);
	CHECK_EQ(count("SELECT count(*) FROM tokens WHERE hash = x'03'"), 1);
	CHECK_EQ(count("SELECT count(*) FROM tokens"), tokens - c.tokens);
	CHECK_EQ(count("SELECT count(*) FROM invites WHERE code_hash = 'b'"), 1);
	/* an invitation's code is not kept in the SMS once it went; one to send keeps it */
	CHECK_EQ(count("SELECT count(*) FROM sms_outbox WHERE body LIKE '%ABCDE-FGHJK%'"), 0);
	CHECK_EQ(count("SELECT count(*) FROM sms_outbox WHERE body LIKE '%KLMNP-QRSTU%'"), 1);
	CHECK_EQ(
	    count("SELECT count(*) FROM contact_log WHERE kind = 'deleted' AND family_id IS NULL "
	          "AND detail LIKE 'step=credentials %'"),
	    1);
	CHECK_EQ(svc_retention_sweep(w.s, &policy, T0, 100, &c), ERR_OK); /* nothing more: no row */
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE detail LIKE 'step=credentials %'"),
	         1);
}

/* Staff rows of the contact log without a family (sign-ins, sign-outs,
 * administrators' actions) go when they are older than the contact log's
 * period, counted from when they were written; tombstones stay. */
static void test_sweep_staff_log(void)
{
	int64_t old = retention_add_months(T0, -policy.log_months) - 1000;
	int64_t young = retention_add_months(T0, -policy.log_months) + 1000;
	char sql[512];
	snprintf(sql, sizeof sql,
	         "INSERT INTO contact_log(at, kind, actor_id, family_id, detail) VALUES "
	         "(%lld, 'login', 1, NULL, 'sweep-old'), (%lld, 'login', 1, NULL, 'sweep-young'), "
	         "(%lld, 'deleted', NULL, NULL, 'sweep-tombstone'), "
	         "(%lld, 'message', 1, %lld, 'sweep-family')",
	         (long long)old, (long long)young, (long long)old, (long long)old,
	         (long long)w.fam_a);
	CHECK_EQ(sqlite3_exec(store_db(w.s), sql, NULL, NULL, NULL), SQLITE_OK);
	struct sweep_count c;
	CHECK_EQ(svc_retention_sweep(w.s, &policy, T0, 100, &c), ERR_OK);
	CHECK_EQ(c.staff_log, 1);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE detail = 'sweep-old'"), 0);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE detail = 'sweep-young'"), 1);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE detail = 'sweep-tombstone'"), 1);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE detail = 'sweep-family'"), 1);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind = 'deleted' AND "
	               "detail LIKE 'step=credentials % staff_log=1 %'"),
	         1);
}

/* A member's request for erasure or restriction (GDPR art. 17/18): who
 * records and answers it, an erasure reaching only as far as the case file
 * has the export and only the member's own messages, a restriction a hold. */
static void test_requests(void)
{
	struct store_user dora = world_user(&w, w.dora), anna = world_user(&w, w.anna),
	                  amina = world_user(&w, w.amina);
	int64_t t = T0 + 100 * DAY;
	int64_t mine = world_send(&w, w.amina, w.conv_b, KIND_TEXT, "Slet mig", t);
	int64_t reply = world_send(&w, w.dora, w.conv_b, KIND_TEXT, "Svar", t);
	CHECK(mine > 0 && reply > 0);
	struct data_request r = {.family = w.fam_b, .member = amina.ref, .received_at = t};
	snprintf(r.kind, sizeof r.kind, "erasure");
	snprintf(r.note, sizeof r.note, "Amina beder om at få sine beskeder slettet");
	CHECK_EQ(svc_request_record(w.s, &anna, &r, t), ERR_NOT_FOUND); /* another team's */
	CHECK_EQ(svc_request_record(w.s, &amina, &r, t), ERR_FORBIDDEN);
	r.member = world_user(&w, w.mette).ref;
	CHECK_EQ(svc_request_record(w.s, &dora, &r, t), ERR_BAD_REQUEST); /* not of family B */
	r.member = amina.ref;
	r.received_at = t + DAY;
	CHECK_EQ(svc_request_record(w.s, &dora, &r, t), ERR_BAD_REQUEST); /* in the future */
	r.received_at = t;
	CHECK_EQ(svc_request_record(w.s, &dora, &r, t), ERR_OK);
	CHECK(r.id > 0);

	struct data_request a = {.id = r.id};
	snprintf(a.decision, sizeof a.decision, "granted");
	CHECK_EQ(svc_request_answer(w.s, &dora, &a, t + 1), ERR_BAD_REQUEST); /* no reasons */
	snprintf(a.answer, sizeof a.answer, "Beskederne er journaliseret og slettes her.");
	CHECK_EQ(svc_request_answer(w.s, &dora, &a, t + 1), ERR_CONFLICT); /* nothing filed */
	CHECK_EQ(svc_case_filed(w.s, &dora, w.fam_b, t + 2, t + 2), ERR_OK);
	int64_t later = world_send(&w, w.amina, w.conv_b, KIND_TEXT, "Efter journalen", t + 3);
	CHECK_EQ(svc_request_answer(w.s, &dora, &a, t + 4), ERR_OK);
	CHECK_EQ(a.erase_upto, t + 2);
	CHECK_EQ(svc_request_answer(w.s, &dora, &a, t + 5), ERR_CONFLICT);
	run_until_idle(t + 5, 2);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE id IN (%lld, %lld, %lld)",
	         (long long)mine, (long long)reply, (long long)later);
	CHECK_EQ(count(sql),
	         2); /* hers up to the export went; the adviser's and a later one stay */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE id = %lld", (long long)mine);
	CHECK_EQ(count(sql), 0);
	CHECK_EQ(count("SELECT count(*) FROM contact_log WHERE kind = 'deleted' AND detail LIKE "
	               "'step=erasure %texts=2 %'"), /* and her first, of test_closed */
	         1);
	CHECK_EQ(count("SELECT count(*) FROM data_requests WHERE done_at > 0"), 1);

	struct data_request q = {.family = w.fam_b, .member = amina.ref, .received_at = t};
	snprintf(q.kind, sizeof q.kind, "restriction");
	CHECK_EQ(svc_request_record(w.s, &dora, &q, t + 6), ERR_OK);
	struct data_request b = {.id = q.id};
	snprintf(b.decision, sizeof b.decision, "granted");
	snprintf(b.answer, sizeof b.answer, "Data bevares uændret, mens klagen behandles.");
	CHECK_EQ(svc_request_answer(w.s, &dora, &b, t + 7), ERR_OK);
	CHECK_EQ(count("SELECT count(*) FROM case_records WHERE hold_reason LIKE 'GDPR art. 18%'"),
	         1);
	struct data_request list[REQUESTS_LISTED];
	size_t n;
	CHECK_EQ(svc_requests(w.s, &amina, w.fam_b, t, list, &n), ERR_FORBIDDEN);
	CHECK_EQ(svc_requests(w.s, &dora, w.fam_b, t, list, &n), ERR_OK);
	CHECK_EQ(n, 2);
	CHECK_STR(list[0].kind, "restriction");
	CHECK_EQ(list[1].done_at > 0, 1);
}

struct seen_rows {
	int n, named;
};

static int count_seen(void *ctx, const struct svc_seen *r)
{
	struct seen_rows *c = ctx;
	c->n++;
	c->named += r->name != NULL;
	CHECK(r->role == ROLE_ADVISER || r->role == ROLE_ADMIN);
	return ERR_OK;
}

/* Who read the family's data, as a member sees it: by role unless the
 * municipality shows names; never a read of a thread not theirs. */
static void test_my_access(void)
{
	struct store_user mette = world_user(&w, w.mette), jonas = world_user(&w, w.jonas),
	                  anna = world_user(&w, w.anna), amina = world_user(&w, w.amina);
	CHECK_EQ(svc_log_access(w.s, &anna, w.fam_b, w.conv_b, T0, "history"), ERR_OK);
	CHECK_EQ(svc_log_access(w.s, &anna, w.fam_a, w.conv_r, T0, "history"), ERR_OK);
	CHECK_EQ(svc_log_access(w.s, &anna, w.fam_a, w.conv_a, T0, "history"), ERR_OK);
	CHECK_EQ(svc_log_access(w.s, &anna, w.fam_a, 0, T0, "log"), ERR_OK);
	struct seen_rows m = {0}, j = {0}, named = {0}, b = {0};
	int64_t last;
	bool more;
	CHECK_EQ(svc_my_access_page(w.s, &mette, 0, 1000, false, count_seen, &m, &last, &more),
	         ERR_OK);
	CHECK_EQ(svc_my_access_page(w.s, &jonas, 0, 1000, false, count_seen, &j, &last, &more),
	         ERR_OK);
	CHECK_EQ(j.n, m.n + 1); /* his own thread's read is his alone */
	CHECK(m.n >= 2);
	CHECK_EQ(m.named, 0);
	CHECK_EQ(svc_my_access_page(w.s, &mette, 0, 1000, true, count_seen, &named, &last, &more),
	         ERR_OK);
	CHECK(named.named >= 2 && named.named == named.n);
	CHECK_EQ(svc_my_access_page(w.s, &amina, 0, 1000, false, count_seen, &b, &last, &more),
	         ERR_OK);
	CHECK_EQ(b.n, 1); /* family B's one read, none of A's */
	CHECK_EQ(svc_my_access_page(w.s, &anna, 0, 10, false, count_seen, &b, &last, &more),
	         ERR_FORBIDDEN);
}

int main(void)
{
	if (world_build(&w, ":memory:") != 0)
		return 1;
	test_who_may();
	test_closed_is_read_only();
	test_deletion();
	test_sweep();
	test_sweep_staff_log();
	test_my_access();
	test_requests();
	world_free(&w);
	return check_report("service.records");
}
