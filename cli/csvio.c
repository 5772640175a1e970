/*
 * csvio.c -- reading and writing the import/export CSV with libcsv.
 *
 * The file is fed to libcsv one line at a time, so that each row is known
 * by the line it ends on: that is the line named in every message, by the
 * CLI and by the node (PutItem.line).  A field that would span lines is
 * refused, so a row's line is also where it starts.
 */
#include "csvio.h"

#include <csv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "i18n.h"
#include "period.h"
#include "util.h"

enum col { COL_UNIT, COL_INDICATOR, COL_PERIOD, COL_VALUE, COL_STATED, N_COLS };

static const char *const col_names[N_COLS] = {
	[COL_UNIT] = "unit",	 [COL_INDICATOR] = "indicator",
	[COL_PERIOD] = "period", [COL_VALUE] = "value",
	[COL_STATED] = "stated",
};

/* More fields than this in a row are counted, not kept. */
#define FIELDS_MAX N_COLS

struct row_off {
	size_t field[N_COLS]; /* pool offsets */
	/* The period as a key: canonical ("2022q3" and "2022Q3" are one
	 * key), or as written when malformed (the node names it). */
	size_t period_key;
	bool stated;
	unsigned line;
};

struct reader {
	const char *name;
	char *err;
	size_t errlen;
	int rc;
	unsigned line;
	char sep;
	bool have_header;
	size_t n_columns;
	enum col col_of[FIELDS_MAX]; /* file column -> meaning */
	size_t field[FIELDS_MAX];    /* current row: pool offsets */
	size_t n_fields;	     /* may exceed FIELDS_MAX */
	bool spans_lines;
	char *pool;
	size_t pool_len, pool_cap;
	struct row_off *rows;
	size_t n_rows, cap_rows;
};

