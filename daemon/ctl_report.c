/*
 * ctl_report.c -- rollup, report and check requests from the CLI.
 *
 * rollup: one indicator's figure over a subtree for any period, by level
 * and by child, as its rule computes it (figures.h), with the time
 * conflicts behind it.
 * report: every row of a form evaluated in one request -- a heading has no
 * value, a row with a level is evaluated over that level's units only.
 * check: the catalog's rules, the stated totals and the time conflicts of
 * a subtree (check.h), with the numbers on both sides.
 *
 * Every figure travels both as plain text (files, JSON) and as the printed
 * reports write it, formatted here by the catalog the node runs, so the
 * CLI needs no catalog.  A figure nobody reported travels with found =
 * false and is shown blank.
 *
 * Failure modes: bad arguments get the matching DONGBO_E_* code and a
 * message quoting the value (an unknown form lists the forms there are);
 * store errors are logged and passed on with their code.  Nothing is
 * written: these requests only read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctl.h"
#include "error.h"
#include "figures.h"
#include "log.h"
#include "util.h"

/* Room for a value's text: an int64 with sign, point and grouping fits in
 * 32 bytes; an enum label or a distribution may be longer (then sized). */
#define TEXT_MAX 256

/* Reply memory for whatever a callback collects, counted before use. */
struct ptrs {
	void **v;
	size_t n, cap;
};

static int ptrs_add(struct ptrs *p, void *item)
{
	void **v = dongbo_grow(p->v, &p->cap, p->n, sizeof(*v), 16);

	if (v == NULL)
		return DONGBO_E_NOMEM;
	p->v = v;
	p->v[p->n++] = item;
	return 0;
}

/* Hands the array to the reply (freed after packing); false when out of
 * memory (r is failed then). */
static bool ptrs_give(struct ctl_reply *r, struct ptrs *p)
{
	bool ok = ctl_own(r, p->v);

	p->v = NULL;
	p->cap = 0;
	return ok;
}

static void store_failed(struct ctl_reply *r, const char *what, int rv)
{
	dongbo_log_error("ctl: %s: %s", what, dongbo_strerror(rv));
	ctl_fail(r, rv, "%s: %s", what, dongbo_strerror(rv));
}

/* ---- values and figures as messages ---- */

/* fig as ind's rule shows it, in style, in reply memory. */
static char *figure_text(struct ctl_reply *r,
			 const struct dongbo_indicator *ind,
			 const struct dongbo_figure *fig,
			 enum dongbo_format_style style)
{
	char buf[TEXT_MAX];
	char *big;
	int n = dongbo_figure_format(ind, fig, style, buf, sizeof(buf));

	if (n < 0) {
		ctl_fail(r, n, "%s: %s", ind->code, dongbo_strerror(n));
		return NULL;
	}
	if ((size_t)n < sizeof(buf))
		return ctl_strdup(r, buf);
	if ((big = ctl_alloc(r, (size_t)n + 1, 1)) != NULL)
		dongbo_figure_format(ind, fig, style, big, (size_t)n + 1);
	return big;
}

static Dongbo__Figure *figure_new(struct ctl_reply *r,
				  const struct dongbo_indicator *ind,
				  const struct dongbo_figure *fig)
{
	Dongbo__Figure *m = ctl_alloc(r, 1, sizeof(*m));

	if (m == NULL)
		return NULL;
	dongbo__figure__init(m);
	m->found = fig->found;
	m->value = fig->value;
	m->count = fig->count;
	if ((m->plain = figure_text(r, ind, fig, DONGBO_FORMAT_PLAIN)) == NULL ||
	    (m->text = figure_text(r, ind, fig, DONGBO_FORMAT_VI)) == NULL)
		return NULL;
	if (fig->has_num &&
	    (m->numerator = ctl_shown_new(r, ind->numerator, fig->num)) == NULL)
		return NULL;
	if (fig->has_den && (m->denominator = ctl_shown_new(r, ind->denominator,
							    fig->den)) == NULL)
		return NULL;
	if (ind->rule == DONGBO_RULE_MEAN && fig->found &&
	    (m->sum = ctl_shown_new(r, ind, fig->value)) == NULL)
		return NULL;
	if (fig->n_dist > 0) {
		Dongbo__Bucket *b = ctl_alloc(r, fig->n_dist, sizeof(*b));

		m->distribution = ctl_alloc(r, fig->n_dist, sizeof(*b));
		if (b == NULL || m->distribution == NULL)
			return NULL;
		for (size_t i = 0; i < fig->n_dist; i++) {
			const char *label =
				dongbo_indicator_label(ind, fig->dist[i].value);

			dongbo__bucket__init(&b[i]);
			b[i].value = fig->dist[i].value;
			b[i].units = fig->dist[i].units;
			b[i].label = (char *)(label != NULL ? label : "");
			m->distribution[i] = &b[i];
		}
		m->n_distribution = fig->n_dist;
	}
	return m;
}

