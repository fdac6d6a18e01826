"""hearthctl, the admin CLI, driven as a subprocess against the real hearthd
over its admin unix socket: every command's output, --json, and the exit
codes scripts rely on (ctl/README.md)."""

import hashlib
import json
import os
import re
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest

from hearthlib import Daemon

HEARTHCTL = os.environ.get("HEARTHCTL", "hearthctl")

EXIT_OK = 0
EXIT_SERVER = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_NOT_FOUND = 4
EXIT_CONFLICT = 5
EXIT_INVALID = 6
EXIT_AUDIT_BROKEN = 7
EXIT_REFUSED = 8

TOKEN_RE = re.compile(r"/join/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")


def ctl(*args, sock=None, env=None):
    e = dict(os.environ)
    e.pop("HEARTH_ADMIN_SOCKET", None)
    e.update(env or {})
    cmd = [HEARTHCTL] + (["--socket", sock] if sock else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=e)


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def start_daemon():
    """A hearthd whose admin socket is at a known, short path."""
    d = Daemon()
    sock = os.path.join(d.tmp.name, "a.sock")
    d.write_config("[storage]\nadmin_socket = %s\n" % sock)
    d.start()
    deadline = time.monotonic() + 10
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.05)
    return d, sock


class Offline(unittest.TestCase):
    """What hearthctl answers on its own, with no daemon to talk to."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="hctl-")
        self.addCleanup(self.tmp.cleanup)

    def test_help_and_version(self):
        r = ctl("--help")
        self.assertEqual(r.returncode, EXIT_OK)
        for word in ("session create", "roster add", "invite create", "audit verify",
                     "api-key generate", "Exit status"):
            self.assertIn(word, r.stdout)
        for code in range(9):
            self.assertRegex(r.stdout, r"\n  %d  " % code)
        self.assertEqual(ctl("help").returncode, EXIT_OK)
        r = ctl("--version")
        self.assertEqual(r.returncode, EXIT_OK)
        self.assertRegex(r.stdout, r"^hearthctl \d+\.\d+\.\d+\n$")
        r = ctl("session", "create", "--help")
        self.assertEqual(r.returncode, EXIT_OK)
        self.assertIn("--waiting-room", r.stdout)

    def test_usage_errors(self):
        cases = [
            (),
            ("bogus",),
            ("--bogus", "session", "list"),
            ("session",),
            ("session", "frobnicate"),
            ("session", "list", "--bogus"),
            ("session", "list", "--limit", "ten"),
            ("session", "show"),
            ("session", "show", "abc"),
            ("session", "show", "0"),
            ("session", "show", "1", "2"),
            ("session", "create", "--title", "T", "--start", "a", "--end", "b"),
            ("session", "create", "--kind", "family", "--start", "a", "--end", "b"),
            ("session", "create", "--kind", "family", "--title", "T"),
            ("session", "create", "--kind", "family", "--title", "T", "--weekly",
             "tue 19:00 UTC"),
            ("session", "create", "--kind", "family", "--title", "T", "--weekly",
             "tue 19:00 UTC", "--duration", "1x"),
            ("session", "create", "--kind", "family", "--title", "T", "--weekly",
             "tue 19:00", "--duration", "60"),
            ("session", "create", "--kind", "family", "--title", "T", "--weekly",
             "tue 19:00 UTC", "--duration", "60", "--start", "a", "--end", "b"),
            ("session", "create", "--kind", "family", "--title", "T", "--start", "a"),
            ("session", "create", "--kind", "family", "--title", "T", "--start", "a",
             "--end", "b", "--waiting-room", "maybe"),
            ("session", "create", "--kind", "family", "--title", "T", "--start", "a",
             "--end", "b", "--names-editable", "yes please"),
            ("session", "update", "3", "--names-editable", "1x"),
            ("session", "create", "--kind", "family", "--title", "T", "--start", "a",
             "--end", "b", "--grace", "5", "--grace-after", "5"),
            ("session", "update", "3"),
            ("roster", "add", "3", "--name", "Dana"),
            ("roster", "add", "3", "--name", "Dana", "--role", "family", "--auto-admit",
             "--no-auto-admit"),
            ("roster", "add", "3", "--name", "Dana", "--role", "family", "--deny",
             "moderate", "--allow", "moderate"),
            ("roster", "show", "3"),
            ("invite", "create", "3"),
            ("invite", "create", "3", "4", "--max-uses", "lots"),
            ("invite", "list", "3", "--entry", "x"),
            ("audit", "list", "--session", "-1"),
            ("audit", "verify", "extra"),
            ("api-key", "generate"),
            ("api-key", "generate", "has space"),
            ("api-key", "generate", "a:b"),
        ]
        missing = os.path.join(self.tmp.name, "none.sock")
        for args in cases:
            with self.subTest(args=args):
                r = ctl(*args, sock=missing)
                self.assertEqual(r.returncode, EXIT_USAGE, r.stdout + r.stderr)
                self.assertIn("hearthctl", r.stderr + r.stdout)

    def test_daemon_not_running(self):
        missing = os.path.join(self.tmp.name, "none.sock")
        r = ctl("session", "list", sock=missing)
        self.assertEqual(r.returncode, EXIT_UNREACHABLE)
        self.assertIn(missing, r.stderr)
        # The same through the environment variable.
        r = ctl("audit", "verify", env={"HEARTH_ADMIN_SOCKET": missing})
        self.assertEqual(r.returncode, EXIT_UNREACHABLE)
        self.assertIn(missing, r.stderr)
        # A socket file nobody listens on (a daemon that was killed).
        stale = os.path.join(self.tmp.name, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()
        r = ctl("session", "show", "1", sock=stale)
        self.assertEqual(r.returncode, EXIT_UNREACHABLE)
        self.assertIn("refused", r.stderr)

    def test_daemon_silent_times_out_or_hangs_up(self):
        # A listener that accepts and then closes without a word.
        path = os.path.join(self.tmp.name, "mute.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        self.addCleanup(s.close)
        p = subprocess.Popen([HEARTHCTL, "--socket", path, "session", "list"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        conn, _ = s.accept()
        conn.close()
        out, err = p.communicate(timeout=20)
        self.assertEqual(p.returncode, EXIT_UNREACHABLE, err)

    def test_daemon_that_never_answers_times_out(self):
        # Listening, but never accepting nor answering: the 10 s deadline.
        path = os.path.join(self.tmp.name, "stuck.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(4)
        self.addCleanup(s.close)
        t0 = time.monotonic()
        r = ctl("audit", "verify", sock=path)
        self.assertEqual(r.returncode, EXIT_UNREACHABLE, r.stderr)
        self.assertIn("no answer", r.stderr)
        self.assertLess(time.monotonic() - t0, 20)

    def test_api_key_generate(self):
        r = ctl("api-key", "generate", "scheduler")
        self.assertEqual(r.returncode, EXIT_OK, r.stderr)
        keys = re.findall(r"^    ([A-Za-z0-9_-]{43})$", r.stdout, re.M)
        entries = re.findall(r"^    (scheduler:[0-9a-f]{64})$", r.stdout, re.M)
        self.assertEqual(len(keys), 1, r.stdout)
        self.assertEqual(len(entries), 1, r.stdout)
        digest = hashlib.sha256(keys[0].encode()).hexdigest()
        self.assertEqual(entries[0], "scheduler:" + digest)
        self.assertIn("[admin]", r.stdout)
        self.assertIn("api_keys", r.stdout)

        r2 = ctl("api-key", "generate", "scheduler")
        self.assertNotIn(keys[0], r2.stdout, "keys must be random")

        r = ctl("api-key", "generate", "auditor", "--read-only")
        self.assertEqual(r.returncode, EXIT_OK, r.stderr)
        key = re.search(r"^    ([A-Za-z0-9_-]{43})$", r.stdout, re.M).group(1)
        self.assertIn("    auditor:%s:read\n" % hashlib.sha256(key.encode()).hexdigest(),
                      r.stdout)

        r = ctl("--json", "api-key", "generate", "ops-1", "--read-only")
        self.assertEqual(r.returncode, EXIT_OK, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(len(j["key"]), 43)
        self.assertEqual(j["sha256"], hashlib.sha256(j["key"].encode()).hexdigest())
        self.assertEqual(j["entry"], "ops-1:%s:read" % j["sha256"])
        self.assertTrue(j["read_only"])


class ApiKeyInDaemon(unittest.TestCase):
    def test_api_key_works_with_the_daemon(self):
        """The generated entry, put in the config, admits the generated key."""
        j = json.loads(ctl("--json", "api-key", "generate", "sched").stdout)
        with Daemon("[admin]\napi_keys = %s\n" % j["entry"]) as d:
            d.start()
            status, body, _ = d.http("GET", "/api/v1/sessions",
                                     headers={"Authorization": "Bearer " + j["key"]})
            self.assertEqual(status, 200, body)
            status, _, _ = d.http("GET", "/api/v1/sessions",
                                  headers={"Authorization": "Bearer " + "x" * 43})
            self.assertEqual(status, 401)


class WithDaemon(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d, cls.sock = start_daemon()

    @classmethod
    def tearDownClass(cls):
        rc, _ = cls.d.stop()
        log = cls.d.log()
        cls.d.close()
        assert rc == 0, "hearthd exited with %d:\n%s" % (rc, log[-4000:])

    def run_ok(self, *args):
        r = ctl(*args, sock=self.sock)
        self.assertEqual(r.returncode, EXIT_OK, "%s\n%s%s" % (args, r.stdout, r.stderr))
        return r

    def json_ok(self, *args):
        return json.loads(self.run_ok("--json", *args).stdout)

    def expect(self, code, *args):
        r = ctl(*args, sock=self.sock)
        self.assertEqual(r.returncode, code, "%s\n%s%s" % (args, r.stdout, r.stderr))
        return r

    def new_session(self, *extra, title="Group session"):
        now = int(time.time())
        return self.json_ok("session", "create", "--kind", "group", "--title", title,
                            "--start", iso(now - 60), "--end", iso(now + 3600), *extra)

    def add_entry(self, sid, name="Dana", role="family", *extra):
        return self.json_ok("roster", "add", str(sid), "--name", name, "--role", role, *extra)

    def test_session_create_weekly(self):
        r = self.run_ok("session", "create", "--kind", "family", "--title", "Family session",
                        "--weekly", "tue,thu 19:00 America/New_York", "--duration", "1h30m",
                        "--grace-before", "10m", "--grace-after", "20")
        m = re.search(r"^session (\d+): Family session$", r.stdout, re.M)
        self.assertIsNotNone(m, r.stdout)
        self.assertIn("weekly tue,thu 19:00 America/New_York, 90 min", r.stdout)
        s = self.json_ok("session", "show", m.group(1))
        self.assertEqual(s["kind"], "family")
        self.assertEqual(s["capacity"], 10)
        sch = s["schedule"]
        self.assertEqual(sch["type"], "weekly")
        self.assertEqual(sch["days"], ["tue", "thu"])
        self.assertEqual(sch["start_time"], "19:00")
        self.assertEqual(sch["time_zone"], "America/New_York")
        self.assertEqual(sch["duration_minutes"], 90)
        self.assertEqual(sch["grace_before_minutes"], 10)
        self.assertEqual(sch["grace_after_minutes"], 20)

    def test_weekly_end_needs_series(self):
        """A weekly session (Tuesdays 19:00 New York: not open while this runs
        unless it happens to be Tuesday evening there) ends for good only with
        --series; ending today's occurrence needs one open."""
        sid = str(self.json_ok("session", "create", "--kind", "family", "--title", "Weekly",
                               "--weekly", "tue 19:00 America/New_York",
                               "--duration", "60m")["id"])
        r = self.expect(EXIT_INVALID, "session", "end", sid)
        self.assertIn("end-series", r.stderr)
        self.assertIn("occurrences/current/end", r.stderr)
        s = self.json_ok("session", "show", sid)
        self.assertIsNone(s["ended_at"])
        if s["status"] == "not_open_yet":
            self.expect(EXIT_CONFLICT, "session", "end-occurrence", sid)
        r = self.run_ok("session", "occurrences", sid)
        self.assertRegex(r.stdout, r"START +STATE +FIRST JOIN +ENDED\n")
        self.assertIn(s["next_occurrence"]["start"], r.stdout)
        r = self.run_ok("session", "end", sid, "--series")
        self.assertIn("ended for good", r.stdout)
        self.assertEqual(self.json_ok("session", "show", sid)["status"], "ended")

    def test_session_create_once_with_overrides(self):
        now = int(time.time())
        s = self.json_ok("session", "create", "--kind", "workshop", "--title", "Workshop",
                         "--start", iso(now + 3600), "--end", iso(now + 7200), "--capacity",
                         "40", "--waiting-room", "on", "--publish", "everyone", "--grace",
                         "5m")
        self.assertEqual(s["capacity"], 40)
        self.assertTrue(s["waiting_room"])
        self.assertEqual(s["publish_policy"], "everyone")
        self.assertEqual(s["schedule"]["type"], "once")
        self.assertEqual(s["schedule"]["grace_before_minutes"], 5)
        self.assertEqual(s["schedule"]["grace_after_minutes"], 5)
        self.assertEqual(s["status"], "not_open_yet")

    def test_invalid_timezone(self):
        r = self.expect(EXIT_INVALID, "session", "create", "--kind", "family", "--title", "T",
                        "--weekly", "mon 09:00 Mars/Olympus_Mons", "--duration", "60m")
        self.assertIn("time_zone", r.stderr)
        # --json also prints the server's error for scripts.
        r = self.expect(EXIT_INVALID, "--json", "session", "create", "--kind", "family",
                        "--title", "T", "--weekly", "mon 09:00 Mars/Olympus_Mons",
                        "--duration", "60m")
        err = json.loads(r.stdout)["error"]
        self.assertEqual(err["code"], "invalid")
        self.assertIn("time_zone", err["field"])

    def test_invalid_values_from_server(self):
        self.expect(EXIT_INVALID, "session", "create", "--kind", "spaceship", "--title", "T",
                    "--weekly", "mon 09:00 UTC", "--duration", "60")
        self.expect(EXIT_INVALID, "session", "create", "--kind", "family", "--title", "T",
                    "--weekly", "mon 09:00 UTC", "--duration", "0")
        sid = self.new_session()["id"]
        self.expect(EXIT_INVALID, "session", "update", str(sid), "--capacity", "501")
        self.expect(EXIT_INVALID, "session", "list", "--limit", "0")

    def test_unknown_ids(self):
        r = self.expect(EXIT_NOT_FOUND, "session", "show", "999999")
        self.assertIn("not found", r.stderr)
        self.expect(EXIT_NOT_FOUND, "session", "update", "999999", "--title", "x")
        self.expect(EXIT_NOT_FOUND, "session", "end", "999999")
        self.expect(EXIT_NOT_FOUND, "session", "delete", "999999")
        self.expect(EXIT_NOT_FOUND, "roster", "list", "999999")
        sid = self.new_session()["id"]
        self.expect(EXIT_NOT_FOUND, "roster", "show", str(sid), "999999")
        self.expect(EXIT_NOT_FOUND, "roster", "remove", str(sid), "999999")
        self.expect(EXIT_NOT_FOUND, "invite", "create", str(sid), "999999")
        self.expect(EXIT_NOT_FOUND, "invite", "revoke", str(sid), "999999")
        # An entry of another session is not found here either.
        other = self.new_session()["id"]
        eid = self.add_entry(other)["id"]
        self.expect(EXIT_NOT_FOUND, "roster", "show", str(sid), str(eid))

    def test_session_list_and_pages(self):
        ids = [self.new_session(title="List %d" % i)["id"] for i in range(3)]
        r = self.run_ok("session", "list", "--all")
        self.assertIn("List 2", r.stdout)
        self.assertIn("TITLE", r.stdout)
        page = self.json_ok("session", "list", "--limit", "1")
        self.assertEqual(len(page["items"]), 1)
        self.assertIsInstance(page["next_after"], int)
        r = self.run_ok("session", "list", "--limit", "1")
        self.assertIn("--all", r.stdout)
        everything = self.json_ok("session", "list", "--limit", "1", "--all")
        self.assertIsNone(everything["next_after"])
        listed = [s["id"] for s in everything["items"]]
        self.assertEqual(len(listed), len(set(listed)))
        for i in ids:
            self.assertIn(i, listed)

    def test_session_update_end_delete(self):
        sid = str(self.new_session()["id"])
        r = self.run_ok("session", "update", sid, "--title", "Renamed", "--capacity", "12",
                        "--waiting-room", "off", "--publish", "hosts")
        self.assertIn("Renamed", r.stdout)
        s = self.json_ok("session", "show", sid)
        self.assertEqual((s["title"], s["capacity"], s["waiting_room"], s["publish_policy"]),
                         ("Renamed", 12, False, "hosts"))
        r = self.run_ok("session", "end", sid)
        self.assertIn("ended", r.stdout)
        self.assertEqual(self.json_ok("session", "show", sid)["status"], "ended")
        # An ended session cannot be changed.
        self.expect(EXIT_CONFLICT, "session", "update", sid, "--title", "Again")
        self.run_ok("session", "delete", sid)
        self.expect(EXIT_NOT_FOUND, "session", "show", sid)

    def test_names_editable(self):
        s = self.new_session()
        self.assertIs(s["names_editable"], False)
        sid = str(s["id"])
        r = self.run_ok("session", "show", sid)
        self.assertRegex(r.stdout, r"names editable +no\n")
        r = self.run_ok("session", "update", sid, "--names-editable", "on")
        self.assertRegex(r.stdout, r"names editable +yes\n")
        self.assertIs(self.json_ok("session", "show", sid)["names_editable"], True)
        self.assertIs(self.json_ok("session", "update", sid, "--names-editable",
                                   "off")["names_editable"], False)
        s = self.new_session("--names-editable", "on")
        self.assertIs(s["names_editable"], True)
        self.assertRegex(self.run_ok("session", "show", str(s["id"])).stdout,
                         r"names editable +yes\n")

    def test_capacity_exceeded(self):
        sid = str(self.new_session("--capacity", "1")["id"])
        self.add_entry(sid, "Host", "host")
        r = self.expect(EXIT_CONFLICT, "roster", "add", sid, "--name", "Extra", "--role",
                        "client")
        self.assertIn("capacity_exceeded", r.stderr)
        self.assertEqual(len(self.json_ok("roster", "list", sid)["items"]), 1)

    def test_roster(self):
        sid = str(self.new_session()["id"])
        e = self.add_entry(sid, "Dana Q.", "family", "--deny", "share_screen", "--auto-admit")
        self.assertEqual(e["display_name"], "Dana Q.")
        self.assertFalse(e["permissions"]["share_screen"])
        self.assertTrue(e["permissions"]["publish_audio"])
        self.assertTrue(e["auto_admit"])
        v = self.add_entry(sid, "Viewer", "viewer", "--allow", "publish_audio")
        self.assertTrue(v["permissions"]["publish_audio"])
        self.assertFalse(v["permissions"]["publish_video"])
        h = self.add_entry(sid, "Host", "host", "--no-auto-admit")
        self.assertFalse(h["auto_admit"])
        self.expect(EXIT_INVALID, "roster", "add", sid, "--name", "X", "--role", "emperor")
        self.expect(EXIT_INVALID, "roster", "add", sid, "--name", "X", "--role", "client",
                    "--deny", "fly")

        r = self.run_ok("roster", "list", sid)
        for name in ("Dana Q.", "Viewer", "Host"):
            self.assertIn(name, r.stdout)
        listed = self.json_ok("roster", "list", sid)
        self.assertEqual({x["id"] for x in listed["items"]}, {e["id"], v["id"], h["id"]})
        r = self.run_ok("roster", "show", sid, str(e["id"]))
        self.assertIn("Dana Q.", r.stdout)
        self.assertIn("family", r.stdout)
        self.assertEqual(self.json_ok("roster", "show", sid, str(v["id"]))["role"], "viewer")

        r = self.run_ok("roster", "remove", sid, str(v["id"]))
        self.assertIn("removed", r.stdout)
        self.expect(EXIT_NOT_FOUND, "roster", "show", sid, str(v["id"]))
        # No invite for a removed entry: the API deletes it (404); an entry a
        # host removed in the session is kept with removed_at (409).
        r = ctl("invite", "create", sid, str(v["id"]), sock=self.sock)
        self.assertIn(r.returncode, (EXIT_NOT_FOUND, EXIT_CONFLICT), r.stdout + r.stderr)
        self.assertNotIn("/join/", r.stdout)

    def test_invites(self):
        sid = str(self.new_session()["id"])
        eid = str(self.add_entry(sid)["id"])
        r = self.run_ok("invite", "create", sid, eid)
        tokens = TOKEN_RE.findall(r.stdout)
        self.assertEqual(len(tokens), 1, r.stdout)
        token = tokens[0]
        self.assertIn("only", r.stdout)
        self.assertNotIn(token, r.stderr)

        j = self.json_ok("invite", "create", sid, eid, "--max-uses", "5")
        self.assertEqual(len(j["token"]), 43)
        self.assertTrue(j["url"].endswith("/join/" + j["token"]))
        self.assertEqual(j["invite"]["max_uses"], 5)
        new_id = j["invite"]["id"]
        self.expect(EXIT_INVALID, "invite", "create", sid, eid, "--max-uses", "0")

        # Lists never show a token; the earlier invite was revoked by the new one.
        r = self.run_ok("invite", "list", sid)
        self.assertNotIn(token, r.stdout)
        self.assertNotIn(j["token"], r.stdout)
        items = self.json_ok("invite", "list", sid)["items"]
        self.assertNotIn(j["token"], json.dumps(items))
        states = {i["id"]: i["state"] for i in items}
        self.assertEqual(states[new_id], "active")
        self.assertEqual(sorted(states.values()), ["active", "revoked"])
        by_entry = self.json_ok("invite", "list", sid, "--entry", eid)["items"]
        self.assertEqual(len(by_entry), 2)
        self.assertEqual(self.json_ok("invite", "list", sid, "--entry", "999999")["items"], [])

        r = self.run_ok("invite", "revoke", sid, str(new_id))
        self.assertIn("revoked", r.stdout)
        items = self.json_ok("invite", "list", sid, "--entry", eid)["items"]
        self.assertTrue(all(i["state"] == "revoked" for i in items))
        # The link no longer works.
        status, body, _ = self.d.http("POST", "/invite/check", {"token": j["token"]})
        self.assertEqual(status, 410, body)

        # An ended session takes no new invites.
        self.run_ok("session", "end", sid)
        self.expect(EXIT_CONFLICT, "invite", "create", sid, eid)

    def test_audit_list_and_verify(self):
        sid = str(self.new_session()["id"])
        self.add_entry(sid)
        rows = self.json_ok("audit", "list", "--session", sid)["items"]
        kinds = [row["kind"] for row in rows]
        self.assertEqual(kinds[:2], ["session_created", "roster_added"])
        self.assertTrue(all(row["actor"] == "admin-socket" for row in rows))
        self.assertTrue(all(str(row["session_id"]) == sid for row in rows))
        # Display names never reach the audit log.
        r = self.run_ok("audit", "list", "--session", sid)
        self.assertIn("session_created", r.stdout)
        self.assertNotIn("Dana", r.stdout)
        everything = self.json_ok("audit", "list", "--limit", "1", "--all")
        self.assertIsNone(everything["next_after"])
        self.assertGreaterEqual(len(everything["items"]), 2)

        r = self.run_ok("audit", "verify")
        self.assertIn("OK", r.stdout)
        self.assertTrue(self.json_ok("audit", "verify")["ok"])

    def test_environment_socket(self):
        r = ctl("session", "list", env={"HEARTH_ADMIN_SOCKET": self.sock})
        self.assertEqual(r.returncode, EXIT_OK, r.stderr)
        # --socket wins over the environment.
        r = ctl("--socket", self.sock, "session", "list",
                env={"HEARTH_ADMIN_SOCKET": "/nonexistent/x.sock"})
        self.assertEqual(r.returncode, EXIT_OK, r.stderr)
        # Options may also follow the command.
        r = ctl("session", "list", "--json", "--socket", self.sock)
        self.assertEqual(r.returncode, EXIT_OK, r.stderr)
        json.loads(r.stdout)


