/*
 * my_data.c - a family member's own data, for them to download (issue 16;
 * GDPR art. 15 and 20): who they are here and how they are reached, their
 * phones, the conversations they take part in with every message in them
 * they may see, and their own rows of the family's contact log.  Read a
 * page at a time by the caller (core/api/mydata.c), each page checked
 * again; the download itself is a row of the log ("export").
 */
#include "service_int.h"

#include <string.h>

/* Only a member, for themselves. */
static int check_member(const struct store_user *member)
{
	bool ok = member->ref.role == ROLE_FAMILY && member->active && member->family_id > 0;
	return ok ? ERR_OK : ERR_FORBIDDEN;
}

/* The member's own phones among the family's. */
static int own_phones(struct store *s, const struct store_user *member, struct device_list *out)
{
	int err = store_family_devices(s, member->family_id, out);
	size_t n = 0;
	for (size_t i = 0; err == ERR_OK && i < out->n; i++)
		if (out->v[i].user.id == member->ref.id)
			out->v[n++] = out->v[i];
	out->n = n;
	return err;
}

int svc_my_data_open(struct store *s, const struct store_user *member, int64_t now,
                     struct svc_my_profile *out)
{
	memset(out, 0, sizeof *out);
	int err = check_member(member);
	if (err == ERR_OK)
		err = store_family_name(s, member->family_id, out->family);
	if (err == ERR_OK)
		err = store_member_sms_get(s, member->ref.id, &out->sms);
	if (err == ERR_OK)
		err = store_family_quiet_get(s, member->family_id, &out->quiet_start,
		                             &out->quiet_end);
	if (err == ERR_OK)
		err = own_phones(s, member, &out->phones);
	if (err == ERR_OK)
		err = svc_conversations(s, member, now, &out->convs);
	if (err == ERR_OK)
		err = store_log_append(s, now, "export", member->ref.id, member->family_id, 0, 0,
		                       "own data");
	out->me = *member;
	return err;
}

void svc_my_profile_clear(struct svc_my_profile *p)
{
	device_list_free(&p->phones);
	conv_list_free(&p->convs);
}

int svc_my_log_page(struct store *s, const struct store_user *member, int64_t after, int limit,
                    struct log_list *out)
{
	int err = check_member(member);
	return err ? err
	           : store_log_of_member(s, member->family_id, member->ref.id, after, limit, out);
}
