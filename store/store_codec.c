/*
 * store_codec.c -- the byte layouts of store_internal.h.
 *
 * Every decoder checks lengths and flag bits and answers DONGBO_E_CORRUPT
 * on anything it did not write: a torn or foreign file must not become a
 * crash or a silently wrong number.
 */
#include "store_internal.h"

#include <string.h>

#include "catalog.h"
#include "error.h"
#include "period.h"

void store_put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xffu);
		v >>= 8;
	}
}

uint64_t store_get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* int64 is stored as its two's complement bit pattern.  Converting back
 * through arithmetic rather than a cast keeps it defined C for every
 * pattern, not only on two's complement compilers' say-so. */
void store_put_i64(unsigned char *p, int64_t v)
{
	store_put_u64(p, (uint64_t)v);
}

int64_t store_get_i64(const unsigned char *p)
{
	uint64_t u = store_get_u64(p);

	if (u <= (uint64_t)INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

bool store_id_is_valid(const char *s, size_t n)
{
	if (n != DONGBO_STORE_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* Length of a key field, or 0 when it is missing, empty or longer than
 * max: such a field could not be told apart from its neighbours. */
static size_t field_len(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strnlen(s, max + 1);
	return n > max ? 0 : n;
}

static int key_fields(const char *a, size_t a_max, const char *b, size_t b_max,
		      const char *c, size_t c_max, char key[STORE_KEY_MAX],
		      size_t *key_len)
{
	size_t na = field_len(a, a_max);
	size_t nb = field_len(b, b_max);
	size_t nc = field_len(c, c_max);

	if (na == 0 || nb == 0 || nc == 0 || na + nb + nc + 2 > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	memcpy(key, a, na);
	key[na] = '\0';
	memcpy(key + na + 1, b, nb);
	key[na + 1 + nb] = '\0';
	memcpy(key + na + nb + 2, c, nc);
	*key_len = na + nb + nc + 2;
	return 0;
}

int store_key_value(const struct dongbo_record *rec, char key[STORE_KEY_MAX],
		    size_t *key_len)
{
	size_t n;
	int rc;

	rc = key_fields(rec->unit, DONGBO_UNIT_CODE_MAX, rec->indicator,
			DONGBO_INDICATOR_CODE_MAX, rec->period,
			DONGBO_PERIOD_MAX - 1, key, &n);
	if (rc != 0)
		return rc;
	if (rec->stated) {
		if (n + 2 > STORE_KEY_MAX)
			return DONGBO_E_INVAL;
		key[n++] = '\0';
		key[n++] = STORE_STATED_SUFFIX;
	}
	*key_len = n;
	return 0;
}

int store_key_conflict(const char *indicator, const char *period,
		       const char *unit, char key[STORE_KEY_MAX],
		       size_t *key_len)
{
	return key_fields(indicator, DONGBO_INDICATOR_CODE_MAX, period,
			  DONGBO_PERIOD_MAX - 1, unit, DONGBO_UNIT_CODE_MAX, key,
			  key_len);
}

void store_put_sortable(unsigned char *p, int64_t v)
{
	store_put_u64(p, (uint64_t)v ^ (UINT64_C(1) << 63));
}

int64_t store_get_sortable(const unsigned char *p)
{
	uint64_t u = store_get_u64(p) ^ (UINT64_C(1) << 63);
	int64_t v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

int store_key_rollup_prefix(const char *anchor, const char *indicator,
			    const char *period, char key[STORE_KEY_MAX],
			    size_t *key_len)
{
	size_t n;
	int rc;

	rc = key_fields(anchor, DONGBO_UNIT_CODE_MAX, indicator,
			DONGBO_INDICATOR_CODE_MAX, period, DONGBO_PERIOD_MAX - 1,
			key, &n);
	if (rc != 0)
		return rc;
	if (n + 1 > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	key[n++] = '\0';
	*key_len = n;
	return 0;
}

int store_key_value_split(const MDB_val *key, char *unit, char *indicator,
			  char *period, bool *stated)
{
	const char *p = key->mv_data;
	const char *end = p + key->mv_size;
	char *out[3] = { unit, indicator, period };
	size_t max[3] = { DONGBO_UNIT_CODE_MAX, DONGBO_INDICATOR_CODE_MAX,
			  DONGBO_PERIOD_MAX - 1 };

	*stated = false;
	/* A stated total ends in \0 's'; the period then ends there. */
	if (key->mv_size >= 2 && end[-1] == STORE_STATED_SUFFIX &&
	    end[-2] == '\0') {
		*stated = true;
		end -= 2;
	}
	for (int i = 0; i < 3; i++) {
		/* The first two fields end at a NUL, the last at the key's
		 * end and must not hide a fourth field. */
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *stop = i < 2 ? nul : end;

		if (stop == NULL || stop == p || (i == 2 && nul != NULL) ||
		    (size_t)(stop - p) > max[i])
			return DONGBO_E_CORRUPT;
		memcpy(out[i], p, (size_t)(stop - p));
		out[i][stop - p] = '\0';
		p = stop + (i < 2);
	}
	return 0;
}

void store_value_encode(const struct store_value *v,
			unsigned char buf[STORE_VALUE_LEN])
{
	store_put_u64(buf, v->version);
	store_put_i64(buf + 8, v->deleted ? 0 : v->value);
	buf[16] = v->deleted ? STORE_FLAG_DELETED : 0;
}

int store_value_decode(const MDB_val *data, struct store_value *out)
{
	const unsigned char *p = data->mv_data;
	struct store_value v;

	if (data->mv_size != STORE_VALUE_LEN || (p[16] & ~STORE_FLAG_DELETED))
		return DONGBO_E_CORRUPT;
	v.version = store_get_u64(p);
	v.value = store_get_i64(p + 8);
	v.deleted = (p[16] & STORE_FLAG_DELETED) != 0;
	if (v.version == 0 || (v.deleted && v.value != 0))
		return DONGBO_E_CORRUPT;
	*out = v;
	return 0;
}

void store_agg_encode(const struct dongbo_agg *a,
		      unsigned char buf[STORE_AGG_LEN])
{
	store_put_i64(buf, a->sum);
	store_put_i64(buf + 8, a->count);
}

int store_agg_decode(const MDB_val *data, struct dongbo_agg *out)
{
	struct dongbo_agg a;

	if (data->mv_size != STORE_AGG_LEN)
		return DONGBO_E_CORRUPT;
	a.sum = store_get_i64(data->mv_data);
	a.count = store_get_i64((const unsigned char *)data->mv_data + 8);
	/* Empty entries are deleted, never stored. */
	if (a.count <= 0)
		return DONGBO_E_CORRUPT;
	*out = a;
	return 0;
}

int store_log_encode(const struct dongbo_record *rec, uint64_t version,
		     unsigned char *buf, size_t cap, size_t *len)
{
	bool has_origin = rec->origin != NULL && rec->origin[0] != '\0';
	size_t nu = strlen(rec->unit) + 1;
	size_t ni = strlen(rec->indicator) + 1;
	size_t np = strlen(rec->period) + 1;
	size_t no = has_origin ? strlen(rec->origin) + 1 : 0;
	size_t hdr = STORE_LOG_HDR_LEN + STORE_LOG_AT_LEN;
	size_t n = hdr + nu + ni + np + no;

	if (n > cap)
		return DONGBO_E_INVAL;
	store_put_u64(buf, version);
	store_put_i64(buf + 8, rec->deleted ? 0 : rec->value);
	buf[16] = (rec->deleted ? STORE_FLAG_DELETED : 0) |
		  (rec->stated ? STORE_FLAG_STATED : 0) | STORE_FLAG_AT |
		  (has_origin ? STORE_FLAG_ORIGIN : 0);
	store_put_i64(buf + STORE_LOG_HDR_LEN, rec->at_ms);
	memcpy(buf + hdr, rec->unit, nu);
	memcpy(buf + hdr + nu, rec->indicator, ni);
	memcpy(buf + hdr + nu + ni, rec->period, np);
	if (has_origin)
		memcpy(buf + hdr + nu + ni + np, rec->origin, no);
	*len = n;
	return 0;
}

static int log_decode_approval(const MDB_val *key, const MDB_val *data,
			       struct dongbo_record *out,
			       struct dongbo_approval *ap);

int store_log_decode(const MDB_val *key, const MDB_val *data,
		     struct dongbo_record *out, struct dongbo_approval *ap)
{
	const unsigned char *p = data->mv_data;
	const unsigned flags = STORE_FLAG_DELETED | STORE_FLAG_STATED |
			       STORE_FLAG_AT | STORE_FLAG_ORIGIN;
	size_t hdr = STORE_LOG_HDR_LEN;
	int n_fields = 3;
	const char *s, *end;
	const char *field[4] = { NULL, NULL, NULL, NULL };
	struct dongbo_record r;

	if (key->mv_size != 8 || data->mv_size < STORE_LOG_HDR_LEN + 6)
		return DONGBO_E_CORRUPT;
	/* Format 4: an approval state.  Entries without the flag decode as
	 * they always did. */
	if (p[16] == (STORE_FLAG_APPROVAL | STORE_FLAG_AT))
		return log_decode_approval(key, data, out, ap);
	if (p[16] & ~flags)
		return DONGBO_E_CORRUPT;
	r.at_ms = 0;
	if (p[16] & STORE_FLAG_ORIGIN)
		n_fields = 4; /* format 3: the origin after the period */
	if (p[16] & STORE_FLAG_AT) {
		hdr += STORE_LOG_AT_LEN;
		if (data->mv_size < hdr + 6)
			return DONGBO_E_CORRUPT;
		r.at_ms = store_get_i64(p + STORE_LOG_HDR_LEN);
	}
	s = (const char *)p + hdr;
	end = (const char *)p + data->mv_size;
	for (int i = 0; i < n_fields; i++) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));

		if (nul == NULL || nul == s)
			return DONGBO_E_CORRUPT;
		field[i] = s;
		s = nul + 1;
	}
	if (s != end)
		return DONGBO_E_CORRUPT;
	r.unit = field[0];
	r.indicator = field[1];
	r.period = field[2];
	r.origin = field[3];
	r.version = store_get_u64(p);
	r.value = store_get_i64(p + 8);
	r.deleted = (p[16] & STORE_FLAG_DELETED) != 0;
	r.stated = (p[16] & STORE_FLAG_STATED) != 0;
	r.seq = store_get_u64(key->mv_data);
	r.approval = NULL;
	if (r.version == 0 || r.seq == 0 || (r.deleted && r.value != 0))
		return DONGBO_E_CORRUPT;
	*out = r;
	return 0;
}

int store_key_approval(const char *unit, const char *form, const char *period,
		       char key[STORE_KEY_MAX], size_t *key_len)
{
	return key_fields(unit, DONGBO_UNIT_CODE_MAX, form,
			  DONGBO_FORM_CODE_MAX, period, DONGBO_PERIOD_MAX - 1,
			  key, key_len);
}

/* Copies n NUL-terminated strings from s..end into the fields (each of
 * cap[i] bytes with its NUL; empty allowed where may_be_empty[i]); s must
 * end exactly at end.  0 or DONGBO_E_CORRUPT. */
static int strings_take(const char *s, const char *end, size_t n,
			char *const *out, const size_t *cap,
			const bool *may_be_empty)
{
	for (size_t i = 0; i < n; i++) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		size_t len;

		if (nul == NULL)
			return DONGBO_E_CORRUPT;
		len = (size_t)(nul - s);
		if ((len == 0 && !may_be_empty[i]) || len >= cap[i])
			return DONGBO_E_CORRUPT;
		memcpy(out[i], s, len + 1);
		s = nul + 1;
	}
	return s == end ? 0 : DONGBO_E_CORRUPT;
}

/* The six strings of a state: unit, form, period (in the key of the
 * approval DB, in the data of a log entry), node, user, note. */
static int approval_strings(struct dongbo_approval *a, const char *s,
			    const char *end, bool with_key)
{
	char *out[6] = { a->unit, a->form, a->period, a->node, a->user,
			 a->note };
	size_t cap[6] = { sizeof(a->unit), sizeof(a->form), sizeof(a->period),
			  sizeof(a->node), sizeof(a->user), sizeof(a->note) };
	bool empty_ok[6] = { false, false, false, false, true, true };

	if (with_key)
		return strings_take(s, end, 6, out, cap, empty_ok);
	return strings_take(s, end, 3, out + 3, cap + 3, empty_ok + 3);
}

/* The fixed fields of a state are sane: a known state, flags we write,
 * a version, a well-formed period. */
static int approval_check(const struct dongbo_approval *a, unsigned aflags)
{
	struct dongbo_period p;

	if (a->version == 0 || (unsigned)a->state > DONGBO_APPROVAL_STATE_MAX ||
	    (aflags & ~STORE_APPROVAL_FLAG_CHANGED) ||
	    dongbo_period_parse(a->period, &p) != 0)
		return DONGBO_E_CORRUPT;
	return 0;
}

static int log_decode_approval(const MDB_val *key, const MDB_val *data,
			       struct dongbo_record *out,
			       struct dongbo_approval *ap)
{
	const unsigned char *p = data->mv_data;
	struct dongbo_approval a;

	if (ap == NULL || data->mv_size < STORE_LOG_APPROVAL_HDR_LEN + 8)
		return DONGBO_E_CORRUPT;
	memset(&a, 0, sizeof(a));
	a.version = store_get_u64(p);
	a.at_ms = store_get_i64(p + 8);
	a.state = (enum dongbo_approval_state)p[25];
	a.changed = (p[26] & STORE_APPROVAL_FLAG_CHANGED) != 0;
	a.seq = store_get_u64(key->mv_data);
	if (p[25] > DONGBO_APPROVAL_STATE_MAX ||
	    approval_strings(&a, (const char *)p + STORE_LOG_APPROVAL_HDR_LEN,
			     (const char *)p + data->mv_size, true) != 0 ||
	    approval_check(&a, p[26]) != 0 || a.seq == 0)
		return DONGBO_E_CORRUPT;
	*ap = a;
	memset(out, 0, sizeof(*out));
	out->unit = ap->unit;
	out->indicator = ap->form;
	out->period = ap->period;
	out->version = ap->version;
	out->seq = ap->seq;
	out->at_ms = store_get_i64(p + STORE_LOG_HDR_LEN);
	out->origin = ap->node;
	out->approval = ap;
	return 0;
}

int store_approval_encode(const struct dongbo_approval *a, uint64_t aseq,
			  bool log, int64_t at_ms, unsigned char *buf,
			  size_t cap, size_t *len)
{
	const char *strs[6] = { a->unit, a->form, a->period, a->node, a->user,
				a->note };
	size_t max[6] = { DONGBO_UNIT_CODE_MAX, DONGBO_FORM_CODE_MAX,
			  DONGBO_PERIOD_MAX - 1, DONGBO_UNIT_CODE_MAX,
			  DONGBO_APPROVAL_USER_MAX, DONGBO_APPROVAL_NOTE_MAX };
	size_t hdr = log ? STORE_LOG_APPROVAL_HDR_LEN : STORE_APPROVAL_HDR_LEN;
	size_t n = hdr;
	unsigned char aflags = a->changed ? STORE_APPROVAL_FLAG_CHANGED : 0;

	if ((unsigned)a->state > DONGBO_APPROVAL_STATE_MAX || a->version == 0)
		return DONGBO_E_INVAL;
	for (int i = log ? 0 : 3; i < 6; i++) {
		size_t l = strnlen(strs[i], max[i] + 1);

		if (l > max[i] || (l == 0 && i < 4))
			return DONGBO_E_INVAL;
		if (n + l + 1 > cap)
			return DONGBO_E_INVAL;
		memcpy(buf + n, strs[i], l + 1);
		n += l + 1;
	}
	store_put_u64(buf, a->version);
	if (log) {
		store_put_i64(buf + 8, a->at_ms);
		buf[16] = STORE_FLAG_APPROVAL | STORE_FLAG_AT;
		store_put_i64(buf + STORE_LOG_HDR_LEN, at_ms);
		buf[25] = (unsigned char)a->state;
		buf[26] = aflags;
	} else {
		store_put_u64(buf + 8, aseq);
		buf[16] = (unsigned char)a->state;
		buf[17] = aflags;
		store_put_i64(buf + 18, a->at_ms);
	}
	*len = n;
	return 0;
}

int store_approval_decode(const MDB_val *key, const MDB_val *data,
			  struct dongbo_approval *out, uint64_t *aseq)
{
	const unsigned char *p = data->mv_data;
	const char *k = key->mv_data;
	char *kout[3];
	size_t kcap[3];
	bool kempty[3] = { false, false, false };
	char kbuf[STORE_KEY_MAX + 1];
	struct dongbo_approval a;

	if (data->mv_size < STORE_APPROVAL_HDR_LEN + 4 ||
	    key->mv_size == 0 || key->mv_size > STORE_KEY_MAX)
		return DONGBO_E_CORRUPT;
	memset(&a, 0, sizeof(a));
	/* The key ends without a NUL: copy it with one to split it. */
	memcpy(kbuf, k, key->mv_size);
	kbuf[key->mv_size] = '\0';
	kout[0] = a.unit, kout[1] = a.form, kout[2] = a.period;
	kcap[0] = sizeof(a.unit), kcap[1] = sizeof(a.form);
	kcap[2] = sizeof(a.period);
	if (strings_take(kbuf, kbuf + key->mv_size + 1, 3, kout, kcap,
			 kempty) != 0)
		return DONGBO_E_CORRUPT;
	a.version = store_get_u64(p);
	a.state = (enum dongbo_approval_state)p[16];
	a.changed = (p[17] & STORE_APPROVAL_FLAG_CHANGED) != 0;
	a.at_ms = store_get_i64(p + 18);
	if (p[16] > DONGBO_APPROVAL_STATE_MAX ||
	    approval_strings(&a, (const char *)p + STORE_APPROVAL_HDR_LEN,
			     (const char *)p + data->mv_size, false) != 0 ||
	    approval_check(&a, p[17]) != 0)
		return DONGBO_E_CORRUPT;
	*aseq = store_get_u64(p + 8);
	*out = a;
	return 0;
}

int store_key_audit(const struct dongbo_record *rec, uint64_t seq,
		    char key[STORE_KEY_MAX], size_t *key_len)
{
	struct dongbo_record plain = *rec;
	size_t n;
	int rc;

	/* The values key, then the kind where a stated total has its
	 * suffix, then the seq. */
	plain.stated = false;
	rc = store_key_value(&plain, key, &n);
	if (rc != 0)
		return rc;
	if (n + 10 > STORE_KEY_MAX)
		return DONGBO_E_INVAL;
	key[n++] = '\0';
	key[n++] = rec->stated ? STORE_AUDIT_STATED : STORE_AUDIT_VALUE;
	store_put_u64((unsigned char *)key + n, seq);
	*key_len = n + 8;
	return 0;
}

int store_audit_encode(const struct dongbo_audit_entry *e, unsigned char *buf,
		       size_t cap, size_t *len)
{
	const char *peer = e->peer != NULL ? e->peer : "";
	const char *origin = e->rec.origin != NULL ? e->rec.origin : "";
	size_t np = strlen(peer) + 1, no = strlen(origin) + 1;
	size_t n = STORE_AUDIT_HDR_LEN + np + no;

	if (np > STORE_AUDIT_PEER_MAX || no > DONGBO_UNIT_CODE_MAX + 1 ||
	    n > cap)
		return DONGBO_E_INVAL;
	store_put_u64(buf, e->rec.version);
	store_put_i64(buf + 8, e->rec.deleted ? 0 : e->rec.value);
	buf[16] = e->rec.deleted ? STORE_FLAG_DELETED : 0;
	store_put_i64(buf + 17, e->rec.at_ms);
	buf[25] = (unsigned char)e->link;
	buf[26] = (unsigned char)(e->uid >> 24);
	buf[27] = (unsigned char)(e->uid >> 16);
	buf[28] = (unsigned char)(e->uid >> 8);
	buf[29] = (unsigned char)e->uid;
	memcpy(buf + STORE_AUDIT_HDR_LEN, peer, np);
	memcpy(buf + STORE_AUDIT_HDR_LEN + np, origin, no);
	*len = n;
	return 0;
}

int store_audit_decode(const MDB_val *key, const MDB_val *data,
		       struct dongbo_audit_entry *out)
{
	const char *k = key->mv_data, *kend = k + key->mv_size;
	const unsigned char *p = data->mv_data;
	const char *s, *end, *nul;
	const char *field[3];
	struct dongbo_audit_entry e;

	/* The key: three NUL-terminated fields, the kind, 8 bytes of seq. */
	if (key->mv_size < 6 + 1 + 8 || kend[-10] != '\0' ||
	    (kend[-9] != STORE_AUDIT_VALUE && kend[-9] != STORE_AUDIT_STATED))
		return DONGBO_E_CORRUPT;
	s = k;
	for (int i = 0; i < 3; i++) {
		nul = memchr(s, '\0', (size_t)(kend - 9 - s));
		if (nul == NULL || nul == s)
			return DONGBO_E_CORRUPT;
		field[i] = s;
		s = nul + 1;
	}
	if (s != kend - 9)
		return DONGBO_E_CORRUPT;
	memset(&e, 0, sizeof(e));
	e.rec.unit = field[0];
	e.rec.indicator = field[1];
	e.rec.period = field[2];
	e.rec.stated = kend[-9] == STORE_AUDIT_STATED;
	e.rec.seq = store_get_u64((const unsigned char *)kend - 8);

	/* The data: the fixed part, then peer and origin, each ended by a
	 * NUL (peer may be empty, origin not). */
	if (data->mv_size < STORE_AUDIT_HDR_LEN + 3 ||
	    (p[16] & ~STORE_FLAG_DELETED) || p[25] > DONGBO_LINK_RESTORE)
		return DONGBO_E_CORRUPT;
	e.rec.version = store_get_u64(p);
	e.rec.value = store_get_i64(p + 8);
	e.rec.deleted = (p[16] & STORE_FLAG_DELETED) != 0;
	e.rec.at_ms = store_get_i64(p + 17);
	e.link = (enum dongbo_link)p[25];
	e.uid = (uint32_t)p[26] << 24 | (uint32_t)p[27] << 16 |
		(uint32_t)p[28] << 8 | p[29];
	s = (const char *)p + STORE_AUDIT_HDR_LEN;
	end = (const char *)p + data->mv_size;
	nul = memchr(s, '\0', (size_t)(end - s));
	if (nul == NULL)
		return DONGBO_E_CORRUPT;
	e.peer = s;
	s = nul + 1;
	nul = memchr(s, '\0', (size_t)(end - s));
	if (nul == NULL || nul == s || nul + 1 != end)
		return DONGBO_E_CORRUPT;
	e.rec.origin = s;
	if (e.rec.version == 0 || e.rec.seq == 0 ||
	    (e.rec.deleted && e.rec.value != 0))
		return DONGBO_E_CORRUPT;
	*out = e;
	return 0;
}

void store_child_encode(const struct dongbo_child_state *c,
			unsigned char buf[STORE_CHILD_LEN])
{
	memcpy(buf, c->store_id, DONGBO_STORE_ID_LEN);
	store_put_u64(buf + DONGBO_STORE_ID_LEN, c->applied_seq);
	store_put_u64(buf + DONGBO_STORE_ID_LEN + 8, c->received);
	store_put_i64(buf + DONGBO_STORE_ID_LEN + 16, c->last_seen_ms);
}

int store_child_decode(const MDB_val *key, const MDB_val *data,
		       struct dongbo_child_state *out)
{
	const unsigned char *p = data->mv_data;
	struct dongbo_child_state c;

	if (key->mv_size == 0 || key->mv_size > DONGBO_UNIT_CODE_MAX ||
	    memchr(key->mv_data, '\0', key->mv_size) != NULL ||
	    data->mv_size != STORE_CHILD_LEN ||
	    !store_id_is_valid((const char *)p, DONGBO_STORE_ID_LEN))
		return DONGBO_E_CORRUPT;
	memcpy(c.unit, key->mv_data, key->mv_size);
	c.unit[key->mv_size] = '\0';
	memcpy(c.store_id, p, DONGBO_STORE_ID_LEN);
	c.store_id[DONGBO_STORE_ID_LEN] = '\0';
	c.applied_seq = store_get_u64(p + DONGBO_STORE_ID_LEN);
	c.received = store_get_u64(p + DONGBO_STORE_ID_LEN + 8);
	c.last_seen_ms = store_get_i64(p + DONGBO_STORE_ID_LEN + 16);
	*out = c;
	return 0;
}
