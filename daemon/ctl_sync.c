/*
 * ctl_sync.c -- control requests about replication: status, rejected,
 * restore and verify.
 *
 * status: the node, its link to the parent (health, records waiting and
 * the age of the oldest, log kept, catch-up and restore progress, records
 * the parent refused), each child that ever synced (health, cursor, lag,
 * records refused from it) and the store's sizes, read from the store and
 * the uplink in one go on the loop thread.
 * rejected: the records refused on either side of a link, formatted by the
 * catalog as `get` shows values; with retry, ours are first queued again
 * (dongbo_store_rejected_retry) and the uplink is kicked.
 * restore: asks the uplink to fetch the hosted units' values again.
 * verify: recomputes every roll-up from the values (dongbo_store_verify).
 *
 * Failure modes: a bad unit argument is refused naming it; store errors
 * pass on their code; a restore at the top node or a retry there is
 * refused with what to do instead; a rejected list too large for one
 * message is refused with a hint to narrow it to one unit.  Only retry
 * and restore change anything, each in its own store transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "error.h"
#include "ident.h"
#include "log.h"
#include "uplink.h"
#include "util.h"

/* ---- status ---- */

struct kid {
	Dongbo__ChildStatus cs;
	Dongbo__UnitInfo unit;
	char store_id[DONGBO_STORE_ID_LEN + 1];
};

struct kids {
	struct dongbo_node *node;
	int64_t now_ms;
	struct kid *items;
	size_t n, cap;
	uint32_t ours_rejected; /* refused by our parent */
	size_t at;		/* the child the last rejection was of */
};

static int child_cb(void *arg, const struct dongbo_child_state *c)
{
	struct kids *k = arg;
	const struct dongbo_unit *u = dongbo_units_find(k->node->units, c->unit);
	const struct child_seen *seen;
	Dongbo__ChildStatus *cs;
	struct kid *kid;
	void *p;

	if (u == NULL)
		return 0; /* no longer in the unit list */
	if ((p = dongbo_grow(k->items, &k->cap, k->n, sizeof(*k->items),
			     16)) == NULL)
		return DONGBO_E_NOMEM;
	k->items = p;
	kid = &k->items[k->n++];
	cs = &kid->cs;
	dongbo__child_status__init(cs);
	ctl_unit_info(&kid->unit, u);
	snprintf(kid->store_id, sizeof(kid->store_id), "%s", c->store_id);
	cs->applied_seq = c->applied_seq;
	cs->received = c->received;
	cs->last_seen_ms = c->last_seen_ms;
	seen = dongbo_node_child_find(k->node, c->unit);
	if (seen != NULL) {
		if (seen->last_seen_ms > cs->last_seen_ms)
			cs->last_seen_ms = seen->last_seen_ms;
		cs->head_seq = seen->head_seq;
		cs->last_advance_ms = seen->last_advance_ms;
	}
	cs->health = (char *)dongbo_node_child_health(k->node, seen,
						      c->applied_seq, k->now_ms);
	return 0;
}

/* Counts each rejection against ours or its child's row.  The store lists
 * ours first, then child by child, so the row of the previous one is
 * tried first. */
static int count_cb(void *arg, const struct dongbo_rejection *rj)
{
	struct kids *k = arg;

	if (rj->child == NULL) {
		k->ours_rejected++;
		return 0;
	}
	if (k->at < k->n && strcmp(k->items[k->at].unit.code, rj->child) == 0) {
		k->items[k->at].cs.rejected++;
		return 0;
	}
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->items[i].unit.code, rj->child) == 0) {
			k->at = i;
			k->items[i].cs.rejected++;
			break;
		}
	return 0; /* a child no longer in the unit list is not shown */
}

/* Entries the log keeps: log_first..head_seq, none when log_first is past
 * head_seq. */
static uint64_t log_kept(const struct dongbo_uplink_state *st)
{
	return st->head_seq + 1 > st->log_first
		       ? st->head_seq + 1 - st->log_first
		       : 0;
}

