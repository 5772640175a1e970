/* test_units.c -- the unit list: real data files, tree links, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "units.h"

#define FILE_03 DONGBO_DATA_DIR "/dvhc-2025-03.tsv"
#define FILE_07 DONGBO_DATA_DIR "/dvhc-2025-07.tsv"

#define HEADER "code\tparent\tlevel\tname\n"

static char err[512];

/* Parses text as "t.tsv"; the units, or NULL with the code in *rc. */
static struct dongbo_units *parse(const char *text, int *rc)
{
	struct dongbo_units *us = NULL;

	err[0] = '\0';
	*rc = dongbo_units_parse("t.tsv", text, strlen(text), &us, err,
				 sizeof(err));
	if (*rc != 0)
		assert_null(us);
	return us;
}

static void assert_parses(const char *text, size_t n)
{
	struct dongbo_units *us;
	int rc;

	us = parse(text, &rc);
	if (rc != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(dongbo_units_count(us), n);
	dongbo_units_free(us);
}

/* Refused with DONGBO_E_CONFIG and a message containing want. */
static void assert_refused(const char *text, const char *want)
{
	int rc;

	assert_null(parse(text, &rc));
	assert_int_equal(rc, DONGBO_E_CONFIG);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
}

/*
 * Reads the code and parent columns (the first two in both data files) of
 * path independently of the loader, checks that each unit was loaded with
 * that parent and a depth one more than its parent's, and counts the units
 * per depth into n_depth[0..2].
 */
static void census(const char *path, const struct dongbo_units *us,
		   size_t n_depth[3])
{
	char line[1024], *code, *parent, *tab;
	const struct dongbo_unit *u;
	FILE *f;

	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	n_depth[0] = n_depth[1] = n_depth[2] = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		code = line;
		tab = strchr(code, '\t');
		assert_non_null(tab);
		*tab = '\0';
		parent = tab + 1;
		tab = strchr(parent, '\t');
		assert_non_null(tab);
		*tab = '\0';
		u = dongbo_units_find(us, code);
		if (u == NULL)
			fail_msg("unit '%s' not found", code);
		if (*parent == '\0') {
			assert_null(u->parent);
			assert_int_equal(u->depth, 0);
		} else {
			assert_non_null(u->parent);
			assert_string_equal(u->parent->code, parent);
			assert_int_equal(u->depth, u->parent->depth + 1);
		}
		assert_true(u->depth >= 0 && u->depth < 3);
		n_depth[u->depth]++;
	}
	fclose(f);
}

/* ---- real data ------------------------------------------------------------ */

