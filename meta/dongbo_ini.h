/*
 * dongbo_ini.h -- INI files read line by line through inih; internal to
 * meta/ (the catalog and the node configuration), not an API for others.
 *
 * Not called ini.h: meta/ is on the include path of every target that links
 * dongbo_meta, and a meta/ini.h would hide inih's own <ini.h> from them and
 * from ini.c itself.
 *
 * inih is fed through our own reader rather than ini_parse_string(),
 * because on its own inih
 *  - splits a line longer than its buffer (INI_MAX_LINE, 200 bytes in
 *    Debian's build) and parses the rest as a new line, so a long value
 *    would be silently cut;
 *  - never tells the handler about a "[section]" line (Debian builds it
 *    without INI_CALL_HANDLER_ON_NEW_SECTION), cuts section names at 49
 *    bytes and gives the handler no line number, so an empty section would
 *    pass unseen and a missing key could not be blamed on its section;
 *  - reads an indented line after a key as more of that key's value
 *    (multi-line values), so an indented "key = value" would quietly
 *    become part of the previous value.
 * The reader hands inih one line per call, counts lines, refuses those
 * cases, and reports each "[section]" line to on_section before inih sees
 * it.  Comments are inih's: ';' or '#' starting a line, and ';' after
 * whitespace ending a value (Debian enables inline comments).
 *
 * Errors are reported as "FILE:LINE: reason", keeping the one on the
 * earliest line, because inih reports its own syntax errors only once the
 * whole file has been read.
 *
 * A struct dongbo_ini_src is caller storage, used by one thread at a time.
 */
#ifndef DONGBO_META_DONGBO_INI_H
#define DONGBO_META_DONGBO_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * One INI file being read.  The caller sets name, f, on_section, on_key,
 * err and errlen, zeroes the rest, and usually embeds the struct first in
 * its own reader so that the callbacks can cast src back to it.  Callbacks
 * and whole-file checks may read lineno (the line being read; after
 * dongbo_ini_parse(), the number of lines read).
 */
struct dongbo_ini_src {
	const char *name; /* file name for messages; borrowed */
	FILE *f;	  /* borrowed: never closed here */
	char *line;	  /* getline() buffer */
	size_t cap;
	int lineno;
	bool key_seen; /* a key since the last section line */
	/*
	 * name is the text between '[' and ']', len bytes, not NUL-terminated.
	 * Both callbacks return 0 to go on, or the code returned by
	 * dongbo_ini_fail() to stop: they must record why they stop.
	 */
	int (*on_section)(struct dongbo_ini_src *src, const char *name,
			  size_t len);
	int (*on_key)(struct dongbo_ini_src *src, const char *key,
		      const char *value);
	int rc;	      /* earliest error so far */
	int err_line; /* and its line */
	char *err;    /* message buffer; may be NULL */
	size_t errlen;
};

/*
 * Records the error rc at line of src->name, as "NAME:LINE: " and fmt in
 * src->err, unless an error on the same or an earlier line is already
 * recorded.  Returns rc (a negative DONGBO_E_* code), so that a callback
 * can end with "return dongbo_ini_fail(...)".
 */
int dongbo_ini_fail(struct dongbo_ini_src *src, int rc, int line,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Reads src->f to its end through inih, calling on_section for each
 * "[section]" line and on_key for each key, in file order.  Returns 0, or
 * the error on the earliest line with its message in src->err:
 * DONGBO_E_CONFIG (malformed, or refused by a callback), DONGBO_E_NOMEM,
 * DONGBO_E_IO (cannot read), or whatever a callback passed to
 * dongbo_ini_fail().  Frees the line buffer; leaves src->f open.
 */
int dongbo_ini_parse(struct dongbo_ini_src *src);

#endif