static Dongbo__UnitInfo *unit_new(struct ctl_reply *r,
				  const struct dongbo_unit *u)
{
	Dongbo__UnitInfo *ui = ctl_alloc(r, 1, sizeof(*ui));

	if (ui != NULL)
		ctl_unit_info(ui, u);
	return ui;
}

/* ---- conflicts ---- */

struct conflicts {
	struct dongbo_node *node;
	struct ctl_reply *r;
	struct ptrs list; /* Dongbo__Conflict * */
};

static int conflict_cb(void *arg, const struct dongbo_indicator *ind,
		       const struct dongbo_conflict *c)
{
	struct conflicts *cs = arg;
	const struct dongbo_unit *u = dongbo_units_find(cs->node->units,
							c->unit);
	Dongbo__Conflict *m;

	if (u == NULL)
		return 0; /* no longer in the unit list */
	/* Several rows (or a ratio and its parts) may stand on one stored
	 * indicator: list each conflict once. */
	for (size_t i = 0; i < cs->list.n; i++) {
		const Dongbo__Conflict *o = cs->list.v[i];

		if (strcmp(o->indicator, ind->code) == 0 &&
		    strcmp(o->unit->code, u->code) == 0 &&
		    strcmp(o->period, c->period) == 0)
			return 0;
	}
	/* c's strings are borrowed from the store: copy them. */
	if ((m = ctl_alloc(cs->r, 1, sizeof(*m))) == NULL)
		return DONGBO_E_NOMEM;
	dongbo__conflict__init(m);
	m->unit = unit_new(cs->r, u);
	m->indicator = (char *)ind->code;
	m->period = ctl_strdup(cs->r, c->period);
	m->entered = ctl_shown_new(cs->r, ind, c->entered);
	m->composed = ctl_shown_new(cs->r, ind, c->composed);
	if (m->unit == NULL || m->period == NULL || m->entered == NULL ||
	    m->composed == NULL)
		return DONGBO_E_NOMEM;
	return ptrs_add(&cs->list, m);
}

/* ---- rollup ---- */

/* Levels top-down (tinh, huyen, xa): the order of the unit list. */
static void sort_levels(struct dongbo_node *node, Dongbo__Part **v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		Dongbo__Part *p = v[i];
		size_t rank = dongbo_node_level_rank(node, p->key);
		size_t j = i;

		while (j > 0 && dongbo_node_level_rank(node, v[j - 1]->key) > rank) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = p;
	}
}

static Dongbo__Part *part_new(struct dongbo_node *node, struct ctl_reply *r,
			      const struct dongbo_indicator *ind,
			      const struct dongbo_figure_part *fp)
{
	Dongbo__Part *p = ctl_alloc(r, 1, sizeof(*p));

	if (p == NULL)
		return NULL;
	dongbo__part__init(p);
	if ((p->key = ctl_strdup(r, fp->key)) == NULL)
		return NULL;
	if (fp->kind == DONGBO_PART_CHILD) {
		const struct dongbo_unit *c = dongbo_units_find(node->units,
								fp->key);

		p->name = (char *)(c != NULL ? c->name : "");
	}
	p->value = fp->fig.value;
	p->count = fp->fig.count;
	p->figure = figure_new(r, ind, &fp->fig);
	return p->figure != NULL ? p : NULL;
}

