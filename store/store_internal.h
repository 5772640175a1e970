/*
 * store_internal.h -- shared by the store/ sources only; nothing outside
 * store/ sees <lmdb.h> or these layouts.
 *
 * On-disk layout (format 1).  All integers are big-endian, so that numeric
 * keys sort in LMDB's default byte order and a dump reads the same on any
 * host.  Strings inside keys are separated by NUL, which no field may
 * contain, so a key is binary-safe and a prefix of fields is a key range.
 *
 *   meta      "format" -> u8 STORE_FORMAT
 *             "id"     -> 32 lower-case hex digits
 *             "home"   -> home unit code (the roll-ups stop there)
 *             "clock"  -> u64 last version given by put_local
 *             "head"   -> u64 last log seq (0: empty log)
 *             "uplink" -> u64 acked_seq, i64 last_ack_ms, then 0 or 32
 *                         bytes of parent store id
 *             "catver" -> u64 catalog version the roll-ups follow
 *             "catalog" -> the catalog received from the parent (bytes)
 *   values    unit \0 indicator \0 period [\0 's']
 *             -> u64 version, i64 value, u8 flags (bit 0: deleted)
 *             The suffix \0 's' marks a stated total, which sorts right
 *             after the entered value of the same key.
 *             "restore" -> progress text of a pending restore (absent:
 *                         none pending)
 *             "snapshot" -> u64 first seq of the last snapshot appended
 *                         to the log (dongbo_store_log_cover)
 *   log       u64 seq
 *             -> u64 version, i64 value, u8 flags (bit 0: deleted,
 *                bit 1: stated, bit 2: i64 at_ms follows, bit 3: origin
 *                follows), [i64 at_ms,] unit \0 indicator \0 period \0
 *                [origin \0] (NUL-terminated so a record handed out can
 *                point into the map instead of being copied).  Entries
 *                up to the parent's acknowledgement are deleted (pruned).
 *   audit     unit \0 indicator \0 period \0 kind u64 seq
 *             (format 3) kind is 'v' for a value, 's' for a stated
 *             total; seq the change's log sequence number, so a key's
 *             history is one range in the order the changes were
 *             accepted, and a unit's (or a unit's indicator's) a prefix.
 *             -> u64 version, i64 value, u8 flags (bit 0: deleted),
 *                i64 at_ms, u8 link (enum dongbo_link), u32 uid,
 *                peer \0 origin \0.  Appended by every accepted change in
 *                its transaction; never pruned.
 *   rejected  'p' values key: a record our parent refused
 *             'c' child \0 values key: a record refused from a child
 *             -> u64 version, i64 value, u8 flags, i32 code, i64 at_ms,
 *                u64 seq, reason (the rest)
 *   rollup    anchor \0 indicator \0 period \0 dim
 *             -> i64 sum, i64 count (count > 0; an entry reaching 0 is
 *                deleted)
 *             dim is 'A' (all: the total) or 'L' + level name.  The letters
 *             sort total < levels, so one prefix range scan yields the
 *             total and the levels.  (format 5) The total is kept only for
 *             indicators with a distribution (below); any other total is
 *             the sum of the levels, every value being at exactly one
 *             level, and is added up when read.  (format 6) No entry per
 *             child (formerly 'S' + child code): a child's part of its
 *             parent's roll-up is the child's own total, read there.
 *             (format 7) No entry of a unit without children: its
 *             roll-up is its own value, read from the values.  A
 *             unit counts with its value at the period as store_year_read
 *             gives it (entered, or composed from parts), so periods
 *             nobody entered have roll-ups too.
 *   dist      rollup key \0 u64 sortable value (sign bit flipped)
 *             -> i64 units holding that value (> 0), for indicators with
 *             rule min, max or count: the first and last entry under a
 *             roll-up key are its minimum and maximum, whatever was
 *             corrected.
 *   conflict  indicator \0 period \0 unit
 *             -> i64 entered, i64 composed: the unit's entered value for
 *             the period differs from what its parts compose to.
 *   children child unit code
 *             -> 32 bytes store id, u64 applied_seq, u64 received,
 *                i64 last_seen_ms
 *   approval  unit \0 form \0 period       (format 4)
 *             -> u64 version, u64 aseq, u8 state, u8 flags (bit 0:
 *                changed after approval), i64 at_ms, node \0 user \0
 *                note \0.  aseq is the change's place in this node's
 *                sequence of state changes (meta "aseq" the last given).
 *   apseq     u64 aseq -> approval key: the states in the order they
 *             changed here, for the children (dongbo_store_approvals_since);
 *             a state's older entry is deleted when it changes again.
 *   log entries of approval states (flag bit 4, format 4):
 *             u64 version, i64 at_ms of the state, u8 flags (0x14), i64
 *             at_ms accepted, u8 state, u8 aflags, unit \0 form \0
 *             period \0 node \0 user \0 note \0.
 *   meta "apdown" -> 32 bytes parent store id, u64 cursor: how far the
 *             states sent down by that parent store were taken.
 */
