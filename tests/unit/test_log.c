/*
 * test_log.c -- common/log.c: the records on stderr, for a terminal and for
 * journald.  stderr is pointed at a temporary file for each case and read
 * back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "log.h"

struct capture {
	char path[64];
	int saved; /* the original stderr */
	int fd;	   /* the temporary file */
};

static int capture_setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	strcpy(c->path, "/tmp/dongbo-test-log-XXXXXX");
	c->fd = mkstemp(c->path);
	assert_true(c->fd >= 0);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(c->fd, STDERR_FILENO) == STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	dongbo_log_set_ident("dongbod");
	dongbo_log_set_level(DONGBO_LOG_INFO);
	*state = c;
	return 0;
}

static int capture_teardown(void **state)
{
	struct capture *c = *state;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	close(c->fd);
	unlink(c->path);
	unsetenv("JOURNAL_STREAM");
	free(c);
	return 0;
}

/* What was written to stderr so far (static storage). */
static const char *captured(const struct capture *c)
{
	static char buf[4096];
	ssize_t n;

	fflush(stderr);
	n = pread(c->fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

/* Sets JOURNAL_STREAM to the device and inode of fd, plus bump on the
 * inode (to name another file). */
static void set_journal_stream(int fd, unsigned long long bump)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(fd, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + bump);
	assert_int_equal(setenv("JOURNAL_STREAM", v, 1), 0);
}

static void journal_records_carry_syslog_priorities(void **state)
{
	struct capture *c = *state;

	set_journal_stream(c->fd, 0);
	dongbo_log_set_level(DONGBO_LOG_DEBUG);
	dongbo_log_error("store: open '%s': %s", "/x", "no space");
	dongbo_log_warn("catching up with %d", 213);
	dongbo_log_info("listening on %s", "tls+tcp://0.0.0.0:7400");
	dongbo_log_debug("push of %d records", 5);
	assert_string_equal(captured(c),
			    "<3>store: open '/x': no space\n"
			    "<4>catching up with 213\n"
			    "<6>listening on tls+tcp://0.0.0.0:7400\n"
			    "<7>push of 5 records\n");
}

/* Inherited by a process whose stderr is elsewhere: not the journal. */
static void journal_stream_naming_another_file_is_ignored(void **state)
{
	struct capture *c = *state;
	const char *bad[] = { "", "12", "12:", ":34", "1:2:3", "1:2x", "x:y" };
	const char *out;

	set_journal_stream(c->fd, 1);
	dongbo_log_warn("first");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(setenv("JOURNAL_STREAM", bad[i], 1), 0);
		dongbo_log_warn("bad %zu", i);
	}
	out = captured(c);
	assert_null(strchr(out, '<'));
	assert_non_null(strstr(out, " dongbod[warning]: first\n"));
	assert_non_null(strstr(out, " dongbod[warning]: bad 6\n"));
}

/* "2026-11-23T13:20:07.123Z dongbod[error]: message" */
static void terminal_records_have_utc_time_ident_and_level(void **state)
{
	struct capture *c = *state;
	const char *out;
	const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ ";

	dongbo_log_error("node in '%s' not started", "/var/lib/dongbo/24");
	out = captured(c);
	for (size_t i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd')
			assert_true(out[i] >= '0' && out[i] <= '9');
		else
			assert_int_equal(out[i], shape[i]);
	}
	assert_string_equal(out + strlen(shape),
			    "dongbod[error]: node in '/var/lib/dongbo/24' "
			    "not started\n");
}

static void records_above_the_level_are_dropped(void **state)
{
	struct capture *c = *state;

	set_journal_stream(c->fd, 0);
	dongbo_log_set_level(DONGBO_LOG_WARN);
	dongbo_log_debug("d");
	dongbo_log_info("i");
	dongbo_log_warn("w");
	dongbo_log_error("e");
	assert_string_equal(captured(c), "<4>w\n<3>e\n");
}

static void level_names_parse_and_others_are_refused(void **state)
{
	enum dongbo_log_level l = DONGBO_LOG_INFO;

	(void)state;
	assert_int_equal(dongbo_log_level_parse("debug", &l), 0);
	assert_int_equal(l, DONGBO_LOG_DEBUG);
	assert_int_equal(dongbo_log_level_parse("WARNING", &l), 0);
	assert_int_equal(l, DONGBO_LOG_WARN);
	assert_int_equal(dongbo_log_level_parse("error", &l), 0);
	assert_int_equal(l, DONGBO_LOG_ERROR);
	assert_int_equal(dongbo_log_level_parse("verbose", &l), DONGBO_E_INVAL);
	assert_int_equal(dongbo_log_level_parse("", &l), DONGBO_E_INVAL);
	assert_int_equal(l, DONGBO_LOG_ERROR); /* untouched on refusal */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			journal_records_carry_syslog_priorities,
			capture_setup, capture_teardown),
		cmocka_unit_test_setup_teardown(
			journal_stream_naming_another_file_is_ignored,
			capture_setup, capture_teardown),
		cmocka_unit_test_setup_teardown(
			terminal_records_have_utc_time_ident_and_level,
			capture_setup, capture_teardown),
		cmocka_unit_test_setup_teardown(
			records_above_the_level_are_dropped, capture_setup,
			capture_teardown),
		cmocka_unit_test(level_names_parse_and_others_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
