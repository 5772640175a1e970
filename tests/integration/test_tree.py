#!/usr/bin/env python3
"""
test_tree.py -- `dongbo tree`: status travelling up, seen at the province.

    python3 test_tree.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]

Scenarios:
  tree           province 24 <- districts 213 and 215 (nodes) <- communes:
                 07201 and 07243 nodes, 07207 a node whose record 213
                 refuses (it runs a newer catalog), 07210 and 07213 hosted
                 at 213, 07249 hosted at 215, 07246 configured but never
                 started; every other unit has no node.  At the province
                 `dongbo tree --json` must give exactly the expected kind,
                 host, health and refused count for every unit of 24, and
                 `--problems` exactly the units needing attention and their
                 ancestors; the plain output is free of escape codes and
                 its columns line up by display width.  Then 215 is frozen
                 (SIGSTOP) while 07243 has records waiting: the province
                 shows 215 offline, what came through it "unknown" (never
                 a stale "ok") and 07249 offline with its host; 07243 shows
                 its own link stalled.  After SIGCONT and 07246's first
                 start everything is as expected again, 07246 a node.
  tree_province  24 with its 10 districts as nodes and all 195 communes
                 hosted at them: 206 units, 11 nodes, 195 hosted, none
                 needing attention; the default view folds the communes
                 (at most two lines per district) and --all lists them.

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random.
"""

import os
import signal
import sys
import unicodedata

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (EXIT_OK, TestFailure,  # noqa: E402
                        log, run_scenarios, wait_for)

FAST = {"heartbeat_ms": 300, "timeout_ms": 1000, "stall_ms": 1500}


def fast(fed, name):
    for k, v in FAST.items():
        fed.set_conf(name, k, v)


def subtree(fed, root):
    return [u for u in fed.units.parent if fed.units.is_within(u, root)]


def tree_json(fed, name, *args):
    return fed.cli_json(fed.node(name), ["tree"] + list(args))


def display_width(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in s)


def column_at(line, col):
    """The text of line from display column col on."""
    w = 0
    for i, c in enumerate(line):
        if w >= col:
            return line[i:]
        w += display_width(c)
    return ""


def check_rows(rows, expected, what):
    """rows (tree --json) against expected: unit -> (kind, host, health,
    refused); a unit missing from expected must be none / never seen."""
    bad = []
    for r in rows:
        want = expected[r["unit"]]
        got = (r["kind"], r["host"], r["health"], r["refused"])
        if got != want:
            bad.append("%s: got %s, expected %s (note %r)"
                       % (r["unit"], got, want, r.get("note")))
    if len(rows) != len(expected):
        bad.append("%d rows for %d units" % (len(rows), len(expected)))
    return "; ".join(bad[:8]) if bad else None


def expect_tree(fed, name, expected, what, timeout=20):
    """Polls `dongbo tree --json` at node NAME until it matches."""
    last = [None]

    def ok():
        doc = tree_json(fed, name, "--all")
        last[0] = check_rows(doc["rows"], expected, what)
        return doc if last[0] is None else None
    try:
        return wait_for(ok, timeout, what)
    except TestFailure:
        raise TestFailure("%s: %s" % (what, last[0]))


def check_plain(fed, name, args, n_rows=None):
    """The plain (piped) text of `dongbo tree ARGS`: no escape codes, the
    columns line up by display width, the summary line last."""
    rc, out, err = fed.cli(["tree"] + list(args), fed.node(name))
    if rc != EXIT_OK:
        raise TestFailure("tree %s: exit %s: %s" % (args, rc, err))
    if "\033" in out:
        raise TestFailure("escape codes in piped output: %r" % out[:200])
    lines = out.rstrip("\n").split("\n")
    header, body, summary = lines[0], lines[1:-2], lines[-1]
    if lines[-2] != "" or "unit" not in summary:
        raise TestFailure("no summary line after a blank: %r" % lines[-2:])
    cols = {}
    for h in ("NODE", "HEALTH", "LAST SEEN", "CATALOG"):
        i = header.index(h)
        cols[h] = display_width(header[:i])
    for line in body:
        kind = column_at(line, cols["NODE"])
        health = column_at(line, cols["HEALTH"])
        if not kind.startswith(("node ", "hosted at ", "none ")) or \
                not health.split("  ")[0].strip() in (
                    "ok", "lagging", "stalled", "offline", "never seen",
                    "unknown", "restoring"):
            raise TestFailure("columns do not line up at %r (NODE at %d, "
                              "HEALTH at %d):\n%s" % (line, cols["NODE"],
                                                      cols["HEALTH"], out))
        if column_at(line, cols["NODE"] - 2)[:2] != "  ":
            raise TestFailure("the unit column runs into NODE: %r" % line)
    if n_rows is not None and len(body) != n_rows:
        raise TestFailure("%d lines for %d rows:\n%s" % (len(body), n_rows,
                                                         out))
    return out


