#!/usr/bin/env python3
"""make_corpus.py -- writes the seed corpus of the fuzz targets.

The protocol seeds are real protobuf encodings of dongbo.proto messages,
written by hand here (varints, zigzag, length-delimited fields) so that no
protobuf package is needed; the text seeds are small versions of the files
the project reads (data/catalog.ini, data/dvhc-*.tsv, dongbo.conf, import
CSVs).  Each target gets valid inputs that reach deep into its decoder and
a few malformed ones.  Files are named NN-what so that the replay runs them
in order (the sync seeds say Hello before they Push).

    tests/fuzz/make_corpus.py        # rewrites tests/fuzz/corpus/
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

ID_A = "0123456789abcdef0123456789abcdef"
ID_B = "fedcba9876543210fedcba9876543210"


# ---- protobuf wire format ----

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def f_varint(field, n):
    return varint(field << 3) + varint(n)


def f_sint(field, n):
    return f_varint(field, zigzag(n))


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(field << 3 | 2) + varint(len(data)) + data


def msg(*fields):
    return b"".join(fields)


# ---- sync (SyncRequest) ----

def record(unit, ind, period, value, version, seq, deleted=False,
           stated=False, origin=None):
    return msg(f_bytes(1, unit), f_bytes(2, ind), f_bytes(3, period),
               f_sint(4, value), f_varint(5, version),
               f_varint(6, int(deleted)), f_varint(7, seq),
               f_varint(8, int(stated)),
               f_bytes(9, origin) if origin is not None else b"")


def hello(unit, store_id, catalog_version=0, protocol=1):
    return f_bytes(1, msg(f_varint(1, protocol), f_bytes(2, unit),
                          f_bytes(3, store_id),
                          f_varint(4, catalog_version)))


def approval(unit, form, period, state, version, seq, node="07201",
             changed=False, user="", note="", at_ms=1700000000000):
    return msg(f_bytes(1, unit), f_bytes(2, form), f_bytes(3, period),
               f_varint(4, state), f_varint(5, int(changed)),
               f_varint(6, version), f_varint(7, at_ms), f_bytes(8, node),
               f_bytes(9, user), f_bytes(10, note), f_varint(11, seq))


def push(unit, store_id, first, last, head, records, approvals=(),
         approvals_after=0, approvals_store="", subtree=None):
    return f_bytes(2, msg(f_bytes(1, unit), f_bytes(2, store_id),
                          f_varint(3, first), f_varint(4, last),
                          f_varint(5, head),
                          *[f_bytes(6, r) for r in records],
                          f_bytes(16, subtree) if subtree is not None
                          else b"",
                          *[f_bytes(20, a) for a in approvals],
                          f_varint(21, approvals_after)
                          if approvals_after else b"",
                          f_bytes(22, approvals_store)
                          if approvals_store else b""))


def link_summary(unit, seen_ago, applied, lag, refused, health):
    return msg(f_bytes(1, unit), f_varint(2, seen_ago & (1 << 64) - 1),
               f_varint(3, applied), f_varint(4, lag & (1 << 64) - 1),
               f_varint(5, refused), f_bytes(6, health))


def node_summary(unit, hosts=(), links=(), waiting=0, refused=0,
                 health="ok", age=0, made=0, catalog=2):
    return msg(f_bytes(1, unit), f_bytes(2, ID_A),
               *[f_bytes(3, h) for h in hosts], f_varint(4, catalog),
               f_varint(5, 7), f_varint(6, waiting), f_varint(7, refused),
               f_bytes(8, health), f_varint(9, age & (1 << 64) - 1),
               *[f_bytes(10, ln) for ln in links],
               f_varint(11, made))


def subtree(*nodes):
    return msg(*[f_bytes(1, n) for n in nodes])


def restore(unit, store_id, restore_unit, after=("", "", False), max_=100):
    return f_bytes(3, msg(f_bytes(1, unit), f_bytes(2, store_id),
                          f_bytes(3, restore_unit), f_bytes(4, after[0]),
                          f_bytes(5, after[1]), f_varint(6, int(after[2])),
                          f_varint(7, max_)))


NOW = 1700000000000000  # versions are microsecond times

SYNC = {
    "01-hello-213": hello("213", ID_A),
    "02-push-213-values": push("213", ID_A, 1, 3, 3, [
        record("07201", "hs_tiep_nhan", "2022", 1234, NOW, 1),
        record("07207", "hs_moi_tiep_nhan", "2022Q3", 17, NOW + 1, 2),
        record("213", "hs_tiep_nhan", "2022", 5000, NOW + 2, 3,
               stated=True),
    ]),
    "03-push-213-retract": push("213", ID_A, 4, 4, 4, [
        record("07201", "hs_tiep_nhan", "2022", 0, NOW + 3, 4,
               deleted=True),
    ]),
    "04-push-213-replayed": push("213", ID_A, 1, 3, 4, [
        record("07201", "hs_tiep_nhan", "2022", 1234, NOW, 1),
    ]),
    "05-push-213-empty-heartbeat": push("213", ID_A, 5, 4, 4, []),
    "06-restore-213": restore("213", ID_A, "07201"),
    "07-restore-213-after": restore("213", ID_A, "213",
                                    ("hs_tiep_nhan", "2022", True), 1),
    # Hostile but well formed.
    "10-push-outside-subtree": push("213", ID_A, 5, 6, 6, [
        record("07243", "hs_tiep_nhan", "2022", 1, NOW + 4, 5),
        record("02501", "hs_tiep_nhan", "2022", 1, NOW + 5, 6),
    ]),
    # Refused record by record (configuration skew, daemon/sync.c).
    "11-push-bad-values": push("213", ID_A, 7, 10, 10, [
        record("07201", "hs_tiep_nhan", "2022", -5, NOW + 6, 7),
        record("07201", "no_such_indicator", "2022", 1, NOW + 7, 8),
        record("07201", "hs_tiep_nhan", "2022Q2", 1, 1 << 62, 9),
        record("07201", "ty_le_giai_quyet_dung_han", "2022", 1,
               (1 << 64) - 1, 10),
    ]),
    "12-push-gap": push("213", ID_A, 100, 101, 101, [
        record("07201", "hs_tiep_nhan", "2022", 1, NOW, 100)]),
    "13-push-out-of-order": push("213", ID_A, 11, 12, 12, [
        record("07201", "hs_tiep_nhan", "2023", 1, NOW, 12),
        record("07201", "hs_tiep_nhan", "2024", 1, NOW, 11)]),
    "14-hello-claims-parent": hello("24", ID_B),
    "15-hello-other-province": hello("25", ID_B),
    "16-hello-unknown-unit": hello("99999", ID_B),
    "17-hello-future-protocol": hello("215", ID_B, 7, 4000000000),
    "18-hello-bad-store-id": hello("215", "not-a-store-id"),
    "19-restore-outside": restore("213", ID_A, "07243"),
    "20-push-without-hello": push("215", ID_B, 1, 1, 1, [
        record("07243", "hs_tiep_nhan", "2022", 1, NOW, 1)]),
    # Origins: within the child's subtree, outside it, unknown, overlong.
    "21-push-213-origins": push("213", ID_A, 11, 14, 14, [
        record("07201", "hs_nhan_truc_tuyen", "2022", 3, NOW + 9, 11,
               origin="07201"),
        record("07207", "hs_nhan_truc_tuyen", "2022", 4, NOW + 9, 12,
               origin="07243"),
        record("213", "hs_nhan_truc_tuyen", "2022", 5, NOW + 9, 13,
               origin="no-such-unit"),
        record("213", "hs_tiep_nhan", "2023", 6, NOW + 9, 14,
               origin="x" * 300),
    ]),
    # Refused whole: records no dongbod writes (daemon/sync.c).
    "21-push-malformed-period": push("213", ID_A, 11, 11, 11, [
        record("07201", "hs_tiep_nhan", "99999M13", 1, NOW + 8, 11)]),
    "22-push-version-zero": push("213", ID_A, 11, 12, 12, [
        record("07201", "hs_tiep_nhan", "2021", 1, NOW + 9, 11),
        record("07201", "hs_tiep_nhan", "2020", 1, 0, 12)]),
    "23-push-deleted-with-value": push("213", ID_A, 11, 11, 11, [
        record("07201", "hs_tiep_nhan", "2022", 7, NOW + 9, 11,
               deleted=True)]),
    "24-push-bad-codes": push("213", ID_A, 11, 12, 12, [
        record("", "hs_tiep_nhan", "2022", 1, NOW + 9, 11),
        record("07201", "HS TIEP NHAN", "2022", 1, NOW + 9, 12)]),
    # Status travelling up (daemon/tree.h): 213 for itself and 07201;
    # entries outside its subtree, unknown units, hosts and links that are
    # not its own, a negative age, a health no node says.
    "27-push-213-subtree": push("213", ID_A, 15, 14, 14, [], subtree=subtree(
        node_summary("213", hosts=["07210", "07243", "24", "99999"],
                     links=[link_summary("07201", 1200, 3, 0, 1, "ok"),
                            link_summary("07243", -5, 0, -1, 0, "stalled"),
                            link_summary("213", 0, 0, 0, 0, "\x1b[31m")],
                     made=NOW // 1000),
        node_summary("07201", waiting=4, refused=1, health="stalled",
                     age=-40, catalog=9),
        node_summary("215"), node_summary("99999"),
        node_summary("07201", health="offline"))),
    "28-push-subtree-not-led-by-child": push(
        "213", ID_A, 15, 14, 14, [],
        subtree=subtree(node_summary("07201"), node_summary("213"))),
    "29-push-subtree-empty": push("213", ID_A, 15, 14, 14, [],
                                  subtree=subtree()),
    "25-restore-bad-key": restore("213", ID_A, "213",
                                  ("HS TIEP NHAN", "2022", False)),
    "26-restore-without-hello": restore("216", ID_B, "216"),
    # Approval states (issue 6 point 3): beside records, refused alone
    # outside the subtree, refused whole when malformed.
    "40-push-213-approvals": push("213", ID_A, 15, 17, 17, [
        record("07201", "hs_tiep_nhan", "2022", 9, NOW + 10, 15)], [
        approval("07201", "II.06c", "2022", 1, NOW + 11, 16),
        approval("07201", "II.06c", "2022", 2, NOW + 12, 17, node="213",
                 changed=True, user="lan", note="Đã duyệt")],
        approvals_after=3, approvals_store=ID_B),
    "41-push-approval-outside": push("213", ID_A, 18, 18, 18, [], [
        approval("07243", "II.06c", "2022", 1, NOW + 13, 18)]),
    "42-push-approval-malformed": push("213", ID_A, 18, 19, 19, [], [
        approval("07201", "II.06c", "2022Q9", 1, NOW + 13, 18),
        approval("07201", "", "2022", 9, 0, 19, node="")]),
    "43-push-approval-on-record-seq": push("213", ID_A, 18, 18, 18, [
        record("07201", "hs_tiep_nhan", "2022", 9, NOW + 14, 18)], [
        approval("07201", "II.06c", "2022", 1, NOW + 14, 18)]),
    "44-push-heartbeat-cursor": push("213", ID_A, 18, 17, 17, [],
                                     approvals_after=(1 << 64) - 1,
                                     approvals_store="x" * 40),
    "45-push-approval-long-note": push("213", ID_A, 18, 18, 18, [], [
        approval("07201", "II.06c", "2022", 3, NOW + 15, 18,
                 note="n" * 400)]),
    # Malformed.
    "30-empty": b"",
    "31-truncated-push": push("213", ID_A, 1, 3, 3, [
        record("07201", "hs_tiep_nhan", "2022", 1, NOW, 1)])[:-7],
    "32-bad-wire-type": bytes([0x0F, 0xFF, 0xFF]),
    "33-huge-length": bytes([0x12]) + varint(1 << 40),
}


# ---- control (CtlRequest) ----

def put_item(unit, ind, period, value, stated=False, line=0, retract=False):
    return msg(f_bytes(1, unit), f_bytes(2, ind), f_bytes(3, period),
               f_bytes(4, value), f_varint(5, int(stated)),
               f_varint(6, line), f_varint(7, int(retract)))


def put(*items):
    return f_bytes(1, msg(*[f_bytes(1, i) for i in items]))


def key(field, unit, ind, period, stated=False):
    return f_bytes(field, msg(f_bytes(1, unit), f_bytes(2, ind),
                              f_bytes(3, period), f_varint(4, int(stated))))


CTL = {
    "01-put": put(put_item("24", "hs_tiep_nhan", "2022", "1.234", line=2),
                  put_item("213", "hs_moi_tiep_nhan", "2022Q1", "17"),
                  put_item("07201", "hs_nhan_truc_tuyen", "2022", "5")),
    "02-put-stated": put(put_item("24", "hs_tiep_nhan", "2022", "283881",
                                  stated=True)),
    "03-put-retract": put(put_item("07201", "hs_nhan_truc_tuyen", "2022",
                                   "", retract=True)),
    "04-get": key(2, "24", "hs_tiep_nhan", "2022"),
    "05-get-stated": key(2, "24", "hs_tiep_nhan", "2022", True),
    "06-rollup": key(3, "24", "hs_tiep_nhan", "2022"),
    "07-rollup-ratio": key(3, "24", "ty_le_giai_quyet_dung_han", "2022"),
    "08-status": f_varint(4, 1),
    "09-export": f_bytes(5, msg(f_bytes(1, "24"), f_bytes(2, "2022"))),
    "10-catalog": f_bytes(6, b""),
    "11-report": f_bytes(7, msg(f_bytes(1, "24"), f_bytes(2, "2022"),
                                f_bytes(3, "II.06c"))),
    "12-check": f_bytes(8, msg(f_bytes(1, "24"), f_bytes(2, "2022"))),
    "13-rejected-retry": f_bytes(9, msg(f_varint(1, 1), f_bytes(2, "213"))),
    "14-restore": f_bytes(10, b""),
    "15-verify": f_bytes(11, b""),
    "16-log-unit": f_bytes(12, msg(f_bytes(1, "24"))),
    "18-tree": f_bytes(21, b""),
    "19-tree-213": f_bytes(21, msg(f_bytes(1, "213"))),
    "28-tree-outside": f_bytes(21, msg(f_bytes(1, "01"))),
    "29-tree-unknown": f_bytes(21, msg(f_bytes(1, "99999"))),
    "17-log-key-page": f_bytes(12, msg(f_bytes(1, "07201"),
                                       f_bytes(2, "hs_nhan_truc_tuyen"),
                                       f_bytes(3, "2022"), f_varint(4, 0),
                                       f_varint(5, 3), f_varint(6, 1))),
    # Hostile but well formed.
    "20-put-bad-values": put(
        put_item("24", "hs_tiep_nhan", "2022", "-5"),
        put_item("25", "hs_tiep_nhan", "2022", "1"),
        put_item("24", "ty_le_giai_quyet_dung_han", "2022", "50"),
        put_item("24", "hs_tiep_nhan", "2022M13", "1"),
        put_item("24", "hs_tiep_nhan", "2022", "1.200")),
    "21-report-unknown-form": f_bytes(7, msg(f_bytes(1, "24"),
                                             f_bytes(2, "9999"),
                                             f_bytes(3, "NO.FORM"))),
    "22-get-unknown": key(2, "99999", "nope", "x"),
    "23-export-bad-period": f_bytes(5, msg(f_bytes(1, "213"),
                                           f_bytes(2, "2022Q5"))),
    "24-log-period-without-indicator": f_bytes(12, msg(f_bytes(1, "24"),
                                                       f_bytes(3, "2022"))),
    "25-log-stated-of-a-ratio": f_bytes(12, msg(
        f_bytes(1, "24"), f_bytes(2, "ty_le_giai_quyet_dung_han"),
        f_varint(4, 1))),
    "26-missing-form": f_bytes(20, msg(f_bytes(1, "24"), f_bytes(2, "2022"),
                                       f_bytes(3, "II.06c"))),
    "27-missing-all-unknown-form": f_bytes(20, msg(
        f_bytes(1, "213"), f_bytes(2, "2022Q3"), f_bytes(3, "II.99"),
        f_varint(4, 1))),
    # Submission and approval (issue 6 point 3).
    "40-submit": f_bytes(30, msg(f_bytes(1, "07201"), f_bytes(2, "2022"),
                                 f_bytes(3, "II.06c"), f_bytes(4, "submit"),
                                 f_bytes(5, "Báo cáo năm"))),
    "41-approve": f_bytes(30, msg(f_bytes(1, "213"), f_bytes(2, "2022"),
                                  f_bytes(3, "II.06c"),
                                  f_bytes(4, "approve"))),
    "42-return-without-note": f_bytes(30, msg(
        f_bytes(1, "07201"), f_bytes(2, "2022Q3"), f_bytes(3, "II.06c"),
        f_bytes(4, "return"))),
    "43-reopen": f_bytes(30, msg(f_bytes(1, "07201"), f_bytes(2, "2022"),
                                 f_bytes(3, "II.06c"), f_bytes(4, "reopen"))),
    "44-approval-query": f_bytes(31, msg(f_bytes(1, "24"), f_bytes(2, "2022"),
                                         f_bytes(3, "II.06c"))),
    "45-approval-query-every-form": f_bytes(31, msg(f_bytes(1, "213"),
                                                    f_bytes(2, "2022S1"))),
    "46-approval-bad-action": f_bytes(30, msg(
        f_bytes(1, "24"), f_bytes(2, "2022"), f_bytes(3, "NO.FORM"),
        f_bytes(4, "lock"), f_bytes(5, "n" * 300))),
    # Malformed.
    "30-empty": b"",
    "31-truncated-put": put(put_item("24", "hs_tiep_nhan", "2022",
                                     "1"))[:-4],
    "32-unknown-field": f_varint(99, 1),
}


# ---- text files ----

CONFIG = {
    "01-root": "[node]\nunit = 24\nunits = units.tsv\n"
               "catalog = catalog.ini\n",
    "02-full": "; written by dongbo init\n[node]\nunit = 213\n"
               "units = /srv/dongbo/dvhc-2025-03.tsv\n"
               "catalog = /srv/dongbo/catalog.ini\nhosts = 07201 07207\n"
               "hosts = 07210\nlog_level = debug\n"
               "[parent]\nurl = tcp://127.0.0.1:7000\n"
               "[listen]\nurl = tcp://127.0.0.1:7001\n"
               "[store]\nmap_size_mb = 64\nmap_size_max_mb = 1024\n"
               "[sync]\nbatch_max = 500\nheartbeat_ms = 100\n"
               "timeout_ms = 2000\nstall_ms = 30000\n",
    "10-unknown-key": "[node]\nunit = 24\nunits = u\ncatalog = c\n"
                      "colour = blue\n",
    "11-out-of-range": "[node]\nunit = 24\nunits = u\ncatalog = c\n"
                       "[store]\nmap_size_mb = 99999999999999999999\n"
                       "[sync]\nbatch_max = -1\n",
    "12-no-section": "unit = 24\n",
    "13-truncated": "[node]\nunit = 24\nunits = u\ncat",
    "14-empty": "",
}

CATALOG = {
    "01-small": """[catalog]
