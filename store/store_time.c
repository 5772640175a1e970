/*
 * store_time.c -- a unit's value at any period: entered, or composed from
 * the parts of the period by the indicator's time rule.
 *
 * The calendar lattice (common/period.h) makes a year of two halves, a
 * half of two quarters, a quarter of three months.  For a flow (time sum)
 * a period is composed when every part has a value, each part itself
 * entered or composed; a closing stock (time last) takes its last part's
 * value, an opening stock (time first) its first part's.  An entered value
 * always wins; when its parts compose to something else, that is a
 * conflict, kept in the conflict database for `check` and shown beside
 * roll-ups, never silently averaged away.
 *
 * Roll-ups are kept for every period a unit has a value at, entered or
 * composed, so a change of one month can move the roll-ups of its
 * quarter, half and year: store_period_chain lists them, and the caller
 * compares each one's value before and after the write.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"

void store_rules_of(const struct dongbo_store *s, const char *indicator,
		    struct store_rules *out)
{
	const struct dongbo_indicator *ind = NULL;

	memset(out, 0, sizeof(*out));
	out->time = DONGBO_TIME_NONE;
	if (s->catalog != NULL)
		ind = dongbo_catalog_find(s->catalog, indicator);
	if (ind == NULL || !dongbo_indicator_is_stored(ind))
		return;
	out->known = true;
	out->rolled = ind->rule != DONGBO_RULE_NONE;
	out->dist = ind->rule == DONGBO_RULE_MIN ||
		    ind->rule == DONGBO_RULE_MAX ||
		    ind->rule == DONGBO_RULE_COUNT;
	out->time = ind->time;
}

/* The entered (non-deleted, not stated) value of the key, if any. */
static int entered_get(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		       const char *indicator, const char *period, bool *found,
		       int64_t *value)
{
	struct dongbo_record probe = { .unit = unit, .indicator = indicator,
				       .period = period };
	char kbuf[STORE_KEY_MAX];
	struct store_value sv;
	MDB_val k, v;
	int rc;

	*found = false;
	if (store_key_value(&probe, kbuf, &k.mv_size) != 0)
		return DONGBO_E_INVAL;
	k.mv_data = kbuf;
	rc = mdb_get(txn, s->dbi_values, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_err(s, "read value", rc);
	if (store_value_decode(&v, &sv) != 0)
		return store_corrupt(s, "value record malformed");
	if (!sv.deleted) {
		*found = true;
		*value = sv.value;
	}
	return 0;
}

int store_eff(struct dongbo_store *s, MDB_txn *txn, const char *unit,
	      const char *indicator, const struct dongbo_period *p,
	      enum dongbo_time_rule time, struct store_eff *out)
{
	struct dongbo_period parts[DONGBO_PERIOD_PARTS_MAX];
	char period[DONGBO_PERIOD_MAX];
	struct store_eff e = { 0 }, pe;
	size_t n = 0;
	int rc;

	dongbo_period_format(p, period);
	rc = entered_get(s, txn, unit, indicator, period, &e.has_entered,
			 &e.entered);
	if (rc != 0)
		return rc;
	if (time != DONGBO_TIME_NONE)
		n = dongbo_period_parts(p, parts);
	if (n > 0 && time == DONGBO_TIME_SUM) {
		int64_t sum = 0;
		size_t i;

		for (i = 0; i < n; i++) {
			rc = store_eff(s, txn, unit, indicator, &parts[i], time,
				       &pe);
			if (rc != 0)
				return rc;
			if (!pe.present)
				break;
			if (__builtin_add_overflow(sum, pe.value, &sum))
				return DONGBO_E_BAD_VALUE;
		}
		if (i == n) {
			e.has_composed = true;
			e.composed = sum;
		}
	} else if (n > 0) {
		const struct dongbo_period *part =
			time == DONGBO_TIME_FIRST ? &parts[0] : &parts[n - 1];

		rc = store_eff(s, txn, unit, indicator, part, time, &pe);
		if (rc != 0)
			return rc;
		e.has_composed = pe.present;
		e.composed = pe.value;
	}
	e.present = e.has_entered || e.has_composed;
	e.value = e.has_entered ? e.entered : e.composed;
	e.conflict = e.has_entered && e.has_composed && e.entered != e.composed;
	*out = e;
	return 0;
}

size_t store_period_chain(const char *period, struct dongbo_period chain[4])
{
	size_t n = 0;

	if (dongbo_period_parse(period, &chain[0]) != 0)
		return 0;
	for (n = 1; n < 4 && dongbo_period_parent(&chain[n - 1], &chain[n]);
	     n++)
		;
	return n;
}

int store_conflict_set(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		       const char *indicator, const char *period,
		       const struct store_eff *e)
{
	char kbuf[STORE_KEY_MAX];
	unsigned char buf[STORE_CONFLICT_LEN];
	MDB_val k, v;
	int rc;

	rc = store_key_conflict(indicator, period, unit, kbuf, &k.mv_size);
	if (rc != 0)
		return rc;
	k.mv_data = kbuf;
	if (!e->conflict) {
		rc = mdb_del(txn, s->dbi_conflict, &k, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
		return store_mdb_err(s, "delete conflict", rc);
	}
	store_put_i64(buf, e->entered);
	store_put_i64(buf + 8, e->composed);
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	return store_mdb_err(s, "write conflict",
			     mdb_put(txn, s->dbi_conflict, &k, &v, 0));
}

/* ---- From scratch ---- */

/* One (unit, indicator, year) whose entered values have been seen. */
struct group {
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	int year;
	bool open;
};

static int group_derive(struct dongbo_store *s, MDB_txn *txn,
			const struct group *g, const struct store_sink *sink)
{
	struct dongbo_period all[DONGBO_PERIODS_PER_YEAR];
	struct dongbo_period y = { .year = g->year, .kind = DONGBO_PERIOD_YEAR };
	const struct dongbo_unit *u;
	struct store_rules r;
	size_t n;
	int rc;

	store_rules_of(s, g->indicator, &r);
	if (!r.known)
		return 0;
	u = dongbo_units_find(s->units, g->unit);
	if (u == NULL || !dongbo_unit_is_within(u, s->home))
		return store_corrupt(s, "value of a unit not within home");
	n = dongbo_period_walk(&y, all);
	for (size_t i = 0; i < n; i++) {
		char period[DONGBO_PERIOD_MAX];
		struct store_eff e;

		rc = store_eff(s, txn, g->unit, g->indicator, &all[i], r.time,
			       &e);
		if (rc != 0)
			return rc;
		dongbo_period_format(&all[i], period);
		if (e.present && r.rolled && sink->value != NULL &&
		    (rc = sink->value(sink->arg, u, g->indicator, period,
				      e.value, r.dist)) != 0)
			return rc;
		if (e.conflict && sink->conflict != NULL &&
		    (rc = sink->conflict(sink->arg, g->unit, g->indicator,
					 period, e.entered, e.composed)) != 0)
			return rc;
	}
	return 0;
}

struct derive_walk {
	struct dongbo_store *s;
	MDB_txn *txn;
	const struct store_sink *sink;
	struct group g;
};

static int derive_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct derive_walk *w = arg;
	struct group *g = &w->g;
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	char period[DONGBO_PERIOD_MAX];
	struct dongbo_period p;
	bool stated;
	int rc;

	(void)v;
	if (store_key_value_split(k, unit, indicator, period, &stated) != 0 ||
	    dongbo_period_parse(period, &p) != 0)
		return store_corrupt(w->s, "value key malformed");
	if (g->open && p.year == g->year && strcmp(unit, g->unit) == 0 &&
	    strcmp(indicator, g->indicator) == 0)
		return 0;
	if (g->open && (rc = group_derive(w->s, w->txn, g, w->sink)) != 0)
		return rc;
	memcpy(g->unit, unit, sizeof(g->unit));
	memcpy(g->indicator, indicator, sizeof(g->indicator));
	g->year = p.year;
	g->open = true;
	return 0;
}

int store_derive_all(struct dongbo_store *s, MDB_txn *txn,
		     const struct store_sink *sink)
{
	struct derive_walk w = { .s = s, .txn = txn, .sink = sink };
	int rc;

	/* Keys sort by unit, indicator, then period text, and every period
	 * of a year starts with the year's four digits: one group's values
	 * are consecutive. */
	rc = store_walk(s, txn, s->dbi_values, NULL, 0, "read values",
			derive_entry, &w);
	if (rc == 0 && w.g.open)
		rc = group_derive(s, txn, &w.g, sink);
	return rc;
}

/* ---- Public reads ---- */

int dongbo_store_value_at(struct dongbo_store *s, const char *unit,
			  const char *indicator, const char *period,
			  int64_t *value, bool *composed)
{
	struct dongbo_period p;
	struct store_rules r;
	struct store_eff e;
	MDB_txn *txn;
	int rc;

	if (unit == NULL || indicator == NULL || period == NULL ||
	    dongbo_period_parse(period, &p) != 0)
		return DONGBO_E_NOTFOUND;
	store_rules_of(s, indicator, &r);
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = store_eff(s, txn, unit, indicator, &p, r.time, &e);
	mdb_txn_abort(txn);
	/* A key too long to build was never stored. */
	if (rc == DONGBO_E_INVAL)
		return DONGBO_E_NOTFOUND;
	if (rc != 0)
		return rc;
	if (!e.present)
		return DONGBO_E_NOTFOUND;
	*value = e.value;
	if (composed != NULL)
		*composed = !e.has_entered;
	return 0;
}

struct conflicts_walk {
	struct dongbo_store *s;
	const struct dongbo_unit *anchor;
	const char *period;
	size_t prefix_len;
	int (*cb)(void *arg, const struct dongbo_conflict *c);
	void *arg;
};

static int conflicts_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct conflicts_walk *w = arg;
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	size_t ulen = k->mv_size - w->prefix_len;
	const struct dongbo_unit *u;
	struct dongbo_conflict c;

	if (ulen == 0 || ulen > DONGBO_UNIT_CODE_MAX ||
	    v->mv_size != STORE_CONFLICT_LEN)
		return store_corrupt(w->s, "conflict entry malformed");
	memcpy(unit, (const char *)k->mv_data + w->prefix_len, ulen);
	unit[ulen] = '\0';
	u = dongbo_units_find(w->s->units, unit);
	if (u == NULL || !dongbo_unit_is_within(u, w->anchor))
		return 0;
	c.unit = unit;
	c.period = w->period;
	c.entered = store_get_i64(v->mv_data);
	c.composed = store_get_i64((const unsigned char *)v->mv_data + 8);
	return w->cb(w->arg, &c);
}

