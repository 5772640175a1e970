#!/usr/bin/env python3
"""
compare.py -- the standard workload through dongbo and through Mosquitto.

    bench/compare.py [--pairs N] [--build DIR] [--inflight N] [options]

Runs the standard workload (bench.py's: 100 communes under 10 districts
under Tỉnh Bắc Giang; commune c = 0..99 writes updates k = 0..999:
(its unit, indicator k mod 20, period k div 20) = ((7919c + 104729k) mod
1000) + 1) alternately through two systems, A B A B ..., each run in
fresh directories under /tmp:

  A  dongbo: bench.run_standard, real dongbod processes, one per node.
  B  Mosquitto (Debian's package): one broker per node on 127.0.0.1, each
     commune broker bridging cchc/<its unit>/# out to its district broker,
     each district broker bridging cchc/# out to the province broker, at
     QoS 1, max_queued_messages 0 (unlimited queues), persistence on.  At
     the province a subscriber (mosquitto_sub -q 1) is connected and every
     bridge has carried a probe before the start; at the start one
     publisher per commune (mosquitto_pub -q 1 -l, one message a line
     "indicator,period,value" on topic cchc/<unit>) sends that commune's
     updates to its commune broker.  The end is when the subscriber has
     received all of them; it sums the values per (indicator, period), and
     the run is exact when every one of the 1,000 sums is right and no
     message came twice (QoS 1 is at least once: a duplicate would be
     counted twice, and is reported).  The subscriber prints each
     message's QoS too: one that arrived below QoS 1 (a hop downgraded
     it) is reported.

Printed: per run the end-to-end time (from the common start until the
province is exact / the subscriber has every message), the CPU seconds of
the servers over that time (every dongbod; every mosquitto broker; from
/proc, utime + stime, all cores), whether it ended exact; the medians; the
ratios dongbo / Mosquitto of end-to-end time and of server CPU (median of
the per-pair ratios, with min and max).  The clients' CPU is not in the
ratio on either side (dongbo's `dongbo import`s are not measured at all);
Mosquitto's clients (publishers and the subscriber) are shown apart.

The floor: the median latency of a 4 KiB pwrite + fdatasync on the same
filesystem, measured in this run (before each pair), times the number of
durable commits the busiest dongbo node made in the run ("commits_max"
from bench.run_standard, when it gives it): no design that commits each
batch durably before acknowledging it can end sooner (LMDB with sync =
full even writes twice synchronously per commit: its pages, then its meta
page).  Printed as dongbo's end-to-end time over that floor.

Fairness, and what is not compared like with like:
  * Durability.  Mosquitto's persistence writes its in-memory state to
    mosquitto.db only every autosave_interval seconds (1800 by default,
    so never during these runs) and at shutdown; there is no write, let
    alone an fsync, per message.  A message Mosquitto has acknowledged
    (PUBACK) is NOT durable: a crash or power cut loses it.  dongbo
    commits every accepted batch to LMDB with fdatasync before it
    acknowledges it, at every node.  The two are compared as deployed by
    default, not as equally safe.
  * Window.  dongbo's uplink has one push of up to batch_max = 20000
    records awaiting its reply per link.  Mosquitto is given the same
    window: max_inflight_messages 20000 on every broker (bridges and the
    subscriber's session) and -M 20000 on every publisher (--inflight;
    the Mosquitto default is 20).
  * Nagle is off on both sides (nng's TCP default; set_tcp_nodelay true
    and --nodelay for Mosquitto).
  * Mosquitto's end is seen by a reader thread the instant the last
    message arrives; dongbo's by one `dongbo status --watch 0.02`.

--ci runs a tiny version (2 districts x 3 communes x 60 updates, one
pair): it checks only that both sides run and end exact.

Mosquitto and its clients (mosquitto, mosquitto-clients) are installed
through apt-get (via sudo when not root) when missing.

Exit status 0 when every run of both systems ended exact, 1 otherwise, 2
on a usage error.
"""

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
from bench import say  # noqa: E402
import fed  # noqa: E402
from fed import (BenchError, Together, free_tcp_port,  # noqa: E402
                 proc_stat, wait_until)
import workloads as wl  # noqa: E402

PACKAGES = ("mosquitto", "mosquitto-clients")
TOPIC = "cchc"


# ---- interrupts ----

