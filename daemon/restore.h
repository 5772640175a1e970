/*
 * restore.h -- a restore, the child's side: the values of the units this
 * node hosts, fetched back from the parent page by page.
 *
 * The uplink sends a request for the page at pos, and stores the page
 * that comes back; the store keeps the progress with each page, so a
 * restore killed half-way resumes where it was (dongbo_restore_load).
 * The progress is "" from the start, "UNIT" from the start of a hosted
 * unit, "UNIT\tINDICATOR\tPERIOD\tv|s" after that key.
 *
 * Loop thread only.
 */
#ifndef DONGBO_DAEMON_RESTORE_H
#define DONGBO_DAEMON_RESTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "codec.h"
#include "node.h"

/* Where the next page starts. */
struct dongbo_restore_pos {
	size_t host;	/* node->hosts[host] is being fetched */
	bool has_after; /* else from its first key */
	char after[3][DONGBO_INDICATOR_CODE_MAX + 1]; /* indicator, period,
							 "v" or "s" */
};

/* pos from the progress the store keeps.  An unknown unit starts over:
 * fetching twice is harmless. */
void dongbo_restore_load(struct dongbo_restore_pos *pos,
			 const struct dongbo_node *node, const char *progress);

/* Fills q (initialised) with the request for the page at pos; q points
 * into pos and node. */
void dongbo_restore_request(struct dongbo_restore_pos *pos,
			    const struct dongbo_node *node,
			    Dongbo__RestoreRequest *q);

/* Checks page rr from parent and stores it, with the progress after it,
 * and moves pos there.  0 with *n the values stored and *done when it was
 * the last page of the last unit; else a DONGBO_E_* code with *what
 * saying what failed, nothing stored. */
int dongbo_restore_page(struct dongbo_restore_pos *pos,
			struct dongbo_node *node, const char *parent,
			const Dongbo__RestoreReply *rr, size_t *n, bool *done,
			const char **what);

#endif
