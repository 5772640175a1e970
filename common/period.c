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
	 * as 0, which keeps every form within DONGBO_PERIOD_MAX.  Written
	 * digit by digit: every roll-up entry a value moves names its
	 * period, so this runs several times per stored value. */
	int year = p->year >= 0 && p->year <= 9999 ? p->year : 0;
	int index = p->index >= 0 && p->index <= 99 ? p->index : 0;
	size_t n = 4;

	buf[0] = (char)('0' + year / 1000);
	buf[1] = (char)('0' + year / 100 % 10);
	buf[2] = (char)('0' + year / 10 % 10);
	buf[3] = (char)('0' + year % 10);
	switch (p->kind) {
	case DONGBO_PERIOD_HALF:
	case DONGBO_PERIOD_QUARTER:
		buf[n++] = p->kind == DONGBO_PERIOD_HALF ? 'S' : 'Q';
		if (index >= 10)
			buf[n++] = (char)('0' + index / 10);
		buf[n++] = (char)('0' + index % 10);
		break;
	case DONGBO_PERIOD_MONTH:
		buf[n++] = 'M';
		buf[n++] = (char)('0' + index / 10);
		buf[n++] = (char)('0' + index % 10);
		break;
	case DONGBO_PERIOD_YEAR:
	default:
		break;
	}
	buf[n] = '\0';
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

bool dongbo_period_parent(const struct dongbo_period *p,
			  struct dongbo_period *out)
{
	struct dongbo_period q = { .year = p->year };

	switch (p->kind) {
	case DONGBO_PERIOD_MONTH:
		q.kind = DONGBO_PERIOD_QUARTER;
		q.index = (p->index - 1) / 3 + 1;
		break;
	case DONGBO_PERIOD_QUARTER:
		q.kind = DONGBO_PERIOD_HALF;
		q.index = (p->index - 1) / 2 + 1;
		break;
	case DONGBO_PERIOD_HALF:
		q.kind = DONGBO_PERIOD_YEAR;
		q.index = 0;
		break;
	case DONGBO_PERIOD_YEAR:
	default:
		return false;
	}
	*out = q;
	return true;
}

size_t dongbo_period_parts(const struct dongbo_period *p,
			   struct dongbo_period out[DONGBO_PERIOD_PARTS_MAX])
{
	enum dongbo_period_kind kind;
	int first;
	size_t n;

	switch (p->kind) {
	case DONGBO_PERIOD_YEAR:
		kind = DONGBO_PERIOD_HALF, first = 1, n = 2;
		break;
	case DONGBO_PERIOD_HALF:
		kind = DONGBO_PERIOD_QUARTER, first = 2 * p->index - 1, n = 2;
		break;
	case DONGBO_PERIOD_QUARTER:
		kind = DONGBO_PERIOD_MONTH, first = 3 * p->index - 2, n = 3;
		break;
	case DONGBO_PERIOD_MONTH:
	default:
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].year = p->year;
		out[i].kind = kind;
		out[i].index = first + (int)i;
	}
	return n;
}

void dongbo_period_months(const struct dongbo_period *p, int *first,
			  int *last)
{
	static const int months[] = {
		[DONGBO_PERIOD_YEAR] = 12, [DONGBO_PERIOD_HALF] = 6,
		[DONGBO_PERIOD_QUARTER] = 3, [DONGBO_PERIOD_MONTH] = 1,
	};
	int len = months[p->kind];
	int start = p->kind == DONGBO_PERIOD_YEAR ? 0 : (p->index - 1) * len;

	*first = p->year * 12 + start;
	*last = *first + len - 1;
}

bool dongbo_period_contains(const struct dongbo_period *outer,
			    const struct dongbo_period *inner)
{
	struct dongbo_period q = *inner;

	for (;;) {
		if (q.year == outer->year && q.kind == outer->kind &&
		    q.index == outer->index)
			return true;
		if (!dongbo_period_parent(&q, &q))
			return false;
	}
}

static size_t walk(const struct dongbo_period *p, struct dongbo_period *out,
		   size_t n)
{
	struct dongbo_period parts[DONGBO_PERIOD_PARTS_MAX];
	size_t k = dongbo_period_parts(p, parts);

	out[n++] = *p;
	for (size_t i = 0; i < k; i++)
		n = walk(&parts[i], out, n);
	return n;
}

size_t dongbo_period_walk(const struct dongbo_period *p,
			  struct dongbo_period out[DONGBO_PERIODS_PER_YEAR])
{
	return walk(p, out, 0);
}
