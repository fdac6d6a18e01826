"""A WebRTC test participant for Hearth built on GStreamer's webrtcbin.

Peer joins a session over /ws (docs/protocol.md) and then, like a browser,
uses two peer connections: a Publisher (its own webrtcbin; videotestsrc as
VP8 and audiotestsrc as Opus, sendonly) that offers to the server, and a
Subscriber (a second webrtcbin) that answers the server's versioned
subscribe offers and decodes whatever arrives. Both count what they do so
that a test can compare "frames A sent" with "frames B decoded from A":

    publisher: VP8 frames out of the encoder, Opus packets out of the encoder
    subscriber: decoded video frames and decoded audio buffers, keyed by the
                participant that sent them (the first word of the m-line's
                msid, "<participant_id> <stream id>")

Publisher and Subscriber also work without Hearth (test_peer_selfcheck.py
connects one to the other in-process).

Threads: each Peer runs a GLib main loop in its own thread (bus messages and
the handling of subscribe offers, one at a time, in arrival order) and reads
the WebSocket in another; GStreamer streaming threads do the counting. Every
getter is thread-safe. close() tears everything down.

ICE: the server is ICE-lite with 127.0.0.1 host candidates and trickles
nothing, so each side gathers before it sends its SDP, which then carries its
candidates. libnice skips loopback interfaces unless told otherwise: we add
127.0.0.1 explicitly with the "add-local-ip-address" action signal of
webrtcbin's GstWebRTCICE (it is then the only address gathered), and turn
ICE-TCP off. ice_address="::1" makes a peer IPv6 only the same way
(test_ipv6.py).

Set HEARTH_PEER_DEBUG=1 to trace the signalling on stderr.
"""

import ctypes
import itertools
import json
import os
import re
import sys
import threading
import time
import urllib.parse

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

from wsclient import WsClient  # noqa: E402

Gst.init(None)

DEBUG = bool(os.environ.get("HEARTH_PEER_DEBUG"))
VIDEO_PT = 96
AUDIO_PT = 111

SENDONLY = GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY
GATHERING_COMPLETE = GstWebRTC.WebRTCICEGatheringState.COMPLETE


def log(who, fmt, *args):
    if DEBUG:
        sys.stderr.write("[%.3f %s] %s\n" % (time.monotonic(), who, fmt % args))


class PeerError(Exception):
    pass


# --- webrtcbin's ICE object, through ctypes ---------------------------------
#
# In 1.22, reading webrtcbin's "ice-agent" property from Python is unsafe: the
# GstWebRTCICE is still floating, PyGObject sinks it and takes webrtcbin's
# only reference, and the agent is finalized under webrtcbin's feet as soon as
# the Python wrapper goes (CRITICALs, then a segfault). So we fetch it with
# g_object_get from C, use it and drop our own reference, which leaves
# webrtcbin's untouched.

_gobject = ctypes.CDLL("libgobject-2.0.so.0")
_gstwebrtc = ctypes.CDLL("libgstwebrtc-1.0.so.0")
_gobject.g_object_unref.argtypes = [ctypes.c_void_p]
_gobject.g_object_get.restype = None
_gobject.g_object_set.restype = None
_gobject.g_signal_emit_by_name.restype = None
_gstwebrtc.gst_webrtc_ice_set_is_controller.argtypes = [ctypes.c_void_p, ctypes.c_int]
_gstwebrtc.gst_webrtc_ice_set_is_controller.restype = None
_gstwebrtc.gst_webrtc_ice_get_is_controller.argtypes = [ctypes.c_void_p]
_gstwebrtc.gst_webrtc_ice_get_is_controller.restype = ctypes.c_int
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _gpointer(obj):
    return ctypes.c_void_p(_capsule_pointer(obj.__gpointer__, None))


class _Ice:
    """The GstWebRTCICE of a webrtcbin, held for the length of a with block."""

    def __init__(self, webrtcbin):
        self.ptr = ctypes.c_void_p()
        _gobject.g_object_get(_gpointer(webrtcbin), b"ice-agent", ctypes.byref(self.ptr), None)
        if not self.ptr:
            raise PeerError("webrtcbin has no ICE agent")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _gobject.g_object_unref(self.ptr)

    def loopback_only(self, address="127.0.0.1", tcp_only=False):
        """address only; UDP only, or (tcp_only) ICE-TCP only: libnice's
        active TCP candidates, which reach a passive one (RFC 6544)."""
        ok = ctypes.c_int(0)
        _gobject.g_signal_emit_by_name(self.ptr, b"add-local-ip-address", address.encode(),
                                       ctypes.byref(ok))
        if not ok.value:
            raise PeerError("add-local-ip-address %s refused" % address)
        _gobject.g_object_set(self.ptr, b"ice-tcp", ctypes.c_int(int(tcp_only)), None)
        _gobject.g_object_set(self.ptr, b"ice-udp", ctypes.c_int(int(not tcp_only)), None)

    def set_controller(self, controlling):
        _gstwebrtc.gst_webrtc_ice_set_is_controller(self.ptr, int(bool(controlling)))

    def is_controller(self):
        return bool(_gstwebrtc.gst_webrtc_ice_get_is_controller(self.ptr))


