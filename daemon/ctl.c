/*
 * ctl.c -- requests from the CLI over the node's control socket.
 *
 * Happy path: unpack a CtlRequest, hand it to its handler (this file:
 * status; ctl_data.c: put, get, export, catalog; ctl_report.c: rollup,
 * report, check), which checks
 * every argument against the unit list and the catalog, does the store
 * calls it needs and fills in the reply; pack the reply and free what the
 * handler allocated for it.
 *
 * Failure modes: malformed requests get code PROTO; bad arguments get the
 * matching DONGBO_E_* code and a message quoting the offending value; store
 * errors are passed on with their code.  A reply too large for one message
 * is answered with TOOBIG instead of silence.  Nothing is stored unless a
 * whole request is valid and its transaction commits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "error.h"
#include "log.h"
#include "uplink.h"

static void reply_init(struct ctl_reply *r)
{
	memset(r, 0, sizeof(*r));
	dongbo__ctl_reply__init(&r->rep);
}

static void reply_fini(struct ctl_reply *r)
{
	for (size_t i = 0; i < r->n_owned; i++)
		free(r->owned[i]);
	free(r->owned);
	r->owned = NULL;
	r->n_owned = r->cap_owned = 0;
}

int ctl_fail(struct ctl_reply *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->rep.code = code;
	r->rep.error = r->err;
	return code;
}

bool ctl_own(struct ctl_reply *r, void *p)
{
	if (p == NULL)
		return true;
	if (r->n_owned == r->cap_owned) {
		size_t cap = r->cap_owned ? r->cap_owned * 2 : 8;
		void **o = realloc(r->owned, cap * sizeof(*o));

		if (o == NULL) {
			free(p);
			ctl_fail(r, DONGBO_E_NOMEM, "out of memory");
			return false;
		}
		r->owned = o;
		r->cap_owned = cap;
	}
	r->owned[r->n_owned++] = p;
	return true;
}

void *ctl_alloc(struct ctl_reply *r, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL) {
		ctl_fail(r, DONGBO_E_NOMEM, "out of memory");
		return NULL;
	}
	return ctl_own(r, p) ? p : NULL;
}

char *ctl_strdup(struct ctl_reply *r, const char *s)
{
	size_t len = strlen(s);
	char *d = ctl_alloc(r, len + 1, 1);

	if (d != NULL)
		memcpy(d, s, len + 1);
	return d;
}

/* Room for a value's text: an int64 with sign, point and grouping fits in
 * 32 bytes; an enum's label may be longer. */
#define SHOWN_TEXT_MAX 256

int ctl_shown_fill(struct ctl_reply *r, Dongbo__Shown *s,
		   const struct dongbo_indicator *ind, int64_t v)
{
	char buf[SHOWN_TEXT_MAX];

	dongbo__shown__init(s);
	s->value = v;
	s->type = (char *)dongbo_type_word(ind->type);
	s->scale = ind->scale;
	dongbo_indicator_format(ind, v, DONGBO_FORMAT_PLAIN, buf, sizeof(buf));
	s->plain = ctl_strdup(r, buf);
	dongbo_indicator_format(ind, v, DONGBO_FORMAT_VI, buf, sizeof(buf));
	s->text = ctl_strdup(r, buf);
	return s->plain != NULL && s->text != NULL ? 0 : DONGBO_E_NOMEM;
}

Dongbo__Shown *ctl_shown_new(struct ctl_reply *r,
			     const struct dongbo_indicator *ind, int64_t v)
{
	Dongbo__Shown *s = ctl_alloc(r, 1, sizeof(*s));

	return s != NULL && ctl_shown_fill(r, s, ind, v) == 0 ? s : NULL;
}

void ctl_unit_info(Dongbo__UnitInfo *info, const struct dongbo_unit *u)
{
	dongbo__unit_info__init(info);
	info->code = (char *)u->code;
	info->name = (char *)u->name;
	info->level = (char *)u->level;
}

int ctl_find_unit(struct dongbo_node *node, struct ctl_reply *r,
		  const char *code, const struct dongbo_unit **out)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units, code);

	if (u == NULL)
		return ctl_fail(r, DONGBO_E_UNKNOWN_UNIT,
				"unknown unit '%.32s' (not in %s)", code,
				node->cfg.units_path);
	if (!dongbo_unit_is_within(u, node->home))
		return ctl_fail(r, DONGBO_E_OUTSIDE_SUBTREE,
				"unit %s (%s) is not within this node's unit "
				"%s (%s)", u->code, u->name, node->home->code,
				node->home->name);
	*out = u;
	return 0;
}

int ctl_find_indicator(struct dongbo_node *node, struct ctl_reply *r,
		       const char *code, const struct dongbo_indicator **out)
{
	const struct dongbo_indicator *ind =
		dongbo_catalog_find(node->catalog, code);

	if (ind == NULL)
		return ctl_fail(r, DONGBO_E_UNKNOWN_INDICATOR,
				"unknown indicator '%.64s' (not in catalog v%u, "
				"from %s; see `dongbo catalog`)", code,
				dongbo_catalog_version(node->catalog),
				dongbo_node_catalog_source(node));
	*out = ind;
	return 0;
}

int ctl_parse_period(struct ctl_reply *r, const char *text,
		     char canon[DONGBO_PERIOD_MAX])
{
	if (dongbo_period_canonical(text, canon) != 0)
		return ctl_fail(r, DONGBO_E_BAD_PERIOD,
				"malformed period '%.32s' (expected a year "
				"2022, half-year 2022S1, quarter 2022Q3 or "
				"month 2022M06)", text);
	return 0;
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
	ctl_unit_info(&k->infos[k->n], u);
	k->n++;
	return 0;
}

