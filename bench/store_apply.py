#!/usr/bin/env python3
"""
store_apply.py -- what applying the standard workload's batches costs the
store alone, at the province and at a district: no processes, no
sockets, no scheduler, so a change of the apply path shows in it when
the federation's own spread (tenths of a second) would hide it.

    bench/store_apply.py [--build DIR] [--runs N] [--batch N] [--ci]

The province gets the 100,000 records of bench.py's standard workload
from its 10 districts, a district the 10,000 of its 10 communes; each
child's records arrive BATCH at a time (default 1,000: what a commune
pushes), children in turn, one transaction each with full durability.
Prints, per view, the CPU and wall time per record (median of the runs,
min and max); every run's store is verified before it is removed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fed  # noqa: E402,F401 -- first: it puts the test harness on the path
import workloads as wl  # noqa: E402
from bench import standard_data  # noqa: E402


def records_file(path, updates, child_of):
    """Writes "child unit indicator period value" lines, each child's in
    its communes' order."""
    by_child = {}
    for unit in sorted(updates):
        by_child.setdefault(child_of(unit), []).append(unit)
    with open(path, "w", encoding="utf-8") as f:
        for child in sorted(by_child):
            for unit in by_child[child]:
                for ind, per, v in updates[unit]:
                    f.write("%s\t%s\t%s\t%s\t%d\n" % (child, unit, ind, per,
                                                      v))


def run_view(tool, units_path, home, path, batch, runs, tmp):
    p = subprocess.run([tool, units_path, os.path.join(fed.DATA,
                                                       "catalog.ini"),
                        home, path, str(batch), str(runs), tmp],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("store_apply: %s" % p.stderr.strip())
    rows = []
    for line in p.stdout.splitlines():
        f = line.split()
        rows.append(dict(zip(f[0::2], f[1::2])))
    return rows


def summary(rows, key):
    xs = [float(r[key]) for r in rows]
    return "%.2f (%.2f - %.2f)" % (statistics.median(xs), min(xs), max(xs))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(os.path.dirname(HERE),
                                                    "build"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--ci", action="store_true",
                    help="CI size (2 districts x 3 communes x 60 updates, "
                    "1 run): it must run and every store verify")
    args = ap.parse_args(argv)
    sizes = (10, 10, 1000)
    if args.ci:
        sizes, args.runs, args.batch = wl.STD_CI_SIZES, 1, 20
    tool = os.path.join(args.build, "bench", "dongbo-store-bench")
    units_path = os.path.join(fed.DATA, "dvhc-2025-03.tsv")
    units = wl.load_units(units_path)
    _, updates = standard_data(units, *sizes)
    parent = units.parent
    district = sorted(set(parent[c] for c in updates))[0]
    with tempfile.TemporaryDirectory(prefix="dongbo-store-bench-") as tmp:
        views = []
        path = os.path.join(tmp, "province.tsv")
        records_file(path, updates, lambda u: parent[u])
        views.append(("province %s, %d districts" % (wl.PROVINCE,
                                                      sizes[0]),
                      wl.PROVINCE, path))
        path = os.path.join(tmp, "district.tsv")
        records_file(path, {u: r for u, r in updates.items()
                            if parent[u] == district}, lambda u: u)
        views.append(("district %s, %d communes" % (district, sizes[1]),
                      district, path))
        print("%-32s %8s %8s %22s %22s" % ("store", "records", "commits",
                                           "CPU us/record", "wall us/record"))
        for label, home, path in views:
            rows = run_view(tool, units_path, home, path, args.batch,
                            args.runs, tmp)
            print("%-32s %8s %8s %22s %22s" % (
                label, rows[0]["records"], rows[0]["commits"],
                summary(rows, "cpu_us_per_record"),
                summary(rows, "wall_us_per_record")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
