/*
 * notify_int.h - inside the Web Push sender: the thread's state
 * (notify.c) and one request under way (request.c).
 */
#ifndef INDGANG_NOTIFY_INT_H
#define INDGANG_NOTIFY_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "notify.h"
#include "../common/idmap.h"
#include "../push/vapid.h"
#include "../service/service.h"
#include "../store/store.h"

#define NOTIFY_JWT_SLOTS 8 /* push services whose signed header is kept */

/* A signed Authorization header for one push service (audience). */
struct notify_jwt {
	char aud[VAPID_AUD_MAX + 1];
	char *header;
	time_t renew_at;
};

/* NR_SETTLED: a sent row whose renotify time came with no newer message:
 * it goes, and nothing is counted (it was no notification). */
enum notify_result {
	NR_SENT = 1,
	NR_GONE,
	NR_RETRY,
	NR_REJECTED,
	NR_EXPIRED,
	NR_SUPPRESSED,
	NR_SETTLED
};

/* One notification on its way. */
struct notify_req {
	CURL *easy;
	struct curl_slist *headers;
	uint8_t *body;
	size_t body_len;
	int64_t id, message_id, sub_id, conv_id, user_id;
	int64_t family_id; /* the reader is a member of this family (0: staff) */
	int attempts;
	int64_t due_at;         /* when it could have gone first: the latency's start */
	int64_t retry_after_ms; /* the push service's Retry-After, 0 without */
	bool warning;           /* a sign-in's warning (id: the token's), not a queue row */
};

struct notify {
	struct hub *hub;
	struct notify_config cfg;
	struct store *store; /* the sender's own connection */
	CURLM *multi;
	pthread_t thread;
	atomic_bool stop;
	struct idmap *inflight; /* queue row id (a warning: -token id) -> struct notify_req, or
	                         * decided */
	size_t n_inflight;
	/* outcomes not yet handed to the writer */
	struct svc_push_outcome *out;
	size_t n_out, cap_out;
	/* rows the writer has recorded (the loop hands them back): unmarked */
	pthread_mutex_t mu;
	int64_t *recorded;
	size_t n_recorded, cap_recorded;
	struct notify_jwt jwt[NOTIFY_JWT_SLOTS];
	int64_t gauge_at; /* when the waiting gauge was last counted */
	atomic_bool look; /* something may have become due: new rows, rows handed back */
	bool backlog;     /* more was due than could be started */
	int64_t next_at;  /* when the next notification not yet due will be (0: none) */
	int64_t warn_at;  /* when to look again for phones about to be signed out */
};

/* A request for d, ready for the multi handle; ERR_BAD_REQUEST when the
 * subscription's keys or endpoint cannot make one. */
int request_new(struct notify *n, const struct store_push_due *d, int64_t now,
                struct notify_req **out);
/* A request telling e's phone that its sign-in ends soon (notice_expiry). */
int request_new_warning(struct notify *n, const struct store_push_expiring *e, int64_t now,
                        struct notify_req **out);
void request_free(struct notify_req *r);
/* What a transfer's end means. */
enum notify_result request_result(CURLcode rc, long status);

#endif
