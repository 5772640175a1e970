/*
 * catalog_internal.h -- shared by meta/catalog.c (reading, loading,
 * lookups, values) and meta/catalog_build.c (the whole-file checks that
 * make the catalog); not an API for anyone else.  Named so that it cannot
 * hide another header on meta/'s include path.
 */
#ifndef DONGBO_META_CATALOG_INTERNAL_H
#define DONGBO_META_CATALOG_INTERNAL_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "catalog.h"
#include "dongbo_ini.h"
#include "number.h"

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

/* ---- memory: one arena per catalog ---- */

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
void *catalog_arena_alloc(struct arena *a, size_t n);
void *catalog_arena_array(struct arena *a, size_t n, size_t size);
char *catalog_arena_strndup(struct arena *a, const char *s, size_t len);
void catalog_arena_fini(struct arena *a);

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

/* The words of the keys that take one from a list (catalog.c). */
extern const struct choice catalog_types[], catalog_rules[], catalog_times[];

/* The word of value in the list c, "?" when none. */
const char *catalog_choice_name(const struct choice *c, int value);

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

extern const struct key_def catalog_key_defs[N_KINDS][MAX_KEYS];

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

/* catalog.c: "indicator 'x'", "row 1.2 of form II.06c"... for messages. */
const char *catalog_describe(const struct section *s, char *buf, size_t len);
/* catalog.c: lookups by code (NULL when none). */
const struct dongbo_indicator *catalog_find_indicator(
	const struct dongbo_catalog *cat, const char *code);
const struct dongbo_form *catalog_find_form(const struct dongbo_catalog *cat,
					    const char *code);

/* Ratios and totals are computed from other indicators, never stored. */
static inline bool is_derived_rule(int rule)
{
	return rule == DONGBO_RULE_RATIO || rule == DONGBO_RULE_TOTAL;
}

/* How number.c reads and writes values of a numeric type. */
static inline enum dongbo_number_kind number_kind(enum dongbo_value_type t)
{
	return t == DONGBO_TYPE_COUNT	? DONGBO_NUMBER_COUNT
	       : t == DONGBO_TYPE_MONEY ? DONGBO_NUMBER_MONEY
					: DONGBO_NUMBER_DECIMAL;
}

/* A trailing "%" is accepted on values of indicators measured in %. */
static inline bool unit_is_percent(const struct dongbo_indicator *ind)
{
	return ind->unit != NULL && strcmp(ind->unit, "%") == 0;
}

/* catalog_build.c: the labels of a bool without value.N keys. */
extern const char *const catalog_default_bool_labels[2];

/* catalog_build.c: makes cat from what the reader recorded, once the
 * whole file is read.  0, or the error on the earliest line in r. */
int catalog_build(struct reader *r, struct dongbo_catalog *cat);

#endif
