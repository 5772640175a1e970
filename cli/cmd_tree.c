/*
 * cmd_tree.c -- `dongbo tree`: the subtree as a tree, one line per unit.
 *
 * Asks the node for the rows of UNIT's subtree (ctl_tree.c) and prints
 * them with tree_view.c: colours only on a terminal without NO_COLOR.
 * Failure modes: a bad --depth is refused quoting it; the node's refusal
 * (unit unknown or outside its subtree) is printed as it says.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "tree_view.h"

static const char tree_usage[] =
	N_("Usage: dongbo [-C DIR] tree [UNIT] [--problems] [--depth N] [--all]\n"
	"                            [--form CODE --period PERIOD] [--json]\n"
	"\n"
	"Shows every unit of UNIT's subtree (default: this node's unit) as a\n"
	"tree, one line per unit, and how its data reaches this node:\n"
	"  NODE       node (it runs its own dongbod), hosted at CODE (entered\n"
	"             at that node) or none (no node known: nothing arrives)\n"
	"  HEALTH     of its link to its parent, as `dongbo status` says it:\n"
	"             ok, lagging, stalled, offline, restoring, never seen;\n"
	"             unknown when the last news is too old to tell (the NOTE\n"
	"             says how old and which link is down).  A hosted unit\n"
	"             shows its node's health.\n"
	"  LAST SEEN  when its parent last heard from it\n"
	"  WAITING    records waiting to go to its parent\n"
	"  REFUSED    records its parent refused (`dongbo rejected` there)\n"
	"  CATALOG    the catalog version it runs\n"
	"Nodes below report up with their pushes, about once per heartbeat; a\n"
	"node just started knows its subtree after a heartbeat or two.\n"
	"\n"
	"Leaf units alike -- three or more hosted at one node (they share its\n"
	"health), or with no node and never seen -- are folded into one line\n"
	"(\"… and 17 more\", \"… all 34\" when they are all the units below)\n"
	"unless --all.\n"
	"\n"
	"Options:\n"
	"  --problems  only units needing attention (not ok, records refused,\n"
	"              or a catalog older than this node's) and the units above\n"
	"              them\n"
	"  --depth N   down to N levels below UNIT\n"
	"  --all       every unit on its own line\n"
	"  --form CODE --period PERIOD\n"
	"              add an APPROVAL column: each unit's state of that form\n"
	"              for that period (draft, submitted, approved, returned;\n"
	"              \", changed\" when a value changed after approval)\n"
	"  --json      every row (filtered by --problems and --depth, never\n"
	"              folded), times in UTC and in ms since the epoch\n"
	"  -h, --help  show this help\n"
	"\n"
	"Colours on a terminal (green ok, yellow lagging, red stalled, offline\n"
	"or unknown, dim never seen); plain when piped or NO_COLOR is set.\n"
	"Exit status 0 whatever the health (see --problems and --json).\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/24 tree\n"
	"  dongbo -C /var/lib/dongbo/24 tree 218 --problems\n");

static bool want_color(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
}

int cmd_tree(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__TreeRequest tq = DONGBO__TREE_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	struct tree_view_opts o = { .max_depth = -1 };
	const char *depth = NULL, *form = NULL, *period = NULL;
	const struct cli_opt opts[] = {
		{ "--problems", NULL, &o.problems, NULL },
		{ "--all", NULL, &o.all, NULL },
		{ "--depth", NULL, NULL, &depth },
		{ "--form", NULL, NULL, &form },
		{ "--period", NULL, NULL, &period },
		{ NULL, NULL, NULL, NULL },
	};
	char *pos[1];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, tree_usage, opts, pos, 0, 1, &n);
	if (rv >= 0)
		return rv;
	if (depth != NULL) {
		char *end;
		long d = strtol(depth, &end, 10);

		if (end == depth || *end != '\0' || d < 0 || d > 1000) {
			cli_error("tree: bad --depth '%s' (a number of levels, "
				  "0 or more)", depth);
			return EXIT_USAGE;
		}
		o.max_depth = (int)d;
	}
	if ((form == NULL) != (period == NULL)) {
		cli_error("tree: --form and --period go together (the approval "
			  "state of that form for that period)");
		return EXIT_USAGE;
	}
	tq.unit = n > 0 ? pos[0] : "";
	tq.form = (char *)(form != NULL ? form : "");
	tq.period = (char *)(period != NULL ? period : "");
	req.body_case = DONGBO__CTL_REQUEST__BODY_TREE;
	req.tree = &tq;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (rep->body_case != DONGBO__CTL_REPLY__BODY_TREE) {
		cli_error("tree: the node sent no tree (an older dongbod?)");
		dongbo_proto_free(&rep->base);
		return EXIT_FAIL;
	}
	if (cli->json) {
		out_json(tree_view_json(rep->tree, &o));
	} else {
		o.color = want_color();
		tree_view_print(stdout, rep->tree, &o);
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}
