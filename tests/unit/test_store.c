/*
 * test_store.c -- the store against its contract (store/store.h):
 * sessions, versions, cursors, roll-ups by level and child, damage.
 *
 * Nothing here reaches below the public API except the tamper helper
 * that damages records on purpose: state is compared through get /
 * rollup / log_read / children / uplink_state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "period.h"
#include "store_fixture.h"

/* ---- Idempotence and versions ---- */

static void applying_same_batch_twice_leaves_same_state(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 20, 101, 2),
		rec("213", "hs_dung_han", "2024", 7, 102, 3),
	};
	uint64_t applied = 0;
	size_t changed = 99;
	char *before, *after;

	assert_int_equal(hello(fx, "213", ID_A), 0);
	assert_int_equal(apply(fx, "213", ID_A, 1, 3, b, 3, &applied, &changed), 0);
	assert_int_equal(applied, 3);
	assert_int_equal(changed, 3);
	assert_int_equal(head(fx), 3);
	before = state_string(fx);

	/* The same request again, as nng REQ/REP may resend it. */
	assert_int_equal(apply(fx, "213", ID_A, 1, 3, b, 3, &applied, &changed), 0);
	assert_int_equal(applied, 3);
	assert_int_equal(changed, 0);
	after = state_string(fx);
	assert_string_equal(before, after);
	free(after);

	/* And once more after the session is forgotten across a reopen. */
	fx_reopen(fx, "24", 0);
	assert_int_equal(apply(fx, "213", ID_A, 1, 3, b, 3, &applied, &changed), 0);
	assert_int_equal(changed, 0);
	after = state_string(fx);
	assert_string_equal(before, after);
	free(after);
	free(before);
	verify_ok(fx);
}

static void resent_records_under_new_identity_change_no_value(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 20, 101, 2),
	};
	uint64_t applied;
	size_t changed;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 2, b, 2, &applied, &changed), 0);
	assert_int_equal(head(fx), 2);

	/* The child restored its values and re-sends them from seq 1: same
	 * versions, so the values and roll-ups stay, and nothing is logged. */
	assert_int_equal(hello(fx, "213", ID_B), 0);
	assert_int_equal(apply(fx, "213", ID_B, 1, 2, b, 2, &applied, &changed), 0);
	assert_int_equal(applied, 2);
	assert_int_equal(changed, 0);
	assert_int_equal(head(fx), 2);
	total_is(fx, "24", "hs_nhan", "2024Q1", 30, 2);
	verify_ok(fx);
}

static void higher_version_replaces_lower_and_rollup_moves_by_difference(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 5, 100, 2),
	};
	struct dongbo_record b2[] = { rec("07201", "hs_nhan", "2024Q1", 15, 200, 3) };
	struct rollup_seen rs;
	uint64_t applied;
	size_t changed;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 2, b1, 2, &applied, &changed), 0);
	total_is(fx, "213", "hs_nhan", "2024Q1", 15, 2);
	assert_int_equal(apply(fx, "213", ID_A, 3, 3, b2, 1, &applied, &changed), 0);
	assert_int_equal(changed, 1);
	value_is(fx, "07201", "hs_nhan", "2024Q1", 15, 200);
	total_is(fx, "07201", "hs_nhan", "2024Q1", 15, 1);
	total_is(fx, "213", "hs_nhan", "2024Q1", 20, 2);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2024Q1", &rs), 0);
	assert_int_equal(rs.total.sum, 20);
	assert_int_equal(rs.total.count, 2);
	assert_int_equal(rs.n, 2);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 20, 2);
	part_is(&rs, 1, DONGBO_PART_CHILD, "213", 20, 2);
	/* The correction is relayed upward: it is in this node's log. */
	assert_int_equal(head(fx), 3);
	verify_ok(fx);
}

static void older_version_is_ignored(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = { rec("07201", "hs_nhan", "2024Q1", 15, 200, 1) };
	struct dongbo_record b2[] = { rec("07201", "hs_nhan", "2024Q1", 7, 150, 2) };
	uint64_t applied;
	size_t changed = 99;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 1, b1, 1, &applied, &changed), 0);
	assert_int_equal(apply(fx, "213", ID_A, 2, 2, b2, 1, &applied, &changed), 0);
	/* The cursor moves past it; the value does not change. */
	assert_int_equal(applied, 2);
	assert_int_equal(changed, 0);
	value_is(fx, "07201", "hs_nhan", "2024Q1", 15, 200);
	total_is(fx, "24", "hs_nhan", "2024Q1", 15, 1);
	assert_int_equal(head(fx), 1);
	verify_ok(fx);
}

static void equal_version_is_noop(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = { rec("07201", "hs_nhan", "2024Q1", 15, 200, 1) };
	/* Same version with another value: by contract the same record, so
	 * the first one stays. */
	struct dongbo_record b2[] = { rec("07201", "hs_nhan", "2024Q1", 99, 200, 2) };
	uint64_t applied;
	size_t changed = 99;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 1, b1, 1, &applied, &changed), 0);
	assert_int_equal(apply(fx, "213", ID_A, 2, 2, b2, 1, &applied, &changed), 0);
	assert_int_equal(changed, 0);
	value_is(fx, "07201", "hs_nhan", "2024Q1", 15, 200);
	total_is(fx, "213", "hs_nhan", "2024Q1", 15, 1);
	assert_int_equal(head(fx), 1);
	verify_ok(fx);
}

static void tombstone_removes_contribution(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 5, 100, 2),
	};
	struct dongbo_record b2[] = { tomb("07201", "hs_nhan", "2024Q1", 110, 3) };
	struct dongbo_record b3[] = { tomb("07207", "hs_nhan", "2024Q1", 120, 4) };
	struct dongbo_record b4[] = { rec("07201", "hs_nhan", "2024Q1", 3, 130, 5) };
	struct dongbo_value v;
	struct rollup_seen rs;
	uint64_t applied;
	size_t changed;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 2, b1, 2, &applied, &changed), 0);
	assert_int_equal(apply(fx, "213", ID_A, 3, 3, b2, 1, &applied, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(dongbo_store_get(fx->st, "07201", "hs_nhan", "2024Q1", false, &v), 0);
	assert_true(v.deleted);
	assert_int_equal(v.value, 0);
	assert_int_equal(v.version, 110);
	/* The commune's own roll-up is gone with its only value. */
	assert_int_equal(rollup(fx, "07201", "hs_nhan", "2024Q1", &rs),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(rollup(fx, "213", "hs_nhan", "2024Q1", &rs), 0);
	assert_int_equal(rs.total.sum, 5);
	assert_int_equal(rs.total.count, 1);
	assert_int_equal(rs.n, 2);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 5, 1);
	part_is(&rs, 1, DONGBO_PART_CHILD, "07207", 5, 1);
	verify_ok(fx);

	/* The last value gone: no roll-up anywhere up the chain. */
	assert_int_equal(apply(fx, "213", ID_A, 4, 4, b3, 1, &applied, &changed), 0);
	assert_int_equal(rollup(fx, "213", "hs_nhan", "2024Q1", &rs),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2024Q1", &rs),
			 DONGBO_E_NOTFOUND);
	verify_ok(fx);

	/* A later value revives the key. */
	assert_int_equal(apply(fx, "213", ID_A, 5, 5, b4, 1, &applied, &changed), 0);
	value_is(fx, "07201", "hs_nhan", "2024Q1", 3, 130);
	total_is(fx, "24", "hs_nhan", "2024Q1", 3, 1);
	assert_int_equal(head(fx), 5);
	verify_ok(fx);
}

static void tombstone_for_absent_value_is_kept_and_logged(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record t = tomb("07300", "hs_nhan", "2024", 0, 0);
	struct dongbo_record late[] = { rec("07300", "hs_nhan", "2024", 8, 5, 1) };
	struct dongbo_value v;
	struct rollup_seen rs;
	uint64_t ver, applied;
	size_t changed;

	assert_int_equal(dongbo_store_put_local(fx->st, &t, 1, 1000, &ver), 0);
	assert_int_equal(dongbo_store_get(fx->st, "07300", "hs_nhan", "2024", false, &v), 0);
	assert_true(v.deleted);
	assert_int_equal(head(fx), 1);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2024", &rs),
			 DONGBO_E_NOTFOUND);
	/* An older value arriving late does not undo the retraction. */
	hello(fx, "215", ID_A);
	assert_int_equal(apply(fx, "215", ID_A, 1, 1, late, 1, &applied, &changed), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2024", &rs),
			 DONGBO_E_NOTFOUND);
	verify_ok(fx);
}

