/*
 * store_aggbuf.c -- roll-up changes of a write transaction, combined per
 * entry and written once, in key order.
 *
 * A value feeds a roll-up entry per ancestor, dimension and enclosing
 * period, and the values of one batch share most of those entries (every
 * month of a year feeds the same year total).  Folding each value straight
 * into LMDB costs a B-tree descent per entry and value; here the changes
 * are added up in a hash table first, and written at commit -- or earlier,
 * when the table holds AGGBUF_FLUSH_AT entries -- with one cursor walking
 * the keys in order, which LMDB serves from the page it is already on.
 *
 * The result is what folding each change in turn would store, and so are
 * the errors: an entry keeps the lowest and highest running total of its
 * changes, so a sum that would have overflowed, or a count that would
 * have gone below zero, at any step is refused just the same (the whole
 * transaction fails, as before).
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Entries held before they are written ahead of the commit: bounds the
 * table at a few MiB however large the transaction. */
#define AGGBUF_FLUSH_AT 32768

struct aggbuf_ent {
	__int128 sum, sum_lo, sum_hi; /* running total, its extremes */
	int64_t count, count_lo;
	uint64_t head; /* the key's first 8 bytes, big-endian, 0-padded */
	const char *key; /* set for the flush: keys may move before */
	uint32_t key_off, hash;
	uint32_t key_len;
};

struct store_aggbuf {
	struct aggbuf_ent *ents; /* in order of first change */
	size_t n, cap;
	uint32_t *slots; /* open addressing: 1 + index into ents, 0 empty */
	size_t n_slots;	 /* a power of two, at least twice n */
	char *keys;	 /* the keys, back to back */
	size_t keys_len, keys_cap;
	const struct aggbuf_ent **order; /* scratch for the flush */
};

static uint32_t key_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

static int grow_slots(struct store_aggbuf *a)
{
	size_t n = a->n_slots != 0 ? a->n_slots * 2 : 1024;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < a->n; i++) {
		size_t at = a->ents[i].hash & (n - 1);

		while (slots[at] != 0)
			at = (at + 1) & (n - 1);
		slots[at] = (uint32_t)i + 1;
	}
	free(a->slots);
	a->slots = slots;
	a->n_slots = n;
	return 0;
}

static int reserve(struct store_aggbuf *a, size_t key_len)
{
	if (a->n == a->cap) {
		size_t cap = a->cap != 0 ? a->cap * 2 : 512;
		struct aggbuf_ent *e = realloc(a->ents, cap * sizeof(*e));
		const struct aggbuf_ent **o;

		if (e == NULL)
			return DONGBO_E_NOMEM;
		a->ents = e;
		o = realloc(a->order, cap * sizeof(*o));
		if (o == NULL)
			return DONGBO_E_NOMEM;
		a->order = o;
		a->cap = cap;
	}
	if (a->keys_cap - a->keys_len < key_len) {
		size_t cap = a->keys_cap != 0 ? a->keys_cap : 16384;
		char *k;

		while (cap - a->keys_len < key_len)
			cap *= 2;
		k = realloc(a->keys, cap);
		if (k == NULL)
			return DONGBO_E_NOMEM;
		a->keys = k;
		a->keys_cap = cap;
	}
	if (2 * (a->n + 1) > a->n_slots)
		return grow_slots(a);
	return 0;
}

/* The entry of key, made empty when new; NULL when out of memory. */
static struct aggbuf_ent *entry_of(struct store_aggbuf *a, const char *key,
				   size_t len)
{
	uint32_t h = key_hash(key, len);
	struct aggbuf_ent *e;
	size_t at;

	if (reserve(a, len) != 0)
		return NULL;
	for (at = h & (a->n_slots - 1); a->slots[at] != 0;
	     at = (at + 1) & (a->n_slots - 1)) {
		e = &a->ents[a->slots[at] - 1];
		if (e->hash == h && e->key_len == len &&
		    memcmp(a->keys + e->key_off, key, len) == 0)
			return e;
	}
	e = &a->ents[a->n];
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < 8; i++)
		e->head = e->head << 8 |
			  (i < len ? (unsigned char)key[i] : 0u);
	e->hash = h;
	e->key_off = (uint32_t)a->keys_len;
	e->key_len = (uint32_t)len;
	memcpy(a->keys + a->keys_len, key, len);
	a->keys_len += len;
	a->slots[at] = (uint32_t)++a->n;
	return e;
}

void store_aggbuf_reset(struct dongbo_store *s)
{
	struct store_aggbuf *a = s->aggbuf;

	if (a == NULL || a->n == 0)
		return;
	memset(a->slots, 0, a->n_slots * sizeof(*a->slots));
	a->n = 0;
	a->keys_len = 0;
}

