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
  - Any sanitizer report in a node log or in a CLI's stderr fails the test,
    but one: nng 1.5.2's leak of a listener the node's probe abandoned
    (nng_abandoned_listener; test_harness.py), noted instead.

Standard library only.
"""

import argparse
import atexit
import concurrent.futures
import configparser
import csv
import ctypes
import io
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# Exit codes of the CLI.
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NO_NODE, EXIT_TIMEOUT = 0, 1, 2, 3, 4
EXIT_PERM = 5

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
)

# nng 1.5.2 can leave a listener that accepts connections and never
# serves them; dongbod's probe then closes it and listens afresh (probe.c)
# -- and nng never frees the closed listener, its TLS configuration or the
# connections it accepted.  LeakSanitizer reports them when that node
# exits.  Such a report is nng's, not ours, when it holds nothing else:
# see nng_abandoned_listener.
PROBE_RELISTEN = "listening afresh"
_LEAK_RECORD = re.compile(r"(?m)^(Direct|Indirect) leak of \d+ byte")
_FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+\s+(?:in (\S+) )?(?:\(([^)+]*)|(\S+))")
# Shared objects and C library sources that are not dongbo's.
_FOREIGN = ("libnng.", "libmbed", "libc.", "ld-linux", "csu/", "nptl/",
            "./nptl/", "../sysdeps/")
# The calls through which the node hands nng a listener and the TLS
# configuration the listener keeps: what was allocated under them is
# nng's once the node let go of it.
_LISTENER_ENTRIES = ("nng_listener_create", "nng_listener_start",
                     "nng_tls_config_alloc", "nng_tls_config_own_cert")


def _frames(record):
    """[(function or None, module or source path)] of a leak record's
    allocation stack, the allocator's frame (#0) left out."""
    out = []
    for line in record.splitlines():
        m = _FRAME.match(line)
        if m:
            where = m.group(2) if m.group(2) is not None else m.group(3)
            if not where.startswith(("[", "<")):  # [stack], <unknown module>
                out.append((m.group(1), where))
    return out[1:]


def nng_abandoned_listener(text):
    """Whether every sanitizer report in the node log TEXT is nng 1.5.2's
    leak of a listener the node abandoned: the probe listened afresh before
    the report, the report is LeakSanitizer's alone, no leak in it is
    direct (the leaked objects only point at each other, as nng's
    unreaped ones do), and every leaked object was allocated by nng or
    mbedtls: on their own threads, or under the call that gave nng the
    listener."""
    start = text.find("ERROR: LeakSanitizer")
    if start < 0 or PROBE_RELISTEN not in text[:start] or \
            text.count("ERROR: LeakSanitizer") != 1 or \
            any(m in text for m in SANITIZER_MARKERS
                if m != "ERROR: LeakSanitizer"):
        return False
    report = text[start:]
    heads = list(_LEAK_RECORD.finditer(report))
    if not heads or any(h.group(1) == "Direct" for h in heads):
        return False
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(report)
        frames = _frames(report[h.end():end])
        foreign = [os.path.basename(w).startswith(_FOREIGN) or
                   w.startswith(_FOREIGN) for _, w in frames]
        if not frames or not foreign[0]:
            return False  # allocated by dongbo's own code
        if not all(foreign) and \
                not any(fn in _LISTENER_ENTRIES for fn, _ in frames):
            return False
    return True


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


def catalog_indicators(path):
    """indicator code -> its fields (type, rule, time, ...), in file order,
    from the catalog file the nodes run (sections named by a bare code are
    indicators)."""
    cp = configparser.ConfigParser(strict=False, interpolation=None,
                                   inline_comment_prefixes=(";",))
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return {sec: dict(cp.items(sec)) for sec in cp.sections()
            if re.fullmatch(r"[a-z][a-z0-9_]*", sec) and sec != "catalog"}


def catalog_time_rules(path):
    """indicator code -> time rule, from the catalog file the nodes run."""
    rules = {}
    for code, fields in catalog_indicators(path).items():
        typ = fields.get("type", "count")
        default = "last" if typ in ("enum", "bool") else "sum"
        rules[code] = fields.get("time", default)
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


