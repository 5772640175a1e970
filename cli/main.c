/*
 * dongbo -- the operator's client: create nodes, enter data, read roll-ups
 * and sync state.  It talks to the running dongbod through the node's
 * control socket; it never opens the store itself.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char main_usage[] =
	N_("Usage: dongbo [-C DIR] [--json] COMMAND [ARGS]\n"
	"\n"
	"Enter and read CCHC statistics at a dongbo node and see its sync "
	"state.\n"
	"\n"
	"Commands:\n"
	"  init DIR --unit CODE [--parent URL] [--listen URL] [--units FILE]\n"
	"                     create a node directory with a commented config\n"
	"  put UNIT INDICATOR PERIOD VALUE [--stated]\n"
	"                     store a value for a unit this node hosts\n"
	"  get UNIT INDICATOR PERIOD [--stated]\n"
	"                     show one value, entered or composed of sub-periods\n"
	"  delete UNIT INDICATOR PERIOD [--stated]\n"
	"                     delete a value: it leaves every roll-up\n"
	"  log UNIT [INDICATOR [PERIOD]] [--stated] [--limit N]\n"
	"                     the history of UNIT's values here, newest first:\n"
	"                     when, what, where entered, through which link\n"
	"  import FILE.csv    store every value of a CSV file, all or nothing\n"
	"  export UNIT PERIOD [-o FILE]\n"
	"                     write the values of UNIT's subtree as CSV\n"
	"  rollup UNIT INDICATOR PERIOD\n"
	"                     total over UNIT's subtree, by level and by child\n"
	"  report UNIT PERIOD --form CODE [--format table|csv|json]\n"
	"                     a report form filled for UNIT's subtree\n"
	"  missing UNIT PERIOD --form CODE [--all]\n"
	"                     who has reported the form for PERIOD: rates per\n"
	"                     child and overall, the units still missing\n"
	"  submit UNIT PERIOD --form CODE [--note TEXT]\n"
	"                     send the form to the parent level (at UNIT's node)\n"
	"  approve UNIT PERIOD --form CODE [--note TEXT]\n"
	"                     approve it (at the node hosting UNIT's parent):\n"
	"                     the form is then locked at UNIT\n"
	"  return UNIT PERIOD --form CODE --note TEXT\n"
	"                     send it back to be corrected, saying why\n"
	"  reopen UNIT PERIOD --form CODE [--note TEXT]\n"
	"                     unlock an approved form\n"
	"  approval UNIT PERIOD [--form CODE]\n"
	"                     submission and approval states of UNIT's subtree\n"
	"  check UNIT PERIOD  validation rules, stated totals and conflicts\n"
	"                     over UNIT's subtree (exit 1 on any error)\n"
	"  status             this node, its parent link and its children\n"
	"  tree [UNIT] [--problems] [--depth N] [--all]\n"
	"                     every unit below, one line each: node or hosted,\n"
	"                     health, last seen, waiting, refused, catalog\n"
	"  wait [--timeout S] wait until the parent has every record\n"
	"  rejected [UNIT] [--retry]\n"
	"                     records refused on this node's links, and why;\n"
	"                     --retry sends ours again once fixed\n"
	"  restore            fetch the values of the units this node hosts\n"
	"                     from its parent again (after a lost disk)\n"
	"  verify             recompute every roll-up from scratch and compare\n"
	"                     (exit 1 on a difference)\n"
	"  catalog [show INDICATOR | forms [FORM]]\n"
	"                     the indicator catalog this node runs\n"
	"\n"
	"Options:\n"
	"  -C DIR        the node directory (default: $DONGBO_DIR, else .)\n"
	"  --json        machine-readable output\n"
	"  -h, --help    show help (also `dongbo COMMAND --help`)\n"
	"  -V, --version show the version\n"
	"\n"
	"Periods: 2022 (year), 2022S1 (half), 2022Q3 (quarter), 2022M06 "
	"(month).\n"
	"\n"
	"Exit status: 0 success; 1 refused or failed (reason on stderr), or\n"
	"`check` found an error, or `verify` a difference; 2 usage error;\n"
	"3 the node is not running; 4 `wait` timed out; 5 permission denied\n"
	"(the control socket is not open to you, or only the node's owner\n"
	"may change data: see `[control] group` in DIR/dongbo.conf).\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/213 status\n"
	"  DONGBO_DIR=/var/lib/dongbo/07201 dongbo put 07201 hs_tiep_nhan 2022 "
	"1234\n"
	"\n"
	"See dongbo(1), dongbod(8) and dongbo.conf(5).\n");

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dongbo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The option of opts that a names (with its value after '=' in *eq), or
 * NULL. */
static const struct cli_opt *find_opt(const struct cli_opt *opts,
				      const char *a, const char **eq)
{
	*eq = NULL;
	for (; opts != NULL && opts->name != NULL; opts++) {
		size_t len = strlen(opts->name);

		if (strcmp(a, opts->name) == 0 ||
		    (opts->alias != NULL && strcmp(a, opts->alias) == 0))
			return opts;
		if (opts->value != NULL && strncmp(a, opts->name, len) == 0 &&
		    a[len] == '=') {
			*eq = a + len + 1;
			return opts;
		}
	}
	return NULL;
}

