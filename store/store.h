/*
 * store.h -- a node's durable state, in one LMDB environment.
 *
 * Caveats, first (as lmdb.h does):
 *  - Every call opens and ends its own LMDB transaction; no transaction
 *    outlives a call or crosses threads.  Calls may come from several
 *    threads at once: reads run beside a write, writes wait for each
 *    other (LMDB's writer lock), and the map grows only while no call of
 *    the process has a transaction open.  The callbacks of a call must
 *    not call the store (its transaction is open: a write there could
 *    wait for ever on the map growing).
 *  - Write calls are all-or-nothing: each is one write transaction, committed
 *    durably (fsync) before the call returns 0.  On any error nothing of the
 *    call is stored.
 *  - Pointers handed to callbacks (records, keys) are borrowed from LMDB and
 *    valid only during that callback, as with MDB_val.
 *  - The store directory must be on a local filesystem (LMDB's lock file
 *    does not work over NFS).
 *
 * What is kept:
 *  - values:   (unit, indicator, period) -> value, version, deleted flag.
 *    Per key the higher version wins; an equal or lower version is a no-op.
 *  - log:      the outbound change log, dense sequence numbers from 1: every
 *    change this node accepts (local or relayed from a child) is appended in
 *    the same transaction that stores it.
 *  - roll-ups: for every anchor unit from a value's unit up to the home unit,
 *    the aggregate of the indicator over the anchor's subtree: total, by
 *    level of the contributing unit, and by child of the anchor.  Maintained
 *    incrementally in the transaction that changes the value.
 *  - children: per child unit, its store identity and how far its log has
 *    been applied here (the cursor), durably with the values it brought.
 *  - uplink:   how far the parent has acknowledged this node's log.
 *  - audit:    every change this node accepted (a local write, a child's
 *    record that won by version, a value restored from the parent), when,
 *    through which link and from whom, and the node it was entered at:
 *    appended in the transaction that makes the change, never pruned.
 *  - approvals: per (unit, form, period) the state of its submission and
 *    approval (draft, submitted, approved, returned), replicated like
 *    values: per key the higher version wins; each change here is appended
 *    to the log (to go up) and numbered in a local sequence of its own
 *    (to go down to the children whose subtree holds its unit).
 *  - meta:     the store identity (random, 128-bit hex) and the version clock.
 */
#ifndef DONGBO_STORE_STORE_H
#define DONGBO_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "period.h"
#include "units.h"

/* Store identity: 32 lower-case hex digits. */
#define DONGBO_STORE_ID_LEN 32

struct dongbo_store;

struct dongbo_store_options {
	const char *path;	/* directory; created (mode 0700) if missing */
	uint64_t map_size;	/* bytes; 0 means 1 GiB */
	const struct dongbo_units *units; /* borrowed; outlives the store */
	const struct dongbo_unit *home;	  /* this node's home unit */
	/* borrowed; outlives the store or its replacement by
	 * dongbo_store_set_catalog.  Gives each indicator its rules.  NULL:
	 * none yet -- the caller reads the saved catalog
	 * (dongbo_store_catalog_load) and then sets the one to run, so that
	 * the roll-ups are rebuilt at most once. */
	const struct dongbo_catalog *catalog;
	/* The map grows (doubling) as it fills, up to this many bytes; 0
	 * means max(map_size, 64 GiB).  Past it, writes fail with
	 * DONGBO_E_MAP_FULL and nothing of them is stored. */
	uint64_t map_size_max;
	/* A store created by this open starts with a restore pending
	 * (dongbo_store_restore_state), in the same transaction that creates
	 * it: a node with a parent fetches its hosted units' values first,
	 * even when it is killed before it could. */
	bool restore_if_new;
	/* A node without a parent keeps no outbound log: sequence numbers
	 * still advance, but entries are not stored (and any left from
	 * before are dropped at open).  A parent configured later gets the
	 * node's state through dongbo_store_log_cover. */
	bool no_outbox;
	/* Commits wait for less than the disk: the meta page is flushed
	 * with the next commit (lazy_meta), or nothing is fsynced at all
	 * (no_sync).  Either way a crash of the machine may undo the last
	 * commits; one of the process never does. */
	bool lazy_meta;
	bool no_sync;
	/* The units this node hosts (home included; borrowed, outlive the
	 * store).  A value of a child of one of them that changes here, from
	 * a child node, while its form is approved for the period marks the
	 * approval changed_after_approval: this node is the level that
	 * approved it.  NULL: only home. */
	const struct dongbo_unit *const *hosts;
	size_t n_hosts;
};