# --- SDP text helpers ---------------------------------------------------------


def sdp_sections(text):
    """(session lines, [lines of each m-section]), line endings stripped."""
    session, media = [], []
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("m="):
            media.append([line])
        elif media:
            media[-1].append(line)
        else:
            session.append(line)
    return session, media


def sdp_join(session, media):
    return "\r\n".join(session + [line for m in media for line in m]) + "\r\n"


def sdp_streams(text):
    """One dict per m-section: index, kind, port, mid, direction, msid (the
    participant_id / stream id pair or None) and ssrcs {ssrc: msid or None}."""
    out = []
    _, media = sdp_sections(text)
    for i, lines in enumerate(media):
        m = lines[0][2:].split()
        s = {"index": i, "kind": m[0], "port": int(m[1]), "mid": None,
             "direction": "sendrecv", "msid": None, "ssrcs": {}}
        for line in lines[1:]:
            if line.startswith("a=mid:"):
                s["mid"] = line[6:].strip()
            elif line[2:] in ("sendrecv", "sendonly", "recvonly", "inactive"):
                s["direction"] = line[2:]
            elif line.startswith("a=msid:"):
                s["msid"] = tuple(line[7:].split()[:2])
            elif line.startswith("a=ssrc:"):
                num, _, attr = line[7:].partition(" ")
                try:
                    ssrc = int(num)
                except ValueError:
                    continue
                s["ssrcs"].setdefault(ssrc, None)
                if attr.startswith("msid:"):
                    s["ssrcs"][ssrc] = tuple(attr[5:].split()[:2])
        if s["msid"] is None:
            for v in s["ssrcs"].values():
                if v:
                    s["msid"] = v
                    break
        out.append(s)
    return out


def sdp_add_candidates(text, candidates):
    """Adds the a=candidate lines of candidates [(mline, "candidate:...")] that
    the SDP does not have yet to their m-sections (webrtcbin only writes the
    candidates it gathers into the description current at that time, not into
    later ones)."""
    session, media = sdp_sections(text)
    for mline, cand in candidates:
        if mline < len(media) and not cand.startswith("a="):
            line = "a=" + cand
            if line not in media[mline]:
                media[mline].append(line)
    return sdp_join(session, media)


def sdp_tamper_fingerprint(text):
    """Replaces the certificate digest of every a=fingerprint line by another
    well-formed one, as if the offer came with someone else's certificate."""
    def flip(m):
        octets = m.group(2).split(":")
        octets = ["%02X" % (int(o, 16) ^ 0x5A) for o in octets]
        return m.group(1) + ":".join(octets)

    out, n = re.subn(r"(a=fingerprint:\S+ )([0-9A-Fa-f:]+)", flip, text)
    if not n:
        raise PeerError("no a=fingerprint line to tamper with")
    return out


def _description(kind, text):
    res, msg = GstSdp.SDPMessage.new_from_text(text)
    if res != GstSdp.SDPResult.OK:
        raise PeerError("unparsable SDP (%s):\n%s" % (res, text))
    return GstWebRTC.WebRTCSessionDescription.new(kind, msg)


# --- a GLib main loop in a thread ---------------------------------------------


class Loop:
    """A private GMainContext run by a GLib.MainLoop in a daemon thread."""

    def __init__(self, name="peer-loop"):
        self.ctx = GLib.MainContext.new()
        self.loop = GLib.MainLoop.new(self.ctx, False)
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self):
        self.ctx.push_thread_default()
        try:
            self.loop.run()
        finally:
            self.ctx.pop_thread_default()

    def call(self, fn, *args):
        """Runs fn(*args) in the loop thread, soon."""
        def once(*_):
            fn(*args)
            return GLib.SOURCE_REMOVE

        src = GLib.idle_source_new()
        src.set_callback(once)
        src.attach(self.ctx)

    def watch_bus(self, bus, fn):
        """Calls fn(message) in the loop thread for each bus message (the watch
        attaches to the thread-default context, so it is added from there)."""
        added = threading.Event()

        def add():
            bus.add_watch(GLib.PRIORITY_DEFAULT, lambda bus_, msg: fn(msg) is not False)
            added.set()

        self.call(add)
        if threading.current_thread() is not self.thread:
            added.wait(5)

    def quit(self):
        self.call(self.loop.quit)
        if threading.current_thread() is not self.thread:
            self.thread.join(5)


