/*
 * ctl.c -- requests from the CLI over the node's control socket.
 *
 * Happy path: unpack a CtlRequest, check every argument against the unit
 * list and the catalog, do the one store call it needs, reply.  A put of
 * several items is all-or-nothing: every item is checked before the single
 * write transaction, and the first bad one is named in the error.
 *
 * Failure modes: malformed requests get code PROTO; bad arguments get the
 * matching DONGBO_E_* code and a message quoting the offending value; store
 * errors are passed on with their code.  Nothing is stored unless the whole
 * request is valid and its transaction commits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "error.h"
#include "log.h"
#include "node.h"
#include "period.h"
#include "uplink.h"

/* At most this many items in one put request. */
#define PUT_ITEMS_MAX 100000

struct reply {
	Dongbo__CtlReply rep;
	char err[512];
};

static void reply_init(struct reply *r)
{
	dongbo__ctl_reply__init(&r->rep);
	r->err[0] = '\0';
}

static int fail(struct reply *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct reply *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->rep.code = code;
	r->rep.error = r->err;
	return code;
}

static void unit_info(Dongbo__UnitInfo *info, const struct dongbo_unit *u)
{
	dongbo__unit_info__init(info);
	info->code = (char *)u->code;
	info->name = (char *)u->name;
	info->level = (char *)u->level;
}

static int find_unit(struct dongbo_node *node, struct reply *r,
		     const char *code, const struct dongbo_unit **out)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units, code);

	if (u == NULL)
		return fail(r, DONGBO_E_UNKNOWN_UNIT,
			    "unknown unit '%.32s' (not in %s)", code,
			    node->cfg.units_path);
	if (!dongbo_unit_is_within(u, node->home))
		return fail(r, DONGBO_E_OUTSIDE_SUBTREE,
			    "unit %s (%s) is not within this node's unit %s "
			    "(%s)", u->code, u->name, node->home->code,
			    node->home->name);
	*out = u;
	return 0;
}

static int find_indicator(struct dongbo_node *node, struct reply *r,
			  const char *code,
			  const struct dongbo_indicator **out)
{
	const struct dongbo_indicator *ind =
		dongbo_catalog_find(node->catalog, code);

	if (ind == NULL)
		return fail(r, DONGBO_E_UNKNOWN_INDICATOR,
			    "unknown indicator '%.64s' (not in %s)", code,
			    node->cfg.catalog_path);
	*out = ind;
	return 0;
}

static int parse_period(struct reply *r, const char *text,
			char canon[DONGBO_PERIOD_MAX])
{
	if (dongbo_period_canonical(text, canon) != 0)
		return fail(r, DONGBO_E_BAD_PERIOD,
			    "malformed period '%.32s' (expected a year 2022, "
			    "half-year 2022S1, quarter 2022Q3 or month "
			    "2022M06)", text);
	return 0;
}

/* ---- put ---- */

struct put_item {
	struct dongbo_record rec;
	char period[DONGBO_PERIOD_MAX];
};

static int check_put_item(struct dongbo_node *node, struct reply *r,
			  const Dongbo__PutItem *it, struct put_item *out)
{
	const struct dongbo_unit *u = NULL;
	const struct dongbo_indicator *ind = NULL;
	char err[256];
	int rv;

	if ((rv = find_unit(node, r, it->unit, &u)) != 0)
		return rv;
	if (!dongbo_node_hosts(node, u))
		return fail(r, DONGBO_E_NOT_HOSTED,
			    "unit %s (%s) is not hosted by this node: values "
			    "for it are entered at its own node", u->code,
			    u->name);
	if ((rv = find_indicator(node, r, it->indicator, &ind)) != 0)
		return rv;
	if ((rv = parse_period(r, it->period, out->period)) != 0)
		return rv;
	if (dongbo_indicator_parse_value(ind, it->value, &out->rec.value, err,
					 sizeof(err)) != 0)
		return fail(r, DONGBO_E_BAD_VALUE, "%s: %s", ind->code, err);
	out->rec.unit = u->code;
	out->rec.indicator = ind->code;
	out->rec.period = out->period;
	return 0;
}

