/*
 * csvio.h -- the CSV files of `dongbo import` and `dongbo export`.
 *
 *   unit,indicator,period,value,stated
 *   07201,hs_nhan_truc_tuyen,2022,1234,0
 *   07201,chi_phi_so_hoa,2022,"1.234,5",0
 *   213,hs_tiep_nhan,2022,52414,1
 *
 * UTF-8, with or without a byte-order mark.  The first line is a header
 * naming the columns -- unit, indicator, period, value and optionally
 * stated -- in any order and case.  Fields are separated by ',' or, when
 * the header line uses it instead, by ';' or a TAB (as spreadsheets set to
 * Vietnamese save "CSV").  A field holding the separator, a quote or
 * spaces at either end is quoted with '"' (a quote inside doubled), so
 * "1.234,5" can be written in a comma-separated file.  Spaces around an
 * unquoted field are ignored; so are empty lines.  A field may not span
 * lines.  stated: empty or 0 for a value of the unit, 1 for the total its
 * paper report states for its subtree.
 *
 * Parsing is pure: no daemon, no catalog.  It checks the file's shape and
 * that no key (unit, indicator, period, stated) is given twice; the node
 * checks every value.  Errors read "NAME:LINE: reason".
 */
#ifndef DONGBO_CLI_CSVIO_H
#define DONGBO_CLI_CSVIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct csvio_row {
	const char *unit;
	const char *indicator;
	const char *period; /* as written */
	const char *value;  /* as written */
	bool stated;
	unsigned line; /* 1-based line of the file */
};

/* Rows read from one file; caller storage, released with csvio_rows_fini. */
struct csvio_rows {
	struct csvio_row *rows;
	size_t n;
	char *pool; /* the rows' strings */
};

/*
 * Parses len bytes of buf (a whole file; name is used in messages) into
 * rows.  Returns 0; DONGBO_E_INVAL with "NAME:LINE: reason" in err when the
 * file is not a well-formed import (no header, unknown or missing column,
 * a row with the wrong number of fields, an empty field, a bad stated
 * flag, invalid UTF-8, a key given twice, no rows at all); or
 * DONGBO_E_NOMEM.  rows is written only on success.
 */
int csvio_parse(const char *name, const char *buf, size_t len,
		struct csvio_rows *rows, char *err, size_t errlen);

void csvio_rows_fini(struct csvio_rows *rows);

/*
 * Writes the header and n rows (row->line is ignored) in the format
 * csvio_parse reads, comma-separated, with '\n' line ends, quoting only
 * fields that need it, and stated as 0 or 1.  Returns 0 or DONGBO_E_IO.
 */
int csvio_write(FILE *f, const struct csvio_row *rows, size_t n);

#endif
