/*
 * sync.c -- the parent's side of replication: Hello and Push from children.
 *
 * Happy path: Hello {unit, store id} -> the store records the child (a new
 * store identity restarts its cursor at 0) -> Welcome {our unit, our store
 * id, cursor}.  Push {first..last, records} -> each record is checked ->
 * the store applies the good ones and moves the cursor to last in one
 * transaction -> Ack {cursor}, sent only after that commit.  When values
 * changed, our own uplink is kicked so they travel on up.
 *
 * Restore {unit, store id, a hosted unit, after key} -> one page of that
 * unit's values (tombstones included) in key order, and whether more
 * follow: a child that lost its store fetches what it hosts.
 *
 * Refused records are kept (dongbo_store_apply_child, in the batch's
 * transaction) under the child and key, listed by `dongbo rejected`, until
 * the child sends that key again and it is taken.
 *
 * The catalog flows down with these replies: a Welcome to a child whose
 * Hello names an older catalog version carries our catalog's text, and
 * every Ack names our version (a child that sees a newer one says Hello
 * again).  We never take a catalog from a child.
 *
 * Failure modes (each answered with an Error or a Rejection; nothing stored
 * changes unless the whole transaction commits):
 *  - malformed bytes, unknown message, bad store id: Error PROTO.
 *  - a child claiming a unit that is unknown, outside our subtree, or ours:
 *    Error UNKNOWN_UNIT / OUTSIDE_SUBTREE, logged.
 *  - records out of order or outside the batch range: Error PROTO.
 *  - a record with an unknown unit or indicator, a unit outside the child's
 *    subtree, a malformed period, a bad value or version, a value for a
 *    ratio or total (computed, never stored) or a stated total for an
 *    indicator that is not summed: a Rejection with its reason; the rest
 *    of the batch is applied and the cursor moves past it, so one bad
 *    record never blocks the records after it.
 *  - a batch we have already applied (REQ resend, replay): the store
 *    changes nothing and we ack the cursor again.
 *  - a batch beyond our cursor: Error GAP with the cursor to resume from.
 *  - a restore of a unit outside the child's subtree: Error
 *    OUTSIDE_SUBTREE / UNKNOWN_UNIT, logged.
 *  - store full or failing: Error with the code; the child retries later.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "error.h"
#include "fault.h"
#include "ident.h"
#include "log.h"
#include "node.h"
#include "period.h"
#include "store.h"
#include "uplink.h"

/* More records than this in one Push is refused outright. */
#define PUSH_RECORDS_MAX 100000
/* Values in one restore page, at most. */
#define RESTORE_PAGE_MAX 5000

static nng_msg *reply_pack(Dongbo__SyncReply *rep)
{
	nng_msg *msg = NULL;

	if (dongbo_proto_pack(&rep->base, &msg) != 0)
		return NULL;
	return msg;
}

static nng_msg *reply_error(int code, uint64_t applied, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static nng_msg *reply_error(int code, uint64_t applied, const char *fmt, ...)
{
	Dongbo__SyncReply rep = DONGBO__SYNC_REPLY__INIT;
	Dongbo__Error e = DONGBO__ERROR__INIT;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e.code = code;
	e.message = buf;
	e.applied_seq = applied;
	rep.body_case = DONGBO__SYNC_REPLY__BODY_ERROR;
	rep.error = &e;
	return reply_pack(&rep);
}


/* The child unit a peer claims to be, if it may be our child. */
static int check_child(struct dongbo_node *node, const char *code,
		       const char *store_id, const struct dongbo_unit **out,
		       char *err, size_t errlen)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units, code);

	if (u == NULL) {
		snprintf(err, errlen, "unknown unit '%.32s'", code);
		return DONGBO_E_UNKNOWN_UNIT;
	}
	if (u == node->home || !dongbo_unit_is_within(u, node->home)) {
		snprintf(err, errlen, "unit %s is not below %s (%s)", code,
			 node->home->code, node->home->name);
		return DONGBO_E_OUTSIDE_SUBTREE;
	}
	if (dongbo_node_hosts(node, u)) {
		snprintf(err, errlen, "unit %s is hosted by this node itself",
			 code);
		return DONGBO_E_OUTSIDE_SUBTREE;
	}
	if (!dongbo_store_id_is_valid(store_id)) {
		snprintf(err, errlen, "malformed store id '%.40s'", store_id);
		return DONGBO_E_PROTO;
	}
	*out = u;
	return 0;
}

