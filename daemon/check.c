/*
 * check.c -- validation rules, stated totals and time conflicts over a
 * subtree.
 *
 * Happy path: list the anchor's subtree depth-first (each unit's subtree
 * is then a contiguous range), read which units have values in the
 * period or inside it (one store walk per sub-period), collecting the
 * stated totals on the way; then for each unit with values evaluate every
 * rule on its own values, and for each unit with values below it every
 * rule on its subtree's roll-ups; then compare the stated totals with the
 * computed roll-ups, and list the time conflicts of every stored
 * indicator.
 *
 * Failure modes: a store error, an allocation failure or an int64
 * overflow stops the check and is returned; callbacks already made stand.
 * Store calls are never nested: the value walk only records what it sees.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "figures.h"
#include "period.h"

struct entry {
	const struct dongbo_unit *unit;
	size_t end; /* one past the last unit of its subtree */
	bool own;   /* has a value of its own in the period */
};

struct stated {
	size_t entry;
	const struct dongbo_indicator *ind;
	char period[DONGBO_PERIOD_MAX];
	int64_t value;
};

/* One unit's figures, each indicator read once for all the rules. */
struct memo {
	const struct dongbo_indicator *ind;
	int64_t value;
	bool found;
};

struct check {
	struct dongbo_store *store;
	const struct dongbo_catalog *cat;
	const char *period;
	const struct dongbo_check_cbs *cbs;
	struct entry *e; /* the subtree, depth-first */
	size_t n;
	size_t *by_code; /* indices into e, sorted by unit code */
	struct stated *st;
	size_t n_st, cap_st;
	struct memo *memo;
	size_t n_memo, cap_memo;
};

/* ---- the subtree ---- */

static size_t subtree_fill(struct entry *e, size_t i,
			   const struct dongbo_unit *u)
{
	size_t at = i++;

	e[at].unit = u;
	e[at].own = false;
	for (const struct dongbo_unit *c = u->first_child; c != NULL;
	     c = c->next_sibling)
		i = subtree_fill(e, i, c);
	e[at].end = i;
	return i;
}

static const struct entry *sort_entries;

static int code_cmp(const void *a, const void *b)
{
	return strcmp(sort_entries[*(const size_t *)a].unit->code,
		      sort_entries[*(const size_t *)b].unit->code);
}

struct code_key {
	const char *code;
	const struct entry *e;
};

static int code_find_cmp(const void *key, const void *elem)
{
	const struct code_key *k = key;

	return strcmp(k->code, k->e[*(const size_t *)elem].unit->code);
}

/* The index of unit code in the subtree, or ck->n when it is not in it. */
static size_t entry_find(const struct check *ck, const char *code)
{
	struct code_key k = { code, ck->e };
	const size_t *p = bsearch(&k, ck->by_code, ck->n, sizeof(size_t),
				  code_find_cmp);

	return p != NULL ? *p : ck->n;
}

static int subtree_list(struct check *ck, const struct dongbo_unit *anchor)
{
	ck->n = dongbo_unit_subtree_size(anchor);
	ck->e = calloc(ck->n, sizeof(*ck->e));
	ck->by_code = calloc(ck->n, sizeof(*ck->by_code));
	if (ck->e == NULL || ck->by_code == NULL)
		return DONGBO_E_NOMEM;
	subtree_fill(ck->e, 0, anchor);
	for (size_t i = 0; i < ck->n; i++)
		ck->by_code[i] = i;
	/* Loop thread only: the static is never shared. */
	sort_entries = ck->e;
	qsort(ck->by_code, ck->n, sizeof(size_t), code_cmp);
	return 0;
}

/* ---- which units have values ---- */

