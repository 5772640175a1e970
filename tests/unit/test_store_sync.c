/*
 * test_store_sync.c -- the store's side of replication under faults:
 * pruning the log, covering a parent that lost its store, refused records
 * and restoring a child's store.
 */
#include "store_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Log entries as read, copied out. */
struct log_list {
	size_t n;
	struct {
		uint64_t seq, version;
		int64_t value, at_ms;
		bool deleted, stated;
		char key[64];
	} e[16];
};

static int log_list_cb(void *arg, const struct dongbo_record *r)
{
	struct log_list *l = arg;

	if (l->n == 16)
		return DONGBO_E_INVAL;
	l->e[l->n].seq = r->seq;
	l->e[l->n].version = r->version;
	l->e[l->n].value = r->value;
	l->e[l->n].at_ms = r->at_ms;
	l->e[l->n].deleted = r->deleted;
	l->e[l->n].stated = r->stated;
	snprintf(l->e[l->n].key, sizeof(l->e[l->n].key), "%s/%s/%s",
		 r->unit, r->indicator, r->period);
	l->n++;
	return 0;
}

static struct log_list log_after(struct fx *fx, uint64_t after)
{
	struct log_list l = { .n = 0 };

	assert_int_equal(dongbo_store_log_read(fx->st, after, 16, log_list_cb,
					       &l, NULL),
			 0);
	return l;
}

static struct dongbo_uplink_state uplink(struct fx *fx)
{
	struct dongbo_uplink_state st;

	assert_int_equal(dongbo_store_uplink_state(fx->st, &st), 0);
	return st;
}

/* One local put at time now_us; returns its version. */
static uint64_t put_at(struct fx *fx, const char *unit, const char *ind,
		       const char *period, int64_t value, int64_t now_us)
{
	struct dongbo_record r = rec(unit, ind, period, value, 0, 0);
	uint64_t v;

	assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, now_us, &v), 0);
	return v;
}

static void ack_prunes_what_the_parent_holds(void **state)
{
	struct fx *fx = *state;
	struct dongbo_uplink_state st;
	struct log_list l;

	put_at(fx, "07201", "hs_nhan", "2022Q1", 1, 5000000);
	put_at(fx, "07201", "hs_nhan", "2022Q2", 2, 6000000);
	put_at(fx, "07207", "hs_nhan", "2022Q1", 3, 7000000);
	st = uplink(fx);
	assert_int_equal(st.head_seq, 3);
	assert_int_equal(st.log_first, 1);
	assert_int_equal(st.waiting, 3);
	assert_int_equal(st.oldest_ms, 5000);

	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 2, 9000, NULL,
						 0),
			 0);
	st = uplink(fx);
	assert_int_equal(st.acked_seq, 2);
	assert_int_equal(st.log_first, 3);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(st.oldest_ms, 7000);
	l = log_after(fx, 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.e[0].seq, 3);
	assert_int_equal(l.e[0].at_ms, 7000);

	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 3, 9500, NULL,
						 0),
			 0);
	st = uplink(fx);
	assert_int_equal(st.log_first, 4);
	assert_int_equal(st.waiting, 0);
	assert_int_equal(st.oldest_ms, 0);
	assert_int_equal(log_after(fx, 0).n, 0);
	/* The values and roll-ups are not the log's: untouched. */
	total_is(fx, "24", "hs_nhan", "2022Q1", 4, 2);
	verify_ok(fx);
	/* New entries continue the sequence. */
	put_at(fx, "07201", "hs_nhan", "2022Q3", 4, 8000000);
	l = log_after(fx, 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.e[0].seq, 4);
}

