/*
 * catalog_build.c -- the second pass of reading a catalog: once inih has
 * read the whole file and catalog.c has recorded every section and key
 * with its line, catalog_build() makes the catalog in an order where
 * everything a check needs is known -- required keys, indicators alone
 * (types, defaults, bounds), the references between indicators (ratios and
 * totals, with cycle detection), forms and their rows, and rules -- and
 * refuses with the line of the key at fault.
 */
#include "catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fmtargs.h"
#include "i18n.h"
#include "number.h"
#include "util.h"

/* ---- building: names for messages ---------------------------------------- */

/* "count", "decimal with scale 2": what must agree between parts. */
static const char *describe_type(const struct dongbo_indicator *ind,
				 char *buf, size_t len)
{
	if (ind->type == DONGBO_TYPE_DECIMAL || ind->type == DONGBO_TYPE_MONEY)
		snprintf(buf, len, "%s with scale %d",
			 catalog_choice_name(catalog_types, (int)ind->type), ind->scale);
	else
		snprintf(buf, len, "%s", catalog_choice_name(catalog_types, (int)ind->type));
	return buf;
}

/* ---- building: required keys and the [catalog] section -------------------- */

/* The keys without which a section means nothing, blamed on its line. */
static int check_required(struct reader *r)
{
	static const int by_kind[N_KINDS][5] = {
		[SEC_CATALOG] = { C_VERSION, -1 },
		[SEC_INDICATOR] = { I_NAME, I_UNIT, -1 },
		[SEC_FORM] = { F_TITLE, -1 },
		[SEC_ROW] = { -1 },
		[SEC_RULE] = { R_TEXT, R_LEFT, R_OP, R_RIGHT, -1 },
	};
	char what[160];
	size_t i;

	for (i = 0; i < r->n_secs; i++) {
		struct section *s = r->secs[i];
		const struct raw *k = s->keys;
		int need[10], n = 0, j, rule = -1;

		for (j = 0; by_kind[s->kind][j] >= 0; j++)
			need[n++] = by_kind[s->kind][j];
		if (s->kind == SEC_INDICATOR) {
			if (k[I_RULE].value != NULL)
				rule = k[I_RULE].choice;
			if (!is_derived_rule(rule))
				need[n++] = I_TYPE;
			if (!is_derived_rule(rule) && k[I_TYPE].value != NULL &&
			    k[I_TYPE].choice == DONGBO_TYPE_DECIMAL)
				need[n++] = I_SCALE;
			if (rule == DONGBO_RULE_RATIO) {
				need[n++] = I_NUMERATOR;
				need[n++] = I_DENOMINATOR;
			}
			if (rule == DONGBO_RULE_TOTAL)
				need[n++] = I_PARTS;
		}
		for (j = 0; j < n; j++)
			if (k[need[j]].value == NULL)
				return FAIL(r, s->line,
					    "missing key in %s '%s'",
					    catalog_describe(s, what, sizeof(what)),
					    catalog_key_defs[s->kind][need[j]].name);
	}
	return 0;
}

static int build_catalog_section(struct reader *r, struct dongbo_catalog *cat)
{
	int last = r->src.lineno > 0 ? r->src.lineno : 1;

	if (r->catalog == NULL)
		return FAIL(r, last,
			    "no '[catalog]' section (with 'version = 1')");
	cat->version = r->version;
	cat->title = r->catalog->keys[C_TITLE].value;
	if (cat->title == NULL)
		cat->title = "";
	return 0;
}

/* ---- building: codes ------------------------------------------------------ */

static int section_code_cmp(const void *a, const void *b)
{
	const struct section *sa = *(const struct section *const *)a;
	const struct section *sb = *(const struct section *const *)b;
	int c = strcmp(sa->code, sb->code);

	return c != 0 ? c : (sa->line > sb->line) - (sa->line < sb->line);
}

/*
 * The sections of kind, sorted by code, into *out; refuses a code given
 * twice at the line of its second section (the earliest such line).
 */
static int sort_by_code(struct reader *r, enum kind kind, const char *what,
			struct section ***out)
{
	struct section **v;
	size_t i, n = 0;

	v = catalog_arena_array(r->arena, r->n_of[kind], sizeof(*v));
	if (v == NULL && r->n_of[kind] > 0)
		return FAIL_NOMEM(r);
	for (i = 0; i < r->n_secs; i++)
		if (r->secs[i]->kind == kind)
			v[n++] = r->secs[i];
	if (n > 1)
		qsort(v, n, sizeof(*v), section_code_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(v[i - 1]->code, v[i]->code) == 0)
			FAIL(r, v[i]->line,
			     "duplicate %s '%s' (first on line %d)", what,
			     v[i]->code, v[i - 1]->line);
	*out = v;
	return r->src.rc;
}

