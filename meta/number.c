/*
 * number.c -- fixed-point numbers as written in the reports, and back.
 *
 * The reports mix Vietnamese and English habits in one table: "1.234.567"
 * and "52,414" are both counts, "99,98" and "12.16" both decimals
 * (DOMAIN.md B.5).  The parser therefore never guesses a locale: it reads
 * a separator as grouping or as the decimal mark only where the text
 * allows one reading, and refuses the one shape that allows two (a single
 * separator followed by exactly three digits, "1.200") for decimals, where
 * the difference is a factor of a thousand.  Values are accumulated in
 * 128 bits, so overflow is detected rather than wrapped.
 */
#include "number.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "fmtargs.h"
#include "i18n.h"
#include "util.h"

__extension__ typedef unsigned __int128 u128;

#define TWO_63 ((u128)1 << 63)
/* Integer digits beyond this overflow any int64 at any scale; stopping
 * here keeps the 128-bit accumulator far from wrapping. */
#define INT_PART_LIMIT ((u128)10000000000ULL * 10000000000ULL)

/* One message per kind: a translator sees whole sentences (po/), never
 * "a count" passed into one.  N_() marks each for xgettext; the format
 * stays a literal for -Wformat. */
#define BY_KIND(kind, count, decimal, money)                                  \
	((kind) == DONGBO_NUMBER_COUNT     ? (count)                            \
	 : (kind) == DONGBO_NUMBER_DECIMAL ? (decimal)                          \
					   : (money))

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static u128 magnitude(int64_t v)
{
	/* -(v + 1) cannot overflow, even for INT64_MIN. */
	return v < 0 ? (u128)(-(v + 1)) + 1 : (u128)v;
}

