/*
 * retention.h - when a closed family's data goes (issue 16), and nothing
 * else: the rules of storage limitation as pure functions of the family's
 * record, the municipality's periods and the time.
 *
 * GDPR art. 5(1)(e) forbids keeping data about a family longer than its
 * case needs; the archive rules (Arkivloven) forbid deleting what the case
 * file has not received.  So nothing goes while the case is open, each
 * kind goes its own period after the case was closed, nothing goes before
 * the case-file export of the whole case was filed (filed_upto reaches the
 * closing) and nothing goes under a legal hold.  Revoking the phones after
 * the grace period is not deletion: neither filing nor a hold keeps the
 * family signed in to a closed case.
 */
#ifndef INDGANG_RECORDS_RETENTION_H
#define INDGANG_RECORDS_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

/* The municipality's periods (indgang.conf), counted from the closing. */
struct retention_policy {
	int grace_days;     /* the family's phones are signed out */
	int content_months; /* messages, notes, their earlier versions, files */
	int log_months;     /* the contact log (every contact, not who read) */
	int access_months;  /* the access log: who read the family's data */
	int sms_days;       /* an SMS handed over or given up: its number and text */
};

#define RETENTION_GRACE_DAYS     14
#define RETENTION_CONTENT_MONTHS 12
#define RETENTION_LOG_MONTHS     60
#define RETENTION_ACCESS_MONTHS  60
#define RETENTION_SMS_DAYS       90

/* The steps of a closed case, in the order they come due. */
enum retention_step {
	RETAIN_NOTHING = 0, /* nothing to do now */
	RETAIN_PHONES,      /* revoke the family's phones and sign-ins */
	RETAIN_CONTENT,     /* delete messages, notes and files up to filed_upto */
	RETAIN_LOG,         /* delete contact-log rows up to filed_upto */
	RETAIN_ACCESS,      /* delete access-log rows up to filed_upto */
	RETAIN_NAMES,       /* blank the family's and its members' names */
	RETAIN__COUNT
};

/* Why the next step is not being done. */
enum retention_block {
	RETAIN_FREE = 0,  /* not blocked (it may simply not be due yet) */
	RETAIN_OPEN,      /* the case is open */
	RETAIN_HOLD,      /* a legal hold */
	RETAIN_NOT_FILED, /* the case-file export does not reach the closing */
	RETAIN_ALL_DONE,  /* everything the rules delete is gone */
};

/* A family's record as far as the rules care. */
struct retention_facts {
	int64_t closed_at;  /* 0: open */
	int64_t filed_upto; /* the filed case-file export covers up to here */
	bool hold;          /* a legal hold (or a granted restriction) */
	int64_t phones_at;  /* when the phones were revoked (0: not yet) */
	int64_t content_upto, log_upto, access_upto; /* deleted up to (0: nothing) */
	int64_t names_at;                            /* when the names were blanked (0: not yet) */
};

struct retention_plan {
	enum retention_step step;    /* due now and allowed, or RETAIN_NOTHING */
	int64_t upto;                /* the step deletes what is dated up to here: the
	                              * filed export, for the logs also their rows after
	                              * the closing older than the log's period */
	enum retention_block block;  /* why the first step not done waits */
	enum retention_step waiting; /* that step (RETAIN_NOTHING: none) */
	int64_t due_at;              /* when that step is or was due (0: none) */
	int64_t next_at;             /* when to look again (0: when something changes) */
};

/* at (UTC ms) plus months, on the UTC calendar (31 January + 1 = 28/29
 * February); negative months go back. */
int64_t retention_add_months(int64_t at, int months);
/* When step falls due for a case closed at closed_at (0 for RETAIN_NOTHING). */
int64_t retention_due(const struct retention_policy *p, enum retention_step step,
                      int64_t closed_at);
/* What to do at now. */
void retention_plan(const struct retention_policy *p, const struct retention_facts *f, int64_t now,
                    struct retention_plan *out);
/* "phones", "content", ...; "open", "hold", ... (the wire's and the log's words) */
const char *retention_step_name(enum retention_step step);
const char *retention_block_name(enum retention_block block);

#endif
