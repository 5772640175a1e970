/*
 * node.c -- starting and stopping one node.
 *
 * Start: configuration -> unit list and catalog file -> store -> the
 * catalog last received from the parent, when newer -> mailbox -> control
 * socket (mode 0600, then opened to `[control] group` when one is given:
 * access.c) -> listener for children -> dialer to the parent -> signal
 * handlers.  Any failure undoes what was done, in reverse order, and names
 * the cause in the log.
 *
 * The catalog: the top node runs its file.  Every other node runs the newer
 * of its file and the catalog its parent last sent (kept in the store); a
 * newer one arriving from the parent replaces it live.  A catalog that does
 * not parse is refused with FILE:LINE: reason and the node keeps its own.
 *
 * Stop (SIGTERM, SIGINT): the servers and the uplink close their nng
 * sockets and abandon requests in flight; the writer drops the children's
 * batches waiting for it and lets the one it is applying commit.  Nothing is half-written: every
 * store call is one transaction that has either committed or not, and a
 * request abandoned here is resent after the restart and applied at most
 * once because cursors and versions make it idempotent.
 */
#include "node.h"
#include "probe.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "codec.h"
#include "error.h"
#include "ident.h"
#include "log.h"
#include "server.h"
#include "tree.h"
#include "uplink.h"

/* Control requests received at once.  A put waiting for the writer holds
 * its context until it is stored: with a few imports waiting, the others
 * still take `status` and `get`. */
#define CTL_CONTEXTS 8
/* A child's push holds its context until the writer has applied it (or,
 * parked, until it has been handed to it): two per child unit (the push
 * and a resend after a timeout), and some to spare for Hello and the
 * node's probe of its own listener. */
#define SYNC_CONTEXTS_SPARE 16
#define SYNC_CONTEXTS_MAX 1024

static size_t sync_contexts(const struct dongbo_node *node)
{
	size_t n = SYNC_CONTEXTS_SPARE;

	for (const struct dongbo_unit *u = node->home->first_child;
	     u != NULL && n < SYNC_CONTEXTS_MAX; u = u->next_sibling)
		n += 2;
	return n < SYNC_CONTEXTS_MAX ? n : SYNC_CONTEXTS_MAX;
}

/* Seconds an orderly stop may take before the process exits anyway. */
#define STOP_GRACE_S 5
#define STOP_GRACE_STR "5"

int64_t dongbo_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t dongbo_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool dongbo_node_hosts(const struct dongbo_node *node,
		       const struct dongbo_unit *u)
{
	for (size_t i = 0; i < node->n_hosts; i++)
		if (node->hosts[i] == u)
			return true;
	return false;
}

struct child_seen *dongbo_node_child_find(const struct dongbo_node *node,
					  const char *unit)
{
	for (size_t i = 0; i < node->n_seen; i++)
		if (strcmp(node->seen[i].unit, unit) == 0)
			return &node->seen[i];
	return NULL;
}

struct child_seen *dongbo_node_child_seen(struct dongbo_node *node,
					  const char *unit)
{
	struct child_seen *s = dongbo_node_child_find(node, unit);

	if (s != NULL)
		return s;
	s = realloc(node->seen, (node->n_seen + 1) * sizeof(*s));
	if (s == NULL)
		return NULL;
	node->seen = s;
	s = &node->seen[node->n_seen++];
	memset(s, 0, sizeof(*s));
	snprintf(s->unit, sizeof(s->unit), "%s", unit);
	return s;
}

static void add_level(struct dongbo_node *node, const char *level)
{
	for (size_t i = 0; i < node->n_levels; i++)
		if (strcmp(node->levels[i], level) == 0)
			return;
	if (node->n_levels < DONGBO_UNITS_DEPTH_MAX)
		node->levels[node->n_levels++] = level;
}

/* Levels met from the root down through home, then down home's first
 * children: the order in which the unit list nests them. */
static void order_levels(struct dongbo_node *node)
{
	const struct dongbo_unit *chain[DONGBO_UNITS_DEPTH_MAX];
	size_t n = 0;

	for (const struct dongbo_unit *u = node->home;
	     u != NULL && n < DONGBO_UNITS_DEPTH_MAX; u = u->parent)
		chain[n++] = u;
	while (n > 0)
		add_level(node, chain[--n]->level);
	for (const struct dongbo_unit *u = node->home->first_child; u != NULL;
	     u = u->first_child)
		add_level(node, u->level);
}

