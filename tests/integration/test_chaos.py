#!/usr/bin/env python3
"""
test_chaos.py -- crash anywhere: kill -9 any node at any moment, start it
again, and everything converges, nothing lost, nothing doubled.

    python3 test_chaos.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]
                          [--duration SECONDS]

Scenarios:
  chaos        A federation of 13 dongbod processes -- province 24 (Tỉnh
               Bắc Giang) <- districts 213, 215, 216 <- three communes
               each -- with writers at every node entering, correcting and
               deleting values continuously (the province also hosts 217,
               213 hosts 07213 and 216 hosts 07321).  Meanwhile a seeded
               schedule, every 0.3-1.5 s, kills a random node (SIGKILL
               mostly, SIGTERM sometimes; sometimes two nodes at once,
               sometimes a parent and its child together) and starts it
               again after a random short delay -- one start in four with
               a random crash point of the daemon's fault hook armed (see
               crash_points), so that nodes also die exactly before or
               after a send, before or after a parent's commit.  After
               --duration seconds (default $DONGBO_CHAOS_DURATION, else
               20) every node is started (plainly), the writers stop, the
               federation must converge
               within a deadline, and then: every roll-up at every node
               equals the truth recomputed from scratch (Federation.check),
               every node holds exactly its subtree's acknowledged values
               and no deleted one (Federation.check_values), and each node's
               store passes its own from-scratch verification (`dongbo
               verify`, Federation.verify).
  crash_points For each crash point of the daemon's test-only fault hook
               (DONGBO_FAULT=POINT:N, common/fault.h) -- child.before_send,
               child.after_send, child.before_ack_write,
               parent.before_commit, parent.after_commit
               -- a federation of 1 + 1 + 2 nodes (24 <- 213 <- 07201,
               07207) under writers; for N = 1, 2, 5 in turn, one node (a
               commune or the district for a child point, the district or
               the province for a parent point) is started with the fault
               set, must kill itself there ("fault: POINT" in its log),
               is started again without it, and the federation must
               converge and pass the same checks.

The ground truth is the latest acknowledged value of every key
(federation.Federation.put/delete).  A put or delete whose outcome is
unknown because its node died is repeated, with the same value, until it is
acknowledged: the truth never depends on whether the lost attempt was
stored.

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first.  The long run (10 minutes of chaos):

    python3 tests/integration/test_chaos.py chaos --duration 600 \\
        --dongbod build/daemon/dongbod --dongbo build/cli/dongbo

Exit status 0 on success, 1 on failure (with the reason, the kept temp dir
and the tail of every node's log), 2 on a usage error.
"""

import argparse
import os
import random
import re
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (Federation, TestFailure,  # noqa: E402
                        Writer, log, pick_seed, run_reported, wait_for)

INDICATORS = [
    "hs_nhan_truc_tuyen", "hs_nhan_truc_tiep", "hs_ton_ky_truoc",
    "hs_giai_quyet_truoc_han", "hs_giai_quyet_dung_han",
    "hs_giai_quyet_qua_han", "hs_dang_giai_quyet_trong_han",
    "hs_dang_giai_quyet_qua_han",
]
PERIODS = ["2022", "2022S1", "2022Q1", "2022Q3", "2022M06"]

# name -> (unit, parent node, listen, hosted units)
CHAOS_NODES = [
    ("p24", "24", None, "ipc", ["217"]),
    ("d213", "213", "p24", "tcp", ["07213"]),
    ("d215", "215", "p24", "ipc", []),
    ("d216", "216", "p24", "tcp", ["07321"]),
    ("c07201", "07201", "d213", None, []),
    ("c07207", "07207", "d213", None, []),
    ("c07210", "07210", "d213", None, []),
    ("c07243", "07243", "d215", None, []),
    ("c07246", "07246", "d215", None, []),
    ("c07249", "07249", "d215", None, []),
    ("c07306", "07306", "d216", None, []),
    ("c07309", "07309", "d216", None, []),
    ("c07315", "07315", "d216", None, []),
]

