/*
 * test_store_rules.c -- roll-ups for every rule of the catalog (sum, mean,
 * min, max, count per value, none), periods composed from their parts,
 * conflicts, stated totals and the rebuild after a catalog change.
 *
 * The property test at the end runs a commune, a district and a province
 * store chained through their logs, with random values and corrections
 * for every rule, and checks at every node that each roll-up equals both
 * the store's own from-scratch recomputation (dongbo_store_verify) and an
 * independent model computed here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "period.h"
#include "store_fixture.h"

static const char rules_ini[] =
	"[catalog]\nversion = 1\n"
	"[f_sum]\nname = Luồng\nunit = Hồ sơ\ntype = count\n"
	"rule = sum\ntime = sum\n"
	"[s_last]\nname = Tồn cuối\nunit = Hồ sơ\ntype = count\n"
	"rule = sum\ntime = last\n"
	"[s_first]\nname = Tồn đầu\nunit = Hồ sơ\ntype = count\n"
	"rule = sum\ntime = first\n"
	"[d_mean]\nname = Bình quân\nunit = Điểm\ntype = decimal\n"
	"scale = 2\nrule = mean\ntime = sum\n"
	"[m_min]\nname = Băng thông\nunit = Mbps\ntype = decimal\n"
	"scale = 1\nrule = min\ntime = last\n"
	"[m_max]\nname = Lớn nhất\nunit = Người\ntype = count\n"
	"rule = max\ntime = sum\n"
	"[e_cnt]\nname = LGSP\nunit = Trạng thái\ntype = enum\n"
	"value.0 = Chưa\nvalue.1 = Đang làm\nvalue.2 = Hoàn thành\n"
	"rule = count\ntime = last\n"
	"[n_none]\nname = Danh mục\nunit = Thủ tục\ntype = count\n"
	"rule = none\ntime = none\n";

enum { I_SUM, I_LAST, I_FIRST, I_MEAN, I_MIN, I_MAX, I_ENUM, I_NONE, N_IND };
static const char *const ind_codes[N_IND] = { "f_sum",	"s_last", "s_first",
					      "d_mean", "m_min",  "m_max",
					      "e_cnt",	"n_none" };

static int rules_setup(void **state)
{
	return fx_setup(state, rules_ini);
}

static void no_rollup(struct fx *fx, const char *anchor, const char *ind,
		      const char *period)
{
	struct rollup_seen rs;

	assert_int_equal(rollup(fx, anchor, ind, period, &rs),
			 DONGBO_E_NOTFOUND);
}

static void at_is(struct fx *fx, const char *unit, const char *ind,
		  const char *period, int64_t value, bool composed)
{
	int64_t v = -1;
	bool c = !composed;

	assert_int_equal(dongbo_store_value_at(fx->st, unit, ind, period, &v,
					       &c),
			 0);
	assert_int_equal(v, value);
	assert_int_equal(c, composed);
}

/* ---- Rules across units ---- */

static void min_and_max_stay_exact_when_the_minimum_is_corrected_upward(
	void **state)
{
	struct fx *fx = *state;
	struct rollup_seen rs;

	put(fx, "07201", "m_min", "2024", 40);	/* 4.0 Mbps */
	put(fx, "07207", "m_min", "2024", 40);
	put(fx, "07300", "m_min", "2024", 1000);
	put(fx, "213", "m_min", "2024", 1000);
	assert_int_equal(rollup(fx, "24", "m_min", "2024", &rs), 0);
	assert_int_equal(rs.total.min, 40);
	assert_int_equal(rs.total.max, 1000);

	/* One of the two slowest links is upgraded: still 4.0 from the
	 * other one; then the other too: the minimum moves up to 100.0. */
	put(fx, "07201", "m_min", "2024", 1000);
	assert_int_equal(rollup(fx, "24", "m_min", "2024", &rs), 0);
	assert_int_equal(rs.total.min, 40);
	put(fx, "07207", "m_min", "2024", 1000);
	assert_int_equal(rollup(fx, "24", "m_min", "2024", &rs), 0);
	assert_int_equal(rs.total.min, 1000);
	assert_int_equal(rs.total.max, 1000);
	assert_int_equal(rs.total.count, 4);
	/* By child: 213's subtree holds 07201, 07207 and 213 itself. */
	assert_int_equal(rollup(fx, "213", "m_min", "2024", &rs), 0);
	assert_int_equal(rs.total.min, 1000);
	put(fx, "07207", "m_min", "2024", -5);
	assert_int_equal(rollup(fx, "24", "m_min", "2024", &rs), 0);
	assert_int_equal(rs.total.min, -5);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "huyen", 1000, 1);
	assert_int_equal(rs.part[0].agg.min, 1000);
	verify_ok(fx);
}

