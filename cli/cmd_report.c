/*
 * cmd_report.c -- rollup (one indicator over a subtree) and report (a
 * whole form), as the node computes them; plus the pieces cmd_check.c
 * shares (values and time conflicts as text and JSON).
 *
 * The node formats every figure twice: plain (files, JSON) and as the
 * printed reports write it ("690.989", "99,60"), so nothing here needs the
 * catalog.  A figure nobody reported is blank, never 0.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "cli.h"

static const char rollup_usage[] =
	N_("Usage: dongbo [-C DIR] rollup UNIT INDICATOR PERIOD [--json]\n"
	"\n"
	"Shows INDICATOR over UNIT and every unit below it, as known at this\n"
	"node, by level (tinh, huyen, xa, ...) and by the child units of\n"
	"UNIT, computed by the indicator's rule: a sum or total adds the\n"
	"units' values; a ratio divides the sums of its numerator and\n"
	"denominator (by level too: never a mean of rates; \"n/a\" for x/0);\n"
	"a mean, min or max is taken over the units that reported; a count\n"
	"shows how many units hold each value; an indicator that is not\n"
	"added up (rule none) shows UNIT's own value.\n"
	"\n"
	"Any PERIOD works: a half-year is composed of its quarters, a year of\n"
	"its halves, ... (flows are added, stocks take the last value).  Where\n"
	"a unit's entered figure contradicts the one its parts give, both are\n"
	"shown and the entered one is used.\n"
	"\n"
	"JSON: {\"unit\",\"indicator\",\"period\",\"value\",\"by_level\",\"by_child\",\n"
	"\"count\",\"rule\",...,\"conflicts\":[...]}; value is an integer for\n"
	"sums of counts, a plain string (\"99.60\", \"n/a\") otherwise, null when\n"
	"nothing was reported.  A ratio adds \"numerator\" and \"denominator\"\n"
	"objects, a count a \"distribution\".\n"
	"\n"
	"Options:\n"
	"  --json     the JSON above\n"
	"  -h, --help show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/24 rollup 24 hs_tiep_nhan 2022\n");

static const char report_usage[] =
	N_("Usage: dongbo [-C DIR] report UNIT PERIOD --form CODE\n"
	"                     [--format table|csv|json] [--width COLUMNS]\n"
	"\n"
	"Prints form CODE (e.g. II.06c, BNV-BM3; `dongbo catalog forms` lists\n"
	"them) filled for UNIT's subtree: STT, indicator, unit of measure and\n"
	"figure, rows in the form's order.  Headings have no figure; a row\n"
	"for one level (\"cấp xã\") counts only that level's units; a blank\n"
	"figure means nothing was reported, \"n/a\" a rate over 0.\n"
	"\n"
	"Options:\n"
	"  --form CODE     the form (required)\n"
	"  --format table  aligned columns, numbers as the printed reports\n"
	"                  write them (690.989; 99,60) -- the default\n"
	"  --format csv    stt,label,measure,indicator,level,value (plain)\n"
	"  --format json   the same rows as JSON (also: --json)\n"
	"  --width N       wrap the table's labels to fit N columns (default:\n"
	"                  the terminal's width; 0: never wrap)\n"
	"  -h, --help      show this help\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/24 report 24 2022 --form II.06c\n"
	"  dongbo -C /var/lib/dongbo/24 report 24 2022S1 --form BNV-BM3 \\\n"
	"      --format csv\n");

/* ---- shared with cmd_check.c ---- */

bool fig_is_integer(const char *rule, int scale)
{
	static const char *const integer_rules[] = { "sum", "total", "min",
						     "max", "none" };

	if (scale != 0)
		return false;
	for (size_t i = 0; i < sizeof(integer_rules) / sizeof(integer_rules[0]);
	     i++)
		if (strcmp(rule, integer_rules[i]) == 0)
			return true;
	return false;
}