/* Over TLS: the child proves the unit it claims (daemon/ident.h). */
static int check_hello_proof(struct dongbo_node *node, const Dongbo__Hello *h,
			     char *err, size_t errlen)
{
	const char *parts[] = { h->unit, h->store_id, h->nonce };

	if (strlen(h->nonce) != DONGBO_NONCE_HEX) {
		snprintf(err, errlen, "unit '%.32s': hello without a nonce "
			 "(this link requires a proof of identity)", h->unit);
		return DONGBO_E_AUTH;
	}
	return dongbo_ident_verify(node->ident, h->cert.data, h->cert.len,
				   h->unit, DONGBO_HELLO_LABEL, parts, 3,
				   h->proof.data, h->proof.len, err, errlen);
}

/* Over TLS: our certificate and proof in the Welcome, covering the
 * child's nonce; sig is the caller's (DONGBO_PROOF_MAX bytes). */
static int sign_welcome(struct dongbo_node *node, const Dongbo__Hello *h,
			Dongbo__Welcome *w, uint8_t *sig)
{
	char applied[24];
	const char *parts[] = { w->unit, w->store_id, applied, h->unit,
				h->store_id, h->nonce };
	size_t len;
	int rv;

	snprintf(applied, sizeof(applied), "%llu",
		 (unsigned long long)w->applied_seq);
	rv = dongbo_ident_sign(node->ident, DONGBO_WELCOME_LABEL, parts, 6,
			       sig, &len);
	if (rv != 0)
		return rv;
	w->proof.data = sig;
	w->proof.len = len;
	w->cert.data = (uint8_t *)dongbo_ident_cert(node->ident, &len);
	w->cert.len = len;
	return 0;
}

static nng_msg *handle_hello(struct dongbo_node *node, const Dongbo__Hello *h,
			     uint32_t pipe)
{
	Dongbo__SyncReply rep = DONGBO__SYNC_REPLY__INIT;
	Dongbo__Welcome w = DONGBO__WELCOME__INIT;
	const struct dongbo_unit *child;
	struct child_seen *seen;
	uint8_t sig[DONGBO_PROOF_MAX];
	uint64_t applied;
	char err[256];
	int rv;

	if (h->protocol != DONGBO_PROTOCOL_VERSION) {
		dongbo_log_warn("sync: %s speaks protocol %u, we speak %u",
				h->unit, h->protocol, DONGBO_PROTOCOL_VERSION);
		return reply_error(DONGBO_E_VERSION, 0,
				   "protocol %u is not supported (this node "
				   "speaks %u)", h->protocol,
				   DONGBO_PROTOCOL_VERSION);
	}
	rv = check_child(node, h->unit, h->store_id, &child, err, sizeof(err));
	if (rv == 0 && node->children_tls)
		rv = check_hello_proof(node, h, err, sizeof(err));
	if (rv != 0) {
		dongbo_log_warn("sync: hello refused: %s", err);
		return reply_error(rv, 0, "%s", err);
	}
	seen = dongbo_node_child_seen(node, child->code);
	if (seen == NULL)
		return reply_error(DONGBO_E_NOMEM, 0, "out of memory");
	rv = dongbo_store_child_hello(node->store, child->code, h->store_id,
				      dongbo_now_ms(), &applied);
	if (rv != 0) {
		dongbo_log_error("sync: hello from %s: store: %s", child->code,
				 dongbo_strerror(rv));
		return reply_error(rv, 0, "parent store: %s",
				   dongbo_strerror(rv));
	}
	seen->last_seen_ms = dongbo_now_ms();
	/* A cursor gone back means a new store whose log restarted: learn
	 * its head afresh from its pushes. */
	if (applied < seen->applied_seq)
		seen->head_seq = applied;
	seen->applied_seq = applied;
	dongbo_log_info("sync: hello from %s (%s), applied up to %llu",
			child->code, child->name, (unsigned long long)applied);
	w.unit = (char *)node->home->code;
	w.store_id = (char *)dongbo_store_id(node->store);
	w.applied_seq = applied;
	w.catalog_version = dongbo_catalog_version(node->catalog);
	if (h->catalog_version < w.catalog_version) {
		size_t len;
		const char *text = dongbo_catalog_text(node->catalog, &len);

		dongbo_log_info("sync: sending catalog v%u to %s (it runs v%u)",
				w.catalog_version, child->code,
				h->catalog_version);
		w.catalog.data = (uint8_t *)text;
		w.catalog.len = len;
	}
	if (node->children_tls) {
		if (sign_welcome(node, h, &w, sig) != 0)
			return reply_error(DONGBO_E_IO, 0, "parent cannot "
					   "sign its welcome");
		seen->pipe_id = pipe;
	}
	rep.body_case = DONGBO__SYNC_REPLY__BODY_WELCOME;
	rep.welcome = &w;
	return reply_pack(&rep);
}

