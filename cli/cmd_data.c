/*
 * cmd_data.c -- put, delete and get, and log: a value's history (rollup is
 * in cmd_report.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "util.h"

static const char put_usage[] =
	N_("Usage: dongbo [-C DIR] put UNIT INDICATOR PERIOD VALUE [--stated] "
	"[--json]\n"
	"\n"
	"Stores VALUE for UNIT, which must be hosted by this node, and sends\n"
	"it on to the parent.  A new value for the same unit, indicator and\n"
	"period replaces the old one everywhere.\n"
	"\n"
	"  UNIT       unit code, e.g. 07201\n"
	"  INDICATOR  indicator code from the catalog, e.g. hs_nhan_truc_tuyen\n"
	"             (`dongbo catalog` lists them)\n"
	"  PERIOD     2022, 2022S1, 2022Q3 or 2022M06\n"
	"  VALUE      as the indicator's type asks, written the Vietnamese way\n"
	"             or plainly where that is unambiguous:\n"
	"               count    1234, 1.234.567 or 52,414 (no decimals, no "
	"sign)\n"
	"               decimal, money\n"
	"                        99,98 or 99.98, 1.234,5 or 1,234.5, -3; "
	"\"1.200\" is\n"
	"                        ambiguous and refused (write 1200 or 1,2)\n"
	"               enum     a value (2) or its label (\"Hoàn thành\")\n"
	"               bool     0, 1 or a label (Không, Có)\n"
	"             A ratio or total is computed, never entered: enter its "
	"parts.\n"
	"\n"
	"Options:\n"
	"  --stated   VALUE is the total UNIT's paper report states for its\n"
	"             whole subtree (indicators with rule sum only).  It is kept\n"
	"             beside the unit's own value, never added into roll-ups;\n"
	"             `dongbo check` compares it with the computed total.\n"
	"  --json     print the stored value\n"
	"  -h, --help show this help\n"
	"\n"
	"Examples:\n"
	"  dongbo -C /var/lib/dongbo/07201 put 07201 hs_tiep_nhan 2022Q3 1.234\n"
	"  dongbo -C /var/lib/dongbo/213 put 213 hs_tiep_nhan 2022 52.414 --stated\n");

static const char delete_usage[] =
	N_("Usage: dongbo [-C DIR] delete UNIT INDICATOR PERIOD [--stated] "
	"[--json]\n"
	"\n"
	"Deletes the value entered for UNIT (hosted by this node): it leaves\n"
	"every roll-up, here and at every level above, as if it had never\n"
	"been entered.  To correct a value, `dongbo put` the right one\n"
	"instead.  Deleting a value that was deleted already succeeds and\n"
	"changes nothing; a value that was never entered is an error.\n"
	"\n"
	"Options:\n"
	"  --stated   delete UNIT's stated total instead of its value\n"
	"  --json     print {\"unit\",\"indicator\",\"period\",\"deleted\":true,\n"
	"             \"version\",\"stated\"}\n"
	"  -h, --help show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/07201 delete 07201 hs_tiep_nhan 2022Q3\n");

static const char get_usage[] =
	N_("Usage: dongbo [-C DIR] get UNIT INDICATOR PERIOD [--stated] [--json]\n"
	"\n"
	"Shows the value of UNIT (any unit within this node's subtree) as the\n"
	"catalog formats it, with its unit of measure and the version given by\n"
	"the node that entered it.  When nothing was entered for PERIOD itself,\n"
	"shows the value its sub-periods compose (a year from its halves, a\n"
	"half from its quarters, a quarter from its months, by the indicator's\n"
	"time rule), marked \"composed\".  Exits 1 when there is none.\n"
	"\n"
	"Options:\n"
	"  --stated   the total UNIT's report states for its subtree instead\n"
	"  --json     {\"unit\",\"indicator\",\"period\",\"value\",\"version\",\n"
	"             \"composed\",\"stated\",...}: value is a number for counts,\n"
	"             enums and booleans, a string such as \"1234.50\" for\n"
	"             decimals and money (with \"scale\"), null when none\n"
	"  -h, --help show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/213 get 07201 hs_tiep_nhan 2022\n");

/* The JSON object of get starts with the key (the shape scripts rely on),
 * then the value; names and units are added by add_names() after the
 * command's own fields. */
