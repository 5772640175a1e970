/*
 * test_store_audit.c -- the audit trail: one entry per accepted change,
 * none for what changed nothing; the link, the peer and the origin of
 * each; listings by prefix, newest first, page by page; origins carried
 * in the log (and an older log entry without one); an older store opening
 * with an empty history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "store_fixture.h"

/* Audit entries as listed, copied out. */
#define SEEN_MAX 32
struct seen {
	size_t n;
	struct {
		char key[64]; /* unit/indicator/period[/s] */
		uint64_t seq, version;
		int64_t value, at_ms;
		bool deleted;
		enum dongbo_link link;
		uint32_t uid;
		char peer[64], origin[16];
	} e[SEEN_MAX];
	bool more;
};

static int seen_cb(void *arg, const struct dongbo_audit_entry *a)
{
	struct seen *s = arg;

	if (s->n == SEEN_MAX)
		return DONGBO_E_INVAL;
	snprintf(s->e[s->n].key, sizeof(s->e[0].key), "%s/%s/%s%s",
		 a->rec.unit, a->rec.indicator, a->rec.period,
		 a->rec.stated ? "/s" : "");
	s->e[s->n].seq = a->rec.seq;
	s->e[s->n].version = a->rec.version;
	s->e[s->n].value = a->rec.value;
	s->e[s->n].at_ms = a->rec.at_ms;
	s->e[s->n].deleted = a->rec.deleted;
	s->e[s->n].link = a->link;
	s->e[s->n].uid = a->uid;
	snprintf(s->e[s->n].peer, sizeof(s->e[0].peer), "%s", a->peer);
	snprintf(s->e[s->n].origin, sizeof(s->e[0].origin), "%s",
		 a->rec.origin);
	s->n++;
	return 0;
}

static struct seen audit_q(struct fx *fx, const struct dongbo_audit_query *q)
{
	struct seen s = { .n = 0 };

	assert_int_equal(dongbo_store_audit(fx->st, q, seen_cb, &s, &s.more),
			 0);
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.e[i - 1].seq > s.e[i].seq); /* newest first */
	return s;
}

/* Everything recorded of unit (both kinds). */
static struct seen audit_of(struct fx *fx, const char *unit)
{
	struct dongbo_audit_query q = { .unit = unit, .max = SEEN_MAX };

	return audit_q(fx, &q);
}

static size_t audit_count(struct fx *fx)
{
	size_t n = 0;

	for (size_t i = 0; i < N_UNITS; i++)
		n += audit_of(fx, all_units[i]).n;
	return n;
}

static struct dongbo_record from(struct dongbo_record r, const char *origin)
{
	r.origin = origin;
	return r;
}

static void local_changes_are_recorded_once_each_newest_first(void **state)
{
	struct fx *fx = *state;
	const struct dongbo_author alice = { .uid = 1001, .name = "alice" };
	struct dongbo_record r = rec("07201", "hs_nhan", "2022", 10, 0, 0);
	struct dongbo_record t = tomb("07201", "hs_nhan", "2022", 0, 0);
	struct dongbo_record st = rec("07201", "hs_nhan", "2022", 99, 0, 0);
	uint64_t v[4];
	struct seen s;

	st.stated = true;
	assert_int_equal(dongbo_store_put_local_by(fx->st, &r, 1, 5000000,
						   &v[0], &alice),
			 0);
	r.value = 12;
	assert_int_equal(dongbo_store_put_local_by(fx->st, &r, 1, 6000000,
						   &v[1], &alice),
			 0);
	assert_int_equal(dongbo_store_put_local_by(fx->st, &t, 1, 7000000,
						   &v[2], &alice),
			 0);
	/* Without an author: nobody known. */
	assert_int_equal(dongbo_store_put_local(fx->st, &st, 1, 8000000,
						&v[3]),
			 0);
	s = audit_of(fx, "07201");
	assert_int_equal(s.n, 4);
	assert_false(s.more);
	assert_string_equal(s.e[0].key, "07201/hs_nhan/2022/s");
	assert_int_equal(s.e[0].uid, DONGBO_AUDIT_UID_NONE);
	assert_string_equal(s.e[0].peer, "");
	assert_int_equal(s.e[0].value, 99);
	for (size_t i = 1; i < 4; i++) {
		assert_string_equal(s.e[i].key, "07201/hs_nhan/2022");
		assert_int_equal(s.e[i].link, DONGBO_LINK_LOCAL);
		assert_int_equal(s.e[i].uid, 1001);
		assert_string_equal(s.e[i].peer, "alice");
	}
	for (size_t i = 0; i < 4; i++) {
		/* Entered here: this node's home is where it came from. */
		assert_string_equal(s.e[i].origin, "24");
		assert_int_equal(s.e[i].version, v[3 - i]);
		assert_int_equal(s.e[i].at_ms, (int64_t)(8000 - 1000 * i));
		assert_int_equal(s.e[i].seq, 4 - i); /* its log seq */
	}
	assert_true(s.e[1].deleted);
	assert_int_equal(s.e[1].value, 0);
	assert_int_equal(s.e[2].value, 12);
	assert_int_equal(s.e[3].value, 10);
	/* Deleting what is deleted, and a failed put, add nothing. */
	assert_int_equal(dongbo_store_put_local(fx->st, &t, 1, 9000000, NULL),
			 0);
	assert_int_equal(audit_of(fx, "07201").n, 5);
	r.unit = "02501"; /* outside home: refused whole */
	assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, 9500000, NULL),
			 DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(audit_count(fx), 5);
	verify_ok(fx);
}