static void cover_appends_current_state_once(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record t = tomb("07207", "hs_nhan", "2022Q1", 0, 0);
	uint64_t v1, v2, n = 99;
	struct log_list l;

	v1 = put_at(fx, "07201", "hs_nhan", "2022Q1", 10, 5000000);
	put_at(fx, "07201", "hs_nhan", "2022Q1", 11, 5100000); /* correction */
	v2 = put_at(fx, "07207", "hs_nhan", "2022Q1", 20, 5200000);
	assert_int_equal(dongbo_store_put_local(fx->st, &t, 1, 5300000, NULL),
			 0);
	put_as(fx, "07201", "hs_nhan", "2022", 500, true);
	assert_int_equal(head(fx), 5);

	/* Nothing pruned yet: the log alone covers a fresh parent. */
	assert_int_equal(dongbo_store_log_cover(fx->st, 0, 1, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 5, 1, NULL, 0),
			 0);
	/* The same parent needs nothing more. */
	assert_int_equal(dongbo_store_log_cover(fx->st, 5, 1, &n), 0);
	assert_int_equal(n, 0);
	/* A parent that lost its store (cursor 0): our current state, each
	 * key once at its version -- the correction, not the first value;
	 * the tombstone too. */
	assert_int_equal(dongbo_store_log_cover(fx->st, 0, 7777, &n), 0);
	assert_int_equal(n, 3);
	l = log_after(fx, 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.e[0].seq, 6);
	assert_string_equal(l.e[0].key, "07201/hs_nhan/2022");
	assert_true(l.e[0].stated);
	assert_string_equal(l.e[1].key, "07201/hs_nhan/2022Q1");
	assert_int_equal(l.e[1].value, 11);
	assert_true(l.e[1].version > v1);
	assert_int_equal(l.e[1].at_ms, 7777);
	assert_string_equal(l.e[2].key, "07207/hs_nhan/2022Q1");
	assert_true(l.e[2].deleted);
	assert_true(l.e[2].version > v2);
	/* Asked again before that parent acknowledged: still covered. */
	assert_int_equal(dongbo_store_log_cover(fx->st, 0, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(head(fx), 8);
	/* Once that snapshot is pruned too, another loss needs another. */
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_A, 8, 1, NULL, 0),
			 0);
	assert_int_equal(dongbo_store_log_cover(fx->st, 0, 1, &n), 0);
	assert_int_equal(n, 3);
	verify_ok(fx);
}

/* Rejections as listed, copied out. */
struct rej_list {
	size_t n;
	struct {
		char child[16], key[64], reason[64];
		uint64_t version;
		int code;
	} e[8];
};

static int rej_list_cb(void *arg, const struct dongbo_rejection *r)
{
	struct rej_list *l = arg;

	if (l->n == 8)
		return DONGBO_E_INVAL;
	snprintf(l->e[l->n].child, sizeof(l->e[l->n].child), "%s",
		 r->child != NULL ? r->child : "");
	snprintf(l->e[l->n].key, sizeof(l->e[l->n].key), "%s/%s/%s%s",
		 r->rec.unit, r->rec.indicator, r->rec.period,
		 r->rec.stated ? "/s" : "");
	snprintf(l->e[l->n].reason, sizeof(l->e[l->n].reason), "%s",
		 r->reason);
	l->e[l->n].version = r->rec.version;
	l->e[l->n].code = r->code;
	l->n++;
	return 0;
}

static struct rej_list rejected(struct fx *fx)
{
	struct rej_list l = { .n = 0 };

	assert_int_equal(dongbo_store_rejected(fx->st, rej_list_cb, &l), 0);
	return l;
}

static void refused_by_parent_is_kept_until_written_again(void **state)
{
	struct fx *fx = *state;
	struct dongbo_rejection rj;
	struct rej_list l;
	uint64_t v1, v2;

	v1 = put_at(fx, "07201", "hs_nhan", "2022Q1", 10, 5000000);
	put_at(fx, "07207", "hs_nhan", "2022Q1", 20, 5100000);
	rj = (struct dongbo_rejection){
		.rec = rec("07201", "hs_nhan", "2022Q1", 10, v1, 1),
		.code = DONGBO_E_UNKNOWN_INDICATOR,
		.reason = "unknown indicator 'hs_nhan'",
	};
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 2, 42, &rj, 1),
			 0);
	l = rejected(fx);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.e[0].child, "");
	assert_string_equal(l.e[0].key, "07201/hs_nhan/2022Q1");
	assert_string_equal(l.e[0].reason, "unknown indicator 'hs_nhan'");
	assert_int_equal(l.e[0].code, DONGBO_E_UNKNOWN_INDICATOR);
	assert_int_equal(l.e[0].version, v1);

	/* Fixed by a correction: the refusal is history. */
	v2 = put_at(fx, "07201", "hs_nhan", "2022Q1", 11, 6000000);
	assert_int_equal(rejected(fx).n, 0);
	/* A refusal of the older version arriving late is not kept. */
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 2, 43, &rj, 1),
			 0);
	assert_int_equal(rejected(fx).n, 0);
	(void)v2;
}

