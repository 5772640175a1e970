/*
 * sync.c -- the parent's side of replication: Hello and Push from children.
 *
 * Happy path: Hello {unit, store id} -> the store records the child (a new
 * store identity restarts its cursor at 0) -> Welcome {our unit, our store
 * id, cursor}.  Push {first..last, records} -> each record is checked (on
 * the loop) -> the writer (writer.h, a thread of its own) has the store
 * apply the good ones and move the cursor to last in one transaction,
 * shared with the other children's pushes that queued meanwhile (group
 * commit) -> Ack {cursor}, sent only after that commit.  When values
 * changed, our own uplink is kicked so they travel on up.  Hello and
 * Restore are answered on the loop.
 *
 * A push may carry the child's subtree summary (tree.h): after the batch
 * is applied in the child's session, it replaces what that child said of
 * its subtree before, for `dongbo tree`; entries outside its subtree are
 * ignored (logged).  A summary over the caps, or not led by the child
 * itself, refuses the push whole (TOOBIG, PROTO).
 *
 * Restore {unit, store id, a hosted unit, after key} -> one page of that
 * unit's values (tombstones included) in key order, and whether more
 * follow: a child that lost its store fetches what it hosts, in the
 * session its Hello opened.
 *
 * Refused records are kept (dongbo_store_apply_child, in the batch's
 * transaction) under the child and key, listed by `dongbo rejected`, until
 * the child sends that key again and it is taken.
 *
 * Approval states (README "Submission and approval") travel both ways in
 * the same session.  Up: a Push carries the states of the child's log
 * beside its records, each on a seq of its own within the batch's range;
 * they are applied by version in the batch's transaction (a state of a
 * unit outside the child's subtree is refused alone, listed in the Ack).
 * Down: the Push names how far the child has taken the states changed
 * here (a cursor into this store's sequence of state changes, with our
 * store id; another id means from the start), and the Ack carries the
 * next states, of units within the child's subtree, up to
 * DONGBO_APPROVALS_DOWN_MAX, with where to go on from and whether more
 * remain.  Reading them writes nothing, so a resent Push gets them again.
 *
 * The catalog flows down with these replies: a Welcome to a child whose
 * Hello names an older catalog version carries our catalog's text, and
 * every Ack names our version (a child that sees a newer one says Hello
 * again).  We never take a catalog from a child.
 *
 * Two kinds of refusal.  A message that no honest dongbod sends, whatever
 * its catalog, unit list or clock, is refused whole: an Error reply naming
 * what is wrong, a warning in our log, nothing stored, the cursor where it
 * was -- the sender is broken or hostile, and keeping part of its batch
 * would trust the rest.  A record that an honest child can send because
 * its configuration differs from ours (another unit list or catalog, a
 * clock gone wrong) is refused alone: a Rejection with its reason, kept on
 * both sides, and the rest of the batch is applied and the cursor moves
 * past it, so that one such record never blocks the records after it.
 *
 * Failure modes, refused whole (Error, logged, nothing stored):
 *  - malformed bytes, a request with no body, a bad store id: PROTO.
 *  - a protocol version we do not speak: VERSION.
 *  - a peer claiming a unit that is unknown, outside our subtree, ours or
 *    one we host: UNKNOWN_UNIT / OUTSIDE_SUBTREE.  Under plain tcp:// we
 *    cannot tell a child from a host claiming to be it (one that says
 *    Hello as another child, with another store id, restarts that child's
 *    cursor: the child re-sends its state, nothing is lost, and we log a
 *    warning).  Over tls+tcp:// a Hello must carry a certificate from
 *    our authority naming the unit it claims, and a proof made with its
 *    key (daemon/ident.h); otherwise AUTH.  Pushes and restores are then
 *    taken only on the link (nng pipe) where that Hello was made; on any
 *    other: NEED_HELLO.
 *  - a Push or Restore outside a session opened by Hello (unknown child,
 *    or a store id other than the one it introduced): NEED_HELLO.
 *  - more than DONGBO_PUSH_RECORDS_MAX records (or approval states):
 *    TOOBIG.  An approval state that no dongbod writes (a malformed code
 *    or period, an unknown state, version 0, a string too long), out of
 *    order or on a record's seq: PROTO / BAD_PERIOD.  A batch range
 *    that starts at 0 or runs backwards, records out of order or outside
 *    the range: PROTO.
 *  - a batch beyond our cursor: GAP with the cursor to resume from.
 *  - a record no dongbod writes (check_record_form): a unit or indicator
 *    that is not even shaped like a code (empty, over-long, other
 *    characters), a period that is not canonical or lies outside the years
 *    DONGBO_PERIOD_YEAR_MIN..MAX (1990..2100), version 0, a deletion that
 *    carries a value.  The grammar of codes and periods and these rules are
 *    the program's, not the configuration's, and a store never holds such
 *    a record (the store's own codec calls one corrupt), so no honest log
 *    carries one: PROTO, BAD_PERIOD or BAD_VALUE naming the record's seq.
 *  - a restore of a unit outside the child's subtree: OUTSIDE_SUBTREE /
 *    UNKNOWN_UNIT.
 *  - store full or failing: Error with the code; the child retries later.
 *  - a message over DONGBO_MSG_MAX bytes never reaches us: nng drops the
 *    pipe (NNG_OPT_RECVMAXSZ, daemon/server.c) and the peer must dial
 *    again; nng does not say why, so nothing is logged.
 * Refused per record (check_record_skew: a Rejection, kept, logged; the
 * rest of the batch is applied):
 *  - a unit our unit list does not know, or outside the child's subtree
 *    (unit lists of different dates: units are merged and moved);
 *  - an indicator our catalog does not know, or a ratio or total (computed
 *    here, never stored), or a stated total of an indicator whose rule is
 *    not sum (catalogs of different versions);
 *  - a value our catalog finds invalid for the indicator's type (a
 *    negative count, an enum code it lacks);
 *  - a version more than DONGBO_VERSION_AHEAD_MAX_S (24 h) ahead of our
 *    clock.  Versions are the author's wall clock in microseconds (made
 *    to grow, store/store_apply.c), and the higher version wins: a value
 *    from a clock years ahead could never be corrected by a sane clock and
 *    would drag the clock of every node that restores it.  An honest node
 *    whose clock is wrong sends one, so it is refused per record, with how
 *    far ahead it is and the fix (the author's clock): the other records
 *    of the batch, relayed from other units with sane clocks, flow on.
 * Not a refusal: a batch we have already applied (REQ resend, replay)
 * changes nothing, and we ack the cursor again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "codec.h"
#include "error.h"
#include "fault.h"
#include "ident.h"
#include "log.h"
#include "node.h"
#include "period.h"
#include "store.h"
#include "tree.h"
#include "server.h"
#include "uplink.h"
#include "util.h"
#include "writer.h"

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

/* The child a request (what: "hello", "push", "restore") claims to come
 * from: NULL with *out set, or the Error reply to send, the refusal
 * logged. */