size_t dongbo_node_level_rank(const struct dongbo_node *node,
			      const char *level)
{
	for (size_t i = 0; i < node->n_levels; i++)
		if (strcmp(node->levels[i], level) == 0)
			return i;
	return node->n_levels;
}

/*
 * nng 1.5.2 can block for ever in nng_close: its reaper thread waits, in
 * the protocol's pipe_stop, for an aio task that was prepared but never
 * runs when a pipe is torn down in the middle of a transfer (the hang of
 * nanomsg/nng#1543).  tests/integration hits it on SIGTERM under load, on
 * the uplink's REQ socket and on the children's REP socket alike.  Nothing
 * can be lost by then: every store write is one transaction, committed
 * before its call returned, and the loop thread -- the store's only user --
 * is the one that is stuck.  So a stop still unfinished after STOP_GRACE_S
 * ends the process, saying why (async-signal-safe: write and _exit only).
 */
#define STOP_OVERDUE_TEXT                                                      \
	"stop still blocked in nng_close after " STOP_GRACE_STR " s; exiting " \
	"now (every write is committed)\n"

/* Whether the warning goes to the journal (with its priority, as log.c
 * writes it), decided when the stop begins: getenv is no signal handler's
 * business. */
static volatile sig_atomic_t stop_overdue_to_journal;

static void stop_overdue(int sig)
{
	static const char journal[] = "<4>" STOP_OVERDUE_TEXT;
	static const char terminal[] = "dongbod[warning]: " STOP_OVERDUE_TEXT;
	ssize_t n;

	(void)sig;
	if (stop_overdue_to_journal)
		n = write(STDERR_FILENO, journal, sizeof(journal) - 1);
	else
		n = write(STDERR_FILENO, terminal, sizeof(terminal) - 1);
	(void)n;
	_exit(0);
}

static void signal_cb(uv_signal_t *sig, int signum)
{
	struct dongbo_node *node = sig->data;

	dongbo_log_info("received %s, stopping",
			signum == SIGTERM ? "SIGTERM" : "SIGINT");
	dongbo_node_stop(node);
}

static int load_meta(struct dongbo_node *node)
{
	char err[512];
	int rv;

	rv = dongbo_units_load(node->cfg.units_path, &node->units, err,
			       sizeof(err));
	if (rv != 0) {
		dongbo_log_error("%s", err);
		return rv;
	}
	rv = dongbo_catalog_load(node->cfg.catalog_path, &node->catalog, err,
				 sizeof(err));
	if (rv != 0) {
		dongbo_log_error("%s", err);
		return rv;
	}
	node->home = dongbo_units_find(node->units, node->cfg.unit);
	if (node->home == NULL) {
		dongbo_log_error("unit '%s' is not in the unit list %s",
				 node->cfg.unit, node->cfg.units_path);
		return DONGBO_E_UNKNOWN_UNIT;
	}
	order_levels(node);
	node->hosts = calloc(node->cfg.n_hosts + 1, sizeof(*node->hosts));
	if (node->hosts == NULL)
		return DONGBO_E_NOMEM;
	node->hosts[node->n_hosts++] = node->home;
	for (size_t i = 0; i < node->cfg.n_hosts; i++) {
		const struct dongbo_unit *u =
			dongbo_units_find(node->units, node->cfg.hosts[i]);

		if (u == NULL || !dongbo_unit_is_within(u, node->home)) {
			dongbo_log_error("hosted unit '%s' is %s", node->cfg.hosts[i],
					 u == NULL ? "not in the unit list"
						   : "not below the home unit");
			return DONGBO_E_CONFIG;
		}
		if (!dongbo_node_hosts(node, u))
			node->hosts[node->n_hosts++] = u;
	}
	return 0;
}

