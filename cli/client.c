/*
 * client.c -- one request to the daemon over DIR/control.sock.
 *
 * Happy path: resolve DIR, dial its control socket, send the request,
 * receive and unpack the reply.
 *
 * Failure modes: no directory or no daemon listening is EXIT_NO_NODE with
 * how to start one; a socket (or directory) we may not open is EXIT_PERM,
 * explained from its mode, owner and group (who decides, and how); a
 * change refused because we are not the node's owner is EXIT_PERM with
 * the node's message; any other refusal is EXIT_FAIL with it.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#include <nng/protocol/reqrep0/req.h>

#include "config.h"
#include "error.h"
#include "fmtargs.h"

/* "alice (uid 1001)" for our effective uid. */
static void describe_me(char *buf, size_t len)
{
	uid_t uid = geteuid();
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, _("%s (uid %lu)"), pw->pw_name,
			 (unsigned long)uid);
	else
		snprintf(buf, len, _("uid %lu"), (unsigned long)uid);
}

/*
 * The dial failed: when it is because we may not open the socket (or
 * reach it), explains who decides and how into err and returns true.
 * access() answers for our real uid, which is who runs the CLI.
 */
static bool explain_denied(const char *dir, const char *path, char *err,
			   size_t errlen)
{
	char me[96], owner[96], group[96];
	struct passwd *pw;
	struct group *gr;
	struct stat st;

	if (access(path, R_OK | W_OK) == 0 || errno != EACCES)
		return false;
	describe_me(me, sizeof(me));
	if (stat(path, &st) != 0) {
		snprintf(err, errlen,
			 _("permission denied: you, %s, cannot reach the control "
			 "socket %s: a directory on its path is not searchable "
			 "by you.  The node's owner decides: the node directory "
			 "and those above it must be searchable (chmod o+x, or "
			 "g+x for the `[control] group` of %s/dongbo.conf)"),
			 me, path, dir);
		return true;
	}
	pw = getpwuid(st.st_uid);
	gr = getgrgid(st.st_gid);
	snprintf(owner, sizeof(owner), "%s", pw ? pw->pw_name : "?");
	snprintf(group, sizeof(group), "%s", gr ? gr->gr_name : "?");
	if ((st.st_mode & 0060) == 0)
		snprintf(err, errlen,
			 _("permission denied on the control socket %s (mode "
			 "%04o, owner %s): you, %s, are not the node's owner.  "
			 "The owner decides who may read: `[control] group = "
			 "GROUP` in %s/dongbo.conf, then a restart of dongbod, "
			 "lets the members of GROUP read (status, get, rollup, "
			 "...); only the owner may change data"),
			 path, (unsigned)(st.st_mode & 07777), owner, me, dir);
	else
		snprintf(err, errlen,
			 _("permission denied on the control socket %s (mode "
			 "%04o, owner %s, group %s): you, %s, are neither its "
			 "owner nor in group %s.  Ask the node's owner to add "
			 "you to %s (the `[control] group` of %s/dongbo.conf), "
			 "then log in again"),
			 path, (unsigned)(st.st_mode & 07777), owner, group, me,
			 group, group, dir);
	return true;
}

/* The node's reason for refusing, in this user's language: the reply's
 * format translated here with the node's rendered arguments put in
 * (fmtargs.h), or its English text when it came unsplit or the
 * translation does not fit the arguments. */
static void reply_error_text(const Dongbo__CtlReply *rep, char *err,
			     size_t errlen)
{
	const char *fmt = rep->error_format;

	if (fmt != NULL && fmt[0] != '\0' &&
	    rep->n_error_args <= DONGBO_FMT_MAX_ARGS &&
	    dongbo_msg_join(err, errlen, fmt,
			    (const char *const *)rep->error_args,
			    (int)rep->n_error_args, gettext) == 0)
		return;
	snprintf(err, errlen, "%s", rep->error);
}

