/*
 * mailbox.c -- see mailbox.h.
 *
 * Happy path: an nng callback posts a mail, uv_async_send wakes the loop,
 * the async callback takes the whole queue under the lock and runs each
 * mail outside it.  uv_async_send coalesces wake-ups; taking the whole queue
 * each time makes that harmless.  Failure modes: none at run time -- posting
 * cannot fail, and mails posted after close are never posted because every
 * owner stops its nng operations before the mailbox closes.
 */
#include "mailbox.h"

#include <stddef.h>

#include "error.h"

static void run_queue(struct dongbo_mailbox *mb)
{
	struct dongbo_mail *m;

	uv_mutex_lock(&mb->lock);
	m = mb->head;
	mb->head = mb->tail = NULL;
	uv_mutex_unlock(&mb->lock);

	while (m != NULL) {
		struct dongbo_mail *next = m->next;

		m->next = NULL;
		m->cb(m);
		m = next;
	}
}

static void mailbox_async_cb(uv_async_t *async)
{
	run_queue(async->data);
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

void dongbo_mailbox_drain(struct dongbo_mailbox *mb)
{
	run_queue(mb);
}

static void mailbox_close_cb(uv_handle_t *h)
{
	struct dongbo_mailbox *mb = h->data;

	uv_mutex_destroy(&mb->lock);
}

void dongbo_mailbox_close(struct dongbo_mailbox *mb)
{
	run_queue(mb);
	uv_close((uv_handle_t *)&mb->async, mailbox_close_cb);
}