class AuditTampering(unittest.TestCase):
    def test_broken_chain_is_named(self):
        d, sock = start_daemon()
        self.addCleanup(d.close)
        for i in range(3):
            r = ctl("session", "create", "--kind", "individual", "--title", "S%d" % i,
                    "--weekly", "mon 10:00 UTC", "--duration", "50", sock=sock)
            self.assertEqual(r.returncode, EXIT_OK, r.stderr)
        r = ctl("audit", "verify", sock=sock)
        self.assertEqual(r.returncode, EXIT_OK, r.stdout + r.stderr)

        db = sqlite3.connect(os.path.join(d.tmp.name, "state", "hearth.db"), timeout=10)
        try:
            ids = [row[0] for row in db.execute("SELECT id FROM audit ORDER BY id")]
            self.assertGreaterEqual(len(ids), 3)
            victim = ids[1]
            triggers = [row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")]
            for name in triggers:
                db.execute('DROP TRIGGER "%s"' % name.replace('"', '""'))
            db.execute("UPDATE audit SET detail = ? WHERE id = ?", ('{"edited":true}', victim))
            db.commit()
        finally:
            db.close()

        r = ctl("audit", "verify", sock=sock)
        self.assertEqual(r.returncode, EXIT_AUDIT_BROKEN, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, r"\brow %d\b" % victim)
        r = ctl("--json", "audit", "verify", sock=sock)
        self.assertEqual(r.returncode, EXIT_AUDIT_BROKEN)
        j = json.loads(r.stdout)
        self.assertFalse(j["ok"])
        self.assertEqual(j["first_bad_id"], victim)
        rc, _ = d.stop()
        self.assertEqual(rc, 0, d.log()[-4000:])


if __name__ == "__main__":
    unittest.main()
