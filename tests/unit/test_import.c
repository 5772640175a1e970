/*
 * test_import.c -- the import/export CSV (cli/csvio.c): shape checks with
 * line numbers, separators, quoting, and write -> parse round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csvio.h"
#include "error.h"

static char err[512];

static int parse(const char *text, struct csvio_rows *rows)
{
	err[0] = '\0';
	return csvio_parse("data.csv", text, strlen(text), rows, err,
			   sizeof(err));
}

/* Parses text, which must be refused; returns the message. */
static const char *refused(const char *text)
{
	struct csvio_rows rows = { 0 };

	assert_int_equal(parse(text, &rows), DONGBO_E_INVAL);
	assert_null(rows.rows);
	return err;
}

static void rows_keep_fields_and_line_numbers(void **state)
{
	struct csvio_rows rows = { 0 };

	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBFunit,indicator,period,value\r\n"
			       "07201,hs_nhan_truc_tuyen,2022,1234\r\n"
			       "\r\n"
			       "  07207 , hs_nhan_truc_tiep ,2022Q3, 52.414 \r\n"
			       "07210,ty_phan_tram,2022M06,-1",
			       &rows),
			 0);
	assert_int_equal(rows.n, 3);
	assert_string_equal(rows.rows[0].unit, "07201");
	assert_string_equal(rows.rows[0].indicator, "hs_nhan_truc_tuyen");
	assert_string_equal(rows.rows[0].period, "2022");
	assert_string_equal(rows.rows[0].value, "1234");
	assert_false(rows.rows[0].stated);
	assert_int_equal(rows.rows[0].line, 2);
	/* Spaces around unquoted fields go; the empty line is skipped but
	 * counted. */
	assert_string_equal(rows.rows[1].unit, "07207");
	assert_string_equal(rows.rows[1].indicator, "hs_nhan_truc_tiep");
	assert_string_equal(rows.rows[1].value, "52.414");
	assert_int_equal(rows.rows[1].line, 4);
	/* A last line without a line end is a row too. */
	assert_string_equal(rows.rows[2].value, "-1");
	assert_int_equal(rows.rows[2].line, 5);
	csvio_rows_fini(&rows);
}

static void quoted_value_may_hold_the_separator(void **state)
{
	struct csvio_rows rows = { 0 };

	(void)state;
	assert_int_equal(parse("unit,indicator,period,value\n"
			       "07201,chi_phi,2022,\"1.234,5\"\n"
			       "07201,ghi_chu,2022,\"say \"\"hi\"\"\"\n",
			       &rows),
			 0);
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.rows[0].value, "1.234,5");
	assert_string_equal(rows.rows[1].value, "say \"hi\"");
	csvio_rows_fini(&rows);
}

static void unquoted_decimal_comma_is_refused_with_a_hint(void **state)
{
	const char *m;

	(void)state;
	m = refused("unit,indicator,period,value\n"
		    "07201,hs_a,2022,1\n"
		    "07201,chi_phi,2022,1.234,5\n");
	assert_non_null(strstr(m, "data.csv:3: 5 fields where the header has 4"));
	assert_non_null(strstr(m, "quoted"));
}

static void semicolon_and_tab_files_are_recognised(void **state)
{
	struct csvio_rows rows = { 0 };

	(void)state;
	assert_int_equal(parse("unit;indicator;period;value;stated\n"
			       "213;hs_tiep_nhan;2022;1.234,5;1\n",
			       &rows),
			 0);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.rows[0].value, "1.234,5");
	assert_true(rows.rows[0].stated);
	csvio_rows_fini(&rows);

	assert_int_equal(parse("unit\tindicator\tperiod\tvalue\n"
			       "213\ths_tiep_nhan\t2022\t1 234\n",
			       &rows),
			 0);
	assert_string_equal(rows.rows[0].period, "2022");
	/* Inner spaces are the node's to judge, not the file's. */
	assert_string_equal(rows.rows[0].value, "1 234");
	csvio_rows_fini(&rows);
}