json_t *fig_shown_json(const Dongbo__Shown *s)
{
	if (s == NULL)
		return json_null();
	if (s->scale == 0)
		return json_integer(s->value);
	return json_string(s->plain);
}

const char *fig_shown_text(const Dongbo__Shown *s)
{
	return s != NULL ? s->text : "";
}

/* The parts a period is composed of, for "its quarters give 90". */
static const char *parts_word(const char *period)
{
	if (strchr(period, 'S') != NULL)
		return _("quarters");
	if (strchr(period, 'Q') != NULL)
		return _("months");
	if (strchr(period, 'M') != NULL)
		return _("parts");
	return _("half-years");
}

void fig_print_conflicts(FILE *f, Dongbo__Conflict **c, size_t n,
			 bool name_indicator)
{
	if (n == 0)
		return;
	fprintf(f, _("\nConflicts over time\n"));
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  %s %s", c[i]->unit->code, c[i]->unit->name);
		if (name_indicator)
			fprintf(f, ": %s", c[i]->indicator);
		fprintf(f,
			_(" entered %s = %s; its %s give %s; the entered "
			"figure is used\n"),
			c[i]->period, fig_shown_text(c[i]->entered),
			parts_word(c[i]->period),
			fig_shown_text(c[i]->composed));
	}
}

json_t *fig_conflicts_json(Dongbo__Conflict **c, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		out_json_unit(o, c[i]->unit);
		json_object_set_new(o, "indicator",
				    json_string(c[i]->indicator));
		json_object_set_new(o, "period", json_string(c[i]->period));
		json_object_set_new(o, "entered",
				    fig_shown_json(c[i]->entered));
		json_object_set_new(o, "composed",
				    fig_shown_json(c[i]->composed));
		json_array_append_new(a, o);
	}
	return a;
}

/* ---- rollup ---- */

static json_t *figure_json(const Dongbo__RollupReply *r,
			   const Dongbo__Figure *f)
{
	if (f == NULL || !f->found)
		return json_null();
	if (fig_is_integer(r->rule, r->scale))
		return json_integer(f->value);
	return json_string(f->plain);
}

static json_t *parts_json(const Dongbo__RollupReply *r, Dongbo__Part **p,
			  size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, p[i]->key, figure_json(r, p[i]->figure));
	return o;
}

/* side: 0 numerator, 1 denominator. */
static const Dongbo__Shown *side_of(const Dongbo__Figure *f, int side)
{
	if (f == NULL)
		return NULL;
	return side == 0 ? f->numerator : f->denominator;
}

static json_t *side_json(const Dongbo__RollupReply *r, int side)
{
	json_t *o = json_object(), *lv = json_object(), *ch = json_object();

	json_object_set_new(o, "indicator", json_string(side == 0
								? r->numerator
								: r->denominator));
	json_object_set_new(o, "value",
			    fig_shown_json(side_of(r->figure, side)));
	for (size_t i = 0; i < r->n_by_level; i++)
		json_object_set_new(lv, r->by_level[i]->key,
				    fig_shown_json(side_of(r->by_level[i]->figure,
							   side)));
	for (size_t i = 0; i < r->n_by_child; i++)
		json_object_set_new(ch, r->by_child[i]->key,
				    fig_shown_json(side_of(r->by_child[i]->figure,
							   side)));
	json_object_set_new(o, "by_level", lv);
	json_object_set_new(o, "by_child", ch);
	return o;
}

static json_t *distribution_json(const Dongbo__Figure *f)
{
	json_t *a = json_array();

	for (size_t i = 0; f != NULL && i < f->n_distribution; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "value",
				    json_integer(f->distribution[i]->value));
		json_object_set_new(o, "label",
				    json_string(f->distribution[i]->label));
		json_object_set_new(o, "units",
				    json_integer(f->distribution[i]->units));
		json_array_append_new(a, o);
	}
	return a;
}

