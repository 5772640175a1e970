#!/usr/bin/env python3
"""
test_access.py -- who may use a node's control socket (issue 5, point 3).

    python3 test_access.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]

The CLI is run as another user, nobody (uid 65534, group nogroup), with
`setpriv --reuid=65534 --regid=65534 --clear-groups` (through `sudo -n`
when the test does not run as root; without either it fails, saying so).
The binaries and data files are copied into the test's directory, which
is made searchable, so that nobody may run and read them wherever the
build tree lies.

Scenarios:
  control_access       a node run by root.  Without `[control] group` the
                       socket is 0600 and nobody cannot even read status
                       (exit 5, a message saying who decides and how).
                       With `group = nogroup` it is 0660, group nogroup:
                       nobody reads status, get, rollup, export, report and
                       check, but put, delete, import, restore and
                       `rejected --retry` are refused (exit 5, naming the
                       user and the owner) and the store is unchanged;
                       root still writes.  An unknown group stops dongbod
                       at start, naming the group and the socket.
  control_daemon_user  a node run by nobody (a dedicated daemon user): its
                       owner nobody writes, root writes, a third user of
                       the group (uid 65533) reads but may not write.

The seed comes from --seed, else $DONGBO_TEST_SEED, else is random; it is
printed first.  Exit status 0 on success, 1 on failure (temp dir kept, the
tail of every node's log printed), 2 on a usage error.
"""

import grp
import json
import os
import re
import shutil
import stat
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from federation import (EXIT_OK, EXIT_PERM, TestFailure,  # noqa: E402
                        log, run_scenarios)

NOBODY, NOGROUP = 65534, 65534
OTHER = 65533  # a uid without a user name, in group nogroup

IND, PER = "hs_tiep_nhan", "2022"


def root_prefix():
    """[] as root, else `sudo -n` when it works; TestFailure otherwise:
    this test needs to act as other users, and skipping would hide it."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo is not None and subprocess.run(
            [sudo, "-n", "true"], stdin=subprocess.DEVNULL,
            capture_output=True).returncode == 0:
        return [sudo, "-n"]
    raise TestFailure("test_access runs commands as other users: run it as "
                      "root, or with password-less sudo (sudo -n true "
                      "failed)")


def as_user(uid, gid):
    """The argv prefix that runs a program as uid:gid with no other
    groups."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise TestFailure("setpriv (util-linux) is needed to run the CLI as "
                          "another user, and was not found")
    return root_prefix() + [setpriv, "--reuid=%d" % uid, "--regid=%d" % gid,
                            "--clear-groups"]


def as_root(argv):
    return root_prefix() + list(argv)


def copy_public(fed, path, name):
    """A copy of path in the test's bin directory, readable (and, for a
    program, runnable) by everyone."""
    d = os.path.join(fed.tmp, "pub")
    os.makedirs(d, mode=0o755, exist_ok=True)
    os.chmod(d, 0o755)
    dst = os.path.join(d, name)
    shutil.copy2(path, dst)
    os.chmod(dst, 0o755)
    return dst


def open_tree(fed, node):
    """The temp dir and the node directory searchable by everyone (their
    contents keep their modes: the socket's decides)."""
    os.chmod(fed.tmp, 0o711)
    os.chmod(node.dir, 0o711)


def set_group(fed, node, group):
    """Sets `[control] group` in the node's dongbo.conf (the written file
    has it commented out, or a group given before)."""
    conf = os.path.join(node.dir, "dongbo.conf")
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    text, n = re.subn(r"(?m)^#? *group = \S+$", "group = %s" % group, text)
    if n != 1:
        raise TestFailure("no group line in %s" % conf)
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)


def socket_stat(node):
    return os.stat(os.path.join(node.dir, "control.sock"))


def expect_mode(node, mode, gid=None):
    st = socket_stat(node)
    got = stat.S_IMODE(st.st_mode)
    if got != mode or (gid is not None and st.st_gid != gid):
        raise TestFailure("control socket of %s: mode %04o gid %d, expected "
                          "%04o%s" % (node.name, got, st.st_gid, mode,
                                      "" if gid is None else " gid %d" % gid))
    log("control socket of %s: mode %04o, group %s"
        % (node.name, got, grp.getgrgid(st.st_gid).gr_name))


