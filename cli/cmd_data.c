/*
 * cmd_data.c -- put, delete and get (rollup is in cmd_report.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char put_usage[] =
	"Usage: dongbo [-C DIR] put UNIT INDICATOR PERIOD VALUE [--stated] "
	"[--json]\n"
	"\n"
	"Stores VALUE for UNIT, which must be hosted by this node, and sends\n"
	"it on to the parent.  A new value for the same unit, indicator and\n"
	"period replaces the old one everywhere.\n"
	"\n"
	"  UNIT       unit code, e.g. 07201\n"
	"  INDICATOR  indicator code from the catalog, e.g. hs_nhan_truc_tuyen\n"
	"             (`dongbo catalog` lists them)\n"
	"  PERIOD     2022, 2022S1, 2022Q3 or 2022M06\n"
	"  VALUE      as the indicator's type asks, written the Vietnamese way\n"
	"             or plainly where that is unambiguous:\n"
	"               count    1234, 1.234.567 or 52,414 (no decimals, no "
	"sign)\n"
	"               decimal, money\n"
	"                        99,98 or 99.98, 1.234,5 or 1,234.5, -3; "
	"\"1.200\" is\n"
	"                        ambiguous and refused (write 1200 or 1,2)\n"
	"               enum     a value (2) or its label (\"Hoàn thành\")\n"
	"               bool     0, 1 or a label (Không, Có)\n"
	"             A ratio or total is computed, never entered: enter its "
	"parts.\n"
	"\n"
	"Options:\n"
	"  --stated   VALUE is the total UNIT's paper report states for its\n"
	"             whole subtree (indicators with rule sum only).  It is kept\n"
	"             beside the unit's own value, never added into roll-ups;\n"
	"             `dongbo check` compares it with the computed total.\n"
	"  --json     print the stored value\n"
	"  -h, --help show this help\n";

static const char delete_usage[] =
	"Usage: dongbo [-C DIR] delete UNIT INDICATOR PERIOD [--stated] "
	"[--json]\n"
	"\n"
	"Deletes the value entered for UNIT (hosted by this node): it leaves\n"
	"every roll-up, here and at every level above, as if it had never\n"
	"been entered.  To correct a value, `dongbo put` the right one\n"
	"instead.  Deleting a value that was deleted already succeeds and\n"
	"changes nothing; a value that was never entered is an error.\n"
	"\n"
	"Options:\n"
	"  --stated   delete UNIT's stated total instead of its value\n"
	"  --json     print {\"unit\",\"indicator\",\"period\",\"deleted\":true,\n"
	"             \"version\",\"stated\"}\n"
	"  -h, --help show this help\n";

static const char get_usage[] =
	"Usage: dongbo [-C DIR] get UNIT INDICATOR PERIOD [--stated] [--json]\n"
	"\n"
	"Shows the value of UNIT (any unit within this node's subtree) as the\n"
	"catalog formats it, with its unit of measure and the version given by\n"
	"the node that entered it.  When nothing was entered for PERIOD itself,\n"
	"shows the value its sub-periods compose (a year from its halves, a\n"
	"half from its quarters, a quarter from its months, by the indicator's\n"
	"time rule), marked \"composed\".  Exits 1 when there is none.\n"
	"\n"
	"Options:\n"
	"  --stated   the total UNIT's report states for its subtree instead\n"
	"  --json     {\"unit\",\"indicator\",\"period\",\"value\",\"version\",\n"
	"             \"composed\",\"stated\",...}: value is a number for counts,\n"
	"             enums and booleans, a string such as \"1234.50\" for\n"
	"             decimals and money (with \"scale\"), null when none\n";

/* The JSON object of get starts with the key (the shape scripts rely on),
 * then the value; names and units are added by add_names() after the
 * command's own fields. */
static json_t *key_json(const Dongbo__UnitInfo *u, const char *indicator,
			const char *period)
{
	json_t *o = json_object();

	json_object_set_new(o, "unit", json_string(u->code));
	json_object_set_new(o, "indicator", json_string(indicator));
	json_object_set_new(o, "period", json_string(period));
	return o;
}

/* A value for JSON: a number for counts, enums and booleans; the plain text
 * for decimals and money, which a JSON number (a double) could not carry
 * exactly. */
static json_t *shown_json(const Dongbo__Shown *v)
{
	if (strcmp(v->type, "decimal") == 0 || strcmp(v->type, "money") == 0)
		return json_string(v->plain);
	return json_integer(v->value);
}

/* The fields that come with a value in JSON: its scale, or its label. */
static void add_shown(json_t *o, const Dongbo__Shown *v)
{
	json_object_set_new(o, "type", json_string(v->type));
	if (strcmp(v->type, "decimal") == 0 || strcmp(v->type, "money") == 0)
		json_object_set_new(o, "scale", json_integer(v->scale));
	if (strcmp(v->type, "enum") == 0 || strcmp(v->type, "bool") == 0)
		json_object_set_new(o, "label", json_string(v->text));
	json_object_set_new(o, "text", json_string(v->text));
}