#ifndef DONGBO_STORE_INTERNAL_H
#define DONGBO_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "period.h"
#include "store.h"

/* Format 2 added stated totals, dist and conflict; a format 1 store is
 * read as is and upgraded by rebuilding its roll-ups.  Format 3 added the
 * audit trail and origins in log entries; an older store is marked 3 at
 * open (so that an older build refuses it rather than misread its log)
 * and starts with an empty history. */
/* Format 4 added approval states (their databases and log entries); a
 * format 3 store opens as it is, with none.  Format 5 keeps the total
 * roll-up entry only where a distribution hangs from it, format 6 no
 * entry per child, format 7 none of a unit without children; an older
 * store rebuilds its roll-ups when it opens. */
#define STORE_FORMAT 7
#define STORE_FORMAT_MIN 1

/* LMDB's compiled-in key limit (mdb_env_get_maxkeysize) is 511 unless
 * MDB_MAXKEYSIZE was changed; keys are built in buffers of this size and
 * anything longer is refused up front. */
#define STORE_KEY_MAX 511

#define STORE_DIM_TOTAL 'A'
#define STORE_DIM_LEVEL 'L'

#define STORE_VALUE_LEN 17
#define STORE_AGG_LEN 16
#define STORE_CHILD_LEN (DONGBO_STORE_ID_LEN + 24)
#define STORE_LOG_HDR_LEN 17
#define STORE_UPLINK_LEN 16

#define STORE_FLAG_DELETED 0x01u
#define STORE_FLAG_STATED 0x02u /* in log entries only */
#define STORE_FLAG_AT 0x04u	/* in log entries only */
#define STORE_FLAG_ORIGIN 0x08u /* in log entries only */
#define STORE_FLAG_APPROVAL 0x10u /* in log entries only: a state */
#define STORE_APPROVAL_HDR_LEN 26	/* approval entry before its strings */
#define STORE_LOG_APPROVAL_HDR_LEN 27	/* log entry of a state, the same */
#define STORE_APPROVAL_FLAG_CHANGED 0x01u
/* Room for an encoded approval (either layout). */
#define STORE_APPROVAL_MAX (STORE_LOG_APPROVAL_HDR_LEN + \
			    3 * (DONGBO_UNIT_CODE_MAX + 1) + \
			    DONGBO_FORM_CODE_MAX + 1 + DONGBO_PERIOD_MAX + \
			    DONGBO_APPROVAL_USER_MAX + 1 + \
			    DONGBO_APPROVAL_NOTE_MAX + 1)
#define STORE_LOG_AT_LEN 8
#define STORE_REJ_LEN 37	/* rejected entry before its reason */
#define STORE_REJ_OURS 'p'
#define STORE_REJ_CHILD 'c'
#define STORE_STATED_SUFFIX 's'
#define STORE_DIST_VALUE_LEN 8
#define STORE_CONFLICT_LEN 16
#define STORE_AUDIT_VALUE 'v'
#define STORE_AUDIT_STATED 's'
#define STORE_AUDIT_HDR_LEN 30 /* audit entry before its strings */
/* Room for an encoded log entry or audit entry. */
#define STORE_LOG_MAX (STORE_LOG_HDR_LEN + STORE_LOG_AT_LEN + STORE_KEY_MAX + \
		       DONGBO_UNIT_CODE_MAX + 2)
