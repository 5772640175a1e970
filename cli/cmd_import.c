/*
 * cmd_import.c -- import and export: a subtree's values as CSV.
 *
 * import reads the whole file (csvio.c checks its shape and repeated keys,
 * naming lines), then sends every row in one put request: the node checks
 * every value and stores all or none, naming the first bad row by its
 * line.  export asks the node for every entered value and stated total of
 * a subtree for a period and writes them in the same format, values in
 * plain text, so that importing an export stores the same values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "csvio.h"
#include "error.h"

static const char import_usage[] =
	N_("Usage: dongbo [-C DIR] import FILE.csv [--json]\n"
	"\n"
	"Stores every value of a CSV file at this node, all or nothing: the\n"
	"node checks every row -- unit hosted here, indicator known and\n"
	"enterable, period, value as its type asks (see `dongbo put --help`) --\n"
	"and stores none when one is wrong, naming it as FILE:LINE.  FILE -\n"
	"reads standard input.\n"
	"\n"
	"The file: UTF-8 (a byte-order mark is fine), a header line, then one\n"
	"row per value:\n"
	"\n"
	"  unit,indicator,period,value,stated\n"
	"  07201,hs_nhan_truc_tuyen,2022,1234,\n"
	"  07201,chi_phi_so_hoa,2022,\"1.234,5\",\n"
	"  213,hs_tiep_nhan,2022,52414,1\n"
	"\n"
	"  - columns unit, indicator, period and value, and optionally stated,\n"
	"    in any order, separated by ',' -- or by ';' or TAB when the header\n"
	"    line is (spreadsheets set to Vietnamese save \"CSV\" with ';');\n"
	"  - a field holding the separator or a quote is quoted: \"1.234,5\";\n"
	"  - stated: empty or 0 for the unit's value, 1 for the total its paper\n"
	"    report states for its subtree (as `put --stated`);\n"
	"  - one key (unit, indicator, period, stated) at most once per file;\n"
	"  - at most 16 MiB and 500000 rows (one request); split larger files.\n"
	"\n"
	"`dongbo export` writes this format.  On success prints\n"
	"\"imported N values for M units\".\n"
	"\n"
	"Options:\n"
	"  --json     print {\"file\",\"values\",\"stated\",\"units\"}\n"
	"  -h, --help show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/07201 import so-lieu-2022.csv\n");

static const char export_usage[] =
	N_("Usage: dongbo [-C DIR] export UNIT PERIOD [-o FILE]\n"
	"\n"
	"Writes every value entered for PERIOD itself, and every stated total\n"
	"for it, of UNIT and the units below it, as known at this node, as CSV\n"
	"in the format of `dongbo import` (values in plain form: 1234,\n"
	"1234.50, enum codes), so that importing the file stores the same\n"
	"values.  Rows are in unit, indicator order.  Sub-periods are not\n"
	"included (export 2022Q1 separately), nor values composed of them.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  write to FILE (replaced whole) instead of "
	"standard\n"
	"                     output\n"
	"  -h, --help         show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/213 export 213 2022 -o huyen-213-2022.csv\n");

/* Reads all of path ("-": standard input) into a malloc'd buffer, refusing
 * more than max bytes.  Returns an exit status. */
