/*
 * catch_up.c -- a link's catch-up (see catch_up.h).
 */
#include "catch_up.h"

#include "log.h"

#define CATCH_UP_MIN 1000u
#define PROGRESS_LOG_MS 2000

void dongbo_catch_up_begin(struct dongbo_catch_up *c, const char *parent,
			   const struct dongbo_uplink_state *st, int64_t now)
{
	if (st->waiting < CATCH_UP_MIN) {
		c->total = 0;
		return;
	}
	if (c->total > 0 && st->acked_seq == c->base) {
		/* The same catch-up, resumed after a failure: announced. */
		c->total = st->waiting;
		return;
	}
	c->total = st->waiting;
	c->base = st->acked_seq;
	c->start_ms = now;
	c->logged_ms = now;
	c->logged_sent = 0;
	dongbo_log_info("uplink: catching up with %s: %llu records waiting, "
			"the oldest accepted %lld s ago", parent,
			(unsigned long long)st->waiting,
			st->oldest_ms > 0 ? (long long)(now - st->oldest_ms) / 1000
					  : -1LL);
}

void dongbo_catch_up_progress(struct dongbo_catch_up *c, const char *parent,
			      const struct dongbo_uplink_state *st,
			      int64_t now)
{
	uint64_t sent;
	double secs;

	if (c->total == 0) {
		/* Much waiting without a new session (the connection came
		 * back under a request in flight): a catch-up too. */
		if (st->waiting >= CATCH_UP_MIN)
			dongbo_catch_up_begin(c, parent, st, now);
		return;
	}
	sent = st->acked_seq > c->base ? st->acked_seq - c->base : 0;
	/* What arrived meanwhile (a district relaying its communes' own
	 * catch-ups) is part of this one: "sent of total" stays true. */
	if (sent + st->waiting > c->total)
		c->total = sent + st->waiting;
	secs = (double)(now - c->start_ms) / 1000.0;
	if (st->waiting == 0) {
		dongbo_log_info("uplink: caught up with %s: %llu records in "
				"%.1f s (%.0f/s)", parent,
				(unsigned long long)sent, secs,
				secs > 0 ? (double)sent / secs : 0.0);
		c->total = 0;
		return;
	}
	/* Every PROGRESS_LOG_MS, or every tenth of the way when faster. */
	if (now - c->logged_ms < PROGRESS_LOG_MS &&
	    sent < c->logged_sent + c->total / 10)
		return;
	c->logged_ms = now;
	c->logged_sent = sent;
	dongbo_log_info("uplink: catching up with %s: %llu of %llu records "
			"sent, %llu waiting (%.0f/s)", parent,
			(unsigned long long)sent, (unsigned long long)c->total,
			(unsigned long long)st->waiting,
			secs > 0 ? (double)sent / secs : 0.0);
}

uint64_t dongbo_catch_up_sent(const struct dongbo_catch_up *c,
			      uint64_t waiting)
{
	if (c->total == 0)
		return 0;
	return c->total - (waiting < c->total ? waiting : c->total);
}
