/*
 * cmd_init.c -- create a node directory with a commented configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "cli.h"
#include "config.h"
#include "error.h"
#include "units.h"

/* The shipped files `init` names by default, in cli_data_dir(). */
#define UNITS_FILE "dvhc-2025-03.tsv"
#define CATALOG_FILE "catalog.ini"

/* Whole text for translation: the file names are written out (checked
 * against the macros by a static assertion below). */
static const char init_usage[] =
	N_("Usage: dongbo init DIR --unit CODE [OPTIONS]\n"
	"\n"
	"Creates the node directory DIR (if needed) and writes a commented\n"
	"DIR/dongbo.conf for the node of unit CODE.  Run the node with\n"
	"`dongbod DIR`.\n"
	"\n"
	"Options:\n"
	"  --unit CODE      the node's home unit (required), e.g. 24\n"
	"  --parent URL     the parent node to replicate to, e.g.\n"
	"                   tls+tcp://10.0.0.1:7400 (none: this is the top "
	"node)\n"
	"  --listen URL     where children connect, e.g. "
	"tls+tcp://0.0.0.0:7400\n"
	"  --ca FILE        the federation's certificate authority (PEM)\n"
	"  --cert FILE      this node's certificate, CN = its unit code "
	"(PEM)\n"
	"  --key FILE       its private key (PEM, unencrypted, mode 0600)\n"
	"                   tls+tcp:// urls need all three: see "
	"scripts/pki.sh\n"
	"  --allow-plain-tcp  accept tcp:// urls: links neither "
	"authenticated\n"
	"                   nor encrypted (warned of in the log and status)\n"
	"  --units FILE     unit list (TSV: code parent level name ...);\n"
	"                   default DATA/dvhc-2025-03.tsv\n"
	"  --catalog FILE   indicator catalog; default DATA/catalog.ini\n"
	"  --hosts CODES    more units entered at this node (comma-separated),\n"
	"                   e.g. communes without a node of their own\n"
	"  -h, --help       show this help\n"
	"\n"
	"Example (a commune whose district listens at 10.0.0.2):\n"
	"  dongbo init /var/lib/dongbo/07201 --unit 07201 \\\n"
	"      --parent tls+tcp://10.0.0.2:7400 --ca pki/ca.crt \\\n"
	"      --cert pki/07201.crt --key pki/07201.key\n");

_Static_assert(sizeof(UNITS_FILE) == sizeof("dvhc-2025-03.tsv") &&
		       sizeof(CATALOG_FILE) == sizeof("catalog.ini") &&
		       sizeof(DONGBO_CONFIG_FILE) == sizeof("dongbo.conf"),
	       "init_usage names the default files: keep it in step");

/* The usage, and where DATA is for this dongbo. */
static void print_usage(FILE *f)
{
	fputs(_(init_usage), f);
	fprintf(f, _("\nDATA: %s (the shipped unit lists and catalog)\n"),
		cli_data_dir());
}

static char *absolute(const char *path)
{
	char buf[PATH_MAX];

	if (realpath(path, buf) == NULL)
		return NULL;
	return strdup(buf);
}

static int split_hosts(const char *list, struct dongbo_config *cfg)
{
	char *copy = strdup(list);
	char *save = NULL;

	if (copy == NULL)
		return DONGBO_E_NOMEM;
	for (char *tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		char **h = realloc(cfg->hosts, (cfg->n_hosts + 1) * sizeof(*h));

		if (h == NULL) {
			free(copy);
			return DONGBO_E_NOMEM;
		}
		cfg->hosts = h;
		if ((h[cfg->n_hosts] = strdup(tok)) == NULL) {
			free(copy);
			return DONGBO_E_NOMEM;
		}
		cfg->n_hosts++;
	}
	free(copy);
	return 0;
}

/* Checks the unit codes against the unit list and the catalog loads, so
 * that a typo is caught now rather than when the daemon starts. */
static int check_meta(const struct dongbo_config *cfg, char *desc,
		      size_t desclen)
{
	struct dongbo_units *units = NULL;
	struct dongbo_catalog *cat = NULL;
	const struct dongbo_unit *home;
	char err[1024];
	int rv = EXIT_FAIL;

	if (dongbo_units_load(cfg->units_path, &units, err, sizeof(err)) != 0) {
		cli_error("init: %s", err);
		return EXIT_FAIL;
	}
	if (dongbo_catalog_load(cfg->catalog_path, &cat, err, sizeof(err)) != 0) {
		cli_error("init: %s", err);
		goto out;
	}
	home = dongbo_units_find(units, cfg->unit);
	if (home == NULL) {
		cli_error("init: unknown unit '%s' (not in %s)", cfg->unit,
			  cfg->units_path);
		goto out;
	}
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		const struct dongbo_unit *u = dongbo_units_find(units, cfg->hosts[i]);

		if (u == NULL) {
			cli_error("init: unknown hosted unit '%s' (not in %s)",
				  cfg->hosts[i], cfg->units_path);
			goto out;
		}
		if (!dongbo_unit_is_within(u, home)) {
			cli_error("init: hosted unit %s (%s) is not below %s (%s)",
				  u->code, u->name, home->code, home->name);
			goto out;
		}
	}
	snprintf(desc, desclen, "%s %s (%s)", home->code, home->name,
		 home->level);
	rv = EXIT_OK;
out:
	dongbo_catalog_free(cat);
	dongbo_units_free(units);
	return rv;
}