struct dist_seen {
	size_t n;
	int64_t value[8], units[8];
};

static int dist_cb(void *arg, int64_t value, int64_t units)
{
	struct dist_seen *d = arg;

	assert_true(d->n < 8);
	d->value[d->n] = value;
	d->units[d->n] = units;
	d->n++;
	return 0;
}

static void count_rule_counts_units_per_value(void **state)
{
	struct fx *fx = *state;
	enum dongbo_part_kind level = DONGBO_PART_LEVEL;
	struct dist_seen d = { 0 };

	put(fx, "07201", "e_cnt", "2024", 2);
	put(fx, "07207", "e_cnt", "2024", 0);
	put(fx, "07300", "e_cnt", "2024", 2);
	put(fx, "213", "e_cnt", "2024", 1);
	assert_int_equal(dongbo_store_rollup_dist(fx->st, "24", "e_cnt", "2024",
						  NULL, NULL, dist_cb, &d),
			 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.value[0], 0);
	assert_int_equal(d.units[0], 1);
	assert_int_equal(d.value[1], 1);
	assert_int_equal(d.units[1], 1);
	assert_int_equal(d.value[2], 2);
	assert_int_equal(d.units[2], 2);

	/* A correction moves a unit from one value to another. */
	put(fx, "07207", "e_cnt", "2024", 2);
	memset(&d, 0, sizeof(d));
	assert_int_equal(dongbo_store_rollup_dist(fx->st, "24", "e_cnt", "2024",
						  &level, "xa", dist_cb, &d),
			 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.value[0], 2);
	assert_int_equal(d.units[0], 3);
	/* Sum-only indicators keep no distribution. */
	assert_int_equal(dongbo_store_rollup_dist(fx->st, "24", "f_sum", "2024",
						  NULL, NULL, dist_cb, &d),
			 DONGBO_E_INVAL);
	verify_ok(fx);
}

/* (format 7) A unit without children keeps no roll-up entry: its roll-up,
 * its distribution and its part in its parent's are its own value. */
static void a_unit_without_children_is_its_own_rollup(void **state)
{
	struct fx *fx = *state;
	enum dongbo_part_kind level = DONGBO_PART_LEVEL;
	enum dongbo_part_kind child = DONGBO_PART_CHILD;
	struct dist_seen d = { 0 };
	struct rollup_seen rs;

	put(fx, "07201", "e_cnt", "2024", 7);
	put(fx, "07207", "e_cnt", "2024", 3);
	assert_int_equal(rollup(fx, "07201", "e_cnt", "2024", &rs), 0);
	assert_int_equal(rs.total.sum, 7);
	assert_int_equal(rs.total.count, 1);
	assert_int_equal(rs.total.min, 7);
	assert_int_equal(rs.total.max, 7);
	assert_int_equal(rs.n, 1);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 7, 1);
	/* Its distribution, as the total or as its level; no other level. */
	assert_int_equal(dongbo_store_rollup_dist(fx->st, "07201", "e_cnt",
						  "2024", NULL, NULL, dist_cb,
						  &d),
			 0);
	assert_int_equal(dongbo_store_rollup_dist(fx->st, "07201", "e_cnt",
						  "2024", &level, "xa",
						  dist_cb, &d),
			 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.value[0], 7);
	assert_int_equal(d.units[0], 1);
	assert_int_equal(d.value[1], 7);
	assert_int_equal(d.units[1], 1);
	assert_int_equal(dongbo_store_rollup_dist(fx->st, "07201", "e_cnt",
						  "2024", &level, "huyen",
						  dist_cb, &d),
			 DONGBO_E_NOTFOUND);
	/* As a part of its district's roll-up. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(dongbo_store_rollup_dist(fx->st, "213", "e_cnt",
						  "2024", &child, "07207",
						  dist_cb, &d),
			 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.value[0], 3);
	/* No value at the period, or none at all: no roll-up. */
	assert_int_equal(rollup(fx, "07201", "e_cnt", "2023", &rs),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(rollup(fx, "07300", "e_cnt", "2024", &rs),
			 DONGBO_E_NOTFOUND);
	verify_ok(fx);
}

