/*
 * job.c - jobs, and the queues that carry them between the loop and the
 * hub's threads: write_q to the writer, http_q to the HTTP workers, read_q
 * to the reader, and done_q back to the loop (hub_drain).  A queue is a
 * list under a mutex; a thread takes what is waiting at once (the writer up
 * to a batch), so handing over costs one lock, not one per job.
 */
#include "hub_int.h"

#include <stdlib.h>

void job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->body);
	free(j->families);
	free(j->reply);
	free(j->touch);
	svc_sent_clear(&j->sent);
	svc_receipt_clear(&j->receipt);
	svc_released_clear(&j->released);
	svc_delivery_clear(&j->delivery);
	svc_waiting_clear(&j->waiting);
	svc_escalated_clear(&j->escalated);
	svc_changed_clear(&j->changed);
	free(j->pushed);
	svc_sms_batch_clear(&j->sms);
	free(j->notice);
	route_set_free(&j->notice_to);
	free(j);
}

void job_queue_init(struct job_queue *q)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head = q->tail = NULL;
	q->closed = false;
}

void job_queue_destroy(struct job_queue *q)
{
	struct job *j = q->head;
	while (j) {
		struct job *next = j->next;
		job_free(j);
		j = next;
	}
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
}

/* Appends j unless the queue is closed and `closed_too` is false. */
static bool push(struct job_queue *q, struct job *j, bool closed_too)
{
	pthread_mutex_lock(&q->mu);
	bool taken = closed_too || !q->closed;
	if (taken) {
		j->next = NULL;
		if (q->tail)
			q->tail->next = j;
		else
			q->head = j;
		q->tail = j;
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return taken;
}

void job_queue_push(struct job_queue *q, struct job *j)
{
	push(q, j, true);
}

bool job_queue_push_open(struct job_queue *q, struct job *j)
{
	return push(q, j, false);
}

struct job *job_queue_take(struct job_queue *q, size_t max, bool wait)
{
	pthread_mutex_lock(&q->mu);
	while (wait && q->head == NULL && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	struct job *first = q->head, *last = NULL, *j = q->head;
	for (size_t n = 0; j != NULL && n < max; n++) {
		last = j;
		j = j->next;
	}
	if (last != NULL) {
		q->head = j;
		if (j == NULL)
			q->tail = NULL;
		last->next = NULL;
	} else {
		first = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return first;
}

bool job_queue_waiting(struct job_queue *q)
{
	pthread_mutex_lock(&q->mu);
	bool waiting = q->head != NULL;
	pthread_mutex_unlock(&q->mu);
	return waiting;
}

bool job_queue_closed(struct job_queue *q)
{
	pthread_mutex_lock(&q->mu);
	bool closed = q->closed;
	pthread_mutex_unlock(&q->mu);
	return closed;
}

void job_queue_close(struct job_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}