static void columns_may_come_in_any_order_and_case(void **state)
{
	struct csvio_rows rows = { 0 };

	(void)state;
	assert_int_equal(parse("Value,PERIOD,Stated,unit,Indicator\n"
			       "7,2022S1,,24,hs_a\n",
			       &rows),
			 0);
	assert_string_equal(rows.rows[0].unit, "24");
	assert_string_equal(rows.rows[0].indicator, "hs_a");
	assert_string_equal(rows.rows[0].period, "2022S1");
	assert_string_equal(rows.rows[0].value, "7");
	assert_false(rows.rows[0].stated);
	csvio_rows_fini(&rows);
}

static void header_must_name_the_columns(void **state)
{
	(void)state;
	assert_non_null(strstr(refused("07201,hs_a,2022,1\n"),
			       "data.csv:1: unknown column '07201'"));
	assert_non_null(strstr(refused("unit,indicator,period\n07201,hs_a,2022\n"),
			       "data.csv:1: no column 'value'"));
	assert_non_null(strstr(refused("unit,indicator,period,value,unit\n"),
			       "data.csv:1: column 'unit' twice"));
	assert_non_null(strstr(refused(""), "data.csv:1: empty file"));
	assert_non_null(strstr(refused("\xEF\xBB\xBF"), "data.csv:1: empty file"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"),
			       "no rows after the header"));
}

static void row_shape_errors_name_their_line(void **state)
{
	(void)state;
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,1\n"
				       "07201,hs_b,2022\n"),
			       "data.csv:3: 3 fields where the header has 4"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,,2022,1\n"),
			       "data.csv:2: empty indicator"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,\"\"\n"),
			       "data.csv:2: empty value"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,\"1\n2\"\n"),
			       "data.csv:3: a quoted field runs over"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,\"12\n"),
			       "data.csv:2: a quoted field is not closed"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,1\"2\"\n"),
			       "data.csv:2: misplaced quote"));
}

static void stated_flag_is_empty_0_or_1(void **state)
{
	struct csvio_rows rows = { 0 };

	(void)state;
	assert_int_equal(parse("unit,indicator,period,value,stated\n"
			       "213,hs_a,2022,1,\n"
			       "213,hs_b,2022,1,0\n"
			       "213,hs_c,2022,1,1\n",
			       &rows),
			 0);
	assert_false(rows.rows[0].stated);
	assert_false(rows.rows[1].stated);
	assert_true(rows.rows[2].stated);
	csvio_rows_fini(&rows);
	assert_non_null(strstr(refused("unit,indicator,period,value,stated\n"
				       "213,hs_a,2022,1,yes\n"),
			       "data.csv:2: stated is 'yes'"));
}

static void key_given_twice_names_both_lines(void **state)
{
	struct csvio_rows rows = { 0 };

	(void)state;
	/* 2022q3 and 2022Q3 are one period. */
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022Q3,1\n"
				       "07201,hs_b,2022Q3,1\n"
				       "07201,hs_a,2022q3,2\n"),
			       "data.csv:4: the value of 07201 hs_a 2022q3 is "
			       "also given on line 2"));
	/* The earliest repeat is the one named. */
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_z,2022,1\n"
				       "07201,hs_a,2022,1\n"
				       "07201,hs_z,2022,1\n"
				       "07201,hs_a,2022,1\n"),
			       "data.csv:4: the value of 07201 hs_z 2022 is "
			       "also given on line 2"));
	/* A value and a stated total of one key are two things. */
	assert_int_equal(parse("unit,indicator,period,value,stated\n"
			       "213,hs_a,2022,5,0\n"
			       "213,hs_a,2022,6,1\n",
			       &rows),
			 0);
	assert_int_equal(rows.n, 2);
	csvio_rows_fini(&rows);
	assert_non_null(strstr(refused("unit,indicator,period,value,stated\n"
				       "213,hs_a,2022,5,1\n"
				       "213,hs_a,2022,6,1\n"),
			       "data.csv:3: the stated total of 213 hs_a 2022"));
}