def expect_denied(fed, node, runner, args, *texts):
    """The CLI run by runner must exit 5 with every text in its message."""
    rc, out, err = fed.cli(args, node, program=runner)
    if rc != EXIT_PERM:
        raise TestFailure("dongbo %s as %s: expected exit 5 (permission "
                          "denied), got %s; stdout %r stderr %r"
                          % (" ".join(args), runner[-2:-1], rc, out, err))
    for t in texts:
        if t not in err:
            raise TestFailure("dongbo %s: refused, but the message lacks "
                              "%r: %r" % (" ".join(args), t, err))
    return err.strip()


def read_ok(fed, node, runner, args):
    rc, out, err = fed.cli(list(args) + ["--json"], node, program=runner)
    if rc != EXIT_OK:
        raise TestFailure("dongbo %s as another user: exit %s: %s"
                          % (" ".join(args), rc, err.strip()))
    return json.loads(out)


def export(fed, node):
    rc, out, err = fed.cli(["export", node.unit, PER], node)
    if rc != EXIT_OK:
        raise TestFailure("export: exit %s: %s" % (rc, err.strip()))
    return out


def scenario_control_access(fed, rng, args):
    p = fed.add_node("p", "24", hosts=("213",))
    open_tree(fed, p)
    nobody = as_user(NOBODY, NOGROUP) + [copy_public(fed, fed.dongbo,
                                                     "dongbo")]
    fed.start("p")
    fed.put("p", "24", IND, PER, str(rng.randint(100, 999)))
    fed.put("p", "213", IND, PER, str(rng.randint(100, 999)))

    # Owner only: nobody may not even open the socket.
    expect_mode(p, 0o600)
    err = expect_denied(fed, p, nobody, ["status"],
                        "permission denied on the control socket",
                        os.path.join(p.dir, "control.sock"), "mode 0600",
                        "nobody (uid 65534)", "[control] group",
                        os.path.join(p.dir, "dongbo.conf"))
    log("owner only: nobody refused: %s" % err)

    # Opened to group nogroup: nobody reads.
    fed.stop("p")
    set_group(fed, p, "nogroup")
    fed.start("p")
    expect_mode(p, 0o660, grp.getgrnam("nogroup").gr_gid)
    st = read_ok(fed, p, nobody, ["status"])
    if st.get("unit") != "24":
        raise TestFailure("status as nobody: %r" % st)
    for u in ("24", "213"):
        got = read_ok(fed, p, nobody, ["get", u, IND, PER])
        if got.get("value") != fed.truth[(u, IND, PER)]:
            raise TestFailure("get %s as nobody: %r" % (u, got))
    roll = read_ok(fed, p, nobody, ["rollup", "24", IND, PER])
    if roll.get("value") != sum(fed.truth.values()):
        raise TestFailure("rollup as nobody: %r" % roll)
    for cmd in (["report", "24", PER, "--form", "II.06c"],
                ["check", "24", PER], ["rejected"], ["catalog"]):
        rc, out, err = fed.cli(cmd, p, program=nobody)
        if rc not in (EXIT_OK, 1) or "permission" in err:
            raise TestFailure("%s as nobody: exit %s: %s"
                              % (" ".join(cmd), rc, err.strip()))
    rc, out, err = fed.cli(["export", "24", PER], p, program=nobody)
    before = export(fed, p)
    if rc != EXIT_OK or out != before:
        raise TestFailure("export as nobody: exit %s: %r" % (rc, err))
    log("group nogroup: nobody reads status, get, rollup, report, check, "
        "rejected, catalog and export")

    # ... but changes nothing.
    csv = os.path.join(fed.tmp, "pub", "rows.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("unit,indicator,period,value\n24,%s,%s,1\n213,%s,%s,2\n"
                % (IND, PER, IND, PER))
    os.chmod(csv, 0o644)
    owner = "only its owner root (uid 0) may change data"
    who = "nobody (uid 65534) may read node 24"
    for cmd, what in ((["put", "24", IND, PER, "7"], "put"),
                      (["delete", "213", IND, PER], "delete"),
                      (["import", csv], "import"),
                      (["restore"], "restore"),
                      (["rejected", "--retry"], "rejected --retry")):
        err = expect_denied(fed, p, nobody, cmd, who, owner,
                            "(%s refused)" % what)
    log("group nogroup: put, delete, import, restore, rejected --retry "
        "refused: %s" % err)
    if export(fed, p) != before:
        raise TestFailure("the store changed after the refused writes:\n%s"
                          "\nwas\n%s" % (export(fed, p), before))
    refused = fed.log_lines(r"ctl: \S+.* by nobody \(uid 65534\) refused")
    if len(refused) != 5:
        raise TestFailure("expected 5 refusals in the log, got %r" % refused)

    # Root still writes.
    fed.put("p", "24", IND, PER, "4242")
    fed.delete("p", "213", IND, PER)
    fed.check(label="after root's writes")

    # An unknown group stops the node before it listens.
    fed.stop("p")
    set_group(fed, p, "dongbo-no-such-group")
    fed.start("p", wait=False)
    rc = fed.wait_exit("p", 30, "refuse to start")
    text = fed.log_since_start("p")
    want = ("[control] group 'dongbo-no-such-group' is not a group on this "
            "system: the control socket %s" % os.path.join(p.dir,
                                                            "control.sock"))
    if rc != 1 or want not in text:
        raise TestFailure("dongbod with an unknown group: exit %s, log:\n%s"
                          % (rc, text))
    if os.path.exists(os.path.join(p.dir, "control.sock")):
        raise TestFailure("a control socket was left by the refused start")
    log("unknown group: dongbod exits 1 naming the group and the socket")


