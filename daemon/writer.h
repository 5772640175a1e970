/*
 * writer.h -- store writes off the loop thread, one at a time, in order.
 *
 * A write transaction that applies a child's batch and commits it durably
 * takes milliseconds, most of them in LMDB and fsync.  Run on the loop
 * thread it would hold up everything else the node does meanwhile:
 * receiving the next batches, answering the CLI, pushing to the parent.
 * The writer runs such jobs on a thread of libuv's pool instead, one after
 * the other in the order they were submitted, and calls each one's done
 * callback back on the loop thread.  The jobs that queued while one ran
 * run next together, and may share one transaction and one fsync: the
 * busier the node, the larger its commits.
 *
 * A job's work may call the store only (store.h allows calls from several
 * threads); whatever else it needs it is given before it is submitted, and
 * whatever it found it leaves in the job for done.  Jobs never run at the
 * same time as each other, so they may share the store's writer scratch.
 */
#ifndef DONGBO_DAEMON_WRITER_H
#define DONGBO_DAEMON_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

/* Jobs waiting with the same work run together, up to this many, and up
 * to this weight (records, say: one transaction must stay well inside
 * what LMDB lets one hold dirty) unless the first weighs more alone. */
#define DONGBO_WRITER_GROUP_MAX 32
#define DONGBO_WRITER_WEIGHT_MAX 20000

struct dongbo_write_job {
	struct dongbo_write_job *next;
	/* A thread of the pool: store calls only.  Called with the job
	 * and those waiting right behind it with the same work (n >= 1),
	 * so that it may write them in one transaction (group commit). */
	void (*work)(struct dongbo_write_job **jobs, size_t n);
	/* The loop thread, once per job: after work (ran), or instead of it
	 * when the writer stopped before the job's turn (!ran).  The job is
	 * the caller's again when it is called. */
	void (*done)(struct dongbo_write_job *job, bool ran);
	size_t weight; /* what it adds to a group (DONGBO_WRITER_WEIGHT_MAX) */
};

struct dongbo_writer {
	uv_loop_t *loop;
	uv_work_t req;
	struct dongbo_write_job *running[DONGBO_WRITER_GROUP_MAX];
	size_t n_running;
	struct dongbo_write_job *head, *tail; /* waiting their turn */
	size_t n_waiting;
	size_t weight;	/* of the jobs submitted and not yet done */
	bool stopping;
};

/* Initialises w (caller storage) on loop.  Cannot fail. */
void dongbo_writer_init(struct dongbo_writer *w, uv_loop_t *loop);

/* Queues job behind those submitted before it.  Loop thread.  After
 * dongbo_writer_stop, the job is done at once without running. */
void dongbo_writer_submit(struct dongbo_writer *w,
			  struct dongbo_write_job *job);

/* Jobs submitted and not yet done (running or waiting), and their weight
 * together. */
size_t dongbo_writer_pending(const struct dongbo_writer *w);
size_t dongbo_writer_weight(const struct dongbo_writer *w);

/* Stops: the jobs waiting are done without running, now; the one running
 * finishes, and its done runs on a later turn of the loop (the loop does
 * not end before that).  Loop thread; idempotent. */
void dongbo_writer_stop(struct dongbo_writer *w);

#endif
