#!/usr/bin/env python3
"""
test_faults.py -- dongbo under the faults of issue 4, one scenario each.

    python3 test_faults.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]

Scenarios (real dongbod processes on loopback, driven through the CLI;
each ends by checking every roll-up at every node against the truth
recomputed from scratch, every value at every ancestor, and `dongbo
verify` at every node):
  long_outage        a commune offline while 100,000 changes accumulate:
                     status shows them waiting and the age of the oldest;
                     on reconnect it catches up with progress in its log,
                     through a SIGTERM of the district mid-catch-up; the
                     acknowledged outbox is pruned to nothing
  parent_lost_store  the district's store is wiped (kill -9): its
                     children re-send their state (their logs were
                     pruned), it restores its own unit's values from the
                     province, and every roll-up returns to the truth
  child_lost_store   a commune's store is wiped: it restores its values
                     from the district on its first start (killed once at
                     its first restored page), later writes
                     there win, and `dongbo restore` on a live node
                     changes nothing
  deletions          `dongbo delete` at communes and a district: the
                     values leave every roll-up everywhere
  stalled            a district frozen (SIGSTOP) while its commune has
                     records waiting: the commune's link shows "stalled",
                     then "ok" again once the district runs
  map_full           a district whose store may not grow past 1 MiB:
                     the commune's link stalls with the reason, the
                     district shows it stalled, a local import is refused
                     with a clear error; after raising the limit it all
                     flows on
  rejected           a commune runs a catalog its district does not know:
                     the refused record is listed on both sides while the
                     records after it flow on; once the district learns
                     the catalog, `dongbo rejected --retry` sends it again
  silent_handshake   while the district is down, a listener on its port
                     accepts the commune's connection and never answers
                     the TLS handshake; the district comes back on its
                     port while that connection is still open, and the
                     commune reaches it all the same
  deaf_listener      the district's listener stops serving new
                     connections (as nng 1.5.2 leaves one at times; here
                     the fault point sync.drop_listener closes it): its
                     own probe notices within seconds and listens afresh
                     ("listening afresh" in its log), and its communes,
                     one restarted meanwhile, catch up
  busy_writer        the district's writer is held on a commune's batch
                     (fault writer.stall, behind a gate file the test
                     removes): meanwhile the district answers the CLI
                     without the value; held again, three communes'
                     batches of 20,000 queue (the third is kept as it
                     came, not unpacked); then all reach the province,
                     exact
  node_gone          a commune dies after storing a put, before its
                     answer: the CLI says at once that the outcome is
                     unknown (exit 3) rather than waiting or sending the
                     request again; after a restart the value is there,
                     and repeating the put changes nothing

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first.  Exit status 0 on success, 1 on failure (temp dir kept, the
tail of every node's log printed), 2 on a usage error.
"""

import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (EXIT_NO_NODE, EXIT_OK, TestFailure,  # noqa: E402
                        catalog_indicators, log, run_scenarios, wait_for)

INDICATORS = [
    "hs_nhan_truc_tuyen", "hs_nhan_truc_tiep", "hs_ton_ky_truoc",
    "hs_giai_quyet_truoc_han", "hs_giai_quyet_dung_han",
    "hs_giai_quyet_qua_han",
]
PERIODS = ["2022", "2022S1", "2022Q1", "2022Q3", "2022M06"]

OUTAGE_CHANGES = 100000


def small_federation(fed, communes=("07201", "07207"), district_hosts=(),
                     district_listen="tcp"):
    """Province 24 <- district 213 <- communes (names p, d, c<code>)."""
    fed.add_node("p", "24", listen="ipc")
    fed.add_node("d", "213", parent="p", listen=district_listen,
                 hosts=district_hosts)
    for code in communes:
        fed.add_node("c" + code, code, parent="d")


