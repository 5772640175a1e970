/*
 * store_rollup.c -- which roll-up entries a value feeds, how a change moves
 * them, the rebuild after a catalog change, and the check that recomputes
 * everything from the values.
 *
 * store_rollup_keys is the one definition of "the roll-ups of a value" and
 * store_derive_all (store_time.c) the one definition of "the values a unit
 * has at every period"; the incremental update (store_apply.c), the
 * rebuild and dongbo_store_verify all go through them, so they cannot
 * disagree about keys or periods, only about numbers -- which is what
 * verify is there to catch.
 */
#include "store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "period.h"
#include "util.h"

static int key_dim(char *key, size_t prefix_len, char dim, const char *name,
		   size_t *key_len)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (prefix_len + 1 + n > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	key[prefix_len] = dim;
	if (n > 0)
		memcpy(key + prefix_len + 1, name, n);
	*key_len = prefix_len + 1 + n;
	return 0;
}

/* The entries of a's roll-up that a value of u (within a) feeds. */
static int anchor_keys(const struct dongbo_unit *a, const struct dongbo_unit *u,
		       const char *indicator, const char *period,
		       bool with_total,
		       int (*fn)(void *arg, const char *key, size_t key_len),
		       void *arg)
{
	char key[STORE_KEY_MAX];
	size_t prefix_len, key_len;
	int rc;

	rc = store_key_rollup_prefix(a->code, indicator, period, key,
				     &prefix_len);
	if (rc != 0)
		return rc;
	if (with_total &&
	    ((rc = key_dim(key, prefix_len, STORE_DIM_TOTAL, NULL,
			   &key_len)) != 0 ||
	     (rc = fn(arg, key, key_len)) != 0))
		return rc;
	/* (format 6) No entry per child: a child's part of a's roll-up is
	 * the child's own total (dongbo_store_rollup). */
	if ((rc = key_dim(key, prefix_len, STORE_DIM_LEVEL, u->level,
			  &key_len)) != 0)
		return rc;
	return fn(arg, key, key_len);
}

int store_rollup_keys(const struct dongbo_store *s, const struct dongbo_unit *u,
		      const char *indicator, const char *period,
		      bool with_total,
		      int (*fn)(void *arg, const char *key, size_t key_len),
		      void *arg)
{
	int rc;

	for (const struct dongbo_unit *a = u;; a = a->parent) {
		/* u is within home, so the walk meets home before the root;
		 * running off the top means the unit list is inconsistent. */
		if (a == NULL)
			return DONGBO_E_INVAL;
		if ((a != u || store_unit_keeps_rollup(u)) &&
		    (rc = anchor_keys(a, u, indicator, period, with_total, fn,
				      arg)) != 0)
			return rc;
		if (a == s->home)
			return 0;
	}
}

/* ---- Folding a change in ---- */

