"""The waiting room hears nothing of the session (docs/protocol.md, "The
waiting room"): while people inside generate every kind of event the
protocol documents, someone waiting (a family member, and a cohost whom the
roster does not admit automatically) receives none of them; only the
answers to its own requests and what happens to itself. Once admitted it
gets the current state, streams published before included."""

import os
import socket
import unittest

from hearthlib import DaemonTestCase, open_now
from wsclient import WsClient


def offer():
    with open(os.path.join(os.environ["HEARTH_SDP_DATA"], "webrtcbin-publish-offer.sdp")) as f:
        return f.read()


def msids(sdp):
    """The participant ids named by the a=msid lines of an offer."""
    return {line.split(":", 1)[1].split()[0] for line in sdp.splitlines()
            if line.startswith("a=msid:")}


class WaitingRoom(DaemonTestCase):
    def session(self, people):
        """A family session open now; people: (name, role, auto_admit).
        Returns the invite tokens, by name."""
        status, s = self.admin("POST", "/sessions", {"kind": "family", "title": "Family",
                                                     "schedule": open_now()})
        self.assertEqual(status, 201, s)
        self.sid = s["id"]
        tokens = {}
        for name, role, auto in people:
            status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": role, "auto_admit": auto})
            self.assertEqual(status, 201, e)
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {"max_uses": 5})
            self.assertEqual(status, 201, inv)
            tokens[name] = inv["token"]
        return tokens

    def join(self, token):
        ws = WsClient(self.d.port)
        ws.send({"type": "join", "id": 1, "v": 1, "token": token})
        ok = ws.recv()
        self.assertEqual(ok["type"], "join.ok", ok)
        return ws, ok

    def request(self, ws, req, want=None):
        """Sends req and returns its answer (skipping events)."""
        self.next_id = getattr(self, "next_id", 100) + 1
        ws.send(dict(req, id=self.next_id))
        while True:
            msg = ws.recv()
            if msg.get("id") == self.next_id:
                if want:
                    self.assertEqual(msg["type"], want, (req["type"], msg))
                return msg

    def heard(self, ws):
        """Everything ws was sent before the answer to a ping sent now (the
        server handles one connection's requests in order, so whatever was
        queued for it earlier comes first)."""
        self.next_id = getattr(self, "next_id", 100) + 1
        ws.send({"type": "ping", "id": self.next_id})
        seen = []
        while True:
            msg = ws.recv()
            if msg == {"type": "pong", "id": self.next_id}:
                return seen
            seen.append(msg)

    def test_waiting_hears_nothing(self):
        tokens = self.session([("Host", "host", True), ("Dana", "family", True),
                               ("Pat", "family", True), ("Sam", "family", False),
                               ("Cora", "cohost", False), ("Wes", "family", False),
                               ("Wyn", "family", False)])
        sam, ok_sam = self.join(tokens["Sam"])
        cora, ok_cora = self.join(tokens["Cora"])  # may moderate, but waits
        for ok in (ok_sam, ok_cora):
            self.assertEqual((ok["state"], ok["participants"]), ("waiting", []))
            self.assertNotIn("waiting", ok)
            self.assertNotIn("roster", ok)
        sam_id = ok_sam["you"]["participant_id"]

        # Presence: joining, camera and microphone, mute and unmute.
        host, ok_h = self.join(tokens["Host"])
        self.assertEqual(len(ok_h["waiting"]), 2)
        dana, ok_d = self.join(tokens["Dana"])
        dana_id = ok_d["you"]["participant_id"]
        host.recv_type("participant.joined")
        self.request(dana, {"type": "media.state", "audio": True, "video": True},
                     "media.state.ok")
        host.recv_type("participant.media")
        self.request(host, {"type": "mute", "participant_id": dana_id, "kind": "audio",
                            "lock": True}, "mute.ok")
        self.request(host, {"type": "unmute", "participant_id": dana_id, "kind": "audio"},
                     "unmute.ok")
        host.recv_type("participant.unmuted")
        # A host may mute someone waiting; that is not announced to them.
        self.request(host, {"type": "mute", "participant_id": sam_id, "kind": "video"},
                     "mute.ok")
        dana.recv_type("participant.muted")

        # Chat, to everyone and privately; hands; permissions.
        self.request(dana, {"type": "chat", "text": "hello all"}, "chat.ok")
        self.request(host, {"type": "chat", "text": "hi Dana", "to": dana_id}, "chat.ok")
        err = self.request(dana, {"type": "chat", "text": "psst", "to": sam_id})
        self.assertEqual(err["error"]["code"], "not_found")
        self.request(dana, {"type": "hand", "raised": True}, "hand.ok")
        host.recv_type("hand")
        self.request(host, {"type": "grant", "participant_id": dana_id, "publish": ["audio"]},
                     "grant.ok")
        self.request(host, {"type": "revoke", "participant_id": dana_id}, "revoke.ok")
        host.recv_type("permissions")

        # Media: streams added and removed, subscribe offers.
        self.request(host, {"type": "subscribe"}, "subscribe.ok")
        self.request(dana, {"type": "publish", "sdp": offer()}, "publish.ok")
        self.assertEqual(host.recv_type("stream.added")["participant_id"], dana_id)
        host.recv_type("subscribe.offer")
        pat, ok_p = self.join(tokens["Pat"])
        self.request(pat, {"type": "publish", "sdp": offer()}, "publish.ok")
        host.recv_type("stream.added")

        # Reconnecting, reconnected, leaving (with stream.removed).
        pat.sock.shutdown(socket.SHUT_RDWR)
        pat.sock.close()
        host.recv_type("participant.reconnecting")
        pat = WsClient(self.d.port)
        pat.send({"type": "resume", "id": 1, "resume_token": ok_p["resume_token"]})
        self.assertEqual(pat.recv_type("resume.ok")["you"]["participant_id"],
                         ok_p["you"]["participant_id"])
        host.recv_type("participant.reconnected")
        self.request(pat, {"type": "leave"}, "leave.ok")
        host.recv_type("stream.removed")
        host.recv_type("participant.left")

        # The waiting room itself: others arrive, are admitted or denied.
        wes, ok_w = self.join(tokens["Wes"])
        host.recv_type("waiting.added")
        self.request(host, {"type": "admit", "participant_id": ok_w["you"]["participant_id"]},
                     "admit.ok")
        wes.recv_type("admitted")
        wyn, ok_y = self.join(tokens["Wyn"])
        self.request(host, {"type": "deny", "participant_id": ok_y["you"]["participant_id"],
                            "reason": "not today"}, "deny.ok")
        wyn.expect_close()

        # Replaced by another device, removed by a host.
        dana2, ok_d2 = self.join(tokens["Dana"])
        dana.expect_close()
        dana_id = ok_d2["you"]["participant_id"]
        self.request(dana2, {"type": "media.state", "audio": True, "video": False},
                     "media.state.ok")
        self.request(dana2, {"type": "publish", "sdp": offer()}, "publish.ok")
        self.assertEqual(host.recv_type("stream.added")["participant_id"], dana_id)
        self.request(host, {"type": "remove", "participant_id": ok_w["you"]["participant_id"]},
                     "remove.ok")
        wes.expect_close()
        dana2.recv_type("participant.left")

        # Whatever the others did, those waiting heard none of it.
        self.assertEqual(self.heard(sam), [])
        self.assertEqual(self.heard(cora), [])

        # Admitted, Sam gets the session as it is now: who is present, with
        # their camera and microphone, and the streams published before.
        self.request(host, {"type": "admit", "participant_id": sam_id}, "admit.ok")
        admitted = sam.recv()
        self.assertEqual(admitted["type"], "admitted", admitted)
        present = {p["participant_id"]: p for p in admitted["participants"]}
        self.assertEqual(set(present), {ok_h["you"]["participant_id"], dana_id})
        self.assertEqual((present[dana_id]["audio"], present[dana_id]["video"]), (True, False))
        sam.send({"type": "subscribe", "id": 2})
        sub = sam.recv_type("subscribe.offer")  # comes before subscribe.ok
        self.assertEqual(sam.recv(), {"type": "subscribe.ok", "id": 2})
        self.assertEqual(msids(sub["sdp"]), {dana_id}, sub["sdp"])
        self.assertEqual(sub["sdp"].count("\r\nm="), 2, sub["sdp"])

        # The end of the session concerns the person waiting too: it is told
        # why its connection closes, and hears nothing else.
        self.assertEqual(self.request(host, {"type": "end"})["type"], "end.ok")
        code, seen = cora.expect_close()
        self.assertEqual(seen, [{"type": "session.ended", "reason": "ended"}])
        for ws in (sam, host, dana, dana2, pat, wes, wyn, cora):
            ws.close()
        # Every path kept them out at the source: the last guard, which
        # drops such a message and logs it, never had to.
        self.assertNotIn("who is waiting", self.d.log())


if __name__ == "__main__":
    unittest.main()
