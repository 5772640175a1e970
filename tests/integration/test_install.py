#!/usr/bin/env python3
"""
test_install.py -- dongbo installs like a service (issue 6, point 7).

    python3 test_install.py install --build DIR --cmake PATH
            --configured-prefix PREFIX --version X.Y.Z [--seed N]

`cmake --install DIR --prefix TMP` into a temporary prefix, then:
  - exactly the expected files are installed, all under TMP, in the GNU
    layout: bin/dongbo, sbin/dongbod, the three man pages, the systemd
    template unit and its sysusers.d file, the example config, the shipped
    data (byte for byte the source's) and pki.sh;
  - the unit runs PREFIX/sbin/dongbod /var/lib/dongbo/%i as the user dongbo
    with its state directory, restart policy, SIGTERM and hardening, and
    `systemd-analyze verify` (when installed) finds nothing wrong with it
    (ExecStart pointed at the installed dongbod, the man pages looked up in
    TMP), and `systemd-sysusers --root` makes its user from the installed
    sysusers.d file;
  - every man page renders with `man -l`;
  - the INSTALLED programs run: --version, --help; `dongbo init` with no
    --units/--catalog writes the installed data's paths (not the source
    tree's); a province node made so and a commune node whose config is the
    installed example (its data paths and parent url adjusted) talk mutual
    TLS with certificates from the installed pki.sh; a value put at the
    commune reaches the province; both stop on SIGTERM with exit 0;
  - logging: the province, started with JOURNAL_STREAM naming its log file
    (as systemd does), writes "<N>" priority lines only; started again
    without, "TIME dongbod[LEVEL]: " lines, and its store kept the value.

The temp dir is removed on success and kept (its path printed, with the
nodes' logs) on failure.  Exit status 0 on success, 1 on failure, 2 on a
usage error.
"""

import argparse
import filecmp
import glob
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (EXIT_OK, Federation, Node,  # noqa: E402
                        TestFailure, free_tcp_port, log, pick_seed,
                        run_reported)

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# The installed files, relative to the prefix (GNUInstallDirs' defaults).
EXPECTED = [
    "bin/dongbo",
    "sbin/dongbod",
    "share/man/man1/dongbo.1",
    "share/man/man5/dongbo.conf.5",
    "share/man/man8/dongbod.8",
    "lib/systemd/system/dongbod@.service",
    "lib/sysusers.d/dongbo.conf",
    "share/doc/dongbo/examples/dongbo.conf.example",
    "share/dongbo/catalog.ini",
    "share/dongbo/pki.sh",
    "share/locale/vi/LC_MESSAGES/dongbo.mo",
] + ["share/dongbo/" + os.path.basename(p)
     for p in sorted(glob.glob(os.path.join(SOURCE, "data", "*.tsv")))]

EXECUTABLES = ("bin/dongbo", "sbin/dongbod", "share/dongbo/pki.sh")

UNIT_LINES = (
    "User=dongbo",
    "StateDirectory=dongbo/%i",
    "Restart=on-failure",
    "KillSignal=SIGTERM",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "PrivateTmp=yes",
)

IND, PER = "hs_tiep_nhan", "2022"
JOURNAL_LINE = re.compile(r"<[3467]>\S")
TERMINAL_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
                           r"dongbod\[(error|warning|info|debug)\]: ")


def run(argv, timeout=60, env=None):
    p = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout,
                       env=env)
    return p.returncode, p.stdout, p.stderr


def must(argv, what, timeout=60, env=None):
    rc, out, err = run(argv, timeout, env)
    if rc != 0:
        raise TestFailure("%s: `%s` exited %d: %s%s"
                          % (what, " ".join(map(str, argv)), rc, err.strip(),
                             out.strip()))
    return out


