#!/usr/bin/env python3
"""
test_federation.py -- multi-node integration tests of dongbo.

    python3 test_federation.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]

The federation: province 24 (Tỉnh Bắc Giang) <- districts 213 and 215 <-
communes 07201, 07207 (under 213) and 07243, 07288 (under 215): seven
dongbod processes on loopback.  Links: 213 and 215 dial 24 over ipc://,
the communes of 213 dial it over tcp://127.0.0.1, those of 215 dial it
over ipc://.

Scenarios (each ends with a full CHECK, see federation.Federation.check):
  converge                 seeded values and corrections at every node
  sigterm_district         213 stopped (SIGTERM) and restarted mid-stream
  kill9_district           213 killed (SIGKILL) 3 times mid-stream
  commune_before_district  215's communes take values before 215 exists
  refusals                 bad puts are refused and change nothing

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first so that a failure can be replayed.  Exit status 0 on
success, 1 on failure (with the reason, the kept temp dir and the tail of
every node's log), 2 on a usage error.
"""

import argparse
import os
import random
import sys
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (EXIT_OK, Federation, TestFailure, Writer,  # noqa: E402
                        log, wait_for)

INDICATORS = [
    "hs_nhan_truc_tuyen", "hs_nhan_truc_tiep", "hs_ton_ky_truoc",
    "hs_giai_quyet_truoc_han", "hs_giai_quyet_dung_han",
    "hs_giai_quyet_qua_han", "hs_dang_giai_quyet_trong_han",
    "hs_dang_giai_quyet_qua_han",
]
PERIODS = ["2022", "2022S1", "2022Q1", "2022Q3", "2022M06"]

PROVINCE = "p24"
D213, D215 = "d213", "d215"
COMMUNES_213 = ["c07201", "c07207"]
COMMUNES_215 = ["c07243", "c07288"]  # Xã Đồng Tiến, Thị trấn Phồn Xương


def build(fed):
    """The seven nodes (not started)."""
    fed.add_node(PROVINCE, "24", listen="ipc")
    fed.add_node(D213, "213", parent=PROVINCE, listen="tcp")
    fed.add_node(D215, "215", parent=PROVINCE, listen="ipc")
    for name in COMMUNES_213:
        fed.add_node(name, name[1:], parent=D213)
    for name in COMMUNES_215:
        fed.add_node(name, name[1:], parent=D215)


def run_parallel(fns):
    """Runs the callables in threads (CLI calls only, never a daemon
    start) and re-raises the first failure."""
    errors = []

    def wrap(fn):
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def enter_values(fed, rng, names, indicators, periods, n_initial,
                 n_corrections):
    """At each node, for its home unit: n_initial first values, then
    n_corrections rewrites of keys already written (often lower, sometimes
    to 0, sometimes under the non-canonical month spelling 2022M6).
    Nodes work in parallel, each in its own order."""
    plans = {}
    for name in names:
        unit = fed.node(name).unit
        keys = [(ind, per) for ind in indicators for per in periods]
        rng.shuffle(keys)
        first = keys[:n_initial]
        plan = []
        last = {}
        for ind, per in first:
            v = rng.randint(0, 1000)
            plan.append((ind, per, v))
            last[(ind, per)] = v
        for _ in range(n_corrections):
            ind, per = rng.choice(first)
            old = last[(ind, per)]
            r = rng.random()
            if r < 0.4:
                v = rng.randint(0, old)  # lower (or equal)
            elif r < 0.5:
                v = 0
            else:
                v = rng.randint(0, 2000)
            plan.append((ind, per, v))
            last[(ind, per)] = v
        plans[name] = (unit, plan)

    def worker(name):
        unit, plan = plans[name]
        for ind, per, v in plan:
            typed = per
            if per == "2022M06" and rng_local[name].random() < 0.3:
                typed = "2022M6"
            fed.put(name, unit, ind, typed, str(v), canon_period=per)

    rng_local = {name: random.Random(rng.random()) for name in names}
    run_parallel([lambda n=name: worker(n) for name in names])
    return sum(len(p[1]) for p in plans.values())


# ---- scenarios ----

def scenario_converge(fed, rng):
    build(fed)
    fed.start_all()
    inds = rng.sample(INDICATORS, 4)
    log("indicators %s, periods %s" % (",".join(inds), ",".join(PERIODS)))
    n = enter_values(fed, rng, list(fed.nodes), inds, PERIODS,
                     n_initial=16, n_corrections=30)
    log("%d puts done at %d nodes (%d keys)" % (n, len(fed.nodes),
                                                len(fed.truth)))
    fed.converge()
    fed.check()