/* Builds the dist key of value under a roll-up key. */
static int dist_key(const char *key, size_t key_len, int64_t value,
		    char out[STORE_KEY_MAX], size_t *out_len)
{
	if (key_len + 1 + STORE_DIST_VALUE_LEN > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	memcpy(out, key, key_len);
	out[key_len] = '\0';
	store_put_sortable((unsigned char *)out + key_len + 1, value);
	*out_len = key_len + 1 + STORE_DIST_VALUE_LEN;
	return 0;
}

static int dist_add(struct dongbo_store *s, MDB_txn *txn, const char *key,
		    size_t key_len, int64_t value, int64_t delta)
{
	char dk[STORE_KEY_MAX];
	unsigned char buf[8];
	int64_t units = 0;
	MDB_val k, v;
	int rc;

	rc = dist_key(key, key_len, value, dk, &k.mv_size);
	if (rc != 0)
		return rc;
	k.mv_data = dk;
	rc = mdb_get(txn, s->dbi_dist, &k, &v);
	if (rc == 0) {
		if (v.mv_size != sizeof(buf))
			return store_corrupt(s, "dist entry malformed");
		units = store_get_i64(v.mv_data);
	} else if (rc != MDB_NOTFOUND) {
		return store_mdb_err(s, "read dist", rc);
	}
	units += delta;
	if (units < 0)
		return store_corrupt(s, "dist count below zero");
	if (units == 0)
		return store_mdb_err(s, "delete dist",
				     mdb_del(txn, s->dbi_dist, &k, NULL));
	store_put_i64(buf, units);
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	return store_mdb_err(s, "write dist",
			     mdb_put(txn, s->dbi_dist, &k, &v, 0));
}

struct fold {
	struct dongbo_store *s;
	MDB_txn *txn;
	int64_t dsum, dcount;
	bool dist;
	const int64_t *old_v, *new_v;
};

static int fold_cb(void *arg, const char *key, size_t key_len)
{
	struct fold *f = arg;
	int rc;

	rc = store_aggbuf_add(f->s, f->txn, key, key_len, f->dsum, f->dcount);
	if (rc != 0 || !f->dist)
		return rc;
	if (f->old_v != NULL &&
	    (rc = dist_add(f->s, f->txn, key, key_len, *f->old_v, -1)) != 0)
		return rc;
	if (f->new_v != NULL)
		rc = dist_add(f->s, f->txn, key, key_len, *f->new_v, 1);
	return rc;
}

int store_rollup_fold(struct dongbo_store *s, MDB_txn *txn,
		      const struct dongbo_unit *u, const char *indicator,
		      const char *period, bool dist, const int64_t *old_v,
		      const int64_t *new_v)
{
	struct fold f = { .s = s, .txn = txn, .dist = dist, .old_v = old_v,
			  .new_v = new_v };

	if (old_v == NULL && new_v == NULL)
		return 0;
	if (old_v != NULL && new_v != NULL && *old_v == *new_v)
		return 0;
	/* The difference itself must fit before any sum can absorb it. */
	if (__builtin_sub_overflow(new_v != NULL ? *new_v : 0,
				   old_v != NULL ? *old_v : 0, &f.dsum))
		return DONGBO_E_BAD_VALUE;
	f.dcount = (int64_t)(new_v != NULL) - (int64_t)(old_v != NULL);
	return store_rollup_keys(s, u, indicator, period, dist, fold_cb, &f);
}

/* ---- Rebuild ---- */

struct rebuild {
	struct dongbo_store *s;
	MDB_txn *txn;
};

static int rebuild_value(void *arg, const struct dongbo_unit *u,
			 const char *indicator, const char *period, int64_t v,
			 bool dist)
{
	struct rebuild *r = arg;

	return store_rollup_fold(r->s, r->txn, u, indicator, period, dist,
				 NULL, &v);
}

static int rebuild_conflict(void *arg, const char *unit, const char *indicator,
			    const char *period, int64_t entered,
			    int64_t composed)
{
	struct rebuild *r = arg;
	struct store_eff e = { .conflict = true, .entered = entered,
			       .composed = composed };

	return store_conflict_set(r->s, r->txn, unit, indicator, period, &e);
}

int store_rebuild(struct dongbo_store *s, MDB_txn *txn)
{
	struct rebuild r = { .s = s, .txn = txn };
	struct store_sink sink = { .value = rebuild_value,
				   .conflict = rebuild_conflict, .arg = &r };
	unsigned char format = STORE_FORMAT;
	MDB_val k = { .mv_size = 6, .mv_data = "format" };
	MDB_val v = { .mv_size = 1, .mv_data = &format };
	int rc;

	/* Everything is computed again from the values: changes held for
	 * the entries about to go are part of that. */
	store_aggbuf_reset(s);
	if ((rc = mdb_drop(txn, s->dbi_rollup, 0)) != 0 ||
	    (rc = mdb_drop(txn, s->dbi_dist, 0)) != 0 ||
	    (rc = mdb_drop(txn, s->dbi_conflict, 0)) != 0)
		return store_mdb_err(s, "empty roll-ups", rc);
	rc = store_derive_all(s, txn, &sink);
	if (rc != 0)
		return rc;
	rc = store_meta_put_u64(s, txn, "catver",
				s->catalog != NULL ?
					dongbo_catalog_version(s->catalog) :
					0);
	if (rc != 0)
		return rc;
	return store_mdb_err(s, "write meta",
			     mdb_put(txn, s->dbi_meta, &k, &v, 0));
}

/* ---- Verification ---- */

/* What one entry of a derived database should hold: for roll-ups a = sum
 * and b = count, for dist a = units, for conflicts a = entered and
 * b = composed. */
struct expect {
	const char *key; /* in the arena */
	size_t key_len;
	int64_t a, b;
};

struct expects {
	struct expect *v;
	size_t n, cap;
};

enum { EX_ROLLUP, EX_DIST, EX_CONFLICT, N_EX };

struct recompute {
	struct dongbo_store *s;
	struct expects ex[N_EX];
	struct dongbo_arena keys;
	int64_t value; /* of the value being folded in */
	bool dist;
};

static int expect_push(struct recompute *r, int which, const char *key,
		       size_t key_len, int64_t a, int64_t b)
{
	struct expects *x = &r->ex[which];
	struct expect *e;

	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 1024;
		struct expect *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return DONGBO_E_NOMEM;
		v = realloc(x->v, cap * sizeof(*v));
		if (v == NULL)
			return DONGBO_E_NOMEM;
		x->v = v;
		x->cap = cap;
	}
	e = &x->v[x->n];
	e->key = dongbo_arena_copy(&r->keys, key, key_len);
	if (e->key == NULL)
		return DONGBO_E_NOMEM;
	e->key_len = key_len;
	e->a = a;
	e->b = b;
	x->n++;
	return 0;
}

