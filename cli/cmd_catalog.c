/*
 * cmd_catalog.c -- the indicator catalog a node runs.
 *
 * The node sends the text of the catalog it runs (its own file's, or the
 * newer one its parent sent); the CLI parses it with the same meta/ code
 * and shows it.  What is shown is therefore exactly what the node checks
 * values and builds roll-ups with, not whatever file lies on this machine.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"

static const char catalog_usage[] =
	N_("Usage: dongbo [-C DIR] catalog [--json]\n"
	"       dongbo [-C DIR] catalog show INDICATOR [--json]\n"
	"       dongbo [-C DIR] catalog forms [FORM] [--json]\n"
	"\n"
	"Shows the indicator catalog the node runs: its version and where it\n"
	"came from (\"file\": the node's own catalog file; \"parent\": a newer\n"
	"one received from the parent, which every node below the top runs\n"
	"and passes on), then every indicator.\n"
	"\n"
	"  show INDICATOR  every attribute of one indicator: name, unit of\n"
	"                  measure, type, rules across units and periods,\n"
	"                  bounds, enum labels, what a ratio or total is made\n"
	"                  of, the form rows it feeds and the checks using it\n"
	"  forms           the report forms, with their number of rows\n"
	"  forms FORM      the rows of one form\n"
	"\n"
	"Options:\n"
	"  --json          machine-readable\n"
	"  -h, --help      show this help\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/24 catalog show hs_tiep_nhan\n"
	"  dongbo -C /var/lib/dongbo/24 catalog forms II.06c\n");

/* What the rules mean, for `catalog show`. */
static const char *const rule_words[] = {
	[DONGBO_RULE_SUM] = N_("the units' values are added up"),
	[DONGBO_RULE_MEAN] = N_("the mean of the units' values"),
	[DONGBO_RULE_MIN] = N_("the smallest of the units' values"),
	[DONGBO_RULE_MAX] = N_("the largest of the units' values"),
	[DONGBO_RULE_COUNT] = N_("how many units hold each value"),
	[DONGBO_RULE_NONE] = N_("each unit's own value, never aggregated"),
	[DONGBO_RULE_RATIO] = N_("Σnumerator / Σdenominator over the units"),
	[DONGBO_RULE_TOTAL] = N_("the sum of its parts' totals"),
};

static const char *const time_words[] = {
	[DONGBO_TIME_SUM] = N_("a flow, a period is the sum of its parts"),
	[DONGBO_TIME_FIRST] = N_("an opening stock, a period takes its first "
				 "part's value"),
	[DONGBO_TIME_LAST] = N_("a closing stock or lũy kế, a period takes "
				"its last part's value"),
	[DONGBO_TIME_NONE] = N_("never composed of other periods"),
};

/* Asks the node for its catalog and parses it.  Returns -1 with *cat and
 * *rep set, or an exit status. */
static int fetch(struct cli *cli, struct dongbo_catalog **cat,
		 Dongbo__CtlReply **rep)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__CatalogRequest c = DONGBO__CATALOG_REQUEST__INIT;
	const Dongbo__CatalogReply *cr;
	char name[64], err[512];
	int rv;

	req.body_case = DONGBO__CTL_REQUEST__BODY_CATALOG;
	req.catalog = &c;
	if ((rv = cli_call(cli, &req, rep)) != EXIT_OK)
		return rv;
	cr = (*rep)->catalog;
	snprintf(name, sizeof(name), _("catalog v%u of the node"), cr->version);
	if (dongbo_catalog_parse(name, (const char *)cr->text.data,
				 cr->text.len, cat, err, sizeof(err)) != 0) {
		cli_error("%s (is this dongbo older than the node?)", err);
		dongbo_proto_free(&(*rep)->base);
		return EXIT_FAIL;
	}
	return -1;
}

/* A bound or label value, as JSON: a number, or the plain text of a
 * decimal or money value. */
static json_t *value_json(const struct dongbo_indicator *ind, int64_t v)
{
	char buf[64];

	if (ind->type == DONGBO_TYPE_DECIMAL || ind->type == DONGBO_TYPE_MONEY) {
		dongbo_indicator_format(ind, v, DONGBO_FORMAT_PLAIN, buf,
					sizeof(buf));
		return json_string(buf);
	}
	return json_integer(v);
}

