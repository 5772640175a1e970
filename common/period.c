/*
 * period.c -- reporting periods: "2022", "2022S1", "2022Q3", "2022M06".
 *
 * The grammar is four digits, then optionally one letter and one or two
 * digits.  It is small enough that a library would cost more than it saves,
 * so the parser walks the string by hand and refuses anything it does not
 * recognise exactly: signs, spaces, short years, trailing text.
 */
#include "period.h"

#include <stdio.h>

#include "error.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses one or two digits ending the string; -1 when s is anything else. */
static int parse_index(const char *s, bool allow_two)
{
	if (!is_digit(s[0]))
		return -1;
	if (s[1] == '\0')
		return s[0] - '0';
	if (allow_two && is_digit(s[1]) && s[2] == '\0')
		return (s[0] - '0') * 10 + (s[1] - '0');
	return -1;
}

int dongbo_period_parse(const char *s, struct dongbo_period *out)
{
	struct dongbo_period p = { 0 };
	int i;

	if (s == NULL || out == NULL)
		return DONGBO_E_BAD_PERIOD;
	for (i = 0; i < 4; i++) {
		if (!is_digit(s[i]))
			return DONGBO_E_BAD_PERIOD;
		p.year = p.year * 10 + (s[i] - '0');
	}
	if (p.year < DONGBO_PERIOD_YEAR_MIN || p.year > DONGBO_PERIOD_YEAR_MAX)
		return DONGBO_E_BAD_PERIOD;

	switch (s[4]) {
	case '\0':
		p.kind = DONGBO_PERIOD_YEAR;
		break;
	case 'S':
	case 's':
		p.kind = DONGBO_PERIOD_HALF;
		p.index = parse_index(s + 5, false);
		if (p.index < 1 || p.index > 2)
			return DONGBO_E_BAD_PERIOD;
		break;
	case 'Q':
	case 'q':
		p.kind = DONGBO_PERIOD_QUARTER;
		p.index = parse_index(s + 5, false);
		if (p.index < 1 || p.index > 4)
			return DONGBO_E_BAD_PERIOD;
		break;
	case 'M':
	case 'm':
		/* "2022M6" is accepted as well as "2022M06": people type both. */
		p.kind = DONGBO_PERIOD_MONTH;
		p.index = parse_index(s + 5, true);
		if (p.index < 1 || p.index > 12)
			return DONGBO_E_BAD_PERIOD;
		break;
	default:
		return DONGBO_E_BAD_PERIOD;
	}
	*out = p;
	return 0;
}

void dongbo_period_format(const struct dongbo_period *p,
			  char buf[DONGBO_PERIOD_MAX])
{
	/* A corrupt struct must not overflow buf: out-of-range fields print
	 * as 0, which keeps every form within DONGBO_PERIOD_MAX. */
	int year = p->year >= 0 && p->year <= 9999 ? p->year : 0;
	int index = p->index >= 0 && p->index <= 99 ? p->index : 0;

	switch (p->kind) {
	case DONGBO_PERIOD_HALF:
		snprintf(buf, DONGBO_PERIOD_MAX, "%04dS%d", year, index);
		break;
	case DONGBO_PERIOD_QUARTER:
		snprintf(buf, DONGBO_PERIOD_MAX, "%04dQ%d", year, index);
		break;
	case DONGBO_PERIOD_MONTH:
		snprintf(buf, DONGBO_PERIOD_MAX, "%04dM%02d", year, index);
		break;
	case DONGBO_PERIOD_YEAR:
	default:
		snprintf(buf, DONGBO_PERIOD_MAX, "%04d", year);
		break;
	}
}

int dongbo_period_canonical(const char *s, char buf[DONGBO_PERIOD_MAX])
{
	struct dongbo_period p;
	int rc;

	rc = dongbo_period_parse(s, &p);
	if (rc != 0)
		return rc;
	dongbo_period_format(&p, buf);
	return 0;
}
