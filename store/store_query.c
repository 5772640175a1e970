/*
 * store_query.c -- reading roll-ups, value distributions and values.
 *
 * Every call is one read transaction; what callbacks receive is copied
 * out of the map first or borrowed only for the callback, as store.h
 * says.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* First or last dist entry under a roll-up key: the minimum or maximum
 * value among the units it counts. */
static int dist_edge(struct dongbo_store *s, MDB_txn *txn, const char *key,
		     size_t key_len, bool last, int64_t *out)
{
	char prefix[STORE_KEY_MAX + 1];
	unsigned char hi[STORE_DIST_VALUE_LEN];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if (key_len + 1 + STORE_DIST_VALUE_LEN > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	memcpy(prefix, key, key_len);
	prefix[key_len] = '\0';
	rc = mdb_cursor_open(txn, s->dbi_dist, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	k.mv_data = prefix;
	if (!last) {
		k.mv_size = key_len + 1;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	} else {
		/* The entry at or after the largest possible value under
		 * the prefix, then one back. */
		memset(hi, 0xff, sizeof(hi));
		memcpy(prefix + key_len + 1, hi, sizeof(hi));
		k.mv_size = key_len + 1 + sizeof(hi);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == key_len + 1 + sizeof(hi) &&
		    memcmp(k.mv_data, prefix, k.mv_size) == 0)
			; /* INT64_MAX itself */
		else if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
		else if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	if (rc == 0 && (k.mv_size != key_len + 1 + STORE_DIST_VALUE_LEN ||
			memcmp(k.mv_data, prefix, key_len + 1) != 0))
		rc = MDB_NOTFOUND;
	if (rc == 0)
		*out = store_get_sortable((const unsigned char *)k.mv_data +
					  key_len + 1);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return store_corrupt(s, "rollup without its distribution");
	return rc != 0 ? store_mdb_err(s, "read dist", rc) : 0;
}

static int agg_read(struct dongbo_store *s, MDB_txn *txn,
		    const struct store_rules *r, const MDB_val *k,
		    const MDB_val *v, struct dongbo_agg *out)
{
	int rc;

	if (store_agg_decode(v, out) != 0)
		return store_corrupt(s, "rollup entry malformed");
	out->min = out->max = 0;
	if (!r->dist)
		return 0;
	if ((rc = dist_edge(s, txn, k->mv_data, k->mv_size, false,
			    &out->min)) != 0 ||
	    (rc = dist_edge(s, txn, k->mv_data, k->mv_size, true,
			    &out->max)) != 0)
		return rc;
	return 0;
}

/* The total of a roll-up kept without its own entry: the sum of its
 * levels, which sort first under the prefix.  DONGBO_E_NOTFOUND when
 * there is none (the subtree holds no value). */
static int levels_total(struct dongbo_store *s, MDB_txn *txn,
			MDB_cursor *cur, const struct store_rules *r,
			const char *prefix, size_t prefix_len,
			struct dongbo_agg *out)
{
	MDB_val k = { .mv_size = prefix_len, .mv_data = (void *)prefix }, v;
	__int128 sum = 0;
	int64_t count = 0;
	bool any = false;
	int rc;

	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct dongbo_agg part;

		if (k.mv_size <= prefix_len ||
		    memcmp(k.mv_data, prefix, prefix_len) != 0 ||
		    ((const char *)k.mv_data)[prefix_len] != STORE_DIM_LEVEL)
			break;
		if ((rc = agg_read(s, txn, r, &k, &v, &part)) != 0)
			return rc;
		sum += part.sum;
		if (__builtin_add_overflow(count, part.count, &count))
			return store_corrupt(s, "rollup count overflows");
		any = true;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(s, "read rollup", rc);
	if (!any)
		return DONGBO_E_NOTFOUND;
	/* Each level fits; their sum, never checked when written, may not. */
	if (sum > INT64_MAX || sum < INT64_MIN)
		return DONGBO_E_BAD_VALUE;
	*out = (struct dongbo_agg){ .sum = (int64_t)sum, .count = count };
	return 0;
}

/* The roll-up of the subtree whose prefix (room for one more byte) is
 * given: its total entry where a distribution hangs from it, else the sum
 * of its levels.  DONGBO_E_NOTFOUND when the subtree holds no value. */
static int subtree_total(struct dongbo_store *s, MDB_txn *txn,
			 MDB_cursor *cur, const struct store_rules *r,
			 char *prefix, size_t prefix_len,
			 struct dongbo_agg *out)
{
	MDB_val k = { .mv_size = prefix_len + 1, .mv_data = prefix }, v;
	int rc;

	if (!r->dist)
		return levels_total(s, txn, cur, r, prefix, prefix_len, out);
	prefix[prefix_len] = STORE_DIM_TOTAL;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc == MDB_NOTFOUND)
		return DONGBO_E_NOTFOUND;
	if (rc != 0)
		return store_mdb_err(s, "read rollup", rc);
	return agg_read(s, txn, r, &k, &v, out);
}

/* (format 7) The roll-up of a unit without children: its own value at
 * the period, as store_year_read gives it, one unit counting.
 * DONGBO_E_NOTFOUND when it has none. */
static int leaf_total(struct dongbo_store *s, MDB_txn *txn,
		      const struct store_rules *r, const struct dongbo_unit *u,
		      const char *indicator, const char *period,
		      struct dongbo_agg *out)
{
	char canon[DONGBO_PERIOD_MAX];
	struct dongbo_period p;
	struct store_eff e;
	int rc;

	/* A roll-up key holds its period as formatted: no other spelling
	 * of it has a roll-up. */
	if (dongbo_period_parse(period, &p) != 0)
		return DONGBO_E_NOTFOUND;
	dongbo_period_format(&p, canon);
	if (strcmp(canon, period) != 0)
		return DONGBO_E_NOTFOUND;
	rc = store_eff_at(s, txn, u->code, indicator, &p, r->time, &e);
	if (rc != 0)
		return rc;
	*out = (struct dongbo_agg){ .sum = e.value, .count = 1 };
	if (r->dist)
		out->min = out->max = e.value;
	return 0;
}

static int code_cmp(const void *pa, const void *pb)
{
	const struct dongbo_unit *const *a = pa, *const *b = pb;

	return strcmp((*a)->code, (*b)->code);
}

/* The parts by child: each child's own total, in code order. */
static int child_parts(struct dongbo_store *s, MDB_txn *txn, MDB_cursor *cur,
		       const struct store_rules *r, const char *anchor,
		       const char *indicator, const char *period,
		       int (*cb)(void *arg, enum dongbo_part_kind kind,
				 const char *key, const struct dongbo_agg *agg),
		       void *arg)
{
	const struct dongbo_unit *a = dongbo_units_find(s->units, anchor);
	const struct dongbo_unit **kids;
	size_t n = 0;
	int rc = 0;

	if (a == NULL)
		return 0;
	for (const struct dongbo_unit *c = a->first_child; c != NULL;
	     c = c->next_sibling)
		n++;
	if (n == 0)
		return 0;
	if ((kids = malloc(n * sizeof(*kids))) == NULL)
		return DONGBO_E_NOMEM;
	n = 0;
	for (const struct dongbo_unit *c = a->first_child; c != NULL;
	     c = c->next_sibling)
		kids[n++] = c;
	qsort(kids, n, sizeof(*kids), code_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char prefix[STORE_KEY_MAX + 1];
		size_t prefix_len;
		struct dongbo_agg agg;

		if (!store_unit_keeps_rollup(kids[i]))
			rc = leaf_total(s, txn, r, kids[i], indicator, period,
					&agg);
		else if (store_key_rollup_prefix(kids[i]->code, indicator,
						 period, prefix,
						 &prefix_len) != 0)
			continue; /* no key: no value either */
		else
			rc = subtree_total(s, txn, cur, r, prefix, prefix_len,
					   &agg);
		if (rc == DONGBO_E_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = cb(arg, DONGBO_PART_CHILD, kids[i]->code, &agg);
	}
	free(kids);
	return rc;
}

int dongbo_store_rollup(struct dongbo_store *s, const char *anchor,
			const char *indicator, const char *period,
			struct dongbo_agg *total,
			int (*cb)(void *arg, enum dongbo_part_kind kind,
				  const char *key, const struct dongbo_agg *agg),
			void *arg)
{
	char prefix[STORE_KEY_MAX + 1];
	char part[STORE_KEY_MAX + 1];
	const struct dongbo_unit *a;
	struct store_rules r;
	size_t prefix_len;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	struct dongbo_agg agg;
	int rc;

	store_rules_of(s, indicator, &r);
	if (!r.rolled)
		return DONGBO_E_INVAL;
	rc = store_key_rollup_prefix(anchor, indicator, period, prefix,
				     &prefix_len);
	if (rc != 0)
		return DONGBO_E_NOTFOUND;

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	a = dongbo_units_find(s->units, anchor);
	if (a != NULL && !store_unit_keeps_rollup(a)) {
		/* One part: the unit itself, at its level; no entry to read. */
		rc = leaf_total(s, txn, &r, a, indicator, period, &agg);
		if (rc == 0 && total != NULL)
			*total = agg;
		if (rc == 0 && cb != NULL)
			rc = cb(arg, DONGBO_PART_LEVEL, a->level, &agg);
		goto err_after_txn;
	}
	rc = mdb_cursor_open(txn, s->dbi_rollup, &cur);
	if (rc != 0) {
		rc = store_mdb_err(s, "open cursor", rc);
		goto err_after_txn;
	}
	rc = subtree_total(s, txn, cur, &r, prefix, prefix_len, &agg);
	if (rc != 0)
		goto err_after_cursor;
	/* The total is handed out before the parts so that cb may relate
	 * each part to it. */
	if (total != NULL)
		*total = agg;
	if (cb == NULL)
		goto err_after_cursor;

	/* The levels, one prefix range (after the total entry, if kept). */
	k.mv_size = prefix_len;
	k.mv_data = prefix;
	for (MDB_cursor_op op = MDB_SET_RANGE;; op = MDB_NEXT) {
		const char *dim;
		size_t n;

		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = store_mdb_err(s, "read rollup", rc);
			break;
		}
		if (k.mv_size <= prefix_len ||
		    memcmp(k.mv_data, prefix, prefix_len) != 0) {
			rc = 0;
			break;
		}
		dim = (const char *)k.mv_data + prefix_len;
		n = k.mv_size - prefix_len - 1;
		if (dim[0] == STORE_DIM_TOTAL && n == 0 && r.dist)
			continue;
		if (dim[0] != STORE_DIM_LEVEL || n == 0) {
			rc = store_corrupt(s, "rollup key malformed");
			break;
		}
		if (memchr(dim + 1, '\0', n) != NULL) {
			rc = store_corrupt(s, "rollup entry malformed");
			break;
		}
		memcpy(part, dim + 1, n);
		part[n] = '\0';
		rc = agg_read(s, txn, &r, &k, &v, &agg);
		if (rc == 0)
			rc = cb(arg, DONGBO_PART_LEVEL, part, &agg);
		if (rc != 0)
			break;
	}
	if (rc == 0)
		rc = child_parts(s, txn, cur, &r, anchor, indicator, period,
				 cb, arg);
err_after_cursor:
	mdb_cursor_close(cur);
err_after_txn:
	store_txn_abort(s, txn);
	return rc;
}

struct dist_walk {
	struct dongbo_store *s;
	size_t prefix_len;
	bool any;
	int (*cb)(void *arg, int64_t value, int64_t units);
	void *arg;
};

static int dist_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct dist_walk *w = arg;

	if (k->mv_size != w->prefix_len + STORE_DIST_VALUE_LEN ||
	    v->mv_size != 8)
		return store_corrupt(w->s, "dist entry malformed");
	w->any = true;
	return w->cb(w->arg,
		     store_get_sortable((const unsigned char *)k->mv_data +
					w->prefix_len),
		     store_get_i64(v->mv_data));
}

