/*
 * access.h -- who may use a node's control socket, and for what.
 *
 * The control socket DIR/control.sock is the node's owner's: mode 0600,
 * owned by the user dongbod runs as.  `[control] group = NAME` opens it
 * to a group for reading (mode 0660, group NAME).  Whoever can open the
 * socket may read; changing data (put, delete, import, restore,
 * `rejected --retry`) is the owner's alone -- the daemon's effective uid,
 * or root -- whatever the socket's mode says, checked per request on the
 * credentials the kernel gives for the connection (SO_PEERCRED).
 *
 * Internal to daemon/.  Loop thread.
 */
#ifndef DONGBO_DAEMON_ACCESS_H
#define DONGBO_DAEMON_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nng/nng.h>

/* Longest user name kept (Linux allows 32 bytes). */
#define DONGBO_USER_NAME_MAX 64

/* Who sent a control request. */
struct dongbo_peer {
	/* The request came with no connection: made in this process (the
	 * fuzz targets call the handler directly).  Treated as the owner,
	 * with the daemon's own uid and name. */
	bool in_process;
	uint32_t uid;
	char name[DONGBO_USER_NAME_MAX]; /* "" when the system has none */
};

/*
 * The credentials of the process at the other end of req's connection
 * (its effective uid when it connected, and that uid's user name when the
 * system knows it), into *out.  A request without a connection is
 * in_process.  Returns 0, or DONGBO_E_PERM when they cannot be read (the
 * connection closed meanwhile, or a transport without credentials).
 */
int dongbo_access_peer(nng_msg *req, struct dongbo_peer *out);

/* True when peer may change data at this node: in process, root, or the
 * user the daemon runs as. */
bool dongbo_access_may_write(const struct dongbo_peer *peer);

/* "alice (uid 1001)", or "uid 1001" for a uid without a user name, into
 * buf. */
void dongbo_access_describe(uint32_t uid, const char *name, char *buf,
			    size_t len);

/* The same for the user the daemon runs as (its effective uid). */
void dongbo_access_describe_owner(char *buf, size_t len);

/*
 * The group `[control] group` names, looked up in the system's group
 * database.  Returns 0 with *gid, DONGBO_E_CONFIG when there is no such
 * group, DONGBO_E_IO when the database cannot be read or DONGBO_E_NOMEM,
 * with the reason (naming the group and the socket path) in err.
 */
int dongbo_access_group_find(const char *group, const char *sock_path,
			     gid_t *gid, char *err, size_t errlen);

/*
 * Opens the control socket at sock_path (already listening, mode 0600) to
 * group gid: chown to that group, then chmod 0660, in that order so that
 * the socket is never readable by a group it was not meant for.  Warns
 * when dir, the node directory, is not searchable by the group (nobody of
 * it could reach the socket).  Returns 0, DONGBO_E_PERM (the daemon's
 * user may not give files to that group) or DONGBO_E_IO, with the reason
 * naming the group and the path in err.
 */
int dongbo_access_socket_share(const char *sock_path, const char *dir,
			       const char *group, gid_t gid, char *err,
			       size_t errlen);

#endif