int dongbo_store_conflicts(struct dongbo_store *s, const char *anchor,
			   const char *indicator, const char *period,
			   int (*cb)(void *arg, const struct dongbo_conflict *c),
			   void *arg)
{
	struct dongbo_period top, all[DONGBO_PERIODS_PER_YEAR];
	struct conflicts_walk w = { .s = s, .cb = cb, .arg = arg };
	MDB_txn *txn;
	size_t n;
	int rc = 0;

	if (anchor == NULL || indicator == NULL || period == NULL ||
	    dongbo_period_parse(period, &top) != 0)
		return DONGBO_E_INVAL;
	w.anchor = dongbo_units_find(s->units, anchor);
	if (w.anchor == NULL)
		return DONGBO_E_UNKNOWN_UNIT;
	n = dongbo_period_walk(&top, all);
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char p[DONGBO_PERIOD_MAX], prefix[STORE_KEY_MAX];

		dongbo_period_format(&all[i], p);
		/* indicator\0period\0 -- the unit field left empty. */
		if (store_key_conflict(indicator, p, "-", prefix,
				       &w.prefix_len) != 0) {
			rc = DONGBO_E_INVAL;
			break;
		}
		w.prefix_len -= 1;
		w.period = p;
		rc = store_walk(s, txn, s->dbi_conflict, prefix, w.prefix_len,
				"read conflict", conflicts_entry, &w);
	}
	mdb_txn_abort(txn);
	return rc;
}