static void mean_keeps_sum_and_count(void **state)
{
	struct fx *fx = *state;

	put(fx, "07201", "d_mean", "2024", 9050); /* 90.50 */
	put(fx, "07207", "d_mean", "2024", 8000);
	put(fx, "07300", "d_mean", "2024", -1);
	total_is(fx, "24", "d_mean", "2024", 9050 + 8000 - 1, 3);
	put_tomb(fx, "07300", "d_mean", "2024");
	total_is(fx, "24", "d_mean", "2024", 17050, 2);
	verify_ok(fx);
}

static void rule_none_is_never_added_up(void **state)
{
	struct fx *fx = *state;
	struct rollup_seen rs;

	put(fx, "24", "n_none", "2024", 1604);
	put(fx, "213", "n_none", "2024", 278);
	put(fx, "215", "n_none", "2024", 278);
	assert_int_equal(rollup(fx, "24", "n_none", "2024", &rs),
			 DONGBO_E_INVAL);
	at_is(fx, "213", "n_none", "2024", 278, false);
	assert_int_equal(rollup(fx, "24", "no_such", "2024", &rs),
			 DONGBO_E_INVAL);
	verify_ok(fx);
}

/* ---- Rules across time ---- */

static void flows_compose_from_any_mix_of_parts(void **state)
{
	struct fx *fx = *state;

	/* 07201 reports quarters; 07207 months for Q1 and quarters after;
	 * 07300 only the year. */
	put(fx, "07201", "f_sum", "2024Q1", 10);
	put(fx, "07201", "f_sum", "2024Q2", 20);
	put(fx, "07201", "f_sum", "2024Q3", 30);
	no_rollup(fx, "07201", "f_sum", "2024"); /* Q4 missing */
	put(fx, "07201", "f_sum", "2024Q4", 40);
	at_is(fx, "07201", "f_sum", "2024S1", 30, true);
	at_is(fx, "07201", "f_sum", "2024", 100, true);

	put(fx, "07207", "f_sum", "2024M01", 1);
	put(fx, "07207", "f_sum", "2024M02", 2);
	put(fx, "07207", "f_sum", "2024M03", 3);
	put(fx, "07207", "f_sum", "2024Q2", 4);
	put(fx, "07207", "f_sum", "2024S2", 5);
	at_is(fx, "07207", "f_sum", "2024", 15, true);
	put(fx, "07300", "f_sum", "2024", 1000);

	total_is(fx, "24", "f_sum", "2024", 1115, 3);
	total_is(fx, "213", "f_sum", "2024S1", 30 + 10, 2);
	total_is(fx, "24", "f_sum", "2024Q1", 16, 2);
	/* A month corrected: quarter, half and year follow. */
	put(fx, "07207", "f_sum", "2024M02", 12);
	total_is(fx, "24", "f_sum", "2024Q1", 26, 2);
	total_is(fx, "24", "f_sum", "2024", 1125, 3);
	/* A month retracted: 07207's Q1, S1 and year are no longer whole. */
	put_tomb(fx, "07207", "f_sum", "2024M03");
	total_is(fx, "24", "f_sum", "2024", 1100, 2);
	total_is(fx, "24", "f_sum", "2024Q1", 10, 1);
	verify_ok(fx);
}

static void stocks_take_the_last_part_and_opening_stocks_the_first(void **state)
{
	struct fx *fx = *state;

	put(fx, "07201", "s_last", "2024Q1", 7);
	put(fx, "07201", "s_last", "2024Q2", 9);
	at_is(fx, "07201", "s_last", "2024S1", 9, true);
	no_rollup(fx, "24", "s_last", "2024"); /* no value at year end yet */
	put(fx, "07201", "s_last", "2024M12", 3);
	total_is(fx, "24", "s_last", "2024", 3, 1);
	total_is(fx, "24", "s_last", "2024S2", 3, 1);

	put(fx, "07201", "s_first", "2024M01", 5);
	put(fx, "07201", "s_first", "2024Q2", 8);
	total_is(fx, "24", "s_first", "2024", 5, 1);
	total_is(fx, "24", "s_first", "2024S1", 5, 1);
	no_rollup(fx, "24", "s_first", "2024S2");
	verify_ok(fx);
}