/* The distribution of a unit without children: its own value, held by
 * one unit, under its total or its own level (level NULL: the total). */
static int leaf_dist(struct dongbo_store *s, const struct store_rules *r,
		     const struct dongbo_unit *u, const char *indicator,
		     const char *period, const char *level,
		     int (*cb)(void *arg, int64_t value, int64_t units),
		     void *arg)
{
	struct dongbo_agg agg;
	MDB_txn *txn;
	int rc;

	if (level != NULL && strcmp(level, u->level) != 0)
		return DONGBO_E_NOTFOUND;
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = leaf_total(s, txn, r, u, indicator, period, &agg);
	store_txn_abort(s, txn);
	return rc != 0 ? rc : cb(arg, agg.sum, 1);
}

int dongbo_store_rollup_dist(struct dongbo_store *s, const char *anchor,
			     const char *indicator, const char *period,
			     const enum dongbo_part_kind *kind, const char *key,
			     int (*cb)(void *arg, int64_t value, int64_t units),
			     void *arg)
{
	char prefix[STORE_KEY_MAX];
	struct dist_walk w = { .s = s, .cb = cb, .arg = arg };
	const struct dongbo_unit *a;
	struct store_rules r;
	size_t len, n = key != NULL ? strlen(key) : 0;
	int rc;

	store_rules_of(s, indicator, &r);
	if (!r.dist || (kind != NULL && (key == NULL || n == 0)))
		return DONGBO_E_INVAL;
	if (kind != NULL && *kind == DONGBO_PART_CHILD) {
		/* A child's part is the child's own total. */
		const struct dongbo_unit *c = dongbo_units_find(s->units, key);

		if (c == NULL || c->parent == NULL ||
		    strcmp(c->parent->code, anchor) != 0)
			return DONGBO_E_NOTFOUND;
		anchor = key;
		kind = NULL;
		n = 0;
	}
	a = dongbo_units_find(s->units, anchor);
	if (a != NULL && !store_unit_keeps_rollup(a))
		return leaf_dist(s, &r, a, indicator, period,
				 kind == NULL ? NULL : key, cb, arg);
	rc = store_key_rollup_prefix(anchor, indicator, period, prefix, &len);
	if (rc != 0 || len + 2 + n > STORE_KEY_MAX)
		return DONGBO_E_NOTFOUND;
	prefix[len++] = kind == NULL ? STORE_DIM_TOTAL : STORE_DIM_LEVEL;
	if (n > 0)
		memcpy(prefix + len, key, n);
	len += n;
	prefix[len++] = '\0';
	w.prefix_len = len;
	rc = store_walk_read(s, s->dbi_dist, prefix, len, "read dist",
			     dist_entry, &w);
	if (rc == 0 && !w.any)
		return DONGBO_E_NOTFOUND;
	return rc;
}