def install(a, prefix):
    """cmake --install into prefix; checks what went where."""
    must([a.cmake, "--install", a.build, "--prefix", prefix],
         "cmake --install", timeout=120)
    with open(os.path.join(a.build, "install_manifest.txt"),
              encoding="utf-8") as f:
        manifest = [line.strip() for line in f if line.strip()]
    outside = [p for p in manifest
               if not os.path.abspath(p).startswith(prefix + os.sep)]
    if outside:
        raise TestFailure("installed outside the prefix %s: %s"
                          % (prefix, ", ".join(outside)))
    got = sorted(os.path.relpath(p, prefix) for p in manifest)
    if got != sorted(EXPECTED):
        raise TestFailure("installed files differ from the expected layout:"
                          "\n  missing: %s\n  unexpected: %s"
                          % (sorted(set(EXPECTED) - set(got)),
                             sorted(set(got) - set(EXPECTED))))
    for rel in EXPECTED:
        path = os.path.join(prefix, rel)
        if not os.path.isfile(path):
            raise TestFailure("not installed: %s" % path)
        if rel in EXECUTABLES and not os.access(path, os.X_OK):
            raise TestFailure("installed but not executable: %s" % path)
    for rel in EXPECTED:
        if rel.startswith("share/dongbo/") and rel != "share/dongbo/pki.sh":
            src = os.path.join(SOURCE, "data", os.path.basename(rel))
            if not filecmp.cmp(src, os.path.join(prefix, rel), shallow=False):
                raise TestFailure("%s differs from %s" % (rel, src))
    log("installed %d files under %s" % (len(got), prefix))


def check_unit(a, prefix, tmp):
    path = os.path.join(prefix, "lib/systemd/system/dongbod@.service")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    exec_start = "ExecStart=%s/sbin/dongbod /var/lib/dongbo/%%i" \
        % a.configured_prefix
    for want in (exec_start,) + UNIT_LINES:
        if want not in lines:
            raise TestFailure("%s: no line %r" % (path, want))
    if not any(re.match(r"TimeoutStopSec=\d+s?$", x) for x in lines):
        raise TestFailure("%s: no TimeoutStopSec=" % path)
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        log("systemd-analyze is not installed: `verify` not run on the unit")
        return
    # The configured sbindir is not TMP's: verify a copy that runs the
    # installed dongbod, with the man pages of Documentation= found in TMP.
    copy = os.path.join(tmp, "dongbod@.service")
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text.replace(exec_start, "ExecStart=%s/sbin/dongbod "
                             "/var/lib/dongbo/%%i" % prefix))
    env = dict(os.environ, MANPATH=os.path.join(prefix, "share/man"))
    rc, out, err = run([analyze, "verify", copy], env=env)
    if rc != 0 or out.strip() or err.strip():
        raise TestFailure("systemd-analyze verify %s: exit %d: %s%s"
                          % (copy, rc, out, err))
    log("systemd-analyze verify: the unit is sound")


def check_sysusers(prefix, tmp):
    """systemd-sysusers, into a scratch root, makes the user the unit runs
    as from the installed file."""
    sysusers = shutil.which("systemd-sysusers")
    if sysusers is None:
        log("systemd-sysusers is not installed: the user file not tried")
        return
    root = os.path.join(tmp, "sysroot")
    os.makedirs(os.path.join(root, "etc"))
    must([sysusers, "--root=" + root,
          os.path.join(prefix, "lib/sysusers.d/dongbo.conf")],
         "systemd-sysusers")
    with open(os.path.join(root, "etc/passwd"), encoding="utf-8") as f:
        users = [line.split(":") for line in f]
    if not any(u[0] == "dongbo" and u[5] == "/var/lib/dongbo" for u in users):
        raise TestFailure("systemd-sysusers made no user dongbo with home "
                          "/var/lib/dongbo: %r" % users)
    log("systemd-sysusers makes the system user dongbo")


def check_man(prefix):
    man = shutil.which("man")
    if man is None:
        raise TestFailure("man is not installed (scripts/deps.sh installs "
                          "man-db)")
    for rel, title in (("share/man/man1/dongbo.1", "DONGBO(1)"),
                       ("share/man/man5/dongbo.conf.5", "DONGBO.CONF(5)"),
                       ("share/man/man8/dongbod.8", "DONGBOD(8)")):
        env = dict(os.environ, MANWIDTH="80", MAN_DISABLE_SECCOMP="1")
        out = must([man, "-l", os.path.join(prefix, rel)], "man -l",
                   env=env)
        if not out.startswith(title) or "\nSEE ALSO\n" not in out:
            raise TestFailure("man -l %s does not render (%r...)"
                              % (rel, out[:80]))
    log("man -l renders the three pages")