class StatusWatch:
    """One `dongbo -C DIR status --json --watch INTERVAL` process, read a
    status (one JSON line) at a time: following a node costs a request
    per poll, not a process.  A context manager; close() kills it."""

    def __init__(self, dongbo, node_dir, interval, name=None):
        self.name = name or node_dir
        self.proc = subprocess.Popen(
            [dongbo, "-C", node_dir, "status", "--json", "--watch",
             "%g" % interval], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""

    def next(self, deadline):
        """The next status, or None at the deadline (time.monotonic)."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [],
                                              left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise TestFailure("%s: status --watch ended: %s" % (
                    self.name, self.proc.stderr.read().decode().strip()))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            if not f.closed:
                f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def issue_cert(pki, unit):
    """Certificate and key for UNIT from the authority in directory pki
    (scripts/pki.sh), both made on first use: (crt, key)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", "..", "scripts", "pki.sh")
    if not os.path.exists(os.path.join(pki, "ca.crt")):
        subprocess.run([script, "ca", pki], check=True,
                       stdout=subprocess.DEVNULL)
    crt = os.path.join(pki, unit + ".crt")
    if not os.path.exists(crt):
        subprocess.run([script, "issue", pki, unit], check=True,
                       stdout=subprocess.DEVNULL)
    return crt, os.path.join(pki, unit + ".key")


def tls_args(pki, unit):
    """`dongbo init` options for UNIT's certificate from pki."""
    crt, key = issue_cert(pki, unit)
    return ["--ca", os.path.join(pki, "ca.crt"), "--cert", crt, "--key", key]


def set_conf_file(conf, key, value):
    """Sets KEY = VALUE in the config file conf, for a key it holds once
    (`dongbo init` writes every key)."""
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    text, n = re.subn(r"(?m)^(\s*%s\s*=\s*)\S+" % re.escape(key),
                      lambda m: m.group(1) + str(value), text)
    if n != 1:
        raise TestFailure("no %s line in %s" % (key, conf))
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)


_port_lock = threading.Lock()
_port_next = []


