#!/usr/bin/env python3
"""
test_audit.py -- the audit trail (`dongbo log`) along a federation.

    python3 test_audit.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]

Province 24 <- district 213 <- commune 07201, three dongbod processes on
loopback.

Scenarios:
  audit  The commune enters a value, corrects it and deletes it, and
         enters another; all flows up.  At every node `dongbo log 07201`
         shows each change once, newest first, with the commune as its
         origin, the link it came through at that hop (local, by the
         test's user, at the commune; child 07201 at the district; child
         213 at the province), the commune's versions, and acceptance
         times in order along the chain.  Then what must add nothing adds
         nothing: a batch the district committed but never acknowledged
         (it is killed at parent.after_commit) and the commune sends
         again; the same at the province; a restart of the district.  The
         commune's store is wiped: its restart restores from the district,
         and its log shows one `restore from 213` entry per restored
         value, while the district's and province's logs are unchanged
         (the restored records come back up with their own versions).  A
         new write at the commune is then logged at every node once more.

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first.  Exit status 0 on success, 1 on failure (temp dir kept, the
tail of every node's log printed), 2 on a usage error.
"""

import os
import pwd
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import TestFailure, log, run_scenarios  # noqa: E402

COMMUNE, DISTRICT, PROVINCE = "c", "d", "p"
A = ("07201", "hs_tiep_nhan", "2022")
B = ("07201", "hs_nhan_truc_tuyen", "2022")


def history(fed, name, *args):
    """`dongbo log ARGS --json` at node NAME: its entries, newest first."""
    doc = fed.cli_json(fed.node(name), ["log"] + list(args))
    if doc.get("more"):
        raise TestFailure("%s: log %s: more changes than listed"
                          % (name, " ".join(args)))
    seqs = [e["seq"] for e in doc["entries"]]
    if seqs != sorted(seqs, reverse=True) or len(set(seqs)) != len(seqs):
        raise TestFailure("%s: log %s: not newest first: seqs %s"
                          % (name, " ".join(args), seqs))
    return doc["entries"]


def summary(entries):
    """(indicator, period, change, value) of each entry."""
    return [(e["indicator"], e["period"], e["change"], e["value"])
            for e in entries]


def expect_history(fed, changes, link_of):
    """Every node's log of 07201 holds exactly CHANGES (oldest first, as
    (key, change, value)) with the commune as origin, the commune's
    versions, the link of its hop (link_of: node -> (link, peer unit or
    None)) and acceptance times in order along the chain.  Returns the
    entries by node."""
    want = [(k[1], k[2], ch, v) for k, ch, v in reversed(changes)]
    got = {}
    for name in (COMMUNE, DISTRICT, PROVINCE):
        entries = history(fed, name, "07201")
        if summary(entries) != want:
            raise TestFailure("%s: log 07201 shows %s, expected %s"
                              % (name, summary(entries), want))
        link, peer = link_of[name]
        for e in entries:
            if e["origin"]["unit"] != "07201" or e["link"] != link:
                raise TestFailure("%s: change %s: origin %s, link %s; "
                                  "expected origin 07201, link %s"
                                  % (name, e["seq"], e["origin"], e["link"],
                                     link))
            if peer is not None and e["peer"]["unit"] != peer:
                raise TestFailure("%s: change %s came through %s, expected "
                                  "%s" % (name, e["seq"], e["peer"], peer))
        at = [e["at_ms"] for e in entries]
        if at != sorted(at, reverse=True):
            raise TestFailure("%s: acceptance times out of order: %s"
                              % (name, at))
        got[name] = entries
    for up, down in ((DISTRICT, COMMUNE), (PROVINCE, DISTRICT)):
        for e, d in zip(got[up], got[down]):
            if e["version"] != d["version"] or e["at_ms"] < d["at_ms"]:
                raise TestFailure("%s accepted version %s at %s, %s had "
                                  "version %s at %s"
                                  % (up, e["version"], e["at_ms"], down,
                                     d["version"], d["at_ms"]))
    return got


def crash_after_commit(fed, parent, child_name, key, value):
    """PARENT commits a batch carrying KEY = VALUE from below and is killed
    before acknowledging it (DONGBO_FAULT parent.after_commit); restarted,
    it gets the batch again."""
    fed.stop(parent)
    fed.start(parent, env={"DONGBO_FAULT": "parent.after_commit"})
    fed.put(COMMUNE, key[0], key[1], key[2], value)
    fed.wait_exit(parent, 30, "die at parent.after_commit")
    if "fault: parent.after_commit reached" not in fed.log_since_start(parent):
        raise TestFailure("%s did not stop at parent.after_commit" % parent)
    fed.start(parent)
    fed.converge()
    log("%s killed after committing %s = %s; the batch came again"
        % (parent, "/".join(key), value))


