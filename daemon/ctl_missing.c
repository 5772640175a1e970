/*
 * ctl_missing.c -- `dongbo missing`: who has reported a form for a period
 * (tỷ lệ báo cáo), and who has not.
 *
 * Happy path: the unit (within this node's subtree), the period and the
 * form are checked; the units expected to report are those of the unit
 * list under the unit, itself included, in force over the whole period
 * (the list's optional from/until columns), at the levels the form's rows
 * show (a row without a level: every level).  For each, the indicators its
 * level's rows need -- a ratio needs its numerator and denominator, a
 * total its parts -- are looked up for the period (a value entered, or one
 * composed from shorter periods, dongbo_store_value_at); a unit holding at
 * least one has reported, one holding all is complete.  Counts are kept
 * per child of the unit (its subtree) and overall, so a rate is reported
 * over expected units of the list in force and never exceeds 100 %.
 * A read: anyone who may open the control socket may ask.
 *
 * Each expected unit's approval state of the form for the period (a draft
 * when none is stored) is counted, and shown with the units listed.
 *
 * Failure modes: an unknown or outside unit, a malformed period or an
 * unknown form get the matching DONGBO_E_* code and a message quoting the
 * value; a form whose rows need no stored indicator is refused (nothing to
 * report); store errors pass on their code.  Nothing is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "error.h"
#include "period.h"
#include "util.h"

/* The stored indicators a unit of one level needs for a form. */
struct needs {
	const struct dongbo_indicator **inds;
	size_t n, cap;
};

/* Adds ind to the set (once). */
struct needs_fill {
	struct ctl_reply *r;
	struct needs *nd;
};

static int needs_add(void *arg, const struct dongbo_indicator *ind)
{
	struct needs_fill *f = arg;
	struct needs *nd = f->nd;
	const struct dongbo_indicator **grown;

	for (size_t i = 0; i < nd->n; i++)
		if (nd->inds[i] == ind)
			return 0;
	grown = dongbo_grow(nd->inds, &nd->cap, nd->n, sizeof(*nd->inds), 16);
	if (grown == NULL)
		return ctl_fail(f->r, DONGBO_E_NOMEM, "out of memory");
	nd->inds = grown;
	nd->inds[nd->n++] = ind;
	return 0;
}

/* What a unit at level needs for form (level NULL: the union over every
 * level); an empty set when its level shows no row.  The catalog says
 * what a row needs (dongbo_form_needs); the approval lock uses the same. */
static int needs_of(struct ctl_reply *r, const struct dongbo_form *form,
		    const char *level, struct needs *nd)
{
	struct needs_fill f = { .r = r, .nd = nd };

	nd->n = 0;
	return dongbo_form_needs(form, level, needs_add, &f);
}

/* The levels the form's rows name, into levels (NULL-terminated, at most
 * max); *every when a row has none, that is, every unit reports. */
static size_t form_levels(const struct dongbo_form *form, const char **levels,
			  size_t max, bool *every)
{
	size_t n = 0;

	*every = false;
	for (size_t i = 0; i < form->n_rows; i++) {
		const struct dongbo_form_row *row = &form->rows[i];
		size_t k;

		if (row->indicator == NULL)
			continue;
		if (row->level == NULL) {
			*every = true;
			continue;
		}
		for (k = 0; k < n; k++)
			if (strcmp(levels[k], row->level) == 0)
				break;
		if (k == n && n < max)
			levels[n++] = row->level;
	}
	return n;
}

struct walk {
	struct dongbo_node *node;
	struct ctl_reply *r;
	const struct dongbo_form *form;
	const char *period;
	int first_month, last_month; /* the period's, for the list in force */
	const char **levels;
	size_t n_levels;
	bool every;
	bool all;
	struct needs nd;
	Dongbo__MissingUnit *units;
	Dongbo__MissingUnit **ptrs;
	Dongbo__UnitInfo *infos;
	size_t n_units, cap_units;
	uint32_t expected, reported; /* of the subtree being walked */
	/* Expected units per approval state, and of them changed after
	 * approval. */
	uint32_t states[DONGBO_APPROVAL_STATE_MAX + 1];
	uint32_t changed[DONGBO_APPROVAL_STATE_MAX + 1];
};