/* Checks one record from child; 0 or a code with the reason in err. */
static int check_record(struct dongbo_node *node, const struct dongbo_unit *child,
			const Dongbo__Record *r, char *err, size_t errlen)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units, r->unit);
	const struct dongbo_indicator *ind;
	char canon[DONGBO_PERIOD_MAX];

	if (u == NULL) {
		snprintf(err, errlen, "unknown unit '%.32s'", r->unit);
		return DONGBO_E_UNKNOWN_UNIT;
	}
	if (!dongbo_unit_is_within(u, child)) {
		snprintf(err, errlen, "unit %s is outside the subtree of %s",
			 u->code, child->code);
		return DONGBO_E_OUTSIDE_SUBTREE;
	}
	ind = dongbo_catalog_find(node->catalog, r->indicator);
	if (ind == NULL) {
		snprintf(err, errlen, "unknown indicator '%.64s'", r->indicator);
		return DONGBO_E_UNKNOWN_INDICATOR;
	}
	if (dongbo_period_canonical(r->period, canon) != 0 ||
	    strcmp(canon, r->period) != 0) {
		snprintf(err, errlen, "malformed period '%.16s'", r->period);
		return DONGBO_E_BAD_PERIOD;
	}
	if (r->version == 0) {
		snprintf(err, errlen, "version 0 is not a version");
		return DONGBO_E_BAD_VALUE;
	}
	if (!dongbo_indicator_is_stored(ind)) {
		snprintf(err, errlen, "%s is computed (rule %s) and holds no "
			 "values of its own", ind->code,
			 ind->rule == DONGBO_RULE_RATIO ? "ratio" : "total");
		return DONGBO_E_BAD_VALUE;
	}
	if (r->stated && ind->rule != DONGBO_RULE_SUM) {
		snprintf(err, errlen, "a stated total of %s: only indicators "
			 "with rule sum have stated totals", ind->code);
		return DONGBO_E_BAD_VALUE;
	}
	if (!r->deleted &&
	    dongbo_indicator_check_value(ind, r->value, err, errlen) != 0)
		return DONGBO_E_BAD_VALUE;
	return 0;
}

/* A record off the wire (checked by check_record or not), as the store
 * takes it; its strings stay the message's. */
static struct dongbo_record record_of(const Dongbo__Record *r)
{
	return (struct dongbo_record){
		.unit = r->unit,
		.indicator = r->indicator,
		.period = r->period,
		.value = r->deleted ? 0 : r->value,
		.version = r->version,
		.deleted = r->deleted,
		.stated = r->stated,
		.seq = r->seq,
		.origin = r->origin,
	};
}

/* Over TLS, pushes and restores come on the link where the child proved
 * its unit; elsewhere it must say Hello first (after a reconnect, say). */
static bool on_proven_link(struct dongbo_node *node, const char *what,
			   const struct dongbo_unit *child, uint32_t pipe)
{
	const struct child_seen *seen;

	if (!node->children_tls)
		return true;
	seen = dongbo_node_child_find(node, child->code);
	if (seen != NULL && pipe != 0 && seen->pipe_id == pipe)
		return true;
	dongbo_log_warn("sync: %s for unit %s on link %u, where it has not "
			"proved its identity: hello first", what, child->code,
			pipe);
	return false;
}