static json_t *key_json(const Dongbo__UnitInfo *u, const char *indicator,
			const char *period)
{
	json_t *o = json_object();

	json_object_set_new(o, "unit", json_string(u->code));
	json_object_set_new(o, "indicator", json_string(indicator));
	json_object_set_new(o, "period", json_string(period));
	return o;
}

/* A value for JSON: a number for counts, enums and booleans; the plain text
 * for decimals and money, which a JSON number (a double) could not carry
 * exactly. */
static json_t *shown_json(const Dongbo__Shown *v)
{
	if (strcmp(v->type, "decimal") == 0 || strcmp(v->type, "money") == 0)
		return json_string(v->plain);
	return json_integer(v->value);
}

/* The fields that come with a value in JSON: its scale, or its label. */
static void add_shown(json_t *o, const Dongbo__Shown *v)
{
	json_object_set_new(o, "type", json_string(v->type));
	if (strcmp(v->type, "decimal") == 0 || strcmp(v->type, "money") == 0)
		json_object_set_new(o, "scale", json_integer(v->scale));
	if (strcmp(v->type, "enum") == 0 || strcmp(v->type, "bool") == 0)
		json_object_set_new(o, "label", json_string(v->text));
	json_object_set_new(o, "text", json_string(v->text));
}

/* A value for people: "1.234,5", an enum as "Hoàn thành (2)". */
static void shown_text(const Dongbo__Shown *v, char *buf, size_t len)
{
	if (strcmp(v->type, "enum") == 0 || strcmp(v->type, "bool") == 0)
		snprintf(buf, len, "%s (%" PRId64 ")", v->text, v->value);
	else
		snprintf(buf, len, "%s", v->text);
}

static void add_names(json_t *o, const Dongbo__UnitInfo *u,
		      const char *indicator_name, const char *measure)
{
	json_object_set_new(o, "unit_name", json_string(u->name));
	json_object_set_new(o, "level", json_string(u->level));
	json_object_set_new(o, "indicator_name", json_string(indicator_name));
	json_object_set_new(o, "measure", json_string(measure));
}

/* put and delete: one item, stored (or retracted) at the node. */
static int put_one(struct cli *cli, int argc, char **argv, bool retract)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__PutRequest put = DONGBO__PUT_REQUEST__INIT;
	Dongbo__PutItem item = DONGBO__PUT_ITEM__INIT;
	Dongbo__PutItem *items[1] = { &item };
	Dongbo__CtlReply *rep = NULL;
	bool stated = false;
	const struct cli_opt opts[] = {
		{ .name = "--stated", .flag = &stated },
		{ .name = NULL },
	};
	int n_pos = retract ? 3 : 4;
	char *pos[4];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, retract ? delete_usage : put_usage,
			    opts, pos, n_pos, n_pos, &n);
	if (rv >= 0)
		return rv;
	item.unit = pos[0];
	item.indicator = pos[1];
	item.period = pos[2];
	item.value = retract ? "" : pos[3];
	item.retract = retract;
	item.stated = stated;
	put.n_items = 1;
	put.items = items;
	req.body_case = DONGBO__CTL_REQUEST__BODY_PUT;
	req.put = &put;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	if (cli->json && (retract || rep->put->n_values == 1)) {
		json_t *o = json_object();

		json_object_set_new(o, "unit", json_string(pos[0]));
		json_object_set_new(o, "indicator", json_string(pos[1]));
		json_object_set_new(o, "period", json_string(pos[2]));
		if (retract)
			json_object_set_new(o, "deleted", json_true());
		else
			json_object_set_new(o, "value",
					    shown_json(rep->put->values[0]));
		json_object_set_new(o, "version",
				    json_integer(rep->put->n_versions > 0
							 ? (json_int_t)rep->put->versions[0]
							 : 0));
		json_object_set_new(o, "stated", json_boolean(stated));
		if (!retract)
			add_shown(o, rep->put->values[0]);
		out_json(o);
	}
	dongbo_proto_free(&rep->base);
	return EXIT_OK;
}

