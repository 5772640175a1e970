/*
 * config.c -- a node's dongbo.conf: read with inih, written by hand.
 *
 * Reading: inih splits "key = value" lines; the reader and handler below
 * accept only the sections and keys of config.h and refuse anything else
 * with "FILE:LINE: reason 'value'", so that a typo stops the node instead
 * of being ignored.  Relative paths are made absolute against the node
 * directory, itself made absolute with realpath().
 *
 * Writing: the text is built in memory, parsed back to prove that it loads
 * to the same configuration, then written to a temporary file, synced, and
 * linked into place; link() rather than rename() because it fails when
 * dongbo.conf already exists, so an existing file is never replaced.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dongbo_ini.h"
#include "error.h"
#include "i18n.h"
#include "util.h"
#include "units.h"

/* ---- numbers ------------------------------------------------------------ */



/* ---- reading -------------------------------------------------------------- */

enum section {
	S_NODE,
	S_PARENT,
	S_LISTEN,
	S_STORE,
	S_SYNC,
	S_TLS,
	S_CONTROL,
	N_SECTIONS
};

static const char *const section_names[N_SECTIONS] = {
	[S_NODE] = "node",   [S_PARENT] = "parent", [S_LISTEN] = "listen",
	[S_STORE] = "store", [S_SYNC] = "sync",	    [S_TLS] = "tls",
	[S_CONTROL] = "control",
};

enum key_id {
	K_UNIT,
	K_UNITS,
	K_CATALOG,
	K_HOSTS,
	K_LOG_LEVEL,
	K_PARENT_URL,
	K_LISTEN_URL,
	K_MAP_SIZE_MB,
	K_MAP_SIZE_MAX_MB,
	K_SYNC,
	K_BATCH_MAX,
	K_HEARTBEAT_MS,
	K_TIMEOUT_MS,
	K_STALL_MS,
	K_TLS_CA,
	K_TLS_CERT,
	K_TLS_KEY,
	K_ALLOW_PLAIN_TCP,
	K_CONTROL_GROUP,
	N_KEYS,
};

static const struct {
	enum section section;
	const char *name;
	uint32_t min, max; /* numbers only */
} keys[N_KEYS] = {
	[K_UNIT] = { S_NODE, "unit" },
	[K_UNITS] = { S_NODE, "units" },
	[K_CATALOG] = { S_NODE, "catalog" },
	[K_HOSTS] = { S_NODE, "hosts" },
	[K_LOG_LEVEL] = { S_NODE, "log_level" },
	[K_PARENT_URL] = { S_PARENT, "url" },
	[K_LISTEN_URL] = { S_LISTEN, "url" },
	[K_MAP_SIZE_MB] = { S_STORE, "map_size_mb", 1, 1048576 },
	[K_MAP_SIZE_MAX_MB] = { S_STORE, "map_size_max_mb", 1, 1048576 },
	[K_SYNC] = { S_STORE, "sync" },
	[K_BATCH_MAX] = { S_SYNC, "batch_max", 1, 100000 },
	[K_HEARTBEAT_MS] = { S_SYNC, "heartbeat_ms", 50, 3600000 },
	[K_TIMEOUT_MS] = { S_SYNC, "timeout_ms", 100, 3600000 },
	[K_STALL_MS] = { S_SYNC, "stall_ms", 1, 86400000 },
	[K_TLS_CA] = { S_TLS, "ca" },
	[K_TLS_CERT] = { S_TLS, "cert" },
	[K_TLS_KEY] = { S_TLS, "key" },
	[K_ALLOW_PLAIN_TCP] = { S_TLS, "allow_plain_tcp" },
	[K_CONTROL_GROUP] = { S_CONTROL, "group" },
};

/* Linux (shadow's useradd/groupadd) takes group names of at most 32
 * bytes. */
#define GROUP_NAME_MAX 32

#define MIB (UINT64_C(1) << 20)
#define DEFAULT_MAP_SIZE_MB 1024
/* The map may grow to this by default (never below map_size_mb). */
#define DEFAULT_MAP_SIZE_MAX_MB 65536
/* A catch-up after a long outage moves through ten times fewer, larger
 * transactions than at 1000, and writes fewer pages per record (bench/). */
#define DEFAULT_BATCH_MAX 20000
#define DEFAULT_HEARTBEAT_MS 2000
#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_STALL_MS 30000
#define DEFAULT_LOG_LEVEL "info"

static const char *const log_levels[] = { "error", "warn", "info", "debug",
					  NULL };

/* [store] sync, in the order of enum dongbo_sync_mode. */
static const char *const sync_modes[] = { "full", "nometa", "off", NULL };

/* Checked loosely: nng parses the rest when it dials or listens. */
static const char *const url_schemes[] = { "tcp://", "ipc://", "tls+tcp://",
					   NULL };

