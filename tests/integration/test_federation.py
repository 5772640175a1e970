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
  catalog_carry_down       a newer catalog at the root reaches every node
                           live and survives restarts
  forms_and_check          II.06c figures imported at every node: the
                           province's report, check (stated total, rule
                           violation, half-year conflict) and export
  bac_giang_fixture        the real 2022 II.06c case of DOMAIN.md section D
                           over all 206 units of Bac Giang at one node

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first so that a failure can be replayed.  Exit status 0 on
success, 1 on failure (with the reason, the kept temp dir and the tail of
every node's log), 2 on a usage error.
"""

import csv
import io
import json
import os
import random
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (EXIT_FAIL, EXIT_OK, StatusWatch,  # noqa: E402
                        TestFailure, Writer, log, run_scenarios, wait_for)

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

def scenario_converge(fed, rng, args):
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
    check_status_watch(fed, D213)


def check_status_watch(fed, name):
    """`status --watch` repeats the status, one JSON object per line, until
    the reader goes away; a bad interval is a usage error."""
    node = fed.node(name)
    want = fed.cli_json(node, ["status"])
    with StatusWatch(fed.dongbo, node.dir, 0.05, name) as w:
        deadline = time.monotonic() + 20
        lines = []
        while len(lines) < 3:
            st = w.next(deadline)
            if st is None:
                raise TestFailure("status --watch: %d lines in 20 s"
                                  % len(lines))
            lines.append(st)
        for st in lines:
            if (st["unit"], st["store_id"], st["store"]["values"]) != \
                    (want["unit"], want["store_id"],
                     want["store"]["values"]):
                raise TestFailure("status --watch: %r, want %r"
                                  % (st, want))
        # The reader goes away: the next status it writes ends it.
        w.proc.stdout.close()
        rc = w.proc.wait(20)
        if rc == 0:
            raise TestFailure("status --watch exited 0 with no reader")
    for bad in ("0", "abc", "3601"):
        rc, _, err = fed.cli(["status", "--watch", bad], node)
        if rc != 2 or bad not in err:
            raise TestFailure("status --watch %s: exit %s, %r"
                              % (bad, rc, err))
    log("status --watch: %d statuses, one per line; bad intervals refused"
        % len(lines))


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


def scenario_sigterm_district(fed, rng, args):
    faults_midstream(fed, rng, fed.stop, cycles=2)


def scenario_kill9_district(fed, rng, args):
    faults_midstream(fed, rng, fed.kill9, cycles=3)


def scenario_commune_before_district(fed, rng, args):
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


def scenario_refusals(fed, rng, args):
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


def cli_checked_json(fed, name, args, want_rc):
    """Runs a CLI command with --json that may exit non-zero on purpose."""
    rc, out, err = fed.cli(list(args) + ["--json"], fed.node(name))
    if rc != want_rc:
        raise TestFailure("%s: dongbo %s: exit %s (expected %s): %s"
                          % (name, " ".join(args), rc, want_rc, err.strip()))
    try:
        return json.loads(out)
    except ValueError:
        raise TestFailure("%s: dongbo %s: not JSON: %r"
                          % (name, " ".join(args), out))


def scenario_catalog_carry_down(fed, rng, args):
    build(fed)
    fed.start_all()
    inds = rng.sample(INDICATORS, 2)
    enter_values(fed, rng, list(fed.nodes), inds, PERIODS, n_initial=4,
                 n_corrections=2)
    # Version 3: the shipped catalog plus one indicator.
    new_ind = "hs_thu_nghiem_v3"
    v3 = fed.newer_catalog(new_ind)
    fed.expect_refused("c07201", ["put", "07201", new_ind, "2022", "5"],
                       new_ind)
    # Only the root's file changes; the others learn it from their parent
    # without a restart.
    fed.set_catalog(PROVINCE, v3)
    fed.restart(PROVINCE)
    t0 = time.monotonic()

    def all_v3():
        return all(fed.status(n)["catalog_version"] == 3 for n in fed.nodes)
    wait_for(all_v3, 30, "every node to run catalog v3")
    log("catalog v3 reached all %d nodes in %.2f s"
        % (len(fed.nodes), time.monotonic() - t0))
    for name in fed.nodes:
        st = fed.status(name)
        want = "file" if name == PROVINCE else "parent"
        if st.get("catalog_source") != want:
            raise TestFailure("%s: catalog source %r, expected %r"
                              % (name, st.get("catalog_source"), want))
    fed.put("c07201", "07201", new_ind, "2022", "41")
    fed.put("c07243", "07243", new_ind, "2022", "1")
    fed.put(D213, "213", new_ind, "2022Q1", "7")
    # Restarts keep the catalog received (a clean stop and a kill -9).
    fed.restart(D213)
    fed.kill9("c07201")
    fed.start("c07201")
    for name in (D213, "c07201"):
        st = fed.status(name)
        if st["catalog_version"] != 3 or st.get("catalog_source") != "parent":
            raise TestFailure("%s after restart: catalog v%s from %s"
                              % (name, st["catalog_version"],
                                 st.get("catalog_source")))
    fed.put("c07201", "07201", new_ind, "2022", "42", retry_for=10)
    fed.converge()
    fed.check()


def ii06c_figures(rng, scale):
    """One unit's II.06c figures: random parts, totals that satisfy every
    identity of the catalog's rules."""
    f = {
        "hs_nhan_truc_tuyen": rng.randint(0, scale),
        "hs_nhan_truc_tiep": rng.randint(0, scale),
        "hs_ton_ky_truoc": rng.randint(0, scale // 20 + 1),
    }
    f["hs_moi_tiep_nhan"] = f["hs_nhan_truc_tuyen"] + f["hs_nhan_truc_tiep"]
    f["hs_tiep_nhan"] = f["hs_moi_tiep_nhan"] + f["hs_ton_ky_truoc"]
    pending = rng.randint(0, f["hs_tiep_nhan"] // 10)
    resolved = f["hs_tiep_nhan"] - pending
    late = rng.randint(0, resolved // 50)
    early = rng.randint(0, resolved - late)
    f.update({
        "hs_da_giai_quyet": resolved,
        "hs_giai_quyet_qua_han": late,
        "hs_giai_quyet_truoc_han": early,
        "hs_giai_quyet_dung_han": resolved - late - early,
        "hs_dang_giai_quyet": pending,
        "hs_dang_giai_quyet_qua_han": pending // 3,
        "hs_dang_giai_quyet_trong_han": pending - pending // 3,
    })
    return f


def percent(num, den):
    """num/den as a percentage with 2 decimals, rounded half away from
    zero, exactly ("n/a" for 0/0), the way the reports should print it."""
    if den == 0:
        return "n/a"
    q, r = divmod(num * 10000, den)
    if 2 * r >= den:
        q += 1
    return "%d.%02d" % divmod(q, 100)


def expect_report(fed, name, unit, period, form, truth):
    """Every row of the form filled at NAME equals the figures recomputed
    here from TRUTH (unit -> indicator -> value): counts summed over the
    row's level, ratios as sum/sum."""
    rep = fed.cli_json(fed.node(name), ["report", unit, period, "--form",
                                        form, "--format", "json"])
    units = fed.units
    ratios = {
        "ty_le_giai_quyet_truoc_han": ("hs_giai_quyet_truoc_han",),
        "ty_le_giai_quyet_dung_han": ("hs_giai_quyet_dung_han",),
        "ty_le_giai_quyet_qua_han": ("hs_giai_quyet_qua_han",),
    }
    n_rows = 0
    for row in rep["rows"]:
        ind = row["indicator"]
        if ind is None:
            continue

        def total(i):
            vals = [f[i] for u, f in truth.items()
                    if units.is_within(u, unit) and i in f and
                    (row["level"] is None or units.level[u] == row["level"])]
            return sum(vals) if vals else None
        if ind in ratios:
            num, den = total(ratios[ind][0]), total("hs_da_giai_quyet")
            want = None if num is None and den is None else percent(num, den)
        else:
            want = total(ind)
            want = None if want is None else str(want)
        if row["value"] != want:
            raise TestFailure("%s: report %s row %s (%s, level %s): got %r, "
                              "expected %r" % (name, form, row["stt"], ind,
                                               row["level"], row["value"],
                                               want))
        n_rows += 1
    if n_rows < 40:
        raise TestFailure("report %s: only %d rows with values" % (form, n_rows))
    log("%s: report %s %s %s: %d rows as recomputed"
        % (name, form, unit, period, n_rows))


def scenario_forms_and_check(fed, rng, args):
    build(fed)
    fed.start_all()
    figures = {}
    for name in fed.nodes:
        u = fed.node(name).unit
        figures[u] = ii06c_figures(rng, {0: 50000, 1: 5000, 2: 800}[
            fed.node(name).depth()])
    delta = rng.randint(1, 999)
    computed = sum(f["hs_tiep_nhan"] for f in figures.values())
    for name in fed.nodes:
        u = fed.node(name).unit
        rows = [(u, i, "2022", v, False) for i, v in sorted(figures[u].items())]
        if name == PROVINCE:
            rows.append((u, "hs_tiep_nhan", "2022", computed - delta, True))
        log("%s: %s" % (name, fed.import_rows(name, rows)))
    # A half-year entered at a commune that its quarters contradict.
    fed.put("c07243", "07243", "hs_nhan_truc_tuyen", "2023S1", "100")
    fed.put("c07243", "07243", "hs_nhan_truc_tuyen", "2023Q1", "40")
    fed.put("c07243", "07243", "hs_nhan_truc_tuyen", "2023Q2", "50")
    fed.converge()
    fed.check()

    expect_report(fed, PROVINCE, "24", "2022", "II.06c", figures)
    expect_report(fed, D213, "213", "2022", "II.06c", figures)

    chk = cli_checked_json(fed, PROVINCE, ["check", "24", "2022"], EXIT_FAIL)
    if chk["violations"]:
        raise TestFailure("check 24 2022: unexpected violations %s"
                          % chk["violations"])
    st = [(x["unit"], x["indicator"], x["stated"], x["computed"],
           x["difference"]) for x in chk["stated"] if not x["agrees"]]
    want = [("24", "hs_tiep_nhan", computed - delta, computed, delta)]
    if st != want:
        raise TestFailure("check 24 2022: stated totals %s, expected %s"
                          % (st, want))
    if chk["checked_units"] != len(fed.nodes):
        raise TestFailure("check 24 2022: %s units checked, expected %d"
                          % (chk["checked_units"], len(fed.nodes)))
    log("check: stated %d vs computed %d found (difference %d)"
        % (computed - delta, computed, delta))

    chk = cli_checked_json(fed, D215, ["check", "215", "2023"], EXIT_FAIL)
    conf = [(c["unit"], c["period"], c["entered"], c["composed"])
            for c in chk["conflicts"]]
    if conf != [("07243", "2023S1", 100, 90)]:
        raise TestFailure("check 215 2023: conflicts %s" % chk["conflicts"])

    # A correction that breaks received = new + carried over at 07201.
    bad = figures["07201"]["hs_tiep_nhan"] + 7
    fed.put("c07201", "07201", "hs_tiep_nhan", "2022", str(bad))
    figures["07201"]["hs_tiep_nhan"] = bad
    fed.converge()
    chk = cli_checked_json(fed, D213, ["check", "213", "2022"], EXIT_FAIL)
    got = sorted((v["unit"], v["scope"], v["difference"])
                 for v in chk["violations"]
                 if v["rule"] == "hs_tiep_nhan_bang_moi_cong_ton_ky_truoc")
    if got != [("07201", "own", 7), ("213", "subtree", 7)]:
        raise TestFailure("check 213 2022: violations %s"
                          % chk["violations"])
    log("check 213: the broken identity at 07201 found (own and subtree)")

    # Export of the province's subtree gives back every value entered.
    rc, out, err = fed.cli(["export", "24", "2022"], fed.node(PROVINCE))
    if rc != EXIT_OK:
        raise TestFailure("export: exit %s: %s" % (rc, err.strip()))
    got = {(r["unit"], r["indicator"], r["period"], int(r["value"]),
            r["stated"] in ("1", "stated")) for r in
           csv.DictReader(io.StringIO(out))}
    want = {(u, i, "2022", v, False) for u, f in figures.items()
            for i, v in f.items()}
    want.add(("24", "hs_tiep_nhan", "2022", computed - delta, True))
    if got != want:
        raise TestFailure("export 24 2022: %d rows, expected %d; missing %s, "
                          "extra %s" % (len(got), len(want),
                                        sorted(want - got)[:3],
                                        sorted(got - want)[:3]))
    log("export 24 2022: all %d values" % len(got))


def scenario_bac_giang_fixture(fed, rng, args):
    fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "fixtures", "bac-giang-2022-ii06c.csv")
    with open(fixture, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    units = sorted({r["unit"] for r in rows} - {"24"})
    fed.add_node(PROVINCE, "24", hosts=units)
    fed.start_all()
    out = fed.import_rows(PROVINCE, [
        (r["unit"], r["indicator"], r["period"], r["value"],
         r["stated"] in ("1", "stated")) for r in rows])
    log("%s: %s" % (PROVINCE, out))
    rep = fed.cli_json(fed.node(PROVINCE), ["report", "24", "2022", "--form",
                                            "II.06c", "--format", "json"])
    got = {row["level"]: row["value"] for row in rep["rows"]
           if row["indicator"] == "hs_tiep_nhan"}
    want = {None: "690989", "tinh": "264740", "huyen": "85065",
            "xa": "341184"}
    if got != want:
        raise TestFailure("report II.06c received by level: %s, expected %s"
                          % (got, want))
    chk = cli_checked_json(fed, PROVINCE, ["check", "24", "2022"], EXIT_FAIL)
    st = [(x["unit"], x["stated"], x["computed"], x["difference"])
          for x in chk["stated"]]
    if chk["violations"] or st != [("24", 690889, 690989, 100)]:
        raise TestFailure("check: violations %s, stated %s"
                          % (chk["violations"], st))
    log("Bac Giang 2022: %d units checked; stated 690.889, computed 690.989"
        % chk["checked_units"])
    fed.check()


SCENARIOS = {
    "converge": scenario_converge,
    "sigterm_district": scenario_sigterm_district,
    "kill9_district": scenario_kill9_district,
    "commune_before_district": scenario_commune_before_district,
    "refusals": scenario_refusals,
    "catalog_carry_down": scenario_catalog_carry_down,
    "forms_and_check": scenario_forms_and_check,
    "bac_giang_fixture": scenario_bac_giang_fixture,
}


if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
