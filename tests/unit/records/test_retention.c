/*
 * test_retention.c - when a closed family's data goes (core/records/retention.c),
 * on a clock the test moves: nothing while open, phones after the grace
 * period whatever else holds, content after its months only once the
 * export reaching the closing is filed and never under a hold, the log and
 * the access log after theirs and after the content, names last.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/common/text.h"
#include "core/records/retention.h"

#define DAY (24LL * 60 * 60 * 1000)

static const struct retention_policy policy = {14, 12, 60, 36, 90};

static int64_t ts(const char *rfc3339)
{
	int64_t ms = 0;
	CHECK_EQ(text_parse_ts(rfc3339, &ms), 0);
	return ms;
}

static void test_months(void)
{
	CHECK_EQ(retention_add_months(ts("2026-01-31T10:00:00.000Z"), 1),
	         ts("2026-02-28T10:00:00.000Z"));
	CHECK_EQ(retention_add_months(ts("2027-12-31T23:59:59.250Z"), 2),
	         ts("2028-02-29T23:59:59.250Z"));
	CHECK_EQ(retention_add_months(ts("2026-12-04T08:00:00.000Z"), 12),
	         ts("2027-12-04T08:00:00.000Z"));
	CHECK_EQ(retention_add_months(ts("2026-03-15T00:00:00.000Z"), -3),
	         ts("2025-12-15T00:00:00.000Z"));
	CHECK_EQ(retention_add_months(ts("2026-03-15T00:00:00.000Z"), 0),
	         ts("2026-03-15T00:00:00.000Z"));
}

static void plan(const struct retention_facts *f, int64_t now, struct retention_plan *p)
{
	retention_plan(&policy, f, now, p);
}

static void test_open_case_keeps_everything(void)
{
	struct retention_facts f = {.filed_upto = ts("2026-01-01T00:00:00.000Z")};
	struct retention_plan p;
	plan(&f, ts("2036-01-01T00:00:00.000Z"), &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.block, RETAIN_OPEN);
	CHECK_EQ(p.next_at, 0);
}

static void test_phones_after_grace_even_unfiled_or_held(void)
{
	int64_t closed = ts("2026-12-04T09:00:00.000Z");
	struct retention_facts f = {.closed_at = closed, .hold = true};
	struct retention_plan p;
	plan(&f, closed + 13 * DAY, &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.waiting, RETAIN_PHONES);
	CHECK_EQ(p.next_at, closed + 14 * DAY);
	plan(&f, closed + 14 * DAY, &p);
	CHECK_EQ(p.step, RETAIN_PHONES);
	f.phones_at = closed + 14 * DAY;
	plan(&f, closed + 15 * DAY, &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.waiting, RETAIN_CONTENT);
	CHECK_EQ(p.block, RETAIN_HOLD);
	CHECK_EQ(p.next_at, 0); /* until the hold is lifted */
}

static void test_content_needs_its_months_and_the_filed_export(void)
{
	int64_t closed = ts("2026-12-04T09:00:00.000Z");
	int64_t due = ts("2027-12-04T09:00:00.000Z");
	struct retention_facts f = {.closed_at = closed, .phones_at = closed + 14 * DAY};
	struct retention_plan p;
	/* not filed: waits however late it is */
	plan(&f, due + 400 * DAY, &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.waiting, RETAIN_CONTENT);
	CHECK_EQ(p.block, RETAIN_NOT_FILED);
	CHECK_EQ(p.due_at, due);
	/* filed up to a day before the closing: still not the whole case */
	f.filed_upto = closed - DAY;
	plan(&f, due + DAY, &p);
	CHECK_EQ(p.block, RETAIN_NOT_FILED);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	/* filed to the closing: due at its time, not a millisecond before */
	f.filed_upto = closed;
	plan(&f, due - 1, &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.block, RETAIN_FREE);
	CHECK_EQ(p.next_at, due);
	plan(&f, due, &p);
	CHECK_EQ(p.step, RETAIN_CONTENT);
	CHECK_EQ(p.upto, closed);
	CHECK_EQ(p.next_at, due); /* more batches: look again at once */
	/* a hold stops it mid-way */
	f.hold = true;
	plan(&f, due + DAY, &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.block, RETAIN_HOLD);
}

static void test_logs_after_content_names_last(void)
{
	int64_t closed = ts("2026-12-04T09:00:00.000Z");
	struct retention_facts f = {
	    .closed_at = closed, .phones_at = closed + 14 * DAY, .filed_upto = closed + DAY};
	struct retention_plan p;
	int64_t access_due = ts("2029-12-04T09:00:00.000Z"),
	        log_due = ts("2031-12-04T09:00:00.000Z");
	/* past every period, content first */
	plan(&f, log_due + DAY, &p);
	CHECK_EQ(p.step, RETAIN_CONTENT);
	f.content_upto = closed; /* deleted only up to the closing: not to the filing */
	plan(&f, log_due + DAY, &p);
	CHECK_EQ(p.step, RETAIN_CONTENT);
	f.content_upto = f.filed_upto;
	/* the access log (36 months) before the contact log (60) */
	plan(&f, access_due, &p);
	CHECK_EQ(p.step, RETAIN_ACCESS);
	f.access_upto = f.filed_upto;
	plan(&f, access_due + DAY, &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.waiting, RETAIN_LOG);
	CHECK_EQ(p.next_at, log_due);
	plan(&f, log_due, &p);
	CHECK_EQ(p.step, RETAIN_LOG);
	f.log_upto = f.filed_upto;
	plan(&f, log_due, &p);
	CHECK_EQ(p.step, RETAIN_NAMES);
	f.names_at = log_due;
	plan(&f, log_due + DAY, &p);
	CHECK_EQ(p.step, RETAIN_NOTHING);
	CHECK_EQ(p.block, RETAIN_ALL_DONE);
	CHECK_EQ(p.next_at, 0);
	/* filed further later (a note after the closing): content again */
	f.filed_upto += DAY;
	plan(&f, log_due + 2 * DAY, &p);
	CHECK_EQ(p.step, RETAIN_CONTENT);
	CHECK_EQ(p.upto, f.filed_upto);
}

static void test_names(void)
{
	CHECK_STR(retention_step_name(RETAIN_CONTENT), "content");
	CHECK_STR(retention_step_name(RETAIN__COUNT), "none");
	CHECK_STR(retention_block_name(RETAIN_NOT_FILED), "not_filed");
}

int main(void)
{
	test_months();
	test_open_case_keeps_everything();
	test_phones_after_grace_even_unfiled_or_held();
	test_content_needs_its_months_and_the_filed_export();
	test_logs_after_content_names_last();
	test_names();
	return check_report("records.retention");
}