static void retry_sends_the_current_value_again(void **state)
{
	struct fx *fx = *state;
	struct dongbo_rejection rj[2];
	struct log_list l;
	uint64_t v1, v2;
	size_t n = 0;

	v1 = put_at(fx, "07201", "hs_nhan", "2022Q1", 10, 5000000);
	v2 = put_at(fx, "07300", "hs_nhan", "2022Q1", 30, 5100000);
	rj[0] = (struct dongbo_rejection){
		.rec = rec("07201", "hs_nhan", "2022Q1", 10, v1, 1),
		.code = DONGBO_E_BAD_VALUE, .reason = "too big",
	};
	rj[1] = (struct dongbo_rejection){
		.rec = rec("07300", "hs_nhan", "2022Q1", 30, v2, 2),
		.code = DONGBO_E_BAD_VALUE, .reason = "too big",
	};
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 2, 1, rj, 2), 0);
	assert_int_equal(log_after(fx, 0).n, 0);
	assert_int_equal(rejected(fx).n, 2);

	assert_int_equal(dongbo_store_rejected_retry(fx->st, "nope", 1, &n),
			 DONGBO_E_UNKNOWN_UNIT);
	/* Only the subtree asked for. */
	assert_int_equal(dongbo_store_rejected_retry(fx->st, "213", 5, &n), 0);
	assert_int_equal(n, 1);
	l = log_after(fx, 2);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.e[0].key, "07201/hs_nhan/2022Q1");
	assert_int_equal(l.e[0].version, v1);
	assert_int_equal(l.e[0].value, 10);
	assert_int_equal(l.e[0].at_ms, 5);
	assert_int_equal(rejected(fx).n, 1);
	assert_int_equal(dongbo_store_rejected_retry(fx->st, NULL, 5, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rejected(fx).n, 0);
	assert_int_equal(head(fx), 4);
	verify_ok(fx);
}

