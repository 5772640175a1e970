/*
 * catch_up.h -- a link's catch-up: much waiting, and how it goes.
 *
 * A session that begins with CATCH_UP_MIN or more records waiting for the
 * parent (a node back from days offline, a district relaying its
 * communes') is a catch-up: its start, its progress (every
 * PROGRESS_LOG_MS, or every tenth of the way when faster) and its end are
 * logged, and `dongbo status` shows how far it got.
 *
 * Loop thread only.
 */
#ifndef DONGBO_DAEMON_CATCH_UP_H
#define DONGBO_DAEMON_CATCH_UP_H

#include <stdint.h>

#include "store.h"

/* A zeroed struct: no catch-up. */
struct dongbo_catch_up {
	uint64_t total; /* waiting when it began, and what came since; 0 none */
	uint64_t base;	/* the acknowledged point it began from */
	int64_t start_ms;
	int64_t logged_ms;    /* progress last logged */
	uint64_t logged_sent; /* what was sent then */
};

/* A session with parent began (st: the uplink state then). */
void dongbo_catch_up_begin(struct dongbo_catch_up *c, const char *parent,
			   const struct dongbo_uplink_state *st, int64_t now);

/* The parent acknowledged (st: the uplink state after it). */
void dongbo_catch_up_progress(struct dongbo_catch_up *c, const char *parent,
			      const struct dongbo_uplink_state *st,
			      int64_t now);

/* What the catch-up has sent while waiting records wait (0 when none). */
uint64_t dongbo_catch_up_sent(const struct dongbo_catch_up *c,
			      uint64_t waiting);

#endif
