/*
 * cmd_data.c -- put, get and rollup.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char put_usage[] =
	"Usage: dongbo [-C DIR] put UNIT INDICATOR PERIOD VALUE\n"
	"\n"
	"Stores VALUE for UNIT, which must be hosted by this node, and sends\n"
	"it on to the parent.  A new value for the same unit, indicator and\n"
	"period replaces the old one everywhere.\n"
	"\n"
	"  UNIT       unit code, e.g. 07201\n"
	"  INDICATOR  indicator code from the catalog, e.g. hs_nhan_truc_tuyen\n"
	"  PERIOD     2022, 2022S1, 2022Q3 or 2022M06\n"
	"  VALUE      a count: a whole number, 0 or more, without separators\n"
	"\n"
	"Options: --json (print the stored record), -h/--help\n";

static const char get_usage[] =
	"Usage: dongbo [-C DIR] get UNIT INDICATOR PERIOD [--json]\n"
	"\n"
	"Shows the value stored for UNIT (any unit within this node's\n"
	"subtree), with the version given by the node that entered it.\n"
	"Exits 1 when no value is stored.\n";

static const char rollup_usage[] =
	"Usage: dongbo [-C DIR] rollup UNIT INDICATOR PERIOD [--json]\n"
	"\n"
	"Shows the total of INDICATOR over UNIT and every unit below it, as\n"
	"known at this node, broken down by level (tinh, huyen, xa, ...) and\n"
	"by the child units of UNIT.\n";

/* Parses UNIT INDICATOR PERIOD and asks the node for body (get or rollup).
 * Returns -1 with *rep set, or an exit status. */
static int call_key(struct cli *cli, int argc, char **argv, const char *usage,
		    Dongbo__CtlRequest__BodyCase body, Dongbo__CtlReply **rep)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__Key key = DONGBO__KEY__INIT;
	char *pos[3];
	int n, rv;

	rv = cli_parse_simple(cli, argc, argv, usage, pos, 3, &n);
	if (rv >= 0)
		return rv;
	key.unit = pos[0];
	key.indicator = pos[1];
	key.period = pos[2];
	req.body_case = body;
	if (body == DONGBO__CTL_REQUEST__BODY_GET)
		req.get = &key;
	else
		req.rollup = &key;
	rv = cli_call(cli, &req, rep);
	return rv == EXIT_OK ? -1 : rv;
}

/* The JSON object both get and rollup start with: the key first (the shape
 * scripts rely on), then the value; names and units are added by
 * add_names() after the command's own fields. */
static json_t *key_json(const Dongbo__UnitInfo *u, const char *indicator,
			const char *period, bool found, int64_t value)
{
	json_t *o = json_object();

	json_object_set_new(o, "unit", json_string(u->code));
	json_object_set_new(o, "indicator", json_string(indicator));
	json_object_set_new(o, "period", json_string(period));
	json_object_set_new(o, "value", found ? json_integer(value) : json_null());
	return o;
}

static void add_names(json_t *o, const Dongbo__UnitInfo *u,
		      const char *indicator_name, const char *measure)
{
	json_object_set_new(o, "unit_name", json_string(u->name));
	json_object_set_new(o, "level", json_string(u->level));
	json_object_set_new(o, "indicator_name", json_string(indicator_name));
	json_object_set_new(o, "measure", json_string(measure));
}

int cmd_put(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__PutRequest put = DONGBO__PUT_REQUEST__INIT;
	Dongbo__PutItem item = DONGBO__PUT_ITEM__INIT;
	Dongbo__PutItem *items[1] = { &item };
	Dongbo__CtlReply *rep = NULL;
	char *pos[4];
	int n, rv;

	rv = cli_parse_simple(cli, argc, argv, put_usage, pos, 4, &n);
	if (rv >= 0)
		return rv;
	item.unit = pos[0];
	item.indicator = pos[1];
	item.period = pos[2];
	item.value = pos[3];
	put.n_items = 1;
	put.items = items;
	req.body_case = DONGBO__CTL_REQUEST__BODY_PUT;
	req.put = &put;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "unit", json_string(pos[0]));
		json_object_set_new(o, "indicator", json_string(pos[1]));
		json_object_set_new(o, "period", json_string(pos[2]));
		json_object_set_new(o, "value", json_integer(strtoll(pos[3], NULL, 10)));
		json_object_set_new(o, "version",
				    json_integer(rep->put->n_versions > 0
							 ? (json_int_t)rep->put->versions[0]
							 : 0));
		out_json(o);
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