# --- one webrtcbin in its own pipeline ----------------------------------------


class Endpoint:
    """What Publisher and Subscriber share: a pipeline around one webrtcbin
    restricted to 127.0.0.1, its gathered candidates, offer/answer steps with
    timeouts, and the errors its bus reported."""

    role = "endpoint"

    def __init__(self, loop, name=None, ice_address="127.0.0.1"):
        self.name = name or self.role
        self.ice_address = ice_address  # the one address ICE gathers
        self.loop = loop
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.closed = False
        self.errors = []
        self.candidates = []
        self.pipeline = Gst.Pipeline.new(self.name)
        self.webrtc = None

    def _setup_webrtc(self, webrtc):
        self.webrtc = webrtc
        webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        with _Ice(webrtc) as ice:
            ice.loopback_only(self.ice_address, getattr(self.loop, "tcp_only", False))
        webrtc.connect("on-ice-candidate", self._on_candidate)
        webrtc.connect("notify::ice-gathering-state", self._on_state_change)
        webrtc.connect("notify::connection-state", self._on_state_change)
        self.loop.watch_bus(self.pipeline.get_bus(), self._on_bus)

    def _on_candidate(self, webrtc, mline, cand):
        log(self.name, "local candidate %d %s", mline, cand)
        with self.cond:
            self.candidates.append((mline, cand))
            self.cond.notify_all()

    def _on_state_change(self, webrtc, pspec):
        log(self.name, "%s: %s", pspec.name, webrtc.get_property(pspec.name).value_nick)
        with self.cond:
            self.cond.notify_all()

    def _on_bus(self, msg):
        if msg.type in (Gst.MessageType.ERROR, Gst.MessageType.WARNING):
            err, dbg = msg.parse_error() if msg.type == Gst.MessageType.ERROR else msg.parse_warning()
            text = "%s from %s: %s (%s)" % (msg.type.first_value_nick, msg.src.get_name(),
                                            err.message, dbg)
            log(self.name, "%s", text)
            with self.lock:
                self.errors.append(text)
        return True

    def connection_state(self):
        return self.webrtc.get_property("connection-state").value_nick

    def ice_controlling(self):
        with _Ice(self.webrtc) as ice:
            return ice.is_controller()

    def wait_connected(self, timeout=10):
        """Waits until ICE and DTLS are both up; False when they never were."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                state = self.webrtc.get_property("connection-state")
                if state == GstWebRTC.WebRTCPeerConnectionState.CONNECTED:
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or state == GstWebRTC.WebRTCPeerConnectionState.FAILED:
                    return False
                self.cond.wait(min(left, 0.2))

    def _promise(self, signal, *args, timeout=10):
        """Emits an action signal that takes a GstPromise last and waits for
        its reply (None or a GstStructure)."""
        done = threading.Event()
        promise = Gst.Promise.new_with_change_func(lambda *_: done.set())
        self.webrtc.emit(signal, *args, promise)
        deadline = time.monotonic() + timeout
        while not done.wait(0.1):
            if self.closed:
                raise PeerError("%s: closed during %s" % (self.name, signal))
            if time.monotonic() > deadline:
                raise PeerError("%s: no reply to %s in %ss" % (self.name, signal, timeout))
        if promise.wait() != Gst.PromiseResult.REPLIED:
            raise PeerError("%s: %s: promise %s" % (self.name, signal, promise.wait()))
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            raise PeerError("%s: %s failed: %s" % (self.name, signal,
                                                    reply.get_value("error").message))
        return promise, reply

    def _create(self, what, timeout):
        # Keep the promise alive while reading its reply (the reply belongs to
        # it), and leave with plain text: no boxed value outlives this.
        promise, reply = self._promise("create-" + what, None, timeout=timeout)
        desc = reply.get_value(what) if reply is not None else None
        if desc is None:
            raise PeerError("%s: create-%s gave nothing (see GST_DEBUG=webrtcbin:4)"
                            % (self.name, what))
        text = desc.sdp.as_text()
        del desc, reply, promise
        return text

    def _set(self, which, kind, text, timeout):
        self._promise("set-%s-description" % which, _description(kind, text), timeout=timeout)

    def _local_sdp_with_candidates(self, timeout):
        """Waits for gathering to end, then returns the local description with
        all our candidates in it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not (self.webrtc.get_property("ice-gathering-state") == GATHERING_COMPLETE
                       and self.candidates):
                left = deadline - time.monotonic()
                if self.closed:
                    raise PeerError("%s: closed while gathering" % self.name)
                if left <= 0:
                    raise PeerError("%s: ICE gathering did not complete in %ss (candidates: %r)"
                                    % (self.name, timeout, self.candidates))
                self.cond.wait(min(left, 0.2))
            cands = list(self.candidates)
        text = self.webrtc.get_property("local-description").sdp.as_text()
        return sdp_add_candidates(text, cands)

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_watch()


