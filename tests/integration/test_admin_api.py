"""The admin API against the real hearthd over real HTTP (and its unix socket):
every endpoint's success path and each kind of bad input of docs/admin-api.md."""

import hashlib
import http.client
import json
import os
import socket
import time
import unittest

from hearthlib import Daemon

KEY = "k" * 43
READ_KEY = "r" * 43


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def open_now(minutes=60):
    """A one-off schedule whose window contains now."""
    now = int(time.time())
    return {"type": "once", "start": iso(now - 60), "end": iso(now + minutes * 60)}


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=5)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class AdminApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(
            "[admin]\napi_keys = test:%s, auditor:%s:read\n" % (sha(KEY), sha(READ_KEY))
        )
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        cls.d.write_config(
            "[admin]\napi_keys = test:%s, auditor:%s:read\n[storage]\nadmin_socket = %s\n"
            % (sha(KEY), sha(READ_KEY), cls.sock)
        )
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        rc, _ = cls.d.stop()
        log = cls.d.log()
        cls.d.close()
        assert rc == 0, "hearthd exited %d:\n%s" % (rc, log)

    def api(self, method, path, body=None, key=KEY, raw=None):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        conn.request(method, "/api/v1" + path, body=data, headers=headers)
        resp = conn.getresponse()
        text = resp.read()
        conn.close()
        return resp.status, (json.loads(text) if text else None), resp

    def unix(self, method, path, body=None):
        conn = UnixHTTPConnection(self.sock)
        conn.request(method, "/api/v1" + path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        text = resp.read()
        conn.close()
        return resp.status, (json.loads(text) if text else None)

    def check(self, token, peer_ok=True):
        return self.d.http("POST", "/invite/check", body={"token": token})

    def session(self, kind="family", **extra):
        body = {"kind": kind, "title": "Test %s session" % kind, "schedule": open_now()}
        body.update(extra)
        status, s, _ = self.api("POST", "/sessions", body)
        self.assertEqual(status, 201, s)
        return s

    def entry(self, sid, role="family", name="Dana", **extra):
        body = {"display_name": name, "role": role}
        body.update(extra)
        status, e, _ = self.api("POST", "/sessions/%d/roster" % sid, body)
        self.assertEqual(status, 201, e)
        return e

    def invite(self, sid, eid, **body):
        status, inv, _ = self.api("POST", "/sessions/%d/roster/%d/invite" % (sid, eid), body)
        self.assertEqual(status, 201, inv)
        return inv

    def expect_error(self, result, status, code, field=None):
        got_status, body, _ = result if len(result) == 3 else (*result, None)
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        self.assertIsInstance(body["error"]["message"], str)
        if field:
            self.assertEqual(body["error"].get("field"), field, body)

    # --- authentication -------------------------------------------------
    def test_keys(self):
        status, body, resp = self.api("GET", "/sessions", key=None)
        self.assertEqual(status, 401)
        self.assertEqual(resp.headers["WWW-Authenticate"], "Bearer")
        self.expect_error(self.api("GET", "/sessions", key="wrong"), 401, "unauthorized")
        self.assertEqual(self.api("GET", "/sessions", key=READ_KEY)[0], 200)
        self.expect_error(self.api("POST", "/sessions", {}, key=READ_KEY), 403, "forbidden")
        # The unix socket needs no key; its file mode is the access control.
        self.assertEqual(self.unix("GET", "/sessions")[0], 200)
        self.assertEqual(os.stat(self.sock).st_mode & 0o777, 0o660)

    # --- sessions -------------------------------------------------------
    def test_session_crud(self):
        s = self.session("couples")
        self.assertEqual((s["capacity"], s["waiting_room"], s["publish_policy"]),
                         (3, True, "everyone"))
        self.assertEqual(s["status"], "open")
        self.assertIsNotNone(s["next_occurrence"])
        w = self.session("workshop")
        self.assertEqual((w["capacity"], w["waiting_room"], w["publish_policy"]),
                         (150, False, "hosts"))
        status, got, _ = self.api("GET", "/sessions/%d" % s["id"])
        self.assertEqual(status, 200)
        self.assertEqual(got["title"], s["title"])

        status, got, _ = self.api("PATCH", "/sessions/%d" % s["id"],
                                  {"capacity": 4, "waiting_room": False})
        self.assertEqual(status, 200, got)
        self.assertEqual((got["capacity"], got["waiting_room"]), (4, False))
        self.expect_error(self.api("PATCH", "/sessions/%d" % s["id"], {"kind": "group"}),
                          400, "invalid", "kind")

        status, got, _ = self.api("POST", "/sessions/%d/end" % s["id"])
        self.assertEqual((status, got["status"]), (200, "ended"))
        self.expect_error(self.api("PATCH", "/sessions/%d" % s["id"], {"capacity": 5}),
                          409, "conflict")

        self.assertEqual(self.api("DELETE", "/sessions/%d" % s["id"])[0], 204)
        self.expect_error(self.api("GET", "/sessions/%d" % s["id"]), 404, "not_found")
        self.expect_error(self.api("DELETE", "/sessions/%d" % s["id"]), 404, "not_found")

    def test_names_editable(self):
        # Off for every kind unless asked for; in every session object.
        for kind in ("individual", "couples", "family", "group", "workshop"):
            self.assertIs(self.session(kind)["names_editable"], False)
        s = self.session("group", names_editable=True)
        self.assertIs(s["names_editable"], True)
        self.assertIs(self.api("GET", "/sessions/%d" % s["id"])[1]["names_editable"], True)
        status, page, _ = self.api("GET", "/sessions?after=%d" % (s["id"] - 1))
        self.assertIs(page["items"][0]["names_editable"], True)

        status, got, _ = self.api("PATCH", "/sessions/%d" % s["id"], {"names_editable": False})
        self.assertEqual(status, 200, got)
        self.assertIs(got["names_editable"], False)
        self.assertEqual(got["capacity"], 16)  # the rest unchanged
        status, got, _ = self.api("PATCH", "/sessions/%d" % s["id"], {"title": "Renamed"})
        self.assertIs(got["names_editable"], False)  # absent: kept
        for bad in (1, "yes", None, [True]):
            self.expect_error(self.api("PATCH", "/sessions/%d" % s["id"],
                                       {"names_editable": bad}), 400, "invalid", "names_editable")
            self.expect_error(self.api("POST", "/sessions",
                                       {"kind": "family", "title": "T", "schedule": open_now(),
                                        "names_editable": bad}), 400, "invalid", "names_editable")

        # The pre-join check tells the browser whether the name field is editable.
        e = self.entry(s["id"], "peer", "Robin")
        token = self.invite(s["id"], e["id"])["token"]
        status, body, _ = self.check(token)
        self.assertEqual(status, 200, body)
        self.assertIs(body["session"]["names_editable"], False)
        self.api("PATCH", "/sessions/%d" % s["id"], {"names_editable": True})
        status, body, _ = self.check(token)
        self.assertIs(body["session"]["names_editable"], True)
        self.assertEqual(body["participant"]["display_name"], "Robin")

        # Audited like any other change: the field's name, not its value.
        status, page, _ = self.api("GET", "/audit?session=%d" % s["id"])
        updates = [r["detail"] for r in page["items"] if r["kind"] == "session_updated"]
        self.assertEqual(updates, [{"fields": ["names_editable"]}, {"fields": ["title"]},
                                   {"fields": ["names_editable"]}])

    def test_weekly_session(self):
        s = self.session("group", schedule={"type": "weekly", "days": ["tue", "thu"],
                                            "start_time": "19:00",
                                            "time_zone": "America/New_York",
                                            "duration_minutes": 90})
        self.assertEqual(s["capacity"], 16)
        self.assertEqual(s["schedule"]["days"], ["tue", "thu"])
        self.assertIn(s["status"], ("open", "not_open_yet"))
        occ = s["next_occurrence"]
        self.assertTrue(occ["opens_at"] < occ["start"] < occ["end"] < occ["closes_at"])

    def test_pagination(self):
        ids = [self.session("individual")["id"] for _ in range(5)]
        seen, after = [], None
        while True:
            q = "/sessions?limit=2" + ("&after=%d" % after if after else "")
            status, page, _ = self.api("GET", q)
            self.assertEqual(status, 200)
            self.assertLessEqual(len(page["items"]), 2)
            seen += [s["id"] for s in page["items"]]
            after = page["next_after"]
            if after is None:
                break
        for i in ids:
            self.assertIn(i, seen)
        self.assertEqual(seen, sorted(seen))
        self.expect_error(self.api("GET", "/sessions?limit=0"), 400, "invalid", "limit")
        self.expect_error(self.api("GET", "/sessions?limit=201"), 400, "invalid", "limit")
        self.expect_error(self.api("GET", "/sessions?after=x"), 400, "invalid", "after")

    def test_bad_requests(self):
        good = {"kind": "family", "title": "T", "schedule": open_now()}
        self.expect_error(self.api("POST", "/sessions", raw="{not json"), 400, "bad_json")
        self.expect_error(self.api("POST", "/sessions", raw="[1,2]"), 400, "bad_json")
        self.expect_error(self.api("POST", "/sessions", dict(good, colour="red")),
                          400, "invalid", "colour")
        self.expect_error(self.api("POST", "/sessions", dict(good, capacity="ten")),
                          400, "invalid", "capacity")
        self.expect_error(self.api("POST", "/sessions", dict(good, capacity=0)),
                          400, "invalid", "capacity")
        self.expect_error(self.api("POST", "/sessions", dict(good, waiting_room=1)),
                          400, "invalid", "waiting_room")
        self.expect_error(self.api("POST", "/sessions", {"kind": "family", "title": "T"}),
                          400, "invalid", "schedule")
        self.expect_error(self.api("POST", "/sessions", dict(good, kind="party")),
                          400, "invalid", "kind")
        self.expect_error(self.api("POST", "/sessions", dict(good, title="")),
                          400, "invalid", "title")
        bad_tz = {"type": "weekly", "days": ["mon"], "start_time": "19:00",
                  "time_zone": "Mars/Olympus", "duration_minutes": 60}
        self.expect_error(self.api("POST", "/sessions", dict(good, schedule=bad_tz)),
                          400, "invalid", "schedule.time_zone")
        big = json.dumps(dict(good, title="x" * 70000))
        status, body, _ = self.api("POST", "/sessions", raw=big)
        self.assertEqual(status, 413)
        self.expect_error(self.api("GET", "/nothing"), 404, "not_found")
        self.expect_error(self.api("GET", "/sessions/abc"), 404, "not_found")
        self.expect_error(self.api("GET", "/sessions/0"), 404, "not_found")
        self.expect_error(self.api("PUT", "/sessions"), 405, "method_not_allowed")

    # --- roster ---------------------------------------------------------
    def test_roster(self):
        s = self.session("individual")
        host = self.entry(s["id"], "host", "Dr. Reyes")
        self.assertTrue(host["auto_admit"])
        self.assertTrue(all(host["permissions"].values()))
        client = self.entry(s["id"], "client", "Sam",
                            permissions={"share_screen": False})
        self.assertFalse(client["auto_admit"])
        self.assertEqual(client["permissions"],
                         {"publish_audio": True, "publish_video": True, "share_screen": False,
                          "subscribe": True, "moderate": False})
        self.entry(s["id"], "family", "Alex")
        # individual: capacity 3
        self.expect_error(self.api("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": "Extra", "role": "peer"}),
                          409, "capacity_exceeded")
        # Lowering the capacity keeps the roster (joins beyond it are refused,
        # test_ws.py); adding to a roster that is full still is not allowed.
        status, got, _ = self.api("PATCH", "/sessions/%d" % s["id"], {"capacity": 2})
        self.assertEqual((status, got["capacity"]), (200, 2))
        self.expect_error(self.api("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": "Extra", "role": "peer"}),
                          409, "capacity_exceeded")

        status, page, _ = self.api("GET", "/sessions/%d/roster" % s["id"])
        self.assertEqual([e["display_name"] for e in page["items"]], ["Dr. Reyes", "Sam", "Alex"])
        status, e, _ = self.api("PATCH", "/sessions/%d/roster/%d" % (s["id"], client["id"]),
                                {"auto_admit": True, "permissions": {"moderate": True}})
        self.assertEqual(status, 200, e)
        self.assertTrue(e["auto_admit"] and e["permissions"]["moderate"])
        self.expect_error(self.api("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": "Bad\u0007", "role": "peer"}),
                          400, "invalid", "display_name")
        # Nothing that reorders or hides what is shown (bidirectional
        # overrides and isolates, zero-width and other invisible characters).
        for bad in ("Sam\u202eevil", "\u2066Sam\u2069", "Sa\u200bm", "Sam\ufeff",
                    "Sa\u00adm", "Sam\U000e0041", "\u200dSam"):
            self.expect_error(self.api("POST", "/sessions/%d/roster" % s["id"],
                                       {"display_name": bad, "role": "peer"}),
                              400, "invalid", "display_name")
            self.expect_error(self.api("PATCH", "/sessions/%d/roster/%d"
                                       % (s["id"], client["id"]), {"display_name": bad}),
                              400, "invalid", "display_name")
        self.expect_error(self.api("PATCH", "/sessions/%d" % s["id"],
                                   {"title": "Group\u202e"}), 400, "invalid", "title")
        self.expect_error(self.api("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": "X", "role": "boss"}),
                          400, "invalid", "role")
        self.expect_error(self.api("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": "X", "role": "peer",
                                    "permissions": {"fly": True}}),
                          400, "invalid", "permissions.fly")

        # Another session's ids do not cross.
        other = self.session("family")
        self.expect_error(self.api("GET", "/sessions/%d/roster/%d" % (other["id"], client["id"])),
                          404, "not_found")
        self.expect_error(self.api("DELETE", "/sessions/%d/roster/%d" % (other["id"], host["id"])),
                          404, "not_found")
        self.assertEqual(self.api("DELETE", "/sessions/%d/roster/%d" % (s["id"], host["id"]))[0],
                         204)
        self.expect_error(self.api("GET", "/sessions/%d/roster/%d" % (s["id"], host["id"])),
                          404, "not_found")

    def test_workshop_roles(self):
        w = self.session("workshop")
        viewer = self.entry(w["id"], "viewer", "V")
        peer = self.entry(w["id"], "peer", "P")
        self.assertEqual([k for k, v in viewer["permissions"].items() if v], ["subscribe"])
        self.assertEqual([k for k, v in peer["permissions"].items() if v], ["subscribe"])

    # --- invites --------------------------------------------------------
    def test_invite_lifecycle(self):
        s = self.session("family")
        e = self.entry(s["id"], "family", "Jordan")
        inv = self.invite(s["id"], e["id"], max_uses=5)
        token = inv["token"]
        self.assertEqual(len(token), 43)
        self.assertTrue(inv["url"].endswith("/join/" + token))
        self.assertEqual(inv["invite"]["state"], "active")
        self.assertNotIn("token", json.dumps(self.api("GET", "/sessions/%d/invites" % s["id"])[1]))

        status, body, _ = self.check(token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["participant"]["display_name"], "Jordan")
        self.assertEqual(body["participant"]["roster_entry_id"], e["id"])
        self.assertEqual(body["session"]["status"], "open")

        # A new link for the same person revokes the old one.
        inv2 = self.invite(s["id"], e["id"])
        self.expect_error(self.check(token), 410, "invite_revoked")
        self.assertEqual(self.check(inv2["token"])[0], 200)
        status, page, _ = self.api("GET", "/sessions/%d/invites?roster_entry=%d"
                                   % (s["id"], e["id"]))
        self.assertEqual([i["state"] for i in page["items"]], ["revoked", "active"])

        status, got, _ = self.api("DELETE", "/sessions/%d/invites/%d"
                                  % (s["id"], inv2["invite"]["id"]))
        self.assertEqual((status, got["state"]), (200, "revoked"))
        self.expect_error(self.check(inv2["token"]), 410, "invite_revoked")
        other = self.session("family")
        self.expect_error(self.api("GET", "/sessions/%d/invites/%d"
                                   % (other["id"], inv2["invite"]["id"])), 404, "not_found")
        self.expect_error(self.api("POST", "/sessions/%d/roster/%d/invite"
                                   % (s["id"], e["id"]), {"max_uses": 0}),
                          400, "invalid", "max_uses")

    def test_invite_refusals(self):
        now = int(time.time())
        later = self.session("individual", schedule={
            "type": "once", "start": iso(now + 7200), "end": iso(now + 10800)})
        e = self.entry(later["id"], "client", "C")
        status, body, _ = self.check(self.invite(later["id"], e["id"])["token"])
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "session_not_open_yet")
        self.assertEqual(body["error"]["opens_at"], iso(now + 7200 - 15 * 60))

        past = self.session("individual", schedule={
            "type": "once", "start": iso(now - 10800), "end": iso(now - 7200)})
        e = self.entry(past["id"], "client", "C")
        self.expect_error(self.check(self.invite(past["id"], e["id"])["token"]),
                          410, "invite_expired")

        ended = self.session("couples")
        e = self.entry(ended["id"], "partner", "P")
        token = self.invite(ended["id"], e["id"])["token"]
        self.api("POST", "/sessions/%d/end" % ended["id"])
        self.expect_error(self.check(token), 410, "session_ended")
        self.expect_error(self.api("POST", "/sessions/%d/roster/%d/invite"
                                   % (ended["id"], e["id"]), {}), 409, "conflict")

    def test_rate_limit(self):
        # Its own daemon, so other tests' failures do not count here.
        with Daemon() as d:
            d.start()
            codes = [d.http("POST", "/invite/check", body={"token": "A" * 43})[0]
                     for _ in range(10)]
            self.assertEqual(codes, [404] * 10)
            status, body, headers = d.http("POST", "/invite/check", body={"token": "B" * 43})
            self.assertEqual(status, 429)
            self.assertEqual(body["error"]["code"], "rate_limited")
            self.assertGreaterEqual(int(headers["Retry-After"]), 1)

    # --- audit ----------------------------------------------------------
    def test_audit(self):
        s = self.session("family")
        e = self.entry(s["id"], "family", "Unique Name Zq")
        inv = self.invite(s["id"], e["id"])
        self.api("DELETE", "/sessions/%d/invites/%d" % (s["id"], inv["invite"]["id"]))
        status, page, _ = self.api("GET", "/audit?session=%d" % s["id"])
        self.assertEqual(status, 200)
        kinds = [r["kind"] for r in page["items"]]
        self.assertEqual(kinds, ["session_created", "roster_added", "invite_created",
                                 "invite_revoked"])
        self.assertTrue(all(r["actor"] == "api-key:test" for r in page["items"]))
        self.assertEqual(page["items"][1]["roster_entry_id"], e["id"])
        dump = json.dumps(page)
        self.assertNotIn("Unique Name Zq", dump)
        self.assertNotIn(inv["token"], dump)
        status, v, _ = self.api("GET", "/audit/verify", key=READ_KEY)
        self.assertEqual(status, 200)
        self.assertTrue(v["ok"], v)
        self.assertGreaterEqual(v["rows"], 4)
        self.assertNotIn(inv["token"], self.d.log())
        self.assertNotIn("Unique Name Zq", self.d.log())


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
WEEK = 7 * 86400


