/* test_tree.c -- the subtree view (daemon/tree.c): what a child may say,
 * replays, staleness, hosted units and the summary relayed up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tree.h"
#include "units.h"

static const char units_tsv[] =
	"code\tparent\tlevel\tname\n"
	"24\t\ttinh\tTỉnh Bắc Giang\n"
	"213\t24\thuyen\tThành phố Bắc Giang\n"
	"215\t24\thuyen\tHuyện Yên Thế\n"
	"07201\t213\txa\tPhường Thọ Xương\n"
	"07204\t213\txa\tPhường Lê Lợi\n"
	"07243\t215\txa\tXã Đồng Tiến\n";

/* The fixture: the unit list, a view at 24, and the self entry of 24 with
 * a fresh link to 213. */
struct fx {
	struct dongbo_units *units;
	struct dongbo_tree *tree;
	struct dongbo_tree_link self_links[2];
	struct dongbo_tree_entry self;
	struct dongbo_tree_view view;
	/* Rows as last walked, by unit code. */
	struct dongbo_tree_row rows[16];
	size_t n_rows;
};

static const struct dongbo_unit *U(struct fx *f, const char *code)
{
	const struct dongbo_unit *u = dongbo_units_find(f->units, code);

	assert_non_null(u);
	return u;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	assert_int_equal(dongbo_units_parse("t.tsv", units_tsv,
					    strlen(units_tsv), &f->units, err,
					    sizeof(err)), 0);
	assert_non_null(f->tree = dongbo_tree_new());
	f->self_links[0] = (struct dongbo_tree_link){
		.unit = U(f, "213"), .seen_ms = 100000, .lag = 0,
		.health = "ok" };
	f->self = (struct dongbo_tree_entry){
		.unit = U(f, "24"), .parent_health = "", .catalog_version = 3,
		.made_ms = 100000, .links = f->self_links, .n_links = 1 };
	f->view = (struct dongbo_tree_view){ .self = &f->self,
					     .now_ms = 100000,
					     .stale_ms = 2000, .hop_ms = 300 };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dongbo_tree_free(f->tree);
	dongbo_units_free(f->units);
	free(f);
	return 0;
}

static int row_cb(void *arg, const struct dongbo_tree_row *r)
{
	struct fx *f = arg;

	assert_true(f->n_rows < 16);
	f->rows[f->n_rows++] = *r;
	return 0;
}

static const struct dongbo_tree_row *row(struct fx *f, const char *code)
{
	f->n_rows = 0;
	assert_int_equal(dongbo_tree_rows(f->tree, &f->view, U(f, "24"),
					  row_cb, f), 0);
	assert_int_equal(f->n_rows, 6);
	for (size_t i = 0; i < f->n_rows; i++)
		if (strcmp(f->rows[i].unit->code, code) == 0)
			return &f->rows[i];
	fail_msg("no row for %s", code);
	return NULL;
}

/* A summary as 213 sends it: itself (hosting 07204, with a link to 07201)
 * and 07201 below it; extra entries may follow. */
struct msg {
	Dongbo__SubtreeStatus s;
	Dongbo__NodeSummary n[6];
	Dongbo__NodeSummary *np[6];
	Dongbo__LinkSummary l;
	Dongbo__LinkSummary *lp[1];
	char *hosts[1];
};

static void msg_init(struct msg *m, int64_t made_ms, int64_t age_07201)
{
	memset(m, 0, sizeof(*m));
	dongbo__subtree_status__init(&m->s);
	for (int i = 0; i < 6; i++) {
		dongbo__node_summary__init(&m->n[i]);
		m->np[i] = &m->n[i];
	}
	dongbo__link_summary__init(&m->l);
	m->l.unit = "07201";
	m->l.seen_ago_ms = 100;
	m->l.lag = 0;
	m->l.health = "ok";
	m->lp[0] = &m->l;
	m->hosts[0] = "07204";
	m->n[0].unit = "213";
	m->n[0].parent_health = "ok";
	m->n[0].catalog_version = 3;
	m->n[0].made_ms = made_ms;
	m->n[0].children = m->lp;
	m->n[0].n_children = 1;
	m->n[0].hosts = m->hosts;
	m->n[0].n_hosts = 1;
	m->n[1].unit = "07201";
	m->n[1].parent_health = "ok";
	m->n[1].catalog_version = 3;
	m->n[1].waiting = 2;
	m->n[1].age_ms = age_07201;
	m->s.nodes = m->np;
	m->s.n_nodes = 2;
}

