/*
 * catalog.c -- the indicator catalog, an INI file read with inih.
 *
 * inih splits "key = value" lines and strips comments; the reader and
 * handler below check every section and key against the format in
 * catalog.h and refuse anything else with "FILE:LINE: reason 'value'".
 * Checks that need the whole file (a required key never given, no
 * indicators at all) run after inih is done, and point at the section line.
 */
#include "catalog.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dongbo_ini.h"
#include "error.h"
#include "util.h"

/* ---- numbers ------------------------------------------------------------ */


/* ---- the catalog ---------------------------------------------------------- */

enum ind_key { K_NAME, K_UNIT, K_TYPE, K_RULE, K_TIME, K_FORMS, N_KEYS };

static const char *const key_names[N_KEYS] = {
	[K_NAME] = "name", [K_UNIT] = "unit", [K_TYPE] = "type",
	[K_RULE] = "rule", [K_TIME] = "time", [K_FORMS] = "forms",
};

#define REQUIRED_KEYS                                                          \
	(1u << K_NAME | 1u << K_UNIT | 1u << K_TYPE | 1u << K_RULE |           \
	 1u << K_TIME)

struct choice {
	const char *text;
	int value;
};

static const struct choice types[] = { { "count", DONGBO_TYPE_COUNT },
				       { NULL, 0 } };
static const struct choice rules[] = { { "sum", DONGBO_RULE_SUM },
				       { NULL, 0 } };
static const struct choice times[] = { { "sum", DONGBO_TIME_SUM },
				       { "first", DONGBO_TIME_FIRST },
				       { "last", DONGBO_TIME_LAST },
				       { NULL, 0 } };

struct entry {
	struct dongbo_indicator ind; /* strings owned, NULL until given */
	int line;		     /* of the section */
	unsigned keys;		     /* bit per enum ind_key given */
};

struct dongbo_catalog {
	uint32_t version;
	struct dongbo_indicator *inds; /* file order */
	size_t n_inds;
	const struct dongbo_indicator **index; /* by code */
};

struct reader {
	struct dongbo_ini_src src; /* first: the callbacks get &reader.src */
	enum { IN_NOTHING, IN_CATALOG, IN_INDICATOR } in;
	int catalog_line; /* 0 until [catalog] */
	bool have_version;
	uint32_t version;
	struct entry *entries;
	size_t n_entries;
	size_t cap_entries;
};

static void indicator_fini(struct dongbo_indicator *ind)
{
	free((char *)ind->code);
	free((char *)ind->name);
	free((char *)ind->unit);
	free((char *)ind->forms);
}

static bool is_valid_code(const char *s)
{
	size_t i;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 0; s[i]; i++) {
		if (i >= DONGBO_INDICATOR_CODE_MAX)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return true;
}

static int on_section(struct dongbo_ini_src *src, const char *name, size_t len)
{
	struct reader *r = (struct reader *)src;
	struct entry *e;
	char *code;
	size_t i;

	code = strndup(name, len);
	if (code == NULL)
		return dongbo_ini_fail(src, DONGBO_E_NOMEM, src->lineno,
				       "out of memory");
	if (strcmp(code, "catalog") == 0) {
		free(code);
		if (r->catalog_line != 0)
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "duplicate section '[catalog]' "
					       "(first on line %d)",
					       r->catalog_line);
		r->catalog_line = src->lineno;
		r->in = IN_CATALOG;
		return 0;
	}
	if (!is_valid_code(code)) {
		dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				"invalid indicator code '%s' (want a-z, 0-9 "
				"and '_', starting with a letter, at most %d "
				"bytes)",
				code, DONGBO_INDICATOR_CODE_MAX);
		free(code);
		return src->rc;
	}
	/* Catalogs hold tens of indicators: a linear scan is enough here. */
	for (i = 0; i < r->n_entries; i++) {
		if (strcmp(r->entries[i].ind.code, code) == 0) {
			dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
					"duplicate indicator '%s' (first on "
					"line %d)",
					code, r->entries[i].line);
			free(code);
			return src->rc;
		}
	}
	if (r->n_entries == r->cap_entries) {
		size_t cap = r->cap_entries ? 2 * r->cap_entries : 16;

		e = realloc(r->entries, cap * sizeof(*e));
		if (e == NULL) {
			free(code);
			return dongbo_ini_fail(src, DONGBO_E_NOMEM, src->lineno,
					       "out of memory");
		}
		r->entries = e;
		r->cap_entries = cap;
	}
	e = &r->entries[r->n_entries++];
	memset(e, 0, sizeof(*e));
	e->ind.code = code;
	e->line = src->lineno;
	r->in = IN_INDICATOR;
	return 0;
}

static int catalog_key(struct reader *r, const char *key, const char *value)
{
	struct dongbo_ini_src *src = &r->src;
	uint64_t v;

	if (strcmp(key, "version") != 0)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "unknown key in [catalog] '%s'", key);
	if (r->have_version)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "key given twice 'version'");
	if (!dongbo_parse_u64(value, UINT32_MAX, &v) || v == 0)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "version must be a whole number from 1 "
				       "to %u, not '%s'",
				       (unsigned)UINT32_MAX, value);
	r->version = (uint32_t)v;
	r->have_version = true;
	return 0;
}

