/*
 * tree_view.c -- `dongbo tree` as an indented tree with aligned columns.
 *
 * The node sends its rows depth first (TreeReply).  Here: which rows need
 * attention; which are shown (--problems: those and their ancestors;
 * --depth); which leaf siblings fold into one line ("… and 17 more",
 * hosted at 213, with its health) unless --all; then every line's cells, measured in
 * display columns (Vietnamese names: out_width) so that the columns line
 * up, with box-drawing connectors and, on a terminal, coloured health.
 *
 * Failure modes: out of memory prints what it can and says so on stderr;
 * a reply whose depths do not nest (a broken daemon) is shown flat rather
 * than trusted.
 */
#include "tree_view.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#define COLS 9

enum { C_UNIT, C_KIND, C_HEALTH, C_SEEN, C_WAIT, C_REFUSED, C_CATALOG,
       C_APPROVAL, C_NOTE };

/* Translated where printed (print_lines). */
static const char *const headers[COLS] = {
	N_("UNIT"),    N_("NODE"),    N_("HEALTH"),  N_("LAST SEEN"),
	N_("WAITING"), N_("REFUSED"), N_("CATALOG"),
	/* TRANSLATORS: `dongbo tree --form F --period P`: the unit's
	 * approval state of that form. */
	N_("APPROVAL"), N_("NOTE"),
};
static const bool right[COLS] = { false, false, false, false, true,
				  true,	 true,	false, false };

bool tree_view_needs_attention(const Dongbo__TreeRow *r,
			       uint32_t catalog_version)
{
	return strcmp(r->health, "ok") != 0 || r->refused > 0 ||
	       (r->catalog_version != 0 && r->catalog_version < catalog_version);
}

void tree_view_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (ms < 0)
		snprintf(buf, len, "%s", _("never"));
	else if (s < 1)
		snprintf(buf, len, "%s", _("now"));
	else if (s < 120)
		snprintf(buf, len, _("%" PRId64 " s ago"), s);
	else if (s < 7200)
		snprintf(buf, len, _("%" PRId64 " min ago"), s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, _("%" PRId64 " h ago"), s / 3600);
	else
		snprintf(buf, len, _("%" PRId64 " d ago"), s / 86400);
}

static const char *health_color(const char *h)
{
	if (strcmp(h, "ok") == 0)
		return "\033[32m";
	if (strcmp(h, "lagging") == 0 || strcmp(h, "restoring") == 0)
		return "\033[33m";
	if (strcmp(h, "never seen") == 0)
		return "\033[2m";
	return "\033[31m"; /* stalled, offline, unknown */
}

/* The tree of rows: each row's parent (-1 for the root), from depths. */
struct shape {
	size_t n;
	long *parent;
	bool *attention;
	bool *shown;
	bool *folded;
	long *n_shown_kids;
};

static void shape_free(struct shape *s)
{
	free(s->parent);
	free(s->attention);
	free(s->shown);
	free(s->folded);
	free(s->n_shown_kids);
}

/* The fold class of a shown leaf: 1 hosted (folded with those of the same
 * node and health: they share its state), 2 no node and never seen, 0
 * none. */
static int fold_class(const Dongbo__TreeRow *r)
{
	if (strcmp(r->kind, "hosted") == 0 && r->refused == 0)
		return 1;
	if (strcmp(r->kind, "none") == 0 && r->refused == 0 &&
	    strcmp(r->health, "never seen") == 0)
		return 2;
	return 0;
}