/* Opens (creating on first use) the store.  Returns 0, DONGBO_E_IO,
 * DONGBO_E_CORRUPT, DONGBO_E_NOMEM or DONGBO_E_INVAL (home is not in the
 * given unit list).  A new store gets a fresh random identity. */
int dongbo_store_open(const struct dongbo_store_options *opts,
		      struct dongbo_store **out);

/*
 * Replaces the catalog the roll-ups follow (cat is borrowed, as in the
 * options).  When its version differs from the one the stored roll-ups
 * were built with, every roll-up is rebuilt from the values in one write
 * transaction (also done by open).  0 or a store error.
 */
int dongbo_store_set_catalog(struct dongbo_store *store,
			     const struct dongbo_catalog *cat);

/*
 * The catalog received from the parent, kept so that a restart runs the
 * catalog the node last received.  save stores a copy of the len bytes
 * (durably, replacing any earlier one); load returns a malloc'd copy the
 * caller frees, or DONGBO_E_NOTFOUND when none was saved.
 */
int dongbo_store_catalog_save(struct dongbo_store *store, const char *text,
			      size_t len);
int dongbo_store_catalog_load(struct dongbo_store *store, char **text,
			      size_t *len);

struct dongbo_store_info {
	uint64_t map_size;     /* bytes mapped now */
	uint64_t map_size_max; /* the most it may grow to */
	uint64_t map_used;     /* bytes of the map in use */
	uint64_t values;       /* value entries (tombstones included) */
	uint64_t log_entries;  /* entries kept in the log */
	uint64_t commits;      /* write transactions committed since it opened */
};

/* Sizes, for `dongbo status`.  0 or a store error. */
int dongbo_store_info(struct dongbo_store *store, struct dongbo_store_info *out);

/* Closes the environment.  NULL is a no-op. */
void dongbo_store_close(struct dongbo_store *store);

/* The store identity, DONGBO_STORE_ID_LEN hex digits; lives with the store. */
const char *dongbo_store_id(const struct dongbo_store *store);

/* True when s is a well-formed store identity (DONGBO_STORE_ID_LEN
 * lower-case hex digits). */
bool dongbo_store_id_is_valid(const char *s);

/* True when the store was created by this open (it held nothing before). */
bool dongbo_store_is_new(const struct dongbo_store *store);

struct dongbo_record {
	const char *unit;
	const char *indicator;
	const char *period; /* canonical form */
	int64_t value;
	uint64_t version; /* from the authoring node; > 0 */
	bool deleted;	  /* a retraction (tombstone); value is then 0 */
	/* The total the unit's paper report states for its subtree: kept
	 * beside the value under its own key, never rolled up; `check`
	 * compares it with the computed roll-up. */
	bool stated;
	uint64_t seq;	  /* position in the log it comes from */
	/* Log entries: when this node accepted the change (ms since the
	 * epoch); 0 when unknown (entries written by format 2). */
	int64_t at_ms;
	/* The home unit of the node where the value was entered; NULL or ""
	 * when unknown (a log entry written before format 3, a peer that
	 * does not send it).  Given to apply_child and restore_apply as
	 * received; put_local sets its own home. */
	const char *origin;
	/* Log entries only: non-NULL when the entry is an approval state,
	 * not a value (unit, indicator and period then name its unit, form
	 * and period); borrowed like the rest. */
	const struct dongbo_approval *approval;
};

