"""Records the media hearth-loadgen publishes: VP8 video (640x480, 30 fps,
~1.2 Mbit/s CBR, a keyframe every 300 frames) and Opus audio (20 ms
frames, 50 packets/s), each packetized by GStreamer's RTP payloaders (MTU
1200), into one RTP dump.

    /usr/bin/python3 bench/loadgen/record_media.py OUT [seconds]
        [--width W --height H --bitrate BPS --keyframe-every FRAMES]

(tests/e2e/test_group16.mjs records 320x240 at 200 kbit/s, a keyframe
every 60 frames: about 30 video packets a second, so that 14 publishers
and their subscribers fit a loaded 2-core machine with two browsers.)

Dump format (big-endian): the 8 bytes "HLGDUMP1", then one record per RTP
packet in send order: u8 kind (0 audio, 1 video), u8 zero, u16 length,
u32 send offset in microseconds from the start, then the RTP packet.
The load generator rewrites SSRC, payload type, sequence numbers and
timestamps, and loops the file.
"""

import struct
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

VIDEO = (
    "videotestsrc pattern=zone-plate kx2=20 ky2=20 kt=1 num-buffers={frames} ! "
    "video/x-raw,width={width},height={height},framerate=30/1 ! "
    "videoconvert ! "
    # a moving zone plate keeps CBR near its target, as a camera would
    "vp8enc target-bitrate={bitrate} end-usage=cbr deadline=1 cpu-used=8 "
    "keyframe-max-dist={kf} error-resilient=default ! "
    "rtpvp8pay mtu=1200 pt=96 ! appsink name=sink sync=false emit-signals=false"
)
AUDIO = (
    "audiotestsrc wave=ticks num-buffers={buffers} samplesperbuffer=960 ! "
    "audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=32000 frame-size=20 ! "
    "rtpopuspay mtu=1200 pt=111 ! appsink name=sink sync=false emit-signals=false"
)


def pull(description, kind):
    pipe = Gst.parse_launch(description)
    sink = pipe.get_by_name("sink")
    pipe.set_state(Gst.State.PLAYING)
    out = []
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            raise RuntimeError("cannot map a buffer")
        data = bytes(info.data)
        buf.unmap(info)
        pts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else 0
        out.append((pts // 1000, kind, data))
    pipe.set_state(Gst.State.NULL)
    return out


def main():
    import argparse

    ap = argparse.ArgumentParser(description="records hearth-loadgen's media")
    ap.add_argument("out")
    ap.add_argument("seconds", nargs="?", type=int, default=10)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--bitrate", type=int, default=1200000)
    ap.add_argument("--keyframe-every", type=int, default=300)
    args = ap.parse_args()
    sys.argv[1:] = [args.out]
    seconds = args.seconds
    Gst.init(None)
    video = pull(VIDEO.format(frames=30 * seconds, width=args.width, height=args.height,
                              bitrate=args.bitrate, kf=args.keyframe_every), 1)
    audio = pull(AUDIO.format(buffers=50 * seconds), 0)
    packets = sorted(video + audio, key=lambda p: (p[0], p[1]))
    vbytes = sum(len(p[2]) for p in video)
    with open(sys.argv[1] + ".tmp", "wb") as f:
        f.write(b"HLGDUMP1")
        for offset_us, kind, data in packets:
            f.write(struct.pack(">BBHI", kind, 0, len(data), offset_us))
            f.write(data)
    import os

    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    print("%s: %d s, video %d packets (%.2f Mbit/s), audio %d packets"
          % (sys.argv[1], seconds, len(video), vbytes * 8 / seconds / 1e6, len(audio)))


if __name__ == "__main__":
    main()