/* A child's record is recorded when it wins by version, once; its origin
 * is the one it carries when that lies within the child, else the
 * child. */
static void child_records_are_recorded_when_they_win_only(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = {
		from(rec("07201", "hs_nhan", "2022", 10, 100, 1), "07201"),
		from(rec("07207", "hs_nhan", "2022", 20, 100, 2), ""),
		from(rec("213", "hs_nhan", "2022", 30, 100, 3), "07300"),
		from(rec("07201", "hs_dung_han", "2022", 5, 100, 4), "99"),
	};
	struct dongbo_record b2[] = {
		/* Older and equal versions of stored keys: nothing. */
		from(rec("07201", "hs_nhan", "2022", 11, 99, 5), "07201"),
		from(rec("07207", "hs_nhan", "2022", 20, 100, 6), "07207"),
		/* Newer: taken. */
		from(tomb("213", "hs_nhan", "2022", 101, 7), "213"),
	};
	uint64_t applied;
	size_t changed;
	struct seen s;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 4, b1, 4, &applied,
			       &changed),
			 0);
	assert_int_equal(changed, 4);
	assert_int_equal(audit_count(fx), 4);
	s = audit_of(fx, "07201");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.e[0].key, "07201/hs_dung_han/2022");
	assert_string_equal(s.e[0].origin, "213"); /* unknown unit */
	assert_string_equal(s.e[1].origin, "07201");
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.e[i].link, DONGBO_LINK_CHILD);
		assert_string_equal(s.e[i].peer, "213");
		assert_int_equal(s.e[i].at_ms, 1000);
	}
	assert_string_equal(audit_of(fx, "07207").e[0].origin, "213");
	/* 07300 lies under 215: the child 213 cannot have it from there. */
	assert_string_equal(audit_of(fx, "213").e[0].origin, "213");

	/* The same batch again (a resend, a replay): nothing. */
	assert_int_equal(apply(fx, "213", ID_A, 1, 4, b1, 4, &applied,
			       &changed),
			 0);
	assert_int_equal(audit_count(fx), 4);
	/* Losing and equal versions: nothing; the newer one: one entry. */
	assert_int_equal(apply(fx, "213", ID_A, 5, 7, b2, 3, &applied,
			       &changed),
			 0);
	assert_int_equal(changed, 1);
	assert_int_equal(audit_count(fx), 5);
	s = audit_of(fx, "213");
	assert_int_equal(s.n, 2);
	assert_true(s.e[0].deleted);
	assert_int_equal(s.e[0].version, 101);
	assert_string_equal(s.e[0].origin, "213");
	/* A replay after a new hello from the same store: nothing either. */
	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 7, b2, 3, &applied,
			       &changed),
			 0);
	assert_int_equal(audit_count(fx), 5);
	verify_ok(fx);
}

