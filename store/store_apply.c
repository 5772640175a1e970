/*
 * store_apply.c -- storing values: a local put or a child's batch.
 *
 * Happy path: one write transaction per call.  For each record: resolve
 * its unit, read the stored value, and when the record wins by version
 * replace it, append it to the log under the next sequence number and to
 * the audit trail (link, peer and origin: store_audit.c), and fold the
 * difference into every roll-up entry it feeds; then write the log head
 * (and the version clock, or the child's cursor) and commit.  A record
 * that loses by version, or arrives again, changes nothing and leaves no
 * trace in the audit trail.
 *
 * Failure modes: any error -- unknown unit, unit outside the allowed
 * subtree, int64 overflow in a roll-up, a full map, I/O -- aborts the
 * transaction, so nothing of the call is stored, the cursor does not move
 * and the sender will re-send the same batch.  Out-parameters are written
 * only after the commit succeeded.
 */
#include "store_internal.h"

#include <stdio.h>
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
	int64_t now_ms;	   /* logged as when the changes were accepted */
	bool any_rejected; /* the rejected DB has entries to clear */
	/* Where the changes come from, for the audit trail; an origin a
	 * record carries is taken when it names a unit within origin_within
	 * (NULL: any known unit). */
	struct store_audit_src src;
	const struct dongbo_unit *origin_within;
	/* Cursors on the values and the audit trail, freed by LMDB when
	 * the transaction ends.  Records mostly arrive in key order (a CSV
	 * import is sorted, a child sends its log in that order), so the
	 * next key usually lies on the leaf page the cursor is on, and LMDB
	 * searches that page alone instead of descending from the root. */
	MDB_cursor *values;
	MDB_cursor *audit;
};

/* A record's place in the values DB, and what it holds now. */
struct slot {
	const struct dongbo_unit *unit;
	char key[STORE_KEY_MAX];
	size_t key_len;
	struct store_value old;
	bool found;
};

static int batch_begin(struct dongbo_store *s, MDB_txn *txn, int64_t now_ms,
		       struct batch *b)
{
	MDB_stat st;
	int rc;

	b->s = s;
	b->txn = txn;
	b->n_changed = 0;
	b->now_ms = now_ms;
	b->src = (struct store_audit_src){ .link = DONGBO_LINK_LOCAL,
					   .uid = DONGBO_AUDIT_UID_NONE,
					   .peer = "" };
	b->origin_within = NULL;
	rc = mdb_cursor_open(txn, s->dbi_values, &b->values);
	if (rc != 0)
		return store_mdb_err(s, "open values cursor", rc);
	rc = mdb_cursor_open(txn, s->dbi_audit, &b->audit);
	if (rc != 0)
		return store_mdb_err(s, "open audit cursor", rc);
	rc = mdb_stat(txn, s->dbi_rejected, &st);
	if (rc != 0)
		return store_mdb_err(s, "stat rejected", rc);
	b->any_rejected = st.ms_entries > 0;
	return store_meta_get_u64(s, txn, "head", &b->head);
}

