/* test_catalog.c -- the indicator catalog and indicator values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "error.h"

#define CATALOG_FILE DONGBO_DATA_DIR "/catalog.ini"

#define HEAD "[catalog]\nversion = 1\n\n"
#define IND(code)                                                              \
	"[" code "]\nname = N\nunit = U\ntype = count\nrule = sum\n"           \
	"time = sum\n"

static char err[512];

static struct dongbo_catalog *parse(const char *text, int *rc)
{
	struct dongbo_catalog *cat = NULL;

	err[0] = '\0';
	*rc = dongbo_catalog_parse("t.ini", text, strlen(text), &cat, err,
				   sizeof(err));
	if (*rc != 0)
		assert_null(cat);
	return cat;
}

static struct dongbo_catalog *assert_parses(const char *text)
{
	struct dongbo_catalog *cat;
	int rc;

	cat = parse(text, &rc);
	if (rc != 0)
		fail_msg("refused: %s", err);
	return cat;
}

static void assert_refused(const char *text, const char *want)
{
	int rc;

	assert_null(parse(text, &rc));
	assert_int_equal(rc, DONGBO_E_CONFIG);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
}

/* ---- loading -------------------------------------------------------------- */

static void shipped_catalog_loads_8_indicators_at_version_1(void **state)
{
	static const char *const codes[] = {
		"hs_nhan_truc_tuyen",	     "hs_nhan_truc_tiep",
		"hs_ton_ky_truoc",	     "hs_giai_quyet_truoc_han",
		"hs_giai_quyet_dung_han",    "hs_giai_quyet_qua_han",
		"hs_dang_giai_quyet_trong_han", "hs_dang_giai_quyet_qua_han",
	};
	struct dongbo_catalog *cat = NULL;
	const struct dongbo_indicator *ind;
	size_t i;

	(void)state;
	if (dongbo_catalog_load(CATALOG_FILE, &cat, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(dongbo_catalog_version(cat), 1);
	assert_int_equal(dongbo_catalog_count(cat), 8);
	for (i = 0; i < 8; i++) {
		ind = dongbo_catalog_at(cat, i);
		assert_string_equal(ind->code, codes[i]);
		assert_ptr_equal(dongbo_catalog_find(cat, codes[i]), ind);
		assert_string_equal(ind->unit, "Hồ sơ");
		assert_string_equal(ind->forms, "II.06c");
		assert_int_equal(ind->type, DONGBO_TYPE_COUNT);
		assert_int_equal(ind->rule, DONGBO_RULE_SUM);
	}
	ind = dongbo_catalog_find(cat, "hs_nhan_truc_tuyen");
	assert_string_equal(ind->name, "Số hồ sơ mới tiếp nhận trực tuyến");
	assert_int_equal(ind->time, DONGBO_TIME_SUM);
	assert_int_equal(dongbo_catalog_find(cat, "hs_ton_ky_truoc")->time,
			 DONGBO_TIME_FIRST);
	assert_int_equal(
		dongbo_catalog_find(cat, "hs_dang_giai_quyet_qua_han")->time,
		DONGBO_TIME_LAST);
	assert_null(dongbo_catalog_find(cat, "hs_unknown"));
	assert_null(dongbo_catalog_find(cat, NULL));
	assert_null(dongbo_catalog_at(cat, 8));
	dongbo_catalog_free(cat);
}

static void missing_file_is_an_io_error_naming_the_path(void **state)
{
	struct dongbo_catalog *cat = NULL;

	(void)state;
	assert_int_equal(dongbo_catalog_load("/nonexistent/c.ini", &cat, err,
					     sizeof(err)),
			 DONGBO_E_IO);
	assert_null(cat);
	assert_non_null(strstr(err, "/nonexistent/c.ini"));
}

/* Debian's inih is built with inline comments: " ; ..." ends a value,
 * while a ';' not preceded by a space stays in it. */
static void inline_comment_after_value_is_stripped(void **state)
{
	struct dongbo_catalog *cat;
	const struct dongbo_indicator *ind;

	(void)state;
	cat = assert_parses("[catalog]\nversion = 3 ; bumped\n"
			    "[a]\nname = Số hồ sơ  ; the name\n"
			    "unit = Hồ sơ;x\ntype = count ; count only\n"
			    "rule = sum\t; across units\ntime = last ; stock\n");
	assert_int_equal(dongbo_catalog_version(cat), 3);
	ind = dongbo_catalog_find(cat, "a");
	assert_string_equal(ind->name, "Số hồ sơ");
	assert_string_equal(ind->unit, "Hồ sơ;x");
	assert_int_equal(ind->time, DONGBO_TIME_LAST);
	dongbo_catalog_free(cat);
}

static void comments_bom_crlf_and_forms_absent_are_accepted(void **state)
{
	struct dongbo_catalog *cat;

	(void)state;
	cat = assert_parses("\xEF\xBB\xBF; leading comment\r\n"
			    "# hash comment\r\n"
			    "[catalog]\r\nversion = 2\r\n\r\n"
			    "  ; indented comment\r\n"
			    "[b_2]\r\nname=N\r\nunit=U\r\ntype=count\r\n"
			    "rule=sum\r\ntime=first");
	assert_int_equal(dongbo_catalog_version(cat), 2);
	assert_int_equal(dongbo_catalog_count(cat), 1);
	assert_string_equal(dongbo_catalog_at(cat, 0)->forms, "");
	assert_int_equal(dongbo_catalog_at(cat, 0)->time, DONGBO_TIME_FIRST);
	dongbo_catalog_free(cat);
}

static void indicators_keep_file_order_and_find_by_code(void **state)
{
	struct dongbo_catalog *cat;

	(void)state;
	cat = assert_parses(HEAD IND("zeta") IND("alpha") IND("mid"));
	assert_string_equal(dongbo_catalog_at(cat, 0)->code, "zeta");
	assert_string_equal(dongbo_catalog_at(cat, 1)->code, "alpha");
	assert_string_equal(dongbo_catalog_at(cat, 2)->code, "mid");
	assert_string_equal(dongbo_catalog_find(cat, "alpha")->code, "alpha");
	assert_string_equal(dongbo_catalog_find(cat, "mid")->code, "mid");
	assert_string_equal(dongbo_catalog_find(cat, "zeta")->code, "zeta");
	assert_null(dongbo_catalog_find(cat, "beta"));
	dongbo_catalog_free(cat);
}

static void code_of_63_bytes_is_accepted_whole(void **state)
{
	/* Longer than inih's 49-byte section names: must not be cut. */
	const char *code = "a23456789_123456789_123456789_123456789_"
			   "123456789_123456789_123";
	char text[512];
	struct dongbo_catalog *cat;

	(void)state;
	assert_int_equal(strlen(code), DONGBO_INDICATOR_CODE_MAX);
	snprintf(text, sizeof(text), HEAD "[%s]\nname=N\nunit=U\ntype=count\n"
					  "rule=sum\ntime=sum\n",
		 code);
	cat = assert_parses(text);
	assert_string_equal(dongbo_catalog_at(cat, 0)->code, code);
	assert_non_null(dongbo_catalog_find(cat, code));
	dongbo_catalog_free(cat);
}

static void line_of_197_bytes_is_accepted(void **state)
{
	char text[1024], name[256];
	struct dongbo_catalog *cat;

	(void)state;
	/* "name = " is 7 bytes: 190 more make the longest line inih takes. */
	memset(name, 'n', 190);
	name[190] = '\0';
	snprintf(text, sizeof(text), HEAD "[a]\nname = %s\nunit=U\n"
					  "type=count\nrule=sum\ntime=sum\n",
		 name);
	cat = assert_parses(text);
	assert_string_equal(dongbo_catalog_at(cat, 0)->name, name);
	dongbo_catalog_free(cat);
}

/* ---- refusals ------------------------------------------------------------- */

static void line_longer_than_inih_buffer_is_refused_with_line(void **state)
{
	char text[1024], name[256];

	(void)state;
	memset(name, 'n', 191);
	name[191] = '\0';
	snprintf(text, sizeof(text), HEAD "[a]\nname = %s\nunit=U\n"
					  "type=count\nrule=sum\ntime=sum\n",
		 name);
	assert_refused(text, "t.ini:5: line longer than 197 bytes 'name = nnn");
}

static void unknown_key_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEAD IND("a") "colour = red\n",
		       "t.ini:10: unknown key in indicator 'a' 'colour'");
	assert_refused("[catalog]\nversion = 1\nowner = me\n" IND("a"),
		       "t.ini:3: unknown key in [catalog] 'owner'");
}

