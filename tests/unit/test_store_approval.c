/*
 * test_store_approval.c -- approval states in the store: versions, the
 * log entries that carry them up (beside value entries), a child's batch
 * applied by version and idempotently, the states sent down by subtree and
 * page, the parent's states taken with their cursor, the flag set when a
 * value reaches the approving node after approval, and the form's needs
 * the lock and the flag share.
 */
#include "store_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* hs_nhan is on form F's rows for communes (xa); hs_dung_han on none. */
static const char form_catalog_ini[] =
	"[catalog]\nversion = 1\n"
	"[hs_nhan]\nname = Nhận\nunit = Hồ sơ\ntype = count\n"
	"rule = sum\ntime = none\n"
	"[hs_dung_han]\nname = Đúng hạn\nunit = Hồ sơ\ntype = count\n"
	"rule = sum\ntime = none\n"
	"[form F]\ntitle = Biểu thử\n"
	"[row F 1]\nindicator = hs_nhan\nlevel = xa\n";

static int form_setup(void **state)
{
	return fx_setup(state, form_catalog_ini);
}

/* Reopens fx's store with home `home` (a fresh directory). */
static void rehome(struct fx *fx, const char *home)
{
	dongbo_store_close(fx->st);
	fx->st = NULL;
	rm_rf(fx->path);
	assert_int_equal(fx_open_with(fx, home, 0), 0);
}

static struct dongbo_approval state_of(const char *unit, const char *form,
				       const char *period,
				       enum dongbo_approval_state st)
{
	struct dongbo_approval a;

	memset(&a, 0, sizeof(a));
	snprintf(a.unit, sizeof(a.unit), "%s", unit);
	snprintf(a.form, sizeof(a.form), "%s", form);
	snprintf(a.period, sizeof(a.period), "%s", period);
	snprintf(a.node, sizeof(a.node), "%s", "213");
	snprintf(a.user, sizeof(a.user), "%s", "lan");
	a.state = st;
	a.at_ms = 1000;
	return a;
}

static struct dongbo_approval get(struct fx *fx, const char *unit,
				  const char *form, const char *period)
{
	struct dongbo_approval a;

	assert_int_equal(dongbo_store_approval_get(fx->st, unit, form, period,
						   &a),
			 0);
	return a;
}

static void versions_grow_and_a_stale_read_is_refused(void **state)
{
	struct fx *fx = *state;
	struct dongbo_approval a = state_of("07201", "F", "2022",
					    DONGBO_APPROVAL_SUBMITTED);
	struct dongbo_approval b, got;
	uint64_t v1;

	assert_int_equal(dongbo_store_approval_get(fx->st, "07201", "F",
						   "2022", &got),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &a, 0, 5000),
			 0);
	v1 = a.version;
	assert_true(v1 >= 5000);
	got = get(fx, "07201", "F", "2022");
	assert_int_equal(got.state, DONGBO_APPROVAL_SUBMITTED);
	assert_int_equal(got.version, v1);
	assert_string_equal(got.user, "lan");

	/* Read before that put: refused, nothing stored. */
	b = state_of("07201", "F", "2022", DONGBO_APPROVAL_APPROVED);
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &b, 0, 9000),
			 DONGBO_E_STATE);
	assert_int_equal(get(fx, "07201", "F", "2022").version, v1);
	/* From the state read, even with a clock gone back: a higher one. */
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &b, v1, 1),
			 0);
	assert_true(b.version > v1);
	assert_int_equal(get(fx, "07201", "F", "2022").state,
			 DONGBO_APPROVAL_APPROVED);
	/* A unit outside home, a malformed period: refused. */
	b = state_of("02501", "F", "2022", DONGBO_APPROVAL_SUBMITTED);
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &b, 0, 1),
			 DONGBO_E_INVAL);
	b = state_of("07201", "F", "2022Q5", DONGBO_APPROVAL_SUBMITTED);
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &b, 0, 1),
			 DONGBO_E_INVAL);
	verify_ok(fx);
}

