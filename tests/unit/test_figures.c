/*
 * test_figures.c -- daemon/figures.c and daemon/check.c against a real
 * store (tests/unit/store_fixture.c: province 24, districts 213 and 215,
 * communes 07201 and 07207 under 213, 07300 under 215) and a small catalog
 * parsed by the real parser.
 *
 * The expectations are worked out by hand in each case: a ratio by level
 * is Σnumerator / Σdenominator of that level (not a mean of the units'
 * rates), a total is the sum of its parts, a figure with rule none is
 * never added up, and "nothing reported", "0" and "0/0" read differently.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "figures.h"
#include "store_fixture.h"

static const char figures_ini[] =
	"[catalog]\nversion = 1\n"
	"[nhan]\nname = Tiếp nhận\nunit = Hồ sơ\ntype = count\n"
	"[moi]\nname = Mới tiếp nhận\nunit = Hồ sơ\ntype = count\n"
	"[ton]\nname = Kỳ trước chuyển qua\nunit = Hồ sơ\ntype = count\n"
	"time = first\n"
	"[gq]\nname = Đã giải quyết\nunit = Hồ sơ\ntype = count\n"
	"[truoc]\nname = Trước hạn\nunit = Hồ sơ\ntype = count\n"
	"[dung]\nname = Đúng hạn\nunit = Hồ sơ\ntype = count\n"
	"[dung_ca]\nname = Đúng hạn (cả trước hạn)\nunit = Hồ sơ\n"
	"type = count\nrule = total\nparts = truoc + dung\n"
	"[tong_ba]\nname = Ba phần\nunit = Hồ sơ\ntype = count\n"
	"rule = total\nparts = dung_ca + gq\n"
	"[ty_le]\nname = Tỷ lệ đúng hạn\nunit = %\nrule = ratio\n"
	"numerator = dung_ca\ndenominator = gq\npercent = yes\n"
	"[ty_le_ba]\nname = Tỷ lệ ba phần\nunit = %\nrule = ratio\n"
	"numerator = tong_ba\ndenominator = gq\npercent = yes\n"
	"[tthc]\nname = Số TTHC\nunit = Thủ tục\ntype = count\n"
	"rule = none\ntime = last\n"
	"[diem]\nname = Điểm\nunit = Điểm\ntype = decimal\nscale = 1\n"
	"rule = mean\ntime = last\n"
	"[bang_thong]\nname = Băng thông\nunit = Mbps\ntype = decimal\n"
	"scale = 1\nrule = min\ntime = last\n"
	"[can_bo]\nname = Cán bộ\nunit = Người\ntype = count\n"
	"rule = max\ntime = last\n"
	"[lgsp]\nname = LGSP\nunit = Trạng thái\ntype = enum\n"
	"value.0 = Chưa\nvalue.1 = Đang làm\nvalue.2 = Hoàn thành\n"
	"[rule nhan_moi_ton]\ntext = Tiếp nhận = mới + kỳ trước\n"
	"left = nhan\nop = eq\nright = moi + ton\n"
	"[rule gq_nhan]\ntext = Đã giải quyết không quá tiếp nhận\n"
	"left = gq\nop = le\nright = nhan\nseverity = warning\n";

static int figures_setup(void **state)
{
	return fx_setup(state, figures_ini);
}

static const struct dongbo_indicator *ind(struct fx *fx, const char *code)
{
	const struct dongbo_indicator *i = dongbo_catalog_find(fx->cat, code);

	assert_non_null(i);
	return i;
}

static const struct dongbo_unit *unit(struct fx *fx, const char *code)
{
	const struct dongbo_unit *u = dongbo_units_find(fx->units, code);

	assert_non_null(u);
	return u;
}

static void eval(struct fx *fx, const char *code, const char *anchor,
		 const char *period, const char *level, bool parts,
		 struct dongbo_figures *f)
{
	int rv = dongbo_figures_eval(fx->st, ind(fx, code), unit(fx, anchor),
				     period, level, parts, f);

	if (rv != 0)
		fail_msg("eval %s at %s %s: %s", code, anchor, period,
			 dongbo_strerror(rv));
}

/* The figure as ind shows it in style. */
static const char *text(struct fx *fx, const char *code,
			const struct dongbo_figure *fig,
			enum dongbo_format_style style)
{
	static char buf[256];

