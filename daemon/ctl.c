/*
 * ctl.c -- requests from the CLI over the node's control socket.
 *
 * Happy path: unpack a CtlRequest; when it changes data, check that its
 * sender is the node's owner (access.h); hand it to its handler
 * (ctl_data.c: put, get, export, catalog; ctl_report.c: rollup, report,
 * check; ctl_sync.c: status, rejected, restore, verify; ctl_log.c: log;
 * ctl_tree.c: tree; ctl_missing.c: missing; ctl_approval.c: submit,
 * approve, return and reopen -- writes -- and approval),
 * which checks every argument against the unit list and the catalog, does
 * the store calls it needs and fills in the reply; pack the reply and free
 * what the handler allocated for it.
 *
 * Failure modes: malformed requests get code PROTO; a request that changes
 * data from anyone but the owner gets PERM, naming who asked and who owns
 * the node, and is logged; bad arguments get the
 * matching DONGBO_E_* code and a message quoting the offending value; store
 * errors are passed on with their code.  A reply too large for one message
 * is answered with TOOBIG instead of silence.  Nothing is stored unless a
 * whole request is valid and its transaction commits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "error.h"
#include "fault.h"
#include "log.h"
#include "server.h"
#include "util.h"

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

int ctl_fail_msg(struct ctl_reply *r, int code, const struct dongbo_msg *m)
{
	if (m != &r->msg)
		r->msg = *m;
	snprintf(r->err, sizeof(r->err), "%s", r->msg.text);
	r->rep.code = code;
	r->rep.error = r->err;
	r->rep.error_format = r->msg.fmt;
	r->rep.n_error_args = (size_t)r->msg.n_args;
	for (int i = 0; i < r->msg.n_args; i++)
		r->err_argv[i] = r->msg.args[i];
	r->rep.error_args = r->err_argv;
	return code;
}

int ctl_fail(struct ctl_reply *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dongbo_vmsgf(&r->msg, fmt, ap);
	va_end(ap);
	return ctl_fail_msg(r, code, &r->msg);
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

Dongbo__UnitInfo *ctl_unit_info_code(struct dongbo_node *node,
				     struct ctl_reply *r, const char *code)
{
	const struct dongbo_unit *u = dongbo_units_find(node->units, code);
	Dongbo__UnitInfo *info = ctl_alloc(r, 1, sizeof(*info));

	if (info == NULL)
		return NULL;
	if (u != NULL) {
		ctl_unit_info(info, u);
		return info;
	}
	dongbo__unit_info__init(info);
	info->code = ctl_strdup(r, code);
	return info->code != NULL ? info : NULL;
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

/* True when req changes what the node stores (put, delete and import are
 * all puts; restore fetches values; a retry queues records again).
 * Requests this build does not know are refused later anyway: counted as
 * changes, so that a new one is never open to readers by mistake. */
static bool request_changes_data(const Dongbo__CtlRequest *req)
{
	switch (req->body_case) {
	case DONGBO__CTL_REQUEST__BODY_GET:
	case DONGBO__CTL_REQUEST__BODY_ROLLUP:
	case DONGBO__CTL_REQUEST__BODY_STATUS:
	case DONGBO__CTL_REQUEST__BODY_EXPORT:
	case DONGBO__CTL_REQUEST__BODY_CATALOG:
	case DONGBO__CTL_REQUEST__BODY_REPORT:
	case DONGBO__CTL_REQUEST__BODY_CHECK:
	case DONGBO__CTL_REQUEST__BODY_VERIFY:
	case DONGBO__CTL_REQUEST__BODY_LOG:
	case DONGBO__CTL_REQUEST__BODY_MISSING:
	case DONGBO__CTL_REQUEST__BODY_TREE:
	case DONGBO__CTL_REQUEST__BODY_APPROVAL:
		return false;
	case DONGBO__CTL_REQUEST__BODY_REJECTED:
		return req->rejected->retry;
	case DONGBO__CTL_REQUEST__BODY_PUT:
	case DONGBO__CTL_REQUEST__BODY_RESTORE:
	case DONGBO__CTL_REQUEST__BODY_APPROVAL_SET: /* submit, approve... */
	default:
		return true;
	}
}

/* The name of the change req asks for, for the refusal. */
static const char *change_name(const Dongbo__CtlRequest *req)
{
	switch (req->body_case) {
	case DONGBO__CTL_REQUEST__BODY_PUT:
		if (req->put->n_items > 1)
			return "import";
		return req->put->n_items == 1 && req->put->items[0]->retract
			       ? "delete"
			       : "put";
	case DONGBO__CTL_REQUEST__BODY_RESTORE:
		return "restore";
	case DONGBO__CTL_REQUEST__BODY_REJECTED:
		return "rejected --retry";
	case DONGBO__CTL_REQUEST__BODY_APPROVAL_SET:
		return req->approval_set->action[0] != '\0'
			       ? req->approval_set->action
			       : "an approval";
	default:
		return "this request";
	}
}

/* Fills r->peer from msg's connection; fails r with PERM unless the
 * sender may change data. */
