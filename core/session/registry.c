/*
 * registry.c - who is connected: the open, signed-in sessions of each user
 * (a list per user in the hub's by_user map, linked by next_of_user), and
 * fan-out, which pushes one shared frame to all of them.  A session is added
 * when it signs in and removed by session_closed(); fan-out skips one that
 * is no longer SESSION_AUTHED.
 */
#include "session_int.h"

#include "../common/close.h"

void registry_add(struct hub *h, struct session *s)
{
	s->next_of_user = idmap_get(h->by_user, s->user.ref.id);
	if (idmap_put(h->by_user, s->user.ref.id, s) != 0) {
		s->next_of_user = NULL;
		session_fail(s, CLOSE_INTERNAL, "out of memory");
	}
}

void registry_remove(struct hub *h, struct session *s)
{
	if (s->state == SESSION_NEW)
		return;
	struct session *first = idmap_get(h->by_user, s->user.ref.id);
	if (first == s) {
		if (s->next_of_user)
			idmap_put(h->by_user, s->user.ref.id, s->next_of_user);
		else
			idmap_del(h->by_user, s->user.ref.id);
		return;
	}
	for (struct session *p = first; p; p = p->next_of_user) {
		if (p->next_of_user == s) {
			p->next_of_user = s->next_of_user;
			return;
		}
	}
}

struct session *registry_sessions_of(struct hub *h, int64_t user_id)
{
	return idmap_get(h->by_user, user_id);
}

/* Pushes one shared frame to every session of every recipient but skip. */
size_t registry_fan_out(struct hub *h, const struct route_set *r, struct out_frame *f,
                        const struct session *skip)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		for (struct session *t = registry_sessions_of(h, r->users[i]); t;
		     t = t->next_of_user)
			if (t != skip && t->state == SESSION_AUTHED) {
				outbox_push(t, f);
				n++;
			}
	return n;
}
