/* test_number.c -- numbers as written in the reports, and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "number.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Short names for the tables below. */
#define C DONGBO_NUMBER_COUNT
#define D DONGBO_NUMBER_DECIMAL
#define M DONGBO_NUMBER_MONEY

static char err[512];

/* ---- parsing -------------------------------------------------------------- */

struct accept_case {
	const char *text;
	int kind, scale;
	bool percent;
	int64_t want;
};

static void numbers_written_either_way_are_read_exactly(void **state)
{
	static const struct accept_case cases[] = {
		/* counts: plain, zero-padded, grouped by '.' or ',' */
		{ "0", C, 0, false, 0 },
		{ "1234", C, 0, false, 1234 },
		{ "007", C, 0, false, 7 },
		{ "05", C, 0, false, 5 },
		{ "1.234.567", C, 0, false, 1234567 },
		{ "156.465", C, 0, false, 156465 },
		{ "52,414", C, 0, false, 52414 },
		{ "1,081", C, 0, false, 1081 },
		{ "331.084", C, 0, false, 331084 },
		{ "  42 \t", C, 0, false, 42 },
		{ "\n9\r\n", C, 0, false, 9 },
		{ "9223372036854775807", C, 0, false, INT64_MAX },
		{ "9.223.372.036.854.775.807", C, 0, false, INT64_MAX },
		{ "50%", C, 0, true, 50 },
		/* decimals: either mark, the other one grouping */
		{ "99,98", D, 2, false, 9998 },
		{ "99.98", D, 2, false, 9998 },
		{ "12.16", D, 2, false, 1216 },
		{ "76.1", D, 2, false, 7610 },
		{ "10,88%", D, 2, true, 1088 },
		{ "99,69 %", D, 2, true, 9969 },
		{ "5", D, 2, false, 500 },
		{ "05,5", D, 2, false, 550 },
		{ "0.123", D, 3, false, 123 },
		{ "0,120", D, 2, false, 12 },
		{ "1234.567", D, 3, false, 1234567 },
		{ "1.2345", D, 4, false, 12345 },
		{ "1.234,5", D, 2, false, 123450 },
		{ "1,234.5", D, 2, false, 123450 },
		{ "1.234.567", D, 2, false, 123456700 },
		{ "1,234,567", D, 0, false, 1234567 },
		{ "1.234.567,89", D, 2, false, 123456789 },
		{ "1,234,567.89", D, 2, false, 123456789 },
		{ "-1.234,50", D, 2, false, -123450 },
		{ "-0,5", D, 2, false, -50 },
		{ "-0", D, 2, false, 0 },
		{ "1,5000000000000000000000000", D, 2, false, 150 },
		{ "1.2000", D, 3, false, 1200 },
		{ "92233720368547758.07", D, 2, false, INT64_MAX },
		{ "-92233720368547758.08", D, 2, false, INT64_MIN },
		{ "-9223372036854775808", D, 0, false, INT64_MIN },
		{ "-9.223.372.036.854,775808", D, 6, false, INT64_MIN },
		/* money: as decimal */
		{ "4.494.051", M, 0, false, 4494051 },
		{ "1.965.892", M, 0, false, 1965892 },
		{ "3630,5", M, 1, false, 36305 },
		{ "-2.055,25", M, 2, false, -205525 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		const struct accept_case *c = &cases[i];
		int64_t v = 42;

		err[0] = '\0';
		if (dongbo_number_parse(c->text, (enum dongbo_number_kind)c->kind,
					c->scale, c->percent, &v, err,
					sizeof(err)) != 0)
			fail_msg("case %zu '%s' refused: %s", i, c->text, err);
		if (v != c->want)
			fail_msg("case %zu '%s': got %lld, want %lld", i,
				 c->text, (long long)v, (long long)c->want);
	}
}

struct refuse_case {
	const char *text;
	int kind, scale;
	bool percent;
	const char *want; /* the whole message */
};

static void malformed_or_ambiguous_numbers_are_refused_saying_why(void **state)
{
	static const struct refuse_case cases[] = {
		/* counts */
		{ "-5", C, 0, false,
		  "'-5' is not a count (a whole number 0 or more)" },
		{ "+5", C, 0, false,
		  "'+5' is not a count (a whole number 0 or more)" },
		{ "abc", C, 0, false,
		  "'abc' is not a count (a whole number 0 or more)" },
		{ "1 234", C, 0, false,
		  "'1 234' is not a count (a whole number 0 or more)" },
		{ "0x10", C, 0, false,
		  "'0x10' is not a count (a whole number 0 or more)" },
		{ "1e3", C, 0, false,
		  "'1e3' is not a count (a whole number 0 or more)" },
		{ "\xd9\xa3", C, 0, false,
		  "'\xd9\xa3' is not a count (a whole number 0 or more)" },
		{ "", C, 0, false, "'' is empty: write a count" },
		{ "  ", C, 0, false, "'  ' is empty: write a count" },
		{ "1,5", C, 0, false,
		  "'1,5' is not a count: a count is a whole number, and '.' or "
		  "',' may only group its digits by threes (1.234.567)" },
		{ "5.0", C, 0, false, "'5.0' is not a count: a count is" },
		{ "1.234,567", C, 0, false, "'1.234,567' is not a count: a" },
		{ "1.23.456", C, 0, false, "'1.23.456' is not a count: a" },
		{ "1234.567", C, 0, false, "'1234.567' is not a count: a" },
		{ "0.123", C, 0, false, "'0.123' is not a count: a" },
		{ "1.2345", C, 0, false, "'1.2345' is not a count: a" },
		{ "1.", C, 0, false, "'1.' is not a count: a" },
		{ ".5", C, 0, false, "'.5' is not a count: a" },
		{ "50%", C, 0, false,
		  "'50%' ends with '%', but the unit of this indicator is not "
		  "'%'" },
		{ "%", C, 0, true,
		  "'%' is not a count (a whole number 0 or more)" },
		{ "9223372036854775808", C, 0, false,
		  "'9223372036854775808' is too large for a count (at most "
		  "9223372036854775807)" },
		{ "99999999999999999999999999999999999999999", C, 0, false,
		  "'99999999999999999999999999999999999999999' is too large "
		  "for a count (at most 9223372036854775807)" },
		/* decimals: the ambiguous shape, both readings offered */
		{ "1.200", D, 2, false,
		  "'1.200' is ambiguous for a decimal: 1200 or 1,2? write 1200 "
		  "or 1,2" },
		{ "52,414", D, 3, false,
		  "'52,414' is ambiguous for a decimal: 52414 or 52,4140? "
		  "write 52414 or 52,4140" },
		{ "-1.000", D, 0, false,
		  "'-1.000' is ambiguous for a decimal: -1000 or -1? write "
		  "-1000 or -1" },
		{ "156.465", M, 0, false,
		  "'156.465' is ambiguous for an amount of money: 156465 or "
		  "156,4650? write 156465 or 156,4650" },
		{ "99,985", D, 2, false, "'99,985' is ambiguous for a decimal" },
		{ "1,230%", D, 2, true, "'1,230%' is ambiguous for a decimal" },
		/* decimals: other malformations */
		{ "+5", D, 2, false, "'+5' is not a decimal: leave out the '+'" },
		{ "--5", D, 2, false,
		  "'--5' is not a decimal (digits, with ',' or '.' as the "
		  "decimal mark)" },
		{ "-", D, 2, false, "'-' is not a decimal (digits" },
		{ "1e3", M, 2, false, "'1e3' is not an amount of money (digits" },
		{ "1,2.3", D, 2, false,
		  "'1,2.3' is not a decimal: write the decimal mark (',' or "
		  "'.') once, and group thousands by threes with the other "
		  "one, if at all" },
		{ "1.234.5", D, 2, false, "'1.234.5' is not a decimal: write" },
		{ "1.23,45.6", D, 2, false, "'1.23,45.6' is not a decimal: write" },
		{ "1.234,5.6", D, 2, false, "'1.234,5.6' is not a decimal: write" },
		{ ",5", D, 2, false, "',5' is not a decimal: write" },
		{ "5,", D, 2, false, "'5,' is not a decimal: write" },
		{ "1.234,", D, 2, false, "'1.234,' is not a decimal: write" },
		{ "0,125", D, 2, false,
		  "'0,125' has more decimals than this indicator keeps (2); "
		  "round it first" },
		{ "1.234.567,8901", D, 2, false,
		  "'1.234.567,8901' has more decimals" },
		{ "1,5", D, 0, false,
		  "'1,5' has decimals, but this indicator keeps whole numbers "
		  "only; round it first" },
		{ "5%", D, 2, false, "'5%' ends with '%', but the unit" },
		{ "", D, 2, false, "'' is empty: write a decimal" },
		{ "92233720368547758.08", D, 2, false,
		  "'92233720368547758.08' is too large for a decimal (at most "
		  "92233720368547758.07)" },
		{ "-92233720368547758.09", D, 2, false,
		  "'-92233720368547758.09' is too small for a decimal (at "
		  "least -92233720368547758.08)" },
		{ "10000000000000", M, 6, false,
		  "'10000000000000' is too large for an amount of money (at "
		  "most 9223372036854.775807)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		const struct refuse_case *c = &cases[i];
		int64_t v = 42;
		int rc;

		err[0] = '\0';
		rc = dongbo_number_parse(c->text, (enum dongbo_number_kind)c->kind,
					 c->scale, c->percent, &v, err,
					 sizeof(err));
		if (rc != DONGBO_E_BAD_VALUE)
			fail_msg("case %zu '%s': rc %d (value %lld)", i,
				 c->text, rc, (long long)v);
		if (strncmp(err, c->want, strlen(c->want)) != 0)
			fail_msg("case %zu: message '%s', want '%s'", i, err,
				 c->want);
		assert_int_equal(v, 42);
	}
}

static void parse_refuses_bad_arguments(void **state)
{
	int64_t v = 42;

	(void)state;
	assert_int_equal(dongbo_number_parse("1", D, DONGBO_SCALE_MAX + 1,
					     false, &v, err, sizeof(err)),
			 DONGBO_E_INVAL);
	assert_int_equal(dongbo_number_parse("1", D, -1, false, &v, err,
					     sizeof(err)),
			 DONGBO_E_INVAL);
	assert_int_equal(dongbo_number_parse("1", C, 2, false, &v, err,
					     sizeof(err)),
			 DONGBO_E_INVAL);
	assert_int_equal(dongbo_number_parse(NULL, D, 0, false, &v, err,
					     sizeof(err)),
			 DONGBO_E_INVAL);
	assert_int_equal(dongbo_number_parse("1", D, 0, false, NULL, err,
					     sizeof(err)),
			 DONGBO_E_INVAL);
	/* No message buffer is fine. */
	assert_int_equal(dongbo_number_parse("x", D, 0, false, &v, NULL, 0),
			 DONGBO_E_BAD_VALUE);
	assert_int_equal(v, 42);
}

static void parse_int64_takes_only_plain_whole_numbers(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		int64_t want;
	} cases[] = {
		{ "0", true, 0 },
		{ "2", true, 2 },
		{ "-1", true, -1 },
		{ "007", true, 7 },
		{ "9223372036854775807", true, INT64_MAX },
		{ "-9223372036854775808", true, INT64_MIN },
		{ "9223372036854775808", false, 0 },
		{ "-9223372036854775809", false, 0 },
		{ "", false, 0 },
		{ "-", false, 0 },
		{ "+1", false, 0 },
		{ " 1", false, 0 },
		{ "1.0", false, 0 },
		{ "1,000", false, 0 },
		{ "x", false, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		int64_t v = 42;
		bool ok = dongbo_number_parse_int64(cases[i].s,
						    strlen(cases[i].s), &v);

		if (ok != cases[i].ok)
			fail_msg("case %zu '%s': got %d", i, cases[i].s, ok);
		assert_int_equal(v, ok ? cases[i].want : 42);
	}
	/* Only len bytes are read. */
	{
		int64_t v = 0;

		assert_true(dongbo_number_parse_int64("12x", 2, &v));
		assert_int_equal(v, 12);
	}
}

/* ---- formatting ----------------------------------------------------------- */

static void numbers_are_written_plain_or_as_the_reports_do(void **state)
{
	static const struct {
		int64_t v;
		int scale;
		bool vi;
		const char *want;
	} cases[] = {
		{ 0, 0, false, "0" },
		{ 0, 0, true, "0" },
		{ 1234567, 0, false, "1234567" },
		{ 1234567, 0, true, "1.234.567" },
		{ 123, 0, true, "123" },
		{ 1000, 0, true, "1.000" },
		{ -1234, 0, true, "-1.234" },
		{ -123450, 2, false, "-1234.50" },
		{ -123450, 2, true, "-1.234,50" },
		{ 9998, 2, true, "99,98" },
		{ 9998, 2, false, "99.98" },
		{ 5, 2, false, "0.05" },
		{ -5, 2, false, "-0.05" },
		{ 0, 2, false, "0.00" },
		{ 7, 6, true, "0,000007" },
		/* Plain text never reads as ambiguous: one more zero. */
		{ 1200, 3, false, "1.2000" },
		{ -1200, 3, false, "-1.2000" },
		{ 999999, 3, false, "999.9990" },
		{ 123, 3, false, "0.123" },
		{ 1000000, 3, false, "1000.000" },
		{ 1200, 3, true, "1,200" },
		{ INT64_MIN, 0, false, "-9223372036854775808" },
		{ INT64_MAX, 0, true, "9.223.372.036.854.775.807" },
		{ INT64_MAX, 6, false, "9223372036854.775807" },
		{ INT64_MIN, 6, true, "-9.223.372.036.854,775808" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		int n = dongbo_number_format(cases[i].v, cases[i].scale,
					     cases[i].vi, buf, sizeof(buf));

		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, buf,
				 cases[i].want);
		assert_int_equal(n, (int)strlen(cases[i].want));
	}
}

static void format_truncates_like_snprintf_and_refuses_bad_scale(void **state)
{
	char buf[4] = "xyz";

	(void)state;
	assert_int_equal(dongbo_number_format(1234567, 0, true, buf,
					      sizeof(buf)),
			 9);
	assert_string_equal(buf, "1.2");
	assert_int_equal(dongbo_number_format(5, 0, false, NULL, 0), 1);
	assert_int_equal(dongbo_number_format(5, 7, false, buf, sizeof(buf)),
			 DONGBO_E_INVAL);
	assert_string_equal(buf, "");
	assert_int_equal(dongbo_number_format_ratio(1, 2, -1, false, false, buf,
						    sizeof(buf)),
			 DONGBO_E_INVAL);
}

/* xorshift64*: the same values on every run, so a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Mostly small magnitudes, where the ambiguous shapes live, some huge. */
static int64_t random_value(uint64_t *s, bool negative_too)
{
	uint64_t r = next_random(s);
	int64_t v = (int64_t)(next_random(s) >> (1 + r % 63));

	if (r % 97 == 0)
		return negative_too && (r & 256) ? INT64_MIN : INT64_MAX;
	return negative_too && (r & 128) ? -v : v;
}

static void plain_text_reads_back_to_the_same_value(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char buf[64];
	int kind, scale, i;

	(void)state;
	for (kind = C; kind <= M; kind++) {
		for (scale = 0; scale <= DONGBO_SCALE_MAX; scale++) {
			if (kind == C && scale > 0)
				break;
			for (i = 0; i < 20000; i++) {
				int64_t v = random_value(&seed, kind != C), got;

				dongbo_number_format(v, scale, false, buf,
						     sizeof(buf));
				if (dongbo_number_parse(
					    buf, (enum dongbo_number_kind)kind,
					    scale, false, &got, err,
					    sizeof(err)) != 0)
					fail_msg("%lld at scale %d as '%s': %s",
						 (long long)v, scale, buf, err);
				if (got != v)
					fail_msg("'%s' read back as %lld", buf,
						 (long long)got);
			}
		}
	}
}

/* Vietnamese text reads back too, except where it is the ambiguous
 * shape itself: "1.200" (a decimal at scale 0) or "1,200" (scale 3). */
static void vietnamese_text_reads_back_unless_ambiguous(void **state)
{
	static const int scales[] = { 1, 2, 4, 5, 6 };
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	char buf[64];
	size_t j;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		int64_t v = random_value(&seed, false), got;

		dongbo_number_format(v, 0, true, buf, sizeof(buf));
		assert_int_equal(dongbo_number_parse(buf, C, 0, false, &got,
						     err, sizeof(err)),
				 0);
		assert_true(got == v);
	}
	for (j = 0; j < N_OF(scales); j++) {
		for (i = 0; i < 20000; i++) {
			int64_t v = random_value(&seed, true), got;

			dongbo_number_format(v, scales[j], true, buf,
					     sizeof(buf));
			if (dongbo_number_parse(buf, D, scales[j], false, &got,
						err, sizeof(err)) != 0)
				fail_msg("'%s': %s", buf, err);
			assert_true(got == v);
		}
	}
	dongbo_number_format(1200, 3, true, buf, sizeof(buf));
	assert_int_equal(dongbo_number_parse(buf, D, 3, false, &(int64_t){ 0 },
					     err, sizeof(err)),
			 DONGBO_E_BAD_VALUE);
}

/* ---- ratios --------------------------------------------------------------- */

static void ratios_round_half_away_from_zero_exactly(void **state)
{
	static const struct {
		int64_t num, den;
		int scale;
		bool percent, vi;
		const char *want;
	} cases[] = {
		/* DOMAIN.md C.5: Bắc Giang H1 2021, recomputed. */
		{ 614308, 616783, 2, true, true, "99,60" },
		{ 614308, 616783, 2, true, false, "99.60" },
		/* 2024 BM1 2 and 001's task rate, as printed. */
		{ 16, 29, 2, true, true, "55,17" },
		{ 4078, 4182 + 63, 2, true, true, "96,07" },
		{ 1, 3, 2, false, false, "0.33" },
		{ 2, 3, 2, false, false, "0.67" },
		{ -2, 3, 2, false, false, "-0.67" },
		{ 2, -3, 2, false, false, "-0.67" },
		{ -2, -3, 2, false, false, "0.67" },
		{ 1, 8, 2, false, false, "0.13" },
		{ -1, 8, 2, false, false, "-0.13" },
		{ 1, 200, 2, false, false, "0.01" },
		{ 1, 201, 2, false, false, "0.00" },
		{ -1, 201, 2, false, false, "0.00" },
		{ 5, 2, 0, false, false, "3" },
		{ -5, 2, 0, false, false, "-3" },
		{ 0, 5, 2, true, false, "0.00" },
		{ 18, 18, 0, true, true, "100" },
		{ 1234567, 1, 1, false, true, "1.234.567,0" },
		{ 1, 1, 3, false, false, "1.0000" },
		{ 5, 0, 2, true, true, "n/a" },
		{ 0, 0, 2, false, false, "n/a" },
		{ INT64_MIN, 0, 2, false, false, "n/a" },
		/* The extremes: every int64 pair is exact. */
		{ INT64_MAX, 1, 6, true, false,
		  "922337203685477580700.000000" },
		{ INT64_MAX, 1, 6, true, true,
		  "922.337.203.685.477.580.700,000000" },
		{ INT64_MIN, 1, 0, false, false, "-9223372036854775808" },
		{ INT64_MIN, -1, 0, false, false, "9223372036854775808" },
		{ INT64_MIN, -1, 6, true, false,
		  "922337203685477580800.000000" },
		{ INT64_MAX, INT64_MIN, 6, false, false, "-1.000000" },
		{ INT64_MIN, INT64_MAX, 6, false, false, "-1.000000" },
		{ INT64_MAX - 1, INT64_MAX, 6, true, false, "100.000000" },
		{ 1, INT64_MAX, 6, true, false, "0.000000" },
		{ INT64_MAX, 2, 0, false, false, "4611686018427387904" },
		{ INT64_MIN + 1, 2, 0, false, false, "-4611686018427387904" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		int n = dongbo_ratio_format(
			cases[i].num, cases[i].den, cases[i].scale,
			cases[i].percent,
			cases[i].vi ? DONGBO_FORMAT_VI : DONGBO_FORMAT_PLAIN, buf,
			sizeof(buf));

		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu %lld/%lld: got '%s', want '%s'", i,
				 (long long)cases[i].num,
				 (long long)cases[i].den, buf, cases[i].want);
		assert_int_equal(n, (int)strlen(cases[i].want));
	}
}

/* A ratio of small numbers, against a long division done by hand. */
static void ratios_agree_with_long_division(void **state)
{
	uint64_t seed = 42;
	char buf[64], want[64];
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		int64_t num = (int64_t)(next_random(&seed) % 2000001) - 1000000;
		int64_t den = (int64_t)(next_random(&seed) % 2001) - 1000;
		int scale = (int)(next_random(&seed) % 4), k;
		int64_t an = num < 0 ? -num : num, ad = den < 0 ? -den : den;
		int64_t q, r, digits = 1;

		if (den == 0)
			continue;
		for (k = 0; k < scale; k++)
			digits *= 10;
		/* Here an * 10^scale fits easily in int64. */
		q = an * digits / ad;
		r = an * digits % ad;
		if (2 * r >= ad)
			q++;
		if (scale == 0)
			snprintf(want, sizeof(want), "%s%lld",
				 q != 0 && (num < 0) != (den < 0) ? "-" : "",
				 (long long)q);
		else
			snprintf(want, sizeof(want), "%s%lld.%0*lld",
				 q != 0 && (num < 0) != (den < 0) ? "-" : "",
				 (long long)(q / digits), scale,
				 (long long)(q % digits));
		if (scale == 3 && q / digits > 0 && q / digits < 1000)
			strcat(want, "0");
		dongbo_ratio_format(num, den, scale, false, DONGBO_FORMAT_PLAIN,
				    buf, sizeof(buf));
		if (strcmp(buf, want) != 0)
			fail_msg("%lld/%lld at %d: got '%s', want '%s'",
				 (long long)num, (long long)den, scale, buf,
				 want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_written_either_way_are_read_exactly),
		cmocka_unit_test(
			malformed_or_ambiguous_numbers_are_refused_saying_why),
		cmocka_unit_test(parse_refuses_bad_arguments),
		cmocka_unit_test(parse_int64_takes_only_plain_whole_numbers),
		cmocka_unit_test(numbers_are_written_plain_or_as_the_reports_do),
		cmocka_unit_test(
			format_truncates_like_snprintf_and_refuses_bad_scale),
		cmocka_unit_test(plain_text_reads_back_to_the_same_value),
		cmocka_unit_test(vietnamese_text_reads_back_unless_ambiguous),
		cmocka_unit_test(ratios_round_half_away_from_zero_exactly),
		cmocka_unit_test(ratios_agree_with_long_division),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