def enter(fed, rng, names_units, n, inds=INDICATORS, periods=PERIODS):
    """n seeded puts (mostly corrections of a small key space) spread over
    (node, unit) pairs."""
    for _ in range(n):
        name, unit = rng.choice(names_units)
        fed.put(name, unit, rng.choice(inds), rng.choice(periods),
                str(rng.randint(0, 900)))


def full_check(fed, label="CHECK"):
    fed.converge()
    fed.check(label=label)
    fed.check_values(label=label + " values")
    fed.verify(label=label + " verify")


def parent_status(fed, name):
    st = fed.status(name)
    if st.get("parent") is None:
        raise TestFailure("%s: status has no parent: %s" % (name, st))
    return st["parent"]


def count_sum_indicators(path):
    """The indicators of the catalog with type count and rule sum, in
    file order."""
    return [code for code, f in catalog_indicators(path).items()
            if f.get("type") == "count" and f.get("rule") == "sum"]


def months(n):
    """n months from 1990M01 on."""
    return ["%04dM%02d" % (1990 + i // 12, i % 12 + 1) for i in range(n)]


def sample_pairs(rng, rows, n):
    """n (indicator, period) pairs of the rows entered, for fed.check on
    a truth too large to check whole."""
    return [(ind, per) for _, ind, per, _, _ in rng.sample(rows, n)]


# ---- scenarios ----

def scenario_long_outage(fed, rng, args):
    small_federation(fed, communes=("07201",))
    fed.set_conf("c07201", "stall_ms", 2000)
    fed.start_all()
    fed.put("c07201", "07201", INDICATORS[0], "2022Q1", "1")
    fed.converge()
    fed.stop("d")

    inds = count_sum_indicators(fed.catalog_path)[:80]
    per = months(OUTAGE_CHANGES // len(inds))
    rows = [("07201", ind, p, str(rng.randint(0, 999)), False)
            for ind in inds for p in per]
    t0 = time.monotonic()
    fed.import_rows("c07201", rows, label="outage")
    log("imported %d values at the commune in %.2f s"
        % (len(rows), time.monotonic() - t0))
    ps = parent_status(fed, "c07201")
    if ps["pending"] < len(rows):
        raise TestFailure("commune shows %s records waiting, expected %d"
                          % (ps["pending"], len(rows)))
    if ps.get("health") != "offline":
        raise TestFailure("commune's link is %r with its parent down, "
                          "expected offline" % ps.get("health"))
    if not ps.get("oldest_waiting_age_s", -1) >= 0:
        raise TestFailure("status shows no age for the oldest waiting "
                          "change: %s" % ps)

    fed.start("d")
    t1 = time.monotonic()

    # SIGTERM the district while the catch-up is under way: the batch in
    # flight is finished or abandoned, the process exits cleanly, and
    # nothing is lost or doubled after the restart.
    def half_way():
        return parent_status(fed, "c07201")["pending"] < len(rows) * 0.8
    wait_for(half_way, 60, "the catch-up to get going")
    rc = fed.stop("d")
    if rc != 0:
        raise TestFailure("district exited with %s on SIGTERM" % rc)
    fed.start("d")
    fed.converge(timeout=110)
    log("caught up %d records in %.1f s (SIGTERM of the district "
        "included)" % (len(rows), time.monotonic() - t1))
    if not fed.log_lines(r"catching up with 213: \d+ of \d+ records sent"):
        raise TestFailure("no catch-up progress in the commune's log")
    if not fed.log_lines(r"caught up with 213"):
        raise TestFailure("no end of catch-up in the commune's log")
    for name in ("c07201", "d"):
        ps = parent_status(fed, name)
        if ps["log_entries"] != 0 or ps["pending"] != 0:
            raise TestFailure("%s: outbox not pruned after its parent "
                              "acknowledged everything: %s" % (name, ps))
    kept = fed.status("p")["store"]["log_entries"]
    if kept != 0:
        raise TestFailure("the top node keeps %d log entries nobody will "
                          "read" % kept)
    # 100,000 keys: check a sample of them with the full checker, and
    # all of them by the stores' own from-scratch verification and the
    # number of values at each level.
    fed.check(label="CHECK sample", pairs=sample_pairs(rng, rows, 200))
    fed.verify()
    counts = {n: fed.status(n)["store"]["values"]
              for n in ("c07201", "d", "p")}
    if not counts["c07201"] == counts["d"] == counts["p"] == len(rows) + 1:
        raise TestFailure("values per node differ: %s (expected %d each)"
                          % (counts, len(rows) + 1))


def scenario_parent_lost_store(fed, rng, args):
    small_federation(fed, district_hosts=("07213",))
    fed.start_all()
    pairs = [("c07201", "07201"), ("c07207", "07207"), ("d", "213"),
             ("d", "07213"), ("p", "24")]
    enter(fed, rng, pairs, 60)
    full_check(fed, "CHECK before")
    old_id = fed.status("d")["store_id"]
    fed.kill9("d")
    shutil.rmtree(os.path.join(fed.node("d").dir, "store"))
    # The communes keep working meanwhile.
    enter(fed, rng, pairs[:2], 10)
    fed.start("d")
    full_check(fed, "CHECK after")
    if fed.status("d")["store_id"] == old_id:
        raise TestFailure("district kept its store identity")
    if not fed.log_lines(r"needs records .* re-sending our \d+ current "
                         r"values"):
        raise TestFailure("no commune re-sent its state from its values")
    if not fed.log_lines(r"restore from 24 done: [1-9]\d* values"):
        raise TestFailure("the district did not restore its own values")


def scenario_child_lost_store(fed, rng, args):
    small_federation(fed)
    fed.start_all()
    pairs = [("c07201", "07201"), ("c07207", "07207"), ("d", "213")]
    enter(fed, rng, pairs, 40)
    full_check(fed, "CHECK before")
    key = next(k for k in sorted(fed.truth) if k[0] == "07201")
    before = fed.cli_json(fed.node("c07201"), ["get", key[0], key[1],
                                               key[2]])
    fed.kill9("c07201")
    shutil.rmtree(os.path.join(fed.node("c07201").dir, "store"))
    # Killed with the first restored page in hand: the restore is still
    # pending at the next start, and completes.
    fed.start("c07201", wait=False, env={"DONGBO_FAULT":
                                         "child.restore_page:1"})
    rc = fed.wait_exit("c07201", 30, "die at its first restore page")
    if rc != -signal.SIGKILL or not re.search(
            r"fault: child\.restore_page",
            fed.log_since_start("c07201")):
        raise TestFailure("the commune did not die at its restore page "
                          "(exit %s)" % rc)
    fed.start("c07201")
    fed.converge()
    # Every value of the commune is back at the commune itself.
    fed.check_values(only=["c07201"], label="RESTORED")
    again = fed.cli_json(fed.node("c07201"), ["get", key[0], key[1],
                                              key[2]])
    if again["version"] != before["version"]:
        raise TestFailure("restored %s with version %s, had %s"
                          % (key, again["version"], before["version"]))
    fed.put("c07201", key[0], key[1], key[2], "777")
    after = fed.cli_json(fed.node("c07201"), ["get", key[0], key[1],
                                              key[2]])
    if not after["version"] > before["version"]:
        raise TestFailure("a write after the restore got version %s, not "
                          "above %s" % (after["version"], before["version"]))
    enter(fed, rng, pairs, 20)
    # A restore asked for on a live node merges by version: no change.
    rc, out, err = fed.cli(["restore"], fed.node("d"))
    if rc != EXIT_OK:
        raise TestFailure("restore at the district: exit %s: %s" % (rc, err))
    full_check(fed, "CHECK after")
    if not fed.log_lines(r"restore from 213 done: [1-9]\d* values"):
        raise TestFailure("the commune did not log its restore")


def scenario_deletions(fed, rng, args):
    small_federation(fed)
    fed.start_all()
    pairs = [("c07201", "07201"), ("c07207", "07207"), ("d", "213")]
    enter(fed, rng, pairs, 50)
    full_check(fed, "CHECK before")
    node_of = {u: n for n, u in pairs}
    keys = rng.sample(sorted(fed.truth), 12)
    for unit, ind, per in keys:
        fed.delete(node_of[unit], unit, ind, per)
    # Deleting again succeeds and changes nothing; a value never entered
    # cannot be deleted.
    unit, ind, per = keys[0]
    fed.delete(node_of[unit], unit, ind, per)
    fed.expect_refused(node_of[unit], ["delete", unit, ind, "2031Q1"],
                       "2031Q1")
    full_check(fed, "CHECK after deletes")
    # A deleted key entered again counts again.
    fed.put(node_of[unit], unit, ind, per, "5")
    full_check(fed, "CHECK re-entered")


def scenario_stalled(fed, rng, args):
    small_federation(fed, communes=("07201",))
    fed.set_conf("c07201", "stall_ms", 1500)
    fed.set_conf("c07201", "timeout_ms", 700)
    fed.start_all()
    enter(fed, rng, [("c07201", "07201")], 5)
    fed.converge()
    if parent_status(fed, "c07201")["health"] != "ok":
        raise TestFailure("a synced link is not ok")
    fed.send_signal("d", signal.SIGSTOP)
    try:
        enter(fed, rng, [("c07201", "07201")], 3)

        def stalled():
            ps = parent_status(fed, "c07201")
            return ps["health"] == "stalled" and ps["pending"] > 0
        wait_for(stalled, 20, "the commune's link to show stalled")
        log("stalled shown: %s" % parent_status(fed, "c07201"))
    finally:
        fed.send_signal("d", signal.SIGCONT)
    fed.converge()
    if parent_status(fed, "c07201")["health"] != "ok":
        raise TestFailure("the link is not ok after the district resumed")
    fed.check()


def scenario_map_full(fed, rng, args):
    small_federation(fed, communes=("07201",))
    fed.set_conf("d", "map_size_mb", 1)
    fed.set_conf("d", "map_size_max_mb", 1)
    fed.set_conf("d", "stall_ms", 1500)
    fed.set_conf("c07201", "stall_ms", 1500)
    fed.set_conf("c07201", "map_size_mb", 1)
    fed.set_conf("c07201", "map_size_max_mb", 4)
    fed.start_all()
    inds = count_sum_indicators(fed.catalog_path)[:12]
    per = months(240)
    rows = [("07201", ind, p, str(rng.randint(0, 99)), False)
            for ind in inds for p in per]
    # More than the district's 1 MiB map holds, well within the commune's.
    fed.import_rows("c07201", rows[:2400], label="part1")

    def stuck():
        ps = parent_status(fed, "c07201")
        return ps["health"] == "stalled" and "full" in (ps["last_error"] or "")
    wait_for(stuck, 40, "the commune's link to stall on the full district")
    def child_stalled():
        kids = fed.status("d")["children"]
        return kids and kids[0].get("health") == "stalled"
    wait_for(child_stalled, 20, "the district to show its child stalled")
    # The full district still answers and its store is whole.
    fed.verify(only=["d"])
    # A local write that does not fit is refused whole, with the reason.
    path = os.path.join(fed.tmp, "big.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("unit,indicator,period,value\n")
        for ind in inds:
            for p in months(1200):
                f.write("07201,%s,%s,1\n" % (ind, p))
    rc, out, err = fed.cli(["import", path], fed.node("c07201"))
    if rc == EXIT_OK or "full" not in err or "map_size_max_mb" not in err:
        raise TestFailure("an import past the commune's map limit: exit "
                          "%s: %s" % (rc, err.strip()))
    fed.verify(only=["c07201"])
    # Room again: everything flows on.
    fed.stop("d")
    fed.set_conf("d", "map_size_max_mb", 64)
    fed.start("d")
    fed.import_rows("c07201", rows[2400:], label="part2")
    fed.converge()
    fed.check(pairs=sample_pairs(rng, rows, 60))
    fed.check_values()
    fed.verify()


def scenario_rejected(fed, rng, args):
    small_federation(fed, communes=("07201",))
    new_ind = "hs_thu_nghiem_v3"
    v3 = fed.newer_catalog(new_ind)
    fed.set_catalog("c07201", v3)
    fed.start_all()
    rc, out, err = fed.cli(["put", "07201", new_ind, "2022", "41"],
                           fed.node("c07201"))
    if rc != EXIT_OK:
        raise TestFailure("put at the commune: exit %s: %s" % (rc, err))
    # Records after the refused one flow on.
    enter(fed, rng, [("c07201", "07201")], 10)
    fed.converge()
    fed.check()

    def listed(name, side):
        rows = fed.cli_json(fed.node(name), ["rejected"])
        rows = rows.get("records", rows) if isinstance(rows, dict) else rows
        return [r for r in rows if r.get("indicator") == new_ind
                and (r.get("child") or "") == side]
    if len(listed("c07201", "")) != 1:
        raise TestFailure("the commune does not list its refused record: "
                          "%s" % fed.cli_json(fed.node("c07201"),
                                              ["rejected"]))
    if len(listed("d", "07201")) != 1:
        raise TestFailure("the district does not list the record it "
                          "refused: %s" % fed.cli_json(fed.node("d"),
                                                       ["rejected"]))
    # The district learns the catalog; the commune sends the record again.
    fed.stop("d")
    fed.set_catalog("d", v3)
    fed.start("d")
    rc, out, err = fed.cli(["rejected", "--retry"], fed.node("c07201"))
    if rc != EXIT_OK:
        raise TestFailure("rejected --retry: exit %s: %s" % (rc, err))
    fed.converge()
    got = fed.cli_json(fed.node("d"), ["get", "07201", new_ind, "2022"])
    if got.get("value") != 41:
        raise TestFailure("the retried record did not arrive: %s" % got)
    if listed("c07201", "") or listed("d", "07201"):
        raise TestFailure("refused records still listed after the retry")
    fed.check()


class SilentListener:
    """Takes a TCP port and accepts connections on it, answering nothing:
    a TLS handshake that never ends.  Accepted connections stay open until
    close(), even after stop_listening() gives the port back."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.held = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.held.append(c)

    def stop_listening(self):
        self.running = False
        self.thread.join()
        self.sock.close()

    def close(self):
        self.stop_listening()
        for c in self.held:
            c.close()


def scenario_silent_handshake(fed, rng, args):
    small_federation(fed, communes=("07201",))
    fed.set_conf("c07201", "timeout_ms", 700)
    fed.start_all()
    enter(fed, rng, [("c07201", "07201")], 3)
    fed.converge()
    url = fed.node("d").listen_url
    port = int(url.rsplit(":", 1)[1])
    fed.stop("d")
    # Something else holds the district's port for a while: it accepts
    # the commune's connection and never answers its TLS handshake.
    silent = SilentListener(port)
    try:
        wait_for(lambda: silent.held, 20,
                 "the commune to connect to the silent listener")
        enter(fed, rng, [("c07201", "07201")], 3)
        silent.stop_listening()
        # The district is back on its port while the silent connection is
        # still open: the commune must not wait on it.
        fed.start("d")
        started = time.monotonic()
        fed.converge(timeout=30)
        log("the commune reached the restarted district in %.1f s, "
            "%d silent connection(s) still open"
            % (time.monotonic() - started, len(silent.held)))
    finally:
        silent.close()
    fed.check()


def scenario_deaf_listener(fed, rng, args):
    small_federation(fed)
    fed.start_all()
    pairs = [("c07201", "07201"), ("c07207", "07207")]
    enter(fed, rng, pairs, 6)
    fed.converge()
    fed.stop("d")
    # The listener goes at the district's second probe, 10 s after its
    # start: by then its communes are back on their open links.
    fed.start("d", env={"DONGBO_FAULT": "sync.drop_listener:2"})
    fed.converge()
    wait_for(lambda: fed.log_lines(r"fault: sync\.drop_listener "
                                   r"triggered"), 30,
             "the district's listener to go")
    # The links close with the listener; the communes, and one restarted
    # meanwhile, find no one until the probe has missed three times
    # (15 s) and listens afresh.
    enter(fed, rng, pairs[:1], 3)
    fed.stop("c07207")
    fed.start("c07207")
    enter(fed, rng, pairs[1:], 3)
    said = wait_for(lambda: fed.log_lines(r"probe: the listener on .* "
                                          r"listening afresh"), 60,
                    "the district to listen afresh")
    log("the district: %s" % said[0][1].split("]: ", 1)[-1])
    fed.converge(timeout=60)
    full_check(fed, "CHECK after")


def writer_held(fed):
    """Times the district's writer was held at the gate since its start."""
    return fed.log_since_start("d").count("fault: writer.stall held")


def scenario_busy_writer(fed, rng, args):
    small_federation(fed, communes=("07201", "07207", "07210", "07213"))
    fed.start_all()
    enter(fed, rng, [("c07201", "07201"), ("c07207", "07207")], 4)
    fed.converge()
    fed.stop("d")
    fed.set_conf("d", "log_level", "debug")
    # The writer is held while the gate file exists: as long as the
    # test needs, however loaded the machine.
    gate = os.path.join(fed.tmp, "writer-gate")
    open(gate, "w").close()
    fed.start("d", env={"DONGBO_FAULT": "writer.stall",
                        "DONGBO_FAULT_GATE": gate})
    ind, per = rng.choice(INDICATORS), "2023Q3"
    fed.put("c07201", "07201", ind, per, "777")
    wait_for(lambda: writer_held(fed) == 1, 30,
             "the district's writer to stall on the commune's batch")
    # The loop is not held by the write: the control socket answers
    # while the batch waits (had it waited for the commit, the value
    # would be there by the time status answered), ...
    st = fed.status("d")
    rc, out, err = fed.cli(["get", "--json", "07201", ind, per],
                           fed.node("d"))
    if rc == EXIT_OK or json.loads(out or "{}").get("value", 0) is not None:
        raise TestFailure("the district answered only after its writer "
                          "had committed: exit %s: %s%s" % (rc, out, err))
    log("while the writer stalls: %s" % ", ".join(
        "%s applied %s of %s" % (c["unit"], c["applied_seq"], c["head_seq"])
        for c in st["children"]))
    # A value entered at the district itself is written by the writer
    # too, after the batch: the loop answers meanwhile, the put when it
    # is stored.
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        own = ex.submit(fed.put, "d", "213", ind, per, "999")
        wait_for(lambda: "a put of 1 values handed to the writer" in
                 fed.log_since_start("d"), 30,
                 "the district's put to wait for its writer")
        fed.status("d")
        rc, out, err = fed.cli(["get", "--json", "213", ind, per],
                               fed.node("d"))
        if own.done() or rc == EXIT_OK:
            raise TestFailure("the district's put held its loop: the put "
                              "%s; get: exit %s: %s%s"
                              % ("ended" if own.done() else "waits", rc,
                                 out, err))
        os.unlink(gate)
        own.result()
    got = fed.cli_json(fed.node("d"), ["get", "213", ind, per])
    if got.get("value") != 999:
        raise TestFailure("the district's own put is not stored: %s" % got)
    # ... the other communes' batches queue behind it: two of 20,000
    # records are handed to the writer, the third is kept as it came
    # (the writer has 40,000 to apply), and all land.
    open(gate, "w").close()
    fed.put("c07207", "07207", ind, per, "555")
    wait_for(lambda: writer_held(fed) == 2, 30,
             "the district's writer to stall on the next batch")
    inds = [i for i in count_sum_indicators(fed.catalog_path)
            if i != ind][:16]
    per_big = months(1250)
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        for f in [ex.submit(fed.import_rows, "c" + u,
                            [(u, i, p, str(rng.randint(0, 99)), False)
                             for i in inds for p in per_big], "big")
                  for u in ("07207", "07210", "07213")]:
            f.result()
    wait_for(lambda: "kept as it came" in fed.log_since_start("d"), 30,
             "a push kept as it came while the writer stalls")
    os.unlink(gate)
    fed.converge()
    for unit, value in (("07201", 777), ("07207", 555)):
        got = fed.cli_json(fed.node("p"), ["get", unit, ind, per])
        if got.get("value") != value:
            raise TestFailure("%s's value did not reach the province: %s"
                              % (unit, got))
    # 60,000 values: all of them at the province, every cell of a
    # sample exact at every node, verify everywhere.
    held = fed.status("p")["store"]["values"]
    if held != len(fed.truth):
        raise TestFailure("the province holds %d values, not the %d "
                          "entered" % (held, len(fed.truth)))
    pairs = [(ind, per)] + [(rng.choice(inds), rng.choice(per_big))
                            for _ in range(40)]
    fed.check(pairs=pairs)
    fed.verify()


def scenario_node_gone(fed, rng, args):
    small_federation(fed, communes=("07201",))
    fed.start_all()
    enter(fed, rng, [("c07201", "07201")], 5)
    fed.stop("c07201")
    fed.start("c07201", env={"DONGBO_FAULT": "ctl.before_reply"})
    ind, per, value = rng.choice(INDICATORS), "2023Q2", "4321"
    args = ["put", "07201", ind, per, value]
    rc, out, err = fed.cli(args, fed.node("c07201"))
    # Waiting for an answer that cannot come would end after 30 s with
    # "Timed out"; a request sent again would wait for the next node.
    if rc != EXIT_NO_NODE or "closed the connection before answering" \
            not in err or "unknown" not in err:
        raise TestFailure("put at a node that dies before answering: "
                          "exit %s, stderr %r (expected exit %d saying "
                          "the outcome is unknown)" % (rc, err, EXIT_NO_NODE))
    log("the CLI at once: %s" % err.strip())
    rc = fed.wait_exit("c07201", 20, "die at ctl.before_reply")
    if rc != -signal.SIGKILL or not re.search(
            r"fault: ctl\.before_reply", fed.log_since_start("c07201")):
        raise TestFailure("the commune did not die before its reply "
                          "(exit %s)" % rc)
    fed.start("c07201")
    got = fed.cli_json(fed.node("c07201"), ["get", "07201", ind, per])
    if got.get("value") != int(value):
        raise TestFailure("the put committed before the crash is not "
                          "there after a restart: %s" % got)
    # As the message says, the put may be repeated: it changes nothing.
    fed.put("c07201", "07201", ind, per, value)
    again = fed.cli_json(fed.node("c07201"), ["get", "07201", ind, per])
    if again.get("value") != int(value):
        raise TestFailure("the repeated put changed the value: %s" % again)
    full_check(fed, "CHECK after")


SCENARIOS = {
    "long_outage": scenario_long_outage,
    "parent_lost_store": scenario_parent_lost_store,
    "child_lost_store": scenario_child_lost_store,
    "deletions": scenario_deletions,
    "stalled": scenario_stalled,
    "map_full": scenario_map_full,
    "rejected": scenario_rejected,
    "silent_handshake": scenario_silent_handshake,
    "deaf_listener": scenario_deaf_listener,
    "node_gone": scenario_node_gone,
    "busy_writer": scenario_busy_writer,
}


if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