def scenario_control_daemon_user(fed, rng, args):
    p = fed.add_node("p", "24")
    open_tree(fed, p)
    dongbo = copy_public(fed, fed.dongbo, "dongbo")
    dongbod = copy_public(fed, fed.dongbod, "dongbod")
    for key in ("units", "catalog", "ca", "cert"):
        src = fed._conf_path(p, key)
        fed.set_conf("p", key, copy_public(fed, src, os.path.basename(src)))
    # Its private key goes with the node directory, to the daemon's user.
    key = os.path.join(p.dir, "node.key")
    shutil.copyfile(fed._conf_path(p, "key"), key)
    os.chmod(key, 0o600)
    fed.set_conf("p", "key", key)
    set_group(fed, p, "nogroup")
    r = subprocess.run(as_root(["chown", "-R", "%d:%d" % (NOBODY, NOGROUP),
                                p.dir]), capture_output=True)
    if r.returncode != 0:
        raise TestFailure("chown of %s: %s" % (p.dir, r.stderr))
    fed.start("p", program=as_user(NOBODY, NOGROUP) + [dongbod])
    st = socket_stat(p)
    if st.st_uid != NOBODY or stat.S_IMODE(st.st_mode) != 0o660:
        raise TestFailure("socket of a node run by nobody: uid %d mode %04o"
                          % (st.st_uid, stat.S_IMODE(st.st_mode)))

    nobody = as_user(NOBODY, NOGROUP) + [dongbo]
    other = as_user(OTHER, NOGROUP) + [dongbo]
    for runner, value in ((nobody, "11"), (as_root([dongbo]), "12")):
        rc, out, err = fed.cli(["put", "24", IND, PER, value], p,
                               program=runner)
        if rc != EXIT_OK:
            raise TestFailure("put by %s at a node nobody runs: exit %s: %s"
                              % (runner[-2], rc, err.strip()))
    got = read_ok(fed, p, other, ["get", "24", IND, PER])
    if got.get("value") != 12:
        raise TestFailure("get as uid %d: %r" % (OTHER, got))
    expect_denied(fed, p, other, ["put", "24", IND, PER, "13"],
                  "uid 65533 may read node 24",
                  "only its owner nobody (uid 65534) may change data")
    got = read_ok(fed, p, nobody, ["get", "24", IND, PER])
    if got.get("value") != 12:
        raise TestFailure("the refused put changed the value: %r" % got)
    log("a node run by nobody: nobody and root write, uid %d only reads"
        % OTHER)


SCENARIOS = {
    "control_access": scenario_control_access,
    "control_daemon_user": scenario_control_daemon_user,
}

if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