/* ---- Durability and identity ---- */

static int children_collect_cb(void *arg, const struct dongbo_child_state *c)
{
	struct dongbo_child_state *out = arg;
	size_t i = 0;

	while (out[i].unit[0] != '\0')
		i++;
	assert_true(i < 3);
	out[i] = *c;
	return 0;
}

static void cursors_survive_close_and_reopen(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 20, 101, 3),
	};
	struct dongbo_record mine = rec("24", "hs_nhan", "2024Q1", 1, 0, 0);
	struct dongbo_child_state kids[4];
	struct dongbo_uplink_state up;
	char id[DONGBO_STORE_ID_LEN + 1];
	uint64_t applied, ver1, ver2;
	size_t changed;

	assert_true(dongbo_store_is_new(fx->st));
	strcpy(id, dongbo_store_id(fx->st));
	hello(fx, "213", ID_A);
	hello(fx, "215", ID_B);
	assert_int_equal(dongbo_store_apply_child(fx->st, "213", ID_A, 1, 4, b, 2,
						  NULL, 0, 777, &applied,
						  &changed),
			 0);
	assert_int_equal(dongbo_store_put_local(fx->st, &mine, 1, 5000000, &ver1), 0);
	assert_int_equal(ver1, 5000000);
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 2, 888, NULL, 0), 0);

	fx_reopen(fx, "24", 0);

	assert_false(dongbo_store_is_new(fx->st));
	assert_string_equal(dongbo_store_id(fx->st), id);
	memset(kids, 0, sizeof(kids));
	assert_int_equal(dongbo_store_children(fx->st, children_collect_cb, kids), 0);
	assert_string_equal(kids[0].unit, "213");
	assert_string_equal(kids[0].store_id, ID_A);
	assert_int_equal(kids[0].applied_seq, 4);
	assert_int_equal(kids[0].received, 2);
	assert_int_equal(kids[0].last_seen_ms, 777);
	assert_string_equal(kids[1].unit, "215");
	assert_string_equal(kids[1].store_id, ID_B);
	assert_int_equal(kids[1].applied_seq, 0);
	assert_int_equal(kids[1].received, 0);
	assert_int_equal(kids[1].last_seen_ms, 0);
	assert_string_equal(kids[2].unit, "");
	assert_int_equal(hello(fx, "213", ID_A), 4);

	assert_int_equal(dongbo_store_uplink_state(fx->st, &up), 0);
	assert_string_equal(up.parent_store_id, ID_P);
	assert_int_equal(up.acked_seq, 2);
	assert_int_equal(up.last_ack_ms, 888);
	assert_int_equal(up.head_seq, 3);

	/* The version clock persisted: an earlier wall clock cannot reuse
	 * a version. */
	assert_int_equal(dongbo_store_put_local(fx->st, &mine, 1, 10, &ver2), 0);
	assert_int_equal(ver2, 5000001);
	assert_int_equal(head(fx), 4);
	value_is(fx, "07207", "hs_nhan", "2024Q1", 20, 101);
	verify_ok(fx);
}

static void uplink_ack_may_go_down(void **state)
{
	struct fx *fx = *state;
	struct dongbo_uplink_state up;

	assert_int_equal(dongbo_store_uplink_state(fx->st, &up), 0);
	assert_string_equal(up.parent_store_id, "");
	assert_int_equal(up.acked_seq, 0);
	assert_int_equal(up.last_ack_ms, 0);
	assert_int_equal(up.head_seq, 0);
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 9, 100, NULL, 0), 0);
	/* A parent that lost its store restarts at 0 under a new identity. */
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_A, 0, 200, NULL, 0), 0);
	assert_int_equal(dongbo_store_uplink_state(fx->st, &up), 0);
	assert_string_equal(up.parent_store_id, ID_A);
	assert_int_equal(up.acked_seq, 0);
	assert_int_equal(up.last_ack_ms, 200);
	assert_int_equal(dongbo_store_uplink_ack(fx->st, "not-an-id", 1, 1, NULL, 0),
			 DONGBO_E_INVAL);
}

static int log_count_cb(void *arg, const struct dongbo_record *r)
{
	(void)r;
	++*(int *)arg;
	return 0;
}

static bool still_no(void *arg)
{
	++*(int *)arg;
	return false;
}

static bool still_yes(void *arg)
{
	++*(int *)arg;
	return true;
}

static int log_left(struct fx *fx)
{
	int n = 0;

	assert_int_equal(dongbo_store_log_read(fx->st, 0, 100,
					       log_count_cb, &n, NULL),
			 0);
	return n;
}

/* A step forward written later (by the writer) never undoes what was
 * written meanwhile: a cursor moved back, or to another parent store. */
