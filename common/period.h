/*
 * period.h -- reporting periods (kỳ báo cáo).
 *
 * Canonical text forms: "2022" (year), "2022S1" (half-year 1..2),
 * "2022Q3" (quarter 1..4), "2022M06" (month 01..12).  Parsing also accepts
 * lower-case letters and a one-digit month ("2022m6") and always produces
 * the canonical form on output.  Years outside DONGBO_PERIOD_YEAR_MIN..MAX
 * are refused as absurd.
 */
#ifndef DONGBO_COMMON_PERIOD_H
#define DONGBO_COMMON_PERIOD_H

#include <stdbool.h>
#include <stddef.h>

#define DONGBO_PERIOD_YEAR_MIN 1990
#define DONGBO_PERIOD_YEAR_MAX 2100
/* Longest canonical form "2022M06" plus NUL. */
#define DONGBO_PERIOD_MAX 8

enum dongbo_period_kind {
	DONGBO_PERIOD_YEAR,
	DONGBO_PERIOD_HALF,
	DONGBO_PERIOD_QUARTER,
	DONGBO_PERIOD_MONTH,
};

struct dongbo_period {
	int year;
	enum dongbo_period_kind kind;
	int index; /* 1-based half, quarter or month; 0 for a year */
};

/* Parses s into *out.  Returns 0, or DONGBO_E_BAD_PERIOD (out untouched). */
int dongbo_period_parse(const char *s, struct dongbo_period *out);

/* Writes the canonical form into buf (at least DONGBO_PERIOD_MAX bytes). */
void dongbo_period_format(const struct dongbo_period *p,
			  char buf[DONGBO_PERIOD_MAX]);

/* Parses and re-formats: canonical form of s into buf; 0 or BAD_PERIOD. */
int dongbo_period_canonical(const char *s, char buf[DONGBO_PERIOD_MAX]);

/*
 * The calendar lattice used to compose periods: a year is made of its two
 * halves, a half of its two quarters, a quarter of its three months.
 */

/* Most parts a period has (a quarter's three months). */
#define DONGBO_PERIOD_PARTS_MAX 3
/* Periods within a year, the year included: 1 + 2 + 4 + 12. */
#define DONGBO_PERIODS_PER_YEAR 19

/* The period p is a part of; false for a year. */
bool dongbo_period_parent(const struct dongbo_period *p,
			  struct dongbo_period *out);

/* p's parts in calendar order into out; returns how many (0 for a
 * month). */
size_t dongbo_period_parts(const struct dongbo_period *p,
			   struct dongbo_period out[DONGBO_PERIOD_PARTS_MAX]);

/* The first and last month p covers, as year * 12 + month - 1. */
void dongbo_period_months(const struct dongbo_period *p, int *first,
			  int *last);

/* True when inner lies within outer (a period lies within itself). */
bool dongbo_period_contains(const struct dongbo_period *outer,
			    const struct dongbo_period *inner);

/* p and every period within it, each before its parts (for a year: year,
 * S1, Q1, M01..M03, Q2, ..., S2, ...) into out; returns how many (at most
 * DONGBO_PERIODS_PER_YEAR). */
size_t dongbo_period_walk(const struct dongbo_period *p,
			  struct dongbo_period out[DONGBO_PERIODS_PER_YEAR]);

#endif
