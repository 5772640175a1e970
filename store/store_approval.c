/*
 * store_approval.c -- the submission and approval state of each (unit,
 * form, period), replicated like values.
 *
 * Happy path: a state set at this node (dongbo_store_approval_put_local)
 * gets a version from the store's clock above the stored one, is stored,
 * numbered in this node's sequence of state changes (the apseq database,
 * read by dongbo_store_approvals_since to send the children the states of
 * their subtrees) and appended to the outbound log (to go up), in one
 * transaction.  A state arriving from a child (in its batch, store_apply.c)
 * or from the parent (dongbo_store_approvals_from_parent) is applied by
 * version: the higher wins, an equal one is the same state again.  What
 * comes from the parent is not logged up again (the parent has it), and
 * the cursor into the parent's sequence is stored in the same transaction.
 *
 * A value that changes here, from a child node, while a form that needs it
 * is approved for a period holding it marks that state changed after
 * approval (store_approval_note_value, called in the transaction storing
 * the value) -- only at the node that approves the unit's forms (it hosts
 * the unit's parent), so that one level decides and the rest follow.
 *
 * Failure modes: a field empty or too long is DONGBO_E_INVAL; a state
 * that changed between a read and a put_local is DONGBO_E_STATE; malformed
 * stored bytes are DONGBO_E_CORRUPT; LMDB errors are translated once
 * (store_mdb_err).  Every call is one transaction: on error nothing of it
 * is stored.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

static const char *const state_words[] = { "draft", "submitted", "approved",
					   "returned" };

const char *dongbo_approval_state_word(enum dongbo_approval_state st)
{
	if ((unsigned)st > DONGBO_APPROVAL_STATE_MAX)
		return "?";
	return state_words[st];
}

int dongbo_approval_state_parse(const char *word,
				enum dongbo_approval_state *out)
{
	for (unsigned i = 0; word != NULL && i <= DONGBO_APPROVAL_STATE_MAX;
	     i++)
		if (strcmp(word, state_words[i]) == 0) {
			*out = (enum dongbo_approval_state)i;
			return 0;
		}
	return DONGBO_E_INVAL;
}

int store_approval_read(struct dongbo_store *s, MDB_txn *txn,
			const char *unit, const char *form, const char *period,
			struct dongbo_approval *old, bool *found)
{
	char key[STORE_KEY_MAX];
	MDB_val k, v;
	uint64_t aseq;
	int rc;

	*found = false;
	if (store_key_approval(unit, form, period, key, &k.mv_size) != 0)
		return DONGBO_E_INVAL;
	k.mv_data = key;
	rc = mdb_get(txn, s->dbi_approval, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_err(s, "read approval", rc);
	if (store_approval_decode(&k, &v, old, &aseq) != 0)
		return store_corrupt(s, "approval record malformed");
	*found = true;
	return 0;
}

/* The stored place of a's key in the sequence of changes; 0 when none. */
static int approval_aseq(struct dongbo_store *s, MDB_txn *txn,
			 const MDB_val *k, uint64_t *aseq)
{
	struct dongbo_approval old;
	MDB_val v;
	int rc = mdb_get(txn, s->dbi_approval, (MDB_val *)k, &v);

	*aseq = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_err(s, "read approval", rc);
	if (store_approval_decode(k, &v, &old, aseq) != 0)
		return store_corrupt(s, "approval record malformed");
	return 0;
}

