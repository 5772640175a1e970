/*
 * check.h -- `dongbo check`: the figures of a subtree against the catalog's
 * validation rules, the stated totals and themselves over time.
 *
 * For one anchor unit and period it reports, through callbacks:
 *  - violations of each catalog rule on each unit's own values, where all
 *    of the rule's indicators have a value for that unit;
 *  - violations of each rule on the roll-up of each subtree below which
 *    some unit has values (a unit's own figures and those of its
 *    subtree are different claims: both are checked);
 *  - every stated total (the figure a unit's paper report prints for its
 *    subtree) beside the roll-up computed from its units;
 *  - every time conflict (an entered period contradicting its parts).
 * Units of the subtree without any value in the period are skipped
 * without reading their figures.
 *
 * Loop thread; reads the store only.
 */
#ifndef DONGBO_DAEMON_CHECK_H
#define DONGBO_DAEMON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "store.h"
#include "units.h"

enum dongbo_check_scope {
	DONGBO_CHECK_OWN,     /* the unit's own values */
	DONGBO_CHECK_SUBTREE, /* the roll-up of the unit's subtree */
};

struct dongbo_check_violation {
	const struct dongbo_unit *unit;
	enum dongbo_check_scope scope;
	const struct dongbo_rule *rule;
	/* Σ of each side, scaled as the rule's indicators (which share one
	 * type and scale); the rule fails: left != right (eq) or
	 * left > right (le). */
	int64_t left, right;
};

struct dongbo_check_stated {
	const struct dongbo_unit *unit;
	const struct dongbo_indicator *ind;
	const char *period;
	int64_t stated;
	/* The roll-up of the unit's subtree, when any unit has a value;
	 * compared only for indicators with rule sum, total, min or max. */
	bool has_computed;
	int64_t computed;
};

struct dongbo_check_cbs {
	int (*violation)(void *arg, const struct dongbo_check_violation *v);
	int (*stated)(void *arg, const struct dongbo_check_stated *s);
	int (*conflict)(void *arg, const struct dongbo_indicator *ind,
			const struct dongbo_conflict *c);
	void *arg;
};

/*
 * Checks anchor's subtree (anchor within the store's home) for period
 * (canonical) against cat, calling the callbacks of cbs (each may be
 * NULL) in this order: violations unit by unit (the unit tree walked
 * depth-first from anchor, own values before the subtree), then stated
 * totals, then conflicts.  The rules compare the figures of period itself
 * (entered, or composed of its parts by the store); a unit counts as one
 * with values when it has any for period or a period inside it (2022Q1
 * when checking 2022), and stated totals and conflicts inside period are
 * listed with their own period.  *n_checked gets
 * how many units have values in themselves or below.  Returns 0,
 * DONGBO_E_NOMEM, DONGBO_E_BAD_PERIOD, DONGBO_E_BAD_VALUE (a side's sum
 * overflows int64), a store error or a callback's non-zero return.
 */
int dongbo_check_run(struct dongbo_store *store,
		     const struct dongbo_catalog *cat,
		     const struct dongbo_unit *anchor, const char *period,
		     const struct dongbo_check_cbs *cbs, size_t *n_checked);

#endif
