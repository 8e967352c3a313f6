/*
 * records.c - indgang-admin record, hold and release (issue 16): a family's
 * case record as the retention rules see it, and the legal hold that an
 * administrator sets and lifts with a reason.  The console acts as an
 * administrator, through the same operations as the HTTP endpoints.
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec/codec.h"
#include "core/common/dktime.h"
#include "core/common/err.h"
#include "core/common/text.h"

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The periods in the config file, or the documented defaults. */
static struct retention_policy policy_of(const struct admin *a)
{
	const struct gw_config *c = a->conf;
	if (c == NULL)
		return (struct retention_policy){RETENTION_GRACE_DAYS, RETENTION_CONTENT_MONTHS,
		                                 RETENTION_LOG_MONTHS, RETENTION_ACCESS_MONTHS,
		                                 RETENTION_SMS_DAYS};
	return (struct retention_policy){c->close_grace_days, c->retention_content_months,
	                                 c->retention_log_months, c->retention_access_months,
	                                 c->retention_sms_days};
}

/* The record now, as the JSON the HTTP endpoint answers with. */
static int record_json(struct admin *a, int64_t family, json_t **out)
{
	struct svc_record r;
	struct retention_policy p = policy_of(a);
	int err = svc_record_get(a->s, &a->console, family, &p, a->now, &r);
	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no family %lld", (long long)family);
	if (err)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	char *text = codec_encode_record(family, &r.r, &r.plan, r.due);
	*out = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return *out ? ERR_OK : admin_fail(a, ERR_INTERNAL, "out of memory");
}

static int family_arg(struct admin *a, const struct admin_args *args, int64_t *family)
{
	if (!admin_parse_id(args->family, family))
		return admin_usage(a, "\"%s\" is not a family id", args->family);
	return admin_begin(a);
}

int admin_record_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	int64_t family;
	int err = family_arg(a, args, &family);
	return err ? err : record_json(a, family, out);
}

/* hold (set) or release (lift), with the reason in pos[0]. */
static int hold_change(struct admin *a, const struct admin_args *args, bool set, json_t **out)
{
	int64_t family;
	int err = family_arg(a, args, &family);
	if (err)
		return err;
	const char *reason = args->pos[0];
	err = set ? svc_hold_set(a->s, &a->console, family, reason, a->now)
	          : svc_hold_lift(a->s, &a->console, family, reason, a->now);
	if (err == ERR_NOT_FOUND)
		return admin_fail(a, err, "no family %lld", (long long)family);
	if (err == ERR_BAD_REQUEST)
		return admin_usage(a, "give a reason of 1 to %d bytes", RECORD_REASON_MAX);
	if (err == ERR_CONFLICT)
		return admin_fail(a, err, "family %lld is under no legal hold", (long long)family);
	if (err)
		return admin_fail(a, err, "%s", store_errmsg(a->s));
	return record_json(a, family, out);
}

int admin_hold_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	return hold_change(a, args, true, out);
}

int admin_release_run(struct admin *a, const struct admin_args *args, json_t **out)
{
	return hold_change(a, args, false, out);
}

static const char *when(const json_t *v, char *buf)
{
	int64_t ms;
	if (!json_is_string(v) || text_parse_ts(json_string_value(v), &ms) != 0)
		return "-";
	dktime_iso(ms, buf);
	return buf;
}

void admin_record_show(const struct admin *a, const json_t *out)
{
	(void)a;
	char b1[40], b2[40];
	const json_t *ret = json_object_get(out, "retention");
	const json_t *hold = json_object_get(out, "hold");
	printf("Family %lld: %s", (long long)json_integer_value(json_object_get(out, "family")),
	       jstr(out, "state"));
	if (strcmp(jstr(out, "state"), "closed") == 0)
		printf(" since %s (%s)", when(json_object_get(out, "closed_at"), b1),
		       jstr(out, "close_reason"));
	printf("\nCase file has the export up to: %s\n",
	       when(json_object_get(out, "filed_upto"), b2));
	if (json_is_object(hold))
		printf("Legal hold: %s (since %s)\n", jstr(hold, "reason"),
		       when(json_object_get(hold, "at"), b1));
	else
		printf("Legal hold: none\n");
	const json_t *next = json_object_get(ret, "next"),
	             *blocked = json_object_get(ret, "blocked");
	printf("Next: %s, due %s%s%s\n", json_is_string(next) ? json_string_value(next) : "nothing",
	       when(json_object_get(ret, "due_at"), b1), json_is_string(blocked) ? ", waits: " : "",
	       json_is_string(blocked) ? json_string_value(blocked) : "");
}
