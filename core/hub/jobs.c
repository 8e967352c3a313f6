/*
 * jobs.c - the queues that carry jobs between the loop and the hub's threads.
 */
#include "hub_int.h"

#include <stdlib.h>

void jobq_init(struct jobq *q)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head = q->tail = NULL;
	q->closed = false;
}

void jobq_destroy(struct jobq *q)
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

void jobq_push(struct jobq *q, struct job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

struct job *jobq_take(struct jobq *q, size_t max, bool wait)
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

void jobq_close(struct jobq *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->body);
	free(j->families);
	free(j->reply);
	msg_clear(&j->msg);
	route_set_free(&j->rcpt);
	free(j);
}