/* ---- building: indicators alone ------------------------------------------- */

#define TYPE_BIT(t) (1u << (t))
#define NUMERIC_TYPES                                                          \
	(TYPE_BIT(DONGBO_TYPE_COUNT) | TYPE_BIT(DONGBO_TYPE_DECIMAL) |         \
	 TYPE_BIT(DONGBO_TYPE_MONEY))
#define CHOICE_TYPES                                                           \
	(TYPE_BIT(DONGBO_TYPE_ENUM) | TYPE_BIT(DONGBO_TYPE_BOOL))

/* The types each stored rule may aggregate (catalog.h's table). */
static const unsigned rule_types[] = {
	[DONGBO_RULE_SUM] = NUMERIC_TYPES,
	[DONGBO_RULE_MEAN] = NUMERIC_TYPES,
	[DONGBO_RULE_MIN] = NUMERIC_TYPES | TYPE_BIT(DONGBO_TYPE_ENUM),
	[DONGBO_RULE_MAX] = NUMERIC_TYPES | TYPE_BIT(DONGBO_TYPE_ENUM),
	[DONGBO_RULE_COUNT] = CHOICE_TYPES,
	[DONGBO_RULE_NONE] = NUMERIC_TYPES | CHOICE_TYPES,
	[DONGBO_RULE_RATIO] = 0,
	[DONGBO_RULE_TOTAL] = 0,
};

static bool is_numeric(enum dongbo_value_type t)
{
	return (NUMERIC_TYPES & TYPE_BIT(t)) != 0;
}

static int raw_label_cmp(const void *a, const void *b)
{
	const struct raw_label *la = *(const struct raw_label *const *)a;
	const struct raw_label *lb = *(const struct raw_label *const *)b;

	if (la->value != lb->value)
		return la->value < lb->value ? -1 : 1;
	return (la->line > lb->line) - (la->line < lb->line);
}

/* The words for 0 and 1 of a bool without value.N keys (catalog.h). */
const char *const catalog_default_bool_labels[2] = { "Không", "Có" };

/* The value.N keys of an enum or bool, into ind->labels by value. */
static int build_labels(struct reader *r, struct section *s,
			struct dongbo_indicator *ind)
{
	struct dongbo_enum_label *out;
	struct raw_label **v, *l;
	size_t i, j, n = 0;
	int64_t probe;

	if (ind->type != DONGBO_TYPE_ENUM && ind->type != DONGBO_TYPE_BOOL) {
		if (s->labels != NULL)
			return FAIL(r, s->labels->line,
				    "key 'value.%lld' is only for enum and "
				    "bool (indicator '%s' is %s)",
				    (long long)s->labels->value, ind->code,
				    catalog_choice_name(catalog_types, (int)ind->type));
		return 0;
	}
	if (ind->type == DONGBO_TYPE_ENUM && s->n_labels < 2)
		return FAIL(r, s->line,
			    "enum '%s' needs two or more values "
			    "(value.N = label), not %zu",
			    ind->code, s->n_labels);
	v = catalog_arena_array(r->arena, s->n_labels, sizeof(*v));
	if (v == NULL && s->n_labels > 0)
		return FAIL_NOMEM(r);
	for (l = s->labels; l != NULL; l = l->next) {
		if (ind->type == DONGBO_TYPE_BOOL && l->value != 0 &&
		    l->value != 1)
			return FAIL(r, l->line,
				    "a bool has only value.0 and value.1, not "
				    "value.%lld",
				    (long long)l->value);
		if (dongbo_number_parse_int64(l->label, strlen(l->label),
					      &probe))
			return FAIL(r, l->line,
				    "label '%s' would read as a value; a label "
				    "is words (\"Hoàn thành\")",
				    l->label);
		v[n++] = l;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), raw_label_cmp);
	for (i = 1; i < n; i++)
		if (v[i - 1]->value == v[i]->value)
			FAIL(r, v[i]->line, "value %lld given twice (first on "
					    "line %d)",
			     (long long)v[i]->value, v[i - 1]->line);
	if (r->src.rc != 0)
		return r->src.rc;
	/* A label read back must give one value: no label twice.  Enums
	 * list a handful of values, so comparing all pairs costs nothing. */
	for (l = s->labels; l != NULL; l = l->next)
		for (j = 0; j < n; j++)
			if (v[j] != l && v[j]->line < l->line &&
			    strcmp(v[j]->label, l->label) == 0)
				return FAIL(r, l->line,
					    "label '%s' given to two values "
					    "(first on line %d)",
					    l->label, v[j]->line);
	if (ind->type == DONGBO_TYPE_BOOL) {
		out = catalog_arena_array(r->arena, 2, sizeof(*out));
		if (out == NULL)
			return FAIL_NOMEM(r);
		for (i = 0; i < 2; i++) {
			out[i].value = (int64_t)i;
			out[i].label = catalog_default_bool_labels[i];
		}
		for (i = 0; i < n; i++)
			out[v[i]->value].label = v[i]->label;
		for (l = s->labels; l != NULL; l = l->next)
			if (strcmp(out[1 - l->value].label, l->label) == 0)
				return FAIL(r, l->line,
					    "label '%s' given to two values",
					    l->label);
		ind->labels = out;
		ind->n_labels = 2;
		return 0;
	}
	out = catalog_arena_array(r->arena, n, sizeof(*out));
	if (out == NULL)
		return FAIL_NOMEM(r);
	for (i = 0; i < n; i++) {
		out[i].value = v[i]->value;
		out[i].label = v[i]->label;
	}
	ind->labels = out;
	ind->n_labels = n;
	return 0;
}