int store_approval_write(struct dongbo_store *s, MDB_txn *txn,
			 const struct dongbo_approval *a, bool log,
			 uint64_t *head, int64_t at_ms)
{
	unsigned char buf[STORE_APPROVAL_MAX], seqbuf[8];
	char key[STORE_KEY_MAX];
	MDB_val k, v, sk = { .mv_size = 8, .mv_data = seqbuf };
	uint64_t old_aseq, aseq;
	size_t len;
	int rc;

	if (store_key_approval(a->unit, a->form, a->period, key,
			       &k.mv_size) != 0)
		return DONGBO_E_INVAL;
	k.mv_data = key;
	if ((rc = approval_aseq(s, txn, &k, &old_aseq)) != 0 ||
	    (rc = store_meta_get_u64_or(s, txn, "aseq", 0, &aseq)) != 0)
		return rc;
	if (aseq == UINT64_MAX)
		return DONGBO_E_BAD_VALUE;
	aseq++;
	if (old_aseq != 0) {
		store_put_u64(seqbuf, old_aseq);
		rc = mdb_del(txn, s->dbi_apseq, &sk, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_mdb_err(s, "write approval sequence", rc);
	}
	if ((rc = store_approval_encode(a, aseq, false, 0, buf, sizeof(buf),
					&len)) != 0)
		return rc;
	v.mv_size = len;
	v.mv_data = buf;
	if ((rc = mdb_put(txn, s->dbi_approval, &k, &v, 0)) != 0)
		return store_mdb_err(s, "write approval", rc);
	store_put_u64(seqbuf, aseq);
	if ((rc = mdb_put(txn, s->dbi_apseq, &sk, &k, 0)) != 0)
		return store_mdb_err(s, "write approval sequence", rc);
	if ((rc = store_meta_put_u64(s, txn, "aseq", aseq)) != 0)
		return rc;
	if (!log)
		return 0;
	if (*head == UINT64_MAX)
		return DONGBO_E_BAD_VALUE;
	if (!s->no_outbox) {
		if ((rc = store_approval_encode(a, 0, true, at_ms, buf,
						sizeof(buf), &len)) != 0)
			return rc;
		store_put_u64(seqbuf, *head + 1);
		v.mv_size = len;
		v.mv_data = buf;
		rc = mdb_put(txn, s->dbi_log, &sk, &v, MDB_APPEND);
		if (rc == MDB_KEYEXIST)
			return store_corrupt(s, "log runs past its recorded "
					     "head");
		if (rc != 0)
			return store_mdb_err(s, "append log", rc);
	}
	(*head)++;
	return 0;
}

/* The next version from the store's clock: above now, the clock and
 * floor (the stored version of the key), persisted. */
static int clock_next(struct dongbo_store *s, MDB_txn *txn, uint64_t floor,
		      int64_t now_us, uint64_t *out)
{
	uint64_t clock, now = now_us > 0 ? (uint64_t)now_us : 0, v;
	int rc = store_meta_get_u64(s, txn, "clock", &clock);

	if (rc != 0)
		return rc;
	if (clock == UINT64_MAX || floor == UINT64_MAX)
		return DONGBO_E_BAD_VALUE;
	v = now > clock ? now : clock + 1;
	if (v <= floor)
		v = floor + 1;
	if ((rc = store_meta_put_u64(s, txn, "clock", v)) != 0)
		return rc;
	*out = v;
	return 0;
}

static int put_local_once(struct dongbo_store *s, struct dongbo_approval *a,
			  uint64_t if_version, int64_t now_us)
{
	struct dongbo_approval old;
	uint64_t head, version;
	bool found;
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	if ((rc = store_approval_read(s, txn, a->unit, a->form, a->period,
				      &old, &found)) != 0)
		goto err_after_txn;
	if ((found ? old.version : 0) != if_version) {
		rc = DONGBO_E_STATE;
		goto err_after_txn;
	}
	if ((rc = clock_next(s, txn, found ? old.version : 0, now_us,
			     &version)) != 0 ||
	    (rc = store_meta_get_u64(s, txn, "head", &head)) != 0)
		goto err_after_txn;
	a->version = version;
	if ((rc = store_approval_write(s, txn, a, true, &head,
				       now_us / 1000)) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "head", head)) != 0)
		goto err_after_txn;
	return store_txn_commit(s, txn);

err_after_txn:
	store_txn_abort(s, txn);
	return rc;
}

int dongbo_store_approval_put_local(struct dongbo_store *s,
				    struct dongbo_approval *a,
				    uint64_t if_version, int64_t now_us)
{
	const struct dongbo_unit *u;
	struct dongbo_period p;
	uint64_t given = 0;
	int rc;

	if (a == NULL || (unsigned)a->state > DONGBO_APPROVAL_STATE_MAX ||
	    dongbo_period_parse(a->period, &p) != 0 ||
	    (u = dongbo_units_find(s->units, a->unit)) == NULL ||
	    !dongbo_unit_is_within(u, s->home))
		return DONGBO_E_INVAL;
	do {
		a->version = 1; /* encodable; the clock gives the real one */
		rc = put_local_once(s, a, if_version, now_us);
		given = a->version;
	} while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	a->version = rc == 0 ? given : 0;
	return rc;
}