/* The parent link; st is ctl_alloc memory (the reply points into it). */
static Dongbo__ParentStatus *parent_status(struct dongbo_node *node,
					   struct ctl_reply *r,
					   const struct dongbo_uplink_state *st,
					   uint32_t rejected)
{
	Dongbo__ParentStatus *ps = ctl_alloc(r, 1, sizeof(*ps));
	Dongbo__UnitInfo *pinfo = ctl_alloc(r, 1, sizeof(*pinfo));
	struct dongbo_uplink_info info;
	const struct dongbo_unit *pu;

	if (ps == NULL || pinfo == NULL)
		return NULL;
	dongbo__parent_status__init(ps);
	dongbo_uplink_info(node->uplink, st->waiting, st->oldest_ms, &info);
	ps->url = node->cfg.parent_url;
	ps->connected = info.connected;
	ps->pending = st->waiting;
	ps->acked_seq = st->acked_seq;
	ps->last_ack_ms = info.last_ack_ms > st->last_ack_ms ? info.last_ack_ms
							     : st->last_ack_ms;
	ps->store_id = (char *)st->parent_store_id;
	ps->state = (char *)info.state;
	ps->last_error = (char *)info.last_error;
	ps->health = (char *)info.health;
	ps->oldest_ms = st->waiting > 0 ? st->oldest_ms : 0;
	ps->log_entries = log_kept(st);
	ps->last_advance_ms = info.last_advance_ms;
	ps->rejected = rejected;
	ps->restoring = info.restoring;
	ps->restored = info.restored;
	ps->catch_up_total = info.catch_up_total;
	ps->catch_up_sent = info.catch_up_sent;
	pu = dongbo_units_find(node->units, info.parent_unit);
	if (pu != NULL) {
		ctl_unit_info(pinfo, pu);
		ps->unit = pinfo;
	}
	return ps;
}

static Dongbo__StoreStatus *store_status(struct dongbo_node *node,
					 struct ctl_reply *r)
{
	Dongbo__StoreStatus *ss = ctl_alloc(r, 1, sizeof(*ss));
	struct dongbo_store_info si;
	int rv;

	if (ss == NULL)
		return NULL;
	dongbo__store_status__init(ss);
	rv = dongbo_store_info(node->store, &si);
	if (rv != 0) {
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return NULL;
	}
	ss->map_size = si.map_size;
	ss->map_size_max = si.map_size_max;
	ss->map_used = si.map_used;
	ss->values = si.values;
	ss->log_entries = si.log_entries;
	ss->commits = si.commits;
	return ss;
}

/* How the links are protected: our certificate, and what is weak. */
static Dongbo__SecurityStatus *security_status(struct dongbo_node *node,
					       struct ctl_reply *r)
{
	Dongbo__SecurityStatus *ss = ctl_alloc(r, 1, sizeof(*ss));
	char **w = ctl_alloc(r, 3, sizeof(*w));
	const struct dongbo_config *c = &node->cfg;
	char *text;
	int64_t left = 0;

	if (ss == NULL || w == NULL)
		return NULL;
	dongbo__security_status__init(ss);
	ss->identity = "";
	ss->warnings = w;
	if (node->ident != NULL) {
		ss->identity = (char *)dongbo_ident_summary(node->ident);
		left = dongbo_ident_expires_in_s(node->ident);
		ss->expires_in_s = left;
	}
	for (int i = 0; i < 3; i++) {
		const char *url = i == 0 ? c->parent_url : c->listen_url;
		bool plain = i < 2 && dongbo_url_is_plain_tcp(url);
		bool expiring = i == 2 && node->ident != NULL &&
				left < (int64_t)DONGBO_CERT_WARN_DAYS * 86400;

		if (!plain && !expiring)
			continue;
		if ((text = ctl_alloc(r, 1, 512)) == NULL)
			return NULL;
		if (plain)
			snprintf(text, 512, "%s over plain TCP (%s): neither "
				 "authenticated nor encrypted ([tls] "
				 "allow_plain_tcp = yes)",
				 i == 0 ? "the link to the parent"
					: "children connect", url);
		else
			snprintf(text, 512, "the certificate %s expires in "
				 "%lld days: issue a new one", c->tls_cert,
				 (long long)(left / 86400));
		w[ss->n_warnings++] = text;
	}
	return ss;
}

