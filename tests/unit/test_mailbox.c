/* test_mailbox.c -- order of mails, mails posted first, and turns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <uv.h>

#include "mailbox.h"

#define N_MAILS 40

struct box {
	uv_loop_t loop;
	struct dongbo_mailbox mb;
	struct note {
		struct dongbo_mail mail;
		struct box *box;
		int id;
	} notes[N_MAILS];
	int ran[N_MAILS * 2];
	size_t n_ran;
	int post_first_from; /* a note that posts notes[post_first_id] */
	int post_first_id;
};

static void note_cb(struct dongbo_mail *mail)
{
	struct note *n = (struct note *)((char *)mail -
					 offsetof(struct note, mail));
	struct box *b = n->box;

	b->ran[b->n_ran++] = n->id;
	if (n->id == b->post_first_from)
		dongbo_mailbox_post_first(&b->mb,
					  &b->notes[b->post_first_id].mail);
}

static int setup(void **state)
{
	static struct box b;

	memset(&b, 0, sizeof(b));
	if (uv_loop_init(&b.loop) != 0 ||
	    dongbo_mailbox_init(&b.mb, &b.loop) != 0)
		return -1;
	for (int i = 0; i < N_MAILS; i++) {
		b.notes[i].mail.cb = note_cb;
		b.notes[i].box = &b;
		b.notes[i].id = i;
	}
	b.post_first_from = -1;
	*state = &b;
	return 0;
}

static int teardown(void **state)
{
	struct box *b = *state;

	dongbo_mailbox_close(&b->mb);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	return uv_loop_close(&b->loop) == 0 ? 0 : -1;
}

static void run_until_idle(struct box *b)
{
	/* Every turn that has work; bounded, should a turn never end. */
	for (int turn = 0; turn < 100 && uv_run(&b->loop, UV_RUN_NOWAIT);
	     turn++)
		;
}

static void mails_run_in_the_order_posted(void **state)
{
	struct box *b = *state;

	for (int i = 0; i < 5; i++)
		dongbo_mailbox_post(&b->mb, &b->notes[i].mail);
	run_until_idle(b);
	assert_int_equal(b->n_ran, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(b->ran[i], i);
}

static void a_mail_posted_first_overtakes_those_waiting(void **state)
{
	struct box *b = *state;

	for (int i = 0; i < 3; i++)
		dongbo_mailbox_post(&b->mb, &b->notes[i].mail);
	dongbo_mailbox_post_first(&b->mb, &b->notes[3].mail);
	/* Posted first while mail 0 runs: before 1 and 2, queued earlier. */
	b->post_first_from = 0;
	b->post_first_id = 4;
	run_until_idle(b);
	assert_int_equal(b->n_ran, 5);
	assert_int_equal(b->ran[0], 3);
	assert_int_equal(b->ran[1], 0);
	assert_int_equal(b->ran[2], 4);
	assert_int_equal(b->ran[3], 1);
	assert_int_equal(b->ran[4], 2);
}

static void a_long_queue_leaves_the_loop_turns_between(void **state)
{
	struct box *b = *state;

	for (int i = 0; i < N_MAILS; i++)
		dongbo_mailbox_post(&b->mb, &b->notes[i].mail);
	/* One turn runs some, not all: timers and signals get theirs. */
	uv_run(&b->loop, UV_RUN_NOWAIT);
	assert_true(b->n_ran > 0);
	assert_true(b->n_ran < N_MAILS);
	run_until_idle(b);
	assert_int_equal(b->n_ran, N_MAILS);
	for (int i = 0; i < N_MAILS; i++)
		assert_int_equal(b->ran[i], i);
}

static void drain_runs_everything_at_once(void **state)
{
	struct box *b = *state;

	for (int i = 0; i < N_MAILS; i++)
		dongbo_mailbox_post(&b->mb, &b->notes[i].mail);
	dongbo_mailbox_drain(&b->mb);
	assert_int_equal(b->n_ran, N_MAILS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(mails_run_in_the_order_posted),
		T(a_mail_posted_first_overtakes_those_waiting),
		T(a_long_queue_leaves_the_loop_turns_between),
		T(drain_runs_everything_at_once),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