static int rollup_parts(struct dongbo_node *node, struct ctl_reply *r,
			const struct dongbo_indicator *ind,
			const struct dongbo_figures *f, Dongbo__RollupReply *ru)
{
	size_t n_levels = 0;

	for (size_t i = 0; i < f->n_parts; i++)
		if (f->parts[i].kind == DONGBO_PART_LEVEL)
			n_levels++;
	ru->by_level = ctl_alloc(r, n_levels, sizeof(*ru->by_level));
	ru->by_child = ctl_alloc(r, f->n_parts - n_levels,
				 sizeof(*ru->by_child));
	if (ru->by_level == NULL || ru->by_child == NULL)
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < f->n_parts; i++) {
		Dongbo__Part *p = part_new(node, r, ind, &f->parts[i]);

		if (p == NULL)
			return DONGBO_E_NOMEM;
		if (f->parts[i].kind == DONGBO_PART_LEVEL)
			ru->by_level[ru->n_by_level++] = p;
		else
			ru->by_child[ru->n_by_child++] = p;
	}
	sort_levels(node, ru->by_level, ru->n_by_level);
	return 0;
}

void ctl_handle_rollup(struct dongbo_node *node, struct ctl_reply *r,
		       const Dongbo__Key *k)
{
	const struct dongbo_unit *u = NULL;
	const struct dongbo_indicator *ind = NULL;
	struct conflicts cs = { node, r, { NULL, 0, 0 } };
	struct dongbo_figures f;
	Dongbo__RollupReply *ru;
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	int rv;

	if (period == NULL || ctl_find_unit(node, r, k->unit, &u) != 0 ||
	    ctl_find_indicator(node, r, k->indicator, &ind) != 0 ||
	    ctl_parse_period(r, k->period, period) != 0)
		return;
	rv = dongbo_figures_eval(node->store, ind, u, period, NULL, true, &f);
	if (rv != 0) {
		store_failed(r, "rollup", rv);
		return;
	}
	if ((ru = ctl_alloc(r, 1, sizeof(*ru))) == NULL)
		goto out;
	dongbo__rollup_reply__init(ru);
	ru->unit = unit_new(r, u);
	ru->indicator = (char *)ind->code;
	ru->indicator_name = (char *)ind->name;
	ru->measure = (char *)ind->unit;
	ru->period = period;
	ru->rule = (char *)dongbo_rule_word(ind->rule);
	ru->type = (char *)dongbo_type_word(ind->type);
	ru->scale = ind->scale;
	ru->found = f.total.found;
	ru->value = f.total.value;
	ru->count = f.total.count;
	if (ind->rule == DONGBO_RULE_RATIO) {
		ru->numerator = (char *)ind->numerator->code;
		ru->denominator = (char *)ind->denominator->code;
	}
	if (ru->unit == NULL ||
	    (ru->figure = figure_new(r, ind, &f.total)) == NULL ||
	    rollup_parts(node, r, ind, &f, ru) != 0)
		goto out;
	rv = dongbo_figures_conflicts(node->store, ind, u, period, conflict_cb,
				      &cs);
	if (rv != 0) {
		store_failed(r, "rollup: conflicts", rv);
		goto out;
	}
	ru->n_conflicts = cs.list.n;
	ru->conflicts = (Dongbo__Conflict **)cs.list.v;
	if (!ptrs_give(r, &cs.list))
		goto out;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_ROLLUP;
	r->rep.rollup = ru;
out:
	free(cs.list.v);
	dongbo_figures_fini(&f);
}

/* ---- report ---- */

/* "II.06c, BNV-BM1, ..." into buf. */
static void form_list(const struct dongbo_catalog *cat, char *buf, size_t len)
{
	size_t n = dongbo_catalog_form_count(cat), off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				 dongbo_catalog_form_at(cat, i)->code);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (n == 0)
		snprintf(buf, len, "none");
}

static Dongbo__ReportRow *row_new(struct dongbo_node *node,
				  struct ctl_reply *r,
				  const struct dongbo_form_row *row,
				  const struct dongbo_unit *u,
				  const char *period, int *err)
{
	Dongbo__ReportRow *m = ctl_alloc(r, 1, sizeof(*m));
	const struct dongbo_indicator *ind = row->indicator;
	struct dongbo_figures f;

	*err = DONGBO_E_NOMEM;
	if (m == NULL)
		return NULL;
	dongbo__report_row__init(m);
	m->stt = (char *)row->stt;
	m->label = (char *)row->label;
	m->measure = (char *)row->unit;
	m->level = (char *)(row->level != NULL ? row->level : "");
	if (ind == NULL) {
		*err = 0;
		return m;
	}
	m->indicator = (char *)ind->code;
	m->rule = (char *)dongbo_rule_word(ind->rule);
	*err = dongbo_figures_eval(node->store, ind, u, period, row->level,
				   false, &f);
	if (*err != 0)
		return NULL;
	m->figure = figure_new(r, ind, &f.total);
	dongbo_figures_fini(&f);
	if (m->figure == NULL) {
		*err = DONGBO_E_NOMEM;
		return NULL;
	}
	*err = 0;
	return m;
}