int dongbo_store_approval_get(struct dongbo_store *s, const char *unit,
			      const char *form, const char *period,
			      struct dongbo_approval *out)
{
	struct dongbo_approval a;
	bool found = false;
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = store_approval_read(s, txn, unit, form, period, &a, &found);
	store_txn_abort(s, txn);
	if (rc == DONGBO_E_INVAL)
		return DONGBO_E_NOTFOUND; /* a key that cannot be stored */
	if (rc != 0)
		return rc;
	if (!found)
		return DONGBO_E_NOTFOUND;
	*out = a;
	return 0;
}

struct approvals_walk {
	struct dongbo_store *s;
	int (*cb)(void *arg, const struct dongbo_approval *a);
	void *arg;
};

static int approvals_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct approvals_walk *w = arg;
	struct dongbo_approval a;
	uint64_t aseq;

	if (store_approval_decode(k, v, &a, &aseq) != 0)
		return store_corrupt(w->s, "approval record malformed");
	return w->cb(w->arg, &a);
}

/* The key prefix of a unit's states: unit \0. */
static int unit_prefix(const char *unit, char *buf, size_t *len)
{
	size_t n = unit != NULL ? strnlen(unit, DONGBO_UNIT_CODE_MAX + 1) : 0;

	if (n == 0 || n > DONGBO_UNIT_CODE_MAX)
		return DONGBO_E_INVAL;
	memcpy(buf, unit, n);
	buf[n] = '\0';
	*len = n + 1;
	return 0;
}

int dongbo_store_approvals(struct dongbo_store *s, const char *unit,
			   int (*cb)(void *arg, const struct dongbo_approval *a),
			   void *arg)
{
	struct approvals_walk w = { .s = s, .cb = cb, .arg = arg };
	char prefix[DONGBO_UNIT_CODE_MAX + 1];
	size_t len;

	if (unit_prefix(unit, prefix, &len) != 0)
		return 0; /* no such unit can have states */
	return store_walk_read(s, s->dbi_approval, prefix, len,
			       "read approvals", approvals_entry, &w);
}

/* ---- A value changed after approval ---- */

/* Does this node approve u's forms (host u's parent)? */
static bool approves(const struct dongbo_store *s, const struct dongbo_unit *u)
{
	if (u->parent == NULL)
		return false;
	if (s->hosts == NULL)
		return u->parent == s->home;
	for (size_t i = 0; i < s->n_hosts; i++)
		if (s->hosts[i] == u->parent)
			return true;
	return false;
}

struct note_walk {
	struct dongbo_store *s;
	const struct dongbo_unit *u;
	const struct dongbo_record *rec;
	struct dongbo_period p;
	struct dongbo_approval *hits;
	size_t n, cap;
};

static int note_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct note_walk *w = arg;
	struct dongbo_approval a, *h;
	struct dongbo_period ap;
	uint64_t aseq;

	if (store_approval_decode(k, v, &a, &aseq) != 0)
		return store_corrupt(w->s, "approval record malformed");
	if (a.state != DONGBO_APPROVAL_APPROVED || a.changed ||
	    dongbo_period_parse(a.period, &ap) != 0 ||
	    !dongbo_period_contains(&ap, &w->p) ||
	    !dongbo_form_needs_indicator(
		    dongbo_catalog_form_find(w->s->catalog, a.form),
		    w->u->level, w->rec->indicator))
		return 0;
	h = dongbo_grow(w->hits, &w->cap, w->n, sizeof(*h), 4);
	if (h == NULL)
		return DONGBO_E_NOMEM;
	w->hits = h;
	w->hits[w->n++] = a;
	return 0;
}

int store_approval_note_value(struct dongbo_store *s, MDB_txn *txn,
			      const struct dongbo_unit *u,
			      const struct dongbo_record *rec, uint64_t *head,
			      int64_t now_ms, size_t *n_changed)
{
	struct note_walk w = { .s = s, .u = u, .rec = rec };
	char prefix[DONGBO_UNIT_CODE_MAX + 1];
	size_t len;
	int rc;

	if (s->catalog == NULL || !approves(s, u) ||
	    unit_prefix(u->code, prefix, &len) != 0 ||
	    dongbo_period_parse(rec->period, &w.p) != 0)
		return 0;
	rc = store_walk(s, txn, s->dbi_approval, prefix, len, "read approvals",
			note_entry, &w);
	/* Written after the walk: the cursor must not see its own writes. */
	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		struct dongbo_approval *a = &w.hits[i];

		a->changed = true;
		if ((rc = clock_next(s, txn, a->version, now_ms * 1000,
				     &a->version)) == 0 &&
		    (rc = store_approval_write(s, txn, a, true, head,
					       now_ms)) == 0)
			(*n_changed)++;
	}
	free(w.hits);
	return rc;
}