static void units_2025_03_loads_10806_units_in_three_levels(void **state)
{
	struct dongbo_units *us = NULL;
	size_t n[3];

	(void)state;
	if (dongbo_units_load(FILE_03, &us, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(dongbo_units_count(us), 10806);
	census(FILE_03, us, n);
	assert_int_equal(n[0], 63);
	assert_int_equal(n[1], 696);
	assert_int_equal(n[2], 10047);
	assert_string_equal(dongbo_units_find(us, "001")->level, "huyen");
	assert_string_equal(dongbo_units_find(us, "01")->name,
			    "Thành phố Hà Nội");
	assert_string_equal(dongbo_units_find(us, "01")->type,
			    "Thành phố Trung ương");
	dongbo_units_free(us);
}

static void units_2025_07_loads_3355_units_in_two_levels(void **state)
{
	struct dongbo_units *us = NULL;
	size_t n[3];

	(void)state;
	if (dongbo_units_load(FILE_07, &us, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(dongbo_units_count(us), 3355);
	census(FILE_07, us, n);
	assert_int_equal(n[0], 34);
	assert_int_equal(n[1], 3321);
	assert_int_equal(n[2], 0);
	assert_string_equal(dongbo_units_find(us, "00004")->level, "xa");
	/* This file has no "type" column. */
	assert_string_equal(dongbo_units_find(us, "00004")->type, "");
	assert_string_equal(dongbo_units_find(us, "00004")->name,
			    "Phường Ba Đình");
	dongbo_units_free(us);
}

static void units_10k_load_takes_well_under_a_second(void **state)
{
	struct dongbo_units *us = NULL;
	struct timespec t0, t1;
	double ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dongbo_units_load(FILE_03, &us, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("loaded %zu units in %.1f ms\n", dongbo_units_count(us),
		      ms);
	/* The target is well under 100 ms; the bound leaves room for
	 * sanitizers and loaded CI machines. */
	assert_true(ms < 1000.0);
	dongbo_units_free(us);
}

static void bac_giang_children_and_grandchildren_are_linked(void **state)
{
	struct dongbo_units *us = NULL;
	const struct dongbo_unit *bg, *tp, *yt, *tx, *c;
	bool saw_213 = false, saw_215 = false;

	(void)state;
	assert_int_equal(dongbo_units_load(FILE_03, &us, err, sizeof(err)), 0);
	bg = dongbo_units_find(us, "24");
	tp = dongbo_units_find(us, "213");
	yt = dongbo_units_find(us, "215");
	tx = dongbo_units_find(us, "07201");
	assert_non_null(bg);
	assert_non_null(tp);
	assert_non_null(yt);
	assert_non_null(tx);
	assert_string_equal(bg->name, "Tỉnh Bắc Giang");
	assert_null(bg->parent);
	assert_int_equal(bg->depth, 0);
	assert_string_equal(tp->name, "Thành phố Bắc Giang");
	assert_ptr_equal(tp->parent, bg);
	assert_ptr_equal(yt->parent, bg);
	assert_int_equal(tp->depth, 1);
	assert_string_equal(tx->name, "Phường Thọ Xương");
	assert_ptr_equal(tx->parent, tp);
	assert_int_equal(tx->depth, 2);
	assert_null(tx->first_child);

	/* Children in file order: 213 comes first, 215 later. */
	assert_ptr_equal(bg->first_child, tp);
	for (c = bg->first_child; c != NULL; c = c->next_sibling) {
		assert_ptr_equal(c->parent, bg);
		if (c == yt)
			assert_true(saw_213);
		saw_213 |= c == tp;
		saw_215 |= c == yt;
	}
	assert_true(saw_215);
	for (c = tp->first_child; c != NULL && c != tx; c = c->next_sibling)
		;
	assert_ptr_equal(c, tx);
	dongbo_units_free(us);
}

static void is_within_follows_ancestors_only(void **state)
{
	struct dongbo_units *us = NULL;
	const struct dongbo_unit *bg, *tp, *yt, *tx, *hn;

	(void)state;
	assert_int_equal(dongbo_units_load(FILE_03, &us, err, sizeof(err)), 0);
	bg = dongbo_units_find(us, "24");
	tp = dongbo_units_find(us, "213");
	yt = dongbo_units_find(us, "215");
	tx = dongbo_units_find(us, "07201");
	hn = dongbo_units_find(us, "01");
	assert_true(dongbo_unit_is_within(tx, tx));
	assert_true(dongbo_unit_is_within(tx, tp));
	assert_true(dongbo_unit_is_within(tx, bg));
	assert_true(dongbo_unit_is_within(tp, bg));
	assert_false(dongbo_unit_is_within(bg, tp));
	assert_false(dongbo_unit_is_within(tx, yt));
	assert_false(dongbo_unit_is_within(tx, hn));
	assert_false(dongbo_unit_is_within(yt, tp));
	assert_false(dongbo_unit_is_within(NULL, bg));
	assert_false(dongbo_unit_is_within(tx, NULL));
	dongbo_units_free(us);
}

static void child_toward_names_the_next_step_down(void **state)
{
	struct dongbo_units *us = NULL;
	const struct dongbo_unit *bg, *tp, *yt, *tx, *hn;

	(void)state;
	assert_int_equal(dongbo_units_load(FILE_03, &us, err, sizeof(err)), 0);
	bg = dongbo_units_find(us, "24");
	tp = dongbo_units_find(us, "213");
	yt = dongbo_units_find(us, "215");
	tx = dongbo_units_find(us, "07201");
	hn = dongbo_units_find(us, "01");
	assert_ptr_equal(dongbo_unit_child_toward(bg, tx), tp);
	assert_ptr_equal(dongbo_unit_child_toward(bg, tp), tp);
	assert_ptr_equal(dongbo_unit_child_toward(tp, tx), tx);
	assert_null(dongbo_unit_child_toward(bg, bg));
	assert_null(dongbo_unit_child_toward(tx, tx));
	assert_null(dongbo_unit_child_toward(yt, tx));
	assert_null(dongbo_unit_child_toward(hn, tx));
	assert_null(dongbo_unit_child_toward(tx, bg));
	assert_null(dongbo_unit_child_toward(NULL, tx));
	assert_null(dongbo_unit_child_toward(bg, NULL));
	dongbo_units_free(us);
}

static void find_returns_null_for_unknown_code(void **state)
{
	struct dongbo_units *us;
	int rc;

	(void)state;
	us = parse(HEADER "1\t\tt\tOne\n2\t1\tx\tTwo\n", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(dongbo_units_find(us, "1"));
	assert_non_null(dongbo_units_find(us, "2"));
	assert_null(dongbo_units_find(us, "3"));
	assert_null(dongbo_units_find(us, ""));
	assert_null(dongbo_units_find(us, NULL));
	assert_null(dongbo_units_find(NULL, "1"));
	dongbo_units_free(us);
}

static void missing_file_is_an_io_error_naming_the_path(void **state)
{
	struct dongbo_units *us = NULL;

	(void)state;
	assert_int_equal(dongbo_units_load("/nonexistent/u.tsv", &us, err,
					   sizeof(err)),
			 DONGBO_E_IO);
	assert_null(us);
	assert_non_null(strstr(err, "/nonexistent/u.tsv"));
}

/* ---- accepted variations -------------------------------------------------- */

static void columns_in_any_order_and_extra_columns_are_accepted(void **state)
{
	struct dongbo_units *us;
	const struct dongbo_unit *u;
	int rc;

	(void)state;
	us = parse("name\tnote\tlevel\ttype\tparent\tcode\n"
		   "Root\tx\tt\tTỉnh\t\tR\n"
		   "Kid\ty\tx\tXã\tR\tK\n",
		   &rc);
	assert_int_equal(rc, 0);
	u = dongbo_units_find(us, "K");
	assert_non_null(u);
	assert_string_equal(u->name, "Kid");
	assert_string_equal(u->level, "x");
	assert_string_equal(u->type, "Xã");
	assert_ptr_equal(u->parent, dongbo_units_find(us, "R"));
	dongbo_units_free(us);
}

/* A reform: district H abolished after 2025M06, its commune merged into
 * M from 2025M07, which hangs from the province directly. */
static void from_and_until_bound_the_periods_in_force(void **state)
{
	struct dongbo_units *us;
	const struct dongbo_unit *h, *c, *m, *p;
	int rc;

	(void)state;
	us = parse("code\tparent\tlevel\tname\tfrom\tuntil\n"
		   "P\t\ttinh\tTỉnh\t\t\n"
		   "H\tP\thuyen\tHuyện\t\t2025M06\n"
		   "C\tH\txa\tXã cũ\t2020\t2025Q2\n"
		   "M\tP\txa\tXã mới\t2025m7\t\n",
		   &rc);
	if (rc != 0)
		fail_msg("refused: %s", err);
	p = dongbo_units_find(us, "P");
	h = dongbo_units_find(us, "H");
	c = dongbo_units_find(us, "C");
	m = dongbo_units_find(us, "M");
	assert_true(dongbo_unit_in_force(p, "1990") &&
		    dongbo_unit_in_force(p, "2100M12"));
	assert_true(dongbo_unit_in_force(h, "2025S1"));
	assert_true(dongbo_unit_in_force(h, "2024"));
	assert_false(dongbo_unit_in_force(h, "2025"));  /* half of it */
	assert_false(dongbo_unit_in_force(h, "2025Q3"));
	assert_true(dongbo_unit_in_force(c, "2020M01"));
	assert_false(dongbo_unit_in_force(c, "2019M12"));
	assert_true(dongbo_unit_in_force(c, "2025M06"));
	assert_false(dongbo_unit_in_force(m, "2025M06"));
	assert_true(dongbo_unit_in_force(m, "2025S2"));
	assert_false(dongbo_unit_in_force(m, "2025"));
	assert_false(dongbo_unit_in_force(m, "not a period"));
	dongbo_units_free(us);

	assert_refused("code\tparent\tlevel\tname\tuntil\n"
		       "P\t\ttinh\tTỉnh\t2025M13\n",
		       "t.tsv:2: until of unit 'P' is not a period");
	assert_refused("code\tparent\tlevel\tname\tfrom\tuntil\n"
		       "P\t\ttinh\tTỉnh\t2025M07\t2025Q2\n",
		       "t.tsv:2: unit 'P' is in force until '2025Q2', before "
		       "it comes into force from '2025M07'");
}

static void crlf_bom_and_missing_final_newline_are_accepted(void **state)
{
	(void)state;
	assert_parses(HEADER "1\t\tt\tOne\n2\t1\tx\tTwo", 2);
	assert_parses("code\tparent\tlevel\tname\r\n"
		      "1\t\tt\tOne\r\n2\t1\tx\tTwo\r\n",
		      2);
	assert_parses("code\tparent\tlevel\tname\r\n1\t\tt\tOne\r\n2\t1\tx\tTwo",
		      2);
	assert_parses("\xEF\xBB\xBF" HEADER "1\t\tt\tOne\n", 1);
	/* Blank lines, such as a doubled final newline, carry no unit. */
	assert_parses(HEADER "1\t\tt\tOne\n\n2\t1\tx\tTwo\n\n", 2);
}

static void children_of_a_parent_listed_later_are_linked(void **state)
{
	struct dongbo_units *us;
	const struct dongbo_unit *p;
	int rc;

	(void)state;
	us = parse(HEADER "a\tp\tx\tA\nb\tp\tx\tB\np\t\tt\tP\nc\tp\tx\tC\n",
		   &rc);
	assert_int_equal(rc, 0);
	p = dongbo_units_find(us, "p");
	assert_string_equal(p->first_child->code, "a");
	assert_string_equal(p->first_child->next_sibling->code, "b");
	assert_string_equal(p->first_child->next_sibling->next_sibling->code,
			    "c");
	assert_null(p->first_child->next_sibling->next_sibling->next_sibling);
	dongbo_units_free(us);
}

static void quoted_field_is_unquoted(void **state)
{
	struct dongbo_units *us;
	int rc;

	(void)state;
	us = parse(HEADER "1\t\tt\t\"Xã \"\"Mới\"\"\"\n", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(dongbo_units_find(us, "1")->name, "Xã \"Mới\"");
	dongbo_units_free(us);
}

static void code_of_max_length_and_all_allowed_chars_is_accepted(void **state)
{
	(void)state;
	assert_parses(HEADER "Az09_-Az09_-Az0\t\tt\tLong\n", 1);
}

static void hierarchy_of_max_depth_is_accepted(void **state)
{
	char text[4096];
	size_t len;
	int i;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), HEADER "u0\t\tl\tN\n");
	for (i = 1; i < DONGBO_UNITS_DEPTH_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"u%d\tu%d\tl\tN\n", i, i - 1);
	assert_parses(text, DONGBO_UNITS_DEPTH_MAX);
}

/* ---- refusals ------------------------------------------------------------- */

static void missing_required_column_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused("parent\tlevel\tname\n\t\tt\n",
		       "t.tsv:1: missing required column 'code'");
	assert_refused("code\tlevel\tname\n1\tt\tOne\n",
		       "t.tsv:1: missing required column 'parent'");
	assert_refused("code\tparent\tname\n1\t\tOne\n",
		       "t.tsv:1: missing required column 'level'");
	assert_refused("code\tparent\tlevel\n1\t\tt\n",
		       "t.tsv:1: missing required column 'name'");
	/* Comma-separated is not tab-separated: one column "code,parent..". */
	assert_refused("code,parent,level,name\n1,,t,One\n",
		       "t.tsv:1: missing required column 'code'");
}

static void duplicate_column_is_refused(void **state)
{
	(void)state;
	assert_refused("code\tparent\tlevel\tname\tcode\n",
		       "t.tsv:1: duplicate column 'code'");
}

static void empty_input_or_header_only_is_refused(void **state)
{
	(void)state;
	assert_refused("", "t.tsv:1: no header line");
	assert_refused("\n\n", "t.tsv:1: no header line");
	assert_refused(HEADER, "t.tsv:1: no units");
}

static void empty_code_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEADER "1\t\tt\tOne\n\t1\tx\tNo code\n",
		       "t.tsv:3: empty code for the unit named 'No code'");
}

static void overlong_code_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEADER "1234567890123456\t\tt\tLong\n",
		       "t.tsv:2: code longer than 15 bytes '1234567890123456'");
}

