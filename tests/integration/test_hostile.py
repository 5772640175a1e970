#!/usr/bin/env python3
"""
test_hostile.py -- a hostile peer changes nothing stored, and the node goes
on serving (issue 5, point 4).

    python3 test_hostile.py hostile --dongbod PATH --dongbo PATH
                            --peer PATH [--seed N]

The federation: province 24 <- district 213 <- commune 07201, three honest
dongbod processes on loopback (213 listens on tls+tcp://127.0.0.1, as
every federation of these tests).  Beside them, tests/tools/hostile_peer
(--peer) dials 213 as commune 07210, a child of 213 that has no node of
its own, with a store id of its own and 07210's certificate from the
federation's authority: a commune gone bad, not a stranger.

Scenario hostile:
  setup    Seeded values at every node, converged; the peer says Hello as
           07210 and pushes two good values (they reach the province).
  phase 1  The district's store is dumped (`mdb_dump -a` of DIR/store while
           the node runs: LMDB readers are safe across processes).  Every
           case of the peer's group "whole" but the one run last (phase
           5) is run, one peer run each: garbage, truncation, claims to be
           another unit, batches of the wrong shape, records no dongbod
           writes, a replay of the setup batch.  Each gets the expected
           answer and, but for the replay (no refusal), a new "sync:"
           warning in the district's log.  The dump
           after them equals the one before, named database by database,
           byte for byte.
  phase 2  Every case of group "records" (a record refused alone, from
           07210's session): an Ack each, the cursor moves, and the dump
           after them equals the first one in every database but
           `rejected`, which gains exactly these refusals, and `children`,
           where only 07210's entry changed (its cursor).  `dongbo
           rejected` at 213 lists them with their reasons.
  phase 3  Group "mixed": a batch with a good value between two refused
           records; the good value reaches the province.  The honest
           commune writes a new value: it reaches the province too; full
           CHECK and VERIFY; `dongbo status` at 213 answers.
  phase 4  Group "impersonate", what only a certificate can refuse: the
           peer (holding 07210's real certificate) says Hello as 07201,
           says Hello without a proof, with a proof signed over another
           store id, and pushes on a link where it said no Hello.  Each is
           refused (AUTH, NEED_HELLO) with its warning, the store is byte
           for byte unchanged, 07201 keeps its session, and a new value
           from it still reaches the province (CHECK, VERIFY).
  phase 5  A message over the size limit: nng drops the pipe before
           dongbod sees a byte, the store is byte for byte unchanged, a
           new connection is served (at once, or once the district's
           probe has listened afresh: nng 1.5.2 at times leaves the
           listener deaf after that, LAST), and a new value from 07201
           still reaches the province.
  Under the sanitizer build, no report in any log (federation.py).

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first.  Exit status 0 on success, 1 on failure (with the reason,
the kept temp dir and the tail of every log), 2 on a usage error.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import TestFailure, log, run_scenarios, wait_for  # noqa: E402
from test_federation import INDICATORS, PERIODS, enter_values  # noqa: E402

PROVINCE, DISTRICT, COMMUNE = "p24", "d213", "c07201"
FAKE = "07210"        # a commune of 213 with no node: the peer says it is
OUTSIDE = "07243"     # a commune of 215, outside 213's subtree
# What hostile_peer's groups store when they are taken (its header).
SETUP_VALUES = {(FAKE, "hs_tiep_nhan", "2021"): 5,
                (FAKE, "hs_da_giai_quyet", "2021"): 3}
MIXED_VALUES = {(FAKE, "hs_tiep_nhan", "2023"): 41}
# Cases that refuse nothing dongbod could log: nng drops an oversized
# message's pipe before a byte reaches the handler, and a replayed batch
# is no refusal.
UNLOGGED = {"oversized", "replay_old_batch"}
# nng 1.5.2 at times stops serving new connections on a listener after it
# dropped a pipe for an oversized message (daemon/server.c, "Known
# issue"; seen over tls+tcp:// too, about once in 40 under load) until
# the district's probe listens afresh (daemon/probe.c, up to ~20 s), so
# that case runs last, and then waits for a new connection to be served.
LAST = {"oversized"}
WARNING = re.compile(r"\[warning\]: sync: ")
CASE_LINE = re.compile(r"^(\w+): sent (.*) -> (.*) \[(ok|UNEXPECTED.*)\]$")


class Peer:
    """hostile_peer, run once per case or group against 213."""

    def __init__(self, fed, path, store_id):
        self.fed = fed
        self.path = path
        self.store_id = store_id
        self.runs = 0

    def argv(self):
        d = self.fed.node(DISTRICT)
        # A real certificate for 07210 from the federation's authority:
        # the peer gets through TLS as any commune could.
        return [self.path, "--parent", d.listen_url, "--unit", FAKE,
                "--store-id", self.store_id, "--parent-unit", d.unit,
                "--other-child", self.fed.node(COMMUNE).unit,
                "--outside-unit", OUTSIDE, "--seed", self.fed.seed,
                "--timeout-ms", 5000, "--max-seconds", 120] \
            + self.fed.tls_args(FAKE)

    def cases(self, group):
        """The names of the cases of GROUP, from --list."""
        rc, out = self.fed.run_helper("peer-list", [self.path, "--list"])
        if rc != 0:
            raise TestFailure("hostile_peer --list: exit %s" % rc)
        names = [l.split()[1] for l in out.splitlines()
                 if l.split() and l.split()[0] == group]
        if not names:
            raise TestFailure("hostile_peer lists no case of group %s"
                              % group)
        return names

    def run(self, *selection):
        """Runs the peer on --group/--case SELECTION; returns {case:
        answer}; TestFailure unless every case was answered as
        expected."""
        self.runs += 1
        rc, out = self.fed.run_helper(
            "peer", self.argv() + list(selection), timeout=150)
        answers = {}
        for line in out.splitlines():
            m = CASE_LINE.match(line)
            if m is None:
                continue
            log("  %s" % line if len(line) < 400 else
                "  %s ..." % line[:400])
            if m.group(4) != "ok":
                raise TestFailure("hostile_peer: %s" % line)
            answers[m.group(1)] = m.group(3)
        if rc != 0 or not re.search(r"(?m)^hostile_peer: \d+ passed, 0 "
                                    r"failed$", out):
            raise TestFailure("hostile_peer %s: exit %s:\n%s"
                              % (" ".join(selection), rc, out))
        return answers


# ---- the store, byte for byte ----

def store_dump(fed, name):
    """{database name: [data lines]} of node NAME's store, read by
    `mdb_dump -a` while the node runs.  Header lines (mapsize and the
    like, which grow with the map) are left out: content only."""
    tool = shutil.which("mdb_dump")
    if tool is None:
        raise TestFailure("mdb_dump not found: install lmdb-utils "
                          "(scripts/deps.sh)")
    path = os.path.join(fed.node(name).dir, "store")
    r = subprocess.run([tool, "-a", path], capture_output=True, timeout=60)
    if r.returncode != 0:
        raise TestFailure("mdb_dump -a %s: exit %s: %s"
                          % (path, r.returncode,
                             r.stderr.decode("utf-8", "replace")))
    dbs, cur, in_data = {}, None, False
    for line in r.stdout.decode("ascii").splitlines():
        if line.startswith("database="):
            cur = line[len("database="):]
            dbs[cur] = []
        elif line == "HEADER=END":
            in_data = True
        elif line == "DATA=END":
            in_data = False
        elif in_data:
            dbs[cur].append(line)
    if "values" not in dbs or "rejected" not in dbs:
        raise TestFailure("mdb_dump -a %s: no values or rejected database "
                          "in %s" % (path, sorted(dbs)))
    return dbs


def pairs(lines):
    """mdb_dump data lines (key, value alternating) as {key: value}."""
    return dict(zip(lines[0::2], lines[1::2]))


def hexkey(text):
    return " " + text.encode().hex()


def same_dbs(before, after, what, skip=()):
    """Every database but SKIP equal, byte for byte; say which differ."""
    diff = []
    for db in sorted(set(before) | set(after)):
        if db in skip:
            continue
        b, a = before.get(db), after.get(db)
        if a != b:
            diff.append("%s (%s entries before, %s after)"
                        % (db, len(b or []) // 2, len(a or []) // 2))
    if diff:
        raise TestFailure("%s changed the district's store: %s"
                          % (what, "; ".join(diff)))
    log("%s: %d databases byte for byte unchanged (%s)"
        % (what, len(set(before) - set(skip)),
           ", ".join(sorted(set(before) - set(skip)))))


# ---- the district's log ----

def log_size(fed):
    return os.path.getsize(fed.node(DISTRICT).log_path)


def warnings_since(fed, offset):
    with open(fed.node(DISTRICT).log_path, "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    return [l for l in text.splitlines() if WARNING.search(l)]


def run_each(fed, peer, group, names=None):
    """Runs every case of GROUP (or the cases NAMES), one peer run each,
    and checks that each refusal left a warning in the district's log."""
    names = names if names is not None else peer.cases(group)
    for name in names:
        offset = log_size(fed)
        peer.run("--case", name)
        if name in UNLOGGED:
            continue
        lines = wait_for(lambda: warnings_since(fed, offset), 5,
                         "a warning in %s's log for case %s"
                         % (DISTRICT, name))
        log("    logged: %s" % lines[-1].split("]: ", 1)[-1][:200])
    return names