static int expect_key_cb(void *arg, const char *key, size_t key_len)
{
	struct recompute *r = arg;
	char dk[STORE_KEY_MAX];
	size_t dk_len;
	int rc;

	rc = expect_push(r, EX_ROLLUP, key, key_len, r->value, 1);
	if (rc != 0 || !r->dist)
		return rc;
	rc = dist_key(key, key_len, r->value, dk, &dk_len);
	if (rc != 0)
		return rc;
	return expect_push(r, EX_DIST, dk, dk_len, 1, 0);
}

static int expect_value(void *arg, const struct dongbo_unit *u,
			const char *indicator, const char *period, int64_t v,
			bool dist)
{
	struct recompute *r = arg;

	r->value = v;
	r->dist = dist;
	return store_rollup_keys(r->s, u, indicator, period, dist,
				 expect_key_cb, r);
}

static int expect_conflict(void *arg, const char *unit, const char *indicator,
			   const char *period, int64_t entered, int64_t composed)
{
	struct recompute *r = arg;
	char key[STORE_KEY_MAX];
	size_t key_len;
	int rc;

	rc = store_key_conflict(indicator, period, unit, key, &key_len);
	if (rc != 0)
		return rc;
	return expect_push(r, EX_CONFLICT, key, key_len, entered, composed);
}

static void recompute_fini(struct recompute *r)
{
	dongbo_arena_free(&r->keys);
	for (int i = 0; i < N_EX; i++)
		free(r->ex[i].v);
}

/* LMDB's default key order: bytes, then length. */
static int key_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c != 0)
		return c;
	return na < nb ? -1 : na > nb;
}

static int expect_cmp(const void *pa, const void *pb)
{
	const struct expect *a = pa, *b = pb;

	return key_cmp(a->key, a->key_len, b->key, b->key_len);
}

static void key_print(char *buf, size_t len, const char *key, size_t key_len)
{
	size_t j = 0;

	for (size_t i = 0; i < key_len && j + 4 < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c == '\0')
			buf[j++] = '/';
		else if (c < 0x20 || c >= 0x7f)
			j += (size_t)snprintf(buf + j, len - j, "\\x%02x", c);
		else
			buf[j++] = (char)c;
	}
	if (len > 0)
		buf[j < len ? j : len - 1] = '\0';
}

__attribute__((format(printf, 3, 4))) static int
verify_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return DONGBO_E_CORRUPT;
}

/* Sorts the entries and merges those of one key by adding them (roll-ups
 * and dist; a conflict key occurs once). */
static int expects_merge(struct expects *x, bool add_b, char *err,
			 size_t errlen)
{
	size_t out = 0;

	if (x->n == 0)
		return 0;
	qsort(x->v, x->n, sizeof(*x->v), expect_cmp);
	for (size_t i = 1; i < x->n; i++) {
		struct expect *last = &x->v[out];
		struct expect *e = &x->v[i];

		if (expect_cmp(last, e) != 0) {
			x->v[++out] = *e;
			continue;
		}
		if (__builtin_add_overflow(last->a, e->a, &last->a) ||
		    (add_b && __builtin_add_overflow(last->b, e->b, &last->b))) {
			char key[4 * STORE_KEY_MAX];

			key_print(key, sizeof(key), e->key, e->key_len);
			return verify_fail(err, errlen,
					   "%s: recomputed sum overflows", key);
		}
	}
	x->n = out + 1;
	return 0;
}

static const char *const db_names[N_EX] = { "rollup", "dist", "conflict" };

/* Reads a stored entry of database which as (a, b). */
static int entry_decode(int which, const MDB_val *v, int64_t *a, int64_t *b)
{
	struct dongbo_agg agg;

	switch (which) {
	case EX_ROLLUP:
		if (store_agg_decode(v, &agg) != 0)
			return DONGBO_E_CORRUPT;
		*a = agg.sum;
		*b = agg.count;
		return 0;
	case EX_DIST:
		if (v->mv_size != STORE_DIST_VALUE_LEN)
			return DONGBO_E_CORRUPT;
		*a = store_get_i64(v->mv_data);
		*b = 0;
		return *a > 0 ? 0 : DONGBO_E_CORRUPT;
	default:
		if (v->mv_size != STORE_CONFLICT_LEN)
			return DONGBO_E_CORRUPT;
		*a = store_get_i64(v->mv_data);
		*b = store_get_i64((const unsigned char *)v->mv_data + 8);
		return 0;
	}
}

