/*
 * client.c -- one request to the daemon over DIR/control.sock.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include <nng/protocol/reqrep0/req.h>

#include "config.h"
#include "error.h"

#define CALL_TIMEOUT_MS 30000

static int call(const struct cli *cli, const Dongbo__CtlRequest *req,
		Dongbo__CtlReply **rep, char *err, size_t errlen, bool *no_node)
{
	char dir[PATH_MAX];
	char url[PATH_MAX + 32];
	nng_socket sock;
	nng_msg *msg = NULL;
	int rv;

	*no_node = false;
	if (realpath(cli->dir, dir) == NULL) {
		snprintf(err, errlen, "no node directory '%s'", cli->dir);
		*no_node = true;
		return EXIT_NO_NODE;
	}
	snprintf(url, sizeof(url), "ipc://%s/%s", dir, DONGBO_CONTROL_SOCKET);
	if ((rv = nng_req0_open(&sock)) != 0) {
		snprintf(err, errlen, "cannot open a socket: %s", nng_strerror(rv));
		return EXIT_FAIL;
	}
	/* An answer over DONGBO_MSG_MAX drops the pipe: "no answer". */
	if ((rv = nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO,
				    CALL_TIMEOUT_MS)) != 0 ||
	    (rv = nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO,
				    CALL_TIMEOUT_MS)) != 0 ||
	    (rv = nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ,
				      DONGBO_MSG_MAX)) != 0) {
		snprintf(err, errlen, "cannot set up a socket: %s",
			 nng_strerror(rv));
		rv = EXIT_FAIL;
		goto out;
	}
	rv = nng_dial(sock, url, NULL, 0);
	if (rv != 0) {
		snprintf(err, errlen,
			 "no node is running in %s (%s); start it with "
			 "`dongbod %s`", dir, nng_strerror(rv), dir);
		*no_node = true;
		rv = EXIT_NO_NODE;
		goto out;
	}
	if ((rv = dongbo_proto_pack(&req->base, &msg)) != 0) {
		snprintf(err, errlen, "request: %s", dongbo_strerror(rv));
		rv = EXIT_FAIL;
		goto out;
	}
	if ((rv = nng_sendmsg(sock, msg, 0)) != 0) {
		nng_msg_free(msg);
		snprintf(err, errlen, "sending to the node in %s: %s", dir,
			 nng_strerror(rv));
		rv = EXIT_NO_NODE;
		goto out;
	}
	if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
		snprintf(err, errlen, "no answer from the node in %s: %s", dir,
			 nng_strerror(rv));
		rv = EXIT_NO_NODE;
		goto out;
	}
	rv = dongbo_proto_unpack(&dongbo__ctl_reply__descriptor, msg,
				 (ProtobufCMessage **)rep);
	nng_msg_free(msg);
	if (rv != 0) {
		snprintf(err, errlen, "malformed answer from the node: %s",
			 dongbo_strerror(rv));
		rv = EXIT_FAIL;
		goto out;
	}
	if ((*rep)->code != 0) {
		snprintf(err, errlen, "%s", (*rep)->error);
		dongbo_proto_free(&(*rep)->base);
		*rep = NULL;
		rv = EXIT_FAIL;
		goto out;
	}
	rv = EXIT_OK;
out:
	nng_close(sock);
	return rv;
}

int cli_call_quiet(const struct cli *cli, const Dongbo__CtlRequest *req,
		   Dongbo__CtlReply **rep, char *err, size_t errlen)
{
	bool no_node;

	return call(cli, req, rep, err, errlen, &no_node);
}

int cli_call(const struct cli *cli, const Dongbo__CtlRequest *req,
	     Dongbo__CtlReply **rep)
{
	char err[1024];
	bool no_node;
	int rv = call(cli, req, rep, err, sizeof(err), &no_node);

	if (rv != EXIT_OK)
		cli_error("%s", err);
	return rv;
}
