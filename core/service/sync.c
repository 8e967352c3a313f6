/*
 * sync.c - a page of every message the user may see after a cursor: what a
 * client asks for when it reconnects.  Read-only; the families whose data
 * a staff member's page shows are handed back for the access log.
 */
#include "service_int.h"

#include <stdlib.h>

/* The distinct families of the page (a family member's own reads are not
 * "access" to a family). */
static int page_families(const struct store_user *user, struct svc_page *p)
{
	if (user->ref.role == ROLE_FAMILY || p->msgs.n == 0)
		return ERR_OK;
	if ((p->families = malloc(p->msgs.n * sizeof *p->families)) == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < p->msgs.n; i++) {
		bool seen = false;
		for (size_t k = 0; k < p->n_families && !seen; k++)
			seen = p->families[k] == p->msgs.v[i].family;
		if (!seen)
			p->families[p->n_families++] = p->msgs.v[i].family;
	}
	return ERR_OK;
}

int svc_sync(struct store *s, const struct store_user *user, int64_t after, int limit,
             struct svc_page *out)
{
	int err = store_sync(s, user, after, limit, &out->msgs, &out->more);
	return err ? err : page_families(user, out);
}

void svc_page_clear(struct svc_page *p)
{
	msg_list_free(&p->msgs);
	free(p->families);
	p->families = NULL;
	p->n_families = 0;
}