int cli_parse_simple(struct cli *cli, int argc, char **argv,
		     const char *usage, char **pos, int max_pos, int *n_pos)
{
	return cli_parse_args(cli, argc, argv, usage, NULL, pos, max_pos,
			      max_pos, n_pos);
}

int cli_parse_args(struct cli *cli, int argc, char **argv, const char *usage,
		   const struct cli_opt *opts, char **pos, int min_pos,
		   int max_pos, int *n_pos)
{
	bool only_pos = false;

	/* Scanned by hand rather than with getopt: a value such as "-5" is an
	 * argument to refuse by name ("not a count"), not an unknown option,
	 * while --json may still come after the arguments. */
	*n_pos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool is_opt = !only_pos && a[0] == '-' && a[1] != '\0' &&
			      !(a[1] >= '0' && a[1] <= '9');
		const struct cli_opt *o;
		const char *eq;

		if (!is_opt) {
			if (*n_pos == max_pos) {
				cli_error("%s: unexpected argument '%s'",
					  argv[0], a);
				fputs(_(usage), stderr);
				return EXIT_USAGE;
			}
			pos[(*n_pos)++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			only_pos = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(_(usage), stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--json") == 0) {
			cli->json = true;
		} else if ((o = find_opt(opts, a, &eq)) != NULL) {
			if (o->flag != NULL)
				*o->flag = true;
			if (o->value == NULL)
				continue;
			if (eq == NULL && i + 1 == argc) {
				cli_error("%s: option %s needs a value",
					  argv[0], a);
				fputs(_(usage), stderr);
				return EXIT_USAGE;
			}
			*o->value = eq != NULL ? eq : argv[++i];
		} else {
			cli_error("%s: unknown option '%s'", argv[0], a);
			fputs(_(usage), stderr);
			return EXIT_USAGE;
		}
	}
	if (*n_pos < min_pos) {
		if (min_pos == max_pos)
			cli_error("%s: expected %d argument%s, got %d", argv[0],
				  max_pos, max_pos == 1 ? "" : "s", *n_pos);
		else
			cli_error("%s: expected %d to %d arguments, got %d",
				  argv[0], min_pos, max_pos, *n_pos);
		fputs(_(usage), stderr);
		return EXIT_USAGE;
	}
	return -1;
}

static const struct {
	const char *name;
	cli_cmd_fn fn;
} commands[] = {
	{ "init", cmd_init },	  { "put", cmd_put },	    { "get", cmd_get },
	{ "delete", cmd_delete },
	{ "rollup", cmd_rollup }, { "status", cmd_status }, { "wait", cmd_wait },
	{ "import", cmd_import }, { "export", cmd_export },
	{ "catalog", cmd_catalog }, { "report", cmd_report },
	{ "check", cmd_check },	  { "rejected", cmd_rejected },
	{ "restore", cmd_restore }, { "verify", cmd_verify },
	{ "log", cmd_log },	  { "missing", cmd_missing },
	{ "tree", cmd_tree },
	{ "submit", cmd_submit }, { "approve", cmd_approve },
	{ "return", cmd_return }, { "reopen", cmd_reopen },
	{ "approval", cmd_approval },
};

/* Widths of Vietnamese names need a UTF-8 LC_CTYPE, whatever the user's
 * locale; output bytes are UTF-8 in any case (translations too:
 * dongbo_i18n_init asks gettext for UTF-8).  Messages follow LC_MESSAGES
 * and LANGUAGE; LANGUAGE=vi works under any locale but "C"/"POSIX" (glibc
 * ignores LANGUAGE there), hence C.UTF-8 in the tests. */
static void setup_locale(void)
{
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

int main(int argc, char **argv)
{
	struct cli cli = { .dir = getenv("DONGBO_DIR"), .json = false };
	int i;

	setup_locale();
	dongbo_i18n_init();
	if (cli.dir == NULL || cli.dir[0] == '\0')
		cli.dir = ".";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(_(main_usage), stdout);
			return EXIT_OK;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("dongbo %s\n", DONGBO_VERSION);
			return EXIT_OK;
		}
		if (strcmp(a, "--json") == 0) {
			cli.json = true;
		} else if (strcmp(a, "-C") == 0 && i + 1 < argc) {
			cli.dir = argv[++i];
		} else if (strncmp(a, "-C", 2) == 0 && a[2] != '\0') {
			cli.dir = a + 2;
		} else {
			cli_error("unknown option '%s'", a);
			fputs(_(main_usage), stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		fputs(_(main_usage), stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc) {
			char *help_argv[] = { argv[i + 1], "--help", NULL };

			for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
				if (strcmp(commands[k].name, argv[i + 1]) == 0)
					return commands[k].fn(&cli, 2, help_argv);
			cli_error("no command '%s'", argv[i + 1]);
			return EXIT_USAGE;
		}
		fputs(_(main_usage), stdout);
		return EXIT_OK;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(commands[k].name, argv[i]) == 0)
			return commands[k].fn(&cli, argc - i, argv + i);
	cli_error("'%s' is not a dongbo command; see `dongbo --help`", argv[i]);
	return EXIT_USAGE;
}