struct reader {
	struct dongbo_ini_src src; /* first: the callbacks get &reader.src */
	int in; /* enum section, or -1 before any section */
	int section_line[N_SECTIONS];
	bool given[N_KEYS];
	int key_line[N_KEYS]; /* where each key was given */
	struct dongbo_config cfg;
};

static bool is_unit_code(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > DONGBO_UNIT_CODE_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		      (c >= 'a' && c <= 'z') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A group name as groupadd makes them: letters, digits, '_', '-' and '.',
 * not starting with '-'.  Whether the system has it is the daemon's
 * question (getgrnam), asked when it starts. */
static bool is_group_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > GROUP_NAME_MAX || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return false;
	return true;
}

/* Where s stands in the NULL-terminated list, or -1. */
static int index_of(const char *const *list, const char *s)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

static bool is_url(const char *s)
{
	const char *const *p;
	size_t n;

	for (p = url_schemes; *p != NULL; p++) {
		n = strlen(*p);
		if (strncmp(s, *p, n) == 0)
			break;
	}
	if (*p == NULL || s[n] == '\0')
		return false;
	for (s += n; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

/* dir + "/" + name in new memory; NULL when out of memory. */
static char *path_join(const char *dir, const char *name)
{
	size_t dlen = strlen(dir), nlen = strlen(name);
	bool slash = dlen == 0 || dir[dlen - 1] != '/';
	char *p;

	p = malloc(dlen + slash + nlen + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, dir, dlen);
	if (slash)
		p[dlen] = '/';
	memcpy(p + dlen + slash, name, nlen + 1);
	return p;
}

/* An absolute path for path, relative ones taken from dir. */
static char *path_resolve(const char *dir, const char *path)
{
	return path[0] == '/' ? strdup(path) : path_join(dir, path);
}

static int on_section(struct dongbo_ini_src *src, const char *name, size_t len)
{
	struct reader *r = (struct reader *)src;
	int s;

	for (s = 0; s < N_SECTIONS; s++)
		if (strlen(section_names[s]) == len &&
		    memcmp(section_names[s], name, len) == 0)
			break;
	if (s == N_SECTIONS)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "unknown section '[%.*s]' (expected "
				       "[node], [parent], [listen], [store], "
				       "[sync], [tls] or [control])",
				       (int)len, name);
	if (r->section_line[s] != 0)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "duplicate section '[%s]' (first on "
				       "line %d)",
				       section_names[s], r->section_line[s]);
	r->section_line[s] = src->lineno;
	r->in = s;
	return 0;
}

static int set_string(struct reader *r, char **field, const char *value)
{
	*field = strdup(value);
	if (*field == NULL)
		return dongbo_ini_fail(&r->src, DONGBO_E_NOMEM, r->src.lineno,
				       "out of memory");
	return 0;
}

static int set_path(struct reader *r, char **field, const char *key,
		    const char *value)
{
	if (*value == '\0')
		return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG, r->src.lineno,
				       "empty path for '%s'", key);
	*field = path_resolve(r->cfg.dir, value);
	if (*field == NULL)
		return dongbo_ini_fail(&r->src, DONGBO_E_NOMEM, r->src.lineno,
				       "out of memory");
	return 0;
}

/* "24001 24002", "24001,24002" and "24001, 24002" all name two units. */
static int set_hosts(struct reader *r, const char *value)
{
	struct dongbo_config *c = &r->cfg;
	const char *s = value;
	char **hosts, *code;
	size_t len, i;

	for (;;) {
		s += strspn(s, " \t,");
		if (*s == '\0')
			return 0;
		len = strcspn(s, " \t,");
		if (!is_unit_code(s, len))
			return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG,
					       r->src.lineno,
					       "invalid unit code in hosts "
					       "'%.*s'",
					       (int)len, s);
		for (i = 0; i < c->n_hosts; i++)
			if (strlen(c->hosts[i]) == len &&
			    memcmp(c->hosts[i], s, len) == 0)
				return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG,
						       r->src.lineno,
						       "unit listed twice in "
						       "hosts '%.*s'",
						       (int)len, s);
		hosts = realloc(c->hosts, (c->n_hosts + 1) * sizeof(*hosts));
		if (hosts == NULL)
			return dongbo_ini_fail(&r->src, DONGBO_E_NOMEM,
					       r->src.lineno, "out of memory");
		c->hosts = hosts;
		code = strndup(s, len);
		if (code == NULL)
			return dongbo_ini_fail(&r->src, DONGBO_E_NOMEM,
					       r->src.lineno, "out of memory");
		c->hosts[c->n_hosts++] = code;
		s += len;
	}
}