static int build_bounds(struct reader *r, struct section *s,
			struct dongbo_indicator *ind)
{
	static const int keys[2] = { I_MIN, I_MAX };
	const struct raw *k = s->keys;
	int64_t v[2] = { 0, 0 };
	char msg[256];
	struct dongbo_msg why;
	int i;

	for (i = 0; i < 2; i++) {
		const struct raw *b = &k[keys[i]];

		if (b->value == NULL)
			continue;
		if (!is_numeric(ind->type))
			return FAIL(r, b->line,
				    "key '%s' is not allowed for type %s: its "
				    "values are listed",
				    catalog_key_defs[SEC_INDICATOR][keys[i]].name,
				    catalog_choice_name(catalog_types, (int)ind->type));
		if (dongbo_number_parse_msg(b->value, number_kind(ind->type),
					    ind->scale, unit_is_percent(ind),
					    &v[i], &why) == 0)
			continue;
		dongbo_msg_translate(&why, msg, sizeof(msg));
		return FAIL(r, b->line, "bad %s of indicator '%s': %s",
				    catalog_key_defs[SEC_INDICATOR][keys[i]].name,
				    ind->code, msg);
	}
	ind->has_min = k[I_MIN].value != NULL;
	ind->has_max = k[I_MAX].value != NULL;
	ind->min = v[0];
	ind->max = v[1];
	if (ind->has_min && ind->has_max && ind->min > ind->max)
		return FAIL(r, k[I_MAX].line,
			    "min '%s' is more than max '%s' of indicator '%s'",
			    k[I_MIN].value, k[I_MAX].value, ind->code);
	return 0;
}

/* What an indicator's own section says, before following references. */
static int build_indicator(struct reader *r, struct section *s,
			   struct dongbo_indicator *ind)
{
	static const int ratio_keys[] = { I_NUMERATOR, I_DENOMINATOR,
					  I_PERCENT };
	static const int bounds[] = { I_MIN, I_MAX };
	const struct raw *k = s->keys;
	bool given_type = k[I_TYPE].value != NULL;
	size_t i;

	ind->code = s->code;
	ind->name = k[I_NAME].value;
	ind->unit = k[I_UNIT].value;
	ind->note = k[I_NOTE].value ? k[I_NOTE].value : "";
	ind->line = s->line;
	ind->type = given_type ? (enum dongbo_value_type)k[I_TYPE].choice
			       : DONGBO_TYPE_DECIMAL;
	if (k[I_RULE].value != NULL)
		ind->rule = (enum dongbo_unit_rule)k[I_RULE].choice;
	else if (ind->type == DONGBO_TYPE_ENUM || ind->type == DONGBO_TYPE_BOOL)
		ind->rule = DONGBO_RULE_COUNT;
	else
		ind->rule = DONGBO_RULE_SUM;

	/* Keys that belong to another rule. */
	for (i = 0; i < sizeof(ratio_keys) / sizeof(ratio_keys[0]); i++) {
		const struct raw *key = &k[ratio_keys[i]];

		if (ind->rule != DONGBO_RULE_RATIO && key->value != NULL)
			return FAIL(r, key->line,
				    "key '%s' is only for rule = ratio "
				    "(indicator '%s' has rule %s)",
				    catalog_key_defs[SEC_INDICATOR][ratio_keys[i]].name,
				    ind->code,
				    catalog_choice_name(catalog_rules, (int)ind->rule));
	}
	if (ind->rule != DONGBO_RULE_TOTAL && k[I_PARTS].value != NULL)
		return FAIL(r, k[I_PARTS].line,
			    "key 'parts' is only for rule = total (indicator "
			    "'%s' has rule %s)",
			    ind->code, catalog_choice_name(catalog_rules, (int)ind->rule));