static void unknown_type_rule_or_time_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEAD "[a]\nname=N\nunit=U\ntype = float\n",
		       "t.ini:7: unknown type 'float' (expected count)");
	assert_refused(HEAD "[a]\nrule = avg\n",
		       "t.ini:5: unknown rule 'avg' (expected sum)");
	assert_refused(HEAD "[a]\ntime = mean\n",
		       "t.ini:5: unknown time 'mean' (expected sum, first, last)");
	/* Values are case-sensitive, like codes. */
	assert_refused(HEAD "[a]\ntype = Count\n", "unknown type 'Count'");
}

static void duplicate_indicator_is_refused_with_both_lines(void **state)
{
	(void)state;
	assert_refused(HEAD IND("a") IND("b") IND("a"),
		       "t.ini:16: duplicate indicator 'a' (first on line 4)");
	assert_refused(HEAD IND("a") "[catalog]\n",
		       "t.ini:10: duplicate section '[catalog]' (first on line 1)");
}

static void invalid_indicator_code_is_refused_with_line(void **state)
{
	static const char *const bad[] = {
		"Abc", "1abc", "_abc", "a-b", "a b", "a.b", "ả", "",
		/* 64 bytes */
		"a23456789_123456789_123456789_123456789_123456789_123456789_1234",
	};
	char text[512], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), HEAD "[%s]\nname = N\n", bad[i]);
		snprintf(want, sizeof(want),
			 "t.ini:4: invalid indicator code '%s'", bad[i]);
		assert_refused(text, want);
	}
}

