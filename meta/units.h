/*
 * units.h -- the administrative-unit hierarchy, read from a TSV unit list.
 *
 * The file has one header line naming its columns; the columns used are
 * "code", "parent", "level" and "name" ("type" is kept when present), in any
 * order, tab-separated, UTF-8 (the format of data/dvhc-2025-03.tsv and
 * data/dvhc-2025-07.tsv).  An empty parent marks a root.  The hierarchy has
 * any depth: nothing here knows about tỉnh, huyện or xã, level names are
 * whatever the file says.
 *
 * Optional columns "from" and "until" bound the periods a unit is in force
 * (a reform merges and abolishes units): periods such as 2025M07 and
 * 2025M06, the first and the last period it covers; empty, it is open on
 * that side.  One list can thus hold the units before and after a reform.
 *
 * A loaded list is immutable and may be read from any thread.  Pointers into
 * it stay valid until dongbo_units_free().
 */
#ifndef DONGBO_META_UNITS_H
#define DONGBO_META_UNITS_H

#include <stdbool.h>
#include <stddef.h>

/* Longest unit code accepted (bytes, without NUL). */
#define DONGBO_UNIT_CODE_MAX 15
/* Deepest hierarchy accepted; a deeper chain is refused as a cycle. */
#define DONGBO_UNITS_DEPTH_MAX 32

struct dongbo_unit {
	const char *code;
	const char *name;
	const char *level;	  /* e.g. "tinh", "huyen", "xa" */
	const char *type;	  /* e.g. "Huyện"; "" when the file has none */
	int from_month, until_month; /* in force over these months (year *
				      * 12 + month - 1); 0 and INT_MAX when
				      * open */
	struct dongbo_unit *parent; /* NULL for a root */
	struct dongbo_unit *first_child;
	struct dongbo_unit *next_sibling; /* children in file order */
	int depth;			  /* 0 for a root */
};

struct dongbo_units;

/*
 * Loads the unit list at path.  On failure returns DONGBO_E_IO (cannot
 * read), DONGBO_E_CONFIG (malformed: missing column, duplicate code, unknown
 * parent, bad code, cycle) or DONGBO_E_NOMEM, and writes a message naming
 * the file, the line and the offending value into err (errlen bytes).
 */
int dongbo_units_load(const char *path, struct dongbo_units **out, char *err,
		      size_t errlen);

/* Same, from a buffer in memory (for tests and fuzzing); name is used in
 * messages. */
int dongbo_units_parse(const char *name, const char *buf, size_t len,
		       struct dongbo_units **out, char *err, size_t errlen);

void dongbo_units_free(struct dongbo_units *units);

/* True when s has the form of a unit code: 1..DONGBO_UNIT_CODE_MAX bytes of
 * [0-9A-Za-z_-], as every unit list must.  Says nothing of whether a list
 * holds it (dongbo_units_find does). */
bool dongbo_unit_code_is_valid(const char *s);

/* The unit with this code, or NULL. O(log n). */
const struct dongbo_unit *dongbo_units_find(const struct dongbo_units *units,
					    const char *code);

size_t dongbo_units_count(const struct dongbo_units *units);

/* Units in u's subtree, u included. */
size_t dongbo_unit_subtree_size(const struct dongbo_unit *u);

/* True when u is root itself or one of its descendants. */
bool dongbo_unit_is_within(const struct dongbo_unit *u,
			   const struct dongbo_unit *root);

/* The child of anchor on the path down to u (u within anchor, u != anchor),
 * or NULL when u == anchor or u is not within anchor. */
const struct dongbo_unit *dongbo_unit_child_toward(const struct dongbo_unit *anchor,
						   const struct dongbo_unit *u);

/* True when u is in force over the whole of period p (canonical text);
 * false too for a malformed period. */
bool dongbo_unit_in_force(const struct dongbo_unit *u, const char *period);

/* The same over months first..last (dongbo_period_months), for a walk
 * that parses its period once. */
bool dongbo_unit_in_force_months(const struct dongbo_unit *u, int first,
				 int last);

#endif
