#!/usr/bin/env python3
"""
test_missing.py -- completeness (tỷ lệ báo cáo): `dongbo missing`.

    python3 test_missing.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]

Scenario missing: province 24 (ipc) <- district 213 (TLS), which hosts two
of its communes, <- commune 07201 (a node).  The nodes run a copy of the
unit list in which two communes of 213 are out of force since 2022 (until
2021M12): they are never expected.  Form II.06c, 2022:
  - 07201 enters every indicator the form needs (complete);
  - 213 enters every one for itself and one for hosted 07207 (partial);
  - hosted 07210 and every other commune of 213 enter nothing (missing);
  - 215, another district (a node), enters all of its own; none of its
    communes has a node or a host, so they stay missing.
After convergence, at the province:
  - `missing 24 2022 --form II.06c --json`: expected = every unit of 24's
    subtree in the unit list (the form's rows name no level only), each
    group's expected and reported counted from the list independently, the
    rate never above 100 %, exit status 1, and the listed units exactly the
    missing and partial ones with their parents and counts;
  - `missing 213 ... --all` lists every expected unit with its state;
  - the same question asked at the district answers the same for 213;
  - `missing 07201 ...` is complete: exit 0;
  - unknown form, malformed period, a unit outside the node: clear errors.
A value entered later for a missing commune moves it to reported.
"""

import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import TestFailure, log, run_scenarios  # noqa: E402

FORM, PERIOD = "II.06c", "2022"
# The stored indicators II.06c's rows need (its ratios are built on these).
NEEDED = ["hs_tiep_nhan", "hs_moi_tiep_nhan", "hs_nhan_truc_tuyen",
          "hs_nhan_truc_tiep", "hs_ton_ky_truoc", "hs_da_giai_quyet",
          "hs_giai_quyet_truoc_han", "hs_giai_quyet_dung_han",
          "hs_giai_quyet_qua_han", "hs_dang_giai_quyet",
          "hs_dang_giai_quyet_trong_han", "hs_dang_giai_quyet_qua_han"]


def missing(fed, name, *args, want_rc=None):
    rc, out, err = fed.cli(["--json", "missing"] + list(args),
                           fed.node(name))
    if want_rc is not None and rc != want_rc:
        raise TestFailure("%s: missing %s: exit %s, wanted %s: %s"
                          % (name, " ".join(args), rc, want_rc, err))
    return rc, (json.loads(out) if out.strip() else None), err


# Communes of 213 abolished before 2022 (until 2021M12 in the unit list
# the nodes run): not expected to report for 2022.
GONE = ("07213", "07216")


def subtree(units, top):
    """Codes of top's subtree in force in 2022, in unit-list order (top
    first)."""
    out = [top]
    for code in units.parent:
        if code != top and code not in GONE and units.is_within(code, top):
            out.append(code)
    return out


def reformed_list(fed, src):
    """A copy of the unit list SRC with until = 2021M12 for GONE (the
    optional from/until columns), in the federation's temp dir."""
    dst = os.path.join(fed.tmp, "units-reformed.tsv")
    with open(src, encoding="utf-8") as f, \
            open(dst, "w", encoding="utf-8") as g:
        header = f.readline().rstrip("\n")
        g.write(header + "\tfrom\tuntil\n")
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            code = line.split("\t")[header.split("\t").index("code")]
            g.write(line + ("\t\t2021M12\n" if code in GONE else "\t\t\n"))
    return dst


def expect(fed, doc, top, present):
    """Checks doc (missing TOP --json) against PRESENT: code -> number of
    indicators entered, computed here from what the test entered."""
    units = fed.units
    codes = subtree(units, top)
    reported = {c for c in codes if present.get(c, 0) > 0}
    if doc["expected"] != len(codes) or doc["reported"] != len(reported):
        raise TestFailure("%s: expected/reported %s/%s, wanted %s/%s"
                          % (top, doc["expected"], doc["reported"],
                             len(codes), len(reported)))
    if not 0 <= doc["rate"] <= 100:
        raise TestFailure("rate %s" % doc["rate"])
    groups = {g["unit"]: g for g in doc["groups"]}
    kids = [c for c in codes if units.parent.get(c) == top]
    if sorted(groups) != sorted(kids + [top]):
        raise TestFailure("groups %s, wanted %s" % (sorted(groups),
                                                    sorted(kids + [top])))
    for k in kids:
        sub = subtree(units, k)
        want = (len(sub), len([c for c in sub if c in reported]))
        got = (groups[k]["expected"], groups[k]["reported"])
        if got != want:
            raise TestFailure("group %s: %s, wanted %s" % (k, got, want))
    listed = {u["unit"]: u for u in doc["units"]}
    want_listed = {c for c in codes if present.get(c, 0) < len(NEEDED)}
    if set(listed) != want_listed:
        raise TestFailure("listed %d units, wanted %d: extra %s, lacking %s"
                          % (len(listed), len(want_listed),
                             sorted(set(listed) - want_listed)[:5],
                             sorted(want_listed - set(listed))[:5]))
    for c, u in listed.items():
        state = "missing" if present.get(c, 0) == 0 else "partial"
        if (u["state"] != state or u["present"] != present.get(c, 0)
                or u["needed"] != len(NEEDED)
                or u["parent"] != (units.parent[c] or "")):
            raise TestFailure("unit %s: %s" % (c, u))