static void missing_required_key_is_refused_at_section_line(void **state)
{
	static const char *const keys[] = { "name", "unit", "type", "rule",
					    "time" };
	static const char *const lines[] = { "name = N\n", "unit = U\n",
					     "type = count\n", "rule = sum\n",
					     "time = sum\n" };
	char text[512], want[128];
	size_t i, j, len;

	(void)state;
	for (i = 0; i < 5; i++) {
		len = (size_t)snprintf(text, sizeof(text),
				       HEAD IND("a") "\n; the next one\n[b]\n");
		for (j = 0; j < 5; j++)
			if (j != i)
				len += (size_t)snprintf(text + len,
							sizeof(text) - len,
							"%s", lines[j]);
		snprintf(want, sizeof(want),
			 "t.ini:12: missing key in indicator 'b' '%s'",
			 keys[i]);
		assert_refused(text, want);
	}
	/* An empty section is missing everything, name first. */
	assert_refused(HEAD IND("a") "[empty]\n",
		       "t.ini:10: missing key in indicator 'empty' 'name'");
}

static void catalog_section_and_version_are_required(void **state)
{
	(void)state;
	assert_refused(IND("a"), "t.ini:6: no '[catalog]' section");
	assert_refused("[catalog]\n; no version\n" IND("a"),
		       "t.ini:1: missing key in [catalog] 'version'");
	assert_refused("[catalog]\nversion = 0\n" IND("a"),
		       "t.ini:2: version must be a whole number from 1 to "
		       "4294967295, not '0'");
	assert_refused("[catalog]\nversion = -1\n", "not '-1'");
	assert_refused("[catalog]\nversion = 1.0\n", "not '1.0'");
	assert_refused("[catalog]\nversion = v1\n", "not 'v1'");
	assert_refused("[catalog]\nversion =\n", "not ''");
	assert_refused("[catalog]\nversion = 4294967296\n", "not '4294967296'");
	assert_refused("[catalog]\nversion = 1\nversion = 2\n",
		       "t.ini:3: key given twice 'version'");
}

static void catalog_without_indicators_is_refused(void **state)
{
	(void)state;
	assert_refused(HEAD, "t.ini:3: no indicators");
	assert_refused("", "t.ini:1: no '[catalog]' section");
}

static void key_outside_any_section_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused("; top\nversion = 1\n" HEAD IND("a"),
		       "t.ini:2: key outside any section 'version'");
}

static void key_given_twice_or_empty_is_refused(void **state)
{
	(void)state;
	assert_refused(HEAD IND("a") "name = Again\n",
		       "t.ini:10: key given twice 'name'");
	assert_refused(HEAD "[a]\nname =\n",
		       "t.ini:5: empty value for 'name' of indicator 'a'");
	assert_refused(HEAD "[a]\nname = N\nunit = ; nothing\n",
		       "t.ini:6: empty value for 'unit' of indicator 'a'");
}

static void malformed_lines_are_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEAD "[a\nname = N\n",
		       "t.ini:4: section line without ']' '[a'");
	assert_refused(HEAD "[a] name = N\n",
		       "t.ini:4: text after the section name '[a] name = N'");
	assert_refused(HEAD "[a]\njust words\n",
		       "t.ini:5: expected 'key = value' or '[section]' "
		       "'just words'");
	/* inih would read this as more of the name: refuse instead. */
	assert_refused(HEAD "[a]\nname = N\n  unit = U\n",
		       "t.ini:6: indented line would continue the previous "
		       "value; remove the indentation 'unit = U'");
}