static u128 pow10_u128(int n)
{
	u128 p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

/*
 * True when s..e is digits grouped by threes with sep: a first group of
 * 1-3 digits not starting with 0 (a group of thousands never does), then
 * at least one sep followed by exactly three digits each time.
 */
static bool is_grouped(const char *s, const char *e, char sep)
{
	const char *p = s;
	int i;

	while (p < e && *p != sep) {
		if (!is_digit(*p))
			return false;
		p++;
	}
	if (p == s || p - s > 3 || *s == '0' || p == e)
		return false;
	while (p < e) {
		if (*p != sep || e - p < 4)
			return false;
		for (i = 1; i <= 3; i++)
			if (!is_digit(p[i]))
				return false;
		p += 4;
	}
	return true;
}

/*
 * Writes the refusal of "a.bbb" (one separator, three digits after it),
 * with both readings, the decimal one written so that it cannot be
 * misread: trailing zeros dropped, or one added when there are none.
 */
static void explain_ambiguity(const char *tok, bool neg, const char *s,
			      const char *sep, enum dongbo_number_kind kind,
			      struct dongbo_msg *m)
{
	const char *sign = neg ? "-" : "";
	const char *frac = sep + 1;
	int n_int = (int)(sep - s), n_frac = 3;
	char whole[32], dec[32];

	snprintf(whole, sizeof(whole), "%s%.*s%.3s", sign, n_int, s, frac);
	while (n_frac > 0 && frac[n_frac - 1] == '0')
		n_frac--;
	if (n_frac == 0)
		snprintf(dec, sizeof(dec), "%s%.*s", sign, n_int, s);
	else
		snprintf(dec, sizeof(dec), "%s%.*s,%.*s%s", sign, n_int, s,
			 n_frac, frac, n_frac == 3 ? "0" : "");
	dongbo_msgf(m,
		    BY_KIND(kind, N_("'%s' is ambiguous for a count: %s or %s? "
				  "write %s or %s"),
			    N_("'%s' is ambiguous for a decimal: %s or %s? write "
			    "%s or %s"),
			    N_("'%s' is ambiguous for an amount of money: %s or "
			    "%s? write %s or %s")),
		    tok, whole, dec, whole, dec);
}

int dongbo_number_parse(const char *text, enum dongbo_number_kind kind,
			int scale, bool percent, int64_t *out, char *err,
			size_t errlen)
{
	struct dongbo_msg m;
	int rc = dongbo_number_parse_msg(text, kind, scale, percent, out, &m);

	if (rc == DONGBO_E_BAD_VALUE)
		dongbo_errf(err, errlen, "%s", m.text);
	return rc;
}

int dongbo_number_parse_msg(const char *text, enum dongbo_number_kind kind,
			    int scale, bool percent, int64_t *out,
			    struct dongbo_msg *m)
{
	const char *s, *e, *p;
	char tok[DONGBO_FMT_ARG_MAX];
	const char *int_s, *int_e, *frac_s = NULL, *frac_e = NULL;
	const char *last_sep = NULL;
	size_t n_dot = 0, n_comma = 0, len;
	bool neg = false, over = false;
	int i;
	u128 mag = 0, limit;

	/* A count has no decimals, so it has no scale either. */
	if (text == NULL || out == NULL || scale < 0 ||
	    scale > DONGBO_SCALE_MAX || (unsigned)kind > DONGBO_NUMBER_MONEY ||
	    (kind == DONGBO_NUMBER_COUNT && scale != 0))
		return DONGBO_E_INVAL;
	for (s = text; isspace((unsigned char)*s); s++)
		;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	/* Messages quote the token without the whitespace around it. */
	len = (size_t)(e - s);
	snprintf(tok, sizeof(tok), "%.*s", len > INT_MAX ? INT_MAX : (int)len,
		 s);
	if (s == e) {
		dongbo_msgf(m,
			    BY_KIND(kind, N_("'%s' is empty: write a count"),
				    N_("'%s' is empty: write a decimal"),
				    N_("'%s' is empty: write an amount of money")),
			    text);
		return DONGBO_E_BAD_VALUE;
	}
	if (e[-1] == '%') {
		if (!percent) {
			dongbo_msgf(m,
				    "'%s' ends with '%%', but the unit of "
				    "this indicator is not '%%'",
				    tok);
			return DONGBO_E_BAD_VALUE;
		}
		for (e--; e > s && isspace((unsigned char)e[-1]); e--)
			;
	}
	if (s < e && (*s == '-' || *s == '+')) {
		if (kind == DONGBO_NUMBER_COUNT)
			goto not_a_number;
		if (*s == '+') {
			dongbo_msgf(m,
				    BY_KIND(kind,
					    N_("'%s' is not a count: leave out "
					    "the '+'"),
					    N_("'%s' is not a decimal: leave out "
					    "the '+'"),
					    N_("'%s' is not an amount of money: "
					    "leave out the '+'")),
				    tok);
			return DONGBO_E_BAD_VALUE;
		}
		neg = true;
		s++;
	}
	if (s == e)
		goto not_a_number;
	for (p = s; p < e; p++) {
		if (*p == '.') {
			n_dot++;
			last_sep = p;
		} else if (*p == ',') {
			n_comma++;
			last_sep = p;
		} else if (!is_digit(*p)) {
			goto not_a_number;
		}
	}

	/* Which separators group and which one, if any, marks decimals. */
	int_s = s;
	int_e = e;
	if (last_sep == NULL) {
		/* Digits only. */
	} else if (kind == DONGBO_NUMBER_COUNT) {
		if ((n_dot > 0 && n_comma > 0) || !is_grouped(s, e, *last_sep)) {
			dongbo_msgf(m,
				    "'%s' is not a count: a count is a whole "
				    "number, and '.' or ',' may only group its "
				    "digits by threes (1.234.567)",
				    tok);
			return DONGBO_E_BAD_VALUE;
		}
	} else if (n_dot > 0 && n_comma > 0) {
		/* Both: the last one is the mark, the other one groups. */
		char mark = *last_sep;

		if ((mark == '.' ? n_dot : n_comma) != 1 ||
		    !is_grouped(s, last_sep, mark == '.' ? ',' : '.') ||
		    last_sep + 1 == e)
			goto bad_separators;
		int_e = last_sep;
		frac_s = last_sep + 1;
		frac_e = e;
	} else if (n_dot + n_comma > 1) {
		/* A decimal mark appears once: a repeated one groups. */
		if (!is_grouped(s, e, *last_sep))
			goto bad_separators;
	} else {
		ptrdiff_t n_int = last_sep - s, n_frac = e - last_sep - 1;

		if (n_int == 0 || n_frac == 0)
			goto bad_separators;
		if (n_frac == 3 && n_int <= 3 && *s != '0') {
			explain_ambiguity(tok, neg, s, last_sep, kind, m);
			return DONGBO_E_BAD_VALUE;
		}
		int_e = last_sep;
		frac_s = last_sep + 1;
		frac_e = e;
	}

	for (p = int_s; p < int_e && !over; p++) {
		if (!is_digit(*p))
			continue;
		mag = mag * 10 + (unsigned)(*p - '0');
		over = mag > INT_PART_LIMIT;
	}
	len = frac_s ? (size_t)(frac_e - frac_s) : 0;
	for (i = 0; i < scale; i++)
		mag = mag * 10 + ((size_t)i < len ? (unsigned)(frac_s[i] - '0') : 0);
	for (; (size_t)i < len; i++) {
		if (frac_s[i] == '0')
			continue;
		if (scale == 0)
			dongbo_msgf(m,
				    "'%s' has decimals, but this indicator "
				    "keeps whole numbers only; round it first",
				    tok);
		else
			dongbo_msgf(m,
				    "'%s' has more decimals than this "
				    "indicator keeps (%d); round it first",
				    tok, scale);
		return DONGBO_E_BAD_VALUE;
	}
	limit = neg ? TWO_63 : TWO_63 - 1;
	if (over || mag > limit) {
		char bound[64];

		dongbo_number_format(neg ? INT64_MIN : INT64_MAX, scale, false,
				     bound, sizeof(bound));
		if (neg)
			dongbo_msgf(m,
				    BY_KIND(kind,
					    N_("'%s' is too small for a count (at "
					    "least %s)"),
					    N_("'%s' is too small for a decimal "
					    "(at least %s)"),
					    N_("'%s' is too small for an amount of "
					    "money (at least %s)")),
				    tok, bound);
		else
			dongbo_msgf(m,
				    BY_KIND(kind,
					    N_("'%s' is too large for a count (at "
					    "most %s)"),
					    N_("'%s' is too large for a decimal "
					    "(at most %s)"),
					    N_("'%s' is too large for an amount of "
					    "money (at most %s)")),
				    tok, bound);
		return DONGBO_E_BAD_VALUE;
	}
	if (neg)
		*out = mag == TWO_63 ? INT64_MIN : -(int64_t)mag;
	else
		*out = (int64_t)mag;
	return 0;

not_a_number:
	if (kind == DONGBO_NUMBER_COUNT)
		dongbo_msgf(m,
			    "'%s' is not a count (a whole number 0 or more)",
			    tok);
	else
		dongbo_msgf(m,
			    BY_KIND(kind, N_("'%s' is not a count"),
				    N_("'%s' is not a decimal (digits, with ',' or "
				    "'.' as the decimal mark)"),
				    N_("'%s' is not an amount of money (digits, "
				    "with ',' or '.' as the decimal mark)")),
			    tok);
	return DONGBO_E_BAD_VALUE;

bad_separators:
	dongbo_msgf(m,
		    BY_KIND(kind, N_("'%s' is not a count"),
			    N_("'%s' is not a decimal: write the decimal mark (',' "
			    "or '.') once, and group thousands by threes with "
			    "the other one, if at all"),
			    N_("'%s' is not an amount of money: write the decimal "
			    "mark (',' or '.') once, and group thousands by "
			    "threes with the other one, if at all")),
		    tok);
	return DONGBO_E_BAD_VALUE;
}

bool dongbo_number_parse_int64(const char *s, size_t len, int64_t *out)
{
	bool neg;
	size_t i;
	u128 mag = 0;

	if (s == NULL || len == 0)
		return false;
	neg = s[0] == '-';
	i = neg ? 1 : 0;
	if (i == len)
		return false;
	for (; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		mag = mag * 10 + (unsigned)(s[i] - '0');
		if (mag > TWO_63)
			return false;
	}
	if (!neg && mag == TWO_63)
		return false;
	*out = neg ? (mag == TWO_63 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
	return true;
}

/*
 * Writes mag / 10^scale, '-' first when neg and mag is not 0, in the
 * style of dongbo_number_format().  scale is 0..DONGBO_SCALE_MAX.
 */
static int format_mag(bool neg, u128 mag, int scale, bool vi, char *buf,
		      size_t len)
{
	char digits[48]; /* least significant first; 2^128 has 39 */
	char text[96];	 /* sign, 39 digits, 13 group marks, mark, '0' */
	int n_digits = 0, n = 0, i;
	bool zero = mag == 0; /* never "-0" */

	do {
		digits[n_digits++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	} while (mag != 0);
	while (n_digits < scale + 1)
		digits[n_digits++] = '0';
	if (neg && !zero)
		text[n++] = '-';
	for (i = n_digits - 1; i >= scale; i--) {
		text[n++] = digits[i];
		if (vi && i > scale && (i - scale) % 3 == 0)
			text[n++] = '.';
	}
	if (scale > 0) {
		text[n++] = vi ? ',' : '.';
		for (i = scale - 1; i >= 0; i--)
			text[n++] = digits[i];
		/* "1.200" would be refused as ambiguous: "1.2000" is not. */
		if (!vi && scale == 3 && n_digits - scale <= 3 &&
		    digits[n_digits - 1] != '0')
			text[n++] = '0';
	}
	text[n] = '\0';
	return snprintf(buf, len, "%s", text);
}

int dongbo_number_format(int64_t v, int scale, bool vi, char *buf,
			 size_t len)
{
	if (scale < 0 || scale > DONGBO_SCALE_MAX) {
		if (buf != NULL && len > 0)
			buf[0] = '\0';
		return DONGBO_E_INVAL;
	}
	return format_mag(v < 0, magnitude(v), scale, vi, buf, len);
}

int dongbo_number_format_ratio(int64_t num, int64_t den, int scale,
			       bool percent, bool vi, char *buf, size_t len)
{
	u128 n, d, q, r;

	if (scale < 0 || scale > DONGBO_SCALE_MAX) {
		if (buf != NULL && len > 0)
			buf[0] = '\0';
		return DONGBO_E_INVAL;
	}
	if (den == 0)
		return snprintf(buf, len, "n/a");
	/* At most 2^63 × 10^8 < 2^90: exact in 128 bits. */
	n = magnitude(num) * pow10_u128(scale + (percent ? 2 : 0));
	d = magnitude(den);
	q = n / d;
	r = n % d;
	if (r >= d - r) /* 2r >= d, without overflow: half away from zero */
		q++;
	return format_mag((num < 0) != (den < 0), q, scale, vi, buf, len);
}
