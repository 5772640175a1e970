/*
 * cmd_sync.c -- rejected, restore and verify: what to do when a link or a
 * store is in trouble (status and wait are in cmd_status.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"

static const char rejected_usage[] =
	N_("Usage: dongbo [-C DIR] rejected [UNIT] [--retry] [--json]\n"
	"\n"
	"Lists the records refused on this node's links, with the reason:\n"
	"  refused by the parent   records this node sent that its parent "
	"did not\n"
	"                          take (say, a unit outside this node's "
	"subtree in\n"
	"                          the parent's unit list, an indicator its "
	"catalog\n"
	"                          does not know, a value it finds out of "
	"range);\n"
	"  refused from child X    records child node X sent that this node "
	"did\n"
	"                          not take.\n"
	"A refused record does not hold up the others: the records after it\n"
	"flow on.  It stays listed, here and at the other end of the link, "
	"until\n"
	"it is fixed:\n"
	"  - the record itself is wrong: correct it at the node that entered "
	"it,\n"
	"    with `dongbo put` (the right value) or `dongbo delete`; the new\n"
	"    version replaces the refused one and clears it on both sides;\n"
	"  - the cause is at the parent (its unit list or catalog was behind):\n"
	"    fix it there, then send the records again from this node with\n"
	"    `dongbo rejected --retry`.\n"
	"Records refused from a child are fixed at that child's node.\n"
	"\n"
	"  UNIT       only records of units within UNIT (listed or retried)\n"
	"\n"
	"Options:\n"
	"  --retry    send the records the parent refused to it again (those\n"
	"             within UNIT when given) and say how many\n"
	"  --json     {\"records\":[{\"side\":\"parent\"|\"child\",\"child\","
	"\"unit\",\"name\",\n"
	"             \"indicator\",\"period\",\"stated\",\"deleted\",\"value\","
	"\"text\",\n"
	"             \"version\",\"code\",\"error\",\"reason\",\"at\"}],"
	"\"retried\"}\n"
	"  -h, --help show this help\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/213 rejected\n"
	"  dongbo -C /var/lib/dongbo/213 rejected 07201 --retry\n");

static const char restore_usage[] =
	N_("Usage: dongbo [-C DIR] restore [--json]\n"
	"\n"
	"Fetches again from the parent the values of the units this node hosts\n"
	"and merges them into its store.  Needed when the node's disk was lost\n"
	"(or its store directory wiped) and it was set up again with\n"
	"`dongbo init` for the same unit and parent: the parent still holds\n"
	"every value this node had sent it.\n"
	"\n"
	"It also happens by itself on a node's first start with an empty store\n"
	"when a parent is configured, and resumes after a restart until done.\n"
	"Values are merged by version: a value entered here in the meantime is\n"
	"kept when it is newer, nothing is counted twice, and later entries "
	"get\n"
	"versions above anything the parent has seen.  The node keeps serving\n"
	"meanwhile; follow the restore with `dongbo status` (the parent link\n"
	"shows \"restoring\" and the values fetched so far).\n"
	"\n"
	"Refused at the top node, which has no parent to restore from.\n"
	"\n"
	"Options:\n"
	"  --json     {\"started\":true|false} (false: one was under way "
	"already)\n"
	"  -h, --help show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/07201 restore\n"
	"  dongbo -C /var/lib/dongbo/07201 status   # follow it\n");

static const char verify_usage[] =
	N_("Usage: dongbo [-C DIR] verify [--json]\n"
	"\n"
	"Recomputes every roll-up of this node's store from the stored values,\n"
	"from scratch, and compares each with the one the node maintains as\n"
	"values arrive.  Exit status 0 when all match; 1 with the first\n"
	"difference.  It only reads, but the node answers nothing else until\n"
	"it is done.\n"
	"\n"
	"Options:\n"
	"  --json     {\"ok\",\"values\",\"problem\"}\n"
	"  -h, --help show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/24 verify\n");

/* ---- rejected ---- */

/* "refused by the parent" or "refused from child 07201". */
static void side_text(const Dongbo__RejectedRecord *rec, char *buf,
		      size_t len)
{
	if (rec->child[0] == '\0')
		snprintf(buf, len, _("refused by the parent"));
	else
		snprintf(buf, len, _("refused from child %s"), rec->child);
}

static json_t *rejected_json(const Dongbo__RejectedReply *rr)
{
	json_t *doc = json_object();
	json_t *a = json_array();

	for (size_t i = 0; i < rr->n_records; i++) {
		const Dongbo__RejectedRecord *rec = rr->records[i];
		json_t *o = json_object();
		bool ours = rec->child[0] == '\0';

		json_object_set_new(o, "side",
				    json_string(ours ? "parent" : "child"));
		json_object_set_new(o, "child", ours ? json_null()
						     : json_string(rec->child));
		out_json_unit(o, rec->unit);
		json_object_set_new(o, "indicator", json_string(rec->indicator));
		json_object_set_new(o, "period", json_string(rec->period));
		json_object_set_new(o, "stated", json_boolean(rec->stated));
		json_object_set_new(o, "deleted", json_boolean(rec->deleted));
		json_object_set_new(o, "value", fig_shown_json(rec->value));
		json_object_set_new(o, "text",
				    rec->value ? json_string(rec->value->text)
					       : json_null());
		json_object_set_new(o, "version",
				    json_integer((json_int_t)rec->version));
		json_object_set_new(o, "code", json_integer(rec->code));
		json_object_set_new(o, "error",
				    json_string(dongbo_errname(rec->code)));
		json_object_set_new(o, "reason", json_string(rec->reason));
		json_object_set_new(o, "at", out_json_time(rec->at_ms));
		json_array_append_new(a, o);
	}
	json_object_set_new(doc, "records", a);
	json_object_set_new(doc, "retried", json_integer(rr->retried));
	return doc;
}

