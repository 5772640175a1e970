/*
 * test_fmtargs.c -- common/fmtargs.c: a message's arguments rendered apart
 * (the node) and put into a translated format (the CLI).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmtargs.h"

static char args[DONGBO_FMT_MAX_ARGS][DONGBO_FMT_ARG_MAX];

static int split(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int split(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dongbo_fmt_split(fmt, ap, args, DONGBO_FMT_MAX_ARGS);
	va_end(ap);
	return n;
}

/* Joins fmt with the arguments of the last split. */
static const char *join(const char *fmt, int n)
{
	static char out[512];
	const char *argv[DONGBO_FMT_MAX_ARGS];

	for (int i = 0; i < n; i++)
		argv[i] = args[i];
	if (dongbo_fmt_join(out, sizeof(out), fmt, argv, n) != 0)
		return NULL;
	return out;
}

static void split_renders_each_conversion_as_written(void **state)
{
	(void)state;
	assert_int_equal(split("unknown unit '%.3s' (not in %s)", "99999",
			       "dvhc.tsv"), 2);
	assert_string_equal(args[0], "999");
	assert_string_equal(args[1], "dvhc.tsv");
	assert_int_equal(split("%u of %" PRIu64 " (%zu, %lld, %04o, %d%%) %c",
			       7u, (uint64_t)1 << 40, (size_t)3, -5LL, 8, -1,
			       'x'), 7);
	assert_string_equal(args[0], "7");
	assert_string_equal(args[1], "1099511627776");
	assert_string_equal(args[2], "3");
	assert_string_equal(args[3], "-5");
	assert_string_equal(args[4], "0010");
	assert_string_equal(args[5], "-1");
	assert_string_equal(args[6], "x");
	assert_int_equal(split("%.1f MiB", 1.25), 1);
	assert_string_equal(args[0], "1.2");
	assert_int_equal(split("no conversion at all, 100%%"), 0);
}

static void split_refuses_what_it_cannot_render(void **state)
{
	(void)state;
	assert_int_equal(split("%.*s", 2, "abc"), -1);
	assert_int_equal(split("%2$s %1$s", "a", "b"), -1);
	assert_int_equal(split("%s %s %s %s %s %s %s %s %s %s %s %s %s", "1",
			       "2", "3", "4", "5", "6", "7", "8", "9", "10",
			       "11", "12", "13"),
			 -1);
}

static void join_puts_arguments_in_the_translation(void **state)
{
	(void)state;
	assert_int_equal(split("unknown unit '%.32s' (not in %s)", "99999",
			       "dvhc.tsv"), 2);
	assert_string_equal(join("đơn vị '%.32s' không xác định (không có "
				 "trong %s)", 2),
			    "đơn vị '99999' không xác định (không có trong "
			    "dvhc.tsv)");
	/* A translation may reorder with positional conversions. */
	assert_string_equal(join("%2$s: %1$s, 100%%", 2),
			    "dvhc.tsv: 99999, 100%");
}

static void join_refuses_a_format_asking_for_more(void **state)
{
	char out[16];
	const char *one[] = { "a" };

	(void)state;
	assert_int_equal(dongbo_fmt_join(out, sizeof(out), "%s %s", one, 1),
			 -1);
	assert_int_equal(dongbo_fmt_join(out, sizeof(out), "%3$s", one, 1), -1);
	assert_int_equal(dongbo_fmt_join(out, sizeof(out), "50%", one, 1), -1);
	/* Truncated, always terminated. */
	assert_int_equal(dongbo_fmt_join(out, 4, "%s bcdef", one, 1), 0);
	assert_string_equal(out, "a b");
}


/* A message with a prefix and a suffix: English text, and pieces that
 * take their own arguments (as the CLI joins a translated reply). */
static char *upper(const char *s)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s", s);
	if (strcmp(s, "line %u: ") == 0)
		return strcpy(buf, "LINE %u: ");
	if (strcmp(s, "'%s' is not a count") == 0)
		return strcpy(buf, "NOT A COUNT: '%1$s'");
	return buf;
}

static void msg_pieces_join_in_order(void **state)
{
	struct dongbo_msg m;
	const char *argv[DONGBO_FMT_MAX_ARGS];
	char out[256];

	(void)state;
	dongbo_msgf(&m, "'%s' is not a count", "abc");
	dongbo_msg_append(&m, " (indicator %s)", "hs");
	dongbo_msg_prepend(&m, "line %u: ", 7u);
	assert_string_equal(m.text, "line 7: 'abc' is not a count (indicator hs)");
	assert_int_equal(m.n_args, 3);
	for (int i = 0; i < m.n_args; i++)
		argv[i] = m.args[i];
	assert_int_equal(dongbo_msg_join(out, sizeof(out), m.fmt, argv,
					 m.n_args, NULL), 0);
	assert_string_equal(out, m.text);
	assert_int_equal(dongbo_msg_join(out, sizeof(out), m.fmt, argv,
					 m.n_args, upper), 0);
	assert_string_equal(out, "LINE 7: NOT A COUNT: 'abc' (indicator hs)");
	assert_int_equal(dongbo_msg_join(out, sizeof(out), m.fmt, argv, 2,
					 NULL), -1);
	/* Not taken apart ('*'): the text alone, and wrapping keeps it so. */
	dongbo_msgf(&m, "'%.*s'", 2, "abc");
	assert_string_equal(m.fmt, "");
	dongbo_msg_append(&m, " (indicator %s)", "hs");
	assert_string_equal(m.fmt, "");
	assert_string_equal(m.text, "'ab' (indicator hs)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_renders_each_conversion_as_written),
		cmocka_unit_test(msg_pieces_join_in_order),
		cmocka_unit_test(split_refuses_what_it_cannot_render),
		cmocka_unit_test(join_puts_arguments_in_the_translation),
		cmocka_unit_test(join_refuses_a_format_asking_for_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