static int open_store(struct dongbo_node *node)
{
	char path[4096];
	struct dongbo_store_options so = {
		.path = path,
		.map_size = node->cfg.map_size,
		.units = node->units,
		.home = node->home,
		/* Set once the catalog to run is chosen (follow_catalog),
		 * so that the roll-ups are rebuilt at most once. */
		.catalog = NULL,
		.map_size_max = node->cfg.map_size_max,
		.lazy_meta = node->cfg.sync == DONGBO_SYNC_NOMETA,
		.no_sync = node->cfg.sync == DONGBO_SYNC_OFF,
		/* A node with a parent that starts on an empty store has
		 * lost it (or is new): it fetches its hosted units' values
		 * from the parent before anything else. */
		.restore_if_new = node->cfg.parent_url != NULL,
		/* The top node's log would only grow: nobody acknowledges
		 * it. */
		.no_outbox = node->cfg.parent_url == NULL,
		/* Where this node approves forms: the children of these. */
		.hosts = node->hosts,
		.n_hosts = node->n_hosts,
	};
	int rv;

	snprintf(path, sizeof(path), "%s/%s", node->cfg.dir, DONGBO_STORE_DIR);
	rv = dongbo_store_open(&so, &node->store);
	if (rv != 0) {
		dongbo_log_error("store: open '%s': %s", path,
				 dongbo_strerror(rv));
		return rv;
	}
	dongbo_log_info("store %s at %s%s", dongbo_store_id(node->store), path,
			dongbo_store_is_new(node->store) ? " (new)" : "");
	return 0;
}

const char *dongbo_node_child_health(const struct dongbo_node *node,
				     const struct child_seen *seen,
				     uint64_t applied_seq, int64_t now_ms)
{
	int64_t quiet = 3 * (int64_t)node->cfg.heartbeat_ms +
			(int64_t)node->cfg.timeout_ms;
	int64_t since;

	if (seen == NULL || seen->last_seen_ms == 0)
		return applied_seq > 0 ? "offline" : "never seen";
	if (now_ms - seen->last_seen_ms > quiet)
		return "offline";
	if (seen->head_seq <= applied_seq)
		return "ok";
	since = seen->last_advance_ms != 0 ? seen->last_advance_ms
					   : node->started_ms;
	return now_ms - since > (int64_t)node->cfg.stall_ms ? "stalled"
							   : "lagging";
}

const char *dongbo_node_catalog_source(const struct dongbo_node *node)
{
	return node->catalog_from_parent ? "parent" : "file";
}

/* Makes cat (taken) the catalog the node and its store run, and frees the
 * old one: nothing else refers to it once the store has switched, and the
 * loop is the only thread that reads it. */
static int switch_catalog(struct dongbo_node *node, struct dongbo_catalog *cat,
			  bool from_parent)
{
	int rv = dongbo_store_set_catalog(node->store, cat);

	if (rv != 0) {
		dongbo_catalog_free(cat);
		return rv;
	}
	dongbo_catalog_free(node->catalog);
	node->catalog = cat;
	node->catalog_from_parent = from_parent;
	return 0;
}

/* A node with a parent runs the catalog that parent last sent, when it is
 * newer than its own file's.  A saved text that no longer parses (a newer
 * format than this build knows) is left aside with a warning. */
static int load_parent_catalog(struct dongbo_node *node)
{
	struct dongbo_catalog *cat;
	uint32_t own = dongbo_catalog_version(node->catalog), got;
	char err[512];
	char *text;
	size_t len;
	int rv;

	if (node->cfg.parent_url == NULL)
		return 0; /* the top node's catalog is its file */
	rv = dongbo_store_catalog_load(node->store, &text, &len);
	if (rv == DONGBO_E_NOTFOUND)
		return 0;
	if (rv != 0) {
		dongbo_log_error("store: the catalog received from the parent: "
				 "%s", dongbo_strerror(rv));
		return rv;
	}
	rv = dongbo_catalog_parse("catalog received from the parent", text,
				  len, &cat, err, sizeof(err));
	free(text);
	if (rv != 0) {
		dongbo_log_warn("%s; running catalog v%u from %s", err, own,
				node->cfg.catalog_path);
		return 0;
	}
	got = dongbo_catalog_version(cat);
	if (got <= own) {
		dongbo_log_info("catalog v%u from %s (the parent's last, v%u, "
				"is not newer)", own, node->cfg.catalog_path,
				got);
		dongbo_catalog_free(cat);
		return 0;
	}
	rv = switch_catalog(node, cat, true);
	if (rv != 0) {
		dongbo_log_error("store: switching to catalog v%u: %s", got,
				 dongbo_strerror(rv));
		return rv;
	}
	dongbo_log_info("catalog v%u, received from the parent (%s has v%u)",
			got, node->cfg.catalog_path, own);
	return 0;
}

