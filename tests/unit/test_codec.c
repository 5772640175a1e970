/*
 * test_codec.c -- packing and unpacking wire messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "error.h"

static nng_msg *pack_push(size_t n_records)
{
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	Dongbo__Push push = DONGBO__PUSH__INIT;
	Dongbo__Record *recs = calloc(n_records, sizeof(*recs));
	Dongbo__Record **ptrs = calloc(n_records, sizeof(*ptrs));
	nng_msg *msg = NULL;

	for (size_t i = 0; i < n_records; i++) {
		dongbo__record__init(&recs[i]);
		recs[i].unit = "07201";
		recs[i].indicator = "hs_nhan_truc_tuyen";
		recs[i].period = "2022Q3";
		recs[i].value = (int64_t)i * 1000;
		recs[i].version = 1700000000000000ull + i;
		recs[i].seq = i + 1;
		ptrs[i] = &recs[i];
	}
	push.unit = "213";
	push.store_id = "0123456789abcdef0123456789abcdef";
	push.first_seq = 1;
	push.last_seq = n_records;
	push.n_records = n_records;
	push.records = ptrs;
	req.body_case = DONGBO__SYNC_REQUEST__BODY_PUSH;
	req.push = &push;
	assert_int_equal(dongbo_proto_pack(&req.base, &msg), 0);
	free(recs);
	free(ptrs);
	return msg;
}

static void push_round_trips_every_field(void **state)
{
	nng_msg *msg = pack_push(3);
	Dongbo__SyncRequest *req = NULL;

	(void)state;
	assert_int_equal(dongbo_proto_unpack(&dongbo__sync_request__descriptor,
					     msg, (ProtobufCMessage **)&req), 0);
	assert_int_equal(req->body_case, DONGBO__SYNC_REQUEST__BODY_PUSH);
	assert_string_equal(req->push->unit, "213");
	assert_int_equal(req->push->n_records, 3);
	assert_string_equal(req->push->records[2]->period, "2022Q3");
	assert_int_equal(req->push->records[2]->value, 2000);
	assert_int_equal(req->push->records[2]->seq, 3);
	assert_int_equal(req->push->records[1]->version, 1700000000000001ull);
	dongbo_proto_free(&req->base);
	nng_msg_free(msg);
}

static void garbage_is_refused_as_proto(void **state)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12 };
	ProtobufCMessage *m = (ProtobufCMessage *)0x1; /* untouched on error */
	nng_msg *msg;

	(void)state;
	assert_int_equal(nng_msg_alloc(&msg, 0), 0);
	assert_int_equal(nng_msg_append(msg, junk, sizeof(junk)), 0);
	assert_int_equal(dongbo_proto_unpack(&dongbo__sync_request__descriptor,
					     msg, &m), DONGBO_E_PROTO);
	assert_ptr_equal(m, (ProtobufCMessage *)0x1);
	nng_msg_free(msg);
}

static void every_truncation_is_refused_or_decodes_cleanly(void **state)
{
	nng_msg *full = pack_push(5);
	size_t len = nng_msg_len(full);

	(void)state;
	/* A prefix either fails cleanly or decodes (protobuf allows some
	 * prefixes); it must never crash or leak -- ASan watches. */
	for (size_t cut = 0; cut < len; cut++) {
		ProtobufCMessage *m = NULL;
		nng_msg *part;
		int rv;

		assert_int_equal(nng_msg_alloc(&part, 0), 0);
		assert_int_equal(nng_msg_append(part, nng_msg_body(full), cut), 0);
		rv = dongbo_proto_unpack(&dongbo__sync_request__descriptor, part, &m);
		assert_true(rv == 0 || rv == DONGBO_E_PROTO);
		if (rv == 0)
			dongbo_proto_free(m);
		nng_msg_free(part);
	}
	nng_msg_free(full);
}

static void oversized_message_is_refused_as_toobig(void **state)
{
	nng_msg *msg;
	ProtobufCMessage *m = NULL;

	(void)state;
	assert_int_equal(nng_msg_alloc(&msg, DONGBO_MSG_MAX + 1), 0);
	memset(nng_msg_body(msg), 0, DONGBO_MSG_MAX + 1);
	assert_int_equal(dongbo_proto_unpack(&dongbo__sync_request__descriptor,
					     msg, &m), DONGBO_E_TOOBIG);
	nng_msg_free(msg);
}

static void nng_errors_translate_to_dongbo_codes(void **state)
{
	(void)state;
	assert_int_equal(dongbo_proto_nng_err(0), 0);
	assert_int_equal(dongbo_proto_nng_err(NNG_ETIMEDOUT), DONGBO_E_TIMEOUT);
	assert_int_equal(dongbo_proto_nng_err(NNG_ECONNREFUSED),
			 DONGBO_E_CONNREFUSED);
	assert_int_equal(dongbo_proto_nng_err(NNG_EADDRINUSE), DONGBO_E_BUSY);
	assert_int_equal(dongbo_proto_nng_err(NNG_ENOMEM), DONGBO_E_NOMEM);
	assert_string_equal(dongbo_strerror(DONGBO_E_GAP),
			    "log gap: records missing before this batch");
	assert_string_equal(dongbo_strerror(-9999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(push_round_trips_every_field),
		cmocka_unit_test(garbage_is_refused_as_proto),
		cmocka_unit_test(every_truncation_is_refused_or_decodes_cleanly),
		cmocka_unit_test(oversized_message_is_refused_as_toobig),
		cmocka_unit_test(nng_errors_translate_to_dongbo_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
