/*
 * ctl_data.c -- put, get, export and catalog requests from the CLI.
 *
 * put: every item is checked -- unit hosted here, indicator known and
 * enterable, period well-formed, value parsed by the indicator's type, no
 * key given twice -- before the one write transaction, so a put (a whole
 * imported file included) is all or nothing, and the first bad item is
 * named, by its file line when the CLI gives one.
 * get: the value entered for exactly that key, else the one composed from
 * the period's parts, formatted by the catalog the node runs.
 * export: every entered value and stated total of a subtree for a period,
 * as plain text that `import` reads back to the same values.
 * catalog: the text of the catalog the node runs, for the CLI to show.
 *
 * A put, delete or import of a value that a form approved for a period
 * holding it needs is refused whole (LOCKED), naming who approved it and
 * how to have it reopened (daemon/approval.h).
 *
 * Failure modes: bad arguments get the matching DONGBO_E_* code and a
 * message quoting the value; store errors pass on their code; an export
 * larger than one message is refused with a hint.  Nothing is stored unless
 * the whole put is valid and its transaction commits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "ctl.h"
#include "error.h"
#include "log.h"
#include "uplink.h"

/* Room for a value in plain text: an int64 with sign, point and grouping
 * fits in 32 bytes. */
#define PLAIN_TEXT_MAX 32

/* Why ind, a ratio or a total, holds no values: "ty_le_x is computed from
 * a / b".  Returns the length written, as snprintf. */
static int computed_from(const struct dongbo_indicator *ind, char *buf,
			 size_t len)
{
	int n;

	if (ind->rule == DONGBO_RULE_RATIO)
		return snprintf(buf, len, "%s is computed from %s / %s",
				ind->code, ind->numerator->code,
				ind->denominator->code);
	n = snprintf(buf, len, "%s is the sum of ", ind->code);
	for (size_t i = 0; i < ind->n_parts && n >= 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%s", i ? " + " : "",
			      ind->parts[i]->code);
	return n;
}

/* ---- put ---- */

struct put_item {
	struct dongbo_record rec;
	const struct dongbo_indicator *ind;
	const Dongbo__PutItem *from;
	char period[DONGBO_PERIOD_MAX];
};

/* Puts "line N: " (or "item N: " for a put of several items without lines)
 * before the error text of r. */
static void locate_error(struct ctl_reply *r, const Dongbo__PutItem *it,
			 size_t i, size_t n)
{
	if (it->line > 0)
		dongbo_msg_prepend(&r->msg, "line %u: ", it->line);
	else if (n > 1)
		dongbo_msg_prepend(&r->msg, "item %zu: ", i + 1);
	else
		return;
	ctl_fail_msg(r, r->rep.code, &r->msg);
}

static int check_put_item(struct dongbo_node *node, struct ctl_reply *r,
			  const Dongbo__PutItem *it, struct put_item *out)
{
	const struct dongbo_unit *u = NULL;
	const struct dongbo_indicator *ind = NULL;
	char err[384];
	struct dongbo_msg msg;
	int rv;

	if ((rv = ctl_find_unit(node, r, it->unit, &u)) != 0)
		return rv;
	if (!dongbo_node_hosts(node, u))
		return ctl_fail(r, DONGBO_E_NOT_HOSTED,
				"unit %s (%s) is not hosted by this node: "
				"values for it are entered at its own node",
				u->code, u->name);
	if ((rv = ctl_find_indicator(node, r, it->indicator, &ind)) != 0)
		return rv;
	if (!dongbo_indicator_is_stored(ind)) {
		computed_from(ind, err, sizeof(err));
		return ctl_fail(r, DONGBO_E_BAD_VALUE,
				"%s; enter those instead", err);
	}
	if (it->stated && ind->rule != DONGBO_RULE_SUM)
		return ctl_fail(r, DONGBO_E_BAD_VALUE,
				"%s has rule %s: a stated total is kept only "
				"for indicators with rule sum, to compare with "
				"the sum of the subtree", ind->code,
				dongbo_rule_word(ind->rule));
	if ((rv = ctl_parse_period(r, it->period, out->period)) != 0)
		return rv;
	if (it->retract) {
		if (it->value[0] != '\0')
			return ctl_fail(r, DONGBO_E_INVAL,
					"a deletion carries no value ('%.40s')",
					it->value);
		out->rec.value = 0;
		out->rec.deleted = true;
	} else if (dongbo_indicator_parse_value_msg(ind, it->value,
						    &out->rec.value,
						    &msg) != 0) {
		/* The message quotes the text; name the indicator unless
		 * it does. */
		if (strstr(msg.text, ind->code) == NULL)
			dongbo_msg_append(&msg, " (indicator %s)", ind->code);
		return ctl_fail_msg(r, DONGBO_E_BAD_VALUE, &msg);
	}
	out->rec.unit = u->code;
	out->rec.indicator = ind->code;
	out->rec.period = out->period;
	out->rec.stated = it->stated;
	out->ind = ind;
	out->from = it;
	return 0;
}