static json_t *brief_json(const struct dongbo_indicator *ind)
{
	json_t *o = json_object();

	json_object_set_new(o, "code", json_string(ind->code));
	json_object_set_new(o, "name", json_string(ind->name));
	json_object_set_new(o, "unit", json_string(ind->unit));
	json_object_set_new(o, "type", json_string(dongbo_type_word(ind->type)));
	json_object_set_new(o, "rule", json_string(dongbo_rule_word(ind->rule)));
	json_object_set_new(o, "time", json_string(dongbo_time_word(ind->time)));
	return o;
}

/* ---- summary ---- */

static int show_summary(const struct cli *cli, const Dongbo__CatalogReply *cr,
			const struct dongbo_catalog *cat)
{
	size_t n = dongbo_catalog_count(cat), n_stored = 0;

	for (size_t i = 0; i < n; i++)
		n_stored += dongbo_indicator_is_stored(dongbo_catalog_at(cat, i));
	if (cli->json) {
		json_t *o = json_object(), *counts = json_object();
		json_t *list = json_array();

		json_object_set_new(o, "version", json_integer(cr->version));
		json_object_set_new(o, "source", json_string(cr->source));
		json_object_set_new(o, "path", json_string(cr->path));
		json_object_set_new(o, "title",
				    json_string(dongbo_catalog_title(cat)));
		json_object_set_new(counts, "indicators", json_integer((json_int_t)n));
		json_object_set_new(counts, "entered",
				    json_integer((json_int_t)n_stored));
		json_object_set_new(counts, "computed",
				    json_integer((json_int_t)(n - n_stored)));
		json_object_set_new(counts, "forms",
				    json_integer((json_int_t)dongbo_catalog_form_count(cat)));
		json_object_set_new(counts, "rules",
				    json_integer((json_int_t)dongbo_catalog_rule_count(cat)));
		json_object_set_new(o, "counts", counts);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list,
					      brief_json(dongbo_catalog_at(cat, i)));
		json_object_set_new(o, "indicators", list);
		out_json(o);
		return EXIT_OK;
	}
	if (strcmp(cr->source, "parent") == 0)
		printf(_("Catalog  v%u, received from the parent (this node's "
		       "file: %s)\n"), cr->version, cr->path);
	else
		printf(_("Catalog  v%u, from %s\n"), cr->version, cr->path);
	if (dongbo_catalog_title(cat)[0] != '\0')
		printf(_("Title    %s\n"), dongbo_catalog_title(cat));
	printf(_("         %zu indicator%s (%zu entered, %zu computed), %zu "
	       "form%s, %zu rule%s\n\n"), n, n == 1 ? "" : "s", n_stored,
	       n - n_stored, dongbo_catalog_form_count(cat),
	       dongbo_catalog_form_count(cat) == 1 ? "" : "s",
	       dongbo_catalog_rule_count(cat),
	       dongbo_catalog_rule_count(cat) == 1 ? "" : "s");
	{
		static const char *const h[] = { N_("INDICATOR"), N_("TYPE"), N_("RULE"),
						 N_("TIME"), N_("UNIT"), N_("NAME") };
		struct table *t = table_new(6, h, NULL);

		for (size_t i = 0; i < n; i++) {
			const struct dongbo_indicator *ind =
				dongbo_catalog_at(cat, i);
			const char *row[6] = { ind->code, dongbo_type_word(ind->type),
					       dongbo_rule_word(ind->rule),
					       dongbo_time_word(ind->time), ind->unit,
					       ind->name };

			table_add(t, row);
		}
		table_print(t, stdout, 2);
	}
	return EXIT_OK;
}

/* ---- show ---- */

struct rows_walk {
	const struct dongbo_indicator *ind;
	json_t *list; /* JSON, or */
	struct table *table; /* text, made at the first row */
	size_t n_rows;
};

