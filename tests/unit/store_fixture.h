/*
 * store_fixture.h -- shared by the store tests (test_store*.c).
 *
 * Every case gets its own directory from mkdtemp and a store opened on the
 * real unit-list and catalog parsers.  Helpers fail the running cmocka test
 * on any unexpected result.
 */
#ifndef DONGBO_TESTS_STORE_FIXTURE_H
#define DONGBO_TESTS_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog.h"
#include "error.h"
#include "store.h"
#include "units.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"
#define ID_P "00112233445566778899aabbccddeeff"

/* Province 24 with two districts and three communes, and a second
 * province so that "outside home" has somewhere to be. */
extern const char units_tsv[];
/* The same units, but 07201 moved from 213 to 215. */
extern const char units_moved_tsv[];
/* Four levels, with names that are none of tinh/huyen/xa. */
extern const char units4_tsv[];
extern const char *const all_units[6];
#define N_UNITS 6
extern const char *const inds[2];
extern const char *const periods[2];
extern const char fx_catalog_ini[];

struct fx {
	char dir[64];
	char path[96];
	struct dongbo_units *units;
	struct dongbo_store *st;
	struct dongbo_catalog *cat;
};

/* A roll-up as the callback hands it out. */
#define PARTS_MAX 32
struct rollup_seen {
	struct dongbo_agg total;
	size_t n;
	struct {
		enum dongbo_part_kind kind;
		char key[32];
		struct dongbo_agg agg;
	} part[PARTS_MAX];
};

/* Appends everything readable about the store to a string, so that two
 * moments can be compared whole. */
struct sbuf {
	char *p;
	size_t len, cap;
};

void rm_rf(const char *path);
struct dongbo_units *units_from(const char *tsv);
struct dongbo_catalog *catalog_from(const char *ini);
int fx_open_with(struct fx *fx, const char *home, uint64_t map_size);
/* The same with a map that may grow up to map_size_max. */
int fx_open_growing(struct fx *fx, const char *home, uint64_t map_size,
		    uint64_t map_size_max);
void fx_reopen(struct fx *fx, const char *home, uint64_t map_size);
void fx_set_units(struct fx *fx, const char *tsv, const char *home);
/* A fresh directory and store with home 24 and the catalog parsed from
 * catalog_ini; setup() uses fx_catalog_ini. */
int fx_setup(void **state, const char *catalog_ini);
int setup(void **state);
int teardown(void **state);
void verify_ok(struct fx *fx);
struct dongbo_record rec(const char *unit, const char *ind, const char *period, int64_t value, uint64_t version, uint64_t seq);
struct dongbo_record tomb(const char *unit, const char *ind, const char *period, uint64_t version, uint64_t seq);
/* One value (a stated total when stated), or a tombstone, put locally at
 * version time 1, as a single put of the CLI would. */
void put_as(struct fx *fx, const char *unit, const char *ind,
	    const char *period, int64_t value, bool stated);
void put(struct fx *fx, const char *unit, const char *ind, const char *period,
	 int64_t value);
void put_tomb(struct fx *fx, const char *unit, const char *ind,
	      const char *period);
/* Month i from 1990M01 on ("1990M01", "1990M02", ...), into buf. */
void month_of(char *buf, size_t len, int i);
/* The index of code in all_units; fails the test when it is not there. */
size_t unit_index(const char *code);
int apply(struct fx *fx, const char *child, const char *id, uint64_t first, uint64_t last, const struct dongbo_record *r, size_t n, uint64_t *applied, size_t *changed);
uint64_t hello(struct fx *fx, const char *child, const char *id);
uint64_t head(struct fx *fx);
void value_is(struct fx *fx, const char *unit, const char *ind, const char *period, int64_t value, uint64_t version);
void value_absent(struct fx *fx, const char *unit, const char *ind, const char *period);
int parts_cb(void *arg, enum dongbo_part_kind kind, const char *key, const struct dongbo_agg *agg);
int rollup(struct fx *fx, const char *anchor, const char *ind, const char *period, struct rollup_seen *rs);
void total_is(struct fx *fx, const char *anchor, const char *ind, const char *period, int64_t sum, int64_t count);
void part_is(const struct rollup_seen *rs, size_t i, enum dongbo_part_kind kind, const char *key, int64_t sum, int64_t count);
int log_dump_cb(void *arg, const struct dongbo_record *r);
int child_dump_cb(void *arg, const struct dongbo_child_state *c);
char *state_string(struct fx *fx);
void sb_add(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* splitmix64: deterministic, seeded, good enough to pick operations;
 * rnd() is uniform enough below n for tests. */
uint64_t rnd_next(uint64_t *s);
uint64_t rnd(uint64_t *s, uint64_t n);

#endif
