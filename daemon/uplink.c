/*
 * uplink.c -- the child's side of replication.
 *
 * Happy path: nng dials the parent in the background.  HELLO sends
 * {unit, store id}; the Welcome says how far the parent has durably applied
 * this node's log.  PUSH sends the next batch of log entries after that
 * point; the parent applies a batch in one transaction and acks only after
 * commit, so an Ack moves our acknowledged cursor (stored durably).  When
 * nothing is left the session goes IDLE and sends an empty Push every
 * heartbeat, which also notices a parent that lost its store.
 *
 * Status goes up the same session: at most once per heartbeat a push
 * carries our subtree summary (subtree.c, tree.h) -- ourselves, our
 * children's links and what the nodes below last told us -- so that our
 * ancestors' `dongbo tree` shows the whole subtree.  When it cannot be
 * made (store error) the push goes without it.
 *
 * The catalog comes down the same session: Hello says which version we
 * run; a Welcome from a parent running a newer one carries its text, which
 * the node takes (dongbo_node_catalog_offer).  Every Ack names the
 * parent's version, so a parent that got a newer catalog while we were
 * idle is noticed at the next heartbeat: we say Hello again to fetch it.
 *
 * Acknowledged log entries are pruned (the store does it with the ack),
 * so the outbox holds only what the parent lacks.  A parent that needs
 * entries we pruned -- it lost its store and says "applied up to 0" --
 * gets our current state instead: dongbo_store_log_cover appends every
 * value we hold to the log, and the push goes on from there.  Records the
 * parent refuses are kept with their reason (`dongbo rejected`), and the
 * cursor moves past them: the push's batch, kept until its reply
 * (push_batch.h), completes what the parent names by key and seq.
 *
 * Approval states: those we set (or relay from a child) are log entries
 * and go up in the Pushes like values.  Those the parent level sets for
 * our units come down in its Acks: each Push names how far we have taken
 * them (a cursor kept with the parent's store id), and we apply what the
 * Ack brings by version, with the new cursor, in one transaction -- a lost
 * reply or a kill -9 only means fetching the same states again.  When the
 * parent says more remain, we push again at once.
 *
 * RESTORE: a node whose store is new (or `dongbo restore`) fetches the
 * values of the units it hosts from the parent, page by page, after the
 * Welcome and before pushing; progress is stored with each page, so a
 * restore killed half-way resumes where it was (restore.h).
 *
 * Health: a link is "ok" when nothing waits or the acknowledged cursor
 * moved within stall_ms; "stalled" when connected but stuck; "offline"
 * when not connected with records waiting.  A session that begins with
 * much waiting is a catch-up, which logs its progress (catch_up.h).
 *
 * Failure modes:
 *  - parent down, link lost, reply late: the request times out (or nng
 *    resends it on a new pipe); we back off exponentially with jitter and
 *    start again with HELLO.  Nothing is lost: the log is durable and the
 *    parent's cursor tells us where to resume.
 *  - a reply lost after the parent committed: we resend the same batch;
 *    the parent sees it at or below its cursor and changes nothing.
 *  - GAP (we sent past the parent's cursor): resume from the cursor it
 *    returns.  NEED_HELLO (parent lost its store, or forgot us): HELLO; its
 *    Welcome says applied_seq 0 and we re-send what it lacks (above).
 *  - a restore page that is malformed (another unit, no version, empty
 *    with more to come): logged, backoff, asked again.
 *  - a malformed or unexpected reply (an approval state no dongbod sends
 *    included): logged, treated as a failure.
 *  - a parent serving a unit that is not an ancestor of ours: refused,
 *    logged, retried at the slowest backoff (the configuration is wrong).
 *  - a catalog from the parent that does not parse (or cannot be stored):
 *    logged with FILE:LINE: reason; we keep ours and do not fetch that
 *    version again until the parent announces a newer one or we restart.
 *    Sync goes on meanwhile; records the parent cannot check yet are
 *    refused with a reason, as always.
 */
#include "uplink.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "approval.h"
#include "catch_up.h"
#include "codec.h"
#include "error.h"
#include "fault.h"
#include "ident.h"
#include "log.h"
#include "node.h"
#include "push_batch.h"
#include "restore.h"
#include "subtree.h"
#include "tree.h"
#include "util.h"

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u

enum up_state {
	UP_INIT, UP_HELLO, UP_PUSH, UP_IDLE, UP_BACKOFF, UP_RESTORE, UP_CLOSED
};

#define UP_N_STATES 7

static const char *const state_names[] = {
	[UP_INIT] = "init",	  [UP_HELLO] = "hello",
	[UP_PUSH] = "push",	  [UP_IDLE] = "idle",
	[UP_BACKOFF] = "backoff", [UP_RESTORE] = "restore",
	[UP_CLOSED] = "closed",
};

/* allowed[from][to]: the transitions of the design.  Anything else is a
 * bug: it is logged loudly, but carried out, because a session that stops
 * moving would be worse than one in an unexpected state. */
static const bool allowed[UP_N_STATES][UP_N_STATES] = {
	[UP_INIT] = { [UP_HELLO] = true, [UP_CLOSED] = true },
	[UP_HELLO] = { [UP_HELLO] = true, [UP_PUSH] = true, [UP_IDLE] = true,
		       [UP_BACKOFF] = true, [UP_RESTORE] = true,
		       [UP_CLOSED] = true },
	[UP_PUSH] = { [UP_HELLO] = true, [UP_PUSH] = true, [UP_IDLE] = true,
		      [UP_BACKOFF] = true, [UP_RESTORE] = true,
		      [UP_CLOSED] = true },
	[UP_IDLE] = { [UP_PUSH] = true, [UP_HELLO] = true,
		      [UP_RESTORE] = true, [UP_CLOSED] = true },
	[UP_BACKOFF] = { [UP_HELLO] = true, [UP_CLOSED] = true },
	[UP_RESTORE] = { [UP_RESTORE] = true, [UP_PUSH] = true,
			 [UP_IDLE] = true, [UP_HELLO] = true,
			 [UP_BACKOFF] = true, [UP_CLOSED] = true },
	[UP_CLOSED] = { [UP_CLOSED] = true },
};