	assert_true(dongbo_figure_format(ind(fx, code), fig, style, buf,
					 sizeof(buf)) >= 0);
	return buf;
}

static const struct dongbo_figure *part(const struct dongbo_figures *f,
					enum dongbo_part_kind kind,
					const char *key)
{
	for (size_t i = 0; i < f->n_parts; i++)
		if (f->parts[i].kind == kind && strcmp(f->parts[i].key, key) == 0)
			return &f->parts[i].fig;
	fail_msg("no part %s", key);
	return NULL;
}

/* ---- figures ---- */

static void ratio_by_level_is_sum_over_sum_not_mean_of_rates(void **state)
{
	struct fx *fx = *state;
	struct dongbo_figures f;
	const struct dongbo_figure *xa;

	/* Communes: 99/100 and 1/2 on time, i.e. 99 % and 50 %.  Their mean
	 * would be 74,5 %; the commune level resolved 100 of 102 on time. */
	put(fx, "07201", "dung", "2022", 99);
	put(fx, "07201", "gq", "2022", 100);
	put(fx, "07207", "dung", "2022", 1);
	put(fx, "07207", "gq", "2022", 2);
	/* The province itself: 6 early + 4 on time of 10. */
	put(fx, "24", "truoc", "2022", 6);
	put(fx, "24", "dung", "2022", 4);
	put(fx, "24", "gq", "2022", 10);

	eval(fx, "ty_le", "24", "2022", NULL, true, &f);
	assert_true(f.total.found);
	assert_int_equal(f.total.num, 110);
	assert_int_equal(f.total.den, 112);
	assert_string_equal(text(fx, "ty_le", &f.total, DONGBO_FORMAT_PLAIN),
			    "98.21");
	assert_string_equal(text(fx, "ty_le", &f.total, DONGBO_FORMAT_VI),
			    "98,21");
	xa = part(&f, DONGBO_PART_LEVEL, "xa");
	assert_int_equal(xa->num, 100);
	assert_int_equal(xa->den, 102);
	assert_string_equal(text(fx, "ty_le", xa, DONGBO_FORMAT_PLAIN), "98.04");
	assert_string_equal(text(fx, "ty_le", part(&f, DONGBO_PART_LEVEL,
						   "tinh"),
				 DONGBO_FORMAT_PLAIN),
			    "100.00");
	assert_string_equal(text(fx, "ty_le", part(&f, DONGBO_PART_CHILD, "213"),
				 DONGBO_FORMAT_PLAIN),
			    "98.04");
	/* Levels first, then children, each in key order. */
	assert_int_equal(f.n_parts, 3);
	assert_int_equal(f.parts[0].kind, DONGBO_PART_LEVEL);
	assert_string_equal(f.parts[2].key, "213");
	dongbo_figures_fini(&f);

	/* One level only: the form row "cấp xã". */
	eval(fx, "ty_le", "24", "2022", "xa", false, &f);
	assert_int_equal(f.total.num, 100);
	assert_int_equal(f.total.den, 102);
	assert_int_equal(f.n_parts, 0);
	dongbo_figures_fini(&f);
}

