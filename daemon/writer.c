/*
 * writer.c -- one store job at a time on libuv's thread pool.
 *
 * Happy path: submit -> the job waits its turn -> uv_queue_work runs its
 * work on a pool thread, with the jobs of the same work queued behind it
 * -> after_work on the loop thread calls their done, in order, and starts
 * the next job waiting.
 *
 * Failure modes: uv_queue_work fails only for a bad argument or a loop
 * being closed; the job is then run here, on the loop thread, rather than
 * lost (its done still runs after its work).  A stop does the jobs waiting
 * without running them: they wrote nothing, and whoever waits on them
 * (a child's push) asks again after the restart.
 */
#include "writer.h"

#include <string.h>

#include "log.h"

static void start_next(struct dongbo_writer *w);

/* A pool thread. */
static void work_cb(uv_work_t *req)
{
	struct dongbo_writer *w = req->data;

	w->running[0]->work(w->running, w->n_running);
}

/* The loop thread. */
static void after_work_cb(uv_work_t *req, int status)
{
	struct dongbo_writer *w = req->data;
	struct dongbo_write_job *ran[DONGBO_WRITER_GROUP_MAX];
	size_t n = w->n_running;

	(void)status; /* never cancelled: no uv_cancel here */
	/* A done may submit, and the next group start at once: the group
	 * that ran is copied out first. */
	memcpy(ran, w->running, n * sizeof(ran[0]));
	w->n_running = 0;
	for (size_t i = 0; i < n; i++)
		w->weight -= ran[i]->weight;
	for (size_t i = 0; i < n; i++)
		ran[i]->done(ran[i], true);
	start_next(w);
}

/* Takes the next group off the queue into running. */
static void take_group(struct dongbo_writer *w)
{
	struct dongbo_write_job *job;
	size_t weight = 0;

	do {
		job = w->head;
		w->head = job->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->n_waiting--;
		job->next = NULL;
		w->running[w->n_running++] = job;
		weight += job->weight;
	} while (w->head != NULL && w->head->work == job->work &&
		 w->n_running < DONGBO_WRITER_GROUP_MAX &&
		 weight + w->head->weight <= DONGBO_WRITER_WEIGHT_MAX);
}

static void start_next(struct dongbo_writer *w)
{
	int rv;

	if (w->n_running != 0 || w->head == NULL || w->stopping)
		return;
	take_group(w);
	rv = uv_queue_work(w->loop, &w->req, work_cb, after_work_cb);
	if (rv == 0)
		return;
	dongbo_log_warn("writer: cannot hand a job to the thread pool (%s); "
			"running it on the loop", uv_strerror(rv));
	/* after_work_cb starts the next group in turn. */
	work_cb(&w->req);
	after_work_cb(&w->req, 0);
}

void dongbo_writer_init(struct dongbo_writer *w, uv_loop_t *loop)
{
	*w = (struct dongbo_writer){ .loop = loop };
	w->req.data = w;
}

void dongbo_writer_submit(struct dongbo_writer *w,
			  struct dongbo_write_job *job)
{
	job->next = NULL;
	if (w->stopping) {
		job->done(job, false);
		return;
	}
	w->weight += job->weight;
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->n_waiting++;
	start_next(w);
}

size_t dongbo_writer_pending(const struct dongbo_writer *w)
{
	return w->n_waiting + w->n_running;
}

size_t dongbo_writer_weight(const struct dongbo_writer *w)
{
	return w->weight;
}

void dongbo_writer_stop(struct dongbo_writer *w)
{
	struct dongbo_write_job *job;

	w->stopping = true;
	while ((job = w->head) != NULL) {
		w->head = job->next;
		w->n_waiting--;
		w->weight -= job->weight;
		job->next = NULL;
		job->done(job, false);
	}
	w->tail = NULL;
}