/* Who entered values at this node, for the audit trail. */
struct dongbo_author {
	uint32_t uid;
	const char *name; /* the user's name; NULL or "" when unknown */
};

/* No user known (values put without a dongbo_author). */
#define DONGBO_AUDIT_UID_NONE UINT32_MAX

/*
 * Stores n values written at this node for units it hosts, in one
 * transaction.  Each gets a new version from the store's clock:
 * max(now_us, last version + 1), persisted, so versions only grow, across
 * restarts too.  rec->version and rec->seq are ignored.  When versions is
 * not NULL, versions[i] receives the version given to recs[i].
 * Returns 0, DONGBO_E_OUTSIDE_SUBTREE (a unit not within home),
 * DONGBO_E_UNKNOWN_UNIT, DONGBO_E_BAD_VALUE (a roll-up would overflow
 * int64), DONGBO_E_MAP_FULL, DONGBO_E_IO.
 */
int dongbo_store_put_local(struct dongbo_store *store,
			   const struct dongbo_record *recs, size_t n,
			   int64_t now_us, uint64_t *versions);

/* The same, recording author (copied; NULL: nobody known) as who entered
 * the values in the audit trail. */
int dongbo_store_put_local_by(struct dongbo_store *store,
			      const struct dongbo_record *recs, size_t n,
			      int64_t now_us, uint64_t *versions,
			      const struct dongbo_author *author);

/* A record a parent refused, with its reason. */
struct dongbo_rejection {
	struct dongbo_record rec; /* as sent: value, version, seq */
	int code;		  /* DONGBO_E_* */
	const char *reason;
	/* Listing only: the child it came from (refused here), or NULL when
	 * our parent refused it; and when it was refused. */
	const char *child;
	int64_t at_ms;
};

/* ---- The parent's side of a child session ---- */

struct dongbo_child_state {
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char store_id[DONGBO_STORE_ID_LEN + 1];
	uint64_t applied_seq; /* the child's log is applied up to here */
	uint64_t received;    /* records received (applied or stale) */
	int64_t last_seen_ms; /* of the last batch stored; 0 never */
};

/*
 * A child introduced itself.  When the child is new, or its store identity
 * differs from the one recorded (it lost its store), its cursor restarts at
 * 0 under the new identity (durably).  *applied_seq receives the cursor.
 */
int dongbo_store_child_hello(struct dongbo_store *store, const char *child_unit,
			     const char *child_store_id, int64_t now_ms,
			     uint64_t *applied_seq);

/*
 * Applies one batch from a child, covering the child's log entries
 * first_seq..last_seq, of which recs are the ones to store (refused
 * records are left out by the caller but still covered by the range).
 * recs are sorted by seq, each seq within the range.
 *
 * In one transaction: every record with seq > cursor is applied by version
 * (and, when it changes something, appended to this node's log and to the
 * audit trail -- link child, peer child_unit, origin the record's when it is
 * a unit within child_unit's subtree, else child_unit -- and folded into
 * the roll-ups), then the cursor moves to last_seq.  Idempotent:
 * a batch wholly at or below the cursor changes nothing and returns 0.
 * rej (seq within the range) are the records the caller refused: each is
 * kept under the child and key (dongbo_store_rejected) until a record of
 * that key from the child is taken.
 *
 * *applied_seq receives the cursor after the call (also on GAP), and
 * *n_changed (may be NULL) how many values changed.
 * Returns 0, DONGBO_E_NEED_HELLO (child unknown or store id differs),
 * DONGBO_E_GAP (first_seq > cursor + 1), DONGBO_E_INVAL (range or order
 * wrong), DONGBO_E_OUTSIDE_SUBTREE / DONGBO_E_UNKNOWN_UNIT (a record's unit
 * is not within home), DONGBO_E_BAD_VALUE (overflow), DONGBO_E_MAP_FULL,
 * DONGBO_E_IO.
 */
