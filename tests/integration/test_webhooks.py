"""Webhooks (docs/admin-api.md, "Webhooks") against a real HTTP receiver on
127.0.0.1 (Python's http.server, not hearthd's code): every delivery is
signed (HMAC-SHA256 over "<t>.<body>" with the configured secret, t
recent); a join into the waiting room, an admission, a removal, a join and
a leave arrive as participant.waiting / admitted / removed / joined / left,
in order per session, without display names; a delivery answered 500 comes
again with the same delivery id and the same body; and events not yet
delivered when hearthd is killed with SIGNAL 9 (the receiver down) are
delivered after the restart."""

import hashlib
import hmac
import json
import re
import os
import socket
import ssl
import subprocess
import threading
import time
import unittest
import http.server

from hearthlib import Daemon, admin_call, open_now
from wsclient import WsClient

SECRET = "whsec-integration-0123456789"
NAMES = ("Hosta Verylongname", "Sammy Waitsalot", "Dana Dropsby")


class Receiver:
    """Records every POST; answers the first `fail_first` with 500."""

    def __init__(self, port=0, fail_first=0, tls=None):
        outer = self
        self.lock = threading.Condition()
        self.seen = []  # (status answered, headers, body bytes)
        self.fail_first = fail_first

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    status = 500 if len(outer.seen) < outer.fail_first else 204
                    outer.seen.append((status, dict(self.headers), body))
                    outer.lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self):
        """The bodies answered 2xx, parsed, in arrival order."""
        with self.lock:
            return [json.loads(b) for s, _, b in self.seen if s < 300]

    def wait_delivered(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        with self.lock:
            while sum(1 for s, _, _ in self.seen if s < 300) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%d deliveries, wanted %d: %r" %
                                         (len(self.seen), count, self.seen))
                self.lock.wait(left)
        return self.delivered()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def check_signature(test, headers, body):
    sig = headers["Hearth-Signature"]
    m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", sig)
    test.assertIsNotNone(m, sig)
    t = int(m.group(1))
    test.assertLess(abs(time.time() - t), 300, "timestamp too far from now")
    want = hmac.new(SECRET.encode(), m.group(1).encode() + b"." + body,
                    hashlib.sha256).hexdigest()
    test.assertTrue(hmac.compare_digest(want, m.group(2)), "bad signature")
    doc = json.loads(body)
    test.assertEqual(headers["Hearth-Delivery"], doc["id"])
    test.assertEqual(headers["Hearth-Event"], doc["type"])
    for name in NAMES:
        test.assertNotIn(name.split()[0].encode(), body)


def config(d, port, scheme="http"):
    sock = d.tmp.name + "/admin.sock"
    d.write_config("[storage]\nadmin_socket = %s\n[webhooks]\nurl = %s://127.0.0.1:%d/hooks\n"
                   "secret = %s\n" % (sock, scheme, port, SECRET))
    return sock