static void take(struct fx *f, struct msg *m, int want_rv, size_t want_ign)
{
	char err[256];
	size_t ign = 99;

	assert_int_equal(dongbo_tree_check(U(f, "213"), &m->s, err,
					   sizeof(err)), 0);
	assert_int_equal(dongbo_tree_take(f->tree, f->units, U(f, "213"),
					  &m->s, f->view.now_ms, &ign),
			 want_rv);
	if (want_rv == 0)
		assert_int_equal(ign, want_ign);
}

static void units_below_a_node_heard_of_show_its_view(void **state)
{
	struct fx *f = *state;
	struct msg m;
	const struct dongbo_tree_row *r;

	msg_init(&m, 5000, 400);
	take(f, &m, 0, 0);
	r = row(f, "07201");
	assert_string_equal(r->kind, "node");
	assert_string_equal(r->health, "ok");
	assert_int_equal(r->waiting, 2);
	assert_int_equal(r->catalog_version, 3);
	assert_int_equal(r->last_seen_ms, 100000 - 100);
	assert_int_equal(r->age_ms, 0); /* 213's view of it is fresh */
	assert_string_equal(r->via->code, "213");
	r = row(f, "07204");
	assert_string_equal(r->kind, "hosted");
	assert_string_equal(r->host->code, "213");
	assert_string_equal(r->health, "ok");
	r = row(f, "215");
	assert_string_equal(r->kind, "none");
	assert_string_equal(r->health, "never seen");
	r = row(f, "24");
	assert_string_equal(r->kind, "node");
	assert_string_equal(r->health, "ok");
}

static void a_child_cannot_speak_for_another_subtree(void **state)
{
	struct fx *f = *state;
	struct msg m;
	Dongbo__LinkSummary bad_link = DONGBO__LINK_SUMMARY__INIT;
	Dongbo__LinkSummary *bl[2];
	char *bad_hosts[2] = { "07204", "07243" };

	msg_init(&m, 5000, 0);
	/* 215 and 07243 are not 213's; 99999 is nobody's; 07201 twice. */
	m.n[2].unit = "215";
	m.n[2].parent_health = "ok";
	m.n[3].unit = "07243";
	m.n[3].parent_health = "ok";
	m.n[4].unit = "99999";
	m.n[5].unit = "07201";
	m.n[5].parent_health = "stalled";
	m.s.n_nodes = 6;
	/* 213 claims a link to 07243 and to host it. */
	bad_link.unit = "07243";
	bad_link.health = "ok";
	bl[0] = &m.l;
	bl[1] = &bad_link;
	m.n[0].children = bl;
	m.n[0].n_children = 2;
	m.n[0].hosts = bad_hosts;
	m.n[0].n_hosts = 2;
	take(f, &m, 0, 4);
	assert_string_equal(row(f, "215")->kind, "none");
	assert_string_equal(row(f, "07243")->kind, "none");
	assert_string_equal(row(f, "07243")->health, "never seen");
	/* The first word for 07201 stands. */
	assert_string_equal(row(f, "07201")->health, "ok");
}

static void summaries_over_caps_or_not_led_by_the_child_are_refused(void **state)
{
	struct fx *f = *state;
	struct msg m;
	char err[256];

	msg_init(&m, 5000, 0);
	m.n[0].unit = "07201";
	assert_int_equal(dongbo_tree_check(U(f, "213"), &m.s, err,
					   sizeof(err)), DONGBO_E_PROTO);
	assert_non_null(strstr(err, "07201"));
	msg_init(&m, 5000, 0);
	m.n[1].n_children = DONGBO_TREE_LIST_MAX + 1;
	assert_int_equal(dongbo_tree_check(U(f, "213"), &m.s, err,
					   sizeof(err)), DONGBO_E_TOOBIG);
	msg_init(&m, 5000, 0);
	m.s.n_nodes = DONGBO_TREE_NODES_MAX + 1;
	assert_int_equal(dongbo_tree_check(U(f, "213"), &m.s, err,
					   sizeof(err)), DONGBO_E_TOOBIG);
	m.s.n_nodes = 0;
	assert_int_equal(dongbo_tree_check(U(f, "213"), &m.s, err,
					   sizeof(err)), DONGBO_E_PROTO);
}

