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
 *
 * All periods of a year are composed together (store_year_read): one
 * cursor walk reads the unit's entered values of that year, and the
 * composition runs in memory, parts before the periods they make up.
 * A write transaction keeps the years it wrote (store_year_keep), so the
 * next value of the same year -- the next month of a batch -- finds its
 * year in memory instead of walking the cursor again.
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

size_t store_year_index(const struct dongbo_period *p)
{
	/* Positions in the pre-order walk of dongbo_period_walk: a half
	 * spans 9 entries (itself, 2 quarters of 1 + 3 months). */
	size_t half, quarter;

	switch (p->kind) {
	case DONGBO_PERIOD_YEAR:
		return 0;
	case DONGBO_PERIOD_HALF:
		return 1 + (size_t)(p->index - 1) * 9;
	case DONGBO_PERIOD_QUARTER:
		half = (size_t)(p->index - 1) / 2;
		return 2 + half * 9 + (size_t)((p->index - 1) % 2) * 4;
	case DONGBO_PERIOD_MONTH:
	default:
		quarter = (size_t)(p->index - 1) / 3;
		return 3 + (quarter / 2) * 9 + (quarter % 2) * 4 +
		       (size_t)((p->index - 1) % 3);
	}
}

struct year_walk {
	struct dongbo_store *s;
	struct store_year *y;
};

static int year_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct year_walk *w = arg;
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	char period[DONGBO_PERIOD_MAX];
	struct dongbo_period p;
	struct store_value sv;
	struct store_eff *e;
	bool stated;

	if (store_key_value_split(k, unit, indicator, period, &stated) != 0 ||
	    dongbo_period_parse(period, &p) != 0 ||
	    store_value_decode(v, &sv) != 0)
		return store_corrupt(w->s, "value record malformed");
	/* A stated total is a claim about the subtree, not a value. */
	if (stated || sv.deleted)
		return 0;
	e = &w->y->eff[store_year_index(&p)];
	e->has_entered = true;
	e->entered = sv.value;
	return 0;
}

/* Composes entry i from its parts, already composed. */
static int year_compose(struct store_year *y, enum dongbo_time_rule time,
			size_t i)
{
	struct dongbo_period parts[DONGBO_PERIOD_PARTS_MAX];
	struct store_eff *e = &y->eff[i];
	size_t n = time == DONGBO_TIME_NONE ? 0 :
					      dongbo_period_parts(&y->p[i], parts);

	if (n > 0 && time == DONGBO_TIME_SUM) {
		int64_t sum = 0;
		size_t j;

		for (j = 0; j < n; j++) {
			const struct store_eff *pe =
				&y->eff[store_year_index(&parts[j])];

			if (!pe->present)
				break;
			if (__builtin_add_overflow(sum, pe->value, &sum))
				return DONGBO_E_BAD_VALUE;
		}
		e->has_composed = j == n;
		e->composed = j == n ? sum : 0;
	} else if (n > 0) {
		const struct store_eff *pe = &y->eff[store_year_index(
			time == DONGBO_TIME_FIRST ? &parts[0] : &parts[n - 1])];

		e->has_composed = pe->present;
		e->composed = pe->value;
	}
	e->present = e->has_entered || e->has_composed;
	e->value = e->has_entered ? e->entered : e->composed;
	e->conflict = e->has_entered && e->has_composed &&
		      e->entered != e->composed;
	return 0;
}

int store_year_read(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		    const char *indicator, int year,
		    enum dongbo_time_rule time, struct store_year *y)
{
	struct dongbo_period top = { .year = year, .kind = DONGBO_PERIOD_YEAR };
	char ytext[DONGBO_PERIOD_MAX];
	struct dongbo_record probe = { .unit = unit, .indicator = indicator,
				       .period = ytext };
	struct year_walk w = { .s = s, .y = y };
	char prefix[STORE_KEY_MAX];
	size_t len;
	int rc;

