/*
 * node.h -- one running dongbod: its loop, store, metadata and links.
 *
 * Internal to daemon/.  Everything here is owned by the loop thread.
 */
#ifndef DONGBO_DAEMON_NODE_H
#define DONGBO_DAEMON_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include <nng/nng.h>
#include <uv.h>

#include "catalog.h"
#include "config.h"
#include "mailbox.h"
#include "writer.h"
#include "store.h"
#include "units.h"

struct dongbo_ident;
struct dongbo_node;
struct dongbo_probe;
struct dongbo_server;
struct dongbo_tree;
struct dongbo_uplink;

/* What a node remembers of a child between batches (not durable: the
 * durable part -- store id, cursor, counts -- lives in the store). */
struct child_seen {
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	int64_t last_seen_ms;
	uint64_t head_seq;	  /* the child's newest seq, as it reported */
	uint64_t applied_seq;	  /* our cursor for it, as of the last batch */
	int64_t last_advance_ms;  /* the cursor last moved; 0 never */
	/* Over TLS: the link (nng pipe id) on which it proved its unit in
	 * a Hello; its pushes and restores must come on that link.  0:
	 * none yet. */
	uint32_t pipe_id;
};

/*
 * The health of a child's link, from what we saw this run and the durable
 * cursor: "never seen" (no batch since start and none ever), "offline"
 * (not heard from within 3 heartbeats + timeout), "ok" (nothing waiting),
 * "lagging" (waiting, cursor moved within stall_ms), "stalled" (waiting,
 * no move for stall_ms).
 */
const char *dongbo_node_child_health(const struct dongbo_node *node,
				     const struct child_seen *seen,
				     uint64_t applied_seq, int64_t now_ms);

struct dongbo_node {
	uv_loop_t *loop;
	struct dongbo_config cfg;
	struct dongbo_units *units;
	/* The catalog the node runs: its own file's, or the newer one last
	 * received from the parent (see dongbo_node_catalog_offer). */
	struct dongbo_catalog *catalog;
	bool catalog_from_parent;
	/* A version from the parent that could not be taken (malformed, or
	 * the store failed): not fetched again until a newer one or a
	 * restart.  0 when none. */
	uint32_t catalog_refused;
	const struct dongbo_unit *home;
	const struct dongbo_unit **hosts; /* home first, then cfg.hosts */
	size_t n_hosts;
	/* Level names in hierarchy order (e.g. tinh, huyen, xa), read off
	 * the unit list so that roll-ups list levels top-down. */
	const char *levels[DONGBO_UNITS_DEPTH_MAX];
	size_t n_levels;
	struct dongbo_store *store;
	/* Applies the children's batches off the loop (writer.h); unused
	 * by a node made in process, without a sync_server. */
	struct dongbo_writer writer;
	/* Pushes that arrived while the writer had enough queued: their
	 * bytes, in order of arrival, until it has room (sync.c). */
	struct sync_parked *parked_head, *parked_tail;
	size_t n_parked;
	struct dongbo_mailbox mailbox;
	struct dongbo_server *sync_server; /* children; NULL without listen */
	struct dongbo_probe *probe; /* of sync_server's listener (probe.h) */
	struct dongbo_server *ctl_server;
	struct dongbo_uplink *uplink; /* NULL at the top node */
	uv_signal_t sigterm;
	uv_signal_t sigint;
	char ctl_url[512];
	int64_t started_ms;
	struct child_seen *seen;
	size_t n_seen;
	/* What the nodes below said of their subtrees (tree.h): memory
	 * only, refilled by their next pushes after a restart. */
	struct dongbo_tree *tree;
	/* [tls]: our certificate and key; NULL without TLS. */
	struct dongbo_ident *ident;
	/* Children connect over tls+tcp:// and must prove their unit. */
	bool children_tls;
	bool stopping;
};

/* A certificate expiring within this many days is warned of. */
#define DONGBO_CERT_WARN_DAYS 30

/* Loads the configuration in dir, opens the store and starts listening and
 * dialing on loop.  Returns 0 or a DONGBO_E_* code (logged). */
int dongbo_node_start(struct dongbo_node *node, uv_loop_t *loop,
		      const char *dir);

/* Begins an orderly stop: closes links and handles; uv_run then returns.
 * Idempotent. */
void dongbo_node_stop(struct dongbo_node *node);

/* Frees what dongbo_node_start allocated, after uv_run has returned. */
void dongbo_node_fini(struct dongbo_node *node);

/* Wall-clock time in milliseconds / microseconds since the epoch. */
int64_t dongbo_now_ms(void);
int64_t dongbo_now_us(void);

/* True when unit u is written at this node. */
bool dongbo_node_hosts(const struct dongbo_node *node,
		       const struct dongbo_unit *u);

/* The in-memory record for child unit code, or NULL when the child was
 * not heard from since the start. */
struct child_seen *dongbo_node_child_find(const struct dongbo_node *node,
					  const char *unit);

/* The in-memory record for child unit code, created on first use; NULL
 * only when out of memory. */
struct child_seen *dongbo_node_child_seen(struct dongbo_node *node,
					  const char *unit);

/* Position of a level name in node->levels; unknown names sort last. */
size_t dongbo_node_level_rank(const struct dongbo_node *node,
			      const char *level);

/* "parent" when the catalog the node runs came from its parent, else
 * "file" (its own catalog file). */
const char *dongbo_node_catalog_source(const struct dongbo_node *node);

/*
 * The parent sent its catalog (len bytes of text; version as announced in
 * its Welcome).  When the text parses and its version is newer than the one
 * the node runs, it is saved in the store (so a restart runs it), the
 * roll-ups follow it and the node switches to it, freeing the old one.  A
 * text that does not parse, or a store failure, is logged and leaves the
 * node on its catalog (node->catalog_refused notes the version).  Loop
 * thread.  Returns 0 (taken, or not newer) or the error.
 */
int dongbo_node_catalog_offer(struct dongbo_node *node, const char *parent,
			      const void *text, size_t len, uint32_t version);

/* sync.c: handles one request from a child (server handler). */
nng_msg *dongbo_sync_handle(void *node, nng_msg *req);

/* sync.c: drops the pushes parked for the writer (at a stop, after the
 * writer stopped): unanswered, their children send them again. */
void dongbo_sync_stop(struct dongbo_node *node);

/* ctl.c: handles one request from the CLI (server handler). */
nng_msg *dongbo_ctl_handle(void *node, nng_msg *req);

#endif