static int call(const struct cli *cli, const Dongbo__CtlRequest *req,
		Dongbo__CtlReply **rep, char *err, size_t errlen, bool *no_node)
{
	char dir[PATH_MAX];
	char url[PATH_MAX + 32];
	nng_duration timeout = cli->timeout_ms > 0
				       ? (nng_duration)cli->timeout_ms
				       : CLI_CALL_TIMEOUT_MS;
	nng_socket sock;
	nng_msg *msg = NULL;
	int rv;

	*no_node = false;
	if (realpath(cli->dir, dir) == NULL) {
		if (errno == EACCES) {
			snprintf(err, errlen,
				 _("permission denied: cannot reach the node "
				 "directory '%s': %s.  The node's owner "
				 "decides: it and the directories above it "
				 "must be searchable by you (chmod o+x, or g+x "
				 "for the node's `[control] group`)"),
				 cli->dir, strerror(errno));
			return EXIT_PERM;
		}
		snprintf(err, errlen, _("no node directory '%s'"), cli->dir);
		*no_node = true;
		return EXIT_NO_NODE;
	}
	snprintf(url, sizeof(url), "ipc://%s/%s", dir, DONGBO_CONTROL_SOCKET);
	if ((rv = nng_req0_open(&sock)) != 0) {
		snprintf(err, errlen, _("cannot open a socket: %s"), nng_strerror(rv));
		return EXIT_FAIL;
	}
	/* A request is sent once.  By default nng sends it again when the
	 * connection drops -- the node crashed, or an answer over
	 * DONGBO_MSG_MAX was refused -- to the next node that listens there,
	 * so a request could be carried out twice, and the caller would wait
	 * for a node that may never come back.  Without resends, a dropped
	 * connection ends the call at once (NNG_ECONNRESET), and the outcome
	 * is reported as unknown. */
	if ((rv = nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout)) != 0 ||
	    (rv = nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, timeout)) != 0 ||
	    (rv = nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME,
				    NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ,
				      DONGBO_MSG_MAX)) != 0) {
		snprintf(err, errlen, _("cannot set up a socket: %s"),
			 nng_strerror(rv));
		rv = EXIT_FAIL;
		goto out;
	}
	rv = nng_dial(sock, url, NULL, 0);
	if (rv != 0 && explain_denied(dir, url + strlen("ipc://"), err,
				      errlen)) {
		rv = EXIT_PERM;
		goto out;
	}
	if (rv != 0) {
		snprintf(err, errlen,
			 _("no node is running in %s (%s); start it with "
			 "`dongbod %s`"), dir, nng_strerror(rv), dir);
		*no_node = true;
		rv = EXIT_NO_NODE;
		goto out;
	}
	if ((rv = dongbo_proto_pack(&req->base, &msg)) != 0) {
		snprintf(err, errlen, _("request: %s"), dongbo_strerror(rv));
		rv = EXIT_FAIL;
		goto out;
	}
	if ((rv = nng_sendmsg(sock, msg, 0)) != 0) {
		nng_msg_free(msg);
		snprintf(err, errlen, _("sending to the node in %s: %s"), dir,
			 nng_strerror(rv));
		rv = EXIT_NO_NODE;
		goto out;
	}
	if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
		if (rv == NNG_ECONNRESET)
			snprintf(err, errlen,
				 _("the node in %s closed the connection "
				 "before answering (did it stop?): whether "
				 "the request was carried out is unknown.  "
				 "Once the node runs again, look with `dongbo "
				 "status` and `dongbo log`, or repeat the "
				 "request: a put or delete may be repeated "
				 "safely"), dir);
		else
			snprintf(err, errlen,
				 _("no answer from the node in %s: %s"), dir,
				 nng_strerror(rv));
		rv = EXIT_NO_NODE;
		goto out;
	}
	rv = dongbo_proto_unpack(&dongbo__ctl_reply__descriptor, msg,
				 (ProtobufCMessage **)rep);
	nng_msg_free(msg);
	if (rv != 0) {
		snprintf(err, errlen, _("malformed answer from the node: %s"),
			 dongbo_strerror(rv));
		rv = EXIT_FAIL;
		goto out;
	}
	if ((*rep)->code != 0) {
		reply_error_text(*rep, err, errlen);
		rv = (*rep)->code == DONGBO_E_PERM ? EXIT_PERM : EXIT_FAIL;
		dongbo_proto_free(&(*rep)->base);
		*rep = NULL;
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
