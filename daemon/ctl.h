/*
 * ctl.h -- pieces shared by the control-socket handlers (ctl*.c).
 *
 * Internal to daemon/.  Loop thread only.  A handler fills in r->rep (or
 * fails it with ctl_fail); everything the reply points to must live until
 * dongbo_ctl_handle has packed it: the handler's own storage, the node's
 * (unit list, catalog), or memory from ctl_alloc, freed after packing.  A
 * handler that writes may answer later instead (ctl_defer, ctl_answer),
 * once the writer (writer.h) has committed off the loop.
 */
#ifndef DONGBO_DAEMON_CTL_H
#define DONGBO_DAEMON_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "codec.h"
#include "fmtargs.h"
#include "node.h"
#include "period.h"

struct ctl_reply {
	Dongbo__CtlReply rep;
	char err[DONGBO_MSG_TEXT_MAX];
	/* err, and taken apart for the client to translate (fmtargs.h). */
	struct dongbo_msg msg;
	char *err_argv[DONGBO_FMT_MAX_ARGS];
	/* Who sent the request: set, and checked to be the node's owner,
	 * before the handler of a request that changes data runs. */
	struct dongbo_peer peer;
	/* Memory from ctl_alloc, freed after the reply is packed. */
	void **owned;
	size_t n_owned, cap_owned;
};

/* Sets the reply's code and error text, in English and taken apart for
 * the client to translate (po/ extracts fmt as a msgid); returns code. */
int ctl_fail(struct ctl_reply *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As ctl_fail, with a message made elsewhere (a value refused by meta/,
 * r->msg itself with a prefix put before it). */
int ctl_fail_msg(struct ctl_reply *r, int code, const struct dongbo_msg *m);

/* Zeroed memory that lives until the reply is packed; NULL when out of
 * memory (the reply is then failed with DONGBO_E_NOMEM). */
void *ctl_alloc(struct ctl_reply *r, size_t n, size_t size);

/* Takes p (from malloc; may be NULL) to free after packing.  Returns false,
 * freeing p and failing the reply, when out of memory. */
bool ctl_own(struct ctl_reply *r, void *p);

/*
 * Within a handler: the answer will come later, from ctl_answer, and the
 * reply r and the request (its strings) stay as they are until then; the
 * handler returns without filling r.  False when the request cannot wait
 * (no control server: the node was made in process) -- the handler then
 * answers in place, as usual.
 */
bool ctl_defer(struct ctl_reply *r);

/* Sends the reply of a deferred request as r now holds it, and frees r
 * and the request.  Loop thread. */
void ctl_answer(struct ctl_reply *r);

/* A copy of s in ctl_alloc memory; NULL when out of memory. */
char *ctl_strdup(struct ctl_reply *r, const char *s);

/* Fills s with v as ind shows it (plain and Vietnamese text, type, scale);
 * the texts are ctl_alloc memory.  Returns 0, or DONGBO_E_NOMEM with r
 * failed. */
int ctl_shown_fill(struct ctl_reply *r, Dongbo__Shown *s,
		   const struct dongbo_indicator *ind, int64_t v);

/* As ctl_shown_fill, into a new Shown in ctl_alloc memory; NULL when out of
 * memory (r is failed then). */
Dongbo__Shown *ctl_shown_new(struct ctl_reply *r,
			     const struct dongbo_indicator *ind, int64_t v);

void ctl_unit_info(Dongbo__UnitInfo *info, const struct dongbo_unit *u);

/* The unit with this code as a new UnitInfo in reply memory: with its
 * name when the unit list has it, else the bare code (a unit the list no
 * longer holds).  NULL when out of memory (r is failed then). */
Dongbo__UnitInfo *ctl_unit_info_code(struct dongbo_node *node,
				     struct ctl_reply *r, const char *code);

/* The unit with this code, within this node's subtree; or fails r. */
int ctl_find_unit(struct dongbo_node *node, struct ctl_reply *r,
		  const char *code, const struct dongbo_unit **out);

/* The indicator with this code in the catalog the node runs; or fails r. */
int ctl_find_indicator(struct dongbo_node *node, struct ctl_reply *r,
		       const char *code, const struct dongbo_indicator **out);

/* Canonical form of a period; or fails r naming the text. */
int ctl_parse_period(struct ctl_reply *r, const char *text,
		     char canon[DONGBO_PERIOD_MAX]);

/* ---- ctl_data.c: put, get, export, catalog ---- */

void ctl_handle_put(struct dongbo_node *node, struct ctl_reply *r,
		    const Dongbo__PutRequest *put);
void ctl_handle_get(struct dongbo_node *node, struct ctl_reply *r,
		    const Dongbo__Key *k);
void ctl_handle_export(struct dongbo_node *node, struct ctl_reply *r,
		       const Dongbo__ExportRequest *x);
void ctl_handle_catalog(struct dongbo_node *node, struct ctl_reply *r,
			const Dongbo__CatalogRequest *c);

/* ---- ctl_report.c: rollup, report, check ---- */

void ctl_handle_rollup(struct dongbo_node *node, struct ctl_reply *r,
		       const Dongbo__Key *k);
void ctl_handle_report(struct dongbo_node *node, struct ctl_reply *r,
		       const Dongbo__ReportRequest *q);
void ctl_handle_check(struct dongbo_node *node, struct ctl_reply *r,
		      const Dongbo__CheckRequest *q);

/* ---- ctl_sync.c: status, rejected, restore, verify ---- */

void ctl_handle_status(struct dongbo_node *node, struct ctl_reply *r);
void ctl_handle_rejected(struct dongbo_node *node, struct ctl_reply *r,
			 const Dongbo__RejectedRequest *q);
void ctl_handle_restore(struct dongbo_node *node, struct ctl_reply *r);
void ctl_handle_verify(struct dongbo_node *node, struct ctl_reply *r);

/* ---- ctl_tree.c: the subtree and how its data reaches us ---- */

void ctl_handle_tree(struct dongbo_node *node, struct ctl_reply *r,
		     const Dongbo__TreeRequest *q);

/* ---- ctl_log.c: the audit trail ---- */

void ctl_handle_log(struct dongbo_node *node, struct ctl_reply *r,
		    const Dongbo__LogRequest *q);

/* ---- ctl_missing.c: who has reported a form ---- */

void ctl_handle_missing(struct dongbo_node *node, struct ctl_reply *r,
			const Dongbo__MissingRequest *q);

/* ---- ctl_approval.c: submission and approval ---- */

void ctl_handle_approval_set(struct dongbo_node *node, struct ctl_reply *r,
			     const Dongbo__ApprovalRequest *q);
void ctl_handle_approval_query(struct dongbo_node *node, struct ctl_reply *r,
			       const Dongbo__ApprovalQuery *q);

/* The state a (NULL: none stored, a draft) of u's form for period, as
 * shown, in ctl_alloc memory; NULL when out of memory (r failed). */
struct dongbo_approval;
Dongbo__ApprovalShown *ctl_approval_shown(struct dongbo_node *node,
					  struct ctl_reply *r,
					  const struct dongbo_unit *u,
					  const char *form, const char *period,
					  const struct dongbo_approval *a);

#endif
