/*
 * figures.h -- what an indicator amounts to at (anchor unit, period,
 * level), for every aggregation rule of the catalog, read off the store.
 *
 * The one place that turns roll-ups into the figures `rollup`, `report`
 * and `check` show:
 *  - sum, total:  Σ over the units (a total: Σ of its parts' figures,
 *                 recursively), with how many unit values lie behind it;
 *  - mean:        Σ and the count of contributing units;
 *  - min, max:    the smallest / largest contributing value;
 *  - count:       how many units hold each value (a distribution);
 *  - none:        the anchor's own value, never added up;
 *  - ratio:       Σnumerator / Σdenominator, from the roll-ups of its two
 *                 indicators; "n/a" for x/0, blank when neither has a value.
 * Each may be asked for part-wise too (by level, by child of the anchor),
 * and for one level only (the form rows "cấp xã").  All arithmetic is on
 * exact int64; text comes from dongbo_indicator_format and
 * dongbo_ratio_format.
 *
 * Loop thread (it reads the store), no state of its own: every call opens
 * and ends its own store transactions.
 */
#ifndef DONGBO_DAEMON_FIGURES_H
#define DONGBO_DAEMON_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "store.h"
#include "units.h"

/* How many units hold one value (rule count). */
struct dongbo_figure_bucket {
	int64_t value;
	int64_t units;
};

struct dongbo_figure {
	/* Some unit value lies behind the figure.  When false it is shown
	 * blank: nothing was reported, which is not 0. */
	bool found;
	/* sum, total: Σ; mean: Σ (divided by count when shown); min, max:
	 * that value; none: the anchor's own value.  Scaled as the
	 * indicator's values. */
	int64_t value;
	int64_t count; /* unit values behind it */
	/* ratio: Σnumerator and Σdenominator, each scaled as its own
	 * indicator, and whether either has any value */
	int64_t num, den;
	bool has_num, has_den;
	/* count: units per value, increasing; owned by the figure */
	struct dongbo_figure_bucket *dist;
	size_t n_dist;
};

struct dongbo_figure_part {
	enum dongbo_part_kind kind;
	char *key; /* level name or child unit code; owned */
	struct dongbo_figure fig;
};

struct dongbo_figures {
	struct dongbo_figure total;
	/* Levels first, then children; each kind in key order.  Levels
	 * come in name order: callers that know the hierarchy re-sort. */
	struct dongbo_figure_part *parts;
	size_t n_parts;
};

/*
 * Evaluates ind over anchor's subtree (anchor within the store's home)
 * for period (canonical; any period: the store composes it).  level not
 * NULL: over the units of that level only, and without parts.  with_parts:
 * also by level and by child of anchor (rule none: the children's own
 * values, each one alone).  out is caller storage, filled on success;
 * release it with dongbo_figures_fini.  A figure nobody reported is
 * returned with found = false, not as an error.
 * Returns 0, DONGBO_E_NOMEM, DONGBO_E_BAD_VALUE (a sum would overflow
 * int64) or a store error.
 */
int dongbo_figures_eval(struct dongbo_store *store,
			const struct dongbo_indicator *ind,
			const struct dongbo_unit *anchor, const char *period,
			const char *level, bool with_parts,
			struct dongbo_figures *out);

/* Frees what eval allocated and zeroes f.  Safe on a zeroed struct. */
void dongbo_figures_fini(struct dongbo_figures *f);

/*
 * Writes fig as ind's rule shows it, in style, into buf (NUL-terminated):
 * "" when not found; a ratio as num/den ("n/a" for x/0); a mean as Σ/count
 * with the indicator's scale; a distribution as "0=2;1=5" (PLAIN) or
 * "Không: 2; Có: 5" (VI), a single unit's value alone.  Returns the length
 * needed, as snprintf, or DONGBO_E_BAD_VALUE when a ratio of different
 * scales cannot be aligned in int64.
 */
int dongbo_figure_format(const struct dongbo_indicator *ind,
			 const struct dongbo_figure *fig,
			 enum dongbo_format_style style, char *buf, size_t len);

/*
 * unit's own value of ind at period, not its subtree's: the value entered
 * or composed over time (dongbo_store_value_at); for a total, the Σ of its
 * parts' own values (found when any part is).  For stored indicators and
 * totals; DONGBO_E_INVAL for a ratio.  *found is false when the unit has
 * none.  0, DONGBO_E_BAD_VALUE (overflow) or a store error.
 */
int dongbo_figures_own(struct dongbo_store *store,
		       const struct dongbo_indicator *ind,
		       const struct dongbo_unit *unit, const char *period,
		       int64_t *value, bool *found);

/*
 * Calls cb for every time conflict (dongbo_store_conflicts) behind ind at
 * anchor/period: of ind itself when it is stored, else of each stored
 * indicator its ratio or total is computed from, each indicator once.
 * stored is the indicator the conflict is about.  0, DONGBO_E_NOMEM, a
 * store error or cb's non-zero return.
 */
int dongbo_figures_conflicts(
	struct dongbo_store *store, const struct dongbo_indicator *ind,
	const struct dongbo_unit *anchor, const char *period,
	int (*cb)(void *arg, const struct dongbo_indicator *stored,
		  const struct dongbo_conflict *c),
	void *arg);

#endif
