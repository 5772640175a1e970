#!/usr/bin/env python3
"""
test_man.py -- the man pages are well formed and cannot go stale silently
(issue 6, point 6).

    python3 test_man.py --source DIR

Checks, failing with each difference named:
  - every page of DIR/man formats under `groff -k -man -ww -z` (all
    warnings on) with nothing on stderr;
  - dongbo.conf(5) describes exactly the sections and keys of the parser's
    tables in meta/config.c, each numeric key with its range ("MIN to
    MAX") and every key that has a DEFAULT_ macro with "Default: VALUE";
  - the example config (dist/dongbo.conf.example.in) shows every key in
    its section (commented out or not);
  - dongbo(1) has a subsection for exactly the commands of cli/main.c's
    dispatch table, and its EXIT STATUS lists exactly the exit statuses of
    cli/cli.h.

Exit status 0 when every check passes, 1 otherwise.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

PAGES = ("dongbo.1", "dongbod.8", "dongbo.conf.5")


def read(*path):
    with open(os.path.join(*path), encoding="utf-8") as f:
        return f.read()


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def expect(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
            print("FAIL: " + what, flush=True)

    def same(self, have, want, what):
        """have and want as sets; each one-sided element is a failure."""
        for x in sorted(set(want) - set(have)):
            self.expect(False, "%s: missing %r" % (what, x))
        for x in sorted(set(have) - set(want)):
            self.expect(False, "%s: %r is not in the source" % (what, x))
        self.expect(len(want) > 0, "%s: nothing found in the source" % what)


def config_tables(src):
    """(sections, {(section, key): (min, max) or None}, {key: default})
    from meta/config.c."""
    text = read(src, "meta", "config.c")
    m = re.search(r"section_names\[N_SECTIONS\] = \{(.*?)\};", text, re.S)
    sections = dict(re.findall(r'\[(S_\w+)\] = "(\w+)"', m.group(1)))
    m = re.search(r"\} keys\[N_KEYS\] = \{(.*?)\n\};", text, re.S)
    keys = {}
    for sec, name, rng in re.findall(
            r'\[K_\w+\] = \{ (S_\w+), "(\w+)"(?:, (\d+, \d+))? \}',
            m.group(1)):
        keys[(sections[sec], name)] = (tuple(int(x) for x in rng.split(", "))
                                       if rng else None)
    defaults = {}
    for name, value in re.findall(r'#define DEFAULT_(\w+) "?([\w.]+)"?',
                                  text):
        defaults[name.lower()] = value
    return list(sections.values()), keys, defaults


def man_keys(page):
    """{(section, key): paragraph} of the SECTIONS AND KEYS of
    dongbo.conf.5: keys are `.TP` then `.B key` under `.SS [section]`."""
    body = page.split(".SH SECTIONS AND KEYS", 1)[1].split("\n.SH ", 1)[0]
    out, sections, section = {}, [], None
    lines = body.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\.SS \[(\w+)\]$", line)
        if m:
            section = m.group(1)
            sections.append(section)
            continue
        m = re.match(r"\.B (\w+)$", line)
        if m and i > 0 and lines[i - 1].startswith(".TP"):
            para = []
            for nxt in lines[i + 1:]:
                if nxt.startswith((".TP", ".SS", ".SH")):
                    break
                para.append(nxt)
            out[(section, m.group(1))] = "\n".join(para)
    return sections, out


def example_keys(text):
    """(section, key) pairs shown in an example config, commented or not."""
    out, section = set(), None
    for line in text.splitlines():
        m = re.match(r"[#;]?\s*\[(\w+)\]\s*$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"[#;]?\s*(\w+)\s*=", line)
        if m and section is not None:
            out.add((section, m.group(1)))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", required=True, help="the source tree")
    a = ap.parse_args(argv)
    src = a.source
    c = Checks()

    groff = shutil.which("groff")
    c.expect(groff is not None, "groff is not installed (scripts/deps.sh "
             "installs groff-base)")
    for name in PAGES:
        path = os.path.join(src, "man", name)
        if groff is not None:
            p = subprocess.run([groff, "-k", "-man", "-ww", "-z", "-Tutf8",
                                path], capture_output=True, text=True,
                               timeout=30)
            c.expect(p.returncode == 0 and p.stderr == "",
                     "groff -ww %s: exit %d: %s" % (name, p.returncode,
                                                    p.stderr.strip()))

    sections, keys, defaults = config_tables(src)
    conf = read(src, "man", "dongbo.conf.5")
    man_sections, documented = man_keys(conf)
    c.same(man_sections, sections, "dongbo.conf.5 sections")
    c.same(documented, keys, "dongbo.conf.5 keys")
    for (section, key), rng in sorted(keys.items()):
        para = documented.get((section, key))
        if para is None:
            continue
        flat = re.sub(r"\s+", " ", para)
        if rng is not None:
            c.expect("%d to %d" % rng in flat,
                     "dongbo.conf.5 [%s] %s: the range '%d to %d' of "
                     "meta/config.c is not given" % ((section, key) + rng))
        if key in defaults:
            c.expect("Default: %s" % defaults[key] in flat,
                     "dongbo.conf.5 [%s] %s: 'Default: %s' (meta/config.c) "
                     "is not given" % (section, key, defaults[key]))
    c.expect(len(defaults) >= 6, "meta/config.c: only %d DEFAULT_ macros "
             "found" % len(defaults))

    example = read(src, "dist", "dongbo.conf.example.in")
    shown = example_keys(example)
    for k in sorted(keys):
        c.expect(k in shown, "dist/dongbo.conf.example.in: [%s] %s is not "
                 "shown" % k)
    for k in sorted(shown - set(keys)):
        c.expect(False, "dist/dongbo.conf.example.in: [%s] %s is not a key "
                 "of meta/config.c" % k)

    main_c = read(src, "cli", "main.c")
    table = re.search(r"\} commands\[\] = \{(.*?)\n\};", main_c, re.S)
    commands = re.findall(r'\{\s*"([a-z-]+)",\s*cmd_', table.group(1))
    page = read(src, "man", "dongbo.1")
    cmd_part = page.split(".SH COMMANDS", 1)[1].split("\n.SH ", 1)[0]
    c.same(re.findall(r"^\.SS (\S+)$", cmd_part, re.M), commands,
           "dongbo.1 COMMANDS")
    codes = [int(x) for x in re.findall(r"EXIT_\w+ = (\d+),",
                                        read(src, "cli", "cli.h"))]
    exit_part = page.split(".SH EXIT STATUS", 1)[1].split("\n.SH ", 1)[0]
    c.same([int(x) for x in re.findall(r"^\.TP\n\.B (\d+)$", exit_part,
                                       re.M)],
           codes, "dongbo.1 EXIT STATUS")

    print("%d checks passed, %d failed" % (c.passed, len(c.failures)))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
