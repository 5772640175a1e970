/*
 * tree.c -- the subtree view: summaries taken from children, the summary
 * sent up, and the rows of `dongbo tree` (see tree.h).
 *
 * Happy path: a child's push carries its SubtreeStatus; dongbo_tree_check
 * looks at its sizes before the batch is applied, dongbo_tree_take keeps
 * the entries within the child's subtree (converted to our clock) in
 * place of those that came through that child before.  Our own push
 * carries our self entry and every entry held, each aged by the time we
 * held it.  dongbo_tree_rows walks the unit list under a root and finds,
 * for each unit, its own entry (a node), the node hosting it, or nothing.
 *
 * Failure modes: a summary over the caps, or one that does not begin with
 * the child itself, is refused (the caller refuses the push whole); entries
 * a child may not speak for are ignored and counted; a replayed older
 * summary is ignored; out of memory leaves the view as it was.  Health
 * words from the wire are mapped to our own static ones ("unknown" for
 * anything else), so nothing a peer sends is kept as a pointer.
 */
#include "tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct child_made {
	const struct dongbo_unit *child;
	int64_t made_ms; /* the child's clock: the last summary taken */
};

struct dongbo_tree {
	struct dongbo_tree_entry *entries; /* sorted by unit code */
	size_t n;
	struct child_made *made;
	size_t n_made;
};

static const char *const health_words[] = {
	"ok", "lagging", "stalled", "offline", "restoring", "never seen",
};

const char *dongbo_tree_health_word(const char *s)
{
	for (size_t i = 0; i < sizeof(health_words) / sizeof(*health_words);
	     i++)
		if (s != NULL && strcmp(s, health_words[i]) == 0)
			return health_words[i];
	return "unknown";
}

void dongbo_tree_entry_fini(struct dongbo_tree_entry *e)
{
	free(e->hosts);
	free(e->links);
	e->hosts = NULL;
	e->links = NULL;
	e->n_hosts = e->n_links = 0;
}

struct dongbo_tree *dongbo_tree_new(void)
{
	return calloc(1, sizeof(struct dongbo_tree));
}

void dongbo_tree_free(struct dongbo_tree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		dongbo_tree_entry_fini(&t->entries[i]);
	free(t->entries);
	free(t->made);
	free(t);
}

int dongbo_tree_check(const struct dongbo_unit *child,
		      const Dongbo__SubtreeStatus *s, char *err, size_t errlen)
{
	if (s->n_nodes > DONGBO_TREE_NODES_MAX) {
		snprintf(err, errlen, "a subtree summary of %zu nodes (at most "
			 "%u)", s->n_nodes, DONGBO_TREE_NODES_MAX);
		return DONGBO_E_TOOBIG;
	}
	for (size_t i = 0; i < s->n_nodes; i++) {
		const Dongbo__NodeSummary *n = s->nodes[i];

		if (n->n_hosts > DONGBO_TREE_LIST_MAX ||
		    n->n_children > DONGBO_TREE_LIST_MAX) {
			snprintf(err, errlen, "subtree summary of '%.32s': %zu "
				 "hosts and %zu children (at most %u each)",
				 n->unit, n->n_hosts, n->n_children,
				 DONGBO_TREE_LIST_MAX);
			return DONGBO_E_TOOBIG;
		}
	}
	if (s->n_nodes == 0 || strcmp(s->nodes[0]->unit, child->code) != 0) {
		snprintf(err, errlen, "a subtree summary from %s that begins "
			 "with '%.32s', not with %s itself", child->code,
			 s->n_nodes > 0 ? s->nodes[0]->unit : "(nothing)",
			 child->code);
		return DONGBO_E_PROTO;
	}
	return 0;
}

static int64_t clamp_age(int64_t ms)
{
	if (ms < 0)
		return 0;
	return ms > DONGBO_TREE_AGE_MAX_MS ? DONGBO_TREE_AGE_MAX_MS : ms;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct dongbo_tree_entry *x = a, *y = b;

	return strcmp(x->unit->code, y->unit->code);
}

/* Fills e from n (within child's subtree): 0, 1 to ignore it, or
 * DONGBO_E_NOMEM. */