	if (is_derived_rule(ind->rule)) {
		const char *what = ind->rule == DONGBO_RULE_RATIO ? "ratio"
								  : "total";

		for (i = 0; i < 2; i++) {
			const struct raw *b = &k[bounds[i]];
			const char *key =
				catalog_key_defs[SEC_INDICATOR][bounds[i]].name;

			if (b->value != NULL)
				return FAIL(r, b->line,
					    "key '%s' is not allowed for a %s: "
					    "its values are computed",
					    key, what);
		}
		if (s->labels != NULL)
			return FAIL(r, s->labels->line,
				    "key 'value.%lld' is only for enum and "
				    "bool (indicator '%s' is a %s)",
				    (long long)s->labels->value, ind->code,
				    what);
		if (ind->rule == DONGBO_RULE_TOTAL)
			return 0; /* type, scale, time: from its parts */
		if (k[I_TIME].value != NULL)
			return FAIL(r, k[I_TIME].line,
				    "key 'time' is not allowed for a ratio: it "
				    "is that of its numerator and denominator");
		if (given_type && ind->type != DONGBO_TYPE_DECIMAL)
			return FAIL(r, k[I_TYPE].line,
				    "a ratio is shown as a decimal, not %s: "
				    "write 'type = decimal' or leave type out",
				    k[I_TYPE].value);
		ind->scale = k[I_SCALE].value ? k[I_SCALE].choice : 2;
		ind->percent = k[I_PERCENT].value && k[I_PERCENT].choice;
		return 0;
	}

	if (!(rule_types[ind->rule] & TYPE_BIT(ind->type))) {
		char allowed[128] = "";
		size_t n = 0;
		const struct choice *c;

		for (c = catalog_rules; c->text != NULL && n < sizeof(allowed); c++)
			if (rule_types[c->value] & TYPE_BIT(ind->type))
				n += (size_t)snprintf(allowed + n,
						      sizeof(allowed) - n,
						      "%s%s", n ? ", " : "",
						      c->text);
		return FAIL(r, k[I_RULE].line,
			    "rule %s is not allowed for type %s (allowed: %s)",
			    k[I_RULE].value, k[I_TYPE].value, allowed);
	}
	if (k[I_SCALE].value != NULL && !(ind->type == DONGBO_TYPE_DECIMAL ||
					  ind->type == DONGBO_TYPE_MONEY))
		return FAIL(r, k[I_SCALE].line,
			    "key 'scale' is not allowed for type %s (only "
			    "decimal and money have decimals)",
			    k[I_TYPE].value);
	ind->scale = k[I_SCALE].value ? k[I_SCALE].choice : 0;
	if (k[I_TIME].value != NULL)
		ind->time = (enum dongbo_time_rule)k[I_TIME].choice;
	else if (ind->type == DONGBO_TYPE_ENUM || ind->type == DONGBO_TYPE_BOOL)
		ind->time = DONGBO_TIME_LAST;
	else
		ind->time = DONGBO_TIME_SUM;
	if (ind->time == DONGBO_TIME_SUM && !is_numeric(ind->type))
		return FAIL(r, k[I_TIME].line,
			    "time sum adds values over periods, and %s values "
			    "cannot be added (use last, first or none)",
			    k[I_TYPE].value);
	if (build_labels(r, s, ind) != 0)
		return r->src.rc;
	return build_bounds(r, s, ind);
}

static int build_indicators(struct reader *r, struct dongbo_catalog *cat)
{
	struct section **sorted;
	size_t i, j = 0, n = r->n_of[SEC_INDICATOR];
	int last = r->src.lineno > 0 ? r->src.lineno : 1;

	if (n == 0)
		return FAIL(r, last,
			    "no indicators (one '[code]' section each)");
	if (sort_by_code(r, SEC_INDICATOR, "indicator", &sorted) != 0)
		return r->src.rc;
	cat->inds = catalog_arena_array(r->arena, n, sizeof(*cat->inds));
	cat->ind_index = catalog_arena_array(r->arena, n, sizeof(*cat->ind_index));
	r->ind_secs = catalog_arena_array(r->arena, n, sizeof(*r->ind_secs));
	if (cat->inds == NULL || cat->ind_index == NULL || r->ind_secs == NULL)
		return FAIL_NOMEM(r);
	cat->n_inds = n;
	for (i = 0; i < r->n_secs; i++) {
		struct section *s = r->secs[i];

		if (s->kind != SEC_INDICATOR)
			continue;
		s->index = j;
		r->ind_secs[j] = s;
		if (build_indicator(r, s, &cat->inds[j]) != 0)
			return r->src.rc;
		j++;
	}
	for (i = 0; i < n; i++)
		cat->ind_index[i] = &cat->inds[sorted[i]->index];
	return 0;
}

