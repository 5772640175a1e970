/*
 * push_batch.c -- the log entries one push carries (see push_batch.h).
 */
#include "push_batch.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

static int add_cb(void *arg, const struct dongbo_record *rec)
{
	struct dongbo_push_batch *b = arg;
	Dongbo__Record *r;
	void *p;

	if (b->n + b->n_aps == b->max)
		return DONGBO_E_INVAL;
	b->last_seq = rec->seq;
	if (rec->approval != NULL) {
		/* Copied: the store's entry lives for this call only. */
		if ((p = dongbo_grow(b->aps, &b->cap_aps, b->n_aps,
				     sizeof(*b->aps), 16)) == NULL)
			return DONGBO_E_NOMEM;
		b->aps = p;
		b->aps[b->n_aps++] = *rec->approval;
		return 0;
	}
	if ((p = dongbo_grow(b->recs, &b->cap_recs, b->n, sizeof(*b->recs),
			     256)) == NULL)
		return DONGBO_E_NOMEM;
	b->recs = p;
	r = &b->recs[b->n];
	dongbo__record__init(r);
	r->unit = dongbo_arena_strdup(&b->strs, rec->unit);
	r->indicator = dongbo_arena_strdup(&b->strs, rec->indicator);
	r->period = dongbo_arena_strdup(&b->strs, rec->period);
	r->origin = dongbo_arena_strdup(&b->strs, rec->origin != NULL
							  ? rec->origin
							  : "");
	if (r->unit == NULL || r->indicator == NULL || r->period == NULL ||
	    r->origin == NULL)
		return DONGBO_E_NOMEM;
	r->value = rec->value;
	r->version = rec->version;
	r->deleted = rec->deleted;
	r->stated = rec->stated;
	r->seq = rec->seq;
	b->n++;
	return 0;
}

/* The pointer arrays of a batch read whole; 0 or DONGBO_E_NOMEM. */
static int seal(struct dongbo_push_batch *b)
{
	if (b->n > 0 &&
	    (b->ptrs = calloc(b->n, sizeof(*b->ptrs))) == NULL)
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < b->n; i++)
		b->ptrs[i] = &b->recs[i];
	if (b->n_aps > 0 &&
	    ((b->apw = calloc(b->n_aps, sizeof(*b->apw))) == NULL ||
	     (b->apptrs = calloc(b->n_aps, sizeof(*b->apptrs))) == NULL))
		return DONGBO_E_NOMEM;
	for (size_t i = 0; i < b->n_aps; i++) {
		dongbo_approval_to_wire(&b->aps[i], &b->apw[i]);
		b->apptrs[i] = &b->apw[i];
	}
	return 0;
}

int dongbo_push_batch_read(struct dongbo_push_batch *b,
			   struct dongbo_store *store, uint64_t after_seq,
			   size_t max)
{
	int rv;

	b->max = max;
	rv = dongbo_store_log_read(store, after_seq, max, add_cb, b, NULL);
	return rv != 0 ? rv : seal(b);
}

void dongbo_push_batch_free(struct dongbo_push_batch *b)
{
	dongbo_arena_free(&b->strs);
	free(b->recs);
	free(b->ptrs);
	free(b->aps);
	free(b->apw);
	free(b->apptrs);
	*b = (struct dongbo_push_batch){ 0 };
}

bool dongbo_push_batch_find(const struct dongbo_push_batch *b,
			    struct dongbo_record *rec)
{
	for (size_t i = 0; i < b->n; i++) {
		const Dongbo__Record *r = b->ptrs[i];

		if (r->seq != rec->seq)
			continue;
		if (strcmp(r->unit, rec->unit) != 0 ||
		    strcmp(r->indicator, rec->indicator) != 0 ||
		    strcmp(r->period, rec->period) != 0)
			return false;
		rec->unit = r->unit;
		rec->indicator = r->indicator;
		rec->period = r->period;
		rec->value = r->value;
		rec->version = r->version;
		rec->deleted = r->deleted;
		rec->stated = r->stated;
		return true;
	}
	return false;
}

bool dongbo_push_batch_has_approval(const struct dongbo_push_batch *b,
				    uint64_t seq)
{
	for (size_t i = 0; i < b->n_aps; i++)
		if (b->aps[i].seq == seq)
			return true;
	return false;
}