/* Log entries as read: values and states. */
struct log_seen {
	size_t n;
	struct {
		uint64_t seq, version;
		bool approval;
		char key[64];
		enum dongbo_approval_state st;
		char note[DONGBO_APPROVAL_NOTE_MAX + 1];
	} e[8];
};

static int log_seen_cb(void *arg, const struct dongbo_record *r)
{
	struct log_seen *l = arg;

	if (l->n == 8)
		return DONGBO_E_INVAL;
	l->e[l->n].seq = r->seq;
	l->e[l->n].version = r->version;
	l->e[l->n].approval = r->approval != NULL;
	snprintf(l->e[l->n].key, sizeof(l->e[l->n].key), "%s/%s/%s", r->unit,
		 r->indicator, r->period);
	if (r->approval != NULL) {
		l->e[l->n].st = r->approval->state;
		snprintf(l->e[l->n].note, sizeof(l->e[l->n].note), "%s",
			 r->approval->note);
	}
	l->n++;
	return 0;
}

static void states_go_up_in_the_log_beside_values(void **state)
{
	struct fx *fx = *state;
	struct dongbo_approval a = state_of("07201", "F", "2022",
					    DONGBO_APPROVAL_RETURNED);
	struct log_seen l = { .n = 0 };

	rehome(fx, "213");
	put(fx, "07201", "hs_nhan", "2022", 5);
	snprintf(a.note, sizeof(a.note), "%s", "Thiếu quý 4");
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &a, 0, 7000),
			 0);
	put(fx, "07201", "hs_nhan", "2023", 6);
	assert_int_equal(dongbo_store_log_read(fx->st, 0, 8, log_seen_cb, &l,
					       NULL),
			 0);
	assert_int_equal(l.n, 3);
	assert_false(l.e[0].approval);
	assert_true(l.e[1].approval);
	assert_false(l.e[2].approval);
	assert_int_equal(l.e[1].seq, 2);
	assert_string_equal(l.e[1].key, "07201/F/2022");
	assert_int_equal(l.e[1].st, DONGBO_APPROVAL_RETURNED);
	assert_string_equal(l.e[1].note, "Thiếu quý 4");
	assert_int_equal(l.e[1].version, a.version);
	assert_string_equal(l.e[2].key, "07201/hs_nhan/2023");
	verify_ok(fx);
	/* Acknowledged: pruned like values; covered again for a parent that
	 * lost its store, states included. */
	assert_int_equal(dongbo_store_uplink_ack(fx->st, ID_P, 3, 9, NULL, 0),
			 0);
	{
		uint64_t n = 0;

		assert_int_equal(dongbo_store_log_cover(fx->st, 0, 10, &n), 0);
		assert_int_equal(n, 3);
		l.n = 0;
		assert_int_equal(dongbo_store_log_read(fx->st, 3, 8,
						       log_seen_cb, &l, NULL),
				 0);
		assert_int_equal(l.n, 3);
		assert_true(l.e[0].approval || l.e[1].approval ||
			    l.e[2].approval);
	}
}

static size_t apply_states(struct fx *fx, const char *child, uint64_t first,
			   uint64_t last, const struct dongbo_approval *aps,
			   size_t n, int want)
{
	const struct dongbo_child_batch b = {
		.child_unit = child, .child_store_id = ID_A,
		.first_seq = first, .last_seq = last, .aps = aps,
		.n_aps = n, .now_ms = 1,
	};
	uint64_t applied = 0;
	size_t changed = 0;

	assert_int_equal(dongbo_store_apply_batch(fx->st, &b, &applied,
						  &changed),
			 want);
	return changed;
}