static int choose(struct dongbo_ini_src *src, const struct choice *c,
		  const char *key, const char *value, int *out)
{
	const struct choice *p;
	char expected[64] = "";

	for (p = c; p->text != NULL; p++) {
		if (strcmp(p->text, value) == 0) {
			*out = p->value;
			return 0;
		}
	}
	for (p = c; p->text != NULL; p++) {
		strncat(expected, p->text,
			sizeof(expected) - strlen(expected) - 1);
		if (p[1].text != NULL)
			strncat(expected, ", ",
				sizeof(expected) - strlen(expected) - 1);
	}
	return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
			       "unknown %s '%s' (expected %s)", key, value,
			       expected);
}

static int indicator_key(struct reader *r, const char *key, const char *value)
{
	struct dongbo_ini_src *src = &r->src;
	struct entry *e = &r->entries[r->n_entries - 1];
	const char **text = NULL;
	enum ind_key k;
	int v, rc = 0;

	for (k = 0; k < N_KEYS; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == N_KEYS)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "unknown key in indicator '%s' '%s'",
				       e->ind.code, key);
	if (e->keys & 1u << k)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "key given twice '%s'", key);
	switch (k) {
	case K_NAME:
		text = &e->ind.name;
		break;
	case K_UNIT:
		text = &e->ind.unit;
		break;
	case K_FORMS:
		text = &e->ind.forms;
		break;
	case K_TYPE:
		rc = choose(src, types, key, value, &v);
		e->ind.type = (enum dongbo_value_type)v;
		break;
	case K_RULE:
		rc = choose(src, rules, key, value, &v);
		e->ind.rule = (enum dongbo_unit_rule)v;
		break;
	case K_TIME:
		rc = choose(src, times, key, value, &v);
		e->ind.time = (enum dongbo_time_rule)v;
		break;
	case N_KEYS:
		break;
	}
	if (rc != 0)
		return rc;
	if (text != NULL) {
		if (*value == '\0' && k != K_FORMS)
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "empty value for '%s' of "
					       "indicator '%s'",
					       key, e->ind.code);
		*text = strdup(value);
		if (*text == NULL)
			return dongbo_ini_fail(src, DONGBO_E_NOMEM, src->lineno,
					       "out of memory");
	}
	e->keys |= 1u << k;
	return 0;
}

static int on_key(struct dongbo_ini_src *src, const char *key,
		  const char *value)
{
	struct reader *r = (struct reader *)src;

	switch (r->in) {
	case IN_CATALOG:
		return catalog_key(r, key, value);
	case IN_INDICATOR:
		return indicator_key(r, key, value);
	case IN_NOTHING:
	default:
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "key outside any section '%s'", key);
	}
}

/* Whole-file checks, once every line has been read. */
static int check_complete(struct reader *r)
{
	struct dongbo_ini_src *src = &r->src;
	int last = src->lineno > 0 ? src->lineno : 1;
	size_t i;
	enum ind_key k;

	if (r->catalog_line == 0)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, last,
				       "no '[catalog]' section "
				       "(with 'version = 1')");
	if (!r->have_version)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, r->catalog_line,
				       "missing key in [catalog] 'version'");
	for (i = 0; i < r->n_entries; i++) {
		struct entry *e = &r->entries[i];

		for (k = 0; k < N_KEYS; k++)
			if ((REQUIRED_KEYS & 1u << k) && !(e->keys & 1u << k))
				return dongbo_ini_fail(src, DONGBO_E_CONFIG,
						       e->line,
						       "missing key in "
						       "indicator '%s' '%s'",
						       e->ind.code,
						       key_names[k]);
	}
	if (r->n_entries == 0)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, last,
				       "no indicators "
				       "(one '[code]' section each)");
	return 0;
}

static int ind_ptr_cmp(const void *a, const void *b)
{
	const struct dongbo_indicator *ia =
		*(const struct dongbo_indicator *const *)a;
	const struct dongbo_indicator *ib =
		*(const struct dongbo_indicator *const *)b;

	return strcmp(ia->code, ib->code);
}

/* Moves the entries into a new catalog; NULL when out of memory. */
static struct dongbo_catalog *catalog_new(struct reader *r)
{
	struct dongbo_catalog *cat;
	size_t i;