static int check_owner(struct dongbo_node *node, struct ctl_reply *r,
		       nng_msg *msg, const Dongbo__CtlRequest *req)
{
	char who[DONGBO_USER_NAME_MAX + 32], owner[DONGBO_USER_NAME_MAX + 32];

	int rv = dongbo_access_peer(msg, &r->peer);

	if (rv == 0 && dongbo_access_may_write(&r->peer))
		return 0;
	dongbo_access_describe_owner(owner, sizeof(owner));
	if (rv != 0)
		return ctl_fail(r, DONGBO_E_PERM,
				"permission denied: cannot tell who sent this "
				"request, and only the owner %s of node %s may "
				"change data", owner, node->home->code);
	dongbo_access_describe(r->peer.uid, r->peer.name, who, sizeof(who));
	dongbo_log_warn("ctl: %s by %s refused: only the owner %s may change "
			"data", change_name(req), who, owner);
	return ctl_fail(r, DONGBO_E_PERM,
			"permission denied: %s may read node %s (%s) but only "
			"its owner %s may change data (%s refused)", who,
			node->home->code, node->home->name, owner,
			change_name(req));
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

/* A request being answered: its reply, and the request, whose strings the
 * reply and a deferred handler may point into. */
struct ctl_call {
	struct ctl_reply r; /* first: handlers hold &call->r */
	struct dongbo_node *node;
	struct dongbo_arena arena;
	bool changes; /* the request changes data */
	struct dongbo_server_call *later; /* the answer owed (ctl_defer) */
};

/* Packs the reply and frees the call; the reply, or NULL when nothing
 * can be sent. */
static nng_msg *call_finish(struct ctl_call *c)
{
	nng_msg *out = NULL;
	int rv;

	if (c->r.rep.code == 0 && c->changes)
		dongbo_fault_point("ctl.before_reply");
	rv = dongbo_proto_pack(&c->r.rep.base, &out);
	if (rv != 0) {
		dongbo_log_warn("ctl: reply not sent: %s", dongbo_strerror(rv));
		out = pack_failure(rv);
	}
	dongbo_arena_free(&c->arena); /* the request */
	reply_fini(&c->r);
	free(c);
	return out;
}

bool ctl_defer(struct ctl_reply *r)
{
	struct ctl_call *c = (struct ctl_call *)r;

	if (c->node->ctl_server == NULL || c->later != NULL)
		return false;
	c->later = dongbo_server_defer(c->node->ctl_server);
	return c->later != NULL;
}

void ctl_answer(struct ctl_reply *r)
{
	struct ctl_call *c = (struct ctl_call *)r;
	struct dongbo_server_call *later = c->later;

	dongbo_server_reply(later, call_finish(c));
}

nng_msg *dongbo_ctl_handle(void *arg, nng_msg *msg)
{
	struct dongbo_node *node = arg;
	Dongbo__CtlRequest *req = NULL;
	struct ctl_call *c = calloc(1, sizeof(*c));
	struct ctl_reply *r;
	int rv;

	if (c == NULL)
		return pack_failure(DONGBO_E_NOMEM);
	c->node = node;
	r = &c->r;
	reply_init(r);
	rv = dongbo_proto_unpack_in(&dongbo__ctl_request__descriptor, msg,
				    &c->arena, (ProtobufCMessage **)&req);
	if (rv != 0) {
		ctl_fail(r, rv, "malformed control request: %s",
			 dongbo_strerror(rv));
		goto pack;
	}
	c->changes = request_changes_data(req);
	if (c->changes && check_owner(node, r, msg, req) != 0)
		goto pack;
	switch (req->body_case) {
	case DONGBO__CTL_REQUEST__BODY_PUT:
		ctl_handle_put(node, r, req->put);
		break;
	case DONGBO__CTL_REQUEST__BODY_GET:
		ctl_handle_get(node, r, req->get);
		break;
	case DONGBO__CTL_REQUEST__BODY_ROLLUP:
		ctl_handle_rollup(node, r, req->rollup);
		break;
	case DONGBO__CTL_REQUEST__BODY_STATUS:
		ctl_handle_status(node, r);
		break;
	case DONGBO__CTL_REQUEST__BODY_EXPORT:
		ctl_handle_export(node, r, req->export);
		break;
	case DONGBO__CTL_REQUEST__BODY_CATALOG:
		ctl_handle_catalog(node, r, req->catalog);
		break;
	case DONGBO__CTL_REQUEST__BODY_REPORT:
		ctl_handle_report(node, r, req->report);
		break;
	case DONGBO__CTL_REQUEST__BODY_CHECK:
		ctl_handle_check(node, r, req->check);
		break;
	case DONGBO__CTL_REQUEST__BODY_REJECTED:
		ctl_handle_rejected(node, r, req->rejected);
		break;
	case DONGBO__CTL_REQUEST__BODY_RESTORE:
		ctl_handle_restore(node, r);
		break;
	case DONGBO__CTL_REQUEST__BODY_VERIFY:
		ctl_handle_verify(node, r);
		break;
	case DONGBO__CTL_REQUEST__BODY_LOG:
		ctl_handle_log(node, r, req->log);
		break;
	case DONGBO__CTL_REQUEST__BODY_MISSING:
		ctl_handle_missing(node, r, req->missing);
		break;
	case DONGBO__CTL_REQUEST__BODY_TREE:
		ctl_handle_tree(node, r, req->tree);
		break;
	case DONGBO__CTL_REQUEST__BODY_APPROVAL_SET:
		ctl_handle_approval_set(node, r, req->approval_set);
		break;
	case DONGBO__CTL_REQUEST__BODY_APPROVAL:
		ctl_handle_approval_query(node, r, req->approval);
		break;
	default:
		ctl_fail(r, DONGBO_E_PROTO, "control request with no body");
		break;
	}
	if (c->later != NULL)
		return NULL; /* the handler answers later (ctl_answer) */
pack:
	return call_finish(c);
}