def _ports_below_ephemeral():
    """A range of ports below the kernel's ephemeral range, from which no
    outbound connection (a node dialing its parent) takes its port."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        lo = 32768
    return max(1024, lo - 12000), lo


def free_tcp_port():
    """A port free now on 127.0.0.1 for a node to listen on later.  Taken
    from below the ephemeral range (a port the kernel handed out for a
    probe bind could go to a node's outbound connection before the node
    listens on it), from a random start, then in turn."""
    lo, hi = _ports_below_ephemeral()
    with _port_lock:
        if not _port_next:
            _port_next.append(lo + (os.getpid() * 7919) % (hi - lo))
        for _ in range(hi - lo):
            port = _port_next[0]
            _port_next[0] = lo + (port + 1 - lo) % (hi - lo)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
            finally:
                s.close()
    raise TestFailure("no free TCP port in %d..%d" % (lo, hi - 1))


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
        self.children = {}  # code (None: the roots) -> its child codes
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
                self.children.setdefault(cols[pi] or None, []).append(code)

    def kids(self, code):
        """code's children, sorted by code."""
        return sorted(self.children.get(code, []))

    def subtree(self, code):
        """code and every unit below it."""
        out, below = [], [code]
        while below:
            u = below.pop()
            out.append(u)
            below.extend(self.children.get(u, []))
        return out

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
        self.hosts = []  # more units entered at the node
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

    def __init__(self, dongbod, dongbo, seed, label="fed", tls=True):
        """tls: nodes listening on "tcp" use mutual TLS (tls+tcp://, a
        certificate per node from the federation's own authority, made
        with scripts/pki.sh); False: plain tcp://, allowed explicitly."""
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
        self.deletes_ok = {}  # node name -> successful deletes
        self.deleted = set()  # keys deleted (and not entered again since)
        self.ambiguous_puts = 0  # attempts whose outcome was unknown
        self.cli_calls = 0
        self.sanitizer_reports = []
        self.helpers = {}  # name -> Helper: test tools run beside the nodes
        self.tls = tls
        self.pki = os.path.join(self.tmp, "pki")
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

    def cli(self, args, node=None, timeout=CLI_TIMEOUT_S, program=None):
        """Runs the CLI (with -C node.dir when node is given); returns
        (rc, stdout, stderr).  A timeout is rc None.  PROGRAM, when given,
        is the argv that runs the CLI instead of the dongbo binary (say
        setpriv ... /path/dongbo, to run it as another user)."""
        cmd = list(program) if program else [self.dongbo]
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

    def issue_cert(self, unit, pki=None):
        """Certificate and key for UNIT from the federation's authority
        (or the one in directory pki), made on first use: (crt, key)."""
        return issue_cert(pki or self.pki, unit)

    def tls_args(self, unit, pki=None):
        """`dongbo init` options for UNIT's certificate."""
        return tls_args(pki or self.pki, unit)

    def add_node(self, name, unit, parent=None, listen=None, hosts=(),
                 parent_url=None, tls=None):
        """Creates node NAME for UNIT; listen is None, "tcp" or "ipc";
        parent is the name of an existing node (which must listen); hosts
        are more units entered at the node.  parent_url, when given, is
        where the node dials instead of its parent's listen url (say a
        fault proxy in front of the parent); the parent is still its parent
        for converge and check.  tls (default: the federation's) makes a
        "tcp" listener tls+tcp://; a plain tcp:// url in the node's config
        comes with allow_plain_tcp."""
        use_tls = self.tls if tls is None else tls
        if listen == "tcp":
            url = "%s://127.0.0.1:%d" % ("tls+tcp" if use_tls else "tcp",
                                         free_tcp_port())
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
        n.hosts = list(hosts)
        args = ["init", n.dir, "--unit", unit]
        if p is not None:
            args += ["--parent", parent_url or p.listen_url]
        if url is not None:
            args += ["--listen", url]
        if hosts:
            args += ["--hosts", ",".join(hosts)]
        urls = [u for u in (parent_url or (p.listen_url if p else None),
                            url) if u]
        if self.tls or any(u.startswith("tls+tcp://") for u in urls):
            args += self.tls_args(unit)
        if any(u.startswith("tcp://") for u in urls):
            args += ["--allow-plain-tcp"]
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
        self.deletes_ok[name] = 0
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

    def start(self, name, wait=True, timeout=30, env=None, program=None):
        """Starts dongbod for node NAME (polling until it answers unless
        wait is false).  ENV: more environment variables for this start
        only (say {"DONGBO_FAULT": "parent.after_commit:2"}).  PROGRAM:
        the argv that runs dongbod instead of the binary itself (say
        setpriv ... /path/dongbod); it must exec it, keeping the pid."""
        n = self.nodes[name]
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("daemons are started from the main thread only")
        if n.running():
            raise TestFailure("%s is already running" % name)
        n.starts += 1
        full_env = None
        extra = ""
        if env:
            full_env = dict(os.environ)
            full_env.update({k: str(v) for k, v in env.items()})
            extra = " with %s" % " ".join("%s=%s" % kv
                                         for kv in sorted(env.items()))
        with open(n.log_path, "ab") as f:
            f.write(("==== harness: start #%d of %s (%s)%s ====\n"
                     % (n.starts, name, n.unit, extra)).encode())
            f.flush()  # before the daemon writes to the same file
            n.proc = subprocess.Popen(
                (list(program) if program else [self.dongbod]) + [n.dir],
                stdin=subprocess.DEVNULL, stdout=f,
                stderr=f, preexec_fn=_child_setup, close_fds=True,
                env=full_env)
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

    def send_signal(self, name, sig):
        """Sends SIG to node NAME's dongbod without waiting for it to exit
        (see poll_exit / wait_exit)."""
        n = self.nodes[name]
        if not n.running():
            raise TestFailure("%s is not running" % name)
        n.proc.send_signal(sig)

    def poll_exit(self, name):
        """The exit status of node NAME's dongbod once it has exited (the
        process is reaped and its status recorded), else None."""
        n = self.nodes[name]
        if n.proc is None or n.proc.poll() is None:
            return None
        return self._reap(n, 10, "exit")

    def wait_exit(self, name, timeout, what="exit"):
        """Polls until node NAME's dongbod has exited on its own (say at a
        fault point); returns its status.  TestFailure at the deadline (the
        process is left running)."""
        n = self.nodes[name]
        wait_for(lambda: n.proc.poll() is not None, timeout,
                 "%s to %s" % (name, what))
        return self._reap(n, 10, what)

    def log_since_start(self, name):
        """Node NAME's log since the harness last started it."""
        text = self._log_text(self.nodes[name])
        i = text.rfind("==== harness: start #")
        return text[i:] if i >= 0 else text

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

    def _cli_until_known(self, name, args, retry_for):
        """Runs `dongbo ARGS` at node NAME.  While retry_for seconds last,
        an attempt whose outcome is unknown (node not running, no answer)
        is repeated unchanged, so that the truth does not depend on whether
        the lost attempt was stored.  TestFailure unless it succeeds."""
        n = self.nodes[name]
        deadline = time.monotonic() + retry_for
        while True:
            rc, _, err = self.cli(args, n)
            if rc == EXIT_OK:
                return
            if rc in (EXIT_NO_NODE, None) and time.monotonic() < deadline:
                with self.lock:
                    self.ambiguous_puts += 1
                time.sleep(0.05)
                continue
            raise TestFailure("%s: %s: exit %s: %s"
                              % (name, " ".join(map(str, args)), rc,
                                 err.strip()))

    def put(self, name, unit, indicator, period, value, canon_period=None,
            retry_for=0.0):
        """Enters one value at node NAME and records it in the truth; an
        attempt of unknown outcome is repeated while retry_for lasts
        (_cli_until_known)."""
        key = (unit, indicator, canon_period or period)
        self._cli_until_known(name, ["put", unit, indicator, period, value],
                              retry_for)
        with self.lock:
            self.truth[key] = int(value)
            self.deleted.discard(key)
            self.indicators.add(indicator)
            self.periods.add(key[2])
            self.puts_ok[name] += 1

    def delete(self, name, unit, indicator, period, canon_period=None,
               retry_for=0.0):
        """Deletes one value at node NAME (`dongbo delete`) and removes it
        from the truth.  As put: an attempt of unknown outcome is repeated
        while retry_for lasts (deleting a deleted value succeeds)."""
        key = (unit, indicator, canon_period or period)
        self._cli_until_known(name, ["delete", unit, indicator, period],
                              retry_for)
        with self.lock:
            self.truth.pop(key, None)
            self.deleted.add(key)
            self.indicators.add(indicator)
            self.periods.add(key[2])
            self.deletes_ok[name] += 1

    def set_catalog(self, name, path):
        """Points node NAME's configuration at another catalog file (it is
        read when the node starts)."""
        self.set_conf(name, "catalog", path)

    def newer_catalog(self, indicator, name="Chỉ tiêu thử nghiệm"):
        """Writes the catalog the nodes run, one version newer, with one
        more indicator (a count, summed); returns its path."""
        with open(self.catalog_path, encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"(?m)^version\s*=\s*(\d+)", text)
        if m is None:
            raise TestFailure("no version line in %s" % self.catalog_path)
        version = int(m.group(1)) + 1
        text = "%sversion = %d%s" % (text[:m.start()], version,
                                     text[m.end():])
        text += ("\n[%s]\nname = %s\nunit = Hồ sơ\ntype = count\n"
                 "rule = sum\ntime = sum\n" % (indicator, name))
        path = os.path.join(self.tmp, "catalog-v%d.ini" % version)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def set_conf(self, name, key, value):
        """Sets KEY = VALUE in node NAME's dongbo.conf, for a key the file
        holds once (catalog; batch_max, heartbeat_ms, timeout_ms of
        [sync]...).  The file is read when the node starts."""
        set_conf_file(os.path.join(self.nodes[name].dir, "dongbo.conf"),
                      key, value)

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

    def check(self, only=None, label="CHECK", synced=True, pairs=None):
        """At every running node (or those named in ONLY): every roll-up of
        every federation unit in its subtree, for every indicator and
        period used (or only the (indicator, period) PAIRS given: a sample
        of a large truth), equals the truth recomputed from scratch; at the
        top node every key's value equals its latest value; every node
        with a parent has nothing pending and its parent has applied its
        whole log."""
        t0 = time.monotonic()
        with self.lock:
            truth = dict(self.truth)
            inds = sorted(self.indicators | {k[1] for k in truth})
            pers = sorted(self.periods | {k[2] for k in truth})
        wanted = set(pairs) if pairs is not None else None
        if wanted is not None:
            truth = {k: v for k, v in truth.items()
                     if (k[1], k[2]) in wanted}
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
                        if wanted is not None and (ind, per) not in wanted:
                            continue
                        jobs.append(("rollup", n, (a, ind, per),
                                     self.expected_rollup(truth, a, ind, per)))
            if n.parent is None:
                # Every key's latest value, one export per period.
                for per in pers:
                    want = {k: v for k, v in truth.items() if k[2] == per}
                    if want or wanted is None:
                        jobs.append(("values", n, per, want))
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
            if kind == "values":
                rc, out, err = self.cli(["export", n.unit, args], n)
                if rc != 0:
                    return "%s: export %s %s: exit %s: %s" % (
                        n.name, n.unit, args, rc, err.strip())
                got = {}
                for r in csv.DictReader(io.StringIO(out)):
                    k = (r["unit"], r["indicator"], r["period"])
                    if r.get("stated") not in ("1", "stated") and (
                            wanted is None or (k[1], k[2]) in wanted):
                        got[k] = int(r["value"])
                if got != exp:
                    bad = sorted(k for k in set(got) | set(exp)
                                 if got.get(k) != exp.get(k))
                    return "%s: values of %s: %s" % (
                        n.name, args, "; ".join(
                            "%s holds %s, expected %s"
                            % (" ".join(k), got.get(k, "nothing"),
                               exp.get(k, "nothing")) for k in bad[:5]))
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
        n_get = sum(len(j[3]) for j in jobs if j[0] == "values")
        if errors:
            shown = "\n  ".join(errors[:25])
            more = ("\n  ... and %d more" % (len(errors) - 25)
                    if len(errors) > 25 else "")
            raise TestFailure("%s failed: %d of %d checks wrong:\n  %s%s"
                              % (label, len(errors), len(jobs), shown, more))
        log("%s ok: %d nodes, %d keys, %d indicators x %d periods, "
            "%d rollups, %d values, %d statuses checked in %.2f s"
            % (label, len(nodes), len(truth), len(inds), len(pers), n_roll,
               n_get, len(statuses), time.monotonic() - t0))
        return n_roll

    def check_values(self, only=None, label="VALUES"):
        """Nothing lost, nothing left over: at every running node (or those
        named in ONLY), for every period used, `export HOME PERIOD` gives
        exactly the truth's values of the units in the node's subtree --
        every acknowledged value is present at every ancestor, with its
        latest value, and no deleted value survives.  Every deleted key is
        then read back with `get` at every such node: no value, or the one
        composed from the key's parts when the truth has those."""
        t0 = time.monotonic()
        with self.lock:
            truth = dict(self.truth)
            deleted = set(self.deleted)
            pers = sorted(self.periods | {k[2] for k in truth})
        nodes = [n for n in self.nodes.values() if n.running()
                 and (only is None or n.name in only)]
        if not nodes:
            raise TestFailure("%s: no running node to check" % label)
        jobs = [("export", n, per) for n in nodes for per in pers]
        jobs += [("get", n, key) for n in nodes for key in sorted(deleted)
                 if self.units.is_within(key[0], n.unit)]

        def run(job):
            kind, n, arg = job
            if kind == "export":
                rc, out, err = self.cli(["export", n.unit, arg], n)
                if rc != EXIT_OK:
                    return ["%s: export %s %s: exit %s: %s"
                            % (n.name, n.unit, arg, rc, err.strip())]
                got = {}
                for r in csv.DictReader(io.StringIO(out)):
                    if r.get("stated") in ("1", "stated"):
                        continue
                    got[(r["unit"], r["indicator"], r["period"])] = \
                        int(r["value"])
                want = {k: v for k, v in truth.items() if k[2] == arg and
                        self.units.is_within(k[0], n.unit)}
                errs = []
                for k in sorted(set(want) | set(got)):
                    if want.get(k) != got.get(k):
                        errs.append("%s: %s %s %s: holds %s, expected %s%s"
                                    % (n.name, k[0], k[1], k[2],
                                       got.get(k, "nothing"),
                                       want.get(k, "nothing"),
                                       " (deleted)" if k in deleted else ""))
                return errs
            unit, ind, per = arg
            exp = period_value(truth, unit, ind, per,
                               self.time_rules.get(ind, "sum"))
            rc, out, err = self.cli(["get", unit, ind, per, "--json"], n)
            if rc == EXIT_OK:
                try:
                    got = json.loads(out).get("value")
                except ValueError:
                    return ["%s: get %s: not JSON: %r"
                            % (n.name, " ".join(arg), out)]
            elif rc == EXIT_FAIL and exp is None:
                got = None
            else:
                return ["%s: get %s (deleted): exit %s: %s"
                        % (n.name, " ".join(arg), rc, err.strip())]
            if got != exp:
                return ["%s: get %s (deleted): got %s, expected %s"
                        % (n.name, " ".join(arg), got, exp)]
            return []

        errors = []
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            for r in ex.map(run, jobs):
                errors += r
        if errors:
            shown = "\n  ".join(errors[:25])
            more = ("\n  ... and %d more" % (len(errors) - 25)
                    if len(errors) > 25 else "")
            raise TestFailure("%s failed: %d wrong:\n  %s%s"
                              % (label, len(errors), shown, more))
        held = sum(1 for n in nodes for k in truth
                   if self.units.is_within(k[0], n.unit))
        log("%s ok: %d nodes hold exactly their subtree's %d values (%d "
            "copies), %d deleted keys absent, in %.2f s"
            % (label, len(nodes), len(truth), held, len(deleted),
               time.monotonic() - t0))

    # -- helper processes: test tools, not nodes --

    def spawn(self, name, argv):
        """Starts helper NAME running argv (a test tool such as
        tests/tools/fault_proxy) from the main thread, with the never-leak
        guarantees of a node; its stdout and stderr are appended to
        TMP/NAME.log, which is scanned for sanitizer reports and dumped on
        failure like a node's.  Returns the Popen."""
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("helpers are started from the main thread only")
        h = self.helpers.setdefault(name, Helper(self, name))
        if h.running():
            raise TestFailure("helper %s is already running" % name)
        with open(h.log_path, "ab") as f:
            h.proc = h.popen(argv, f)
        return h.proc

    def stop_helper(self, name, timeout=20):
        """SIGTERM to helper NAME; polls until it has exited; returns its
        exit status."""
        h = self.helpers[name]
        if not h.running():
            raise TestFailure("helper %s is not running" % name)
        h.proc.send_signal(signal.SIGTERM)
        return self._reap(h, timeout, "SIGTERM")

    def run_helper(self, name, argv, timeout=60):
        """Runs helper NAME to completion: its stderr is appended to its
        log, as with spawn; returns (exit status, stdout).  One still
        running after TIMEOUT seconds is killed: TestFailure."""
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("helpers are started from the main thread only")
        h = self.helpers.setdefault(name, Helper(self, name))
        with open(h.log_path, "ab") as f:
            h.proc = h.popen(argv, f, stdout=subprocess.PIPE)
            try:
                out, _ = h.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                h.proc.kill()
                self._reap(h, 10, "SIGKILL")
                raise TestFailure("helper %s still running after %.0f s"
                                  % (name, timeout))
        rc = self._reap(h, 10, "exit")
        return rc, out.decode("utf-8", "replace")

    def verify(self, only=None, label="VERIFY"):
        """`dongbo verify` at every running node (or those named in ONLY):
        the store recomputes every roll-up from its values, from scratch,
        and compares it with the one it maintains (exit 0, "ok": true)."""
        t0 = time.monotonic()
        nodes = [n for n in self.nodes.values() if n.running()
                 and (only is None or n.name in only)]
        if not nodes:
            raise TestFailure("%s: no running node to verify" % label)

        def run(n):
            rc, out, err = self.cli(["verify", "--json"], n, timeout=120)
            try:
                doc = json.loads(out) if out.strip() else {}
            except ValueError:
                doc = {}
            if rc != EXIT_OK or doc.get("ok") is not True:
                return "%s: dongbo verify: exit %s: %s %s" % (
                    n.name, rc, out.strip(), err.strip())
            return doc.get("values", 0)

        errors, values = [], 0
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            for r in ex.map(run, nodes):
                if isinstance(r, str):
                    errors.append(r)
                else:
                    values += r
        if errors:
            raise TestFailure("%s failed at %d of %d nodes:\n  %s"
                              % (label, len(errors), len(nodes),
                                 "\n  ".join(errors)))
        log("%s ok: %d stores (%d values) consistent with their roll-ups "
            "recomputed from scratch, in %.2f s"
            % (label, len(nodes), values, time.monotonic() - t0))

    # -- logs and teardown --

    @staticmethod
    def _log_text(n):
        """Node (or helper) N's whole log; "" before it has one."""
        try:
            with open(n.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def scan_logs(self):
        """The sanitizer reports in the logs, but nng's leak of a listener
        the probe abandoned (nng_abandoned_listener)."""
        found = []
        for n in list(self.nodes.values()) + list(self.helpers.values()):
            text = self._log_text(n)
            if nng_abandoned_listener(text):
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
            out += [(n.name, l.rstrip("\n"))
                    for l in io.StringIO(self._log_text(n)) if rx.search(l)]
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
        for n in list(self.nodes.values()) + list(self.helpers.values()):
            lines = io.StringIO(self._log_text(n)).readlines()
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
                        if rc == -signal.SIGABRT and \
                                nng_abandoned_listener(self._log_text(n)):
                            log("note: %s: LeakSanitizer found only the "
                                "listener its probe abandoned, which nng "
                                "1.5.2 never frees (exit %s at SIGTERM)"
                                % (n.name, rc))
                        elif rc != 0:
                            problems.append("%s: dongbod exited with %s on "
                                            "SIGTERM" % (n.name, rc))
        except TestFailure as e:
            problems.append(str(e))
        finally:
            for n in list(self.nodes.values()) + list(self.helpers.values()):
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


class Helper:
    """A test tool run beside the nodes (Federation.spawn, run_helper): what
    the harness needs of it to reap it, scan its log and dump it."""

    def __init__(self, fed, name):
        self.name = name
        self.unit = "helper"
        self.log_path = os.path.join(fed.tmp, name + ".log")
        self.proc = None
        self.starts = 0
        self.exit_codes = []

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def popen(self, argv, log_file, stdout=None):
        """Starts argv with stderr (and stdout unless given) to log_file,
        dying with the harness (PR_SET_PDEATHSIG) and killed at exit."""
        self.starts += 1
        log_file.write(("==== harness: start #%d of %s: %s ====\n"
                        % (self.starts, self.name,
                           " ".join(map(str, argv)))).encode())
        log_file.flush()
        proc = subprocess.Popen(
            [str(a) for a in argv], stdin=subprocess.DEVNULL,
            stdout=log_file if stdout is None else stdout, stderr=log_file,
            preexec_fn=_child_setup, close_fds=True)
        with _live_lock:
            _live_procs.add(proc)
        return proc


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


def pick_seed(seed):
    """The seed of a run: SEED when given, else $DONGBO_TEST_SEED, else a
    random one."""
    if seed is None and os.environ.get("DONGBO_TEST_SEED", "").strip():
        seed = int(os.environ["DONGBO_TEST_SEED"])
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 32)
    return seed


