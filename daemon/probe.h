/*
 * probe.h -- a node asks its own listener, now and then, whether it still
 * serves new connections, and listens afresh when it does not.
 */
#ifndef DONGBO_DAEMON_PROBE_H
#define DONGBO_DAEMON_PROBE_H

struct dongbo_node;
struct dongbo_probe;

/* Starts probing node->sync_server (which must be listening) on the
 * node's loop.  0, DONGBO_E_NOMEM or DONGBO_E_IO (logged). */
int dongbo_probe_start(struct dongbo_node *node, struct dongbo_probe **out);

/* Stops probing and frees the probe; loop thread, before the sync server
 * closes.  NULL is a no-op. */
void dongbo_probe_stop(struct dongbo_probe *probe);

#endif