/* st is the caller's: the reply points into it (parent store id) until it
 * is packed. */
static void handle_status(struct dongbo_node *node, struct ctl_reply *r,
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
		ctl_fail(r, rv, "store: %s", dongbo_strerror(rv));
		return;
	}
	if (k->n > 0) {
		k->ptrs = calloc(k->n, sizeof(*k->ptrs));
		if (k->ptrs == NULL) {
			ctl_fail(r, DONGBO_E_NOMEM, "out of memory");
			return;
		}
		for (size_t i = 0; i < k->n; i++) {
			k->items[i].unit = &k->infos[i];
			k->items[i].store_id = k->ids[i];
			k->ptrs[i] = &k->items[i];
		}
	}
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
	for (size_t i = 0; i < node->n_hosts; i++)
		ctl_unit_info(&hosts[i], node->hosts[i]);
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
			ctl_unit_info(pinfo, pu);
			ps->unit = pinfo;
		}
		s->parent = ps;
	}
	r->rep.body_case = DONGBO__CTL_REPLY__BODY_STATUS;
	r->rep.status = s;
}

/* The reply did not pack (too large, or out of memory): say so rather than
 * leave the CLI waiting for its timeout. */
static nng_msg *pack_failure(int rv)
{
	Dongbo__CtlReply rep = DONGBO__CTL_REPLY__INIT;
	char err[160];
	nng_msg *out = NULL;

	snprintf(err, sizeof(err), "the reply does not fit in one message "
		 "(at most %u MiB): %s", DONGBO_MSG_MAX >> 20,
		 dongbo_strerror(rv));
	rep.code = rv;
	rep.error = err;
	if (dongbo_proto_pack(&rep.base, &out) != 0)
		return NULL;
	return out;
}

nng_msg *dongbo_ctl_handle(void *arg, nng_msg *msg)
{
	struct dongbo_node *node = arg;
	Dongbo__CtlRequest *req = NULL;
	struct ctl_reply r;
	/* Reply parts live here until the reply is packed. */
	Dongbo__StatusReply s = DONGBO__STATUS_REPLY__INIT;
	Dongbo__ParentStatus ps = DONGBO__PARENT_STATUS__INIT;
	Dongbo__UnitInfo ui = DONGBO__UNIT_INFO__INIT;
	Dongbo__UnitInfo pinfo = DONGBO__UNIT_INFO__INIT;
	Dongbo__UnitInfo *hosts = NULL;
	Dongbo__UnitInfo **host_ptrs = NULL;
	struct kids kids = { 0 };
	struct dongbo_uplink_state st;
	nng_msg *out = NULL;
	int rv;

	reply_init(&r);
	rv = dongbo_proto_unpack(&dongbo__ctl_request__descriptor, msg,
				 (ProtobufCMessage **)&req);
	if (rv != 0) {
		ctl_fail(&r, rv, "malformed control request: %s",
			 dongbo_strerror(rv));
		goto pack;
	}
	switch (req->body_case) {
	case DONGBO__CTL_REQUEST__BODY_PUT:
		ctl_handle_put(node, &r, req->put);
		break;
	case DONGBO__CTL_REQUEST__BODY_GET:
		ctl_handle_get(node, &r, req->get);
		break;
	case DONGBO__CTL_REQUEST__BODY_ROLLUP:
		ctl_handle_rollup(node, &r, req->rollup);
		break;
	case DONGBO__CTL_REQUEST__BODY_STATUS:
		hosts = calloc(node->n_hosts, sizeof(*hosts));
		host_ptrs = calloc(node->n_hosts, sizeof(*host_ptrs));
		if (hosts == NULL || host_ptrs == NULL) {
			ctl_fail(&r, DONGBO_E_NOMEM, "out of memory");
			break;
		}
		for (size_t i = 0; i < node->n_hosts; i++)
			host_ptrs[i] = &hosts[i];
		s.n_hosts = node->n_hosts;
		s.hosts = host_ptrs;
		handle_status(node, &r, &s, &ui, &ps, &pinfo, &kids, hosts,
			      &st);
		break;
	case DONGBO__CTL_REQUEST__BODY_EXPORT:
		ctl_handle_export(node, &r, req->export);
		break;
	case DONGBO__CTL_REQUEST__BODY_CATALOG:
		ctl_handle_catalog(node, &r, req->catalog);
		break;
	case DONGBO__CTL_REQUEST__BODY_REPORT:
		ctl_handle_report(node, &r, req->report);
		break;
	case DONGBO__CTL_REQUEST__BODY_CHECK:
		ctl_handle_check(node, &r, req->check);
		break;
	default:
		ctl_fail(&r, DONGBO_E_PROTO, "control request with no body");
		break;
	}
pack:
	rv = dongbo_proto_pack(&r.rep.base, &out);
	if (rv != 0) {
		dongbo_log_warn("ctl: reply not sent: %s", dongbo_strerror(rv));
		out = pack_failure(rv);
	}
	if (req != NULL)
		dongbo_proto_free(&req->base);
	reply_fini(&r);
	free(kids.items);
	free(kids.ptrs);
	free(kids.infos);
	free(kids.ids);
	free(hosts);
	free(host_ptrs);
	return out;
}
