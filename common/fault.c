/*
 * fault.c -- test-only crash points (see fault.h).
 */
#include "fault.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define FAULTS_MAX 8
#define POINT_MAX 32

static const char *const known_points[] = {
	"child.before_send",	"child.after_send",
	"child.before_ack_write", "parent.before_commit",
	"parent.after_commit",	"child.restore_page",
	"ctl.before_reply",	"sync.drop_listener",
	"writer.stall",
};

/* Points that are acted on (dongbo_fault_trigger) rather than crashed at. */
static bool point_is_trigger(const char *p)
{
	return strcmp(p, "sync.drop_listener") == 0 ||
	       strcmp(p, "writer.stall") == 0;
}

struct fault {
	char point[POINT_MAX];
	unsigned long at; /* the hit that kills */
	unsigned long hits;
};

static struct fault faults[FAULTS_MAX];
static size_t n_faults;

static int point_is_known(const char *p)
{
	for (size_t i = 0; i < sizeof(known_points) / sizeof(known_points[0]);
	     i++)
		if (strcmp(p, known_points[i]) == 0)
			return 1;
	return 0;
}

/* One "POINT[:N]" item of the variable. */
static int fault_parse(const char *item, size_t len)
{
	struct fault *f;
	const char *colon = memchr(item, ':', len);
	size_t plen = colon != NULL ? (size_t)(colon - item) : len;
	uint64_t at = 1;

	if (n_faults == FAULTS_MAX || plen == 0 || plen >= POINT_MAX) {
		dongbo_log_error("DONGBO_FAULT: bad item '%.*s'", (int)len,
				 item);
		return -1;
	}
	f = &faults[n_faults];
	memcpy(f->point, item, plen);
	f->point[plen] = '\0';
	if (!point_is_known(f->point)) {
		dongbo_log_error("DONGBO_FAULT: unknown point '%s'", f->point);
		return -1;
	}
	if (colon != NULL) {
		char num[24];
		size_t nlen = len - plen - 1;

		if (nlen == 0 || nlen >= sizeof(num))
			goto bad_count;
		memcpy(num, colon + 1, nlen);
		num[nlen] = '\0';
		if (!dongbo_parse_u64(num, UINT32_MAX, &at) || at == 0)
			goto bad_count;
	}
	f->at = (unsigned long)at;
	f->hits = 0;
	n_faults++;
	if (point_is_trigger(f->point))
		dongbo_log_warn("DONGBO_FAULT: will act at the %lu%s time at %s",
				f->at, f->at == 1 ? "st" : "th", f->point);
	else
		dongbo_log_warn("DONGBO_FAULT: will crash at the %lu%s time "
				"at %s", f->at, f->at == 1 ? "st" : "th",
				f->point);
	return 0;

bad_count:
	dongbo_log_error("DONGBO_FAULT: bad count in '%.*s'", (int)len, item);
	return -1;
}

int dongbo_fault_init(void)
{
	const char *v = getenv("DONGBO_FAULT");

	n_faults = 0;
	if (v == NULL || *v == '\0')
		return 0;
	while (*v != '\0') {
		size_t len = strcspn(v, ",");

		if (fault_parse(v, len) != 0)
			return -1;
		v += len;
		if (*v == ',')
			v++;
	}
	return 0;
}

/* Counts a hit of point; the fault whose Nth hit this is (or, with
 * from_nth, a later one), else NULL. */
static const struct fault *hit(const char *point, bool from_nth)
{
	for (size_t i = 0; i < n_faults; i++) {
		struct fault *f = &faults[i];

		if (strcmp(f->point, point) != 0)
			continue;
		if (++f->hits == f->at || (from_nth && f->hits > f->at))
			return f;
	}
	return NULL;
}

bool dongbo_fault_trigger(const char *point)
{
	const struct fault *f = hit(point, false);

	if (f == NULL)
		return false;
	dongbo_log_error("fault: %s triggered (%lu)", point, f->hits);
	return true;
}

#define STALL_MS 10000
#define GATE_MAX_MS 120000
#define GATE_POLL_MS 10

void dongbo_fault_stall(const char *point)
{
	const char *gate = getenv("DONGBO_FAULT_GATE");
	struct timespec t = { .tv_sec = STALL_MS / 1000 };
	unsigned waited = 0;

	if (gate == NULL || *gate == '\0') {
		if (dongbo_fault_trigger(point))
			while (nanosleep(&t, &t) != 0)
				;
		return;
	}
	if (hit(point, true) == NULL || access(gate, F_OK) != 0)
		return;
	dongbo_log_error("fault: %s held while %s exists", point, gate);
	t = (struct timespec){ .tv_nsec = GATE_POLL_MS * 1000000L };
	while (access(gate, F_OK) == 0 && waited < GATE_MAX_MS) {
		nanosleep(&t, NULL);
		waited += GATE_POLL_MS;
	}
	if (waited >= GATE_MAX_MS)
		dongbo_log_error("fault: %s released after %u ms, %s still there",
				 point, waited, gate);
	else
		dongbo_log_error("fault: %s released after %u ms", point,
				 waited);
}

void dongbo_fault_point(const char *point)
{
	const struct fault *f = hit(point, false);

	if (f == NULL)
		return;
	dongbo_log_error("fault: %s reached (%lu), killing self", point,
			 f->hits);
	raise(SIGKILL);
	_exit(137); /* not reached */
}
