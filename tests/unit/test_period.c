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
	assert_string_equal(buf, "0000M00");

	/* Years pad to four digits; an index past its kind's range still
	 * fits. */
	p = (struct dongbo_period){ .year = 7, .kind = DONGBO_PERIOD_QUARTER,
				    .index = 2 };
	dongbo_period_format(&p, buf);
	assert_string_equal(buf, "0007Q2");
	p = (struct dongbo_period){ .year = 2024, .kind = DONGBO_PERIOD_HALF,
				    .index = 99 };
	dongbo_period_format(&p, buf);
	assert_string_equal(buf, "2024S99");
	assert_int_equal(buf[DONGBO_PERIOD_MAX], '!');
}

static const char *fmt(const struct dongbo_period *p, char *buf)
{
	dongbo_period_format(p, buf);
	return buf;
}

static struct dongbo_period per(const char *s)
{
	struct dongbo_period p;

	assert_int_equal(dongbo_period_parse(s, &p), 0);
	return p;
}

static void parent_goes_month_quarter_half_year(void **state)
{
	struct dongbo_period p = per("2022M08"), q;
	char buf[DONGBO_PERIOD_MAX];

	(void)state;
	assert_true(dongbo_period_parent(&p, &q));
	assert_string_equal(fmt(&q, buf), "2022Q3");
	assert_true(dongbo_period_parent(&q, &q));
	assert_string_equal(fmt(&q, buf), "2022S2");
	assert_true(dongbo_period_parent(&q, &q));
	assert_string_equal(fmt(&q, buf), "2022");
	assert_false(dongbo_period_parent(&q, &q));
	p = per("2022Q2");
	assert_true(dongbo_period_parent(&p, &q));
	assert_string_equal(fmt(&q, buf), "2022S1");
}

static void parts_tile_their_period_in_order(void **state)
{
	struct dongbo_period parts[DONGBO_PERIOD_PARTS_MAX], p;
	char buf[DONGBO_PERIOD_MAX];

	(void)state;
	p = per("2023");
	assert_int_equal(dongbo_period_parts(&p, parts), 2);
	assert_string_equal(fmt(&parts[0], buf), "2023S1");
	assert_string_equal(fmt(&parts[1], buf), "2023S2");
	p = per("2023S2");
	assert_int_equal(dongbo_period_parts(&p, parts), 2);
	assert_string_equal(fmt(&parts[0], buf), "2023Q3");
	assert_string_equal(fmt(&parts[1], buf), "2023Q4");
	p = per("2023Q4");
	assert_int_equal(dongbo_period_parts(&p, parts), 3);
	assert_string_equal(fmt(&parts[0], buf), "2023M10");
	assert_string_equal(fmt(&parts[2], buf), "2023M12");
	p = per("2023M12");
	assert_int_equal(dongbo_period_parts(&p, parts), 0);
}

static void walk_lists_each_period_before_its_parts(void **state)
{
	struct dongbo_period all[DONGBO_PERIODS_PER_YEAR], p = per("2024");
	char buf[DONGBO_PERIOD_MAX];

	(void)state;
	assert_int_equal(dongbo_period_walk(&p, all), DONGBO_PERIODS_PER_YEAR);
	assert_string_equal(fmt(&all[0], buf), "2024");
	assert_string_equal(fmt(&all[1], buf), "2024S1");
	assert_string_equal(fmt(&all[2], buf), "2024Q1");
	assert_string_equal(fmt(&all[3], buf), "2024M01");
	assert_string_equal(fmt(&all[18], buf), "2024M12");
	for (size_t i = 0; i < DONGBO_PERIODS_PER_YEAR; i++)
		assert_true(dongbo_period_contains(&p, &all[i]));
	p = per("2024Q2");
	assert_int_equal(dongbo_period_walk(&p, all), 4);
	assert_string_equal(fmt(&all[3], buf), "2024M06");
}

static void contains_follows_the_lattice(void **state)
{
	struct dongbo_period y = per("2024"), s1 = per("2024S1"),
			     m7 = per("2024M07"), y2 = per("2025");

	(void)state;
	assert_true(dongbo_period_contains(&s1, &s1));
	assert_false(dongbo_period_contains(&s1, &m7));
	assert_true(dongbo_period_contains(&y, &m7));
	assert_false(dongbo_period_contains(&y2, &m7));
	assert_false(dongbo_period_contains(&m7, &y));
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
		cmocka_unit_test(parent_goes_month_quarter_half_year),
		cmocka_unit_test(parts_tile_their_period_in_order),
		cmocka_unit_test(walk_lists_each_period_before_its_parts),
		cmocka_unit_test(contains_follows_the_lattice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
