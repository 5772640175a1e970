/*
 * catalog.h -- the indicator catalog (danh mục chỉ tiêu).
 *
 * The catalog is data: an INI file (parsed with inih) with one [catalog]
 * section and one section per indicator, named by its stable ASCII code:
 *
 *   [catalog]
 *   version = 1
 *
 *   [hs_nhan_truc_tuyen]
 *   name  = Số hồ sơ tiếp nhận mới trực tuyến
 *   unit  = Hồ sơ
 *   type  = count            ; count (only kind so far; see below)
 *   rule  = sum              ; across units: sum
 *   time  = sum              ; across periods: sum, first or last
 *   forms = II.06c
 *
 * A malformed catalog is refused with file, line and reason.  A loaded
 * catalog is immutable and may be read from any thread.
 */
#ifndef DONGBO_META_CATALOG_H
#define DONGBO_META_CATALOG_H

#include <stddef.h>
#include <stdint.h>

/* Longest indicator code accepted (bytes, without NUL). */
#define DONGBO_INDICATOR_CODE_MAX 63

enum dongbo_value_type {
	DONGBO_TYPE_COUNT, /* non-negative int64 */
};

enum dongbo_unit_rule {
	DONGBO_RULE_SUM,
};

enum dongbo_time_rule {
	DONGBO_TIME_SUM,
	DONGBO_TIME_FIRST, /* opening stock: value of the first sub-period */
	DONGBO_TIME_LAST,  /* closing stock: value of the last sub-period */
};

struct dongbo_indicator {
	const char *code;
	const char *name;
	const char *unit; /* đơn vị tính, e.g. "Hồ sơ" */
	const char *forms; /* e.g. "II.06c"; "" when none */
	enum dongbo_value_type type;
	enum dongbo_unit_rule rule;
	enum dongbo_time_rule time;
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
size_t dongbo_catalog_count(const struct dongbo_catalog *cat);
/* Indicators in file order; i < count. */
const struct dongbo_indicator *dongbo_catalog_at(const struct dongbo_catalog *cat,
						 size_t i);
/* The indicator with this code, or NULL. */
const struct dongbo_indicator *dongbo_catalog_find(const struct dongbo_catalog *cat,
						   const char *code);

/*
 * Parses the text form of a value of this indicator ("1234").  A count must
 * be a plain non-negative decimal integer that fits int64: no sign, no
 * separators, no spaces, no exponent.  Returns 0 or DONGBO_E_BAD_VALUE with
 * a message quoting the text in err.
 */
int dongbo_indicator_parse_value(const struct dongbo_indicator *ind,
				 const char *text, int64_t *out, char *err,
				 size_t errlen);

/* Checks a value arriving in binary form (from a peer): 0 or BAD_VALUE. */
int dongbo_indicator_check_value(const struct dongbo_indicator *ind,
				 int64_t value, char *err, size_t errlen);

#endif