static void handle_put(struct dongbo_node *node, struct reply *r,
		       const Dongbo__PutRequest *put, Dongbo__PutReply *pr,
		       uint64_t **versions_out)
{
	struct put_item *items = NULL;
	struct dongbo_record *recs = NULL;
	uint64_t *versions = NULL;
	size_t n = put->n_items;
	int rv;

	if (n == 0 || n > PUT_ITEMS_MAX) {
		fail(r, DONGBO_E_INVAL, "a put carries 1 to %d items, not %zu",
		     PUT_ITEMS_MAX, n);
		return;
	}
	items = calloc(n, sizeof(*items));
	recs = calloc(n, sizeof(*recs));
	versions = calloc(n, sizeof(*versions));
	if (items == NULL || recs == NULL || versions == NULL) {
		fail(r, DONGBO_E_NOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (check_put_item(node, r, put->items[i], &items[i]) != 0)
			goto done;
		recs[i] = items[i].rec;
	}
	rv = dongbo_store_put_local(node->store, recs, n, dongbo_now_us(),
				    versions);
	if (rv != 0) {
		dongbo_log_error("ctl: put of %zu values: %s", n,
				 dongbo_strerror(rv));
		fail(r, rv, "store: %s", dongbo_strerror(rv));
		goto done;
	}
	dongbo_uplink_kick(node->uplink);
	pr->n_versions = n;
	pr->versions = versions;
	*versions_out = versions;
	versions = NULL;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_PUT;
	r->rep.put = pr;
done:
	free(items);
	free(recs);
	free(versions);
}

/* ---- get ---- */

static void handle_get(struct dongbo_node *node, struct reply *r,
		       const Dongbo__Key *k, Dongbo__GetReply *g,
		       Dongbo__UnitInfo *ui, char period[DONGBO_PERIOD_MAX])
{
	const struct dongbo_unit *u = NULL;
	const struct dongbo_indicator *ind = NULL;
	struct dongbo_value v;
	int rv;

	if (find_unit(node, r, k->unit, &u) != 0 ||
	    find_indicator(node, r, k->indicator, &ind) != 0 ||
	    parse_period(r, k->period, period) != 0)
		return;
	rv = dongbo_store_get(node->store, u->code, ind->code, period, &v);
	if (rv != 0 && rv != DONGBO_E_NOTFOUND) {
		fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	unit_info(ui, u);
	g->unit = ui;
	g->indicator = (char *)ind->code;
	g->indicator_name = (char *)ind->name;
	g->measure = (char *)ind->unit;
	g->period = period;
	if (rv == 0) {
		g->found = !v.deleted;
		g->deleted = v.deleted;
		g->value = v.value;
		g->version = v.version;
	}
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_GET;
	r->rep.get = g;
}

/* ---- rollup ---- */

struct parts {
	struct dongbo_node *node;
	Dongbo__Part *items;
	Dongbo__Part **levels;
	Dongbo__Part **children;
	size_t n_items, n_levels, n_children, cap;
	char (*keys)[DONGBO_UNIT_CODE_MAX + 64];
};

static int part_cb(void *arg, enum dongbo_part_kind kind, const char *key,
		   const struct dongbo_agg *agg)
{
	struct parts *ps = arg;
	Dongbo__Part *p;

	if (ps->n_items == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		Dongbo__Part *items = realloc(ps->items, cap * sizeof(*items));
		char(*keys)[DONGBO_UNIT_CODE_MAX + 64];

		if (items == NULL)
			return DONGBO_E_NOMEM;
		ps->items = items;
		keys = realloc(ps->keys, cap * sizeof(*keys));
		if (keys == NULL)
			return DONGBO_E_NOMEM;
		ps->keys = keys;
		ps->cap = cap;
	}
	p = &ps->items[ps->n_items];
	dongbo__part__init(p);
	snprintf(ps->keys[ps->n_items], sizeof(ps->keys[0]), "%s", key);
	p->value = agg->sum;
	p->count = agg->count;
	if (kind == DONGBO_PART_CHILD) {
		const struct dongbo_unit *c =
			dongbo_units_find(ps->node->units, key);

		p->name = c != NULL ? (char *)c->name : "";
	}
	ps->n_items++;
	/* Pointers into items are taken after the walk: realloc moves. */
	if (kind == DONGBO_PART_LEVEL)
		ps->n_levels++;
	else
		ps->n_children++;
	return 0;
}

/* Sorts level parts top-down (tinh, huyen, xa); ties by name. */
static const struct dongbo_node *sort_node;

static int level_cmp(const void *a, const void *b)
{
	const Dongbo__Part *pa = *(Dongbo__Part *const *)a;
	const Dongbo__Part *pb = *(Dongbo__Part *const *)b;
	size_t ra = dongbo_node_level_rank(sort_node, pa->key);
	size_t rb = dongbo_node_level_rank(sort_node, pb->key);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(pa->key, pb->key);
}

static void parts_free(struct parts *ps)
{
	free(ps->items);
	free(ps->levels);
	free(ps->children);
	free(ps->keys);
}

static void handle_rollup(struct dongbo_node *node, struct reply *r,
			  const Dongbo__Key *k, Dongbo__RollupReply *ru,
			  Dongbo__UnitInfo *ui, char period[DONGBO_PERIOD_MAX],
			  struct parts *ps)
{
	const struct dongbo_unit *u = NULL;
	const struct dongbo_indicator *ind = NULL;
	struct dongbo_agg total = { 0, 0 };
	int rv;

	if (find_unit(node, r, k->unit, &u) != 0 ||
	    find_indicator(node, r, k->indicator, &ind) != 0 ||
	    parse_period(r, k->period, period) != 0)
		return;
	ps->node = node;
	rv = dongbo_store_rollup(node->store, u->code, ind->code, period,
				 &total, part_cb, ps);
	if (rv != 0 && rv != DONGBO_E_NOTFOUND) {
		fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	if (ps->n_items > 0) {
		ps->levels = calloc(ps->n_levels + 1, sizeof(*ps->levels));
		ps->children = calloc(ps->n_children + 1, sizeof(*ps->children));
		if (ps->levels == NULL || ps->children == NULL) {
			fail(r, DONGBO_E_NOMEM, "out of memory");
			return;
		}
		/* The store reports levels first, then children. */
		for (size_t i = 0; i < ps->n_items; i++) {
			ps->items[i].key = ps->keys[i];
			if (i < ps->n_levels)
				ps->levels[i] = &ps->items[i];
			else
				ps->children[i - ps->n_levels] = &ps->items[i];
		}
		/* Loop thread only: the static is never shared. */
		sort_node = node;
		qsort(ps->levels, ps->n_levels, sizeof(*ps->levels), level_cmp);
	}
	unit_info(ui, u);
	ru->unit = ui;
	ru->indicator = (char *)ind->code;
	ru->indicator_name = (char *)ind->name;
	ru->measure = (char *)ind->unit;
	ru->period = period;
	ru->found = rv == 0;
	ru->value = total.sum;
	ru->count = total.count;
	ru->n_by_level = ps->n_levels;
	ru->by_level = ps->levels;
	ru->n_by_child = ps->n_children;
	ru->by_child = ps->children;
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_ROLLUP;
	r->rep.rollup = ru;
}

/* ---- status ---- */

struct kids {
	struct dongbo_node *node;
	Dongbo__ChildStatus *items;
	Dongbo__ChildStatus **ptrs;
	Dongbo__UnitInfo *infos;
	char (*ids)[DONGBO_STORE_ID_LEN + 1];
	size_t n, cap;
};

static int child_cb(void *arg, const struct dongbo_child_state *c)
{
	struct kids *k = arg;
	const struct dongbo_unit *u = dongbo_units_find(k->node->units, c->unit);
	struct child_seen *seen;
	Dongbo__ChildStatus *cs;

	if (u == NULL)
		return 0; /* no longer in the unit list */
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		void *a = realloc(k->items, cap * sizeof(*k->items));

		if (a == NULL)
			return DONGBO_E_NOMEM;
		k->items = a;
		if ((a = realloc(k->infos, cap * sizeof(*k->infos))) == NULL)
			return DONGBO_E_NOMEM;
		k->infos = a;
		if ((a = realloc(k->ids, cap * sizeof(*k->ids))) == NULL)
			return DONGBO_E_NOMEM;
		k->ids = a;
		k->cap = cap;
	}
	cs = &k->items[k->n];
	dongbo__child_status__init(cs);
	snprintf(k->ids[k->n], sizeof(k->ids[0]), "%s", c->store_id);
	cs->applied_seq = c->applied_seq;
	cs->received = c->received;
	cs->last_seen_ms = c->last_seen_ms;
	seen = dongbo_node_child_seen(k->node, c->unit);
	if (seen != NULL) {
		if (seen->last_seen_ms > cs->last_seen_ms)
			cs->last_seen_ms = seen->last_seen_ms;
		cs->head_seq = seen->head_seq;
	}
	unit_info(&k->infos[k->n], u);
	k->n++;
	return 0;
}

/* st is the caller's: the reply points into it (parent store id) until it
 * is packed. */
static void handle_status(struct dongbo_node *node, struct reply *r,
			  Dongbo__StatusReply *s, Dongbo__UnitInfo *self,
			  Dongbo__ParentStatus *ps, Dongbo__UnitInfo *pinfo,
			  struct kids *k, Dongbo__UnitInfo *hosts,
			  struct dongbo_uplink_state *st)
{
	int rv;

	rv = dongbo_store_uplink_state(node->store, st);
	if (rv == 0) {
		k->node = node;
		rv = dongbo_store_children(node->store, child_cb, k);
	}
	if (rv != 0) {
		fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	if (k->n > 0) {
		k->ptrs = calloc(k->n, sizeof(*k->ptrs));
		if (k->ptrs == NULL) {
			fail(r, DONGBO_E_NOMEM, "out of memory");
			return;
		}
		for (size_t i = 0; i < k->n; i++) {
			k->items[i].unit = &k->infos[i];
			k->items[i].store_id = k->ids[i];
			k->ptrs[i] = &k->items[i];
		}
	}
	unit_info(self, node->home);
	s->unit = self;
	s->store_id = (char *)dongbo_store_id(node->store);
	s->head_seq = st->head_seq;
	s->listen_url = node->cfg.listen_url ? node->cfg.listen_url : "";
	s->catalog_version = dongbo_catalog_version(node->catalog);
	s->started_ms = node->started_ms;
	s->pid = (uint32_t)getpid();
	s->version = DONGBO_VERSION;
	for (size_t i = 0; i < node->n_hosts; i++)
		unit_info(&hosts[i], node->hosts[i]);
	s->n_children = k->n;
	s->children = k->ptrs;
	if (node->uplink != NULL) {
		struct dongbo_uplink_info info;
		const struct dongbo_unit *pu;

		dongbo_uplink_info(node->uplink, &info);
		ps->url = node->cfg.parent_url;
		ps->connected = info.connected;
		ps->pending = st->head_seq > st->acked_seq
				      ? st->head_seq - st->acked_seq
				      : 0;
		ps->acked_seq = st->acked_seq;
		ps->last_ack_ms = info.last_ack_ms > st->last_ack_ms
					  ? info.last_ack_ms
					  : st->last_ack_ms;
		ps->store_id = st->parent_store_id;
		ps->state = (char *)info.state;
		ps->last_error = (char *)info.last_error;
		pu = dongbo_units_find(node->units, info.parent_unit);
		if (pu != NULL) {
			unit_info(pinfo, pu);
			ps->unit = pinfo;
		}
		s->parent = ps;
	}
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_STATUS;
	r->rep.status = s;
}

nng_msg *dongbo_ctl_handle(void *arg, nng_msg *msg)
{
	struct dongbo_node *node = arg;
	Dongbo__CtlRequest *req = NULL;
	struct reply r;
	/* Reply parts live here until the reply is packed. */
	Dongbo__PutReply pr = DONGBO__PUT_REPLY__INIT;
	Dongbo__GetReply g = DONGBO__GET_REPLY__INIT;
	Dongbo__RollupReply ru = DONGBO__ROLLUP_REPLY__INIT;
	Dongbo__StatusReply s = DONGBO__STATUS_REPLY__INIT;
	Dongbo__ParentStatus ps = DONGBO__PARENT_STATUS__INIT;
	Dongbo__UnitInfo ui = DONGBO__UNIT_INFO__INIT;
	Dongbo__UnitInfo pinfo = DONGBO__UNIT_INFO__INIT;
	Dongbo__UnitInfo *hosts = NULL;
	Dongbo__UnitInfo **host_ptrs = NULL;
	struct parts parts = { 0 };
	struct kids kids = { 0 };
	struct dongbo_uplink_state st;
	uint64_t *versions = NULL;
	char period[DONGBO_PERIOD_MAX];
	nng_msg *out = NULL;
	int rv;

	reply_init(&r);
	rv = dongbo_proto_unpack(&dongbo__ctl_request__descriptor, msg,
				 (ProtobufCMessage **)&req);
	if (rv != 0) {
		fail(&r, rv, "malformed control request: %s",
		     dongbo_strerror(rv));
		goto pack;
	}
	switch (req->body_case) {
	case DONGBO__CTL_REQUEST__BODY_PUT:
		handle_put(node, &r, req->put, &pr, &versions);
		break;
	case DONGBO__CTL_REQUEST__BODY_GET:
		handle_get(node, &r, req->get, &g, &ui, period);
		break;
	case DONGBO__CTL_REQUEST__BODY_ROLLUP:
		handle_rollup(node, &r, req->rollup, &ru, &ui, period, &parts);
		break;
	case DONGBO__CTL_REQUEST__BODY_STATUS:
		hosts = calloc(node->n_hosts, sizeof(*hosts));
		host_ptrs = calloc(node->n_hosts, sizeof(*host_ptrs));
		if (hosts == NULL || host_ptrs == NULL) {
			fail(&r, DONGBO_E_NOMEM, "out of memory");
			break;
		}
		for (size_t i = 0; i < node->n_hosts; i++)
			host_ptrs[i] = &hosts[i];
		s.n_hosts = node->n_hosts;
		s.hosts = host_ptrs;
		handle_status(node, &r, &s, &ui, &ps, &pinfo, &kids, hosts,
			      &st);
		break;
	default:
		fail(&r, DONGBO_E_PROTO, "control request with no body");
		break;
	}
pack:
	if (dongbo_proto_pack(&r.rep.base, &out) != 0)
		out = NULL;
	if (req != NULL)
		dongbo_proto_free(&req->base);
	free(versions);
	parts_free(&parts);
	free(kids.items);
	free(kids.ptrs);
	free(kids.infos);
	free(kids.ids);
	free(hosts);
	free(host_ptrs);
	return out;
}