static nng_msg *handle_push(struct dongbo_node *node, const Dongbo__Push *p,
			    uint32_t pipe)
{
	Dongbo__SyncReply rep = DONGBO__SYNC_REPLY__INIT;
	Dongbo__Ack ack = DONGBO__ACK__INIT;
	const struct dongbo_unit *child;
	struct dongbo_record *recs = NULL;
	Dongbo__Rejection *rej = NULL;
	Dongbo__Rejection **rej_ptrs = NULL;
	struct dongbo_rejection *kept = NULL;
	char (*reasons)[160] = NULL;
	size_t n_ok = 0, n_rej = 0, n_changed = 0;
	uint64_t applied = 0, prev_seq;
	struct child_seen *seen;
	nng_msg *out;
	char err[256];
	int rv;

	rv = check_child(node, p->unit, p->store_id, &child, err, sizeof(err));
	if (rv != 0) {
		dongbo_log_warn("sync: push refused: %s", err);
		return reply_error(rv, 0, "%s", err);
	}
	if (!on_proven_link(node, "push", child, pipe))
		return reply_error(DONGBO_E_NEED_HELLO, 0, "unit %s has not "
				   "proved its identity on this link: hello "
				   "first", child->code);
	if (p->n_records > PUSH_RECORDS_MAX)
		return reply_error(DONGBO_E_TOOBIG, 0,
				   "%zu records in one push (at most %d)",
				   p->n_records, PUSH_RECORDS_MAX);
	if (p->first_seq == 0 || p->last_seq + 1 < p->first_seq ||
	    (p->n_records > 0 && p->last_seq < p->first_seq))
		return reply_error(DONGBO_E_PROTO, 0,
				   "bad batch range %llu..%llu",
				   (unsigned long long)p->first_seq,
				   (unsigned long long)p->last_seq);

	if (p->n_records > 0) {
		recs = calloc(p->n_records, sizeof(*recs));
		rej = calloc(p->n_records, sizeof(*rej));
		rej_ptrs = calloc(p->n_records, sizeof(*rej_ptrs));
		reasons = calloc(p->n_records, sizeof(*reasons));
		kept = calloc(p->n_records, sizeof(*kept));
		if (recs == NULL || rej == NULL || rej_ptrs == NULL ||
		    reasons == NULL || kept == NULL) {
			out = reply_error(DONGBO_E_NOMEM, 0, "out of memory");
			goto done;
		}
	}
	prev_seq = p->first_seq - 1;
	for (size_t i = 0; i < p->n_records; i++) {
		const Dongbo__Record *r = p->records[i];

		if (r->seq <= prev_seq || r->seq > p->last_seq) {
			out = reply_error(DONGBO_E_PROTO, 0,
					  "record seq %llu out of order or "
					  "outside %llu..%llu",
					  (unsigned long long)r->seq,
					  (unsigned long long)p->first_seq,
					  (unsigned long long)p->last_seq);
			goto done;
		}
		prev_seq = r->seq;
		rv = check_record(node, child, r, reasons[n_rej],
				  sizeof(reasons[n_rej]));
		if (rv != 0) {
			Dongbo__Rejection *x = &rej[n_rej];

			dongbo__rejection__init(x);
			x->seq = r->seq;
			x->unit = r->unit;
			x->indicator = r->indicator;
			x->period = r->period;
			x->code = rv;
			x->reason = reasons[n_rej];
			kept[n_rej] = (struct dongbo_rejection){
				.rec = record_of(r),
				.code = rv,
				.reason = x->reason,
			};
			rej_ptrs[n_rej++] = x;
			dongbo_log_warn("sync: refused record %llu from %s: %s",
					(unsigned long long)r->seq, child->code,
					x->reason);
			continue;
		}
		recs[n_ok++] = record_of(r);
	}

	/* Heard from, whatever comes of the batch: a child whose batches
	 * fail here (say our store is full) shows as stalled, not offline. */
	seen = dongbo_node_child_seen(node, child->code);
	if (seen != NULL) {
		seen->last_seen_ms = dongbo_now_ms();
		/* A replayed old push must not move it back. */
		if (p->head_seq > seen->head_seq)
			seen->head_seq = p->head_seq;
	}
	rv = dongbo_store_apply_child(node->store, child->code, p->store_id,
				      p->first_seq, p->last_seq, recs, n_ok,
				      kept, n_rej, dongbo_now_ms(), &applied,
				      &n_changed);
	if (rv == DONGBO_E_NEED_HELLO || rv == DONGBO_E_GAP) {
		out = reply_error(rv, applied, "%s", dongbo_strerror(rv));
		goto done;
	}
	if (rv != 0) {
		dongbo_log_error("sync: batch %llu..%llu from %s: %s",
				 (unsigned long long)p->first_seq,
				 (unsigned long long)p->last_seq, child->code,
				 dongbo_strerror(rv));
		if (rv == DONGBO_E_MAP_FULL)
			out = reply_error(rv, applied, "parent store is full "
					  "(%zu records did not fit; raise "
					  "map_size_max_mb at %s)", n_ok,
					  node->home->code);
		else
			out = reply_error(rv, applied, "parent store: %s",
					  dongbo_strerror(rv));
		goto done;
	}
	if (n_changed > 0)
		dongbo_fault_point("parent.after_commit");
	if (seen != NULL && applied != seen->applied_seq) {
		seen->applied_seq = applied;
		seen->last_advance_ms = seen->last_seen_ms;
	}
	if (n_changed > 0) {
		dongbo_log_debug("sync: %zu changes from %s, applied up to %llu",
				 n_changed, child->code,
				 (unsigned long long)applied);
		dongbo_uplink_kick(node->uplink);
	}
	ack.store_id = (char *)dongbo_store_id(node->store);
	ack.applied_seq = applied;
	ack.catalog_version = dongbo_catalog_version(node->catalog);
	ack.n_rejected = n_rej;
	ack.rejected = rej_ptrs;
	rep.body_case = DONGBO__SYNC_REPLY__BODY_ACK;
	rep.ack = &ack;
	out = reply_pack(&rep);
done:
	free(recs);
	free(rej);
	free(rej_ptrs);
	free(reasons);
	free(kept);
	return out;
}