static int value_cb(void *arg, const struct dongbo_record *rec)
{
	struct check *ck = arg;
	size_t i = entry_find(ck, rec->unit);
	const struct dongbo_indicator *ind;
	struct stated *s;

	if (i == ck->n || rec->deleted)
		return 0;
	if (!rec->stated) {
		ck->e[i].own = true;
		return 0;
	}
	/* Stated totals are compared after the walk: no store call may
	 * run inside this one. */
	ind = dongbo_catalog_find(ck->cat, rec->indicator);
	if (ind == NULL)
		return 0; /* no longer in the catalog */
	if (ck->n_st == ck->cap_st) {
		size_t cap = ck->cap_st ? ck->cap_st * 2 : 16;
		struct stated *st = realloc(ck->st, cap * sizeof(*st));

		if (st == NULL)
			return DONGBO_E_NOMEM;
		ck->st = st;
		ck->cap_st = cap;
	}
	s = &ck->st[ck->n_st++];
	s->entry = i;
	s->ind = ind;
	snprintf(s->period, sizeof(s->period), "%s", rec->period);
	s->value = rec->value;
	return 0;
}

static int read_values(struct check *ck, const struct dongbo_unit *anchor)
{
	struct dongbo_period p, within[DONGBO_PERIODS_PER_YEAR];
	size_t n;
	int rv;

	if (dongbo_period_parse(ck->period, &p) != 0)
		return DONGBO_E_BAD_PERIOD;
	n = dongbo_period_walk(&p, within);
	for (size_t i = 0; i < n; i++) {
		char text[DONGBO_PERIOD_MAX];

		dongbo_period_format(&within[i], text);
		rv = dongbo_store_values(ck->store, anchor->code, text,
					 value_cb, ck);
		if (rv != 0)
			return rv;
	}
	return 0;
}

/* ---- rules ---- */

static int memo_get(struct check *ck, const struct dongbo_unit *u,
		    enum dongbo_check_scope scope,
		    const struct dongbo_indicator *ind, int64_t *value,
		    bool *found)
{
	struct memo *m;
	int rv;

	for (size_t i = 0; i < ck->n_memo; i++)
		if (ck->memo[i].ind == ind) {
			*value = ck->memo[i].value;
			*found = ck->memo[i].found;
			return 0;
		}
	if (scope == DONGBO_CHECK_OWN) {
		rv = dongbo_figures_own(ck->store, ind, u, ck->period, value,
					found);
	} else {
		struct dongbo_figures f;

		rv = dongbo_figures_eval(ck->store, ind, u, ck->period, NULL,
					 false, &f);
		if (rv == 0) {
			*value = f.total.value;
			*found = f.total.found;
			dongbo_figures_fini(&f);
		}
	}
	if (rv != 0)
		return rv;
	if (ck->n_memo == ck->cap_memo) {
		size_t cap = ck->cap_memo ? ck->cap_memo * 2 : 16;

		m = realloc(ck->memo, cap * sizeof(*m));
		if (m == NULL)
			return DONGBO_E_NOMEM;
		ck->memo = m;
		ck->cap_memo = cap;
	}
	m = &ck->memo[ck->n_memo++];
	m->ind = ind;
	m->value = *value;
	m->found = *found;
	return 0;
}

/* Σ of one side; *all_found false when one of its indicators has no
 * value (the rule is then not evaluated). */
static int side_sum(struct check *ck, const struct dongbo_unit *u,
		    enum dongbo_check_scope scope,
		    const struct dongbo_indicator *const *inds, size_t n,
		    int64_t *sum, bool *all_found)
{
	*sum = 0;
	*all_found = true;
	for (size_t i = 0; i < n; i++) {
		int64_t v;
		bool found;
		int rv = memo_get(ck, u, scope, inds[i], &v, &found);

		if (rv != 0)
			return rv;
		if (!found) {
			*all_found = false;
			return 0;
		}
		if (__builtin_add_overflow(*sum, v, sum))
			return DONGBO_E_BAD_VALUE;
	}
	return 0;
}

static int check_rules(struct check *ck, const struct dongbo_unit *u,
		       enum dongbo_check_scope scope)
{
	size_t n_rules = dongbo_catalog_rule_count(ck->cat);

