/*
 * store_rollup.c -- which roll-up entries a value feeds, and the check that
 * recomputes them all from the values.
 *
 * store_rollup_keys is the one definition of "the roll-ups of a value";
 * both the incremental update (store_apply.c) and dongbo_store_verify walk
 * it, so they cannot disagree about keys, only about numbers -- which is
 * what verify is there to catch.
 */
#include "store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "period.h"

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

int store_rollup_keys(const struct dongbo_store *s, const struct dongbo_unit *u,
		      const char *indicator, const char *period,
		      int (*fn)(void *arg, const char *key, size_t key_len),
		      void *arg)
{
	char key[STORE_KEY_MAX];
	const struct dongbo_unit *a;
	size_t prefix_len, key_len;
	int rc;

	for (a = u;; a = a->parent) {
		/* u is within home, so the walk meets home before the root;
		 * running off the top means the unit list is inconsistent. */
		if (a == NULL)
			return DONGBO_E_INVAL;
		rc = store_key_rollup_prefix(a->code, indicator, period, key,
					     &prefix_len);
		if (rc != 0)
			return rc;

		if ((rc = key_dim(key, prefix_len, STORE_DIM_TOTAL, NULL,
				  &key_len)) != 0 ||
		    (rc = fn(arg, key, key_len)) != 0)
			return rc;
		if ((rc = key_dim(key, prefix_len, STORE_DIM_LEVEL, u->level,
				  &key_len)) != 0 ||
		    (rc = fn(arg, key, key_len)) != 0)
			return rc;
		if (a != u) {
			const struct dongbo_unit *c = dongbo_unit_child_toward(a, u);

			if (c == NULL)
				return DONGBO_E_INVAL;
			if ((rc = key_dim(key, prefix_len, STORE_DIM_CHILD,
					  c->code, &key_len)) != 0 ||
			    (rc = fn(arg, key, key_len)) != 0)
				return rc;
		}
		if (a == s->home)
			return 0;
	}
}

/* ---- Verification ---- */

struct expect {
	const char *key; /* in the arena */
	size_t key_len;
	int64_t sum;
	int64_t count;
};

#define ARENA_CHUNK 65536

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	char data[ARENA_CHUNK];
};

struct recompute {
	struct expect *v;
	size_t n, cap;
	struct arena_chunk *chunks;
	int64_t value; /* of the value being folded in */
};

static char *arena_copy(struct recompute *r, const char *p, size_t len)
{
	struct arena_chunk *c = r->chunks;

	/* Keys are at most STORE_KEY_MAX bytes, far below a chunk. */
	if (c == NULL || ARENA_CHUNK - c->used < len) {
		c = malloc(sizeof(*c));
		if (c == NULL)
			return NULL;
		c->next = r->chunks;
		c->used = 0;
		r->chunks = c;
	}
	memcpy(c->data + c->used, p, len);
	c->used += len;
	return c->data + c->used - len;
}

static int expect_add(void *arg, const char *key, size_t key_len)
{
	struct recompute *r = arg;
	struct expect *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		struct expect *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return DONGBO_E_NOMEM;
		v = realloc(r->v, cap * sizeof(*v));
		if (v == NULL)
			return DONGBO_E_NOMEM;
		r->v = v;
		r->cap = cap;
	}
	e = &r->v[r->n];
	e->key = arena_copy(r, key, key_len);
	if (e->key == NULL)
		return DONGBO_E_NOMEM;
	e->key_len = key_len;
	e->sum = r->value;
	e->count = 1;
	r->n++;
	return 0;
}