def start_writers(fed, rng, inds):
    ws = [Writer(fed, name, fed.node(name).unit, inds, PERIODS,
                 rng.random()) for name in COMMUNES_213 + [D213]]
    for w in ws:
        w.start()
    return ws


def faults_midstream(fed, rng, fault, cycles):
    """Writers at 213's communes and at 213 itself; `fault` hits 213
    `cycles` times at seeded moments (counted in puts, not in time)."""
    build(fed)
    fed.start_all()
    inds = rng.sample(INDICATORS, 3)
    log("indicators %s, periods %s" % (",".join(inds), ",".join(PERIODS)))
    # Something everywhere, so that the other subtree is checked too.
    enter_values(fed, rng, [PROVINCE, D215] + COMMUNES_215, inds, PERIODS,
                 n_initial=6, n_corrections=4)
    writers = start_writers(fed, rng, inds)
    writing = COMMUNES_213 + [D213]
    try:
        fed.wait_puts(writing, 20, 30, writers)
        for i in range(cycles):
            before = rng.randint(5, 40)
            fed.wait_puts(writing, before, 30, writers)
            rc = fault(D213)
            log("213 %s (cycle %d/%d, after %d more puts): exit status %s"
                % ("stopped" if fault == fed.stop else "killed", i + 1,
                   cycles, before, rc))
            if fault == fed.stop and rc != 0:
                raise TestFailure("dongbod 213 exited with status %s on "
                                  "SIGTERM (expected 0)" % rc)
            # While 213 is down its communes keep taking values locally.
            down = rng.randint(0, 15)
            fed.wait_puts(COMMUNES_213, down, 30, writers)
            fed.start(D213)
            log("213 restarted after %d commune puts while down" % down)
        fed.wait_puts(writing, rng.randint(20, 40), 30, writers)
    except BaseException:
        # Stop the writers without hiding the first failure.
        for w in writers:
            w.stop_evt.set()
        for w in writers:
            try:
                w.finish(timeout=50)
            except TestFailure as e:
                log("(also: %s)" % e)
        raise
    for w in writers:
        w.stop_evt.set()
    for w in writers:
        w.finish()
    log("writers done: %s puts; %d attempts of unknown outcome retried"
        % (", ".join("%s=%d" % (w.node_name, w.count) for w in writers),
           fed.ambiguous_puts))
    fed.converge()
    fed.check()


def scenario_sigterm_district(fed, rng):
    faults_midstream(fed, rng, fed.stop, cycles=2)


def scenario_kill9_district(fed, rng):
    faults_midstream(fed, rng, fed.kill9, cycles=3)


def scenario_commune_before_district(fed, rng):
    build(fed)
    early = [PROVINCE, D213] + COMMUNES_213 + COMMUNES_215
    fed.start_all(early)
    inds = rng.sample(INDICATORS, 3)
    log("215 not started; indicators %s" % ",".join(inds))
    enter_values(fed, rng, early, inds, PERIODS, n_initial=8,
                 n_corrections=8)
    for name in COMMUNES_215:
        st = fed.status(name)
        par = st["parent"]
        log("%s: parent connected=%s pending=%s state=%s"
            % (name, par["connected"], par["pending"], par["state"]))
        if par["connected"] is not False or not par["pending"] > 0:
            raise TestFailure("%s: with 215 down expected parent not "
                              "connected and pending > 0, got %s"
                              % (name, par))
    # The orphaned communes already answer for their own subtree.
    fed.check(only=COMMUNES_215, label="CHECK (215's communes, 215 down)",
              synced=False)
    fed.start(D215)
    log("215 started")
    fed.converge()
    fed.check()


