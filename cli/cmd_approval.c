/*
 * cmd_approval.c -- `dongbo submit | approve | return | reopen` and
 * `dongbo approval`: the submission and approval of a form for a period.
 *
 * The node decides everything (daemon/ctl_approval.c): where an action may
 * be taken, what the current state allows; this prints what it says.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"

/* One help per action (whole texts, for translation). */
static const char submit_usage[] =
	N_("Usage: dongbo [-C DIR] submit UNIT PERIOD --form CODE [--note TEXT]\n"
	"\n"
	"Submits form CODE of UNIT for PERIOD to the parent level: draft or\n"
	"returned -> submitted.  Run it at the node that hosts UNIT.  The state\n"
	"travels up like a value; the node hosting UNIT's parent approves the\n"
	"form (`dongbo approve`) or returns it (`dongbo return`).\n"
	"\n"
	"Options:\n"
	"  --form CODE  the form (`dongbo catalog forms` lists them)\n"
	"  --note TEXT  a note for the parent level, at most 255 bytes\n"
	"  --json       the state set, as `dongbo approval --json` shows one\n"
	"  -h, --help   show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/07201 submit 07201 2022 --form II.06c\n");

static const char approve_usage[] =
	N_("Usage: dongbo [-C DIR] approve UNIT PERIOD --form CODE [--note TEXT]\n"
	"\n"
	"Approves form CODE of UNIT for PERIOD: submitted -> approved.  Run it\n"
	"at the node that hosts UNIT's parent (the parent level).  The decision\n"
	"travels down to UNIT's node and up like a value.  While the form is\n"
	"approved, UNIT's node refuses put, delete and import of a value the\n"
	"form's rows need for PERIOD (or a period within it); a value that\n"
	"still reaches this node marks the state \"changed after approval\".\n"
	"`dongbo reopen` unlocks it.\n"
	"\n"
	"Options:\n"
	"  --form CODE  the form (`dongbo catalog forms` lists them)\n"
	"  --note TEXT  a note, at most 255 bytes\n"
	"  --json       the state set, as `dongbo approval --json` shows one\n"
	"  -h, --help   show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/213 approve 07201 2022 --form II.06c\n");

static const char return_usage[] =
	N_("Usage: dongbo [-C DIR] return UNIT PERIOD --form CODE --note TEXT\n"
	"\n"
	"Returns form CODE of UNIT for PERIOD to be corrected: submitted or\n"
	"approved -> returned, with a note saying why.  Run it at the node that\n"
	"hosts UNIT's parent.  UNIT's node sees the note, corrects the values\n"
	"and submits again.\n"
	"\n"
	"Options:\n"
	"  --form CODE  the form (`dongbo catalog forms` lists them)\n"
	"  --note TEXT  why the form goes back (required), at most 255 bytes\n"
	"  --json       the state set, as `dongbo approval --json` shows one\n"
	"  -h, --help   show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/213 return 07201 2022 --form II.06c \\\n"
	"      --note \"Số hồ sơ tồn kỳ trước chưa khớp\"\n");

static const char reopen_usage[] =
	N_("Usage: dongbo [-C DIR] reopen UNIT PERIOD --form CODE [--note TEXT]\n"
	"\n"
	"Reopens an approved form CODE of UNIT for PERIOD: approved -> draft,\n"
	"so that UNIT's node may change its values again.  Run it at the node\n"
	"that hosts UNIT's parent.\n"
	"\n"
	"Options:\n"
	"  --form CODE  the form (`dongbo catalog forms` lists them)\n"
	"  --note TEXT  a note, at most 255 bytes\n"
	"  --json       the state set, as `dongbo approval --json` shows one\n"
	"  -h, --help   show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/213 reopen 07201 2022 --form II.06c\n");

static const char query_usage[] =
	N_("Usage: dongbo [-C DIR] approval UNIT PERIOD [--form CODE] [--json]\n"
	"\n"
	"Shows the submission and approval states held at this node for\n"
	"PERIOD in UNIT's subtree (one form with --form).  A unit without a\n"
	"state has not submitted: a draft.\n"
	"\n"
	"Options:\n"
	"  --form CODE  only this form\n"
	"  --json       {\"unit\",\"name\",\"period\",\"states\":[{\"unit\",\"name\","
	"\"form\",\n"
	"               \"period\",\"state\",\"changed_after_approval\","
	"\"version\",\"at\",\n"
	"               \"node\",\"user\",\"note\",\"approver\"}]}\n"
	"  -h, --help   show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/24 approval 213 2022 --form II.06c\n");

json_t *approval_json(const Dongbo__ApprovalShown *a)
{
	json_t *o = json_object();

	out_json_unit(o, a->unit);
	json_object_set_new(o, "form", json_string(a->form));
	json_object_set_new(o, "period", json_string(a->period));
	json_object_set_new(o, "state", json_string(a->state));
	json_object_set_new(o, "changed_after_approval",
			    json_boolean(a->changed));
	json_object_set_new(o, "version", json_integer((json_int_t)a->version));
	json_object_set_new(o, "at", out_json_time(a->at_ms));
	json_object_set_new(o, "node",
			    a->node != NULL ? json_string(a->node->code)
					    : json_null());
	json_object_set_new(o, "user", json_string(a->user));
	json_object_set_new(o, "note", json_string(a->note));
	json_object_set_new(o, "approver",
			    a->approver != NULL
				    ? json_string(a->approver->code)
				    : json_null());
	return o;
}

