#!/usr/bin/env python3
"""
bench.py -- how fast figures reach the province, and what it costs.

    bench/bench.py [--build DIR] [--runs N] [options] WORKLOAD...

Starts real dongbod processes on 127.0.0.1 in fresh directories (one
federation per run), drives a workload, checks that the top node ends
exact, and prints a table: the median of the runs with the min and max.

Workloads:
  standard  100 communes under 10 districts under Tỉnh Bắc Giang; commune
            c = 0..99 imports updates k = 0..999: (its unit, indicator
            k mod 20, period k div 20) = ((7919c + 104729k) mod 1000) + 1.
            All imports start at one instant; the end is when the
            province holds all 100,000 values, and then each of its
            1,000 roll-up cells must equal its one right answer.
  province  Bắc Giang as it is: 1 + 10 districts + 209 communes, each
            commune importing 150 indicators x 4 quarters from CSV.
  catchup   a district stopped while its 10 communes accumulate 10,000,
            100,000 and 1,000,000 changes (--catchup-sizes); the time
            from its restart until the province is exact, with its peak
            memory and disk meanwhile.
  national  one node above all 63 provinces, which host their 10,047
            communes (not processes) x 150 indicators x 4 quarters; the
            ingest rate at the top, then the latency of rollup and report
            queries there.
  sweep     the standard workload for each batch size x sync mode
            (--batches, --syncs): the curve in the README.

Figures (standard, province): end-to-end time from the common start until
the top node is exact; records per second; CPU seconds of all dongbod
processes per 100,000 records (utime + stime from /proc, all cores); peak
RSS (VmHWM) per node kind; bytes written to storage per record
(/proc/PID/io write_bytes, all nodes); fsyncs per record (one smaller
run under strace, --no-strace to skip); per-hop lag p50/p99 (when each
of a sample of records was accepted at each node, from `dongbo log`).

--ci runs a few-second version of the standard workload: it checks only
that the harness runs and the province ends exact (no timing is judged).

Exit status 0 when every run ended exact, 1 otherwise, 2 on a usage
error.
"""

import argparse
import concurrent.futures
import os
import resource
import random
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fed as fedmod  # noqa: E402
from fed import BenchError, Federation, Together, wait_until  # noqa: E402
import workloads as wl  # noqa: E402

ROOT = fedmod.ROOT