static void rollup_json(const Dongbo__RollupReply *r)
{
	json_t *o = json_object();

	/* The key first, then the value: the shape scripts rely on. */
	json_object_set_new(o, "unit", json_string(r->unit->code));
	json_object_set_new(o, "indicator", json_string(r->indicator));
	json_object_set_new(o, "period", json_string(r->period));
	json_object_set_new(o, "value", figure_json(r, r->figure));
	json_object_set_new(o, "by_level",
			    parts_json(r, r->by_level, r->n_by_level));
	json_object_set_new(o, "by_child",
			    parts_json(r, r->by_child, r->n_by_child));
	json_object_set_new(o, "count", json_integer(r->count));
	json_object_set_new(o, "rule", json_string(r->rule));
	if (strcmp(r->rule, "ratio") == 0) {
		json_object_set_new(o, "numerator", side_json(r, 0));
		json_object_set_new(o, "denominator", side_json(r, 1));
	} else if (strcmp(r->rule, "mean") == 0) {
		json_object_set_new(o, "sum",
				    fig_shown_json(r->figure ? r->figure->sum
							     : NULL));
	} else if (strcmp(r->rule, "count") == 0) {
		json_object_set_new(o, "distribution",
				    distribution_json(r->figure));
	}
	json_object_set_new(o, "unit_name", json_string(r->unit->name));
	json_object_set_new(o, "level", json_string(r->unit->level));
	json_object_set_new(o, "indicator_name", json_string(r->indicator_name));
	json_object_set_new(o, "measure", json_string(r->measure));
	json_object_set_new(o, "conflicts",
			    fig_conflicts_json(r->conflicts, r->n_conflicts));
	out_json(o);
}

static const char *text_of(const Dongbo__Figure *f)
{
	return f != NULL && f->found ? f->text : "";
}

/* One breakdown table (by level or by child). */
static void print_parts(const Dongbo__RollupReply *r, const char *title,
			Dongbo__Part **p, size_t n, bool children)
{
	bool ratio = strcmp(r->rule, "ratio") == 0;
	const char *h[5];
	bool right[5];
	int n_cols = 0;
	struct table *t;

	if (n == 0)
		return;
	right[n_cols] = false;
	h[n_cols++] = children ? "UNIT" : "LEVEL";
	if (children) {
		right[n_cols] = false;
		h[n_cols++] = "NAME";
	}
	right[n_cols] = true;
	h[n_cols++] = "VALUE";
	right[n_cols] = true;
	h[n_cols++] = ratio ? "NUMERATOR" : "UNITS";
	if (ratio) {
		right[n_cols] = true;
		h[n_cols++] = "DENOMINATOR";
	}
	t = table_new(n_cols, h, right);
	printf("\n%s\n", title);
	for (size_t i = 0; i < n; i++) {
		const char *row[5];
		char cnt[32];
		int c = 0;

		row[c++] = p[i]->key;
		if (children)
			row[c++] = p[i]->name;
		row[c++] = text_of(p[i]->figure);
		if (ratio) {
			row[c++] = fig_shown_text(side_of(p[i]->figure, 0));
			row[c++] = fig_shown_text(side_of(p[i]->figure, 1));
		} else {
			snprintf(cnt, sizeof(cnt), "%" PRId64, p[i]->count);
			row[c++] = cnt;
		}
		table_add(t, row);
	}
	table_print(t, stdout, 2);
}