#define STORE_AUDIT_PEER_MAX 64 /* a user name or a unit code */
#define STORE_AUDIT_MAX (STORE_AUDIT_HDR_LEN + STORE_AUDIT_PEER_MAX + \
			 DONGBO_UNIT_CODE_MAX + 2)

struct dongbo_store {
	MDB_env *env;
	MDB_dbi dbi_meta;
	MDB_dbi dbi_values;
	MDB_dbi dbi_log;
	MDB_dbi dbi_rollup;
	MDB_dbi dbi_children;
	MDB_dbi dbi_dist;
	MDB_dbi dbi_conflict;
	MDB_dbi dbi_rejected;
	MDB_dbi dbi_audit;
	MDB_dbi dbi_approval;
	MDB_dbi dbi_apseq;
	const struct dongbo_unit *const *hosts; /* borrowed; may be NULL */
	size_t n_hosts;
	uint64_t map_size_max;
	bool restore_if_new;
	bool no_outbox;
	const struct dongbo_units *units; /* borrowed */
	const struct dongbo_catalog *catalog; /* borrowed; may be NULL */
	const struct dongbo_unit *home;	  /* borrowed, inside units */
	char *path;			  /* for messages */
	char id[DONGBO_STORE_ID_LEN + 1];
	bool is_new;
	/* Held shared by every open transaction, exclusive while the map
	 * grows (store_map_grow). */
	pthread_rwlock_t map_lock;
	/* Write transactions committed since open (read by any thread). */
	_Atomic uint64_t commits;
	struct store_aggbuf *aggbuf; /* roll-up changes not yet written */
	struct store_years *years;   /* years the write transaction read */
};

/* A stored value (the values DB's data). */
struct store_value {
	int64_t value;
	uint64_t version;
	bool deleted;
};

/* ---- store.c: errors and transactions ---- */

/* Translates an LMDB (or errno) code to a DONGBO_E_* code, logging the
 * unexpected ones with what was being done. */
int store_mdb_err(const struct dongbo_store *s, const char *what, int rc);

/* Logs a structural problem found in the store and returns
 * DONGBO_E_CORRUPT. */
int store_corrupt(const struct dongbo_store *s, const char *what);

/* Every transaction begins and ends through these (they hold map_lock
 * shared while it is open); a failed commit has ended it too. */
int store_txn_begin(struct dongbo_store *s, bool rdonly, MDB_txn **out);
void store_txn_abort(struct dongbo_store *s, MDB_txn *txn);

/*
 * Calls fn for every entry of dbi whose key starts with the len bytes of
 * prefix (len 0: every entry), in key order, within txn.  A non-zero
 * return from fn stops the walk and is returned; LMDB errors are
 * translated with what ("read values").  Key and data are borrowed for
 * the call only.
 */
int store_walk(struct dongbo_store *s, MDB_txn *txn, MDB_dbi dbi,
	       const void *prefix, size_t len, const char *what,
	       int (*fn)(void *arg, const MDB_val *k, const MDB_val *v),
	       void *arg);

/* The same in a read transaction of its own. */
int store_walk_read(struct dongbo_store *s, MDB_dbi dbi, const void *prefix,
		    size_t len, const char *what,
		    int (*fn)(void *arg, const MDB_val *k, const MDB_val *v),
		    void *arg);
/* Commits; on failure the transaction is gone (as with mdb_txn_commit). */
int store_txn_commit(struct dongbo_store *s, MDB_txn *txn);

int store_meta_get_u64(struct dongbo_store *s, MDB_txn *txn, const char *name,
		       uint64_t *out);
int store_meta_put_u64(struct dongbo_store *s, MDB_txn *txn, const char *name,
		       uint64_t v);

/* A meta u64 that may be absent: dflt then. */
int store_meta_get_u64_or(struct dongbo_store *s, MDB_txn *txn,
			  const char *name, uint64_t dflt, uint64_t *out);

/* The lowest seq kept in the log; head + 1 when it is empty. */
int store_log_first(struct dongbo_store *s, MDB_txn *txn, uint64_t head,
		    uint64_t *out);