static void recompute_fini(struct recompute *r)
{
	while (r->chunks != NULL) {
		struct arena_chunk *next = r->chunks->next;

		free(r->chunks);
		r->chunks = next;
	}
	free(r->v);
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

	for (size_t i = 0; i < key_len && j + 1 < len; i++)
		buf[j++] = key[i] == '\0' ? '/' : key[i];
	if (len > 0)
		buf[j] = '\0';
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

/* Folds every live value into r: one entry per roll-up key it feeds. */
static int recompute_values(struct dongbo_store *s, MDB_txn *txn,
			    struct recompute *r, char *err, size_t errlen)
{
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	char period[DONGBO_PERIOD_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op;

	rc = mdb_cursor_open(txn, s->dbi_values, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	for (op = MDB_FIRST;; op = MDB_NEXT) {
		const struct dongbo_unit *u;
		struct store_value sv;

		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = store_mdb_err(s, "read values", rc);
			break;
		}
		if (store_key_value_split(&k, unit, indicator, period) != 0 ||
		    store_value_decode(&v, &sv) != 0) {
			char key[2 * STORE_KEY_MAX];

			key_print(key, sizeof(key), k.mv_data, k.mv_size);
			rc = verify_fail(err, errlen, "value %s: malformed record",
					 key);
			break;
		}
		if (sv.deleted)
			continue;
		u = dongbo_units_find(s->units, unit);
		if (u == NULL || !dongbo_unit_is_within(u, s->home)) {
			rc = verify_fail(err, errlen,
					 "value %s/%s/%s: unit not within home %s",
					 unit, indicator, period, s->home->code);
			break;
		}
		r->value = sv.value;
		rc = store_rollup_keys(s, u, indicator, period, expect_add, r);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc;
}

/* Sorts the entries and merges those of one key. */
static int recompute_merge(struct recompute *r, char *err, size_t errlen)
{
	size_t out = 0;

	if (r->n == 0)
		return 0;
	qsort(r->v, r->n, sizeof(*r->v), expect_cmp);
	for (size_t i = 1; i < r->n; i++) {
		struct expect *last = &r->v[out];
		struct expect *e = &r->v[i];

		if (expect_cmp(last, e) != 0) {
			r->v[++out] = *e;
			continue;
		}
		if (__builtin_add_overflow(last->sum, e->sum, &last->sum) ||
		    __builtin_add_overflow(last->count, e->count, &last->count)) {
			char key[2 * STORE_KEY_MAX];

			key_print(key, sizeof(key), e->key, e->key_len);
			return verify_fail(err, errlen,
					   "rollup %s: recomputed sum overflows",
					   key);
		}
	}
	r->n = out + 1;
	return 0;
}

/* Walks the stored roll-ups and the recomputed ones side by side. */
static int rollup_compare(struct dongbo_store *s, MDB_txn *txn,
			  const struct recompute *r, char *err, size_t errlen)
{
	char key[2 * STORE_KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	size_t i = 0;
	int rc, op;

	rc = mdb_cursor_open(txn, s->dbi_rollup, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	for (op = MDB_FIRST;; op = MDB_NEXT) {
		const struct expect *e = i < r->n ? &r->v[i] : NULL;
		struct dongbo_agg agg;
		int c;

		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			if (e != NULL) {
				key_print(key, sizeof(key), e->key, e->key_len);
				rc = verify_fail(err, errlen,
						 "rollup %s: stored none, "
						 "recomputed sum=%lld count=%lld",
						 key, (long long)e->sum,
						 (long long)e->count);
			}
			break;
		}
		if (rc != 0) {
			rc = store_mdb_err(s, "read rollup", rc);
			break;
		}
		key_print(key, sizeof(key), k.mv_data, k.mv_size);
		if (store_agg_decode(&v, &agg) != 0) {
			rc = verify_fail(err, errlen,
					 "rollup %s: malformed entry", key);
			break;
		}
		c = e == NULL ? -1 : key_cmp(k.mv_data, k.mv_size, e->key, e->key_len);
		if (c < 0) {
			rc = verify_fail(err, errlen,
					 "rollup %s: stored sum=%lld count=%lld, "
					 "recomputed none",
					 key, (long long)agg.sum,
					 (long long)agg.count);
			break;
		}
		if (c > 0) {
			key_print(key, sizeof(key), e->key, e->key_len);
			rc = verify_fail(err, errlen,
					 "rollup %s: stored none, "
					 "recomputed sum=%lld count=%lld",
					 key, (long long)e->sum,
					 (long long)e->count);
			break;
		}
		if (agg.sum != e->sum || agg.count != e->count) {
			rc = verify_fail(err, errlen,
					 "rollup %s: stored sum=%lld count=%lld, "
					 "recomputed sum=%lld count=%lld",
					 key, (long long)agg.sum,
					 (long long)agg.count, (long long)e->sum,
					 (long long)e->count);
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

		if (store_log_decode(&k, &v, &rec) != 0)
			rc = verify_fail(err, errlen, "last log entry malformed");
		else
			last = rec.seq;
	} else if (rc == MDB_NOTFOUND) {
		rc = 0;
	} else {
		rc = store_mdb_err(s, "read log", rc);
	}
	mdb_cursor_close(cur);
	if (rc == 0 && last != head)
		rc = verify_fail(err, errlen,
				 "log ends at seq %llu, meta head is %llu",
				 (unsigned long long)last,
				 (unsigned long long)head);
	return rc;
}

int dongbo_store_verify(struct dongbo_store *s, char *err, size_t errlen)
{
	struct recompute r = { 0 };
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	if ((rc = log_check(s, txn, err, errlen)) == 0 &&
	    (rc = recompute_values(s, txn, &r, err, errlen)) == 0 &&
	    (rc = recompute_merge(&r, err, errlen)) == 0)
		rc = rollup_compare(s, txn, &r, err, errlen);
	recompute_fini(&r);
	mdb_txn_abort(txn);
	return rc;
}