static int set_number(struct reader *r, enum key_id k, const char *value,
		      uint32_t *out)
{
	uint64_t v;

	if (!dongbo_parse_u64(value, keys[k].max, &v) || v < keys[k].min)
		return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG, r->src.lineno,
				       "%s must be a whole number from %u to "
				       "%u, not '%s'",
				       keys[k].name, (unsigned)keys[k].min,
				       (unsigned)keys[k].max, value);
	*out = (uint32_t)v;
	return 0;
}

static int set_key(struct reader *r, enum key_id k, const char *value)
{
	struct dongbo_config *c = &r->cfg;
	struct dongbo_ini_src *src = &r->src;
	uint32_t mb;
	int rc, i;

	switch (k) {
	case K_UNIT:
		if (!is_unit_code(value, strlen(value)))
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "invalid unit code '%s' (1 to "
					       "%d of 0-9 A-Z a-z _ -)",
					       value, DONGBO_UNIT_CODE_MAX);
		return set_string(r, &c->unit, value);
	case K_UNITS:
		return set_path(r, &c->units_path, keys[k].name, value);
	case K_CATALOG:
		return set_path(r, &c->catalog_path, keys[k].name, value);
	case K_HOSTS:
		return set_hosts(r, value);
	case K_LOG_LEVEL:
		if (index_of(log_levels, value) < 0)
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "log_level must be error, warn, "
					       "info or debug, not '%s'",
					       value);
		free(c->log_level); /* the default */
		c->log_level = NULL;
		return set_string(r, &c->log_level, value);
	case K_PARENT_URL:
	case K_LISTEN_URL:
		if (!is_url(value))
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "url must be tcp://, ipc:// or "
					       "tls+tcp:// and an address, not "
					       "'%s'",
					       value);
		return set_string(r, k == K_PARENT_URL ? &c->parent_url
						       : &c->listen_url,
				  value);
	case K_MAP_SIZE_MB:
	case K_MAP_SIZE_MAX_MB:
		rc = set_number(r, k, value, &mb);
		if (rc == 0)
			*(k == K_MAP_SIZE_MB ? &c->map_size
					     : &c->map_size_max) = mb * MIB;
		return rc;
	case K_SYNC:
		if ((i = index_of(sync_modes, value)) < 0)
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "sync must be full, nometa or "
					       "off, not '%s'",
					       value);
		c->sync = (enum dongbo_sync_mode)i;
		return 0;
	case K_BATCH_MAX:
		return set_number(r, k, value, &c->batch_max);
	case K_HEARTBEAT_MS:
		return set_number(r, k, value, &c->heartbeat_ms);
	case K_TIMEOUT_MS:
		return set_number(r, k, value, &c->timeout_ms);
	case K_STALL_MS:
		return set_number(r, k, value, &c->stall_ms);
	case K_TLS_CA:
		return set_path(r, &c->tls_ca, keys[k].name, value);
	case K_TLS_CERT:
		return set_path(r, &c->tls_cert, keys[k].name, value);
	case K_TLS_KEY:
		return set_path(r, &c->tls_key, keys[k].name, value);
	case K_ALLOW_PLAIN_TCP:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			c->allow_plain_tcp = true;
		else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
			c->allow_plain_tcp = false;
		else
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "allow_plain_tcp must be yes or "
					       "no, not '%s'",
					       value);
		return 0;
	case K_CONTROL_GROUP:
		if (!is_group_name(value))
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "group must be a group name (1 "
					       "to %d of A-Z a-z 0-9 _ - ., not "
					       "starting with '-'), not '%s'",
					       GROUP_NAME_MAX, value);
		return set_string(r, &c->control_group, value);
	case N_KEYS:
		break;
	}
	return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
			       "unknown key '%s'", keys[k].name);
}

static int on_key(struct dongbo_ini_src *src, const char *key,
		  const char *value)
{
	struct reader *r = (struct reader *)src;
	enum key_id k;

	if (r->in < 0)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "key outside any section '%s'", key);
	for (k = 0; k < N_KEYS; k++)
		if ((int)keys[k].section == r->in &&
		    strcmp(keys[k].name, key) == 0)
			break;
	if (k == N_KEYS)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "unknown key in [%s] '%s'",
				       section_names[r->in], key);
	/* hosts may be repeated: a province hosting its 200 communes needs
	 * more than one line of at most 200 bytes. */
	if (r->given[k] && k != K_HOSTS)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "key given twice '%s'", key);
	r->given[k] = true;
	r->key_line[k] = src->lineno;
	return set_key(r, k, value);
}