static void total_is_the_sum_of_its_parts_recursively(void **state)
{
	struct fx *fx = *state;
	struct dongbo_figures f;

	put(fx, "07201", "truoc", "2022", 5);
	put(fx, "07201", "dung", "2022", 7);
	put(fx, "07300", "dung", "2022", 11);
	put(fx, "07300", "gq", "2022", 20);

	eval(fx, "dung_ca", "24", "2022", NULL, true, &f);
	assert_true(f.total.found);
	assert_int_equal(f.total.value, 5 + 7 + 11);
	assert_int_equal(part(&f, DONGBO_PART_CHILD, "213")->value, 12);
	assert_int_equal(part(&f, DONGBO_PART_CHILD, "215")->value, 11);
	dongbo_figures_fini(&f);

	/* A total of a total and a sum. */
	eval(fx, "tong_ba", "24", "2022", NULL, true, &f);
	assert_int_equal(f.total.value, 5 + 7 + 11 + 20);
	assert_int_equal(part(&f, DONGBO_PART_CHILD, "215")->value, 31);
	assert_int_equal(part(&f, DONGBO_PART_LEVEL, "xa")->value, 43);
	assert_string_equal(text(fx, "tong_ba", &f.total, DONGBO_FORMAT_PLAIN),
			    "43");
	dongbo_figures_fini(&f);

	/* Own value of a total: Σ of the unit's own parts only. */
	{
		int64_t v = 0;
		bool found = false;

		assert_int_equal(dongbo_figures_own(fx->st, ind(fx, "dung_ca"),
						    unit(fx, "07201"), "2022",
						    &v, &found),
				 0);
		assert_true(found);
		assert_int_equal(v, 12);
		assert_int_equal(dongbo_figures_own(fx->st, ind(fx, "dung_ca"),
						    unit(fx, "213"), "2022",
						    &v, &found),
				 0);
		assert_false(found);
	}
}

static void none_is_the_anchors_own_value_never_added(void **state)
{
	struct fx *fx = *state;
	struct dongbo_figures f;

	put(fx, "24", "tthc", "2022", 1604);
	put(fx, "213", "tthc", "2022", 278);
	put(fx, "215", "tthc", "2022", 278);

	eval(fx, "tthc", "24", "2022", NULL, true, &f);
	assert_true(f.total.found);
	assert_int_equal(f.total.value, 1604);
	/* Each child alone, not 278 + 278 anywhere. */
	assert_int_equal(f.n_parts, 2);
	assert_int_equal(part(&f, DONGBO_PART_CHILD, "213")->value, 278);
	assert_int_equal(part(&f, DONGBO_PART_CHILD, "215")->value, 278);
	assert_string_equal(text(fx, "tthc", &f.total, DONGBO_FORMAT_VI),
			    "1.604");
	dongbo_figures_fini(&f);

	/* A district level row of the province's form: not a sum of
	 * districts, and the province is no district. */
	eval(fx, "tthc", "24", "2022", "huyen", false, &f);
	assert_false(f.total.found);
	dongbo_figures_fini(&f);
	eval(fx, "tthc", "213", "2022", "huyen", false, &f);
	assert_int_equal(f.total.value, 278);
	dongbo_figures_fini(&f);
	eval(fx, "tthc", "07201", "2022", NULL, true, &f);
	assert_false(f.total.found);
	dongbo_figures_fini(&f);
}

static void blank_zero_and_na_read_differently(void **state)
{
	struct fx *fx = *state;
	struct dongbo_figures f;

	/* Nothing reported: blank, for a sum and for a ratio. */
	eval(fx, "gq", "24", "2022", NULL, true, &f);
	assert_false(f.total.found);
	assert_string_equal(text(fx, "gq", &f.total, DONGBO_FORMAT_VI), "");
	dongbo_figures_fini(&f);
	eval(fx, "ty_le", "24", "2022", NULL, true, &f);
	assert_false(f.total.found);
	assert_int_equal(f.n_parts, 0);
	assert_string_equal(text(fx, "ty_le", &f.total, DONGBO_FORMAT_VI), "");
	dongbo_figures_fini(&f);

	/* 0 reported: 0, and 0 of 0 is not 100 %. */
	put(fx, "07300", "gq", "2022", 0);
	put(fx, "07300", "dung", "2022", 0);
	eval(fx, "gq", "24", "2022", NULL, false, &f);
	assert_true(f.total.found);
	assert_string_equal(text(fx, "gq", &f.total, DONGBO_FORMAT_VI), "0");
	dongbo_figures_fini(&f);
	eval(fx, "ty_le", "24", "2022", NULL, false, &f);
	assert_true(f.total.found && f.total.has_num && f.total.has_den);
	assert_string_equal(text(fx, "ty_le", &f.total, DONGBO_FORMAT_PLAIN),
			    "n/a");
	dongbo_figures_fini(&f);

	/* Only the numerator reported: a rate over nothing, n/a too. */
	put(fx, "07201", "truoc", "2022", 3);
	eval(fx, "ty_le", "213", "2022", NULL, false, &f);
	assert_true(f.total.found && f.total.has_num && !f.total.has_den);
	assert_string_equal(text(fx, "ty_le", &f.total, DONGBO_FORMAT_VI),
			    "n/a");
	dongbo_figures_fini(&f);
}