static void code_with_bad_character_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEADER "1\t\tt\tOne\n2 3\t1\tx\tX\n",
		       "t.tsv:3: code has a character outside [0-9A-Za-z_-] "
		       "'2 3'");
	assert_refused(HEADER "1.2\t\tt\tX\n", "'1.2'");
	assert_refused(HEADER "xã\t\tt\tX\n", "'xã'");
	assert_refused(HEADER "a/b\t\tt\tX\n", "'a/b'");
}

static void duplicate_code_is_refused_with_both_lines(void **state)
{
	(void)state;
	assert_refused(HEADER "1\t\tt\tOne\n2\t1\tx\tTwo\n1\t\tt\tAgain\n",
		       "t.tsv:4: duplicate code '1' (first on line 2)");
}

static void units_unknown_parent_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEADER "1\t\tt\tOne\n2\t9\tx\tTwo\n",
		       "t.tsv:3: unknown parent '9'");
}

static void row_with_wrong_number_of_fields_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEADER "1\t\tt\tOne\n2\t1\tx\n",
		       "t.tsv:3: row has 3 fields where the header has 4, "
		       "at code '2'");
	assert_refused(HEADER "1\t\tt\tOne\textra\n",
		       "t.tsv:2: row has 5 fields where the header has 4");
}