/* Saves the progress of a pending restore; NULL: none pending. */
int store_restore_progress_put(struct dongbo_store *s, MDB_txn *txn,
			       const char *progress);

/* Reads the session of a child whose recorded identity is store_id;
 * DONGBO_E_NEED_HELLO when the child is unknown or its identity differs. */
int store_child_session(struct dongbo_store *s, MDB_txn *txn,
			const char *unit, const char *store_id,
			struct dongbo_child_state *out);
int store_child_put(struct dongbo_store *s, MDB_txn *txn,
		    const struct dongbo_child_state *c);

/* The map grows before a write when it is more than half used, and on
 * demand (force) after a write failed with DONGBO_E_MAP_FULL: the public
 * write calls then run again (`do ... while (rc == DONGBO_E_MAP_FULL &&
 * store_map_grow(s, true) == 0)`), which is safe as each is one
 * all-or-nothing transaction.  The calling thread may have no transaction
 * open; those of other threads are waited for (force), or the growing is
 * left for later (ahead of need).  0 when the map grew (or had room, or
 * was busy ahead of need), DONGBO_E_MAP_FULL when it is at its maximum. */
int store_map_grow(struct dongbo_store *s, bool force);

/* ---- store_reject.c ---- */

/* Builds a rejected key: kind, then (for STORE_REJ_CHILD) child \0, then
 * the values key of rec. */
int store_key_rejected(char kind, const char *child,
		       const struct dongbo_record *rec, char key[STORE_KEY_MAX],
		       size_t *key_len);

/* Stores r under key (replacing any earlier one). */
int store_rejected_put(struct dongbo_store *s, MDB_txn *txn, const char *key,
		       size_t key_len, const struct dongbo_rejection *r,
		       int64_t at_ms);

/* Calls fn for each rejection of one kind (STORE_REJ_OURS or
 * STORE_REJ_CHILD) within txn, by key.  fn returns 0 to go on,
 * STORE_WALK_DELETE to drop the entry and go on, or an error that stops
 * the walk. */
#define STORE_WALK_DELETE 0x7fff0d01 /* no DONGBO_E_* nor a caller's 1 */
int store_rejected_walk(struct dongbo_store *s, MDB_txn *txn, char kind,
			int (*fn)(void *arg, const struct dongbo_rejection *r),
			void *arg);

/* Drops every rejection of records from child. */
int store_rejected_forget_child(struct dongbo_store *s, MDB_txn *txn,
				const char *child);

/* Drops the rejection under key when its version is <= version. */
int store_rejected_clear(struct dongbo_store *s, MDB_txn *txn,
			 const char *key, size_t key_len, uint64_t version);

/* ---- store_codec.c: byte layouts, each read checked ---- */

void store_put_u64(unsigned char *p, uint64_t v);
uint64_t store_get_u64(const unsigned char *p);
void store_put_i64(unsigned char *p, int64_t v);
int64_t store_get_i64(const unsigned char *p);

/* True when s is DONGBO_STORE_ID_LEN lower-case hex digits (n bytes). */
bool store_id_is_valid(const char *s, size_t n);

/* Checks a record's strings (non-NULL, non-empty, within the limits) and
 * builds its values key (with the stated suffix when rec->stated).
 * 0 or DONGBO_E_INVAL. */
int store_key_value(const struct dongbo_record *rec, char key[STORE_KEY_MAX],
		    size_t *key_len);

/* Splits a values key into its three fields, copied NUL-terminated into
 * buffers of DONGBO_UNIT_CODE_MAX + 1, DONGBO_INDICATOR_CODE_MAX + 1 and
 * DONGBO_PERIOD_MAX bytes, and whether it is a stated total.
 * 0 or DONGBO_E_CORRUPT. */
int store_key_value_split(const MDB_val *key, char *unit, char *indicator,
			  char *period, bool *stated);

/* Builds the conflict key indicator\0period\0unit. */
int store_key_conflict(const char *indicator, const char *period,
		       const char *unit, char key[STORE_KEY_MAX],
		       size_t *key_len);

/* An int64 as 8 bytes that sort in numeric order, and back. */
void store_put_sortable(unsigned char *p, int64_t v);
int64_t store_get_sortable(const unsigned char *p);