static void uplink_advance_only_forward(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[] = {
		rec("07201", "hs_nhan", "2024", 1, 0, 0),
		rec("07201", "hs_nhan", "2023", 2, 0, 0),
		rec("07201", "hs_nhan", "2022", 3, 0, 0),
		rec("07201", "hs_nhan", "2021", 4, 0, 0),
	};
	struct dongbo_uplink_state up;
	bool moved = true;
	int asked = 0;

	assert_int_equal(dongbo_store_put_local(fx->st, r, 4, 1, NULL), 0);
	assert_int_equal(log_left(fx), 4);
	/* No parent store acknowledged yet: nothing to step from. */
	assert_int_equal(dongbo_store_uplink_advance(fx->st, ID_P, 1, 10, NULL,
						     NULL, &moved),
			 0);
	assert_false(moved);
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 1, 20, NULL, 0),
			 0);
	assert_int_equal(log_left(fx), 3);

	/* Forward: written, and the log pruned. */
	assert_int_equal(dongbo_store_uplink_advance(fx->st, ID_P, 3, 30,
						     still_yes, &asked,
						     &moved),
			 0);
	assert_true(moved);
	assert_int_equal(asked, 1);
	assert_int_equal(dongbo_store_uplink_state(fx->st, &up), 0);
	assert_int_equal(up.acked_seq, 3);
	assert_int_equal(up.last_ack_ms, 30);
	assert_int_equal(log_left(fx), 1);

	/* Not forward, another parent store, or no longer wanted: nothing
	 * written. */
	assert_int_equal(dongbo_store_uplink_advance(fx->st, ID_P, 2, 40, NULL,
						     NULL, &moved),
			 0);
	assert_false(moved);
	assert_int_equal(dongbo_store_uplink_advance(fx->st, ID_A, 4, 40, NULL,
						     NULL, &moved),
			 0);
	assert_false(moved);
	assert_int_equal(dongbo_store_uplink_advance(fx->st, ID_P, 4, 40,
						     still_no, &asked, &moved),
			 0);
	assert_false(moved);
	assert_int_equal(asked, 2);
	assert_int_equal(dongbo_store_uplink_state(fx->st, &up), 0);
	assert_string_equal(up.parent_store_id, ID_P);
	assert_int_equal(up.acked_seq, 3);
	assert_int_equal(up.last_ack_ms, 30);
	assert_int_equal(log_left(fx), 1);

	/* The parent went back: a later step forward from before stays
	 * undone. */
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_A, 0, 50, NULL, 0),
			 0);
	assert_int_equal(dongbo_store_uplink_advance(fx->st, ID_P, 4, 60, NULL,
						     NULL, &moved),
			 0);
	assert_false(moved);
	assert_int_equal(dongbo_store_uplink_state(fx->st, &up), 0);
	assert_string_equal(up.parent_store_id, ID_A);
	assert_int_equal(up.acked_seq, 0);
	assert_int_equal(dongbo_store_uplink_advance(fx->st, "not-an-id", 4, 1,
						     NULL, NULL, NULL),
			 DONGBO_E_INVAL);
	verify_ok(fx);
}

static bool is_hex_id(const char *s)
{
	if (strlen(s) != DONGBO_STORE_ID_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void new_store_id_after_wipe(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r = rec("07201", "hs_nhan", "2024", 1, 0, 0);
	char id[DONGBO_STORE_ID_LEN + 1];
	struct stat sb;

	assert_true(dongbo_store_is_new(fx->st));
	assert_true(is_hex_id(dongbo_store_id(fx->st)));
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	strcpy(id, dongbo_store_id(fx->st));
	assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, 1, NULL), 0);

	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_with(fx, "24", 0), 0);

	assert_true(dongbo_store_is_new(fx->st));
	assert_true(is_hex_id(dongbo_store_id(fx->st)));
	assert_string_not_equal(dongbo_store_id(fx->st), id);
	assert_int_equal(head(fx), 0);
	value_absent(fx, "07201", "hs_nhan", "2024");
}

static void reopen_under_another_home_is_refused(void **state)
{
	struct fx *fx = *state;

	dongbo_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(fx_open_with(fx, "213", 0), DONGBO_E_INVAL);
	assert_null(fx->st);
	assert_int_equal(fx_open_with(fx, "24", 0), 0);
	assert_false(dongbo_store_is_new(fx->st));
}

static void open_refuses_home_outside_unit_list(void **state)
{
	struct fx *fx = *state;
	struct dongbo_units *other = units_from(units_tsv);
	struct dongbo_store *st = NULL;
	struct dongbo_store_options o = {
		.path = fx->path,
		.units = fx->units,
		.home = dongbo_units_find(other, "24"),
	};

	assert_int_equal(dongbo_store_open(&o, &st), DONGBO_E_INVAL);
	assert_null(st);
	dongbo_units_free(other);
}

/* ---- Child sessions ---- */

static void child_hello_with_new_store_id_resets_cursor(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b[] = { rec("07201", "hs_nhan", "2024Q1", 10, 100, 2) };
	struct dongbo_child_state kids[4];
	uint64_t applied = 0, seq = 0;
	size_t changed;

	/* Unknown child: hello first. */
	assert_int_equal(apply(fx, "213", ID_A, 1, 5, b, 1, &applied, &changed),
			 DONGBO_E_NEED_HELLO);
	assert_int_equal(hello(fx, "213", ID_A), 0);
	assert_int_equal(apply(fx, "213", ID_A, 1, 5, b, 1, &applied, &changed), 0);
	assert_int_equal(applied, 5);
	assert_int_equal(hello(fx, "213", ID_A), 5);

	assert_int_equal(hello(fx, "213", ID_B), 0);
	memset(kids, 0, sizeof(kids));
	assert_int_equal(dongbo_store_children(fx->st, children_collect_cb, kids), 0);
	assert_string_equal(kids[0].store_id, ID_B);
	assert_int_equal(kids[0].applied_seq, 0);
	assert_int_equal(kids[0].received, 0);

	/* The old identity's session is over. */
	applied = 77;
	assert_int_equal(apply(fx, "213", ID_A, 6, 6, NULL, 0, &applied, &changed),
			 DONGBO_E_NEED_HELLO);
	assert_int_equal(applied, 77);
	assert_int_equal(apply(fx, "213", ID_B, 1, 1, NULL, 0, &applied, &changed), 0);
	assert_int_equal(applied, 1);

	/* Hello validates who is speaking. */
	assert_int_equal(dongbo_store_child_hello(fx->st, "99999", ID_A, 1, &seq),
			 DONGBO_E_UNKNOWN_UNIT);
	assert_int_equal(dongbo_store_child_hello(fx->st, "251", ID_A, 1, &seq),
			 DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(dongbo_store_child_hello(fx->st, "24", ID_A, 1, &seq),
			 DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(dongbo_store_child_hello(fx->st, "215", "ABC", 1, &seq),
			 DONGBO_E_INVAL);
	verify_ok(fx);
}

static void gap_is_refused_with_cursor(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = { rec("07201", "hs_nhan", "2024Q1", 10, 100, 3) };
	struct dongbo_record b2[] = { rec("07207", "hs_nhan", "2024Q1", 10, 100, 5) };
	uint64_t applied = 0;
	size_t changed;
	char *before, *after;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 3, b1, 1, &applied, &changed), 0);
	before = state_string(fx);
	applied = 0;
	assert_int_equal(apply(fx, "213", ID_A, 5, 7, b2, 1, &applied, &changed),
			 DONGBO_E_GAP);
	assert_int_equal(applied, 3);
	after = state_string(fx);
	assert_string_equal(before, after);
	free(before);
	free(after);
	value_absent(fx, "07207", "hs_nhan", "2024Q1");
	/* Resuming right after the cursor works. */
	assert_int_equal(apply(fx, "213", ID_A, 4, 7, b2, 1, &applied, &changed), 0);
	assert_int_equal(applied, 7);
	verify_ok(fx);
}

