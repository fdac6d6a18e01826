"""A restart drops no call (docs/operations.md, "Restarts"): two webrtcbin
peers in a call, one of them admitted from the waiting room; hearthd gets
SIGTERM, tells them it restarts and exits; a new hearthd on the same state
directory and port takes their resumes (same participants, no waiting
room, no invite use, no new join in the audit log), and after they publish
and subscribe anew the media flows again. Prints the gap.

Standalone: HEARTHD=/path/to/hearthd PYTHONPATH=tests/integration \\
    /usr/bin/python3 tests/integration/test_restart.py -v"""

import os
import signal
import time
import unittest

from hearthlib import Daemon, admin_call, open_now
from peer import Peer, wait_flowing


class Restart(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.sock = os.path.join(self.d.tmp.name, "admin.sock")
        self.d.write_config("[storage]\nadmin_socket = %s\n" % self.sock)
        self.d.start()
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()
        rc, _ = self.d.stop()
        log = self.d.log()
        self.d.close()
        self.assertEqual(rc, 0, log)

    def admin(self, method, path, body=None):
        return admin_call(self.sock, method, path, body)

    def family(self):
        """A session open now with a host and Dana, who waits to be let in."""
        status, s = self.admin("POST", "/sessions", {"kind": "family", "title": "Family",
                                                     "schedule": open_now()})
        self.assertEqual(status, 201, s)
        tokens = []
        for name, role in (("Host", "host"), ("Dana", "family")):
            status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": role,
                                    "auto_admit": role == "host"})
            self.assertEqual(status, 201, e)
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {"max_uses": 5})
            self.assertEqual(status, 201, inv)
            tokens.append(inv["token"])
        return s["id"], tokens

    def uses(self, sid):
        status, page = self.admin("GET", "/sessions/%d/invites" % sid)
        self.assertEqual(status, 200, page)
        return sorted(i["uses"] for i in page["items"])

    def audit_kinds(self, sid):
        status, page = self.admin("GET", "/audit?session=%d&limit=200" % sid)
        self.assertEqual(status, 200, page)
        return [e["kind"] for e in page["items"]]

    def start_media(self, p):
        self.assertEqual(p.subscribe().get("type"), "subscribe.ok", p.name)
        self.assertEqual(p.publish().get("type"), "publish.ok", p.name)

    def test_restart_mid_call(self):
        sid, tokens = self.family()
        host = Peer(self.d.port, tokens[0], name="host")
        self.peers.append(host)
        dana = Peer(self.d.port, tokens[1], name="dana")
        self.peers.append(dana)
        self.assertEqual(dana.join_reply["state"], "waiting")
        ok = host.request({"type": "admit", "participant_id": dana.participant_id})
        self.assertEqual(ok["type"], "admit.ok", ok)
        dana.wait_message(lambda m: m.get("type") == "admitted")
        for p in (host, dana):
            self.start_media(p)
        pairs = [(host, dana.participant_id), (dana, host.participant_id)]
        self.assertEqual(wait_flowing(pairs, timeout=20), [])
        uses = self.uses(sid)
        joins = self.audit_kinds(sid).count("join")

        # The same port for the next process, as systemd's restart keeps it.
        port = self.d.port
        self.d.write_config("[server]\nlisten_port = %d\n[storage]\nadmin_socket = %s\n"
                            % (port, self.sock))
        t0 = time.monotonic()
        self.d.signal(signal.SIGTERM)
        for p in (host, dana):
            told = p.wait_message(lambda m: m.get("type") == "server.restarting", timeout=5)
            self.assertGreater(told["retry_after_ms"], 0)
        rc = self.d.proc.wait(10)
        drained = time.monotonic() - t0
        self.assertEqual(rc, 0, self.d.log())
        self.assertLess(drained, 3.0, "the drain took %.1f s" % drained)
        for p in (host, dana):
            with p.cond:
                p.cond.wait_for(lambda: p.ws_closed is not None, timeout=5)
            self.assertEqual(p.ws_closed, 1012, p.name)

        mark = len(self.d.lines)
        self.d.start()
        self.assertEqual(self.d.port, port)
        self.d.wait_for_log("seats: 2 held for a resume", start=mark)
        for p in (host, dana):
            reply = p.reconnect()
            self.assertEqual(reply.get("type"), "resume.ok", "%s: %r" % (p.name, reply))
            self.assertEqual(reply["state"], "admitted", p.name)
            self.assertTrue(reply.get("renegotiate"), p.name)
            self.assertEqual(reply["you"]["participant_id"], p.participant_id)
        for p in (host, dana):
            self.start_media(p)
        missing = wait_flowing(pairs, timeout=20)
        gap = time.monotonic() - t0
        self.assertEqual(missing, [], "media did not flow again")
        print("\nrestart: drained and exited in %.2f s; media decoded again %.2f s after "
              "SIGTERM" % (drained, gap))
        self.assertLess(gap, 15.0)
        # Nobody used an invite or joined again, and nobody waited again.
        self.assertEqual(self.uses(sid), uses)
        self.assertEqual(self.audit_kinds(sid).count("join"), joins)
        self.assertNotIn("waiting.added", [m.get("type") for m in host.messages])


if __name__ == "__main__":
    unittest.main()