/* ---- Snapshot ---- */

struct snap_walk {
	struct dongbo_store *s;
	MDB_txn *txn;
	uint64_t *head;
	int64_t now_ms;
	uint64_t n;
};

static int snap_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct snap_walk *w = arg;
	unsigned char buf[STORE_APPROVAL_MAX], seqbuf[8];
	MDB_val sk = { .mv_size = 8, .mv_data = seqbuf }, lv;
	struct dongbo_approval a;
	uint64_t aseq;
	size_t len;
	int rc;

	if (store_approval_decode(k, v, &a, &aseq) != 0)
		return store_corrupt(w->s, "approval record malformed");
	if (*w->head == UINT64_MAX)
		return DONGBO_E_BAD_VALUE;
	if (!w->s->no_outbox) {
		if ((rc = store_approval_encode(&a, 0, true, w->now_ms, buf,
						sizeof(buf), &len)) != 0)
			return rc;
		store_put_u64(seqbuf, *w->head + 1);
		lv.mv_size = len;
		lv.mv_data = buf;
		rc = mdb_put(w->txn, w->s->dbi_log, &sk, &lv, MDB_APPEND);
		if (rc != 0)
			return store_mdb_err(w->s, "append log", rc);
	}
	(*w->head)++;
	w->n++;
	return 0;
}

int store_approval_snapshot(struct dongbo_store *s, MDB_txn *txn,
			    uint64_t *head, int64_t now_ms, uint64_t *n)
{
	struct snap_walk w = { .s = s, .txn = txn, .head = head,
			       .now_ms = now_ms };
	int rc = store_walk(s, txn, s->dbi_approval, NULL, 0, "read approvals",
			    snap_entry, &w);

	if (rc == 0)
		*n += w.n;
	return rc;
}

/* ---- Down: toward the children ---- */

