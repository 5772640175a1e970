/*
 * mailbox.c -- see mailbox.h.
 *
 * Happy path: an nng callback posts a mail, uv_async_send wakes the loop,
 * the async callback takes mails one at a time under the lock and runs each
 * outside it, up to RUN_MAX a turn: then it wakes itself again, so that
 * timers and signals get their turn between.  uv_async_send coalesces
 * wake-ups; running until the queue is empty makes that harmless.  Taking
 * one at a time lets a mail posted first (dongbo_mailbox_post_first)
 * overtake those queued before it, even while the loop works through them.
 * Failure modes: none at run time -- posting cannot fail, and mails posted
 * after close are never posted because every owner stops its nng
 * operations before the mailbox closes.
 */
#include "mailbox.h"

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Mails run per turn of the loop. */
#define RUN_MAX 16

/* Runs up to max mails (0: until none is left); whether any is left. */
static bool run_queue(struct dongbo_mailbox *mb, unsigned max)
{
	for (unsigned n = 0;; n++) {
		struct dongbo_mail *m;
		bool more;

		uv_mutex_lock(&mb->lock);
		m = max != 0 && n == max ? NULL : mb->head;
		if (m != NULL) {
			mb->head = m->next;
			if (mb->head == NULL)
				mb->tail = NULL;
		}
		more = mb->head != NULL;
		uv_mutex_unlock(&mb->lock);
		if (m == NULL)
			return more;
		m->next = NULL;
		m->cb(m);
	}
}

static void mailbox_async_cb(uv_async_t *async)
{
	struct dongbo_mailbox *mb = async->data;

	if (run_queue(mb, RUN_MAX))
		uv_async_send(&mb->async); /* the rest next turn */
}

int dongbo_mailbox_init(struct dongbo_mailbox *mb, uv_loop_t *loop)
{
	mb->head = mb->tail = NULL;
	if (uv_mutex_init(&mb->lock) != 0)
		return DONGBO_E_IO;
	if (uv_async_init(loop, &mb->async, mailbox_async_cb) != 0) {
		uv_mutex_destroy(&mb->lock);
		return DONGBO_E_IO;
	}
	mb->async.data = mb;
	return 0;
}

void dongbo_mailbox_post(struct dongbo_mailbox *mb, struct dongbo_mail *mail)
{
	mail->next = NULL;
	uv_mutex_lock(&mb->lock);
	if (mb->tail != NULL)
		mb->tail->next = mail;
	else
		mb->head = mail;
	mb->tail = mail;
	uv_mutex_unlock(&mb->lock);
	uv_async_send(&mb->async);
}

void dongbo_mailbox_post_first(struct dongbo_mailbox *mb,
			       struct dongbo_mail *mail)
{
	uv_mutex_lock(&mb->lock);
	mail->next = mb->head;
	mb->head = mail;
	if (mb->tail == NULL)
		mb->tail = mail;
	uv_mutex_unlock(&mb->lock);
	uv_async_send(&mb->async);
}

void dongbo_mailbox_drain(struct dongbo_mailbox *mb)
{
	(void)run_queue(mb, 0);
}

static void mailbox_close_cb(uv_handle_t *h)
{
	struct dongbo_mailbox *mb = h->data;

	uv_mutex_destroy(&mb->lock);
}

void dongbo_mailbox_close(struct dongbo_mailbox *mb)
{
	(void)run_queue(mb, 0);
	uv_close((uv_handle_t *)&mb->async, mailbox_close_cb);
}
