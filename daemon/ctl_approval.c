/*
 * ctl_approval.c -- `dongbo submit | approve | return | reopen` (writes)
 * and `dongbo approval` (a read): the submission and approval of a form
 * for a period, per unit.
 *
 * Happy path: the unit (within this node's subtree), the period and the
 * form are checked, and the form must have rows for the unit's level.  The
 * state stored here is read and the action checked against it and against
 * where it may be taken: submit (draft or returned -> submitted) at the
 * node that hosts the unit; approve (submitted -> approved), return
 * (submitted or approved -> returned, with a note) and reopen (approved ->
 * draft) at the node that hosts the unit's parent, "the parent level".
 * The new state is stored with a new version only if the stored one is
 * still the one read (dongbo_store_approval_put_local), logged to go up,
 * and sent down to the child whose subtree holds the unit in its next Ack
 * (daemon/sync.c).  The query lists the states of the unit's subtree.
 *
 * Failure modes: an unknown or outside unit, a malformed period, an
 * unknown form, a form without rows for the unit's level: the matching
 * DONGBO_E_* code quoting the value.  An action at the wrong node is
 * NOT_HOSTED, naming the node that may take it; one the current state does
 * not allow is STATE, naming the state, who set it, when, and what to do.
 * A return without a note, or a note over DONGBO_APPROVAL_NOTE_MAX bytes:
 * INVAL.  Store errors pass on their code; nothing is stored then.
 */
#include <stdio.h>
#include <string.h>

#include "approval.h"
#include "ctl.h"
#include "error.h"
#include "log.h"
#include "uplink.h"

Dongbo__ApprovalShown *ctl_approval_shown(struct dongbo_node *node,
					  struct ctl_reply *r,
					  const struct dongbo_unit *u,
					  const char *form, const char *period,
					  const struct dongbo_approval *a)
{
	Dongbo__ApprovalShown *s = ctl_alloc(r, 1, sizeof(*s));
	Dongbo__UnitInfo *ui = ctl_alloc(r, 1, sizeof(*ui));

	if (s == NULL || ui == NULL)
		return NULL;
	dongbo__approval_shown__init(s);
	ctl_unit_info(ui, u);
	s->unit = ui;
	s->form = ctl_strdup(r, form);
	s->period = ctl_strdup(r, period);
	if (s->form == NULL || s->period == NULL)
		return NULL;
	if (u->parent != NULL) {
		s->approver = ctl_alloc(r, 1, sizeof(*s->approver));
		if (s->approver == NULL)
			return NULL;
		ctl_unit_info(s->approver, u->parent);
	}
	s->state = (char *)dongbo_approval_state_word(
		a != NULL ? a->state : DONGBO_APPROVAL_DRAFT);
	if (a == NULL)
		return s;
	s->changed = a->changed;
	s->version = a->version;
	s->at_ms = a->at_ms;
	s->node = ctl_unit_info_code(node, r, a->node);
	s->user = ctl_strdup(r, a->user);
	s->note = ctl_strdup(r, a->note);
	if (s->node == NULL || s->user == NULL || s->note == NULL)
		return NULL;
	return s;
}

/* "213 (Thành phố Bắc Giang)" for the node that set a. */
static void node_words(struct dongbo_node *node, const char *code, char *buf,
		       size_t len)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units, code);

	snprintf(buf, len, "%s%s%s%s", code, u != NULL ? " (" : "",
		 u != NULL ? u->name : "", u != NULL ? ")" : "");
}

