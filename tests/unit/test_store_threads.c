/*
 * test_store_threads.c -- a store read on one thread while another writes
 * it and its map grows (store.h: calls from several threads at once).
 */
#include "store_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MONTHS 1300 /* 1990M01 .. 2098M04 */

struct job {
	struct fx *fx;
	atomic_int done;
	int rc;	      /* the first failed put, or 0 */
	int n_put;    /* puts committed */
};

/* Month i: value i at three communes, in one transaction. */
static void *writer_main(void *arg)
{
	struct job *j = arg;

	for (int i = 0; i < MONTHS && j->rc == 0; i++) {
		char per[DONGBO_PERIOD_MAX + 8];
		struct dongbo_record r[3];

		month_of(per, sizeof(per), i);
		r[0] = rec("07201", "hs_nhan", per, i, 0, 0);
		r[1] = rec("07207", "hs_nhan", per, i, 0, 0);
		r[2] = rec("07300", "hs_nhan", per, i, 0, 0);
		j->rc = dongbo_store_put_local(j->fx->st, r, 3, 1, NULL);
		if (j->rc == 0)
			j->n_put++;
	}
	atomic_store(&j->done, 1);
	return NULL;
}

struct seen {
	int n;
	bool wrong;
};

static int value_cb(void *arg, const struct dongbo_record *r)
{
	struct seen *s = arg;
	char per[DONGBO_PERIOD_MAX + 8];

	/* In key order: month n holds value n. */
	month_of(per, sizeof(per), s->n);
	if (strcmp(r->period, per) != 0 || r->value != s->n || r->deleted)
		s->wrong = true;
	s->n++;
	return 0;
}

static void reads_go_on_while_a_write_grows_the_map(void **state)
{
	struct fx *fx = *state;
	struct dongbo_store_info info;
	struct job j = { .fx = fx };
	pthread_t th;
	int last = 0, reads = 0;

	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_growing(fx, "24", 128 * 1024, 64 << 20), 0);
	assert_int_equal(pthread_create(&th, NULL, writer_main, &j), 0);
	while (!atomic_load(&j.done)) {
		struct seen s = { 0 };
		struct dongbo_agg total;
		bool more = false;
		int rc;

		/* Every month so far, in one read transaction: a snapshot
		 * whole and in order, never shorter than the one before. */
		rc = dongbo_store_unit_values(fx->st, "07300", NULL, NULL,
					      false, MONTHS, value_cb, &s,
					      &more);
		assert_int_equal(rc, 0);
		assert_false(s.wrong);
		assert_true(s.n >= last);
		last = s.n;
		if (s.n > 0) {
			/* Three communes in one put: all or none. */
			rc = dongbo_store_rollup(fx->st, "24", "hs_nhan",
						 "1990M01", &total, NULL,
						 NULL);
			assert_int_equal(rc, 0);
			assert_int_equal(total.count, 3);
		}
		assert_int_equal(dongbo_store_info(fx->st, &info), 0);
		reads++;
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(j.rc, 0);
	assert_int_equal(j.n_put, MONTHS);
	assert_int_equal(dongbo_store_info(fx->st, &info), 0);
	/* It grew several times while being read. */
	print_message("%d reads; map %llu KiB\n", reads,
		      (unsigned long long)info.map_size / 1024);
	assert_true(info.map_size >= 8 * 128 * 1024);
	assert_true(reads > 1);
	verify_ok(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			reads_go_on_while_a_write_grows_the_map, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