enum io_phase { IO_NONE, IO_SEND, IO_RECV };

/* A parent's acknowledgement that the writer (writer.h) writes to the
 * store, off the loop, while the next push is already on its way. */
struct ack_job {
	struct dongbo_write_job wj; /* first: the writer hands us this */
	struct dongbo_uplink *up;
	char parent[DONGBO_STORE_ID_LEN + 1];
	uint64_t seq;
	int64_t now_ms;
	uint64_t epoch; /* up->ack_epoch when it was decided */
	int rv;
};

struct dongbo_uplink {
	struct dongbo_node *node;
	nng_socket sock;
	nng_dialer dialer;
	nng_ctx ctx;
	nng_aio *aio;
	enum io_phase io;
	int io_result;	/* written by the nng thread before posting */
	nng_msg *reply; /* likewise */
	struct dongbo_mail mail;
	uv_timer_t timer;
	enum up_state state;
	atomic_int n_pipes;
	unsigned backoff_ms;
	int64_t last_ack_ms;
	char parent_unit[DONGBO_UNIT_CODE_MAX + 1];
	char parent_store_id[DONGBO_STORE_ID_LEN + 1];
	char last_error[256];
	/* Over tls+tcp://: the nonce of the Hello in flight, which the
	 * parent's Welcome proof must cover. */
	bool tls;
	char nonce[DONGBO_NONCE_HEX + 1];
	unsigned timeouts; /* requests timed out in a row */
	size_t inflight; /* records in the push awaiting its reply */
	struct dongbo_push_batch flight; /* that push's, until its reply */
	size_t batch_cur;     /* records per push now: cfg.batch_max, less
				 after the parent could not take a batch */
	_Atomic int64_t connected_ms; /* when the connection came up */
	int64_t started_ms;
	int64_t last_advance_ms; /* the acked cursor last moved */
	struct dongbo_catch_up catch_up;
	/* A restore pending (durably in the store): the hosted unit being
	 * fetched and the key after which the next page starts. */
	bool restoring;
	/* The parent has more approval states for us than its last Ack
	 * carried: push again at once to fetch them. */
	bool approvals_more;
	struct dongbo_restore_pos restore;
	uint64_t restored;
	/* When our last subtree summary went up (0: not yet this session):
	 * one goes with a push at most once per heartbeat. */
	int64_t summary_ms;
	/* The parent's last acknowledgement while the store may not have
	 * written it yet (ack_seq 0: none): a plain step forward of the
	 * cursor, which ack_job writes while we push on from it.  A crash
	 * before it is written loses nothing: we push those records again
	 * and the parent, which has them, applies nothing twice. */
	struct ack_job ack_job;
	bool ack_queued; /* ack_job submitted and not done */
	uint64_t ack_seq;
	int64_t ack_ms;
	char ack_parent[DONGBO_STORE_ID_LEN + 1];
	/* Moved before every acknowledgement written on the loop: an
	 * ack_job decided before it writes nothing (ack_still). */
	_Atomic uint64_t ack_epoch;
	bool timer_closed; /* freed once it is, and ack_job is done */
};

static void uplink_set_state(struct dongbo_uplink *up, enum up_state to)
{
	if (!allowed[up->state][to])
		dongbo_log_error("uplink: unexpected transition %s -> %s",
				 state_names[up->state], state_names[to]);
	if (to != up->state)
		dongbo_log_debug("uplink: %s -> %s", state_names[up->state],
				 state_names[to]);
	up->state = to;
}

/* ---- nng side ---- */

static void post_result(struct dongbo_uplink *up, int rv, nng_msg *reply)
{
	up->io = IO_NONE;
	up->io_result = rv;
	up->reply = reply;
	dongbo_mailbox_post_first(&up->node->mailbox, &up->mail);
}

/* nng thread: chain send -> recv, then hand the outcome to the loop. */
static void up_aio_cb(void *arg)
{
	struct dongbo_uplink *up = arg;
	int rv = nng_aio_result(up->aio);

	if (up->io == IO_SEND) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(up->aio));
			post_result(up, rv, NULL);
			return;
		}
		up->io = IO_RECV;
		nng_aio_set_timeout(up->aio, up->node->cfg.timeout_ms);
		nng_ctx_recv(up->ctx, up->aio);
		return;
	}
	post_result(up, rv, rv == 0 ? nng_aio_get_msg(up->aio) : NULL);
}

static void up_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct dongbo_uplink *up = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		if (atomic_fetch_add(&up->n_pipes, 1) == 0)
			atomic_store(&up->connected_ms, dongbo_now_ms());
	}
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&up->n_pipes, 1);
}

/* Sends m (taken) and waits for the reply; the outcome arrives as mail. */
static void up_call(struct dongbo_uplink *up, ProtobufCMessage *m)
{
	nng_msg *msg;
	int rv = dongbo_proto_pack(m, &msg);

	if (rv != 0) {
		/* Cannot happen for well-formed batches below the size
		 * limit; report it as the request's failure. */
		up->io = IO_NONE;
		up->io_result = NNG_ENOMEM;
		up->reply = NULL;
		dongbo_mailbox_post_first(&up->node->mailbox, &up->mail);
		return;
	}
	up->io = IO_SEND;
	nng_aio_set_msg(up->aio, msg);
	nng_aio_set_timeout(up->aio, up->node->cfg.timeout_ms);
	nng_ctx_send(up->ctx, up->aio);
}

/* ---- loop side ---- */

static void send_hello(struct dongbo_uplink *up);
static void send_next(struct dongbo_uplink *up);
static void send_restore(struct dongbo_uplink *up);

static void set_error(struct dongbo_uplink *up, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct dongbo_uplink *up, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(up->last_error, sizeof(up->last_error), fmt, ap);
	va_end(ap);
}

static void timer_cb(uv_timer_t *t)
{
	struct dongbo_uplink *up = t->data;

	if (up->state == UP_BACKOFF)
		send_hello(up);
	else if (up->state == UP_IDLE)
		send_next(up);
}