static int shape_make(struct shape *s, const Dongbo__TreeReply *t,
		      const struct tree_view_opts *o)
{
	long *stack;

	memset(s, 0, sizeof(*s));
	s->n = t->n_rows;
	s->parent = calloc(s->n + 1, sizeof(*s->parent));
	s->attention = calloc(s->n + 1, sizeof(*s->attention));
	s->shown = calloc(s->n + 1, sizeof(*s->shown));
	s->folded = calloc(s->n + 1, sizeof(*s->folded));
	s->n_shown_kids = calloc(s->n + 1, sizeof(*s->n_shown_kids));
	stack = calloc(s->n + 1, sizeof(*stack));
	if (s->parent == NULL || s->attention == NULL || s->shown == NULL ||
	    s->folded == NULL || s->n_shown_kids == NULL || stack == NULL) {
		free(stack);
		shape_free(s);
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		const Dongbo__TreeRow *r = t->rows[i];
		size_t d = r->depth;

		/* stack[k]: the last row seen at depth k. */
		if (i == 0 || d == 0 || d > i)
			d = i == 0 ? 0 : 1;
		s->parent[i] = d == 0 ? -1 : stack[d - 1];
		stack[d] = (long)i;
		s->attention[i] = tree_view_needs_attention(r, t->catalog_version);
		s->shown[i] = !o->problems;
	}
	free(stack);
	if (o->problems)
		for (size_t i = 0; i < s->n; i++)
			for (long j = s->attention[i] ? (long)i : -1; j >= 0;
			     j = s->parent[j])
				s->shown[j] = true;
	for (size_t i = 0; i < s->n; i++)
		if (o->max_depth >= 0 && t->rows[i]->depth > (uint32_t)o->max_depth)
			s->shown[i] = false;
	for (size_t i = 0; i < s->n; i++)
		if (s->shown[i] && s->parent[i] >= 0)
			s->n_shown_kids[s->parent[i]]++;
	return 0;
}

/* Folds alike leaf children of p (unless --all): marks them folded and
 * returns, per class and host, how many (written into counts/hosts). */
struct fold {
	int cls;
	const char *host;
	const char *health;
	const Dongbo__TreeRow *first; /* its approval state, when shown */
	size_t count;
};

static bool fold_has(const struct fold *f, const Dongbo__TreeRow *r)
{
	return f->cls == fold_class(r) && strcmp(f->host, r->host) == 0 &&
	       strcmp(f->health, r->health) == 0 &&
	       strcmp(f->first->approval, r->approval) == 0 &&
	       f->first->approval_changed == r->approval_changed;
}

static size_t folds_of(const struct shape *s, const Dongbo__TreeReply *t,
		       long p, struct fold *folds, size_t max)
{
	size_t n = 0;

	for (size_t i = (size_t)p + 1; i < s->n; i++) {
		const Dongbo__TreeRow *r = t->rows[i];
		int cls;
		size_t k;

		if (s->parent[i] != p || !s->shown[i] || s->n_shown_kids[i] > 0)
			continue;
		if ((cls = fold_class(r)) == 0)
			continue;
		for (k = 0; k < n; k++)
			if (fold_has(&folds[k], r))
				break;
		if (k == n) {
			if (n == max)
				continue;
			folds[n++] = (struct fold){ cls, r->host, r->health, r,
						    0 };
		}
		folds[k].count++;
	}
	return n;
}

/* One printed line's cells (owned). */
struct line {
	char *cell[COLS];
	const char *health; /* for colour; NULL: none */
};

struct lines {
	struct line *v;
	size_t n, cap;
	bool oom;
};

static struct line *line_add(struct lines *ls)
{
	struct line *v = dongbo_grow(ls->v, &ls->cap, ls->n, sizeof(*v), 64);

