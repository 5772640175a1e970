/* test_config.c -- dongbo.conf: parsing, refusals, write/load round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"

#define NODE "[node]\nunit = 24\nunits = u.tsv\ncatalog = c.ini\n"
#define GIB (UINT64_C(1) << 30)

static char err[1024];
static char tmpl[] = "/tmp/dongbo-test-config-XXXXXX";
static char *dir; /* a fresh directory per test */

static int dir_setup(void **state)
{
	(void)state;
	strcpy(tmpl + strlen(tmpl) - 6, "XXXXXX");
	dir = mkdtemp(tmpl);
	return dir == NULL ? -1 : 0;
}

/* Removes the files a test left in dir, then dir. */
static int dir_teardown(void **state)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	(void)state;
	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

/* Entries in dir, hidden ones included (a leftover temporary file is). */
static size_t count_files(void)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *in_dir(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void parse_ok(const char *text, struct dongbo_config *cfg)
{
	if (dongbo_config_parse(dir, text, strlen(text), cfg, err,
				sizeof(err)) != 0)
		fail_msg("refused: %s", err);
}

/* Refused with DONGBO_E_CONFIG and a zeroed cfg; the message names the
 * file and contains want, right after the file name when want starts with
 * the line number. */
static void assert_refused(const char *text, const char *want)
{
	struct dongbo_config cfg, zero;
	char full[1024];

	memset(&cfg, 0xab, sizeof(cfg));
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(dongbo_config_parse(dir, text, strlen(text), &cfg,
					     err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_memory_equal(&cfg, &zero, sizeof(cfg));
	snprintf(full, sizeof(full), "%s/dongbo.conf:%s", dir,
		 want[0] >= '0' && want[0] <= '9' ? want : "");
	if (strncmp(err, full, strlen(full)) != 0 || strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s' or '%s'", err, full, want);
}

/* ---- reading -------------------------------------------------------------- */

static void minimal_config_gets_defaults_and_absolute_paths(void **state)
{
	struct dongbo_config cfg;

	(void)state;
	parse_ok(NODE, &cfg);
	assert_string_equal(cfg.dir, dir);
	assert_string_equal(cfg.unit, "24");
	assert_string_equal(cfg.units_path, in_dir("u.tsv"));
	assert_string_equal(cfg.catalog_path, in_dir("c.ini"));
	assert_int_equal(cfg.n_hosts, 0);
	assert_null(cfg.parent_url);
	assert_null(cfg.listen_url);
	assert_string_equal(cfg.log_level, "info");
	assert_true(cfg.map_size == GIB);
	assert_true(cfg.map_size_max == 64 * GIB);
	assert_int_equal(cfg.batch_max, 20000);
	assert_int_equal(cfg.heartbeat_ms, 2000);
	assert_int_equal(cfg.timeout_ms, 10000);
	assert_int_equal(cfg.stall_ms, 30000);
	assert_null(cfg.tls_ca);
	assert_false(cfg.allow_plain_tcp);
	assert_null(cfg.control_group);
	dongbo_config_fini(&cfg);
}

static void example_from_config_h_parses_with_its_comments(void **state)
{
	struct dongbo_config cfg;

	(void)state;
	parse_ok("[node]\n"
		 "unit    = 24                     ; home unit (required)\n"
		 "units   = /path/units.tsv        ; unit list (required)\n"
		 "catalog = /path/catalog.ini      ; indicator catalog\n"
		 "hosts   = 24001 24002            ; extra units hosted here\n"
		 "log_level = info\n"
		 "\n"
		 "[parent]\n"
		 "url = tcp://127.0.0.1:7000       ; absent: this node is a root\n"
		 "\n"
		 "[listen]\n"
		 "url = tcp://127.0.0.1:7001       ; absent: no children\n"
		 "\n"
		 "[store]\n"
		 "map_size_mb = 1024               ; initial map; it doubles\n"
		 "map_size_max_mb = 65536          ; ... up to this\n"
		 "\n"
		 "[sync]\n"
		 "batch_max    = 1000              ; records per push message\n"
		 "heartbeat_ms = 2000              ; idle push interval\n"
		 "timeout_ms   = 10000             ; request deadline\n"
		 "stall_ms     = 30000             ; records waiting and no\n"
		 "                                 ; progress: stalled\n"
		 "\n"
		 "[tls]\n"
		 "ca   = pki/ca.crt                ; the federation's CA\n"
		 "cert = pki/24.crt                ; CN = unit\n"
		 "key  = pki/24.key                ; its private key\n"
		 "allow_plain_tcp = yes            ; tcp:// urls accepted\n"
		 "\n"
		 "[control]\n"
		 "group = dongbo-read              ; absent: owner only\n",
		 &cfg);
	assert_string_equal(cfg.unit, "24");
	assert_string_equal(cfg.units_path, "/path/units.tsv");
	assert_string_equal(cfg.catalog_path, "/path/catalog.ini");
	assert_int_equal(cfg.n_hosts, 2);
	assert_string_equal(cfg.hosts[0], "24001");
	assert_string_equal(cfg.hosts[1], "24002");
	assert_string_equal(cfg.parent_url, "tcp://127.0.0.1:7000");
	assert_string_equal(cfg.listen_url, "tcp://127.0.0.1:7001");
	assert_true(cfg.map_size == GIB);
	assert_true(cfg.map_size_max == 64 * GIB);
	assert_int_equal(cfg.stall_ms, 30000);
	assert_non_null(strstr(cfg.tls_ca, "/pki/ca.crt"));
	assert_true(cfg.tls_ca[0] == '/');
	assert_non_null(strstr(cfg.tls_cert, "/pki/24.crt"));
	assert_non_null(strstr(cfg.tls_key, "/pki/24.key"));
	assert_true(cfg.allow_plain_tcp);
	assert_string_equal(cfg.control_group, "dongbo-read");
	dongbo_config_fini(&cfg);
}

static void relative_dir_is_made_absolute(void **state)
{
	struct dongbo_config cfg;
	char cwd[PATH_MAX], rel[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/tmp"), 0);
	snprintf(rel, sizeof(rel), "./%s/../%s", strrchr(dir, '/') + 1,
		 strrchr(dir, '/') + 1);
	assert_int_equal(dongbo_config_parse(rel, NODE, strlen(NODE), &cfg, err,
					     sizeof(err)),
			 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(cfg.dir, dir);
	assert_string_equal(cfg.units_path, in_dir("u.tsv"));
	dongbo_config_fini(&cfg);
}

static void hosts_split_on_spaces_and_commas(void **state)
{
	struct dongbo_config cfg;

	(void)state;
	parse_ok(NODE "hosts = 24001, 24002,24003  24004\t24005 ,\n", &cfg);
	assert_int_equal(cfg.n_hosts, 5);
	assert_string_equal(cfg.hosts[0], "24001");
	assert_string_equal(cfg.hosts[2], "24003");
	assert_string_equal(cfg.hosts[4], "24005");
	dongbo_config_fini(&cfg);
	parse_ok(NODE "hosts =\n", &cfg);
	assert_int_equal(cfg.n_hosts, 0);
	dongbo_config_fini(&cfg);
}

static void number_bounds_and_log_levels_are_accepted(void **state)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	struct dongbo_config cfg;
	char text[512];
	size_t i;

	(void)state;
	parse_ok(NODE "[store]\nmap_size_mb = 1\nmap_size_max_mb = 1\n"
		      "[sync]\nbatch_max = 1\nheartbeat_ms = 50\n"
		      "timeout_ms = 100\nstall_ms = 1\n",
		 &cfg);
	assert_true(cfg.map_size == UINT64_C(1) << 20);
	assert_true(cfg.map_size_max == UINT64_C(1) << 20);
	assert_int_equal(cfg.batch_max, 1);
	assert_int_equal(cfg.heartbeat_ms, 50);
	assert_int_equal(cfg.timeout_ms, 100);
	assert_int_equal(cfg.stall_ms, 1);
	dongbo_config_fini(&cfg);
	parse_ok(NODE "[store]\nmap_size_mb = 1048576\n"
		      "map_size_max_mb = 1048576\n[sync]\n"
		      "batch_max = 100000\nheartbeat_ms = 3600000\n"
		      "timeout_ms = 3600000\nstall_ms = 86400000\n",
		 &cfg);
	assert_true(cfg.map_size == UINT64_C(1) << 40);
	assert_true(cfg.map_size_max == UINT64_C(1) << 40);
	assert_int_equal(cfg.batch_max, 100000);
	assert_int_equal(cfg.heartbeat_ms, 3600000);
	assert_int_equal(cfg.timeout_ms, 3600000);
	assert_int_equal(cfg.stall_ms, 86400000);
	dongbo_config_fini(&cfg);
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), NODE "log_level = %s\n", levels[i]);
		parse_ok(text, &cfg);
		assert_string_equal(cfg.log_level, levels[i]);
		dongbo_config_fini(&cfg);
	}
}

static void url_schemes_of_nng_are_accepted(void **state)
{
	static const char *const urls[] = { "tcp://127.0.0.1:7000",
					    "tcp://[::1]:7000",
					    "ipc:///run/dongbo/24.sock",
					    "tls+tcp://parent.example:7443" };
	struct dongbo_config cfg;
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), NODE "[parent]\nurl = %s\n"
						  "[listen]\nurl = %s\n"
						  "[tls]\nca = a\ncert = b\n"
						  "key = c\n"
						  "allow_plain_tcp = yes\n",
			 urls[i], urls[i]);
		parse_ok(text, &cfg);
		assert_string_equal(cfg.parent_url, urls[i]);
		assert_string_equal(cfg.listen_url, urls[i]);
		dongbo_config_fini(&cfg);
	}
}