void ctl_handle_report(struct dongbo_node *node, struct ctl_reply *r,
		       const Dongbo__ReportRequest *q)
{
	const struct dongbo_unit *u = NULL;
	const struct dongbo_form *form;
	struct conflicts cs = { node, r, { NULL, 0, 0 } };
	Dongbo__ReportReply *rr;
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	struct dongbo_approval ap;
	int rv;

	if (period == NULL || ctl_find_unit(node, r, q->unit, &u) != 0 ||
	    ctl_parse_period(r, q->period, period) != 0)
		return;
	form = dongbo_catalog_form_find(node->catalog, q->form);
	if (form == NULL) {
		char list[384];

		form_list(node->catalog, list, sizeof(list));
		ctl_fail(r, DONGBO_E_NOTFOUND,
			 "unknown form '%.64s'; catalog v%u has: %s", q->form,
			 dongbo_catalog_version(node->catalog), list);
		return;
	}
	if ((rr = ctl_alloc(r, 1, sizeof(*rr))) == NULL)
		return;
	dongbo__report_reply__init(rr);
	rr->unit = unit_new(r, u);
	rr->period = period;
	rr->form = (char *)form->code;
	rr->title = (char *)form->title;
	rr->basis = (char *)form->basis;
	rr->catalog_version = dongbo_catalog_version(node->catalog);
	rr->rows = ctl_alloc(r, form->n_rows, sizeof(*rr->rows));
	if (rr->unit == NULL || rr->rows == NULL)
		return;
	/* The unit's own state of the form for the period, for the header. */
	rv = dongbo_store_approval_get(node->store, u->code, form->code, period,
				       &ap);
	if (rv != 0 && rv != DONGBO_E_NOTFOUND) {
		store_failed(r, "report: approval", rv);
		return;
	}
	rr->approval = ctl_approval_shown(node, r, u, form->code, period,
					  rv == 0 ? &ap : NULL);
	if (rr->approval == NULL)
		return;
	for (size_t i = 0; i < form->n_rows; i++) {
		const struct dongbo_form_row *row = &form->rows[i];

		rr->rows[i] = row_new(node, r, row, u, period, &rv);
		if (rr->rows[i] == NULL) {
			store_failed(r, "report", rv);
			return;
		}
		rr->n_rows++;
		if (row->indicator == NULL)
			continue;
		rv = dongbo_figures_conflicts(node->store, row->indicator, u,
					      period, conflict_cb, &cs);
		if (rv != 0) {
			store_failed(r, "report: conflicts", rv);
			goto out;
		}
	}
	rr->n_conflicts = cs.list.n;
	rr->conflicts = (Dongbo__Conflict **)cs.list.v;
	if (!ptrs_give(r, &cs.list))
		goto out;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_REPORT;
	r->rep.report = rr;
out:
	free(cs.list.v);
}

/* ---- check ---- */

struct check_acc {
	struct dongbo_node *node;
	struct ctl_reply *r;
	struct ptrs violations, stated;
	struct conflicts cs;
	uint32_t errors, warnings;
};

/* left - right as ind shows it; NULL (and no error) when it overflows. */
static Dongbo__Shown *difference_new(struct ctl_reply *r,
				     const struct dongbo_indicator *ind,
				     int64_t left, int64_t right, bool *nomem)
{
	int64_t d;
	Dongbo__Shown *s;

	*nomem = false;
	if (__builtin_sub_overflow(left, right, &d))
		return NULL;
	s = ctl_shown_new(r, ind, d);
	*nomem = s == NULL;
	return s;
}

