"""Participants present now, and what a host does to one of them, by the
client protocol and by the admin API (docs/protocol.md, "Moderation";
docs/admin-api.md, "Participants"): back to the waiting room (media stops
both ways within a second, the others hear a departure, the host sees them
waiting; admitted again, media flows again), presence through the API,
remove, mute, admit, and their errors. Real webrtcbin peers (peer.py) where
media is what is proved; a plain WebSocket client elsewhere."""

import hashlib
import http.client
import json
import os
import subprocess
import time
import unittest

from hearthlib import Daemon, open_now
from peer import Peer
from wsclient import WsClient

KEY = "w" * 43
HEARTHCTL = os.environ.get("HEARTHCTL", "hearthctl")


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


class Participants(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cls.sock = os.path.join(cls.d.tmp.name, "admin.sock")
        cls.d.write_config("[admin]\napi_keys = sched:%s\n[storage]\nadmin_socket = %s\n"
                           % (sha(KEY), cls.sock))
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        rc, _ = cls.d.stop()
        log = cls.d.log()
        cls.d.close()
        assert rc == 0, "hearthd exited %d:\n%s" % (rc, log)

    def setUp(self):
        self.closers = []

    def tearDown(self):
        for c in reversed(self.closers):
            c.close()

    def api(self, method, path, body=None):
        """One call with the API key: (status, parsed body or None)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
        conn.request(method, "/api/v1" + path,
                     body=None if body is None else json.dumps(body),
                     headers={"Authorization": "Bearer " + KEY,
                              "Content-Type": "application/json"})
        resp = conn.getresponse()
        text = resp.read()
        conn.close()
        return resp.status, (json.loads(text) if text else None)

    def family(self, names, waiting=()):
        """A family session open now: its id and the invite tokens of names
        (the first is the host; those in waiting go through the waiting
        room)."""
        status, s = self.api("POST", "/sessions", {"kind": "family", "title": "Family",
                                                   "schedule": open_now()})
        self.assertEqual(status, 201, s)
        tokens = []
        for i, name in enumerate(names):
            status, e = self.api("POST", "/sessions/%d/roster" % s["id"],
                                 {"display_name": name,
                                  "role": "host" if i == 0 else "family",
                                  "auto_admit": name not in waiting})
            self.assertEqual(status, 201, e)
            status, inv = self.api("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                   {"max_uses": 5})
            self.assertEqual(status, 201, inv)
            tokens.append(inv["token"])
        return s["id"], tokens

    def peer(self, token, name):
        p = Peer(self.d.port, token, name=name)
        self.closers.append(p)
        return p

    def ws(self, token):
        ws = WsClient(self.d.port)
        self.closers.append(ws)
        ws.send({"type": "join", "id": 1, "v": 1, "token": token})
        ok = ws.recv_type("join.ok")
        return ws, ok

    def start(self, p):
        self.assertEqual(p.subscribe().get("type"), "subscribe.ok", p.name)
        self.assertEqual(p.publish().get("type"), "publish.ok", p.name)

    def wait_more(self, rx, tx_id, since, frames=10, timeout=12):
        """Waits until rx decoded `frames` more video frames and some more
        audio from tx_id than `since`; returns what it decoded then."""
        deadline = time.monotonic() + timeout
        while True:
            now = rx.decoded_from(tx_id)
            if now["video"] - since["video"] >= frames and now["audio"] > since["audio"]:
                return now
            if time.monotonic() > deadline:
                self.fail("%s: from %s only %s since %s" % (rx.name, tx_id, now, since))
            time.sleep(0.1)

    def audit(self, sid, kind):
        status, page = self.api("GET", "/audit?session=%d&limit=200" % sid)
        self.assertEqual(status, 200, page)
        return [r for r in page["items"] if r["kind"] == kind]

    def test_back_to_waiting_stops_media_and_admit_restores_it(self):
        sid, tokens = self.family(["Host", "Dana", "Sam"])
        host, dana, sam = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana", "sam"]))
        for p in (host, dana, sam):
            self.start(p)
        zero = {"video": 0, "audio": 0}
        self.wait_more(host, sam.participant_id, zero)
        self.wait_more(sam, host.participant_id, zero)

        t0 = time.monotonic()
        ok = host.request({"type": "to_waiting", "participant_id": sam.participant_id})
        self.assertEqual(ok.get("type"), "to_waiting.ok", ok)
        # Within a second, nothing flows either way: the last frame or
        # packet decoded each way came less than 1 s after the request, and
        # nothing more in the 1.5 s after.
        last = {"from": 0.0, "to": 0.0}  # seconds after the request
        seen = {"from": host.decoded_from(sam.participant_id),
                "to": sam.decoded_from(host.participant_id)}
        sent = sam.frames_sent()
        while time.monotonic() - t0 < 2.5:
            time.sleep(0.05)
            now = {"from": host.decoded_from(sam.participant_id),
                   "to": sam.decoded_from(host.participant_id)}
            for k in now:
                if now[k] != seen[k]:
                    last[k], seen[k] = time.monotonic() - t0, now[k]
        print("\nlast media from Sam %.2f s, to Sam %.2f s after to_waiting was sent"
              % (last["from"], last["to"]))
        self.assertLess(last["from"], 1.0, last)
        self.assertLess(last["to"], 1.0, last)
        from_sam = seen["from"]
        self.assertGreater(sam.frames_sent(), sent)  # its camera still runs
        sam.wait_message(lambda m: m.get("type") == "waiting")
        for p in (host, dana):  # what the others hear when someone leaves
            p.wait_message(lambda m: m.get("type") == "participant.left"
                           and m.get("participant_id") == sam.participant_id)
            p.wait_message(lambda m: m.get("type") == "stream.removed"
                           and m.get("participant_id") == sam.participant_id)
        added = host.wait_message(lambda m: m.get("type") == "waiting.added")
        self.assertEqual(added["participant"]["participant_id"], sam.participant_id)
        self.assertFalse(any(m.get("type") == "waiting.added" for m in dana.messages))

        # Dana and the host still hear each other.
        self.wait_more(dana, host.participant_id, dana.decoded_from(host.participant_id))
        # Waiting, Sam may not publish or subscribe; the API shows it waiting.
        self.assertEqual(sam.request({"type": "subscribe"})["error"]["code"], "waiting")
        status, people = self.api("GET", "/sessions/%d/participants" % sid)
        self.assertEqual(status, 200, people)
        states = {p["participant_id"]: p["state"] for p in people["items"]}
        self.assertEqual(states, {host.participant_id: "admitted",
                                  dana.participant_id: "admitted",
                                  sam.participant_id: "waiting"})

        # Admitted again (by the host): a fresh start, media flows again.
        ok = host.request({"type": "admit", "participant_id": sam.participant_id})
        self.assertEqual(ok.get("type"), "admit.ok", ok)
        admitted = sam.wait_message(lambda m: m.get("type") == "admitted")
        self.assertEqual({p["participant_id"] for p in admitted["participants"]},
                         {host.participant_id, dana.participant_id})
        for ep in (sam.publisher, sam.subscriber):
            ep.close()
        sam.publisher = sam.subscriber = None
        self.start(sam)
        self.wait_more(host, sam.participant_id, from_sam)
        self.wait_more(sam, host.participant_id, zero)  # a new receiver counts anew
        self.assertEqual([r["actor"] for r in self.audit(sid, "to_waiting")],
                         ["roster:%d" % host.join_reply["you"]["roster_entry_id"]])

    def test_api_remove_cuts_within_a_second(self):
        sid, tokens = self.family(["Host", "Dana"])
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        for p in (host, dana):
            self.start(p)
        self.wait_more(host, dana.participant_id, {"video": 0, "audio": 0})
        t0 = time.monotonic()
        status, body = self.api("POST", "/sessions/%d/participants/%s/remove"
                                % (sid, dana.participant_id))
        self.assertEqual(status, 204, body)
        bye = dana.wait_message(lambda m: m.get("type") == "bye", timeout=1)
        self.assertEqual(bye["reason"], "removed")
        while dana.ws_closed is None and time.monotonic() - t0 < 1.0:
            time.sleep(0.02)
        self.assertIsNotNone(dana.ws_closed, "still connected 1 s after the removal")
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        before = host.decoded_from(dana.participant_id)
        time.sleep(1.5)
        self.assertEqual(host.decoded_from(dana.participant_id), before)
        host.wait_message(lambda m: m.get("type") == "participant.left")
        removed = self.audit(sid, "remove")
        self.assertEqual([(r["actor"], r["detail"]["participant"]) for r in removed],
                         [("api-key:sched", dana.participant_id)])
        # Her link no longer works.
        ws = WsClient(self.d.port)
        self.closers.append(ws)
        ws.send({"type": "join", "id": 1, "v": 1, "token": tokens[1]})
        self.assertEqual(ws.recv()["type"], "error")

    def test_api_presence_mute_to_waiting_admit(self):
        sid, tokens = self.family(["Host", "Dana", "Sam"], waiting=("Sam",))
        host, ok_h = self.ws(tokens[0])
        dana, ok_d = self.ws(tokens[1])
        sam, ok_s = self.ws(tokens[2])
        hid, did, smid = (ok["you"]["participant_id"] for ok in (ok_h, ok_d, ok_s))
        dana.send({"type": "media.state", "id": 2, "audio": True, "video": False})
        dana.recv_type("media.state.ok")
        host.recv_type("waiting.added")

        status, people = self.api("GET", "/sessions/%d/participants" % sid)
        self.assertEqual(status, 200, people)
        by_id = {p["participant_id"]: p for p in people["items"]}
        self.assertEqual(set(by_id), {hid, did, smid})
        d = by_id[did]
        self.assertEqual((d["roster_entry_id"], d["display_name"], d["role"], d["state"]),
                         (ok_d["you"]["roster_entry_id"], "Dana", "family", "admitted"))
        self.assertEqual((d["audio"], d["video"], d["muted"], d["locked"], d["hand_raised"],
                          d["connected"]), (True, False, [], [], False, True))
        self.assertLessEqual(abs(time.mktime(time.strptime(d["joined_at"],
                                                           "%Y-%m-%dT%H:%M:%SZ"))
                                 - time.mktime(time.gmtime())), 30, d["joined_at"])
        self.assertEqual(by_id[smid]["state"], "waiting")
        self.assertEqual(by_id[hid]["role"], "host")

        # Mute with lock: everyone admitted hears it; Dana cannot lift it.
        status, p = self.api("POST", "/sessions/%d/participants/%s/mute" % (sid, did),
                             {"kind": "audio", "lock": True})
        self.assertEqual(status, 200, p)
        self.assertEqual((p["muted"], p["locked"]), (["audio"], ["audio"]))
        ev = dana.recv_type("participant.muted")
        self.assertEqual((ev["participant_id"], ev["kind"], ev["locked"], ev["by"]),
                         (did, "audio", True, "host"))
        host.recv_type("participant.muted")
        dana.send({"type": "unmute", "id": 3, "kind": "audio"})
        self.assertEqual(dana.recv_type("error")["error"]["code"], "locked")
        mutes = self.audit(sid, "mute")
        self.assertEqual([(r["actor"], r["detail"]) for r in mutes],
                         [("api-key:sched", {"participant": did, "kinds": ["audio"],
                                             "locked": True})])

        # Admit Sam, then send Dana back to the waiting room, through the API.
        status, p = self.api("POST", "/sessions/%d/participants/%s/admit" % (sid, smid))
        self.assertEqual((status, p["state"]), (200, "admitted"), p)
        sam.recv_type("admitted")
        status, p = self.api("POST", "/sessions/%d/participants/%s/to-waiting" % (sid, did), {})
        self.assertEqual((status, p["state"], p["muted"]), (200, "waiting", ["audio"]), p)
        self.assertEqual(dana.recv_type("waiting"), {"type": "waiting", "reason": "host"})
        self.assertEqual(sam.recv_type("participant.left")["participant_id"], did)
        host.recv_type("participant.left")
        self.assertEqual(host.recv_type("waiting.added")["participant"]["participant_id"], did)
        self.assertEqual(self.audit(sid, "to_waiting")[0]["actor"], "api-key:sched")
        self.assertEqual([r["actor"] for r in self.audit(sid, "admit")], ["api-key:sched"])

        # Errors.
        base = "/sessions/%d/participants/" % sid
        status, err = self.api("POST", base + did + "/to-waiting")
        self.assertEqual((status, err["error"]["code"]), (409, "already_waiting"), err)
        status, err = self.api("POST", base + hid + "/admit")
        self.assertEqual((status, err["error"]["code"]), (409, "not_waiting"), err)
        for pid in ("p-0123456789abcdef", "p-nothex", "P-0123456789ABCDEF"):
            status, err = self.api("POST", base + pid + "/mute", {"kind": "video"})
            self.assertEqual((status, err["error"]["code"]), (404, "not_found"), (pid, err))
        status, err = self.api("POST", base + did + "/mute", {"kind": "screen"})
        self.assertEqual((status, err["error"]["field"]), (400, "kind"), err)
        status, err = self.api("POST", base + did + "/remove", {"reason": "x"})
        self.assertEqual((status, err["error"]["field"]), (400, "reason"), err)
        status, err = self.api("GET", "/sessions/999999/participants")
        self.assertEqual(status, 404, err)
        # A participant of another session is nobody in this one.
        other, _ = self.family(["Other host"])
        status, err = self.api("POST", "/sessions/%d/participants/%s/to-waiting" % (other, hid))
        self.assertEqual((status, err["error"]["code"]), (404, "not_found"), err)
        status, people = self.api("GET", "/sessions/%d/participants" % other)
        self.assertEqual((status, people["items"]), (200, []))

        # The client protocol's own refusals.
        host.send({"type": "to_waiting", "id": 7, "participant_id": hid})
        self.assertEqual(host.recv_type("error")["error"]["code"], "bad_message")
        host.send({"type": "to_waiting", "id": 8, "participant_id": did})
        self.assertEqual(host.recv_type("error")["error"]["code"], "already_waiting")
        sam.send({"type": "to_waiting", "id": 9, "participant_id": hid})
        self.assertEqual(sam.recv_type("error")["error"]["code"], "forbidden")
        # Back in the waiting room, Dana heard nothing of the others (the
        # server's last guard for the waiting room never had to act).
        dana.send({"type": "ping", "id": 10})
        self.assertEqual(dana.recv(), {"type": "pong", "id": 10})
        self.assertNotIn("who is waiting", self.d.log())

    def ctl(self, *args):
        return subprocess.run([HEARTHCTL, "--socket", self.sock] + list(args),
                              capture_output=True, text=True, timeout=30)

    def test_hearthctl(self):
        """hearthctl participant list|mute|to-waiting|admit|remove over the
        admin socket (actor admin-socket)."""
        sid, tokens = self.family(["Host", "Dana"])
        host, _ = self.ws(tokens[0])
        dana, ok_d = self.ws(tokens[1])
        did = ok_d["you"]["participant_id"]
        r = self.ctl("participant", "list", str(sid))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(did, r.stdout)
        self.assertIn("Dana", r.stdout)
        r = self.ctl("--json", "participant", "list", str(sid))
        self.assertEqual(len(json.loads(r.stdout)["items"]), 2, r.stdout)
        r = self.ctl("participant", "mute", str(sid), did, "--kind", "video", "--lock")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(dana.recv_type("participant.muted")["locked"], True)
        r = self.ctl("--json", "participant", "to-waiting", str(sid), did)
        self.assertEqual((r.returncode, json.loads(r.stdout)["state"]), (0, "waiting"), r.stderr)
        dana.recv_type("waiting")
        r = self.ctl("participant", "to-waiting", str(sid), did)
        self.assertEqual(r.returncode, 5, r.stderr)  # 409
        r = self.ctl("participant", "admit", str(sid), did)
        self.assertEqual(r.returncode, 0, r.stderr)
        dana.recv_type("admitted")
        self.assertEqual(self.ctl("participant", "admit", str(sid), "p-0123456789abcdef")
                         .returncode, 4)
        self.assertEqual(self.ctl("participant", "admit", str(sid), "../../audit").returncode, 2)
        self.assertEqual(self.ctl("participant", "mute", str(sid), did).returncode, 2)
        r = self.ctl("participant", "remove", str(sid), did)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(dana.recv_type("bye")["reason"], "removed")
        self.assertEqual([r["actor"] for r in self.audit(sid, "to_waiting")], ["admin-socket"])


if __name__ == "__main__":
    unittest.main()