static void replayed_batch_below_cursor_changes_nothing(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 20, 100, 5),
	};
	/* Different content at old seqs: it must not even be looked at --
	 * an unknown unit here would fail if it were. */
	struct dongbo_record old[] = {
		rec("07201", "hs_nhan", "2024Q1", 999, 900, 2),
		rec("nope", "hs_nhan", "2024Q1", 1, 900, 4),
	};
	uint64_t applied;
	size_t changed = 99;
	char *before, *after;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 5, b1, 2, &applied, &changed), 0);
	before = state_string(fx);
	assert_int_equal(apply(fx, "213", ID_A, 2, 4, old, 2, &applied, &changed), 0);
	assert_int_equal(applied, 5);
	assert_int_equal(changed, 0);
	assert_int_equal(apply(fx, "213", ID_A, 5, 5, NULL, 0, &applied, &changed), 0);
	after = state_string(fx);
	/* Also last_seen and received: nothing was written. */
	assert_string_equal(before, after);
	free(before);
	free(after);
	verify_ok(fx);
}

static void partial_overlap_batch_applies_only_new_records(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 20, 100, 3),
	};
	/* seq 2 and 3 would win by version, but they are at or below the
	 * cursor; seq 6 was refused by the caller and is left out. */
	struct dongbo_record b2[] = {
		rec("07201", "hs_nhan", "2024Q1", 555, 500, 2),
		rec("07207", "hs_nhan", "2024Q1", 666, 600, 3),
		rec("07201", "hs_dung_han", "2024Q1", 4, 100, 4),
		rec("07207", "hs_dung_han", "2024Q1", 6, 100, 5),
	};
	struct dongbo_child_state kids[4];
	uint64_t applied;
	size_t changed;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 3, b1, 2, &applied, &changed), 0);
	assert_int_equal(apply(fx, "213", ID_A, 2, 6, b2, 4, &applied, &changed), 0);
	assert_int_equal(applied, 6);
	assert_int_equal(changed, 2);
	value_is(fx, "07201", "hs_nhan", "2024Q1", 10, 100);
	value_is(fx, "07207", "hs_nhan", "2024Q1", 20, 100);
	value_is(fx, "07201", "hs_dung_han", "2024Q1", 4, 100);
	value_is(fx, "07207", "hs_dung_han", "2024Q1", 6, 100);
	total_is(fx, "213", "hs_dung_han", "2024Q1", 10, 2);
	memset(kids, 0, sizeof(kids));
	assert_int_equal(dongbo_store_children(fx->st, children_collect_cb, kids), 0);
	assert_int_equal(kids[0].applied_seq, 6);
	assert_int_equal(kids[0].received, 4);
	assert_int_equal(head(fx), 4);
	verify_ok(fx);
}

static void malformed_batch_is_invalid(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record unsorted[] = {
		rec("07201", "hs_nhan", "2024Q1", 1, 100, 3),
		rec("07207", "hs_nhan", "2024Q1", 1, 100, 2),
	};
	struct dongbo_record outside_range[] = {
		rec("07201", "hs_nhan", "2024Q1", 1, 100, 9),
	};
	struct dongbo_record no_version[] = {
		rec("07201", "hs_nhan", "2024Q1", 1, 0, 1),
	};
	struct dongbo_record bad_field[] = {
		rec("07201", "", "2024Q1", 1, 1, 1),
	};
	uint64_t applied = 42;
	size_t changed;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 3, unsorted, 2, &applied, &changed),
			 DONGBO_E_INVAL);
	assert_int_equal(apply(fx, "213", ID_A, 1, 3, outside_range, 1, &applied,
			       &changed),
			 DONGBO_E_INVAL);
	assert_int_equal(apply(fx, "213", ID_A, 1, 1, no_version, 1, &applied,
			       &changed),
			 DONGBO_E_INVAL);
	assert_int_equal(apply(fx, "213", ID_A, 3, 1, NULL, 0, &applied, &changed),
			 DONGBO_E_INVAL);
	assert_int_equal(apply(fx, "213", ID_A, 0, 1, NULL, 0, &applied, &changed),
			 DONGBO_E_INVAL);
	assert_int_equal(apply(fx, "213", ID_A, 1, 1, bad_field, 1, &applied,
			       &changed),
			 DONGBO_E_INVAL);
	assert_int_equal(applied, 42);
	assert_int_equal(hello(fx, "213", ID_A), 0);
	assert_int_equal(head(fx), 0);
}

static void apply_outside_subtree_aborts_whole_batch(void **state)
{
	struct fx *fx = *state;
	/* 07300 lies in 215, not in the sending child's subtree. */
	struct dongbo_record sideways[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07300", "hs_nhan", "2024Q1", 10, 100, 2),
	};
	struct dongbo_record foreign[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("02501", "hs_nhan", "2024Q1", 10, 100, 2),
	};
	struct dongbo_record unknown[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("99999", "hs_nhan", "2024Q1", 10, 100, 2),
	};
	struct dongbo_record local[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 0, 0),
		rec("02501", "hs_nhan", "2024Q1", 10, 0, 0),
	};
	uint64_t applied = 0, versions[2] = { 7, 7 };
	size_t changed;
	char *before, *after;

	hello(fx, "213", ID_A);
	before = state_string(fx);
	assert_int_equal(apply(fx, "213", ID_A, 1, 2, sideways, 2, &applied, &changed),
			 DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(apply(fx, "213", ID_A, 1, 2, foreign, 2, &applied, &changed),
			 DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(apply(fx, "213", ID_A, 1, 2, unknown, 2, &applied, &changed),
			 DONGBO_E_UNKNOWN_UNIT);
	assert_int_equal(dongbo_store_put_local(fx->st, local, 2, 1, versions),
			 DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(versions[0], 7);
	local[1].unit = "nope";
	assert_int_equal(dongbo_store_put_local(fx->st, local, 2, 1, versions),
			 DONGBO_E_UNKNOWN_UNIT);
	after = state_string(fx);
	assert_string_equal(before, after);
	free(before);
	free(after);
	value_absent(fx, "07201", "hs_nhan", "2024Q1");

	/* A district node may not write for its sibling either. */
	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_with(fx, "213", 0), 0);
	local[1].unit = "07300";
	assert_int_equal(dongbo_store_put_local(fx->st, local, 2, 1, NULL),
			 DONGBO_E_OUTSIDE_SUBTREE);
	assert_int_equal(head(fx), 0);
	verify_ok(fx);
}

/* ---- Local writes ---- */

static void put_local_versions_strictly_increase_even_if_clock_goes_back(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[3] = {
		rec("24", "hs_nhan", "2024", 1, 0, 0),
		rec("24", "hs_nhan", "2024", 2, 0, 0),
		rec("213", "hs_nhan", "2024", 3, 0, 0),
	};
	uint64_t v[3] = { 0 };
	uint64_t seen[8];
	size_t n_seen = 0;

	assert_int_equal(dongbo_store_put_local(fx->st, r, 1, 1000, v), 0);
	assert_int_equal(v[0], 1000);
	seen[n_seen++] = v[0];
	assert_int_equal(dongbo_store_put_local(fx->st, r, 1, 500, v), 0);
	assert_int_equal(v[0], 1001);
	seen[n_seen++] = v[0];
	assert_int_equal(dongbo_store_put_local(fx->st, r, 1, -5, v), 0);
	assert_int_equal(v[0], 1002);
	seen[n_seen++] = v[0];
	assert_int_equal(dongbo_store_put_local(fx->st, r, 3, 2000, v), 0);
	assert_int_equal(v[0], 2000);
	assert_int_equal(v[1], 2001);
	assert_int_equal(v[2], 2002);
	/* The second write of the same key in the batch wins. */
	value_is(fx, "24", "hs_nhan", "2024", 2, 2001);
	total_is(fx, "24", "hs_nhan", "2024", 5, 2);

	fx_reopen(fx, "24", 0);
	assert_int_equal(dongbo_store_put_local(fx->st, r, 1, 10, v), 0);
	assert_int_equal(v[0], 2003);
	for (size_t i = 1; i < n_seen; i++)
		assert_true(seen[i] > seen[i - 1]);
	assert_int_equal(head(fx), 7);
	verify_ok(fx);
}

static void put_local_wins_over_value_from_a_clock_ahead(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record far[] = { rec("07201", "hs_nhan", "2024", 50, 9000000, 1) };
	struct dongbo_record mine = rec("07201", "hs_nhan", "2024", 60, 0, 0);
	uint64_t v, applied;
	size_t changed;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 1, far, 1, &applied, &changed), 0);
	assert_int_equal(dongbo_store_put_local(fx->st, &mine, 1, 1000, &v), 0);
	assert_int_equal(v, 9000001);
	value_is(fx, "07201", "hs_nhan", "2024", 60, 9000001);
	total_is(fx, "24", "hs_nhan", "2024", 60, 1);
	verify_ok(fx);
}