static int read_file(const char *path, const char *name, size_t max,
		     char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL;
	int rv = EXIT_OK;

	if (f == NULL) {
		cli_error("import: cannot open '%s': %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	for (;;) {
		size_t got;

		if (buf == NULL || n == cap) {
			char *p = n > max ? NULL : realloc(buf, buf ? cap * 2 : cap);

			if (n > max)
				break;
			if (p == NULL) {
				cli_error("import: out of memory");
				rv = EXIT_FAIL;
				break;
			}
			cap = buf ? cap * 2 : cap;
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (rv == EXIT_OK && ferror(f)) {
		cli_error("import: reading %s: %s", name, strerror(errno));
		rv = EXIT_FAIL;
	} else if (rv == EXIT_OK && n > max) {
		cli_error("import: %s is larger than %zu MiB, what one import "
			  "takes; split it (by unit or period)", name,
			  max >> 20);
		rv = EXIT_FAIL;
	}
	if (f != stdin)
		fclose(f);
	if (rv != EXIT_OK) {
		free(buf);
		return rv;
	}
	*out = buf;
	*len = n;
	return EXIT_OK;
}

/* The node names a bad row "line N: ..."; say which file it is in. */
static void print_node_error(const char *name, const char *err)
{
	unsigned line;
	int used = 0;

	if (sscanf(err, "line %u: %n", &line, &used) == 1 && used > 0)
		cli_error("%s:%u: %s", name, line, err + used);
	else
		cli_error("import: %s", err);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* How many distinct units the rows name. */
static size_t count_units(const struct csvio_rows *rows)
{
	const char **units = malloc(rows->n * sizeof(*units));
	size_t n = 0;

	if (units == NULL)
		return 0;
	for (size_t i = 0; i < rows->n; i++)
		units[i] = rows->rows[i].unit;
	qsort(units, rows->n, sizeof(*units), str_cmp);
	for (size_t i = 0; i < rows->n; i++)
		if (i == 0 || strcmp(units[i], units[i - 1]) != 0)
			n++;
	free(units);
	return n;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__PutRequest put = DONGBO__PUT_REQUEST__INIT;
	Dongbo__PutItem *items = NULL, **ptrs = NULL;
	Dongbo__CtlReply *rep = NULL;
	struct csvio_rows rows = { 0 };
	const char *name;
	char err[1024];
	char *buf = NULL;
	char *pos[1];
	size_t len, n_stated = 0, size;
	int n, rv;

	rv = cli_parse_simple(cli, argc, argv, import_usage, pos, 1, &n);
	if (rv >= 0)
		return rv;
	name = strcmp(pos[0], "-") == 0 ? "stdin" : pos[0];
	if ((rv = read_file(pos[0], name, DONGBO_MSG_MAX, &buf, &len)) !=
	    EXIT_OK)
		return rv;
	rv = csvio_parse(name, buf, len, &rows, err, sizeof(err));
	free(buf);
	if (rv != 0) {
		cli_error("%s", rv == DONGBO_E_NOMEM ? "import: out of memory"
						     : err);
		return EXIT_FAIL;
	}
	if (rows.n > DONGBO_PUT_ITEMS_MAX) {
		cli_error("import: %s has %zu rows; one import takes at most %u "
			  "(split the file)", name, rows.n, DONGBO_PUT_ITEMS_MAX);
		rv = EXIT_FAIL;
		goto out;
	}
	items = calloc(rows.n, sizeof(*items));
	ptrs = calloc(rows.n, sizeof(*ptrs));
	if (items == NULL || ptrs == NULL) {
		cli_error("import: out of memory");
		rv = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < rows.n; i++) {
		const struct csvio_row *r = &rows.rows[i];

		dongbo__put_item__init(&items[i]);
		items[i].unit = (char *)r->unit;
		items[i].indicator = (char *)r->indicator;
		items[i].period = (char *)r->period;
		items[i].value = (char *)r->value;
		items[i].stated = r->stated;
		items[i].line = r->line;
		ptrs[i] = &items[i];
		n_stated += r->stated;
	}
	put.n_items = rows.n;
	put.items = ptrs;
	req.body_case = DONGBO__CTL_REQUEST__BODY_PUT;
	req.put = &put;
	size = dongbo__ctl_request__get_packed_size(&req);
	if (size > DONGBO_MSG_MAX) {
		cli_error("import: the %zu rows of %s make a request of %zu "
			  "bytes, more than one import takes (%u MiB); split "
			  "the file", rows.n, name, size, DONGBO_MSG_MAX >> 20);
		rv = EXIT_FAIL;
		goto out;
	}
	/* The node stores the whole file in one transaction: a large one
	 * on a busy machine takes more than a plain call's deadline. */
	cli->timeout_ms = CLI_CALL_TIMEOUT_MS +
			  (unsigned)(rows.n < 3600000 ? rows.n : 3600000);
	rv = cli_call_quiet(cli, &req, &rep, err, sizeof(err));
	if (rv != EXIT_OK) {
		if (rv == EXIT_FAIL)
			print_node_error(name, err);
		else
			cli_error("%s", err);
		goto out;
	}
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "file", json_string(name));
		json_object_set_new(o, "values", json_integer((json_int_t)rows.n));
		json_object_set_new(o, "stated", json_integer((json_int_t)n_stated));
		json_object_set_new(o, "units",
				    json_integer((json_int_t)count_units(&rows)));
		out_json(o);
	} else {
		size_t units = count_units(&rows);

		printf(_("imported %zu value%s for %zu unit%s"), rows.n,
		       rows.n == 1 ? "" : "s", units, units == 1 ? "" : "s");
		if (n_stated > 0)
			printf(_(" (%zu of them stated totals)"), n_stated);
		printf(_(" from %s\n"), name);
	}
	dongbo_proto_free(&rep->base);
out:
	free(items);
	free(ptrs);
	csvio_rows_fini(&rows);
	return rv;
}

/* Writes the reply's rows to f.  0 or DONGBO_E_IO / DONGBO_E_NOMEM. */
static int write_rows(FILE *f, const Dongbo__ExportReply *x)
{
	struct csvio_row *rows = calloc(x->n_rows ? x->n_rows : 1,
					sizeof(*rows));
	int rv;

	if (rows == NULL)
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < x->n_rows; i++)
		rows[i] = (struct csvio_row){
			.unit = x->rows[i]->unit,
			.indicator = x->rows[i]->indicator,
			.period = x->period,
			.value = x->rows[i]->value,
			.stated = x->rows[i]->stated,
		};
	rv = csvio_write(f, rows, x->n_rows);
	free(rows);
	return rv;
}

/* Writes to path through a temporary file beside it, renamed into place
 * once complete: a reader never sees half a file. */
static int write_file(const char *path, const Dongbo__ExportReply *x)
{
	size_t len = strlen(path) + 32;
	char *tmp = malloc(len);
	FILE *f;
	int rv;

	if (tmp == NULL) {
		cli_error("export: out of memory");
		return EXIT_FAIL;
	}
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (f == NULL) {
		cli_error("export: cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		return EXIT_FAIL;
	}
	rv = write_rows(f, x);
	if (fclose(f) != 0 && rv == 0)
		rv = DONGBO_E_IO;
	if (rv == 0 && rename(tmp, path) != 0)
		rv = DONGBO_E_IO;
	if (rv != 0) {
		cli_error("export: writing '%s': %s", path,
			  rv == DONGBO_E_IO ? strerror(errno)
					    : dongbo_strerror(rv));
		unlink(tmp);
		free(tmp);
		return EXIT_FAIL;
	}
	free(tmp);
	return EXIT_OK;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__ExportRequest x = DONGBO__EXPORT_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__ExportReply *xr;
	const char *output = NULL;
	const struct cli_opt opts[] = {
		{ .name = "--output", .alias = "-o", .value = &output },
		{ .name = NULL },
	};
	char *pos[2];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, export_usage, opts, pos, 2, 2, &n);
	if (rv >= 0)
		return rv;
	x.unit = pos[0];
	x.period = pos[1];
	req.body_case = DONGBO__CTL_REQUEST__BODY_EXPORT;
	req.export = &x;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	xr = rep->export;
	if (xr->skipped > 0)
		cli_error("export: warning: %u value%s left out: %s unit or "
			  "indicator is no longer in the unit list or catalog",
			  xr->skipped, xr->skipped == 1 ? "" : "s",
			  xr->skipped == 1 ? _("its") : _("their"));
	if (output != NULL && strcmp(output, "-") != 0) {
		rv = write_file(output, xr);
		if (rv == EXIT_OK)
			fprintf(stderr, _("exported %zu value%s of %s for %s to "
				"%s\n"), xr->n_rows, xr->n_rows == 1 ? "" : "s",
				pos[0], xr->period, output);
	} else {
		rv = write_rows(stdout, xr) == 0 && fflush(stdout) == 0
			     ? EXIT_OK
			     : EXIT_FAIL;
		if (rv != EXIT_OK)
			cli_error("export: writing to standard output: %s",
				  strerror(errno));
	}
	dongbo_proto_free(&rep->base);
	return rv;
}
