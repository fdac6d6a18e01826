"""Several hearthd nodes on one PostgreSQL database (docs/operations.md,
"Several nodes"): tests/pg/with-postgres runs this file with a cluster of
its own. Three nodes on 127.0.0.2, .3 and .4 share it; webrtcbin peers that
reach a node which is not their session's home are sent there (wrong_node)
and their media flows through the home node; kill -9 of the home node mid
call: after its lease expires the peers' resumes (at the node they came in
through) reach a live node, which takes the session over with its seats:
same participants, no second trip through the waiting room, no new join,
media again within lease_seconds + 5 s (the gap is printed). No admin
write the dead node acknowledged is lost, and the audit chain verifies.

Standalone: tests/pg/with-postgres /usr/bin/python3 \\
    tests/integration/test_cluster.py -v  (HEARTHD and PYTHONPATH set)"""

import os
import signal
import threading
import time
import unittest

from hearthlib import Daemon, admin_call, open_now
from peer import Peer, PeerError, wait_flowing

URL = os.environ.get("HEARTH_TEST_DATABASE_URL", "")
PASSWORD_FILE = os.environ.get("HEARTH_TEST_DATABASE_PASSWORD_FILE", "")
LEASE_S = 5


def node(name, address):
    d = Daemon()
    d.address = address
    d.sock = os.path.join(d.tmp.name, "admin.sock")
    d.write_config("[server]\nlisten_address = %s\n"
                   "[storage]\nadmin_socket = %s\ndatabase_url = %s\n"
                   "database_password_file = %s\n"
                   "[media]\nbind_address = %s\n"
                   "[cluster]\nnode_id = %s\nlease_seconds = %d\n"
                   % (address, d.sock, URL, PASSWORD_FILE, address, name, LEASE_S))
    return d


@unittest.skipUnless(URL, "needs tests/pg/with-postgres")
class Cluster(unittest.TestCase):
    def setUp(self):
        self.nodes = [node("node-%s" % n, "127.0.0.%d" % (i + 2))
                      for i, n in enumerate("abc")]
        for d in self.nodes:
            d.start(timeout=30)
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()
        for d in self.nodes:
            d.stop()
            d.close()

    def admin(self, d, method, path, body=None):
        return admin_call(d.sock, method, path, body)

    def family(self, d):
        """A session open now: a host, and Dana, who waits to be let in."""
        status, s = self.admin(d, "POST", "/sessions", {"kind": "family", "title": "Family",
                                                        "schedule": open_now()})
        self.assertEqual(status, 201, s)
        tokens = []
        for name, role in (("Host", "host"), ("Dana", "family")):
            status, e = self.admin(d, "POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": role,
                                    "auto_admit": role == "host"})
            self.assertEqual(status, 201, e)
            status, inv = self.admin(d, "POST", "/sessions/%d/roster/%d/invite"
                                     % (s["id"], e["id"]), {"max_uses": 5})
            self.assertEqual(status, 201, inv)
            tokens.append(inv["token"])
        return s["id"], tokens

    def audit_kinds(self, d, sid):
        status, page = self.admin(d, "GET", "/audit?session=%d&limit=200" % sid)
        self.assertEqual(status, 200, page)
        return [e["kind"] for e in page["items"]]

    def start_media(self, p):
        self.assertEqual(p.subscribe().get("type"), "subscribe.ok", p.name)
        self.assertEqual(p.publish().get("type"), "publish.ok", p.name)

    def resume(self, p, deadline):
        """Resumes p until a node takes it (the browser retries as long)."""
        while True:
            try:
                reply = p.reconnect()
                if reply.get("type") == "resume.ok":
                    return reply
                code = (reply.get("error") or {}).get("code")
                self.assertEqual(code, "server_restarting", "%s: %r" % (p.name, reply))
            except (OSError, PeerError):
                pass  # the dead node, named by a lease not expired yet
            self.assertLess(time.monotonic(), deadline, "%s never resumed" % p.name)
            time.sleep(0.25)

    def test_routed_joins_and_failover(self):
        a, b, c = self.nodes
        sid, tokens = self.family(b)
        # The host arrives first, at node a: a homes the session. The
        # browser's origin (a load balancer) is node b: where it comes back.
        host = Peer(a.port, tokens[0], name="host", ws_host=a.address)
        self.peers.append(host)
        host.entry = (b.address, b.port)
        self.assertEqual(host.redirects, [])
        # Dana arrives at node c, which sends her to a.
        dana = Peer(c.port, tokens[1], name="dana", ws_host=c.address)
        self.peers.append(dana)
        self.assertEqual(dana.redirects, ["http://%s:%d" % (a.address, a.port)])
        self.assertEqual(dana.join_reply["state"], "waiting")
        ok = host.request({"type": "admit", "participant_id": dana.participant_id})
        self.assertEqual(ok["type"], "admit.ok", ok)
        dana.wait_message(lambda m: m.get("type") == "admitted")
        for p in (host, dana):
            self.start_media(p)
        pairs = [(host, dana.participant_id), (dana, host.participant_id)]
        self.assertEqual(wait_flowing(pairs, timeout=20), [])
        joins = self.audit_kinds(b, sid).count("join")

        # Admin writes on node a up to its death.
        acked, stop = [], threading.Event()

        def writer():
            while not stop.is_set():
                try:
                    status, body = self.admin(a, "POST", "/sessions",
                                              {"kind": "group", "title": "Written on a",
                                               "schedule": open_now()})
                except OSError:
                    return  # a died under us: that write was not acknowledged
                if status == 201:
                    acked.append(body["id"])

        t = threading.Thread(target=writer)
        t.start()
        deadline = time.monotonic() + 10
        while len(acked) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        t0 = time.monotonic()
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait(5)
        stop.set()
        t.join(10)

        deadline = t0 + LEASE_S + 10
        replies = {p.name: self.resume(p, deadline) for p in (host, dana)}
        resumed = time.monotonic() - t0
        for p in (host, dana):
            reply = replies[p.name]
            self.assertEqual(reply["state"], "admitted", p.name)
            self.assertTrue(reply.get("renegotiate"), p.name)
            self.assertEqual(reply["you"]["participant_id"], p.participant_id)
        # Both on node b now: the host came back through it, and Dana,
        # whose node c sent her on, too.
        self.assertEqual((host.ws_host, host.port), (b.address, b.port))
        self.assertEqual((dana.ws_host, dana.port), (b.address, b.port))
        for p in (host, dana):
            self.start_media(p)
        missing = wait_flowing(pairs, timeout=15)
        gap = time.monotonic() - t0
        self.assertEqual(missing, [], "media did not flow again")
        print("\ncluster: kill -9 of the home node: resumed on another node %.2f s after, "
              "media decoded again %.2f s after (lease %d s)" % (resumed, gap, LEASE_S))
        self.assertLess(gap, LEASE_S + 5)

        # No second join, no second trip through the waiting room, no
        # acknowledged write lost, one chain.
        self.assertEqual(self.audit_kinds(b, sid).count("join"), joins)
        self.assertNotIn("waiting.added", [m.get("type") for m in host.messages])
        self.assertGreaterEqual(len(acked), 5)
        for sid_written in acked:
            status, _ = self.admin(c, "GET", "/sessions/%d" % sid_written)
            self.assertEqual(status, 200, "session %d lost" % sid_written)
        status, v = self.admin(c, "GET", "/audit/verify")
        self.assertEqual(status, 200, v)
        self.assertTrue(v["ok"], v)
        b.wait_for_log("cluster: session %d: homed on this node (node-b)" % sid)


if __name__ == "__main__":
    unittest.main()