/* The store follows the catalog chosen at start (a no-op when
 * load_parent_catalog already switched to the parent's). */
static int follow_catalog(struct dongbo_node *node)
{
	int rv = dongbo_store_set_catalog(node->store, node->catalog);

	if (rv != 0)
		dongbo_log_error("store: following catalog v%u: %s",
				 dongbo_catalog_version(node->catalog),
				 dongbo_strerror(rv));
	return rv;
}

int dongbo_node_catalog_offer(struct dongbo_node *node, const char *parent,
			      const void *text, size_t len, uint32_t version)
{
	struct dongbo_catalog *cat;
	uint32_t own = dongbo_catalog_version(node->catalog), got;
	char name[64];
	char err[512];
	int rv;

	snprintf(name, sizeof(name), "catalog of %s", parent);
	rv = dongbo_catalog_parse(name, text, len, &cat, err, sizeof(err));
	if (rv != 0) {
		dongbo_log_error("catalog v%u from parent refused: %s; keeping "
				 "v%u", version, err, own);
		node->catalog_refused = version;
		return rv;
	}
	got = dongbo_catalog_version(cat);
	if (got != version)
		dongbo_log_warn("catalog from parent %s announced as v%u is "
				"v%u", parent, version, got);
	if (got <= own) {
		/* Not newer after all: do not fetch it again. */
		if (version > own)
			node->catalog_refused = version;
		dongbo_catalog_free(cat);
		return 0;
	}
	/* Saved first: should the switch fail, a restart still tries it. */
	rv = dongbo_store_catalog_save(node->store, text, len);
	if (rv == 0)
		rv = switch_catalog(node, cat, true);
	else
		dongbo_catalog_free(cat);
	if (rv != 0) {
		dongbo_log_error("catalog v%u from parent not taken: store: %s; "
				 "keeping v%u", got, dongbo_strerror(rv), own);
		node->catalog_refused = got;
		return rv;
	}
	node->catalog_refused = 0;
	dongbo_log_info("catalog v%u → v%u from parent %s", own, got,
			parent);
	return 0;
}

/* [tls]: the node's certificate and key, checked now; plain TCP links,
 * allowed by the configuration, are warned of. */
static int load_ident(struct dongbo_node *node)
{
	const struct dongbo_config *c = &node->cfg;
	char err[1024];
	int64_t left;
	int rv;

	if (dongbo_url_is_plain_tcp(c->parent_url))
		dongbo_log_warn("the link to the parent %s is plain TCP: "
				"neither authenticated nor encrypted ([tls] "
				"allow_plain_tcp = yes)", c->parent_url);
	if (dongbo_url_is_plain_tcp(c->listen_url))
		dongbo_log_warn("children connect over plain TCP on %s: "
				"neither authenticated nor encrypted; any "
				"peer may claim any child unit ([tls] "
				"allow_plain_tcp = yes)", c->listen_url);
	if (c->tls_ca == NULL)
		return 0;
	rv = dongbo_ident_load(c->tls_ca, c->tls_cert, c->tls_key,
			       node->home->code, &node->ident, err,
			       sizeof(err));
	if (rv != 0) {
		dongbo_log_error("%s", err);
		return rv;
	}
	node->children_tls = dongbo_url_is_tls(c->listen_url);
	left = dongbo_ident_expires_in_s(node->ident);
	if (left < (int64_t)DONGBO_CERT_WARN_DAYS * 86400)
		dongbo_log_warn("certificate %s expires in %lld days: issue "
				"a new one", c->tls_cert,
				(long long)(left / 86400));
	dongbo_log_info("TLS identity: %s", dongbo_ident_summary(node->ident));
	return 0;
}

/* The control socket, mode 0600, then opened to the `[control] group`
 * when there is one: looked up first, so that an unknown group stops the
 * start before the socket exists. */
/* The probe's Ping and the Pong that answers it, packed once: the sync
 * server answers it on nng's thread (server.h). */
static unsigned char ping_bytes[16], pong_bytes[16];

