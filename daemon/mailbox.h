/*
 * mailbox.h -- hands work from nng's threads to the libuv loop thread.
 *
 * nng completes aio operations on its own threads.  Those callbacks do no
 * daemon work: they fill in a struct dongbo_mail embedded in the object
 * that owns the operation and post it here; the loop thread then runs the
 * mail's callback.  A mail is posted at most once per operation, so an
 * intrusive list needs no allocation and cannot fail.
 */
#ifndef DONGBO_DAEMON_MAILBOX_H
#define DONGBO_DAEMON_MAILBOX_H

#include <uv.h>

struct dongbo_mail {
	struct dongbo_mail *next;
	void (*cb)(struct dongbo_mail *mail); /* runs on the loop thread */
};

struct dongbo_mailbox {
	uv_async_t async;
	uv_mutex_t lock;
	struct dongbo_mail *head;
	struct dongbo_mail *tail;
};

/* Initialises mb on loop (caller storage).  Returns 0 or DONGBO_E_IO. */
int dongbo_mailbox_init(struct dongbo_mailbox *mb, uv_loop_t *loop);

/* Queues mail and wakes the loop.  Any thread. */
void dongbo_mailbox_post(struct dongbo_mailbox *mb, struct dongbo_mail *mail);

/* Queues mail ahead of every mail waiting and wakes the loop.  Any thread.
 * For a mail that others wait on: the uplink's replies, which let a
 * district forward to its parent while its children's batches queue. */
void dongbo_mailbox_post_first(struct dongbo_mailbox *mb,
			       struct dongbo_mail *mail);

/* Runs every queued mail now.  Loop thread (used at shutdown). */
void dongbo_mailbox_drain(struct dongbo_mailbox *mb);

/* Drains, then closes the async handle; the mutex is destroyed in the
 * close callback.  Loop thread. */
void dongbo_mailbox_close(struct dongbo_mailbox *mb);

#endif
