/* test_catalog.c -- reading the indicator catalog, its forms and rules:
 * what is accepted, with its defaults, and every refusal with its line.
 * Values of indicators are in test_catalog_values.c. */
#include <unistd.h>

#include "catalog_fixture.h"

/* ---- loading -------------------------------------------------------------- */

/* The shipped catalog is being rewritten to the current format: until it
 * lands, this test fails on the old file, as it should. */
static void shipped_catalog_loads_with_its_forms(void **state)
{
	struct dongbo_catalog *cat = NULL;
	size_t i;

	(void)state;
	if (dongbo_catalog_load(CATALOG_FILE, &cat, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(dongbo_catalog_version(cat) >= 2);
	assert_non_null(dongbo_catalog_form_find(cat, "II.06c"));
	assert_non_null(dongbo_catalog_form_find(cat, "BNV-BM3"));
	for (i = 0; i < dongbo_catalog_count(cat); i++) {
		const struct dongbo_indicator *ind = dongbo_catalog_at(cat, i);

		assert_ptr_equal(dongbo_catalog_find(cat, ind->code), ind);
	}
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

static void loaded_file_keeps_its_exact_bytes(void **state)
{
	static const char text[] = "\xEF\xBB\xBF; exact bytes\r\n"
				   "[catalog]\r\nversion = 7\r\n"
				   "[a]\r\nname = N\r\nunit = U\r\n"
				   "type = count\r\n; no newline at the end";
	char path[] = "/tmp/test_catalog_XXXXXX";
	struct dongbo_catalog *cat = NULL;
	const char *got;
	size_t len = 1;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
			 (ssize_t)(sizeof(text) - 1));
	close(fd);
	if (dongbo_catalog_load(path, &cat, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	unlink(path);
	got = dongbo_catalog_text(cat, &len);
	assert_int_equal(len, sizeof(text) - 1);
	assert_memory_equal(got, text, len);
	assert_int_equal(got[len], '\0');
	assert_int_equal(dongbo_catalog_version(cat), 7);
	assert_string_equal(dongbo_catalog_title(cat), "");
	dongbo_catalog_free(cat);
}

static void catalog_over_16_mib_is_refused_unread(void **state)
{
	size_t len = (16u << 20) + 1;
	char *big = malloc(len);
	struct dongbo_catalog *cat = NULL;

	(void)state;
	assert_non_null(big);
	memset(big, '\n', len);
	assert_int_equal(dongbo_catalog_parse("big.ini", big, len, &cat, err,
					      sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_null(cat);
	assert_string_equal(err, "big.ini: larger than 16777216 bytes, the "
				 "most a catalog may be");
	free(big);
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

static void comments_bom_and_crlf_are_accepted(void **state)
{
	static const char text[] = "\xEF\xBB\xBF; leading comment\r\n"
				   "# hash comment\r\n"
				   "[catalog]\r\nversion = 2\r\n\r\n"
				   "  ; indented comment\r\n"
				   "[b_2]\r\nname=N\r\nunit=U\r\ntype=count\r\n"
				   "rule=sum\r\ntime=first";
	struct dongbo_catalog *cat;
	size_t len;

	(void)state;
	cat = assert_parses(text);
	assert_int_equal(dongbo_catalog_version(cat), 2);
	assert_int_equal(dongbo_catalog_count(cat), 1);
	assert_string_equal(dongbo_catalog_at(cat, 0)->note, "");
	assert_int_equal(dongbo_catalog_at(cat, 0)->time, DONGBO_TIME_FIRST);
	assert_string_equal(dongbo_catalog_text(cat, &len), text);
	assert_int_equal(len, strlen(text));
	assert_int_equal(dongbo_catalog_form_count(cat), 0);
	assert_int_equal(dongbo_catalog_rule_count(cat), 0);
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
	assert_int_equal(dongbo_catalog_at(cat, 1)->line, 10);
	assert_string_equal(dongbo_catalog_find(cat, "alpha")->code, "alpha");
	assert_string_equal(dongbo_catalog_find(cat, "mid")->code, "mid");
	assert_string_equal(dongbo_catalog_find(cat, "zeta")->code, "zeta");
	assert_null(dongbo_catalog_find(cat, "beta"));
	assert_null(dongbo_catalog_find(cat, NULL));
	assert_null(dongbo_catalog_at(cat, 3));
	assert_null(dongbo_catalog_find(NULL, "alpha"));
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
	snprintf(text, sizeof(text), HEAD "[%s]\nname=N\nunit=U\ntype=count\n",
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
					  "type=count\n",
		 name);
	cat = assert_parses(text);
	assert_string_equal(dongbo_catalog_at(cat, 0)->name, name);
	dongbo_catalog_free(cat);
}

/* ---- a whole catalog ------------------------------------------------------ */

static void every_section_kind_is_read_with_its_defaults(void **state)
{
	struct dongbo_catalog *cat;
	const struct dongbo_indicator *ind, *ratio, *total;
	size_t len;

	(void)state;
	cat = assert_parses(full);
	assert_int_equal(dongbo_catalog_version(cat), 3);
	assert_string_equal(dongbo_catalog_title(cat), "Danh mục thử");
	assert_string_equal(dongbo_catalog_text(cat, &len), full);
	assert_int_equal(len, strlen(full));
	assert_int_equal(dongbo_catalog_count(cat), 13);
	assert_string_equal(dongbo_catalog_at(cat, 0)->code, "ty_le_dung_han");
	assert_string_equal(dongbo_catalog_at(cat, 12)->code, "ty_le_so_hoa");

	/* A ratio: a decimal shown with 2 digits, time of its parts. */
	ratio = dongbo_catalog_find(cat, "ty_le_dung_han");
	assert_int_equal(ratio->line, 5);
	assert_int_equal(ratio->rule, DONGBO_RULE_RATIO);
	assert_int_equal(ratio->type, DONGBO_TYPE_DECIMAL);
	assert_int_equal(ratio->scale, 2);
	assert_int_equal(ratio->time, DONGBO_TIME_SUM);
	assert_true(ratio->percent);
	assert_ptr_equal(ratio->numerator,
			 dongbo_catalog_find(cat, "hs_dung_han_ca"));
	assert_ptr_equal(ratio->denominator,
			 dongbo_catalog_find(cat, "hs_da_giai_quyet"));
	assert_false(dongbo_indicator_is_stored(ratio));

	/* Totals take type, scale and time from their parts, in order. */
	total = dongbo_catalog_find(cat, "hs_da_giai_quyet");
	assert_int_equal(total->rule, DONGBO_RULE_TOTAL);
	assert_int_equal(total->type, DONGBO_TYPE_COUNT);
	assert_int_equal(total->scale, 0);
	assert_int_equal(total->time, DONGBO_TIME_SUM);
	assert_int_equal(total->n_parts, 2);
	assert_ptr_equal(total->parts[0], ratio->numerator);
	assert_ptr_equal(total->parts[1],
			 dongbo_catalog_find(cat, "hs_qua_han"));
	assert_false(dongbo_indicator_is_stored(total));
	assert_string_equal(ratio->numerator->parts[0]->code, "hs_truoc_han");

	/* A count: sum over units and time unless told otherwise. */
	ind = dongbo_catalog_find(cat, "hs_truoc_han");
	assert_int_equal(ind->type, DONGBO_TYPE_COUNT);
	assert_int_equal(ind->rule, DONGBO_RULE_SUM);
	assert_int_equal(ind->time, DONGBO_TIME_SUM);
	assert_int_equal(ind->scale, 0);
	assert_false(ind->has_min || ind->has_max);
	assert_string_equal(ind->note, "");
	assert_true(dongbo_indicator_is_stored(ind));
	assert_int_equal(dongbo_catalog_find(cat, "hs_ton_ky_truoc")->time,
			 DONGBO_TIME_FIRST);

	/* An enum: units counted per value, last value over time, values
	 * sorted whatever the order written. */
	ind = dongbo_catalog_find(cat, "muc_do_ket_noi");
	assert_int_equal(ind->rule, DONGBO_RULE_COUNT);
	assert_int_equal(ind->time, DONGBO_TIME_LAST);
	assert_int_equal(ind->n_labels, 3);
	assert_int_equal(ind->labels[0].value, 0);
	assert_string_equal(ind->labels[0].label, "Chưa");
	assert_int_equal(ind->labels[2].value, 2);
	assert_string_equal(ind->labels[2].label, "Hoàn thành");
	assert_string_equal(dongbo_indicator_label(ind, 1), "Đang làm");
	assert_null(dongbo_indicator_label(ind, 3));

	/* Bools: default labels, or the ones given. */
	ind = dongbo_catalog_find(cat, "co_khao_sat");
	assert_int_equal(ind->rule, DONGBO_RULE_COUNT);
	assert_int_equal(ind->time, DONGBO_TIME_LAST);
	assert_int_equal(ind->n_labels, 2);
	assert_string_equal(dongbo_indicator_label(ind, 0), "Không");
	assert_string_equal(dongbo_indicator_label(ind, 1), "Có");
	assert_null(dongbo_indicator_label(ind, 2));
	ind = dongbo_catalog_find(cat, "co_hop_truc_tuyen");
	assert_int_equal(ind->rule, DONGBO_RULE_NONE);
	assert_int_equal(ind->time, DONGBO_TIME_NONE);
	assert_string_equal(dongbo_indicator_label(ind, 0), "Không");
	assert_string_equal(dongbo_indicator_label(ind, 1), "Đã tổ chức");

	/* Money: scale 0 by default. */
	ind = dongbo_catalog_find(cat, "kinh_phi");
	assert_int_equal(ind->type, DONGBO_TYPE_MONEY);
	assert_int_equal(ind->scale, 0);
	assert_int_equal(ind->time, DONGBO_TIME_LAST);
	assert_string_equal(ind->note, "Kế hoạch năm");
	assert_null(dongbo_indicator_label(ind, 0));

	/* Bounds read in the type's text form, given before the type. */
	ind = dongbo_catalog_find(cat, "ty_le_so_hoa");
	assert_int_equal(ind->rule, DONGBO_RULE_MEAN);
	assert_true(ind->has_min && ind->has_max);
	assert_int_equal(ind->min, 0);
	assert_int_equal(ind->max, 10000);
	dongbo_catalog_free(cat);
}

static void forms_keep_their_rows_in_file_order(void **state)
{
	struct dongbo_catalog *cat;
	const struct dongbo_form *f;
	const struct dongbo_form_row *row;

	(void)state;
	cat = assert_parses(full);
	assert_int_equal(dongbo_catalog_form_count(cat), 2);
	f = dongbo_catalog_form_at(cat, 0);
	assert_ptr_equal(dongbo_catalog_form_find(cat, "II.06c"), f);
	assert_string_equal(f->title, "Tình hình, kết quả giải quyết TTHC");
	assert_string_equal(f->basis, "Thông tư 01/2020/TT-VPCP");
	assert_int_equal(f->n_rows, 4);
	/* A heading: no indicator, no unit. */
	row = &f->rows[0];
	assert_string_equal(row->stt, "");
	assert_string_equal(row->label, "Tiếp nhận");
	assert_string_equal(row->unit, "");
	assert_null(row->indicator);
	assert_null(row->level);
	/* Label and unit default to the indicator's. */
	row = &f->rows[1];
	assert_string_equal(row->stt, "1.1");
	assert_string_equal(row->label, "Số hồ sơ mới tiếp nhận trực tuyến");
	assert_string_equal(row->unit, "Hồ sơ");
	assert_ptr_equal(row->indicator,
			 dongbo_catalog_find(cat, "hs_nhan_truc_tuyen"));
	/* The same STT again, as the seeds print it. */
	row = &f->rows[2];
	assert_string_equal(row->stt, "1.1");
	assert_string_equal(row->label, "Số hồ sơ từ kỳ trước chuyển qua");
	assert_string_equal(row->unit, "HS");
	assert_string_equal(row->level, "xa");
	/* An empty label is no label: the indicator's name. */
	row = &f->rows[3];
	assert_string_equal(row->stt, "2");
	assert_string_equal(row->label,
			    "Số hồ sơ giải quyết đúng hạn (cả trước hạn)");

	/* A row may come before its form. */
	f = dongbo_catalog_form_at(cat, 1);
	assert_ptr_equal(dongbo_catalog_form_find(cat, "BNV-BM3"), f);
	assert_string_equal(f->basis, "");
	assert_int_equal(f->n_rows, 1);
	assert_string_equal(f->rows[0].label,
			    "Tỷ lệ hồ sơ cấp xã giải quyết đúng hạn");
	assert_string_equal(f->rows[0].unit, "%");
	assert_string_equal(f->rows[0].level, "xa");

	assert_null(dongbo_catalog_form_find(cat, "II.06"));
	assert_null(dongbo_catalog_form_find(cat, NULL));
	assert_null(dongbo_catalog_form_at(cat, 2));
	dongbo_catalog_free(cat);
}

static void rules_keep_file_order_with_both_sides(void **state)
{
	struct dongbo_catalog *cat;
	const struct dongbo_rule *u;

	(void)state;
	cat = assert_parses(full);
	assert_int_equal(dongbo_catalog_rule_count(cat), 2);
	u = dongbo_catalog_rule_at(cat, 0);
	assert_string_equal(u->code, "giai_quyet_khong_qua_tiep_nhan");
	assert_string_equal(u->text, "Đã giải quyết ≤ tiếp nhận");
	assert_int_equal(u->op, DONGBO_OP_LE);
	assert_int_equal(u->severity, DONGBO_SEVERITY_WARNING);
	assert_int_equal(u->n_left, 1);
	assert_string_equal(u->left[0]->code, "hs_da_giai_quyet");
	assert_int_equal(u->n_right, 2);
	assert_string_equal(u->right[0]->code, "hs_nhan_truc_tuyen");
	assert_string_equal(u->right[1]->code, "hs_ton_ky_truoc");
	u = dongbo_catalog_rule_at(cat, 1);
	assert_string_equal(u->code, "dung_han_ca");
	assert_int_equal(u->op, DONGBO_OP_EQ);
	assert_int_equal(u->severity, DONGBO_SEVERITY_ERROR);
	assert_int_equal(u->n_right, 2);
	assert_string_equal(u->right[1]->code, "hs_dung_han");
	assert_null(dongbo_catalog_rule_at(cat, 2));
	dongbo_catalog_free(cat);
}

struct seen {
	const char *rows[8]; /* "FORM STT" */
	char buf[8][64];
	size_t n;
	int stop_with;
};

static int row_seen_cb(void *arg, const struct dongbo_form *form,
		       const struct dongbo_form_row *row)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	snprintf(s->buf[s->n], sizeof(s->buf[0]), "%s %s", form->code,
		 row->stt);
	s->rows[s->n] = s->buf[s->n];
	s->n++;
	return s->stop_with;
}

static void rows_of_finds_rows_through_ratios_and_totals(void **state)
{
	struct dongbo_catalog *cat;
	struct seen s;

	(void)state;
	cat = assert_parses(full);
	/* Through the total shown at II.06c 2 and the ratio built on it;
	 * the BNV row comes first in the file. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(dongbo_catalog_rows_of(
				 cat, dongbo_catalog_find(cat, "hs_truoc_han"),
				 row_seen_cb, &s),
			 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rows[0], "BNV-BM3 3.1");
	assert_string_equal(s.rows[1], "II.06c 2");
	/* Through the denominator only. */
	memset(&s, 0, sizeof(s));
	dongbo_catalog_rows_of(cat, dongbo_catalog_find(cat, "hs_qua_han"),
			       row_seen_cb, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.rows[0], "BNV-BM3 3.1");
	/* Directly. */
	memset(&s, 0, sizeof(s));
	dongbo_catalog_rows_of(cat, dongbo_catalog_find(cat, "hs_ton_ky_truoc"),
			       row_seen_cb, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.rows[0], "II.06c 1.1");
	memset(&s, 0, sizeof(s));
	dongbo_catalog_rows_of(cat, dongbo_catalog_find(cat, "ty_le_dung_han"),
			       row_seen_cb, &s);
	assert_int_equal(s.n, 1);
	/* Nowhere. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(dongbo_catalog_rows_of(
				 cat, dongbo_catalog_find(cat, "kinh_phi"),
				 row_seen_cb, &s),
			 0);
	assert_int_equal(s.n, 0);
	/* A non-zero return stops the walk and is returned. */
	memset(&s, 0, sizeof(s));
	s.stop_with = 5;
	assert_int_equal(dongbo_catalog_rows_of(
				 cat, dongbo_catalog_find(cat, "hs_truoc_han"),
				 row_seen_cb, &s),
			 5);
	assert_int_equal(s.n, 1);
	assert_int_equal(dongbo_catalog_rows_of(cat, NULL, row_seen_cb, &s),
			 DONGBO_E_INVAL);
	dongbo_catalog_free(cat);
}

static void form_rule_and_indicator_codes_are_separate(void **state)
{
	struct dongbo_catalog *cat;

	(void)state;
	cat = assert_parses(HEAD CNT("a") "[form a]\ntitle = T\n"
				"[rule a]\ntext = T\nleft = a\nop = eq\n"
				"right = a\n");
	assert_non_null(dongbo_catalog_form_find(cat, "a"));
	assert_string_equal(dongbo_catalog_rule_at(cat, 0)->code, "a");
	dongbo_catalog_free(cat);
}

static void totals_may_nest_sixteen_deep_not_seventeen(void **state)
{
	char text[8192];
	size_t len, n, i;
	struct dongbo_catalog *cat;

	(void)state;
	for (n = 16; n <= 17; n++) {
		len = (size_t)snprintf(text, sizeof(text), HEAD CNT("a")
				       CNT("b"));
		/* t0 = a + b, then each one built on the one before;
		 * written last first, so that resolving recurses deepest. */
		for (i = n; i-- > 0;) {
			if (i == 0)
				len += (size_t)snprintf(
					text + len, sizeof(text) - len,
					SEC("t0") "rule = total\n"
						  "parts = a + b\n");
			else
				len += (size_t)snprintf(
					text + len, sizeof(text) - len,
					"[t%zu]\nname = N\nunit = U\n"
					"rule = total\nparts = t%zu + a\n",
					i, i - 1);
		}
		if (n == 16) {
			cat = assert_parses(text);
			assert_int_equal(
				dongbo_catalog_find(cat, "t15")->type,
				DONGBO_TYPE_COUNT);
			dongbo_catalog_free(cat);
		} else {
			assert_refused(text, "totals are built on totals more "
					     "than 16 deep");
		}
	}
}

/* ---- refusals: the first format's cases, still true ----------------------- */

static void line_longer_than_inih_buffer_is_refused_with_line(void **state)
{
	char text[1024], name[256];

	(void)state;
	memset(name, 'n', 191);
	name[191] = '\0';
	snprintf(text, sizeof(text), HEAD "[a]\nname = %s\nunit=U\n"
					  "type=count\n",
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
	/* The first format's key is gone. */
	assert_refused(HEAD IND("a") "forms = II.06c\n",
		       "t.ini:10: unknown key in indicator 'a' 'forms'");
}

static void unknown_words_are_refused_with_line_and_the_list(void **state)
{
	static const struct refusal cases[] = {
		{ HEAD "[a]\nname=N\nunit=U\ntype = float\n",
		  "t.ini:7: unknown type 'float' (expected count, decimal, "
		  "money, enum, bool)" },
		{ HEAD "[a]\nrule = avg\n",
		  "t.ini:5: unknown rule 'avg' (expected sum, mean, min, max, "
		  "count, none, ratio, total)" },
		{ HEAD "[a]\ntime = mean\n",
		  "t.ini:5: unknown time 'mean' (expected sum, last, first, "
		  "none)" },
		/* Words are case-sensitive, like codes. */
		{ HEAD "[a]\ntype = Count\n", "t.ini:5: unknown type 'Count'" },
		{ HEAD "[r]\npercent = 1\n",
		  "t.ini:5: unknown percent '1' (expected yes, no)" },
		{ HEAD "[rule r]\nop = ge\n",
		  "t.ini:5: unknown op 'ge' (expected eq, le)" },
		{ HEAD "[rule r]\nseverity = fatal\n",
		  "t.ini:5: unknown severity 'fatal' (expected error, "
		  "warning)" },
		{ HEAD "[d]\nscale = 7\n",
		  "t.ini:5: scale must be a whole number from 0 to 6, not "
		  "'7'" },
		{ HEAD "[d]\nscale = -1\n", "t.ini:5: scale must be" },
		{ HEAD "[d]\nscale = 2.0\n", "t.ini:5: scale must be" },
		{ HEAD "[d]\nscale =\n", "t.ini:5: scale must be a whole "
					 "number from 0 to 6, not ''" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

static void duplicate_indicator_is_refused_with_both_lines(void **state)
{
	(void)state;
	assert_refused(HEAD IND("a") IND("b") IND("a"),
		       "t.ini:16: duplicate indicator 'a' (first on line 4)");
	/* With three, the earliest second one is blamed. */
	assert_refused(HEAD CNT("b") CNT("a") CNT("b") CNT("a") CNT("b"),
		       "t.ini:12: duplicate indicator 'b' (first on line 4)");
	assert_refused(HEAD IND("a") "[catalog]\n",
		       "t.ini:10: duplicate section '[catalog]' (first on line "
		       "1)");
}

static void invalid_indicator_code_is_refused_with_line(void **state)
{
	static const char *const bad[] = {
		"Abc", "1abc", "_abc", "a-b", "a.b", "ả", "",
		/* 64 bytes */
		"a23456789_123456789_123456789_123456789_123456789_123456789_1234",
	};
	char text[512], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(bad); i++) {
		snprintf(text, sizeof(text), HEAD "[%s]\nname = N\n", bad[i]);
		snprintf(want, sizeof(want),
			 "t.ini:4: invalid indicator code '%s'", bad[i]);
		assert_refused(text, want);
	}
}

static void missing_required_key_is_refused_at_section_line(void **state)
{
	static const char *const keys[] = { "name", "unit", "type" };
	static const char *const lines[] = { "name = N\n", "unit = U\n",
					     "type = count\n" };
	char text[512], want[128];
	size_t i, j, len;

	(void)state;
	for (i = 0; i < N_OF(keys); i++) {
		len = (size_t)snprintf(text, sizeof(text),
				       HEAD IND("a") "\n; the next one\n[b]\n");
		for (j = 0; j < N_OF(keys); j++)
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
		       "t.ini:3: key given twice 'version' (first on line 2)");
}

static void catalog_without_indicators_is_refused(void **state)
{
	(void)state;
	assert_refused(HEAD, "t.ini:3: no indicators");
	assert_refused(HEAD "[form F]\ntitle = T\n", "t.ini:5: no indicators");
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
		       "t.ini:10: key given twice 'name' (first on line 5)");
	assert_refused(HEAD "[a]\nname =\n",
		       "t.ini:5: empty value for 'name' of indicator 'a'");
	assert_refused(HEAD "[a]\nname = N\nunit = ; nothing\n",
		       "t.ini:6: empty value for 'unit' of indicator 'a'");
	assert_refused(HEAD "[form F]\ntitle =\n",
		       "t.ini:5: empty value for 'title' of form 'F'");
	assert_refused(HEAD "[rule r]\nleft =\n",
		       "t.ini:5: empty value for 'left' of rule 'r'");
	assert_refused(HEAD "[row F 1]\nlabel = a\nlabel = b\n",
		       "t.ini:6: key given twice 'label' (first on line 5)");
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

/* ---- refusals: sections and keys of forms, rows and rules ----------------- */

#define FORM(code) "[form " code "]\ntitle = T\n"
#define RULE(code) "[rule " code "]\ntext = T\nleft = a\nop = eq\nright = a\n"

static void unknown_or_malformed_sections_are_refused(void **state)
{
	static const struct refusal cases[] = {
		{ HEAD "[forms II.06c]\n",
		  "t.ini:4: unknown section '[forms II.06c]' (expected "
		  "[catalog], [indicator_code], [form CODE], [row FORM STT] "
		  "or [rule CODE])" },
		{ HEAD "[a b]\n", "t.ini:4: unknown section '[a b]'" },
		{ HEAD "[form]\n",
		  "t.ini:4: section '[form]' needs a code: write [form CODE]" },
		{ HEAD CNT("a") "[row]\n", "t.ini:8: section '[row]' needs a "
					   "code" },
		{ HEAD "[rule]\n", "t.ini:4: section '[rule]' needs a code" },
		{ HEAD "[form II/06c]\n",
		  "t.ini:4: invalid form code 'II/06c' (want letters, digits, "
		  "'.', '-' and '_', at most 63 bytes)" },
		{ HEAD "[form II 06c]\n", "t.ini:4: invalid form code 'II 06c'" },
		{ HEAD "[row II/06c 1.1]\n",
		  "t.ini:4: invalid form code 'II/06c'" },
		{ HEAD "[rule Bad]\n", "t.ini:4: invalid rule code 'Bad'" },
		{ HEAD "[row F 123456789012345678901234567890123456789012345678"
		       "9012345678901234]\n",
		  "t.ini:4: STT longer than 63 bytes" },
		{ HEAD CNT("a") FORM("F") "colour = red\n",
		  "t.ini:10: unknown key in form 'F' 'colour'" },
		{ HEAD "[row F 1.1]\nfoo = x\n",
		  "t.ini:5: unknown key in row 'F 1.1' 'foo'" },
		{ HEAD "[row F]\nfoo = x\n",
		  "t.ini:5: unknown key in row 'F' 'foo'" },
		{ HEAD "[rule r]\nseverity = error\nweight = 2\n",
		  "t.ini:6: unknown key in rule 'r' 'weight'" },
		{ HEAD "[form F]\nvalue.1 = x\n",
		  "t.ini:5: unknown key in form 'F' 'value.1'" },
		{ HEAD CNT("a") FORM("F") FORM("G") FORM("F"),
		  "t.ini:12: duplicate form 'F' (first on line 8)" },
		{ HEAD CNT("a") RULE("r") RULE("r"),
		  "t.ini:13: duplicate rule 'r' (first on line 8)" },
		{ HEAD "[r]\nnumerator = Hs\n",
		  "t.ini:5: invalid indicator code 'Hs'" },
		{ HEAD "[row F 1]\nindicator = a b\n",
		  "t.ini:5: invalid indicator code 'a b'" },
		{ HEAD "[t]\nparts = a + + b\n",
		  "t.ini:5: empty term in 'a + + b' (join indicator codes "
		  "with '+')" },
		{ HEAD "[t]\nparts = a +\n", "t.ini:5: empty term in 'a +'" },
		{ HEAD "[rule r]\nright = a + B\n",
		  "t.ini:5: invalid indicator code 'B' in 'a + B'" },
		{ HEAD "[row F 1]\nlevel = Xa\n",
		  "t.ini:5: invalid level 'Xa' (want a level name of the unit "
		  "list: a-z, 0-9 and '_')" },
		{ HEAD "[row F 1]\nlevel = xa-1\n",
		  "t.ini:5: invalid level 'xa-1'" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

static void missing_keys_are_blamed_on_the_section_line(void **state)
{
	static const char *const keys[] = { "text", "left", "op", "right" };
	static const char *const lines[] = { "text = T\n", "left = a\n",
					     "op = eq\n", "right = a\n" };
	static const struct refusal cases[] = {
		{ HEAD CNT("a") "[form F]\nbasis = B\n",
		  "t.ini:8: missing key in form 'F' 'title'" },
		{ HEAD "[d]\nname = N\nunit = U\ntype = decimal\n",
		  "t.ini:4: missing key in indicator 'd' 'scale'" },
		{ HEAD CNT("a") SEC("r") "rule = ratio\nnumerator = a\n",
		  "t.ini:8: missing key in indicator 'r' 'denominator'" },
		{ HEAD CNT("a") SEC("r") "rule = ratio\ndenominator = a\n",
		  "t.ini:8: missing key in indicator 'r' 'numerator'" },
		{ HEAD CNT("a") SEC("t") "rule = total\n",
		  "t.ini:8: missing key in indicator 't' 'parts'" },
		{ HEAD CNT("a") SEC("m") "rule = mean\n",
		  "t.ini:8: missing key in indicator 'm' 'type'" },
	};
	char text[512], want[128];
	size_t i, j, len;

	(void)state;
	assert_all_refused(cases, N_OF(cases));
	for (i = 0; i < N_OF(keys); i++) {
		len = (size_t)snprintf(text, sizeof(text),
				       HEAD CNT("a") "[rule r]\n");
		for (j = 0; j < N_OF(keys); j++)
			if (j != i)
				len += (size_t)snprintf(text + len,
							sizeof(text) - len,
							"%s", lines[j]);
		snprintf(want, sizeof(want),
			 "t.ini:8: missing key in rule 'r' '%s'", keys[i]);
		assert_refused(text, want);
	}
}

/* ---- refusals: what an indicator says of itself --------------------------- */

static void disallowed_type_rule_scale_and_time_are_refused(void **state)
{
	static const struct refusal cases[] = {
		{ HEAD SEC("a") "type = count\nscale = 2\n",
		  "t.ini:8: key 'scale' is not allowed for type count (only "
		  "decimal and money have decimals)" },
		{ HEAD SEC("a") "type = enum\nscale = 0\n",
		  "t.ini:8: key 'scale' is not allowed for type enum" },
		{ HEAD SEC("a") "scale = 1\ntype = bool\n",
		  "t.ini:7: key 'scale' is not allowed for type bool" },
		{ HEAD SEC("a") "type = count\nrule = count\n",
		  "t.ini:8: rule count is not allowed for type count "
		  "(allowed: sum, mean, min, max, none)" },
		{ HEAD SEC("a") "type = enum\nrule = sum\n",
		  "t.ini:8: rule sum is not allowed for type enum (allowed: "
		  "min, max, count, none)" },
		{ HEAD SEC("a") "type = enum\nrule = mean\n",
		  "t.ini:8: rule mean is not allowed for type enum" },
		{ HEAD SEC("a") "type = bool\nrule = min\n",
		  "t.ini:8: rule min is not allowed for type bool (allowed: "
		  "count, none)" },
		{ HEAD SEC("a") "rule = count\ntype = money\n",
		  "t.ini:7: rule count is not allowed for type money "
		  "(allowed: sum, mean, min, max, none)" },
		{ HEAD SEC("a") "type = decimal\nscale = 1\nrule = count\n",
		  "t.ini:9: rule count is not allowed for type decimal" },
		{ HEAD SEC("a") "type = bool\ntime = sum\n",
		  "t.ini:8: time sum adds values over periods, and bool "
		  "values cannot be added (use last, first or none)" },
		{ HEAD SEC("a") "type = enum\ntime = sum\nvalue.0 = A\n"
			       "value.1 = B\n",
		  "t.ini:8: time sum adds values over periods, and enum" },
		{ HEAD CNT("b") SEC("a") "type = count\nnumerator = b\n",
		  "t.ini:12: key 'numerator' is only for rule = ratio "
		  "(indicator 'a' has rule sum)" },
		{ HEAD CNT("b") SEC("a") "type = count\ndenominator = b\n",
		  "t.ini:12: key 'denominator' is only for rule = ratio" },
		{ HEAD CNT("b") SEC("t") "rule = total\nparts = b + b\n"
					 "percent = yes\n",
		  "t.ini:13: key 'percent' is only for rule = ratio "
		  "(indicator 't' has rule total)" },
		{ HEAD CNT("b") CNT("c") SEC("a") "type = count\n"
					 "parts = b + c\n",
		  "t.ini:16: key 'parts' is only for rule = total "
		  "(indicator 'a' has rule sum)" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

static void bad_bounds_are_refused_at_their_line(void **state)
{
	static const struct refusal cases[] = {
		{ HEAD SEC("a") "type = count\nmin = -1\n",
		  "t.ini:8: bad min of indicator 'a': '-1' is not a count (a "
		  "whole number 0 or more)" },
		{ HEAD SEC("a") "type = count\nmin = 10\nmax = 5\n",
		  "t.ini:9: min '10' is more than max '5' of indicator 'a'" },
		{ HEAD SEC("a") "max = 5\nmin = 1.000\ntype = count\n",
		  "t.ini:7: min '1.000' is more than max '5'" },
		{ HEAD SEC("a") "type = decimal\nscale = 2\nmax = 1.200\n",
		  "t.ini:9: bad max of indicator 'a': '1.200' is ambiguous "
		  "for a decimal: 1200 or 1,2? write 1200 or 1,2" },
		{ HEAD SEC("a") "type = decimal\nscale = 2\nmax = abc\n",
		  "t.ini:9: bad max of indicator 'a': 'abc' is not a decimal" },
		{ HEAD SEC("a") "type = decimal\nscale = 2\nmin = 0,125\n",
		  "t.ini:9: bad min of indicator 'a': '0,125' has more "
		  "decimals than this indicator keeps (2)" },
		{ HEAD SEC("a") "type = money\nmax = 100%\n",
		  "t.ini:8: bad max of indicator 'a': '100%' ends with '%', "
		  "but the unit of this indicator is not '%'" },
		{ HEAD SEC("a") "type = enum\nvalue.0 = A\nvalue.1 = B\n"
			       "min = 0\n",
		  "t.ini:10: key 'min' is not allowed for type enum: its "
		  "values are listed" },
		{ HEAD SEC("a") "type = bool\nmax = 1\n",
		  "t.ini:8: key 'max' is not allowed for type bool" },
		{ HEAD CNT("b") CNT("c") SEC("r") "rule = ratio\n"
					 "numerator = b\ndenominator = c\n"
					 "max = 100\n",
		  "t.ini:18: key 'max' is not allowed for a ratio: its values "
		  "are computed" },
		{ HEAD CNT("b") CNT("c") SEC("t") "rule = total\n"
					 "parts = b + c\nmin = 0\n",
		  "t.ini:17: key 'min' is not allowed for a total" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

static void bad_enum_and_bool_values_are_refused(void **state)
{
	static const struct refusal cases[] = {
		{ HEAD SEC("e") "type = enum\nvalue.0 = Chưa\n",
		  "t.ini:4: enum 'e' needs two or more values "
		  "(value.N = label), not 1" },
		{ HEAD SEC("e") "type = enum\n",
		  "t.ini:4: enum 'e' needs two or more values" },
		{ HEAD "[e]\nvalue.x = A\n",
		  "t.ini:5: key 'value.x' needs a whole number after 'value.' "
		  "(value.0, value.1, ...)" },
		{ HEAD "[e]\nvalue. = A\n", "t.ini:5: key 'value.' needs a whole "
					    "number" },
		{ HEAD "[e]\nvalue.1.5 = A\n", "t.ini:5: key 'value.1.5' needs" },
		{ HEAD "[e]\nvalue.+1 = A\n", "t.ini:5: key 'value.+1' needs" },
		{ HEAD "[e]\nvalue.99999999999999999999 = A\n",
		  "t.ini:5: key 'value.99999999999999999999' needs" },
		{ HEAD "[e]\nvalue.1 =\n",
		  "t.ini:5: empty value for 'value.1' of indicator 'e'" },
		{ HEAD SEC("a") "type = count\nvalue.1 = A\n",
		  "t.ini:8: key 'value.1' is only for enum and bool "
		  "(indicator 'a' is count)" },
		{ HEAD SEC("a") "value.-1 = A\ntype = decimal\nscale = 1\n",
		  "t.ini:7: key 'value.-1' is only for enum and bool" },
		{ HEAD SEC("b") "type = bool\nvalue.2 = Có thể\n",
		  "t.ini:8: a bool has only value.0 and value.1, not "
		  "value.2" },
		{ HEAD SEC("e") "type = enum\nvalue.1 = A\nvalue.01 = B\n",
		  "t.ini:9: value 1 given twice (first on line 8)" },
		{ HEAD SEC("e") "type = enum\nvalue.1 = A\nvalue.2 = B\n"
			       "value.1 = C\n",
		  "t.ini:10: value 1 given twice (first on line 8)" },
		{ HEAD SEC("e") "type = enum\nvalue.0 = A\nvalue.1 = A\n",
		  "t.ini:9: label 'A' given to two values (first on line 8)" },
		{ HEAD SEC("e") "type = enum\nvalue.5 = A\nvalue.1 = A\n",
		  "t.ini:9: label 'A' given to two values (first on line 8)" },
		{ HEAD SEC("e") "type = enum\nvalue.0 = 2\nvalue.2 = B\n",
		  "t.ini:8: label '2' would read as a value" },
		{ HEAD SEC("b") "type = bool\nvalue.0 = Có\n",
		  "t.ini:8: label 'Có' given to two values" },
		{ HEAD CNT("b") CNT("c") SEC("r") "rule = ratio\n"
					 "numerator = b\ndenominator = c\n"
					 "value.1 = A\n",
		  "t.ini:18: key 'value.1' is only for enum and bool "
		  "(indicator 'r' is a ratio)" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

/* ---- refusals: references between indicators ------------------------------ */

/* a (count, sum), b (count, sum): lines 4-11; r starts on line 12, its
 * first key after rule on line 16. */
#define AB HEAD CNT("a") CNT("b")
#define RATIO_R SEC("r") "rule = ratio\n"
#define TOTAL_T SEC("t") "rule = total\n"

static void bad_ratios_are_refused_at_the_key_at_fault(void **state)
{
	static const struct refusal cases[] = {
		{ AB RATIO_R "numerator = zz\ndenominator = b\n",
		  "t.ini:16: unknown indicator 'zz' (numerator of 'r')" },
		{ AB RATIO_R "numerator = a\ndenominator = zz\n",
		  "t.ini:17: unknown indicator 'zz' (denominator of 'r')" },
		/* A ratio of ratios, or of itself. */
		{ AB RATIO_R "numerator = q\ndenominator = b\n"
			     "[q]\nname = N\nunit = %\nrule = ratio\n"
			     "numerator = a\ndenominator = b\n",
		  "t.ini:16: numerator 'q' of ratio 'r' has rule ratio; a "
		  "ratio divides indicators with rule sum or total" },
		{ AB RATIO_R "numerator = a\ndenominator = r\n",
		  "t.ini:17: denominator 'r' of ratio 'r' has rule ratio" },
		{ AB RATIO_R "numerator = m\ndenominator = b\n"
			     SEC("m") "type = count\nrule = mean\n",
		  "t.ini:16: numerator 'm' of ratio 'r' has rule mean" },
		{ AB RATIO_R "numerator = e\ndenominator = b\n"
			     SEC("e") "type = bool\n",
		  "t.ini:16: numerator 'e' of ratio 'r' has rule count" },
		{ AB RATIO_R "numerator = a\ndenominator = c\n"
			     SEC("c") "type = count\ntime = last\n",
		  "t.ini:17: ratio 'r': numerator 'a' has time sum, but "
		  "denominator 'c' has time last; they need the same" },
		{ AB RATIO_R "numerator = a\ndenominator = b\ntype = count\n",
		  "t.ini:18: a ratio is shown as a decimal, not count: write "
		  "'type = decimal' or leave type out" },
		{ AB RATIO_R "numerator = a\ndenominator = b\ntime = last\n",
		  "t.ini:18: key 'time' is not allowed for a ratio: it is that "
		  "of its numerator and denominator" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

static void ratio_may_state_its_type_and_scale(void **state)
{
	struct dongbo_catalog *cat;
	const struct dongbo_indicator *r;

	(void)state;
	cat = assert_parses(AB RATIO_R "numerator = a\ndenominator = b\n"
				       "type = decimal\nscale = 4\n"
				       "percent = no\n");
	r = dongbo_catalog_find(cat, "r");
	assert_int_equal(r->type, DONGBO_TYPE_DECIMAL);
	assert_int_equal(r->scale, 4);
	assert_false(r->percent);
	dongbo_catalog_free(cat);
}

static void bad_totals_are_refused_at_their_parts(void **state)
{
	static const struct refusal cases[] = {
		{ AB TOTAL_T "parts = a\n",
		  "t.ini:16: total 't' needs two or more parts joined by '+', "
		  "not 'a'" },
		{ AB TOTAL_T "parts = a + zz\n",
		  "t.ini:16: unknown indicator 'zz' in parts of 't'" },
		{ AB TOTAL_T "parts = a + b + a\n",
		  "t.ini:16: 'a' is listed twice in parts of 't'" },
		{ AB TOTAL_T "parts = a + r\n" RATIO_R
			     "numerator = a\ndenominator = b\n",
		  "t.ini:16: part 'r' of total 't' has rule ratio; the parts "
		  "of a total need rule sum or total" },
		{ AB TOTAL_T "parts = a + m\n" SEC("m") "type = count\n"
							"rule = max\n",
		  "t.ini:16: part 'm' of total 't' has rule max" },
		{ AB TOTAL_T "parts = a + mo\n" SEC("mo") "type = money\n",
		  "t.ini:16: part 'mo' of total 't' is money with scale 0, but "
		  "'a' is count; the parts need one type and scale" },
		{ HEAD SEC("d1") "type = decimal\nscale = 1\n"
		       SEC("d2") "type = decimal\nscale = 2\n"
		       TOTAL_T "parts = d1 + d2\n",
		  "t.ini:18: part 'd2' of total 't' is decimal with scale 2, "
		  "but 'd1' is decimal with scale 1" },
		{ AB TOTAL_T "parts = a + c\n" SEC("c") "type = count\n"
						       "time = last\n",
		  "t.ini:16: part 'c' of total 't' has time last, but 'a' has "
		  "time sum; the parts need one time rule" },
		{ AB TOTAL_T "parts = a + b\ntype = money\n",
		  "t.ini:17: total 't' is count like its parts, not money" },
		{ AB TOTAL_T "parts = a + b\nscale = 0\n",
		  "t.ini:17: key 'scale' is not allowed for type count" },
		{ AB TOTAL_T "parts = a + b\ntime = last\n",
		  "t.ini:17: total 't' has time sum like its parts, not last" },
		/* Cycles, through another total or directly. */
		{ AB TOTAL_T "parts = a + u\n"
			     "[u]\nname = N\nunit = U\nrule = total\n"
			     "parts = b + t\n",
		  "t.ini:21: total 'u' is built on itself through 't'" },
		{ AB TOTAL_T "parts = a + t\n",
		  "t.ini:16: total 't' is built on itself through 't'" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

/* ---- refusals: rows and rules --------------------------------------------- */

static void bad_rows_are_refused(void **state)
{
	static const struct refusal cases[] = {
		{ HEAD CNT("a") "[row G 1]\nindicator = a\n",
		  "t.ini:8: row of unknown form 'G' (no [form G] section)" },
		{ HEAD CNT("a") FORM("F") "[row F 1]\nindicator = zz\n",
		  "t.ini:11: unknown indicator 'zz' in row 'F 1'" },
		{ HEAD CNT("a") FORM("F") "[row F 1]\nlevel = xa\n",
		  "t.ini:10: row 'F 1' needs a label: it has no indicator to "
		  "take the name from" },
		{ HEAD CNT("a") FORM("F") "[row F 1]\nunit = U\nlabel =\n",
		  "t.ini:12: row 'F 1' needs a label" },
	};

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

static void bad_rules_are_refused_at_their_side(void **state)
{
	/* Rule r on line 12, text 13, left 14, op 15, right 16. */
#define RULE_R "[rule r]\ntext = T\n"
	static const struct refusal cases[] = {
		{ AB RULE_R "left = zz\nop = eq\nright = a\n",
		  "t.ini:14: unknown indicator 'zz' in left of rule 'r'" },
		{ AB RULE_R "left = a\nop = eq\nright = b + zz\n",
		  "t.ini:16: unknown indicator 'zz' in right of rule 'r'" },
		{ AB RULE_R "left = q\nop = le\nright = a\n"
			    "[q]\nname = N\nunit = %\nrule = ratio\n"
			    "numerator = a\ndenominator = b\n",
		  "t.ini:14: 'q' in left of rule 'r' is a ratio; a rule adds "
		  "indicators with rule sum or total" },
		{ AB RULE_R "left = a\nop = eq\nright = e\n"
			    SEC("e") "type = enum\nvalue.0 = A\n"
			    "value.1 = B\nrule = max\n",
		  "t.ini:16: 'e' in right of rule 'r' is an enum" },
		{ AB RULE_R "left = a\nop = eq\nright = f\n"
			    SEC("f") "type = bool\n",
		  "t.ini:16: 'f' in right of rule 'r' is a bool" },
		{ AB RULE_R "left = a + m\nop = eq\nright = b\n"
			    SEC("m") "type = count\nrule = mean\n",
		  "t.ini:14: 'm' in left of rule 'r' has rule mean" },
		{ AB RULE_R "left = a\nop = eq\nright = mo\n"
			    SEC("mo") "type = money\n",
		  "t.ini:16: 'mo' in right of rule 'r' is money with scale 0, "
		  "but 'a' is count; both sides need one type and scale" },
		{ HEAD SEC("d1") "type = decimal\nscale = 1\n"
		       SEC("d2") "type = decimal\nscale = 2\n"
		       RULE_R "left = d1 + d2\nop = le\nright = d1\n",
		  "t.ini:16: 'd2' in left of rule 'r' is decimal with scale 2, "
		  "but 'd1' is decimal with scale 1" },
	};
#undef RULE_R

	(void)state;
	assert_all_refused(cases, N_OF(cases));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_catalog_loads_with_its_forms),
		cmocka_unit_test(missing_file_is_an_io_error_naming_the_path),
		cmocka_unit_test(loaded_file_keeps_its_exact_bytes),
		cmocka_unit_test(catalog_over_16_mib_is_refused_unread),
		cmocka_unit_test(inline_comment_after_value_is_stripped),
		cmocka_unit_test(comments_bom_and_crlf_are_accepted),
		cmocka_unit_test(indicators_keep_file_order_and_find_by_code),
		cmocka_unit_test(code_of_63_bytes_is_accepted_whole),
		cmocka_unit_test(line_of_197_bytes_is_accepted),
		cmocka_unit_test(every_section_kind_is_read_with_its_defaults),
		cmocka_unit_test(forms_keep_their_rows_in_file_order),
		cmocka_unit_test(rules_keep_file_order_with_both_sides),
		cmocka_unit_test(rows_of_finds_rows_through_ratios_and_totals),
		cmocka_unit_test(form_rule_and_indicator_codes_are_separate),
		cmocka_unit_test(totals_may_nest_sixteen_deep_not_seventeen),
		cmocka_unit_test(line_longer_than_inih_buffer_is_refused_with_line),
		cmocka_unit_test(unknown_key_is_refused_with_line),
		cmocka_unit_test(unknown_words_are_refused_with_line_and_the_list),
		cmocka_unit_test(duplicate_indicator_is_refused_with_both_lines),
		cmocka_unit_test(invalid_indicator_code_is_refused_with_line),
		cmocka_unit_test(missing_required_key_is_refused_at_section_line),
		cmocka_unit_test(catalog_section_and_version_are_required),
		cmocka_unit_test(catalog_without_indicators_is_refused),
		cmocka_unit_test(key_outside_any_section_is_refused_with_line),
		cmocka_unit_test(key_given_twice_or_empty_is_refused),
		cmocka_unit_test(malformed_lines_are_refused_with_line),
		cmocka_unit_test(nul_byte_is_refused_with_line),
		cmocka_unit_test(unknown_or_malformed_sections_are_refused),
		cmocka_unit_test(missing_keys_are_blamed_on_the_section_line),
		cmocka_unit_test(disallowed_type_rule_scale_and_time_are_refused),
		cmocka_unit_test(bad_bounds_are_refused_at_their_line),
		cmocka_unit_test(bad_enum_and_bool_values_are_refused),
		cmocka_unit_test(bad_ratios_are_refused_at_the_key_at_fault),
		cmocka_unit_test(ratio_may_state_its_type_and_scale),
		cmocka_unit_test(bad_totals_are_refused_at_their_parts),
		cmocka_unit_test(bad_rows_are_refused),
		cmocka_unit_test(bad_rules_are_refused_at_their_side),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
