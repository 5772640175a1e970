/*
 * store_apply.c -- storing values: a local put or a child's batch.
 *
 * Happy path: one write transaction per call.  For each record: resolve
 * its unit, read the stored value, and when the record wins by version
 * replace it, append it to the log under the next sequence number, and
 * fold the difference into every roll-up entry it feeds; then write the
 * log head (and the version clock, or the child's cursor) and commit.
 *
 * Failure modes: any error -- unknown unit, unit outside the allowed
 * subtree, int64 overflow in a roll-up, a full map, I/O -- aborts the
 * transaction, so nothing of the call is stored, the cursor does not move
 * and the sender will re-send the same batch.  Out-parameters are written
 * only after the commit succeeded.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* One write transaction applying records. */
struct batch {
	struct dongbo_store *s;
	MDB_txn *txn;
	uint64_t head;	   /* last log seq written so far */
	size_t n_changed;  /* values replaced */
};

/* A record's place in the values DB, and what it holds now. */
struct slot {
	const struct dongbo_unit *unit;
	char key[STORE_KEY_MAX];
	size_t key_len;
	struct store_value old;
	bool found;
};

static int batch_begin(struct dongbo_store *s, MDB_txn *txn, struct batch *b)
{
	b->s = s;
	b->txn = txn;
	b->n_changed = 0;
	return store_meta_get_u64(s, txn, "head", &b->head);
}

/* Resolves rec's unit, checks it lies within `within`, reads the stored
 * value. */
static int slot_lookup(struct batch *b, const struct dongbo_unit *within,
		       const struct dongbo_record *rec, struct slot *sl)
{
	MDB_val k, v;
	int rc;

	sl->unit = dongbo_units_find(b->s->units, rec->unit);
	if (sl->unit == NULL)
		return DONGBO_E_UNKNOWN_UNIT;
	if (!dongbo_unit_is_within(sl->unit, within))
		return DONGBO_E_OUTSIDE_SUBTREE;
	rc = store_key_value(rec, sl->key, &sl->key_len);
	if (rc != 0)
		return rc;

	k.mv_size = sl->key_len;
	k.mv_data = sl->key;
	rc = mdb_get(b->txn, b->s->dbi_values, &k, &v);
	if (rc == MDB_NOTFOUND) {
		sl->found = false;
		return 0;
	}
	if (rc != 0)
		return store_mdb_err(b->s, "read value", rc);
	if (store_value_decode(&v, &sl->old) != 0)
		return store_corrupt(b->s, "value record malformed");
	sl->found = true;
	return 0;
}

struct rollup_delta {
	struct batch *b;
	int64_t sum;
	int64_t count;
};

static int rollup_add_cb(void *arg, const char *key, size_t key_len)
{
	struct rollup_delta *d = arg;
	struct batch *b = d->b;
	unsigned char buf[STORE_AGG_LEN];
	struct dongbo_agg agg = { 0, 0 };
	MDB_val k = { .mv_size = key_len, .mv_data = (void *)key }, v;
	int rc;

	rc = mdb_get(b->txn, b->s->dbi_rollup, &k, &v);
	if (rc == 0) {
		if (store_agg_decode(&v, &agg) != 0)
			return store_corrupt(b->s, "rollup entry malformed");
	} else if (rc != MDB_NOTFOUND) {
		return store_mdb_err(b->s, "read rollup", rc);
	}

	if (__builtin_add_overflow(agg.sum, d->sum, &agg.sum))
		return DONGBO_E_BAD_VALUE;
	if (__builtin_add_overflow(agg.count, d->count, &agg.count) ||
	    agg.count < 0)
		return store_corrupt(b->s, "rollup count below zero");

	if (agg.count == 0) {
		/* The last contribution left: an empty entry is no entry,
		 * so that a part listed by dongbo_store_rollup always holds
		 * a value.  Its sum must be back to exactly zero. */
		if (agg.sum != 0)
			return store_corrupt(b->s, "rollup sum left without values");
		rc = mdb_del(b->txn, b->s->dbi_rollup, &k, NULL);
		return store_mdb_err(b->s, "delete rollup", rc);
	}
	store_agg_encode(&agg, buf);
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	rc = mdb_put(b->txn, b->s->dbi_rollup, &k, &v, 0);
	return store_mdb_err(b->s, "write rollup", rc);
}

/* Replaces the value in sl by rec at version, logs it and moves the
 * roll-ups by the difference. */
