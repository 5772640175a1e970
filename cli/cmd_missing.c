/*
 * cmd_missing.c -- `dongbo missing`: the reporting rate of a form for a
 * period, per child unit and overall, and the units still missing,
 * grouped by their parent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"

static const char missing_usage[] =
	N_("Usage: dongbo [-C DIR] missing UNIT PERIOD --form CODE [--all] "
	"[--json]\n"
	"\n"
	"Shows who under UNIT has reported form CODE for PERIOD (tỷ lệ báo "
	"cáo):\n"
	"the reporting rate of each child of UNIT (its whole subtree) and "
	"overall,\n"
	"then the units still missing, grouped by their parent.\n"
	"\n"
	"Expected to report are the units of this node's unit list under "
	"UNIT\n"
	"(UNIT included) at the levels the form's rows name (a row without a\n"
	"level: every level), so a rate never exceeds 100 %.  A unit has "
	"reported\n"
	"when it holds a value for PERIOD -- entered, or composed of shorter\n"
	"periods -- for at least one indicator its level's rows need; one "
	"holding\n"
	"some but not all is listed as partial.  Values of units below this "
	"node\n"
	"count once they have arrived here: run it where the figures gather\n"
	"(the province for a province's report).\n"
	"\n"
	"Options:\n"
	"  --form CODE  the form (`dongbo catalog forms` lists them)\n"
	"  --all        list every expected unit, reported or not\n"
	"  --json       {\"unit\",\"period\",\"form\",\"levels\",\"expected\","
	"\"reported\",\n"
	"               \"rate\",\"groups\":[{\"unit\",\"name\",\"own\","
	"\"expected\",\n"
	"               \"reported\",\"rate\"}],\"units\":[{\"unit\",\"name\","
	"\"level\",\n"
	"               \"parent\",\"parent_name\",\"present\",\"needed\","
	"\"state\",\n"
	"               \"approval\",\"changed_after_approval\"}],\n"
	"               \"approval\":{STATE:{\"units\",\"changed_after_approval\"}}}\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit status: 0 when every expected unit has reported, 1 when some "
	"have\n"
	"not (so scripts can wait on it), others as for every command.\n"
	"\n"
	"Each unit's approval state of the form for PERIOD (draft, submitted,\n"
	"approved, returned; `dongbo approval`) is counted and shown with it.\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/24 missing 24 2022 --form II.06c\n"
	"  dongbo -C /var/lib/dongbo/24 missing 213 2022Q3 --form BNV-BM3 "
	"--all\n");

/* "87,5 %" in Vietnamese style, "-" without expected units; the JSON has
 * the plain figure. */
static void rate_text(uint32_t reported, uint32_t expected, char *buf,
		      size_t len)
{
	uint64_t tenths;

	if (expected == 0) {
		snprintf(buf, len, "-");
		return;
	}
	/* Rounded half up to tenths of a percent, exactly. */
	tenths = ((uint64_t)reported * 2000 + expected) / (2 * (uint64_t)expected);
	snprintf(buf, len, "%" PRIu64 ",%" PRIu64 " %%", tenths / 10,
		 tenths % 10);
}

static double rate_of(uint32_t reported, uint32_t expected)
{
	return expected == 0 ? 0.0 : 100.0 * reported / expected;
}

static const char *state_of(const Dongbo__MissingUnit *mu)
{
	if (mu->present == 0)
		return N_("missing");
	return mu->present < mu->needed ? N_("partial") : N_("reported");
}

