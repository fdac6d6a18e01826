// A longer playout delay for the videos whose packets are being repaired
// (docs/protocol.md, "Loss repair"). A packet lost on the sender's uplink
// is resent to the relay and then on to us, a round trip of the sender's
// link later: a picture waiting for it is late by that much, which the
// browser's jitter buffer (sized for our own link) shows as a freeze. While
// the browser asks for packets again (NACK), each video gets a minimum
// buffer (RTCRtpReceiver.jitterBufferTarget), raised at every freeze up to
// MAX_MS and lowered again once its packets have arrived whole for a while.
// Audio follows its video (lip sync); a clean link keeps no extra delay.
// Browsers without jitterBufferTarget (Firefox ESR) are left as they are.

const START_MS = 150; // on the first repair
const STEP_MS = 100; // more at each freeze while repairs go on
const MAX_MS = 500;
const CALM_MS = 30000; // no repair for this long: one step back down
const EVERY_MS = 1000;

export class PlayoutGuard {
  constructor() {
    this.pc = null;
    this.timer = null;
    this.state = new Map(); // receiver -> { nack, freezes, target, lastRepair, lastStep }
  }

  watch(pc) {
    this.pc = pc;
    if (!this.timer) this.timer = setInterval(() => this.check().catch(() => {}), EVERY_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.pc = null;
    this.state.clear();
  }

  async check() {
    const pc = this.pc;
    if (!pc || pc.connectionState === 'closed') return;
    const now = Date.now();
    for (const receiver of pc.getReceivers()) {
      if (receiver.track?.kind !== 'video' || !('jitterBufferTarget' in receiver)) continue;
      let inbound = null;
      for (const r of (await receiver.getStats()).values()) if (r.type === 'inbound-rtp') inbound = r;
      if (!inbound) continue;
      const s = this.state.get(receiver) ?? { nack: inbound.nackCount ?? 0, freezes: inbound.freezeCount ?? 0, target: 0, lastRepair: 0, lastStep: now };
      this.state.set(receiver, s);
      const nack = inbound.nackCount ?? 0;
      const freezes = inbound.freezeCount ?? 0;
      let target = s.target;
      if (nack > s.nack) {
        s.lastRepair = now;
        if (target === 0) target = START_MS;
        if (freezes > s.freezes) target = Math.min(MAX_MS, target + STEP_MS);
      } else if (target > 0 && now - s.lastRepair > CALM_MS && now - s.lastStep > CALM_MS) {
        target = Math.max(0, target - STEP_MS);
      }
      s.nack = nack;
      s.freezes = freezes;
      if (target !== s.target) {
        s.target = target;
        s.lastStep = now;
        receiver.jitterBufferTarget = target || null;
      }
    }
    for (const receiver of this.state.keys()) if (!pc.getReceivers().includes(receiver)) this.state.delete(receiver);
  }

  // What it set, for tests: [{ trackId, targetMs }].
  targets() {
    return [...this.state.entries()].map(([r, s]) => ({ trackId: r.track?.id, targetMs: s.target }));
  }
}