int dongbo_store_apply_child(struct dongbo_store *store, const char *child_unit,
			     const char *child_store_id, uint64_t first_seq,
			     uint64_t last_seq, const struct dongbo_record *recs,
			     size_t n, const struct dongbo_rejection *rej,
			     size_t n_rej, int64_t now_ms,
			     uint64_t *applied_seq, size_t *n_changed);

/*
 * Rejected records, both kinds: those our parent refused (child NULL) and
 * those this node refused from its children; cb is called for each, ours
 * first, then by child, each by key.  0 or cb's return.
 */
int dongbo_store_rejected(struct dongbo_store *store,
			  int (*cb)(void *arg, const struct dongbo_rejection *r),
			  void *arg);

/*
 * Sends again the records our parent refused, for units within `within`
 * (NULL: all): each key's current value is appended to the log (same
 * version) and its rejection dropped, in one transaction.  A key written
 * since was cleared already.  *n (may be NULL) receives how many.
 */
int dongbo_store_rejected_retry(struct dongbo_store *store, const char *within,
				int64_t now_ms, size_t *n);

/* The state of child unit (its store identity, cursor, counts), read
 * only.  0, DONGBO_E_NOTFOUND (not a known child) or a store error. */
int dongbo_store_child_get(struct dongbo_store *store, const char *unit,
			   struct dongbo_child_state *out);

/* Calls cb for each known child, in code order; a non-zero return from cb
 * stops the walk and is returned. */
int dongbo_store_children(struct dongbo_store *store,
			  int (*cb)(void *arg, const struct dongbo_child_state *c),
			  void *arg);

/* ---- This node's side of its session with its parent ---- */

struct dongbo_uplink_state {
	char parent_store_id[DONGBO_STORE_ID_LEN + 1]; /* "" before any ack */
	uint64_t acked_seq; /* the parent has applied the log up to here */
	int64_t last_ack_ms; /* 0 never */
	uint64_t head_seq;   /* last seq in the log; 0 when empty */
	/* Entries up to the acknowledged point are pruned: the log keeps
	 * log_first..head_seq (log_first = head_seq + 1 when empty). */
	uint64_t log_first;
	uint64_t waiting;    /* entries after acked_seq */
	int64_t oldest_ms;   /* at_ms of the first of them; 0 when none or
				unknown */
};

int dongbo_store_uplink_state(struct dongbo_store *store,
			      struct dongbo_uplink_state *out);

/*
 * Records the parent's acknowledgement, durably, and prunes the log
 * entries up to acked_seq.  acked_seq may go down (a parent that lost its
 * store restarts at 0; see dongbo_store_log_cover).  rej lists the records
 * of the acknowledged batch the parent refused: each is kept (listed by
 * dongbo_store_rejected) unless a newer version of its key was written
 * since; writing the key again clears it.  All in one transaction.
 */
int dongbo_store_uplink_ack(struct dongbo_store *store,
			    const char *parent_store_id, uint64_t acked_seq,
			    int64_t now_ms, const struct dongbo_rejection *rej,
			    size_t n_rej);

/*
 * dongbo_store_uplink_ack for a plain step forward, written later than
 * the acknowledgement came (by a thread other than the one that keeps
 * the session): writes acked_seq only if, inside the write transaction,
 * the store still acknowledges to parent_store_id, up to less than
 * acked_seq, and still(arg) (may be NULL) returns true; else writes
 * nothing and returns 0.  So it never undoes an acknowledgement written
 * after it was decided -- one that moved the cursor back, or to another
 * parent store.  *moved (may be NULL): whether it wrote.
 */
