/*
 * dongbod -- runs one dongbo node in the foreground until SIGTERM/SIGINT.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "error.h"
#include "fault.h"
#include "i18n.h"
#include "log.h"
#include "node.h"

static void usage(FILE *f)
{
	fputs(_("Usage: dongbod [OPTIONS] DIR\n"
		"\n"
		"Runs the dongbo node whose configuration, store and control\n"
		"socket live in DIR (create one with `dongbo init DIR --unit "
		"CODE`).\n"
		"Stays in the foreground and logs to stderr, at [node] log_level\n"
		"of DIR/dongbo.conf (with syslog priorities when stderr is the\n"
		"journal); SIGTERM or SIGINT stop it cleanly.\n"
		"\n"
		"Options:\n"
		"  -h, --help      show this help and exit\n"
		"  -V, --version   show the version and exit\n"
		"\n"
		"Exit status: 0 after a clean stop, 1 when the node cannot start,\n"
		"2 on a usage error.\n"
		"\n"
		"Examples:\n"
		"  dongbod /var/lib/dongbo/24\n"
		"  systemctl enable --now dongbod@24   # the same, as a service\n"
		"\n"
		"See dongbod(8) and dongbo.conf(5).\n"), f);
}

int main(int argc, char **argv)
{
	struct dongbo_node node;
	const char *dir = NULL;
	uv_loop_t loop;
	int rv;

	/* Only messages and character types follow the environment: numbers
	 * in the logs and the config stay as written (LC_NUMERIC "C").  The
	 * node's own locale translates its log's warnings and errors; its
	 * error replies are translated by the CLI that shows them (ctl.h). */
	setlocale(LC_CTYPE, "");
	setlocale(LC_MESSAGES, "");
	dongbo_i18n_init();
	dongbo_log_set_ident("dongbod");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("dongbod %s\n", DONGBO_VERSION);
			return 0;
		}
		if (argv[i][0] == '-' || dir != NULL) {
			fprintf(stderr, _("dongbod: unexpected argument '%s'\n"),
				argv[i]);
			usage(stderr);
			return 2;
		}
		dir = argv[i];
	}
	if (dir == NULL) {
		usage(stderr);
		return 2;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (dongbo_fault_init() != 0)
		return 2;
	/* The pool runs the writer's jobs, one at a time (writer.h): one
	 * thread keeps them on one warm thread and one malloc arena. */
	if (setenv("UV_THREADPOOL_SIZE", "1", 0) != 0) {
		dongbo_log_error("cannot size the thread pool: %s",
				 strerror(errno));
		return 1;
	}
	if (uv_loop_init(&loop) != 0) {
		dongbo_log_error("cannot create the event loop");
		return 1;
	}
	rv = dongbo_node_start(&node, &loop, dir);
	if (rv != 0) {
		dongbo_log_error("node in '%s' not started: %s", dir,
				 dongbo_strerror(rv));
		dongbo_node_fini(&node);
		uv_loop_close(&loop);
		return 1;
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	dongbo_node_fini(&node);
	if (uv_loop_close(&loop) != 0)
		dongbo_log_warn("event loop closed with handles still open");
	dongbo_log_info("stopped");
	return 0;
}