def scenario_missing(fed, rng, args):
    fed.add_node("p", "24", listen="ipc")
    fed.add_node("d", "213", parent="p", listen="tcp",
                 hosts=["07207", "07210"])
    fed.add_node("e", "215", parent="p")
    fed.add_node("c", "07201", parent="d")
    units = reformed_list(fed, fed.units.path)
    for name in fed.nodes:
        fed.set_conf(name, "units", units)
    fed.start_all()
    present = {}
    for name, unit, inds in (("c", "07201", NEEDED), ("d", "213", NEEDED),
                             ("d", "07207", NEEDED[:1]),
                             ("e", "215", NEEDED)):
        for ind in inds:
            fed.put(name, unit, ind, PERIOD, rng.randint(0, 900))
        present[unit] = len(inds)
    fed.converge()

    _, doc, _ = missing(fed, "p", "24", PERIOD, "--form", FORM, want_rc=1)
    expect(fed, doc, "24", present)
    log("24: %d of %d units reported (%.1f %%), %d listed"
        % (doc["reported"], doc["expected"], doc["rate"], len(doc["units"])))
    _, at_p, _ = missing(fed, "p", "213", PERIOD, "--form", FORM, want_rc=1)
    _, at_d, _ = missing(fed, "d", "213", PERIOD, "--form", FORM, want_rc=1)
    expect(fed, at_p, "213", present)
    if at_p != at_d:
        raise TestFailure("213 seen from the province and from itself "
                          "differ")
    _, every, _ = missing(fed, "p", "213", PERIOD, "--form", FORM, "--all",
                          want_rc=1)
    states = {u["unit"]: u["state"] for u in every["units"]}
    if (len(states) != len(subtree(fed.units, "213"))
            or states["07201"] != "reported" or states["213"] != "reported"
            or states["07207"] != "partial" or states["07210"] != "missing"):
        raise TestFailure("--all: %s" % {k: states.get(k) for k in
                                         ("213", "07201", "07207", "07210")})
    _, done, _ = missing(fed, "p", "07201", PERIOD, "--form", FORM,
                         want_rc=0)
    if (done["expected"], done["reported"], done["units"]) != (1, 1, []):
        raise TestFailure("07201 alone: %s" % done)
    rc, out, _ = fed.cli(["missing", "213", PERIOD, "--form", FORM],
                         fed.node("p"))
    if rc != 1 or "Still missing:" not in out or "07210" not in out \
            or "under 213 " not in out:
        raise TestFailure("text output (exit %s):\n%s" % (rc, out))

    for args, want in ((["24", PERIOD, "--form", "II.99"], "no form 'II.99'"),
                       (["24", "2022Q5", "--form", FORM], "2022Q5"),
                       (["99999", PERIOD, "--form", FORM], "99999"),
                       (["24", PERIOD], "--form CODE is required")):
        rc, _, err = fed.cli(["missing"] + args, fed.node("p"))
        if rc == 0 or want not in err:
            raise TestFailure("missing %s: exit %s: %s"
                              % (" ".join(args), rc, err))
    rc, _, err = fed.cli(["missing", "24", PERIOD, "--form", FORM],
                         fed.node("d"))
    if rc == 0 or "24" not in err:
        raise TestFailure("24 asked at 213: exit %s: %s" % (rc, err))

    # A missing commune reports: it moves over.
    fed.put("d", "07210", NEEDED[3], PERIOD, 7)
    present["07210"] = 1
    fed.converge()
    _, doc, _ = missing(fed, "p", "24", PERIOD, "--form", FORM, want_rc=1)
    expect(fed, doc, "24", present)
    log("after 07210 reported: %d of %d" % (doc["reported"], doc["expected"]))


SCENARIOS = {"missing": scenario_missing}

if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
