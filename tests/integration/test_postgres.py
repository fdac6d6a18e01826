"""hearthd on PostgreSQL: tests/pg/with-postgres runs this file with a cluster
of its own (HEARTH_TEST_DATABASE_URL, HEARTH_TEST_DATABASE_PASSWORD_FILE).
The admin API and a join work as on SQLite; two daemons on one database
write at once and the audit log stays one chain that verifies; kill -9 of
one loses no write it acknowledged; a restart keeps everything; neither the
password nor the URL's user reach the log."""

import os
import signal
import subprocess
import threading
import time
import unittest

from hearthlib import HEARTHD, Daemon, admin_call, open_now
from wsclient import WsClient

URL = os.environ.get("HEARTH_TEST_DATABASE_URL", "")
PASSWORD_FILE = os.environ.get("HEARTH_TEST_DATABASE_PASSWORD_FILE", "")


def pg_daemon():
    d = Daemon()
    d.sock = os.path.join(d.tmp.name, "admin.sock")
    d.write_config("[storage]\nadmin_socket = %s\ndatabase_url = %s\n"
                   "database_password_file = %s\n" % (d.sock, URL, PASSWORD_FILE))
    return d


@unittest.skipUnless(URL, "needs tests/pg/with-postgres")
class Postgres(unittest.TestCase):
    def admin(self, d, method, path, body=None):
        return admin_call(d.sock, method, path, body)

    def family(self, d, title):
        status, s = self.admin(d, "POST", "/sessions", {"kind": "family", "title": title,
                                                        "schedule": open_now()})
        self.assertEqual(status, 201, s)
        people = []
        for i, name in enumerate(("Host", "Dana")):
            status, e = self.admin(d, "POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": "host" if i == 0 else "family",
                                    "auto_admit": True})
            self.assertEqual(status, 201, e)
            status, inv = self.admin(d, "POST",
                                     "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]), {})
            self.assertEqual(status, 201, inv)
            people.append((e, inv["token"]))
        return s, people

    def test_admin_join_two_nodes_restart(self):
        password = open(PASSWORD_FILE).read().strip()
        with pg_daemon() as a, pg_daemon() as b:
            a.start(timeout=30)
            b.start(timeout=30)
            a.wait_for_log("database: postgresql, postgresql:///hearth")
            s, people = self.family(a, "Family on PostgreSQL")

            # Node b sees what node a wrote, and its invites work there.
            status, got = self.admin(b, "GET", "/sessions/%d" % s["id"])
            self.assertEqual(status, 200, got)
            self.assertEqual(got["title"], "Family on PostgreSQL")
            ws = WsClient(b.port)
            ws.send({"type": "join", "id": 1, "v": 1, "token": people[1][1]})
            ok = ws.recv()
            self.assertEqual(ok["type"], "join.ok", ok)
            ws.close()

            # Both nodes write at once: one audit chain.
            errors = []

            def burst(d, n):
                for i in range(n):
                    status, body = self.admin(d, "POST", "/sessions",
                                              {"kind": "group", "title": "Group %d" % i,
                                               "schedule": open_now()})
                    if status != 201:
                        errors.append((status, body))

            threads = [threading.Thread(target=burst, args=(d, 15)) for d in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(errors, [])
            for d in (a, b):
                status, v = self.admin(d, "GET", "/audit/verify")
                self.assertEqual(status, 200, v)
                self.assertTrue(v["ok"], v)
                self.assertGreaterEqual(v["rows"], 1)

            # kill -9 of node a while it writes: every write it acknowledged
            # is there (read on node b), and the chain still verifies.
            acked, stop = [], threading.Event()

            def writer():
                while not stop.is_set():
                    try:
                        status, body = self.admin(a, "POST", "/sessions",
                                                  {"kind": "group", "title": "Killed",
                                                   "schedule": open_now()})
                    except OSError:
                        return  # a died under us: that write was not acknowledged
                    if status == 201:
                        acked.append(body["id"])

            t = threading.Thread(target=writer)
            t.start()
            deadline = time.monotonic() + 20
            while len(acked) < 20 and time.monotonic() < deadline:
                time.sleep(0.01)
            a.proc.send_signal(signal.SIGKILL)
            a.proc.wait(5)
            stop.set()
            t.join(10)
            self.assertGreaterEqual(len(acked), 20, "too few writes before the kill")
            for sid in acked:
                status, _ = self.admin(b, "GET", "/sessions/%d" % sid)
                self.assertEqual(status, 200, "session %d lost" % sid)
            status, v = self.admin(b, "GET", "/audit/verify")
            self.assertTrue(v["ok"], v)

            # A restart keeps it all.
            a.start(timeout=30)
            status, got = self.admin(a, "GET", "/sessions/%d/roster" % s["id"])
            self.assertEqual(status, 200, got)
            self.assertEqual([e["display_name"] for e in got["items"]], ["Host", "Dana"])
            for d in (a, b):
                rc, _ = d.stop()
                self.assertEqual(rc, 0, d.log())
            for d in (a, b):
                self.assertNotIn(password, d.log())
                self.assertNotIn("hearth@", d.log())

    def test_check_config_refuses_a_password_in_the_url(self):
        with Daemon() as d:
            d.write_config("[storage]\ndatabase_url = postgresql://hearth:s3cret@db/hearth\n")
            r = subprocess.run([HEARTHD, "--config", d.config_path, "--check-config"],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("database_url: holds a password", r.stderr)
            self.assertNotIn("s3cret", r.stderr + r.stdout)

    def test_wrong_password_is_a_clear_error(self):
        with Daemon() as d:
            bad = os.path.join(d.tmp.name, "wrong")
            with open(bad, "w") as f:
                f.write("not-the-password\n")
            os.chmod(bad, 0o600)
            d.write_config("[storage]\ndatabase_url = %s\ndatabase_password_file = %s\n"
                           % (URL, bad))
            r = subprocess.run([HEARTHD, "--config", d.config_path], capture_output=True,
                               text=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("cannot connect to PostgreSQL", r.stderr)
            self.assertIn("password authentication failed", r.stderr)
            self.assertNotIn("not-the-password", r.stderr)


if __name__ == "__main__":
    unittest.main()
