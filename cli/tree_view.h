/*
 * tree_view.h -- `dongbo tree` as text and JSON, from the node's TreeReply.
 *
 * Pure: no daemon, no terminal queries (the caller says whether to colour
 * and what "now" is), so that tests/unit/test_tree_view.c checks it.
 */
#ifndef DONGBO_CLI_TREE_VIEW_H
#define DONGBO_CLI_TREE_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "codec.h"

/* Leaf siblings alike (hosted at the same node, whose health they share,
 * or with no node and never seen) at least this many are shown as one line
 * unless --all. */
#define TREE_VIEW_COLLAPSE_MIN 3

struct tree_view_opts {
	bool color;	  /* ANSI colours for health */
	bool problems;	  /* only units needing attention, and ancestors */
	bool all;	  /* no collapsing */
	int max_depth;	  /* below the root; -1: no limit */
};

/* True when a unit needs attention: not ok (lagging, stalled, offline,
 * never seen, unknown...), records refused, or a catalog older than
 * catalog_version (the node's). */
bool tree_view_needs_attention(const Dongbo__TreeRow *r,
			       uint32_t catalog_version);

/* "now", "12 s ago", "5 min ago", "3 h ago", "3 d ago" for an age in ms;
 * "never" for a negative one. */
void tree_view_age(int64_t ms, char *buf, size_t len);

/* Prints the tree, aligned by display width, then the summary line.
 * Returns the number of units needing attention (over all rows). */
size_t tree_view_print(FILE *f, const Dongbo__TreeReply *t,
		       const struct tree_view_opts *o);

/* The rows (filtered by problems and max_depth, never collapsed) and the
 * counts, as a JSON object (new reference). */
json_t *tree_view_json(const Dongbo__TreeReply *t,
		       const struct tree_view_opts *o);

#endif
