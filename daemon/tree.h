/*
 * tree.h -- what a node knows of the nodes below it, and `dongbo tree`.
 *
 * Status travels up with the pushes: about once per heartbeat a node adds
 * to its push a summary of its subtree (proto SubtreeStatus) -- itself
 * (units it hosts, catalog, records waiting for its parent and refused by
 * it, the health of that link, its view of each direct child) and every
 * node below it as it last heard of them.  Its parent keeps those entries
 * here, in memory only: this is a view, refilled within a heartbeat or two
 * after a restart; a unit not heard of shows "never seen".
 *
 * Times on the wire are relative ("made 1200 ms ago"), so no two clocks
 * need to agree; here they are turned into this node's clock when taken.
 * Each relay adds the time it held an entry, so news relayed through a
 * district gone silent ages, and dongbo_tree_rows shows it as "unknown"
 * with its age instead of a confident "ok" from old data.
 *
 * Trust: a child speaks only for its own subtree.  Entries for units
 * outside it (or unknown here), hosts outside the entry's unit and
 * children outside it are ignored; more entries than the caps refuse the
 * push whole (no dongbod sends that).  A direct child's own link to us is
 * always taken from our side (dongbo_node_child_health), never from what
 * another child claims about it.
 *
 * Loop thread only.  Pure: no store, no clock (callers pass now_ms), so
 * that tests drive it directly (tests/unit/test_tree.c).
 */
#ifndef DONGBO_DAEMON_TREE_H
#define DONGBO_DAEMON_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "units.h"

/* Node entries in one SubtreeStatus, and hosts or children of one entry:
 * a province of 700 commune nodes fits many times over. */
#define DONGBO_TREE_NODES_MAX 4096u
#define DONGBO_TREE_LIST_MAX 4096u
/* Ages beyond this (30 days) are taken as this. */
#define DONGBO_TREE_AGE_MAX_MS (30LL * 86400 * 1000)

/* A node's view of one direct child (a node). */
struct dongbo_tree_link {
	const struct dongbo_unit *unit;
	int64_t seen_ms;	/* this node's clock; 0: never */
	uint64_t applied_seq;
	int64_t lag;		/* -1: unknown */
	uint32_t refused;
	const char *health;	/* a static word (dongbo_tree_health_word) */
};

/* What one node said of itself. */
struct dongbo_tree_entry {
	const struct dongbo_unit *unit;
	const struct dongbo_unit *via; /* our child it came through; NULL:
					  this node itself */
	char store_id[48];
	const struct dongbo_unit **hosts; /* besides unit itself */
	size_t n_hosts;
	uint32_t catalog_version;
	uint64_t head_seq;
	uint64_t waiting;	/* records waiting for its parent */
	uint32_t refused;	/* records its parent refused */
	const char *parent_health; /* static; "" at the top node */
	int64_t made_ms;	/* this node's clock */
	struct dongbo_tree_link *links;
	size_t n_links;
};

/* Frees what an entry points to (hosts, links), not the entry. */
void dongbo_tree_entry_fini(struct dongbo_tree_entry *e);

/* The static word for a health a peer sent: one of ok, lagging, stalled,
 * offline, restoring, never seen; anything else is "unknown". */
const char *dongbo_tree_health_word(const char *s);

struct dongbo_tree;

/* An empty view; NULL when out of memory. */
struct dongbo_tree *dongbo_tree_new(void);
void dongbo_tree_free(struct dongbo_tree *t);

/*
 * The checks of a summary from child before anything is applied: its
 * sizes and that the child speaks first, for itself.  0, or
 * DONGBO_E_TOOBIG / DONGBO_E_PROTO with the reason in err: the push is
 * then refused whole.
 */
int dongbo_tree_check(const struct dongbo_unit *child,
		      const Dongbo__SubtreeStatus *s, char *err, size_t errlen);

/*
 * Takes a summary child sent (checked by dongbo_tree_check) at now_ms: it
 * replaces everything that came through child before.  Entries outside
 * child's subtree, unknown here or repeated are ignored, counted in
 * *n_ignored.  A summary made before the last one taken from child (a
 * replayed push) changes nothing and returns DONGBO_E_EXISTS.  Returns 0,
 * DONGBO_E_EXISTS or DONGBO_E_NOMEM (the view is then unchanged).
 */
int dongbo_tree_take(struct dongbo_tree *t, const struct dongbo_units *units,
		     const struct dongbo_unit *child,
		     const Dongbo__SubtreeStatus *s, int64_t now_ms,
		     size_t *n_ignored);

/*
 * This node's summary to send up: self first (made now, made_wall_ms its
 * clock), then every entry held, shallowest first, at most
 * DONGBO_TREE_NODES_MAX in all.  *out points into the unit list and the
 * static health words, not into self or t: it stays valid after either
 * changes.  Free with dongbo_tree_summary_free.  0 or DONGBO_E_NOMEM.
 */
int dongbo_tree_summary(const struct dongbo_tree *t,
			const struct dongbo_tree_entry *self, int64_t now_ms,
			int64_t made_wall_ms, Dongbo__SubtreeStatus **out);
void dongbo_tree_summary_free(Dongbo__SubtreeStatus *s);

/* One unit of a subtree as `dongbo tree` shows it. */
struct dongbo_tree_row {
	const struct dongbo_unit *unit;
	int depth;		/* below the root asked for */
	const char *kind;	/* "node", "hosted" or "none" */
	const struct dongbo_unit *host; /* hosted: the node's unit */
	const struct dongbo_unit *via;	/* heard through this child */
	const char *store_id;	/* a node's, when known; else "" */
	int64_t last_seen_ms;	/* 0: never */
	int64_t waiting;	/* -1: unknown */
	uint32_t refused;
	const char *health;
	uint32_t catalog_version; /* 0: unknown */
	int64_t lag;		/* -1: unknown */
	int64_t age_ms;		/* of what is known; -1: nothing */
	char note[160];
};

struct dongbo_tree_view {
	const struct dongbo_tree_entry *self; /* this node, links fresh */
	int64_t now_ms;
	/* News older than stale_ms, plus hop_ms per node it was relayed
	 * through, cannot tell a health any more. */
	int64_t stale_ms;
	int64_t hop_ms;
};

/*
 * Calls cb for every unit of root's subtree (root within v->self's unit),
 * depth first, children in unit-list order; a non-zero return stops the
 * walk and is returned.  The row lives for the call only.
 */
int dongbo_tree_rows(const struct dongbo_tree *t,
		     const struct dongbo_tree_view *v,
		     const struct dongbo_unit *root,
		     int (*cb)(void *arg, const struct dongbo_tree_row *row),
		     void *arg);

#endif