static int violation_cb(void *arg, const struct dongbo_check_violation *v)
{
	struct check_acc *acc = arg;
	struct ctl_reply *r = acc->r;
	const struct dongbo_indicator *ind = v->rule->left[0];
	Dongbo__Violation *m = ctl_alloc(r, 1, sizeof(*m));
	bool error = v->rule->severity == DONGBO_SEVERITY_ERROR;
	bool nomem;

	if (m == NULL)
		return DONGBO_E_NOMEM;
	dongbo__violation__init(m);
	m->unit = unit_new(r, v->unit);
	m->scope = v->scope == DONGBO_CHECK_OWN ? "own" : "subtree";
	m->rule = (char *)v->rule->code;
	m->text = (char *)v->rule->text;
	m->severity = error ? "error" : "warning";
	m->op = v->rule->op == DONGBO_OP_EQ ? "eq" : "le";
	m->left = ctl_shown_new(r, ind, v->left);
	m->right = ctl_shown_new(r, ind, v->right);
	m->difference = difference_new(r, ind, v->left, v->right, &nomem);
	if (m->unit == NULL || m->left == NULL || m->right == NULL || nomem)
		return DONGBO_E_NOMEM;
	if (error)
		acc->errors++;
	else
		acc->warnings++;
	return ptrs_add(&acc->violations, m);
}

static int stated_cb(void *arg, const struct dongbo_check_stated *s)
{
	struct check_acc *acc = arg;
	struct ctl_reply *r = acc->r;
	Dongbo__StatedTotal *m = ctl_alloc(r, 1, sizeof(*m));
	bool nomem = false;

	if (m == NULL)
		return DONGBO_E_NOMEM;
	dongbo__stated_total__init(m);
	m->unit = unit_new(r, s->unit);
	m->indicator = (char *)s->ind->code;
	m->indicator_name = (char *)s->ind->name;
	m->period = ctl_strdup(r, s->period);
	m->measure = (char *)s->ind->unit;
	m->stated = ctl_shown_new(r, s->ind, s->stated);
	if (m->unit == NULL || m->period == NULL || m->stated == NULL)
		return DONGBO_E_NOMEM;
	if (s->has_computed) {
		m->computed = ctl_shown_new(r, s->ind, s->computed);
		m->difference = difference_new(r, s->ind, s->computed,
					       s->stated, &nomem);
		if (m->computed == NULL || nomem)
			return DONGBO_E_NOMEM;
		m->agrees = s->computed == s->stated;
		if (!m->agrees)
			acc->errors++;
	}
	return ptrs_add(&acc->stated, m);
}

static int check_conflict_cb(void *arg, const struct dongbo_indicator *ind,
			     const struct dongbo_conflict *c)
{
	struct check_acc *acc = arg;
	size_t before = acc->cs.list.n;
	int rv = conflict_cb(&acc->cs, ind, c);

	if (rv == 0 && acc->cs.list.n > before)
		acc->errors++;
	return rv;
}

void ctl_handle_check(struct dongbo_node *node, struct ctl_reply *r,
		      const Dongbo__CheckRequest *q)
{
	const struct dongbo_unit *u = NULL;
	struct check_acc acc;
	struct dongbo_check_cbs cbs = { violation_cb, stated_cb,
					check_conflict_cb, &acc };
	Dongbo__CheckReply *cr;
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	size_t checked = 0;
	int rv;

	if (period == NULL || ctl_find_unit(node, r, q->unit, &u) != 0 ||
	    ctl_parse_period(r, q->period, period) != 0)
		return;
	memset(&acc, 0, sizeof(acc));
	acc.node = node;
	acc.r = r;
	acc.cs.node = node;
	acc.cs.r = r;
	rv = dongbo_check_run(node->store, node->catalog, u, period, &cbs,
			      &checked);
	if (rv != 0) {
		store_failed(r, "check", rv);
		goto out;
	}
	if ((cr = ctl_alloc(r, 1, sizeof(*cr))) == NULL)
		goto out;
	dongbo__check_reply__init(cr);
	cr->unit = unit_new(r, u);
	cr->period = period;
	cr->checked_units = (uint32_t)checked;
	cr->errors = acc.errors;
	cr->warnings = acc.warnings;
	cr->n_violations = acc.violations.n;
	cr->violations = (Dongbo__Violation **)acc.violations.v;
	cr->n_stated = acc.stated.n;
	cr->stated = (Dongbo__StatedTotal **)acc.stated.v;
	cr->n_conflicts = acc.cs.list.n;
	cr->conflicts = (Dongbo__Conflict **)acc.cs.list.v;
	if (cr->unit == NULL || !ptrs_give(r, &acc.violations) ||
	    !ptrs_give(r, &acc.stated) || !ptrs_give(r, &acc.cs.list))
		goto out;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_CHECK;
	r->rep.check = cr;
out:
	free(acc.violations.v);
	free(acc.stated.v);
	free(acc.cs.list.v);
}