/* ---- building: ratios and totals ------------------------------------------ */

/* level[i] while totals are resolved: how deep total i is built. */
#define LEVEL_UNSEEN 0
#define LEVEL_VISITING (-1)

/*
 * Takes total i's type, scale and time from its parts, resolving the
 * parts that are totals first; a part met again while its own parts are
 * being resolved closes a cycle.  level[i] becomes 1 for a total of
 * stored indicators, one more than its deepest part otherwise; depth is
 * that of the recursion, refused early so that it stays bounded too.
 */
static int resolve_total(struct reader *r, struct dongbo_catalog *cat,
			 size_t i, int *level, int depth)
{
	struct dongbo_indicator *ind = &cat->inds[i];
	const struct section *s = r->ind_secs[i];
	const struct raw *k = s->keys;
	const struct dongbo_indicator *first = NULL;
	char a[64], b[64];
	int deepest = 0;
	size_t j;

	if (level[i] > 0)
		return 0;
	if (depth >= TOTAL_DEPTH_MAX)
		goto too_deep;
	level[i] = LEVEL_VISITING;
	for (j = 0; j < ind->n_parts; j++) {
		const struct dongbo_indicator *p = ind->parts[j];
		size_t pi = (size_t)(p - cat->inds);

		if (p->rule == DONGBO_RULE_TOTAL) {
			if (level[pi] == LEVEL_VISITING)
				return FAIL(r, k[I_PARTS].line,
					    "total '%s' is built on itself "
					    "through '%s'",
					    ind->code, p->code);
			if (resolve_total(r, cat, pi, level, depth + 1) != 0)
				return r->src.rc;
			if (level[pi] > deepest)
				deepest = level[pi];
		} else if (p->rule != DONGBO_RULE_SUM) {
			return FAIL(r, k[I_PARTS].line,
				    "part '%s' of total '%s' has rule %s; the "
				    "parts of a total need rule sum or total",
				    p->code, ind->code,
				    catalog_choice_name(catalog_rules, (int)p->rule));
		}
		if (first == NULL) {
			first = p;
			ind->type = p->type;
			ind->scale = p->scale;
			ind->time = p->time;
		} else if (p->type != first->type || p->scale != first->scale) {
			return FAIL(r, k[I_PARTS].line,
				    "part '%s' of total '%s' is %s, but '%s' "
				    "is %s; the parts need one type and scale",
				    p->code, ind->code,
				    describe_type(p, a, sizeof(a)), first->code,
				    describe_type(first, b, sizeof(b)));
		} else if (p->time != first->time) {
			return FAIL(r, k[I_PARTS].line,
				    "part '%s' of total '%s' has time %s, but "
				    "'%s' has time %s; the parts need one time "
				    "rule",
				    p->code, ind->code,
				    catalog_choice_name(catalog_times, (int)p->time),
				    first->code,
				    catalog_choice_name(catalog_times, (int)first->time));
		}
	}
	if (deepest >= TOTAL_DEPTH_MAX)
		goto too_deep;
	/* What the section says of itself must agree with its parts. */
	if (k[I_TYPE].value != NULL && k[I_TYPE].choice != (int)ind->type)
		return FAIL(r, k[I_TYPE].line,
			    "total '%s' is %s like its parts, not %s",
			    ind->code, catalog_choice_name(catalog_types, (int)ind->type),
			    k[I_TYPE].value);
	if (k[I_SCALE].value != NULL && ind->type != DONGBO_TYPE_DECIMAL &&
	    ind->type != DONGBO_TYPE_MONEY)
		return FAIL(r, k[I_SCALE].line,
			    "key 'scale' is not allowed for type %s (only "
			    "decimal and money have decimals)",
			    catalog_choice_name(catalog_types, (int)ind->type));
	if (k[I_SCALE].value != NULL && k[I_SCALE].choice != ind->scale)
		return FAIL(r, k[I_SCALE].line,
			    "total '%s' has scale %d like its parts, not %s",
			    ind->code, ind->scale, k[I_SCALE].value);
	if (k[I_TIME].value != NULL && k[I_TIME].choice != (int)ind->time)
		return FAIL(r, k[I_TIME].line,
			    "total '%s' has time %s like its parts, not %s",
			    ind->code, catalog_choice_name(catalog_times, (int)ind->time),
			    k[I_TIME].value);
	level[i] = deepest + 1;
	return 0;

too_deep:
	return FAIL(r, k[I_PARTS].line,
		    "totals are built on totals more than %d deep at '%s'",
		    TOTAL_DEPTH_MAX, ind->code);
}