version = 3
title = Danh mục thử

[hs_tiep_nhan]
name = Tổng số hồ sơ đã tiếp nhận
unit = Hồ sơ
type = count

[hs_moi_tiep_nhan]
name = Số hồ sơ mới tiếp nhận
unit = Hồ sơ

[hs_ton_ky_truoc]
name = Số hồ sơ từ kỳ trước chuyển qua
unit = Hồ sơ
time = first

[hs_truoc_han]
name = Trước hạn
unit = Hồ sơ

[hs_dung_han]
name = Đúng hạn
unit = Hồ sơ

[hs_dung_han_ca]
name = Đúng hạn (cả trước hạn)
unit = Hồ sơ
rule = total
parts = hs_truoc_han + hs_dung_han

[ty_le_dung_han]
name = Tỷ lệ đúng hạn
unit = %
rule = ratio
numerator = hs_dung_han_ca
denominator = hs_tiep_nhan
percent = yes

[chi_phi]
name = Chi phí số hóa
unit = triệu đồng
type = money
scale = 1
min = 0

[diem]
name = Điểm
unit = Điểm
type = decimal
scale = 2
rule = mean
time = last
max = 100

[lgsp]
name = LGSP
unit = Trạng thái
type = enum
value.0 = Chưa
value.1 = Đang làm
value.2 = Hoàn thành