static void text_must_be_utf8(void **state)
{
	struct csvio_rows rows = { 0 };

	(void)state;
	assert_int_equal(parse("unit,indicator,period,value\n"
			       "07201,hs_a,2022,Ho\xC3\xA0n th\xC3\xA0nh\n",
			       &rows),
			 0);
	assert_string_equal(rows.rows[0].value, "Hoàn thành");
	csvio_rows_fini(&rows);
	/* Latin-1 "à", an overlong '/', a surrogate. */
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,Ho\xE0n\n"),
			       "data.csv:2: not UTF-8 (byte 0xE0"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,1\n"
				       "07201,hs_b,2022,\xC0\xAF\n"),
			       "data.csv:3: not UTF-8"));
	assert_non_null(strstr(refused("unit,indicator,period,value\n"
				       "07201,hs_a,2022,\xED\xA0\x80\n"),
			       "data.csv:2: not UTF-8"));
	{
		static const char nul[] = "unit,indicator,period,value\n"
					  "07201,hs_a,2022,1\0\n";

		assert_int_equal(csvio_parse("data.csv", nul, sizeof(nul) - 1,
					     &rows, err, sizeof(err)),
				 DONGBO_E_INVAL);
		assert_non_null(strstr(err, "data.csv:2: NUL byte"));
	}
}

static void written_rows_parse_back_unchanged(void **state)
{
	const struct csvio_row in[] = {
		{ "07201", "hs_a", "2022", "1234", false, 0 },
		{ "07201", "chi_phi", "2022", "1.234,5", false, 0 },
		{ "213", "hs_a", "2022", "52414", true, 0 },
		{ "213", "ghi_chu", "2022", " say \"hi\"; ok\t", false, 0 },
		{ "213", "muc_do", "2022", "Hoàn thành", false, 0 },
	};
	size_t n = sizeof(in) / sizeof(in[0]);
	struct csvio_rows rows = { 0 };
	char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(csvio_write(f, in, n), 0);
	fclose(f);
	assert_true(strncmp(buf, "unit,indicator,period,value,stated\n"
				 "07201,hs_a,2022,1234,0\n"
				 "07201,chi_phi,2022,\"1.234,5\",0\n",
			    strlen("unit,indicator,period,value,stated\n"
				   "07201,hs_a,2022,1234,0\n"
				   "07201,chi_phi,2022,\"1.234,5\",0\n")) == 0);
	assert_int_equal(csvio_parse("out.csv", buf, len, &rows, err,
				     sizeof(err)),
			 0);
	assert_int_equal(rows.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(rows.rows[i].unit, in[i].unit);
		assert_string_equal(rows.rows[i].indicator, in[i].indicator);
		assert_string_equal(rows.rows[i].period, in[i].period);
		assert_string_equal(rows.rows[i].value, in[i].value);
		assert_int_equal(rows.rows[i].stated, in[i].stated);
		assert_int_equal(rows.rows[i].line, i + 2);
	}
	/* And writing what was read gives the same bytes. */
	f = open_memstream(&buf2, &len2);
	assert_non_null(f);
	assert_int_equal(csvio_write(f, rows.rows, rows.n), 0);
	fclose(f);
	assert_int_equal(len2, len);
	assert_memory_equal(buf2, buf, len);
	csvio_rows_fini(&rows);
	free(buf);
	free(buf2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_keep_fields_and_line_numbers),
		cmocka_unit_test(quoted_value_may_hold_the_separator),
		cmocka_unit_test(unquoted_decimal_comma_is_refused_with_a_hint),
		cmocka_unit_test(semicolon_and_tab_files_are_recognised),
		cmocka_unit_test(columns_may_come_in_any_order_and_case),
		cmocka_unit_test(header_must_name_the_columns),
		cmocka_unit_test(row_shape_errors_name_their_line),
		cmocka_unit_test(stated_flag_is_empty_0_or_1),
		cmocka_unit_test(key_given_twice_names_both_lines),
		cmocka_unit_test(text_must_be_utf8),
		cmocka_unit_test(written_rows_parse_back_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
