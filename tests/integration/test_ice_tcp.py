"""ICE-TCP (RFC 6544 passive candidates, RFC 4571 framing) against the real
hearthd: a GStreamer webrtcbin peer whose libnice uses TCP alone exchanges
VP8 + Opus with one on UDP; and bad input on the TCP port (garbage, an
oversized frame, an unknown ufrag, a silent connection, a thousand idle
connections from one address) is refused and counted while a call on the
same worker keeps flowing.

Standalone: HEARTHD=/path/to/hearthd PYTHONPATH=tests/integration \\
    /usr/bin/python3 tests/integration/test_ice_tcp.py -v"""

import os
import re
import resource
import socket
import struct
import time
import unittest

from hearthlib import Daemon, admin_call, open_now
from peer import Peer, wait_flowing
from test_relay_guard import stun_binding


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_metrics(d):
    """{(name, reason or None): value summed over workers}."""
    status, body, _ = d.http("GET", "/metrics")
    assert status == 200, status
    text = body.decode() if isinstance(body, bytes) else str(body)
    out = {}
    for m in re.finditer(r'^(hearth_\w+)\{worker="\d+",port="\d+"(?:,reason="(\w+)")?\} (\d+)$',
                         text, re.M):
        key = (m.group(1), m.group(2))
        out[key] = out.get(key, 0) + int(m.group(3))
    return out