def scenario_refusals(fed, rng):
    build(fed)
    fed.start_all()
    inds = rng.sample(INDICATORS, 2)
    enter_values(fed, rng, list(fed.nodes), inds, PERIODS, n_initial=4,
                 n_corrections=2)
    fed.converge()
    before = {n: fed.status(n)["log_seq"] for n in fed.nodes}
    # A key that exists at 07201, so a refused put must leave its value.
    ind, per = next((k[1], k[2]) for k in sorted(fed.truth)
                    if k[0] == "07201")
    other = next(i for i in INDICATORS if i not in inds)
    c = "c07201"
    bad = [
        # (node, args, offending text that stderr must quote)
        (c, ["put", "99999", ind, per, "5"], "99999"),
        (c, ["put", "9x", ind, per, "5"], "9x"),
        (D213, ["put", "07201", ind, per, "5"], "07201"),   # not hosted
        (PROVINCE, ["put", "213", ind, per, "5"], "213"),  # not hosted
        (c, ["put", "07207", ind, per, "5"], "07207"),     # a sibling
        (c, ["put", "213", ind, per, "5"], "213"),         # its parent
        (c, ["put", "01", ind, per, "5"], "01"),           # another province
        (c, ["put", "07201", "hs_khong_co", per, "5"], "hs_khong_co"),
        (c, ["put", "07201", ind, "2022Q5", "5"], "2022Q5"),
        (c, ["put", "07201", ind, "2022M13", "5"], "2022M13"),
        (c, ["put", "07201", ind, "2022S3", "5"], "2022S3"),
        (c, ["put", "07201", ind, "22Q1", "5"], "22Q1"),
        (c, ["put", "07201", ind, per, "-5"], "-5"),
        (c, ["put", "07201", ind, per, "1,5"], "1,5"),      # not whole
        (c, ["put", "07201", ind, per, "1.23.4"], "1.23.4"),
        (c, ["put", "07201", "ty_le_giai_quyet_dung_han", per, "5"],
         "ty_le_giai_quyet_dung_han"),                      # computed
        (c, ["put", "07201", ind, per, "12x"], "12x"),
        (c, ["put", "07201", ind, per, "1e3"], "1e3"),
        (c, ["put", "07201", ind, per, "0x10"], "0x10"),
        (c, ["put", "07201", ind, per, "9223372036854775808"],
         "9223372036854775808"),
        (c, ["put", "07201", other, "2022", "-5"], "-5"),
        (D213, ["put", "213", ind, per, "-5"], "-5"),
        (PROVINCE, ["put", "24", ind, "2022Q5", "5"], "2022Q5"),
        (D215, ["put", "215", "hs_khong_co", per, "5"], "hs_khong_co"),
    ]
    for name, args, offending in bad:
        msg = fed.expect_refused(name, args, offending)
        log("refused at %s: %s -> %s" % (name, " ".join(args), msg))
    fed.indicators.add(other)  # checked: it must still hold nothing
    after = {n: fed.status(n)["log_seq"] for n in fed.nodes}
    if after != before:
        raise TestFailure("refused puts changed a log: before %s, after %s"
                          % (before, after))
    rc, out, err = fed.cli(["get", "07201", other, "2022", "--json"],
                           fed.node(c))
    if rc != 1:
        raise TestFailure("get of a refused key: expected exit 1 (no value), "
                          "got %s: %s %s" % (rc, out, err))
    log("%d bad puts refused; no log moved" % len(bad))
    fed.converge()
    fed.check()


SCENARIOS = {
    "converge": scenario_converge,
    "sigterm_district": scenario_sigterm_district,
    "kill9_district": scenario_kill9_district,
    "commune_before_district": scenario_commune_before_district,
    "refusals": scenario_refusals,
}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--dongbod", required=True, help="path of dongbod")
    ap.add_argument("--dongbo", required=True, help="path of the dongbo CLI")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args(argv)
    seed = a.seed
    if seed is None and os.environ.get("DONGBO_TEST_SEED", "").strip():
        seed = int(os.environ["DONGBO_TEST_SEED"])
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 32)
    print("scenario %s: seed %d (replay with DONGBO_TEST_SEED=%d)"
          % (a.scenario, seed, seed), flush=True)
    t0 = time.monotonic()
    try:
        with Federation(a.dongbod, a.dongbo, seed, label=a.scenario) as fed:
            SCENARIOS[a.scenario](fed, random.Random(seed))
            calls = fed.cli_calls
    except TestFailure as e:
        print("FAIL %s (seed %d) after %.1f s: %s"
              % (a.scenario, seed, time.monotonic() - t0, e), flush=True)
        return 1
    except BaseException as e:  # noqa: BLE001 - any crash is a failure
        traceback.print_exc()
        print("FAIL %s (seed %d) after %.1f s: %s: %s"
              % (a.scenario, seed, time.monotonic() - t0,
                 type(e).__name__, e), flush=True)
        return 1
    print("PASS %s (seed %d) in %.1f s, %d CLI calls"
          % (a.scenario, seed, time.monotonic() - t0, calls), flush=True)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