/* The urls agree with the TLS options, as the daemon will require. */
static int check_security(const struct dongbo_config *cfg,
			  const char *const tls[3])
{
	const char *urls[2] = { cfg->parent_url, cfg->listen_url };
	const char *names[2] = { "--parent", "--listen" };
	int given = (tls[0] != NULL) + (tls[1] != NULL) + (tls[2] != NULL);

	if (given != 0 && given != 3) {
		cli_error("init: --ca, --cert and --key go together (missing "
			  "--%s)", tls[0] == NULL ? "ca"
				   : tls[1] == NULL ? "cert" : "key");
		return EXIT_USAGE;
	}
	for (int i = 0; i < 2; i++) {
		if (dongbo_url_is_tls(urls[i]) && given == 0) {
			cli_error("init: %s %s needs --ca, --cert and --key "
				  "(see scripts/pki.sh)", names[i], urls[i]);
			return EXIT_USAGE;
		}
		if (dongbo_url_is_plain_tcp(urls[i]) &&
		    !cfg->allow_plain_tcp) {
			cli_error("init: %s %s is plain TCP: its link would be "
				  "neither authenticated nor encrypted; use "
				  "tls+tcp:// with --ca, --cert and --key, or "
				  "say so with --allow-plain-tcp", names[i],
				  urls[i]);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "unit", required_argument, NULL, 'u' },
		{ "parent", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "units", required_argument, NULL, 'U' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "ca", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "allow-plain-tcp", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tls[3] = { NULL, NULL, NULL }; /* ca, cert, key */
	char units_default[PATH_MAX + 32], catalog_default[PATH_MAX + 32];
	const char *units = units_default;
	const char *catalog = catalog_default;
	const char *hosts = NULL;
	struct dongbo_config cfg = { 0 };
	char err[1024], desc[512];
	int c, rv = EXIT_FAIL;

	snprintf(units_default, sizeof(units_default), "%s/" UNITS_FILE,
		 cli_data_dir());
	snprintf(catalog_default, sizeof(catalog_default), "%s/" CATALOG_FILE,
		 cli_data_dir());
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		case 'u':
			cfg.unit = optarg;
			break;
		case 'p':
			cfg.parent_url = optarg;
			break;
		case 'l':
			cfg.listen_url = optarg;
			break;
		case 'U':
			units = optarg;
			break;
		case 'c':
			catalog = optarg;
			break;
		case 'H':
			hosts = optarg;
			break;
		case 'j':
			cli->json = true;
			break;
		case 'A':
		case 'C':
		case 'K':
			tls[c == 'A' ? 0 : c == 'C' ? 1 : 2] = optarg;
			break;
		case 'P':
			cfg.allow_plain_tcp = true;
			break;
		default:
			cli_error("init: unknown option or missing value '%s'",
				  argv[optind - 1]);
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_error("init: expected one directory argument");
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (cfg.unit == NULL) {
		cli_error("init: --unit CODE is required");
		return EXIT_USAGE;
	}
	if (check_security(&cfg, tls) != EXIT_OK)
		return EXIT_USAGE;
	/* The config holds owned strings; take copies of what is borrowed. */
	struct dongbo_config own = {
		.unit = strdup(cfg.unit),
		.parent_url = cfg.parent_url ? strdup(cfg.parent_url) : NULL,
		.listen_url = cfg.listen_url ? strdup(cfg.listen_url) : NULL,
		.units_path = absolute(units),
		.catalog_path = absolute(catalog),
		.log_level = strdup("info"),
		.map_size = 1ull << 30,
		/* batch_max 0: written as the default */
		.heartbeat_ms = 2000,
		.timeout_ms = 10000,
		.allow_plain_tcp = cfg.allow_plain_tcp,
	};
	if (own.units_path == NULL) {
		cli_error("init: cannot read unit list '%s': %s", units,
			  strerror(errno));
		goto out;
	}
	if (own.catalog_path == NULL) {
		cli_error("init: cannot read catalog '%s': %s", catalog,
			  strerror(errno));
		goto out;
	}
	for (int i = 0; i < 3 && tls[0] != NULL; i++) {
		char **field = i == 0 ? &own.tls_ca
			       : i == 1 ? &own.tls_cert : &own.tls_key;

		if ((*field = absolute(tls[i])) == NULL) {
			cli_error("init: cannot read --%s '%s': %s",
				  i == 0 ? "ca" : i == 1 ? "cert" : "key",
				  tls[i], strerror(errno));
			goto out;
		}
	}
	if (hosts != NULL && split_hosts(hosts, &own) != 0) {
		cli_error("init: out of memory");
		goto out;
	}
	if (mkdir(argv[optind], 0700) != 0 && errno != EEXIST) {
		cli_error("init: cannot create '%s': %s", argv[optind],
			  strerror(errno));
		goto out;
	}
	if ((own.dir = absolute(argv[optind])) == NULL) {
		cli_error("init: '%s': %s", argv[optind], strerror(errno));
		goto out;
	}
	if (check_meta(&own, desc, sizeof(desc)) != EXIT_OK)
		goto out;
	rv = dongbo_config_write(own.dir, &own, err, sizeof(err));
	if (rv != 0) {
		cli_error("init: %s", err);
		rv = EXIT_FAIL;
		goto out;
	}
	printf(_("Node for %s initialised in %s\nStart it with: dongbod %s\n"),
	       desc, own.dir, own.dir);
	rv = EXIT_OK;
out:
	dongbo_config_fini(&own);
	return rv;
}
