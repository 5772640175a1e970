#!/usr/bin/env python3
"""
test_replay.py -- duplicates, replays and reordering change nothing.

    python3 test_replay.py SCENARIO --dongbod PATH --dongbo PATH
                           --proxy PATH [--seed N]

The federation: province 24 <- district 213 <- communes 07201 and 07207,
four dongbod processes on loopback.  07201 reaches 213 through
tests/tools/fault_proxy (--proxy), a fault layer that records every
request it forwards; 07207 dials 213 directly.

Scenarios:
  replay    Values, corrections, a deletion, stated totals and a record 213
            refuses (07201 runs a newer catalog with one more indicator)
            flow through the recording proxy, over two sessions (07201 is
            restarted in between).  Once converged and with 07201 stopped,
            213's and 24's state is snapshotted: `export` of every period,
            `rollup --json` of every key, the children's cursors and each
            node's own log head, the audit trail (`log --json`) of every
            unit.  Then `fault_proxy replay` re-sends the recorded
            requests to 213 again in order, newest first, shuffled
            with duplicates, and the first session whole.  After each the
            snapshots must be identical byte for byte, and every reply must
            name 07201's cursor as it was.  07201 restarted, everything
            converges (CHECK).
  ack_lost  The proxy sends every request to 213 twice, drops the reply to
            every second Push after 213 has committed and answered, and
            re-sends an earlier request before every third, while writers
            put values at both communes and at 213.  It converges and every roll-up at
            every node equals the truth recomputed from scratch (CHECK).

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first.  Exit status 0 on success, 1 on failure (with the reason,
the kept temp dir and the tail of every log, the proxy's included), 2 on a
usage error.
"""

import concurrent.futures
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (EXIT_OK, TestFailure, Writer,  # noqa: E402
                        log, run_scenarios)
from test_federation import INDICATORS, PERIODS, enter_values  # noqa: E402

PROVINCE, DISTRICT = "p24", "d213"
VIA_PROXY, DIRECT = "c07201", "c07207"
PROXY = "proxy"
REFUSED_IND = "hs_chi_o_xa"  # in 07201's newer catalog only

# The commune behind a lossy proxy gives up on a request soon, so that a
# lost reply costs half a second, not the default ten.
FAST_SYNC = {"timeout_ms": 500, "heartbeat_ms": 300, "batch_max": 3}


def build(fed, proxy_url):
    """The four nodes (not started); 07201 dials the proxy."""
    fed.add_node(PROVINCE, "24", listen="ipc")
    # Plain TCP: the proxy between the commune and the district speaks
    # the sync protocol in the clear.
    fed.add_node(DISTRICT, "213", parent=PROVINCE, listen="tcp", tls=False)
    fed.add_node(VIA_PROXY, "07201", parent=DISTRICT, parent_url=proxy_url)
    fed.add_node(DIRECT, "07207", parent=DISTRICT)


class Proxy:
    """fault_proxy between 07201 and 213, run as a federation helper."""

    def __init__(self, fed, path, faults=()):
        self.fed = fed
        self.path = path
        self.url = "ipc://%s" % os.path.join(fed.tmp, "proxy.sock")
        self.faults = list(faults)
        self.records = []  # recording files, one per start

    def start(self):
        rec = os.path.join(self.fed.tmp, "record-%d.bin"
                           % (len(self.records) + 1))
        self.records.append(rec)
        self.fed.spawn(PROXY, [self.path, "--listen", self.url,
                               "--parent", self.fed.node(DISTRICT).listen_url,
                               "--record", rec, "--timeout-ms", 3000,
                               "--max-seconds", 150] + self.faults)

    def stop(self):
        """SIGTERM; returns the totals of its last line, as a dict."""
        rc = self.fed.stop_helper(PROXY)
        if rc != 0:
            raise TestFailure("fault_proxy exited with %s on SIGTERM" % rc)
        with open(self.fed.helpers[PROXY].log_path, encoding="utf-8") as f:
            lines = [l for l in f if " totals: " in l]
        if not lines:
            raise TestFailure("fault_proxy printed no totals")
        totals = dict((k, int(v)) for k, v in
                      re.findall(r"(\w+)=(\d+)", lines[-1]))
        log("proxy totals: %s" % " ".join("%s=%d" % kv
                                          for kv in sorted(totals.items())))
        return totals

    def replay(self, mode, seed, record):
        """Replays RECORD to 213 in MODE; returns {reply kind: (count,
        applied_min, applied_max, rejected)} from its summary."""
        rc, out = self.fed.run_helper(
            "replay-" + mode,
            [self.path, "replay", "--parent", self.fed.node(DISTRICT).listen_url,
             "--record", record, "--mode", mode, "--seed", seed,
             "--timeout-ms", 5000, "--max-seconds", 60], timeout=90)
        if rc != 0:
            raise TestFailure("fault_proxy replay --mode %s: exit %s:\n%s"
                              % (mode, rc, out))
        lines = out.strip().splitlines()
        log(" | ".join(lines))
        replies = {}
        for line in lines[1:]:
            m = re.fullmatch(r"(\w+(?: \w+)?) (\d+)(?: applied (\d+)\.\.(\d+))?"
                             r"(?: rejected (\d+))?", line)
            if m is None:
                raise TestFailure("replay: unexpected summary line %r" % line)
            replies[m.group(1)] = tuple(int(x) if x else None
                                        for x in m.group(2, 3, 4, 5))
        return replies


