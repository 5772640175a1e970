/*
 * fault_proxy.c -- a test-only fault layer for the sync conversation: a
 * hostile peer re-sends old batches, sends them out of order, replays a
 * whole session, loses acknowledgements after commit; the parent's state
 * must not change (issue 4, point 2).  Driven by
 * tests/integration/test_replay.py.
 *
 *   fault_proxy [proxy] --listen URL --parent URL [--record FILE] [--dup]
 *               [--drop-reply-every N] [--stale-every N] [--seed N]
 *               [--timeout-ms MS] [--max-seconds S]
 *   fault_proxy replay --parent URL --record FILE
 *               --mode again|reverse|shuffle|session [--seed N]
 *               [--timeout-ms MS] [--max-seconds S]
 *
 * Proxy, happy path: a REP socket listens on --listen, where a real child's
 * [parent] url points.  Each request the child sends is appended to the
 * recording (in memory, and to --record FILE as a 4-byte big-endian length
 * and the raw SyncRequest bytes, flushed at once), forwarded over a REQ
 * socket to the real parent on --parent, and the parent's reply goes back
 * to the child.  One line per request on stderr: kind, unit, seq range,
 * records, the reply and the faults applied.  Faults, all counted:
 *  --dup                  every request reaches the parent twice and the
 *                         child gets the second reply: the first one was
 *                         committed, so the second is a committed batch
 *                         re-sent.
 *  --drop-reply-every N   the parent's reply to every Nth Push is
 *                         dropped: an acknowledgement lost after commit.
 *                         The child times out and starts again with Hello.
 *                         (Counting Pushes, not requests: dropping every
 *                         second request would lose the reply of every
 *                         request that follows a Hello, in lockstep, and
 *                         a read-only one such as a Restore would never
 *                         get through.)
 *  --stale-every N        before every Nth request, one earlier recorded
 *                         request (a seeded pick) is sent to the parent and
 *                         its reply discarded: an old batch re-sent in the
 *                         middle of live traffic.
 * On SIGTERM or SIGINT, or after --max-seconds (a forgotten proxy never
 * outlives its test), it prints one "totals:" line and exits 0.
 *
 * Replay, happy path: loads the recording, dials the parent directly and
 * re-sends the recorded requests one at a time in the order of --mode:
 * again (all, as recorded), reverse (all, newest first), shuffle (a seeded
 * permutation in which about half the requests appear twice) or session
 * (from the first Hello up to the next one).  It prints on stdout one line
 * per kind of reply -- welcome, ack, each error code -- with its count and
 * the range of applied_seq the replies named: replayed requests must never
 * move the child's cursor.  Error replies (GAP, NEED_HELLO) are expected.
 *
 * Failure modes:
 *  - the parent down or slow: a request unanswered within --timeout-ms gets
 *    no reply to the child, which times out and retries as after any
 *    outage; in replay it counts as no_reply and the exit status is 1.
 *  - bytes that do not decode: forwarded as they are (the parent judges
 *    them) and logged as malformed; a malformed reply in replay counts as
 *    such and the exit status is 1.
 *  - the recording cannot be written, or is truncated or holds an entry
 *    larger than DONGBO_MSG_MAX when loaded: an error naming the file (and
 *    the offset); exit 1.
 *  - a stop while a request is in flight waits for it (at most
 *    --timeout-ms); a close still blocked after STOP_GRACE_S (nng 1.5.2's
 *    nanomsg/nng#1543, see daemon/node.c) ends the process anyway, exit 0:
 *    every recorded request was flushed when it arrived.
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "codec.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define EXIT_USAGE 2
#define POLL_MS 100
#define STOP_GRACE_S 5
#define TALLY_MAX 32

static const char usage_text[] =
	"usage: fault_proxy [proxy] --listen URL --parent URL [--record FILE]\n"
	"                   [--dup] [--drop-reply-every N] [--stale-every N]\n"
	"                   [--seed N] [--timeout-ms MS] [--max-seconds S]\n"
	"       fault_proxy replay --parent URL --record FILE\n"
	"                   --mode again|reverse|shuffle|session [--seed N]\n"
	"                   [--timeout-ms MS] [--max-seconds S]\n";

/* ---- options ---- */