/* Walks one stored database and its recomputed entries side by side. */
static int db_compare(struct dongbo_store *s, MDB_txn *txn, MDB_dbi dbi,
		      int which, const struct expects *x, char *err,
		      size_t errlen)
{
	const char *name = db_names[which];
	char key[4 * STORE_KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	size_t i = 0;
	int rc, op;

	rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	for (op = MDB_FIRST;; op = MDB_NEXT) {
		const struct expect *e = i < x->n ? &x->v[i] : NULL;
		int64_t a, b;
		int c;

		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			rc = store_mdb_err(s, "read derived entries", rc);
			break;
		}
		c = rc == MDB_NOTFOUND ? 1 :
		    e == NULL	       ? -1 :
					 key_cmp(k.mv_data, k.mv_size, e->key,
						 e->key_len);
		if (rc == MDB_NOTFOUND && e == NULL) {
			rc = 0;
			break;
		}
		if (c > 0) {
			key_print(key, sizeof(key), e->key, e->key_len);
			rc = verify_fail(err, errlen,
					 "%s %s: stored none, recomputed "
					 "%lld/%lld",
					 name, key, (long long)e->a,
					 (long long)e->b);
			break;
		}
		key_print(key, sizeof(key), k.mv_data, k.mv_size);
		if (entry_decode(which, &v, &a, &b) != 0) {
			rc = verify_fail(err, errlen, "%s %s: malformed entry",
					 name, key);
			break;
		}
		if (c < 0) {
			rc = verify_fail(err, errlen,
					 "%s %s: stored %lld/%lld, recomputed "
					 "none",
					 name, key, (long long)a, (long long)b);
			break;
		}
		if (a != e->a || b != e->b) {
			rc = verify_fail(err, errlen,
					 "%s %s: stored %lld/%lld, recomputed "
					 "%lld/%lld",
					 name, key, (long long)a, (long long)b,
					 (long long)e->a, (long long)e->b);
			break;
		}
		i++;
	}
	mdb_cursor_close(cur);
	return rc;
}

/* The log's last key is the head recorded in meta. */
static int log_check(struct dongbo_store *s, MDB_txn *txn, char *err,
		     size_t errlen)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t head, last = 0;
	int rc;

	rc = store_meta_get_u64(s, txn, "head", &head);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_open(txn, s->dbi_log, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0) {
		struct dongbo_record rec;
		struct dongbo_approval ap;

		if (store_log_decode(&k, &v, &rec, &ap) != 0)
			rc = verify_fail(err, errlen, "last log entry malformed");
		else
			last = rec.seq;
	} else if (rc == MDB_NOTFOUND) {
		rc = 0;
	} else {
		rc = store_mdb_err(s, "read log", rc);
	}
	mdb_cursor_close(cur);
	/* An empty log is one pruned up to the parent's acknowledgement. */
	if (rc == 0 && last != head && last != 0)
		rc = verify_fail(err, errlen,
				 "log ends at seq %llu, meta head is %llu",
				 (unsigned long long)last,
				 (unsigned long long)head);
	return rc;
}

int dongbo_store_verify(struct dongbo_store *s, char *err, size_t errlen)
{
	struct recompute r = { .s = s };
	struct store_sink sink = { .value = expect_value,
				   .conflict = expect_conflict, .arg = &r };
	MDB_dbi dbis[N_EX] = { s->dbi_rollup, s->dbi_dist, s->dbi_conflict };
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = log_check(s, txn, err, errlen);
	if (rc == 0) {
		rc = store_derive_all(s, txn, &sink);
		if (rc == DONGBO_E_CORRUPT)
			verify_fail(err, errlen,
				    "values: malformed, or of a unit not "
				    "within home %s", s->home->code);
	}
	for (int i = 0; i < N_EX && rc == 0; i++) {
		rc = expects_merge(&r.ex[i], i == EX_ROLLUP, err, errlen);
		if (rc == 0)
			rc = db_compare(s, txn, dbis[i], i, &r.ex[i], err,
					errlen);
	}
	recompute_fini(&r);
	store_txn_abort(s, txn);
	return rc;
}
