"""The admin API as a scheduling system integrates with it, against the real
hearthd: Idempotency-Key on POSTs (replay, 409, across a restart, nothing
readable in the database), external_id and metadata on sessions and roster
entries (limits, the filter), and the OpenAPI document, against which every
endpoint's real answers are validated."""

import glob
import hashlib
import http.client
import json
import os
import socket
import sqlite3
import unittest

import jsonschema

from hearthlib import Daemon, open_now
from wsclient import WsClient

KEY = "k" * 43
OTHER_KEY = "o" * 43
READ_KEY = "r" * 43
DOC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "openapi.json")


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=5)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


class AdminIdem(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        cls.d.write_config(
            "[admin]\napi_keys = test:%s, other:%s, auditor:%s:read\n"
            "[storage]\nadmin_socket = %s\n"
            % (sha(KEY), sha(OTHER_KEY), sha(READ_KEY), cls.sock))
        cls.d.start()
        with open(DOC_PATH) as f:
            cls.doc = json.load(f)
        cls.covered = set()

    @classmethod
    def tearDownClass(cls):
        rc, _ = cls.d.stop()
        log = cls.d.log()
        cls.d.close()
        assert rc == 0, "hearthd exited %d:\n%s" % (rc, log)

    def api(self, method, path, body=None, key=KEY, idem=None, raw=None, prefix="/api/v1"):
        """(status, parsed body or None, response)."""
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        if idem is not None:
            headers["Idempotency-Key"] = idem
        if key == "unix":
            del headers["Authorization"]
            conn = UnixHTTPConnection(self.sock)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        conn.request(method, prefix + path, body=data, headers=headers)
        resp = conn.getresponse()
        text = resp.read()
        conn.close()
        return resp.status, (json.loads(text) if text else None), resp

    def session(self, idem=None, **extra):
        body = {"kind": "family", "title": "Idem family", "schedule": open_now()}
        body.update(extra)
        status, s, _ = self.api("POST", "/sessions", body, idem=idem)
        self.assertEqual(status, 201, s)
        return s

    def entry(self, sid, **extra):
        body = {"display_name": "Dana", "role": "family"}
        body.update(extra)
        status, e, _ = self.api("POST", "/sessions/%d/roster" % sid, body)
        self.assertEqual(status, 201, e)
        return e

    def expect_error(self, result, status, code, field=None):
        got_status, body, _ = result
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        if field:
            self.assertEqual(body["error"].get("field"), field, body)

    def by_external_id(self, external_id, key=KEY):
        status, page, _ = self.api("GET", "/sessions?external_id=%s" % external_id, key=key)
        self.assertEqual(status, 200, page)
        return page["items"]

    # --- Idempotency-Key ------------------------------------------------
    def test_replay_same_answer_done_once(self):
        body = {"kind": "couples", "title": "Weekly couples", "schedule": open_now(),
                "external_id": "appt-replay"}
        first = self.api("POST", "/sessions", body, idem="create-appt-replay")
        self.assertEqual(first[0], 201, first[1])
        self.assertIsNone(first[2].getheader("Idempotent-Replayed"))
        # The same request, its JSON spaced and ordered differently.
        raw = json.dumps(dict(reversed(list(body.items()))), indent=3)
        again = self.api("POST", "/sessions", raw=raw, idem="create-appt-replay")
        self.assertEqual(again[0], 201)
        self.assertEqual(again[1], first[1])
        self.assertEqual(again[2].getheader("Idempotent-Replayed"), "true")
        self.assertEqual(len(self.by_external_id("appt-replay")), 1)

    def test_same_key_other_request_is_409(self):
        self.session(idem="reused-key", external_id="appt-409")
        self.expect_error(
            self.api("POST", "/sessions",
                     {"kind": "group", "title": "Other", "schedule": open_now()},
                     idem="reused-key"), 409, "idempotency_key_reused")
        # No body is the same request as {}.
        e = self.session()
        path = "/sessions/%d/end" % e["id"]
        first = self.api("POST", path, idem="end-no-body")
        self.assertEqual(first[0], 200, first[1])
        again = self.api("POST", path, {}, idem="end-no-body")
        self.assertEqual(again[2].getheader("Idempotent-Replayed"), "true")
        # Another path with the same key is another request too.
        s = self.session()
        self.expect_error(self.api("POST", "/sessions/%d/end" % s["id"], idem="reused-key"),
                          409, "idempotency_key_reused")
        self.assertEqual(len(self.by_external_id("appt-409")), 1)

    def test_keys_are_per_api_key(self):
        a = self.session(idem="shared-key", external_id="appt-per-key")
        status, b, resp = self.api("POST", "/sessions", {
            "kind": "family", "title": "Idem family", "schedule": open_now(),
            "external_id": "appt-per-key"}, key=OTHER_KEY, idem="shared-key")
        self.assertEqual(status, 201, b)
        self.assertNotEqual(a["id"], b["id"])
        self.assertIsNone(resp.getheader("Idempotent-Replayed"))
        # The admin socket is its own caller, and takes keys too.
        body = {"kind": "group", "title": "Socket group", "schedule": open_now()}
        one = self.api("POST", "/sessions", body, key="unix", idem="shared-key")
        two = self.api("POST", "/sessions", body, key="unix", idem="shared-key")
        self.assertEqual(one[0], 201)
        self.assertEqual(two[1], one[1])
        self.assertEqual(two[2].getheader("Idempotent-Replayed"), "true")

    def test_bad_keys_are_400(self):
        body = {"kind": "family", "title": "Bad key", "schedule": open_now()}
        self.expect_error(self.api("POST", "/sessions", body, idem="x" * 256), 400, "invalid",
                          "Idempotency-Key")
        self.expect_error(self.api("POST", "/sessions", body, idem="caf\u00e9"), 400, "invalid",
                          "Idempotency-Key")
        self.assertEqual(self.api("POST", "/sessions", body, idem="y" * 255)[0], 201)

    def test_errors_are_not_kept(self):
        s = self.session()
        bad = self.api("POST", "/sessions/%d/roster" % s["id"], {"role": "family"},
                       idem="fix-and-retry")
        self.expect_error(bad, 400, "invalid", "display_name")
        # Nothing was done, so nothing was kept: the corrected request runs.
        status, e, _ = self.api("POST", "/sessions/%d/roster" % s["id"],
                                {"role": "family", "display_name": "Robin"},
                                idem="fix-and-retry")
        self.assertEqual(status, 201, e)

    def test_invite_token_survives_restart_sealed(self):
        s = self.session()
        e = self.entry(s["id"])
        path = "/sessions/%d/roster/%d/invite" % (s["id"], e["id"])
        idem = "invite-for-dana-7f3a"
        first = self.api("POST", path, {"max_uses": 5}, idem=idem)
        self.assertEqual(first[0], 201, first[1])
        token = first[1]["token"]
        self.assertEqual(self.api("POST", path, {"max_uses": 5}, idem=idem)[1], first[1])
        # One invite: the replay did not replace it with a second.
        status, page, _ = self.api("GET", "/sessions/%d/invites" % s["id"])
        self.assertEqual([i["state"] for i in page["items"]], ["active"])

        rc, _ = self.d.stop()
        self.assertEqual(rc, 0, self.d.log())
        state = os.path.join(self.d.tmp.name, "state")
        files = glob.glob(os.path.join(state, "*.db*"))
        self.assertTrue(files)
        db = sqlite3.connect(os.path.join(state, "hearth.db"))
        kept = db.execute("SELECT lookup, request_mac, response FROM idempotency").fetchall()
        db.close()
        self.assertTrue(kept)  # the answers are there, sealed
        for row in kept:
            for secret in (token, idem, hashlib.sha256(idem.encode()).hexdigest()):
                self.assertNotIn(secret.encode(), b"".join(row))
            self.assertNotEqual(row[0], hashlib.sha256(idem.encode()).digest())
        for name in files:
            with open(name, "rb") as f:
                data = f.read()
            for secret in (token, token[:16], token[-16:], idem):
                self.assertNotIn(secret.encode(), data, "%s in %s" % (secret, name))
        log = self.d.log()
        self.d.lines.clear()
        self.d.start()
        self.assertNotIn(idem, log)
        again = self.api("POST", path, {"max_uses": 5}, idem=idem)
        self.assertEqual(again[0], 201)
        self.assertEqual(again[1]["token"], token)
        self.assertEqual(again[2].getheader("Idempotent-Replayed"), "true")
        self.expect_error(self.api("POST", path, {"max_uses": 6}, idem=idem), 409,
                          "idempotency_key_reused")
        # The link still works (the answer was not a second, revoked one).
        status, check, _ = self.api("POST", "/invite/check", {"token": token}, key=None,
                                    prefix="")
        self.assertEqual(status, 200, check)

    # --- external_id and metadata ----------------------------------------
    def test_labels_round_trip_and_patch(self):
        s = self.session(external_id="appt-42", metadata={"room": "B", "week": 3, "paid": True})
        self.assertEqual(s["external_id"], "appt-42")
        self.assertEqual(s["metadata"], {"room": "B", "week": 3, "paid": True})
        got = self.api("GET", "/sessions/%d" % s["id"])[1]
        self.assertEqual((got["external_id"], got["metadata"]), ("appt-42", s["metadata"]))
        status, p, _ = self.api("PATCH", "/sessions/%d" % s["id"],
                                {"external_id": "appt-43", "metadata": {"room": "C"}})
        self.assertEqual(status, 200, p)
        self.assertEqual((p["external_id"], p["metadata"]), ("appt-43", {"room": "C"}))
        status, p, _ = self.api("PATCH", "/sessions/%d" % s["id"],
                                {"external_id": None, "metadata": None})
        self.assertEqual((p["external_id"], p["metadata"]), (None, {}))
        plain = self.session()
        self.assertEqual((plain["external_id"], plain["metadata"]), (None, {}))

        e = self.entry(s["id"], external_id="person-9", metadata={"guardian": False})
        self.assertEqual((e["external_id"], e["metadata"]), ("person-9", {"guardian": False}))
        status, p, _ = self.api("PATCH", "/sessions/%d/roster/%d" % (s["id"], e["id"]),
                                {"metadata": {"guardian": True, "age": 12.5}})
        self.assertEqual(p["metadata"], {"guardian": True, "age": 12.5})
        self.assertEqual(p["external_id"], "person-9")
        listed = self.api("GET", "/sessions/%d/roster" % s["id"])[1]["items"]
        self.assertEqual(listed[0]["metadata"], {"guardian": True, "age": 12.5})

    def test_filter_by_external_id(self):
        a = self.session(external_id="appt filter/ü")
        b = self.session(external_id="appt filter/ü")
        self.session(external_id="appt filter/other")
        from urllib.parse import quote
        items = self.by_external_id(quote("appt filter/ü"))
        self.assertEqual([s["id"] for s in items], [a["id"], b["id"]])
        status, page, _ = self.api("GET", "/sessions?external_id=%s&limit=1" %
                                   quote("appt filter/ü"))
        self.assertEqual([s["id"] for s in page["items"]], [a["id"]])
        self.assertEqual(page["next_after"], a["id"])
        self.assertEqual(self.by_external_id("nobody-has-this"), [])
        self.expect_error(self.api("GET", "/sessions?external_id=%01x"), 400, "invalid",
                          "external_id")
        self.expect_error(self.api("GET", "/sessions?external_id=" + "x" * 129), 400,
                          "invalid", "external_id")

    def test_label_limits(self):
        def create(**extra):
            body = {"kind": "family", "title": "Limits", "schedule": open_now()}
            body.update(extra)
            return self.api("POST", "/sessions", body)

        self.assertEqual(create(external_id="x" * 128)[0], 201)
        self.expect_error(create(external_id="x" * 129), 400, "invalid", "external_id")
        self.expect_error(create(external_id=""), 400, "invalid", "external_id")
        self.expect_error(create(external_id="a\nb"), 400, "invalid", "external_id")
        self.expect_error(create(external_id=7), 400, "invalid", "external_id")
        self.assertEqual(create(metadata={"k%d" % i: i for i in range(16)})[0], 201)
        self.expect_error(create(metadata={"k%d" % i: i for i in range(17)}), 400, "invalid",
                          "metadata")
        self.expect_error(create(metadata={"k" * 41: 1}), 400, "invalid", "metadata")
        self.expect_error(create(metadata={"": 1}), 400, "invalid", "metadata")
        self.expect_error(create(metadata={"nested": {"a": 1}}), 400, "invalid",
                          "metadata.nested")
        self.expect_error(create(metadata={"list": [1]}), 400, "invalid", "metadata.list")
        self.expect_error(create(metadata={"none": None}), 400, "invalid", "metadata.none")
        self.expect_error(create(metadata=["a"]), 400, "invalid", "metadata")
        big = {"k%d" % i: "v" * 120 for i in range(16)}  # ~2.1 KiB as compact JSON
        self.expect_error(create(metadata=big), 400, "invalid", "metadata")
        s = self.session()
        self.expect_error(self.api("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": "Dana", "role": "family",
                                    "metadata": {"x": {"y": 1}}}), 400, "invalid",
                          "metadata.x")
        # Never logged: not the ids, not the values.
        self.assertNotIn("appt-42", self.d.log())
        self.assertNotIn("guardian", self.d.log())

    # --- OpenAPI ----------------------------------------------------------
    def validate(self, template, method, result, prefix="/api/v1"):
        """Validates a real answer against the document's schema for it."""
        status, body, _ = result
        op = self.doc["paths"][template][method.lower()]
        self.assertIn(str(status), op["responses"], "%s %s answered %d, not documented"
                      % (method, template, status))
        response = op["responses"][str(status)]
        if "$ref" in response:
            response = self.doc["components"]["responses"][response["$ref"].split("/")[-1]]
        content = response.get("content")
        if content is None:
            self.assertIsNone(body, "%s %s %d: a body the document does not describe"
                              % (method, template, status))
        else:
            schema = dict(content["application/json"]["schema"])
            schema["components"] = self.doc["components"]
            jsonschema.Draft202012Validator(schema).validate(body)
        self.covered.add((template, method.lower()))
        return result

    def test_openapi_served_and_matches_answers(self):
        self.expect_error(self.api("GET", "/openapi.json", key=None), 401, "unauthorized")
        served = self.validate("/openapi.json", "GET", self.api("GET", "/openapi.json",
                                                                key=READ_KEY))
        self.assertEqual(served[1], self.doc)
        self.assertEqual(served[2].getheader("Content-Type"), "application/json")
        for schema in self.doc["components"]["schemas"].values():
            jsonschema.Draft202012Validator.check_schema(schema)
        self.assertTrue(self.doc["openapi"].startswith("3.1"))
        v = self.validate

        s = v("/sessions", "POST", self.api("POST", "/sessions", {
            "kind": "family", "title": "OpenAPI family", "schedule": open_now(),
            "external_id": "appt-openapi", "metadata": {"room": 1}}, idem="openapi-1"))[1]
        v("/sessions", "POST", self.api("POST", "/sessions", {"kind": "family"}))
        v("/sessions", "POST", self.api("POST", "/sessions", {}, key=READ_KEY))
        v("/sessions", "POST", self.api("POST", "/sessions", {}, idem="openapi-1"))
        weekly = v("/sessions", "POST", self.api("POST", "/sessions", {
            "kind": "group", "title": "Evening group", "schedule": {
                "type": "weekly", "days": ["tue", "thu"], "start_time": "19:00",
                "time_zone": "Europe/Berlin", "duration_minutes": 90}}))[1]
        v("/sessions", "GET", self.api("GET", "/sessions?limit=2"))
        v("/sessions", "GET", self.api("GET", "/sessions?external_id=appt-openapi"))
        v("/sessions", "GET", self.api("GET", "/sessions?limit=0"))
        v("/sessions", "GET", self.api("GET", "/sessions", key="wrong"))
        sp = "/sessions/%d" % s["id"]
        v("/sessions/{session_id}", "GET", self.api("GET", sp))
        v("/sessions/{session_id}", "GET", self.api("GET", "/sessions/999999"))
        v("/sessions/{session_id}", "PATCH", self.api("PATCH", sp, {"capacity": 5}))
        v("/sessions/{session_id}", "PATCH", self.api("PATCH", sp, {"kind": "group"}))

        e = v("/sessions/{session_id}/roster", "POST", self.api(
            "POST", sp + "/roster", {"display_name": "Dana", "role": "family",
                                     "external_id": "p-1"}))[1]
        v("/sessions/{session_id}/roster", "POST", self.api(
            "POST", sp + "/roster", {"display_name": "", "role": "family"}))
        v("/sessions/{session_id}/roster", "GET", self.api("GET", sp + "/roster"))
        ep = sp + "/roster/%d" % e["id"]
        v("/sessions/{session_id}/roster/{entry_id}", "GET", self.api("GET", ep))
        v("/sessions/{session_id}/roster/{entry_id}", "GET", self.api("GET", sp + "/roster/999"))
        v("/sessions/{session_id}/roster/{entry_id}", "PATCH",
          self.api("PATCH", ep, {"permissions": {"share_screen": False}}))
        inv = v("/sessions/{session_id}/roster/{entry_id}/invite", "POST",
                self.api("POST", ep + "/invite", {"max_uses": 3}))[1]
        v("/sessions/{session_id}/roster/{entry_id}/invite", "POST",
          self.api("POST", ep + "/invite", {"max_uses": 0}))
        v("/sessions/{session_id}/invites", "GET",
          self.api("GET", sp + "/invites?roster_entry=%d" % e["id"]))
        ip = sp + "/invites/%d" % inv["invite"]["id"]
        v("/sessions/{session_id}/invites/{invite_id}", "GET", self.api("GET", ip))
        v("/invite/check", "POST", self.api("POST", "/invite/check", {"token": inv["token"]},
                                            key=None, prefix=""))
        v("/invite/check", "POST", self.api("POST", "/invite/check", {"token": "A" * 43},
                                            key=None, prefix=""))
        v("/invite/check", "POST", self.api("POST", "/invite/check", {"nope": 1}, key=None,
                                            prefix=""))
        v("/sessions/{session_id}/invites/{invite_id}", "DELETE", self.api("DELETE", ip))
        v("/invite/check", "POST", self.api("POST", "/invite/check", {"token": inv["token"]},
                                            key=None, prefix=""))
        v("/sessions/{session_id}/roster/{entry_id}", "DELETE", self.api("DELETE", ep))
        v("/sessions/{session_id}/end", "POST", self.api("POST", sp + "/end", idem="end-1"))
        v("/sessions/{session_id}/end", "POST", self.api("POST", sp + "/end", idem="end-1"))
        v("/sessions/{session_id}", "PATCH", self.api("PATCH", sp, {"title": "Too late"}))
        v("/sessions/{session_id}/roster", "POST", self.api(
            "POST", sp + "/roster", {"display_name": "Late", "role": "family"}))
        wp = "/sessions/%d" % weekly["id"]
        v("/sessions/{session_id}/occurrences", "GET", self.api("GET", wp + "/occurrences"))
        v("/sessions/{session_id}/occurrences", "GET", self.api("GET", wp + "/occurrences?limit=99"))
        v("/sessions/{session_id}/end", "POST", self.api("POST", wp + "/end", {}))
        v("/sessions/{session_id}/end", "POST", self.api("POST", wp + "/end", {"confirm": "no"}))
        o = v("/sessions", "POST", self.api("POST", "/sessions", {
            "kind": "couples", "title": "Today", "schedule": open_now()}))[1]
        op = "/sessions/%d" % o["id"]
        got = v("/sessions/{session_id}/occurrences/current/end", "POST",
                self.api("POST", op + "/occurrences/current/end"))[1]
        self.assertEqual(got["status"], "ended")  # a one-off ends for good with it
        v("/sessions/{session_id}/occurrences", "GET", self.api("GET", op + "/occurrences"))
        v("/sessions/{session_id}/occurrences/current/end", "POST",
          self.api("POST", "/sessions/999999/occurrences/current/end"))
        v("/sessions/{session_id}", "DELETE", self.api("DELETE", wp))
        v("/sessions/{session_id}", "DELETE", self.api("DELETE", wp))
        v("/audit", "GET", self.api("GET", "/audit?session=%d&limit=5" % s["id"]))
        v("/audit", "GET", self.api("GET", "/audit?session=zero"))
        v("/audit/verify", "GET", self.api("GET", "/audit/verify"))

        # Participants: someone present, moderated through the API.
        fam = self.api("POST", "/sessions", {"kind": "family", "title": "Present",
                                             "schedule": open_now()})[1]
        fp = "/sessions/%d" % fam["id"]
        kid = self.api("POST", fp + "/roster", {"display_name": "Kid", "role": "family"})[1]
        token = self.api("POST", fp + "/roster/%d/invite" % kid["id"], {})[1]["token"]
        ws = WsClient(self.d.port)
        try:
            ws.send({"type": "join", "id": 1, "v": 1, "token": token})
            pid = ws.recv_type("join.ok")["you"]["participant_id"]
            pp = fp + "/participants/" + pid
            lst = v("/sessions/{session_id}/participants", "GET", self.api("GET", fp + "/participants"))
            self.assertEqual([p["state"] for p in lst[1]["items"]], ["waiting"])
            v("/sessions/{session_id}/participants", "GET",
              self.api("GET", "/sessions/999999/participants"))
            t = "/sessions/{session_id}/participants/{participant_id}/"
            v(t + "admit", "POST", self.api("POST", pp + "/admit", idem="admit-1"))
            v(t + "admit", "POST", self.api("POST", pp + "/admit"))
            v(t + "mute", "POST", self.api("POST", pp + "/mute", {"kind": "audio", "lock": True}))
            v(t + "mute", "POST", self.api("POST", pp + "/mute", {"kind": "screen"}))
            v(t + "to-waiting", "POST", self.api("POST", pp + "/to-waiting"))
            v(t + "to-waiting", "POST", self.api("POST", pp + "/to-waiting"))
            v(t + "remove", "POST", self.api("POST", pp + "/remove"))
            v(t + "remove", "POST", self.api("POST", pp + "/remove"))
        finally:
            ws.close()

        operations = {(path, method) for path, item in self.doc["paths"].items()
                      for method in item if method in ("get", "post", "patch", "delete")}
        self.assertEqual(operations - self.covered, set(), "operations never called")


if __name__ == "__main__":
    unittest.main()
