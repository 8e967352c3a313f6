/*
 * log.c - reading a family's contact log and its access log (GDPR art. 15),
 * a page at a time.
 *
 * svc_log_open() is the read as the log records it: the check (a refusal
 * is "denied") and one "access" row, in the caller's transaction, before
 * anything is shown.  The pages are then read with svc_log_page() and
 * svc_access_log_page(), which check again without writing, so a page can
 * never be read by someone who may not, whoever calls; an export reads
 * many pages for one "access" row.
 */
#include "service_int.h"

static bool may_read(enum perm_rel rel, bool access_log)
{
	return access_log ? perm_can_read_access_log(rel) : perm_can_read_log(rel);
}

/* The read checked; a refusal is logged "denied". */
static int check_log(struct store *s, const struct store_user *user, int64_t family,
                     bool access_log, int64_t now)
{
	enum perm_rel rel;
	int err = svc_family_relation(s, user, family, 0, &rel);
	if (err)
		return err;
	return svc_refuse_unless(s, user, may_read(rel, access_log), rel, family, 0, now,
	                         access_log ? "access log" : "log");
}

int svc_log_open(struct store *s, const struct store_user *actor, int64_t family, bool access_log,
                 const char *what, int64_t now)
{
	int err = check_log(s, actor, family, access_log, now);
	return err ? err : svc_log_access(s, actor, family, 0, now, what);
}

/* The same rule as svc_check_log, without a row: the read was logged. */
static int check_quietly(struct store *s, const struct store_user *actor, int64_t family,
                         bool access_log)
{
	enum perm_rel rel;
	int err = svc_family_relation(s, actor, family, 0, &rel);
	if (err == ERR_OK && !may_read(rel, access_log))
		err = svc_family_refusal(rel);
	return err;
}

int svc_log_page(struct store *s, const struct store_user *actor, const struct store_log_range *r,
                 struct log_list *out)
{
	int err = check_quietly(s, actor, r->family, false);
	return err ? err : store_log_page(s, r, out);
}

int svc_access_log_page(struct store *s, const struct store_user *actor,
                        const struct store_log_range *r, store_admin_access_fn fn, void *ctx)
{
	int err = check_quietly(s, actor, r->family, true);
	return err ? err : store_admin_access_log(s, r, fn, ctx);
}

int svc_log_end(struct store *s, int64_t *last_id)
{
	return store_log_last_id(s, last_id);
}
