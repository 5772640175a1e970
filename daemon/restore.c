/*
 * restore.c -- a restore, the child's side (see restore.h).
 */
#include "restore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

void dongbo_restore_load(struct dongbo_restore_pos *pos,
			 const struct dongbo_node *node, const char *progress)
{
	char buf[256];
	char *f[4] = { NULL };
	size_t nf = 0;

	pos->host = 0;
	pos->has_after = false;
	snprintf(buf, sizeof(buf), "%s", progress);
	for (char *p = buf; nf < 4; nf++) {
		f[nf] = p;
		p = strchr(p, '\t');
		if (p == NULL) {
			nf++;
			break;
		}
		*p++ = '\0';
	}
	for (size_t i = 0; i < node->n_hosts; i++) {
		if (strcmp(node->hosts[i]->code, f[0]) != 0)
			continue;
		pos->host = i;
		if (nf == 4) {
			for (int j = 0; j < 3; j++)
				snprintf(pos->after[j], sizeof(pos->after[j]),
					 "%s", f[j + 1]);
			pos->has_after = true;
		}
		return;
	}
}

void dongbo_restore_request(struct dongbo_restore_pos *pos,
			    const struct dongbo_node *node,
			    Dongbo__RestoreRequest *q)
{
	q->unit = (char *)node->home->code;
	q->store_id = (char *)dongbo_store_id(node->store);
	q->restore_unit = (char *)node->hosts[pos->host]->code;
	if (pos->has_after) {
		q->after_indicator = pos->after[0];
		q->after_period = pos->after[1];
		q->after_stated = strcmp(pos->after[2], "s") == 0;
	}
	q->max = node->cfg.batch_max;
}

int dongbo_restore_page(struct dongbo_restore_pos *pos,
			struct dongbo_node *node, const char *parent,
			const Dongbo__RestoreReply *rr, size_t *n, bool *done,
			const char **what)
{
	const struct dongbo_unit *u = node->hosts[pos->host];
	struct dongbo_record *recs = NULL;
	char progress[256];
	const char *next = progress;
	int rv;

	if (rr->more && rr->n_records == 0) {
		*what = "parent sent an empty page with more to come";
		return DONGBO_E_PROTO;
	}
	if (rr->n_records > 0 &&
	    (recs = calloc(rr->n_records, sizeof(*recs))) == NULL) {
		*what = "page";
		return DONGBO_E_NOMEM;
	}
	for (size_t i = 0; i < rr->n_records; i++) {
		const Dongbo__Record *r = rr->records[i];

		if (strcmp(r->unit, u->code) != 0 || r->version == 0 ||
		    (r->deleted && r->value != 0)) {
			free(recs);
			*what = "parent sent a record of another unit or "
				"without a version";
			return DONGBO_E_PROTO;
		}
		recs[i] = (struct dongbo_record){
			.unit = r->unit, .indicator = r->indicator,
			.period = r->period, .value = r->value,
			.version = r->version, .deleted = r->deleted,
			.stated = r->stated, .origin = r->origin,
		};
	}
	if (rr->more) {
		const Dongbo__Record *last = rr->records[rr->n_records - 1];

		snprintf(progress, sizeof(progress), "%s\t%s\t%s\t%s",
			 u->code, last->indicator, last->period,
			 last->stated ? "s" : "v");
	} else if (pos->host + 1 < node->n_hosts) {
		snprintf(progress, sizeof(progress), "%s",
			 node->hosts[pos->host + 1]->code);
	} else {
		next = NULL; /* the last page of the last unit */
	}
	rv = dongbo_store_restore_apply(node->store, recs, rr->n_records,
					parent, next, dongbo_now_ms(), NULL);
	free(recs);
	if (rv != 0) {
		*what = "storing a page";
		return rv;
	}
	*n = rr->n_records;
	*done = next == NULL;
	if (next != NULL)
		dongbo_restore_load(pos, node, next);
	return 0;
}