static void print_total(const Dongbo__RollupReply *r)
{
	const Dongbo__Figure *f = r->figure;
	const char *rule = r->rule;
	const char *unit = strcmp(r->measure, "%") == 0 ? "%" : r->measure;

	if (strcmp(rule, "ratio") == 0) {
		printf(_("Total  %s %s  (%s / %s: %s / %s)\n"), f->text, unit,
		       r->numerator, r->denominator,
		       f->numerator ? f->numerator->text : "—",
		       f->denominator ? f->denominator->text : "—");
	} else if (strcmp(rule, "none") == 0) {
		printf(_("Own value  %s %s  (not added up over units)\n"), f->text,
		       unit);
	} else if (strcmp(rule, "count") == 0) {
		printf(_("Units per value  %s  (%" PRId64 " unit%s)\n"), f->text,
		       r->count, r->count == 1 ? "" : "s");
	} else {
		const char *what = strcmp(rule, "mean") == 0  ? "Mean"
				   : strcmp(rule, "min") == 0 ? "Minimum"
				   : strcmp(rule, "max") == 0 ? "Maximum"
							      : "Total";

		printf(_("%s  %s %s  (from %" PRId64 " unit value%s)\n"), what,
		       f->text, unit, r->count, r->count == 1 ? "" : "s");
	}
}

static void print_rollup(const Dongbo__RollupReply *r)
{
	bool none = strcmp(r->rule, "none") == 0;

	printf("%s (%s), %s\n", r->indicator_name, r->indicator, r->period);
	printf(_("Unit: %s %s (%s); rule: %s\n\n"), r->unit->code, r->unit->name,
	       r->unit->level, r->rule);
	if (r->figure == NULL || !r->figure->found) {
		printf(_("No values reported in this subtree yet.\n"));
	} else {
		print_total(r);
		print_parts(r, "By level", r->by_level, r->n_by_level, false);
	}
	print_parts(r,
		    none ? "Child units' own values (each alone)"
			 : "By child unit",
		    r->by_child, r->n_by_child, true);
	fig_print_conflicts(stdout, r->conflicts, r->n_conflicts,
			    strcmp(r->rule, "ratio") == 0 ||
				    strcmp(r->rule, "total") == 0);
}

int cmd_rollup(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__Key key = DONGBO__KEY__INIT;
	Dongbo__CtlReply *rep = NULL;
	char *pos[3];
	int n, rv;

	rv = cli_parse_simple(cli, argc, argv, rollup_usage, pos, 3, &n);
	if (rv >= 0)
		return rv;
	key.unit = pos[0];
	key.indicator = pos[1];
	key.period = pos[2];
	req.body_case = DONGBO__CTL_REQUEST__BODY_ROLLUP;
	req.rollup = &key;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (cli->json)
		rollup_json(rep->rollup);
	else
		print_rollup(rep->rollup);
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

/* ---- report ---- */

/* The next line of at most width columns from *s, broken at a space when
 * there is one (a word longer than the line is cut), into out; advances
 * *s past it and the spaces after it. */
static void wrap_line(const char **s, int width, char *out, size_t outlen)
{
	const char *p = *s, *brk = NULL;
	mbstate_t st;
	int w = 0;

	memset(&st, 0, sizeof(st));
	while (*p != '\0') {
		size_t n;
		int cw = out_char_width(p, strlen(p), &st, &n);

		if (w + cw > width && p != *s)
			break;
		if (*p == ' ')
			brk = p;
		w += cw;
		p += n;
	}
	if (*p != '\0' && brk != NULL && brk != *s)
		p = brk;
	snprintf(out, outlen, "%.*s", (int)(p - *s), *s);
	while (*p == ' ')
		p++;
	*s = p;
}

static int terminal_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		return ws.ws_col;
	return 0;
}

enum { COL_STT, COL_LABEL, COL_MEASURE, COL_VALUE, N_COLS };

/* Columns a long unit of measure wraps at when the table is too wide. */
#define MEASURE_WRAP 16