static bool expected_level(const struct walk *w, const char *level)
{
	if (w->every)
		return true;
	for (size_t i = 0; i < w->n_levels; i++)
		if (strcmp(w->levels[i], level) == 0)
			return true;
	return false;
}

/* Counts u (when expected) and lists it when missing, partial or asked. */
static int visit(struct walk *w, const struct dongbo_unit *u)
{
	struct dongbo_approval ap;
	uint32_t present = 0;
	int rv;

	if (!expected_level(w, u->level) ||
	    !dongbo_unit_in_force_months(u, w->first_month, w->last_month))
		return 0;
	if ((rv = needs_of(w->r, w->form, u->level, &w->nd)) != 0)
		return rv;
	for (size_t i = 0; i < w->nd.n; i++) {
		int64_t v;

		rv = dongbo_store_value_at(w->node->store, u->code,
					   w->nd.inds[i]->code, w->period, &v,
					   NULL);
		if (rv == 0)
			present++;
		else if (rv != DONGBO_E_NOTFOUND)
			return ctl_fail(w->r, rv, "store: %s",
					dongbo_strerror(rv));
	}
	rv = dongbo_store_approval_get(w->node->store, u->code, w->form->code,
				       w->period, &ap);
	if (rv == DONGBO_E_NOTFOUND)
		ap.state = DONGBO_APPROVAL_DRAFT, ap.changed = false;
	else if (rv != 0)
		return ctl_fail(w->r, rv, "store: %s", dongbo_strerror(rv));
	w->states[ap.state]++;
	w->changed[ap.state] += ap.changed;
	w->expected++;
	w->reported += present > 0;
	if (w->all || present < w->nd.n) {
		Dongbo__MissingUnit *mu = &w->units[w->n_units];
		Dongbo__UnitInfo *info = &w->infos[w->n_units];

		if (w->n_units == w->cap_units)
			return ctl_fail(w->r, DONGBO_E_INVAL, "unit count");
		dongbo__missing_unit__init(mu);
		ctl_unit_info(info, u);
		mu->unit = info;
		mu->parent = u->parent != NULL ? (char *)u->parent->code : "";
		mu->parent_name = u->parent != NULL ? (char *)u->parent->name
						     : "";
		mu->present = present;
		mu->needed = (uint32_t)w->nd.n;
		mu->state = (char *)dongbo_approval_state_word(ap.state);
		mu->changed = ap.changed;
		w->ptrs[w->n_units++] = mu;
	}
	return 0;
}

/* Visits u's whole subtree, u first, in unit-list order. */
static int walk_subtree(struct walk *w, const struct dongbo_unit *u)
{
	int rv = visit(w, u);

	for (const struct dongbo_unit *c = u->first_child; rv == 0 && c != NULL;
	     c = c->next_sibling)
		rv = walk_subtree(w, c);
	return rv;
}

/* One group: the counts of a walk over u's subtree (or u alone). */
static int group_add(struct walk *w, const struct dongbo_unit *u, bool own,
		     Dongbo__MissingGroup *g, Dongbo__UnitInfo *info,
		     Dongbo__MissingReply *mr)
{
	int rv;

	w->expected = w->reported = 0;
	rv = own ? visit(w, u) : walk_subtree(w, u);
	if (rv != 0)
		return rv;
	mr->expected += w->expected;
	mr->reported += w->reported;
	if (w->expected == 0)
		return 0;
	dongbo__missing_group__init(g);
	ctl_unit_info(info, u);
	g->unit = info;
	g->own = own;
	g->expected = w->expected;
	g->reported = w->reported;
	mr->groups[mr->n_groups++] = g;
	return 0;
}

/* The counts per approval state, every state listed. */
static int states_add(struct ctl_reply *r, const struct walk *w,
		      Dongbo__MissingReply *mr)
{
	size_t n = DONGBO_APPROVAL_STATE_MAX + 1;
	Dongbo__StateCount *sc = ctl_alloc(r, n, sizeof(*sc));

	mr->states = ctl_alloc(r, n, sizeof(*mr->states));
	if (sc == NULL || mr->states == NULL)
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		dongbo__state_count__init(&sc[i]);
		sc[i].state = (char *)dongbo_approval_state_word(
			(enum dongbo_approval_state)i);
		sc[i].units = w->states[i];
		sc[i].changed = w->changed[i];
		mr->states[mr->n_states++] = &sc[i];
	}
	return 0;
}

