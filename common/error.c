#include "error.h"
#include "i18n.h"

static const char *const messages[] = {
#define X(name, msg) msg,
	DONGBO_ERRORS(X)
#undef X
};

static const char *const names[] = {
#define X(name, msg) #name,
	DONGBO_ERRORS(X)
#undef X
};

static int code_index(int code)
{
	if (code > 0 || -code >= DONGBO_ERR_COUNT_)
		return -1;
	return -code;
}

const char *dongbo_strerror(int code)
{
	int i = code_index(code);

	return i < 0 ? _("unknown error") : _(messages[i]);
}

const char *dongbo_errname(int code)
{
	/* Names are upper case in the table; scripts get them as written. */
	int i = code_index(code);

	return i < 0 ? "UNKNOWN" : names[i];
}
