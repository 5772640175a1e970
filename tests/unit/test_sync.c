/*
 * test_sync.c -- the parent's sync handler (daemon/sync.c) on a real node:
 * which refusals take the whole message and which a single record.
 *
 * The node is the fuzzers' (tests/fuzz/fuzz_node.h): Tỉnh Bắc Giang (24) on
 * the shipped unit list and catalog, a real store, no parent.  Requests
 * are packed as a child packs them and handed to dongbo_sync_handle as the
 * server does; replies are unpacked and read.  Each test speaks for its own
 * district (213, 215, ...) and opens its session with a fresh store id, so
 * that what one test stored does not reach another's checks.
 *
 * Whole refusals (a record no dongbod writes, a batch of the wrong shape, a
 * request outside a session) must answer an Error naming the cause and
 * leave the store as it was: no value, no cursor move, no rejection.  Per
 * record refusals (configuration skew: unknown unit or indicator, a unit
 * outside the child's subtree, a computed indicator, a bad value, a
 * version far ahead of our clock) must leave the rest of the batch
 * applied, the cursor moved, and each refusal kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "error.h"
#include "fuzz_node.h"
#include "node.h"
#include "store.h"

/* A record as a test writes it; version 0 means "a sane one". */
struct rec_spec {
	const char *unit;
	const char *indicator;
	const char *period;
	int64_t value;
	uint64_t version;
	bool deleted;
	bool stated;
};

/* A version of now, as the authoring node's clock would give it. */
static uint64_t version_now(void)
{
	return (uint64_t)dongbo_now_us();
}

/* A store id never used before in this process. */
static const char *fresh_id(char buf[DONGBO_STORE_ID_LEN + 1])
{
	static unsigned n;

	snprintf(buf, DONGBO_STORE_ID_LEN + 1, "5e1f%028x", ++n);
	return buf;
}

/* Hands req to the sync handler; returns its reply, unpacked. */
static Dongbo__SyncReply *call(const Dongbo__SyncRequest *req)
{
	Dongbo__SyncReply *rep = NULL;
	nng_msg *msg = NULL, *out;

	assert_int_equal(dongbo_proto_pack(&req->base, &msg), 0);
	out = dongbo_sync_handle(fuzz_node_get(), msg);
	nng_msg_free(msg);
	assert_non_null(out);
	assert_int_equal(dongbo_proto_unpack(&dongbo__sync_reply__descriptor,
					     out, (ProtobufCMessage **)&rep),
			 0);
	nng_msg_free(out);
	return rep;
}

/* Says Hello as unit with store id; the Welcome's cursor. */
static uint64_t hello(const char *unit, const char *id)
{
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	Dongbo__Hello h = DONGBO__HELLO__INIT;
	Dongbo__SyncReply *rep;
	uint64_t applied;

	h.protocol = DONGBO_PROTOCOL_VERSION;
	h.unit = (char *)unit;
	h.store_id = (char *)id;
	req.body_case = DONGBO__SYNC_REQUEST__BODY_HELLO;
	req.hello = &h;
	rep = call(&req);
	assert_int_equal(rep->body_case, DONGBO__SYNC_REPLY__BODY_WELCOME);
	applied = rep->welcome->applied_seq;
	dongbo_proto_free(&rep->base);
	return applied;
}

/* Pushes n records, as they are, in a batch first..last. */
static Dongbo__SyncReply *push_raw(const char *unit, const char *id,
				   uint64_t first, uint64_t last,
				   Dongbo__Record *recs, size_t n)
{
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	Dongbo__Push p = DONGBO__PUSH__INIT;
	Dongbo__Record **ptrs = calloc(n + 1, sizeof(*ptrs));
	Dongbo__SyncReply *rep;

	assert_non_null(ptrs);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &recs[i];
	p.unit = (char *)unit;
	p.store_id = (char *)id;
	p.first_seq = first;
	p.last_seq = last;
	p.head_seq = last;
	p.n_records = n;
	p.records = ptrs;
	req.body_case = DONGBO__SYNC_REQUEST__BODY_PUSH;
	req.push = &p;
	rep = call(&req);
	free(ptrs);
	return rep;
}

