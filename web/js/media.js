// The two peer connections to the relay (docs/protocol.md, "Media"): one
// that publishes our camera, microphone and screen (we offer), one that
// receives everyone else's (the server offers, we answer).

import { PlayoutGuard } from './playout.js';

const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };

// The connection's configuration with the TURN servers the server gave
// (join/resume answers, ice.servers): new ones apply to the next ICE
// gathering (a restart); TURN allocations that stand keep theirs (coturn
// checks a credential's expiry only when it allocates).
function pcConfig(iceServers) {
  return { ...PC_CONFIG, iceServers: iceServers ?? [] };
}

export function applyIceServers(pc, iceServers) {
  if (pc && pc.signalingState !== 'closed') pc.setConfiguration(pcConfig(iceServers));
}

// Simulcast (docs/protocol.md, "Simulcast"): the camera goes as up to
// three encodings, lowest first (the order the server numbers them in),
// so that the relay can give each viewer the one its link and tile take.
// How many: as many as Chromium sends for the camera's size (it drops the
// top ones beyond its own limit: 3 from 960x540, 2 from 480x270, else 1),
// so that the top one is always the camera's full size. The screen goes
// as one encoding at full size.
export function cameraEncodings(width, height) {
  const pixels = width * height;
  if (pixels >= 960 * 540)
    return [
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
      { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1500000 },
    ];
  if (pixels >= 480 * 270)
    return [
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 150000 },
      { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 800000 },
    ];
  return null;
}

// One change at a time on a connection: offers never overlap.
class Serial {
  constructor() {
    this.tail = Promise.resolve();
  }

  run(task) {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => {});
    return next;
  }
}

export class Publisher {
  constructor(signal, onConnection) {
    this.signal = signal;
    this.onConnection = onConnection;
    this.pc = null;
    this.serial = new Serial();
    this.tracks = { audio: null, camera: null, screen: null };
    this.simulcast = true;
    this.paused = {}; // source -> true: its track is not sent (camera off)
  }

  // Sends nothing of source (paused: the sender has no track, so not even
  // black frames go out) or its track again; no renegotiation.
  setPaused(source, paused) {
    return this.serial.run(async () => {
      if (!!this.paused[source] === paused) return;
      this.paused[source] = paused;
      const tr = this.transceivers?.[source];
      if (tr) await tr.sender.replaceTrack(paused ? null : this.tracks[source]);
    });
  }

  // Dynacast: of the encodings of the m-line mid, only these rids are
  // sent (RTCRtpSender.setParameters, no renegotiation).
  setLayers(mid, rids) {
    return this.serial.run(async () => {
      const tr = this.pc?.getTransceivers().find((t) => t.mid === mid);
      if (!tr) return;
      const p = tr.sender.getParameters();
      let changed = false;
      for (const e of p.encodings ?? []) {
        if (!e.rid) continue;
        const active = rids.includes(e.rid);
        if (e.active !== active) {
          e.active = active;
          changed = true;
        }
      }
      if (changed) await tr.sender.setParameters(p);
    });
  }

  // Sends exactly these tracks (null: none of that source); renegotiates.
  update(tracks) {
    return this.serial.run(() => this.apply(tracks));
  }

  async apply(tracks) {
    const wanted = { ...this.tracks, ...tracks };
    const any = wanted.audio || wanted.camera || wanted.screen;
    if (!any) {
      this.tracks = wanted;
      this.closePc();
      return;
    }
    if (!this.pc) {
      this.pc = new RTCPeerConnection(pcConfig(this.iceServers));
      this.pc.onconnectionstatechange = () => this.onConnection(this.pc?.connectionState);
      this.transceivers = {};
    }
    const stream = this.stream ?? (this.stream = new MediaStream());
    for (const source of ['audio', 'camera', 'screen']) {
      const track = wanted[source];
      let tr = this.transceivers[source];
      if (track && !tr) {
        const init = { direction: 'sendonly', streams: [stream] };
        const { width = 0, height = 0 } = track.getSettings();
        const encodings = source === 'camera' && this.simulcast ? cameraEncodings(width, height) : null;
        if (encodings) init.sendEncodings = encodings;
        tr = this.pc.addTransceiver(track, init);
        this.transceivers[source] = tr;
        if (this.paused[source]) await tr.sender.replaceTrack(null);
      } else if (track && tr) {
        await tr.sender.replaceTrack(this.paused[source] ? null : track);
      } else if (!track && tr) {
        tr.stop();
        delete this.transceivers[source];
      }
    }
    this.tracks = wanted;
    await this.negotiate({});
  }

  async negotiate(options) {
    const offer = await this.pc.createOffer(options);
    await this.pc.setLocalDescription(offer);
    const ok = await this.signal.request('publish', { sdp: this.pc.localDescription.sdp });
    await this.pc.setRemoteDescription({ type: 'answer', sdp: ok.sdp });
  }

  setIceServers(iceServers) {
    this.iceServers = iceServers;
    applyIceServers(this.pc, iceServers);
  }

  // After a network change: new ICE credentials, the same DTLS and streams.
  restartIce() {
    return this.serial.run(async () => {
      if (this.pc) await this.negotiate({ iceRestart: true });
    });
  }

  closePc() {
    this.pc?.close();
    this.pc = null;
    this.transceivers = {};
  }

  close() {
    this.closePc();
    this.tracks = { audio: null, camera: null, screen: null };
  }
}

// The m-lines of an SDP that carry a stream: mid -> {participantId, streamId}.
export function streamsOfSdp(sdp) {
  const out = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /\na=mid:(\S+)/.exec(section)?.[1];
    const msid = /\na=msid:(\S+) (\S+)/.exec(section);
    const inactive = /\na=inactive/.test(section);
    if (mid && msid && !inactive) out.set(mid, { participantId: msid[1], streamId: msid[2] });
  }
  return out;
}

export class Subscriber {
  // onStreams(list of {participantId, streamId, kind, track}) after each offer.
  constructor(signal, onStreams, onConnection) {
    this.signal = signal;
    this.onStreams = onStreams;
    this.onConnection = onConnection;
    this.serial = new Serial();
    this.pc = null;
    this.playout = new PlayoutGuard();
  }

  async start() {
    this.pc = new RTCPeerConnection(pcConfig(this.iceServers));
    this.pc.onconnectionstatechange = () => this.onConnection(this.pc?.connectionState);
    this.playout.watch(this.pc);
    await this.signal.request('subscribe');
  }

  offer(msg) {
    return this.serial.run(async () => {
      if (!this.pc) return;
      await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      await this.signal.request('subscribe.answer', { version: msg.version, sdp: answer.sdp });
      this.report();
    });
  }

  report() {
    const streams = streamsOfSdp(this.pc.remoteDescription.sdp);
    const list = [];
    for (const tr of this.pc.getTransceivers()) {
      const s = tr.mid !== null ? streams.get(tr.mid) : undefined;
      if (s && tr.receiver.track) list.push({ ...s, mid: tr.mid, kind: tr.receiver.track.kind, track: tr.receiver.track });
    }
    this.onStreams(list);
  }

  setIceServers(iceServers) {
    this.iceServers = iceServers;
    applyIceServers(this.pc, iceServers);
  }

  // After a network change: the server's next offer has new credentials.
  restartIce() {
    return this.signal.request('subscribe.restart');
  }

  close() {
    this.playout.stop();
    this.pc?.close();
    this.pc = null;
  }
}
