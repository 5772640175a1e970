"""
test_harness.py -- the harness's own judgement of sanitizer reports
(federation.nng_abandoned_listener): nng 1.5.2's leak of a listener the
probe abandoned is told apart from everything else, which fails a test.

Standard library only; run as `python3 test_harness.py`.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import federation  # noqa: E402

LOG = """\
2026-11-24T14:37:09.796Z dongbod[info]: sync: hello from 07210, applied up to 14
2026-11-24T14:37:37.292Z dongbod[warning]: probe: the listener on tls+tcp://127.0.0.1:24801 answered none of 3 probes in a row, 5 s apart: listening afresh; the children dial again
2026-11-24T14:37:40.178Z dongbod[info]: stopped

=================================================================
==27762==ERROR: LeakSanitizer: detected memory leaks

Indirect leak of 150453 byte(s) in 9 object(s) allocated from:
    #0 0x5632517a8d58 in __interceptor_calloc (/b/daemon/dongbod+0x11ad58) (BuildId: fa37)
    #1 0x7fe967319114 in mbedtls_ssl_setup (/lib/x86_64-linux-gnu/libmbedtls.so.14+0x21114) (BuildId: 9746)
    #2 0x7fe9673b4d1b  (/lib/x86_64-linux-gnu/libnng.so.1+0x4dd1b) (BuildId: e694)
    #3 0x7fe966ff41f4 in start_thread nptl/./nptl/pthread_create.c:442:8

Indirect leak of 457 byte(s) in 1 object(s) allocated from:
    #0 0x5632517a8d58 in __interceptor_calloc (/b/daemon/dongbod+0x11ad58) (BuildId: fa37)
    #1 0x7fe9672e2d73  (/lib/x86_64-linux-gnu/libmbedx509.so.1+0xbd73) (BuildId: 4647)
    #2 0x7ffe746d87ff  ([stack]+0x1c7ff)

Indirect leak of 104 byte(s) in 1 object(s) allocated from:
    #0 0x5632517a8d58 in __interceptor_calloc (/b/daemon/dongbod+0x11ad58) (BuildId: fa37)
    #1 0x7fe9673b6249  (/lib/x86_64-linux-gnu/libnng.so.1+0x4f249) (BuildId: e694)
    #2 0x7fe96737b49f in nng_listener_create (/lib/x86_64-linux-gnu/libnng.so.1+0x1449f) (BuildId: e694)
    #3 0x5632517ea49f in listener_start /src/daemon/server.c:180:7
    #4 0x5632517e9537 in dongbo_server_open /src/daemon/server.c:263:7
    #5 0x7fe966f92249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16

SUMMARY: AddressSanitizer: 150,014 byte(s) leaked in 11 allocation(s).
"""

OUR_LEAK = """
Indirect leak of 64 byte(s) in 1 object(s) allocated from:
    #0 0x5632517a8d58 in __interceptor_malloc (/b/daemon/dongbod+0x11ab6e) (BuildId: fa37)
    #1 0x5632517ea000 in batch_seal /src/daemon/uplink.c:410:7
    #2 0x5632517e3db4 in main /src/daemon/main.c:96:7
"""


class AbandonedListener(unittest.TestCase):
    def judge(self, text):
        return federation.nng_abandoned_listener(text)

    def test_nng_leak_of_an_abandoned_listener(self):
        self.assertTrue(self.judge(LOG))

    def test_without_the_probe_listening_afresh(self):
        self.assertFalse(self.judge(LOG.replace("listening afresh", "ok")))

    def test_a_direct_leak(self):
        self.assertFalse(self.judge(LOG.replace("Indirect leak of 104",
                                                "Direct leak of 104")))

    def test_our_code_under_nng_but_not_a_listener(self):
        self.assertFalse(self.judge(LOG.replace("in nng_listener_create",
                                                "in nng_msg_alloc")))

    def test_allocated_by_our_code(self):
        at = LOG.index("SUMMARY")
        self.assertFalse(self.judge(LOG[:at] + OUR_LEAK + LOG[at:]))

    def test_another_sanitizer_report(self):
        self.assertFalse(self.judge(
            LOG + "store.c:12:3: runtime error: signed integer overflow\n"))

    def test_two_reports(self):
        self.assertFalse(self.judge(LOG + LOG))

    def test_no_report(self):
        self.assertFalse(self.judge(LOG[:LOG.index("=====")]))


if __name__ == "__main__":
    unittest.main()
