/*
 * retention.c - the retention rules carried out (issue 16), one turn at a
 * time on the writer.  core/records/retention.c says which step of a
 * closed family's record is due; here it is done, at most `max` rows a
 * turn, so that deleting a million messages never stalls the messages of
 * everyone else: the family stays due (next_at now) until its step is
 * done.  A step done writes its tombstone: a "deleted" row in the family's
 * log with how many of what went under which rule, never what they said.
 * The deleted text leaves the file itself too: every connection runs with
 * secure_delete (store.c), and the writer truncates the WAL after a
 * family's content went (checkpoint.c).
 */
#include "service_int.h"

#include <stdio.h>
#include <string.h>

#include "../common/text.h"

#define SWEEP_MARGIN_MS (60LL * 60 * 1000) /* dead this long: no session still holds it */
#define CONVS_PER_TURN  64

int svc_retention_next(struct store *s, int64_t *at)
{
	return store_record_next(s, at);
}

/* The rule a step deleted under, for its tombstone. */
static int months_of(const struct retention_policy *p, enum retention_step step)
{
	return step == RETAIN_CONTENT ? p->content_months
	       : step == RETAIN_LOG   ? p->log_months
	                              : p->access_months;
}

/* The tombstone of step, done for family, from the record's counts. */
static int tombstone(struct store *s, int64_t family, const struct retention_policy *p,
                     enum retention_step step, const struct case_record *r, int64_t upto,
                     int64_t now)
{
	char closed[32], filed[32], detail[320];
	text_format_ts(r->closed_at, closed);
	text_format_ts(upto, filed);
	int n = snprintf(detail, sizeof detail, "step=%s", retention_step_name(step));
	if (step == RETAIN_CONTENT)
		n += snprintf(detail + n, sizeof detail - (size_t)n,
		              " texts=%lld notes=%lld system=%lld files=%lld other=%lld",
		              (long long)r->n_texts, (long long)r->n_notes, (long long)r->n_system,
		              (long long)r->n_files, (long long)r->n_other);
	else if (step == RETAIN_LOG || step == RETAIN_ACCESS)
		n += snprintf(detail + n, sizeof detail - (size_t)n, " rows=%lld",
		              (long long)r->n_other);
	if (step != RETAIN_NAMES)
		snprintf(detail + n, sizeof detail - (size_t)n,
		         " months=%d closed=%s filed_upto=%s", months_of(p, step), closed, filed);
	return store_log_append(s, now, "deleted", 0, family, 0, 0, detail);
}

static void add_counts(struct case_record *r, const struct purge_count *c)
{
	r->n_texts += c->texts;
	r->n_notes += c->notes;
	r->n_system += c->system;
	r->n_files += c->files;
	r->n_other += c->other;
}

/* Messages of the family's conversations from r->cursor on, up to max rows;
 * *done when none is left up to upto (then the members' rest goes too). */
static int purge_content(struct store *s, int64_t family, int64_t upto, int max,
                         struct case_record *r, bool *done, int64_t *rows)
{
	int64_t convs[CONVS_PER_TURN];
	size_t n;
	struct purge_count c = {0};
	int err = store_purge_convs(s, family, r->cursor, convs, CONVS_PER_TURN, &n);
	for (size_t i = 0; err == ERR_OK && i < n && c.rows < max; i++) {
		int64_t before;
		do {
			int64_t after = 0; /* what was read went: start over */
			before = c.rows;
			err = store_purge_messages(s, convs[i], upto, 0, &after,
			                           (int)(max - c.rows), &c);
		} while (err == ERR_OK && c.rows > before && c.rows < max);
		if (err == ERR_OK && c.rows == before) { /* this one is empty up to upto */
			err = store_purge_conv_rest(s, convs[i], &c);
			r->cursor = convs[i] + 1;
		}
	}
	*done = err == ERR_OK && c.rows < max && n < CONVS_PER_TURN;
	if (*done && err == ERR_OK)
		err = store_purge_members(s, family, &c);
	add_counts(r, &c);
	*rows = c.rows;
	return err;
}

/* A granted erasure of one member's messages (request_answer.c), a batch
 * at a time from where the last turn stopped: their own messages up to
 * what the case file has, then their phone number, then its tombstone.
 * *busy while there is one (so the family's steps wait for it). */
static int erase_member(struct store *s, int64_t family, int max, int64_t now, bool *busy,
                        struct svc_retained *out)
{
	struct data_request q;
	int err = store_request_erasing(s, family, &q);
	*busy = err == ERR_OK;
	if (err != ERR_OK)
		return err == ERR_NOT_FOUND ? ERR_OK : err;
	int64_t convs[CONVS_PER_TURN];
	size_t n;
	struct purge_count c = {0};
	err = store_purge_convs(s, family, q.cursor_conv, convs, CONVS_PER_TURN, &n);
	for (size_t i = 0; err == ERR_OK && i < n && c.rows < max; i++) {
		if (convs[i] != q.cursor_conv) {
			q.cursor_conv = convs[i];
			q.cursor_id = 0;
		}
		int64_t before;
		do {
			before = c.rows;
			err = store_purge_messages(s, convs[i], q.erase_upto, q.member.id,
			                           &q.cursor_id, (int)(max - c.rows), &c);
		} while (err == ERR_OK && c.rows > before && c.rows < max);
		if (err == ERR_OK && c.rows == before) /* read to its end */
			q.cursor_conv = convs[i] + 1, q.cursor_id = 0;
	}
	q.n_texts += c.texts + c.notes + c.system;
	q.n_files += c.files;
	out->request = q.id;
	out->rows = c.rows;
	out->finished = err == ERR_OK && c.rows < max && n < CONVS_PER_TURN;
	if (out->finished) {
		char detail[160];
		snprintf(detail, sizeof detail,
		         "step=erasure request=%lld member=%lld texts=%lld files=%lld",
		         (long long)q.id, (long long)q.member.id, (long long)q.n_texts,
		         (long long)q.n_files);
		q.done_at = now;
		err = store_request_member_phone(s, q.member.id);
		if (err == ERR_OK)
			err = store_log_append(s, now, "deleted", 0, family, 0, 0, detail);
	}
	return err ? err : store_request_progress(s, &q);
}