static void backoff(struct dongbo_uplink *up)
{
	/* Jitter over the upper half: many communes reconnecting to one
	 * district after an outage do not arrive in step. */
	unsigned delay = dongbo_backoff_delay(up->backoff_ms, (uint32_t)rand());

	uplink_set_state(up, UP_BACKOFF);
	up->backoff_ms = dongbo_backoff_grow(up->backoff_ms, BACKOFF_MAX_MS);
	uv_timer_start(&up->timer, timer_cb, delay, 0);
}

/* Over TLS: a fresh nonce, our certificate and our proof in the Hello;
 * sig is the caller's (DONGBO_PROOF_MAX bytes). */
static int sign_hello(struct dongbo_uplink *up, Dongbo__Hello *hello,
		      uint8_t *sig)
{
	struct dongbo_ident *id = up->node->ident;
	const char *parts[] = { hello->unit, hello->store_id, up->nonce };
	size_t len;
	int rv;

	if ((rv = dongbo_ident_nonce(id, up->nonce)) != 0 ||
	    (rv = dongbo_ident_sign(id, DONGBO_HELLO_LABEL, parts, 3, sig,
				    &len)) != 0)
		return rv;
	hello->nonce = up->nonce;
	hello->proof.data = sig;
	hello->proof.len = len;
	hello->cert.data = (uint8_t *)dongbo_ident_cert(id, &len);
	hello->cert.len = len;
	return 0;
}

static void send_hello(struct dongbo_uplink *up)
{
	Dongbo__Hello hello = DONGBO__HELLO__INIT;
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	uint8_t sig[DONGBO_PROOF_MAX];

	uplink_set_state(up, UP_HELLO);
	up->summary_ms = 0;
	hello.protocol = DONGBO_PROTOCOL_VERSION;
	hello.unit = (char *)up->node->home->code;
	hello.store_id = (char *)dongbo_store_id(up->node->store);
	hello.catalog_version = dongbo_catalog_version(up->node->catalog);
	if (up->tls && sign_hello(up, &hello, sig) != 0) {
		set_error(up, "cannot sign our hello");
		dongbo_log_error("uplink: %s", up->last_error);
		backoff(up);
		return;
	}
	req.body_case = DONGBO__SYNC_REQUEST__BODY_HELLO;
	req.hello = &hello;
	up_call(up, &req.base);
}

static void send_push(struct dongbo_uplink *up,
		      const struct dongbo_uplink_state *st);

/* The store's side of the session, with the acknowledgement the writer
 * has yet to write taken as written. */
static int uplink_state(struct dongbo_uplink *up,
			struct dongbo_uplink_state *st)
{
	int rv = dongbo_store_uplink_state(up->node->store, st);

	if (rv == 0 && up->ack_seq > st->acked_seq &&
	    strcmp(up->ack_parent, st->parent_store_id) == 0) {
		st->acked_seq = up->ack_seq;
		st->last_ack_ms = up->ack_ms;
		st->waiting = st->head_seq > st->acked_seq
				      ? st->head_seq - st->acked_seq
				      : 0;
	}
	return rv;
}

/* The parent needs entries we pruned (it lost its store): have the store
 * append our current state to the log, then push from there. */
static void send_push_covered(struct dongbo_uplink *up,
			      const struct dongbo_uplink_state *st)
{
	struct dongbo_uplink_state now;
	uint64_t appended = 0;
	int rv;

	rv = dongbo_store_log_cover(up->node->store, st->acked_seq,
				    dongbo_now_ms(), &appended);
	if (rv == 0)
		rv = uplink_state(up, &now);
	if (rv != 0) {
		set_error(up, "covering the log: %s", dongbo_strerror(rv));
		dongbo_log_error("uplink: %s", up->last_error);
		backoff(up);
		return;
	}
	if (appended > 0)
		dongbo_log_warn("uplink: parent %s needs records %llu..%llu, "
				"pruned here after an earlier parent store "
				"acknowledged them: re-sending our %llu "
				"current values instead", up->parent_unit,
				(unsigned long long)st->acked_seq + 1,
				(unsigned long long)st->log_first - 1,
				(unsigned long long)appended);
	/* Covered now: the next entry after acked_seq is what it needs. */
	now.log_first = now.acked_seq + 1;
	send_push(up, &now);
}

/* Sends the next batch after the acknowledged point, or an empty heartbeat
 * push when called from the idle timer with nothing pending. */
static void send_push(struct dongbo_uplink *up,
		      const struct dongbo_uplink_state *st)
{
	Dongbo__Push push = DONGBO__PUSH__INIT;
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	Dongbo__SubtreeStatus *sub = NULL;
	struct dongbo_push_batch b = { 0 };
	size_t max = up->batch_cur;
	int64_t now;
	int rv;

	dongbo_push_batch_free(&up->flight);
	if (st->acked_seq + 1 < st->log_first) {
		send_push_covered(up, st);
		return;
	}
	if (st->head_seq > st->acked_seq) {
		/* What is waiting, up to a batch. */
		if (st->head_seq - st->acked_seq < max)
			max = (size_t)(st->head_seq - st->acked_seq);
		rv = dongbo_push_batch_read(&b, up->node->store,
					    st->acked_seq, max);
		if (rv != 0)
			goto fail;
	}
	push.unit = (char *)up->node->home->code;
	push.store_id = (char *)dongbo_store_id(up->node->store);
	push.first_seq = st->acked_seq + 1;
	push.last_seq = b.last_seq > 0 ? b.last_seq : st->acked_seq;
	push.head_seq = st->head_seq;
	push.n_records = b.n;
	push.records = b.ptrs;
	now = dongbo_now_ms();
	if (now - up->summary_ms >= (int64_t)up->node->cfg.heartbeat_ms) {
		/* Status travels up (tree.h); without it the push goes on. */
		rv = dongbo_subtree_summary(up->node, &sub);
		if (rv == 0) {
			push.subtree = sub;
			up->summary_ms = now;
		} else {
			dongbo_log_warn("uplink: no subtree summary in this "
					"push: %s", dongbo_strerror(rv));
		}
	}
	push.n_approvals = b.n_aps;
	push.approvals = b.apptrs;
	/* How far we took the states our parent sends down (its store). */
	rv = dongbo_store_approvals_cursor(up->node->store,
					   up->parent_store_id,
					   &push.approvals_after);
	if (rv != 0)
		goto fail;
	push.approvals_store = up->parent_store_id;
	req.body_case = DONGBO__SYNC_REQUEST__BODY_PUSH;
	req.push = &push;
	uplink_set_state(up, UP_PUSH);
	up->inflight = b.n + b.n_aps;
	up->approvals_more = false;
	if (b.n > 0)
		dongbo_fault_point("child.before_send");
	up_call(up, &req.base); /* packs it: sub is ours again */
	dongbo_tree_summary_free(sub);
	up->flight = b; /* kept to complete what the parent refuses */
	return;

fail:
	dongbo_push_batch_free(&b);
	set_error(up, "reading the log: %s", dongbo_strerror(rv));
	dongbo_log_error("uplink: %s", up->last_error);
	backoff(up);
}

