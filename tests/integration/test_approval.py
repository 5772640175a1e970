#!/usr/bin/env python3
"""
test_approval.py -- submission and approval (issue 6 point 3).

    python3 test_approval.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]

Scenario approval: province 24 (ipc) <- district 213 (tcp) <- commune 07201
(a node).  Form II.06c, 2022:
  - the commune enters the form's values and submits; submit at the
    district, approve at the commune or the province, approve before a
    submission: refused, each naming where or what to do;
  - the district and the province see `submitted`; the district approves;
    the commune's node sees `approved` (polled with a deadline) and refuses
    a put (and a delete, and a quarter within the year) of a value the form
    needs, naming who approved and how to reopen; a value of another period
    and one of an indicator the form does not need are still taken;
    `report` and `missing` show the state;
  - changed after approval: the commune is stopped, the district approves
    a fresh submission, the district is stopped, the commune restarts
    offline and writes a value (still `submitted` there), then the district
    restarts: the value reaches it after the approval, which is flagged
    there and at the province, and the commune sees `approved`;
  - reopen unlocks the commune; return with a note shows the note at the
    commune; a return without a note is a usage error;
  - kill -9 of the district between approving and the commune receiving
    it: after restarts every node holds the same state, same version.
"""

import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import TestFailure, log, run_scenarios, wait_for  # noqa: E402

FORM, PERIOD, UNIT = "II.06c", "2022", "07201"
NEEDED = ["hs_tiep_nhan", "hs_moi_tiep_nhan", "hs_nhan_truc_tuyen",
          "hs_nhan_truc_tiep", "hs_ton_ky_truoc", "hs_da_giai_quyet",
          "hs_giai_quyet_truoc_han", "hs_giai_quyet_dung_han",
          "hs_giai_quyet_qua_han", "hs_dang_giai_quyet",
          "hs_dang_giai_quyet_trong_han", "hs_dang_giai_quyet_qua_han"]
# Not among the indicators II.06c's rows need.
OTHER_INDICATOR = "tthc_cong_bo"
FAST = {"heartbeat_ms": 300, "timeout_ms": 1000}


def state_at(fed, name, unit=UNIT):
    """The state of UNIT's II.06c 2022 at node NAME, as `approval --json`
    shows it (None: no state stored there)."""
    doc = fed.cli_json(fed.node(name), ["approval", unit, PERIOD, "--form",
                                        FORM])
    for s in doc["states"]:
        if s["unit"] == unit and s["form"] == FORM:
            return s
    return None


def wait_state(fed, name, state, changed=None, timeout=30):
    def ok():
        s = state_at(fed, name)
        return (s is not None and s["state"] == state
                and (changed is None
                     or s["changed_after_approval"] == changed))
    wait_for(ok, timeout, "%s to see %s %s %s %s%s"
             % (name, UNIT, FORM, PERIOD, state,
                "" if changed is None else " changed=%s" % changed))
    return state_at(fed, name)


def act(fed, name, action, *extra):
    rc, out, err = fed.cli([action, UNIT, PERIOD, "--form", FORM]
                           + list(extra), fed.node(name))
    if rc != 0:
        raise TestFailure("%s: %s: exit %s: %s" % (name, action, rc, err))
    log("%s: %s" % (name, out.strip()))
    return out


def refused(fed, name, args, *wanted):
    rc, out, err = fed.cli(args, fed.node(name))
    if rc == 0 or any(w not in err for w in wanted):
        raise TestFailure("%s: dongbo %s: exit %s, wanted a refusal naming "
                          "%s: %r" % (name, " ".join(args), rc, wanted, err))
    log("%s: refused as it should: %s" % (name, err.strip()))
    return err


def same_everywhere(fed, names, label):
    got = {n: state_at(fed, n) for n in names}
    keys = ("state", "version", "changed_after_approval", "node", "note")
    first = got[names[0]]
    for n in names:
        if got[n] is None or any(got[n][k] != first[k] for k in keys):
            raise TestFailure("%s: states differ: %s" % (label, json.dumps(
                {k: (v and {x: v[x] for x in keys}) for k, v in got.items()},
                ensure_ascii=False)))
    log("%s: %s v%s everywhere" % (label, first["state"], first["version"]))
    return first