_held = [0]  # depth of signals_held() sections
_pending = []  # signals that came during one


def on_signal(signum, frame):
    """SIGINT and SIGTERM: KeyboardInterrupt, so that every `with` and
    `finally` ends what it started; inside signals_held() only once it
    ends."""
    if _held[0]:
        _pending.append(signum)
        return
    raise KeyboardInterrupt(signum)


@contextlib.contextmanager
def signals_held():
    """A section no signal interrupts (a process started and not yet
    recorded would be left running)."""
    _held[0] += 1
    try:
        yield
    finally:
        _held[0] -= 1
    if not _held[0] and _pending:
        raise KeyboardInterrupt(_pending.pop())


# ---- Mosquitto itself ----

def ensure_mosquitto():
    """Installs Debian's mosquitto and mosquitto-clients when missing
    (as scripts/deps.sh does for the build's packages)."""
    missing = []
    for p in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                           capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(p)
    if missing:
        say("compare: installing %s" % " ".join(missing))
        sudo = []
        if os.geteuid() != 0:
            if not shutil.which("sudo"):
                raise BenchError("need root or sudo to install %s"
                                 % " ".join(missing))
            sudo = ["sudo"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for argv in (["apt-get", "update", "-qq"],
                     ["apt-get", "install", "-y", "-qq",
                      "--no-install-recommends"] + missing):
            if subprocess.run(sudo + argv, env=env).returncode != 0:
                raise BenchError("%s failed" % " ".join(argv))
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    tools = {}
    for t in ("mosquitto", "mosquitto_pub", "mosquitto_sub"):
        tools[t] = shutil.which(t, path=path)
        if not tools[t]:
            raise BenchError("%s not found after installing %s"
                             % (t, " ".join(PACKAGES)))
    return tools


def mosquitto_version(tools):
    """The clients' version line says the version (the broker has no
    --version)."""
    r = subprocess.run([tools["mosquitto_pub"], "--help"],
                       capture_output=True, text=True)
    for line in (r.stdout + r.stderr).split("\n"):
        words = line.split()
        if "version" in words[:-1]:
            return words[words.index("version") + 1]
    return "?"


def last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = [x for x in f.read().split("\n") if x.strip()]
    except OSError:
        lines = []
    return lines[-1] if lines else "nothing logged"


def listens(pid, port):
    """True when process pid holds a TCP socket listening on port (and
    not some other process: a port taken meanwhile is not mistaken for
    the broker's)."""
    inodes = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            p = line.split()
            if p[3] == "0A" and int(p[1].rsplit(":", 1)[1], 16) == port:
                inodes.add("socket:[%s]" % p[9])
    if not inodes:
        return False
    fds = "/proc/%d/fd" % pid
    try:
        names = os.listdir(fds)
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(os.path.join(fds, name)) in inodes:
                return True
        except OSError:
            pass
    return False


class Broker:
    def __init__(self, name, unit, kind, parent, dir_):
        self.name, self.unit, self.kind = name, unit, kind
        self.parent, self.dir = parent, dir_
        self.port = None  # chosen when it starts
        self.proc = None
        self.restarts = 0

    def log(self):
        """What the broker logged (to its log file, else stdout)."""
        text = ""
        for name in ("stdout.log", "mosquitto.log"):
            try:
                with open(os.path.join(self.dir, name),
                          errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def died(self):
        last = [x for x in self.log().split("\n") if x.strip()][-2:]
        return BenchError("broker %s exited with status %s: %s"
                          % (self.name, self.proc.returncode,
                             " / ".join(last) or "no log"))


class MosquittoFederation(fed.Scratch):
    """One mosquitto broker per node of a standard tree, in fresh
    directories under one temp dir, bridged child -> parent at QoS 1;
    every process it starts is killed by close()."""

    def __init__(self, tools, tree, inflight, keep=False):
        self.tools = tools
        self.inflight = inflight
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix="dongbo-compare-mqtt-",
                                    dir="/tmp")
        self.brokers = []
        self.by_name = {}
        self.procs = []  # every process started, brokers and clients
        self.sub = None  # the subscriber at the province
        for name, unit, kind, parent, *_ in tree:
            b = Broker(name, unit, kind, parent,
                       os.path.join(self.tmp, name))
            os.makedirs(b.dir)
            self.brokers.append(b)
            self.by_name[name] = b

    def _write_conf(self, b):
        lines = [
            "# %s: the %s %s (bench/compare.py)" % (b.name, b.kind, b.unit),
            "listener %d 127.0.0.1" % b.port,
            "allow_anonymous true",
            "persistence true",
            "persistence_location %s/" % b.dir,
            "autosave_interval 1800",
            "max_inflight_messages %d" % self.inflight,
            "max_queued_messages 0",
            "set_tcp_nodelay true",
            "log_dest file %s" % os.path.join(b.dir, "mosquitto.log"),
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to user mosquitto
        if b.parent is not None:
            up = self.by_name[b.parent]
            pattern = "%s/%s/#" % (TOPIC, b.unit) if b.kind == "commune" \
                else "%s/#" % TOPIC
            lines += [
                "",
                "connection up-%s" % b.name,
                "address 127.0.0.1:%d" % up.port,
                "remote_clientid bridge-%s" % b.name,
                "bridge_protocol_version mqttv311",
                "topic %s out 1" % pattern,
                "cleansession false",
                "restart_timeout 1",
                "notifications true",
            ]
        with open(os.path.join(b.dir, "mosquitto.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def spawn(self, argv, log=None, **kw):
        """Starts a process that close() will end."""
        out = open(log, "ab") if log else subprocess.DEVNULL
        try:
            with signals_held():
                p = subprocess.Popen(argv, stdout=kw.pop("stdout", out),
                                     stderr=out, start_new_session=True,
                                     **kw)
                self.procs.append(p)
        finally:
            if log:
                out.close()
        return p

    def start(self, timeout=60):
        """Province, then districts, then communes, each level listening
        before the next starts (so no bridge waits out a retry)."""
        for kind in ("province", "district", "commune"):
            level = [b for b in self.brokers if b.kind == kind]
            for b in level:
                self._launch(b)
            for b in level:
                wait_until(lambda: self._listening(b), timeout,
                           "broker %s to listen" % b.name, 0.02)

    def _launch(self, b):
        """Starts b on a port free now, its bridge to its parent's."""
        b.port = free_tcp_port()
        self._write_conf(b)
        b.proc = self.spawn([self.tools["mosquitto"], "-c",
                             os.path.join(b.dir, "mosquitto.conf")],
                            log=os.path.join(b.dir, "stdout.log"))

    def _listening(self, b):
        """True once b listens; a broker whose port was taken meanwhile
        (by the local end of some connection: ports come from the same
        range) starts again on another, a few times."""
        if b.proc.poll() is not None:
            if "Address already in use" in b.log() and b.restarts < 5:
                b.restarts += 1
                for name in ("stdout.log", "mosquitto.log"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(b.dir, name))
                self._launch(b)
                return False
            raise b.died()
        return listens(b.proc.pid, b.port)

    def top(self):
        return self.brokers[0]

    def communes(self):
        return [b for b in self.brokers if b.kind == "commune"]

    def sample(self):
        """{broker name: (cpu s, peak rss, write bytes)} of brokers."""
        out = {}
        for b in self.brokers:
            if b.proc is not None:
                s = proc_stat(b.proc.pid)
                if s is not None:
                    out[b.name] = s
        return out

    def check_alive(self):
        """BenchError if a broker or the subscriber has exited."""
        for b in self.brokers:
            if b.proc is not None and b.proc.poll() is not None:
                raise b.died()
        if self.sub is not None and self.sub.poll() is not None:
            raise BenchError("mosquitto_sub exited with status %s: %s"
                             % (self.sub.returncode,
                                last_line(os.path.join(self.tmp,
                                                       "sub.log"))))

    def close(self, timeout=10):
        """Ends every process started (SIGTERM, SIGKILL after timeout
        seconds), a signal meanwhile waiting until it is done."""
        with signals_held():
            live = [p for p in self.procs if p.returncode is None
                    and p.poll() is None]
            for p in live:
                p.terminate()
            deadline = time.monotonic() + timeout
            for p in live:
                try:
                    p.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            if not self.keep:
                shutil.rmtree(self.tmp, ignore_errors=True)


class Summer(threading.Thread):
    """Reads the subscriber's lines ("QoS topic payload", mosquitto_sub
    -F '%q %t %p') and sums the values per (indicator, period); probes
    (topic cchc/<unit>/probe) are only noted."""

    FORMAT = "%q %t %p"

    def __init__(self, stream, want):
        super().__init__(daemon=True)
        self.stream = stream
        self.want = want  # distinct (unit, indicator, period) expected
        self.lock = threading.Lock()
        self.probes = set()
        self.seen = set()
        self.sums = {}
        self.total = 0
        self.not_qos1 = 0  # delivered below QoS 1: a hop downgraded
        self.bad = []
        self.done = threading.Event()
        self.done_at = None

    def run(self):
        for raw in self.stream:
            t = time.monotonic()
            line = raw.decode("utf-8", "replace").rstrip("\n")
            qos, _, rest = line.partition(" ")
            topic, _, payload = rest.partition(" ")
            parts = topic.split("/")
            with self.lock:
                if len(parts) == 3 and parts[0] == TOPIC and \
                        parts[2] == "probe":
                    self.probes.add(parts[1])
                    continue
                try:
                    ind, per, val = payload.split(",")
                    val = int(val)
                    if len(parts) != 2 or parts[0] != TOPIC:
                        raise ValueError(topic)
                except ValueError:
                    self.bad.append(line)
                    continue
                self.total += 1
                if qos != "1":
                    self.not_qos1 += 1
                self.sums[(ind, per)] = self.sums.get((ind, per), 0) + val
                self.seen.add((parts[1], ind, per))
                if self.done_at is None and len(self.seen) >= self.want:
                    self.done_at = t
                    self.done.set()

    def probe_units(self):
        with self.lock:
            return set(self.probes)


class Publishers:
    """One mosquitto_pub per commune: QoS 1, a message per line of its
    file, on cchc/<unit> to its own broker.  Each ends once its broker
    has acknowledged every line; ended() reaps them as they end, with
    their CPU from wait4's rusage (a child that ended is gone from
    /proc), and raises on a failure."""

    def __init__(self, m, tools, files, inflight):
        argv = [tools["mosquitto_pub"], "-h", "127.0.0.1", "-q", "1", "-l",
                "-M", str(inflight), "--nodelay"]
        gate = Together()
        self.pending = []
        self.cpu_s = 0.0
        for b in m.communes():
            self.pending.append((b, gate.add(m.spawn(
                gate.argv(argv + ["-p", str(b.port), "-i", "pub-" + b.unit,
                                  "-t", "%s/%s" % (TOPIC, b.unit)],
                          files[b.unit]),
                log=os.path.join(b.dir, "pub.log"), stdin=gate.r))))
        # As `dongbo import` in bench.import_all: all at one instant.
        self.t0 = gate.release()
        self.spawn_cpu_s = gate.spawn_cpu_s

    def ended(self):
        for b, p in list(self.pending):
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid == 0:
                continue
            p.returncode = os.waitstatus_to_exitcode(status)
            self.pending.remove((b, p))
            self.cpu_s += ru.ru_utime + ru.ru_stime
            if p.returncode != 0:
                raise BenchError("mosquitto_pub for %s: exit %s: %s" % (
                    b.unit, p.returncode,
                    last_line(os.path.join(b.dir, "pub.log"))))
        return not self.pending


def write_lines(m, updates):
    """{commune unit: path of its "indicator,period,value" lines}."""
    files = {}
    for b in m.communes():
        path = os.path.join(m.tmp, b.unit + ".lines")
        with open(path, "w", encoding="utf-8") as f:
            for ind, per, v in updates[b.unit]:
                f.write("%s,%s,%s\n" % (ind, per, v))
        files[b.unit] = path
    return files


def tally(summer, cells, records):
    """The run's exactness and counts from what the subscriber got."""
    with summer.lock:
        wrong = [(k, summer.sums.get(k), cells[k]) for k in sorted(cells)
                 if summer.sums.get(k) != cells[k]]
        extra = set(summer.sums) - set(cells)
        out = {"received": summer.total,
               "duplicates": summer.total - len(summer.seen),
               "not_qos1": summer.not_qos1, "malformed": len(summer.bad),
               "cells": len(cells)}
    out["exact"] = not wrong and not extra and not out["duplicates"] and \
        not out["malformed"] and out["received"] == records
    if out["not_qos1"]:
        say("mosquitto: %d messages reached the subscriber below QoS 1"
            % out["not_qos1"])
    if not out["exact"]:
        say("mosquitto NOT EXACT: %d of %d cells wrong (e.g. %s), %d "
            "received for %d records, %d duplicates, %d malformed"
            % (len(wrong), len(cells), wrong[:3], out["received"], records,
               out["duplicates"], out["malformed"]))
    return out


def run_mosquitto(args, tools, units, sizes):
    """One run of the standard workload through a fresh Mosquitto
    federation; returns its figures (run_standard's e2e_s, cpu_s,
    records, exact; and the clients' CPU, the messages received) and
    its directory (gone unless --keep), as run_standard does."""
    tree, updates = bench.standard_data(units, *sizes)
    records = sum(len(r) for r in updates.values())
    with MosquittoFederation(tools, tree, args.inflight, args.keep) as m:
        files = write_lines(m, updates)
        m.start()
        sub = m.sub = m.spawn(
            [tools["mosquitto_sub"], "-h", "127.0.0.1",
             "-p", str(m.top().port), "-q", "1", "-i", "sum-province",
             "-t", TOPIC + "/#", "-F", Summer.FORMAT],
            log=os.path.join(m.tmp, "sub.log"), stdout=subprocess.PIPE)
        summer = Summer(sub.stdout, records)
        summer.start()
        probe_path(m, tools, summer, 60)

        before, sub_before = m.sample(), proc_stat(sub.pid)
        pubs = Publishers(m, tools, files, args.inflight)
        t0 = pubs.t0

        def arrived():
            m.check_alive()
            pubs.ended()
            return summer.done.is_set()
        try:
            wait_until(arrived, args.timeout,
                       "the province subscriber to receive %d messages"
                       % records)
        except BenchError as e:
            raise BenchError("%s (it has %d)" % (e, len(summer.seen)))
        after, sub_after = m.sample(), proc_stat(sub.pid)
        out = {"e2e_s": summer.done_at - t0, "records": records,
               "cpu_s": sum(after[k][0] - before.get(k, (0, 0, 0))[0]
                            for k in after)}
        out["rec_per_s"] = records / out["e2e_s"]
        wait_until(pubs.ended, args.timeout, "the publishers to end")
        out["client_cpu_s"] = (pubs.cpu_s - pubs.spawn_cpu_s +
                               sub_after[0] - sub_before[0])
        # A late duplicate that comes before the subscriber stops is
        # counted too.
        m.sub = None
        sub.terminate()
        summer.join(10)
        sub.stdout.close()
        out.update(tally(summer, wl.expected_cells(updates), records))
        return out, m.tmp


def probe_path(m, tools, summer, timeout, round_s=2.0):
    """Waits until a QoS 1 probe from every commune broker has reached
    the province subscriber: every bridge is connected and the subscriber
    subscribed.  A probe published while a bridge is still connecting is
    queued for it (cleansession false); one that reached the province
    before the subscriber had subscribed is lost, so the communes not
    heard from are probed again every round_s seconds until the
    deadline."""
    deadline = time.monotonic() + timeout
    while True:
        missing = [b for b in m.communes()
                   if b.unit not in summer.probe_units()]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise BenchError("timed out after %g s waiting for probes from "
                             "%d communes (e.g. %s) at the province"
                             % (timeout, len(missing), missing[0].unit))
        procs = [m.spawn([tools["mosquitto_pub"], "-h", "127.0.0.1",
                          "-p", str(b.port), "-q", "1",
                          "-i", "probe-" + b.unit,
                          "-t", "%s/%s/probe" % (TOPIC, b.unit),
                          "-m", "probe"],
                         log=os.path.join(b.dir, "probe.log"))
                 for b in missing]
        for p in procs:
            try:
                p.wait(max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise BenchError("a probe publisher did not end")
            if p.returncode != 0:
                raise BenchError("a probe publisher failed (exit %s)"
                                 % p.returncode)
        want = set(b.unit for b in missing)

        def arrived():
            m.check_alive()
            return want <= summer.probe_units()
        try:
            wait_until(arrived, min(round_s,
                                    max(0.0, deadline - time.monotonic())),
                       "probes", 0.02)
        except BenchError:
            m.check_alive()  # a dead broker is an error, a slow one not


# ---- the floor ----

def fsync_latencies(dir_, n=200, warm=10):
    """Seconds of n pwrite(4 KiB) + fdatasync on a file in dir_."""
    path = os.path.join(dir_, "fsync-probe")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    block = b"\x5a" * 4096
    out = []
    try:
        for i in range(warm + n):
            t = time.perf_counter()
            os.pwrite(fd, block, 0)
            os.fdatasync(fd)
            if i >= warm:
                out.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(path)
    return out


# ---- reporting ----

def ratio_line(label, pairs, key):
    rs = [a[key] / b[key] for a, b in pairs
          if a.get(key) and b.get(key)]
    if not rs:
        return "%-44s %8s" % (label, "-")
    return "%-44s %8.2f   (%.2f - %.2f, %d pair%s)" % (
        label, statistics.median(rs), min(rs), max(rs), len(rs),
        "" if len(rs) == 1 else "s")


def fmt(v, how="%.2f"):
    return "-" if v is None else how % v


def report(args, sizes, version, dongbo_runs, mosq_runs, fsyncs):
    nd, nc, nu = sizes
    lines = ["",
             "== dongbo vs Mosquitto %s: %d communes x %d updates, %d "
             "districts, 1 province; %d pair%s (A B A B ...)"
             % (version, nd * nc, nu, nd, len(dongbo_runs),
                "" if len(dongbo_runs) == 1 else "s"),
             "%-4s %-10s %9s %10s %11s %6s  %s" % (
                 "pair", "system", "e2e (s)", "server CPU", "client CPU",
                 "exact", "notes")]
    for i, (a, b) in enumerate(zip(dongbo_runs, mosq_runs)):
        for name, r in (("dongbo", a), ("mosquitto", b)):
            notes = []
            if r.get("error"):
                notes.append("error: " + r["error"])
            if name == "dongbo" and r.get("commits_max") is not None:
                notes.append("commits_max %d" % r["commits_max"])
            if name == "mosquitto" and "received" in r:
                notes.append("%d received, %d duplicates" % (
                    r["received"], r["duplicates"]))
                if r.get("not_qos1"):
                    notes.append("%d below QoS 1" % r["not_qos1"])
            lines.append("%-4d %-10s %9s %10s %11s %6s  %s" % (
                i + 1, name, fmt(r.get("e2e_s")), fmt(r.get("cpu_s")),
                fmt(r.get("client_cpu_s")),
                "yes" if r.get("exact") else "NO", "; ".join(notes)))

    def med(runs, key):
        xs = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(xs) if xs else None
    lines.append("%-4s %-10s %9s %10s %11s" % (
        "med", "dongbo", fmt(med(dongbo_runs, "e2e_s")),
        fmt(med(dongbo_runs, "cpu_s")), "-"))
    lines.append("%-4s %-10s %9s %10s %11s" % (
        "med", "mosquitto", fmt(med(mosq_runs, "e2e_s")),
        fmt(med(mosq_runs, "cpu_s")), fmt(med(mosq_runs, "client_cpu_s"))))
    lines.append("(server CPU: all dongbod daemons / all mosquitto brokers, "
                 "from the start to the end; client CPU: Mosquitto's "
                 "publishers and subscriber, not in the ratio)")

    pairs = list(zip(dongbo_runs, mosq_runs))
    lines += ["",
              "ratio dongbo / Mosquitto (median of pairs, min - max):",
              ratio_line("  end-to-end time", pairs, "e2e_s"),
              ratio_line("  server CPU (dongbod vs mosquitto brokers)",
                         pairs, "cpu_s"),
              "exact: dongbo %d of %d runs, Mosquitto %d of %d runs" % (
                  sum(1 for r in dongbo_runs if r.get("exact")),
                  len(dongbo_runs),
                  sum(1 for r in mosq_runs if r.get("exact")),
                  len(mosq_runs))]

    lines.append("")
    if fsyncs:
        lat = statistics.median(fsyncs)
        lines.append("fsync latency (4 KiB pwrite + fdatasync, /tmp, %d "
                     "samples): median %.2f ms, p90 %.2f ms" % (
                         len(fsyncs), lat * 1e3,
                         bench.percentile(fsyncs, 90) * 1e3))
        floors = [(r["e2e_s"], lat * r["commits_max"], r["commits_max"])
                  for r in dongbo_runs
                  if r.get("commits_max") and r.get("e2e_s")]
        if floors:
            for i, (e2e, floor, commits) in enumerate(floors):
                lines.append("  dongbo run %d: %d commits at its busiest "
                             "node -> floor %.3f s; e2e %.2f s = %.1f x "
                             "the floor" % (i + 1, commits, floor, e2e,
                                            e2e / floor))
            lines.append("  dongbo e2e / floor: median %.1f x" % (
                statistics.median([e / f for e, f, _ in floors])))
        else:
            lines.append("  floor unavailable: bench.run_standard gives no "
                         "commits_max (durable commits of the busiest "
                         "node)")
    lines += ["",
              "Durability differs: Mosquitto's persistence writes "
              "mosquitto.db only every autosave_interval (1800 s) and at "
              "shutdown, nothing per message, so what it acknowledged is "
              "not durable; dongbo fdatasyncs every commit before "
              "acknowledging it.",
              "Mosquitto settings: max_inflight_messages %d and "
              "mosquitto_pub -M %d (dongbo's batch_max window), "
              "max_queued_messages 0, persistence true, QoS 1 on every "
              "hop, set_tcp_nodelay." % (args.inflight, args.inflight)]
    print("\n".join(lines), flush=True)


# ---- main ----

def parse(argv):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pairs", type=int, default=3,
                    help="A B pairs to run (default 3)")
    ap.add_argument("--build", default=os.path.join(fed.ROOT, "build"),
                    help="dongbo's build directory (default build)")
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--communes", type=int, default=10,
                    help="communes per district")
    ap.add_argument("--updates", type=int, default=1000,
                    help="updates per commune")
    ap.add_argument("--inflight", type=int, default=20000,
                    help="Mosquitto's max_inflight_messages and the "
                    "publishers' -M (default 20000,\ndongbo's batch_max)")
    ap.add_argument("--fsync-samples", type=int, default=200,
                    help="fdatasyncs timed before each pair (default 200)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds a run may take to end (default 300)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the run directories")
    ap.add_argument("--ci", action="store_true",
                    help="a tiny run, one pair: both must end exact")
    args = ap.parse_args(argv)
    if args.ci:
        args.pairs = 1
        args.districts, args.communes, args.updates = wl.STD_CI_SIZES
    if min(args.pairs, args.inflight, args.fsync_samples) < 1:
        ap.error("--pairs, --inflight and --fsync-samples must be "
                 "positive")
    return args


def main(argv):
    args = parse(argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    sizes = (args.districts, args.communes, args.updates)
    bargs = bench.parse(["standard", "--build", args.build,
                         "--timeout", str(args.timeout), "--no-strace",
                         "--lag-samples", "0"]
                        + (["--keep"] if args.keep else []))
    try:
        tools = ensure_mosquitto()
    except BenchError as e:
        say("compare: %s" % e)
        return 1
    units = wl.load_units()
    version = mosquitto_version(tools)
    work = tempfile.mkdtemp(prefix="dongbo-compare-", dir="/tmp")
    systems = (
        ("dongbo", lambda: bench.run_standard(bargs, units, sizes=sizes,
                                              check=True, lag_samples=0)),
        ("mosquitto", lambda: run_mosquitto(args, tools, units, sizes)))
    runs = {name: [] for name, _ in systems}
    fsyncs = []
    try:
        for i in range(args.pairs):
            fsyncs += fsync_latencies(work, args.fsync_samples)
            for name, run in systems:
                try:
                    fig, where = run()
                    if args.keep:
                        say("compare: %s's directories kept in %s"
                            % (name, where))
                except (BenchError, OSError,
                        subprocess.SubprocessError) as e:
                    say("compare: pair %d, %s: %s" % (i + 1, name, e))
                    fig = {"exact": False, "error": str(e)}
                runs[name].append(fig)
                say("pair %d %s: %s s end to end, %s" % (
                    i + 1, name, fmt(fig.get("e2e_s")),
                    "exact" if fig.get("exact") else "NOT EXACT"))
    except KeyboardInterrupt as e:
        signum = e.args[0] if e.args and isinstance(e.args[0], int) \
            else signal.SIGINT
        say("compare: interrupted")
        return 128 + signum
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(args, sizes, version, runs["dongbo"], runs["mosquitto"], fsyncs)
    ok = all(r.get("exact") for rs in runs.values() for r in rs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