# ---- the state that must not change ----

def has_command(fed, command):
    """The CLI knows COMMAND (`dongbo COMMAND --help` succeeds)."""
    return fed.cli([command, "--help"])[0] == EXIT_OK


def snapshot(fed, names, inds, pers):
    """The state of nodes NAMES as text, key -> CLI output: `export` of
    every period, `rollup --json` of every key of the federation's units in
    the node's subtree, the records refused on their links (`rejected
    --json`) and the outcome of `verify` (where the CLI has them), and from
    `status`: each node's own log head and the cursor (and refusals) of
    each of its children; and the audit trail (`log --json`) of every
    unit of the federation in the node's subtree: a replay is accepted
    nowhere, so it adds no history."""
    jobs = []
    verify = has_command(fed, "verify")
    audit = has_command(fed, "log")
    for name in names:
        n = fed.node(name)
        if has_command(fed, "rejected"):
            jobs.append((name, ("rejected", "--json")))
        if audit:
            jobs += [(name, ("log", u.unit, "--json"))
                     for u in fed.nodes.values()
                     if fed.units.is_within(u.unit, n.unit)]
        jobs += [(name, ("export", n.unit, per)) for per in pers]
        jobs += [(name, ("rollup", u.unit, ind, per, "--json"))
                 for u in fed.nodes.values()
                 if fed.units.is_within(u.unit, n.unit)
                 for ind in inds for per in pers]

    def run(job):
        name, args = job
        rc, out, err = fed.cli(list(args), fed.node(name))
        if rc != EXIT_OK:
            raise TestFailure("%s: dongbo %s: exit %s: %s"
                              % (name, " ".join(args), rc, err.strip()))
        return (name,) + args, out

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        snap = dict(ex.map(run, jobs))
    for name in names:
        if verify:  # its outcome, whatever it is, must not change either
            snap[(name, "verify")] = fed.cli(["verify"], fed.node(name))
        st = fed.status(name)
        snap[(name, "log_seq")] = st.get("log_seq")
        for c in st.get("children", []):
            snap[(name, "child", c["unit"])] = json.dumps(
                {k: c.get(k) for k in ("store_id", "applied_seq", "rejected")},
                sort_keys=True)
    return snap


def compare(before, after, what):
    diff = sorted(k for k in set(before) | set(after)
                  if before.get(k) != after.get(k))
    if diff:
        shown = "\n".join("  %s:\n    before %r\n    after  %r"
                          % (" ".join(map(str, k)), before.get(k),
                             after.get(k)) for k in diff[:6])
        raise TestFailure("%s changed %d of %d things:\n%s"
                          % (what, len(diff), len(before), shown))


def cli_ok(fed, name, args):
    rc, out, err = fed.cli(args, fed.node(name))
    if rc != EXIT_OK:
        raise TestFailure("%s: dongbo %s: exit %s: %s"
                          % (name, " ".join(map(str, args)), rc, err.strip()))
    return out


def enter_extras(fed, rng, inds):
    """Outside the truth: stated totals at 07201 and 213, and a value 213
    refuses.  A deletion at 07201, in the truth."""
    for name, unit in ((VIA_PROXY, "07201"), (DISTRICT, "213")):
        for per in rng.sample(PERIODS, 2):
            cli_ok(fed, name, ["put", unit, rng.choice(inds), per,
                               str(rng.randint(0, 5000)), "--stated"])
    cli_ok(fed, VIA_PROXY, ["put", "07201", REFUSED_IND, "2022", "7"])
    keys = sorted(k for k in fed.truth if k[0] == "07201")
    if hasattr(fed, "delete") and keys:
        fed.delete(VIA_PROXY, *rng.choice(keys))


# ---- scenarios ----