void ctl_handle_missing(struct dongbo_node *node, struct ctl_reply *r,
			const Dongbo__MissingRequest *q)
{
	Dongbo__MissingReply *mr = ctl_alloc(r, 1, sizeof(*mr));
	Dongbo__UnitInfo *ui = ctl_alloc(r, 1, sizeof(*ui));
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	const char *levels[DONGBO_UNITS_DEPTH_MAX];
	const struct dongbo_unit *u = NULL;
	struct walk w = { .node = node, .r = r, .all = q->all };
	Dongbo__MissingGroup *groups;
	Dongbo__UnitInfo *ginfo;
	size_t n_kids = 0, size, k = 0;
	int rv = 0;

	if (mr == NULL || ui == NULL || period == NULL)
		return;
	if (ctl_find_unit(node, r, q->unit, &u) != 0 ||
	    ctl_parse_period(r, q->period, period) != 0)
		return;
	w.form = dongbo_catalog_form_find(node->catalog, q->form);
	if (w.form == NULL) {
		ctl_fail(r, DONGBO_E_NOTFOUND, "no form '%.64s' in catalog v%u "
			 "(`dongbo catalog forms` lists them)", q->form,
			 dongbo_catalog_version(node->catalog));
		return;
	}
	if (needs_of(r, w.form, NULL, &w.nd) != 0)
		goto out;
	if (w.nd.n == 0) {
		ctl_fail(r, DONGBO_E_INVAL, "form %s has no row with an "
			 "indicator: nothing to report", w.form->code);
		goto out;
	}
	w.levels = levels;
	w.n_levels = form_levels(w.form, levels, DONGBO_UNITS_DEPTH_MAX,
				 &w.every);
	w.period = period;
	{
		struct dongbo_period pp;

		/* Canonical already: ctl_parse_period checked it. */
		if (dongbo_period_parse(period, &pp) == 0)
			dongbo_period_months(&pp, &w.first_month,
					     &w.last_month);
	}
	for (const struct dongbo_unit *c = u->first_child; c != NULL;
	     c = c->next_sibling)
		n_kids++;
	size = dongbo_unit_subtree_size(u);
	w.cap_units = size;
	w.units = ctl_alloc(r, size, sizeof(*w.units));
	w.ptrs = ctl_alloc(r, size, sizeof(*w.ptrs));
	w.infos = ctl_alloc(r, size, sizeof(*w.infos));
	groups = ctl_alloc(r, n_kids + 1, sizeof(*groups));
	ginfo = ctl_alloc(r, n_kids + 1, sizeof(*ginfo));
	if (w.units == NULL || w.ptrs == NULL || w.infos == NULL ||
	    groups == NULL || ginfo == NULL)
		goto out;
	dongbo__missing_reply__init(mr);
	mr->groups = ctl_alloc(r, n_kids + 1, sizeof(*mr->groups));
	mr->levels = ctl_alloc(r, w.n_levels + 1, sizeof(*mr->levels));
	if (mr->groups == NULL || mr->levels == NULL)
		goto out;
	rv = group_add(&w, u, true, &groups[k], &ginfo[k], mr);
	for (const struct dongbo_unit *c = u->first_child; rv == 0 && c != NULL;
	     c = c->next_sibling) {
		k++;
		rv = group_add(&w, c, false, &groups[k], &ginfo[k], mr);
	}
	if (rv != 0)
		goto out;
	ctl_unit_info(ui, u);
	mr->unit = ui;
	mr->period = period;
	mr->form = (char *)w.form->code;
	mr->form_title = (char *)w.form->title;
	for (size_t i = 0; !w.every && i < w.n_levels; i++)
		mr->levels[mr->n_levels++] = (char *)levels[i];
	mr->units = w.ptrs;
	mr->n_units = w.n_units;
	if (states_add(r, &w, mr) != 0)
		goto out;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_MISSING;
	r->rep.missing = mr;
out:
	free(w.nd.inds);
}