static void nul_byte_is_refused_with_line(void **state)
{
	static const char text[] = HEAD "[a]\nname = N\0x\n";
	struct dongbo_catalog *cat = NULL;

	(void)state;
	assert_int_equal(dongbo_catalog_parse("t.ini", text, sizeof(text) - 1,
					      &cat, err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_null(cat);
	assert_non_null(strstr(err, "t.ini:5: NUL byte"));
}

/* ---- values --------------------------------------------------------------- */

static const struct dongbo_indicator count_ind = {
	.code = "c", .name = "C", .unit = "U", .forms = "",
	.type = DONGBO_TYPE_COUNT,
};

static void count_accepts_plain_decimal_whole_numbers(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(dongbo_indicator_parse_value(&count_ind, "0", &v, err,
						      sizeof(err)),
			 0);
	assert_int_equal(v, 0);
	assert_int_equal(dongbo_indicator_parse_value(&count_ind, "1234", &v,
						      err, sizeof(err)),
			 0);
	assert_int_equal(v, 1234);
	assert_int_equal(dongbo_indicator_parse_value(&count_ind, "007", &v, err,
						      sizeof(err)),
			 0);
	assert_int_equal(v, 7);
	assert_int_equal(dongbo_indicator_parse_value(&count_ind,
						      "9223372036854775807", &v,
						      err, sizeof(err)),
			 0);
	assert_true(v == INT64_MAX);
}

static void count_refuses_anything_else_quoting_the_text(void **state)
{
	static const char *const bad[] = {
		"-5", "",    "+5",  " 5",  "5 ",  "1.234", "1,234", "1 234",
		"0x10", "1e3", "5.0", "abc", "٣",   "5\n",
	};
	char want[64];
	int64_t v = 42;
	size_t i;

	(void)state;
	assert_int_equal(dongbo_indicator_parse_value(&count_ind, "-5", &v, err,
						      sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_string_equal(err,
			    "'-5' is not a count (a whole number 0 or more)");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dongbo_indicator_parse_value(&count_ind, bad[i],
							      &v, err,
							      sizeof(err)),
				 DONGBO_E_BAD_VALUE);
		snprintf(want, sizeof(want), "'%s' is not a count", bad[i]);
		assert_non_null(strstr(err, want));
	}
	assert_int_equal(v, 42);
}

static void count_overflow_is_refused_as_too_large(void **state)
{
	int64_t v = 42;

	(void)state;
	assert_int_equal(dongbo_indicator_parse_value(&count_ind,
						      "9223372036854775808", &v,
						      err, sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_string_equal(err, "'9223372036854775808' is too large for a "
				 "count (at most 9223372036854775807)");
	assert_int_equal(dongbo_indicator_parse_value(&count_ind,
						      "99999999999999999999999",
						      &v, err, sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_int_equal(v, 42);
}

static void check_value_refuses_negative_counts(void **state)
{
	(void)state;
	assert_int_equal(dongbo_indicator_check_value(&count_ind, 0, err,
						      sizeof(err)),
			 0);
	assert_int_equal(dongbo_indicator_check_value(&count_ind, INT64_MAX,
						      err, sizeof(err)),
			 0);
	assert_int_equal(dongbo_indicator_check_value(&count_ind, -1, err,
						      sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_string_equal(err, "-1 is not a count (a whole number 0 or more)");
	assert_int_equal(dongbo_indicator_check_value(&count_ind, INT64_MIN,
						      NULL, 0),
			 DONGBO_E_BAD_VALUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_catalog_loads_8_indicators_at_version_1),
		cmocka_unit_test(missing_file_is_an_io_error_naming_the_path),
		cmocka_unit_test(inline_comment_after_value_is_stripped),
		cmocka_unit_test(comments_bom_crlf_and_forms_absent_are_accepted),
		cmocka_unit_test(indicators_keep_file_order_and_find_by_code),
		cmocka_unit_test(code_of_63_bytes_is_accepted_whole),
		cmocka_unit_test(line_of_197_bytes_is_accepted),
		cmocka_unit_test(line_longer_than_inih_buffer_is_refused_with_line),
		cmocka_unit_test(unknown_key_is_refused_with_line),
		cmocka_unit_test(unknown_type_rule_or_time_is_refused_with_line),
		cmocka_unit_test(duplicate_indicator_is_refused_with_both_lines),
		cmocka_unit_test(invalid_indicator_code_is_refused_with_line),
		cmocka_unit_test(missing_required_key_is_refused_at_section_line),
		cmocka_unit_test(catalog_section_and_version_are_required),
		cmocka_unit_test(catalog_without_indicators_is_refused),
		cmocka_unit_test(key_outside_any_section_is_refused_with_line),
		cmocka_unit_test(key_given_twice_or_empty_is_refused),
		cmocka_unit_test(malformed_lines_are_refused_with_line),
		cmocka_unit_test(nul_byte_is_refused_with_line),
		cmocka_unit_test(count_accepts_plain_decimal_whole_numbers),
		cmocka_unit_test(count_refuses_anything_else_quoting_the_text),
		cmocka_unit_test(count_overflow_is_refused_as_too_large),
		cmocka_unit_test(check_value_refuses_negative_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
