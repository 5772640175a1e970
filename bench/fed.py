"""
fed.py -- a federation of real dongbod processes for the benchmarks:
fresh node directories, daemons started and stopped, and what /proc says
about them (CPU, peak RSS, bytes written).  Used by bench.py and
compare.py; nothing here measures or judges.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data")

# The integration tests' harness already reads unit lists and catalogs,
# edits configs, issues certificates and polls with deadlines.
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from federation import (TestFailure as BenchError,  # noqa: E402,F401
                        StatusWatch, Units, free_tcp_port, set_conf_file,
                        tls_args, wait_for as wait_until)


class Node:
    def __init__(self, name, unit, kind, parent, listen):
        self.name, self.unit, self.kind = name, unit, kind
        self.parent, self.listen = parent, listen
        self.dir = None
        self.proc = None
        self.hosts = []


def proc_stat(pid):
    """(cpu seconds, peak RSS bytes, bytes written to storage) of pid."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
        hwm = 0
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
        wb = 0
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    wb = int(line.split()[1])
        return cpu, hwm, wb
    except (OSError, IndexError, ValueError):
        return None


def schedstat_cpu(pid):
    """CPU seconds pid has run (ns precision, /proc/PID/schedstat); 0
    when it is gone."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class Together:
    """Processes that begin at one instant.  Each is spawned behind a
    shell blocked reading a pipe it shares with the others; release()
    waits until every shell is blocked there, then closes the pipe's
    write end: they all read end-of-file at once and exec their program.
    What the shells ran before that (spawn_cpu_s) is not the programs'
    work: the callers subtract it from the CPU of the children."""

    # Waits on the read end of a pipe show as "pipe_read",
    # "anon_pipe_read" or "pipe_wait", depending on the kernel.
    BLOCKED = "pipe"

    def __init__(self):
        self.r, self.w = os.pipe()
        self.procs = []
        self.spawn_cpu_s = 0.0

    def argv(self, argv, stdin_path=None):
        """The shell command line that runs argv once released (with
        stdin from stdin_path, if given)."""
        if stdin_path is None:
            return ["sh", "-c", 'read _; exec "$@"', "sh"] + list(argv)
        return ["sh", "-c", 'read _; f=$1; shift; exec "$@" <"$f"', "sh",
                stdin_path] + list(argv)

    def add(self, proc):
        """proc: a Popen of argv(...) with stdin=self.r."""
        self.procs.append(proc)
        return proc

    def _blocked(self, p):
        if p.poll() is not None:
            raise BenchError("a process exited before its start (status "
                             "%s)" % p.returncode)
        try:
            with open("/proc/%d/wchan" % p.pid) as f:
                return self.BLOCKED in f.read()
        except OSError:
            return False

    def release(self, timeout=60):
        """Starts them all; returns the instant (time.monotonic())."""
        os.close(self.r)
        for p in self.procs:
            wait_until(lambda: self._blocked(p), timeout,
                       "pid %d to wait for its start" % p.pid, 0.005)
        self.spawn_cpu_s = sum(schedstat_cpu(p.pid) for p in self.procs)
        t0 = time.monotonic()
        os.close(self.w)
        return t0


class Scratch:
    """Processes and a temp dir that close() ends and removes: with
    ... as x: ends them however the block ends."""

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Federation(Scratch):
    """Nodes in fresh directories under one temp dir; TCP on 127.0.0.1
    between levels (plain, as the broker it is compared with; --tls for
    mutual TLS), each daemon's log in its directory."""

    def __init__(self, build, units_path=None, tls=False, keep=False,
                 conf=None, wrap=None):
        self.dongbod = os.path.join(build, "daemon", "dongbod")
        self.dongbo = os.path.join(build, "cli", "dongbo")
        for b in (self.dongbod, self.dongbo):
            if not os.access(b, os.X_OK):
                raise BenchError("not built: %s" % b)
        self.units_path = units_path or os.path.join(DATA,
                                                     "dvhc-2025-03.tsv")
        self.tmp = tempfile.mkdtemp(prefix="dongbo-bench-", dir="/tmp")
        self.nodes = []
        self.by_name = {}
        self.tls = tls
        self.keep = keep
        self.conf = conf or {}  # {key: value} for every node's config
        self.wrap = wrap  # argv prefix for dongbod (say strace ...)
        self.pki = os.path.join(self.tmp, "pki")

    # -- building --

    def add(self, name, unit, kind, parent=None, listen=False, hosts=()):
        url = None
        if listen:
            url = "%s://127.0.0.1:%d" % ("tls+tcp" if self.tls else "tcp",
                                         free_tcp_port())
        n = Node(name, unit, kind, parent, url)
        n.hosts = list(hosts)
        n.dir = os.path.join(self.tmp, name)
        self.nodes.append(n)
        self.by_name[name] = n
        return n

    def init_all(self):
        """dongbo init for every node (a few at a time), then the
        federation-wide config settings."""
        procs = []
        for n in self.nodes:
            args = [self.dongbo, "init", n.dir, "--unit", n.unit,
                    "--units", self.units_path]
            if n.parent is not None:
                args += ["--parent", self.by_name[n.parent].listen]
            if n.listen:
                args += ["--listen", n.listen]
            if n.hosts:
                args += ["--hosts", ",".join(n.hosts)]
            if self.tls:
                args += tls_args(self.pki, n.unit)
            else:
                args += ["--allow-plain-tcp"]
            procs.append((n, subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
            if len(procs) >= 16:
                self._reap_inits(procs)
        self._reap_inits(procs)
        for n in self.nodes:
            for key, value in self.conf.items():
                set_conf_file(os.path.join(n.dir, "dongbo.conf"), key,
                              value)

    @staticmethod
    def _reap_inits(procs):
        for n, p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                raise BenchError("dongbo init %s: %s" % (n.name,
                                                        err.decode().strip()))
        procs.clear()

    # -- processes --

    def start(self, nodes=None):
        nodes = nodes or self.nodes
        for n in nodes:
            log = open(os.path.join(n.dir, "dongbod.log"), "ab")
            argv = list(self.wrap(n)) if self.wrap else []
            n.proc = subprocess.Popen(argv + [self.dongbod, n.dir],
                                      stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=log, start_new_session=True)
            log.close()
        for n in nodes:
            wait_until(lambda: self._answers(n), 60,
                       "%s to answer on its control socket" % n.name, 0.02)

    def wait_linked(self, nodes=None, timeout=60):
        """Waits until every node with a parent has been welcomed there
        and has nothing in flight (its uplink idle): the federation is
        running, as Mosquitto's bridges are before compare.py starts its
        clock.  A child that started before its parent listened waits
        out nng's redial backoff, which is not what the workloads
        measure."""
        for n in nodes or self.nodes:
            if n.parent is not None:
                wait_until(lambda: self._linked(n), timeout,
                           "%s to be welcomed by its parent" % n.name, 0.02)

    def _linked(self, n):
        par = self.status(n).get("parent") or {}
        return bool(par.get("connected")) and par.get("state") == "idle"

    def _answers(self, n):
        if n.proc.poll() is not None:
            raise BenchError("%s: dongbod exited with status %s (log %s)"
                             % (n.name, n.proc.returncode,
                                os.path.join(n.dir, "dongbod.log")))
        return os.path.exists(os.path.join(n.dir, "control.sock")) and \
            self.cli(n, ["status", "--json"], check=False)[0] == 0

    def stop(self, nodes=None, timeout=30):
        nodes = [n for n in (nodes or self.nodes) if n.proc is not None]
        for n in nodes:
            signal_group(n.proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for n in nodes:
            try:
                n.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                signal_group(n.proc, signal.SIGKILL)
                n.proc.wait()
            n.proc = None

    def close(self):
        for n in self.nodes:
            if n.proc is not None:
                signal_group(n.proc, signal.SIGKILL)
                n.proc.wait()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- the CLI --

    def cli(self, n, args, check=True, timeout=120):
        p = subprocess.run([self.dongbo, "-C", n.dir] + args,
                           capture_output=True, timeout=timeout)
        if check and p.returncode != 0:
            raise BenchError("%s: dongbo %s: exit %d: %s"
                             % (n.name, " ".join(args), p.returncode,
                                p.stderr.decode().strip()))
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def cli_json(self, n, args):
        return json.loads(self.cli(n, ["--json"] + args)[1])

    def status(self, n):
        return self.cli_json(n, ["status"])

    def watch(self, n, interval):
        """A StatusWatch of node n every interval seconds."""
        return StatusWatch(self.dongbo, n.dir, interval, n.name)

    # -- /proc --

    def sample(self, nodes=None):
        """{node name: (cpu s, peak rss, write bytes)} of running
        daemons."""
        out = {}
        for n in nodes or self.nodes:
            if n.proc is not None:
                s = proc_stat(n.proc.pid)
                if s is not None:
                    out[n.name] = s
        return out

    def disk_bytes(self, nodes=None):
        """Bytes the node directories take on disk now."""
        total = 0
        for n in nodes or self.nodes:
            for dp, _, fs in os.walk(n.dir):
                for f in fs:
                    try:
                        total += os.stat(os.path.join(dp, f)).st_blocks * 512
                    except OSError:
                        pass
        return total


def signal_group(proc, sig):
    """Signals the process group a node runs in (its own session): the
    daemon itself also when a wrapper such as strace, which holds fatal
    signals back, runs it."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