def make_pair(directory, name):
    """A self-signed certificate for 127.0.0.1 (in its subjectAltName, which
    is what a client checks an address against) and its key."""
    cert = os.path.join(directory, "%s.crt" % name)
    key = os.path.join(directory, "%s.key" % name)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def session(sock, people):
    """A family session open now; people: (name, role, auto_admit[,
    max_uses]). Returns
    the session id and the invite tokens."""
    status, s = admin_call(sock, "POST", "/sessions", {"kind": "family", "title": "Family",
                                                      "schedule": open_now()})
    assert status == 201, s
    tokens = []
    for name, role, auto, *uses in people:
        status, e = admin_call(sock, "POST", "/sessions/%d/roster" % s["id"],
                               {"display_name": name, "role": role, "auto_admit": auto})
        assert status == 201, e
        status, inv = admin_call(sock, "POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                 {"max_uses": uses[0] if uses else 5})
        assert status == 201, inv
        tokens.append((e["id"], inv["token"]))
    return s["id"], tokens


def join(port, token):
    ws = WsClient(port)
    ws.send({"type": "join", "id": 1, "v": 1, "token": token})
    ok = ws.recv_type("join.ok")
    return ws, ok["you"]["participant_id"]


def request(ws, msg, want):
    ws.send(dict(msg, id=99))
    while True:
        got = ws.recv()
        if got.get("id") == 99:
            assert got["type"] == want, got
            return got


def metric(d, name):
    status, text, _ = d.http("GET", "/metrics")
    m = re.search(r"^%s (\d+)$" % re.escape(name), text.decode(), re.M)
    return int(m.group(1)) if m else None


def wait_metric(test, d, name, at_least, timeout=10):
    """The metric once it is at least at_least: the receiver has an answer
    before hearthd has read it."""
    deadline = time.monotonic() + timeout
    while True:
        value = metric(d, name)
        if value is not None and value >= at_least:
            return value
        test.assertLess(time.monotonic(), deadline, "%s is %r\n%s" % (name, value, d.log()))
        time.sleep(0.1)


class Webhooks(unittest.TestCase):
    def test_sequence_signed_retried(self):
        rx = Receiver(fail_first=1)
        self.addCleanup(rx.close)
        with Daemon() as d:
            sock = config(d, rx.port)
            d.start()
            sid, people = session(sock, [(NAMES[0], "host", True), (NAMES[1], "family", False),
                                         (NAMES[2], "family", True, 3)])
            (host_entry, host_tok), (sam_entry, sam_tok), (dana_entry, dana_tok) = people
            host, host_pid = join(d.port, host_tok)
            sam, sam_pid = join(d.port, sam_tok)
            request(host, {"type": "admit", "participant_id": sam_pid}, "admit.ok")
            request(host, {"type": "remove", "participant_id": sam_pid}, "remove.ok")
            # Dana's link allows 3: her first use leaves 2, "nearly used up".
            dana, dana_pid = join(d.port, dana_tok)
            request(dana, {"type": "leave"}, "leave.ok")
            request(host, {"type": "end"}, "end.ok")

            want = [("occurrence.started", host_entry, None),
                    ("participant.joined", host_entry, host_pid),
                    ("participant.waiting", sam_entry, sam_pid),
                    ("participant.admitted", sam_entry, sam_pid),
                    ("participant.removed", sam_entry, sam_pid),
                    ("participant.left", sam_entry, sam_pid),
                    ("invite.nearly_used_up", dana_entry, None),
                    ("participant.joined", dana_entry, dana_pid),
                    ("participant.left", dana_entry, dana_pid),
                    ("occurrence.ended", None, None),
                    ("participant.left", host_entry, host_pid)]
            got = rx.wait_delivered(len(want))
            self.assertEqual([(e["type"], e["roster_entry_id"], e["participant_id"])
                              for e in got], want)
            for e in got:
                self.assertEqual(e["session_id"], sid)
                self.assertRegex(e["occurred_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(len({e["id"] for e in got}), len(got))
            # Every POST signed; the one answered 500 came again, same id
            # and body, and no delivery was accepted twice.
            with rx.lock:
                seen = list(rx.seen)
            for _, headers, body in seen:
                check_signature(self, headers, body)
            self.assertEqual(seen[0][0], 500)
            first_id = json.loads(seen[0][2])["id"]
            retried = [b for s, _, b in seen[1:] if json.loads(b)["id"] == first_id]
            self.assertEqual(retried, [seen[0][2]])
            self.assertEqual(wait_metric(self, d, 'hearth_webhook_deliveries_total'
                                         '{outcome="delivered"}', len(want)), len(want))
            self.assertEqual(metric(d, 'hearth_webhook_deliveries_total{outcome="rejected"}'), 1)
            self.assertEqual(metric(d, "hearth_webhook_outbox_depth"), 0)
            self.assertNotIn(SECRET, d.log())
            host.close()
            sam.close()
            rc, _ = d.stop()
            self.assertEqual(rc, 0, d.log())

    def test_kill_9_then_delivered(self):
        # A port nobody listens on yet: the receiver comes up there later.
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        with Daemon() as d:
            sock = config(d, port)
            d.start()
            sid, people = session(sock, [(NAMES[0], "host", True), (NAMES[2], "family", True)])
            host, host_pid = join(d.port, people[0][1])
            dana, dana_pid = join(d.port, people[1][1])
            request(dana, {"type": "leave"}, "leave.ok")
            # Four events, none delivered (connection refused, retried).
            wait_metric(self, d, 'hearth_webhook_deliveries_total{outcome="failed"}', 1)
            self.assertEqual(metric(d, "hearth_webhook_outbox_depth"), 4)
            d.proc.kill()
            d.proc.wait()
            host.close()

            rx = Receiver(port=port)
            self.addCleanup(rx.close)
            with d.lock:
                d.lines.clear()
            d.start()
            # The first four (a seat restored at start may add a leave later).
            got = rx.wait_delivered(4, timeout=20)[:4]
            self.assertEqual([(e["type"], e["participant_id"]) for e in got],
                             [("occurrence.started", None),
                              ("participant.joined", host_pid),
                              ("participant.joined", dana_pid),
                              ("participant.left", dana_pid)])
            with rx.lock:
                for _, headers, body in rx.seen:
                    check_signature(self, headers, body)
            self.assertEqual(len({e["id"] for e in got}), 4)
            rc, _ = d.stop()
            self.assertEqual(rc, 0, d.log())

    def test_https_verifies_the_certificate(self):
        # hearthd trusts `trusted` only (SSL_CERT_FILE); the receiver first
        # shows another certificate for the same address, then `trusted`.
        with Daemon() as d:
            trusted = make_pair(d.tmp.name, "trusted")
            stranger = make_pair(d.tmp.name, "stranger")
            d.env["SSL_CERT_FILE"] = trusted[0]
            rx = Receiver(tls=stranger)
            sock = config(d, rx.port, "https")
            d.start()
            sid, people = session(sock, [(NAMES[0], "host", True)])
            host, host_pid = join(d.port, people[0][1])
            wait_metric(self, d, 'hearth_webhook_deliveries_total{outcome="failed"}', 1)
            self.assertEqual(rx.seen, [])  # the request never reached it
            port = rx.port
            rx.close()
            rx = Receiver(port=port, tls=trusted)
            self.addCleanup(rx.close)
            got = rx.wait_delivered(2)
            self.assertEqual([(e["type"], e["participant_id"]) for e in got],
                             [("occurrence.started", None), ("participant.joined", host_pid)])
            check_signature(self, rx.seen[0][1], rx.seen[0][2])
            host.close()
            rc, _ = d.stop()
            self.assertEqual(rc, 0, d.log())


if __name__ == "__main__":
    unittest.main()