static int entry_of(struct dongbo_tree_entry *e,
		    const struct dongbo_units *units,
		    const struct dongbo_unit *child,
		    const Dongbo__NodeSummary *n, int64_t now_ms)
{
	const struct dongbo_unit *u = dongbo_units_find(units, n->unit);

	memset(e, 0, sizeof(*e));
	if (u == NULL || !dongbo_unit_is_within(u, child))
		return 1;
	e->unit = u;
	e->via = child;
	snprintf(e->store_id, sizeof(e->store_id), "%s", n->store_id);
	e->catalog_version = n->catalog_version;
	e->head_seq = n->head_seq;
	e->waiting = n->waiting;
	e->refused = n->refused;
	e->parent_health = n->parent_health[0] != '\0'
				   ? dongbo_tree_health_word(n->parent_health)
				   : "";
	e->made_ms = now_ms - clamp_age(n->age_ms);
	if (n->n_hosts > 0 &&
	    (e->hosts = calloc(n->n_hosts, sizeof(*e->hosts))) == NULL)
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < n->n_hosts; i++) {
		const struct dongbo_unit *h = dongbo_units_find(units,
								 n->hosts[i]);

		if (h != NULL && h != u && dongbo_unit_is_within(h, u))
			e->hosts[e->n_hosts++] = h;
	}
	if (n->n_children > 0 &&
	    (e->links = calloc(n->n_children, sizeof(*e->links))) == NULL) {
		dongbo_tree_entry_fini(e);
		return DONGBO_E_NOMEM;
	}
	for (size_t i = 0; i < n->n_children; i++) {
		const Dongbo__LinkSummary *l = n->children[i];
		const struct dongbo_unit *c = dongbo_units_find(units, l->unit);
		struct dongbo_tree_link *k;

		if (c == NULL || c == u || !dongbo_unit_is_within(c, u))
			continue;
		k = &e->links[e->n_links++];
		k->unit = c;
		k->seen_ms = l->seen_ago_ms < 0
				     ? 0
				     : e->made_ms - clamp_age(l->seen_ago_ms);
		k->applied_seq = l->applied_seq;
		k->lag = l->lag < 0 ? -1 : l->lag;
		k->refused = l->refused;
		k->health = dongbo_tree_health_word(l->health);
	}
	return 0;
}

static struct child_made *made_of(struct dongbo_tree *t,
				  const struct dongbo_unit *child)
{
	for (size_t i = 0; i < t->n_made; i++)
		if (t->made[i].child == child)
			return &t->made[i];
	return NULL;
}

int dongbo_tree_take(struct dongbo_tree *t, const struct dongbo_units *units,
		     const struct dongbo_unit *child,
		     const Dongbo__SubtreeStatus *s, int64_t now_ms,
		     size_t *n_ignored)
{
	struct child_made *cm = made_of(t, child);
	struct dongbo_tree_entry *all;
	size_t n_new = 0, n_kept = 0;

	*n_ignored = 0;
	if (cm != NULL && s->nodes[0]->made_ms < cm->made_ms)
		return DONGBO_E_EXISTS;
	if (cm == NULL) {
		struct child_made *m = realloc(t->made,
					       (t->n_made + 1) * sizeof(*m));

		if (m == NULL)
			return DONGBO_E_NOMEM;
		t->made = m;
		cm = &t->made[t->n_made++];
		cm->child = child;
		cm->made_ms = 0;
	}
	all = calloc(t->n + s->n_nodes, sizeof(*all));
	if (all == NULL)
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < s->n_nodes; i++) {
		struct dongbo_tree_entry *e = &all[n_new];
		bool dup = false;
		int rv = entry_of(e, units, child, s->nodes[i], now_ms);

		if (rv < 0) {
			for (size_t j = 0; j < n_new; j++)
				dongbo_tree_entry_fini(&all[j]);
			free(all);
			return rv;
		}
		for (size_t j = 0; rv == 0 && j < n_new; j++)
			dup = dup || all[j].unit == e->unit;
		if (rv != 0 || dup) {
			dongbo_tree_entry_fini(e);
			(*n_ignored)++;
			continue;
		}
		n_new++;
	}
	/* Committed from here: what came through child before goes. */
	for (size_t i = 0; i < t->n; i++) {
		if (t->entries[i].via == child)
			dongbo_tree_entry_fini(&t->entries[i]);
		else
			all[n_new + n_kept++] = t->entries[i];
	}
	free(t->entries);
	t->entries = all;
	t->n = n_new + n_kept;
	qsort(t->entries, t->n, sizeof(*t->entries), entry_cmp);
	cm->made_ms = s->nodes[0]->made_ms;
	return 0;
}

/* ---- the summary sent up ---- */

struct packed_node {
	Dongbo__NodeSummary ns;
	Dongbo__LinkSummary *links;
	Dongbo__LinkSummary **link_ptrs;
	char **hosts;
	char store_id[48]; /* a copy: self may be gone before packing */
};