/* Builds the roll-up key prefix anchor\0indicator\0period\0. */
int store_key_rollup_prefix(const char *anchor, const char *indicator,
			    const char *period, char key[STORE_KEY_MAX],
			    size_t *key_len);

void store_value_encode(const struct store_value *v,
			unsigned char buf[STORE_VALUE_LEN]);
int store_value_decode(const MDB_val *data, struct store_value *out);

void store_agg_encode(const struct dongbo_agg *a,
		      unsigned char buf[STORE_AGG_LEN]);
int store_agg_decode(const MDB_val *data, struct dongbo_agg *out);

/* Encodes a log entry into buf (cap bytes); *len receives its size.
 * 0 or DONGBO_E_INVAL when it does not fit. */
int store_log_encode(const struct dongbo_record *rec, uint64_t version,
		     unsigned char *buf, size_t cap, size_t *len);
/* Decodes a log entry; the strings in out point into data.  An entry of
 * an approval state is decoded into *ap (copied), and out->approval points
 * to it with out's unit, indicator (the form) and period pointing into it.
 * 0 or DONGBO_E_CORRUPT. */
int store_log_decode(const MDB_val *key, const MDB_val *data,
		     struct dongbo_record *out, struct dongbo_approval *ap);

/* Builds the approval key unit\0form\0period.  0 or DONGBO_E_INVAL. */
int store_key_approval(const char *unit, const char *form, const char *period,
		       char key[STORE_KEY_MAX], size_t *key_len);

/* Encodes a state as stored in the approval DB (aseq its place in the
 * sequence of changes), or as a log entry accepted at at_ms (log true; aseq
 * unused).  0 or DONGBO_E_INVAL (a string too long or empty). */
int store_approval_encode(const struct dongbo_approval *a, uint64_t aseq,
			  bool log, int64_t at_ms, unsigned char *buf,
			  size_t cap, size_t *len);

/* Decodes an approval DB entry (key and data) into out, *aseq its place.
 * 0 or DONGBO_E_CORRUPT. */
int store_approval_decode(const MDB_val *key, const MDB_val *data,
			  struct dongbo_approval *out, uint64_t *aseq);

/* Builds the audit key of rec's key (kind from rec->stated) at seq.
 * 0 or DONGBO_E_INVAL. */
int store_key_audit(const struct dongbo_record *rec, uint64_t seq,
		    char key[STORE_KEY_MAX], size_t *key_len);

/* Encodes an audit entry (its data; the key holds the rest) into buf (cap
 * bytes); peer and origin may be NULL (stored as "").  0 or
 * DONGBO_E_INVAL when a string is too long. */
int store_audit_encode(const struct dongbo_audit_entry *e, unsigned char *buf,
		       size_t cap, size_t *len);
/* Decodes an audit entry; its strings point into key and data.
 * 0 or DONGBO_E_CORRUPT. */
int store_audit_decode(const MDB_val *key, const MDB_val *data,
		       struct dongbo_audit_entry *out);

void store_child_encode(const struct dongbo_child_state *c,
			unsigned char buf[STORE_CHILD_LEN]);
int store_child_decode(const MDB_val *key, const MDB_val *data,
		       struct dongbo_child_state *out);

/* ---- store_audit.c: the audit trail ---- */

/* Where the changes of one write call come from (all but the origin,
 * which each record carries). */
struct store_audit_src {
	enum dongbo_link link;
	uint32_t uid;	  /* local: DONGBO_AUDIT_UID_NONE when unknown */
	const char *peer; /* user name (local, may be ""), child or parent */
};

/* Appends the audit entry of a change: rec (with its origin) stored at
 * version as log entry seq, accepted at at_ms; cur is on the audit DB in
 * the change's write transaction. */
int store_audit_append(struct dongbo_store *s, MDB_cursor *cur,
		       const struct dongbo_record *rec, uint64_t version,
		       uint64_t seq, int64_t at_ms,
		       const struct store_audit_src *src);

/* The origin of the last change of rec's key (its stated flag included)
 * that the audit trail holds, into origin; "" when it holds none. */
