/*
 * approval.c -- approval states on the wire, and the lock on values.
 *
 * Happy path: a state off the wire (a child's Push, the parent's Ack) is
 * checked field by field and copied into the store's fixed-size form; a
 * stored state goes out pointing into it.  The lock reads the unit's
 * states and, for each approved one whose period holds the value's and
 * whose form needs its indicator (dongbo_form_needs_indicator, the same
 * rule `dongbo missing` counts with), refuses the write.
 *
 * Failure modes: a field that no dongbod sends (a malformed code or
 * period, an unknown state, version 0, a string too long) is PROTO or
 * BAD_PERIOD with the reason; the sender's whole message is then refused
 * (daemon/sync.c).  Store errors pass on.
 */
#include "approval.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "period.h"

/* Copies s into buf (cap bytes) when it fits; false otherwise. */
static bool copy_field(char *buf, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap);

	if (n >= cap)
		return false;
	memcpy(buf, s, n + 1);
	return true;
}

int dongbo_approval_from_wire(const Dongbo__Approval *w,
			      struct dongbo_approval *out, char *err,
			      size_t errlen)
{
	struct dongbo_approval a;
	char canon[DONGBO_PERIOD_MAX];

	memset(&a, 0, sizeof(a));
	if (!dongbo_unit_code_is_valid(w->unit) ||
	    !dongbo_unit_code_is_valid(w->node)) {
		snprintf(err, errlen, "approval state with unit '%.32s' or "
			 "node '%.32s' that is not a unit code", w->unit,
			 w->node);
		return DONGBO_E_PROTO;
	}
	if (w->form[0] == '\0' || !copy_field(a.form, sizeof(a.form), w->form) ||
	    strpbrk(w->form, " \t\r\n") != NULL) {
		snprintf(err, errlen, "approval state of %s with form '%.64s' "
			 "that is not a form code", w->unit, w->form);
		return DONGBO_E_PROTO;
	}
	if (dongbo_period_canonical(w->period, canon) != 0 ||
	    strcmp(canon, w->period) != 0) {
		snprintf(err, errlen, "approval state of %s with malformed "
			 "period '%.16s'", w->unit, w->period);
		return DONGBO_E_BAD_PERIOD;
	}
	if (w->state > DONGBO_APPROVAL_STATE_MAX || w->version == 0) {
		snprintf(err, errlen, "approval state of %s %s %s: state %u "
			 "(0 to %u) version %llu (at least 1)", w->unit,
			 w->form, w->period, w->state,
			 DONGBO_APPROVAL_STATE_MAX,
			 (unsigned long long)w->version);
		return DONGBO_E_PROTO;
	}
	if (!copy_field(a.user, sizeof(a.user), w->user) ||
	    !copy_field(a.note, sizeof(a.note), w->note)) {
		snprintf(err, errlen, "approval state of %s %s %s: user or "
			 "note longer than %u / %u bytes", w->unit, w->form,
			 w->period, DONGBO_APPROVAL_USER_MAX,
			 DONGBO_APPROVAL_NOTE_MAX);
		return DONGBO_E_PROTO;
	}
	memcpy(a.unit, w->unit, strlen(w->unit) + 1);
	memcpy(a.node, w->node, strlen(w->node) + 1);
	memcpy(a.period, canon, strlen(canon) + 1);
	a.state = (enum dongbo_approval_state)w->state;
	a.changed = w->changed;
	a.version = w->version;
	a.at_ms = w->at_ms;
	a.seq = w->seq;
	*out = a;
	return 0;
}

void dongbo_approval_to_wire(const struct dongbo_approval *a,
			     Dongbo__Approval *w)
{
	dongbo__approval__init(w);
	w->unit = (char *)a->unit;
	w->form = (char *)a->form;
	w->period = (char *)a->period;
	w->state = (uint32_t)a->state;
	w->changed = a->changed;
	w->version = a->version;
	w->at_ms = a->at_ms;
	w->node = (char *)a->node;
	w->user = (char *)a->user;
	w->note = (char *)a->note;
	w->seq = a->seq;
}

struct lock_walk {
	struct dongbo_node *node;
	const struct dongbo_unit *unit;
	const char *indicator;
	struct dongbo_period p;
	struct dongbo_approval *out;
};

static int lock_entry(void *arg, const struct dongbo_approval *a)
{
	struct lock_walk *w = arg;
	struct dongbo_period ap;

	if (a->state != DONGBO_APPROVAL_APPROVED ||
	    dongbo_period_parse(a->period, &ap) != 0 ||
	    !dongbo_period_contains(&ap, &w->p) ||
	    !dongbo_form_needs_indicator(
		    dongbo_catalog_form_find(w->node->catalog, a->form),
		    w->unit->level, w->indicator))
		return 0;
	*w->out = *a;
	return DONGBO_E_LOCKED;
}

int dongbo_approval_lock(struct dongbo_node *node,
			 const struct dongbo_unit *unit, const char *indicator,
			 const char *period, struct dongbo_approval *out)
{
	struct lock_walk w = { .node = node, .unit = unit,
			       .indicator = indicator, .out = out };

	if (dongbo_period_parse(period, &w.p) != 0)
		return 0;
	return dongbo_store_approvals(node->store, unit->code, lock_entry,
				      &w);
}

static int any_entry(void *arg, const struct dongbo_approval *a)
{
	(void)arg;
	/* Stops the walk at the first approved form. */
	return a->state == DONGBO_APPROVAL_APPROVED ? DONGBO_E_LOCKED : 0;
}

int dongbo_approval_any(struct dongbo_node *node,
			const struct dongbo_unit *unit, bool *any)
{
	int rv = dongbo_store_approvals(node->store, unit->code, any_entry,
					NULL);

	*any = rv == DONGBO_E_LOCKED;
	return rv == DONGBO_E_LOCKED ? 0 : rv;
}

void dongbo_approval_date(int64_t at_ms, char *buf, size_t len)
{
	time_t t = (time_t)(at_ms / 1000);
	struct tm tm;

	if (at_ms <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "an unknown date");
		return;
	}
	strftime(buf, len, "%Y-%m-%d", &tm);
}
