/*
 * store_apply.c -- what applying children's batches costs the store alone,
 * without processes, sockets or a scheduler: the figure to judge a change
 * of the apply path by (bench/store_apply.py drives it).
 *
 *   dongbo-store-bench UNITS CATALOG HOME RECORDS BATCH RUNS DIR
 *
 * RECORDS holds one record per line, "child\tunit\tindicator\tperiod\t
 * value", each child's lines in its log order.  Each run opens a fresh
 * store for HOME in a new directory under DIR and applies the records as
 * the children's pushes would arrive: BATCH records of one child, then of
 * the next, round robin, each push its own transaction (full durability,
 * as the default; no outbound log when HOME is a root, as dongbod
 * without a parent).  It prints one line per run: records, commits, and the
 * process CPU and wall time per record; the store is then verified
 * (dongbo_store_verify) and removed.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "error.h"
#include "store.h"
#include "units.h"

#define LINE_MAX_LEN 256
#define CHILDREN_MAX 256

struct child {
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char store_id[DONGBO_STORE_ID_LEN + 1];
	struct dongbo_record *recs;
	size_t n, cap, at;
};

static struct child kids[CHILDREN_MAX];
static size_t n_kids;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "dongbo-store-bench: %s: %s\n", what, why);
	exit(1);
}

static struct child *child_of(const char *unit)
{
	for (size_t i = 0; i < n_kids; i++)
		if (strcmp(kids[i].unit, unit) == 0)
			return &kids[i];
	if (n_kids == CHILDREN_MAX)
		die(unit, "too many children");
	snprintf(kids[n_kids].unit, sizeof(kids[n_kids].unit), "%s", unit);
	snprintf(kids[n_kids].store_id, sizeof(kids[n_kids].store_id),
		 "%032zx", n_kids + 1);
	return &kids[n_kids++];
}

static char *dup_field(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die("records", "out of memory");
	return d;
}

static void read_records(const char *path)
{
	char line[LINE_MAX_LEN];
	FILE *f = fopen(path, "r");
	unsigned long lineno = 0;

	if (f == NULL)
		die(path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *field[5], *save = NULL, *p = line;
		struct dongbo_record *r;
		struct child *c;
		size_t nf = 0;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		while (nf < 5 && (field[nf] = strtok_r(p, "\t", &save)) != NULL) {
			p = NULL;
			nf++;
		}
		if (nf != 5)
			die(path, "a line without 5 tab-separated fields");
		c = child_of(field[0]);
		if (c->n == c->cap) {
			size_t cap = c->cap != 0 ? 2 * c->cap : 1024;
			struct dongbo_record *v = realloc(c->recs,
							  cap * sizeof(*v));

			if (v == NULL)
				die(path, "out of memory");
			c->recs = v;
			c->cap = cap;
		}
		r = &c->recs[c->n++];
		memset(r, 0, sizeof(*r));
		r->unit = dup_field(field[1]);
		r->indicator = dup_field(field[2]);
		r->period = dup_field(field[3]);
		r->origin = r->unit;
		r->value = strtoll(field[4], NULL, 10);
		r->seq = c->n;
		r->version = 1000000 + lineno;
	}
	fclose(f);
}

static int rm_entry(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void run(const struct dongbo_units *units,
		const struct dongbo_catalog *cat, const char *home,
		size_t batch, const char *dir)
{
	struct dongbo_store_options o = { .units = units, .catalog = cat };
	char path[4096], err[512];
	struct dongbo_store *st;
	size_t total = 0, commits = 0, left = n_kids;
	double cpu0, wall0, cpu, wall;
	int rc;

	/* mkdtemp's template: it replaces the Xs with a unique name. */
	if ((size_t)snprintf(path, sizeof(path), "%s/storeXXXXXX", dir) >=
	    sizeof(path))
		die(dir, "path too long");
	if (mkdtemp(path) == NULL)
		die(path, strerror(errno));
	o.path = path;
	o.home = dongbo_units_find(units, home);
	if (o.home == NULL)
		die(home, "not in the unit list");
	/* As dongbod: a node without a parent keeps no outbound log. */
	o.no_outbox = o.home->parent == NULL;
	if ((rc = dongbo_store_open(&o, &st)) != 0)
		die("open", dongbo_strerror(rc));
	for (size_t i = 0; i < n_kids; i++) {
		uint64_t applied;

		kids[i].at = 0;
		if ((rc = dongbo_store_child_hello(st, kids[i].unit,
						   kids[i].store_id, 1,
						   &applied)) != 0)
			die(kids[i].unit, dongbo_strerror(rc));
	}
	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	wall0 = clock_s(CLOCK_MONOTONIC);
	while (left > 0) {
		left = 0;
		for (size_t i = 0; i < n_kids; i++) {
			struct child *c = &kids[i];
			size_t n = c->n - c->at < batch ? c->n - c->at : batch;
			uint64_t applied;
			size_t changed;

			if (n == 0)
				continue;
			rc = dongbo_store_apply_batch(
				st,
				&(struct dongbo_child_batch){
					.child_unit = c->unit,
					.child_store_id = c->store_id,
					.first_seq = c->at + 1,
					.last_seq = c->at + n,
					.recs = c->recs + c->at, .n = n,
					.now_ms = 1 },
				&applied, &changed);
			if (rc != 0)
				die(c->unit, dongbo_strerror(rc));
			c->at += n;
			total += n;
			commits++;
			if (c->at < c->n)
				left++;
		}
	}
	cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	wall = clock_s(CLOCK_MONOTONIC) - wall0;
	printf("records %zu commits %zu cpu_us_per_record %.3f "
	       "wall_us_per_record %.3f\n", total, commits,
	       cpu * 1e6 / (double)total, wall * 1e6 / (double)total);
	fflush(stdout);
	if (dongbo_store_verify(st, err, sizeof(err)) != 0)
		die("verify", err);
	dongbo_store_close(st);
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		die(path, strerror(errno));
}

int main(int argc, char **argv)
{
	struct dongbo_units *units;
	struct dongbo_catalog *cat;
	char err[512];
	long batch, runs;

	if (argc != 8) {
		fprintf(stderr, "usage: dongbo-store-bench UNITS CATALOG HOME "
				"RECORDS BATCH RUNS DIR\n");
		return 2;
	}
	batch = strtol(argv[5], NULL, 10);
	runs = strtol(argv[6], NULL, 10);
	if (batch <= 0 || runs <= 0)
		die("BATCH and RUNS", "must be positive numbers");
	if (dongbo_units_load(argv[1], &units, err, sizeof(err)) != 0)
		die("units", err);
	if (dongbo_catalog_load(argv[2], &cat, err, sizeof(err)) != 0)
		die("catalog", err);
	read_records(argv[4]);
	if (n_kids == 0)
		die(argv[4], "no records");
	for (long i = 0; i < runs; i++)
		run(units, cat, argv[3], (size_t)batch, argv[7]);
	dongbo_catalog_free(cat);
	dongbo_units_free(units);
	return 0;
}
