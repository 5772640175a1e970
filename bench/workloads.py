"""
workloads.py -- the federations and the data of the benchmarks (issue 7),
shared by bench.py and compare.py.
"""

import os

import fed  # noqa: F401 -- first: it puts the test harness on the path
import federation
from fed import DATA, Units

PROVINCE = "24"  # Tỉnh Bắc Giang: 10 districts, 195 communes (03/2025)


def catalog_indicators(path=None, want=None):
    """Enterable indicators of the catalog, in file order, as (code, type,
    rule, time); want: a predicate on those."""
    fields = federation.catalog_indicators(
        path or os.path.join(DATA, "catalog.ini"))
    out = []
    for code, kv in fields.items():
        if "type" not in kv or kv.get("rule") == "total" or \
                kv.get("computed") or kv.get("formula"):
            continue
        ind = (code, kv["type"], kv.get("rule"), kv.get("time"))
        if want is None or want(ind):
            out.append(ind)
    return out


def sum_counts(n):
    """n count indicators that add up over units and over time."""
    inds = catalog_indicators(want=lambda i: i[1:] == ("count", "sum",
                                                       "sum"))
    if len(inds) < n:
        raise ValueError("the catalog has %d count/sum/sum indicators, "
                         "not %d" % (len(inds), n))
    return [i[0] for i in inds[:n]]


def months(n, start=2021):
    return ["%dM%02d" % (start + m // 12, m % 12 + 1) for m in range(n)]


# ---- standard: 100 communes under 10 districts under 1 province ----

STD_INDICATORS = 20
# The standard workload's shape in a CI-sized run (--ci): districts,
# communes per district, updates per commune.
STD_CI_SIZES = (2, 3, 60)


def standard_tree(units, districts=10, communes=10):
    """[(name, unit, kind, parent name, listens)] for the province, its
    first `districts` districts and the first `communes` communes of
    each."""
    tree = [("p" + PROVINCE, PROVINCE, "province", None, True)]
    for d in units.kids(PROVINCE)[:districts]:
        tree.append(("d" + d, d, "district", "p" + PROVINCE, True))
        kids = units.kids(d)[:communes]
        if len(kids) < communes:
            raise ValueError("district %s has %d communes" % (d, len(kids)))
        for c in kids:
            tree.append(("c" + c, c, "commune", "d" + d, False))
    return tree


def standard_value(c, k):
    return (7919 * c + 104729 * k) % 1000 + 1


def standard_updates(communes, updates, indicators, periods):
    """{commune unit: [(indicator, period, value)]}: commune number c
    writes update k = (indicator k mod 20, period k div 20)."""
    out = {}
    for c, unit in enumerate(communes):
        out[unit] = [(indicators[k % len(indicators)],
                      periods[k // len(indicators)],
                      standard_value(c, k)) for k in range(updates)]
    return out


def expected_cells(updates):
    """{(indicator, period): the province's sum} of standard updates."""
    cells = {}
    for rows in updates.values():
        for ind, per, v in rows:
            cells[(ind, per)] = cells.get((ind, per), 0) + v
    return cells


def write_csv(path, unit, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write("unit,indicator,period,value\n")
        for ind, per, v in rows:
            f.write("%s,%s,%s,%s\n" % (unit, ind, per, v))


def load_units(path=None):
    return Units(path or os.path.join(DATA, "dvhc-2025-03.tsv"))


# ---- a real province, the catch-up, the nation ----

QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def province_indicators(n=150):
    """n enterable indicators for the real-province and national loads:
    every count first, then decimals; (code, rule)."""
    counts = catalog_indicators(want=lambda i: i[1] == "count")
    decimals = catalog_indicators(want=lambda i: i[1] == "decimal")
    inds = (counts + decimals)[:n]
    if len(inds) < n:
        raise ValueError("the catalog has %d counts and decimals, not %d"
                         % (len(inds), n))
    return [(i[0], i[1], i[2]) for i in inds]


def typed_value(kind, rng):
    if kind == "count":
        return str(rng.randint(0, 5000))
    return "%d.%d" % (rng.randint(0, 99), rng.randint(0, 9))


def quarterly_rows(unit, inds, rng):
    """150 indicators x 4 quarters of one commune: [(ind, period, value
    text)]."""
    return [(code, q, typed_value(kind, rng)) for code, kind, _ in inds
            for q in QUARTERS]


def summed_cells(rows_by_unit, inds):
    """{(indicator, period): sum} over the units, for the indicators
    that add up over units (rule sum)."""
    summed = {code for code, kind, rule in inds
              if kind == "count" and rule == "sum"}
    cells = {}
    for rows in rows_by_unit.values():
        for ind, per, v in rows:
            if ind in summed:
                cells[(ind, per)] = cells.get((ind, per), 0) + int(v)
    return cells


def province_tree(units, province=PROVINCE):
    """The province as it is: every district and commune a node."""
    tree = [("p" + province, province, "province", None, True)]
    for d in units.kids(province):
        tree.append(("d" + d, d, "district", "p" + province, True))
        for c in units.kids(d):
            tree.append(("c" + c, c, "commune", "d" + d, False))
    return tree


def catchup_indicators():
    """Counts added up over units (time rules vary)."""
    return catalog_indicators(want=lambda i: i[1] == "count" and
                              i[2] == "sum")


def catchup_changes(n_units, total, rng):
    """total distinct (indicator, month) keys spread over n_units
    communes: [[(ind, period, value)] per commune]."""
    inds = [i[0] for i in catchup_indicators()]
    per = total // n_units
    months_all = ["%dM%02d" % (y, m) for y in range(1990, 2101)
                  for m in range(1, 13)]
    if per > len(inds) * len(months_all):
        raise ValueError("%d changes per commune: more than %d distinct "
                         "keys" % (per, len(inds) * len(months_all)))
    out = []
    for _ in range(n_units):
        rows = []
        for k in range(per):
            rows.append((inds[k % len(inds)], months_all[k // len(inds)],
                         rng.randint(1, 999)))
        out.append(rows)
    return out


NATIONAL_ROOT = ("VN", "quoc_gia", "Quốc gia",
                 "Nước Cộng hòa xã hội chủ nghĩa Việt Nam")


def national_units(src, dst):
    """The unit list with one node above the provinces (the hierarchy is
    data: nothing else changes)."""
    with open(src, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = [lines[0], "\t".join((NATIONAL_ROOT[0], "") + NATIONAL_ROOT[1:])]
    for line in lines[1:]:
        if not line:
            continue
        p = line.split("\t")
        if p[1] == "":
            p[1] = NATIONAL_ROOT[0]
        out.append("\t".join(p))
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