	ck->n_memo = 0;
	for (size_t r = 0; r < n_rules; r++) {
		const struct dongbo_rule *rule =
			dongbo_catalog_rule_at(ck->cat, r);
		struct dongbo_check_violation v = { u, scope, rule, 0, 0 };
		bool lf = false, rf = false, ok;
		int rv;

		rv = side_sum(ck, u, scope, rule->left, rule->n_left, &v.left,
			      &lf);
		if (rv == 0 && lf)
			rv = side_sum(ck, u, scope, rule->right, rule->n_right,
				      &v.right, &rf);
		if (rv != 0)
			return rv;
		if (!lf || !rf)
			continue;
		ok = rule->op == DONGBO_OP_EQ ? v.left == v.right
					      : v.left <= v.right;
		if (!ok && ck->cbs->violation != NULL &&
		    (rv = ck->cbs->violation(ck->cbs->arg, &v)) != 0)
			return rv;
	}
	return 0;
}

/* ---- stated totals and conflicts ---- */

static int check_stated(struct check *ck)
{
	for (size_t i = 0; i < ck->n_st; i++) {
		const struct stated *s = &ck->st[i];
		struct dongbo_check_stated cs = { ck->e[s->entry].unit, s->ind,
						  s->period, s->value, false,
						  0 };
		enum dongbo_unit_rule rule = s->ind->rule;
		int rv;

		if (rule == DONGBO_RULE_SUM || rule == DONGBO_RULE_TOTAL ||
		    rule == DONGBO_RULE_MIN || rule == DONGBO_RULE_MAX) {
			struct dongbo_figures f;

			rv = dongbo_figures_eval(ck->store, s->ind, cs.unit,
						 s->period, NULL, false, &f);
			if (rv != 0)
				return rv;
			cs.has_computed = f.total.found;
			cs.computed = f.total.value;
			dongbo_figures_fini(&f);
		}
		if (ck->cbs->stated != NULL &&
		    (rv = ck->cbs->stated(ck->cbs->arg, &cs)) != 0)
			return rv;
	}
	return 0;
}

static int check_conflicts(struct check *ck, const struct dongbo_unit *anchor)
{
	size_t n = dongbo_catalog_count(ck->cat);

	if (ck->cbs->conflict == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct dongbo_indicator *ind =
			dongbo_catalog_at(ck->cat, i);
		int rv;

		if (!dongbo_indicator_is_stored(ind))
			continue;
		rv = dongbo_figures_conflicts(ck->store, ind, anchor,
					      ck->period, ck->cbs->conflict,
					      ck->cbs->arg);
		if (rv != 0)
			return rv;
	}
	return 0;
}

int dongbo_check_run(struct dongbo_store *store,
		     const struct dongbo_catalog *cat,
		     const struct dongbo_unit *anchor, const char *period,
		     const struct dongbo_check_cbs *cbs, size_t *n_checked)
{
	struct check ck;
	size_t *own_before = NULL; /* own_before[i]: units with values in e[0..i) */
	size_t checked = 0;
	int rv;

	memset(&ck, 0, sizeof(ck));
	ck.store = store;
	ck.cat = cat;
	ck.period = period;
	ck.cbs = cbs;
	if ((rv = subtree_list(&ck, anchor)) != 0)
		goto out;
	if ((rv = read_values(&ck, anchor)) != 0)
		goto out;
	if ((own_before = calloc(ck.n + 1, sizeof(*own_before))) == NULL) {
		rv = DONGBO_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ck.n; i++)
		own_before[i + 1] = own_before[i] + (ck.e[i].own ? 1 : 0);
	for (size_t i = 0; i < ck.n; i++) {
		const struct entry *e = &ck.e[i];
		bool below = own_before[e->end] - own_before[i + 1] > 0;

		if (!e->own && !below)
			continue;
		checked++;
		if (e->own && (rv = check_rules(&ck, e->unit,
						DONGBO_CHECK_OWN)) != 0)
			goto out;
		if (below && (rv = check_rules(&ck, e->unit,
					       DONGBO_CHECK_SUBTREE)) != 0)
			goto out;
	}
	if ((rv = check_stated(&ck)) != 0)
		goto out;
	if ((rv = check_conflicts(&ck, anchor)) != 0)
		goto out;
	*n_checked = checked;
out:
	free(own_before);
	free(ck.e);
	free(ck.by_code);
	free(ck.st);
	free(ck.memo);
	return rv;
}
