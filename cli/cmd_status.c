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
	N_("Usage: dongbo [-C DIR] status [--json] [--watch SECONDS]\n"
	"\n"
	"Shows this node (unit, level, store identity and size), its link to\n"
	"the parent and each child that has ever synced.\n"
	"\n"
	"The parent link: its health, the records waiting to be sent and how\n"
	"old the oldest of them is, the log entries kept until the parent\n"
	"acknowledges them, progress while catching up or restoring, and the\n"
	"records the parent refused (`dongbo rejected` lists them).\n"
	"Each child: its health, when it was last seen, how far its log has\n"
	"been applied here and how far behind that is, records received and\n"
	"records refused from it.\n"
	"\n"
	"Health of a link:\n"
	"  ok         nothing waiting, or records are moving\n"
	"  lagging    (a child) records waiting, and its cursor moved lately\n"
	"  stalled    records waiting, and none taken for stall_ms ([sync] in\n"
	"             dongbo.conf, 30 s by default) although the link is up:\n"
	"             look at the receiving node's log and `dongbo rejected`\n"
	"  offline    records waiting and no connection: they are kept and\n"
	"             sent when the link comes back\n"
	"  restoring  fetching this node's values from the parent\n"
	"             (`dongbo restore`)\n"
	"  never seen (a child) it has not synced since this node started\n"
	"\n"
	"Options:\n"
	"  --json           machine-readable, times in UTC (ISO 8601), sizes\n"
	"                   in bytes\n"
	"  --watch SECONDS  show the status again every SECONDS (0.01 to\n"
	"                   3600) until interrupted or the node stops\n"
	"                   answering; with --json, one object per line\n"
	"  -h, --help       show this help\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/213 status\n"
	"  dongbo -C /var/lib/dongbo/24 status --watch 2\n");

static const char wait_usage[] =
	N_("Usage: dongbo [-C DIR] wait [--timeout SECONDS] [--json]\n"
	"\n"
	"Waits until the parent has acknowledged every record this node holds\n"
	"(nothing waiting to be sent) and no restore is under way, then prints\n"
	"the status.  Returns at once\n"
	"at the top node.  Default timeout: 60 seconds; exit status 4 when it\n"
	"runs out.\n"
	"\n"
	"Options:\n"
	"  --timeout SECONDS  give up after this long (default 60)\n"
	"  --json             print the status as `status --json` does\n"
	"  -h, --help         show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/07201 wait --timeout 600\n");

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

/* Milliseconds from then (ms since the epoch) to now; 0 for a time in
 * the future (clocks differ). */
static int64_t age_ms(int64_t then)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return now > then ? now - then : 0;
}

/* "45 s", "12 min", "3 h 12 min", "2 d 5 h". */
static void age_text(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;

	if (s < 60)
		snprintf(buf, len, "%" PRId64 " s", s);
	else if (m < 60)
		snprintf(buf, len, _("%" PRId64 " min"), m);
	else if (h < 24)
		snprintf(buf, len, _("%" PRId64 " h %" PRId64 " min"), h, m % 60);
	else
		snprintf(buf, len, "%" PRId64 " d %" PRId64 " h", d, h % 24);
}

