/*
 * units.c -- the unit list: a TSV file read with libcsv into a tree.
 *
 * Loading runs in three steps:
 *   1. Rows.  libcsv splits each line into fields (tab delimiter, lenient
 *      mode, default '"' quoting so that a spreadsheet's quoted export still
 *      reads).  The fields of the columns we use are copied into one string
 *      pool; each row keeps pool offsets and its line number.  Lines are fed
 *      to libcsv one at a time only so that we know the line of each row.
 *   2. Index.  Units go into an open-addressing hash table by code, in
 *      file order, so a duplicate code meets its first occurrence there.
 *      Every stored value looks its unit up, so lookups must be cheap.
 *   3. Links.  Each parent is found in the index, children are threaded in
 *      file order, and depth is found by walking up, which also catches
 *      cycles (a walk that does not reach a root within the depth limit).
 * Any malformed input is refused with DONGBO_E_CONFIG and a message
 * "FILE:LINE: reason 'value'"; nothing here asserts on file content.
 */
#include "units.h"

#include <csv.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "i18n.h"
#include "period.h"
#include "util.h"

enum column {
	COL_CODE,
	COL_PARENT,
	COL_LEVEL,
	COL_NAME,
	COL_TYPE,
	COL_FROM,
	COL_UNTIL,
	N_COLUMNS,
	COL_IGNORED = N_COLUMNS,
};

static const char *const column_names[N_COLUMNS] = {
	[COL_CODE] = "code",   [COL_PARENT] = "parent", [COL_LEVEL] = "level",
	[COL_NAME] = "name",   [COL_TYPE] = "type",
	[COL_FROM] = "from",   [COL_UNTIL] = "until",
};

/* A data row between steps 1 and 2: offsets into the pool (0 is ""). */
struct row {
	size_t field[N_COLUMNS];
	int line;
};

struct dongbo_units {
	struct dongbo_unit *units;  /* file order */
	uint32_t *slots; /* by code hash: index into units + 1, 0 empty */
	size_t mask;	 /* slots - 1, a power of two minus one */
	size_t n_units;
	char *pool; /* every string the units point to */
};

/* State shared by the libcsv callbacks while a file is read. */
struct loader {
	const char *name; /* file name for messages */
	char *err;
	size_t errlen;
	int rc;	  /* first error; once set, callbacks do nothing */
	int line; /* physical line being fed to libcsv */

	/* The header: which column each file field is, in file order. */
	bool have_header;
	enum column *columns;
	size_t n_columns;
	size_t cap_columns;
	bool seen[N_COLUMNS];

	/* The row being read. */
	size_t n_fields;
	size_t field[N_COLUMNS];

	char *pool;
	size_t pool_len;
	size_t pool_cap;

	struct row *rows;
	size_t n_rows;
	size_t cap_rows;
};

static void units_fail(struct loader *ld, int rc, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void units_fail(struct loader *ld, int rc, int line, const char *fmt, ...)
{
	va_list ap;

	if (ld->rc != 0)
		return;
	ld->rc = rc;
	va_start(ap, fmt);
	/* Shown where it is made (the CLI, the node's log): translated here. */
	dongbo_verrf_at(ld->err, ld->errlen, ld->name, line, _(fmt), ap);
	va_end(ap);
}

/* Returns arr grown to hold need elements of size (updating *cap), or
 * NULL with arr untouched. */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return arr;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return NULL;
		n *= 2;
	}
	q = realloc(arr, n * size);
	if (q != NULL)
		*cap = n;
	return q;
}

/* Copies a field into the pool with a NUL; returns its offset, 0 for "". */
static size_t pool_add(struct loader *ld, const char *s, size_t len)
{
	size_t off;
	char *q;

	if (len == 0)
		return 0;
	q = len < SIZE_MAX / 2 - ld->pool_len
		    ? grow(ld->pool, &ld->pool_cap, ld->pool_len + len + 1, 1)
		    : NULL;
	if (q == NULL) {
		units_fail(ld, DONGBO_E_NOMEM, ld->line, "out of memory");
		return 0;
	}
	ld->pool = q;
	off = ld->pool_len;
	memcpy(ld->pool + off, s, len);
	ld->pool[off + len] = '\0';
	ld->pool_len += len + 1;
	return off;
}