int cmd_put(struct cli *cli, int argc, char **argv)
{
	return put_one(cli, argc, argv, false);
}

int cmd_delete(struct cli *cli, int argc, char **argv)
{
	return put_one(cli, argc, argv, true);
}

int cmd_get(struct cli *cli, int argc, char **argv)
{
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__Key key = DONGBO__KEY__INIT;
	Dongbo__CtlReply *rep = NULL;
	const Dongbo__GetReply *g;
	bool stated = false;
	const struct cli_opt opts[] = {
		{ .name = "--stated", .flag = &stated },
		{ .name = NULL },
	};
	char *pos[3];
	char text[320];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, get_usage, opts, pos, 3, 3, &n);
	if (rv >= 0)
		return rv;
	key.unit = pos[0];
	key.indicator = pos[1];
	key.period = pos[2];
	key.stated = stated;
	req.body_case = DONGBO__CTL_REQUEST__BODY_GET;
	req.get = &key;
	if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
		return rv;
	g = rep->get;
	rv = g->found ? EXIT_OK : EXIT_FAIL;
	if (cli->json) {
		json_t *o = key_json(g->unit, g->indicator, g->period);

		json_object_set_new(o, "value", g->found && g->shown != NULL
							? shown_json(g->shown)
							: json_null());
		json_object_set_new(o, "version",
				    g->version ? json_integer((json_int_t)g->version)
					       : json_null());
		json_object_set_new(o, "composed", json_boolean(g->composed));
		json_object_set_new(o, "stated", json_boolean(g->stated));
		if (g->found && g->shown != NULL)
			add_shown(o, g->shown);
		add_names(o, g->unit, g->indicator_name, g->measure);
		out_json(o);
	} else if (g->found && g->shown != NULL) {
		shown_text(g->shown, text, sizeof(text));
		printf("%s  %s  %s  %s%s %s  (%s; %s; ", g->unit->code,
		       g->indicator, g->period, g->stated ? _("stated total ") : "",
		       text, g->measure, g->unit->name, g->indicator_name);
		if (g->composed)
			printf(_("composed of its sub-periods)\n"));
		else
			printf(_("version %" PRIu64 ")\n"), g->version);
	} else {
		const char *deleted = g->deleted ? _(" (it was deleted)") : "";

		if (g->stated)
			cli_error("no stated total for %s %s %s%s",
				  g->unit->code, g->indicator, g->period,
				  deleted);
		else
			cli_error("no value for %s %s %s%s", g->unit->code,
				  g->indicator, g->period, deleted);
	}
	dongbo_proto_free(&rep->base);
	return rv;
}

/* ---- log ---- */

static const char log_usage[] =
	N_("Usage: dongbo [-C DIR] log UNIT [INDICATOR [PERIOD]] [--stated] "
	"[--limit N]\n"
	"                  [--json]\n"
	"\n"
	"Shows the history of UNIT's values at this node, newest first: every\n"
	"change the node accepted, with when it accepted it (local time), the\n"
	"value as the catalog shows it, what changed (set, deleted, stated,\n"
	"stated deleted), the node where it was entered (its home unit) and\n"
	"the link it came through:\n"
	"\n"
	"  local (uid 0 root)           entered here (put, delete, import), by\n"
	"                               that user\n"
	"  child 213 (Huyện Yên Dũng)   sent up by that child node\n"
	"  restore from 24              fetched back from the parent after a\n"
	"                               lost store\n"
	"\n"
	"A record that arrived again, or lost to a newer version, changed\n"
	"nothing and is not listed.\n"
	"\n"
	"  UNIT       any unit within this node's subtree, e.g. 07201\n"
	"  INDICATOR  only this indicator's changes\n"
	"  PERIOD     only this period's: 2022, 2022S1, 2022Q3 or 2022M06\n"
	"\n"
	"Options:\n"
	"  --stated    only the stated totals (`put --stated`)\n"
	"  --limit N   only the N newest changes (default: all)\n"
	"  --json      {\"unit\",\"name\",\"entries\":[{\"seq\",\"at\",\"at_ms\",\n"
	"              \"indicator\",\"period\",\"stated\",\"change\",\"value\",\n"
	"              \"text\",\"version\",\"link\",\"via\",\"origin\",...}],"
	"\"more\"}:\n"
	"              more is true when --limit left older changes out\n"
	"  -h, --help  show this help\n"
	"\n"
	"Example:\n"
	"  dongbo -C /var/lib/dongbo/213 log 07201 hs_tiep_nhan 2022 --limit 10\n");

