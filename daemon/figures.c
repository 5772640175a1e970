/*
 * figures.c -- an indicator's figure for every aggregation rule.
 *
 * Stored rules (sum, mean, min, max, count) come from one roll-up of the
 * store, whose callback hands the parts; count adds the distributions.
 * none reads single values and never adds them.  total and ratio are
 * built here from the figures of the indicators they name, part by part
 * (merged by level name or child code), so a ratio by level is Σnum/Σden
 * of that level, never a mean of ratios.
 *
 * Failure modes: a store error or an allocation failure stops the
 * evaluation and is returned; whatever was filled so far is freed.  An
 * int64 overflow while adding figures is DONGBO_E_BAD_VALUE.
 */
#include "figures.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

static const int64_t pow10_tab[] = {
	1,
	10,
	100,
	1000,
	10000,
	100000,
	1000000,
	10000000,
	100000000,
	1000000000,
	10000000000,
	100000000000,
	1000000000000,
	10000000000000,
	100000000000000,
	1000000000000000,
	10000000000000000,
	100000000000000000,
	1000000000000000000,
};

/* ---- figures and parts ---- */

static void figure_fini(struct dongbo_figure *fig)
{
	free(fig->dist);
	memset(fig, 0, sizeof(*fig));
}

void dongbo_figures_fini(struct dongbo_figures *f)
{
	figure_fini(&f->total);
	for (size_t i = 0; i < f->n_parts; i++) {
		free(f->parts[i].key);
		figure_fini(&f->parts[i].fig);
	}
	free(f->parts);
	memset(f, 0, sizeof(*f));
}

/* The part (kind, key) of f, added empty when missing; NULL when out of
 * memory.  Parts are few (levels and children of one unit), so a linear
 * search does. */