struct log_seen {
	size_t n;
	uint64_t seq[16];
	char unit[16][16];
	int64_t value[16];
	bool deleted[16];
};

static int log_collect_cb(void *arg, const struct dongbo_record *r)
{
	struct log_seen *ls = arg;

	assert_true(ls->n < 16);
	ls->seq[ls->n] = r->seq;
	snprintf(ls->unit[ls->n], sizeof(ls->unit[0]), "%s", r->unit);
	ls->value[ls->n] = r->value;
	ls->deleted[ls->n] = r->deleted;
	ls->n++;
	return 0;
}

static int stop_at_second_cb(void *arg, const struct dongbo_record *r)
{
	(void)r;
	return ++*(int *)arg == 2 ? 42 : 0;
}

static void log_read_returns_changes_in_order_after_seq(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[] = {
		rec("07201", "hs_nhan", "2024", 1, 0, 0),
		rec("07207", "hs_nhan", "2024", 2, 0, 0),
		tomb("07201", "hs_nhan", "2024", 0, 0),
		rec("215", "hs_nhan", "2024", 4, 0, 0),
	};
	struct log_seen ls = { 0 };
	size_t n = 99;
	int calls = 0;

	assert_int_equal(dongbo_store_log_read(fx->st, 0, 10, log_collect_cb, &ls,
					       &n),
			 0);
	assert_int_equal(n, 0);
	assert_int_equal(dongbo_store_put_local(fx->st, r, 4, 1, NULL), 0);
	assert_int_equal(dongbo_store_log_read(fx->st, 1, 2, log_collect_cb, &ls,
					       &n),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(ls.seq[0], 2);
	assert_string_equal(ls.unit[0], "07207");
	assert_int_equal(ls.value[0], 2);
	assert_int_equal(ls.seq[1], 3);
	assert_true(ls.deleted[1]);
	assert_int_equal(ls.value[1], 0);
	assert_int_equal(dongbo_store_log_read(fx->st, 4, 10, log_collect_cb, &ls,
					       &n),
			 0);
	assert_int_equal(n, 0);
	assert_int_equal(dongbo_store_log_read(fx->st, 0, 10, stop_at_second_cb,
					       &calls, &n),
			 42);
	assert_int_equal(n, 2);
}

/* ---- Roll-ups ---- */

static void rollup_by_level_and_by_child(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[] = {
		rec("24", "hs_nhan", "2024Q1", 1000, 0, 0),
		rec("213", "hs_nhan", "2024Q1", 200, 0, 0),
		rec("07201", "hs_nhan", "2024Q1", 10, 0, 0),
		rec("07207", "hs_nhan", "2024Q1", 20, 0, 0),
		rec("07300", "hs_nhan", "2024Q1", 30, 0, 0),
		rec("07300", "hs_nhan", "2024Q2", 99, 0, 0),
		rec("07300", "hs_dung_han", "2024Q1", 77, 0, 0),
	};
	struct rollup_seen rs;

	assert_int_equal(dongbo_store_put_local(fx->st, r, 7, 1, NULL), 0);

	assert_int_equal(rollup(fx, "24", "hs_nhan", "2024Q1", &rs), 0);
	assert_int_equal(rs.total.sum, 1260);
	assert_int_equal(rs.total.count, 5);
	assert_int_equal(rs.n, 5);
	/* Levels first, then children, each in key order. */
	part_is(&rs, 0, DONGBO_PART_LEVEL, "huyen", 200, 1);
	part_is(&rs, 1, DONGBO_PART_LEVEL, "tinh", 1000, 1);
	part_is(&rs, 2, DONGBO_PART_LEVEL, "xa", 60, 3);
	part_is(&rs, 3, DONGBO_PART_CHILD, "213", 230, 3);
	part_is(&rs, 4, DONGBO_PART_CHILD, "215", 30, 1);

	assert_int_equal(rollup(fx, "213", "hs_nhan", "2024Q1", &rs), 0);
	assert_int_equal(rs.total.sum, 230);
	assert_int_equal(rs.n, 4);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "huyen", 200, 1);
	part_is(&rs, 1, DONGBO_PART_LEVEL, "xa", 30, 2);
	part_is(&rs, 2, DONGBO_PART_CHILD, "07201", 10, 1);
	part_is(&rs, 3, DONGBO_PART_CHILD, "07207", 20, 1);

	assert_int_equal(rollup(fx, "07300", "hs_nhan", "2024Q1", &rs), 0);
	assert_int_equal(rs.total.sum, 30);
	assert_int_equal(rs.n, 1);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 30, 1);

	/* Other indicators and periods are separate roll-ups. */
	total_is(fx, "24", "hs_nhan", "2024Q2", 99, 1);
	total_is(fx, "24", "hs_dung_han", "2024Q1", 77, 1);
	assert_int_equal(rollup(fx, "213", "hs_dung_han", "2024Q1", &rs),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2023", &rs),
			 DONGBO_E_NOTFOUND);
	/* A NULL callback is allowed. */
	assert_int_equal(dongbo_store_rollup(fx->st, "24", "hs_nhan", "2024Q1",
					     &rs.total, NULL, NULL),
			 0);
	verify_ok(fx);
}