static void a_childs_states_apply_by_version_once(void **state)
{
	struct fx *fx = *state;
	struct dongbo_approval a = state_of("07201", "F", "2022",
					    DONGBO_APPROVAL_SUBMITTED);
	struct dongbo_approval older, outside;
	uint64_t h0;

	hello(fx, "213", ID_A);
	h0 = head(fx);
	a.version = 100;
	a.seq = 1;
	assert_int_equal(apply_states(fx, "213", 1, 1, &a, 1, 0), 1);
	assert_int_equal(get(fx, "07201", "F", "2022").version, 100);
	/* Relayed up: in our own log too. */
	assert_int_equal(head(fx), h0 + 1);
	/* The same batch again: nothing. */
	assert_int_equal(apply_states(fx, "213", 1, 1, &a, 1, 0), 0);
	assert_int_equal(head(fx), h0 + 1);
	/* An older version later: loses. */
	older = a;
	older.version = 50;
	older.state = DONGBO_APPROVAL_DRAFT;
	older.seq = 2;
	assert_int_equal(apply_states(fx, "213", 2, 2, &older, 1, 0), 0);
	assert_int_equal(get(fx, "07201", "F", "2022").state,
			 DONGBO_APPROVAL_SUBMITTED);
	/* A unit outside the child's subtree: the whole batch refused. */
	outside = state_of("07300", "F", "2022", DONGBO_APPROVAL_APPROVED);
	outside.version = 7;
	outside.seq = 3;
	(void)apply_states(fx, "213", 3, 3, &outside, 1,
			   DONGBO_E_OUTSIDE_SUBTREE);
	/* A state on a value's seq, or out of range: malformed. */
	{
		struct dongbo_record r = rec("07201", "hs_nhan", "2022", 1, 9,
					     3);
		struct dongbo_approval dup = a;
		const struct dongbo_child_batch b = {
			.child_unit = "213", .child_store_id = ID_A,
			.first_seq = 3, .last_seq = 3, .recs = &r, .n = 1,
			.aps = &dup, .n_aps = 1, .now_ms = 1,
		};
		uint64_t applied;

		dup.seq = 3;
		assert_int_equal(dongbo_store_apply_batch(fx->st, &b, &applied,
							  NULL),
				 DONGBO_E_INVAL);
	}
	verify_ok(fx);
}

struct down_seen {
	size_t n;
	char units[8][16];
	uint64_t seq[8];
};

static int down_cb(void *arg, const struct dongbo_approval *a)
{
	struct down_seen *d = arg;

	if (d->n == 8)
		return DONGBO_E_INVAL;
	snprintf(d->units[d->n], sizeof(d->units[0]), "%s", a->unit);
	d->seq[d->n++] = a->seq;
	return 0;
}

static void states_go_down_by_subtree_in_pages(void **state)
{
	struct fx *fx = *state;
	const char *units[] = { "07201", "07300", "07207" };
	struct down_seen d = { .n = 0 };
	uint64_t next = 0;
	bool more = false;

	for (size_t i = 0; i < 3; i++) {
		struct dongbo_approval a = state_of(units[i], "F", "2022",
						    DONGBO_APPROVAL_APPROVED);

		assert_int_equal(dongbo_store_approval_put_local(fx->st, &a, 0,
								 1000),
				 0);
	}
	/* One at a time toward 213: 07201, then 07207; 07300 is 215's. */
	assert_int_equal(dongbo_store_approvals_since(fx->st, "213", 0, 1,
						      down_cb, &d, &next,
						      &more),
			 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.units[0], "07201");
	assert_true(more);
	assert_int_equal(dongbo_store_approvals_since(fx->st, "213", next, 1,
						      down_cb, &d, &next,
						      &more),
			 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.units[1], "07207");
	assert_int_equal(next, 3);
	assert_int_equal(dongbo_store_approvals_since(fx->st, "213", next, 1,
						      down_cb, &d, &next,
						      &more),
			 0);
	assert_int_equal(d.n, 2);
	assert_false(more);
	assert_int_equal(next, 3);
	/* A change moves a state to the end of the sequence. */
	{
		struct dongbo_approval a = get(fx, "07201", "F", "2022");

		a.state = DONGBO_APPROVAL_DRAFT;
		assert_int_equal(dongbo_store_approval_put_local(
					 fx->st, &a, a.version, 2000),
				 0);
	}
	assert_int_equal(dongbo_store_approvals_since(fx->st, "213", next, 8,
						      down_cb, &d, &next,
						      &more),
			 0);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.units[2], "07201");
	assert_int_equal(next, 4);
}

