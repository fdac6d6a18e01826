"""The media ports hear only what passed ICE: datagrams from addresses that
never passed a STUN check are dropped and counted, STUN without valid
credentials is refused without an answer, and /metrics shows both."""

import re
import socket
import struct
import time
import unittest

from hearthlib import Daemon


def metrics(d):
    status, body, _ = d.http("GET", "/metrics")
    assert status == 200, status
    text = body.decode() if isinstance(body, bytes) else str(body)
    out = {}
    for m in re.finditer(r'^(\w+)\{worker="(\d+)",port="(\d+)"\} (\d+)$', text, re.M):
        out[(m.group(1), int(m.group(3)))] = int(m.group(4))
    return out


def stun_binding(username):
    """A Binding request with a USERNAME and a MESSAGE-INTEGRITY of zeros."""
    attrs = b""
    u = username.encode()
    attrs += struct.pack("!HH", 0x0006, len(u)) + u + b"\0" * (-len(u) % 4)
    attrs += struct.pack("!HH", 0x0008, 20) + b"\0" * 20
    return struct.pack("!HHI", 0x0001, len(attrs), 0x2112A442) + b"\x01" * 12 + attrs


class RelayGuard(unittest.TestCase):
    def test_unknown_senders_are_dropped(self):
        with Daemon("[media]\nworkers = 1\n") as d:
            d.start()
            before = metrics(d)
            port = [p for (name, p) in before if name == "hearth_datagrams_received_total"][0]
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(0.5)
            rtp = bytes([0x80, 96]) + b"\0" * 10 + b"payload"
            dtls = bytes([22, 0xFE, 0xFD]) + b"\0" * 30
            for _ in range(5):
                s.sendto(rtp, ("127.0.0.1", port))
            s.sendto(dtls, ("127.0.0.1", port))
            for name in ("nobody:x", "", "a" * 40):
                s.sendto(stun_binding(name), ("127.0.0.1", port))
            with self.assertRaises(socket.timeout):
                s.recvfrom(2048)  # nothing is ever answered
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                after = metrics(d)
                if after[("hearth_datagrams_received_total", port)] >= 9:
                    break
                time.sleep(0.05)
            self.assertEqual(after[("hearth_datagrams_received_total", port)], 9)
            self.assertEqual(after[("hearth_datagrams_dropped_unknown_total", port)], 6)
            self.assertEqual(after[("hearth_stun_refused_total", port)], 3)
            self.assertEqual(after[("hearth_rtp_forwarded_total", port)], 0)
            s.close()


if __name__ == "__main__":
    unittest.main()