def scenario_audit(fed, rng, args):
    fed.add_node(PROVINCE, "24", listen="ipc")
    fed.add_node(DISTRICT, "213", parent=PROVINCE, listen="tcp")
    fed.add_node(COMMUNE, "07201", parent=DISTRICT)
    fed.start_all()
    me = pwd.getpwuid(os.geteuid()).pw_name
    link_of = {COMMUNE: ("local", None), DISTRICT: ("child", "07201"),
               PROVINCE: ("child", "213")}

    v1, v2, vb = rng.randint(100, 199), rng.randint(200, 299), 40
    fed.put(COMMUNE, *A, v1)
    fed.put(COMMUNE, *A, v2)
    fed.delete(COMMUNE, *A)
    fed.put(COMMUNE, *B, vb)
    fed.converge()
    changes = [(A, "set", v1), (A, "set", v2), (A, "deleted", None),
               (B, "set", vb)]
    got = expect_history(fed, changes, link_of)
    for e in got[COMMUNE]:
        if e["uid"] != os.geteuid() or e["user"] != me:
            raise TestFailure("commune: change %s entered by %s (uid %s), "
                              "expected %s (uid %d)" % (e["seq"], e["user"],
                                                        e["uid"], me,
                                                        os.geteuid()))
    key_only = history(fed, PROVINCE, *A)
    if summary(key_only) != summary(got[PROVINCE])[1:]:
        raise TestFailure("province: log %s shows %s"
                          % (" ".join(A), summary(key_only)))
    rc, out, err = fed.cli(["log", "07201"], fed.node(DISTRICT))
    for text in ("ACCEPTED", "VIA", "child 07201 (Phường Thọ Xương)",
                 "deleted", "07201"):
        if rc != 0 or text not in out:
            raise TestFailure("district: dongbo log 07201: exit %s, %r "
                              "missing:\n%s%s" % (rc, text, out, err))
    log("each change once at every node, local (%s) -> child 07201 -> "
        "child 213, origin 07201:\n%s" % (me, out.rstrip()))

    # Batches that arrive twice add nothing.
    crash_after_commit(fed, DISTRICT, COMMUNE, B, vb + 5)
    crash_after_commit(fed, PROVINCE, DISTRICT, B, vb + 10)
    changes += [(B, "set", vb + 5), (B, "set", vb + 10)]
    expect_history(fed, changes, link_of)
    fed.stop(DISTRICT)
    fed.start(DISTRICT)
    fed.converge()
    got = expect_history(fed, changes, link_of)
    log("a batch committed but not acknowledged, sent again to the "
        "district and to the province, and a restart of the district: "
        "nothing added")

    # The commune loses its store and restores it from the district.
    fed.kill9(COMMUNE)
    shutil.rmtree(os.path.join(fed.node(COMMUNE).dir, "store"))
    fed.start(COMMUNE)
    fed.converge()
    restored = history(fed, COMMUNE, "07201")
    want = sorted([(A[1], A[2], "deleted", None),
                   (B[1], B[2], "set", vb + 10)])
    if sorted(summary(restored)) != want:
        raise TestFailure("commune after restore: %s, expected %s"
                          % (summary(restored), want))
    latest = {(e["indicator"], e["period"]): e["version"]
              for e in reversed(got[DISTRICT])}
    for e in restored:
        if (e["link"] != "restore" or e["peer"]["unit"] != "213" or
                e["origin"]["unit"] != "07201" or
                e["version"] != latest[(e["indicator"], e["period"])]):
            raise TestFailure("commune: restored change %s" % e)
    for name in (DISTRICT, PROVINCE):
        if history(fed, name, "07201") != got[name]:
            raise TestFailure("%s: the restored records sent up again "
                              "changed its log" % name)
    log("restore: the commune logs %d `restore from 213` changes; the "
        "district's and the province's logs are unchanged" % len(restored))

    # Written again: local at the commune, child above, once each.
    v3 = rng.randint(300, 399)
    fed.put(COMMUNE, *A, v3)
    fed.converge()
    for name in (COMMUNE, DISTRICT, PROVINCE):
        entries = history(fed, name, "07201")
        first = entries[0]
        want_n = len(restored) + 1 if name == COMMUNE else len(changes) + 1
        if (len(entries) != want_n or first["value"] != v3 or
                first["link"] != link_of[name][0] or
                first["origin"]["unit"] != "07201"):
            raise TestFailure("%s: after a new write: %d entries, newest %s"
                              % (name, len(entries), first))
    fed.check()


SCENARIOS = {
    "audit": scenario_audit,
}

if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