static void the_parents_states_are_taken_by_version_with_a_cursor(
	void **state)
{
	struct fx *fx = *state;
	struct dongbo_approval a = state_of("07201", "F", "2022",
					    DONGBO_APPROVAL_APPROVED);
	struct dongbo_approval old, far = state_of("07300", "F", "2022",
						   DONGBO_APPROVAL_APPROVED);
	uint64_t cursor = 9, h0;
	size_t changed = 9;

	rehome(fx, "213");
	h0 = head(fx);
	assert_int_equal(dongbo_store_approvals_cursor(fx->st, ID_P, &cursor),
			 0);
	assert_int_equal(cursor, 0);
	a.version = 500;
	far.version = 500;
	{
		struct dongbo_approval two[2] = { a, far };

		assert_int_equal(dongbo_store_approvals_from_parent(
					 fx->st, ID_P, two, 2, 7, 1, &changed),
				 0);
	}
	assert_int_equal(changed, 1); /* 07300 is not ours: skipped */
	assert_int_equal(get(fx, "07201", "F", "2022").version, 500);
	assert_int_equal(dongbo_store_approval_get(fx->st, "07300", "F",
						   "2022", &old),
			 DONGBO_E_NOTFOUND);
	assert_int_equal(head(fx), h0); /* not sent back up */
	assert_int_equal(dongbo_store_approvals_cursor(fx->st, ID_P, &cursor),
			 0);
	assert_int_equal(cursor, 7);
	assert_int_equal(dongbo_store_approvals_cursor(fx->st, ID_B, &cursor),
			 0);
	assert_int_equal(cursor, 0);
	/* Again, and an older one: nothing changes but the cursor. */
	old = a;
	old.version = 400;
	old.state = DONGBO_APPROVAL_DRAFT;
	assert_int_equal(dongbo_store_approvals_from_parent(fx->st, ID_P, &a,
							    1, 8, 1, &changed),
			 0);
	assert_int_equal(changed, 0);
	assert_int_equal(dongbo_store_approvals_from_parent(fx->st, ID_P, &old,
							    1, 9, 1, &changed),
			 0);
	assert_int_equal(changed, 0);
	assert_int_equal(get(fx, "07201", "F", "2022").state,
			 DONGBO_APPROVAL_APPROVED);
	/* A malformed state: refused whole, the cursor where it was. */
	old.state = (enum dongbo_approval_state)7;
	assert_int_equal(dongbo_store_approvals_from_parent(fx->st, ID_P, &old,
							    1, 10, 1, NULL),
			 DONGBO_E_INVAL);
	assert_int_equal(dongbo_store_approvals_cursor(fx->st, ID_P, &cursor),
			 0);
	assert_int_equal(cursor, 9);
}