def run_reported(scenario, seed, body):
    """Prints the seed, runs body() (which returns how many CLI calls it
    made) and prints PASS or FAIL with the time taken.  Returns the exit
    status: 0 PASS, 1 FAIL (with the reason; any exception is a
    failure)."""
    print("scenario %s: seed %d (replay with DONGBO_TEST_SEED=%d)"
          % (scenario, seed, seed), flush=True)
    t0 = time.monotonic()
    try:
        calls = body()
    except TestFailure as e:
        print("FAIL %s (seed %d) after %.1f s: %s"
              % (scenario, seed, time.monotonic() - t0, e), flush=True)
        return 1
    except BaseException as e:  # noqa: BLE001 - any crash is a failure
        traceback.print_exc()
        print("FAIL %s (seed %d) after %.1f s: %s: %s"
              % (scenario, seed, time.monotonic() - t0,
                 type(e).__name__, e), flush=True)
        return 1
    print("PASS %s (seed %d) in %.1f s, %d CLI calls"
          % (scenario, seed, time.monotonic() - t0, calls), flush=True)
    return EXIT_OK


def run_scenarios(doc, scenarios, argv, paths=()):
    """The main of an integration test script:

        SCRIPT SCENARIO --dongbod PATH --dongbo PATH [--NAME PATH...]
               [--seed N]

    with one required --NAME option for each of PATHS (say "proxy", a test
    tool).  Runs scenarios[SCENARIO](fed, rng, args) in a Federation
    labelled SCENARIO, under run_reported with the seed of pick_seed.
    Returns the exit status; a usage error exits 2 (argparse)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("scenario", choices=sorted(scenarios))
    ap.add_argument("--dongbod", required=True, help="path of dongbod")
    ap.add_argument("--dongbo", required=True, help="path of the dongbo CLI")
    for name in paths:
        ap.add_argument("--" + name, required=True, help="path of " + name)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args(argv)
    seed = pick_seed(a.seed)

    def body():
        with Federation(a.dongbod, a.dongbo, seed, label=a.scenario) as fed:
            scenarios[a.scenario](fed, random.Random(seed), a)
            return fed.cli_calls
    return run_reported(a.scenario, seed, body)