int dongbo_store_uplink_advance(struct dongbo_store *store,
				const char *parent_store_id,
				uint64_t acked_seq, int64_t now_ms,
				bool (*still)(void *arg), void *arg,
				bool *moved);

/*
 * Makes the log able to bring a parent that has applied it up to
 * after_seq to this node's current state.  When entries after after_seq
 * were pruned and no snapshot in the log covers them (a parent that lost
 * its store), appends a snapshot: every stored value and tombstone, with
 * its version, as new log entries, in one transaction.  *appended (may be
 * NULL) receives how many entries were added.
 */
int dongbo_store_log_cover(struct dongbo_store *store, uint64_t after_seq,
			   int64_t now_ms, uint64_t *appended);

/* Calls cb for up to max_n log entries with seq > after_seq, in order.
 * *n_read (may be NULL) receives how many were passed.  A non-zero return
 * from cb stops the walk and is returned. */
int dongbo_store_log_read(struct dongbo_store *store, uint64_t after_seq,
			  size_t max_n,
			  int (*cb)(void *arg, const struct dongbo_record *rec),
			  void *arg, size_t *n_read);

/* ---- Reading values and roll-ups ---- */

struct dongbo_value {
	int64_t value;
	uint64_t version;
	bool deleted;
};

/* The value entered for exactly this key (stated: the stated total).
 * Returns 0 (a tombstone is found with deleted = true) or
 * DONGBO_E_NOTFOUND. */
int dongbo_store_get(struct dongbo_store *store, const char *unit,
		     const char *indicator, const char *period, bool stated,
		     struct dongbo_value *out);

/*
 * The value of unit for indicator in period: the one entered for that
 * period, or else one composed from its parts by the indicator's time rule
 * (a year from its halves, a half from its quarters, a quarter from its
 * months, recursively; sum needs every part, first/last the first/last
 * part).  *composed (may be NULL) tells which.  0 or DONGBO_E_NOTFOUND.
 */
int dongbo_store_value_at(struct dongbo_store *store, const char *unit,
			  const char *indicator, const char *period,
			  int64_t *value, bool *composed);

struct dongbo_agg {
	int64_t sum;
	int64_t count; /* how many unit values contribute */
	/* The smallest and largest contributing value, exact under
	 * corrections; set for indicators with rule min, max or count,
	 * 0 for others. */
	int64_t min, max;
};

enum dongbo_part_kind {
	DONGBO_PART_LEVEL, /* key is a level name from the unit list */
	DONGBO_PART_CHILD, /* key is the code of a child of the anchor */
};

/*
 * The roll-up of indicator/period over anchor's subtree (anchor within
 * home): *total, then cb for each non-empty part, levels first, each kind
 * in key order.  cb may be NULL.  Each unit counts with its value at the
 * period as dongbo_store_value_at gives it, so any period can be asked for,
 * also one nobody entered directly.  Returns 0, DONGBO_E_NOTFOUND when no
 * value lies in the subtree, DONGBO_E_INVAL for an indicator with rule
 * none or ratio (none keeps no roll-ups; a ratio is computed from the
 * roll-ups of its parts) or one not in the catalog.
 */
int dongbo_store_rollup(struct dongbo_store *store, const char *anchor,
			const char *indicator, const char *period,
			struct dongbo_agg *total,
			int (*cb)(void *arg, enum dongbo_part_kind kind,
				  const char *key, const struct dongbo_agg *agg),
			void *arg);

/* For indicators with rule min, max or count: cb for each distinct value
 * among the units of the total (kind/key NULL) or of one part, with how
 * many units hold it, in increasing order.  0 or DONGBO_E_NOTFOUND. */
int dongbo_store_rollup_dist(struct dongbo_store *store, const char *anchor,
			     const char *indicator, const char *period,
			     const enum dongbo_part_kind *kind, const char *key,
			     int (*cb)(void *arg, int64_t value, int64_t units),
			     void *arg);

