/*
 * approval.h -- approval states on the wire and the lock they put on
 * values (README "Submission and approval").
 *
 * Internal to daemon/.  Loop thread only.
 */
#ifndef DONGBO_DAEMON_APPROVAL_H
#define DONGBO_DAEMON_APPROVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "codec.h"
#include "node.h"
#include "store.h"

/* States in one Ack, at most. */
#define DONGBO_APPROVALS_DOWN_MAX 64

/*
 * A state off the wire, checked for its form (unit and node codes, a form
 * code, a canonical period, a known state, a version, lengths), copied
 * into out.  0, or DONGBO_E_PROTO / DONGBO_E_BAD_PERIOD with the reason
 * in err.
 */
int dongbo_approval_from_wire(const Dongbo__Approval *w,
			      struct dongbo_approval *out, char *err,
			      size_t errlen);

/* Fills w (initialised here) from a; w's strings point into a. */
void dongbo_approval_to_wire(const struct dongbo_approval *a,
			     Dongbo__Approval *w);

/*
 * The lock of an approval on a value: when unit (hosted here) has a form
 * approved for a period holding `period` whose rows need indicator at the
 * unit's level, *out receives that state and the call returns
 * DONGBO_E_LOCKED.  0 when the value may be written; a store error
 * otherwise.
 */
int dongbo_approval_lock(struct dongbo_node *node,
			 const struct dongbo_unit *unit, const char *indicator,
			 const char *period, struct dongbo_approval *out);

/* Whether unit has any form approved (*any): when it has none, no value
 * of it is locked, and dongbo_approval_lock need not be asked value by
 * value.  0 or a store error. */
int dongbo_approval_any(struct dongbo_node *node,
			const struct dongbo_unit *unit, bool *any);

/* "ngày 23/11/2026" style date of at_ms (UTC, dd/mm/yyyy) into buf. */
void dongbo_approval_date(int64_t at_ms, char *buf, size_t len);

#endif