static int check_ratio(struct reader *r, struct dongbo_indicator *ind,
		       const struct section *s)
{
	static const int keys[2] = { I_NUMERATOR, I_DENOMINATOR };
	const struct dongbo_indicator *p[2] = { ind->numerator,
						ind->denominator };
	int i;

	for (i = 0; i < 2; i++)
		if (p[i]->rule != DONGBO_RULE_SUM &&
		    p[i]->rule != DONGBO_RULE_TOTAL)
			return FAIL(r, s->keys[keys[i]].line,
				    "%s '%s' of ratio '%s' has rule %s; a "
				    "ratio divides indicators with rule sum or "
				    "total",
				    catalog_key_defs[SEC_INDICATOR][keys[i]].name,
				    p[i]->code, ind->code,
				    catalog_choice_name(catalog_rules, (int)p[i]->rule));
	if (p[0]->time != p[1]->time)
		return FAIL(r, s->keys[I_DENOMINATOR].line,
			    "ratio '%s': numerator '%s' has time %s, but "
			    "denominator '%s' has time %s; they need the same",
			    ind->code, p[0]->code,
			    catalog_choice_name(catalog_times, (int)p[0]->time), p[1]->code,
			    catalog_choice_name(catalog_times, (int)p[1]->time));
	ind->time = p[0]->time;
	return 0;
}

/* Resolves the codes of ratios and totals, then checks them. */
static int link_indicators(struct reader *r, struct dongbo_catalog *cat)
{
	int *level;
	size_t i, j, m;

	for (i = 0; i < cat->n_inds; i++) {
		struct dongbo_indicator *ind = &cat->inds[i];
		const struct raw *k = r->ind_secs[i]->keys;
		const struct dongbo_indicator **parts;

		if (ind->rule == DONGBO_RULE_RATIO) {
			ind->numerator =
				catalog_find_indicator(cat, k[I_NUMERATOR].value);
			if (ind->numerator == NULL)
				return FAIL(r, k[I_NUMERATOR].line,
					    "unknown indicator '%s' (numerator "
					    "of '%s')",
					    k[I_NUMERATOR].value, ind->code);
			ind->denominator =
				catalog_find_indicator(cat, k[I_DENOMINATOR].value);
			if (ind->denominator == NULL)
				return FAIL(r, k[I_DENOMINATOR].line,
					    "unknown indicator '%s' "
					    "(denominator of '%s')",
					    k[I_DENOMINATOR].value, ind->code);
		}
		if (ind->rule != DONGBO_RULE_TOTAL)
			continue;
		if (k[I_PARTS].n_codes < 2)
			return FAIL(r, k[I_PARTS].line,
				    "total '%s' needs two or more parts "
				    "joined by '+', not '%s'",
				    ind->code, k[I_PARTS].value);
		parts = catalog_arena_array(r->arena, k[I_PARTS].n_codes,
				    sizeof(*parts));
		if (parts == NULL)
			return FAIL_NOMEM(r);
		for (j = 0; j < k[I_PARTS].n_codes; j++) {
			parts[j] = catalog_find_indicator(cat, k[I_PARTS].codes[j]);
			if (parts[j] == NULL)
				return FAIL(r, k[I_PARTS].line,
					    "unknown indicator '%s' in parts "
					    "of '%s'",
					    k[I_PARTS].codes[j], ind->code);
			for (m = 0; m < j; m++)
				if (parts[m] == parts[j])
					return FAIL(r, k[I_PARTS].line,
						    "'%s' is listed twice in "
						    "parts of '%s'",
						    parts[j]->code, ind->code);
		}
		ind->parts = parts;
		ind->n_parts = k[I_PARTS].n_codes;
	}
	level = catalog_arena_array(r->arena, cat->n_inds, sizeof(*level));
	if (level == NULL)
		return FAIL_NOMEM(r);
	for (i = 0; i < cat->n_inds; i++)
		if (cat->inds[i].rule == DONGBO_RULE_TOTAL &&
		    resolve_total(r, cat, i, level, 0) != 0)
			return r->src.rc;
	for (i = 0; i < cat->n_inds; i++)
		if (cat->inds[i].rule == DONGBO_RULE_RATIO &&
		    check_ratio(r, &cat->inds[i], r->ind_secs[i]) != 0)
			return r->src.rc;
	return 0;
}