struct opts {
	bool replay;
	const char *listen;
	const char *parent;
	const char *record;
	const char *mode;
	bool dup;
	uint64_t drop_every;  /* 0: never */
	uint64_t stale_every; /* 0: never */
	uint64_t seed;
	uint64_t timeout_ms;
	uint64_t max_seconds;
};

/* Which options each mode takes: a flag of the option table. */
enum { FOR_PROXY = 1, FOR_REPLAY = 2, FOR_BOTH = 3 };

struct opt_def {
	const char *name;
	int modes;
	const char **str; /* a string value, or */
	uint64_t *num;	  /* a number (max below), or */
	uint64_t max;
	bool *flag;	  /* a flag */
};

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Says what is wrong and how to call us; returns EXIT_USAGE. */
static int usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fault_proxy: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

/* Parses argv into o; 0 or EXIT_USAGE (said on stderr). */
static int opts_parse(int argc, char **argv, struct opts *o)
{
	const struct opt_def defs[] = {
		{ "--listen", FOR_PROXY, &o->listen, NULL, 0, NULL },
		{ "--parent", FOR_BOTH, &o->parent, NULL, 0, NULL },
		{ "--record", FOR_BOTH, &o->record, NULL, 0, NULL },
		{ "--mode", FOR_REPLAY, &o->mode, NULL, 0, NULL },
		{ "--dup", FOR_PROXY, NULL, NULL, 0, &o->dup },
		{ "--drop-reply-every", FOR_PROXY, NULL, &o->drop_every, 1000000,
		  NULL },
		{ "--stale-every", FOR_PROXY, NULL, &o->stale_every, 1000000,
		  NULL },
		{ "--seed", FOR_BOTH, NULL, &o->seed, UINT64_MAX, NULL },
		{ "--timeout-ms", FOR_BOTH, NULL, &o->timeout_ms, 3600000, NULL },
		{ "--max-seconds", FOR_BOTH, NULL, &o->max_seconds, 86400, NULL },
	};
	int i = 1;

	*o = (struct opts){ .seed = 1, .timeout_ms = 5000, .max_seconds = 600 };
	if (argc > 1 && strcmp(argv[1], "replay") == 0) {
		o->replay = true;
		i = 2;
	} else if (argc > 1 && strcmp(argv[1], "proxy") == 0) {
		i = 2;
	}
	for (; i < argc; i++) {
		const struct opt_def *d = NULL;

		for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
			if (strcmp(argv[i], defs[k].name) == 0)
				d = &defs[k];
		if (d == NULL ||
		    !(d->modes & (o->replay ? FOR_REPLAY : FOR_PROXY)))
			return usage("unknown option '%s'", argv[i]);
		if (d->flag != NULL) {
			*d->flag = true;
			continue;
		}
		if (++i == argc)
			return usage("%s needs a value", d->name);
		if (d->str != NULL)
			*d->str = argv[i];
		else if (!dongbo_parse_u64(argv[i], d->max, d->num))
			return usage("bad number '%s'", argv[i]);
	}
	if (o->parent == NULL)
		return usage("%s is required", "--parent");
	if (!o->replay && o->listen == NULL)
		return usage("%s is required", "--listen");
	if (o->replay && (o->record == NULL || o->mode == NULL))
		return usage("%s are required", "--record and --mode");
	if (o->replay && strcmp(o->mode, "again") != 0 &&
	    strcmp(o->mode, "reverse") != 0 &&
	    strcmp(o->mode, "shuffle") != 0 && strcmp(o->mode, "session") != 0)
		return usage("unknown --mode '%s'", o->mode);
	if (o->timeout_ms == 0 || o->max_seconds == 0)
		return usage("%s must be positive",
			     "--timeout-ms/--max-seconds");
	return 0;
}