static void table_write(FILE *out, const Dongbo__ReportReply *rr, int width)
{
	static const char *const head[N_COLS] = { "STT", "Chỉ tiêu",
						  "Đơn vị tính", "Số liệu" };
	int w[N_COLS];
	const char *sep = "  ";

	fprintf(out, "%s — %s\n", rr->form, rr->title);
	if (rr->basis[0] != '\0')
		fprintf(out, "(%s)\n", rr->basis);
	fprintf(out, "%s %s — kỳ báo cáo %s\n", rr->unit->code,
		rr->unit->name, rr->period);
	if (rr->approval != NULL) {
		char st[768];

		approval_text(rr->approval, st, sizeof(st));
		fprintf(out, _("Approval: %s\n"), st);
	}
	fputc('\n', out);
	for (int c = 0; c < N_COLS; c++)
		w[c] = out_width(head[c]);
	for (size_t i = 0; i < rr->n_rows; i++) {
		const Dongbo__ReportRow *row = rr->rows[i];
		const char *cells[N_COLS] = { row->stt, row->label, row->measure,
					      text_of(row->figure) };

		for (int c = 0; c < N_COLS; c++)
			if (out_width(cells[c]) > w[c])
				w[c] = out_width(cells[c]);
	}
	if (width > 0) {
		int fixed = w[COL_STT] + w[COL_VALUE] + 3 * (int)strlen(sep);

		/* Too wide: the unit of measure (some are long, "Chưa = 0,
		 * Hoàn thành = 1") wraps at 16 columns first, then the label
		 * takes what is left, never less than 20 columns. */
		if (fixed + w[COL_MEASURE] + w[COL_LABEL] > width &&
		    w[COL_MEASURE] > MEASURE_WRAP)
			w[COL_MEASURE] = MEASURE_WRAP;
		if (fixed + w[COL_MEASURE] + w[COL_LABEL] > width)
			w[COL_LABEL] = width - fixed - w[COL_MEASURE] > 20
					       ? width - fixed - w[COL_MEASURE]
					       : 20;
	}
	for (int c = 0; c < N_COLS; c++) {
		out_pad(out, head[c], w[c], c == COL_VALUE);
		fputs(c + 1 < N_COLS ? sep : "\n", out);
	}
	for (size_t i = 0; i < rr->n_rows; i++) {
		const Dongbo__ReportRow *row = rr->rows[i];
		const char *label = row->label, *measure = row->measure;
		bool first = true;

		/* Continuation lines carry the rest of the label and of the
		 * unit of measure only. */
		do {
			char l[1024], m[512];

			wrap_line(&label, w[COL_LABEL], l, sizeof(l));
			wrap_line(&measure, w[COL_MEASURE], m, sizeof(m));
			out_pad(out, first ? row->stt : "", w[COL_STT], false);
			fputs(sep, out);
			out_pad(out, l, w[COL_LABEL], false);
			fputs(sep, out);
			out_pad(out, m, w[COL_MEASURE], false);
			fputs(sep, out);
			out_pad(out, first ? text_of(row->figure) : "",
				w[COL_VALUE], true);
			fputc('\n', out);
			first = false;
		} while (*label != '\0' || *measure != '\0');
	}
	fig_print_conflicts(out, rr->conflicts, rr->n_conflicts, true);
}

/* The table, each line without the spaces that pad its empty end. */
static void report_table(const Dongbo__ReportReply *rr, int width)
{
	char *text = NULL, *line, *end;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem == NULL) {
		table_write(stdout, rr, width);
		return;
	}
	table_write(mem, rr, width);
	fclose(mem);
	for (line = text; line != NULL && *line != '\0'; line = end + 1) {
		size_t n;

		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		n = (size_t)(end - line);
		while (n > 0 && line[n - 1] == ' ')
			n--;
		fwrite(line, 1, n, stdout);
		fputc('\n', stdout);
		if (*end == '\0')
			break;
	}
	free(text);
}

/* One CSV field, quoted when it holds a separator, a quote or a line end
 * or starts or ends with a space. */
static void csv_field(const char *s, bool last)
{
	size_t len = strlen(s);
	bool quote = strpbrk(s, ",\"\r\n") != NULL ||
		     (len > 0 && (s[0] == ' ' || s[len - 1] == ' '));

	if (!quote) {
		fputs(s, stdout);
	} else {
		fputc('"', stdout);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', stdout);
			fputc(*s, stdout);
		}
		fputc('"', stdout);
	}
	fputc(last ? '\n' : ',', stdout);
}

