"""A burst of admin writes, kill -9 in the middle, restart: every write that got
a 2xx is there, the database opens cleanly and the audit chain verifies."""

import http.client
import json
import os
import signal
import sqlite3
import threading
import time
import unittest

from hearthlib import Daemon


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Durability(unittest.TestCase):
    def test_kill_9_loses_no_acknowledged_write(self):
        with Daemon() as d:
            sock = os.path.join(d.tmp.name, "admin.sock")
            d.write_config("[storage]\nadmin_socket = %s\n" % sock)
            d.start()
            now = int(time.time())
            acked, stop = [], threading.Event()

            def writer():
                import socket as s
                while not stop.is_set():
                    conn = http.client.HTTPConnection("localhost", timeout=5)
                    conn.sock = s.socket(s.AF_UNIX, s.SOCK_STREAM)
                    try:
                        conn.sock.connect(sock)
                        body = {"kind": "group", "title": "Evening group %d" % len(acked),
                                "schedule": {"type": "once", "start": iso(now),
                                             "end": iso(now + 3600)}}
                        conn.request("POST", "/api/v1/sessions", body=json.dumps(body))
                        resp = conn.getresponse()
                        data = resp.read()
                        if resp.status == 201:
                            acked.append(json.loads(data)["id"])
                    except (OSError, http.client.HTTPException):
                        return  # the daemon died under us: that write was not acknowledged
                    finally:
                        conn.close()

            t = threading.Thread(target=writer)
            t.start()
            deadline = time.monotonic() + 10
            while len(acked) < 40 and time.monotonic() < deadline:
                time.sleep(0.01)
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait(5)
            stop.set()
            t.join(10)
            self.assertGreaterEqual(len(acked), 40, "too few writes before the kill")

            db = os.path.join(d.tmp.name, "state", "hearth.db")
            con = sqlite3.connect(db)
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            con.close()

            d.lines.clear()
            d.start()
            for sid in acked:
                conn = http.client.HTTPConnection("localhost", timeout=5)
                import socket as s
                conn.sock = s.socket(s.AF_UNIX, s.SOCK_STREAM)
                conn.sock.connect(sock)
                conn.request("GET", "/api/v1/sessions/%d" % sid)
                self.assertEqual(conn.getresponse().status, 200, "session %d lost" % sid)
                conn.close()
            conn = http.client.HTTPConnection("localhost", timeout=5)
            conn.sock = s.socket(s.AF_UNIX, s.SOCK_STREAM)
            conn.sock.connect(sock)
            conn.request("GET", "/api/v1/audit/verify")
            v = json.loads(conn.getresponse().read())
            conn.close()
            self.assertTrue(v["ok"], v)
            self.assertGreaterEqual(v["rows"], len(acked))
            rc, _ = d.stop()
            self.assertEqual(rc, 0)


if __name__ == "__main__":
    unittest.main()
