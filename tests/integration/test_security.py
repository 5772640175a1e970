#!/usr/bin/env python3
"""
test_security.py -- authenticated links (issue 5).

Scenarios:
  tls   Mutual TLS between real nodes: province 24 <- district 213 <-
        commune 07201 over tls+tcp://, every node with a certificate from
        the federation's authority (scripts/pki.sh).  Values flow and check
        out; `status` shows the identity and no warning.  Then the ways a
        node may be wrong, each with its clear error and no harm done:
          - a node given another unit's certificate does not start (the
            message names both units);
          - a key that is not the certificate's: does not start;
          - a certificate from another authority: the node runs but the
            province never admits it, while honest values keep flowing;
          - a tcp:// url without allow_plain_tcp: `dongbo init` and
            dongbod refuse it; with it, the node runs and warns in its log
            and in `status`.

Usage: test_security.py SCENARIO --dongbod PATH --dongbo PATH [--seed N]
"""

import json
import os
import sys
import time

from federation import TestFailure, log, run_scenarios, wait_for


def expect_no_start(fed, name, want):
    """dongbod for NAME exits non-zero at start, its log saying want."""
    fed.start(name, wait=False)
    rc = fed.wait_exit(name, 20, "refuse to start")
    text = fed.log_since_start(name)
    if rc == 0 or want not in text:
        raise TestFailure("%s: exit %s, log lacks %r:\n%s"
                          % (name, rc, want, text[-2000:]))
    log("%s refused to start (exit %d): %s" % (name, rc, want))


def scenario_tls(fed, rng, args):
    fed.add_node("p", "24", listen="tcp")
    fed.add_node("d", "213", parent="p", listen="tcp")
    fed.add_node("c", "07201", parent="d")
    for n in ("p", "d", "c"):
        if not fed.nodes[n].listen_url or n == "c":
            continue
        if not fed.nodes[n].listen_url.startswith("tls+tcp://"):
            raise TestFailure("%s listens on %s" % (n, fed.nodes[n].listen_url))
    fed.start_all()
    for i in range(6):
        fed.put("c", "07201", "hs_nhan_truc_tuyen", "2022M0%d" % (i + 1),
                rng.randint(0, 5000))
        fed.put("d", "213", "hs_nhan_truc_tiep", "2022M0%d" % (i + 1),
                rng.randint(0, 5000))
    fed.converge()
    fed.check()

    for n, unit in (("p", "24"), ("d", "213"), ("c", "07201")):
        st = fed.status(n)
        sec = st["security"]
        if not sec["tls"] or not sec["identity"].startswith("CN %s," % unit) \
                or sec["warnings"]:
            raise TestFailure("%s: security %r" % (n, sec))
    rc, out, err = fed.cli(["status"], fed.nodes["d"])
    if "TLS      mutual TLS; this node's certificate: CN 213" not in out:
        raise TestFailure("status lacks the TLS line:\n%s" % out)

    # Another unit's certificate: 215 holding 213's.
    fed.add_node("w", "215", parent="p")
    crt, key = fed.issue_cert("213")
    fed.set_conf("w", "cert", crt)
    fed.set_conf("w", "key", key)
    expect_no_start(fed, "w", "names unit '213' (its CN), but this node's "
                    "unit is 215")
    # 215's certificate with 213's key.
    crt, _ = fed.issue_cert("215")
    fed.set_conf("w", "cert", crt)
    expect_no_start(fed, "w", "is not the key of certificate")

    # A certificate from another authority: TLS never admits it.
    rogue = os.path.join(fed.tmp, "rogue-pki")
    crt, key = fed.issue_cert("215", pki=rogue)
    fed.set_conf("w", "ca", os.path.join(rogue, "ca.crt"))
    fed.set_conf("w", "cert", crt)
    fed.set_conf("w", "key", key)
    fed.start("w")
    # Not through fed.put: the value must never count as arrived.
    rc, _, err = fed.cli(["put", "215", "hs_nhan_truc_tuyen", "2022M01",
                          "77"], fed.nodes["w"])
    if rc != 0:
        raise TestFailure("put at the rogue node: %s" % err)
    t0 = time.monotonic()
    # While the rogue node keeps dialing (heartbeats of 2 s, backoff up to
    # 5 s), honest values keep flowing; wait for one to arrive and for a
    # few of the rogue node's attempts to have passed.
    fed.put("c", "07201", "hs_nhan_truc_tuyen", "2022M07", 4242)

    def honest_arrived_and_rogue_tried():
        rc, out, _ = fed.cli(["get", "07201", "hs_nhan_truc_tuyen", "2022M07",
                              "--json"], fed.nodes["p"])
        return (rc == 0 and json.loads(out).get("value") == 4242
                and time.monotonic() - t0 > 3)

    wait_for(honest_arrived_and_rogue_tried, 30,
             "an honest value at 24 while the rogue node dials")
    st = fed.status("w")
    if st["parent"]["connected"] or st["parent"]["pending"] == 0:
        raise TestFailure("rogue node: parent %r" % st["parent"])
    kids = [c["unit"] for c in fed.status("p")["children"]]
    if "215" in kids:
        raise TestFailure("24 lists 215 as a child: %r" % kids)
    rc, out, _ = fed.cli(["get", "215", "hs_nhan_truc_tuyen", "2022M01",
                          "--json"], fed.nodes["p"])
    if rc == 0 and json.loads(out).get("found"):
        raise TestFailure("the rogue node's value reached 24: %s" % out)
    if fed.log_lines(r"hello from 215"):
        raise TestFailure("24 heard a hello from the rogue 215")
    log("rogue certificate: never admitted (parent %s)"
        % st["parent"]["state"])
    fed.stop("w")

    # Plain TCP: refused unless allowed, warned of when allowed.
    bad = ["init", os.path.join(fed.tmp, "plain"), "--unit", "216",
           "--parent", "tcp://127.0.0.1:9"]
    rc, out, err = fed.cli(bad)
    if rc != 2 or "is plain TCP" not in err or "--allow-plain-tcp" not in err:
        raise TestFailure("init with tcp://: exit %s: %s" % (rc, err))
    fed.add_node("q", "216", parent="p")
    fed.set_conf("q", "url", "tcp://127.0.0.1:%s"
                 % fed.nodes["p"].listen_url.rsplit(":", 1)[1])
    expect_no_start(fed, "q", "is plain TCP: its link would be neither "
                    "authenticated nor encrypted")
    fed.set_conf("q", "allow_plain_tcp", "yes")
    fed.start("q")
    st = fed.status("q")
    warn = st["security"]["warnings"]
    if len(warn) != 1 or "plain TCP" not in warn[0]:
        raise TestFailure("plain node: warnings %r" % warn)
    rc, out, _ = fed.cli(["status"], fed.nodes["q"])
    if "WARNING  the link to the parent over plain TCP" not in out:
        raise TestFailure("status lacks the warning:\n%s" % out)
    if not [l for n, l in fed.log_lines("is plain TCP: neither") if n == "q"]:
        raise TestFailure("q's log lacks the plain TCP warning")
    fed.stop("q")
    fed.converge()
    fed.check()


SCENARIOS = {"tls": scenario_tls}

if __name__ == "__main__":
    sys.exit(run_scenarios(__doc__, SCENARIOS, sys.argv[1:]))
