/* test_catalog_values.c -- values of indicators: parsed by type (plain
 * and Vietnamese numbers, enum labels), bounds, formatting and exact
 * ratios. */
#include "catalog_fixture.h"

/* ---- values --------------------------------------------------------------- */

static const struct dongbo_indicator count_ind = {
	.code = "c", .name = "C", .unit = "U", .note = "",
	.type = DONGBO_TYPE_COUNT,
};

static void count_accepts_whole_numbers_plain_or_grouped(void **state)
{
	static const struct {
		const char *text;
		int64_t want;
	} cases[] = {
		{ "0", 0 },	     { "1234", 1234 },	      { "007", 7 },
		{ " 5", 5 },	     { "5 ", 5 },	      { "5\n", 5 },
		{ "1.234", 1234 },   { "52,414", 52414 },     { "1.234.567", 1234567 },
		{ "9223372036854775807", INT64_MAX },
	};
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		if (dongbo_indicator_parse_value(&count_ind, cases[i].text, &v,
						 err, sizeof(err)) != 0)
			fail_msg("'%s': %s", cases[i].text, err);
		assert_true(v == cases[i].want);
	}
}

static void count_refuses_anything_else_quoting_the_text(void **state)
{
	static const char *const bad[] = {
		"-5", "+5", "1,5", "1 234", "0x10", "1e3", "5.0", "abc", "٣",
		"1.23.456",
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
	for (i = 0; i < N_OF(bad); i++) {
		assert_int_equal(dongbo_indicator_parse_value(&count_ind, bad[i],
							      &v, err,
							      sizeof(err)),
				 DONGBO_E_BAD_VALUE);
		snprintf(want, sizeof(want), "'%s' is not a count", bad[i]);
		assert_non_null(strstr(err, want));
	}
	assert_int_equal(dongbo_indicator_parse_value(&count_ind, "", &v, err,
						      sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_string_equal(err, "'' is empty: write a count");
	assert_int_equal(dongbo_indicator_parse_value(&count_ind, "5%", &v, err,
						      sizeof(err)),
			 DONGBO_E_BAD_VALUE);
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

static void parse_value(const struct dongbo_catalog *cat, const char *code,
			const char *text, int64_t want)
{
	int64_t v = -42;

	if (dongbo_indicator_parse_value(dongbo_catalog_find(cat, code), text,
					 &v, err, sizeof(err)) != 0)
		fail_msg("%s '%s': %s", code, text, err);
	if (v != want)
		fail_msg("%s '%s': got %lld, want %lld", code, text,
			 (long long)v, (long long)want);
}

static void refuse_value(const struct dongbo_catalog *cat, const char *code,
			 const char *text, const char *want)
{
	int64_t v = -42;

	assert_int_equal(dongbo_indicator_parse_value(
				 dongbo_catalog_find(cat, code), text, &v, err,
				 sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	if (strcmp(err, want) != 0)
		fail_msg("%s '%s': message '%s', want '%s'", code, text, err,
			 want);
	assert_int_equal(v, -42);
}

static void enum_and_bool_take_a_value_or_its_exact_label(void **state)
{
	struct dongbo_catalog *cat;

	(void)state;
	cat = assert_parses(full);
	parse_value(cat, "muc_do_ket_noi", "2", 2);
	parse_value(cat, "muc_do_ket_noi", " 0 ", 0);
	parse_value(cat, "muc_do_ket_noi", "Hoàn thành", 2);
	parse_value(cat, "muc_do_ket_noi", " Đang làm\t", 1);
	refuse_value(cat, "muc_do_ket_noi", "3",
		     "'3' is not one of the values of indicator "
		     "'muc_do_ket_noi': 0 (Chưa), 1 (Đang làm), 2 (Hoàn thành)");
	refuse_value(cat, "muc_do_ket_noi", "hoàn thành",
		     "'hoàn thành' is not one of the values of indicator "
		     "'muc_do_ket_noi': 0 (Chưa), 1 (Đang làm), 2 (Hoàn thành)");
	refuse_value(cat, "muc_do_ket_noi", "",
		     "'' is not one of the values of indicator "
		     "'muc_do_ket_noi': 0 (Chưa), 1 (Đang làm), 2 (Hoàn thành)");
	refuse_value(cat, "muc_do_ket_noi", "1.0",
		     "'1.0' is not one of the values of indicator "
		     "'muc_do_ket_noi': 0 (Chưa), 1 (Đang làm), 2 (Hoàn thành)");
	parse_value(cat, "co_khao_sat", "1", 1);
	parse_value(cat, "co_khao_sat", "Không", 0);
	parse_value(cat, "co_khao_sat", "Có", 1);
	refuse_value(cat, "co_khao_sat", "2",
		     "'2' is not one of the values of indicator 'co_khao_sat': "
		     "0 (Không), 1 (Có)");
	refuse_value(cat, "co_khao_sat", "yes",
		     "'yes' is not one of the values of indicator "
		     "'co_khao_sat': 0 (Không), 1 (Có)");
	parse_value(cat, "co_hop_truc_tuyen", "Đã tổ chức", 1);
	refuse_value(cat, "co_hop_truc_tuyen", "Có",
		     "'Có' is not one of the values of indicator "
		     "'co_hop_truc_tuyen': 0 (Không), 1 (Đã tổ chức)");
	assert_int_equal(dongbo_indicator_check_value(
				 dongbo_catalog_find(cat, "muc_do_ket_noi"), 5,
				 err, sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_string_equal(err, "5 is not one of the values of indicator "
				 "'muc_do_ket_noi': 0 (Chưa), 1 (Đang làm), 2 "
				 "(Hoàn thành)");
	assert_int_equal(dongbo_indicator_check_value(
				 dongbo_catalog_find(cat, "co_khao_sat"), 1,
				 err, sizeof(err)),
			 0);
	dongbo_catalog_free(cat);
}

static void bounds_and_percent_unit_are_checked(void **state)
{
	struct dongbo_catalog *cat;
	const struct dongbo_indicator *ind;

	(void)state;
	cat = assert_parses(full);
	parse_value(cat, "ty_le_so_hoa", "99,69", 9969);
	parse_value(cat, "ty_le_so_hoa", "99,69%", 9969);
	parse_value(cat, "ty_le_so_hoa", "100", 10000);
	parse_value(cat, "ty_le_so_hoa", "0", 0);
	refuse_value(cat, "ty_le_so_hoa", "100,01",
		     "'100,01' is more than 100.00, the maximum of indicator "
		     "'ty_le_so_hoa'");
	refuse_value(cat, "ty_le_so_hoa", "-0,5%",
		     "'-0,5%' is less than 0.00, the minimum of indicator "
		     "'ty_le_so_hoa'");
	refuse_value(cat, "ty_le_so_hoa", "97.790",
		     "'97.790' is ambiguous for a decimal: 97790 or 97,79? "
		     "write 97790 or 97,79");
	ind = dongbo_catalog_find(cat, "ty_le_so_hoa");
	assert_int_equal(dongbo_indicator_check_value(ind, 10001, err,
						      sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_string_equal(err, "100.01 is more than 100.00, the maximum of "
				 "indicator 'ty_le_so_hoa'");
	parse_value(cat, "kinh_phi", "4.494.051", 4494051);
	parse_value(cat, "kinh_phi", "-2.055.000", -2055000);
	refuse_value(cat, "kinh_phi", "2,055",
		     "'2,055' is ambiguous for an amount of money: 2055 or "
		     "2,0550? write 2055 or 2,0550");
	refuse_value(cat, "kinh_phi", "59%",
		     "'59%' ends with '%', but the unit of this indicator is "
		     "not '%'");
	dongbo_catalog_free(cat);
}

static void ratios_and_totals_cannot_be_entered_or_stored(void **state)
{
	struct dongbo_catalog *cat;

	(void)state;
	cat = assert_parses(full);
	refuse_value(cat, "ty_le_dung_han", "99,5",
		     "'99,5' cannot be entered: indicator 'ty_le_dung_han' is a "
		     "ratio, computed from 'hs_dung_han_ca' and "
		     "'hs_da_giai_quyet'; enter those instead");
	refuse_value(cat, "hs_dung_han_ca", "5",
		     "'5' cannot be entered: indicator 'hs_dung_han_ca' is a "
		     "total, the sum of its 2 parts; enter those instead");
	assert_int_equal(dongbo_indicator_check_value(
				 dongbo_catalog_find(cat, "hs_dung_han_ca"), 5,
				 err, sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_string_equal(err, "indicator 'hs_dung_han_ca' is a total: its "
				 "values are computed, never stored");
	assert_int_equal(dongbo_indicator_check_value(
				 dongbo_catalog_find(cat, "ty_le_dung_han"), 5,
				 err, sizeof(err)),
			 DONGBO_E_BAD_VALUE);
	assert_int_equal(dongbo_indicator_parse_value(NULL, "1", &(int64_t){ 0 },
						      err, sizeof(err)),
			 DONGBO_E_INVAL);
	assert_int_equal(dongbo_indicator_check_value(NULL, 1, err,
						      sizeof(err)),
			 DONGBO_E_INVAL);
	dongbo_catalog_free(cat);
}

static void values_are_formatted_plain_or_as_printed(void **state)
{
	struct dongbo_catalog *cat;
	char buf[64];

	(void)state;
	cat = assert_parses(full);
#define FMT(code, v, style, want)                                              \
	do {                                                                   \
		int n_ = dongbo_indicator_format(dongbo_catalog_find(cat, code), \
						 v, DONGBO_FORMAT_##style, buf, \
						 sizeof(buf));                 \
		assert_string_equal(buf, want);                                \
		assert_int_equal(n_, (int)strlen(want));                       \
	} while (0)
	FMT("hs_truoc_han", 1234567, PLAIN, "1234567");
	FMT("hs_truoc_han", 1234567, VI, "1.234.567");
	FMT("ty_le_so_hoa", 9998, VI, "99,98");
	FMT("ty_le_so_hoa", 9998, PLAIN, "99.98");
	FMT("kinh_phi", -1234, VI, "-1.234");
	FMT("muc_do_ket_noi", 2, VI, "Hoàn thành");
	FMT("muc_do_ket_noi", 2, PLAIN, "2");
	FMT("muc_do_ket_noi", 7, VI, "7");
	FMT("co_khao_sat", 0, VI, "Không");
	FMT("co_khao_sat", 1, PLAIN, "1");
	FMT("ty_le_dung_han", 9960, VI, "99,60");
#undef FMT
	assert_int_equal(dongbo_indicator_format(NULL, 1, DONGBO_FORMAT_PLAIN,
						 buf, sizeof(buf)),
			 DONGBO_E_INVAL);
	dongbo_catalog_free(cat);
}

/* xorshift64*: the same values on every run, so a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void formatted_values_of_every_type_and_scale_read_back(void **state)
{
	static const struct dongbo_enum_label labels[] = {
		{ -3, "Âm" }, { 0, "Chưa" }, { 7, "Bảy" }, { 1000, "Nghìn" },
	};
	struct dongbo_indicator ind;
	uint64_t seed = 7;
	char buf[64];
	int type, scale, i;

	(void)state;
	for (type = DONGBO_TYPE_COUNT; type <= DONGBO_TYPE_BOOL; type++) {
		for (scale = 0; scale <= DONGBO_SCALE_MAX; scale++) {
			bool scaled = type == DONGBO_TYPE_DECIMAL ||
				      type == DONGBO_TYPE_MONEY;

			if (!scaled && scale > 0)
				break;
			memset(&ind, 0, sizeof(ind));
			ind.code = "x";
			ind.unit = "%"; /* '%' is allowed, never written */
			ind.type = (enum dongbo_value_type)type;
			ind.scale = scale;
			if (type == DONGBO_TYPE_ENUM) {
				ind.labels = labels;
				ind.n_labels = N_OF(labels);
			}
			for (i = 0; i < 5000; i++) {
				uint64_t r = next_random(&seed);
				int64_t v = (int64_t)(next_random(&seed) >>
						      (1 + r % 63)),
					got;

				if (type == DONGBO_TYPE_ENUM)
					v = labels[r % N_OF(labels)].value;
				else if (type == DONGBO_TYPE_BOOL)
					v = (int64_t)(r & 1);
				else if (scaled && (r & 64))
					v = -v;
				dongbo_indicator_format(&ind, v,
							DONGBO_FORMAT_PLAIN,
							buf, sizeof(buf));
				if (dongbo_indicator_parse_value(
					    &ind, buf, &got, err,
					    sizeof(err)) != 0)
					fail_msg("type %d scale %d: %lld as "
						 "'%s': %s",
						 type, scale, (long long)v, buf,
						 err);
				if (got != v)
					fail_msg("'%s' read back as %lld", buf,
						 (long long)got);
				/* Labels read back too. */
				if (type >= DONGBO_TYPE_ENUM) {
					dongbo_indicator_format(
						&ind, v, DONGBO_FORMAT_VI, buf,
						sizeof(buf));
					assert_int_equal(
						dongbo_indicator_parse_value(
							&ind, buf, &got, err,
							sizeof(err)),
						0);
					assert_true(got == v);
				}
			}
		}
	}
}

static void ratio_format_is_exact(void **state)
{
	char buf[64];

	(void)state;
	/* DOMAIN.md C.5: the mean of the rates is 99,65; the rate is 99,60. */
	assert_int_equal(dongbo_ratio_format(614308, 616783, 2, true,
					     DONGBO_FORMAT_VI, buf, sizeof(buf)),
			 5);
	assert_string_equal(buf, "99,60");
	dongbo_ratio_format(614308, 616783, 2, true, DONGBO_FORMAT_PLAIN, buf,
			    sizeof(buf));
	assert_string_equal(buf, "99.60");
	dongbo_ratio_format(INT64_MIN, -1, 0, false, DONGBO_FORMAT_VI, buf,
			    sizeof(buf));
	assert_string_equal(buf, "9.223.372.036.854.775.808");
	dongbo_ratio_format(1, 0, 2, true, DONGBO_FORMAT_VI, buf, sizeof(buf));
	assert_string_equal(buf, "n/a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(count_accepts_whole_numbers_plain_or_grouped),
		cmocka_unit_test(count_refuses_anything_else_quoting_the_text),
		cmocka_unit_test(count_overflow_is_refused_as_too_large),
		cmocka_unit_test(check_value_refuses_negative_counts),
		cmocka_unit_test(enum_and_bool_take_a_value_or_its_exact_label),
		cmocka_unit_test(bounds_and_percent_unit_are_checked),
		cmocka_unit_test(ratios_and_totals_cannot_be_entered_or_stored),
		cmocka_unit_test(values_are_formatted_plain_or_as_printed),
		cmocka_unit_test(
			formatted_values_of_every_type_and_scale_read_back),
		cmocka_unit_test(ratio_format_is_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