static int slot_replace(struct batch *b, const struct slot *sl,
			const struct dongbo_record *rec, uint64_t version)
{
	unsigned char vbuf[STORE_VALUE_LEN];
	unsigned char lbuf[STORE_LOG_HDR_LEN + STORE_KEY_MAX + 1];
	unsigned char seqbuf[8];
	struct store_value nv = {
		.value = rec->deleted ? 0 : rec->value,
		.version = version,
		.deleted = rec->deleted,
	};
	bool old_present = sl->found && !sl->old.deleted;
	int64_t old_value = old_present ? sl->old.value : 0;
	struct rollup_delta d = { .b = b };
	MDB_val k, v;
	size_t len;
	int rc;

	/* The difference itself must fit before any sum can absorb it. */
	if (__builtin_sub_overflow(nv.value, old_value, &d.sum))
		return DONGBO_E_BAD_VALUE;
	d.count = (int64_t)!nv.deleted - (int64_t)old_present;

	store_value_encode(&nv, vbuf);
	k.mv_size = sl->key_len;
	k.mv_data = (void *)sl->key;
	v.mv_size = sizeof(vbuf);
	v.mv_data = vbuf;
	rc = mdb_put(b->txn, b->s->dbi_values, &k, &v, 0);
	if (rc != 0)
		return store_mdb_err(b->s, "write value", rc);

	if (b->head == UINT64_MAX)
		return DONGBO_E_BAD_VALUE;
	rc = store_log_encode(rec, version, lbuf, sizeof(lbuf), &len);
	if (rc != 0)
		return rc;
	store_put_u64(seqbuf, b->head + 1);
	k.mv_size = sizeof(seqbuf);
	k.mv_data = seqbuf;
	v.mv_size = len;
	v.mv_data = lbuf;
	/* Sequence numbers only grow, so MDB_APPEND holds; an existing
	 * later key means the head record and the log disagree. */
	rc = mdb_put(b->txn, b->s->dbi_log, &k, &v, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		return store_corrupt(b->s, "log runs past its recorded head");
	if (rc != 0)
		return store_mdb_err(b->s, "append log", rc);
	b->head++;

	if (d.sum != 0 || d.count != 0) {
		rc = store_rollup_keys(b->s, sl->unit, rec->indicator,
				       rec->period, rollup_add_cb, &d);
		if (rc != 0)
			return rc;
	}
	b->n_changed++;
	return 0;
}

int dongbo_store_put_local(struct dongbo_store *s,
			   const struct dongbo_record *recs, size_t n,
			   int64_t now_us, uint64_t *versions)
{
	uint64_t *given = NULL;
	uint64_t clock, now = now_us > 0 ? (uint64_t)now_us : 0;
	struct batch b;
	MDB_txn *txn;
	int rc;

	if (n == 0)
		return 0;
	if (recs == NULL)
		return DONGBO_E_INVAL;
	if (versions != NULL) {
		if (n > SIZE_MAX / sizeof(*given))
			return DONGBO_E_NOMEM;
		given = malloc(n * sizeof(*given));
		if (given == NULL)
			return DONGBO_E_NOMEM;
	}

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		goto err_after_alloc;
	if ((rc = batch_begin(s, txn, &b)) != 0 ||
	    (rc = store_meta_get_u64(s, txn, "clock", &clock)) != 0)
		goto err_after_txn;

	for (size_t i = 0; i < n; i++) {
		struct slot sl;
		uint64_t version;

		rc = slot_lookup(&b, s->home, &recs[i], &sl);
		if (rc != 0)
			goto err_after_txn;
		if (clock == UINT64_MAX) {
			rc = DONGBO_E_BAD_VALUE;
			goto err_after_txn;
		}
		version = now > clock ? now : clock + 1;
		/* A value written here must win over what is stored, even
		 * when that came from a node whose clock runs ahead (a unit
		 * moved to this node): otherwise the write would vanish as
		 * an "older version".  The clock follows, so versions still
		 * only grow. */
		if (sl.found && version <= sl.old.version) {
			if (sl.old.version == UINT64_MAX) {
				rc = DONGBO_E_BAD_VALUE;
				goto err_after_txn;
			}
			version = sl.old.version + 1;
		}
		clock = version;
		rc = slot_replace(&b, &sl, &recs[i], version);
		if (rc != 0)
			goto err_after_txn;
		if (given != NULL)
			given[i] = version;
	}

	if ((rc = store_meta_put_u64(s, txn, "clock", clock)) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "head", b.head)) != 0)
		goto err_after_txn;
	rc = store_txn_commit(s, txn);
	if (rc != 0)
		goto err_after_alloc;
	if (versions != NULL)
		memcpy(versions, given, n * sizeof(*given));
	free(given);
	return 0;