static void load_without_file_is_an_io_error_naming_the_path(void **state)
{
	struct dongbo_config cfg;

	(void)state;
	memset(&cfg, 0xab, sizeof(cfg));
	assert_int_equal(dongbo_config_load(dir, &cfg, err, sizeof(err)),
			 DONGBO_E_IO);
	assert_non_null(strstr(err, in_dir("dongbo.conf")));
	assert_null(cfg.dir);
	assert_int_equal(dongbo_config_load("/nonexistent/node", &cfg, err,
					    sizeof(err)),
			 DONGBO_E_IO);
	assert_non_null(strstr(err, "/nonexistent/node"));
}

static void fini_is_safe_on_zeroed_and_finished_configs(void **state)
{
	struct dongbo_config cfg = { 0 };

	(void)state;
	dongbo_config_fini(&cfg);
	parse_ok(NODE "hosts = 1 2\n", &cfg);
	dongbo_config_fini(&cfg);
	assert_null(cfg.hosts);
	assert_int_equal(cfg.n_hosts, 0);
	dongbo_config_fini(&cfg);
}

static void control_group_names_are_checked_not_resolved(void **state)
{
	static const char *const good[] = { "nogroup", "dongbo-read",
					    "_dongbo", "grp.1", "G2" };
	struct dongbo_config cfg;
	char text[512];
	size_t i;

	(void)state;
	/* Whether the system has the group is dongbod's question. */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), NODE "[control]\ngroup = %s\n",
			 good[i]);
		parse_ok(text, &cfg);
		assert_string_equal(cfg.control_group, good[i]);
		dongbo_config_fini(&cfg);
	}
	assert_refused(NODE "[control]\ngroup = a b\n",
		       "6: group must be a group name");
	assert_refused(NODE "[control]\ngroup = -x\n", "not '-x'");
	assert_refused(NODE "[control]\ngroup = g:x\n", "not 'g:x'");
	assert_refused(NODE "[control]\ngroup =\n", "not ''");
	assert_refused(NODE "[control]\ngroup = "
			    "a23456789012345678901234567890123\n",
		       "(1 to 32 of");
	assert_refused(NODE "[control]\ngroup = g\ngroup = h\n",
		       "7: key given twice 'group'");
	assert_refused(NODE "[control]\nuser = g\n",
		       "6: unknown key in [control] 'user'");
}