struct values_walk {
	struct dongbo_store *s;
	const struct dongbo_unit *anchor;
	const char *period;
	int (*cb)(void *arg, const struct dongbo_record *rec);
	void *arg;
};

static int values_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct values_walk *w = arg;
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	char per[DONGBO_PERIOD_MAX];
	const struct dongbo_unit *u;
	struct dongbo_record rec;
	struct store_value sv;

	if (store_key_value_split(k, unit, indicator, per, &rec.stated) != 0 ||
	    store_value_decode(v, &sv) != 0)
		return store_corrupt(w->s, "value record malformed");
	if (sv.deleted || (w->period != NULL && strcmp(per, w->period) != 0))
		return 0;
	u = dongbo_units_find(w->s->units, unit);
	if (u == NULL || !dongbo_unit_is_within(u, w->anchor))
		return 0;
	rec.unit = unit;
	rec.indicator = indicator;
	rec.period = per;
	rec.value = sv.value;
	rec.version = sv.version;
	rec.deleted = false;
	rec.seq = 0;
	rec.at_ms = 0;
	rec.origin = NULL;
	return w->cb(w->arg, &rec);
}

int dongbo_store_values(struct dongbo_store *s, const char *anchor,
			const char *period,
			int (*cb)(void *arg, const struct dongbo_record *rec),
			void *arg)
{
	struct values_walk w = { .s = s, .period = period, .cb = cb,
				 .arg = arg };

	w.anchor = anchor != NULL ? dongbo_units_find(s->units, anchor) : NULL;
	if (w.anchor == NULL)
		return DONGBO_E_UNKNOWN_UNIT;
	return store_walk_read(s, s->dbi_values, NULL, 0, "read values",
			       values_entry, &w);
}

