/*
 * fuzz_catalog.c -- libFuzzer target: the indicator catalog
 * (dongbo_catalog_parse, meta/catalog.c and catalog_build.c).
 *
 * The catalog is not only a local file: a parent sends its text down in a
 * Welcome and every child parses it (dongbo_node_catalog_offer), so a
 * hostile or corrupted parent reaches this parser.  It resolves forward
 * references, ratios, totals and rules, so after a successful parse the
 * target walks everything it built -- each indicator's references, a value
 * formatted and parsed back, each form row, each rule side -- to catch a
 * dangling pointer the parser left behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the walk's checksum goes, so that it is not optimised away. */
static volatile size_t sink;

/* Reads every byte of s. */
static size_t touch(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static int row_cb(void *arg, const struct dongbo_form *form,
		  const struct dongbo_form_row *row)
{
	size_t *sum = arg;

	*sum += touch(form->code) + touch(row->stt);
	return 0;
}

static size_t walk_indicator(const struct dongbo_catalog *cat,
			     const struct dongbo_indicator *ind)
{
	char buf[128], err[256];
	int64_t v;
	size_t sum = touch(ind->code) + touch(ind->name) + touch(ind->unit) +
		     touch(ind->note);

	if (dongbo_catalog_find(cat, ind->code) != ind)
		abort();
	for (size_t i = 0; i < ind->n_labels; i++)
		sum += touch(ind->labels[i].label);
	for (size_t i = 0; i < ind->n_parts; i++)
		sum += touch(ind->parts[i]->code);
	if (ind->numerator != NULL)
		sum += touch(ind->numerator->code) +
		       touch(ind->denominator->code);
	/* A value in range formats to text that parses back (the promise
	 * of DONGBO_FORMAT_PLAIN). */
	v = ind->has_min ? ind->min : ind->has_max ? ind->max : 1;
	if (ind->n_labels > 0)
		v = ind->labels[0].value;
	if (dongbo_indicator_is_stored(ind) &&
	    dongbo_indicator_check_value(ind, v, err, sizeof(err)) == 0) {
		int64_t back;

		dongbo_indicator_format(ind, v, DONGBO_FORMAT_PLAIN, buf,
					sizeof(buf));
		if (dongbo_indicator_parse_value(ind, buf, &back, err,
						 sizeof(err)) != 0 ||
		    back != v) {
			fprintf(stderr, "%s: %lld formats as '%s', reads %s\n",
				ind->code, (long long)v, buf, err);
			abort();
		}
		dongbo_indicator_format(ind, v, DONGBO_FORMAT_VI, buf,
					sizeof(buf));
	}
	dongbo_catalog_rows_of(cat, ind, row_cb, &sum);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dongbo_catalog *cat;
	char err[512];
	size_t sum = 0;

	if (dongbo_catalog_parse("fuzz.ini", (const char *)data, size, &cat,
				 err, sizeof(err)) != 0)
		return 0;
	sum += touch(dongbo_catalog_title(cat));
	for (size_t i = 0; i < dongbo_catalog_count(cat); i++)
		sum += walk_indicator(cat, dongbo_catalog_at(cat, i));
	for (size_t i = 0; i < dongbo_catalog_form_count(cat); i++) {
		const struct dongbo_form *f = dongbo_catalog_form_at(cat, i);

		if (dongbo_catalog_form_find(cat, f->code) == NULL)
			abort();
		sum += touch(f->title) + touch(f->basis);
		for (size_t j = 0; j < f->n_rows; j++) {
			const struct dongbo_form_row *r = &f->rows[j];

			sum += touch(r->label) + touch(r->unit);
			if (r->indicator != NULL)
				sum += touch(r->indicator->code);
			if (r->level != NULL)
				sum += touch(r->level);
		}
	}
	for (size_t i = 0; i < dongbo_catalog_rule_count(cat); i++) {
		const struct dongbo_rule *r = dongbo_catalog_rule_at(cat, i);

		sum += touch(r->code) + touch(r->text);
		for (size_t j = 0; j < r->n_left; j++)
			sum += touch(r->left[j]->code);
		for (size_t j = 0; j < r->n_right; j++)
			sum += touch(r->right[j]->code);
	}
	dongbo_catalog_free(cat);
	sink = sum;
	return 0;
}