/* ---- refusals ------------------------------------------------------------- */

static void unknown_section_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(NODE "[paren]\nurl = tcp://a:1\n",
		       "5: unknown section '[paren]'");
	/* Even with no keys: a misspelt section is never what was meant. */
	assert_refused(NODE "\n[nodes]\n", "6: unknown section '[nodes]'");
}

static void unknown_key_is_refused_with_line_and_key(void **state)
{
	(void)state;
	assert_refused(NODE "colour = red\n", "5: unknown key in [node] 'colour'");
	assert_refused(NODE "[parent]\nadress = tcp://a:1\n",
		       "6: unknown key in [parent] 'adress'");
	assert_refused(NODE "[sync]\nmap_size_mb = 10\n",
		       "6: unknown key in [sync] 'map_size_mb'");
}

static void required_node_keys_are_refused_at_section_line(void **state)
{
	(void)state;
	assert_refused("; c\n[node]\nunits = u\ncatalog = c\n",
		       "2: missing key in [node] 'unit'");
	assert_refused("[node]\nunit = 24\ncatalog = c\n",
		       "1: missing key in [node] 'units'");
	assert_refused("[node]\nunit = 24\nunits = u\n",
		       "1: missing key in [node] 'catalog'");
	assert_refused("[store]\nmap_size_mb = 1\n", "2: no '[node]' section");
	assert_refused("", "1: no '[node]' section");
}