static int row_cb(void *arg, const struct dongbo_form *form,
		  const struct dongbo_form_row *row)
{
	struct rows_walk *w = arg;
	const char *via = row->indicator != w->ind ? row->indicator->code : "";

	w->n_rows++;

	if (w->list == NULL && w->table == NULL) {
		static const char *const h[] = { N_("FORM"), N_("STT"), N_("LEVEL"), N_("VIA"),
						 N_("LABEL") };

		w->table = table_new(5, h, NULL);
	}
	if (w->list != NULL) {
		json_t *o = json_object();

		json_object_set_new(o, "form", json_string(form->code));
		json_object_set_new(o, "stt", json_string(row->stt));
		json_object_set_new(o, "label", json_string(row->label));
		json_object_set_new(o, "level", row->level ? json_string(row->level)
							   : json_null());
		json_object_set_new(o, "via", via[0] ? json_string(via)
						     : json_null());
		json_array_append_new(w->list, o);
	} else {
		const char *cells[5] = { form->code, row->stt,
					 row->level ? row->level : "",
					 via, row->label };

		table_add(w->table, cells);
	}
	return 0;
}

static bool uses(const struct dongbo_indicator *const *list, size_t n,
		 const struct dongbo_indicator *ind)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == ind)
			return true;
	return false;
}

static json_t *codes_json(const struct dongbo_indicator *const *list,
			  size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(list[i]->code));
	return a;
}

static void print_codes(const struct dongbo_indicator *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? " + " : "", list[i]->code);
}

static int show_json(const struct dongbo_catalog *cat,
		     const struct dongbo_indicator *ind)
{
	json_t *o = brief_json(ind);
	struct rows_walk w = { .ind = ind, .list = json_array() };
	json_t *rules = json_array();

	json_object_set_new(o, "note", json_string(ind->note));
	json_object_set_new(o, "entered",
			    json_boolean(dongbo_indicator_is_stored(ind)));
	json_object_set_new(o, "stated_totals",
			    json_boolean(ind->rule == DONGBO_RULE_SUM));
	if (ind->type == DONGBO_TYPE_DECIMAL || ind->type == DONGBO_TYPE_MONEY ||
	    ind->rule == DONGBO_RULE_RATIO)
		json_object_set_new(o, "scale", json_integer(ind->scale));
	json_object_set_new(o, "min", ind->has_min ? value_json(ind, ind->min)
						   : json_null());
	json_object_set_new(o, "max", ind->has_max ? value_json(ind, ind->max)
						   : json_null());
	if (ind->n_labels > 0) {
		json_t *labels = json_array();

		for (size_t i = 0; i < ind->n_labels; i++) {
			json_t *l = json_object();

			json_object_set_new(l, "value",
					    json_integer(ind->labels[i].value));
			json_object_set_new(l, "label",
					    json_string(ind->labels[i].label));
			json_array_append_new(labels, l);
		}
		json_object_set_new(o, "labels", labels);
	}
	if (ind->rule == DONGBO_RULE_RATIO) {
		json_object_set_new(o, "numerator",
				    json_string(ind->numerator->code));
		json_object_set_new(o, "denominator",
				    json_string(ind->denominator->code));
		json_object_set_new(o, "percent", json_boolean(ind->percent));
	}
	if (ind->rule == DONGBO_RULE_TOTAL)
		json_object_set_new(o, "parts",
				    codes_json(ind->parts, ind->n_parts));
	dongbo_catalog_rows_of(cat, ind, row_cb, &w);
	json_object_set_new(o, "rows", w.list);
	for (size_t i = 0; i < dongbo_catalog_rule_count(cat); i++) {
		const struct dongbo_rule *r = dongbo_catalog_rule_at(cat, i);

		if (uses(r->left, r->n_left, ind) ||
		    uses(r->right, r->n_right, ind))
			json_array_append_new(rules, json_string(r->code));
	}
	json_object_set_new(o, "rules", rules);
	out_json(o);
	return EXIT_OK;
}

