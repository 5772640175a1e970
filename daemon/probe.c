/*
 * probe.c -- a node asks its own listener, now and then, whether it still
 * serves new connections.
 *
 * nng 1.5.2 at times leaves a listener that accepts connections and never
 * serves them, every nng thread idle, while the links already open go on
 * (server.c, "Known issue"): a district would take no new commune, and no
 * commune back from a restart, until it restarted itself.  Listening
 * afresh cures it.  So every PROBE_EVERY_MS the node sends a Ping to its
 * own listener over a connection of its own; when PROBE_MISSES Pings in a
 * row get no Pong within PROBE_TIMEOUT_MS, it closes the listener and
 * listens again (dongbo_server_relisten), with a warning; the links the
 * listener had accepted close with it, and the children dial again.
 * Every Ping goes over a connection of its own, as a child coming back
 * would dial: the links already open are no evidence.  The server answers
 * a Ping on nng's thread (server.h), so a loop busy applying a large
 * batch is no miss.
 *
 * Happy path: timer -> SEND (nng thread) -> RECV -> mail -> the loop
 * checks the Pong.  One Ping in flight at most; a tick during one is
 * skipped.  Stop: the timer stops, the socket closes, the aio is stopped
 * (its callback has run), the mailbox is drained, then the probe is freed
 * with the timer handle.
 */
#include "probe.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "codec.h"
#include "error.h"
#include "fault.h"
#include "ident.h"
#include "log.h"
#include "node.h"
#include "server.h"

#define PROBE_EVERY_MS 5000
#define PROBE_TIMEOUT_MS 5000
#define PROBE_MISSES 3

enum probe_io { PROBE_SEND, PROBE_RECV };

struct dongbo_probe {
	struct dongbo_node *node;
	char url[512]; /* the listener, as a dialer reaches it */
	nng_socket sock;
	bool open;
	nng_aio *aio;
	enum probe_io io; /* the nng thread's, once a Ping is under way */
	bool busy;	  /* the loop's: a Ping is under way */
	int result;	/* written by the nng thread before posting */
	nng_msg *reply; /* likewise */
	struct dongbo_mail mail;
	uv_timer_t timer;
	unsigned misses;
	bool closing;
};

/* nng thread: chain send -> recv, then hand the outcome to the loop. */
static void probe_aio_cb(void *arg)
{
	struct dongbo_probe *p = arg;
	int rv = nng_aio_result(p->aio);

	if (p->io == PROBE_SEND && rv == 0) {
		p->io = PROBE_RECV;
		nng_aio_set_timeout(p->aio, PROBE_TIMEOUT_MS);
		nng_recv_aio(p->sock, p->aio);
		return;
	}
	if (p->io == PROBE_SEND)
		nng_msg_free(nng_aio_get_msg(p->aio));
	p->result = rv;
	p->reply = rv == 0 ? nng_aio_get_msg(p->aio) : NULL;
	dongbo_mailbox_post(&p->node->mailbox, &p->mail);
}

/* The listen URL as a dialer on this host reaches it: a wildcard host
 * becomes the loopback address. */
static void dial_url(const char *listen, char *out, size_t len)
{
	static const struct {
		const char *from, *to;
	} wild[] = { { "://0.0.0.0:", "://127.0.0.1:" },
		     { "://*:", "://127.0.0.1:" },
		     { "://:", "://127.0.0.1:" },
		     { "://[::]:", "://[::1]:" } };
	const char *at;

	for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
		if ((at = strstr(listen, wild[i].from)) != NULL) {
			snprintf(out, len, "%.*s%s%s", (int)(at - listen),
				 listen, wild[i].to,
				 at + strlen(wild[i].from));
			return;
		}
	}
	snprintf(out, len, "%s", listen);
}

static void probe_close_sock(struct dongbo_probe *p)
{
	if (p->open) {
		nng_close(p->sock);
		p->open = false;
	}
}