/* ---- Restore: the values of our hosted units, back from the parent ---- */

static void send_restore(struct dongbo_uplink *up)
{
	Dongbo__RestoreRequest q = DONGBO__RESTORE_REQUEST__INIT;
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;

	uplink_set_state(up, UP_RESTORE);
	dongbo_restore_request(&up->restore, up->node, &q);
	req.body_case = DONGBO__SYNC_REQUEST__BODY_RESTORE;
	req.restore = &q;
	up_call(up, &req.base);
}

static void on_restore(struct dongbo_uplink *up, const Dongbo__RestoreReply *rr)
{
	const char *what = NULL;
	size_t n = 0;
	bool done = false;
	int rv;

	dongbo_fault_point("child.restore_page");
	rv = dongbo_restore_page(&up->restore, up->node, up->parent_unit, rr,
				 &n, &done, &what);
	if (rv != 0) {
		set_error(up, "restore: %s: %s", what, dongbo_strerror(rv));
		dongbo_log_error("uplink: %s", up->last_error);
		backoff(up);
		return;
	}
	up->restored += n;
	if (!done) {
		send_restore(up);
		return;
	}
	up->restoring = false;
	dongbo_log_info("uplink: restore from %s done: %llu values of %zu "
			"hosted unit%s", up->parent_unit,
			(unsigned long long)up->restored, up->node->n_hosts,
			up->node->n_hosts == 1 ? "" : "s");
	send_next(up);
}

int dongbo_uplink_restore(struct dongbo_uplink *up)
{
	int rv;

	if (up->restoring)
		return DONGBO_E_EXISTS;
	rv = dongbo_store_restore_request(up->node->store);
	if (rv != 0)
		return rv;
	up->restoring = true;
	up->restored = 0;
	dongbo_restore_load(&up->restore, up->node, "");
	dongbo_log_info("uplink: restore of our hosted values requested");
	if (up->state == UP_IDLE) {
		uv_timer_stop(&up->timer);
		send_restore(up);
	}
	return 0;
}

/* After a Welcome or an Ack: push what is pending, else go idle. */
static void send_next(struct dongbo_uplink *up)
{
	struct dongbo_uplink_state st;
	int rv = uplink_state(up, &st);

	if (rv != 0) {
		set_error(up, "store: %s", dongbo_strerror(rv));
		dongbo_log_error("uplink: %s", up->last_error);
		backoff(up);
		return;
	}
	if (up->restoring) {
		uv_timer_stop(&up->timer);
		send_restore(up);
		return;
	}
	if (st.head_seq > st.acked_seq || up->state == UP_IDLE ||
	    up->approvals_more) {
		/* Pending records, or the idle heartbeat fired. */
		uv_timer_stop(&up->timer);
		send_push(up, &st);
		return;
	}
	uplink_set_state(up, UP_IDLE);
	uv_timer_start(&up->timer, timer_cb, up->node->cfg.heartbeat_ms, 0);
}

/* ---- Acknowledgements written by the writer ---- */

static void uplink_free_if_done(struct dongbo_uplink *up)
{
	if (up->timer_closed && !up->ack_queued)
		free(up);
}

/* The writer's thread, inside the write transaction: no acknowledgement
 * was written on the loop since the job was decided. */
static bool ack_still(void *arg)
{
	const struct ack_job *j = arg;

	return atomic_load(&j->up->ack_epoch) == j->epoch;
}

/* The writer's thread: store calls only. */
static void ack_work(struct dongbo_write_job **jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ack_job *j = (struct ack_job *)jobs[i];

		dongbo_fault_point("child.before_ack_write");
		j->rv = dongbo_store_uplink_advance(j->up->node->store,
						    j->parent, j->seq,
						    j->now_ms, ack_still, j,
						    NULL);
	}
}

static void ack_done(struct dongbo_write_job *wj, bool ran);

static void ack_submit(struct dongbo_uplink *up)
{
	struct ack_job *j = &up->ack_job;

	memset(j, 0, sizeof(*j));
	j->wj.work = ack_work;
	j->wj.done = ack_done;
	j->wj.weight = 1;
	j->up = up;
	memcpy(j->parent, up->ack_parent, sizeof(j->parent));
	j->seq = up->ack_seq;
	j->now_ms = up->ack_ms;
	j->epoch = atomic_load(&up->ack_epoch);
	up->ack_queued = true;
	dongbo_writer_submit(&up->node->writer, &j->wj);
}

static void ack_done(struct dongbo_write_job *wj, bool ran)
{
	struct ack_job *j = (struct ack_job *)wj;
	struct dongbo_uplink *up = j->up;
	bool latest;

	up->ack_queued = false;
	if (up->state == UP_CLOSED) {
		uplink_free_if_done(up);
		return;
	}
	if (!ran || up->ack_seq == 0)
		return;
	latest = j->seq == up->ack_seq &&
		 j->epoch == atomic_load(&up->ack_epoch) &&
		 strcmp(j->parent, up->ack_parent) == 0;
	if (j->rv != 0) {
		/* The log keeps what the parent has; the next step forward
		 * writes this one too. */
		dongbo_log_error("uplink: writing the acknowledgement of "
				 "records up to %llu: %s",
				 (unsigned long long)j->seq,
				 dongbo_strerror(j->rv));
		return;
	}
	if (latest)
		up->ack_seq = 0; /* the store has it */
	else
		ack_submit(up); /* what the parent acknowledged meanwhile */
}

