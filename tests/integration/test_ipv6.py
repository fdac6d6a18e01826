"""IPv6 on the media plane (and the signalling listener) against the real
hearthd: GStreamer webrtcbin peers whose ICE gathers one address each
(peer.py's ice_address) publish VP8 + Opus and decode each other's.

- IPv6 only: hearthd listens (HTTP/WebSocket) and binds its media workers
  on ::1 alone; both peers gather ::1 alone. Media flows both ways.
- Both families, one socket each ("127.0.0.1, ::1"), and the HTTP
  listener on both: an IPv4 peer and an IPv6 peer, each signalling over
  its own family, in one session decode each other.
- Dual-stack ("::" alone, IPV6_V6ONLY off): the IPv4 peer reaches the
  worker as a v4-mapped address; the same call works.

Standalone: HEARTHD=/path/to/hearthd PYTHONPATH=tests/integration \\
    /usr/bin/python3 tests/integration/test_ipv6.py -v"""

import os
import re
import socket
import unittest

import test_exposure
import test_media
from hearthlib import Daemon, DaemonTestCase

CANDIDATE_RE = re.compile(r"^a=candidate:\S+ 1 udp (\d+) (\S+) (\d+) typ host", re.M)


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def candidates(sdp):
    """[(address, priority)] of the host candidates of the first m-section."""
    first = sdp.split("\r\nm=")[1]
    return [(m.group(2), int(m.group(1))) for m in CANDIDATE_RE.finditer(first)]


class _Call(DaemonTestCase):
    """A hearthd with `config` added; the calls reuse test_media.Media's
    helpers (a family session, start, the decode measurement)."""

    config = ""
    ws_host = None  # None: the peer's ICE address

    family = test_media.Media.family
    start = test_media.Media.start
    assert_all_decode_all = test_media.Media.assert_all_decode_all
    diagnose = test_media.Media.diagnose
    setUp = test_media.Media.setUp
    tearDown = test_media.Media.tearDown

    @classmethod
    def setUpClass(cls):
        if not have_ipv6_loopback():
            raise unittest.SkipTest("no IPv6 loopback (::1) on this host")
        cls.d = Daemon()
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        cls.d.write_config("[storage]\nadmin_socket = %s\n%s" % (cls.sock, cls.config))
        cls.d.start()

    def peer(self, token, name, ice_address):
        p = test_media.Peer(self.d.port, token, name=name, ice_address=ice_address,
                            ws_host=self.ws_host or ice_address)
        self.peers.append(p)
        return p

    def call(self, addresses):
        tokens = self.family(["Host", "Dana"])
        peers = [self.peer(t, n, a) for t, n, a in zip(tokens, ["host", "dana"], addresses)]
        for p in peers:
            self.start(p)
        self.assert_all_decode_all(peers)
        return peers


class Ipv6Only(_Call):
    config = "[server]\nlisten_address = ::1\n[media]\nbind_address = ::1\n"

    def test_call_over_ipv6_only(self):
        self.assertIn("HTTP ::1 port", self.d.wait_for_log("listening on"))
        peers = self.call(["::1", "::1"])
        # Our SDP offered ::1 alone, and the peers had nothing else.
        for p in peers:
            self.assertEqual([a for a, _ in candidates(p.sub_offers[-1]["sdp"])], ["::1"])
            self.assertEqual({a for _, c in p.publisher.candidates for a in [c.split()[4]]},
                             {"::1"})


class BothFamilies(_Call):
    config = ("[server]\nlisten_address = 127.0.0.1, ::1\n"
              "[media]\nbind_address = 127.0.0.1, ::1\n")

    def test_ipv4_and_ipv6_peer_in_one_session(self):
        # The HTTP listener is on both, on one port, and says so.
        self.assertEqual(sorted(test_exposure.listening_sockets(self.d.port)),
                         [("127.0.0.1", self.d.port), ("::1", self.d.port)])
        self.assertIn("(HTTP 127.0.0.1,::1 port %d)" % self.d.port, self.d.log())
        peers = self.call(["127.0.0.1", "::1"])
        # One candidate of each family, on one port, IPv6 preferred.
        cands = candidates(peers[0].sub_offers[-1]["sdp"])
        self.assertEqual([a for a, _ in cands], ["::1", "127.0.0.1"])
        self.assertGreater(cands[0][1], cands[1][1])


class DualStackSocket(_Call):
    config = "[media]\nbind_address = ::\npublic_address = 127.0.0.1, ::1\n"
    ws_host = "127.0.0.1"

    def test_v4_mapped_peer_and_ipv6_peer(self):
        self.call(["127.0.0.1", "::1"])


if __name__ == "__main__":
    unittest.main()