class IceTcp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
        cls.tcp_port = free_tcp_port()
        cls.d = Daemon()
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        # One worker: the call and the bad input share it.
        cls.d.write_config("[storage]\nadmin_socket = %s\n[media]\nworkers = 1\ntcp_port = %d\n"
                           % (cls.sock, cls.tcp_port))
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        rc, _ = cls.d.stop()
        log = cls.d.log()
        cls.d.close()
        assert rc == 0, "hearthd exited %d:\n%s" % (rc, log)

    def setUp(self):
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()

    def family(self, names):
        status, s = admin_call(self.sock, "POST", "/sessions",
                               {"kind": "family", "title": "Family", "schedule": open_now()})
        self.assertEqual(status, 201, s)
        tokens = []
        for i, name in enumerate(names):
            status, e = admin_call(self.sock, "POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name,
                                    "role": "host" if i == 0 else "family", "auto_admit": True})
            self.assertEqual(status, 201, e)
            status, inv = admin_call(self.sock, "POST",
                                     "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {"max_uses": 5})
            self.assertEqual(status, 201, inv)
            tokens.append(inv["token"])
        return tokens

    def call(self, tcp_only=()):
        tokens = self.family(["Host", "Dana"])
        peers = []
        for t, n in zip(tokens, ["host", "dana"]):
            p = Peer(self.d.port, t, name=n, tcp_only=n in tcp_only)
            self.peers.append(p)
            peers.append(p)
        for p in peers:
            self.assertEqual(p.subscribe().get("type"), "subscribe.ok")
            self.assertEqual(p.publish().get("type"), "publish.ok")
        pairs = [(rx, tx.participant_id) for rx in peers for tx in peers if rx is not tx]
        missing = wait_flowing(pairs, timeout=20)
        self.assertEqual(missing, [], [(rx.name, rx.decoded()) for rx, _ in missing])
        return peers

    def test_answer_offers_tcp_below_udp(self):
        peers = self.call()
        offer = peers[0].sub_offers[-1]["sdp"]
        udp = re.search(r"a=candidate:\S+ 1 udp (\d+) 127\.0\.0\.1 \d+ typ host", offer)
        tcp = re.search(r"a=candidate:\S+ 1 tcp (\d+) 127\.0\.0\.1 %d typ host tcptype passive"
                        % self.tcp_port, offer)
        self.assertIsNotNone(udp, offer)
        self.assertIsNotNone(tcp, offer)
        self.assertLess(int(tcp.group(1)), int(udp.group(1)))

    def test_webrtcbin_over_tcp_only(self):
        before = tcp_metrics(self.d)
        peers = self.call(tcp_only=("dana",))
        for rx in peers:
            d0 = {k: dict(v) for k, v in rx.decoded().items()}
            time.sleep(3)
            for tx in peers:
                if tx is rx:
                    continue
                got = rx.decoded()[tx.participant_id]
                self.assertGreater(got["video"] - d0[tx.participant_id]["video"], 45,
                                   "%s from %s" % (rx.name, tx.name))
                self.assertGreater(got["audio"] - d0[tx.participant_id]["audio"], 0)
        after = tcp_metrics(self.d)
        # dana's publish and subscribe transports each came over TCP
        self.assertGreaterEqual(after[("hearth_tcp_accepted_total", None)]
                                - before.get(("hearth_tcp_accepted_total", None), 0), 2)
        self.assertGreaterEqual(after[("hearth_tcp_connections", None)], 2)

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.tcp_port), timeout=5)
        return s

    def refused(self, reason):
        return tcp_metrics(self.d).get(("hearth_tcp_refused_total", reason), 0)

    def wait_refused(self, reason, at_least, timeout=10):
        deadline = time.monotonic() + timeout
        while self.refused(reason) < at_least and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.refused(reason)

    def assert_closed_by_relay(self, s, timeout=8):
        s.settimeout(timeout)
        try:
            self.assertEqual(s.recv(100), b"")  # EOF, nothing answered
        except ConnectionResetError:
            pass
        s.close()

    def test_bad_input_is_refused_and_counted_while_a_call_flows(self):
        peers = self.call()
        base = {r: self.refused(r) for r in ("not_stun", "oversized", "unknown_ufrag",
                                             "timeout", "cap")}

        # garbage: not a STUN Binding request
        s = self.connect()
        s.sendall(struct.pack("!H", 12) + b"GET / HTTP/1")
        self.assert_closed_by_relay(s)
        self.assertEqual(self.wait_refused("not_stun", base["not_stun"] + 1),
                         base["not_stun"] + 1)
        # an HTTP request read as a frame length: far above the cap
        s = self.connect()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assert_closed_by_relay(s)
        # RFC 4571's largest frame (65535)
        s = self.connect()
        s.sendall(struct.pack("!H", 65535) + b"\0" * 4000)
        self.assert_closed_by_relay(s)
        self.assertEqual(self.wait_refused("oversized", base["oversized"] + 2),
                         base["oversized"] + 2)
        # a ufrag nobody has (tried around again until 5 s after connecting)
        s = self.connect()
        req = stun_binding("nobody:x")
        s.sendall(struct.pack("!H", len(req)) + req)
        self.assert_closed_by_relay(s)
        self.assertEqual(self.wait_refused("unknown_ufrag", base["unknown_ufrag"] + 1),
                         base["unknown_ufrag"] + 1)

        # 1,000 idle connections from one address: 32 held (and timed out
        # after 5 s), the rest refused at once; the call goes on.
        d0 = {rx.name: rx.decoded()[tx.participant_id]["video"]
              for rx in peers for tx in peers if rx is not tx}
        t0 = time.monotonic()
        idle = []
        for _ in range(1000):
            try:
                idle.append(socket.create_connection(("127.0.0.1", self.tcp_port), timeout=5))
            except OSError:
                break
        self.assertEqual(len(idle), 1000)
        self.assertGreaterEqual(self.wait_refused("cap", base["cap"] + 968),
                                base["cap"] + 968)
        self.assertLessEqual(tcp_metrics(self.d)[("hearth_tcp_connections", None)], 32 + 4)
        timed_out = self.wait_refused("timeout", base["timeout"] + 32, timeout=15)
        self.assertGreaterEqual(timed_out, base["timeout"] + 32)
        elapsed = time.monotonic() - t0
        for s in idle:
            s.close()
        for rx in peers:
            for tx in peers:
                if rx is tx:
                    continue
                got = rx.decoded()[tx.participant_id]["video"] - d0[rx.name]
                # ~30 frames a second; most of them through the flood
                self.assertGreater(got, elapsed * 30 * 0.6,
                                   "%s decoded %d frames in %.1f s" % (rx.name, got, elapsed))
        # the call's peers were never taken for slow readers
        metrics_after = tcp_metrics(self.d)
        self.assertEqual(metrics_after[("hearth_tcp_refused_total", "slow_reader")], 0)


if __name__ == "__main__":
    unittest.main()