#define CONFLICTS_MAX 256
struct conflicts_seen {
	size_t n;
	char unit[CONFLICTS_MAX][8], period[CONFLICTS_MAX][8];
	int64_t entered[CONFLICTS_MAX], composed[CONFLICTS_MAX];
};

static int conflict_cb(void *arg, const struct dongbo_conflict *c)
{
	struct conflicts_seen *cs = arg;

	assert_true(cs->n < CONFLICTS_MAX);
	snprintf(cs->unit[cs->n], 8, "%s", c->unit);
	snprintf(cs->period[cs->n], 8, "%s", c->period);
	cs->entered[cs->n] = c->entered;
	cs->composed[cs->n] = c->composed;
	cs->n++;
	return 0;
}

static void entered_half_contradicting_its_quarters_is_kept_and_shown(
	void **state)
{
	struct fx *fx = *state;
	static struct conflicts_seen cs;

	memset(&cs, 0, sizeof(cs));
	put(fx, "07201", "f_sum", "2024S1", 100);
	put(fx, "07201", "f_sum", "2024Q1", 40);
	put(fx, "07201", "f_sum", "2024Q2", 50);
	/* The entered figure is used... */
	total_is(fx, "24", "f_sum", "2024S1", 100, 1);
	/* ...and the contradiction is listed with both numbers. */
	assert_int_equal(dongbo_store_conflicts(fx->st, "24", "f_sum", "2024",
						conflict_cb, &cs),
			 0);
	assert_int_equal(cs.n, 1);
	assert_string_equal(cs.unit[0], "07201");
	assert_string_equal(cs.period[0], "2024S1");
	assert_int_equal(cs.entered[0], 100);
	assert_int_equal(cs.composed[0], 90);
	/* Outside the anchor's subtree it is not listed. */
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(dongbo_store_conflicts(fx->st, "215", "f_sum", "2024",
						conflict_cb, &cs),
			 0);
	assert_int_equal(cs.n, 0);
	verify_ok(fx);

	/* Corrected so the parts agree: the conflict is gone. */
	put(fx, "07201", "f_sum", "2024Q2", 60);
	assert_int_equal(dongbo_store_conflicts(fx->st, "24", "f_sum", "2024S1",
						conflict_cb, &cs),
			 0);
	assert_int_equal(cs.n, 0);
	verify_ok(fx);
}

/* ---- Stated totals and catalog changes ---- */

static void stated_total_is_kept_apart_and_never_rolled_up(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r = rec("24", "f_sum", "2022", 690889, 0, 0);
	struct dongbo_value v;

	put(fx, "24", "f_sum", "2022", 264740);
	put(fx, "213", "f_sum", "2022", 85065);
	put(fx, "07201", "f_sum", "2022", 341184);
	r.stated = true;
	assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, 1, NULL), 0);
	total_is(fx, "24", "f_sum", "2022", 690989, 3);
	assert_int_equal(dongbo_store_get(fx->st, "24", "f_sum", "2022", true, &v),
			 0);
	assert_int_equal(v.value, 690889);
	value_is(fx, "24", "f_sum", "2022", 264740, 1);
	assert_int_equal(v.version, 4);
	verify_ok(fx);
}

static int stated_in_log_cb(void *arg, const struct dongbo_record *r)
{
	int *n_stated = arg;

	*n_stated += r->stated;
	return 0;
}

static void stated_flag_travels_in_the_log(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[2] = { rec("24", "f_sum", "2022", 5, 0, 0),
				      rec("24", "f_sum", "2022", 6, 0, 0) };
	int n_stated = 0;

	r[1].stated = true;
	assert_int_equal(dongbo_store_put_local(fx->st, r, 2, 1, NULL), 0);
	assert_int_equal(dongbo_store_log_read(fx->st, 0, 10, stated_in_log_cb,
					       &n_stated, NULL),
			 0);
	assert_int_equal(n_stated, 1);
}

