/*
 * output.c -- aligned text tables and JSON for people and scripts.
 *
 * Widths are display columns, not bytes: "Thành phố Bắc Giang" is 19
 * columns but 25 bytes.  libc's mbrtowc/wcwidth do the counting under a
 * UTF-8 LC_CTYPE; main() makes sure one is in force.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "cli.h"
#include "util.h"

int out_char_width(const char *s, size_t len, mbstate_t *st, size_t *n)
{
	wchar_t wc;
	int w;

	*n = mbrtowc(&wc, s, len, st);
	if (*n == (size_t)-1 || *n == (size_t)-2 || *n == 0) {
		/* Not UTF-8: count the byte as one column. */
		memset(st, 0, sizeof(*st));
		*n = 1;
		return 1;
	}
	w = wcwidth(wc);
	return w > 0 ? w : 0;
}

int out_width(const char *s)
{
	mbstate_t st;
	size_t len = strlen(s);
	int width = 0;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		size_t n;

		width += out_char_width(s, len, &st, &n);
		s += n;
		len -= n;
	}
	return width;
}

void out_json_unit(json_t *o, const Dongbo__UnitInfo *u)
{
	json_object_set_new(o, "unit", json_string(u->code));
	json_object_set_new(o, "name", json_string(u->name));
}

void out_pad(FILE *f, const char *s, int width, bool right)
{
	int pad = width - out_width(s);

	if (right)
		fprintf(f, "%*s%s", pad > 0 ? pad : 0, "", s);
	else
		fprintf(f, "%s%*s", s, pad > 0 ? pad : 0, "");
}

void out_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, len, _("never"));
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *out_json_time(int64_t ms)
{
	char buf[32];

	if (ms <= 0)
		return json_null();
	out_time(ms, buf, sizeof(buf));
	return json_string(buf);
}

void out_json(json_t *doc)
{
	size_t flags = JSON_PRESERVE_ORDER;

	flags |= isatty(STDOUT_FILENO) ? JSON_INDENT(2) : JSON_COMPACT;
	json_dumpf(doc, stdout, flags);
	fputc('\n', stdout);
	json_decref(doc);
}

#define TABLE_COLS_MAX 8

struct table {
	int n_cols;
	bool right[TABLE_COLS_MAX];
	char **cells; /* row-major, header row first */
	size_t n_rows, cap;
};

struct table *table_new(int n_cols, const char *const *headers,
			const bool *right_align)
{
	struct table *t = calloc(1, sizeof(*t));
	const char *shown[TABLE_COLS_MAX];

	if (t == NULL || n_cols > TABLE_COLS_MAX) {
		free(t);
		return NULL;
	}
	t->n_cols = n_cols;
	for (int i = 0; i < n_cols; i++) {
		t->right[i] = right_align != NULL && right_align[i];
		shown[i] = _(headers[i]);
	}
	table_add(t, shown);
	return t;
}

void table_add(struct table *t, const char *const *cells)
{
	if (t == NULL)
		return;
	char **c = dongbo_grow(t->cells, &t->cap, t->n_rows,
			       (size_t)t->n_cols * sizeof(*c), 16);

	if (c == NULL)
		return;
	t->cells = c;
	for (int i = 0; i < t->n_cols; i++)
		t->cells[t->n_rows * t->n_cols + i] = strdup(cells[i] ? cells[i] : "");
	t->n_rows++;
}

void table_print(struct table *t, FILE *f, int indent)
{
	int widths[TABLE_COLS_MAX] = { 0 };

	if (t == NULL)
		return;
	for (size_t r = 0; r < t->n_rows; r++)
		for (int c = 0; c < t->n_cols; c++) {
			const char *s = t->cells[r * t->n_cols + c];
			int w = out_width(s ? s : "");

			if (w > widths[c])
				widths[c] = w;
		}
	for (size_t r = 0; r < t->n_rows; r++) {
		fprintf(f, "%*s", indent, "");
		for (int c = 0; c < t->n_cols; c++) {
			const char *s = t->cells[r * t->n_cols + c];
			bool last = c == t->n_cols - 1;

			if (last && !t->right[c])
				fputs(s ? s : "", f);
			else
				out_pad(f, s ? s : "", widths[c], t->right[c]);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	table_free(t);
}

void table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_rows * (size_t)t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