static int show_text(const struct dongbo_catalog *cat,
		     const struct dongbo_indicator *ind)
{
	struct rows_walk w = { .ind = ind };
	char lo[64], hi[64];
	size_t n_rules = 0;

	printf("%s  %s\n", ind->code, ind->name);
	printf(_("  unit      %s\n"), ind->unit);
	printf(_("  type      %s"), dongbo_type_word(ind->type));
	if (ind->type == DONGBO_TYPE_DECIMAL || ind->type == DONGBO_TYPE_MONEY ||
	    ind->rule == DONGBO_RULE_RATIO)
		printf(_(", %d digit%s after the point"), ind->scale,
		       ind->scale == 1 ? "" : "s");
	printf(_("\n  rule      %s (across units: %s)\n"), dongbo_rule_word(ind->rule),
	       _(rule_words[ind->rule]));
	printf(_("  time      %s (across periods: %s)\n"), dongbo_time_word(ind->time),
	       _(time_words[ind->time]));
	if (ind->has_min || ind->has_max) {
		if (ind->has_min)
			dongbo_indicator_format(ind, ind->min,
						DONGBO_FORMAT_VI, lo, sizeof(lo));
		if (ind->has_max)
			dongbo_indicator_format(ind, ind->max,
						DONGBO_FORMAT_VI, hi, sizeof(hi));
		printf(_("  bounds    %s .. %s\n"), ind->has_min ? lo : "",
		       ind->has_max ? hi : "");
	}
	for (size_t i = 0; i < ind->n_labels; i++)
		/* TRANSLATORS: a label, then as many spaces under it, padded
		 * like the labels of the other lines ("  unit      %s"). */
		printf("  %s %" PRId64 " = %s\n", i == 0 ? _("values   ") : _("         "),
		       ind->labels[i].value, ind->labels[i].label);
	if (ind->rule == DONGBO_RULE_RATIO)
		printf(_("  ratio     %s / %s%s\n"), ind->numerator->code,
		       ind->denominator->code,
		       ind->percent ? _(", × 100 as a percentage") : "");
	if (ind->rule == DONGBO_RULE_TOTAL) {
		printf(_("  parts     "));
		print_codes(ind->parts, ind->n_parts);
		printf("\n");
	}
	if (ind->note[0] != '\0')
		printf(_("  note      %s\n"), ind->note);
	if (dongbo_indicator_is_stored(ind))
		printf(_("  entered   yes%s\n"),
		       ind->rule == DONGBO_RULE_SUM
			       ? _("; stated totals too (put --stated)")
			       : "");
	else
		printf(_("  entered   no: computed from the indicators above\n"));
	for (size_t i = 0; i < dongbo_catalog_rule_count(cat); i++) {
		const struct dongbo_rule *r = dongbo_catalog_rule_at(cat, i);

		if (!uses(r->left, r->n_left, ind) &&
		    !uses(r->right, r->n_right, ind))
			continue;
		printf("  %s %s: ", n_rules++ == 0 ? _("checks   ") : _("         "),
		       r->code);
		print_codes(r->left, r->n_left);
		printf(" %s ", r->op == DONGBO_OP_EQ ? "=" : "<=");
		print_codes(r->right, r->n_right);
		printf("%s\n", r->severity == DONGBO_SEVERITY_WARNING
				       ? " (warning)"
				       : "");
	}
	dongbo_catalog_rows_of(cat, ind, row_cb, &w);
	if (w.n_rows == 0) {
		printf(_("  forms     none\n"));
		return EXIT_OK;
	}
	printf(_("\nForm rows (VIA: shown through that ratio or total)\n"));
	table_print(w.table, stdout, 2);
	return EXIT_OK;
}

/* ---- forms ---- */

static int show_forms(const struct cli *cli, const struct dongbo_catalog *cat)
{
	size_t n = dongbo_catalog_form_count(cat);

	if (cli->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++) {
			const struct dongbo_form *f = dongbo_catalog_form_at(cat, i);
			json_t *o = json_object();

			json_object_set_new(o, "code", json_string(f->code));
			json_object_set_new(o, "title", json_string(f->title));
			json_object_set_new(o, "basis", json_string(f->basis));
			json_object_set_new(o, "rows", json_integer((json_int_t)f->n_rows));
			json_array_append_new(a, o);
		}
		out_json(a);
		return EXIT_OK;
	}
	if (n == 0) {
		printf(_("The catalog defines no forms.\n"));
		return EXIT_OK;
	}
	{
		static const char *const h[] = { N_("FORM"), N_("ROWS"), N_("TITLE"),
						 N_("BASIS") };
		static const bool right[] = { false, true, false, false };
		struct table *t = table_new(4, h, right);

		for (size_t i = 0; i < n; i++) {
			const struct dongbo_form *f = dongbo_catalog_form_at(cat, i);
			char rows[24];
			const char *cells[4] = { f->code, rows, f->title,
						 f->basis };

			snprintf(rows, sizeof(rows), "%zu", f->n_rows);
			table_add(t, cells);
		}
		table_print(t, stdout, 0);
	}
	return EXIT_OK;
}