static void pack_ping_pong(struct dongbo_server_options *so)
{
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	Dongbo__SyncReply rep = DONGBO__SYNC_REPLY__INIT;
	Dongbo__Ping ping = DONGBO__PING__INIT;
	Dongbo__Pong pong = DONGBO__PONG__INIT;

	req.body_case = DONGBO__SYNC_REQUEST__BODY_PING;
	req.ping = &ping;
	rep.body_case = DONGBO__SYNC_REPLY__BODY_PONG;
	rep.pong = &pong;
	if (protobuf_c_message_get_packed_size(&req.base) >
		    sizeof(ping_bytes) ||
	    protobuf_c_message_get_packed_size(&rep.base) >
		    sizeof(pong_bytes))
		return; /* cannot be: two empty messages */
	so->ping_len = protobuf_c_message_pack(&req.base, ping_bytes);
	so->pong_len = protobuf_c_message_pack(&rep.base, pong_bytes);
	so->ping = ping_bytes;
	so->pong = pong_bytes;
}

static int open_control(struct dongbo_node *node,
			struct dongbo_server_options *so)
{
	const char *group = node->cfg.control_group;
	const char *path;
	char err[768];
	gid_t gid = 0;
	int rv;

	/* sun_path holds 108 bytes on Linux. */
	if (strlen(node->cfg.dir) + sizeof(DONGBO_CONTROL_SOCKET) + 1 > 107) {
		dongbo_log_error("node directory path too long for a control "
				 "socket: %s", node->cfg.dir);
		return DONGBO_E_CONFIG;
	}
	snprintf(node->ctl_url, sizeof(node->ctl_url), "ipc://%s/%s",
		 node->cfg.dir, DONGBO_CONTROL_SOCKET);
	path = node->ctl_url + strlen("ipc://");
	if (group != NULL &&
	    (rv = dongbo_access_group_find(group, path, &gid, err,
					   sizeof(err))) != 0) {
		dongbo_log_error("%s/%s: %s", node->cfg.dir,
				 DONGBO_CONFIG_FILE, err);
		return rv;
	}
	so->url = node->ctl_url;
	rv = dongbo_server_open(so, &node->ctl_server, err, sizeof(err));
	if (rv != 0) {
		dongbo_log_error("control socket: %s%s", err,
				 rv == DONGBO_E_BUSY
					 ? " (is another dongbod running here?)"
					 : "");
		return rv;
	}
	if (group == NULL)
		return 0;
	rv = dongbo_access_socket_share(path, node->cfg.dir, group, gid, err,
					sizeof(err));
	if (rv != 0) {
		dongbo_log_error("%s/%s: %s", node->cfg.dir,
				 DONGBO_CONFIG_FILE, err);
		dongbo_server_close(node->ctl_server);
		node->ctl_server = NULL;
		return rv;
	}
	dongbo_log_info("control socket %s: group %s may read (mode 0660); "
			"only its owner may change data", path, group);
	return 0;
}

static int open_servers(struct dongbo_node *node)
{
	struct dongbo_server_options so = {
		.n_contexts = CTL_CONTEXTS,
		.ipc_mode = 0600,
		.handler = dongbo_ctl_handle,
		.arg = node,
		.mailbox = &node->mailbox,
	};
	char err[512];
	int rv;

	if ((rv = open_control(node, &so)) != 0)
		return rv;
	if (node->cfg.listen_url == NULL)
		return 0;
	so.url = node->cfg.listen_url;
	so.n_contexts = sync_contexts(node);
	so.handler = dongbo_sync_handle;
	pack_ping_pong(&so);
	if (node->children_tls) {
		rv = dongbo_ident_tls_config(node->ident, true, &so.tls, err,
					     sizeof(err));
		if (rv != 0) {
			dongbo_log_error("listen: %s", err);
			return rv;
		}
	}
	rv = dongbo_server_open(&so, &node->sync_server, err, sizeof(err));
	if (so.tls != NULL)
		nng_tls_config_free(so.tls); /* the listener holds its own */
	if (rv != 0) {
		dongbo_log_error("listen: %s", err);
		return rv;
	}
	dongbo_log_info("listening for children on %s", node->cfg.listen_url);
	rv = dongbo_probe_start(node, &node->probe);
	if (rv != 0)
		return rv;
	return 0;
}