/* ---- building: forms, rows and rules -------------------------------------- */

static int build_forms(struct reader *r, struct dongbo_catalog *cat)
{
	struct section **sorted;
	size_t i, j = 0, n = r->n_of[SEC_FORM];

	if (sort_by_code(r, SEC_FORM, "form", &sorted) != 0)
		return r->src.rc;
	cat->forms = catalog_arena_array(r->arena, n, sizeof(*cat->forms));
	cat->form_index = catalog_arena_array(r->arena, n, sizeof(*cat->form_index));
	if (n > 0 && (cat->forms == NULL || cat->form_index == NULL))
		return FAIL_NOMEM(r);
	cat->n_forms = n;
	for (i = 0; i < r->n_secs; i++) {
		struct section *s = r->secs[i];
		struct dongbo_form *f;

		if (s->kind != SEC_FORM)
			continue;
		s->index = j;
		f = &cat->forms[j++];
		f->code = s->code;
		f->title = s->keys[F_TITLE].value;
		f->basis = s->keys[F_BASIS].value ? s->keys[F_BASIS].value : "";
	}
	for (i = 0; i < n; i++)
		cat->form_index[i] = &cat->forms[sorted[i]->index];
	return 0;
}

static int build_row(struct reader *r, const struct dongbo_catalog *cat,
		     const struct section *s, struct dongbo_form_row *row)
{
	const struct raw *k = s->keys;
	char what[160];

	row->stt = s->stt;
	if (k[W_INDICATOR].value != NULL) {
		row->indicator = catalog_find_indicator(cat, k[W_INDICATOR].value);
		if (row->indicator == NULL)
			return FAIL(r, k[W_INDICATOR].line,
				    "unknown indicator '%s' in %s",
				    k[W_INDICATOR].value,
				    catalog_describe(s, what, sizeof(what)));
	}
	if (k[W_LABEL].value != NULL && *k[W_LABEL].value != '\0')
		row->label = k[W_LABEL].value;
	else if (row->indicator != NULL)
		row->label = row->indicator->name;
	else
		return FAIL(r, k[W_LABEL].value ? k[W_LABEL].line : s->line,
			    "%s needs a label: it has no indicator to take "
			    "the name from",
			    catalog_describe(s, what, sizeof(what)));
	if (k[W_UNIT].value != NULL && *k[W_UNIT].value != '\0')
		row->unit = k[W_UNIT].value;
	else
		row->unit = row->indicator ? row->indicator->unit : "";
	row->level = k[W_LEVEL].value;
	return 0;
}

static int build_rows(struct reader *r, struct dongbo_catalog *cat)
{
	struct dongbo_form_row **fill;
	size_t i, n = r->n_of[SEC_ROW];

	cat->rows = catalog_arena_array(r->arena, n, sizeof(*cat->rows));
	fill = catalog_arena_array(r->arena, cat->n_forms, sizeof(*fill));
	if ((n > 0 && cat->rows == NULL) || (cat->n_forms > 0 && fill == NULL))
		return FAIL_NOMEM(r);
	/* First the form of every row, to size each form's array. */
	for (i = 0; i < r->n_secs; i++) {
		struct section *s = r->secs[i];
		const struct dongbo_form *f;

		if (s->kind != SEC_ROW)
			continue;
		f = catalog_find_form(cat, s->code);
		if (f == NULL)
			return FAIL(r, s->line,
				    "row of unknown form '%s' (no [form %s] "
				    "section)",
				    s->code, s->code);
		s->index = (size_t)(f - cat->forms);
		cat->forms[s->index].n_rows++;
	}
	for (i = 0; i < cat->n_forms; i++) {
		fill[i] = catalog_arena_array(r->arena, cat->forms[i].n_rows,
				      sizeof(*fill[i]));
		if (fill[i] == NULL && cat->forms[i].n_rows > 0)
			return FAIL_NOMEM(r);
		cat->forms[i].rows = fill[i];
	}
	for (i = 0; i < r->n_secs; i++) {
		struct section *s = r->secs[i];
		struct dongbo_form_row *row;

		if (s->kind != SEC_ROW)
			continue;
		row = fill[s->index]++;
		if (build_row(r, cat, s, row) != 0)
			return r->src.rc;
		cat->rows[cat->n_rows].form = &cat->forms[s->index];
		cat->rows[cat->n_rows++].row = row;
	}
	return 0;
}

