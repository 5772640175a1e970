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

#endif