static void cycle_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEADER "r\t\tt\tRoot\na\tb\tx\tA\nb\ta\tx\tB\n",
		       "t.tsv:3: cycle or hierarchy deeper than 32 levels at "
		       "unit 'a'");
	assert_refused(HEADER "s\ts\tx\tSelf\n",
		       "t.tsv:2: cycle or hierarchy deeper than 32 levels at "
		       "unit 's'");
}

static void hierarchy_deeper_than_max_is_refused(void **state)
{
	char text[4096];
	size_t len;
	int i;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), HEADER "u0\t\tl\tN\n");
	for (i = 1; i <= DONGBO_UNITS_DEPTH_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"u%d\tu%d\tl\tN\n", i, i - 1);
	assert_refused(text, "t.tsv:34: cycle or hierarchy deeper than 32 "
			     "levels at unit 'u32'");
}

static void empty_level_or_name_is_refused_with_line(void **state)
{
	(void)state;
	assert_refused(HEADER "1\t\t\tOne\n", "t.tsv:2: empty level for unit '1'");
	assert_refused(HEADER "1\t\tt\t\n", "t.tsv:2: empty name for unit '1'");
	/* Spaces around a field are trimmed, so blank is empty. */
	assert_refused(HEADER "1\t\tt\t   \n", "t.tsv:2: empty name for unit '1'");
}