/* The family's phones signed out after the grace period: not a deletion,
 * but a contact with the family, logged like a revocation. */
static int sign_out(struct store *s, int64_t family, int64_t now, struct case_record *r)
{
	int64_t phones;
	int err = store_record_sign_out(s, family, now, &phones);
	if (err)
		return err;
	r->phones_at = now;
	char detail[96];
	snprintf(detail, sizeof detail, "case closed: %lld phones signed out", (long long)phones);
	return store_log_append(s, now, "revoke", 0, family, 0, 0, detail);
}

/* One batch of step for family; *finished once it is done. */
static int do_step(struct store *s, const struct retention_policy *p, int64_t family,
                   const struct retention_plan *plan, int max, int64_t now, struct case_record *r,
                   struct svc_retained *out)
{
	struct purge_count c = {0};
	bool more = false;
	int err;
	switch (plan->step) {
	case RETAIN_PHONES:
		out->finished = true;
		return sign_out(s, family, now, r);
	case RETAIN_CONTENT:
		err = purge_content(s, family, plan->upto, max, r, &out->finished, &out->rows);
		break;
	case RETAIN_LOG:
	case RETAIN_ACCESS:
		err = store_purge_log(s, family, plan->step == RETAIN_ACCESS, plan->upto, max,
		                      &r->cursor, &more, &c);
		add_counts(r, &c);
		out->rows = c.rows;
		out->finished = err == ERR_OK && !more;
		break;
	case RETAIN_NAMES:
		err = store_purge_names(s, family);
		out->finished = true;
		break;
	default:
		return ERR_INTERNAL;
	}
	if (err || !out->finished)
		return err;
	if ((err = tombstone(s, family, p, plan->step, r, plan->upto, now)) != ERR_OK)
		return err;
	int64_t *mark[] = {[RETAIN_CONTENT] = &r->content_upto,
	                   [RETAIN_LOG] = &r->log_upto,
	                   [RETAIN_ACCESS] = &r->access_upto};
	if (plan->step == RETAIN_NAMES)
		r->names_at = now;
	else
		*mark[plan->step] = plan->upto;
	r->cursor = r->n_texts = r->n_notes = r->n_system = r->n_files = r->n_other = 0;
	return ERR_OK;
}

int svc_retention_run(struct store *s, const struct retention_policy *policy, int64_t now, int max,
                      struct svc_retained *out)
{
	memset(out, 0, sizeof *out);
	int64_t family;
	int err = store_record_due(s, now, &family);
	if (err == ERR_NOT_FOUND)
		return ERR_OK;
	struct case_record r;
	if (err || (err = store_record_get(s, family, &r)) != ERR_OK)
		return err;
	struct retention_facts f;
	struct retention_plan plan;
	out->family = family;
	bool erasing = false;
	if (r.hold_reason[0] == '\0' &&
	    (err = erase_member(s, family, max, now, &erasing, out)) != ERR_OK)
		return err;
	svc_retention_facts(&r, &f);
	retention_plan(policy, &f, now, &plan);
	out->step = erasing ? RETAIN_NOTHING : plan.step;
	if (out->step != RETAIN_NOTHING &&
	    (err = do_step(s, policy, family, &plan, max, now, &r, out)) != ERR_OK)
		return err;
	svc_retention_facts(&r, &f);
	retention_plan(policy, &f, now, &plan);
	bool more = erasing || (out->step != RETAIN_NOTHING && !out->finished);
	r.next_at = more ? now : plan.next_at;
	return store_record_progress(s, family, &r);
}

int svc_retention_sweep(struct store *s, const struct retention_policy *policy, int64_t now,
                        int max, struct sweep_count *out)
{
	memset(out, 0, sizeof *out);
	int64_t sms_cutoff = now - (int64_t)policy->sms_days * 24 * 60 * 60 * 1000;
	int64_t log_cutoff = retention_add_months(now, -policy->log_months);
	int err = store_sweep_dead(s, now - SWEEP_MARGIN_MS, sms_cutoff, log_cutoff, max, out);
	if (err ||
	    out->tokens + out->push_subscriptions + out->invites + out->sms + out->staff_log == 0)
		return err;
	char detail[240];
	snprintf(detail, sizeof detail,
	         "step=credentials tokens=%lld push_subscriptions=%lld invites=%lld sms=%lld "
	         "staff_log=%lld sms_days=%d log_months=%d",
	         (long long)out->tokens, (long long)out->push_subscriptions,
	         (long long)out->invites, (long long)out->sms, (long long)out->staff_log,
	         policy->sms_days, policy->log_months);
	return store_log_append(s, now, "deleted", 0, 0, 0, 0, detail);
}
