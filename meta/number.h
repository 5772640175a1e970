/*
 * number.h -- exact fixed-point numbers in the forms people write them in
 * the reports ("1.234.567", "52,414", "99,98", "12.16%"), and back.
 *
 * Internal to meta/: catalog.c applies these to indicators, and
 * catalog.h's dongbo_indicator_parse_value() states the rules users see.
 * A number is an int64 holding value × 10^scale, scale 0..DONGBO_SCALE_MAX.
 * Every function here is pure and may be called from any thread.
 */
#ifndef DONGBO_META_NUMBER_H
#define DONGBO_META_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dongbo_number_kind {
	/* A whole number, 0 or more: no sign, no decimals; '.' or ','
	 * only groups digits by threes ("52,414" is 52414). */
	DONGBO_NUMBER_COUNT,
	/* Signed; either ',' or '.' is the decimal mark and the other may
	 * group thousands; "1.200" alone is refused as ambiguous. */
	DONGBO_NUMBER_DECIMAL,
	/* As DECIMAL; only the wording of messages differs. */
	DONGBO_NUMBER_MONEY,
};

/*
 * Parses text (surrounding whitespace ignored) as a number of kind with
 * scale digits after the mark; more digits are accepted only when they are
 * zeros.  A trailing '%' is accepted only when percent is true.  Writes
 * *out only on success.  Returns 0, DONGBO_E_BAD_VALUE with a message
 * quoting the text and saying why in err, or DONGBO_E_INVAL (NULL text or
 * out, scale out of range, or not 0 for a count).
 */
int dongbo_number_parse(const char *text, enum dongbo_number_kind kind,
			int scale, bool percent, int64_t *out, char *err,
			size_t errlen);

/* As dongbo_number_parse, with the message taken apart in m (fmtargs.h)
 * for whoever shows it to translate. */
struct dongbo_msg;
int dongbo_number_parse_msg(const char *text, enum dongbo_number_kind kind,
			    int scale, bool percent, int64_t *out,
			    struct dongbo_msg *m);

/* True when s[0..len) is "-?[0-9]+" and fits an int64; writes *out then. */
bool dongbo_number_parse_int64(const char *s, size_t len, int64_t *out);

/*
 * Writes v / 10^scale into buf (NUL-terminated, truncated to len).  Plain
 * (vi false): "-1234.50", no grouping, exactly scale decimals, plus one
 * more '0' when the text would otherwise read as ambiguous ("1.2000" for
 * 1.2 at scale 3), so that dongbo_number_parse() reads it back as v.
 * Vietnamese (vi true): '.' groups thousands, ',' marks decimals
 * ("-1.234,50").  Returns the length needed, as snprintf, or
 * DONGBO_E_INVAL when scale is out of range.
 */
int dongbo_number_format(int64_t v, int scale, bool vi, char *buf,
			 size_t len);

/*
 * Writes num / den (× 100 first when percent) rounded half away from zero
 * to scale decimals, exactly, in the style of dongbo_number_format(); "n/a"
 * when den is 0.  Returns as dongbo_number_format().
 */
int dongbo_number_format_ratio(int64_t num, int64_t den, int scale,
			       bool percent, bool vi, char *buf, size_t len);

#endif