/* Refuses an action the state `cur` (found or not) does not allow. */
static int refuse_state(struct dongbo_node *node, struct ctl_reply *r,
			const char *action, const struct dongbo_unit *u,
			const struct dongbo_form *f, const char *period,
			const struct dongbo_approval *cur, bool found)
{
	char who[128], date[32], parent[128];
	enum dongbo_approval_state st = found ? cur->state
					      : DONGBO_APPROVAL_DRAFT;

	node_words(node, found ? cur->node : "?", who, sizeof(who));
	dongbo_approval_date(found ? cur->at_ms : 0, date, sizeof(date));
	if (u->parent != NULL)
		node_words(node, u->parent->code, parent, sizeof(parent));
	else
		snprintf(parent, sizeof(parent), "its parent level");
	switch (st) {
	case DONGBO_APPROVAL_APPROVED:
		return ctl_fail(r, DONGBO_E_STATE,
				"form %s %s of %s is approved by %s on %s: "
				"cannot %s it; ask %s to reopen it (dongbo "
				"reopen %s %s --form %s)", f->code, period,
				u->code, who, date, action,
				u->parent ? u->parent->code : "the parent",
				u->code, period, f->code);
	case DONGBO_APPROVAL_SUBMITTED:
		return ctl_fail(r, DONGBO_E_STATE,
				"form %s %s of %s is already submitted (by %s "
				"on %s): cannot %s it; %s approves or returns "
				"it", f->code, period, u->code, who, date,
				action, parent);
	case DONGBO_APPROVAL_RETURNED:
		return ctl_fail(r, DONGBO_E_STATE,
				"form %s %s of %s was returned by %s on %s: "
				"cannot %s it; %s submits it again first "
				"(dongbo submit %s %s --form %s)", f->code,
				period, u->code, who, date, action, u->code,
				u->code, period, f->code);
	case DONGBO_APPROVAL_DRAFT:
	default:
		return ctl_fail(r, DONGBO_E_STATE,
				"form %s %s of %s is a draft (not submitted): "
				"cannot %s it; %s submits it first (dongbo "
				"submit %s %s --form %s)", f->code, period,
				u->code, action, u->code, u->code, period,
				f->code);
	}
}

static int has_need(void *arg, const struct dongbo_indicator *ind)
{
	(void)arg;
	(void)ind;
	return 1;
}

/* The form, found, with rows for u's level; or r failed. */
static int find_form(struct dongbo_node *node, struct ctl_reply *r,
		     const char *code, const struct dongbo_unit *u,
		     const struct dongbo_form **out)
{
	const struct dongbo_form *f = dongbo_catalog_form_find(node->catalog,
								 code);

	if (f == NULL)
		return ctl_fail(r, DONGBO_E_NOTFOUND,
				"no form '%.64s' in catalog v%u (`dongbo "
				"catalog forms` lists them)", code,
				dongbo_catalog_version(node->catalog));
	if (u != NULL && dongbo_form_needs(f, u->level, has_need, NULL) != 1)
		return ctl_fail(r, DONGBO_E_INVAL,
				"form %s has no row that a unit of level %s "
				"(%s, %s) fills: nothing to submit", f->code,
				u->level, u->code, u->name);
	*out = f;
	return 0;
}

/* Where the action may be taken: 0, or r failed naming the node. */
static int check_place(struct dongbo_node *node, struct ctl_reply *r,
		       const char *action, const struct dongbo_unit *u)
{
	if (strcmp(action, "submit") == 0) {
		if (dongbo_node_hosts(node, u))
			return 0;
		return ctl_fail(r, DONGBO_E_NOT_HOSTED,
				"unit %s (%s) is not hosted by this node (%s): "
				"its forms are submitted at its own node",
				u->code, u->name, node->home->code);
	}
	if (u->parent == NULL)
		return ctl_fail(r, DONGBO_E_INVAL,
				"unit %s (%s) has no parent level to %s its "
				"forms", u->code, u->name, action);
	if (dongbo_node_hosts(node, u->parent))
		return 0;
	return ctl_fail(r, DONGBO_E_NOT_HOSTED,
			"only the parent level of %s, %s (%s), may %s its "
			"forms: run this at the node that hosts %s, not at "
			"%s (%s)", u->code, u->parent->code, u->parent->name,
			action, u->parent->code, node->home->code,
			node->home->name);
}