/* A value for people: "1.234,5", an enum as "Hoàn thành (2)". */
static void shown_text(const Dongbo__Shown *v, char *buf, size_t len)
{
	if (strcmp(v->type, "enum") == 0 || strcmp(v->type, "bool") == 0)
		snprintf(buf, len, "%s (%" PRId64 ")", v->text, v->value);
	else
		snprintf(buf, len, "%s", v->text);
}

static void add_names(json_t *o, const Dongbo__UnitInfo *u,
		      const char *indicator_name, const char *measure)
{
	json_object_set_new(o, "unit_name", json_string(u->name));
	json_object_set_new(o, "level", json_string(u->level));
	json_object_set_new(o, "indicator_name", json_string(indicator_name));
	json_object_set_new(o, "measure", json_string(measure));
}

/* put and delete: one item, stored (or retracted) at the node. */
static int put_one(struct cli *cli, int argc, char **argv, bool retract)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__PutRequest put = DONGBO__PUT_REQUEST__INIT;
	Dongbo__PutItem item = DONGBO__PUT_ITEM__INIT;
	Dongbo__PutItem *items[1] = { &item };
	Dongbo__CtlReply *rep = NULL;
	bool stated = false;
	const struct cli_opt opts[] = {
		{ .name = "--stated", .flag = &stated },
		{ .name = NULL },
	};
	int n_pos = retract ? 3 : 4;
	char *pos[4];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, retract ? delete_usage : put_usage,
			    opts, pos, n_pos, n_pos, &n);
	if (rv >= 0)
		return rv;
	item.unit = pos[0];
	item.indicator = pos[1];
	item.period = pos[2];
	item.value = retract ? "" : pos[3];
	item.retract = retract;
	item.stated = stated;
	put.n_items = 1;
	put.items = items;
	req.body_case = DONGBO__CTL_REQUEST__BODY_PUT;
	req.put = &put;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (cli->json && (retract || rep->put->n_values == 1)) {
		json_t *o = json_object();

		json_object_set_new(o, "unit", json_string(pos[0]));
		json_object_set_new(o, "indicator", json_string(pos[1]));
		json_object_set_new(o, "period", json_string(pos[2]));
		if (retract)
			json_object_set_new(o, "deleted", json_true());
		else
			json_object_set_new(o, "value",
					    shown_json(rep->put->values[0]));
		json_object_set_new(o, "version",
				    json_integer(rep->put->n_versions > 0
							 ? (json_int_t)rep->put->versions[0]
							 : 0));
		json_object_set_new(o, "stated", json_boolean(stated));
		if (!retract)
			add_shown(o, rep->put->values[0]);
		out_json(o);
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

int cmd_put(struct cli *cli, int argc, char **argv)
{
	return put_one(cli, argc, argv, false);
}

int cmd_delete(struct cli *cli, int argc, char **argv)
{
	return put_one(cli, argc, argv, true);
}

int cmd_get(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__Key key = DONGBO__KEY__INIT;
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__GetReply *g;
	bool stated = false;
	const struct cli_opt opts[] = {
		{ .name = "--stated", .flag = &stated },
		{ .name = NULL },
	};
	char *pos[3];
	char text[320];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, get_usage, opts, pos, 3, 3, &n);
	if (rv >= 0)
		return rv;
	key.unit = pos[0];
	key.indicator = pos[1];
	key.period = pos[2];
	key.stated = stated;
	req.body_case = DONGBO__CTL_REQUEST__BODY_GET;
	req.get = &key;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	g = rep->get;
	rv = g->found ? EXIT_OK : EXIT_FAIL;
	if (cli->json) {
		json_t *o = key_json(g->unit, g->indicator, g->period);

		json_object_set_new(o, "value", g->found && g->shown != NULL
							? shown_json(g->shown)
							: json_null());
		json_object_set_new(o, "version",
				    g->version ? json_integer((json_int_t)g->version)
					       : json_null());
		json_object_set_new(o, "composed", json_boolean(g->composed));
		json_object_set_new(o, "stated", json_boolean(g->stated));
		if (g->found && g->shown != NULL)
			add_shown(o, g->shown);
		add_names(o, g->unit, g->indicator_name, g->measure);
		out_json(o);
	} else if (g->found && g->shown != NULL) {
		shown_text(g->shown, text, sizeof(text));
		printf("%s  %s  %s  %s%s %s  (%s; %s; ", g->unit->code,
		       g->indicator, g->period, g->stated ? "stated total " : "",
		       text, g->measure, g->unit->name, g->indicator_name);
		if (g->composed)
			printf("composed of its sub-periods)\n");
		else
			printf("version %" PRIu64 ")\n", g->version);
	} else {
		cli_error("no %s for %s %s %s%s", g->stated ? "stated total"
							    : "value",
			  g->unit->code, g->indicator, g->period,
			  g->deleted ? " (it was deleted)" : "");
	}
	dongbo_proto_free(&rep->base);
	return rv;
}
