/*
 * catalog.h -- the indicator catalog (danh mục chỉ tiêu), the report forms
 * built on it and the validation rules over it.
 *
 * The catalog is data: one INI file, parsed with inih (through
 * dongbo_ini.h), owned by the top node and carried down to every node as
 * its bytes.  A malformed catalog is refused with "FILE:LINE: reason".
 * A loaded catalog is immutable and may be read from any thread.
 *
 * Sections, in any order (references may point forward):
 *
 *   [catalog]
 *   version = 3                 ; required, 1..2^32-1; a higher one wins
 *   title   = ...               ; optional free text
 *
 *   [hs_giai_quyet_dung_han]    ; an indicator: its stable ASCII code,
 *                               ; [a-z0-9_], starting with a letter
 *   name  = Số hồ sơ đã giải quyết đúng hạn   ; required
 *   unit  = Hồ sơ               ; đơn vị tính; required ("" is not allowed)
 *   type  = count               ; count | decimal | money | enum | bool
 *   scale = 2                   ; decimal and money: digits after the
 *                               ; point, 0..6 (decimal: required; money:
 *                               ; default 0); not allowed for other types
 *   rule  = sum                 ; across units: sum | mean | min | max |
 *                               ; count (units per value) | none | ratio
 *                               ; | total
 *   time  = sum                 ; across periods: sum (flows) | last
 *                               ; (stocks, "lũy kế") | first (opening
 *                               ; stock) | none; not allowed with ratio
 *   min   = 0                   ; optional bounds, in the type's text form
 *   max   = 100
 *   value.0 = Chưa              ; enum: one key per allowed value (an
 *   value.1 = Đang làm          ; int64), at least two; bool: optional
 *   value.2 = Hoàn thành        ; labels for 0 and 1 (default Không, Có)
 *   numerator   = hs_giai_quyet_dung_han_ca ; ratio: two indicators with
 *   denominator = hs_da_giai_quyet          ; rule sum and the same time
 *   percent = yes               ; ratio: shown as a percentage (×100)
 *   parts = hs_giai_quyet_truoc_han + hs_giai_quyet_dung_han
 *                               ; total: two or more indicators with rule
 *                               ; sum or total, same type, scale and time
 *   note  = ...                 ; optional free text ("lũy kế từ đầu năm")
 *
 *   Defaults: rule = sum and time = sum for count, decimal and money;
 *   rule = count and time = last for enum and bool; a ratio's scale (the
 *   digits shown) defaults to 2.  Counts are never negative; enum and bool
 *   values must be one of the listed values.  A ratio indicator holds no
 *   values of its own: it is computed from its numerator and denominator
 *   roll-ups (Σnumerator / Σdenominator) and cannot be entered; the
 *   numerator and denominator have rule sum or total, the same time rule,
 *   and count/decimal/money types.  A total holds no values either: its
 *   roll-up is the sum of its parts' roll-ups (e.g. the BNV forms' "đúng
 *   hạn" counts early and on-time dossiers together).  No cycles.
 *   Allowed combinations: sum and mean for count, decimal and money; min
 *   and max for count, decimal, money and enum; count for enum and bool;
 *   none for any stored type.
 *
 *   [form II.06c]               ; a report form: code after "form "
 *   title = Tình hình, kết quả giải quyết TTHC   ; required
 *   basis = Thông tư 01/2020/TT-VPCP             ; optional
 *
 *   [row II.06c 1.1]            ; one row of a form, in file order:
 *                               ; "row", the form code, the STT as printed
 *                               ; (may repeat: the seeds do)
 *   label = Số hồ sơ mới tiếp nhận trực tuyến ; default: indicator's name
 *   unit  = Hồ sơ               ; default: indicator's unit
 *   indicator = hs_nhan_truc_tuyen   ; absent: a heading row, no value
 *   level = xa                  ; optional: only units of this level
 *                               ; (a level name of the unit list)
 *
 *   [rule nhan_bang_moi_cong_ton]   ; a validation rule: code after "rule "
 *   text  = Tiếp nhận = mới tiếp nhận + từ kỳ trước   ; required, in words
 *   left  = hs_tiep_nhan        ; one or more indicators joined by "+"
 *   op    = eq                  ; eq (=) | le (<=)
 *   right = hs_moi_tiep_nhan + hs_ton_ky_truoc
 *   severity = error            ; error | warning; default error
 *
 *   Both sides of a rule use indicators with rule sum or total of the same
 *   type and scale (no ratios, no enums).  A rule is evaluated where all of its
 *   indicators have a value.
 *
 * Unknown sections and keys are refused, as are duplicates (a key given
 * twice, two indicators, forms or rules with one code).
 */
#ifndef DONGBO_META_CATALOG_H
#define DONGBO_META_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest indicator, form or rule code accepted (bytes, without NUL). */
#define DONGBO_INDICATOR_CODE_MAX 63
/* Largest scale of a decimal or money indicator. */
#define DONGBO_SCALE_MAX 6