static void control_character_in_name_is_refused(void **state)
{
	(void)state;
	assert_refused(HEADER "1\t\tt\t\"One\tTwo\"\n",
		       "control character in the name, level or type of unit "
		       "'1'");
}

static void nul_byte_is_refused_with_line(void **state)
{
	static const char text[] = HEADER "1\t\tt\tO\0ne\n";
	struct dongbo_units *us = NULL;

	(void)state;
	assert_int_equal(dongbo_units_parse("t.tsv", text, sizeof(text) - 1, &us,
					    err, sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_null(us);
	assert_non_null(strstr(err, "t.tsv:2: NUL byte"));
}

static void tiny_error_buffer_is_not_overrun(void **state)
{
	struct dongbo_units *us = NULL;
	char small[8];
	const char *text = HEADER "1\t9\tt\tOne\n";

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(dongbo_units_parse("t.tsv", text, strlen(text), &us,
					    small, 4),
			 DONGBO_E_CONFIG);
	assert_string_equal(small, "t.t");
	assert_int_equal(small[4], 'x');
	assert_int_equal(dongbo_units_parse("t.tsv", text, strlen(text), &us,
					    NULL, 0),
			 DONGBO_E_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(units_2025_03_loads_10806_units_in_three_levels),
		cmocka_unit_test(from_and_until_bound_the_periods_in_force),
		cmocka_unit_test(units_2025_07_loads_3355_units_in_two_levels),
		cmocka_unit_test(units_10k_load_takes_well_under_a_second),
		cmocka_unit_test(bac_giang_children_and_grandchildren_are_linked),
		cmocka_unit_test(is_within_follows_ancestors_only),
		cmocka_unit_test(child_toward_names_the_next_step_down),
		cmocka_unit_test(find_returns_null_for_unknown_code),
		cmocka_unit_test(missing_file_is_an_io_error_naming_the_path),
		cmocka_unit_test(columns_in_any_order_and_extra_columns_are_accepted),
		cmocka_unit_test(crlf_bom_and_missing_final_newline_are_accepted),
		cmocka_unit_test(children_of_a_parent_listed_later_are_linked),
		cmocka_unit_test(quoted_field_is_unquoted),
		cmocka_unit_test(code_of_max_length_and_all_allowed_chars_is_accepted),
		cmocka_unit_test(hierarchy_of_max_depth_is_accepted),
		cmocka_unit_test(missing_required_column_is_refused_with_line),
		cmocka_unit_test(duplicate_column_is_refused),
		cmocka_unit_test(empty_input_or_header_only_is_refused),
		cmocka_unit_test(empty_code_is_refused_with_line),
		cmocka_unit_test(overlong_code_is_refused_with_line),
		cmocka_unit_test(code_with_bad_character_is_refused_with_line),
		cmocka_unit_test(duplicate_code_is_refused_with_both_lines),
		cmocka_unit_test(units_unknown_parent_is_refused_with_line),
		cmocka_unit_test(row_with_wrong_number_of_fields_is_refused_with_line),
		cmocka_unit_test(cycle_is_refused_with_line),
		cmocka_unit_test(hierarchy_deeper_than_max_is_refused),
		cmocka_unit_test(empty_level_or_name_is_refused_with_line),
		cmocka_unit_test(control_character_in_name_is_refused),
		cmocka_unit_test(nul_byte_is_refused_with_line),
		cmocka_unit_test(tiny_error_buffer_is_not_overrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