static void four_level_hierarchy_rolls_up(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[] = {
		rec("C1", "hs_nhan", "2024", 1, 0, 0),
		rec("C2", "hs_nhan", "2024", 2, 0, 0),
		rec("C3", "hs_nhan", "2024", 4, 0, 0),
		rec("C4", "hs_nhan", "2024", 8, 0, 0),
		rec("P1", "hs_nhan", "2024", 16, 0, 0),
		rec("VN", "hs_nhan", "2024", 32, 0, 0),
	};
	struct dongbo_record fix = rec("C1", "hs_nhan", "2024", 101, 0, 0);
	struct rollup_seen rs;

	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	fx_set_units(fx, units4_tsv, "VN");
	assert_int_equal(dongbo_store_put_local(fx->st, r, 6, 1, NULL), 0);

	assert_int_equal(rollup(fx, "VN", "hs_nhan", "2024", &rs), 0);
	assert_int_equal(rs.total.sum, 63);
	assert_int_equal(rs.total.count, 6);
	assert_int_equal(rs.n, 5);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "coso", 15, 4);
	part_is(&rs, 1, DONGBO_PART_LEVEL, "mien", 16, 1);
	part_is(&rs, 2, DONGBO_PART_LEVEL, "quocgia", 32, 1);
	part_is(&rs, 3, DONGBO_PART_CHILD, "R1", 23, 4);
	part_is(&rs, 4, DONGBO_PART_CHILD, "R2", 8, 1);

	assert_int_equal(rollup(fx, "R1", "hs_nhan", "2024", &rs), 0);
	assert_int_equal(rs.total.sum, 23);
	assert_int_equal(rs.n, 4);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "coso", 7, 3);
	part_is(&rs, 1, DONGBO_PART_LEVEL, "mien", 16, 1);
	part_is(&rs, 2, DONGBO_PART_CHILD, "P1", 19, 3);
	part_is(&rs, 3, DONGBO_PART_CHILD, "P2", 4, 1);

	/* A correction at the bottom moves all three anchors above it. */
	assert_int_equal(dongbo_store_put_local(fx->st, &fix, 1, 1, NULL), 0);
	total_is(fx, "P1", "hs_nhan", "2024", 119, 3);
	total_is(fx, "R1", "hs_nhan", "2024", 123, 4);
	total_is(fx, "VN", "hs_nhan", "2024", 163, 6);
	verify_ok(fx);

	/* A node in the middle keeps roll-ups only up to its home, and a
	 * grand-child may be its child node. */
	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_with(fx, "R1", 0), 0);
	assert_int_equal(hello(fx, "C1", ID_A), 0);
	{
		struct dongbo_record b[] = { rec("C1", "hs_nhan", "2024", 5, 10, 1) };
		uint64_t applied;
		size_t changed;

		assert_int_equal(apply(fx, "C1", ID_A, 1, 1, b, 1, &applied,
				       &changed),
				 0);
	}
	total_is(fx, "R1", "hs_nhan", "2024", 5, 1);
	assert_int_equal(rollup(fx, "VN", "hs_nhan", "2024", &rs), DONGBO_E_NOTFOUND);
	assert_int_equal(dongbo_store_put_local(fx->st, r, 1, 1, NULL), 0);
	assert_int_equal(dongbo_store_put_local(fx->st, &r[3], 1, 1, NULL),
			 DONGBO_E_OUTSIDE_SUBTREE);
	verify_ok(fx);
}

static void verify_reports_rollups_that_no_longer_match(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[] = {
		rec("07201", "hs_nhan", "2024", 10, 0, 0),
		rec("07207", "hs_nhan", "2024", 20, 0, 0),
	};
	char err[512] = "";

	assert_int_equal(dongbo_store_put_local(fx->st, r, 2, 1, NULL), 0);
	verify_ok(fx);
	/* The hierarchy changed under the store: 07201 now belongs to 215,
	 * so its stored contributions sit under the wrong district. */
	fx_set_units(fx, units_moved_tsv, "24");
	assert_int_equal(dongbo_store_verify(fx->st, err, sizeof(err)),
			 DONGBO_E_CORRUPT);
	assert_non_null(strstr(err, "stored"));
	assert_non_null(strstr(err, "recomputed"));
}

/* ---- Damaged files ---- */

/* Writes raw bytes into one of the store's databases, as a damaged or
 * foreign file would hold them.  The only place a test reaches under the
 * API: there is no other way to make the store read bytes it did not
 * write.  The store must be closed (LMDB forbids two handles on one
 * environment in a process). */