# --- sending: videotestsrc as VP8, audiotestsrc as Opus ---------------------


class Publisher(Endpoint):
    """The sending peer connection. start() returns the offer (gathered, so
    with our candidates); apply_answer() takes the answer.

    A valve before each encoder lets a test pause the sources (pause()), so
    that it can measure over a window with nothing in flight at either end:
    frames_sent() counts the VP8 frames that left the encoder, audio_sent()
    the Opus packets."""

    role = "publisher"

    def __init__(self, loop, name=None, msid=None, video=True, audio=True,
                 width=320, height=240, framerate=30, ice_address="127.0.0.1"):
        super().__init__(loop, name, ice_address)
        self.msid = msid
        self.video_frames = 0
        self.audio_packets = 0
        branches = []
        if video:
            branches.append(
                "videotestsrc is-live=true pattern=ball ! "
                "video/x-raw,width=%d,height=%d,framerate=%d/1 ! valve name=vvalve ! "
                "vp8enc name=venc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=%d ! "
                "application/x-rtp,media=video,encoding-name=VP8,payload=%d,clock-rate=90000 ! "
                "webrtc." % (width, height, framerate, VIDEO_PT, VIDEO_PT))
        if audio:
            branches.append(
                "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! "
                "valve name=avalve ! opusenc name=aenc ! rtpopuspay pt=%d ! "
                "application/x-rtp,media=audio,encoding-name=OPUS,payload=%d,clock-rate=48000 ! "
                "webrtc." % (AUDIO_PT, AUDIO_PT))
        if not branches:
            raise ValueError("a publisher sends video, audio or both")
        self.pipeline = Gst.parse_launch("webrtcbin name=webrtc " + " ".join(branches))
        self.pipeline.set_name(self.name)
        self._setup_webrtc(self.pipeline.get_by_name("webrtc"))
        self.valves = [v for v in (self.pipeline.get_by_name("vvalve"),
                                   self.pipeline.get_by_name("avalve")) if v]
        if video:
            self.pipeline.get_by_name("venc").get_static_pad("src").add_probe(
                Gst.PadProbeType.BUFFER, self._count, "video_frames")
        if audio:
            self.pipeline.get_by_name("aenc").get_static_pad("src").add_probe(
                Gst.PadProbeType.BUFFER, self._count, "audio_packets")

    def _count(self, pad, info, field):
        with self.lock:
            setattr(self, field, getattr(self, field) + 1)
        return Gst.PadProbeReturn.OK

    def frames_sent(self):
        with self.lock:
            return self.video_frames

    def audio_sent(self):
        with self.lock:
            return self.audio_packets

    def pause(self):
        for v in self.valves:
            v.set_property("drop", True)

    def resume(self):
        for v in self.valves:
            v.set_property("drop", False)

    def start(self, timeout=10):
        """Starts the pipeline and returns the offer to send."""
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise PeerError("%s: pipeline refused to start: %s" % (self.name, self.errors))
        # webrtcbin 1.22 can only describe a sink pad once its caps carry the
        # payloader's ssrc, i.e. after the first buffer; an offer created
        # earlier comes back NULL ("Caps ... are missing ssrc").
        deadline = time.monotonic() + timeout
        while True:
            caps = [p.get_current_caps() for p in self.webrtc.sinkpads]
            if caps and all(c and c.get_structure(0).has_field("ssrc") for c in caps):
                break
            if time.monotonic() > deadline:
                raise PeerError("%s: no caps with ssrc on webrtcbin's sink pads" % self.name)
            time.sleep(0.02)
        for pad in self.webrtc.sinkpads:
            pad.get_property("transceiver").set_property("direction", SENDONLY)
            if self.msid:
                pad.set_property("msid", self.msid)
        offer = self._create("offer", timeout)
        self._set("local", GstWebRTC.WebRTCSDPType.OFFER, offer, timeout)
        self.offer = self._local_sdp_with_candidates(timeout)
        log(self.name, "offer:\n%s", self.offer)
        return self.offer

    def renegotiate(self, timeout=10):
        """A new offer on the running connection (same ICE and DTLS), as a
        browser makes when its tracks change; returns it."""
        offer = self._create("offer", timeout)
        self._set("local", GstWebRTC.WebRTCSDPType.OFFER, offer, timeout)
        self.offer = self._local_sdp_with_candidates(timeout)
        return self.offer

    def apply_answer(self, text, timeout=10):
        log(self.name, "answer:\n%s", text)
        self._set("remote", GstWebRTC.WebRTCSDPType.ANSWER, text, timeout)


