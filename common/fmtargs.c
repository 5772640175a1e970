/*
 * fmtargs.c -- printf conversions rendered one by one, and put back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "fmtargs.h"

/* One conversion "%[n$][flags][width][.prec][length]conv" at s (s[0] is
 * '%', s[1] is not).  Returns its length, 0 when malformed; *pos is n of
 * "n$" (0 without), *length the length modifier ("", "h", "hh", "l",
 * "ll", "j", "z", "t", "L") and *conv the conversion character. */
static size_t spec_parse(const char *s, int *pos, char length[3], char *conv,
			 bool *has_star)
{
	size_t i = 1, k = 0;
	int n = 0;

	*pos = 0;
	*has_star = false;
	while (s[i] >= '0' && s[i] <= '9' && n < 100)
		n = n * 10 + (s[i++] - '0');
	if (n > 0 && s[i] == '$') {
		*pos = n;
		i++;
	} else {
		i = 1;
	}
	while (s[i] != '\0' && strchr("-+ #0'", s[i]) != NULL)
		i++;
	if (s[i] == '*') {
		*has_star = true;
		i++;
	}
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (s[i] == '.') {
		i++;
		if (s[i] == '*') {
			*has_star = true;
			i++;
		}
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	while (s[i] != '\0' && strchr("hljztL", s[i]) != NULL && k < 2)
		length[k++] = s[i++];
	length[k] = '\0';
	if (s[i] == '\0' || strchr("diouxXcsfFeEgGaApn", s[i]) == NULL)
		return 0;
	*conv = s[i];
	return i + 1;
}

/* The formats rendered here come from the sources (ctl_fail's callers,
 * checked by -Wformat there), one conversion at a time. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int render(char *out, const char *spec, const char *length, char conv,
		  va_list *ap)
{
	bool is_signed = conv == 'd' || conv == 'i';

	if (conv == 's')
		return snprintf(out, DONGBO_FMT_ARG_MAX, spec,
				va_arg(*ap, const char *));
	if (conv == 'c')
		return snprintf(out, DONGBO_FMT_ARG_MAX, spec, va_arg(*ap, int));
	if (conv == 'p')
		return snprintf(out, DONGBO_FMT_ARG_MAX, spec,
				va_arg(*ap, void *));
	if (strchr("fFeEgGaA", conv) != NULL) {
		if (strcmp(length, "L") == 0)
			return snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					va_arg(*ap, long double));
		return snprintf(out, DONGBO_FMT_ARG_MAX, spec,
				va_arg(*ap, double));
	}
	if (strcmp(length, "") == 0 || strcmp(length, "h") == 0 ||
	    strcmp(length, "hh") == 0)
		return is_signed ? snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, int))
				 : snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, unsigned));
	if (strcmp(length, "l") == 0)
		return is_signed ? snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, long))
				 : snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, unsigned long));
	if (strcmp(length, "ll") == 0)
		return is_signed ? snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, long long))
				 : snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, unsigned long long));
	if (strcmp(length, "j") == 0)
		return is_signed ? snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, intmax_t))
				 : snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, uintmax_t));
	if (strcmp(length, "z") == 0)
		return is_signed ? snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, ssize_t))
				 : snprintf(out, DONGBO_FMT_ARG_MAX, spec,
					    va_arg(*ap, size_t));
	if (strcmp(length, "t") == 0)
		return snprintf(out, DONGBO_FMT_ARG_MAX, spec,
				va_arg(*ap, ptrdiff_t));
	return -1;
}
#pragma GCC diagnostic pop

int dongbo_fmt_split(const char *fmt, va_list ap,
		     char (*args)[DONGBO_FMT_ARG_MAX], int max)
{
	int n = 0;
	va_list aq;

	va_copy(aq, ap);
	for (const char *p = fmt; *p != '\0'; p++) {
		char spec[32], length[3], conv;
		size_t slen;
		bool has_star;
		int pos;

		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		slen = spec_parse(p, &pos, length, &conv, &has_star);
		if (slen == 0 || slen >= sizeof(spec) || pos != 0 ||
		    has_star || conv == 'n' || n == max) {
			va_end(aq);
			return -1;
		}
		memcpy(spec, p, slen);
		spec[slen] = '\0';
		if (render(args[n], spec, length, conv, &aq) < 0) {
			va_end(aq);
			return -1;
		}
		n++;
		p += slen - 1;
	}
	va_end(aq);
	return n;
}

/* Appends n bytes of s to out at *at, keeping room for the NUL. */
static void put(char *out, size_t len, size_t *at, const char *s, size_t n)
{
	if (*at + 1 >= len)
		return;
	if (n > len - 1 - *at)
		n = len - 1 - *at;
	memcpy(out + *at, s, n);
	*at += n;
	out[*at] = '\0';
}

int dongbo_fmt_join(char *out, size_t len, const char *fmt,
		    const char *const *args, int n_args)
{
	size_t at = 0;
	int next = 0;

	if (len > 0)
		out[0] = '\0';
	for (const char *p = fmt; *p != '\0'; p++) {
		char length[3], conv;
		size_t slen;
		bool has_star;
		int pos, idx;

		if (*p != '%') {
			put(out, len, &at, p, 1);
			continue;
		}
		if (p[1] == '%') {
			put(out, len, &at, "%", 1);
			p++;
			continue;
		}
		slen = spec_parse(p, &pos, length, &conv, &has_star);
		if (slen == 0)
			return -1;
		idx = pos > 0 ? pos - 1 : next++;
		if (idx >= n_args)
			return -1;
		put(out, len, &at, args[idx], strlen(args[idx]));
		p += slen - 1;
	}
	return 0;
}
