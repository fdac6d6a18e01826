"""The real hearthd on loopback: /healthz over HTTP, worker threads, SIGHUP
reload, SIGTERM within 2 s, and the sd_notify conversation with systemd."""

import os
import json
import re
import signal
import socket
import tempfile
import time
import unittest

from hearthlib import Daemon


def thread_names(pid):
    names = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            names.append(f.read().strip())
    return sorted(names)


class Lifecycle(unittest.TestCase):
    def test_serve_reload_stop(self):
        with Daemon("[media]\nworkers = 3\n") as d:
            d.start()
            status, body, headers = d.http("GET", "/healthz")
            self.assertEqual(status, 200)
            self.assertEqual(body["status"], "ok")
            self.assertEqual(body["workers"], 3)
            self.assertEqual(headers["Content-Type"], "application/json")

            # The control thread plus one thread per worker, nothing else.
            names = thread_names(d.proc.pid)
            self.assertEqual(len(names), 4, names)
            self.assertEqual(names.count("hearthd"), 1, names)
            for i in range(3):
                self.assertIn("hearth-media%d" % i, names)

            status, body, _ = d.http("GET", "/nope")
            self.assertEqual(status, 404)
            self.assertEqual(body["error"]["code"], "not_found")
            status, body, _ = d.http("POST", "/healthz", body={})
            self.assertEqual(status, 405)

            # SIGHUP applies the new log level and says so, still serving.
            mark = len(d.lines)
            d.write_config("[media]\nworkers = 3\n[log]\nlevel = debug\n")
            d.signal(signal.SIGHUP)
            d.wait_for_log(re.compile(r"reloaded .*: log\.level=debug"), start=mark)
            self.assertEqual(d.http("GET", "/healthz")[0], 200)
            # listen_port = 0 took a free port: the derived public URL names
            # it, and a reload does not call that a change.
            self.assertNotIn("server.public_url changed", d.log())

            # A change that needs a restart is named, not applied.
            mark = len(d.lines)
            d.write_config("[media]\nworkers = 2\n[log]\nlevel = debug\n")
            d.signal(signal.SIGHUP)
            d.wait_for_log("media.workers changed; it takes effect at the next restart",
                           start=mark)
            self.assertEqual(d.http("GET", "/healthz")[1]["workers"], 3)

            # log.format is reloadable: the line saying so is already in
            # the new format, either way.
            mark = len(d.lines)
            d.write_config("[media]\nworkers = 2\n[log]\nlevel = debug\nformat = json\n")
            d.signal(signal.SIGHUP)
            line = d.wait_for_log("log.format=json", start=mark)
            self.assertIn("log.format=json", json.loads(line)["msg"])
            self.assertEqual(d.http("GET", "/healthz")[0], 200)
            d.write_config("[media]\nworkers = 2\n[log]\nlevel = debug\n")
            d.signal(signal.SIGHUP)
            line = d.wait_for_log("log.format=text", start=mark)
            self.assertRegex(line, r"^\d{4}-\d\d-\d\dT[0-9:.]+Z info  reloaded ")

            # A broken file on reload keeps the running configuration.
            mark = len(d.lines)
            with open(d.config_path, "a") as f:
                f.write("[nonsense]\n")
            d.signal(signal.SIGHUP)
            d.wait_for_log("reload failed: keeping the running configuration", start=mark)
            self.assertEqual(d.http("GET", "/healthz")[0], 200)

            rc, took = d.stop()
            self.assertEqual(rc, 0, d.log())
            self.assertLess(took, 2.0)
            # The audit log's head is anchored in the journal.
            self.assertRegex(d.log(), r"audit head: row \d+, sha256 [0-9a-f]{64}")
            self.assertIn("stopped", d.log())

    def test_sigint_stops(self):
        with Daemon() as d:
            d.start()
            t0 = time.monotonic()
            d.signal(signal.SIGINT)
            self.assertEqual(d.proc.wait(5), 0)
            self.assertLess(time.monotonic() - t0, 2.0)

    def test_busy_port_fails_cleanly(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            with Daemon("[server]\nlisten_port = %d\n" % port) as d:
                d.proc = None
                import subprocess
                r = subprocess.run([os.environ["HEARTHD"], "--config", d.config_path],
                                   capture_output=True, text=True, timeout=10)
                self.assertEqual(r.returncode, 1)
                self.assertIn("cannot listen on 127.0.0.1 port %d" % port, r.stderr)

    def test_systemd_notify(self):
        """READY=1, WATCHDOG=1, RELOADING=1 and STOPPING=1, as systemd sees them."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        sock_path = os.path.join(tmp.name, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        sock.settimeout(5)
        self.addCleanup(sock.close)

        def expect(field):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                msg = sock.recv(4096).decode()
                if field in msg.split("\n"):
                    return msg
            self.fail("no %s from hearthd" % field)

        env = {"NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "400000"}
        with Daemon(env=env) as d:
            # sd_watchdog_enabled() wants WATCHDOG_PID to be the daemon's own
            # pid or unset; unset means "for this process".
            d.start()
            expect("READY=1")
            expect("WATCHDOG=1")
            expect("WATCHDOG=1")
            d.signal(signal.SIGHUP)
            expect("RELOADING=1")
            expect("READY=1")
            d.signal(signal.SIGTERM)
            expect("STOPPING=1")
            self.assertEqual(d.proc.wait(5), 0)

    def test_journal_prefixes(self):
        """Under systemd (JOURNAL_STREAM names stderr) lines carry <N> priorities;
        on a terminal or pipe of its own they carry a timestamp and level."""
        import subprocess
        with Daemon() as d:
            r, w = os.pipe()
            st = os.fstat(w)
            env = dict(d.env, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
            proc = subprocess.Popen([os.environ["HEARTHD"], "--config", d.config_path],
                                    stderr=w, env=env)
            os.close(w)
            with os.fdopen(r) as f:
                start = []
                while not start or "listening on" not in start[-1]:
                    line = f.readline()
                    self.assertTrue(line, "hearthd never said where it listens")
                    start.append(line)
                proc.send_signal(signal.SIGTERM)
                rest = f.read()
            self.assertEqual(proc.wait(5), 0)
            for line in start:
                self.assertRegex(line, r"^<\d>\S")
            self.assertRegex(start[-1], r"^<6>hearthd .* listening on ")
            self.assertIn("<6>received SIGTERM: stopping", rest)

            d.start()
            self.assertRegex(d.lines[0], r"^\d{4}-\d\d-\d\dT[\d:.]+Z info  ")


if __name__ == "__main__":
    unittest.main()
