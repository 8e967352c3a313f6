/*
 * kannel_int.h - inside the SMS sender: the thread's state (kannel.c) and
 * one request to Kannel's sendsms (sendsms.c).
 */
#ifndef INDGANG_KANNEL_INT_H
#define INDGANG_KANNEL_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kannel.h"
#include "../service/service.h"

struct kannel {
	struct hub *hub;
	struct kannel_config cfg;
	struct svc_sms_policy policy;
	CURL *easy; /* one connection to smsbox, kept alive */
	pthread_t thread;
	pthread_mutex_t mu; /* guards look, claim and the sleep */
	pthread_cond_t cv;
	atomic_bool stop;
	bool look;           /* something was queued */
	struct job *claim;   /* the writer's answer to a claim */
	int64_t next_at;     /* when the next SMS not yet due is (0: none) */
	int64_t pause_until; /* Kannel failed: not before this */
	int64_t backoff_ms;  /* the last pause (0: none since the last success) */
	int64_t slot_us;     /* with a rate: the next hand-over not before this */
};

/* Hands o to Kannel: o->result is SMS_ACCEPTED, SMS_FAILED (Kannel will
 * never take it) or SMS_QUEUED (try again later), o->detail says why. */
void sendsms_hand_over(struct kannel *k, struct svc_sms *o);

#endif
