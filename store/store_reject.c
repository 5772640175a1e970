/*
 * store_reject.c -- records a parent refused, kept with their reason.
 *
 * Two kinds share the rejected DB, told apart by the key's first byte:
 * 'p' (a record of ours that our parent refused: kept until its key is
 * written again, or sent again by `dongbo rejected --retry`) and 'c' (a
 * record refused here from a child: kept until that child sends the key
 * again and it is taken).  Entry layout (store_internal.h):
 *
 *   0 u64 version | 8 i64 value | 16 u8 flags | 17 i32 code |
 *   21 i64 at_ms | 29 u64 seq | 37 reason (no NUL)
 *
 * Failure modes: a malformed entry is reported as corruption; nothing else
 * here can fail but LMDB itself.
 */
#include "store_internal.h"

#include <string.h>

#include "error.h"

#define REASON_MAX 255

int store_key_rejected(char kind, const char *child,
		       const struct dongbo_record *rec, char key[STORE_KEY_MAX],
		       size_t *key_len)
{
	char vkey[STORE_KEY_MAX];
	size_t off = 1, n;
	int rc;

	key[0] = kind;
	if (kind == STORE_REJ_CHILD) {
		size_t cl = child != NULL ? strlen(child) : 0;

		if (cl == 0 || cl > DONGBO_UNIT_CODE_MAX)
			return DONGBO_E_INVAL;
		memcpy(key + 1, child, cl + 1);
		off += cl + 1;
	}
	rc = store_key_value(rec, vkey, &n);
	if (rc != 0)
		return rc;
	if (off + n > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	memcpy(key + off, vkey, n);
	*key_len = off + n;
	return 0;
}

int store_rejected_put(struct dongbo_store *s, MDB_txn *txn, const char *key,
		       size_t key_len, const struct dongbo_rejection *r,
		       int64_t at_ms)
{
	unsigned char buf[STORE_REJ_LEN + REASON_MAX];
	size_t rl = strnlen(r->reason, REASON_MAX);
	uint32_t code = (uint32_t)r->code;
	MDB_val k = { .mv_size = key_len, .mv_data = (void *)key };
	MDB_val v = { .mv_size = STORE_REJ_LEN + rl, .mv_data = buf };

	store_put_u64(buf, r->rec.version);
	store_put_i64(buf + 8, r->rec.deleted ? 0 : r->rec.value);
	buf[16] = (r->rec.deleted ? STORE_FLAG_DELETED : 0) |
		  (r->rec.stated ? STORE_FLAG_STATED : 0);
	buf[17] = (unsigned char)(code >> 24);
	buf[18] = (unsigned char)(code >> 16);
	buf[19] = (unsigned char)(code >> 8);
	buf[20] = (unsigned char)code;
	store_put_i64(buf + 21, at_ms);
	store_put_u64(buf + 29, r->rec.seq);
	memcpy(buf + STORE_REJ_LEN, r->reason, rl);
	return store_mdb_err(s, "keep rejected",
			     mdb_put(txn, s->dbi_rejected, &k, &v, 0));
}

int store_rejected_clear(struct dongbo_store *s, MDB_txn *txn,
			 const char *key, size_t key_len, uint64_t version)
{
	MDB_val k = { .mv_size = key_len, .mv_data = (void *)key }, v;
	int rc = mdb_get(txn, s->dbi_rejected, &k, &v);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_err(s, "read rejected", rc);
	if (v.mv_size < STORE_REJ_LEN)
		return store_corrupt(s, "rejected entry malformed");
	if (store_get_u64(v.mv_data) > version)
		return 0;
	return store_mdb_err(s, "drop rejected",
			     mdb_del(txn, s->dbi_rejected, &k, NULL));
}

/* A decoded entry; the strings live in the buffers. */
struct rej_buf {
	char child[DONGBO_UNIT_CODE_MAX + 1];
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char indicator[DONGBO_INDICATOR_CODE_MAX + 1];
	char period[DONGBO_PERIOD_MAX];
	char reason[REASON_MAX + 1];
	struct dongbo_rejection r;
};

static int rej_decode(const MDB_val *k, const MDB_val *v, struct rej_buf *b)
{
	const unsigned char *p = v->mv_data;
	const char *key = k->mv_data;
	MDB_val vk;
	size_t off = 1, rl;
	uint32_t code;

	memset(&b->r, 0, sizeof(b->r));
	if (k->mv_size < 2 || v->mv_size < STORE_REJ_LEN ||
	    (p[16] & ~(STORE_FLAG_DELETED | STORE_FLAG_STATED)))
		return DONGBO_E_CORRUPT;
	if (key[0] == STORE_REJ_CHILD) {
		const char *nul = memchr(key + 1, '\0', k->mv_size - 1);
		size_t cl = nul != NULL ? (size_t)(nul - key - 1) : 0;

		if (cl == 0 || cl > DONGBO_UNIT_CODE_MAX)
			return DONGBO_E_CORRUPT;
		memcpy(b->child, key + 1, cl + 1);
		off += cl + 1;
		b->r.child = b->child;
	} else if (key[0] != STORE_REJ_OURS) {
		return DONGBO_E_CORRUPT;
	}
	vk.mv_size = k->mv_size - off;
	vk.mv_data = (void *)(key + off);
	if (store_key_value_split(&vk, b->unit, b->indicator, b->period,
				  &b->r.rec.stated) != 0)
		return DONGBO_E_CORRUPT;
	rl = v->mv_size - STORE_REJ_LEN;
	if (rl > REASON_MAX)
		return DONGBO_E_CORRUPT;
	memcpy(b->reason, p + STORE_REJ_LEN, rl);
	b->reason[rl] = '\0';
	code = (uint32_t)p[17] << 24 | (uint32_t)p[18] << 16 |
	       (uint32_t)p[19] << 8 | p[20];
	b->r.rec.unit = b->unit;
	b->r.rec.indicator = b->indicator;
	b->r.rec.period = b->period;
	b->r.rec.version = store_get_u64(p);
	b->r.rec.value = store_get_i64(p + 8);
	b->r.rec.deleted = (p[16] & STORE_FLAG_DELETED) != 0;
	b->r.rec.seq = store_get_u64(p + 29);
	b->r.rec.origin = NULL;
	b->r.code = (int)(int32_t)code;
	b->r.at_ms = store_get_i64(p + 21);
	b->r.reason = b->reason;
	return 0;
}

int store_rejected_walk(struct dongbo_store *s, MDB_txn *txn, char kind,
			int (*fn)(void *arg, const struct dongbo_rejection *r),
			void *arg)
{
	MDB_cursor *cur;
	MDB_val k = { .mv_size = 1, .mv_data = &kind }, v;
	struct rej_buf b;
	int rc, op;

	rc = mdb_cursor_open(txn, s->dbi_rejected, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	for (op = MDB_SET_RANGE;; op = MDB_NEXT) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = store_mdb_err(s, "read rejected", rc);
			break;
		}
		if (((const char *)k.mv_data)[0] != kind)
			break;
		if (rej_decode(&k, &v, &b) != 0) {
			rc = store_corrupt(s, "rejected entry malformed");
			break;
		}
		rc = fn(arg, &b.r);
		if (rc == STORE_WALK_DELETE) {
			rc = mdb_cursor_del(cur, 0);
			if (rc != 0) {
				rc = store_mdb_err(s, "drop rejected", rc);
				break;
			}
		} else if (rc != 0) {
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc;
}

static int forget_entry(void *arg, const struct dongbo_rejection *r)
{
	return strcmp(r->child, arg) == 0 ? STORE_WALK_DELETE : 0;
}

int store_rejected_forget_child(struct dongbo_store *s, MDB_txn *txn,
				const char *child)
{
	return store_rejected_walk(s, txn, STORE_REJ_CHILD, forget_entry,
				   (void *)child);
}

int dongbo_store_rejected(struct dongbo_store *s,
			  int (*cb)(void *arg, const struct dongbo_rejection *r),
			  void *arg)
{
	MDB_txn *txn;
	int rc = store_txn_begin(s, true, &txn);

	if (rc != 0)
		return rc;
	/* Ours first ('p'), then by child ('c'). */
	rc = store_rejected_walk(s, txn, STORE_REJ_OURS, cb, arg);
	if (rc == 0)
		rc = store_rejected_walk(s, txn, STORE_REJ_CHILD, cb, arg);
	store_txn_abort(s, txn);
	return rc;
}