static nng_msg *claim_child(struct dongbo_node *node, const char *what,
			    const char *code, const char *store_id,
			    const struct dongbo_unit **out)
{
	char err[256];
	int rv = check_child(node, code, store_id, out, err, sizeof(err));

	if (rv == 0)
		return NULL;
	dongbo_log_warn("sync: %s refused: %s", what, err);
	return reply_error(rv, 0, "%s", err);
}

/* A known child introducing another store identity lost its store -- or,
 * under plain tcp://, is someone else saying it is that child: its cursor
 * restarts at 0 and what we refused from it is forgotten.  Say so. */
static void note_new_identity(struct dongbo_node *node,
			      const struct dongbo_unit *child,
			      const char *store_id)
{
	struct dongbo_child_state was;

	if (dongbo_store_child_get(node->store, child->code, &was) != 0 ||
	    strcmp(was.store_id, store_id) == 0)
		return;
	dongbo_log_warn("sync: %s (%s) says hello with store %s, not %s: its "
			"cursor restarts at 0 (%llu records applied before); "
			"a child that lost its store, or someone claiming to "
			"be it", child->code, child->name, store_id,
			was.store_id, (unsigned long long)was.applied_seq);
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
	nng_msg *out;
	int rv;

	if (h->protocol != DONGBO_PROTOCOL_VERSION) {
		dongbo_log_warn("sync: hello refused: '%.32s' speaks protocol "
				"%u, we speak %u", h->unit, h->protocol,
				DONGBO_PROTOCOL_VERSION);
		return reply_error(DONGBO_E_VERSION, 0,
				   "protocol %u is not supported (this node "
				   "speaks %u)", h->protocol,
				   DONGBO_PROTOCOL_VERSION);
	}
	out = claim_child(node, "hello", h->unit, h->store_id, &child);
	if (out != NULL)
		return out;
	if (node->children_tls) {
		char err[256];

		rv = check_hello_proof(node, h, err, sizeof(err));
		if (rv != 0) {
			dongbo_log_warn("sync: hello refused: %s", err);
			return reply_error(rv, 0, "%s", err);
		}
	}
	note_new_identity(node, child, h->store_id);
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

/* A record no dongbod writes, whatever its configuration (see the
 * header): 0, or a code with the reason in err. */
static int check_record_form(const Dongbo__Record *r, char *err, size_t errlen)
{
	char canon[DONGBO_PERIOD_MAX];

	if (!dongbo_unit_code_is_valid(r->unit)) {
		snprintf(err, errlen, "'%.32s' is not a unit code (1 to %d "
			 "characters of 0-9, A-Z, a-z, '_' and '-')", r->unit,
			 DONGBO_UNIT_CODE_MAX);
		return DONGBO_E_PROTO;
	}
	if (!dongbo_indicator_code_is_valid(r->indicator)) {
		snprintf(err, errlen, "'%.64s' is not an indicator code (1 to "
			 "%d characters of a-z, 0-9 and '_', starting with a "
			 "letter)", r->indicator, DONGBO_INDICATOR_CODE_MAX);
		return DONGBO_E_PROTO;
	}
	if (dongbo_period_canonical(r->period, canon) != 0 ||
	    strcmp(canon, r->period) != 0) {
		snprintf(err, errlen, "malformed period '%.16s' (canonical "
			 "forms 2022, 2022S1, 2022Q3, 2022M06; years %d to %d)",
			 r->period, DONGBO_PERIOD_YEAR_MIN,
			 DONGBO_PERIOD_YEAR_MAX);
		return DONGBO_E_BAD_PERIOD;
	}
	if (r->version == 0) {
		snprintf(err, errlen, "version 0 (every version is at least 1)");
		return DONGBO_E_BAD_VALUE;
	}
	if (r->deleted && r->value != 0) {
		snprintf(err, errlen, "a deletion carrying the value %lld",
			 (long long)r->value);
		return DONGBO_E_BAD_VALUE;
	}
	return 0;
}

/* A record an honest child may send while its unit list, catalog or clock
 * differ from ours (see the header), from child, checked at now_us: 0, or
 * a code with the reason in err. */
static int check_record_skew(struct dongbo_node *node,
			     const struct dongbo_unit *child,
			     const Dongbo__Record *r, int64_t now_us,
			     char *err, size_t errlen)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units, r->unit);
	const struct dongbo_indicator *ind;
	uint64_t now = now_us > 0 ? (uint64_t)now_us : 0;
	uint64_t ahead_max = (uint64_t)DONGBO_VERSION_AHEAD_MAX_S * 1000000u;

	if (u == NULL) {
		snprintf(err, errlen, "unknown unit '%s'", r->unit);
		return DONGBO_E_UNKNOWN_UNIT;
	}
	if (!dongbo_unit_is_within(u, child)) {
		snprintf(err, errlen, "unit %s is outside the subtree of %s",
			 u->code, child->code);
		return DONGBO_E_OUTSIDE_SUBTREE;
	}
	ind = dongbo_catalog_find(node->catalog, r->indicator);
	if (ind == NULL) {
		snprintf(err, errlen, "unknown indicator '%s'", r->indicator);
		return DONGBO_E_UNKNOWN_INDICATOR;
	}
	if (r->version > now && r->version - now > ahead_max) {
		uint64_t ahead_s = (r->version - now) / 1000000u;

		snprintf(err, errlen, "version %llu is %llu s (%.1f days) "
			 "ahead of this node's clock, more than the %u s "
			 "allowed: the clock of the node that entered it runs "
			 "ahead; correct that clock",
			 (unsigned long long)r->version,
			 (unsigned long long)ahead_s, (double)ahead_s / 86400.0,
			 DONGBO_VERSION_AHEAD_MAX_S);
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

/* A record off the wire (checked or not), as the store takes it; its
 * strings stay the message's. */
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

/* The approval states of a batch: at most as many as records, each well
 * formed, ordered by seq within the range, none on a record's seq. */
static int check_batch_approvals(const Dongbo__Push *p, char *err,
				 size_t errlen)
{
	uint64_t prev_seq = p->first_seq - 1;
	struct dongbo_approval a;
	char why[256];
	size_t k = 0;
	int rv;

	if (p->n_approvals > DONGBO_PUSH_RECORDS_MAX) {
		snprintf(err, errlen, "%zu approval states in one push (at "
			 "most %u)", p->n_approvals, DONGBO_PUSH_RECORDS_MAX);
		return DONGBO_E_TOOBIG;
	}
	for (size_t i = 0; i < p->n_approvals; i++) {
		const Dongbo__Approval *w = p->approvals[i];

		while (k < p->n_records && p->records[k]->seq < w->seq)
			k++;
		if (w->seq <= prev_seq || w->seq > p->last_seq ||
		    (k < p->n_records && p->records[k]->seq == w->seq)) {
			snprintf(err, errlen, "approval state seq %llu out of "
				 "order, outside %llu..%llu or on a record's "
				 "seq", (unsigned long long)w->seq,
				 (unsigned long long)p->first_seq,
				 (unsigned long long)p->last_seq);
			return DONGBO_E_PROTO;
		}
		prev_seq = w->seq;
		rv = dongbo_approval_from_wire(w, &a, why, sizeof(why));
		if (rv != 0) {
			snprintf(err, errlen, "seq %llu: %s",
				 (unsigned long long)w->seq, why);
			return rv;
		}
	}
	return 0;
}

/* The checks of a whole batch, before any record is looked up: its size,
 * its range, the order of its records and the form of each.  0, or a code
 * with the reason in err (the batch is then refused whole). */
static int check_batch(const Dongbo__Push *p, char *err, size_t errlen)
{
	uint64_t prev_seq = p->first_seq - 1;
	char why[256];
	int rv;

	if (p->n_records > DONGBO_PUSH_RECORDS_MAX) {
		snprintf(err, errlen, "%zu records in one push (at most %u)",
			 p->n_records, DONGBO_PUSH_RECORDS_MAX);
		return DONGBO_E_TOOBIG;
	}
	/* An empty batch first..first-1 is a heartbeat. */
	if (p->first_seq == 0 || p->last_seq + 1 < p->first_seq ||
	    ((p->n_records > 0 || p->n_approvals > 0) &&
	     p->last_seq < p->first_seq)) {
		snprintf(err, errlen, "bad batch range %llu..%llu",
			 (unsigned long long)p->first_seq,
			 (unsigned long long)p->last_seq);
		return DONGBO_E_PROTO;
	}
	for (size_t i = 0; i < p->n_records; i++) {
		const Dongbo__Record *r = p->records[i];

		if (r->seq <= prev_seq || r->seq > p->last_seq) {
			snprintf(err, errlen, "record seq %llu out of order or "
				 "outside %llu..%llu",
				 (unsigned long long)r->seq,
				 (unsigned long long)p->first_seq,
				 (unsigned long long)p->last_seq);
			return DONGBO_E_PROTO;
		}
		prev_seq = r->seq;
		rv = check_record_form(r, why, sizeof(why));
		if (rv != 0) {
			snprintf(err, errlen, "record seq %llu: %s",
				 (unsigned long long)r->seq, why);
			return rv;
		}
	}
	return check_batch_approvals(p, err, errlen);
}

/* Heard from: a child whose batches fail here (say our store is full)
 * shows as stalled, not offline.  Only a child in its session: a peer
 * that merely names it must not move what status says of it. */
static struct child_seen *seen_note(struct dongbo_node *node,
				    const struct dongbo_unit *child,
				    uint64_t head_seq)
{
	struct child_seen *seen = dongbo_node_child_seen(node, child->code);

	if (seen != NULL) {
		seen->last_seen_ms = dongbo_now_ms();
		/* A replayed old push must not move it back. */
		if (head_seq > seen->head_seq)
			seen->head_seq = head_seq;
	}
	return seen;
}

/* What child says of its subtree (tree.h), taken in its session only: a
 * peer that merely names it must not move what `dongbo tree` shows. */
static void take_summary(struct dongbo_node *node,
			 const struct dongbo_unit *child,
			 const Dongbo__SubtreeStatus *s)
{
	size_t ignored = 0;
	int rv = dongbo_tree_take(node->tree, node->units, child, s,
				  dongbo_now_ms(), &ignored);

	if (rv == DONGBO_E_EXISTS)
		dongbo_log_debug("sync: an older subtree summary from %s "
				 "(a push replayed): ignored", child->code);
	else if (rv != 0)
		dongbo_log_error("sync: subtree summary from %s not taken: %s",
				 child->code, dongbo_strerror(rv));
	else if (ignored > 0)
		dongbo_log_warn("sync: %zu of %zu entries of the subtree "
				"summary from %s ignored: units unknown here, "
				"outside its subtree or repeated", ignored,
				s->n_nodes, child->code);
}

/* The batch in its refused records (kept with their reasons, listed in
 * the Ack) and the records to store. */
struct push_plan {
	struct dongbo_record *recs;
	size_t n_ok;
	Dongbo__Rejection *rej;
	Dongbo__Rejection **rej_ptrs;
	struct dongbo_rejection *kept;
	char (*reasons)[256];
	size_t n_rej;
	/* Approval states to apply, and the states going down in the Ack. */
	struct dongbo_approval *aps;
	size_t n_aps;
	struct dongbo_approval *down;
	Dongbo__Approval *down_w;
	Dongbo__Approval **down_ptrs;
	size_t n_down;
};

static void push_plan_fini(struct push_plan *pl)
{
	free(pl->recs);
	free(pl->rej);
	free(pl->rej_ptrs);
	free(pl->reasons);
	free(pl->kept);
	free(pl->aps);
	free(pl->down);
	free(pl->down_w);
	free(pl->down_ptrs);
	*pl = (struct push_plan){ 0 };
}

/* Room for the refusals of a push of n records and n_all records and
 * states, made at its first refusal: most pushes have none, and a push
 * waits for the writer with its plan.  0 or DONGBO_E_NOMEM. */
static int push_plan_refusals(struct push_plan *pl, size_t n, size_t n_all)
{
	if (pl->rej != NULL)
		return 0;
	pl->rej = calloc(n_all, sizeof(*pl->rej));
	pl->rej_ptrs = calloc(n_all, sizeof(*pl->rej_ptrs));
	pl->reasons = calloc(n_all, sizeof(*pl->reasons));
	pl->kept = calloc(n + 1, sizeof(*pl->kept));
	if (pl->rej == NULL || pl->rej_ptrs == NULL || pl->reasons == NULL ||
	    pl->kept == NULL)
		return DONGBO_E_NOMEM;
	return 0;
}

/* Sorts the records and approval states of p (checked by check_batch)
 * into pl: refused for configuration skew, or to store.  0,
 * DONGBO_E_NOMEM or DONGBO_E_PROTO (pl then holds nothing). */
static int push_plan_make(struct dongbo_node *node,
			  const struct dongbo_unit *child,
			  const Dongbo__Push *p, struct push_plan *pl)
{
	size_t n = p->n_records, n_all = n + p->n_approvals;
	int64_t now_us = dongbo_now_us();
	char why[sizeof(pl->reasons[0])];

	*pl = (struct push_plan){ 0 };
	if (n_all == 0)
		return 0;
	pl->recs = calloc(n + 1, sizeof(*pl->recs));
	pl->aps = calloc(p->n_approvals + 1, sizeof(*pl->aps));
	if (pl->recs == NULL || pl->aps == NULL)
		goto err_nomem;
	for (size_t i = 0; i < n; i++) {
		const Dongbo__Record *r = p->records[i];
		Dongbo__Rejection *x;
		int rv = check_record_skew(node, child, r, now_us, why,
					   sizeof(why));

		if (rv == 0) {
			pl->recs[pl->n_ok++] = record_of(r);
			continue;
		}
		if (push_plan_refusals(pl, n, n_all) != 0)
			goto err_nomem;
		memcpy(pl->reasons[pl->n_rej], why, sizeof(why));
		x = &pl->rej[pl->n_rej];
		dongbo__rejection__init(x);
		x->seq = r->seq;
		x->unit = r->unit;
		x->indicator = r->indicator;
		x->period = r->period;
		x->code = rv;
		x->reason = pl->reasons[pl->n_rej];
		pl->kept[pl->n_rej] = (struct dongbo_rejection){
			.rec = record_of(r),
			.code = rv,
			.reason = x->reason,
		};
		pl->rej_ptrs[pl->n_rej++] = x;
	}
	/* States of units outside the child's subtree (unit lists of
	 * different dates) are refused alone, as values are; their seq is
	 * still covered by the batch's range.  Not kept: the child logs the
	 * refusal, and the state goes on being shown where it is. */
	for (size_t i = 0; i < p->n_approvals; i++) {
		const struct dongbo_approval *a = &pl->aps[pl->n_aps];
		const struct dongbo_unit *u = NULL;
		Dongbo__Rejection *x;

		/* Checked for form by check_batch already. */
		if (dongbo_approval_from_wire(p->approvals[i], &pl->aps[pl->n_aps],
					      why, sizeof(why)) != 0) {
			push_plan_fini(pl);
			return DONGBO_E_PROTO;
		}
		u = dongbo_units_find(node->units, a->unit);
		if (u != NULL && dongbo_unit_is_within(u, child)) {
			pl->n_aps++;
			continue;
		}
		if (push_plan_refusals(pl, n, n_all) != 0)
			goto err_nomem;
		snprintf(pl->reasons[pl->n_rej], sizeof(pl->reasons[0]),
			 "approval state of %s: %s", a->unit,
			 u == NULL ? "unknown unit"
				   : "outside the subtree of the sender");
		x = &pl->rej[pl->n_rej];
		dongbo__rejection__init(x);
		x->seq = p->approvals[i]->seq;
		x->unit = p->approvals[i]->unit;
		x->indicator = p->approvals[i]->form;
		x->period = p->approvals[i]->period;
		x->code = u == NULL ? DONGBO_E_UNKNOWN_UNIT
				    : DONGBO_E_OUTSIDE_SUBTREE;
		x->reason = pl->reasons[pl->n_rej];
		pl->rej_ptrs[pl->n_rej++] = x;
	}
	return 0;

err_nomem:
	push_plan_fini(pl);
	return DONGBO_E_NOMEM;
}

static int down_add(void *arg, const struct dongbo_approval *a)
{
	struct push_plan *pl = arg;

	if (pl->n_down == DONGBO_APPROVALS_DOWN_MAX)
		return DONGBO_E_INVAL;
	pl->down[pl->n_down] = *a;
	dongbo_approval_to_wire(&pl->down[pl->n_down],
				&pl->down_w[pl->n_down]);
	pl->down_ptrs[pl->n_down] = &pl->down_w[pl->n_down];
	pl->n_down++;
	return 0;
}

/* The states going down to child: those changed here after the cursor
 * the Push names (0 when it names another store of ours), of units
 * within its subtree, into the Ack.  0 or a store error. */
static int push_plan_down(struct dongbo_node *node,
			  const struct dongbo_unit *child,
			  const Dongbo__Push *p, struct push_plan *pl,
			  Dongbo__Ack *ack)
{
	uint64_t after = strcmp(p->approvals_store,
				dongbo_store_id(node->store)) == 0
				 ? p->approvals_after
				 : 0;
	uint64_t next = 0;
	bool more = false;
	int rv;

	pl->down = calloc(DONGBO_APPROVALS_DOWN_MAX, sizeof(*pl->down));
	pl->down_w = calloc(DONGBO_APPROVALS_DOWN_MAX, sizeof(*pl->down_w));
	pl->down_ptrs = calloc(DONGBO_APPROVALS_DOWN_MAX,
			       sizeof(*pl->down_ptrs));
	if (pl->down == NULL || pl->down_w == NULL || pl->down_ptrs == NULL)
		return DONGBO_E_NOMEM;
	rv = dongbo_store_approvals_since(node->store, child->code, after,
					  DONGBO_APPROVALS_DOWN_MAX, down_add,
					  pl, &next, &more);
	if (rv != 0)
		return rv;
	ack->approvals = pl->down_ptrs;
	ack->n_approvals = pl->n_down;
	ack->approvals_next = next;
	ack->approvals_more = more;
	return 0;
}

/* The refused records that are values: the first ones in pl->rej (the
 * states' refusals come after them). */
static size_t n_rej_values(const struct push_plan *pl)
{
	size_t n = 0;

	while (n < pl->n_rej && pl->kept[n].reason != NULL)
		n++;
	return n;
}

/* A push on its way through the store: checked and sorted on the loop,
 * applied by the writer (writer.h), answered on the loop. */
struct push_job {
	struct dongbo_write_job wj;
	struct dongbo_node *node;
	const struct dongbo_unit *child;
	const Dongbo__Push *p;	   /* in arena */
	struct dongbo_arena arena; /* the request, unpacked */
	struct push_plan pl;
	int64_t now_ms;
	struct dongbo_server_call *call; /* NULL: answered in place */
	/* What the store did. */
	int rv;
	uint64_t applied;
	size_t n_changed;
};

static void push_job_free(struct push_job *j)
{
	push_plan_fini(&j->pl);
	dongbo_arena_free(&j->arena);
	free(j);
}

static void push_batch_of(const struct push_job *j,
			  struct dongbo_child_batch *cb)
{
	const Dongbo__Push *p = j->p;

	*cb = (struct dongbo_child_batch){
		.child_unit = j->child->code, .child_store_id = p->store_id,
		.first_seq = p->first_seq, .last_seq = p->last_seq,
		.recs = j->pl.recs, .n = j->pl.n_ok, .aps = j->pl.aps,
		.n_aps = j->pl.n_aps, .rej = j->pl.kept,
		/* the value records refused; the states refused are listed
		 * in the Ack only */
		.n_rej = n_rej_values(&j->pl), .now_ms = j->now_ms };
}

/* The reply to an applied push, and what the node learnt from it.  Loop
 * thread. */
static nng_msg *push_finish(struct push_job *j)
{
	struct dongbo_node *node = j->node;
	const struct dongbo_unit *child = j->child;
	const Dongbo__Push *p = j->p;
	struct push_plan *pl = &j->pl;
	Dongbo__SyncReply rep = DONGBO__SYNC_REPLY__INIT;
	Dongbo__Ack ack = DONGBO__ACK__INIT;
	uint64_t applied = j->applied;
	struct child_seen *seen;
	int rv = j->rv;

	if (rv == DONGBO_E_NEED_HELLO) {
		dongbo_log_warn("sync: push from %s refused: store %s is not "
				"in a session with us (hello first)",
				child->code, p->store_id);
		return reply_error(rv, applied, "%s", dongbo_strerror(rv));
	}
	seen = seen_note(node, child, p->head_seq);
	if (p->subtree != NULL)
		take_summary(node, child, p->subtree);
	if (rv == DONGBO_E_GAP) {
		dongbo_log_warn("sync: push %llu..%llu from %s refused: we "
				"have applied its log up to %llu only",
				(unsigned long long)p->first_seq,
				(unsigned long long)p->last_seq, child->code,
				(unsigned long long)applied);
		return reply_error(rv, applied, "%s", dongbo_strerror(rv));
	}
	if (rv != 0) {
		dongbo_log_error("sync: batch %llu..%llu from %s: %s",
				 (unsigned long long)p->first_seq,
				 (unsigned long long)p->last_seq, child->code,
				 dongbo_strerror(rv));
		if (rv == DONGBO_E_MAP_FULL)
			return reply_error(rv, applied, "parent store is full "
					   "(%zu records did not fit; raise "
					   "map_size_max_mb at %s)", pl->n_ok,
					   node->home->code);
		return reply_error(rv, applied, "parent store: %s",
				   dongbo_strerror(rv));
	}
	for (size_t i = 0; i < pl->n_rej; i++)
		dongbo_log_warn("sync: refused record %llu from %s: %s",
				(unsigned long long)pl->rej[i].seq,
				child->code, pl->rej[i].reason);
	if (j->n_changed > 0)
		dongbo_fault_point("parent.after_commit");
	if (seen != NULL && applied != seen->applied_seq) {
		seen->applied_seq = applied;
		seen->last_advance_ms = seen->last_seen_ms;
	}
	if (j->n_changed > 0) {
		dongbo_log_debug("sync: %zu changes from %s, applied up to %llu",
				 j->n_changed, child->code,
				 (unsigned long long)applied);
		dongbo_uplink_kick(node->uplink);
	}
	ack.store_id = (char *)dongbo_store_id(node->store);
	ack.applied_seq = applied;
	ack.catalog_version = dongbo_catalog_version(node->catalog);
	ack.n_rejected = pl->n_rej;
	ack.rejected = pl->rej_ptrs;
	rv = push_plan_down(node, child, p, pl, &ack);
	if (rv != 0) {
		/* Applied and committed: the Ack says so; the states going
		 * down follow with the next one. */
		dongbo_log_error("sync: approval states for %s: %s",
				 child->code, dongbo_strerror(rv));
		ack.n_approvals = 0;
		ack.approvals_next = strcmp(p->approvals_store,
					    dongbo_store_id(node->store)) == 0
					     ? p->approvals_after
					     : 0;
		ack.approvals_more = false;
	}
	rep.body_case = DONGBO__SYNC_REPLY__BODY_ACK;
	rep.ack = &ack;
	return reply_pack(&rep);
}

/* Store calls only, on the writer's thread (or in place): the pushes that
 * queued together, in one transaction. */
static void push_work(struct dongbo_write_job **wjs, size_t n)
{
	struct dongbo_child_batch cbs[DONGBO_WRITER_GROUP_MAX];
	const struct dongbo_child_batch *ptrs[DONGBO_WRITER_GROUP_MAX] = { 0 };
	struct dongbo_batch_result res[DONGBO_WRITER_GROUP_MAX];
	struct push_job *j;
	bool carries = false;

	for (size_t i = 0; i < n; i++) {
		j = (struct push_job *)wjs[i];
		carries |= j->pl.n_ok + j->pl.n_aps > 0;
	}
	if (carries)
		dongbo_fault_stall("writer.stall");
	for (size_t i = 0; i < n; i++) {
		push_batch_of((struct push_job *)wjs[i], &cbs[i]);
		ptrs[i] = &cbs[i];
	}
	j = (struct push_job *)wjs[0];
	dongbo_store_apply_batches(j->node->store, ptrs, n, res);
	for (size_t i = 0; i < n; i++) {
		j = (struct push_job *)wjs[i];
		j->rv = res[i].rv;
		j->applied = res[i].applied_seq;
		j->n_changed = res[i].n_changed;
	}
}

/* Loop thread.  A push the writer did not get to (the node stops) wrote
 * nothing: it goes unanswered, and the child sends it again. */
static void unpark(struct dongbo_node *node);

static void push_done(struct dongbo_write_job *wj, bool ran)
{
	struct push_job *j = (struct push_job *)wj;
	struct dongbo_node *node = j->node;
	nng_msg *out = NULL;

	if (ran && !node->stopping)
		out = push_finish(j);
	dongbo_server_reply(j->call, out);
	push_job_free(j);
	if (!node->stopping)
		unpark(node);
}

/* Checks a push and sorts its records (the loop), then has the writer
 * apply it and answers when it has; or, with no writer to hand it to (a
 * handler called in process), applies and answers in place.  The request
 * (req, in *arena) is taken into the job.  call: the push's answer, when
 * it was deferred already (parked); it then goes with the job, or the
 * reply returned is for it. */
static nng_msg *handle_push(struct dongbo_node *node, const Dongbo__Push *p,
			    uint32_t pipe, struct dongbo_arena *arena,
			    struct dongbo_server_call *call)
{
	const struct dongbo_unit *child;
	struct push_job *j;
	nng_msg *out;
	char err[512];
	int rv;

	out = claim_child(node, "push", p->unit, p->store_id, &child);
	if (out != NULL)
		return out;
	if (!on_proven_link(node, "push", child, pipe))
		return reply_error(DONGBO_E_NEED_HELLO, 0, "unit %s has not "
				   "proved its identity on this link: hello "
				   "first", child->code);
	rv = check_batch(p, err, sizeof(err));
	if (rv == 0 && p->subtree != NULL)
		rv = dongbo_tree_check(child, p->subtree, err, sizeof(err));
	if (rv != 0) {
		dongbo_log_warn("sync: push %llu..%llu from %s refused whole: %s",
				(unsigned long long)p->first_seq,
				(unsigned long long)p->last_seq, child->code,
				err);
		return reply_error(rv, 0, "%s; the whole batch is refused",
				   err);
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return reply_error(DONGBO_E_NOMEM, 0, "out of memory");
	rv = push_plan_make(node, child, p, &j->pl);
	if (rv != 0) {
		free(j);
		return reply_error(rv, 0, "%s", rv == DONGBO_E_NOMEM
						       ? "out of memory"
						       : "malformed approval state");
	}
	j->node = node;
	j->child = child;
	j->p = p;
	j->now_ms = dongbo_now_ms();
	j->arena = *arena;
	*arena = (struct dongbo_arena){ 0 };
	j->call = call;
	if (j->call == NULL && node->sync_server != NULL)
		j->call = dongbo_server_defer(node->sync_server);
	if (j->call == NULL) {
		struct dongbo_write_job *one = &j->wj;

		push_work(&one, 1);
		out = push_finish(j);
		push_job_free(j);
		return out;
	}
	j->wj.work = push_work;
	j->wj.done = push_done;
	j->wj.weight = j->pl.n_ok + j->pl.n_aps + n_rej_values(&j->pl);
	dongbo_writer_submit(&node->writer, &j->wj);
	return NULL;
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
	struct dongbo_child_state cs;
	char canon[DONGBO_PERIOD_MAX];
	bool more = false;
	nng_msg *out;
	int rv;

	out = claim_child(node, "restore", q->unit, q->store_id, &child);
	if (out != NULL)
		return out;
	/* The values of a unit go only to the child that introduced itself
	 * (a session its Hello opened), not to anyone naming it. */
	rv = dongbo_store_child_get(node->store, child->code, &cs);
	if (rv == 0 && strcmp(cs.store_id, q->store_id) != 0)
		rv = DONGBO_E_NEED_HELLO;
	if (rv == DONGBO_E_NOTFOUND)
		rv = DONGBO_E_NEED_HELLO;
	if (rv != 0) {
		dongbo_log_warn("sync: restore for %s refused: store %s is not "
				"in a session with us: %s", child->code,
				q->store_id, dongbo_strerror(rv));
		return reply_error(rv, 0, "%s", dongbo_strerror(rv));
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
	if (q->after_indicator[0] != '\0' &&
	    (!dongbo_indicator_code_is_valid(q->after_indicator) ||
	     dongbo_period_canonical(q->after_period, canon) != 0 ||
	     strcmp(canon, q->after_period) != 0)) {
		dongbo_log_warn("sync: restore for %s refused: malformed key "
				"'%.64s' '%.16s' to resume after", child->code,
				q->after_indicator, q->after_period);
		return reply_error(DONGBO_E_PROTO, 0, "malformed key '%.64s' "
				   "'%.16s' to resume after",
				   q->after_indicator, q->after_period);
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
		dongbo_log_warn("sync: restore of %s for %s: %s", u->code,
				child->code, dongbo_strerror(rv));
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

/*
 * Parking.  A push waiting for the writer holds its records unpacked and
 * sorted, some four times the bytes it came in; with every child's push
 * queued at a node of many children (63 at the national node, 20,000
 * records each) that is hundreds of MiB.  So once the writer has
 * PLANNED_MAX records to apply, a push is kept as it came, answer
 * deferred, and is checked and handed to the writer when it has room:
 * in the order they came, and before any push that comes after them.
 */
#define PLANNED_MAX (2 * DONGBO_WRITER_WEIGHT_MAX)

struct sync_parked {
	struct sync_parked *next;
	nng_msg *msg;
	uint32_t pipe;
	struct dongbo_server_call *call;
};

static bool writer_is_full(const struct dongbo_node *node)
{
	return node->n_parked > 0 ||
	       dongbo_writer_weight(&node->writer) >= PLANNED_MAX;
}

/* Parks the push in msg (borrowed): true, or false when it cannot (no
 * server to defer on, out of memory) and is to be handled now. */
static bool park(struct dongbo_node *node, nng_msg *msg, uint32_t pipe)
{
	struct sync_parked *pk;

	if (node->sync_server == NULL)
		return false;
	pk = calloc(1, sizeof(*pk));
	if (pk == NULL)
		return false;
	if (nng_msg_dup(&pk->msg, msg) != 0) {
		free(pk);
		return false;
	}
	pk->call = dongbo_server_defer(node->sync_server);
	if (pk->call == NULL) {
		nng_msg_free(pk->msg);
		free(pk);
		return false;
	}
	pk->pipe = pipe;
	dongbo_log_debug("sync: a push of %zu bytes kept as it came: the "
			 "writer has %zu records to apply", nng_msg_len(msg),
			 dongbo_writer_weight(&node->writer));
	if (node->parked_tail != NULL)
		node->parked_tail->next = pk;
	else
		node->parked_head = pk;
	node->parked_tail = pk;
	node->n_parked++;
	return true;
}

/* Hands parked pushes to the writer while it has room.  Loop thread. */
static void unpark(struct dongbo_node *node)
{
	while (node->parked_head != NULL &&
	       dongbo_writer_weight(&node->writer) < PLANNED_MAX) {
		struct sync_parked *pk = node->parked_head;
		Dongbo__SyncRequest *req = NULL;
		struct dongbo_arena arena = { 0 };
		nng_msg *out;

		node->parked_head = pk->next;
		if (node->parked_head == NULL)
			node->parked_tail = NULL;
		node->n_parked--;
		/* It unpacked when it came. */
		if (dongbo_proto_unpack_in(&dongbo__sync_request__descriptor,
					   pk->msg, &arena,
					   (ProtobufCMessage **)&req) != 0 ||
		    req->body_case != DONGBO__SYNC_REQUEST__BODY_PUSH)
			out = reply_error(DONGBO_E_NOMEM, 0, "out of memory");
		else
			out = handle_push(node, req->push, pk->pipe, &arena,
					  pk->call);
		if (out != NULL)
			dongbo_server_reply(pk->call, out);
		dongbo_arena_free(&arena);
		nng_msg_free(pk->msg);
		free(pk);
	}
}

void dongbo_sync_stop(struct dongbo_node *node)
{
	while (node->parked_head != NULL) {
		struct sync_parked *pk = node->parked_head;

		node->parked_head = pk->next;
		dongbo_server_reply(pk->call, NULL);
		nng_msg_free(pk->msg);
		free(pk);
	}
	node->parked_tail = NULL;
	node->n_parked = 0;
}

nng_msg *dongbo_sync_handle(void *arg, nng_msg *msg)
{
	struct dongbo_node *node = arg;
	Dongbo__SyncRequest *req = NULL;
	/* The link it came on (0 for a message built in process). */
	int id = nng_pipe_id(nng_msg_get_pipe(msg));
	uint32_t pipe = id > 0 ? (uint32_t)id : 0;
	struct dongbo_arena arena = { 0 };
	nng_msg *out;
	int rv;

	rv = dongbo_proto_unpack_in(&dongbo__sync_request__descriptor, msg,
				    &arena, (ProtobufCMessage **)&req);
	if (rv != 0) {
		dongbo_arena_free(&arena);
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
		if (writer_is_full(node) && park(node, msg, pipe)) {
			out = NULL;
			break;
		}
		out = handle_push(node, req->push, pipe, &arena, NULL);
		break;
	case DONGBO__SYNC_REQUEST__BODY_RESTORE:
		out = handle_restore(node, req->restore, pipe);
		break;
	case DONGBO__SYNC_REQUEST__BODY_PING: {
		/* The node's own probe (probe.c): the listener serves. */
		Dongbo__SyncReply rep = DONGBO__SYNC_REPLY__INIT;
		Dongbo__Pong pong = DONGBO__PONG__INIT;

		rep.body_case = DONGBO__SYNC_REPLY__BODY_PONG;
		rep.pong = &pong;
		out = reply_pack(&rep);
		break;
	}
	default:
		dongbo_log_warn("sync: request with no body");
		out = reply_error(DONGBO_E_PROTO, 0, "request with no body");
		break;
	}
	dongbo_arena_free(&arena);
	return out;
}