	memset(y->eff, 0, sizeof(y->eff));
	dongbo_period_walk(&top, y->p);
	dongbo_period_format(&top, ytext);
	/* unit\0indicator\0YYYY: every period of the year (and its stated
	 * totals) starts with it. */
	if (store_key_value(&probe, prefix, &len) != 0)
		return DONGBO_E_INVAL;
	rc = store_walk(s, txn, s->dbi_values, prefix, len, "read values",
			year_entry, &w);
	if (rc != 0)
		return rc;
	/* In the pre-order walk parts come after their period: compose
	 * backwards so that every part is done first. */
	for (size_t i = DONGBO_PERIODS_PER_YEAR; i-- > 0;)
		if ((rc = year_compose(y, time, i)) != 0)
			return rc;
	return 0;
}

int store_year_enter(struct store_year *y, enum dongbo_time_rule time,
		     const struct dongbo_period *chain, size_t n,
		     const int64_t *value)
{
	struct store_eff *e;
	int rc;

	if (n == 0)
		return 0;
	e = &y->eff[store_year_index(&chain[0])];
	e->has_entered = value != NULL;
	e->entered = value != NULL ? *value : 0;
	/* The chain runs from the period up: each is composed after the
	 * part of it that changed. */
	for (size_t i = 0; i < n; i++)
		if ((rc = year_compose(y, time,
				       store_year_index(&chain[i]))) != 0)
			return rc;
	return 0;
}

/* ---- the years of the write transaction ---- */

/* Set-associative, YEARS_WAYS slots a set: a year evicted is just read
 * again.  A batch writes a few dozen years at a time (a commune's months
 * of 20 indicators, say); with one slot a set, two of them colliding
 * evicted each other at every month, and a third of the lookups read
 * the values again.  A slot keeps the values only (the periods follow
 * from the year), so the table stays under 100 KiB: a commune node counts
 * its memory. */
#define YEARS_SETS 32
#define YEARS_WAYS 4

struct years_slot {
	uint64_t gen; /* the transaction it belongs to; 0 never */
	uint64_t used; /* when it was last kept or found (store_years.tick) */
	const struct dongbo_unit *unit;
	int year;
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	struct store_eff eff[DONGBO_PERIODS_PER_YEAR];
};

struct store_years {
	uint64_t gen; /* of the current write transaction */
	uint64_t tick;
	/* The periods of the year found last (0: none yet): consecutive
	 * records mostly share their year. */
	int walked;
	struct dongbo_period periods[DONGBO_PERIODS_PER_YEAR];
	struct years_slot slot[YEARS_SETS][YEARS_WAYS];
};

static struct years_slot *years_set(struct store_years *ys,
				    const struct dongbo_unit *u,
				    const char *indicator, int year)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *c = indicator; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	h ^= (uint32_t)((uintptr_t)u / sizeof(*u)) * 2654435761u;
	h ^= (uint32_t)year * 40503u;
	return ys->slot[h % YEARS_SETS];
}

static bool slot_holds(const struct store_years *ys,
		       const struct years_slot *sl,
		       const struct dongbo_unit *u, const char *indicator,
		       int year)
{
	return sl->gen == ys->gen && sl->unit == u && sl->year == year &&
	       strcmp(sl->indicator, indicator) == 0;
}

int store_year_get(struct dongbo_store *s, MDB_txn *txn,
		   const struct dongbo_unit *u, const char *indicator, int year,
		   enum dongbo_time_rule time, struct store_year *y)
{
	if (s->years != NULL) {
		struct years_slot *set = years_set(s->years, u, indicator,
						   year);

		for (size_t w = 0; w < YEARS_WAYS; w++) {
			struct store_years *ys = s->years;
			struct dongbo_period top = {
				.year = year, .kind = DONGBO_PERIOD_YEAR
			};

			if (!slot_holds(ys, &set[w], u, indicator, year))
				continue;
			set[w].used = ++ys->tick;
			if (ys->walked != year) {
				dongbo_period_walk(&top, ys->periods);
				ys->walked = year;
			}
			memcpy(y->p, ys->periods, sizeof(y->p));
			memcpy(y->eff, set[w].eff, sizeof(y->eff));
			return 0;
		}
	}
	return store_year_read(s, txn, u->code, indicator, year, time, y);
}