static int check_required(struct reader *r)
{
	static const enum key_id required[] = { K_UNIT, K_UNITS, K_CATALOG };
	struct dongbo_ini_src *src = &r->src;
	size_t i;

	if (r->section_line[S_NODE] == 0)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG,
				       src->lineno > 0 ? src->lineno : 1,
				       "no '[node]' section (it needs unit, "
				       "units and catalog)");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!r->given[required[i]])
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       r->section_line[S_NODE],
					       "missing key in [node] '%s'",
					       keys[required[i]].name);
	return 0;
}

/* The map grows from map_size up to map_size_max: a maximum below the
 * start cannot be meant (it would be ignored, or refuse every write), so
 * it is refused where it is given.  Absent, it is the default or the start
 * size, whichever is larger. */
static int check_map_sizes(struct reader *r)
{
	struct dongbo_config *c = &r->cfg;

	if (!r->given[K_MAP_SIZE_MAX_MB]) {
		c->map_size_max = DEFAULT_MAP_SIZE_MAX_MB * MIB;
		if (c->map_size_max < c->map_size)
			c->map_size_max = c->map_size;
		return 0;
	}
	if (c->map_size_max < c->map_size)
		return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG,
				       r->key_line[K_MAP_SIZE_MAX_MB],
				       "map_size_max_mb must be at least "
				       "map_size_mb (%llu), not '%llu': the "
				       "store starts at map_size_mb and grows "
				       "up to map_size_max_mb",
				       (unsigned long long)(c->map_size / MIB),
				       (unsigned long long)(c->map_size_max /
							    MIB));
	return 0;
}

bool dongbo_url_is_tls(const char *url)
{
	return url != NULL && strncmp(url, "tls+tcp://", 10) == 0;
}

bool dongbo_url_is_plain_tcp(const char *url)
{
	return url != NULL && strncmp(url, "tcp://", 6) == 0;
}

/* One url against the [tls] section: a tls+tcp:// url needs ca, cert and
 * key; a plain tcp:// one needs allow_plain_tcp = yes, said on purpose. */
static int check_url_security(struct reader *r, enum key_id k, const char *url)
{
	const struct dongbo_config *c = &r->cfg;
	const char *section = section_names[keys[k].section];

	if (dongbo_url_is_tls(url) && c->tls_ca == NULL)
		return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG, r->key_line[k],
				       "[%s] url '%s' needs the [tls] section: "
				       "ca, cert and key",
				       section, url);
	if (dongbo_url_is_plain_tcp(url) && !c->allow_plain_tcp)
		return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG, r->key_line[k],
				       "[%s] url '%s' is plain TCP: its link "
				       "would be neither authenticated nor "
				       "encrypted; use tls+tcp:// with [tls] "
				       "ca, cert and key, or say so with [tls] "
				       "allow_plain_tcp = yes",
				       section, url);
	return 0;
}

/* [tls] names all three files or none, and every url agrees with it. */
static int check_security(struct reader *r)
{
	static const enum key_id files[] = { K_TLS_CA, K_TLS_CERT, K_TLS_KEY };
	bool any = false;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		any |= r->given[files[i]];
	for (i = 0; any && i < sizeof(files) / sizeof(files[0]); i++)
		if (!r->given[files[i]])
			return dongbo_ini_fail(&r->src, DONGBO_E_CONFIG,
					       r->section_line[S_TLS],
					       "missing key in [tls] '%s' (ca, "
					       "cert and key go together)",
					       keys[files[i]].name);
	rc = check_url_security(r, K_PARENT_URL, r->cfg.parent_url);
	if (rc == 0)
		rc = check_url_security(r, K_LISTEN_URL, r->cfg.listen_url);
	return rc;
}

/* realpath(dir) in new memory: 0, DONGBO_E_IO or DONGBO_E_NOMEM. */
static int absolute_dir(const char *dir, char **out, char *err, size_t errlen)
{
	char *abs;

	abs = realpath(dir, NULL);
	if (abs == NULL) {
		if (errno == ENOMEM)
			return DONGBO_E_NOMEM;
		dongbo_errf(err, errlen, _("node directory '%s': %s"), dir,
			strerror(errno));
		return DONGBO_E_IO;
	}
	*out = abs;
	return 0;
}

/* Reads buf (len bytes) or, when buf is NULL, DIR/dongbo.conf. */
static int read_config(const char *dir, const char *buf, size_t len,
		       struct dongbo_config *cfg, char *err, size_t errlen)
{
	struct reader r = {
		.src = { .on_section = on_section, .on_key = on_key,
			 .err = err, .errlen = errlen },
		.in = -1,
	};
	char *path = NULL;
	int rc;

