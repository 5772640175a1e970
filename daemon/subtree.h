/*
 * subtree.h -- this node's own entry of the subtree view (tree.h).
 *
 * Internal to daemon/.  Loop thread only.
 */
#ifndef DONGBO_DAEMON_SUBTREE_H
#define DONGBO_DAEMON_SUBTREE_H

#include <stdint.h>

#include "codec.h"
#include "tree.h"

struct dongbo_node;

/* Fills e with this node as it stands at now_ms: hosts, catalog, records
 * waiting for and refused by the parent, the parent link's health, each
 * direct child's link.  Free with dongbo_tree_entry_fini.  0, a store
 * error or DONGBO_E_NOMEM (nothing to free then). */
int dongbo_subtree_self(struct dongbo_node *node, int64_t now_ms,
			struct dongbo_tree_entry *e);

/* The summary a push carries up: self and every entry held.  Free with
 * dongbo_tree_summary_free.  0 or an error code. */
int dongbo_subtree_summary(struct dongbo_node *node,
			   Dongbo__SubtreeStatus **out);

/* The thresholds of staleness this node applies, for dongbo_tree_rows. */
void dongbo_subtree_view(struct dongbo_node *node,
			 const struct dongbo_tree_entry *self, int64_t now_ms,
			 struct dongbo_tree_view *v);

#endif