/* One page of restored values, as it is built. */
struct restore_page {
	Dongbo__Record *recs;
	Dongbo__Record **ptrs;
	char (*keys)[3][DONGBO_INDICATOR_CODE_MAX + 1];
	size_t n, cap;
	const char *unit;
};

static int restore_add(void *arg, const struct dongbo_record *rec)
{
	struct restore_page *pg = arg;
	Dongbo__Record *r;

	if (pg->n == pg->cap)
		return DONGBO_E_INVAL;
	r = &pg->recs[pg->n];
	dongbo__record__init(r);
	/* The store's strings live for the callback only. */
	snprintf(pg->keys[pg->n][0], sizeof(pg->keys[0][0]), "%s",
		 rec->indicator);
	snprintf(pg->keys[pg->n][1], sizeof(pg->keys[0][1]), "%s",
		 rec->period);
	snprintf(pg->keys[pg->n][2], sizeof(pg->keys[0][2]), "%s",
		 rec->origin != NULL ? rec->origin : "");
	r->unit = (char *)pg->unit;
	r->indicator = pg->keys[pg->n][0];
	r->period = pg->keys[pg->n][1];
	r->origin = pg->keys[pg->n][2];
	r->value = rec->value;
	r->version = rec->version;
	r->deleted = rec->deleted;
	r->stated = rec->stated;
	pg->ptrs[pg->n++] = r;
	return 0;
}