static void print_rejected(const Dongbo__RejectedReply *rr)
{
	static const char *const h[] = { N_("SIDE"),   N_("UNIT"),  N_("INDICATOR"),
					 N_("PERIOD"), N_("VALUE"), N_("WHEN"),
					 N_("REASON") };
	struct table *t = table_new(7, h, NULL);

	for (size_t i = 0; i < rr->n_records; i++) {
		const Dongbo__RejectedRecord *rec = rr->records[i];
		char side[64], unit[256], ind[128], when[32];
		const char *row[7] = { side, unit, ind, rec->period, "", when,
				       rec->reason[0] ? rec->reason
						      : rec->code_name };

		side_text(rec, side, sizeof(side));
		snprintf(unit, sizeof(unit), "%s%s%s", rec->unit->code,
			 rec->unit->name[0] ? " " : "", rec->unit->name);
		snprintf(ind, sizeof(ind), "%s%s", rec->indicator,
			 rec->stated ? _(" (stated)") : "");
		/* No value is shown for an indicator the node does not know:
		 * its scale is unknown. */
		row[4] = rec->deleted	    ? "(deletion)"
			 : rec->value == NULL ? "?"
					      : fig_shown_text(rec->value);
		out_time(rec->at_ms, when, sizeof(when));
		table_add(t, row);
	}
	table_print(t, stdout, 0);
}

int cmd_rejected(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__RejectedRequest q = DONGBO__REJECTED_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__RejectedReply *rr;
	bool retry = false;
	const struct cli_opt opts[] = {
		{ .name = "--retry", .flag = &retry },
		{ .name = NULL },
	};
	char *pos[1];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, rejected_usage, opts, pos, 0, 1,
			    &n);
	if (rv >= 0)
		return rv;
	q.retry = retry;
	q.unit = n > 0 ? pos[0] : "";
	req.body_case = DONGBO__CTL_REQUEST__BODY_REJECTED;
	req.rejected = &q;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	rr = rep->rejected;
	if (cli->json) {
		out_json(rejected_json(rr));
	} else if (retry) {
		printf(_("%" PRIu32 " refused record%s sent to the parent again%s%s"
		       "; `dongbo status` shows %s leave.\n"), rr->retried,
		       rr->retried == 1 ? "" : "s", n > 0 ? _(" within ") : "",
		       n > 0 ? pos[0] : "",
		       rr->retried == 1 ? _("it") : _("them"));
		if (rr->n_records > 0)
			printf(_("%zu still listed (refused from children, or "
			       "refused again): see `dongbo rejected`.\n"),
			       rr->n_records);
	} else if (rr->n_records == 0) {
		printf(_("No refused records%s%s.\n"), n > 0 ? _(" within ") : "",
		       n > 0 ? pos[0] : "");
	} else {
		print_rejected(rr);
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

/* restore and verify: a command without arguments that sends req (its
 * body set) and receives *rep.  EXIT_OK, or the exit status to return. */
static int call_bare(struct cli *cli, int argc, char **argv, const char *usage,
		     const Dongbo__CtlRequest *req, Dongbo__CtlReply **rep)
{
	char *pos[1];
	int n, rv;

	rv = cli_parse_simple(cli, argc, argv, usage, pos, 0, &n);
	if (rv >= 0)
		return rv == EXIT_OK ? -1 : rv; /* -1: help was printed */
	return cli_call(cli, req, rep);
}

/* ---- restore ---- */

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__RestoreCtlRequest q = DONGBO__RESTORE_CTL_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	int rv;

	req.body_case = DONGBO__CTL_REQUEST__BODY_RESTORE;
	req.restore = &q;
	rv = call_bare(cli, argc, argv, restore_usage, &req, &rep);
	if (rv != EXIT_OK)
		return rv < 0 ? EXIT_OK : rv;
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "started",
				    json_boolean(rep->restore->started));
		out_json(o);
	} else {
		bool here = strcmp(cli->dir, ".") == 0;

		printf(_("%s\nFollow it with `dongbo %s%s%sstatus`: the parent "
		       "link shows \"restoring\"\nand the values fetched so "
		       "far, then \"ok\" when it is done.\n"),
		       rep->restore->started
			       ? "Restore started: the values of the units "
				 "this node hosts are being fetched\nfrom its "
				 "parent and merged by version."
			       : "A restore from the parent is already under "
				 "way.",
		       here ? "" : "-C ", here ? "" : cli->dir, here ? "" : " ");
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

/* ---- verify ---- */

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__VerifyRequest q = DONGBO__VERIFY_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__VerifyReply *v;
	int rv;

	req.body_case = DONGBO__CTL_REQUEST__BODY_VERIFY;
	req.verify = &q;
	rv = call_bare(cli, argc, argv, verify_usage, &req, &rep);
	if (rv != EXIT_OK)
		return rv < 0 ? EXIT_OK : rv;
	v = rep->verify;
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "ok", json_boolean(v->ok));
		json_object_set_new(o, "values",
				    json_integer((json_int_t)v->values));
		json_object_set_new(o, "problem", v->ok ? json_null()
							: json_string(v->problem));
		out_json(o);
	} else if (v->ok) {
		printf(_("store consistent: %" PRIu64 " value%s, every roll-up "
		       "recomputed from scratch matches\n"), v->values,
		       v->values == 1 ? "" : "s");
	} else {
		cli_error("verify: store inconsistent (%" PRIu64 " values): %s\n"
			  "Keep the node directory and its log for a bug "
			  "report.", v->values, v->problem);
	}
	rv = v->ok ? EXIT_OK : EXIT_FAIL;
	dongbo_proto_free(&rep->base);
	return rv;
}