/* Drops the rejection of rec's key (kind, child) up to version. */
static int rejected_clear(struct batch *b, char kind, const char *child,
			  const struct dongbo_record *rec, uint64_t version)
{
	char key[STORE_KEY_MAX];
	size_t len;
	int rc = store_key_rejected(kind, child, rec, key, &len);

	if (rc != 0)
		return rc;
	return store_rejected_clear(b->s, b->txn, key, len, version);
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
	rc = mdb_cursor_get(b->values, &k, &v, MDB_SET);
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
 * the roll-ups and conflicts see them: the whole year is read once, before
 * the write, and composed again in memory after it. */
struct chain {
	struct store_rules rules;
	struct dongbo_period p[4];
	size_t n;
	struct store_year y;
};

static int chain_read(struct batch *b, const struct slot *sl,
		      const struct dongbo_record *rec, struct chain *c)
{
	return store_year_get(b->s, b->txn, sl->unit, rec->indicator,
			      c->p[0].year, c->rules.time, &c->y);
}

/* Moves roll-ups and conflicts from what `before` saw to what rec, now
 * stored, makes of them. */
static int chain_fold(struct batch *b, const struct slot *sl,
		      const struct dongbo_record *rec, const struct chain *before)
{
	struct store_year after = before->y;
	int64_t v = rec->value;
	int rc;

	rc = store_year_enter(&after, before->rules.time, before->p, before->n,
			      rec->deleted ? NULL : &v);
	if (rc != 0)
		return rc;
	store_year_keep(b->s, sl->unit, rec->indicator, before->p[0].year,
			&after);
	for (size_t i = 0; i < before->n; i++) {
		size_t at = store_year_index(&before->p[i]);
		const struct store_eff *o = &before->y.eff[at],
				       *n = &after.eff[at];
		char period[DONGBO_PERIOD_MAX];

		dongbo_period_format(&before->p[i], period);
		if (before->rules.rolled &&
		    (rc = store_rollup_fold(b->s, b->txn, sl->unit,
					    rec->indicator, period,
					    before->rules.dist,
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

/* Appends rec (with its origin) at version to the log, as accepted at
 * b->now_ms. */
static int log_append(struct batch *b, const struct dongbo_record *rec,
		      uint64_t version)
{
	unsigned char lbuf[STORE_LOG_MAX];
	unsigned char seqbuf[8];
	struct dongbo_record logged = *rec;
	MDB_val k = { .mv_size = sizeof(seqbuf), .mv_data = seqbuf }, v;
	size_t len;
	int rc;

	if (b->head == UINT64_MAX)
		return DONGBO_E_BAD_VALUE;
	if (b->s->no_outbox) {
		b->head++; /* numbered, not kept: nobody reads it */
		return 0;
	}
	logged.at_ms = b->now_ms;
	rc = store_log_encode(&logged, version, lbuf, sizeof(lbuf), &len);
	if (rc != 0)
		return rc;
	store_put_u64(seqbuf, b->head + 1);
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
	return 0;
}

/* The node rec was entered at: this one for a local write; else the
 * origin rec carries when it names a unit it may come from, else the peer
 * it came through (an older peer sends none). */
static const char *origin_of(const struct batch *b,
			     const struct dongbo_record *rec)
{
	const struct dongbo_unit *u;

	if (b->src.link == DONGBO_LINK_LOCAL)
		return b->s->home->code;
	if (rec->origin != NULL && rec->origin[0] != '\0' &&
	    (u = dongbo_units_find(b->s->units, rec->origin)) != NULL &&
	    (b->origin_within == NULL ||
	     dongbo_unit_is_within(u, b->origin_within)))
		return u->code;
	return b->src.peer;
}

/* The origin of the stored value of rec's key, for a record logged again
 * (a snapshot, a retry): as the audit trail last recorded it, else none. */
static int origin_stored(struct batch *b, struct dongbo_record *rec,
			 char buf[DONGBO_UNIT_CODE_MAX + 1])
{
	int rc = store_audit_origin(b->s, b->txn, rec, buf);

	if (rc == 0)
		rec->origin = buf;
	return rc;
}

/* Replaces the value in sl by rec at version, logs it, records it in the
 * audit trail and moves the roll-ups of every period whose value that
 * changes. */
static int slot_replace(struct batch *b, const struct slot *sl,
			const struct dongbo_record *in, uint64_t version)
{
	struct dongbo_record r = *in, *rec = &r;
	unsigned char vbuf[STORE_VALUE_LEN];
	struct store_value nv = {
		.value = rec->deleted ? 0 : rec->value,
		.version = version,
		.deleted = rec->deleted,
	};
	struct chain before = { .n = 0 };
	MDB_val k, v;
	int rc;

	/* A stated total is a claim to check, never part of a roll-up. */
	if (!rec->stated) {
		store_rules_of(b->s, rec->indicator, &before.rules);
		if (before.rules.known) {
			before.n = store_period_chain(rec->period, before.p);
			if (before.n == 0)
				return DONGBO_E_BAD_PERIOD;
			rc = chain_read(b, sl, rec, &before);
			if (rc != 0)
				return rc;
		}
	}

	store_value_encode(&nv, vbuf);
	k.mv_size = sl->key_len;
	k.mv_data = (void *)sl->key;
	v.mv_size = sizeof(vbuf);
	v.mv_data = vbuf;
	rc = mdb_cursor_put(b->values, &k, &v, 0);
	if (rc != 0)
		return store_mdb_err(b->s, "write value", rc);

	rec->origin = origin_of(b, in);
	if ((rc = log_append(b, rec, version)) != 0 ||
	    (rc = store_audit_append(b->s, b->audit, rec, version, b->head,
				     b->now_ms, &b->src)) != 0)
		return rc;

	/* A newer version of a key our parent refused replaces the refused
	 * one: it is sent, and judged, afresh. */
	if (b->any_rejected && (rc = rejected_clear(b, STORE_REJ_OURS, NULL,
						     rec, version)) != 0)
		return rc;
	if (before.n > 0 && (rc = chain_fold(b, sl, rec, &before)) != 0)
		return rc;
	/* A value from below that reaches the level that approved its form
	 * after the approval: flag it there (store_approval.c). */
	if (b->src.link == DONGBO_LINK_CHILD &&
	    (rc = store_approval_note_value(b->s, b->txn, sl->unit, rec,
					    &b->head, b->now_ms,
					    &b->n_changed)) != 0)
		return rc;
	b->n_changed++;
	return 0;
}

static int put_local_once(struct dongbo_store *s,
			  const struct dongbo_record *recs, size_t n,
			  int64_t now_us, uint64_t *versions,
			  const struct store_audit_src *src)
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
	if ((rc = batch_begin(s, txn, now_us / 1000, &b)) != 0 ||
	    (rc = store_meta_get_u64(s, txn, "clock", &clock)) != 0)
		goto err_after_txn;
	b.src = *src;

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
	store_txn_abort(s, txn);
err_after_alloc:
	free(given);
	return rc;
}

int dongbo_store_put_local_by(struct dongbo_store *s,
			      const struct dongbo_record *recs, size_t n,
			      int64_t now_us, uint64_t *versions,
			      const struct dongbo_author *author)
{
	char name[STORE_AUDIT_PEER_MAX];
	struct store_audit_src src = { .link = DONGBO_LINK_LOCAL,
				       .uid = DONGBO_AUDIT_UID_NONE,
				       .peer = name };
	int rc;

	/* A name longer than the trail keeps is cut: it only labels. */
	name[0] = '\0';
	if (author != NULL) {
		src.uid = author->uid;
		if (author->name != NULL)
			snprintf(name, sizeof(name), "%s", author->name);
	}
	do
		rc = put_local_once(s, recs, n, now_us, versions, &src);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	return rc;
}

int dongbo_store_put_local(struct dongbo_store *s,
			   const struct dongbo_record *recs, size_t n,
			   int64_t now_us, uint64_t *versions)
{
	return dongbo_store_put_local_by(s, recs, n, now_us, versions, NULL);
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

/* Keeps the records refused from child that this batch (above cursor)
 * carries. */
static int rejected_keep(struct batch *b, const char *child, uint64_t cursor,
			 const struct dongbo_rejection *rej, size_t n_rej)
{
	for (size_t i = 0; i < n_rej; i++) {
		char key[STORE_KEY_MAX];
		size_t len;
		int rc;

		if (rej[i].rec.seq <= cursor)
			continue;
		rc = store_key_rejected(STORE_REJ_CHILD, child, &rej[i].rec,
					key, &len);
		if (rc == DONGBO_E_INVAL)
			continue; /* a key too malformed to keep (an empty or
				     overlong field): the child lists it */
		if (rc == 0)
			rc = store_rejected_put(b->s, b->txn, key, len, &rej[i],
						b->now_ms);
		if (rc != 0)
			return rc;
		b->any_rejected = true;
	}
	return 0;
}

/* Applies one approval state from child (a unit within it) by version. */
static int approval_from_child(struct batch *b, const struct dongbo_unit *child,
			       const struct dongbo_approval *a)
{
	const struct dongbo_unit *u = dongbo_units_find(b->s->units, a->unit);
	struct dongbo_approval old;
	bool found;
	int rc;

	if (u == NULL)
		return DONGBO_E_UNKNOWN_UNIT;
	if (!dongbo_unit_is_within(u, child))
		return DONGBO_E_OUTSIDE_SUBTREE;
	if ((rc = store_approval_read(b->s, b->txn, a->unit, a->form,
				      a->period, &old, &found)) != 0)
		return rc;
	if (found && a->version <= old.version)
		return 0;
	if ((rc = store_approval_write(b->s, b->txn, a, true, &b->head,
				       b->now_ms)) != 0)
		return rc;
	b->n_changed++;
	return 0;
}

/*
 * Applies cb within txn (a write transaction).  0 with *applied_seq and
 * *n_changed, and *wrote when it wrote anything; *applied_seq is left as
 * it was on any error but GAP.  DONGBO_E_NEED_HELLO and
 * DONGBO_E_GAP (with *applied_seq, the cursor) are decided before anything
 * is written: txn goes on as it was.  Any other error may leave a part of
 * the batch written: txn must then be aborted.
 */
static int apply_child_in(struct dongbo_store *s, MDB_txn *txn,
			  const struct dongbo_child_batch *cb,
			  uint64_t *applied_seq, size_t *n_changed,
			  bool *wrote)
{
	const struct dongbo_unit *child = NULL;
	struct dongbo_child_state c;
	uint64_t cursor;
	struct batch b;
	size_t i = 0, j = 0;
	int rc;

	*wrote = false;
	*n_changed = 0;
	rc = store_child_session(s, txn, cb->child_unit, cb->child_store_id,
				 &c);
	if (rc != 0)
		return rc;
	cursor = c.applied_seq;
	/* Already applied (a resend, or an empty batch): nothing to write. */
	if (cb->last_seq <= cursor || cb->first_seq > cursor + 1) {
		*applied_seq = cursor;
		return cb->last_seq <= cursor ? 0 : DONGBO_E_GAP;
	}

	*wrote = true;
	rc = batch_begin(s, txn, cb->now_ms, &b);
	if (rc != 0)
		return rc;
	b.src.link = DONGBO_LINK_CHILD;
	b.src.peer = c.unit;
	/* Values and states in the order the child logged them. */
	while (i < cb->n || j < cb->n_aps) {
		bool value = j == cb->n_aps ||
			     (i < cb->n && cb->recs[i].seq < cb->aps[j].seq);
		uint64_t seq = value ? cb->recs[i].seq : cb->aps[j].seq;
		const struct dongbo_record *r = value ? &cb->recs[i++] : NULL;
		const struct dongbo_approval *a = value ? NULL : &cb->aps[j++];
		struct slot sl;

		if (seq <= cursor)
			continue;
		c.received++;
		/* A child sends only values of its own subtree (units it
		 * hosts or relays).  Looked up here, not at hello: the
		 * hierarchy may have changed since. */
		if (child == NULL) {
			child = dongbo_units_find(s->units, c.unit);
			if (child == NULL)
				return DONGBO_E_UNKNOWN_UNIT;
			if (!dongbo_unit_is_within(child, s->home))
				return DONGBO_E_OUTSIDE_SUBTREE;
			/* A value was entered at a node within the
			 * child's subtree, or the child does not know. */
			b.origin_within = child;
		}
		if (a != NULL) {
			if ((rc = approval_from_child(&b, child, a)) != 0)
				return rc;
			continue;
		}
		rc = slot_lookup(&b, child, r, &sl);
		if (rc != 0)
			return rc;
		/* Taken from this child: a refusal of an older version of
		 * the key is history. */
		if (b.any_rejected &&
		    (rc = rejected_clear(&b, STORE_REJ_CHILD, c.unit, r,
					 r->version)) != 0)
			return rc;
		/* Per key the higher version wins; an equal version is the
		 * same record arriving again. */
		if (sl.found && r->version <= sl.old.version)
			continue;
		rc = slot_replace(&b, &sl, r, r->version);
		if (rc != 0)
			return rc;
	}
	if ((rc = rejected_keep(&b, c.unit, cursor, cb->rej, cb->n_rej)) != 0)
		return rc;

	c.applied_seq = cb->last_seq;
	c.last_seen_ms = cb->now_ms;
	if ((rc = store_child_put(s, txn, &c)) != 0 ||
	    (b.n_changed > 0 &&
	     (rc = store_meta_put_u64(s, txn, "head", b.head)) != 0))
		return rc;
	*applied_seq = cb->last_seq;
	*n_changed = b.n_changed;
	return 0;
}

/* What dongbo_store_apply_batch checks of a batch before it writes. */
static int batch_valid(const struct dongbo_child_batch *cb)
{
	uint64_t prev = 0;
	int rc = batch_check(cb->first_seq, cb->last_seq, cb->recs, cb->n);

	if (rc == 0 && cb->n_aps > 0 && cb->aps == NULL)
		rc = DONGBO_E_INVAL;
	/* States: ordered by seq within the range, none on a value's seq
	 * (the merge in apply_child_in relies on it). */
	for (size_t i = 0; rc == 0 && i < cb->n_aps; i++) {
		const struct dongbo_approval *a = &cb->aps[i];
		size_t lo = 0, hi = cb->n;

		if (a->seq < cb->first_seq || a->seq > cb->last_seq ||
		    (i > 0 && a->seq <= prev) || a->version == 0)
			rc = DONGBO_E_INVAL;
		prev = a->seq;
		while (rc == 0 && lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cb->recs[mid].seq == a->seq)
				rc = DONGBO_E_INVAL;
			else if (cb->recs[mid].seq < a->seq)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	for (size_t i = 0; rc == 0 && i < cb->n_rej; i++)
		if (cb->rej[i].rec.seq < cb->first_seq ||
		    cb->rej[i].rec.seq > cb->last_seq ||
		    cb->rej[i].reason == NULL)
			rc = DONGBO_E_INVAL;
	return rc;
}

/* The n batches in one transaction: 0 when it committed (or had nothing
 * to write), each batch's outcome in its result; otherwise the error, and
 * nothing of any of them is stored. */
static int apply_group_once(struct dongbo_store *s,
			    const struct dongbo_child_batch *const *cbs,
			    size_t n, struct dongbo_batch_result *res)
{
	size_t n_changed = 0;
	bool wrote_any = false;
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct dongbo_batch_result *r = &res[i];
		bool wrote;

		*r = (struct dongbo_batch_result){ .rv = batch_valid(cbs[i]) };
		if (r->rv != 0)
			continue;
		r->rv = apply_child_in(s, txn, cbs[i], &r->applied_seq,
				       &r->n_changed, &wrote);
		if (r->rv != 0 && r->rv != DONGBO_E_NEED_HELLO &&
		    r->rv != DONGBO_E_GAP) {
			rc = r->rv;
			store_txn_abort(s, txn);
			return rc;
		}
		wrote_any |= wrote;
		n_changed += r->n_changed;
	}
	if (!wrote_any) {
		store_txn_abort(s, txn);
		return 0;
	}
	if (n_changed > 0)
		dongbo_fault_point("parent.before_commit");
	return store_txn_commit(s, txn);
}

/* apply_group_once, again after growing the map while it is full. */
static int apply_group(struct dongbo_store *s,
		       const struct dongbo_child_batch *const *cbs, size_t n,
		       struct dongbo_batch_result *res)
{
	int rc;

	do
		rc = apply_group_once(s, cbs, n, res);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	return rc;
}

int dongbo_store_apply_batch(struct dongbo_store *s,
			     const struct dongbo_child_batch *cb,
			     uint64_t *applied_seq, size_t *n_changed)
{
	struct dongbo_batch_result r;
	int rc = apply_group(s, &cb, 1, &r);

	if (rc == 0)
		rc = r.rv;
	/* Where the cursor is now: after the commit, or the refusal. */
	if (rc == 0 || rc == DONGBO_E_GAP)
		*applied_seq = r.applied_seq;
	if (n_changed != NULL)
		*n_changed = rc == 0 ? r.n_changed : 0;
	return rc;
}

void dongbo_store_apply_batches(struct dongbo_store *s,
				const struct dongbo_child_batch *const *cbs,
				size_t n, struct dongbo_batch_result *res)
{
	int rc = apply_group(s, cbs, n, res);

	if (rc == 0)
		return;
	/* A batch failed midway (or the commit): a group of one has its
	 * error; a larger one applies each alone, so that the error is that
	 * batch's own and the others are stored. */
	if (n == 1) {
		res[0] = (struct dongbo_batch_result){ .rv = rc };
		return;
	}
	for (size_t i = 0; i < n; i++) {
		res[i] = (struct dongbo_batch_result){ 0 };
		res[i].rv = dongbo_store_apply_batch(s, cbs[i],
						     &res[i].applied_seq,
						     &res[i].n_changed);
	}
}

int dongbo_store_apply_child(struct dongbo_store *s, const char *child_unit,
			     const char *child_store_id, uint64_t first_seq,
			     uint64_t last_seq, const struct dongbo_record *recs,
			     size_t n, const struct dongbo_rejection *rej,
			     size_t n_rej, int64_t now_ms,
			     uint64_t *applied_seq, size_t *n_changed)
{
	const struct dongbo_child_batch cb = {
		.child_unit = child_unit, .child_store_id = child_store_id,
		.first_seq = first_seq, .last_seq = last_seq,
		.recs = recs, .n = n, .rej = rej, .n_rej = n_rej,
		.now_ms = now_ms,
	};

	return dongbo_store_apply_batch(s, &cb, applied_seq, n_changed);
}

/* ---- Restore ---- */

static int restore_apply_once(struct dongbo_store *s,
			      const struct dongbo_record *recs, size_t n,
			      const char *parent, const char *progress,
			      int64_t now_ms, size_t *n_changed)
{
	uint64_t clock;
	struct batch b;
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	if ((rc = batch_begin(s, txn, now_ms, &b)) != 0 ||
	    (rc = store_meta_get_u64(s, txn, "clock", &clock)) != 0)
		goto err_after_txn;
	b.src.link = DONGBO_LINK_RESTORE;
	b.src.peer = parent;
	for (size_t i = 0; i < n; i++) {
		const struct dongbo_record *r = &recs[i];
		struct slot sl;

		if (r->version == 0) {
			rc = DONGBO_E_INVAL;
			goto err_after_txn;
		}
		/* Later writes here must win over every version the parent
		 * has seen, whatever this machine's clock says. */
		if (r->version > clock)
			clock = r->version;
		rc = slot_lookup(&b, s->home, r, &sl);
		if (rc != 0)
			goto err_after_txn;
		if (sl.found && r->version <= sl.old.version)
			continue;
		rc = slot_replace(&b, &sl, r, r->version);
		if (rc != 0)
			goto err_after_txn;
	}
	if ((rc = store_meta_put_u64(s, txn, "clock", clock)) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "head", b.head)) != 0 ||
	    (rc = store_restore_progress_put(s, txn, progress)) != 0)
		goto err_after_txn;
	rc = store_txn_commit(s, txn);
	if (rc != 0)
		return rc;
	if (n_changed != NULL)
		*n_changed = b.n_changed;
	return 0;

err_after_txn:
	store_txn_abort(s, txn);
	return rc;
}

int dongbo_store_restore_apply(struct dongbo_store *s,
			       const struct dongbo_record *recs, size_t n,
			       const char *parent_unit, const char *progress,
			       int64_t now_ms, size_t *n_changed)
{
	const struct dongbo_unit *parent =
		parent_unit != NULL ? dongbo_units_find(s->units, parent_unit)
				    : NULL;
	int rc;

	/* An empty page only saves progress: no parent needed. */
	if (n > 0 && (recs == NULL || parent == NULL))
		return DONGBO_E_INVAL;
	do
		rc = restore_apply_once(s, recs, n,
					parent != NULL ? parent->code : "",
					progress, now_ms, n_changed);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	return rc;
}

/* ---- Snapshot: the log made whole again for a parent that lost it ---- */

struct snap {
	struct batch *b;
	uint64_t n;
};

static int snap_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct snap *sn = arg;
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	char period[DONGBO_PERIOD_MAX];
	char origin[DONGBO_UNIT_CODE_MAX + 1];
	struct store_value sv;
	struct dongbo_record r = { .unit = unit, .indicator = indicator,
				   .period = period };
	int rc;

	if (store_key_value_split(k, unit, indicator, period, &r.stated) != 0 ||
	    store_value_decode(v, &sv) != 0)
		return store_corrupt(sn->b->s, "value record malformed");
	r.value = sv.value;
	r.deleted = sv.deleted;
	if ((rc = origin_stored(sn->b, &r, origin)) != 0 ||
	    (rc = log_append(sn->b, &r, sv.version)) != 0)
		return rc;
	sn->n++;
	return 0;
}

static int log_cover_once(struct dongbo_store *s, uint64_t after_seq,
			  int64_t now_ms, uint64_t *appended)
{
	uint64_t first, snapshot = 0;
	struct batch b;
	struct snap sn = { .b = &b, .n = 0 };
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	if ((rc = batch_begin(s, txn, 0, &b)) != 0 ||
	    (rc = store_log_first(s, txn, b.head, &first)) != 0 ||
	    (rc = store_meta_get_u64_or(s, txn, "snapshot", 0, &snapshot)) != 0)
		goto err_after_txn;
	/* Entries after_seq+1 .. first-1 are gone.  A snapshot still in
	 * the log (at or after first) and not yet applied by the reader
	 * holds their effect. */
	if (after_seq + 1 >= first ||
	    (snapshot >= first && snapshot > after_seq)) {
		store_txn_abort(s, txn);
		*appended = 0;
		return 0;
	}
	b.now_ms = now_ms;
	snapshot = b.head + 1;
	if ((rc = store_walk(s, txn, s->dbi_values, NULL, 0, "read values",
			     snap_entry, &sn)) != 0 ||
	    (rc = store_approval_snapshot(s, txn, &b.head, now_ms,
					  &sn.n)) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "snapshot", snapshot)) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "head", b.head)) != 0)
		goto err_after_txn;
	rc = store_txn_commit(s, txn);
	if (rc != 0)
		return rc;
	*appended = sn.n;
	return 0;