/* A unit whose entered value for a period differs from the one its parts
 * compose to (e.g. 2022S1 entered 100, 2022Q1 + 2022Q2 = 90).  Roll-ups
 * use the entered value. */
struct dongbo_conflict {
	const char *unit;
	const char *period;
	int64_t entered;
	int64_t composed;
};

/* Calls cb for every conflict of indicator in anchor's subtree at period
 * or any period within it, by period then unit.  0 or cb's return. */
int dongbo_store_conflicts(struct dongbo_store *store, const char *anchor,
			   const char *indicator, const char *period,
			   int (*cb)(void *arg, const struct dongbo_conflict *c),
			   void *arg);

/* Calls cb for every entered value and stated total (tombstones left out)
 * of a unit in anchor's subtree, for period (NULL: every period), in key
 * order.  rec->seq is 0.  0 or cb's return. */
int dongbo_store_values(struct dongbo_store *store, const char *anchor,
			const char *period,
			int (*cb)(void *arg, const struct dongbo_record *rec),
			void *arg);

/* ---- Restoring a store from the parent ---- */

/*
 * Parent side: up to max values (tombstones and stated totals included) of
 * exactly `unit` (not its subtree), in key order, after the key (indicator,
 * period, stated) when after_indicator is not NULL.  *more is true when
 * values remain after the last one passed.  0 or cb's return.
 */
int dongbo_store_unit_values(struct dongbo_store *store, const char *unit,
			     const char *after_indicator,
			     const char *after_period, bool after_stated,
			     size_t max,
			     int (*cb)(void *arg, const struct dongbo_record *rec),
			     void *arg, bool *more);

/*
 * Child side.  A restore is pending from restore_request (or the creation
 * of a store with restore_if_new) until restore_apply is given a NULL
 * progress.  restore_state copies the progress text the caller saved (""
 * at the start) into buf, or returns DONGBO_E_NOTFOUND when no restore is
 * pending (DONGBO_E_TOOBIG when it does not fit).
 */
int dongbo_store_restore_request(struct dongbo_store *store);
int dongbo_store_restore_state(struct dongbo_store *store, char *buf,
			       size_t cap);

/*
 * Stores values fetched from the parent (units within home), each by
 * version as if a child had sent it: a change is appended to the log and
 * to the audit trail (link restore, peer parent_unit, origin the record's
 * when it is a known unit, else parent_unit) and folded into the roll-ups,
 * and the version clock moves past every version seen, so that later
 * writes here win over them.  Saves progress (NULL: the restore is done)
 * in the same transaction.  *n_changed (may be NULL) receives how many
 * values changed.  DONGBO_E_INVAL when there are records and parent_unit
 * is not a known unit.
 */
int dongbo_store_restore_apply(struct dongbo_store *store,
			       const struct dongbo_record *recs, size_t n,
			       const char *parent_unit, const char *progress,
			       int64_t now_ms, size_t *n_changed);

/* ---- Submission and approval (store_approval.c) ---- */

enum dongbo_approval_state {
	DONGBO_APPROVAL_DRAFT,	   /* being entered (or reopened) */
	DONGBO_APPROVAL_SUBMITTED, /* sent to the parent level */
	DONGBO_APPROVAL_APPROVED,  /* locked at the unit */
	DONGBO_APPROVAL_RETURNED,  /* sent back with a note */
};

#define DONGBO_APPROVAL_STATE_MAX DONGBO_APPROVAL_RETURNED
#define DONGBO_APPROVAL_USER_MAX 63
#define DONGBO_APPROVAL_NOTE_MAX 255
#define DONGBO_FORM_CODE_MAX 63 /* as DONGBO_INDICATOR_CODE_MAX */

/* "draft", "submitted", "approved", "returned"; "?" outside the enum. */
const char *dongbo_approval_state_word(enum dongbo_approval_state st);

/* Parses a word of dongbo_approval_state_word.  0 or DONGBO_E_INVAL. */
int dongbo_approval_state_parse(const char *word,
				enum dongbo_approval_state *out);

