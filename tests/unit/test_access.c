/* test_access.c -- the control socket's group, and who sent a request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "access.h"
#include "error.h"

static char tmpl[] = "/tmp/dongbo-test-access-XXXXXX";
static char *dir;

static int dir_setup(void **state)
{
	(void)state;
	strcpy(tmpl + strlen(tmpl) - 6, "XXXXXX");
	dir = mkdtemp(tmpl);
	return dir == NULL ? -1 : 0;
}

static int dir_teardown(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/s", dir);
	unlink(path);
	return rmdir(dir);
}

static void own_name(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());

	snprintf(buf, len, "%s", pw != NULL ? pw->pw_name : "");
}

/* The fuzz targets call the handler with messages that never crossed a
 * socket: they are this process's own, treated as the owner's. */
static void message_without_pipe_is_in_process_and_the_owner(void **state)
{
	struct dongbo_peer peer;
	char name[DONGBO_USER_NAME_MAX];
	nng_msg *msg;

	(void)state;
	assert_int_equal(nng_msg_alloc(&msg, 0), 0);
	assert_int_equal(dongbo_access_peer(msg, &peer), 0);
	nng_msg_free(msg);
	assert_true(peer.in_process);
	assert_int_equal(peer.uid, geteuid());
	own_name(name, sizeof(name));
	assert_string_equal(peer.name, name);
	assert_true(dongbo_access_may_write(&peer));
}

/* A request over a real ipc:// connection carries the sender's uid, as
 * the kernel gives it (SO_PEERCRED). */
static void request_over_ipc_carries_the_senders_uid(void **state)
{
	char url[PATH_MAX + 16], name[DONGBO_USER_NAME_MAX];
	struct dongbo_peer peer;
	nng_socket rep, req;
	nng_msg *msg;

	(void)state;
	snprintf(url, sizeof(url), "ipc://%s/s", dir);
	assert_int_equal(nng_rep0_open(&rep), 0);
	assert_int_equal(nng_req0_open(&req), 0);
	assert_int_equal(nng_socket_set_ms(rep, NNG_OPT_RECVTIMEO, 10000), 0);
	assert_int_equal(nng_listen(rep, url, NULL, 0), 0);
	assert_int_equal(nng_dial(req, url, NULL, 0), 0);
	assert_int_equal(nng_msg_alloc(&msg, 0), 0);
	assert_int_equal(nng_msg_append(msg, "x", 1), 0);
	assert_int_equal(nng_sendmsg(req, msg, 0), 0);
	assert_int_equal(nng_recvmsg(rep, &msg, 0), 0);
	assert_int_equal(dongbo_access_peer(msg, &peer), 0);
	nng_msg_free(msg);
	nng_close(req);
	nng_close(rep);
	assert_false(peer.in_process);
	assert_int_equal(peer.uid, geteuid());
	own_name(name, sizeof(name));
	assert_string_equal(peer.name, name);
	assert_true(dongbo_access_may_write(&peer));
}

static void only_the_owner_and_root_may_write(void **state)
{
	struct dongbo_peer peer = { .uid = 0 };
	uint32_t other = (uint32_t)geteuid() == 4242 ? 4243 : 4242;

	(void)state;
	assert_true(dongbo_access_may_write(&peer));
	peer.uid = (uint32_t)geteuid();
	assert_true(dongbo_access_may_write(&peer));
	peer.uid = other;
	assert_false(dongbo_access_may_write(&peer));
	peer.in_process = true;
	assert_true(dongbo_access_may_write(&peer));
}

static void peers_are_described_by_name_and_uid(void **state)
{
	char buf[128], name[DONGBO_USER_NAME_MAX], want[128];

	(void)state;
	dongbo_access_describe(1001, "alice", buf, sizeof(buf));
	assert_string_equal(buf, "alice (uid 1001)");
	dongbo_access_describe(1001, "", buf, sizeof(buf));
	assert_string_equal(buf, "uid 1001");
	dongbo_access_describe_owner(buf, sizeof(buf));
	own_name(name, sizeof(name));
	if (name[0] != '\0')
		snprintf(want, sizeof(want), "%s (uid %lu)", name,
			 (unsigned long)geteuid());
	else
		snprintf(want, sizeof(want), "uid %lu",
			 (unsigned long)geteuid());
	assert_string_equal(buf, want);
}

static void unknown_group_is_refused_naming_group_and_socket(void **state)
{
	char err[512];
	gid_t gid = 12345;

	(void)state;
	assert_int_equal(dongbo_access_group_find("root", "/n/control.sock",
						  &gid, err, sizeof(err)),
			 0);
	assert_int_equal(gid, 0);
	gid = 12345;
	assert_int_equal(dongbo_access_group_find("no-such-group-dongbo",
						  "/n/control.sock", &gid,
						  err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_int_equal(gid, 12345);
	assert_non_null(strstr(err, "'no-such-group-dongbo'"));
	assert_non_null(strstr(err, "/n/control.sock"));
}

/* The socket is given to the group, then opened to it: 0660. */
static void shared_socket_gets_the_group_and_mode_0660(void **state)
{
	char path[PATH_MAX], err[512];
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/s", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	/* Our own group: any user may give its files to it. */
	assert_int_equal(dongbo_access_socket_share(path, dir, "ours",
						    getegid(), err,
						    sizeof(err)),
			 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, getegid());
	unlink(path);
	assert_int_equal(dongbo_access_socket_share(path, dir, "ours",
						    getegid(), err,
						    sizeof(err)),
			 DONGBO_E_IO);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "'ours'"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)
	const struct CMUnitTest tests[] = {
		T(message_without_pipe_is_in_process_and_the_owner),
		T(request_over_ipc_carries_the_senders_uid),
		T(only_the_owner_and_root_may_write),
		T(peers_are_described_by_name_and_uid),
		T(unknown_group_is_refused_naming_group_and_socket),
		T(shared_socket_gets_the_group_and_mode_0660),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