/* The unit of the values checked last, and whether it has a form
 * approved: a put's values are mostly of one unit, and most units have
 * none, so that their values need no check each. */
struct lock_seen {
	const struct dongbo_unit *unit;
	bool any;
	bool some; /* any, for one of the units seen */
};

/* A value of a form approved for its period is locked at the unit: the
 * parent level reopens it first (README "Submission and approval"). */
static int check_lock(struct dongbo_node *node, struct ctl_reply *r,
		      const struct put_item *it, struct lock_seen *seen)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units,
							  it->rec.unit);
	struct dongbo_approval a;
	char date[32], who[128];
	const struct dongbo_unit *by;
	int rv;

	if (u == NULL)
		return 0;
	if (u != seen->unit) {
		rv = dongbo_approval_any(node, u, &seen->any);
		if (rv != 0)
			return ctl_fail(r, rv, "store: %s",
					dongbo_strerror(rv));
		seen->unit = u;
		seen->some = seen->some || seen->any;
	}
	if (!seen->any)
		return 0;
	rv = dongbo_approval_lock(node, u, it->rec.indicator, it->rec.period,
				  &a);
	if (rv == 0)
		return 0;
	if (rv != DONGBO_E_LOCKED)
		return ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
	by = dongbo_units_find(node->units, a.node);
	snprintf(who, sizeof(who), "%s%s%s%s", a.node, by ? " (" : "",
		 by ? by->name : "", by ? ")" : "");
	dongbo_approval_date(a.at_ms, date, sizeof(date));
	return ctl_fail(r, DONGBO_E_LOCKED,
			"%s %s %s is locked: form %s %s of %s is approved by "
			"%s on %s: ask %s to reopen it (dongbo reopen %s %s "
			"--form %s)", it->rec.unit, it->rec.indicator,
			it->rec.period, a.form, a.period, a.unit, who, date,
			u->parent != NULL ? u->parent->code : a.node, a.unit,
			a.period, a.form);
}

/* Orders items by key, then by their place in the request (one array, so
 * pointer order is request order). */
static int item_cmp(const void *a, const void *b)
{
	const struct put_item *x = *(const struct put_item *const *)a;
	const struct put_item *y = *(const struct put_item *const *)b;
	int c;

	if ((c = strcmp(x->rec.unit, y->rec.unit)) != 0 ||
	    (c = strcmp(x->rec.indicator, y->rec.indicator)) != 0 ||
	    (c = strcmp(x->rec.period, y->rec.period)) != 0)
		return c;
	if (x->rec.stated != y->rec.stated)
		return x->rec.stated ? 1 : -1;
	return x < y ? -1 : x > y;
}

/* A put that gives one key twice is refused: which of the two was meant
 * cannot be known, and a file should not depend on its row order. */
