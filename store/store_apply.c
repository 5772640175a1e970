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
#include "fault.h"

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

/* The values of sl's unit at rec's period and every enclosing period, as
 * the roll-ups and conflicts see them. */
struct chain {
	struct store_rules rules;
	struct dongbo_period p[4];
	struct store_eff eff[4];
	size_t n;
};

static int chain_read(struct batch *b, const struct dongbo_record *rec,
		      struct chain *c)
{
	struct store_year y;
	int rc;

	rc = store_year_read(b->s, b->txn, rec->unit, rec->indicator,
			     c->p[0].year, c->rules.time, &y);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < c->n; i++)
		c->eff[i] = y.eff[store_year_index(&c->p[i])];
	return 0;
}

/* Moves roll-ups and conflicts from what `before` saw to what is stored
 * now. */
static int chain_fold(struct batch *b, const struct slot *sl,
		      const struct dongbo_record *rec, const struct chain *before)
{
	struct chain after = *before;
	int rc;

	rc = chain_read(b, rec, &after);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < after.n; i++) {
		const struct store_eff *o = &before->eff[i], *n = &after.eff[i];
		char period[DONGBO_PERIOD_MAX];

		dongbo_period_format(&after.p[i], period);
		if (after.rules.rolled &&
		    (rc = store_rollup_fold(b->s, b->txn, sl->unit,
					    rec->indicator, period,
					    after.rules.dist,
					    o->present ? &o->value : NULL,
					    n->present ? &n->value : NULL)) != 0)
			return rc;
		if ((o->conflict || n->conflict) &&
		    (o->conflict != n->conflict || o->entered != n->entered ||
		     o->composed != n->composed) &&
		    (rc = store_conflict_set(b->s, b->txn, rec->unit,
					     rec->indicator, period, n)) != 0)
			return rc;
	}
	return 0;
}

/* Replaces the value in sl by rec at version, logs it and moves the
 * roll-ups of every period whose value that changes. */
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
	struct chain before = { .n = 0 };
	MDB_val k, v;
	size_t len;
	int rc;

	/* A stated total is a claim to check, never part of a roll-up. */
	if (!rec->stated) {
		store_rules_of(b->s, rec->indicator, &before.rules);
		if (before.rules.known) {
			before.n = store_period_chain(rec->period, before.p);
			if (before.n == 0)
				return DONGBO_E_BAD_PERIOD;
			rc = chain_read(b, rec, &before);
			if (rc != 0)
				return rc;
		}
	}

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

	if (before.n > 0 && (rc = chain_fold(b, sl, rec, &before)) != 0)
		return rc;
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
	if (b.n_changed > 0)
		dongbo_fault_point("parent.before_commit");
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
