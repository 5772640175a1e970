"""
federation.py -- a small harness for dongbo multi-node integration tests.

A Federation owns one temporary directory (short, under /tmp: unix socket
paths are limited to ~107 bytes) holding one directory per node plus one
log per node (DIR/../NAME.log, appended across restarts).  It creates
nodes with `dongbo init`, runs `dongbod` processes (start, SIGTERM, kill -9,
restart), enters values through the CLI while keeping the ground truth
(the latest value of every key), and checks every running node against
that truth, recomputed from scratch.

Rules it follows:
  - Every wait polls with a deadline; sleeps only pace a polling loop.
  - Every dongbod child is killed at exit, whatever happens: try/finally
    (Federation is a context manager), an atexit hook, SIGTERM/SIGHUP
    handlers, and PR_SET_PDEATHSIG so that even a SIGKILLed harness does
    not leak daemons into CI.  Daemons are only spawned from the main
    thread (PDEATHSIG fires when the spawning *thread* exits).
  - On success the temp dir is removed; on failure it is kept and its path
    printed with the tail of every node's log.
  - Any sanitizer report in a node log or in a CLI's stderr fails the test.

Standard library only.
"""

import atexit
import concurrent.futures
import configparser
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

# Exit codes of the CLI.
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NO_NODE, EXIT_TIMEOUT = 0, 1, 2, 3, 4

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
)

CLI_TIMEOUT_S = 45  # the CLI gives up on the daemon after 30 s itself

_T0 = time.monotonic()


def period_parts(period):
    """The parts a period is composed of: a year of its halves, a half of
    its quarters, a quarter of its months (canonical forms)."""
    year, rest = period[:4], period[4:]
    if rest == "":
        return [year + "S1", year + "S2"]
    if rest[0] == "S":
        h = int(rest[1:])
        return [year + "Q%d" % q for q in (2 * h - 1, 2 * h)]
    if rest[0] == "Q":
        q = int(rest[1:])
        return [year + "M%02d" % m for m in range(3 * q - 2, 3 * q + 1)]
    return []


def period_value(truth, unit, indicator, period, time_rule):
    """A unit's value at a period: the one entered, else composed from the
    parts (sum: every part needed; first/last: that part's), else None."""
    v = truth.get((unit, indicator, period))
    if v is not None or time_rule == "none":
        return v
    parts = period_parts(period)
    if not parts:
        return None
    if time_rule == "sum":
        vals = [period_value(truth, unit, indicator, p, time_rule)
                for p in parts]
        return None if any(x is None for x in vals) else sum(vals)
    part = parts[0] if time_rule == "first" else parts[-1]
    return period_value(truth, unit, indicator, part, time_rule)


def catalog_time_rules(path):
    """indicator code -> time rule, from the catalog file the nodes run
    (sections named by a bare code are indicators)."""
    cp = configparser.ConfigParser(strict=False, interpolation=None,
                                   inline_comment_prefixes=(";",))
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    rules = {}
    for sec in cp.sections():
        if re.fullmatch(r"[a-z][a-z0-9_]*", sec) and sec != "catalog":
            typ = cp.get(sec, "type", fallback="count")
            default = "last" if typ in ("enum", "bool") else "sum"
            rules[sec] = cp.get(sec, "time", fallback=default)
    return rules


class TestFailure(Exception):
    """A promise of the design was broken (or the harness gave up)."""


def log(msg):
    print("[%7.2fs] %s" % (time.monotonic() - _T0, msg), flush=True)


