/* test_writer.c -- the writer's jobs: off the loop, in order, in groups,
 * and what a stop does to them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include <uv.h>

#include "writer.h"

#define N_JOBS 48

struct bench {
	uv_loop_t loop;
	struct dongbo_writer w;
	pthread_t loop_thread;
	struct item {
		struct dongbo_write_job wj;
		struct bench *b;
		int id;
		int group;	 /* which call of work ran it; -1: none */
		size_t group_n;	 /* how many that call ran */
		bool off_loop;	 /* work ran on another thread */
		bool ran;	 /* as done was told */
	} items[N_JOBS];
	int done_order[N_JOBS];
	size_t n_done;
	int n_groups;
};

static void work_a(struct dongbo_write_job **jobs, size_t n)
{
	struct item *first = (struct item *)jobs[0];
	struct bench *b = first->b;
	/* Groups run one at a time: no lock needed for the count. */
	int g = b->n_groups++;

	for (size_t i = 0; i < n; i++) {
		struct item *it = (struct item *)jobs[i];

		it->group = g;
		it->group_n = n;
		it->off_loop = !pthread_equal(pthread_self(), b->loop_thread);
	}
}

/* The same, but another kind of work: never grouped with work_a. */
static void work_b(struct dongbo_write_job **jobs, size_t n)
{
	work_a(jobs, n);
}

static void done_cb(struct dongbo_write_job *wj, bool ran)
{
	struct item *it = (struct item *)wj;
	struct bench *b = it->b;

	assert_true(pthread_equal(pthread_self(), b->loop_thread));
	it->ran = ran;
	b->done_order[b->n_done++] = it->id;
}

static int setup(void **state)
{
	static struct bench b;

	memset(&b, 0, sizeof(b));
	if (uv_loop_init(&b.loop) != 0)
		return -1;
	dongbo_writer_init(&b.w, &b.loop);
	b.loop_thread = pthread_self();
	for (int i = 0; i < N_JOBS; i++) {
		b.items[i].wj.work = work_a;
		b.items[i].wj.done = done_cb;
		b.items[i].b = &b;
		b.items[i].id = i;
		b.items[i].group = -1;
	}
	*state = &b;
	return 0;
}

static int teardown(void **state)
{
	struct bench *b = *state;

	dongbo_writer_stop(&b->w);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	return uv_loop_close(&b->loop) == 0 ? 0 : -1;
}

static void submit(struct bench *b, int from, int to)
{
	for (int i = from; i < to; i++)
		dongbo_writer_submit(&b->w, &b->items[i].wj);
}

static void jobs_queued_meanwhile_run_together_in_order(void **state)
{
	struct bench *b = *state;

	/* 0 starts at once; the rest queue behind it: 32 of them, then 15. */
	submit(b, 0, N_JOBS);
	assert_int_equal(dongbo_writer_pending(&b->w), N_JOBS);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	assert_int_equal(dongbo_writer_pending(&b->w), 0);
	assert_int_equal(b->n_done, N_JOBS);
	for (int i = 0; i < N_JOBS; i++) {
		const struct item *it = &b->items[i];
		int g = i == 0 ? 0 : i <= DONGBO_WRITER_GROUP_MAX ? 1 : 2;

		assert_int_equal(b->done_order[i], i);
		assert_true(it->ran);
		assert_true(it->off_loop);
		assert_int_equal(it->group, g);
		assert_int_equal(it->group_n,
				 g == 0 ? 1
				 : g == 1 ? DONGBO_WRITER_GROUP_MAX
					  : N_JOBS - 1 - DONGBO_WRITER_GROUP_MAX);
	}
}

static void another_kind_of_work_runs_apart(void **state)
{
	struct bench *b = *state;

	/* 0 | 1 2 (a) | 3 (b) | 4 5 (a): 4 and 5 do not join 1 and 2. */
	b->items[3].wj.work = work_b;
	submit(b, 0, 6);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	assert_int_equal(b->n_done, 6);
	assert_int_equal(b->n_groups, 4);
	assert_int_equal(b->items[1].group, b->items[2].group);
	assert_int_equal(b->items[3].group_n, 1);
	assert_int_equal(b->items[4].group, b->items[5].group);
	assert_true(b->items[4].group > b->items[3].group);
	for (int i = 0; i < 6; i++)
		assert_int_equal(b->done_order[i], i);
}