static void a_value_arriving_after_approval_is_flagged_once(void **state)
{
	struct fx *fx = *state;
	struct dongbo_approval a = state_of("07201", "F", "2022",
					    DONGBO_APPROVAL_APPROVED);
	struct dongbo_approval got;
	struct dongbo_record other = rec("07201", "hs_dung_han", "2022Q1", 3,
					 10, 1);
	struct dongbo_record needed = rec("07201", "hs_nhan", "2022Q1", 4, 11,
					  2);
	struct dongbo_record again = rec("07201", "hs_nhan", "2022Q2", 5, 12,
					 3);
	struct dongbo_record later = rec("07201", "hs_nhan", "2023", 5, 13, 4);
	uint64_t applied, v;
	size_t changed;

	rehome(fx, "213");
	hello(fx, "07201", ID_A);
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &a, 0, 1000),
			 0);
	v = a.version;
	/* Not a value the form needs: no flag. */
	assert_int_equal(apply(fx, "07201", ID_A, 1, 1, &other, 1, &applied,
			       &changed),
			 0);
	got = get(fx, "07201", "F", "2022");
	assert_false(got.changed);
	/* One it needs, for a quarter of the approved year: flagged, with a
	 * new version that goes up and down. */
	assert_int_equal(apply(fx, "07201", ID_A, 2, 2, &needed, 1, &applied,
			       &changed),
			 0);
	got = get(fx, "07201", "F", "2022");
	assert_true(got.changed);
	assert_true(got.version > v);
	assert_int_equal(got.state, DONGBO_APPROVAL_APPROVED);
	v = got.version;
	/* Flagged already: no new version; another year: not this form's
	 * period. */
	assert_int_equal(apply(fx, "07201", ID_A, 3, 4,
			       (struct dongbo_record[]){ again, later }, 2,
			       &applied, &changed),
			 0);
	assert_int_equal(get(fx, "07201", "F", "2022").version, v);
	verify_ok(fx);
}

static void a_value_is_not_flagged_where_the_form_is_not_approved(
	void **state)
{
	struct fx *fx = *state;
	struct dongbo_approval a = state_of("07201", "F", "2022",
					    DONGBO_APPROVAL_APPROVED);
	struct dongbo_record needed = rec("07201", "hs_nhan", "2022", 4, 11, 1);
	uint64_t applied;
	size_t changed;

	/* The province: 07201's forms are approved by 213, not here. */
	hello(fx, "213", ID_A);
	assert_int_equal(dongbo_store_approval_put_local(fx->st, &a, 0, 1000),
			 0);
	assert_int_equal(apply(fx, "213", ID_A, 1, 1, &needed, 1, &applied,
			       &changed),
			 0);
	assert_false(get(fx, "07201", "F", "2022").changed);
}

static void the_form_says_which_values_it_needs(void **state)
{
	struct fx *fx = *state;
	const struct dongbo_form *f = dongbo_catalog_form_find(fx->cat, "F");

	assert_non_null(f);
	assert_true(dongbo_form_needs_indicator(f, "xa", "hs_nhan"));
	assert_true(dongbo_form_needs_indicator(f, NULL, "hs_nhan"));
	assert_false(dongbo_form_needs_indicator(f, "huyen", "hs_nhan"));
	assert_false(dongbo_form_needs_indicator(f, "xa", "hs_dung_han"));
	assert_false(dongbo_form_needs_indicator(NULL, "xa", "hs_nhan"));
}

static void state_words_parse_back(void **state)
{
	enum dongbo_approval_state st;

	(void)state;
	for (unsigned i = 0; i <= DONGBO_APPROVAL_STATE_MAX; i++) {
		assert_int_equal(dongbo_approval_state_parse(
					 dongbo_approval_state_word(
						 (enum dongbo_approval_state)i),
					 &st),
				 0);
		assert_int_equal(st, i);
	}
	assert_int_equal(dongbo_approval_state_parse("locked", &st),
			 DONGBO_E_INVAL);
	assert_string_equal(dongbo_approval_state_word(
				    (enum dongbo_approval_state)9),
			    "?");
}

#define T(f) cmocka_unit_test_setup_teardown(f, form_setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(versions_grow_and_a_stale_read_is_refused),
		T(states_go_up_in_the_log_beside_values),
		T(a_childs_states_apply_by_version_once),
		T(states_go_down_by_subtree_in_pages),
		T(the_parents_states_are_taken_by_version_with_a_cursor),
		T(a_value_arriving_after_approval_is_flagged_once),
		T(a_value_is_not_flagged_where_the_form_is_not_approved),
		T(the_form_says_which_values_it_needs),
		cmocka_unit_test(state_words_parse_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