CRASH_NODES = [
    ("p24", "24", None, "ipc", []),
    ("d213", "213", "p24", "tcp", ["07213"]),
    ("c07201", "07201", "d213", None, []),
    ("c07207", "07207", "d213", None, []),
]

# Fewer keys in crash_points (one indicator, these periods): each of its 12
# cycles ends with a full check.
CRASH_PERIODS = ["2022", "2022S1", "2022Q1", "2022M06"]

FAULT_POINTS = ["child.before_send", "child.after_send",
                "child.before_ack_write",
                "parent.before_commit", "parent.after_commit"]

# How long a put or delete of unknown outcome is repeated; how long a
# SIGTERM may take (dongbod's own watchdog ends a stop after 5 s).
RETRY_FOR_S = 90.0
STOP_DEADLINE_S = 20.0


def build(fed, spec):
    for name, unit, parent, listen, hosts in spec:
        fed.add_node(name, unit, parent=parent, listen=listen, hosts=hosts)


class ChaosWriter(Writer):
    """Keeps entering seeded values at one node, for its home unit and the
    units it hosts: mostly corrections of a small key space, sometimes a
    deletion of a key that holds a value, sometimes the month typed in its
    non-canonical spelling.  Each put or delete of unknown outcome (the
    node died) is repeated, unchanged, until acknowledged."""

    def __init__(self, fed, name, units, indicators, periods, seed,
                 pace=0.0, p_delete=0.12):
        super().__init__(fed, name, units[0], indicators, periods, seed,
                         retry_for=RETRY_FOR_S)
        self.units = list(units)
        self.pace = pace
        self.p_delete = p_delete
        self.puts = 0
        self.deletes = 0

    def step(self):
        rng = self.rng
        unit = rng.choice(self.units)
        ind = rng.choice(self.indicators)
        per = rng.choice(self.periods)
        typed = per
        if per == "2022M06" and rng.random() < 0.2:
            typed = "2022M6"
        with self.fed.lock:
            exists = (unit, ind, per) in self.fed.truth
        if exists and rng.random() < self.p_delete:
            self.fed.delete(self.node_name, unit, ind, typed,
                            canon_period=per, retry_for=RETRY_FOR_S)
            self.deletes += 1
        else:
            self.fed.put(self.node_name, unit, ind, typed,
                         str(rng.randint(0, 5000)), canon_period=per,
                         retry_for=RETRY_FOR_S)
            self.puts += 1

    def run(self):
        try:
            while not self.stop_evt.is_set():
                self.step()
                if self.pace > 0:
                    self.stop_evt.wait(self.rng.uniform(0, self.pace))
        except BaseException as e:  # reported by raise_if_failed/finish
            self.error = e

    def finish(self, timeout=RETRY_FOR_S + 60):
        super().finish(timeout)


def start_writers(fed, rng, names, indicators, pace, periods=PERIODS):
    ws = []
    for name in names:
        n = fed.node(name)
        units = [n.unit] + list(n.hosts)
        ws.append(ChaosWriter(fed, name, units, indicators, periods,
                              rng.random(), pace=pace))
    for w in ws:
        w.start()
    return ws


def stop_writers(writers, failing=False):
    """Stops every writer; when failing, without hiding the first error."""
    for w in writers:
        w.stop_evt.set()
    for w in writers:
        try:
            w.finish()
        except TestFailure as e:
            if not failing:
                raise
            log("(also: %s)" % e)


# ---- chaos ----

