#include "util.h"

#include <stdlib.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "i18n.h"

bool dongbo_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned d;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned)(*s - '0');
		/* v * 10 + d <= max, without wrapping when d > max. */
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

void dongbo_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void dongbo_verrf_at(char *err, size_t errlen, const char *name, long long line,
		     const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s:%lld: ", name, line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

int dongbo_file_open(const char *path, FILE **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		dongbo_errf(err, errlen, _("cannot open '%s': %s"), path,
			    strerror(errno));
		return DONGBO_E_IO;
	}
	*out = f;
	return 0;
}

int dongbo_read_file(const char *path, size_t max, char **out, size_t *len,
		     char *err, size_t errlen)
{
	FILE *f = NULL;
	char *buf = NULL, *p;
	size_t n = 0, cap = 0, got;
	int rc;

	if ((rc = dongbo_file_open(path, &f, err, errlen)) != 0)
		return rc;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				dongbo_errf(err, errlen, _("%s: larger than %zu "
					    "bytes, the most it may be"), path,
					    max);
				rc = DONGBO_E_CONFIG;
				goto err_after_buf;
			}
			cap = cap ? 2 * cap : 16384;
			if ((p = realloc(buf, cap)) == NULL) {
				dongbo_errf(err, errlen, _("%s: out of memory"),
					    path);
				rc = DONGBO_E_NOMEM;
				goto err_after_buf;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		dongbo_errf(err, errlen, _("cannot read '%s': %s"), path,
			    strerror(errno));
		rc = DONGBO_E_IO;
		goto err_after_buf;
	}
	if (n > max) {
		dongbo_errf(err, errlen, _("%s: larger than %zu bytes, the most "
			    "it may be"), path, max);
		rc = DONGBO_E_CONFIG;
		goto err_after_buf;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;

err_after_buf:
	free(buf);
	fclose(f);
	return rc;
}

int dongbo_mem_open(const char *buf, size_t len, FILE **out)
{
	/* fmemopen() only reads buf in "r" mode; the cast is safe. */
	FILE *f = fmemopen((void *)buf, len, "r");

	if (f == NULL)
		return DONGBO_E_NOMEM;
	*out = f;
	return 0;
}

unsigned dongbo_backoff_delay(unsigned base_ms, uint32_t rnd)
{
	return base_ms / 2 + rnd % (base_ms / 2 + 1);
}

unsigned dongbo_backoff_grow(unsigned base_ms, unsigned max_ms)
{
	if (base_ms == 0)
		return max_ms < 1 ? max_ms : 1;
	return base_ms > max_ms / 2 ? max_ms : base_ms * 2;
}

uint64_t dongbo_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct dongbo_arena_chunk {
	struct dongbo_arena_chunk *next;
	size_t used, cap;
	_Alignas(max_align_t) char data[];
};

/* Room for len bytes, at an offset of its chunk that is a multiple of
 * align (a power of two); NULL when out of memory. */
static char *arena_take(struct dongbo_arena *a, size_t len, size_t align)
{
	struct dongbo_arena_chunk *c = a->head;
	size_t at = c != NULL ? (c->used + align - 1) & ~(align - 1) : 0;

	if (c == NULL || at > c->cap || c->cap - at < len) {
		size_t cap = len > DONGBO_ARENA_CHUNK ? len
						      : DONGBO_ARENA_CHUNK;

		if (cap > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		/* A chunk taken whole for one large copy goes behind the
		 * current one, which keeps its room. */
		if (a->head != NULL && len > DONGBO_ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
			c->used = len;
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		at = 0;
	}
	c->used = at + len;
	return c->data + at;
}

void *dongbo_arena_alloc(struct dongbo_arena *a, size_t size)
{
	return arena_take(a, size, _Alignof(max_align_t));
}

void *dongbo_arena_copy(struct dongbo_arena *a, const void *p, size_t len)
{
	char *d = arena_take(a, len, 1);

	if (d != NULL && len > 0)
		memcpy(d, p, len);
	return d;
}

char *dongbo_arena_strdup(struct dongbo_arena *a, const char *s)
{
	return dongbo_arena_copy(a, s, strlen(s) + 1);
}

void dongbo_arena_free(struct dongbo_arena *a)
{
	while (a->head != NULL) {
		struct dongbo_arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

void *dongbo_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t new_cap;
	void *a;

	if (n < *cap && arr != NULL)
		return arr;
	new_cap = *cap ? *cap * 2 : first;
	if (new_cap == 0 || size == 0 || new_cap > SIZE_MAX / size)
		return NULL;
	a = realloc(arr, new_cap * size);
	if (a == NULL)
		return NULL;
	*cap = new_cap;
	return a;
}