/* Changes asked for per request (the node sends at most 1000). */
#define LOG_PAGE 1000
#define LOG_LIMIT_MAX 100000000

/* "07201 (Phường Thọ Xương)", or the bare code. */
static void unit_text(const Dongbo__UnitInfo *u, char *buf, size_t len)
{
	if (u == NULL)
		snprintf(buf, len, "?");
	else if (u->name[0] != '\0')
		snprintf(buf, len, "%s (%s)", u->code, u->name);
	else
		snprintf(buf, len, "%s", u->code);
}

/* The link a change came through: "local (uid 0 root)", "child 213
 * (Huyện Yên Dũng)", "restore from 24". */
static void via_text(const Dongbo__LogEntry *e, char *buf, size_t len)
{
	char unit[160];

	if (strcmp(e->link, "local") == 0) {
		if (!e->has_uid)
			snprintf(buf, len, _("local"));
		else
			snprintf(buf, len, _("local (uid %" PRIu32 "%s%s)"), e->uid,
				 e->user[0] ? " " : "", e->user);
		return;
	}
	unit_text(e->peer_unit, unit, sizeof(unit));
	if (strcmp(e->link, "restore") == 0)
		snprintf(buf, len, _("restore from %s"), unit);
	else
		snprintf(buf, len, "%s %s", e->link, unit);
}

/* The change as JSON names it; marked for the table, which shows it
 * translated. */
static const char *change_word(const Dongbo__LogEntry *e)
{
	if (e->stated)
		return e->deleted ? N_("stated deleted") : N_("stated");
	return e->deleted ? N_("deleted") : N_("set");
}

/* "2026-11-23 20:03:08", local time. */
static void local_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
}

static json_t *log_entry_json(const Dongbo__LogEntry *e)
{
	json_t *o = json_object();
	char via[256];

	via_text(e, via, sizeof(via));
	json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	json_object_set_new(o, "at", out_json_time(e->at_ms));
	json_object_set_new(o, "at_ms", json_integer(e->at_ms));
	json_object_set_new(o, "indicator", json_string(e->indicator));
	json_object_set_new(o, "period", json_string(e->period));
	json_object_set_new(o, "stated", json_boolean(e->stated));
	json_object_set_new(o, "change", json_string(change_word(e)));
	json_object_set_new(o, "value", e->value != NULL ? shown_json(e->value)
							 : json_null());
	json_object_set_new(o, "text", e->value != NULL
					       ? json_string(e->value->text)
					       : json_null());
	json_object_set_new(o, "version", json_integer((json_int_t)e->version));
	json_object_set_new(o, "link", json_string(e->link));
	json_object_set_new(o, "via", json_string(via));
	if (strcmp(e->link, "local") == 0) {
		json_object_set_new(o, "uid", e->has_uid ? json_integer(e->uid)
							 : json_null());
		json_object_set_new(o, "user", json_string(e->user));
	} else {
		json_t *p = json_object();

		out_json_unit(p, e->peer_unit);
		json_object_set_new(o, "peer", p);
	}
	{
		json_t *org = json_object();

		out_json_unit(org, e->origin);
		json_object_set_new(o, "origin", org);
	}
	return o;
}

static void log_entry_row(struct table *t, const Dongbo__LogEntry *e)
{
	char at[32], value[320], via[256];
	const char *row[7] = { at, e->indicator, e->period, value,
			       _(change_word(e)), e->origin->code, via };

	local_time(e->at_ms, at, sizeof(at));
	if (e->value != NULL)
		shown_text(e->value, value, sizeof(value));
	else
		value[0] = '\0';
	via_text(e, via, sizeof(via));
	table_add(t, row);
}

