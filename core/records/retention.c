/*
 * retention.c - when a closed family's data goes (issue 16); see retention.h.
 *
 * Each step has a due time counted from the closing, a blocker (a hold, an
 * export not filed) and a step it waits for: the log outlives the content
 * it records, and the names go last, once nothing names the family.  The
 * plan is recomputed from the record after every change, so a reopened,
 * re-filed or released case simply plans again.
 */
#include "retention.h"

#include <time.h>

#define DAY_MS (24LL * 60 * 60 * 1000)

int64_t retention_add_months(int64_t at, int months)
{
	time_t secs = (time_t)(at / 1000);
	struct tm tm;
	if (gmtime_r(&secs, &tm) == NULL)
		return at;
	int day = tm.tm_mday, total = tm.tm_year * 12 + tm.tm_mon + months;
	tm.tm_year = total / 12 - (total % 12 < 0);
	tm.tm_mon = (total % 12 + 12) % 12;
	/* The last day of the target month when it is shorter: day 0 of the
	 * next month, as timegm() normalises it. */
	struct tm last = tm;
	last.tm_mon++;
	last.tm_mday = 0;
	time_t end = timegm(&last);
	struct tm end_tm;
	gmtime_r(&end, &end_tm);
	tm.tm_mday = day < end_tm.tm_mday ? day : end_tm.tm_mday;
	return (int64_t)timegm(&tm) * 1000 + at % 1000;
}

int64_t retention_due(const struct retention_policy *p, enum retention_step step, int64_t closed_at)
{
	switch (step) {
	case RETAIN_PHONES:
		return closed_at + p->grace_days * DAY_MS;
	case RETAIN_CONTENT:
		return retention_add_months(closed_at, p->content_months);
	case RETAIN_LOG:
		return retention_add_months(closed_at, p->log_months);
	case RETAIN_ACCESS:
		return retention_add_months(closed_at, p->access_months);
	case RETAIN_NAMES: {
		int64_t a = retention_due(p, RETAIN_LOG, closed_at);
		int64_t b = retention_due(p, RETAIN_ACCESS, closed_at);
		return a > b ? a : b;
	}
	default:
		return 0;
	}
}

/* Deleted up to the filed export, which reaches the closing. */
static bool deleted_upto(const struct retention_facts *f, int64_t upto)
{
	return f->filed_upto >= f->closed_at && upto >= f->filed_upto;
}

static bool done(const struct retention_facts *f, enum retention_step step)
{
	switch (step) {
	case RETAIN_PHONES:
		return f->phones_at != 0;
	case RETAIN_CONTENT:
		return deleted_upto(f, f->content_upto);
	case RETAIN_LOG:
		return deleted_upto(f, f->log_upto);
	case RETAIN_ACCESS:
		return deleted_upto(f, f->access_upto);
	case RETAIN_NAMES:
		return f->names_at != 0;
	default:
		return true;
	}
}

/* What keeps step from being done now, due or not. */
static enum retention_block blocker(const struct retention_facts *f, enum retention_step step)
{
	if (step == RETAIN_PHONES)
		return RETAIN_FREE;
	if (f->hold)
		return RETAIN_HOLD;
	if (step != RETAIN_NAMES && f->filed_upto < f->closed_at)
		return RETAIN_NOT_FILED;
	return RETAIN_FREE;
}

/* Whether what step waits for is done: the log outlives the content, the
 * names go last. */
static bool after_prerequisites(const struct retention_facts *f, enum retention_step step)
{
	switch (step) {
	case RETAIN_LOG:
	case RETAIN_ACCESS:
		return done(f, RETAIN_CONTENT);
	case RETAIN_NAMES:
		return done(f, RETAIN_LOG) && done(f, RETAIN_ACCESS);
	default:
		return true;
	}
}

/* What step deletes up to: the filed export; for the logs also their rows
 * after the closing (the record's own keeping: signed out, filed, held,
 * read) once older than the log's period. */
static int64_t step_upto(const struct retention_policy *p, const struct retention_facts *f,
                         enum retention_step st, int64_t now)
{
	int months = st == RETAIN_LOG ? p->log_months : p->access_months;
	if (st != RETAIN_LOG && st != RETAIN_ACCESS)
		return f->filed_upto;
	int64_t aged = retention_add_months(now, -months);
	return aged > f->filed_upto ? aged : f->filed_upto;
}

void retention_plan(const struct retention_policy *p, const struct retention_facts *f, int64_t now,
                    struct retention_plan *out)
{
	*out = (struct retention_plan){.upto = f->filed_upto};
	if (f->closed_at == 0) {
		out->block = RETAIN_OPEN;
		return;
	}
	out->block = RETAIN_ALL_DONE;
	for (enum retention_step st = RETAIN_PHONES; st < RETAIN__COUNT; st++) {
		if (done(f, st))
			continue;
		int64_t due = retention_due(p, st, f->closed_at);
		enum retention_block b = blocker(f, st);
		if (out->waiting == RETAIN_NOTHING) {
			out->waiting = st;
			out->due_at = due;
			out->block = b;
		}
		if (b != RETAIN_FREE)
			continue;
		if (due <= now && after_prerequisites(f, st) && out->step == RETAIN_NOTHING) {
			out->step = st;
			out->upto = step_upto(p, f, st, now);
		}
		int64_t look = due <= now ? now : due;
		if (out->next_at == 0 || look < out->next_at)
			out->next_at = look;
	}
}

const char *retention_step_name(enum retention_step step)
{
	static const char *const names[RETAIN__COUNT] = {"none", "phones", "content",
	                                                 "log",  "access", "names"};
	return step >= 0 && step < RETAIN__COUNT ? names[step] : "none";
}

const char *retention_block_name(enum retention_block block)
{
	static const char *const names[] = {"", "open", "hold", "not_filed", "done"};
	return block >= 0 && block <= RETAIN_ALL_DONE ? names[block] : "";
}