static void new_catalog_version_rebuilds_rollups(void **state)
{
	struct fx *fx = *state;
	struct dongbo_catalog *v2;
	static const char v2_ini[] =
		"[catalog]\nversion = 2\n"
		"[f_sum]\nname = Luồng\nunit = Hồ sơ\ntype = count\n"
		"rule = sum\ntime = none\n"
		"[n_none]\nname = Danh mục\nunit = Thủ tục\ntype = count\n"
		"rule = sum\ntime = last\n";

	put(fx, "07201", "f_sum", "2024Q1", 1);
	put(fx, "07201", "f_sum", "2024Q2", 2);
	put(fx, "213", "n_none", "2024Q4", 278);
	total_is(fx, "24", "f_sum", "2024S1", 3, 1);

	v2 = catalog_from(v2_ini);
	assert_int_equal(dongbo_store_set_catalog(fx->st, v2), 0);
	/* f_sum no longer composes; n_none is now summed and a stock. */
	no_rollup(fx, "24", "f_sum", "2024S1");
	total_is(fx, "24", "f_sum", "2024Q2", 2, 1);
	total_is(fx, "24", "n_none", "2024", 278, 1);
	verify_ok(fx);

	/* The rebuilt roll-ups survive a reopen with the same catalog. */
	dongbo_catalog_free(fx->cat);
	fx->cat = v2;
	fx_reopen(fx, "24", 0);
	total_is(fx, "24", "n_none", "2024", 278, 1);
	verify_ok(fx);
}

static void received_catalog_is_kept_across_reopen(void **state)
{
	struct fx *fx = *state;
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(dongbo_store_catalog_load(fx->st, &text, &len),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(dongbo_store_catalog_save(fx->st, rules_ini,
						   strlen(rules_ini)),
			 0);
	fx_reopen(fx, "24", 0);
	assert_int_equal(dongbo_store_catalog_load(fx->st, &text, &len), 0);
	assert_int_equal(len, strlen(rules_ini));
	assert_memory_equal(text, rules_ini, len);
	free(text);
}

struct values_seen {
	size_t n, n_stated;
};

static int values_cb(void *arg, const struct dongbo_record *r)
{
	struct values_seen *vs = arg;

	vs->n++;
	vs->n_stated += r->stated;
	assert_string_equal(r->period, "2022");
	return 0;
}

static void values_lists_entered_and_stated_within_subtree(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r = rec("213", "f_sum", "2022", 9, 0, 0);
	struct values_seen vs = { 0 };

	put(fx, "07201", "f_sum", "2022", 1);
	put(fx, "07201", "f_sum", "2022Q1", 1);
	put(fx, "07300", "f_sum", "2022", 2);
	put(fx, "213", "f_sum", "2022", 3);
	put_tomb(fx, "07207", "f_sum", "2022");
	r.stated = true;
	assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, 1, NULL), 0);
	assert_int_equal(dongbo_store_values(fx->st, "213", "2022", values_cb,
					     &vs),
			 0);
	assert_int_equal(vs.n, 3);
	assert_int_equal(vs.n_stated, 1);
}

/* ---- Property: random values and corrections at every node ---- */

/* The units of the chain: commune 07201 (own node), district 213 (hosts
 * 213, 07207), province 24 (hosts 24, 215, 07300). */
enum { N_NODES = 3 };
static const char *const node_home[N_NODES] = { "07201", "213", "24" };
static const char *const hosted[N_NODES][3] = {
	{ "07201", NULL, NULL },
	{ "213", "07207", NULL },
	{ "24", "215", "07300" },
};

struct pmodel {
	/* entered value per unit, indicator and period of 2024 */
	bool present[N_UNITS][N_IND][DONGBO_PERIODS_PER_YEAR];
	int64_t value[N_UNITS][N_IND][DONGBO_PERIODS_PER_YEAR];
	struct dongbo_period p[DONGBO_PERIODS_PER_YEAR];
};

static size_t pidx(const struct pmodel *m, const struct dongbo_period *p)
{
	for (size_t i = 0; i < DONGBO_PERIODS_PER_YEAR; i++)
		if (m->p[i].kind == p->kind && m->p[i].index == p->index)
			return i;
	fail_msg("period not in the model");
	return 0;
}