enum dongbo_value_type {
	DONGBO_TYPE_COUNT,   /* non-negative int64 */
	DONGBO_TYPE_DECIMAL, /* int64 holding value × 10^scale */
	DONGBO_TYPE_MONEY,   /* as decimal, in the indicator's unit */
	DONGBO_TYPE_ENUM,    /* one of the labelled values */
	DONGBO_TYPE_BOOL,    /* 0 or 1 */
};

enum dongbo_unit_rule {
	DONGBO_RULE_SUM,
	DONGBO_RULE_MEAN,  /* sum / count of contributing units */
	DONGBO_RULE_MIN,
	DONGBO_RULE_MAX,
	DONGBO_RULE_COUNT, /* number of units per value */
	DONGBO_RULE_NONE,  /* not aggregated: each unit's own value only */
	DONGBO_RULE_RATIO, /* Σnumerator / Σdenominator; holds no values */
	DONGBO_RULE_TOTAL, /* Σ of its parts' roll-ups; holds no values */
};

enum dongbo_time_rule {
	DONGBO_TIME_SUM,   /* flows: a period is the sum of its parts */
	DONGBO_TIME_FIRST, /* opening stock: the first part's value */
	DONGBO_TIME_LAST,  /* closing stock, "lũy kế": the last part's */
	DONGBO_TIME_NONE,  /* never composed from other periods */
};

struct dongbo_enum_label {
	int64_t value;
	const char *label;
};

struct dongbo_indicator {
	const char *code;
	const char *name;
	const char *unit; /* đơn vị tính, e.g. "Hồ sơ" */
	const char *note; /* "" when none */
	enum dongbo_value_type type;
	enum dongbo_unit_rule rule;
	enum dongbo_time_rule time; /* of a ratio: that of its parts */
	int scale;		    /* decimal digits; 0 for count, enum, bool */
	bool has_min, has_max;
	int64_t min, max; /* scaled like values */
	/* enum and bool: the allowed values in increasing order */
	const struct dongbo_enum_label *labels;
	size_t n_labels;
	/* ratio only */
	const struct dongbo_indicator *numerator, *denominator;
	bool percent;
	/* total only: its parts, in the order given */
	const struct dongbo_indicator *const *parts;
	size_t n_parts;
	int line; /* of its section, for messages */
};

struct dongbo_form_row {
	const char *stt;   /* as printed: "1.1", "3.4.2", "" */
	const char *label;
	const char *unit;  /* "" for a heading without unit */
	const struct dongbo_indicator *indicator; /* NULL: heading row */
	const char *level; /* NULL: all units of the subtree */
};

struct dongbo_form {
	const char *code; /* "II.06c", "BNV-BM3" */
	const char *title;
	const char *basis; /* "" when none */
	const struct dongbo_form_row *rows;
	size_t n_rows;
};

enum dongbo_rule_op {
	DONGBO_OP_EQ,
	DONGBO_OP_LE,
};

enum dongbo_severity {
	DONGBO_SEVERITY_ERROR,
	DONGBO_SEVERITY_WARNING,
};

struct dongbo_rule {
	const char *code;
	const char *text; /* the rule in words (Vietnamese) */
	enum dongbo_rule_op op;
	enum dongbo_severity severity;
	const struct dongbo_indicator *const *left;
	size_t n_left;
	const struct dongbo_indicator *const *right;
	size_t n_right;
};

struct dongbo_catalog;

/* Loads path.  Returns 0, DONGBO_E_IO, DONGBO_E_CONFIG (message with file,
 * line and reason in err) or DONGBO_E_NOMEM. */
int dongbo_catalog_load(const char *path, struct dongbo_catalog **out,
			char *err, size_t errlen);

/* Same from memory; name is used in messages. */
int dongbo_catalog_parse(const char *name, const char *buf, size_t len,
			 struct dongbo_catalog **out, char *err, size_t errlen);

void dongbo_catalog_free(struct dongbo_catalog *cat);

uint32_t dongbo_catalog_version(const struct dongbo_catalog *cat);
/* The catalog's title ("" when none). */
const char *dongbo_catalog_title(const struct dongbo_catalog *cat);
/* The exact bytes it was parsed from (to carry it down to children). */
const char *dongbo_catalog_text(const struct dongbo_catalog *cat, size_t *len);

size_t dongbo_catalog_count(const struct dongbo_catalog *cat);
/* Indicators in file order; i < count. */
const struct dongbo_indicator *dongbo_catalog_at(const struct dongbo_catalog *cat,
						 size_t i);
/* The indicator with this code, or NULL. */
const struct dongbo_indicator *dongbo_catalog_find(const struct dongbo_catalog *cat,
						   const char *code);

size_t dongbo_catalog_form_count(const struct dongbo_catalog *cat);
const struct dongbo_form *dongbo_catalog_form_at(const struct dongbo_catalog *cat,
						 size_t i);
const struct dongbo_form *dongbo_catalog_form_find(const struct dongbo_catalog *cat,
						   const char *code);

size_t dongbo_catalog_rule_count(const struct dongbo_catalog *cat);
const struct dongbo_rule *dongbo_catalog_rule_at(const struct dongbo_catalog *cat,
						 size_t i);