static void restore_records_the_parent(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record page[] = {
		from(rec("213", "hs_nhan", "2022", 7, 100, 0), "07201"),
		from(rec("213", "hs_nhan", "2022Q1", 8, 100, 0), ""),
		from(tomb("213", "hs_dung_han", "2022", 100, 0), "nope"),
		/* Older than what is stored here: nothing. */
		from(rec("213", "hs_nhan", "2023", 9, 100, 0), "24"),
	};
	struct dongbo_record mine = rec("213", "hs_nhan", "2023", 90, 0, 0);
	size_t changed = 0;
	struct seen s;

	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_with(fx, "213", 0), 0);
	assert_int_equal(dongbo_store_put_local(fx->st, &mine, 1, 5000000,
						NULL),
			 0);
	assert_int_equal(dongbo_store_restore_apply(fx->st, page, 4, "24", NULL,
						    7000, &changed),
			 0);
	assert_int_equal(changed, 3);
	s = audit_of(fx, "213");
	assert_int_equal(s.n, 4);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(s.e[i].link, DONGBO_LINK_RESTORE);
		assert_string_equal(s.e[i].peer, "24");
		assert_int_equal(s.e[i].at_ms, 7000);
	}
	assert_string_equal(s.e[0].key, "213/hs_dung_han/2022");
	assert_string_equal(s.e[0].origin, "24"); /* unknown: the parent */
	assert_string_equal(s.e[1].origin, "24"); /* none: the parent */
	assert_string_equal(s.e[2].origin, "07201");
	assert_int_equal(s.e[3].link, DONGBO_LINK_LOCAL);
	/* A parent that is no unit is a caller's bug; an empty page needs
	 * none. */
	assert_int_equal(dongbo_store_restore_apply(fx->st, page, 1, "nope",
						    NULL, 7000, NULL),
			 DONGBO_E_INVAL);
	assert_int_equal(dongbo_store_restore_apply(fx->st, NULL, 0, NULL, NULL,
						    7000, NULL),
			 0);
	assert_int_equal(audit_of(fx, "213").n, 4);
	verify_ok(fx);
}

static void listings_take_a_prefix_a_kind_and_pages(void **state)
{
	struct fx *fx = *state;
	const char *const pers[] = { "2022", "2022S1", "2022Q1" };
	struct dongbo_audit_query q = { .unit = "07201", .max = SEEN_MAX };
	uint64_t all[SEEN_MAX];
	size_t n_all, got = 0;
	struct seen s;

	/* Two indicators x three periods of 07201, a stated total, and
	 * another unit; each key corrected once. */
	for (int round = 0; round < 2; round++)
		for (size_t p = 0; p < 3; p++) {
			put(fx, "07201", "hs_nhan", pers[p], 10 + round);
			put(fx, "07201", "hs_dung_han", pers[p], 20 + round);
			put(fx, "07207", "hs_nhan", pers[p], 30 + round);
		}
	put_as(fx, "07201", "hs_nhan", "2022", 500, true);

	s = audit_q(fx, &q);
	assert_int_equal(s.n, 13);
	n_all = s.n;
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(strncmp(s.e[i].key, "07201/", 6), 0);
		all[i] = s.e[i].seq;
	}
	q.indicator = "hs_nhan";
	s = audit_q(fx, &q);
	assert_int_equal(s.n, 7);
	q.period = "2022";
	s = audit_q(fx, &q);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.e[0].key, "07201/hs_nhan/2022/s");
	assert_int_equal(s.e[1].value, 11);
	assert_int_equal(s.e[2].value, 10);
	q.only_stated = true;
	s = audit_q(fx, &q);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.e[0].value, 500);
	/* "2022" is not a prefix of "2022S1" here. */
	q.only_stated = false;
	q.period = "2022S1";
	assert_int_equal(audit_q(fx, &q).n, 2);
	q.period = "2021";
	assert_int_equal(audit_q(fx, &q).n, 0);

	/* Pages of 4, each older than the last: every entry once, in
	 * order, and `more` until the last page. */
	q.indicator = q.period = NULL;
	q.max = 4;
	q.before_seq = 0;
	do {
		s = audit_q(fx, &q);
		for (size_t i = 0; i < s.n; i++)
			assert_int_equal(s.e[i].seq, all[got++]);
		if (s.n > 0)
			q.before_seq = s.e[s.n - 1].seq;
		assert_true(s.more == (got < n_all));
	} while (s.more);
	assert_int_equal(got, n_all);

	/* Malformed queries. */
	q.max = 0;
	assert_int_equal(dongbo_store_audit(fx->st, &q, seen_cb, &s, NULL),
			 DONGBO_E_INVAL);
	q.max = 1;
	q.period = "2022";
	assert_int_equal(dongbo_store_audit(fx->st, &q, seen_cb, &s, NULL),
			 DONGBO_E_INVAL);
	q.unit = NULL;
	assert_int_equal(dongbo_store_audit(fx->st, &q, seen_cb, &s, NULL),
			 DONGBO_E_INVAL);
}