/* The walk of dongbo_store_unit_values, in its read transaction. */
static int unit_values_walk(struct dongbo_store *s, MDB_cursor *cur,
			    const char *start, size_t start_len,
			    size_t prefix_len, bool skip_start, size_t max,
			    int (*cb)(void *arg, const struct dongbo_record *rec),
			    void *arg, bool *more)
{
	MDB_val k = { .mv_size = start_len, .mv_data = (void *)start }, v;
	size_t n = 0;
	int rc, op;

	for (op = MDB_SET_RANGE;; op = MDB_NEXT) {
		char unit[DONGBO_UNIT_CODE_MAX + 1];
		char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
		char per[DONGBO_PERIOD_MAX];
		char origin[DONGBO_UNIT_CODE_MAX + 1];
		struct dongbo_record rec = { .seq = 0 };
		struct store_value sv;

		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc != 0)
			return store_mdb_err(s, "read values", rc);
		if (k.mv_size < prefix_len || memcmp(k.mv_data, start,
						     prefix_len) != 0)
			return 0;
		if (op == MDB_SET_RANGE && skip_start &&
		    k.mv_size == start_len &&
		    memcmp(k.mv_data, start, start_len) == 0)
			continue;
		if (n == max) {
			*more = true;
			return 0;
		}
		if (store_key_value_split(&k, unit, indicator, per,
					  &rec.stated) != 0 ||
		    store_value_decode(&v, &sv) != 0)
			return store_corrupt(s, "value record malformed");
		rec.unit = unit;
		rec.indicator = indicator;
		rec.period = per;
		rec.value = sv.value;
		rec.version = sv.version;
		rec.deleted = sv.deleted;
		/* Where the value was entered travels with it, as the audit
		 * trail here knows it. */
		if ((rc = store_audit_origin(s, mdb_cursor_txn(cur), &rec,
					     origin)) != 0)
			return rc;
		rec.origin = origin;
		n++;
		if ((rc = cb(arg, &rec)) != 0)
			return rc;
	}
}

