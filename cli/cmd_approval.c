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

static const char action_usage[] =
	"Usage: dongbo [-C DIR] submit  UNIT PERIOD --form CODE [--note TEXT]\n"
	"       dongbo [-C DIR] approve UNIT PERIOD --form CODE [--note TEXT]\n"
	"       dongbo [-C DIR] return  UNIT PERIOD --form CODE --note TEXT\n"
	"       dongbo [-C DIR] reopen  UNIT PERIOD --form CODE [--note TEXT]\n"
	"\n"
	"Moves form CODE of UNIT for PERIOD through its approval:\n"
	"  submit   draft or returned -> submitted, at the node hosting UNIT\n"
	"  approve  submitted -> approved, at the node hosting UNIT's parent\n"
	"  return   submitted or approved -> returned (with --note saying "
	"why),\n"
	"           at the node hosting UNIT's parent\n"
	"  reopen   approved -> draft, at the node hosting UNIT's parent\n"
	"\n"
	"States travel up and down like values.  While the form is approved,\n"
	"UNIT's node refuses put, delete and import of a value the form's "
	"rows\n"
	"need for PERIOD (or a period within it); a value that still reaches\n"
	"the approving node marks the state \"changed after approval\".\n"
	"\n"
	"Options:\n"
	"  --form CODE  the form (`dongbo catalog forms` lists them)\n"
	"  --note TEXT  a note (a return's reason), at most 255 bytes\n"
	"  --json       the state set, as `dongbo approval --json` shows one\n"
	"  -h, --help   show this help\n"
	"\n"
	"Example: dongbo approve 07201 2022 --form II.06c\n";

static const char query_usage[] =
	"Usage: dongbo [-C DIR] approval UNIT PERIOD [--form CODE] [--json]\n"
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
	"  -h, --help   show this help\n";

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
		snprintf(buf, len, "draft (not submitted)");
		return;
	}
	out_time(a->at_ms, when, sizeof(when));
	n = snprintf(buf, len, "%s by %s %s%s%s%s on %s", a->state,
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
			 " -- CHANGED AFTER APPROVAL");
}

static int run_action(struct cli *cli, int argc, char **argv,
		      const char *action)
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

	rv = cli_parse_args(cli, argc, argv, action_usage, opts, pos, 2, 2,
			    &n);
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
	return run_action(cli, argc, argv, "submit");
}

int cmd_approve(struct cli *cli, int argc, char **argv)
{
	return run_action(cli, argc, argv, "approve");
}

int cmd_return(struct cli *cli, int argc, char **argv)
{
	return run_action(cli, argc, argv, "return");
}

int cmd_reopen(struct cli *cli, int argc, char **argv)
{
	return run_action(cli, argc, argv, "reopen");
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
		static const char *const h[] = { "UNIT", "NAME", "FORM",
						 "STATE", "SET" };
		static const bool right[] = { false, false, false, false,
					      false };
		struct table *t = table_new(5, h, right);

		printf("Approval states under %s %s, period %s\n",
		       ar->unit->code, ar->unit->name, ar->period);
		for (size_t i = 0; i < ar->n_states; i++) {
			const Dongbo__ApprovalShown *a = ar->states[i];
			char state[64], set[768];
			const char *row[5] = { a->unit->code, a->unit->name,
					       a->form, state, set };

			snprintf(state, sizeof(state), "%s%s", a->state,
				 a->changed ? " (changed!)" : "");
			approval_text(a, set, sizeof(set));
			table_add(t, row);
		}
		if (ar->n_states == 0) {
			table_free(t);
			printf("  none: every form of the subtree is a draft "
			       "here\n");
		} else {
			table_print(t, stdout, 2);
		}
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}
