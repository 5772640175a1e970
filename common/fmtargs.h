/*
 * fmtargs.h -- a printf message taken apart, to be translated elsewhere.
 *
 * The node builds its error replies from English printf formats, but the
 * person reading them runs the CLI, in their own language.  So a reply
 * carries the format (a msgid of po/dongbo.pot) and each argument already
 * rendered as its conversion asks ("%.32s", "%u", "%" PRIu64); the CLI
 * looks the format up in its catalog and puts the rendered arguments in
 * place of the conversions of the translation.  Joining only substitutes
 * text: a format from the network is never given to printf.
 */
#ifndef DONGBO_COMMON_FMTARGS_H
#define DONGBO_COMMON_FMTARGS_H

#include <stdarg.h>
#include <stddef.h>

/* Longest rendered argument kept, with its NUL (longer ones are cut). */
#define DONGBO_FMT_ARG_MAX 256
/* Most conversions a split format may have. */
#define DONGBO_FMT_MAX_ARGS 12

/*
 * Renders each conversion of fmt, in order, with its argument from ap into
 * args[0..]; "%%" is not a conversion.  Returns the number of conversions,
 * or -1 when fmt has more than max of them, or one this does not render
 * ('*' widths, "%n", positional "%1$s", an unknown conversion): the caller
 * then sends the message unsplit.  ap is consumed.
 */
int dongbo_fmt_split(const char *fmt, va_list ap,
		     char (*args)[DONGBO_FMT_ARG_MAX], int max);

/*
 * Writes fmt into out (len bytes, always terminated when len > 0) with its
 * i-th conversion replaced by args[i-1], or, for a positional conversion
 * "%n$...", by args[n-1]; "%%" gives '%'.  Returns 0, or -1 when fmt asks
 * for an argument beyond n_args or has a malformed conversion (out is
 * then unspecified).
 */
int dongbo_fmt_join(char *out, size_t len, const char *fmt,
		    const char *const *args, int n_args);

/*
 * A message = its English text, and the same taken apart: the format and
 * its rendered arguments, for whoever shows it to translate.  A format may
 * be pieces, each a msgid of its own, joined by DONGBO_MSG_SEP: a prefix
 * or suffix put around a message someone else made ("line %u: " and the
 * message of a value).  Each piece is translated alone and takes the
 * arguments that follow those of the pieces before it.  fmt is "" when
 * the message could not be taken apart (see dongbo_fmt_split): then only
 * text is meaningful.
 */
#define DONGBO_MSG_SEP '\x1f'
#define DONGBO_MSG_FMT_MAX 1024
#define DONGBO_MSG_TEXT_MAX 512
struct dongbo_msg {
	char text[DONGBO_MSG_TEXT_MAX];
	char fmt[DONGBO_MSG_FMT_MAX];
	int n_args;
	char args[DONGBO_FMT_MAX_ARGS][DONGBO_FMT_ARG_MAX];
};

/* Sets m to fmt with its arguments (fmt: one msgid, a literal checked by
 * -Wformat).  m may be NULL: nothing is done then. */
void dongbo_msgf(struct dongbo_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dongbo_vmsgf(struct dongbo_msg *m, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Puts fmt with its arguments before (prepend) or after (append) the
 * message in m, as a piece of its own.  When the result does not fit, m
 * is left taken apart no more (fmt ""), its text still extended. */
void dongbo_msg_prepend(struct dongbo_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dongbo_msg_append(struct dongbo_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Writes the message whose format is fmt (pieces joined by DONGBO_MSG_SEP)
 * and whose rendered arguments are args into out, each piece translated
 * by tr first (gettext; NULL: English) and given the arguments its English
 * piece converts.  Returns 0, or -1 as dongbo_fmt_join() (a translation
 * that does not fit its arguments, too few arguments).
 */
int dongbo_msg_join(char *out, size_t len, const char *fmt,
		    const char *const *args, int n_args,
		    char *(*tr)(const char *));

/* m's message in this process's language (gettext), or its English text
 * when it was not taken apart or its translation does not fit. */
void dongbo_msg_translate(const struct dongbo_msg *m, char *out, size_t len);

#endif