def check_programs(a, prefix):
    dongbo = os.path.join(prefix, "bin/dongbo")
    dongbod = os.path.join(prefix, "sbin/dongbod")
    for prog, name in ((dongbo, "dongbo"), (dongbod, "dongbod")):
        out = must([prog, "--version"], name)
        if out != "%s %s\n" % (name, a.version):
            raise TestFailure("%s --version: %r" % (prog, out))
        if not must([prog, "--help"], name).startswith("Usage: " + name):
            raise TestFailure("%s --help: no usage" % prog)
        # The installed catalogs, found beside the program whatever the
        # prefix (no DONGBO_LOCALEDIR).
        env = dict(os.environ, LANGUAGE="vi", LC_ALL="C.UTF-8")
        env.pop("DONGBO_LOCALEDIR", None)
        if not must([prog, "--help"], name, env=env).startswith(
                "Cách dùng: " + name):
            raise TestFailure("installed %s --help under LANGUAGE=vi is not "
                              "in Vietnamese" % prog)
    data = os.path.realpath(os.path.join(prefix, "share/dongbo"))
    out = must([dongbo, "init", "--help"], "dongbo init --help")
    if "\nDATA: %s " % data not in out:
        raise TestFailure("installed `dongbo init --help` does not name the "
                          "installed data %s:\n%s" % (data, out))


def conf_value(path, section, key):
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\[(\w+)\]\s*$", line)
            if m:
                current = m.group(1)
            m = re.match(r"(\w+)\s*=\s*(.*?)\s*$", line)
            if m and current == section and m.group(1) == key:
                return m.group(2)
    return None


def example_node(fed, prefix, data, province):
    """Node 07201 whose dongbo.conf is the installed example, with its data
    paths moved from the configured prefix to TMP's and its parent url the
    province's.  Its certificates go in DIR/pki, as the example says."""
    example = os.path.join(prefix,
                           "share/doc/dongbo/examples/dongbo.conf.example")
    with open(example, encoding="utf-8") as f:
        text = f.read()
    n = Node(fed, "n07201", "07201", province, None)
    os.mkdir(n.dir, 0o700)
    os.mkdir(os.path.join(n.dir, "pki"), 0o700)
    for name in ("ca.crt", "07201.crt", "07201.key"):
        shutil.copy(os.path.join(fed.pki, name),
                    os.path.join(n.dir, "pki", name))
    old_data = os.path.dirname(conf_value(example, "node", "units"))
    url = conf_value(example, "parent", "url")
    if None in (old_data, url):
        raise TestFailure("%s: no [node] units or [parent] url" % example)
    text = text.replace(old_data + "/", data + "/")
    text = text.replace("url = " + url, "url = " + province.listen_url)
    with open(os.path.join(n.dir, "dongbo.conf"), "w",
              encoding="utf-8") as f:
        f.write(text)
    fed.nodes[n.name] = n
    fed.puts_ok[n.name] = fed.deletes_ok[n.name] = 0
    return n


def daemon_lines(text):
    return [x for x in text.splitlines()
            if x and not x.startswith("==== harness:")]


