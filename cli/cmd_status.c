/*
 * cmd_status.c -- status and wait.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char status_usage[] =
	"Usage: dongbo [-C DIR] status [--json]\n"
	"\n"
	"Shows this node (unit, level, store identity), its link to the\n"
	"parent (connected, records waiting to be sent, last acknowledgement)\n"
	"and each child that has ever synced (last seen, how far its log has\n"
	"been applied here, records received).\n";

static const char wait_usage[] =
	"Usage: dongbo [-C DIR] wait [--timeout SECONDS] [--json]\n"
	"\n"
	"Waits until the parent has acknowledged every record this node holds\n"
	"(nothing waiting to be sent), then prints the status.  Returns at once\n"
	"at the top node.  Default timeout: 60 seconds; exit status 4 when it\n"
	"runs out.\n";

static int request_status(const struct cli *cli, Dongbo__CtlReply **rep,
			  bool quiet, char *err, size_t errlen)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;

	req.body_case = DONGBO__CTL_REQUEST__BODY_STATUS;
	req.status = true;
	if (quiet)
		return cli_call_quiet(cli, &req, rep, err, errlen);
	return cli_call(cli, &req, rep);
}

static json_t *status_json(const Dongbo__StatusReply *s)
{
	json_t *o = json_object();
	json_t *kids = json_array();
	json_t *hosts = json_array();

	out_json_unit(o, s->unit);
	json_object_set_new(o, "level", json_string(s->unit->level));
	json_object_set_new(o, "store_id", json_string(s->store_id));
	if (s->parent != NULL) {
		const Dongbo__ParentStatus *p = s->parent;
		json_t *po = json_object();

		json_object_set_new(po, "url", json_string(p->url));
		json_object_set_new(po, "connected", json_boolean(p->connected));
		json_object_set_new(po, "pending", json_integer((json_int_t)p->pending));
		json_object_set_new(po, "last_ack", out_json_time(p->last_ack_ms));
		json_object_set_new(po, "unit",
				    p->unit ? json_string(p->unit->code) : json_null());
		json_object_set_new(po, "store_id", json_string(p->store_id));
		json_object_set_new(po, "acked_seq",
				    json_integer((json_int_t)p->acked_seq));
		json_object_set_new(po, "state", json_string(p->state));
		json_object_set_new(po, "last_error",
				    p->last_error[0] ? json_string(p->last_error)
						     : json_null());
		json_object_set_new(o, "parent", po);
	} else {
		json_object_set_new(o, "parent", json_null());
	}
	for (size_t i = 0; i < s->n_children; i++) {
		const Dongbo__ChildStatus *c = s->children[i];
		json_t *co = json_object();

		json_object_set_new(co, "unit", json_string(c->unit->code));
		json_object_set_new(co, "last_seen", out_json_time(c->last_seen_ms));
		json_object_set_new(co, "applied_seq",
				    json_integer((json_int_t)c->applied_seq));
		json_object_set_new(co, "received",
				    json_integer((json_int_t)c->received));
		json_object_set_new(co, "name", json_string(c->unit->name));
		json_object_set_new(co, "level", json_string(c->unit->level));
		json_object_set_new(co, "store_id", json_string(c->store_id));
		json_object_set_new(co, "head_seq",
				    json_integer((json_int_t)c->head_seq));
		json_array_append_new(kids, co);
	}
	json_object_set_new(o, "children", kids);
	json_object_set_new(o, "log_seq", json_integer((json_int_t)s->head_seq));
	json_object_set_new(o, "listen", s->listen_url[0] ? json_string(s->listen_url)
							  : json_null());
	for (size_t i = 0; i < s->n_hosts; i++)
		json_array_append_new(hosts, json_string(s->hosts[i]->code));
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "catalog_version", json_integer(s->catalog_version));
	json_object_set_new(o, "catalog_source", json_string(s->catalog_source));
	json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "version", json_string(s->version));
	return o;
}

static void print_status(const Dongbo__StatusReply *s)
{
	char t[32];

	printf("Node     %s %s (%s)\n", s->unit->code, s->unit->name,
	       s->unit->level);
	printf("Store    %s, %" PRIu64 " log records\n", s->store_id, s->head_seq);
	if (s->n_hosts > 1) {
		printf("Hosts    ");
		for (size_t i = 0; i < s->n_hosts; i++)
			printf("%s%s", i ? ", " : "", s->hosts[i]->code);
		printf("\n");
	}
	printf("Listen   %s\n", s->listen_url[0] ? s->listen_url : "(no children)");
	printf("Catalog  v%u, %s\n", s->catalog_version,
	       strcmp(s->catalog_source, "parent") == 0
		       ? "received from the parent"
		       : "from this node's catalog file");
	if (s->parent == NULL) {
		printf("Parent   none: this is the top node\n");
	} else {
		const Dongbo__ParentStatus *p = s->parent;

		out_time(p->last_ack_ms, t, sizeof(t));
		printf("Parent   %s", p->url);
		if (p->unit != NULL)
			printf(" (%s %s)", p->unit->code, p->unit->name);
		printf("\n         %s, %" PRIu64 " record%s waiting, last ack %s\n",
		       p->connected ? "connected" : "not connected", p->pending,
		       p->pending == 1 ? "" : "s", t);
		if (p->last_error[0] != '\0')
			printf("         last error: %s\n", p->last_error);
	}
	if (s->n_children == 0) {
		printf("Children none seen yet\n");
		return;
	}
	printf("Children\n");
	static const char *const h[] = { "UNIT", "NAME", "LAST SEEN", "APPLIED",
					 "BEHIND", "RECEIVED" };
	static const bool right[] = { false, false, false, true, true, true };
	struct table *tab = table_new(6, h, right);

	for (size_t i = 0; i < s->n_children; i++) {
		const Dongbo__ChildStatus *c = s->children[i];
		char applied[24], behind[24], recv[24];
		const char *row[6] = { c->unit->code, c->unit->name, t, applied,
				       behind, recv };

		out_time(c->last_seen_ms, t, sizeof(t));
		snprintf(applied, sizeof(applied), "%" PRIu64, c->applied_seq);
		if (c->head_seq >= c->applied_seq && c->head_seq > 0)
			snprintf(behind, sizeof(behind), "%" PRIu64,
				 c->head_seq - c->applied_seq);
		else
			snprintf(behind, sizeof(behind), "?");
		snprintf(recv, sizeof(recv), "%" PRIu64, c->received);
		table_add(tab, row);
	}
	table_print(tab, stdout, 2);
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlReply *rep = NULL;
	char *pos[1];
	int n, rv;

	rv = cli_parse_simple(cli, argc, argv, status_usage, pos, 0, &n);
	if (rv >= 0)
		return rv;
	if ((rv = request_status(cli, &rep, false, NULL, 0)) != EXIT_OK)
		return rv;
	if (cli->json)
		out_json(status_json(rep->status));
	else
		print_status(rep->status);
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cmd_wait(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	double timeout_s = 60;
	char err[1024] = "";
	int64_t deadline;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ht:", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'h':
			fputs(wait_usage, stdout);
			return EXIT_OK;
		case 'j':
			cli->json = true;
			break;
		case 't':
			timeout_s = strtod(optarg, &end);
			if (*end != '\0' || end == optarg || timeout_s < 0) {
				cli_error("wait: bad timeout '%s' (seconds)", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			cli_error("wait: unknown option '%s'", argv[optind - 1]);
			fputs(wait_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("wait: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	deadline = mono_ms() + (int64_t)(timeout_s * 1000);
	for (;;) {
		Dongbo__CtlReply *rep = NULL;
		int rv = request_status(cli, &rep, true, err, sizeof(err));

		if (rv == EXIT_OK) {
			const Dongbo__StatusReply *s = rep->status;

			if (s->parent == NULL || s->parent->pending == 0) {
				if (cli->json)
					out_json(status_json(s));
				else
					print_status(s);
				dongbo_proto_free(&rep->base);
				return EXIT_OK;
			}
			snprintf(err, sizeof(err),
				 "%" PRIu64 " records still waiting for %s%s%s",
				 s->parent->pending, s->parent->url,
				 s->parent->last_error[0] ? ": " : "",
				 s->parent->last_error);
			dongbo_proto_free(&rep->base);
		} else if (rv != EXIT_NO_NODE) {
			cli_error("%s", err);
			return rv;
		}
		if (mono_ms() >= deadline) {
			cli_error("wait: timed out after %g s: %s", timeout_s, err);
			return EXIT_TIMEOUT;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000000L }, NULL);
	}
}
