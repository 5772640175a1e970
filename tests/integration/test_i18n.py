#!/usr/bin/env python3
"""The Vietnamese interface: the CLI under LANGUAGE=vi speaks Vietnamese
(help, usage errors, and the node's error replies, which the CLI
translates), and without it stays English.

LC_ALL=C.UTF-8 with LANGUAGE=vi: glibc ignores LANGUAGE only under the
"C"/"POSIX" locale, and C.UTF-8 is built into Debian 12's glibc, so no
vi_VN locale needs to be generated.  The node itself runs in English,
except for one started in Vietnamese to read a broken dongbo.conf."""
import argparse, os, shutil, signal, subprocess, sys, tempfile, time

def run(args, env):
    return subprocess.run(args, env=env, capture_output=True, text=True,
                          timeout=30)

def expect(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok:", what)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--dongbod", required=True)
    ap.add_argument("--dongbo", required=True)
    a = ap.parse_args()
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE")}
    en = dict(base, LC_ALL="C")
    vi = dict(base, LC_ALL="C.UTF-8", LANGUAGE="vi")
    tmp = tempfile.mkdtemp(prefix="dongbo-i18n-")
    node = None
    try:
        d = os.path.join(tmp, "n24")
        r = run([a.dongbo, "init", d, "--unit", "24"], en)
        expect(r.returncode == 0, "init a node: " + r.stderr.strip())
        node = subprocess.Popen([a.dongbod, d], env=en,
                                stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(tmp, "log"), "w"))
        deadline = time.monotonic() + 20
        while run([a.dongbo, "-C", d, "status"], en).returncode != 0:
            if time.monotonic() > deadline or node.poll() is not None:
                sys.exit("FAIL: the node did not start")
            time.sleep(0.1)

        r = run([a.dongbo, "--help"], vi)
        expect(r.returncode == 0 and "Cách dùng: dongbo" in r.stdout
               and "Kỳ báo cáo" in r.stdout, "--help in Vietnamese")
        r = run([a.dongbo, "--help"], en)
        expect("Usage: dongbo" in r.stdout, "--help in English by default")
        r = run([a.dongbo, "frob"], vi)
        expect(r.returncode == 2 and "không phải là lệnh của dongbo"
               in r.stderr, "a usage error in Vietnamese")
        r = run([a.dongbo, "-C", d, "get", "24"], vi)
        expect(r.returncode == 2 and "cần 3 đối số, nhận được 1" in r.stderr,
               "an argument count error in Vietnamese: " + r.stderr.strip())
        r = run([a.dongbo, "-C", d, "get", "99999", "hs_tiep_nhan", "2022"],
                vi)
        expect(r.returncode == 1 and "đơn vị '99999' không xác định"
               in r.stderr, "the node's error in Vietnamese: "
               + r.stderr.strip())
        r = run([a.dongbo, "-C", d, "get", "99999", "hs_tiep_nhan", "2022"],
                en)
        expect(r.returncode == 1 and "unknown unit '99999'" in r.stderr,
               "the node's error in English by default")
        r = run([a.dongbo, "-C", d, "get", "24", "hs_tiep_nhan", "2022x"],
                vi)
        expect("kỳ báo cáo '2022x' sai định dạng" in r.stderr,
               "a malformed period in Vietnamese: " + r.stderr.strip())

        # A value refused by meta/ at the node: its format and arguments
        # travel, and the suffix naming the indicator is a piece of its own.
        put = [a.dongbo, "-C", d, "put", "24", "hs_tiep_nhan", "2022", "abc"]
        r = run(put, vi)
        expect(r.returncode == 1 and "'abc' không phải là số đếm" in r.stderr
               and "(chỉ tiêu hs_tiep_nhan)" in r.stderr,
               "a value refused by the node in Vietnamese: "
               + r.stderr.strip())
        r = run(put, en)
        expect(r.returncode == 1 and "'abc' is not a count" in r.stderr
               and "(indicator hs_tiep_nhan)" in r.stderr,
               "a value refused by the node in English by default: "
               + r.stderr.strip())

        # A config error, where it is made: the node's start-up log in the
        # node's language.
        b = os.path.join(tmp, "broken")
        r = run([a.dongbo, "init", b, "--unit", "24"], en)
        expect(r.returncode == 0, "init a second node: " + r.stderr.strip())
        with open(os.path.join(b, "dongbo.conf"), "a") as f:
            f.write("bogus line\n")
        r = run([a.dongbod, b], vi)
        expect(r.returncode != 0 and "cần 'khóa = giá trị' hoặc '[mục]'"
               in r.stderr, "a broken dongbo.conf in Vietnamese: "
               + r.stderr.strip())
        r = run([a.dongbod, b], en)
        expect(r.returncode != 0 and "expected 'key = value' or '[section]'"
               in r.stderr, "a broken dongbo.conf in English by default: "
               + r.stderr.strip())
    finally:
        if node is not None:
            node.send_signal(signal.SIGTERM)
            node.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)

main()