void store_year_keep(struct dongbo_store *s, const struct dongbo_unit *u,
		     const char *indicator, int year,
		     const struct store_year *y)
{
	struct years_slot *set, *sl = NULL;
	size_t len = strlen(indicator);

	if (len > DONGBO_INDICATOR_CODE_MAX)
		return;
	if (s->years == NULL) {
		/* Only pages of slots in use become resident. */
		s->years = calloc(1, sizeof(*s->years));
		if (s->years == NULL)
			return;
		s->years->gen = 1;
	}
	set = years_set(s->years, u, indicator, year);
	/* Its own slot, else one of another transaction, else the one
	 * used least recently. */
	for (size_t w = 0; w < YEARS_WAYS && sl == NULL; w++)
		if (slot_holds(s->years, &set[w], u, indicator, year))
			sl = &set[w];
	for (size_t w = 0; w < YEARS_WAYS && sl == NULL; w++)
		if (set[w].gen != s->years->gen)
			sl = &set[w];
	if (sl == NULL) {
		sl = &set[0];
		for (size_t w = 1; w < YEARS_WAYS; w++)
			if (set[w].used < sl->used)
				sl = &set[w];
	}
	sl->gen = s->years->gen;
	sl->used = ++s->years->tick;
	sl->unit = u;
	sl->year = year;
	memcpy(sl->indicator, indicator, len + 1);
	memcpy(sl->eff, y->eff, sizeof(sl->eff));
}

void store_years_reset(struct dongbo_store *s)
{
	if (s->years != NULL)
		s->years->gen++;
}

void store_years_free(struct dongbo_store *s)
{
	free(s->years);
	s->years = NULL;
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
	struct store_year y;
	const struct dongbo_unit *u;
	struct store_rules r;
	int rc;

	store_rules_of(s, g->indicator, &r);
	if (!r.known)
		return 0;
	u = dongbo_units_find(s->units, g->unit);
	if (u == NULL || !dongbo_unit_is_within(u, s->home))
		return store_corrupt(s, "value of a unit not within home");
	rc = store_year_read(s, txn, g->unit, g->indicator, g->year, r.time,
			     &y);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < DONGBO_PERIODS_PER_YEAR; i++) {
		const struct store_eff *e = &y.eff[i];
		char period[DONGBO_PERIOD_MAX];

		dongbo_period_format(&y.p[i], period);
		if (e->present && r.rolled && sink->value != NULL &&
		    (rc = sink->value(sink->arg, u, g->indicator, period,
				      e->value, r.dist)) != 0)
			return rc;
		if (e->conflict && sink->conflict != NULL &&
		    (rc = sink->conflict(sink->arg, g->unit, g->indicator,
					 period, e->entered, e->composed)) != 0)
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

int store_eff_at(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		 const char *indicator, const struct dongbo_period *p,
		 enum dongbo_time_rule time, struct store_eff *out)
{
	struct store_year y;
	int rc;

	rc = store_year_read(s, txn, unit, indicator, p->year, time, &y);
	/* A key too long to build was never stored. */
	if (rc == DONGBO_E_INVAL)
		return DONGBO_E_NOTFOUND;
	if (rc != 0)
		return rc;
	*out = y.eff[store_year_index(p)];
	return out->present ? 0 : DONGBO_E_NOTFOUND;
}

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
	rc = store_eff_at(s, txn, unit, indicator, &p, r.time, &e);
	store_txn_abort(s, txn);
	if (rc != 0)
		return rc;
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
	store_txn_abort(s, txn);
	return rc;
}
