"""Visibility hints (docs/protocol.md, "Visibility hints") against the real
hearthd, with independent GStreamer webrtcbin peers (peer.py): in a group
of six publishers, a watcher that reports only 4 of the 6 videos shown
decodes those 4 and nothing of the other 2, and everyone's audio; hints
moved to another video bring it within a second and stop the one hidden.

Standalone: HEARTHD=/path/to/hearthd PYTHONPATH=tests/integration \\
    /usr/bin/python3 tests/integration/test_hints.py -v"""

import time
import unittest

from hearthlib import DaemonTestCase, open_now
from peer import Peer, sdp_streams

PUBLISHERS = 6
SHOWN = 4


class Hints(DaemonTestCase):
    def setUp(self):
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()

    def group(self, names):
        status, s = self.admin("POST", "/sessions", {"kind": "group", "title": "Group",
                                                     "schedule": open_now(),
                                                     "waiting_room": False})
        self.assertEqual(status, 201, s)
        tokens = []
        for name in names:
            status, e = self.admin("POST", "/sessions/%d/roster" % s["id"],
                                   {"display_name": name, "role": "peer"})
            self.assertEqual(status, 201, e)
            status, inv = self.admin("POST", "/sessions/%d/roster/%d/invite" % (s["id"], e["id"]),
                                     {})
            self.assertEqual(status, 201, inv)
            tokens.append(inv["token"])
        return tokens

    def videos_offered(self, watcher):
        """participant id -> the mid of its video in the latest answered offer."""
        offer = watcher.sub_offers[-1]
        watcher.wait_answered(offer["version"])
        return {s["msid"][0]: s["mid"] for s in sdp_streams(offer["sdp"])
                if s["kind"] == "video" and s["msid"] and s["direction"] != "inactive"}

    def decoded_over(self, watcher, seconds):
        a = watcher.decoded()
        time.sleep(seconds)
        b = watcher.decoded()
        return {pid: {k: b[pid][k] - a.get(pid, {}).get(k, 0) for k in ("video", "audio")}
                for pid in b if pid}

    def hint(self, watcher, shown, mids):
        reply = watcher.request({"type": "subscribe.hint", "streams": [
            {"mid": mid, "visible": pid in shown, "width": 320 if pid in shown else 0,
             "height": 240 if pid in shown else 0} for pid, mid in mids.items()]})
        self.assertEqual(reply.get("type"), "subscribe.hint.ok", reply)

    def test_four_shown_of_six(self):
        names = ["pub%d" % i for i in range(PUBLISHERS)] + ["watcher"]
        tokens = self.group(names)
        pubs = []
        for token, name in zip(tokens, names):
            p = Peer(self.d.port, token, name=name, video=name != "watcher",
                     audio=name != "watcher")
            self.peers.append(p)
            if name == "watcher":
                watcher = p
                self.assertEqual(p.subscribe().get("type"), "subscribe.ok")
            else:
                pubs.append(p)
                self.assertEqual(p.publish().get("type"), "publish.ok")
        ids = [p.participant_id for p in pubs]

        deadline = time.monotonic() + 30
        while True:
            mids = self.videos_offered(watcher) if watcher.sub_offers else {}
            if set(mids) == set(ids):
                break
            self.assertLess(time.monotonic(), deadline, "offers: %s" % mids)
            time.sleep(0.2)

        # Unknown mids are refused, and change nothing.
        reply = watcher.request({"type": "subscribe.hint",
                                 "streams": [{"mid": "99", "visible": False}]})
        self.assertEqual(reply.get("error", {}).get("code"), "unknown_stream", reply)

        shown = set(ids[:SHOWN])
        self.hint(watcher, shown, mids)
        time.sleep(1.5)  # what was in flight
        got = self.decoded_over(watcher, 3)
        msg = "decoded in 3 s: %s" % {names[ids.index(k)]: v for k, v in got.items()}
        print("\n" + msg)
        videos = [pid for pid in ids if got.get(pid, {}).get("video", 0) > 0]
        self.assertLessEqual(len(videos), SHOWN, msg)
        self.assertEqual(set(videos), shown, msg)
        for pid in ids:
            self.assertGreater(got.get(pid, {}).get("audio", 0), 0, msg)

        # The last one shown instead of the first: it comes within a
        # second, the first stops.
        shown = set(ids[1:SHOWN]) | {ids[-1]}
        before = watcher.decoded().get(ids[-1], {}).get("video", 0)
        t0 = time.monotonic()
        self.hint(watcher, shown, mids)
        while watcher.decoded().get(ids[-1], {}).get("video", 0) <= before:
            self.assertLess(time.monotonic() - t0, 5, "the video shown again never came")
            time.sleep(0.02)
        print("shown again: first frame decoded after %.0f ms" % ((time.monotonic() - t0) * 1000))
        self.assertLess(time.monotonic() - t0, 1.0)
        time.sleep(1.0)
        got = self.decoded_over(watcher, 2)
        msg = "decoded in 2 s: %s" % {names[ids.index(k)]: v for k, v in got.items()}
        self.assertEqual({pid for pid in ids if got.get(pid, {}).get("video", 0) > 0}, shown, msg)
        for p in self.peers:
            self.assertEqual(p.errors, [], p.name)


if __name__ == "__main__":
    unittest.main()