void store_aggbuf_free(struct dongbo_store *s)
{
	struct store_aggbuf *a = s->aggbuf;

	if (a == NULL)
		return;
	free(a->ents);
	free(a->slots);
	free(a->keys);
	free(a->order);
	free(a);
	s->aggbuf = NULL;
}

int store_aggbuf_add(struct dongbo_store *s, MDB_txn *txn, const char *key,
		     size_t key_len, int64_t dsum, int64_t dcount)
{
	struct aggbuf_ent *e;

	if (key_len == 0 || key_len > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	if (s->aggbuf == NULL) {
		s->aggbuf = calloc(1, sizeof(*s->aggbuf));
		if (s->aggbuf == NULL)
			return DONGBO_E_NOMEM;
	}
	if (s->aggbuf->n >= AGGBUF_FLUSH_AT) {
		int rc = store_aggbuf_flush(s, txn);

		if (rc != 0)
			return rc;
	}
	e = entry_of(s->aggbuf, key, key_len);
	if (e == NULL)
		return DONGBO_E_NOMEM;
	/* Both stay far inside their types: a change is an int64, and a
	 * table holds fewer than 2^32 of them. */
	e->sum += dsum;
	e->count += dcount;
	if (e->sum < e->sum_lo)
		e->sum_lo = e->sum;
	if (e->sum > e->sum_hi)
		e->sum_hi = e->sum;
	if (e->count < e->count_lo)
		e->count_lo = e->count;
	return 0;
}

static int order_cmp(const void *pa, const void *pb)
{
	const struct aggbuf_ent *a = *(const struct aggbuf_ent *const *)pa;
	const struct aggbuf_ent *b = *(const struct aggbuf_ent *const *)pb;
	size_t n;
	int c;

	/* LMDB's default order: bytes, then the shorter first.  The first
	 * eight bytes decide most pairs; a shorter key's padding sorts
	 * first, and a tie there goes on to the bytes themselves. */
	if (a->head != b->head)
		return a->head < b->head ? -1 : 1;
	n = a->key_len < b->key_len ? a->key_len : b->key_len;
	c = memcmp(a->key, b->key, n);
	if (c != 0)
		return c;
	return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

/* Writes one entry's changes at the cursor. */
static int flush_one(struct dongbo_store *s, MDB_cursor *cur,
		     const struct aggbuf_ent *e)
{
	unsigned char buf[STORE_AGG_LEN];
	struct dongbo_agg old = { 0 }, agg;
	MDB_val k = { .mv_size = e->key_len, .mv_data = (void *)e->key };
	MDB_val v;
	bool found;
	int rc;

	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(s, "read rollup", rc);
	found = rc == 0;
	if (found && store_agg_decode(&v, &old) != 0)
		return store_corrupt(s, "rollup entry malformed");
	if ((__int128)old.sum + e->sum_hi > INT64_MAX ||
	    (__int128)old.sum + e->sum_lo < INT64_MIN)
		return DONGBO_E_BAD_VALUE;
	if (old.count + e->count_lo < 0)
		return store_corrupt(s, "rollup count below zero");
	agg.sum = (int64_t)(old.sum + e->sum);
	agg.count = old.count + e->count;
	if (agg.count == 0) {
		/* The last contribution left: an empty entry is no entry,
		 * so that a part listed by dongbo_store_rollup always holds
		 * a value.  Its sum must be back to exactly zero. */
		if (agg.sum != 0)
			return store_corrupt(s, "rollup sum left without values");
		return found ? store_mdb_err(s, "delete rollup",
					     mdb_cursor_del(cur, 0)) :
			       0;
	}
	store_agg_encode(&agg, buf);
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	return store_mdb_err(s, "write rollup",
			     mdb_cursor_put(cur, &k, &v,
					    found ? MDB_CURRENT : 0));
}

int store_aggbuf_flush(struct dongbo_store *s, MDB_txn *txn)
{
	struct store_aggbuf *a = s->aggbuf;
	MDB_cursor *cur;
	int rc = 0;

	if (a == NULL || a->n == 0)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		a->ents[i].key = a->keys + a->ents[i].key_off;
		a->order[i] = &a->ents[i];
	}
	qsort(a->order, a->n, sizeof(*a->order), order_cmp);

	rc = mdb_cursor_open(txn, s->dbi_rollup, &cur);
	if (rc != 0)
		return store_mdb_err(s, "read rollup", rc);
	for (size_t i = 0; i < a->n && rc == 0; i++)
		rc = flush_one(s, cur, a->order[i]);
	mdb_cursor_close(cur);
	/* On failure the transaction is aborted: what is left goes too. */
	store_aggbuf_reset(s);
	return rc;
}