/* Log entries as read: the origin of each. */
struct origins {
	size_t n;
	char origin[16][16];
	int64_t value[16];
};

static int origins_cb(void *arg, const struct dongbo_record *r)
{
	struct origins *o = arg;

	if (o->n == 16)
		return DONGBO_E_INVAL;
	snprintf(o->origin[o->n], sizeof(o->origin[0]), "%s",
		 r->origin != NULL ? r->origin : "(null)");
	o->value[o->n++] = r->value;
	return 0;
}

static struct origins log_origins(struct fx *fx, uint64_t after)
{
	struct origins o = { .n = 0 };

	assert_int_equal(dongbo_store_log_read(fx->st, after, 16, origins_cb,
					       &o, NULL),
			 0);
	return o;
}

/* The store closed and its environment opened raw, as an older build (or
 * another tool) would see it: a transaction of flags (0 or MDB_RDONLY). */
static MDB_txn *raw_begin(struct fx *fx, unsigned flags, MDB_env **env)
{
	MDB_txn *txn;

	dongbo_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(mdb_env_create(env), 0);
	assert_int_equal(mdb_env_set_maxdbs(*env, 16), 0);
	assert_int_equal(mdb_env_open(*env, fx->path, flags, 0600), 0);
	assert_int_equal(mdb_txn_begin(*env, NULL, flags, &txn), 0);
	return txn;
}

/* Ends it (committing a write) and opens the store again. */
static void raw_end(struct fx *fx, MDB_env *env, MDB_txn *txn)
{
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(fx_open_with(fx, "24", 0), 0);
}

/* Writes the raw bytes of a log entry at seq, as an older build did. */
static void log_entry_raw(struct fx *fx, uint64_t seq, const void *val,
			  size_t len)
{
	unsigned char key[8];
	MDB_env *env;
	MDB_txn *txn = raw_begin(fx, 0, &env);
	MDB_dbi dbi;
	MDB_val k = { .mv_size = 8, .mv_data = key };
	MDB_val v = { .mv_size = len, .mv_data = (void *)val };

	for (int i = 7; i >= 0; i--, seq >>= 8)
		key[i] = (unsigned char)(seq & 0xff);
	assert_int_equal(mdb_dbi_open(txn, "log", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	raw_end(fx, env, txn);
}

static void log_entries_carry_the_origin_and_old_ones_have_none(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b[] = {
		from(rec("07201", "hs_nhan", "2022", 10, 100, 1), "07201"),
		from(rec("07207", "hs_nhan", "2022", 20, 100, 2), NULL),
	};
	/* Format 2 (when accepted, no origin) and format 1 (neither). */
	static const unsigned char v2[] =
		"\0\0\0\0\0\0\0\x07" "\0\0\0\0\0\0\0\x05" "\x04"
		"\0\0\0\0\0\0\0\x09" "07207\0hs_nhan\0" "2021";
	static const unsigned char v1[] =
		"\0\0\0\0\0\0\0\x08" "\0\0\0\0\0\0\0\x06" "\x00"
		"07207\0hs_nhan\0" "2020";
	struct origins o;
	uint64_t applied;
	size_t changed;

	put(fx, "24", "hs_nhan", "2022", 1);
	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 2, b, 2, &applied, &changed),
			 0);
	o = log_origins(fx, 0);
	assert_int_equal(o.n, 3);
	assert_string_equal(o.origin[0], "24");	   /* entered here */
	assert_string_equal(o.origin[1], "07201"); /* forwarded */
	assert_string_equal(o.origin[2], "213");   /* the sender's */

	/* Entries an older build wrote decode, without an origin (here in
	 * the place of entries 2 and 3). */
	log_entry_raw(fx, 2, v2, sizeof(v2));
	log_entry_raw(fx, 3, v1, sizeof(v1));
	o = log_origins(fx, 1);
	assert_int_equal(o.n, 2);
	assert_string_equal(o.origin[0], "(null)");
	assert_int_equal(o.value[0], 5);
	assert_string_equal(o.origin[1], "(null)");
	assert_int_equal(o.value[1], 6);
}