/* One side of a rule: indicators with rule sum or total, all of the type
 * and scale of *ref (set by the first one met). */
static int build_side(struct reader *r, const struct dongbo_catalog *cat,
		      const struct section *s, int key,
		      const struct dongbo_indicator *const **out, size_t *n_out,
		      const struct dongbo_indicator **ref)
{
	const struct raw *k = &s->keys[key];
	const char *side = catalog_key_defs[SEC_RULE][key].name;
	const struct dongbo_indicator **v;
	char a[64], b[64];
	size_t i;

	v = catalog_arena_array(r->arena, k->n_codes, sizeof(*v));
	if (v == NULL)
		return FAIL_NOMEM(r);
	for (i = 0; i < k->n_codes; i++) {
		const struct dongbo_indicator *ind =
			catalog_find_indicator(cat, k->codes[i]);

		if (ind == NULL)
			return FAIL(r, k->line,
				    "unknown indicator '%s' in %s of rule '%s'",
				    k->codes[i], side, s->code);
		if (ind->rule == DONGBO_RULE_RATIO)
			return FAIL(r, k->line,
				    "'%s' in %s of rule '%s' is a ratio; a "
				    "rule adds indicators with rule sum or "
				    "total",
				    ind->code, side, s->code);
		if (!is_numeric(ind->type))
			return FAIL(r, k->line,
				    "'%s' in %s of rule '%s' is %s; a rule "
				    "adds indicators with rule sum or total",
				    ind->code, side, s->code,
				    ind->type == DONGBO_TYPE_ENUM ? "an enum"
								  : "a bool");
		if (ind->rule != DONGBO_RULE_SUM &&
		    ind->rule != DONGBO_RULE_TOTAL)
			return FAIL(r, k->line,
				    "'%s' in %s of rule '%s' has rule %s; a "
				    "rule adds indicators with rule sum or "
				    "total",
				    ind->code, side, s->code,
				    catalog_choice_name(catalog_rules, (int)ind->rule));
		if (*ref == NULL)
			*ref = ind;
		else if (ind->type != (*ref)->type ||
			 ind->scale != (*ref)->scale)
			return FAIL(r, k->line,
				    "'%s' in %s of rule '%s' is %s, but '%s' "
				    "is %s; both sides need one type and scale",
				    ind->code, side, s->code,
				    describe_type(ind, a, sizeof(a)),
				    (*ref)->code,
				    describe_type(*ref, b, sizeof(b)));
		v[i] = ind;
	}
	*out = v;
	*n_out = k->n_codes;
	return 0;
}

static int build_rules(struct reader *r, struct dongbo_catalog *cat)
{
	struct section **sorted;
	size_t i, j = 0, n = r->n_of[SEC_RULE];

	if (sort_by_code(r, SEC_RULE, "rule", &sorted) != 0)
		return r->src.rc;
	cat->rules = catalog_arena_array(r->arena, n, sizeof(*cat->rules));
	if (n > 0 && cat->rules == NULL)
		return FAIL_NOMEM(r);
	for (i = 0; i < r->n_secs; i++) {
		const struct section *s = r->secs[i];
		const struct raw *k = s->keys;
		const struct dongbo_indicator *ref = NULL;
		struct dongbo_rule *u;

		if (s->kind != SEC_RULE)
			continue;
		u = &cat->rules[j++];
		u->code = s->code;
		u->text = k[R_TEXT].value;
		u->op = (enum dongbo_rule_op)k[R_OP].choice;
		u->severity = DONGBO_SEVERITY_ERROR;
		if (k[R_SEVERITY].value != NULL)
			u->severity =
				(enum dongbo_severity)k[R_SEVERITY].choice;
		if (build_side(r, cat, s, R_LEFT, &u->left, &u->n_left, &ref) !=
			    0 ||
		    build_side(r, cat, s, R_RIGHT, &u->right, &u->n_right,
			       &ref) != 0)
			return r->src.rc;
	}
	cat->n_rules = n;
	return 0;
}

int catalog_build(struct reader *r, struct dongbo_catalog *cat)
{
	if (build_catalog_section(r, cat) != 0 || check_required(r) != 0 ||
	    build_indicators(r, cat) != 0 || link_indicators(r, cat) != 0 ||
	    build_forms(r, cat) != 0 || build_rows(r, cat) != 0 ||
	    build_rules(r, cat) != 0)
		return r->src.rc;
	return 0;
}