static const struct {
	enum dongbo_time_rule time;
} ind_time[N_IND] = {
	[I_SUM] = { DONGBO_TIME_SUM },	 [I_LAST] = { DONGBO_TIME_LAST },
	[I_FIRST] = { DONGBO_TIME_FIRST }, [I_MEAN] = { DONGBO_TIME_SUM },
	[I_MIN] = { DONGBO_TIME_LAST },	 [I_MAX] = { DONGBO_TIME_SUM },
	[I_ENUM] = { DONGBO_TIME_LAST },	 [I_NONE] = { DONGBO_TIME_NONE },
};

/* The model's own composition, written from the rule's words rather than
 * from the store's code. */
static bool m_eff(const struct pmodel *m, size_t u, size_t i,
		  const struct dongbo_period *p, int64_t *out, bool *conflict,
		  int64_t *composed_out)
{
	struct dongbo_period parts[DONGBO_PERIOD_PARTS_MAX];
	size_t k = pidx(m, p), n;
	bool has_c = false;
	int64_t c = 0, pv;
	bool pc;
	int64_t pco;

	n = ind_time[i].time == DONGBO_TIME_NONE ? 0 :
						   dongbo_period_parts(p, parts);
	if (n > 0 && ind_time[i].time == DONGBO_TIME_SUM) {
		has_c = true;
		for (size_t j = 0; j < n && has_c; j++) {
			if (m_eff(m, u, i, &parts[j], &pv, &pc, &pco))
				c += pv;
			else
				has_c = false;
		}
	} else if (n > 0) {
		has_c = m_eff(m, u, i,
			      ind_time[i].time == DONGBO_TIME_FIRST ?
				      &parts[0] :
				      &parts[n - 1],
			      &c, &pc, &pco);
	}
	*conflict = m->present[u][i][k] && has_c && m->value[u][i][k] != c;
	*composed_out = c;
	if (m->present[u][i][k]) {
		*out = m->value[u][i][k];
		return true;
	}
	*out = c;
	return has_c;
}

struct pnode {
	char dir[80], path[112];
	struct dongbo_store *st;
	uint64_t acked; /* of its log, by its parent */
};

static void pnode_open(struct pnode *n, struct fx *fx, const char *home)
{
	struct dongbo_store_options o = {
		.path = n->path,
		.units = fx->units,
		.catalog = fx->cat,
		.home = dongbo_units_find(fx->units, home),
	};

	assert_int_equal(dongbo_store_open(&o, &n->st), 0);
}

struct batch_buf {
	struct dongbo_record r[64];
	char s[64][3][32];
	size_t n;
	uint64_t last;
};

static int batch_cb(void *arg, const struct dongbo_record *r)
{
	struct batch_buf *b = arg;
	struct dongbo_record *o = &b->r[b->n];

	snprintf(b->s[b->n][0], 32, "%s", r->unit);
	snprintf(b->s[b->n][1], 32, "%s", r->indicator);
	snprintf(b->s[b->n][2], 32, "%s", r->period);
	*o = *r;
	o->unit = b->s[b->n][0];
	o->indicator = b->s[b->n][1];
	o->period = b->s[b->n][2];
	b->last = r->seq;
	b->n++;
	return 0;
}

/* Sends up to max_n records of child's log after its parent's cursor. */
static void sync_step(struct pnode *child, const char *child_unit,
		      struct pnode *parent, size_t max_n)
{
	struct batch_buf b = { .n = 0 };
	uint64_t applied, first = child->acked + 1;

	assert_int_equal(dongbo_store_log_read(child->st, child->acked, max_n,
					       batch_cb, &b, NULL),
			 0);
	if (b.n == 0)
		return;
	if (child->acked == 0) {
		uint64_t cursor;

		assert_int_equal(dongbo_store_child_hello(
					 parent->st, child_unit,
					 dongbo_store_id(child->st), 1, &cursor),
				 0);
		assert_int_equal(cursor, 0);
	}
	assert_int_equal(dongbo_store_apply_child(parent->st, child_unit,
						  dongbo_store_id(child->st),
						  first, b.last, b.r, b.n, NULL,
						  0, 1, &applied, NULL),
			 0);
	assert_int_equal(applied, b.last);
	/* As the uplink does: the acknowledged entries are pruned. */
	assert_int_equal(dongbo_store_uplink_ack(child->st,
						 dongbo_store_id(parent->st),
						 applied, 1, NULL, 0),
			 0);
	child->acked = applied;
}

