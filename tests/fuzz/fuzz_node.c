/*
 * fuzz_node.c -- see fuzz_node.h.  The node is Tỉnh Bắc Giang (24) on the
 * shipped unit list and catalog (data/dvhc-2025-03.tsv, data/catalog.ini),
 * as in the sample federation, so that the seed corpus names real units,
 * indicators and forms, and every other province is "outside the subtree".
 */
#include "fuzz_node.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "node.h"

static struct dongbo_node node;
static uv_loop_t loop;
static char dir[256];
static int started;

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "fuzz_node: cannot write %s\n", path);
		abort();
	}
}

static int remove_cb(const char *path, const struct stat *sb, int type,
		     struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

static void node_cleanup(void)
{
	if (!started)
		return;
	started = 0;
	dongbo_node_stop(&node);
	uv_run(&loop, UV_RUN_DEFAULT);
	dongbo_node_fini(&node);
	uv_loop_close(&loop);
	/* Depth first, without following links: the fixture's files only. */
	nftw(dir, remove_cb, 8, FTW_DEPTH | FTW_PHYS);
}

struct dongbo_node *fuzz_node_get(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *log = getenv("DONGBO_FUZZ_LOG");
	char conf[1024];

	if (started)
		return &node;
	snprintf(dir, sizeof(dir), "%s/dongbo-fuzz-XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_node: mkdtemp");
		abort();
	}
	/* Quiet logs: every hostile input is logged, and a fuzzer sends
	 * millions.  DONGBO_FUZZ_LOG=debug shows them, to read a finding. */
	if (log == NULL || *log == '\0')
		log = "error";
	snprintf(conf, sizeof(conf),
		 "[node]\nunit = 24\nunits = %s/dvhc-2025-03.tsv\n"
		 "catalog = %s/catalog.ini\nlog_level = %s\n"
		 "[store]\nmap_size_mb = 16\nmap_size_max_mb = 256\n",
		 DONGBO_DATA_DIR, DONGBO_DATA_DIR, log);
	write_file("dongbo.conf", conf);
	if (uv_loop_init(&loop) != 0 ||
	    dongbo_node_start(&node, &loop, dir) != 0) {
		fprintf(stderr, "fuzz_node: cannot start a node in %s\n", dir);
		abort();
	}
	started = 1;
	atexit(node_cleanup);
	return &node;
}

void fuzz_node_call(nng_msg *(*handler)(void *node, nng_msg *req),
		    const uint8_t *data, size_t size)
{
	struct dongbo_node *n = fuzz_node_get();
	nng_msg *req, *rep;

	if (nng_msg_alloc(&req, 0) != 0)
		abort();
	if (size > 0 && nng_msg_append(req, data, size) != 0)
		abort();
	rep = handler(n, req);
	nng_msg_free(req);
	if (rep != NULL)
		nng_msg_free(rep);
}