err_after_txn:
	mdb_txn_abort(txn);
err_after_alloc:
	free(given);
	return rc;
}

/* The batch's shape, before anything is read: a range first_seq..last_seq
 * (empty when first_seq == last_seq + 1), records strictly ordered by seq
 * inside it, each with a version. */
static int batch_check(uint64_t first_seq, uint64_t last_seq,
		       const struct dongbo_record *recs, size_t n)
{
	uint64_t prev = 0;

	if (n > 0 && recs == NULL)
		return DONGBO_E_INVAL;
	if (first_seq == 0 ||
	    (last_seq != UINT64_MAX && first_seq > last_seq + 1))
		return DONGBO_E_INVAL;
	for (size_t i = 0; i < n; i++) {
		const struct dongbo_record *r = &recs[i];

		if (r->seq < first_seq || r->seq > last_seq ||
		    (i > 0 && r->seq <= prev) || r->version == 0)
			return DONGBO_E_INVAL;
		prev = r->seq;
	}
	return 0;
}

int dongbo_store_apply_child(struct dongbo_store *s, const char *child_unit,
			     const char *child_store_id, uint64_t first_seq,
			     uint64_t last_seq, const struct dongbo_record *recs,
			     size_t n, int64_t now_ms, uint64_t *applied_seq,
			     size_t *n_changed)
{
	const struct dongbo_unit *child = NULL;
	struct dongbo_child_state c;
	uint64_t cursor;
	struct batch b;
	MDB_txn *txn;
	int rc;

	rc = batch_check(first_seq, last_seq, recs, n);
	if (rc != 0)
		return rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	rc = store_child_session(s, txn, child_unit, child_store_id, &c);
	if (rc != 0)
		goto err_after_txn;
	cursor = c.applied_seq;

	if (last_seq <= cursor) {
		/* Already applied (a resend, or an empty batch): nothing to
		 * write. */
		mdb_txn_abort(txn);
		*applied_seq = cursor;
		if (n_changed != NULL)
			*n_changed = 0;
		return 0;
	}
	if (first_seq > cursor + 1) {
		mdb_txn_abort(txn);
		*applied_seq = cursor;
		return DONGBO_E_GAP;
	}

	rc = batch_begin(s, txn, &b);
	if (rc != 0)
		goto err_after_txn;
	for (size_t i = 0; i < n; i++) {
		const struct dongbo_record *r = &recs[i];
		struct slot sl;

		if (r->seq <= cursor)
			continue;
		c.received++;
		/* A child sends only values of its own subtree (units it
		 * hosts or relays).  Looked up here, not at hello: the
		 * hierarchy may have changed since. */
		if (child == NULL) {
			child = dongbo_units_find(s->units, c.unit);
			if (child == NULL) {
				rc = DONGBO_E_UNKNOWN_UNIT;
				goto err_after_txn;
			}
			if (!dongbo_unit_is_within(child, s->home)) {
				rc = DONGBO_E_OUTSIDE_SUBTREE;
				goto err_after_txn;
			}
		}
		rc = slot_lookup(&b, child, r, &sl);
		if (rc != 0)
			goto err_after_txn;
		/* Per key the higher version wins; an equal version is the
		 * same record arriving again. */
		if (sl.found && r->version <= sl.old.version)
			continue;
		rc = slot_replace(&b, &sl, r, r->version);
		if (rc != 0)
			goto err_after_txn;
	}

	c.applied_seq = last_seq;
	c.last_seen_ms = now_ms;
	if ((rc = store_child_put(s, txn, &c)) != 0 ||
	    (b.n_changed > 0 &&
	     (rc = store_meta_put_u64(s, txn, "head", b.head)) != 0))
		goto err_after_txn;
	rc = store_txn_commit(s, txn);
	if (rc != 0)
		return rc;
	*applied_seq = last_seq;
	if (n_changed != NULL)
		*n_changed = b.n_changed;
	return 0;

err_after_txn:
	mdb_txn_abort(txn);
	return rc;
}