/* A fresh socket dialing the listener (in the background). */
static int probe_open_sock(struct dongbo_probe *p)
{
	struct dongbo_node *node = p->node;
	nng_dialer d;
	char err[256];
	int rv;

	if ((rv = nng_req0_open(&p->sock)) != 0)
		return rv;
	p->open = true;
	if ((rv = nng_socket_set_ms(p->sock, NNG_OPT_REQ_RESENDTIME,
				    NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_dialer_create(&d, p->sock, p->url)) != 0)
		goto fail;
	if (node->children_tls) {
		nng_tls_config *tls;

		if (dongbo_ident_tls_config(node->ident, false, &tls, err,
					    sizeof(err)) != 0) {
			dongbo_log_error("probe: %s", err);
			rv = NNG_EINVAL;
			goto fail;
		}
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls);
		nng_tls_config_free(tls); /* the dialer holds its own */
		if (rv != 0)
			goto fail;
	}
	if ((rv = nng_dialer_set_size(d, NNG_OPT_RECVMAXSZ, 4096)) != 0 ||
	    (rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0)
		goto fail;
	return 0;
fail:
	probe_close_sock(p);
	return rv;
}

static void probe_tick(uv_timer_t *t)
{
	struct dongbo_probe *p = t->data;
	Dongbo__SyncRequest req = DONGBO__SYNC_REQUEST__INIT;
	Dongbo__Ping ping = DONGBO__PING__INIT;
	nng_msg *msg;
	int rv;

	if (p->busy || p->closing)
		return;
	if (dongbo_fault_trigger("sync.drop_listener"))
		dongbo_server_drop_listener(p->node->sync_server);
	if ((rv = probe_open_sock(p)) != 0) {
		dongbo_log_debug("probe: cannot dial %s: %s", p->url,
				 nng_strerror(rv));
		return;
	}
	req.body_case = DONGBO__SYNC_REQUEST__BODY_PING;
	req.ping = &ping;
	if (dongbo_proto_pack(&req.base, &msg) != 0) {
		probe_close_sock(p);
		return;
	}
	p->busy = true;
	p->io = PROBE_SEND;
	nng_aio_set_msg(p->aio, msg);
	/* A Ping waits in nng for a pipe: no connection is a miss too. */
	nng_aio_set_timeout(p->aio, PROBE_TIMEOUT_MS);
	nng_send_aio(p->sock, p->aio);
}

static bool is_pong(nng_msg *reply)
{
	Dongbo__SyncReply *rep = NULL;
	bool ok;

	if (dongbo_proto_unpack(&dongbo__sync_reply__descriptor, reply,
				(ProtobufCMessage **)&rep) != 0)
		return false;
	ok = rep->body_case == DONGBO__SYNC_REPLY__BODY_PONG;
	dongbo_proto_free(&rep->base);
	return ok;
}

/* Loop thread: the outcome of a Ping. */
static void probe_mail_cb(struct dongbo_mail *mail)
{
	struct dongbo_probe *p = (struct dongbo_probe *)((char *)mail -
		offsetof(struct dongbo_probe, mail));
	nng_msg *reply = p->reply;
	bool ok = p->result == 0 && is_pong(reply);
	char err[256];

	nng_msg_free(reply);
	p->reply = NULL;
	p->busy = false;
	if (p->closing)
		return;
	probe_close_sock(p);
	if (ok) {
		p->misses = 0;
		return;
	}
	dongbo_log_debug("probe: no Pong from %s: %s", p->url,
			 p->result != 0 ? nng_strerror(p->result)
					: "unexpected reply");
	if (++p->misses < PROBE_MISSES)
		return;
	p->misses = 0;
	dongbo_log_warn("probe: the listener on %s answered none of %u "
			"probes in a row, %u s apart: listening afresh; the "
			"children dial again (nng 1.5.2 can leave a listener "
			"that accepts connections and never serves them)",
			p->node->cfg.listen_url, PROBE_MISSES,
			PROBE_EVERY_MS / 1000);
	if (dongbo_server_relisten(p->node->sync_server, err, sizeof(err)) !=
	    0)
		dongbo_log_error("probe: %s: children cannot connect until "
				 "the node restarts", err);
}

int dongbo_probe_start(struct dongbo_node *node, struct dongbo_probe **out)
{
	struct dongbo_probe *p = calloc(1, sizeof(*p));
	int rv;

	*out = NULL;
	if (p == NULL)
		return DONGBO_E_NOMEM;
	p->node = node;
	p->mail.cb = probe_mail_cb;
	dial_url(node->cfg.listen_url, p->url, sizeof(p->url));
	if ((rv = nng_aio_alloc(&p->aio, probe_aio_cb, p)) != 0) {
		dongbo_log_error("probe: %s", nng_strerror(rv));
		free(p);
		return DONGBO_E_NOMEM;
	}
	if (uv_timer_init(node->loop, &p->timer) != 0) {
		nng_aio_free(p->aio);
		free(p);
		return DONGBO_E_IO;
	}
	p->timer.data = p;
	uv_timer_start(&p->timer, probe_tick, PROBE_EVERY_MS, PROBE_EVERY_MS);
	*out = p;
	return 0;
}

static void probe_free_cb(uv_handle_t *h)
{
	free(h->data);
}

void dongbo_probe_stop(struct dongbo_probe *p)
{
	if (p == NULL)
		return;
	p->closing = true;
	uv_timer_stop(&p->timer);
	probe_close_sock(p);
	nng_aio_stop(p->aio);
	dongbo_mailbox_drain(&p->node->mailbox);
	nng_aio_free(p->aio);
	uv_close((uv_handle_t *)&p->timer, probe_free_cb);
}
