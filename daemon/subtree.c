/*
 * subtree.c -- this node's own entry of the subtree view (tree.h), read
 * from its store and its uplink: the summary its pushes carry up, and the
 * root of its `dongbo tree`.
 *
 * Happy path: the uplink state gives what waits for the parent; the store's
 * children and the in-memory child_seen give each direct child's link as
 * `dongbo status` shows it (dongbo_node_child_health); the rejected list
 * is counted, ours and per child.  Loop thread, read-only: store read
 * transactions only.
 *
 * Failure modes: a store error or out of memory returns its code with
 * nothing allocated (the push then goes without a summary; `dongbo tree`
 * fails with the reason).
 */
#include "subtree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "node.h"
#include "store.h"
#include "uplink.h"
#include "util.h"

struct self_walk {
	struct dongbo_node *node;
	struct dongbo_tree_entry *e;
	size_t cap;
	int64_t now_ms;
};

static int link_cb(void *arg, const struct dongbo_child_state *c)
{
	struct self_walk *w = arg;
	const struct dongbo_unit *u = dongbo_units_find(w->node->units, c->unit);
	const struct child_seen *seen;
	struct dongbo_tree_link *k;
	void *p;

	if (u == NULL)
		return 0; /* no longer in the unit list */
	p = dongbo_grow(w->e->links, &w->cap, w->e->n_links,
			sizeof(*w->e->links), 16);
	if (p == NULL)
		return DONGBO_E_NOMEM;
	w->e->links = p;
	k = &w->e->links[w->e->n_links++];
	memset(k, 0, sizeof(*k));
	k->unit = u;
	k->seen_ms = c->last_seen_ms;
	k->applied_seq = c->applied_seq;
	k->lag = -1;
	seen = dongbo_node_child_find(w->node, c->unit);
	if (seen != NULL) {
		if (seen->last_seen_ms > k->seen_ms)
			k->seen_ms = seen->last_seen_ms;
		/* A head of 0 says nothing: not heard from this run. */
		if (seen->head_seq > 0 && seen->head_seq >= c->applied_seq)
			k->lag = (int64_t)(seen->head_seq - c->applied_seq);
	}
	k->health = dongbo_node_child_health(w->node, seen, c->applied_seq,
					     w->now_ms);
	return 0;
}

static int refused_cb(void *arg, const struct dongbo_rejection *rj)
{
	struct self_walk *w = arg;

	if (rj->child == NULL) {
		w->e->refused++;
		return 0;
	}
	for (size_t i = 0; i < w->e->n_links; i++)
		if (strcmp(w->e->links[i].unit->code, rj->child) == 0) {
			w->e->links[i].refused++;
			break;
		}
	return 0;
}

int dongbo_subtree_self(struct dongbo_node *node, int64_t now_ms,
			struct dongbo_tree_entry *e)
{
	struct self_walk w = { .node = node, .e = e, .now_ms = now_ms };
	struct dongbo_uplink_state st;
	int rv;

	memset(e, 0, sizeof(*e));
	e->unit = node->home;
	e->made_ms = now_ms;
	e->parent_health = "";
	e->catalog_version = dongbo_catalog_version(node->catalog);
	snprintf(e->store_id, sizeof(e->store_id), "%s",
		 dongbo_store_id(node->store));
	if ((rv = dongbo_store_uplink_state(node->store, &st)) != 0)
		return rv;
	e->head_seq = st.head_seq;
	e->waiting = st.waiting;
	if (node->uplink != NULL) {
		struct dongbo_uplink_info info;

		dongbo_uplink_info(node->uplink, st.waiting, st.oldest_ms,
				   &info);
		e->parent_health = info.health;
	}
	if (node->n_hosts > 1) {
		e->hosts = calloc(node->n_hosts - 1, sizeof(*e->hosts));
		if (e->hosts == NULL)
			return DONGBO_E_NOMEM;
		for (size_t i = 1; i < node->n_hosts; i++)
			e->hosts[e->n_hosts++] = node->hosts[i];
	}
	rv = dongbo_store_children(node->store, link_cb, &w);
	if (rv == 0)
		rv = dongbo_store_rejected(node->store, refused_cb, &w);
	if (rv != 0) {
		dongbo_tree_entry_fini(e);
		return rv;
	}
	return 0;
}

int dongbo_subtree_summary(struct dongbo_node *node,
			   Dongbo__SubtreeStatus **out)
{
	struct dongbo_tree_entry self;
	int64_t now = dongbo_now_ms();
	int rv = dongbo_subtree_self(node, now, &self);

	if (rv != 0)
		return rv;
	rv = dongbo_tree_summary(node->tree, &self, now, now, out);
	dongbo_tree_entry_fini(&self);
	return rv;
}

void dongbo_subtree_view(struct dongbo_node *node,
			 const struct dongbo_tree_entry *self, int64_t now_ms,
			 struct dongbo_tree_view *v)
{
	/* As a child goes "offline" (dongbo_node_child_health): three
	 * heartbeats and a timeout without news.  Each relay may hold an
	 * entry up to a heartbeat more before sending it on. */
	v->self = self;
	v->now_ms = now_ms;
	v->stale_ms = 3 * (int64_t)node->cfg.heartbeat_ms +
		      (int64_t)node->cfg.timeout_ms;
	v->hop_ms = (int64_t)node->cfg.heartbeat_ms;
}