def wait_for(pred, timeout, what, interval=0.05):
    """Polls pred() until it returns a true value (returned) or the deadline
    passes (TestFailure naming `what`)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TestFailure("timed out after %.1f s waiting for %s"
                              % (timeout, what))
        time.sleep(interval)


def free_tcp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


# ---- never leak a daemon ----

_live_procs = set()
_live_lock = threading.Lock()


def _kill_all_children():
    with _live_lock:
        procs = list(_live_procs)
    for p in procs:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
    for p in procs:
        try:
            p.wait(timeout=10)
        except Exception:
            pass
    with _live_lock:
        _live_procs.clear()


atexit.register(_kill_all_children)


class _Terminated(BaseException):
    pass


def _on_signal(signum, frame):
    raise _Terminated("harness got signal %d" % signum)


def install_signal_handlers():
    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, _on_signal)


try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _prctl = _libc.prctl
except Exception:  # pragma: no cover - not Linux
    _prctl = None

PR_SET_PDEATHSIG = 1


def _child_setup():
    # Runs in the child between fork and exec: die with the harness.
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# ---- the unit list (for the ground truth) ----

class Units:
    """code -> (parent, level, name), from the node's unit list TSV."""

    def __init__(self, path):
        self.path = path
        self.parent = {}
        self.level = {}
        self.name = {}
        with open(path, encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            ci, pi, li = (header.index("code"), header.index("parent"),
                          header.index("level"))
            ni = header.index("name") if "name" in header else None
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                code = cols[ci]
                self.parent[code] = cols[pi] or None
                self.level[code] = cols[li]
                self.name[code] = cols[ni] if ni is not None else ""

    def ancestors_or_self(self, code):
        out = []
        while code is not None:
            out.append(code)
            code = self.parent[code]
        return out

    def is_within(self, u, a):
        """u lies in a's subtree (u == a counts)."""
        return a in self.ancestors_or_self(u)

    def child_toward(self, a, u):
        """The child of a whose subtree holds u (u strictly below a)."""
        chain = self.ancestors_or_self(u)
        i = chain.index(a)
        return chain[i - 1]


# ---- nodes ----

class Node:
    def __init__(self, fed, name, unit, parent, listen_url):
        self.fed = fed
        self.name = name
        self.unit = unit
        self.parent = parent  # Node or None
        self.listen_url = listen_url
        self.dir = os.path.join(fed.tmp, name)
        self.log_path = os.path.join(fed.tmp, name + ".log")
        self.proc = None
        self.starts = 0
        self.exit_codes = []

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def depth(self):
        d, n = 0, self
        while n.parent is not None:
            d, n = d + 1, n.parent
        return d

    def __repr__(self):
        return "%s(%s)" % (self.name, self.unit)


class Federation:
    """One federation of dongbod processes in one temp dir.  Use as a
    context manager: nodes are always stopped, and the temp dir is removed
    only when the block succeeded."""

    def __init__(self, dongbod, dongbo, seed, label="fed"):
        install_signal_handlers()
        self.dongbod = os.path.abspath(dongbod)
        self.dongbo = os.path.abspath(dongbo)
        for b in (self.dongbod, self.dongbo):
            if not os.access(b, os.X_OK):
                raise TestFailure("not an executable: %s" % b)
        self.seed = seed
        self.rng = random.Random(seed)
        self.tmp = tempfile.mkdtemp(prefix="dbf-", dir="/tmp")
        self.label = label
        self.nodes = {}  # name -> Node, in creation order
        self.units = None
        self.truth = {}  # (unit, indicator, period) -> value
        self.indicators = set()
        self.periods = set()
        self.lock = threading.Lock()
        self.puts_ok = {}  # node name -> successful puts
        self.ambiguous_puts = 0  # attempts whose outcome was unknown
        self.cli_calls = 0
        self.sanitizer_reports = []
        log("%s: temp dir %s" % (label, self.tmp))

    # -- context manager --

    def __enter__(self):
        return self

    def __exit__(self, etype, exc, tb):
        ok = etype is None
        try:
            self.close(ok)
        except TestFailure:
            if ok:
                raise
        return False

    # -- CLI --

    def cli(self, args, node=None, timeout=CLI_TIMEOUT_S):
        """Runs the CLI (with -C node.dir when node is given); returns
        (rc, stdout, stderr).  A timeout is rc None."""
        cmd = [self.dongbo]
        if node is not None:
            cmd += ["-C", node.dir]
        cmd += [str(a) for a in args]
        with self.lock:
            self.cli_calls += 1
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            err = (e.stderr or b"").decode("utf-8", "replace")
            self._scan_sanitizer("cli %s" % " ".join(cmd[1:]), err)
            return None, "", err
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        self._scan_sanitizer("cli %s" % " ".join(cmd[1:]), err)
        return r.returncode, out, err

    def cli_json(self, node, args, timeout=CLI_TIMEOUT_S):
        rc, out, err = self.cli(list(args) + ["--json"], node, timeout)
        if rc != 0:
            raise TestFailure("%s: dongbo %s: exit %s: %s"
                              % (node.name, " ".join(map(str, args)), rc,
                                 err.strip()))
        try:
            return json.loads(out)
        except ValueError:
            raise TestFailure("%s: dongbo %s: not JSON: %r"
                              % (node.name, " ".join(map(str, args)), out))

    def _scan_sanitizer(self, what, text):
        for m in SANITIZER_MARKERS:
            if m in text:
                with self.lock:
                    self.sanitizer_reports.append("%s: %s" % (what, text))
                raise TestFailure("sanitizer report from %s:\n%s"
                                  % (what, text))

    # -- building the federation --

    def add_node(self, name, unit, parent=None, listen=None, hosts=()):
        """Creates node NAME for UNIT; listen is None, "tcp" or "ipc";
        parent is the name of an existing node (which must listen); hosts
        are more units entered at the node."""
        if listen == "tcp":
            url = "tcp://127.0.0.1:%d" % free_tcp_port()
        elif listen == "ipc":
            url = "ipc://%s" % os.path.join(self.tmp, name + ".sock")
        elif listen is None:
            url = None
        else:
            raise ValueError(listen)
        p = self.nodes[parent] if parent is not None else None
        if p is not None and p.listen_url is None:
            raise ValueError("parent %s does not listen" % parent)
        n = Node(self, name, unit, p, url)
        args = ["init", n.dir, "--unit", unit]
        if p is not None:
            args += ["--parent", p.listen_url]
        if url is not None:
            args += ["--listen", url]
        if hosts:
            args += ["--hosts", ",".join(hosts)]
        rc, out, err = self.cli(args)
        if rc != 0:
            raise TestFailure("dongbo %s: exit %s: %s"
                              % (" ".join(args), rc, err.strip()))
        if self.units is None:
            self.units = Units(self._conf_path(n, "units"))
            self.catalog_path = self._conf_path(n, "catalog")
            self.time_rules = catalog_time_rules(self.catalog_path)
        if unit not in self.units.parent:
            raise TestFailure("unit %s is not in %s" % (unit, self.units.path))
        if p is not None and self.units.parent[unit] != p.unit:
            raise TestFailure("unit %s is not a child of %s in %s"
                              % (unit, p.unit, self.units.path))
        self.nodes[name] = n
        self.puts_ok[name] = 0
        return n

    def _conf_path(self, node, key):
        with open(os.path.join(node.dir, "dongbo.conf"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"\s*%s\s*=\s*(\S+)" % key, line)
                if m:
                    path = m.group(1)
                    if not os.path.isabs(path):
                        path = os.path.join(node.dir, path)
                    return path
        raise TestFailure("no %s path in %s/dongbo.conf" % (key, node.dir))

    def node(self, name):
        return self.nodes[name]

    def subtree_nodes(self, node):
        return [n for n in self.nodes.values()
                if self.units.is_within(n.unit, node.unit)]

    # -- processes --

    def start(self, name, wait=True, timeout=30):
        n = self.nodes[name]
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("daemons are started from the main thread only")
        if n.running():
            raise TestFailure("%s is already running" % name)
        n.starts += 1
        with open(n.log_path, "ab") as f:
            f.write(("==== harness: start #%d of %s (%s) ====\n"
                     % (n.starts, name, n.unit)).encode())
            n.proc = subprocess.Popen(
                [self.dongbod, n.dir], stdin=subprocess.DEVNULL, stdout=f,
                stderr=f, preexec_fn=_child_setup, close_fds=True)
        with _live_lock:
            _live_procs.add(n.proc)
        if wait:
            self.wait_up(name, timeout)
        return n

    def wait_up(self, name, timeout=30):
        """Polls until the node answers `status` from the process we
        started (its pid), failing at once if the process exits."""
        n = self.nodes[name]

        def up():
            if n.proc.poll() is not None:
                raise TestFailure("%s: dongbod exited with status %s while "
                                  "starting" % (name, n.proc.returncode))
            rc, out, _ = self.cli(["status", "--json"], n, timeout=10)
            if rc != 0:
                return False
            try:
                return json.loads(out).get("pid") == n.proc.pid
            except ValueError:
                return False

        wait_for(up, timeout, "%s to answer on its control socket" % name)

    def _reap(self, n, timeout, what):
        try:
            rc = n.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.backtrace(n)
            n.proc.kill()
            n.proc.wait(timeout=10)
            raise TestFailure("%s: dongbod did not exit within %.0f s of %s"
                              % (n.name, timeout, what))
        finally:
            with _live_lock:
                _live_procs.discard(n.proc)
        n.exit_codes.append(rc)
        return rc

    def backtrace(self, n):
        """Prints every thread's stack of a hung node, when gdb is there
        (set DONGBO_TEST_NO_GDB=1 to skip)."""
        gdb = shutil.which("gdb")
        if gdb is None or os.environ.get("DONGBO_TEST_NO_GDB"):
            return
        try:
            r = subprocess.run([gdb, "-p", str(n.proc.pid), "-batch", "-nx",
                                "-ex", "info sharedlibrary", "-ex", "thread apply all bt"],
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=60)
            text = r.stdout.decode("utf-8", "replace")
        except (OSError, subprocess.TimeoutExpired) as e:
            text = "gdb failed: %s" % e
        log("stacks of hung %s (pid %d):\n%s" % (n.name, n.proc.pid, text))

    def stop(self, name, timeout=20):
        """SIGTERM; polls until the process has exited; returns its status."""
        n = self.nodes[name]
        if not n.running():
            raise TestFailure("%s is not running" % name)
        n.proc.send_signal(signal.SIGTERM)
        return self._reap(n, timeout, "SIGTERM")

    def kill9(self, name):
        n = self.nodes[name]
        if not n.running():
            raise TestFailure("%s is not running" % name)
        n.proc.kill()
        return self._reap(n, 10, "SIGKILL")

    def restart(self, name, timeout=30):
        if self.nodes[name].running():
            self.stop(name)
        return self.start(name, timeout=timeout)

    def start_all(self, names=None):
        for name in (names or list(self.nodes)):
            self.start(name, wait=False)
        for name in (names or list(self.nodes)):
            self.wait_up(name)

    # -- data --

    def put(self, name, unit, indicator, period, value, canon_period=None,
            retry_for=0.0):
        """Enters one value at node NAME and records it in the truth.  With
        retry_for > 0, an attempt whose outcome is unknown (node not
        running, no answer) is repeated -- with the same value, so the truth
        does not depend on whether the lost attempt was stored -- until one
        succeeds or retry_for seconds have passed."""
        n = self.nodes[name]
        key = (unit, indicator, canon_period or period)
        deadline = time.monotonic() + retry_for
        while True:
            rc, _, err = self.cli(["put", unit, indicator, period, value], n)
            if rc == EXIT_OK:
                with self.lock:
                    self.truth[key] = int(value)
                    self.indicators.add(indicator)
                    self.periods.add(key[2])
                    self.puts_ok[name] += 1
                return
            if rc in (EXIT_NO_NODE, None) and time.monotonic() < deadline:
                with self.lock:
                    self.ambiguous_puts += 1
                time.sleep(0.05)
                continue
            raise TestFailure("%s: put %s %s %s %s: exit %s: %s"
                              % (name, unit, indicator, period, value, rc,
                                 err.strip()))

    def set_catalog(self, name, path):
        """Points node NAME's configuration at another catalog file (it is
        read when the node starts)."""
        conf = os.path.join(self.nodes[name].dir, "dongbo.conf")
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        text, n = re.subn(r"(?m)^(\s*catalog\s*=\s*)\S+", r"\g<1>" + path,
                          text)
        if n != 1:
            raise TestFailure("no catalog line in %s" % conf)
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text)

    def import_rows(self, name, rows, label="import"):
        """Imports rows (unit, indicator, period, value, stated) at node
        NAME with `dongbo import` and records the entered values (not the
        stated totals) in the truth."""
        path = os.path.join(self.tmp, "%s-%s.csv" % (label, name))
        with open(path, "w", encoding="utf-8") as f:
            f.write("unit,indicator,period,value,stated\n")
            for u, ind, per, v, stated in rows:
                f.write("%s,%s,%s,%s,%s\n" % (u, ind, per, v,
                                              "1" if stated else ""))
        rc, out, err = self.cli(["import", path], self.nodes[name])
        if rc != EXIT_OK:
            raise TestFailure("%s: import %s: exit %s: %s"
                              % (name, path, rc, err.strip()))
        with self.lock:
            for u, ind, per, v, stated in rows:
                if not stated:
                    self.truth[(u, ind, per)] = int(v)
                    self.indicators.add(ind)
                    self.periods.add(per)
        return out.strip()

    def puts_done(self, names):
        with self.lock:
            return sum(self.puts_ok[n] for n in names)

    def wait_puts(self, names, more, timeout, writers=()):
        """Polls until the nodes NAMES have taken MORE successful puts
        beyond now (and no writer has died)."""
        target = self.puts_done(names) + more

        def enough():
            for w in writers:
                w.raise_if_failed()
            return self.puts_done(names) >= target

        wait_for(enough, timeout, "%d more puts at %s" % (more, ",".join(names)))

    def expect_refused(self, name, args, offending):
        """A put (or any command) that must be refused: exit 1 and the
        offending text quoted in stderr."""
        n = self.nodes[name]
        rc, out, err = self.cli(args, n)
        shown = " ".join(map(str, args))
        if rc != EXIT_FAIL:
            raise TestFailure("%s: dongbo %s: expected exit 1 (refused), got "
                              "%s; stdout %r stderr %r"
                              % (name, shown, rc, out, err))
        if offending not in err:
            raise TestFailure("%s: dongbo %s: refused, but stderr does not "
                              "name %r: %r" % (name, shown, offending, err))
        return err.strip()

    def status(self, name):
        return self.cli_json(self.nodes[name], ["status"])

    # -- convergence --

    def converge(self, timeout=45):
        """Deepest nodes first, `dongbo wait` at every running node that
        has a parent, all under one deadline."""
        deadline = time.monotonic() + timeout
        by_depth = {}
        for n in self.nodes.values():
            if n.parent is not None and n.running():
                by_depth.setdefault(n.depth(), []).append(n)
        t0 = time.monotonic()
        for d in sorted(by_depth, reverse=True):
            def wait_one(n):
                left = max(1.0, deadline - time.monotonic())
                rc, out, err = self.cli(["wait", "--timeout", "%.1f" % left,
                                         "--json"], n, timeout=left + 15)
                return n, rc, err

            with concurrent.futures.ThreadPoolExecutor(8) as ex:
                for n, rc, err in ex.map(wait_one, by_depth[d]):
                    if rc != EXIT_OK:
                        raise TestFailure("%s: dongbo wait: exit %s (%s): %s"
                                          % (n.name, rc,
                                             "timed out" if rc == EXIT_TIMEOUT
                                             else "failed", err.strip()))
        log("converged in %.2f s" % (time.monotonic() - t0))

    # -- the checker --

    def expected_rollup(self, truth, anchor, indicator, period):
        """The roll-up recomputed from the truth: each unit counts with its
        value at PERIOD, entered or composed from the parts of the period
        by the indicator's time rule (see period_value)."""
        u = self.units
        time_rule = self.time_rules.get(indicator, "sum")
        value, count, by_level, by_child = None, 0, {}, {}
        units = {k[0] for k in truth if k[1] == indicator}
        for unit in sorted(units):
            if not u.is_within(unit, anchor):
                continue
            v = period_value(truth, unit, indicator, period, time_rule)
            if v is None:
                continue
            value = (value or 0) + v
            count += 1
            lv = u.level[unit]
            by_level[lv] = by_level.get(lv, 0) + v
            if unit != anchor:
                c = u.child_toward(anchor, unit)
                by_child[c] = by_child.get(c, 0) + v
        return {"value": value, "count": count, "by_level": by_level,
                "by_child": by_child}

    def check(self, only=None, label="CHECK", synced=True):
        """At every running node (or those named in ONLY): every roll-up of
        every federation unit in its subtree, for every indicator and
        period used, equals the truth recomputed from scratch; at the top
        node every key's value equals its latest value; every node with a
        parent has nothing pending and its parent has applied its whole
        log."""
        t0 = time.monotonic()
        with self.lock:
            truth = dict(self.truth)
            inds = sorted(self.indicators | {k[1] for k in truth})
            pers = sorted(self.periods | {k[2] for k in truth})
        nodes = [n for n in self.nodes.values() if n.running()
                 and (only is None or n.name in only)]
        if not nodes:
            raise TestFailure("%s: no running node to check" % label)
        fed_units = [n.unit for n in self.nodes.values()]
        jobs = []  # (kind, node, args, expected)
        for n in nodes:
            for a in fed_units:
                if not self.units.is_within(a, n.unit):
                    continue
                for ind in inds:
                    for per in pers:
                        jobs.append(("rollup", n, (a, ind, per),
                                     self.expected_rollup(truth, a, ind, per)))
            if n.parent is None:
                for key, v in sorted(truth.items()):
                    jobs.append(("get", n, key, v))
            jobs.append(("status", n, (), None))

        def run(job):
            kind, n, args, exp = job
            if kind == "rollup":
                got = self.cli_json(n, ["rollup"] + list(args))
                sub = {k: got.get(k) for k in exp}
                if sub != exp:
                    return ("%s: rollup %s: got %s, expected %s"
                            % (n.name, " ".join(args), json.dumps(sub),
                               json.dumps(exp)))
                return None
            if kind == "get":
                rc, out, err = self.cli(["get"] + list(args) + ["--json"], n)
                if rc != 0:
                    return "%s: get %s: exit %s: %s" % (
                        n.name, " ".join(args), rc, err.strip())
                got = json.loads(out).get("value")
                if got != exp:
                    return "%s: get %s: got %s, expected %s" % (
                        n.name, " ".join(args), got, exp)
                return None
            st = self.cli_json(n, ["status"])
            return ("status", n, st)

        errors = []
        statuses = {}
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            for r in ex.map(run, jobs):
                if isinstance(r, tuple):
                    statuses[r[1].name] = r[2]
                elif r is not None:
                    errors.append(r)
        for name, st in (statuses.items() if synced else ()):
            n = self.nodes[name]
            if st.get("unit") != n.unit:
                errors.append("%s: status says unit %s" % (name, st.get("unit")))
            if n.parent is None:
                if st.get("parent") is not None:
                    errors.append("%s: top node has a parent: %s"
                                  % (name, st["parent"]))
                continue
            par = st.get("parent") or {}
            if par.get("pending") != 0:
                errors.append("%s: parent.pending = %s (state %s, last error "
                              "%s)" % (name, par.get("pending"),
                                       par.get("state"), par.get("last_error")))
            pst = statuses.get(n.parent.name)
            if pst is not None:
                kids = {c["unit"]: c for c in pst.get("children", [])}
                c = kids.get(n.unit)
                if c is None:
                    errors.append("%s: not among the children of %s"
                                  % (name, n.parent.name))
                elif c.get("applied_seq") != st.get("log_seq"):
                    errors.append("%s: parent %s applied its log up to %s, "
                                  "its log ends at %s"
                                  % (name, n.parent.name,
                                     c.get("applied_seq"), st.get("log_seq")))
        n_roll = sum(1 for j in jobs if j[0] == "rollup")
        n_get = sum(1 for j in jobs if j[0] == "get")
        if errors:
            shown = "\n  ".join(errors[:25])
            more = ("\n  ... and %d more" % (len(errors) - 25)
                    if len(errors) > 25 else "")
            raise TestFailure("%s failed: %d of %d checks wrong:\n  %s%s"
                              % (label, len(errors), len(jobs), shown, more))
        log("%s ok: %d nodes, %d keys, %d indicators x %d periods, "
            "%d rollups, %d gets, %d statuses checked in %.2f s"
            % (label, len(nodes), len(truth), len(inds), len(pers), n_roll,
               n_get, len(statuses), time.monotonic() - t0))
        return n_roll

    # -- logs and teardown --

    def scan_logs(self):
        found = []
        for n in self.nodes.values():
            try:
                with open(n.log_path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except FileNotFoundError:
                continue
            for m in SANITIZER_MARKERS:
                if m in text:
                    found.append("%s: %s" % (n.log_path, m))
        return found

    def log_lines(self, pattern):
        """(node name, line) for every log line matching pattern."""
        out = []
        rx = re.compile(pattern)
        for n in self.nodes.values():
            try:
                with open(n.log_path, encoding="utf-8", errors="replace") as f:
                    out += [(n.name, l.rstrip("\n")) for l in f if rx.search(l)]
            except FileNotFoundError:
                pass
        return out

    def dump_status(self):
        """Status of every running node, before anything is stopped."""
        print("\n==== %s FAILED (seed %s); temp dir kept: %s"
              % (self.label, self.seed, self.tmp), flush=True)
        for n in self.nodes.values():
            if n.running():
                rc, out, err = self.cli(["status", "--json"], n, timeout=5)
                print("status of %s: %s" % (n.name, out.strip() if rc == 0
                                            else "exit %s %s"
                                            % (rc, err.strip())), flush=True)

    def dump_logs(self, tail=40):
        for n in self.nodes.values():
            try:
                with open(n.log_path, encoding="utf-8", errors="replace") as f:
                    lines = f.readlines()
            except FileNotFoundError:
                lines = []
            print("---- %s (%s), exit statuses %s; log %s (last %d of %d "
                  "lines):" % (n.name, n.unit, n.exit_codes, n.log_path,
                              min(tail, len(lines)), len(lines)))
            sys.stdout.write("".join("  " + l for l in lines[-tail:]))
        print("==== temp dir kept: %s" % self.tmp)
        sys.stdout.flush()

    def close(self, ok):
        problems = []
        t0 = time.monotonic()
        if not ok:
            self.dump_status()
        try:
            if ok:
                # A clean stop of every node, leaves first: exit status 0,
                # and under ASan the leak check runs at exit.
                for n in sorted(self.nodes.values(), key=lambda n: -n.depth()):
                    if n.running():
                        rc = self.stop(n.name)
                        if rc != 0:
                            problems.append("%s: dongbod exited with %s on "
                                            "SIGTERM" % (n.name, rc))
        except TestFailure as e:
            problems.append(str(e))
        finally:
            for n in self.nodes.values():
                if n.running():
                    n.proc.kill()
                    try:
                        self._reap(n, 10, "SIGKILL")
                    except TestFailure:
                        pass
        if ok:
            log("all nodes stopped (SIGTERM) in %.2f s" % (time.monotonic() - t0))
        overdue = self.log_lines(r"stop still blocked in nng_close")
        if overdue:
            log("note: %d stop(s) ended by dongbod's watchdog for the nng "
                "close hang: %s" % (len(overdue),
                                    ", ".join(n for n, _ in overdue)))
        problems += ["sanitizer report in %s" % s for s in self.scan_logs()]
        if self.sanitizer_reports:
            problems.append("%d sanitizer report(s) from CLI runs"
                            % len(self.sanitizer_reports))
        if ok and not problems:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if ok:
            self.dump_status()
        self.dump_logs()
        for p in problems:
            print("PROBLEM: %s" % p, flush=True)
        if ok:
            raise TestFailure("; ".join(problems))


class Writer(threading.Thread):
    """Keeps putting seeded random values (mostly corrections of a small
    key space) at one node for one unit until stopped.  Puts whose outcome
    is unknown (node down) are retried with the same value."""

    def __init__(self, fed, name, unit, indicators, periods, seed,
                 retry_for=40.0):
        super().__init__(name="writer-" + name, daemon=True)
        self.fed = fed
        self.node_name = name
        self.unit = unit
        self.indicators = list(indicators)
        self.periods = list(periods)
        self.rng = random.Random(seed)
        self.retry_for = retry_for
        self.stop_evt = threading.Event()
        self.error = None
        self.count = 0

    def run(self):
        try:
            while not self.stop_evt.is_set():
                ind = self.rng.choice(self.indicators)
                per = self.rng.choice(self.periods)
                val = self.rng.randint(0, 500)
                self.fed.put(self.node_name, self.unit, ind, per, str(val),
                             retry_for=self.retry_for)
                self.count += 1
        except BaseException as e:  # reported by finish()
            self.error = e

    def raise_if_failed(self):
        if self.error is not None:
            raise TestFailure("writer at %s failed: %s"
                              % (self.node_name, self.error))
        if not self.is_alive() and not self.stop_evt.is_set():
            raise TestFailure("writer at %s stopped" % self.node_name)

    def finish(self, timeout=60):
        self.stop_evt.set()
        self.join(timeout)
        if self.is_alive():
            raise TestFailure("writer at %s did not stop within %.0f s"
                              % (self.node_name, timeout))
        if self.error is not None:
            raise TestFailure("writer at %s failed: %s"
                              % (self.node_name, self.error))