/* The state of one (unit, form, period), copied (no borrowed pointers). */
struct dongbo_approval {
	char unit[DONGBO_UNIT_CODE_MAX + 1];
	char form[DONGBO_FORM_CODE_MAX + 1];
	char period[DONGBO_PERIOD_MAX];
	enum dongbo_approval_state state;
	/* A value the form needs for the period changed at the approving
	 * node after the approval (set there, replicated like the state). */
	bool changed;
	uint64_t version;  /* higher wins, as with values; > 0 when stored */
	int64_t at_ms;	   /* when the state was set (wall clock) */
	char node[DONGBO_UNIT_CODE_MAX + 1]; /* home unit of the node that set it */
	char user[DONGBO_APPROVAL_USER_MAX + 1]; /* who, "" unknown */
	char note[DONGBO_APPROVAL_NOTE_MAX + 1]; /* a return's reason */
	/* From the log: the entry's seq; from approvals_since: the place in
	 * the sender's sequence of state changes; else 0. */
	uint64_t seq;
};

/* The state of (unit, form, period).  0 or DONGBO_E_NOTFOUND (never
 * submitted: a draft). */
int dongbo_store_approval_get(struct dongbo_store *store, const char *unit,
			      const char *form, const char *period,
			      struct dongbo_approval *out);

/* Calls cb for every approval state of unit, by form then period.  0 or
 * cb's return. */
int dongbo_store_approvals(struct dongbo_store *store, const char *unit,
			   int (*cb)(void *arg, const struct dongbo_approval *a),
			   void *arg);

/*
 * Sets a state at this node (submit, approve, return, reopen), when the
 * stored version of its key is still if_version (0: none stored): a new
 * version from the store's clock, above the stored one; logged to go up
 * and numbered to go down, in one transaction.  a->version receives the
 * version.  Returns 0, DONGBO_E_STATE (the state changed since it was
 * read), DONGBO_E_INVAL (a field empty or too long, unit not within home),
 * DONGBO_E_MAP_FULL, DONGBO_E_IO.
 */
int dongbo_store_approval_put_local(struct dongbo_store *store,
				    struct dongbo_approval *a,
				    uint64_t if_version, int64_t now_us);

/* A batch from a child: values (recs) and approval states (aps, each with
 * its log seq), both sorted by seq within first_seq..last_seq. */
struct dongbo_child_batch {
	const char *child_unit;
	const char *child_store_id;
	uint64_t first_seq, last_seq;
	const struct dongbo_record *recs;
	size_t n;
	const struct dongbo_approval *aps;
	size_t n_aps;
	const struct dongbo_rejection *rej;
	size_t n_rej;
	int64_t now_ms;
};

/* As dongbo_store_apply_child, with approval states too: each of a unit
 * within the child's subtree is applied by version (DONGBO_E_OUTSIDE_SUBTREE
 * otherwise: the caller refuses those first), interleaved with the values
 * by seq. */
int dongbo_store_apply_batch(struct dongbo_store *store,
			     const struct dongbo_child_batch *batch,
			     uint64_t *applied_seq, size_t *n_changed);

/* The outcome of one batch of dongbo_store_apply_batches. */
struct dongbo_batch_result {
	int rv; /* as dongbo_store_apply_batch returns */
	uint64_t applied_seq;
	size_t n_changed;
};

/*
 * Several batches, of one child or several, applied as
 * dongbo_store_apply_batch applies each, in order, but in one write
 * transaction and one durable commit (group commit): res[i] receives the
 * outcome of cbs[i].  A batch refused before anything of it is written
 * (DONGBO_E_INVAL, NEED_HELLO, GAP) is refused alone.  A batch that fails
 * midway (or a failing commit) makes the group fall back to one
 * transaction per batch, so that the error is that batch's own and the
 * others are stored.
 */
