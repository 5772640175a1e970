/*
 * uplink.h -- a node's replication session with its parent.
 *
 * The child dials the parent (communes sit behind NAT and go offline; nng
 * redials by itself) and drives the conversation:
 *
 *   HELLO --welcome--> [RESTORE --page--> RESTORE ...] -->
 *   PUSH --ack--> PUSH ... --ack, nothing left--> IDLE
 *   IDLE --kick (new log entries) or heartbeat timer--> PUSH
 *   any --error or timeout--> BACKOFF --timer--> HELLO
 *
 * Loop thread only, except that nng callbacks post to the mailbox.
 */
#ifndef DONGBO_DAEMON_UPLINK_H
#define DONGBO_DAEMON_UPLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct dongbo_node;
struct dongbo_uplink;

/* Starts dialing node->cfg.parent_url.  Returns 0 or a DONGBO_E_* code
 * with the reason in err. */
int dongbo_uplink_start(struct dongbo_node *node, struct dongbo_uplink **out,
			char *err, size_t errlen);

/* New log entries exist: send them soon. */
void dongbo_uplink_kick(struct dongbo_uplink *up);

/* Closes the link (abandoning a request in flight: it is resent after a
 * restart, harmlessly) and frees up once its handles are closed.  The
 * loop must run for that. */
void dongbo_uplink_stop(struct dongbo_uplink *up);

/* Starts a restore (`dongbo restore`): the values of the units this node
 * hosts are fetched from the parent again and merged by version.  Returns
 * 0, or DONGBO_E_EXISTS when one is under way already, or a store error. */
int dongbo_uplink_restore(struct dongbo_uplink *up);

struct dongbo_uplink_info {
	bool connected;
	const char *state;	    /* "hello", "push", "idle", "backoff",
				       "restore" */
	const char *parent_unit;    /* "" until welcomed */
	const char *last_error;	    /* "" when none */
	int64_t last_ack_ms;	    /* 0 before the first ack since start */
	/* "ok", "stalled", "offline" (first, when not connected) or
	 * "restoring" (see ParentStatus in proto/dongbo.proto); computed
	 * from the store's waiting count. */
	const char *health;
	int64_t last_advance_ms;    /* the acked cursor last moved; 0 never */
	bool restoring;
	uint64_t restored;	    /* values fetched by this run's restore */
	uint64_t catch_up_total;    /* waiting when the session began */
	uint64_t catch_up_sent;	    /* acknowledged since */
};

/* Fills out; waiting and oldest_ms are the store's count of
 * unacknowledged entries and when the oldest was accepted (0: unknown). */
void dongbo_uplink_info(const struct dongbo_uplink *up, uint64_t waiting,
			int64_t oldest_ms, struct dongbo_uplink_info *out);


#endif