void approval_text(const Dongbo__ApprovalShown *a, char *buf, size_t len)
{
	char when[40];
	int n;

	if (a->version == 0) {
		snprintf(buf, len, "%s", _("draft (not submitted)"));
		return;
	}
	out_time(a->at_ms, when, sizeof(when));
	n = snprintf(buf, len, _("%s by %s %s%s%s%s on %s"), a->state,
		     a->node != NULL ? a->node->code : "?",
		     a->node != NULL ? a->node->name : "",
		     a->user[0] ? " (" : "", a->user, a->user[0] ? ")" : "",
		     when);
	if (n < 0 || (size_t)n >= len)
		return;
	if (a->note[0] != '\0')
		n += snprintf(buf + n, len - (size_t)n, ": \"%s\"", a->note);
	if (n >= 0 && (size_t)n < len && a->changed)
		snprintf(buf + n, len - (size_t)n,
			 "%s", _(" -- CHANGED AFTER APPROVAL"));
}

static int run_action(struct cli *cli, int argc, char **argv,
		      const char *action, const char *usage)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__ApprovalRequest q = DONGBO__APPROVAL_REQUEST__INIT;
	Dongbo__CtlReply *rep = NULL;
	const char *form = NULL, *note = "";
	const struct cli_opt opts[] = {
		{ .name = "--form", .value = &form },
		{ .name = "--note", .value = &note },
		{ .name = NULL },
	};
	char *pos[2], text[768];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, usage, opts, pos, 2, 2, &n);
	if (rv >= 0)
		return rv;
	if (form == NULL) {
		cli_error("%s: --form CODE is required (`dongbo catalog "
			  "forms` lists them)", action);
		return EXIT_USAGE;
	}
	if (strcmp(action, "return") == 0 && note[0] == '\0') {
		cli_error("return: --note TEXT is required: say why the form "
			  "goes back");
		return EXIT_USAGE;
	}
	q.unit = pos[0];
	q.period = pos[1];
	q.form = (char *)form;
	q.action = (char *)action;
	q.note = (char *)note;
	req.body_case = DONGBO__CTL_REQUEST__BODY_APPROVAL_SET;
	req.approval_set = &q;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (rep->body_case != DONGBO__CTL_REPLY__BODY_APPROVAL ||
	    rep->approval->set == NULL) {
		cli_error("%s: the node sent an unexpected reply", action);
		dongbo_proto_free(&rep->base);
		return EXIT_FAIL;
	}
	if (cli->json) {
		out_json(approval_json(rep->approval->set));
	} else {
		approval_text(rep->approval->set, text, sizeof(text));
		printf("%s %s %s: %s\n", rep->approval->set->unit->code,
		       rep->approval->set->form, rep->approval->set->period,
		       text);
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

int cmd_submit(struct cli *cli, int argc, char **argv)
{
	return run_action(cli, argc, argv, "submit", submit_usage);
}

int cmd_approve(struct cli *cli, int argc, char **argv)
{
	return run_action(cli, argc, argv, "approve", approve_usage);
}

int cmd_return(struct cli *cli, int argc, char **argv)
{
	return run_action(cli, argc, argv, "return", return_usage);
}

int cmd_reopen(struct cli *cli, int argc, char **argv)
{
	return run_action(cli, argc, argv, "reopen", reopen_usage);
}

int cmd_approval(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__ApprovalQuery q = DONGBO__APPROVAL_QUERY__INIT;
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__ApprovalReply *ar;
	const char *form = "";
	const struct cli_opt opts[] = {
		{ .name = "--form", .value = &form },
		{ .name = NULL },
	};
	char *pos[2];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, query_usage, opts, pos, 2, 2, &n);
	if (rv >= 0)
		return rv;
	q.unit = pos[0];
	q.period = pos[1];
	q.form = (char *)form;
	req.body_case = DONGBO__CTL_REQUEST__BODY_APPROVAL;
	req.approval = &q;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (rep->body_case != DONGBO__CTL_REPLY__BODY_APPROVAL) {
		cli_error("approval: the node sent an unexpected reply");
		dongbo_proto_free(&rep->base);
		return EXIT_FAIL;
	}
	ar = rep->approval;
	if (cli->json) {
		json_t *o = json_object(), *states = json_array();

		out_json_unit(o, ar->unit);
		json_object_set_new(o, "period", json_string(ar->period));
		for (size_t i = 0; i < ar->n_states; i++)
			json_array_append_new(states,
					      approval_json(ar->states[i]));
		json_object_set_new(o, "states", states);
		out_json(o);
	} else {
		static const char *const h[] = { N_("UNIT"), N_("NAME"),
						 N_("FORM"), N_("STATE"),
						 N_("SET") };
		static const bool right[] = { false, false, false, false,
					      false };
		struct table *t = table_new(5, h, right);

		printf(_("Approval states under %s %s, period %s\n"),
		       ar->unit->code, ar->unit->name, ar->period);
		for (size_t i = 0; i < ar->n_states; i++) {
			const Dongbo__ApprovalShown *a = ar->states[i];
			char state[64], set[768];
			const char *row[5] = { a->unit->code, a->unit->name,
					       a->form, state, set };

			snprintf(state, sizeof(state), "%s%s", a->state,
				 a->changed ? _(" (changed!)") : "");
			approval_text(a, set, sizeof(set));
			table_add(t, row);
		}
		if (ar->n_states == 0) {
			table_free(t);
			printf("%s", _("  none: every form of the subtree is a "
				       "draft here\n"));
		} else {
			table_print(t, stdout, 2);
		}
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}