static void report_csv(const Dongbo__ReportReply *rr)
{
	puts("stt,label,measure,indicator,level,value");
	for (size_t i = 0; i < rr->n_rows; i++) {
		const Dongbo__ReportRow *row = rr->rows[i];

		csv_field(row->stt, false);
		csv_field(row->label, false);
		csv_field(row->measure, false);
		csv_field(row->indicator, false);
		csv_field(row->level, false);
		csv_field(row->figure != NULL && row->figure->found
				  ? row->figure->plain
				  : "",
			  true);
	}
}

static void report_json(const Dongbo__ReportReply *rr)
{
	json_t *o = json_object(), *rows = json_array();

	out_json_unit(o, rr->unit);
	json_object_set_new(o, "period", json_string(rr->period));
	json_object_set_new(o, "form", json_string(rr->form));
	json_object_set_new(o, "title", json_string(rr->title));
	json_object_set_new(o, "basis", json_string(rr->basis));
	if (rr->approval != NULL)
		json_object_set_new(o, "approval", approval_json(rr->approval));
	json_object_set_new(o, "catalog_version",
			    json_integer(rr->catalog_version));
	for (size_t i = 0; i < rr->n_rows; i++) {
		const Dongbo__ReportRow *row = rr->rows[i];
		json_t *j = json_object();
		bool found = row->figure != NULL && row->figure->found;

		json_object_set_new(j, "stt", json_string(row->stt));
		json_object_set_new(j, "label", json_string(row->label));
		json_object_set_new(j, "measure", json_string(row->measure));
		json_object_set_new(j, "indicator",
				    row->indicator[0] ? json_string(row->indicator)
						      : json_null());
		json_object_set_new(j, "level",
				    row->level[0] ? json_string(row->level)
						  : json_null());
		json_object_set_new(j, "value",
				    found ? json_string(row->figure->plain)
					  : json_null());
		json_array_append_new(rows, j);
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "conflicts",
			    fig_conflicts_json(rr->conflicts, rr->n_conflicts));
	out_json(o);
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__ReportRequest q = DONGBO__REPORT_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	const char *form = NULL, *format = NULL, *width_text = NULL;
	const struct cli_opt opts[] = {
		{ "--form", NULL, NULL, &form },
		{ "--format", NULL, NULL, &format },
		{ "--width", NULL, NULL, &width_text },
		{ NULL, NULL, NULL, NULL },
	};
	char *pos[2];
	int n, rv, width;

	rv = cli_parse_args(cli, argc, argv, report_usage, opts, pos, 2, 2, &n);
	if (rv >= 0)
		return rv;
	if (form == NULL) {
		cli_error("report: --form CODE is required (`dongbo catalog "
			  "forms` lists the forms)");
		return EXIT_USAGE;
	}
	if (format == NULL)
		format = cli->json ? "json" : "table";
	if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0 &&
	    strcmp(format, "json") != 0) {
		cli_error("report: --format is table, csv or json, not '%s'",
			  format);
		return EXIT_USAGE;
	}
	width = terminal_width();
	if (width_text != NULL) {
		char *end;
		long v = strtol(width_text, &end, 10);

		if (end == width_text || *end != '\0' || v < 0 || v > 10000) {
			cli_error("report: --width is a number of columns, "
				  "not '%s'", width_text);
			return EXIT_USAGE;
		}
		width = (int)v;
	}
	q.unit = pos[0];
	q.period = pos[1];
	q.form = (char *)form;
	req.body_case = DONGBO__CTL_REQUEST__BODY_REPORT;
	req.report = &q;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (strcmp(format, "json") == 0)
		report_json(rep->report);
	else if (strcmp(format, "csv") == 0)
		report_csv(rep->report);
	else
		report_table(rep->report, width);
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}