/* ---- stopping ---- */

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* See the header: nng_close may never return in nng 1.5.2. */
static void on_stop_overdue(int sig)
{
	static const char msg[] = "fault_proxy: close still blocked after "
				  "5 s (nng#1543); exiting now\n";
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(0);
}

static int signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = on_stop_overdue;
	return sigaction(SIGALRM, &sa, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool must_stop(int64_t deadline_ms)
{
	return stop_signal != 0 || now_ms() >= deadline_ms;
}

/* ---- the recording ---- */

struct blob {
	uint8_t *data;
	size_t len;
};

struct recording {
	struct blob *items;
	size_t n;
	size_t cap;
	FILE *file; /* proxy: where every item is appended; NULL in replay */
	const char *path;
};

static void recording_fini(struct recording *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].data);
	free(r->items);
	if (r->file != NULL && fclose(r->file) != 0)
		dongbo_log_error("closing '%s': %s", r->path, strerror(errno));
	*r = (struct recording){ 0 };
}

/* Takes data (malloc'd) into memory on success; 0 or -1. */
static int recording_keep(struct recording *r, uint8_t *data, size_t len)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct blob *items = realloc(r->items, cap * sizeof(*items));

		if (items == NULL)
			return -1;
		r->items = items;
		r->cap = cap;
	}
	r->items[r->n++] = (struct blob){ data, len };
	return 0;
}

/* Appends a copy of len bytes to memory and, when recording to a file,
 * to the file (flushed).  0, or -1 (logged). */
