/*
 * push_batch.h -- the log entries one push carries to the parent.
 *
 * The uplink reads the entries after the acknowledged point into a batch
 * and sends it; it keeps the batch until the parent's reply, which names
 * the entries it refused by key and seq only: the batch completes them.
 *
 * Loop thread only.
 */
#ifndef DONGBO_DAEMON_PUSH_BATCH_H
#define DONGBO_DAEMON_PUSH_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "approval.h"
#include "codec.h"
#include "store.h"
#include "util.h"

/* The arrays grow as the log is read (a batch rarely fills its max, and
 * seldom holds a state at all); the pointer arrays the message wants are
 * made when the read is done, once nothing moves any more.  A zeroed
 * struct is an empty batch. */
struct dongbo_push_batch {
	Dongbo__Record *recs;
	Dongbo__Record **ptrs; /* the message's records */
	size_t n, cap_recs;
	size_t max;		/* of values and states together */
	/* Approval states among the log entries (approval.h). */
	struct dongbo_approval *aps;
	Dongbo__Approval *apw;
	Dongbo__Approval **apptrs; /* the message's approvals */
	size_t n_aps, cap_aps;
	struct dongbo_arena strs; /* the records' strings */
	uint64_t last_seq;	/* of the last entry read; 0 none */
};

/* Reads up to max entries of store's log after after_seq into b (empty
 * before).  0, or a DONGBO_E_* code; b is freed by the caller either way. */
int dongbo_push_batch_read(struct dongbo_push_batch *b,
			   struct dongbo_store *store, uint64_t after_seq,
			   size_t max);

/* Frees what b holds and empties it. */
void dongbo_push_batch_free(struct dongbo_push_batch *b);

/* Completes rec (key and seq given) from b: false when b holds no entry
 * of that seq and key. */
bool dongbo_push_batch_find(const struct dongbo_push_batch *b,
			    struct dongbo_record *rec);

/* Is seq an approval state of b? */
bool dongbo_push_batch_has_approval(const struct dongbo_push_batch *b,
				    uint64_t seq);

#endif