	if (v == NULL) {
		ls->oom = true;
		return NULL;
	}
	ls->v = v;
	memset(&ls->v[ls->n], 0, sizeof(ls->v[0]));
	return &ls->v[ls->n++];
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dupf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || (s = malloc((size_t)len + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* The NODE cell of a hosted unit, or of one with no node (the JSON keeps
 * the English kind). */
static char *kind_hosted(const char *host)
{
	/* TRANSLATORS: the NODE column of `dongbo tree`: the unit's data is
	 * entered at node %s. */
	return dupf(_("hosted at %s"), host);
}

static char *kind_none(void)
{
	/* TRANSLATORS: the NODE column of `dongbo tree`: no node is known
	 * for the unit. */
	return strdup(_("none"));
}

/* The APPROVAL cell: the state word, flagged when a value changed after
 * approval; "" when not asked for. */
static char *approval_cell(const Dongbo__TreeRow *r)
{
	if (r->approval[0] == '\0')
		return strdup("");
	/* TRANSLATORS: `dongbo tree`, APPROVAL column: a value changed after
	 * the form was approved. */
	return r->approval_changed ? dupf(_("%s, changed"), r->approval)
				   : strdup(r->approval);
}

static void row_cells(struct line *l, const Dongbo__TreeRow *r,
		      const char *prefix, int64_t now_ms)
{
	bool node = strcmp(r->kind, "node") == 0;
	char seen[32];

	l->cell[C_UNIT] = dupf("%s%s %s", prefix, r->unit->code, r->unit->name);
	if (node)
		/* TRANSLATORS: the NODE column of `dongbo tree`: the unit runs
		 * its own node. */
		l->cell[C_KIND] = strdup(_("node"));
	else if (strcmp(r->kind, "hosted") == 0)
		l->cell[C_KIND] = kind_hosted(r->host);
	else
		l->cell[C_KIND] = kind_none();
	l->cell[C_HEALTH] = strdup(r->health);
	l->health = r->health;
	tree_view_age(r->last_seen_ms > 0 ? now_ms - r->last_seen_ms : -1,
		      seen, sizeof(seen));
	l->cell[C_SEEN] = strdup(strcmp(r->kind, "none") == 0 ? "" : seen);
	if (node && r->waiting >= 0)
		l->cell[C_WAIT] = dupf("%" PRId64, r->waiting);
	else
		l->cell[C_WAIT] = strdup(node ? "?" : "");
	l->cell[C_REFUSED] = node ? dupf("%" PRIu32, r->refused) : strdup("");
	if (r->catalog_version > 0)
		l->cell[C_CATALOG] = dupf("v%" PRIu32, r->catalog_version);
	else
		l->cell[C_CATALOG] = strdup(node ? "?" : "");
	l->cell[C_APPROVAL] = approval_cell(r);
	l->cell[C_NOTE] = strdup(r->note);
}

struct printer {
	struct shape *s;
	const Dongbo__TreeReply *t;
	const struct tree_view_opts *o;
	struct lines ls;
};

/* Lines of row i and its shown children; prefix is what goes before the
 * connectors of its children. */
static void emit(struct printer *pr, long i, const char *lead,
		 const char *branch)
{
	struct shape *s = pr->s;
	const Dongbo__TreeRow *r = pr->t->rows[i];
	struct fold folds[8];
	size_t n_folds = 0, n_kids = 0, done = 0;
	struct line *l = line_add(&pr->ls);
	char *child_lead;

	if (l == NULL)
		return;
	{
		char *prefix = dupf("%s%s", lead, branch);

		row_cells(l, r, prefix != NULL ? prefix : "", pr->t->now_ms);
		free(prefix);
	}
	if (!pr->o->all)
		n_folds = folds_of(s, pr->t, i, folds, 8);
	for (size_t k = 0; k < n_folds; k++)
		if (folds[k].count < TREE_VIEW_COLLAPSE_MIN)
			folds[k].count = 0;
	/* Count the children printed one by one. */
	for (size_t j = (size_t)i + 1; j < s->n; j++) {
		bool fold = false;

		if (s->parent[j] != i || !s->shown[j])
			continue;
		for (size_t k = 0; k < n_folds && s->n_shown_kids[j] == 0; k++)
			fold = fold || (folds[k].count > 0 &&
					fold_has(&folds[k], pr->t->rows[j]));
		s->folded[j] = fold;
		if (!fold)
			n_kids++;
	}
	for (size_t k = 0; k < n_folds; k++)
		if (folds[k].count > 0)
			n_kids++;
	/* The root's children start at the margin; below, the branch
	 * above continues ("│   ") or not ("    "). */
	child_lead = dupf("%s%s", lead,
			  branch[0] == '\0' ? ""
			  : strcmp(branch, "├── ") == 0 ? "│   " : "    ");
	if (child_lead == NULL) {
		pr->ls.oom = true;
		return;
	}
	for (size_t j = (size_t)i + 1; j < s->n; j++) {
		if (s->parent[j] != i || !s->shown[j] || s->folded[j])
			continue;
		done++;
		emit(pr, (long)j, child_lead, done == n_kids ? "└── " : "├── ");
	}
	for (size_t k = 0; k < n_folds; k++) {
		struct line *f;
		bool hosted = folds[k].cls == 1;
		char *label;

		if (folds[k].count == 0 || (f = line_add(&pr->ls)) == NULL)
			continue;
		done++;
		/* "… all 34" when nothing else is below, else "… and
		 * 34 more" (never fewer than TREE_VIEW_COLLAPSE_MIN). */
		label = n_kids == 1
				? dupf(_("… all %zu"), folds[k].count)
				: dupf(_("… and %zu more"), folds[k].count);
		f->cell[C_UNIT] = dupf("%s%s%s", child_lead,
				       done == n_kids ? "└── " : "├── ",
				       label != NULL ? label : "…");
		free(label);
		f->cell[C_KIND] = hosted ? kind_hosted(folds[k].host)
					 : kind_none();
		f->cell[C_HEALTH] = strdup(folds[k].health);
		f->health = folds[k].health;
		for (int c = C_SEEN; c < COLS; c++)
			f->cell[c] = c == C_APPROVAL ? approval_cell(folds[k].first)
						     : strdup("");
	}
	free(child_lead);
}

static void print_cell(FILE *f, const char *s, int width, bool right_al,
		       const char *color)
{
	int pad = width - out_width(s);

	if (pad < 0)
		pad = 0;
	if (right_al)
		fprintf(f, "%*s", pad, "");
	if (color != NULL)
		fprintf(f, "%s%s\033[0m", color, s);
	else
		fputs(s, f);
	if (!right_al)
		fprintf(f, "%*s", pad, "");
}

static void print_lines(FILE *f, const struct lines *ls, bool color)
{
	int w[COLS];
	bool any_note = false, any_approval = false;
	int last;

	for (int c = 0; c < COLS; c++)
		w[c] = out_width(_(headers[c]));
	for (size_t i = 0; i < ls->n; i++)
		for (int c = 0; c < COLS; c++) {
			const char *s = ls->v[i].cell[c] ? ls->v[i].cell[c] : "";
			int x = out_width(s);

			if (x > w[c])
				w[c] = x;
			if (c == C_NOTE && s[0] != '\0')
				any_note = true;
			if (c == C_APPROVAL && s[0] != '\0')
				any_approval = true;
		}
	last = any_note ? C_NOTE : any_approval ? C_APPROVAL : C_CATALOG;
	for (size_t i = 0; i <= ls->n; i++) {
		const struct line *l = i > 0 ? &ls->v[i - 1] : NULL;
		int end = last;

		/* No trailing blanks: the line ends with its last cell. */
		while (l != NULL && end > 0 &&
		       (l->cell[end] == NULL || l->cell[end][0] == '\0'))
			end--;
		for (int c = 0; c <= end; c++) {
			const char *s = l == NULL ? _(headers[c]) : l->cell[c];

			if (c == C_APPROVAL && !any_approval)
				continue;
			const char *hue = NULL;

			if (s == NULL)
				s = "";
			if (color && l != NULL && c == C_HEALTH &&
			    l->health != NULL)
				hue = health_color(l->health);
			if (c == end && !right[c] && hue == NULL)
				fputs(s, f);
			else
				print_cell(f, s, c == end && !right[c] ? 0 : w[c],
					   right[c], hue);
			if (c < end)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}

static void lines_free(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		for (int c = 0; c < COLS; c++)
			free(ls->v[i].cell[c]);
	free(ls->v);
}

struct counts {
	size_t units, nodes, hosted, attention;
};

static struct counts count_rows(const Dongbo__TreeReply *t)
{
	struct counts k = { .units = t->n_rows };

	for (size_t i = 0; i < t->n_rows; i++) {
		const Dongbo__TreeRow *r = t->rows[i];

		k.nodes += strcmp(r->kind, "node") == 0;
		k.hosted += strcmp(r->kind, "hosted") == 0;
		k.attention += tree_view_needs_attention(r, t->catalog_version);
	}
	return k;
}

size_t tree_view_print(FILE *f, const Dongbo__TreeReply *t,
		       const struct tree_view_opts *o)
{
	struct printer pr = { .t = t, .o = o };
	struct counts k = count_rows(t);
	struct shape s;

	if (shape_make(&s, t, o) != 0) {
		fprintf(stderr, "dongbo: %s\n", _("tree: out of memory"));
		return k.attention;
	}
	pr.s = &s;
	if (t->n_rows > 0 && s.shown[0])
		emit(&pr, 0, "", "");
	if (pr.ls.n > 0)
		print_lines(f, &pr.ls, o->color);
	if (pr.ls.oom)
		fprintf(stderr, "dongbo: %s\n",
			_("tree: out of memory: some lines are missing"));
	lines_free(&pr.ls);
	shape_free(&s);
	if (pr.ls.n > 0)
		fputc('\n', f);
	/* TRANSLATORS: the summary under `dongbo tree`: "24 Tỉnh Bắc
	 * Giang: 206 units, 11 nodes, 3 hosted; ", followed by one of the
	 * two "attention" messages.  The %s after unit and node are the
	 * English plural endings ("%.0s" drops them). */
	fprintf(f, _("%s %s: %zu unit%s, %zu node%s, %zu hosted; "),
		t->root->code, t->root->name, k.units, k.units == 1 ? "" : "s",
		k.nodes, k.nodes == 1 ? "" : "s", k.hosted);
	if (k.attention == 0)
		fputs(_("none needs attention\n"), f);
	else
		/* TRANSLATORS: %s is the English verb ending ("1 needs",
		 * "2 need"). */
		fprintf(f, _("%zu need%s attention\n"), k.attention,
			k.attention == 1 ? "s" : "");
	return k.attention;
}

static json_t *int_or_null(int64_t v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *tree_view_json(const Dongbo__TreeReply *t,
		       const struct tree_view_opts *o)
{
	struct counts k = count_rows(t);
	json_t *doc = json_object(), *rows = json_array();
	struct shape s;
	bool shaped = shape_make(&s, t, o) == 0;

	out_json_unit(doc, t->root);
	json_object_set_new(doc, "level", json_string(t->root->level));
	json_object_set_new(doc, "catalog_version",
			    json_integer(t->catalog_version));
	json_object_set_new(doc, "units", json_integer((json_int_t)k.units));
	json_object_set_new(doc, "nodes", json_integer((json_int_t)k.nodes));
	json_object_set_new(doc, "hosted", json_integer((json_int_t)k.hosted));
	json_object_set_new(doc, "need_attention",
			    json_integer((json_int_t)k.attention));
	for (size_t i = 0; i < t->n_rows; i++) {
		const Dongbo__TreeRow *r = t->rows[i];
		json_t *o_row;

		if (!shaped || !s.shown[i])
			continue;
		o_row = json_object();
		out_json_unit(o_row, r->unit);
		json_object_set_new(o_row, "level", json_string(r->unit->level));
		json_object_set_new(o_row, "depth", json_integer(r->depth));
		json_object_set_new(o_row, "kind", json_string(r->kind));
		json_object_set_new(o_row, "host", str_or_null(r->host));
		json_object_set_new(o_row, "via", str_or_null(r->via));
		json_object_set_new(o_row, "health", json_string(r->health));
		json_object_set_new(o_row, "last_seen",
				    out_json_time(r->last_seen_ms));
		json_object_set_new(o_row, "last_seen_ms",
				    r->last_seen_ms > 0
					    ? json_integer(r->last_seen_ms)
					    : json_null());
		json_object_set_new(o_row, "waiting", int_or_null(r->waiting));
		json_object_set_new(o_row, "refused", json_integer(r->refused));
		json_object_set_new(o_row, "catalog_version",
				    r->catalog_version > 0
					    ? json_integer(r->catalog_version)
					    : json_null());
		json_object_set_new(o_row, "lag", int_or_null(r->lag));
		json_object_set_new(o_row, "age_ms", int_or_null(r->age_ms));
		json_object_set_new(o_row, "store_id", str_or_null(r->store_id));
		if (r->approval[0] != '\0') {
			json_object_set_new(o_row, "approval",
					    json_string(r->approval));
			json_object_set_new(o_row, "approval_changed",
					    json_boolean(r->approval_changed));
		}
		json_object_set_new(o_row, "note", str_or_null(r->note));
		json_object_set_new(o_row, "needs_attention",
				    json_boolean(tree_view_needs_attention(
					    r, t->catalog_version)));
		json_array_append_new(rows, o_row);
	}
	if (shaped)
		shape_free(&s);
	json_object_set_new(doc, "rows", rows);
	return doc;
}
