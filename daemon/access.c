/*
 * access.c -- the control socket's owner and group, and who sent a
 * request.
 *
 * Happy path, at start: the group of `[control] group` is looked up
 * before the socket exists (an unknown group stops the start before
 * anything is created), the socket listens with mode 0600, then it is
 * given to the group (chown) and opened to it (chmod 0660).  Per request
 * that changes data: the connection's credentials (nng's
 * NNG_OPT_IPC_PEER_UID, from SO_PEERCRED) are compared with the daemon's
 * effective uid.
 *
 * Failure modes: an unknown group, a group database that cannot be read,
 * a chown the daemon's user may not do (it is neither root nor a member
 * of the group) or a failed chmod refuse the start, naming the group and
 * the path.  Credentials that cannot be read (the connection is gone) make
 * the request a refused write; a uid without a user name is shown as its
 * number.  A node directory the group cannot search is only a warning:
 * the operator may mean to fix that while the node runs.
 */
#include "access.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "log.h"

/* getpwuid_r/getgrnam_r buffers start here and double on ERANGE up to
 * the maximum (a group with thousands of members needs a large one). */
#define NSS_BUF_FIRST 1024
#define NSS_BUF_MAX (1 << 20)

/* The user name of uid into name ("" when the system has none, or the
 * lookup failed: a name is only shown). */
static void user_name(uint32_t uid, char *name, size_t len)
{
	struct passwd pw, *found = NULL;
	size_t cap = NSS_BUF_FIRST;
	char *buf = NULL;
	int rv;

	name[0] = '\0';
	for (;;) {
		char *p = realloc(buf, cap);

		if (p == NULL)
			break;
		buf = p;
		rv = getpwuid_r((uid_t)uid, &pw, buf, cap, &found);
		if (rv != ERANGE || cap >= NSS_BUF_MAX)
			break;
		cap *= 2;
	}
	if (found != NULL)
		snprintf(name, len, "%s", found->pw_name);
	free(buf);
}

int dongbo_access_peer(nng_msg *req, struct dongbo_peer *out)
{
	nng_pipe pipe = nng_msg_get_pipe(req);
	uint64_t uid;
	int rv;

	memset(out, 0, sizeof(*out));
	if (nng_pipe_id(pipe) < 0) {
		out->in_process = true;
		out->uid = (uint32_t)geteuid();
		user_name(out->uid, out->name, sizeof(out->name));
		return 0;
	}
	rv = nng_pipe_get_uint64(pipe, NNG_OPT_IPC_PEER_UID, &uid);
	if (rv != 0 || uid > UINT32_MAX) {
		dongbo_log_warn("ctl: cannot read the credentials of a "
				"request's sender: %s",
				rv != 0 ? nng_strerror(rv) : "uid out of range");
		return DONGBO_E_PERM;
	}
	out->uid = (uint32_t)uid;
	user_name(out->uid, out->name, sizeof(out->name));
	return 0;
}

bool dongbo_access_may_write(const struct dongbo_peer *peer)
{
	return peer->in_process || peer->uid == 0 ||
	       peer->uid == (uint32_t)geteuid();
}

void dongbo_access_describe(uint32_t uid, const char *name, char *buf,
			    size_t len)
{
	if (name != NULL && name[0] != '\0')
		snprintf(buf, len, "%s (uid %lu)", name, (unsigned long)uid);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
}

void dongbo_access_describe_owner(char *buf, size_t len)
{
	uint32_t uid = (uint32_t)geteuid();
	char name[DONGBO_USER_NAME_MAX];

	user_name(uid, name, sizeof(name));
	dongbo_access_describe(uid, name, buf, len);
}

int dongbo_access_group_find(const char *group, const char *sock_path,
			     gid_t *gid, char *err, size_t errlen)
{
	struct group gr, *found = NULL;
	size_t cap = NSS_BUF_FIRST;
	char *buf = NULL;
	int rv;

	for (;;) {
		char *p = realloc(buf, cap);

		if (p == NULL) {
			free(buf);
			return DONGBO_E_NOMEM;
		}
		buf = p;
		rv = getgrnam_r(group, &gr, buf, cap, &found);
		if (rv != ERANGE || cap >= NSS_BUF_MAX)
			break;
		cap *= 2;
	}
	if (found != NULL)
		*gid = found->gr_gid;
	free(buf);
	if (found != NULL)
		return 0;
	/* getgrnam_r gives 0 (or ENOENT, ESRCH... by implementation) for a
	 * name that is not there; anything else is a lookup that failed. */
	if (rv == 0 || rv == ENOENT || rv == ESRCH || rv == EBADF ||
	    rv == EPERM) {
		snprintf(err, errlen,
			 "[control] group '%s' is not a group on this system: "
			 "the control socket %s cannot be opened to it (create "
			 "the group, or remove the key to keep the socket to "
			 "the node's owner)", group, sock_path);
		return DONGBO_E_CONFIG;
	}
	snprintf(err, errlen, "[control] group '%s': cannot read the group "
		 "database: %s", group, strerror(rv));
	return DONGBO_E_IO;
}

/* Members of the group cannot reach a socket in a directory they may not
 * search: say so (the start goes on, the operator may fix it live). */
static void warn_unsearchable(const char *dir, const char *group, gid_t gid)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return;
	if ((st.st_mode & S_IXOTH) != 0 ||
	    (st.st_gid == gid && (st.st_mode & S_IXGRP) != 0))
		return;
	dongbo_log_warn("[control] group '%s' cannot reach the control socket: "
			"the node directory %s (mode %04o) is not searchable "
			"by it (chgrp %s and chmod g+x, or chmod o+x; every "
			"directory above it must be searchable too)",
			group, dir, (unsigned)(st.st_mode & 07777), group);
}

int dongbo_access_socket_share(const char *sock_path, const char *dir,
			       const char *group, gid_t gid, char *err,
			       size_t errlen)
{
	if (chown(sock_path, (uid_t)-1, gid) != 0) {
		int e = errno;

		snprintf(err, errlen,
			 "[control] group '%s' (gid %lu): cannot give the "
			 "control socket %s to it: %s%s", group,
			 (unsigned long)gid, sock_path, strerror(e),
			 e == EPERM ? " (dongbod must run as root or as a "
				      "member of the group)"
				    : "");
		return e == EPERM ? DONGBO_E_PERM : DONGBO_E_IO;
	}
	if (chmod(sock_path, 0660) != 0) {
		snprintf(err, errlen,
			 "[control] group '%s': cannot open the control socket "
			 "%s to it (chmod 0660): %s", group, sock_path,
			 strerror(errno));
		return DONGBO_E_IO;
	}
	warn_unsearchable(dir, group, gid);
	return 0;
}
