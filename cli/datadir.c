/*
 * datadir.c -- where `dongbo init` finds the shipped unit lists and catalog.
 *
 * An installed dongbo finds them beside itself: PREFIX/bin/dongbo looks in
 * PREFIX/share/dongbo, through DONGBO_DATA_RELDIR (the path from the
 * configured bindir to the installed data, computed by CMake), whatever
 * prefix the tree was installed to: `cmake --install --prefix`, a package,
 * a copied tree.  No path is compiled in that an installed binary would
 * follow into the source tree.
 *
 * A dongbo run from its build directory has no such directory beside it
 * and uses DONGBO_DATA_DIR, the source tree's data/ (CMake's cache
 * variable of that name), as every test does.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The marker of a data directory: every one ships the catalog. */
#define DATA_MARKER "catalog.ini"

/* realpath of DIR-of-this-executable/DONGBO_DATA_RELDIR into out, when it
 * holds the marker; false otherwise (not installed, or no /proc). */
static bool installed_data_dir(char *out, size_t len)
{
	char exe[PATH_MAX], path[PATH_MAX + 64], real[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	if (snprintf(path, sizeof(path), "%s/%s/%s", exe, DONGBO_DATA_RELDIR,
		     DATA_MARKER) >= (int)sizeof(path) ||
	    access(path, R_OK) != 0)
		return false;
	path[strlen(path) - strlen("/" DATA_MARKER)] = '\0';
	if (realpath(path, real) == NULL || strlen(real) >= len)
		return false;
	strcpy(out, real);
	return true;
}

const char *cli_data_dir(void)
{
	static char dir[PATH_MAX];

	if (dir[0] == '\0' && !installed_data_dir(dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), "%s", DONGBO_DATA_DIR);
	return dir;
}