static int show_form(const struct cli *cli, const struct dongbo_form *f)
{
	if (cli->json) {
		json_t *o = json_object(), *rows = json_array();

		json_object_set_new(o, "code", json_string(f->code));
		json_object_set_new(o, "title", json_string(f->title));
		json_object_set_new(o, "basis", json_string(f->basis));
		for (size_t i = 0; i < f->n_rows; i++) {
			const struct dongbo_form_row *r = &f->rows[i];
			json_t *ro = json_object();

			json_object_set_new(ro, "stt", json_string(r->stt));
			json_object_set_new(ro, "label", json_string(r->label));
			json_object_set_new(ro, "unit", json_string(r->unit));
			json_object_set_new(ro, "indicator",
					    r->indicator ? json_string(r->indicator->code)
							 : json_null());
			json_object_set_new(ro, "level",
					    r->level ? json_string(r->level)
						     : json_null());
			json_array_append_new(rows, ro);
		}
		json_object_set_new(o, "rows", rows);
		out_json(o);
		return EXIT_OK;
	}
	printf("%s  %s\n", f->code, f->title);
	if (f->basis[0] != '\0')
		printf("(%s)\n", f->basis);
	printf("\n");
	{
		static const char *const h[] = { N_("STT"), N_("INDICATOR"), N_("LEVEL"),
						 N_("UNIT"), N_("LABEL") };
		struct table *t = table_new(5, h, NULL);

		for (size_t i = 0; i < f->n_rows; i++) {
			const struct dongbo_form_row *r = &f->rows[i];
			const char *cells[5] = {
				r->stt, r->indicator ? r->indicator->code : "",
				r->level ? r->level : "", r->unit, r->label
			};

			table_add(t, cells);
		}
		table_print(t, stdout, 2);
	}
	return EXIT_OK;
}

int cmd_catalog(struct cli *cli, int argc, char **argv)
{
	struct dongbo_catalog *cat = NULL;
	Dongbo__CtlReply *rep = NULL;
	char *pos[2];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, catalog_usage, NULL, pos, 0, 2,
			    &n);
	if (rv >= 0)
		return rv;
	if (n > 0 && strcmp(pos[0], "show") != 0 &&
	    strcmp(pos[0], "forms") != 0) {
		cli_error("catalog: no subcommand '%s' (show or forms)", pos[0]);
		fputs(_(catalog_usage), stderr);
		return EXIT_USAGE;
	}
	if (n == 1 && strcmp(pos[0], "show") == 0) {
		cli_error("catalog: show needs an INDICATOR code");
		fputs(_(catalog_usage), stderr);
		return EXIT_USAGE;
	}
	if ((rv = fetch(cli, &cat, &rep)) >= 0)
		return rv;
	if (n == 0) {
		rv = show_summary(cli, rep->catalog, cat);
	} else if (strcmp(pos[0], "show") == 0) {
		const struct dongbo_indicator *ind =
			dongbo_catalog_find(cat, pos[1]);

		if (ind == NULL) {
			cli_error("catalog: no indicator '%s' in catalog v%u "
				  "(`dongbo catalog` lists them)", pos[1],
				  rep->catalog->version);
			rv = EXIT_FAIL;
		} else {
			rv = cli->json ? show_json(cat, ind)
				       : show_text(cat, ind);
		}
	} else if (n == 1) {
		rv = show_forms(cli, cat);
	} else {
		const struct dongbo_form *f =
			dongbo_catalog_form_find(cat, pos[1]);

		if (f == NULL) {
			cli_error("catalog: no form '%s' in catalog v%u (`dongbo "
				  "catalog forms` lists them)", pos[1],
				  rep->catalog->version);
			rv = EXIT_FAIL;
		} else {
			rv = show_form(cli, f);
		}
	}
	dongbo_catalog_free(cat);
	dongbo_proto_free(&rep->base);
	return rv;
}
