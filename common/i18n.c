/*
 * i18n.c -- where the compiled catalogs are.
 *
 * CMake passes two directories: DONGBO_LOCALEDIR_BUILD (the build tree's
 * locale/, where msgfmt writes vi/LC_MESSAGES/dongbo.mo) and
 * DONGBO_LOCALEDIR_INSTALL (${CMAKE_INSTALL_FULL_LOCALEDIR}).  The same
 * binary runs from both places, so the choice is made at run time from
 * /proc/self/exe; a program that cannot tell uses the installed one.
 */
#include <limits.h>
#include <stdbool.h>
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
#ifndef DONGBO_BINARY_DIR
#define DONGBO_BINARY_DIR ""
#endif

/* True when the running executable lies under the build directory. */
static bool is_uninstalled(void)
{
	char exe[PATH_MAX];
	size_t dir_len = strlen(DONGBO_BINARY_DIR);
	ssize_t n;

	if (dir_len == 0)
		return false;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strncmp(exe, DONGBO_BINARY_DIR, dir_len) == 0 &&
	       exe[dir_len] == '/';
}

void dongbo_i18n_init(void)
{
	const char *dir = getenv("DONGBO_LOCALEDIR");

	if (dir == NULL || dir[0] == '\0')
		dir = is_uninstalled() ? DONGBO_LOCALEDIR_BUILD
				       : DONGBO_LOCALEDIR_INSTALL;
	/* Failures leave messages in English, which is what a missing
	 * catalog does anyway: nothing to report. */
	bindtextdomain(DONGBO_I18N_DOMAIN, dir);
	bind_textdomain_codeset(DONGBO_I18N_DOMAIN, "UTF-8");
	textdomain(DONGBO_I18N_DOMAIN);
}