# --- receiving: decode whatever comes, count it per sender ------------------


class Subscriber(Endpoint):
    """The receiving peer connection: answers offers (handle_offer), decodes
    each incoming stream (VP8 to vp8dec, Opus to opusdec, anything else to a
    fakesink) and counts decoded video frames and audio buffers.

    An incoming stream is attributed by the SSRC of its first packet to the
    m-section that lists that a=ssrc, else by its transceiver's mid, and from
    the m-section to its msid; decoded() groups by the msid's first word."""

    role = "subscriber"

    def __init__(self, loop, name=None, ice_address="127.0.0.1"):
        super().__init__(loop, name, ice_address)
        webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.pipeline.add(webrtc)
        self._setup_webrtc(webrtc)
        webrtc.connect("pad-added", self._on_pad_added)
        self.streams = []           # one dict per incoming src pad
        self.by_mid = {}            # mid -> msid, from every offer seen
        self.by_ssrc = {}           # ssrc -> mid
        self.offers = []            # offer texts, in order
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise PeerError("%s: pipeline refused to start" % self.name)

    def handle_offer(self, text, timeout=10):
        """Applies an offer and returns the answer to send back."""
        log(self.name, "offer:\n%s", text)
        streams = sdp_streams(text)
        with self.lock:
            self.offers.append(text)
            for s in streams:
                if s["mid"] is not None:
                    self.by_mid[s["mid"]] = s["msid"]
                    for ssrc in s["ssrcs"]:
                        self.by_ssrc[ssrc] = s["mid"]
        lite = "a=ice-lite" in sdp_sections(text)[0]
        if lite:
            # Against an ICE-lite offerer we must control (RFC 8445 6.1.1);
            # 1.22 gets there by itself (the agent starts controlling, and
            # webrtcbin checks the remote's ice-lite when the answer is set),
            # this only makes it independent of that.
            with _Ice(self.webrtc) as ice:
                ice.set_controller(True)
        self._set("remote", GstWebRTC.WebRTCSDPType.OFFER, text, timeout)
        answer = self._create("answer", timeout)
        self._set("local", GstWebRTC.WebRTCSDPType.ANSWER, answer, timeout)
        if lite and not self.ice_controlling():
            raise PeerError("%s: not ICE-controlling against an ICE-lite offerer" % self.name)
        answer = self._local_sdp_with_candidates(timeout)
        log(self.name, "answer:\n%s", answer)
        return answer

    def _on_pad_added(self, webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        st = caps.get_structure(0)
        enc = (st.get_string("encoding-name") or "").upper()
        trans = pad.get_property("transceiver")
        rec = {"pad": pad.get_name(), "mid": trans.get_property("mid") if trans else None,
               "ssrc": None, "encoding": enc, "kind": None, "count": 0}
        if enc == "VP8":
            rec["kind"] = "video"
            chain = ["rtpvp8depay", "vp8dec"]
        elif enc == "OPUS":
            rec["kind"] = "audio"
            chain = ["rtpopusdepay", "opusdec"]
        else:
            chain = []
        log(self.name, "pad %s: mid %s, %s", rec["pad"], rec["mid"], caps.to_string())
        elements = [Gst.ElementFactory.make(f) for f in chain]
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        sink.set_property("async", False)
        elements.append(sink)
        for e in elements:
            self.pipeline.add(e)
        for a, b in zip(elements, elements[1:]):
            a.link(b)
        for e in elements:
            e.sync_state_with_parent()
        with self.lock:
            self.streams.append(rec)
        pad.add_probe(Gst.PadProbeType.BUFFER, self._first_packet, rec)
        sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, self._count, rec)
        if pad.link(elements[0].get_static_pad("sink")) != Gst.PadLinkReturn.OK:
            with self.lock:
                self.errors.append("could not link %s (%s)" % (rec["pad"], caps.to_string()))

    def _first_packet(self, pad, info, rec):
        buf = info.get_buffer()
        head = buf.extract_dup(0, 12) if buf.get_size() >= 12 else b""
        if len(head) == 12:
            with self.lock:
                rec["ssrc"] = int.from_bytes(head[8:12], "big")
        return Gst.PadProbeReturn.REMOVE

    def _count(self, pad, info, rec):
        with self.lock:
            rec["count"] += 1
        return Gst.PadProbeReturn.OK

    def _sender(self, rec):
        mid = self.by_ssrc.get(rec["ssrc"], rec["mid"])
        msid = self.by_mid.get(mid)
        return msid[0] if msid else None

    def decoded(self):
        """{participant (msid's first word, None if unknown): {"video": decoded
        frames, "audio": decoded buffers}}."""
        out = {}
        with self.lock:
            for rec in self.streams:
                if rec["kind"]:
                    d = out.setdefault(self._sender(rec), {"video": 0, "audio": 0})
                    d[rec["kind"]] += rec["count"]
        return out

    def stream_details(self):
        with self.lock:
            return [dict(r, sender=self._sender(r)) for r in self.streams]