int cmd_log(struct cli *cli, int argc, char **argv)
{
	static const char *const h[] = { N_("ACCEPTED"), N_("INDICATOR"), N_("PERIOD"),
					 N_("VALUE"),    N_("CHANGE"),	  N_("ORIGIN"),
					 N_("VIA") };
	static const bool right[] = { false, false, false, true,
				      false, false, false };
	Dongbo__CtlRequest req = DONGBO__CTL_REQUEST__INIT;
	Dongbo__LogRequest q = DONGBO__LOG_REQUEST__INIT;
	const char *limit_text = NULL;
	bool stated = false, more = false;
	const struct cli_opt opts[] = {
		{ .name = "--stated", .flag = &stated },
		{ .name = "--limit", .value = &limit_text },
		{ .name = NULL },
	};
	uint64_t limit = LOG_LIMIT_MAX, shown = 0;
	json_t *doc = NULL, *entries = NULL;
	struct table *t = NULL;
	char unit[160] = "";
	char *pos[3];
	int n, rv;

	rv = cli_parse_args(cli, argc, argv, log_usage, opts, pos, 1, 3, &n);
	if (rv >= 0)
		return rv;
	if (limit_text != NULL &&
	    (!dongbo_parse_u64(limit_text, LOG_LIMIT_MAX, &limit) ||
	     limit == 0)) {
		cli_error("log: --limit must be a whole number from 1 to %d, "
			  "not '%s'", LOG_LIMIT_MAX, limit_text);
		return EXIT_USAGE;
	}
	q.unit = pos[0];
	q.indicator = n > 1 ? pos[1] : "";
	q.period = n > 2 ? pos[2] : "";
	q.stated = stated;
	req.body_case = DONGBO__CTL_REQUEST__BODY_LOG;
	req.log = &q;
	if (cli->json) {
		doc = json_object();
		entries = json_array();
	} else {
		t = table_new(7, h, right);
	}
	/* Page by page, each older than the last one shown: changes
	 * accepted meanwhile are newer and do not shift the pages. */
	do {
		Dongbo__CtlReply *rep = NULL;
		const Dongbo__LogReply *lr;

		q.max = limit - shown < LOG_PAGE ? (uint32_t)(limit - shown)
						 : LOG_PAGE;
		if ((rv = cli_call(cli, &req, &rep)) != EXIT_OK)
			goto out;
		lr = rep->log;
		if (doc != NULL && shown == 0)
			out_json_unit(doc, lr->unit);
		unit_text(lr->unit, unit, sizeof(unit));
		for (size_t i = 0; i < lr->n_entries; i++) {
			if (entries != NULL)
				json_array_append_new(
					entries, log_entry_json(lr->entries[i]));
			else
				log_entry_row(t, lr->entries[i]);
			q.before_seq = lr->entries[i]->seq;
			shown++;
		}
		more = lr->more && lr->n_entries > 0;
		dongbo_proto_free(&rep->base);
	} while (more && shown < limit);

	if (doc != NULL) {
		json_object_set_new(doc, "entries", entries);
		json_object_set_new(doc, "more", json_boolean(more));
		entries = NULL;
		out_json(doc);
		doc = NULL;
	} else if (shown == 0) {
		printf(_("No change of %s%s%s%s%s%s recorded at this node.\n"),
		       unit, n > 1 ? " " : "", n > 1 ? pos[1] : "",
		       n > 2 ? " " : "", n > 2 ? pos[2] : "",
		       stated ? _(" (stated totals)") : "");
	} else {
		table_print(t, stdout, 0);
		t = NULL;
		if (more)
			printf(_("(the %" PRIu64 " newest changes; older ones "
			       "remain: raise --limit)\n"), shown);
	}
	rv = EXIT_OK;
out:
	table_free(t);
	json_decref(entries);
	json_decref(doc);
	return rv;
}
