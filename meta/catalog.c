/*
 * catalog.c -- the indicator catalog, its report forms and its validation
 * rules, read from one INI file with inih.
 *
 * Reading takes two passes.  While inih reads the file, on_section() and
 * on_key() record every section and key as written, with its line, and
 * refuse at once what can be judged alone: unknown sections and keys, keys
 * given twice, words outside their list, malformed codes.  Sections may
 * refer to each other in any order, so the rest waits until the whole file
 * is read: catalog_build() (catalog_build.c) then makes the catalog in an order where everything a
 * check needs is known -- required keys, indicators alone (types,
 * defaults, bounds), the references between indicators (ratios and
 * totals, with cycle detection), forms and their rows, and rules.  Every
 * refusal names the line of the key at fault, or of the section when a key
 * is missing.
 *
 * All of a catalog's memory, including the reader's notes, comes from one
 * arena freed with it: a catalog is built once, never changes, and its
 * parts point at each other freely.
 */
#include "catalog_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dongbo_ini.h"
#include "error.h"
#include "fmtargs.h"
#include "i18n.h"
#include "number.h"
#include "util.h"


/* ---- memory --------------------------------------------------------------- */

/* Zeroed memory for n bytes, aligned for any type; NULL when out of it. */
void *catalog_arena_alloc(struct arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct chunk *c = a->head;
	size_t need, cap;
	void *p;

	if (n > SIZE_MAX - sizeof(*c) - align)
		return NULL;
	need = n == 0 ? align : (n + align - 1) / align * align;
	if (c == NULL || c->cap - c->used < need) {
		cap = need > CHUNK_SIZE / 4 ? need : CHUNK_SIZE;
		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		/* A large block gets a chunk of its own, behind the one
		 * being filled, whose free space stays usable. */
		if (cap > CHUNK_SIZE && a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

void *catalog_arena_array(struct arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return catalog_arena_alloc(a, n * size);
}

char *catalog_arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? catalog_arena_alloc(a, len + 1) : NULL;

	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

void catalog_arena_fini(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}


/* ---- reading: sections and keys as written -------------------------------- */

const struct choice catalog_types[] = {
	{ "count", DONGBO_TYPE_COUNT }, { "decimal", DONGBO_TYPE_DECIMAL },
	{ "money", DONGBO_TYPE_MONEY }, { "enum", DONGBO_TYPE_ENUM },
	{ "bool", DONGBO_TYPE_BOOL },	{ NULL, 0 },
};
const struct choice catalog_rules[] = {
	{ "sum", DONGBO_RULE_SUM },	{ "mean", DONGBO_RULE_MEAN },
	{ "min", DONGBO_RULE_MIN },	{ "max", DONGBO_RULE_MAX },
	{ "count", DONGBO_RULE_COUNT }, { "none", DONGBO_RULE_NONE },
	{ "ratio", DONGBO_RULE_RATIO }, { "total", DONGBO_RULE_TOTAL },
	{ NULL, 0 },
};
const struct choice catalog_times[] = {
	{ "sum", DONGBO_TIME_SUM },   { "last", DONGBO_TIME_LAST },
	{ "first", DONGBO_TIME_FIRST }, { "none", DONGBO_TIME_NONE },
	{ NULL, 0 },
};
static const struct choice ops[] = {
	{ "eq", DONGBO_OP_EQ },
	{ "le", DONGBO_OP_LE },
	{ NULL, 0 },
};
static const struct choice severities[] = {
	{ "error", DONGBO_SEVERITY_ERROR },
	{ "warning", DONGBO_SEVERITY_WARNING },
	{ NULL, 0 },
};
static const struct choice yes_no[] = {
	{ "yes", 1 },
	{ "no", 0 },
	{ NULL, 0 },
};


const struct key_def catalog_key_defs[N_KINDS][MAX_KEYS] = {
	[SEC_CATALOG] = {
		[C_VERSION] = { "version", V_VERSION, NULL },
		[C_TITLE] = { "title", V_FREE, NULL },
	},
	[SEC_INDICATOR] = {
		[I_NAME] = { "name", V_TEXT, NULL },
		[I_UNIT] = { "unit", V_TEXT, NULL },
		[I_TYPE] = { "type", V_CHOICE, catalog_types },
		[I_SCALE] = { "scale", V_SCALE, NULL },
		[I_RULE] = { "rule", V_CHOICE, catalog_rules },
		[I_TIME] = { "time", V_CHOICE, catalog_times },
		[I_MIN] = { "min", V_TEXT, NULL },
		[I_MAX] = { "max", V_TEXT, NULL },
		[I_NUMERATOR] = { "numerator", V_CODE, NULL },
		[I_DENOMINATOR] = { "denominator", V_CODE, NULL },
		[I_PERCENT] = { "percent", V_CHOICE, yes_no },
		[I_PARTS] = { "parts", V_CODES, NULL },
		[I_NOTE] = { "note", V_FREE, NULL },
	},
	[SEC_FORM] = {
		[F_TITLE] = { "title", V_TEXT, NULL },
		[F_BASIS] = { "basis", V_FREE, NULL },
	},
	[SEC_ROW] = {
		[W_LABEL] = { "label", V_FREE, NULL },
		[W_UNIT] = { "unit", V_FREE, NULL },
		[W_INDICATOR] = { "indicator", V_CODE, NULL },
		[W_LEVEL] = { "level", V_LEVEL, NULL },
	},
	[SEC_RULE] = {
		[R_TEXT] = { "text", V_TEXT, NULL },
		[R_LEFT] = { "left", V_CODES, NULL },
		[R_OP] = { "op", V_CHOICE, ops },
		[R_RIGHT] = { "right", V_CODES, NULL },
		[R_SEVERITY] = { "severity", V_CHOICE, severities },
	},
};

static bool is_code(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > DONGBO_INDICATOR_CODE_MAX ||
	    !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

bool dongbo_indicator_code_is_valid(const char *s)
{
	return s != NULL &&
	       is_code(s, strnlen(s, DONGBO_INDICATOR_CODE_MAX + 1));
}

/* Form codes as the official forms print them: "II.06c", "BNV-BM3". */
static bool is_form_code(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > DONGBO_INDICATOR_CODE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* Level names of the unit list ("tinh", "xa"); the list itself is not
 * known here, so only their spelling is checked. */
static bool is_level(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= DONGBO_INDICATOR_CODE_MAX ||
		    !((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0;
}

/* "indicator 'a'", "[catalog]", ... for messages; returns buf. */
const char *catalog_describe(const struct section *s, char *buf, size_t len)
{
	switch (s->kind) {
	case SEC_CATALOG:
		snprintf(buf, len, "[catalog]");
		break;
	case SEC_INDICATOR:
		snprintf(buf, len, "indicator '%s'", s->code);
		break;
	case SEC_FORM:
		snprintf(buf, len, "form '%s'", s->code);
		break;
	case SEC_ROW:
		snprintf(buf, len, "row '%s%s%s'", s->code, *s->stt ? " " : "",
			 s->stt);
		break;
	case SEC_RULE:
	default:
		snprintf(buf, len, "rule '%s'", s->code);
		break;
	}
	return buf;
}

/*
 * When name..e is word, whitespace, then more, returns where the more
 * starts; NULL otherwise.
 */
static const char *after_word(const char *name, const char *e,
			      const char *word)
{
	size_t n = strlen(word);
	const char *p;

	if ((size_t)(e - name) <= n || memcmp(name, word, n) != 0 ||
	    !isspace((unsigned char)name[n]))
		return NULL;
	for (p = name + n; p < e && isspace((unsigned char)*p); p++)
		;
	return p;
}

static struct section *section_add(struct reader *r, enum kind kind)
{
	struct section *s, **secs;

	if (r->n_secs == r->cap_secs) {
		size_t cap = r->cap_secs ? 2 * r->cap_secs : 64;

		secs = realloc(r->secs, cap * sizeof(*secs));
		if (secs == NULL)
			return NULL;
		r->secs = secs;
		r->cap_secs = cap;
	}
	s = catalog_arena_alloc(r->arena, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->kind = kind;
	s->line = r->src.lineno;
	s->stt = "";
	s->labels_end = &s->labels;
	r->secs[r->n_secs++] = s;
	r->n_of[kind]++;
	r->cur = s;
	return s;
}

static int on_section(struct dongbo_ini_src *src, const char *name, size_t len)
{
	struct reader *r = (struct reader *)src;
	const char *e = name + len, *rest, *p;
	struct section *s;
	enum kind kind;

	while (name < e && isspace((unsigned char)*name))
		name++;
	while (e > name && isspace((unsigned char)e[-1]))
		e--;
	len = (size_t)(e - name);
	if (len == 7 && memcmp(name, "catalog", 7) == 0) {
		if (r->catalog != NULL)
			return FAIL(r, src->lineno,
				    "duplicate section '[catalog]' (first on "
				    "line %d)",
				    r->catalog->line);
		if ((s = section_add(r, SEC_CATALOG)) == NULL)
			return FAIL_NOMEM(r);
		r->catalog = s;
		return 0;
	}
	if ((rest = after_word(name, e, "form")) != NULL) {
		kind = SEC_FORM;
		p = e;
	} else if ((rest = after_word(name, e, "row")) != NULL) {
		kind = SEC_ROW;
		for (p = rest; p < e && !isspace((unsigned char)*p); p++)
			;
	} else if ((rest = after_word(name, e, "rule")) != NULL) {
		kind = SEC_RULE;
		p = e;
	} else if ((len == 4 && memcmp(name, "form", 4) == 0) ||
		   (len == 3 && memcmp(name, "row", 3) == 0) ||
		   (len == 4 && memcmp(name, "rule", 4) == 0)) {
		return FAIL(r, src->lineno,
			    "section '[%.*s]' needs a code: write [form CODE], "
			    "[row FORM STT] or [rule CODE]",
			    (int)len, name);
	} else if (memchr(name, ' ', len) != NULL ||
		   memchr(name, '\t', len) != NULL) {
		return FAIL(r, src->lineno,
			    "unknown section '[%.*s]' (expected [catalog], "
			    "[indicator_code], [form CODE], [row FORM STT] or "
			    "[rule CODE])",
			    (int)len, name);
	} else {
		kind = SEC_INDICATOR;
		rest = name;
		p = e;
	}
	if (kind == SEC_INDICATOR || kind == SEC_RULE) {
		if (!is_code(rest, (size_t)(p - rest)))
			return FAIL(r, src->lineno,
				    "invalid %s code '%.*s' (want a-z, 0-9 and "
				    "'_', starting with a letter, at most %d "
				    "bytes)",
				    kind == SEC_RULE ? "rule" : "indicator",
				    (int)(p - rest), rest,
				    DONGBO_INDICATOR_CODE_MAX);
	} else if (!is_form_code(rest, (size_t)(p - rest))) {
		return FAIL(r, src->lineno,
			    "invalid form code '%.*s' (want letters, digits, "
			    "'.', '-' and '_', at most %d bytes)",
			    (int)(p - rest), rest, DONGBO_INDICATOR_CODE_MAX);
	}
	if ((s = section_add(r, kind)) == NULL ||
	    (s->code = catalog_arena_strndup(r->arena, rest, (size_t)(p - rest))) ==
		    NULL)
		return FAIL_NOMEM(r);
	if (kind == SEC_ROW) {
		while (p < e && isspace((unsigned char)*p))
			p++;
		if (e - p > DONGBO_INDICATOR_CODE_MAX)
			return FAIL(r, src->lineno,
				    "STT longer than %d bytes '%.*s'",
				    DONGBO_INDICATOR_CODE_MAX, (int)(e - p), p);
		if ((s->stt = catalog_arena_strndup(r->arena, p, (size_t)(e - p))) ==
		    NULL)
			return FAIL_NOMEM(r);
	}
	return 0;
}

static int choose(struct reader *r, const struct choice *c, const char *key,
		  const char *value, int *out)
{
	const struct choice *p;
	char expected[128] = "";
	size_t n = 0;

	for (p = c; p->text != NULL; p++) {
		if (strcmp(p->text, value) == 0) {
			*out = p->value;
			return 0;
		}
	}
	for (p = c; p->text != NULL && n < sizeof(expected); p++)
		n += (size_t)snprintf(expected + n, sizeof(expected) - n,
				      "%s%s", p == c ? "" : ", ", p->text);
	return FAIL(r, r->src.lineno, "unknown %s '%s' (expected %s)", key,
		    value, expected);
}

/* Splits "a + b + c" into raw->codes, checking each code's spelling. */
static int split_codes(struct reader *r, struct raw *raw)
{
	const char *s = raw->value, *p, *b, *e;
	size_t n = 1, i = 0;

	for (p = s; *p; p++)
		n += *p == '+';
	raw->codes = catalog_arena_array(r->arena, n, sizeof(*raw->codes));
	if (raw->codes == NULL)
		return FAIL_NOMEM(r);
	for (p = s;; p = e + 1) {
		for (e = p; *e && *e != '+'; e++)
			;
		for (b = p; b < e && isspace((unsigned char)*b); b++)
			;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (b == e)
			return FAIL(r, r->src.lineno,
				    "empty term in '%s' (join indicator codes "
				    "with '+')",
				    s);
		if (!is_code(b, (size_t)(e - b)))
			return FAIL(r, r->src.lineno,
				    "invalid indicator code '%.*s' in '%s'",
				    (int)(e - b), b, s);
		raw->codes[i] = catalog_arena_strndup(r->arena, b, (size_t)(e - b));
		if (raw->codes[i++] == NULL)
			return FAIL_NOMEM(r);
		while (*e && *e != '+')
			e++;
		if (*e == '\0')
			break;
	}
	raw->n_codes = i;
	return 0;
}

static int label_key(struct reader *r, struct section *s, const char *key,
		     const char *value)
{
	const char *suffix = key + strlen("value.");
	struct raw_label *l;
	char what[160];
	int64_t v;

	if (!dongbo_number_parse_int64(suffix, strlen(suffix), &v))
		return FAIL(r, r->src.lineno,
			    "key '%s' needs a whole number after 'value.' "
			    "(value.0, value.1, ...)",
			    key);
	if (*value == '\0')
		return FAIL(r, r->src.lineno, "empty value for '%s' of %s", key,
			    catalog_describe(s, what, sizeof(what)));
	l = catalog_arena_alloc(r->arena, sizeof(*l));
	if (l == NULL || (l->label = catalog_arena_strndup(r->arena, value,
						   strlen(value))) == NULL)
		return FAIL_NOMEM(r);
	l->value = v;
	l->line = r->src.lineno;
	*s->labels_end = l;
	s->labels_end = &l->next;
	s->n_labels++;
	return 0;
}

static int on_key(struct dongbo_ini_src *src, const char *key,
		  const char *value)
{
	struct reader *r = (struct reader *)src;
	struct section *s = r->cur;
	const struct key_def *def;
	struct raw *raw;
	char what[160];
	uint64_t v;
	int k;

	if (s == NULL)
		return FAIL(r, src->lineno, "key outside any section '%s'",
			    key);
	if (s->kind == SEC_INDICATOR && strncmp(key, "value.", 6) == 0)
		return label_key(r, s, key, value);
	for (k = 0; k < MAX_KEYS && catalog_key_defs[s->kind][k].name != NULL; k++)
		if (strcmp(key, catalog_key_defs[s->kind][k].name) == 0)
			break;
	if (k == MAX_KEYS || catalog_key_defs[s->kind][k].name == NULL)
		return FAIL(r, src->lineno, "unknown key in %s '%s'",
			    catalog_describe(s, what, sizeof(what)), key);
	def = &catalog_key_defs[s->kind][k];
	raw = &s->keys[k];
	if (raw->value != NULL)
		return FAIL(r, src->lineno,
			    "key given twice '%s' (first on line %d)", key,
			    raw->line);
	if (*value == '\0' && (def->check == V_TEXT || def->check == V_CODE ||
			       def->check == V_CODES || def->check == V_LEVEL))
		return FAIL(r, src->lineno, "empty value for '%s' of %s", key,
			    catalog_describe(s, what, sizeof(what)));
	raw->line = src->lineno;
	raw->value = catalog_arena_strndup(r->arena, value, strlen(value));
	if (raw->value == NULL)
		return FAIL_NOMEM(r);
	switch (def->check) {
	case V_TEXT:
	case V_FREE:
		return 0;
	case V_VERSION:
		if (!dongbo_parse_u64(value, UINT32_MAX, &v) || v == 0)
			return FAIL(r, src->lineno,
				    "version must be a whole number from 1 "
				    "to %u, not '%s'",
				    (unsigned)UINT32_MAX, value);
		r->version = (uint32_t)v;
		return 0;
	case V_CHOICE:
		return choose(r, def->choices, key, value, &raw->choice);
	case V_SCALE:
		/* The range is checked again: dongbo_parse_u64() lets a
		 * single digit above a one-digit max through. */
		if (!dongbo_parse_u64(value, DONGBO_SCALE_MAX, &v) ||
		    v > DONGBO_SCALE_MAX)
			return FAIL(r, src->lineno,
				    "scale must be a whole number from 0 to "
				    "%d, not '%s'",
				    DONGBO_SCALE_MAX, value);
		raw->choice = (int)v;
		return 0;
	case V_CODE:
		if (!is_code(value, strlen(value)))
			return FAIL(r, src->lineno,
				    "invalid indicator code '%s' (want a-z, "
				    "0-9 and '_', starting with a letter, at "
				    "most %d bytes)",
				    value, DONGBO_INDICATOR_CODE_MAX);
		return 0;
	case V_CODES:
		return split_codes(r, raw);
	case V_LEVEL:
		if (!is_level(value))
			return FAIL(r, src->lineno,
				    "invalid level '%s' (want a level name of "
				    "the unit list: a-z, 0-9 and '_')",
				    value);
		return 0;
	}
	return 0;
}


/* ---- loading -------------------------------------------------------------- */

static int refuse_too_big(const char *name, char *err, size_t errlen)
{
	dongbo_errf(err, errlen,
		    _("%s: larger than %u bytes, the most a catalog may be"), name,
		    CATALOG_SIZE_MAX);
	return DONGBO_E_CONFIG;
}

int dongbo_catalog_parse(const char *name, const char *buf, size_t len,
			 struct dongbo_catalog **out, char *err, size_t errlen)
{
	struct dongbo_catalog *cat;
	struct reader r = { .src = { .name = name, .on_section = on_section,
				     .on_key = on_key, .err = err,
				     .errlen = errlen } };
	char *text;
	int rc;

	if (name == NULL || buf == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if (len > CATALOG_SIZE_MAX)
		return refuse_too_big(name, err, errlen);
	cat = calloc(1, sizeof(*cat));
	if (cat == NULL)
		goto err_nomem;
	/* The bytes are kept whole, to be carried down to children. */
	text = catalog_arena_strndup(&cat->arena, buf, len);
	if (text == NULL)
		goto err_after_cat;
	cat->text = text;
	cat->text_len = len;
	r.arena = &cat->arena;
	if (dongbo_mem_open(text, len, &r.src.f) != 0)
		goto err_after_cat;
	rc = dongbo_ini_parse(&r.src);
	fclose(r.src.f);
	if (rc == 0)
		rc = catalog_build(&r, cat);
	free(r.secs);
	if (rc != 0) {
		dongbo_catalog_free(cat);
		return rc;
	}
	*out = cat;
	return 0;

err_after_cat:
	dongbo_catalog_free(cat);
err_nomem:
	dongbo_errf(err, errlen, _("%s: out of memory"), name);
	return DONGBO_E_NOMEM;
}

int dongbo_catalog_load(const char *path, struct dongbo_catalog **out,
			char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if (path == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if ((rc = dongbo_read_file(path, CATALOG_SIZE_MAX, &buf, &len, err,
				   errlen)) != 0)
		return rc;
	rc = dongbo_catalog_parse(path, buf, len, out, err, errlen);
	free(buf);
	return rc;
}

void dongbo_catalog_free(struct dongbo_catalog *cat)
{
	if (cat == NULL)
		return;
	catalog_arena_fini(&cat->arena);
	free(cat);
}

/* ---- words ---------------------------------------------------------------- */

const char *catalog_choice_name(const struct choice *c, int value)
{
	for (; c->text != NULL; c++)
		if (c->value == value)
			return c->text;
	return "?";
}

const char *dongbo_type_word(enum dongbo_value_type t)
{
	return catalog_choice_name(catalog_types, (int)t);
}

const char *dongbo_rule_word(enum dongbo_unit_rule r)
{
	return catalog_choice_name(catalog_rules, (int)r);
}

const char *dongbo_time_word(enum dongbo_time_rule t)
{
	return catalog_choice_name(catalog_times, (int)t);
}

/* ---- lookups -------------------------------------------------------------- */

uint32_t dongbo_catalog_version(const struct dongbo_catalog *cat)
{
	return cat ? cat->version : 0;
}

const char *dongbo_catalog_title(const struct dongbo_catalog *cat)
{
	return cat ? cat->title : "";
}

const char *dongbo_catalog_text(const struct dongbo_catalog *cat, size_t *len)
{
	if (len != NULL)
		*len = cat ? cat->text_len : 0;
	return cat ? cat->text : "";
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

static int ind_key_cmp(const void *key, const void *elem)
{
	const struct dongbo_indicator *ind =
		*(const struct dongbo_indicator *const *)elem;

	return strcmp(key, ind->code);
}

const struct dongbo_indicator *catalog_find_indicator(
	const struct dongbo_catalog *cat, const char *code)
{
	const struct dongbo_indicator *const *p;

	if (cat->n_inds == 0)
		return NULL;
	p = bsearch(code, cat->ind_index, cat->n_inds, sizeof(*cat->ind_index),
		    ind_key_cmp);
	return p ? *p : NULL;
}

const struct dongbo_indicator *dongbo_catalog_find(const struct dongbo_catalog *cat,
						   const char *code)
{
	if (cat == NULL || code == NULL)
		return NULL;
	return catalog_find_indicator(cat, code);
}

size_t dongbo_catalog_form_count(const struct dongbo_catalog *cat)
{
	return cat ? cat->n_forms : 0;
}

const struct dongbo_form *dongbo_catalog_form_at(const struct dongbo_catalog *cat,
						 size_t i)
{
	if (cat == NULL || i >= cat->n_forms)
		return NULL;
	return &cat->forms[i];
}

static int form_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct dongbo_form *const *)elem)->code);
}

const struct dongbo_form *catalog_find_form(const struct dongbo_catalog *cat,
					   const char *code)
{
	const struct dongbo_form *const *p;

	if (cat->n_forms == 0)
		return NULL;
	p = bsearch(code, cat->form_index, cat->n_forms,
		    sizeof(*cat->form_index), form_key_cmp);
	return p ? *p : NULL;
}

const struct dongbo_form *dongbo_catalog_form_find(const struct dongbo_catalog *cat,
						   const char *code)
{
	if (cat == NULL || code == NULL)
		return NULL;
	return catalog_find_form(cat, code);
}

size_t dongbo_catalog_rule_count(const struct dongbo_catalog *cat)
{
	return cat ? cat->n_rules : 0;
}

const struct dongbo_rule *dongbo_catalog_rule_at(const struct dongbo_catalog *cat,
						 size_t i)
{
	if (cat == NULL || i >= cat->n_rules)
		return NULL;
	return &cat->rules[i];
}

/*
 * True when top is ind or is computed from it.  memo[i] remembers the
 * answer for cat->inds[i] (0 unknown, 1 no, 2 yes), so that totals shared
 * by many others are walked once.
 */
static bool is_built_on(const struct dongbo_catalog *cat,
			const struct dongbo_indicator *top,
			const struct dongbo_indicator *ind, unsigned char *memo)
{
	size_t i = (size_t)(top - cat->inds), j;
	bool yes = false;

	if (top == ind)
		return true;
	if (memo[i] != 0)
		return memo[i] == 2;
	if (top->rule == DONGBO_RULE_RATIO)
		yes = is_built_on(cat, top->numerator, ind, memo) ||
		      is_built_on(cat, top->denominator, ind, memo);
	for (j = 0; !yes && j < top->n_parts; j++)
		yes = is_built_on(cat, top->parts[j], ind, memo);
	memo[i] = yes ? 2 : 1;
	return yes;
}

int dongbo_catalog_rows_of(const struct dongbo_catalog *cat,
			   const struct dongbo_indicator *ind,
			   int (*cb)(void *arg, const struct dongbo_form *form,
				     const struct dongbo_form_row *row),
			   void *arg)
{
	unsigned char *memo;
	size_t i;
	int rc = 0;

	if (cat == NULL || ind == NULL || cb == NULL)
		return DONGBO_E_INVAL;
	memo = calloc(cat->n_inds, 1);
	if (memo == NULL)
		return DONGBO_E_NOMEM;
	for (i = 0; i < cat->n_rows && rc == 0; i++) {
		const struct dongbo_form_row *row = cat->rows[i].row;

		if (row->indicator != NULL &&
		    is_built_on(cat, row->indicator, ind, memo))
			rc = cb(arg, cat->rows[i].form, row);
	}
	free(memo);
	return rc;
}

static int needs_visit(const struct dongbo_indicator *ind,
		       int (*cb)(void *arg, const struct dongbo_indicator *ind),
		       void *arg)
{
	int rc = 0;

	if (ind->rule == DONGBO_RULE_RATIO) {
		rc = needs_visit(ind->numerator, cb, arg);
		return rc != 0 ? rc : needs_visit(ind->denominator, cb, arg);
	}
	if (ind->rule == DONGBO_RULE_TOTAL) {
		for (size_t i = 0; i < ind->n_parts && rc == 0; i++)
			rc = needs_visit(ind->parts[i], cb, arg);
		return rc;
	}
	return cb(arg, ind);
}

int dongbo_form_needs(const struct dongbo_form *form, const char *level,
		      int (*cb)(void *arg, const struct dongbo_indicator *ind),
		      void *arg)
{
	int rc = 0;

	for (size_t i = 0; i < form->n_rows && rc == 0; i++) {
		const struct dongbo_form_row *row = &form->rows[i];

		if (row->indicator == NULL ||
		    (level != NULL && row->level != NULL &&
		     strcmp(row->level, level) != 0))
			continue;
		rc = needs_visit(row->indicator, cb, arg);
	}
	return rc;
}

/* Stops the walk (1) at the indicator looked for. */
static int needs_is(void *arg, const struct dongbo_indicator *ind)
{
	return strcmp(ind->code, arg) == 0;
}

bool dongbo_form_needs_indicator(const struct dongbo_form *form,
				 const char *level, const char *code)
{
	return form != NULL && code != NULL &&
	       dongbo_form_needs(form, level, needs_is, (void *)code) == 1;
}

/* ---- values --------------------------------------------------------------- */

bool dongbo_indicator_is_stored(const struct dongbo_indicator *ind)
{
	return ind != NULL && !is_derived_rule((int)ind->rule);
}

const char *dongbo_indicator_label(const struct dongbo_indicator *ind,
				   int64_t v)
{
	size_t i;

	if (ind == NULL ||
	    (ind->type != DONGBO_TYPE_ENUM && ind->type != DONGBO_TYPE_BOOL))
		return NULL;
	for (i = 0; i < ind->n_labels; i++)
		if (ind->labels[i].value == v)
			return ind->labels[i].label;
	/* A bool built by hand, without labels, still reads in words. */
	if (ind->type == DONGBO_TYPE_BOOL && ind->n_labels == 0 &&
	    (v == 0 || v == 1))
		return catalog_default_bool_labels[v];
	return NULL;
}

/* "0 (Chưa), 1 (Đang làm), 2 (Hoàn thành)" into buf. */
static void list_values(const struct dongbo_indicator *ind, char *buf,
			size_t len)
{
	size_t i, n = 0;
	int64_t v;

	buf[0] = '\0';
	for (i = 0; i < (ind->n_labels ? ind->n_labels : 2) && n < len; i++) {
		v = ind->n_labels ? ind->labels[i].value : (int64_t)i;
		n += (size_t)snprintf(buf + n, len - n, "%s%lld (%s)",
				      i ? ", " : "", (long long)v,
				      dongbo_indicator_label(ind, v));
	}
}

/*
 * Checks v against ind; text, when not NULL, is what v was read from and
 * is quoted in the message instead of v.
 */
static int check_value(const struct dongbo_indicator *ind, int64_t v,
		       const char *text, struct dongbo_msg *m)
{
	char shown[96], bound[64], values[256];

	if (text != NULL)
		snprintf(shown, sizeof(shown), "'%s'", text);
	else
		dongbo_indicator_format(ind, v, DONGBO_FORMAT_PLAIN, shown,
					sizeof(shown));
	if (!dongbo_indicator_is_stored(ind)) {
		dongbo_msgf(m,
			    ind->rule == DONGBO_RULE_RATIO
				    ? N_("indicator '%s' is a ratio: its values "
					 "are computed, never stored")
				    : N_("indicator '%s' is a total: its values "
					 "are computed, never stored"),
			    ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	switch (ind->type) {
	case DONGBO_TYPE_COUNT:
		if (v < 0) {
			dongbo_msgf(m,
				    "%s is not a count (a whole number 0 or "
				    "more)",
				    shown);
			return DONGBO_E_BAD_VALUE;
		}
		break;
	case DONGBO_TYPE_DECIMAL:
	case DONGBO_TYPE_MONEY:
		if (ind->scale < 0 || ind->scale > DONGBO_SCALE_MAX)
			return DONGBO_E_INVAL;
		break;
	case DONGBO_TYPE_ENUM:
	case DONGBO_TYPE_BOOL:
		if (dongbo_indicator_label(ind, v) == NULL) {
			list_values(ind, values, sizeof(values));
			dongbo_msgf(m,
				    "%s is not one of the values of indicator "
				    "'%s': %s",
				    shown, ind->code, values);
			return DONGBO_E_BAD_VALUE;
		}
		return 0;
	default:
		dongbo_msgf(m, "indicator '%s' has an unknown value "
					 "type",
			    ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (ind->has_min && v < ind->min) {
		dongbo_number_format(ind->min, ind->scale, false, bound,
				     sizeof(bound));
		dongbo_msgf(m,
			    "%s is less than %s, the minimum of indicator '%s'",
			    shown, bound, ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (ind->has_max && v > ind->max) {
		dongbo_number_format(ind->max, ind->scale, false, bound,
				     sizeof(bound));
		dongbo_msgf(m,
			    "%s is more than %s, the maximum of indicator '%s'",
			    shown, bound, ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	return 0;
}

/* An enum or bool from its value ("2") or its label ("Hoàn thành"). */
static int parse_choice(const struct dongbo_indicator *ind, const char *text,
			int64_t *out, struct dongbo_msg *m)
{
	const char *s = text, *e = text + strlen(text);
	char values[256];
	size_t i;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (dongbo_number_parse_int64(s, (size_t)(e - s), out))
		return 0;
	for (i = 0; i < (ind->n_labels ? ind->n_labels : 2); i++) {
		int64_t v = ind->n_labels ? ind->labels[i].value : (int64_t)i;
		const char *label = dongbo_indicator_label(ind, v);

		if (label != NULL && strlen(label) == (size_t)(e - s) &&
		    memcmp(label, s, (size_t)(e - s)) == 0) {
			*out = v;
			return 0;
		}
	}
	list_values(ind, values, sizeof(values));
	dongbo_msgf(m,
		    "'%s' is not one of the values of indicator '%s': %s",
		    text, ind->code, values);
	return DONGBO_E_BAD_VALUE;
}

int dongbo_indicator_parse_value(const struct dongbo_indicator *ind,
				 const char *text, int64_t *out, char *err,
				 size_t errlen)
{
	struct dongbo_msg m;
	int rc = dongbo_indicator_parse_value_msg(ind, text, out, &m);

	if (rc == DONGBO_E_BAD_VALUE)
		dongbo_errf(err, errlen, "%s", m.text);
	return rc;
}

int dongbo_indicator_parse_value_msg(const struct dongbo_indicator *ind,
				     const char *text, int64_t *out,
				     struct dongbo_msg *m)
{
	int64_t v;
	int rc;

	if (ind == NULL || text == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if (ind->rule == DONGBO_RULE_RATIO) {
		dongbo_msgf(m,
			    "'%s' cannot be entered: indicator '%s' is a "
			    "ratio, computed from '%s' and '%s'; enter those "
			    "instead",
			    text, ind->code,
			    ind->numerator ? ind->numerator->code : "?",
			    ind->denominator ? ind->denominator->code : "?");
		return DONGBO_E_BAD_VALUE;
	}
	if (ind->rule == DONGBO_RULE_TOTAL) {
		dongbo_msgf(m,
			    "'%s' cannot be entered: indicator '%s' is a "
			    "total, the sum of its %zu parts; enter those "
			    "instead",
			    text, ind->code, ind->n_parts);
		return DONGBO_E_BAD_VALUE;
	}
	switch (ind->type) {
	case DONGBO_TYPE_COUNT:
		rc = dongbo_number_parse_msg(text, DONGBO_NUMBER_COUNT, 0,
					 unit_is_percent(ind), &v, m);
		break;
	case DONGBO_TYPE_DECIMAL:
	case DONGBO_TYPE_MONEY:
		rc = dongbo_number_parse_msg(text, number_kind(ind->type),
					 ind->scale, unit_is_percent(ind), &v,
					 m);
		break;
	case DONGBO_TYPE_ENUM:
	case DONGBO_TYPE_BOOL:
		rc = parse_choice(ind, text, &v, m);
		break;
	default:
		dongbo_msgf(m,
			    "indicator '%s' has an unknown value type",
			    ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (rc == 0)
		rc = check_value(ind, v, text, m);
	if (rc == 0)
		*out = v;
	return rc;
}

int dongbo_indicator_check_value(const struct dongbo_indicator *ind,
				 int64_t value, char *err, size_t errlen)
{
	struct dongbo_msg m;
	int rc;

	if (ind == NULL)
		return DONGBO_E_INVAL;
	rc = check_value(ind, value, NULL, &m);
	if (rc == DONGBO_E_BAD_VALUE)
		dongbo_errf(err, errlen, "%s", m.text);
	return rc;
}

int dongbo_indicator_format(const struct dongbo_indicator *ind, int64_t v,
			    enum dongbo_format_style style, char *buf,
			    size_t len)
{
	bool vi = style == DONGBO_FORMAT_VI;
	const char *label;

	if (ind == NULL) {
		if (buf != NULL && len > 0)
			buf[0] = '\0';
		return DONGBO_E_INVAL;
	}
	switch (ind->type) {
	case DONGBO_TYPE_ENUM:
	case DONGBO_TYPE_BOOL:
		label = vi ? dongbo_indicator_label(ind, v) : NULL;
		if (label != NULL)
			return snprintf(buf, len, "%s", label);
		return snprintf(buf, len, "%lld", (long long)v);
	case DONGBO_TYPE_COUNT:
		return dongbo_number_format(v, 0, vi, buf, len);
	case DONGBO_TYPE_DECIMAL:
	case DONGBO_TYPE_MONEY:
	default:
		return dongbo_number_format(v, ind->scale, vi, buf, len);
	}
}

int dongbo_ratio_format(int64_t num, int64_t den, int scale, bool percent,
			enum dongbo_format_style style, char *buf, size_t len)
{
	return dongbo_number_format_ratio(num, den, scale, percent,
					  style == DONGBO_FORMAT_VI, buf, len);
}