static json_t *missing_json(const Dongbo__MissingReply *mr)
{
	json_t *o = json_object(), *groups = json_array(),
	       *units = json_array(), *levels = json_array();

	json_object_set_new(o, "unit", json_string(mr->unit->code));
	json_object_set_new(o, "name", json_string(mr->unit->name));
	json_object_set_new(o, "period", json_string(mr->period));
	json_object_set_new(o, "form", json_string(mr->form));
	for (size_t i = 0; i < mr->n_levels; i++)
		json_array_append_new(levels, json_string(mr->levels[i]));
	json_object_set_new(o, "levels", levels);
	json_object_set_new(o, "expected", json_integer(mr->expected));
	json_object_set_new(o, "reported", json_integer(mr->reported));
	json_object_set_new(o, "rate",
			    json_real(rate_of(mr->reported, mr->expected)));
	for (size_t i = 0; i < mr->n_groups; i++) {
		const Dongbo__MissingGroup *g = mr->groups[i];
		json_t *go = json_object();

		json_object_set_new(go, "unit", json_string(g->unit->code));
		json_object_set_new(go, "name", json_string(g->unit->name));
		json_object_set_new(go, "own", json_boolean(g->own));
		json_object_set_new(go, "expected", json_integer(g->expected));
		json_object_set_new(go, "reported", json_integer(g->reported));
		json_object_set_new(go, "rate",
				    json_real(rate_of(g->reported,
						      g->expected)));
		json_array_append_new(groups, go);
	}
	json_object_set_new(o, "groups", groups);
	for (size_t i = 0; i < mr->n_units; i++) {
		const Dongbo__MissingUnit *mu = mr->units[i];
		json_t *uo = json_object();

		json_object_set_new(uo, "unit", json_string(mu->unit->code));
		json_object_set_new(uo, "name", json_string(mu->unit->name));
		json_object_set_new(uo, "level", json_string(mu->unit->level));
		json_object_set_new(uo, "parent", json_string(mu->parent));
		json_object_set_new(uo, "parent_name",
				    json_string(mu->parent_name));
		json_object_set_new(uo, "present", json_integer(mu->present));
		json_object_set_new(uo, "needed", json_integer(mu->needed));
		json_object_set_new(uo, "state", json_string(state_of(mu)));
		json_object_set_new(uo, "approval", json_string(mu->state));
		json_object_set_new(uo, "changed_after_approval",
				    json_boolean(mu->changed));
		json_array_append_new(units, uo);
	}
	json_object_set_new(o, "units", units);
	{
		json_t *states = json_object();

		for (size_t i = 0; i < mr->n_states; i++) {
			json_t *so = json_object();

			json_object_set_new(so, "units",
					    json_integer(mr->states[i]->units));
			json_object_set_new(so, "changed_after_approval",
					    json_integer(mr->states[i]->changed));
			json_object_set_new(states, mr->states[i]->state, so);
		}
		json_object_set_new(o, "approval", states);
	}
	return o;
}

/* "Approval: 1 approved (1 changed after approval), 2 submitted, ..." */
static void print_states(const Dongbo__MissingReply *mr)
{
	const char *sep = "";

	printf("%s", _("Approval:"));
	for (size_t i = 0; i < mr->n_states; i++) {
		const Dongbo__StateCount *sc = mr->states[i];

		if (sc->units == 0)
			continue;
		printf("%s %" PRIu32 " %s", sep, sc->units, sc->state);
		if (sc->changed > 0)
			printf(_(" (%" PRIu32 " changed after approval)"),
			       sc->changed);
		sep = ",";
	}
	printf("%s\n", sep[0] ? "" : _(" none expected"));
}

static void print_groups(const Dongbo__MissingReply *mr)
{
	static const char *const h[] = { N_("UNIT"), N_("NAME"), N_("REPORTED"),
					 N_("EXPECTED"), N_("RATE") };
	static const bool right[] = { false, false, true, true, true };
	struct table *t = table_new(5, h, right);
	char rep[16], exp[16], rate[48];

	for (size_t i = 0; i < mr->n_groups; i++) {
		const Dongbo__MissingGroup *g = mr->groups[i];
		char name[256];
		const char *row[5] = { g->unit->code, name, rep, exp, rate };

		snprintf(name, sizeof(name), "%s%s", g->unit->name,
			 g->own ? _(" (itself)") : "");
		snprintf(rep, sizeof(rep), "%" PRIu32, g->reported);
		snprintf(exp, sizeof(exp), "%" PRIu32, g->expected);
		rate_text(g->reported, g->expected, rate, sizeof(rate));
		table_add(t, row);
	}
	rate_text(mr->reported, mr->expected, rate, sizeof(rate));
	snprintf(rep, sizeof(rep), "%" PRIu32, mr->reported);
	snprintf(exp, sizeof(exp), "%" PRIu32, mr->expected);
	{
		const char *row[5] = { "", _("overall"), rep, exp, rate };

		table_add(t, row);
	}
	table_print(t, stdout, 2);
}