/* Moves the acknowledged cursor: durably when it changed (pruning what the
 * parent now holds, keeping what it refused), in memory for the time of
 * the acknowledgement otherwise (no commit per heartbeat).  A plain step
 * forward is written by the writer, off the loop, and the next push need
 * not wait for it; any other change is written here, at once.  *out (may
 * be NULL) receives the uplink state after it. */
static int note_ack(struct dongbo_uplink *up, const char *parent_store_id,
		    uint64_t applied, const struct dongbo_rejection *rej,
		    size_t n_rej, struct dongbo_uplink_state *out)
{
	struct dongbo_uplink_state st;
	int64_t now = dongbo_now_ms();
	int rv = uplink_state(up, &st);

	if (rv != 0)
		return rv;
	if (applied > st.head_seq) {
		/* The parent has applied more of "our" log than we have: our
		 * store was replaced by an older copy under the same
		 * identity.  Re-sending from our head is all we can do. */
		dongbo_log_warn("uplink: parent has applied up to %llu but "
				"our log ends at %llu",
				(unsigned long long)applied,
				(unsigned long long)st.head_seq);
	}
	if (n_rej == 0 && applied > st.acked_seq &&
	    strcmp(parent_store_id, st.parent_store_id) == 0) {
		up->ack_seq = applied;
		up->ack_ms = now;
		memcpy(up->ack_parent, st.parent_store_id,
		       sizeof(up->ack_parent));
		if (!up->ack_queued)
			ack_submit(up);
		up->last_advance_ms = now;
		st.waiting = st.head_seq > applied ? st.head_seq - applied : 0;
		st.acked_seq = applied;
	} else if (applied != st.acked_seq || n_rej > 0 ||
		   strcmp(parent_store_id, st.parent_store_id) != 0) {
		/* A queued ack_job, decided before, must not undo this. */
		atomic_fetch_add(&up->ack_epoch, 1);
		up->ack_seq = 0;
		rv = dongbo_store_uplink_ack(up->node->store, parent_store_id,
					     applied, now, rej, n_rej);
		if (rv != 0)
			return rv;
		if (applied > st.acked_seq)
			up->last_advance_ms = now;
		st.waiting = st.head_seq > applied ? st.head_seq - applied : 0;
		st.acked_seq = applied;
	}
	up->last_ack_ms = now;
	snprintf(up->parent_store_id, sizeof(up->parent_store_id), "%s",
		 parent_store_id);
	dongbo_catch_up_progress(&up->catch_up, up->parent_unit, &st, now);
	if (out != NULL)
		*out = st;
	return 0;
}

/* True when the parent announces a catalog newer than ours that we have
 * not already refused. */
static bool parent_has_newer_catalog(const struct dongbo_uplink *up,
				     uint32_t version)
{
	const struct dongbo_node *node = up->node;

	return version > dongbo_catalog_version(node->catalog) &&
	       version > node->catalog_refused;
}

/* Over TLS: the parent proves the unit it claims, for our nonce. */
static int check_welcome_proof(struct dongbo_uplink *up,
			       const Dongbo__Welcome *w, char *err,
			       size_t errlen)
{
	char applied[24];
	const char *parts[] = { w->unit, w->store_id, applied,
				up->node->home->code,
				dongbo_store_id(up->node->store), up->nonce };

	snprintf(applied, sizeof(applied), "%llu",
		 (unsigned long long)w->applied_seq);
	return dongbo_ident_verify(up->node->ident, w->cert.data, w->cert.len,
				   w->unit, DONGBO_WELCOME_LABEL, parts, 6,
				   w->proof.data, w->proof.len, err, errlen);
}

static void on_welcome(struct dongbo_uplink *up, const Dongbo__Welcome *w)
{
	const struct dongbo_unit *pu = dongbo_units_find(up->node->units, w->unit);
	struct dongbo_uplink_state st;
	char why[256];
	int rv;

	if (up->tls && check_welcome_proof(up, w, why, sizeof(why)) != 0) {
		set_error(up, "parent at %s failed to prove its identity: %s",
			  up->node->cfg.parent_url, why);
		dongbo_log_error("uplink: %s", up->last_error);
		up->backoff_ms = BACKOFF_MAX_MS;
		backoff(up);
		return;
	}
	if (pu == NULL || pu == up->node->home ||
	    !dongbo_unit_is_within(up->node->home, pu) || !dongbo_store_id_is_valid(w->store_id)) {
		set_error(up, "parent serves unit '%s', which is not an ancestor "
			      "of %s", w->unit, up->node->home->code);
		dongbo_log_error("uplink: %s", up->last_error);
		up->backoff_ms = BACKOFF_MAX_MS;
		backoff(up);
		return;
	}
	if (up->parent_store_id[0] != '\0' &&
	    strcmp(up->parent_store_id, w->store_id) != 0)
		dongbo_log_warn("uplink: parent %s has a new store (%s); "
				"re-sending from record %llu",
				w->unit, w->store_id,
				(unsigned long long)w->applied_seq + 1);
	snprintf(up->parent_unit, sizeof(up->parent_unit), "%s", w->unit);
	rv = note_ack(up, w->store_id, w->applied_seq, NULL, 0, &st);
	if (rv != 0) {
		set_error(up, "store: %s", dongbo_strerror(rv));
		dongbo_log_error("uplink: %s", up->last_error);
		backoff(up);
		return;
	}
	dongbo_log_info("uplink: welcomed by %s, resuming after record %llu",
			w->unit, (unsigned long long)w->applied_seq);
	if (w->catalog.len > 0 &&
	    parent_has_newer_catalog(up, w->catalog_version))
		(void)dongbo_node_catalog_offer(up->node, w->unit,
						w->catalog.data, w->catalog.len,
						w->catalog_version);
	up->backoff_ms = BACKOFF_MIN_MS;
	up->last_error[0] = '\0';
	dongbo_catch_up_begin(&up->catch_up, up->parent_unit, &st,
			      dongbo_now_ms());
	send_next(up);
}

/* What the parent says it refused, as the store keeps it.  The record is
 * the one in our log (the parent echoes only its key and seq); a
 * rejection that names no entry of ours is ignored (logged). */
