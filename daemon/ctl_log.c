/*
 * ctl_log.c -- `dongbo log`: the audit trail of a unit's values.
 *
 * Happy path: the unit (within this node's subtree), the indicator and the
 * period are checked as `get` checks them; one page of the store's audit
 * trail (dongbo_store_audit, newest first) is turned into LogEntry
 * messages: the value formatted by the catalog the node runs, the link and
 * the peer on it with its unit's name, the origin node with its name.
 * A read: anyone who may open the control socket may ask.
 *
 * Failure modes: a bad argument gets the matching DONGBO_E_* code and a
 * message quoting it; store errors pass on their code.  A change of an
 * indicator or a unit the lists no longer hold is still listed, with its
 * bare code and its value unformatted.  Nothing is written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "error.h"

/* Changes per page at most: well within one message. */
#define LOG_PAGE_MAX 1000

struct log_page {
	struct dongbo_node *node;
	struct ctl_reply *r;
	Dongbo__LogEntry *entries;
	Dongbo__LogEntry **ptrs;
	size_t n, cap;
};

/* A value of an indicator the catalog no longer has: its stored integer,
 * untyped. */
static Dongbo__Shown *shown_bare(struct ctl_reply *r, int64_t v)
{
	Dongbo__Shown *s = ctl_alloc(r, 1, sizeof(*s));
	char buf[32];

	if (s == NULL)
		return NULL;
	dongbo__shown__init(s);
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	s->value = v;
	s->plain = ctl_strdup(r, buf);
	s->text = s->plain;
	return s->plain != NULL ? s : NULL;
}

static int entry_cb(void *arg, const struct dongbo_audit_entry *e)
{
	struct log_page *pg = arg;
	const struct dongbo_indicator *ind =
		dongbo_catalog_find(pg->node->catalog, e->rec.indicator);
	Dongbo__LogEntry *le;

	if (pg->n == pg->cap)
		return DONGBO_E_INVAL; /* the store passes at most max */
	le = &pg->entries[pg->n];
	dongbo__log_entry__init(le);
	le->seq = e->rec.seq;
	le->at_ms = e->rec.at_ms;
	le->stated = e->rec.stated;
	le->deleted = e->rec.deleted;
	le->version = e->rec.version;
	le->link = (char *)dongbo_link_word(e->link);
	le->indicator = ind != NULL ? (char *)ind->code
				    : ctl_strdup(pg->r, e->rec.indicator);
	le->indicator_name = ind != NULL ? (char *)ind->name : "";
	le->period = ctl_strdup(pg->r, e->rec.period);
	le->origin = ctl_unit_info_code(pg->node, pg->r, e->rec.origin);
	if (le->indicator == NULL || le->period == NULL || le->origin == NULL)
		return DONGBO_E_NOMEM;
	if (!e->rec.deleted) {
		le->value = ind != NULL ? ctl_shown_new(pg->r, ind, e->rec.value)
					: shown_bare(pg->r, e->rec.value);
		if (le->value == NULL)
			return DONGBO_E_NOMEM;
	}
	if (e->link == DONGBO_LINK_LOCAL) {
		le->has_uid = e->uid != DONGBO_AUDIT_UID_NONE;
		le->uid = le->has_uid ? e->uid : 0;
		le->user = ctl_strdup(pg->r, e->peer);
		if (le->user == NULL)
			return DONGBO_E_NOMEM;
	} else if ((le->peer_unit = ctl_unit_info_code(pg->node, pg->r,
							e->peer)) == NULL) {
		return DONGBO_E_NOMEM;
	}
	pg->ptrs[pg->n++] = le;
	return 0;
}

void ctl_handle_log(struct dongbo_node *node, struct ctl_reply *r,
		    const Dongbo__LogRequest *q)
{
	Dongbo__LogReply *lr = ctl_alloc(r, 1, sizeof(*lr));
	Dongbo__UnitInfo *ui = ctl_alloc(r, 1, sizeof(*ui));
	char *period = ctl_alloc(r, DONGBO_PERIOD_MAX, 1);
	const struct dongbo_unit *u = NULL;
	const struct dongbo_indicator *ind = NULL;
	struct dongbo_audit_query aq = { .before_seq = q->before_seq };
	struct log_page pg = { .node = node, .r = r };
	bool more = false;
	int rv;

	if (lr == NULL || ui == NULL || period == NULL)
		return;
	if (ctl_find_unit(node, r, q->unit, &u) != 0)
		return;
	if (q->indicator[0] != '\0' &&
	    ctl_find_indicator(node, r, q->indicator, &ind) != 0)
		return;
	if (q->period[0] != '\0') {
		if (ind == NULL) {
			ctl_fail(r, DONGBO_E_INVAL, "a period ('%.32s') needs "
				 "an indicator before it", q->period);
			return;
		}
		if (ctl_parse_period(r, q->period, period) != 0)
			return;
		aq.period = period;
	}
	if (q->stated && ind != NULL && ind->rule != DONGBO_RULE_SUM) {
		ctl_fail(r, DONGBO_E_INVAL, "%s has rule %s: only indicators "
			 "with rule sum have stated totals", ind->code,
			 dongbo_rule_word(ind->rule));
		return;
	}
	aq.unit = u->code;
	aq.indicator = ind != NULL ? ind->code : NULL;
	aq.only_stated = q->stated;
	aq.max = q->max == 0 || q->max > LOG_PAGE_MAX ? LOG_PAGE_MAX : q->max;
	pg.cap = aq.max;
	pg.entries = ctl_alloc(r, pg.cap, sizeof(*pg.entries));
	pg.ptrs = ctl_alloc(r, pg.cap, sizeof(*pg.ptrs));
	if (pg.entries == NULL || pg.ptrs == NULL)
		return;
	rv = dongbo_store_audit(node->store, &aq, entry_cb, &pg, &more);
	if (rv != 0) {
		ctl_fail(r, rv, "%s: %s", rv == DONGBO_E_NOMEM ? "log" : "store",
			 dongbo_strerror(rv));
		return;
	}
	dongbo__log_reply__init(lr);
	ctl_unit_info(ui, u);
	lr->unit = ui;
	lr->entries = pg.ptrs;
	lr->n_entries = pg.n;
	lr->more = more;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_LOG;
	r->rep.log = lr;
}
