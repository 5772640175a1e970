/*
 * error.h -- the one table of dongbo error codes.
 *
 * Every fallible dongbo function returns int: 0 on success or one of the
 * negative DONGBO_E_* codes below.  Foreign codes (MDB_*, NNG_*, UV_*, errno)
 * are translated once, in the module that owns the library, and never cross
 * a module boundary.
 */
#ifndef DONGBO_COMMON_ERROR_H
#define DONGBO_COMMON_ERROR_H

/* X(name, message).  Codes are assigned in order: OK = 0, then -1, -2, ...
 * Append only: the numbers travel on the wire in error replies. */
#define DONGBO_ERRORS(X)                                                       \
	X(OK, "success")                                                       \
	X(NOMEM, "out of memory")                                              \
	X(INVAL, "invalid argument")                                           \
	X(NOTFOUND, "not found")                                               \
	X(EXISTS, "already exists")                                            \
	X(IO, "input/output error")                                            \
	X(PROTO, "malformed or unexpected message")                            \
	X(TOOBIG, "message or field too large")                                \
	X(UNKNOWN_UNIT, "unknown unit")                                        \
	X(UNKNOWN_INDICATOR, "unknown indicator")                              \
	X(BAD_PERIOD, "malformed period")                                      \
	X(BAD_VALUE, "bad value")                                              \
	X(NOT_HOSTED, "unit is not hosted by this node")                       \
	X(OUTSIDE_SUBTREE, "unit is outside the sender's subtree")             \
	X(MAP_FULL, "store is full")                                           \
	X(CORRUPT, "store data is corrupt")                                    \
	X(TIMEOUT, "timed out")                                                \
	X(CLOSED, "closed")                                                    \
	X(CONNREFUSED, "connection refused")                                   \
	X(CONFIG, "bad configuration")                                         \
	X(GAP, "log gap: records missing before this batch")                   \
	X(NEED_HELLO, "session unknown: hello first")                          \
	X(BUSY, "busy")                                                        \
	X(VERSION, "incompatible version")                                     \
	X(AUTH, "authentication failed") \
	X(PERM, "permission denied")                                           \
	X(LOCKED, "locked: the form is approved for that period")              \
	X(STATE, "not allowed in the form's approval state")

enum dongbo_err {
#define DONGBO_ERR_ENUM_(name, msg) DONGBO_ERR_IDX_##name,
	DONGBO_ERRORS(DONGBO_ERR_ENUM_)
#undef DONGBO_ERR_ENUM_
	DONGBO_ERR_COUNT_
};

#define DONGBO_ERR_DEFINE_(name, msg) DONGBO_E_##name = -DONGBO_ERR_IDX_##name,
enum { DONGBO_ERRORS(DONGBO_ERR_DEFINE_) };
#undef DONGBO_ERR_DEFINE_

/* Human-readable message for a DONGBO_E_* code (never NULL), translated
 * in the caller's locale (po/ extracts the table's messages). */
const char *dongbo_strerror(int code);

/* Stable lower-case symbolic name ("unknown_unit") for scripts and JSON. */
const char *dongbo_errname(int code);

#endif
