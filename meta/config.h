/*
 * config.h -- a node's configuration file, DIR/dongbo.conf (INI, via inih).
 *
 *   [node]
 *   unit    = 24                     ; home unit (required)
 *   units   = /path/units.tsv        ; unit list (required)
 *   catalog = /path/catalog.ini      ; indicator catalog (required)
 *   hosts   = 24001 24002            ; extra units hosted here (optional;
 *                                    ; may be repeated: the lines add up)
 *   log_level = info
 *
 *   [parent]
 *   url = tcp://127.0.0.1:7000       ; absent: this node is a root
 *
 *   [listen]
 *   url = tcp://127.0.0.1:7001       ; absent: no children may connect
 *
 *   [store]
 *   map_size_mb = 1024               ; initial map; it doubles as it fills
 *   map_size_max_mb = 65536          ; ... up to this; then writes fail
 *   sync = full                      ; full | nometa | off (see dongbo.conf(5))
 *
 *   [sync]
 *   batch_max    = 20000             ; records per push message, at most
 *   heartbeat_ms = 2000              ; idle push interval
 *   timeout_ms   = 10000             ; request deadline
 *   stall_ms     = 30000             ; records waiting and no progress
 *                                    ; for this long: the link is stalled
 *
 *   [tls]
 *   ca   = pki/ca.crt                ; the federation's certificate authority
 *   cert = pki/24.crt                ; this node's certificate: CN = unit
 *   key  = pki/24.key                ; its private key
 *   allow_plain_tcp = no             ; yes: tcp:// urls are accepted
 *
 * A tls+tcp:// url needs ca, cert and key (all three or none); a plain
 * tcp:// url is refused unless allow_plain_tcp = yes says it is meant.
 * ipc:// urls (same machine, file permissions) need neither.
 *   [control]
 *   group = dongbo-read              ; absent: only the daemon's user may
 *                                    ; use the control socket (mode 0600);
 *                                    ; given: the socket is 0660 and this
 *                                    ; group's members may read (status,
 *                                    ; get, rollup, ...); changing data
 *                                    ; stays the daemon's user's (or
 *                                    ; root's).  The name is checked as a
 *                                    ; group name here; dongbod refuses to
 *                                    ; start when the system lacks it.
 *
 * Relative paths are resolved against DIR.  Unknown sections or keys are
 * refused, with the file, line and key named, so that typos do not pass
 * silently.
 */
#ifndef DONGBO_META_CONFIG_H
#define DONGBO_META_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DONGBO_CONFIG_FILE "dongbo.conf"
/* The daemon's control socket, ipc://DIR/control.sock, for the CLI. */
#define DONGBO_CONTROL_SOCKET "control.sock"
/* The LMDB environment, DIR/store/. */
#define DONGBO_STORE_DIR "store"

/* [store] sync: what a commit waits for (LMDB's MDB_NOMETASYNC and
 * MDB_NOSYNC for the two relaxed modes). */
enum dongbo_sync_mode {
	DONGBO_SYNC_FULL,   /* data and meta page fsynced: durable */
	DONGBO_SYNC_NOMETA, /* data fsynced, meta page with the next one */
	DONGBO_SYNC_OFF,    /* no fsync: the OS writes when it likes */
};

struct dongbo_config {
	char *dir;	    /* absolute node directory */
	char *unit;	    /* home unit code */
	char *units_path;   /* absolute */
	char *catalog_path; /* absolute */
	char **hosts;	    /* extra hosted unit codes */
	size_t n_hosts;
	char *parent_url; /* NULL at a root */
	char *listen_url; /* NULL: no listener */
	char *log_level;  /* "info" by default */
	uint64_t map_size; /* bytes; default 1 GiB */
	uint64_t map_size_max; /* bytes; default max(map_size, 64 GiB) */
	enum dongbo_sync_mode sync; /* default full */
	uint32_t batch_max;    /* default 20000 */
	uint32_t heartbeat_ms; /* default 2000 */
	uint32_t timeout_ms;   /* default 10000 */
	uint32_t stall_ms;     /* default 30000 */
	char *tls_ca;	       /* absolute; NULL: no TLS */
	char *tls_cert;	       /* absolute; set with tls_ca */
	char *tls_key;	       /* absolute; set with tls_ca */
	bool allow_plain_tcp;  /* tcp:// urls accepted */
	char *control_group;   /* [control] group; NULL: socket owner only */
};

/* tls+tcp://... */
bool dongbo_url_is_tls(const char *url);
/* tcp://... (plain: not authenticated, not encrypted) */
bool dongbo_url_is_plain_tcp(const char *url);

/*
 * Reads DIR/dongbo.conf into cfg (caller storage; fields allocated).
 * Returns 0, DONGBO_E_IO (cannot read: message names the path),
 * DONGBO_E_CONFIG (message names file, line, key and value) or
 * DONGBO_E_NOMEM.  On failure cfg is left zeroed.
 */
int dongbo_config_load(const char *dir, struct dongbo_config *cfg, char *err,
		       size_t errlen);

/* Same, from memory; dir is used to resolve relative paths. */
int dongbo_config_parse(const char *dir, const char *buf, size_t len,
			struct dongbo_config *cfg, char *err, size_t errlen);

/*
 * Writes a commented DIR/dongbo.conf for cfg (dir must exist).  Refuses to
 * overwrite an existing file (DONGBO_E_EXISTS).  Returns 0 or DONGBO_E_IO.
 */
int dongbo_config_write(const char *dir, const struct dongbo_config *cfg,
			char *err, size_t errlen);

/* Frees the fields and zeroes cfg.  Safe on a zeroed config. */
void dongbo_config_fini(struct dongbo_config *cfg);

#endif