/* The record of spec as seq, with a version of now for version 0. */
static Dongbo__Record record_of(const struct rec_spec *spec, uint64_t seq)
{
	Dongbo__Record r = DONGBO__RECORD__INIT;

	r.unit = (char *)spec->unit;
	r.indicator = (char *)spec->indicator;
	r.period = (char *)spec->period;
	r.value = spec->value;
	r.version = spec->version != 0 ? spec->version : version_now();
	r.deleted = spec->deleted;
	r.stated = spec->stated;
	r.seq = seq;
	return r;
}

/* Pushes specs as seq first, first+1, ... in a batch first..last. */
static Dongbo__SyncReply *push(const char *unit, const char *id,
			       uint64_t first, uint64_t last,
			       const struct rec_spec *specs, size_t n)
{
	Dongbo__Record *recs = calloc(n + 1, sizeof(*recs));
	Dongbo__SyncReply *rep;

	assert_non_null(recs);
	for (size_t i = 0; i < n; i++)
		recs[i] = record_of(&specs[i], first + i);
	rep = push_raw(unit, id, first, last, recs, n);
	free(recs);
	return rep;
}

/* rep is an Error with this code whose message holds want; freed. */
static void expect_error(Dongbo__SyncReply *rep, int code, const char *want)
{
	assert_int_equal(rep->body_case, DONGBO__SYNC_REPLY__BODY_ERROR);
	if (rep->error->code != code || strstr(rep->error->message, want) == NULL)
		fail_msg("expected error %s naming \"%s\", got %s: %s",
			 dongbo_errname(code), want,
			 dongbo_errname(rep->error->code), rep->error->message);
	dongbo_proto_free(&rep->base);
}

static uint64_t cursor_of(const char *unit)
{
	struct dongbo_child_state c;
	int rv = dongbo_store_child_get(fuzz_node_get()->store, unit, &c);

	return rv == 0 ? c.applied_seq : 0;
}

struct rej_count {
	const char *child;
	size_t n;
};

static int rej_count_cb(void *arg, const struct dongbo_rejection *r)
{
	struct rej_count *rc = arg;

	rc->n += r->child != NULL && strcmp(r->child, rc->child) == 0;
	return 0;
}

/* Rejections kept here for records from child. */
static size_t rejected_from(const char *child)
{
	struct rej_count rc = { child, 0 };

	assert_int_equal(dongbo_store_rejected(fuzz_node_get()->store,
					       rej_count_cb, &rc),
			 0);
	return rc.n;
}

static uint64_t values_stored(void)
{
	struct dongbo_store_info info;

	assert_int_equal(dongbo_store_info(fuzz_node_get()->store, &info), 0);
	return info.values;
}

static bool has_value(const char *unit, const char *ind, const char *period)
{
	struct dongbo_value v;

	return dongbo_store_get(fuzz_node_get()->store, unit, ind, period,
				false, &v) == 0;
}

/* ---- whole refusals ---- */

struct form_case {
	struct rec_spec bad;
	int code;
	const char *named; /* the reason quotes it */
};

