/*
 * cmd_check.c -- check: a subtree's figures against the catalog's rules,
 * the stated totals and themselves over time, as the node finds them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char check_usage[] =
	N_("Usage: dongbo [-C DIR] check UNIT PERIOD [--json]\n"
	"\n"
	"Checks the figures of UNIT and every unit below it for PERIOD (and\n"
	"the periods inside it):\n"
	"  - every validation rule of the catalog (\"tiếp nhận = mới tiếp\n"
	"    nhận + từ kỳ trước\", ...) on each unit's own values, where all\n"
	"    of the rule's indicators have a value, and on the roll-up of\n"
	"    each subtree below which units have values;\n"
	"  - every stated total (the figure a unit's paper report prints for\n"
	"    its subtree, entered with `put --stated` or `import`) against\n"
	"    the roll-up computed from its units;\n"
	"  - every entered period that contradicts its parts (a half-year\n"
	"    against its quarters).\n"
	"The rules compare the figures of PERIOD itself, entered or composed\n"
	"of its parts (a year of its halves, ...).  Each finding shows the\n"
	"unit, the rule in words and both sides' numbers with their\n"
	"difference.  Units without values are skipped.\n"
	"\n"
	"Exit status: 0 when nothing of error severity is found (warnings\n"
	"allowed); 1 when an error-severity rule fails, a stated total\n"
	"differs from its roll-up or a period contradicts its parts (or\n"
	"the check could not run); 2 usage; 3 the node is not running.\n"
	"\n"
	"JSON: {\"unit\",\"period\",\"violations\":[{\"unit\",\"name\",\"scope\",\n"
	"\"rule\",\"text\",\"severity\",\"left\",\"right\",\"difference\"}],\n"
	"\"stated\":[{\"unit\",\"name\",\"indicator\",\"period\",\"stated\",\n"
	"\"computed\",\"difference\",\"agrees\"}],\"conflicts\":[...],\n"
	"\"checked_units\",\"errors\",\"warnings\"}; numbers are integers for\n"
	"counts, plain strings for decimals; difference = left - right, and\n"
	"computed - stated.\n"
	"\n"
	"Options:\n"
	"  --json     the JSON above\n"
	"  -h, --help show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/24 check 24 2022\n");

static const char *scope_words(const char *scope)
{
	return strcmp(scope, "own") == 0 ? _("own values") : _("subtree roll-up");
}

/* The severity as shown to a person ("error", "warning" on the wire). */
static const char *severity_word(const char *sev)
{
	if (strcmp(sev, "error") == 0)
		return _("error");
	if (strcmp(sev, "warning") == 0)
		return _("warning");
	return sev;
}

static void print_violations(const Dongbo__CheckReply *c, const char *sev)
{
	for (size_t i = 0; i < c->n_violations; i++) {
		const Dongbo__Violation *v = c->violations[i];

		if (strcmp(v->severity, sev) != 0)
			continue;
		printf("  [%s] %s %s (%s): %s  [%s]\n", severity_word(v->severity),
		       v->unit->code, v->unit->name, scope_words(v->scope),
		       v->text, v->rule);
		printf("      %s %s %s", fig_shown_text(v->left),
		       strcmp(v->op, "eq") == 0 ? "≠" : ">",
		       fig_shown_text(v->right));
		if (v->difference != NULL)
			printf(_("  (difference %s)"), v->difference->text);
		putchar('\n');
	}
}