	if (cfg == NULL || dir == NULL)
		return DONGBO_E_INVAL;
	memset(cfg, 0, sizeof(*cfg));
	rc = absolute_dir(dir, &r.cfg.dir, err, errlen);
	if (rc != 0)
		return rc;
	path = path_join(r.cfg.dir, DONGBO_CONFIG_FILE);
	if (path == NULL) {
		rc = DONGBO_E_NOMEM;
		goto err_after_dir;
	}
	/* fmemopen() only reads buf in "r" mode; the cast is safe. */
	r.src.f = buf ? fmemopen((void *)buf, len, "r") : fopen(path, "r");
	if (r.src.f == NULL) {
		rc = buf ? DONGBO_E_NOMEM : DONGBO_E_IO;
		dongbo_errf(err, errlen, _("cannot open '%s': %s"), path,
			strerror(errno));
		goto err_after_path;
	}
	r.src.name = path;
	r.cfg.map_size = DEFAULT_MAP_SIZE_MB * MIB;
	r.cfg.batch_max = DEFAULT_BATCH_MAX;
	r.cfg.heartbeat_ms = DEFAULT_HEARTBEAT_MS;
	r.cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
	r.cfg.stall_ms = DEFAULT_STALL_MS;
	r.cfg.log_level = strdup(DEFAULT_LOG_LEVEL);
	if (r.cfg.log_level == NULL)
		rc = dongbo_ini_fail(&r.src, DONGBO_E_NOMEM, 0,
				     "out of memory");
	if (rc == 0)
		rc = dongbo_ini_parse(&r.src);
	if (rc == 0)
		rc = check_required(&r);
	if (rc == 0)
		rc = check_map_sizes(&r);
	if (rc == 0)
		rc = check_security(&r);
	fclose(r.src.f);
	if (rc != 0)
		goto err_after_path;
	free(path);
	*cfg = r.cfg;
	return 0;

err_after_path:
	free(path);
err_after_dir:
	dongbo_config_fini(&r.cfg);
	return rc;
}

int dongbo_config_load(const char *dir, struct dongbo_config *cfg, char *err,
		       size_t errlen)
{
	return read_config(dir, NULL, 0, cfg, err, errlen);
}

int dongbo_config_parse(const char *dir, const char *buf, size_t len,
			struct dongbo_config *cfg, char *err, size_t errlen)
{
	if (buf == NULL) {
		if (cfg != NULL)
			memset(cfg, 0, sizeof(*cfg));
		return DONGBO_E_INVAL;
	}
	return read_config(dir, buf, len, cfg, err, errlen);
}

void dongbo_config_fini(struct dongbo_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->dir);
	free(cfg->unit);
	free(cfg->units_path);
	free(cfg->catalog_path);
	for (i = 0; i < cfg->n_hosts; i++)
		free(cfg->hosts[i]);
	free(cfg->hosts);
	free(cfg->parent_url);
	free(cfg->listen_url);
	free(cfg->log_level);
	free(cfg->tls_ca);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->control_group);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- writing -------------------------------------------------------------- */

static char *strdup_or_null(const char *s, bool *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*failed = true;
	return d;
}

static uint64_t round_up_mib(uint64_t bytes)
{
	return (bytes / MIB + (bytes % MIB != 0)) * MIB;
}

/*
 * The configuration the written file must load to: cfg with absolute paths
 * and defaults for zero fields (a caller may fill in only what it knows).
 * The map size is rounded up to whole MiB, the unit of the file.
 */
static int plan(const char *dir, const struct dongbo_config *cfg,
		struct dongbo_config *want, char *err, size_t errlen)
{
	bool failed = false;
	size_t i;