void dongbo_tree_summary_free(Dongbo__SubtreeStatus *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_nodes; i++) {
		struct packed_node *p = (struct packed_node *)s->nodes[i];

		free(p->links);
		free(p->link_ptrs);
		free(p->hosts);
	}
	free(s->nodes == NULL ? NULL : (void *)s->nodes[0]);
	free(s->nodes);
	free(s);
}

static int pack_entry(struct packed_node *p, const struct dongbo_tree_entry *e,
		      int64_t now_ms)
{
	Dongbo__NodeSummary *n = &p->ns;

	dongbo__node_summary__init(n);
	n->unit = (char *)e->unit->code;
	snprintf(p->store_id, sizeof(p->store_id), "%s", e->store_id);
	n->store_id = p->store_id;
	n->catalog_version = e->catalog_version;
	n->head_seq = e->head_seq;
	n->waiting = e->waiting;
	n->refused = e->refused;
	n->parent_health = (char *)e->parent_health;
	n->age_ms = clamp_age(now_ms - e->made_ms);
	if (e->n_hosts > 0) {
		size_t nh = e->n_hosts < DONGBO_TREE_LIST_MAX
				    ? e->n_hosts : DONGBO_TREE_LIST_MAX;

		if ((p->hosts = calloc(nh, sizeof(*p->hosts))) == NULL)
			return DONGBO_E_NOMEM;
		for (size_t i = 0; i < nh; i++)
			p->hosts[i] = (char *)e->hosts[i]->code;
		n->hosts = p->hosts;
		n->n_hosts = nh;
	}
	if (e->n_links > 0) {
		size_t nl = e->n_links < DONGBO_TREE_LIST_MAX
				    ? e->n_links : DONGBO_TREE_LIST_MAX;

		p->links = calloc(nl, sizeof(*p->links));
		p->link_ptrs = calloc(nl, sizeof(*p->link_ptrs));
		if (p->links == NULL || p->link_ptrs == NULL)
			return DONGBO_E_NOMEM;
		for (size_t i = 0; i < nl; i++) {
			const struct dongbo_tree_link *k = &e->links[i];
			Dongbo__LinkSummary *l = &p->links[i];

			dongbo__link_summary__init(l);
			l->unit = (char *)k->unit->code;
			l->seen_ago_ms = k->seen_ms == 0
						 ? -1
						 : clamp_age(e->made_ms -
							     k->seen_ms);
			l->applied_seq = k->applied_seq;
			l->lag = k->lag;
			l->refused = k->refused;
			l->health = (char *)k->health;
			p->link_ptrs[i] = l;
		}
		n->children = p->link_ptrs;
		n->n_children = nl;
	}
	return 0;
}

static int depth_cmp(const void *a, const void *b)
{
	const struct dongbo_tree_entry *x = *(const struct dongbo_tree_entry *const *)a;
	const struct dongbo_tree_entry *y = *(const struct dongbo_tree_entry *const *)b;

	if (x->unit->depth != y->unit->depth)
		return x->unit->depth < y->unit->depth ? -1 : 1;
	return strcmp(x->unit->code, y->unit->code);
}

int dongbo_tree_summary(const struct dongbo_tree *t,
			const struct dongbo_tree_entry *self, int64_t now_ms,
			int64_t made_wall_ms, Dongbo__SubtreeStatus **out)
{
	size_t n = 1 + t->n, k = 0;
	const struct dongbo_tree_entry **order;
	Dongbo__SubtreeStatus *s;
	struct packed_node *nodes;

	if (n > DONGBO_TREE_NODES_MAX)
		n = DONGBO_TREE_NODES_MAX;
	s = calloc(1, sizeof(*s));
	order = calloc(t->n + 1, sizeof(*order));
	nodes = calloc(n, sizeof(*nodes));
	if (s == NULL || order == NULL || nodes == NULL)
		goto err_nomem;
	dongbo__subtree_status__init(s);
	if ((s->nodes = calloc(n, sizeof(*s->nodes))) == NULL)
		goto err_nomem;
	for (size_t i = 0; i < t->n; i++)
		order[i] = &t->entries[i];
	/* Nearest first: when the caps cut, the far ones go. */
	qsort(order, t->n, sizeof(*order), depth_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct dongbo_tree_entry *e = i == 0 ? self : order[i - 1];

		s->nodes[i] = &nodes[i].ns;
		s->n_nodes = ++k;
		if (pack_entry(&nodes[i], e, now_ms) != 0) {
			free(order);
			dongbo_tree_summary_free(s);
			return DONGBO_E_NOMEM;
		}
	}
	s->nodes[0]->made_ms = made_wall_ms;
	s->nodes[0]->age_ms = 0;
	free(order);
	*out = s;
	return 0;

err_nomem:
	free(order);
	free(nodes);
	if (s != NULL)
		free(s->nodes);
	free(s);
	return DONGBO_E_NOMEM;
}