void ctl_handle_status(struct dongbo_node *node, struct ctl_reply *r)
{
	Dongbo__StatusReply *s = ctl_alloc(r, 1, sizeof(*s));
	Dongbo__UnitInfo *self = ctl_alloc(r, 1, sizeof(*self));
	Dongbo__UnitInfo *hosts = ctl_alloc(r, node->n_hosts, sizeof(*hosts));
	Dongbo__UnitInfo **host_ptrs =
		ctl_alloc(r, node->n_hosts, sizeof(*host_ptrs));
	struct dongbo_uplink_state *st = ctl_alloc(r, 1, sizeof(*st));
	struct kids k = { .node = node, .now_ms = dongbo_now_ms() };
	Dongbo__ChildStatus **kid_ptrs;
	int rv;

	if (s == NULL || self == NULL || hosts == NULL || host_ptrs == NULL ||
	    st == NULL)
		return;
	dongbo__status_reply__init(s);
	rv = dongbo_store_uplink_state(node->store, st);
	if (rv == 0)
		rv = dongbo_store_children(node->store, child_cb, &k);
	if (rv == 0)
		rv = dongbo_store_rejected(node->store, count_cb, &k);
	/* The reply owns the rows from here, whatever happened. */
	if (!ctl_own(r, k.items))
		return;
	if (rv != 0) {
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	kid_ptrs = ctl_alloc(r, k.n, sizeof(*kid_ptrs));
	if (kid_ptrs == NULL)
		return;
	for (size_t i = 0; i < k.n; i++) {
		k.items[i].cs.unit = &k.items[i].unit;
		k.items[i].cs.store_id = k.items[i].store_id;
		kid_ptrs[i] = &k.items[i].cs;
	}
	s->n_children = k.n;
	s->children = kid_ptrs;
	if ((s->store = store_status(node, r)) == NULL ||
	    (s->security = security_status(node, r)) == NULL)
		return;
	if (node->uplink != NULL &&
	    (s->parent = parent_status(node, r, st, k.ours_rejected)) == NULL)
		return;
	ctl_unit_info(self, node->home);
	s->unit = self;
	s->store_id = (char *)dongbo_store_id(node->store);
	s->head_seq = st->head_seq;
	s->listen_url = node->cfg.listen_url ? node->cfg.listen_url : "";
	s->catalog_version = dongbo_catalog_version(node->catalog);
	s->catalog_source = (char *)dongbo_node_catalog_source(node);
	s->started_ms = node->started_ms;
	s->pid = (uint32_t)getpid();
	s->version = DONGBO_VERSION;
	s->stall_ms = node->cfg.stall_ms;
	for (size_t i = 0; i < node->n_hosts; i++) {
		ctl_unit_info(&hosts[i], node->hosts[i]);
		host_ptrs[i] = &hosts[i];
	}
	s->n_hosts = node->n_hosts;
	s->hosts = host_ptrs;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_STATUS;
	r->rep.status = s;
}

/* ---- rejected ---- */

struct refused {
	Dongbo__RejectedRecord rec;
	Dongbo__UnitInfo unit;
};

struct rejected_walk {
	struct dongbo_node *node;
	struct ctl_reply *r;
	const struct dongbo_unit *within; /* NULL: all */
	struct refused *items;
	size_t n, cap;
};

/* A copy of s in reply memory, or NULL when out of memory (r failed). */
static char *reply_copy(struct rejected_walk *w, const char *s)
{
	return ctl_strdup(w->r, s != NULL ? s : "");
}

static int rejected_cb(void *arg, const struct dongbo_rejection *rj)
{
	struct rejected_walk *w = arg;
	const struct dongbo_record *rec = &rj->rec;
	const struct dongbo_unit *u = dongbo_units_find(w->node->units,
							 rec->unit);
	const struct dongbo_indicator *ind =
		dongbo_catalog_find(w->node->catalog, rec->indicator);
	Dongbo__RejectedRecord *out;
	struct refused *item;
	void *p;

	if (w->within != NULL && (u == NULL || !dongbo_unit_is_within(u, w->within)))
		return 0;
	if ((p = dongbo_grow(w->items, &w->cap, w->n, sizeof(*w->items),
			     16)) == NULL)
		return DONGBO_E_NOMEM;
	w->items = p;
	item = &w->items[w->n];
	out = &item->rec;
	dongbo__rejected_record__init(out);
	/* The record's strings are borrowed from the store's transaction:
	 * copied, unless the unit list or catalog holds the same text. */
	if (u != NULL) {
		ctl_unit_info(&item->unit, u);
	} else {
		dongbo__unit_info__init(&item->unit);
		item->unit.code = reply_copy(w, rec->unit);
	}
	out->child = reply_copy(w, rj->child);
	out->indicator = ind != NULL ? (char *)ind->code
				     : reply_copy(w, rec->indicator);
	out->period = reply_copy(w, rec->period);
	out->reason = reply_copy(w, rj->reason);
	if (item->unit.code == NULL || out->child == NULL ||
	    out->indicator == NULL || out->period == NULL ||
	    out->reason == NULL)
		return DONGBO_E_NOMEM;
	out->stated = rec->stated;
	out->deleted = rec->deleted;
	if (!rec->deleted && ind != NULL &&
	    (out->value = ctl_shown_new(w->r, ind, rec->value)) == NULL)
		return DONGBO_E_NOMEM;
	out->version = rec->version;
	out->code = rj->code;
	out->code_name = (char *)dongbo_strerror(rj->code);
	out->at_ms = rj->at_ms;
	w->n++;
	return 0;
}

/* Queues again the records our parent refused, within `within` (NULL:
 * all), and wakes the uplink.  0, or r failed. */
static int retry_ours(struct dongbo_node *node, struct ctl_reply *r,
		      const struct dongbo_unit *within, uint32_t *retried)
{
	size_t n = 0;
	int rv;

	if (node->uplink == NULL)
		return ctl_fail(r, DONGBO_E_INVAL,
				"this node has no parent, so none of its "
				"records were refused by one; a record refused "
				"here from a child is sent again by that child "
				"(`dongbo rejected --retry` at its node) or "
				"corrected there with put or delete");
	rv = dongbo_store_rejected_retry(node->store,
					 within != NULL ? within->code : NULL,
					 dongbo_now_ms(), &n);
	if (rv != 0) {
		dongbo_log_error("ctl: retry of refused records: %s",
				 dongbo_strerror(rv));
		return ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
	}
	if (n > 0) {
		dongbo_log_info("ctl: %zu refused record%s queued again for "
				"the parent%s%s", n, n == 1 ? "" : "s",
				within != NULL ? " within " : "",
				within != NULL ? within->code : "");
		dongbo_uplink_kick(node->uplink);
	}
	*retried = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	return 0;
}

void ctl_handle_rejected(struct dongbo_node *node, struct ctl_reply *r,
			 const Dongbo__RejectedRequest *q)
{
	Dongbo__RejectedReply *rr = ctl_alloc(r, 1, sizeof(*rr));
	struct rejected_walk w = { .node = node, .r = r };
	Dongbo__RejectedRecord **ptrs;
	size_t size;
	int rv;

	if (rr == NULL)
		return;
	dongbo__rejected_reply__init(rr);
	if (q->unit[0] != '\0' && ctl_find_unit(node, r, q->unit, &w.within) != 0)
		return;
	if (q->retry && retry_ours(node, r, w.within, &rr->retried) != 0)
		return;
	rv = dongbo_store_rejected(node->store, rejected_cb, &w);
	/* The reply owns the rows from here, whatever happened. */
	if (!ctl_own(r, w.items))
		return;
	if (rv != 0) {
		if (r->rep.code == 0)
			ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	ptrs = ctl_alloc(r, w.n, sizeof(*ptrs));
	if (ptrs == NULL)
		return;
	for (size_t i = 0; i < w.n; i++) {
		w.items[i].rec.unit = &w.items[i].unit;
		ptrs[i] = &w.items[i].rec;
	}
	rr->records = ptrs;
	rr->n_records = w.n;
	size = dongbo__rejected_reply__get_packed_size(rr);
	if (size > DONGBO_MSG_MAX - 1024) {
		ctl_fail(r, DONGBO_E_TOOBIG,
			 "the %zu refused records%s%s do not fit in one "
			 "message (%zu bytes, at most %u MiB); list one unit's "
			 "at a time with `dongbo rejected UNIT`", w.n,
			 w.within != NULL ? " within " : "",
			 w.within != NULL ? w.within->code : "", size,
			 DONGBO_MSG_MAX >> 20);
		return;
	}
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_REJECTED;
	r->rep.rejected = rr;
}

/* ---- restore ---- */

void ctl_handle_restore(struct dongbo_node *node, struct ctl_reply *r)
{
	Dongbo__RestoreCtlReply *rr = ctl_alloc(r, 1, sizeof(*rr));
	int rv;

	if (rr == NULL)
		return;
	dongbo__restore_ctl_reply__init(rr);
	if (node->uplink == NULL) {
		ctl_fail(r, DONGBO_E_INVAL,
			 "this node has no parent to restore from: no [parent] "
			 "url in %s/%s; the top node's values exist only in "
			 "its own store (restore it from a backup of that "
			 "directory)", node->cfg.dir, DONGBO_CONFIG_FILE);
		return;
	}
	rv = dongbo_uplink_restore(node->uplink);
	if (rv == 0) {
		dongbo_log_info("ctl: restore from the parent %s started",
				node->cfg.parent_url);
		rr->started = true;
	} else if (rv != DONGBO_E_EXISTS) {
		dongbo_log_error("ctl: restore not started: %s",
				 dongbo_strerror(rv));
		ctl_fail(r, rv, "restore not started: store: %s",
			 dongbo_strerror(rv));
		return;
	}
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_RESTORE;
	r->rep.restore = rr;
}

/* ---- verify ---- */

void ctl_handle_verify(struct dongbo_node *node, struct ctl_reply *r)
{
	Dongbo__VerifyReply *vr = ctl_alloc(r, 1, sizeof(*vr));
	char *problem = ctl_alloc(r, 512, 1);
	struct dongbo_store_info si;
	int rv;

	if (vr == NULL || problem == NULL)
		return;
	dongbo__verify_reply__init(vr);
	rv = dongbo_store_verify(node->store, problem, 512);
	if (rv != 0 && rv != DONGBO_E_CORRUPT) {
		ctl_fail(r, rv, "verify: store: %s", dongbo_strerror(rv));
		return;
	}
	vr->ok = rv == 0;
	vr->problem = rv == 0 ? "" : problem;
	if (rv != 0)
		dongbo_log_error("ctl: verify found a difference: %s", problem);
	rv = dongbo_store_info(node->store, &si);
	if (rv != 0) {
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	vr->values = si.values;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_VERIFY;
	r->rep.verify = vr;
}
