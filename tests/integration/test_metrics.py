"""Operations (docs/operations.md): /metrics counts people, joins by
outcome, rate-limit refusals, transport events and media bytes, and says
which build and how the process is doing; log.format = json writes only
JSON lines, and a media transport's events name its session and
participant. One daemon for the class; the rate limit goes last (it is
per address, and every client here is 127.0.0.1)."""

import binascii
import hashlib
import hmac
import json
import os
import re
import socket
import struct
import time
import unittest

from hearthlib import Daemon, DaemonTestCase, open_now
from wsclient import WsClient

SAMPLE = re.compile(r'^([a-z_]+)(\{[^}]*\})? (\S+)$')


def scrape(d):
    """{(name, frozenset of label pairs): value} of /metrics, every line checked."""
    status, text, _ = d.http("GET", "/metrics")
    assert status == 200, (status, text)
    text = text.decode() if isinstance(text, bytes) else text
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ ", line), line
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(re.findall(r'([a-z_]+)="([^"]*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def total(samples, name, **labels):
    """The sum of name's samples whose labels include these (over workers)."""
    want = set(labels.items())
    return sum(v for (n, l), v in samples.items() if n == name and want <= l)


def stun_request(username, password, use_candidate=False):
    """A Binding request an ICE agent in the controlling role sends (RFC
    8445 §7.1.2), signed with the short-term credential (RFC 5389 §15.4)
    and fingerprinted (§15.5)."""
    def attr(kind, value):
        return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)

    body = attr(0x0006, username.encode()) + attr(0x0024, struct.pack("!I", 0x6E7F00FF))
    body += attr(0x802A, os.urandom(8))
    if use_candidate:
        body += attr(0x0025, b"")
    txid = os.urandom(12)
    head = struct.pack("!HHI", 0x0001, len(body) + 24, 0x2112A442) + txid
    mac = hmac.new(password.encode(), head + body, hashlib.sha1).digest()
    body += attr(0x0008, mac)
    head = struct.pack("!HHI", 0x0001, len(body) + 8, 0x2112A442) + txid
    crc = (binascii.crc32(head + body) & 0xFFFFFFFF) ^ 0x5354554E
    return head + body + attr(0x8028, struct.pack("!I", crc))


def sdp_value(sdp, prefix):
    return next(l[len(prefix):].strip() for l in sdp.splitlines() if l.startswith(prefix))


class Metrics(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        cls.d.write_config("[storage]\nadmin_socket = %s\n[log]\nformat = json\n" % cls.sock)
        cls.d.start()

    def family(self, names):
        """A family session open now (a waiting room; the host is admitted
        automatically): the invite tokens, in order."""
        status, s = self.admin("POST", "/sessions", {"kind": "family", "title": "Family",
                                                     "schedule": open_now()})
        self.assertEqual(status, 201, s)
        tokens = []
        for i, name in enumerate(names):
            status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": "host" if i == 0 else "family",
                                    "auto_admit": i == 0})
            self.assertEqual(status, 201, e)
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {})
            self.assertEqual(status, 201, inv)
            tokens.append(inv["token"])
        return s["id"], tokens

    def join(self, token):
        ws = WsClient(self.d.port)
        ws.send({"type": "join", "id": 1, "v": 1, "token": token})
        return ws, ws.recv()

    def wait_metric(self, name, at_least, timeout=5, **labels):
        deadline = time.monotonic() + timeout
        while True:
            v = total(scrape(self.d), name, **labels)
            if v >= at_least or time.monotonic() > deadline:
                return v
            time.sleep(0.1)

    def cpu_seconds(self):
        # utime + stime of the daemon, /proc/PID/stat fields 14 and 15.
        with open("/proc/%d/stat" % self.d.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def test_build_and_process(self):
        cpu_before = self.cpu_seconds()
        m = scrape(self.d)
        cpu_after = self.cpu_seconds()
        info = [l for (n, l), v in m.items() if n == "hearth_build_info" and v == 1]
        self.assertEqual(len(info), 1, info)
        labels = dict(info[0])
        self.assertRegex(labels["version"], r"^\d+\.\d+\.\d+")
        self.assertRegex(labels["commit"], r"^([0-9a-f]{7,40}|unknown)$")
        # The figures of the daemon's own process, checked against /proc.
        pid = self.d.proc.pid
        # (A daemon this fresh may have used less than one clock tick: 0.)
        cpu = total(m, "process_cpu_seconds_total")
        self.assertGreaterEqual(cpu, cpu_before)
        self.assertLessEqual(cpu, cpu_after)
        rss = total(m, "process_resident_memory_bytes")
        self.assertGreater(rss, 1 << 20)
        self.assertGreater(total(m, "process_virtual_memory_bytes"), rss)
        fds = len(os.listdir("/proc/%d/fd" % pid))
        self.assertLessEqual(abs(total(m, "process_open_fds") - fds), 3)
        self.assertGreater(total(m, "process_max_fds"), total(m, "process_open_fds"))
        started = os.stat("/proc/%d" % pid).st_mtime  # set when the process appeared
        self.assertLess(abs(total(m, "process_start_time_seconds") - started), 5)
        self.assertLess(total(m, "process_start_time_seconds"), time.time())

    def test_joins_people_and_a_transport(self):
        sid, tokens = self.family(["Host", "Dana"])
        before = scrape(self.d)
        host, ok_h = self.join(tokens[0])
        self.assertEqual((ok_h["type"], ok_h["state"]), ("join.ok", "admitted"), ok_h)
        dana, ok_d = self.join(tokens[1])
        self.assertEqual((ok_d["type"], ok_d["state"]), ("join.ok", "waiting"), ok_d)
        bad, err = self.join("x" * 43)
        self.assertEqual(err["error"]["code"], "invite_unknown", err)
        bad.close()
        after = scrape(self.d)
        for outcome in ("ok", "waiting", "invite_unknown"):
            self.assertEqual(total(after, "hearth_joins_total", outcome=outcome)
                             - total(before, "hearth_joins_total", outcome=outcome), 1, outcome)
        self.assertEqual(total(after, "hearth_joins_total", outcome="session_full"),
                         total(before, "hearth_joins_total", outcome="session_full"))
        self.assertEqual(total(after, "hearth_sessions_open"), 1)
        self.assertEqual(total(after, "hearth_participants", state="admitted"), 1)
        self.assertEqual(total(after, "hearth_participants", state="waiting"), 1)
        self.assertGreaterEqual(total(after, "hearth_websocket_connections_open"), 2)

        # A publish transport, reached by ICE checks from one address and
        # then, nominated, from another: the relay counts a network change
        # and logs it with whose transport it is.
        mark = len(self.d.lines)
        with open(os.path.join(os.environ["HEARTH_SDP_DATA"],
                               "webrtcbin-publish-offer.sdp")) as f:
            offer = f.read()
        host.send({"type": "publish", "id": 2, "sdp": offer})
        answer = host.recv_type("publish.ok")["sdp"]
        username = "%s:%s" % (sdp_value(answer, "a=ice-ufrag:"), sdp_value(offer, "a=ice-ufrag:"))
        pwd = sdp_value(answer, "a=ice-pwd:")
        port = int(sdp_value(answer, "a=candidate:").split()[5])
        first, second = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
        for s, nominate in ((first, False), (second, True)):
            s.settimeout(3)
            s.sendto(stun_request(username, pwd, nominate), ("127.0.0.1", port))
            reply, _ = s.recvfrom(2048)
            while reply[0] > 3:  # DTLS (the relay may speak first): not the answer
                reply, _ = s.recvfrom(2048)
            self.assertEqual(struct.unpack("!H", reply[:2])[0], 0x0101)  # success
        self.assertGreaterEqual(self.wait_metric("hearth_transport_network_changes_total", 1), 1)
        line = self.d.wait_for_log("network changed", start=mark)
        entry = json.loads(line)
        self.assertEqual(entry["level"], "info")
        self.assertEqual(entry["session"], str(sid))
        self.assertEqual(entry["participant"], ok_h["you"]["participant_id"])
        self.assertRegex(entry["transport"], r"^\d+$")
        self.assertRegex(entry["worker"], r"^[01]$")
        for text in ("127.0.0.1", "Host", "Dana"):
            self.assertNotIn(text, line)
        m = scrape(self.d)
        self.assertGreater(total(m, "hearth_media_bytes_total", direction="in"),
                           total(before, "hearth_media_bytes_total", direction="in"))
        self.assertGreater(total(m, "hearth_media_bytes_total", direction="out"),
                           total(before, "hearth_media_bytes_total", direction="out"))
        for s in (first, second):
            s.close()
        for ws in (host, dana):
            ws.close()

    def test_logs_are_json_lines(self):
        status, _, _ = self.d.http("GET", "/healthz")
        self.assertEqual(status, 200)
        with self.d.lock:
            lines = list(self.d.lines)
        self.assertGreater(len(lines), 1)
        for line in lines:
            entry = json.loads(line)  # every line, not just most
            self.assertIsInstance(entry, dict, line)
            self.assertEqual(set(entry) & {"ts", "level", "msg"}, {"ts", "level", "msg"}, line)
            self.assertRegex(entry["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(entry["level"], ("error", "warn", "info", "debug"))

    def test_zz_rate_limited(self):
        before = scrape(self.d)
        codes = []
        for _ in range(14):  # a burst of 10 failures, then refusals
            ws, err = self.join("y" * 43)
            codes.append(err["error"]["code"])
            ws.close()
        self.assertIn("rate_limited", codes)
        refused = codes.count("rate_limited")
        after = scrape(self.d)
        self.assertEqual(total(after, "hearth_ratelimit_refusals_total", what="join")
                         - total(before, "hearth_ratelimit_refusals_total", what="join"), refused)
        self.assertEqual(total(after, "hearth_joins_total", outcome="rate_limited")
                         - total(before, "hearth_joins_total", outcome="rate_limited"), refused)
        self.assertEqual(total(after, "hearth_ratelimit_refusals_total", what="api_key"), 0)


if __name__ == "__main__":
    unittest.main()