	memset(want, 0, sizeof(*want));
	if (cfg->unit == NULL || cfg->units_path == NULL ||
	    cfg->catalog_path == NULL) {
		dongbo_errf(err, errlen, _("cannot write a config without %s"),
			cfg->unit == NULL	  ? "'unit'"
			: cfg->units_path == NULL ? "'units'"
						  : "'catalog'");
		return DONGBO_E_INVAL;
	}
	want->dir = strdup_or_null(dir, &failed);
	want->unit = strdup_or_null(cfg->unit, &failed);
	want->units_path = path_resolve(dir, cfg->units_path);
	want->catalog_path = path_resolve(dir, cfg->catalog_path);
	failed |= want->units_path == NULL || want->catalog_path == NULL;
	if (cfg->n_hosts > 0) {
		want->hosts = calloc(cfg->n_hosts, sizeof(*want->hosts));
		failed |= want->hosts == NULL;
		for (i = 0; want->hosts != NULL && i < cfg->n_hosts; i++) {
			want->hosts[i] = strdup_or_null(cfg->hosts[i], &failed);
			want->n_hosts++;
		}
	}
	want->parent_url = strdup_or_null(cfg->parent_url, &failed);
	want->listen_url = strdup_or_null(cfg->listen_url, &failed);
	want->log_level = strdup_or_null(
		cfg->log_level ? cfg->log_level : DEFAULT_LOG_LEVEL, &failed);
	want->map_size = cfg->map_size ? round_up_mib(cfg->map_size)
				       : DEFAULT_MAP_SIZE_MB * MIB;
	want->map_size_max = cfg->map_size_max
				     ? round_up_mib(cfg->map_size_max)
				     : DEFAULT_MAP_SIZE_MAX_MB * MIB;
	if (cfg->map_size_max == 0 && want->map_size_max < want->map_size)
		want->map_size_max = want->map_size;
	want->sync = cfg->sync;
	want->batch_max = cfg->batch_max ? cfg->batch_max : DEFAULT_BATCH_MAX;
	want->heartbeat_ms =
		cfg->heartbeat_ms ? cfg->heartbeat_ms : DEFAULT_HEARTBEAT_MS;
	want->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	want->stall_ms = cfg->stall_ms ? cfg->stall_ms : DEFAULT_STALL_MS;
	if (cfg->tls_ca != NULL) {
		want->tls_ca = path_resolve(dir, cfg->tls_ca);
		failed |= want->tls_ca == NULL;
	}
	if (cfg->tls_cert != NULL) {
		want->tls_cert = path_resolve(dir, cfg->tls_cert);
		failed |= want->tls_cert == NULL;
	}
	if (cfg->tls_key != NULL) {
		want->tls_key = path_resolve(dir, cfg->tls_key);
		failed |= want->tls_key == NULL;
	}
	want->allow_plain_tcp = cfg->allow_plain_tcp;
	want->control_group = strdup_or_null(cfg->control_group, &failed);
	if (failed) {
		dongbo_config_fini(want);
		return DONGBO_E_NOMEM;
	}
	return 0;
}

static void render_url(FILE *f, const char *url, const char *example)
{
	if (url != NULL)
		fprintf(f, "url = %s\n", url);
	else
		fprintf(f, "# url = %s\n", example);
}