/* Calls cb for every form row showing ind (directly, or through a ratio
 * or total built on it), in file order; a non-zero return stops. */
int dongbo_catalog_rows_of(const struct dongbo_catalog *cat,
			   const struct dongbo_indicator *ind,
			   int (*cb)(void *arg, const struct dongbo_form *form,
				     const struct dongbo_form_row *row),
			   void *arg);

/*
 * Calls cb for every stored indicator a unit of level needs to fill form's
 * rows (level NULL: the rows of every level): a row's own indicator, or
 * for a ratio its numerator and denominator, for a total its parts, each
 * followed down to stored indicators.  An indicator may come more than
 * once.  A non-zero return from cb stops the walk and is returned.
 */
int dongbo_form_needs(const struct dongbo_form *form, const char *level,
		      int (*cb)(void *arg, const struct dongbo_indicator *ind),
		      void *arg);

/* True when a unit of level needs the stored indicator `code` for form
 * (as dongbo_form_needs finds them). */
bool dongbo_form_needs_indicator(const struct dongbo_form *form,
				 const char *level, const char *code);

/* The word the catalog file uses for a type, rule or time rule ("count",
 * "ratio", "last"); "?" for a value outside its enum.  Static strings. */
const char *dongbo_type_word(enum dongbo_value_type t);
const char *dongbo_rule_word(enum dongbo_unit_rule r);
const char *dongbo_time_word(enum dongbo_time_rule t);

/* True when s has the form every catalog gives an indicator code: a-z,
 * 0-9 and '_', starting with a letter, 1..DONGBO_INDICATOR_CODE_MAX bytes.
 * Says nothing of whether a catalog defines it (dongbo_catalog_find). */
bool dongbo_indicator_code_is_valid(const char *s);

/* True when values of ind are stored (every rule but ratio and total). */
bool dongbo_indicator_is_stored(const struct dongbo_indicator *ind);

/* The label of value v of an enum or bool indicator, or NULL. */
const char *dongbo_indicator_label(const struct dongbo_indicator *ind,
				   int64_t v);

/*
 * Parses the text form of a value of this indicator into its int64 form.
 *
 * Numbers may be written the Vietnamese way or plainly, but only where
 * that is unambiguous:
 *  - count: "1234", or grouped by threes with '.' or ',' ("1.234.567",
 *    "52,414": a count has no decimals, so the separator groups).
 *    "1,5" is refused (not a whole number), as is a sign.
 *  - decimal, money: the decimal mark is ',' or '.'; the other one may
 *    group thousands ("1.234,5", "1,234.5", "99,98", "12.16").  A single
 *    separator followed by exactly three digits, after 1-3 digits not
 *    starting with 0 ("1.200", "52,414"), could be either and is refused
 *    as ambiguous.  More decimals than the scale are refused unless they
 *    are zeros.  A trailing "%" is accepted when the unit is "%".  A sign
 *    '-' is accepted.
 *  - enum: one of the values ("2") or its label, exactly ("Hoàn thành").
 *  - bool: "0", "1", or a label.
 * Then the bounds and domain are checked (dongbo_indicator_check_value).
 * A ratio or total cannot be entered.  Returns 0, or DONGBO_E_BAD_VALUE with a
 * message quoting the text and saying why in err.
 */
int dongbo_indicator_parse_value(const struct dongbo_indicator *ind,
				 const char *text, int64_t *out, char *err,
				 size_t errlen);

/* As dongbo_indicator_parse_value, with the message taken apart in m
 * (fmtargs.h) for whoever shows it to translate (the CLI, from the node's
 * reply). */
struct dongbo_msg;
int dongbo_indicator_parse_value_msg(const struct dongbo_indicator *ind,
				     const char *text, int64_t *out,
				     struct dongbo_msg *m);

/* Checks a value in int64 form (from a peer or the store) against the
 * type, bounds and domain: 0 or DONGBO_E_BAD_VALUE with the reason. */
int dongbo_indicator_check_value(const struct dongbo_indicator *ind,
				 int64_t value, char *err, size_t errlen);

enum dongbo_format_style {
	/* Plain, for files and JSON: "1234567", "-12.50", "2".  Parses back
	 * to the same value with dongbo_indicator_parse_value (a decimal
	 * that would read as ambiguous gets one more trailing zero). */
	DONGBO_FORMAT_PLAIN,
	/* As the printed reports: "1.234.567", "99,98", enum labels. */
	DONGBO_FORMAT_VI,
};

/* Writes value v of ind into buf (NUL-terminated, truncated to len).
 * Returns the length it needed, as snprintf. */
int dongbo_indicator_format(const struct dongbo_indicator *ind, int64_t v,
			    enum dongbo_format_style style, char *buf,
			    size_t len);

/*
 * Writes num / den exactly rounded half away from zero to scale decimals
 * (×100 first when percent), in style; "n/a" when den is 0.  Uses 128-bit
 * intermediates, so every int64 pair is exact.  Returns as snprintf.
 */
int dongbo_ratio_format(int64_t num, int64_t den, int scale, bool percent,
			enum dongbo_format_style style, char *buf, size_t len);

#endif
