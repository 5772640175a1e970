/*
 * test_util.c -- common/util.c: the strict unsigned decimal parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_u64_accepts_up_to_max_and_no_more),
		cmocka_unit_test(parse_u64_refuses_anything_but_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