def scenario_install(a, fed):
    tmp = fed.tmp
    prefix = os.path.join(tmp, "prefix")
    install(a, prefix)
    check_unit(a, prefix, tmp)
    check_sysusers(prefix, tmp)
    check_man(prefix)
    check_programs(a, prefix)
    data = os.path.realpath(os.path.join(prefix, "share/dongbo"))

    # The federation's certificates, with the installed script.
    pki_sh = os.path.join(prefix, "share/dongbo/pki.sh")
    must([pki_sh, "ca", fed.pki, "dongbo CA test"], "pki.sh ca")
    must([pki_sh, "issue", fed.pki, "24", "07201"], "pki.sh issue")

    # The province, made by the installed `dongbo init` with its defaults.
    url = "tls+tcp://127.0.0.1:%d" % free_tcp_port()
    prov = Node(fed, "n24", "24", None, url)
    rc, out, err = fed.cli(["init", prov.dir, "--unit", "24", "--listen",
                            url, "--ca", os.path.join(fed.pki, "ca.crt"),
                            "--cert", os.path.join(fed.pki, "24.crt"),
                            "--key", os.path.join(fed.pki, "24.key")])
    if rc != 0:
        raise TestFailure("installed dongbo init: exit %s: %s" % (rc, err))
    conf = os.path.join(prov.dir, "dongbo.conf")
    for key, want in (("units", data + "/dvhc-2025-03.tsv"),
                      ("catalog", data + "/catalog.ini")):
        got = conf_value(conf, "node", key)
        if got != want:
            raise TestFailure("installed dongbo init wrote %s = %s, not the "
                              "installed %s" % (key, got, want))
    fed.nodes[prov.name] = prov
    fed.puts_ok[prov.name] = fed.deletes_ok[prov.name] = 0
    commune = example_node(fed, prefix, data, prov)

    # As under systemd: JOURNAL_STREAM names the stream stderr is on.
    open(prov.log_path, "ab").close()
    st = os.stat(prov.log_path)
    fed.start("n24", env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev,
                                                       st.st_ino)})
    fed.start("n07201")
    log("the installed dongbod runs a province and the example's commune")

    rc, out, err = fed.cli(["put", "07201", IND, PER, "1.234"], commune)
    if rc != EXIT_OK:
        raise TestFailure("put at the commune: exit %s: %s" % (rc, err))
    rc, out, err = fed.cli(["wait", "--timeout", "30"], commune)
    if rc != EXIT_OK:
        raise TestFailure("wait at the commune: exit %s: %s" % (rc, err))
    got = fed.cli_json(prov, ["get", "07201", IND, PER])
    if got.get("value") != 1234:
        raise TestFailure("the province has %r for 07201, not 1234" % got)
    got = fed.cli_json(prov, ["rollup", "24", IND, PER])
    if got.get("value") != 1234:
        raise TestFailure("the province's roll-up is %r, not 1234" % got)
    log("a value put at the commune reached the province over mutual TLS")

    for name in ("n07201", "n24"):
        rc = fed.stop(name)
        if rc != 0:
            raise TestFailure("%s: dongbod exited %s on SIGTERM" % (name, rc))
    lines = daemon_lines(fed.log_since_start("n24"))
    bad = [x for x in lines if not JOURNAL_LINE.match(x)]
    if not lines or bad or not any(x.startswith("<6>") for x in lines):
        raise TestFailure("under JOURNAL_STREAM, lines without a priority "
                          "prefix (or no info line): %r" % (bad or lines))
    log("journal mode: %d lines, each with its <N> priority" % len(lines))

    fed.start("n24")
    got = fed.cli_json(prov, ["get", "07201", IND, PER])
    if got.get("value") != 1234:
        raise TestFailure("after a restart the province has %r" % got)
    rc = fed.stop("n24")
    if rc != 0:
        raise TestFailure("n24: dongbod exited %s on SIGTERM" % rc)
    lines = daemon_lines(fed.log_since_start("n24"))
    # The stop watchdog (dongbod(8)) writes from a signal handler, without
    # the time.
    bad = [x for x in lines if not TERMINAL_LINE.match(x) and
           not x.startswith("dongbod[warning]: stop still blocked")]
    if not lines or bad:
        raise TestFailure("without JOURNAL_STREAM, lines not in the "
                          "'TIME dongbod[LEVEL]: ' form: %r" % (bad or lines))
    log("terminal mode: %d lines, each with its time and level" % len(lines))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", choices=["install"])
    ap.add_argument("--build", required=True, help="the build directory")
    ap.add_argument("--cmake", required=True, help="path of cmake")
    ap.add_argument("--configured-prefix", required=True,
                    help="CMAKE_INSTALL_PREFIX of the build")
    ap.add_argument("--version", required=True, help="the project version")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args(argv)
    a.build = os.path.abspath(a.build)
    seed = pick_seed(a.seed)

    def body():
        # The federation's programs are the installed ones, which exist only
        # once installed: start it with the build's, then point it at them.
        with Federation(os.path.join(a.build, "daemon", "dongbod"),
                        os.path.join(a.build, "cli", "dongbo"), seed,
                        label="install") as fed:
            prefix = os.path.join(fed.tmp, "prefix")
            fed.dongbod = os.path.join(prefix, "sbin", "dongbod")
            fed.dongbo = os.path.join(prefix, "bin", "dongbo")
            scenario_install(a, fed)
            return fed.cli_calls
    return run_reported(a.scenario, seed, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