/* What is sent again from the values (a snapshot for a parent that lost
 * its store, a restore page) carries the origin the trail recorded. */
static void values_sent_again_carry_their_recorded_origin(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b[] = {
		from(rec("07201", "hs_nhan", "2022", 10, 100, 1), "07201"),
	};
	struct origins o;
	uint64_t applied, appended = 0;
	size_t changed;
	bool more;

	put(fx, "24", "hs_nhan", "2022", 1);
	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 1, b, 1, &applied, &changed),
			 0);
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 2, 1, NULL, 0),
			 0);
	/* A new parent store from 0: the pruned entries are covered. */
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_B, 0, 2, NULL, 0),
			 0);
	assert_int_equal(dongbo_store_log_cover(fx->st, 0, 3, &appended), 0);
	assert_int_equal(appended, 2);
	o = log_origins(fx, 2);
	assert_int_equal(o.n, 2);
	assert_string_equal(o.origin[0], "07201");
	assert_string_equal(o.origin[1], "24");

	o.n = 0;
	assert_int_equal(dongbo_store_unit_values(fx->st, "07201", NULL, NULL,
						  false, 16, origins_cb, &o,
						  &more),
			 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.origin[0], "07201");
	/* The cover and the ack recorded no change. */
	assert_int_equal(audit_count(fx), 2);
}

/* Rewrites the closed store as a build of format `format` left it: without
 * the databases added since (audit in 3, approval states in 4), with the
 * roll-up entry key (len bytes) = sum, count that format kept and this
 * one does not; then opens it again. */
static void store_as_format(struct fx *fx, unsigned char format,
			    const char *key, size_t len, unsigned char sum,
			    unsigned char count)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val fk = { .mv_size = 6, .mv_data = "format" };
	MDB_val fv = { .mv_size = 1, .mv_data = &format };
	MDB_val rk = { .mv_size = len, .mv_data = (void *)key };
	/* i64 sum, i64 count, big-endian */
	unsigned char agg[16] = { [7] = sum, [15] = count };
	MDB_val rv = { .mv_size = sizeof(agg), .mv_data = agg };

	txn = raw_begin(fx, 0, &env);
	if (format < 3) {
		assert_int_equal(mdb_dbi_open(txn, "audit", 0, &dbi), 0);
		assert_int_equal(mdb_drop(txn, dbi, 1), 0); /* gone */
	}
	if (format < 4) {
		assert_int_equal(mdb_dbi_open(txn, "approval", 0, &dbi), 0);
		assert_int_equal(mdb_drop(txn, dbi, 1), 0);
		assert_int_equal(mdb_dbi_open(txn, "apseq", 0, &dbi), 0);
		assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	}
	assert_int_equal(mdb_dbi_open(txn, "rollup", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &rk, &rv, 0), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &fk, &fv, 0), 0);
	raw_end(fx, env, txn);
}

/* The format byte of the store (closed and opened again around it). */
static unsigned stored_format(struct fx *fx)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { .mv_size = 6, .mv_data = "format" }, v;
	unsigned format;

	txn = raw_begin(fx, MDB_RDONLY, &env);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_int_equal(v.mv_size, 1);
	format = *(unsigned char *)v.mv_data;
	raw_end(fx, env, txn);
	return format;
}

/* A store of format 2 (no audit database, no approval databases) opens,
 * is marked with the current format and starts with an empty history and
 * no approval states; its log entries decode as before, and its roll-ups
 * are rebuilt without the totals format 5 no longer keeps. */
