/*
 * store_audit.c -- the audit trail: every accepted change, when, through
 * which link, from whom, and where it was entered.
 *
 * Happy path: store_apply.c calls store_audit_append for each change it
 * makes, in that change's transaction, keyed by the change's key and its
 * log sequence number; dongbo_store_audit lists a unit's (an indicator's,
 * a key's) changes newest first with one prefix walk in one read
 * transaction, keeping the newest max in a heap while it walks.
 *
 * Failure modes: a full map or an I/O error fails the write call that was
 * appending (nothing of it is stored); an entry that does not decode is
 * DONGBO_E_CORRUPT for the listing; out of memory for the heap is
 * DONGBO_E_NOMEM.  Nothing here changes a value.
 */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

const char *dongbo_link_word(enum dongbo_link link)
{
	switch (link) {
	case DONGBO_LINK_LOCAL:
		return "local";
	case DONGBO_LINK_CHILD:
		return "child";
	case DONGBO_LINK_RESTORE:
		return "restore";
	}
	return "?";
}

int store_audit_append(struct dongbo_store *s, MDB_cursor *cur,
		       const struct dongbo_record *rec, uint64_t version,
		       uint64_t seq, int64_t at_ms,
		       const struct store_audit_src *src)
{
	unsigned char buf[STORE_AUDIT_MAX];
	char key[STORE_KEY_MAX];
	struct dongbo_audit_entry e = {
		.rec = *rec,
		.link = src->link,
		.uid = src->uid,
		.peer = src->peer,
	};
	MDB_val k, v;
	size_t klen, vlen;
	int rc;

	e.rec.version = version;
	e.rec.at_ms = at_ms;
	if ((rc = store_key_audit(rec, seq, key, &klen)) != 0 ||
	    (rc = store_audit_encode(&e, buf, sizeof(buf), &vlen)) != 0)
		return rc;
	k.mv_size = klen;
	k.mv_data = key;
	v.mv_size = vlen;
	v.mv_data = buf;
	/* A seq is given once: an existing entry means the log head went
	 * back, which the store never does. */
	rc = mdb_cursor_put(cur, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return store_corrupt(s, "audit entry for a seq given before");
	return store_mdb_err(s, "append audit", rc);
}

int store_audit_origin(struct dongbo_store *s, MDB_txn *txn,
		       const struct dongbo_record *rec,
		       char origin[DONGBO_UNIT_CODE_MAX + 1])
{
	char key[STORE_KEY_MAX];
	struct dongbo_audit_entry e;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t klen;
	int rc;

	origin[0] = '\0';
	/* The key's range ends just before seq UINT64_MAX's entry (never
	 * given): the entry before that position is the key's last. */
	if ((rc = store_key_audit(rec, UINT64_MAX, key, &klen)) != 0)
		return rc;
	rc = mdb_cursor_open(txn, s->dbi_audit, &cur);
	if (rc != 0)
		return store_mdb_err(s, "read audit", rc);
	k.mv_size = klen;
	k.mv_data = key;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc != 0) {
		rc = store_mdb_err(s, "read audit", rc);
		goto out;
	}
	/* Some other key's entry: this key has no history here. */
	if (k.mv_size != klen || memcmp(k.mv_data, key, klen - 8) != 0)
		goto out;
	if (store_audit_decode(&k, &v, &e) != 0) {
		rc = store_corrupt(s, "audit entry malformed");
		goto out;
	}
	snprintf(origin, DONGBO_UNIT_CODE_MAX + 1, "%s", e.rec.origin);
out:
	mdb_cursor_close(cur);
	return rc;
}

/* ---- Listing: the newest max of a prefix walk ---- */

/* An entry met by the walk, borrowed from the read transaction. */
struct held {
	uint64_t seq;
	MDB_val k, v;
};

struct newest {
	const struct dongbo_audit_query *q;
	char kind; /* 0: both kinds */
	struct held *heap; /* min-heap on seq, at most q->max */
	size_t n;
	bool more; /* a match fell out of (or never entered) the heap */
};

static void heap_down(struct held *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct held t;

		if (l < n && h[l].seq < h[m].seq)
			m = l;
		if (r < n && h[r].seq < h[m].seq)
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_up(struct held *h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2].seq > h[i].seq) {
		struct held t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static int newest_cb(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct newest *w = arg;
	const char *kend = (const char *)k->mv_data + k->mv_size;
	struct held h;

	if (k->mv_size < 15)
		return DONGBO_E_CORRUPT;
	if (w->kind != 0 && kend[-9] != w->kind)
		return 0;
	h.seq = store_get_u64((const unsigned char *)kend - 8);
	if (w->q->before_seq != 0 && h.seq >= w->q->before_seq)
		return 0;
	h.k = *k;
	h.v = *v;
	if (w->n < w->q->max) {
		w->heap[w->n] = h;
		heap_up(w->heap, w->n++);
		return 0;
	}
	w->more = true;
	if (h.seq > w->heap[0].seq) {
		w->heap[0] = h;
		heap_down(w->heap, w->n, 0);
	}
	return 0;
}

static int by_seq_desc(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* The walk's prefix: unit \0 [indicator \0 [period \0]]. */
static int audit_prefix(const struct dongbo_audit_query *q,
			char key[STORE_KEY_MAX], size_t *len)
{
	const char *field[3] = { q->unit, q->indicator, q->period };
	const size_t max[3] = { DONGBO_UNIT_CODE_MAX, DONGBO_INDICATOR_CODE_MAX,
				DONGBO_PERIOD_MAX - 1 };
	size_t n = 0;

	for (int i = 0; i < 3 && field[i] != NULL; i++) {
		size_t fl = strnlen(field[i], max[i] + 1);

		if (fl == 0 || fl > max[i])
			return DONGBO_E_INVAL;
		memcpy(key + n, field[i], fl);
		n += fl;
		key[n++] = '\0';
	}
	*len = n;
	return 0;
}

int dongbo_store_audit(struct dongbo_store *s,
		       const struct dongbo_audit_query *q,
		       int (*cb)(void *arg, const struct dongbo_audit_entry *e),
		       void *arg, bool *more)
{
	char prefix[STORE_KEY_MAX];
	struct newest w = { .q = q };
	MDB_txn *txn;
	size_t len;
	int rc;

	if (q == NULL || q->unit == NULL || q->max == 0 ||
	    (q->period != NULL && q->indicator == NULL))
		return DONGBO_E_INVAL;
	if ((rc = audit_prefix(q, prefix, &len)) != 0)
		return rc;
	if (q->max > SIZE_MAX / sizeof(*w.heap))
		return DONGBO_E_NOMEM;
	w.kind = q->only_stated ? STORE_AUDIT_STATED : 0;
	w.heap = malloc(q->max * sizeof(*w.heap));
	if (w.heap == NULL)
		return DONGBO_E_NOMEM;
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		goto out;
	rc = store_walk(s, txn, s->dbi_audit, prefix, len, "read audit",
			newest_cb, &w);
	if (rc == DONGBO_E_CORRUPT)
		rc = store_corrupt(s, "audit key malformed");
	if (rc == 0)
		qsort(w.heap, w.n, sizeof(*w.heap), by_seq_desc);
	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		struct dongbo_audit_entry e;

		if (store_audit_decode(&w.heap[i].k, &w.heap[i].v, &e) != 0)
			rc = store_corrupt(s, "audit entry malformed");
		else
			rc = cb(arg, &e);
	}
	store_txn_abort(s, txn);
	if (rc == 0 && more != NULL)
		*more = w.more;
out:
	free(w.heap);
	return rc;
}