static void out_of_range_numbers_are_refused_naming_the_value(void **state)
{
	(void)state;
	assert_refused(NODE "[store]\nmap_size_mb = 0\n",
		       "6: map_size_mb must be a whole number from 1 to "
		       "1048576, not '0'");
	assert_refused(NODE "[store]\nmap_size_mb = 1048577\n",
		       "6: map_size_mb must be a whole number from 1 to "
		       "1048576, not '1048577'");
	assert_refused(NODE "[store]\nmap_size_mb = 1k\n", "not '1k'");
	assert_refused(NODE "[store]\nmap_size_mb = -1\n", "not '-1'");
	assert_refused(NODE "[store]\nmap_size_mb =\n", "not ''");
	assert_refused(NODE "[sync]\nbatch_max = 0\n", "batch_max must be");
	assert_refused(NODE "[sync]\nbatch_max = 100001\n", "not '100001'");
	assert_refused(NODE "[sync]\nheartbeat_ms = 49\n",
		       "6: heartbeat_ms must be a whole number from 50 to "
		       "3600000, not '49'");
	assert_refused(NODE "[sync]\nheartbeat_ms = 3600001\n",
		       "not '3600001'");
	assert_refused(NODE "[sync]\ntimeout_ms = 99\n",
		       "6: timeout_ms must be a whole number from 100 to "
		       "3600000, not '99'");
	assert_refused(NODE "[sync]\ntimeout_ms = 99999999999999999999\n",
		       "not '99999999999999999999'");
}

/* The map grows from map_size_mb up to map_size_max_mb: by default up to
 * 64 GiB, or the start size when that is larger; a maximum below the
 * start is refused on its own line, in either order of the keys. */
static void map_size_max_defaults_to_64_gib_and_never_below_the_start(void **state)
{
	struct dongbo_config cfg;

	(void)state;
	parse_ok(NODE "[store]\nmap_size_mb = 100000\n", &cfg);
	assert_true(cfg.map_size_max == UINT64_C(100000) << 20);
	dongbo_config_fini(&cfg);
	parse_ok(NODE "[store]\nmap_size_mb = 8\n", &cfg);
	assert_true(cfg.map_size_max == 64 * GIB);
	dongbo_config_fini(&cfg);
	parse_ok(NODE "[store]\nmap_size_max_mb = 2048\nmap_size_mb = 2048\n",
		 &cfg);
	assert_true(cfg.map_size == 2 * GIB);
	assert_true(cfg.map_size_max == 2 * GIB);
	dongbo_config_fini(&cfg);
	/* A small maximum with the default start of 1024 MiB. */
	assert_refused(NODE "[store]\nmap_size_max_mb = 512\n",
		       "6: map_size_max_mb must be at least map_size_mb "
		       "(1024), not '512'");
	assert_refused(NODE "[store]\nmap_size_mb = 4096\n"
			    "map_size_max_mb = 4095\n",
		       "7: map_size_max_mb must be at least map_size_mb "
		       "(4096), not '4095'");
	assert_refused(NODE "[store]\nmap_size_max_mb = 16\n"
			    "map_size_mb = 32\n",
		       "6: map_size_max_mb must be at least map_size_mb "
		       "(32), not '16'");
	assert_refused(NODE "[store]\nmap_size_max_mb = 0\n",
		       "6: map_size_max_mb must be a whole number from 1 to "
		       "1048576, not '0'");
	assert_refused(NODE "[store]\nmap_size_max_mb = 1048577\n",
		       "not '1048577'");
}

