/* test_tree_view.c -- `dongbo tree` as text (cli/tree_view.c): connectors,
 * columns by display width, --problems, folding, colours, ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tree_view.h"

#define N_MAX 16

struct fx {
	Dongbo__TreeReply t;
	Dongbo__TreeRow rows[N_MAX];
	Dongbo__TreeRow *ptrs[N_MAX];
	Dongbo__UnitInfo units[N_MAX];
	char *out;
	size_t len;
};

static void add(struct fx *f, const char *code, const char *name, int depth,
		const char *kind, const char *host, const char *health,
		uint32_t refused)
{
	size_t i = f->t.n_rows++;
	Dongbo__TreeRow *r = &f->rows[i];

	assert_true(i < N_MAX);
	dongbo__tree_row__init(r);
	dongbo__unit_info__init(&f->units[i]);
	f->units[i].code = (char *)code;
	f->units[i].name = (char *)name;
	f->units[i].level = depth == 0 ? "tinh" : depth == 1 ? "huyen" : "xa";
	r->unit = &f->units[i];
	r->depth = (uint32_t)depth;
	r->kind = (char *)kind;
	r->host = (char *)host;
	r->health = (char *)health;
	r->refused = refused;
	r->waiting = strcmp(kind, "node") == 0 ? 0 : -1;
	r->lag = -1;
	r->age_ms = -1;
	r->last_seen_ms = strcmp(kind, "none") == 0 ? 0 : 1000000 - 12000;
	r->catalog_version = strcmp(kind, "none") == 0 ? 0 : 3;
	f->ptrs[i] = r;
}

/* 24 <- 213 (node) <- 07201 node, 4 hosted ok; 215 (node, offline)
 * <- 07243 never seen. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	dongbo__tree_reply__init(&f->t);
	f->t.rows = f->ptrs;
	f->t.catalog_version = 3;
	f->t.now_ms = 1000000;
	add(f, "24", "Tỉnh Bắc Giang", 0, "node", "", "ok", 0);
	add(f, "213", "Thành phố Bắc Giang", 1, "node", "", "ok", 0);
	add(f, "07201", "Phường Thọ Xương", 2, "node", "", "ok", 2);
	add(f, "07204", "Phường Lê Lợi", 2, "hosted", "213", "ok", 0);
	add(f, "07207", "Phường Ngô Quyền", 2, "hosted", "213", "ok", 0);
	add(f, "07210", "Phường Hoàng Văn Thụ", 2, "hosted", "213", "ok", 0);
	add(f, "07213", "Phường Trần Phú", 2, "hosted", "213", "ok", 0);
	add(f, "215", "Huyện Yên Thế", 1, "node", "", "offline", 0);
	add(f, "07243", "Xã Đồng Tiến", 2, "none", "", "never seen", 0);
	f->t.root = &f->units[0];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->out);
	free(f);
	return 0;
}

static const char *print(struct fx *f, struct tree_view_opts o)
{
	FILE *m;

	free(f->out);
	f->out = NULL;
	assert_non_null(m = open_memstream(&f->out, &f->len));
	tree_view_print(m, &f->t, &o);
	fclose(m);
	return f->out;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* Display columns before the first occurrence of what in line. */
static int col_of(const char *line, const char *what)
{
	const char *p = strstr(line, what);
	char buf[512];

	assert_non_null(p);
	assert_true((size_t)(p - line) < sizeof(buf));
	memcpy(buf, line, (size_t)(p - line));
	buf[p - line] = '\0';
	return out_width(buf);
}

static void every_unit_on_a_line_with_connectors_and_aligned_columns(void **state)
{
	struct fx *f = *state;
	const char *out = print(f, (struct tree_view_opts){ .all = true,
							    .max_depth = -1 });
	char *copy = strdup(out), *save = NULL;
	int node_col = -1, seen_col = -1, lines = 0;

	assert_non_null(strstr(out, "\n├── 213 Thành phố Bắc Giang"));
	assert_non_null(strstr(out, "\n│   ├── 07201 Phường Thọ Xương"));
	assert_non_null(strstr(out, "\n│   └── 07213 Phường Trần Phú"));
	assert_non_null(strstr(out, "\n└── 215 Huyện Yên Thế"));
	assert_non_null(strstr(out, "\n    └── 07243 Xã Đồng Tiến"));
	assert_non_null(strstr(out, "12 s ago"));
	assert_non_null(strstr(out, "hosted at 213"));
	assert_null(strstr(out, "\033"));
	for (char *l = strtok_r(copy, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save), lines++) {
		if (lines == 0) {
			node_col = col_of(l, "NODE");
			seen_col = col_of(l, "LAST SEEN");
			continue;
		}
		if (strstr(l, " unit") != NULL && strstr(l, "attention"))
			break; /* the summary */
		if (strstr(l, "hosted at") != NULL)
			assert_int_equal(col_of(l, "hosted at"), node_col);
		else if (strstr(l, " node ") != NULL)
			assert_int_equal(col_of(l, " node ") + 1, node_col);
		if (strstr(l, " ago") != NULL)
			assert_int_equal(col_of(l, "12 s ago"), seen_col);
		assert_true(l[strlen(l) - 1] != ' ');
	}
	assert_int_equal(lines, 1 + 9);
	free(copy);
	assert_non_null(strstr(out, "\n\n24 Tỉnh Bắc Giang: 9 units, 4 nodes, "
				"4 hosted; 3 need attention\n"));
}