static const struct form_case form_cases[] = {
	{ { "213", "hs_tiep_nhan", "1899", 1 }, DONGBO_E_BAD_PERIOD, "'1899'" },
	{ { "213", "hs_tiep_nhan", "2101" }, DONGBO_E_BAD_PERIOD, "'2101'" },
	{ { "213", "hs_tiep_nhan", "2022M13" }, DONGBO_E_BAD_PERIOD,
	  "'2022M13'" },
	{ { "213", "hs_tiep_nhan", "2022m6" }, DONGBO_E_BAD_PERIOD,
	  "'2022m6'" },
	{ { "213", "hs_tiep_nhan", "" }, DONGBO_E_BAD_PERIOD, "period ''" },
	{ { "", "hs_tiep_nhan", "2022" }, DONGBO_E_PROTO, "'' is not a unit" },
	{ { "2130000000000000", "hs_tiep_nhan", "2022" }, DONGBO_E_PROTO,
	  "'2130000000000000' is not a unit" },
	{ { "21 3", "hs_tiep_nhan", "2022" }, DONGBO_E_PROTO,
	  "'21 3' is not a unit" },
	{ { "213", "", "2022" }, DONGBO_E_PROTO, "'' is not an indicator" },
	{ { "213", "HS_TIEP_NHAN", "2022" }, DONGBO_E_PROTO,
	  "'HS_TIEP_NHAN' is not an indicator" },
	{ { "213",
	    "a123456789012345678901234567890123456789012345678901234567890123",
	    "2022" },
	  DONGBO_E_PROTO, "is not an indicator" },
	{ { "213", "hs_tiep_nhan", "2022", 5, 0, true }, DONGBO_E_BAD_VALUE,
	  "deletion carrying the value 5" },
};

static void form_refusal_refuses_the_whole_batch(void **state)
{
	char id[DONGBO_STORE_ID_LEN + 1], period[8];

	(void)state;
	for (size_t i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]);
	     i++) {
		const struct form_case *fc = &form_cases[i];
		/* Good records around the bad one, of keys nobody wrote. */
		struct rec_spec batch[3] = {
			{ "213", "hs_tiep_nhan", period, 10 },
			fc->bad,
			{ "213", "hs_da_giai_quyet", period, 7 },
		};
		uint64_t values;
		char want[64];

		snprintf(period, sizeof(period), "%d", 2000 + (int)i);
		fresh_id(id);
		assert_int_equal(hello("213", id), 0);
		values = values_stored();
		expect_error(push("213", id, 1, 3, batch, 3), fc->code,
			     fc->named);
		/* The message names the record. */
		snprintf(want, sizeof(want), "record seq 2: ");
		expect_error(push("213", id, 1, 3, batch, 3), fc->code, want);
		assert_int_equal(values_stored(), values);
		assert_false(has_value("213", "hs_tiep_nhan", period));
		assert_int_equal(cursor_of("213"), 0);
		assert_int_equal(rejected_from("213"), 0);

		/* The child's later honest batch goes through. */
		batch[1] = (struct rec_spec){ "213", "hs_nhan_truc_tiep",
					      period, 3 };
		{
			Dongbo__SyncReply *rep = push("213", id, 1, 3, batch, 3);

			assert_int_equal(rep->body_case,
					 DONGBO__SYNC_REPLY__BODY_ACK);
			assert_int_equal(rep->ack->applied_seq, 3);
			assert_int_equal(rep->ack->n_rejected, 0);
			dongbo_proto_free(&rep->base);
		}
		assert_true(has_value("213", "hs_tiep_nhan", period));
		assert_true(has_value("213", "hs_nhan_truc_tiep", period));
		assert_int_equal(values_stored(), values + 3);
	}
}

static void version_zero_refuses_the_whole_batch(void **state)
{
	const struct rec_spec good = { "213", "hs_tiep_nhan", "1999", 10 };
	const struct rec_spec bad = { "213", "hs_tiep_nhan", "1998", 10 };
	char id[DONGBO_STORE_ID_LEN + 1];
	Dongbo__Record r[2];
	uint64_t values;

	(void)state;
	fresh_id(id);
	assert_int_equal(hello("213", id), 0);
	values = values_stored();
	r[0] = record_of(&good, 1);
	r[1] = record_of(&bad, 2);
	r[1].version = 0;
	expect_error(push_raw("213", id, 1, 2, r, 2), DONGBO_E_BAD_VALUE,
		     "record seq 2: version 0");
	assert_int_equal(values_stored(), values);
	assert_false(has_value("213", "hs_tiep_nhan", "1999"));
	assert_int_equal(cursor_of("213"), 0);
}