/* ---- rows ---- */

/* The entry for u: through child `via` when via is not NULL.  NULL when
 * none. */
static const struct dongbo_tree_entry *
entry_find(const struct dongbo_tree *t, const struct dongbo_unit *u,
	   const struct dongbo_unit *via)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->entries[mid].unit->code, u->code);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->n && t->entries[lo].unit == u; lo++)
		if (via == NULL || t->entries[lo].via == via)
			return &t->entries[lo];
	return NULL;
}

static const struct dongbo_tree_link *
link_find(const struct dongbo_tree_entry *e, const struct dongbo_unit *u)
{
	for (size_t i = 0; i < e->n_links; i++)
		if (e->links[i].unit == u)
			return &e->links[i];
	return NULL;
}

struct walk {
	const struct dongbo_tree *t;
	const struct dongbo_tree_view *v;
	const struct dongbo_unit *root;
	int (*cb)(void *arg, const struct dongbo_tree_row *row);
	void *arg;
};

/* Our direct child on the way down to u (u strictly below us). */
static const struct dongbo_unit *via_of(const struct walk *w,
					const struct dongbo_unit *u)
{
	const struct dongbo_unit *home = w->v->self->unit;

	for (; u != NULL && u->parent != NULL; u = u->parent) {
		if (link_find(w->v->self, u) != NULL)
			return u;
		if (u->parent == home)
			return u;
	}
	return NULL;
}

/* The entry of node unit u, as trusted: a direct child's only through
 * itself. */
static const struct dongbo_tree_entry *node_entry(const struct walk *w,
						  const struct dongbo_unit *u)
{
	if (u == w->v->self->unit)
		return w->v->self;
	if (link_find(w->v->self, u) != NULL)
		return entry_find(w->t, u, u);
	return entry_find(w->t, u, NULL);
}

static bool is_stale(const struct walk *w, const struct dongbo_tree_entry *e)
{
	int hops;

	if (e == w->v->self)
		return false;
	hops = e->unit->depth - w->v->self->unit->depth - 1;
	return w->v->now_ms - e->made_ms >
	       w->v->stale_ms + (hops > 0 ? hops : 0) * w->v->hop_ms;
}

/* The link of a node on u's ancestors (ours first: a direct child's own
 * link is only ever ours), and whose entry it is. */
static const struct dongbo_tree_link *
parent_view(const struct walk *w, const struct dongbo_unit *u,
	    const struct dongbo_tree_entry **owner)
{
	const struct dongbo_tree_link *l = link_find(w->v->self, u);

	*owner = w->v->self;
	if (l != NULL)
		return l;
	for (const struct dongbo_unit *a = u->parent;
	     a != NULL && a != w->v->self->unit; a = a->parent) {
		const struct dongbo_tree_entry *e = node_entry(w, a);

		if (e != NULL && (l = link_find(e, u)) != NULL) {
			*owner = e;
			return l;
		}
	}
	return NULL;
}