static enum column column_of(const char *s, size_t len)
{
	enum column c;

	for (c = 0; c < N_COLUMNS; c++)
		if (strlen(column_names[c]) == len &&
		    memcmp(column_names[c], s, len) == 0)
			return c;
	return COL_IGNORED;
}

static void header_field(struct loader *ld, const char *s, size_t len)
{
	enum column c = column_of(s, len);
	enum column *q;

	if (c != COL_IGNORED && ld->seen[c]) {
		units_fail(ld, DONGBO_E_CONFIG, ld->line, "duplicate column '%s'",
		     column_names[c]);
		return;
	}
	q = grow(ld->columns, &ld->cap_columns, ld->n_columns + 1, sizeof(*q));
	if (q == NULL) {
		units_fail(ld, DONGBO_E_NOMEM, ld->line, "out of memory");
		return;
	}
	ld->columns = q;
	if (c != COL_IGNORED)
		ld->seen[c] = true;
	ld->columns[ld->n_columns++] = c;
}

static void field_cb(void *data, size_t len, void *user)
{
	struct loader *ld = user;
	enum column c;

	if (ld->rc != 0)
		return;
	if (!ld->have_header) {
		header_field(ld, data, len);
		return;
	}
	/* Extra fields are counted, not kept: the row is refused anyway. */
	if (ld->n_fields < ld->n_columns) {
		c = ld->columns[ld->n_fields];
		if (c != COL_IGNORED)
			ld->field[c] = pool_add(ld, data, len);
	}
	ld->n_fields++;
}

static void header_end(struct loader *ld)
{
	enum column c;

	/* "type", "from" and "until" are optional: absent, "". */
	for (c = 0; c < N_COLUMNS; c++) {
		if (c != COL_TYPE && c != COL_FROM && c != COL_UNTIL &&
		    !ld->seen[c]) {
			units_fail(ld, DONGBO_E_CONFIG, ld->line,
			     "missing required column '%s'", column_names[c]);
			return;
		}
	}
	ld->have_header = true;
}

static bool is_code_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '_' || c == '-';
}