static void batch_of_the_wrong_shape_is_refused_whole(void **state)
{
	struct rec_spec one = { "215", "hs_tiep_nhan", "2022", 1 };
	char id[DONGBO_STORE_ID_LEN + 1];
	struct rec_spec *many;
	size_t n_many = DONGBO_PUSH_RECORDS_MAX + 1;

	(void)state;
	fresh_id(id);
	assert_int_equal(hello("215", id), 0);
	expect_error(push("215", id, 0, 1, &one, 1), DONGBO_E_PROTO,
		     "bad batch range 0..1");
	expect_error(push("215", id, 3, 1, &one, 1), DONGBO_E_PROTO,
		     "bad batch range 3..1");
	{
		Dongbo__SyncReply *rep = push("215", id, 5, 5, &one, 1);

		/* A batch beyond the cursor: GAP, resume from 0. */
		expect_error(rep, DONGBO_E_GAP, "gap");
	}
	many = calloc(n_many, sizeof(*many));
	assert_non_null(many);
	for (size_t i = 0; i < n_many; i++)
		many[i] = one;
	expect_error(push("215", id, 1, n_many, many, n_many),
		     DONGBO_E_TOOBIG, "100001 records in one push");
	free(many);
	assert_int_equal(cursor_of("215"), 0);
	assert_false(has_value("215", "hs_tiep_nhan", "2022"));
}

static void records_out_of_order_are_refused_whole(void **state)
{
	const struct rec_spec specs[2] = {
		{ "215", "hs_tiep_nhan", "2024", 1 },
		{ "215", "hs_tiep_nhan", "2025", 1 },
	};
	const uint64_t seqs[][2] = { { 2, 1 }, { 1, 1 }, { 1, 9 } };
	char id[DONGBO_STORE_ID_LEN + 1];
	Dongbo__Record r[2];

	(void)state;
	fresh_id(id);
	assert_int_equal(hello("215", id), 0);
	for (size_t k = 0; k < 3; k++) {
		r[0] = record_of(&specs[0], seqs[k][0]);
		r[1] = record_of(&specs[1], seqs[k][1]);
		expect_error(push_raw("215", id, 1, 2, r, 2), DONGBO_E_PROTO,
			     "out of order or outside 1..2");
	}
	assert_int_equal(cursor_of("215"), 0);
	assert_false(has_value("215", "hs_tiep_nhan", "2024"));
}

static void push_outside_a_session_changes_nothing(void **state)
{
	struct rec_spec one = { "216", "hs_tiep_nhan", "2022", 1 };
	char id[DONGBO_STORE_ID_LEN + 1], other[DONGBO_STORE_ID_LEN + 1];

	(void)state;
	fresh_id(id);
	expect_error(push("216", id, 1, 1, &one, 1), DONGBO_E_NEED_HELLO,
		     "hello first");
	/* Not even in what status says of the child. */
	assert_null(dongbo_node_child_find(fuzz_node_get(), "216"));
	assert_int_equal(cursor_of("216"), 0);
	/* A session opened by another store id is not this one's. */
	assert_int_equal(hello("216", fresh_id(other)), 0);
	expect_error(push("216", id, 1, 1, &one, 1), DONGBO_E_NEED_HELLO,
		     "hello first");
	assert_false(has_value("216", "hs_tiep_nhan", "2022"));
}

static Dongbo__SyncReply *restore(const char *unit, const char *id,
				  const char *what, const char *after_ind,
				  const char *after_period)
{
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	Dongbo__RestoreRequest q = DONGBO__RESTORE_REQUEST__INIT;

	q.unit = (char *)unit;
	q.store_id = (char *)id;
	q.restore_unit = (char *)what;
	q.after_indicator = (char *)after_ind;
	q.after_period = (char *)after_period;
	req.body_case = DONGBO__SYNC_REQUEST__BODY_RESTORE;
	req.restore = &q;
	return call(&req);
}