# --- a participant of a Hearth session ----------------------------------------


class Peer:
    """One participant: joins with an invite token, then publish() and
    subscribe() as docs/protocol.md describes.

    Options for negative tests: bad_fingerprint=True alters the certificate
    digest in the publish offer (the DTLS certificate the peer then presents
    does not match its SDP); video/audio choose what publish() sends;
    tcp_only=True makes both peer connections use ICE-TCP alone."""

    def __init__(self, port, token, name="peer", video=True, audio=True,
                 bad_fingerprint=False, timeout=5, answer_delay=0.0, ice_address="127.0.0.1",
                 ws_host="127.0.0.1", tcp_only=False):
        self.name = name
        self.ice_address = ice_address  # the one address its ICE gathers
        self.answer_delay = answer_delay  # seconds before answering an offer
        self.video, self.audio = video, audio
        self.bad_fingerprint = bad_fingerprint
        self.cond = threading.Condition()
        self.messages = []          # every message received, in order
        self.sub_offers = []        # the subscribe.offer messages
        self.answered = {}          # subscribe.answer id -> version
        self.errors = []            # failures while handling server offers
        self.ws_closed = None       # the close code once the socket ended
        self.publisher = None
        self.subscriber = None
        self.closed = False
        self.ids = itertools.count(2)
        # Several nodes: where the peer came in (tried again after its node
        # died), and the nodes a wrong_node answer sent it to.
        self.entry = (ws_host, port)
        self.port, self.ws_host = port, ws_host
        self.redirects = []
        self.join_reply = self._ask({"type": "join", "id": 1, "v": 1, "token": token}, timeout)
        if self.join_reply.get("type") != "join.ok":
            self.ws.close()
            raise PeerError("%s: join refused: %r" % (name, self.join_reply))
        self.participant_id = self.join_reply["you"]["participant_id"]
        self.resume_token = self.join_reply.get("resume_token")
        self.loop = Loop(name)
        self.loop.tcp_only = tcp_only  # ICE over TCP only (Endpoint reads it)
        self._read()

    def _ask(self, msg, timeout):
        """A new socket to the current node that sends msg and returns the
        answer, following wrong_node answers (docs/protocol.md, "Several
        nodes") to the node that serves the session, as the browser does."""
        for _ in range(4):
            self.ws = WsClient(self.port, host=self.ws_host)
            self.ws.send(msg)
            reply = self.ws.recv(timeout)
            err = reply.get("error") or {}
            if reply.get("type") != "error" or err.get("code") != "wrong_node":
                return reply
            self.ws.close()
            url = urllib.parse.urlsplit(err["url"])
            self.ws_host, self.port = url.hostname, url.port or 80
            self.redirects.append(err["url"])
            log(self.name, "wrong_node: to %s", err["url"])
        raise PeerError("%s: redirected in circles: %r" % (self.name, self.redirects))

    def _read(self):
        ws = self.ws  # a reader of a replaced socket (reconnect) no longer counts
        ws.start_reader(self._on_message, lambda code: ws is self.ws and self._on_closed(code))

    # signalling

    def _on_message(self, msg):
        log(self.name, "<- %s", _brief(msg))
        if msg.get("resume_token"):
            self.resume_token = msg["resume_token"]
        with self.cond:
            self.messages.append(msg)
            if msg.get("type") == "subscribe.offer":
                self.sub_offers.append(msg)
            self.cond.notify_all()
        if msg.get("type") == "subscribe.offer":
            if self.answer_delay:
                threading.Timer(self.answer_delay, self.loop.call,
                                (self._answer_offer, msg)).start()
            else:
                self.loop.call(self._answer_offer, msg)

    def _on_closed(self, code):
        with self.cond:
            self.ws_closed = code if code is not None else -1
            self.cond.notify_all()

    def send(self, obj):
        log(self.name, "-> %s", _brief(obj))
        self.ws.send(obj)

    def request(self, obj, timeout=10):
        """Sends a request with a fresh id and returns its answer (ok or error)."""
        obj = dict(obj, id=next(self.ids))
        self.send(obj)
        return self.wait_message(lambda m: m.get("id") == obj["id"], timeout,
                                 "an answer to %s" % obj["type"])

    def wait_message(self, pred, timeout=10, what="a message"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PeerError("%s: no %s in %ss; got %s" % (
                        self.name, what, timeout, [_brief(m) for m in self.messages]))
                if self.ws_closed is not None:
                    raise PeerError("%s: socket closed (%s) while waiting for %s; got %s" % (
                        self.name, self.ws_closed, what,
                        [_brief(m) for m in self.messages]))
                self.cond.wait(min(left, 0.2))

    def _answer_offer(self, msg):
        if self.closed:
            return
        try:
            if self.subscriber is None:
                raise PeerError("subscribe.offer before subscribe")
            answer = self.subscriber.handle_offer(msg["sdp"])
            rid = next(self.ids)
            with self.cond:
                self.answered[rid] = msg["version"]
            self.send({"type": "subscribe.answer", "id": rid, "version": msg["version"],
                       "sdp": answer})
        except Exception as e:  # noqa: BLE001 - recorded for the test to see
            log(self.name, "offer %s failed: %s", msg.get("version"), e)
            with self.cond:
                self.errors.append("subscribe.offer v%s: %s" % (msg.get("version"), e))
                self.cond.notify_all()

    def reconnect(self, timeout=5):
        """After the socket dropped (a server restart): a new socket that
        resumes the seat with the last resume token, as the browser client
        does. Returns the answer (resume.ok or an error). With "renegotiate"
        in it, the media connections are gone: publish() and subscribe()
        again make new ones."""
        self.ws.close()
        with self.cond:
            self.messages, self.sub_offers, self.answered, self.errors = [], [], {}, []
            self.ws_closed = None
        msg = {"type": "resume", "id": 1, "resume_token": self.resume_token}
        try:
            reply = self._ask(msg, timeout)
        except OSError:
            # The node is gone: back to where the peer came in, which
            # serves the session now or sends it on.
            self.ws_host, self.port = self.entry
            reply = self._ask(msg, timeout)
        if reply.get("resume_token"):
            self.resume_token = reply["resume_token"]
        if reply.get("type") == "resume.ok" and reply.get("renegotiate"):
            for ep in (self.publisher, self.subscriber):
                if ep:
                    ep.close()
            self.publisher = self.subscriber = None
        self._read()
        return reply

    def publish(self, timeout=10):
        """Offers our camera and microphone; returns the server's answer
        message (publish.ok, whose SDP is then applied, or an error)."""
        if self.publisher is None:
            self.publisher = Publisher(self.loop, name=self.name + "/pub",
                                       msid=self.participant_id,
                                       video=self.video, audio=self.audio,
                                       ice_address=self.ice_address)
        offer = self.publisher.start(timeout)
        if self.bad_fingerprint:
            offer = sdp_tamper_fingerprint(offer)
        self.publish_offer = offer
        reply = self.request({"type": "publish", "sdp": offer}, timeout)
        if reply.get("type") == "publish.ok":
            self.publisher.apply_answer(reply["sdp"], timeout)
        return reply

    def subscribe(self, timeout=10):
        """Asks for everyone else's streams; returns the server's answer
        (subscribe.ok or an error). Offers are answered as they come."""
        if self.subscriber is None:
            self.subscriber = Subscriber(self.loop, name=self.name + "/sub",
                                         ice_address=self.ice_address)
        return self.request({"type": "subscribe"}, timeout)

    def wait_answered(self, version, timeout=10):
        """Waits until the server accepted our answer to subscribe offer
        `version`; raises if handling an offer failed or the answer was refused."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                if self.errors:
                    raise PeerError("%s: %s" % (self.name, self.errors))
                for m in self.messages:
                    if self.answered.get(m.get("id")) == version:
                        if m.get("type") == "subscribe.answer.ok":
                            return m
                        raise PeerError("%s: answer to v%s refused: %r" % (self.name, version, m))
                left = deadline - time.monotonic()
                if left <= 0 or self.ws_closed is not None:
                    raise PeerError("%s: answer to v%s not accepted in %ss; got %s" % (
                        self.name, version, timeout, [_brief(m) for m in self.messages]))
                self.cond.wait(min(left, 0.2))

    def offered_participants(self):
        """Every participant_id named by an msid in any subscribe offer."""
        with self.cond:
            offers = list(self.sub_offers)
        out = set()
        for o in offers:
            for s in sdp_streams(o.get("sdp", "")):
                if s["msid"]:
                    out.add(s["msid"][0])
                for v in s["ssrcs"].values():
                    if v:
                        out.add(v[0])
        return out

    # counters

    def frames_sent(self):
        return self.publisher.frames_sent() if self.publisher else 0

    def audio_sent(self):
        return self.publisher.audio_sent() if self.publisher else 0

    def decoded(self):
        return self.subscriber.decoded() if self.subscriber else {}

    def decoded_from(self, participant_id):
        return self.decoded().get(participant_id, {"video": 0, "audio": 0})

    def pause(self):
        if self.publisher:
            self.publisher.pause()

    def resume(self):
        if self.publisher:
            self.publisher.resume()

    def close(self, leave=True):
        """Leaves (as a client's Leave button does) and tears down; with
        leave=False the socket just drops, as on a network failure."""
        if self.closed:
            return
        self.closed = True
        if leave and self.ws_closed is None:
            try:
                self.ws.send({"type": "leave", "id": next(self.ids)})
            except OSError:
                pass
        self.ws.close()
        for ep in (self.publisher, self.subscriber):
            if ep:
                ep.close()
        self.loop.quit()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _brief(msg):
    m = dict(msg)
    if isinstance(m.get("sdp"), str):
        m["sdp"] = "<%d bytes>" % len(m["sdp"])
    return json.dumps(m)[:300]


# --- measuring delivery -------------------------------------------------------


def wait_flowing(pairs, timeout=20, frames=10):
    """pairs: [(receiver, sender_id)], receiver with decoded(). Waits until
    every receiver decoded at least `frames` video frames and some audio from
    its sender; returns the pairs still missing (empty on success)."""
    deadline = time.monotonic() + timeout
    while True:
        missing = []
        for rx, tx in pairs:
            d = rx.decoded().get(tx, {"video": 0, "audio": 0})
            if d["video"] < frames or d["audio"] < 1:
                missing.append((rx, tx))
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.1)


class Delivery:
    """What measure() saw: sent[sender] = (video, audio) and
    decoded[(receiver index, sender)] = (video, audio) over the window."""

    def __init__(self, sent, decoded):
        self.sent = sent
        self.decoded = decoded

    def ratio(self, rx, tx, kind="video"):
        k = 0 if kind == "video" else 1
        return self.decoded[(rx, tx)][k] / max(1, self.sent[tx][k])


def measure(senders, receivers, seconds, drain=1.0):
    """Counts over a window with nothing in flight at either end: pauses every
    sender, lets the pipes drain, snapshots, runs for `seconds`, pauses and
    drains again, snapshots. senders: {sender id: object with pause, resume,
    frames_sent, audio_sent}; receivers: [objects with decoded()]."""
    def snapshot():
        sent = {k: (s.frames_sent(), s.audio_sent()) for k, s in senders.items()}
        got = {}
        for i, r in enumerate(receivers):
            d = r.decoded()
            for k in senders:
                v = d.get(k, {"video": 0, "audio": 0})
                got[(i, k)] = (v["video"], v["audio"])
        return sent, got

    for s in senders.values():
        s.pause()
    time.sleep(drain)
    sent0, got0 = snapshot()
    for s in senders.values():
        s.resume()
    time.sleep(seconds)
    for s in senders.values():
        s.pause()
    time.sleep(drain)
    sent1, got1 = snapshot()
    for s in senders.values():
        s.resume()
    return Delivery(
        {k: tuple(b - a for a, b in zip(sent0[k], sent1[k])) for k in sent0},
        {k: tuple(b - a for a, b in zip(got0[k], got1[k])) for k in got0})