static void node_verify(struct pnode *n)
{
	char err[512] = "";
	int rc = dongbo_store_verify(n->st, err, sizeof(err));

	if (rc != 0)
		fail_msg("verify %s: %s", n->path, err);
}

/* Compares every roll-up of every anchor within home with the model. */
static void node_check_model(struct pnode *n, const struct pmodel *m,
			     struct fx *fx, const char *home)
{
	const struct dongbo_unit *h = dongbo_units_find(fx->units, home);

	for (size_t a = 0; a < N_UNITS; a++) {
		const struct dongbo_unit *au =
			dongbo_units_find(fx->units, all_units[a]);

		if (!dongbo_unit_is_within(au, h))
			continue;
		for (size_t i = 0; i < N_IND; i++) {
			for (size_t k = 0; k < DONGBO_PERIODS_PER_YEAR; k++) {
				char period[DONGBO_PERIOD_MAX];
				int64_t sum = 0, count = 0, mn = 0, mx = 0;
				struct dongbo_agg got;
				int rc;

				dongbo_period_format(&m->p[k], period);
				for (size_t u = 0; u < N_UNITS; u++) {
					const struct dongbo_unit *uu =
						dongbo_units_find(fx->units,
								  all_units[u]);
					int64_t v, co;
					bool cf;

					if (!dongbo_unit_is_within(uu, au) ||
					    !m_eff(m, u, i, &m->p[k], &v, &cf,
						   &co))
						continue;
					if (i == I_NONE && u == a) {
						int64_t sv;

						assert_int_equal(
							dongbo_store_value_at(
								n->st,
								all_units[u],
								ind_codes[i],
								period, &sv,
								NULL),
							0);
						assert_int_equal(sv, v);
					}
					if (count == 0 || v < mn)
						mn = v;
					if (count == 0 || v > mx)
						mx = v;
					sum += v;
					count++;
				}
				rc = dongbo_store_rollup(n->st, all_units[a],
							 ind_codes[i], period,
							 &got, NULL, NULL);
				if (i == I_NONE) {
					assert_int_equal(rc, DONGBO_E_INVAL);
					continue;
				}
				if (count == 0) {
					if (rc != DONGBO_E_NOTFOUND)
						fail_msg("%s %s/%s/%s: roll-up "
							 "where the model has "
							 "none",
							 home, all_units[a],
							 ind_codes[i], period);
					continue;
				}
				if (rc != 0 || got.sum != sum ||
				    got.count != count ||
				    ((i == I_MIN || i == I_MAX || i == I_ENUM) &&
				     (got.min != mn || got.max != mx)))
					fail_msg("%s %s/%s/%s: rc %d got "
						 "%lld/%lld [%lld,%lld], model "
						 "%lld/%lld [%lld,%lld]",
						 home, all_units[a],
						 ind_codes[i], period, rc,
						 (long long)got.sum,
						 (long long)got.count,
						 (long long)got.min,
						 (long long)got.max,
						 (long long)sum,
						 (long long)count,
						 (long long)mn, (long long)mx);
			}
		}
	}
}

static int64_t random_value(size_t i, uint64_t *seed)
{
	switch (i) {
	case I_ENUM:
		return (int64_t)rnd(seed, 3);
	case I_MEAN:
	case I_MIN:
		return (int64_t)rnd(seed, 2001) - 1000;
	default:
		return (int64_t)rnd(seed, 1000);
	}
}

