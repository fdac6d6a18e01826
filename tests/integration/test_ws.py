"""The client protocol at /ws against the real hearthd: joining with invite
links, presence events, leaving, replacement, removal and session end, and
every refusal of docs/protocol.md."""

import json
import os
import socket
import time
import unittest

from hearthlib import Daemon, DaemonTestCase, iso, open_now
from wsclient import Closed, WsClient




# RFC 6455 §5.1: a server MUST close the connection upon an unmasked client
# frame. libwebsockets 4.1.6 (Debian 12) reads the MASK bit but never checks
# it on a server (lib/roles/ws/ops-ws.c, LWS_RXPS_04_FRAME_HDR_LEN; an
# unmasked frame is handled like one masked with the key 0), and offers no
# option or callback that shows the bit: hearthd cannot tell the two apart.
# Upstream added the check after its 4.x releases. This test records the gap:
# it fails today (the ping is answered) and will pass, as an unexpected
# success that fails the suite, once the library closes such a connection;
# then drop the decorator and the note in docs/protocol.md.


class Protocol(DaemonTestCase):
    def family(self, names=("Host", "Dana", "Sam"), schedule=None, max_uses=20, auto_admit=True):
        status, s = self.admin("POST", "/sessions", {"kind": "family", "title": "Family",
                                                     "schedule": schedule or open_now()})
        self.assertEqual(status, 201, s)
        people = []
        for i, name in enumerate(names):
            role = "host" if i == 0 else "family"
            status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": role,
                                    "auto_admit": auto_admit or i == 0})
            self.assertEqual(status, 201, e)
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {"max_uses": max_uses})
            self.assertEqual(status, 201, inv)
            people.append((e, inv["token"]))
        return s, people

    def join(self, token, id_=1, **extra):
        ws = WsClient(self.d.port)
        ws.send(dict({"type": "join", "id": id_, "v": 1, "token": token}, **extra))
        return ws, ws.recv()

    def test_join_presence_leave(self):
        s, people = self.family()
        a, ok = self.join(people[0][1])
        self.assertEqual(ok["type"], "join.ok", ok)
        self.assertEqual(ok["id"], 1)
        self.assertEqual(ok["session"]["id"], s["id"])
        self.assertEqual(ok["you"]["display_name"], "Host")
        self.assertEqual(ok["you"]["role"], "host")
        self.assertTrue(ok["you"]["permissions"]["moderate"])
        self.assertEqual(ok["participants"], [])

        b, ok_b = self.join(people[1][1])
        self.assertEqual([p["display_name"] for p in ok_b["participants"]], ["Host"])
        joined = a.recv_type("participant.joined")
        self.assertEqual(joined["participant"]["display_name"], "Dana")
        self.assertEqual(joined["participant"]["participant_id"], ok_b["you"]["participant_id"])

        b.send({"type": "ping", "id": 5})
        self.assertEqual(b.recv(), {"type": "pong", "id": 5})
        b.send({"type": "leave", "id": 6})
        self.assertEqual(b.recv(), {"type": "leave.ok", "id": 6})
        code, _ = b.expect_close()
        self.assertEqual(code, 1000)
        left = a.recv_type("participant.left")
        self.assertEqual(left["participant_id"], ok_b["you"]["participant_id"])

        # A dropped socket keeps the seat for a resume (test_resume).
        c, ok_c = self.join(people[2][1])
        a.recv_type("participant.joined")
        c.close()
        self.assertEqual(a.recv_type("participant.reconnecting")["participant_id"],
                         ok_c["you"]["participant_id"])
        a.close()

        status, page = self.admin("GET", "/audit?session=%d&limit=200" % s["id"])
        kinds = [(r["kind"], r["roster_entry_id"]) for r in page["items"]
                 if r["kind"] in ("join", "leave")]
        host, dana, sam = (p[0]["id"] for p in people)
        self.assertEqual(kinds[:4], [("join", host), ("join", dana), ("leave", dana),
                                     ("join", sam)])
        for r in page["items"]:
            if r["kind"] == "join":
                self.assertEqual(r["actor"], "roster:%d" % r["roster_entry_id"])
        self.assertNotIn("Dana", json.dumps(page))

    def test_refusals(self):
        s, people = self.family(names=("Host", "Once"), max_uses=1)
        ws, err = self.join("A" * 43)
        self.assertEqual(err["error"]["code"], "invite_unknown")
        self.assertEqual(err["id"], 1)
        ws.expect_close()

        # max_uses=1 counts occurrences, not joins: coming back into the same
        # one with the same link is no second use (test_admin_api.py's
        # Occurrences sees the link used up in a later occurrence).
        ws, ok = self.join(people[1][1])
        self.assertEqual(ok["type"], "join.ok")
        ws.close()
        time.sleep(0.2)
        ws, ok = self.join(people[1][1])
        self.assertEqual(ok["type"], "join.ok", ok)
        ws.close()
        status, invites = self.admin("GET", "/sessions/%d/invites" % s["id"])
        once = [i for i in invites["items"] if i["roster_entry_id"] == people[1][0]["id"]]
        self.assertEqual((once[0]["uses"], once[0]["state"]), (1, "used_up"))

        now = int(time.time())
        later, lp = self.family(names=("Host",), schedule={
            "type": "once", "start": iso(now + 7200), "end": iso(now + 9000)})
        ws, err = self.join(lp[0][1])
        self.assertEqual(err["error"]["code"], "session_not_open_yet")
        self.assertEqual(err["error"]["opens_at"], iso(now + 7200 - 900))

        ws = WsClient(self.d.port)
        ws.send({"type": "join", "v": 2, "token": people[0][1]})
        self.assertEqual(ws.recv()["error"]["code"], "unsupported_version")

    def test_chosen_name(self):
        """A session that lets people choose their name: the chosen name is
        what the others see for this visit; the roster keeps its own."""
        s, people = self.family()
        sid, (host_e, host_t), (dana_e, dana_t), (sam_e, sam_t) = s["id"], *people
        status, _ = self.admin("PATCH", "/sessions/%d" % sid, {"names_editable": True})
        self.assertEqual(status, 200)
        chosen = "Mum \u00d6zlem Zq7"
        dana, ok = self.join(dana_t, display_name=chosen)
        self.assertEqual(ok["type"], "join.ok", ok)
        self.assertEqual(ok["you"]["display_name"], chosen)
        self.assertIs(ok["session"]["names_editable"], True)

        host, ok_h = self.join(host_t)
        self.assertEqual(ok_h["you"]["display_name"], "Host")
        self.assertEqual([(p["roster_entry_id"], p["display_name"]) for p in ok_h["participants"]],
                         [(dana_e["id"], chosen)])
        # The host's roster keeps the roster's names.
        self.assertEqual([(r["display_name"], r["present"]) for r in ok_h["roster"]],
                         [("Host", True), ("Dana", True), ("Sam", False)])
        sam, ok_s = self.join(sam_t)
        self.assertIn(chosen, [p["display_name"] for p in ok_s["participants"]])
        self.assertEqual(dana.recv_type("participant.joined")["participant"]["display_name"],
                         "Host")
        status, entry = self.admin("GET", "/sessions/%d/roster/%d" % (sid, dana_e["id"]))
        self.assertEqual(entry["display_name"], "Dana")

        # A resume keeps the chosen name.
        dana.sock.close()
        host.recv_type("participant.reconnecting")
        dana2 = WsClient(self.d.port)
        dana2.send({"type": "resume", "id": 1, "resume_token": ok["resume_token"]})
        ok_r = dana2.recv()
        self.assertEqual(ok_r["type"], "resume.ok", ok_r)
        self.assertEqual(ok_r["you"]["display_name"], chosen)

        # The join is audited as one with a chosen name; the name itself is
        # neither audited nor logged.
        status, page = self.admin("GET", "/audit?session=%d&limit=200" % sid)
        joins = [r["detail"] for r in page["items"]
                 if r["kind"] == "join" and r["roster_entry_id"] == dana_e["id"]]
        for j in joins:  # the occurrence joined, by its start
            self.assertRegex(j.pop("occurrence"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(joins, [{"participant": ok["you"]["participant_id"],
                                  "name_chosen": True}])
        self.assertNotIn("Zq7", json.dumps(page))
        self.assertNotIn("Zq7", self.d.log())
        for ws in (dana2, host, sam):
            ws.close()

    def test_chosen_name_refused(self):
        s, people = self.family(names=("Host", "Dana"))
        sid, (dana_e, dana_t) = s["id"], people[1]

        def refused(name, code):
            ws, err = self.join(dana_t, display_name=name)
            self.assertEqual(err["type"], "error", (name, err))
            self.assertEqual((err["id"], err["error"]["code"], err["error"].get("field")),
                             (1, code, "display_name"), (name, err))
            ws.expect_close()
            ws.close()
            return err

        # Off by default: even a good name is refused.
        err = refused("Mum", "forbidden")
        self.assertEqual(err["error"]["message"],
                         "this session does not let participants change their name")
        # The wrong type is refused whatever the session allows.
        refused(5, "bad_message")
        self.admin("PATCH", "/sessions/%d" % sid, {"names_editable": True})
        for bad in (None, 5, True, ["Mum"], "", " Mum", "Mum ", "tab\tname",
                    "bell\u0007", "\u0085next line", "x" * 101, "\u00e9" * 51,
                    "Mum\u202e", "\u2067Mum\u2069", "M\u200bum", "Mum\u2060", "\ufeffMum",
                    "Mum\u200d", "M\u00adum", "Mum\U000e0001"):
            err = refused(bad, "bad_message")
            self.assertIn("display_name", err["error"]["message"])
        # A NUL inside a string does not even parse as a request.
        ws, err = self.join(dana_t, display_name="nul\u0000name")
        self.assertEqual(err["error"]["code"], "bad_message")
        ws.close()
        # None of this used the link up: it still lets Dana in.
        status, page = self.admin("GET", "/sessions/%d/invites?roster_entry=%d"
                                  % (sid, dana_e["id"]))
        self.assertEqual(page["items"][0]["uses"], 0)
        # A joiner inside a word is spelling (Persian, emoji sequences).
        ws, ok = self.join(dana_t, display_name="\u0645\u0647\u200c\u0646\u0627\u0632")
        self.assertEqual(ok["type"], "join.ok", ok)
        ws.close()
        ws, ok = self.join(dana_t, display_name="x" * 100)
        self.assertEqual(ok["type"], "join.ok", ok)
        self.assertEqual(ok["you"]["display_name"], "x" * 100)
        ws.close()

    def test_bad_messages(self):
        ws = WsClient(self.d.port)
        ws.send({"type": "leave", "id": 3})
        self.assertEqual(ws.recv()["error"]["code"], "not_joined")
        ws.send({"type": "dance", "id": 4})
        self.assertEqual(ws.recv(), {"type": "error", "id": 4, "error": {
            "code": "unknown_type", "message": "this server does not know that request"}})
        ws.send_raw(b"not json")
        self.assertEqual(ws.recv()["error"]["code"], "bad_message")
        ws.send({"type": "ping", "id": "seven"})
        self.assertEqual(ws.recv()["error"]["code"], "bad_message")
        ws.send({"type": "join", "id": 8})
        self.assertEqual(ws.recv()["error"]["code"], "bad_message")
        ws.send_raw(b'{"type":"ping","pad":"' + b"x" * 70000 + b'"}')
        self.assertEqual(ws.recv()["error"]["code"], "too_large")
        code, _ = ws.expect_close()
        self.assertEqual(code, 1009)

    def test_message_sizes(self):
        """65,536 bytes is allowed, in one frame or in fragments; one more is
        too_large (close 1009) however it is split."""
        def ping(id_, size):
            head = b'{"type":"ping","id":%d,"pad":"' % id_
            return head + b"x" * (size - len(head) - 2) + b'"}'

        def fragments(ws, payload, n):
            step = -(-len(payload) // n)
            parts = [payload[i:i + step] for i in range(0, len(payload), step)]
            for i, part in enumerate(parts):
                ws.sock.sendall(ws._frame(1 if i == 0 else 0, part, fin=i == len(parts) - 1))

        ws = WsClient(self.d.port)
        ws.send_raw(ping(1, 65536))
        self.assertEqual(ws.recv(), {"type": "pong", "id": 1})
        fragments(ws, ping(2, 65536), 7)
        self.assertEqual(ws.recv(), {"type": "pong", "id": 2})
        ws.send({"type": "ping", "id": 3})  # the buffer starts over after each message
        self.assertEqual(ws.recv(), {"type": "pong", "id": 3})
        fragments(ws, ping(4, 65537), 7)
        self.assertEqual(ws.recv()["error"]["code"], "too_large")
        code, _ = ws.expect_close()
        self.assertEqual(code, 1009)

    def test_receive_buffers_grow_on_demand(self):
        """A connection's receive buffer grows with its messages instead of
        taking the 64 KiB cap on the first frame: 24 connections (under the
        per-address connection cap) that each sent a ping cost the daemon far
        less than 24 x 64 KiB."""
        with open(os.environ.get("HEARTHD", "hearthd"), "rb") as f:
            if b"__asan_init" in f.read():
                self.skipTest("the sanitizers' allocator maps memory its own way")

        def data_kib():
            with open("/proc/%d/status" % self.d.proc.pid) as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmData:"))

        conns = [WsClient(self.d.port) for _ in range(24)]
        before = data_kib()
        for i, ws in enumerate(conns):
            ws.send({"type": "ping", "id": i + 1})
            self.assertEqual(ws.recv()["type"], "pong")
        grown = data_kib() - before
        for ws in conns:
            ws.close()
        self.assertLess(grown, 24 * 16, "%d KiB for 24 pings" % grown)

    def test_publish_needs_ice_credentials(self):
        """A publish offer without a=ice-ufrag or a=ice-pwd is sdp_refused;
        at session level (or split between the levels) they serve."""
        s, people = self.family(names=("Host", "Dana"))
        ws, ok = self.join(people[1][1])
        with open(os.path.join(os.environ["HEARTH_SDP_DATA"],
                               "webrtcbin-publish-offer.sdp")) as f:
            offer = f.read().replace("\r\n", "\n").replace("\n", "\r\n")

        def without(text, prefix):
            return "".join(l for l in text.splitlines(True) if not l.startswith(prefix))

        def at_session(text, prefixes):
            lines = [l for l in text.splitlines(True) if l.startswith(prefixes)]
            rest = without(without(text, prefixes[0]), prefixes[-1])
            return rest.replace("t=0 0\r\n", "t=0 0\r\n" + "".join(sorted(set(lines))), 1)

        for i, bad in enumerate((without(offer, "a=ice-ufrag:"), without(offer, "a=ice-pwd:"),
                                 without(without(offer, "a=ice-ufrag:"), "a=ice-pwd:"))):
            ws.send({"type": "publish", "id": 10 + i, "sdp": bad})
            err = ws.recv_type("error")
            self.assertEqual((err["id"], err["error"]["code"]), (10 + i, "sdp_refused"), err)
            self.assertIn("no ICE credentials", err["error"]["message"])
        for i, good in enumerate((at_session(offer, ("a=ice-ufrag:", "a=ice-pwd:")),
                                  at_session(offer, ("a=ice-ufrag:",)))):
            ws.send({"type": "publish", "id": 20 + i, "sdp": good})
            ok = ws.recv_type("publish.ok")
            self.assertEqual(ok["id"], 20 + i)
            self.assertIn("a=ice-ufrag:", ok["sdp"])
        ws.close()

    def unmasked_frame_outcome(self):
        """Sends an unmasked text frame (a ping) on a fresh /ws connection;
        returns (close code or None, messages answered, connection ended)."""
        ws = WsClient(self.d.port)
        payload = json.dumps({"type": "ping", "id": 1}).encode()
        ws.sock.sendall(bytes([0x81, len(payload)]) + payload)  # FIN, text, MASK bit 0
        seen, ended = [], False
        try:
            while True:
                seen.append(ws.recv(timeout=3))
        except Closed as c:
            ended = True
            code = c.code
        except (socket.timeout, TimeoutError):
            code = None
        except OSError:
            ended, code = True, None
        ws.close()
        return code, seen, ended

    @unittest.expectedFailure
    def test_unmasked_frame_closes(self):
        """RFC 6455 §5.1: an unmasked client frame closes the connection
        (1002, protocol error), and the message in it is not answered."""
        code, seen, ended = self.unmasked_frame_outcome()
        self.assertEqual(seen, [])
        self.assertTrue(ended)
        self.assertIn(code, (1002, None))

    def test_request_rate(self):
        ws = WsClient(self.d.port)
        for i in range(60):
            ws.send({"type": "ping", "id": i + 1})
        codes = [ws.recv().get("type") for _ in range(60)]
        self.assertEqual(codes.count("pong"), 50)
        self.assertEqual(codes.count("error"), 10)
        ws.close()

    def test_wrong_path_and_protocol(self):
        with self.assertRaises(ConnectionError):
            WsClient(self.d.port, path="/other")
        # Without the subprotocol the upgrade is refused.
        with self.assertRaises(ConnectionError):
            WsClient(self.d.port, protocol=None)

    def test_join_timeout(self):
        ws = WsClient(self.d.port)
        t0 = time.monotonic()
        code, seen = ws.expect_close(timeout=15)
        self.assertEqual(seen[0]["error"]["code"], "join_timeout")
        self.assertTrue(9 <= time.monotonic() - t0 < 13)

    def test_replaced_removed_ended(self):
        s, people = self.family()
        host, _ = self.join(people[0][1])
        first, ok1 = self.join(people[1][1])
        host.recv_type("participant.joined")
        second, ok2 = self.join(people[1][1])  # the same person, another device
        self.assertEqual(ok2["type"], "join.ok")
        code, seen = first.expect_close()
        self.assertIn({"type": "bye", "reason": "replaced"}, seen)
        self.assertEqual(host.recv_type("participant.left")["participant_id"],
                         ok1["you"]["participant_id"])

        # Deleting the roster entry cuts them off within a second.
        t0 = time.monotonic()
        self.assertEqual(self.admin("DELETE", "/sessions/%d/roster/%d"
                                    % (s["id"], people[1][0]["id"]))[0], 204)
        code, seen = second.expect_close()
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertIn({"type": "bye", "reason": "removed"}, seen)
        host.recv_type("participant.left")
        ws, err = self.join(people[1][1])
        self.assertEqual(err["error"]["code"], "invite_unknown")

        # Ending the session disconnects everyone, and nobody gets back in.
        self.assertEqual(self.admin("POST", "/sessions/%d/end" % s["id"])[0], 200)
        code, seen = host.expect_close()
        self.assertIn({"type": "session.ended", "reason": "ended"}, seen)
        ws, err = self.join(people[0][1])
        self.assertEqual(err["error"]["code"], "session_ended")

    def test_waiting_room(self):
        s, people = self.family(auto_admit=False)  # Host admitted automatically, the others wait
        dana, ok = self.join(people[1][1])
        self.assertEqual(ok["state"], "waiting")
        self.assertEqual(ok["participants"], [])
        dana.send({"type": "publish", "id": 2, "sdp": "v=0"})
        self.assertEqual(dana.recv()["error"]["code"], "waiting")
        dana.send({"type": "subscribe", "id": 3})
        self.assertEqual(dana.recv()["error"]["code"], "waiting")

        # The host arrives after her: that admits nobody by itself.
        host, ok_h = self.join(people[0][1])
        self.assertEqual(ok_h["state"], "admitted")
        self.assertEqual([w["display_name"] for w in ok_h["waiting"]], ["Dana"])
        self.assertEqual([(r["display_name"], r["present"]) for r in ok_h["roster"]],
                         [("Host", True), ("Dana", True), ("Sam", False)])
        self.assertNotIn("roster", ok)  # only hosts see who is expected
        self.assertEqual(ok_h["participants"], [])
        sam, ok_s = self.join(people[2][1])
        self.assertEqual(host.recv_type("waiting.added")["participant"]["display_name"], "Sam")
        time.sleep(0.3)
        dana.send({"type": "ping", "id": 4})
        self.assertEqual(dana.recv(), {"type": "pong", "id": 4})  # still waiting, nothing else

        # Only a moderator may decide.
        sam.send({"type": "admit", "id": 5, "participant_id": ok["you"]["participant_id"]})
        self.assertEqual(sam.recv()["error"]["code"], "forbidden")

        host.send({"type": "admit", "id": 6, "participant_id": ok["you"]["participant_id"]})
        admitted = dana.recv_type("admitted")
        self.assertEqual([p["display_name"] for p in admitted["participants"]], ["Host"])
        self.assertEqual(host.recv_type("admit.ok")["id"], 6)
        self.assertEqual(host.recv_type("participant.joined")["participant"]["display_name"],
                         "Dana")

        host.send({"type": "deny", "id": 7, "participant_id": ok_s["you"]["participant_id"],
                   "reason": "Please call the clinic first."})
        code, seen = sam.expect_close()
        self.assertIn({"type": "denied", "reason": "Please call the clinic first."}, seen)
        host.recv_type("deny.ok")
        # Dana, admitted, never heard of Sam.
        dana.send({"type": "ping", "id": 8})
        self.assertEqual(dana.recv(), {"type": "pong", "id": 8})
        host.send({"type": "admit", "id": 9, "participant_id": "p-0000000000000000"})
        self.assertEqual(host.recv_type("error")["error"]["code"], "not_found")

        status, page = self.admin("GET", "/audit?session=%d&limit=200" % s["id"])
        kinds = [(r["kind"], r["roster_entry_id"], r["actor"]) for r in page["items"]
                 if r["kind"] in ("admit", "deny")]
        host_actor = "roster:%d" % people[0][0]["id"]
        self.assertEqual(kinds, [("admit", people[1][0]["id"], host_actor),
                                 ("deny", people[2][0]["id"], host_actor)])
        self.assertNotIn("clinic first", json.dumps(page))
        self.assertNotIn("clinic first", self.d.log())
        host.close()
        dana.close()

    def test_moderation(self):
        s, people = self.family()
        host, ok_h = self.join(people[0][1])
        dana, ok_d = self.join(people[1][1])
        sam, ok_s = self.join(people[2][1])
        dana_id, sam_id = ok_d["you"]["participant_id"], ok_s["you"]["participant_id"]
        self.assertEqual(ok_s["participants"][1]["muted"], [])

        # Camera and microphone state is presence.
        dana.send({"type": "media.state", "id": 2, "audio": True, "video": False})
        self.assertEqual(dana.recv_type("media.state.ok")["id"], 2)
        ev = host.recv_type("participant.media")
        self.assertEqual((ev["participant_id"], ev["audio"], ev["video"]), (dana_id, True, False))

        # Only hosts moderate.
        sam.send({"type": "mute", "id": 3, "participant_id": dana_id, "kind": "audio"})
        self.assertEqual(sam.recv_type("error")["error"]["code"], "forbidden")

        host.send({"type": "mute", "id": 4, "participant_id": dana_id, "kind": "audio",
                   "lock": True})
        host.recv_type("mute.ok")
        for ws in (dana, sam):
            ev = ws.recv_type("participant.muted")
            self.assertEqual((ev["participant_id"], ev["kind"], ev["locked"]),
                             (dana_id, "audio", True))
        dana.send({"type": "unmute", "id": 5, "kind": "audio"})
        self.assertEqual(dana.recv_type("error")["error"]["code"], "locked")
        host.send({"type": "unmute", "id": 6, "participant_id": dana_id, "kind": "audio"})
        host.recv_type("unmute.ok")
        self.assertFalse(sam.recv_type("participant.unmuted")["locked"])
        # Not locked: she may lift a host's mute herself.
        host.send({"type": "mute", "id": 7, "participant_id": dana_id, "kind": "video"})
        dana.recv_type("participant.muted")
        dana.send({"type": "unmute", "id": 8, "kind": "video"})
        dana.recv_type("unmute.ok")
        self.assertEqual(sam.recv_type("participant.unmuted")["by"], "self")

        # Removal: out within a second, and the link no longer works.
        t0 = time.monotonic()
        host.send({"type": "remove", "id": 9, "participant_id": sam_id})
        code, seen = sam.expect_close()
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertIn({"type": "bye", "reason": "removed"}, seen)
        host.recv_type("remove.ok")
        self.assertEqual(dana.recv_type("participant.left")["participant_id"], sam_id)
        ws, err = self.join(people[2][1])
        self.assertEqual(err["error"]["code"], "invite_revoked")
        status, entry = self.admin("GET", "/sessions/%d/roster/%d" % (s["id"], people[2][0]["id"]))
        self.assertIsNotNone(entry["removed_at"])
        status, page = self.admin("GET", "/sessions/%d/invites?roster_entry=%d"
                                  % (s["id"], people[2][0]["id"]))
        self.assertEqual([i["state"] for i in page["items"]], ["revoked"])

        # A host ends the session for everyone.
        host.send({"type": "end", "id": 10})
        code, seen = dana.expect_close()
        self.assertIn({"type": "session.ended", "reason": "ended"}, seen)
        status, got = self.admin("GET", "/sessions/%d" % s["id"])
        self.assertEqual(got["status"], "ended")
        status, page = self.admin("GET", "/audit?session=%d&limit=200" % s["id"])
        kinds = [r["kind"] for r in page["items"]]
        self.assertIn("remove", kinds)
        self.assertIn("session_ended", kinds)

    def test_chat(self):
        s, people = self.family()
        a, ok_a = self.join(people[0][1])
        b, ok_b = self.join(people[1][1])
        c, ok_c = self.join(people[2][1])
        secret = "I feel better this week \u2764"
        b.send({"type": "chat", "id": 2, "text": secret})
        b.recv_type("chat.ok")
        for ws in (a, c):
            m = ws.recv_type("chat")
            self.assertEqual((m["from"], m["text"], m["private"]),
                             (ok_b["you"]["participant_id"], secret, False))
        a.send({"type": "chat", "id": 3, "text": "just for you",
                "to": ok_c["you"]["participant_id"]})
        a.recv_type("chat.ok")
        self.assertTrue(c.recv_type("chat")["private"])
        b.send({"type": "ping", "id": 4})
        self.assertEqual(b.recv_type("pong")["id"], 4)  # b got no private message
        b.send({"type": "chat", "id": 5, "text": "x" * 2001})
        self.assertEqual(b.recv_type("error")["error"]["code"], "bad_message")
        # Never stored, never logged.
        self.assertNotIn("feel better", self.d.log())
        status, page = self.admin("GET", "/audit?session=%d&limit=200" % s["id"])
        self.assertNotIn("feel better", json.dumps(page))
        db = os.path.join(self.d.tmp.name, "state", "hearth.db")
        for name in os.listdir(os.path.dirname(db)):
            with open(os.path.join(os.path.dirname(db), name), "rb") as f:
                self.assertNotIn(b"feel better", f.read())
        for ws in (a, b, c):
            ws.close()

    def test_scheduled_end(self):
        now = int(time.time())
        s, people = self.family(names=("Host", "Dana"), schedule={
            "type": "once", "start": iso(now - 60), "end": iso(now + 4),
            "grace_before_minutes": 0, "grace_after_minutes": 0})
        host, ok = self.join(people[0][1])
        self.assertEqual(ok["session"]["closes_at"], iso(now + 4))
        warning = host.recv_type("session.ending", timeout=3)
        self.assertEqual(warning["at"], iso(now + 4))
        self.assertLessEqual(warning["in_s"], 300)
        code, seen = host.expect_close(timeout=8)
        self.assertIn({"type": "session.ended", "reason": "schedule"}, seen)
        self.assertGreaterEqual(time.time(), now + 4)
        ws, err = self.join(people[1][1])
        self.assertEqual(err["error"]["code"], "invite_expired")

    def test_resume(self):
        s, people = self.family()
        a, ok_a = self.join(people[0][1])
        b, ok_b = self.join(people[1][1])
        a.recv_type("participant.joined")
        token = ok_b["resume_token"]
        self.assertEqual(len(token), 43)
        b.sock.close()  # the network drops, no leave
        self.assertEqual(a.recv_type("participant.reconnecting")["participant_id"],
                         ok_b["you"]["participant_id"])
        b2 = WsClient(self.d.port)
        b2.send({"type": "resume", "id": 1, "resume_token": token})
        ok = b2.recv()
        self.assertEqual(ok["type"], "resume.ok", ok)
        self.assertEqual(ok["you"]["participant_id"], ok_b["you"]["participant_id"])
        self.assertEqual(ok["state"], "admitted")
        self.assertEqual([p["display_name"] for p in ok["participants"]], ["Host"])
        self.assertNotEqual(ok["resume_token"], token)  # a token serves once
        self.assertEqual(a.recv_type("participant.reconnected")["participant_id"],
                         ok_b["you"]["participant_id"])
        b2.send({"type": "ping", "id": 2})
        self.assertEqual(b2.recv_type("pong")["id"], 2)
        b3 = WsClient(self.d.port)
        b3.send({"type": "resume", "id": 1, "resume_token": token})
        self.assertEqual(b3.recv()["error"]["code"], "resume_expired")

        # After 30 s without a resume the seat is released.
        token = ok["resume_token"]
        t0 = time.monotonic()
        b2.sock.close()
        a.recv_type("participant.reconnecting")
        left = a.recv_type("participant.left", timeout=35)
        self.assertGreaterEqual(time.monotonic() - t0, 29)
        self.assertEqual(left["participant_id"], ok_b["you"]["participant_id"])
        b4 = WsClient(self.d.port)
        b4.send({"type": "resume", "id": 1, "resume_token": token})
        self.assertEqual(b4.recv()["error"]["code"], "resume_expired")
        a.close()

    def test_workshop_hands(self):
        status, w = self.admin("POST", "/sessions", {"kind": "workshop", "title": "Workshop",
                                                     "schedule": open_now()})
        tokens = []
        for name, role in (("Speaker", "host"), ("Viewer", "viewer")):
            status, e = self.admin("POST", "/sessions/%d/roster" % w["id"],
                                   {"display_name": name, "role": role})
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (w["id"], e["id"]),
                                     {})
            tokens.append(inv["token"])
        host, ok_h = self.join(tokens[0])
        viewer, ok_v = self.join(tokens[1])  # workshops have no waiting room
        self.assertEqual(ok_v["state"], "admitted")
        vid = ok_v["you"]["participant_id"]
        offer = open(os.path.join(os.environ["HEARTH_SDP_DATA"],
                                  "webrtcbin-publish-offer.sdp")).read()

        viewer.send({"type": "publish", "id": 2, "sdp": offer})
        self.assertEqual(viewer.recv_type("error")["error"]["code"], "forbidden")
        viewer.send({"type": "hand", "id": 3, "raised": True})
        viewer.recv_type("hand.ok")
        hand = host.recv_type("hand")
        self.assertEqual((hand["participant_id"], hand["raised"]), (vid, True))

        host.send({"type": "grant", "id": 4, "participant_id": vid, "publish": ["audio", "video"]})
        host.recv_type("grant.ok")
        perms = viewer.recv_type("permissions")["permissions"]
        self.assertTrue(perms["publish_audio"] and perms["publish_video"])
        viewer.send({"type": "publish", "id": 5, "sdp": offer})
        ok = viewer.recv_type("publish.ok")
        self.assertIn("a=recvonly", ok["sdp"])
        self.assertEqual(host.recv_type("stream.added")["participant_id"], vid)

        host.send({"type": "revoke", "id": 6, "participant_id": vid})
        host.recv_type("revoke.ok")
        self.assertEqual(host.recv_type("stream.removed")["participant_id"], vid)
        perms = viewer.recv_type("permissions")["permissions"]
        self.assertFalse(perms["publish_audio"] or perms["publish_video"])
        viewer.send({"type": "publish", "id": 7, "sdp": offer})
        self.assertEqual(viewer.recv_type("error")["error"]["code"], "forbidden")
        viewer.send({"type": "grant", "id": 8, "participant_id": vid, "publish": ["video"]})
        self.assertEqual(viewer.recv_type("error")["error"]["code"], "forbidden")
        host.close()
        viewer.close()

    def test_session_full(self):
        s, people = self.family()
        self.assertEqual(self.admin("PATCH", "/sessions/%d" % s["id"], {"capacity": 2})[0], 200)
        a, ok_a = self.join(people[0][1])
        b, ok_b = self.join(people[1][1])
        c, err = self.join(people[2][1])
        self.assertEqual(err["error"]["code"], "session_full")
        c.expect_close()
        # The same person on another device is not a newcomer: it takes its seat over.
        b2, ok = self.join(people[1][1])
        self.assertEqual(ok["type"], "join.ok")
        # A seat freed lets the next one in.
        a.send({"type": "leave", "id": 2})
        a.expect_close()
        c2, ok_c = self.join(people[2][1])
        self.assertEqual(ok_c["type"], "join.ok")
        for ws in (b2, c2):
            ws.close()

    def test_out_of_order(self):
        """Requests in the wrong state get their documented error and the
        connection goes on."""
        s, people = self.family()
        ws = WsClient(self.d.port)
        for i, req in enumerate([{"type": "publish", "sdp": "v=0"},
                                 {"type": "subscribe"},
                                 {"type": "subscribe.answer", "version": 1, "sdp": "v=0"},
                                 {"type": "chat", "text": "hi"},
                                 {"type": "admit", "participant_id": "p-1"}]):
            ws.send(dict(req, id=i + 1))
            err = ws.recv()
            self.assertEqual((err["id"], err["error"]["code"]), (i + 1, "not_joined"), err)
        ws.send({"type": "join", "id": 10, "v": 1, "token": people[1][1]})
        self.assertEqual(ws.recv()["type"], "join.ok")
        cases = [
            ({"type": "join", "v": 1, "token": people[1][1]}, "already_joined"),
            ({"type": "resume", "resume_token": "x"}, "already_joined"),
            ({"type": "subscribe.answer", "version": 7, "sdp": "v=0"}, "bad_message"),
            ({"type": "subscribe.answer", "version": "1", "sdp": "v=0"}, "bad_message"),
            ({"type": "subscribe.restart"}, "bad_message"),
            ({"type": "publish", "sdp": 5}, "bad_message"),
            ({"type": "publish", "sdp": "not sdp"}, "sdp_refused"),
            ({"type": "admit", "participant_id": "p-1"}, "forbidden"),
            ({"type": "mute", "participant_id": "p-1", "kind": "audio"}, "forbidden"),
            ({"type": "end"}, "forbidden"),
            ({"type": "unmute", "kind": "smell"}, "bad_message"),
            ({"type": "media.state", "audio": "on"}, "bad_message"),
            ({"type": "hand", "raised": "yes"}, "bad_message"),
            ({"type": "chat", "text": ""}, "bad_message"),
            ({"type": "chat", "text": "hi", "to": "p-nobody"}, "not_found"),
        ]
        for i, (req, code) in enumerate(cases):
            ws.send(dict(req, id=100 + i))
            err = ws.recv_type("error")
            self.assertEqual((err["id"], err["error"]["code"]), (100 + i, code), (req, err))
        ws.send({"type": "ping", "id": 200})
        self.assertEqual(ws.recv_type("pong")["id"], 200)  # still connected
        ws.close()


if __name__ == "__main__":
    unittest.main()