static void restore_needs_the_session_of_its_hello(void **state)
{
	struct rec_spec one = { "217", "hs_tiep_nhan", "2022", 4 };
	char id[DONGBO_STORE_ID_LEN + 1], other[DONGBO_STORE_ID_LEN + 1];
	Dongbo__SyncReply *rep;

	(void)state;
	fresh_id(id);
	fresh_id(other);
	expect_error(restore("217", id, "217", "", ""), DONGBO_E_NEED_HELLO,
		     "hello first");
	assert_int_equal(hello("217", id), 0);
	rep = push("217", id, 1, 1, &one, 1);
	assert_int_equal(rep->body_case, DONGBO__SYNC_REPLY__BODY_ACK);
	dongbo_proto_free(&rep->base);
	/* Someone naming 217 with another store id gets nothing. */
	expect_error(restore("217", other, "217", "", ""),
		     DONGBO_E_NEED_HELLO, "hello first");
	expect_error(restore("217", id, "07201", "", ""),
		     DONGBO_E_OUTSIDE_SUBTREE, "'07201' is not within 217");
	expect_error(restore("217", id, "99999", "", ""),
		     DONGBO_E_UNKNOWN_UNIT, "'99999' is not within 217");
	expect_error(restore("217", id, "217", "HS", "2022"), DONGBO_E_PROTO,
		     "malformed key 'HS' '2022'");
	expect_error(restore("217", id, "217", "hs_tiep_nhan", "2022m6"),
		     DONGBO_E_PROTO, "malformed key");
	rep = restore("217", id, "217", "", "");
	assert_int_equal(rep->body_case, DONGBO__SYNC_REPLY__BODY_RESTORE);
	assert_int_equal(rep->restore->n_records, 1);
	assert_int_equal(rep->restore->records[0]->value, 4);
	dongbo_proto_free(&rep->base);
}

/* ---- per-record refusals ---- */

static void skew_refusal_keeps_the_rest_of_the_batch(void **state)
{
	const uint64_t day_us = 24ull * 3600 * 1000000;
	struct rec_spec batch[] = {
		{ "218", "hs_tiep_nhan", "2022", -5 },
		{ "218", "hs_tiep_nhan", "2022Q1", 11 },
		{ "218", "hs_khong_co", "2022", 1 },
		{ "218", "hs_tiep_nhan", "2022Q2", 12, version_now() + 7 * day_us },
		{ "99999", "hs_tiep_nhan", "2022", 1 },
		{ "07201", "hs_tiep_nhan", "2022", 1 },
		{ "218", "ty_le_giai_quyet_dung_han", "2022", 1 },
		{ "218", "tthc_tong", "2022", 9, 0, false, true },
		{ "218", "ks_hinh_thuc", "2022", 7 },
		{ "24", "hs_tiep_nhan", "2022", 1 },
		{ "218", "hs_tiep_nhan", "2022Q3", 13 },
	};
	static const struct {
		size_t at;
		int code;
		const char *named;
	} want[] = {
		{ 0, DONGBO_E_BAD_VALUE, "-5" },
		{ 2, DONGBO_E_UNKNOWN_INDICATOR, "'hs_khong_co'" },
		{ 3, DONGBO_E_BAD_VALUE, "ahead of this node's clock" },
		{ 4, DONGBO_E_UNKNOWN_UNIT, "'99999'" },
		{ 5, DONGBO_E_OUTSIDE_SUBTREE, "07201 is outside the subtree "
					       "of 218" },
		{ 6, DONGBO_E_BAD_VALUE, "is computed" },
		{ 7, DONGBO_E_BAD_VALUE, "stated total of tthc_tong" },
		{ 8, DONGBO_E_BAD_VALUE, "7" },
		{ 9, DONGBO_E_OUTSIDE_SUBTREE, "24 is outside the subtree" },
	};
	size_t n = sizeof(batch) / sizeof(batch[0]);
	size_t n_want = sizeof(want) / sizeof(want[0]);
	char id[DONGBO_STORE_ID_LEN + 1];
	Dongbo__SyncReply *rep;

	(void)state;
	fresh_id(id);
	assert_int_equal(hello("218", id), 0);
	rep = push("218", id, 1, n, batch, n);
	assert_int_equal(rep->body_case, DONGBO__SYNC_REPLY__BODY_ACK);
	assert_int_equal(rep->ack->applied_seq, n);
	assert_int_equal(rep->ack->n_rejected, n_want);
	for (size_t i = 0; i < n_want; i++) {
		const Dongbo__Rejection *x = rep->ack->rejected[i];

		assert_int_equal(x->seq, 1 + want[i].at);
		if (x->code != want[i].code ||
		    strstr(x->reason, want[i].named) == NULL)
			fail_msg("record %zu: expected %s naming \"%s\", got "
				 "%s: %s", want[i].at,
				 dongbo_errname(want[i].code), want[i].named,
				 dongbo_errname(x->code), x->reason);
	}
	dongbo_proto_free(&rep->base);
	/* The good records around them were stored. */
	assert_true(has_value("218", "hs_tiep_nhan", "2022Q1"));
	assert_true(has_value("218", "hs_tiep_nhan", "2022Q3"));
	assert_false(has_value("218", "hs_tiep_nhan", "2022Q2"));
	assert_false(has_value("218", "hs_tiep_nhan", "2022"));
	assert_int_equal(cursor_of("218"), n);
	assert_int_equal(rejected_from("218"), n_want);

	/* The same batch again (a resend) changes nothing. */
	rep = push("218", id, 1, n, batch, n);
	assert_int_equal(rep->body_case, DONGBO__SYNC_REPLY__BODY_ACK);
	assert_int_equal(rep->ack->applied_seq, n);
	dongbo_proto_free(&rep->base);
	assert_int_equal(rejected_from("218"), n_want);
}

