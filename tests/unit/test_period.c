/* test_period.c -- reporting periods: what is accepted, what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"
#include "period.h"

static void assert_canonical(const char *in, const char *want)
{
	char buf[DONGBO_PERIOD_MAX];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(dongbo_period_canonical(in, buf), 0);
	assert_string_equal(buf, want);
}

static void assert_refused(const char *in)
{
	struct dongbo_period p = { .year = 7, .kind = DONGBO_PERIOD_MONTH,
				   .index = 7 };

	assert_int_equal(dongbo_period_parse(in, &p), DONGBO_E_BAD_PERIOD);
	/* Out-parameters are written only on success. */
	assert_int_equal(p.year, 7);
	assert_int_equal(p.kind, DONGBO_PERIOD_MONTH);
	assert_int_equal(p.index, 7);
}

static void year_parses_to_kind_year(void **state)
{
	struct dongbo_period p;

	(void)state;
	assert_int_equal(dongbo_period_parse("2022", &p), 0);
	assert_int_equal(p.year, 2022);
	assert_int_equal(p.kind, DONGBO_PERIOD_YEAR);
	assert_int_equal(p.index, 0);
	assert_canonical("2022", "2022");
}

static void half_quarter_and_month_parse_with_their_index(void **state)
{
	struct dongbo_period p;

	(void)state;
	assert_int_equal(dongbo_period_parse("2022S1", &p), 0);
	assert_int_equal(p.kind, DONGBO_PERIOD_HALF);
	assert_int_equal(p.index, 1);
	assert_int_equal(dongbo_period_parse("2022S2", &p), 0);
	assert_int_equal(p.index, 2);
	assert_int_equal(dongbo_period_parse("2022Q3", &p), 0);
	assert_int_equal(p.kind, DONGBO_PERIOD_QUARTER);
	assert_int_equal(p.index, 3);
	assert_int_equal(dongbo_period_parse("2022M06", &p), 0);
	assert_int_equal(p.kind, DONGBO_PERIOD_MONTH);
	assert_int_equal(p.index, 6);
	assert_int_equal(p.year, 2022);
	assert_int_equal(dongbo_period_parse("2022M12", &p), 0);
	assert_int_equal(p.index, 12);
}

static void lower_case_and_one_digit_month_become_canonical(void **state)
{
	(void)state;
	assert_canonical("2022s1", "2022S1");
	assert_canonical("2022q4", "2022Q4");
	assert_canonical("2022m06", "2022M06");
	assert_canonical("2022M6", "2022M06");
	assert_canonical("2022m6", "2022M06");
	assert_canonical("2022M10", "2022M10");
}

static void year_bounds_are_inclusive(void **state)
{
	(void)state;
	assert_canonical("1990", "1990");
	assert_canonical("2100Q1", "2100Q1");
	assert_refused("1989");
	assert_refused("2101");
	assert_refused("0000");
	assert_refused("9999M01");
}

static void out_of_range_index_is_refused(void **state)
{
	(void)state;
	assert_refused("2022Q5");
	assert_refused("2022Q0");
	assert_refused("2022S3");
	assert_refused("2022S0");
	assert_refused("2022M13");
	assert_refused("2022M00");
	assert_refused("2022M0");
	assert_refused("2022M99");
}

static void malformed_text_is_refused(void **state)
{
	(void)state;
	assert_refused("");
	assert_refused("22");
	assert_refused("202");
	assert_refused("20221");
	assert_refused("2022 ");
	assert_refused(" 2022");
	assert_refused("+2022");
	assert_refused("-2022");
	assert_refused("2022Q");
	assert_refused("2022M");
	assert_refused("2022S");
	assert_refused("2022Q1x");
	assert_refused("2022M061");
	assert_refused("2022M6 ");
	assert_refused("2022M+6");
	assert_refused("2022Q 1");
	assert_refused("2022H1");
	assert_refused("2022W01");
	assert_refused("2022-06");
	assert_refused("２０２２");
	assert_refused("2022Q1\n");
	assert_int_equal(dongbo_period_parse(NULL, &(struct dongbo_period){ 0 }),
			 DONGBO_E_BAD_PERIOD);
}

static void canonical_leaves_buffer_alone_on_refusal(void **state)
{
	char buf[DONGBO_PERIOD_MAX] = "keep";

	(void)state;
	assert_int_equal(dongbo_period_canonical("2022Q5", buf),
			 DONGBO_E_BAD_PERIOD);
	assert_string_equal(buf, "keep");
}

static void format_round_trips_every_canonical_form(void **state)
{
	static const char *const forms[] = { "2022",   "2022S1",  "2022S2",
					     "2022Q1", "2022Q4",  "2022M01",
					     "2022M09", "2022M12" };
	struct dongbo_period p;
	char buf[DONGBO_PERIOD_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(dongbo_period_parse(forms[i], &p), 0);
		dongbo_period_format(&p, buf);
		assert_string_equal(buf, forms[i]);
	}
}

static void format_of_corrupt_struct_stays_in_bounds(void **state)
{
	struct dongbo_period p = { .year = 123456, .kind = DONGBO_PERIOD_MONTH,
				   .index = -4 };
	char buf[DONGBO_PERIOD_MAX + 1];

	(void)state;
	buf[DONGBO_PERIOD_MAX] = '!';
	dongbo_period_format(&p, buf);
	assert_true(strlen(buf) < DONGBO_PERIOD_MAX);
	assert_int_equal(buf[DONGBO_PERIOD_MAX], '!');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(year_parses_to_kind_year),
		cmocka_unit_test(half_quarter_and_month_parse_with_their_index),
		cmocka_unit_test(lower_case_and_one_digit_month_become_canonical),
		cmocka_unit_test(year_bounds_are_inclusive),
		cmocka_unit_test(out_of_range_index_is_refused),
		cmocka_unit_test(malformed_text_is_refused),
		cmocka_unit_test(canonical_leaves_buffer_alone_on_refusal),
		cmocka_unit_test(format_round_trips_every_canonical_form),
		cmocka_unit_test(format_of_corrupt_struct_stays_in_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
