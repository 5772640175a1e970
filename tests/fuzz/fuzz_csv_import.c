/*
 * fuzz_csv_import.c -- libFuzzer target: the CSV files of `dongbo import`
 * (csvio_parse, cli/csvio.c).
 *
 * Import files come from spreadsheets filled in at every commune: BOMs,
 * ';' and TAB separators, quotes, stray bytes and half-saved files are
 * routine, not hostile, and must be errors naming the line.  After a
 * successful parse every row's fields are read and the rows are written
 * back with csvio_write (to /dev/null), the path `dongbo export` takes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct csvio_rows rows;
	char err[512];

	if (csvio_parse("fuzz.csv", (const char *)data, size, &rows, err,
			sizeof(err)) != 0)
		return 0;
	for (size_t i = 0; i < rows.n; i++) {
		const struct csvio_row *r = &rows.rows[i];

		if (r->line == 0 || strlen(r->unit) + strlen(r->indicator) +
						strlen(r->period) +
						strlen(r->value) ==
					(size_t)-1)
			abort();
	}
	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	if (devnull != NULL)
		csvio_write(devnull, rows.rows, rows.n);
	csvio_rows_fini(&rows);
	return 0;
}