def scenario_tree(fed, rng, args):
    fed.add_node("p", "24", listen="ipc")
    fed.add_node("d213", "213", parent="p", listen="tcp",
                 hosts=["07210", "07213"])
    fed.add_node("d215", "215", parent="p", listen="ipc", hosts=["07249"])
    for code, parent in (("07201", "d213"), ("07207", "d213"),
                         ("07243", "d215"), ("07246", "d215")):
        fed.add_node("c" + code, code, parent=parent)
    for name in fed.nodes:
        fast(fed, name)
    new_ind = "hs_thu_nghiem_tree"
    fed.set_catalog("c07207", fed.newer_catalog(new_ind))
    started = [n for n in fed.nodes if n != "c07246"]
    fed.start_all(started)
    fed.put("c07201", "07201", "hs_nhan_truc_tuyen", "2022", "5")
    fed.put("c07243", "07243", "hs_nhan_truc_tuyen", "2022", "6")
    fed.put("d213", "07210", "hs_nhan_truc_tuyen", "2022", "7")
    fed.put("d215", "07249", "hs_nhan_truc_tuyen", "2022", "8")
    rc, out, err = fed.cli(["put", "07207", new_ind, "2022", "9"],
                           fed.node("c07207"))
    if rc != EXIT_OK:
        raise TestFailure("put at 07207: exit %s: %s" % (rc, err))
    fed.converge()

    units = subtree(fed, "24")
    base = {u: ("none", None, "never seen", 0) for u in units}
    for u in ("24", "213", "215", "07201", "07243"):
        base[u] = ("node", None, "ok", 0)
    base["07207"] = ("node", None, "ok", 1)
    for u, h in (("07210", "213"), ("07213", "213"), ("07249", "215")):
        base[u] = ("hosted", h, "ok", 0)
    doc = expect_tree(fed, "p", base, "the province's tree, all running")
    log("tree at 24: %d units, %d nodes, %d hosted, %d need attention"
        % (doc["units"], doc["nodes"], doc["hosted"], doc["need_attention"]))
    if (doc["units"], doc["nodes"], doc["hosted"]) != (len(units), 6, 3):
        raise TestFailure("counts: %s" % {k: doc[k] for k in
                                          ("units", "nodes", "hosted")})
    row = {r["unit"]: r for r in doc["rows"]}
    if row["07207"]["catalog_version"] <= row["24"]["catalog_version"]:
        raise TestFailure("07207's newer catalog is not shown: %s"
                          % row["07207"])
    if row["07201"]["via"] != "213" or row["07201"]["last_seen"] is None:
        raise TestFailure("07201 not heard through 213: %s" % row["07201"])

    # --problems: exactly the units needing attention and their ancestors.
    need = {u for u, (k, h, health, ref) in base.items()
            if health != "ok" or ref > 0}
    want = set()
    for u in need:
        want.update(fed.units.ancestors_or_self(u))
    probs = tree_json(fed, "p", "--problems")
    got = {r["unit"] for r in probs["rows"]}
    if got != want:
        raise TestFailure("--problems lists %s too many, %s missing"
                          % (sorted(got - want)[:10], sorted(want - got)[:10]))
    if probs["need_attention"] != len(need):
        raise TestFailure("need_attention %s, expected %d"
                          % (probs["need_attention"], len(need)))
    # A unit outside the node's subtree is refused, naming it.
    fed.expect_refused("d213", ["tree", "215"], "215")

    out = check_plain(fed, "p", ["--all"], n_rows=len(units))
    log("plain tree --all at 24 (first lines):\n%s"
        % "\n".join(out.split("\n")[:14]))
    folded = check_plain(fed, "p", [])
    if "… and " not in folded and "… all " not in folded or len(folded.split("\n")) >= len(units):
        raise TestFailure("the default view folds nothing:\n%s" % folded)
    check_plain(fed, "p", ["--problems"])
    check_plain(fed, "d213", ["--all"], n_rows=len(subtree(fed, "213")))

    # 215 frozen while 07243 has records waiting.
    fed.send_signal("d215", signal.SIGSTOP)
    try:
        fed.put("c07243", "07243", "hs_nhan_truc_tiep", "2022", "3")
        frozen = dict(base)
        frozen["215"] = ("node", None, "offline", 0)
        frozen["07243"] = ("node", None, "unknown", 0)
        frozen["07249"] = ("hosted", "215", "offline", 0)
        doc = expect_tree(fed, "p", frozen, "215 offline at the province")
        row = {r["unit"]: r for r in doc["rows"]}
        if "215 offline" not in (row["07243"]["note"] or ""):
            raise TestFailure("07243's note does not name 215: %s"
                              % row["07243"])
        log("frozen 215, at 24: 07243 %s (%s)" % (row["07243"]["health"],
                                                  row["07243"]["note"]))

        def stalled_here():
            r = tree_json(fed, "c07243")["rows"][0]
            return r if r["health"] == "stalled" and r["waiting"] > 0 \
                else None
        r = wait_for(stalled_here, 20, "07243 to show its link stalled")
        log("frozen 215, at 07243: %s, %d waiting" % (r["health"],
                                                      r["waiting"]))
        check_plain(fed, "p", ["--problems"])
    finally:
        fed.send_signal("d215", signal.SIGCONT)
    fed.start("c07246")
    fed.converge()
    after = dict(base)
    after["07246"] = ("node", None, "ok", 0)
    expect_tree(fed, "p", after, "everything back after SIGCONT")
    fed.check()