static void refused_from_child_is_kept_until_taken(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record ok = rec("07201", "hs_nhan", "2022Q1", 5, 100, 1);
	struct dongbo_rejection rj = {
		.rec = rec("07207", "hs_nhan", "2022Q1", -1, 100, 2),
		.code = DONGBO_E_BAD_VALUE,
		.reason = "-1 is below the minimum 0",
	};
	struct dongbo_record fixed = rec("07207", "hs_nhan", "2022Q1", 1, 200, 3);
	uint64_t applied;
	size_t changed;
	struct rej_list l;

	hello(fx, "213", ID_A);
	assert_int_equal(dongbo_store_apply_child(fx->st, "213", ID_A, 1, 2,
						  &ok, 1, &rj, 1, 10, &applied,
						  &changed),
			 0);
	assert_int_equal(applied, 2);
	l = rejected(fx);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.e[0].child, "213");
	assert_string_equal(l.e[0].key, "07207/hs_nhan/2022Q1");
	/* A replay of the batch changes nothing. */
	assert_int_equal(dongbo_store_apply_child(fx->st, "213", ID_A, 1, 2,
						  &ok, 1, &rj, 1, 11, &applied,
						  &changed),
			 0);
	assert_int_equal(rejected(fx).n, 1);
	/* The same child saying hello again keeps it... */
	hello(fx, "213", ID_A);
	assert_int_equal(rejected(fx).n, 1);
	/* The child corrected it: taken, and the refusal goes. */
	assert_int_equal(apply(fx, "213", ID_A, 3, 3, &fixed, 1, &applied,
			       &changed),
			 0);
	assert_int_equal(rejected(fx).n, 0);
	total_is(fx, "24", "hs_nhan", "2022Q1", 6, 2);
	/* A rejection outside the batch's range is a caller's bug. */
	rj.rec.seq = 9;
	assert_int_equal(dongbo_store_apply_child(fx->st, "213", ID_A, 4, 4,
						  NULL, 0, &rj, 1, 12, &applied,
						  &changed),
			 DONGBO_E_INVAL);
	/* A refused record too malformed to keep under its key (an absurd
	 * period, an empty indicator) does not hold up the batch. */
	{
		struct dongbo_rejection bad[2] = {
			{ .rec = rec("07207", "hs_nhan", "99999999999999", 1,
				     300, 4),
			  .code = DONGBO_E_BAD_PERIOD, .reason = "bad period" },
			{ .rec = rec("07207", "", "2022", 1, 300, 5),
			  .code = DONGBO_E_UNKNOWN_INDICATOR,
			  .reason = "unknown indicator ''" },
		};

		assert_int_equal(dongbo_store_apply_child(fx->st, "213", ID_A,
							  4, 5, NULL, 0, bad,
							  2, 13, &applied,
							  &changed),
				 0);
		assert_int_equal(applied, 5);
	}
	/* ...but a child with a new store (it lost the old one) holds none
	 * of what was refused: those refusals go with it. */
	rj.rec.seq = 6;
	assert_int_equal(dongbo_store_apply_child(fx->st, "213", ID_A, 6, 6,
						  NULL, 0, &rj, 1, 12, &applied,
						  &changed),
			 0);
	assert_int_equal(rejected(fx).n, 1);
	hello(fx, "213", ID_B);
	assert_int_equal(rejected(fx).n, 0);
	verify_ok(fx);
}

static void restore_merges_by_version_and_moves_the_clock(void **state)
{
	struct fx *fx = *state;
	const uint64_t far = 4000000000000000ull; /* a clock far ahead */
	struct dongbo_record page[3] = {
		rec("07201", "hs_nhan", "2022Q1", 7, far, 0),
		rec("07201", "hs_nhan", "2022Q2", 8, 100, 0),
		tomb("07201", "hs_nhan", "2022Q3", 101, 0),
	};
	char progress[64];
	size_t changed = 0;
	uint64_t v;

	assert_int_equal(dongbo_store_restore_state(fx->st, progress,
						    sizeof(progress)),
			 DONGBO_E_NOTFOUND);
	put_at(fx, "07201", "hs_nhan", "2022Q2", 80, 5000000); /* newer */
	assert_int_equal(dongbo_store_restore_request(fx->st), 0);
	assert_int_equal(dongbo_store_restore_state(fx->st, progress,
						    sizeof(progress)),
			 0);
	assert_string_equal(progress, "");
	assert_int_equal(dongbo_store_restore_apply(fx->st, page, 3, "24",
						    "07201\tx", 9, &changed),
			 0);
	assert_int_equal(changed, 2); /* Q2 here is newer than the parent's */
	assert_int_equal(dongbo_store_restore_state(fx->st, progress,
						    sizeof(progress)),
			 0);
	assert_string_equal(progress, "07201\tx");
	value_is(fx, "07201", "hs_nhan", "2022Q1", 7, far);
	value_is(fx, "07201", "hs_nhan", "2022Q2", 80, 5000000);
	total_is(fx, "24", "hs_nhan", "2022Q1", 7, 1);
	total_is(fx, "213", "hs_nhan", "2022Q2", 80, 1);
	/* Restored values travel up again (harmless: same versions). */
	assert_int_equal(head(fx), 3);
	/* Writes here win over anything the parent has seen. */
	v = put_at(fx, "07201", "hs_nhan", "2022Q1", 70, 6000000);
	assert_true(v > far);
	value_is(fx, "07201", "hs_nhan", "2022Q1", 70, v);
	assert_int_equal(dongbo_store_restore_apply(fx->st, NULL, 0, NULL,
						    NULL, 9, NULL),
			 0);
	assert_int_equal(dongbo_store_restore_state(fx->st, progress,
						    sizeof(progress)),
			 DONGBO_E_NOTFOUND);
	verify_ok(fx);
}