static void print_check(const Dongbo__CheckReply *c)
{
	size_t agree = 0, differ = 0, alone = 0;

	printf(_("Check of %s %s, %s\n"), c->unit->code, c->unit->name,
	       c->period);
	if (c->n_violations > 0) {
		printf(_("\nRule violations\n"));
		print_violations(c, "error");
		print_violations(c, "warning");
	}
	for (size_t i = 0; i < c->n_stated; i++) {
		const Dongbo__StatedTotal *s = c->stated[i];

		if (s->computed == NULL) {
			alone++;
			continue;
		}
		if (s->agrees) {
			agree++;
			continue;
		}
		if (differ++ == 0)
			printf(_("\nStated totals that differ from the roll-up of "
			       "their units\n"));
		printf(_("  [error] %s %s: %s (%s), %s\n"), s->unit->code,
		       s->unit->name, s->indicator_name, s->indicator,
		       s->period);
		printf(_("      stated %s; its units give %s"), s->stated->text,
		       s->computed->text);
		if (s->difference != NULL)
			printf(_("  (difference %s)"), s->difference->text);
		putchar('\n');
	}
	fig_print_conflicts(stdout, c->conflicts, c->n_conflicts, true);
	printf(_("\n%u error%s, %u warning%s, %u unit%s checked"), c->errors,
	       c->errors == 1 ? "" : "s", c->warnings,
	       c->warnings == 1 ? "" : "s", c->checked_units,
	       c->checked_units == 1 ? "" : "s");
	if (c->n_stated > 0)
		printf(_("; stated totals: %zu agree, %zu differ%s"), agree,
		       differ,
		       alone > 0 ? _(", some have no units' values to compare")
				 : "");
	printf(".\n");
}

static void check_json(const Dongbo__CheckReply *c)
{
	json_t *o = json_object(), *vs = json_array(), *ss = json_array();

	out_json_unit(o, c->unit);
	json_object_set_new(o, "period", json_string(c->period));
	for (size_t i = 0; i < c->n_violations; i++) {
		const Dongbo__Violation *v = c->violations[i];
		json_t *j = json_object();

		out_json_unit(j, v->unit);
		json_object_set_new(j, "scope", json_string(v->scope));
		json_object_set_new(j, "rule", json_string(v->rule));
		json_object_set_new(j, "text", json_string(v->text));
		json_object_set_new(j, "severity", json_string(v->severity));
		json_object_set_new(j, "op", json_string(v->op));
		json_object_set_new(j, "left", fig_shown_json(v->left));
		json_object_set_new(j, "right", fig_shown_json(v->right));
		json_object_set_new(j, "difference",
				    fig_shown_json(v->difference));
		json_array_append_new(vs, j);
	}
	for (size_t i = 0; i < c->n_stated; i++) {
		const Dongbo__StatedTotal *s = c->stated[i];
		json_t *j = json_object();

		out_json_unit(j, s->unit);
		json_object_set_new(j, "indicator", json_string(s->indicator));
		json_object_set_new(j, "period", json_string(s->period));
		json_object_set_new(j, "stated", fig_shown_json(s->stated));
		json_object_set_new(j, "computed", fig_shown_json(s->computed));
		json_object_set_new(j, "difference",
				    fig_shown_json(s->difference));
		json_object_set_new(j, "agrees",
				    s->computed != NULL ? json_boolean(s->agrees)
							: json_null());
		json_array_append_new(ss, j);
	}
	json_object_set_new(o, "violations", vs);
	json_object_set_new(o, "stated", ss);
	json_object_set_new(o, "conflicts",
			    fig_conflicts_json(c->conflicts, c->n_conflicts));
	json_object_set_new(o, "checked_units", json_integer(c->checked_units));
	json_object_set_new(o, "errors", json_integer(c->errors));
	json_object_set_new(o, "warnings", json_integer(c->warnings));
	out_json(o);
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__CheckRequest q = DONGBO__CHECK_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	char *pos[2];
	int n, rv;

	rv = cli_parse_simple(cli, argc, argv, check_usage, pos, 2, &n);
	if (rv >= 0)
		return rv;
	q.unit = pos[0];
	q.period = pos[1];
	req.body_case = DONGBO__CTL_REQUEST__BODY_CHECK;
	req.check = &q;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (cli->json)
		check_json(rep->check);
	else
		print_check(rep->check);
	rv = rep->check->errors > 0 ? EXIT_FAIL : EXIT_OK;
	dongbo_proto_free(&rep->base);
	return rv;
}
