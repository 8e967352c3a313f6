/*
 * tx.c - the transaction an operation runs in when its caller has no group
 * commit of its own (an HTTP worker, indgang-admin), the console actor, and
 * the one place the lifetimes' defaults are written down.
 */
#include "service_int.h"

bool svc_keeps_writes(int err)
{
	return err == ERR_OK || err == ERR_FORBIDDEN || err == ERR_NOT_FOUND ||
	       err == ERR_BAD_REQUEST || err == ERR_CONFLICT || err == ERR_GONE ||
	       err == ERR_UNAUTHORIZED;
}

int svc_in_tx(struct store *s, int (*op)(struct store *s, void *arg), void *arg)
{
	int err = store_begin(s);
	if (err)
		return err;
	int result = op(s, arg);
	if (!svc_keeps_writes(result) || !store_in_transaction(s)) {
		store_rollback(s);
		return result ? result : ERR_UNAVAILABLE;
	}
	if ((err = store_commit(s)) != ERR_OK) {
		store_rollback(s);
		return err;
	}
	return result;
}

int svc_console(struct store *s, struct store_user *out)
{
	int64_t id;
	int err = store_admin_console_actor(s, &id);
	if (err == ERR_OK)
		err = store_user_get(s, id, out);
	if (err == ERR_OK)
		out->active = true;
	return err;
}

void svc_policy_defaults(struct svc_policy *p)
{
	p->staff_session_ms = SVC_STAFF_SESSION_HOURS * SVC_HOUR_MS;
	p->staff_idle_ms = SVC_STAFF_IDLE_MINUTES * SVC_HOUR_MS / 60;
	p->device_session_ms = SVC_DEVICE_SESSION_DAYS * 24 * SVC_HOUR_MS;
	p->device_idle_ms = SVC_DEVICE_IDLE_DAYS * 24 * SVC_HOUR_MS;
	p->invite_ms = SVC_INVITE_HOURS * SVC_HOUR_MS;
}