static void a_new_store_may_start_with_a_restore_pending(void **state)
{
	struct fx *fx = *state;
	struct dongbo_store_options o = {
		.path = fx->path, .units = fx->units, .catalog = fx->cat,
		.home = dongbo_units_find(fx->units, "213"),
		.restore_if_new = true,
	};
	char progress[16];

	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(dongbo_store_open(&o, &fx->st), 0);
	assert_true(dongbo_store_is_new(fx->st));
	assert_int_equal(dongbo_store_restore_state(fx->st, progress,
						    sizeof(progress)),
			 0);
	assert_string_equal(progress, "");
	/* Reopened before it was done: still pending. */
	dongbo_store_close(fx->st);
	assert_int_equal(dongbo_store_open(&o, &fx->st), 0);
	assert_false(dongbo_store_is_new(fx->st));
	assert_int_equal(dongbo_store_restore_state(fx->st, progress,
						    sizeof(progress)),
			 0);
}

/* The top node keeps no outbox; given a parent later, it sends its state
 * through a snapshot. */
static void a_top_node_keeps_no_outbox(void **state)
{
	struct fx *fx = *state;
	struct dongbo_store_options o = {
		.path = fx->path, .units = fx->units, .catalog = fx->cat,
		.home = dongbo_units_find(fx->units, "24"),
		.no_outbox = true,
	};
	struct dongbo_uplink_state st;
	uint64_t n = 0;

	put(fx, "07201", "hs_nhan", "2022Q1", 1); /* logged: no option yet */
	assert_int_equal(log_after(fx, 0).n, 1);
	dongbo_store_close(fx->st);
	assert_int_equal(dongbo_store_open(&o, &fx->st), 0);
	assert_int_equal(log_after(fx, 0).n, 0); /* dropped at open */
	put(fx, "07207", "hs_nhan", "2022Q1", 2);
	put(fx, "07201", "hs_nhan", "2022Q1", 3);
	st = uplink(fx);
	assert_int_equal(st.head_seq, 3);
	assert_int_equal(st.log_first, 4);
	assert_int_equal(log_after(fx, 0).n, 0);
	total_is(fx, "24", "hs_nhan", "2022Q1", 5, 2);
	verify_ok(fx);
	/* Given a parent: its cursor 0 needs everything, from the values. */
	o.no_outbox = false;
	dongbo_store_close(fx->st);
	assert_int_equal(dongbo_store_open(&o, &fx->st), 0);
	assert_int_equal(dongbo_store_log_cover(fx->st, 0, 1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(log_after(fx, 0).n, 2);
	verify_ok(fx);
}

struct page {
	size_t n;
	char last_ind[32], last_per[16];
	bool last_stated;
	char keys[8][48];
};

static int page_cb(void *arg, const struct dongbo_record *r)
{
	struct page *p = arg;

	if (p->n == 8 || strcmp(r->unit, "07201") != 0)
		return DONGBO_E_INVAL;
	snprintf(p->keys[p->n], sizeof(p->keys[0]), "%s/%s%s%s", r->indicator,
		 r->period, r->stated ? "/s" : "", r->deleted ? "/x" : "");
	snprintf(p->last_ind, sizeof(p->last_ind), "%s", r->indicator);
	snprintf(p->last_per, sizeof(p->last_per), "%s", r->period);
	p->last_stated = r->stated;
	p->n++;
	return 0;
}

static void unit_values_come_in_pages(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record t = tomb("07201", "hs_nhan", "2022Q3", 0, 0);
	const char *want[] = { "hs_dung_han/2022Q1", "hs_nhan/2022",
			       "hs_nhan/2022/s", "hs_nhan/2022Q1",
			       "hs_nhan/2022Q3/x" };
	struct page p;
	size_t got = 0;
	bool more = true;

	put(fx, "07201", "hs_nhan", "2022Q1", 1);
	put(fx, "07201", "hs_nhan", "2022", 2);
	put_as(fx, "07201", "hs_nhan", "2022", 3, true);
	put(fx, "07201", "hs_dung_han", "2022Q1", 4);
	assert_int_equal(dongbo_store_put_local(fx->st, &t, 1, 1, NULL), 0);
	put(fx, "07207", "hs_nhan", "2022Q1", 5);
	memset(&p, 0, sizeof(p));
	assert_int_equal(dongbo_store_unit_values(fx->st, "07201", NULL, NULL,
						  false, 2, page_cb, &p, &more),
			 0);
	while (true) {
		for (size_t i = 0; i < p.n; i++)
			assert_string_equal(p.keys[i], want[got + i]);
		got += p.n;
		if (!more)
			break;
		assert_int_equal(p.n, 2);
		{
			struct page next = { .n = 0 };

			assert_int_equal(dongbo_store_unit_values(
						 fx->st, "07201", p.last_ind,
						 p.last_per, p.last_stated, 2,
						 page_cb, &next, &more),
					 0);
			p = next;
		}
	}
	assert_int_equal(got, 5);
}

static uint64_t commits(struct fx *fx)
{
	struct dongbo_store_info i;

	assert_int_equal(dongbo_store_info(fx->st, &i), 0);
	return i.commits;
}

/* Two children's batches, a child's next batch behind its first, and
 * batches refused before they write (a gap, no session, malformed): one
 * commit for all that is applied, each refusal its batch's own. */
static void a_group_of_batches_is_one_commit(void **state)
{
	struct fx *fx = *state;
	const struct dongbo_record a1[] = {
		rec("07201", inds[0], periods[0], 5, 100, 1),
		rec("07207", inds[0], periods[0], 7, 100, 2),
	};
	const struct dongbo_record a2[] = {
		rec("07201", inds[1], periods[0], 3, 100, 3),
	};
	const struct dongbo_record b1[] = {
		rec("07300", inds[0], periods[0], 11, 100, 1),
	};
	const struct dongbo_record late[] = {
		rec("07300", inds[0], periods[1], 13, 100, 9),
	};
	const struct dongbo_record bad[] = {
		rec("07300", inds[0], periods[1], 17, 100, 2),
		rec("07300", inds[1], periods[1], 19, 100, 2), /* seq twice */
	};
	const struct dongbo_child_batch cbs[] = {
		{ .child_unit = "213", .child_store_id = ID_A, .first_seq = 1,
		  .last_seq = 2, .recs = a1, .n = 2, .now_ms = 1000 },
		{ .child_unit = "215", .child_store_id = ID_B, .first_seq = 9,
		  .last_seq = 9, .recs = late, .n = 1, .now_ms = 1000 },
		{ .child_unit = "215", .child_store_id = ID_B, .first_seq = 1,
		  .last_seq = 1, .recs = b1, .n = 1, .now_ms = 1000 },
		{ .child_unit = "213", .child_store_id = ID_A, .first_seq = 3,
		  .last_seq = 3, .recs = a2, .n = 1, .now_ms = 1000 },
		{ .child_unit = "213", .child_store_id = ID_B, .first_seq = 4,
		  .last_seq = 4, .recs = a2, .n = 0, .now_ms = 1000 },
		{ .child_unit = "215", .child_store_id = ID_B, .first_seq = 2,
		  .last_seq = 2, .recs = bad, .n = 2, .now_ms = 1000 },
	};
	const struct dongbo_child_batch *ptrs[6];
	struct dongbo_batch_result res[6];
	uint64_t before;

	for (size_t i = 0; i < 6; i++)
		ptrs[i] = &cbs[i];
	hello(fx, "213", ID_A);
	hello(fx, "215", ID_B);
	before = commits(fx);
	dongbo_store_apply_batches(fx->st, ptrs, 6, res);
	assert_int_equal(commits(fx), before + 1);
	assert_int_equal(res[0].rv, 0);
	assert_int_equal(res[0].applied_seq, 2);
	assert_int_equal(res[0].n_changed, 2);
	assert_int_equal(res[1].rv, DONGBO_E_GAP);
	assert_int_equal(res[1].applied_seq, 0);
	assert_int_equal(res[2].rv, 0);
	assert_int_equal(res[2].applied_seq, 1);
	assert_int_equal(res[3].rv, 0);
	assert_int_equal(res[3].applied_seq, 3);
	assert_int_equal(res[3].n_changed, 1);
	assert_int_equal(res[4].rv, DONGBO_E_NEED_HELLO);
	assert_int_equal(res[5].rv, DONGBO_E_INVAL);
	value_is(fx, "07201", inds[0], periods[0], 5, 100);
	value_is(fx, "07201", inds[1], periods[0], 3, 100);
	value_is(fx, "07300", inds[0], periods[0], 11, 100);
	value_absent(fx, "07300", inds[0], periods[1]);
	assert_int_equal(head(fx), 4);
	verify_ok(fx);

	/* The same group again (a resend): nothing to write, no commit. */
	before = commits(fx);
	dongbo_store_apply_batches(fx->st, ptrs, 4, res);
	assert_int_equal(commits(fx), before);
	assert_int_equal(res[0].rv, 0);
	assert_int_equal(res[0].applied_seq, 3);
	assert_int_equal(res[0].n_changed, 0);
	assert_int_equal(res[2].applied_seq, 1);
	assert_int_equal(head(fx), 4);
}

/* A batch that fails after it began to write (a record outside the
 * child's subtree) is refused alone; the batches around it are stored,
 * each in a transaction of its own. */
static void a_batch_failing_midway_is_refused_alone(void **state)
{
	struct fx *fx = *state;
	const struct dongbo_record a1[] = {
		rec("07201", inds[0], periods[0], 5, 100, 1),
	};
	const struct dongbo_record stray[] = {
		rec("07300", inds[0], periods[0], 6, 100, 1),
		rec("07201", inds[0], periods[1], 8, 100, 2),
	};
	const struct dongbo_record b1[] = {
		rec("07300", inds[0], periods[0], 11, 100, 1),
	};
	const struct dongbo_child_batch cbs[] = {
		{ .child_unit = "213", .child_store_id = ID_A, .first_seq = 1,
		  .last_seq = 1, .recs = a1, .n = 1, .now_ms = 1000 },
		{ .child_unit = "215", .child_store_id = ID_B, .first_seq = 1,
		  .last_seq = 1, .recs = b1, .n = 1, .now_ms = 1000 },
		/* 213 again, with a value of 215's commune first */
		{ .child_unit = "213", .child_store_id = ID_A, .first_seq = 1,
		  .last_seq = 2, .recs = stray, .n = 2, .now_ms = 1000 },
	};
	const struct dongbo_child_batch *ptrs[] = { &cbs[0], &cbs[1], &cbs[2] };
	struct dongbo_batch_result res[3];
	uint64_t before;

	hello(fx, "213", ID_A);
	hello(fx, "215", ID_B);
	/* Nothing yet applied from 213: its second batch restarts at 1. */
	before = commits(fx);
	dongbo_store_apply_batches(fx->st, &ptrs[1], 2, res);
	assert_int_equal(res[0].rv, 0);
	assert_int_equal(res[1].rv, DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(commits(fx), before + 1);
	value_is(fx, "07300", inds[0], periods[0], 11, 100);
	value_absent(fx, "07201", inds[0], periods[1]);

	before = commits(fx);
	dongbo_store_apply_batches(fx->st, ptrs, 1, res);
	assert_int_equal(res[0].rv, 0);
	assert_int_equal(commits(fx), before + 1);
	value_is(fx, "07201", inds[0], periods[0], 5, 100);
	assert_int_equal(head(fx), 2);
	verify_ok(fx);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(ack_prunes_what_the_parent_holds),
		T(cover_appends_current_state_once),
		T(refused_by_parent_is_kept_until_written_again),
		T(retry_sends_the_current_value_again),
		T(refused_from_child_is_kept_until_taken),
		T(restore_merges_by_version_and_moves_the_clock),
		T(a_new_store_may_start_with_a_restore_pending),
		T(unit_values_come_in_pages),
		T(a_top_node_keeps_no_outbox),
		T(a_group_of_batches_is_one_commit),
		T(a_batch_failing_midway_is_refused_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
