/*
 * server.h -- an nng REP listener whose requests are handled on the loop.
 *
 * Used twice by a node: for its children (sync) and for the CLI (control).
 * Several REP contexts receive concurrently; each request is handed to the
 * loop thread through the mailbox, the handler builds the reply there, and
 * the context sends it and receives again.
 */
#ifndef DONGBO_DAEMON_SERVER_H
#define DONGBO_DAEMON_SERVER_H

#include <stddef.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "mailbox.h"

struct dongbo_server;

/*
 * Called on the loop thread with a request (borrowed: freed after the call).
 * Returns the reply, which the server takes, or NULL to send nothing (the
 * requester then times out and retries).
 */
typedef nng_msg *(*dongbo_server_handler)(void *arg, nng_msg *req);

struct dongbo_server_options {
	const char *url;     /* tcp://HOST:PORT, ipc:///path, ... */
	size_t n_contexts;   /* concurrent requests received; >= 1 */
	int ipc_mode;	     /* file mode for an ipc:// socket, e.g. 0600 */
	nng_tls_config *tls; /* for tls+tcp://; NULL otherwise */
	dongbo_server_handler handler;
	void *arg;
	struct dongbo_mailbox *mailbox;
	/* A request of exactly these ping_len bytes is answered with the
	 * pong bytes on nng's thread, without the loop (probe.c asks
	 * whether the listener serves, not whether the loop is idle).  The
	 * bytes are the caller's, for the server's life; ping_len 0: none. */
	const unsigned char *ping, *pong;
	size_t ping_len, pong_len;
};

/*
 * Within a handler, on the loop thread: the answer to the request being
 * handled will come later, through dongbo_server_reply with the call
 * returned (NULL outside a handler, or called twice).  The handler then
 * returns NULL; its context receives nothing more until the answer.
 */
struct dongbo_server_call;
struct dongbo_server_call *dongbo_server_defer(struct dongbo_server *srv);

/* Answers a deferred call with rep (taken; NULL: none, the requester times
 * out and retries).  Loop thread.  After dongbo_server_close the answer is
 * dropped, and the server, kept for it, is freed with the last one owed. */
void dongbo_server_reply(struct dongbo_server_call *call, nng_msg *rep);

/* Listens and starts receiving.  Returns 0, DONGBO_E_BUSY (address in
 * use), DONGBO_E_INVAL (bad URL), DONGBO_E_NOMEM or DONGBO_E_IO, with the
 * reason in err. */
int dongbo_server_open(const struct dongbo_server_options *opts,
		       struct dongbo_server **out, char *err, size_t errlen);

/* Stops listening, abandons requests in flight and frees the server (or,
 * with answers owed, lets the last of them free it).  Loop thread; drains
 * the mailbox so no mail refers to the server afterwards.  NULL is a
 * no-op. */
void dongbo_server_close(struct dongbo_server *srv);

/* Closes the listener and listens again with the same options: the cure
 * for a listener that accepts connections but no longer serves them (the
 * known issue in server.c; probe.c finds it).  The connections the
 * listener accepted close with it: their peers dial again.  0, or an error
 * as for dongbo_server_open with the reason in err (the server then
 * listens no more). */
int dongbo_server_relisten(struct dongbo_server *srv, char *err,
			   size_t errlen);

/* Test only (the fault point sync.drop_listener): closes the listener
 * behind the server's back, as a deaf one would be. */
void dongbo_server_drop_listener(struct dongbo_server *srv);

#endif
