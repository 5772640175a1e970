/*
 * ctl_tree.c -- `dongbo tree`: every unit of a subtree and how its data
 * reaches this node.
 *
 * Happy path: the unit asked for ("" for the home unit) is checked to be
 * within this node's subtree; this node's own entry is read (subtree.c);
 * dongbo_tree_rows walks the unit list under it with the summaries the
 * nodes below sent up (tree.h), one TreeRow per unit, in ctl_alloc
 * memory; with a form and a period, each row also carries the unit's
 * approval state of that form for that period (draft when none is
 * stored).  Read-only.
 *
 * Failure modes: an unknown unit, or one outside this node's subtree, is
 * refused naming it (ctl_find_unit); store errors pass on their code; a
 * reply too large for one message is refused by ctl.c with TOOBIG.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "error.h"
#include "subtree.h"
#include "tree.h"
#include "util.h"

struct tree_rows {
	struct ctl_reply *r;
	struct dongbo_store *store;
	const char *form;   /* NULL: no approval column */
	const char *period;
	Dongbo__TreeRow **rows;
	size_t n, cap;
};

static int tree_row_cb(void *arg, const struct dongbo_tree_row *row)
{
	struct tree_rows *w = arg;
	Dongbo__TreeRow *out = ctl_alloc(w->r, 1, sizeof(*out));
	Dongbo__UnitInfo *info = ctl_alloc(w->r, 1, sizeof(*info));
	void *p;

	if (out == NULL || info == NULL)
		return DONGBO_E_NOMEM;
	if ((p = dongbo_grow(w->rows, &w->cap, w->n, sizeof(*w->rows), 64)) ==
	    NULL)
		return DONGBO_E_NOMEM;
	w->rows = p;
	dongbo__tree_row__init(out);
	ctl_unit_info(info, row->unit);
	out->unit = info;
	out->depth = (uint32_t)row->depth;
	out->kind = (char *)row->kind;
	out->host = row->host != NULL ? (char *)row->host->code : "";
	out->via = row->via != NULL ? (char *)row->via->code : "";
	out->last_seen_ms = row->last_seen_ms;
	out->waiting = row->waiting;
	out->refused = row->refused;
	out->health = (char *)row->health;
	out->catalog_version = row->catalog_version;
	out->lag = row->lag;
	out->age_ms = row->age_ms;
	/* The row's texts live for the callback only. */
	out->note = ctl_strdup(w->r, row->note);
	out->store_id = ctl_strdup(w->r, row->store_id);
	if (out->note == NULL || out->store_id == NULL)
		return DONGBO_E_NOMEM;
	if (w->form != NULL) {
		struct dongbo_approval a;
		int rv = dongbo_store_approval_get(w->store, row->unit->code,
						   w->form, w->period, &a);

		if (rv == DONGBO_E_NOTFOUND) {
			out->approval = (char *)dongbo_approval_state_word(
				DONGBO_APPROVAL_DRAFT);
		} else if (rv != 0) {
			return rv;
		} else {
			out->approval =
				(char *)dongbo_approval_state_word(a.state);
			out->approval_changed = a.changed;
		}
	}
	w->rows[w->n++] = out;
	return 0;
}

void ctl_handle_tree(struct dongbo_node *node, struct ctl_reply *r,
		     const Dongbo__TreeRequest *q)
{
	Dongbo__TreeReply *tr = ctl_alloc(r, 1, sizeof(*tr));
	Dongbo__UnitInfo *root_info = ctl_alloc(r, 1, sizeof(*root_info));
	struct tree_rows w = { .r = r, .store = node->store };
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	const struct dongbo_unit *root = node->home;
	struct dongbo_tree_entry self;
	struct dongbo_tree_view v;
	int64_t now = dongbo_now_ms();
	int rv;

	if (tr == NULL || root_info == NULL || period == NULL)
		return;
	dongbo__tree_reply__init(tr);
	if (q->unit[0] != '\0' && ctl_find_unit(node, r, q->unit, &root) != 0)
		return;
	if ((q->form[0] != '\0') != (q->period[0] != '\0')) {
		ctl_fail(r, DONGBO_E_INVAL, "the approval column needs both a "
			 "form and a period (form '%.32s', period '%.16s')",
			 q->form, q->period);
		return;
	}
	if (q->form[0] != '\0') {
		const struct dongbo_form *f =
			dongbo_catalog_form_find(node->catalog, q->form);

		if (f == NULL) {
			ctl_fail(r, DONGBO_E_NOTFOUND, "no form '%.64s' in "
				 "catalog v%u (`dongbo catalog forms` lists "
				 "them)", q->form,
				 dongbo_catalog_version(node->catalog));
			return;
		}
		if (ctl_parse_period(r, q->period, period) != 0)
			return;
		w.form = f->code;
		w.period = period;
	}
	rv = dongbo_subtree_self(node, now, &self);
	if (rv != 0) {
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	dongbo_subtree_view(node, &self, now, &v);
	rv = dongbo_tree_rows(node->tree, &v, root, tree_row_cb, &w);
	dongbo_tree_entry_fini(&self);
	/* The reply owns the rows from here, whatever happened. */
	if (!ctl_own(r, w.rows))
		return;
	if (rv != 0) {
		if (r->rep.code == 0)
			ctl_fail(r, rv, "%s", dongbo_strerror(rv));
		return;
	}
	ctl_unit_info(root_info, root);
	tr->root = root_info;
	tr->rows = w.rows;
	tr->n_rows = w.n;
	tr->catalog_version = dongbo_catalog_version(node->catalog);
	tr->now_ms = now;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_TREE;
	r->rep.tree = tr;
}