static void random_values_and_corrections_match_at_every_node(void **state)
{
	struct fx *fx = *state;
	struct pnode nodes[N_NODES];
	struct pmodel *m = calloc(1, sizeof(*m));
	struct dongbo_period year = { .year = 2024,
				      .kind = DONGBO_PERIOD_YEAR };
	uint64_t seed = 0x5eed0003;
	const char *env = getenv("DONGBO_TEST_SEED");

	if (env != NULL)
		seed = strtoull(env, NULL, 0);
	print_message("seed %#" PRIx64 "\n", seed);
	assert_non_null(m);
	dongbo_period_walk(&year, m->p);
	for (size_t n = 0; n < N_NODES; n++) {
		char dir[80];

		snprintf(dir, sizeof(dir), "%s/n%zu", fx->dir, n);
		snprintf(nodes[n].dir, sizeof(nodes[n].dir), "%s", dir);
		snprintf(nodes[n].path, sizeof(nodes[n].path), "%s/store", dir);
		assert_int_equal(mkdir(dir, 0700), 0);
		pnode_open(&nodes[n], fx, node_home[n]);
		nodes[n].acked = 0;
	}

	for (int step = 0; step < 1500; step++) {
		size_t n = rnd(&seed, N_NODES), hs, i, k, u;
		struct dongbo_record r;
		char period[DONGBO_PERIOD_MAX];

		for (hs = 0; hs < 3 && hosted[n][hs] != NULL; hs++)
			;
		u = unit_index(hosted[n][rnd(&seed, hs)]);
		i = rnd(&seed, N_IND);
		/* Favour a few periods so that parts meet and collide. */
		k = rnd(&seed, 4) == 0 ? rnd(&seed, DONGBO_PERIODS_PER_YEAR) :
					 rnd(&seed, 8);
		dongbo_period_format(&m->p[k], period);
		r = rec(all_units[u], ind_codes[i], period,
			random_value(i, &seed), 0, 0);
		r.deleted = rnd(&seed, 8) == 0;
		if (r.deleted)
			r.value = 0;
		assert_int_equal(dongbo_store_put_local(nodes[n].st, &r, 1, 1,
							NULL),
				 0);
		m->present[u][i][k] = !r.deleted;
		m->value[u][i][k] = r.value;

		if (rnd(&seed, 5) == 0)
			sync_step(&nodes[0], "07201", &nodes[1],
				  1 + rnd(&seed, 40));
		if (rnd(&seed, 5) == 0)
			sync_step(&nodes[1], "213", &nodes[2],
				  1 + rnd(&seed, 40));
		if (step % 250 == 249) {
			for (size_t j = 0; j < N_NODES; j++)
				node_verify(&nodes[j]);
		}
	}
	/* Everything up: the province sees the whole model. */
	for (int round = 0; round < 200; round++) {
		sync_step(&nodes[0], "07201", &nodes[1], 64);
		sync_step(&nodes[1], "213", &nodes[2], 64);
	}
	for (size_t j = 0; j < N_NODES; j++) {
		node_verify(&nodes[j]);
		node_check_model(&nodes[j], m, fx, node_home[j]);
	}

	/* Conflicts at the province equal the model's. */
	for (size_t i = 0; i < N_IND; i++) {
		static struct conflicts_seen cs;
		size_t want = 0;

		for (size_t u = 0; u < N_UNITS; u++)
			for (size_t k = 0; k < DONGBO_PERIODS_PER_YEAR; k++) {
				int64_t v, co;
				bool cf;

				m_eff(m, u, i, &m->p[k], &v, &cf, &co);
				want += cf;
			}
		memset(&cs, 0, sizeof(cs));
		assert_int_equal(dongbo_store_conflicts(nodes[2].st, "24",
							ind_codes[i], "2024",
							conflict_cb, &cs),
				 0);
		assert_int_equal(cs.n, want);
	}
	for (size_t j = 0; j < N_NODES; j++)
		dongbo_store_close(nodes[j].st);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, rules_setup, teardown)
		T(min_and_max_stay_exact_when_the_minimum_is_corrected_upward),
		T(count_rule_counts_units_per_value),
		T(a_unit_without_children_is_its_own_rollup),
		T(mean_keeps_sum_and_count),
		T(rule_none_is_never_added_up),
		T(flows_compose_from_any_mix_of_parts),
		T(stocks_take_the_last_part_and_opening_stocks_the_first),
		T(entered_half_contradicting_its_quarters_is_kept_and_shown),
		T(stated_total_is_kept_apart_and_never_rolled_up),
		T(stated_flag_travels_in_the_log),
		T(new_catalog_version_rebuilds_rollups),
		T(received_catalog_is_kept_across_reopen),
		T(values_lists_entered_and_stated_within_subtree),
		T(random_values_and_corrections_match_at_every_node),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