/* The listed units under one heading per parent: parents in the order
 * they first appear, units in unit-list order under each. */
static void print_units(const Dongbo__MissingReply *mr, bool all)
{
	for (size_t i = 0; i < mr->n_units; i++) {
		const char *parent = mr->units[i]->parent;
		size_t j;

		for (j = 0; j < i; j++)
			if (strcmp(mr->units[j]->parent, parent) == 0)
				break;
		if (j < i)
			continue; /* printed with its first sibling */
		printf(_("\n  under %s%s%s:\n"), parent[0] ? parent : _("(top)"),
		       mr->units[i]->parent_name[0] ? " " : "",
		       mr->units[i]->parent_name);
		for (j = i; j < mr->n_units; j++) {
			const Dongbo__MissingUnit *mu = mr->units[j];

			if (strcmp(mu->parent, parent) != 0)
				continue;
			if (mu->present == 0)
				printf("    %-8s %s  [%s%s]\n", mu->unit->code,
				       mu->unit->name, mu->state,
				       mu->changed ? ", changed after approval"
						   : "");
			else
				printf(_("    %-8s %s  (%s: %" PRIu32 " of %" PRIu32
				       " indicators) [%s%s]\n"), mu->unit->code,
				       mu->unit->name,
				       _(all ? state_of(mu) : "partial"),
				       mu->present, mu->needed, mu->state,
				       mu->changed ? _(", changed after approval")
						   : "");
		}
	}
}

int cmd_missing(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__MissingRequest q = DONGBO__MISSING_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__MissingReply *mr;
	const char *form = NULL;
	bool all = false;
	const struct cli_opt opts[] = {
		{ .name = "--form", .value = &form },
		{ .name = "--all", .flag = &all },
		{ .name = NULL },
	};
	char *pos[2];
	int n, rv;
	size_t missing = 0, partial = 0;

	rv = cli_parse_args(cli, argc, argv, missing_usage, opts, pos, 2, 2,
			    &n);
	if (rv >= 0)
		return rv;
	if (form == NULL) {
		cli_error("missing: --form CODE is required (`dongbo catalog "
			  "forms` lists them)");
		return EXIT_USAGE;
	}
	q.unit = pos[0];
	q.period = pos[1];
	q.form = (char *)form;
	q.all = all;
	req.body_case = DONGBO__CTL_REQUEST__BODY_MISSING;
	req.missing = &q;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	mr = rep->missing;
	for (size_t i = 0; i < mr->n_units; i++) {
		missing += mr->units[i]->present == 0;
		partial += mr->units[i]->present > 0 &&
			   mr->units[i]->present < mr->units[i]->needed;
	}
	if (cli->json) {
		out_json(missing_json(mr));
	} else {
		char rate[48];

		rate_text(mr->reported, mr->expected, rate, sizeof(rate));
		printf(_("Form %s, %s — %s %s, period %s\n"), mr->form,
		       mr->form_title, mr->unit->code, mr->unit->name,
		       mr->period);
		printf(_("Reported: %" PRIu32 " of %" PRIu32 " expected units "
		       "(%s)"), mr->reported, mr->expected, rate);
		if (mr->n_levels > 0) {
			printf(_("; levels"));
			for (size_t i = 0; i < mr->n_levels; i++)
				printf(" %s", mr->levels[i]);
		}
		printf("\n");
		print_states(mr);
		printf("\n");
		print_groups(mr);
		if (mr->n_units > 0) {
			if (all)
				printf(_("\nEvery expected unit:"));
			else
				printf(_("\nStill missing: %zu; partial: %zu"),
				       missing, partial);
			print_units(mr, all);
		} else {
			printf(_("\nEvery expected unit has reported every "
			       "indicator.\n"));
		}
	}
	rv = mr->reported < mr->expected ? EXIT_FAIL : EXIT_OK;
	dongbo_proto_free(&rep->base);
	return rv;
}