static void csv_fail(struct reader *rd, int code, unsigned line,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void csv_fail(struct reader *rd, int code, unsigned line,
		     const char *fmt, ...)
{
	va_list ap;

	if (rd->rc != 0)
		return; /* the first error is the one reported */
	rd->rc = code;
	/* The messages are for the person importing (po/ extracts the
	 * formats of csv_fail calls). */
	va_start(ap, fmt);
	dongbo_verrf_at(rd->err, rd->errlen, rd->name, line, _(fmt), ap);
	va_end(ap);
}

/* Appends len bytes and a NUL to the pool; returns the offset or SIZE_MAX
 * when out of memory. */
static size_t pool_add(struct reader *rd, const char *s, size_t len)
{
	size_t off = rd->pool_len;

	if (rd->pool_len + len + 1 > rd->pool_cap) {
		size_t cap = rd->pool_cap ? rd->pool_cap : 4096;
		char *p;

		while (cap < rd->pool_len + len + 1)
			cap *= 2;
		if ((p = realloc(rd->pool, cap)) == NULL)
			return SIZE_MAX;
		rd->pool = p;
		rd->pool_cap = cap;
	}
	if (len > 0)
		memcpy(rd->pool + off, s, len);
	rd->pool[off + len] = '\0';
	rd->pool_len += len + 1;
	return off;
}

static void field_cb(void *s, size_t len, void *data)
{
	struct reader *rd = data;
	size_t off;

	if (rd->rc != 0)
		return;
	if (len > 0 && (memchr(s, '\n', len) != NULL ||
			memchr(s, '\r', len) != NULL))
		rd->spans_lines = true;
	if (rd->n_fields < FIELDS_MAX) {
		off = pool_add(rd, s, len);
		if (off == SIZE_MAX) {
			csv_fail(rd, DONGBO_E_NOMEM, rd->line, "out of memory");
			return;
		}
		rd->field[rd->n_fields] = off;
	}
	rd->n_fields++;
}

static void header_row(struct reader *rd)
{
	bool seen[N_COLS] = { false };

	if (rd->n_fields > FIELDS_MAX) {
		csv_fail(rd, DONGBO_E_INVAL, rd->line,
		         "the header has %zu columns; expected unit, indicator, "
		         "period, value and optionally stated", rd->n_fields);
		return;
	}
	for (size_t i = 0; i < rd->n_fields; i++) {
		const char *name = rd->pool + rd->field[i];
		size_t c;

		for (c = 0; c < N_COLS; c++)
			if (strcasecmp(name, col_names[c]) == 0)
				break;
		if (c == N_COLS) {
			csv_fail(rd, DONGBO_E_INVAL, rd->line,
			         "unknown column '%.40s' in the header; expected "
			         "unit, indicator, period, value and optionally "
			         "stated", name);
			return;
		}
		if (seen[c]) {
			csv_fail(rd, DONGBO_E_INVAL, rd->line,
			         "column '%s' twice in the header", col_names[c]);
			return;
		}
		seen[c] = true;
		rd->col_of[i] = (enum col)c;
	}
	for (size_t c = 0; c < COL_STATED; c++)
		if (!seen[c]) {
			csv_fail(rd, DONGBO_E_INVAL, rd->line,
			         "no column '%s' in the header (expected "
			         "unit,indicator,period,value[,stated]; separated "
			         "by ',', ';' or TAB)", col_names[c]);
			return;
		}
	rd->n_columns = rd->n_fields;
	rd->have_header = true;
}

static void data_row(struct reader *rd)
{
	struct row_off r = { .line = rd->line };
	bool have[N_COLS] = { false };

	if (rd->n_fields == 1 && rd->pool[rd->field[0]] == '\0')
		return; /* a line of spaces only */
	if (rd->n_fields != rd->n_columns) {
		csv_fail(rd, DONGBO_E_INVAL, rd->line,
		         "%zu fields where the header has %zu%s", rd->n_fields,
		         rd->n_columns,
		         rd->sep == ',' && rd->n_fields > rd->n_columns
			 ? _("; a value written with a comma must be "
			     "quoted, as in \"1.234,5\"")
			 : "");
		return;
	}
	for (size_t i = 0; i < rd->n_fields; i++) {
		r.field[rd->col_of[i]] = rd->field[i];
		have[rd->col_of[i]] = true;
	}
	for (size_t c = 0; c < COL_STATED; c++)
		if (rd->pool[r.field[c]] == '\0') {
			csv_fail(rd, DONGBO_E_INVAL, rd->line, "empty %s",
			         col_names[c]);
			return;
		}
	if (have[COL_STATED]) {
		const char *s = rd->pool + r.field[COL_STATED];

		if (strcmp(s, "1") == 0) {
			r.stated = true;
		} else if (s[0] != '\0' && strcmp(s, "0") != 0) {
			csv_fail(rd, DONGBO_E_INVAL, rd->line,
			         "stated is '%.20s': write 1 for the total the "
			         "unit's report states for its subtree, 0 or "
			         "nothing for a value of the unit", s);
			return;
		}
	}
	{
		char canon[DONGBO_PERIOD_MAX];

		r.period_key = r.field[COL_PERIOD];
		if (dongbo_period_canonical(rd->pool + r.field[COL_PERIOD],
					    canon) == 0 &&
		    (r.period_key = pool_add(rd, canon, strlen(canon))) ==
			    SIZE_MAX) {
			csv_fail(rd, DONGBO_E_NOMEM, rd->line, "out of memory");
			return;
		}
	}
	if (rd->n_rows == rd->cap_rows) {
		size_t cap = rd->cap_rows ? rd->cap_rows * 2 : 64;
		struct row_off *p = realloc(rd->rows, cap * sizeof(*p));

		if (p == NULL) {
			csv_fail(rd, DONGBO_E_NOMEM, rd->line, "out of memory");
			return;
		}
		rd->rows = p;
		rd->cap_rows = cap;
	}
	rd->rows[rd->n_rows++] = r;
}

static void row_cb(int c, void *data)
{
	struct reader *rd = data;

	(void)c;
	if (rd->rc == 0 && rd->spans_lines)
		csv_fail(rd, DONGBO_E_INVAL, rd->line,
		         "a quoted field runs over the end of its line");
	if (rd->rc == 0) {
		if (rd->have_header)
			data_row(rd);
		else
			header_row(rd);
	}
	rd->n_fields = 0;
	rd->spans_lines = false;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

static bool check_text(struct reader *rd, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = u[i] == '\0' ? 0 : utf8_len(u + i, len - i);

		if (u[i] == '\0') {
			csv_fail(rd, DONGBO_E_INVAL, rd->line, "NUL byte");
			return false;
		}
		if (n == 0) {
			csv_fail(rd, DONGBO_E_INVAL, rd->line,
			         "not UTF-8 (byte 0x%02X at byte %zu of the line); "
			         "save the file as UTF-8", u[i], i + 1);
			return false;
		}
		i += n;
	}
	return true;
}

/* The separator the header line uses: the most frequent of ',', ';' and
 * TAB (',' when none). */
static char sniff_separator(const char *s, size_t len)
{
	static const char cands[] = { ',', ';', '\t' };
	size_t best = 0, best_n = 0;

	for (size_t c = 0; c < sizeof(cands); c++) {
		size_t n = 0;

		for (size_t i = 0; i < len && s[i] != '\n'; i++)
			n += s[i] == cands[c];
		if (n > best_n) {
			best = c;
			best_n = n;
		}
	}
	return cands[best];
}

static int space_only(unsigned char c)
{
	return c == ' ';
}

/* Compares the keys of two rows: unit, indicator, period, stated. */
static int key_cmp(const struct reader *rd, const struct row_off *a,
		    const struct row_off *b)
{
	int c;

	if ((c = strcmp(rd->pool + a->field[COL_UNIT],
			rd->pool + b->field[COL_UNIT])) != 0 ||
	    (c = strcmp(rd->pool + a->field[COL_INDICATOR],
			rd->pool + b->field[COL_INDICATOR])) != 0 ||
	    (c = strcmp(rd->pool + a->period_key,
			rd->pool + b->period_key)) != 0)
		return c;
	if (a->stated != b->stated)
		return a->stated ? 1 : -1;
	return 0;
}

/* qsort has no context argument; parsing is not reentrant across threads
 * anyway (the CLI has one). */
static const struct reader *sort_reader;

static int row_cmp(const void *x, const void *y)
{
	const struct row_off *a = x, *b = y;
	const struct reader *rd = sort_reader;
	int c = key_cmp(rd, a, b);

	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Refuses a key given twice, naming both lines (the pair whose later line
 * comes first in the file). */
static void check_duplicates(struct reader *rd)
{
	struct row_off *sorted, *dup = NULL, *first = NULL;

	if (rd->n_rows < 2)
		return;
	sorted = malloc(rd->n_rows * sizeof(*sorted));
	if (sorted == NULL) {
		csv_fail(rd, DONGBO_E_NOMEM, rd->line, "out of memory");
		return;
	}
	memcpy(sorted, rd->rows, rd->n_rows * sizeof(*sorted));
	sort_reader = rd;
	qsort(sorted, rd->n_rows, sizeof(*sorted), row_cmp);
	for (size_t i = 1; i < rd->n_rows; i++) {
		struct row_off *a = &sorted[i - 1], *b = &sorted[i];

		if (key_cmp(rd, a, b) != 0)
			continue;
		if (dup == NULL || b->line < dup->line) {
			dup = b;
			first = a;
		}
	}
	if (dup != NULL && dup->stated)
		csv_fail(rd, DONGBO_E_INVAL, dup->line,
			 "the stated total of %s %s %s is also given on line "
			 "%u", rd->pool + dup->field[COL_UNIT],
			 rd->pool + dup->field[COL_INDICATOR],
			 rd->pool + dup->field[COL_PERIOD], first->line);
	else if (dup != NULL)
		csv_fail(rd, DONGBO_E_INVAL, dup->line,
			 "the value of %s %s %s is also given on line %u",
			 rd->pool + dup->field[COL_UNIT],
			 rd->pool + dup->field[COL_INDICATOR],
			 rd->pool + dup->field[COL_PERIOD], first->line);
	free(sorted);
}

int csvio_parse(const char *name, const char *buf, size_t len,
		struct csvio_rows *out, char *err, size_t errlen)
{
	struct reader rd = { .name = name, .err = err, .errlen = errlen };
	struct csv_parser csv;
	struct csvio_row *rows;
	const char *p = buf, *end = buf + len;

	/* Spreadsheets save UTF-8 with a byte-order mark. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	rd.sep = sniff_separator(p, (size_t)(end - p));
	/* csv_init() fails only on a NULL parser; the buffer comes later. */
	csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI);
	csv_set_delim(&csv, (unsigned char)rd.sep);
	if (rd.sep == '\t')
		csv_set_space_func(&csv, space_only);
	while (rd.rc == 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		rd.line++;
		if (!check_text(&rd, p, n))
			break;
		if (csv_parse(&csv, p, n, field_cb, row_cb, &rd) != n) {
			if (csv_error(&csv) == CSV_EPARSE)
				csv_fail(&rd, DONGBO_E_INVAL, rd.line,
				     "misplaced quote: a field with a quote is "
				     "quoted whole, the quote doubled "
				     "(\"say \"\"hi\"\"\")");
			else
				csv_fail(&rd, DONGBO_E_NOMEM, rd.line, "%s",
				     csv_strerror(csv_error(&csv)));
		}
		p += n;
	}
	/* Flushes a last row that has no line ending. */
	if (rd.rc == 0 && csv_fini(&csv, field_cb, row_cb, &rd) != 0)
		csv_fail(&rd, DONGBO_E_INVAL, rd.line,
		     "a quoted field is not closed at the end of the file");
	csv_free(&csv);
	if (rd.rc == 0 && !rd.have_header)
		csv_fail(&rd, DONGBO_E_INVAL, 1,
		     "empty file: expected a header line "
		     "unit,indicator,period,value[,stated] and rows");
	if (rd.rc == 0 && rd.n_rows == 0)
		csv_fail(&rd, DONGBO_E_INVAL, rd.line, "no rows after the header");
	if (rd.rc == 0)
		check_duplicates(&rd);
	if (rd.rc == 0) {
		rows = malloc(rd.n_rows * sizeof(*rows));
		if (rows == NULL)
			csv_fail(&rd, DONGBO_E_NOMEM, rd.line, "out of memory");
	}
	if (rd.rc != 0) {
		free(rd.rows);
		free(rd.pool);
		return rd.rc;
	}
	for (size_t i = 0; i < rd.n_rows; i++) {
		const struct row_off *r = &rd.rows[i];

		rows[i] = (struct csvio_row){
			.unit = rd.pool + r->field[COL_UNIT],
			.indicator = rd.pool + r->field[COL_INDICATOR],
			.period = rd.pool + r->field[COL_PERIOD],
			.value = rd.pool + r->field[COL_VALUE],
			.stated = r->stated,
			.line = r->line,
		};
	}
	free(rd.rows);
	out->rows = rows;
	out->n = rd.n_rows;
	out->pool = rd.pool;
	return 0;
}

void csvio_rows_fini(struct csvio_rows *rows)
{
	free(rows->rows);
	free(rows->pool);
	memset(rows, 0, sizeof(*rows));
}

/* Writes s, quoted only when it has to be. */
static void put_field(FILE *f, const char *s, bool last)
{
	size_t len = strlen(s);
	bool quote = len > 0 && (strpbrk(s, ",;\t\"\r\n") != NULL ||
				 s[0] == ' ' || s[len - 1] == ' ');

	if (quote)
		csv_fwrite(f, s, len);
	else
		fputs(s, f);
	fputc(last ? '\n' : ',', f);
}

int csvio_write(FILE *f, const struct csvio_row *rows, size_t n)
{
	fputs("unit,indicator,period,value,stated\n", f);
	for (size_t i = 0; i < n; i++) {
		put_field(f, rows[i].unit, false);
		put_field(f, rows[i].indicator, false);
		put_field(f, rows[i].period, false);
		put_field(f, rows[i].value, false);
		put_field(f, rows[i].stated ? "1" : "0", true);
	}
	return ferror(f) ? DONGBO_E_IO : 0;
}