/* A child that lost its store asks for the values of a unit it hosts. */
static nng_msg *handle_restore(struct dongbo_node *node,
			       const Dongbo__RestoreRequest *q, uint32_t pipe)
{
	Dongbo__SyncReply rep = DONGBO__SYNC_REPLY__INIT;
	Dongbo__RestoreReply rr = DONGBO__RESTORE_REPLY__INIT;
	const struct dongbo_unit *child, *u;
	struct restore_page pg = { 0 };
	bool more = false;
	nng_msg *out;
	char err[256];
	int rv;

	rv = check_child(node, q->unit, q->store_id, &child, err, sizeof(err));
	if (rv != 0) {
		dongbo_log_warn("sync: restore refused: %s", err);
		return reply_error(rv, 0, "%s", err);
	}
	if (!on_proven_link(node, "restore", child, pipe))
		return reply_error(DONGBO_E_NEED_HELLO, 0, "unit %s has not "
				   "proved its identity on this link: hello "
				   "first", child->code);
	u = dongbo_units_find(node->units, q->restore_unit);
	if (u == NULL || !dongbo_unit_is_within(u, child)) {
		dongbo_log_warn("sync: %s asked to restore unit '%.32s', not "
				"in its subtree", child->code, q->restore_unit);
		return reply_error(u == NULL ? DONGBO_E_UNKNOWN_UNIT
					     : DONGBO_E_OUTSIDE_SUBTREE, 0,
				   "unit '%.32s' is not within %s",
				   q->restore_unit, child->code);
	}
	pg.cap = q->max == 0 || q->max > RESTORE_PAGE_MAX ? RESTORE_PAGE_MAX
							   : q->max;
	pg.unit = u->code;
	pg.recs = calloc(pg.cap, sizeof(*pg.recs));
	pg.ptrs = calloc(pg.cap, sizeof(*pg.ptrs));
	pg.keys = calloc(pg.cap, sizeof(*pg.keys));
	if (pg.recs == NULL || pg.ptrs == NULL || pg.keys == NULL) {
		out = reply_error(DONGBO_E_NOMEM, 0, "out of memory");
		goto done;
	}
	rv = dongbo_store_unit_values(node->store, u->code,
				      q->after_indicator[0] != '\0'
					      ? q->after_indicator : NULL,
				      q->after_period, q->after_stated, pg.cap,
				      restore_add, &pg, &more);
	if (rv != 0) {
		out = reply_error(rv, 0, "restore of %s: %s", u->code,
				  dongbo_strerror(rv));
		goto done;
	}
	dongbo_log_info("sync: %s restores %s: %zu values%s", child->code,
			u->code, pg.n, more ? ", more to come" : "");
	rr.n_records = pg.n;
	rr.records = pg.ptrs;
	rr.more = more;
	rep.body_case = DONGBO__SYNC_REPLY__BODY_RESTORE;
	rep.restore = &rr;
	out = reply_pack(&rep);
done:
	free(pg.recs);
	free(pg.ptrs);
	free(pg.keys);
	return out;
}

nng_msg *dongbo_sync_handle(void *arg, nng_msg *msg)
{
	struct dongbo_node *node = arg;
	Dongbo__SyncRequest *req = NULL;
	/* The link it came on (0 for a message built in process). */
	int id = nng_pipe_id(nng_msg_get_pipe(msg));
	uint32_t pipe = id > 0 ? (uint32_t)id : 0;
	nng_msg *out;
	int rv;

	rv = dongbo_proto_unpack(&dongbo__sync_request__descriptor, msg,
				 (ProtobufCMessage **)&req);
	if (rv != 0) {
		dongbo_log_warn("sync: malformed request (%zu bytes): %s",
				nng_msg_len(msg), dongbo_strerror(rv));
		return reply_error(rv, 0, "malformed request: %s",
				   dongbo_strerror(rv));
	}
	switch (req->body_case) {
	case DONGBO__SYNC_REQUEST__BODY_HELLO:
		out = handle_hello(node, req->hello, pipe);
		break;
	case DONGBO__SYNC_REQUEST__BODY_PUSH:
		out = handle_push(node, req->push, pipe);
		break;
	case DONGBO__SYNC_REQUEST__BODY_RESTORE:
		out = handle_restore(node, req->restore, pipe);
		break;
	default:
		dongbo_log_warn("sync: request with no body");
		out = reply_error(DONGBO_E_PROTO, 0, "request with no body");
		break;
	}
	dongbo_proto_free(&req->base);
	return out;
}
