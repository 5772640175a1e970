/*
 * store_fixture.c -- what the store tests share: a temp directory with a
 * store opened on the real unit-list and catalog parsers, and helpers that
 * read state through the public API only.
 */
#include "store_fixture.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Province 24 with two districts and three communes, and a second
 * province so that "outside home" has somewhere to be. */
const char units_tsv[] = "code\tparent\tlevel\tname\n"
				"24\t\ttinh\tTinh 24\n"
				"213\t24\thuyen\tHuyen 213\n"
				"215\t24\thuyen\tHuyen 215\n"
				"07201\t213\txa\tXa 07201\n"
				"07207\t213\txa\tXa 07207\n"
				"07300\t215\txa\tXa 07300\n"
				"25\t\ttinh\tTinh 25\n"
				"251\t25\thuyen\tHuyen 251\n"
				"02501\t251\txa\tXa 02501\n";

/* The same units, but 07201 moved from 213 to 215. */
const char units_moved_tsv[] = "code\tparent\tlevel\tname\n"
				      "24\t\ttinh\tTinh 24\n"
				      "213\t24\thuyen\tHuyen 213\n"
				      "215\t24\thuyen\tHuyen 215\n"
				      "07201\t215\txa\tXa 07201\n"
				      "07207\t213\txa\tXa 07207\n"
				      "07300\t215\txa\tXa 07300\n"
				      "25\t\ttinh\tTinh 25\n"
				      "251\t25\thuyen\tHuyen 251\n"
				      "02501\t251\txa\tXa 02501\n";

/* Four levels, with names that are none of tinh/huyen/xa. */
const char units4_tsv[] = "code\tparent\tlevel\tname\n"
				 "VN\t\tquocgia\tViet Nam\n"
				 "R1\tVN\tvung\tVung 1\n"
				 "R2\tVN\tvung\tVung 2\n"
				 "P1\tR1\tmien\tMien 1\n"
				 "P2\tR1\tmien\tMien 2\n"
				 "C1\tP1\tcoso\tCo so 1\n"
				 "C2\tP1\tcoso\tCo so 2\n"
				 "C3\tP2\tcoso\tCo so 3\n"
				 "C4\tR2\tcoso\tCo so 4\n";

const char *const all_units[] = { "24",	  "213",   "215",
					  "07201", "07207", "07300" };



/* ---- Helpers ---- */

void rm_rf(const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			char sub[512];

			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

struct dongbo_units *units_from(const char *tsv)
{
	struct dongbo_units *u = NULL;
	char err[256] = "";
	int rc = dongbo_units_parse("test.tsv", tsv, strlen(tsv), &u, err,
				    sizeof(err));

	if (rc != 0)
		fail_msg("units: %s", err);
	return u;
}

/* The indicators the store tests use.  hs_nhan and hs_dung_han are flows
 * that are never composed over time (time none), so that each period's
 * roll-up holds exactly the values entered for it; the rules and the
 * composition over time have their own tests (test_store_rules.c). */
const char fx_catalog_ini[] =
	"[catalog]\nversion = 1\n"
	"[hs_nhan]\nname = Nhận\nunit = Hồ sơ\ntype = count\n"
	"rule = sum\ntime = none\n"
	"[hs_dung_han]\nname = Đúng hạn\nunit = Hồ sơ\ntype = count\n"
	"rule = sum\ntime = none\n";

struct dongbo_catalog *catalog_from(const char *ini)
{
	struct dongbo_catalog *cat = NULL;
	char err[256] = "";

	if (dongbo_catalog_parse("test.ini", ini, strlen(ini), &cat, err,
				 sizeof(err)) != 0)
		fail_msg("catalog: %s", err);
	return cat;
}

int fx_open_with(struct fx *fx, const char *home, uint64_t map_size)
{
	return fx_open_growing(fx, home, map_size, map_size);
}

int fx_open_growing(struct fx *fx, const char *home, uint64_t map_size,
		    uint64_t map_size_max)
{
	struct dongbo_store_options o = {
		.path = fx->path,
		.map_size = map_size,
		.map_size_max = map_size_max,
		.units = fx->units,
		.catalog = fx->cat,
		.home = dongbo_units_find(fx->units, home),
	};

	assert_non_null(o.home);
	return dongbo_store_open(&o, &fx->st);
}

void fx_reopen(struct fx *fx, const char *home, uint64_t map_size)
{
	dongbo_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(fx_open_with(fx, home, map_size), 0);
}

void fx_set_units(struct fx *fx, const char *tsv, const char *home)
{
	dongbo_store_close(fx->st);
	fx->st = NULL;
	dongbo_units_free(fx->units);
	fx->units = units_from(tsv);
	assert_int_equal(fx_open_with(fx, home, 0), 0);
}

int fx_setup(void **state, const char *catalog_ini)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/dongbo-test-store-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/store", fx->dir);
	fx->units = units_from(units_tsv);
	fx->cat = catalog_from(catalog_ini);
	assert_int_equal(fx_open_with(fx, "24", 0), 0);
	*state = fx;
	return 0;
}