static void mean_min_max_and_count_per_value(void **state)
{
	struct fx *fx = *state;
	struct dongbo_figures f;

	/* Scores 1,0 + 2,0 + 4,0 over three units: mean 2,3 (7/3). */
	put(fx, "07201", "diem", "2022", 10);
	put(fx, "07207", "diem", "2022", 20);
	put(fx, "07300", "diem", "2022", 40);
	eval(fx, "diem", "24", "2022", NULL, true, &f);
	assert_int_equal(f.total.value, 70);
	assert_int_equal(f.total.count, 3);
	assert_string_equal(text(fx, "diem", &f.total, DONGBO_FORMAT_VI), "2,3");
	assert_string_equal(text(fx, "diem", part(&f, DONGBO_PART_CHILD, "213"),
				 DONGBO_FORMAT_PLAIN),
			    "1.5");
	dongbo_figures_fini(&f);

	put(fx, "07201", "bang_thong", "2022", 40);
	put(fx, "07207", "bang_thong", "2022", 1000);
	put(fx, "24", "bang_thong", "2022", 10000);
	eval(fx, "bang_thong", "24", "2022", NULL, true, &f);
	assert_string_equal(text(fx, "bang_thong", &f.total, DONGBO_FORMAT_VI),
			    "4,0");
	assert_string_equal(text(fx, "bang_thong", part(&f, DONGBO_PART_LEVEL,
							"tinh"),
				 DONGBO_FORMAT_VI),
			    "1.000,0");
	dongbo_figures_fini(&f);

	put(fx, "213", "can_bo", "2022", 85);
	put(fx, "215", "can_bo", "2022", 81);
	eval(fx, "can_bo", "24", "2022", NULL, false, &f);
	assert_int_equal(f.total.value, 85);
	dongbo_figures_fini(&f);

	put(fx, "24", "lgsp", "2022", 2);
	put(fx, "213", "lgsp", "2022", 2);
	put(fx, "215", "lgsp", "2022", 0);
	eval(fx, "lgsp", "24", "2022", NULL, true, &f);
	assert_int_equal(f.total.n_dist, 2);
	assert_int_equal(f.total.dist[0].value, 0);
	assert_int_equal(f.total.dist[0].units, 1);
	assert_int_equal(f.total.dist[1].value, 2);
	assert_int_equal(f.total.dist[1].units, 2);
	assert_string_equal(text(fx, "lgsp", &f.total, DONGBO_FORMAT_VI),
			    "Chưa: 1; Hoàn thành: 2");
	assert_string_equal(text(fx, "lgsp", &f.total, DONGBO_FORMAT_PLAIN),
			    "0=1;2=2");
	/* One unit alone shows its value. */
	assert_string_equal(text(fx, "lgsp", part(&f, DONGBO_PART_LEVEL, "tinh"),
				 DONGBO_FORMAT_VI),
			    "Hoàn thành");
	dongbo_figures_fini(&f);
	eval(fx, "lgsp", "24", "2022", "huyen", false, &f);
	assert_string_equal(text(fx, "lgsp", &f.total, DONGBO_FORMAT_VI),
			    "Chưa: 1; Hoàn thành: 1");
	dongbo_figures_fini(&f);
}

static void ratio_of_a_composed_period_is_recomputed(void **state)
{
	struct fx *fx = *state;
	struct dongbo_figures f;

	/* Q1 1 of 2, Q2 3 of 4: the half-year is 4 of 6, not the mean of
	 * 50 % and 75 %. */
	put(fx, "07201", "dung", "2022Q1", 1);
	put(fx, "07201", "gq", "2022Q1", 2);
	put(fx, "07201", "dung", "2022Q2", 3);
	put(fx, "07201", "gq", "2022Q2", 4);
	eval(fx, "ty_le", "24", "2022S1", NULL, true, &f);
	assert_int_equal(f.total.num, 4);
	assert_int_equal(f.total.den, 6);
	assert_string_equal(text(fx, "ty_le", &f.total, DONGBO_FORMAT_PLAIN),
			    "66.67");
	dongbo_figures_fini(&f);
}