static void stall_ms_zero_or_out_of_range_is_refused(void **state)
{
	(void)state;
	assert_refused(NODE "[sync]\nstall_ms = 0\n",
		       "6: stall_ms must be a whole number from 1 to "
		       "86400000, not '0'");
	assert_refused(NODE "[sync]\nstall_ms = 86400001\n",
		       "not '86400001'");
	assert_refused(NODE "[sync]\nstall_ms = 30s\n", "not '30s'");
	assert_refused(NODE "[store]\nstall_ms = 1000\n",
		       "6: unknown key in [store] 'stall_ms'");
}

static void unknown_log_level_is_refused(void **state)
{
	(void)state;
	assert_refused(NODE "log_level = verbose\n",
		       "5: log_level must be error, warn, info or debug, not "
		       "'verbose'");
}

static void sync_modes_are_read_and_unknown_ones_refused(void **state)
{
	static const char *const modes[] = { "full", "nometa", "off" };
	static const enum dongbo_sync_mode want[] = {
		DONGBO_SYNC_FULL, DONGBO_SYNC_NOMETA, DONGBO_SYNC_OFF
	};
	struct dongbo_config cfg;
	char text[512];
	size_t i;

	(void)state;
	parse_ok(NODE, &cfg);
	assert_int_equal(cfg.sync, DONGBO_SYNC_FULL); /* the default */
	dongbo_config_fini(&cfg);
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), NODE "[store]\nsync = %s\n",
			 modes[i]);
		parse_ok(text, &cfg);
		assert_int_equal(cfg.sync, want[i]);
		dongbo_config_fini(&cfg);
	}
	assert_refused(NODE "[store]\nsync = fsync\n",
		       "6: sync must be full, nometa or off, not 'fsync'");
}

static void bad_urls_are_refused(void **state)
{
	(void)state;
	assert_refused(NODE "[parent]\nurl = http://a:1\n",
		       "6: url must be tcp://, ipc:// or tls+tcp:// and an "
		       "address, not 'http://a:1'");
	assert_refused(NODE "[parent]\nurl = 127.0.0.1:7000\n",
		       "not '127.0.0.1:7000'");
	assert_refused(NODE "[listen]\nurl = tcp://\n", "not 'tcp://'");
	assert_refused(NODE "[listen]\nurl = tcp://a b:1\n", "not 'tcp://a b:1'");
	assert_refused(NODE "[listen]\nurl =\n", "not ''");
}

/* Plain TCP only when the file says so; TLS only with its three files. */
static void link_security_is_explicit(void **state)
{
	struct dongbo_config cfg;

	(void)state;
	assert_refused(NODE "[parent]\nurl = tcp://10.0.0.1:7000\n",
		       "6: [parent] url 'tcp://10.0.0.1:7000' is plain TCP: "
		       "its link would be neither authenticated nor "
		       "encrypted; use tls+tcp:// with [tls] ca, cert and "
		       "key, or say so with [tls] allow_plain_tcp = yes");
	assert_refused(NODE "[listen]\nurl = tcp://0.0.0.0:7000\n"
			    "[tls]\nallow_plain_tcp = no\n",
		       "6: [listen] url 'tcp://0.0.0.0:7000' is plain TCP");
	assert_refused(NODE "[listen]\nurl = tls+tcp://0.0.0.0:7000\n",
		       "6: [listen] url 'tls+tcp://0.0.0.0:7000' needs the "
		       "[tls] section: ca, cert and key");
	assert_refused(NODE "[tls]\nca = ca.crt\ncert = 24.crt\n",
		       "5: missing key in [tls] 'key' (ca, cert and key go "
		       "together)");
	assert_refused(NODE "[tls]\nallow_plain_tcp = maybe\n",
		       "6: allow_plain_tcp must be yes or no, not 'maybe'");
	/* Allowed on purpose; ipc:// needs neither. */
	parse_ok(NODE "[parent]\nurl = tcp://10.0.0.1:7000\n"
		      "[listen]\nurl = ipc:///run/24.sock\n"
		      "[tls]\nallow_plain_tcp = yes\n", &cfg);
	assert_true(cfg.allow_plain_tcp);
	assert_null(cfg.tls_ca);
	dongbo_config_fini(&cfg);
	parse_ok(NODE "[parent]\nurl = tls+tcp://10.0.0.1:7000\n"
		      "[tls]\nca = /pki/ca.crt\ncert = 24.crt\n"
		      "key = 24.key\n", &cfg);
	assert_string_equal(cfg.tls_ca, "/pki/ca.crt");
	assert_false(cfg.allow_plain_tcp);
	assert_true(dongbo_url_is_tls(cfg.parent_url));
	assert_false(dongbo_url_is_plain_tcp(cfg.parent_url));
	dongbo_config_fini(&cfg);
}