	cat = calloc(1, sizeof(*cat));
	if (cat == NULL)
		goto err;
	cat->inds = calloc(r->n_entries, sizeof(*cat->inds));
	if (cat->inds == NULL)
		goto err_after_cat;
	cat->index = calloc(r->n_entries, sizeof(*cat->index));
	if (cat->index == NULL)
		goto err_after_inds;
	for (i = 0; i < r->n_entries; i++) {
		struct dongbo_indicator *ind = &r->entries[i].ind;

		/* forms is optional: "" keeps callers free of NULL checks. */
		if (ind->forms == NULL) {
			ind->forms = strdup("");
			if (ind->forms == NULL)
				goto err_after_index;
		}
	}
	for (i = 0; i < r->n_entries; i++) {
		cat->inds[i] = r->entries[i].ind;
		cat->index[i] = &cat->inds[i];
	}
	qsort(cat->index, r->n_entries, sizeof(*cat->index), ind_ptr_cmp);
	cat->n_inds = r->n_entries;
	cat->version = r->version;
	/* The strings now belong to cat. */
	r->n_entries = 0;
	return cat;

err_after_index:
	free(cat->index);
err_after_inds:
	free(cat->inds);
err_after_cat:
	free(cat);
err:
	return NULL;
}

static int parse_stream(const char *name, FILE *f, struct dongbo_catalog **out,
			char *err, size_t errlen)
{
	struct reader r = {
		.src = { .name = name, .f = f, .on_section = on_section,
			 .on_key = on_key, .err = err, .errlen = errlen },
	};
	struct dongbo_catalog *cat = NULL;
	size_t i;
	int rc;

	rc = dongbo_ini_parse(&r.src);
	if (rc == 0)
		rc = check_complete(&r);
	if (rc == 0) {
		cat = catalog_new(&r);
		if (cat == NULL)
			rc = dongbo_ini_fail(&r.src, DONGBO_E_NOMEM,
					     r.src.lineno, "out of memory");
	}
	for (i = 0; i < r.n_entries; i++)
		indicator_fini(&r.entries[i].ind);
	free(r.entries);
	if (rc == 0)
		*out = cat;
	return rc;
}

int dongbo_catalog_load(const char *path, struct dongbo_catalog **out,
			char *err, size_t errlen)
{
	FILE *f;
	int rc;

	if (path == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if ((rc = dongbo_file_open(path, &f, err, errlen)) != 0)
		return rc;
	rc = parse_stream(path, f, out, err, errlen);
	fclose(f);
	return rc;
}

int dongbo_catalog_parse(const char *name, const char *buf, size_t len,
			 struct dongbo_catalog **out, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	if (name == NULL || buf == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if ((rc = dongbo_mem_open(buf, len, &f)) != 0)
		return rc;
	rc = parse_stream(name, f, out, err, errlen);
	fclose(f);
	return rc;
}

void dongbo_catalog_free(struct dongbo_catalog *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n_inds; i++)
		indicator_fini(&cat->inds[i]);
	free(cat->index);
	free(cat->inds);
	free(cat);
}

uint32_t dongbo_catalog_version(const struct dongbo_catalog *cat)
{
	return cat ? cat->version : 0;
}

size_t dongbo_catalog_count(const struct dongbo_catalog *cat)
{
	return cat ? cat->n_inds : 0;
}

const struct dongbo_indicator *dongbo_catalog_at(const struct dongbo_catalog *cat,
						 size_t i)
{
	if (cat == NULL || i >= cat->n_inds)
		return NULL;
	return &cat->inds[i];
}

static int code_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct dongbo_indicator *const *)elem)->code);
}

const struct dongbo_indicator *dongbo_catalog_find(const struct dongbo_catalog *cat,
						   const char *code)
{
	const struct dongbo_indicator *const *p;

	if (cat == NULL || code == NULL)
		return NULL;
	p = bsearch(code, cat->index, cat->n_inds, sizeof(*cat->index),
		    code_key_cmp);
	return p ? *p : NULL;
}

/* ---- values --------------------------------------------------------------- */


int dongbo_indicator_parse_value(const struct dongbo_indicator *ind,
				 const char *text, int64_t *out, char *err,
				 size_t errlen)
{
	uint64_t v;
	const char *s;

	if (ind == NULL || text == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if (ind->type != DONGBO_TYPE_COUNT) {
		dongbo_errf(err, errlen, "indicator '%s' has an unknown value type",
			ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (!dongbo_parse_u64(text, INT64_MAX, &v)) {
		/* Tell "too large" apart from "not a number". */
		for (s = text; *s >= '0' && *s <= '9'; s++)
			;
		if (*text != '\0' && *s == '\0')
			dongbo_errf(err, errlen,
				"'%s' is too large for a count (at most %lld)",
				text, (long long)INT64_MAX);
		else
			dongbo_errf(err, errlen,
				"'%s' is not a count (a whole number 0 or more)",
				text);
		return DONGBO_E_BAD_VALUE;
	}
	*out = (int64_t)v;
	return 0;
}

int dongbo_indicator_check_value(const struct dongbo_indicator *ind,
				 int64_t value, char *err, size_t errlen)
{
	if (ind == NULL)
		return DONGBO_E_INVAL;
	if (ind->type != DONGBO_TYPE_COUNT) {
		dongbo_errf(err, errlen, "indicator '%s' has an unknown value type",
			ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (value < 0) {
		dongbo_errf(err, errlen,
			"%lld is not a count (a whole number 0 or more)",
			(long long)value);
		return DONGBO_E_BAD_VALUE;
	}
	return 0;
}
