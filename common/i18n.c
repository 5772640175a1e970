/*
 * i18n.c -- where the compiled catalogs are.
 *
 * CMake passes two directories: DONGBO_LOCALEDIR_BUILD (the build tree's
 * locale/, where msgfmt writes vi/LC_MESSAGES/dongbo.mo) and
 * DONGBO_LOCALEDIR_INSTALL (${CMAKE_INSTALL_FULL_LOCALEDIR}).  The same
 * binary runs from both places, so the choice is made at run time from
 * /proc/self/exe: under the build tree, the build's catalogs; else the
 * catalogs beside the program (DIR/DONGBO_LOCALEDIR_REL, "../share/locale"
 * in a GNU layout), so that an install under another --prefix still
 * finds them; else, or when the program cannot tell, the configured one.
 * $DONGBO_LOCALEDIR overrides all of these.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"

#ifndef DONGBO_LOCALEDIR_BUILD
#define DONGBO_LOCALEDIR_BUILD ""
#endif
#ifndef DONGBO_LOCALEDIR_INSTALL
#define DONGBO_LOCALEDIR_INSTALL "/usr/local/share/locale"
#endif
#ifndef DONGBO_LOCALEDIR_REL
#define DONGBO_LOCALEDIR_REL "../share/locale"
#endif
#ifndef DONGBO_BINARY_DIR
#define DONGBO_BINARY_DIR ""
#endif

/* The running executable's path into exe; false when unknown. */
static bool exe_path(char *exe, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", exe, len - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return true;
}

/* True when the running executable lies under the build directory. */
static bool is_uninstalled(const char *exe)
{
	size_t dir_len = strlen(DONGBO_BINARY_DIR);

	return dir_len > 0 && strncmp(exe, DONGBO_BINARY_DIR, dir_len) == 0 &&
	       exe[dir_len] == '/';
}

/* An installed program's catalogs beside it (DIR/../share/locale) into
 * buf, when that directory exists: an install under any prefix. */
static bool beside(const char *exe, char *buf, size_t len)
{
	const char *slash = strrchr(exe, '/');
	int n;

	if (slash == NULL)
		return false;
	n = snprintf(buf, len, "%.*s/%s", (int)(slash - exe), exe,
		     DONGBO_LOCALEDIR_REL);
	return n > 0 && (size_t)n < len && access(buf, X_OK) == 0;
}

void dongbo_i18n_init(void)
{
	const char *dir = getenv("DONGBO_LOCALEDIR");
	static char found[PATH_MAX];
	char exe[PATH_MAX];

	if (dir == NULL || dir[0] == '\0') {
		bool known = exe_path(exe, sizeof(exe));

		if (known && is_uninstalled(exe))
			dir = DONGBO_LOCALEDIR_BUILD;
		else if (known && beside(exe, found, sizeof(found)))
			dir = found;
		else
			dir = DONGBO_LOCALEDIR_INSTALL;
	}
	/* Failures leave messages in English, which is what a missing
	 * catalog does anyway: nothing to report. */
	bindtextdomain(DONGBO_I18N_DOMAIN, dir);
	bind_textdomain_codeset(DONGBO_I18N_DOMAIN, "UTF-8");
	textdomain(DONGBO_I18N_DOMAIN);
}