static void bad_unit_codes_and_hosts_are_refused(void **state)
{
	(void)state;
	assert_refused("[node]\nunit = 24 25\nunits = u\ncatalog = c\n",
		       "2: invalid unit code '24 25'");
	assert_refused("[node]\nunit =\nunits = u\ncatalog = c\n",
		       "2: invalid unit code ''");
	assert_refused(NODE "hosts = 24001 2400.2\n",
		       "5: invalid unit code in hosts '2400.2'");
	assert_refused(NODE "hosts = 24001 1234567890123456\n",
		       "invalid unit code in hosts '1234567890123456'");
	assert_refused(NODE "hosts = 24001, 24002, 24001\n",
		       "5: unit listed twice in hosts '24001'");
}

static void duplicates_and_stray_keys_are_refused(void **state)
{
	(void)state;
	assert_refused(NODE "unit = 25\n", "5: key given twice 'unit'");
	assert_refused(NODE "[sync]\n[node]\n",
		       "6: duplicate section '[node]' (first on line 1)");
	assert_refused("unit = 24\n" NODE, "1: key outside any section 'unit'");
	assert_refused("[node]\nunit = 24\nunits =\ncatalog = c\n",
		       "3: empty path for 'units'");
}

static void malformed_and_overlong_lines_are_refused(void **state)
{
	char text[1024], path[300];

	(void)state;
	assert_refused(NODE "[sync\n", "5: section line without ']' '[sync'");
	assert_refused(NODE "hosts\n", "5: expected 'key = value' or "
				       "'[section]' 'hosts'");
	assert_refused("[node]\n  unit = 24\n  units = u\n",
		       "3: indented line would continue the previous value");
	memset(path, 'p', 200);
	path[200] = '\0';
	snprintf(text, sizeof(text), NODE "[store]\n; %s\n", path);
	assert_refused(text, "6: line longer than 197 bytes");
}

/* ---- writing -------------------------------------------------------------- */