int dongbo_node_start(struct dongbo_node *node, uv_loop_t *loop,
		      const char *dir)
{
	enum dongbo_log_level level;
	char err[1024];
	int rv;

	memset(node, 0, sizeof(*node));
	node->loop = loop;
	node->started_ms = dongbo_now_ms();
	rv = dongbo_config_load(dir, &node->cfg, err, sizeof(err));
	if (rv != 0) {
		dongbo_log_error("%s", err);
		return rv;
	}
	if (dongbo_log_level_parse(node->cfg.log_level, &level) == 0)
		dongbo_log_set_level(level);
	if ((rv = load_meta(node)) != 0 || (rv = load_ident(node)) != 0 ||
	    (rv = open_store(node)) != 0 ||
	    (rv = load_parent_catalog(node)) != 0 ||
	    (rv = follow_catalog(node)) != 0)
		return rv;
	if ((node->tree = dongbo_tree_new()) == NULL) {
		dongbo_log_error("out of memory");
		return DONGBO_E_NOMEM;
	}
	if (dongbo_mailbox_init(&node->mailbox, loop) != 0) {
		dongbo_log_error("cannot create the loop's mailbox");
		return DONGBO_E_IO;
	}
	dongbo_writer_init(&node->writer, loop);
	/* On failure the control socket may be open already. */
	if ((rv = open_servers(node)) != 0)
		goto err_after_servers;
	if (node->cfg.parent_url != NULL) {
		rv = dongbo_uplink_start(node, &node->uplink, err, sizeof(err));
		if (rv != 0) {
			dongbo_log_error("uplink: %s", err);
			goto err_after_servers;
		}
	}
	uv_signal_init(loop, &node->sigterm);
	uv_signal_init(loop, &node->sigint);
	node->sigterm.data = node->sigint.data = node;
	uv_signal_start(&node->sigterm, signal_cb, SIGTERM);
	uv_signal_start(&node->sigint, signal_cb, SIGINT);
	dongbo_log_info("node %s (%s) started, pid %d, parent %s",
			node->home->code, node->home->name, (int)getpid(),
			node->cfg.parent_url ? node->cfg.parent_url : "(none: top node)");
	return 0;

err_after_servers:
	dongbo_probe_stop(node->probe);
	node->probe = NULL;
	dongbo_server_close(node->sync_server);
	dongbo_server_close(node->ctl_server);
	node->sync_server = node->ctl_server = NULL;
	dongbo_mailbox_close(&node->mailbox);
	/* Let the async handle's close callback run. */
	uv_run(loop, UV_RUN_DEFAULT);
	return rv;
}

void dongbo_node_stop(struct dongbo_node *node)
{
	if (node->stopping)
		return;
	node->stopping = true;
	{
		struct sigaction sa = { .sa_handler = stop_overdue };

		stop_overdue_to_journal = dongbo_log_to_journal();
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGALRM, &sa, NULL) == 0)
			alarm(STOP_GRACE_S);
	}
	uv_signal_stop(&node->sigterm);
	uv_signal_stop(&node->sigint);
	uv_close((uv_handle_t *)&node->sigterm, NULL);
	uv_close((uv_handle_t *)&node->sigint, NULL);
	dongbo_uplink_stop(node->uplink);
	node->uplink = NULL;
	dongbo_probe_stop(node->probe);
	node->probe = NULL;
	dongbo_server_close(node->sync_server);
	dongbo_server_close(node->ctl_server);
	node->sync_server = node->ctl_server = NULL;
	/* The batch being applied commits; those waiting are dropped. */
	dongbo_writer_stop(&node->writer);
	dongbo_sync_stop(node);
	dongbo_mailbox_close(&node->mailbox);
}

void dongbo_node_fini(struct dongbo_node *node)
{
	alarm(0); /* the stop finished: no watchdog */
	dongbo_store_close(node->store);
	dongbo_catalog_free(node->catalog);
	dongbo_units_free(node->units);
	dongbo_config_fini(&node->cfg);
	free(node->hosts);
	free(node->seen);
	dongbo_tree_free(node->tree);
	dongbo_ident_free(node->ident);
	memset(node, 0, sizeof(*node));
}
