/*
 * test_store_random.c -- random workloads of local puts and child batches
 * (resends, gaps, new identities, tombstones) against an in-test model;
 * after every step values and roll-ups equal the model's and
 * dongbo_store_verify finds nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_fixture.h"

/* ---- Random workload against a model ---- */

#define M_KEYS (N_UNITS * 2 * 2)

struct model_value {
	bool present; /* stored at all (tombstones included) */
	int64_t value;
	uint64_t version;
	bool deleted;
};

struct model {
	struct model_value v[M_KEYS];
	uint64_t head;
	uint64_t clock;
};

static size_t key_index(size_t u, size_t i, size_t p)
{
	return (u * 2 + i) * 2 + p;
}

static size_t str_index(const char *const *list, const char *s)
{
	return strcmp(list[0], s) == 0 ? 0 : 1;
}

/* Applies r by version; returns whether it changed anything. */
static bool model_apply(struct model *m, const struct dongbo_record *r,
			uint64_t version)
{
	struct model_value *mv = &m->v[key_index(unit_index(r->unit),
						 str_index(inds, r->indicator),
						 str_index(periods, r->period))];

	if (mv->present && version <= mv->version)
		return false;
	mv->present = true;
	mv->value = r->deleted ? 0 : r->value;
	mv->version = version;
	mv->deleted = r->deleted;
	m->head++;
	return true;
}

/* Recomputes every roll-up from the model and compares it with the store;
 * also compares every value. */
static void model_check(struct fx *fx, const struct model *m)
{
	for (size_t i = 0; i < 2; i++) {
		for (size_t p = 0; p < 2; p++) {
			for (size_t u = 0; u < N_UNITS; u++) {
				const struct model_value *mv =
					&m->v[key_index(u, i, p)];
				struct dongbo_value got;
				int rc = dongbo_store_get(fx->st, all_units[u],
							  inds[i], periods[p], false, &got);

				if (!mv->present) {
					assert_int_equal(rc, DONGBO_E_NOTFOUND);
					continue;
				}
				assert_int_equal(rc, 0);
				assert_int_equal(got.value, mv->value);
				assert_int_equal(got.version, mv->version);
				assert_int_equal(got.deleted, mv->deleted);
			}

			for (size_t a = 0; a < N_UNITS; a++) {
				const struct dongbo_unit *anchor =
					dongbo_units_find(fx->units, all_units[a]);
				struct rollup_seen want, got;
				int rc;

				memset(&want, 0, sizeof(want));
				for (size_t u = 0; u < N_UNITS; u++) {
					const struct model_value *mv =
						&m->v[key_index(u, i, p)];
					const struct dongbo_unit *unit =
						dongbo_units_find(fx->units,
								  all_units[u]);
					const struct dongbo_unit *c;

					if (!mv->present || mv->deleted ||
					    !dongbo_unit_is_within(unit, anchor))
						continue;
					want.total.sum += mv->value;
					want.total.count++;
					/* Parts: level, then child, merged in
					 * by key below. */
					for (int k = 0; k < 2; k++) {
						const char *key;
						enum dongbo_part_kind kind;
						size_t j;

						if (k == 0) {
							kind = DONGBO_PART_LEVEL;
							key = unit->level;
						} else {
							c = dongbo_unit_child_toward(
								anchor, unit);
							if (c == NULL)
								continue;
							kind = DONGBO_PART_CHILD;
							key = c->code;
						}
						for (j = 0; j < want.n; j++)
							if (want.part[j].kind == kind &&
							    strcmp(want.part[j].key,
								   key) == 0)
								break;
						if (j == want.n) {
							want.part[j].kind = kind;
							strcpy(want.part[j].key, key);
							want.n++;
						}
						want.part[j].agg.sum += mv->value;
						want.part[j].agg.count++;
					}
				}

				rc = rollup(fx, all_units[a], inds[i], periods[p],
					    &got);
				if (want.total.count == 0) {
					assert_int_equal(rc, DONGBO_E_NOTFOUND);
					continue;
				}
				assert_int_equal(rc, 0);
				assert_int_equal(got.total.sum, want.total.sum);
				assert_int_equal(got.total.count, want.total.count);
				assert_int_equal(got.n, want.n);
				/* Every wanted part is there with its numbers
				 * (order is checked elsewhere). */
				for (size_t j = 0; j < want.n; j++) {
					size_t k;

					for (k = 0; k < got.n; k++)
						if (got.part[k].kind ==
							    want.part[j].kind &&
						    strcmp(got.part[k].key,
							   want.part[j].key) == 0)
							break;
					assert_true(k < got.n);
					assert_int_equal(got.part[k].agg.sum,
							 want.part[j].agg.sum);
					assert_int_equal(got.part[k].agg.count,
							 want.part[j].agg.count);
				}
			}
		}
	}
	assert_int_equal(head(fx), m->head);
}

/* A simulated child node: its own log, which the parent reads in
 * windows that overlap, repeat, skip ahead or leave records out. */
struct sim_child {
	const char *unit;
	const char *units[3]; /* it may write for these */
	size_t n_units;
	char id[DONGBO_STORE_ID_LEN + 1];
	struct dongbo_record log[400];
	size_t n_log;
	uint64_t cursor; /* what the parent should hold */
	uint64_t clock;
};

