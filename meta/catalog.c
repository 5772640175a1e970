/*
 * catalog.c -- the indicator catalog, its report forms and its validation
 * rules, read from one INI file with inih.
 *
 * Reading takes two passes.  While inih reads the file, on_section() and
 * on_key() record every section and key as written, with its line, and
 * refuse at once what can be judged alone: unknown sections and keys, keys
 * given twice, words outside their list, malformed codes.  Sections may
 * refer to each other in any order, so the rest waits until the whole file
 * is read: build() then makes the catalog in an order where everything a
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
#include "catalog.h"

#include <ctype.h>
#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dongbo_ini.h"
#include "error.h"
#include "number.h"
#include "util.h"

/* Totals may be built on totals, this deep at most: enough for any form,
 * and it bounds the recursion that resolves them. */
#define TOTAL_DEPTH_MAX 16
/* The largest catalog accepted, in bytes; the real one is a few dozen KiB. */
#define CATALOG_SIZE_MAX (16u << 20)

#define FAIL(r, line, ...)                                                     \
	dongbo_ini_fail(&(r)->src, DONGBO_E_CONFIG, (line), __VA_ARGS__)
#define FAIL_NOMEM(r)                                                          \
	dongbo_ini_fail(&(r)->src, DONGBO_E_NOMEM, (r)->src.lineno,            \
			"out of memory")

/* ---- memory --------------------------------------------------------------- */

#define CHUNK_SIZE 16384

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena {
	struct chunk *head; /* the chunk being filled */
};

/* Zeroed memory for n bytes, aligned for any type; NULL when out of it. */
static void *arena_alloc(struct arena *a, size_t n)
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

static void *arena_array(struct arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return arena_alloc(a, n * size);
}

static char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? arena_alloc(a, len + 1) : NULL;

	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