static void write_then_load_round_trips_every_field(void **state)
{
	char *hosts[] = { "24001", "24002", "X_y-3" };
	struct dongbo_config in = {
		.unit = "24",
		.units_path = "units.tsv", /* relative: written absolute */
		.catalog_path = "/srv/dongbo/catalog.ini",
		.hosts = hosts,
		.n_hosts = 3,
		.parent_url = "tls+tcp://10.0.0.1:7000",
		.listen_url = "ipc:///run/dongbo/24.sock",
		.tls_ca = "pki/ca.crt", /* relative: written absolute */
		.tls_cert = "/etc/dongbo/24.crt",
		.tls_key = "/etc/dongbo/24.key",
		.allow_plain_tcp = true,
		.log_level = "debug",
		.map_size = 2 * GIB,
		.map_size_max = 8 * GIB,
		.batch_max = 500,
		.heartbeat_ms = 100,
		.timeout_ms = 5000,
		.stall_ms = 1500,
		.control_group = "dongbo-read",
	};
	struct dongbo_config out;
	size_t i;

	(void)state;
	if (dongbo_config_write(dir, &in, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	/* No temporary file is left behind. */
	assert_int_equal(count_files(), 1);
	if (dongbo_config_load(dir, &out, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(out.dir, dir);
	assert_string_equal(out.unit, "24");
	assert_string_equal(out.units_path, in_dir("units.tsv"));
	assert_string_equal(out.catalog_path, "/srv/dongbo/catalog.ini");
	assert_int_equal(out.n_hosts, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(out.hosts[i], hosts[i]);
	assert_string_equal(out.parent_url, in.parent_url);
	assert_string_equal(out.listen_url, in.listen_url);
	assert_string_equal(out.log_level, "debug");
	assert_true(out.map_size == 2 * GIB);
	assert_true(out.map_size_max == 8 * GIB);
	assert_int_equal(out.batch_max, 500);
	assert_int_equal(out.heartbeat_ms, 100);
	assert_int_equal(out.timeout_ms, 5000);
	assert_int_equal(out.stall_ms, 1500);
	assert_non_null(strstr(out.tls_ca, "/pki/ca.crt"));
	assert_true(out.tls_ca[0] == '/');
	assert_string_equal(out.tls_cert, in.tls_cert);
	assert_string_equal(out.tls_key, in.tls_key);
	assert_true(out.allow_plain_tcp);
	assert_string_equal(out.control_group, "dongbo-read");
	dongbo_config_fini(&out);
}

/* A province hosting its 205 districts and communes: more codes than one
 * line may hold.  The file gets several hosts lines and reads back whole;
 * a code on two lines is still refused. */
static void many_hosts_span_several_lines_and_read_back(void **state)
{
	enum { N = 205 };
	char codes[N][8];
	char *hosts[N];
	struct dongbo_config in = { .unit = "24", .units_path = "/u",
				    .catalog_path = "/c", .hosts = hosts,
				    .n_hosts = N };
	struct dongbo_config out;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(codes[i], sizeof(codes[i]), "%05d", 7201 + 3 * i);
		hosts[i] = codes[i];
	}
	if (dongbo_config_write(dir, &in, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (dongbo_config_load(dir, &out, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(out.n_hosts, N);
	for (int i = 0; i < N; i++)
		assert_string_equal(out.hosts[i], codes[i]);
	dongbo_config_fini(&out);
	assert_refused(NODE "hosts = 24001 24002\nhosts = 24003 24001\n",
		       "6: unit listed twice in hosts '24001'");
}

static void written_file_explains_itself_and_comments_out_missing_urls(void **state)
{
	struct dongbo_config in = { .unit = "24", .units_path = "/d/u.tsv",
				    .catalog_path = "/d/c.ini" };
	struct dongbo_config out;
	char text[8192], want[PATH_MAX + 32];
	size_t n;
	FILE *f;

	(void)state;
	if (dongbo_config_write(dir, &in, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	f = fopen(in_dir("dongbo.conf"), "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	snprintf(want, sizeof(want), "#     dongbod %s\n", dir);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "[parent]\n"));
	assert_non_null(strstr(text, "\n# url = tcp://HOST:PORT\n\n[listen]"));
	assert_non_null(strstr(text, "[listen]\n"));
	assert_non_null(strstr(text, "# hosts = "));
	assert_non_null(strstr(text, "\nmap_size_mb = 1024\n"));
	assert_non_null(strstr(text, "\nmap_size_max_mb = 65536\n"));
	assert_non_null(strstr(text, "\nstall_ms = 30000\n"));
	assert_non_null(strstr(text, "stalled"));
	assert_non_null(strstr(text, "\n[control]\n"));
	assert_non_null(strstr(text, "\n# group = GROUP\n"));

	/* Zero fields were written as the defaults. */
	assert_int_equal(dongbo_config_load(dir, &out, err, sizeof(err)), 0);
	assert_null(out.parent_url);
	assert_null(out.listen_url);
	assert_int_equal(out.n_hosts, 0);
	assert_string_equal(out.log_level, "info");
	assert_true(out.map_size == GIB);
	assert_true(out.map_size_max == 64 * GIB);
	assert_int_equal(out.batch_max, 20000);
	assert_int_equal(out.heartbeat_ms, 2000);
	assert_int_equal(out.timeout_ms, 10000);
	assert_int_equal(out.stall_ms, 30000);
	assert_null(out.control_group);
	dongbo_config_fini(&out);
}

static void write_rounds_map_size_up_to_whole_mib(void **state)
{
	struct dongbo_config in = { .unit = "24", .units_path = "/u",
				    .catalog_path = "/c",
				    .map_size = (UINT64_C(3) << 20) + 1 };
	struct dongbo_config out;

	(void)state;
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)), 0);
	assert_int_equal(dongbo_config_load(dir, &out, err, sizeof(err)), 0);
	assert_true(out.map_size == UINT64_C(4) << 20);
	assert_true(out.map_size_max == 64 * GIB);
	dongbo_config_fini(&out);
}

/* Without a maximum, a start above 64 GiB is written as its own maximum;
 * a maximum below the start would not load, so it is not written. */
static void write_keeps_map_size_max_at_least_the_start(void **state)
{
	struct dongbo_config in = { .unit = "24", .units_path = "/u",
				    .catalog_path = "/c",
				    .map_size = 100 * GIB };
	struct dongbo_config out;

	(void)state;
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)), 0);
	assert_int_equal(dongbo_config_load(dir, &out, err, sizeof(err)), 0);
	assert_true(out.map_size_max == 100 * GIB);
	dongbo_config_fini(&out);
	assert_int_equal(unlink(in_dir("dongbo.conf")), 0);
	in.map_size_max = 10 * GIB;
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_non_null(strstr(err, "map_size_max_mb must be at least "
				    "map_size_mb (102400), not '10240'"));
	assert_int_equal(count_files(), 0);
}

static void write_refuses_to_overwrite_an_existing_file(void **state)
{
	struct dongbo_config in = { .unit = "24", .units_path = "/u",
				    .catalog_path = "/c" };
	char text[64] = "";
	FILE *f;

	(void)state;
	f = fopen(in_dir("dongbo.conf"), "w");
	assert_non_null(f);
	fputs("keep me\n", f);
	fclose(f);
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)),
			 DONGBO_E_EXISTS);
	assert_non_null(strstr(err, in_dir("dongbo.conf")));
	f = fopen(in_dir("dongbo.conf"), "r");
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "keep me\n");
	assert_int_equal(count_files(), 1);
}

static void write_refuses_a_config_that_would_not_load(void **state)
{
	struct dongbo_config in = { .unit = "24 25", .units_path = "/u",
				    .catalog_path = "/c" };

	(void)state;
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_non_null(strstr(err, "invalid unit code '24 25'"));
	in.unit = "24";
	in.parent_url = "http://x:1";
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_non_null(strstr(err, "'http://x:1'"));
	/* " ;" would start a comment: the path would come back cut. */
	in.parent_url = NULL;
	in.units_path = "/a ;b";
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_non_null(strstr(err, "'units' would not read back unchanged"));
	in.units_path = NULL;
	assert_int_equal(dongbo_config_write(dir, &in, err, sizeof(err)),
			 DONGBO_E_INVAL);
	assert_non_null(strstr(err, "'units'"));
	assert_int_equal(count_files(), 0);
}

static void write_into_missing_directory_is_an_io_error(void **state)
{
	struct dongbo_config in = { .unit = "24", .units_path = "/u",
				    .catalog_path = "/c" };

	(void)state;
	assert_int_equal(dongbo_config_write(in_dir("missing"), &in, err,
					     sizeof(err)),
			 DONGBO_E_IO);
	assert_non_null(strstr(err, "missing"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)
	const struct CMUnitTest tests[] = {
		T(minimal_config_gets_defaults_and_absolute_paths),
		T(example_from_config_h_parses_with_its_comments),
		T(relative_dir_is_made_absolute),
		T(hosts_split_on_spaces_and_commas),
		T(number_bounds_and_log_levels_are_accepted),
		T(sync_modes_are_read_and_unknown_ones_refused),
		T(url_schemes_of_nng_are_accepted),
		T(load_without_file_is_an_io_error_naming_the_path),
		T(fini_is_safe_on_zeroed_and_finished_configs),
		T(control_group_names_are_checked_not_resolved),
		T(unknown_section_is_refused_with_line),
		T(unknown_key_is_refused_with_line_and_key),
		T(required_node_keys_are_refused_at_section_line),
		T(out_of_range_numbers_are_refused_naming_the_value),
		T(map_size_max_defaults_to_64_gib_and_never_below_the_start),
		T(stall_ms_zero_or_out_of_range_is_refused),
		T(unknown_log_level_is_refused),
		T(bad_urls_are_refused),
		T(link_security_is_explicit),
		T(bad_unit_codes_and_hosts_are_refused),
		T(duplicates_and_stray_keys_are_refused),
		T(malformed_and_overlong_lines_are_refused),
		T(write_then_load_round_trips_every_field),
		T(written_file_explains_itself_and_comments_out_missing_urls),
		T(many_hosts_span_several_lines_and_read_back),
		T(write_rounds_map_size_up_to_whole_mib),
		T(write_keeps_map_size_max_at_least_the_start),
		T(write_refuses_to_overwrite_an_existing_file),
		T(write_refuses_a_config_that_would_not_load),
		T(write_into_missing_directory_is_an_io_error),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
