#!/usr/bin/python3
"""Captures SDP from GStreamer's webrtcbin (Debian's GStreamer 1.22).

  webrtcbin.py offer   OUT   publish offer: VP8 + Opus, sendonly transceivers
  webrtcbin.py recvonly OUT  offer with recvonly VP8 + Opus transceivers
  webrtcbin.py answer  OFFER OUT
                             answer to a server-style (subscribe) offer

No network: no STUN server is set, so only host candidates are gathered, and
the offer is taken before ICE gathering could add more than the SDP holds.
Run with Debian's /usr/bin/python3 (python3-gi + gir1.2-gst-plugins-bad-1.0).
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

Gst.init(None)

SENDERS = (
    "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! "
    "vp8enc deadline=1 ! rtpvp8pay ! "
    "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! wrtc. "
    "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! "
    "rtpopuspay ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
    "clock-rate=48000 ! wrtc. "
)


def run_until(pipe, loop, timeout_s=20):
    def on_timeout():
        print("timed out", file=sys.stderr)
        loop.quit()
        sys.exit(1)

    GLib.timeout_add_seconds(timeout_s, on_timeout)
    pipe.set_state(Gst.State.PLAYING)
    loop.run()
    pipe.set_state(Gst.State.NULL)


def write(path, text):
    with open(path, "w", newline="") as f:
        f.write(text)
    print("wrote", path)


def capture_offer(out, recvonly):
    loop = GLib.MainLoop()
    desc = "webrtcbin name=wrtc bundle-policy=max-bundle "
    pipe = Gst.parse_bin_from_description(desc if recvonly else desc + SENDERS, False)
    wrtc = pipe.get_by_name("wrtc")
    if recvonly:
        for caps in (
            "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000",
            "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,"
            "encoding-params=(string)2",
        ):
            wrtc.emit("add-transceiver", GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY,
                      Gst.Caps.from_string(caps))

    def on_offer(promise, _):
        promise.wait()
        reply = promise.get_reply()
        write(out, reply.get_value("offer").sdp.as_text())
        loop.quit()

    def on_negotiation_needed(element):
        if not recvonly:
            for i in range(2):
                t = element.emit("get-transceiver", i)
                t.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        element.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))

    wrtc.connect("on-negotiation-needed", on_negotiation_needed)
    run_until(pipe, loop)


def capture_answer(offer_path, out):
    loop = GLib.MainLoop()
    pipe = Gst.parse_bin_from_description("webrtcbin name=wrtc bundle-policy=max-bundle", False)
    wrtc = pipe.get_by_name("wrtc")
    with open(offer_path, "rb") as f:
        ok, sdp = GstSdp.SDPMessage.new_from_text(f.read().decode())
    assert ok == GstSdp.SDPResult.OK

    def on_answer(promise, _):
        promise.wait()
        reply = promise.get_reply()
        write(out, reply.get_value("answer").sdp.as_text())
        loop.quit()

    def on_remote_set(promise, _):
        wrtc.emit("create-answer", None, Gst.Promise.new_with_change_func(on_answer, None))

    def start():
        offer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.OFFER, sdp)
        wrtc.emit("set-remote-description", offer,
                  Gst.Promise.new_with_change_func(on_remote_set, None))
        return False

    GLib.idle_add(start)
    run_until(pipe, loop)


def main():
    if len(sys.argv) == 3 and sys.argv[1] in ("offer", "recvonly"):
        capture_offer(sys.argv[2], sys.argv[1] == "recvonly")
    elif len(sys.argv) == 4 and sys.argv[1] == "answer":
        capture_answer(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