class Chaos:
    """The seeded kill/restart schedule, run from the main thread (daemons
    are only spawned from there).  Node states: up (a dongbod we started,
    not yet signalled: it may still be starting), stopping (signalled, not
    yet exited), down (exited, to be started again at a set time)."""

    def __init__(self, fed, rng, writers):
        self.fed = fed
        self.rng = rng
        self.writers = writers
        self.state = {name: ("up", None) for name in fed.nodes}
        self.kills = {"SIGKILL": 0, "SIGTERM": 0}
        self.faults_set = 0  # restarts with DONGBO_FAULT
        self.faults_hit = 0  # ... that crashed there
        self.events = 0
        self.term_early = 0  # SIGTERMs that came before the handler
        self.restarts = 0

    def _children(self, name):
        return [c.name for c in self.fed.nodes.values()
                if c.parent is not None and c.parent.name == name]

    def _signal(self, name, now):
        sig = signal.SIGKILL if self.rng.random() < 0.8 else signal.SIGTERM
        signame = "SIGKILL" if sig == signal.SIGKILL else "SIGTERM"
        if not self.fed.node(name).running():
            # It exited just now, on its own: a crash point, else a bug.
            self._check_up(name, now)
            return "%s (had exited)" % name
        self.fed.send_signal(name, sig)
        self.kills[signame] += 1
        self.state[name] = ("stopping", sig, now + STOP_DEADLINE_S,
                            self.state[name][1])
        return "%s %s" % (signame, name)

    def _restart_delay(self):
        r = self.rng.random()
        if r < 0.25:
            return self.rng.uniform(0, 0.05)
        if r < 0.75:
            return self.rng.uniform(0.1, 1.0)
        return self.rng.uniform(1.0, 3.0)

    def kill_some(self, now):
        up = [n for n, s in self.state.items() if s[0] == "up"]
        if not up:
            return
        r = self.rng.random()
        victims = []
        if r < 0.15:
            parents = [n for n in up if
                       any(c in up for c in self._children(n))]
            if parents:
                p = self.rng.choice(parents)
                c = self.rng.choice([c for c in self._children(p) if c in up])
                victims = [p, c]
        elif r < 0.30 and len(up) >= 2:
            victims = self.rng.sample(up, 2)
        if not victims:
            victims = [self.rng.choice(up)]
        self.events += 1
        done = [self._signal(v, now) for v in victims]
        log("chaos #%d: %s" % (self.events, ", ".join(done)))

    def _fault_for(self, name):
        """Sometimes a crash point for the next start of NAME: the child
        points for a node with a parent, the parent points for one with
        children."""
        if self.rng.random() >= 0.25:
            return None
        points = []
        if self.fed.node(name).parent is not None:
            points += [p for p in FAULT_POINTS if p.startswith("child.")]
        if self._children(name):
            points += [p for p in FAULT_POINTS if p.startswith("parent.")]
        return "%s:%d" % (self.rng.choice(points), self.rng.randint(1, 6))

    def _start(self, name):
        fault = self._fault_for(name)
        self.fed.start(name, wait=False,
                       env={"DONGBO_FAULT": fault} if fault else None)
        self.restarts += 1
        self.faults_set += fault is not None
        self.state[name] = ("up", fault)

    def _check_up(self, name, now):
        """A node we did not signal must not exit, unless it was started
        with a crash point and died there."""
        rc = self.fed.poll_exit(name)
        if rc is None:
            return
        fault = self.state[name][1]
        if rc == -signal.SIGKILL and self._fault_hit(name, fault):
            self.faults_hit += 1
            log("chaos: %s crashed at %s" % (name, fault))
            self.state[name] = ("down", now + self._restart_delay())
            return
        raise TestFailure("%s: dongbod exited by itself with status %s "
                          "(nobody signalled it; DONGBO_FAULT %s)"
                          % (name, rc, fault or "unset"))

    def _fault_hit(self, name, fault):
        """NAME was started with crash point FAULT and its log says it
        crashed there."""
        if fault is None:
            return False
        point = fault.split(":")[0]
        return re.search(r"(?<![A-Za-z_])fault: %s\b" % re.escape(point),
                         self.fed.log_since_start(name)) is not None

    def _reap_stopping(self, name, now):
        _, sig, deadline, fault = self.state[name]
        rc = self.fed.poll_exit(name)
        if rc is None:
            if now > deadline:
                n = self.fed.node(name)
                self.fed.backtrace(n)
                raise TestFailure("%s: dongbod still running %.0f s after "
                                  "%s" % (name, STOP_DEADLINE_S,
                                          signal.Signals(sig).name))
            return
        if sig == signal.SIGKILL:
            if rc != -signal.SIGKILL:
                raise TestFailure("%s: exit status %s after SIGKILL"
                                  % (name, rc))
        elif rc == -signal.SIGKILL and self._fault_hit(name, fault):
            # It reached its crash point as the SIGTERM came.
            self.faults_hit += 1
            log("chaos: %s crashed at %s (while asked to stop)"
                % (name, fault))
        elif rc == -signal.SIGTERM:
            # Only acceptable before dongbod installed its handler, which
            # it does just before logging "started".
            if re.search(r"\) started, pid", self.fed.log_since_start(name)):
                raise TestFailure("%s: died of SIGTERM (status %s) after it "
                                  "had started: no clean stop" % (name, rc))
            self.term_early += 1
        elif rc != 0:
            raise TestFailure("%s: exit status %s on SIGTERM (expected 0)"
                              % (name, rc))
        self.state[name] = ("down", now + self._restart_delay())

    def tick(self, now, restart=True):
        for w in self.writers:
            w.raise_if_failed()
        for name, s in list(self.state.items()):
            if s[0] == "up":
                self._check_up(name, now)
            elif s[0] == "stopping":
                self._reap_stopping(name, now)
            elif s[0] == "down" and restart and now >= s[1]:
                self._start(name)

    def run(self, duration):
        t_end = time.monotonic() + duration
        next_kill = time.monotonic() + self.rng.uniform(0.3, 1.5)
        while True:
            now = time.monotonic()
            if now >= t_end:
                break
            self.tick(now)
            if now >= next_kill:
                self.kill_some(now)
                next_kill = now + self.rng.uniform(0.3, 1.5)
            time.sleep(0.02)
        # The end: every node still armed with a crash point, and every
        # signalled one, stopped; then all of them started plainly.
        for name, s in self.state.items():
            if s[0] == "up" and s[1] is not None:
                self.events += 1
                log("chaos #%d (end): %s" % (self.events, self._signal(
                    name, time.monotonic())))
        wait_for(lambda: (self.tick(time.monotonic(), restart=False) or
                          all(s[0] != "stopping"
                              for s in self.state.values())),
                 STOP_DEADLINE_S + 5, "the last signalled nodes to exit")
        down = [n for n, s in self.state.items() if s[0] == "down"]
        for name in down:
            self.fed.start(name, wait=False)
            self.restarts += 1
            self.state[name] = ("up", None)
        for name in self.fed.nodes:
            self.fed.wait_up(name, timeout=60)
        log("chaos over: %d events, %d SIGKILL, %d SIGTERM (%d before the "
            "handler was installed), %d crash points hit of %d set, %d "
            "restarts; last restart: %s"
            % (self.events, self.kills["SIGKILL"], self.kills["SIGTERM"],
               self.term_early, self.faults_hit, self.faults_set,
               self.restarts, ", ".join(down) or "none"))