def scenario_approval(fed, rng, args):
    fed.add_node("p", "24", listen="ipc")
    fed.add_node("d", "213", parent="p", listen="tcp")
    fed.add_node("c", UNIT, parent="d")
    for name in fed.nodes:
        for k, v in FAST.items():
            fed.set_conf(name, k, v)
    fed.start_all()
    for ind in NEEDED:
        fed.put("c", UNIT, ind, PERIOD, rng.randint(1, 900))
    fed.converge()

    # Where and when each action may be taken.
    refused(fed, "d", ["submit", UNIT, PERIOD, "--form", FORM],
            "not hosted by this node", "its own node")
    refused(fed, "c", ["approve", UNIT, PERIOD, "--form", FORM],
            "only the parent level of 07201, 213")
    refused(fed, "p", ["approve", UNIT, PERIOD, "--form", FORM],
            "at the node that hosts 213")
    refused(fed, "d", ["approve", UNIT, PERIOD, "--form", FORM],
            "draft", "dongbo submit 07201 2022 --form II.06c")
    refused(fed, "p", ["approve", "24", PERIOD, "--form", FORM],
            "no parent level")
    refused(fed, "c", ["submit", UNIT, PERIOD, "--form", "II.99"],
            "no form 'II.99'")
    rc, _, err = fed.cli(["return", UNIT, PERIOD, "--form", FORM],
                         fed.node("d"))
    if rc != 2 or "--note" not in err:
        raise TestFailure("return without a note: exit %s: %s" % (rc, err))

    # Submit at the commune: seen above.
    act(fed, "c", "submit", "--note", "Báo cáo năm 2022")
    fed.converge()
    for n in ("d", "p"):
        s = state_at(fed, n)
        if s is None or s["state"] != "submitted" or s["node"] != UNIT:
            raise TestFailure("%s sees %s" % (n, s))
    refused(fed, "c", ["submit", UNIT, PERIOD, "--form", FORM],
            "already submitted", "213")

    # Approve at the district: the commune is locked.
    act(fed, "d", "approve")
    s = wait_state(fed, "c", "approved")
    if s["node"] != "213" or s["changed_after_approval"]:
        raise TestFailure("the commune sees %s" % s)
    fed.converge()
    same_everywhere(fed, ["c", "d", "p"], "approved")
    for a in (["put", UNIT, "hs_tiep_nhan", PERIOD, "5"],
              ["put", UNIT, "hs_tiep_nhan", "2022Q3", "5"],
              ["delete", UNIT, "hs_da_giai_quyet", PERIOD]):
        refused(fed, "c", a, "is approved by 213 (Thành phố Bắc Giang)",
                "ask 213 to reopen it",
                "dongbo reopen 07201 2022 --form II.06c")
    refused(fed, "c", ["submit", UNIT, PERIOD, "--form", FORM],
            "approved by 213", "reopen")
    fed.put("c", UNIT, "hs_tiep_nhan", "2023", 11)     # another period
    fed.put("c", UNIT, OTHER_INDICATOR, PERIOD, 3)     # another form's
    rc, out, err = fed.cli(["report", UNIT, PERIOD, "--form", FORM],
                           fed.node("c"))
    if rc != 0 or "Approval: approved by 213" not in out:
        raise TestFailure("report at the commune: exit %s:\n%s%s"
                          % (rc, out, err))
    rep = fed.cli_json(fed.node("c"), ["report", UNIT, PERIOD, "--form",
                                       FORM, "--format", "json"])
    if rep.get("approval", {}).get("state") != "approved":
        raise TestFailure("report --json: %s" % rep.get("approval"))
    fed.converge()
    rc, out, _ = fed.cli(["--json", "missing", "213", PERIOD, "--form", FORM,
                          "--all"], fed.node("p"))
    doc = json.loads(out)
    units = {u["unit"]: u for u in doc["units"]}
    if (units[UNIT]["approval"] != "approved"
            or doc["approval"]["approved"]["units"] != 1
            or units["213"]["approval"] != "draft"):
        raise TestFailure("missing --json: %s %s"
                          % (units[UNIT], doc["approval"]))
    rc, out, _ = fed.cli(["missing", "213", PERIOD, "--form", FORM],
                         fed.node("p"))
    if "Approval: " not in out or "1 approved" not in out:
        raise TestFailure("missing text:\n%s" % out)
    # `dongbo tree` shows the state too, per unit, at the province.
    rows = {r["unit"]: r for r in fed.cli_json(
        fed.node("p"), ["tree", "213", "--form", FORM, "--period",
                        PERIOD])["rows"]}
    if (rows[UNIT].get("approval") != "approved"
            or rows[UNIT].get("approval_changed")
            or rows["213"].get("approval") != "draft"):
        raise TestFailure("tree --json: %s / %s" % (rows[UNIT], rows["213"]))
    rc, out, _ = fed.cli(["tree", "213", "--form", FORM, "--period", PERIOD,
                          "--all"], fed.node("p"))
    line = [l for l in out.splitlines() if " %s " % UNIT in l]
    if rc != 0 or "APPROVAL" not in out or not line \
            or "approved" not in line[0]:
        raise TestFailure("tree text (exit %s):\n%s" % (rc, out))
    rc, _, err = fed.cli(["tree", "--form", FORM], fed.node("p"))
    if rc != 2 or "--form and --period go together" not in err:
        raise TestFailure("tree --form alone: exit %s: %s" % (rc, err))

    # Reopen unlocks.
    act(fed, "d", "reopen")
    wait_state(fed, "c", "draft")
    fed.put("c", UNIT, "hs_tiep_nhan", PERIOD, 777)

    # Changed after approval: a value written at the commune while it is
    # cut off, before the approval reached it.
    act(fed, "c", "submit")
    fed.converge()
    fed.stop("c")
    act(fed, "d", "approve")
    fed.stop("d")
    fed.start("c")
    fed.put("c", UNIT, "hs_moi_tiep_nhan", PERIOD, 4321)  # still submitted
    if state_at(fed, "c")["state"] != "submitted":
        raise TestFailure("the commune saw the approval while cut off")
    fed.start("d")
    wait_state(fed, "d", "approved", changed=True)
    wait_state(fed, "c", "approved", changed=True)
    fed.converge()
    rows = {r["unit"]: r for r in fed.cli_json(
        fed.node("p"), ["tree", "213", "--form", FORM, "--period",
                        PERIOD])["rows"]}
    if not rows[UNIT].get("approval_changed"):
        raise TestFailure("tree does not flag the change: %s" % rows[UNIT])
    s = same_everywhere(fed, ["c", "d", "p"], "changed after approval")
    if not s["changed_after_approval"]:
        raise TestFailure("not flagged: %s" % s)
    rc, out, _ = fed.cli(["approval", "24", PERIOD], fed.node("p"))
    if "changed" not in out.lower():
        raise TestFailure("approval text at the province:\n%s" % out)
    log(out.strip())

    # Return with a note: shown at the commune.
    act(fed, "d", "return", "--note", "Thiếu số liệu quý 4")
    s = wait_state(fed, "c", "returned")
    if s["note"] != "Thiếu số liệu quý 4" or s["changed_after_approval"]:
        raise TestFailure("returned at the commune: %s" % s)
    rc, out, _ = fed.cli(["approval", UNIT, PERIOD], fed.node("c"))
    if "Thiếu số liệu quý 4" not in out:
        raise TestFailure("note not shown at the commune:\n%s" % out)
    fed.put("c", UNIT, "hs_moi_tiep_nhan", PERIOD, 4322)

    # kill -9 of the district between approving and the commune hearing.
    act(fed, "c", "submit")
    fed.converge()
    fed.stop("c")
    act(fed, "d", "approve")
    fed.kill9("d")
    fed.start("d")
    fed.start("c")
    wait_state(fed, "c", "approved", changed=False)
    fed.converge()
    same_everywhere(fed, ["c", "d", "p"], "after kill -9")
    refused(fed, "c", ["put", UNIT, "hs_tiep_nhan", PERIOD, "1"],
            "is approved by 213")
    fed.check()
    fed.verify()


SCENARIOS = {"approval": scenario_approval}

if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
