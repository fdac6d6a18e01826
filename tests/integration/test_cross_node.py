"""Several hearthd nodes on one PostgreSQL database (tests/pg/with-postgres
runs this file with a cluster of its own): what an admin API call on node B
does to people connected to node A reaches A within a second: removal (by
participant id and by roster entry), admission, back to the waiting room,
mute, ending; a revoked invite is refused on A at once; with A's LISTEN
connection killed, the effects still arrive by the poll. The audit chain
verifies on both. Two nodes with one webhook receiver deliver each event
once. Times are printed (taken on a loaded 2-core machine)."""

import http.server
import os
import subprocess
import sys
import threading
import time
import unittest

from hearthlib import Daemon, admin_call, open_now
from wsclient import Closed, WsClient

SECRET = "whsec-cross-node-0123456789"


class SlowReceiver:
    """Records every POST's delivery id and answers 204 after a while, so
    that a delivery is in flight when the other node looks for work."""

    def __init__(self, delay_s=0.3):
        outer = self
        self.lock = threading.Lock()
        self.ids = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay_s)
                with outer.lock:
                    outer.ids.append(self.headers["Hearth-Delivery"])
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self):
        with self.lock:
            return list(self.ids)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

URL = os.environ.get("HEARTH_TEST_DATABASE_URL", "")
PASSWORD_FILE = os.environ.get("HEARTH_TEST_DATABASE_PASSWORD_FILE", "")
PG_DIR = os.environ.get("HEARTH_TEST_PG_DIR", "")
LIMIT_S = 1.0


def node(address, extra=""):
    d = Daemon()
    d.sock = os.path.join(d.tmp.name, "admin.sock")
    d.write_config("[server]\nlisten_address = %s\n[storage]\nadmin_socket = %s\n"
                   "database_url = %s\ndatabase_password_file = %s\n%s"
                   % (address, d.sock, URL, PASSWORD_FILE, extra))
    return d


def psql(sql):
    password = open(PASSWORD_FILE).read().strip()
    env = dict(os.environ, PGPASSWORD=password)
    return subprocess.run(["psql", "-h", PG_DIR, "-U", "hearth", "-d", "hearth", "-Atc", sql],
                          capture_output=True, text=True, env=env, timeout=30, check=True).stdout