def scenario_tree_province(fed, rng, args):
    fed.add_node("p", "24", listen="ipc")  # reads the unit list
    districts = sorted(u for u, p in fed.units.parent.items() if p == "24")
    for d in districts:
        communes = sorted(u for u, p in fed.units.parent.items() if p == d)
        fed.add_node("d" + d, d, parent="p", listen="ipc", hosts=communes)
    for name in fed.nodes:
        fast(fed, name)
    fed.start_all()
    units = subtree(fed, "24")
    expected = {u: ("hosted", fed.units.parent[u], "ok", 0) for u in units}
    expected["24"] = ("node", None, "ok", 0)
    for d in districts:
        expected[d] = ("node", None, "ok", 0)
    doc = expect_tree(fed, "p", expected, "the whole province ok")
    if (doc["units"], doc["nodes"], doc["need_attention"]) != \
            (len(units), 1 + len(districts), 0):
        raise TestFailure("counts: %s" % {k: doc[k] for k in (
            "units", "nodes", "hosted", "need_attention")})
    out = check_plain(fed, "p", [])
    n_lines = len(out.rstrip("\n").split("\n")) - 3
    if n_lines > 1 + 2 * len(districts):
        raise TestFailure("%d lines for 1 + %d districts:\n%s"
                          % (n_lines, len(districts), out))
    log("tree at 24:\n%s" % out)
    check_plain(fed, "p", ["--all"], n_rows=len(units))
    rc, out, err = fed.cli(["tree", "--problems"], fed.node("p"))
    if rc != EXIT_OK or "none needs attention" not in out:
        raise TestFailure("tree --problems: exit %s: %s%s" % (rc, out, err))


SCENARIOS = {
    "tree": scenario_tree,
    "tree_province": scenario_tree_province,
}


if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