static int recording_append(struct recording *r, const void *bytes, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	uint8_t head[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			    (uint8_t)(len >> 8), (uint8_t)len };

	if (copy == NULL || recording_keep(r, copy, len) != 0) {
		free(copy);
		dongbo_log_error("recording: out of memory");
		return -1;
	}
	memcpy(copy, bytes, len);
	if (r->file == NULL)
		return 0;
	if (fwrite(head, 1, 4, r->file) != 4 ||
	    fwrite(bytes, 1, len, r->file) != len || fflush(r->file) != 0) {
		dongbo_log_error("writing '%s': %s", r->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads one entry at offset *off; 1 read, 0 clean end, -1 error (logged). */
static int recording_read_one(struct recording *r, FILE *f, long *off)
{
	uint8_t head[4];
	size_t got = fread(head, 1, 4, f);
	size_t len;
	uint8_t *data;

	if (got == 0 && feof(f))
		return 0;
	if (got != 4)
		goto truncated;
	len = (size_t)head[0] << 24 | (size_t)head[1] << 16 |
	      (size_t)head[2] << 8 | head[3];
	if (len > DONGBO_MSG_MAX) {
		dongbo_log_error("'%s': entry of %zu bytes at offset %ld (at "
				 "most %u)",
				 r->path, len, *off, DONGBO_MSG_MAX);
		return -1;
	}
	data = malloc(len > 0 ? len : 1);
	if (data == NULL) {
		dongbo_log_error("'%s': out of memory", r->path);
		return -1;
	}
	if (fread(data, 1, len, f) != len ||
	    recording_keep(r, data, len) != 0) {
		free(data);
		goto truncated;
	}
	*off += 4 + (long)len;
	return 1;

truncated:
	dongbo_log_error("'%s': %s at offset %ld", r->path,
			 ferror(f) ? strerror(errno) : "truncated entry", *off);
	return -1;
}

static int recording_load(struct recording *r, const char *path)
{
	char err[512];
	FILE *f;
	long off = 0;
	int rv;

	r->path = path;
	if (dongbo_file_open(path, &f, err, sizeof(err)) != 0) {
		dongbo_log_error("%s", err);
		return -1;
	}
	while ((rv = recording_read_one(r, f, &off)) == 1)
		;
	fclose(f);
	return rv;
}

/* ---- what the messages say ---- */

enum req_kind { REQ_MALFORMED, REQ_HELLO, REQ_PUSH, REQ_OTHER };

/* The name of a oneof body's field ("restore"): kinds this tool does not
 * look into are still named as the schema names them. */
static const char *body_name(const ProtobufCMessageDescriptor *desc,
			     unsigned body_case)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(desc, body_case);

	return f != NULL ? f->name : "empty";
}

struct req_info {
	enum req_kind kind;
	size_t n_records;
};

/* Describes a SyncRequest in text (for the log) and returns its kind. */
static struct req_info request_describe(const struct blob *b, char *buf,
					size_t buflen)
{
	Dongbo__SyncRequest *req;
	struct req_info info = { REQ_MALFORMED, 0 };

	req = dongbo__sync_request__unpack(NULL, b->len, b->data);
	if (req == NULL) {
		snprintf(buf, buflen, "malformed request (%zu bytes)", b->len);
		return info;
	}
	if (req->body_case == DONGBO__SYNC_REQUEST__BODY_HELLO) {
		const Dongbo__Hello *h = req->hello;

		info.kind = REQ_HELLO;
		snprintf(buf, buflen, "hello %s store %.12s catalog v%u",
			 h->unit, h->store_id, h->catalog_version);
	} else if (req->body_case == DONGBO__SYNC_REQUEST__BODY_PUSH) {
		const Dongbo__Push *p = req->push;

		info.kind = REQ_PUSH;
		info.n_records = p->n_records;
		snprintf(buf, buflen, "push %s seq %llu..%llu, %zu records, "
			 "head %llu", p->unit,
			 (unsigned long long)p->first_seq,
			 (unsigned long long)p->last_seq, p->n_records,
			 (unsigned long long)p->head_seq);
	} else {
		info.kind = REQ_OTHER;
		snprintf(buf, buflen, "%s request",
			 body_name(&dongbo__sync_request__descriptor,
				   req->body_case));
	}
	dongbo__sync_request__free_unpacked(req, NULL);
	return info;
}

/* What one reply said, as counted by replay. */
struct reply_info {
	char kind[48]; /* welcome | ack | error NAME | malformed | no_reply
			* | the name of a newer kind ("restore") */
	bool answered; /* a reply with a body we could decode */
	bool has_applied;
	uint64_t applied;
	size_t n_rejected;
};

static struct reply_info reply_describe(nng_msg *msg, char *buf, size_t buflen)
{
	Dongbo__SyncReply *rep = NULL;
	struct reply_info info = { .kind = "malformed" };

	if (dongbo_proto_unpack(&dongbo__sync_reply__descriptor, msg,
				(ProtobufCMessage **)&rep) != 0) {
		snprintf(buf, buflen, "malformed reply (%zu bytes)",
			 nng_msg_len(msg));
		return info;
	}
	info.answered = true;
	info.has_applied = true;
	switch (rep->body_case) {
	case DONGBO__SYNC_REPLY__BODY_WELCOME:
		snprintf(info.kind, sizeof(info.kind), "welcome");
		info.applied = rep->welcome->applied_seq;
		break;
	case DONGBO__SYNC_REPLY__BODY_ACK:
		snprintf(info.kind, sizeof(info.kind), "ack");
		info.applied = rep->ack->applied_seq;
		info.n_rejected = rep->ack->n_rejected;
		break;
	case DONGBO__SYNC_REPLY__BODY_ERROR:
		snprintf(info.kind, sizeof(info.kind), "error %s",
			 dongbo_errname(rep->error->code));
		info.applied = rep->error->applied_seq;
		break;
	default:
		snprintf(info.kind, sizeof(info.kind), "%s",
			 body_name(&dongbo__sync_reply__descriptor,
				   rep->body_case));
		info.answered =
		    rep->body_case != DONGBO__SYNC_REPLY__BODY__NOT_SET;
		info.has_applied = false;
		break;
	}
	if (info.has_applied)
		snprintf(buf, buflen, "%s applied %llu%s", info.kind,
			 (unsigned long long)info.applied,
			 info.n_rejected > 0 ? " (records rejected)" : "");
	else
		snprintf(buf, buflen, "%s", info.kind);
	dongbo_proto_free(&rep->base);
	return info;
}

/* ---- the REQ side: one call to the parent ---- */

static int parent_open(nng_socket *sock, const char *url, uint64_t timeout_ms)
{
	int rv = nng_req0_open(sock);

	if (rv != 0) {
		dongbo_log_error("REQ socket: %s", nng_strerror(rv));
		return -1;
	}
	/* One request at a time, each sent once: resends are the faults we
	 * choose, not nng's. */
	if ((rv = nng_socket_set_ms(*sock, NNG_OPT_REQ_RESENDTIME,
				    NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_socket_set_ms(*sock, NNG_OPT_RECVTIMEO,
				    (nng_duration)timeout_ms)) != 0 ||
	    (rv = nng_socket_set_ms(*sock, NNG_OPT_SENDTIMEO,
				    (nng_duration)timeout_ms)) != 0 ||
	    (rv = nng_socket_set_size(*sock, NNG_OPT_RECVMAXSZ,
				      DONGBO_MSG_MAX)) != 0 ||
	    /* Non-blocking: a parent that is down now is dialed again. */
	    (rv = nng_dial(*sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		dongbo_log_error("parent '%s': %s", url, nng_strerror(rv));
		nng_close(*sock);
		return -1;
	}
	return 0;
}

/* Sends b to the parent and waits for the reply (*reply, caller frees).
 * 0, or an NNG_* code (the request is then abandoned). */
static int parent_call(nng_socket sock, const struct blob *b, nng_msg **reply)
{
	nng_msg *msg;
	int rv = nng_msg_alloc(&msg, 0);

	if (rv != 0)
		return rv;
	if ((rv = nng_msg_append(msg, b->data, b->len)) != 0 ||
	    (rv = nng_sendmsg(sock, msg, 0)) != 0) {
		nng_msg_free(msg);
		return rv;
	}
	return nng_recvmsg(sock, reply, 0);
}

/* ---- proxy ---- */

struct proxy {
	const struct opts *o;
	nng_socket rep;
	nng_socket req;
	struct recording rec;
	uint64_t rng;
	/* totals */
	uint64_t n_requests, n_hello, n_push, n_records;
	uint64_t n_dup, n_dropped, n_acks_lost, n_stale, n_unanswered;
};

static int proxy_open(struct proxy *px)
{
	const struct opts *o = px->o;
	int rv;

	if (o->record != NULL) {
		px->rec.path = o->record;
		px->rec.file = fopen(o->record, "wb");
		if (px->rec.file == NULL) {
			dongbo_log_error("cannot create '%s': %s", o->record,
					 strerror(errno));
			return -1;
		}
	}
	if ((rv = nng_rep0_open(&px->rep)) != 0) {
		dongbo_log_error("REP socket: %s", nng_strerror(rv));
		goto err_after_record;
	}
	if ((rv = nng_socket_set_ms(px->rep, NNG_OPT_RECVTIMEO,
				    POLL_MS)) != 0 ||
	    (rv = nng_socket_set_size(px->rep, NNG_OPT_RECVMAXSZ,
				      DONGBO_MSG_MAX)) != 0 ||
	    (rv = nng_listen(px->rep, o->listen, NULL, 0)) != 0) {
		dongbo_log_error("listen '%s': %s", o->listen,
				 nng_strerror(rv));
		goto err_after_rep;
	}
	if (parent_open(&px->req, o->parent, o->timeout_ms) != 0)
		goto err_after_rep;
	return 0;

err_after_rep:
	nng_close(px->rep);
err_after_record:
	recording_fini(&px->rec);
	return -1;
}

/* --stale-every: one earlier request, re-sent before request k. */
static void proxy_send_stale(struct proxy *px, uint64_t k)
{
	const struct blob *b;
	nng_msg *reply = NULL;
	char what[256], said[128];
	size_t i;
	int rv;

	if (px->rec.n < 2)
		return;
	/* The last item is request k itself: pick among the others. */
	i = (size_t)(dongbo_splitmix64(&px->rng) % (px->rec.n - 1));
	b = &px->rec.items[i];
	(void)request_describe(b, what, sizeof(what));
	rv = parent_call(px->req, b, &reply);
	if (rv != 0) {
		dongbo_log_info("#%llu, first #%zu again (stale): %s -> no "
				"reply: %s", (unsigned long long)k, i + 1, what,
				nng_strerror(rv));
		return;
	}
	(void)reply_describe(reply, said, sizeof(said));
	nng_msg_free(reply);
	px->n_stale++;
	dongbo_log_info("#%llu, first #%zu again (stale): %s -> %s",
			(unsigned long long)k, i + 1, what, said);
}

/* Forwards the request (twice with --dup); *reply is the last reply, or
 * NULL when the parent did not answer. */
static void proxy_forward(struct proxy *px, const struct blob *b,
			  nng_msg **reply)
{
	int sends = px->o->dup ? 2 : 1;

	*reply = NULL;
	for (int i = 0; i < sends; i++) {
		int rv;

		nng_msg_free(*reply);
		*reply = NULL;
		rv = parent_call(px->req, b, reply);
		if (rv != 0) {
			dongbo_log_warn("  parent did not answer: %s",
					nng_strerror(rv));
			return;
		}
	}
	if (sends == 2)
		px->n_dup++;
}

/* One request from the child: record, forward, answer or drop. */
static int proxy_handle(struct proxy *px, nng_msg *msg)
{
	struct blob *b;
	struct req_info info;
	struct reply_info said;
	nng_msg *reply;
	char what[256], text[128];
	bool drop;
	uint64_t k;
	int rv;

	rv = recording_append(&px->rec, nng_msg_body(msg), nng_msg_len(msg));
	if (rv != 0)
		return -1;
	b = &px->rec.items[px->rec.n - 1];
	k = ++px->n_requests;
	info = request_describe(b, what, sizeof(what));
	px->n_hello += info.kind == REQ_HELLO;
	px->n_push += info.kind == REQ_PUSH;
	px->n_records += info.n_records;
	if (px->o->stale_every > 0 && k % px->o->stale_every == 0)
		proxy_send_stale(px, k);
	proxy_forward(px, b, &reply);
	if (reply == NULL) {
		px->n_unanswered++;
		dongbo_log_info("#%llu %s -> no reply", (unsigned long long)k,
				what);
		return 0;
	}
	said = reply_describe(reply, text, sizeof(text));
	drop = info.kind == REQ_PUSH && px->o->drop_every > 0 &&
	       px->n_push % px->o->drop_every == 0;
	dongbo_log_info("#%llu %s -> %s%s%s", (unsigned long long)k, what, text,
			px->o->dup ? " [dup]" : "",
			drop ? " [reply dropped]" : "");
	if (drop) {
		px->n_dropped++;
		px->n_acks_lost +=
			info.n_records > 0 && strcmp(said.kind, "ack") == 0;
		nng_msg_free(reply);
		return 0;
	}
	if ((rv = nng_sendmsg(px->rep, reply, 0)) != 0) {
		/* The child gave up or went away: it will ask again. */
		nng_msg_free(reply);
		dongbo_log_warn("  reply to the child: %s", nng_strerror(rv));
	}
	return 0;
}

static int proxy_loop(struct proxy *px)
{
	int64_t deadline = now_ms() + (int64_t)px->o->max_seconds * 1000;

	while (!must_stop(deadline)) {
		nng_msg *msg;
		int rv = nng_recvmsg(px->rep, &msg, 0);

		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0) {
			dongbo_log_error("receiving from the child: %s",
					 nng_strerror(rv));
			return -1;
		}
		rv = proxy_handle(px, msg);
		nng_msg_free(msg);
		if (rv != 0)
			return -1;
	}
	if (stop_signal != 0)
		dongbo_log_info("received %s, stopping",
				stop_signal == SIGTERM ? "SIGTERM" : "SIGINT");
	else
		dongbo_log_info("--max-seconds %llu passed; stopping",
				(unsigned long long)px->o->max_seconds);
	return 0;
}

static int proxy_run(const struct opts *o)
{
	struct proxy px = { .o = o, .rng = o->seed };
	int rv;

	if (proxy_open(&px) != 0)
		return EXIT_FAILURE;
	dongbo_log_info("proxy %s -> %s%s%s", o->listen, o->parent,
			o->record ? ", recording to " : "",
			o->record ? o->record : "");
	rv = proxy_loop(&px);
	dongbo_log_info(
	    "totals: requests=%llu hello=%llu push=%llu records=%llu "
	    "dup=%llu dropped=%llu acks_lost=%llu stale=%llu "
	    "unanswered=%llu",
	    (unsigned long long)px.n_requests, (unsigned long long)px.n_hello,
	    (unsigned long long)px.n_push, (unsigned long long)px.n_records,
	    (unsigned long long)px.n_dup, (unsigned long long)px.n_dropped,
	    (unsigned long long)px.n_acks_lost, (unsigned long long)px.n_stale,
	    (unsigned long long)px.n_unanswered);
	alarm(STOP_GRACE_S);
	nng_close(px.rep);
	nng_close(px.req);
	alarm(0);
	recording_fini(&px.rec);
	return rv == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- replay ---- */

struct tally {
	struct reply_info first; /* kind and the first applied_seq */
	uint64_t count;
	uint64_t min_applied, max_applied;
	uint64_t rejected;
};

struct replay {
	struct tally t[TALLY_MAX];
	size_t n;
};

static void replay_count(struct replay *rp, const struct reply_info *r)
{
	struct tally *t = NULL;

	for (size_t i = 0; i < rp->n && t == NULL; i++)
		if (strcmp(rp->t[i].first.kind, r->kind) == 0)
			t = &rp->t[i];
	if (t == NULL && rp->n == TALLY_MAX) {
		/* Cannot happen: there are fewer kinds than that. */
		dongbo_log_error("more than %d kinds of reply: '%s' not counted",
				 TALLY_MAX, r->kind);
		return;
	}
	if (t == NULL) {
		t = &rp->t[rp->n++];
		*t = (struct tally){ .first = *r, .min_applied = r->applied,
				     .max_applied = r->applied };
	}
	t->count++;
	t->rejected += r->n_rejected;
	if (r->applied < t->min_applied)
		t->min_applied = r->applied;
	if (r->applied > t->max_applied)
		t->max_applied = r->applied;
}

/* The indexes of the recording to send, in the order of mode.  0 or -1. */
static int replay_order(const struct recording *rec, const struct opts *o,
			size_t **order, size_t *n)
{
	size_t *ix = malloc((2 * rec->n + 1) * sizeof(*ix));
	size_t m = 0, first = rec->n, end = rec->n;
	uint64_t rng = o->seed;
	char buf[256];

	if (ix == NULL) {
		dongbo_log_error("out of memory");
		return -1;
	}
	if (strcmp(o->mode, "again") == 0) {
		for (size_t i = 0; i < rec->n; i++)
			ix[m++] = i;
	} else if (strcmp(o->mode, "reverse") == 0) {
		for (size_t i = rec->n; i > 0; i--)
			ix[m++] = i - 1;
	} else if (strcmp(o->mode, "shuffle") == 0) {
		for (size_t i = 0; i < rec->n; i++) {
			ix[m++] = i;
			if (dongbo_splitmix64(&rng) & 1)
				ix[m++] = i; /* a duplicate */
		}
		for (size_t i = m; i > 1; i--) { /* Fisher-Yates */
			size_t j = (size_t)(dongbo_splitmix64(&rng) % i);
			size_t tmp = ix[i - 1];

			ix[i - 1] = ix[j];
			ix[j] = tmp;
		}
	} else { /* session, as opts_parse checked */
		for (size_t i = 0; i < rec->n && end == rec->n; i++) {
			if (request_describe(&rec->items[i], buf, sizeof(buf))
				    .kind != REQ_HELLO)
				continue;
			if (first == rec->n)
				first = i;
			else
				end = i;
		}
		if (first == rec->n) {
			dongbo_log_error("'%s' holds no Hello", rec->path);
			free(ix);
			return -1;
		}
		for (size_t i = first; i < end; i++)
			ix[m++] = i;
	}
	*order = ix;
	*n = m;
	return 0;
}

/* Sends the requests of order; counts the replies.  0, or -1 when one went
 * unanswered or the deadline passed. */
static int replay_send(struct replay *rp, nng_socket sock,
		       const struct recording *rec, const size_t *order,
		       size_t n, int64_t deadline)
{
	struct reply_info none = { .kind = "no_reply" };
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct blob *b = &rec->items[order[i]];
		struct reply_info said;
		char what[256], text[128];
		nng_msg *reply;
		int rv;

		if (must_stop(deadline)) {
			dongbo_log_error("stopped after %zu of %zu requests", i,
					 n);
			return -1;
		}
		(void)request_describe(b, what, sizeof(what));
		rv = parent_call(sock, b, &reply);
		if (rv != 0) {
			dongbo_log_warn(
			    "#%zu (recorded #%zu) %s -> no reply: %s", i + 1,
			    order[i] + 1, what, nng_strerror(rv));
			replay_count(rp, &none);
			failed = -1;
			continue;
		}
		said = reply_describe(reply, text, sizeof(text));
		nng_msg_free(reply);
		dongbo_log_info("#%zu (recorded #%zu) %s -> %s", i + 1,
				order[i] + 1, what, text);
		replay_count(rp, &said);
		if (!said.answered)
			failed = -1;
	}
	return failed;
}

static void replay_print(const struct replay *rp, const struct opts *o,
			 size_t n_sent, size_t n_recorded)
{
	printf("replay %s: %zu requests sent of %zu recorded (seed %llu)\n",
	       o->mode, n_sent, n_recorded, (unsigned long long)o->seed);
	for (size_t i = 0; i < rp->n; i++) {
		const struct tally *t = &rp->t[i];

		printf("%s %llu", t->first.kind, (unsigned long long)t->count);
		if (t->first.has_applied)
			printf(" applied %llu..%llu",
			       (unsigned long long)t->min_applied,
			       (unsigned long long)t->max_applied);
		if (t->rejected > 0)
			printf(" rejected %llu",
			       (unsigned long long)t->rejected);
		putchar('\n');
	}
	fflush(stdout);
}

static int replay_run(const struct opts *o)
{
	struct recording rec = { 0 };
	struct replay rp = { .n = 0 };
	int64_t deadline = now_ms() + (int64_t)o->max_seconds * 1000;
	size_t *order = NULL, n = 0;
	nng_socket sock;
	int rv;

	if (recording_load(&rec, o->record) != 0) {
		recording_fini(&rec);
		return EXIT_FAILURE;
	}
	if (replay_order(&rec, o, &order, &n) != 0) {
		recording_fini(&rec);
		return EXIT_FAILURE;
	}
	if (parent_open(&sock, o->parent, o->timeout_ms) != 0) {
		rv = -1;
		goto out;
	}
	dongbo_log_info("replay %s: %zu requests of %zu recorded in '%s' -> %s",
			o->mode, n, rec.n, o->record, o->parent);
	rv = replay_send(&rp, sock, &rec, order, n, deadline);
	replay_print(&rp, o, n, rec.n);
	alarm(STOP_GRACE_S);
	nng_close(sock);
	alarm(0);
out:
	free(order);
	recording_fini(&rec);
	return rv == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rv = opts_parse(argc, argv, &o);

	if (rv != 0)
		return rv;
	dongbo_log_set_ident("fault_proxy");
	if (signals_install() != 0) {
		dongbo_log_error("sigaction: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	return o.replay ? replay_run(&o) : proxy_run(&o);
}