void dongbo_store_apply_batches(struct dongbo_store *store,
				const struct dongbo_child_batch *const *cbs,
				size_t n, struct dongbo_batch_result *res);

/*
 * Parent side, toward a child: up to max states of units within `within`
 * changed here after `after` in this node's sequence of state changes, in
 * that order (a->seq their place).  *next receives where to go on from
 * (the place of the last one looked at, or the newest when none remain);
 * *more whether states after *next remain.  0 or a store error.
 */
int dongbo_store_approvals_since(struct dongbo_store *store,
				 const char *within, uint64_t after,
				 size_t max,
				 int (*cb)(void *arg,
					   const struct dongbo_approval *a),
				 void *arg, uint64_t *next, bool *more);

/* Child side: how far the states from parent store parent_store_id have
 * been taken (0 when from another store or none). */
int dongbo_store_approvals_cursor(struct dongbo_store *store,
				  const char *parent_store_id,
				  uint64_t *cursor);

/*
 * Child side: applies states sent down by the parent (units within home
 * only; others are skipped), each by version, not logged up (the parent
 * has them), and stores next as the cursor into parent_store_id's
 * sequence, in one transaction.  *n_changed (may be NULL) receives how
 * many changed.
 */
int dongbo_store_approvals_from_parent(struct dongbo_store *store,
				       const char *parent_store_id,
				       const struct dongbo_approval *aps,
				       size_t n, uint64_t next, int64_t now_ms,
				       size_t *n_changed);

/* ---- The audit trail ---- */

/* How an accepted change reached this node. */
enum dongbo_link {
	DONGBO_LINK_LOCAL,   /* entered here: put, delete, import */
	DONGBO_LINK_CHILD,   /* a child's record that won by version */
	DONGBO_LINK_RESTORE, /* a value taken back from the parent */
};

/* "local", "child", "restore". */
const char *dongbo_link_word(enum dongbo_link link);

/* One accepted change; strings are borrowed, as with records. */
struct dongbo_audit_entry {
	/* unit, indicator, period, stated; value, deleted, version as
	 * stored by the change; seq its place in this node's history (its
	 * log sequence number, growing with every change); at_ms when it
	 * was accepted (wall clock); origin the home unit of the node it was
	 * entered at. */
	struct dongbo_record rec;
	enum dongbo_link link;
	/* local: who entered it (DONGBO_AUDIT_UID_NONE and "" when nobody
	 * is known); child: peer is the child's home unit; restore: the
	 * parent's. */
	uint32_t uid;
	const char *peer;
};

/* Which changes dongbo_store_audit lists. */
struct dongbo_audit_query {
	const char *unit;      /* required */
	const char *indicator; /* NULL: every indicator of the unit */
	const char *period;    /* NULL: every period (needs indicator) */
	bool only_stated;      /* stated totals only (else both kinds) */
	uint64_t before_seq;   /* older than this; 0: from the newest */
	size_t max;	       /* at most this many (> 0) */
};

/*
 * The newest q->max changes matching q, newest first (by seq): cb for
 * each; a non-zero return stops the walk and is returned.  *more (may be
 * NULL) tells whether older matching changes remain.  One read
 * transaction.  Returns 0, DONGBO_E_INVAL (no unit, max 0, a period without
 * an indicator, fields too long), DONGBO_E_NOMEM or a store error.
 */
int dongbo_store_audit(struct dongbo_store *store,
		       const struct dongbo_audit_query *q,
		       int (*cb)(void *arg, const struct dongbo_audit_entry *e),
		       void *arg, bool *more);

/*
 * Recomputes every roll-up from the stored values and compares it with the
 * maintained one.  Returns 0, or DONGBO_E_CORRUPT with the first difference
 * described in err.  For tests and `dongbo fsck`-style checks.
 */
int dongbo_store_verify(struct dongbo_store *store, char *err, size_t errlen);

#endif