static void a_group_stays_within_its_weight(void **state)
{
	struct bench *b = *state;
	const size_t m = DONGBO_WRITER_WEIGHT_MAX;
	const size_t w[] = { 10, m * 2 / 5, m * 2 / 5, m * 2 / 5, m * 6 / 5,
			     1, 1 };

	/* 0 | 1 2 (4/5 of the most; a third would pass it) | 3 | 4 (alone
	 * over the weight) | 5 6 */
	for (int i = 0; i < 7; i++)
		b->items[i].wj.weight = w[i];
	submit(b, 0, 7);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	assert_int_equal(b->n_done, 7);
	assert_int_equal(b->n_groups, 5);
	assert_int_equal(b->items[1].group_n, 2);
	assert_int_equal(b->items[2].group, b->items[1].group);
	assert_int_equal(b->items[3].group_n, 1);
	assert_int_equal(b->items[4].group_n, 1);
	assert_int_equal(b->items[5].group_n, 2);
	assert_int_equal(b->items[6].group, b->items[5].group);
}

/* Item 5's done submits 6 and 7, item 0's submits 1. */
static void done_submitting(struct dongbo_write_job *wj, bool ran)
{
	struct item *it = (struct item *)wj;
	struct bench *b = it->b;

	done_cb(wj, ran);
	if (it->id == 5) {
		dongbo_writer_submit(&b->w, &b->items[6].wj);
		dongbo_writer_submit(&b->w, &b->items[7].wj);
	}
	if (it->id == 0)
		dongbo_writer_submit(&b->w, &b->items[1].wj);
}

/* A done that submits may start the next group before the other dones
 * of its own group ran: each of those still runs, once. */
static void a_done_may_submit(void **state)
{
	struct bench *b = *state;
	const int order[] = { 5, 0, 4, 6, 7, 1 };

	/* 5 runs; 0 and 4 (a) queue and run next together, while 6 and 7
	 * (b), submitted by 5's done, wait; 0's done submits 1 (b), and
	 * 6 7 1 start as one group before 4's done ran. */
	b->items[5].wj.done = done_submitting;
	b->items[0].wj.done = done_submitting;
	b->items[1].wj.work = b->items[6].wj.work = b->items[7].wj.work =
		work_b;
	dongbo_writer_submit(&b->w, &b->items[5].wj);
	dongbo_writer_submit(&b->w, &b->items[0].wj);
	dongbo_writer_submit(&b->w, &b->items[4].wj);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	assert_int_equal(b->n_done, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(b->done_order[i], order[i]);
	assert_int_equal(b->items[0].group, b->items[4].group);
	assert_int_equal(b->items[6].group_n, 3);
	assert_int_equal(b->items[1].group, b->items[6].group);
	assert_int_equal(dongbo_writer_weight(&b->w), 0);
}

static void a_stop_drops_the_jobs_waiting(void **state)
{
	struct bench *b = *state;

	submit(b, 0, 3);
	dongbo_writer_stop(&b->w);
	/* 1 and 2 are done at once, without running. */
	assert_int_equal(b->n_done, 2);
	assert_int_equal(b->done_order[0], 1);
	assert_int_equal(b->done_order[1], 2);
	assert_false(b->items[1].ran);
	assert_int_equal(b->items[1].group, -1);
	/* One submitted after the stop too. */
	submit(b, 3, 4);
	assert_int_equal(b->n_done, 3);
	assert_false(b->items[3].ran);
	/* The one running finishes, on a later turn of the loop. */
	assert_int_equal(dongbo_writer_pending(&b->w), 1);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	assert_int_equal(b->n_done, 4);
	assert_int_equal(b->done_order[3], 0);
	assert_true(b->items[0].ran);
	assert_int_equal(b->n_groups, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			jobs_queued_meanwhile_run_together_in_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(another_kind_of_work_runs_apart,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_group_stays_within_its_weight,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_done_may_submit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_stop_drops_the_jobs_waiting,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
