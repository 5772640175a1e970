/*
 * fuzz_node.h -- a real node for the protocol fuzzers (fuzz_sync_request,
 * fuzz_ctl_request).
 *
 * The handlers a peer or the CLI reaches take a whole struct dongbo_node,
 * so the fuzzers start one through dongbo_node_start, exactly as dongbod
 * does: a config naming the shipped unit list and catalog, in a fresh
 * directory under $TMPDIR (default /tmp), a real LMDB store, no parent, no
 * listener (the control socket is the node's own, in that directory).  The loop is never run: the fuzzer calls the handlers directly
 * on its own thread, which is then the only thread touching the node.  At
 * exit the node is stopped and freed and the directory removed.
 *
 * The store keeps what accepted inputs wrote, so a long run explores a
 * store that grows; a finding replays from an empty store, which is how
 * tests/fuzz/crashes/ inputs are meant to be run (one input per process).
 */
#ifndef DONGBO_TESTS_FUZZ_NODE_H
#define DONGBO_TESTS_FUZZ_NODE_H

#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

struct dongbo_node;

/* The process's node, started on first use; aborts when it cannot start
 * (a broken fixture must not read as "no findings"). */
struct dongbo_node *fuzz_node_get(void);

/* Calls handler on a request holding the size bytes of data and frees
 * the request and the reply, as the server does. */
void fuzz_node_call(nng_msg *(*handler)(void *node, nng_msg *req),
		    const uint8_t *data, size_t size);

#endif
