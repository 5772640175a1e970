/*
 * i18n.h -- translated messages (GNU gettext, in glibc's libintl).
 *
 * User-facing text goes through _() where it is printed; N_() marks a
 * string for xgettext where it is defined (a static usage text, a table
 * of names) and _() translates it where it is used.  Never translated:
 * JSON, CSV, config keys, command and option names, indicator codes,
 * error names and anything on the wire.  English is the source language
 * and the default; po/vi.po is the Vietnamese translation.
 */
#ifndef DONGBO_COMMON_I18N_H
#define DONGBO_COMMON_I18N_H

#include <libintl.h>

#define DONGBO_I18N_DOMAIN "dongbo"

#define _(s) gettext(s)
#define N_(s) s

/*
 * Binds the "dongbo" text domain: to $DONGBO_LOCALEDIR when set, else to
 * the build tree's compiled catalogs when the running program lies in the
 * build tree (an uninstalled build, the tests), else to the installed
 * LOCALEDIR.  Call once at start, after setlocale(); main thread.
 */
void dongbo_i18n_init(void);

#endif