def federation_records(fed):
    """Records in the outbound logs of every node (entered and relayed)."""
    return sum(fed.status(n)["log_seq"] for n in fed.nodes)


def scenario_chaos(fed, rng, duration):
    build(fed, CHAOS_NODES)
    fed.start_all()
    inds = rng.sample(INDICATORS, 3)
    log("chaos for %.0f s over %d nodes; indicators %s, periods %s"
        % (duration, len(fed.nodes), ",".join(inds), ",".join(PERIODS)))
    writers = start_writers(fed, rng, list(fed.nodes), inds, pace=0.05)
    chaos = Chaos(fed, random.Random(rng.random()), writers)
    try:
        chaos.run(duration)
        t_up = time.monotonic()
        stop_writers(writers)
    except BaseException:
        stop_writers(writers, failing=True)
        raise
    puts = sum(w.puts for w in writers)
    deletes = sum(w.deletes for w in writers)
    log("writers done: %d puts, %d deletes; %d attempts of unknown outcome "
        "repeated" % (puts, deletes, fed.ambiguous_puts))
    fed.converge(timeout=120)
    t_conv = time.monotonic() - t_up
    records = federation_records(fed)
    fed.check()
    fed.check_values()
    fed.verify()
    print("SUMMARY chaos seed %d: %d nodes, %d kills (%d SIGKILL, %d "
          "SIGTERM, %d at crash points) in %.0f s, %d puts, %d deletes, %d "
          "keys held, %d records logged, converged %.2f s after the last "
          "restart"
          % (fed.seed, len(fed.nodes),
             sum(chaos.kills.values()) + chaos.faults_hit,
             chaos.kills["SIGKILL"], chaos.kills["SIGTERM"],
             chaos.faults_hit, duration, puts, deletes, len(fed.truth),
             records, t_conv), flush=True)