int store_audit_origin(struct dongbo_store *s, MDB_txn *txn,
		       const struct dongbo_record *rec,
		       char origin[DONGBO_UNIT_CODE_MAX + 1]);

/* ---- store_approval.c ---- */

/* Stores a (its version set by the caller) under a new place in the
 * sequence of changes; appends it to the log at ++*head unless log is
 * false or the node keeps no outbox.  at_ms: when it was accepted. */
int store_approval_write(struct dongbo_store *s, MDB_txn *txn,
			 const struct dongbo_approval *a, bool log,
			 uint64_t *head, int64_t at_ms);

/* Reads the stored state of a's key into *old; *found says whether any. */
int store_approval_read(struct dongbo_store *s, MDB_txn *txn,
			const char *unit, const char *form, const char *period,
			struct dongbo_approval *old, bool *found);

/* A value of unit u (rec) changed here from a child node: every approved
 * state of u whose period holds rec's period and whose form needs rec's
 * indicator is marked changed (a new version from the clock, logged),
 * when this node approves u's forms (it hosts u's parent).  *n_changed
 * counts the states marked. */
int store_approval_note_value(struct dongbo_store *s, MDB_txn *txn,
			      const struct dongbo_unit *u,
			      const struct dongbo_record *rec, uint64_t *head,
			      int64_t now_ms, size_t *n_changed);

/* Appends every stored state to the log (a snapshot for a parent that
 * lost its store). */
int store_approval_snapshot(struct dongbo_store *s, MDB_txn *txn,
			    uint64_t *head, int64_t now_ms, uint64_t *n);

/* ---- store_time.c: periods composed from their parts ---- */

/* What the store does with an indicator, from the catalog. */
struct store_rules {
	bool known;  /* stored indicator in the catalog */
	bool rolled; /* roll-ups kept (rule other than none) */
	bool dist;   /* value distribution kept (min, max, count) */
	enum dongbo_time_rule time;
};

void store_rules_of(const struct dongbo_store *s, const char *indicator,
		    struct store_rules *out);

/* A unit's value at a period: entered or composed from the parts. */
struct store_eff {
	int64_t value; /* entered if any, else composed */
	int64_t entered, composed;
	bool present;  /* has_entered || has_composed */
	bool has_entered, has_composed;
	bool conflict; /* entered and composed both present and different */
};

/* A unit's values of one indicator at every period of one year. */
struct store_year {
	struct dongbo_period p[DONGBO_PERIODS_PER_YEAR]; /* pre-order */
	struct store_eff eff[DONGBO_PERIODS_PER_YEAR];
};

/* Where p sits in a struct store_year of its year. */
size_t store_year_index(const struct dongbo_period *p);

/* Reads the entered values of unit/indicator for year within txn (one
 * cursor walk) and composes every period by the time rule.  0,
 * DONGBO_E_BAD_VALUE (a composed sum overflows) or a store error. */
int store_year_read(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		    const char *indicator, int year,
		    enum dongbo_time_rule time, struct store_year *y);

/* (format 7) Whether u keeps roll-up entries of its own: a unit without
 * children does not -- its roll-up would repeat its value, which
 * store_query.c reads instead (store_eff_at).  The one definition, for
 * the writes (store_rollup_keys) and the reads. */
static inline bool store_unit_keeps_rollup(const struct dongbo_unit *u)
{
	return u->first_child != NULL;
}

/* A unit's value of indicator at period p within txn, as store_year_read
 * gives it: 0, DONGBO_E_NOTFOUND when it has none, or an error. */
int store_eff_at(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		 const char *indicator, const struct dongbo_period *p,
		 enum dongbo_time_rule time, struct store_eff *out);

/* Sets the entered value at chain[0] (NULL: none, as after a deletion)
 * in y, read by store_year_read, and composes again the n periods of the
 * chain (store_period_chain): y becomes what store_year_read would read
 * after that write.  0 or DONGBO_E_BAD_VALUE (a composed sum overflows). */
int store_year_enter(struct store_year *y, enum dongbo_time_rule time,
		     const struct dongbo_period *chain, size_t n,
		     const int64_t *value);