static void an_older_store_opens_with_an_empty_history(void **state)
{
	struct fx *fx = *state;
	static const char total_key[] = "24\0hs_nhan\0" "2022\0A";
	struct rollup_seen rs;

	put(fx, "07201", "hs_nhan", "2022", 10);
	/* sum 10, count 1: the total an older format kept */
	store_as_format(fx, 2, total_key, sizeof(total_key) - 1, 10, 1);
	/* Rebuilt at open: the old total is gone, the sum of levels read. */
	verify_ok(fx);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2022", &rs), 0);
	assert_int_equal(rs.total.sum, 10);
	assert_int_equal(rs.total.count, 1);

	assert_int_equal(audit_count(fx), 0);
	value_is(fx, "07201", "hs_nhan", "2022", 10, 1);
	put(fx, "07201", "hs_nhan", "2022", 11);
	assert_int_equal(audit_of(fx, "07201").n, 1);
	{
		struct dongbo_approval a;

		assert_int_equal(dongbo_store_approval_get(fx->st, "07201",
							   "F", "2022", &a),
				 DONGBO_E_NOTFOUND);
		memset(&a, 0, sizeof(a));
		strcpy(a.unit, "07201");
		strcpy(a.form, "F");
		strcpy(a.period, "2022");
		strcpy(a.node, "24");
		a.state = DONGBO_APPROVAL_SUBMITTED;
		assert_int_equal(dongbo_store_approval_put_local(fx->st, &a, 0,
								 5),
				 0);
		assert_int_equal(log_origins(fx, 0).n, 3);
	}

	assert_int_equal(stored_format(fx), 7);
	verify_ok(fx);
}

/* Two values of district 213's communes in a store made to look as format
 * `format` left it, with the roll-up entry key (len bytes) it kept wrong on
 * purpose (sum 99, count 1); reopened, it must verify and be of this
 * format. */
static void two_values_in_format(struct fx *fx, unsigned char format,
				 const char *key, size_t len)
{
	put(fx, "07201", "hs_nhan", "2022", 10);
	put(fx, "07207", "hs_nhan", "2022", 5);
	store_as_format(fx, format, key, len, 99, 1);
	verify_ok(fx);
	assert_int_equal(stored_format(fx), 7);
}

/* District 213's roll-up of those two values, by level and by commune. */
static void district_parts_are_its_communes(struct fx *fx)
{
	struct rollup_seen rs;

	assert_int_equal(rollup(fx, "213", "hs_nhan", "2022", &rs), 0);
	assert_int_equal(rs.total.sum, 15);
	assert_int_equal(rs.n, 3);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 15, 2);
	part_is(&rs, 1, DONGBO_PART_CHILD, "07201", 10, 1);
	part_is(&rs, 2, DONGBO_PART_CHILD, "07207", 5, 1);
}

/* Format 5 kept an entry per child under each roll-up ('S' + code); a
 * later build rebuilds the roll-ups of such a store when it opens, and
 * reads a child's part from the child's own entries. */
static void a_format_5_store_loses_its_child_entries(void **state)
{
	struct fx *fx = *state;
	static const char child_key[] = "24\0hs_nhan\0" "2022\0S213";
	struct rollup_seen rs;

	two_values_in_format(fx, 5, child_key, sizeof(child_key) - 1);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2022", &rs), 0);
	assert_int_equal(rs.total.sum, 15);
	assert_int_equal(rs.n, 2);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 15, 2);
	part_is(&rs, 1, DONGBO_PART_CHILD, "213", 15, 2);
	district_parts_are_its_communes(fx);
}

/* Format 6 kept a roll-up entry of each unit without children, at its own
 * level; a format 7 build rebuilds the roll-ups of such a store without
 * them, and reads such a unit's roll-up from its values. */
static void a_format_6_store_loses_its_leaf_entries(void **state)
{
	struct fx *fx = *state;
	static const char leaf_key[] = "07201\0hs_nhan\0" "2022\0Lxa";
	struct rollup_seen rs;

	two_values_in_format(fx, 6, leaf_key, sizeof(leaf_key) - 1);
	assert_int_equal(rollup(fx, "07201", "hs_nhan", "2022", &rs), 0);
	assert_int_equal(rs.total.sum, 10);
	assert_int_equal(rs.total.count, 1);
	assert_int_equal(rs.n, 1);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 10, 1);
	district_parts_are_its_communes(fx);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(local_changes_are_recorded_once_each_newest_first),
		T(child_records_are_recorded_when_they_win_only),
		T(restore_records_the_parent),
		T(listings_take_a_prefix_a_kind_and_pages),
		T(log_entries_carry_the_origin_and_old_ones_have_none),
		T(values_sent_again_carry_their_recorded_origin),
		T(an_older_store_opens_with_an_empty_history),
		T(a_format_5_store_loses_its_child_entries),
		T(a_format_6_store_loses_its_leaf_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