static int check_duplicates(struct ctl_reply *r, struct put_item *items,
			    size_t n)
{
	struct put_item **sorted;

	if (n < 2)
		return 0;
	sorted = malloc(n * sizeof(*sorted));
	if (sorted == NULL)
		return ctl_fail(r, DONGBO_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		sorted[i] = &items[i];
	qsort(sorted, n, sizeof(*sorted), item_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct put_item *a = sorted[i - 1], *b = sorted[i];

		if (strcmp(a->rec.unit, b->rec.unit) != 0 ||
		    strcmp(a->rec.indicator, b->rec.indicator) != 0 ||
		    strcmp(a->rec.period, b->rec.period) != 0 ||
		    a->rec.stated != b->rec.stated)
			continue;
		/* One format per wording, so that each is translated whole
		 * (the CLI translates the format, not its arguments). */
		if (b->from->line > 0 && b->rec.stated)
			ctl_fail(r, DONGBO_E_INVAL,
				 "line %u: the stated total of %s %s %s is also "
				 "given on line %u", b->from->line, b->rec.unit,
				 b->rec.indicator, b->rec.period,
				 a->from->line);
		else if (b->from->line > 0)
			ctl_fail(r, DONGBO_E_INVAL,
				 "line %u: the value of %s %s %s is also given "
				 "on line %u", b->from->line, b->rec.unit,
				 b->rec.indicator, b->rec.period,
				 a->from->line);
		else if (b->rec.stated)
			ctl_fail(r, DONGBO_E_INVAL,
				 "items %zu and %zu: the stated total of %s %s "
				 "%s is given twice", (size_t)(a - items) + 1,
				 (size_t)(b - items) + 1, b->rec.unit,
				 b->rec.indicator, b->rec.period);
		else
			ctl_fail(r, DONGBO_E_INVAL,
				 "items %zu and %zu: the value of %s %s %s is "
				 "given twice", (size_t)(a - items) + 1,
				 (size_t)(b - items) + 1, b->rec.unit,
				 b->rec.indicator, b->rec.period);
		free(sorted);
		return DONGBO_E_INVAL;
	}
	free(sorted);
	return 0;
}

/* A deletion needs a value to delete.  One deleted already is not an
 * error (a retried `dongbo delete` must succeed): *tombstone then receives
 * the version of that deletion, else 0. */
static int check_retract(struct dongbo_node *node, struct ctl_reply *r,
			 const struct dongbo_record *rec, uint64_t *tombstone)
{
	struct dongbo_value v;
	int rv = dongbo_store_get(node->store, rec->unit, rec->indicator,
				  rec->period, rec->stated, &v);

	*tombstone = 0;
	if (rv == DONGBO_E_NOTFOUND && rec->stated)
		return ctl_fail(r, DONGBO_E_NOTFOUND,
				"no stated total of %s %s %s was entered: "
				"nothing to delete", rec->unit, rec->indicator,
				rec->period);
	if (rv == DONGBO_E_NOTFOUND)
		return ctl_fail(r, DONGBO_E_NOTFOUND,
				"no value of %s %s %s was entered: nothing to "
				"delete", rec->unit, rec->indicator,
				rec->period);
	if (rv != 0)
		return ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
	if (v.deleted)
		*tombstone = v.version;
	return 0;
}

/* A put whose values are checked: written by the writer (writer.h), off
 * the loop, or in place; answered on the loop. */
struct put_job {
	struct dongbo_write_job wj; /* first: the writer hands us this */
	struct dongbo_node *node;
	struct ctl_reply *r;
	Dongbo__PutReply *pr;
	struct put_item *items; /* the records' periods are in here */
	struct dongbo_record *recs;
	uint64_t *versions;
	size_t n;
	bool written; /* by put_work, which rv says how it went */
	int rv;
};

/* The writer's thread (or in place): store calls only. */
static void put_work(struct dongbo_write_job **jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct put_job *j = (struct put_job *)jobs[i];

		/* Who asked (checked to be the owner by ctl.c) goes into
		 * the audit trail with every value. */
		j->rv = dongbo_store_put_local_by(
			j->node->store, j->recs, j->n, dongbo_now_us(),
			j->versions,
			&(struct dongbo_author){ .uid = j->r->peer.uid,
						 .name = j->r->peer.name });
		j->written = true;
	}
}

static void put_free(struct put_job *j)
{
	free(j->items);
	free(j->recs);
	free(j);
}

/* Fills the reply of a put that was written (j->rv), or had nothing to
 * write, and frees j. */