int dongbo_store_unit_values(struct dongbo_store *s, const char *unit,
			     const char *after_indicator,
			     const char *after_period, bool after_stated,
			     size_t max,
			     int (*cb)(void *arg, const struct dongbo_record *rec),
			     void *arg, bool *more)
{
	char start[STORE_KEY_MAX];
	size_t start_len, prefix_len;
	MDB_cursor *cur;
	MDB_txn *txn;
	int rc;

	*more = false;
	if (unit == NULL || unit[0] == '\0' ||
	    (prefix_len = strlen(unit) + 1) > DONGBO_UNIT_CODE_MAX + 1)
		return DONGBO_E_INVAL;
	if (after_indicator != NULL) {
		struct dongbo_record after = {
			.unit = unit, .indicator = after_indicator,
			.period = after_period, .stated = after_stated,
		};

		if (after_period == NULL ||
		    store_key_value(&after, start, &start_len) != 0)
			return DONGBO_E_INVAL;
	} else {
		memcpy(start, unit, prefix_len);
		start_len = prefix_len;
	}
	if (max == 0)
		return 0;
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_open(txn, s->dbi_values, &cur);
	if (rc != 0) {
		store_txn_abort(s, txn);
		return store_mdb_err(s, "open cursor", rc);
	}
	rc = unit_values_walk(s, cur, start, start_len, prefix_len,
			      after_indicator != NULL, max, cb, arg, more);
	mdb_cursor_close(cur);
	store_txn_abort(s, txn);
	return rc;
}