int cmd_get(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__GetReply *g;
	int rv;

	rv = call_key(cli, argc, argv, get_usage, DONGBO__CTL_REQUEST__BODY_GET,
		      &rep);
	if (rv >= 0)
		return rv;
	g = rep->get;
	rv = g->found ? EXIT_OK : EXIT_FAIL;
	if (cli->json) {
		json_t *o = key_json(g->unit, g->indicator, g->period, g->found,
				     g->value);

		json_object_set_new(o, "version",
				    g->version ? json_integer((json_int_t)g->version)
					       : json_null());
		add_names(o, g->unit, g->indicator_name, g->measure);
		out_json(o);
	} else if (g->found) {
		printf("%s  %s  %s  %" PRId64 " %s  (%s %s; version %" PRIu64 ")\n",
		       g->unit->code, g->indicator, g->period, g->value,
		       g->measure, g->unit->name, g->indicator_name, g->version);
	} else {
		cli_error("no value for %s %s %s%s", g->unit->code, g->indicator,
			  g->period, g->deleted ? " (it was deleted)" : "");
	}
	dongbo_proto_free(&rep->base);
	return rv;
}

static json_t *parts_json(Dongbo__Part **parts, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, parts[i]->key, json_integer(parts[i]->value));
	return o;
}

static void print_rollup(const Dongbo__RollupReply *r)
{
	char buf[64];

	printf("%s (%s), %s\n", r->indicator_name, r->indicator, r->period);
	printf("Unit: %s %s (%s)\n\n", r->unit->code, r->unit->name,
	       r->unit->level);
	if (!r->found) {
		printf("No values reported in this subtree yet.\n");
		return;
	}
	printf("Total  %" PRId64 " %s  (from %" PRId64 " unit value%s)\n",
	       r->value, r->measure, r->count, r->count == 1 ? "" : "s");

	if (r->n_by_level > 0) {
		static const char *const h[] = { "LEVEL", "VALUE", "UNITS" };
		static const bool right[] = { false, true, true };
		struct table *t = table_new(3, h, right);

		printf("\nBy level\n");
		for (size_t i = 0; i < r->n_by_level; i++) {
			char cnt[32];
			const char *row[3] = { r->by_level[i]->key, buf, cnt };

			snprintf(buf, sizeof(buf), "%" PRId64, r->by_level[i]->value);
			snprintf(cnt, sizeof(cnt), "%" PRId64, r->by_level[i]->count);
			table_add(t, row);
		}
		table_print(t, stdout, 2);
	}
	if (r->n_by_child > 0) {
		static const char *const h[] = { "UNIT", "NAME", "VALUE", "UNITS" };
		static const bool right[] = { false, false, true, true };
		struct table *t = table_new(4, h, right);

		printf("\nBy child unit\n");
		for (size_t i = 0; i < r->n_by_child; i++) {
			char cnt[32];
			const char *row[4] = { r->by_child[i]->key,
					       r->by_child[i]->name, buf, cnt };

			snprintf(buf, sizeof(buf), "%" PRId64, r->by_child[i]->value);
			snprintf(cnt, sizeof(cnt), "%" PRId64, r->by_child[i]->count);
			table_add(t, row);
		}
		table_print(t, stdout, 2);
	}
}

int cmd_rollup(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__RollupReply *r;
	int rv;

	rv = call_key(cli, argc, argv, rollup_usage,
		      DONGBO__CTL_REQUEST__BODY_ROLLUP, &rep);
	if (rv >= 0)
		return rv;
	r = rep->rollup;
	if (cli->json) {
		json_t *o = key_json(r->unit, r->indicator, r->period, r->found,
				     r->value);

		json_object_set_new(o, "by_level",
				    parts_json(r->by_level, r->n_by_level));
		json_object_set_new(o, "by_child",
				    parts_json(r->by_child, r->n_by_child));
		json_object_set_new(o, "count", json_integer(r->count));
		add_names(o, r->unit, r->indicator_name, r->measure);
		out_json(o);
	} else {
		print_rollup(r);
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}