class Occurrences(unittest.TestCase):
    """A weekly session's occurrences, with hearthd's wall clock moved a week
    on by libfaketime (its offset read from a file, monotonic time real): a
    host's "end" ends today's occurrence only, the series and its links go
    on next week, uses count once per occurrence, the series ends only with
    a confirmation, and the audit chain holds."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(FAKETIME_LIB):
            raise unittest.SkipTest("libfaketime is not installed (scripts/install-deps --test)")
        cls.d = Daemon()
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        cls.clock = os.path.join(cls.d.tmp.name, "faketime")
        cls.set_offset(0)
        cls.d.env.update({"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": cls.clock,
                          "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
        cls.d.write_config("[storage]\nadmin_socket = %s\n" % cls.sock)
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        rc, _ = cls.d.stop()
        log = cls.d.log()
        cls.d.close()
        assert rc == 0, "hearthd exited %d:\n%s" % (rc, log)

    @classmethod
    def set_offset(cls, seconds):
        with open(cls.clock, "w") as f:
            f.write("%+d\n" % seconds)

    def wait_for_week(self, sid, start, timeout=5):
        """Until hearthd's clock (libfaketime re-reads its file at most once
        a second, lazily) is in the open occurrence of that start."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.admin("GET", "/sessions/%d" % sid)[1]
            now = (s["status"], (s["current_occurrence"] or {}).get("start"))
            if now == ("open", iso(start)) or time.monotonic() > deadline:
                self.assertEqual(now, ("open", iso(start)), s)
                return s
            time.sleep(0.2)

    def admin(self, method, path, body=None):
        from hearthlib import admin_call
        return admin_call(self.sock, method, path, body)

    def restart(self):
        rc, _ = self.d.stop()
        self.assertEqual(rc, 0, self.d.log())
        with self.d.lock:
            self.d.lines = []
        self.d.start()

    def join(self, token):
        from wsclient import WsClient
        ws = WsClient(self.d.port)
        self.addCleanup(ws.sock.close)
        ws.send({"type": "join", "id": 1, "v": 1, "token": token})
        return ws, ws.recv()

    def invite_of(self, sid, inv_id):
        status, inv = self.admin("GET", "/sessions/%d/invites/%d" % (sid, inv_id))
        self.assertEqual(status, 200, inv)
        return inv

    def test_weekly_occurrences(self):
        from wsclient import Closed
        # This week's occurrence began five minutes ago (UTC wall clock).
        start = int(time.time()) - 300
        t = time.gmtime(start)
        day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][t.tm_wday]
        status, s = self.admin("POST", "/sessions", {
            "kind": "family", "title": "Weekly family",
            "schedule": {"type": "weekly", "days": [day],
                         "start_time": "%02d:%02d" % (t.tm_hour, t.tm_min), "time_zone": "UTC",
                         "duration_minutes": 60}})
        self.assertEqual(status, 201, s)
        sid = s["id"]
        this_start = s["current_occurrence"]["start"]
        self.assertEqual(s["status"], "open")
        self.assertEqual(s["current_occurrence"]["state"], "open")
        self.assertIsNone(s["current_occurrence"]["first_join_at"])
        self.assertEqual(s["next_occurrence"]["start"], this_start)
        people = []
        for name, role, uses in (("Host", "host", 20), ("Dana", "family", 3)):
            status, e = self.admin("POST", "/sessions/%d/roster" % sid,
                                   {"display_name": name, "role": role, "auto_admit": True})
            self.assertEqual(status, 201, e)
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (sid, e["id"]),
                                     {"max_uses": uses})
            self.assertEqual(status, 201, inv)
            people.append(inv)
        host_inv, dana_inv = people
        self.assertEqual(dana_inv["invite"]["remaining_uses"], 3)
        self.assertFalse(dana_inv["invite"]["nearly_used_up"])

        # Joins, a leave and a rejoin, a dropped socket and another join: one use.
        host, ok = self.join(host_inv["token"])
        self.assertEqual(ok["type"], "join.ok", ok)
        dana, ok = self.join(dana_inv["token"])
        self.assertEqual(ok["type"], "join.ok", ok)
        dana.send({"type": "leave", "id": 2})
        dana.expect_close()
        dana, ok = self.join(dana_inv["token"])
        self.assertEqual(ok["type"], "join.ok", ok)
        dana.sock.close()
        dana, ok = self.join(dana_inv["token"])
        self.assertEqual(ok["type"], "join.ok", ok)
        inv = self.invite_of(sid, dana_inv["invite"]["id"])
        self.assertEqual(inv["uses"], 1)
        self.assertEqual(inv["remaining_uses"], 2)
        self.assertTrue(inv["nearly_used_up"])  # 2 left: max(2, 10 % of 3)
        status, s = self.admin("GET", "/sessions/%d" % sid)
        self.assertIsNotNone(s["current_occurrence"]["first_join_at"])

        # The host's in-call end: everyone out, the series stays.
        host.send({"type": "end", "id": 7})
        self.assertEqual(host.recv_type("end.ok")["id"], 7)
        code, seen = dana.expect_close()
        self.assertIn({"type": "session.ended", "reason": "ended"}, seen)
        host.expect_close()
        next_start = iso(calendar_start(this_start) + WEEK)
        for token in (dana_inv["token"], host_inv["token"]):
            ws, err = self.join(token)
            self.assertEqual(err["type"], "error", err)
            self.assertEqual(err["error"]["code"], "occurrence_ended")
            # The next occurrence opens a week later, 15 minutes early.
            self.assertEqual(err["error"]["opens_at"],
                             iso(calendar_start(this_start) + WEEK - 15 * 60))
            self.assertRaises(Closed, lambda: [ws.recv() for _ in range(5)])
        status, s = self.admin("GET", "/sessions/%d" % sid)
        self.assertEqual(s["status"], "occurrence_ended")
        self.assertIsNone(s["ended_at"])
        self.assertEqual(s["current_occurrence"]["state"], "ended")
        self.assertEqual(s["next_occurrence"]["start"], next_start)
        status, occ = self.admin("GET", "/sessions/%d/occurrences" % sid)
        self.assertEqual(status, 200, occ)
        self.assertEqual([(o["start"], o["state"]) for o in occ["items"]],
                         [(next_start, "upcoming"), (this_start, "ended")])
        # Ending it again is harmless; the series needs its confirmation.
        status, _ = self.admin("POST", "/sessions/%d/occurrences/current/end" % sid)
        self.assertEqual(status, 200)
        status, err = self.admin("POST", "/sessions/%d/end" % sid)
        self.assertEqual(status, 400, err)
        self.assertEqual(err["error"]["code"], "confirmation_required")
        self.assertEqual(err["error"]["field"], "confirm")
        status, err = self.admin("POST", "/sessions/%d/end" % sid, {"confirm": "yes"})
        self.assertEqual((status, err["error"]["field"]), (400, "confirm"))

        # The ended occurrence stays ended across a restart.
        self.restart()
        ws, err = self.join(dana_inv["token"])
        self.assertEqual(err["error"]["code"], "occurrence_ended")

        # A week later the same links work, and a new occurrence uses one.
        self.set_offset(WEEK)
        self.wait_for_week(sid, calendar_start(this_start) + WEEK)
        dana, ok = self.join(dana_inv["token"])
        self.assertEqual(ok["type"], "join.ok", ok)
        dana, ok = self.join(dana_inv["token"])  # a second tab: free
        self.assertEqual(ok["type"], "join.ok", ok)
        inv = self.invite_of(sid, dana_inv["invite"]["id"])
        self.assertEqual((inv["uses"], inv["remaining_uses"]), (2, 1))
        status, occ = self.admin("GET", "/sessions/%d/occurrences" % sid)
        self.assertEqual([(o["start"], o["state"]) for o in occ["items"]],
                         [(next_start, "open"), (this_start, "ended")])
        # The third week takes the last use; in the fourth the link is used up.
        self.set_offset(2 * WEEK)
        self.wait_for_week(sid, calendar_start(this_start) + 2 * WEEK)
        ws, ok = self.join(dana_inv["token"])
        self.assertEqual(ok["type"], "join.ok", ok)
        self.assertEqual(self.invite_of(sid, dana_inv["invite"]["id"])["remaining_uses"], 0)
        self.set_offset(3 * WEEK)
        self.wait_for_week(sid, calendar_start(this_start) + 3 * WEEK)
        ws, err = self.join(dana_inv["token"])
        self.assertEqual(err["error"]["code"], "invite_used_up")
        self.assertEqual(self.invite_of(sid, dana_inv["invite"]["id"])["state"], "used_up")
        status, s = self.admin("POST", "/sessions/%d/end" % sid, {"confirm": "end-series"})
        self.assertEqual(status, 200, s)
        self.assertEqual(s["status"], "ended")
        self.assertIsNotNone(s["ended_at"])
        ws, err = self.join(host_inv["token"])
        self.assertEqual(err["error"]["code"], "session_ended")

        # The audit log: occurrences named, no personal data, chain intact.
        status, page = self.admin("GET", "/audit?session=%d&limit=200" % sid)
        rows = page["items"]
        kinds = [r["kind"] for r in rows]
        self.assertEqual(kinds.count("occurrence_started"), 3)
        # The first week's by the host, the fourth's (open) with the series.
        self.assertEqual(kinds.count("occurrence_ended"), 2)
        self.assertEqual(kinds.count("invite_low"), 1)
        for r in rows:
            if r["kind"] in ("join", "leave", "occurrence_started", "occurrence_ended"):
                self.assertIn("occurrence", r["detail"], r)
                self.assertRegex(r["detail"]["occurrence"], r"^\d{4}-\d\d-\d\dT", r)
            self.assertNotIn("Dana", json.dumps(r))
        ended = [r for r in rows if r["kind"] == "session_ended"]
        self.assertEqual(ended[0]["detail"]["scope"], "series")
        status, verify = self.admin("GET", "/audit/verify")
        self.assertEqual(status, 200, verify)
        self.assertTrue(verify["ok"], verify)


def calendar_start(text):
    import calendar
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


if __name__ == "__main__":
    unittest.main()
