"""The test peer checked against itself, without Hearth: a Publisher and a
Subscriber (peer.py) connected directly in-process, the offer and answer
passed in Python. Proves the pipelines, loopback-only ICE, DTLS-SRTP,
decoding and the per-sender counting that test_media.py relies on."""

import time
import unittest

from peer import Loop, Publisher, Subscriber, measure, sdp_streams, wait_flowing


class SelfCheck(unittest.TestCase):
    def setUp(self):
        self.loop = Loop("selfcheck")
        self.pub = Publisher(self.loop, name="a/pub", msid="peer-a")
        self.sub = Subscriber(self.loop, name="b/sub")

    def tearDown(self):
        self.pub.close()
        self.sub.close()
        self.loop.quit()

    def test_vp8_and_opus_delivered_and_counted(self):
        t0 = time.monotonic()
        offer = self.pub.start()
        streams = sdp_streams(offer)
        self.assertEqual([s["kind"] for s in streams], ["video", "audio"])
        self.assertTrue(all(s["direction"] == "sendonly" for s in streams), offer)
        self.assertTrue(all(s["msid"][0] == "peer-a" for s in streams), offer)
        # Gathered before sending, on loopback only.
        cands = [line for line in offer.splitlines() if line.startswith("a=candidate:")]
        self.assertTrue(cands, offer)
        self.assertTrue(all(" 127.0.0.1 " in c and " UDP " in c.upper() for c in cands), cands)

        answer = self.sub.handle_offer(offer)
        self.assertTrue(all(s["direction"] == "recvonly" for s in sdp_streams(answer)), answer)
        self.assertIn("a=candidate:", answer)
        self.pub.apply_answer(answer)
        self.assertTrue(self.pub.wait_connected(10), self.pub.connection_state())
        self.assertTrue(self.sub.wait_connected(10), self.sub.connection_state())
        self.assertEqual(wait_flowing([(self.sub, "peer-a")], timeout=10), [],
                         self.sub.stream_details())
        setup = time.monotonic() - t0

        d = measure({"peer-a": self.pub}, [self.sub], seconds=5)
        video_sent, audio_sent = d.sent["peer-a"]
        video_got, audio_got = d.decoded[(0, "peer-a")]
        print("\nselfcheck: setup %.1fs; video %d/%d decoded (%.1f%%), audio %d/%d (%.1f%%)"
              % (setup, video_got, video_sent, 100 * d.ratio(0, "peer-a"),
                 audio_got, audio_sent, 100 * d.ratio(0, "peer-a", "audio")))
        self.assertGreaterEqual(video_sent, 5 * 30 * 0.9)   # the source really ran at 30 fps
        self.assertGreaterEqual(d.ratio(0, "peer-a"), 0.9)
        self.assertGreaterEqual(d.ratio(0, "peer-a", "audio"), 0.9)
        # Everything decoded was attributed to its sender, nothing to nobody.
        self.assertEqual(set(self.sub.decoded()), {"peer-a"}, self.sub.stream_details())
        self.assertEqual(self.pub.errors + self.sub.errors, [])


if __name__ == "__main__":
    unittest.main()