[co_cong]
name = Có cổng dịch vụ công
unit = Có/Không
type = bool

[form II.06c]
title = Tình hình, kết quả giải quyết TTHC
basis = Thông tư 01/2020/TT-VPCP

[row II.06c 1]
label = Tiếp nhận

[row II.06c 1.1]
indicator = hs_tiep_nhan

[row II.06c 1.2]
indicator = ty_le_dung_han
level = xa

[rule nhan_bang_moi_cong_ton]
text = Tiếp nhận = mới tiếp nhận + từ kỳ trước
left = hs_tiep_nhan
op = eq
right = hs_moi_tiep_nhan + hs_ton_ky_truoc

[rule dung_han_khong_qua_nhan]
text = Đúng hạn không quá tiếp nhận
left = hs_dung_han_ca
op = le
right = hs_tiep_nhan
severity = warning
""",
    "02-minimal": "[catalog]\nversion = 1\n[a]\nname = A\nunit = x\n",
    "10-cycle": "[catalog]\nversion = 1\n"
                "[a]\nname = A\nunit = x\nrule = total\nparts = b + a\n"
                "[b]\nname = B\nunit = x\nrule = total\nparts = a + b\n",
    "11-dangling": "[catalog]\nversion = 1\n[r]\nname = R\nunit = %\n"
                   "rule = ratio\nnumerator = n\ndenominator = d\n",
    "12-duplicate": "[catalog]\nversion = 1\n[a]\nname = A\nunit = x\n"
                    "[a]\nname = A\nunit = x\n",
    "13-bad-enum": "[catalog]\nversion = 1\n[e]\nname = E\nunit = x\n"
                   "type = enum\nvalue.99999999999999999999 = x\n",
    "14-truncated": "[catalog]\nversion = 1\n[hs\n",
}

UNITS_HEAD = "code\tparent\tlevel\tname\n"
UNITS = {
    "01-tree": UNITS_HEAD + "24\t\ttinh\tTinh 24\n213\t24\thuyen\tHuyen 213\n"
               "215\t24\thuyen\tHuyen 215\n07201\t213\txa\tXa 07201\n"
               "07207\t213\txa\tXa 07207\n07300\t215\txa\tXa 07300\n"
               "25\t\ttinh\tTinh 25\n",
    "03-from-until": "code\tparent\tlevel\tname\tfrom\tuntil\n"
                     "24\t\ttinh\tTinh\t\t\n"
                     "213\t24\thuyen\tHuyen\t\t2025M06\n"
                     "07201\t213\txa\tXa cu\t2020\t2025Q2\n"
                     "25001\t24\txa\tXa moi\t2025M07\t\n"
                     "25002\t24\txa\tXa sai\t2025M07\t2025Q2\n",
    "02-dvhc-columns": "code\tparent\tlevel\ttype\tname\n"
                       "24\t\ttinh\tTỉnh\tTỉnh Bắc Giang\n"
                       "213\t24\thuyen\tThành phố\tThành phố Bắc Giang\n"
                       "07201\t213\txa\tPhường\tPhường Thọ Xương\n",
    "03-other-order": "name\tlevel\tcode\tparent\nViet Nam\tquocgia\tVN\t\n"
                      "Vung 1\tvung\tR1\tVN\nCo so\tcoso\tC1\tR1\n",
    "10-cycle": UNITS_HEAD + "A\tB\tx\tA\nB\tA\tx\tB\n",
    "11-duplicate": UNITS_HEAD + "24\t\ttinh\tA\n24\t\ttinh\tB\n",
    "12-unknown-parent": UNITS_HEAD + "213\t24\thuyen\tH\n",
    "13-missing-column": "code\tname\n24\tTinh\n",
    "14-long-code": UNITS_HEAD + "0123456789012345678\t\ttinh\tX\n",
    "15-ragged": UNITS_HEAD + "24\t\ttinh\n213\t24\n",
}

CSV = {
    "01-comma": "unit,indicator,period,value,stated\n"
                "07201,hs_nhan_truc_tuyen,2022,1234,0\n"
                "07201,chi_phi_so_hoa,2022,\"1.234,5\",0\n"
                "213,hs_tiep_nhan,2022,52414,1\n",
    "02-semicolon-bom": "\ufeffUnit;Indicator;Period;Value\n"
                        "24;hs_tiep_nhan;2022Q3;1.234\n\n"
                        "24; hs_moi_tiep_nhan ;2022Q3;\"  7 \"\n",
    "03-tab-crlf": "value\tperiod\tindicator\tunit\r\n"
                   "99,98\t2022\tty_le\t24\r\n",
    "04-quoted-quote": "unit,indicator,period,value\n"
                       "24,x,2022,\"a\"\"b\"\n",
    "10-duplicate-key": "unit,indicator,period,value\n24,x,2022,1\n"
                        "24,x,2022,2\n",
    "11-missing-column": "unit,indicator,value\n24,x,1\n",
    "12-wrong-field-count": "unit,indicator,period,value\n24,x,2022\n",
    "13-bad-utf8": b"unit,indicator,period,value\n24,x\xff\xfe,2022,1\n",
    "14-open-quote": "unit,indicator,period,value\n24,x,2022,\"1\n2\"\n",
    "15-bad-stated": "unit,indicator,period,value,stated\n24,x,2022,1,yes\n",
    "16-header-only": "unit,indicator,period,value\n",
}

TARGETS = {
    "fuzz_sync_request": SYNC,
    "fuzz_ctl_request": CTL,
    "fuzz_config": CONFIG,
    "fuzz_catalog": CATALOG,
    "fuzz_units": UNITS,
    "fuzz_csv_import": CSV,
}


def main():
    for target, seeds in TARGETS.items():
        d = os.path.join(CORPUS, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in seeds.items():
            if isinstance(data, str):
                data = data.encode()
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    print("wrote %d seeds under %s" %
          (sum(len(s) for s in TARGETS.values()), CORPUS))


if __name__ == "__main__":
    main()
