/*
 * case_filed.c - the case file has the export (issue 16).  Arkivloven lets
 * a public authority delete only what the archive's rules allow, after what
 * must be kept is in the case file; Indgang's part of the case file is the
 * journal document of the family's log and messages.  The family's
 * coordinator (its primary adviser) or a leader of its team confirms that
 * the document up to a moment was filed; no deletion reaches past it.
 */
#include "service_int.h"

#include <stdio.h>

#include "../common/text.h"

static bool may_confirm(enum perm_rel rel, bool leads, bool coordinator)
{
	return perm_can_confirm_filed(rel, coordinator, leads);
}

int svc_case_filed(struct store *s, const struct store_user *actor, int64_t family, int64_t upto,
                   int64_t now)
{
	struct case_record r;
	int err = svc_record_check(s, actor, family, now, may_confirm, "confirm filed");
	if (err == ERR_OK && (upto <= 0 || upto > now))
		err = ERR_BAD_REQUEST;
	if (err == ERR_OK)
		err = store_record_get(s, family, &r);
	if (err == ERR_OK && upto < r.filed_upto)
		err = ERR_CONFLICT; /* the case file does not lose what it had */
	if (err == ERR_OK)
		err = store_record_ensure(s, family);
	if (err == ERR_OK)
		err = store_record_filed(s, family, upto, now, actor->ref.id);
	if (err)
		return err;
	char detail[64], at[32];
	text_format_ts(upto, at);
	snprintf(detail, sizeof detail, "upto=%s", at);
	return store_log_append(s, now, "filed", actor->ref.id, family, 0, 0, detail);
}
