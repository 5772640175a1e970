/*
 * catalog_fixture.h -- shared by test_catalog.c and test_catalog_values.c:
 * small inline catalogs and the assertions over parsing them.
 */
#ifndef DONGBO_TESTS_CATALOG_FIXTURE_H
#define DONGBO_TESTS_CATALOG_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"

#define CATALOG_FILE DONGBO_DATA_DIR "/catalog.ini"
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Lines 1-3. */
#define HEAD "[catalog]\nversion = 1\n\n"
/* Six lines, every key of the first format. */
#define IND(code)                                                              \
	"[" code "]\nname = N\nunit = U\ntype = count\nrule = sum\n"           \
	"time = sum\n"
/* Four lines: a count with its defaults. */
#define CNT(code) "[" code "]\nname = N\nunit = U\ntype = count\n"
/* Three lines: an indicator's head, the rest to follow. */
#define SEC(code) "[" code "]\nname = N\nunit = U\n"

/* The message of the last parse. */
static char err[512];

static inline struct dongbo_catalog *parse(const char *text, int *rc)
{
	struct dongbo_catalog *cat = NULL;

	err[0] = '\0';
	*rc = dongbo_catalog_parse("t.ini", text, strlen(text), &cat, err,
				   sizeof(err));
	if (*rc != 0)
		assert_null(cat);
	return cat;
}

static inline struct dongbo_catalog *assert_parses(const char *text)
{
	struct dongbo_catalog *cat;
	int rc;

	cat = parse(text, &rc);
	if (rc != 0)
		fail_msg("refused: %s", err);
	return cat;
}

static inline void assert_refused(const char *text, const char *want)
{
	int rc;

	assert_null(parse(text, &rc));
	assert_int_equal(rc, DONGBO_E_CONFIG);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
}

struct refusal {
	const char *text;
	const char *want; /* "t.ini:LINE: " and a fragment of the reason */
};

static inline void assert_all_refused(const struct refusal *cases, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		assert_null(parse(cases[i].text, &rc));
		if (rc != DONGBO_E_CONFIG || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: rc %d, message '%s' lacks '%s'", i,
				 rc, err, cases[i].want);
	}
}

/* Every kind of section, with references pointing forward. */
static const char full[] =
	"[catalog]\n"					/* 1 */
	"version = 3\n"					/* 2 */
	"title = Danh mục thử\n"			/* 3 */
	"\n"						/* 4 */
	"[ty_le_dung_han]\n"				/* 5 */
	"name = Tỷ lệ hồ sơ giải quyết đúng hạn\n"	/* 6 */
	"unit = %\n"					/* 7 */
	"rule = ratio\n"				/* 8 */
	"numerator = hs_dung_han_ca\n"			/* 9 */
	"denominator = hs_da_giai_quyet\n"		/* 10 */
	"percent = yes\n"				/* 11 */
	"\n"
	"[hs_dung_han_ca]\n"
	"name = Số hồ sơ giải quyết đúng hạn (cả trước hạn)\n"
	"unit = Hồ sơ\n"
	"rule = total\n"
	"parts = hs_truoc_han + hs_dung_han\n"
	"\n"
	"[hs_da_giai_quyet]\n"
	"name = Số hồ sơ đã giải quyết\n"
	"unit = Hồ sơ\n"
	"rule = total\n"
	"parts = hs_dung_han_ca+hs_qua_han\n"
	"type = count\n"
	"\n"
	"[hs_truoc_han]\nname = Trước hạn\nunit = Hồ sơ\ntype = count\n"
	"[hs_dung_han]\nname = Đúng hạn\nunit = Hồ sơ\ntype = count\n"
	"[hs_qua_han]\nname = Quá hạn\nunit = Hồ sơ\ntype = count\n"
	"[hs_nhan_truc_tuyen]\n"
	"name = Số hồ sơ mới tiếp nhận trực tuyến\n"
	"unit = Hồ sơ\n"
	"type = count\n"
	"[hs_ton_ky_truoc]\n"
	"name = Số hồ sơ từ kỳ trước chuyển qua\n"
	"unit = Hồ sơ\n"
	"type = count\n"
	"time = first\n"
	"\n"
	"[muc_do_ket_noi]\n"
	"name = Mức độ kết nối\n"
	"unit = Mức\n"
	"type = enum\n"
	"value.2 = Hoàn thành\n"
	"value.0 = Chưa\n"
	"value.1 = Đang làm\n"
	"\n"
	"[co_khao_sat]\n"
	"name = Có tổ chức khảo sát\n"
	"unit = Có/Không\n"
	"type = bool\n"
	"\n"
	"[co_hop_truc_tuyen]\n"
	"name = Họp trực tuyến\n"
	"unit = -\n"
	"type = bool\n"
	"value.1 = Đã tổ chức\n"
	"rule = none\n"
	"time = none\n"
	"\n"
	"[kinh_phi]\n"
	"name = Kinh phí CCHC\n"
	"unit = Triệu đồng\n"
	"type = money\n"
	"time = last\n"
	"note = Kế hoạch năm\n"
	"\n"
	"[ty_le_so_hoa]\n"
	"min = 0\n"
	"max = 100%\n"
	"name = Tỷ lệ số hóa hồ sơ\n"
	"unit = %\n"
	"type = decimal\n"
	"scale = 2\n"
	"rule = mean\n"
	"time = last\n"
	"\n"
	"[row BNV-BM3 3.1]\n"
	"indicator = ty_le_dung_han\n"
	"level = xa\n"
	"label = Tỷ lệ hồ sơ cấp xã giải quyết đúng hạn\n"
	"\n"
	"[form II.06c]\n"
	"title = Tình hình, kết quả giải quyết TTHC\n"
	"basis = Thông tư 01/2020/TT-VPCP\n"
	"\n"
	"[row II.06c]\n"
	"label = Tiếp nhận\n"
	"[row II.06c 1.1]\n"
	"indicator = hs_nhan_truc_tuyen\n"
	"[row II.06c 1.1]\n"
	"indicator = hs_ton_ky_truoc\n"
	"level = xa\n"
	"unit = HS\n"
	"\n"
	"[form BNV-BM3]\n"
	"title = Biểu mẫu 3\n"
	"\n"
	"[row II.06c 2]\n"
	"indicator = hs_dung_han_ca\n"
	"label =\n"
	"\n"
	"[rule giai_quyet_khong_qua_tiep_nhan]\n"
	"text = Đã giải quyết ≤ tiếp nhận\n"
	"left = hs_da_giai_quyet\n"
	"op = le\n"
	"right = hs_nhan_truc_tuyen + hs_ton_ky_truoc\n"
	"severity = warning\n"
	"\n"
	"[rule dung_han_ca]\n"
	"text = Đúng hạn (cả trước hạn) = trước hạn + đúng hạn\n"
	"left = hs_dung_han_ca\n"
	"op = eq\n"
	"right = hs_truoc_han+ hs_dung_han\n";

#endif