static void a_replayed_older_summary_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct msg m;

	msg_init(&m, 5000, 0);
	take(f, &m, 0, 0);
	msg_init(&m, 4000, 0);
	m.n[1].parent_health = "stalled";
	m.l.health = "stalled";
	take(f, &m, DONGBO_E_EXISTS, 0);
	assert_string_equal(row(f, "07201")->health, "ok");
	/* A newer one replaces it, and drops what it no longer says. */
	msg_init(&m, 6000, 0);
	m.l.health = "lagging";
	m.n[0].n_hosts = 0;
	take(f, &m, 0, 0);
	assert_string_equal(row(f, "07201")->health, "lagging");
	assert_string_equal(row(f, "07204")->kind, "none");
}

static void news_through_a_silent_district_goes_stale(void **state)
{
	struct fx *f = *state;
	struct msg m;
	const struct dongbo_tree_row *r;

	msg_init(&m, 5000, 0);
	take(f, &m, 0, 0);
	/* Within stale_ms: still 213's word. */
	f->view.now_ms += 1900;
	assert_string_equal(row(f, "07201")->health, "ok");
	/* Past it: unknown, never a confident ok; the hosted unit too. */
	f->view.now_ms += 200;
	r = row(f, "07201");
	assert_string_equal(r->health, "unknown");
	assert_int_equal(r->age_ms, 2100);
	assert_non_null(strstr(r->note, "no news for 2 s"));
	assert_null(strstr(r->note, "offline"));
	/* When our own link to 213 is down, the note says so. */
	f->self_links[0].health = "offline";
	r = row(f, "07201");
	assert_non_null(strstr(r->note, "213 offline"));
	r = row(f, "07204");
	assert_string_equal(r->kind, "hosted");
	assert_string_equal(r->health, "offline");
	assert_string_equal(row(f, "213")->health, "offline");
}

static void the_summary_sent_up_ages_what_it_relays(void **state)
{
	struct fx *f = *state;
	struct msg m;
	Dongbo__SubtreeStatus *s = NULL;

	msg_init(&m, 5000, 400);
	take(f, &m, 0, 0);
	f->view.now_ms += 1000;
	f->self.made_ms = f->view.now_ms;
	assert_int_equal(dongbo_tree_summary(f->tree, &f->self,
					     f->view.now_ms, 777, &s), 0);
	assert_int_equal(s->n_nodes, 3);
	assert_string_equal(s->nodes[0]->unit, "24");
	assert_int_equal(s->nodes[0]->made_ms, 777);
	assert_int_equal(s->nodes[0]->age_ms, 0);
	assert_int_equal(s->nodes[0]->n_children, 1);
	/* Shallowest first: 213, then 07201. */
	assert_string_equal(s->nodes[1]->unit, "213");
	assert_int_equal(s->nodes[1]->age_ms, 1000);
	assert_int_equal(s->nodes[1]->n_hosts, 1);
	assert_string_equal(s->nodes[1]->hosts[0], "07204");
	assert_int_equal(s->nodes[1]->children[0]->seen_ago_ms, 100);
	assert_string_equal(s->nodes[2]->unit, "07201");
	assert_int_equal(s->nodes[2]->age_ms, 1400);
	assert_int_equal(s->nodes[2]->made_ms, 0);
	dongbo_tree_summary_free(s);
}

static void health_words_from_the_wire_are_ours(void **state)
{
	(void)state;
	assert_string_equal(dongbo_tree_health_word("stalled"), "stalled");
	assert_string_equal(dongbo_tree_health_word("never seen"),
			    "never seen");
	assert_string_equal(dongbo_tree_health_word("\033[31mok"), "unknown");
	assert_string_equal(dongbo_tree_health_word(""), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			units_below_a_node_heard_of_show_its_view, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_child_cannot_speak_for_another_subtree, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			summaries_over_caps_or_not_led_by_the_child_are_refused,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_replayed_older_summary_changes_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			news_through_a_silent_district_goes_stale, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			the_summary_sent_up_ages_what_it_relays, setup,
			teardown),
		cmocka_unit_test(health_words_from_the_wire_are_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
