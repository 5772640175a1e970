/*
 * cli.h -- shared pieces of the dongbo command-line client.
 */
#ifndef DONGBO_CLI_H
#define DONGBO_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>

#include <jansson.h>

#include "codec.h"
#include "i18n.h"

/* Exit statuses, documented in `dongbo --help`. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	    /* refused or failed; the reason is on stderr */
	EXIT_USAGE = 2,	    /* bad command line */
	EXIT_NO_NODE = 3,   /* the node is not running or not reachable */
	EXIT_TIMEOUT = 4,   /* `wait` gave up */
	EXIT_PERM = 5,	    /* the control socket, or a change, is not ours */
};

/* How long a call waits for the node's answer, unless the command says
 * (struct cli timeout_ms). */
#define CLI_CALL_TIMEOUT_MS 30000

struct cli {
	const char *dir; /* -C DIR, default "." */
	bool json;
	unsigned timeout_ms; /* of the next calls; 0: CLI_CALL_TIMEOUT_MS */
};

/* A command: argv[0] is its name.  Returns an exit status. */
typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_put(struct cli *cli, int argc, char **argv);
int cmd_delete(struct cli *cli, int argc, char **argv);
int cmd_get(struct cli *cli, int argc, char **argv);
int cmd_rollup(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_wait(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_catalog(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_rejected(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
int cmd_missing(struct cli *cli, int argc, char **argv);
int cmd_tree(struct cli *cli, int argc, char **argv);
int cmd_submit(struct cli *cli, int argc, char **argv);
int cmd_approve(struct cli *cli, int argc, char **argv);
int cmd_return(struct cli *cli, int argc, char **argv);
int cmd_reopen(struct cli *cli, int argc, char **argv);
int cmd_approval(struct cli *cli, int argc, char **argv);

/* ---- approval states as the node sends them (cmd_approval.c) ---- */

/* One state as JSON: {"unit","name","form","period","state",
 * "changed_after_approval","version","at","node","user","note",
 * "approver"}. */
json_t *approval_json(const Dongbo__ApprovalShown *a);

/* "approved by 213 Thành phố Bắc Giang (user) on 2026-11-23T..., changed
 * after approval" into buf. */
void approval_text(const Dongbo__ApprovalShown *a, char *buf, size_t len);

/* The directory of the shipped unit lists and catalog: PREFIX/share/dongbo
 * beside an installed dongbo, else the source tree's data/ (datadir.c).
 * Static storage, computed once; main thread only. */
const char *cli_data_dir(void);

/* Prints "dongbo: <message>" on stderr, fmt translated (po/ extracts the
 * formats of cli_error calls as msgids). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parses the common options of a command (-h/--help, --json) and leaves
 * the positional arguments in pos (argv order).  Prints help and returns
 * EXIT_OK via *done, or a usage error, when appropriate.  Returns -1 to
 * continue, or an exit status.
 */
int cli_parse_simple(struct cli *cli, int argc, char **argv,
		     const char *usage, char **pos, int max_pos, int *n_pos);

/* An option of a command besides -h/--help and --json: a flag (flag set
 * when given) or one taking a value (--name VALUE or --name=VALUE). */
struct cli_opt {
	const char *name;  /* "--stated" */
	const char *alias; /* "-o", or NULL */
	bool *flag;
	const char **value;
};

/* As cli_parse_simple, with the command's own options (an array ended by
 * a NULL name; opts may be NULL) and min_pos..max_pos positional
 * arguments. */
int cli_parse_args(struct cli *cli, int argc, char **argv, const char *usage,
		   const struct cli_opt *opts, char **pos, int min_pos,
		   int max_pos, int *n_pos);

/* ---- talking to the daemon (client.c) ---- */

/*
 * Sends req to the node in cli->dir and returns its reply in *rep (free
 * with dongbo_proto_free).  On failure prints the reason and returns an
 * exit status (EXIT_NO_NODE when the node is not running); a reply whose
 * code is not 0 is printed and returns EXIT_FAIL.
 */
int cli_call(const struct cli *cli, const Dongbo__CtlRequest *req,
	     Dongbo__CtlReply **rep);

/* Like cli_call but quiet about "not running" (for polling). */
int cli_call_quiet(const struct cli *cli, const Dongbo__CtlRequest *req,
		   Dongbo__CtlReply **rep, char *err, size_t errlen);

/* ---- output (output.c) ---- */

/* Display columns of the character at s (len bytes left; st carries the
 * decoding state) and, in *n, its length in bytes.  A byte that is not
 * UTF-8 counts as one column (and st starts again). */
int out_char_width(const char *s, size_t len, mbstate_t *st, size_t *n);

/* Display columns of UTF-8 text (combining marks take none). */
int out_width(const char *s);

/* Prints s left- (or right-) aligned in a field of width columns. */
void out_pad(FILE *f, const char *s, int width, bool right);

/* "2026-11-22T08:00:00Z", or "never" for 0. */
void out_time(int64_t ms, char *buf, size_t len);

/* Sets "unit" (u's code) and then "name" in the JSON object o. */
void out_json_unit(json_t *o, const Dongbo__UnitInfo *u);

/* JSON string for a time: ISO 8601 UTC, or null for 0. */
json_t *out_json_time(int64_t ms);

/* Prints a JSON document (pretty on a terminal, one line otherwise) and
 * releases it. */
void out_json(json_t *doc);

/* A text table with aligned columns; headers are msgids (mark them with
 * N_()), translated here, and aligned by display width. */
struct table;
struct table *table_new(int n_cols, const char *const *headers,
			const bool *right_align);
/* Adds a row of n_cols cells (copied). */
void table_add(struct table *t, const char *const *cells);
/* Prints with the given indent and frees the table. */
void table_print(struct table *t, FILE *f, int indent);
/* Frees the table unprinted (NULL is a no-op). */
void table_free(struct table *t);

/* ---- figures as the node sends them (cmd_report.c) ---- */

/* True when a figure of this rule and scale is an exact integer, shown in
 * JSON as a number (sums of counts); others are plain strings. */
bool fig_is_integer(const char *rule, int scale);
/* A value: a JSON integer at scale 0, else its plain text; null for
 * NULL. */
json_t *fig_shown_json(const Dongbo__Shown *s);
/* A value as the printed reports write it; "" for NULL. */
const char *fig_shown_text(const Dongbo__Shown *s);
/* "07201 Phường Thọ Xương entered 2022S1 = 100; its quarters give 90;
 * the entered figure is used", one line each under a heading; nothing
 * when n is 0. */
void fig_print_conflicts(FILE *f, Dongbo__Conflict **c, size_t n,
			 bool name_indicator);
json_t *fig_conflicts_json(Dongbo__Conflict **c, size_t n);

#endif