int setup(void **state)
{
	return fx_setup(state, fx_catalog_ini);
}

int teardown(void **state)
{
	struct fx *fx = *state;

	dongbo_store_close(fx->st);
	dongbo_units_free(fx->units);
	dongbo_catalog_free(fx->cat);
	rm_rf(fx->dir);
	free(fx);
	return 0;
}

void verify_ok(struct fx *fx)
{
	char err[512] = "";
	int rc = dongbo_store_verify(fx->st, err, sizeof(err));

	if (rc != 0)
		fail_msg("verify: %s (%s)", dongbo_strerror(rc), err);
}

void month_of(char *buf, size_t len, int i)
{
	snprintf(buf, len, "%04dM%02d", 1990 + i / 12, i % 12 + 1);
}

struct dongbo_record rec(const char *unit, const char *ind,
				const char *period, int64_t value,
				uint64_t version, uint64_t seq)
{
	return (struct dongbo_record){ .unit = unit, .indicator = ind,
				       .period = period, .value = value,
				       .version = version, .seq = seq };
}

struct dongbo_record tomb(const char *unit, const char *ind,
				 const char *period, uint64_t version,
				 uint64_t seq)
{
	struct dongbo_record r = rec(unit, ind, period, 0, version, seq);

	r.deleted = true;
	return r;
}

void put_as(struct fx *fx, const char *unit, const char *ind,
	    const char *period, int64_t value, bool stated)
{
	struct dongbo_record r = rec(unit, ind, period, value, 0, 0);

	r.stated = stated;
	assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, 1, NULL), 0);
}

void put(struct fx *fx, const char *unit, const char *ind, const char *period,
	 int64_t value)
{
	put_as(fx, unit, ind, period, value, false);
}

void put_tomb(struct fx *fx, const char *unit, const char *ind,
	      const char *period)
{
	struct dongbo_record r = tomb(unit, ind, period, 0, 0);

	assert_int_equal(dongbo_store_put_local(fx->st, &r, 1, 1, NULL), 0);
}

size_t unit_index(const char *code)
{
	for (size_t u = 0; u < N_UNITS; u++)
		if (strcmp(all_units[u], code) == 0)
			return u;
	fail_msg("unit %s not in the model", code);
	return 0;
}

int apply(struct fx *fx, const char *child, const char *id,
		 uint64_t first, uint64_t last, const struct dongbo_record *r,
		 size_t n, uint64_t *applied, size_t *changed)
{
	return dongbo_store_apply_child(fx->st, child, id, first, last, r, n,
					NULL, 0, 1000, applied, changed);
}

uint64_t hello(struct fx *fx, const char *child, const char *id)
{
	uint64_t seq = 12345;

	assert_int_equal(dongbo_store_child_hello(fx->st, child, id, 1, &seq), 0);
	return seq;
}

uint64_t head(struct fx *fx)
{
	struct dongbo_uplink_state u;

	assert_int_equal(dongbo_store_uplink_state(fx->st, &u), 0);
	return u.head_seq;
}

void value_is(struct fx *fx, const char *unit, const char *ind,
			 const char *period, int64_t value, uint64_t version)
{
	struct dongbo_value v;

	assert_int_equal(dongbo_store_get(fx->st, unit, ind, period, false, &v), 0);
	assert_false(v.deleted);
	assert_int_equal(v.value, value);
	assert_int_equal(v.version, version);
}

void value_absent(struct fx *fx, const char *unit, const char *ind,
			  const char *period)
{
	struct dongbo_value v;

	assert_int_equal(dongbo_store_get(fx->st, unit, ind, period, false, &v),
			 DONGBO_E_NOTFOUND);
}

/* A roll-up as the callback hands it out. */

int parts_cb(void *arg, enum dongbo_part_kind kind, const char *key,
		    const struct dongbo_agg *agg)
{
	struct rollup_seen *rs = arg;

	assert_true(rs->n < PARTS_MAX);
	rs->part[rs->n].kind = kind;
	snprintf(rs->part[rs->n].key, sizeof(rs->part[0].key), "%s", key);
	rs->part[rs->n].agg = *agg;
	rs->n++;
	return 0;
}