static void put_finish(struct put_job *j)
{
	struct dongbo_node *node = j->node;
	struct ctl_reply *r = j->r;
	Dongbo__PutReply *pr = j->pr;
	size_t n = j->n;

	if (j->rv != 0) {
		dongbo_log_error("ctl: put of %zu values: %s", n,
				 dongbo_strerror(j->rv));
		if (j->rv == DONGBO_E_MAP_FULL)
			ctl_fail(r, j->rv, "the store is full: its map may not "
				 "grow past map_size_max_mb = %llu in %s/%s; "
				 "nothing of these %zu values was stored "
				 "(raise the limit and restart the node)",
				 (unsigned long long)(node->cfg.map_size_max >>
						      20),
				 node->cfg.dir, DONGBO_CONFIG_FILE, n);
		else
			ctl_fail(r, j->rv, "store: %s",
				 dongbo_strerror(j->rv));
		goto done;
	}
	if (j->written)
		dongbo_uplink_kick(node->uplink);
	/* Stored: from here on the reply only describes it.  An import shows
	 * nothing per value, so its values are not formatted back.  The
	 * indicator is found again: the catalog may have changed while the
	 * writer wrote. */
	pr->n_versions = n;
	pr->versions = j->versions;
	if (n == 1 && !j->recs[0].deleted) {
		const struct dongbo_indicator *ind =
			dongbo_catalog_find(node->catalog, j->recs[0].indicator);
		Dongbo__Shown *shown = ind != NULL ? ctl_shown_new(
						      r, ind, j->recs[0].value)
						   : NULL;

		if (ind != NULL && shown == NULL)
			goto done;
		if (shown != NULL) {
			Dongbo__Shown **ptrs = ctl_alloc(r, 1, sizeof(*ptrs));

			if (ptrs == NULL)
				goto done;
			ptrs[0] = shown;
			pr->n_values = 1;
			pr->values = ptrs;
		}
	}
	if (n > 1)
		dongbo_log_info("ctl: stored %zu values in one put", n);
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_PUT;
	r->rep.put = pr;
done:
	put_free(j);
}

/* The loop thread, after put_work (ran) or instead of it: the node stops
 * before the writer got to it. */
static void put_done(struct dongbo_write_job *wj, bool ran)
{
	struct put_job *j = (struct put_job *)wj;
	struct ctl_reply *r = j->r;

	if (ran) {
		put_finish(j);
	} else {
		/* The answer goes nowhere now (the control socket closed
		 * first); the CLI says the node went away. */
		ctl_fail(r, DONGBO_E_CLOSED, "node %s stopped before these "
			 "%zu values were written: nothing of them was stored",
			 j->node->home->code, j->n);
		put_free(j);
	}
	ctl_answer(r);
}

