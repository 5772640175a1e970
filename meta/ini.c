/*
 * ini.c -- INI files read line by line through inih: see dongbo_ini.h for
 * why inih is not simply handed the whole file.
 */
#include "dongbo_ini.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "error.h"
#include "i18n.h"
#include "util.h"

int dongbo_ini_fail(struct dongbo_ini_src *src, int rc, int line,
		    const char *fmt, ...)
{
	va_list ap;

	if (src->rc != 0 && src->err_line <= line)
		return rc;
	src->rc = rc;
	src->err_line = line;
	va_start(ap, fmt);
	/* Shown where it is made (the CLI, the node's log): translated here. */
	dongbo_verrf_at(src->err, src->errlen, src->name, line, _(fmt), ap);
	va_end(ap);
	return rc;
}

/*
 * Looks at a line before inih does, to refuse what inih would misread and
 * to report "[section]" lines (see dongbo_ini.h).
 */
static int src_check_line(struct dongbo_ini_src *src, const char *s, size_t len)
{
	const char *end = s + len, *close, *rest;
	bool indented;

	if (src->lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	indented = s < end && isspace((unsigned char)*s);
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end || *s == ';' || *s == '#')
		return 0;
	if (indented && src->key_seen)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "indented line would continue the "
				       "previous value; remove the "
				       "indentation '%.*s'",
				       (int)(end - s), s);
	if (*s != '[') {
		if (memchr(s, '=', (size_t)(end - s)) == NULL &&
		    memchr(s, ':', (size_t)(end - s)) == NULL)
			return dongbo_ini_fail(src, DONGBO_E_CONFIG,
					       src->lineno,
					       "expected 'key = value' or "
					       "'[section]' '%.*s'",
					       (int)(end - s), s);
		return 0;
	}
	close = memchr(s, ']', (size_t)(end - s));
	if (close == NULL)
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "section line without ']' '%.*s'",
				       (int)(end - s), s);
	for (rest = close + 1; rest < end && isspace((unsigned char)*rest);)
		rest++;
	if (rest < end && *rest != ';' && *rest != '#')
		return dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				       "text after the section name '%.*s'",
				       (int)(end - s), s);
	src->key_seen = false;
	return src->on_section(src, s + 1, (size_t)(close - s - 1));
}

/*
 * inih's reader: hands inih the next line, or NULL to end the parse at the
 * end of the file or at the first error.
 */
static char *src_read(char *buf, int size, void *stream)
{
	struct dongbo_ini_src *src = stream;
	ssize_t n;
	size_t len;

	if (src->rc != 0)
		return NULL;
	n = getline(&src->line, &src->cap, src->f);
	if (n < 0)
		return NULL; /* end of file or error: the parse tells which */
	src->lineno++;
	len = (size_t)n;
	if (memchr(src->line, '\0', len) != NULL) {
		dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				"NUL byte in line");
		return NULL;
	}
	/* inih needs room for the text, "\r\n" and a NUL. */
	n = (ssize_t)len;
	while (n > 0 && (src->line[n - 1] == '\n' || src->line[n - 1] == '\r'))
		n--;
	if (size < 3 || n > size - 3 || len + 1 > (size_t)size) {
		dongbo_ini_fail(src, DONGBO_E_CONFIG, src->lineno,
				"line longer than %d bytes '%.40s...'",
				size - 3, src->line);
		return NULL;
	}
	if (src_check_line(src, src->line, len) != 0)
		return NULL;
	memcpy(buf, src->line, len + 1);
	return buf;
}

/* inih's handler: inih stops at once when this returns 0. */
static int src_key_cb(void *user, const char *section, const char *key,
		      const char *value)
{
	struct dongbo_ini_src *src = user;

	/* The section is tracked by the reader, which sees its full name. */
	(void)section;
	src->key_seen = true;
	if (src->rc != 0)
		return 0;
	return src->on_key(src, key, value) == 0;
}

int dongbo_ini_parse(struct dongbo_ini_src *src)
{
	int rc;

	rc = ini_parse_stream(src_read, src, src_key_cb, src);
	if (rc == -2)
		return dongbo_ini_fail(src, DONGBO_E_NOMEM, src->lineno,
				       "out of memory");
	if (rc > 0)
		dongbo_ini_fail(src, DONGBO_E_CONFIG, rc,
				"cannot parse this line as '[section]' or "
				"'key = value'");
	if (src->rc == 0 && !feof(src->f))
		dongbo_ini_fail(src,
				ferror(src->f) ? DONGBO_E_IO : DONGBO_E_NOMEM,
				src->lineno + 1, "cannot read: %s",
				strerror(errno));
	free(src->line);
	src->line = NULL;
	return src->rc;
}