/* The state the action leads to from cur; or r failed. */
static int next_state(struct dongbo_node *node, struct ctl_reply *r,
		      const Dongbo__ApprovalRequest *q,
		      const struct dongbo_unit *u, const struct dongbo_form *f,
		      const char *period, const struct dongbo_approval *cur,
		      bool found, enum dongbo_approval_state *out)
{
	enum dongbo_approval_state st = found ? cur->state
					      : DONGBO_APPROVAL_DRAFT;
	const char *a = q->action;
	bool ok;

	if (strcmp(a, "submit") == 0) {
		ok = st == DONGBO_APPROVAL_DRAFT ||
		     st == DONGBO_APPROVAL_RETURNED;
		*out = DONGBO_APPROVAL_SUBMITTED;
	} else if (strcmp(a, "approve") == 0) {
		ok = st == DONGBO_APPROVAL_SUBMITTED;
		*out = DONGBO_APPROVAL_APPROVED;
	} else if (strcmp(a, "return") == 0) {
		if (q->note[0] == '\0')
			return ctl_fail(r, DONGBO_E_INVAL,
					"a return says why: give --note "
					"TEXT for %s", u->code);
		ok = st == DONGBO_APPROVAL_SUBMITTED ||
		     st == DONGBO_APPROVAL_APPROVED;
		*out = DONGBO_APPROVAL_RETURNED;
	} else if (strcmp(a, "reopen") == 0) {
		if (found && st != DONGBO_APPROVAL_APPROVED)
			return ctl_fail(r, DONGBO_E_STATE,
					"form %s %s of %s is %s, not approved: "
					"nothing to reopen", f->code, period,
					u->code,
					dongbo_approval_state_word(st));
		ok = st == DONGBO_APPROVAL_APPROVED;
		*out = DONGBO_APPROVAL_DRAFT;
	} else {
		return ctl_fail(r, DONGBO_E_INVAL,
				"unknown approval action '%.32s' (submit, "
				"approve, return or reopen)", a);
	}
	if (!ok)
		return refuse_state(node, r, a, u, f, period, cur, found);
	return 0;
}

