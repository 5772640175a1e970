/*
 * util.h -- small libc helpers shared by the parsers: strict decimal
 * numbers, error text (at a line), and opening a file or a buffer as a stream.
 */
#ifndef DONGBO_COMMON_UTIL_H
#define DONGBO_COMMON_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A plain decimal number 0..max: digits only, no sign, space or separator.
 * *out is written only when true is returned. */
bool dongbo_parse_u64(const char *s, uint64_t max, uint64_t *out);

/*
 * Reconnecting with exponential backoff and jitter: after a failure wait
 * dongbo_backoff_delay(base, random) -- uniform over [base/2, base], so
 * that many children cut off together do not come back in step -- then
 * double base up to max (dongbo_backoff_grow).
 */
unsigned dongbo_backoff_delay(unsigned base_ms, uint32_t rnd);
unsigned dongbo_backoff_grow(unsigned base_ms, unsigned max_ms);

/* splitmix64: the next number of a seeded sequence, the same on every
 * platform (tests and test tools: a seed replays a run). */
uint64_t dongbo_splitmix64(uint64_t *state);

/*
 * Room for one more element in a growing array: arr holds n of *cap
 * elements of size bytes.  Returns arr itself when n < *cap, else arr
 * reallocated to twice *cap (first when *cap is 0) with *cap updated, or
 * NULL when out of memory (arr and *cap unchanged).  Use:
 *	p = dongbo_grow(v, &cap, n, sizeof(*v), 16); if (!p) fail; v = p;
 */
void *dongbo_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first);

/*
 * Copies that live together and go together: bytes taken in turn from
 * chunks of DONGBO_ARENA_CHUNK (a larger copy gets a chunk of its own),
 * so that many small copies cost few allocations.  Zero-initialise;
 * dongbo_arena_free frees every copy and leaves the arena empty.
 */
#define DONGBO_ARENA_CHUNK 65536

struct dongbo_arena_chunk;
struct dongbo_arena {
	struct dongbo_arena_chunk *head;
};

/* size bytes aligned for any type (uninitialised), or NULL when out of
 * memory. */
void *dongbo_arena_alloc(struct dongbo_arena *a, size_t size);

/* A copy of len bytes of p, or NULL when out of memory. */
void *dongbo_arena_copy(struct dongbo_arena *a, const void *p, size_t len);

/* A copy of the string s with its NUL, or NULL when out of memory. */
char *dongbo_arena_strdup(struct dongbo_arena *a, const char *s);

void dongbo_arena_free(struct dongbo_arena *a);

/* snprintf into err when err is not NULL and errlen > 0. */
void dongbo_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "NAME:LINE: " and then the message into err, as dongbo_errf: a parser's
 * error at a line of its input. */
void dongbo_verrf_at(char *err, size_t errlen, const char *name, long long line,
		     const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/* Opens path for reading.  Returns 0, or DONGBO_E_IO with "cannot open
 * 'PATH': reason" in err. */
int dongbo_file_open(const char *path, FILE **out, char *err, size_t errlen);

/* Opens len bytes of buf as a read-only stream (buf must outlive it).
 * Returns 0 or DONGBO_E_NOMEM. */
/*
 * Reads path whole into *out (malloc'd, *len bytes, and a NUL after them
 * that *len does not count).  A file larger than max bytes is refused with
 * DONGBO_E_CONFIG; DONGBO_E_IO when it cannot be read, DONGBO_E_NOMEM.
 */
int dongbo_read_file(const char *path, size_t max, char **out, size_t *len,
		     char *err, size_t errlen);

int dongbo_mem_open(const char *buf, size_t len, FILE **out);

#endif
