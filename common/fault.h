/*
 * fault.h -- test-only crash points.
 *
 * The daemon marks the instants where a crash matters most to the
 * replication protocol (a child about to send, a parent about to commit,
 * ...).  In normal runs a mark costs one branch.  With the environment
 * variable
 *
 *     DONGBO_FAULT=POINT[:N][,POINT[:N]...]
 *
 * the process logs "fault: POINT reached (N)" and kills itself with SIGKILL
 * -- exactly what kill -9 does, no handler runs, nothing is flushed -- the
 * Nth time (default: the first) it reaches POINT.  The integration tests
 * use it to crash a node at a chosen instant and prove it converges after
 * a restart.  Unknown point names are reported once at start, so that a
 * typo cannot make a test pass vacuously.
 *
 * Points (daemon/):
 *   child.before_send    a push carrying records is about to be sent
 *   child.after_send     the reply to such a push arrived; the child has
 *                        not stored the acknowledgement yet
 *   child.before_ack_write  the writer is about to store the parent's
 *                        acknowledgement of records; the next push may be
 *                        on its way already
 *   parent.before_commit a child's batch with changes is applied, not yet
 *                        committed
 *   parent.after_commit  the batch is committed; the Ack has not left
 *   child.restore_page   a page of restored values arrived, not yet stored
 *   ctl.before_reply     a control request that changes data was carried
 *                        out (committed); its reply has not left
 * Acted on, not crashed at (dongbo_fault_trigger):
 *   sync.drop_listener   a probe of the node's own listener is due
 *                        (probe.c): the listener is closed behind the
 *                        server's back, as a deaf one would be
 *   writer.stall         the writer is about to apply children's
 *                        records (sync.c): its thread sleeps 10 s first,
 *                        as under a slow disk, while the loop goes on;
 *                        with DONGBO_FAULT_GATE set, at the Nth hit
 *                        and every later one it waits instead while the
 *                        file that names exists (at most 120 s), so
 *                        that a test decides how long
 */
#ifndef DONGBO_COMMON_FAULT_H
#define DONGBO_COMMON_FAULT_H

#include <stdbool.h>

/* Reads DONGBO_FAULT.  Returns 0, or -1 when it names an unknown point or
 * a bad count (logged).  Call once at start, before any fault_point. */
int dongbo_fault_init(void);

/* Marks that POINT was reached; may not return (see above). */
void dongbo_fault_point(const char *point);

/* For a point that is acted on rather than crashed at: true the Nth time
 * it is reached (logged "fault: POINT triggered (N)"), else false. */
bool dongbo_fault_trigger(const char *point);

/* For a stall point such as writer.stall: holds the calling thread as
 * described above, if the point is set. */
void dongbo_fault_stall(const char *point);

#endif