static struct dongbo_figure_part *part_get(struct dongbo_figures *f,
					   enum dongbo_part_kind kind,
					   const char *key)
{
	struct dongbo_figure_part *parts, *p;
	char *k;

	for (size_t i = 0; i < f->n_parts; i++)
		if (f->parts[i].kind == kind &&
		    strcmp(f->parts[i].key, key) == 0)
			return &f->parts[i];
	if ((k = strdup(key)) == NULL)
		return NULL;
	parts = realloc(f->parts, (f->n_parts + 1) * sizeof(*parts));
	if (parts == NULL) {
		free(k);
		return NULL;
	}
	f->parts = parts;
	p = &parts[f->n_parts++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->key = k;
	return p;
}

static int part_cmp(const void *a, const void *b)
{
	const struct dongbo_figure_part *pa = a, *pb = b;

	if (pa->kind != pb->kind)
		return pa->kind == DONGBO_PART_LEVEL ? -1 : 1;
	return strcmp(pa->key, pb->key);
}

/* a += b for sum-like figures (sum, total). */
static int figure_add(struct dongbo_figure *a, const struct dongbo_figure *b)
{
	if (!b->found)
		return 0;
	if (__builtin_add_overflow(a->value, b->value, &a->value) ||
	    __builtin_add_overflow(a->count, b->count, &a->count))
		return DONGBO_E_BAD_VALUE;
	a->found = true;
	return 0;
}

/* f += g, total and part by part. */
static int figures_add(struct dongbo_figures *f, const struct dongbo_figures *g)
{
	int rv = figure_add(&f->total, &g->total);

	for (size_t i = 0; rv == 0 && i < g->n_parts; i++) {
		struct dongbo_figure_part *p =
			part_get(f, g->parts[i].kind, g->parts[i].key);

		rv = p != NULL ? figure_add(&p->fig, &g->parts[i].fig)
			       : DONGBO_E_NOMEM;
	}
	return rv;
}

/* ---- stored rules: one roll-up ---- */

static void agg_to_figure(const struct dongbo_indicator *ind,
			  const struct dongbo_agg *agg,
			  struct dongbo_figure *fig)
{
	fig->found = agg->count > 0;
	fig->count = agg->count;
	if (ind->rule == DONGBO_RULE_MIN)
		fig->value = agg->min;
	else if (ind->rule == DONGBO_RULE_MAX)
		fig->value = agg->max;
	else
		fig->value = agg->sum;
}

struct rollup_acc {
	struct dongbo_figures *f;
	const struct dongbo_indicator *ind;
};

static int rollup_part_cb(void *arg, enum dongbo_part_kind kind,
			  const char *key, const struct dongbo_agg *agg)
{
	struct rollup_acc *acc = arg;
	struct dongbo_figure_part *p = part_get(acc->f, kind, key);

	if (p == NULL)
		return DONGBO_E_NOMEM;
	agg_to_figure(acc->ind, agg, &p->fig);
	return 0;
}

struct dist_acc {
	struct dongbo_figure *fig;
	size_t cap;
};

static int dist_cb(void *arg, int64_t value, int64_t units)
{
	struct dist_acc *acc = arg;
	struct dongbo_figure *fig = acc->fig;
	struct dongbo_figure_bucket *d = dongbo_grow(fig->dist, &acc->cap,
						     fig->n_dist, sizeof(*d), 4);

	if (d == NULL)
		return DONGBO_E_NOMEM;
	fig->dist = d;
	fig->dist[fig->n_dist].value = value;
	fig->dist[fig->n_dist].units = units;
	fig->n_dist++;
	return 0;
}

static int fill_dist(struct dongbo_store *store,
		     const struct dongbo_indicator *ind,
		     const struct dongbo_unit *anchor, const char *period,
		     const enum dongbo_part_kind *kind, const char *key,
		     struct dongbo_figure *fig)
{
	struct dist_acc acc = { fig, 0 };
	int rv;

	free(fig->dist);
	fig->dist = NULL;
	fig->n_dist = 0;
	rv = dongbo_store_rollup_dist(store, anchor->code, ind->code, period,
				      kind, key, dist_cb, &acc);
	return rv == DONGBO_E_NOTFOUND ? 0 : rv;
}

static int eval_stored(struct dongbo_store *store,
		       const struct dongbo_indicator *ind,
		       const struct dongbo_unit *anchor, const char *period,
		       bool with_parts, bool with_dist,
		       struct dongbo_figures *f)
{
	struct rollup_acc acc = { f, ind };
	struct dongbo_agg agg;
	int rv;

	memset(&agg, 0, sizeof(agg));
	rv = dongbo_store_rollup(store, anchor->code, ind->code, period, &agg,
				 with_parts ? rollup_part_cb : NULL, &acc);
	if (rv == DONGBO_E_NOTFOUND)
		return 0;
	if (rv != 0)
		return rv;
	agg_to_figure(ind, &agg, &f->total);
	if (ind->rule != DONGBO_RULE_COUNT || !with_dist)
		return 0;
	rv = fill_dist(store, ind, anchor, period, NULL, NULL, &f->total);
	for (size_t i = 0; rv == 0 && i < f->n_parts; i++)
		rv = fill_dist(store, ind, anchor, period, &f->parts[i].kind,
			       f->parts[i].key, &f->parts[i].fig);
	return rv;
}

/* ---- none: single values, never added ---- */

static int own_stored(struct dongbo_store *store,
		      const struct dongbo_indicator *ind,
		      const struct dongbo_unit *unit, const char *period,
		      struct dongbo_figure *fig)
{
	int64_t v;
	int rv = dongbo_store_value_at(store, unit->code, ind->code, period,
				       &v, NULL);

	if (rv == DONGBO_E_NOTFOUND)
		return 0;
	if (rv != 0)
		return rv;
	fig->found = true;
	fig->value = v;
	fig->count = 1;
	return 0;
}

static int eval_none(struct dongbo_store *store,
		     const struct dongbo_indicator *ind,
		     const struct dongbo_unit *anchor, const char *period,
		     bool with_parts, struct dongbo_figures *f)
{
	int rv = own_stored(store, ind, anchor, period, &f->total);

	if (rv != 0 || !with_parts)
		return rv;
	for (const struct dongbo_unit *c = anchor->first_child; c != NULL;
	     c = c->next_sibling) {
		struct dongbo_figure fig;
		struct dongbo_figure_part *p;

		memset(&fig, 0, sizeof(fig));
		if ((rv = own_stored(store, ind, c, period, &fig)) != 0)
			return rv;
		if (!fig.found)
			continue;
		if ((p = part_get(f, DONGBO_PART_CHILD, c->code)) == NULL)
			return DONGBO_E_NOMEM;
		p->fig = fig;
	}
	return 0;
}

/* ---- total and ratio: built from other indicators' figures ---- */

static int eval_sumlike(struct dongbo_store *store,
			const struct dongbo_indicator *ind,
			const struct dongbo_unit *anchor, const char *period,
			bool with_parts, struct dongbo_figures *f);

static int eval_total(struct dongbo_store *store,
		      const struct dongbo_indicator *ind,
		      const struct dongbo_unit *anchor, const char *period,
		      bool with_parts, struct dongbo_figures *f)
{
	for (size_t i = 0; i < ind->n_parts; i++) {
		struct dongbo_figures pf;
		int rv;

		memset(&pf, 0, sizeof(pf));
		rv = eval_sumlike(store, ind->parts[i], anchor, period,
				  with_parts, &pf);
		if (rv == 0)
			rv = figures_add(f, &pf);
		dongbo_figures_fini(&pf);
		if (rv != 0)
			return rv;
	}
	return 0;
}

/* The figure of an indicator that can be added up: rule sum or total
 * (the operands of totals, ratios and validation rules). */
static int eval_sumlike(struct dongbo_store *store,
			const struct dongbo_indicator *ind,
			const struct dongbo_unit *anchor, const char *period,
			bool with_parts, struct dongbo_figures *f)
{
	switch (ind->rule) {
	case DONGBO_RULE_SUM:
		return eval_stored(store, ind, anchor, period, with_parts,
				   false, f);
	case DONGBO_RULE_TOTAL:
		return eval_total(store, ind, anchor, period, with_parts, f);
	default:
		/* The catalog refuses other operands. */
		return DONGBO_E_INVAL;
	}
}

static void ratio_side(struct dongbo_figure *fig,
		       const struct dongbo_figure *src, bool is_num)
{
	if (!src->found)
		return;
	if (is_num) {
		fig->num = src->value;
		fig->has_num = true;
	} else {
		fig->den = src->value;
		fig->has_den = true;
	}
	fig->found = true;
	fig->count += src->count;
}

static int ratio_sides(struct dongbo_figures *f,
		       const struct dongbo_figures *side, bool is_num)
{
	ratio_side(&f->total, &side->total, is_num);
	for (size_t i = 0; i < side->n_parts; i++) {
		struct dongbo_figure_part *p =
			part_get(f, side->parts[i].kind, side->parts[i].key);

		if (p == NULL)
			return DONGBO_E_NOMEM;
		ratio_side(&p->fig, &side->parts[i].fig, is_num);
	}
	return 0;
}

static int eval_ratio(struct dongbo_store *store,
		      const struct dongbo_indicator *ind,
		      const struct dongbo_unit *anchor, const char *period,
		      bool with_parts, struct dongbo_figures *f)
{
	struct dongbo_figures nf, df;
	int rv;

	memset(&nf, 0, sizeof(nf));
	memset(&df, 0, sizeof(df));
	rv = eval_sumlike(store, ind->numerator, anchor, period, with_parts,
			  &nf);
	if (rv == 0)
		rv = eval_sumlike(store, ind->denominator, anchor, period,
				  with_parts, &df);
	if (rv == 0)
		rv = ratio_sides(f, &nf, true);
	if (rv == 0)
		rv = ratio_sides(f, &df, false);
	dongbo_figures_fini(&nf);
	dongbo_figures_fini(&df);
	return rv;
}

static int eval_rule(struct dongbo_store *store,
		     const struct dongbo_indicator *ind,
		     const struct dongbo_unit *anchor, const char *period,
		     bool with_parts, bool with_dist, struct dongbo_figures *f)
{
	int rv;

	switch (ind->rule) {
	case DONGBO_RULE_NONE:
		rv = eval_none(store, ind, anchor, period, with_parts, f);
		break;
	case DONGBO_RULE_RATIO:
		rv = eval_ratio(store, ind, anchor, period, with_parts, f);
		break;
	case DONGBO_RULE_TOTAL:
		rv = eval_total(store, ind, anchor, period, with_parts, f);
		break;
	default:
		rv = eval_stored(store, ind, anchor, period, with_parts,
				 with_dist, f);
		break;
	}
	if (rv == 0 && f->n_parts > 1)
		qsort(f->parts, f->n_parts, sizeof(*f->parts), part_cmp);
	return rv;
}

/* Over the units of one level: the level part of the full evaluation. */
static int eval_level(struct dongbo_store *store,
		      const struct dongbo_indicator *ind,
		      const struct dongbo_unit *anchor, const char *period,
		      const char *level, struct dongbo_figures *out)
{
	struct dongbo_figures all;
	enum dongbo_part_kind kind = DONGBO_PART_LEVEL;
	int rv;

	if (ind->rule == DONGBO_RULE_NONE) {
		/* Not added up: only the anchor's own value, when the
		 * anchor is of that level. */
		if (strcmp(anchor->level, level) != 0)
			return 0;
		return own_stored(store, ind, anchor, period, &out->total);
	}
	memset(&all, 0, sizeof(all));
	rv = eval_rule(store, ind, anchor, period, true, false, &all);
	for (size_t i = 0; rv == 0 && i < all.n_parts; i++) {
		struct dongbo_figure_part *p = &all.parts[i];

		if (p->kind == DONGBO_PART_LEVEL && strcmp(p->key, level) == 0) {
			out->total = p->fig;
			memset(&p->fig, 0, sizeof(p->fig));
			break;
		}
	}
	dongbo_figures_fini(&all);
	if (rv == 0 && ind->rule == DONGBO_RULE_COUNT && out->total.found)
		rv = fill_dist(store, ind, anchor, period, &kind, level,
			       &out->total);
	return rv;
}

int dongbo_figures_eval(struct dongbo_store *store,
			const struct dongbo_indicator *ind,
			const struct dongbo_unit *anchor, const char *period,
			const char *level, bool with_parts,
			struct dongbo_figures *out)
{
	int rv;

	memset(out, 0, sizeof(*out));
	if (level != NULL)
		rv = eval_level(store, ind, anchor, period, level, out);
	else
		rv = eval_rule(store, ind, anchor, period, with_parts, true,
			       out);
	if (rv != 0)
		dongbo_figures_fini(out);
	return rv;
}

/* ---- own values ---- */

int dongbo_figures_own(struct dongbo_store *store,
		       const struct dongbo_indicator *ind,
		       const struct dongbo_unit *unit, const char *period,
		       int64_t *value, bool *found)
{
	struct dongbo_figure fig;
	int rv = 0;

	memset(&fig, 0, sizeof(fig));
	if (dongbo_indicator_is_stored(ind)) {
		rv = own_stored(store, ind, unit, period, &fig);
	} else if (ind->rule == DONGBO_RULE_TOTAL) {
		for (size_t i = 0; rv == 0 && i < ind->n_parts; i++) {
			struct dongbo_figure pf;

			memset(&pf, 0, sizeof(pf));
			rv = dongbo_figures_own(store, ind->parts[i], unit,
						period, &pf.value, &pf.found);
			if (rv == 0)
				rv = figure_add(&fig, &pf);
		}
	} else {
		return DONGBO_E_INVAL;
	}
	if (rv != 0)
		return rv;
	*value = fig.value;
	*found = fig.found;
	return 0;
}

/* ---- text ---- */

/* Appends to buf like snprintf at offset *need, keeping the total length
 * needed in *need even when buf is too short. */
static void buf_add(char *buf, size_t len, int *need, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void buf_add(char *buf, size_t len, int *need, const char *fmt, ...)
{
	size_t off = (size_t)*need;
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (off < len)
		n = vsnprintf(buf + off, len - off, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*need += n;
}

static int dist_format(const struct dongbo_indicator *ind,
		       const struct dongbo_figure *fig,
		       enum dongbo_format_style style, char *buf, size_t len)
{
	int need = 0;

	if (len > 0)
		buf[0] = '\0';
	if (fig->n_dist == 1 && fig->dist[0].units == 1)
		return dongbo_indicator_format(ind, fig->dist[0].value, style,
					       buf, len);
	for (size_t i = 0; i < fig->n_dist; i++) {
		const struct dongbo_figure_bucket *b = &fig->dist[i];
		char v[256];

		dongbo_indicator_format(ind, b->value, style, v, sizeof(v));
		if (style == DONGBO_FORMAT_VI)
			buf_add(buf, len, &need, "%s%s: %lld", i ? "; " : "",
				v, (long long)b->units);
		else
			buf_add(buf, len, &need, "%s%s=%lld", i ? ";" : "", v,
				(long long)b->units);
	}
	return need;
}

/* num/10^sn ÷ den/10^sd = num·10^sd / (den·10^sn): the scales are
 * aligned before dividing. */
static int ratio_format(const struct dongbo_indicator *ind, int64_t num,
			int64_t den, enum dongbo_format_style style, char *buf,
			size_t len)
{
	int sn = ind->numerator->scale, sd = ind->denominator->scale;

	if (sd > sn && __builtin_mul_overflow(num, pow10_tab[sd - sn], &num))
		return DONGBO_E_BAD_VALUE;
	if (sn > sd && __builtin_mul_overflow(den, pow10_tab[sn - sd], &den))
		return DONGBO_E_BAD_VALUE;
	return dongbo_ratio_format(num, den, ind->scale, ind->percent, style,
				   buf, len);
}

int dongbo_figure_format(const struct dongbo_indicator *ind,
			 const struct dongbo_figure *fig,
			 enum dongbo_format_style style, char *buf, size_t len)
{
	int64_t den;

	if (!fig->found) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	switch (ind->rule) {
	case DONGBO_RULE_RATIO:
		return ratio_format(ind, fig->num, fig->den, style, buf, len);
	case DONGBO_RULE_MEAN:
		if (ind->scale < 0 || ind->scale > DONGBO_SCALE_MAX ||
		    __builtin_mul_overflow(fig->count, pow10_tab[ind->scale],
					   &den))
			return DONGBO_E_BAD_VALUE;
		return dongbo_ratio_format(fig->value, den, ind->scale, false,
					   style, buf, len);
	case DONGBO_RULE_COUNT:
		return dist_format(ind, fig, style, buf, len);
	default:
		return dongbo_indicator_format(ind, fig->value, style, buf,
					       len);
	}
}

/* ---- time conflicts ---- */

struct leaves {
	const struct dongbo_indicator **v;
	size_t n, cap;
};

/* The stored indicators behind ind, each once. */
static int leaves_add(struct leaves *l, const struct dongbo_indicator *ind)
{
	const struct dongbo_indicator **v;
	int rv = 0;

	if (ind->rule == DONGBO_RULE_RATIO) {
		rv = leaves_add(l, ind->numerator);
		return rv != 0 ? rv : leaves_add(l, ind->denominator);
	}
	if (ind->rule == DONGBO_RULE_TOTAL) {
		for (size_t i = 0; rv == 0 && i < ind->n_parts; i++)
			rv = leaves_add(l, ind->parts[i]);
		return rv;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == ind)
			return 0;
	v = dongbo_grow(l->v, &l->cap, l->n, sizeof(*v), 8);
	if (v == NULL)
		return DONGBO_E_NOMEM;
	l->v = v;
	l->v[l->n++] = ind;
	return 0;
}

struct conflict_acc {
	const struct dongbo_indicator *stored;
	int (*cb)(void *arg, const struct dongbo_indicator *stored,
		  const struct dongbo_conflict *c);
	void *arg;
};

static int conflict_cb(void *arg, const struct dongbo_conflict *c)
{
	struct conflict_acc *acc = arg;

	return acc->cb(acc->arg, acc->stored, c);
}

int dongbo_figures_conflicts(
	struct dongbo_store *store, const struct dongbo_indicator *ind,
	const struct dongbo_unit *anchor, const char *period,
	int (*cb)(void *arg, const struct dongbo_indicator *stored,
		  const struct dongbo_conflict *c),
	void *arg)
{
	struct leaves l = { NULL, 0, 0 };
	int rv = leaves_add(&l, ind);

	for (size_t i = 0; rv == 0 && i < l.n; i++) {
		struct conflict_acc acc = { l.v[i], cb, arg };

		rv = dongbo_store_conflicts(store, anchor->code, l.v[i]->code,
					    period, conflict_cb, &acc);
	}
	free(l.v);
	return rv;
}