static void tamper(const char *path, const char *db, const void *key,
		   size_t key_len, const void *val, size_t val_len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { .mv_size = key_len, .mv_data = (void *)key };
	MDB_val v = { .mv_size = val_len, .mv_data = (void *)val };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static int count_cb(void *arg, const struct dongbo_child_state *c)
{
	(void)c;
	++*(int *)arg;
	return 0;
}

static void damaged_records_read_as_corrupt(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record r[] = {
		rec("07201", "hs_nhan", "2024", 10, 0, 0),
		rec("07207", "hs_nhan", "2024", 20, 0, 0),
	};
	static const char value_key[] = "07201\0hs_nhan\0" "2024";
	static const char rollup_key[] = "213\0hs_nhan\0" "2024\0Lxa";
	static const unsigned char seq1[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	unsigned char zero_count[16] = { 0 };
	struct dongbo_value v;
	struct rollup_seen rs;
	uint64_t seq;
	char err[256];
	int n = 0;

	assert_int_equal(dongbo_store_put_local(fx->st, r, 2, 1, NULL), 0);
	hello(fx, "213", ID_A);
	dongbo_store_close(fx->st);
	fx->st = NULL;

	/* A value record of the wrong length. */
	tamper(fx->path, "values", value_key, sizeof(value_key) - 1, "abc", 3);
	assert_int_equal(fx_open_with(fx, "24", 0), 0);
	assert_int_equal(dongbo_store_get(fx->st, "07201", "hs_nhan", "2024", false, &v),
			 DONGBO_E_CORRUPT);
	assert_int_equal(dongbo_store_put_local(fx->st, r, 1, 1, NULL),
			 DONGBO_E_CORRUPT);
	assert_int_equal(dongbo_store_verify(fx->st, err, sizeof(err)),
			 DONGBO_E_CORRUPT);
	dongbo_store_close(fx->st);
	fx->st = NULL;

	/* A roll-up entry with a count of zero (never written). */
	tamper(fx->path, "rollup", rollup_key, sizeof(rollup_key) - 1,
	       zero_count, sizeof(zero_count));
	assert_int_equal(fx_open_with(fx, "24", 0), 0);
	assert_int_equal(rollup(fx, "213", "hs_nhan", "2024", &rs),
			 DONGBO_E_CORRUPT);
	dongbo_store_close(fx->st);
	fx->st = NULL;

	/* A log entry cut short, and a child record of the wrong size. */
	tamper(fx->path, "log", seq1, sizeof(seq1), "\1\2\3", 3);
	tamper(fx->path, "children", "213", 3, "short", 5);
	assert_int_equal(fx_open_with(fx, "24", 0), 0);
	assert_int_equal(dongbo_store_log_read(fx->st, 0, 10, log_count_cb, &n,
					       NULL),
			 DONGBO_E_CORRUPT);
	assert_int_equal(n, 0);
	assert_int_equal(dongbo_store_children(fx->st, count_cb, &n),
			 DONGBO_E_CORRUPT);
	assert_int_equal(dongbo_store_child_hello(fx->st, "213", ID_A, 1, &seq),
			 DONGBO_E_CORRUPT);
	dongbo_store_close(fx->st);
	fx->st = NULL;

	/* Meta records: a bad head, then a format from the future. */
	tamper(fx->path, "meta", "head", 4, "xyz", 3);
	assert_int_equal(fx_open_with(fx, "24", 0), DONGBO_E_CORRUPT);
	assert_null(fx->st);
	tamper(fx->path, "meta", "format", 6, "\x09", 1);
	assert_int_equal(fx_open_with(fx, "24", 0), DONGBO_E_VERSION);
	assert_null(fx->st);
}

/* ---- Limits ---- */

/* The i-th month from 1990M01. */
/* A map that starts tiny doubles as it fills, up to its maximum; there
 * writes fail whole with MAP_FULL, and the store stays consistent. */
static void tiny_map_grows_up_to_its_maximum(void **state)
{
	struct fx *fx = *state;
	struct dongbo_store_info info;
	char per[DONGBO_PERIOD_MAX + 8];
	int rc = 0, i;

	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_growing(fx, "24", 256 * 1024, 1 << 20), 0);
	for (i = 0; i < 100000; i++) {
		struct dongbo_record r[2] = {
			rec("07201", "hs_nhan", per, i, 0, 0),
			rec("07300", "hs_nhan", per, i, 0, 0),
		};

		month_of(per, sizeof(per), i);
		rc = dongbo_store_put_local(fx->st, r, 2, 1, NULL);
		if (rc != 0)
			break;
	}
	assert_int_equal(rc, DONGBO_E_MAP_FULL);
	assert_int_equal(dongbo_store_info(fx->st, &info), 0);
	assert_int_equal(info.map_size, 1 << 20);
	assert_int_equal(info.map_size_max, 1 << 20);
	assert_int_equal(info.values, 2 * (uint64_t)i);
	/* Far more than the first 256 KiB held. */
	print_message("%d puts before the 1 MiB map was full\n", i);
	assert_true(i > 300);
	verify_ok(fx);
	month_of(per, sizeof(per), i - 1);
	total_is(fx, "24", "hs_nhan", per, 2 * ((int64_t)i - 1), 2);
}

static void tiny_map_size_gives_map_full_and_store_stays_consistent(void **state)
{
	struct fx *fx = *state;
	uint64_t n_ok = 0;
	char per[DONGBO_PERIOD_MAX + 8];
	int rc = 0;

	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_with(fx, "24", 256 * 1024), 0);
	assert_int_equal(hello(fx, "215", ID_A), 0);

	for (int i = 0; i < 100000; i++) {
		struct dongbo_record r[2] = {
			rec("07201", "hs_nhan", per, i, 0, 0),
			rec("07300", "hs_nhan", per, i, 0, 0),
		};

		/* A new month each time, so that the store only grows. */
		month_of(per, sizeof(per), i);
		rc = dongbo_store_put_local(fx->st, r, 2, 1, NULL);
		if (rc != 0)
			break;
		n_ok++;
	}
	assert_int_equal(rc, DONGBO_E_MAP_FULL);
	assert_true(n_ok > 0);
	/* The failed batch left nothing behind; earlier ones are whole. */
	month_of(per, sizeof(per), (int)n_ok);
	value_absent(fx, "07201", "hs_nhan", per);
	value_absent(fx, "07300", "hs_nhan", per);
	month_of(per, sizeof(per), (int)n_ok - 1);
	total_is(fx, "24", "hs_nhan", per, 2 * ((int64_t)n_ok - 1), 2);
	assert_int_equal(head(fx), 2 * n_ok);
	verify_ok(fx);

	/* A child's batch meets the same wall and its cursor stays. */
	{
		struct dongbo_record b[40];
		char inds_b[40][16];
		uint64_t applied = 99;
		size_t changed;

		for (int i = 0; i < 40; i++) {
			month_of(inds_b[i], sizeof(inds_b[i]), 1200 + i);
			b[i] = rec("07300", "hs_dung_han", inds_b[i], i, 10,
				   (uint64_t)i + 1);
		}
		assert_int_equal(apply(fx, "215", ID_A, 1, 40, b, 40, &applied,
				       &changed),
				 DONGBO_E_MAP_FULL);
		assert_int_equal(applied, 99);
		assert_int_equal(hello(fx, "215", ID_A), 0);
		value_absent(fx, "07300", "hs_dung_han", inds_b[0]);
	}

	fx_reopen(fx, "24", 256 * 1024);
	assert_int_equal(head(fx), 2 * n_ok);
	verify_ok(fx);

	/* With room again, writing resumes from the same head. */
	fx_reopen(fx, "24", 0);
	{
		struct dongbo_record r = rec("07201", "more", "2024", 1, 0, 0);

		assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, 1, NULL), 0);
	}
	assert_int_equal(head(fx), 2 * n_ok + 1);
	verify_ok(fx);
}

static void overflow_is_refused(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record big = rec("07201", "hs_nhan", "2024", INT64_MAX, 0, 0);
	struct dongbo_record batch[] = {
		rec("07300", "hs_nhan", "2024", 1, 0, 0),
		rec("07207", "hs_nhan", "2024", 1, 0, 0),
	};
	struct dongbo_record low = rec("07201", "hs_dung_han", "2024", INT64_MIN, 0, 0);
	struct dongbo_record high = rec("07201", "hs_dung_han", "2024", INT64_MAX, 0, 0);
	uint64_t v = 0, applied = 0;
	size_t changed;

	assert_int_equal(dongbo_store_put_local(fx->st, &big, 1, 1, &v), 0);
	/* 07300 alone would fit; 07207 overflows 213 and 24: all or nothing. */
	assert_int_equal(dongbo_store_put_local(fx->st, batch, 2, 1, NULL),
			 DONGBO_E_BAD_VALUE);
	value_absent(fx, "07300", "hs_nhan", "2024");
	value_absent(fx, "07207", "hs_nhan", "2024");
	total_is(fx, "24", "hs_nhan", "2024", INT64_MAX, 1);
	assert_int_equal(head(fx), 1);

	/* The same through a child batch: refused, cursor unmoved. */
	hello(fx, "215", ID_A);
	{
		struct dongbo_record b[] = { rec("07300", "hs_nhan", "2024", 5, 10, 1) };

		assert_int_equal(apply(fx, "215", ID_A, 1, 1, b, 1, &applied,
				       &changed),
				 DONGBO_E_BAD_VALUE);
		assert_int_equal(hello(fx, "215", ID_A), 0);
	}

	/* The difference itself may not fit, even where the sum would. */
	assert_int_equal(dongbo_store_put_local(fx->st, &low, 1, 1, NULL), 0);
	assert_int_equal(dongbo_store_put_local(fx->st, &high, 1, 1, NULL),
			 DONGBO_E_BAD_VALUE);
	total_is(fx, "07201", "hs_dung_han", "2024", INT64_MIN, 1);
	verify_ok(fx);
}