struct seen_conflicts {
	size_t n;
	char what[8][64];
};

static int conflict_seen_cb(void *arg, const struct dongbo_indicator *i,
			    const struct dongbo_conflict *c)
{
	struct seen_conflicts *s = arg;

	assert_true(s->n < 8);
	snprintf(s->what[s->n++], sizeof(s->what[0]), "%s %s %s %" PRId64
		 "/%" PRId64, i->code, c->unit, c->period, c->entered,
		 c->composed);
	return 0;
}

static void conflicts_behind_a_ratio_are_listed_once_each(void **state)
{
	struct fx *fx = *state;
	struct seen_conflicts s = { 0 };

	put(fx, "07201", "gq", "2022S1", 100);
	put(fx, "07201", "gq", "2022Q1", 40);
	put(fx, "07201", "gq", "2022Q2", 50);
	put(fx, "07207", "dung", "2022Q1", 1);
	/* ty_le_ba stands on gq twice: in its numerator (tong_ba = truoc +
	 * dung + gq) and as its denominator.  The conflict comes once. */
	assert_int_equal(dongbo_figures_conflicts(fx->st, ind(fx, "ty_le_ba"),
						  unit(fx, "24"), "2022",
						  conflict_seen_cb, &s),
			 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.what[0], "gq 07201 2022S1 100/90");
}

/* ---- check ---- */

struct seen_check {
	struct sbuf sb;
	size_t n_violations, n_stated, n_conflicts;
};

static int violation_cb(void *arg, const struct dongbo_check_violation *v)
{
	struct seen_check *s = arg;

	s->n_violations++;
	sb_add(&s->sb, "%s %s %s %" PRId64 " %" PRId64 "\n", v->unit->code,
	       v->scope == DONGBO_CHECK_OWN ? "own" : "subtree", v->rule->code,
	       v->left, v->right);
	return 0;
}

static int stated_cb(void *arg, const struct dongbo_check_stated *st)
{
	struct seen_check *s = arg;

	s->n_stated++;
	sb_add(&s->sb, "stated %s %s %s %" PRId64 " %s%" PRId64 "\n",
	       st->unit->code, st->ind->code, st->period, st->stated,
	       st->has_computed ? "" : "none ", st->computed);
	return 0;
}

static int check_conflict_cb(void *arg, const struct dongbo_indicator *i,
			     const struct dongbo_conflict *c)
{
	struct seen_check *s = arg;

	s->n_conflicts++;
	sb_add(&s->sb, "conflict %s %s %s\n", i->code, c->unit, c->period);
	return 0;
}

static size_t run_check(struct fx *fx, const char *anchor, const char *period,
			struct seen_check *s)
{
	struct dongbo_check_cbs cbs = { violation_cb, stated_cb,
					check_conflict_cb, s };
	size_t checked = 0;
	int rv;

	memset(s, 0, sizeof(*s));
	rv = dongbo_check_run(fx->st, fx->cat, unit(fx, anchor), period, &cbs,
			      &checked);
	if (rv != 0)
		fail_msg("check: %s", dongbo_strerror(rv));
	return checked;
}