static void age_words(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (s < 120)
		snprintf(buf, len, "%lld s", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lld min", (long long)(s / 60));
	else if (s < 2 * 86400)
		snprintf(buf, len, "%lld h", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lld d", (long long)(s / 86400));
}

/* No news fresh enough about u: say how old and which link is down. */
static void stale_note(const struct walk *w, struct dongbo_tree_row *r,
		       int64_t age)
{
	const struct dongbo_tree_link *vl =
		r->via != NULL ? link_find(w->v->self, r->via) : NULL;
	char a[32];

	age_words(age, a, sizeof(a));
	if (vl != NULL && strcmp(vl->health, "ok") != 0 &&
	    strcmp(vl->health, "lagging") != 0)
		snprintf(r->note, sizeof(r->note), "no news for %s: %s %s", a,
			 r->via->code, vl->health);
	else
		snprintf(r->note, sizeof(r->note), "no news for %s", a);
}

/* Fills r for node unit u (kind, health and numbers); false when no node
 * is known for u. */
static bool node_row(const struct walk *w, const struct dongbo_unit *u,
		     struct dongbo_tree_row *r)
{
	const struct dongbo_tree_view *v = w->v;
	const struct dongbo_tree_entry *e = node_entry(w, u), *owner;
	const struct dongbo_tree_link *pv;

	r->via = u == v->self->unit ? NULL : via_of(w, u);
	if (u == v->self->unit) {
		r->kind = "node";
		r->health = e->parent_health[0] ? e->parent_health : "ok";
		r->last_seen_ms = v->now_ms;
		/* The top node's log waits for nobody. */
		r->waiting = e->parent_health[0] ? (int64_t)e->waiting : 0;
		r->lag = r->waiting;
		r->refused = e->refused;
		r->catalog_version = e->catalog_version;
		r->store_id = e->store_id;
		r->age_ms = 0;
		return true;
	}
	pv = parent_view(w, u, &owner);
	if (pv == NULL && e == NULL)
		return false;
	r->kind = "node";
	if (e != NULL) {
		r->waiting = (int64_t)e->waiting;
		r->refused = e->refused;
		r->catalog_version = e->catalog_version;
		r->store_id = e->store_id;
		r->age_ms = v->now_ms - e->made_ms;
	}
	if (pv != NULL) {
		r->last_seen_ms = pv->seen_ms;
		r->lag = pv->lag;
		r->refused = pv->refused;
		if (e == NULL && pv->lag >= 0)
			r->waiting = pv->lag;
		if (is_stale(w, owner)) {
			r->health = "unknown";
			stale_note(w, r, v->now_ms - owner->made_ms);
		} else {
			r->health = pv->health;
		}
		if (owner != v->self && (r->age_ms < 0 ||
					 v->now_ms - owner->made_ms < r->age_ms))
			r->age_ms = v->now_ms - owner->made_ms;
		return true;
	}
	/* Its own summary only (its parent forgot it). */
	r->last_seen_ms = e->made_ms;
	if (is_stale(w, e)) {
		r->health = "unknown";
		stale_note(w, r, v->now_ms - e->made_ms);
	} else {
		r->health = e->parent_health[0] ? e->parent_health : "ok";
	}
	return true;
}

/* The node hosting u (an ancestor's entry listing it), or NULL. */
static const struct dongbo_tree_entry *host_of(const struct walk *w,
					       const struct dongbo_unit *u)
{
	for (const struct dongbo_unit *a = u->parent; a != NULL;
	     a = a->parent) {
		const struct dongbo_tree_entry *e = node_entry(w, a);

		if (e != NULL)
			for (size_t i = 0; i < e->n_hosts; i++)
				if (e->hosts[i] == u)
					return e;
		if (a == w->v->self->unit)
			break;
	}
	return NULL;
}

static int row_of(const struct walk *w, const struct dongbo_unit *u)
{
	struct dongbo_tree_row r = {
		.unit = u,
		.depth = u->depth - w->root->depth,
		.kind = "none",
		.health = "never seen",
		.store_id = "",
		.waiting = -1,
		.lag = -1,
		.age_ms = -1,
	};
	const struct dongbo_tree_entry *h;

	if (!node_row(w, u, &r) && (h = host_of(w, u)) != NULL) {
		struct dongbo_tree_row hr = r;

		node_row(w, h->unit, &hr);
		r.kind = "hosted";
		r.host = h->unit;
		r.via = hr.via;
		r.health = hr.health;
		r.last_seen_ms = hr.last_seen_ms;
		r.catalog_version = hr.catalog_version;
		r.age_ms = hr.age_ms;
		snprintf(r.note, sizeof(r.note), "%s", hr.note);
	}
	if (r.note[0] == '\0' && r.refused > 0)
		snprintf(r.note, sizeof(r.note), "%u record%s refused by its "
			 "parent: `dongbo rejected`", r.refused,
			 r.refused == 1 ? "" : "s");
	return w->cb(w->arg, &r);
}

static int walk_down(const struct walk *w, const struct dongbo_unit *u)
{
	int rv = row_of(w, u);

	for (const struct dongbo_unit *c = u->first_child; rv == 0 && c != NULL;
	     c = c->next_sibling)
		rv = walk_down(w, c);
	return rv;
}

int dongbo_tree_rows(const struct dongbo_tree *t,
		     const struct dongbo_tree_view *v,
		     const struct dongbo_unit *root,
		     int (*cb)(void *arg, const struct dongbo_tree_row *row),
		     void *arg)
{
	struct walk w = { .t = t, .v = v, .root = root, .cb = cb, .arg = arg };

	return walk_down(&w, root);
}