static int rejection_of(struct dongbo_uplink *up, const Dongbo__Rejection *r,
			struct dongbo_rejection *out)
{
	struct dongbo_record rec = {
		.unit = r->unit, .indicator = r->indicator,
		.period = r->period, .seq = r->seq,
	};

	if (!dongbo_push_batch_find(&up->flight, &rec)) {
		dongbo_log_warn("uplink: parent refused record %llu, which "
				"was not in the batch sent",
				(unsigned long long)r->seq);
		return -1;
	}
	*out = (struct dongbo_rejection){ .rec = rec, .code = r->code,
					  .reason = r->reason };
	return 0;
}

/* The approval states an Ack brings down (the parent level's approvals,
 * returns and reopens of our units): applied by version with the new
 * cursor, in one transaction.  0, or -1 with the error set and logged. */
static int take_approvals(struct dongbo_uplink *up, const Dongbo__Ack *ack)
{
	struct dongbo_approval *aps = NULL;
	uint64_t cursor = 0;
	size_t changed = 0;
	char why[256];
	int rv;

	rv = dongbo_store_approvals_cursor(up->node->store, ack->store_id,
					   &cursor);
	if (rv == 0 && ack->n_approvals == 0 && ack->approvals_next == cursor)
		return 0; /* nothing new: no write */
	if (rv == 0 && ack->n_approvals > DONGBO_APPROVALS_DOWN_MAX) {
		snprintf(why, sizeof(why), "%zu approval states in one ack "
			 "(at most %u)", ack->n_approvals,
			 DONGBO_APPROVALS_DOWN_MAX);
		rv = DONGBO_E_PROTO;
	}
	if (rv == 0 && ack->n_approvals > 0 &&
	    (aps = calloc(ack->n_approvals, sizeof(*aps))) == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		rv = DONGBO_E_NOMEM;
	}
	for (size_t i = 0; rv == 0 && i < ack->n_approvals; i++)
		rv = dongbo_approval_from_wire(ack->approvals[i], &aps[i], why,
					       sizeof(why));
	if (rv == 0) {
		rv = dongbo_store_approvals_from_parent(
			up->node->store, ack->store_id, aps, ack->n_approvals,
			ack->approvals_next, dongbo_now_ms(), &changed);
		if (rv != 0)
			snprintf(why, sizeof(why), "store: %s",
				 dongbo_strerror(rv));
	}
	free(aps);
	if (rv != 0) {
		set_error(up, "approval states from the parent: %s", why);
		dongbo_log_error("uplink: %s", up->last_error);
		return -1;
	}
	for (size_t i = 0; i < ack->n_approvals && changed > 0; i++) {
		const Dongbo__Approval *a = ack->approvals[i];

		dongbo_log_info("uplink: %s %s %s is %s (by %s)%s%s", a->unit,
				a->form, a->period,
				dongbo_approval_state_word(
					(enum dongbo_approval_state)a->state),
				a->node, a->note[0] ? ": " : "", a->note);
	}
	up->approvals_more = ack->approvals_more;
	return 0;
}

static void on_ack(struct dongbo_uplink *up, const Dongbo__Ack *ack)
{
	struct dongbo_rejection *rej;
	size_t n_rej = 0;
	int rv;

	if (strcmp(ack->store_id, up->parent_store_id) != 0) {
		/* The parent was replaced under us: introduce ourselves. */
		send_hello(up);
		return;
	}
	rej = ack->n_rejected > 0 ? calloc(ack->n_rejected, sizeof(*rej))
				  : NULL;
	if (ack->n_rejected > 0 && rej == NULL) {
		set_error(up, "out of memory");
		backoff(up);
		return;
	}
	for (size_t i = 0; i < ack->n_rejected; i++) {
		const Dongbo__Rejection *r = ack->rejected[i];

		dongbo_log_warn("uplink: parent refused record %llu "
				"(%s %s %s): %s",
				(unsigned long long)r->seq, r->unit,
				r->indicator, r->period, r->reason);
		/* A refused state is only logged: states are not kept as
		 * rejected records. */
		if (!dongbo_push_batch_has_approval(&up->flight, r->seq) &&
		    rejection_of(up, r, &rej[n_rej]) == 0)
			n_rej++;
	}
	rv = note_ack(up, ack->store_id, ack->applied_seq, rej, n_rej, NULL);
	free(rej);
	if (rv != 0) {
		set_error(up, "store: %s", dongbo_strerror(rv));
		dongbo_log_error("uplink: %s", up->last_error);
		backoff(up);
		return;
	}
	if (take_approvals(up, ack) != 0) {
		backoff(up);
		return;
	}
	up->last_error[0] = '\0';
	if (up->batch_cur < up->node->cfg.batch_max)
		up->batch_cur = up->batch_cur * 2 > up->node->cfg.batch_max
					? up->node->cfg.batch_max
					: up->batch_cur * 2;
	if (parent_has_newer_catalog(up, ack->catalog_version)) {
		dongbo_log_info("uplink: parent runs catalog v%u (we run v%u); "
				"fetching it", ack->catalog_version,
				dongbo_catalog_version(up->node->catalog));
		send_hello(up);
		return;
	}
	send_next(up);
}

static void on_error_reply(struct dongbo_uplink *up, const Dongbo__Error *e)
{
	switch (e->code) {
	case DONGBO_E_NEED_HELLO:
		send_hello(up);
		return;
	case DONGBO_E_GAP:
		if (note_ack(up, up->parent_store_id, e->applied_seq, NULL,
			     0, NULL) == 0) {
			send_next(up);
			return;
		}
		break;
	case DONGBO_E_PROTO:
		if (up->state == UP_RESTORE) {
			/* A parent that cannot serve a restore (an older
			 * dongbod): go on without one rather than never
			 * sending anything again. */
			dongbo_log_warn("uplink: parent cannot restore our "
					"values (%s); going on without",
					e->message);
			if (dongbo_store_restore_apply(up->node->store, NULL,
						       0, up->parent_unit, NULL,
						       dongbo_now_ms(),
						       NULL) == 0) {
				up->restoring = false;
				send_next(up);
				return;
			}
		}
		break;
	case DONGBO_E_MAP_FULL:
	case DONGBO_E_TOOBIG:
		/* The batch did not fit in one transaction there: send
		 * smaller ones (down to one record), so that whatever fits
		 * is taken and the rest waits for room. */
		if (up->state == UP_PUSH && up->batch_cur > 1) {
			up->batch_cur = up->batch_cur / 2;
			dongbo_log_info("uplink: batches of %zu records from "
					"now on: %s", up->batch_cur,
					e->message);
		}
		break;
	default:
		break;
	}
	set_error(up, "parent refused: %s", e->message);
	dongbo_log_warn("uplink: %s", up->last_error);
	backoff(up);
}