/* Roll-up changes are combined per entry within a transaction
 * (store_aggbuf.c): what is stored, and what is refused, must be what
 * folding each change in turn gives. */
static void changes_within_one_batch_combine_exactly(void **state)
{
	struct fx *fx = *state;
	struct dongbo_record b1[] = {
		rec("07201", "hs_nhan", "2024Q1", 10, 100, 1),
		rec("07207", "hs_nhan", "2024Q1", 5, 100, 2),
		rec("07201", "hs_nhan", "2024Q1", 4, 101, 3),
		tomb("07207", "hs_nhan", "2024Q1", 102, 4),
		rec("07201", "hs_dung_han", "2024Q1", 7, 100, 5),
		tomb("07201", "hs_dung_han", "2024Q1", 103, 6),
	};
	struct rollup_seen rs;
	uint64_t applied;
	size_t changed;

	hello(fx, "213", ID_A);
	assert_int_equal(apply(fx, "213", ID_A, 1, 6, b1, 6, &applied, &changed),
			 0);
	assert_int_equal(changed, 6);
	total_is(fx, "24", "hs_nhan", "2024Q1", 4, 1);
	total_is(fx, "213", "hs_nhan", "2024Q1", 4, 1);
	/* An entry whose values came and went within the batch is none. */
	assert_int_equal(rollup(fx, "07207", "hs_nhan", "2024Q1", &rs),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(rollup(fx, "24", "hs_dung_han", "2024Q1", &rs),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2024Q1", &rs), 0);
	assert_int_equal(rs.n, 2);
	part_is(&rs, 0, DONGBO_PART_LEVEL, "xa", 4, 1);
	part_is(&rs, 1, DONGBO_PART_CHILD, "213", 4, 1);
	verify_ok(fx);
}

static void overflow_at_any_step_of_a_batch_is_refused(void **state)
{
	struct fx *fx = *state;
	/* The province's total would pass INT64_MAX after the second record
	 * and come back below it after the third: folding in turn refuses
	 * the batch, so must the combined write. */
	struct dongbo_record up_and_back[] = {
		rec("07201", "hs_nhan", "2024", INT64_MAX, 0, 0),
		rec("07300", "hs_nhan", "2024", 1, 0, 0),
		rec("07201", "hs_nhan", "2024", 0, 0, 0),
	};
	struct dongbo_record down_and_back[] = {
		rec("07201", "hs_dung_han", "2024", INT64_MIN, 0, 0),
		rec("07300", "hs_dung_han", "2024", -1, 0, 0),
		rec("07201", "hs_dung_han", "2024", 0, 0, 0),
	};
	struct rollup_seen rs;

	assert_int_equal(dongbo_store_put_local(fx->st, up_and_back, 3, 1,
						NULL),
			 DONGBO_E_BAD_VALUE);
	assert_int_equal(dongbo_store_put_local(fx->st, down_and_back, 3, 1,
						NULL),
			 DONGBO_E_BAD_VALUE);
	value_absent(fx, "07201", "hs_nhan", "2024");
	value_absent(fx, "07300", "hs_dung_han", "2024");
	assert_int_equal(rollup(fx, "24", "hs_nhan", "2024", &rs),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(head(fx), 0);

	/* Each step within range: taken, and exact. */
	up_and_back[0].value = INT64_MAX - 1;
	assert_int_equal(dongbo_store_put_local(fx->st, up_and_back, 3, 1,
						NULL),
			 0);
	total_is(fx, "24", "hs_nhan", "2024", 1, 2);
	verify_ok(fx);
}

/* A transaction whose roll-up changes outgrow the table writes part of
 * them before it commits: still all of them, each once. */
static void batch_larger_than_the_change_table_is_exact(void **state)
{
	struct fx *fx = *state;
	/* Every month of every year a period may name, for 3 communes and
	 * 2 indicators: over 40,000 roll-up entries. */
	enum { MONTHS = (DONGBO_PERIOD_YEAR_MAX - DONGBO_PERIOD_YEAR_MIN + 1) * 12,
	       N = MONTHS * 6 };
	static const char *const units[] = { "07201", "07207", "07300" };
	struct dongbo_record *r = calloc(N, sizeof(*r));
	char (*per)[16] = calloc(MONTHS, sizeof(*per));

	assert_non_null(r);
	assert_non_null(per);
	for (int i = 0; i < N; i++) {
		if (i < MONTHS)
			month_of(per[i], sizeof(per[i]), i);
		r[i] = rec(units[i / MONTHS % 3],
			   i / MONTHS / 3 ? "hs_dung_han" : "hs_nhan",
			   per[i % MONTHS], i % MONTHS + 1, 0, 0);
	}
	assert_int_equal(dongbo_store_put_local(fx->st, r, N, 1, NULL), 0);
	total_is(fx, "24", "hs_nhan", per[MONTHS - 1], 3 * (int64_t)MONTHS, 3);
	total_is(fx, "213", "hs_dung_han", per[MONTHS - 1],
		 2 * (int64_t)MONTHS, 2);
	total_is(fx, "215", "hs_nhan", per[0], 1, 1);
	total_is(fx, "07207", "hs_dung_han", per[7], 8, 1);
	verify_ok(fx);
	free(per);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(applying_same_batch_twice_leaves_same_state),
		T(resent_records_under_new_identity_change_no_value),
		T(higher_version_replaces_lower_and_rollup_moves_by_difference),
		T(older_version_is_ignored),
		T(equal_version_is_noop),
		T(tombstone_removes_contribution),
		T(tombstone_for_absent_value_is_kept_and_logged),
		T(cursors_survive_close_and_reopen),
		T(uplink_ack_may_go_down),
		T(uplink_advance_only_forward),
		T(new_store_id_after_wipe),
		T(reopen_under_another_home_is_refused),
		T(open_refuses_home_outside_unit_list),
		T(child_hello_with_new_store_id_resets_cursor),
		T(gap_is_refused_with_cursor),
		T(replayed_batch_below_cursor_changes_nothing),
		T(partial_overlap_batch_applies_only_new_records),
		T(malformed_batch_is_invalid),
		T(apply_outside_subtree_aborts_whole_batch),
		T(put_local_versions_strictly_increase_even_if_clock_goes_back),
		T(put_local_wins_over_value_from_a_clock_ahead),
		T(log_read_returns_changes_in_order_after_seq),
		T(rollup_by_level_and_by_child),
		T(four_level_hierarchy_rolls_up),
		T(verify_reports_rollups_that_no_longer_match),
		T(damaged_records_read_as_corrupt),
		T(tiny_map_size_gives_map_full_and_store_stays_consistent),
		T(tiny_map_grows_up_to_its_maximum),
		T(overflow_is_refused),
		T(changes_within_one_batch_combine_exactly),
		T(overflow_at_any_step_of_a_batch_is_refused),
		T(batch_larger_than_the_change_table_is_exact),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