void ctl_handle_approval_set(struct dongbo_node *node, struct ctl_reply *r,
			     const Dongbo__ApprovalRequest *q)
{
	Dongbo__ApprovalReply *ar = ctl_alloc(r, 1, sizeof(*ar));
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	const struct dongbo_unit *u = NULL;
	const struct dongbo_form *f = NULL;
	struct dongbo_approval cur, a;
	enum dongbo_approval_state st = DONGBO_APPROVAL_DRAFT;
	bool found = true;
	int rv;

	if (ar == NULL || period == NULL)
		return;
	if (ctl_find_unit(node, r, q->unit, &u) != 0 ||
	    ctl_parse_period(r, q->period, period) != 0 ||
	    find_form(node, r, q->form, u, &f) != 0 ||
	    check_place(node, r, q->action, u) != 0)
		return;
	if (strlen(q->note) > DONGBO_APPROVAL_NOTE_MAX) {
		ctl_fail(r, DONGBO_E_INVAL, "the note is %zu bytes long, at "
			 "most %u are kept", strlen(q->note),
			 DONGBO_APPROVAL_NOTE_MAX);
		return;
	}
	rv = dongbo_store_approval_get(node->store, u->code, f->code, period,
				       &cur);
	if (rv == DONGBO_E_NOTFOUND) {
		found = false;
		memset(&cur, 0, sizeof(cur));
	} else if (rv != 0) {
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	if (next_state(node, r, q, u, f, period, &cur, found, &st) != 0)
		return;
	memset(&a, 0, sizeof(a));
	snprintf(a.unit, sizeof(a.unit), "%s", u->code);
	snprintf(a.form, sizeof(a.form), "%s", f->code);
	snprintf(a.period, sizeof(a.period), "%s", period);
	snprintf(a.node, sizeof(a.node), "%s", node->home->code);
	snprintf(a.user, sizeof(a.user), "%s", r->peer.name);
	snprintf(a.note, sizeof(a.note), "%s", q->note);
	a.state = st;
	a.changed = false;
	a.at_ms = dongbo_now_ms();
	rv = dongbo_store_approval_put_local(node->store, &a,
					     found ? cur.version : 0,
					     dongbo_now_us());
	if (rv == DONGBO_E_STATE) {
		ctl_fail(r, rv, "the state of form %s %s of %s changed while "
			 "this %s was checked: look again (dongbo approval "
			 "%s %s --form %s)", f->code, period, u->code,
			 q->action, u->code, period, f->code);
		return;
	}
	if (rv != 0) {
		dongbo_log_error("ctl: %s %s %s %s: %s", q->action, u->code,
				 f->code, period, dongbo_strerror(rv));
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	dongbo_log_info("ctl: %s %s %s %s by '%s': %s", q->action, u->code,
			f->code, period, r->peer.name,
			dongbo_approval_state_word(st));
	dongbo_uplink_kick(node->uplink);
	dongbo__approval_reply__init(ar);
	ar->unit = ctl_alloc(r, 1, sizeof(*ar->unit));
	if (ar->unit == NULL)
		return;
	ctl_unit_info(ar->unit, u);
	ar->period = period;
	ar->set = ctl_approval_shown(node, r, u, f->code, period, &a);
	if (ar->set == NULL)
		return;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_APPROVAL;
	r->rep.approval = ar;
}

/* ---- The query ---- */

struct query_walk {
	struct dongbo_node *node;
	struct ctl_reply *r;
	const char *period;
	const char *form; /* NULL: every form */
	const struct dongbo_unit *u;
	Dongbo__ApprovalReply *ar;
	size_t cap;
	int rv;
};

static int query_add(struct query_walk *w, const char *form,
		     const struct dongbo_approval *a)
{
	Dongbo__ApprovalShown **grown;

	if (w->ar->n_states == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;

		grown = ctl_alloc(w->r, cap, sizeof(*grown));
		if (grown == NULL)
			return DONGBO_E_NOMEM;
		if (w->ar->n_states > 0)
			memcpy(grown, w->ar->states,
			       w->ar->n_states * sizeof(*grown));
		w->ar->states = grown;
		w->cap = cap;
	}
	w->ar->states[w->ar->n_states] =
		ctl_approval_shown(w->node, w->r, w->u, form, w->period, a);
	if (w->ar->states[w->ar->n_states] == NULL)
		return DONGBO_E_NOMEM;
	w->ar->n_states++;
	return 0;
}

static int query_entry(void *arg, const struct dongbo_approval *a)
{
	struct query_walk *w = arg;

	if (strcmp(a->period, w->period) != 0 ||
	    (w->form != NULL && strcmp(a->form, w->form) != 0))
		return 0;
	return query_add(w, a->form, a);
}

static int query_subtree(struct query_walk *w, const struct dongbo_unit *u)
{
	int rv;

	w->u = u;
	rv = dongbo_store_approvals(w->node->store, u->code, query_entry, w);
	for (const struct dongbo_unit *c = u->first_child; rv == 0 && c != NULL;
	     c = c->next_sibling)
		rv = query_subtree(w, c);
	return rv;
}

void ctl_handle_approval_query(struct dongbo_node *node, struct ctl_reply *r,
			       const Dongbo__ApprovalQuery *q)
{
	Dongbo__ApprovalReply *ar = ctl_alloc(r, 1, sizeof(*ar));
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	const struct dongbo_unit *u = NULL;
	const struct dongbo_form *f = NULL;
	struct query_walk w = { .node = node, .r = r, .ar = ar };
	int rv;

	if (ar == NULL || period == NULL)
		return;
	if (ctl_find_unit(node, r, q->unit, &u) != 0 ||
	    ctl_parse_period(r, q->period, period) != 0 ||
	    (q->form[0] != '\0' && find_form(node, r, q->form, NULL, &f) != 0))
		return;
	dongbo__approval_reply__init(ar);
	w.period = period;
	w.form = f != NULL ? f->code : NULL;
	rv = query_subtree(&w, u);
	if (rv == DONGBO_E_NOMEM)
		return; /* r failed already */
	if (rv != 0) {
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	ar->unit = ctl_alloc(r, 1, sizeof(*ar->unit));
	if (ar->unit == NULL)
		return;
	ctl_unit_info(ar->unit, u);
	ar->period = period;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_APPROVAL;
	r->rep.approval = ar;
}