err_after_txn:
	store_txn_abort(s, txn);
	return rc;
}

int dongbo_store_log_cover(struct dongbo_store *s, uint64_t after_seq,
			   int64_t now_ms, uint64_t *appended)
{
	uint64_t n = 0;
	int rc;

	do
		rc = log_cover_once(s, after_seq, now_ms, &n);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	if (rc == 0 && appended != NULL)
		*appended = n;
	return rc;
}

/* ---- Sending refused records again ---- */

struct retry {
	struct batch *b;
	const struct dongbo_unit *within; /* NULL: all */
	size_t n;
};

static int retry_entry(void *arg, const struct dongbo_rejection *r)
{
	struct retry *rt = arg;
	struct batch *b = rt->b;
	const struct dongbo_unit *u = dongbo_units_find(b->s->units,
							  r->rec.unit);
	char vkey[STORE_KEY_MAX];
	char origin[DONGBO_UNIT_CODE_MAX + 1];
	struct store_value cur;
	struct dongbo_record now = r->rec;
	MDB_val k, v;
	size_t len;
	int rc;

	if (rt->within != NULL &&
	    (u == NULL || !dongbo_unit_is_within(u, rt->within)))
		return 0;
	if ((rc = store_key_value(&r->rec, vkey, &len)) != 0)
		return rc;
	k.mv_size = len;
	k.mv_data = vkey;
	rc = mdb_get(b->txn, b->s->dbi_values, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(b->s, "read value", rc);
	if (rc == 0) {
		if (store_value_decode(&v, &cur) != 0)
			return store_corrupt(b->s, "value record malformed");
		now.value = cur.value;
		now.deleted = cur.deleted;
		if ((rc = origin_stored(b, &now, origin)) != 0 ||
		    (rc = log_append(b, &now, cur.version)) != 0)
			return rc;
	}
	rt->n++;
	return STORE_WALK_DELETE;
}

static int retry_once(struct dongbo_store *s, const struct dongbo_unit *within,
		      int64_t now_ms, size_t *n)
{
	struct batch b;
	struct retry rt = { .b = &b, .within = within, .n = 0 };
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	if ((rc = batch_begin(s, txn, now_ms, &b)) != 0 ||
	    (rc = store_rejected_walk(s, txn, STORE_REJ_OURS, retry_entry,
				      &rt)) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "head", b.head)) != 0) {
		store_txn_abort(s, txn);
		return rc;
	}
	rc = store_txn_commit(s, txn);
	if (rc == 0)
		*n = rt.n;
	return rc;
}

int dongbo_store_rejected_retry(struct dongbo_store *s, const char *within,
				int64_t now_ms, size_t *n)
{
	const struct dongbo_unit *w = NULL;
	size_t count = 0;
	int rc;

	if (within != NULL &&
	    (w = dongbo_units_find(s->units, within)) == NULL)
		return DONGBO_E_UNKNOWN_UNIT;
	do
		rc = retry_once(s, w, now_ms, &count);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	if (rc == 0 && n != NULL)
		*n = count;
	return rc;
}
