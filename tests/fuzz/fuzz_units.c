/*
 * fuzz_units.c -- libFuzzer target: the unit list (dongbo_units_parse,
 * meta/units.c).
 *
 * Every node trusts its unit list for who may write what: a bad parent
 * link or a cycle that slipped through would let a child speak for units
 * outside its subtree, or loop forever.  After a successful parse the
 * target looks up every tab-separated field of the input as a code and
 * walks each unit found up to its root and down its children, checking
 * the tree's own promises (depth, is_within, child_toward).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct dongbo_unit *u)
{
	const struct dongbo_unit *root = u;
	int depth = 0;

	while (root->parent != NULL) {
		root = root->parent;
		if (++depth > DONGBO_UNITS_DEPTH_MAX)
			abort(); /* a cycle got through */
	}
	if (depth != u->depth || !dongbo_unit_is_within(u, root))
		abort();
	if (u != root && dongbo_unit_child_toward(root, u) == NULL)
		abort();
	for (const struct dongbo_unit *c = u->first_child; c != NULL;
	     c = c->next_sibling)
		if (c->parent != u || c->depth != u->depth + 1)
			abort();
	if (strlen(u->name) + strlen(u->level) + strlen(u->type) == (size_t)-1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dongbo_units *units;
	char err[512], code[DONGBO_UNIT_CODE_MAX + 1];
	size_t at = 0;

	if (dongbo_units_parse("fuzz.tsv", (const char *)data, size, &units,
			       err, sizeof(err)) != 0)
		return 0;
	while (at < size) {
		size_t n = 0;

		while (at + n < size && data[at + n] != '\t' &&
		       data[at + n] != '\n')
			n++;
		if (n > 0 && n < sizeof(code)) {
			const struct dongbo_unit *u;

			memcpy(code, data + at, n);
			code[n] = '\0';
			u = dongbo_units_find(units, code);
			if (u != NULL) {
				if (strcmp(u->code, code) != 0)
					abort();
				walk(u);
			}
		}
		at += n + 1;
	}
	dongbo_units_free(units);
	return 0;
}