static void arena_fini(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ---- the catalog ---------------------------------------------------------- */

/* A row with its form, to walk every row in file order. */
struct row_ref {
	const struct dongbo_form *form;
	const struct dongbo_form_row *row;
};

struct dongbo_catalog {
	struct arena arena; /* everything below lives in it */
	uint32_t version;
	const char *title;
	const char *text; /* the source bytes, NUL-terminated */
	size_t text_len;
	struct dongbo_indicator *inds; /* file order */
	size_t n_inds;
	const struct dongbo_indicator **ind_index; /* by code */
	struct dongbo_form *forms;		   /* file order */
	size_t n_forms;
	const struct dongbo_form **form_index; /* by code */
	struct dongbo_rule *rules;	       /* file order */
	size_t n_rules;
	struct row_ref *rows; /* every row of every form, file order */
	size_t n_rows;
};

/* ---- reading: sections and keys as written -------------------------------- */

enum kind { SEC_CATALOG, SEC_INDICATOR, SEC_FORM, SEC_ROW, SEC_RULE, N_KINDS };

/* Keys by kind of section, in the order of the tables below. */
enum { C_VERSION, C_TITLE };
enum {
	I_NAME,
	I_UNIT,
	I_TYPE,
	I_SCALE,
	I_RULE,
	I_TIME,
	I_MIN,
	I_MAX,
	I_NUMERATOR,
	I_DENOMINATOR,
	I_PERCENT,
	I_PARTS,
	I_NOTE,
};
enum { F_TITLE, F_BASIS };
enum { W_LABEL, W_UNIT, W_INDICATOR, W_LEVEL };
enum { R_TEXT, R_LEFT, R_OP, R_RIGHT, R_SEVERITY };
#define MAX_KEYS 13

struct choice {
	const char *text;
	int value;
};

static const struct choice types[] = {
	{ "count", DONGBO_TYPE_COUNT }, { "decimal", DONGBO_TYPE_DECIMAL },
	{ "money", DONGBO_TYPE_MONEY }, { "enum", DONGBO_TYPE_ENUM },
	{ "bool", DONGBO_TYPE_BOOL },	{ NULL, 0 },
};
static const struct choice rules[] = {
	{ "sum", DONGBO_RULE_SUM },	{ "mean", DONGBO_RULE_MEAN },
	{ "min", DONGBO_RULE_MIN },	{ "max", DONGBO_RULE_MAX },
	{ "count", DONGBO_RULE_COUNT }, { "none", DONGBO_RULE_NONE },
	{ "ratio", DONGBO_RULE_RATIO }, { "total", DONGBO_RULE_TOTAL },
	{ NULL, 0 },
};
static const struct choice times[] = {
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

/* How a key's value is checked as soon as it is read. */
enum check {
	V_TEXT,	   /* any text but "" */
	V_FREE,	   /* any text, "" too */
	V_VERSION, /* 1..2^32-1 */
	V_CHOICE,  /* one word of a list */
	V_SCALE,   /* 0..DONGBO_SCALE_MAX */
	V_CODE,	   /* an indicator code */
	V_CODES,   /* indicator codes joined by '+' */
	V_LEVEL,   /* a level name */
};

struct key_def {
	const char *name;
	enum check check;
	const struct choice *choices;
};

static const struct key_def key_defs[N_KINDS][MAX_KEYS] = {
	[SEC_CATALOG] = {
		[C_VERSION] = { "version", V_VERSION, NULL },
		[C_TITLE] = { "title", V_FREE, NULL },
	},
	[SEC_INDICATOR] = {
		[I_NAME] = { "name", V_TEXT, NULL },
		[I_UNIT] = { "unit", V_TEXT, NULL },
		[I_TYPE] = { "type", V_CHOICE, types },
		[I_SCALE] = { "scale", V_SCALE, NULL },
		[I_RULE] = { "rule", V_CHOICE, rules },
		[I_TIME] = { "time", V_CHOICE, times },
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

/* One key as written. */
struct raw {
	const char *value; /* NULL when not given */
	int line;
	int choice;	    /* V_CHOICE, V_SCALE: the value read */
	const char **codes; /* V_CODES: the codes, in order */
	size_t n_codes;
};

/* One "value.N = label" key of an indicator. */
struct raw_label {
	struct raw_label *next;
	int64_t value;
	const char *label;
	int line;
};

struct section {
	enum kind kind;
	int line;
	const char *code; /* of the indicator, form or rule; a row's form */
	const char *stt;  /* rows: as printed, maybe "" */
	struct raw keys[MAX_KEYS];
	struct raw_label *labels; /* file order */
	struct raw_label **labels_end;
	size_t n_labels;
	size_t index; /* in the catalog's array of its kind; a row's form */
};

struct reader {
	struct dongbo_ini_src src; /* first: the callbacks get &reader.src */
	struct arena *arena;
	struct section *cur; /* NULL before the first section */
	struct section *catalog;
	uint32_t version;
	struct section **secs; /* file order; malloc'd, the rest in arena */
	size_t n_secs, cap_secs;
	size_t n_of[N_KINDS];
	struct section **ind_secs; /* by index in cat->inds */
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
static const char *describe(const struct section *s, char *buf, size_t len)
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
	s = arena_alloc(r->arena, sizeof(*s));
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
	    (s->code = arena_strndup(r->arena, rest, (size_t)(p - rest))) ==
		    NULL)
		return FAIL_NOMEM(r);
	if (kind == SEC_ROW) {
		while (p < e && isspace((unsigned char)*p))
			p++;
		if (e - p > DONGBO_INDICATOR_CODE_MAX)
			return FAIL(r, src->lineno,
				    "STT longer than %d bytes '%.*s'",
				    DONGBO_INDICATOR_CODE_MAX, (int)(e - p), p);
		if ((s->stt = arena_strndup(r->arena, p, (size_t)(e - p))) ==
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
	raw->codes = arena_array(r->arena, n, sizeof(*raw->codes));
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
		raw->codes[i] = arena_strndup(r->arena, b, (size_t)(e - b));
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
			    describe(s, what, sizeof(what)));
	l = arena_alloc(r->arena, sizeof(*l));
	if (l == NULL || (l->label = arena_strndup(r->arena, value,
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
	for (k = 0; k < MAX_KEYS && key_defs[s->kind][k].name != NULL; k++)
		if (strcmp(key, key_defs[s->kind][k].name) == 0)
			break;
	if (k == MAX_KEYS || key_defs[s->kind][k].name == NULL)
		return FAIL(r, src->lineno, "unknown key in %s '%s'",
			    describe(s, what, sizeof(what)), key);
	def = &key_defs[s->kind][k];
	raw = &s->keys[k];
	if (raw->value != NULL)
		return FAIL(r, src->lineno,
			    "key given twice '%s' (first on line %d)", key,
			    raw->line);
	if (*value == '\0' && (def->check == V_TEXT || def->check == V_CODE ||
			       def->check == V_CODES || def->check == V_LEVEL))
		return FAIL(r, src->lineno, "empty value for '%s' of %s", key,
			    describe(s, what, sizeof(what)));
	raw->line = src->lineno;
	raw->value = arena_strndup(r->arena, value, strlen(value));
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

/* ---- building: names for messages ---------------------------------------- */

static const char *choice_name(const struct choice *c, int value)
{
	for (; c->text != NULL; c++)
		if (c->value == value)
			return c->text;
	return "?";
}

/* "count", "decimal with scale 2": what must agree between parts. */
static const char *describe_type(const struct dongbo_indicator *ind,
				 char *buf, size_t len)
{
	if (ind->type == DONGBO_TYPE_DECIMAL || ind->type == DONGBO_TYPE_MONEY)
		snprintf(buf, len, "%s with scale %d",
			 choice_name(types, (int)ind->type), ind->scale);
	else
		snprintf(buf, len, "%s", choice_name(types, (int)ind->type));
	return buf;
}

/* ---- building: required keys and the [catalog] section -------------------- */

static bool is_derived_rule(int rule)
{
	return rule == DONGBO_RULE_RATIO || rule == DONGBO_RULE_TOTAL;
}

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
					    describe(s, what, sizeof(what)),
					    key_defs[s->kind][need[j]].name);
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

	v = arena_array(r->arena, r->n_of[kind], sizeof(*v));
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

static const struct dongbo_indicator *find_indicator(
	const struct dongbo_catalog *cat, const char *code);

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

static enum dongbo_number_kind number_kind(enum dongbo_value_type t)
{
	return t == DONGBO_TYPE_COUNT	? DONGBO_NUMBER_COUNT
	       : t == DONGBO_TYPE_MONEY ? DONGBO_NUMBER_MONEY
					: DONGBO_NUMBER_DECIMAL;
}

static bool unit_is_percent(const struct dongbo_indicator *ind)
{
	return ind->unit != NULL && strcmp(ind->unit, "%") == 0;
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
static const char *const default_bool_labels[2] = { "Không", "Có" };

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
				    choice_name(types, (int)ind->type));
		return 0;
	}
	if (ind->type == DONGBO_TYPE_ENUM && s->n_labels < 2)
		return FAIL(r, s->line,
			    "enum '%s' needs two or more values "
			    "(value.N = label), not %zu",
			    ind->code, s->n_labels);
	v = arena_array(r->arena, s->n_labels, sizeof(*v));
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
		out = arena_array(r->arena, 2, sizeof(*out));
		if (out == NULL)
			return FAIL_NOMEM(r);
		for (i = 0; i < 2; i++) {
			out[i].value = (int64_t)i;
			out[i].label = default_bool_labels[i];
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
	out = arena_array(r->arena, n, sizeof(*out));
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
	int i;

	for (i = 0; i < 2; i++) {
		const struct raw *b = &k[keys[i]];

		if (b->value == NULL)
			continue;
		if (!is_numeric(ind->type))
			return FAIL(r, b->line,
				    "key '%s' is not allowed for type %s: its "
				    "values are listed",
				    key_defs[SEC_INDICATOR][keys[i]].name,
				    choice_name(types, (int)ind->type));
		if (dongbo_number_parse(b->value, number_kind(ind->type),
					ind->scale, unit_is_percent(ind), &v[i],
					msg, sizeof(msg)) != 0)
			return FAIL(r, b->line, "bad %s of indicator '%s': %s",
				    key_defs[SEC_INDICATOR][keys[i]].name,
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
				    key_defs[SEC_INDICATOR][ratio_keys[i]].name,
				    ind->code,
				    choice_name(rules, (int)ind->rule));
	}
	if (ind->rule != DONGBO_RULE_TOTAL && k[I_PARTS].value != NULL)
		return FAIL(r, k[I_PARTS].line,
			    "key 'parts' is only for rule = total (indicator "
			    "'%s' has rule %s)",
			    ind->code, choice_name(rules, (int)ind->rule));

	if (is_derived_rule(ind->rule)) {
		const char *what = ind->rule == DONGBO_RULE_RATIO ? "ratio"
								  : "total";

		for (i = 0; i < 2; i++) {
			const struct raw *b = &k[bounds[i]];
			const char *key =
				key_defs[SEC_INDICATOR][bounds[i]].name;

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

		for (c = rules; c->text != NULL && n < sizeof(allowed); c++)
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
	cat->inds = arena_array(r->arena, n, sizeof(*cat->inds));
	cat->ind_index = arena_array(r->arena, n, sizeof(*cat->ind_index));
	r->ind_secs = arena_array(r->arena, n, sizeof(*r->ind_secs));
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
				    choice_name(rules, (int)p->rule));
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
				    choice_name(times, (int)p->time),
				    first->code,
				    choice_name(times, (int)first->time));
		}
	}
	if (deepest >= TOTAL_DEPTH_MAX)
		goto too_deep;
	/* What the section says of itself must agree with its parts. */
	if (k[I_TYPE].value != NULL && k[I_TYPE].choice != (int)ind->type)
		return FAIL(r, k[I_TYPE].line,
			    "total '%s' is %s like its parts, not %s",
			    ind->code, choice_name(types, (int)ind->type),
			    k[I_TYPE].value);
	if (k[I_SCALE].value != NULL && ind->type != DONGBO_TYPE_DECIMAL &&
	    ind->type != DONGBO_TYPE_MONEY)
		return FAIL(r, k[I_SCALE].line,
			    "key 'scale' is not allowed for type %s (only "
			    "decimal and money have decimals)",
			    choice_name(types, (int)ind->type));
	if (k[I_SCALE].value != NULL && k[I_SCALE].choice != ind->scale)
		return FAIL(r, k[I_SCALE].line,
			    "total '%s' has scale %d like its parts, not %s",
			    ind->code, ind->scale, k[I_SCALE].value);
	if (k[I_TIME].value != NULL && k[I_TIME].choice != (int)ind->time)
		return FAIL(r, k[I_TIME].line,
			    "total '%s' has time %s like its parts, not %s",
			    ind->code, choice_name(times, (int)ind->time),
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
				    key_defs[SEC_INDICATOR][keys[i]].name,
				    p[i]->code, ind->code,
				    choice_name(rules, (int)p[i]->rule));
	if (p[0]->time != p[1]->time)
		return FAIL(r, s->keys[I_DENOMINATOR].line,
			    "ratio '%s': numerator '%s' has time %s, but "
			    "denominator '%s' has time %s; they need the same",
			    ind->code, p[0]->code,
			    choice_name(times, (int)p[0]->time), p[1]->code,
			    choice_name(times, (int)p[1]->time));
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
				find_indicator(cat, k[I_NUMERATOR].value);
			if (ind->numerator == NULL)
				return FAIL(r, k[I_NUMERATOR].line,
					    "unknown indicator '%s' (numerator "
					    "of '%s')",
					    k[I_NUMERATOR].value, ind->code);
			ind->denominator =
				find_indicator(cat, k[I_DENOMINATOR].value);
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
		parts = arena_array(r->arena, k[I_PARTS].n_codes,
				    sizeof(*parts));
		if (parts == NULL)
			return FAIL_NOMEM(r);
		for (j = 0; j < k[I_PARTS].n_codes; j++) {
			parts[j] = find_indicator(cat, k[I_PARTS].codes[j]);
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
	level = arena_array(r->arena, cat->n_inds, sizeof(*level));
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
	cat->forms = arena_array(r->arena, n, sizeof(*cat->forms));
	cat->form_index = arena_array(r->arena, n, sizeof(*cat->form_index));
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
		row->indicator = find_indicator(cat, k[W_INDICATOR].value);
		if (row->indicator == NULL)
			return FAIL(r, k[W_INDICATOR].line,
				    "unknown indicator '%s' in %s",
				    k[W_INDICATOR].value,
				    describe(s, what, sizeof(what)));
	}
	if (k[W_LABEL].value != NULL && *k[W_LABEL].value != '\0')
		row->label = k[W_LABEL].value;
	else if (row->indicator != NULL)
		row->label = row->indicator->name;
	else
		return FAIL(r, k[W_LABEL].value ? k[W_LABEL].line : s->line,
			    "%s needs a label: it has no indicator to take "
			    "the name from",
			    describe(s, what, sizeof(what)));
	if (k[W_UNIT].value != NULL && *k[W_UNIT].value != '\0')
		row->unit = k[W_UNIT].value;
	else
		row->unit = row->indicator ? row->indicator->unit : "";
	row->level = k[W_LEVEL].value;
	return 0;
}

static const struct dongbo_form *find_form(const struct dongbo_catalog *cat,
					   const char *code);

static int build_rows(struct reader *r, struct dongbo_catalog *cat)
{
	struct dongbo_form_row **fill;
	size_t i, n = r->n_of[SEC_ROW];

	cat->rows = arena_array(r->arena, n, sizeof(*cat->rows));
	fill = arena_array(r->arena, cat->n_forms, sizeof(*fill));
	if ((n > 0 && cat->rows == NULL) || (cat->n_forms > 0 && fill == NULL))
		return FAIL_NOMEM(r);
	/* First the form of every row, to size each form's array. */
	for (i = 0; i < r->n_secs; i++) {
		struct section *s = r->secs[i];
		const struct dongbo_form *f;

		if (s->kind != SEC_ROW)
			continue;
		f = find_form(cat, s->code);
		if (f == NULL)
			return FAIL(r, s->line,
				    "row of unknown form '%s' (no [form %s] "
				    "section)",
				    s->code, s->code);
		s->index = (size_t)(f - cat->forms);
		cat->forms[s->index].n_rows++;
	}
	for (i = 0; i < cat->n_forms; i++) {
		fill[i] = arena_array(r->arena, cat->forms[i].n_rows,
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
	const char *side = key_defs[SEC_RULE][key].name;
	const struct dongbo_indicator **v;
	char a[64], b[64];
	size_t i;

	v = arena_array(r->arena, k->n_codes, sizeof(*v));
	if (v == NULL)
		return FAIL_NOMEM(r);
	for (i = 0; i < k->n_codes; i++) {
		const struct dongbo_indicator *ind =
			find_indicator(cat, k->codes[i]);

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
				    choice_name(rules, (int)ind->rule));
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
	cat->rules = arena_array(r->arena, n, sizeof(*cat->rules));
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

static int build(struct reader *r, struct dongbo_catalog *cat)
{
	if (build_catalog_section(r, cat) != 0 || check_required(r) != 0 ||
	    build_indicators(r, cat) != 0 || link_indicators(r, cat) != 0 ||
	    build_forms(r, cat) != 0 || build_rows(r, cat) != 0 ||
	    build_rules(r, cat) != 0)
		return r->src.rc;
	return 0;
}

/* ---- loading -------------------------------------------------------------- */

static int refuse_too_big(const char *name, char *err, size_t errlen)
{
	dongbo_errf(err, errlen,
		    "%s: larger than %u bytes, the most a catalog may be", name,
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
	text = arena_strndup(&cat->arena, buf, len);
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
		rc = build(&r, cat);
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
	dongbo_errf(err, errlen, "%s: out of memory", name);
	return DONGBO_E_NOMEM;
}

/* Reads path whole into *out (malloc'd, len bytes). */
static int read_file(const char *path, char **out, size_t *len, char *err,
		     size_t errlen)
{
	FILE *f;
	char *buf = NULL, *p;
	size_t n = 0, cap = 0, got;
	int rc;

	if ((rc = dongbo_file_open(path, &f, err, errlen)) != 0)
		return rc;
	for (;;) {
		if (n == cap) {
			if (cap > CATALOG_SIZE_MAX) {
				rc = refuse_too_big(path, err, errlen);
				goto err_after_buf;
			}
			cap = cap ? 2 * cap : 16384;
			if ((p = realloc(buf, cap)) == NULL) {
				dongbo_errf(err, errlen, "%s: out of memory",
					    path);
				rc = DONGBO_E_NOMEM;
				goto err_after_buf;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		dongbo_errf(err, errlen, "cannot read '%s': %s", path,
			    strerror(errno));
		rc = DONGBO_E_IO;
		goto err_after_buf;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;

err_after_buf:
	free(buf);
	fclose(f);
	return rc;
}

int dongbo_catalog_load(const char *path, struct dongbo_catalog **out,
			char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if (path == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if ((rc = read_file(path, &buf, &len, err, errlen)) != 0)
		return rc;
	rc = dongbo_catalog_parse(path, buf, len, out, err, errlen);
	free(buf);
	return rc;
}

void dongbo_catalog_free(struct dongbo_catalog *cat)
{
	if (cat == NULL)
		return;
	arena_fini(&cat->arena);
	free(cat);
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

static const struct dongbo_indicator *find_indicator(
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
	return find_indicator(cat, code);
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

static const struct dongbo_form *find_form(const struct dongbo_catalog *cat,
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
	return find_form(cat, code);
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
		return default_bool_labels[v];
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
		       const char *text, char *err, size_t errlen)
{
	char shown[96], bound[64], values[256];

	if (text != NULL)
		snprintf(shown, sizeof(shown), "'%s'", text);
	else
		dongbo_indicator_format(ind, v, DONGBO_FORMAT_PLAIN, shown,
					sizeof(shown));
	if (!dongbo_indicator_is_stored(ind)) {
		dongbo_errf(err, errlen,
			    "indicator '%s' is a %s: its values are computed, "
			    "never stored",
			    ind->code,
			    ind->rule == DONGBO_RULE_RATIO ? "ratio" : "total");
		return DONGBO_E_BAD_VALUE;
	}
	switch (ind->type) {
	case DONGBO_TYPE_COUNT:
		if (v < 0) {
			dongbo_errf(err, errlen,
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
			dongbo_errf(err, errlen,
				    "%s is not one of the values of indicator "
				    "'%s': %s",
				    shown, ind->code, values);
			return DONGBO_E_BAD_VALUE;
		}
		return 0;
	default:
		dongbo_errf(err, errlen, "indicator '%s' has an unknown value "
					 "type",
			    ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (ind->has_min && v < ind->min) {
		dongbo_number_format(ind->min, ind->scale, false, bound,
				     sizeof(bound));
		dongbo_errf(err, errlen,
			    "%s is less than %s, the minimum of indicator '%s'",
			    shown, bound, ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (ind->has_max && v > ind->max) {
		dongbo_number_format(ind->max, ind->scale, false, bound,
				     sizeof(bound));
		dongbo_errf(err, errlen,
			    "%s is more than %s, the maximum of indicator '%s'",
			    shown, bound, ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	return 0;
}

/* An enum or bool from its value ("2") or its label ("Hoàn thành"). */
static int parse_choice(const struct dongbo_indicator *ind, const char *text,
			int64_t *out, char *err, size_t errlen)
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
	dongbo_errf(err, errlen,
		    "'%s' is not one of the values of indicator '%s': %s",
		    text, ind->code, values);
	return DONGBO_E_BAD_VALUE;
}

int dongbo_indicator_parse_value(const struct dongbo_indicator *ind,
				 const char *text, int64_t *out, char *err,
				 size_t errlen)
{
	int64_t v;
	int rc;

	if (ind == NULL || text == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if (ind->rule == DONGBO_RULE_RATIO) {
		dongbo_errf(err, errlen,
			    "'%s' cannot be entered: indicator '%s' is a "
			    "ratio, computed from '%s' and '%s'; enter those "
			    "instead",
			    text, ind->code,
			    ind->numerator ? ind->numerator->code : "?",
			    ind->denominator ? ind->denominator->code : "?");
		return DONGBO_E_BAD_VALUE;
	}
	if (ind->rule == DONGBO_RULE_TOTAL) {
		dongbo_errf(err, errlen,
			    "'%s' cannot be entered: indicator '%s' is a "
			    "total, the sum of its %zu parts; enter those "
			    "instead",
			    text, ind->code, ind->n_parts);
		return DONGBO_E_BAD_VALUE;
	}
	switch (ind->type) {
	case DONGBO_TYPE_COUNT:
		rc = dongbo_number_parse(text, DONGBO_NUMBER_COUNT, 0,
					 unit_is_percent(ind), &v, err, errlen);
		break;
	case DONGBO_TYPE_DECIMAL:
	case DONGBO_TYPE_MONEY:
		rc = dongbo_number_parse(text, number_kind(ind->type),
					 ind->scale, unit_is_percent(ind), &v,
					 err, errlen);
		break;
	case DONGBO_TYPE_ENUM:
	case DONGBO_TYPE_BOOL:
		rc = parse_choice(ind, text, &v, err, errlen);
		break;
	default:
		dongbo_errf(err, errlen,
			    "indicator '%s' has an unknown value type",
			    ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (rc == 0)
		rc = check_value(ind, v, text, err, errlen);
	if (rc == 0)
		*out = v;
	return rc;
}

int dongbo_indicator_check_value(const struct dongbo_indicator *ind,
				 int64_t value, char *err, size_t errlen)
{
	if (ind == NULL)
		return DONGBO_E_INVAL;
	return check_value(ind, value, NULL, err, errlen);
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