/* "812 KiB", "12.3 MiB", "64.0 GiB". */
static void size_text(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes / 1024;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

/* Records of the child's log not yet applied here; -1 when unknown: a
 * child reports its head in its hello and pushes, so a head of 0 says
 * nothing (not heard from since this node started, or only restoring). */
static json_int_t child_lag(const Dongbo__ChildStatus *c)
{
	if (c->head_seq == 0 || c->head_seq < c->applied_seq)
		return -1;
	return (json_int_t)(c->head_seq - c->applied_seq);
}

static json_t *store_json(const Dongbo__StoreStatus *st)
{
	json_t *o;

	if (st == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "map_size", json_integer((json_int_t)st->map_size));
	json_object_set_new(o, "map_size_max",
			    json_integer((json_int_t)st->map_size_max));
	json_object_set_new(o, "map_used", json_integer((json_int_t)st->map_used));
	json_object_set_new(o, "values", json_integer((json_int_t)st->values));
	json_object_set_new(o, "log_entries",
			    json_integer((json_int_t)st->log_entries));
	json_object_set_new(o, "commits", json_integer((json_int_t)st->commits));
	return o;
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
		json_object_set_new(po, "health", json_string(p->health));
		json_object_set_new(po, "oldest_waiting",
				    out_json_time(p->oldest_ms));
		json_object_set_new(po, "oldest_waiting_age_s",
				    p->oldest_ms > 0
					    ? json_integer(age_ms(p->oldest_ms) / 1000)
					    : json_null());
		json_object_set_new(po, "log_entries",
				    json_integer((json_int_t)p->log_entries));
		json_object_set_new(po, "last_advance",
				    out_json_time(p->last_advance_ms));
		json_object_set_new(po, "rejected", json_integer(p->rejected));
		json_object_set_new(po, "restoring", json_boolean(p->restoring));
		json_object_set_new(po, "restored",
				    json_integer((json_int_t)p->restored));
		json_object_set_new(po, "catch_up_total",
				    json_integer((json_int_t)p->catch_up_total));
		json_object_set_new(po, "catch_up_sent",
				    json_integer((json_int_t)p->catch_up_sent));
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
		json_object_set_new(co, "health", json_string(c->health));
		json_object_set_new(co, "lag", child_lag(c) >= 0
						       ? json_integer(child_lag(c))
						       : json_null());
		json_object_set_new(co, "last_advance",
				    out_json_time(c->last_advance_ms));
		json_object_set_new(co, "rejected", json_integer(c->rejected));
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
	json_object_set_new(o, "store", store_json(s->store));
	json_object_set_new(o, "stall_ms", json_integer(s->stall_ms));
	if (s->security != NULL) {
		json_t *sec = json_object(), *warn = json_array();

		for (size_t i = 0; i < s->security->n_warnings; i++)
			json_array_append_new(
				warn, json_string(s->security->warnings[i]));
		json_object_set_new(sec, "tls",
				    json_boolean(s->security->identity[0]));
		json_object_set_new(sec, "identity",
				    s->security->identity[0]
					    ? json_string(s->security->identity)
					    : json_null());
		json_object_set_new(sec, "expires_in_s",
				    json_integer(s->security->expires_in_s));
		json_object_set_new(sec, "warnings", warn);
		json_object_set_new(o, "security", sec);
	}
	return o;
}

static void print_store(const Dongbo__StatusReply *s)
{
	const Dongbo__StoreStatus *st = s->store;
	char used[32], map[32], max[32];

	if (st == NULL) {
		printf(_("Store    %s, log at %" PRIu64 "\n"), s->store_id,
		       s->head_seq);
		return;
	}
	printf(_("Store    %s: %" PRIu64 " value%s, log at %" PRIu64 " (%" PRIu64
	       " entr%s kept)\n"), s->store_id, st->values,
	       st->values == 1 ? "" : "s", s->head_seq, st->log_entries,
	       st->log_entries == 1 ? "y" : "ies");
	size_text(st->map_used, used, sizeof(used));
	size_text(st->map_size, map, sizeof(map));
	size_text(st->map_size_max, max, sizeof(max));
	printf(_("         %s used of a %s map, which grows up to %s\n"), used,
	       map, max);
}

/* Why the link is stalled, offline or behind, and what is under way. */
static void print_parent(const Dongbo__StatusReply *s)
{
	const Dongbo__ParentStatus *p = s->parent;
	char t[32], age[32];

	out_time(p->last_ack_ms, t, sizeof(t));
	printf(_("Parent   %s"), p->url);
	if (p->unit != NULL)
		printf(" (%s %s)", p->unit->code, p->unit->name);
	printf(_("\n         %s: %s, %" PRIu64 " record%s waiting, last ack %s\n"),
	       p->health[0] ? p->health : "?",
	       p->connected ? _("connected") : _("not connected"), p->pending,
	       p->pending == 1 ? "" : "s", t);
	if (p->pending > 0 && p->oldest_ms > 0) {
		age_text(age_ms(p->oldest_ms), age, sizeof(age));
		printf(_("         oldest waiting change: %s old\n"), age);
	}
	if (strcmp(p->health, "stalled") == 0) {
		age_text(s->stall_ms, t, sizeof(t));
		if (p->last_advance_ms > 0) {
			age_text(age_ms(p->last_advance_ms), age, sizeof(age));
			printf(_("         the parent last took records %s ago "
			       "(stalled after %s): look at its log\n"), age, t);
		} else {
			printf(_("         the parent has taken no records since "
			       "this node started (stalled after %s):\n"
			       "         look at its log\n"), t);
		}
	}
	if (p->catch_up_total > 0 && p->catch_up_sent < p->catch_up_total)
		printf(_("         catching up: %" PRIu64 " of %" PRIu64
		       " sent (%" PRIu64 " %%)\n"), p->catch_up_sent,
		       p->catch_up_total,
		       p->catch_up_sent * 100 / p->catch_up_total);
	if (p->restoring)
		printf(_("         restoring: %" PRIu64 " value%s fetched from "
		       "the parent so far\n"), p->restored,
		       p->restored == 1 ? "" : "s");
	else if (p->restored > 0)
		printf(_("         restored %" PRIu64 " value%s from the parent\n"),
		       p->restored, p->restored == 1 ? "" : "s");
	printf(_("         log keeps %" PRIu64 " entr%s until the parent has "
	       "them\n"), p->log_entries, p->log_entries == 1 ? "y" : "ies");
	if (p->rejected > 0)
		printf(_("         %" PRIu32 " record%s refused by the parent: see "
		       "`dongbo rejected`\n"), p->rejected,
		       p->rejected == 1 ? "" : "s");
	if (p->last_error[0] != '\0')
		printf(_("         last error: %s\n"), p->last_error);
}

static void print_children(const Dongbo__StatusReply *s)
{
	static const char *const h[] = { N_("UNIT"),    N_("NAME"),   N_("HEALTH"),
					 N_("LAST SEEN"), N_("APPLIED"), N_("BEHIND"),
					 N_("RECEIVED"), N_("REFUSED") };
	static const bool right[] = { false, false, false, false,
				      true,  true,  true,  true };
	struct table *tab;
	uint64_t refused = 0;

	if (s->n_children == 0) {
		printf(_("Children none seen yet\n"));
		return;
	}
	printf(_("Children\n"));
	tab = table_new(8, h, right);
	for (size_t i = 0; i < s->n_children; i++) {
		const Dongbo__ChildStatus *c = s->children[i];
		char seen[32], applied[24], behind[24], recv[24], rej[24];
		const char *row[8] = { c->unit->code, c->unit->name, c->health,
				       seen, applied, behind, recv, rej };

		out_time(c->last_seen_ms, seen, sizeof(seen));
		snprintf(applied, sizeof(applied), "%" PRIu64, c->applied_seq);
		if (child_lag(c) >= 0)
			snprintf(behind, sizeof(behind), "%" PRId64,
				 (int64_t)child_lag(c));
		else
			snprintf(behind, sizeof(behind), "?");
		snprintf(recv, sizeof(recv), "%" PRIu64, c->received);
		snprintf(rej, sizeof(rej), "%" PRIu32, c->rejected);
		refused += c->rejected;
		table_add(tab, row);
	}
	table_print(tab, stdout, 2);
	if (refused > 0)
		printf(_("  %" PRIu64 " record%s refused from children: see "
		       "`dongbo rejected`\n"), refused, refused == 1 ? "" : "s");
}

static void print_security(const Dongbo__SecurityStatus *sec)
{
	if (sec == NULL)
		return;
	if (sec->identity[0] != '\0')
		printf(_("TLS      mutual TLS; this node's certificate: %s\n"),
		       sec->identity);
	else
		printf(_("TLS      none ([tls] in dongbo.conf)\n"));
	for (size_t i = 0; i < sec->n_warnings; i++)
		printf(_("WARNING  %s\n"), sec->warnings[i]);
}

static void print_status(const Dongbo__StatusReply *s)
{
	printf(_("Node     %s %s (%s)\n"), s->unit->code, s->unit->name,
	       s->unit->level);
	print_store(s);
	if (s->n_hosts > 1) {
		printf(_("Hosts    "));
		for (size_t i = 0; i < s->n_hosts; i++)
			printf("%s%s", i ? ", " : "", s->hosts[i]->code);
		printf("\n");
	}
	printf(_("Listen   %s\n"), s->listen_url[0] ? s->listen_url : _("(no children)"));
	print_security(s->security);
	printf(_("Catalog  v%u, %s\n"), s->catalog_version,
	       strcmp(s->catalog_source, "parent") == 0
		       ? _("received from the parent")
		       : _("from this node's catalog file"));
	if (s->parent == NULL)
		printf(_("Parent   none: this is the top node\n"));
	else
		print_parent(s);
	print_children(s);
}

/* One status, printed. */
static int show_status(struct cli *cli)
{
	Dongbo__CtlReply *rep = NULL;
	int rv;

	if ((rv = request_status(cli, &rep, false, NULL, 0)) != EXIT_OK)
		return rv;
	if (cli->json)
		out_json(status_json(rep->status));
	else
		print_status(rep->status);
	dongbo_proto_free(&rep->base);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	const char *watch = NULL;
	const struct cli_opt opts[] = {
		{ "--watch", "-w", NULL, &watch },
		{ NULL, NULL, NULL, NULL },
	};
	struct timespec every;
	char *pos[1], *end;
	double secs;
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, status_usage, opts, pos, 0, 0,
			    &n);
	if (rv >= 0)
		return rv;
	if (watch == NULL)
		return show_status(cli);
	secs = strtod(watch, &end);
	if (*end != '\0' || end == watch || !(secs >= 0.01 && secs <= 3600)) {
		cli_error("status: bad --watch '%s' (seconds, 0.01 to 3600)",
			  watch);
		return EXIT_USAGE;
	}
	every.tv_sec = (time_t)secs;
	every.tv_nsec = (long)((secs - (double)every.tv_sec) * 1e9);
	/* Like watch(1): until interrupted, or the node or the reader of
	 * our output goes away. */
	for (bool first = true;; first = false) {
		if (!first && !cli->json)
			printf("\n");
		if ((rv = show_status(cli)) != EXIT_OK)
			return rv;
		nanosleep(&every, NULL);
	}
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
			fputs(_(wait_usage), stdout);
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
			fputs(_(wait_usage), stderr);
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

			if (s->parent == NULL ||
			    (s->parent->pending == 0 && !s->parent->restoring)) {
				if (cli->json)
					out_json(status_json(s));
				else
					print_status(s);
				dongbo_proto_free(&rep->base);
				return EXIT_OK;
			}
			snprintf(err, sizeof(err),
				 _("%" PRIu64 " records still waiting for %s%s%s%s"),
				 s->parent->pending, s->parent->url,
				 s->parent->restoring ? _(" (restoring from it)") : "",
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
