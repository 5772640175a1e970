/*
 * log.h -- one-line log records on stderr.
 *
 * When stderr is the journal (JOURNAL_STREAM names it, as systemd sets
 * it for a service) each line carries a "<N>" syslog priority prefix so
 * journald files it at the right level; otherwise lines start with a UTC
 * timestamp, the ident and the level name.  Thread-safe: one fprintf per
 * record.
 */
#ifndef DONGBO_COMMON_LOG_H
#define DONGBO_COMMON_LOG_H

#include <stdbool.h>

/* The values are syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO,
 * LOG_DEBUG. */
enum dongbo_log_level {
	DONGBO_LOG_ERROR = 3,
	DONGBO_LOG_WARN = 4,
	DONGBO_LOG_INFO = 6,
	DONGBO_LOG_DEBUG = 7,
};

/* Records above this level are dropped.  Default: INFO. */
void dongbo_log_set_level(enum dongbo_log_level level);

/* Parses "error", "warn", "info" or "debug"; 0 or DONGBO_E_INVAL. */
int dongbo_log_level_parse(const char *s, enum dongbo_log_level *out);

/* True when records go to the journal: JOURNAL_STREAM names stderr. */
bool dongbo_log_to_journal(void);

/* Program name shown in each record ("dongbod"); the string is not copied. */
void dongbo_log_set_ident(const char *ident);

void dongbo_log(enum dongbo_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define dongbo_log_error(...) dongbo_log(DONGBO_LOG_ERROR, __VA_ARGS__)
#define dongbo_log_warn(...) dongbo_log(DONGBO_LOG_WARN, __VA_ARGS__)
#define dongbo_log_info(...) dongbo_log(DONGBO_LOG_INFO, __VA_ARGS__)
#define dongbo_log_debug(...) dongbo_log(DONGBO_LOG_DEBUG, __VA_ARGS__)

#endif