/* Creates and starts the dialer to the parent (TLS when tls+tcp://).
 * 0, or an NNG_* code with the reason in err. */
static int uplink_dial(struct dongbo_uplink *up, char *err, size_t errlen)
{
	const char *url = up->node->cfg.parent_url;
	int rv;

	if ((rv = nng_dialer_create(&up->dialer, up->sock, url)) != 0)
		goto fail;
	if (up->tls) {
		nng_tls_config *tls;

		if (dongbo_ident_tls_config(up->node->ident, false, &tls, err,
					    errlen) != 0) {
			nng_dialer_close(up->dialer);
			return NNG_EINVAL; /* err says why */
		}
		rv = nng_dialer_set_ptr(up->dialer, NNG_OPT_TLS_CONFIG, tls);
		nng_tls_config_free(tls); /* the dialer holds its own */
		if (rv != 0)
			goto fail_after_dialer;
	}
	/* A reply over DONGBO_MSG_MAX drops the pipe: we dial again. */
	if ((rv = nng_dialer_set_ms(up->dialer, NNG_OPT_RECONNMINT,
				    BACKOFF_MIN_MS)) != 0 ||
	    (rv = nng_dialer_set_ms(up->dialer, NNG_OPT_RECONNMAXT,
				    BACKOFF_MAX_MS)) != 0 ||
	    (rv = nng_dialer_set_size(up->dialer, NNG_OPT_RECVMAXSZ,
				      DONGBO_MSG_MAX)) != 0)
		goto fail_after_dialer;
	/* Non-blocking: a parent that is down now is dialed again later. */
	if ((rv = nng_dialer_start(up->dialer, NNG_FLAG_NONBLOCK)) != 0)
		goto fail_after_dialer;
	return 0;

fail_after_dialer:
	nng_dialer_close(up->dialer);
fail:
	snprintf(err, errlen, "parent '%s': %s", url, nng_strerror(rv));
	return rv;
}

/* Requests that timed out in a row before the dialer is closed and
 * started afresh (a frozen parent first shows as stalled). */
#define STUCK_TIMEOUTS 3

/* After a request timed out, the next one starts on a fresh REQ context:
 * nothing of the old request (and of the pipe it went out on) lingers. */
static void uplink_fresh_ctx(struct dongbo_uplink *up)
{
	nng_ctx ctx;

	if (nng_ctx_open(&ctx, up->sock) != 0)
		return; /* keep the old one */
	nng_ctx_close(up->ctx);
	up->ctx = ctx;
}

/* Requests that keep timing out end with the dialer closed and started
 * again, since nothing else would ever end what holds them:
 *  - a link that is up but answers nothing (a connection left half-open
 *    by a parent that died, or stuck in nng's TLS layer);
 *  - no link at all while nng's dialer waits on a connection whose TLS
 *    handshake never ends (nng 1.5 puts no deadline on it: a listener
 *    that accepts and stays silent holds the dialer for as long as it
 *    keeps the connection open, through any restart of the parent);
 *  - no link at all because nng never dials again: in nng 1.5.2 a TLS
 *    connection that dies under a send larger than its 16 KiB buffer
 *    can leave that send pending forever, so the pipe's teardown (on
 *    nng's one reaper thread) never ends, and the dialer redials only
 *    once it has.  A new dialer does not wait on the reaper.
 * An unreachable parent is simply dialed afresh every few timeouts. */
static void uplink_redial(struct dongbo_uplink *up)
{
	char err[512];

	if (atomic_load(&up->n_pipes) > 0)
		dongbo_log_warn("uplink: no reply from %s to %u requests in a "
				"row on an open link: dialing it afresh",
				up->node->cfg.parent_url, STUCK_TIMEOUTS);
	else
		dongbo_log_debug("uplink: no link to %s for %u requests in a "
				 "row: dialing it afresh",
				 up->node->cfg.parent_url, STUCK_TIMEOUTS);
	up->timeouts = 0;
	nng_dialer_close(up->dialer);
	if (uplink_dial(up, err, sizeof(err)) != 0)
		dongbo_log_error("uplink: %s", err);
}

static void up_mail_cb(struct dongbo_mail *mail)
{
	struct dongbo_uplink *up = (struct dongbo_uplink *)((char *)mail -
		offsetof(struct dongbo_uplink, mail));
	nng_msg *reply = up->reply;
	Dongbo__SyncReply *rep = NULL;
	int rv = up->io_result;

	up->reply = NULL;
	if (up->state == UP_CLOSED) {
		nng_msg_free(reply);
		return;
	}
	if (rv != 0) {
		set_error(up, "%s %s: %s",
			  up->state == UP_HELLO     ? "hello to"
			  : up->state == UP_RESTORE ? "restore from"
						    : "push to",
			  up->node->cfg.parent_url, nng_strerror(rv));
		dongbo_log_debug("uplink: %s", up->last_error);
		if (rv == NNG_ETIMEDOUT) {
			uplink_fresh_ctx(up);
			if (++up->timeouts >= STUCK_TIMEOUTS)
				uplink_redial(up);
		}
		backoff(up);
		return;
	}
	up->timeouts = 0;
	if (up->state == UP_PUSH && up->inflight > 0)
		dongbo_fault_point("child.after_send");
	rv = dongbo_proto_unpack(&dongbo__sync_reply__descriptor, reply,
				 (ProtobufCMessage **)&rep);
	nng_msg_free(reply);
	if (rv != 0) {
		set_error(up, "malformed reply from parent: %s",
			  dongbo_strerror(rv));
		dongbo_log_warn("uplink: %s", up->last_error);
		backoff(up);
		return;
	}
	if (rep->body_case == DONGBO__SYNC_REPLY__BODY_ERROR)
		on_error_reply(up, rep->error);
	else if (up->state == UP_HELLO &&
		 rep->body_case == DONGBO__SYNC_REPLY__BODY_WELCOME)
		on_welcome(up, rep->welcome);
	else if (up->state == UP_PUSH &&
		 rep->body_case == DONGBO__SYNC_REPLY__BODY_ACK)
		on_ack(up, rep->ack);
	else if (up->state == UP_RESTORE &&
		 rep->body_case == DONGBO__SYNC_REPLY__BODY_RESTORE)
		on_restore(up, rep->restore);
	else {
		set_error(up, "unexpected reply from parent in state %s",
			  state_names[up->state]);
		dongbo_log_warn("uplink: %s", up->last_error);
		backoff(up);
	}
	dongbo_proto_free(&rep->base);
}