int rollup(struct fx *fx, const char *anchor, const char *ind,
		  const char *period, struct rollup_seen *rs)
{
	memset(rs, 0, sizeof(*rs));
	return dongbo_store_rollup(fx->st, anchor, ind, period, &rs->total,
				   parts_cb, rs);
}

void total_is(struct fx *fx, const char *anchor, const char *ind,
			 const char *period, int64_t sum, int64_t count)
{
	struct rollup_seen rs;

	assert_int_equal(rollup(fx, anchor, ind, period, &rs), 0);
	assert_int_equal(rs.total.sum, sum);
	assert_int_equal(rs.total.count, count);
}

void part_is(const struct rollup_seen *rs, size_t i,
			enum dongbo_part_kind kind, const char *key,
			int64_t sum, int64_t count)
{
	assert_true(i < rs->n);
	assert_int_equal(rs->part[i].kind, kind);
	assert_string_equal(rs->part[i].key, key);
	assert_int_equal(rs->part[i].agg.sum, sum);
	assert_int_equal(rs->part[i].agg.count, count);
}

void sb_add(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->p == NULL) {
		sb->cap = 256;
		sb->p = malloc(sb->cap);
		assert_non_null(sb->p);
		sb->len = 0;
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < sb->cap - sb->len)
			break;
		sb->cap = 2 * sb->cap + (size_t)n + 1;
		sb->p = realloc(sb->p, sb->cap);
		assert_non_null(sb->p);
	}
	sb->len += (size_t)n;
}

int log_dump_cb(void *arg, const struct dongbo_record *r)
{
	sb_add(arg, "L%" PRIu64 " %s/%s/%s=%" PRId64 "@%" PRIu64 "%s\n", r->seq,
	       r->unit, r->indicator, r->period, r->value, r->version,
	       r->deleted ? "d" : "");
	return 0;
}

int child_dump_cb(void *arg, const struct dongbo_child_state *c)
{
	sb_add(arg, "C %s %s %" PRIu64 " %" PRIu64 " %" PRId64 "\n", c->unit,
	       c->store_id, c->applied_seq, c->received, c->last_seen_ms);
	return 0;
}

const char *const inds[] = { "hs_nhan", "hs_dung_han" };
const char *const periods[] = { "2024Q1", "2024" };

char *state_string(struct fx *fx)
{
	struct sbuf sb = { .p = malloc(256), .cap = 256 };
	struct dongbo_uplink_state up;

	assert_non_null(sb.p);
	sb.p[0] = '\0';
	assert_int_equal(dongbo_store_uplink_state(fx->st, &up), 0);
	sb_add(&sb, "head %" PRIu64 " acked %" PRIu64 " %s\n", up.head_seq,
	       up.acked_seq, up.parent_store_id);
	assert_int_equal(dongbo_store_log_read(fx->st, 0, SIZE_MAX, log_dump_cb,
					       &sb, NULL),
			 0);
	assert_int_equal(dongbo_store_children(fx->st, child_dump_cb, &sb), 0);
	for (size_t u = 0; u < N_UNITS; u++) {
		for (size_t i = 0; i < 2; i++) {
			for (size_t p = 0; p < 2; p++) {
				struct dongbo_value v;
				struct rollup_seen rs;
				int rc;

				rc = dongbo_store_get(fx->st, all_units[u], inds[i],
						      periods[p], false, &v);
				if (rc == 0)
					sb_add(&sb, "V %s/%s/%s=%" PRId64 "@%" PRIu64 "%s\n",
					       all_units[u], inds[i], periods[p],
					       v.value, v.version,
					       v.deleted ? "d" : "");
				rc = rollup(fx, all_units[u], inds[i], periods[p], &rs);
				if (rc != 0)
					continue;
				sb_add(&sb, "R %s/%s/%s %" PRId64 "/%" PRId64,
				       all_units[u], inds[i], periods[p],
				       rs.total.sum, rs.total.count);
				for (size_t k = 0; k < rs.n; k++)
					sb_add(&sb, " %c%s=%" PRId64 "/%" PRId64,
					       rs.part[k].kind == DONGBO_PART_LEVEL
						       ? 'L'
						       : 'C',
					       rs.part[k].key, rs.part[k].agg.sum,
					       rs.part[k].agg.count);
				sb_add(&sb, "\n");
			}
		}
	}
	return sb.p;
}

uint64_t rnd_next(uint64_t *s)
{
	return dongbo_splitmix64(s);
}

uint64_t rnd(uint64_t *s, uint64_t n)
{
	return rnd_next(s) % n;
}