static void version_ahead_within_a_day_is_taken(void **state)
{
	const uint64_t hour_us = 3600ull * 1000000;
	struct rec_spec batch[] = {
		{ "219", "hs_tiep_nhan", "2022", 1, version_now() + 23 * hour_us },
		{ "219", "hs_tiep_nhan", "2023", 1, version_now() + 25 * hour_us },
		{ "219", "hs_tiep_nhan", "2024", 1, UINT64_MAX },
	};
	char id[DONGBO_STORE_ID_LEN + 1];
	Dongbo__SyncReply *rep;

	(void)state;
	fresh_id(id);
	assert_int_equal(hello("219", id), 0);
	rep = push("219", id, 1, 3, batch, 3);
	assert_int_equal(rep->body_case, DONGBO__SYNC_REPLY__BODY_ACK);
	assert_int_equal(rep->ack->n_rejected, 2);
	assert_int_equal(rep->ack->rejected[0]->seq, 2);
	assert_non_null(strstr(rep->ack->rejected[0]->reason,
			       "s (1.0 days) ahead"));
	assert_non_null(strstr(rep->ack->rejected[0]->reason,
			       "correct that clock"));
	assert_int_equal(rep->ack->rejected[1]->seq, 3);
	dongbo_proto_free(&rep->base);
	assert_true(has_value("219", "hs_tiep_nhan", "2022"));
	assert_false(has_value("219", "hs_tiep_nhan", "2023"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(form_refusal_refuses_the_whole_batch),
		cmocka_unit_test(version_zero_refuses_the_whole_batch),
		cmocka_unit_test(batch_of_the_wrong_shape_is_refused_whole),
		cmocka_unit_test(records_out_of_order_are_refused_whole),
		cmocka_unit_test(push_outside_a_session_changes_nothing),
		cmocka_unit_test(restore_needs_the_session_of_its_hello),
		cmocka_unit_test(skew_refusal_keeps_the_rest_of_the_batch),
		cmocka_unit_test(version_ahead_within_a_day_is_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
