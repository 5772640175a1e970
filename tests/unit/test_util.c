/*
 * test_util.c -- common/util.c: the strict unsigned decimal parser, backoff,
 * growing arrays and the arena.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void parse_u64_accepts_up_to_max_and_no_more(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_true(dongbo_parse_u64("6", 6, &v));
	assert_int_equal(v, 6);
	assert_false(dongbo_parse_u64("7", 6, &v));
	assert_false(dongbo_parse_u64("9", 0, &v));
	assert_true(dongbo_parse_u64("0", 0, &v));
	assert_true(dongbo_parse_u64("18446744073709551615", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	assert_false(dongbo_parse_u64("18446744073709551616", UINT64_MAX, &v));
	assert_true(dongbo_parse_u64("9223372036854775807", INT64_MAX, &v));
	assert_false(dongbo_parse_u64("9223372036854775808", INT64_MAX, &v));
}

static void parse_u64_refuses_anything_but_digits(void **state)
{
	uint64_t v = 42;
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1.0" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(dongbo_parse_u64(bad[i], UINT64_MAX, &v));
	assert_false(dongbo_parse_u64(NULL, UINT64_MAX, &v));
	assert_int_equal(v, 42); /* untouched on refusal */
}

static void backoff_doubles_to_its_cap_with_jitter(void **state)
{
	unsigned base = 100, steps = 0;
	uint32_t r = 12345;

	(void)state;
	while (base < 5000) {
		unsigned lo = ~0u, hi = 0;

		for (int i = 0; i < 2000; i++) {
			unsigned d;

			r = r * 1103515245u + 12345u;
			d = dongbo_backoff_delay(base, r >> 8);
			assert_in_range(d, base / 2, base);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* Spread over the whole half, not a fixed delay. */
		assert_true(lo <= base / 2 + base / 20);
		assert_true(hi >= base - base / 20);
		base = dongbo_backoff_grow(base, 5000);
		steps++;
	}
	assert_int_equal(base, 5000);
	assert_int_equal(steps, 6); /* 100 200 400 800 1600 3200 -> 5000 */
	assert_int_equal(dongbo_backoff_grow(5000, 5000), 5000);
	assert_int_equal(dongbo_backoff_grow(3000, 5000), 5000);
	assert_int_equal(dongbo_backoff_delay(0, 7), 0);
}

static void grow_doubles_and_keeps_the_array_on_failure(void **state)
{
	size_t cap = 0;
	int *v = NULL, *p;

	(void)state;
	for (size_t n = 0; n < 40; n++) {
		p = dongbo_grow(v, &cap, n, sizeof(*v), 4);
		assert_non_null(p);
		v = p;
		v[n] = (int)n;
		assert_true(cap > n);
	}
	assert_int_equal(cap, 64); /* 4 8 16 32 64 */
	for (int i = 0; i < 40; i++)
		assert_int_equal(v[i], i);
	assert_ptr_equal(dongbo_grow(v, &cap, 40, sizeof(*v), 4), v);
	/* Too big to count: refused, the array and its capacity kept. */
	assert_null(dongbo_grow(v, &cap, 64, SIZE_MAX / 64, 4));
	assert_int_equal(cap, 64);
	assert_int_equal(v[39], 39);
	free(v);
}

/* Copies keep their bytes while others are made, in chunks and beside
 * them; a copy larger than a chunk gets one of its own. */
static void arena_copies_stay_until_freed(void **state)
{
	struct dongbo_arena a = { 0 };
	char *big = malloc(DONGBO_ARENA_CHUNK + 10);
	char *copies[3000], *large, *after;
	char buf[16];

	(void)state;
	assert_non_null(big);
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "u%d", i);
		copies[i] = dongbo_arena_strdup(&a, buf);
		assert_non_null(copies[i]);
		if (i == 1500) {
			memset(big, 'x', DONGBO_ARENA_CHUNK + 10);
			large = dongbo_arena_copy(&a, big,
						  DONGBO_ARENA_CHUNK + 10);
			assert_non_null(large);
		}
	}
	/* An allocation after odd-sized copies is aligned for any type. */
	for (size_t n = 1; n < 40; n += 7) {
		long double *x = dongbo_arena_alloc(&a, n * sizeof(*x));

		assert_non_null(x);
		assert_int_equal((uintptr_t)x % _Alignof(max_align_t), 0);
		x[n - 1] = 1.5L;
		assert_non_null(dongbo_arena_copy(&a, "odd", 3));
	}
	after = dongbo_arena_strdup(&a, "");
	assert_non_null(after);
	assert_string_equal(after, "");
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "u%d", i);
		assert_string_equal(copies[i], buf);
	}
	assert_memory_equal(large, big, DONGBO_ARENA_CHUNK + 10);
	dongbo_arena_free(&a);
	assert_null(a.head);
	dongbo_arena_free(&a); /* empty: nothing to do */
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grow_doubles_and_keeps_the_array_on_failure),
		cmocka_unit_test(arena_copies_stay_until_freed),
		cmocka_unit_test(backoff_doubles_to_its_cap_with_jitter),
		cmocka_unit_test(parse_u64_accepts_up_to_max_and_no_more),
		cmocka_unit_test(parse_u64_refuses_anything_but_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