static void sim_child_append(struct sim_child *c, uint64_t *seed)
{
	struct dongbo_record *r = &c->log[c->n_log];

	assert_true(c->n_log < 400);
	*r = rec(c->units[rnd(seed, c->n_units)], inds[rnd(seed, 2)],
		 periods[rnd(seed, 2)], (int64_t)rnd(seed, 1000) - 100, 0, 0);
	r->deleted = rnd(seed, 6) == 0;
	if (r->deleted)
		r->value = 0;
	/* Children's clocks are unrelated to the parent's: sometimes
	 * ahead, sometimes behind. */
	c->clock += 1 + rnd(seed, 3000);
	r->version = c->clock;
	r->seq = ++c->n_log;
}

static void sim_child_new_id(struct sim_child *c, uint64_t *seed)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < DONGBO_STORE_ID_LEN; i++)
		c->id[i] = hex[rnd(seed, 16)];
	c->id[DONGBO_STORE_ID_LEN] = '\0';
}

static void sim_child_send(struct fx *fx, struct model *m,
			   struct sim_child *c, uint64_t *seed)
{
	struct dongbo_record batch[64];
	uint64_t first, last, applied = 0;
	size_t n = 0, changed = 0, want_changed = 0;
	int rc;

	for (int k = (int)rnd(seed, 6); k > 0; k--)
		sim_child_append(c, seed);
	if (c->n_log == 0)
		return;

	/* A window around the cursor: replays, overlaps, gaps. */
	first = c->cursor + 1;
	switch (rnd(seed, 6)) {
	case 0:
		first = 1 + rnd(seed, c->n_log);
		break;
	case 1:
		first = c->cursor > 2 ? c->cursor - 2 : 1;
		break;
	default:
		break;
	}
	if (first > c->n_log + 1)
		first = c->n_log + 1;
	last = first - 1 + rnd(seed, 20);
	if (last > c->n_log)
		last = c->n_log;
	if (last + 1 < first)
		last = first - 1;
	for (uint64_t s = first; s <= last && n < 64; s++) {
		/* The caller refused some records; they are still covered. */
		if (rnd(seed, 8) == 0)
			continue;
		batch[n++] = c->log[s - 1];
	}

	rc = apply(fx, c->unit, c->id, first, last, batch, n, &applied, &changed);
	if (last <= c->cursor) {
		assert_int_equal(rc, 0);
		assert_int_equal(changed, 0);
	} else if (first > c->cursor + 1) {
		assert_int_equal(rc, DONGBO_E_GAP);
	} else {
		assert_int_equal(rc, 0);
		for (size_t i = 0; i < n; i++)
			if (batch[i].seq > c->cursor &&
			    model_apply(m, &batch[i], batch[i].version))
				want_changed++;
		assert_int_equal(changed, want_changed);
		c->cursor = last;
	}
	assert_int_equal(applied, c->cursor);
}

static void put_local_random(struct fx *fx, struct model *m, uint64_t *seed,
			     int64_t *now)
{
	struct dongbo_record r[8];
	uint64_t v[8];
	size_t n = 1 + rnd(seed, 8);

	for (size_t i = 0; i < n; i++) {
		r[i] = rec(all_units[rnd(seed, N_UNITS)], inds[rnd(seed, 2)],
			   periods[rnd(seed, 2)], (int64_t)rnd(seed, 1000), 0, 0);
		r[i].deleted = rnd(seed, 5) == 0;
	}
	/* The wall clock mostly advances, sometimes steps back. */
	*now += (int64_t)rnd(seed, 4000) - 1000;
	assert_int_equal(dongbo_store_put_local(fx->st, r, n, *now, v), 0);
	for (size_t i = 0; i < n; i++) {
		const struct model_value *mv =
			&m->v[key_index(unit_index(r[i].unit),
					str_index(inds, r[i].indicator),
					str_index(periods, r[i].period))];
		uint64_t want = (uint64_t)*now > m->clock ? (uint64_t)*now
							  : m->clock + 1;

		if (mv->present && want <= mv->version)
			want = mv->version + 1;
		assert_int_equal(v[i], want);
		m->clock = want;
		assert_true(model_apply(m, &r[i], v[i]));
	}
}

static void verify_detects_nothing_on_random_workload(void **state)
{
	struct fx *fx = *state;
	struct model m;
	struct sim_child kids[2] = {
		{ .unit = "213", .units = { "213", "07201", "07207" }, .n_units = 3 },
		{ .unit = "215", .units = { "215", "07300" }, .n_units = 2 },
	};
	uint64_t seed = 20240601;
	int64_t now = 1000000;

	memset(&m, 0, sizeof(m));
	for (int k = 0; k < 2; k++) {
		sim_child_new_id(&kids[k], &seed);
		kids[k].clock = 1000000 - 5000 + 7000 * (uint64_t)k;
		assert_int_equal(hello(fx, kids[k].unit, kids[k].id), 0);
	}

	for (int step = 0; step < 400; step++) {
		uint64_t op = rnd(&seed, 20);

		if (op < 8) {
			put_local_random(fx, &m, &seed, &now);
		} else if (op < 18) {
			sim_child_send(fx, &m, &kids[op % 2], &seed);
		} else if (op == 18) {
			/* A child lost its store: new identity, new log,
			 * cursor from 0. */
			struct sim_child *c = &kids[rnd(&seed, 2)];

			sim_child_new_id(c, &seed);
			c->n_log = 0;
			c->cursor = 0;
			assert_int_equal(hello(fx, c->unit, c->id), 0);
		} else {
			fx_reopen(fx, "24", 0);
			for (int k = 0; k < 2; k++)
				assert_int_equal(hello(fx, kids[k].unit, kids[k].id),
						 kids[k].cursor);
		}
		verify_ok(fx);
		model_check(fx, &m);
	}
	assert_true(m.head > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			verify_detects_nothing_on_random_workload, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