def child_status(fed, unit):
    for c in fed.status(DISTRICT).get("children", []):
        if c.get("unit") == unit:
            return c
    raise TestFailure("%s is not among %s's children" % (unit, DISTRICT))


def rejected_from(fed, unit):
    doc = fed.cli_json(fed.node(DISTRICT), ["rejected"])
    rows = doc.get("records", doc) if isinstance(doc, dict) else doc
    return [r for r in rows if (r.get("child") or "") == unit]


# ---- the scenario ----

def scenario_hostile(fed, rng, args):
    fed.add_node(PROVINCE, "24", listen="ipc")
    fed.add_node(DISTRICT, "213", parent=PROVINCE, listen="tcp")
    fed.add_node(COMMUNE, "07201", parent=DISTRICT)
    fed.start_all()
    inds = rng.sample(INDICATORS, 2)
    enter_values(fed, rng, list(fed.nodes), inds, PERIODS, n_initial=4,
                 n_corrections=2)
    peer = Peer(fed, args.peer, "%032x" % rng.getrandbits(128))

    # Setup: the peer's session, and two good values from it.
    peer.run("--group", "setup")
    fed.truth.update(SETUP_VALUES)
    fed.converge()
    fed.check(label="CHECK (setup)")
    cursor = child_status(fed, FAKE)["applied_seq"]
    if cursor != 2:
        raise TestFailure("07210's cursor is %s after setup, not 2" % cursor)

    # Phase 1: refused whole, nothing stored changes.
    t0 = time.monotonic()
    before = store_dump(fed, DISTRICT)
    whole = run_each(fed, peer, "whole", [n for n in peer.cases("whole")
                                          if n not in LAST])
    after = store_dump(fed, DISTRICT)
    same_dbs(before, after, "%d whole refusals" % len(whole))
    if child_status(fed, FAKE)["applied_seq"] != cursor:
        raise TestFailure("a whole refusal moved 07210's cursor")
    log("phase 1: %d cases in %.1f s" % (len(whole), time.monotonic() - t0))

    # Phase 2: refused per record.
    t0 = time.monotonic()
    per_record = run_each(fed, peer, "records")
    after = store_dump(fed, DISTRICT)
    same_dbs(before, after, "%d per-record refusals" % len(per_record),
             skip=("rejected", "children"))
    old, new = pairs(before["rejected"]), pairs(after["rejected"])
    if any(new.get(k) != v for k, v in old.items()):
        raise TestFailure("per-record refusals changed or dropped an "
                          "earlier rejection")
    if len(new) - len(old) != len(per_record):
        raise TestFailure("the rejected database gained %d entries for %d "
                          "refused records" % (len(new) - len(old),
                                               len(per_record)))
    old, new = pairs(before["children"]), pairs(after["children"])
    moved = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if moved != [hexkey(FAKE)]:
        raise TestFailure("children changed: %s (only %s's cursor should)"
                          % (moved, FAKE))
    got = child_status(fed, FAKE)["applied_seq"]
    if got != cursor + len(per_record):
        raise TestFailure("07210's cursor is %s, expected %s"
                          % (got, cursor + len(per_record)))
    listed = rejected_from(fed, FAKE)
    if len(listed) != len(per_record):
        raise TestFailure("`dongbo rejected` at 213 lists %d records of %s, "
                          "expected %d: %s" % (len(listed), FAKE,
                                               len(per_record), listed))
    for r in listed:
        if not r.get("reason") or not r.get("error"):
            raise TestFailure("a refusal without its reason: %s" % r)
        log("  rejected at 213: %s %s %s: %s: %s"
            % (r.get("unit"), r.get("indicator"), r.get("period"),
               r.get("error"), r.get("reason")))
    log("phase 2: %d cases in %.1f s; cursor %d -> %d"
        % (len(per_record), time.monotonic() - t0, cursor, got))

    # Phase 3: a refusal does not block the rest; the node still serves.
    peer.run("--group", "mixed")
    fed.truth.update(MIXED_VALUES)
    ind = inds[0]
    fed.put(COMMUNE, "07201", ind, "2023", str(rng.randint(1, 500)))
    fed.converge()
    fed.check(label="CHECK (after the hostile peer)")
    fed.verify()
    st = fed.status(DISTRICT)
    log("status of 213: %d children, store %s values"
        % (len(st.get("children", [])), st.get("store", {}).get("values")))

    # Phase 4: what only a certificate can refuse -- and does, over TLS.
    honest_id = child_status(fed, "07201")["store_id"]
    before = store_dump(fed, DISTRICT)
    imp = run_each(fed, peer, "impersonate")
    after = store_dump(fed, DISTRICT)
    same_dbs(before, after, "%d impersonations" % len(imp))
    refused = warnings_since(fed, 0)
    for want in ("claims unit '07201' but its certificate names unit "
                 "'07210'", "hello without a nonce", "does not verify",
                 "where it has not proved its identity"):
        if not [l for l in refused if want in l]:
            raise TestFailure("no warning %r in %s's log" % (want, DISTRICT))
    if child_status(fed, "07201")["store_id"] != honest_id:
        raise TestFailure("07201's session was taken over")
    ind = inds[1]
    fed.put(COMMUNE, "07201", ind, "2024", str(rng.randint(1, 500)))
    fed.converge()
    fed.check(label="CHECK (after the impersonations)")
    fed.verify()

    # Phase 5 (last, see LAST): an oversized message drops its pipe and
    # changes nothing; the district still serves its commune.
    before = store_dump(fed, DISTRICT)
    last = run_each(fed, peer, "whole", sorted(LAST))
    after = store_dump(fed, DISTRICT)
    same_dbs(before, after, "%d refusals run last" % len(last))

    # New connections are served again: at once, or once the district's
    # probe found its listener deaf and listened afresh (daemon/probe.c).
    def served():
        try:
            peer.run("--case", "no_body")
            return True
        except TestFailure as e:
            log("  not served yet: %s" % str(e)[:120])
            return False
    wait_for(served, 60, "a new connection to be served after an "
             "oversized message")
    fed.put(COMMUNE, "07201", ind, "2025", str(rng.randint(1, 500)))
    fed.converge()
    fed.check(label="CHECK (after an oversized message)")
    log("%d peer runs" % peer.runs)


SCENARIOS = {
    "hostile": scenario_hostile,
}


if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:],
                           paths=("peer",)))