int dongbo_store_approvals_since(struct dongbo_store *s, const char *within,
				 uint64_t after, size_t max,
				 int (*cb)(void *arg,
					   const struct dongbo_approval *a),
				 void *arg, uint64_t *next, bool *more)
{
	const struct dongbo_unit *w = dongbo_units_find(s->units, within);
	/* Looked at, at most: a child with few of the changes in its
	 * subtree gets a reply in bounded time and asks again. */
	size_t budget = max * 16 + 64, sent = 0;
	unsigned char kbuf[8];
	MDB_val k = { .mv_size = 8, .mv_data = kbuf }, v;
	uint64_t last = after;
	bool again = false;
	MDB_cursor *cur;
	MDB_txn *txn;
	int rc, op;

	if (w == NULL || max == 0 || after == UINT64_MAX) {
		*next = after;
		*more = false;
		return 0;
	}
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_open(txn, s->dbi_apseq, &cur);
	if (rc != 0) {
		store_txn_abort(s, txn);
		return store_mdb_err(s, "open cursor", rc);
	}
	store_put_u64(kbuf, after + 1);
	for (op = MDB_SET_RANGE;; op = MDB_NEXT) {
		struct dongbo_approval a;
		const struct dongbo_unit *u;
		uint64_t aseq;
		MDB_val ak, av;

		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = store_mdb_err(s, "read approval sequence", rc);
			break;
		}
		if (sent == max || budget == 0) {
			again = true;
			break;
		}
		budget--;
		if (k.mv_size != 8) {
			rc = store_corrupt(s, "approval sequence malformed");
			break;
		}
		last = store_get_u64(k.mv_data);
		ak = v;
		rc = mdb_get(txn, s->dbi_approval, &ak, &av);
		if (rc != 0) {
			rc = rc == MDB_NOTFOUND
				     ? store_corrupt(s, "approval sequence "
						     "names no state")
				     : store_mdb_err(s, "read approval", rc);
			break;
		}
		if (store_approval_decode(&ak, &av, &a, &aseq) != 0) {
			rc = store_corrupt(s, "approval record malformed");
			break;
		}
		u = dongbo_units_find(s->units, a.unit);
		if (u == NULL || !dongbo_unit_is_within(u, w))
			continue;
		a.seq = last;
		sent++;
		if ((rc = cb(arg, &a)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	store_txn_abort(s, txn);
	if (rc != 0)
		return rc;
	*next = last;
	*more = again;
	return 0;
}

#define APDOWN_LEN (DONGBO_STORE_ID_LEN + 8)

int dongbo_store_approvals_cursor(struct dongbo_store *s,
				  const char *parent_store_id,
				  uint64_t *cursor)
{
	MDB_val k = { .mv_size = 6, .mv_data = "apdown" }, v;
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	*cursor = 0;
	if (rc == 0 && v.mv_size != APDOWN_LEN)
		rc = store_corrupt(s, "apdown record malformed");
	else if (rc == 0 && parent_store_id != NULL &&
		 strlen(parent_store_id) == DONGBO_STORE_ID_LEN &&
		 memcmp(v.mv_data, parent_store_id, DONGBO_STORE_ID_LEN) == 0)
		*cursor = store_get_u64((const unsigned char *)v.mv_data +
					DONGBO_STORE_ID_LEN);
	else if (rc == MDB_NOTFOUND || rc == 0)
		rc = 0;
	else
		rc = store_mdb_err(s, "read meta", rc);
	store_txn_abort(s, txn);
	return rc;
}

/* A state off the wire is whole: a known state, a version, the key's
 * fields and node non-empty, a well-formed period. */
static bool approval_is_whole(const struct dongbo_approval *a)
{
	struct dongbo_period p;

	return (unsigned)a->state <= DONGBO_APPROVAL_STATE_MAX &&
	       a->version != 0 && a->unit[0] != '\0' && a->form[0] != '\0' &&
	       a->node[0] != '\0' && dongbo_period_parse(a->period, &p) == 0;
}

static int from_parent_once(struct dongbo_store *s, const char *psid,
			    const struct dongbo_approval *aps, size_t n,
			    uint64_t next, int64_t now_ms, size_t *n_changed)
{
	unsigned char buf[APDOWN_LEN];
	MDB_val k = { .mv_size = 6, .mv_data = "apdown" };
	MDB_val v = { .mv_size = sizeof(buf), .mv_data = buf };
	uint64_t head = 0;
	size_t changed = 0;
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct dongbo_approval *a = &aps[i];
		const struct dongbo_unit *u = dongbo_units_find(s->units,
								a->unit);
		struct dongbo_approval old;
		bool found;

		if (u == NULL || !dongbo_unit_is_within(u, s->home))
			continue;
		if ((rc = store_approval_read(s, txn, a->unit, a->form,
					      a->period, &old, &found)) != 0)
			goto err_after_txn;
		if (found && a->version <= old.version)
			continue;
		if ((rc = store_approval_write(s, txn, a, false, &head,
					       now_ms)) != 0)
			goto err_after_txn;
		changed++;
	}
	memcpy(buf, psid, DONGBO_STORE_ID_LEN);
	store_put_u64(buf + DONGBO_STORE_ID_LEN, next);
	rc = mdb_put(txn, s->dbi_meta, &k, &v, 0);
	if (rc != 0) {
		rc = store_mdb_err(s, "write meta", rc);
		goto err_after_txn;
	}
	rc = store_txn_commit(s, txn);
	if (rc == 0 && n_changed != NULL)
		*n_changed = changed;
	return rc;

err_after_txn:
	store_txn_abort(s, txn);
	return rc;
}

int dongbo_store_approvals_from_parent(struct dongbo_store *s,
				       const char *parent_store_id,
				       const struct dongbo_approval *aps,
				       size_t n, uint64_t next, int64_t now_ms,
				       size_t *n_changed)
{
	int rc;

	if (parent_store_id == NULL ||
	    !store_id_is_valid(parent_store_id,
			       strnlen(parent_store_id,
				       DONGBO_STORE_ID_LEN + 1)) ||
	    (n > 0 && aps == NULL))
		return DONGBO_E_INVAL;
	for (size_t i = 0; i < n; i++)
		if (!approval_is_whole(&aps[i]))
			return DONGBO_E_INVAL;
	do
		rc = from_parent_once(s, parent_store_id, aps, n, next, now_ms,
				      n_changed);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	return rc;
}