void ctl_handle_put(struct dongbo_node *node, struct ctl_reply *r,
		    const Dongbo__PutRequest *put)
{
	Dongbo__PutReply *pr = ctl_alloc(r, 1, sizeof(*pr));
	struct put_job *j = NULL;
	struct put_item *items = NULL;
	struct dongbo_record *recs = NULL;
	uint64_t *versions = NULL;
	struct lock_seen seen = { 0 };
	size_t n = put->n_items;

	if (pr == NULL)
		return;
	dongbo__put_reply__init(pr);
	if (n == 0 || n > DONGBO_PUT_ITEMS_MAX) {
		ctl_fail(r, DONGBO_E_INVAL, "a put carries 1 to %u items, not %zu",
			 DONGBO_PUT_ITEMS_MAX, n);
		return;
	}
	items = calloc(n, sizeof(*items));
	recs = calloc(n, sizeof(*recs));
	j = calloc(1, sizeof(*j));
	versions = ctl_alloc(r, n, sizeof(*versions));
	if (items == NULL || recs == NULL || j == NULL || versions == NULL) {
		ctl_fail(r, DONGBO_E_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (check_put_item(node, r, put->items[i], &items[i]) != 0 ||
		    check_lock(node, r, &items[i], &seen) != 0) {
			locate_error(r, put->items[i], i, n);
			goto fail;
		}
		recs[i] = items[i].rec;
	}
	if (check_duplicates(r, items, n) != 0)
		goto fail;
	*j = (struct put_job){ .wj = { .work = put_work, .done = put_done,
				       .weight = n },
			       .node = node, .r = r, .pr = pr, .items = items,
			       .recs = recs, .versions = versions, .n = n };
	for (size_t i = 0; i < n; i++) {
		if (!recs[i].deleted)
			continue;
		if (check_retract(node, r, &recs[i], &versions[i]) != 0) {
			locate_error(r, put->items[i], i, n);
			put_free(j);
			return;
		}
		if (versions[i] != 0 && n == 1) {
			put_finish(j); /* deleted already: nothing to write */
			return;
		}
	}
	/* Off the loop, unless a form of a unit written is approved: then
	 * the check and the write stay together, on the loop. */
	if (!seen.some && ctl_defer(r)) {
		dongbo_log_debug("ctl: a put of %zu values handed to the "
				 "writer (%zu jobs before it)", n,
				 dongbo_writer_pending(&node->writer));
		dongbo_writer_submit(&node->writer, &j->wj);
		return;
	}
	put_work((struct dongbo_write_job *[]){ &j->wj }, 1);
	put_finish(j);
	return;

fail:
	free(items);
	free(recs);
	free(j);
}

/* ---- get ---- */

void ctl_handle_get(struct dongbo_node *node, struct ctl_reply *r,
		    const Dongbo__Key *k)
{
	Dongbo__GetReply *g = ctl_alloc(r, 1, sizeof(*g));
	Dongbo__UnitInfo *ui = ctl_alloc(r, 1, sizeof(*ui));
	Dongbo__Shown *shown = ctl_alloc(r, 1, sizeof(*shown));
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	const struct dongbo_unit *u = NULL;
	const struct dongbo_indicator *ind = NULL;
	struct dongbo_value v;
	char why[384];
	int64_t value = 0;
	bool found = false, composed = false;
	int rv;

	if (g == NULL || ui == NULL || shown == NULL || period == NULL)
		return;
	if (ctl_find_unit(node, r, k->unit, &u) != 0 ||
	    ctl_find_indicator(node, r, k->indicator, &ind) != 0 ||
	    ctl_parse_period(r, k->period, period) != 0)
		return;
	if (!dongbo_indicator_is_stored(ind)) {
		computed_from(ind, why, sizeof(why));
		ctl_fail(r, DONGBO_E_INVAL, "%s and holds no values of its "
			 "own; see `dongbo rollup %s %s %s`", why, u->code,
			 ind->code, period);
		return;
	}
	if (k->stated && ind->rule != DONGBO_RULE_SUM) {
		ctl_fail(r, DONGBO_E_INVAL, "%s has rule %s: only indicators "
			 "with rule sum have stated totals", ind->code,
			 dongbo_rule_word(ind->rule));
		return;
	}
	rv = dongbo_store_get(node->store, u->code, ind->code, period,
			      k->stated, &v);
	if (rv != 0 && rv != DONGBO_E_NOTFOUND) {
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	dongbo__get_reply__init(g);
	if (rv == 0 && !v.deleted) {
		found = true;
		value = v.value;
		g->version = v.version;
	} else if (!k->stated) {
		/* Nothing entered for exactly this period: its parts may
		 * compose it (a year from its halves, ...). */
		int rc = dongbo_store_value_at(node->store, u->code, ind->code,
					       period, &value, &composed);

		if (rc != 0 && rc != DONGBO_E_NOTFOUND) {
			ctl_fail(r, rc, "store: %s", dongbo_strerror(rc));
			return;
		}
		found = rc == 0;
	}
	g->deleted = !found && rv == 0 && v.deleted;
	ctl_unit_info(ui, u);
	g->unit = ui;
	g->indicator = (char *)ind->code;
	g->indicator_name = (char *)ind->name;
	g->measure = (char *)ind->unit;
	g->period = period;
	g->stated = k->stated;
	g->found = found;
	if (found) {
		if (ctl_shown_fill(r, shown, ind, value) != 0)
			return;
		g->value = value;
		g->composed = composed;
		g->shown = shown;
	}
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_GET;
	r->rep.get = g;
}

/* ---- export ---- */

struct export_walk {
	struct dongbo_node *node;
	Dongbo__ExportRow *rows;
	char (*values)[PLAIN_TEXT_MAX];
	size_t n, cap;
	uint32_t skipped;
};

static int export_cb(void *arg, const struct dongbo_record *rec)
{
	struct export_walk *w = arg;
	const struct dongbo_unit *u = dongbo_units_find(w->node->units,
							 rec->unit);
	const struct dongbo_indicator *ind =
		dongbo_catalog_find(w->node->catalog, rec->indicator);
	Dongbo__ExportRow *row;

	if (u == NULL || ind == NULL || !dongbo_indicator_is_stored(ind)) {
		/* Unit or indicator gone from the lists since: it could
		 * not be imported again. */
		w->skipped++;
		return 0;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		void *p = realloc(w->rows, cap * sizeof(*w->rows));

		if (p == NULL)
			return DONGBO_E_NOMEM;
		w->rows = p;
		if ((p = realloc(w->values, cap * sizeof(*w->values))) == NULL)
			return DONGBO_E_NOMEM;
		w->values = p;
		w->cap = cap;
	}
	row = &w->rows[w->n];
	dongbo__export_row__init(row);
	row->unit = (char *)u->code;
	row->indicator = (char *)ind->code;
	row->stated = rec->stated;
	if (dongbo_indicator_format(ind, rec->value, DONGBO_FORMAT_PLAIN,
				    w->values[w->n], PLAIN_TEXT_MAX) >=
	    PLAIN_TEXT_MAX)
		return DONGBO_E_TOOBIG; /* cannot happen for an int64 */
	w->n++;
	return 0;
}

void ctl_handle_export(struct dongbo_node *node, struct ctl_reply *r,
		       const Dongbo__ExportRequest *x)
{
	Dongbo__ExportReply *xr = ctl_alloc(r, 1, sizeof(*xr));
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	struct export_walk w = { .node = node };
	Dongbo__ExportRow **ptrs;
	const struct dongbo_unit *u = NULL;
	size_t size;
	int rv;

	if (xr == NULL || period == NULL)
		return;
	dongbo__export_reply__init(xr);
	if (ctl_find_unit(node, r, x->unit, &u) != 0 ||
	    ctl_parse_period(r, x->period, period) != 0)
		return;
	rv = dongbo_store_values(node->store, u->code, period, export_cb, &w);
	/* The reply owns the rows from here, whatever happened. */
	if (!ctl_own(r, w.rows) || !ctl_own(r, w.values))
		return;
	if (rv != 0) {
		ctl_fail(r, rv, "%s: %s", rv == DONGBO_E_NOMEM ? "export"
							       : "store",
			 dongbo_strerror(rv));
		return;
	}
	ptrs = ctl_alloc(r, w.n, sizeof(*ptrs));
	if (ptrs == NULL)
		return;
	for (size_t i = 0; i < w.n; i++) {
		w.rows[i].value = w.values[i];
		ptrs[i] = &w.rows[i];
	}
	xr->period = period;
	xr->rows = ptrs;
	xr->n_rows = w.n;
	xr->skipped = w.skipped;
	size = dongbo__export_reply__get_packed_size(xr);
	if (size > DONGBO_MSG_MAX - 1024) {
		ctl_fail(r, DONGBO_E_TOOBIG,
			 "the %zu values of %s (%s) for %s do not fit in one "
			 "message (%zu bytes, at most %u MiB); export each "
			 "child unit separately", w.n, u->code, u->name,
			 period, size, DONGBO_MSG_MAX >> 20);
		return;
	}
	if (w.skipped > 0)
		dongbo_log_warn("ctl: export of %s %s left out %u values of "
				"units or indicators no longer known", u->code,
				period, w.skipped);
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_EXPORT;
	r->rep.export = xr;
}

/* ---- catalog ---- */

void ctl_handle_catalog(struct dongbo_node *node, struct ctl_reply *r,
			const Dongbo__CatalogRequest *c)
{
	Dongbo__CatalogReply *cr = ctl_alloc(r, 1, sizeof(*cr));
	size_t len;
	const char *text = dongbo_catalog_text(node->catalog, &len);

	(void)c;
	if (cr == NULL)
		return;
	dongbo__catalog_reply__init(cr);
	cr->version = dongbo_catalog_version(node->catalog);
	cr->source = (char *)dongbo_node_catalog_source(node);
	cr->path = node->cfg.catalog_path;
	cr->text.data = (uint8_t *)text;
	cr->text.len = len;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_CATALOG;
	r->rep.catalog = cr;
}
