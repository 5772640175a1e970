#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "error.h"
#include "i18n.h"

static enum dongbo_log_level threshold = DONGBO_LOG_INFO;
static const char *ident = "dongbo";

void dongbo_log_set_level(enum dongbo_log_level level)
{
	threshold = level;
}

void dongbo_log_set_ident(const char *s)
{
	ident = s;
}

int dongbo_log_level_parse(const char *s, enum dongbo_log_level *out)
{
	static const struct {
		const char *name;
		enum dongbo_log_level level;
	} table[] = {
		{ "error", DONGBO_LOG_ERROR },
		{ "warn", DONGBO_LOG_WARN },
		{ "warning", DONGBO_LOG_WARN },
		{ "info", DONGBO_LOG_INFO },
		{ "debug", DONGBO_LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcasecmp(s, table[i].name) == 0) {
			*out = table[i].level;
			return 0;
		}
	}
	return DONGBO_E_INVAL;
}

static const char *level_name(enum dongbo_log_level level)
{
	switch (level) {
	case DONGBO_LOG_ERROR:
		return "error";
	case DONGBO_LOG_WARN:
		return "warning";
	case DONGBO_LOG_INFO:
		return "info";
	case DONGBO_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

void dongbo_log(enum dongbo_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > threshold)
		return;
	/* Warnings and errors are for the operator, in the node's locale
	 * (po/ extracts the formats of dongbo_log_warn and dongbo_log_error);
	 * info and debug lines stay English, for grepping. */
	if (level <= DONGBO_LOG_WARN)
		fmt = dgettext(DONGBO_I18N_DOMAIN, fmt);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (getenv("JOURNAL_STREAM") != NULL) {
		fprintf(stderr, "<%d>%s\n", (int)level, msg);
		return;
	}

	struct timespec ts;
	struct tm tm;
	char stamp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s[%s]: %s\n", stamp, ts.tv_nsec / 1000000L,
		ident, level_name(level), msg);
}