bool dongbo_unit_code_is_valid(const char *s)
{
	size_t len;

	if (s == NULL)
		return false;
	len = strnlen(s, DONGBO_UNIT_CODE_MAX + 1);
	if (len == 0 || len > DONGBO_UNIT_CODE_MAX)
		return false;
	for (; *s; s++)
		if (!is_code_char((unsigned char)*s))
			return false;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The months of a unit's from and until periods (checked by row_check);
 * open sides get 0 and INT_MAX. */
static void in_force_months(const char *from, const char *until,
			    struct dongbo_unit *u)
{
	struct dongbo_period p;
	int first, last;

	u->from_month = 0;
	u->until_month = INT_MAX;
	if (*from != '\0' && dongbo_period_parse(from, &p) == 0) {
		dongbo_period_months(&p, &first, &last);
		u->from_month = first;
	}
	if (*until != '\0' && dongbo_period_parse(until, &p) == 0) {
		dongbo_period_months(&p, &first, &last);
		u->until_month = last;
	}
}

size_t dongbo_unit_subtree_size(const struct dongbo_unit *u)
{
	size_t n = 1;

	for (const struct dongbo_unit *c = u->first_child; c != NULL;
	     c = c->next_sibling)
		n += dongbo_unit_subtree_size(c);
	return n;
}

bool dongbo_unit_in_force(const struct dongbo_unit *u, const char *period)
{
	struct dongbo_period p;
	int first, last;

	if (dongbo_period_parse(period, &p) != 0)
		return false;
	dongbo_period_months(&p, &first, &last);
	return dongbo_unit_in_force_months(u, first, last);
}

bool dongbo_unit_in_force_months(const struct dongbo_unit *u, int first,
				 int last)
{
	return u->from_month <= first && last <= u->until_month;
}

/* Checks one complete data row; 0 or an error recorded in ld. */
static int row_check(struct loader *ld, const size_t *field)
{
	const char *code = ld->pool + field[COL_CODE];
	const char *name = ld->pool + field[COL_NAME];
	const char *level = ld->pool + field[COL_LEVEL];
	const char *type = ld->pool + field[COL_TYPE];
	const char *s;

	if (*code == '\0') {
		units_fail(ld, DONGBO_E_CONFIG, ld->line,
		     "empty code for the unit named '%s'", name);
		return ld->rc;
	}
	if (strlen(code) > DONGBO_UNIT_CODE_MAX) {
		units_fail(ld, DONGBO_E_CONFIG, ld->line,
		     "code longer than %d bytes '%s'", DONGBO_UNIT_CODE_MAX,
		     code);
		return ld->rc;
	}
	for (s = code; *s; s++) {
		if (!is_code_char((unsigned char)*s)) {
			units_fail(ld, DONGBO_E_CONFIG, ld->line,
			     "code has a character outside [0-9A-Za-z_-] '%s'",
			     code);
			return ld->rc;
		}
	}
	if (*level == '\0' || *name == '\0') {
		units_fail(ld, DONGBO_E_CONFIG, ld->line, "empty %s for unit '%s'",
		     *level == '\0' ? "level" : "name", code);
		return ld->rc;
	}
	for (int side = 0; side < 2; side++) {
		const char *p = ld->pool + field[side ? COL_UNTIL : COL_FROM];
		char canon[DONGBO_PERIOD_MAX];

		if (*p != '\0' && dongbo_period_canonical(p, canon) != 0) {
			units_fail(ld, DONGBO_E_CONFIG, ld->line,
			     "%s of unit '%s' is not a period (2025M07, "
			     "2025Q3, 2025S2, 2025) '%s'",
			     side ? "until" : "from", code, p);
			return ld->rc;
		}
	}
	{
		struct dongbo_unit span;

		in_force_months(ld->pool + field[COL_FROM],
				ld->pool + field[COL_UNTIL], &span);
		if (span.from_month > span.until_month) {
			units_fail(ld, DONGBO_E_CONFIG, ld->line,
			     "unit '%s' is in force until '%s', before it "
			     "comes into force from '%s'", code,
			     ld->pool + field[COL_UNTIL],
			     ld->pool + field[COL_FROM]);
			return ld->rc;
		}
	}
	/* A quoted field may hold a tab or a newline; no name should. */
	if (has_control(name) || has_control(level) || has_control(type)) {
		units_fail(ld, DONGBO_E_CONFIG, ld->line,
		     "control character in the name, level or type of unit '%s'",
		     code);
		return ld->rc;
	}
	return 0;
}

static void row_cb(int c, void *user)
{
	struct loader *ld = user;
	struct row *r;

	(void)c; /* the character that ended the row: CR, LF or -1 at EOF */
	if (ld->rc != 0)
		return;
	if (!ld->have_header) {
		header_end(ld);
		return;
	}
	if (ld->n_fields != ld->n_columns) {
		units_fail(ld, DONGBO_E_CONFIG, ld->line,
		     "row has %zu fields where the header has %zu, at code '%s'",
		     ld->n_fields, ld->n_columns, ld->pool + ld->field[COL_CODE]);
		return;
	}
	if (row_check(ld, ld->field) != 0)
		return;
	r = grow(ld->rows, &ld->cap_rows, ld->n_rows + 1, sizeof(*r));
	if (r == NULL) {
		units_fail(ld, DONGBO_E_NOMEM, ld->line, "out of memory");
		return;
	}
	ld->rows = r;
	r = &ld->rows[ld->n_rows++];
	memcpy(r->field, ld->field, sizeof(r->field));
	r->line = ld->line;
	memset(ld->field, 0, sizeof(ld->field));
	ld->n_fields = 0;
}

/* Step 1: reads f through libcsv into ld's rows and pool. */
static void read_rows(struct loader *ld, FILE *f)
{
	struct csv_parser csv;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	/* csv_init() fails only on a NULL parser; the buffer comes later. */
	csv_init(&csv, 0);
	csv_set_delim(&csv, '\t');
	while (ld->rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		const char *s = line;
		size_t len = (size_t)n;

		ld->line++;
		/* Spreadsheets save UTF-8 with a byte-order mark. */
		if (ld->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			len -= 3;
		}
		if (memchr(s, '\0', len) != NULL) {
			units_fail(ld, DONGBO_E_CONFIG, ld->line, "NUL byte in line");
			break;
		}
		if (csv_parse(&csv, s, len, field_cb, row_cb, ld) != len)
			units_fail(ld, DONGBO_E_NOMEM, ld->line, "%s",
			     csv_strerror(csv_error(&csv)));
	}
	if (ld->rc == 0 && !feof(f))
		units_fail(ld, ferror(f) ? DONGBO_E_IO : DONGBO_E_NOMEM, ld->line,
		     "cannot read: %s", strerror(errno));
	/* Flushes a last row that has no line ending. */
	if (ld->rc == 0)
		csv_fini(&csv, field_cb, row_cb, ld);
	if (ld->rc == 0 && !ld->have_header)
		units_fail(ld, DONGBO_E_CONFIG, 1, "no header line naming the columns");
	if (ld->rc == 0 && ld->n_rows == 0)
		units_fail(ld, DONGBO_E_CONFIG, ld->line, "no units after the header");
	csv_free(&csv);
	free(line);
}

/* FNV-1a: unit codes are short digit strings. */
static uint32_t code_hash(const char *code)
{
	uint32_t h = 2166136261u;

	for (; *code != '\0'; code++)
		h = (h ^ (unsigned char)*code) * 16777619u;
	return h;
}

/* The slot holding code, or the empty slot where it would go. */
static uint32_t *index_slot(const struct dongbo_units *us, const char *code)
{
	size_t i = code_hash(code) & us->mask;

	/* At most half the slots are used, so an empty one ends the probe. */
	while (us->slots[i] != 0 &&
	       strcmp(us->units[us->slots[i] - 1].code, code) != 0)
		i = (i + 1) & us->mask;
	return &us->slots[i];
}

static struct dongbo_unit *index_find(const struct dongbo_units *us,
				      const char *code)
{
	uint32_t at = *index_slot(us, code);

	return at != 0 ? &us->units[at - 1] : NULL;
}

/* Steps 2 and 3: units, index and links from ld's rows; 0 or error. */
static int build(struct loader *ld, struct dongbo_units *us)
{
	struct dongbo_unit *u, *p;
	size_t i, n = ld->n_rows;
	int depth;

	/* Slots hold 32-bit indices. */
	if (n > UINT32_MAX / 4) {
		units_fail(ld, DONGBO_E_NOMEM, 0, "out of memory");
		return ld->rc;
	}
	for (us->mask = 15; us->mask + 1 < 2 * n;)
		us->mask = us->mask * 2 + 1;
	us->units = calloc(n, sizeof(*us->units));
	us->slots = calloc(us->mask + 1, sizeof(*us->slots));
	if (us->units == NULL || us->slots == NULL) {
		units_fail(ld, DONGBO_E_NOMEM, 0, "out of memory");
		return ld->rc;
	}
	us->n_units = n;
	for (i = 0; i < n; i++) {
		const size_t *f = ld->rows[i].field;

		u = &us->units[i];
		u->code = ld->pool + f[COL_CODE];
		u->name = ld->pool + f[COL_NAME];
		u->level = ld->pool + f[COL_LEVEL];
		u->type = ld->pool + f[COL_TYPE];
		in_force_months(ld->pool + f[COL_FROM], ld->pool + f[COL_UNTIL],
				u);
	}

	for (i = 0; i < n; i++) {
		uint32_t *slot = index_slot(us, us->units[i].code);

		if (*slot != 0) {
			units_fail(ld, DONGBO_E_CONFIG, ld->rows[i].line,
			     "duplicate code '%s' (first on line %d)",
			     us->units[i].code, ld->rows[*slot - 1].line);
			return ld->rc;
		}
		*slot = (uint32_t)i + 1;
	}

	for (i = 0; i < n; i++) {
		const char *parent = ld->pool + ld->rows[i].field[COL_PARENT];

		if (*parent == '\0')
			continue;
		p = index_find(us, parent);
		if (p == NULL) {
			units_fail(ld, DONGBO_E_CONFIG, ld->rows[i].line,
			     "unknown parent '%s'", parent);
			return ld->rc;
		}
		us->units[i].parent = p;
	}
	/* Prepending in reverse file order leaves children in file order. */
	for (i = n; i-- > 0;) {
		u = &us->units[i];
		if (u->parent != NULL) {
			u->next_sibling = u->parent->first_child;
			u->parent->first_child = u;
		}
	}
	/* A walk that has not reached a root after DEPTH_MAX steps is in or
	 * under a cycle, or the tree is deeper than we allow: both refused. */
	for (i = 0; i < n; i++) {
		u = &us->units[i];
		depth = 0;
		for (p = u->parent; p != NULL; p = p->parent) {
			if (++depth >= DONGBO_UNITS_DEPTH_MAX) {
				units_fail(ld, DONGBO_E_CONFIG, ld->rows[i].line,
				     "cycle or hierarchy deeper than %d levels "
				     "at unit '%s'",
				     DONGBO_UNITS_DEPTH_MAX, u->code);
				return ld->rc;
			}
		}
		u->depth = depth;
	}
	return 0;
}

static int parse_stream(const char *name, FILE *f, struct dongbo_units **out,
			char *err, size_t errlen)
{
	struct loader ld = { .name = name, .err = err, .errlen = errlen };
	struct dongbo_units *us;

	/* Offset 0 of the pool is the shared empty string. */
	ld.pool = malloc(1);
	if (ld.pool == NULL)
		return DONGBO_E_NOMEM;
	ld.pool[0] = '\0';
	ld.pool_len = ld.pool_cap = 1;

	read_rows(&ld, f);
	if (ld.rc != 0)
		goto err_after_pool;
	us = calloc(1, sizeof(*us));
	if (us == NULL) {
		ld.rc = DONGBO_E_NOMEM;
		goto err_after_pool;
	}
	/* The pool no longer grows: pointers into it are now stable. */
	if (build(&ld, us) != 0)
		goto err_after_units;
	us->pool = ld.pool;
	free(ld.rows);
	free(ld.columns);
	*out = us;
	return 0;

err_after_units:
	dongbo_units_free(us);
err_after_pool:
	free(ld.pool);
	free(ld.rows);
	free(ld.columns);
	return ld.rc;
}

int dongbo_units_load(const char *path, struct dongbo_units **out, char *err,
		      size_t errlen)
{
	FILE *f;
	int rc;

	if (path == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if ((rc = dongbo_file_open(path, &f, err, errlen)) != 0)
		return rc;
	rc = parse_stream(path, f, out, err, errlen);
	fclose(f);
	return rc;
}

int dongbo_units_parse(const char *name, const char *buf, size_t len,
		       struct dongbo_units **out, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	if (name == NULL || buf == NULL || out == NULL)
		return DONGBO_E_INVAL;
	if ((rc = dongbo_mem_open(buf, len, &f)) != 0)
		return rc;
	rc = parse_stream(name, f, out, err, errlen);
	fclose(f);
	return rc;
}

void dongbo_units_free(struct dongbo_units *units)
{
	if (units == NULL)
		return;
	free(units->slots);
	free(units->units);
	free(units->pool);
	free(units);
}

const struct dongbo_unit *dongbo_units_find(const struct dongbo_units *units,
					    const char *code)
{
	if (units == NULL || code == NULL)
		return NULL;
	return index_find(units, code);
}

size_t dongbo_units_count(const struct dongbo_units *units)
{
	return units ? units->n_units : 0;
}

bool dongbo_unit_is_within(const struct dongbo_unit *u,
			   const struct dongbo_unit *root)
{
	if (u == NULL || root == NULL)
		return false;
	/* Depths let us climb straight to root's level and compare once. */
	while (u != NULL && u->depth > root->depth)
		u = u->parent;
	return u == root;
}

const struct dongbo_unit *dongbo_unit_child_toward(const struct dongbo_unit *anchor,
						   const struct dongbo_unit *u)
{
	if (anchor == NULL || u == NULL)
		return NULL;
	while (u != NULL && u->depth > anchor->depth + 1)
		u = u->parent;
	if (u == NULL || u->parent != anchor)
		return NULL;
	return u;
}