def say(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- driving a federation ----

def build_federation(args, tree, conf=None, wrap=None, units_path=None):
    f = Federation(args.build, units_path=units_path, tls=args.tls,
                   keep=args.keep, conf=conf, wrap=wrap)
    for name, unit, kind, parent, listens, *hosts in tree:
        f.add(name, unit, kind, parent, listen=listens,
              hosts=hosts[0] if hosts else ())
    f.init_all()
    return f


def conf_of(args, batch=None, sync=None):
    conf = {}
    if batch or args.batch:
        conf["batch_max"] = batch or args.batch
    if sync or args.sync:
        conf["sync"] = sync or args.sync
    return conf


def import_all(f, files, timeout=600):
    """Starts `dongbo import` of every (node, csv) at one instant; returns
    when all have ended (raising on a failure): the instant they started
    (time.monotonic()) and the CPU seconds their start took (Together)."""
    gate = Together()
    procs = [(n, gate.add(subprocess.Popen(
        gate.argv([f.dongbo, "-C", n.dir, "import", path]),
        stdin=gate.r, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
        for n, path in files]
    t0 = gate.release()
    for n, p in procs:
        _, err = p.communicate(timeout=timeout)
        if p.returncode != 0:
            raise BenchError("%s: import: %s" % (n.name,
                                                 err.decode().strip()))
    return t0, gate.spawn_cpu_s


def node_commits(f):
    """{node name: durable commits since its start}."""
    return {n.name: f.status(n)["store"]["commits"] for n in f.nodes
            if n.proc is not None}


def top_values(f, top):
    return f.status(top)["store"]["values"]


def wait_values(f, top, want, timeout, started, interval):
    """Watches the top node until it holds `want` values; the time of the
    first status that saw them, in seconds since started."""
    deadline = time.monotonic() + timeout
    last = None
    with f.watch(top, interval) as w:
        while True:
            st = w.next(deadline)
            if st is None:
                raise BenchError("timed out after %g s waiting for %s to "
                                 "hold %d values (it holds %s)"
                                 % (timeout, top.name, want, last))
            last = st["store"]["values"]
            if last >= want:
                return time.monotonic() - started


def check_cells(f, top, cells, jobs=4):
    """Every roll-up cell of the top unit against its right answer;
    returns the list of wrong ones."""
    def one(key):
        ind, per = key
        r = f.cli_json(top, ["rollup", top.unit, ind, per])
        return None if r.get("value") == cells[key] else \
            (key, r.get("value"), cells[key])
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        return [x for x in ex.map(one, sorted(cells)) if x is not None]


def hop_lags(f, samples):
    """Per-hop lag in ms for sample records [(unit, indicator, period,
    nodes from the commune up)]: {hop index: [ms]}, hop i from nodes[i]
    to nodes[i+1], from when each node accepted the record."""
    lags = {}
    for unit, ind, per, nodes in samples:
        times = []
        for n in nodes:
            e = f.cli_json(n, ["log", unit, ind, per, "--limit", "1"])
            entries = e.get("entries") or []
            if not entries:
                raise BenchError("%s has no history of %s %s %s"
                                 % (n.name, unit, ind, per))
            times.append(entries[0]["at_ms"])
        for i in range(len(times) - 1):
            lags.setdefault(i, []).append(times[i + 1] - times[i])
    return lags


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def cost_figures(before, after, f, records):
    """CPU per 100k records, peak RSS per node kind, bytes written per
    record, from two /proc samples."""
    cpu = sum(after[k][0] - before.get(k, (0, 0, 0))[0] for k in after)
    wb = sum(after[k][2] - before.get(k, (0, 0, 0))[2] for k in after)
    rss, cpu_kind = {}, {}
    for n in f.nodes:
        if n.name in after:
            rss.setdefault(n.kind, []).append(after[n.name][1])
            cpu_kind.setdefault(n.kind, []).append(
                after[n.name][0] - before.get(n.name, (0, 0, 0))[0])
    out = {"cpu_s": cpu, "cpu_per_100k": cpu * 100000.0 / records,
           "write_per_record": wb / float(records)}
    for kind, xs in rss.items():
        out["rss_" + kind] = max(xs)
    for kind, xs in cpu_kind.items():
        out["cpu_" + kind] = sum(xs)
    return out


# ---- standard ----

def standard_data(units, n_districts, n_communes, n_updates):
    tree = wl.standard_tree(units, n_districts, n_communes)
    communes = [t[1] for t in tree if t[2] == "commune"]
    inds = wl.sum_counts(wl.STD_INDICATORS)
    pers = wl.months((n_updates + wl.STD_INDICATORS - 1)
                     // wl.STD_INDICATORS)
    updates = wl.standard_updates(communes, n_updates, inds, pers)
    return tree, updates


def drive(args, f, files, top, records):
    """Starts the imports of files [(node, csv)] at one instant, waits
    until the top node holds `records` more values than before; the
    figures of that stretch."""
    base = top_values(f, top)
    commits0 = node_commits(f)
    before = f.sample()
    cli0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, spawn_cpu = import_all(f, files, timeout=args.timeout)
    t0_wall = time.time() - (time.monotonic() - t0)
    imported = time.monotonic() - t0
    cli1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    e2e = wait_values(f, top, base + records, args.timeout, t0,
                      args.poll)
    after = f.sample()
    commits = node_commits(f)
    out = {"e2e_s": e2e, "import_s": imported, "records": records,
           "cpu_cli": (cli1.ru_utime + cli1.ru_stime -
                       cli0.ru_utime - cli0.ru_stime - spawn_cpu),
           "rec_per_s": records / e2e, "t0_wall": t0_wall,
           "commits_max": max(commits[k] - commits0.get(k, 0)
                              for k in commits)}
    out.update(cost_figures(before, after, f, records))
    return out


def judge_cells(f, top, cells, out):
    wrong = check_cells(f, top, cells)
    out["exact"] = not wrong
    out["cells"] = len(cells)
    if wrong:
        say("NOT EXACT: %d of %d cells wrong, e.g. %s"
            % (len(wrong), len(cells), wrong[:3]))


def csv_files(f, rows_by_unit):
    """One CSV per node of the units in rows_by_unit ({unit: rows}),
    written beside the nodes: [(node, path)]."""
    files = []
    for n in f.nodes:
        units = [u for u in [n.unit] + n.hosts if u in rows_by_unit]
        if not units:
            continue
        path = os.path.join(f.tmp, n.name + ".csv")
        with open(path, "w", encoding="utf-8") as out:
            out.write("unit,indicator,period,value\n")
            for u in units:
                for ind, per, v in rows_by_unit[u]:
                    out.write("%s,%s,%s,%s\n" % (u, ind, per, v))
        files.append((n, path))
    return files


def run_standard(args, units, batch=None, sync=None, sizes=None,
                 wrap=None, check=True, lag_samples=None):
    """One run of the standard workload in a fresh federation; returns
    its figures (and "exact")."""
    nd, nc, nu = sizes or (args.districts, args.communes, args.updates)
    tree, updates = standard_data(units, nd, nc, nu)
    records = sum(len(r) for r in updates.values())
    with build_federation(args, tree, conf_of(args, batch, sync),
                          wrap) as f:
        top = f.nodes[0]
        files = csv_files(f, updates)
        f.start()
        f.wait_linked()
        out = drive(args, f, files, top, records)
        if check:
            judge_cells(f, top, wl.expected_cells(updates), out)
        if lag_samples:
            out["lags"] = standard_lags(f, updates, lag_samples,
                                        args.seed)
        f.stop()
        return out, f.tmp


def standard_lags(f, updates, n, seed):
    rng = random.Random(seed)
    samples = []
    communes = sorted(updates)
    for _ in range(n):
        c = rng.choice(communes)
        ind, per, _ = rng.choice(updates[c])
        path = []
        node = f.by_name["c" + c]
        while node is not None:
            path.append(node)
            node = f.by_name[node.parent] if node.parent else None
        samples.append((c, ind, per, path))
    return hop_lags(f, samples)


# ---- a real province ----

def run_province(args, units):
    rng = random.Random(args.seed)
    tree = wl.province_tree(units)
    inds = wl.province_indicators()
    rows = {t[1]: wl.quarterly_rows(t[1], inds, rng) for t in tree
            if t[2] == "commune"}
    records = sum(len(r) for r in rows.values())
    with build_federation(args, tree, conf_of(args)) as f:
        top = f.nodes[0]
        files = csv_files(f, rows)
        f.start()
        f.wait_linked()
        out = drive(args, f, files, top, records)
        judge_cells(f, top, wl.summed_cells(rows, inds), out)
        out["processes"] = len(f.nodes)
        f.stop()
        return out


# ---- catch-up ----

def run_catchup(args, units, total):
    """A district stopped while its communes accumulate `total` changes;
    from its restart until the province holds them all."""
    rng = random.Random(args.seed)
    district = units.kids(wl.PROVINCE)[0]
    tree = [("p" + wl.PROVINCE, wl.PROVINCE, "province", None, True),
            ("d" + district, district, "district", "p" + wl.PROVINCE,
             True)]
    communes = units.kids(district)[:args.communes]
    tree += [("c" + c, c, "commune", "d" + district, False)
             for c in communes]
    changes = wl.catchup_changes(len(communes), total, rng)
    rows = dict(zip(communes, changes))
    records = sum(len(r) for r in changes)
    with build_federation(args, tree, conf_of(args)) as f:
        top, dist = f.nodes[0], f.nodes[1]
        files = csv_files(f, rows)
        f.start()
        f.stop([dist])
        import_all(f, files, timeout=args.timeout)
        base = top_values(f, top)
        before = f.sample()
        t0 = time.monotonic()
        f.start([dist])
        e2e = wait_values(f, top, base + records, args.timeout, t0,
                          args.poll)
        after = f.sample()
        out = {"e2e_s": e2e, "records": records, "rec_per_s": records / e2e}
        out.update(cost_figures(before, after, f, records))
        out["rss_district"] = after[dist.name][1]
        out["disk"] = f.disk_bytes([top, dist])
        out["exact"] = catchup_exact(f, top, rows, rng)
        f.stop()
        return out


def catchup_exact(f, top, rows, rng, n_cells=20):
    """The province's roll-ups recomputed from scratch (`dongbo verify`)
    and n_cells of them against the sums of the changes."""
    rc, _, err = f.cli(top, ["verify"], check=False)
    if rc != 0:
        say("verify at %s: %s" % (top.name, err.strip()))
        return False
    sums = {}
    for rs in rows.values():
        for ind, per, v in rs:
            sums[(ind, per)] = sums.get((ind, per), 0) + v
    keys = rng.sample(sorted(sums), min(n_cells, len(sums)))
    cells = {k: sums[k] for k in keys}
    wrong = check_cells(f, top, cells)
    if wrong:
        say("NOT EXACT: %s" % wrong[:3])
    return not wrong


# ---- the nation ----

def run_national(args, units):
    rng = random.Random(args.seed)
    vn = os.path.join("/tmp", "dongbo-bench-units-%d.tsv" % os.getpid())
    wl.national_units(units.path, vn)
    try:
        vunits = fedmod.Units(vn)
        root = wl.NATIONAL_ROOT[0]
        provinces = vunits.kids(root)[:args.national_provinces]
        tree = [("n" + root, root, "national", None, True)]
        inds = wl.province_indicators()
        rows = {}
        for p in provinces:
            communes = [u for u in vunits.subtree(p)
                        if vunits.level[u] == "xa"]
            tree.append(("p" + p, p, "province", "n" + root, False,
                         communes))
            for c in communes:
                rows[c] = wl.quarterly_rows(c, inds, rng)
        records = sum(len(r) for r in rows.values())
        with build_federation(args, tree, conf_of(args),
                              units_path=vn) as f:
            top = f.nodes[0]
            files = csv_files(f, rows)
            f.start()
            f.wait_linked()
            out = drive(args, f, files, top, records)
            out["communes"] = len(rows)
            judge_cells(f, top, wl.summed_cells(rows, inds), out)
            out.update(query_latency(f, top, root, inds))
            out["disk"] = f.disk_bytes([top])
            f.stop()
            return out
    finally:
        os.unlink(vn)


def query_latency(f, top, root, inds, n=20):
    """Median wall time of `rollup` and `report` at the top (ms)."""
    def timed(argv):
        t = time.monotonic()
        f.cli(top, argv)
        return (time.monotonic() - t) * 1000
    summed = [c for c, kind, rule in inds if rule == "sum"]
    rollup = [timed(["--json", "rollup", root, summed[i % len(summed)],
                     "2024"]) for i in range(n)]
    report = [timed(["--json", "report", root, "2024", "--form",
                     "II.06c"]) for _ in range(max(3, n // 4))]
    return {"rollup_ms": statistics.median(rollup),
            "report_ms": statistics.median(report)}


def strace_wrap(out_dir):
    def wrap(n):
        return ["strace", "-f", "-qq", "-ttt",
                "-e", "trace=fsync,fdatasync,msync,sync_file_range",
                "-o", os.path.join(out_dir, n.name + ".strace")]
    return wrap


def count_fsyncs(out_dir, t0, t1):
    """fsync-family calls between wall times t0 and t1 in strace logs."""
    total = 0
    for name in os.listdir(out_dir):
        if not name.endswith(".strace"):
            continue
        with open(os.path.join(out_dir, name)) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 2:
                    continue
                try:
                    ts = float(parts[1])
                except ValueError:
                    continue
                if t0 <= ts <= t1 and "resumed" not in line:
                    total += 1
    return total


def fsyncs_per_record(args, units):
    """A smaller standard run under strace: fsyncs per record."""
    sizes = (min(args.districts, 2), min(args.communes, 5),
             min(args.updates, 200))
    with tempfile.TemporaryDirectory(prefix="dongbo-bench-strace-",
                                     dir="/tmp") as out_dir:
        fig, _ = run_standard(args, units, sizes=sizes,
                              wrap=strace_wrap(out_dir), check=False)
        t1 = fig["t0_wall"] + fig["e2e_s"]
        n = count_fsyncs(out_dir, fig["t0_wall"], t1)
        return n / float(fig["records"]), fig["records"], sizes


# ---- reporting ----

def fmt_bytes(b):
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= div:
            return "%.1f %s" % (b / div, unit)
    return "%d B" % b


FIGURES = [
    ("e2e_s", "end-to-end time (s)", "%.2f"),
    ("rec_per_s", "records per second", "%.0f"),
    ("cpu_per_100k", "CPU s per 100,000 records", "%.2f"),
    ("cpu_commune", "  of which commune nodes (s)", "%.2f"),
    ("cpu_district", "  of which district nodes (s)", "%.2f"),
    ("cpu_province", "  of which province nodes (s)", "%.2f"),
    ("cpu_national", "  of which the national node (s)", "%.2f"),
    ("cpu_cli", "CPU of the `dongbo import` clients (s)", "%.2f"),
    ("import_s", "imports done (s)", "%.2f"),
    ("rss_commune", "peak RSS, commune", "bytes"),
    ("rss_district", "peak RSS, district", "bytes"),
    ("rss_province", "peak RSS, province", "bytes"),
    ("rss_national", "peak RSS, national node", "bytes"),
    ("write_per_record", "bytes written per record", "%.0f"),
    ("commits_max", "commits at the busiest node", "%.0f"),
    ("lag_p50_0", "lag p50 commune -> district (ms)", "%.0f"),
    ("lag_p99_0", "lag p99 commune -> district (ms)", "%.0f"),
    ("lag_p50_1", "lag p50 district -> province (ms)", "%.0f"),
    ("lag_p99_1", "lag p99 district -> province (ms)", "%.0f"),
]


def fmt(v, how):
    if v is None:
        return "-"
    if how == "bytes":
        return fmt_bytes(v)
    return how % v


def table(title, runs, extra=()):
    """Median (min - max) of every figure the runs have."""
    lines = ["", "== %s: %d run%s" % (title, len(runs),
                                      "" if len(runs) == 1 else "s"),
             "%-36s %12s %25s" % ("figure", "median", "min - max")]
    for key, label, how in FIGURES + list(extra):
        xs = [r[key] for r in runs if r.get(key) is not None]
        if not xs:
            continue
        lines.append("%-36s %12s %25s" % (
            label, fmt(statistics.median(xs), how),
            "%s - %s" % (fmt(min(xs), how), fmt(max(xs), how))))
    return "\n".join(lines)


def flatten_lags(fig):
    for hop, xs in (fig.pop("lags", None) or {}).items():
        fig["lag_p50_%d" % hop] = percentile(xs, 50)
        fig["lag_p99_%d" % hop] = percentile(xs, 99)


# ---- main ----

def repeated(args, label, run):
    """args.runs runs of run(), each said as it ends; their figures."""
    runs = []
    for i in range(args.runs):
        fig = run()
        say("%s run %d: %.2f s end to end, %s" % (
            label, i + 1, fig["e2e_s"],
            "exact" if fig["exact"] else "NOT EXACT"))
        runs.append(fig)
    return runs


def workload_standard(args, units):
    def one():
        fig, _ = run_standard(args, units, lag_samples=args.lag_samples)
        flatten_lags(fig)
        return fig
    runs = repeated(args, "standard", one)
    extra = []
    if not args.no_strace and not args.ci:
        per, n, sizes = fsyncs_per_record(args, units)
        for r in runs:
            r["fsync_per_record"] = per
        extra.append(("fsync_per_record",
                      "fsyncs per record (strace, %d records)" % n,
                      "%.4f"))
    print(table("standard: %d communes x %d updates, %d districts"
                % (args.districts * args.communes, args.updates,
                   args.districts), runs, extra))
    return all(r["exact"] for r in runs)


def workload_province(args, units):
    runs = repeated(args, "province", lambda: run_province(args, units))
    print(table("province: Tỉnh Bắc Giang, %d processes, %d records"
                % (runs[0]["processes"], runs[0]["records"]), runs))
    return all(r["exact"] for r in runs)


def workload_catchup(args, units):
    ok = True
    for total in args.catchup_sizes:
        runs = repeated(args, "catchup %d" % total,
                        lambda: run_catchup(args, units, total))
        ok = ok and all(r["exact"] for r in runs)
        print(table("catch-up of %d changes (district restart -> province "
                    "exact)" % total, runs,
                    [("disk", "disk of district + province", "bytes")]))
    return ok


def workload_national(args, units):
    # Six million values: minutes, not seconds.
    args.timeout = max(args.timeout, 3600)
    runs = repeated(args, "national", lambda: run_national(args, units))
    print(table("national: %d provinces hosting %d communes, %d records"
                % (args.national_provinces, runs[0]["communes"],
                   runs[0]["records"]), runs,
                [("rollup_ms", "rollup at the top (ms)", "%.1f"),
                 ("report_ms", "report II.06c at the top (ms)", "%.1f"),
                 ("disk", "disk of the top node", "bytes")]))
    return all(r["exact"] for r in runs)


def workload_sweep(args, units):
    """The standard workload per batch size and sync mode."""
    ok = True
    lines = ["", "== sweep: standard workload, median of %d run%s"
             % (args.runs, "" if args.runs == 1 else "s"),
             "%-8s %-8s %10s %12s %12s %10s" % (
                 "sync", "batch", "e2e (s)", "records/s", "CPU/100k",
                 "commits")]
    for sync in args.syncs:
        for batch in args.batches:
            figs = []
            for _ in range(args.runs):
                fig, _ = run_standard(args, units, batch=batch, sync=sync)
                ok = ok and fig["exact"]
                figs.append(fig)
            med = {k: statistics.median(x[k] for x in figs)
                   for k in ("e2e_s", "rec_per_s", "cpu_per_100k",
                             "commits_max")}
            say("sweep %s %d: %.2f s" % (sync, batch, med["e2e_s"]))
            lines.append("%-8s %-8d %10.2f %12.0f %12.2f %10d" % (
                sync, batch, med["e2e_s"], med["rec_per_s"],
                med["cpu_per_100k"], med["commits_max"]))
    print("\n".join(lines))
    return ok


WORKLOADS = {"standard": workload_standard, "province": workload_province,
             "catchup": workload_catchup, "national": workload_national,
             "sweep": workload_sweep}


def parse(argv):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("workloads", nargs="+", metavar="WORKLOAD",
                    choices=sorted(WORKLOADS))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="the build directory (default build)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--communes", type=int, default=10,
                    help="communes per district")
    ap.add_argument("--updates", type=int, default=1000,
                    help="updates per commune")
    ap.add_argument("--batch", type=int, help="[sync] batch_max")
    ap.add_argument("--sync", help="[store] sync mode")
    ap.add_argument("--tls", action="store_true",
                    help="mutual TLS between nodes (default plain TCP)")
    ap.add_argument("--catchup-sizes", default="10000,100000,1000000",
                    type=lambda v: [int(x) for x in v.split(",")],
                    help="changes accumulated per catch-up run")
    ap.add_argument("--national-provinces", type=int, default=63,
                    help="provinces below the national node (fewer for "
                         "a quicker run)")
    ap.add_argument("--batches", default="100,1000,10000,20000",
                    type=lambda v: [int(x) for x in v.split(",")],
                    help="batch sizes of the sweep")
    ap.add_argument("--syncs", default="full,nometa,off",
                    type=lambda v: v.split(","),
                    help="sync modes of the sweep")
    ap.add_argument("--poll", type=float, default=0.02,
                    help="seconds between polls of the top node")
    ap.add_argument("--lag-samples", type=int, default=200)
    ap.add_argument("--no-strace", action="store_true")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true",
                    help="keep the node directories")
    ap.add_argument("--ci", action="store_true",
                    help="a few-second run: it must end exact, no more")
    args = ap.parse_args(argv)
    if args.ci:
        args.runs = 1
        args.districts, args.communes, args.updates = wl.STD_CI_SIZES
        args.lag_samples = 10
    return args


def main(argv):
    args = parse(argv)
    units = wl.load_units()
    ok = True
    for w in args.workloads:
        try:
            ok = WORKLOADS[w](args, units) and ok
        except BenchError as e:
            say("bench %s: %s" % (w, e))
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