static void alike_hosted_leaves_fold_into_one_line(void **state)
{
	struct fx *f = *state;
	const char *out = print(f, (struct tree_view_opts){ .max_depth = -1 });

	assert_non_null(strstr(out, "\n│   └── … and 4 more"));
	assert_null(strstr(out, "07204"));
	assert_non_null(strstr(out, "07201")); /* refused: not folded */
	/* Two never-seen leaves are too few to fold. */
	assert_non_null(strstr(out, "07243"));
}

static void problems_show_attention_and_the_way_to_it(void **state)
{
	struct fx *f = *state;
	const char *out = print(f, (struct tree_view_opts){ .problems = true,
							    .max_depth = -1 });

	assert_non_null(strstr(out, "24 Tỉnh"));
	assert_non_null(strstr(out, "├── 213"));
	assert_non_null(strstr(out, "07201"));
	assert_non_null(strstr(out, "215 Huyện Yên Thế"));
	assert_non_null(strstr(out, "07243"));
	assert_null(strstr(out, "07204"));
	assert_null(strstr(out, "… and"));
	assert_null(strstr(out, "Trần Phú"));
	/* Hosted at an offline node: they need attention, and fold. */
	for (int i = 3; i <= 6; i++)
		f->rows[i].health = "offline";
	out = print(f, (struct tree_view_opts){ .problems = true,
						.max_depth = -1 });
	assert_non_null(strstr(out, "└── … and 4 more"));
	assert_non_null(strstr(out, "hosted at 213  offline"));
	assert_null(strstr(out, "Trần Phú"));
}

static void depth_limits_the_levels(void **state)
{
	struct fx *f = *state;
	const char *out = print(f, (struct tree_view_opts){ .max_depth = 1 });

	assert_non_null(strstr(out, "└── 215"));
	assert_null(strstr(out, "07201"));
	assert_null(strstr(out, "… and"));
	/* The summary still counts every unit. */
	assert_non_null(strstr(out, "9 units"));
}

static void health_is_coloured_only_when_asked(void **state)
{
	struct fx *f = *state;
	const char *out = print(f, (struct tree_view_opts){ .all = true,
							    .color = true,
							    .max_depth = -1 });

	assert_int_equal(count(out, "\033[32mok\033[0m"), 7);
	assert_int_equal(count(out, "\033[31moffline\033[0m"), 1);
	assert_int_equal(count(out, "\033[2mnever seen\033[0m"), 1);
}

static void attention_means_not_ok_refused_or_an_older_catalog(void **state)
{
	struct fx *f = *state;

	assert_false(tree_view_needs_attention(&f->rows[1], 3));
	assert_true(tree_view_needs_attention(&f->rows[2], 3)); /* refused */
	assert_true(tree_view_needs_attention(&f->rows[7], 3)); /* offline */
	assert_true(tree_view_needs_attention(&f->rows[1], 4)); /* catalog */
	assert_false(tree_view_needs_attention(&f->rows[8], 0) == false);
}

static void ages_read_as_people_say_them(void **state)
{
	char b[32];

	(void)state;
	tree_view_age(-1, b, sizeof(b));
	assert_string_equal(b, "never");
	tree_view_age(400, b, sizeof(b));
	assert_string_equal(b, "now");
	tree_view_age(12000, b, sizeof(b));
	assert_string_equal(b, "12 s ago");
	tree_view_age(5 * 60000, b, sizeof(b));
	assert_string_equal(b, "5 min ago");
	tree_view_age(3LL * 3600000, b, sizeof(b));
	assert_string_equal(b, "3 h ago");
	tree_view_age(3LL * 86400000, b, sizeof(b));
	assert_string_equal(b, "3 d ago");
}

static void json_rows_are_filtered_never_folded(void **state)
{
	struct fx *f = *state;
	json_t *doc = tree_view_json(&f->t, &(struct tree_view_opts){
						    .problems = true,
						    .max_depth = -1 });
	json_t *rows = json_object_get(doc, "rows");

	assert_int_equal(json_array_size(rows), 5);
	assert_int_equal(json_integer_value(json_object_get(doc,
							    "need_attention")),
			 3);
	assert_true(json_is_null(json_object_get(json_array_get(rows, 0),
						 "host")));
	json_decref(doc);
	doc = tree_view_json(&f->t, &(struct tree_view_opts){ .max_depth = -1 });
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), 9);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(every_unit_on_a_line_with_connectors_and_aligned_columns),
		T(alike_hosted_leaves_fold_into_one_line),
		T(problems_show_attention_and_the_way_to_it),
		T(depth_limits_the_levels),
		T(health_is_coloured_only_when_asked),
		T(attention_means_not_ok_refused_or_an_older_catalog),
		T(json_rows_are_filtered_never_folded),
		cmocka_unit_test(ages_read_as_people_say_them),
#undef T
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