/* The text of dongbo.conf for c, in new memory: 0 or DONGBO_E_NOMEM. */
static int render(const struct dongbo_config *c, char **out, size_t *outlen)
{
	FILE *f;
	size_t i;

	f = open_memstream(out, outlen);
	if (f == NULL)
		return DONGBO_E_NOMEM;
	fprintf(f,
		"# dongbo node configuration, read by dongbod when it starts.\n"
		"#\n"
		"# Run this node with:\n"
		"#\n"
		"#     dongbod %s\n"
		"#\n"
		"# Comments start with '#' or ';' at the beginning of a line, "
		"or with ' ;'\n"
		"# after a value.  Unknown sections and keys are refused, so "
		"that a typo\n"
		"# stops the node instead of being ignored.  Relative paths "
		"are taken\n"
		"# from the node directory.\n"
		"\n",
		c->dir);

	fprintf(f, "[node]\n"
		   "# Home unit: the unit this node reports for (its code in "
		   "the unit list).\n"
		   "unit = %s\n"
		   "# Unit list (TSV) and indicator catalog (INI).\n"
		   "units = %s\n"
		   "catalog = %s\n"
		   "# Extra units hosted here, by code, separated by spaces or "
		   "commas.\n",
		c->unit, c->units_path, c->catalog_path);
	if (c->n_hosts == 0) {
		fputs("# hosts = CODE CODE\n", f);
	} else {
		size_t col = 0;

		/* Several lines when needed: a line is read whole only up
		 * to 200 bytes. */
		for (i = 0; i < c->n_hosts; i++) {
			if (col == 0 || col + 1 + strlen(c->hosts[i]) > 160) {
				fputs(i ? "\nhosts =" : "hosts =", f);
				col = strlen("hosts =");
			}
			col += (size_t)fprintf(f, " %s", c->hosts[i]);
		}
		fputc('\n', f);
	}
	fprintf(f, "# Log detail: error, warn, info or debug.\n"
		   "log_level = %s\n\n",
		c->log_level);

	fputs("[parent]\n"
	      "# The parent node's listen url, where this node sends its "
	      "figures.\n"
	      "# Without a url this node is the root of the tree.\n",
	      f);
	render_url(f, c->parent_url, "tcp://HOST:PORT");
	fputs("\n[listen]\n"
	      "# Where child nodes connect: tcp://, ipc:// or tls+tcp://.\n"
	      "# Without a url no child can connect.\n",
	      f);
	render_url(f, c->listen_url, "tcp://HOST:PORT");

	fprintf(f, "\n[store]\n"
		   "# Size of the data store's map when it opens, in MiB (1 to "
		   "1048576).\n"
		   "# When it fills, the map doubles, up to map_size_max_mb;\n"
		   "# past that, new writes are refused with \"store is full\"\n"
		   "# (nothing stored is lost): raise map_size_max_mb and "
		   "restart.\n"
		   "map_size_mb = %llu\n"
		   "# The most the map may grow to, in MiB (at least "
		   "map_size_mb).\n"
		   "map_size_max_mb = %llu\n"
		   "# full: every commit reaches the disk (fsync) before it is\n"
		   "# acknowledged.  nometa and off trade that for speed: a\n"
		   "# crash of the machine (not of dongbod) may undo the last\n"
		   "# commits (nometa) or those of the last seconds (off),\n"
		   "# after their senders were told they were stored.\n"
		   "sync = %s\n\n",
		(unsigned long long)(c->map_size / MIB),
		(unsigned long long)(c->map_size_max / MIB),
		sync_modes[c->sync]);
	fprintf(f, "[sync]\n"
		   "# Records per push message (1 to 100000).\n"
		   "batch_max = %lu\n"
		   "# Idle push interval in milliseconds (50 to 3600000).\n"
		   "heartbeat_ms = %lu\n"
		   "# Request deadline in milliseconds (100 to 3600000).\n"
		   "timeout_ms = %lu\n"
		   "# A link with records waiting whose cursor has not moved "
		   "for this\n"
		   "# many milliseconds shows as stalled in `dongbo status` "
		   "(1 to 86400000).\n"
		   "stall_ms = %lu\n",
		(unsigned long)c->batch_max, (unsigned long)c->heartbeat_ms,
		(unsigned long)c->timeout_ms, (unsigned long)c->stall_ms);
	fputs("\n[control]\n"
	      "# Who may use the control socket (DIR/control.sock) through "
	      "which the\n"
	      "# dongbo CLI talks to dongbod.  Without a group only the user "
	      "dongbod runs\n"
	      "# as (and root) may: the socket is mode 0600.  With one, the "
	      "socket is\n"
	      "# 0660 and owned by that group, whose members may read "
	      "(status, get,\n"
	      "# rollup, report, ...) but not change data: put, delete, "
	      "import,\n"
	      "# restore and `rejected --retry` stay the daemon's user's.  "
	      "The node\n"
	      "# directory must then be searchable by the group (chmod "
	      "g+x, or o+x).\n",
	      f);
	if (c->control_group != NULL)
		fprintf(f, "group = %s\n", c->control_group);
	else
		fputs("# group = GROUP\n", f);

	fputs("\n[tls]\n"
	      "# Links between nodes: mutual TLS (tls+tcp:// urls) with the "
	      "federation's\n"
	      "# certificate authority (ca), this node's certificate (cert, "
	      "whose CN is\n"
	      "# the home unit's code) and its private key (key, mode 0600).\n",
	      f);
	if (c->tls_ca != NULL)
		fprintf(f, "ca = %s\ncert = %s\nkey = %s\n", c->tls_ca,
			c->tls_cert, c->tls_key);
	else
		fputs("# ca = pki/ca.crt\n# cert = pki/UNIT.crt\n"
		      "# key = pki/UNIT.key\n", f);
	fputs("# Plain tcp:// links are neither authenticated nor encrypted; "
	      "they are\n"
	      "# refused unless allowed here (and then warned of in the log "
	      "and status).\n",
	      f);
	fprintf(f, "allow_plain_tcp = %s\n", c->allow_plain_tcp ? "yes" : "no");

	if (ferror(f)) {
		fclose(f);
		free(*out);
		*out = NULL;
		return DONGBO_E_NOMEM;
	}
	if (fclose(f) != 0)
		return DONGBO_E_NOMEM;
	return 0;
}

static bool str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* The first key whose value differs between a and b, or NULL. */
static const char *first_difference(const struct dongbo_config *a,
				    const struct dongbo_config *b)
{
	size_t i;

	if (str_differs(a->unit, b->unit))
		return "unit";
	if (str_differs(a->units_path, b->units_path))
		return "units";
	if (str_differs(a->catalog_path, b->catalog_path))
		return "catalog";
	if (a->n_hosts != b->n_hosts)
		return "hosts";
	for (i = 0; i < a->n_hosts; i++)
		if (str_differs(a->hosts[i], b->hosts[i]))
			return "hosts";
	if (str_differs(a->log_level, b->log_level))
		return "log_level";
	if (str_differs(a->parent_url, b->parent_url))
		return "[parent] url";
	if (str_differs(a->listen_url, b->listen_url))
		return "[listen] url";
	if (a->map_size != b->map_size)
		return "map_size_mb";
	if (a->map_size_max != b->map_size_max)
		return "map_size_max_mb";
	if (a->sync != b->sync)
		return "sync";
	if (a->batch_max != b->batch_max)
		return "batch_max";
	if (a->heartbeat_ms != b->heartbeat_ms)
		return "heartbeat_ms";
	if (a->timeout_ms != b->timeout_ms)
		return "timeout_ms";
	if (a->stall_ms != b->stall_ms)
		return "stall_ms";
	if (str_differs(a->tls_ca, b->tls_ca))
		return "[tls] ca";
	if (str_differs(a->tls_cert, b->tls_cert))
		return "[tls] cert";
	if (str_differs(a->tls_key, b->tls_key))
		return "[tls] key";
	if (a->allow_plain_tcp != b->allow_plain_tcp)
		return "[tls] allow_plain_tcp";
	if (str_differs(a->control_group, b->control_group))
		return "[control] group";
	return NULL;
}