static void check_finds_rules_stated_totals_and_conflicts(void **state)
{
	struct fx *fx = *state;
	struct seen_check s;
	size_t checked;

	/* 07201 adds up; 07207 does not (10 != 6 + 3); 07300 has no "ton",
	 * so its identity is not evaluated; it resolved more than it
	 * received, a warning. */
	put(fx, "07201", "nhan", "2022", 12);
	put(fx, "07201", "moi", "2022", 10);
	put(fx, "07201", "ton", "2022", 2);
	put(fx, "07207", "nhan", "2022", 10);
	put(fx, "07207", "moi", "2022", 6);
	put(fx, "07207", "ton", "2022", 3);
	put(fx, "07300", "nhan", "2022", 5);
	put(fx, "07300", "moi", "2022", 5);
	put(fx, "07300", "gq", "2022", 6);
	/* The province states 30 received; its units give 27. */
	put_as(fx, "24", "nhan", "2022", 30, true);
	/* 215 states what its commune gives. */
	put_as(fx, "215", "nhan", "2022", 5, true);
	/* A half-year that contradicts its quarters. */
	put(fx, "07300", "moi", "2022S1", 4);
	put(fx, "07300", "moi", "2022Q1", 1);
	put(fx, "07300", "moi", "2022Q2", 2);

	checked = run_check(fx, "24", "2022", &s);
	/* 24, 213, 215 (units below have values) and the three communes. */
	assert_int_equal(checked, 6);
	assert_int_equal(s.n_violations, 5);
	assert_int_equal(s.n_stated, 2);
	assert_int_equal(s.n_conflicts, 1);
	/* Depth first from 24, each unit's own values before its subtree.
	 * A subtree's sides add what its units have: 24's 27 received
	 * against 21 new + 5 carried over (07300 gave no "ton"). */
	assert_non_null(strstr(s.sb.p, "24 subtree nhan_moi_ton 27 26\n"
				       "213 subtree nhan_moi_ton 22 21\n"
				       "07207 own nhan_moi_ton 10 9\n"
				       "215 subtree gq_nhan 6 5\n"
				       "07300 own gq_nhan 6 5\n"));
	/* Then the stated totals (in the store's key order), then the
	 * conflicts. */
	assert_non_null(strstr(s.sb.p, "stated 24 nhan 2022 30 27\n"));
	assert_non_null(strstr(s.sb.p, "stated 215 nhan 2022 5 5\n"));
	assert_non_null(strstr(s.sb.p, "\nconflict moi 07300 2022S1\n"));
	assert_true(strstr(s.sb.p, "conflict") > strstr(s.sb.p, "stated 24"));
	free(s.sb.p);

	/* Only 213's subtree: 07300 and the stated totals are outside. */
	checked = run_check(fx, "213", "2022", &s);
	assert_int_equal(checked, 3);
	assert_string_equal(s.sb.p, "213 subtree nhan_moi_ton 22 21\n"
				    "07207 own nhan_moi_ton 10 9\n");
	free(s.sb.p);
}

static void check_skips_units_without_values_in_the_period(void **state)
{
	struct fx *fx = *state;
	struct seen_check s;

	put(fx, "07207", "nhan", "2021", 10);
	put(fx, "07207", "moi", "2021", 1);
	put(fx, "07207", "ton", "2021", 1);
	assert_int_equal(run_check(fx, "24", "2022", &s), 0);
	assert_null(s.sb.p);
	/* A value for a quarter inside the year makes the unit one with
	 * values in 2022: it is checked, though its rule has nothing to
	 * compare (2022 cannot be composed of one quarter). */
	put(fx, "07207", "moi", "2022Q1", 1);
	assert_int_equal(run_check(fx, "24", "2022", &s), 3);
	assert_null(s.sb.p);
	/* Asking for the quarter itself. */
	put(fx, "07207", "nhan", "2022Q1", 3);
	put(fx, "07207", "ton", "2022Q1", 1);
	assert_int_equal(run_check(fx, "213", "2022Q1", &s), 2);
	assert_string_equal(s.sb.p, "213 subtree nhan_moi_ton 3 2\n"
				    "07207 own nhan_moi_ton 3 2\n");
	free(s.sb.p);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, figures_setup, teardown)
	const struct CMUnitTest tests[] = {
		T(ratio_by_level_is_sum_over_sum_not_mean_of_rates),
		T(total_is_the_sum_of_its_parts_recursively),
		T(none_is_the_anchors_own_value_never_added),
		T(blank_zero_and_na_read_differently),
		T(mean_min_max_and_count_per_value),
		T(ratio_of_a_composed_period_is_recomputed),
		T(conflicts_behind_a_ratio_are_listed_once_each),
		T(check_finds_rules_stated_totals_and_conflicts),
		T(check_skips_units_without_values_in_the_period),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
