"""The media plane against the real hearthd: GStreamer webrtcbin peers
(peer.py) publish VP8 + Opus and subscribe over /ws as docs/protocol.md
("Media") describes, and we count what each decodes from whom.

Standalone: HEARTHD=/path/to/hearthd PYTHONPATH=tests/integration \\
    /usr/bin/python3 tests/integration/test_media.py -v
(HEARTH_PEER_DEBUG=1 traces the signalling.)"""

import json
import os
import socket
import time
import unittest

from hearthlib import Daemon, DaemonTestCase, iso, open_now
from peer import Peer, measure, wait_flowing
from test_metrics import scrape, total

WINDOW = 10          # seconds of media measured
MIN_VIDEO = 0.90     # share of the video frames sent that must be decoded
MIN_AUDIO = 0.80     # share of the Opus packets sent that must be decoded


def fingerprints(sdp):
    return {line for line in sdp.splitlines() if line.startswith("a=fingerprint:")}


class Media(DaemonTestCase):
    def setUp(self):
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()

    def family(self, names, waiting=()):
        """A family session open now; returns the invite tokens of names
        (the first is the host; those in waiting go through the waiting
        room)."""
        status, s = self.admin("POST", "/sessions", {"kind": "family", "title": "Family",
                                                     "schedule": open_now()})
        self.assertEqual(status, 201, s)
        tokens = []
        for i, name in enumerate(names):
            status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": "host" if i == 0 else "family",
                                    # the waiting room: test_waiting_room.py
                                    "auto_admit": name not in waiting})
            self.assertEqual(status, 201, e)
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {"max_uses": 5})
            self.assertEqual(status, 201, inv)
            tokens.append(inv["token"])
        return tokens

    def peer(self, token, name, **kw):
        p = Peer(self.d.port, token, name=name, **kw)
        self.peers.append(p)
        return p

    def start(self, p, publish=True, subscribe=True):
        if subscribe:
            ok = p.subscribe()
            self.assertEqual(ok.get("type"), "subscribe.ok", "%s: %r" % (p.name, ok))
        if publish:
            ok = p.publish()
            self.assertEqual(ok.get("type"), "publish.ok", "%s: %r" % (p.name, ok))

    def assert_all_decode_all(self, peers):
        pairs = [(rx, tx.participant_id) for rx in peers for tx in peers if rx is not tx]
        missing = wait_flowing(pairs, timeout=20)
        self.assertEqual(missing, [], self.diagnose(peers, missing))
        d = measure({p.participant_id: p for p in peers}, peers, WINDOW)
        report = []
        for i, rx in enumerate(peers):
            for tx in peers:
                if rx is tx:
                    continue
                sent, got = d.sent[tx.participant_id], d.decoded[(i, tx.participant_id)]
                report.append("%s from %s: video %d/%d, audio %d/%d" % (
                    rx.name, tx.name, got[0], sent[0], got[1], sent[1]))
        msg = "\n".join(report)
        print("\n" + msg)
        for i, rx in enumerate(peers):
            for tx in peers:
                if rx is tx:
                    continue
                self.assertGreaterEqual(d.sent[tx.participant_id][0], WINDOW * 30 * 0.8, msg)
                self.assertGreaterEqual(d.ratio(i, tx.participant_id, "video"), MIN_VIDEO, msg)
                self.assertGreaterEqual(d.ratio(i, tx.participant_id, "audio"), MIN_AUDIO, msg)
        for p in peers:
            self.assertEqual(p.errors, [], p.name)
            versions = [o["version"] for o in p.sub_offers]
            self.assertEqual(versions, list(range(1, len(versions) + 1)), p.name)
            p.wait_answered(versions[-1])

    def diagnose(self, peers, missing=()):
        lines = ["missing: %s" % [(rx.name, tx) for rx, tx in missing]]
        for p in peers:
            lines.append("%s (%s): sent %d frames; decoded %s; offers %s; errors %s; pub %s; sub %s"
                         % (p.name, p.participant_id, p.frames_sent(), p.decoded(),
                            [o.get("version") for o in p.sub_offers], p.errors,
                            p.publisher and p.publisher.connection_state(),
                            p.subscriber and p.subscriber.stream_details()))
        return "\n".join(lines)

    def test_two_peers(self):
        tokens = self.family(["Host", "Dana"])
        peers = [self.peer(t, n) for t, n in zip(tokens, ["host", "dana"])]
        for p in peers:
            self.start(p)
        self.assert_all_decode_all(peers)
        # Each learned the other's streams from the msids of its offers.
        self.assertEqual(peers[0].offered_participants(), {peers[1].participant_id})
        self.assertEqual(peers[1].offered_participants(), {peers[0].participant_id})

    def test_admitted_later_receives_earlier_streams(self):
        """Someone admitted from the waiting room after the others published
        hears nothing of it while waiting, then receives and decodes every
        stream published before."""
        tokens = self.family(["Host", "Dana", "Sam"], waiting=("Sam",))
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        sam = self.peer(tokens[2], "sam")
        self.assertEqual(sam.join_reply["state"], "waiting")
        for p in (host, dana):
            self.start(p)
        self.assertEqual(wait_flowing([(host, dana.participant_id),
                                       (dana, host.participant_id)], timeout=20), [])
        pong = sam.request({"type": "ping"})
        self.assertEqual(pong["type"], "pong")
        self.assertEqual([m["type"] for m in sam.messages], ["pong"])
        ok = host.request({"type": "admit", "participant_id": sam.participant_id})
        self.assertEqual(ok.get("type"), "admit.ok", ok)
        sam.wait_message(lambda m: m.get("type") == "admitted")
        self.start(sam)
        self.assertEqual(sam.offered_participants(), {host.participant_id, dana.participant_id})
        self.assert_all_decode_all([host, dana, sam])

    def test_host_mute_stops_forwarding(self):
        tokens = self.family(["Host", "Dana"])
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        for p in (host, dana):
            self.start(p)
        self.assertEqual(wait_flowing([(host, dana.participant_id)], timeout=20), [])
        ok = host.request({"type": "mute", "participant_id": dana.participant_id,
                           "kind": "video", "lock": True})
        self.assertEqual(ok.get("type"), "mute.ok", ok)
        time.sleep(0.5)  # what was in flight drains
        before = host.decoded_from(dana.participant_id)
        time.sleep(2)
        after = host.decoded_from(dana.participant_id)
        self.assertLessEqual(after["video"] - before["video"], 1, (before, after))
        self.assertGreater(after["audio"] - before["audio"], 50, (before, after))
        self.assertGreater(dana.frames_sent(), 0)

        ok = host.request({"type": "unmute", "participant_id": dana.participant_id,
                           "kind": "video"})
        self.assertEqual(ok.get("type"), "unmute.ok", ok)
        time.sleep(2.5)  # the next keyframe (at most 1 s) restarts the decoder
        again = host.decoded_from(dana.participant_id)
        self.assertGreater(again["video"] - after["video"], 20, (after, again))

    def test_leaver_streams_go_inactive(self):
        tokens = self.family(["Host", "Dana", "Sam"])
        peers = [self.peer(t, n) for t, n in zip(tokens, ["host", "dana", "sam"])]
        for p in peers:
            self.start(p)
        host, dana, sam = peers
        pairs = [(rx, tx.participant_id) for rx in peers for tx in peers if rx is not tx]
        self.assertEqual(wait_flowing(pairs, timeout=20), [])
        before = len(host.sub_offers)
        sam.close()
        self.peers.remove(sam)
        # A new offer keeps Sam's m-lines, now inactive, and is answered.
        deadline = time.time() + 10
        while len(host.sub_offers) == before and time.time() < deadline:
            time.sleep(0.1)
        offer = host.sub_offers[-1]
        self.assertGreater(len(host.sub_offers), before)
        self.assertEqual(offer["sdp"].count("a=inactive"), 2, offer["sdp"])
        self.assertNotIn(sam.participant_id, offer["sdp"])
        host.wait_answered(offer["version"])
        self.assert_all_decode_all([host, dana])

    def test_removal_cuts_media_within_a_second(self):
        tokens = self.family(["Host", "Dana"])
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        for p in (host, dana):
            self.start(p)
        self.assertEqual(wait_flowing([(host, dana.participant_id)], timeout=20), [])
        ok = host.request({"type": "remove", "participant_id": dana.participant_id})
        self.assertEqual(ok.get("type"), "remove.ok", ok)
        time.sleep(1.0)
        before = host.decoded_from(dana.participant_id)
        time.sleep(2)
        after = host.decoded_from(dana.participant_id)
        self.assertEqual(after, before)  # nothing of hers arrives any more
        self.assertGreater(dana.frames_sent(), 0)

    def test_resume_keeps_seat_and_media(self):
        from wsclient import WsClient
        tokens = self.family(["Host", "Dana"])
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        for p in (host, dana):
            self.start(p)
        self.assertEqual(wait_flowing([(host, dana.participant_id),
                                       (dana, host.participant_id)], timeout=20), [])
        token = dana.join_reply["resume_token"]
        dana.ws.sock.shutdown(socket.SHUT_RDWR)  # the signalling socket drops
        before = host.decoded_from(dana.participant_id)
        time.sleep(2)
        during = host.decoded_from(dana.participant_id)
        self.assertGreater(during["video"] - before["video"], 30, (before, during))
        ws = WsClient(self.d.port)
        ws.send({"type": "resume", "id": 1, "resume_token": token})
        ok = ws.recv_type("resume.ok")
        self.assertEqual(ok["you"]["participant_id"], dana.participant_id)
        self.assertEqual([p["participant_id"] for p in ok["participants"]],
                         [host.participant_id])
        time.sleep(1)
        after = host.decoded_from(dana.participant_id)
        self.assertGreater(after["video"], during["video"])
        self.assertGreater(dana.decoded_from(host.participant_id)["video"], 0)
        ws.close()

    def test_publish_renegotiation_keeps_media(self):
        tokens = self.family(["Host", "Dana"])
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        for p in (host, dana):
            self.start(p)
        self.assertEqual(wait_flowing([(host, dana.participant_id)], timeout=20), [])
        # Dana's connection negotiates again (same ICE and DTLS association).
        offer = dana.publisher.renegotiate()
        reply = dana.request({"type": "publish", "sdp": offer})
        self.assertEqual(reply.get("type"), "publish.ok", reply)
        dana.publisher.apply_answer(reply["sdp"])
        time.sleep(1)
        before = host.decoded_from(dana.participant_id)
        time.sleep(2)
        after = host.decoded_from(dana.participant_id)
        self.assertGreater(after["video"] - before["video"], 40, (before, after))

    def test_subscribe_ice_restart(self):
        import re as re_
        tokens = self.family(["Host", "Dana"])
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        for p in (host, dana):
            self.start(p)
        self.assertEqual(wait_flowing([(host, dana.participant_id)], timeout=20), [])
        old = host.sub_offers[-1]
        ok = host.request({"type": "subscribe.restart"})
        self.assertEqual(ok.get("type"), "subscribe.restart.ok", ok)
        deadline = time.time() + 10
        while host.sub_offers[-1] is old and time.time() < deadline:
            time.sleep(0.1)
        new = host.sub_offers[-1]
        ufrag = lambda sdp: re_.findall(r"a=ice-ufrag:(\S+)", sdp)[0]  # noqa: E731
        self.assertNotEqual(ufrag(new["sdp"]), ufrag(old["sdp"]))
        host.wait_answered(new["version"])
        time.sleep(1)
        before = host.decoded_from(dana.participant_id)
        time.sleep(2)
        after = host.decoded_from(dana.participant_id)
        self.assertGreater(after["video"] - before["video"], 40, (before, after))

    def test_call_outlives_consent_timeout(self):
        """Past RFC 7675's 30 s, with peers (libnice) that send no consent
        requests: authenticated SRTCP keeps consent."""
        mark = len(self.d.lines)
        tokens = self.family(["Host", "Dana"])
        host, dana = (self.peer(t, n) for t, n in zip(tokens, ["host", "dana"]))
        for p in (host, dana):
            self.start(p)
        self.assertEqual(wait_flowing([(host, dana.participant_id)], timeout=20), [])
        time.sleep(33)
        before = host.decoded_from(dana.participant_id)
        time.sleep(2)
        after = host.decoded_from(dana.participant_id)
        self.assertGreater(after["video"] - before["video"], 40, (before, after))
        lost = [l for l in self.d.lines[mark:] if "lost consent" in l or "closed: DTLS did" in l]
        self.assertEqual(lost, [])

    def test_three_peers(self):
        tokens = self.family(["Host", "Dana", "Sam"])
        peers = [self.peer(t, n) for t, n in zip(tokens, ["host", "dana", "sam"])]
        for p in peers:
            self.start(p)
        self.assert_all_decode_all(peers)

    def test_streams_added_while_an_offer_waits(self):
        """A subscriber slow to answer: streams published meanwhile wait for
        the next offer; the late answer to the first is still accepted."""
        tokens = self.family(["Host", "Dana", "Sam"])
        host = self.peer(tokens[0], "host", answer_delay=2.0)
        dana, sam = self.peer(tokens[1], "dana"), self.peer(tokens[2], "sam")
        self.start(dana, subscribe=False)
        self.start(host)
        host.wait_message(lambda m: m.get("type") == "subscribe.offer", 10, "offer v1")
        self.start(sam, subscribe=False)  # while v1 waits for its answer
        host.wait_answered(1, timeout=10)
        host.wait_answered(2, timeout=10)
        missing = wait_flowing([(host, dana.participant_id), (host, sam.participant_id)],
                               timeout=20)
        self.assertEqual(missing, [], self.diagnose([host, dana, sam], missing))

    def test_other_session_sees_nothing(self):
        ours = self.family(["Host", "Dana"])
        theirs = self.family(["Stranger"])
        a, b = (self.peer(t, n) for t, n in zip(ours, ["host", "dana"]))
        x = self.peer(theirs[0], "stranger")
        for p in (a, b, x):
            self.start(p)
        missing = wait_flowing([(a, b.participant_id), (b, a.participant_id)], timeout=20)
        self.assertEqual(missing, [], self.diagnose([a, b, x], missing))
        time.sleep(3)
        ids = {a.participant_id, b.participant_id}
        self.assertEqual(x.offered_participants() & ids, set(), self.diagnose([x]))
        self.assertEqual(x.decoded(), {}, self.diagnose([x]))
        for p in (a, b):
            self.assertNotIn(x.participant_id, p.offered_participants())
            self.assertNotIn(x.participant_id, p.decoded())
        self.assertGreater(x.frames_sent(), 60)  # x did send all along

    def test_fingerprint_mismatch_gets_no_media_through(self):
        tokens = self.family(["Host", "Dana", "Mallory"])
        a = self.peer(tokens[0], "host")
        b = self.peer(tokens[1], "dana")
        m = self.peer(tokens[2], "mallory", bad_fingerprint=True)
        for p in (a, b):
            self.start(p)
        self.assertEqual(m.subscribe().get("type"), "subscribe.ok")
        reply = m.publish()  # may be accepted: the lie shows only in the DTLS handshake
        self.assertIn(reply.get("type"), ("publish.ok", "error"), reply)
        missing = wait_flowing([(a, b.participant_id), (b, a.participant_id)], timeout=20)
        self.assertEqual(missing, [], self.diagnose([a, b, m], missing))
        time.sleep(5)
        # The offer did lie about the certificate webrtcbin presents...
        real = m.publisher.webrtc.get_property("local-description").sdp.as_text()
        self.assertNotEqual(fingerprints(m.publish_offer), fingerprints(real))
        # ...so the handshake fails (webrtcbin stops taking frames then, which
        # is why frames_sent() says little here) and nothing gets through.
        self.assertNotEqual(m.publisher.connection_state(), "connected")
        for p in (a, b):
            got = p.decoded_from(m.participant_id)
            self.assertEqual(got, {"video": 0, "audio": 0}, self.diagnose([a, b, m]))
        # The honest ones still get each other's media.
        self.assertGreater(a.decoded_from(b.participant_id)["video"], 100)
        # Counted by reason, and logged naming the session and whose it was.
        self.assertGreaterEqual(total(scrape(self.d), "hearth_transport_failures_total",
                                      reason="dtls_fingerprint"), 1)
        line = self.d.wait_for_log("certificate does not match the SDP fingerprint")
        self.assertIn("participant=%s transport=" % m.participant_id, line)
        self.assertRegex(line, r"session=\d+ participant=")


if __name__ == "__main__":
    unittest.main()