@unittest.skipUnless(URL, "needs tests/pg/with-postgres")
class CrossNode(unittest.TestCase):
    def admin(self, d, method, path, body=None):
        return admin_call(d.sock, method, path, body)

    def session(self, d, names):
        """A group session open now; names: (display name, role, auto_admit)."""
        status, s = self.admin(d, "POST", "/sessions", {"kind": "group", "title": "Group",
                                                        "schedule": open_now()})
        self.assertEqual(status, 201, s)
        people = {}
        for name, role, auto in names:
            status, e = self.admin(d, "POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": role, "auto_admit": auto})
            self.assertEqual(status, 201, e)
            status, inv = self.admin(d, "POST",
                                     "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]), {})
            self.assertEqual(status, 201, inv)
            people[name] = (e["id"], inv["token"], inv["invite"]["id"])
        return s["id"], people

    def join(self, d, token):
        ws = WsClient(d.port, host=d.host)
        ws.send({"type": "join", "id": 1, "v": 1, "token": token})
        ok = ws.recv()
        self.assertEqual(ok["type"], "join.ok", ok)
        return ws, ok["you"]["participant_id"]

    def timed(self, what, call, ws, want):
        """Runs call() (an admin call on node B), then waits on ws (on node A)
        for a message of type want; returns the seconds from the call's start."""
        t0 = time.monotonic()
        status, body = call()
        self.assertLess(status, 300, body)
        msg = ws.recv_type(want, timeout=5)
        took = time.monotonic() - t0
        print("cross-node %-28s %4.0f ms" % (what, took * 1000), file=sys.stderr)
        self.assertLess(took, LIMIT_S, "%s took %.3f s" % (what, took))
        return msg

    def cut(self, what, call, ws):
        """As timed(), for a call that disconnects ws: until it is closed."""
        t0 = time.monotonic()
        status, body = call()
        self.assertLess(status, 300, body)
        code, seen = ws.expect_close(timeout=5)
        took = time.monotonic() - t0
        print("cross-node %-28s %4.0f ms (close %s)" % (what, took * 1000, code),
              file=sys.stderr)
        self.assertLess(took, LIMIT_S, "%s took %.3f s" % (what, took))
        return seen

    def metric(self, d, name):
        import http.client
        import socket
        conn = http.client.HTTPConnection("localhost", timeout=5)
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.connect(d.sock)
        try:
            conn.request("GET", "/metrics")
            body = conn.getresponse().read().decode()
        finally:
            conn.close()
        for line in body.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        self.fail("no metric %s" % name)

    def test_effects_reach_the_other_node(self):
        with node("127.0.0.1") as a, node("127.0.0.2") as b:
            a.host, b.host = "127.0.0.1", "127.0.0.2"
            a.start(timeout=30)
            b.start(timeout=30)
            a.wait_for_log("this node is n-")
            sid, people = self.session(b, [("Host", "host", True), ("Dana", "family", True),
                                           ("Eli", "family", False), ("Fay", "client", True),
                                           ("Gus", "client", True)])
            P = lambda pid, op: (lambda: self.admin(  # noqa: E731
                b, "POST", "/sessions/%d/participants/%s/%s" % (sid, pid, op), {}))

            host, host_pid = self.join(a, people["Host"][1])
            dana, dana_pid = self.join(a, people["Dana"][1])
            fay, fay_pid = self.join(a, people["Fay"][1])
            eli, eli_pid = self.join(a, people["Eli"][1])

            # Node B lists node A's people from their stored seats.
            status, got = self.admin(b, "GET", "/sessions/%d/participants" % sid)
            self.assertEqual(status, 200, got)
            listed = {p["participant_id"]: p for p in got["items"]}
            self.assertEqual(set(listed), {host_pid, dana_pid, fay_pid, eli_pid})
            self.assertEqual(listed[eli_pid]["state"], "waiting")
            self.assertEqual(listed[dana_pid]["display_name"], "Dana")
            self.assertTrue(listed[dana_pid]["other_node"])

            # Admission: Eli waits on node A; node B's API admits.
            self.timed("admit", P(eli_pid, "admit"), eli, "admitted")
            # Back to the waiting room, then admitted again.
            self.timed("to-waiting", P(eli_pid, "to-waiting"), eli, "waiting")
            status, err = P(eli_pid, "to-waiting")()
            self.assertEqual(status, 409, err)  # the stored seat says waiting
            self.timed("admit again", P(eli_pid, "admit"), eli, "admitted")
            # Mute.
            msg = self.timed("mute", lambda: self.admin(
                b, "POST", "/sessions/%d/participants/%s/mute" % (sid, fay_pid),
                {"kind": "audio", "lock": True}), fay, "participant.muted")
            self.assertEqual(msg["participant_id"], fay_pid)
            status, p = self.admin(b, "POST", "/sessions/%d/participants/%s/mute"
                                   % (sid, fay_pid), {"kind": "video"})
            self.assertEqual(status, 200, p)  # answered as the local case: the participant
            self.assertEqual(p["muted"], ["audio", "video"])
            self.assertEqual(p["locked"], ["audio"])
            # Unknown participant: 404 on either node.
            status, _ = self.admin(b, "POST", "/sessions/%d/participants/p-00000000000000ff/mute"
                                   % sid, {"kind": "audio"})
            self.assertEqual(status, 404)
            status, _ = P("p-00000000000000ff", "remove")()
            self.assertEqual(status, 404)

            # Removal by participant id: cut off within a second, rejoin refused.
            self.cut("remove (participant)", P(dana_pid, "remove"), dana)
            ws = WsClient(a.port, host=a.host)
            ws.send({"type": "join", "id": 1, "v": 1, "token": people["Dana"][1]})
            self.assertEqual(ws.recv()["type"], "error")
            ws.close()

            # Revocation: refused on node A at once.
            status, _ = self.admin(b, "DELETE", "/sessions/%d/invites/%d"
                                   % (sid, people["Gus"][2]))
            self.assertEqual(status, 200)
            ws = WsClient(a.port, host=a.host)
            ws.send({"type": "join", "id": 1, "v": 1, "token": people["Gus"][1]})
            err = ws.recv()
            self.assertEqual(err["error"]["code"], "invite_revoked", err)
            ws.close()

            # The LISTEN connection killed: the poll brings the effect.
            # (A node tries again 2 s after it found the connection lost.)
            polled = self.metric(a, "hearth_node_events_polled_total")
            killed = psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE application_name = 'hearthd-listen'")
            self.assertEqual(killed.strip(), "2")
            a.wait_for_log("LISTEN connection to PostgreSQL was lost", timeout=5)
            self.assertEqual(self.metric(a, "hearth_node_listen_up"), 0)
            self.cut("remove (entry, LISTEN lost)", lambda: self.admin(
                b, "DELETE", "/sessions/%d/roster/%d" % (sid, people["Fay"][0])), fay)
            self.assertGreater(self.metric(a, "hearth_node_events_polled_total"), polled)
            a.wait_for_log("LISTEN connection to PostgreSQL is back", timeout=10)

            # Ending the session on node B ends it for the host on node A.
            seen = self.cut("end", lambda: self.admin(b, "POST", "/sessions/%d/end" % sid),
                            host)
            self.assertIn("session.ended", [m.get("type") for m in seen])
            try:
                eli.expect_close(timeout=2)
            except Closed:
                pass

            for d in (a, b):
                status, v = self.admin(d, "GET", "/audit/verify")
                self.assertEqual(status, 200, v)
                self.assertTrue(v["ok"], v)
            status, audit = self.admin(a, "GET", "/audit?session=%d&limit=200" % sid)
            kinds = [r["kind"] for r in audit["items"]]
            for k in ("admit", "to_waiting", "mute", "remove", "roster_deleted",
                      "session_ended"):
                self.assertIn(k, kinds)
            for d in (a, b):
                rc, _ = d.stop()
                self.assertEqual(rc, 0, d.log())
                self.assertNotIn("Dana", d.log())

    def test_removal_on_b_cuts_media_on_a(self):
        """Real webrtcbin peers on node A, publishing and receiving: a
        removal through node B's API stops the media both ways within a
        second."""
        from peer import Peer
        with node("127.0.0.1") as a, node("127.0.0.2") as b:
            a.host, b.host = "127.0.0.1", "127.0.0.2"
            a.start(timeout=30)
            b.start(timeout=30)
            sid, people = self.session(b, [("Host", "host", True), ("Dana", "family", True)])
            host = Peer(a.port, people["Host"][1], name="host")
            dana = Peer(a.port, people["Dana"][1], name="dana")
            try:
                for p in (host, dana):
                    self.assertEqual(p.subscribe().get("type"), "subscribe.ok")
                    self.assertEqual(p.publish().get("type"), "publish.ok")
                deadline = time.monotonic() + 20
                while (host.decoded_from(dana.participant_id)["video"] < 10 or
                       dana.decoded_from(host.participant_id)["video"] < 10):
                    self.assertLess(time.monotonic(), deadline, "no media between the peers")
                    time.sleep(0.1)
                t0 = time.monotonic()
                status, _ = self.admin(b, "POST", "/sessions/%d/participants/%s/remove"
                                       % (sid, dana.participant_id), {})
                self.assertEqual(status, 204)
                last = {"from": 0.0, "to": 0.0}
                seen = {"from": host.decoded_from(dana.participant_id),
                        "to": dana.decoded_from(host.participant_id)}
                while time.monotonic() - t0 < 2.5:
                    time.sleep(0.05)
                    now = {"from": host.decoded_from(dana.participant_id),
                           "to": dana.decoded_from(host.participant_id)}
                    for k in now:
                        if now[k] != seen[k]:
                            last[k], seen[k] = time.monotonic() - t0, now[k]
                print("cross-node remove (webrtcbin): last media from Dana %.2f s, to Dana "
                      "%.2f s after the call on node B" % (last["from"], last["to"]),
                      file=sys.stderr)
                self.assertLess(last["from"], LIMIT_S, last)
                self.assertLess(last["to"], LIMIT_S, last)
                bye = dana.wait_message(lambda m: m.get("type") == "bye", timeout=2)
                self.assertEqual(bye.get("reason"), "removed")
            finally:
                for p in (host, dana):
                    p.close()

    def test_webhooks_delivered_once_by_two_nodes(self):
        rx = SlowReceiver()
        hook = "[webhooks]\nurl = http://127.0.0.1:%d/hooks\nsecret = %s\n" % (rx.port, SECRET)
        try:
            with node("127.0.0.1", hook) as a, node("127.0.0.2", hook) as b:
                a.host, b.host = "127.0.0.1", "127.0.0.2"
                a.start(timeout=30)
                b.start(timeout=30)
                sid, people = self.session(a, [("Host", "host", True)])
                # Both nodes make events: joins and leaves on each.
                for d in (a, b, a, b, a, b):
                    ws, _ = self.join(d, people["Host"][1])
                    ws.close()
                time.sleep(0.5)
                deadline = time.monotonic() + 20
                while (self.metric(a, "hearth_webhook_outbox_depth") > 0 and
                       time.monotonic() < deadline):
                    time.sleep(0.2)
                time.sleep(0.5)
                ids = rx.delivered()
                print("webhooks: %d deliveries from two nodes" % len(ids), file=sys.stderr)
                self.assertGreaterEqual(len(ids), 6)
                self.assertEqual(len(ids), len(set(ids)), "an event was delivered twice")
                for d in (a, b):
                    d.stop()
        finally:
            rx.close()


if __name__ == "__main__":
    unittest.main()