def scenario_replay(fed, rng, args):
    proxy = Proxy(fed, args.proxy)
    build(fed, proxy.url)
    fed.set_catalog(VIA_PROXY, fed.newer_catalog(REFUSED_IND, "Chỉ tiêu chỉ xã có"))
    proxy.start()
    fed.start_all()
    inds = rng.sample(INDICATORS, 3)
    log("indicators %s, periods %s" % (",".join(inds), ",".join(PERIODS)))
    names = [PROVINCE, DISTRICT, VIA_PROXY, DIRECT]
    enter_values(fed, rng, names, inds, PERIODS, n_initial=10,
                 n_corrections=6)
    fed.converge()
    # A second session: the recording then holds two Hellos.
    if fed.stop(VIA_PROXY) != 0:
        raise TestFailure("dongbod 07201 exited non-zero on SIGTERM")
    fed.start(VIA_PROXY)
    enter_values(fed, rng, [VIA_PROXY, DISTRICT], inds, PERIODS,
                 n_initial=6, n_corrections=10)
    enter_extras(fed, rng, inds)
    fed.converge()
    fed.check(label="CHECK before the replays")

    if fed.stop(VIA_PROXY) != 0:
        raise TestFailure("dongbod 07201 exited non-zero on SIGTERM")
    totals = proxy.stop()
    if totals.get("hello", 0) < 2 or totals.get("records", 0) == 0:
        raise TestFailure("the proxy saw %s: expected two sessions with "
                          "records" % totals)
    pers = sorted(fed.periods)
    before = snapshot(fed, [DISTRICT, PROVINCE], inds, pers)
    cursor = fed.status(DISTRICT)
    cursor = {c["unit"]: c["applied_seq"] for c in cursor["children"]}["07201"]
    log("snapshot: %d outputs; 213 has applied 07201's log up to %d"
        % (len(before), cursor))

    for mode in ("again", "reverse", "shuffle", "session"):
        seed = rng.randrange(1 << 31)
        replies = proxy.replay(mode, seed, proxy.records[-1])
        for kind, (count, lo, hi, rejected) in sorted(replies.items()):
            if kind in ("welcome", "ack", "error GAP") and (lo, hi) != (cursor,
                                                                 cursor):
                raise TestFailure("replay %s (seed %d): %d %s replies name "
                                  "cursors %s..%s, expected %d"
                                  % (mode, seed, count, kind, lo, hi, cursor))
        if mode == "again" and not replies.get("ack", (0,) * 4)[3]:
            raise TestFailure("replay again: no refused record was replayed")
        compare(before, snapshot(fed, [DISTRICT, PROVINCE], inds, pers),
                "replay %s (seed %d)" % (mode, seed))
        log("replay %s (seed %d): nothing changed" % (mode, seed))

    proxy.start()
    fed.start(VIA_PROXY)
    enter_values(fed, rng, [VIA_PROXY], inds, PERIODS, n_initial=4,
                 n_corrections=4)
    fed.converge()
    fed.check()
    proxy.stop()


def scenario_ack_lost(fed, rng, args):
    proxy = Proxy(fed, args.proxy,
                  ["--dup", "--drop-reply-every", 2, "--stale-every", 3,
                   "--seed", rng.randrange(1 << 31)])
    build(fed, proxy.url)
    for key, value in FAST_SYNC.items():
        fed.set_conf(VIA_PROXY, key, value)
    proxy.start()
    fed.start_all()
    inds = rng.sample(INDICATORS, 3)
    log("indicators %s, periods %s" % (",".join(inds), ",".join(PERIODS)))
    enter_values(fed, rng, [PROVINCE], inds, PERIODS, n_initial=4,
                 n_corrections=2)
    writers = [Writer(fed, name, fed.node(name).unit, inds, PERIODS,
                      rng.random()) for name in (VIA_PROXY, DIRECT, DISTRICT)]
    for w in writers:
        w.start()
    try:
        fed.wait_puts([VIA_PROXY], 40, 60, writers)
    finally:
        for w in writers:
            w.stop_evt.set()
    for w in writers:
        w.finish()
    log("puts: %s" % ", ".join("%s %d" % (w.node_name, w.count)
                               for w in writers))
    fed.converge(timeout=60)
    fed.check()
    totals = proxy.stop()
    for key in ("dup", "dropped", "acks_lost", "stale"):
        if totals.get(key, 0) == 0:
            raise TestFailure("the proxy never applied its fault %s: %s"
                              % (key, totals))


SCENARIOS = {
    "replay": scenario_replay,
    "ack_lost": scenario_ack_lost,
}


if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:],
                           paths=["proxy"]))