# ---- crash points ----

def crash_cycle(fed, rng, point, target, nth, inds):
    """Starts TARGET with DONGBO_FAULT=POINT:NTH under writers at every node,
    waits for it to kill itself there, starts it again without the fault,
    converges and checks."""
    if fed.node(target).running():
        rc = fed.stop(target)
        if rc != 0:
            raise TestFailure("%s: exit status %s on SIGTERM" % (target, rc))
    fault = "%s:%d" % (point, nth)
    fed.start(target, env={"DONGBO_FAULT": fault})
    log("%s started with DONGBO_FAULT=%s" % (target, fault))
    writers = start_writers(fed, rng, list(fed.nodes), inds, pace=0.02,
                            periods=CRASH_PERIODS)
    try:
        # A first Hello that nng 1.5's TLS layer leaves unanswered is
        # dialed afresh after 3 timeouts (30 s, uplink_redial), then the
        # push reaches the crash point: 40 s was too close to that.
        rc = fed.wait_exit(target, 60, "reach %s" % fault)
        if rc != -signal.SIGKILL:
            raise TestFailure("%s: exit status %s at %s (expected SIGKILL)"
                              % (target, rc, fault))
        text = fed.log_since_start(target)
        if not re.search(r"(?<![A-Za-z_])fault: %s\b" % re.escape(point),
                         text):
            raise TestFailure("%s died (status %s) but its log has no "
                              "'fault: %s' line:\n%s"
                              % (target, rc, point, text[-2000:]))
        log("%s killed itself at %s" % (target, fault))
        fed.wait_puts(list(fed.nodes), rng.randint(3, 10), 30, writers)
        fed.start(target)
        fed.wait_puts([target], rng.randint(3, 10), 30, writers)
        stop_writers(writers)
    except BaseException:
        stop_writers(writers, failing=True)
        raise
    fed.converge(timeout=60)
    fed.check(label="CHECK after %s at %s" % (fault, target))
    fed.check_values(label="VALUES after %s at %s" % (fault, target))
    fed.verify(label="VERIFY after %s at %s" % (fault, target))


def scenario_crash_points(make_fed, rng):
    for i, point in enumerate(FAULT_POINTS):
        if point.startswith("child."):
            targets = ["c07201", "d213", "c07207"]
        else:
            targets = ["d213", "p24", "d213"]
        with make_fed("crash_points-%s" % point) as fed:
            build(fed, CRASH_NODES)
            fed.start_all()
            inds = rng.sample(INDICATORS, 1)
            for nth, target in zip((1, 2, 5), targets):
                crash_cycle(fed, rng, point, target, nth, inds)
            log("%s: %d crash cycles converged and checked"
                % (point, len(targets)))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", choices=["chaos", "crash_points"])
    ap.add_argument("--dongbod", required=True, help="path of dongbod")
    ap.add_argument("--dongbo", required=True, help="path of the dongbo CLI")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--duration", type=float, default=None,
                    help="seconds of chaos (default $DONGBO_CHAOS_DURATION, "
                    "else 20)")
    a = ap.parse_args(argv)
    seed = pick_seed(a.seed)
    duration = a.duration
    if duration is None:
        duration = float(os.environ.get("DONGBO_CHAOS_DURATION", "") or 20)

    def body():
        rng = random.Random(seed)
        if a.scenario == "chaos":
            with Federation(a.dongbod, a.dongbo, seed, label="chaos") as fed:
                scenario_chaos(fed, rng, duration)
                return fed.cli_calls
        feds = []

        def make_fed(label):
            fed = Federation(a.dongbod, a.dongbo, seed, label=label)
            feds.append(fed)
            return fed
        scenario_crash_points(make_fed, rng)
        return sum(f.cli_calls for f in feds)
    return run_reported(a.scenario, seed, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
