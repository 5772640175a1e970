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
#include "i18n.h"

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

/* The number of conversions of the n bytes of fmt ("%%" is none), or -1
 * when one is malformed. */
static int count_conversions(const char *fmt, size_t n)
{
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		char length[3], conv;
		bool has_star;
		int pos;
		size_t slen;

		if (fmt[i] != '%')
			continue;
		if (i + 1 < n && fmt[i + 1] == '%') {
			i++;
			continue;
		}
		slen = spec_parse(fmt + i, &pos, length, &conv, &has_star);
		if (slen == 0 || i + slen > n)
			return -1;
		count++;
		i += slen - 1;
	}
	return count;
}

int dongbo_msg_join(char *out, size_t len, const char *fmt,
		    const char *const *args, int n_args,
		    char *(*tr)(const char *))
{
	size_t at = 0;
	int used = 0;

	if (len > 0)
		out[0] = '\0';
	for (const char *p = fmt;;) {
		const char *end = strchr(p, DONGBO_MSG_SEP);
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char piece[DONGBO_MSG_FMT_MAX];
		const char *shown;
		int k = count_conversions(p, n);

		if (k < 0 || n >= sizeof(piece) || used + k > n_args)
			return -1;
		memcpy(piece, p, n);
		piece[n] = '\0';
		shown = tr != NULL ? tr(piece) : piece;
		if (at < len &&
		    dongbo_fmt_join(out + at, len - at, shown, args + used,
				    k) != 0)
			return -1;
		if (at < len)
			at += strlen(out + at);
		used += k;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

void dongbo_vmsgf(struct dongbo_msg *m, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (m == NULL)
		return;
	va_copy(aq, ap);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(m->text, sizeof(m->text), fmt, aq);
#pragma GCC diagnostic pop
	va_end(aq);
	n = strlen(fmt) < sizeof(m->fmt) && strchr(fmt, DONGBO_MSG_SEP) == NULL
		    ? dongbo_fmt_split(fmt, ap, m->args, DONGBO_FMT_MAX_ARGS)
		    : -1;
	m->n_args = n < 0 ? 0 : n;
	snprintf(m->fmt, sizeof(m->fmt), "%s", n < 0 ? "" : fmt);
}

void dongbo_msgf(struct dongbo_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dongbo_vmsgf(m, fmt, ap);
	va_end(ap);
}

/* m with the piece w put before (front) or after it. */
static void msg_wrap(struct dongbo_msg *m, const struct dongbo_msg *w,
		     bool front)
{
	const struct dongbo_msg *a = front ? w : m, *b = front ? m : w;
	char text[DONGBO_MSG_TEXT_MAX], fmt[DONGBO_MSG_FMT_MAX];
	char args[DONGBO_FMT_MAX_ARGS][DONGBO_FMT_ARG_MAX];
	size_t at = 0;
	int fl;

	text[0] = '\0';
	put(text, sizeof(text), &at, a->text, strlen(a->text));
	put(text, sizeof(text), &at, b->text, strlen(b->text));
	fl = snprintf(fmt, sizeof(fmt), "%s%c%s", a->fmt, DONGBO_MSG_SEP,
		      b->fmt);
	if (m->fmt[0] == '\0' || w->fmt[0] == '\0' || fl < 0 ||
	    (size_t)fl >= sizeof(fmt) ||
	    a->n_args + b->n_args > DONGBO_FMT_MAX_ARGS) {
		m->fmt[0] = '\0';
		m->n_args = 0;
	} else {
		memcpy(args, a->args, (size_t)a->n_args * sizeof(args[0]));
		memcpy(args + a->n_args, b->args,
		       (size_t)b->n_args * sizeof(args[0]));
		memcpy(m->args, args,
		       (size_t)(a->n_args + b->n_args) * sizeof(args[0]));
		m->n_args = a->n_args + b->n_args;
		memcpy(m->fmt, fmt, (size_t)fl + 1);
	}
	memcpy(m->text, text, sizeof(text));
}

/* A piece formatted from fmt and ap, put before or after m. */
static void msg_wrapf(struct dongbo_msg *m, bool before, const char *fmt,
		      va_list ap) __attribute__((format(printf, 3, 0)));

static void msg_wrapf(struct dongbo_msg *m, bool before, const char *fmt,
		      va_list ap)
{
	static _Thread_local struct dongbo_msg w;

	if (m == NULL)
		return;
	dongbo_vmsgf(&w, fmt, ap);
	msg_wrap(m, &w, before);
}

void dongbo_msg_prepend(struct dongbo_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_wrapf(m, true, fmt, ap);
	va_end(ap);
}

void dongbo_msg_append(struct dongbo_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_wrapf(m, false, fmt, ap);
	va_end(ap);
}

void dongbo_msg_translate(const struct dongbo_msg *m, char *out, size_t len)
{
	const char *argv[DONGBO_FMT_MAX_ARGS];

	for (int i = 0; i < m->n_args; i++)
		argv[i] = m->args[i];
	if (m->fmt[0] != '\0' &&
	    dongbo_msg_join(out, len, m->fmt, argv, m->n_args, gettext) == 0)
		return;
	snprintf(out, len, "%s", m->text);
}
