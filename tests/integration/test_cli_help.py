#!/usr/bin/env python3
"""
test_cli_help.py -- every command answers --help (issue 6, point 6).

    python3 test_cli_help.py --dongbo PATH --dongbod PATH --source DIR
                             --version X.Y.Z

Takes the commands from the dispatch table of DIR/cli/main.c and checks
that `dongbo --help` lists exactly those, so that a command added to the
table without a line in the help, or the reverse, fails here.  Then, for
each command, `dongbo CMD --help`, `dongbo CMD -h` and `dongbo help CMD`
exit 0 with nothing on stderr and print a usage line, options and an
example; an unknown option exits 2 (usage) with the usage on stderr.
dongbod --help and -h the same; both programs' --version print the
project's version.  No daemon is started.

Exit status 0 when every check passes, 1 otherwise (each failure named).
"""

import argparse
import os
import re
import subprocess
import sys

EXIT_OK, EXIT_USAGE = 0, 2


def run(argv):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=20,
                       env=dict(os.environ, DONGBO_DIR="/nonexistent"))
    return p.returncode, p.stdout, p.stderr


def table_commands(source):
    """The command names of the dispatch table in cli/main.c."""
    with open(os.path.join(source, "cli", "main.c"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"\} commands\[\] = \{(.*?)\n\};", text, re.S)
    if m is None:
        raise SystemExit("cli/main.c: no `commands[]` table found")
    return re.findall(r'\{\s*"([a-z-]+)",\s*cmd_', m.group(1))


def help_commands(text):
    """The commands listed under "Commands:" in `dongbo --help`: lines
    indented by two spaces whose first word is a lowercase name."""
    names, inside = [], False
    for line in text.splitlines():
        if line == "Commands:":
            inside = True
        elif inside and line == "":
            break
        elif inside:
            m = re.match(r"  ([a-z][a-z-]*)(\s|$)", line)
            if m:
                names.append(m.group(1))
    return names


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

    def help_text(self, argv, program, sub=None):
        """argv prints a full help: exit 0, stdout only, usage, options
        and an example."""
        what = " ".join([os.path.basename(argv[0])] + argv[1:])
        rc, out, err = run(argv)
        self.expect(rc == EXIT_OK, "%s: exit %d, expected 0" % (what, rc))
        self.expect(err == "", "%s: wrote to stderr: %r" % (what, err[:200]))
        usage = "Usage: " + program
        self.expect(out.startswith(usage),
                    "%s: does not start with %r: %r" % (what, usage,
                                                       out[:80]))
        if sub is not None:
            first = out.splitlines()[0] if out else ""
            self.expect(re.search(r"\b%s\b" % re.escape(sub), first)
                        is not None,
                        "%s: usage line does not name %r: %r"
                        % (what, sub, first))
        self.expect("\nOptions:\n" in out,
                    "%s: no \"Options:\" section" % what)
        self.expect(re.search(r"\nExamples?( \(.*\))?:\n  \S", out)
                    is not None,
                    "%s: no \"Example:\" section with a command" % what)
        return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dongbo", required=True)
    ap.add_argument("--dongbod", required=True)
    ap.add_argument("--source", required=True, help="the source tree")
    ap.add_argument("--version", required=True, help="the project version")
    a = ap.parse_args(argv)
    c = Checks()

    main_help = c.help_text([a.dongbo, "--help"], "dongbo")
    c.help_text([a.dongbo, "-h"], "dongbo")
    listed = help_commands(main_help)
    table = table_commands(a.source)
    c.expect(len(table) > 10, "cli/main.c: only %d commands found in the "
             "table: %r" % (len(table), table))
    for name in table:
        c.expect(name in listed, "command %r is in cli/main.c but not in "
                 "`dongbo --help`" % name)
    for name in listed:
        c.expect(name in table, "`dongbo --help` lists %r, which is not a "
                 "command of cli/main.c" % name)

    for name in sorted(set(table) | set(listed)):
        c.help_text([a.dongbo, name, "--help"], "dongbo", name)
        c.help_text([a.dongbo, name, "-h"], "dongbo", name)
        c.help_text([a.dongbo, "help", name], "dongbo", name)
        rc, out, err = run([a.dongbo, name, "--no-such-option"])
        c.expect(rc == EXIT_USAGE, "dongbo %s --no-such-option: exit %d, "
                 "expected %d" % (name, rc, EXIT_USAGE))
        c.expect("--no-such-option" in err and "Usage:" in err,
                 "dongbo %s --no-such-option: stderr does not name the "
                 "option and show the usage: %r" % (name, err[:200]))

    for argv_, code in (([a.dongbo], EXIT_USAGE),
                        ([a.dongbo, "no-such-command"], EXIT_USAGE),
                        ([a.dongbo, "help", "no-such-command"], EXIT_USAGE),
                        ([a.dongbod], EXIT_USAGE),
                        ([a.dongbod, "--no-such-option"], EXIT_USAGE)):
        rc, out, err = run(argv_)
        c.expect(rc == code and "" != err,
                 "%s: exit %d (expected %d), stderr %r"
                 % (" ".join(argv_[1:]) or argv_[0], rc, code, err[:120]))

    c.help_text([a.dongbod, "--help"], "dongbod")
    c.help_text([a.dongbod, "-h"], "dongbod")
    for prog, name in ((a.dongbo, "dongbo"), (a.dongbod, "dongbod")):
        for opt in ("--version", "-V"):
            rc, out, err = run([prog, opt])
            c.expect(rc == EXIT_OK and out == "%s %s\n" % (name, a.version),
                     "%s %s: exit %d, printed %r, expected %r"
                     % (name, opt, rc, out, "%s %s\n" % (name, a.version)))

    print("%d checks passed, %d failed (%d commands: %s)"
          % (c.passed, len(c.failures), len(table), " ".join(table)))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