int dongbo_uplink_start(struct dongbo_node *node, struct dongbo_uplink **out,
			char *err, size_t errlen)
{
	struct dongbo_uplink *up = calloc(1, sizeof(*up));
	const char *url = node->cfg.parent_url;
	bool told = false;
	int rv;

	if (up == NULL)
		return DONGBO_E_NOMEM;
	up->node = node;
	up->mail.cb = up_mail_cb;
	up->backoff_ms = BACKOFF_MIN_MS;
	up->batch_cur = node->cfg.batch_max;
	atomic_init(&up->connected_ms, 0);
	up->state = UP_INIT;
	atomic_init(&up->n_pipes, 0);

	if ((rv = nng_req0_open(&up->sock)) != 0)
		goto err_free;
	/* Requests are resent by us after a timeout; nng's own resend would
	 * only duplicate them. */
	if ((rv = nng_socket_set_ms(up->sock, NNG_OPT_REQ_RESENDTIME,
				    NNG_DURATION_INFINITE)) != 0)
		goto err_after_sock;
	nng_pipe_notify(up->sock, NNG_PIPE_EV_ADD_POST, up_pipe_cb, up);
	nng_pipe_notify(up->sock, NNG_PIPE_EV_REM_POST, up_pipe_cb, up);
	if ((rv = nng_ctx_open(&up->ctx, up->sock)) != 0)
		goto err_after_sock;
	if ((rv = nng_aio_alloc(&up->aio, up_aio_cb, up)) != 0)
		goto err_after_sock;
	up->tls = dongbo_url_is_tls(url);
	if ((rv = uplink_dial(up, err, errlen)) != 0) {
		told = true;
		goto err_after_aio;
	}
	if (uv_timer_init(node->loop, &up->timer) != 0) {
		rv = NNG_ENOMEM;
		goto err_after_aio;
	}
	up->timer.data = up;
	up->started_ms = dongbo_now_ms();
	{
		char progress[256];

		rv = dongbo_store_restore_state(node->store, progress,
						sizeof(progress));
		if (rv == 0) {
			up->restoring = true;
			dongbo_restore_load(&up->restore, node, progress);
			dongbo_log_info("uplink: a restore from the parent is "
					"pending%s%s", progress[0] ? " at " : "",
					progress);
		}
	}
	*out = up;
	send_hello(up);
	return 0;

err_after_aio:
	nng_aio_free(up->aio);
err_after_sock:
	nng_close(up->sock);
err_free:
	if (!told)
		snprintf(err, errlen, "parent '%s': %s", url,
			 nng_strerror(rv));
	free(up);
	return dongbo_proto_nng_err(rv);
}

void dongbo_uplink_kick(struct dongbo_uplink *up)
{
	if (up != NULL && up->state == UP_IDLE) {
		/* send_next from IDLE always pushes.  Not at once: at the
		 * next turn of the loop, in place of the heartbeat, so that
		 * the children's batches the mailbox runs in this turn (up
		 * to 16) go up in one push -- one transaction at the parent
		 * instead of one each. */
		uv_timer_start(&up->timer, timer_cb, 0, 0);
	}
}

static void timer_close_cb(uv_handle_t *h)
{
	struct dongbo_uplink *up = h->data;

	up->timer_closed = true;
	uplink_free_if_done(up); /* else ack_done frees it */
}

void dongbo_uplink_stop(struct dongbo_uplink *up)
{
	if (up == NULL)
		return;
	uplink_set_state(up, UP_CLOSED);
	nng_close(up->sock);
	nng_aio_stop(up->aio);
	dongbo_mailbox_drain(&up->node->mailbox);
	nng_aio_free(up->aio);
	dongbo_push_batch_free(&up->flight);
	uv_timer_stop(&up->timer);
	uv_close((uv_handle_t *)&up->timer, timer_close_cb);
}

void dongbo_uplink_info(const struct dongbo_uplink *up, uint64_t waiting,
			int64_t oldest_ms, struct dongbo_uplink_info *out)
{
	int64_t now = dongbo_now_ms();
	/* Stuck since the latest of: the cursor's last move, the session's
	 * start, the oldest change waiting (a put after an idle spell). */
	int64_t since = up->last_advance_ms;
	int64_t connected = atomic_load(
		&((struct dongbo_uplink *)up)->connected_ms);

	if (connected > since)
		since = connected;
	if (oldest_ms > since)
		since = oldest_ms;

	out->connected = atomic_load(&((struct dongbo_uplink *)up)->n_pipes) > 0;
	out->state = state_names[up->state];
	out->parent_unit = up->parent_unit;
	out->last_error = up->last_error;
	out->last_ack_ms = up->last_ack_ms;
	out->last_advance_ms = up->last_advance_ms;
	out->restoring = up->restoring;
	out->restored = up->restored;
	out->catch_up_total = up->catch_up.total;
	out->catch_up_sent = dongbo_catch_up_sent(&up->catch_up, waiting);
	if (!out->connected && (waiting > 0 || up->restoring))
		out->health = "offline";
	else if (up->restoring)
		out->health = "restoring";
	else if (waiting == 0)
		out->health = "ok";
	else if (now - since > (int64_t)up->node->cfg.stall_ms)
		out->health = "stalled";
	else
		out->health = "ok";
}