/* Parses text back: 0, or DONGBO_E_CONFIG when it would not load as want. */
static int verify(const struct dongbo_config *want, const char *path,
		  const char *text, size_t len, char *err, size_t errlen)
{
	struct dongbo_config got;
	char why[512];
	const char *key;
	int rc;

	rc = dongbo_config_parse(want->dir, text, len, &got, why, sizeof(why));
	if (rc == DONGBO_E_NOMEM)
		return rc;
	if (rc != 0) {
		dongbo_errf(err, errlen, _("refusing to write '%s': it would not load: %s"),
			path, why);
		return DONGBO_E_CONFIG;
	}
	key = first_difference(want, &got);
	if (key != NULL) {
		dongbo_errf(err, errlen,
			_("refusing to write '%s': '%s' would not read back "
			"unchanged"),
			path, key);
		rc = DONGBO_E_CONFIG;
	}
	dongbo_config_fini(&got);
	return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Creates path with text, whole or not at all, never replacing a file. */
static int write_new_file(const char *dir, const char *path, const char *text,
			  size_t len, char *err, size_t errlen)
{
	char *tmp;
	int fd, dfd, rc = 0;

	tmp = path_join(dir, "." DONGBO_CONFIG_FILE ".XXXXXX");
	if (tmp == NULL)
		return DONGBO_E_NOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		dongbo_errf(err, errlen, _("cannot create a file in '%s': %s"), dir,
			strerror(errno));
		rc = DONGBO_E_IO;
		goto err_after_tmp;
	}
	if (fchmod(fd, 0644) != 0 || write_all(fd, text, len) != 0 ||
	    fsync(fd) != 0) {
		dongbo_errf(err, errlen, _("cannot write '%s': %s"), tmp,
			strerror(errno));
		rc = DONGBO_E_IO;
		close(fd);
		goto err_after_fd;
	}
	if (close(fd) != 0) {
		dongbo_errf(err, errlen, _("cannot write '%s': %s"), tmp,
			strerror(errno));
		rc = DONGBO_E_IO;
		goto err_after_fd;
	}
	/* link() fails with EEXIST where rename() would overwrite. */
	if (link(tmp, path) != 0) {
		rc = errno == EEXIST ? DONGBO_E_EXISTS : DONGBO_E_IO;
		dongbo_errf(err, errlen, _("cannot create '%s': %s"), path,
			strerror(errno));
		goto err_after_fd;
	}
	/* The new name is durable only once the directory is synced. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
err_after_fd:
	unlink(tmp);
err_after_tmp:
	free(tmp);
	return rc;
}

int dongbo_config_write(const char *dir, const struct dongbo_config *cfg,
			char *err, size_t errlen)
{
	struct dongbo_config want;
	char *abs, *path, *text = NULL;
	size_t len = 0;
	struct stat st;
	int rc;

	if (dir == NULL || cfg == NULL)
		return DONGBO_E_INVAL;
	rc = absolute_dir(dir, &abs, err, errlen);
	if (rc != 0)
		return rc;
	path = path_join(abs, DONGBO_CONFIG_FILE);
	if (path == NULL) {
		rc = DONGBO_E_NOMEM;
		goto err_after_abs;
	}
	/* Checked again, atomically, by link(); this only fails early. */
	if (lstat(path, &st) == 0) {
		dongbo_errf(err, errlen, _("'%s' already exists; not overwriting it"),
			path);
		rc = DONGBO_E_EXISTS;
		goto err_after_path;
	}
	rc = plan(abs, cfg, &want, err, errlen);
	if (rc != 0)
		goto err_after_path;
	rc = render(&want, &text, &len);
	if (rc != 0)
		goto err_after_want;
	rc = verify(&want, path, text, len, err, errlen);
	if (rc != 0)
		goto err_after_text;
	rc = write_new_file(abs, path, text, len, err, errlen);

err_after_text:
	free(text);
err_after_want:
	dongbo_config_fini(&want);
err_after_path:
	free(path);
err_after_abs:
	free(abs);
	return rc;
}