/* What store_year_read gives for unit u, within the write transaction
 * txn: the year as the transaction last left it (store_year_keep), else
 * read.  Every value a write transaction stores passes through
 * store_year_keep, so the two never disagree. */
int store_year_get(struct dongbo_store *s, MDB_txn *txn,
		   const struct dongbo_unit *u, const char *indicator, int year,
		   enum dongbo_time_rule time, struct store_year *y);

/* Keeps y as unit u's year of indicator after a write within the write
 * transaction (best effort: may keep nothing). */
void store_year_keep(struct dongbo_store *s, const struct dongbo_unit *u,
		     const char *indicator, int year,
		     const struct store_year *y);

/* Forgets the years kept (a write transaction begun). */
void store_years_reset(struct dongbo_store *s);
void store_years_free(struct dongbo_store *s);

/* The periods whose value may change when the entered value at period
 * changes: period itself, then each enclosing one up to its year.
 * Returns how many (1..4) or 0 when period is malformed. */
size_t store_period_chain(const char *period, struct dongbo_period chain[4]);

/* Where from-scratch computations deliver what one unit contributes. */
struct store_sink {
	/* u's value at period (rolled indicators only). */
	int (*value)(void *arg, const struct dongbo_unit *u,
		     const char *indicator, const char *period, int64_t v,
		     bool dist);
	/* u's entered and composed values differ at period. */
	int (*conflict)(void *arg, const char *unit, const char *indicator,
			const char *period, int64_t entered, int64_t composed);
	void *arg;
};

/* Calls the sink for every value and conflict derived from the entered
 * values of the store (read in txn): the from-scratch definition that the
 * incremental maintenance must match. */
int store_derive_all(struct dongbo_store *s, MDB_txn *txn,
		     const struct store_sink *sink);

/* Stores or removes the conflict record of unit/indicator/period so that
 * it matches e. */
int store_conflict_set(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		       const char *indicator, const char *period,
		       const struct store_eff *e);

/* ---- store_aggbuf.c: roll-up changes of the write transaction ---- */

/* Adds (dsum, dcount) to the roll-up entry at key, to be written by
 * store_aggbuf_flush (store_txn_commit calls it); may write earlier ones
 * within txn to bound its memory.  0, DONGBO_E_NOMEM, or what a flush
 * returns. */
int store_aggbuf_add(struct dongbo_store *s, MDB_txn *txn, const char *key,
		     size_t key_len, int64_t dsum, int64_t dcount);

/* Writes the changes held into txn's roll-up DB and empties the table.  0,
 * DONGBO_E_BAD_VALUE (a sum overflows, at any step of the changes as they
 * came), DONGBO_E_CORRUPT, or a store error; the table is emptied either
 * way and txn must then be aborted. */
int store_aggbuf_flush(struct dongbo_store *s, MDB_txn *txn);

/* Forgets the changes held (a transaction begun, or aborted). */
void store_aggbuf_reset(struct dongbo_store *s);
void store_aggbuf_free(struct dongbo_store *s);

/* ---- store_rollup.c ---- */

/* Moves every roll-up that unit u's value of indicator at period feeds
 * from old to new (NULL: absent), and the value distribution too when
 * dist.  DONGBO_E_BAD_VALUE when a sum would overflow. */
int store_rollup_fold(struct dongbo_store *s, MDB_txn *txn,
		      const struct dongbo_unit *u, const char *indicator,
		      const char *period, bool dist, const int64_t *old_v,
		      const int64_t *new_v);

/* Empties the derived databases and recomputes them from the values, and
 * records the catalog version they follow. */
int store_rebuild(struct dongbo_store *s, MDB_txn *txn);

/* Calls fn for every roll-up key a value of unit u feeds: for each anchor
 * from u up to and including home, the total (when with_total: the
 * indicator has a distribution), u's level, and (above u) the anchor's
 * child toward u.  Stops at the first non-zero return of fn. */
int store_rollup_keys(const struct dongbo_store *s, const struct dongbo_unit *u,
		      const char *indicator, const char *period,
		      bool with_total,
		      int (*fn)(void *arg, const char *key, size_t key_len),
		      void *arg);

#endif
